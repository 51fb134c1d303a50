/*
 * The life of one simulated task: PROVISIONING -> PENDING -> RUNNING, or
 * PENDING -> STOPPED for an image tagged `crashloop` (its essential container
 * exits 1) or `cannotpull` (the pull fails, nothing starts), RUNNING ->
 * STOPPING when an essential container's command ends in `exit N` (one-off
 * tasks: migrations, `ecsctl run`), and STOPPING -> STOPPED when asked to
 * stop. Pure: time comes in as an argument.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_int.h"
#include "banned.h"

static void set_status(json_t *task, const char *status)
{
	json_t *containers = json_object_get(task, "containers");
	size_t i;
	json_t *c;

	json_object_set_new(task, "lastStatus", json_string(status));
	json_array_foreach(containers, i, c) {
		/* a container that exited stays STOPPED while its task stops */
		if (!json_object_get(c, "exitCode") || !strcmp(status, "STOPPED"))
			json_object_set_new(c, "lastStatus", json_string(status));
	}
	json_object_set_new(task, "version", json_integer(sim_int(task, "version", 1) + 1));
}

/*
 * The one-off convention (docs/ecs-local.md, "One-off tasks"): a container
 * whose command's last argument, read as a shell script, ends in `exit N`
 * (0..255) exits with N once it has run for the sum of the script's
 * `sleep S` (simulated seconds; 1 s without any). ecs-local runs no
 * process, and a migration or `ecsctl run` must be able to finish, pass
 * and fail. Sets or clears the container's `_exitCode` / `_exitAfter`.
 */
static void set_exit(json_t *c, const json_t *command)
{
	const char *script = json_string_value(
	    json_array_get(command, json_array_size(command) - 1));
	const char *p, *end;
	double after = 0;
	long code;
	char *num_end;

	json_object_del(c, "_exitCode");
	json_object_del(c, "_exitAfter");
	if (!script)
		return;
	end = script + strlen(script);
	while (end > script && (isspace((unsigned char)end[-1]) || end[-1] == ';'))
		end--;
	p = end;
	while (p > script && isdigit((unsigned char)p[-1]))
		p--;
	if (p == end || end - p > 3)
		return;
	code = strtol(p, NULL, 10);
	while (p > script && (p[-1] == ' ' || p[-1] == '\t'))
		p--;
	if (code > 255 || p - script < 4 || strncmp(p - 4, "exit", 4) ||
	    (p - 4 > script && !strchr(" \t\n;&|", p[-5])))
		return;
	for (p = script; (p = strstr(p, "sleep")); p += 5) {
		double v;
		if (p > script && !strchr(" \t\n;&|", p[-1]))
			continue;
		v = strtod(p + 5, &num_end);
		if (num_end != p + 5 && v > 0 && v < 1e9)
			after += v;
	}
	json_object_set_new(c, "_exitCode", json_integer(code));
	json_object_set_new(c, "_exitAfter", json_real(after > 0 ? after : 1.0));
}

static json_t *container_new(const json_t *def, const char *task_arn, const char *cluster,
                             const char *task_id, struct sim_deploy_ctx *ctx)
{
	char uuid[37], buf[512];
	const char *arn_prefix;
	json_t *c = json_object();
	json_t *mem = json_object_get(def, "memory");
	json_t *res = json_object_get(def, "memoryReservation");
	size_t plen;

	if (!c)
		return NULL;
	sim_uuid(ctx->rng, uuid);
	/* "arn:aws:ecs:<region>:<account>:task/..." -> ":container/<cluster>/<task>/<uuid>" */
	arn_prefix = strstr(task_arn, ":task/");
	plen = arn_prefix ? (size_t)(arn_prefix - task_arn) : 0;
	snprintf(buf, sizeof(buf), "%.*s:container/%s/%s/%s", (int)plen, task_arn, cluster, task_id,
	         uuid);
	json_object_set_new(c, "containerArn", json_string(buf));
	json_object_set_new(c, "taskArn", json_string(task_arn));
	json_object_set(c, "name", json_object_get(def, "name"));
	json_object_set(c, "image", json_object_get(def, "image"));
	json_object_set_new(c, "lastStatus", json_string("PROVISIONING"));
	json_object_set_new(c, "networkInterfaces", json_array());
	json_object_set_new(c, "healthStatus", json_string("UNKNOWN"));
	if (json_object_get(def, "healthCheck"))
		json_object_set_new(c, "_healthCheck", json_true());
	json_object_set_new(c, "_essential", json_boolean(sim_bool(def, "essential", 1)));
	set_exit(c, json_object_get(def, "command"));
	snprintf(buf, sizeof(buf), "%lld", sim_int(def, "cpu", 0));
	json_object_set_new(c, "cpu", json_string(buf));
	if (json_is_integer(mem)) {
		snprintf(buf, sizeof(buf), "%lld", (long long)json_integer_value(mem));
		json_object_set_new(c, "memory", json_string(buf));
	}
	if (json_is_integer(res)) {
		snprintf(buf, sizeof(buf), "%lld", (long long)json_integer_value(res));
		json_object_set_new(c, "memoryReservation", json_string(buf));
	}
	return c;
}

