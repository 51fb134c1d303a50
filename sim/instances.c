/*
 * Container instances: what they hold and how they answer. The operations
 * are in instance_ops.c; `--instances` in instance_seed.c.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecsctl/buf.h"
#include "sim_ec2.h"
#include "banned.h"

int sim_cluster_has_instances(const json_t *cluster)
{
	return json_is_object(json_object_get(cluster, "_instances"));
}

json_t *sim_instance_find(json_t *cluster, const char *ref)
{
	if (!ref)
		return NULL;
	/* "arn:...:container-instance/<cluster>/<id>" (or the old "/<id>") */
	return json_object_get(json_object_get(cluster, "_instances"), sim_arn_tail(ref));
}

json_t *sim_cluster_task(json_t *cluster, const char *id)
{
	const char *owner = sim_str(json_object_get(cluster, "_index"), id);
	json_t *svc;

	if (!owner)
		return NULL;
	if (!*owner)
		return json_object_get(json_object_get(cluster, "_standalone"), id);
	svc = json_object_get(json_object_get(cluster, "_services"), owner);
	return json_object_get(json_object_get(svc, "_tasks"), id);
}

int sim_task_holds(const json_t *task, double now)
{
	const char *st = sim_str(task, "lastStatus");

	if (!st || strcmp(st, "STOPPED") == 0)
		return 0;
	/* a task whose stop is due holds nothing, even if its owner has not
	 * been moved along the clock yet */
	return !(strcmp(st, "STOPPING") == 0 && sim_task_next_change(task) <= now);
}

static void add_ports(json_t *set, const json_t *ports)
{
	json_t *p;
	size_t i;

	json_array_foreach(ports, i, p) {
		json_array_append(set, p);
	}
}

void sim_instance_usage(json_t *cluster, json_t *inst, double now, const char *group,
                        struct sim_usage *u)
{
	json_t *tasks = json_object_get(inst, "_tasks"), *owner;
	const char *id;
	void *tmp;

	memset(u, 0, sizeof(*u));
	u->ports = json_array();
	u->udp = json_array();
	json_object_foreach_safe(tasks, tmp, id, owner) {
		json_t *t = sim_cluster_task(cluster, id), *res;
		const char *st;
		if (!t || !sim_task_holds(t, now)) {
			/* forgotten: the instance keeps only the tasks that hold something */
			if (!t || strcmp(sim_str(t, "lastStatus"), "STOPPED") == 0)
				json_object_del(tasks, id);
			continue;
		}
		res = json_object_get(t, "_res");
		u->cpu += sim_int(res, "cpu", 0);
		u->memory += sim_int(res, "memory", 0);
		add_ports(u->ports, json_object_get(res, "ports"));
		add_ports(u->udp, json_object_get(res, "udp"));
		if (group && sim_str(t, "group") && strcmp(sim_str(t, "group"), group) == 0)
			u->in_group++;
		st = sim_str(t, "lastStatus");
		if (strcmp(st, "RUNNING") == 0)
			u->running++;
		else if (strcmp(sim_str(t, "desiredStatus"), "RUNNING") == 0)
			u->pending++;
		(void)owner;
	}
}

void sim_usage_release(struct sim_usage *u)
{
	json_decref(u->ports);
	json_decref(u->udp);
	u->ports = u->udp = NULL;
}

static json_t *resource(const json_t *inst, const char *key, const char *name)
{
	json_t *r;
	size_t i;

	json_array_foreach(json_object_get(inst, key), i, r) {
		if (sim_str(r, "name") && strcmp(sim_str(r, "name"), name) == 0)
			return r;
	}
	return NULL;
}

long long sim_instance_registered(const json_t *inst, const char *name)
{
	return sim_int(resource(inst, "registeredResources", name), "integerValue", 0);
}

const char *sim_instance_attr(const json_t *inst, const char *name)
{
	const json_t *attrs = json_object_get(inst, "attributes");
	int at = sim_find_named(attrs, name);
	const char *v = at < 0 ? NULL : sim_str(json_array_get(attrs, (size_t)at), "value");

	return at < 0 ? NULL : v ? v : "";
}

static json_t *strings(const char *one)
{
	json_t *a = json_array();

	if (one)
		json_array_append_new(a, json_string(one));
	return a;
}

