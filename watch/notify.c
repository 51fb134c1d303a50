/*
 * watch's notification sender: targets from `notifications:`, a bounded
 * queue of ready-made requests, and one thread that sends them with
 * libcurl, retrying what may succeed later (timeouts, connection errors,
 * 429, 5xx) with doubling backoff and giving up on the rest (other 4xx).
 * The reconcile loop only builds requests and queues them.
 */
#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ecsctl/buf.h"
#include "ecsctl/clock.h"
#include "ecsctl/duration.h"
#include "ecsctl/notify.h"
#include "notify_int.h"
#include "banned.h"

void notify_say(struct ecsctl_watch_notifier *n, const char *level, const char *msg,
                const char *target, const char *event, const char *detail)
{
	if (n->log)
		n->log(n->log_ud, level, msg, target, event, detail);
}

/* ---- configuration ----------------------------------------------------- */

static const char *const event_names[] = {"sync-succeeded", "sync-failed", "drift-detected",
                                          "health-degraded", "rollout-paused"};

static void target_release(struct target *t)
{
	if (t->secret)
		memset(t->secret, 0, t->secret_len);
	free(t->secret);
	free(t->url);
	free(t->repo);
	free(t->context);
	free(t->environment);
	memset(t, 0, sizeof(*t));
}

static unsigned event_mask(const json_t *on, unsigned dflt)
{
	unsigned m = 0;
	const json_t *v;
	size_t i, k;

	if (!on)
		return dflt;
	json_array_foreach(on, i, v)
		for (k = 0; k < 5; k++)
			if (!strcmp(ecsctl_or_empty(json_string_value(v)), event_names[k]))
				m |= 1u << k;
	return m;
}

static const char *env_get(const struct ecsctl_watch_notifier *n, const char *name)
{
	size_t len = strlen(name), i;

	if (!n->env)
		return getenv(name);
	for (i = 0; n->env[i]; i++)
		if (!strncmp(n->env[i], name, len) && n->env[i][len] == '=')
			return n->env[i] + len + 1;
	return NULL;
}

/* The secret named by `<prefix>Env` or `<prefix>File` of `o`: 0 and a heap
 * copy (NULL when neither is set and `required` is false), or -1 with why
 * in `why` (naming the variable or file, never the value). */
static int secret(struct ecsctl_watch_notifier *n, const json_t *o, const char *prefix,
                  bool required, char **out, size_t *len, struct ecsctl_buf *why)
{
	char key[32];
	const char *var, *file, *v;

	*out = NULL;
	*len = 0;
	snprintf(key, sizeof(key), "%sEnv", prefix);
	var = json_string_value(json_object_get(o, key));
	snprintf(key, sizeof(key), "%sFile", prefix);
	file = json_string_value(json_object_get(o, key));
	if (var && file) {
		ecsctl_buf_addf(why, "give %sEnv or %sFile, not both", prefix, prefix);
		return -1;
	}
	if (var) {
		v = env_get(n, var);
		if (!v || !*v) {
			ecsctl_buf_addf(why, "environment variable %s is not set", var);
			return -1;
		}
		*out = strdup(v);
		*len = strlen(v);
		return *out ? 0 : -1;
	}
	if (file) {
		char buf[4097];
		ssize_t got;
		int fd = open(file, O_RDONLY | O_CLOEXEC);

		if (fd < 0) {
			ecsctl_buf_addf(why, "cannot read '%s': %s", file, strerror(errno));
			return -1;
		}
		got = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		while (got > 0 && (buf[got - 1] == '\n' || buf[got - 1] == '\r'))
			got--;
		if (got <= 0 || got >= (ssize_t)sizeof(buf) - 1) {
			ecsctl_buf_addf(why, "'%s' is empty or longer than 4096 bytes", file);
			return -1;
		}
		*out = malloc((size_t)got + 1);
		if (*out) {
			memcpy(*out, buf, (size_t)got);
			(*out)[got] = '\0';
			*len = (size_t)got;
		}
		memset(buf, 0, sizeof(buf));
		return *out ? 0 : -1;
	}
	if (required) {
		ecsctl_buf_addf(why, "give %sEnv or %sFile", prefix, prefix);
		return -1;
	}
	return 0;
}