json_t *sim_task_new(const json_t *td, const char *started_by, const char *group,
                     const char *launch_type, struct sim_deploy_ctx *ctx)
{
	char id[33], arn[512];
	const char *cluster_arn = ctx->cluster_arn;
	const char *cluster = sim_arn_tail(cluster_arn);
	json_t *task = json_object(), *containers = json_array(), *overrides = json_array();
	json_t *defs = json_object_get(td, "containerDefinitions"), *def;
	const char *region_end;
	const char *fault = NULL;
	size_t i;

	if (!task || !containers || !overrides)
		goto fail;
	sim_hex_id(ctx->rng, id);
	/* cluster ARN "arn:aws:ecs:r:a:cluster/name" -> "arn:aws:ecs:r:a:task/name/id" */
	region_end = strstr(cluster_arn, ":cluster/");
	snprintf(arn, sizeof(arn), "%.*s:task/%s/%s",
	         (int)(region_end ? region_end - cluster_arn : 0), cluster_arn, cluster, id);
	json_object_set_new(task, "taskArn", json_string(arn));
	json_object_set_new(task, "clusterArn", json_string(cluster_arn));
	json_object_set(task, "taskDefinitionArn", json_object_get(td, "taskDefinitionArn"));
	json_object_set_new(task, "lastStatus", json_string("PROVISIONING"));
	json_object_set_new(task, "desiredStatus", json_string("RUNNING"));
	json_object_set_new(task, "healthStatus", json_string("UNKNOWN"));
	json_object_set_new(task, "launchType", json_string(launch_type ? launch_type : "EC2"));
	json_object_set_new(task, "group", json_string(group));
	if (started_by)
		json_object_set_new(task, "startedBy", json_string(started_by));
	json_array_foreach(defs, i, def) {
		json_t *o = json_object(), *c = container_new(def, arn, cluster, id, ctx);
		const char *image = sim_str(def, "image");
		const char *mine = sim_image_tag_is(image, "cannotpull") ? "cannotpull"
		                   : sim_bool(def, "essential", 1) &&
		                           sim_image_tag_is(image, "crashloop")
		                       ? "crashloop"
		                       : NULL;
		/* a failed pull stops the task before any container runs */
		if (c && mine) {
			json_object_set_new(c, "_fault", json_string(mine));
			if (!fault || !strcmp(mine, "cannotpull"))
				fault = mine;
		}
		json_array_append_new(containers, c);
		json_object_set(o, "name", json_object_get(def, "name"));
		json_array_append_new(overrides, o);
	}
	json_object_set_new(task, "containers", containers);
	containers = NULL;
	json_object_set_new(task, "overrides",
	                    json_pack("{s:o,s:[]}", "containerOverrides", overrides,
	                              "inferenceAcceleratorOverrides"));
	overrides = NULL;
	if (json_object_get(td, "cpu"))
		json_object_set(task, "cpu", json_object_get(td, "cpu"));
	if (json_object_get(td, "memory"))
		json_object_set(task, "memory", json_object_get(td, "memory"));
	json_object_set_new(task, "createdAt", sim_time(ctx->now));
	json_object_set_new(task, "version", json_integer(1));
	json_object_set_new(task, "attachments", json_array());
	json_object_set_new(task, "attributes", json_array());
	json_object_set_new(task, "enableExecuteCommand", json_false());
	if (launch_type && strcmp(launch_type, "FARGATE") == 0) {
		json_object_set_new(task, "platformVersion", json_string("1.4.0"));
		json_object_set_new(task, "platformFamily", json_string("Linux"));
		json_object_set_new(task, "ephemeralStorage", json_pack("{s:i}", "sizeInGiB", 20));
	}
	if (fault)
		json_object_set_new(task, "_fault", json_string(fault));
	return task;
fail:
	json_decref(task);
	json_decref(containers);
	json_decref(overrides);
	return NULL;
}