json_t *sim_instance_lookup(void *arg, const char *subject)
{
	struct sim_instance_subject *is = arg;
	json_t *inst = is->inst, *out;
	char buf[64];

	if (strncmp(subject, "attribute:", 10) == 0) {
		const char *v = sim_instance_attr(inst, subject + 10);
		/* an attribute without a value exists; `==` compares with "" */
		return strings(v);
	}
	if (strcmp(subject, "ec2InstanceId") == 0)
		return strings(sim_str(inst, "ec2InstanceId"));
	if (strcmp(subject, "agentConnected") == 0)
		return strings(sim_bool(inst, "agentConnected", 1) ? "true" : "false");
	if (strcmp(subject, "agentVersion") == 0)
		return strings(sim_str(json_object_get(inst, "versionInfo"), "agentVersion"));
	if (strcmp(subject, "registeredAt") == 0) {
		snprintf(buf, sizeof(buf), "%.3f",
		         json_number_value(json_object_get(inst, "registeredAt")));
		return strings(buf);
	}
	if (strcmp(subject, "runningTasksCount") == 0) {
		struct sim_usage u;
		sim_instance_usage(is->cluster, inst, is->now, NULL, &u);
		snprintf(buf, sizeof(buf), "%d", u.running);
		sim_usage_release(&u);
		return strings(buf);
	}
	out = json_array();
	if (strcmp(subject, "task:group") == 0) {
		const char *id;
		json_t *owner;
		json_object_foreach(json_object_get(inst, "_tasks"), id, owner) {
			json_t *t = sim_cluster_task(is->cluster, id);
			if (t && sim_task_holds(t, is->now))
				json_array_append(out, json_object_get(t, "group"));
		}
	}
	return out;
}

/* Finishes an agent update whose time has come (UpdateContainerAgent). */
static void agent_update_due(json_t *inst, double now)
{
	json_t *at = json_object_get(inst, "_agentUpdateAt");

	if (!at || now < json_number_value(at))
		return;
	json_object_set_new(inst, "agentUpdateStatus", json_string("UPDATED"));
	json_object_set_new(json_object_get(inst, "versionInfo"), "agentVersion",
	                    json_string(SIM_AGENT_LATEST));
	json_object_set_new(inst, "version", json_integer(sim_int(inst, "version", 1) + 1));
	json_object_del(inst, "_agentUpdateAt");
}

static json_t *remaining(const json_t *inst, const struct sim_usage *u)
{
	json_t *out = json_array(), *r;
	size_t i;

	json_array_foreach(json_object_get(inst, "registeredResources"), i, r) {
		const char *name = sim_str(r, "name");
		json_t *c = json_deep_copy(r);
		if (strcmp(name, "CPU") == 0 || strcmp(name, "MEMORY") == 0) {
			long long used = strcmp(name, "CPU") == 0 ? u->cpu : u->memory;
			json_object_set_new(c, "integerValue",
			                    json_integer(sim_int(r, "integerValue", 0) - used));
		} else if (strcmp(name, "PORTS") == 0 || strcmp(name, "PORTS_UDP") == 0) {
			/* ECS lists the ports taken: the reserved ones and the tasks' */
			json_t *set = json_object_get(c, "stringSetValue");
			if (!set) {
				set = json_array();
				json_object_set_new(c, "stringSetValue", set);
			}
			add_ports(set, strcmp(name, "PORTS") == 0 ? u->ports : u->udp);
		}
		json_array_append_new(out, c);
	}
	return out;
}

json_t *sim_instance_render(json_t *cluster, json_t *inst, double now, int with_tags)
{
	struct sim_usage u;
	json_t *out;

	agent_update_due(inst, now);
	out = sim_public(inst);
	sim_instance_usage(cluster, inst, now, NULL, &u);
	json_object_set_new(out, "remainingResources", remaining(inst, &u));
	json_object_set_new(out, "runningTasksCount", json_integer(u.running));
	json_object_set_new(out, "pendingTasksCount", json_integer(u.pending));
	sim_usage_release(&u);
	json_object_set_new(out, "tags", with_tags ? sim_tags_list(inst) : json_array());
	return out;
}

int sim_cluster_instance_count(const json_t *cluster)
{
	const char *k;
	json_t *inst;
	int n = 0;

	json_object_foreach(json_object_get(cluster, "_instances"), k, inst) {
		n += strcmp(sim_str(inst, "status"), "INACTIVE") != 0;
	}
	return n;
}
