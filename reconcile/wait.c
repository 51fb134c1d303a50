/*
 * Wait: watch every service apply touched, all in one DescribeServices round
 * per interval. The services_stable rule alone is not success (it passes
 * after a circuit breaker rolled back too): success is the PRIMARY
 * deployment being the one our own UpdateService/CreateService started (by
 * id), completed, and running as many tasks as the service wants (a
 * desiredCount change leaves the rollout COMPLETED while tasks cannot be
 * placed). Another PRIMARY is ECS's rollback only when our deployment FAILED;
 * otherwise another writer superseded us, and that is said, never rolled
 * back. Why a service did not get there is wait_why.c's.
 */
#include <stdlib.h>
#include <string.h>

#include "ecsctl/arn.h"
#include "ecsctl/http.h"
#include "wait_int.h"
#include "banned.h"

#define FIRST_EVENTS 5 /* events shown at the first look, at most */

static int64_t now_ms(const struct ecsctl_apply_options *o)
{
	return o->now_ms ? o->now_ms(o->clock_ud) : ecsctl_clock_now_ms(NULL);
}

int64_t wait_elapsed(const struct wait_ctx *c)
{
	return now_ms(c->o) - c->start;
}

static int64_t elapsed(const struct wait_ctx *c)
{
	return wait_elapsed(c);
}

static void sleep_ms(int64_t ms, const struct ecsctl_apply_options *o)
{
	/* in slices, so a signal's cancel flag is seen soon */
	while (ms > 0 && !(o->cancel && *o->cancel)) {
		int64_t s = ms < 100 ? ms : 100;
		if (o->sleep_ms)
			o->sleep_ms(o->clock_ud, s);
		else
			ecsctl_clock_sleep_ms(NULL, s);
		ms -= s;
	}
}

static void describe_deployment(struct ecsctl_progress_deployment *pd, const json_t *d)
{
	pd->id = wait_str(d, "id");
	pd->status = wait_str(d, "status");
	pd->task_definition = ecsctl_arn_taskdef(wait_str(d, "taskDefinition"));
	pd->rollout = wait_str(d, "rolloutState") ? wait_str(d, "rolloutState") : "";
	pd->running = wait_count(d, "runningCount");
	pd->desired = wait_count(d, "desiredCount");
	pd->pending = wait_count(d, "pendingCount");
	pd->failed = wait_count(d, "failedTasks");
}

void wait_emit(const struct wait_ctx *c, struct wait_service *w, enum ecsctl_progress_kind kind,
               const char *message)
{
	const json_t *deps = json_object_get(w->last, "deployments"), *p = wait_primary(w->last),
	             *d;
	struct ecsctl_progress_deployment *pd;
	struct ecsctl_progress ev;
	size_t i, n = 0;

	if (!c->o->progress)
		return;
	/* PRIMARY first, then the others as ECS lists them */
	pd = calloc(json_array_size(deps) + 1, sizeof(*pd));
	if (pd && p)
		describe_deployment(&pd[n++], p);
	json_array_foreach(deps, i, d) {
		if (pd && d != p)
			describe_deployment(&pd[n++], d);
	}
	memset(&ev, 0, sizeof(ev));
	ev.kind = kind;
	ev.name = w->name;
	ev.running = p ? wait_count(p, "runningCount") : -1;
	ev.desired = w->last ? wait_count(w->last, "desiredCount") : -1;
	ev.pending = p ? wait_count(p, "pendingCount") : -1;
	ev.rollout = p && wait_str(p, "rolloutState") ? wait_str(p, "rolloutState") : "";
	ev.deployments = pd;
	ev.ndeployments = n;
	ev.message = message;
	ev.done = w->state == W_DONE || w->state == W_ROLLED_BACK;
	ev.failed = w->state == W_FAILED || w->state == W_ROLLED_BACK;
	ev.superseded = w->state == W_SUPERSEDED;
	ev.elapsed_ms = elapsed(c);
	c->o->progress(c->o->progress_ud, &ev);
	free(pd);
}

