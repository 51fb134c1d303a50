/*
 * One-off tasks: the RunTask request (`ecsctl run`, pre-deploy hooks), the
 * wait until they stop, and what they exited with.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecsctl/arn.h"
#include "ecsctl/clock.h"
#include "ecsctl/duration.h"
#include "ecsctl/ops.h"
#include "ops_int.h"
#include "banned.h"

/* Whether a service's taskDefinition ("web", "web:3", an ARN) is of `family`. */
static int runs_family(const json_t *svc, const char *family)
{
	const char *td = ecsctl_arn_taskdef(ops_str(svc, "taskDefinition"));
	size_t n = ecsctl_arn_family_len(td);

	return n == strlen(family) && !strncmp(td, family, n);
}

/* Takes cluster, network and launch type from service `b` where unset. */
static void from_service(struct ecsctl_ops_run *o, const struct ecsctl_resource *r)
{
	const json_t *b = r->body;

	if (!o->cluster)
		o->cluster = r->cluster;
	if (!o->network)
		o->network = json_object_get(b, "networkConfiguration");
	if (!o->launch_type && !o->capacity_provider && !o->strategy) {
		o->launch_type = json_string_value(json_object_get(b, "launchType"));
		o->strategy = json_object_get(b, "capacityProviderStrategy");
	}
}

/* The service `name` ("cluster/service", or "service" in o->cluster or
 * anywhere) or the first that runs `family`. */
static const struct ecsctl_resource *find_service(const struct ecsctl_ops_run *o,
                                                  const struct ecsctl_model *m, const char *family,
                                                  const char *name)
{
	size_t i;

	for (i = 0; i < m->count; i++) {
		const struct ecsctl_resource *r = &m->resources[i];
		const char *sn = ops_str(r->body, "serviceName");

		if (r->kind != ECSCTL_KIND_SERVICE ||
		    (o->cluster && strcmp(o->cluster, r->cluster)))
			continue;
		if (name ? !strcmp(r->name, name) || !strcmp(sn, name)
		         : runs_family(r->body, family))
			return r;
	}
	return NULL;
}

/* The networkConfiguration every awsvpc service (of o->cluster) shares, or NULL. */
static const json_t *shared_network(const struct ecsctl_ops_run *o, const struct ecsctl_model *m,
                                    const char **cluster)
{
	const json_t *net = NULL;
	size_t i;

	for (i = 0; i < m->count; i++) {
		const struct ecsctl_resource *r = &m->resources[i];
		const json_t *n = json_object_get(r->body, "networkConfiguration");

		if (r->kind != ECSCTL_KIND_SERVICE || !n ||
		    (o->cluster && strcmp(o->cluster, r->cluster)))
			continue;
		if (net && (!json_equal(net, n) || strcmp(*cluster, r->cluster)))
			return NULL;
		net = n;
		*cluster = r->cluster;
	}
	return net;
}

int ecsctl_ops_run_defaults(struct ecsctl_ops_run *o, const struct ecsctl_model *m,
                            const char *family, const char *service)
{
	const struct ecsctl_resource *td = ecsctl_model_find(m, ECSCTL_KIND_TASKDEF, family);
	const struct ecsctl_resource *svc = find_service(o, m, family, service);
	const json_t *req, *v;
	const char *cluster = NULL;
	bool fargate = false, other = false;
	size_t i;

	if (svc) {
		from_service(o, svc);
		return 1;
	}
	if (service)
		return -1;
	/* a family no service runs (a migration's own): the network all share */
	if (!o->network && (o->network = shared_network(o, m, &cluster)) && !o->cluster)
		o->cluster = cluster;
	if (!td || o->launch_type || o->capacity_provider || o->strategy)
		return 0;
	req = json_object_get(td->body, "requiresCompatibilities");
	json_array_foreach(req, i, v) {
		if (!strcmp(json_string_value(v) ? json_string_value(v) : "", "FARGATE"))
			fargate = true;
		else
			other = true;
	}
	if (fargate && !other)
		o->launch_type = "FARGATE";
	return 0;
}

/* The container overrides go to: o->container, else the first essential one. */
static const char *target_container(const struct ecsctl_ops_run *o, const json_t *taskdef,
                                    struct ecsctl_error *err)
{
	const json_t *defs = json_object_get(taskdef, "containerDefinitions"), *c;
	size_t i;

	if (!taskdef)
		return o->container;
	json_array_foreach(defs, i, c) {
		const json_t *ess = json_object_get(c, "essential");
		if (o->container ? !strcmp(ops_str(c, "name"), o->container) : !json_is_false(ess))
			return ops_str(c, "name");
	}
	if (o->container)
		ecsctl_error_set(err, ECSCTL_EINVAL, "task definition '%s' has no container '%s'",
		                 o->task_definition, o->container);
	else
		ecsctl_error_set(err, ECSCTL_EINVAL,
		                 "task definition '%s' has no essential container",
		                 o->task_definition);
	return NULL;
}

