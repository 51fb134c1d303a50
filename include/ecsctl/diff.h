/*
 * Normalization and diff of ECS resources: the part of reconcile that decides
 * whether live ECS equals the desired state, and what exactly differs.
 *
 * Everything here is a pure function over jansson values: no I/O, no AWS call.
 * The DESIRED side is an API request payload (RegisterTaskDefinition,
 * CreateService, CreateCluster members); the LIVE side is what Describe*
 * returns (DescribeTaskDefinition's `taskDefinition`, DescribeServices'
 * Service with include TAGS, DescribeClusters' Cluster with include
 * SETTINGS/CONFIGURATIONS/TAGS). Inputs are never modified.
 *
 * Paths name members the way a person reads them: `desiredCount`,
 * `networkConfiguration.awsvpcConfiguration.subnets`,
 * `containerDefinitions[web].image`,
 * `containerDefinitions[web].environment[LOG_LEVEL].value`, `tags[team]`.
 * List entries are keyed where ECS gives them an identity (containers,
 * environment, secrets, volumes, ulimits by name; port mappings by
 * `containerPort/protocol`; tags by key; ...), else by index.
 *
 * The rules, with the source that taught each, are in docs/normalization.md.
 */
#ifndef ECSCTL_DIFF_H
#define ECSCTL_DIFF_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "ecsctl/buf.h"
#include "ecsctl/error.h"
#include "ecsctl/model.h"
#include "ecsctl/secret.h"

/* ---- changes ---------------------------------------------------------- */

struct ecsctl_diff_change {
	char *path;     /* owned */
	json_t *before; /* owned reference; NULL when the member is added */
	json_t *after;  /* owned reference; NULL when the member is removed */
};

struct ecsctl_diff_changes {
	struct ecsctl_diff_change *items;
	size_t count;
	size_t alloc;
	/* {"path": N}: how many members (of an object) or entries (of a list)
	 * at `path` are equal on both sides, for each object or list the engine
	 * walked into because something under it changed ("" is the root), so
	 * that a renderer can say "# (3 unchanged attributes hidden)". NULL
	 * when none was counted. Owned. */
	json_t *unchanged;
};

#define ECSCTL_DIFF_CHANGES_INIT                                                                   \
	{                                                                                          \
		NULL, 0, 0, NULL                                                                   \
	}

void ecsctl_diff_changes_init(struct ecsctl_diff_changes *c);
/* Frees every change. Accepts NULL. */
void ecsctl_diff_changes_release(struct ecsctl_diff_changes *c);

/* Looks a change up by exact path; NULL if absent. */
const struct ecsctl_diff_change *ecsctl_diff_changes_find(const struct ecsctl_diff_changes *c,
                                                          const char *path);

/*
 * The generic engine: appends to `out` the changes that turn `before` into
 * `after` (both already normalized; either may be NULL = absent). Only
 * changed leaves are emitted; an entry added to or removed from a keyed list
 * or an object is one change holding the whole entry; a list of scalars is
 * compared as a whole. At the root, an absent side against an object lists
 * each member as added (or removed), which is how a create reads. `prefix` (may be NULL or "") is
 * prepended to every path. Changes come in a deterministic order (object members and list keys
 * sorted). Returns 0, or ECSCTL_ENOMEM.
 */
int ecsctl_diff_values(struct ecsctl_diff_changes *out, const json_t *before, const json_t *after,
                       const char *prefix, struct ecsctl_error *err);

/* Canonical text of a (normalized) value: compact, members sorted. Equal
 * values give equal text, so it can be hashed (plan fingerprints, revision
 * lookup). Caller frees; NULL when `v` is NULL or out of memory. */
char *ecsctl_diff_canonical_dump(const json_t *v);

/* ---- task definitions ------------------------------------------------- */

/*
 * `*out` = a canonical copy of a task definition (a RegisterTaskDefinition
 * payload or a DescribeTaskDefinition `taskDefinition`): read-only and
 * live-only members and `tags` dropped, ECS defaults made explicit or removed,
 * lists ECS may reorder sorted, numeric strings canonical. Two payloads that
 * register the same revision content normalize to equal values. The caller
 * owns `*out`. ECSCTL_EINVAL when `td` is not an object or a member has a
 * type the rules cannot read (e.g. task `cpu` "two vCPU"); ECSCTL_ENOMEM.
 */
