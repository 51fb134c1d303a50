/* Inside the model module: the node tree, the stages that work on it. */
#ifndef ECSCTL_MODEL_INT_H
#define ECSCTL_MODEL_INT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "ecsctl/diag.h"
#include "ecsctl/model.h"
#include "ecsctl/schema.h"

/* Guard rails for untrusted input. */
#define MODEL_MAX_FILE_SIZE (4u << 20)
#define MODEL_MAX_DEPTH 64
/* every node of a file, alias copies included: an alias bomb stops here,
 * and memory stays near 200 MB at worst (5,000 services fit in one file) */
#define MODEL_MAX_NODES 1000000u
#define MODEL_MAX_BYTES (32u << 20) /* scalar bytes, alias copies included */
/* the bytes of all files of one load, each content counted once: parsing
 * runs at roughly 15-20 MB/s, so a commit costs seconds at most */
#define MODEL_MAX_LOAD_BYTES (32u << 20)
/* errors reported per load, as compilers stop: past it a hostile file would
 * only cost time (and no one reads the 1001st) */
#define MODEL_MAX_ERRORS 1000u

static inline bool model_diag_room(const struct ecsctl_diags *d)
{
	return d->errors < MODEL_MAX_ERRORS;
}

enum mnode_type { MNODE_SCALAR, MNODE_MAP, MNODE_SEQ };

struct mnode;

struct mnode_entry {
	char *key;
	unsigned line, column; /* of the key */
	struct mnode *value;
};

/* One YAML/JSON node, positions 1-based. */
struct mnode {
	enum mnode_type type;
	unsigned line, column;
	bool quoted;      /* quoted, block or !!str scalar: always a string, never null */
	bool substituted; /* a variable was replaced: "" stays a string, not null */
	/* the file this node came from when not its document's (a variable file,
	 * an overlay), for messages; borrowed, lives as long as the load */
	const char *file;
	/* "WEB_COUNT (vars/prod.yaml:3:1)": the variable that set the value, for
	 * render --explain; borrowed like `file` */
	const char *via;
	char *value; /* scalar, NUL-terminated (NUL bytes inside are rejected) */
	size_t len;
	struct mnode **items;        /* sequence */
	struct mnode_entry *entries; /* mapping, in document order */
	size_t count;
	size_t nodes, bytes; /* weight of this subtree, for the alias budget */
};

struct mdoc {
	struct mnode *root;
	unsigned line, column;
};

struct mfile {
	struct mdoc *docs;
	size_t ndocs;
};

/*
 * Parses YAML (several documents) or JSON into node trees. `name` is the file
 * name used in diagnostics. Empty documents are skipped. Returns 0, or -1 with
 * the problem added to `diags` (the file is then left empty).
 */
int model_parse(struct mfile *out, const char *name, const char *data, size_t len, bool json,
                struct ecsctl_diags *diags);
void mfile_release(struct mfile *f);
void mnode_free(struct mnode *n);
/* Item arrays (items, entries, docs) keep no capacity field: it is always
 * this function of the count (0, 8, 16, 32, ...), so appends double. */
size_t mnode_capacity(size_t count);
/* Appends to a mapping (takes `key` and `value`) or a sequence; -1 when out of memory. */
int mnode_put(struct mnode *map, char *key, unsigned line, unsigned col, struct mnode *value);
int mnode_append(struct mnode *seq, struct mnode *item);
/* jansson's tree as nodes (all at 1:1: jansson keeps no positions). NULL with
 * *why = ECSCTL_EINVAL past MODEL_MAX_DEPTH or for a NUL in a string, 0 when
 * out of memory. */
struct mnode *mnode_from_json(const json_t *j, int *why);
/* Gives every node of `n` the position line:col of `file` (a lookup's value
 * sits where the lookup was written). */
void mnode_place(struct mnode *n, const char *file, unsigned line, unsigned col);
/* A deep copy (for an alias; the caller checks the budget); NULL when out of memory. */
struct mnode *mnode_copy(const struct mnode *src);
/* Marks every node of `n` as coming from `file` (borrowed) where not yet marked. */
void mnode_mark_file(struct mnode *n, const char *file);

/* Strict UTF-8 (no overlongs, surrogates, or past U+10FFFF): the offset of the
 * first bad byte and its line:column, or `len` when all is well. */
