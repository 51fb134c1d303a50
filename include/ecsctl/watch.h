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

#include <jansson.h>

#include "ecsctl/buf.h"
#include "ecsctl/drift.h"
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

/* How many deliveries a watch remembers, and for how long (a replay is
 * refused within that; GitHub redelivers by hand, within days, but an
 * attacker replays within seconds). */
#define ECSCTL_WATCH_SEEN_MAX 1024
#define ECSCTL_WATCH_SEEN_MS (60 * 60 * 1000)

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
	/* deliveries seen (sha256 of an X-GitHub-Delivery id, and each body's
	 * signature): a ring of the newest, each remembered at most
	 * ECSCTL_WATCH_SEEN_MS, so a replayed webhook wakes nothing */
	struct ecsctl_watch_seen {
		unsigned char key[32];
		int64_t at_ms; /* monotonic; 0 = empty */
	} seen[ECSCTL_WATCH_SEEN_MAX];
	size_t seen_next;
	json_t *status;              /* the /api/v1/status document (owned), or NULL */
	unsigned char ui_digest[32]; /* SHA-256 of the UI token */
	bool ui_token;               /* the page and API ask for the token */
};

int ecsctl_watch_state_init(struct ecsctl_watch_state *st, struct ecsctl_watch_metrics *metrics,
                            struct ecsctl_error *err);
void ecsctl_watch_state_release(struct ecsctl_watch_state *st);

/* Records the end of a reconcile (ok or not) at monotonic time `now_ms`. */
void ecsctl_watch_state_done(struct ecsctl_watch_state *st, bool ok, int64_t now_ms);

/* Whether /readyz answers 200 at `now_ms`. */
bool ecsctl_watch_state_ready(struct ecsctl_watch_state *st, int64_t now_ms);

/* Publishes the status document (docs/watch.md, "Status API"; built by
 * ecsctl_watch_status_build). Steals the reference; NULL is ignored. */
void ecsctl_watch_state_set_status(struct ecsctl_watch_state *st, json_t *doc);

/* From now on the page and the API answer only requests that carry `token`
 * as `Authorization: Bearer TOKEN` or as the password of Basic auth (any
 * user name). Only a digest is kept; compared in constant time. */
void ecsctl_watch_state_set_ui_token(struct ecsctl_watch_state *st, const void *token, size_t len);

/* Wakes the loop (a verified webhook). A wake while one is pending does
 * nothing more: returns true when one was (coalesced). */
bool ecsctl_watch_state_wake(struct ecsctl_watch_state *st);

/*
 * Sleeps up to `ms`, returning early (1) when woken, or (0) at the end or
 * as soon as `*stop` is set (checked at least every 100 ms, since a signal
 * handler cannot signal a condition variable).
 */
int ecsctl_watch_state_sleep(struct ecsctl_watch_state *st, int64_t ms,
                             volatile sig_atomic_t *stop);

/* One request to the listener, as the network part hands it over. */
struct ecsctl_watch_request {
	const char *method, *url;  /* url: the path, query removed */
	const char *signature;     /* X-Hub-Signature-256, or NULL */
	const char *authorization; /* Authorization, or NULL */
	const char *refresh;       /* the page's ?refresh=SECONDS, or NULL */
	const void *body;
	size_t body_len;
	const char *delivery; /* X-GitHub-Delivery, or NULL: a verified webhook whose id or
	                         body was seen within ECSCTL_WATCH_SEEN_MS is a duplicate
	                         (200, wakes nothing) */
};

/* The answer: `body` a heap string (caller frees), the others static. */
struct ecsctl_watch_response {
	int status;
	char *body;
	const char *content_type;
	const char *www_authenticate; /* set on a 401 of the page or API, else NULL */
};

/*
 * The HTTP answer for one request, without the network (tests and the
 * fuzzer call it directly): /healthz, /readyz, /metrics and POST /webhook
 * (HMAC) are open; the status page (/, /resources/KIND/NAME) and
 * /api/v1/status answer only a request carrying the UI token when one is
 * set (ecsctl_watch_state_set_ui_token). 0, or ECSCTL_ENOMEM.
 */
int ecsctl_watch_handle(struct ecsctl_watch_response *out, struct ecsctl_watch_state *st,
                        const struct ecsctl_watch_request *req);

/* What the status document says beside the resources (all borrowed;
 * strings may be NULL). Times are Unix seconds, 0 = none. */
struct ecsctl_watch_status_facts {
	const char *repo, *ref, *path, *environment;
	const char *synced_commit, *synced_subject;
	double synced_time; /* the commit's time */
	double synced_at;   /* when live became equal to it */
	const char *attempt_commit, *attempt_subject;
	double attempt_started, attempt_finished;
	const char *attempt_result;    /* the ecsctl_reconcile_total word; NULL = none yet */
	const char *attempt_error;     /* why it failed, or NULL */
	const char *failed_commit;     /* held after its apply failed, or NULL */
	const json_t *failed_services; /* the wait report's services of that apply, or NULL */
	double next_tick;
	bool reconciling; /* a reconcile is running now */
};

/*
 * The /api/v1/status document (docs/watch.md, "Status API"): the facts and
 * one entry per resource of the drift report `r` (may be NULL before the
 * first read), its member diff masked as the report is. New reference, or
 * NULL when out of memory.
 */
json_t *ecsctl_watch_status_build(const struct ecsctl_watch_status_facts *f,
                                  const struct ecsctl_drift_report *r);

/*
 * The status page, rendered from that document: every value HTML-escaped,
 * inline CSS, no script. `refresh` > 0 adds a refresh every that many
 * seconds (opt-in).
 */
void ecsctl_watch_page_index(struct ecsctl_buf *out, const json_t *doc, int refresh);

/* The detail page of one resource (diff, events, failure). -1 when the
 * document has no resource `kind` `name` (nothing appended). */
int ecsctl_watch_page_resource(struct ecsctl_buf *out, const json_t *doc, const char *kind,
                               const char *name);

/* Text as HTML character data or a quoted attribute value (&<>"' escaped). */
void ecsctl_watch_html_escape(struct ecsctl_buf *out, const char *s);

struct ecsctl_watch_http;

/*
 * Listens on `addr` ("127.0.0.1:9464", "[::1]:9464", "0.0.0.0:9464"; port 0
 * picks one) with a thread of its own: at most 16 connections per client
 * address, 1024 in all, each closed after 5 s idle. `*port` (may be NULL) gets the port
 * bound. ECSCTL_EINVAL for a bad address, ECSCTL_EIO when it cannot bind.
 */
int ecsctl_watch_http_start(struct ecsctl_watch_http **out, unsigned *port, const char *addr,
                            struct ecsctl_watch_state *st, struct ecsctl_error *err);
/* Stops listening and frees. Accepts NULL. */
void ecsctl_watch_http_stop(struct ecsctl_watch_http *h);

#endif
