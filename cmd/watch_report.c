/*
 * What watch says about its reconciles, apart from the loop: log lines,
 * the status document for the listener, and notifications (docs/watch.md).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "ecsctl/buf.h"
#include "ecsctl/secret.h"
#include "watch_int.h"
#include "banned.h"

/* `s` with its secrets redacted (ecsctl/secret.h), in `b` (reset first). */
static const char *redacted(struct ecsctl_buf *b, const char *s)
{
	ecsctl_buf_reset(b);
	ecsctl_secret_redact(b, s);
	return ecsctl_buf_failed(b) ? "(out of memory)" : b->buf;
}

/* Every message and value is redacted: they quote errors, which quote what
 * they were given. */
static void vlog(struct watch *w, const char *env, const char *level, const char *msg, va_list ap)
{
	struct ecsctl_buf b = ECSCTL_BUF_INIT;
	struct timespec ts;
	struct tm tm;
	char when[64], stamp[32];
	const char *k, *v;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(when, sizeof(when), "%s.%03ldZ", stamp, ts.tv_nsec / 1000000);
	flockfile(stderr); /* the notification sender logs too */
	if (w->json_logs) {
		json_t *o = json_pack("{s:s, s:s, s:s}", "time", when, "level", level, "msg",
		                      redacted(&b, msg));
		char *line;

		if (o && env)
			json_object_set_new(o, "env", json_string(env));

		while (o && (k = va_arg(ap, const char *))) {
			v = va_arg(ap, const char *);
			if (v) /* a field is a string or absent, never null */
				json_object_set_new(o, k, json_string(redacted(&b, v)));
		}
		line = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
		if (line)
			fprintf(stderr, "%s\n", line);
		free(line);
		json_decref(o);
	} else {
		fprintf(stderr, "%s %-5s %s", when, level, redacted(&b, msg));
		if (env)
			fprintf(stderr, " env=%s", env);
		while ((k = va_arg(ap, const char *))) {
			v = va_arg(ap, const char *);
			if (v)
				fprintf(stderr, " %s=%s", k, redacted(&b, v));
		}
		fputc('\n', stderr);
	}
	fflush(stderr);
	funlockfile(stderr);
	ecsctl_buf_release(&b);
}

void watch_log(struct watch *w, const char *level, const char *msg, ...)
{
	va_list ap;

	va_start(ap, msg);
	vlog(w, w->e ? w->e->name : NULL, level, msg, ap);
	va_end(ap);
}

/* From the sender's thread: never reads w->e, which the loop changes. */
static void notify_log(struct watch *w, const char *level, const char *msg, ...)
{
	va_list ap;

	va_start(ap, msg);
	vlog(w, NULL, level, msg, ap);
	va_end(ap);
}

double watch_unix_now(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (double)tv.tv_sec + tv.tv_usec / 1e6;
}

/* The repository as the page shows it: a URL without its user:password@. */
static void watch_repo_display(struct ecsctl_buf *b, const char *repo)
{
	const char *scheme = strstr(repo, "://"), *at, *slash;

	if (!scheme) {
		ecsctl_buf_adds(b, repo);
		return;
	}
	slash = strchr(scheme + 3, '/');
	at = strchr(scheme + 3, '@');
	if (!at || (slash && at > slash)) {
		ecsctl_buf_adds(b, repo);
		return;
	}
	ecsctl_buf_add(b, repo, (size_t)(scheme + 3 - repo));
	ecsctl_buf_adds(b, at + 1);
}

