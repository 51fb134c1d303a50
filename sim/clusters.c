/* Clusters: CreateCluster, DescribeClusters, ListClusters, DeleteCluster,
 * UpdateCluster, UpdateClusterSettings. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_ec2.h"
#include "banned.h"

static int check_settings(const json_t *settings, struct ecsctl_error *err)
{
	json_t *st;
	size_t i;

	json_array_foreach((json_t *)settings, i, st) {
		const char *n = sim_str(st, "name"), *v = sim_str(st, "value");
		if (!n || strcmp(n, "containerInsights") != 0)
			return sim_fail(err, "InvalidParameterException",
			                "Cluster setting name is not valid. Valid names: "
			                "containerInsights.");
		if (!v || (strcmp(v, "enabled") && strcmp(v, "disabled") && strcmp(v, "enhanced")))
			return sim_fail(err, "InvalidParameterException",
			                "Cluster setting value for containerInsights must be "
			                "enabled, disabled or enhanced.");
	}
	return 0;
}

static void merge_settings(json_t *cluster, const json_t *settings)
{
	json_t *have = json_object_get(cluster, "settings"), *st, *h;
	size_t i, j;

	json_array_foreach((json_t *)settings, i, st) {
		int found = 0;
		json_array_foreach(have, j, h) {
			if (strcmp(sim_str(h, "name"), sim_str(st, "name")) == 0) {
				json_object_set(h, "value", json_object_get(st, "value"));
				found = 1;
			}
		}
		if (!found)
			json_array_append_new(have, json_copy(st));
	}
}

static void counts(json_t *cluster, int stats, json_t *out)
{
	json_t *svc, *t;
	const char *k;
	long long running = 0, pending = 0, active = 0, draining = 0;
	long long run_f = 0, pend_f = 0, act_f = 0;

	json_object_foreach(json_object_get(cluster, "_services"), k, svc) {
		const char *st = sim_str(svc, "status");
		int fargate = sim_str(svc, "launchType") &&
		              strcmp(sim_str(svc, "launchType"), "FARGATE") == 0;
		if (strcmp(st, "INACTIVE") == 0)
			continue;
		running += sim_int(svc, "runningCount", 0);
		pending += sim_int(svc, "pendingCount", 0);
		if (fargate) {
			run_f += sim_int(svc, "runningCount", 0);
			pend_f += sim_int(svc, "pendingCount", 0);
		}
		if (strcmp(st, "ACTIVE") == 0) {
			active++;
			act_f += fargate;
		} else {
			draining++;
		}
	}
	json_object_foreach(json_object_get(cluster, "_standalone"), k, t) {
		const char *l = sim_str(t, "lastStatus");
		if (strcmp(sim_str(t, "desiredStatus"), "RUNNING") != 0)
			continue;
		if (strcmp(l, "RUNNING") == 0)
			running++;
		else
			pending++;
	}
	json_object_set_new(out, "runningTasksCount", json_integer(running));
	json_object_set_new(out, "pendingTasksCount", json_integer(pending));
	json_object_set_new(out, "activeServicesCount", json_integer(active));
	json_object_set_new(out, "registeredContainerInstancesCount",
	                    json_integer(sim_cluster_instance_count(cluster)));
	if (stats) {
		char v[8][32];
		long long n[8] = {running - run_f, run_f, pending - pend_f, pend_f,
		                  active - act_f,  act_f, draining,         0};
		const char *names[8] = {"runningEC2TasksCount",    "runningFargateTasksCount",
		                        "pendingEC2TasksCount",    "pendingFargateTasksCount",
		                        "activeEC2ServiceCount",   "activeFargateServiceCount",
		                        "drainingEC2ServiceCount", "drainingFargateServiceCount"};
		json_t *list = json_array();
		for (int i = 0; i < 8; i++) {
			snprintf(v[i], sizeof(v[i]), "%lld", n[i]);
			json_array_append_new(
			    list, json_pack("{s:s,s:s}", "name", names[i], "value", v[i]));
		}
		json_object_set_new(out, "statistics", list);
	}
}

/* What a cluster answer carries; DescribeClusters adds only what `include`
 * asks for (the model: "If this field is omitted, this information isn't
 * included"), the other operations answer with settings and configuration. */
