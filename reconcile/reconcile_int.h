/* Shared inside reconcile/: small JSON and hashing helpers. */
#ifndef ECSCTL_RECONCILE_INT_H
#define ECSCTL_RECONCILE_INT_H

#include <jansson.h>

#include "ecsctl/error.h"
#include "ecsctl/reconcile.h"

/* A "cluster/service" key: a cluster name (or ARN) and a service name,
 * each at most 255 characters in ECS, with room to spare. */
#define RECONCILE_KEY_MAX 600

/* sha256 hex of a value's canonical text (sorted keys, compact). */
char *reconcile_hash_json(const json_t *v);

/* Appends string `s` to array `a` unless already there. 0 or -1 (OOM). */
int reconcile_array_add_unique(json_t *a, const char *s);

/* A copy of `tags` (NULL = none) with `key` set to `value`. New reference. */
json_t *reconcile_tags_with(const json_t *tags, const char *key, const char *value);

/* Parses "family" out of "family", "family:rev" or a task definition ARN. */

int reconcile_oom(struct ecsctl_error *err);

/* The masking a plan's output uses: built-in rules plus the `sensitive`
 * globs of its scope (saved plans carry them). `mk->names` is allocated
 * (free it); -1 when out of memory. */
int reconcile_plan_mask(struct ecsctl_diff_mask *mk, const struct ecsctl_plan *p);

/* plan_render.c, shared by the text and Markdown plans: */
/* How a title writes a name: as is, or as a Markdown code span. */
typedef void (*reconcile_name_fn)(struct ecsctl_buf *out, const char *s, size_t n);
/* "commit abc1234 (main) of REPO:PATH" or "the work tree of ...", each
 * name written by `name`. */
void reconcile_plan_title(struct ecsctl_buf *out, const struct ecsctl_plan *p,
                          reconcile_name_fn name);
/* "Plan: 1 to create, 2 to update." (no newline) */
void reconcile_plan_summary_line(struct ecsctl_buf *out, const struct ecsctl_plan *p);
/* Op i's block as text: its header, notes and diff. */
void reconcile_plan_render_op(struct ecsctl_buf *out, const struct ecsctl_plan *p, size_t i,
                              const struct ecsctl_diff_mask *mk, bool color, bool compact);

/* The pseudo-operation a plan's calls use to wait, between a DeleteService
 * and what needs its name (CreateService) or its cluster (DeleteCluster)
 * gone, for {"cluster", "service"} to be INACTIVE: ECS refuses both while
 * the service is ACTIVE or DRAINING. Executed by apply, never sent. */
#define RECONCILE_WAIT_INACTIVE "ecsctl:WaitServiceInactive"

/* Polls until every {"cluster", "service"} of `targets` is INACTIVE or gone,
 * on o's clock, at o->interval_ms, for at most o->timeout_ms. ECSCTL_ETIMEOUT,
 * ECSCTL_ECANCELED, or the ECS client's errors. */
int reconcile_wait_inactive(struct ecsctl_ecs *ecs, const json_t *targets,
                            const struct ecsctl_apply_options *o, struct ecsctl_error *err);

/* Appends a zeroed op to `p` (counted: released with the plan even when the
 * caller fails to fill it); NULL on OOM. */
struct ecsctl_plan_op *reconcile_plan_push(struct ecsctl_plan *p);

/* Reads a plan JSON `diff` array back into changes (for display only).
 * 0 or -1 (malformed or OOM). */
int reconcile_read_diff(struct ecsctl_diff_changes *c, const json_t *diff);

/* ---- plan_compare.c: what task definition diffs are against ---------- */

/* The family's latest ACTIVE revision when read, else one an ecsctl:taskdef
 * tag vouched for (equal to the desired task definition), else NULL. */
const json_t *reconcile_family_td(const struct ecsctl_live *live, const char *family);

/* The task definition `arn` when the plan read it (a revision a service
 * runs, a family's latest, or history), else NULL. */
const json_t *reconcile_known_td(const struct ecsctl_live *live, const char *arn);