int ecsctl_diff_taskdef_normalize(json_t **out, const json_t *td, struct ecsctl_error *err);

/* `*equal` = whether both normalize to the same value. Errors as above.
 * With ignoreDifferences for task definitions, use ecsctl_diff_taskdef() and
 * ecsctl_diff_apply_ignore() instead: equal when no change is left. */
int ecsctl_diff_taskdef_equal(bool *equal, const json_t *desired, const json_t *live,
                              struct ecsctl_error *err);

/*
 * Which existing revision to reuse: `*index` = the first of `live[0..n)` (e.g.
 * the revision the service runs, then the family's latest ACTIVE one) that
 * normalizes equal to `desired`, or -1 when none does (register a new one).
 * NULL entries are skipped. `desired` is normalized once. Errors as above.
 */
int ecsctl_diff_taskdef_match(long *index, const json_t *desired, const json_t *const *live,
                              size_t n, struct ecsctl_error *err);

/* Normalizes both sides and appends their differences (before = live). */
int ecsctl_diff_taskdef(struct ecsctl_diff_changes *out, const json_t *desired, const json_t *live,
                        struct ecsctl_error *err);

/* The version of the rules above. Bump it with any change to what a rule
 * does, or to the rule list: digests of normalized task definitions are
 * stored on services (the ecsctl:taskdef tag) and one made under other
 * rules must not vouch for a revision. tests/unit/diff pins the rule names
 * to this version, so that a new rule without a bump fails there. */
#define ECSCTL_DIFF_TASKDEF_RULES_VERSION 1

/* Names of the rules, in the order they run (for docs and tests). */
size_t ecsctl_diff_taskdef_rule_count(void);
const char *ecsctl_diff_taskdef_rule_name(size_t i);

/* ---- tags ------------------------------------------------------------- */

/*
 * Tag changes from live `[{key, value}]` to desired `[{key, value}]` (either
 * NULL = none): `*add` = the desired tags missing or different live (a
 * TagResource `tags` list), `*remove` = live keys not desired (an
 * UntagResource `tagKeys` list). Keys starting with `aws:` (any case) are
 * ECS's own and never touched. Both outputs are new arrays (possibly
 * empty), owned by the caller. `changes` (may be NULL) gets `tags[key]`
 * entries. ECSCTL_EINVAL on a malformed tag list; ECSCTL_ENOMEM.
 */
int ecsctl_diff_tags(json_t **add, json_t **remove, struct ecsctl_diff_changes *changes,
                     const json_t *desired, const json_t *live, struct ecsctl_error *err);

/* ---- ignoreDifferences ------------------------------------------------ */

/*
 * 1 when `path` is equal to or under one of the rule fields that apply to
 * (kind, name): rule kind equal (or "*"), rule name a glob (fnmatch) matching
 * `name`. A field may use `*` for one whole key or member
 * (`containerDefinitions[*].image`).
 */
int ecsctl_diff_path_ignored(const char *path, const char *kind, const char *name,
                             const struct ecsctl_ignore_rule *rules, size_t nrules);

/* Drops from `changes` every change ecsctl_diff_path_ignored() says. */
void ecsctl_diff_apply_ignore(struct ecsctl_diff_changes *changes, const char *kind,
                              const char *name, const struct ecsctl_ignore_rule *rules,
                              size_t nrules);

/* ---- services --------------------------------------------------------- */

struct ecsctl_diff_service_options {
	const char *name; /* "cluster/serviceName", matched by ignore rules */
	const struct ecsctl_ignore_rule *ignore;
	size_t nignore;
};
#define ECSCTL_DIFF_SERVICE_OPTIONS_INIT                                                           \
	{                                                                                          \
		NULL, NULL, 0                                                                      \
	}

