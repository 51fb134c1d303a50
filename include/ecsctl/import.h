/*
 * Import: live ECS resources as clean desired-state documents, so that a
 * team can adopt ecsctl and the first plan shows no changes.
 *
 * Cleaning keeps only the members the create/register call takes, drops
 * what ECS fills in by itself (defaults, empty lists, ecsctl's and AWS's own
 * tags), and turns ARNs into the names a repository uses (a service's
 * `taskDefinition` becomes the family when that family is imported too).
 */
#ifndef ECSCTL_IMPORT_H
#define ECSCTL_IMPORT_H

#include <jansson.h>
#include <stddef.h>

#include "ecsctl/buf.h"
#include "ecsctl/ecs.h"
#include "ecsctl/error.h"

/* Each returns a new document with `kind` first, or NULL when out of
 * memory. Inputs are Describe* answers and are not modified. */
json_t *ecsctl_import_cluster(const json_t *live_cluster);
json_t *ecsctl_import_taskdef(const json_t *live_td, const json_t *tags);
/* `family` (may be NULL): write it instead of the ARN. */
json_t *ecsctl_import_service(const json_t *live_service, const char *family);

/*
 * The documents of one file as YAML (libyaml's emitter): several documents
 * separated by `---`; strings that YAML would read as another type are
 * quoted, and `${` is written `$${` so that the loader's variable
 * substitution gives the value back. ECSCTL_EINVAL for a value YAML cannot
 * hold; ECSCTL_ENOMEM.
 */
int ecsctl_import_yaml(struct ecsctl_buf *out, json_t *const *docs, size_t n,
                       struct ecsctl_error *err);

struct ecsctl_import_file {
	char *path; /* relative: "clusters/shop.yaml", "services/web.yaml" */
	char *text; /* YAML */
};

struct ecsctl_import_result {
	struct ecsctl_import_file *files;
	size_t count;
	size_t services, taskdefs;
	json_t *arns; /* the cluster's and services' ARNs (what adoption tags) */
	char *owner;  /* an ecsctl:owner tag found on them, or NULL */
};

void ecsctl_import_result_release(struct ecsctl_import_result *r);

/*
 * Describes `cluster`, its services (all ACTIVE ones, or the `n` named),
 * and the task definitions they run, and lays them out as files: one for
 * the cluster, one per service holding its TaskDefinition (a family shared
 * by several services goes with the first, by name) then its Service.
 * Errors: ECSCTL_ENOTFOUND for a missing cluster or service; the client's.
 */
int ecsctl_import_run(struct ecsctl_import_result *out, struct ecsctl_ecs *c, const char *cluster,
                      const char *const *services, size_t n, struct ecsctl_error *err);

#endif