/* Adds one target; a misconfigured one is logged and left out. */
static void add_target(struct ecsctl_watch_notifier *n, struct target *all, size_t *count,
                       struct target *t, int ok, struct ecsctl_buf *why, bool quiet)
{
	if (ok < 0 || !t->url) {
		if (!quiet)
			notify_say(n, "error", "notifications misconfigured", t->label, NULL,
			           why->len ? why->buf : "out of memory");
		target_release(t);
	} else if (*count < MAX_TARGETS) {
		all[(*count)++] = *t;
	} else {
		target_release(t);
	}
	ecsctl_buf_reset(why);
}

/* A target named for logs: "slack[0]", "webhooks[1]", "github". */
static struct target target_init(enum target_kind kind, const char *fmt, size_t i)
{
	struct target t;

	memset(&t, 0, sizeof(t));
	t.kind = kind;
	snprintf(t.label, sizeof(t.label), fmt, i);
	return t;
}

static void build_targets(struct ecsctl_watch_notifier *n, const json_t *cfg,
                          const char *environment, struct target *all, size_t *count, bool quiet)
{
	struct ecsctl_buf why = ECSCTL_BUF_INIT;
	unsigned dflt = event_mask(json_object_get(cfg, "on"), EV_ALL);
	const json_t *o, *gh = json_object_get(cfg, "github");
	size_t i;
	int ok;

	json_array_foreach(json_object_get(cfg, "slack"), i, o) {
		struct target t = target_init(T_SLACK, "slack[%zu]", i);
		size_t len;

		t.events = event_mask(json_object_get(o, "on"), dflt);
		ok = secret(n, o, "webhookUrl", true, &t.url, &len, &why);
		add_target(n, all, count, &t, ok, &why, quiet);
	}
	json_array_foreach(json_object_get(cfg, "webhooks"), i, o) {
		struct target t = target_init(T_WEBHOOK, "webhooks[%zu]", i);

		t.events = event_mask(json_object_get(o, "on"), dflt);
		t.url = strdup(ecsctl_or_empty(json_string_value(json_object_get(o, "url"))));
		ok = secret(n, o, "secret", false, &t.secret, &t.secret_len, &why);
		add_target(n, all, count, &t, ok, &why, quiet);
	}
	if (gh) {
		struct target t = target_init(T_GITHUB, "github", 0);
		const char *api = json_string_value(json_object_get(gh, "apiUrl"));
		const char *ctx = json_string_value(json_object_get(gh, "context"));
		const char *env = json_string_value(json_object_get(gh, "environment"));
		struct ecsctl_buf dflt_ctx = ECSCTL_BUF_INIT;

		t.events = dflt & (EV_SUCCEEDED | EV_FAILED);
		t.statuses = !json_is_false(json_object_get(gh, "commitStatuses"));
		t.deployments = !json_is_false(json_object_get(gh, "deployments"));
		ecsctl_buf_addf(&dflt_ctx, "ecsctl/%s", environment ? environment : "deploy");
		t.url = strdup(api ? api : "https://api.github.com");
		/* a trailing slash would make "//repos" */
		if (t.url && *t.url && t.url[strlen(t.url) - 1] == '/')
			t.url[strlen(t.url) - 1] = '\0';
		t.repo = strdup(
		    ecsctl_or_empty(json_string_value(json_object_get(gh, "repository"))));
		t.context = strdup(ctx ? ctx : dflt_ctx.buf);
		t.environment = strdup(env ? env : environment ? environment : "production");
		ecsctl_buf_release(&dflt_ctx);
		ok = secret(n, gh, "token", true, &t.secret, &t.secret_len, &why);
		if (!t.repo || !t.context || !t.environment)
			ok = -1;
		add_target(n, all, count, &t, ok, &why, quiet);
	}
	ecsctl_buf_release(&why);
}

