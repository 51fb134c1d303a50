/*
 * The ecsctl:taskdef tag (docs/plan.md, "What plan reads"). A revision never
 * changes once registered, so when ecsctl deploys a service it records on
 * it which revision it deployed and the digest of the desired task
 * definition that revision was found equal to. A later plan that finds the
 * service still on that revision, with a desired task definition of the
 * same digest, knows the revision's content without DescribeTaskDefinition.
 *
 * Value: "<family>:<revision> sha256:<64 hex> n<rules version>". The digest
 * is over the canonical text of the task definition as diff/taskdef.c
 * normalizes it, the very form the plan compares, so an equal digest means
 * no task definition change; the version is that of the normalization
 * rules (ECSCTL_DIFF_TASKDEF_RULES_VERSION): when a rule changes, every tag
 * stops matching and the next plan reads the revisions again.
 */
#include <stdlib.h>
#include <string.h>

#include "ecsctl/arn.h"
#include "reconcile_int.h"
#include "banned.h"

/* ECS refuses longer tag values; a family this long goes untagged (its
 * services are read as before) */
#define TAG_VALUE_MAX 256

char *reconcile_taskdef_digest(const json_t *td, struct ecsctl_error *err)
{
	json_t *norm = NULL;
	char *hex = NULL, *out = NULL;
	struct ecsctl_buf b = ECSCTL_BUF_INIT;

	if (ecsctl_diff_taskdef_normalize(&norm, td, err))
		return NULL;
	if (!(hex = reconcile_hash_json(norm))) {
		reconcile_oom(err);
		goto done;
	}
	ecsctl_buf_addf(&b, "sha256:%s", hex);
	if (!(out = ecsctl_buf_detach(&b)))
		reconcile_oom(err);
done:
	json_decref(norm);
	free(hex);
	return out;
}

int reconcile_taskdef_digests(json_t **out, const struct ecsctl_model *m, struct ecsctl_error *err)
{
	json_t *map = json_object();
	size_t i;
	int rc = 0;

	if (!map)
		return reconcile_oom(err);
	for (i = 0; i < m->count && !rc; i++) {
		const struct ecsctl_resource *r = &m->resources[i];
		char *d;

		if (r->kind != ECSCTL_KIND_TASKDEF)
			continue;
		if (!(d = reconcile_taskdef_digest(r->body, err)))
			rc = err->code ? err->code : reconcile_oom(err);
		else if (json_object_set_new(map, r->name, json_string(d)))
			rc = reconcile_oom(err);
		free(d);
	}
	if (rc)
		json_decref(map);
	else
		*out = map;
	return rc;
}

char *reconcile_taskdef_tag(const char *ref, const char *digest)
{
	struct ecsctl_buf b = ECSCTL_BUF_INIT;
	const char *rev = ecsctl_arn_taskdef(ref);
	size_t pl = strlen(RECONCILE_PLACEHOLDER_PREFIX), len = strlen(rev);
	bool placeholder = !strncmp(rev, RECONCILE_PLACEHOLDER_PREFIX, pl);

	if (!digest || (!placeholder && !strchr(rev, ':')))
		return NULL;
	/* a placeholder becomes "family:N" at apply time (reconcile_substitute),
	 * N at most 10 digits */
	if (placeholder)
		len = len - pl - 1 + 11;
	if (len + 1 + strlen(digest) + 4 > TAG_VALUE_MAX)
		return NULL;
	ecsctl_buf_addf(&b, "%s %s n%d", rev, digest, ECSCTL_DIFF_TASKDEF_RULES_VERSION);
	return ecsctl_buf_detach(&b);
}

bool reconcile_taskdef_vouched(const json_t *svc, const char *digest)
{
	const char *arn = json_string_value(json_object_get(svc, "taskDefinition"));
	const char *have = ecsctl_reconcile_tag_value(json_object_get(svc, "tags"),
	                                              ECSCTL_TASKDEF_TAG);
	char *want;
	bool ok;

	/* only a full ARN: "family:N" alone could be another account's */
	if (!have || !ecsctl_arn_resource(arn, "task-definition") ||
	    !(want = reconcile_taskdef_tag(arn, digest)))
		return false;
	ok = !strcmp(have, want);
	free(want);
	return ok;
}

json_t *reconcile_assumed_td(const json_t *body, const char *arn)
{
	const char *rev = strrchr(ecsctl_arn_taskdef(arn), ':');
	json_t *td = json_deep_copy(body);

	if (!td || !rev)
		goto fail;
	/* its tags were not read: not the desired ones */
	json_object_del(td, "tags");
	if (json_object_set_new(td, "taskDefinitionArn", json_string(arn)) ||
	    json_object_set_new(td, "revision", json_integer(strtol(rev + 1, NULL, 10))) ||
	    json_object_set_new(td, "status", json_string("ACTIVE")))
		goto fail;
	return td;
fail:
	json_decref(td);
	return NULL;
}
