/* Typed ECS helpers: batching, pagination, safe register and create. */
#include <stdlib.h>
#include <string.h>

#include "ecs_int.h"
#include "banned.h"

#define DESCRIBE_CLUSTERS_MAX 100
#define DESCRIBE_SERVICES_MAX 10
/* DescribeServiceDeployments takes 20 ARNs a call */
#define DESCRIBE_SERVICE_DEPLOYMENTS_MAX 20

static int oom(struct ecsctl_error *err)
{
	return ecsctl_error_nomem(err);
}

/* Runs one Describe* per batch of `per` names, all at once, and concatenates
 * `key` and `failures` of the answers in order. */
static int describe_batches(json_t **items, json_t **failures, struct ecsctl_ecs *c, const char *op,
                            const char *key, const char *list_member, const char *cluster,
                            json_t *include, const char *const *names, size_t n, size_t per,
                            struct ecsctl_error *err)
{
	size_t nb = (n + per - 1) / per, i, j;
	struct ecsctl_ecs_call *calls = calloc(nb ? nb : 1, sizeof(*calls));
	int rc = 0;

	*items = json_array();
	if (failures)
		*failures = json_array();
	if (!calls || !*items || (failures && !*failures)) {
		rc = oom(err);
		goto done;
	}
	for (i = 0; i < nb; i++) {
		json_t *req = json_object(), *list = json_array();

		for (j = i * per; j < n && j < (i + 1) * per; j++)
			json_array_append_new(list, json_string(names[j]));
		json_object_set_new(req, list_member, list);
		if (cluster)
			json_object_set_new(req, "cluster", json_string(cluster));
		if (include)
			json_object_set(req, "include", include);
		calls[i].operation = op;
		calls[i].request = req;
	}
	rc = ecsctl_ecs_run(c, calls, nb, err);
	for (i = 0; !rc && i < nb; i++) {
		json_array_extend(*items, json_object_get(calls[i].response, key));
		if (failures)
			json_array_extend(*failures,
			                  json_object_get(calls[i].response, "failures"));
	}
done:
	for (i = 0; calls && i < nb; i++) {
		json_decref(calls[i].request);
		ecsctl_ecs_call_release(&calls[i]);
	}
	free(calls);
	if (rc) {
		json_decref(*items);
		*items = NULL;
		if (failures) {
			json_decref(*failures);
			*failures = NULL;
		}
	}
	return rc;
}

int ecsctl_ecs_describe_clusters(json_t **clusters, json_t **failures, struct ecsctl_ecs *c,
                                 const char *const *names, size_t n, struct ecsctl_error *err)
{
	json_t *include = json_pack("[sss]", "SETTINGS", "CONFIGURATIONS", "TAGS");
	int rc = describe_batches(clusters, failures, c, "DescribeClusters", "clusters", "clusters",
	                          NULL, include, names, n, DESCRIBE_CLUSTERS_MAX, err);

	json_decref(include);
	return rc;
}

int ecsctl_ecs_describe_services(json_t **services, json_t **failures, struct ecsctl_ecs *c,
                                 const char *cluster, const char *const *names, size_t n,
                                 struct ecsctl_error *err)
{
	json_t *include = json_pack("[s]", "TAGS");
	int rc = describe_batches(services, failures, c, "DescribeServices", "services", "services",
	                          cluster, include, names, n, DESCRIBE_SERVICES_MAX, err);

	json_decref(include);
	return rc;
}

static int paginate(json_t **out, struct ecsctl_ecs *c, const char *op, json_t *req,
                    const char *key, struct ecsctl_error *err)
{
	return ecsctl_ecs_paginate(out, c, op, &req, 1, key, err);
}

int ecsctl_ecs_list_services(json_t **arns, struct ecsctl_ecs *c, const char *cluster,
                             struct ecsctl_error *err)
{
	json_t *req = json_pack("{s:s}", "cluster", cluster ? cluster : "default");
	int rc = req ? paginate(arns, c, "ListServices", req, "serviceArns", err) : oom(err);

	json_decref(req);
	return rc;
}

int ecsctl_ecs_list_task_definitions(json_t **arns, struct ecsctl_ecs *c, const char *family,
                                     const char *status, bool desc, struct ecsctl_error *err)
{
	json_t *req = json_pack("{s:s,s:s,s:s}", "familyPrefix", family, "status",
	                        status ? status : "ACTIVE", "sort", desc ? "DESC" : "ASC");
	int rc = req ? paginate(arns, c, "ListTaskDefinitions", req, "taskDefinitionArns", err)
	             : oom(err);

	json_decref(req);
	return rc;
}

int ecsctl_ecs_describe_task_definition(json_t **td, json_t **tags, struct ecsctl_ecs *c,
                                        const char *name, struct ecsctl_error *err)
{
	json_t *req = json_pack("{s:s,s:[s]}", "taskDefinition", name, "include", "TAGS");
	json_t *resp = NULL;
	int rc = req ? ecsctl_ecs_call(&resp, c, "DescribeTaskDefinition", req, err) : oom(err);

	if (td)
		*td = NULL;
	if (tags)
		*tags = NULL;
	if (!rc) {
		if (td)
			*td = json_incref(json_object_get(resp, "taskDefinition"));
		if (tags)
			*tags = json_incref(json_object_get(resp, "tags"));
	}
	json_decref(resp);
	json_decref(req);
	return rc;
}

