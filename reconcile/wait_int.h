/* Shared by wait.c (the waiter) and wait_why.c (why a service is not stable). */
#ifndef ECSCTL_RECONCILE_WAIT_INT_H
#define ECSCTL_RECONCILE_WAIT_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "reconcile_int.h"

/* W_SUPERSEDED: another writer's deployment replaced ours (not a failure of
 * ours, and never rolled back by ecsctl). */
enum wait_state { W_WAITING, W_DONE, W_FAILED, W_ROLLING_BACK, W_ROLLED_BACK, W_SUPERSEDED };

struct wait_service {
	const char *cluster, *service;
	char name[520];
	char *target;   /* the task definition apply set ("family:rev") */
	char *expect;   /* what the PRIMARY must run: target, or previous once rolling back */
	char *previous; /* what ran before, from the plan; may be NULL */
	/* the deployment we wait on, by id: the one our own UpdateService /
	 * CreateService (or rollback) returned, or the circuit breaker's rollback
	 * of it. NULL when no call of ours started one (judged by task definition) */
	char *deployment;
	char *other; /* W_SUPERSEDED: "id (family:rev)" of the deployment that replaced ours */
	enum wait_state state;
	json_t *last;     /* the last DescribeServices answer for it */
	json_t *mine;     /* our deployment (runs target) as last seen; NULL until seen */
	json_t *seen;     /* event ids shown */
	json_t *shown;    /* their messages, oldest first */
	double since;     /* ECS clock: where the story of this deploy starts */
	char *sig;        /* the counts last shown, to show only changes */
	char *cause;      /* why it failed, captured when it did (before a rollback) */
	int64_t news_ms;  /* wait clock: last change shown */
	bool gone;        /* DescribeServices did not know it */
	bool rolled_back; /* ecsctl sent the rollback (not ECS's circuit breaker) */
	/* the service deployment our call started (wait_sd.c): when ECS keeps
	 * them, its status decides, not deployments[] */
	char *sd_arn;
	json_t *sd;       /* as last described */
	char *sd_sig;     /* the stage line last shown */
	char *hook_stage; /* the stage a hook last waited at */
	int sd_tries;     /* lists that found none yet */
	bool sd_none;     /* none here (another controller, an older ECS): deployments[] */
	bool no_rollback; /* stopped on purpose (abort): never rolled back by the wait */
};

struct wait_ctx {
	const struct ecsctl_apply_options *o;
	int64_t start; /* wait clock at the first poll */
};

/* Time waited so far (wait clock). */
int64_t wait_elapsed(const struct wait_ctx *c);

/* Done: completed (or, without rolloutState, alone) and at full count. */
bool wait_complete(const json_t *svc, const json_t *dep);

/* One progress event about `w` with its deployments as last seen. */
void wait_emit(const struct wait_ctx *c, struct wait_service *w, enum ecsctl_progress_kind kind,
               const char *message);

/* Follows the service deployment of every waiting service (wait_sd.c):
 * finds the one our call started (ListServiceDeployments created since our
 * deployment), describes them all in one call, shows a line per stage
 * change and ends the wait on its status. Services without one are left to
 * deployments[]. 0, or the error of a DescribeServiceDeployments. */
/* True while `w`'s service deployment says it is not done: not SUCCESSFUL
 * (or, with ECSCTL_WAIT_TRAFFIC, production traffic not all shifted). */
bool wait_sd_holds(const struct ecsctl_apply_options *o, const struct wait_service *w);

int wait_sd_poll(const struct wait_ctx *c, struct wait_service *ws, size_t n,
                 struct ecsctl_ecs *ecs, struct ecsctl_error *err);

static inline const char *wait_str(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

/* An integer member, -1 when absent. */
static inline long wait_count(const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);

	return v ? (long)json_integer_value(v) : -1;
}

/* The PRIMARY of a service's deployments, or NULL. */
static inline const json_t *wait_primary(const json_t *svc)
{
	const json_t *d;
	size_t i;

	json_array_foreach(json_object_get(svc, "deployments"), i, d) {
		const char *st = wait_str(d, "status");
		if (st && !strcmp(st, "PRIMARY"))
			return d;
	}
	return NULL;
}

/* "family:rev" of a task definition ARN (or the text itself). */

/* The one-line reason the service is not stable right now; `elapsed_ms` is
 * the time waited. Heap string, NULL only without memory. */
char *wait_reason_now(const struct wait_service *w, int64_t elapsed_ms);

/* Appends {"name", "outcome", "reason", "deployment", "stoppedTasks",
 * "events"} for `w` to `services` (ecsctl/reconcile.h's report). Reads the
 * stopped tasks (ListTasks + DescribeTasks); when ECS refuses, the entry
 * gets "stoppedTasksError" instead and the report goes on. 0 or ENOMEM. */
int wait_why_add(json_t *services, const struct wait_service *w, const char *outcome,
                 int64_t elapsed_ms, struct ecsctl_ecs *ecs, struct ecsctl_error *err);

/* Groups DescribeTasks' tasks by identical cause, largest group first,
 * each with its count and one-line summary (the report's stoppedTasks).
 * Only tasks started by `deployment` (when set) and created at or after
 * `since` count; the scheduler's own scale-ins never do. New reference. */
json_t *wait_why_group_tasks(const json_t *tasks, const char *deployment, double since);

/* The service events (messages, oldest first) that explain a failure:
 * routine ones (started/stopped tasks, steady state, targets registered)
 * left out, at most the last 10. New reference. */
json_t *wait_why_events(const json_t *messages);

#endif
