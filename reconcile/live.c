/*
 * Live state: read exactly what the desired state touches, concurrently.
 *
 * Round 1 (one ecsctl_ecs_run): DescribeClusters for all clusters (<= 100 a
 * call), DescribeServices 10 a call per cluster, DescribeTaskDefinition of
 * each family (answers its latest ACTIVE revision). Round 2: the revisions
 * services run that round 1 did not return. Prune adds ListClusters and
 * ListServices. That is the minimum: each read is needed to decide a change.
 */
#include <stdlib.h>
#include <string.h>

#include "reconcile_int.h"
#include "banned.h"

void ecsctl_live_init(struct ecsctl_live *l)
{
	memset(l, 0, sizeof(*l));
}

void ecsctl_live_release(struct ecsctl_live *l)
{
	if (!l)
		return;
	json_decref(l->clusters);
	json_decref(l->services);
	json_decref(l->latest);
	json_decref(l->running);
	json_decref(l->orphans);
	json_decref(l->orphan_clusters);
	json_decref(l->history);
	json_decref(l->revisions);
	json_decref(l->unmanaged);
	free(l->fingerprint);
	ecsctl_live_init(l);
}

int ecsctl_reconcile_scope(json_t **out, const struct ecsctl_model *m, struct ecsctl_error *err)
{
	json_t *s = NULL, *clusters, *services, *families;
	size_t i;
	int rc = 0;

	s = json_pack("{s:s,s:b,s:[],s:{},s:[],s:I,s:b,s:s?,s:s?}", "owner",
	              m->settings.name ? m->settings.name : "", "prune", m->settings.prune,
	              "clusters", "services", "families", "waitTimeoutMs",
	              (json_int_t)m->settings.wait_timeout_ms, "rollbackOnFailure",
	              m->settings.rollback_on_failure, "region", m->settings.region, "accountId",
	              m->settings.account_id);
	if (!s) {
		rc = reconcile_oom(err);
		goto done;
	}
	/* `apply FILE` takes the same lease as apply from the repository */
	if (m->settings.lock && json_object_set(s, "lock", m->settings.lock)) {
		rc = reconcile_oom(err);
		goto done;
	}
	/* plans mask with them, saved plans too */
	for (i = 0; i < m->settings.nsensitive; i++) {
		json_t *g = json_object_get(s, "sensitive");
		if ((!g && json_object_set_new(s, "sensitive", g = json_array())) ||
		    json_array_append_new(g, json_string(m->settings.sensitive[i]))) {
			rc = reconcile_oom(err);
			goto done;
		}
	}
	/* values of secret lookups, so that a saved plan shown again (apply
	 * FILE) masks them too; a saved plan holds its requests unmasked
	 * already, and is written for its owner only */
	for (i = 0; i < m->nsecrets; i++) {
		json_t *g = json_object_get(s, "sensitiveValues");
		if ((!g && json_object_set_new(s, "sensitiveValues", g = json_array())) ||
		    json_array_append_new(g, json_string(m->secrets[i]))) {
			rc = reconcile_oom(err);
			goto done;
		}
	}
	clusters = json_object_get(s, "clusters");
	services = json_object_get(s, "services");
	families = json_object_get(s, "families");
	for (i = 0; i < m->count; i++) {
		const struct ecsctl_resource *r = &m->resources[i];
		const char *svc;
		json_t *list;

		switch (r->kind) {
		case ECSCTL_KIND_CLUSTER:
			rc = reconcile_array_add_unique(clusters, r->name);
			break;
		case ECSCTL_KIND_TASKDEF:
			rc = reconcile_array_add_unique(families, r->name);
			break;
		case ECSCTL_KIND_SERVICE:
			svc = json_string_value(json_object_get(r->body, "serviceName"));
			list = json_object_get(services, r->cluster);
			if (!list && json_object_set_new(services, r->cluster, list = json_array()))
				rc = -1;
			if (!rc)
				rc = reconcile_array_add_unique(clusters, r->cluster);
			if (!rc && svc)
				rc = reconcile_array_add_unique(list, svc);
			break;
		}
		if (rc) {
			rc = reconcile_oom(err);
			goto done;
		}
	}
	*out = s;
	s = NULL;
done:
	json_decref(s);
	return rc;
}

