/*
 * ecsctl watch: the controller loop (docs/watch.md).
 *
 *   loop { load git (a remote is fetched first); read live once; drift
 *          report and plan from it (ecsctl_reconcile_plan_live, as `ecsctl
 *          plan`); decide
 *          (ecsctl_watch_decide: apply when git moved since the last sync
 *          or, with --self-heal, when live drifted, unless ecsctl.yaml says
 *          suspend or this commit's apply already failed); record metrics;
 *          sleep --interval, or the backoff after a failure, or until a
 *          verified webhook wakes us }
 *
 * Everything the loop and the listener share lives in `struct watch` and
 * the library's ecsctl_watch_state; the only global is the signal flag.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "ecsctl/backoff.h"
#include "ecsctl/clock.h"
#include "ecsctl/lookup.h"
#include "ecsctl/rand.h"
#include "cli.h"
#include "ecsctl/secret.h"
#include "load.h"
#include "lock_cli.h"
#include "commands.h"
#include "ecsctl/drift.h"
#include "ecsctl/metrics.h"
#include "ecsctl/reconcile.h"
#include "ecsctl/watch.h"
#include "reconcile_cli.h"
#include "watch_int.h"
#include "banned.h"

static volatile sig_atomic_t stop_requested;

static void on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

/* Why the attempt failed, for the status page: "msg: error". */
static void note_error(struct watch *w, const char *msg, const char *error)
{
	struct ecsctl_buf b = ECSCTL_BUF_INIT;

	/* the page shows it to whoever may read the page: redacted as logs are */
	ecsctl_buf_addf(&b, "%s: ", msg);
	ecsctl_secret_redact(&b, error ? error : "unknown error");
	free(w->e->attempt_error);
	w->e->attempt_error = ecsctl_buf_detach(&b);
}

static void log_error(struct watch *w, const char *msg, const struct ecsctl_error *err)
{
	watch_log(w, "error", msg, "error", err->message ? err->message : "unknown error", "code",
	          err->aws_code, "request_id", err->request_id, NULL);
	note_error(w, msg, err->message);
}

/* One line per service that did not become stable: why, the stopped tasks'
 * causes ("; "), the events that explain it (" | "). */
static void log_why(struct watch *w, const struct ecsctl_wait_report *why)
{
	const json_t *s, *v;
	size_t i, j;

	json_array_foreach(why->services, i, s) {
		struct ecsctl_buf tasks = ECSCTL_BUF_INIT, events = ECSCTL_BUF_INIT;

		ecsctl_buf_adds(&tasks, "");
		ecsctl_buf_adds(&events, "");
		json_array_foreach(json_object_get(s, "stoppedTasks"), j, v) {
			ecsctl_buf_addf(&tasks, "%s%s", j ? "; " : "",
			                json_string_value(json_object_get(v, "summary")));
		}
		json_array_foreach(json_object_get(s, "events"), j, v) {
			ecsctl_buf_addf(&events, "%s%s", j ? " | " : "", json_string_value(v));
		}
		watch_log(w, "error", "service not stable", "service",
		          json_string_value(json_object_get(s, "name")), "reason",
		          json_string_value(json_object_get(s, "reason")), "stopped_tasks",
		          tasks.buf ? tasks.buf : "", "events", events.buf ? events.buf : "", NULL);
		ecsctl_buf_release(&tasks);
		ecsctl_buf_release(&events);
	}
}

static void diag_log(struct watch *w, const struct ecsctl_diags *d)
{
	size_t i;

	for (i = 0; i < d->count; i++) {
		char *line = ecsctl_diag_format(&d->items[i]);

		if (d->items[i].severity == ECSCTL_ERROR)
			watch_log(w, "error", "desired state", "error",
			          line ? line : d->items[i].message, NULL);
		free(line);
	}
}

static void synced(struct watch *w, const struct ecsctl_model *m)
{
	char *c = m->commit ? strdup(m->commit) : strdup("worktree");
	char *subject = m->subject ? strdup(m->subject) : NULL;

	free(w->e->synced_commit);
	w->e->synced_commit = c;
	free(w->e->synced_subject);
	w->e->synced_subject = subject;
	w->e->synced_time = (double)m->commit_time;
	w->e->synced_at = watch_unix_now();
	ecsctl_watch_metrics_applied(w->metrics, m->commit, w->e->synced_at);
}

/* The ECS client's -v lines, in the watch's log format. */
static void ecs_log(void *ud, int level, const char *line)
{
	(void)level;
	watch_log(ud, "debug", line, NULL);
}

static int load(struct watch *w, struct ecsctl_model *m, struct ecsctl_error *err)
{
	struct ecsctl_model_options o = ECSCTL_MODEL_OPTIONS_INIT;
	struct ecsctl_diags diags = ECSCTL_DIAGS_INIT;
	int rc;

	cli_model_options(w->ctx, &o);
	o.environment = w->e->name;
	if (!w->e->lookups) {
		struct ecsctl_lookup_options lo = ECSCTL_LOOKUP_OPTIONS_INIT;

		cli_lookup_options(&lo, w->ctx);
		lo.log = ecs_log;
		lo.log_ud = w;
		if ((rc = ecsctl_lookup_new(&w->e->lookups, &lo, err)) < 0)
			return rc;
	}
	o.lookups = ecsctl_lookup_resolver(w->e->lookups);
	rc = ecsctl_model_load(m, &o, &diags, err);
	ecsctl_diags_sort(&diags);
	diag_log(w, &diags);
	ecsctl_diags_release(&diags);
	return rc;
}

