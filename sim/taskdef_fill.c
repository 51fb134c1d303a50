/*
 * What ECS fills in and checks on RegisterTaskDefinition: container defaults,
 * port mapping protocol and host ports by network mode, cpu/memory units,
 * compatibilities and requiresAttributes. ecsctl's "no perpetual diff" is
 * proven against these, so they follow real ECS answers.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecsctl/model.h"
#include "sim_int.h"
#include "banned.h"

/* "1 vCPU" -> 1024, "0.25 vcpu" -> 256, "512" -> 512; -1 when not valid. */
static long long units(const char *s, const char *unit, double per_unit)
{
	char *end = NULL;
	double v;

	if (!s)
		return -1;
	v = strtod(s, &end);
	if (end == s || v < 0)
		return -1;
	while (*end == ' ')
		end++;
	if (!*end)
		return v == floor(v) ? (long long)v : -1;
	if (strcasecmp(end, unit) != 0)
		return -1;
	return (long long)llround(v * per_unit);
}

static int normalize_size(json_t *td, const char *key, const char *unit, struct ecsctl_error *err)
{
	json_t *v = json_object_get(td, key);
	long long n;
	char buf[32];

	if (!v)
		return 0;
	n = units(json_string_value(v), unit, 1024);
	if (n <= 0)
		return sim_fail(err, "ClientException", "Invalid '%s' setting for task.", key);
	snprintf(buf, sizeof(buf), "%lld", n);
	json_object_set_new(td, key, json_string(buf));
	return 0;
}

static void add_attr(json_t *attrs, const char *name)
{
	if (sim_find_named(attrs, name) < 0)
		json_array_append_new(attrs, json_pack("{s:s}", "name", name));
}

static void default_list(json_t *obj, const char *key)
{
	if (!json_object_get(obj, key))
		json_object_set_new(obj, key, json_array());
}

static int fill_container(json_t *c, const char *mode, int task_memory, json_t *names,
                          json_t *attrs, int exec_role, struct ecsctl_error *err)
{
	const char *name = sim_str(c, "name"), *image = sim_str(c, "image");
	json_t *pm, *log = json_object_get(c, "logConfiguration"), *sec;
	size_t i;

	if (!name || !*name)
		return sim_fail(err, "ClientException",
		                "Container.name should not be null or empty.");
	if (!sim_valid_name(name))
		return sim_fail(err, "ClientException", "Container name '%s' is not valid.", name);
	if (!image || !*image)
		return sim_fail(err, "ClientException",
		                "Container.image should not be null or empty.");
	if (json_object_get(names, name))
		return sim_fail(err, "ClientException",
		                "Duplicate container names are not allowed.");
	json_object_set_new(names, name, json_true());
	if (!task_memory && !json_object_get(c, "memory") &&
	    !json_object_get(c, "memoryReservation"))
		return sim_fail(err, "ClientException",
		                "Invalid setting for container '%s'. At least one of 'memory' or "
		                "'memoryReservation' must be specified.",
		                name);
	if (!json_object_get(c, "cpu"))
		json_object_set_new(c, "cpu", json_integer(0));
	if (!json_object_get(c, "essential"))
		json_object_set_new(c, "essential", json_true());
	default_list(c, "portMappings");
	default_list(c, "environment");
	default_list(c, "mountPoints");
	default_list(c, "volumesFrom");
	default_list(c, "systemControls");
	json_array_foreach(json_object_get(c, "portMappings"), i, pm) {
		json_t *cp = json_object_get(pm, "containerPort"),
		       *hp = json_object_get(pm, "hostPort");
		if (!json_object_get(pm, "protocol"))
			json_object_set_new(pm, "protocol", json_string("tcp"));
		if (strcmp(mode, "awsvpc") == 0 || strcmp(mode, "host") == 0) {
			if (hp && cp && !json_equal(hp, cp))
				return sim_fail(err, "ClientException",
				                "When networkMode=%s, the host ports and container "
				                "ports in port mappings must match.",
				                mode);
			if (!hp && cp)
				json_object_set(pm, "hostPort", cp);
		} else if (!hp && cp) {
			json_object_set_new(pm, "hostPort", json_integer(0));
		}
	}
	if (json_object_get(c, "memoryReservation"))
		add_attr(attrs, "com.amazonaws.ecs.capability.docker-remote-api.1.21");
	if (json_object_get(c, "dockerLabels"))
		add_attr(attrs, "com.amazonaws.ecs.capability.docker-remote-api.1.18");
	if (json_object_get(c, "healthCheck")) {
		add_attr(attrs, "com.amazonaws.ecs.capability.docker-remote-api.1.24");
		add_attr(attrs, "ecs.capability.container-health-check");
	}
	if (json_object_get(c, "dependsOn"))
		add_attr(attrs, "ecs.capability.container-ordering");
	if (strstr(image, ".dkr.ecr.")) {
		add_attr(attrs, "com.amazonaws.ecs.capability.ecr-auth");
		if (exec_role)
			add_attr(attrs, "ecs.capability.execution-role-ecr-pull");
	}
	if (log && sim_str(log, "logDriver")) {
		char attr[128];
		const char *drv = sim_str(log, "logDriver");
		snprintf(attr, sizeof(attr), "com.amazonaws.ecs.capability.logging-driver.%s", drv);
		add_attr(attrs, attr);
		if (strcmp(drv, "awslogs") == 0) {
			add_attr(attrs, "com.amazonaws.ecs.capability.docker-remote-api.1.19");
			if (exec_role)
				add_attr(attrs, "ecs.capability.execution-role-awslogs");
		}
	}
	json_array_foreach(json_object_get(c, "secrets"), i, sec) {
		const char *from = sim_str(sec, "valueFrom");
		add_attr(attrs, from && strstr(from, ":secretsmanager:")
		                    ? "ecs.capability.secrets.asm.environment-variables"
		                    : "ecs.capability.secrets.ssm.environment-variables");
	}
	return 0;
}