int sim_task_override(json_t *task, json_t *overrides, struct ecsctl_error *err)
{
	json_t *mine = json_object_get(json_object_get(task, "overrides"), "containerOverrides");
	json_t *o, *c, *e;
	size_t i, j;
	const char *k;

	json_array_foreach(json_object_get(overrides, "containerOverrides"), i, o) {
		const char *name = sim_str(o, "name");
		json_t *slot = NULL;

		json_array_foreach(mine, j, e) {
			if (name && !strcmp(sim_str(e, "name"), name))
				slot = e;
		}
		if (!slot)
			return sim_fail(err, "InvalidParameterException",
			                "Override for container named %s is not a container in the "
			                "TaskDefinition.",
			                name ? name : "(none)");
		json_object_foreach(o, k, e) {
			json_object_set(slot, k, e);
		}
		json_array_foreach(json_object_get(task, "containers"), j, c) {
			if (json_object_get(o, "command") && !strcmp(sim_str(c, "name"), name))
				set_exit(c, json_object_get(o, "command"));
		}
	}
	json_object_foreach(overrides, k, e) {
		if (strcmp(k, "containerOverrides"))
			json_object_set(json_object_get(task, "overrides"), k, e);
	}
	return 0;
}

static double tnum(const json_t *task, const char *key)
{
	json_t *v = json_object_get(task, key);

	return json_is_number(v) ? json_number_value(v) : 0;
}

/* When the first container with an `exit N` command exits, or INFINITY. */
static double next_exit(const json_t *task)
{
	double at = INFINITY;
	const json_t *c;
	size_t i;

	json_array_foreach(json_object_get(task, "containers"), i, c) {
		if (json_object_get(c, "_exitAfter") && !json_object_get(c, "exitCode") &&
		    tnum(task, "startedAt") + tnum(c, "_exitAfter") < at)
			at = tnum(task, "startedAt") + tnum(c, "_exitAfter");
	}
	return at;
}

/* Containers whose command ran out at `at` exit; an essential one stops the
 * task as ECS stops it. */
static void containers_exit(json_t *task, double at)
{
	json_t *c;
	size_t i;
	int essential = 0;

	json_array_foreach(json_object_get(task, "containers"), i, c) {
		if (!json_object_get(c, "_exitAfter") || json_object_get(c, "exitCode") ||
		    tnum(task, "startedAt") + tnum(c, "_exitAfter") > at)
			continue;
		json_object_set(c, "exitCode", json_object_get(c, "_exitCode"));
		json_object_set_new(c, "lastStatus", json_string("STOPPED"));
		essential |= sim_bool(c, "_essential", 1);
	}
	json_object_set_new(task, "version", json_integer(sim_int(task, "version", 1) + 1));
	if (essential) {
		sim_task_stop(task, at, "EssentialContainerExited",
		              "Essential container in task exited");
	}
}

/* When the task moves next on its own, or INFINITY. */
static double task_next(const json_t *task)
{
	const char *st = sim_str(task, "lastStatus");

	if (!st)
		return INFINITY;
	if (strcmp(st, "PROVISIONING") == 0)
		return tnum(task, "createdAt") + SIM_PROVISIONING_S;
	if (strcmp(st, "PENDING") == 0)
		return tnum(task, "pullStartedAt") + SIM_PENDING_S;
	if (strcmp(st, "STOPPING") == 0)
		return tnum(task, "stoppingAt") + SIM_STOPPING_S;
	if (strcmp(st, "RUNNING") == 0)
		return next_exit(task);
	return INFINITY;
}

double sim_task_next_change(const json_t *task)
{
	return task_next(task);
}

static void finish_stop(json_t *task, double at)
{
	json_t *containers = json_object_get(task, "containers"), *c;
	size_t i;

	set_status(task, "STOPPED");
	json_object_set_new(task, "stoppedAt", sim_time(at));
	json_object_set_new(task, "executionStoppedAt", sim_time(at));
	json_array_foreach(containers, i, c) {
		/* a container that never started (failed pull) has no exit code */
		if (!json_object_get(c, "exitCode") && json_object_get(task, "startedAt"))
			json_object_set_new(c, "exitCode", json_integer(0));
	}
}

/* "nginx:x" -> "docker.io/library/nginx:x", "team/app:x" -> "docker.io/team/app:x":
 * the reference a container runtime resolves, as its errors print it */
