/*
 * Which task definitions a gather need not describe (docs/plan.md, "What
 * plan reads"). A family's DescribeTaskDefinition (its latest ACTIVE
 * revision) serves to find a revision equal to the desired one; when a
 * service of the family runs a revision already known to be equal, that
 * read decides nothing. Known equal: the service's ecsctl:taskdef tag names
 * the revision it runs and the digest of the desired task definition
 * (taskdef_tag.c), or a cache of revisions read before holds it and it
 * normalizes equal. Anything else (another revision, another digest, no
 * tag, a tag of older normalization rules) is read as before.
 */
#include <stdlib.h>
#include <string.h>

#include "reconcile_int.h"
#include "banned.h"

/* The repo family a desired service names (a "family:N" or an ARN is
 * pinned, not one of ours), or NULL. */
static const char *repo_family(const struct ecsctl_model *m, const struct ecsctl_resource *svc)
{
	const char *td = json_string_value(json_object_get(svc->body, "taskDefinition"));

	if (!td || strchr(td, ':') || !ecsctl_model_find(m, ECSCTL_KIND_TASKDEF, td))
		return NULL;
	return td;
}

int reconcile_vouch_users(json_t **out, const struct ecsctl_model *m, struct ecsctl_error *err)
{
	json_t *users = json_object(), *list;
	const char *fam;
	size_t i;

	if (!users)
		return reconcile_oom(err);
	for (i = 0; i < m->count; i++) {
		const struct ecsctl_resource *r = &m->resources[i];

		if (r->kind != ECSCTL_KIND_SERVICE || !(fam = repo_family(m, r)))
			continue;
		if ((!(list = json_object_get(users, fam)) &&
		     json_object_set_new(users, fam, list = json_array())) ||
		    json_array_append_new(list, json_string(r->name))) {
			json_decref(users);
			return reconcile_oom(err);
		}
	}
	*out = users;
	return 0;
}

/* Whether live service `svc` of `family` runs a revision known equal to
 * `body`; files it into l->running (and l->assumed) when so. */
static int vouched(bool *yes, struct ecsctl_live *l, const json_t *svc, const char *family,
                   const json_t *body, const char *digest, struct ecsctl_td_cache *cache,
                   struct ecsctl_error *err)
{
	const char *arn = json_string_value(json_object_get(svc, "taskDefinition"));
	const json_t *td;
	json_t *assumed;
	int rc;

	*yes = false;
	if (!arn)
		return 0;
	if (reconcile_taskdef_vouched(svc, digest)) {
		*yes = true;
		if (json_object_get(l->running, arn))
			return 0;
		if (!(assumed = reconcile_assumed_td(body, arn)) ||
		    json_object_set_new(l->running, arn, assumed) ||
		    json_object_set_new(l->assumed, arn, json_string(family)))
			return reconcile_oom(err);
		return 0;
	}
	if (!(td = ecsctl_td_cache_get(cache, arn)))
		return 0;
	if ((rc = ecsctl_diff_taskdef_equal(yes, body, td, err)) < 0)
		return rc;
	if (json_object_set(l->running, arn, (json_t *)td))
		return reconcile_oom(err);
	return 0;
}

int reconcile_vouch(json_t *need, struct ecsctl_live *l, const struct ecsctl_model *m,
                    const json_t *users, struct ecsctl_td_cache *cache, struct ecsctl_error *err)
{
	json_t *digests = NULL, *list, *name;
	const char *fam;
	size_t i;
	int rc = 0;

	if (!l->assumed && !(l->assumed = json_object()))
		return reconcile_oom(err);
	if ((rc = reconcile_taskdef_digests(&digests, m, err)))
		return rc;
	json_object_foreach((json_t *)users, fam, list) {
		const json_t *body = ecsctl_model_find(m, ECSCTL_KIND_TASKDEF, fam)->body;
		const char *digest = json_string_value(json_object_get(digests, fam));
		bool known = false;

		/* every service is looked at: each one vouched for is one less
		 * revision to read, even when another already spared the family */
		json_array_foreach(list, i, name) {
			bool yes = false;
			const json_t *svc = json_object_get(l->services, json_string_value(name));

			if (svc && (rc = vouched(&yes, l, svc, fam, body, digest, cache, err)))
				goto done;
			known = known || (svc && yes);
		}
		if (!known && json_array_append_new(need, json_string(fam))) {
			rc = reconcile_oom(err);
			goto done;
		}
	}
done:
	json_decref(digests);
	return rc;
}