static int overrides(json_t *req, const struct ecsctl_ops_run *o, const json_t *taskdef,
                     struct ecsctl_error *err)
{
	const char *name;
	json_t *co = NULL, *env = NULL;
	size_t i;

	if (!o->command && !o->nenv)
		return 0;
	name = target_container(o, taskdef, err);
	if (!name)
		return err->code ? err->code
		                 : ecsctl_error_set(err, ECSCTL_EINVAL,
		                                    "overrides need --container when the task "
		                                    "definition is not known");
	co = json_pack("{s:s}", "name", name);
	env = json_array();
	if (!co || !env)
		goto nomem;
	for (i = 0; i < o->nenv; i++) {
		const char *eq = strchr(o->env[i], '=');
		if (!eq || eq == o->env[i]) {
			json_decref(co);
			json_decref(env);
			return ecsctl_error_set(err, ECSCTL_EINVAL,
			                        "--env-var takes NAME=VALUE, not '%s'", o->env[i]);
		}
		if (json_array_append_new(env,
		                          json_pack("{s:s%, s:s}", "name", o->env[i],
		                                    (size_t)(eq - o->env[i]), "value", eq + 1)))
			goto nomem;
	}
	if (o->command && json_object_set(co, "command", (json_t *)o->command))
		goto nomem;
	if (o->nenv && json_object_set(co, "environment", env))
		goto nomem;
	json_decref(env);
	return json_object_set_new(req, "overrides", json_pack("{s:[o]}", "containerOverrides", co))
	           ? ecsctl_error_nomem(err)
	           : 0;
nomem:
	json_decref(co);
	json_decref(env);
	return ecsctl_error_nomem(err);
}

int ecsctl_ops_run_request(json_t **out, const struct ecsctl_ops_run *o, const json_t *taskdef,
                           struct ecsctl_error *err)
{
	long count = o->count ? o->count : 1;
	json_t *req = NULL;
	int rc;

	*out = NULL;
	if (count < 1 || count > 10)
		return ecsctl_error_set(err, ECSCTL_EINVAL,
		                        "--count must be between 1 and 10, not %ld", count);
	if (o->launch_type && o->capacity_provider)
		return ecsctl_error_set(err, ECSCTL_EINVAL,
		                        "give a launch type or a capacity provider, not both");
	req = json_pack("{s:s, s:I, s:s}", "taskDefinition", o->task_definition, "count",
	                (json_int_t)count, "startedBy", o->started_by ? o->started_by : "ecsctl");
	if (!req)
		return ecsctl_error_nomem(err);
	if (o->cluster)
		json_object_set_new(req, "cluster", json_string(o->cluster));
	if (o->launch_type)
		json_object_set_new(req, "launchType", json_string(o->launch_type));
	else if (o->capacity_provider)
		json_object_set_new(req, "capacityProviderStrategy",
		                    json_pack("[{s:s, s:i}]", "capacityProvider",
		                              o->capacity_provider, "weight", 1));
	else if (json_array_size(o->strategy))
		json_object_set(req, "capacityProviderStrategy", (json_t *)o->strategy);
	if (o->network)
		json_object_set(req, "networkConfiguration", (json_t *)o->network);
	if ((rc = overrides(req, o, taskdef, err))) {
		json_decref(req);
		return rc;
	}
	*out = req;
	return 0;
}

/* ---- waiting ---------------------------------------------------------- */

static int64_t now_ms(const struct ecsctl_ops_wait_options *o)
{
	return o->now_ms ? o->now_ms(o->clock_ud) : ecsctl_clock_now_ms(NULL);
}

static void sleep_ms(const struct ecsctl_ops_wait_options *o, int64_t ms)
{
	if (o->sleep_ms)
		o->sleep_ms(o->clock_ud, ms);
	else
		ecsctl_clock_sleep_ms(NULL, ms);
}

static void stop_all(struct ecsctl_ecs *ecs, const char *cluster, const json_t *tasks,
                     const char *reason)
{
	struct ecsctl_error ignored = ECSCTL_ERROR_INIT;
	const json_t *t;
	size_t i;

	json_array_foreach(tasks, i, t) {
		json_t *req, *resp = NULL;
		if (!strcmp(ops_str(t, "lastStatus"), "STOPPED"))
			continue;
		req = json_pack("{s:s, s:s}", "task", ops_str(t, "taskArn"), "reason", reason);
		if (req && cluster)
			json_object_set_new(req, "cluster", json_string(cluster));
		/* best effort: the timeout is the error the caller reports */
		if (req)
			ecsctl_ecs_call(&resp, ecs, "StopTask", req, &ignored);
		ecsctl_error_release(&ignored);
		json_decref(req);
		json_decref(resp);
	}
}

int ecsctl_ops_wait_stopped(json_t **tasks, struct ecsctl_ecs *ecs, const char *cluster,
                            const json_t *arns, const struct ecsctl_ops_wait_options *o,
                            struct ecsctl_error *err)
{
	static const struct ecsctl_ops_wait_options defaults = ECSCTL_OPS_WAIT_OPTIONS_INIT;
	int64_t timeout, interval, deadline;
	json_t *seen = json_object(), *cur = NULL, *t;
	size_t i;
	int rc = 0;

