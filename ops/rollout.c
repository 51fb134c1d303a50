/*
 * A service deployment in progress, for the commands that act on it:
 * promote (continue a PAUSE hook), abort (stop it) and status (show it).
 */
#include <string.h>

#include "ecsctl/ops.h"
#include "ecsctl/reconcile.h"
#include "banned.h"

static const char *str(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

int ecsctl_ops_rollout_current(json_t **sd, struct ecsctl_ecs *ecs, const char *cluster,
                               const char *service, struct ecsctl_error *err)
{
	static const char *const in_progress[] = {"PENDING",
	                                          "IN_PROGRESS",
	                                          "STOP_REQUESTED",
	                                          "ROLLBACK_REQUESTED",
	                                          "ROLLBACK_IN_PROGRESS",
	                                          NULL};
	json_t *briefs = NULL, *found = NULL, *fails = NULL, *b;
	struct ecsctl_error e = ECSCTL_ERROR_INIT;
	const char *arn = NULL;
	double best = 0;
	size_t i;
	int rc = 0;

	*sd = NULL;
	rc = ecsctl_ecs_list_service_deployments(&briefs, ecs, cluster, service, 0, in_progress,
	                                         &e);
	if (rc == ECSCTL_EAWS) {
		/* no service deployments here: nothing in progress to act on */
		ecsctl_error_release(&e);
		return 0;
	}
	if (rc) {
		ecsctl_error_move(err, &e);
		return rc;
	}
	json_array_foreach(briefs, i, b) {
		double at = json_number_value(json_object_get(b, "createdAt"));
		if (str(b, "serviceDeploymentArn") && (!arn || at > best)) {
			arn = str(b, "serviceDeploymentArn");
			best = at;
		}
	}
	if (arn &&
	    !(rc = ecsctl_ecs_describe_service_deployments(&found, &fails, ecs, &arn, 1, err)))
		*sd = json_incref(json_array_get(found, 0));
	json_decref(found);
	json_decref(fails);
	json_decref(briefs);
	return rc;
}

int ecsctl_ops_promote(json_t **hook, struct ecsctl_ecs *ecs, const json_t *sd,
                       struct ecsctl_error *err)
{
	const char *arn = str(sd, "serviceDeploymentArn");
	struct ecsctl_buf where = ECSCTL_BUF_INIT;
	const json_t *h, *waiting = NULL;
	size_t i;
	int rc;

	*hook = NULL;
	json_array_foreach(json_object_get(sd, "lifecycleHookDetails"), i, h) {
		const char *st = str(h, "status");
		if (st && !strcmp(st, "AWAITING_ACTION") && str(h, "hookId"))
			waiting = h;
	}
	if (!waiting || !arn) {
		ecsctl_reconcile_sd_text(&where, sd);
		rc = ecsctl_error_set(err, ECSCTL_EINVAL,
		                      "no hook awaits action: the deployment is %s",
		                      ecsctl_buf_failed(&where) ? "?" : where.buf);
		ecsctl_buf_release(&where);
		return rc;
	}
	if ((rc = ecsctl_ecs_continue_service_deployment(ecs, arn, str(waiting, "hookId"),
	                                                 "CONTINUE", err)))
		return rc;
	*hook = json_pack("{s:s,s:s?,s:s?}", "hookId", str(waiting, "hookId"), "targetType",
	                  str(waiting, "targetType"), "stage", str(sd, "lifecycleStage"));
	return *hook ? 0 : ecsctl_error_nomem(err);
}

int ecsctl_ops_abort(struct ecsctl_ecs *ecs, const json_t *sd, bool rollback,
                     struct ecsctl_error *err)
{
	const char *arn = str(sd, "serviceDeploymentArn");

	if (!arn)
		return ecsctl_error_set(err, ECSCTL_EINVAL, "the service deployment has no ARN");
	return ecsctl_ecs_stop_service_deployment(ecs, arn, rollback ? "ROLLBACK" : "ABORT", err);
}