/* Hands the listener a new status document. */
void watch_publish(struct watch *w, bool reconciling, double next_tick)
{
	struct ecsctl_watch_status_facts f = {0};
	struct ecsctl_buf repo = ECSCTL_BUF_INIT;

	watch_repo_display(&repo, w->ctx->repo ? w->ctx->repo : ".");
	f.repo = repo.buf;
	f.ref = w->e->ref ? w->e->ref : w->ctx->ref;
	f.path = w->ctx->path;
	f.environment = w->e->name;
	f.synced_commit = w->e->synced_commit;
	f.synced_subject = w->e->synced_subject;
	f.synced_time = w->e->synced_time;
	f.synced_at = w->e->synced_at;
	f.attempt_commit = w->e->attempted;
	f.attempt_subject = w->e->attempt_subject;
	f.attempt_started = w->e->attempt_started;
	f.attempt_finished = w->e->attempt_finished;
	f.attempt_result = w->e->attempt_result;
	f.attempt_error = w->e->attempt_error;
	f.failed_commit = w->e->failed_commit;
	f.failed_services = w->e->failed_why;
	f.next_tick = next_tick;
	f.reconciling = reconciling;
	ecsctl_watch_state_set_status(&w->st, ecsctl_watch_status_build(&f, &w->e->drift));
	ecsctl_buf_release(&repo);
}

void watch_notify_log(void *ud, const char *level, const char *msg, const char *target,
                      const char *event, const char *detail)
{
	notify_log(ud, level, msg, "target", target, "event", event, "detail", detail, NULL);
}

void watch_notify(struct watch *w, const char *type, const char *summary, const json_t *resources)
{
	struct ecsctl_watch_event ev = {0};
	struct ecsctl_buf repo = ECSCTL_BUF_INIT;

	if (!w->notifier)
		return;
	watch_repo_display(&repo, w->ctx->repo ? w->ctx->repo : ".");
	ev.type = type;
	ev.repo = repo.buf;
	ev.ref = w->e->ref;
	ev.environment = w->e->name;
	ev.commit = w->e->attempted;
	ev.subject = w->e->attempt_subject;
	ev.summary = summary;
	ev.resources = resources;
	ecsctl_watch_notify_send(w->notifier, &ev);
	ecsctl_buf_release(&repo);
}

/* "2 resources: Service shop/web (desiredCount); ..." */
static void list_summary(struct ecsctl_buf *b, const char *what, const json_t *list)
{
	const json_t *r;
	size_t i;

	ecsctl_buf_addf(b, "%zu %s%s: ", json_array_size(list), what,
	                json_array_size(list) == 1 ? "" : "s");
	json_array_foreach(list, i, r) {
		if (i == 5) {
			ecsctl_buf_addf(b, "; %zu more", json_array_size(list) - 5);
			break;
		}
		ecsctl_buf_addf(b, "%s%s %s (%s)", i ? "; " : "",
		                json_string_value(json_object_get(r, "kind")),
		                json_string_value(json_object_get(r, "name")),
		                json_string_value(json_object_get(r, "detail")));
	}
}

/* Sends `type` when the condition `list` describes is new: non-empty and
 * not what was sent last (`*sent`); an empty list ends the condition. With
 * `seen`, the list must also be the one the previous tick saw
 * (ecsctl_watch_notify_lasting). */
static void notify_condition(struct watch *w, char **sent, char **seen, const char *type,
                             const char *what, json_t *list)
{
	char *key = json_array_size(list) ? json_dumps(list, JSON_COMPACT) : NULL;
	struct ecsctl_buf summary = ECSCTL_BUF_INIT;

	if ((!seen || ecsctl_watch_notify_lasting(seen, key)) &&
	    ecsctl_watch_notify_changed(sent, key)) {
		list_summary(&summary, what, list);
		watch_notify(w, type, summary.buf, list);
	}
	ecsctl_buf_release(&summary);
	free(key);
	json_decref(list);
}