static void pull_ref(char *out, size_t n, const char *image)
{
	const char *slash = strchr(image, '/');
	size_t host = slash ? (size_t)(slash - image) : 0;

	if (!slash)
		snprintf(out, n, "docker.io/library/%s", image);
	else if (!memchr(image, '.', host) && !memchr(image, ':', host) &&
	         strncmp(image, "localhost", host))
		snprintf(out, n, "docker.io/%s", image);
	else
		snprintf(out, n, "%s", image);
}

/* The end of PENDING for a task with a `_fault`: it stops as ECS stops it. */
static void fail_task(json_t *task, const char *fault, double at)
{
	json_t *containers = json_object_get(task, "containers"), *c;
	char ref[600], reason[1400];
	size_t i;

	reason[0] = '\0';
	json_object_set_new(task, "pullStoppedAt", sim_time(at));
	json_object_set_new(task, "desiredStatus", json_string("STOPPED"));
	json_object_set_new(task, "stoppingAt", sim_time(at));
	if (!strcmp(fault, "crashloop")) {
		/* it ran, then its essential container exited */
		json_object_set_new(task, "startedAt", sim_time(at));
		json_object_set_new(task, "stopCode", json_string("EssentialContainerExited"));
		json_object_set_new(task, "stoppedReason",
		                    json_string("Essential container in task exited"));
	}
	json_array_foreach(containers, i, c) {
		const char *mine = sim_str(c, "_fault");
		if (!mine || strcmp(mine, fault))
			continue;
		if (!strcmp(fault, "crashloop")) {
			json_object_set_new(c, "exitCode", json_integer(1));
			continue;
		}
		pull_ref(ref, sizeof(ref), sim_str(c, "image") ? sim_str(c, "image") : "");
		snprintf(reason, sizeof(reason),
		         "CannotPullContainerError: pull image manifest has been retried 5 "
		         "time(s): failed to resolve ref %s: %s: not found",
		         ref, ref);
		json_object_set_new(c, "reason", json_string(reason));
	}
	if (reason[0]) {
		json_object_set_new(task, "stopCode", json_string("TaskFailedToStart"));
		json_object_set_new(task, "stoppedReason", json_string(reason));
	}
	finish_stop(task, at);
	json_object_set_new(task, "_failed", json_true());
}

int sim_task_advance(json_t *task, double now)
{
	double at = task_next(task);
	const char *st = sim_str(task, "lastStatus");

	if (at > now || !st)
		return 0;
	if (strcmp(st, "PROVISIONING") == 0) {
		set_status(task, "PENDING");
		json_object_set_new(task, "pullStartedAt", sim_time(at));
	} else if (strcmp(st, "PENDING") == 0 && sim_str(task, "_fault")) {
		fail_task(task, sim_str(task, "_fault"), at);
	} else if (strcmp(st, "PENDING") == 0) {
		json_t *containers = json_object_get(task, "containers"), *c;
		size_t i;

		/* containers with a health check pass it once running; the task is
		 * HEALTHY when any container reports health */
		json_array_foreach(containers, i, c) {
			if (sim_bool(c, "_healthCheck", 0)) {
				json_object_set_new(c, "healthStatus", json_string("HEALTHY"));
				json_object_set_new(task, "healthStatus", json_string("HEALTHY"));
			}
		}
		set_status(task, "RUNNING");
		json_object_set_new(task, "pullStoppedAt", sim_time(at));
		json_object_set_new(task, "startedAt", sim_time(at));
		json_object_set_new(task, "connectivity", json_string("CONNECTED"));
		json_object_set_new(task, "connectivityAt", sim_time(at));
	} else if (strcmp(st, "STOPPING") == 0) {
		finish_stop(task, at);
	} else if (strcmp(st, "RUNNING") == 0) {
		containers_exit(task, at);
	}
	return 1;
}

void sim_task_stop(json_t *task, double now, const char *code, const char *reason)
{
	const char *st = sim_str(task, "lastStatus");

	if (!st || strcmp(st, "STOPPED") == 0 || strcmp(st, "STOPPING") == 0)
		return;
	json_object_set_new(task, "desiredStatus", json_string("STOPPED"));
	json_object_set_new(task, "stopCode", json_string(code));
	json_object_set_new(task, "stoppedReason", json_string(reason));
	json_object_set_new(task, "stoppingAt", sim_time(now));
	set_status(task, "STOPPING");
}
