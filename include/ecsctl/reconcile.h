/*
 * Reconcile: live state -> plan -> apply -> wait (docs/plan.md).
 *
 * Data flows one way: ecsctl_reconcile_scope() says what a desired state
 * touches; ecsctl_reconcile_gather() reads exactly that from ECS
 * (concurrently, batched); ecsctl_plan_make() diffs desired against live
 * (diff/) into ordered operations; ecsctl_plan_apply() executes them and
 * ecsctl_plan_wait() watches the services they touched. The library never
 * prints: progress goes through a callback the front end supplies.
 *
 * A plan is self-contained: each operation carries the exact API requests
 * it will send, and the plan the desired state it was made from. A saved
 * plan (ecsctl_plan_to_json(.., true)) is applied by planning that desired
 * state again (ecsctl_plan_rederive) and refusing any difference from the
 * saved changes, so what runs is a function of what was reviewed, never of
 * calls edited in the file. Its fingerprint covers the live values the plan
 * depends on (not volatile counters or events), so a saved plan can tell
 * when it went stale.
 */
#ifndef ECSCTL_RECONCILE_H
#define ECSCTL_RECONCILE_H

#include <jansson.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "ecsctl/diag.h"
#include "ecsctl/diff.h"
#include "ecsctl/ecs.h"
#include "ecsctl/error.h"
#include "ecsctl/model.h"
#include "ecsctl/tags.h"

/* The value of tag `key` in a [{key, value}] list, or NULL. */
const char *ecsctl_reconcile_tag_value(const json_t *tags, const char *key);

/* ---- live state ------------------------------------------------------- */

/*
 * What a desired state touches, as JSON (saved in plan files so that
 * `apply FILE` re-reads the same things without the repository):
 * {"owner": name, "prune": bool, "clusters": [names], "services":
 * {"cluster": [names]}, "families": [names], plus the settings apply needs:
 * "waitTimeoutMs", "rollbackOnFailure", "region", "accountId" (when pinned),
 * "lock" (ecsctl.yaml's `lock:`, when set) and "sensitiveValues" (secret
 * lookups' values, for masking)}; "refresh": true, added by the caller,
 * makes a gather read every revision whatever the tags say (a saved plan
 * made with --refresh is re-derived the same way). New reference via `*out`.
 */
int ecsctl_reconcile_scope(json_t **out, const struct ecsctl_model *m, struct ecsctl_error *err);

struct ecsctl_live {
	json_t *clusters;        /* {"name": Cluster} of the ACTIVE clusters found */
	json_t *services;        /* {"cluster/name": Service} of the non-INACTIVE services found */
	json_t *latest;          /* {"family": taskDefinition} latest ACTIVE revision per family */
	json_t *running;         /* {"arn": taskDefinition} revisions the services run */
	json_t *orphans;         /* {"cluster/name": Service}: owned, live, not desired (prune) */
	json_t *orphan_clusters; /* {"name": Cluster}: owned, live, not desired (prune) */
	json_t *history;         /* {"family": [taskDefinition]}: older ACTIVE revisions, read
	                            only when a register is planned; NULL until then */
	json_t *revisions;       /* {"family": [ARN]}: every ACTIVE revision, newest first;
	                            read with history */
	json_t *unmanaged;       /* {"cluster/name": Service}: ACTIVE, any owner, not in the
	                            scope; NULL until ecsctl_reconcile_gather_unmanaged */
	json_t *assumed;         /* {"arn": "family"}: revisions in `running` that were not
	                            read, an ecsctl:taskdef tag vouching for them (their
	                            content is the desired task definition's, without tags
	                            or registeredAt) */
	char *fingerprint;       /* sha256 hex of the non-volatile values above */
};

void ecsctl_live_init(struct ecsctl_live *l);
void ecsctl_live_release(struct ecsctl_live *l);