struct ecsctl_diff_service {
	struct ecsctl_diff_changes changes; /* every difference left after ignore,
	                                       tags included (`tags[key]`) */
	json_t *update;                     /* the ONE UpdateService request carrying every changed
	                                       updatable member (with `service` and `cluster`), or
	                                       NULL when nothing updatable changed */
	json_t *replace;                    /* array of immutable member names that changed (a
	                                       replace is needed), or NULL */
	json_t *tags_add;                   /* TagResource `tags`, or NULL when none */
	json_t *tags_remove;                /* UntagResource `tagKeys`, or NULL when none */
};

void ecsctl_diff_service_init(struct ecsctl_diff_service *d);
void ecsctl_diff_service_release(struct ecsctl_diff_service *d);

/*
 * Compares a desired CreateService payload (its `taskDefinition` already
 * resolved by the caller to what the service should run, ideally the ARN)
 * with the live Service. `desired` must have `serviceName`. Ignored fields are
 * left out of both the changes and the update request; a `desiredCount`
 * absent from `desired` means "not managed" (autoscaling) and is never a
 * change. `out` must be initialized; it is filled even on error, and must be
 * released. ECSCTL_EINVAL on malformed input; ECSCTL_ENOMEM.
 */
int ecsctl_diff_service(struct ecsctl_diff_service *out, const json_t *desired, const json_t *live,
                        const struct ecsctl_diff_service_options *opts, struct ecsctl_error *err);

/* The comparable canonical form used above (exposed for tests and drift). */
int ecsctl_diff_service_normalize(json_t **out, const json_t *svc, bool live,
                                  struct ecsctl_error *err);

/* ---- clusters --------------------------------------------------------- */

struct ecsctl_diff_cluster {
	struct ecsctl_diff_changes changes;
	json_t *update;             /* UpdateCluster request, or NULL */
	json_t *capacity_providers; /* PutClusterCapacityProviders request, or NULL */
	json_t *tags_add;           /* TagResource `tags`, or NULL */
	json_t *tags_remove;        /* UntagResource `tagKeys`, or NULL */
};

void ecsctl_diff_cluster_init(struct ecsctl_diff_cluster *d);
void ecsctl_diff_cluster_release(struct ecsctl_diff_cluster *d);

/*
 * Compares a desired CreateCluster payload with the live Cluster (described
 * with SETTINGS, CONFIGURATIONS and TAGS). `ignore` as for services, with
 * kind "Cluster" and the cluster name. Same contract as ecsctl_diff_service.
 */
int ecsctl_diff_cluster(struct ecsctl_diff_cluster *out, const json_t *desired, const json_t *live,
                        const struct ecsctl_ignore_rule *ignore, size_t nignore,
                        struct ecsctl_error *err);

/* ---- masking and rendering -------------------------------------------- */

enum ecsctl_diff_mask_flags {
	/* Mask every environment value, as the ECS model marks the whole
	 * EnvironmentVariables list sensitive. Off: only entries whose name
	 * looks secret (see ecsctl_secret_name). */
	ECSCTL_DIFF_MASK_ALL_ENVIRONMENT = 1 << 0,
};

#define ECSCTL_DIFF_MASKED "(sensitive)"

/* What to mask beyond the built-in rules. */
struct ecsctl_diff_mask {
	unsigned flags;           /* enum ecsctl_diff_mask_flags */
	const char *const *names; /* ecsctl.yaml `sensitive:` globs (fnmatch, any case) matched
	                             against environment names and option/label keys; or NULL */
	size_t nnames;
	/* values known to be secret (SecureString and sensitive lookups): a
	 * string holding one is masked, whatever its name; or NULL */
	const char *const *values;
	size_t nvalues;
};
#define ECSCTL_DIFF_MASK_INIT                                                                      \
	{                                                                                          \
		0, NULL, 0, NULL, 0                                                                \
	}

/*
 * A copy of `value` (found at `path`) with sensitive values replaced by the
 * string "(sensitive)": members whose model shape is sensitive
 * (repositoryCredentials; environment values with
 * ECSCTL_DIFF_MASK_ALL_ENVIRONMENT), environment entries whose name looks
 * secret or matches `mask->names`, values of string maps (log `options`,
 * `dockerLabels`, `driverOpts`) whose key does, and any string that
 * ecsctl_secret_value(), however deep they sit in `value`. A
 * string holding a JSON object or array is masked inside (its members named
 * like secrets, its credential-like strings) and shown re-encoded compact.
 * `mask` may be NULL (built-in rules only). New reference; NULL when `value`
 * is NULL or out of memory.
 */