/* Fills a register op's changes (repo `body` against the revision the
 * family's services run, else the latest ACTIVE, else as new), its
 * compared_with and, when those services (`users`: indexes into m's
 * resources) run different revisions, its running_revisions. */
int reconcile_compare_register(struct ecsctl_plan_op *op, const struct ecsctl_model *m,
                               const struct ecsctl_live *live, const json_t *users,
                               const json_t *body, struct ecsctl_error *err);

/* For a service op switching from revision `from` to `to` (an ARN or the
 * placeholder of `family`'s register): the content diff into op->td_*,
 * unless p's register of `family` already shows it (same base) or neither
 * side is known. `body` is the repo's task definition of `family`, or NULL
 * (a pinned revision: read from live). */
int reconcile_compare_service(struct ecsctl_plan_op *op, const struct ecsctl_plan *p,
                              const struct ecsctl_live *live, const char *family,
                              const json_t *body, const char *from, const char *to,
                              struct ecsctl_error *err);

void reconcile_compare_release(struct ecsctl_plan_op *op);
/* Adds comparedWith, runningRevisions, taskDefinitionDiff (masked with `mk`)
 * to a change; 0 or -1. */
int reconcile_compare_to_json(json_t *ch, const struct ecsctl_plan_op *op,
                              const struct ecsctl_diff_mask *mk);
/* Reads them back from a saved plan's change; 0 or -1. */
int reconcile_compare_from_json(struct ecsctl_plan_op *op, const json_t *ch);
/* One op of the text plan: diff/'s block for it (`kind` its name), with
 * what its diff compares with under the header and, for a service that
 * switches revision, the content that changes. */
/* Sets op->rollout for a service op (rollout.c): `desired` the service file's
 * body, `live` the live service (NULL for a create), `update` the
 * UpdateService request (NULL for a create). 0 or ENOMEM. */
int reconcile_rollout_plan(struct ecsctl_plan_op *op, const json_t *desired, const json_t *live,
                           const json_t *update, struct ecsctl_error *err);
/* The "# strategy:" and "# rollout:" note lines of op->rollout. */
void reconcile_rollout_render(struct ecsctl_buf *out, const struct ecsctl_plan_op *op);

void reconcile_render_op(struct ecsctl_buf *out, const struct ecsctl_plan_op *op, const char *kind,
                         const struct ecsctl_diff_render_options *ro);

/* ---- unstable.c ------------------------------------------------------ */

/* `*out` = the managed services (of `m`, targeted by `po` if it names any)
 * that `live` shows not stable, as ecsctl_plan's `unstable`. */
int reconcile_unstable(json_t **out, const struct ecsctl_model *m, const struct ecsctl_live *live,
                       const struct ecsctl_plan_options *po, struct ecsctl_error *err);
/* The text plan's lines for p->unstable (nothing when there are none). */
void reconcile_render_unstable(struct ecsctl_buf *out, const struct ecsctl_plan *p);

/* How the placeholder for a register's ARN starts: "(new revision of F)". */
#define RECONCILE_PLACEHOLDER_PREFIX "(new revision of "

/* A copy of `v` with every "(new revision of F)" string replaced by the ARN
 * `registered` holds for F, and a string starting with "(new revision of F) "
 * (the ecsctl:taskdef tag) with that start replaced by "F:N" (apply.c).
 * New reference; NULL when out of memory. */
json_t *reconcile_substitute(const json_t *v, const json_t *registered);

/* Pre-deploy hooks (hooks.c). p->hooks for a plan that deploys: one step per
 * hook of m's settings with its RunTask request. */
int reconcile_plan_hooks(struct ecsctl_plan *p, const struct ecsctl_model *m,
                         const struct ecsctl_live *live, struct ecsctl_error *err);
/* The text plan's hook steps (nothing without hooks). */
void reconcile_render_hooks(struct ecsctl_buf *out, const struct ecsctl_plan *p, bool color);
/* The plan JSON's "hooks" (with `saved`, everything apply needs). NULL on OOM. */
json_t *reconcile_hooks_to_json(const struct ecsctl_plan *p, bool saved);
int reconcile_hooks_from_json(struct ecsctl_plan *p, const json_t *doc, struct ecsctl_error *err);
/* Runs p->hooks in order (RunTask, wait until stopped, exit codes);
 * ECSCTL_EHOOK naming the hook, its tasks and exit codes when one fails. */