static int open_client(struct watch *w, const struct ecsctl_model *m)
{
	struct ecsctl_ecs_options o = ECSCTL_ECS_OPTIONS_INIT;
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	int rc;

	if (w->e->ecs)
		return 0;
	cli_ecs_options(&o, w->ctx, m->settings.region);
	o.log = ecs_log;
	o.log_ud = w;
	rc = ecsctl_ecs_new(&w->e->ecs, &o, &err);
	if (rc < 0)
		log_error(w, "could not set up the ECS client", &err);
	ecsctl_error_release(&err);
	return rc;
}

/* "containerDefinitions[web].image, environment" (at most 8, then "N
 * more"); nothing for a create or delete, which is the whole resource. */
static void describe_members(struct ecsctl_buf *b, const struct ecsctl_plan_op *op)
{
	size_t j;

	if (op->action != ECSCTL_DIFF_UPDATE && op->action != ECSCTL_DIFF_REGISTER &&
	    op->action != ECSCTL_DIFF_REPLACE)
		return;
	for (j = 0; j < op->changes.count && j < 8; j++)
		ecsctl_buf_addf(b, "%s%s", j ? ", " : "", op->changes.items[j].path);
	if (op->changes.count > 8)
		ecsctl_buf_addf(b, ", %zu more", op->changes.count - 8);
}

/* "register TaskDefinition/web (containerDefinitions[web].image); update
 * Service/shop/web (taskDefinition)": what an apply is about to change, or
 * what a skipped / held / suspended reconcile leaves as it is. */
static void describe_changes(struct ecsctl_buf *b, const struct ecsctl_plan *p)
{
	size_t i;

	for (i = 0; i < p->count; i++) {
		const struct ecsctl_plan_op *op = &p->ops[i];
		size_t mark;

		ecsctl_buf_addf(b, "%s%s %s/%s (", i ? "; " : "",
		                ecsctl_diff_action_name(op->action), ecsctl_kind_name(op->kind),
		                op->name);
		mark = b->len;
		describe_members(b, op);
		if (b->len == mark)
			ecsctl_buf_setlen(b, mark - 2); /* no members: drop " (" */
		else
			ecsctl_buf_addch(b, ')');
	}
}

/* The log line of a reconcile that does not apply its plan, naming what it
 * leaves as it is. */
static void log_not_applied(struct watch *w, const char *level, const char *why,
                            const struct ecsctl_plan *p)
{
	struct ecsctl_buf what = ECSCTL_BUF_INIT;
	char nops[32];

	snprintf(nops, sizeof(nops), "%zu", p->count);
	describe_changes(&what, p);
	watch_log(w, level, why, "commit", w->e->attempted, "changes", nops, "resources",
	          ecsctl_buf_failed(&what) ? NULL : what.buf, NULL);
	ecsctl_buf_release(&what);
}

/* Each operation as apply finishes it: a log line naming the resource and
 * its members, and ecsctl_apply_operations_total. */
static void on_progress(void *ud, const struct ecsctl_progress *ev)
{
	struct watch *w = ud;
	struct ecsctl_buf members = ECSCTL_BUF_INIT;
	char res[512];

	/* a pre-deploy hook's steps: its task's states, "exit 0" when it passed
	 * (a failure ends the apply and is logged with its error) */
	if (ev->kind == ECSCTL_PROGRESS_HOOK) {
		watch_log(w, "info", "hook", "commit", w->e->attempted, "hook", ev->name, "status",
		          ev->message, NULL);
		return;
	}
	if (ev->kind != ECSCTL_PROGRESS_OP_DONE || !ev->op || ev->error)
		return;
	ecsctl_watch_metrics_apply_op(w->metrics, ecsctl_diff_action_name(ev->op->action),
	                              ecsctl_kind_name(ev->op->kind));
	snprintf(res, sizeof(res), "%s/%s", ecsctl_kind_name(ev->op->kind), ev->op->name);
	describe_members(&members, ev->op);
	watch_log(w, "info", "operation applied", "commit", w->e->attempted, "action",
	          ecsctl_diff_action_name(ev->op->action), "resource", res, "members",
	          members.len && !ecsctl_buf_failed(&members) ? members.buf : NULL, NULL);
	ecsctl_buf_release(&members);
}

/* "shop/web: deployment failed: ... (running 0 of 2); ..." */
static void log_unstable(struct watch *w, const struct ecsctl_plan *p)
{
	struct ecsctl_buf b = ECSCTL_BUF_INIT;
	char n[32];
	size_t i;
	json_t *it;

	ecsctl_watch_metrics_unstable(w->metrics, json_array_size(p->unstable));
	if (!json_array_size(p->unstable))
		return;
	json_array_foreach(p->unstable, i, it) {
		ecsctl_buf_addf(&b, "%s%s: %s", i ? "; " : "",
		                json_string_value(json_object_get(it, "name")),
		                json_string_value(json_object_get(it, "reason")));
	}
	snprintf(n, sizeof(n), "%zu", json_array_size(p->unstable));
	watch_log(w, "warn", "services not stable", "commit", w->e->attempted, "count", n,
	          "services", ecsctl_buf_failed(&b) ? NULL : b.buf, NULL);
	ecsctl_buf_release(&b);
}