/* A missing family or cluster is an answer ("nothing live"), not an error. */
static bool call_not_found(const struct ecsctl_ecs_call *c)
{
	const char *code = c->error.aws_code;

	if (!code)
		return false;
	if (!strcmp(c->operation, "DescribeTaskDefinition") && !strcmp(code, "ClientException"))
		return true;
	return !strcmp(code, "ClusterNotFoundException");
}

struct calls {
	struct ecsctl_ecs_call *v;
	size_t n, alloc;
};

static int calls_add(struct calls *c, const char *op, json_t *req)
{
	if (!req)
		return -1;
	if (c->n == c->alloc) {
		size_t na = c->alloc ? c->alloc * 2 : 16;
		struct ecsctl_ecs_call *v = realloc(c->v, na * sizeof(*v));
		if (!v) {
			json_decref(req);
			return -1;
		}
		c->v = v;
		c->alloc = na;
	}
	memset(&c->v[c->n], 0, sizeof(c->v[0]));
	c->v[c->n].operation = op;
	c->v[c->n].request = req;
	c->n++;
	return 0;
}

static void calls_release(struct calls *c)
{
	size_t i;

	for (i = 0; i < c->n; i++) {
		json_decref(c->v[i].request);
		ecsctl_ecs_call_release(&c->v[i]);
	}
	free(c->v);
	memset(c, 0, sizeof(*c));
}

/* Runs the calls; a failure that is not "not found" is the error. */
static int run_calls(struct ecsctl_ecs *ecs, struct calls *c, struct ecsctl_error *err)
{
	struct ecsctl_error ignored = ECSCTL_ERROR_INIT;
	size_t i;

	if (!c->n)
		return 0;
	ecsctl_ecs_run(ecs, c->v, c->n, &ignored);
	ecsctl_error_release(&ignored);
	for (i = 0; i < c->n; i++) {
		struct ecsctl_ecs_call *call = &c->v[i];
		if (call->response || call_not_found(call))
			continue;
		if (err->code) /* the first cause stays */
			return err->code;
		if (!call->error.code)
			return ecsctl_error_set(err, ECSCTL_EAWS, "failed");
		/* the client's message already names the operation */
		return ecsctl_error_copy(err, &call->error);
	}
	return 0;
}

static int add_reads(struct calls *c, const json_t *scope)
{
	json_t *clusters = json_object_get(scope, "clusters"), *list, *batch = NULL;
	const char *cluster;
	size_t i, n = json_array_size(clusters);

	for (i = 0; i < n; i += 100) {
		json_t *names = json_array();
		size_t j;
		for (j = i; j < n && j < i + 100 && names; j++)
			json_array_append(names, json_array_get(clusters, j));
		if (calls_add(c, "DescribeClusters",
		              json_pack("{s:o,s:[sss]}", "clusters", names, "include", "SETTINGS",
		                        "CONFIGURATIONS", "TAGS")))
			return -1;
	}
	json_object_foreach((json_t *)json_object_get(scope, "services"), cluster, list) {
		size_t k, m = json_array_size(list);
		for (i = 0; i < m; i += 10) {
			batch = json_array();
			for (k = i; k < m && k < i + 10 && batch; k++)
				json_array_append(batch, json_array_get(list, k));
			if (calls_add(c, "DescribeServices",
			              json_pack("{s:s,s:o,s:[s]}", "cluster", cluster, "services",
			                        batch, "include", "TAGS")))
				return -1;
		}
	}
	json_array_foreach(json_object_get(scope, "families"), i, list) {
		if (calls_add(c, "DescribeTaskDefinition",
		              json_pack("{s:O,s:[s]}", "taskDefinition", list, "include", "TAGS")))
			return -1;
	}
	return 0;
}

