/* Tasks: ListTasks, DescribeTasks, RunTask, StopTask. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecsctl/arn.h"
#include "sim_ec2.h"
#include "banned.h"

json_t *sim_task_render(const json_t *task, int with_tags)
{
	json_t *out = sim_public(task), *containers = json_array(), *c;
	size_t i;

	json_array_foreach(json_object_get(task, "containers"), i, c) {
		json_array_append_new(containers, sim_public(c));
	}
	json_object_set_new(out, "containers", containers);
	if (out && with_tags)
		json_object_set_new(out, "tags", sim_tags_list(task));
	return out;
}

/* Finds a task by id or ARN, after bringing it up to date. */
static json_t *find_task(struct sim_store *s, json_t *cluster, const char *ref, json_t **svc_out)
{
	const char *id = sim_arn_tail(ref);
	json_t *index = json_object_get(cluster, "_index");
	const char *owner = sim_str(index, id);
	json_t *task;

	*svc_out = NULL;
	if (!owner)
		return NULL;
	if (!*owner) {
		task = json_object_get(json_object_get(cluster, "_standalone"), id);
		while (task && sim_task_advance(task, sim_store_now(s)))
			;
		return task;
	}
	*svc_out = sim_service_find(cluster, owner);
	if (!*svc_out)
		return NULL;
	sim_store_advance(s, cluster, *svc_out);
	return json_object_get(json_object_get(*svc_out, "_tasks"), id);
}

int sim_op_describe_tasks(struct sim_store *s, json_t *req, json_t **resp, struct ecsctl_error *err)
{
	json_t *cluster = sim_cluster_get(s, sim_str(req, "cluster"), err);
	json_t *refs = json_object_get(req, "tasks"), *r, *found, *failures, *inc;
	int tags = 0;
	size_t i;

	if (!cluster)
		return ECSCTL_EAWS;
	if (json_array_size(refs) == 0)
		return sim_fail(err, "InvalidParameterException", "Tasks cannot be empty.");
	if (json_array_size(refs) > 100)
		return sim_fail(err, "InvalidParameterException",
		                "tasks can have at most 100 items.");
	json_array_foreach(json_object_get(req, "include"), i, inc) {
		tags |= strcmp(json_string_value(inc), "TAGS") == 0;
	}
	found = json_array();
	failures = json_array();
	json_array_foreach(refs, i, r) {
		json_t *svc, *task = find_task(s, cluster, json_string_value(r), &svc);
		if (task) {
			json_array_append_new(found, sim_task_render(task, tags));
		} else {
			sim_missing(s, failures, "task", cluster, json_string_value(r));
		}
	}
	*resp = json_pack("{s:o,s:o}", "tasks", found, "failures", failures);
	return 0;
}

struct list_ctx {
	struct sim_store *s;
	json_t *cluster;
	json_t *svc; /* NULL: every task of the cluster */
	const json_t *req;
};

static int list_item(const char *id, json_t *v, void *arg, json_t **out)
{
	struct list_ctx *lc = arg;
	const char *want = sim_str(lc->req, "desiredStatus");
	const char *family = sim_str(lc->req, "family");
	const char *by = sim_str(lc->req, "startedBy");
	const char *lt = sim_str(lc->req, "launchType");
	const char *ci = sim_str(lc->req, "containerInstance");
	json_t *task = v;

	if (!lc->svc) {
		/* v is the owner's name from the index */
		const char *owner = json_string_value(v);
		json_t *svc = owner && *owner ? sim_service_find(lc->cluster, owner) : NULL;
		task = json_object_get(owner && *owner
		                           ? json_object_get(svc, "_tasks")
		                           : json_object_get(lc->cluster, "_standalone"),
		                       id);
	}
	if (!task)
		return 0;
	if (strcmp(sim_str(task, "desiredStatus"), want ? want : "RUNNING") != 0)
		return 0;
	if (by && (!sim_str(task, "startedBy") || strcmp(by, sim_str(task, "startedBy"))))
		return 0;
	if (lt && strcmp(lt, sim_str(task, "launchType")))
		return 0;
	if (ci && (!sim_str(task, "containerInstanceArn") ||
	           strcmp(sim_arn_tail(ci), sim_arn_tail(sim_str(task, "containerInstanceArn")))))
		return 0;
	if (family) {
		const char *arn = sim_str(task, "taskDefinitionArn");
		const char *f = ecsctl_arn_resource(arn, "task-definition");
		size_t n = strlen(family);
		if (!f || strncmp(f, family, n) != 0 || f[n] != ':')
			return 0;
	}
	*out = json_incref(json_object_get(task, "taskArn"));
	return 1;
}

