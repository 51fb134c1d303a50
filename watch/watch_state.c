/* The state the watch loop shares with its listener, and the answers the
 * listener gives (kept apart from libmicrohttpd so tests and the fuzzer
 * reach them without a socket). */
#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <strings.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/sha.h>

#include "ecsctl/clock.h"
#include "ecsctl/metrics.h"
#include "ecsctl/watch.h"
#include "banned.h"

int ecsctl_watch_state_init(struct ecsctl_watch_state *st, struct ecsctl_watch_metrics *metrics,
                            struct ecsctl_error *err)
{
	pthread_condattr_t ca;

	memset(st, 0, sizeof(*st));
	st->metrics = metrics;
	st->ready_grace_ms = 5 * 60 * 1000;
	if (pthread_mutex_init(&st->lock, NULL))
		return ecsctl_error_set(err, ECSCTL_ENOMEM, "could not make a lock");
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	if (pthread_cond_init(&st->cond, &ca)) {
		pthread_condattr_destroy(&ca);
		pthread_mutex_destroy(&st->lock);
		return ecsctl_error_set(err, ECSCTL_ENOMEM, "could not make a condition");
	}
	pthread_condattr_destroy(&ca);
	return 0;
}

void ecsctl_watch_state_release(struct ecsctl_watch_state *st)
{
	if (!st)
		return;
	pthread_cond_destroy(&st->cond);
	pthread_mutex_destroy(&st->lock);
	if (st->secret)
		memset(st->secret, 0, st->secret_len);
	free(st->secret);
	st->secret = NULL;
	json_decref(st->status);
	st->status = NULL;
	memset(st->ui_digest, 0, sizeof(st->ui_digest));
}

void ecsctl_watch_state_done(struct ecsctl_watch_state *st, bool ok, int64_t now_ms)
{
	pthread_mutex_lock(&st->lock);
	st->reconciled = true;
	if (ok)
		st->failing_since_ms = 0;
	else if (!st->failing_since_ms)
		st->failing_since_ms = now_ms ? now_ms : 1;
	pthread_mutex_unlock(&st->lock);
}

bool ecsctl_watch_state_ready(struct ecsctl_watch_state *st, int64_t now_ms)
{
	bool ready;

	pthread_mutex_lock(&st->lock);
	ready = st->reconciled &&
	        (!st->failing_since_ms || now_ms - st->failing_since_ms <= st->ready_grace_ms);
	pthread_mutex_unlock(&st->lock);
	return ready;
}

bool ecsctl_watch_state_wake(struct ecsctl_watch_state *st)
{
	bool pending;

	pthread_mutex_lock(&st->lock);
	pending = st->wake;
	st->wake = true;
	if (!pending)
		pthread_cond_broadcast(&st->cond);
	pthread_mutex_unlock(&st->lock);
	return pending;
}

/* Whether `key` was seen within the window; remembers it either way. Under
 * st->lock. */
static bool seen_before(struct ecsctl_watch_state *st, const unsigned char key[32], int64_t now)
{
	size_t i;

	for (i = 0; i < ECSCTL_WATCH_SEEN_MAX; i++)
		if (st->seen[i].at_ms && now - st->seen[i].at_ms < ECSCTL_WATCH_SEEN_MS &&
		    !memcmp(st->seen[i].key, key, 32))
			return true;
	memcpy(st->seen[st->seen_next].key, key, 32);
	st->seen[st->seen_next].at_ms = now ? now : 1;
	st->seen_next = (st->seen_next + 1) % ECSCTL_WATCH_SEEN_MAX;
	return false;
}

/* A replay: the same delivery id, or the same signed body (the id is not
 * signed, so a replayer can change it; the body it cannot). Both are
 * remembered. */
static bool duplicate(struct ecsctl_watch_state *st, const char *signature, const char *delivery)
{
	unsigned char sig[32], id[32];
	int64_t now = ecsctl_clock_now_ms(NULL);
	bool dup = false;

	pthread_mutex_lock(&st->lock);
	if (!ecsctl_watch_webhook_parse_signature(sig, signature))
		dup = seen_before(st, sig, now);
	if (delivery && *delivery) {
		SHA256((const unsigned char *)delivery, strlen(delivery), id);
		dup = seen_before(st, id, now) || dup;
	}
	pthread_mutex_unlock(&st->lock);
	return dup;
}

