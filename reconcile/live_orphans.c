/* What the desired state does not name: prune's orphans, drift's unmanaged. */
#include <stdlib.h>
#include <string.h>

#include "reconcile_int.h"
#include "banned.h"

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

/* Whether `cluster` (its DescribeClusters answer `lc`) may hold ACTIVE
 * services besides the desired ones read: its activeServicesCount says how
 * many it has, so when the desired ACTIVE ones found account for all of
 * them, listing it finds nothing (a steady watch tick saves a ListServices
 * per cluster). DRAINING services count in neither, as ListServices does not
 * list them. */
static bool may_hold_others(const struct ecsctl_live *l, const char *cluster, const json_t *lc)
{
	const json_t *count = json_object_get(lc, "activeServicesCount");
	size_t len = strlen(cluster);
	json_int_t found = 0;
	const char *key;
	json_t *svc;

	if (!json_is_integer(count))
		return true;
	json_object_foreach(l->services, key, svc) {
		const char *st = json_string_value(json_object_get(svc, "status"));

		if (!strncmp(key, cluster, len) && key[len] == '/' && st && !strcmp(st, "ACTIVE"))
			found++;
	}
	return found != json_integer_value(count);
}

static bool is_active(const json_t *cluster)
{
	const char *st = json_string_value(json_object_get(cluster, "status"));

	return st && !strcmp(st, "ACTIVE");
}

/* The services of `cluster` in `from` ("cluster/name" -> Service) that
 * `owner` owns, into `into`: the unmanaged listing already holds every
 * ACTIVE service the scope does not name, whoever owns it. */
static int owned_of(json_t *into, const json_t *from, const char *cluster, const char *owner,
                    struct ecsctl_error *err)
{
	size_t len = strlen(cluster);
	const char *key;
	json_t *it;

	json_object_foreach((json_t *)from, key, it) {
		if (strncmp(key, cluster, len) || key[len] != '/' ||
		    !owned(json_object_get(it, "tags"), owner))
			continue;
		if (json_object_set(into, key, it))
			return reconcile_oom(err);
	}
	return 0;
}

int reconcile_gather_orphans(struct ecsctl_live *l, struct ecsctl_ecs *ecs, const json_t *scope,
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
		if (!may_hold_others(l, cluster, it))
			continue;
		if (l->unmanaged && is_active(it)) {
			if ((rc = owned_of(l->orphans, l->unmanaged, cluster, owner, err)))
				goto done;
			continue;
		}
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
		if (!is_active(it) || !may_hold_others(l, cluster, it))
			continue;
		if ((rc = orphans_in(l->unmanaged, ecs, cluster, json_object_get(services, cluster),
		                     NULL, true, err)))
			return rc;
	}
	return 0;
}
