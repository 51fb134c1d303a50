/* Revision history, read only when it can change the plan (orchestrate.c). */
#include <stdlib.h>
#include <string.h>

#include "reconcile_int.h"
#include "banned.h"

/* Lists each family's ACTIVE revisions and describes those at index
 * [from, from + depth) that are not known yet. */
static int gather_revisions(struct ecsctl_live *l, struct ecsctl_ecs *ecs,
                            const char *const *families, size_t n, size_t from, size_t depth,
                            struct ecsctl_error *err)
{
	struct reconcile_calls c = {0};
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
			if (reconcile_calls_add(&c, "DescribeTaskDefinition",
			                        json_pack("{s:O,s:[s]}", "taskDefinition", it,
			                                  "include", "TAGS"))) {
				rc = reconcile_oom(err);
				goto done;
			}
		}
	}
	if ((rc = reconcile_calls_run(ecs, &c, err)))
		goto done;
	for (i = 0; i < c.n; i++) {
		json_t *td = c.v[i].response ? reconcile_td_with_tags(c.v[i].response) : NULL;
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
	reconcile_calls_release(&c);
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
