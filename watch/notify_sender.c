/*
 * The notification sender thread: takes the queued requests in order and
 * sends them with libcurl. A timeout, a connection error, 429 or 5xx is
 * tried again after base * 2^(try-1) (at most `retries` times); another
 * 4xx is final. Stopping gives what is queued until a deadline, then drops
 * the rest. Nothing here logs a URL, a header or a body: they may hold a
 * token.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ecsctl/buf.h"
#include "ecsctl/clock.h"
#include "notify_int.h"
#include "banned.h"

void notify_job_free(struct job *j)
{
	if (!j)
		return;
	free(j->label);
	free(j->event);
	free(j->url);
	free(j->body);
	free(j->commit);
	free(j->status_body);
	curl_slist_free_all(j->headers);
	free(j);
}

void notify_queue(struct ecsctl_watch_notifier *n, struct job *j)
{
	bool drop;
	char count[32];

	pthread_mutex_lock(&n->lock);
	drop = n->queued >= n->queue_max || n->stopping;
	if (drop) {
		n->dropped++;
		snprintf(count, sizeof(count), "%lu dropped so far", n->dropped);
	} else {
		if (n->tail)
			n->tail->next = j;
		else
			n->head = j;
		n->tail = j;
		n->queued++;
		pthread_cond_broadcast(&n->cond);
	}
	pthread_mutex_unlock(&n->lock);
	if (drop) {
		notify_say(n, "error", "notification dropped: the queue is full", j->label,
		           j->event, count);
		notify_job_free(j);
	}
}

static size_t keep(char *data, size_t size, size_t nmemb, void *ud)
{
	ecsctl_buf_add(ud, data, size * nmemb);
	return size * nmemb; /* a body past the cap is cut, not an error */
}

/* One POST: 0 and the HTTP status in *status, or -1 and curl's word in
 * `why` (never the URL). The answer's body goes to `answer`. */
static int post(const struct job *j, const char *url, const char *body, long *status,
                struct ecsctl_buf *answer, char why[128])
{
	CURL *c = curl_easy_init();
	CURLcode rc;

	*status = 0;
	if (!c) {
		snprintf(why, 128, "out of memory");
		return -1;
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, j->headers);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)j->timeout_ms);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)j->timeout_ms);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, keep);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, answer);
	rc = curl_easy_perform(c);
	if (rc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
	else
		snprintf(why, 128, "%s", curl_easy_strerror(rc));
	curl_easy_cleanup(c);
	return rc == CURLE_OK ? 0 : -1;
}

/* Sleeps `ms`, or less when stopping passes its deadline. false when the
 * deadline passed: give up. */
static bool backoff(struct ecsctl_watch_notifier *n, long long ms)
{
	long long end = ecsctl_clock_now_ms(NULL) + ms;
	bool go_on = true;

	pthread_mutex_lock(&n->lock);
	for (;;) {
		long long now = ecsctl_clock_now_ms(NULL), until = end;
		struct timespec ts;

		if (n->stopping && now >= n->deadline_ms) {
			go_on = false;
			break;
		}
		if (n->stopping && n->deadline_ms < until)
			until = n->deadline_ms;
		if (now >= end)
			break;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_sec += (time_t)((until - now) / 1000);
		ts.tv_nsec += (long)((until - now) % 1000) * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&n->cond, &n->lock, &ts);
	}
	pthread_mutex_unlock(&n->lock);
	return go_on;
}

/* POSTs with retries; 0 when a 2xx came back (its body in `answer`). */
static int deliver(struct ecsctl_watch_notifier *n, const struct job *j, const char *url,
                   const char *body, struct ecsctl_buf *answer)
{
	unsigned attempt;
	long long delay = n->backoff_base_ms;

	for (attempt = 0;; attempt++) {
		char why[128] = "", detail[160];
		long status = 0;
		bool again;

		ecsctl_buf_reset(answer);
		if (post(j, url, body, &status, answer, why) == 0 && status >= 200 &&
		    status < 300) {
			snprintf(detail, sizeof(detail), "HTTP %ld", status);
			notify_say(n, "info", "notification sent", j->label, j->event, detail);
			return 0;
		}
		if (status)
			snprintf(detail, sizeof(detail), "HTTP %ld", status);
		else
			snprintf(detail, sizeof(detail), "%s", why);
		again = !status || status == 429 || status >= 500;
		if (!again || attempt >= j->retries) {
			notify_say(n, "error", "notification failed", j->label, j->event, detail);
			return -1;
		}
		notify_say(n, "warn", "notification retry", j->label, j->event, detail);
		if (!backoff(n, delay)) {
			notify_say(n, "error", "notification failed", j->label, j->event,
			           "stopping: given up");
			return -1;
		}
		delay = delay > 30000 ? 60000 : delay * 2;
	}
}

/* GitHub: the deployment of this commit (made by its start, or now), then
 * its status. */
static void deploy(struct ecsctl_watch_notifier *n, const struct job *j)
{
	struct ecsctl_buf answer = ECSCTL_BUF_INIT, url = ECSCTL_BUF_INIT;
	json_t *doc;
	long long id = 0;

	ecsctl_buf_init(&answer, MAX_RESPONSE);
	if (n->dep_commit && !strcmp(n->dep_commit, j->commit)) {
		id = n->dep_id;
	} else if (deliver(n, j, j->url, j->body, &answer) == 0) {
		doc = json_loadb(answer.buf, answer.len, 0, NULL);
		id = json_integer_value(json_object_get(doc, "id"));
		json_decref(doc);
		free(n->dep_commit);
		n->dep_commit = id > 0 ? strdup(j->commit) : NULL;
		n->dep_id = id;
	}
	if (id > 0) {
		ecsctl_buf_addf(&url, "%s/%lld/statuses", j->url, id);
		if (!ecsctl_buf_failed(&url))
			deliver(n, j, url.buf, j->status_body, &answer);
	}
	ecsctl_buf_release(&url);
	ecsctl_buf_release(&answer);
}

void *notify_sender_main(void *arg)
{
	struct ecsctl_watch_notifier *n = arg;

	for (;;) {
		struct job *j;
		struct ecsctl_buf answer = ECSCTL_BUF_INIT;

		pthread_mutex_lock(&n->lock);
		while (!n->head && !n->stopping)
			pthread_cond_wait(&n->cond, &n->lock);
		j = n->head;
		if (j && n->stopping && ecsctl_clock_now_ms(NULL) >= n->deadline_ms)
			j = NULL; /* out of time: the rest is freed by _free */
		if (j) {
			n->head = j->next;
			if (!n->head)
				n->tail = NULL;
			n->queued--;
		}
		pthread_mutex_unlock(&n->lock);
		if (!j)
			break;
		ecsctl_buf_init(&answer, MAX_RESPONSE);
		if (j->deploy)
			deploy(n, j);
		else
			deliver(n, j, j->url, j->body, &answer);
		ecsctl_buf_release(&answer);
		notify_job_free(j);
	}
	return NULL;
}