/* An apply of the attempted commit failed: held until git moves, a webhook
 * or a due --retry (ecsctl_watch_decide). */
static void record_failed(struct watch *w)
{
	if (w->e->failed_commit && !strcmp(w->e->failed_commit, w->e->attempted)) {
		w->e->failed_applies++;
	} else {
		free(w->e->failed_commit);
		w->e->failed_commit = strdup(w->e->attempted);
		w->e->failed_applies = 1;
	}
	w->e->retry_at_ms = ecsctl_clock_now_ms(NULL) +
	                    ecsctl_backoff_ms(w->e->failed_applies, w->interval_ms,
	                                      w->backoff_cap_ms, ECSCTL_JITTER_EQUAL, &w->rng);
	ecsctl_watch_metrics_apply_failed(w->metrics, w->e->attempted);
}

static void clear_failed(struct watch *w)
{
	free(w->e->failed_commit);
	w->e->failed_commit = NULL;
	json_decref(w->e->failed_why);
	w->e->failed_why = NULL;
	w->e->failed_applies = 0;
	ecsctl_watch_metrics_failed_cleared(w->metrics);
}

/* Applies the plan and waits; the result word. */
/* The plan's operations as notification resources: [{"kind", "name",
 * "detail": "update desiredCount"}]. */
static json_t *ops_json(const struct ecsctl_plan *p)
{
	json_t *list = json_array();
	size_t i;

	for (i = 0; list && i < p->count; i++) {
		struct ecsctl_buf d = ECSCTL_BUF_INIT;

		ecsctl_buf_addf(&d, "%s ", ecsctl_diff_action_name(p->ops[i].action));
		describe_members(&d, &p->ops[i]);
		ecsctl_buf_rtrim(&d);
		json_array_append_new(list, json_pack("{s:s, s:s, s:s}", "kind",
		                                      ecsctl_kind_name(p->ops[i].kind), "name",
		                                      p->ops[i].name, "detail", d.buf));
		ecsctl_buf_release(&d);
	}
	return list;
}

/* The services of a failed apply as notification resources. */
static json_t *why_json(const struct ecsctl_wait_report *why)
{
	json_t *list = json_array();
	const json_t *s;
	size_t i;

	json_array_foreach(why->services, i, s)
		json_array_append_new(
		    list, json_pack("{s:s, s:s?, s:s?}", "kind", "Service", "name",
		                    json_string_value(json_object_get(s, "name")), "detail",
		                    json_string_value(json_object_get(s, "reason"))));
	return list;
}

/* watch holds the lease only while it writes: taken here, then the plan is
 * made again, since another writer may have changed live ECS since the
 * first one. NULL when the apply may go on (`*lock` holds the lease, or is
 * NULL without `lock:`), else the result word. */
static const char *take_lease(struct watch *w, struct ecsctl_lock **lock, struct ecsctl_plan *p,
                              const struct ecsctl_model *m)
{
	struct ecsctl_lock_options o;
	struct ecsctl_lock_config cfg;
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	struct ecsctl_plan_options po = ECSCTL_PLAN_OPTIONS_INIT;
	const char *result = NULL;

	*lock = NULL;
	if (!m->settings.lock)
		return NULL;
	po.cache = w->e->tds;
	memset(&o, 0, sizeof(o));
	o.ecs = w->e->ecs;
	o.cancel = (const volatile int *)&stop_requested;
	if (ecsctl_lock_config_read(&cfg, m->settings.lock, m->settings.name, &err) ||
	    ecsctl_lock_new(lock, &cfg, &o, &err) ||
	    ecsctl_lock_acquire(*lock, m->commit, w->lock_timeout_ms, &err)) {
		watch_log(w, "warn", "not applying: no lease", "commit", w->e->attempted, "error",
		          err.message ? err.message : "unknown error", NULL);
		result = err.code == ECSCTL_ELOCKED ? "locked" : "failed";
	} else {
		ecsctl_plan_release(p);
		ecsctl_plan_init(p);
		if (ecsctl_reconcile_plan(p, NULL, m, w->e->ecs, &po, &err) < 0) {
			log_error(w, "could not plan", &err);
			result = "failed";
		} else if (!p->count) {
			watch_log(w, "info", "another writer already applied it", "commit",
			          w->e->attempted, NULL);
			result = "noop";
		}
	}
	if (result) {
		cli_lock_close(*lock);
		*lock = NULL;
	}
	ecsctl_lock_config_release(&cfg);
	ecsctl_error_release(&err);
	return result;
}

