/*
 * What a service's rollout will do, in one line, from the deployment
 * configuration ECS will use for it: the plan shows it under each service
 * create and update that starts a deployment, and says when the strategy
 * itself changes (a reviewer approves a canary, not "deploymentConfiguration
 * changed").
 */
#include <string.h>

#include "reconcile_int.h"
#include "banned.h"

static const char *str(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static bool flag(const json_t *o, const char *k)
{
	return json_is_true(json_object_get(o, k));
}

/* A percentage or a count of minutes as written: 10, 12.5; "?" when absent. */
static void number(struct ecsctl_buf *out, const json_t *o, const char *k)
{
	const json_t *v = json_object_get(o, k);

	if (json_is_number(v))
		ecsctl_buf_addf(out, "%g", json_number_value(v));
	else
		ecsctl_buf_addch(out, '?');
}

/* "canary 10% for 5m, then 100%": a percentage and minutes of `conf` in words. */
static void steps(struct ecsctl_buf *out, const char *head, const json_t *conf, const char *percent,
                  const char *between, const char *minutes, const char *tail)
{
	ecsctl_buf_adds(out, head);
	number(out, conf, percent);
	ecsctl_buf_adds(out, between);
	number(out, conf, minutes);
	ecsctl_buf_adds(out, tail);
}

const char *ecsctl_reconcile_rollout_strategy(const json_t *dc)
{
	const char *s = str(dc, "strategy");

	return s && *s ? s : "ROLLING";
}

/* "lambda NAME" for a function ARN (arn:...:function:NAME[:ALIAS]), else the
 * target type. */
static void hook_target(struct ecsctl_buf *out, const json_t *h)
{
	const char *type = str(h, "targetType"), *arn = str(h, "hookTargetArn");
	const char *fn = arn ? strstr(arn, ":function:") : NULL;

	if (type && !strcmp(type, "PAUSE")) {
		ecsctl_buf_adds(out, "PAUSE");
		return;
	}
	if (fn)
		ecsctl_buf_addf(out, "lambda %s", fn + strlen(":function:"));
	else if (arn)
		ecsctl_buf_addf(out, "lambda %s", arn);
	else
		ecsctl_buf_adds(out, type ? type : "hook");
}

static void hooks(struct ecsctl_buf *out, const json_t *list)
{
	const json_t *h, *st;
	size_t i, j;

	if (!json_array_size(list))
		return;
	ecsctl_buf_adds(out, ", hooks: ");
	json_array_foreach(list, i, h) {
		ecsctl_buf_adds(out, i ? ", " : "");
		hook_target(out, h);
		json_array_foreach(json_object_get(h, "lifecycleStages"), j, st) {
			ecsctl_buf_addf(out, "%s%s", j ? " and " : " at ",
			                json_string_value(st) ? json_string_value(st) : "?");
		}
	}
}

void ecsctl_reconcile_rollout_text(struct ecsctl_buf *out, const json_t *dc)
{
	const char *s = ecsctl_reconcile_rollout_strategy(dc);
	const json_t *cb = json_object_get(dc, "deploymentCircuitBreaker");
	const json_t *al = json_object_get(dc, "alarms"), *a;
	const json_t *bake = json_object_get(dc, "bakeTimeInMinutes");
	size_t i;

	if (!strcmp(s, "CANARY")) {
		steps(out, "canary ", json_object_get(dc, "canaryConfiguration"), "canaryPercent",
		      "% for ", "canaryBakeTimeInMinutes", "m, then 100%");
	} else if (!strcmp(s, "LINEAR")) {
		steps(out, "linear ", json_object_get(dc, "linearConfiguration"), "stepPercent",
		      "% every ", "stepBakeTimeInMinutes", "m");
	} else if (!strcmp(s, "BLUE_GREEN")) {
		ecsctl_buf_adds(out, "blue/green");
	} else {
		/* ECS's defaults for a replica service: 100% healthy, 200% at most */
		ecsctl_buf_addf(
		    out, "rolling %ld%%/%ld%%",
		    json_is_integer(json_object_get(dc, "minimumHealthyPercent"))
		        ? (long)json_integer_value(json_object_get(dc, "minimumHealthyPercent"))
		        : 100L,
		    json_is_integer(json_object_get(dc, "maximumPercent"))
		        ? (long)json_integer_value(json_object_get(dc, "maximumPercent"))
		        : 200L);
	}
	if (json_is_number(bake) && (json_number_value(bake) > 0 || strcmp(s, "ROLLING"))) {
		ecsctl_buf_adds(out, ", bake ");
		number(out, dc, "bakeTimeInMinutes");
		ecsctl_buf_adds(out, "m");
	}
	if (flag(cb, "enable"))
		ecsctl_buf_addf(out, ", circuit breaker (%s)",
		                flag(cb, "rollback") ? "rollback" : "no rollback");
	hooks(out, json_object_get(dc, "lifecycleHooks"));
	if (flag(al, "enable") && json_array_size(json_object_get(al, "alarmNames"))) {
		ecsctl_buf_adds(out, "; alarms: ");
		json_array_foreach(json_object_get(al, "alarmNames"), i, a) {
			ecsctl_buf_addf(out, "%s%s", i ? ", " : "",
			                json_string_value(a) ? json_string_value(a) : "?");
		}
		ecsctl_buf_addf(out, " (%s)", flag(al, "rollback") ? "rollback" : "no rollback");
	}
}

/* Members of UpdateService that change the service without deploying it. */
static bool deploys(const json_t *update)
{
	static const char *const quiet[] = {"cluster", "service", "desiredCount",
	                                    "deploymentConfiguration"};
	const char *k;
	json_t *v;
	size_t i;

	json_object_foreach((json_t *)update, k, v) {
		bool q = false;
		for (i = 0; i < sizeof(quiet) / sizeof(*quiet); i++)
			q = q || !strcmp(k, quiet[i]);
		if (!q && !(json_is_false(v) && !strcmp(k, "forceNewDeployment")))
			return true;
	}
	return false;
}

int reconcile_rollout_plan(struct ecsctl_plan_op *op, const json_t *desired, const json_t *live,
                           const json_t *update, struct ecsctl_error *err)
{
	const json_t *was = json_object_get(live, "deploymentConfiguration");
	const json_t *dc = json_object_get(desired, "deploymentConfiguration");
	struct ecsctl_buf text = ECSCTL_BUF_INIT;
	const char *from = live ? ecsctl_reconcile_rollout_strategy(was) : NULL;
	const char *to;
	bool starts = !live || op->action == ECSCTL_DIFF_REPLACE || deploys(update);
	int rc = 0;

	/* a service file without deploymentConfiguration leaves ECS's as it is */
	if (!dc)
		dc = was;
	to = ecsctl_reconcile_rollout_strategy(dc);
	if (!starts && (!from || !strcmp(from, to)))
		return 0;
	ecsctl_reconcile_rollout_text(&text, dc);
	if (ecsctl_buf_failed(&text) ||
	    !(op->rollout = json_pack("{s:s,s:s,s:b}", "strategy", to, "description", text.buf,
	                              "startsDeployment", starts)) ||
	    (from && strcmp(from, to) &&
	     json_object_set_new(op->rollout, "previousStrategy", json_string(from))))
		rc = reconcile_oom(err);
	ecsctl_buf_release(&text);
	return rc;
}

void reconcile_rollout_render(struct ecsctl_buf *out, const struct ecsctl_plan_op *op)
{
	const char *from = str(op->rollout, "previousStrategy");
	const char *text = str(op->rollout, "description");

	if (!op->rollout)
		return;
	if (from)
		ecsctl_buf_addf(out, "      # strategy: %s -> %s%s\n", from,
		                str(op->rollout, "strategy"),
		                flag(op->rollout, "startsDeployment")
		                    ? ""
		                    : " (takes effect with the next rollout)");
	if (flag(op->rollout, "startsDeployment") && text)
		ecsctl_buf_addf(out, "      # rollout: %s\n", text);
}
