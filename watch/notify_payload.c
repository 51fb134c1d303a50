/*
 * What watch's notifications say: the events found in a drift report, the
 * rule that makes one message per event, and the request bodies (Slack's
 * Block Kit message, the generic webhook's document). The sending is in
 * notify.c.
 */
#include <stdlib.h>
#include <string.h>

#include "ecsctl/buf.h"
#include "ecsctl/notify.h"
#include "ecsctl/timestamp.h"
#include "banned.h"

bool ecsctl_watch_notify_changed(char **last, const char *key)
{
	char *copy;

	if (!key || !*key) {
		free(*last);
		*last = NULL;
		return false;
	}
	if (*last && !strcmp(*last, key))
		return false;
	copy = strdup(key);
	if (!copy)
		return false;
	free(*last);
	*last = copy;
	return true;
}

bool ecsctl_watch_notify_lasting(char **seen, const char *key)
{
	bool lasting = !key || !*key || (*seen && !strcmp(*seen, key));
	char *copy = key && *key ? strdup(key) : NULL;

	if (key && *key && !copy)
		return false; /* out of memory: wait for a tick that can tell */
	free(*seen);
	*seen = copy;
	return lasting;
}

json_t *ecsctl_watch_notify_drifted(const struct ecsctl_drift_report *r)
{
	json_t *list = json_array();
	size_t i, j;

	for (i = 0; list && i < r->count; i++) {
		const struct ecsctl_drift_item *it = &r->items[i];
		struct ecsctl_buf members = ECSCTL_BUF_INIT;

		if (it->status != ECSCTL_DRIFT_DRIFTED && it->status != ECSCTL_DRIFT_MISSING)
			continue;
		if (it->status == ECSCTL_DRIFT_MISSING)
			ecsctl_buf_adds(&members, "missing");
		for (j = 0; j < json_array_size(it->diff); j++)
			ecsctl_buf_addf(&members, "%s%s", j ? ", " : "",
			                json_string_value(
			                    json_object_get(json_array_get(it->diff, j), "path")));
		json_array_append_new(list, json_pack("{s:s, s:s, s:s}", "kind",
		                                      ecsctl_kind_name(it->kind), "name", it->name,
		                                      "detail", members.buf));
		ecsctl_buf_release(&members);
	}
	return list;
}

json_t *ecsctl_watch_notify_degraded(const struct ecsctl_drift_report *r)
{
	json_t *list = json_array();
	size_t i;

	for (i = 0; list && i < r->count; i++) {
		const json_t *h = r->items[i].health;
		const char *rollout = json_string_value(json_object_get(h, "rollout"));
		json_int_t run = json_integer_value(json_object_get(h, "running"));
		json_int_t want = json_integer_value(json_object_get(h, "desired"));
		char detail[128];

		if (!h || !rollout)
			continue;
		if (strcmp(rollout, "FAILED") && !(!strcmp(rollout, "COMPLETED") && run < want))
			continue;
		snprintf(detail, sizeof(detail), "%lld/%lld running, rollout %s", (long long)run,
		         (long long)want, rollout);
		json_array_append_new(list, json_pack("{s:s, s:s, s:s}", "kind", "Service", "name",
		                                      r->items[i].name, "detail", detail));
	}
	return list;
}

static const char *title(const char *type)
{
	if (!strcmp(type, "sync-succeeded"))
		return "Sync succeeded";
	if (!strcmp(type, "sync-failed"))
		return "Sync failed";
	if (!strcmp(type, "drift-detected"))
		return "Drift detected";
	if (!strcmp(type, "health-degraded"))
		return "Health degraded";
	if (!strcmp(type, "rollout-paused"))
		return "Rollout paused";
	return "Sync started";
}

/* Slack's mrkdwn wants &, < and > escaped, nothing else. */
static void mrkdwn(struct ecsctl_buf *b, const char *s)
{
	for (; s && *s; s++) {
		if (*s == '&')
			ecsctl_buf_adds(b, "&amp;");
		else if (*s == '<')
			ecsctl_buf_adds(b, "&lt;");
		else if (*s == '>')
			ecsctl_buf_adds(b, "&gt;");
		else
			ecsctl_buf_addch(b, *s);
	}
}

/* Slack cuts a section's text at 3000 characters: stop before, on a
 * UTF-8 boundary, and say so. */
