/*
 * Wait: watch every service apply touched, all in one DescribeServices round
 * per interval. The services_stable rule alone is not success (it passes
 * after a circuit breaker rolled back too): success is the PRIMARY
 * deployment running the task definition apply set, completed.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "reconcile_int.h"
#include "banned.h"

enum wstate { W_WAITING, W_DONE, W_FAILED, W_ROLLING_BACK, W_ROLLED_BACK };

struct watched {
	const char *cluster, *service;
	char name[520];
	char *expect, *previous;
	enum wstate state;
	long running, desired, pending;
	char rollout[32];
	json_t *seen; /* event ids shown */
	double since; /* createdAt of the deployment we started */
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int64_t ms, const struct ecsctl_apply_options *o)
{
	/* in slices, so a signal's cancel flag is seen soon */
	while (ms > 0 && !(o->cancel && *o->cancel)) {
		int64_t s = ms < 100 ? ms : 100;
		struct timespec ts = {(time_t)(s / 1000), (long)(s % 1000) * 1000000L};
		nanosleep(&ts, NULL);
		ms -= s;
	}
}

static const char *tail(const char *td)
{
	const char *s = td ? strstr(td, "task-definition/") : NULL;

	return s ? s + strlen("task-definition/") : td ? td : "";
}

static void emit(const struct ecsctl_apply_options *o, struct watched *w,
                 enum ecsctl_progress_kind kind, const char *message)
{
	struct ecsctl_progress ev;

	if (!o->progress)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.kind = kind;
	ev.name = w->name;
	ev.running = w->running;
	ev.desired = w->desired;
	ev.pending = w->pending;
	ev.rollout = w->rollout;
	ev.message = message;
	ev.done = w->state == W_DONE || w->state == W_ROLLED_BACK;
	ev.failed = w->state == W_FAILED || w->state == W_ROLLED_BACK;
	o->progress(o->progress_ud, &ev);
}

static const json_t *primary(const json_t *svc)
{
	size_t i;
	json_t *d;

	json_array_foreach(json_object_get(svc, "deployments"), i, d)
	{
		const char *st = json_string_value(json_object_get(d, "status"));
		if (st && !strcmp(st, "PRIMARY"))
			return d;
	}
	return NULL;
}

static void show_events(struct watched *w, const json_t *svc, const json_t *dep,
                        const struct ecsctl_apply_options *o)
{
	const json_t *events = json_object_get(svc, "events");
	double created = json_number_value(json_object_get(dep, "createdAt"));
	size_t i = json_array_size(events);

	if (w->since == 0 || (created && created < w->since))
		w->since = created;
	while (i-- > 0) { /* ECS lists newest first */
		const json_t *e = json_array_get(events, i);
		const char *id = json_string_value(json_object_get(e, "id"));
		if (!id || json_object_get(w->seen, id) ||
		    json_number_value(json_object_get(e, "createdAt")) < w->since)
			continue;
		json_object_set_new(w->seen, id, json_true());
		emit(o, w, ECSCTL_PROGRESS_EVENT, json_string_value(json_object_get(e, "message")));
	}
}