size_t model_utf8_check(const unsigned char *s, size_t len, unsigned *line, unsigned *col);

/* A plain scalar that YAML reads as null: "", "~", "null". */
bool mnode_is_null(const struct mnode *n);
/* The entry `key` of a mapping, or NULL. */
struct mnode_entry *mnode_get(const struct mnode *map, const char *key);
/* Removes and frees `key` from a mapping (no-op when absent). */
void mnode_del(struct mnode *map, const char *key);

/* Variables: ${NAME}, ${NAME:-default}, $${ (a literal ${). */
struct model_var {
	char *name;
	struct mnode *value; /* a scalar, list or mapping; owned */
	char *origin;        /* where it was set ("vars/prod.yaml:3:1", "--var"), for messages */
	char *label;         /* "NAME (origin)" */
};

/* Where an unset variable is used, and the nodes left incomplete by one. */
struct model_pos {
	char *file;
	unsigned line, column;
	size_t after; /* tainted nodes: only diagnostics added after this count follow */
};

struct model_unset {
	char *name;
	bool builtin;
	struct model_pos *uses;
	size_t count;
};

/*
 * `${scheme:ref}` lookups (ssm:, cfn:, tfstate:) go through here; `where`
 * is the use ("file:line:col"). Returns 0 with a new node in *out (a
 * scalar, or a list or mapping for a value that is exactly the lookup),
 * 1 when the value is not known in this pass (nothing is inserted and what
 * the checks say of the node follows from it, as for an unset variable),
 * or -1 with a message in *why (caller frees).
 */
struct model_resolver {
	int (*resolve)(void *arg, const char *scheme, const char *ref, const char *where,
	               struct mnode **out, char **why);
	void *arg;
};

/* The lookups of a load (lookups.c): collected in a first pass, answered
 * at once by the caller's resolver, substituted in a second. */
struct model_lookups {
	const struct ecsctl_lookup_resolver *user; /* NULL: lookups are errors */
	bool offline;                              /* validate: never answered */
	bool resolved;                             /* the second pass */
	struct ecsctl_lookup *refs;                /* distinct scheme:ref, first use first */
	size_t n;
	int oom;
	struct model_resolver r; /* for model_vars.resolver */
};

void model_lookups_init(struct model_lookups *l, const struct ecsctl_lookup_resolver *user,
                        bool offline);
/* Asks the resolver for every lookup collected; -1 when out of memory. */
int model_lookups_answer(struct model_lookups *l, const struct ecsctl_lookup_env *env);
/* Adds the secret answers' strings to m->secrets; -1 when out of memory. */
int model_lookups_secrets(const struct model_lookups *l, struct ecsctl_model *m);
/* Sets m->lookups; -1 when out of memory. */
int model_lookups_list(const struct model_lookups *l, struct ecsctl_model *m);
/* `rel` is a Terraform state a lookup reads (state.json#...): not a document. */
bool model_lookups_file(const struct model_lookups *l, const char *rel);
void model_lookups_release(struct model_lookups *l);

struct model_vars {
	const char *const *env;    /* NULL-terminated NAME=value; NULL = environ */
	const char *builtin[3][2]; /* ECSCTL_GIT_* name, value (value NULL = unset) */
	struct model_var *defs;    /* set in git or by flags: above `env` */
	size_t ndefs;
	const struct model_resolver *resolver; /* NULL: lookups are refused */
	/* filled while substituting, reported by model_vars_report() */
	struct model_unset *unset;
	size_t nunset;
	struct model_pos *tainted; /* nodes a missing variable left incomplete */
	size_t ntainted;
	size_t spent_nodes, spent_bytes; /* inserted, against the alias budget */
	int oom;
};

/* Sets `name` (replacing an earlier value: later layers win); takes `value`.
 * -1 when out of memory (`value` freed). */
int model_vars_set(struct model_vars *v, const char *name, struct mnode *value, const char *origin);
/* A variable name: letters, digits, '_', not starting with a digit. */
bool model_vars_name_ok(const char *s, size_t n);
void model_vars_release(struct model_vars *v);

/* Substitutes variables in every scalar value (never keys) of `n`; each
 * problem goes to `diags`, except unset variables, which are collected for
 * model_vars_report(). A scalar that is exactly ${NAME} takes the variable's
 * node (a list or mapping too). Returns the number of errors added. */