static const char *apply(struct watch *w, struct ecsctl_plan *p, const struct ecsctl_model *m,
                         const struct ecsctl_watch_decision *d)
{
	struct ecsctl_lock *lock = NULL;
	const char *held = take_lease(w, &lock, p, m);
	const char *guard = held ? NULL : watch_rollout_guard(w, p, m);
	json_t *ops, *failed;
	char summary[96];
	struct ecsctl_apply_options ao = ECSCTL_APPLY_OPTIONS_INIT;
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	struct ecsctl_buf what = ECSCTL_BUF_INIT;
	struct ecsctl_wait_report why = {NULL};
	char nops[32], tries[16];

	if (held)
		return held;
	if (guard) {
		cli_lock_close(lock);
		return guard;
	}
	ops = ops_json(p);
	snprintf(nops, sizeof(nops), "%zu", p->count);
	snprintf(tries, sizeof(tries), "%u", w->e->failed_applies + 1);
	describe_changes(&what, p);
	watch_log(w, "info", d->why, "commit", w->e->attempted, "changes", nops, "resources",
	          ecsctl_buf_failed(&what) ? NULL : what.buf, "attempt",
	          w->e->failed_commit && !strcmp(w->e->failed_commit, w->e->attempted) ? tries
	                                                                               : NULL,
	          NULL);
	ecsctl_buf_release(&what);
	snprintf(summary, sizeof(summary), "Applying %zu change%s", p->count,
	         p->count == 1 ? "" : "s");
	watch_notify(w, "sync-started", summary, ops);
	ao.commit = m->commit;
	ao.cancel = &stop_requested;
	ao.timeout_ms = m->settings.wait_timeout_ms;
	ao.rollback_on_failure = m->settings.rollback_on_failure;
	ao.interval_ms = 500;
	ao.report = &why;
	ao.progress = on_progress;
	ao.progress_ud = w;
	ao.heartbeat = cli_lock_heartbeat;
	ao.heartbeat_ud = lock;
	/* a rollout waiting for a person must not stop the loop: its pause is
	 * logged and in the gauges, /readyz stays ready */
	ao.until_paused = true;
	if (ecsctl_plan_apply(p, w->e->ecs, false, &ao, &err) < 0 ||
	    ecsctl_plan_wait(p, w->e->ecs, &ao, &err) < 0) {
		cli_lock_close(lock);
		watch_log(w, "error", "apply failed", "commit", w->e->attempted, "error",
		          err.message ? err.message : "unknown error", "code", err.aws_code,
		          "request_id", err.request_id, NULL);
		log_why(w, &why);
		note_error(w, "apply failed", err.message);
		ecsctl_error_release(&err);
		/* every failed apply is news; the tick's error rule must not repeat it */
		ecsctl_watch_notify_changed(&w->e->sent_error, w->e->attempt_error);
		failed = why_json(&why);
		watch_notify(w, "sync-failed", w->e->attempt_error, failed);
		json_decref(failed);
		json_decref(ops);
		if (!stop_requested) {
			record_failed(w);
			json_decref(w->e->failed_why);
			w->e->failed_why = json_incref(why.services);
		}
		ecsctl_wait_report_release(&why);
		return "failed";
	}
	ecsctl_wait_report_release(&why);
	cli_lock_close(lock);
	clear_failed(w);
	synced(w, m);
	snprintf(summary, sizeof(summary), "Applied %zu change%s", p->count,
	         p->count == 1 ? "" : "s");
	watch_notify(w, "sync-succeeded", summary, ops);
	json_decref(ops);
	return "applied";
}

/* The account guard (accountId): nothing is read or written with the
 * credentials of another account. */
static int guard(struct watch *w, const struct ecsctl_model *m)
{
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	const char *have = NULL;
	int rc = 0;

	if (!m->settings.account_id)
		return 0;
	if (ecsctl_ecs_account(&have, w->e->ecs, &err) < 0) {
		log_error(w, "account guard: could not tell whose credentials these are", &err);
		rc = -1;
	} else if (strcmp(have, m->settings.account_id)) {
		watch_log(w, "error",
		          "account guard: the credentials are for another account; nothing "
		          "was changed",
		          "account", have, "accountId", m->settings.account_id, NULL);
		rc = -1;
	}
	ecsctl_error_release(&err);
	return rc;
}

/* After an apply, ok or not, the gauges and the page say what live looks
 * like now (rolled back, scaled), not what it was before. */
static void reread(struct watch *w, const struct ecsctl_model *m)
{
	struct ecsctl_drift_report drift;
	struct ecsctl_error err = ECSCTL_ERROR_INIT;

	ecsctl_drift_report_init(&drift);
	if (ecsctl_drift_gather(&drift, m, w->e->ecs, false, &err) == 0) {
		ecsctl_watch_metrics_drift(w->metrics, &drift);
		ecsctl_drift_report_release(&w->e->drift);
		w->e->drift = drift;
		watch_rollouts(w);
	} else {
		ecsctl_drift_report_release(&drift);
	}
	ecsctl_error_release(&err);
}

/* Task definitions a watch keeps by ARN: a revision read once is never read
 * again while it stays among the most recently used (the ecsctl:taskdef tags
 * already spare most reads; this covers services without them). */
#define WATCH_TD_CACHE 4096

/* The tick's one read of live ECS, for its drift report and its plan (each
 * read it on its own before: twice the calls per tick). `live` must be
 * initialized; the caller releases it. */
