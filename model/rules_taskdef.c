/*
 * The task definition's own rules: what RegisterTaskDefinition refuses
 * (docs/preflight.md gives each rule's source and ECS's error text).
 */
#include <stdlib.h>
#include <string.h>

#include "ecsctl/buf.h"
#include "model_int.h"
#include "banned.h"

static const struct mnode *containers(const struct model_rules *x)
{
	const struct mnode *defs = model_rule_get(x->td, "containerDefinitions");

	return defs && defs->type == MNODE_SEQ ? defs : NULL;
}

static void container_name_unique(struct model_rules *x)
{
	const struct mnode *defs = containers(x);
	size_t i, j;

	MNODE_EACH(i, defs)
	{
		const struct mnode *name = model_rule_get(defs->items[i], "name");

		for (j = 0; name && name->type == MNODE_SCALAR && j < i; j++) {
			if (!model_rule_is(model_rule_get(defs->items[j], "name"), name->value))
				continue;
			model_rule_error(
			    x, name, "containerDefinitions",
			    "container name '%s' in containerDefinitions[%zu] is already "
			    "used by containerDefinitions[%zu]",
			    name->value, i, j);
			break;
		}
	}
}

static void essential_container(struct model_rules *x)
{
	const struct mnode *defs = containers(x);
	size_t i;

	if (!defs || !defs->count)
		return;
	/* "If this parameter is omitted, a container is assumed to be essential." */
	MNODE_EACH(i, defs)
	{
		const struct mnode *e = model_rule_get(defs->items[i], "essential");

		if (!(model_rule_is(e, "false") || model_rule_is(e, "False") ||
		      model_rule_is(e, "FALSE")))
			return;
	}
	model_rule_error(x, defs, "containerDefinitions",
	                 "no container is essential; a task needs at least one");
}

static void fargate_network_mode(struct model_rules *x)
{
	const struct mnode *mode = model_rule_get(x->td, "networkMode");

	if (!model_rule_compat(x->td, "FARGATE") || !strcmp(model_rule_mode(x->td), "awsvpc"))
		return;
	/* an invalid mode is already reported by its enum */
	if (mode && (mode->type != MNODE_SCALAR ||
	             !ecsctl_schema_enum_ok(ecsctl_schema_shape("NetworkMode"), mode->value)))
		return;
	model_rule_error(x, mode ? mode : model_rule_get(x->td, "requiresCompatibilities"),
	                 "networkMode", "a FARGATE task definition needs networkMode 'awsvpc'");
}

static void fargate_cpu_memory(struct model_rules *x)
{
	const struct mnode *compat = model_rule_get(x->td, "requiresCompatibilities");
	const struct mnode *cpu = model_rule_get(x->td, "cpu");
	const struct mnode *mem = model_rule_get(x->td, "memory");
	long long c, m;

	if (!model_rule_compat(x->td, "FARGATE"))
		return;
	if (!cpu || !mem) {
		model_rule_error(x, compat, "requiresCompatibilities",
		                 "a FARGATE task definition needs task-level 'cpu' and 'memory'");
		return;
	}
	if (!model_rule_size(cpu, "vcpu", &c) || !model_rule_size(mem, "gb", &m))
		return; /* not a size at all: the shape reports it */
	if (!ecsctl_model_fargate_size_ok(c, m))
		model_rule_error(
		    x, cpu, "cpu",
		    "Fargate has no task size of cpu %lld with memory %lld MiB (valid: "
		    "256 with 512-2048, 512 with 1024-4096, 1024 with 2048-8192, 2048 "
		    "with 4096-16384, 4096 with 8192-30720, in 1024 steps; 8192 with "
		    "16384-61440 in 4096 steps; 16384 with 32768-122880 in 8192 steps)",
		    c, m);
}

static bool is_ecr_image(const struct mnode *image)
{
	return image && image->type == MNODE_SCALAR && strstr(image->value, ".dkr.ecr.") &&
	       strstr(image->value, ".amazonaws.com");
}

