/*
 * A service's rules: what CreateService / UpdateService refuse, alone or
 * with the task definition the service runs and its cluster
 * (docs/preflight.md gives each rule's source and ECS's error text).
 */
#include <stdlib.h>
#include <string.h>

#include "model_int.h"
#include "banned.h"

static const char *where(const struct model_rules *x)
{
	return x->td_where ? x->td_where : "its task definition";
}

static void launch_type_capacity_provider(struct model_rules *x)
{
	const struct mnode *lt = model_rule_get(x->svc, "launchType");

	/* "If a capacityProviderStrategy is specified, the launchType parameter
	 * must be omitted." */
	if (lt && model_rule_get(x->svc, "capacityProviderStrategy"))
		model_rule_error(x, lt, "launchType",
		                 "'launchType' and 'capacityProviderStrategy' exclude each other");
}

static void platform_version(struct model_rules *x)
{
	const struct mnode *pv = model_rule_get(x->svc, "platformVersion");
	const struct mnode *lt = model_rule_get(x->svc, "launchType");

	if (!pv || model_rule_is(lt, "FARGATE") ||
	    model_rule_get(x->svc, "capacityProviderStrategy"))
		return;
	/* neither given: the cluster's default strategy decides, EC2 without one */
	if (!lt && (!x->cluster || model_rule_get(x->cluster, "defaultCapacityProviderStrategy")))
		return;
	model_rule_error(x, pv, "platformVersion",
	                 "'platformVersion' is only for Fargate: the service runs on %s",
	                 lt && lt->type == MNODE_SCALAR ? lt->value
	                                                : "EC2 (its cluster has no default "
	                                                  "capacity provider strategy)");
}

static void network_configuration(struct model_rules *x)
{
	const struct mnode *net = model_rule_get(x->svc, "networkConfiguration");
	const struct mnode *aws = model_rule_get(net, "awsvpcConfiguration");
	const char *mode;

	if (!x->td)
		return;
	mode = model_rule_mode(x->td);
	if (!strcmp(mode, "awsvpc") && !aws)
		model_rule_error(x, net ? net : model_rule_get(x->svc, "taskDefinition"),
		                 "networkConfiguration",
		                 "%s uses networkMode 'awsvpc': the service needs "
		                 "'networkConfiguration.awsvpcConfiguration' (subnets, security "
		                 "groups)",
		                 where(x));
	else if (strcmp(mode, "awsvpc") && aws)
		model_rule_error(
		    x, aws, "networkConfiguration",
		    "'networkConfiguration.awsvpcConfiguration' is only for networkMode "
		    "'awsvpc'; %s uses '%s'",
		    where(x), mode);
}

static bool has_port(const struct mnode *c, long long port, const char *name)
{
	const struct mnode *pms = model_rule_get(c, "portMappings");
	long long v;
	size_t i;

	MNODE_EACH(i, pms)
	{
		if (name && model_rule_is(model_rule_get(pms->items[i], "name"), name))
			return true;
		if (!name && model_rule_int(model_rule_get(pms->items[i], "containerPort"), &v) &&
		    v == port)
			return true;
	}
	return false;
}

static void load_balancer_container(struct model_rules *x)
{
	const struct mnode *lbs = model_rule_get(x->svc, "loadBalancers");
	size_t i;

	if (!x->td)
		return;
	MNODE_EACH(i, lbs)
	{
		const struct mnode *name = model_rule_get(lbs->items[i], "containerName");
		const struct mnode *port = model_rule_get(lbs->items[i], "containerPort");
		const struct mnode *c;
		long long p;

		if (!name || name->type != MNODE_SCALAR)
			continue;
		c = model_rule_container(x->td, name->value);
		if (!c)
			model_rule_error(
			    x, name, "loadBalancers",
			    "loadBalancers[%zu] names container '%s', which %s does not "
			    "have",
			    i, name->value, where(x));
		else if (model_rule_int(port, &p) && !has_port(c, p, NULL))
			model_rule_error(x, port, "loadBalancers",
			                 "loadBalancers[%zu] sends to port %lld of container '%s', "
			                 "which has no port mapping with that containerPort in %s",
			                 i, p, name->value, where(x));
	}
}

static bool any_port_named(const struct mnode *td, const char *name)
{
	const struct mnode *defs = model_rule_get(td, "containerDefinitions");
	size_t i;

	MNODE_EACH(i, defs)
	if (has_port(defs->items[i], 0, name))
		return true;
	return false;
}

static void service_connect_port_name(struct model_rules *x)
{
	const struct mnode *sc = model_rule_get(x->svc, "serviceConnectConfiguration");
	const struct mnode *svcs = model_rule_get(sc, "services");
	size_t i;

	if (!x->td)
		return;
	MNODE_EACH(i, svcs)
	{
		const struct mnode *pn = model_rule_get(svcs->items[i], "portName");

		if (pn && pn->type == MNODE_SCALAR && !any_port_named(x->td, pn->value))
			model_rule_error(
			    x, pn, "serviceConnectConfiguration",
			    "serviceConnectConfiguration.services[%zu].portName '%s' is "
			    "not the 'name' of a port mapping in %s",
			    i, pn->value, where(x));
	}
}

/* Why `td` cannot run on Fargate, or NULL when it can: what ECS checks to
 * list FARGATE in a task definition's compatibilities. */
static const char *not_fargate(const struct mnode *td)
{
	const struct mnode *defs = model_rule_get(td, "containerDefinitions");
	long long cpu, mem;
	size_t i;

	if (strcmp(model_rule_mode(td), "awsvpc"))
		return "its networkMode is not 'awsvpc'";
	if (!model_rule_size(model_rule_get(td, "cpu"), "vcpu", &cpu) ||
	    !model_rule_size(model_rule_get(td, "memory"), "gb", &mem) ||
	    !ecsctl_model_fargate_size_ok(cpu, mem))
		return "its task-level cpu and memory are not a size Fargate offers";
	MNODE_EACH(i, defs)
	if (model_rule_is(model_rule_get(defs->items[i], "privileged"), "true"))
		return "a container is privileged";
	return NULL;
}

static void launch_type_compatibility(struct model_rules *x)
{
	const struct mnode *lt = model_rule_get(x->svc, "launchType");
	const struct mnode *cps = model_rule_get(x->svc, "capacityProviderStrategy");
	const struct mnode *at = model_rule_is(lt, "FARGATE") ? lt : NULL;
	const char *why;
	size_t i;

	MNODE_EACH(i, cps)
	{
		const struct mnode *cp = model_rule_get(cps->items[i], "capacityProvider");

		if (!at && (model_rule_is(cp, "FARGATE") || model_rule_is(cp, "FARGATE_SPOT")))
			at = cp;
	}
	if (!x->td || !at || !(why = not_fargate(x->td)))
		return;
	model_rule_error(x, at, lt ? "launchType" : "capacityProviderStrategy",
	                 "'%s' runs tasks on Fargate, but %s cannot run there: %s", at->value,
	                 where(x), why);
}

const struct model_rule model_service_rules[] = {
    {"launch-type-capacity-provider", launch_type_capacity_provider},
    {"platform-version", platform_version},
    {"launch-type-compatibility", launch_type_compatibility},
    {"network-configuration", network_configuration},
    {"load-balancer-container", load_balancer_container},
    {"service-connect-port-name", service_connect_port_name},
    {NULL, NULL},
};
