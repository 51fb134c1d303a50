/* The state the watch loop shares with its listener, and the answers the
 * listener gives (kept apart from libmicrohttpd so tests and the fuzzer
 * reach them without a socket). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ecsctl/clock.h"
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

void ecsctl_watch_state_wake(struct ecsctl_watch_state *st)
{
	pthread_mutex_lock(&st->lock);
	st->wake = true;
	pthread_cond_broadcast(&st->cond);
	pthread_mutex_unlock(&st->lock);
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

static int answer(int *status, char **body, int code, const char *text)
{
	*status = code;
	*body = strdup(text);
	return *body ? 0 : ECSCTL_ENOMEM;
}

int ecsctl_watch_handle(int *status, char **body_out, const char **content_type,
                        struct ecsctl_watch_state *st, const char *method, const char *url,
                        const char *signature, const void *body, size_t body_len)
{
	bool get = !strcmp(method, "GET") || !strcmp(method, "HEAD");

	*content_type = "text/plain; charset=utf-8";
	*body_out = NULL;
	if (!strcmp(url, "/healthz"))
		return get ? answer(status, body_out, 200, "ok\n")
		           : answer(status, body_out, 405, "method not allowed\n");
	if (!strcmp(url, "/readyz")) {
		if (!get)
			return answer(status, body_out, 405, "method not allowed\n");
		return ecsctl_watch_state_ready(st, ecsctl_clock_now_ms(NULL))
		           ? answer(status, body_out, 200, "ready\n")
		           : answer(status, body_out, 503, "not ready\n");
	}
	if (!strcmp(url, "/metrics")) {
		struct ecsctl_buf b = ECSCTL_BUF_INIT;

		if (!get)
			return answer(status, body_out, 405, "method not allowed\n");
		*content_type = "text/plain; version=0.0.4; charset=utf-8";
		ecsctl_watch_metrics_render(&b, st->metrics);
		if (ecsctl_buf_failed(&b)) {
			ecsctl_buf_release(&b);
			return answer(status, body_out, 500, "out of memory\n");
		}
		*status = 200;
		*body_out = ecsctl_buf_detach(&b);
		return *body_out ? 0 : ECSCTL_ENOMEM;
	}
	if (!strcmp(url, "/webhook")) {
		if (strcmp(method, "POST"))
			return answer(status, body_out, 405, "method not allowed\n");
		if (!st->secret)
			return answer(status, body_out, 404, "webhook not configured\n");
		if (body_len > ECSCTL_WEBHOOK_MAX_BODY)
			return answer(status, body_out, 413, "payload too large\n");
		if (!ecsctl_watch_webhook_verify(st->secret, st->secret_len, signature, body,
		                                 body_len)) {
			pthread_mutex_lock(&st->lock);
			st->webhooks_rejected++;
			pthread_mutex_unlock(&st->lock);
			return answer(status, body_out, 401, "bad signature\n");
		}
		pthread_mutex_lock(&st->lock);
		st->webhooks_accepted++;
		pthread_mutex_unlock(&st->lock);
		ecsctl_watch_state_wake(st);
		return answer(status, body_out, 202, "accepted\n");
	}
	return answer(status, body_out, 404, "not found\n");
}
