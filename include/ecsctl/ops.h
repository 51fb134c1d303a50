/*
 * Everyday operations around a deploy: one-off tasks (`ecsctl run`, the
 * pre-deploy hooks of apply), the tasks of a cluster (`ecsctl tasks`) and
 * putting a service back on its previous revision (`ecsctl rollback`).
 * The library never prints: results are JSON values and text the front end
 * writes.
 */
#ifndef ECSCTL_OPS_H
#define ECSCTL_OPS_H

#include <jansson.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "ecsctl/buf.h"
#include "ecsctl/ecs.h"
#include "ecsctl/error.h"
#include "ecsctl/model.h"

/* The exit status of a task that never ran its essential container (placement
 * failed, the image could not be pulled): docker run's "could not start". */
#define ECSCTL_OPS_EXIT_NOT_STARTED 125

/* What to run: the members of one RunTask request. Strings and JSON are
 * borrowed. */
struct ecsctl_ops_run {
	const char *cluster;           /* NULL = ECS's "default" */
	const char *task_definition;   /* family (latest ACTIVE), family:revision or ARN */
	long count;                    /* 1..10; 0 = 1 */
	const char *launch_type;       /* EC2, FARGATE, EXTERNAL or NULL */
	const char *capacity_provider; /* a one-provider strategy, or NULL */
	const json_t *network;         /* networkConfiguration, or NULL */
	const json_t *strategy;        /* capacityProviderStrategy (from a service), or NULL */
	const char *container;         /* overrides go to it; NULL = first essential one */
	const json_t *command;         /* array of strings replacing its command, or NULL */
	const char *const *env;        /* "NAME=VALUE" added to its environment */
	size_t nenv;
	const char *started_by; /* NULL = "ecsctl" */
};

/*
 * Fills the members of `o` that are unset from the desired state: the
 * cluster, networkConfiguration and launchType (or capacityProviderStrategy)
 * of service `service` ("cluster/name" or "name") when given, else of the
 * first service of `m` (name order; in o->cluster when set) that runs
 * `family`. Without one (a migration's own family), the network
 * configuration every awsvpc service of the cluster shares, if they share
 * one, and FARGATE for a family that requires only FARGATE. Pointers into
 * `m`. Returns 1 when a service was used, 0 when none, -1 when `service`
 * names none.
 */
int ecsctl_ops_run_defaults(struct ecsctl_ops_run *o, const struct ecsctl_model *m,
                            const char *family, const char *service);

/*
 * The RunTask request for `o` (new reference in `*out`). `taskdef` is the
 * task definition that will run (as described, or a RegisterTaskDefinition
 * request; NULL when unknown): overrides go to o->container, else to its
 * first essential container. ECSCTL_EINVAL for an --env without '=', a
 * count outside 1..10, both a launch type and a capacity provider, or a
 * container the task definition does not have.
 */
int ecsctl_ops_run_request(json_t **out, const struct ecsctl_ops_run *o, const json_t *taskdef,
                           struct ecsctl_error *err);

struct ecsctl_ops_wait_options {
	int64_t timeout_ms;  /* 0 = 10 minutes */
	int64_t interval_ms; /* 0 = 2000 */
	volatile sig_atomic_t *cancel;
	/* a task's lastStatus changed (also for its first sighting) */
	void (*progress)(void *ud, const json_t *task);
	void *progress_ud;
	int64_t (*now_ms)(void *ud); /* NULL = ecsctl_clock_now_ms */
	void (*sleep_ms)(void *ud, int64_t ms);
	void *clock_ud;
};
#define ECSCTL_OPS_WAIT_OPTIONS_INIT                                                               \
	{                                                                                          \
		0, 0, NULL, NULL, NULL, NULL, NULL, NULL                                           \
	}

/*
 * Waits until every task of `arns` (array of ARNs) is STOPPED, with
 * DescribeTasks every interval (boto3's tasks_stopped: success when all are
 * STOPPED; a task ECS no longer knows is a failure). `*tasks` gets the last
 * description of each task, in `arns` order, also on ETIMEOUT and ECANCELED
 * (what was seen until then). On ETIMEOUT the tasks are stopped
 * (StopTask, reason "ecsctl: timed out after ..."), so that a hook or a run
 * that hangs does not run on behind the user's back.
 */
int ecsctl_ops_wait_stopped(json_t **tasks, struct ecsctl_ecs *ecs, const char *cluster,
                            const json_t *arns, const struct ecsctl_ops_wait_options *o,
                            struct ecsctl_error *err);