static void fargate_execution_role(struct model_rules *x)
{
	const struct mnode *defs = containers(x);
	size_t i;

	if (!model_rule_compat(x->td, "FARGATE") || model_rule_get(x->td, "executionRoleArn"))
		return;
	MNODE_EACH(i, defs)
	{
		const struct mnode *c = defs->items[i];
		const struct mnode *drv = model_rule_get(model_rule_get(c, "logConfiguration"),
		                                         "logDriver");
		const struct mnode *image = model_rule_get(c, "image");

		if (model_rule_is(drv, "awslogs"))
			model_rule_error(
			    x, drv, "logConfiguration.logDriver",
			    "a FARGATE task definition with the awslogs log driver "
			    "needs 'executionRoleArn' (the role that writes the logs)");
		else if (is_ecr_image(image))
			model_rule_error(x, image, "image",
			                 "a FARGATE task definition pulling from Amazon ECR needs "
			                 "'executionRoleArn' (the role that pulls the image)");
	}
}

static void secrets_execution_role(struct model_rules *x)
{
	const struct mnode *defs = containers(x);
	size_t i;

	if (model_rule_get(x->td, "executionRoleArn"))
		return;
	MNODE_EACH(i, defs)
	{
		const struct mnode *c = defs->items[i];
		const struct mnode *sec = model_rule_get(c, "secrets");
		const struct mnode *opt = model_rule_get(model_rule_get(c, "logConfiguration"),
		                                         "secretOptions");
		const struct mnode *auth = model_rule_get(c, "repositoryCredentials");

		/* ECS refuses even an empty list (aws/aws-sdk-go#2370) */
		if (sec || opt)
			model_rule_error(x, sec ? sec : opt, sec ? "secrets" : "secretOptions",
			                 "container secrets need 'executionRoleArn' (the role that "
			                 "reads them)");
		if (auth)
			model_rule_error(x, auth, "repositoryCredentials",
			                 "private registry authentication needs 'executionRoleArn' "
			                 "(the role that reads the credentials)");
	}
}

static void awsvpc_host_port(struct model_rules *x)
{
	const struct mnode *defs = containers(x);
	const char *mode = model_rule_mode(x->td);
	size_t i, j;

	if (strcmp(mode, "awsvpc") && strcmp(mode, "host"))
		return;
	MNODE_EACH(i, defs)
	{
		const struct mnode *pms = model_rule_get(defs->items[i], "portMappings");

		MNODE_EACH(j, pms)
		{
			const struct mnode *hp = model_rule_get(pms->items[j], "hostPort");
			const struct mnode *cp = model_rule_get(pms->items[j], "containerPort");
			long long h, c;

			if (model_rule_int(hp, &h) && model_rule_int(cp, &c) && h != c)
				model_rule_error(
				    x, hp, "portMappings",
				    "hostPort %lld differs from containerPort %lld; with "
				    "networkMode '%s' the hostPort must be left out or "
				    "equal the containerPort",
				    h, c, mode);
		}
	}
}

/* A container's name for messages ("?" when it has none to show). */
static const char *name_of(const struct mnode *c)
{
	const struct mnode *n = model_rule_get(c, "name");

	return n && n->type == MNODE_SCALAR ? n->value : "?";
}

static void container_memory(struct model_rules *x)
{
	const struct mnode *defs = containers(x);
	bool task_memory = model_rule_get(x->td, "memory") != NULL;
	size_t i;

	MNODE_EACH(i, defs)
	{
		const struct mnode *c = defs->items[i];
		const struct mnode *hard = model_rule_get(c, "memory");
		const struct mnode *soft = model_rule_get(c, "memoryReservation");
		long long h, s;

		if (!hard && !soft && !task_memory)
			model_rule_error(
			    x, c, "containerDefinitions",
			    "container '%s' needs 'memory' or 'memoryReservation' when "
			    "the task sets no 'memory'",
			    name_of(c));
		if (model_rule_int(hard, &h) && model_rule_int(soft, &s) && s > h)
			model_rule_error(
			    x, soft, "memoryReservation",
			    "memoryReservation %lld is more than the container's memory "
			    "limit %lld",
			    s, h);
	}
}