	*tasks = NULL;
	if (!o)
		o = &defaults;
	timeout = o->timeout_ms > 0 ? o->timeout_ms : 10 * 60 * 1000;
	interval = o->interval_ms > 0 ? o->interval_ms : 2000;
	deadline = now_ms(o) + timeout;
	if (!seen)
		return ecsctl_error_nomem(err);
	for (;;) {
		bool all = true;

		if ((rc = ops_describe_tasks(&cur, ecs, cluster, arns, true, err)) < 0)
			break;
		json_array_foreach(cur, i, t) {
			const char *st = ops_str(t, "lastStatus");
			if (strcmp(ops_str(json_object_get(seen, ops_str(t, "taskArn")), "s"),
			           st)) {
				json_object_set_new(seen, ops_str(t, "taskArn"),
				                    json_pack("{s:s}", "s", st));
				if (o->progress)
					o->progress(o->progress_ud, t);
			}
			all &= !strcmp(st, "STOPPED");
		}
		json_decref(*tasks);
		*tasks = cur;
		cur = NULL;
		if (all)
			break;
		if (o->cancel && *o->cancel) {
			rc = ecsctl_error_set(err, ECSCTL_ECANCELED, "interrupted");
			break;
		}
		if (now_ms(o) + interval > deadline) {
			char d[ECSCTL_DURATION_FORMAT_SIZE], reason[96];
			ecsctl_duration_format(d, timeout);
			snprintf(reason, sizeof(reason), "ecsctl: timed out after %s", d);
			stop_all(ecs, cluster, *tasks, reason);
			rc = ecsctl_error_set(err, ECSCTL_ETIMEOUT,
			                      "the task did not stop within %s (stopped it)", d);
			break;
		}
		sleep_ms(o, interval);
	}
	json_decref(seen);
	return rc;
}

/* ---- results ---------------------------------------------------------- */

static bool is_essential(const json_t *taskdef, const char *name)
{
	const json_t *c;
	size_t i;

	if (!taskdef)
		return true;
	json_array_foreach(json_object_get(taskdef, "containerDefinitions"), i, c) {
		if (!strcmp(ops_str(c, "name"), name))
			return !json_is_false(json_object_get(c, "essential"));
	}
	return false;
}

int ecsctl_ops_exit_code(const json_t *tasks, const json_t *failures, const json_t *taskdef)
{
	const json_t *t, *c;
	size_t i, j;
	int code = 0;

	if (json_array_size(failures) || !json_array_size(tasks))
		return ECSCTL_OPS_EXIT_NOT_STARTED;
	json_array_foreach(tasks, i, t) {
		json_array_foreach(json_object_get(t, "containers"), j, c) {
			const json_t *x = json_object_get(c, "exitCode");
			if (!is_essential(taskdef, ops_str(c, "name")))
				continue;
			if (!json_object_get(t, "startedAt") || !json_is_integer(x))
				return ECSCTL_OPS_EXIT_NOT_STARTED;
			if (!code && json_integer_value(x))
				code = (int)(json_integer_value(x) & 0xff);
		}
	}
	return code;
}

void ecsctl_ops_render_stopped(struct ecsctl_buf *out, const json_t *tasks, const json_t *failures)
{
	const json_t *t, *c;
	size_t i, j;

	json_array_foreach(tasks, i, t) {
		ecsctl_buf_addf(out, "task %s (%s): %s", ecsctl_arn_taskdef(ops_str(t, "taskArn")),
		                ecsctl_arn_taskdef(ops_str(t, "taskDefinitionArn")),
		                ops_str(t, "lastStatus"));
		if (*ops_str(t, "stoppedReason"))
			ecsctl_buf_addf(out, ", %s", ops_str(t, "stoppedReason"));
		if (*ops_str(t, "stopCode"))
			ecsctl_buf_addf(out, " (%s)", ops_str(t, "stopCode"));
		ecsctl_buf_addch(out, '\n');
		json_array_foreach(json_object_get(t, "containers"), j, c) {
			const json_t *x = json_object_get(c, "exitCode");
			if (json_is_integer(x))
				ecsctl_buf_addf(out, "  %s exit %lld", ops_str(c, "name"),
				                (long long)json_integer_value(x));
			else
				ecsctl_buf_addf(out, "  %s did not run", ops_str(c, "name"));
			if (*ops_str(c, "reason"))
				ecsctl_buf_addf(out, ": %s", ops_str(c, "reason"));
			ecsctl_buf_addch(out, '\n');
		}
	}
	json_array_foreach(failures, i, t) {
		ecsctl_buf_addf(out, "not started: %s", ops_str(t, "reason"));
		if (*ops_str(t, "arn"))
			ecsctl_buf_addf(out, " (%s)", ops_str(t, "arn"));
		if (*ops_str(t, "detail"))
			ecsctl_buf_addf(out, ": %s", ops_str(t, "detail"));
		ecsctl_buf_addch(out, '\n');
	}
}
