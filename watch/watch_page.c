/*
 * watch's status page, rendered from the /api/v1/status document alone.
 * No script and no outside asset: a page that works with JavaScript off,
 * behind a proxy with no internet, and that a Content-Security-Policy of
 * default-src 'none' lets render. Every value from git or from ECS passes
 * through ecsctl_watch_html_escape (a commit subject or a service event is
 * text anyone with push access or an ECS account chose).
 *
 * The badge colours are pairs of at least 4.5:1 contrast (WCAG AA for
 * normal text); tests/e2e/test_watch_page.py computes them from the CSS.
 */
#include <string.h>

#include "ecsctl/watch.h"
#include "ecsctl/buf.h"
#include "banned.h"

static const char css[] =
    "body{font:15px/1.45 system-ui,sans-serif;margin:0;color:#1f2328;background:#fff}"
    "header,main{padding:0 1.5rem}h1{font-size:1.4rem;margin:1rem 0 .5rem}"
    "h2{font-size:1.1rem;margin:1.5rem 0 .5rem}"
    "dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem;margin:0}"
    "dt{font-weight:600}dd{margin:0}code{font:13px ui-monospace,monospace}"
    "table{border-collapse:collapse;width:100%;margin:.5rem 0 1rem}"
    "caption{text-align:left;font-weight:600;padding:.3rem 0}"
    "th,td{border-bottom:1px solid #d0d7de;padding:.35rem .5rem;text-align:left;"
    "vertical-align:top}thead th{background:#f6f8fa}tbody th{font-weight:500}"
    "a{color:#0550ae}tr.failure-detail td{background:#ffebe9;color:#82071e}"
    ".badge{display:inline-block;padding:0 .45rem;border-radius:.6rem;font-size:13px;"
    "font-weight:600}"
    ".badge.s-in-sync,.badge.h-healthy,.badge.r-applied,.badge.r-noop"
    "{color:#ffffff;background:#1a7f37}"
    ".badge.s-drifted,.badge.r-held,.badge.r-skipped{color:#ffffff;background:#9a6700}"
    ".badge.s-missing,.badge.h-degraded,.badge.h-failed,.badge.r-failed"
    "{color:#ffffff;background:#cf222e}"
    ".badge.s-unmanaged,.badge.h-unknown,.badge.r-suspended{color:#ffffff;background:#57606a}"
    ".badge.s-progressing,.badge.h-progressing,.badge.r-running"
    "{color:#ffffff;background:#0969da}"
    "form{margin:.6rem 0}input{width:5rem}.muted{color:#57606a}";

void ecsctl_watch_html_escape(struct ecsctl_buf *out, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&':
			ecsctl_buf_adds(out, "&amp;");
			break;
		case '<':
			ecsctl_buf_adds(out, "&lt;");
			break;
		case '>':
			ecsctl_buf_adds(out, "&gt;");
			break;
		case '"':
			ecsctl_buf_adds(out, "&quot;");
			break;
		case '\'':
			ecsctl_buf_adds(out, "&#39;");
			break;
		default:
			ecsctl_buf_addch(out, *s);
		}
	}
}

static void esc(struct ecsctl_buf *out, const char *s)
{
	ecsctl_watch_html_escape(out, s);
}

