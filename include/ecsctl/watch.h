/*
 * The watch controller's parts (docs/watch.md): webhook verification,
 * backoff, the state shared between the loop and its HTTP listener, and the
 * listener (/healthz, /readyz, /metrics, POST /webhook) on libmicrohttpd.
 * The loop itself is the front end's (cmd/cmd_watch.c): it owns one
 * ecsctl_watch_state and passes it around; nothing here is global.
 */
#ifndef ECSCTL_WATCH_H
#define ECSCTL_WATCH_H

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ecsctl/error.h"
#include "ecsctl/metrics.h"

#define ECSCTL_WEBHOOK_MAX_BODY                                                                    \
	(1024 * 1024) /* GitHub caps payloads at 25 MB; pushes are small                           \
	               */

/*
 * Parses a GitHub `X-Hub-Signature-256` value, "sha256=" and 64 hex digits
 * (either case), into 32 bytes. 0, or -1 when malformed.
 */
int ecsctl_watch_webhook_parse_signature(unsigned char out[32], const char *header);

/*
 * 1 when `header` is a valid signature of `body` (HMAC-SHA256 with
 * `secret`), compared in constant time; 0 otherwise (also for a missing or
 * malformed header, or an empty secret, which would let anyone sign).
 */
int ecsctl_watch_webhook_verify(const void *secret, size_t secret_len, const char *header,
                                const void *body, size_t body_len);

/*
 * Delay before the next try after `failures` (>= 1) failed reconciles:
 * base * 2^(failures-1), capped at `cap`, with "equal jitter" (uniform in
 * [d/2, d]) so that many controllers do not retry in step, yet the delay
 * never collapses to zero. `rng` is a xorshift state (non-zero), advanced.
 */
int64_t ecsctl_watch_backoff_ms(unsigned failures, int64_t base_ms, int64_t cap_ms, uint64_t *rng);

/* What one reconcile does with its plan (ecsctl_watch_decide). */
enum ecsctl_watch_action {
	ECSCTL_WATCH_NOOP,      /* nothing to change */
	ECSCTL_WATCH_SUSPENDED, /* changes, but ecsctl.yaml says suspend: reported */
	ECSCTL_WATCH_HELD,      /* changes, but this commit's apply failed: not again */
	ECSCTL_WATCH_SKIPPED,   /* drift on a synced commit, no --self-heal: reported */
	ECSCTL_WATCH_APPLY      /* apply and wait */
};

/* What the loop knows when it decides. Strings are borrowed. */
struct ecsctl_watch_facts {
	const char *commit;      /* the commit loaded ("worktree" for a work tree) */
	const char *synced;      /* the last commit live was made equal to; NULL at start */
	const char *failed;      /* the last commit whose apply failed, until one succeeds
	                            or git moves past it with nothing to change; or NULL */
	unsigned failed_applies; /* applies of `failed` that failed in a row (>= 1) */
	unsigned retry;          /* --retry N: applies of a failed commit allowed after the first */
	int64_t now_ms;          /* monotonic */
	int64_t retry_at_ms;     /* the next --retry is not due before this (backoff) */
	bool triggered;          /* a verified webhook arrived since the last reconcile */
	size_t changes;          /* operations in the plan */
	bool suspend, self_heal;
};

struct ecsctl_watch_decision {
	enum ecsctl_watch_action action;
	const char *result; /* the ecsctl_reconcile_total word (static) */
	const char *why;    /* the log message (static) */
	bool moved;         /* git moved since the last sync */
};

/*
 * The decision table of docs/watch.md: no changes -> noop; suspend ->
 * suspended; the failed commit again -> apply only when triggered (webhook)
 * or a --retry is left and due, else held; git moved -> apply; drift with
 * --self-heal -> apply; else skipped. Pure: no clock, no I/O.
 */
void ecsctl_watch_decide(struct ecsctl_watch_decision *out, const struct ecsctl_watch_facts *f);

/* What the loop and the listener share. Initialize with _init, release
 * with _release; the loop updates it through the functions below. */
struct ecsctl_watch_state {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct ecsctl_watch_metrics *metrics; /* borrowed */
	char *secret; /* webhook secret (owned), or NULL: webhooks refused */
	size_t secret_len;
	bool reconciled;          /* a reconcile finished once */
	int64_t failing_since_ms; /* monotonic ms of the first failure in a row; 0 = ok */
	int64_t ready_grace_ms;   /* /readyz fails once failing for longer than this */
	bool wake;                /* a verified webhook arrived */
	unsigned long webhooks_accepted, webhooks_rejected;
};

int ecsctl_watch_state_init(struct ecsctl_watch_state *st, struct ecsctl_watch_metrics *metrics,
                            struct ecsctl_error *err);
void ecsctl_watch_state_release(struct ecsctl_watch_state *st);

/* Records the end of a reconcile (ok or not) at monotonic time `now_ms`. */
void ecsctl_watch_state_done(struct ecsctl_watch_state *st, bool ok, int64_t now_ms);

/* Whether /readyz answers 200 at `now_ms`. */
bool ecsctl_watch_state_ready(struct ecsctl_watch_state *st, int64_t now_ms);

/* Wakes the loop (a verified webhook). */
void ecsctl_watch_state_wake(struct ecsctl_watch_state *st);

/*
 * Sleeps up to `ms`, returning early (1) when woken, or (0) at the end or
 * as soon as `*stop` is set (checked at least every 100 ms, since a signal
 * handler cannot signal a condition variable).
 */
int ecsctl_watch_state_sleep(struct ecsctl_watch_state *st, int64_t ms,
                             volatile sig_atomic_t *stop);

/*
 * The HTTP answer for one request, without the network: what the listener
 * sends for `method` `url` with the given signature header (may be NULL)
 * and body. `*status` gets the code, `*body_out` a heap string (caller
 * frees), `*content_type` a static string. Exposed for tests and fuzzing.
 */
int ecsctl_watch_handle(int *status, char **body_out, const char **content_type,
                        struct ecsctl_watch_state *st, const char *method, const char *url,
                        const char *signature, const void *body, size_t body_len);

struct ecsctl_watch_http;

/*
 * Listens on `addr` ("127.0.0.1:9464", "[::1]:9464", "0.0.0.0:9464"; port 0
 * picks one) with a thread of its own. `*port` (may be NULL) gets the port
 * bound. ECSCTL_EINVAL for a bad address, ECSCTL_EIO when it cannot bind.
 */
int ecsctl_watch_http_start(struct ecsctl_watch_http **out, unsigned *port, const char *addr,
                            struct ecsctl_watch_state *st, struct ecsctl_error *err);
/* Stops listening and frees. Accepts NULL. */
void ecsctl_watch_http_stop(struct ecsctl_watch_http *h);

#endif