/*
 * Reads the live state `scope` names: DescribeClusters (one call per 100),
 * DescribeServices (10 a call, all at once), DescribeTaskDefinition of
 * each family (its latest ACTIVE revision) and of each revision a service
 * runs that is not a latest one; with prune, ListServices per cluster that
 * may hold services the scope does not name (its activeServicesCount is
 * more than the desired ones found) and ListClusters. `out` must be initialized and is released by
 * the caller even on error. Errors: those of the ECS client.
 */
int ecsctl_reconcile_gather(struct ecsctl_live *out, struct ecsctl_ecs *ecs, const json_t *scope,
                            struct ecsctl_error *err);

/* Task definitions by ARN across gathers (watch): revisions never change
 * once registered. Bounded to `max` entries, the least recently used evicted
 * first. Tags are kept as first read. */
struct ecsctl_td_cache;
/* 0, or -1 when out of memory. */
int ecsctl_td_cache_new(struct ecsctl_td_cache **out, size_t max);
void ecsctl_td_cache_free(struct ecsctl_td_cache *c);
/* The cached task definition `arn` (borrowed; marks it used), or NULL. */
const json_t *ecsctl_td_cache_get(struct ecsctl_td_cache *c, const char *arn);
/* Keeps `td` (a DescribeTaskDefinition taskDefinition with its tags) under
 * its taskDefinitionArn, evicting the least recently used entry when full.
 * A NULL cache keeps nothing. 0, or -1 when out of memory. */
int ecsctl_td_cache_put(struct ecsctl_td_cache *c, const json_t *td);
size_t ecsctl_td_cache_count(const struct ecsctl_td_cache *c);

struct ecsctl_gather_options {
	/* The desired state the scope was made from. With it (and no "refresh"
	 * in the scope), a family is not described when one of its services
	 * runs the revision its ecsctl:taskdef tag names with the digest of the
	 * family's desired task definition (docs/plan.md, "What plan reads"):
	 * that revision stands in `running` as the desired content. */
	const struct ecsctl_model *m;
	/* revisions read before, consulted and filled (watch); NULL = none */
	struct ecsctl_td_cache *cache;
	/* also ecsctl_reconcile_gather_unmanaged (drift); with prune, the
	 * orphans come from the same listing */
	bool unmanaged;
};
#define ECSCTL_GATHER_OPTIONS_INIT                                                                 \
	{                                                                                          \
		NULL, NULL, false                                                                  \
	}

/*
 * ecsctl_reconcile_gather with options `o` (NULL = none: every family and
 * running revision is described). With o->m, DescribeClusters and
 * DescribeServices go first, then DescribeTaskDefinition only of the
 * families no tag vouches for, then of the revisions services run that are
 * still unknown (o->cache answers those it holds). Errors: the ECS client's.
 */
int ecsctl_reconcile_gather_with(struct ecsctl_live *out, struct ecsctl_ecs *ecs,
                                 const json_t *scope, const struct ecsctl_gather_options *o,
                                 struct ecsctl_error *err);

/*
 * What drift reports as unmanaged: for each ACTIVE cluster of `l->clusters`
 * (read by ecsctl_reconcile_gather) whose activeServicesCount is more than
 * the desired services found ACTIVE in it, ListServices and
 * DescribeServices of the services `scope` does not name, keeping the
 * ACTIVE ones whoever owns them into `l->unmanaged`. Errors: those of the
 * ECS client.
 */
int ecsctl_reconcile_gather_unmanaged(struct ecsctl_live *l, struct ecsctl_ecs *ecs,
                                      const json_t *scope, struct ecsctl_error *err);

/* (Re)computes `l->fingerprint` from the values in `l`: clusters without
 * task/service counters, services normalized (no counts, deployments or
 * events) with their task definition, tags and status, each family's latest
 * ARN, and what prune would delete. ECSCTL_ENOMEM. */
int ecsctl_live_fingerprint(struct ecsctl_live *l, struct ecsctl_error *err);

/*
 * Before registering, look further back: lists the ACTIVE revisions of each
 * family (newest first, into `l->revisions`) and describes up to `depth` of
 * them not known yet (one DescribeTaskDefinition each, all at once, with
 * tags) into `l->history`, so that a revert to a revision that still exists
 * reuses it instead of registering a duplicate, and keepRevisions can tell
 * which old revisions are ours. Costs nothing when no register is planned
 * (the common case).
 */
