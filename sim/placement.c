/*
 * Task placement on container instances, in ECS's order: the instances
 * with enough CPU, memory and free host ports, then those satisfying the
 * task's required attributes and placement constraints (memberOf,
 * distinctInstance), then the placement strategies in the order given
 * (spread, binpack, random), each choosing among the best of the previous.
 * Services without a strategy spread over Availability Zones, then
 * instances; RunTask without one picks at random (ECS's defaults).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ecsctl/buf.h"
#include "sim_ec2.h"
#include "banned.h"

#define MAX_CANDIDATES 1024

struct need {
	long long cpu, memory;
	json_t *ports, *udp; /* host ports the task reserves */
};

/* Task-level cpu/memory when set, else the containers' sums. */
static void task_need(const json_t *td, struct need *n)
{
	const char *mode = sim_str(td, "networkMode");
	int host_ports = !mode || strcmp(mode, "bridge") == 0 || strcmp(mode, "host") == 0;
	json_t *c, *pm;
	size_t i, j;

	n->cpu = n->memory = 0;
	n->ports = json_array();
	n->udp = json_array();
	json_array_foreach(json_object_get(td, "containerDefinitions"), i, c) {
		n->cpu += sim_int(c, "cpu", 0);
		n->memory += sim_int(c, "memory", sim_int(c, "memoryReservation", 0));
		json_array_foreach(json_object_get(c, "portMappings"), j, pm) {
			long long hp = sim_int(pm, "hostPort", 0);
			const char *proto = sim_str(pm, "protocol");
			char buf[24];
			if (!host_ports || hp <= 0)
				continue; /* awsvpc has its own ENI; 0 is a dynamic port */
			snprintf(buf, sizeof(buf), "%lld", hp);
			json_array_append_new(proto && strcmp(proto, "udp") == 0 ? n->udp
			                                                         : n->ports,
			                      json_string(buf));
		}
	}
	if (sim_str(td, "cpu"))
		n->cpu = strtoll(sim_str(td, "cpu"), NULL, 10);
	if (sim_str(td, "memory"))
		n->memory = strtoll(sim_str(td, "memory"), NULL, 10);
}

static int overlaps(const json_t *want, const json_t *taken)
{
	json_t *a, *b;
	size_t i, j;

	json_array_foreach(want, i, a) {
		json_array_foreach(taken, j, b) {
			if (json_equal(a, b))
				return 1;
		}
	}
	return 0;
}

static const char *resources_fit(const json_t *inst, const struct sim_usage *u,
                                 const struct need *n, int *passed)
{
	json_t *reg = NULL, *r;
	size_t i;

	*passed = 0;
	if (sim_instance_registered(inst, "CPU") - u->cpu < n->cpu)
		return "RESOURCE:CPU";
	(*passed)++;
	if (sim_instance_registered(inst, "MEMORY") - u->memory < n->memory)
		return "RESOURCE:MEMORY";
	(*passed)++;
	json_array_foreach(json_object_get(inst, "registeredResources"), i, r) {
		if (strcmp(sim_str(r, "name"), "PORTS") == 0)
			reg = json_object_get(r, "stringSetValue");
	}
	if (overlaps(n->ports, u->ports) || overlaps(n->ports, reg))
		return "RESOURCE:PORTS";
	if (overlaps(n->udp, u->udp))
		return "RESOURCE:PORTS_UDP";
	(*passed)++;
	return NULL;
}

static int has_required_attrs(const json_t *inst, const json_t *td)
{
	json_t *a;
	size_t i;

	json_array_foreach(json_object_get(td, "requiresAttributes"), i, a) {
		const char *have = sim_instance_attr(inst, sim_str(a, "name"));
		if (!have || (sim_str(a, "value") && strcmp(have, sim_str(a, "value")) != 0))
			return 0;
	}
	return 1;
}

/* Whether an instance runs a live task of `group`. */
static int runs_group(json_t *cluster, json_t *inst, const char *group, double now)
{
	const char *id;
	json_t *owner;

	json_object_foreach(json_object_get(inst, "_tasks"), id, owner) {
		json_t *t = sim_cluster_task(cluster, id);
		if (t && sim_task_holds(t, now) && sim_str(t, "group") &&
		    strcmp(sim_str(t, "group"), group) == 0)
			return 1;
	}
	return 0;
}

/* The constraints of the task definition and of the request, one after
 * the other; NULL when all hold, else ECS's failure reason. */