int reconcile_run_hooks(const struct ecsctl_plan *p, struct ecsctl_ecs *ecs,
                        const json_t *registered, const struct ecsctl_apply_options *o,
                        struct ecsctl_error *err);

/* ---- live_calls.c: batches of reads ---------------------------------- */

struct reconcile_calls {
	struct ecsctl_ecs_call *v;
	size_t n, alloc;
};

/* Appends a call of `op` with `req` (taken; NULL = out of memory). 0 or -1. */
int reconcile_calls_add(struct reconcile_calls *c, const char *op, json_t *req);
void reconcile_calls_release(struct reconcile_calls *c);
/* Runs the calls at once; a failure that is not "not found" (a missing
 * family or cluster is an answer) is the error. */
int reconcile_calls_run(struct ecsctl_ecs *ecs, struct reconcile_calls *c,
                        struct ecsctl_error *err);
/* A DescribeTaskDefinition answer's taskDefinition with its tags inside
 * (they come apart in the answer). New reference, NULL when out of memory. */
json_t *reconcile_td_with_tags(const json_t *resp);

/* ---- live_orphans.c -------------------------------------------------- */

/* Owned services in the desired clusters that git no longer names, and
 * owned clusters git no longer names with their owned services (so that one
 * apply deletes the services, waits for them, then deletes the cluster),
 * into l->orphans and l->orphan_clusters. With l->unmanaged read already,
 * the desired clusters' orphans are taken from it (no second listing). */
int reconcile_gather_orphans(struct ecsctl_live *l, struct ecsctl_ecs *ecs, const json_t *scope,
                             struct ecsctl_error *err);

/* ---- live_vouch.c: the reads a tag or the cache spares ---------------- */

/* `*out` = {"family": ["cluster/service", ...]}: the desired services that
 * run each repo family (their reads wait for DescribeServices). */
int reconcile_vouch_users(json_t **out, const struct ecsctl_model *m, struct ecsctl_error *err);

/* For each family of `users`: when one of its live services (l->services)
 * runs a revision its ecsctl:taskdef tag vouches for, or one `cache` holds
 * that normalizes equal to the desired task definition, that revision goes
 * into l->running (a vouched one as reconcile_assumed_td, listed in
 * l->assumed); the families none is known for are appended to `need`
 * (their latest ACTIVE revision must be read). */
int reconcile_vouch(json_t *need, struct ecsctl_live *l, const struct ecsctl_model *m,
                    const json_t *users, struct ecsctl_td_cache *cache, struct ecsctl_error *err);

/* ---- taskdef_tag.c: the ecsctl:taskdef tag ---------------------------- */

/* "sha256:<hex>" of the canonical text of `td` normalized (diff/taskdef.c).
 * NULL with `err` set (normalization errors, ECSCTL_ENOMEM). */
char *reconcile_taskdef_digest(const json_t *td, struct ecsctl_error *err);

/* `*out` = {"family": digest} for each task definition of `m`. */
int reconcile_taskdef_digests(json_t **out, const struct ecsctl_model *m, struct ecsctl_error *err);

/* The ecsctl:taskdef value for revision `ref` (an ARN, "family:N", or a
 * register's placeholder) and `digest`; NULL when it would not fit in a tag
 * value (a family over ~170 characters), `ref` names no revision, or OOM. */
char *reconcile_taskdef_tag(const char *ref, const char *digest);

/* Whether live Service `svc` carries an ecsctl:taskdef tag naming the
 * revision it runs (by ARN) and `digest` under the current rules. */
bool reconcile_taskdef_vouched(const json_t *svc, const char *digest);

/* What stands for revision `arn` when a tag vouched for it: `body` (the
 * desired RegisterTaskDefinition request) with the ARN, revision and status
 * ACTIVE, without tags (not read). New reference; NULL when out of memory. */
json_t *reconcile_assumed_td(const json_t *body, const char *arn);

#endif