int ecsctl_reconcile_gather_history(struct ecsctl_live *l, struct ecsctl_ecs *ecs,
                                    const char *const *families, size_t n, size_t depth,
                                    struct ecsctl_error *err);

/*
 * For keepRevisions without a register: lists the ACTIVE revisions of each
 * family into `l->revisions` and describes (with tags, into `l->history`)
 * only those past the newest `keep`, the deregistration candidates whose
 * owner tag decides. One ListTaskDefinitions per family, plus one
 * DescribeTaskDefinition per candidate not known yet.
 */
int ecsctl_reconcile_gather_revisions(struct ecsctl_live *l, struct ecsctl_ecs *ecs,
                                      const char *const *families, size_t n, size_t keep,
                                      struct ecsctl_error *err);

/* ---- plans ------------------------------------------------------------ */

enum ecsctl_phase {
	ECSCTL_PHASE_CLUSTERS,
	ECSCTL_PHASE_TASKDEFS,
	ECSCTL_PHASE_SERVICES,
	ECSCTL_PHASE_SERVICE_DELETES,
	ECSCTL_PHASE_DEREGISTER,
	ECSCTL_PHASE_CLUSTER_DELETES,
	ECSCTL_PHASE_COUNT
};

struct ecsctl_plan_op {
	enum ecsctl_diff_action action;
	enum ecsctl_kind kind;
	char *name;
	enum ecsctl_phase phase;
	struct ecsctl_diff_changes changes; /* for display (before = live) */
	json_t *forces;                     /* immutable members changed (replace), or NULL */
	/* [{"operation": "UpdateService", "request": {...}}], sent in order. A
	 * string "(new revision of F)" anywhere in a request is the ARN the
	 * register operation of family F got, substituted at apply time. */
	json_t *calls;
	/* services: {"cluster", "service", "previousTaskDefinition",
	 * "taskDefinition"} = what to wait on and roll back to; else NULL */
	json_t *wait;
	/* What the diff is against (docs/plan.md, "What a diff compares").
	 * register: {"taskDefinition": ARN, "runBy": ["cluster/service"]}, the
	 * revision `changes` compares with: the one the family's services all
	 * run, else the latest ACTIVE; runBy = the services running it; NULL
	 * for a new family. */
	json_t *compared_with;
	/* register: {"cluster/service": ARN} when the family's services run
	 * different revisions; else NULL */
	json_t *running_revisions;
	/* service whose task definition changes: the content diff from the
	 * revision it runs (td_from) to the one it will (td_to, an ARN or the
	 * register placeholder), when no register op already shows exactly
	 * that; td_from NULL otherwise */
	char *td_from, *td_to;
	struct ecsctl_diff_changes td_changes;
	/* service create or update: what its rollout will do (docs/rollouts.md),
	 * {"strategy", "description": "canary 10% for 5m, then 100%, bake 15m",
	 * "startsDeployment": bool, "previousStrategy" (when it changes)};
	 * NULL when the op neither deploys nor changes the strategy */
	json_t *rollout;
};

struct ecsctl_plan {
	struct ecsctl_plan_op *ops; /* ordered by phase, then kind and name */
	size_t count, alloc;
	char *commit; /* git sha or NULL */
	char *ref;    /* what was planned: HEAD's branch ("main"), a ref or sha as given;
	                 NULL for the work tree */
	char *source; /* "REPO:PATH" for people (ecsctl_plan_set_source), or NULL */
	/* what the plan was made from besides live ECS: {"model":
	 * ecsctl_model_to_json(), "targets": ["Kind/name"]}; a saved plan is
	 * planned again from it (ecsctl_plan_rederive) */
	json_t *desired;
	char *digest;      /* sha256 of `desired`'s canonical text */
	char *fingerprint; /* of the live state read */
	json_t *scope;     /* ecsctl_reconcile_scope() */
	json_t *api_calls; /* {"Operation": N} used to make the plan, or NULL */
	int64_t wall_ms;
	/* managed services not stable when the plan was made (docs/plan.md,
	 * "Unstable services"): [{"name", "reason", "rolloutState", "running",
	 * "desired", "failedTasks", "taskDefinition"}]; NULL = not checked */
	json_t *unstable;
	/* pre-deploy hooks to run between the registers and the services, when
	 * the plan deploys (docs/operations.md): [{"name", "taskDefinition" (an
	 * ARN or the register placeholder), "cluster", "command", "environment",
	 * "timeoutMs", "essential": [container names], "request": RunTask}], or
	 * NULL */
	json_t *hooks;
};