/* Keeps the taskDefinition with its tags inside (tags live apart in the answer). */
static json_t *td_with_tags(const json_t *resp)
{
	json_t *td = json_deep_copy(json_object_get(resp, "taskDefinition"));
	json_t *tags = json_object_get(resp, "tags");

	if (td && tags)
		json_object_set(td, "tags", tags);
	return td;
}

static int collect(struct ecsctl_live *l, struct calls *c)
{
	size_t i, j;
	json_t *it;

	for (i = 0; i < c->n; i++) {
		const json_t *r = c->v[i].response;
		const char *op = c->v[i].operation;
		if (!r)
			continue;
		if (!strcmp(op, "DescribeClusters")) {
			json_array_foreach(json_object_get(r, "clusters"), j, it) {
				const char *st = json_string_value(json_object_get(it, "status"));
				if (st && !strcmp(st, "INACTIVE"))
					continue;
				if (json_object_set(
				        l->clusters,
				        json_string_value(json_object_get(it, "clusterName")), it))
					return -1;
			}
		} else if (!strcmp(op, "DescribeServices")) {
			const char *cl = json_string_value(
			    json_object_get(c->v[i].request, "cluster"));
			json_array_foreach(json_object_get(r, "services"), j, it) {
				const char *st = json_string_value(json_object_get(it, "status"));
				const char *nm = json_string_value(
				    json_object_get(it, "serviceName"));
				char key[RECONCILE_KEY_MAX];
				if (!nm || (st && !strcmp(st, "INACTIVE")))
					continue;
				snprintf(key, sizeof(key), "%s/%s", cl, nm);
				if (json_object_set(l->services, key, it))
					return -1;
			}
		} else if (!strcmp(op, "DescribeTaskDefinition")) {
			json_t *td = td_with_tags(r);
			const char *fam = json_string_value(json_object_get(td, "family"));
			const char *arn = json_string_value(
			    json_object_get(td, "taskDefinitionArn"));
			if (!td || !fam || !arn) {
				json_decref(td);
				continue;
			}
			if (!strchr(json_string_value(
			                json_object_get(c->v[i].request, "taskDefinition")),
			            ':'))
				json_object_set(l->latest, fam, td);
			if (json_object_set_new(l->running, arn, td))
				return -1;
		}
	}
	return 0;
}

/* One round of reads: run them all, then file the answers into `l`. */
static int run_and_collect(struct ecsctl_live *l, struct ecsctl_ecs *ecs, struct calls *c,
                           struct ecsctl_error *err)
{
	int rc = run_calls(ecs, c, err);

	if (!rc && collect(l, c))
		rc = reconcile_oom(err);
	return rc;
}

/* Revisions that services run and round 1 did not return. */
static int add_running_reads(struct calls *c, const struct ecsctl_live *l, const json_t *services)
{
	const char *key;
	json_t *svc, *seen = json_array();
	size_t i;
	int rc = 0;

	if (!seen)
		return -1;
	json_object_foreach((json_t *)services, key, svc) {
		const char *arn = json_string_value(json_object_get(svc, "taskDefinition"));
		if (!arn || json_object_get(l->running, arn))
			continue;
		if (reconcile_array_add_unique(seen, arn)) {
			rc = -1;
			break;
		}
	}
	json_array_foreach(seen, i, svc) {
		if (!rc &&
		    calls_add(c, "DescribeTaskDefinition",
		              json_pack("{s:O,s:[s]}", "taskDefinition", svc, "include", "TAGS")))
			rc = -1;
	}
	json_decref(seen);
	return rc;
}

static bool owned(const json_t *tags, const char *owner)
{
	const char *v = ecsctl_reconcile_tag_value(tags, ECSCTL_OWNER_TAG);

	return v && owner && !strcmp(v, owner);
}

static bool name_in(const json_t *list, const char *name)
{
	size_t i;
	json_t *it;

	json_array_foreach(list, i, it) {
		if (!strcmp(json_string_value(it), name))
			return true;
	}
	return false;
}

