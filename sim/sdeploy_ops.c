/* ListServiceDeployments, DescribeServiceDeployments, DescribeServiceRevisions,
 * StopServiceDeployment, ContinueServiceDeployment, and POST /_alarm. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecsctl/arn.h"
#include "sim_int.h"
#include "banned.h"

#define DESCRIBE_MAX 20

struct found {
	json_t *cluster, *svc, *item;
};

/* A service deployment or revision by ARN ("<kind>/CLUSTER/SERVICE/ID"),
 * its service advanced to now; 0 when found. */
static int find(struct sim_store *s, const char *arn, const char *kind, const char *where,
                struct found *f)
{
	const char *rest = ecsctl_arn_resource(arn, kind), *a, *b;
	char cname[SIM_NAME_MAX + 1], sname[SIM_NAME_MAX + 1];

	memset(f, 0, sizeof(*f));
	if (!rest || !(a = strchr(rest, '/')) || !(b = strchr(a + 1, '/')) ||
	    a - rest > SIM_NAME_MAX || b - a - 1 > SIM_NAME_MAX)
		return -1;
	snprintf(cname, sizeof(cname), "%.*s", (int)(a - rest), rest);
	snprintf(sname, sizeof(sname), "%.*s", (int)(b - a - 1), a + 1);
	f->cluster = json_object_get(s->clusters, cname);
	f->svc = json_object_get(json_object_get(f->cluster, "_services"), sname);
	f->item = json_object_get(json_object_get(f->svc, where), b + 1);
	if (!f->item)
		return -1;
	sim_store_advance(s, f->cluster, f->svc);
	return 0;
}

static int check_arns(const json_t *arns, const char *what, struct ecsctl_error *err)
{
	if (json_array_size(arns) == 0)
		return sim_fail(err, "InvalidParameterException", "%s cannot be empty.", what);
	if (json_array_size(arns) > DESCRIBE_MAX)
		return sim_fail(err, "InvalidParameterException", "%s can have at most %d items.",
		                what, DESCRIBE_MAX);
	return 0;
}

static int describe(struct sim_store *s, json_t *req, json_t **resp, const char *in,
                    const char *out, const char *kind, const char *where, struct ecsctl_error *err)
{
	json_t *arns = json_object_get(req, in), *v, *list, *failures;
	struct found f;
	size_t i;
	int rc;

	if ((rc = check_arns(arns, in, err)))
		return rc;
	list = json_array();
	failures = json_array();
	json_array_foreach(arns, i, v) {
		if (find(s, json_string_value(v), kind, where, &f) == 0)
			json_array_append_new(list, strcmp(where, "_sdeps") == 0
			                                ? sim_sdep_render(f.svc, f.item)
			                                : sim_public(f.item));
		else
			sim_missing(s, failures, kind, NULL, json_string_value(v));
	}
	*resp = json_pack("{s:o,s:o}", out, list, "failures", failures);
	return *resp ? 0 : ecsctl_error_nomem(err);
}

int sim_op_describe_service_deployments(struct sim_store *s, json_t *req, json_t **resp,
                                        struct ecsctl_error *err)
{
	return describe(s, req, resp, "serviceDeploymentArns", "serviceDeployments",
	                "service-deployment", "_sdeps", err);
}

int sim_op_describe_service_revisions(struct sim_store *s, json_t *req, json_t **resp,
                                      struct ecsctl_error *err)
{
	return describe(s, req, resp, "serviceRevisionArns", "serviceRevisions", "service-revision",
	                "_revs", err);
}

struct list_filter {
	const json_t *status, *created;
	json_t *svc;
};

