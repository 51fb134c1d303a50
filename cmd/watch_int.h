/*
 * The watch command's shared parts (cmd/cmd_watch.c runs the loop;
 * cmd/watch_report.c says what happened: log lines, the status document,
 * notifications).
 */
#ifndef ECSCTL_CMD_WATCH_INT_H
#define ECSCTL_CMD_WATCH_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "cli.h"
#include "ecsctl/drift.h"
#include "ecsctl/metrics.h"
#include "ecsctl/notify.h"
#include "ecsctl/reconcile.h"
#include "ecsctl/watch.h"

/* What each environment of a watch keeps apart (`watch --env a --env b`):
 * its clients, commits, failures, backoff, status and notifications. */
struct watch_env {
	const char *name; /* --env, or NULL for a repository without environments */
	struct ecsctl_ecs *ecs;
	struct ecsctl_lookup_client *lookups; /* kept: credentials are asked once */
	/* task definitions read, by ARN, across ticks (revisions never change) */
	struct ecsctl_td_cache *tds;
	char *synced_commit; /* last commit live was made equal to */
	char *attempted;     /* the commit the current reconcile loaded, for its log lines */
	char *failed_commit; /* see ecsctl_watch_facts.failed */
	unsigned failed_applies;
	int64_t retry_at_ms;
	unsigned failures;
	int64_t next_ms; /* monotonic time of its next reconcile */
	/* what the status page shows (ecsctl_watch_status_build) */
	struct ecsctl_drift_report drift; /* live at the last read, kept across ticks */
	char *synced_subject, *attempt_subject, *attempt_error;
	char *ref; /* the branch the last load read ("main" for HEAD) */
	double synced_time, synced_at, attempt_started, attempt_finished;
	const char *attempt_result; /* static */
	json_t *failed_why;         /* the wait report's services of the failed apply */
	/* notifications: the last key sent per kind of event (one message per
	 * event, not per tick; ecsctl_watch_notify_changed) */
	char *sent_drift, *sent_degraded, *sent_paused, *sent_error;
	char *seen_degraded; /* the previous tick's degraded list (notify_lasting) */
	json_t *sent_hooks;  /* {"service deployment hookId": true} told paused */
	struct ecsctl_watch_decision decision; /* the last reconcile's, when `decided` */
	bool decided;
	json_t *rollouts; /* {"cluster/service": service deployment under way} */
};

struct watch {
	struct cli_ctx *ctx;
	bool json_logs, self_heal;
	int64_t interval_ms;
	struct ecsctl_watch_metrics *metrics;
	struct ecsctl_watch_state st;
	/* the environment being reconciled (the main thread's: log lines of
	 * its reconcile carry env=NAME; the status page shows it) */
	struct watch_env *e;
	unsigned retry;
	int64_t backoff_cap_ms;
	int64_t lock_timeout_ms; /* --lock-timeout */
	bool triggered;          /* a verified webhook woke the loop */
	uint64_t rng;
	struct ecsctl_watch_notifier *notifier;
};

/* One log line on stderr: text "TIME LEVEL msg k=v ..." or a JSON object;
 * the variadic part is key, value pairs of strings ending with NULL (a NULL
 * value leaves the key out); `env` of the environment reconciled first.
 * Whole lines; from the main thread (the notifier's go through
 * watch_notify_log). */
void watch_log(struct watch *w, const char *level, const char *msg, ...);

double watch_unix_now(void);

/* Hands the listener a new status document. */
void watch_publish(struct watch *w, bool reconciling, double next_tick);

/* The notifier's log lines, in the watch's format (any thread). */
void watch_notify_log(void *ud, const char *level, const char *msg, const char *target,
                      const char *event, const char *detail);

/* The service deployments under way of the services the last drift read
 * found not stable (watch_rollout.c): into w->e->rollouts, the gauges, and
 * a log line per stage change or pause. */
void watch_rollouts(struct watch *w);

/* Before an apply: a service update over a rollout in progress, of a
 * commit that did not change that service again, holds the apply ("held",
 * logged); else each such rollout is stopped (ABORT) first and the log says
 * so. NULL: go on; "failed": a stop failed (logged). */
const char *watch_rollout_guard(struct watch *w, const struct ecsctl_plan *p,
                                const struct ecsctl_model *m);

/* Sends `type` about the attempted commit (resources may be NULL). */
void watch_notify(struct watch *w, const char *type, const char *summary, const json_t *resources);

/* After a reconcile: drift detected, health degraded, rollout paused, or
 * a reconcile error, each once until its condition changes. */
void watch_notify_tick(struct watch *w, const struct ecsctl_watch_decision *d);

#endif