/* The ACTIVE services of `cluster` that `want` does not name, into `into`
 * ("cluster/name" -> Service): those owned by `owner`, or all with `any`. */
static int orphans_in(json_t *into, struct ecsctl_ecs *ecs, const char *cluster, const json_t *want,
                      const char *owner, bool any, struct ecsctl_error *err)
{
	json_t *arns = NULL, *found = NULL, *failures = NULL, *it;
	const char **pick = NULL;
	size_t i, n = 0;
	int rc;

	if ((rc = ecsctl_ecs_list_services(&arns, ecs, cluster, err)))
		goto done;
	if (!(pick = calloc(json_array_size(arns) + 1, sizeof(*pick)))) {
		rc = reconcile_oom(err);
		goto done;
	}
	json_array_foreach(arns, i, it) {
		const char *arn = json_string_value(it), *slash = strrchr(arn, '/');
		if (!name_in(want, slash ? slash + 1 : arn))
			pick[n++] = arn;
	}
	if (n && (rc = ecsctl_ecs_describe_services(&found, &failures, ecs, cluster, pick, n, err)))
		goto done;
	json_array_foreach(found, i, it) {
		char key[RECONCILE_KEY_MAX];
		const char *st = json_string_value(json_object_get(it, "status"));
		if ((!any && !owned(json_object_get(it, "tags"), owner)) || !st ||
		    strcmp(st, "ACTIVE"))
			continue;
		snprintf(key, sizeof(key), "%s/%s", cluster,
		         json_string_value(json_object_get(it, "serviceName")));
		json_object_set(into, key, it);
	}
done:
	free(pick);
	json_decref(arns);
	json_decref(found);
	json_decref(failures);
	return rc;
}

/* Owned services in the desired clusters that git no longer names, and
 * owned clusters git no longer names with their owned services (so that one
 * apply deletes the services, waits for them, then deletes the cluster). */
static int gather_orphans(struct ecsctl_live *l, struct ecsctl_ecs *ecs, const json_t *scope,
                          struct ecsctl_error *err)
{
	const char *owner = json_string_value(json_object_get(scope, "owner"));
	const json_t *services = json_object_get(scope, "services");
	const json_t *clusters = json_object_get(scope, "clusters");
	json_t *found = NULL, *failures = NULL, *names = NULL, *resp = NULL, *it;
	const char *cluster;
	size_t i;
	int rc = 0;

	json_object_foreach(l->clusters, cluster, it) {
		if ((rc = orphans_in(l->orphans, ecs, cluster, json_object_get(services, cluster),
		                     owner, false, err)))
			goto done;
	}
	/* owned clusters that left git */
	if ((rc = ecsctl_ecs_call(&resp, ecs, "ListClusters", NULL, err)))
		goto done;
	if (!(names = json_array())) {
		rc = reconcile_oom(err);
		goto done;
	}
	json_array_foreach(json_object_get(resp, "clusterArns"), i, it) {
		const char *arn = json_string_value(it), *slash = strrchr(arn, '/');
		const char *nm = slash ? slash + 1 : arn;
		if (!name_in(clusters, nm))
			json_array_append_new(names, json_string(nm));
	}
	if (json_array_size(names)) {
		const char **pick = calloc(json_array_size(names), sizeof(*pick));
		if (!pick) {
			rc = reconcile_oom(err);
			goto done;
		}
		json_array_foreach(names, i, it)
			pick[i] = json_string_value(it);
		rc = ecsctl_ecs_describe_clusters(&found, &failures, ecs, pick,
		                                  json_array_size(names), err);
		free(pick);
		if (rc)
			goto done;
		json_array_foreach(found, i, it) {
			const char *st = json_string_value(json_object_get(it, "status"));
			const char *nm = json_string_value(json_object_get(it, "clusterName"));
			if (!owned(json_object_get(it, "tags"), owner) || !st ||
			    strcmp(st, "ACTIVE") || !nm)
				continue;
			if (json_object_set(l->orphan_clusters, nm, it)) {
				rc = reconcile_oom(err);
				goto done;
			}
			if (json_integer_value(json_object_get(it, "activeServicesCount")) > 0 &&
			    (rc = orphans_in(l->orphans, ecs, nm, NULL, owner, false, err)))
				goto done;
		}
	}
done:
	json_decref(found);
	json_decref(failures);
	json_decref(names);
	json_decref(resp);
	return rc;
}