static void cap(struct ecsctl_buf *b, size_t max)
{
	size_t n = max;

	if (b->len <= max)
		return;
	while (n > 0 && ((unsigned char)b->buf[n] & 0xC0) == 0x80)
		n--;
	ecsctl_buf_setlen(b, n);
	ecsctl_buf_adds(b, "\n...");
}

static json_t *mrkdwn_section(struct ecsctl_buf *b)
{
	cap(b, 2900);
	return json_pack("{s:s, s:{s:s, s:s}}", "type", "section", "text", "type", "mrkdwn", "text",
	                 b->buf);
}

char *ecsctl_watch_notify_slack_body(const struct ecsctl_watch_event *ev)
{
	struct ecsctl_buf head = ECSCTL_BUF_INIT, main = ECSCTL_BUF_INIT, list = ECSCTL_BUF_INIT;
	struct ecsctl_buf ctx = ECSCTL_BUF_INIT;
	const json_t *r;
	json_t *doc = NULL, *blocks;
	char *out = NULL;
	size_t i;

	/* a header's plain_text holds at most 150 characters */
	ecsctl_buf_addf(&head, "%s", title(ev->type));
	if (ev->environment)
		ecsctl_buf_addf(&head, " (%.100s)", ev->environment);
	if (ev->commit) {
		ecsctl_buf_adds(&main, "*Commit* `");
		mrkdwn(&main, ev->commit);
		ecsctl_buf_adds(&main, "`");
		if (ev->subject) {
			ecsctl_buf_adds(&main, " ");
			mrkdwn(&main, ev->subject);
		}
		ecsctl_buf_adds(&main, "\n");
	}
	mrkdwn(&main, ev->summary ? ev->summary : title(ev->type));
	json_array_foreach(ev->resources, i, r) {
		ecsctl_buf_adds(&list, "\xe2\x80\xa2 ");
		mrkdwn(&list, json_string_value(json_object_get(r, "kind")));
		ecsctl_buf_adds(&list, " `");
		mrkdwn(&list, json_string_value(json_object_get(r, "name")));
		ecsctl_buf_adds(&list, "`");
		if (json_string_value(json_object_get(r, "detail"))) {
			ecsctl_buf_adds(&list, ": ");
			mrkdwn(&list, json_string_value(json_object_get(r, "detail")));
		}
		ecsctl_buf_adds(&list, "\n");
	}
	ecsctl_buf_adds(&ctx, "ecsctl watch \xc2\xb7 ");
	mrkdwn(&ctx, ev->repo ? ev->repo : "");
	if (ev->ref) {
		ecsctl_buf_adds(&ctx, " \xc2\xb7 ");
		mrkdwn(&ctx, ev->ref);
	}
	blocks = json_pack("[{s:s, s:{s:s, s:s}}, o]", "type", "header", "text", "type",
	                   "plain_text", "text", head.buf, mrkdwn_section(&main));
	if (blocks && list.len)
		json_array_append_new(blocks, mrkdwn_section(&list));
	if (blocks)
		json_array_append_new(blocks,
		                      json_pack("{s:s, s:[{s:s, s:s}]}", "type", "context",
		                                "elements", "type", "mrkdwn", "text", ctx.buf));
	/* `text` is the notification's fallback (push notifications, old clients) */
	doc = json_pack("{s:s, s:o}", "text", head.buf, "blocks", blocks);
	if (doc && !ecsctl_buf_failed(&main) && !ecsctl_buf_failed(&list) &&
	    !ecsctl_buf_failed(&head) && !ecsctl_buf_failed(&ctx))
		out = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(doc);
	ecsctl_buf_release(&head);
	ecsctl_buf_release(&main);
	ecsctl_buf_release(&list);
	ecsctl_buf_release(&ctx);
	return out;
}

static json_t *str(const char *s)
{
	return s ? json_string(s) : json_null();
}

char *ecsctl_watch_notify_webhook_body(const struct ecsctl_watch_event *ev, double unix_time)
{
	char when[ECSCTL_TIMESTAMP_MAX];
	json_t *doc;
	char *out;

	if (ecsctl_timestamp_format(when, unix_time))
		when[0] = '\0';
	doc = json_pack("{s:i, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "formatVersion", 1,
	                "event", ev->type, "time", when, "repo", str(ev->repo), "ref", str(ev->ref),
	                "environment", str(ev->environment), "commit", str(ev->commit), "subject",
	                str(ev->subject), "summary", str(ev->summary), "resources",
	                ev->resources ? json_incref((json_t *)ev->resources) : json_array());
	out = doc ? json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(doc);
	return out;
}
