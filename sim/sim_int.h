/*
 * ecs-local internals shared by the files of sim/.
 *
 * All state is jansson: resources are kept in the very shape ECS returns, so
 * answers are copies and persistence is a dump. Members whose name starts
 * with '_' are ours (tasks of a service, client tokens, tags) and never leave
 * the server: sim_public() drops them.
 *
 * Every sim_op_* runs with the store mutex held and must not block.
 */
#ifndef SIM_INT_H
#define SIM_INT_H

#include <jansson.h>
#include <pthread.h>
#include <stdint.h>

#include "ecsctl/error.h"
#include "ecsctl/rand.h"
#include "ecsctl/sim.h"

/* ---- durations of the simulated life cycle, in simulated seconds ---- */
#define SIM_PROVISIONING_S 2.0       /* PROVISIONING -> PENDING */
#define SIM_PENDING_S 5.0            /* PENDING -> RUNNING (or crash for `crashloop`) */
#define SIM_STOPPING_S 3.0           /* STOPPING -> STOPPED */
#define SIM_TASK_RETAIN_S 3600.0     /* stopped tasks stay describable */
#define SIM_INACTIVE_RETAIN_S 3600.0 /* INACTIVE services/clusters stay describable */
#define SIM_EVENTS_MAX 100

/* ---- errors ---- */