static const char *constraints_hold(json_t *cluster, json_t *inst, const json_t *list,
                                    const char *group, double now, struct ecsctl_error *err)
{
	struct sim_instance_subject is = {cluster, inst, now};
	json_t *c;
	size_t i;

	json_array_foreach(list, i, c) {
		const char *type = sim_str(c, "type");
		if (type && strcmp(type, "distinctInstance") == 0) {
			if (group && runs_group(cluster, inst, group, now))
				return "DistinctInstance placement constraint unsatisfied.";
		} else if (type && strcmp(type, "memberOf") == 0 && sim_str(c, "expression")) {
			struct sim_query *q = NULL;
			int ok;
			if (sim_query_parse(&q, sim_str(c, "expression"), err))
				return "";
			ok = sim_query_eval(q, sim_instance_lookup, &is);
			sim_query_free(q);
			if (!ok)
				return "MemberOf placement constraint unsatisfied.";
		}
	}
	return NULL;
}

int sim_place_check_constraints(const json_t *list, struct ecsctl_error *err)
{
	json_t *c;
	size_t i;

	json_array_foreach(list, i, c) {
		const char *type = sim_str(c, "type"), *expr = sim_str(c, "expression");
		struct sim_query *q = NULL;
		if (type && strcmp(type, "distinctInstance") == 0 && expr)
			return sim_fail(err, "InvalidParameterException",
			                "An expression cannot be given for a distinctInstance "
			                "constraint.");
		if (type && strcmp(type, "memberOf") == 0 && !expr)
			return sim_fail(err, "InvalidParameterException",
			                "A memberOf constraint needs an expression.");
		if (expr && sim_query_parse(&q, expr, err))
			return ECSCTL_EAWS;
		sim_query_free(q);
	}
	return 0;
}

/* A candidate instance and what it has left. */
struct slot {
	json_t *inst;
	const char *id;
	long long cpu_left, mem_left;
};

/* Checks one instance with its usage: NULL when the task fits, else the
 * reason; *passed counts the checks it passed (the closest instance is named
 * on a miss). */
static const char *fits(struct sim_place_req *r, json_t *inst, const struct sim_usage *u,
                        const struct need *n, int *passed, struct ecsctl_error *err)
{
	const char *why;
	json_t *all = json_array();

	why = resources_fit(inst, u, n, passed);
	if (why)
		goto done;
	if (!has_required_attrs(inst, r->td)) {
		why = "ATTRIBUTE";
		goto done;
	}
	(*passed)++;
	json_array_extend(all, json_object_get(r->td, "placementConstraints"));
	if (r->constraints)
		json_array_extend(all, (json_t *)r->constraints);
	why = constraints_hold(r->cluster, inst, all, sim_str(r->task, "group"), r->now, err);
	if (!why)
		(*passed)++;
done:
	json_decref(all);
	return why;
}

/* The group's tasks per value of an attribute ("" when an instance has
 * none), summed once per placement: spread compares candidates by it. */
static json_t *per_value(json_t *cluster, const char *attr, json_t *counts)
{
	json_t *out = json_object(), *inst;
	const char *id;

	json_object_foreach(json_object_get(cluster, "_instances"), id, inst) {
		const char *v = sim_instance_attr(inst, attr);
		json_object_set_new(
		    out, v ? v : "",
		    json_integer(sim_int(out, v ? v : "", 0) + sim_int(counts, id, 0)));
	}
	return out;
}

static long long score(const json_t *strategy, const struct slot *c, json_t *counts, json_t *values,
                       const struct need *n)
{
	const char *type = sim_str(strategy, "type"), *field = sim_str(strategy, "field");

	if (strcmp(type, "binpack") == 0) {
		/* the least left over wins */
		if (field && strcasecmp(field, "cpu") == 0)
			return c->cpu_left - n->cpu;
		return c->mem_left - n->memory;
	}
	/* spread */
	if (values) {
		const char *mine = sim_instance_attr(c->inst, field + 10);
		return sim_int(values, mine ? mine : "", 0);
	}
	return sim_int(counts, c->id, 0); /* instanceId, host */
}

/* Keeps the best-scoring candidates of each strategy in turn; the first of
 * the best (registration order) wins. `counts`: the group's tasks per
 * instance id. */
