/*
 * Container instance operations: RegisterContainerInstance,
 * DeregisterContainerInstance, DescribeContainerInstances,
 * ListContainerInstances, UpdateContainerAgent, UpdateContainerInstancesState.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_ec2.h"
#include "banned.h"

/* The agent reserves these on every instance (ECS_RESERVED_PORTS). */
static const char *const reserved_ports[] = {"22", "2375", "2376", "51678", "51679", NULL};
#define AGENT_UPDATE_S 30.0 /* simulated seconds from PENDING to UPDATED */

static json_t *int_resource(const char *name, json_int_t v)
{
	return json_pack("{s:s,s:s,s:f,s:I,s:I}", "name", name, "type", "INTEGER", "doubleValue",
	                 0.0, "longValue", (json_int_t)0, "integerValue", v);
}

static json_t *set_resource(const char *name, json_t *set)
{
	return json_pack("{s:s,s:s,s:f,s:I,s:I,s:o}", "name", name, "type", "STRINGSET",
	                 "doubleValue", 0.0, "longValue", (json_int_t)0, "integerValue",
	                 (json_int_t)0, "stringSetValue", set);
}

/* registeredResources from the request's totalResources: CPU and MEMORY
 * are needed; PORTS defaults to the agent's reserved ports. */
static json_t *registered(const json_t *total, struct ecsctl_error *err)
{
	json_t *out = json_array(), *r, *cpu = NULL, *mem = NULL, *ports = NULL, *udp = NULL;
	size_t i;

	json_array_foreach(total, i, r) {
		const char *n = sim_str(r, "name");
		if (!n)
			continue;
		if (strcmp(n, "CPU") == 0)
			cpu = r;
		else if (strcmp(n, "MEMORY") == 0)
			mem = r;
		else if (strcmp(n, "PORTS") == 0)
			ports = r;
		else if (strcmp(n, "PORTS_UDP") == 0)
			udp = r;
	}
	if (!cpu || !mem || sim_int(cpu, "integerValue", -1) < 0 ||
	    sim_int(mem, "integerValue", -1) < 0) {
		json_decref(out);
		sim_fail(err, "InvalidParameterException",
		         "totalResources must give CPU and MEMORY as INTEGER values.");
		return NULL;
	}
	json_array_append_new(out, int_resource("CPU", sim_int(cpu, "integerValue", 0)));
	json_array_append_new(out, int_resource("MEMORY", sim_int(mem, "integerValue", 0)));
	if (ports) {
		json_array_append_new(out, set_resource("PORTS", json_deep_copy(json_object_get(
		                                                     ports, "stringSetValue"))));
	} else {
		json_t *set = json_array();
		for (const char *const *p = reserved_ports; *p; p++)
			json_array_append_new(set, json_string(*p));
		json_array_append_new(out, set_resource("PORTS", set));
	}
	json_array_append_new(
	    out,
	    set_resource("PORTS_UDP", udp ? json_deep_copy(json_object_get(udp, "stringSetValue"))
	                                  : json_array()));
	/* anything else the agent reports (GPU, ...) is kept as given */
	json_array_foreach(total, i, r) {
		if (r != cpu && r != mem && r != ports && r != udp)
			json_array_append_new(out, json_deep_copy(r));
	}
	return out;
}

static void set_attr(json_t *attrs, const char *name, const char *value)
{
	json_t *a;
	size_t i;

	json_array_foreach(attrs, i, a) {
		if (strcmp(sim_str(a, "name"), name) == 0) {
			if (value)
				json_object_set_new(a, "value", json_string(value));
			else
				json_object_del(a, "value");
			return;
		}
	}
	a = json_pack("{s:s}", "name", name);
	if (value)
		json_object_set_new(a, "value", json_string(value));
	json_array_append_new(attrs, a);
}

static void merge_attrs(json_t *attrs, const json_t *given)
{
	json_t *a;
	size_t i;

	json_array_foreach(given, i, a) {
		if (sim_str(a, "name"))
			set_attr(attrs, sim_str(a, "name"), sim_str(a, "value"));
	}
}