static int list_item(const char *key, json_t *sd, void *arg, json_t **out)
{
	const struct list_filter *f = arg;
	double at = json_number_value(json_object_get(sd, "createdAt"));
	json_t *rev = json_object_get(json_object_get(f->svc, "_revs"),
	                              sim_str(json_object_get(sd, "_target"), "rev"));
	json_t *v;
	int match = json_array_size(f->status) == 0;
	size_t i;

	(void)key;
	json_array_foreach(f->status, i, v) {
		match |= strcmp(json_string_value(v), sim_str(sd, "status")) == 0;
	}
	if (!match)
		return 0;
	if ((json_object_get(f->created, "before") &&
	     at >= json_number_value(json_object_get(f->created, "before"))) ||
	    (json_object_get(f->created, "after") &&
	     at <= json_number_value(json_object_get(f->created, "after"))))
		return 0;
	*out = json_pack(
	    "{s:O,s:O,s:O,s:O,s:O,s:O?,s:O?,s:O,s:O?}", "serviceDeploymentArn",
	    json_object_get(sd, "serviceDeploymentArn"), "serviceArn",
	    json_object_get(sd, "serviceArn"), "clusterArn", json_object_get(sd, "clusterArn"),
	    "createdAt", json_object_get(sd, "createdAt"), "startedAt",
	    json_object_get(sd, "startedAt"), "finishedAt", json_object_get(sd, "finishedAt"),
	    "statusReason", json_object_get(sd, "statusReason"), "status",
	    json_object_get(sd, "status"), "targetServiceRevisionArn",
	    json_object_get(rev, "serviceRevisionArn"));
	return *out != NULL;
}

int sim_op_list_service_deployments(struct sim_store *s, json_t *req, json_t **resp,
                                    struct ecsctl_error *err)
{
	json_t *cluster = sim_cluster_get(s, sim_str(req, "cluster"), err), *svc, *sd, *newest;
	json_t *sdeps, *out;
	struct list_filter f = {json_object_get(req, "status"), json_object_get(req, "createdAt"),
	                        NULL};
	const char **keys;
	const char *k;
	size_t n = 0;
	int rc;

	if (!cluster)
		return ECSCTL_EAWS;
	svc = sim_service_find(cluster, sim_str(req, "service"));
	if (!svc)
		return sim_fail(err, "ServiceNotFoundException", "Service not found.");
	sim_store_advance(s, cluster, svc);
	f.svc = svc;
	sdeps = json_object_get(svc, "_sdeps");
	/* newest first: a copy of the index in reverse order (pages go by id) */
	newest = json_object();
	keys = calloc(json_object_size(sdeps) + 1, sizeof(*keys));
	if (!newest || !keys) {
		json_decref(newest);
		free(keys);
		return ecsctl_error_nomem(err);
	}
	json_object_foreach(sdeps, k, sd) {
		keys[n++] = k;
	}
	while (n-- > 0)
		json_object_set(newest, keys[n], json_object_get(sdeps, keys[n]));
	free(keys);
	out = json_object();
	rc = sim_page(out, "serviceDeployments", newest, req, 20, list_item, &f, err);
	json_decref(newest);
	if (rc) {
		json_decref(out);
		return rc;
	}
	*resp = out;
	return 0;
}

static int sdep_for_write(struct sim_store *s, const char *arn, struct found *f,
                          struct ecsctl_error *err)
{
	if (find(s, arn, "service-deployment", "_sdeps", f))
		return sim_fail(err, "ServiceDeploymentNotFoundException",
		                "The service deployment %s does not exist.", arn ? arn : "");
	return 0;
}

int sim_op_stop_service_deployment(struct sim_store *s, json_t *req, json_t **resp,
                                   struct ecsctl_error *err)
{
	const char *arn = sim_str(req, "serviceDeploymentArn");
	const char *type = sim_str(req, "stopType") ? sim_str(req, "stopType") : "ROLLBACK";
	struct found f;
	int rc;