#define WITH_STATS 1
#define WITH_TAGS 2
#define WITH_SETTINGS 4
#define WITH_CONFIG 8
#define WITH_FULL (WITH_TAGS | WITH_SETTINGS | WITH_CONFIG)

static json_t *render(json_t *cluster, int with)
{
	json_t *out = sim_public(cluster);

	counts(cluster, with & WITH_STATS, out);
	json_object_set_new(out, "tags", with & WITH_TAGS ? sim_tags_list(cluster) : json_array());
	if (!(with & WITH_SETTINGS))
		json_object_del(out, "settings");
	if (!(with & WITH_CONFIG))
		json_object_del(out, "configuration");
	return out;
}

int sim_op_create_cluster(struct sim_store *s, json_t *req, json_t **resp, struct ecsctl_error *err)
{
	const char *name = sim_str(req, "clusterName");
	json_t *c = NULL, *settings = json_object_get(req, "settings");
	char *arn = NULL;
	int rc = 0;

	if (!name)
		name = "default";
	if (!sim_valid_name(name))
		return sim_fail(err, "InvalidParameterException",
		                "Cluster name must be 1-255 characters: letters, numbers, hyphens "
		                "and underscores.");
	c = json_object_get(s->clusters, name);
	if (c && strcmp(sim_str(c, "status"), "ACTIVE") == 0) {
		/* ECS answers an existing cluster as if it had created it */
		*resp = json_pack("{s:o}", "cluster", render(c, WITH_FULL));
		return 0;
	}
	if ((rc = check_settings(settings, err)) || (rc = sim_quota_new_cluster(s, err)))
		return rc;
	arn = sim_arn(s, "cluster/%s", name);
	c = json_pack("{s:s,s:s,s:s,s:i,s:i,s:i,s:i,s:[],s:[{s:s,s:s}],s:[],s:[],s:{},s:{},s:{}}",
	              "clusterArn", arn, "clusterName", name, "status", "ACTIVE",
	              "registeredContainerInstancesCount", 0, "runningTasksCount", 0,
	              "pendingTasksCount", 0, "activeServicesCount", 0, "statistics", "settings",
	              "name", "containerInsights", "value", "disabled", "capacityProviders",
	              "defaultCapacityProviderStrategy", "_services", "_index", "_standalone");
	free(arn);
	if (!c)
		return ecsctl_error_nomem(err);
	merge_settings(c, settings);
	for (const char *const *k = (const char *const[]){"configuration", "capacityProviders",
	                                                  "defaultCapacityProviderStrategy",
	                                                  "serviceConnectDefaults", NULL};
	     *k; k++) {
		if (json_object_get(req, *k))
			json_object_set(c, *k, json_object_get(req, *k));
	}
	if ((rc = sim_tags_apply(c, json_object_get(req, "tags"), err))) {
		json_decref(c);
		return rc;
	}
	json_object_set_new(s->clusters, name, c);
	sim_instances_seed(s, c);
	*resp = json_pack("{s:o}", "cluster", render(c, WITH_FULL));
	return 0;
}

int sim_op_describe_clusters(struct sim_store *s, json_t *req, json_t **resp,
                             struct ecsctl_error *err)
{
	json_t *names = json_object_get(req, "clusters"), *n, *found = json_array(),
	       *failures = json_array();
	int with = (sim_include(req, "STATISTICS") ? WITH_STATS : 0) |
	           (sim_include(req, "TAGS") ? WITH_TAGS : 0) |
	           (sim_include(req, "SETTINGS") ? WITH_SETTINGS : 0) |
	           (sim_include(req, "CONFIGURATIONS") ? WITH_CONFIG : 0);
	size_t i;