/* Our deployment: the one seen before, else the one our call started (by
 * id), else the one running the target, the PRIMARY or else the newest. It
 * stays known after ECS drops it, and after a rollback (the report is about
 * the deployment that failed). */
static void track_mine(struct wait_service *w, const json_t *svc)
{
	const char *id = wait_str(w->mine, "id") ? wait_str(w->mine, "id") : w->deployment;
	const json_t *found = NULL, *d;
	size_t i;

	json_array_foreach(json_object_get(svc, "deployments"), i, d) {
		const char *did = wait_str(d, "id");
		if (id) {
			if (did && !strcmp(did, id))
				found = d;
		} else if (!strcmp(ecsctl_arn_taskdef(wait_str(d, "taskDefinition")), w->target) &&
		           (!found ||
		            !strcmp(wait_str(d, "status") ? wait_str(d, "status") : "",
		                    "PRIMARY") ||
		            json_number_value(json_object_get(d, "createdAt")) >
		                json_number_value(json_object_get(found, "createdAt")))) {
			found = d;
		}
	}
	if (found) {
		json_t *copy = json_deep_copy(found);
		if (copy) {
			json_decref(w->mine);
			w->mine = copy;
		}
	}
}

/* Where this deploy's story starts on ECS's clock: our deployment's
 * creation, or for a deployment that was there before (a desiredCount
 * change) the last time the service reached a steady state. */
static void find_since(struct wait_service *w, const json_t *svc)
{
	const json_t *e;
	size_t i;

	if (w->since || !w->mine)
		return;
	w->since = json_number_value(json_object_get(w->mine, "createdAt"));
	json_array_foreach(json_object_get(svc, "events"), i, e) {
		double at = json_number_value(json_object_get(e, "createdAt"));
		const char *m = wait_str(e, "message");
		if (m && strstr(m, "has reached a steady state") && at > w->since)
			w->since = at;
	}
}

/* New events since the deploy began, oldest first. At the first look a
 * deploy that began long ago (a service already failing) could have a
 * hundred: all go in the report, the last few on screen. */
static void show_events(const struct wait_ctx *c, struct wait_service *w, const json_t *svc)
{
	const json_t *events = json_object_get(svc, "events");
	size_t i = json_array_size(events), fresh = 0, skip;

	if (!w->since)
		return;
	while (i-- > 0) {
		const json_t *e = json_array_get(events, i);
		const char *id = wait_str(e, "id");
		fresh += id && wait_str(e, "message") && !json_object_get(w->seen, id) &&
		         json_number_value(json_object_get(e, "createdAt")) >= w->since;
	}
	skip = !w->sig && fresh > FIRST_EVENTS ? fresh - FIRST_EVENTS : 0;
	i = json_array_size(events);
	while (i-- > 0) { /* ECS lists newest first */
		const json_t *e = json_array_get(events, i);
		const char *id = wait_str(e, "id"), *m = wait_str(e, "message");
		if (!id || !m || json_object_get(w->seen, id) ||
		    json_number_value(json_object_get(e, "createdAt")) < w->since)
			continue;
		json_object_set_new(w->seen, id, json_true());
		json_array_append_new(w->shown, json_string(m));
		if (skip) {
			skip--;
			continue;
		}
		w->news_ms = now_ms(c->o);
		wait_emit(c, w, ECSCTL_PROGRESS_EVENT, m);
	}
}

/* The counts a progress line shows, per deployment: a change in them is news. */
static char *signature(const json_t *svc)
{
	struct ecsctl_buf b = ECSCTL_BUF_INIT;
	const json_t *d;
	size_t i;

	ecsctl_buf_addf(&b, "%ld", wait_count(svc, "desiredCount"));
	json_array_foreach(json_object_get(svc, "deployments"), i, d) {
		ecsctl_buf_addf(&b, ";%s %s %ld %ld %ld %s",
		                wait_str(d, "id") ? wait_str(d, "id") : "",
		                wait_str(d, "status") ? wait_str(d, "status") : "",
		                wait_count(d, "runningCount"), wait_count(d, "pendingCount"),
		                wait_count(d, "failedTasks"),
		                wait_str(d, "rolloutState") ? wait_str(d, "rolloutState") : "");
	}
	return ecsctl_buf_detach(&b);
}