size_t model_vars_apply(struct mnode *n, struct model_vars *vars, const char *file,
                        struct ecsctl_diags *diags);

/* One error per unset variable naming every use, after dropping the errors
 * found at the nodes they left incomplete (those only follow from them).
 * Returns the errors added. */
size_t model_vars_report(struct model_vars *v, struct ecsctl_diags *diags);

/* ---- environments (environ.c) ---- */
struct ecsctl_source;
struct model_env_input {
	const char *name;             /* --env, or NULL */
	const char *const *var_files; /* --var-file, on disk */
	size_t nvar_files;
	const char *const *vars; /* --var NAME=VALUE */
	size_t nvars;
	bool settings_broken; /* ecsctl.yaml did not parse (its error is reported) */
};

struct model_env {
	const char *name;   /* the chosen environment (borrowed), or NULL */
	bool unchosen;      /* --env missing or unknown: the documents would only
	                       add errors that follow from it */
	struct mnode *node; /* its settings, `variables` taken out; owned */
	char **skip;        /* not base documents: "vars/prod.yaml", "overlays/prod/" */
	size_t nskip;
	char **overlays; /* the chosen environment's folders, in order: "overlays/prod/" */
	size_t noverlays;
	char **pool; /* file names that nodes point to (mnode.file) */
	size_t npool;
};

/*
 * Takes `variables` and `environments` out of ecsctl.yaml's `root` (may be
 * NULL), picks the environment `in->name` and sets `vars` layer by layer
 * (environ.c says the order), reading variable files through `src`.
 * Returns the errors added.
 */
size_t model_env_setup(struct model_env *e, struct mnode *root, const char *file,
                       struct ecsctl_source *src, const struct model_env_input *in,
                       struct model_vars *vars, struct ecsctl_diags *diags);
/* A file of the config root that is an environment's, not a base document. */
bool model_env_skipped(const struct model_env *e, const char *rel);
/* A copy of `s` that lives as long as `e`; NULL when out of memory. */
const char *model_env_intern(struct model_env *e, const char *s);
void model_env_release(struct model_env *e);

/* The first character of `value` that the shape's pattern refuses, or NULL
 * (also for patterns of a form it does not understand: see pattern.c). */
const char *model_pattern_mismatch(const char *pattern, const char *value);

/* Where a conversion reports its findings. */
struct model_conv {
	const char *file;
	const char *resource; /* "Service 'prod/web'" */
	struct ecsctl_diags *diags;
	size_t errors;
};

/* Converts `n` to the JSON the API takes for shape `s`, checking members,
 * types, enums, required members and limits. `path` is the member path of `n`
 * ("" at the top). Returns a new reference, or NULL when `n` is unusable
 * (the reason is in the diagnostics) or null. */
json_t *model_convert(struct model_conv *c, const struct mnode *n,
                      const struct ecsctl_schema_shape *s, const char *path);

/* ---- preflight rules (rules.c, rules_taskdef.c, rules_service.c) ----
 * What ECS refuses on RegisterTaskDefinition / CreateService that the shapes
 * cannot say; each rule named, with its source in docs/preflight.md. */
struct model_rules {
	struct model_conv *c;
	const struct mnode *td;      /* RegisterTaskDefinition members, or NULL */
	const struct mnode *svc;     /* CreateService members, or NULL */
	const struct mnode *cluster; /* the service's CreateCluster members, or NULL */
	const char *td_where;        /* "TaskDefinition 'web' (td/web.yaml:1:1)", or NULL */
	const char *rule;            /* the rule running, for messages */
};

struct model_rule {
	const char *name;
	void (*check)(struct model_rules *x);
};

/* NULL-terminated tables: the task definition's own rules, and a service's
 * (those about its task definition or cluster skip when x->td / x->cluster
 * is NULL). */
extern const struct model_rule model_taskdef_rules[];
extern const struct model_rule model_service_rules[];

/* Index `i` over the items of `seq`: none when it is NULL or not a sequence. */
#define MNODE_EACH(i, seq) for (i = 0; (seq) && (seq)->type == MNODE_SEQ && i < (seq)->count; i++)

