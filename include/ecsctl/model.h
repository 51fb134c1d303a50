/*
 * The desired state: resources loaded from a config root (git objects at a
 * ref, or files on disk), variables substituted, validated against the ECS
 * model, and resolved into exact API request payloads.
 */
#ifndef ECSCTL_MODEL_H
#define ECSCTL_MODEL_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "ecsctl/diag.h"
#include "ecsctl/error.h"

enum ecsctl_kind { ECSCTL_KIND_CLUSTER, ECSCTL_KIND_TASKDEF, ECSCTL_KIND_SERVICE };

/* "Cluster", "TaskDefinition", "Service" */
const char *ecsctl_kind_name(enum ecsctl_kind kind);

struct ecsctl_resource {
	enum ecsctl_kind kind;
	char *name;    /* clusterName | family | "cluster/serviceName" */
	char *cluster; /* services only: the cluster name ("default" when omitted) */
	json_t *body;  /* the API request payload: CreateCluster / RegisterTaskDefinition /
	                  CreateService members, typed as the model says */
	char *file;    /* where the document starts, as messages name it */
	unsigned line, column;
	json_t *explain; /* with `explain`: [{"path", "value", "from": "file:line:col"}]
	                    for each value, where its final value was written; else NULL */
};

struct ecsctl_ignore_rule {
	char *kind;    /* "Service", "TaskDefinition", "Cluster" or "*" */
	char *name;    /* glob, "*" matches all */
	char **fields; /* member paths */
	size_t nfields;
};

struct ecsctl_settings {
	char *name;       /* owner id; default: the config root's folder name */
	char *region;     /* NULL when not set */
	char *account_id; /* `accountId`: the only account plan, apply and watch may
	                     act in (12 digits), or NULL */
	bool prune;
	long keep_revisions;     /* default 5 */
	int64_t wait_timeout_ms; /* default 10 minutes */
	bool rollback_on_failure;
	bool suspend;
	struct ecsctl_ignore_rule *ignore;
	size_t nignore;
	char **sensitive; /* `sensitive:` globs: more names whose values plans mask */
	size_t nsensitive;
	json_t *notifications; /* `notifications:` as validated (watch reads it), or NULL */
	/* `hooks: {beforeServices: [...]}`, in order, or NULL: [{"run": family,
	 * "command": [..] (optional), "environment": [{"name", "value"}],
	 * "container", "service", "cluster" (optional), "timeoutMs" (default
	 * 10 minutes), "at": {"file", "line", "column"} of the hook (and
	 * "runAt", "serviceAt", "containerAt" of those members)}] */
	json_t *hooks;
	json_t *lock; /* `lock:` as checked against its shape (docs/locking.md), or NULL */
};

/*
 * Lookups: `${ssm:/path}`, `${cfn:STACK/OutputKey}`, `${tfstate:FILE#ADDRESS}`
 * in a value. The model finds every one of a load, the caller's resolver
 * answers them all at once (ecsctl/lookup.h talks to AWS), and the model
 * substitutes the answers; a failed one is an error at each use.
 */
struct ecsctl_lookup {
	const char *scheme; /* "ssm", "cfn", "tfstate" */
	const char *ref;    /* what follows "scheme:" */
	const char *where;  /* its first use, "file:line:col" */
	/* the resolver's answer: */
	json_t *value; /* a string, number, boolean, list or object; owned */
	bool secret;   /* masked wherever it shows (a SecureString, a sensitive output) */
	char *error;   /* owned; why it failed, naming no secret, without position */
};

/* What a resolver may use besides AWS: the config root's files, read from the
 * same commit as the desired state (a Terraform state kept in the repo). */
struct ecsctl_lookup_env {
	const char *region; /* ecsctl.yaml's (or the environment's) region, or NULL */
	int (*read)(void *arg, const char *rel, size_t max, char **data, size_t *len,
	            struct ecsctl_error *err);
	void *read_arg;
};

struct ecsctl_lookup_resolver {
	/* Answers refs[0..n) (each distinct scheme:ref once). Returns 0 with
	 * value or error set on each, or a negative code with `err` when none
	 * could be answered (each use then reports `err`). */
	int (*resolve)(void *arg, struct ecsctl_lookup *refs, size_t n,
	               const struct ecsctl_lookup_env *env, struct ecsctl_error *err);
	void *arg;
};

struct ecsctl_model {
	struct ecsctl_settings settings;
	char **secrets; /* values of secret lookups: plans and render mask them */
	size_t nsecrets;
	json_t *lookups;                   /* the load's distinct lookups, first use first:
	                                      [{"scheme", "ref"}] (ecsctl policy grants what they read) */
	struct ecsctl_resource *resources; /* sorted: kind, then name */
	size_t count;
	char *commit;          /* full sha of the commit read, or NULL for --worktree */
	char *ref;             /* the ref read: HEAD's branch ("main"), or a ref or sha as given;
	                          NULL for --worktree */
	char *subject;         /* the commit message's first line, or NULL */
	long long commit_time; /* the commit's Unix time, or 0 */
};

