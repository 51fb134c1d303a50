/*
 * What a rollout will do (reconcile/rollout.c): the one-line description
 * per strategy, and when a service op carries it (a deploy, a strategy
 * change) or not (a scale).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ecsctl/reconcile.h"
#include "reconcile_int.h"
#include "reconcile_tests.h"
#include "banned.h"

static void assert_text(const char *dc_json, const char *want)
{
	json_t *dc = dc_json ? json_loads(dc_json, 0, NULL) : NULL;
	struct ecsctl_buf b = ECSCTL_BUF_INIT;

	assert_true(!dc_json || dc);
	ecsctl_reconcile_rollout_text(&b, dc);
	assert_string_equal(b.buf, want);
	ecsctl_buf_release(&b);
	json_decref(dc);
}

static void test_rollout__text_per_strategy(void **state)
{
	(void)state;
	assert_text("{\"strategy\": \"CANARY\", \"bakeTimeInMinutes\": 15,"
	            " \"canaryConfiguration\": {\"canaryPercent\": 10.0,"
	            " \"canaryBakeTimeInMinutes\": 5},"
	            " \"alarms\": {\"alarmNames\": [\"api-5xx\"], \"enable\": true,"
	            " \"rollback\": true}}",
	            "canary 10% for 5m, then 100%, bake 15m; alarms: api-5xx (rollback)");
	assert_text(
	    "{\"strategy\": \"LINEAR\", \"bakeTimeInMinutes\": 10,"
	    " \"linearConfiguration\": {\"stepPercent\": 25, \"stepBakeTimeInMinutes\": 2}}",
	    "linear 25% every 2m, bake 10m");
	assert_text(
	    "{\"strategy\": \"BLUE_GREEN\", \"bakeTimeInMinutes\": 15,"
	    " \"lifecycleHooks\": [{\"targetType\": \"PAUSE\","
	    " \"lifecycleStages\": [\"POST_TEST_TRAFFIC_SHIFT\"]},"
	    " {\"targetType\": \"AWS_LAMBDA\", \"hookTargetArn\":"
	    " \"arn:aws:lambda:us-east-1:123456789012:function:smoke\","
	    " \"lifecycleStages\": [\"PRE_SCALE_UP\", \"POST_SCALE_UP\"]}]}",
	    "blue/green, bake 15m, hooks: PAUSE at POST_TEST_TRAFFIC_SHIFT, lambda smoke at "
	    "PRE_SCALE_UP and POST_SCALE_UP");
	assert_text("{\"maximumPercent\": 200, \"minimumHealthyPercent\": 100,"
	            " \"deploymentCircuitBreaker\": {\"enable\": true, \"rollback\": true}}",
	            "rolling 100%/200%, circuit breaker (rollback)");
	/* alarms that only alert, a fractional step, no configuration at all */
	assert_text("{\"strategy\": \"LINEAR\", \"linearConfiguration\": {\"stepPercent\": 12.5,"
	            " \"stepBakeTimeInMinutes\": 1}, \"alarms\": {\"alarmNames\": [\"a\", \"b\"],"
	            " \"enable\": true}}",
	            "linear 12.5% every 1m; alarms: a, b (no rollback)");
	assert_text(NULL, "rolling 100%/200%");
	assert_string_equal(ecsctl_reconcile_rollout_strategy(NULL), "ROLLING");
}

static json_t *J(const char *s)
{
	json_t *v = json_loads(s, 0, NULL);

	assert_non_null(v);
	return v;
}

static void test_rollout__which_ops_carry_it(void **state)
{
	struct ecsctl_plan_op op;
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	struct ecsctl_buf b = ECSCTL_BUF_INIT;
	json_t *desired = J("{\"serviceName\": \"web\", \"deploymentConfiguration\":"
	                    " {\"strategy\": \"CANARY\", \"canaryConfiguration\":"
	                    " {\"canaryPercent\": 10, \"canaryBakeTimeInMinutes\": 5}}}");
	json_t *live = J("{\"serviceName\": \"web\", \"deploymentConfiguration\":"
	                 " {\"maximumPercent\": 200, \"minimumHealthyPercent\": 100}}");
	json_t *deploy = J("{\"service\": \"web\", \"taskDefinition\": \"web:4\"}");
	json_t *scale = J("{\"service\": \"web\", \"desiredCount\": 3}");

	(void)state;
	/* a create deploys under its own configuration */
	memset(&op, 0, sizeof(op));
	op.action = ECSCTL_DIFF_CREATE;
	assert_int_equal(reconcile_rollout_plan(&op, desired, NULL, NULL, &err), 0);
	reconcile_rollout_render(&b, &op);
	assert_string_equal(b.buf, "      # rollout: canary 10% for 5m, then 100%\n");
	json_decref(op.rollout);
	/* an update that deploys and changes the strategy says both */
	ecsctl_buf_reset(&b);
	memset(&op, 0, sizeof(op));
	op.action = ECSCTL_DIFF_UPDATE;
	assert_int_equal(reconcile_rollout_plan(&op, desired, live, deploy, &err), 0);
	reconcile_rollout_render(&b, &op);
	assert_string_equal(b.buf, "      # strategy: ROLLING -> CANARY\n"
	                           "      # rollout: canary 10% for 5m, then 100%\n");
	assert_string_equal(json_string_value(json_object_get(op.rollout, "previousStrategy")),
	                    "ROLLING");
	json_decref(op.rollout);
	/* a strategy change alone deploys nothing until the next rollout */
	ecsctl_buf_reset(&b);
	memset(&op, 0, sizeof(op));
	op.action = ECSCTL_DIFF_UPDATE;
	assert_int_equal(reconcile_rollout_plan(&op, desired, live, scale, &err), 0);
	reconcile_rollout_render(&b, &op);
	assert_string_equal(
	    b.buf, "      # strategy: ROLLING -> CANARY (takes effect with the next rollout)\n");
	json_decref(op.rollout);
	/* a scale under an unchanged strategy: nothing to say */
	memset(&op, 0, sizeof(op));
	op.action = ECSCTL_DIFF_UPDATE;
	json_object_del(desired, "deploymentConfiguration");
	assert_int_equal(reconcile_rollout_plan(&op, desired, live, scale, &err), 0);
	assert_null(op.rollout);
	ecsctl_buf_release(&b);
	json_decref(desired);
	json_decref(live);
	json_decref(deploy);
	json_decref(scale);
}

int reconcile_rollout_tests(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rollout__text_per_strategy),
	    cmocka_unit_test(test_rollout__which_ops_carry_it),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
