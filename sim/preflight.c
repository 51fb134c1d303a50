/*
 * What ECS refuses on RegisterTaskDefinition and CreateService /
 * UpdateService beyond the request shapes, with ECS's error types and texts
 * (docs/preflight.md names the report each text comes from), so that tests
 * against ecs-local see what ECS says. ecsctl checks the same rules offline
 * (model/rules_*.c); a request that passes ecsctl's preflight passes these.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_int.h"
#include "banned.h"

/* An item of list `key` of `td` whose "name" is `name`. */
static int has_named(const json_t *td, const char *key, const char *name)
{
	json_t *it;
	size_t i;

	json_array_foreach(json_object_get(td, key), i, it) {
		if (name && sim_str(it, "name") && !strcmp(sim_str(it, "name"), name))
			return 1;
	}
	return 0;
}

static int has_container(const json_t *td, const char *name)
{
	return has_named(td, "containerDefinitions", name);
}

static int reference(const json_t *td, const char *name, struct ecsctl_error *err)
{
	if (!name || has_container(td, name))
		return 0;
	return sim_fail(err, "ClientException",
	                "Invalid container reference '%s': no such container in the task "
	                "definition.",
	                name);
}

static int container_refs(const json_t *td, const json_t *c, struct ecsctl_error *err)
{
	json_t *v;
	size_t i;
	int rc;

	json_array_foreach(json_object_get(c, "mountPoints"), i, v) {
		const char *src = sim_str(v, "sourceVolume");
		if (src && !has_named(td, "volumes", src))
			return sim_fail(err, "ClientException", "Unknown volume '%s'.", src);
	}
	json_array_foreach(json_object_get(c, "dependsOn"), i, v) {
		const char *name = sim_str(v, "containerName");
		/* sic: ECS's text has the '+' */
		if (name && !has_container(td, name))
			return sim_fail(
			    err, "ClientException",
			    "Cannot depend on container + '%s' because it does not exist", name);
	}
	json_array_foreach(json_object_get(c, "volumesFrom"), i, v) {
		if ((rc = reference(td, sim_str(v, "sourceContainer"), err)))
			return rc;
	}
	json_array_foreach(json_object_get(c, "links"), i, v) {
		const char *link = json_string_value(v);
		char name[256];

		if (!link)
			continue;
		snprintf(name, sizeof(name), "%.*s", (int)strcspn(link, ":"), link);
		if ((rc = reference(td, name, err)))
			return rc;
	}
	return 0;
}

static int execution_role(const json_t *td, const json_t *c, int fargate, struct ecsctl_error *err)
{
	const json_t *log = json_object_get(c, "logConfiguration");
	const char *image = sim_str(c, "image");

	if (json_object_get(td, "executionRoleArn"))
		return 0;
	if (json_object_get(c, "secrets") || json_object_get(log, "secretOptions"))
		return sim_fail(err, "ClientException",
		                "When you are specifying container secrets, you must also specify "
		                "a value for 'executionRoleArn'.");
	if (json_object_get(c, "repositoryCredentials"))
		return sim_fail(err, "ClientException",
		                "Private repository authentication requires that the task "
		                "definition specify a value for executionRoleArn.");
	if (fargate && image && strstr(image, ".dkr.ecr.") && strstr(image, ".amazonaws.com"))
		return sim_fail(err, "ClientException",
		                "Fargate requires task definition to have execution role ARN to "
		                "support ECR images.");
	return 0;
}

