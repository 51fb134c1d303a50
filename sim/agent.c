/*
 * The container agent's calls: SubmitTaskStateChange,
 * SubmitContainerStateChange and DiscoverPollEndpoint. In ecs-local they are
 * also the way a test makes a task stop with an exit code of its choosing:
 * the agent reports it, ECS believes it.
 */
#include <stdio.h>
#include <string.h>

#include "sim_ec2.h"
#include "banned.h"

/* The task named by the request, brought up to date, and its service. */
static json_t *agent_task(struct sim_store *s, json_t *req, json_t **cluster, json_t **svc,
                          struct ecsctl_error *err)
{
	const char *ref = sim_str(req, "task"), *owner;
	json_t *t;

	*svc = NULL;
	if (!(*cluster = sim_cluster_get(s, sim_str(req, "cluster"), err)))
		return NULL;
	owner = ref ? sim_str(json_object_get(*cluster, "_index"), sim_arn_tail(ref)) : NULL;
	if (owner && *owner && (*svc = sim_service_find(*cluster, owner)))
		sim_store_advance(s, *cluster, *svc);
	t = owner ? sim_cluster_task(*cluster, sim_arn_tail(ref)) : NULL;
	if (!t)
		sim_fail(err, "InvalidParameterException", "The referenced task was not found.");
	return t;
}

static json_t *container(json_t *task, const char *name)
{
	json_t *c;
	size_t i;

	json_array_foreach(json_object_get(task, "containers"), i, c) {
		if (name && strcmp(sim_str(c, "name"), name) == 0)
			return c;
	}
	return NULL;
}

/* Copies what the agent reports about one container. */
static void container_report(json_t *c, const json_t *r)
{
	static const char *const keys[] = {"exitCode", "reason", "runtimeId", "networkBindings",
	                                   NULL};

	for (const char *const *k = keys; *k; k++) {
		if (json_object_get(r, *k))
			json_object_set(c, *k, json_object_get(r, *k));
	}
	if (sim_str(r, "status"))
		json_object_set(c, "lastStatus", json_object_get(r, "status"));
}

static void task_status(json_t *task, const char *status)
{
	json_t *c;
	size_t i;

	json_object_set_new(task, "lastStatus", json_string(status));
	json_array_foreach(json_object_get(task, "containers"), i, c) {
		if (!sim_str(c, "lastStatus") || strcmp(sim_str(c, "lastStatus"), "STOPPED") != 0)
			json_object_set_new(c, "lastStatus", json_string(status));
	}
	json_object_set_new(task, "version", json_integer(sim_int(task, "version", 1) + 1));
}

/* The agent says the task stopped: it is STOPPED now, with the reason
 * given. A task that never ran counts as failed for its deployment. */
static void stopped(json_t *task, double now, const char *code, const char *reason)
{
	const char *last = sim_str(task, "lastStatus");

	if (strcmp(last, "STOPPED") == 0)
		return;
	if (strcmp(last, "RUNNING") != 0 && strcmp(last, "STOPPING") != 0)
		json_object_set_new(task, "_failed", json_true());
	if (strcmp(sim_str(task, "desiredStatus"), "STOPPED") != 0) {
		json_object_set_new(task, "desiredStatus", json_string("STOPPED"));
		json_object_set_new(task, "stopCode", json_string(code));
		json_object_set_new(task, "stoppedReason", json_string(reason));
		json_object_set_new(task, "stoppingAt", sim_time(now));
	}
	task_status(task, "STOPPED");
	json_object_set_new(task, "stoppedAt", sim_time(now));
	json_object_set_new(task, "executionStoppedAt", sim_time(now));
}

static void running(json_t *task, double now)
{
	const char *last = sim_str(task, "lastStatus");

	if (strcmp(last, "PROVISIONING") != 0 && strcmp(last, "PENDING") != 0)
		return;
	if (!json_object_get(task, "pullStartedAt"))
		json_object_set_new(task, "pullStartedAt", sim_time(now));
	json_object_set_new(task, "pullStoppedAt", sim_time(now));
	json_object_set_new(task, "startedAt", sim_time(now));
	json_object_set_new(task, "connectivity", json_string("CONNECTED"));
	json_object_set_new(task, "connectivityAt", sim_time(now));
	task_status(task, "RUNNING");
}

