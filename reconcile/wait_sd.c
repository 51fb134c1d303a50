/*
 * Following a service deployment: ECS's own record of a rollout (status,
 * lifecycle stage, traffic per revision, hooks, alarm and circuit breaker
 * monitors). Where ECS keeps one, it is what apply reports and judges by:
 * deployments[] cannot tell a canary bake from a stuck rollout, nor an
 * alarm's rollback from a circuit breaker's. Success still needs the
 * service at its full count (wait.c's rule), so a scale that cannot be
 * placed fails as before.
 */
#include <stdlib.h>
#include <string.h>

#include "ecsctl/arn.h"
#include "wait_int.h"
#include "banned.h"

/* Polls that may find no service deployment before deployments[] decides
 * alone (ECS lists one as soon as UpdateService returns). */
#define SD_TRIES 2

static const char *str(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static bool is(const char *s, const char *want)
{
	return s && !strcmp(s, want);
}

/* The production traffic weight of the target revision and of the sources,
 * -1 when ECS does not say (a rolling deployment shifts tasks, not traffic). */
static double target_weight(const json_t *sd)
{
	const json_t *v = json_object_get(json_object_get(sd, "targetServiceRevision"),
	                                  "requestedProductionTrafficWeight");

	return json_is_number(v) ? json_number_value(v) : -1;
}

static void traffic(struct ecsctl_buf *out, const json_t *sd)
{
	const json_t *t = json_object_get(sd, "targetServiceRevision"), *s;
	const json_t *src = json_object_get(sd, "sourceServiceRevisions");
	double w = target_weight(sd), old = 0;
	size_t i;

	if (w >= 0) {
		json_array_foreach(src, i, s) {
			old += json_number_value(
			    json_object_get(s, "requestedProductionTrafficWeight"));
		}
		/* a service's first deployment has no old revision to share with */
		ecsctl_buf_addf(out, ", traffic %g%% new", w);
		if (json_array_size(src))
			ecsctl_buf_addf(out, " / %g%% old", old);
	} else if (t) {
		ecsctl_buf_addf(out, ", new revision %ld/%ld running",
		                (long)json_integer_value(json_object_get(t, "runningTaskCount")),
		                (long)json_integer_value(json_object_get(t, "requestedTaskCount")));
	}
}

/* Hooks not yet SUCCEEDED: "hook PAUSE AWAITING_ACTION". */
static bool hooks(struct ecsctl_buf *out, const json_t *sd)
{
	const json_t *h;
	bool paused = false;
	size_t i;

	json_array_foreach(json_object_get(sd, "lifecycleHookDetails"), i, h) {
		const char *st = str(h, "status");
		if (!st || is(st, "SUCCEEDED"))
			continue;
		ecsctl_buf_addf(out, ", hook %s %s",
		                str(h, "targetType") ? str(h, "targetType") : "?", st);
		paused = paused || is(st, "AWAITING_ACTION");
	}
	return paused;
}

static void monitors(struct ecsctl_buf *out, const json_t *sd)
{
	const json_t *al = json_object_get(sd, "alarms");
	const json_t *cb = json_object_get(sd, "deploymentCircuitBreaker"), *a;
	size_t i;

	if (str(al, "status") && !is(str(al, "status"), "DISABLED")) {
		ecsctl_buf_addf(out, ", alarms %s", str(al, "status"));
		json_array_foreach(json_object_get(al, "triggeredAlarmNames"), i, a) {
			ecsctl_buf_addf(out, "%s%s", i ? ", " : " (", json_string_value(a));
		}
		if (json_array_size(json_object_get(al, "triggeredAlarmNames")))
			ecsctl_buf_addch(out, ')');
	}
	if (is(str(cb, "status"), "TRIGGERED"))
		ecsctl_buf_addf(out, ", circuit breaker TRIGGERED (%ld of %ld tasks failed)",
		                (long)json_integer_value(json_object_get(cb, "failureCount")),
		                (long)json_integer_value(json_object_get(cb, "threshold")));
}

bool ecsctl_reconcile_sd_text(struct ecsctl_buf *out, const json_t *sd)
{
	const char *stage = str(sd, "lifecycleStage");
	bool paused;

	ecsctl_buf_addf(
	    out, "%s %s",
	    ecsctl_reconcile_rollout_strategy(json_object_get(sd, "deploymentConfiguration")),
	    str(sd, "status") ? str(sd, "status") : "?");
	if (stage)
		ecsctl_buf_addf(out, " at %s", stage);
	traffic(out, sd);
	paused = hooks(out, sd);
	monitors(out, sd);
	return paused;
}

const char *ecsctl_reconcile_sd_id(const json_t *sd)
{
	const char *arn = str(sd, "serviceDeploymentArn"), *slash = arn ? strrchr(arn, '/') : NULL;

	return slash ? slash + 1 : arn ? arn : "?";
}

/* Why a service deployment failed, in ECS's terms: the alarms that fired,
 * the hook that failed or timed out, who stopped it. The circuit breaker's
 * reason is the deployment's own (wait_reason_now says it). */
static void sd_reason(struct ecsctl_buf *out, const struct wait_service *w, const json_t *sd)
{
	const json_t *al = json_object_get(sd, "alarms"), *h, *a;
	const char *st = str(sd, "status"), *why = str(sd, "statusReason");
	size_t i, n = json_array_size(json_object_get(al, "triggeredAlarmNames"));

	if (n) {
		ecsctl_buf_addf(out, "Alarm%s ", n == 1 ? "" : "s");
		json_array_foreach(json_object_get(al, "triggeredAlarmNames"), i, a) {
			ecsctl_buf_addf(out, "%s%s", i ? ", " : "", json_string_value(a));
		}
		ecsctl_buf_addf(out, " went into ALARM.");
	}
	json_array_foreach(json_object_get(sd, "lifecycleHookDetails"), i, h) {
		const char *hs = str(h, "status");
		if (!is(hs, "FAILED") && !is(hs, "TIMED_OUT"))
			continue;
		ecsctl_buf_addf(out, "%sThe %s hook", out->len ? " " : "",
		                str(h, "targetType") ? str(h, "targetType") : "lifecycle");
		if (str(h, "targetArn"))
			ecsctl_buf_addf(out, " %s", str(h, "targetArn"));
		/* where it waited when seen waiting, else where the deployment is */
		if (w->hook_stage || str(sd, "lifecycleStage"))
			ecsctl_buf_addf(out, " at %s",
			                w->hook_stage ? w->hook_stage : str(sd, "lifecycleStage"));
		ecsctl_buf_addf(out, " %s", is(hs, "FAILED") ? "failed" : "timed out");
		if (str(h, "timeoutAction") && is(hs, "TIMED_OUT"))
			ecsctl_buf_addf(out, " (timeout action %s)", str(h, "timeoutAction"));
		ecsctl_buf_addch(out, '.');
	}
	if (is(st, "STOPPED") || is(st, "STOP_REQUESTED")) {
		ecsctl_buf_addf(out, "%s%s", out->len ? " " : "", why ? why : "Stopped");
		if (why && why[0] && why[strlen(why) - 1] != '.')
			ecsctl_buf_addch(out, '.');
	}
	if (out->len)
		ecsctl_buf_addf(out, " Service deployment %s: %s.", ecsctl_reconcile_sd_id(sd),
		                st ? st : "?");
}

static void set_cause(const struct wait_ctx *c, struct wait_service *w, const json_t *sd)
{
	struct ecsctl_buf b = ECSCTL_BUF_INIT;
	char *now;

	sd_reason(&b, w, sd);
	now = wait_reason_now(w, wait_elapsed(c));
	/* no alarm, hook or stop: the deployment's own reason (the circuit
	 * breaker's), in the words every wait uses once it saw ours FAILED;
	 * ECS's statusReason when the rollback was over before that */
	if (!b.len && !is(wait_str(w->mine, "rolloutState"), "FAILED") && str(sd, "statusReason"))
		ecsctl_buf_adds(&b, str(sd, "statusReason"));
	else if (now && *now && !b.len)
		ecsctl_buf_adds(&b, now);
	free(now);
	free(w->cause);
	w->cause = ecsctl_buf_failed(&b) ? NULL : ecsctl_buf_detach(&b);
	ecsctl_buf_release(&b);
}

/* Stopped because another writer's deployment replaced ours: the PRIMARY
 * is newer than ours. Names it in w->other. */
static bool superseded(struct wait_service *w)
{
	const json_t *p = wait_primary(w->last);
	const char *id = str(p, "id");
	struct ecsctl_buf b = ECSCTL_BUF_INIT;

	if (!p || !id || is(id, str(w->mine, "id")) ||
	    json_number_value(json_object_get(p, "createdAt")) <=
	        json_number_value(json_object_get(w->mine, "createdAt")))
		return false;
	ecsctl_buf_addf(&b, "%s (%s)", id, ecsctl_arn_taskdef(str(p, "taskDefinition")));
	free(w->other);
	w->other = ecsctl_buf_detach(&b);
	return true;
}

static void finish(const struct wait_ctx *c, struct wait_service *w, const json_t *sd)
{
	const char *st = str(sd, "status");

	set_cause(c, w, sd);
	if (is(st, "ROLLBACK_SUCCESSFUL")) {
		w->state = W_ROLLED_BACK;
		if (w->previous) {
			free(w->expect);
			w->expect = strdup(ecsctl_arn_taskdef(w->previous));
		}
	} else if (is(st, "STOPPED") && superseded(w)) {
		w->state = W_SUPERSEDED;
	} else {
		w->state = W_FAILED;
		/* stopped as it is on purpose: not the wait's to undo */
		w->no_rollback = is(st, "STOPPED");
	}
}

/* Production traffic is all on the new revision (`--wait=traffic`). */
static bool shifted(const json_t *sd)
{
	static const char *const after[] = {"POST_PRODUCTION_TRAFFIC_SHIFT", "BAKE_TIME",
	                                    "CLEAN_UP"};
	const char *stage = str(sd, "lifecycleStage");
	size_t i;

	if (!is(str(sd, "status"), "IN_PROGRESS"))
		return false;
	for (i = 0; i < sizeof(after) / sizeof(*after); i++)
		if (is(stage, after[i]))
			return target_weight(sd) < 0 || target_weight(sd) >= 100;
	return false;
}

bool wait_sd_holds(const struct ecsctl_apply_options *o, const struct wait_service *w)
{
	const char *st = str(w->sd, "status");

	if (!w->sd_arn)
		return false;
	return !is(st, "SUCCESSFUL") && !(o->wait_for == ECSCTL_WAIT_TRAFFIC && shifted(w->sd));
}

static void observe_sd(const struct wait_ctx *c, struct wait_service *w, const json_t *sd)
{
	const char *st = str(sd, "status");
	enum wait_state before = w->state;
	struct ecsctl_buf b = ECSCTL_BUF_INIT;
	const json_t *h;
	bool paused;
	size_t i;

	json_decref(w->sd);
	w->sd = json_deep_copy(sd);
	json_array_foreach(json_object_get(sd, "lifecycleHookDetails"), i, h) {
		if (is(str(h, "status"), "AWAITING_ACTION") ||
		    is(str(h, "status"), "IN_PROGRESS")) {
			free(w->hook_stage);
			w->hook_stage = str(sd, "lifecycleStage")
			                    ? strdup(str(sd, "lifecycleStage"))
			                    : NULL;
		}
	}
	paused = ecsctl_reconcile_sd_text(&b, sd);
	if (paused)
		ecsctl_buf_addf(&b,
		                ": paused, 'ecsctl promote %s' continues, 'ecsctl abort %s' "
		                "stops it",
		                w->name, w->name);
	if (paused && c->o->until_paused && w->state == W_WAITING) {
		w->state = W_DONE;
	} else if (!wait_sd_holds(c->o, w)) {
		const json_t *p = wait_primary(w->last);
		/* traffic shifted: the old revision may bake on, ours runs in full */
		if (w->state == W_WAITING &&
		    (wait_complete(w->last, p) ||
		     (!is(st, "SUCCESSFUL") &&
		      wait_count(p, "runningCount") == wait_count(w->last, "desiredCount"))))
			w->state = W_DONE;
	} else if (w->state == W_WAITING && (is(st, "ROLLBACK_SUCCESSFUL") ||
	                                     is(st, "ROLLBACK_FAILED") || is(st, "STOPPED"))) {
		finish(c, w, sd);
	} else if (is(st, "ROLLBACK_REQUESTED") || is(st, "ROLLBACK_IN_PROGRESS") ||
	           is(st, "ROLLBACK_SUCCESSFUL") || is(st, "ROLLBACK_FAILED") ||
	           is(st, "STOPPED") || is(st, "STOP_REQUESTED")) {
		/* ECS rolls back or stops it already: why, in its terms; never a
		 * second rollback of ecsctl's over it, nor one of a stop on purpose */
		set_cause(c, w, sd);
		w->no_rollback = w->no_rollback || !is(st, "ROLLBACK_FAILED");
	}
	if (!ecsctl_buf_failed(&b) && (!w->sd_sig || strcmp(w->sd_sig, b.buf))) {
		free(w->sd_sig);
		w->sd_sig = strdup(b.buf);
		wait_emit(c, w, ECSCTL_PROGRESS_STAGE, b.buf);
	}
	/* the end in the words of every wait: stable, FAILED, rolled back */
	if (w->state != before)
		wait_emit(c, w, ECSCTL_PROGRESS_SERVICE,
		          w->state == W_SUPERSEDED ? w->other : NULL);
	ecsctl_buf_release(&b);
}

/* The service deployment created since our deployment was, the newest. */
static void find(struct wait_service *w, struct ecsctl_ecs *ecs)
{
	double after = json_number_value(json_object_get(w->mine, "createdAt")) - 1, best = 0;
	struct ecsctl_error e = ECSCTL_ERROR_INIT;
	const char *arn = NULL;
	json_t *briefs = NULL, *b;
	size_t i;

	if (ecsctl_ecs_list_service_deployments(&briefs, ecs, w->cluster, w->service,
	                                        after > 0 ? after : 0, NULL, &e)) {
		/* not known here (an older ECS, another deployment controller) */
		w->sd_none = true;
		ecsctl_error_release(&e);
		return;
	}
	json_array_foreach(briefs, i, b) {
		double at = json_number_value(json_object_get(b, "createdAt"));
		if (str(b, "serviceDeploymentArn") && at >= after && (!arn || at > best)) {
			arn = str(b, "serviceDeploymentArn");
			best = at;
		}
	}
	if (arn)
		w->sd_arn = strdup(arn);
	else if (++w->sd_tries >= SD_TRIES)
		w->sd_none = true;
	json_decref(briefs);
}

int wait_sd_poll(const struct wait_ctx *c, struct wait_service *ws, size_t n,
                 struct ecsctl_ecs *ecs, struct ecsctl_error *err)
{
	const char **arns = calloc(n + 1, sizeof(*arns));
	json_t *sds = NULL, *fails = NULL, *sd;
	size_t i, j, m = 0;
	int rc = 0;

	if (!arns)
		return reconcile_oom(err);
	for (i = 0; i < n; i++) {
		struct wait_service *w = &ws[i];
		/* failed this round: the service deployment still says why */
		if ((w->state != W_WAITING && w->state != W_FAILED) || w->sd_none || !w->mine)
			continue;
		if (!w->sd_arn)
			find(w, ecs);
		if (w->sd_arn)
			arns[m++] = w->sd_arn;
	}
	if (m && !(rc = ecsctl_ecs_describe_service_deployments(&sds, &fails, ecs, arns, m, err))) {
		for (i = 0; i < n; i++) {
			if ((ws[i].state != W_WAITING && ws[i].state != W_FAILED) || !ws[i].sd_arn)
				continue;
			json_array_foreach(sds, j, sd) {
				if (is(str(sd, "serviceDeploymentArn"), ws[i].sd_arn))
					observe_sd(c, &ws[i], sd);
			}
		}
	}
	json_decref(sds);
	json_decref(fails);
	free(arns);
	return rc;
}
