/* Single-call typed writes: the rollback's UpdateService, import's tagging, and
 * stopping or continuing a service deployment (promote, abort). */
#include <stdlib.h>
#include <string.h>

#include "ecs_int.h"
#include "banned.h"

#define TAGS_PER_CALL 50

/* Calls `op` and hands out a new reference to `member` of the answer. */
static int call_member(json_t **out, struct ecsctl_ecs *c, const char *op, json_t *request,
                       const char *member, struct ecsctl_error *err)
{
	json_t *resp = NULL;
	int rc = ecsctl_ecs_call(&resp, c, op, request, err);

	if (out)
		*out = !rc && member ? json_incref(json_object_get(resp, member)) : NULL;
	json_decref(resp);
	return rc;
}

int ecsctl_ecs_update_service(json_t **service, struct ecsctl_ecs *c, json_t *request,
                              struct ecsctl_error *err)
{
	return call_member(service, c, "UpdateService", request, "service", err);
}

int ecsctl_ecs_tag_resource(struct ecsctl_ecs *c, const char *arn, json_t *tags,
                            struct ecsctl_error *err)
{
	size_t i, n = json_array_size(tags);
	int rc = 0;

	for (i = 0; !rc && i < n; i += TAGS_PER_CALL) {
		json_t *chunk = json_array(), *req;
		size_t j;

		for (j = i; j < n && j < i + TAGS_PER_CALL; j++)
			json_array_append(chunk, json_array_get(tags, j));
		req = json_pack("{s:s,s:o}", "resourceArn", arn, "tags", chunk);
		rc = req ? call_member(NULL, c, "TagResource", req, NULL, err)
		         : ecsctl_error_set(err, ECSCTL_ENOMEM, "out of memory");
		json_decref(req);
	}
	return rc;
}

int ecsctl_ecs_stop_service_deployment(struct ecsctl_ecs *c, const char *arn, const char *stop_type,
                                       struct ecsctl_error *err)
{
	json_t *req = json_pack("{s:s,s:s}", "serviceDeploymentArn", arn, "stopType",
	                        stop_type ? stop_type : "ROLLBACK");
	int rc = req ? call_member(NULL, c, "StopServiceDeployment", req, NULL, err)
	             : ecsctl_error_nomem(err);

	json_decref(req);
	return rc;
}

int ecsctl_ecs_continue_service_deployment(struct ecsctl_ecs *c, const char *arn,
                                           const char *hook_id, const char *action,
                                           struct ecsctl_error *err)
{
	json_t *req = json_pack("{s:s,s:s,s:s}", "serviceDeploymentArn", arn, "hookId", hook_id,
	                        "action", action ? action : "CONTINUE");
	int rc = req ? call_member(NULL, c, "ContinueServiceDeployment", req, NULL, err)
	             : ecsctl_error_nomem(err);

	json_decref(req);
	return rc;
}
