/*
 * Standalone tasks on container instances: StartTask (the instances named
 * by the caller) and RunTask's EC2 tasks in a cluster with instances (placed
 * by placement.c). A task that does not fit is not started; the answer's
 * `failures` say why, with the closest instance's ARN, as ECS does
 * ("RESOURCE:MEMORY", "MemberOf placement constraint unsatisfied.", ...).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_ec2.h"
#include "banned.h"

static void failure(json_t *failures, const char *arn, const char *reason)
{
	json_t *f;
	size_t i;

	json_array_foreach(failures, i, f) {
		if (strcmp(sim_str(f, "arn"), arn) == 0 &&
		    strcmp(sim_str(f, "reason"), reason) == 0)
			return;
	}
	json_array_append_new(failures, json_pack("{s:s,s:s}", "arn", arn, "reason", reason));
}

/* Creates, places and keeps one standalone task; 1 when it did not fit. */
static int start_one(struct sim_store *s, json_t *cluster, json_t *td, json_t *req, json_t *only,
                     json_t *list, json_t *failures, struct ecsctl_error *err)
{
	struct sim_deploy_ctx ctx = sim_store_ctx(s, cluster);
	struct sim_place_miss miss;
	struct sim_place_req r = {cluster,
	                          NULL,
	                          td,
	                          json_object_get(req, "placementConstraints"),
	                          json_object_get(req, "placementStrategy"),
	                          0,
	                          only,
	                          NULL,
	                          ctx.now,
	                          &s->rng};
	char group[320];
	const char *id;
	int rc;

	if (sim_str(req, "group"))
		snprintf(group, sizeof(group), "%s", sim_str(req, "group"));
	else
		snprintf(group, sizeof(group), "family:%s", sim_str(td, "family"));
	r.task = sim_task_new(td, sim_str(req, "startedBy"), group, "EC2", &ctx);
	if (!r.task)
		return ecsctl_error_nomem(err);
	if ((rc = sim_tags_apply(r.task, json_object_get(req, "tags"), err)) ||
	    (rc = sim_task_override(r.task, json_object_get(req, "overrides"), err)) ||
	    (rc = sim_place(&r, &miss, err)) < 0) {
		json_decref(r.task);
		return rc;
	}
	if (rc == 1) {
		json_t *inst = sim_instance_find(cluster, miss.instance);
		if (inst)
			failure(failures, sim_str(inst, "containerInstanceArn"), miss.reason);
		json_decref(r.task);
		return 1;
	}
	id = sim_arn_tail(sim_str(r.task, "taskArn"));
	json_object_set(json_object_get(cluster, "_standalone"), id, r.task);
	json_object_set_new(json_object_get(cluster, "_index"), id, json_string(""));
	json_array_append_new(list, sim_task_render(r.task, 0));
	json_decref(r.task);
	return 0;
}

static int any_active(json_t *cluster)
{
	const char *k;
	json_t *inst;

	json_object_foreach(json_object_get(cluster, "_instances"), k, inst) {
		if (strcmp(sim_str(inst, "status"), "ACTIVE") == 0)
			return 1;
	}
	return 0;
}

int sim_run_task_placed(struct sim_store *s, json_t *cluster, json_t *td, json_t *req,
                        json_t **resp, struct ecsctl_error *err)
{
	long long count = sim_int(req, "count", 1), i;
	json_t *list, *failures;
	int rc = 0;

	if (!any_active(cluster))
		return sim_fail(err, "InvalidParameterException",
		                "No Container Instances were found in your cluster.");
	if ((rc = sim_place_check_constraints(json_object_get(req, "placementConstraints"), err)))
		return rc;
	list = json_array();
	failures = json_array();
	for (i = 0; i < count && rc >= 0; i++)
		rc = start_one(s, cluster, td, req, NULL, list, failures, err);
	if (rc < 0) {
		json_decref(list);
		json_decref(failures);
		return rc;
	}
	*resp = json_pack("{s:o,s:o}", "tasks", list, "failures", failures);
	return 0;
}

int sim_op_start_task(struct sim_store *s, json_t *req, json_t **resp, struct ecsctl_error *err)
{
	json_t *cluster = sim_cluster_get(s, sim_str(req, "cluster"), err), *td, *refs, *r;
	json_t *list, *failures;
	size_t i;
	int rc = 0;

	if (!cluster)
		return ECSCTL_EAWS;
	refs = json_object_get(req, "containerInstances");
	if (json_array_size(refs) == 0 || json_array_size(refs) > 10)
		return sim_fail(err, "InvalidParameterException",
		                "containerInstances must have 1 to 10 items.");
	td = sim_taskdef_find(s, sim_str(req, "taskDefinition"), 1);
	if (!td || strcmp(sim_str(td, "status"), "ACTIVE") != 0)
		return sim_fail(err, "ClientException", "TaskDefinition not found.");
	if (strcmp(sim_str(td, "networkMode"), "awsvpc") == 0 &&
	    !json_object_get(json_object_get(req, "networkConfiguration"), "awsvpcConfiguration"))
		return sim_fail(err, "InvalidParameterException",
		                "Network Configuration must be provided when networkMode 'awsvpc' "
		                "is specified.");
	list = json_array();
	failures = json_array();
	json_array_foreach(refs, i, r) {
		const char *ref = json_string_value(r);
		json_t *inst = sim_instance_find(cluster, ref);
		if (!inst || strcmp(sim_str(inst, "status"), "ACTIVE") != 0) {
			char *arn = sim_ref_arn(s, "container-instance", cluster, ref);
			failure(failures, arn, inst ? "INACTIVE" : "MISSING");
			free(arn);
			continue;
		}
		if ((rc = start_one(s, cluster, td, req, inst, list, failures, err)) < 0)
			break;
	}
	if (rc < 0) {
		json_decref(list);
		json_decref(failures);
		return rc;
	}
	*resp = json_pack("{s:o,s:o}", "tasks", list, "failures", failures);
	return 0;
}