static struct slot *choose(struct sim_place_req *r, struct slot *cand, size_t n, json_t *counts,
                           const struct need *need)
{
	json_t *strategies = (json_t *)r->strategy, *deflt = NULL, *st;
	size_t i, k;

	if (json_array_size(strategies) == 0) {
		deflt = r->default_spread ? json_pack("[{s:s,s:s},{s:s,s:s}]", "type", "spread",
		                                      "field", "attribute:ecs.availability-zone",
		                                      "type", "spread", "field", "instanceId")
		                          : json_pack("[{s:s}]", "type", "random");
		strategies = deflt;
	}
	json_array_foreach(strategies, k, st) {
		const char *field = sim_str(st, "field");
		long long best = 0, sc[MAX_CANDIDATES];
		size_t kept = 0;
		json_t *values;

		if (strcmp(sim_str(st, "type"), "random") == 0) {
			cand[0] = cand[(size_t)ecsctl_rand_below(r->rng, n)];
			n = 1;
			break;
		}
		values = field && strncmp(field, "attribute:", 10) == 0 &&
		                 strcmp(sim_str(st, "type"), "spread") == 0
		             ? per_value(r->cluster, field + 10, counts)
		             : NULL;
		for (i = 0; i < n; i++) {
			sc[i] = score(st, &cand[i], counts, values, need);
			if (i == 0 || sc[i] < best)
				best = sc[i];
		}
		json_decref(values);
		for (i = 0; i < n; i++) {
			if (sc[i] == best)
				cand[kept++] = cand[i];
		}
		n = kept;
	}
	json_decref(deflt);
	return &cand[0];
}

static void claim(struct sim_place_req *r, json_t *inst, const struct need *n)
{
	const char *arn = sim_str(inst, "containerInstanceArn");
	const char *az = sim_instance_attr(inst, "ecs.availability-zone");
	json_t *c, *pm;
	size_t i, j;

	json_object_set_new(r->task, "containerInstanceArn", json_string(arn));
	if (az)
		json_object_set_new(r->task, "availabilityZone", json_string(az));
	json_object_set_new(r->task, "_res",
	                    json_pack("{s:I,s:I,s:O,s:O}", "cpu", (json_int_t)n->cpu, "memory",
	                              (json_int_t)n->memory, "ports", n->ports, "udp", n->udp));
	json_object_set_new(json_object_get(inst, "_tasks"),
	                    sim_arn_tail(sim_str(r->task, "taskArn")),
	                    json_string(r->owner ? r->owner : ""));
	/* indexed now, so the next placement of this pass sees it */
	json_object_set_new(json_object_get(r->cluster, "_index"),
	                    sim_arn_tail(sim_str(r->task, "taskArn")),
	                    json_string(r->owner ? r->owner : ""));
	/* static host ports show as network bindings of the containers */
	json_array_foreach(json_object_get(r->td, "containerDefinitions"), i, c) {
		json_t *bindings = json_array(), *tc = NULL, *x;
		size_t m;
		json_array_foreach(json_object_get(r->task, "containers"), m, x) {
			if (strcmp(sim_str(x, "name"), sim_str(c, "name")) == 0)
				tc = x;
		}
		json_array_foreach(json_object_get(c, "portMappings"), j, pm) {
			if (sim_int(pm, "hostPort", 0) <= 0 ||
			    json_array_size(n->ports) + json_array_size(n->udp) == 0)
				continue;
			json_array_append_new(
			    bindings,
			    json_pack("{s:s,s:O,s:O,s:O}", "bindIP", "0.0.0.0", "containerPort",
			              json_object_get(pm, "containerPort"), "hostPort",
			              json_object_get(pm, "hostPort"), "protocol",
			              json_object_get(pm, "protocol")));
		}
		if (tc && json_array_size(bindings))
			json_object_set(tc, "networkBindings", bindings);
		json_decref(bindings);
	}
}

