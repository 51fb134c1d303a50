/*
 * The stage machine of a service deployment, as the ECS developer guide
 * describes it ("Amazon ECS blue/green service deployments workflow",
 * "Lifecycle hooks for Amazon ECS service deployments"):
 *
 *   BLUE_GREEN, LINEAR, CANARY: [RECONCILE_SERVICE] PRE_SCALE_UP SCALE_UP
 *   POST_SCALE_UP TEST_TRAFFIC_SHIFT POST_TEST_TRAFFIC_SHIFT
 *   PRODUCTION_TRAFFIC_SHIFT POST_PRODUCTION_TRAFFIC_SHIFT BAKE_TIME CLEAN_UP
 *
 * The target (green) scales up whole beside the source (blue); production
 * traffic moves at once (BLUE_GREEN), canary percent then the rest after the
 * canary bake (CANARY), or step percent every step bake (LINEAR); after the
 * bake time the source is scaled in. PRE_PRODUCTION_TRAFFIC_SHIFT hooks run
 * before each production step (the stage ECS reports meanwhile is
 * PRODUCTION_TRAFFIC_SHIFT: the model's ServiceDeploymentLifecycleStage has
 * no PRE_PRODUCTION_TRAFFIC_SHIFT).
 *
 *   ROLLING: SCALE_UP while tasks are replaced, CLEAN_UP once the target runs
 *   its desired count, until the older tasks are gone.
 *
 * Hooks: PAUSE waits for ContinueServiceDeployment or its timeout; AWS_LAMBDA
 * answers what --hook says (no Lambda runs here). Alarms the deployment lists
 * stop or roll it back when they are in ALARM.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ecsctl/buf.h"
#include "sim_int.h"
#include "banned.h"

#define MINUTE 60.0
/* A hook without timeoutConfiguration waits this long (the model's maximum,
 * 14 days; ecs-local's choice: the model states no default). */
#define HOOK_TIMEOUT_MIN 20160
#define MAX_PASSES 64

static const char *const family_stages[] = {"RECONCILE_SERVICE",
                                            "PRE_SCALE_UP",
                                            "SCALE_UP",
                                            "POST_SCALE_UP",
                                            "TEST_TRAFFIC_SHIFT",
                                            "POST_TEST_TRAFFIC_SHIFT",
                                            "PRODUCTION_TRAFFIC_SHIFT",
                                            "POST_PRODUCTION_TRAFFIC_SHIFT",
                                            "BAKE_TIME",
                                            "CLEAN_UP",
                                            NULL};

enum outcome { WAIT, DONE, FAILED };

struct pass {
	json_t *svc, *tasks, *sd;
	struct sim_deploy_ctx *ctx;
	char cause[256]; /* why it failed */
};

