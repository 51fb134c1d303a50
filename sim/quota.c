/*
 * ECS's service quotas (the "Amazon ECS service quotas" table of the ECS
 * developer guide): one request must never make the server build an
 * unbounded number of resources. A desiredCount of 2^31-1 used to start
 * that many tasks under the store lock, wedging every other client.
 */
#include <string.h>

#include "sim_int.h"
#include "banned.h"

void sim_quota_defaults(struct sim_quotas *q, const struct ecsctl_sim_options *o)
{
	q->tasks_per_service = o->quota_tasks_per_service > 0 ? o->quota_tasks_per_service
	                                                      : SIM_QUOTA_TASKS_PER_SERVICE;
	q->services_per_cluster = o->quota_services_per_cluster > 0
	                              ? o->quota_services_per_cluster
	                              : SIM_QUOTA_SERVICES_PER_CLUSTER;
	q->clusters = o->quota_clusters > 0 ? o->quota_clusters : SIM_QUOTA_CLUSTERS;
	q->revisions = o->quota_revisions > 0 ? o->quota_revisions : SIM_QUOTA_REVISIONS;
}

int sim_quota_desired_count(const struct sim_store *s, long long desired, struct ecsctl_error *err)
{
	/* ECS's own answer to a desiredCount above "Tasks per service" */
	if (desired > s->quotas.tasks_per_service)
		return sim_fail(err, "InvalidParameterException", "Desired count exceeds limit.");
	return 0;
}

int sim_quota_new_service(const struct sim_store *s, json_t *cluster, struct ecsctl_error *err)
{
	json_t *svc;
	const char *k;
	long long n = 0;

	/* DRAINING services still hold their place; INACTIVE ones do not */
	json_object_foreach(json_object_get(cluster, "_services"), k, svc) {
		n += strcmp(sim_str(svc, "status"), "INACTIVE") != 0;
	}
	if (n >= s->quotas.services_per_cluster)
		return sim_fail(err, "InvalidParameterException",
		                "The cluster already has the maximum number of services (%lld).",
		                s->quotas.services_per_cluster);
	return 0;
}

int sim_quota_new_cluster(const struct sim_store *s, struct ecsctl_error *err)
{
	json_t *c;
	const char *k;
	long long n = 0;

	json_object_foreach(s->clusters, k, c) {
		n += strcmp(sim_str(c, "status"), "ACTIVE") == 0;
	}
	if (n >= s->quotas.clusters)
		return sim_fail(err, "InvalidParameterException",
		                "The account already has the maximum number of clusters (%lld).",
		                s->quotas.clusters);
	return 0;
}

int sim_quota_new_revision(const struct sim_store *s, long long last, struct ecsctl_error *err)
{
	/* deregistered revisions count too: numbers are never given out twice */
	if (last >= s->quotas.revisions)
		return sim_fail(err, "LimitExceededException",
		                "The task definition family has reached the maximum number of "
		                "revisions (%lld).",
		                s->quotas.revisions);
	return 0;
}