/* Sets an ECS error: `type` goes to `__type`, HTTP 400 (500 for ServerException). */
int sim_fail(struct ecsctl_error *err, const char *type, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ---- small helpers (util.c) ---- */
/* ECS names (cluster, service, family) are at most 255 characters (ecs-local
 * refuses longer ones, as ECS does); a "cluster/service[/...]" key built
 * from two of them fits SIM_KEY_MAX. */
#define SIM_NAME_MAX 255
#define SIM_KEY_MAX 600

/* The index in array `list` of the first object whose "name" is `name`
 * (attributes, container definitions); -1 when none. */
int sim_find_named(const json_t *list, const char *name);

void sim_hex_id(uint64_t *rng, char out[33]);
void sim_uuid(uint64_t *rng, char out[37]);
void sim_deployment_id(uint64_t *rng, char out[28]);
const char *sim_str(const json_t *obj, const char *key);
long long sim_int(const json_t *obj, const char *key, long long dflt);
int sim_bool(const json_t *obj, const char *key, int dflt);
/* A new shallow copy of `obj` without '_' members. */
json_t *sim_public(const json_t *obj);
/* Timestamps: epoch seconds rounded to milliseconds, as a JSON real. */
json_t *sim_time(double t);
/* Last path part of an ARN ("arn:...:cluster/a" -> "a"), or `ref` itself. */
const char *sim_arn_tail(const char *ref);
/* The image's tag is `tag` ("repo/app:crashloop", "app:crashloop@sha256:..."):
 * the tags that make simulated tasks fail, docs/ecs-local.md */
int sim_image_tag_is(const char *image, const char *tag);
/* Opaque pagination tokens: base64url of a position key. */
char *sim_token_encode(const char *key);
char *sim_token_decode(const char *token);
/* Validates maxResults (1..100) and returns it, or `dflt` when absent. */
int sim_max_results(const json_t *req, int dflt, struct ecsctl_error *err);
/* Pages through `obj` in insertion order: `item` returns 1 and sets *out
 * for each member to list. Sets resp[result_key] and resp.nextToken. */
int sim_page(json_t *resp, const char *result_key, json_t *obj, const json_t *req, int dflt,
             int (*item)(const char *key, json_t *val, void *arg, json_t **out), void *arg,
             struct ecsctl_error *err);
/* Whether the request's `include` list names `what` (TAGS, STATISTICS, ...). */
int sim_include(const json_t *req, const char *what);
/* ECS resource names: 1..255 of [A-Za-z0-9_-]. */
int sim_valid_name(const char *name);

/* ---- request validation against the model (validate.c) ---- */
/* 0 when `req` fits the input shape of `op`; else an ECS error in err.
 * Drops null members (absent, for AWS JSON); nulls elsewhere are errors. */
int sim_validate(const char *op, json_t *req, struct ecsctl_error *err);

/* ---- service quotas (quota.c): ECS's defaults, lowered by flags ---- */
#define SIM_QUOTA_TASKS_PER_SERVICE 5000LL
#define SIM_QUOTA_SERVICES_PER_CLUSTER 5000LL
#define SIM_QUOTA_CLUSTERS 10000LL
#define SIM_QUOTA_REVISIONS 1000000LL
#define SIM_RUN_TASK_MAX 10 /* "Tasks launched (count) per run-task" */

struct sim_quotas {
	long long tasks_per_service, services_per_cluster, clusters, revisions;
};

/* ---- the store (store.c) ---- */
struct sim_store {
	pthread_mutex_t mu;
	json_t *clusters; /* name -> Cluster + _services {name -> Service}, _index {taskId ->
	                     service name | ""}, _standalone {taskId -> Task} */
	json_t *families; /* family -> {"last": n, "revs": {"n": TaskDefinition + _tags}} */
	json_t *busy;     /* "cluster/service" -> Service: still has work on the clock */
	char region[32];
	char account[16];
	double sim_start;  /* simulated epoch seconds at wall_start */
	double wall_start; /* CLOCK_MONOTONIC seconds */
	double scale;
	double fixed_now; /* > 0: the clock stands still here (unit tests) */
	uint64_t rng;
	int ec2_capacity;
	struct sim_quotas quotas;
	json_t *instance_specs;       /* --instances: cluster -> {count, cpu, ...} (sim_ec2.h) */
	char endpoint[64];            /* "http://127.0.0.1:PORT/", for DiscoverPollEndpoint */
	unsigned long long version;   /* bumped on every change, for persistence */
	unsigned long long mutations; /* bumped by every mutating operation */
	/* service key -> {"t": answer text, "a": the service's `_adv`}, valid while
	 * `mutations` equals rendered_at; the clock bumps a service's `_adv` */
	json_t *rendered;
	unsigned long long rendered_at;
	/* CloudWatch alarms deployments watch: name -> {"state", "at"}: in
	 * `state` from simulated time `at` on (--alarm, POST /_alarm) */
	json_t *alarms;
	/* what Lambda lifecycle hooks answer (--hook): function name or ARN ->
	 * {"status", "seconds"}; absent: SUCCEEDED */
	json_t *hooks;
};

int sim_store_init(struct sim_store *s, const char *region, const char *account, double scale,
                   uint64_t seed, struct ecsctl_error *err);
void sim_store_release(struct sim_store *s);
double sim_store_now(const struct sim_store *s);
/* Persistence: the whole store as one JSON document, and back. */
/* `journal_seq`: the last journal record the dump holds (durable.c). */
json_t *sim_store_dump(struct sim_store *s, unsigned long long journal_seq);
/* Checks `doc` (state_check.c) and takes it; *journal_seq as dumped. */
int sim_store_load(struct sim_store *s, json_t *doc, unsigned long long *journal_seq,
                   struct ecsctl_error *err);
/* 0 when `doc` is a state file whose every resource has the members ecs-local
 * relies on; otherwise ECSCTL_EINVAL naming the first one that is wrong. */
int sim_state_check(const json_t *doc, struct ecsctl_error *err);

/* Resolves a cluster reference (NULL = "default", name or ARN) to an ACTIVE
 * cluster, else ClusterNotFoundException. */
json_t *sim_cluster_get(struct sim_store *s, const char *ref, struct ecsctl_error *err);
/* Finds a service by name or ARN in a cluster; NULL if unknown. */
json_t *sim_service_find(json_t *cluster, const char *ref);
/* Resolves "family", "family:rev" or an ARN; `active_only` for new uses. */
json_t *sim_taskdef_find(struct sim_store *s, const char *ref, int latest_active);
/* Runs the clock for one service (and indexes its new tasks). */
void sim_store_advance(struct sim_store *s, json_t *cluster, json_t *svc);
/* Runs the clock for everything that is busy. */
void sim_store_tick(struct sim_store *s);
void sim_store_mark_busy(struct sim_store *s, json_t *cluster, json_t *svc);
/* The deployment context of a cluster at the current time. */
struct sim_deploy_ctx sim_store_ctx(struct sim_store *s, json_t *cluster);
/* Capacity left for EC2 tasks in a cluster, or -1 for unlimited. */
int sim_cluster_capacity_left(struct sim_store *s, json_t *cluster);
char *sim_arn(const struct sim_store *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The ARN a describe call's failure names for `ref`: an ARN as given, else
 * that of `kind` ("task", "service", ...) `ref` in `cluster` (NULL: a
 * resource outside clusters, "cluster/REF"). NULL when out of memory. */
char *sim_ref_arn(const struct sim_store *s, const char *kind, const json_t *cluster,
                  const char *ref);
/* Appends to a describe call's `failures` that `ref` (as sim_ref_arn) is
 * MISSING. */
void sim_missing(const struct sim_store *s, json_t *failures, const char *kind,
                 const json_t *cluster, const char *ref);

/* Quotas (quota.c): 0, or ECS's error for going past one. */
void sim_quota_defaults(struct sim_quotas *q, const struct ecsctl_sim_options *o);
int sim_quota_desired_count(const struct sim_store *s, long long desired, struct ecsctl_error *err);
/* Before a service is added to `cluster` / a cluster is created / revision
 * `last` + 1 of a family is registered. */
int sim_quota_new_service(const struct sim_store *s, json_t *cluster, struct ecsctl_error *err);
int sim_quota_new_cluster(const struct sim_store *s, struct ecsctl_error *err);
int sim_quota_new_revision(const struct sim_store *s, long long last, struct ecsctl_error *err);

/* ---- task definitions (taskdef_fill.c) ---- */
/* Fills the defaults ECS adds on RegisterTaskDefinition and checks what it
 * checks; `td` holds the request members. */
int sim_taskdef_fill(json_t *td, struct ecsctl_error *err);

/* ---- preflight (preflight.c): ECS's rules beyond the shapes, its texts ---- */
/* `td` as registered (cpu/memory in units and MiB), before it is stored;
 * `fargate`: FARGATE is in its requiresCompatibilities. */
int sim_preflight_taskdef(const json_t *td, int fargate, struct ecsctl_error *err);
/* `svc` holds the service's members as they will be (CreateService
 * request, or the service with an UpdateService request laid over it). */
int sim_preflight_service(const json_t *svc, const json_t *td, const json_t *cluster,
                          struct ecsctl_error *err);

/* ---- tags (tags.c) ---- */
/* Checks and merges a request `tags` list into resource `_tags`. */
int sim_tags_apply(json_t *resource, const json_t *tags, struct ecsctl_error *err);
/* The `tags` list of a resource (new reference, [] when none). */
json_t *sim_tags_list(const json_t *resource);

/* ---- the deployment state machine (deploy.c): pure, no I/O, no clock ---- */
struct sim_deploy_ctx {
	double now;
	uint64_t *rng;
	const char *cluster_arn;
	int capacity_left; /* EC2 tasks that still fit; -1 = unlimited */
	json_t *cluster;   /* borrowed; with container instances, tasks are placed (sim_ec2.h) */
	/* The task definition for an ARN (borrowed), or NULL. */
	json_t *(*taskdef)(void *arg, const char *arn);
	void *arg;
	json_t *alarms, *hooks; /* borrowed from the store; NULL: none */
};

/* Adds a PRIMARY deployment of `td_arn` to `svc`, older ones become ACTIVE. */
int sim_deploy_start(json_t *svc, const char *td_arn, const char *reason,
                     struct sim_deploy_ctx *ctx);
/* Advances `svc` (a Service with `_tasks`) to ctx->now. Returns 1 while work
 * is pending on the clock, 0 when the service is at rest, -1 out of memory. */
int sim_deploy_advance(json_t *svc, struct sim_deploy_ctx *ctx);
/* A new task of `td` (PROVISIONING), started by `started_by`. */
json_t *sim_task_new(const json_t *td, const char *started_by, const char *group,
                     const char *launch_type, struct sim_deploy_ctx *ctx);
/* RunTask/StartTask `overrides` on a new task: kept in its `overrides`,
 * commands re-read for the one-off convention. InvalidParameterException
 * for a container the task does not have. */
int sim_task_override(json_t *task, json_t *overrides, struct ecsctl_error *err);
/* When the task changes next on its own, or INFINITY. */
double sim_task_next_change(const json_t *task);
/* Moves one task along the clock to `now`; 1 if it changed. */
int sim_task_advance(json_t *task, double now);
/* Asks a task to stop. */
void sim_task_stop(json_t *task, double now, const char *code, const char *reason);
void sim_service_event(json_t *svc, uint64_t *rng, double now, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* "(service web) has started 2 tasks: (task a) (task b)." or "has stopped N
 * running tasks: ..."; nothing when n is 0. */
void sim_service_tasks_event(json_t *svc, struct sim_deploy_ctx *ctx, int started, int n,
                             const char *ids);

/* ---- service deployments and revisions (sdeploy.c, stages.c) ---- */
/* How the scheduler treats older deployments while a service deployment runs. */
enum sim_sdep_mode {
	SIM_SDEP_ROLLING, /* rolling replacement within min/max percent */
	SIM_SDEP_HOLD,    /* blue/green family: the target scales up beside the source */
	SIM_SDEP_DROP     /* clean up (or roll back): older tasks stop at once */
};
/* Records the service deployment and service revision of the deployment
 * sim_deploy_start() just made PRIMARY; an active one before it is STOPPED. */
int sim_sdep_begin(json_t *svc, struct sim_deploy_ctx *ctx);
/* The service deployment of a `deployments[]` entry, or NULL. */
json_t *sim_sdep_of(json_t *svc, const json_t *dep);
/* The service's current service deployment while it is not finished, or NULL. */
json_t *sim_sdep_active(json_t *svc);
int sim_sdep_is_active(const json_t *sd);
/* Runs the stage machine of the active service deployment at ctx->now
 * (hooks, traffic, bake, alarms, requested stops). */
void sim_sdep_step(json_t *svc, json_t *tasks, struct sim_deploy_ctx *ctx);
enum sim_sdep_mode sim_sdep_mode(json_t *svc);
/* Whether the primary deployment may be called COMPLETED yet (a blue/green
 * family deployment completes in its CLEAN_UP stage). */
int sim_sdep_may_complete(json_t *svc);
/* DeleteService: the active service deployment, if any, is STOPPED. */
void sim_sdep_deleted(json_t *svc, double now);
/* The primary deployment `p` completed: SUCCESSFUL or ROLLBACK_SUCCESSFUL. */
void sim_sdep_completed(json_t *svc, json_t *p, struct sim_deploy_ctx *ctx);
/* The circuit breaker failed the primary deployment; `rollback` as configured. */
void sim_sdep_breaker(json_t *svc, int failures, int threshold, int rollback,
                      struct sim_deploy_ctx *ctx);
/* The service deployment failed (`why`: its statusReason): rolled back when
 * `rollback`, else STOPPED. `cause` starts a rolling rollback's reason. */
void sim_sdep_fail(json_t *svc, json_t *sd, const char *cause, const char *why, int rollback,
                   struct sim_deploy_ctx *ctx);
/* When the active service deployment changes next on its own, or INFINITY. */
double sim_sdep_next_change(json_t *svc, const struct sim_deploy_ctx *ctx);
/* Keeps `currentServiceRevisions` equal to the deployments' counts. */
void sim_sdep_counts(json_t *svc);
/* A service deployment / revision in a form for answers. */
json_t *sim_sdep_render(json_t *svc, json_t *sd);
/* Rolls back to the last deployment that completed (a new PRIMARY, reason
 * "CAUSE: rolling back to deploymentId ID."); NULL when there is none. */
json_t *sim_deploy_rollback(json_t *svc, const char *cause, struct sim_deploy_ctx *ctx);
/* The strategy rules of ECS for `svc` (the service as it will be). */
int sim_strategy_check(const json_t *svc, struct ecsctl_error *err);
/* --alarm and --hook values into the store (knobs.c). */
int sim_knobs_load(struct sim_store *s, const char *alarms, const char *hooks,
                   struct ecsctl_error *err);

/* ---- operations: with the store locked; `*resp` is a new reference: an
 * object to serialize, or a JSON string holding the serialized answer ---- */
typedef int (*sim_op_fn)(struct sim_store *s, json_t *req, json_t **resp, struct ecsctl_error *err);
int sim_op_create_cluster(struct sim_store *, json_t *, json_t **, struct ecsctl_error *);
int sim_op_describe_clusters(struct sim_store *, json_t *, json_t **, struct ecsctl_error *);
int sim_op_list_clusters(struct sim_store *, json_t *, json_t **, struct ecsctl_error *);
int sim_op_delete_cluster(struct sim_store *, json_t *, json_t **, struct ecsctl_error *);
int sim_op_update_cluster(struct sim_store *, json_t *, json_t **, struct ecsctl_error *);
int sim_op_update_cluster_settings(struct sim_store *, json_t *, json_t **, struct ecsctl_error *);
int sim_op_register_task_definition(struct sim_store *, json_t *, json_t **, struct ecsctl_error *);
int sim_op_describe_task_definition(struct sim_store *, json_t *, json_t **, struct ecsctl_error *);
int sim_op_list_task_definitions(struct sim_store *, json_t *, json_t **, struct ecsctl_error *);
int sim_op_list_task_definition_families(struct sim_store *, json_t *, json_t **,
                                         struct ecsctl_error *);
int sim_op_deregister_task_definition(struct sim_store *, json_t *, json_t **,
                                      struct ecsctl_error *);
int sim_op_create_service(struct sim_store *, json_t *, json_t **, struct ecsctl_error *);
int sim_op_update_service(struct sim_store *, json_t *, json_t **, struct ecsctl_error *);
int sim_op_describe_services(struct sim_store *, json_t *, json_t **, struct ecsctl_error *);
int sim_op_list_services(struct sim_store *, json_t *, json_t **, struct ecsctl_error *);
int sim_op_delete_service(struct sim_store *, json_t *, json_t **, struct ecsctl_error *);
int sim_op_list_tasks(struct sim_store *, json_t *, json_t **, struct ecsctl_error *);
int sim_op_describe_tasks(struct sim_store *, json_t *, json_t **, struct ecsctl_error *);
int sim_op_run_task(struct sim_store *, json_t *, json_t **, struct ecsctl_error *);
int sim_op_stop_task(struct sim_store *, json_t *, json_t **, struct ecsctl_error *);
int sim_op_tag_resource(struct sim_store *, json_t *, json_t **, struct ecsctl_error *);
int sim_op_untag_resource(struct sim_store *, json_t *, json_t **, struct ecsctl_error *);
int sim_op_list_tags_for_resource(struct sim_store *, json_t *, json_t **, struct ecsctl_error *);
int sim_op_list_service_deployments(struct sim_store *, json_t *, json_t **, struct ecsctl_error *);
int sim_op_describe_service_deployments(struct sim_store *, json_t *, json_t **,
                                        struct ecsctl_error *);
int sim_op_describe_service_revisions(struct sim_store *, json_t *, json_t **,
                                      struct ecsctl_error *);
int sim_op_stop_service_deployment(struct sim_store *, json_t *, json_t **, struct ecsctl_error *);
int sim_op_continue_service_deployment(struct sim_store *, json_t *, json_t **,
                                       struct ecsctl_error *);
/* POST /_alarm {"alarmName", "state"}: ecs-local's own, journaled like the rest */
int sim_op_set_alarm(struct sim_store *, json_t *, json_t **, struct ecsctl_error *);

/* Tasks in a form for answers (public members, tags when asked). */
json_t *sim_task_render(const json_t *task, int with_tags);

/* ---- dispatch (dispatch.c): operation table and counters ---- */
struct sim_op {
	const char *name;
	sim_op_fn fn;
	int mutates;
};
const struct sim_op *sim_op_lookup(const char *name);

/* ---- SigV4 verification (sigv4_verify.c) ---- */
#include "ecsctl/sigv4.h"
/* 0 when `req` (every header as received) is signed by key/secret within 5
 * minutes of `now` (epoch seconds); otherwise the ECS error in err. */
int sim_sigv4_verify(const struct ecsctl_sigv4_request *req, const char *key, const char *secret,
                     double now, struct ecsctl_error *err);

/* ---- requests (request.c): shared by the server and journal replay ---- */
/* Parses and checks a request body for `op`; *req is a new reference. */
int sim_request_parse(const struct sim_op *op, const char *body, size_t len, json_t **req,
                      struct ecsctl_error *err);
/* Runs `op` with the store locked, the clock standing at `now`; takes `req`.
 * *text: the answer (malloc'ed) on success. */
int sim_request_run(struct sim_store *s, const struct sim_op *op, json_t *req, double now,
                    char **text, struct ecsctl_error *err);
/* Hash of what a request answered: its text, or its error. */
uint64_t sim_request_outcome(const char *text, const struct ecsctl_error *err);

/* ---- the journal (journal.c) ---- */
#define SIM_HASH_SEED 0xcbf29ce484222325ULL /* FNV-1a 64 offset basis */
uint64_t sim_hash(const void *data, size_t len, uint64_t h);

struct sim_journal {
	int fd, lock_fd;
	char *path;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	unsigned long long seq;        /* last record appended */
	unsigned long long last_write; /* last record of a mutating request */
	unsigned long long synced;     /* last record known to be on disk */
	unsigned long long syncs;      /* fdatasync calls, for /_stats */
	int syncing;                   /* a thread is in fdatasync */
	int failed;                    /* errno of a failed append or sync; until a reset */
	long long bytes;               /* size of the journal file */
};

/* Locks STATE.lock (a second server is refused, naming the holder) and opens
 * STATE.journal, both 0600. */
int sim_journal_open(struct sim_journal *j, const char *state_file, struct ecsctl_error *err);
void sim_journal_close(struct sim_journal *j);
/* Calls `apply` for every record after `after` (the state file's last); a
 * torn last record is cut off (*torn_at: its offset, else -1). */
int sim_journal_replay(struct sim_journal *j, unsigned long long after,
                       int (*apply)(void *arg, unsigned long long seq, json_t *rec,
                                    struct ecsctl_error *err),
                       void *arg, long long *torn_at, struct ecsctl_error *err);
/* Appends one record (store lock held, so records follow the changes'
 * order); its number, or 0 once the journal failed. */
unsigned long long sim_journal_append(struct sim_journal *j, const char *json, size_t len,
                                      int is_write);
/* Marks the journal failed (errno `e`) until the next reset. */
void sim_journal_fail(struct sim_journal *j, int e);
/* Returns once record `seq` is on disk (group commit); ServerException if
 * the journal cannot be written. */
int sim_journal_wait(struct sim_journal *j, unsigned long long seq, struct ecsctl_error *err);
/* Empties the journal once the state file holds everything (store lock). */
int sim_journal_reset(struct sim_journal *j, struct ecsctl_error *err);

/* ---- request throttling (throttle.c) ---- */
#define SIM_THROTTLE_OTHER "other" /* the group of operations ECS's table does not list */

struct sim_throttle_group {
	const char *name;
	double rate, burst; /* ECS's refill rate per second and bucket capacity */
	const char *ops;    /* its operations, separated by spaces */
};

/* ECS's groups (the last one is SIM_THROTTLE_OTHER); *n: how many. */
const struct sim_throttle_group *sim_throttle_table(size_t *n);
/* The group an operation falls in (SIM_THROTTLE_OTHER for NULL or unlisted). */
const char *sim_throttle_group_of(const char *op);

#define SIM_THROTTLE_BUCKETS 21

struct sim_bucket {
	double rate, burst;         /* set before serving, then read-only; rate 0: no limit */
	double tokens, refilled_at; /* under the mutex, like the rest */
	unsigned long long throttled;
};

/* Buckets of the groups in table order; with `global`, b[0] is the one
 * bucket of every request. */
struct sim_throttle {
	pthread_mutex_t mu;
	struct sim_bucket b[SIM_THROTTLE_BUCKETS];
	int global; /* --throttle RATE:BURST */
	int paused; /* POST /_throttle {"enabled": false} */
};

/* From the options (throttle_rate/burst, throttle_profile, throttle_groups),
 * every bucket full at `now` (seconds). ECSCTL_EINVAL for a bad spec; then
 * sim_throttle_release still applies. */
int sim_throttle_init(struct sim_throttle *t, const struct ecsctl_sim_options *o, double now,
                      struct ecsctl_error *err);
void sim_throttle_release(struct sim_throttle *t);
/* 1 when a request for `op` may pass at `now`; 0 (counted) when its bucket
 * is empty. Thread-safe. */
int sim_throttle_take(struct sim_throttle *t, const char *op, double now);
/* Paused, every request passes; resumed, the buckets start full at `now`. */
void sim_throttle_pause(struct sim_throttle *t, int paused, double now);
/* {group: requests throttled} for every bucket that limits ("all" for the
 * global one); a new reference, NULL out of memory. */
json_t *sim_throttle_stats(struct sim_throttle *t);

/* ---- the server (server.c, lifecycle.c, durable.c) ---- */
struct MHD_Daemon;

struct ecsctl_sim {
	struct ecsctl_sim_options opts; /* strings below are our copies */
	char *state_file, *sigv4_key, *sigv4_secret, *account, *region;
	struct sim_store store;
	struct MHD_Daemon *mhd;
	unsigned port;
	pthread_t ticker;
	int ticker_started;
	int stopping;        /* under aux */
	pthread_mutex_t aux; /* stats, fault dice, request ids */
	pthread_cond_t wake;
	json_t *stats_ops, *stats_errors;
	unsigned long long total;
	uint64_t fault_rng;
	struct sim_throttle throttle;
	struct sim_journal *journal; /* with --state */
	double compact_after;        /* CLOCK_MONOTONIC; the ticker compacts no sooner */
	int stopped;
};

/* durable.c: --state. Takes the lock, loads the state file, replays the
 * journal and compacts. */
int sim_durable_open(struct ecsctl_sim *sim, struct ecsctl_error *err);
/* Journals a request that ran at `now` with random state `rng` (store lock
 * held; `version` as it was before); the record to wait for before answering. */
unsigned long long sim_durable_request(struct ecsctl_sim *sim, const struct sim_op *op,
                                       const char *body, size_t len, double now, uint64_t rng,
                                       unsigned long long version, const char *text,
                                       const struct ecsctl_error *err);
/* One clock tick, journaled if it changed something (store lock held). */
void sim_durable_tick(struct ecsctl_sim *sim);
/* Writes the state file (0600) and empties the journal. */
int sim_durable_compact(struct ecsctl_sim *sim, struct ecsctl_error *err);
/* Whether the journal has grown enough to compact (store lock held). */
int sim_durable_due(const struct ecsctl_sim *sim);

int sim_server_start(struct ecsctl_sim *sim, struct ecsctl_error *err);
void sim_server_stop(struct ecsctl_sim *sim);

#endif