json_t *ecsctl_diff_mask_value(const char *path, const json_t *value,
                               const struct ecsctl_diff_mask *mask);

/* The plan JSON's `diff` array (docs/plan.md): [{"path", "before", "after"}], absent
 * as null, masked. New reference; NULL when out of memory. */
json_t *ecsctl_diff_changes_to_json(const struct ecsctl_diff_changes *c,
                                    const struct ecsctl_diff_mask *mask);

/* The same with other member names for the two sides, e.g. drift's
 * {"path", "git", "live"} is (c, mask, "live", "git") for changes made
 * with before = live and after = git. */
json_t *ecsctl_diff_changes_to_json_as(const struct ecsctl_diff_changes *c,
                                       const struct ecsctl_diff_mask *mask, const char *before_name,
                                       const char *after_name);

enum ecsctl_diff_action {
	ECSCTL_DIFF_CREATE,
	ECSCTL_DIFF_REGISTER,
	ECSCTL_DIFF_UPDATE,
	ECSCTL_DIFF_REPLACE,
	ECSCTL_DIFF_DELETE,
	ECSCTL_DIFF_DEREGISTER,
};

/* "create", "register", ... as in the plan JSON. */
const char *ecsctl_diff_action_name(enum ecsctl_diff_action a);

struct ecsctl_diff_render_options {
	bool color;                          /* ANSI colours on the symbols */
	const struct ecsctl_diff_mask *mask; /* NULL: built-in rules only */
	bool compact;     /* one line per change (path: before -> after) instead of nested */
	size_t max_value; /* compact: longest value shown before shortening; 0 = never */
	/* Member names (ecsctl_diff_service's `replace`) whose lines end with
	 * "# forces replacement"; or NULL. */
	const json_t *forces_replacement;
};
#define ECSCTL_DIFF_RENDER_OPTIONS_INIT                                                            \
	{                                                                                          \
		false, NULL, false, 0, NULL                                                        \
	}

/*
 * Appends to `out` one resource's block in the style of `terraform plan`:
 *
 *   ~ TaskDefinition "web" will be updated in-place
 *       ~ containerDefinitions[web] {
 *           + environment[NEW] {
 *               + name  = "NEW"
 *               + value = "2"
 *             }
 *           ~ image = "nginx:1.25" -> "nginx:1.27"
 *             # (2 unchanged environment entries hidden)
 *             # (4 unchanged attributes hidden)
 *         }
 *       ~ command = [
 *             "sh",
 *           - "old",
 *           + "new",
 *         ]
 *
 * Changes are grouped under the objects and list entries they sit in; only
 * changed leaves are shown, unchanged siblings counted (from
 * changes->unchanged); every value in full; multi-line strings and lists
 * compared line by line (2 equal lines or elements of context, the rest
 * counted; a JSON document in a string over 80 characters indented first). With `compact`, today's
 * one line per change:
 *
 *       ~ containerDefinitions[web].image: "nginx:1.25" -> "nginx:1.27"
 *
 * Sensitive values are masked either way. Out of memory is left sticky in
 * `out`.
 */
void ecsctl_diff_render_text(struct ecsctl_buf *out, enum ecsctl_diff_action action,
                             const char *kind, const char *name,
                             const struct ecsctl_diff_changes *changes,
                             const struct ecsctl_diff_render_options *opts);

/* One value as the compact renderer shows it: compact JSON, shortened in the
 * middle past `max` bytes (0 = never). */
void ecsctl_diff_render_value(struct ecsctl_buf *out, const json_t *value, size_t max);

/* Removes, recursively, null members, empty arrays and empty objects (after
 * their own contents are cleaned) from objects; entries of arrays are cleaned
 * but kept. */
void ecsctl_diff_drop_empty(json_t *v);

#endif