/* The instance identity document's facts become ECS's attributes. */
static int identity(json_t *inst, const char *doc_text, uint64_t *rng, struct ecsctl_error *err)
{
	json_t *attrs = json_object_get(inst, "attributes"), *doc = NULL;
	char id[40], hex[33];

	if (doc_text) {
		doc = json_loads(doc_text, 0, NULL);
		if (!json_is_object(doc)) {
			json_decref(doc);
			return sim_fail(err, "InvalidParameterException",
			                "instanceIdentityDocument is not a JSON object.");
		}
	}
	sim_hex_id(rng, hex);
	snprintf(id, sizeof(id), "i-%.17s", hex);
	json_object_set_new(
	    inst, "ec2InstanceId",
	    json_string(sim_str(doc, "instanceId") ? sim_str(doc, "instanceId") : id));
	if (sim_str(doc, "imageId"))
		set_attr(attrs, "ecs.ami-id", sim_str(doc, "imageId"));
	if (sim_str(doc, "availabilityZone"))
		set_attr(attrs, "ecs.availability-zone", sim_str(doc, "availabilityZone"));
	if (sim_str(doc, "instanceType"))
		set_attr(attrs, "ecs.instance-type", sim_str(doc, "instanceType"));
	if (!sim_instance_attr(inst, "ecs.os-type"))
		set_attr(attrs, "ecs.os-type", "linux");
	if (!sim_instance_attr(inst, "ecs.cpu-architecture"))
		set_attr(attrs, "ecs.cpu-architecture", "x86_64");
	json_decref(doc);
	return 0;
}

/* Every service of the cluster looks again: DAEMON services follow the
 * instances, and replicas may now fit or must move. */
void sim_instances_changed(struct sim_store *s, json_t *cluster)
{
	const char *k;
	json_t *svc;

	json_object_foreach(json_object_get(cluster, "_services"), k, svc) {
		if (strcmp(sim_str(svc, "status"), "INACTIVE") != 0)
			sim_store_mark_busy(s, cluster, svc);
	}
}

static void bump(json_t *inst)
{
	json_object_set_new(inst, "version", json_integer(sim_int(inst, "version", 1) + 1));
}

json_t *sim_instance_register(struct sim_store *s, json_t *cluster, const json_t *req,
                              struct ecsctl_error *err)
{
	json_t *all = json_object_get(cluster, "_instances"), *inst = NULL, *res;
	json_t *old = sim_instance_find(cluster, sim_str(req, "containerInstanceArn"));
	char id[33], *arn = NULL;

	if (!(res = registered(json_object_get(req, "totalResources"), err)))
		return NULL;
	if (old && strcmp(sim_str(old, "status"), "INACTIVE") != 0) {
		/* the agent registers again after a restart: same instance */
		json_object_set_new(old, "registeredResources", res);
		if (json_object_get(req, "versionInfo"))
			json_object_set_new(old, "versionInfo",
			                    json_deep_copy(json_object_get(req, "versionInfo")));
		merge_attrs(json_object_get(old, "attributes"), json_object_get(req, "attributes"));
		json_object_set_new(old, "agentConnected", json_true());
		bump(old);
		sim_instances_changed(s, cluster);
		return old;
	}
	if (!all) {
		all = json_object();
		json_object_set_new(cluster, "_instances", all);
	}
	sim_hex_id(&s->rng, id);
	arn = sim_arn(s, "container-instance/%s/%s", sim_str(cluster, "clusterName"), id);
	inst = json_pack("{s:s,s:i,s:o,s:o,s:s,s:b,s:[],s:o,s:[],s:{},s:{}}",
	                 "containerInstanceArn", arn, "version", 1, "versionInfo",
	                 json_object_get(req, "versionInfo")
	                     ? json_deep_copy(json_object_get(req, "versionInfo"))
	                     : json_object(),
	                 "registeredResources", res, "status", "ACTIVE", "agentConnected", 1,
	                 "attributes", "registeredAt", sim_time(sim_store_now(s)), "attachments",
	                 "_tasks", "_tags");
	free(arn);
	if (!inst) {
		ecsctl_error_nomem(err);
		return NULL;
	}
	merge_attrs(json_object_get(inst, "attributes"), json_object_get(req, "attributes"));
	if (identity(inst, sim_str(req, "instanceIdentityDocument"), &s->rng, err) ||
	    sim_tags_apply(inst, json_object_get(req, "tags"), err)) {
		json_decref(inst);
		return NULL;
	}
	json_object_set_new(all, id, inst);
	sim_instances_changed(s, cluster);
	return inst;
}

int sim_op_register_container_instance(struct sim_store *s, json_t *req, json_t **resp,
                                       struct ecsctl_error *err)
{
	json_t *cluster = sim_cluster_get(s, sim_str(req, "cluster"), err), *inst;