	if (json_array_size(names) > 100) {
		json_decref(found);
		json_decref(failures);
		return sim_fail(err, "InvalidParameterException",
		                "clusters can have at most 100 items.");
	}
	if (json_array_size(names) == 0) {
		json_t *c = json_object_get(s->clusters, "default");
		if (c)
			json_array_append_new(found, render(c, with));
		else
			sim_missing(s, failures, "cluster", NULL, "default");
	}
	json_array_foreach(names, i, n) {
		const char *ref = json_string_value(n);
		json_t *c = json_object_get(s->clusters, sim_arn_tail(ref));
		if (c)
			json_array_append_new(found, render(c, with));
		else
			sim_missing(s, failures, "cluster", NULL, ref);
	}
	*resp = json_pack("{s:o,s:o}", "clusters", found, "failures", failures);
	return 0;
}

static int list_item(const char *key, json_t *c, void *arg, json_t **out)
{
	if (strcmp(sim_str(c, "status"), "ACTIVE") != 0)
		return 0;
	*out = json_incref(json_object_get(c, "clusterArn"));
	return 1;
}

int sim_op_list_clusters(struct sim_store *s, json_t *req, json_t **resp, struct ecsctl_error *err)
{
	json_t *out = json_object();
	int rc = sim_page(out, "clusterArns", s->clusters, req, 100, list_item, NULL, err);

	if (rc) {
		json_decref(out);
		return rc;
	}
	*resp = out;
	return 0;
}

int sim_op_delete_cluster(struct sim_store *s, json_t *req, json_t **resp, struct ecsctl_error *err)
{
	json_t *c = sim_cluster_get(s, sim_str(req, "cluster"), err), *svc, *t;
	const char *k;

	if (!c)
		return ECSCTL_EAWS;
	json_object_foreach(json_object_get(c, "_services"), k, svc) {
		if (strcmp(sim_str(svc, "status"), "INACTIVE") != 0)
			return sim_fail(err, "ClusterContainsServicesException",
			                "The Cluster cannot be deleted while Services are active.");
	}
	json_object_foreach(json_object_get(c, "_standalone"), k, t) {
		if (strcmp(sim_str(t, "lastStatus"), "STOPPED") != 0)
			return sim_fail(err, "ClusterContainsTasksException",
			                "The Cluster cannot be deleted while Tasks are active.");
	}
	if (sim_cluster_instance_count(c))
		return sim_fail(
		    err, "ClusterContainsContainerInstancesException",
		    "The Cluster cannot be deleted while Container Instances are active "
		    "or draining.");
	json_object_set_new(c, "status", json_string("INACTIVE"));
	*resp = json_pack("{s:o}", "cluster", render(c, WITH_FULL & ~WITH_TAGS));
	return 0;
}

/* What UpdateCluster and UpdateClusterSettings share: the cluster named,
 * its `settings` checked, then merged (*c set). */
static int update_settings(struct sim_store *s, json_t *req, json_t **c, struct ecsctl_error *err)
{
	int rc;

	if (!(*c = sim_cluster_get(s, sim_str(req, "cluster"), err)))
		return ECSCTL_EAWS;
	if ((rc = check_settings(json_object_get(req, "settings"), err)))
		return rc;
	merge_settings(*c, json_object_get(req, "settings"));
	return 0;
}

int sim_op_update_cluster(struct sim_store *s, json_t *req, json_t **resp, struct ecsctl_error *err)
{
	json_t *c;
	int rc;

	if ((rc = update_settings(s, req, &c, err)))
		return rc;
	if (json_object_get(req, "configuration"))
		json_object_set(c, "configuration", json_object_get(req, "configuration"));
	if (json_object_get(req, "serviceConnectDefaults"))
		json_object_set(c, "serviceConnectDefaults",
		                json_object_get(req, "serviceConnectDefaults"));
	*resp = json_pack("{s:o}", "cluster", render(c, WITH_FULL & ~WITH_TAGS));
	return 0;
}

int sim_op_update_cluster_settings(struct sim_store *s, json_t *req, json_t **resp,
                                   struct ecsctl_error *err)
{
	json_t *c;
	int rc;

	if ((rc = update_settings(s, req, &c, err)))
		return rc;
	*resp = json_pack("{s:o}", "cluster", render(c, WITH_FULL & ~WITH_TAGS));
	return 0;
}
