/*
 * `--instances CLUSTER=N[:cpu=2048,memory=4096,type=t3.large,az=a|b]`:
 * simulated container instances that register as soon as their cluster
 * exists, as an Auto Scaling group's instances would, so EC2 scenarios need
 * no scripting. They register through the same code as
 * RegisterContainerInstance, with an identity document and the capability
 * attributes an ECS-optimized AMI's agent reports.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecsctl/buf.h"
#include "sim_ec2.h"
#include "banned.h"

#define SEED_MAX 1000

/* What the agent of an ECS-optimized AMI reports, enough for every
 * requiresAttributes that RegisterTaskDefinition derives (taskdef_fill.c). */
static const char *const capabilities[] = {
    "com.amazonaws.ecs.capability.privileged-container",
    "com.amazonaws.ecs.capability.docker-remote-api.1.17",
    "com.amazonaws.ecs.capability.docker-remote-api.1.18",
    "com.amazonaws.ecs.capability.docker-remote-api.1.19",
    "com.amazonaws.ecs.capability.docker-remote-api.1.20",
    "com.amazonaws.ecs.capability.docker-remote-api.1.21",
    "com.amazonaws.ecs.capability.docker-remote-api.1.22",
    "com.amazonaws.ecs.capability.docker-remote-api.1.23",
    "com.amazonaws.ecs.capability.docker-remote-api.1.24",
    "com.amazonaws.ecs.capability.docker-remote-api.1.25",
    "com.amazonaws.ecs.capability.docker-remote-api.1.29",
    "com.amazonaws.ecs.capability.docker-remote-api.1.32",
    "com.amazonaws.ecs.capability.docker-remote-api.1.44",
    "com.amazonaws.ecs.capability.logging-driver.json-file",
    "com.amazonaws.ecs.capability.logging-driver.syslog",
    "com.amazonaws.ecs.capability.logging-driver.awslogs",
    "com.amazonaws.ecs.capability.logging-driver.fluentd",
    "com.amazonaws.ecs.capability.logging-driver.gelf",
    "com.amazonaws.ecs.capability.logging-driver.journald",
    "com.amazonaws.ecs.capability.logging-driver.splunk",
    "com.amazonaws.ecs.capability.logging-driver.awsfirelens",
    "com.amazonaws.ecs.capability.logging-driver.none",
    "com.amazonaws.ecs.capability.ecr-auth",
    "com.amazonaws.ecs.capability.task-iam-role",
    "com.amazonaws.ecs.capability.task-iam-role-network-host",
    "ecs.capability.execution-role-awslogs",
    "ecs.capability.execution-role-ecr-pull",
    "ecs.capability.container-health-check",
    "ecs.capability.container-ordering",
    "ecs.capability.task-eni",
    "ecs.capability.secrets.asm.environment-variables",
    "ecs.capability.secrets.ssm.environment-variables",
    NULL,
};

static int bad(struct ecsctl_error *err, const char *spec, const char *why)
{
	return ecsctl_error_set(err, ECSCTL_EINVAL,
	                        "--instances '%s': %s (CLUSTER=N[:cpu=C,memory=M,type=T,az=A|B])",
	                        spec, why);
}

static int number(const char *s, long long min, long long max, long long *out)
{
	char *end = NULL;

	errno = 0;
	*out = strtoll(s, &end, 10);
	return !*s || *end || errno || *out < min || *out > max ? -1 : 0;
}

/* One "CLUSTER=N[:k=v,...]" into `out`. `one` is modified. */
static int parse_one(json_t *out, char *one, const char *orig, struct ecsctl_error *err)
{
	char *eq = strchr(one, '='), *opts, *kv, *next;
	json_t *spec;
	long long v;

	if (!eq || eq == one)
		return bad(err, orig, "a cluster name is expected before '='");
	*eq = '\0';
	if (!sim_valid_name(one))
		return bad(err, orig, "not a cluster name");
	opts = strchr(eq + 1, ':');
	if (opts)
		*opts++ = '\0';
	if (number(eq + 1, 0, SEED_MAX, &v))
		return bad(err, orig, "the count must be 0..1000");
	spec = json_pack("{s:I,s:I,s:I,s:s,s:[]}", "count", (json_int_t)v, "cpu", (json_int_t)2048,
	                 "memory", (json_int_t)4096, "type", "t3.medium", "azs");
	json_object_set_new(out, one, spec);
	for (kv = opts; kv && *kv; kv = next) {
		char *val = strchr(kv, '=');
		next = strchr(kv, ',');
		if (next)
			*next++ = '\0';
		if (!val)
			return bad(err, orig, "options are key=value");
		*val++ = '\0';
		if (strcmp(kv, "cpu") == 0 || strcmp(kv, "memory") == 0) {
			if (number(val, 1, 10000000, &v))
				return bad(err, orig, "cpu and memory are positive integers");
			json_object_set_new(spec, kv, json_integer(v));
		} else if (strcmp(kv, "type") == 0 && *val) {
			json_object_set_new(spec, "type", json_string(val));
		} else if (strcmp(kv, "az") == 0 && *val) {
			for (char *az = val, *bar; az; az = bar) {
				bar = strchr(az, '|');
				if (bar)
					*bar++ = '\0';
				if (!*az)
					return bad(err, orig, "an empty Availability Zone");
				json_array_append_new(json_object_get(spec, "azs"),
				                      json_string(az));
			}
		} else {
			return bad(err, orig, "unknown option (cpu, memory, type, az)");
		}
	}
	return 0;
}