void ecsctl_plan_init(struct ecsctl_plan *p);
void ecsctl_plan_release(struct ecsctl_plan *p);

struct ecsctl_plan_options {
	const char *const *targets; /* "Kind/name" (Service/shop/web, TaskDefinition/web, ...) */
	size_t ntargets;            /* 0 = everything */
	/* ecsctl_reconcile_plan: describe every task definition, whatever the
	 * ecsctl:taskdef tags say (the scope gets "refresh": true) */
	bool refresh;
	struct ecsctl_td_cache *cache; /* ecsctl_gather_options.cache */
};
#define ECSCTL_PLAN_OPTIONS_INIT                                                                   \
	{                                                                                          \
		NULL, 0, false, NULL                                                               \
	}
/* keepRevisions: for each family whose ACTIVE revisions are known
 * (live->revisions), the owned ones beyond the newest settings.keep_revisions
 * (a revision registered by this plan included) are deregistered, except any
 * a service the plan read runs and the one the desired state uses. */

/* "(new revision of F)": the placeholder for the ARN a register produces. */
char *ecsctl_plan_placeholder(const char *family);

/*
 * Diffs `m` against `live` into `out` (initialized by the caller, released
 * by the caller even on error). Task definitions equal (normalized) to the
 * revision a service runs or to the family's latest ACTIVE one are reused;
 * services get ownership tags; `scope` is copied into the plan. A target
 * that names nothing in the desired state is ECSCTL_EINVAL.
 */
int ecsctl_plan_make(struct ecsctl_plan *out, const struct ecsctl_model *m,
                     const struct ecsctl_live *live, const json_t *scope,
                     const struct ecsctl_plan_options *opts, struct ecsctl_error *err);

/*
 * The planning sequence plan, apply and watch share: the scope of `m`
 * (ecsctl_reconcile_plan_scope), gather (ecsctl_reconcile_gather_with, the
 * model's tags sparing reads unless po->refresh; po->cache), plan
 * (ecsctl_plan_make), then, only when
 * it can change the plan, the revision history (a register planned for a
 * family that has revisions: a revert reuses an existing one; a family past
 * keepRevisions: the deregistration candidates) and plan again. Sets
 * out->unstable (the managed services, targeted ones only, that are not
 * stable), out->api_calls (the requests made for this plan) and
 * out->wall_ms.
 * `live` (initialized by the caller, may be NULL) receives what was read,
 * for callers that report on it. Errors: ecsctl_plan_make()'s and the ECS
 * client's, wrapped with the stage ("reading live ECS state: ...").
 */
int ecsctl_reconcile_plan(struct ecsctl_plan *out, struct ecsctl_live *live,
                          const struct ecsctl_model *m, struct ecsctl_ecs *ecs,
                          const struct ecsctl_plan_options *po, struct ecsctl_error *err);

/* The scope ecsctl_reconcile_plan reads: ecsctl_reconcile_scope() of `m`,
 * with "refresh": true when po->refresh (po may be NULL). */
int ecsctl_reconcile_plan_scope(json_t **out, const struct ecsctl_model *m,
                                const struct ecsctl_plan_options *po, struct ecsctl_error *err);

/*
 * ecsctl_reconcile_plan from `live` already gathered (initialized, filled
 * by ecsctl_reconcile_gather_with with ecsctl_reconcile_plan_scope(m, po)
 * and o->m = m): a watch tick reads live once for its drift report and its
 * plan. History may be added to `live`. out->api_calls counts only the
 * calls made here. Errors as ecsctl_reconcile_plan's.
 */