void ecsctl_watch_notify_configure(struct ecsctl_watch_notifier *n, const json_t *cfg,
                                   const char *environment)
{
	struct target fresh[MAX_TARGETS];
	size_t count = 0, i;
	unsigned char digest[SHA256_DIGEST_LENGTH];
	char *text = cfg ? json_dumps(cfg, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	const char *t = json_string_value(json_object_get(cfg, "timeout"));
	int64_t ms = 10000;
	EVP_MD_CTX *md = EVP_MD_CTX_new();

	memset(fresh, 0, sizeof(fresh));
	/* read the secrets quietly first: a configuration logs only when it
	 * (or a secret it reads) changed, not every reconcile */
	build_targets(n, cfg, environment, fresh, &count, true);
	if (!md || !EVP_DigestInit_ex(md, EVP_sha256(), NULL))
		goto done;
	EVP_DigestUpdate(md, text ? text : "", text ? strlen(text) + 1 : 1);
	EVP_DigestUpdate(md, environment ? environment : "", environment ? strlen(environment) : 0);
	for (i = 0; i < count; i++) {
		EVP_DigestUpdate(md, fresh[i].url, strlen(fresh[i].url) + 1);
		if (fresh[i].secret)
			EVP_DigestUpdate(md, fresh[i].secret, fresh[i].secret_len + 1);
	}
	EVP_DigestFinal_ex(md, digest, NULL);
	if (n->configured && !memcmp(digest, n->digest, sizeof(digest)))
		goto done;
	for (i = 0; i < count; i++)
		target_release(&fresh[i]);
	count = 0;
	build_targets(n, cfg, environment, fresh, &count, false); /* again, saying what is wrong */
	for (i = 0; i < n->ntargets; i++)
		target_release(&n->targets[i]);
	memcpy(n->targets, fresh, sizeof(fresh));
	n->ntargets = count;
	count = 0;
	memcpy(n->digest, digest, sizeof(digest));
	n->configured = true;
	if (t && !ecsctl_duration_parse(&ms, t) && ms < 100)
		ms = 100;
	n->timeout_ms = ms;
	n->retries = json_is_integer(json_object_get(cfg, "retries"))
	                 ? (unsigned)json_integer_value(json_object_get(cfg, "retries"))
	                 : 3;
done:
	for (i = 0; i < count; i++)
		target_release(&fresh[i]);
	EVP_MD_CTX_free(md);
	free(text);
}

/* ---- the loop's side: requests made and queued -------------------------- */

static struct curl_slist *header(struct curl_slist *h, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static struct curl_slist *header(struct curl_slist *h, const char *fmt, ...)
{
	struct ecsctl_buf b = ECSCTL_BUF_INIT;
	struct curl_slist *out;
	va_list ap;

	if (!h)
		return NULL; /* an earlier append failed: the job is dropped */
	va_start(ap, fmt);
	ecsctl_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	out = ecsctl_buf_failed(&b) ? NULL : curl_slist_append(h, b.buf);
	if (b.alloc)
		memset(b.buf, 0, b.len); /* it may hold a token */
	ecsctl_buf_release(&b);
	if (!out)
		curl_slist_free_all(h);
	return out;
}

static struct job *job_new(struct ecsctl_watch_notifier *n, const struct target *t,
                           const char *event, char *url, char *body)
{
	struct job *j = calloc(1, sizeof(*j));

	if (!j || !url || !body || !(j->label = strdup(t->label)) || !(j->event = strdup(event))) {
		free(url);
		free(body);
		notify_job_free(j);
		return NULL;
	}
	j->url = url;
	j->body = body;
	j->timeout_ms = n->timeout_ms;
	j->retries = n->retries;
	j->headers = header(curl_slist_append(NULL, "Content-Type: application/json"),
	                    "User-Agent: %s", n->user_agent);
	if (!j->headers) {
		notify_job_free(j);
		return NULL;
	}
	return j;
}

static char *dup_url(const char *fmt, const char *a, const char *b, const char *c)
{
	struct ecsctl_buf u = ECSCTL_BUF_INIT;

	ecsctl_buf_addf(&u, fmt, a, b, c ? c : "");
	return ecsctl_buf_failed(&u) ? (ecsctl_buf_release(&u), NULL) : ecsctl_buf_detach(&u);
}

static struct curl_slist *github_headers(struct curl_slist *h, const struct target *t)
{
	h = header(h, "Accept: application/vnd.github+json");
	h = header(h, "X-GitHub-Api-Version: 2022-11-28");
	return header(h, "Authorization: Bearer %s", t->secret);
}

/* GitHub's description is at most 140 characters. */
static json_t *description(const struct ecsctl_watch_event *ev)
{
	char d[141];
	size_t n;

	json_t *s;

	snprintf(d, sizeof(d), "%s", ev->summary ? ev->summary : ev->type);
	n = strlen(d);
	if (n == sizeof(d) - 1) /* cut: no half a UTF-8 character at the end */
		while (n > 0 && ((unsigned char)d[n - 1] & 0x80))
			d[--n] = '\0';
	s = json_string(d);
	return s ? s : json_string(ev->type);
}

/* The status page's address for `ev` (a new string, or NULL without
 * --public-url): a failed sync links to the first resource it names
 * (/resources/KIND/NAME), anything else to the page. */
static json_t *status_link(const struct ecsctl_watch_notifier *n,
                           const struct ecsctl_watch_event *ev)
{
	const json_t *first = json_array_get(ev->resources, 0);
	const char *kind = json_string_value(json_object_get(first, "kind"));
	const char *name = json_string_value(json_object_get(first, "name"));
	struct ecsctl_buf u = ECSCTL_BUF_INIT;
	json_t *link = NULL;
	const char *p;

	if (!n->public_url)
		return NULL;
	ecsctl_buf_addf(&u, "%s/", n->public_url);
	if (!strcmp(ev->type, "sync-failed") && kind && name) {
		ecsctl_buf_addf(&u, "resources/%s/", kind);
		/* names are [A-Za-z0-9_-] and '/' in ECS; anything else is escaped */
		for (p = name; *p; p++) {
			if (isalnum((unsigned char)*p) || strchr("-_./~", *p))
				ecsctl_buf_addch(&u, *p);
			else
				ecsctl_buf_addf(&u, "%%%02X", (unsigned char)*p);
		}
	}
	if (!ecsctl_buf_failed(&u))
		link = json_string(u.buf);
	ecsctl_buf_release(&u);
	return link;
}

static void queue_github(struct ecsctl_watch_notifier *n, const struct target *t,
                         const struct ecsctl_watch_event *ev)
{
	bool started = !strcmp(ev->type, "sync-started");
	bool ok = !strcmp(ev->type, "sync-succeeded");
	struct job *j;
	json_t *doc;

	if (t->statuses) {
		doc = json_pack("{s:s, s:o, s:s, s:o*}", "state",
		                started ? "pending"
		                : ok    ? "success"
		                        : "failure",
		                "description", description(ev), "context", t->context, "target_url",
		                status_link(n, ev));
		j = job_new(n, t, ev->type,
		            dup_url("%s/repos/%s/statuses/%s", t->url, t->repo, ev->commit),
		            doc ? json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL);
		json_decref(doc);
		if (j && (j->headers = github_headers(j->headers, t)))
			notify_queue(n, j);
		else
			notify_job_free(j);
	}
	if (!t->deployments)
		return;
	doc = json_pack("{s:s, s:s, s:s, s:o, s:b, s:[], s:{s:s}}", "ref", ev->commit, "task",
	                "deploy", "environment", t->environment, "description", description(ev),
	                "auto_merge", 0, "required_contexts", "payload", "tool", "ecsctl");
	j = job_new(n, t, ev->type, dup_url("%s/repos/%s/deployments", t->url, t->repo, NULL),
	            doc ? json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL);
	json_decref(doc);
	if (!j)
		return;
	j->deploy = true;
	doc = json_pack("{s:s, s:o, s:s, s:b, s:o*}", "state",
	                started ? "in_progress"
	                : ok    ? "success"
	                        : "failure",
	                "description", description(ev), "environment", t->environment,
	                "auto_inactive", 1, "log_url", status_link(n, ev));
	j->status_body = doc ? json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(doc);
	j->commit = strdup(ev->commit);
	if (j->status_body && j->commit && (j->headers = github_headers(j->headers, t)))
		notify_queue(n, j);
	else
		notify_job_free(j);
}

/* X-Ecsctl-Signature-256: sha256=HMAC-SHA256(secret, body), as GitHub signs
 * its own webhooks, so the same verification code serves. */
static struct curl_slist *signature(struct curl_slist *h, const struct target *t, const char *body)
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	struct ecsctl_buf hex = ECSCTL_BUF_INIT;

	if (!HMAC(EVP_sha256(), t->secret, (int)t->secret_len, (const unsigned char *)body,
	          strlen(body), mac, &len)) {
		curl_slist_free_all(h);
		return NULL;
	}
	ecsctl_buf_addhex(&hex, mac, len);
	h = header(h, "X-Ecsctl-Signature-256: sha256=%s", hex.buf);
	ecsctl_buf_release(&hex);
	return h;
}

static double unix_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void ecsctl_watch_notify_send(struct ecsctl_watch_notifier *n, const struct ecsctl_watch_event *ev)
{
	unsigned bit = 0;
	size_t i, k;
	bool commit = ev->commit && strlen(ev->commit) == 40; /* a sha, not the work tree */

	for (k = 0; k < 5; k++)
		if (!strcmp(ev->type, event_names[k]))
			bit = 1u << k;
	for (i = 0; i < n->ntargets; i++) {
		const struct target *t = &n->targets[i];
		struct job *j;

		if (t->kind == T_GITHUB) {
			/* statuses of a commit applied; a start is sent when its end would be */
			unsigned want = !strcmp(ev->type, "sync-started") ? EV_SUCCEEDED | EV_FAILED
			                                                  : bit;

			if (commit && (t->events & want & (EV_SUCCEEDED | EV_FAILED)))
				queue_github(n, t, ev);
			continue;
		}
		if (!(t->events & bit))
			continue;
		if (t->kind == T_SLACK) {
			j = job_new(n, t, ev->type, strdup(t->url),
			            ecsctl_watch_notify_slack_body(ev));
		} else {
			j = job_new(n, t, ev->type, strdup(t->url),
			            ecsctl_watch_notify_webhook_body(ev, unix_now()));
			if (j)
				j->headers = header(j->headers, "X-Ecsctl-Event: %s", ev->type);
			if (j && j->headers && t->secret)
				j->headers = signature(j->headers, t, j->body);
		}
		if (j && j->headers)
			notify_queue(n, j);
		else
			notify_job_free(j);
	}
}

int ecsctl_watch_notify_new(struct ecsctl_watch_notifier **out,
                            const struct ecsctl_watch_notify_options *o, struct ecsctl_error *err)
{
	struct ecsctl_watch_notifier *n = calloc(1, sizeof(*n));
	pthread_condattr_t ca;

	*out = NULL;
	if (!n || !(n->user_agent = strdup(o && o->user_agent ? o->user_agent : "ecsctl"))) {
		free(n);
		return ecsctl_error_nomem(err);
	}
	if (o && o->public_url && !(n->public_url = strdup(o->public_url))) {
		free(n->user_agent);
		free(n);
		return ecsctl_error_nomem(err);
	}
	/* a trailing slash would make "//resources" */
	if (n->public_url && *n->public_url && n->public_url[strlen(n->public_url) - 1] == '/')
		n->public_url[strlen(n->public_url) - 1] = '\0';
	n->log = o ? o->log : NULL;
	n->log_ud = o ? o->log_ud : NULL;
	n->env = o ? o->env : NULL;
	n->queue_max = o && o->queue_max ? o->queue_max : 256;
	n->backoff_base_ms = o && o->backoff_base_ms ? o->backoff_base_ms : 500;
	n->timeout_ms = 10000;
	n->retries = 3;
	pthread_mutex_init(&n->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&n->cond, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&n->thread, NULL, notify_sender_main, n)) {
		pthread_cond_destroy(&n->cond);
		pthread_mutex_destroy(&n->lock);
		free(n->user_agent);
		free(n->public_url);
		free(n);
		return ecsctl_error_set(err, ECSCTL_EIO, "could not start the notification sender");
	}
	*out = n;
	return 0;
}

void ecsctl_watch_notify_free(struct ecsctl_watch_notifier *n, long long drain_ms)
{
	size_t i;

	if (!n)
		return;
	pthread_mutex_lock(&n->lock);
	n->stopping = true;
	n->deadline_ms = ecsctl_clock_now_ms(NULL) + (drain_ms > 0 ? drain_ms : 0);
	pthread_cond_broadcast(&n->cond);
	pthread_mutex_unlock(&n->lock);
	pthread_join(n->thread, NULL);
	while (n->head) {
		struct job *j = n->head;

		n->head = j->next;
		notify_job_free(j);
	}
	for (i = 0; i < n->ntargets; i++)
		target_release(&n->targets[i]);
	pthread_cond_destroy(&n->cond);
	pthread_mutex_destroy(&n->lock);
	free(n->user_agent);
	free(n->public_url);
	free(n->dep_commit);
	free(n);
}