int sim_place(struct sim_place_req *r, struct sim_place_miss *miss, struct ecsctl_error *err)
{
	struct slot cand[MAX_CANDIDATES];
	json_t *inst, *counts = json_object();
	const char *id, *group = sim_str(r->task, "group");
	struct need n;
	size_t nc = 0;
	int best = -1, active = 0, rc = 1;

	miss->instance[0] = '\0';
	miss->reason = NULL;
	task_need(r->td, &n);
	/* one pass: each instance's usage, and the group's tasks on it (spread
	 * counts them on every instance, candidate or not) */
	json_object_foreach(json_object_get(r->cluster, "_instances"), id, inst) {
		struct sim_usage u;
		const char *why = NULL;
		int passed = 0;
		if (r->only && inst != r->only)
			continue;
		sim_instance_usage(r->cluster, inst, r->now, group, &u);
		json_object_set_new(counts, id, json_integer(u.in_group));
		if (strcmp(sim_str(inst, "status"), "ACTIVE") == 0 &&
		    sim_bool(inst, "agentConnected", 1)) {
			active++;
			why = fits(r, inst, &u, &n, &passed, err);
			if (!why && nc < MAX_CANDIDATES)
				cand[nc++] = (struct slot){
				    inst, id, sim_instance_registered(inst, "CPU") - u.cpu,
				    sim_instance_registered(inst, "MEMORY") - u.memory};
		}
		sim_usage_release(&u);
		if (why && !*why) {
			rc = ECSCTL_EAWS; /* an unparsable constraint */
			goto done;
		}
		if (why && passed > best) {
			best = passed;
			snprintf(miss->instance, sizeof(miss->instance), "%s", id);
			miss->reason = why;
		}
	}
	if (!active || !nc) {
		if (!active)
			miss->reason = NULL;
		goto done;
	}
	claim(r, nc == 1 ? cand[0].inst : choose(r, cand, nc, counts, &n)->inst, &n);
	rc = 0;
done:
	json_decref(counts);
	json_decref(n.ports);
	json_decref(n.udp);
	return rc;
}

void sim_place_miss_text(const struct sim_place_miss *miss, const char *svc, char *buf, size_t n)
{
	const char *why = miss->reason;
	const char *text = !why ? NULL
	                   : strcmp(why, "RESOURCE:CPU") == 0
	                       ? "has insufficient CPU units available."
	                   : strcmp(why, "RESOURCE:MEMORY") == 0
	                       ? "has insufficient memory available."
	                   : strncmp(why, "RESOURCE:PORTS", 14) == 0
	                       ? "is already using a port required by your task."
	                   : strcmp(why, "ATTRIBUTE") == 0
	                       ? "is missing an attribute required by your task."
	                       : "does not satisfy the placement constraints of your task.";

	if (!text)
		snprintf(
		    buf, n,
		    "(service %s) was unable to place a task because no container instance met "
		    "all of its requirements. Reason: No Container Instances were found in your "
		    "cluster.",
		    svc);
	else
		snprintf(
		    buf, n,
		    "(service %s) was unable to place a task because no container instance met "
		    "all of its requirements. The closest matching (container-instance %s) %s "
		    "For more information, see the Troubleshooting section of the Amazon ECS "
		    "Developer Guide.",
		    svc, miss->instance, text);
}

int sim_place_service_task(json_t *svc, json_t *task, const json_t *td, json_t *only,
                           struct sim_deploy_ctx *ctx)
{
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	struct sim_place_miss miss;
	struct sim_place_req r = {ctx->cluster,
	                          task,
	                          td,
	                          json_object_get(svc, "placementConstraints"),
	                          json_object_get(svc, "placementStrategy"),
	                          1,
	                          only,
	                          sim_str(svc, "serviceName"),
	                          ctx->now,
	                          ctx->rng};
	char text[512];
	const char *last = sim_str(svc, "_placeMiss");
	double at = json_number_value(json_object_get(svc, "_noCapacityAt"));
	int rc = sim_place(&r, &miss, &err);

	ecsctl_error_release(&err);
	if (rc == 0) {
		json_object_del(svc, "_placeMiss");
		return 0;
	}
	/* the same reason is told again only after a while, as ECS does */
	sim_place_miss_text(&miss, sim_str(svc, "serviceName"), text, sizeof(text));
	if (!last || strcmp(last, text) != 0 || ctx->now - at >= 300) {
		sim_service_event(svc, ctx->rng, ctx->now, "%s", text);
		json_object_set_new(svc, "_placeMiss", json_string(text));
		json_object_set_new(svc, "_noCapacityAt", sim_time(ctx->now));
	}
	return 1;
}

int sim_place_eligible(json_t *cluster, json_t *inst, const json_t *td, const json_t *svc,
                       double now)
{
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	json_t *all = json_array();
	const char *why;

	if (strcmp(sim_str(inst, "status"), "ACTIVE") != 0 || !has_required_attrs(inst, td)) {
		json_decref(all);
		return 0;
	}
	json_array_extend(all, json_object_get(td, "placementConstraints"));
	json_array_extend(all, json_object_get(svc, "placementConstraints"));
	/* distinctInstance is what DAEMON does anyway */
	why = constraints_hold(cluster, inst, all, NULL, now, &err);
	ecsctl_error_release(&err);
	json_decref(all);
	return why == NULL;
}