int ecsctl_reconcile_plan_live(struct ecsctl_plan *out, struct ecsctl_live *live,
                               const struct ecsctl_model *m, struct ecsctl_ecs *ecs,
                               const struct ecsctl_plan_options *po, struct ecsctl_error *err);

/*
 * Appends to `out` (initialized by the caller) a wait-only service op (no
 * calls, no previous task definition: nothing rolls back) for each of
 * p->unstable that p does not already wait on, so that apply can wait for
 * them with ecsctl_plan_wait(). ECSCTL_ENOMEM.
 */
int ecsctl_plan_unstable_waits(struct ecsctl_plan *out, const struct ecsctl_plan *p,
                               struct ecsctl_error *err);

/* Sets p->source to "REPO:PATH" (just REPO when `path` is NULL or empty),
 * REPO without the user:password of a URL (a remote given with a token
 * must not end up in a PR comment). 0, or ECSCTL_ENOMEM. */
int ecsctl_plan_set_source(struct ecsctl_plan *p, const char *repo, const char *path,
                           struct ecsctl_error *err);

/* Counts per action (index = enum ecsctl_diff_action). */
void ecsctl_plan_summary(const struct ecsctl_plan *p, size_t counts[6]);

/*
 * The plan as docs/plan.md's JSON (formatVersion 1). With `saved`, the
 * members apply needs are added (digest, fingerprint, scope, each change's
 * calls and wait); values are masked only without `saved` (a saved plan
 * must carry the exact requests, like a Terraform plan file). NULL on OOM.
 */
json_t *ecsctl_plan_to_json(const struct ecsctl_plan *p, bool saved);

/* Writes ecsctl_plan_to_json(p, true) to `path` atomically with mode 0600
 * (it holds unmasked values), also over an existing file, sealed with
 * ecsctl_plan_seal() when `key` is not NULL. Errors of
 * ecsctl_file_write_atomic(). */
int ecsctl_plan_save(const struct ecsctl_plan *p, const char *path, const void *key, size_t keylen,
                     struct ecsctl_error *err);

/* Reads a saved plan back. ECSCTL_EINVAL (with a reason) when it is not one. */
int ecsctl_plan_from_json(struct ecsctl_plan *out, const json_t *doc, struct ecsctl_error *err);

/*
 * Seals a saved plan document for storage the pipeline does not control (CI
 * artifacts): sets "seal": {"alg": "HMAC-SHA256", "mac": hex} over the
 * canonical text (sorted keys, compact) of the document without "seal".
 * 0 or ECSCTL_ENOMEM.
 */
int ecsctl_plan_seal(json_t *doc, const void *key, size_t keylen, struct ecsctl_error *err);

/*
 * Checks the seal of `doc` with `key` (compared in constant time).
 * ECSCTL_EINVAL "the saved plan is not sealed" / "... seal does not match
 * ..."; the key appears in no message.
 */
int ecsctl_plan_check_seal(const json_t *doc, const void *key, size_t keylen,
                           struct ecsctl_error *err);

/*
 * What `apply FILE` executes: never the file's calls, but the plan of the
 * reviewed desired state, made again now. `saved` is `doc` read with
 * ecsctl_plan_from_json(). Checks that saved.desiredDigest is the sha256 of
 * saved.desired, rebuilds the model from it (ecsctl_model_from_json, its
 * commit the plan's), plans it (ecsctl_reconcile_plan, the saved targets)
 * into `out`, then: a live fingerprint other than the saved one is
 * ECSCTL_ESTALE; any difference between the file's changes (action, kind,
 * name, diff, calls, wait, phase, ...) or scope and the plan's is
 * ECSCTL_EINVAL naming the first change and member that differ: a call,
 * delete or force added to the file, an image swapped only in a call, are
 * all refused before the first write. `out` (initialized, released by the
 * caller either way) then holds what to execute, with `saved`'s source.
 */
