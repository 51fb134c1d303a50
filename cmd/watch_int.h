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

struct watch {
	struct cli_ctx *ctx;
	bool json_logs, self_heal;
	int64_t interval_ms;
	struct ecsctl_watch_metrics *metrics;
	struct ecsctl_watch_state st;
	struct ecsctl_ecs *ecs;
	struct ecsctl_lookup_client *lookups; /* kept: credentials are asked once */
	char *synced_commit;                  /* last commit live was made equal to */
	char *attempted;     /* the commit the current reconcile loaded, for its log lines */
	char *failed_commit; /* see ecsctl_watch_facts.failed */
	unsigned failed_applies, retry;
	int64_t retry_at_ms, backoff_cap_ms;
	int64_t lock_timeout_ms; /* --lock-timeout */
	bool triggered;          /* a verified webhook woke the loop */
	unsigned failures;
	uint64_t rng;
	/* what the status page shows (ecsctl_watch_status_build) */
	struct ecsctl_drift_report drift; /* live at the last read, kept across ticks */
	char *synced_subject, *attempt_subject, *attempt_error;
	char *ref; /* the branch the last load read ("main" for HEAD) */
	double synced_time, synced_at, attempt_started, attempt_finished;
	const char *attempt_result; /* static */
	json_t *failed_why;         /* the wait report's services of the failed apply */
	/* notifications: the last key sent per kind of event (one message per
	 * event, not per tick; ecsctl_watch_notify_changed) */
	struct ecsctl_watch_notifier *notifier;
	char *sent_drift, *sent_degraded, *sent_paused, *sent_error;
	struct ecsctl_watch_decision decision; /* the last reconcile's, when `decided` */
	bool decided;
};

/* One log line on stderr: text "TIME LEVEL msg k=v ..." or a JSON object;
 * the variadic part is key, value pairs of strings ending with NULL (a NULL
 * value leaves the key out). Whole lines, from any thread. */
void watch_log(struct watch *w, const char *level, const char *msg, ...);

double watch_unix_now(void);

/* Hands the listener a new status document. */
void watch_publish(struct watch *w, bool reconciling, double next_tick);

/* The notifier's log lines, in the watch's format (any thread). */
void watch_notify_log(void *ud, const char *level, const char *msg, const char *target,
                      const char *event, const char *detail);

/* Sends `type` about the attempted commit (resources may be NULL). */
void watch_notify(struct watch *w, const char *type, const char *summary, const json_t *resources);

/* After a reconcile: drift detected, health degraded, rollout paused, or
 * a reconcile error, each once until its condition changes. */
void watch_notify_tick(struct watch *w, const struct ecsctl_watch_decision *d);

#endif
