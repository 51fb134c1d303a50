/*
 * Rollback: put a service back on the revision it ran before its last
 * deployment. ECS keeps no deployment history once a rollout completes, so
 * the history is the family's ACTIVE revisions and the ecsctl:revision tag
 * ecsctl writes on what it registers (the commit it came from).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecsctl/ops.h"
#include "ecsctl/tags.h"
#include "ops_int.h"
#include "banned.h"

/* "arn:...:task-definition/web:7" -> 7; 0 when there is none */
static long revision_of(const char *arn)
{
	const char *colon = strrchr(arn, ':');

	return colon ? strtol(colon + 1, NULL, 10) : 0;
}

static const char *tag(const json_t *tags, const char *key)
{
	const json_t *t;
	size_t i;

	json_array_foreach(tags, i, t) {
		if (!strcmp(ops_str(t, "key"), key))
			return ops_str(t, "value");
	}
	return NULL;
}

/* A deployment still listed on another revision (a rollout in progress or
 * failed): what the service ran before. The newest such. */
static const char *previous_deployment(const json_t *svc, const char *current)
{
	const json_t *d, *best = NULL;
	size_t i;

	json_array_foreach(json_object_get(svc, "deployments"), i, d) {
		if (!strcmp(ops_str(d, "status"), "PRIMARY") ||
		    !strcmp(ops_str(d, "taskDefinition"), current))
			continue;
		if (!best || json_number_value(json_object_get(d, "createdAt")) >
		                 json_number_value(json_object_get(best, "createdAt")))
			best = d;
	}
	return best ? ops_str(best, "taskDefinition") : NULL;
}

/* Describes `arn` with its tags; `*commit` gets its ecsctl:revision (or NULL). */
static int describe(json_t **td, char **commit, struct ecsctl_ecs *ecs, const char *arn,
                    struct ecsctl_error *err)
{
	json_t *tags = NULL;
	const char *c;
	int rc = ecsctl_ecs_describe_task_definition(td, &tags, ecs, arn, err);

	*commit = NULL;
	if (!rc && (c = tag(tags, ECSCTL_REVISION_TAG)) && !(*commit = strdup(c)))
		rc = ecsctl_error_nomem(err);
	json_decref(tags);
	return rc;
}

/* The newest ACTIVE revision of the family older than `current` that ecsctl
 * deployed from another commit than `current`'s. */
static int older_revision(char **to, char **to_commit, struct ecsctl_ecs *ecs, const json_t *cur,
                          const char *cur_commit, struct ecsctl_error *err)
{
	json_t *arns = NULL, *a, *td = NULL;
	long n = (long)json_integer_value(json_object_get(cur, "revision"));
	size_t i;
	int rc;

	*to = *to_commit = NULL;
	if ((rc = ecsctl_ecs_list_task_definitions(&arns, ecs, ops_str(cur, "family"), "ACTIVE",
	                                           true, err)) < 0)
		return rc;
	json_array_foreach(arns, i, a) {
		const char *arn = json_string_value(a);
		char *commit = NULL;

		if (!arn || revision_of(arn) >= n)
			continue;
		if ((rc = describe(&td, &commit, ecs, arn, err)) < 0)
			break;
		json_decref(td);
		td = NULL;
		/* not ecsctl's, or the same commit registered again: not a deployment */
		if (commit && (!cur_commit || strcmp(commit, cur_commit))) {
			*to_commit = commit;
			if (!(*to = strdup(arn)))
				rc = ecsctl_error_nomem(err);
			break;
		}
		free(commit);
	}
	json_decref(arns);
	return rc;
}

int ecsctl_ops_rollback_target(json_t **out, struct ecsctl_ecs *ecs, const char *cluster,
                               const char *service, struct ecsctl_error *err)
{
	const char *names[1] = {service};
	json_t *svcs = NULL, *fail = NULL, *cur = NULL, *svc;
	char *cur_commit = NULL, *to = NULL, *to_commit = NULL;
	const char *from, *prev;
	int rc;

	*out = NULL;
	if ((rc = ecsctl_ecs_describe_services(&svcs, &fail, ecs, cluster, names, 1, err)) < 0)
		goto done;
	svc = json_array_get(svcs, 0);
	if (!svc || strcmp(ops_str(svc, "status"), "ACTIVE")) {
		rc = ecsctl_error_set(err, ECSCTL_ENOTFOUND,
		                      "no ACTIVE service '%s' in cluster '%s'", service, cluster);
		goto done;
	}
	from = ops_str(svc, "taskDefinition");
	if ((rc = describe(&cur, &cur_commit, ecs, from, err)) < 0)
		goto done;
	if ((prev = previous_deployment(svc, from))) {
		json_t *td = NULL;
		if ((rc = describe(&td, &to_commit, ecs, prev, err)) < 0)
			goto done;
		json_decref(td);
		if (!(to = strdup(prev))) {
			rc = ecsctl_error_nomem(err);
			goto done;
		}
	} else if ((rc = older_revision(&to, &to_commit, ecs, cur, cur_commit, err)) < 0) {
		goto done;
	}
	if (!to) {
		rc = ecsctl_error_set(err, ECSCTL_ENOTFOUND,
		                      "%s/%s runs %s and no earlier ACTIVE revision of it was "
		                      "deployed by ecsctl: nothing to roll back to",
		                      cluster, service,
		                      strrchr(from, '/') ? strrchr(from, '/') + 1 : from);
		goto done;
	}
	*out = json_pack("{s:s, s:s, s:s, s:s?, s:s, s:s?, s:s?}", "cluster", cluster, "service",
	                 ops_str(svc, "serviceName"), "from", from, "fromCommit", cur_commit, "to",
	                 to, "toCommit", to_commit, "serviceArn", ops_str(svc, "serviceArn"));
	if (!*out)
		rc = ecsctl_error_nomem(err);
done:
	json_decref(svcs);
	json_decref(fail);
	json_decref(cur);
	free(cur_commit);
	free(to);
	free(to_commit);
	return rc;
}

int ecsctl_ops_rollback(struct ecsctl_ecs *ecs, const json_t *target, struct ecsctl_error *err)
{
	json_t *req = json_pack("{s:s, s:s, s:s}", "cluster", ops_str(target, "cluster"), "service",
	                        ops_str(target, "service"), "taskDefinition",
	                        ops_str(target, "to"));
	const char *commit = json_string_value(json_object_get(target, "toCommit"));
	int rc;

	if (!req)
		return ecsctl_error_nomem(err);
	rc = ecsctl_ecs_update_service(NULL, ecs, req, err);
	json_decref(req);
	/* the service says which commit it runs now: status, drift and the next
	 * plan's revision tag follow it */
	if (!rc && commit) {
		json_t *tags = json_pack("[{s:s, s:s}]", "key", ECSCTL_REVISION_TAG, "value",
		                         commit);
		rc = tags ? ecsctl_ecs_tag_resource(ecs, ops_str(target, "serviceArn"), tags, err)
		          : ecsctl_error_nomem(err);
		json_decref(tags);
	}
	return rc;
}
