/* Single-call typed helpers for the writes the reconciler makes. */
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

int ecsctl_ecs_delete_service(json_t **service, struct ecsctl_ecs *c, json_t *request,
                              struct ecsctl_error *err)
{
	return call_member(service, c, "DeleteService", request, "service", err);
}

int ecsctl_ecs_deregister_task_definition(json_t **td, struct ecsctl_ecs *c,
                                          const char *task_definition, struct ecsctl_error *err)
{
	json_t *req = json_pack("{s:s}", "taskDefinition", task_definition);
	int rc = req ? call_member(td, c, "DeregisterTaskDefinition", req, "taskDefinition", err)
	             : ecsctl_error_nomem(err);

	json_decref(req);
	return rc;
}

int ecsctl_ecs_create_cluster(json_t **cluster, struct ecsctl_ecs *c, json_t *request,
                              struct ecsctl_error *err)
{
	return call_member(cluster, c, "CreateCluster", request, "cluster", err);
}

int ecsctl_ecs_update_cluster(json_t **cluster, struct ecsctl_ecs *c, json_t *request,
                              struct ecsctl_error *err)
{
	return call_member(cluster, c, "UpdateCluster", request, "cluster", err);
}

int ecsctl_ecs_delete_cluster(json_t **cluster, struct ecsctl_ecs *c, const char *cluster_name,
                              struct ecsctl_error *err)
{
	json_t *req = json_pack("{s:s}", "cluster", cluster_name);
	int rc = req ? call_member(cluster, c, "DeleteCluster", req, "cluster", err)
	             : ecsctl_error_nomem(err);

	json_decref(req);
	return rc;
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
		         : ecsctl_error_nomem(err);
		json_decref(req);
	}
	return rc;
}

int ecsctl_ecs_untag_resource(struct ecsctl_ecs *c, const char *arn, json_t *keys,
                              struct ecsctl_error *err)
{
	json_t *req = json_pack("{s:s,s:O}", "resourceArn", arn, "tagKeys", keys);
	int rc = req ? call_member(NULL, c, "UntagResource", req, NULL, err)
	             : ecsctl_error_nomem(err);

	json_decref(req);
	return rc;
}

int ecsctl_ecs_list_tags(json_t **tags, struct ecsctl_ecs *c, const char *arn,
                         struct ecsctl_error *err)
{
	json_t *req = json_pack("{s:s}", "resourceArn", arn);
	int rc = req ? call_member(tags, c, "ListTagsForResource", req, "tags", err)
	             : ecsctl_error_nomem(err);

	json_decref(req);
	return rc;
}