static int is(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

static int rolling(const json_t *sd)
{
	return is(sim_str(sd, "_strategy"), "ROLLING");
}

static json_t *dconf(const json_t *sd)
{
	return json_object_get(sd, "deploymentConfiguration");
}

static double until(const json_t *sd)
{
	json_t *u = json_object_get(sd, "_until");

	return u ? json_number_value(u) : INFINITY;
}

static void set_stage(json_t *sd, const char *stage, double now)
{
	json_object_set_new(sd, "lifecycleStage", json_string(stage));
	json_object_set_new(sd, "updatedAt", sim_time(now));
	json_object_set_new(sd, "_ph", json_integer(0));
	json_object_set_new(sd, "_step", json_integer(0));
	json_object_del(sd, "_until");
}

/* Target tasks: running and not yet running. */
static void target_counts(struct pass *ps, int *running, int *pending)
{
	const char *dep = sim_str(json_object_get(ps->sd, "_target"), "dep"), *k;
	json_t *t;

	*running = *pending = 0;
	json_object_foreach(ps->tasks, k, t) {
		if (!is(sim_str(t, "startedBy"), dep) ||
		    !is(sim_str(t, "desiredStatus"), "RUNNING"))
			continue;
		if (is(sim_str(t, "lastStatus"), "RUNNING"))
			(*running)++;
		else
			(*pending)++;
	}
}

/* ---- hooks ---- */

static const char *function_name(const char *arn)
{
	const char *f = arn ? strstr(arn, ":function:") : NULL;

	return f ? f + strlen(":function:") : arn;
}

/* What --hook says of a Lambda function: by ARN, else by name. */
static json_t *lambda_answer(const struct sim_deploy_ctx *ctx, const char *arn)
{
	json_t *a = arn ? json_object_get(ctx->hooks, arn) : NULL;
	char name[256];

	if (a || !arn)
		return a;
	snprintf(name, sizeof(name), "%s", function_name(arn));
	name[strcspn(name, ":")] = '\0'; /* a version or alias qualifier */
	return json_object_get(ctx->hooks, name);
}

static void hook_id(uint64_t *rng, const char *kind, char *out, size_t n)
{
	static const char abc[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	size_t at = (size_t)snprintf(out, n, "ecs-%s-", kind);

	for (; at + 1 < n && at < strlen(kind) + 5 + 43; at++)
		out[at] = abc[ecsctl_rand_next(rng) % (sizeof(abc) - 1)];
	out[at] = '\0';
}

static int stage_listed(const json_t *hook, const char *stage)
{
	json_t *v;
	size_t i;

	json_array_foreach(json_object_get(hook, "lifecycleStages"), i, v) {
		if (is(json_string_value(v), stage))
			return 1;
	}
	return 0;
}

/* Starts the hooks configured for `stage` (once per `key`). */
static void hooks_start(struct pass *ps, const char *stage, const char *key)
{
	json_t *details = json_object_get(ps->sd, "lifecycleHookDetails"), *h;
	double now = ps->ctx->now;
	size_t i;

	json_array_foreach(details, i, h) {
		if (is(sim_str(h, "_key"), key))
			return;
	}
	json_array_foreach(json_object_get(dconf(ps->sd), "lifecycleHooks"), i, h) {
		json_t *tc = json_object_get(h, "timeoutConfiguration"), *d, *answer;
		int pause = is(sim_str(h, "targetType"), "PAUSE");
		char id[64];

		if (!stage_listed(h, stage))
			continue;
		hook_id(ps->ctx->rng, pause ? "pause" : "lambda", id, sizeof(id));
		d = json_pack("{s:s,s:s,s:s,s:o,s:s,s:s,s:s}", "hookId", id, "targetType",
		              pause ? "PAUSE" : "AWS_LAMBDA", "status",
		              pause ? "AWAITING_ACTION" : "IN_PROGRESS", "expiresAt",
		              sim_time(now + MINUTE * (double)sim_int(tc, "timeoutInMinutes",
		                                                      HOOK_TIMEOUT_MIN)),
		              "timeoutAction",
		              sim_str(tc, "action") ? sim_str(tc, "action") : "ROLLBACK", "_key",
		              key, "_stage", stage);
		if (!d)
			continue;
		if (!pause) {
			json_object_set(d, "targetArn", json_object_get(h, "hookTargetArn"));
			answer = lambda_answer(ps->ctx, sim_str(h, "hookTargetArn"));
			json_object_set_new(d, "_answer",
			                    json_string(sim_str(answer, "status")
			                                    ? sim_str(answer, "status")
			                                    : "SUCCEEDED"));
			json_object_set_new(
			    d, "_until",
			    sim_time(now + json_number_value(json_object_get(answer, "seconds"))));
		}
		json_array_append_new(details, d);
	}
}

/* Moves one hook along the clock; its outcome. */
static enum outcome hook_advance(struct pass *ps, json_t *h)
{
	double now = ps->ctx->now;
	const char *st = sim_str(h, "status");

	if (is(st, "IN_PROGRESS") && now >= json_number_value(json_object_get(h, "_until")) &&
	    !is(sim_str(h, "_answer"), "IN_PROGRESS"))
		json_object_set(h, "status", json_object_get(h, "_answer"));
	st = sim_str(h, "status");
	if ((is(st, "IN_PROGRESS") || is(st, "AWAITING_ACTION")) &&
	    now >= json_number_value(json_object_get(h, "expiresAt")))
		json_object_set_new(h, "status", json_string("TIMED_OUT"));
	st = sim_str(h, "status");
	if (is(st, "SUCCEEDED") ||
	    (is(st, "TIMED_OUT") && is(sim_str(h, "timeoutAction"), "CONTINUE")))
		return DONE;
	if (is(st, "FAILED") || is(st, "TIMED_OUT")) {
		snprintf(ps->cause, sizeof(ps->cause),
		         "Service deployment rolled back: lifecycle hook %s (%s) at %s %s%s",
		         sim_str(h, "hookId"),
		         sim_str(h, "targetArn") ? function_name(sim_str(h, "targetArn")) : "PAUSE",
		         sim_str(h, "_stage"), is(st, "TIMED_OUT") ? "timed out" : "failed",
		         sim_str(h, "_by") ? sim_str(h, "_by") : "");
		return FAILED;
	}
	return WAIT;
}

/* The hooks of `stage` (started under `key`): DONE when all succeeded. */
static enum outcome hooks(struct pass *ps, const char *stage, const char *key)
{
	enum outcome all = DONE;
	json_t *h;
	size_t i;

	hooks_start(ps, stage, key);
	json_array_foreach(json_object_get(ps->sd, "lifecycleHookDetails"), i, h) {
		enum outcome o;
		if (!is(sim_str(h, "_key"), key))
			continue;
		o = hook_advance(ps, h);
		if (o == FAILED)
			return FAILED;
		if (o == WAIT)
			all = WAIT;
	}
	return all;
}

/* ---- traffic ---- */

static double pct(const json_t *obj, const char *key, double dflt)
{
	json_t *v = json_object_get(obj, key);

	return json_is_number(v) ? json_number_value(v) : dflt;
}

/* The green production weight after production step `step` (0-based), the
 * bake after it (minutes), and whether it is the last step. */
static double step_weight(const json_t *sd, int step, double *bake, int *last)
{
	const json_t *dc = dconf(sd);
	const char *strategy = sim_str(sd, "_strategy");
	double w = 100;

	*bake = 0;
	if (is(strategy, "CANARY") && step == 0) {
		json_t *cc = json_object_get(dc, "canaryConfiguration");
		w = pct(cc, "canaryPercent", 5.0);
		*bake = pct(cc, "canaryBakeTimeInMinutes", 10);
	} else if (is(strategy, "LINEAR")) {
		json_t *lc = json_object_get(dc, "linearConfiguration");
		w = pct(lc, "stepPercent", 10.0) * (step + 1);
		*bake = pct(lc, "stepBakeTimeInMinutes", 6);
	}
	w = round(w * 10) / 10;
	if (w >= 100) {
		w = 100;
		*bake = 0; /* "not applied after reaching 100 percent traffic" */
	}
	*last = w >= 100;
	return w;
}

/* PRODUCTION_TRAFFIC_SHIFT: per step, PRE_PRODUCTION_TRAFFIC_SHIFT hooks
 * (phase 0), the shift and PRODUCTION_TRAFFIC_SHIFT hooks (1), the step's
 * bake (2). */
static enum outcome production(struct pass *ps)
{
	json_t *sd = ps->sd;
	int step = (int)sim_int(sd, "_step", 0), last;
	long long ph = sim_int(sd, "_ph", 0);
	double bake, w = step_weight(sd, step, &bake, &last);
	char key[64];
	enum outcome o;

	if (ph == 0) {
		snprintf(key, sizeof(key), "PRE_PRODUCTION_TRAFFIC_SHIFT#%d", step);
		if ((o = hooks(ps, "PRE_PRODUCTION_TRAFFIC_SHIFT", key)) != DONE)
			return o;
		json_object_set_new(sd, "_prod", json_real(w));
		json_object_set_new(sd, "updatedAt", sim_time(ps->ctx->now));
		json_object_set_new(sd, "_ph", json_integer(ph = 1));
	}
	if (ph == 1) {
		snprintf(key, sizeof(key), "PRODUCTION_TRAFFIC_SHIFT#%d", step);
		if ((o = hooks(ps, "PRODUCTION_TRAFFIC_SHIFT", key)) != DONE)
			return o;
		if (last)
			return DONE;
		json_object_set_new(sd, "_until", sim_time(ps->ctx->now + bake * MINUTE));
		json_object_set_new(sd, "_ph", json_integer(ph = 2));
	}
	if (ps->ctx->now < until(sd))
		return WAIT;
	json_object_del(sd, "_until");
	json_object_set_new(sd, "_step", json_integer(step + 1));
	json_object_set_new(sd, "_ph", json_integer(0));
	return production(ps);
}

/* ---- stages ---- */

static enum outcome stage_work(struct pass *ps, const char *stage)
{
	json_t *sd = ps->sd;
	int running, pending;

	if (is(stage, "SCALE_UP")) {
		target_counts(ps, &running, &pending);
		return running >= sim_int(ps->svc, "desiredCount", 0) && pending == 0 ? DONE : WAIT;
	}
	if (is(stage, "TEST_TRAFFIC_SHIFT")) {
		json_object_set_new(sd, "_test", json_real(100));
		return hooks(ps, stage, stage);
	}
	if (is(stage, "PRODUCTION_TRAFFIC_SHIFT"))
		return production(ps);
	if (is(stage, "BAKE_TIME")) {
		/* nothing to bake against without a source revision */
		if (json_array_size(json_object_get(sd, "_sources")) == 0)
			return DONE;
		if (!json_object_get(sd, "_until"))
			json_object_set_new(
			    sd, "_until",
			    sim_time(ps->ctx->now +
			             MINUTE * (double)sim_int(dconf(sd), "bakeTimeInMinutes", 0)));
		return ps->ctx->now >= until(sd) ? DONE : WAIT;
	}
	if (is(stage, "CLEAN_UP"))
		return WAIT; /* deploy.c completes it once the source is gone */
	return hooks(ps, stage, stage);
}

static const char *next_stage(const char *stage)
{
	for (size_t i = 0; family_stages[i]; i++) {
		if (is(family_stages[i], stage))
			return family_stages[i + 1];
	}
	return NULL;
}

/* Alarms the deployment watches that are in ALARM now: "a, b" in `out`. */
static int alarms_firing(struct pass *ps, struct ecsctl_buf *out)
{
	json_t *conf = json_object_get(dconf(ps->sd), "alarms"), *name;
	json_t *mon = json_object_get(ps->sd, "alarms"), *fired = json_array();
	size_t i;

	if (!sim_bool(conf, "enable", 0)) {
		json_decref(fired);
		return 0;
	}
	json_array_foreach(json_object_get(conf, "alarmNames"), i, name) {
		json_t *a = json_object_get(ps->ctx->alarms, json_string_value(name));
		if (is(sim_str(a, "state"), "ALARM") &&
		    json_number_value(json_object_get(a, "at")) <= ps->ctx->now) {
			json_array_append(fired, name);
			ecsctl_buf_addf(out, "%s%s", out->len ? ", " : "", json_string_value(name));
		}
	}
	if (json_array_size(fired)) {
		json_object_set_new(mon, "status", json_string("TRIGGERED"));
		json_object_set(mon, "triggeredAlarmNames", fired);
	}
	i = json_array_size(fired);
	json_decref(fired);
	return i > 0;
}

/* StopServiceDeployment and ContinueServiceDeployment leave requests. */
static int requested(struct pass *ps)
{
	const char *st = sim_str(ps->sd, "status");

	if (is(st, "ROLLBACK_REQUESTED")) {
		json_object_set_new(ps->sd, "status", json_string("IN_PROGRESS"));
		sim_sdep_fail(ps->svc, ps->sd, "Service deployment stopped with ROLLBACK",
		              "Service deployment rolled back by StopServiceDeployment.", 1,
		              ps->ctx);
		return 1;
	}
	if (is(st, "STOP_REQUESTED")) {
		json_object_set_new(ps->sd, "status", json_string("IN_PROGRESS"));
		sim_sdep_fail(ps->svc, ps->sd, "Service deployment stopped with ABORT",
		              "Service deployment stopped by StopServiceDeployment (ABORT).", 0,
		              ps->ctx);
		return 1;
	}
	return 0;
}

void sim_sdep_step(json_t *svc, json_t *tasks, struct sim_deploy_ctx *ctx)
{
	struct pass ps = {svc, tasks, sim_sdep_active(svc), ctx, ""};
	struct ecsctl_buf fired = ECSCTL_BUF_INIT;
	int passes = 0;

	if (!ps.sd)
		return;
	json_object_set_new(ps.sd, "_at", sim_time(ctx->now));
	if (requested(&ps) || !is(sim_str(ps.sd, "status"), "IN_PROGRESS"))
		return;
	if (alarms_firing(&ps, &fired)) {
		char cause[300], why[400];
		int rb = sim_bool(json_object_get(dconf(ps.sd), "alarms"), "rollback", 0);
		snprintf(cause, sizeof(cause), "CloudWatch alarm(s) %s in ALARM", fired.buf);
		snprintf(why, sizeof(why),
		         "Service deployment %s: CloudWatch alarm(s) %s in ALARM.",
		         rb ? "rolled back" : "stopped", fired.buf);
		ecsctl_buf_release(&fired);
		sim_service_event(svc, ctx->rng, ctx->now, "(service %s) %s",
		                  sim_str(svc, "serviceName"), why);
		sim_sdep_fail(svc, ps.sd, cause, why, rb, ctx);
		return;
	}
	ecsctl_buf_release(&fired);
	if (rolling(ps.sd)) {
		int running, pending;
		target_counts(&ps, &running, &pending);
		if (is(sim_str(ps.sd, "lifecycleStage"), "SCALE_UP") &&
		    running >= sim_int(svc, "desiredCount", 0) && pending == 0)
			set_stage(ps.sd, "CLEAN_UP", ctx->now);
		return;
	}
	while (passes++ < MAX_PASSES) {
		const char *stage = sim_str(ps.sd, "lifecycleStage");
		enum outcome o = stage_work(&ps, stage);
		if (o == FAILED) {
			char why[300];
			snprintf(why, sizeof(why), "%s.", ps.cause);
			sim_service_event(svc, ctx->rng, ctx->now, "(service %s) %s",
			                  sim_str(svc, "serviceName"), why);
			sim_sdep_fail(svc, ps.sd, ps.cause, why, 1, ctx);
			return;
		}
		if (o == WAIT || !next_stage(stage))
			return;
		set_stage(ps.sd, next_stage(stage), ctx->now);
	}
}

enum sim_sdep_mode sim_sdep_mode(json_t *svc)
{
	json_t *sd = sim_sdep_active(svc);

	if (!sd || rolling(sd))
		return SIM_SDEP_ROLLING;
	if (is(sim_str(sd, "lifecycleStage"), "CLEAN_UP") ||
	    is(sim_str(sd, "status"), "ROLLBACK_IN_PROGRESS"))
		return SIM_SDEP_DROP;
	return SIM_SDEP_HOLD;
}

int sim_sdep_may_complete(json_t *svc)
{
	return sim_sdep_mode(svc) != SIM_SDEP_HOLD;
}

double sim_sdep_next_change(json_t *svc, const struct sim_deploy_ctx *ctx)
{
	json_t *sd = sim_sdep_active(svc), *h, *name;
	json_t *conf = json_object_get(dconf(sd), "alarms");
	double t = INFINITY, at = json_number_value(json_object_get(sd, "_at"));
	size_t i;

	if (!sd)
		return INFINITY;
	/* a request is carried out at the instant it was made */
	if (is(sim_str(sd, "status"), "ROLLBACK_REQUESTED") ||
	    is(sim_str(sd, "status"), "STOP_REQUESTED"))
		return at;
	if (!is(sim_str(sd, "status"), "IN_PROGRESS"))
		return INFINITY;
	if (until(sd) < t)
		t = until(sd);
	json_array_foreach(json_object_get(sd, "lifecycleHookDetails"), i, h) {
		const char *st = sim_str(h, "status");
		if (!is(st, "IN_PROGRESS") && !is(st, "AWAITING_ACTION"))
			continue;
		if (json_number_value(json_object_get(h, "expiresAt")) < t)
			t = json_number_value(json_object_get(h, "expiresAt"));
		if (is(st, "IN_PROGRESS") && !is(sim_str(h, "_answer"), "IN_PROGRESS") &&
		    json_number_value(json_object_get(h, "_until")) < t)
			t = json_number_value(json_object_get(h, "_until"));
	}
	json_array_foreach(sim_bool(conf, "enable", 0) ? json_object_get(conf, "alarmNames") : NULL,
	                   i, name) {
		json_t *a = json_object_get(ctx->alarms, json_string_value(name));
		double when = json_number_value(json_object_get(a, "at"));
		if (is(sim_str(a, "state"), "ALARM") && when > at && when < t)
			t = when;
	}
	/* timers before the last pass fired in it */
	return t > at ? t : INFINITY;
}