/* Moves one service's state on after a DescribeServices answer. */
static void observe(struct watched *w, const json_t *svc, const struct ecsctl_apply_options *o)
{
	const json_t *dep = primary(svc);
	const char *td = json_string_value(json_object_get(dep, "taskDefinition"));
	const char *rollout = json_string_value(json_object_get(dep, "rolloutState"));
	long running = (long)json_integer_value(json_object_get(svc, "runningCount"));
	long desired = (long)json_integer_value(json_object_get(svc, "desiredCount"));
	long pending = (long)json_integer_value(json_object_get(svc, "pendingCount"));
	bool ours = td && !strcmp(tail(td), tail(w->expect));
	bool changed = running != w->running || desired != w->desired || pending != w->pending ||
	               strcmp(rollout ? rollout : "", w->rollout);
	enum wstate before = w->state;

	if (dep && (!w->since || ours))
		show_events(w, svc, dep, o);
	w->running = running;
	w->desired = desired;
	w->pending = pending;
	snprintf(w->rollout, sizeof(w->rollout), "%s", rollout ? rollout : "");
	if (!dep) {
		w->state = W_FAILED;
	} else if (!ours || (rollout && !strcmp(rollout, "FAILED"))) {
		if (w->state == W_WAITING)
			w->state = W_FAILED;
		else if (w->state == W_ROLLING_BACK && rollout && !strcmp(rollout, "FAILED"))
			w->state = W_FAILED;
	} else if (rollout ? !strcmp(rollout, "COMPLETED")
	                   : json_array_size(json_object_get(svc, "deployments")) == 1 &&
	                         running == desired) {
		w->state = w->state == W_ROLLING_BACK ? W_ROLLED_BACK : W_DONE;
	}
	if (changed || before != w->state)
		emit(o, w, ECSCTL_PROGRESS_SERVICE, NULL);
}

static int start_rollback(struct watched *w, struct ecsctl_ecs *ecs,
                          const struct ecsctl_apply_options *o, struct ecsctl_error *err)
{
	json_t *req = json_pack("{s:s,s:s,s:s}", "cluster", w->cluster, "service", w->service,
	                        "taskDefinition", w->previous);
	int rc;

	if (!req)
		return reconcile_oom(err);
	emit(o, w, ECSCTL_PROGRESS_ROLLBACK, w->previous);
	rc = ecsctl_ecs_update_service(NULL, ecs, req, err);
	json_decref(req);
	if (rc)
		return rc;
	free(w->expect);
	w->expect = strdup(w->previous);
	w->state = W_ROLLING_BACK;
	w->since = 0;
	return w->expect ? 0 : reconcile_oom(err);
}

static bool active(const struct watched *w)
{
	return w->state == W_WAITING || w->state == W_ROLLING_BACK;
}

static int poll_once(struct watched *ws, size_t n, struct ecsctl_ecs *ecs,
                     const struct ecsctl_apply_options *o, struct ecsctl_error *err)
{
	json_t *svcs = NULL, *fails = NULL, *it;
	const char **names = calloc(n + 1, sizeof(*names));
	size_t i, j, k, m;
	int rc = 0;

	if (!names)
		return reconcile_oom(err);
	/* per cluster one ecsctl_ecs_describe_services: batches of 10, all at once */
	for (i = 0; i < n && !rc; i++) {
		bool first = active(&ws[i]);
		for (j = 0; j < i && first; j++)
			if (active(&ws[j]) && !strcmp(ws[j].cluster, ws[i].cluster))
				first = false;
		if (!first)
			continue;
		for (j = i, m = 0; j < n; j++)
			if (active(&ws[j]) && !strcmp(ws[j].cluster, ws[i].cluster))
				names[m++] = ws[j].service;
		rc = ecsctl_ecs_describe_services(&svcs, &fails, ecs, ws[i].cluster, names, m, err);
		for (j = i; j < n && !rc; j++) {
			bool seen = false;
			if (!active(&ws[j]) || strcmp(ws[j].cluster, ws[i].cluster))
				continue;
			json_array_foreach(svcs, k, it)
			{
				const char *nm =
				    json_string_value(json_object_get(it, "serviceName"));
				if (nm && !strcmp(nm, ws[j].service)) {
					observe(&ws[j], it, o);
					seen = true;
				}
			}
			if (!seen) {
				ws[j].state = W_FAILED;
				emit(o, &ws[j], ECSCTL_PROGRESS_SERVICE, "service not found");
			}
		}
		json_decref(svcs);
		json_decref(fails);
		svcs = fails = NULL;
	}
	free(names);
	return rc;
}