int sim_taskdef_fill(json_t *td, struct ecsctl_error *err)
{
	json_t *defs = json_object_get(td, "containerDefinitions"), *c, *req, *v;
	json_t *attrs = json_array(), *names = json_object(), *compat = json_array();
	const char *mode = sim_str(td, "networkMode");
	int want_fargate = 0, want_external = 0, essential = 0, rc = 0, privileged = 0;
	long long cpu = -1, mem = -1;
	size_t i;

	if (!attrs || !names || !compat) {
		rc = ecsctl_error_nomem(err);
		goto done;
	}
	if (!mode) {
		mode = "bridge";
		json_object_set_new(td, "networkMode", json_string(mode));
	}
	if (json_array_size(defs) == 0) {
		rc = sim_fail(err, "ClientException", "Container list cannot be empty.");
		goto done;
	}
	if ((rc = normalize_size(td, "cpu", "vcpu", err)) ||
	    (rc = normalize_size(td, "memory", "gb", err)))
		goto done;
	if (sim_str(td, "cpu"))
		cpu = strtoll(sim_str(td, "cpu"), NULL, 10);
	if (sim_str(td, "memory"))
		mem = strtoll(sim_str(td, "memory"), NULL, 10);
	req = json_object_get(td, "requiresCompatibilities");
	json_array_foreach(req, i, v) {
		want_fargate |= strcmp(json_string_value(v), "FARGATE") == 0;
		want_external |= strcmp(json_string_value(v), "EXTERNAL") == 0;
	}
	if (want_fargate) {
		if (strcmp(mode, "awsvpc") != 0) {
			rc = sim_fail(err, "ClientException",
			              "Fargate only supports network mode 'awsvpc'.");
			goto done;
		}
		if (cpu < 0 || mem < 0) {
			rc = sim_fail(err, "ClientException",
			              "Fargate requires that 'cpu' and 'memory' be defined at the "
			              "task level.");
			goto done;
		}
		if (!ecsctl_model_fargate_size_ok(cpu, mem)) {
			rc = sim_fail(err, "ClientException",
			              "No Fargate configuration exists for given values: %lld CPU, "
			              "%lld memory. See the Amazon ECS documentation for the valid "
			              "values.",
			              cpu, mem);
			goto done;
		}
	}
	json_array_foreach(defs, i, c) {
		if ((rc = fill_container(c, mode, mem > 0, names, attrs,
		                         json_object_get(td, "executionRoleArn") != NULL, err)))
			goto done;
		essential |= sim_bool(c, "essential", 1);
		privileged |= sim_bool(c, "privileged", 0);
		if (want_fargate && sim_str(json_object_get(c, "logConfiguration"), "logDriver") &&
		    strcmp(sim_str(json_object_get(c, "logConfiguration"), "logDriver"),
		           "awslogs") == 0 &&
		    !json_object_get(td, "executionRoleArn")) {
			rc = sim_fail(err, "ClientException",
			              "Fargate requires task definition to have execution role ARN "
			              "to support log driver awslogs.");
			goto done;
		}
	}
	if (!essential) {
		rc = sim_fail(err, "ClientException",
		              "A task definition must have at least one essential container.");
		goto done;
	}
	if ((rc = sim_preflight_taskdef(td, want_fargate, err)))
		goto done;
	if (json_array_size(json_object_get(td, "placementConstraints")) > 10) {
		rc = sim_fail(err, "ClientException",
		              "Too many placement constraints: the limit is 10.");
		goto done;
	}
	if (json_object_get(td, "taskRoleArn"))
		add_attr(attrs, "com.amazonaws.ecs.capability.task-iam-role");
	if (strcmp(mode, "awsvpc") == 0) {
		add_attr(attrs, "com.amazonaws.ecs.capability.docker-remote-api.1.18");
		add_attr(attrs, "ecs.capability.task-eni");
	}
	if (want_external)
		json_array_append_new(compat, json_string("EXTERNAL"));
	json_array_append_new(compat, json_string("EC2"));
	if (strcmp(mode, "awsvpc") == 0 && ecsctl_model_fargate_size_ok(cpu, mem) && !privileged)
		json_array_append_new(compat, json_string("FARGATE"));
	default_list(td, "volumes");
	default_list(td, "placementConstraints");
	json_object_set(td, "requiresAttributes", attrs);
	json_object_set(td, "compatibilities", compat);
done:
	json_decref(attrs);
	json_decref(names);
	json_decref(compat);
	return rc;
}