static bool active(const struct wait_service *w)
{
	return w->state == W_WAITING || w->state == W_ROLLING_BACK;
}

/* Done: completed (or, without rolloutState, alone) and at full count. */
bool wait_complete(const json_t *svc, const json_t *dep)
{
	const char *rollout = wait_str(dep, "rolloutState");
	long want = wait_count(svc, "desiredCount");

	if (rollout ? strcmp(rollout, "COMPLETED")
	            : json_array_size(json_object_get(svc, "deployments")) != 1)
		return false;
	return wait_count(dep, "runningCount") == want && wait_count(svc, "runningCount") == want;
}

static void fail(const struct wait_ctx *c, struct wait_service *w)
{
	w->state = W_FAILED;
	if (!w->cause)
		w->cause = wait_reason_now(w, elapsed(c));
}

/* The PRIMARY is not the deployment we wait on. Ours FAILED: ECS's circuit
 * breaker rolled it back, a failure of ours, and its rollback is what we
 * watch from now on. Ours did not: another writer's UpdateService replaced
 * it, which is not ours to judge or to roll back. */
static void not_ours(const struct wait_ctx *c, struct wait_service *w, const json_t *dep)
{
	const char *rollout = wait_str(w->mine, "rolloutState");
	const char *id = wait_str(dep, "id");
	struct ecsctl_buf b = ECSCTL_BUF_INIT;

	if (rollout && !strcmp(rollout, "FAILED") && w->state == W_WAITING) {
		fail(c, w);
		free(w->deployment);
		w->deployment = id ? strdup(id) : NULL;
		return;
	}
	w->state = W_SUPERSEDED;
	ecsctl_buf_addf(&b, "%s (%s)", id ? id : "?",
	                ecsctl_arn_taskdef(wait_str(dep, "taskDefinition")));
	free(w->other);
	w->other = ecsctl_buf_detach(&b);
}

/* Moves one service's state on after a DescribeServices answer. */
static void observe(const struct wait_ctx *c, struct wait_service *w, json_t *svc)
{
	const json_t *dep = wait_primary(svc);
	const char *td = wait_str(dep, "taskDefinition");
	const char *rollout = wait_str(dep, "rolloutState");
	const char *id = wait_str(dep, "id");
	bool ours = w->deployment ? id && !strcmp(id, w->deployment)
	                          : td && !strcmp(ecsctl_arn_taskdef(td), w->expect);
	bool failed = rollout && !strcmp(rollout, "FAILED");
	enum wait_state before = w->state;
	char *sig = signature(svc);
	bool changed = !sig || !w->sig || strcmp(sig, w->sig);

	json_decref(w->last);
	w->last = json_incref(svc);
	track_mine(w, svc);
	find_since(w, svc);
	show_events(c, w, svc);
	free(w->sig);
	w->sig = sig;
	if (w->sd_arn && w->state == W_WAITING && (!dep || !ours || failed)) {
		/* its service deployment says how it ended (wait_sd.c): a rollback
		 * can be over before a poll sees our deployment FAILED */
	} else if (!dep) {
		fail(c, w);
	} else if (!ours && w->deployment && active(w)) {
		not_ours(c, w, dep);
	} else if (!ours || failed) {
		if (w->state == W_WAITING || (w->state == W_ROLLING_BACK && failed))
			fail(c, w);
	} else if (wait_complete(svc, dep) && (w->state != W_WAITING || !wait_sd_holds(c->o, w))) {
		/* with a service deployment: its SUCCESSFUL (bake included) too */
		w->state = w->state == W_ROLLING_BACK ? W_ROLLED_BACK : W_DONE;
	}
	if (changed || before != w->state) {
		w->news_ms = now_ms(c->o);
		wait_emit(c, w, ECSCTL_PROGRESS_SERVICE,
		          before != w->state && w->state == W_SUPERSEDED ? w->other : NULL);
	}
}