static int read_live(struct watch *w, const struct ecsctl_model *m, struct ecsctl_live *live,
                     struct ecsctl_error *err)
{
	struct ecsctl_gather_options go = ECSCTL_GATHER_OPTIONS_INIT;
	json_t *scope = NULL;
	int rc;

	if (!w->e->tds && ecsctl_td_cache_new(&w->e->tds, WATCH_TD_CACHE) < 0)
		return ecsctl_error_nomem(err);
	if ((rc = ecsctl_reconcile_plan_scope(&scope, m, NULL, err)) < 0)
		return rc;
	go.m = m;
	go.cache = w->e->tds;
	go.unmanaged = true; /* drift's; prune's orphans come out of the same listing */
	rc = ecsctl_reconcile_gather_with(live, w->e->ecs, scope, &go, err);
	json_decref(scope);
	return rc;
}

/* One reconcile; returns the result word for the metrics. */
static const char *reconcile(struct watch *w)
{
	struct ecsctl_model m = {0};
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	struct ecsctl_drift_report drift;
	struct ecsctl_watch_facts f = {0};
	struct ecsctl_watch_decision d;
	struct ecsctl_plan p;
	struct ecsctl_plan_options po = ECSCTL_PLAN_OPTIONS_INIT;
	struct ecsctl_live live;
	const char *result = "failed";

	ecsctl_drift_report_init(&drift);
	ecsctl_plan_init(&p);
	ecsctl_live_init(&live);
	free(w->e->attempted);
	w->e->attempted = NULL;
	free(w->e->attempt_subject);
	w->e->attempt_subject = NULL;
	free(w->e->attempt_error);
	w->e->attempt_error = NULL;
	w->e->decided = false;
	if (load(w, &m, &err) < 0) {
		log_error(w, "could not load the desired state", &err);
		goto done;
	}
	if (!(w->e->attempted = strdup(m.commit ? m.commit : "worktree")) ||
	    open_client(w, &m) < 0 || guard(w, &m) < 0)
		goto done;
	w->e->attempt_subject = m.subject ? strdup(m.subject) : NULL;
	if (w->notifier)
		ecsctl_watch_notify_configure(w->notifier, m.settings.notifications, w->e->name);
	if (m.ref && (!w->e->ref || strcmp(w->e->ref, m.ref))) {
		free(w->e->ref);
		w->e->ref = strdup(m.ref);
	}
	if (read_live(w, &m, &live, &err) < 0 ||
	    ecsctl_drift_from_live(&drift, &m, &live, &err) < 0) {
		log_error(w, "could not read the live state", &err);
		goto done;
	}
	ecsctl_watch_metrics_drift(w->metrics, &drift);
	ecsctl_drift_report_release(&w->e->drift);
	w->e->drift = drift;
	ecsctl_drift_report_init(&drift);
	watch_rollouts(w);
	po.cache = w->e->tds;
	if (ecsctl_reconcile_plan_live(&p, &live, &m, w->e->ecs, &po, &err) < 0) {
		log_error(w, "could not plan", &err);
		goto done;
	}
	log_unstable(w, &p);
	f.commit = w->e->attempted;
	f.synced = w->e->synced_commit;
	f.failed = w->e->failed_commit;
	f.failed_applies = w->e->failed_applies;
	f.retry = w->retry;
	f.now_ms = ecsctl_clock_now_ms(NULL);
	f.retry_at_ms = w->e->retry_at_ms;
	f.triggered = w->triggered;
	f.changes = p.count;
	f.suspend = m.settings.suspend;
	f.self_heal = w->self_heal;
	ecsctl_watch_decide(&d, &f);
	w->e->decision = d;
	w->e->decided = true;
	result = d.result;
	switch (d.action) {
	case ECSCTL_WATCH_NOOP:
		if (w->e->failed_commit && strcmp(w->e->failed_commit, w->e->attempted))
			clear_failed(w); /* git moved past it to what live already is */
		/* live equal to git, but not running it yet, is not synced */
		if (d.moved && !json_array_size(p.unstable)) {
			synced(w, &m);
			watch_notify(w, "sync-succeeded", "Live already matches git", NULL);
		}
		break;
	case ECSCTL_WATCH_SUSPENDED:
		log_not_applied(w, "info", d.why, &p);
		break;
	case ECSCTL_WATCH_HELD:
	case ECSCTL_WATCH_SKIPPED:
		log_not_applied(w, "warn", d.why, &p);
		break;
	case ECSCTL_WATCH_APPLY:
		result = apply(w, &p, &m, &d);
		if (!stop_requested)
			reread(w, &m);
		break;
	}
done:
	if (w->e->ecs) {
		json_t *calls = ecsctl_ecs_api_calls(w->e->ecs),
		       *errs = ecsctl_ecs_api_errors(w->e->ecs);

		ecsctl_watch_metrics_api(w->metrics, calls, errs);
		json_decref(calls);
		json_decref(errs);
	}
	ecsctl_live_release(&live);
	ecsctl_plan_release(&p);
	ecsctl_drift_report_release(&drift);
	ecsctl_model_release(&m);
	ecsctl_error_release(&err);
	return result;
}

