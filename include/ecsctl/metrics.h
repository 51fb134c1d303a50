/*
 * The watch controller's metrics, exposed in the Prometheus text format
 * 0.0.4. Every name starts with `ecsctl_` (docs/watch.md lists them).
 *
 * The controller loop writes and the HTTP thread reads, so the registry
 * carries its own lock; every function here may be called from any thread.
 */
#ifndef ECSCTL_METRICS_H
#define ECSCTL_METRICS_H

#include <jansson.h>
#include <stddef.h>

#include "ecsctl/buf.h"
#include "ecsctl/drift.h"
#include "ecsctl/error.h"

struct ecsctl_watch_metrics;

/* `version` labels ecsctl_build_info (copied). ECSCTL_ENOMEM. Release with
 * ecsctl_watch_metrics_free (accepts NULL). */
int ecsctl_watch_metrics_new(struct ecsctl_watch_metrics **out, const char *version,
                             struct ecsctl_error *err);
void ecsctl_watch_metrics_free(struct ecsctl_watch_metrics *m);

/*
 * Series per environment: the setters below write the series of the
 * environment chosen last (`watch --env a --env b` reconciles each in turn),
 * and every series of a chosen environment carries the label env="NAME"
 * (first, before the family's own labels). A watch that never chooses one
 * has unlabelled series. -1 past 64 environments or out of memory (the
 * setters then keep writing the previous one).
 */
int ecsctl_watch_metrics_env(struct ecsctl_watch_metrics *m, const char *env);

/* One reconcile finished: counts ecsctl_reconcile_total{result} and observes
 * ecsctl_reconcile_duration_seconds. `result` is a short word ("applied",
 * "noop", "skipped", "suspended", "held", "failed"); at most 16 distinct ones are kept. */
void ecsctl_watch_metrics_reconcile(struct ecsctl_watch_metrics *m, const char *result,
                                    double seconds);

/* Replaces ecsctl_drifted_resources{kind,status} with the report's counts
 * (every kind x status pair is present, 0 when none), and the per-resource
 * families: ecsctl_resource_sync_status{kind,name,env,status} (one series
 * per status, 1 for the resource's: in-sync, drifted, missing, unmanaged,
 * progressing), ecsctl_service_running_tasks{service} and
 * ecsctl_service_desired_tasks{service} (services found live). */
void ecsctl_watch_metrics_drift(struct ecsctl_watch_metrics *m,
                                const struct ecsctl_drift_report *r);

/* One plan operation applied: ecsctl_apply_operations_total{action,kind}
 * ("update", "Service") +1. */
void ecsctl_watch_metrics_apply_op(struct ecsctl_watch_metrics *m, const char *action,
                                   const char *kind);

/* Replaces ecsctl_api_calls_total{operation,code} from the ECS client's
 * cumulative counters: `calls` {"Op": N} (requests sent) and `errors`
 * {"Op": {"Code": N}}; code="ok" counts calls minus errors. */
void ecsctl_watch_metrics_api(struct ecsctl_watch_metrics *m, const json_t *calls,
                              const json_t *errors);

/* ecsctl_last_applied_commit_timestamp_seconds: when live last became equal
 * to a commit (an apply succeeded or the plan was empty); and which commit
 * (ecsctl_last_applied_commit_info{commit}). */
void ecsctl_watch_metrics_applied(struct ecsctl_watch_metrics *m, const char *commit,
                                  double unix_seconds);

/* ecsctl_consecutive_failures (gauge). */
void ecsctl_watch_metrics_failures(struct ecsctl_watch_metrics *m, unsigned n);

/* An apply of `commit` (NULL = the work tree) failed: counts
 * ecsctl_failed_applies_total and sets ecsctl_failed_commit_info{commit};
 * ecsctl_watch_metrics_failed_cleared() removes the latter (an apply succeeded,
 * or git moved on). */
void ecsctl_watch_metrics_apply_failed(struct ecsctl_watch_metrics *m, const char *commit);
void ecsctl_watch_metrics_failed_cleared(struct ecsctl_watch_metrics *m);

/* ecsctl_unstable_services (gauge): managed services not stable. */
void ecsctl_watch_metrics_unstable(struct ecsctl_watch_metrics *m, size_t n);

/* ecsctl_rollout_stage{service,stage} and ecsctl_rollout_paused{service}
 * (gauges): the service deployments under way at the last reconcile,
 * `rollouts` = [["cluster/service", "STAGE", paused], ...] (copied). */
void ecsctl_watch_metrics_rollouts(struct ecsctl_watch_metrics *m, const json_t *rollouts);

/* Appends the exposition (HELP and TYPE for every family). Out of memory
 * is left sticky in `out`. */
/* What became of a POST /webhook: ecsctl_webhook_requests_total{result}. */
enum ecsctl_webhook_result {
	ECSCTL_WEBHOOK_ACCEPTED,  /* verified, new: woke the loop */
	ECSCTL_WEBHOOK_COALESCED, /* verified, new, a wake-up already pending: nothing more */
	ECSCTL_WEBHOOK_DUPLICATE, /* verified, a delivery id or body seen within the window */
	ECSCTL_WEBHOOK_REJECTED,  /* missing or bad signature */
	ECSCTL_WEBHOOK_NRESULTS
};
void ecsctl_watch_metrics_webhook(struct ecsctl_watch_metrics *m, enum ecsctl_webhook_result r);

void ecsctl_watch_metrics_render(struct ecsctl_buf *out, struct ecsctl_watch_metrics *m);

/* A label value escaped as the format says (\\, \", \n). */
void ecsctl_watch_metrics_escape(struct ecsctl_buf *out, const char *value);

#endif