int sim_instances_parse(json_t **out, const char *spec, struct ecsctl_error *err)
{
	char *copy = spec ? strdup(spec) : NULL, *one, *next;
	int rc = 0;

	*out = json_object();
	if (!copy || !*out) {
		free(copy);
		return ecsctl_error_nomem(err);
	}
	for (one = copy; one && !rc; one = next) {
		char *orig;
		next = strchr(one, ';');
		if (next)
			*next++ = '\0';
		/* parse_one cuts `one` up; messages quote it whole */
		orig = strdup(one);
		rc = orig ? parse_one(*out, one, orig, err) : ecsctl_error_nomem(err);
		free(orig);
	}
	free(copy);
	if (rc) {
		json_decref(*out);
		*out = NULL;
	}
	return rc;
}

int ecsctl_sim_instances_check(const char *spec, struct ecsctl_error *err)
{
	json_t *out = NULL;
	int rc = sim_instances_parse(&out, spec, err);

	json_decref(out);
	return rc;
}

int sim_instances_seed(struct sim_store *s, json_t *cluster)
{
	json_t *spec = json_object_get(s->instance_specs, sim_str(cluster, "clusterName"));
	json_t *azs = json_object_get(spec, "azs"), *attrs, *req = NULL;
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	char az[48];
	long long i;
	int rc = 0;

	if (!spec || json_object_get(cluster, "_instances"))
		return 0;
	snprintf(az, sizeof(az), "%sa", s->region);
	attrs = json_array();
	for (const char *const *c = capabilities; *c; c++)
		json_array_append_new(attrs, json_pack("{s:s}", "name", *c));
	json_object_set_new(cluster, "_instances", json_object());
	for (i = 0; i < sim_int(spec, "count", 0) && rc == 0; i++) {
		const char *zone = json_array_size(azs)
		                       ? json_string_value(
		                             json_array_get(azs, (size_t)i % json_array_size(azs)))
		                       : az;
		json_t *doc = json_pack("{s:s,s:s,s:s,s:s}", "availabilityZone", zone,
		                        "instanceType", sim_str(spec, "type"), "imageId",
		                        "ami-0ec5l0ca10000000", "region", s->region);
		char *text = json_dumps(doc, JSON_COMPACT);
		json_decref(doc);
		req = json_pack("{s:[{s:s,s:s,s:I},{s:s,s:s,s:I}],s:{s:s,s:s,s:s},s:s,s:O}",
		                "totalResources", "name", "CPU", "type", "INTEGER", "integerValue",
		                (json_int_t)sim_int(spec, "cpu", 2048), "name", "MEMORY", "type",
		                "INTEGER", "integerValue",
		                (json_int_t)sim_int(spec, "memory", 4096), "versionInfo",
		                "agentVersion", "1.88.0", "agentHash", "ecslocal", "dockerVersion",
		                "DockerVersion: 25.0.8", "instanceIdentityDocument",
		                text ? text : "{}", "attributes", attrs);
		free(text);
		if (!sim_instance_register(s, cluster, req, &err))
			rc = -1;
		json_decref(req);
	}
	json_decref(attrs);
	ecsctl_error_release(&err);
	return rc;
}

void sim_instances_seed_all(struct sim_store *s)
{
	const char *name;
	json_t *spec;

	json_object_foreach(s->instance_specs, name, spec) {
		json_t *c = json_object_get(s->clusters, name);
		if (c && strcmp(sim_str(c, "status"), "ACTIVE") == 0)
			sim_instances_seed(s, c);
	}
}