static const char *get_s(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* A class word: the status words are [a-z-] already; anything else is
 * reduced to that so no value can leave the attribute. */
static void badge(struct ecsctl_buf *out, char prefix, const char *word)
{
	const char *p;

	ecsctl_buf_addf(out, "<span class=\"badge %c-", prefix);
	for (p = word ? word : "unknown"; *p; p++)
		ecsctl_buf_addch(out, (*p >= 'a' && *p <= 'z') || *p == '-' ? *p : '-');
	ecsctl_buf_adds(out, "\">");
	esc(out, word ? word : "unknown");
	ecsctl_buf_adds(out, "</span>");
}

static void short_commit(struct ecsctl_buf *out, const char *sha)
{
	char s[13];

	if (!sha) {
		ecsctl_buf_adds(out, "<span class=\"muted\">none</span>");
		return;
	}
	snprintf(s, sizeof(s), "%.12s", sha);
	ecsctl_buf_adds(out, "<code title=\"");
	esc(out, sha);
	ecsctl_buf_adds(out, "\">");
	esc(out, s);
	ecsctl_buf_adds(out, "</code>");
}

static void time_el(struct ecsctl_buf *out, const char *rfc3339)
{
	if (!rfc3339) {
		ecsctl_buf_adds(out, "<span class=\"muted\">-</span>");
		return;
	}
	ecsctl_buf_adds(out, "<time datetime=\"");
	esc(out, rfc3339);
	ecsctl_buf_adds(out, "\">");
	esc(out, rfc3339);
	ecsctl_buf_adds(out, "</time>");
}

static void head(struct ecsctl_buf *out, const char *title, int refresh)
{
	ecsctl_buf_adds(out,
	                "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	                "<meta name=\"viewport\" content=\"width=device-width, "
	                "initial-scale=1\">\n");
	if (refresh > 0)
		ecsctl_buf_addf(out, "<meta http-equiv=\"refresh\" content=\"%d\">\n", refresh);
	ecsctl_buf_adds(out, "<title>");
	esc(out, title);
	ecsctl_buf_addf(out, "</title>\n<style>%s</style>\n</head>\n<body>\n", css);
}

/* "running 2/2, pending 0, rollout COMPLETED" beside the health badge. */
static void health_cell(struct ecsctl_buf *out, const json_t *h)
{
	const char *rollout = get_s(h, "rollout");

	if (!json_is_object(h)) {
		ecsctl_buf_adds(out, "<span class=\"muted\">-</span>");
		return;
	}
	badge(out, 'h', get_s(h, "state"));
	ecsctl_buf_addf(out, " <span class=\"counts\">%lld/%lld running",
	                (long long)json_integer_value(json_object_get(h, "running")),
	                (long long)json_integer_value(json_object_get(h, "desired")));
	if (json_integer_value(json_object_get(h, "pending")))
		ecsctl_buf_addf(out, ", %lld pending",
		                (long long)json_integer_value(json_object_get(h, "pending")));
	if (rollout) {
		ecsctl_buf_adds(out, ", rollout ");
		esc(out, rollout);
	}
	ecsctl_buf_adds(out, "</span>");
}

static void facts(struct ecsctl_buf *out, const json_t *doc)
{
	const json_t *synced = json_object_get(doc, "synced");
	const json_t *attempt = json_object_get(doc, "attempt");

	ecsctl_buf_adds(out, "<dl class=\"facts\">\n<dt>Repository</dt><dd id=\"repo\">");
	esc(out, get_s(doc, "repo"));
	if (get_s(doc, "path") && *get_s(doc, "path")) {
		ecsctl_buf_adds(out, " <span class=\"muted\">path</span> ");
		esc(out, get_s(doc, "path"));
	}
	ecsctl_buf_adds(out, "</dd>\n<dt>Branch</dt><dd id=\"ref\">");
	esc(out, get_s(doc, "ref") ? get_s(doc, "ref") : "(work tree)");
	ecsctl_buf_adds(out, "</dd>\n<dt>Environment</dt><dd id=\"environment\">");
	esc(out, get_s(doc, "environment") ? get_s(doc, "environment") : "(default)");
	ecsctl_buf_adds(out, "</dd>\n<dt>Last synced commit</dt><dd id=\"synced\">");
	if (json_is_object(synced)) {
		short_commit(out, get_s(synced, "commit"));
		ecsctl_buf_adds(out, " <span class=\"subject\">");
		esc(out, get_s(synced, "subject"));
		ecsctl_buf_adds(out, "</span> <span class=\"muted\">committed</span> ");
		time_el(out, get_s(synced, "time"));
		ecsctl_buf_adds(out, ", <span class=\"muted\">live since</span> ");
		time_el(out, get_s(synced, "at"));
	} else {
		ecsctl_buf_adds(out, "<span class=\"muted\">none yet</span>");
	}
	ecsctl_buf_adds(out, "</dd>\n<dt>Last attempt</dt><dd id=\"attempt\">");
	if (json_is_object(attempt)) {
		badge(out, 'r', get_s(attempt, "result"));
		ecsctl_buf_adds(out, " ");
		short_commit(out, get_s(attempt, "commit"));
		ecsctl_buf_adds(out, " <span class=\"subject\">");
		esc(out, get_s(attempt, "subject"));
		ecsctl_buf_adds(out, "</span> <span class=\"muted\">started</span> ");
		time_el(out, get_s(attempt, "started"));
		if (get_s(attempt, "error")) {
			ecsctl_buf_adds(out, "<br><strong>Error:</strong> <span class=\"error\">");
			esc(out, get_s(attempt, "error"));
			ecsctl_buf_adds(out, "</span>");
		}
	} else {
		ecsctl_buf_adds(out, "<span class=\"muted\">none yet</span>");
	}
	if (get_s(doc, "failedCommit")) {
		ecsctl_buf_adds(out, "</dd>\n<dt>Failed commit</dt><dd id=\"failed-commit\">");
		short_commit(out, get_s(doc, "failedCommit"));
		ecsctl_buf_adds(out, " <span class=\"muted\">its apply failed; not applied again "
		                     "until git moves, a webhook or --retry</span>");
	}
	ecsctl_buf_adds(out, "</dd>\n<dt>Next tick</dt><dd id=\"next-tick\">");
	time_el(out, get_s(doc, "nextTick"));
	ecsctl_buf_adds(out, "</dd>\n</dl>\n");
}

static void refresh_form(struct ecsctl_buf *out, int refresh)
{
	ecsctl_buf_addf(out,
	                "<form method=\"get\" action=\"/\"><label for=\"refresh\">Reload this "
	                "page every (seconds)</label> <input id=\"refresh\" name=\"refresh\" "
	                "type=\"number\" min=\"2\" max=\"3600\" value=\"%d\"> <button "
	                "type=\"submit\">Auto-refresh</button>%s</form>\n",
	                refresh > 0 ? refresh : 10,
	                refresh > 0 ? " <a href=\"/\">Stop auto-refresh</a>" : "");
}

static void resource_link(struct ecsctl_buf *out, const char *kind, const char *name)
{
	ecsctl_buf_adds(out, "<a href=\"/resources/");
	esc(out, kind);
	ecsctl_buf_addch(out, '/');
	esc(out, name);
	ecsctl_buf_adds(out, "\">");
	esc(out, name);
	ecsctl_buf_adds(out, "</a>");
}

static void failure_text(struct ecsctl_buf *out, const json_t *f)
{
	ecsctl_buf_adds(out, "<strong>Apply failed</strong> (commit ");
	short_commit(out, get_s(f, "commit"));
	ecsctl_buf_adds(out, "): <span class=\"reason\">");
	esc(out, get_s(f, "reason") ? get_s(f, "reason") : "unknown reason");
	ecsctl_buf_adds(out, "</span>");
}

static void row(struct ecsctl_buf *out, const json_t *r)
{
	const char *kind = get_s(r, "kind"), *name = get_s(r, "name");
	const json_t *fail = json_object_get(r, "failure");
	const json_t *h = json_object_get(r, "health");

	ecsctl_buf_adds(out, "<tr class=\"resource");
	if (json_is_object(fail))
		ecsctl_buf_adds(out, " failed");
	ecsctl_buf_adds(out, "\" data-kind=\"");
	esc(out, kind);
	ecsctl_buf_adds(out, "\" data-name=\"");
	esc(out, name);
	ecsctl_buf_adds(out, "\" data-sync=\"");
	esc(out, get_s(r, "sync"));
	ecsctl_buf_adds(out, "\" data-health=\"");
	esc(out, json_is_object(h) ? get_s(h, "state") : "none");
	ecsctl_buf_adds(out, "\">\n<td>");
	esc(out, kind);
	ecsctl_buf_adds(out, "</td><th scope=\"row\">");
	resource_link(out, kind, name);
	ecsctl_buf_adds(out, "</th><td>");
	esc(out, get_s(r, "environment") ? get_s(r, "environment") : "-");
	ecsctl_buf_adds(out, "</td><td>");
	badge(out, 's', get_s(r, "sync"));
	ecsctl_buf_adds(out, "</td><td>");
	health_cell(out, h);
	ecsctl_buf_adds(out, "</td><td>");
	short_commit(out, get_s(r, "deployedCommit"));
	ecsctl_buf_adds(out, "</td><td>");
	time_el(out, get_s(r, "lastChange"));
	ecsctl_buf_adds(out, "</td></tr>\n");
	if (json_is_object(fail)) {
		ecsctl_buf_adds(out, "<tr class=\"failure-detail\" data-name=\"");
		esc(out, name);
		ecsctl_buf_adds(out, "\"><td colspan=\"7\">");
		failure_text(out, fail);
		ecsctl_buf_adds(out, "</td></tr>\n");
	}
}

void ecsctl_watch_page_index(struct ecsctl_buf *out, const json_t *doc, int refresh)
{
	const json_t *list = json_object_get(doc, "resources"), *r, *counts;
	const char *word;
	json_t *n;
	size_t i;
	int first = 1;

	head(out, "ecsctl watch", refresh);
	ecsctl_buf_adds(out, "<header>\n<h1>ecsctl watch</h1>\n");
	facts(out, doc);
	refresh_form(out, refresh);
	ecsctl_buf_addf(out, "</header>\n<main>\n<table id=\"resources\">\n<caption>Managed "
	                     "resources: ");
	counts = json_object_get(doc, "counts");
	json_object_foreach((json_t *)counts, word, n) {
		ecsctl_buf_addf(out, "%s%lld ", first ? "" : ", ",
		                (long long)json_integer_value(n));
		esc(out, word);
		first = 0;
	}
	ecsctl_buf_adds(out, "</caption>\n<thead><tr><th scope=\"col\">Kind</th><th "
	                     "scope=\"col\">Name</th><th scope=\"col\">Environment</th><th "
	                     "scope=\"col\">Sync</th><th scope=\"col\">Health</th><th "
	                     "scope=\"col\">Deployed commit</th><th scope=\"col\">Last "
	                     "change</th></tr></thead>\n<tbody>\n");
	json_array_foreach(list, i, r)
		row(out, r);
	if (!json_array_size(list))
		ecsctl_buf_adds(out, "<tr><td colspan=\"7\" class=\"muted\">No resources read "
		                     "yet.</td></tr>\n");
	ecsctl_buf_adds(out, "</tbody>\n</table>\n</main>\n</body>\n</html>\n");
}

/* A diff value as text: a string as itself, anything else as compact JSON,
 * absent as "(absent)". */
static void value(struct ecsctl_buf *out, const json_t *v)
{
	char *text;

	if (!v || json_is_null(v)) {
		ecsctl_buf_adds(out, "<span class=\"muted\">(absent)</span>");
		return;
	}
	if (json_is_string(v)) {
		ecsctl_buf_adds(out, "<code>");
		esc(out, json_string_value(v));
		ecsctl_buf_adds(out, "</code>");
		return;
	}
	text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_SORT_KEYS);
	if (!text) {
		ecsctl_buf_fail(out);
		return;
	}
	ecsctl_buf_adds(out, "<code>");
	esc(out, text);
	ecsctl_buf_adds(out, "</code>");
	free(text);
}