int ecsctl_plan_rederive(struct ecsctl_plan *out, const struct ecsctl_plan *saved,
                         const json_t *doc, struct ecsctl_ecs *ecs, struct ecsctl_error *err);

struct ecsctl_plan_render_options {
	bool color;   /* ANSI colours (text only) */
	bool compact; /* one line per change, as diff's compact renderer */
	/* markdown: the most bytes written, resources past it summarised in a
	 * "N more resources" tail; 0 = 65,000 (GitHub comments take 65,536
	 * characters) */
	size_t max_bytes;
};
#define ECSCTL_PLAN_RENDER_OPTIONS_INIT                                                            \
	{                                                                                          \
		false, false, 0                                                                    \
	}

/*
 * Appends the terraform-style text of the plan: the first line names what
 * was planned ("Plan for commit abc1234 (main) of REPO:PATH", "Plan for the
 * work tree of REPO:PATH"), then diff's renderer per op (nested, or compact),
 * then the summary line, or "No changes. Live ECS matches git.". `o` may be
 * NULL. Values masked (built-in rules and the scope's `sensitive` globs).
 */
void ecsctl_plan_render(struct ecsctl_buf *out, const struct ecsctl_plan *p,
                        const struct ecsctl_plan_render_options *o);

/*
 * Appends the plan as GitHub-flavoured Markdown (a PR comment, a CI job
 * summary): "### ecsctl plan for commit `abc1234` (`main`) of `REPO:PATH`",
 * the summary line, a table (resource, action, changed members), then per
 * resource a collapsed <details> section holding its text diff (nested, or
 * compact) in a ```diff block, the symbol of each changed line repeated in
 * the first column for GitHub's highlighting. Values masked as in the text.
 * At most o->max_bytes (default 65,000) bytes: the resources whose section
 * does not fit are named in a closing "**N more resources not shown in
 * full**" line. Unstable services follow the table.
 */
void ecsctl_plan_render_markdown(struct ecsctl_buf *out, const struct ecsctl_plan *p,
                                 const struct ecsctl_plan_render_options *o);

/*
 * Preflight (docs/preflight.md) on the requests the plan will send: each
 * RegisterTaskDefinition, CreateService and UpdateService request is checked
 * with the model's rules, a service's against the task definition it will run
 * (a register of this plan, else the revision `live` read; an update as the
 * service will be, `live`'s service with the request laid over it). Problems
 * go to `diags` ("<Operation> request of Service 'shop/web': ... (rule:
 * NAME)"); returns how many. Run by plan, and by apply before its first
 * write, saved plans included. `live` may be NULL (fewer rules can run).
 */
size_t ecsctl_plan_check(const struct ecsctl_plan *p, const struct ecsctl_live *live,
                         struct ecsctl_diags *diags);

/* ecsctl_plan_check() as an error: ECSCTL_EINVAL "N requests of the plan
 * would be refused by ECS:" with one indented line per problem; 0 when
 * none (ECSCTL_ENOMEM). The orchestration runs it after planning; apply runs
 * it on a saved plan before its first write. */
int ecsctl_plan_preflight(const struct ecsctl_plan *p, const struct ecsctl_live *live,
                          struct ecsctl_error *err);

/* The strategy a deploymentConfiguration names ("ROLLING" when none). */
const char *ecsctl_reconcile_rollout_strategy(const json_t *dc);

/* Appends what a rollout under deploymentConfiguration `dc` does, in one
 * line: "canary 10% for 5m, then 100%, bake 15m; alarms: api-5xx
 * (rollback)", "linear 25% every 2m, bake 10m", "blue/green, bake 15m,
 * hooks: PAUSE at POST_TEST_TRAFFIC_SHIFT", "rolling 100%/200%, circuit
 * breaker (rollback)". `dc` may be NULL (ECS's defaults). */
void ecsctl_reconcile_rollout_text(struct ecsctl_buf *out, const json_t *dc);

