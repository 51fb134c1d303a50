/*
 * Live state: read exactly what the desired state touches, concurrently.
 *
 * Round 1 (one ecsctl_ecs_run): DescribeClusters for all clusters (<= 100 a
 * call), DescribeServices 10 a call per cluster, DescribeTaskDefinition of
 * each family no desired service runs (answers its latest ACTIVE revision).
 * Round 2: DescribeTaskDefinition of the other families, except those a
 * service's ecsctl:taskdef tag vouches for (live_vouch.c): a no-change plan
 * reads no task definition at all. Round 3: the revisions services run that
 * no read returned. Without the model (or with "refresh"), every family is
 * read in round 1, as before the tags. Prune adds ListClusters and
 * ListServices. Each read is needed to decide a change.
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
	json_decref(l->assumed);
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

static int add_family_read(struct reconcile_calls *c, json_t *family)
{
	return reconcile_calls_add(
	    c, "DescribeTaskDefinition",
	    json_pack("{s:O,s:[s]}", "taskDefinition", family, "include", "TAGS"));
}

/* Round 1: the clusters, the services, and the families that do not wait
 * for the services (those not in `later`). */
static int add_reads(struct reconcile_calls *c, const json_t *scope, const json_t *later)
{
	json_t *clusters = json_object_get(scope, "clusters"), *list, *batch = NULL;
	const char *cluster;
	size_t i, n = json_array_size(clusters);

	for (i = 0; i < n; i += 100) {
		json_t *names = json_array();
		size_t j;
		for (j = i; j < n && j < i + 100 && names; j++)
			json_array_append(names, json_array_get(clusters, j));
		if (reconcile_calls_add(c, "DescribeClusters",
		                        json_pack("{s:o,s:[sss]}", "clusters", names, "include",
		                                  "SETTINGS", "CONFIGURATIONS", "TAGS")))
			return -1;
	}
	json_object_foreach((json_t *)json_object_get(scope, "services"), cluster, list) {
		size_t k, m = json_array_size(list);
		for (i = 0; i < m; i += 10) {
			batch = json_array();
			for (k = i; k < m && k < i + 10 && batch; k++)
				json_array_append(batch, json_array_get(list, k));
			if (reconcile_calls_add(c, "DescribeServices",
			                        json_pack("{s:s,s:o,s:[s]}", "cluster", cluster,
			                                  "services", batch, "include", "TAGS")))
				return -1;
		}
	}
	json_array_foreach(json_object_get(scope, "families"), i, list) {
		if (!json_object_get(later, json_string_value(list)) && add_family_read(c, list))
			return -1;
	}
	return 0;
}

static int collect(struct ecsctl_live *l, struct reconcile_calls *c, struct ecsctl_td_cache *cache)
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
			json_t *td = reconcile_td_with_tags(r);
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
			if (ecsctl_td_cache_put(cache, td) ||
			    json_object_set_new(l->running, arn, td))
				return -1;
		}
	}
	return 0;
}

/* One round of reads: run them all, then file the answers into `l`. */
static int run_and_collect(struct ecsctl_live *l, struct ecsctl_ecs *ecs, struct reconcile_calls *c,
                           struct ecsctl_td_cache *cache, struct ecsctl_error *err)
{
	int rc = reconcile_calls_run(ecs, c, err);

	if (!rc && collect(l, c, cache))
		rc = reconcile_oom(err);
	reconcile_calls_release(c);
	return rc;
}

/* Revisions that services run and no read returned yet; those `cache`
 * holds are filed into l->running instead. */
static int add_running_reads(struct reconcile_calls *c, struct ecsctl_live *l,
                             const json_t *services, struct ecsctl_td_cache *cache)
{
	const char *key;
	json_t *svc, *seen = json_array();
	size_t i;
	int rc = 0;

	if (!seen)
		return -1;
	json_object_foreach((json_t *)services, key, svc) {
		const char *arn = json_string_value(json_object_get(svc, "taskDefinition"));
		const json_t *td = ecsctl_td_cache_get(cache, arn);
		if (!arn || json_object_get(l->running, arn))
			continue;
		if (td ? json_object_set(l->running, arn, (json_t *)td)
		       : reconcile_array_add_unique(seen, arn)) {
			rc = -1;
			break;
		}
	}
	json_array_foreach(seen, i, svc) {
		if (!rc && reconcile_calls_add(
		               c, "DescribeTaskDefinition",
		               json_pack("{s:O,s:[s]}", "taskDefinition", svc, "include", "TAGS")))
			rc = -1;
	}
	json_decref(seen);
	return rc;
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

int ecsctl_reconcile_gather_with(struct ecsctl_live *out, struct ecsctl_ecs *ecs,
                                 const json_t *scope, const struct ecsctl_gather_options *o,
                                 struct ecsctl_error *err)
{
	const struct ecsctl_gather_options none = ECSCTL_GATHER_OPTIONS_INIT;
	bool refresh = json_is_true(json_object_get(scope, "refresh"));
	/* --refresh reads what ECS says now: neither tags nor the cache answer */
	struct ecsctl_td_cache *known = refresh ? NULL : (o ? o : &none)->cache;
	struct reconcile_calls c = {0};
	json_t *users = NULL, *need = NULL, *it;
	size_t i;
	int rc = 0;

	if (!o)
		o = &none;
	out->clusters = json_object();
	out->services = json_object();
	out->latest = json_object();
	out->running = json_object();
	out->orphans = json_object();
	out->orphan_clusters = json_object();
	if (!out->clusters || !out->services || !out->latest || !out->running || !out->orphans ||
	    !out->orphan_clusters || !(need = json_array())) {
		rc = reconcile_oom(err);
		goto done;
	}
	if (o->m && !refresh && (rc = reconcile_vouch_users(&users, o->m, err)))
		goto done;
	if (add_reads(&c, scope, users)) {
		rc = reconcile_oom(err);
		goto done;
	}
	if ((rc = run_and_collect(out, ecs, &c, o->cache, err)))
		goto done;
	/* round 2: the families of services no tag or cached revision speaks for */
	if (users && (rc = reconcile_vouch(need, out, o->m, users, known, err)))
		goto done;
	json_array_foreach(need, i, it) {
		if (add_family_read(&c, it)) {
			rc = reconcile_oom(err);
			goto done;
		}
	}
	if ((rc = run_and_collect(out, ecs, &c, o->cache, err)))
		goto done;
	/* round 3: revisions services run that no read returned */
	if (add_running_reads(&c, out, out->services, known)) {
		rc = reconcile_oom(err);
		goto done;
	}
	if ((rc = run_and_collect(out, ecs, &c, o->cache, err)))
		goto done;
	if (o->unmanaged && (rc = ecsctl_reconcile_gather_unmanaged(out, ecs, scope, err)))
		goto done;
	if (json_is_true(json_object_get(scope, "prune")) &&
	    (rc = reconcile_gather_orphans(out, ecs, scope, err)))
		goto done;
	rc = ecsctl_live_fingerprint(out, err);
done:
	reconcile_calls_release(&c);
	json_decref(users);
	json_decref(need);
	return rc;
}

int ecsctl_reconcile_gather(struct ecsctl_live *out, struct ecsctl_ecs *ecs, const json_t *scope,
                            struct ecsctl_error *err)
{
	return ecsctl_reconcile_gather_with(out, ecs, scope, NULL, err);
}