/* A secret from a file (`what` names it in errors): at most 4096 bytes, one
 * trailing newline dropped, not empty. Heap copy in `*out`. */
static int read_secret(const char *what, const char *file, char **out, size_t *len)
{
	struct ecsctl_buf b = ECSCTL_BUF_INIT;

	if (cli_secret_file(&b, what, file)) {
		cli_secret_release(&b);
		return -1;
	}
	*len = b.len;
	*out = ecsctl_buf_detach(&b);
	return *out ? 0 : -1;
}

/* Whether the listen address is an IP address off this machine (not
 * 127.0.0.0/8 or ::1): the page there needs --ui-token-file or
 * --insecure-ui. An address that does not parse is the listener's error. */
static bool off_machine(const char *addr)
{
	char host[64];
	const char *end;
	size_t n;
	struct in_addr a4;
	struct in6_addr a6;

	if (*addr == '[') {
		addr++;
		end = strchr(addr, ']');
	} else {
		end = strrchr(addr, ':');
	}
	if (!end || (n = (size_t)(end - addr)) >= sizeof(host))
		return false;
	memcpy(host, addr, n);
	host[n] = '\0';
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) != 127;
	return inet_pton(AF_INET6, host, &a6) == 1 && !IN6_IS_ADDR_LOOPBACK(&a6);
}

/* A base for links: http(s)://HOST[/PATH], nothing a link would have to
 * escape (no query, fragment, space or quote). */
static bool public_url_ok(const char *url)
{
	size_t scheme = !strncmp(url, "https://", 8) ? 8 : !strncmp(url, "http://", 7) ? 7 : 0;

	return scheme && url[scheme] && url[scheme] != '/' &&
	       strcspn(url, "?#\"'<> \t\r\n") == strlen(url);
}

/* One reconcile of environment `e`: its metrics, its status, its
 * notifications, its log line, its next turn (the interval, or its own
 * backoff after a failure). */
static void reconcile_env(struct watch *w, struct watch_env *e, const struct watch_env *all,
                          size_t n)
{
	int64_t t0 = ecsctl_clock_now_ms(NULL), wait_ms;
	const char *result;
	double secs;
	bool ok, all_ok = true;
	char dur[32], fails[16], next[32];
	size_t i;

	w->e = e;
	if (e->name)
		ecsctl_watch_metrics_env(w->metrics, e->name);
	e->attempt_started = watch_unix_now();
	result = reconcile(w);
	secs = (double)(ecsctl_clock_now_ms(NULL) - t0) / 1000.0;
	ok = strcmp(result, "failed") != 0;
	e->failures = ok ? 0 : e->failures + 1;
	ecsctl_watch_metrics_reconcile(w->metrics, result, secs);
	ecsctl_watch_metrics_failures(w->metrics, e->failures);
	/* ready while no environment has been failing for too long */
	for (i = 0; i < n; i++)
		all_ok &= all[i].failures == 0;
	ecsctl_watch_state_done(&w->st, all_ok, ecsctl_clock_now_ms(NULL));
	wait_ms = ok ? w->interval_ms
	             : ecsctl_backoff_ms(e->failures, w->interval_ms < 5000 ? w->interval_ms : 5000,
	                                 w->backoff_cap_ms, ECSCTL_JITTER_EQUAL, &w->rng);
	e->next_ms = ecsctl_clock_now_ms(NULL) + wait_ms;
	e->attempt_finished = watch_unix_now();
	e->attempt_result = result;
	watch_publish(w, false, e->attempt_finished + (double)wait_ms / 1000.0);
	watch_notify_tick(w, e->decided ? &e->decision : NULL);
	snprintf(dur, sizeof(dur), "%.3f", secs);
	snprintf(fails, sizeof(fails), "%u", e->failures);
	snprintf(next, sizeof(next), "%lld", (long long)wait_ms);
	watch_log(w, ok ? "info" : "error", "reconcile done", "result", result, "seconds", dur,
	          "commit", e->attempted, "synced", e->synced_commit, "failures", fails, "next_ms",
	          next, NULL);
}

/* The environments ecsctl.yaml declares, for --all-envs; 0 (printed) when
 * it declares none or cannot be read. */
static size_t list_environments(char ***out, struct cli_ctx *ctx)
{
	struct ecsctl_model_options o = ECSCTL_MODEL_OPTIONS_INIT;
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	size_t n = 0;

	cli_model_options(ctx, &o);
	if (ecsctl_model_environments(out, &n, &o, &err))
		cli_print_error("--all-envs", &err);
	else if (!n)
		cli_error("--all-envs: ecsctl.yaml declares no environments");
	ecsctl_error_release(&err);
	return n;
}

/* One watch_env per environment named (each once), or one without a name. */
static int pick_environments(struct watch_env **out, size_t *n, const struct cli_list *named,
                             char **declared, size_t ndeclared)
{
	char **names = named->count ? named->items : declared;
	size_t count = named->count ? named->count : ndeclared, i, j;

	*out = calloc(count ? count : 1, sizeof(**out));
	if (!*out)
		return -1;
	*n = 0;
	for (i = 0; i < count; i++) {
		for (j = 0; j < *n && strcmp((*out)[j].name, names[i]); j++)
			;
		if (j == *n)
			(*out)[(*n)++].name = names[i];
	}
	if (!*n)
		*n = 1; /* no environments: one unnamed */
	for (i = 0; i < *n; i++)
		ecsctl_drift_report_init(&(*out)[i].drift);
	return 0;
}