int ecsctl_reconcile_gather_unmanaged(struct ecsctl_live *l, struct ecsctl_ecs *ecs,
                                      const json_t *scope, struct ecsctl_error *err)
{
	const json_t *services = json_object_get(scope, "services");
	const char *cluster;
	json_t *it;
	int rc;

	if (!l->unmanaged && !(l->unmanaged = json_object()))
		return reconcile_oom(err);
	json_object_foreach(l->clusters, cluster, it) {
		const char *st = json_string_value(json_object_get(it, "status"));

		if (!st || strcmp(st, "ACTIVE"))
			continue;
		if ((rc = orphans_in(l->unmanaged, ecs, cluster, json_object_get(services, cluster),
		                     NULL, true, err)))
			return rc;
	}
	return 0;
}

static const char *const volatile_cluster[] = {
    "runningTasksCount",   "pendingTasksCount",
    "activeServicesCount", "registeredContainerInstancesCount",
    "statistics",          "attachments",
    "attachmentsStatus"};

/* What the plan depends on, without counters and events that move by themselves. */
int ecsctl_live_fingerprint(struct ecsctl_live *l, struct ecsctl_error *err)
{
	json_t *doc = json_object(), *part, *it;
	const char *key;
	size_t i;
	int rc = 0;

	if (!doc)
		return reconcile_oom(err);
	part = json_object();
	json_object_set_new(doc, "clusters", part);
	json_object_foreach(l->clusters, key, it) {
		json_t *c = json_deep_copy(it);
		for (i = 0; c && i < sizeof(volatile_cluster) / sizeof(*volatile_cluster); i++)
			json_object_del(c, volatile_cluster[i]);
		json_object_set_new(part, key, c);
	}
	part = json_object();
	json_object_set_new(doc, "services", part);
	json_object_foreach(l->services, key, it) {
		json_t *n = NULL;
		if ((rc = ecsctl_diff_service_normalize(&n, it, true, err)))
			goto done;
		json_object_set(n, "taskDefinition", json_object_get(it, "taskDefinition"));
		json_object_set(n, "tags", json_object_get(it, "tags"));
		json_object_set(n, "status", json_object_get(it, "status"));
		json_object_set_new(part, key, n);
	}
	part = json_object();
	json_object_set_new(doc, "latest", part);
	json_object_foreach(l->latest, key, it) {
		json_object_set(part, key, json_object_get(it, "taskDefinitionArn"));
	}
	part = json_object();
	json_object_set_new(doc, "orphans", part);
	json_object_foreach(l->orphans, key, it) {
		json_object_set(part, key, json_object_get(it, "serviceArn"));
	}
	part = json_object();
	json_object_set_new(doc, "orphanClusters", part);
	json_object_foreach(l->orphan_clusters, key, it) {
		json_object_set(part, key, json_object_get(it, "activeServicesCount"));
	}
	free(l->fingerprint);
	if (!(l->fingerprint = reconcile_hash_json(doc)))
		rc = reconcile_oom(err);
done:
	json_decref(doc);
	return rc;
}

int ecsctl_reconcile_gather(struct ecsctl_live *out, struct ecsctl_ecs *ecs, const json_t *scope,
                            struct ecsctl_error *err)
{
	struct calls c = {0};
	int rc = 0;