int ecsctl_plan_wait(const struct ecsctl_plan *p, struct ecsctl_ecs *ecs,
                     const struct ecsctl_apply_options *opts, struct ecsctl_error *err)
{
	struct ecsctl_apply_options none = ECSCTL_APPLY_OPTIONS_INIT;
	struct watched *ws = calloc(p->count + 1, sizeof(*ws));
	int64_t deadline, interval;
	size_t i, n = 0, failed = 0, left;
	bool timed_out = false;
	int rc = 0;

	if (!opts)
		opts = &none;
	if (!ws)
		return reconcile_oom(err);
	deadline = now_ms() + (opts->timeout_ms > 0 ? opts->timeout_ms : 600000);
	interval = opts->interval_ms > 0 ? opts->interval_ms : 2000;
	for (i = 0; i < p->count; i++) {
		const json_t *w = p->ops[i].wait;
		struct watched *x = &ws[n];
		const char *prev = json_string_value(json_object_get(w, "previousTaskDefinition"));
		if (!w)
			continue;
		x->cluster = json_string_value(json_object_get(w, "cluster"));
		x->service = json_string_value(json_object_get(w, "service"));
		x->expect = strdup(tail(json_string_value(json_object_get(w, "taskDefinition"))));
		x->previous = prev ? strdup(prev) : NULL;
		x->seen = json_object();
		x->desired = x->running = x->pending = -1;
		snprintf(x->name, sizeof(x->name), "%s/%s", x->cluster ? x->cluster : "",
		         x->service ? x->service : "");
		n++;
		if (!x->cluster || !x->service || !x->expect || !x->seen) {
			rc = reconcile_oom(err);
			goto done;
		}
	}
	for (;;) {
		if ((rc = poll_once(ws, n, ecs, opts, err)))
			goto done;
		for (i = 0, left = 0; i < n; i++) {
			if (ws[i].state == W_FAILED && opts->rollback_on_failure &&
			    ws[i].previous && strcmp(tail(ws[i].previous), ws[i].expect)) {
				if ((rc = start_rollback(&ws[i], ecs, opts, err)))
					goto done;
			}
			if (ws[i].state == W_WAITING || ws[i].state == W_ROLLING_BACK)
				left++;
		}
		if (!left)
			break;
		if (opts->cancel && *opts->cancel) {
			rc = ecsctl_error_set(err, ECSCTL_ECANCELED, "interrupted while waiting");
			goto done;
		}
		if (now_ms() >= deadline) {
			/* out of time: with rollback, each service still deploying goes back
			 * and the rollback gets a time budget of its own, once */
			size_t rolled = 0;
			for (i = 0; i < n && !timed_out && opts->rollback_on_failure; i++) {
				if (ws[i].state != W_WAITING || !ws[i].previous ||
				    !strcmp(tail(ws[i].previous), ws[i].expect))
					continue;
				if ((rc = start_rollback(&ws[i], ecs, opts, err)))
					goto done;
				rolled++;
			}
			if (timed_out || !rolled) {
				rc = ecsctl_error_set(err, ECSCTL_ETIMEOUT,
				                      "%zu service%s did not become stable in time",
				                      left, left == 1 ? "" : "s");
				goto done;
			}
			timed_out = true;
			deadline = now_ms() + (opts->timeout_ms > 0 ? opts->timeout_ms : 600000);
		}
		sleep_ms(interval, opts);
	}
	for (i = 0; i < n; i++)
		if (ws[i].state == W_FAILED || ws[i].state == W_ROLLED_BACK)
			failed++;
	if (timed_out)
		rc =
		    ecsctl_error_set(err, ECSCTL_ETIMEOUT,
		                     "services did not become stable in time and were rolled back");
	else if (failed)
		rc = ecsctl_error_set(err, ECSCTL_EUNSTABLE, "%zu service%s failed to deploy%s",
		                      failed, failed == 1 ? "" : "s",
		                      opts->rollback_on_failure ? " (rolled back where possible)"
		                                                : "");
done:
	for (i = 0; i < n; i++) {
		free(ws[i].expect);
		free(ws[i].previous);
		json_decref(ws[i].seen);
	}
	free(ws);
	return rc;
}