static void watch_env_release(struct watch_env *e)
{
	ecsctl_td_cache_free(e->tds);
	ecsctl_ecs_free(e->ecs);
	ecsctl_lookup_free(e->lookups);
	free(e->synced_commit);
	free(e->attempted);
	free(e->failed_commit);
	free(e->synced_subject);
	free(e->ref);
	free(e->attempt_subject);
	free(e->attempt_error);
	json_decref(e->failed_why);
	json_decref(e->rollouts);
	ecsctl_drift_report_release(&e->drift);
	free(e->sent_drift);
	free(e->sent_degraded);
	free(e->seen_degraded);
	free(e->sent_paused);
	json_decref(e->sent_hooks);
	free(e->sent_error);
}

int cmd_watch(int argc, char **argv, struct cli_ctx *ctx)
{
	int64_t interval = 60000, backoff_cap = 300000, lock_timeout = 0;
	long retry = 0;
	char *listen = NULL, *secret = NULL, *log_format = NULL, *ui_token = NULL, *token = NULL,
	     *public_url = NULL;
	bool heal = false, help, state_ok = false, insecure_ui = false, all_envs = false;
	struct cli_list env_names = {NULL, 0};
	size_t token_len = 0;
	const char *env_token = NULL;
	const struct cli_flag flags[] = {
	    {"interval", 0, FLAG_DURATION, &interval, "D", "time between reconciles (default 1m)"},
	    {"listen", 0, FLAG_STRING, &listen, "ADDR",
	     "health and metrics address (default 127.0.0.1:9464)"},
	    {"self-heal", 0, FLAG_BOOL, &heal, NULL, "apply when live state drifts"},
	    {"webhook-secret-file", 0, FLAG_STRING, &secret, "F", "webhook HMAC secret"},
	    {"log-format", 0, FLAG_STRING, &log_format, "FMT", "text or json (JSON lines)"},
	    {"max-backoff", 0, FLAG_DURATION, &backoff_cap, "D",
	     "longest wait after failures (default 5m)"},
	    {"retry", 0, FLAG_INT, &retry, "N",
	     "apply a commit whose apply failed up to N more times, with backoff (default 0)"},
	    {"lock-timeout", 0, FLAG_DURATION, &lock_timeout, "D",
	     "wait this long for another writer's lease before an apply (default 0s: try at "
	     "the next reconcile)"},
	    {"ui-token-file", 0, FLAG_STRING, &ui_token, "F",
	     "the status page and API ask for this token (bearer or basic auth)"},
	    {"insecure-ui", 0, FLAG_BOOL, &insecure_ui, NULL,
	     "serve the status page without a token on a non-loopback address"},
	    {"env", 0, FLAG_LIST, &env_names, "NAME",
	     "environment to reconcile (repeatable: each with its own state and backoff)"},
	    {"all-envs", 0, FLAG_BOOL, &all_envs, NULL,
	     "reconcile every environment ecsctl.yaml declares"},
	    {"public-url", 0, FLAG_STRING, &public_url, "URL",
	     "where people reach the status page (GitHub statuses link to it)"},
	    {NULL, 0, 0, NULL, NULL, NULL},
	};
	char **declared = NULL;
	size_t ndeclared = 0, nenvs = 0, i;
	struct watch_env *envs = NULL;
	struct watch w;
	struct ecsctl_watch_http *http = NULL;
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	struct cli_signals sig = {0};
	char portbuf[16], url[96];
	unsigned port = 0;
	int npos, rc;

	memset(&w, 0, sizeof(w));
	rc = cli_parse(argc, argv, cli_find_command("watch"), flags, ctx, &npos, &help);
	w.lock_timeout_ms = lock_timeout;
	if (rc >= 0)
		goto done;
	rc = EXIT_USAGE;
	if (npos) {
		cli_error("'ecsctl watch' takes no arguments");
		goto done;
	}
	if (log_format && strcmp(log_format, "text") && strcmp(log_format, "json")) {
		cli_error("unknown log format '%s' (text or json)", log_format);
		goto done;
	}
	if (interval < 100 || backoff_cap < 100) {
		cli_error("--interval and --max-backoff must be at least 100ms");
		goto done;
	}
	if (retry < 0 || retry > 100) {
		cli_error("--retry must be between 0 and 100");
		goto done;
	}
	/* a container's secrets arrive as environment variables (ECS `secrets:`) */
	env_token = getenv("ECSCTL_UI_TOKEN");
	if (env_token && !*env_token)
		env_token = NULL;
	if (listen && off_machine(listen) && !ui_token && !env_token && !insecure_ui) {
		cli_error("--listen '%s' is not a loopback address: the status page shows "
		          "what is deployed; give --ui-token-file F or ECSCTL_UI_TOKEN (or "
		          "--insecure-ui)",
		          listen);
		goto done;
	}
	if (all_envs && env_names.count) {
		cli_error("--all-envs and --env exclude each other");
		goto done;
	}
	if (public_url && !public_url_ok(public_url)) {
		cli_error("--public-url '%s' is not an http:// or https:// URL without a query",
		          public_url);
		goto done;
	}
	rc = EXIT_ERROR;
	if (all_envs && (ndeclared = list_environments(&declared, ctx)) == 0)
		goto done;
	if (pick_environments(&envs, &nenvs, &env_names, declared, ndeclared))
		goto done;
	w.e = &envs[0]; /* the status page shows the first until one is reconciled */
	w.ctx = ctx;
	w.json_logs = log_format && !strcmp(log_format, "json");
	w.self_heal = heal;
	w.interval_ms = interval;
	w.backoff_cap_ms = backoff_cap;
	w.retry = (unsigned)retry;
	w.rng = ecsctl_rand_seed();
	if (ecsctl_watch_metrics_new(&w.metrics, ECSCTL_VERSION, &err) < 0 ||
	    ecsctl_watch_state_init(&w.st, w.metrics, &err) < 0) {
		cli_print_error(NULL, &err);
		goto done;
	}
	state_ok = true;
	w.st.ready_grace_ms = 3 * interval > 300000 ? 3 * interval : 300000;
	if (secret && read_secret("webhook secret", secret, &w.st.secret, &w.st.secret_len) < 0)
		goto done;
	if (ui_token) {
		if (read_secret("UI token", ui_token, &token, &token_len) < 0)
			goto done;
		ecsctl_watch_state_set_ui_token(&w.st, token, token_len);
		memset(token, 0, token_len);
	} else if (env_token) {
		ecsctl_watch_state_set_ui_token(&w.st, env_token, strlen(env_token));
	}
	{
		struct ecsctl_watch_notify_options no = ECSCTL_WATCH_NOTIFY_OPTIONS_INIT;

		no.log = watch_notify_log;
		no.log_ud = &w;
		no.user_agent = "ecsctl/" ECSCTL_VERSION;
		no.public_url = public_url;
		if (ecsctl_watch_notify_new(&w.notifier, &no, &err) < 0) {
			cli_print_error(NULL, &err);
			goto done;
		}
	}
	watch_publish(&w, true, 0);
	if (ecsctl_watch_http_start(&http, &port, listen ? listen : "127.0.0.1:9464", &w.st, &err) <
	    0) {
		cli_print_error(NULL, &err);
		goto done;
	}
	/* before the "listening" line: a SIGTERM right after it is a clean stop */
	cli_signals_catch(&sig, on_stop);
	snprintf(portbuf, sizeof(portbuf), "%u", port);
	snprintf(url, sizeof(url), "%s", listen ? listen : "127.0.0.1:9464");
	w.e = NULL; /* the listener is the process's, not an environment's */
	watch_log(&w, "info", "listening", "address", url, "port", portbuf, "webhook",
	          w.st.secret ? "enabled" : "disabled", "ui",
	          ui_token || env_token ? "token" : "open", NULL);
	/* /metrics names resources and commits; without a secret no webhook is
	 * verified either: say so when other machines can connect */
	if (!w.st.secret && !ui_token && !env_token && listen && off_machine(listen))
		watch_log(
		    &w, "warn",
		    "listening on a non-loopback address without a webhook secret or UI token: "
		    "anyone who can reach it reads /metrics and the status page; set "
		    "--webhook-secret-file and a UI token, or listen on 127.0.0.1",
		    "address", url, NULL);

	while (!stop_requested) {
		int64_t now = ecsctl_clock_now_ms(NULL), next = INT64_MAX;

		/* each environment when due; a webhook makes every one due */
		for (i = 0; i < nenvs && !stop_requested; i++)
			if (w.triggered || envs[i].next_ms <= now)
				reconcile_env(&w, &envs[i], envs, nenvs);
		w.triggered = false;
		w.e = NULL;
		if (stop_requested)
			break;
		for (i = 0; i < nenvs; i++)
			if (envs[i].next_ms < next)
				next = envs[i].next_ms;
		now = ecsctl_clock_now_ms(NULL);
		if ((w.triggered = ecsctl_watch_state_sleep(&w.st, next > now ? next - now : 0,
		                                            &stop_requested)))
			watch_log(&w, "info", "woken by webhook", NULL);
	}
	cli_signals_restore(&sig);
	watch_log(&w, "info", "stopping", NULL);
	rc = EXIT_OK;
done:
	ecsctl_watch_http_stop(http);
	/* what is queued gets a few seconds; the sender logs through `w` */
	ecsctl_watch_notify_free(w.notifier, 5000);
	if (state_ok)
		ecsctl_watch_state_release(&w.st);
	ecsctl_watch_metrics_free(w.metrics);
	for (i = 0; i < nenvs; i++)
		watch_env_release(&envs[i]);
	free(envs);
	for (i = 0; i < ndeclared; i++)
		free(declared[i]);
	free(declared);
	cli_list_release(&env_names);
	ecsctl_error_release(&err);
	free(token);
	free(ui_token);
	free(listen);
	free(public_url);
	free(secret);
	free(log_format);
	return rc;
}