/* Appends where a service deployment (DescribeServiceDeployments' entry)
 * is: "CANARY IN_PROGRESS at PRODUCTION_TRAFFIC_SHIFT, traffic 10% new /
 * 90% old, hook PAUSE AWAITING_ACTION, alarms MONITORING". True when a
 * PAUSE hook awaits ContinueServiceDeployment. */
bool ecsctl_reconcile_sd_text(struct ecsctl_buf *out, const json_t *sd);

/* The id a service deployment goes by: the last part of its ARN ("?"
 * without one). Borrowed from `sd`. */
const char *ecsctl_reconcile_sd_id(const json_t *sd);

/* ---- apply and wait --------------------------------------------------- */

enum ecsctl_progress_kind {
	ECSCTL_PROGRESS_OP_START, /* op set */
	ECSCTL_PROGRESS_OP_DONE,  /* op set; error set on failure */
	ECSCTL_PROGRESS_SERVICE,  /* service state: name, counts, deployments */
	ECSCTL_PROGRESS_EVENT,    /* a new service event: name, message */
	ECSCTL_PROGRESS_ROLLBACK, /* rolling name back to message (the task definition) */
	ECSCTL_PROGRESS_QUIET,    /* no news on name for a while: counts as SERVICE's */
	ECSCTL_PROGRESS_HOOK,     /* a pre-deploy hook (name) moved on: message */
	/* the service deployment of name moved on (stage, traffic, hooks,
	 * alarms): message, ecsctl_reconcile_sd_text()'s */
	ECSCTL_PROGRESS_STAGE
};

/* One deployment of a service as the wait last saw it. */
struct ecsctl_progress_deployment {
	const char *id, *status;     /* "ecs-svc/...", "PRIMARY" | "ACTIVE" */
	const char *task_definition; /* "family:revision" */
	const char *rollout;         /* rolloutState or "" */
	long running, desired, pending, failed;
};

struct ecsctl_progress {
	enum ecsctl_progress_kind kind;
	const struct ecsctl_plan_op *op;
	const struct ecsctl_error *error;
	const char *name; /* "cluster/service" */
	/* the PRIMARY deployment's counts, never summed over deployments */
	long running, desired, pending;
	const char *rollout;                                  /* the PRIMARY's rolloutState or "" */
	const struct ecsctl_progress_deployment *deployments; /* PRIMARY first */
	size_t ndeployments;
	const char *message;
	bool done, failed; /* service (or hook) finished / failed */
	int exit_code;     /* a hook's last event (done): its essential container's exit
	                      code, ECSCTL_OPS_EXIT_NOT_STARTED when it never started */
	/* another writer's deployment replaced ours; `message` names it */
	bool superseded;
	int64_t elapsed_ms; /* wait events: since the wait started */
};

/*
 * Why services did not become stable, collected by ecsctl_plan_wait when
 * asked (ecsctl_apply_options.report). `services` is an array, one object
 * per service that failed, rolled back or ran out of time:
 *   {"name": "cluster/service", "outcome": "failed|rolledBack|timedOut|superseded",
 *    "reason": "one line",
 *    "deployment": {"id", "taskDefinition", "rolloutState", "rolloutStateReason",
 *                   "failedTasks"} (absent when never seen),
 *    "stoppedTasks": [{"count": 3, "stopCode", "stoppedReason",
 *                      "containers": [{"name", "exitCode", "reason"}],
 *                      "summary": "3 tasks: Essential container in task exited
 *                                  (EssentialContainerExited), web exit 1"}],
 *    "events": ["service event messages that explain it, oldest first"]}
 * stoppedTasks are those of the deployment the wait watched (startedBy),
 * stopped since it began, without the scheduler's own scale-ins, grouped
 * by identical cause, the largest group first.
 */
struct ecsctl_wait_report {
	json_t *services; /* NULL until a wait fills it */
};

void ecsctl_wait_report_release(struct ecsctl_wait_report *r);

/* Appends the report as text: per service "NAME: REASON", then indented
 * "stopped tasks:" and "events:" blocks. Nothing for an empty report. */
void ecsctl_wait_report_render(struct ecsctl_buf *out, const struct ecsctl_wait_report *r);