	out->clusters = json_object();
	out->services = json_object();
	out->latest = json_object();
	out->running = json_object();
	out->orphans = json_object();
	out->orphan_clusters = json_object();
	if (!out->clusters || !out->services || !out->latest || !out->running || !out->orphans ||
	    !out->orphan_clusters || add_reads(&c, scope)) {
		rc = reconcile_oom(err);
		goto done;
	}
	if ((rc = run_and_collect(out, ecs, &c, err)))
		goto done;
	calls_release(&c);
	if (add_running_reads(&c, out, out->services)) {
		rc = reconcile_oom(err);
		goto done;
	}
	if ((rc = run_and_collect(out, ecs, &c, err)))
		goto done;
	if (json_is_true(json_object_get(scope, "prune")) &&
	    (rc = gather_orphans(out, ecs, scope, err)))
		goto done;
	rc = ecsctl_live_fingerprint(out, err);
done:
	calls_release(&c);
	return rc;
}

/* Lists each family's ACTIVE revisions and describes those at index
 * [from, from + depth) that are not known yet. */
static int gather_revisions(struct ecsctl_live *l, struct ecsctl_ecs *ecs,
                            const char *const *families, size_t n, size_t from, size_t depth,
                            struct ecsctl_error *err)
{
	struct calls c = {0};
	json_t **reqs = calloc(n ? n : 1, sizeof(*reqs)),
	       **lists = calloc(n ? n : 1, sizeof(*lists));
	json_t *it;
	size_t i, j, taken;
	int rc = 0;

	if (!reqs || !lists || (!l->history && !(l->history = json_object())) ||
	    (!l->revisions && !(l->revisions = json_object()))) {
		rc = reconcile_oom(err);
		goto done;
	}
	/* every family's list at once: one at a time cost a round trip per
	 * family (100 families at 20 ms: 2 s before the first register) */
	for (i = 0; i < n; i++)
		if (!(reqs[i] = json_pack("{s:s,s:s,s:s}", "familyPrefix", families[i], "status",
		                          "ACTIVE", "sort", "DESC"))) {
			rc = reconcile_oom(err);
			goto done;
		}
	if ((rc = ecsctl_ecs_paginate(lists, ecs, "ListTaskDefinitions", reqs, n,
	                              "taskDefinitionArns", err)))
		goto done;
	for (i = 0; i < n; i++) {
		if (json_object_set(l->revisions, families[i], lists[i])) {
			rc = reconcile_oom(err);
			goto done;
		}
		taken = 0;
		json_array_foreach(lists[i], j, it) {
			if (j < from)
				continue;
			if (taken++ >= depth)
				break;
			if (json_object_get(l->running, json_string_value(it)))
				continue; /* already known: the latest or one a service runs */
			if (calls_add(&c, "DescribeTaskDefinition",
			              json_pack("{s:O,s:[s]}", "taskDefinition", it, "include",
			                        "TAGS"))) {
				rc = reconcile_oom(err);
				goto done;
			}
		}
	}
	if ((rc = run_calls(ecs, &c, err)))
		goto done;
	for (i = 0; i < c.n; i++) {
		json_t *td = c.v[i].response ? td_with_tags(c.v[i].response) : NULL;
		const char *fam = json_string_value(json_object_get(td, "family"));
		json_t *list;
		if (!td || !fam) {
			json_decref(td);
			continue;
		}
		if (!(list = json_object_get(l->history, fam)))
			json_object_set_new(l->history, fam, list = json_array());
		if (json_array_append_new(list, td)) {
			rc = reconcile_oom(err);
			goto done;
		}
	}
done:
	for (i = 0; reqs && lists && i < n; i++) {
		json_decref(reqs[i]);
		json_decref(lists[i]);
	}
	free(reqs);
	free(lists);
	calls_release(&c);
	return rc;
}

int ecsctl_reconcile_gather_history(struct ecsctl_live *l, struct ecsctl_ecs *ecs,
                                    const char *const *families, size_t n, size_t depth,
                                    struct ecsctl_error *err)
{
	return gather_revisions(l, ecs, families, n, 0, depth, err);
}

int ecsctl_reconcile_gather_revisions(struct ecsctl_live *l, struct ecsctl_ecs *ecs,
                                      const char *const *families, size_t n, size_t keep,
                                      struct ecsctl_error *err)
{
	/* bounded like the history: a long pre-ecsctl past costs this once */
	return gather_revisions(l, ecs, families, n, keep, 100, err);
}
