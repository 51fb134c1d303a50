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
#include <stdbool.h>
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
 * Adds "ecsctl.yaml" (name: `owner`, region: `region`) to `r`. Both values
 * come from outside (a tag on a live resource, the command line), so they go
 * through the emitter like every other value: a quote, a newline or `${` in
 * an owner tag stays inside the value. ECSCTL_EINVAL; ECSCTL_ENOMEM.
 */
int ecsctl_import_settings(struct ecsctl_import_result *r, const char *owner, const char *region,
                           struct ecsctl_error *err);

/*
 * Writes the files of `r` under `dir` (created when missing), all or none:
 * each is written and fsynced in a fresh hidden staging folder inside `dir`
 * first, then every destination is checked (a symbolic link, at the file or
 * at a folder on its way below `dir`, is refused, never written through; an
 * existing file is refused unless `force`), and only then are the files moved
 * into place. On an error before the moves, `dir` is left as it was (folders
 * this call created are removed again). Without `force` a file that appears
 * meanwhile is not replaced (a hard link, not a rename, puts it in place).
 * ECSCTL_EINVAL for a refused destination (a link, an existing file, a
 * folder in the way), ECSCTL_EIO for a failed call, both naming the path;
 * ECSCTL_ENOMEM.
 */
int ecsctl_import_write(const struct ecsctl_import_result *r, const char *dir, bool force,
                        struct ecsctl_error *err);

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