/*
 * The exit status of stopped tasks: ECSCTL_OPS_EXIT_NOT_STARTED when a task
 * never started (or `failures`, RunTask's, is not empty); else the exit code
 * of the first essential container that exited non-zero; else 0. Essential
 * containers are those `taskdef` marks so (all, when it is NULL).
 */
int ecsctl_ops_exit_code(const json_t *tasks, const json_t *failures, const json_t *taskdef);

/*
 * Appends, per task, "task ID (family:rev): STOPPED, stoppedReason" then one
 * indented line per container "NAME exit N" (or "NAME did not run: REASON"),
 * and one line per RunTask failure.
 */
void ecsctl_ops_render_stopped(struct ecsctl_buf *out, const json_t *tasks, const json_t *failures);

/* ---- tasks ------------------------------------------------------------ */

/*
 * The tasks of `cluster` (of `service` when set; RUNNING ones, plus the
 * STOPPED ones ECS still lists when `stopped`), described, as an array of
 * ecsctl_ops_task_summary() ordered by group, running before stopped, then
 * start time. New reference in `*out`. Errors: the ECS client's.
 */
int ecsctl_ops_tasks(json_t **out, struct ecsctl_ecs *ecs, const char *cluster, const char *service,
                     bool stopped, struct ecsctl_error *err);

/*
 * A described task as `ecsctl tasks --output json` shows it:
 * {"taskArn", "id", "group", "service" (or null), "taskDefinition"
 * ("family:rev"), "revision", "lastStatus", "desiredStatus", "health",
 * "launchType", "startedAt", "stoppedAt" (RFC 3339 or null), "stopCode",
 * "stoppedReason", "containers": [{"name", "lastStatus", "exitCode" (or
 * null), "reason"}]}. New reference; NULL when out of memory.
 */
json_t *ecsctl_ops_task_summary(const json_t *task);

/* ---- rollback --------------------------------------------------------- */

/*
 * What `ecsctl rollback` would do to `service` of `cluster`: the revision it
 * ran before its last deployment, being the newest non-PRIMARY deployment
 * still listed on another revision (a rollout in progress or failed), else
 * the newest ACTIVE revision of its family older than the one it runs that
 * carries an ecsctl:revision tag (ecsctl registered it) naming another
 * commit. `*out`: {"cluster", "service", "serviceArn", "from": ARN,
 * "fromCommit", "to": ARN, "toCommit"} (commits absent when untagged).
 * ECSCTL_ENOTFOUND when the service is not ACTIVE or there is nothing to
 * go back to; else the ECS client's errors. Reads only.
 */
int ecsctl_ops_rollback_target(json_t **out, struct ecsctl_ecs *ecs, const char *cluster,
                               const char *service, struct ecsctl_error *err);

/* UpdateService of target's service to target's "to", then its
 * ecsctl:revision tag to "toCommit" (when known), so that status, drift and
 * the next plan see which commit runs. */
int ecsctl_ops_rollback(struct ecsctl_ecs *ecs, const json_t *target, struct ecsctl_error *err);

/* ---- service deployments in progress (`ecsctl promote`, `abort`, `status`) ---- */

/*
 * The service deployment of cluster/service that has not finished (PENDING,
 * IN_PROGRESS, STOP_REQUESTED, ROLLBACK_REQUESTED, ROLLBACK_IN_PROGRESS),
 * the newest, as DescribeServiceDeployments answers it: `*sd` a new
 * reference, or NULL when none runs. `*sd` is NULL too where ECS keeps no
 * service deployments (an error answer to ListServiceDeployments); other
 * errors are returned. Reads only.
 */
int ecsctl_ops_rollout_current(json_t **sd, struct ecsctl_ecs *ecs, const char *cluster,
                               const char *service, struct ecsctl_error *err);

/*
 * Continues `sd` where a PAUSE hook waits (ContinueServiceDeployment
 * CONTINUE of the lifecycleHookDetails entry AWAITING_ACTION). `*hook`
 * gets {"hookId", "targetType", "stage"} of the hook continued (new
 * reference). ECSCTL_EINVAL when no hook awaits action (the message says
 * where the deployment is).
 */
int ecsctl_ops_promote(json_t **hook, struct ecsctl_ecs *ecs, const json_t *sd,
                       struct ecsctl_error *err);

/* StopServiceDeployment of `sd`: ROLLBACK (back to the source revision) when
 * `rollback`, else ABORT (stopped as it is). */
int ecsctl_ops_abort(struct ecsctl_ecs *ecs, const json_t *sd, bool rollback,
                     struct ecsctl_error *err);

#endif