/* Back to the previous task definition; when ECS's circuit breaker already
 * went there, waits for its rollback instead of starting another. */
static int start_rollback(const struct wait_ctx *c, struct wait_service *w, struct ecsctl_ecs *ecs,
                          struct ecsctl_error *err)
{
	const char *back = ecsctl_arn_taskdef(w->previous);
	const json_t *p = wait_primary(w->last);
	json_t *req, *svc = NULL;
	int rc;

	if (!w->cause)
		w->cause = wait_reason_now(w, elapsed(c));
	if (!p || strcmp(ecsctl_arn_taskdef(wait_str(p, "taskDefinition")), back)) {
		if (!(req = json_pack("{s:s,s:s,s:s}", "cluster", w->cluster, "service", w->service,
		                      "taskDefinition", w->previous)))
			return reconcile_oom(err);
		wait_emit(c, w, ECSCTL_PROGRESS_ROLLBACK, w->previous);
		rc = ecsctl_ecs_update_service(&svc, ecs, req, err);
		json_decref(req);
		if (rc)
			return rc;
		w->rolled_back = true;
		/* from now on the rollback's deployment is the one we wait on */
		free(w->deployment);
		p = wait_primary(svc);
		w->deployment = wait_str(p, "id") ? strdup(wait_str(p, "id")) : NULL;
		json_decref(svc);
	}
	free(w->expect);
	w->expect = strdup(back);
	w->state = W_ROLLING_BACK;
	w->news_ms = now_ms(c->o);
	return w->expect ? 0 : reconcile_oom(err);
}

static int poll_once(const struct wait_ctx *c, struct wait_service *ws, size_t n,
                     struct ecsctl_ecs *ecs, struct ecsctl_error *err)
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
			json_array_foreach(svcs, k, it) {
				const char *nm = wait_str(it, "serviceName");
				if (nm && !strcmp(nm, ws[j].service)) {
					observe(c, &ws[j], it);
					seen = true;
				}
			}
			if (!seen) {
				ws[j].gone = true;
				fail(c, &ws[j]);
				wait_emit(c, &ws[j], ECSCTL_PROGRESS_SERVICE, "service not found");
			}
		}
		json_decref(svcs);
		json_decref(fails);
		svcs = fails = NULL;
	}
	free(names);
	return rc;
}

static const char *outcome(const struct wait_service *w)
{
	switch (w->state) {
	case W_FAILED:
		return "failed";
	case W_ROLLED_BACK:
		return "rolledBack";
	case W_SUPERSEDED:
		return "superseded";
	case W_DONE:
		return NULL;
	default:
		return "timedOut";
	}
}

/* Fills opts->report for every service that did not become stable. */
static void report(const struct wait_ctx *c, struct wait_service *ws, size_t n,
                   struct ecsctl_ecs *ecs)
{
	struct ecsctl_wait_report *r = c->o->report;
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	size_t i;

	if (!r)
		return;
	ecsctl_wait_report_release(r);
	if (!(r->services = json_array()))
		return;
	for (i = 0; i < n; i++)
		if (outcome(&ws[i]) &&
		    wait_why_add(r->services, &ws[i], outcome(&ws[i]), elapsed(c), ecs, &err))
			break;
	ecsctl_error_release(&err);
}

static void wait_service_release(struct wait_service *w)
{
	free(w->target);
	free(w->expect);
	free(w->previous);
	free(w->deployment);
	free(w->other);
	free(w->sig);
	free(w->cause);
	free(w->sd_arn);
	free(w->sd_sig);
	free(w->hook_stage);
	json_decref(w->sd);
	json_decref(w->last);
	json_decref(w->mine);
	json_decref(w->seen);
	json_decref(w->shown);
}