static void task_size_sum(struct model_rules *x)
{
	const struct mnode *defs = containers(x);
	const struct mnode *tcpu = model_rule_get(x->td, "cpu");
	const struct mnode *tmem = model_rule_get(x->td, "memory");
	long long task_cpu = -1, task_mem = -1, cpu = 0, mem = 0, v;
	size_t i;

	if ((tcpu && !model_rule_size(tcpu, "vcpu", &task_cpu)) ||
	    (tmem && !model_rule_size(tmem, "gb", &task_mem)))
		return;
	MNODE_EACH(i, defs)
	{
		const struct mnode *c = defs->items[i];

		if (model_rule_int(model_rule_get(c, "cpu"), &v))
			cpu += v;
		/* what ECS reserves: the soft limit, else the hard one */
		if (model_rule_int(model_rule_get(c, "memoryReservation"), &v) ||
		    model_rule_int(model_rule_get(c, "memory"), &v))
			mem += v;
	}
	if (tcpu && task_cpu > 0 && cpu > task_cpu)
		model_rule_error(
		    x, tcpu, "cpu",
		    "the containers' cpu adds up to %lld, more than the task's cpu %lld", cpu,
		    task_cpu);
	if (tmem && task_mem > 0 && mem > task_mem)
		model_rule_error(
		    x, tmem, "memory",
		    "the containers reserve %lld MiB of memory (memoryReservation, else "
		    "memory), more than the task's memory %lld",
		    mem, task_mem);
}

static bool has_volume(const struct model_rules *x, const char *name)
{
	const struct mnode *vols = model_rule_get(x->td, "volumes");
	size_t i;

	MNODE_EACH(i, vols)
	if (model_rule_is(model_rule_get(vols->items[i], "name"), name))
		return true;
	return false;
}

static void mount_source_volume(struct model_rules *x)
{
	const struct mnode *defs = containers(x);
	size_t i, j;

	MNODE_EACH(i, defs)
	{
		const struct mnode *mps = model_rule_get(defs->items[i], "mountPoints");

		MNODE_EACH(j, mps)
		{
			const struct mnode *src = model_rule_get(mps->items[j], "sourceVolume");

			if (src && src->type == MNODE_SCALAR && !has_volume(x, src->value))
				model_rule_error(
				    x, src, "mountPoints",
				    "sourceVolume '%s' is not a volume of the task (its "
				    "'volumes' name the ones there are)",
				    src->value);
		}
	}
}

static void unknown_container(struct model_rules *x, const struct mnode *ref, const char *what,
                              const char *name)
{
	model_rule_error(x, ref, what, "%s names container '%s', which the task does not have",
	                 what, name);
}

static void container_reference(struct model_rules *x)
{
	const struct mnode *defs = containers(x), *l, *n;
	size_t i, j;

	MNODE_EACH(i, defs)
	{
		const struct mnode *c = defs->items[i];

		l = model_rule_get(c, "volumesFrom");
		MNODE_EACH(j, l)
		{
			n = model_rule_get(l->items[j], "sourceContainer");
			if (n && n->type == MNODE_SCALAR && !model_rule_container(x->td, n->value))
				unknown_container(x, n, "volumesFrom", n->value);
		}
		l = model_rule_get(c, "dependsOn");
		MNODE_EACH(j, l)
		{
			n = model_rule_get(l->items[j], "containerName");
			if (n && n->type == MNODE_SCALAR && !model_rule_container(x->td, n->value))
				unknown_container(x, n, "dependsOn", n->value);
		}
		l = model_rule_get(c, "links");
		MNODE_EACH(j, l)
		{
			/* "name:alias" */
			char *name;

			n = l->items[j];
			if (n->type != MNODE_SCALAR)
				continue;
			name = strndup(n->value, strcspn(n->value, ":"));
			if (name && !model_rule_container(x->td, name))
				unknown_container(x, n, "links", name);
			free(name);
		}
	}
	n = model_rule_get(model_rule_get(x->td, "proxyConfiguration"), "containerName");
	if (n && n->type == MNODE_SCALAR && !model_rule_container(x->td, n->value))
		unknown_container(x, n, "proxyConfiguration", n->value);
}

const struct model_rule model_taskdef_rules[] = {
    {"container-name-unique", container_name_unique},
    {"essential-container", essential_container},
    {"fargate-network-mode", fargate_network_mode},
    {"fargate-cpu-memory", fargate_cpu_memory},
    {"fargate-execution-role", fargate_execution_role},
    {"secrets-execution-role", secrets_execution_role},
    {"awsvpc-host-port", awsvpc_host_port},
    {"container-memory", container_memory},
    {"task-size-sum", task_size_sum},
    {"mount-source-volume", mount_source_volume},
    {"container-reference", container_reference},
    {NULL, NULL},
};