	if (!cluster)
		return ECSCTL_EAWS;
	if (!(inst = sim_instance_register(s, cluster, req, err)))
		return err->code ? err->code : ECSCTL_EAWS;
	*resp = json_pack("{s:o}", "containerInstance",
	                  sim_instance_render(cluster, inst, sim_store_now(s), 1));
	return 0;
}

static json_t *instance_arg(struct sim_store *s, json_t *req, json_t **cluster,
                            struct ecsctl_error *err)
{
	json_t *inst;

	*cluster = sim_cluster_get(s, sim_str(req, "cluster"), err);
	if (!*cluster)
		return NULL;
	inst = sim_instance_find(*cluster, sim_str(req, "containerInstance"));
	if (!inst)
		sim_fail(err, "InvalidParameterException",
		         "The referenced container instance was not found.");
	return inst;
}

int sim_op_deregister_container_instance(struct sim_store *s, json_t *req, json_t **resp,
                                         struct ecsctl_error *err)
{
	json_t *cluster, *inst = instance_arg(s, req, &cluster, err), *owner;
	double now = sim_store_now(s);
	const char *id;
	void *tmp;

	if (!inst)
		return ECSCTL_EAWS;
	json_object_foreach(json_object_get(inst, "_tasks"), id, owner) {
		json_t *t = sim_cluster_task(cluster, id);
		if (t && sim_task_holds(t, now) && !sim_bool(req, "force", 0))
			return sim_fail(err, "InvalidParameterException",
			                "Found running tasks on the instance. Use force to "
			                "deregister it anyway.");
	}
	/* with force the tasks are stopped; services start them elsewhere */
	json_object_foreach_safe(json_object_get(inst, "_tasks"), tmp, id, owner) {
		json_t *t = sim_cluster_task(cluster, id);
		if (t)
			sim_task_stop(t, now, "UserInitiated", "Container instance deregistered");
	}
	json_object_set_new(inst, "status", json_string("INACTIVE"));
	json_object_set_new(inst, "agentConnected", json_false());
	bump(inst);
	sim_instances_changed(s, cluster);
	*resp = json_pack("{s:o}", "containerInstance", sim_instance_render(cluster, inst, now, 0));
	return 0;
}

/* A list of instance references: found ones rendered, unknown ones MISSING.
 * `status` (UpdateContainerInstancesState) is set on each found one first. */
static int each_instance(struct sim_store *s, json_t *cluster, json_t *refs, const char *status,
                         int tags, json_t **resp);

int sim_op_describe_container_instances(struct sim_store *s, json_t *req, json_t **resp,
                                        struct ecsctl_error *err)
{
	json_t *cluster = sim_cluster_get(s, sim_str(req, "cluster"), err);
	json_t *refs = json_object_get(req, "containerInstances");

	if (!cluster)
		return ECSCTL_EAWS;
	if (json_array_size(refs) == 0)
		return sim_fail(err, "InvalidParameterException",
		                "Container instances cannot be empty.");
	if (json_array_size(refs) > 100)
		return sim_fail(err, "InvalidParameterException",
		                "containerInstances can have at most 100 items.");
	return each_instance(s, cluster, refs, NULL, sim_include(req, "TAGS"), resp);
}

static int set_status(struct sim_store *s, json_t *cluster, json_t *inst, const char *status)
{
	double now = sim_store_now(s);
	int drain = strcmp(status, "DRAINING") == 0;
	const char *id;
	json_t *owner;

	if (strcmp(sim_str(inst, "status"), status) == 0)
		return 0;
	json_object_set_new(inst, "status", json_string(status));
	bump(inst);
	/* service tasks there are replaced within their deployment limits
	 * (deploy.c); standalone tasks are left alone, as ECS does */
	json_object_foreach(json_object_get(inst, "_tasks"), id, owner) {
		json_t *t = sim_cluster_task(cluster, id);
		if (!t || !json_string_length(owner) || !sim_task_holds(t, now))
			continue;
		if (drain)
			json_object_set_new(t, "_drain", json_true());
		else
			json_object_del(t, "_drain");
	}
	sim_instances_changed(s, cluster);
	return 0;
}