int ecsctl_plan_wait(const struct ecsctl_plan *p, struct ecsctl_ecs *ecs,
                     const struct ecsctl_apply_options *opts, struct ecsctl_error *err)
{
	struct ecsctl_apply_options none = ECSCTL_APPLY_OPTIONS_INIT;
	struct wait_service *ws = calloc(p->count + 1, sizeof(*ws));
	struct wait_ctx c;
	int64_t deadline, interval, quiet;
	size_t i, n = 0, failed = 0, superseded = 0, left;
	bool timed_out = false;
	int rc = 0;

	if (!opts)
		opts = &none;
	if (!ws)
		return reconcile_oom(err);
	c.o = opts;
	c.start = now_ms(opts);
	ecsctl_wait_report_release(opts->report); /* a report is of the last wait only */
	deadline = c.start + (opts->timeout_ms > 0 ? opts->timeout_ms : 600000);
	interval = opts->interval_ms > 0 ? opts->interval_ms : 2000;
	quiet = opts->quiet_ms > 0 ? opts->quiet_ms : 30000;
	for (i = 0; i < p->count; i++) {
		const json_t *w = p->ops[i].wait;
		struct wait_service *x = &ws[n];
		const char *prev = wait_str(w, "previousTaskDefinition");
		const char *dep = wait_str(w, "deploymentId");
		if (!w)
			continue;
		x->cluster = wait_str(w, "cluster");
		x->service = wait_str(w, "service");
		x->target = strdup(ecsctl_arn_taskdef(wait_str(w, "taskDefinition")));
		x->expect = x->target ? strdup(x->target) : NULL;
		x->previous = prev ? strdup(prev) : NULL;
		x->deployment = dep ? strdup(dep) : NULL;
		x->seen = json_object();
		x->shown = json_array();
		x->news_ms = c.start;
		snprintf(x->name, sizeof(x->name), "%s/%s", x->cluster ? x->cluster : "",
		         x->service ? x->service : "");
		n++;
		if (!x->cluster || !x->service || !x->expect || !x->seen || !x->shown ||
		    (prev && !x->previous) || (dep && !x->deployment)) {
			rc = reconcile_oom(err);
			goto done;
		}
	}
	for (;;) {
		if ((opts->heartbeat && (rc = opts->heartbeat(opts->heartbeat_ud, err))) ||
		    (rc = poll_once(&c, ws, n, ecs, err)) ||
		    (rc = wait_sd_poll(&c, ws, n, ecs, err)))
			goto done;
		for (i = 0, left = 0; i < n; i++) {
			if (ws[i].state == W_FAILED && opts->rollback_on_failure &&
			    ws[i].previous && !ws[i].no_rollback &&
			    strcmp(ecsctl_arn_taskdef(ws[i].previous), ws[i].expect)) {
				if ((rc = start_rollback(&c, &ws[i], ecs, err)))
					goto done;
			}
			if (!active(&ws[i]))
				continue;
			left++;
			if (now_ms(opts) - ws[i].news_ms >= quiet) {
				ws[i].news_ms = now_ms(opts);
				wait_emit(&c, &ws[i], ECSCTL_PROGRESS_QUIET, NULL);
			}
		}
		if (!left)
			break;
		if (opts->cancel && *opts->cancel) {
			rc = ecsctl_error_set(err, ECSCTL_ECANCELED, "interrupted while waiting");
			goto done;
		}
		if (now_ms(opts) >= deadline) {
			/* out of time: with rollback, each service still deploying goes back
			 * and the rollback gets a time budget of its own, once */
			size_t rolled = 0;
			for (i = 0; i < n && !timed_out && opts->rollback_on_failure; i++) {
				if (ws[i].state != W_WAITING || !ws[i].previous ||
				    ws[i].no_rollback ||
				    !strcmp(ecsctl_arn_taskdef(ws[i].previous), ws[i].expect))
					continue;
				if ((rc = start_rollback(&c, &ws[i], ecs, err)))
					goto done;
				rolled++;
			}
			if (timed_out || !rolled) {
				report(&c, ws, n, ecs);
				rc = ecsctl_error_set(err, ECSCTL_ETIMEOUT,
				                      "%zu service%s did not become stable in time",
				                      left, left == 1 ? "" : "s");
				goto done;
			}
			timed_out = true;
			deadline = now_ms(opts) +
			           (opts->timeout_ms > 0 ? opts->timeout_ms : 600000);
		}
		sleep_ms(interval, opts);
	}
	for (i = 0; i < n; i++)
		if (ws[i].state == W_FAILED || ws[i].state == W_ROLLED_BACK)
			failed++;
		else if (ws[i].state == W_SUPERSEDED)
			superseded++;
	if (timed_out || failed || superseded)
		report(&c, ws, n, ecs);
	if (timed_out)
		rc = ecsctl_error_set(
		    err, ECSCTL_ETIMEOUT,
		    "services did not become stable in time and were rolled back");
	else if (failed)
		rc = ecsctl_error_set(err, ECSCTL_EUNSTABLE, "%zu service%s failed to deploy%s",
		                      failed, failed == 1 ? "" : "s",
		                      opts->rollback_on_failure ? " (rolled back where possible)"
		                                                : "");
	else if (superseded)
		rc = ecsctl_error_set(err, ECSCTL_EUNSTABLE,
		                      "%zu service%s superseded by another writer's deployment "
		                      "(not rolled back)",
		                      superseded, superseded == 1 ? " was" : "s were");
done:
	for (i = 0; i < n; i++)
		wait_service_release(&ws[i]);
	free(ws);
	return rc;
}