/* An error at `at` (NULL: no position) ending in "(rule: NAME)". */
void model_rule_error(struct model_rules *x, const struct mnode *at, const char *path,
                      const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Member `key` of a mapping unless absent or null; NULL for a non-mapping. */
const struct mnode *model_rule_get(const struct mnode *map, const char *key);
bool model_rule_is(const struct mnode *n, const char *v);
/* A scalar that is a whole decimal integer. */
bool model_rule_int(const struct mnode *n, long long *out);
/* Task-level cpu/memory: "512", or "0.5 vCPU" / "1 GB" with `unit` "vcpu" /
 * "gb" (1024 a unit), as RegisterTaskDefinition takes them. */
bool model_rule_size(const struct mnode *n, const char *unit, long long *out);
/* `compat` is in the task definition's requiresCompatibilities. */
bool model_rule_compat(const struct mnode *td, const char *compat);
/* The container definition named `name`, or NULL. */
const struct mnode *model_rule_container(const struct mnode *td, const char *name);
/* networkMode, "bridge" when not given (ECS's default). */
const char *model_rule_mode(const struct mnode *td);

/* The rules of one task definition or one service (those of a service that
 * need its task definition or cluster are skipped). */
void model_check_rules(struct model_conv *c, enum ecsctl_kind kind, const struct mnode *root);
/* A service's rules with its task definition (`td_where` names it in
 * messages) and its cluster, each NULL when not known. */
void model_check_service(struct model_conv *c, const struct mnode *svc, const struct mnode *td,
                         const char *td_where, const struct mnode *cluster);

/*
 * ecsctl.yaml (`f`, possibly with no document) into `out`, defaults filled in
 * (name = `root_name`). Problems go to `diags`; returns the errors added.
 */
size_t model_settings_load(struct ecsctl_settings *out, const struct mfile *f, const char *file,
                           const char *root_name, struct model_vars *vars,
                           struct ecsctl_diags *diags);

/*
 * Overrides `out` with what the environment `env` (an entry of
 * `environments:`, its `variables` already taken out) sets, after
 * substituting its variables. An environment that names no owner gets
 * "<name>-<env>", so two environments never prune each other's resources.
 * Returns the errors added.
 */
size_t model_settings_environment(struct ecsctl_settings *out, struct mnode *env,
                                  const char *env_name, const char *file, struct model_vars *vars,
                                  struct ecsctl_diags *diags);
void model_settings_release(struct ecsctl_settings *s);
/* Hooks (model/hooks.c): `hooks` (ecsctl.yaml's converted `hooks:`) as
 * ecsctl_settings.hooks, with the positions `node` (the settings or
 * environment mapping) gives; NULL when out of memory. The check runs once
 * the resources are loaded: what a hook names must be in the repository. */
json_t *model_hooks_fill(const json_t *hooks, const struct mnode *node, const char *file);
void model_hooks_check(const struct ecsctl_model *m, struct ecsctl_diags *diags);

/* The settings as ecsctl.yaml's members (wait.timeout as "waitTimeoutMs"),
 * every member present; NULL when out of memory. */
json_t *model_settings_to_json(const struct ecsctl_settings *s);
/* Reads model_settings_to_json()'s document into `out` (released by the
 * caller either way). 0, or -1 when out of memory. */
int model_settings_from_json(struct ecsctl_settings *out, const json_t *j);

/*
 * Merges the overlay document `patch` (kind and identity already matched,
 * `kind` removed) onto `base`: mappings merge, lists of named items merge by
 * key (containerDefinitions, environment, secrets, volumes by name;
 * portMappings by containerPort+protocol; tags by key; loadBalancers by
 * target group), other lists and scalars replace, `$patch: delete` removes a
 * member or an item. Moves nodes out of `patch` (marked as from `file`);
 * problems go to `diags`. Returns the errors added.
 */
size_t model_overlay_merge(struct mnode *base, struct mnode *patch, const char *file,
                           struct ecsctl_diags *diags);

/*
 * A document without `kind` in a .json file: when it is the output of
 * `aws ecs describe-task-definition` (or its taskDefinition object), rewrites
 * `*root` into RegisterTaskDefinition members, read-only ones dropped with a
 * notice each. Returns 0 when it was one, -1 (nothing reported) when not.
 */
int model_describe_taskdef(struct mnode **root, const char *file, struct ecsctl_diags *diags);

#endif