int ecsctl_watch_state_sleep(struct ecsctl_watch_state *st, int64_t ms, volatile sig_atomic_t *stop)
{
	int64_t end = ecsctl_clock_now_ms(NULL) + (ms > 0 ? ms : 0);
	int woken = 0;

	pthread_mutex_lock(&st->lock);
	while (!st->wake && !(stop && *stop)) {
		int64_t now = ecsctl_clock_now_ms(NULL), slice = end - now;
		struct timespec ts;

		if (slice <= 0)
			break;
		if (slice > 100)
			slice = 100;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_sec += (time_t)(slice / 1000);
		ts.tv_nsec += (long)(slice % 1000) * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&st->cond, &st->lock, &ts);
	}
	if (st->wake) {
		woken = 1;
		st->wake = false;
	}
	pthread_mutex_unlock(&st->lock);
	return woken;
}

static int answer(struct ecsctl_watch_response *out, int code, const char *text)
{
	out->status = code;
	out->body = strdup(text);
	return out->body ? 0 : ECSCTL_ENOMEM;
}

static int answer_buf(struct ecsctl_watch_response *out, int code, struct ecsctl_buf *b)
{
	if (ecsctl_buf_failed(b)) {
		ecsctl_buf_release(b);
		return answer(out, 500, "out of memory\n");
	}
	out->status = code;
	out->body = ecsctl_buf_detach(b);
	return out->body ? 0 : ECSCTL_ENOMEM;
}

void ecsctl_watch_state_set_status(struct ecsctl_watch_state *st, json_t *doc)
{
	json_t *old;

	if (!doc)
		return;
	pthread_mutex_lock(&st->lock);
	old = st->status;
	st->status = doc;
	pthread_mutex_unlock(&st->lock);
	json_decref(old);
}

void ecsctl_watch_state_set_ui_token(struct ecsctl_watch_state *st, const void *token, size_t len)
{
	SHA256(token, len, st->ui_digest);
	st->ui_token = true;
}

/* Whether `authorization` carries the UI token: "Bearer TOKEN", or "Basic
 * base64(user:TOKEN)". Digests are compared, so neither the token's length
 * nor its bytes show in the time taken. */
static bool authorized(const struct ecsctl_watch_state *st, const char *authorization)
{
	unsigned char got[32], decoded[3 * 1024 / 4 + 4];
	const char *cred = NULL;
	size_t len = 0;

	if (!st->ui_token)
		return true;
	if (!authorization)
		return false;
	if (!strncasecmp(authorization, "Bearer ", 7)) {
		cred = authorization + 7;
		len = strlen(cred);
	} else if (!strncasecmp(authorization, "Basic ", 6)) {
		const char *b64 = authorization + 6, *colon;
		size_t n = strlen(b64);
		int dl;

		if (!n || n % 4 || n > 1024)
			return false;
		dl = EVP_DecodeBlock(decoded, (const unsigned char *)b64, (int)n);
		if (dl < 0)
			return false;
		/* EVP_DecodeBlock counts the '=' padding as zero bytes */
		dl -= (b64[n - 1] == '=') + (b64[n - 2] == '=');
		decoded[dl] = '\0';
		colon = memchr(decoded, ':', (size_t)dl);
		if (!colon)
			return false;
		cred = colon + 1;
		len = (size_t)dl - (size_t)(cred - (const char *)decoded);
	}
	if (!cred)
		return false;
	SHA256((const unsigned char *)cred, len, got);
	return CRYPTO_memcmp(got, st->ui_digest, 32) == 0;
}

/* The refresh the page asked for: whole seconds in [2, 3600], else none. */
static int refresh_seconds(const char *s)
{
	char *end;
	long v;

	if (!s || !*s)
		return 0;
	v = strtol(s, &end, 10);
	if (*end || v < 2 || v > 3600)
		return 0;
	return (int)v;
}