/* INACTIVE, or forgotten (MISSING): the name is free again. */
static int still_there(bool *out, struct ecsctl_ecs *ecs, const char *cluster, const char *name,
                       struct ecsctl_error *err)
{
	json_t *svcs = NULL, *fails = NULL, *it;
	const char *names[1] = {name};
	size_t i;
	int rc;

	*out = false;
	if ((rc = ecsctl_ecs_describe_services(&svcs, &fails, ecs, cluster, names, 1, err)))
		return rc;
	json_array_foreach(svcs, i, it) {
		const char *st = json_string_value(json_object_get(it, "status"));
		if (!st || strcmp(st, "INACTIVE"))
			*out = true;
	}
	json_decref(svcs);
	json_decref(fails);
	return 0;
}

int reconcile_wait_inactive(struct ecsctl_ecs *ecs, const json_t *targets,
                            const struct ecsctl_apply_options *o, struct ecsctl_error *err)
{
	int64_t deadline = now_ms(o) + (o->timeout_ms > 0 ? o->timeout_ms : 600000);
	int64_t interval = o->interval_ms > 0 ? o->interval_ms : 2000;
	size_t i, n = json_array_size(targets);
	bool *done = calloc(n + 1, sizeof(*done));
	int rc = 0;

	if (!done)
		return reconcile_oom(err);
	for (;;) {
		size_t left = 0;
		if (o->heartbeat && (rc = o->heartbeat(o->heartbeat_ud, err)))
			break;
		for (i = 0; i < n && !rc; i++) {
			const json_t *t = json_array_get(targets, i);
			const char *cl = json_string_value(json_object_get(t, "cluster"));
			const char *svc = json_string_value(json_object_get(t, "service"));
			bool there = false;
			if (done[i])
				continue;
			if (!cl || !svc) {
				rc = ecsctl_error_set(err, ECSCTL_EINVAL,
				                      "malformed wait: cluster and service needed");
				break;
			}
			if ((rc = still_there(&there, ecs, cl, svc, err)))
				break;
			done[i] = !there;
			left += there;
		}
		if (rc || !left)
			break;
		if (o->cancel && *o->cancel) {
			rc = ecsctl_error_set(
			    err, ECSCTL_ECANCELED,
			    "interrupted while waiting for deleted services to drain");
			break;
		}
		if (now_ms(o) >= deadline) {
			rc = ecsctl_error_set(
			    err, ECSCTL_ETIMEOUT,
			    "%zu deleted service%s did not become INACTIVE in time", left,
			    left == 1 ? "" : "s");
			break;
		}
		sleep_ms(interval, o);
	}
	free(done);
	return rc;
}