struct ecsctl_apply_options {
	int parallelism; /* 0 = 8 */
	const char *commit;
	volatile sig_atomic_t *cancel; /* set by a signal handler: stop starting operations */
	void (*progress)(void *ud, const struct ecsctl_progress *ev);
	void *progress_ud;
	/* wait */
	int64_t timeout_ms;  /* 0 = 10 minutes */
	int64_t interval_ms; /* 0 = 2000 */
	bool rollback_on_failure;
	/* The clock waits read and sleep on, in the shape of the HTTP transport's
	 * (ecsctl/http.h); NULL = ecsctl_clock_now_ms / ecsctl_clock_sleep_ms.
	 * Tests drive timeouts on a virtual clock with it. */
	int64_t (*now_ms)(void *ud);
	void (*sleep_ms)(void *ud, int64_t ms);
	void *clock_ud;
	/* filled with why services did not become stable; NULL = not collected */
	struct ecsctl_wait_report *report;
	int64_t quiet_ms; /* no news this long: ECSCTL_PROGRESS_QUIET; 0 = 30 s */
	/* The lease's heartbeat (ecsctl/lock.h), called before each phase and each
	 * wait round; non-zero (the lease was lost) stops apply and wait with
	 * that error. NULL = none. */
	int (*heartbeat)(void *ud, struct ecsctl_error *err);
	void *heartbeat_ud;
	/* with service deployments: until SUCCESSFUL, bake included (the
	 * default), or until production traffic is all on the new revision */
	enum ecsctl_wait_for { ECSCTL_WAIT_BAKE, ECSCTL_WAIT_TRAFFIC } wait_for;
	/* a rollout waiting at a PAUSE hook ends the wait as done (watch: a
	 * person promotes it; the loop goes on meanwhile) */
	bool until_paused;
};
#define ECSCTL_APPLY_OPTIONS_INIT                                                                  \
	{                                                                                          \
		0, NULL, NULL, NULL, NULL, 0, 0, false, NULL, NULL, NULL, NULL, 0, NULL, NULL,     \
		    ECSCTL_WAIT_BAKE, false                                                        \
	}

/* ECSCTL_EINVAL naming the first service to replace and its immutable
 * members when the plan has a replace and `allow_replace` is false; else 0.
 * ecsctl_plan_apply() checks it first; front ends may before asking. */
int ecsctl_plan_check_replace(const struct ecsctl_plan *p, bool allow_replace,
                              struct ecsctl_error *err);

/*
 * Executes the plan's operations phase by phase, independent operations of
 * a phase at once (at most `parallelism` calls in flight). The first failure
 * stops new operations; calls in flight finish. Fills each service op's
 * wait.taskDefinition with the ARN actually set. ECSCTL_ECANCELED when
 * `cancel` was raised. A replace needs `allow_replace` (checked before
 * anything is sent: ECSCTL_EINVAL).
 */
int ecsctl_plan_apply(struct ecsctl_plan *p, struct ecsctl_ecs *ecs, bool allow_replace,
                      const struct ecsctl_apply_options *opts, struct ecsctl_error *err);

/*
 * Waits on every service the plan created or updated, all at once (one
 * DescribeServices round per interval). Success per service: the PRIMARY
 * deployment runs the task definition apply set, its rollout COMPLETED
 * (without rolloutState: it is the only deployment), and it runs as many
 * tasks as the service wants (a desiredCount change leaves the rollout
 * COMPLETED while tasks cannot be placed). A FAILED rollout or a PRIMARY
 * on another task definition fails the service at once; with
 * rollback_on_failure it is updated back to its previous task definition
 * and waited on again. ECSCTL_EUNSTABLE when any service failed,
 * ECSCTL_ETIMEOUT when time ran out, ECSCTL_ECANCELED on cancel. On
 * EUNSTABLE and ETIMEOUT, opts->report (when set) says why per service.
 */
int ecsctl_plan_wait(const struct ecsctl_plan *p, struct ecsctl_ecs *ecs,
                     const struct ecsctl_apply_options *opts, struct ecsctl_error *err);

#endif
