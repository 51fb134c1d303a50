/*
 * The tasks of a cluster or a service, as `ecsctl tasks` shows them: what
 * runs (revision, status, health, since when) and what stopped recently
 * (when, why, with which exit codes).
 */
#include <stdlib.h>
#include <string.h>

#include "ecsctl/arn.h"
#include "ecsctl/ops.h"
#include "ops_int.h"
#include "ecsctl/timestamp.h"
#include "banned.h"

const char *ops_str(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

int ops_describe_tasks(json_t **out, struct ecsctl_ecs *ecs, const char *cluster,
                       const json_t *arns, bool strict, struct ecsctl_error *err)
{
	size_t n = (json_array_size(arns) + 99) / 100, i, j;
	struct ecsctl_ecs_call *calls = calloc(n ? n : 1, sizeof(*calls));
	json_t *all = json_array(), *byarn = json_object(), *t;
	int rc = 0;

	*out = NULL;
	if (!calls || !all || !byarn) {
		rc = ecsctl_error_nomem(err);
		goto done;
	}
	for (i = 0; i < n; i++) {
		json_t *chunk = json_array();
		for (j = i * 100; j < (i + 1) * 100 && j < json_array_size(arns); j++)
			json_array_append(chunk, json_array_get(arns, j));
		calls[i].operation = "DescribeTasks";
		calls[i].request = json_pack("{s:o}", "tasks", chunk);
		if (calls[i].request && cluster)
			json_object_set_new(calls[i].request, "cluster", json_string(cluster));
		if (!calls[i].request) {
			rc = ecsctl_error_nomem(err);
			goto done;
		}
	}
	if (n && (rc = ecsctl_ecs_run(ecs, calls, n, err)) < 0)
		goto done;
	for (i = 0; i < n; i++)
		json_array_foreach(json_object_get(calls[i].response, "tasks"), j, t) {
			json_object_set(byarn, ops_str(t, "taskArn"), t);
		}
	json_array_foreach(arns, i, t) {
		json_t *found = json_object_get(byarn, json_string_value(t));
		if (found)
			json_array_append(all, found);
		else if (strict) {
			rc = ecsctl_error_set(err, ECSCTL_ENOTFOUND, "task %s is not known to ECS",
			                      json_string_value(t));
			goto done;
		}
	}
	*out = all;
	all = NULL;
done:
	for (i = 0; calls && i < n; i++) {
		json_decref(calls[i].request);
		ecsctl_ecs_call_release(&calls[i]);
	}
	free(calls);
	json_decref(all);
	json_decref(byarn);
	return rc;
}

static json_t *when(const json_t *t, const char *key)
{
	char buf[ECSCTL_TIMESTAMP_MAX];
	const json_t *v = json_object_get(t, key);

	if (json_is_number(v) && !ecsctl_timestamp_format(buf, json_number_value(v)))
		return json_string(buf);
	return json_null();
}

static json_t *or_null(const json_t *t, const char *key)
{
	const json_t *v = json_object_get(t, key);

	return v ? json_incref((json_t *)v) : json_null();
}

json_t *ecsctl_ops_task_summary(const json_t *t)
{
	const char *td = ecsctl_arn_taskdef(ops_str(t, "taskDefinitionArn"));
	const char *group = ops_str(t, "group"), *colon = strrchr(td, ':');
	json_t *containers = json_array(), *c;
	size_t i;

	json_array_foreach(json_object_get(t, "containers"), i, c) {
		json_array_append_new(
		    containers, json_pack("{s:s, s:s, s:o, s:o}", "name", ops_str(c, "name"),
		                          "lastStatus", ops_str(c, "lastStatus"), "exitCode",
		                          or_null(c, "exitCode"), "reason", or_null(c, "reason")));
	}
	return json_pack(
	    "{s:s, s:s, s:s, s:o, s:s, s:I, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o}",
	    "taskArn", ops_str(t, "taskArn"), "id",
	    strrchr(ops_str(t, "taskArn"), '/') ? strrchr(ops_str(t, "taskArn"), '/') + 1 : "",
	    "group", group, "service",
	    strncmp(group, "service:", 8) ? json_null() : json_string(group + 8), "taskDefinition",
	    td, "revision", (json_int_t)(colon ? strtoll(colon + 1, NULL, 10) : 0), "lastStatus",
	    ops_str(t, "lastStatus"), "desiredStatus", ops_str(t, "desiredStatus"), "health",
	    *ops_str(t, "healthStatus") ? ops_str(t, "healthStatus") : "UNKNOWN", "launchType",
	    or_null(t, "launchType"), "startedAt", when(t, "startedAt"), "stoppedAt",
	    when(t, "stoppedAt"), "stopCode", or_null(t, "stopCode"), "stoppedReason",
	    or_null(t, "stoppedReason"), "containers", containers);
}

/* group, then running before stopped, then start time */
static int cmp_task(const void *a, const void *b)
{
	const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	int c = strcmp(ops_str(x, "group"), ops_str(y, "group"));
	double sx, sy;

	if (c)
		return c;
	c = !strcmp(ops_str(x, "lastStatus"), "STOPPED") -
	    !strcmp(ops_str(y, "lastStatus"), "STOPPED");
	if (c)
		return c;
	sx = json_number_value(json_object_get(x, "startedAt"));
	sy = json_number_value(json_object_get(y, "startedAt"));
	return sx < sy ? -1 : sx > sy;
}

int ecsctl_ops_tasks(json_t **out, struct ecsctl_ecs *ecs, const char *cluster, const char *service,
                     bool stopped, struct ecsctl_error *err)
{
	json_t *reqs[2] = {NULL, NULL}, *lists[2] = {NULL, NULL}, *arns = json_array(),
	       *tasks = NULL, *list = json_array(), *t;
	json_t **sorted = NULL;
	size_t n = stopped ? 2 : 1, i, j;
	int rc = 0;

	*out = NULL;
	if (!arns || !list) {
		rc = ecsctl_error_nomem(err);
		goto done;
	}
	for (i = 0; i < n; i++) {
		reqs[i] = json_pack("{s:s}", "desiredStatus", i ? "STOPPED" : "RUNNING");
		if (reqs[i] && cluster)
			json_object_set_new(reqs[i], "cluster", json_string(cluster));
		if (reqs[i] && service)
			json_object_set_new(reqs[i], "serviceName", json_string(service));
		if (!reqs[i]) {
			rc = ecsctl_error_nomem(err);
			goto done;
		}
	}
	if ((rc = ecsctl_ecs_paginate(lists, ecs, "ListTasks", reqs, n, "taskArns", err)) < 0)
		goto done;
	for (i = 0; i < n; i++)
		json_array_extend(arns, lists[i]);
	if ((rc = ops_describe_tasks(&tasks, ecs, cluster, arns, false, err)) < 0)
		goto done;
	sorted = calloc(json_array_size(tasks) + 1, sizeof(*sorted));
	if (!sorted) {
		rc = ecsctl_error_nomem(err);
		goto done;
	}
	json_array_foreach(tasks, i, t) {
		sorted[i] = t;
	}
	qsort(sorted, json_array_size(tasks), sizeof(*sorted), cmp_task);
	for (j = 0; j < json_array_size(tasks); j++)
		if (json_array_append_new(list, ecsctl_ops_task_summary(sorted[j]))) {
			rc = ecsctl_error_nomem(err);
			goto done;
		}
	*out = list;
	list = NULL;
done:
	for (i = 0; i < 2; i++) {
		json_decref(reqs[i]);
		json_decref(lists[i]);
	}
	free(sorted);
	json_decref(arns);
	json_decref(tasks);
	json_decref(list);
	return rc;
}