static int each_instance(struct sim_store *s, json_t *cluster, json_t *refs, const char *status,
                         int tags, json_t **resp)
{
	json_t *found = json_array(), *failures = json_array(), *r;
	double now = sim_store_now(s);
	size_t i;

	json_array_foreach(refs, i, r) {
		const char *ref = json_string_value(r);
		json_t *inst = sim_instance_find(cluster, ref);
		if (inst && status && strcmp(sim_str(inst, "status"), "INACTIVE") == 0)
			inst = NULL;
		if (inst) {
			if (status)
				set_status(s, cluster, inst, status);
			json_array_append_new(found, sim_instance_render(cluster, inst, now, tags));
		} else {
			sim_missing(s, failures, "container-instance", cluster, ref);
		}
	}
	*resp = json_pack("{s:o,s:o}", "containerInstances", found, "failures", failures);
	return 0;
}

struct list_ctx {
	json_t *cluster;
	const char *status;
	struct sim_query *filter;
	double now;
};

static int list_item(const char *key, json_t *inst, void *arg, json_t **out)
{
	struct list_ctx *lc = arg;
	const char *st = sim_str(inst, "status");

	if (lc->status ? strcmp(st, lc->status) != 0 : strcmp(st, "INACTIVE") == 0)
		return 0;
	if (lc->filter) {
		struct sim_instance_subject is = {lc->cluster, inst, lc->now};
		if (!sim_query_eval(lc->filter, sim_instance_lookup, &is))
			return 0;
	}
	*out = json_incref(json_object_get(inst, "containerInstanceArn"));
	return 1;
}

int sim_op_list_container_instances(struct sim_store *s, json_t *req, json_t **resp,
                                    struct ecsctl_error *err)
{
	json_t *cluster = sim_cluster_get(s, sim_str(req, "cluster"), err), *out = NULL;
	json_t *none = NULL;
	struct list_ctx lc = {cluster, sim_str(req, "status"), NULL, sim_store_now(s)};
	int rc;

	if (!cluster)
		return ECSCTL_EAWS;
	if (sim_str(req, "filter") &&
	    (rc = sim_query_parse(&lc.filter, sim_str(req, "filter"), err)))
		return rc;
	out = json_object();
	none = json_object();
	rc = sim_page(out, "containerInstanceArns",
	              sim_cluster_has_instances(cluster) ? json_object_get(cluster, "_instances")
	                                                 : none,
	              req, 100, list_item, &lc, err);
	sim_query_free(lc.filter);
	json_decref(none);
	if (rc) {
		json_decref(out);
		return rc;
	}
	*resp = out;
	return 0;
}

int sim_op_update_container_agent(struct sim_store *s, json_t *req, json_t **resp,
                                  struct ecsctl_error *err)
{
	json_t *cluster, *inst = instance_arg(s, req, &cluster, err);
	double now = sim_store_now(s);
	const char *have;

	if (!inst)
		return ECSCTL_EAWS;
	json_decref(sim_instance_render(cluster, inst, now, 0)); /* finishes a due update */
	have = sim_str(json_object_get(inst, "versionInfo"), "agentVersion");
	if (!have)
		return sim_fail(err, "MissingVersionException",
		                "Amazon ECS can't determine the current version of the Amazon ECS "
		                "container agent on the container instance.");
	if (json_object_get(inst, "_agentUpdateAt"))
		return sim_fail(err, "UpdateInProgressException",
		                "There's already an agent update in progress on the container "
		                "instance.");
	if (strcmp(have, SIM_AGENT_LATEST) == 0)
		return sim_fail(err, "NoUpdateAvailableException",
		                "There's no update available for this Amazon ECS container agent.");
	json_object_set_new(inst, "agentUpdateStatus", json_string("PENDING"));
	json_object_set_new(inst, "_agentUpdateAt", sim_time(now + AGENT_UPDATE_S));
	bump(inst);
	*resp = json_pack("{s:o}", "containerInstance", sim_instance_render(cluster, inst, now, 0));
	return 0;
}

int sim_op_update_container_instances_state(struct sim_store *s, json_t *req, json_t **resp,
                                            struct ecsctl_error *err)
{
	json_t *cluster = sim_cluster_get(s, sim_str(req, "cluster"), err);
	json_t *refs = json_object_get(req, "containerInstances");
	const char *status = sim_str(req, "status");

	if (!cluster)
		return ECSCTL_EAWS;
	if (strcmp(status, "ACTIVE") != 0 && strcmp(status, "DRAINING") != 0)
		return sim_fail(err, "InvalidParameterException",
		                "Container instances can only be set to ACTIVE or DRAINING.");
	if (json_array_size(refs) == 0 || json_array_size(refs) > 10)
		return sim_fail(err, "InvalidParameterException",
		                "containerInstances must have 1 to 10 items.");
	return each_instance(s, cluster, refs, status, 0, resp);
}