	if ((rc = sdep_for_write(s, arn, &f, err)))
		return rc;
	if (strcmp(sim_str(f.item, "status"), "IN_PROGRESS") != 0 &&
	    strcmp(sim_str(f.item, "status"), "PENDING") != 0)
		return sim_fail(err, "ConflictException",
		                "The service deployment %s cannot be stopped: its status is %s.",
		                arn, sim_str(f.item, "status"));
	json_object_set_new(
	    f.item, "status",
	    json_string(strcmp(type, "ABORT") == 0 ? "STOP_REQUESTED" : "ROLLBACK_REQUESTED"));
	json_object_set_new(f.item, "updatedAt", sim_time(sim_store_now(s)));
	/* carried out on the clock's next pass, at this instant */
	json_object_set_new(f.item, "_at", sim_time(sim_store_now(s)));
	sim_store_mark_busy(s, f.cluster, f.svc);
	*resp = json_pack("{s:s}", "serviceDeploymentArn", arn);
	return 0;
}

int sim_op_continue_service_deployment(struct sim_store *s, json_t *req, json_t **resp,
                                       struct ecsctl_error *err)
{
	const char *arn = sim_str(req, "serviceDeploymentArn"), *hook = sim_str(req, "hookId");
	const char *action = sim_str(req, "action") ? sim_str(req, "action") : "CONTINUE";
	json_t *h, *found = NULL;
	struct found f;
	size_t i;
	int rc;

	if ((rc = sdep_for_write(s, arn, &f, err)))
		return rc;
	json_array_foreach(json_object_get(f.item, "lifecycleHookDetails"), i, h) {
		if (strcmp(sim_str(h, "hookId"), hook) == 0)
			found = h;
	}
	if (!found || strcmp(sim_str(found, "targetType"), "PAUSE") != 0)
		return sim_fail(err, "InvalidParameterException",
		                "The hook %s is not a pause hook of service deployment %s.", hook,
		                arn);
	if (strcmp(sim_str(found, "status"), "AWAITING_ACTION") != 0 ||
	    strcmp(sim_str(f.item, "status"), "IN_PROGRESS") != 0)
		return sim_fail(err, "InvalidParameterException",
		                "The hook %s is not awaiting action: its status is %s.", hook,
		                sim_str(found, "status"));
	if (strcmp(action, "ROLLBACK") == 0) {
		json_object_set_new(found, "status", json_string("FAILED"));
		json_object_set_new(found, "_by",
		                    json_string(": ROLLBACK by ContinueServiceDeployment"));
	} else {
		json_object_set_new(found, "status", json_string("SUCCEEDED"));
	}
	sim_store_mark_busy(s, f.cluster, f.svc);
	sim_store_advance(s, f.cluster, f.svc);
	*resp = json_pack("{s:s}", "serviceDeploymentArn", arn);
	return 0;
}

int sim_op_set_alarm(struct sim_store *s, json_t *req, json_t **resp, struct ecsctl_error *err)
{
	const char *name = sim_str(req, "alarmName"), *state = sim_str(req, "state");
	json_t *c, *svc;
	const char *k, *n;

	if (!name || !*name || !state ||
	    (strcmp(state, "ALARM") && strcmp(state, "OK") && strcmp(state, "INSUFFICIENT_DATA")))
		return sim_fail(err, "InvalidParameterException",
		                "/_alarm needs {\"alarmName\": NAME, \"state\": "
		                "\"ALARM\"|\"OK\"|\"INSUFFICIENT_DATA\"}.");
	json_object_set_new(
	    s->alarms, name,
	    json_pack("{s:s,s:o}", "state", state, "at", sim_time(sim_store_now(s))));
	/* deployments that watch it see it at once */
	json_object_foreach(s->clusters, k, c) {
		json_object_foreach(json_object_get(c, "_services"), n, svc) {
			if (sim_sdep_active(svc)) {
				sim_store_mark_busy(s, c, svc);
				sim_store_advance(s, c, svc);
			}
		}
	}
	*resp = json_pack("{s:s,s:s}", "alarmName", name, "state", state);
	return 0;
}