/* Everything `want` says is in `have` too (ECS adds defaults, never drops). */
static int contains(const json_t *have, const json_t *want)
{
	const char *k;
	json_t *v;
	size_t i;

	if (json_is_object(want)) {
		if (!json_is_object(have))
			return 0;
		json_object_foreach((json_t *)want, k, v) {
			if (!contains(json_object_get(have, k), v))
				return 0;
		}
		return 1;
	}
	if (json_is_array(want)) {
		if (!json_is_array(have) || json_array_size(have) != json_array_size(want))
			return 0;
		for (i = 0; i < json_array_size(want); i++)
			if (!contains(json_array_get(have, i), json_array_get(want, i)))
				return 0;
		return 1;
	}
	return have && json_equal((json_t *)have, (json_t *)want);
}

static int register_landed(json_t **td, struct ecsctl_ecs *c, json_t *request,
                           struct ecsctl_error *err)
{
	const char *family = json_string_value(json_object_get(request, "family"));
	json_t *live = NULL, *want = NULL;
	struct ecsctl_error derr = ECSCTL_ERROR_INIT;
	int rc;

	*td = NULL;
	if (!family)
		return 0;
	rc = ecsctl_ecs_describe_task_definition(&live, NULL, c, family, &derr);
	if (rc == ECSCTL_EAWS) {
		/* no ACTIVE revision at all: the register did not land */
		ecsctl_error_release(&derr);
		return 0;
	}
	if (rc) {
		ecsctl_error_move(err, &derr);
		return rc;
	}
	want = json_deep_copy(request);
	json_object_del(want, "tags");
	if (want && contains(live, want)) {
		*td = live;
		live = NULL;
	}
	json_decref(want);
	json_decref(live);
	return 0;
}

int ecsctl_ecs_register_finish(json_t **td, bool *reused, struct ecsctl_ecs *c,
                               struct ecsctl_ecs_call *call, struct ecsctl_error *err)
{
	int rc = 0;

	*td = NULL;
	if (reused)
		*reused = false;
	if (!call->response && call->maybe_processed) {
		ecs_logf(c, 1,
		         "ecs RegisterTaskDefinition answer lost; checking the latest revision");
		rc = register_landed(td, c, call->request, err);
		if (rc || *td) {
			if (*td && reused)
				*reused = true;
			return rc;
		}
		/* it did not land: once more; a second lost answer is final */
		ecsctl_ecs_run(c, call, 1, NULL);
	}
	if (call->response) {
		*td = json_incref(json_object_get(call->response, "taskDefinition"));
		return 0;
	}
	if (!call->error.code)
		ecsctl_error_set(&call->error, ECSCTL_EAWS, "RegisterTaskDefinition failed");
	rc = call->error.code;
	if (err && !err->code)
		ecsctl_error_move(err, &call->error);
	return rc;
}

int ecsctl_ecs_register_task_definition(json_t **td, bool *reused, struct ecsctl_ecs *c,
                                        json_t *request, struct ecsctl_error *err)
{
	struct ecsctl_ecs_call call = {0};
	int rc;

	call.operation = "RegisterTaskDefinition";
	call.request = request;
	ecsctl_ecs_run(c, &call, 1, NULL);
	rc = ecsctl_ecs_register_finish(td, reused, c, &call, err);
	ecsctl_ecs_call_release(&call);
	return rc;
}

int ecsctl_ecs_create_service(json_t **service, struct ecsctl_ecs *c, json_t *request,
                              struct ecsctl_error *err)
{
	json_t *resp = NULL;
	int rc = ecsctl_ecs_call(&resp, c, "CreateService", request, err);

	*service = !rc ? json_incref(json_object_get(resp, "service")) : NULL;
	json_decref(resp);
	return rc;
}

int ecsctl_ecs_list_service_deployments(json_t **briefs, struct ecsctl_ecs *c, const char *cluster,
                                        const char *service, double created_after,
                                        const char *const *statuses, struct ecsctl_error *err)
{
	json_t *req = json_pack("{s:s,s:s}", "cluster", cluster ? cluster : "default", "service",
	                        service);
	json_t *status = statuses ? json_array() : NULL;
	int rc;

	for (; status && *statuses; statuses++)
		json_array_append_new(status, json_string(*statuses));
	if (req && status)
		json_object_set(req, "status", status);
	if (req && created_after > 0)
		json_object_set_new(req, "createdAt", json_pack("{s:f}", "after", created_after));
	rc = req && (!statuses || status)
	         ? paginate(briefs, c, "ListServiceDeployments", req, "serviceDeployments", err)
	         : oom(err);
	json_decref(status);
	json_decref(req);
	return rc;
}

int ecsctl_ecs_describe_service_deployments(json_t **deployments, json_t **failures,
                                            struct ecsctl_ecs *c, const char *const *arns, size_t n,
                                            struct ecsctl_error *err)
{
	return describe_batches(deployments, failures, c, "DescribeServiceDeployments",
	                        "serviceDeployments", "serviceDeploymentArns", NULL, NULL, arns, n,
	                        DESCRIBE_SERVICE_DEPLOYMENTS_MAX, err);
}