/* The page, a resource's page, or the API: rendered from the document. */
static int serve_ui(struct ecsctl_watch_response *out, struct ecsctl_watch_state *st,
                    const struct ecsctl_watch_request *req)
{
	struct ecsctl_buf b = ECSCTL_BUF_INIT;
	bool api = !strcmp(req->url, "/api/v1/status");
	int code = 200;

	if (!authorized(st, req->authorization)) {
		out->www_authenticate = "Basic realm=\"ecsctl watch\", charset=\"UTF-8\"";
		return answer(out, 401, "unauthorized: this listener asks for the UI token\n");
	}
	pthread_mutex_lock(&st->lock);
	if (!st->status) {
		pthread_mutex_unlock(&st->lock);
		return answer(out, 503, "starting\n");
	}
	if (api) {
		char *text = json_dumps(st->status, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

		if (text)
			ecsctl_buf_addf(&b, "%s\n", text);
		else
			ecsctl_buf_fail(&b);
		free(text);
		out->content_type = "application/json";
	} else if (!strcmp(req->url, "/")) {
		ecsctl_watch_page_index(&b, st->status, refresh_seconds(req->refresh));
		out->content_type = "text/html; charset=utf-8";
	} else {
		const char *kind = req->url + strlen("/resources/"), *slash = strchr(kind, '/');
		char k[32];

		out->content_type = "text/html; charset=utf-8";
		if (slash && (size_t)(slash - kind) < sizeof(k)) {
			memcpy(k, kind, (size_t)(slash - kind));
			k[slash - kind] = '\0';
			if (ecsctl_watch_page_resource(&b, st->status, k, slash + 1) < 0)
				slash = NULL;
		} else {
			slash = NULL;
		}
		if (!slash) {
			code = 404;
			out->content_type = "text/plain; charset=utf-8";
			ecsctl_buf_adds(&b, "no such resource\n");
		}
	}
	pthread_mutex_unlock(&st->lock);
	return answer_buf(out, code, &b);
}

static void count(struct ecsctl_watch_state *st, enum ecsctl_webhook_result r)
{
	if (st->metrics)
		ecsctl_watch_metrics_webhook(st->metrics, r);
}

int ecsctl_watch_handle(struct ecsctl_watch_response *out, struct ecsctl_watch_state *st,
                        const struct ecsctl_watch_request *req)
{
	const char *method = req->method, *url = req->url;
	bool get = !strcmp(method, "GET") || !strcmp(method, "HEAD");

	out->content_type = "text/plain; charset=utf-8";
	out->body = NULL;
	out->www_authenticate = NULL;
	if (!strcmp(url, "/healthz"))
		return get ? answer(out, 200, "ok\n") : answer(out, 405, "method not allowed\n");
	if (!strcmp(url, "/readyz")) {
		if (!get)
			return answer(out, 405, "method not allowed\n");
		return ecsctl_watch_state_ready(st, ecsctl_clock_now_ms(NULL))
		           ? answer(out, 200, "ready\n")
		           : answer(out, 503, "not ready\n");
	}
	if (!strcmp(url, "/metrics")) {
		struct ecsctl_buf b = ECSCTL_BUF_INIT;

		if (!get)
			return answer(out, 405, "method not allowed\n");
		ecsctl_watch_metrics_render(&b, st->metrics);
		out->content_type = "text/plain; version=0.0.4; charset=utf-8";
		return answer_buf(out, 200, &b);
	}
	if (!strcmp(url, "/webhook")) {
		if (strcmp(method, "POST"))
			return answer(out, 405, "method not allowed\n");
		if (!st->secret)
			return answer(out, 404, "webhook not configured\n");
		if (req->body_len > ECSCTL_WEBHOOK_MAX_BODY)
			return answer(out, 413, "payload too large\n");
		if (!ecsctl_watch_webhook_verify(st->secret, st->secret_len, req->signature,
		                                 req->body, req->body_len)) {
			count(st, ECSCTL_WEBHOOK_REJECTED);
			return answer(out, 401, "bad signature\n");
		}
		if (duplicate(st, req->signature, req->delivery)) {
			count(st, ECSCTL_WEBHOOK_DUPLICATE);
			return answer(out, 200, "duplicate delivery\n");
		}
		if (ecsctl_watch_state_wake(st)) {
			count(st, ECSCTL_WEBHOOK_COALESCED);
			return answer(out, 202, "accepted (a reconcile is already due)\n");
		}
		count(st, ECSCTL_WEBHOOK_ACCEPTED);
		return answer(out, 202, "accepted\n");
	}
	if (!strcmp(url, "/") || !strcmp(url, "/api/v1/status") ||
	    !strncmp(url, "/resources/", strlen("/resources/"))) {
		if (!get)
			return answer(out, 405, "method not allowed\n");
		return serve_ui(out, st, req);
	}
	return answer(out, 404, "not found\n");
}