static void notify_hook(struct watch *w, json_t *now, const char *service, const json_t *sd,
                        const char *hook)
{
	const char *stage = json_string_value(json_object_get(sd, "lifecycleStage"));
	struct ecsctl_buf key = ECSCTL_BUF_INIT, summary = ECSCTL_BUF_INIT;
	struct ecsctl_buf detail = ECSCTL_BUF_INIT;
	json_t *list = NULL;

	ecsctl_buf_addf(&key, "%s %s %s", service, ecsctl_reconcile_sd_id(sd), hook);
	if (ecsctl_buf_failed(&key))
		goto done;
	json_object_set_new(now, key.buf, json_true());
	if (json_object_get(w->e->sent_hooks, key.buf))
		goto done;
	stage = stage ? stage : "?";
	ecsctl_buf_addf(&summary,
	                "rollout of %s paused at %s (PAUSE hook %s): 'ecsctl promote %s' "
	                "continues it, 'ecsctl abort %s' stops it",
	                service, stage, hook, service, service);
	ecsctl_buf_addf(&detail, "deployment %s paused at %s, PAUSE hook %s",
	                ecsctl_reconcile_sd_id(sd), stage, hook);
	if (ecsctl_buf_failed(&summary) || ecsctl_buf_failed(&detail))
		goto done;
	list = json_pack("[{s:s, s:s, s:s}]", "kind", "Service", "name", service, "detail",
	                 detail.buf);
	watch_notify(w, "rollout-paused", summary.buf, list);
done:
	json_decref(list);
	ecsctl_buf_release(&key);
	ecsctl_buf_release(&summary);
	ecsctl_buf_release(&detail);
}

/* A rollout waiting at a PAUSE hook for a person: one message per hook
 * (service, service deployment, hookId), however many ticks see it; a
 * later pause, or the same hook of a new deployment, is a new message. */
static void notify_hooks(struct watch *w)
{
	json_t *now = json_object(), *sd;
	const json_t *h;
	const char *name;
	size_t i;

	if (!now)
		return;
	json_object_foreach(w->e->rollouts, name, sd) {
		json_array_foreach(json_object_get(sd, "lifecycleHookDetails"), i, h) {
			const char *st = json_string_value(json_object_get(h, "status"));
			const char *hook = json_string_value(json_object_get(h, "hookId"));

			if (st && hook && !strcmp(st, "AWAITING_ACTION"))
				notify_hook(w, now, name, sd, hook);
		}
	}
	json_decref(w->e->sent_hooks);
	w->e->sent_hooks = now;
}

void watch_notify_tick(struct watch *w, const struct ecsctl_watch_decision *d)
{
	struct ecsctl_buf key = ECSCTL_BUF_INIT;
	bool failed = !w->e->attempt_result || !strcmp(w->e->attempt_result, "failed");

	if (!w->notifier)
		return;
	/* a reconcile that could not load, read or plan: once per error (a
	 * failed apply sent its own and set sent_error) */
	if (failed && w->e->attempt_error) {
		if (ecsctl_watch_notify_changed(&w->e->sent_error, w->e->attempt_error))
			watch_notify(w, "sync-failed", w->e->attempt_error, NULL);
	} else if (!failed) {
		ecsctl_watch_notify_changed(&w->e->sent_error, NULL);
	}
	notify_hooks(w);
	if (!d)
		return;
	/* drift on the commit live was synced to; git moving is not drift */
	notify_condition(w, &w->e->sent_drift, NULL, "drift-detected", "resource drifted from git",
	                 d->moved ? json_array() : ecsctl_watch_notify_drifted(&w->e->drift));
	/* a service short of tasks after its rollout completed is also what a
	 * raised desiredCount looks like until the scheduler starts the task:
	 * only a shortfall that outlasts a tick is degraded */
	notify_condition(w, &w->e->sent_degraded, &w->e->seen_degraded, "health-degraded",
	                 "service degraded", ecsctl_watch_notify_degraded(&w->e->drift));
	/* watch itself not applying: suspended, or a failed commit held */
	if (d->action == ECSCTL_WATCH_SUSPENDED || d->action == ECSCTL_WATCH_HELD)
		ecsctl_buf_addf(&key, "%s %s", d->result, w->e->attempted);
	if (ecsctl_watch_notify_changed(&w->e->sent_paused, key.len ? key.buf : NULL))
		watch_notify(w, "rollout-paused", d->why, NULL);
	ecsctl_buf_release(&key);
}
