/*
 * ECS's rules for deploymentConfiguration.strategy and what goes with it
 * (bake times, linear and canary configurations, lifecycle hooks, load
 * balancers' advancedConfiguration), checked on the service as it will be.
 * Ranges are the API reference's: bake times 0..1440 minutes, linear steps
 * 3.0..100.0 percent and canary 0.1..100.0 percent, in multiples of 0.1.
 */
#include <math.h>
#include <string.h>

#include "sim_int.h"
#include "banned.h"

#define BAKE_MAX 1440

static int is(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

static int bad(struct ecsctl_error *err, const char *msg)
{
	return sim_fail(err, "InvalidParameterException", "%s", msg);
}

/* `v` (absent is fine) is a multiple of 0.1 within lo..hi. */
static int percent_ok(const json_t *v, double lo, double hi)
{
	double x;

	if (!v)
		return 1;
	x = json_number_value(v);
	return x >= lo - 1e-9 && x <= hi + 1e-9 && fabs(x * 10 - round(x * 10)) < 1e-6;
}

static int minutes_ok(const json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	return !v || (json_integer_value(v) >= 0 && json_integer_value(v) <= BAKE_MAX);
}

/* The stages a hook may name: all eight for Lambda; pause hooks not where
 * a rollback passes too (TEST_ and PRODUCTION_TRAFFIC_SHIFT). */
static int check_hook(const json_t *h, struct ecsctl_error *err)
{
	const char *type = sim_str(h, "targetType") ? sim_str(h, "targetType") : "AWS_LAMBDA";
	int pause = is(type, "PAUSE");
	json_t *stages = json_object_get(h, "lifecycleStages"), *v;
	size_t i;

	if (!pause && !sim_str(h, "hookTargetArn"))
		return bad(err, "Invalid lifecycleHooks: an AWS_LAMBDA hook needs hookTargetArn.");
	if (!pause && !sim_str(h, "roleArn"))
		return bad(err, "Invalid lifecycleHooks: an AWS_LAMBDA hook needs roleArn.");
	if (pause && sim_str(h, "hookTargetArn"))
		return bad(err, "Invalid lifecycleHooks: a PAUSE hook takes no hookTargetArn.");
	if (json_array_size(stages) == 0)
		return bad(err, "Invalid lifecycleHooks: lifecycleStages cannot be empty.");
	json_array_foreach(stages, i, v) {
		const char *st = json_string_value(v);
		if (pause && (is(st, "TEST_TRAFFIC_SHIFT") || is(st, "PRODUCTION_TRAFFIC_SHIFT")))
			return sim_fail(err, "InvalidParameterException",
			                "Invalid lifecycleHooks: a PAUSE hook cannot run at %s "
			                "(a rollback passes that stage too).",
			                st);
	}
	return 0;
}

static int check_load_balancers(const json_t *lbs, int family, struct ecsctl_error *err)
{
	json_t *lb;
	size_t i;

	json_array_foreach(lbs, i, lb) {
		json_t *ac = json_object_get(lb, "advancedConfiguration");
		if (!family && ac)
			return bad(err, "advancedConfiguration is only supported with the "
			                "BLUE_GREEN, LINEAR and CANARY deployment strategies.");
		if (!family)
			continue;
		if (!sim_str(lb, "targetGroupArn"))
			return bad(err, "The BLUE_GREEN, LINEAR and CANARY deployment strategies "
			                "need a load balancer target group (targetGroupArn).");
		if (!ac)
			return bad(err, "advancedConfiguration is required for each load balancer "
			                "when the deployment strategy is BLUE_GREEN, LINEAR or "
			                "CANARY.");
		if (!sim_str(ac, "alternateTargetGroupArn") ||
		    !sim_str(ac, "productionListenerRule") || !sim_str(ac, "roleArn"))
			return bad(err, "advancedConfiguration needs alternateTargetGroupArn, "
			                "productionListenerRule and roleArn.");
		if (is(sim_str(ac, "alternateTargetGroupArn"), sim_str(lb, "targetGroupArn")))
			return bad(err, "advancedConfiguration.alternateTargetGroupArn must differ "
			                "from targetGroupArn.");
	}
	return 0;
}

int sim_strategy_check(const json_t *svc, struct ecsctl_error *err)
{
	json_t *dc = json_object_get(svc, "deploymentConfiguration"), *h;
	json_t *lc = json_object_get(dc, "linearConfiguration");
	json_t *cc = json_object_get(dc, "canaryConfiguration");
	const char *strategy = sim_str(dc, "strategy") ? sim_str(dc, "strategy") : "ROLLING";
	int family = !is(strategy, "ROLLING"), rc;
	size_t i;

	if (family && is(sim_str(svc, "schedulingStrategy"), "DAEMON"))
		return sim_fail(err, "InvalidParameterException",
		                "The %s deployment strategy is not supported for DAEMON services.",
		                strategy);
	if (!minutes_ok(dc, "bakeTimeInMinutes"))
		return bad(err, "bakeTimeInMinutes must be between 0 and 1440.");
	if (lc && !is(strategy, "LINEAR"))
		return bad(err, "linearConfiguration is only valid with the LINEAR deployment "
		                "strategy.");
	if (cc && !is(strategy, "CANARY"))
		return bad(err, "canaryConfiguration is only valid with the CANARY deployment "
		                "strategy.");
	if (!percent_ok(json_object_get(lc, "stepPercent"), 3.0, 100.0))
		return bad(err,
		           "linearConfiguration.stepPercent must be a multiple of 0.1 from 3.0 "
		           "to 100.0.");
	if (!minutes_ok(lc, "stepBakeTimeInMinutes"))
		return bad(err, "linearConfiguration.stepBakeTimeInMinutes must be between 0 and "
		                "1440.");
	if (!percent_ok(json_object_get(cc, "canaryPercent"), 0.1, 100.0))
		return bad(err, "canaryConfiguration.canaryPercent must be a multiple of 0.1 from "
		                "0.1 to 100.0.");
	if (!minutes_ok(cc, "canaryBakeTimeInMinutes"))
		return bad(err, "canaryConfiguration.canaryBakeTimeInMinutes must be between 0 and "
		                "1440.");
	if (!family && json_array_size(json_object_get(dc, "lifecycleHooks")))
		return bad(err, "lifecycleHooks are only supported with the BLUE_GREEN, LINEAR and "
		                "CANARY deployment strategies.");
	json_array_foreach(json_object_get(dc, "lifecycleHooks"), i, h) {
		if ((rc = check_hook(h, err)))
			return rc;
	}
	return check_load_balancers(json_object_get(svc, "loadBalancers"), family, err);
}