static void detail_failure(struct ecsctl_buf *out, const json_t *f)
{
	const json_t *v;
	size_t i;

	ecsctl_buf_adds(out, "<section id=\"failure\">\n<h2>Failed apply</h2>\n<p>");
	failure_text(out, f);
	ecsctl_buf_adds(out, "</p>\n<ul class=\"stopped-tasks\">\n");
	json_array_foreach(json_object_get(f, "stoppedTasks"), i, v) {
		ecsctl_buf_adds(out, "<li>");
		esc(out, json_string_value(v));
		ecsctl_buf_adds(out, "</li>\n");
	}
	json_array_foreach(json_object_get(f, "events"), i, v) {
		ecsctl_buf_adds(out, "<li>");
		esc(out, json_string_value(v));
		ecsctl_buf_adds(out, "</li>\n");
	}
	ecsctl_buf_adds(out, "</ul>\n</section>\n");
}

static void detail(struct ecsctl_buf *out, const json_t *r)
{
	const json_t *d, *e, *diff = json_object_get(r, "diff");
	const json_t *events = json_object_get(r, "events");
	size_t i;

	ecsctl_buf_adds(out, "<dl class=\"facts\">\n<dt>Sync</dt><dd id=\"sync\">");
	badge(out, 's', get_s(r, "sync"));
	ecsctl_buf_adds(out, "</dd>\n<dt>Health</dt><dd id=\"health\">");
	health_cell(out, json_object_get(r, "health"));
	ecsctl_buf_adds(out, "</dd>\n<dt>Deployed commit</dt><dd>");
	short_commit(out, get_s(r, "deployedCommit"));
	ecsctl_buf_adds(out, "</dd>\n<dt>Last change</dt><dd>");
	time_el(out, get_s(r, "lastChange"));
	if (get_s(r, "message")) {
		ecsctl_buf_adds(out, "</dd>\n<dt>Note</dt><dd>");
		esc(out, get_s(r, "message"));
	}
	ecsctl_buf_adds(out, "</dd>\n</dl>\n");
	if (json_is_object(json_object_get(r, "failure")))
		detail_failure(out, json_object_get(r, "failure"));
	ecsctl_buf_adds(out, "<table id=\"diff\">\n<caption>Member diff (git against live; "
	                     "secret values masked)</caption>\n<thead><tr><th "
	                     "scope=\"col\">Member</th><th scope=\"col\">In git</th><th "
	                     "scope=\"col\">Live</th></tr></thead>\n<tbody>\n");
	json_array_foreach(diff, i, d) {
		ecsctl_buf_adds(out, "<tr><th scope=\"row\"><code>");
		esc(out, get_s(d, "path"));
		ecsctl_buf_adds(out, "</code></th><td>");
		value(out, json_object_get(d, "git"));
		ecsctl_buf_adds(out, "</td><td>");
		value(out, json_object_get(d, "live"));
		ecsctl_buf_adds(out, "</td></tr>\n");
	}
	if (!json_array_size(diff))
		ecsctl_buf_adds(out, "<tr><td colspan=\"3\" class=\"muted\">Live equals "
		                     "git.</td></tr>\n");
	ecsctl_buf_adds(out, "</tbody>\n</table>\n<table id=\"events\">\n<caption>Recent ECS "
	                     "events</caption>\n<thead><tr><th scope=\"col\">Time</th><th "
	                     "scope=\"col\">Message</th></tr></thead>\n<tbody>\n");
	json_array_foreach(events, i, e) {
		ecsctl_buf_adds(out, "<tr><td>");
		time_el(out, get_s(e, "at") && *get_s(e, "at") ? get_s(e, "at") : NULL);
		ecsctl_buf_adds(out, "</td><td>");
		esc(out, get_s(e, "message"));
		ecsctl_buf_adds(out, "</td></tr>\n");
	}
	if (!json_array_size(events))
		ecsctl_buf_adds(out,
		                "<tr><td colspan=\"2\" class=\"muted\">No events.</td></tr>\n");
	ecsctl_buf_adds(out, "</tbody>\n</table>\n");
}

int ecsctl_watch_page_resource(struct ecsctl_buf *out, const json_t *doc, const char *kind,
                               const char *name)
{
	const json_t *r;
	struct ecsctl_buf title = ECSCTL_BUF_INIT;
	size_t i;

	json_array_foreach(json_object_get(doc, "resources"), i, r) {
		if (strcmp(ecsctl_or_empty(get_s(r, "kind")), kind) ||
		    strcmp(ecsctl_or_empty(get_s(r, "name")), name))
			continue;
		ecsctl_buf_addf(&title, "%s %s - ecsctl watch", kind, name);
		head(out, title.buf, 0);
		ecsctl_buf_fail_from(out, &title);
		ecsctl_buf_release(&title);
		ecsctl_buf_adds(out, "<header>\n<p><a href=\"/\">All resources</a></p>\n<h1>");
		esc(out, kind);
		ecsctl_buf_adds(out, " <code>");
		esc(out, name);
		ecsctl_buf_adds(out, "</code></h1>\n</header>\n<main>\n");
		detail(out, r);
		ecsctl_buf_adds(out, "</main>\n</body>\n</html>\n");
		return 0;
	}
	return -1;
}
