/*
 * watch's notifications (docs/watch.md, "Notifications"): the events the
 * loop reports (sync succeeded / failed, drift detected, health degraded,
 * rollout paused) sent to Slack-compatible incoming webhooks, GitHub
 * (commit statuses, deployments and deployment statuses) and generic
 * webhooks signed with HMAC-SHA256.
 *
 * The loop never waits on a receiver: ecsctl_watch_notify_send() builds the
 * requests and queues them (bounded; past the bound new ones are dropped and
 * counted); one sender thread sends them in order with libcurl, retrying
 * timeouts, 429 and 5xx with doubling backoff. Secrets (webhook URLs, the
 * GitHub token, HMAC keys) live in memory only: log lines name a target as
 * "slack[0]", "github" or "webhooks[1]", never its URL or token.
 */
#ifndef ECSCTL_NOTIFY_H
#define ECSCTL_NOTIFY_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "ecsctl/drift.h"
#include "ecsctl/error.h"

/* The sender's news: "notification sent", "notification failed" (given up),
 * "notification retry", "notifications dropped", "notifications
 * misconfigured". `target` names the target; `detail` is an HTTP status or
 * a curl error, never a secret. Called from the sender thread or, for
 * configuration, from the caller's. */
typedef void (*ecsctl_watch_notify_log_fn)(void *ud, const char *level, const char *msg,
                                           const char *target, const char *event,
                                           const char *detail);

struct ecsctl_watch_notify_options {
	ecsctl_watch_notify_log_fn log;
	void *log_ud;
	const char *user_agent;    /* "ecsctl/0.1.0" */
	size_t queue_max;          /* 0 = 256 requests */
	const char *const *env;    /* NULL-terminated "NAME=value" list; NULL = environ */
	long long backoff_base_ms; /* 0 = 500 */
	/* where people reach watch's status page ("https://deploy.example.com",
	 * copied): GitHub statuses link to it (target_url, log_url); NULL = no link */
	const char *public_url;
};
#define ECSCTL_WATCH_NOTIFY_OPTIONS_INIT                                                           \
	{                                                                                          \
		NULL, NULL, NULL, 0, NULL, 0, NULL                                                 \
	}

/* What an event is about. Strings borrowed; may be NULL. */
struct ecsctl_watch_event {
	const char *type; /* "sync-succeeded", ..., or "sync-started" (GitHub only:
	                     a pending status and an in_progress deployment) */
	const char *repo, *ref, *environment;
	const char *commit, *subject; /* the commit attempted ("worktree": no GitHub) */
	const char *summary;          /* one line */
	const json_t *resources;      /* [{"kind", "name", "detail"}] or NULL */
};

struct ecsctl_watch_notifier;

/* Starts the sender thread. ECSCTL_ENOMEM; ECSCTL_EIO when no thread. */
int ecsctl_watch_notify_new(struct ecsctl_watch_notifier **out,
                            const struct ecsctl_watch_notify_options *o, struct ecsctl_error *err);

/*
 * Sets the targets from `notifications:` (ecsctl_settings.notifications;
 * NULL = none), reading the secrets it names (environment variables,
 * files). Cheap when nothing changed, so the loop calls it every
 * reconcile. A target whose secret cannot be read is left out and logged
 * once ("notifications misconfigured"). `environment` is the --env name.
 */
void ecsctl_watch_notify_configure(struct ecsctl_watch_notifier *n, const json_t *cfg,
                                   const char *environment);

/* Queues the requests of `ev` for every target that takes its type.
 * Never blocks on the network. */
void ecsctl_watch_notify_send(struct ecsctl_watch_notifier *n, const struct ecsctl_watch_event *ev);

/* Stops the sender after at most `drain_ms` more of sending what is
 * queued; frees. Accepts NULL. */
void ecsctl_watch_notify_free(struct ecsctl_watch_notifier *n, long long drain_ms);

/*
 * One message per event, not per tick: sets `*last` to `key` and returns
 * true when `key` is non-empty and differs from `*last`; an empty or NULL
 * key clears `*last` (the condition ended, so its return is news again).
 */
bool ecsctl_watch_notify_changed(char **last, const char *key);

/*
 * A condition that must outlast one tick before it is news: sets `*seen` to
 * `key` and returns true when `key` equals what the previous tick saw, or is
 * empty or NULL (an end is news at once).
 */
bool ecsctl_watch_notify_lasting(char **seen, const char *key);

/* The drifted and missing resources of `r` as event resources, with the
 * changed members as detail; [] when none. New reference (NULL: no memory). */
json_t *ecsctl_watch_notify_drifted(const struct ecsctl_drift_report *r);

/* The services of `r` whose rollout FAILED, or that run fewer tasks than
 * desired once their rollout COMPLETED; [] when none. */
json_t *ecsctl_watch_notify_degraded(const struct ecsctl_drift_report *r);

/* The request bodies, exposed for tests: Slack's {"text", "blocks"}, the
 * generic webhook's document (docs/watch.md). Heap strings. */
char *ecsctl_watch_notify_slack_body(const struct ecsctl_watch_event *ev);
char *ecsctl_watch_notify_webhook_body(const struct ecsctl_watch_event *ev, double unix_time);

#endif