int sim_preflight_taskdef(const json_t *td, int fargate, struct ecsctl_error *err)
{
	long long task_cpu = sim_str(td, "cpu") ? strtoll(sim_str(td, "cpu"), NULL, 10) : 0;
	long long task_mem = sim_str(td, "memory") ? strtoll(sim_str(td, "memory"), NULL, 10) : 0;
	long long cpu = 0, mem = 0;
	const char *proxy = sim_str(json_object_get(td, "proxyConfiguration"), "containerName");
	json_t *c;
	size_t i;
	int rc;

	json_array_foreach(json_object_get(td, "containerDefinitions"), i, c) {
		long long hard = sim_int(c, "memory", 0), soft = sim_int(c, "memoryReservation", 0);

		if ((rc = execution_role(td, c, fargate, err)) || (rc = container_refs(td, c, err)))
			return rc;
		if (hard && soft > hard)
			return sim_fail(
			    err, "ClientException",
			    "Invalid 'memoryReservation' setting for container '%s'. The "
			    "memoryReservation must be less than or equal to the memory.",
			    sim_str(c, "name"));
		cpu += sim_int(c, "cpu", 0);
		mem += soft ? soft : hard;
	}
	if ((rc = reference(td, proxy, err)))
		return rc;
	if (task_cpu > 0 && cpu > task_cpu)
		return sim_fail(err, "ClientException",
		                "The sum of all container 'cpu' values cannot be greater than the "
		                "value of the task 'cpu'.");
	if (task_mem > 0 && mem > task_mem)
		return sim_fail(err, "ClientException",
		                "The sum of all container 'memoryReservation' values cannot be "
		                "greater than the value of the task 'memory'.");
	return 0;
}

static const json_t *port_of(const json_t *c, long long port, const char *name)
{
	json_t *pm;
	size_t i;

	json_array_foreach(json_object_get(c, "portMappings"), i, pm) {
		if (name ? sim_str(pm, "name") && !strcmp(sim_str(pm, "name"), name)
		         : sim_int(pm, "containerPort", -1) == port)
			return pm;
	}
	return NULL;
}

static int load_balancers(const json_t *svc, const json_t *td, struct ecsctl_error *err)
{
	json_t *lb, *c;
	size_t i, j;

	json_array_foreach(json_object_get(svc, "loadBalancers"), i, lb) {
		const char *name = sim_str(lb, "containerName");
		const json_t *found = NULL;

		if (!name)
			continue;
		json_array_foreach(json_object_get(td, "containerDefinitions"), j, c) {
			if (sim_str(c, "name") && !strcmp(sim_str(c, "name"), name))
				found = c;
		}
		if (!found)
			return sim_fail(err, "InvalidParameterException",
			                "The container %s does not exist in the task definition.",
			                name);
		if (json_object_get(lb, "containerPort") &&
		    !port_of(found, sim_int(lb, "containerPort", 0), NULL))
			return sim_fail(
			    err, "InvalidParameterException",
			    "The container %s did not have a container port %lld defined.", name,
			    sim_int(lb, "containerPort", 0));
	}
	return 0;
}

static int service_connect(const json_t *svc, const json_t *td, struct ecsctl_error *err)
{
	json_t *s, *c;
	size_t i, j;

	json_array_foreach(
	    json_object_get(json_object_get(svc, "serviceConnectConfiguration"), "services"), i,
	    s) {
		const char *name = sim_str(s, "portName");
		int found = 0;

		json_array_foreach(json_object_get(td, "containerDefinitions"), j, c) {
			found |= name && port_of(c, 0, name) != NULL;
		}
		if (name && !found)
			return sim_fail(
			    err, "InvalidParameterException",
			    "The portName '%s' in the Service Connect configuration does "
			    "not match any port mapping name in the task definition.",
			    name);
	}
	return 0;
}

int sim_preflight_service(const json_t *svc, const json_t *td, const json_t *cluster,
                          struct ecsctl_error *err)
{
	const char *launch = sim_str(svc, "launchType");
	int rc;

	if (sim_str(svc, "platformVersion") && !json_object_get(svc, "capacityProviderStrategy") &&
	    (launch
	         ? strcmp(launch, "FARGATE") != 0
	         : !json_array_size(json_object_get(cluster, "defaultCapacityProviderStrategy"))))
		return sim_fail(err, "InvalidParameterException",
		                "The platform version must be null when specifying an EC2 launch "
		                "type.");
	if ((rc = load_balancers(svc, td, err)) || (rc = service_connect(svc, td, err)))
		return rc;
	return 0;
}