int sim_op_list_tasks(struct sim_store *s, json_t *req, json_t **resp, struct ecsctl_error *err)
{
	json_t *cluster = sim_cluster_get(s, sim_str(req, "cluster"), err), *out;
	struct list_ctx lc = {s, cluster, NULL, req};
	int rc;

	if (!cluster)
		return ECSCTL_EAWS;
	if (sim_str(req, "serviceName")) {
		lc.svc = sim_service_find(cluster, sim_str(req, "serviceName"));
		if (!lc.svc)
			return sim_fail(err, "ServiceNotFoundException", "Service not found.");
		sim_store_advance(s, cluster, lc.svc);
	}
	out = json_object();
	rc = sim_page(out, "taskArns",
	              lc.svc ? json_object_get(lc.svc, "_tasks")
	                     : json_object_get(cluster, "_index"),
	              req, 100, list_item, &lc, err);
	if (rc) {
		json_decref(out);
		return rc;
	}
	*resp = out;
	return 0;
}

int sim_op_run_task(struct sim_store *s, json_t *req, json_t **resp, struct ecsctl_error *err)
{
	json_t *cluster = sim_cluster_get(s, sim_str(req, "cluster"), err), *td, *list;
	const char *launch = sim_str(req, "launchType") ? sim_str(req, "launchType") : "EC2";
	const char *provider = sim_str(
	    json_array_get(json_object_get(req, "capacityProviderStrategy"), 0),
	    "capacityProvider");
	long long count = sim_int(req, "count", 1), i;
	struct sim_deploy_ctx ctx;
	char group[320];
	int cap;

	if (!cluster)
		return ECSCTL_EAWS;
	/* capacity providers are not simulated: a Fargate one runs on Fargate */
	if (!sim_str(req, "launchType") && provider && !strncmp(provider, "FARGATE", 7))
		launch = "FARGATE";
	if (count < 1 || count > SIM_RUN_TASK_MAX)
		return sim_fail(err, "InvalidParameterException", "count must be between 1 and %d.",
		                SIM_RUN_TASK_MAX);
	td = sim_taskdef_find(s, sim_str(req, "taskDefinition"), 1);
	if (!td || strcmp(sim_str(td, "status"), "ACTIVE") != 0)
		return sim_fail(err, "ClientException", "TaskDefinition not found.");
	if (strcmp(launch, "FARGATE") == 0) {
		json_t *v;
		size_t k;
		int ok = 0;
		json_array_foreach(json_object_get(td, "compatibilities"), k, v) {
			ok |= strcmp(json_string_value(v), "FARGATE") == 0;
		}
		if (!ok)
			return sim_fail(err, "InvalidParameterException",
			                "Task definition does not support launch_type FARGATE.");
	}
	if (strcmp(sim_str(td, "networkMode"), "awsvpc") == 0 &&
	    !json_object_get(json_object_get(req, "networkConfiguration"), "awsvpcConfiguration"))
		return sim_fail(err, "InvalidParameterException",
		                "Network Configuration must be provided when networkMode 'awsvpc' "
		                "is specified.");
	if (strcmp(launch, "EC2") == 0 && sim_cluster_has_instances(cluster))
		return sim_run_task_placed(s, cluster, td, req, resp, err);
	cap = sim_cluster_capacity_left(s, cluster);
	if (strcmp(launch, "EC2") == 0 && cap >= 0 && cap < count)
		return sim_fail(err, "InvalidParameterException",
		                "No Container Instances were found in your cluster.");
	ctx = sim_store_ctx(s, cluster);
	if (sim_str(req, "group"))
		snprintf(group, sizeof(group), "%s", sim_str(req, "group"));
	else
		snprintf(group, sizeof(group), "family:%s", sim_str(td, "family"));
	list = json_array();
	for (i = 0; i < count; i++) {
		json_t *task = sim_task_new(td, sim_str(req, "startedBy"), group, launch, &ctx);
		const char *id;
		if (!task)
			break;
		if (sim_tags_apply(task, json_object_get(req, "tags"), err) ||
		    sim_task_override(task, json_object_get(req, "overrides"), err)) {
			json_decref(task);
			json_decref(list);
			return ECSCTL_EAWS;
		}
		id = sim_arn_tail(sim_str(task, "taskArn"));
		json_object_set(json_object_get(cluster, "_standalone"), id, task);
		json_object_set_new(json_object_get(cluster, "_index"), id, json_string(""));
		json_array_append_new(list, sim_task_render(task, 0));
		json_decref(task);
	}
	*resp = json_pack("{s:o,s:[]}", "tasks", list, "failures");
	return 0;
}

int sim_op_stop_task(struct sim_store *s, json_t *req, json_t **resp, struct ecsctl_error *err)
{
	json_t *cluster = sim_cluster_get(s, sim_str(req, "cluster"), err), *svc, *task;
	const char *reason = sim_str(req, "reason");

	if (!cluster)
		return ECSCTL_EAWS;
	task = find_task(s, cluster, sim_str(req, "task"), &svc);
	if (!task)
		return sim_fail(err, "InvalidParameterException",
		                "The referenced task was not found.");
	sim_task_stop(task, sim_store_now(s), "UserInitiated",
	              reason ? reason : "Task stopped by user");
	if (svc) {
		sim_store_mark_busy(s, cluster, svc);
		sim_store_advance(s, cluster, svc);
	}
	*resp = json_pack("{s:o}", "task", sim_task_render(task, 0));
	return 0;
}