struct ecsctl_model_options {
	const char *repo;             /* local path (remote URLs: see source.h); default "." */
	const char *ref;              /* default "HEAD" */
	const char *path;             /* config root inside the repo; default the root */
	bool worktree;                /* read the files on disk, not git objects */
	const char *const *env;       /* NULL-terminated "NAME=value" list; NULL = environ */
	const char *environment;      /* an entry of `environments:` (--env), or NULL */
	const char *const *var_files; /* --var-file: files on disk, later ones win */
	size_t nvar_files;
	const char *const *vars; /* --var: "NAME=VALUE", later ones win, above the files */
	size_t nvars;
	bool explain; /* fill each resource's `explain` */
	/* answers lookups; NULL: each lookup is an error, unless `offline` */
	const struct ecsctl_lookup_resolver *lookups;
	/* validate: lookups are left unresolved, and what follows from their
	 * missing values is not reported */
	bool offline;
};
#define ECSCTL_MODEL_OPTIONS_INIT                                                                  \
	{                                                                                          \
		NULL, NULL, NULL, false, NULL, NULL, NULL, 0, NULL, 0, false, NULL, false          \
	}

/*
 * Loads, substitutes, validates and resolves the desired state into `*out`.
 * Every problem found is added to `diags` (errors, warnings, and notices such as
 * dropped read-only members; at most 1,000 errors); returns 0 when `diags`
 * holds no error. Returns a negative code with `err` set when loading could
 * not proceed at all (a missing repository or ref) or when `diags` holds
 * errors (ECSCTL_EINVAL).
 * `*out` is valid (possibly partial) either way and must be released.
 */
int ecsctl_model_load(struct ecsctl_model *out, const struct ecsctl_model_options *opts,
                      struct ecsctl_diags *diags, struct ecsctl_error *err);

/*
 * The names of the environments ecsctl.yaml declares at the ref `opts`
 * names (`environments:` keys, in file order; none without the file or
 * the key). `*names` is a new array of new strings (caller frees each and
 * it). ECSCTL_EINVAL when ecsctl.yaml does not parse.
 */
int ecsctl_model_environments(char ***names, size_t *n, const struct ecsctl_model_options *opts,
                              struct ecsctl_error *err);

/*
 * Loads one file's contents as if it were a whole config root: `name` (a
 * relative path) says YAML or JSON, and "ecsctl.yaml" means settings. For
 * tests and fuzzing; same checks, same results as ecsctl_model_load().
 * `env` as in the options (NULL = environ).
 */
int ecsctl_model_load_buffer(struct ecsctl_model *out, const char *name, const char *data,
                             size_t len, const char *const *env, struct ecsctl_diags *diags,
                             struct ecsctl_error *err);

/*
 * Checks an API request body (as a client sent it) against `operation`'s
 * input shape with the same checks as the desired state: unknown members
 * (with "did you mean"), types, enums, required members, limits, documented
 * rules. JSON strings never pass for numbers or booleans; a JSON number or
 * boolean passes for a string member, as YAML users write them. Each problem
 * goes to `diags` with its member path and no position (resource "<Op>
 * request"); returns how many errors were added. For ecs-local.
 */
size_t ecsctl_model_check_payload(const char *operation, const json_t *payload,
                                  struct ecsctl_diags *diags);

/* A task size Fargate offers: `cpu` units with `memory` MiB (the table in
 * docs/preflight.md, rule fargate-cpu-memory). */
bool ecsctl_model_fargate_size_ok(long long cpu, long long memory);

/*
 * The preflight rules alone (docs/preflight.md; no shape checks) on API
 * payloads: `kind` ECSCTL_KIND_TASKDEF with `body` a RegisterTaskDefinition
 * request, or ECSCTL_KIND_SERVICE with `body` the service's CreateService
 * members and `taskdef` the task definition it runs (a RegisterTaskDefinition
 * request or a described TaskDefinition; NULL: the rules that need it are
 * skipped). Each problem goes to `diags` as "LABEL: message (rule: NAME)"
 * (`label` names the request, there being no position). Returns the errors
 * added. For plans, whose requests were made or edited outside the model.
 */
size_t ecsctl_model_check_rules(enum ecsctl_kind kind, const json_t *body, const json_t *taskdef,
                                const char *label, struct ecsctl_diags *diags);

/* Looks a resource up by kind and name; NULL if absent. */
const struct ecsctl_resource *ecsctl_model_find(const struct ecsctl_model *m, enum ecsctl_kind kind,
                                                const char *name);

/*
 * The `render` document: {"formatVersion": 1, "commit": sha|null,
 * "clusters": [...], "taskDefinitions": [...], "services": [...]}, each list
 * of API payloads in name order. New reference; NULL when out of memory.
 */
json_t *ecsctl_model_render(const struct ecsctl_model *m);

/*
 * The model as one document: the `render` lists without "commit", plus
 * "settings" (ecsctl.yaml's members as resolved, wait.timeout as
 * "waitTimeoutMs") and, when lookups gave secrets, "sensitiveValues" (their
 * values, which the payloads hold anyway). What a saved plan carries to be
 * planned again. New
 * reference; NULL when out of memory.
 */
json_t *ecsctl_model_to_json(const struct ecsctl_model *m);

/*
 * Reads ecsctl_model_to_json()'s document back into `out` (commit and ref
 * left NULL). The document may have been edited, so each payload gets the
 * shape checks of a document from git (problems into `diags`, without
 * positions) and names are derived as the loader derives them. ECSCTL_EINVAL
 * for a malformed document, a duplicate resource or an invalid payload.
 * `out` is released by the caller either way.
 */
int ecsctl_model_from_json(struct ecsctl_model *out, const json_t *doc, struct ecsctl_diags *diags,
                           struct ecsctl_error *err);

void ecsctl_model_release(struct ecsctl_model *m);

#endif