static int essential(struct sim_store *s, const json_t *task, const char *name)
{
	json_t *td = sim_taskdef_find(s, sim_str(task, "taskDefinitionArn"), 0), *d;
	size_t i;

	json_array_foreach(json_object_get(td, "containerDefinitions"), i, d) {
		if (strcmp(sim_str(d, "name"), name) == 0)
			return sim_bool(d, "essential", 1);
	}
	return 0;
}

static int ack(struct sim_store *s, json_t *cluster, json_t *svc, json_t **resp)
{
	if (svc) {
		/* the service sees the change at once and replaces a stopped task */
		sim_store_mark_busy(s, cluster, svc);
		sim_store_advance(s, cluster, svc);
	}
	s->version++;
	*resp = json_pack("{s:s}", "acknowledgment", "ACK");
	return 0;
}

int sim_op_submit_task_state_change(struct sim_store *s, json_t *req, json_t **resp,
                                    struct ecsctl_error *err)
{
	json_t *cluster, *svc, *task = agent_task(s, req, &cluster, &svc, err), *r;
	const char *status = sim_str(req, "status"), *reason = sim_str(req, "reason");
	double now = sim_store_now(s);
	int essential_exit = 0;
	size_t i;

	if (!task)
		return ECSCTL_EAWS;
	if (status && strcmp(status, "RUNNING") && strcmp(status, "STOPPED"))
		return sim_fail(err, "InvalidParameterException",
		                "The task status can be reported as RUNNING or STOPPED.");
	json_array_foreach(json_object_get(req, "containers"), i, r) {
		json_t *c = container(task, sim_str(r, "containerName"));
		if (!c)
			return sim_fail(
			    err, "InvalidParameterException", "The task has no container '%s'.",
			    sim_str(r, "containerName") ? sim_str(r, "containerName") : "");
	}
	json_array_foreach(json_object_get(req, "containers"), i, r) {
		json_t *c = container(task, sim_str(r, "containerName"));
		container_report(c, r);
		essential_exit |= sim_str(r, "status") &&
		                  strcmp(sim_str(r, "status"), "STOPPED") == 0 &&
		                  essential(s, task, sim_str(c, "name"));
	}
	for (const char *const *k = (const char *const[]){"pullStartedAt", "pullStoppedAt",
	                                                  "executionStoppedAt", NULL};
	     *k; k++) {
		if (json_object_get(req, *k))
			json_object_set(task, *k, json_object_get(req, *k));
	}
	if (status && strcmp(status, "RUNNING") == 0)
		running(task, now);
	else if (status)
		stopped(task, now,
		        essential_exit ? "EssentialContainerExited" : "TaskFailedToStart",
		        reason           ? reason
		        : essential_exit ? "Essential container in task exited"
		                         : "Task stopped by the agent");
	return ack(s, cluster, svc, resp);
}

int sim_op_submit_container_state_change(struct sim_store *s, json_t *req, json_t **resp,
                                         struct ecsctl_error *err)
{
	json_t *cluster, *svc, *task = agent_task(s, req, &cluster, &svc, err), *c;
	const char *status = sim_str(req, "status");

	if (!task)
		return ECSCTL_EAWS;
	c = container(task, sim_str(req, "containerName"));
	if (!c)
		return sim_fail(err, "InvalidParameterException", "The task has no container '%s'.",
		                sim_str(req, "containerName") ? sim_str(req, "containerName") : "");
	container_report(c, req);
	/* an essential container that stops stops its task */
	if (status && strcmp(status, "STOPPED") == 0 && essential(s, task, sim_str(c, "name")))
		stopped(task, sim_store_now(s), "EssentialContainerExited",
		        "Essential container in task exited");
	return ack(s, cluster, svc, resp);
}

int sim_op_discover_poll_endpoint(struct sim_store *s, json_t *req, json_t **resp,
                                  struct ecsctl_error *err)
{
	(void)req;
	(void)err;
	/* the agent would open its websocket here: ecs-local itself, on loopback */
	*resp = json_pack("{s:s,s:s,s:s}", "endpoint", s->endpoint, "telemetryEndpoint",
	                  s->endpoint, "serviceConnectEndpoint", s->endpoint);
	return 0;
}
