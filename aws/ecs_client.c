/* The ECS client engine: signing, concurrency, retries, stats. */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/sha.h>
#include <openssl/rand.h>

#include "ecsctl/aws.h"
#include "ecsctl/backoff.h"
#include "ecsctl/rand.h"
#include "ecsctl/sigv4.h"
#include "ecs_int.h"
#include "banned.h"

#define MAX_EXTRA_HDRS 4 /* ecsctl_aws_target.headers */
#define MAX_HDRS (9 + MAX_EXTRA_HDRS)

enum slot_state { SLOT_WAITING, SLOT_FLIGHT, SLOT_DONE };

struct slot {
	struct ecsctl_ecs_call *call;
	char *body;
	enum slot_state st;
	int64_t ready_at, started, attempt_started;
	int transient_fails;
	int last_cost;
	struct ecsctl_error last; /* error of the last attempt, while retrying */
	struct ecsctl_http_exchange x;
	char *hdr[MAX_HDRS];
	size_t nhdr;
};

/* The path part of an http(s) URL ("/" when it has none), without query or fragment. */
static char *url_path(const char *url)
{
	const char *p = strstr(url, "://");
	size_t len;

	p = p ? p + 3 : url;
	p += strcspn(p, "/?#");
	len = *p == '/' ? strcspn(p, "?#") : 0;
	return len ? strndup(p, len) : strdup("/");
}

static int is_loopback(const char *host)
{
	return !strncmp(host, "127.", 4) || !strncmp(host, "localhost", 9) ||
	       !strncmp(host, "[::1]", 5);
}

/* Attempts and backoff per retry mode (options win over the settings). */
static void retry_settings(struct ecsctl_ecs *c, const struct ecsctl_ecs_options *opts,
                           const struct ecsctl_aws_settings *set)
{
	enum ecsctl_aws_retry_mode mode = set->retry_mode;
	int legacy = mode == ECSCTL_AWS_RETRY_LEGACY;

	c->retry_mode = mode;
	c->max_attempts = opts->max_attempts > 0  ? opts->max_attempts
	                  : set->max_attempts > 0 ? set->max_attempts
	                  : legacy                ? 5 /* botocore's _retry.json */
	                                          : 3;
	c->max_throttle_attempts = opts->max_throttle_attempts > 0 ? opts->max_throttle_attempts
	                                                           : 10;
	if (mode == ECSCTL_AWS_RETRY_STANDARD || legacy)
		c->max_throttle_attempts = c->max_attempts; /* a throttle is one more error */
	else if (c->max_throttle_attempts < c->max_attempts)
		c->max_throttle_attempts = c->max_attempts;
	/* legacy: rand * 2^(attempt-1) seconds */
	c->base_ms = opts->backoff_base_ms > 0 ? opts->backoff_base_ms : legacy ? 1000 : 100;
	c->adaptive = !opts->no_adaptive &&
	              (mode == ECSCTL_AWS_RETRY_DEFAULT || mode == ECSCTL_AWS_RETRY_ADAPTIVE);
}

int ecsctl_ecs_new(struct ecsctl_ecs **out, const struct ecsctl_ecs_options *opts,
                   struct ecsctl_error *err)
{
	struct ecsctl_ecs *c = calloc(1, sizeof(*c));
	struct ecsctl_creds_options co = ECSCTL_CREDS_OPTIONS_INIT;
	struct ecsctl_aws_settings set;
	struct ecsctl_http_config hc;
	int rc;

	*out = NULL;
	memset(&set, 0, sizeof(set));
	if (!c)
		return ecsctl_error_nomem(err);
	rc = ecsctl_aws_settings_load(&set, opts->profile, opts->env, err);
	if (rc)
		goto fail;
	/* 32: a 1,000-service plan at 20 ms per call takes 1.3 s instead of 2.0 s at
	 * 16 (bench/RESULTS.md); against real ECS the adaptive limiter, not this
	 * bound, is what keeps the rate within the account's quota */
	c->max_concurrency = opts->max_concurrency > 0 ? opts->max_concurrency : 32;
	retry_settings(c, opts, &set);
	c->timeout_ms = opts->timeout_ms > 0 ? opts->timeout_ms : 30000;
	c->connect_timeout_ms = opts->connect_timeout_ms > 0 ? opts->connect_timeout_ms : 5000;
	c->cap_ms = opts->backoff_cap_ms > 0 ? opts->backoff_cap_ms : 20000;
	c->verbosity = opts->verbosity;
	c->log = opts->log;
	c->log_ud = opts->log_ud;
	c->quota.available = c->quota.max = RETRY_QUOTA_MAX;
	c->calls = json_object();
	c->errors = json_object();
	if (!c->calls || !c->errors) {
		rc = ecsctl_error_nomem(err);
		goto fail;
	}
	rc = ecsctl_aws_resolve_region(&c->region, opts->region, opts->profile, opts->config_region,
	                               opts->env, err);
	if (!rc)
		rc = ecsctl_aws_resolve_endpoint(&c->endpoint, "ecs", opts->endpoint_url, c->region,
		                                 opts->env, err);
	if (rc)
		goto fail;
	if (!(c->path = url_path(c->endpoint))) {
		rc = ecsctl_error_nomem(err);
		goto fail;
	}
	if (!(c->host = ecsctl_aws_url_host(c->endpoint)) || !*c->host) {
		rc = ecsctl_error_set(err, ECSCTL_EINVAL, "endpoint URL '%s' has no host",
		                      c->endpoint);
		goto fail;
	}
	if (opts->transport) {
		c->tr = opts->transport;
	} else {
		ecsctl_aws_settings_http(&hc, &set, c->max_concurrency);
		rc = ecsctl_http_curl_new_config(&c->own_tr, &hc, err);
		if (rc)
			goto fail;
		c->tr = &c->own_tr;
	}
	if (opts->creds) {
		c->creds = opts->creds;
	} else {
		co.profile = opts->profile;
		co.region = c->region;
		co.env = opts->env;
		co.transport = c->tr;
		/* an instance role is for AWS, not for a simulator on loopback; asking
		 * 169.254.169.254 there would only cost a timeout before the error */
		co.no_imds = is_loopback(c->host);
		rc = ecsctl_creds_provider_new(&c->own_creds, &co, err);
		if (rc)
			goto fail;
		c->creds = c->own_creds;
	}
	c->rng = opts->seed ? opts->seed : ecsctl_rand_seed();
	if (RAND_bytes(c->nonce, sizeof(c->nonce)) != 1) {
		size_t i;

		for (i = 0; i < sizeof(c->nonce); i++)
			c->nonce[i] = (unsigned char)ecsctl_rand_next(&c->rng);
	}
	rate_limiter_init(&c->limiter, c->tr->now_ms(c->tr->ud));
	c->env = opts->env;
	c->sts_legacy = set.sts_legacy;
	ecsctl_aws_settings_release(&set);
	*out = c;
	return 0;
fail:
	ecsctl_aws_settings_release(&set);
	ecsctl_ecs_free(c);
	return rc;
}

void ecsctl_ecs_free(struct ecsctl_ecs *c)
{
	if (!c)
		return;
	ecsctl_creds_provider_free(c->own_creds);
	ecsctl_http_transport_release(&c->own_tr);
	json_decref(c->calls);
	json_decref(c->errors);
	free(c->region);
	free(c->endpoint);
	free(c->host);
	free(c->path);
	free(c->account);
	free(c);
}

const char *ecsctl_ecs_region(const struct ecsctl_ecs *c)
{
	return c->region;
}

void ecsctl_ecs_call_release(struct ecsctl_ecs_call *call)
{
	if (!call)
		return;
	json_decref(call->response);
	call->response = NULL;
	free(call->answer);
	call->answer = NULL;
	call->answer_len = 0;
	free(call->etag);
	call->etag = NULL;
	ecsctl_error_release(&call->error);
}

json_t *ecsctl_ecs_api_calls(const struct ecsctl_ecs *c)
{
	return json_deep_copy(c->calls);
}

json_t *ecsctl_ecs_api_errors(const struct ecsctl_ecs *c)
{
	return json_deep_copy(c->errors);
}

int ecsctl_ecs_throttles(const struct ecsctl_ecs *c, double *rate)
{
	if (rate)
		*rate = c->limiter.enabled ? c->limiter.fill_rate : 0;
	return c->limiter.throttles;
}

static void count(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	json_object_set_new(obj, key, json_integer((v ? json_integer_value(v) : 0) + 1));
}

static void count_error(struct ecsctl_ecs *c, const char *op, const char *code)
{
	json_t *per = json_object_get(c->errors, op);

	if (!per) {
		per = json_object();
		if (json_object_set_new(c->errors, op, per))
			return;
	}
	count(per, code);
}

static void slot_free_attempt(struct slot *s)
{
	size_t i;

	for (i = 0; i < s->nhdr; i++) {
		/* header lines carry the signature and the session token */
		memset(s->hdr[i], 0, strlen(s->hdr[i]));
		free(s->hdr[i]);
	}
	s->nhdr = 0;
	ecsctl_http_exchange_release(&s->x);
}

static int add_hdr(struct slot *s, const char *fmt, const char *a, const char *b)
{
	struct ecsctl_buf line = ECSCTL_BUF_INIT;

	ecsctl_buf_addf(&line, fmt, a, b);
	if (s->nhdr >= MAX_HDRS || !(s->hdr[s->nhdr] = ecsctl_buf_detach(&line)))
		return -1;
	s->nhdr++;
	return 0;
}

/* Where an attempt goes and what it signs: ECS, or the call's other service. */
struct dest {
	const char *service, *url, *path, *region, *method, *target, *content_type;
	char *host; /* owned */
};

static int dest_of(struct dest *d, const struct ecsctl_ecs *c, const struct slot *s)
{
	const struct ecsctl_aws_target *to = s->call->to;

	memset(d, 0, sizeof(*d));
	if (!to) {
		d->service = "ecs";
		d->url = c->endpoint;
		d->path = c->path;
		d->region = c->region;
		d->method = "POST";
		d->content_type = "application/x-amz-json-1.1";
		return (d->host = strdup(c->host)) ? 0 : -1;
	}
	d->service = to->service;
	d->url = to->url;
	d->region = to->region ? to->region : c->region;
	d->method = to->method ? to->method : "POST";
	d->target = to->target;
	d->content_type = to->content_type;
	d->path = to->sign_path;
	return (d->host = ecsctl_aws_url_host(to->url)) ? 0 : -1;
}

/* S3 signs the payload's hash in a header (a PutObject's body too). */
static void payload_sha256(char out[65], const char *body)
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	size_t i;

	SHA256((const unsigned char *)body, strlen(body), md);
	for (i = 0; i < sizeof(md); i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

static int start_attempt(struct ecsctl_ecs *c, struct slot *s, const struct ecsctl_creds *cr,
                         struct ecsctl_error *err)
{
	const struct ecsctl_aws_target *to = s->call->to;
	struct ecsctl_sigv4_header sh[6 + MAX_EXTRA_HDRS];
	struct ecsctl_sigv4_request req = {0};
	struct ecsctl_buf target = ECSCTL_BUF_INIT, auth = ECSCTL_BUF_INIT;
	char date[17], *path = NULL, *names[MAX_EXTRA_HDRS] = {0}, hash[65];
	struct dest d;
	size_t nsh = 0, i, nextra = to ? to->nheaders : 0;
	bool s3;
	int rc;

	memset(&d, 0, sizeof(d));
	if (nextra > MAX_EXTRA_HDRS) {
		rc = ecsctl_error_set(err, ECSCTL_EINVAL, "%s: more than %d headers",
		                      s->call->operation, MAX_EXTRA_HDRS);
		nextra = 0;
		goto done;
	}
	if (dest_of(&d, c, s) || (!d.path && !(d.path = path = url_path(d.url)))) {
		rc = ecsctl_error_nomem(err);
		goto done;
	}
	s3 = !strcmp(d.service, "s3");
	payload_sha256(hash, s->body);
	ecsctl_sigv4_amz_date(date, c->tr->wall_ms(c->tr->ud) / 1000);
	if (!s->call->to)
		ecsctl_buf_addf(&target, ECSCTL_ECS_TARGET_PREFIX ".%s", s->call->operation);
	else if (d.target)
		ecsctl_buf_adds(&target, d.target);
	if (d.content_type)
		sh[nsh++] = (struct ecsctl_sigv4_header){"content-type", d.content_type};
	sh[nsh++] = (struct ecsctl_sigv4_header){"host", d.host};
	if (s3)
		sh[nsh++] = (struct ecsctl_sigv4_header){"x-amz-content-sha256", hash};
	for (i = 0; i < nextra; i++) {
		const char *line = to->headers[i], *colon = strchr(line, ':');
		if (!colon || !(names[i] = strndup(line, (size_t)(colon - line)))) {
			rc = colon ? ecsctl_error_nomem(err)
			           : ecsctl_error_set(err, ECSCTL_EINVAL, "bad header '%s'", line);
			goto done;
		}
		sh[nsh++] = (struct ecsctl_sigv4_header){names[i], colon + 1 + (colon[1] == ' ')};
	}
	sh[nsh++] = (struct ecsctl_sigv4_header){"x-amz-date", date};
	if (cr->session_token)
		sh[nsh++] = (struct ecsctl_sigv4_header){"x-amz-security-token", cr->session_token};
	if (target.len)
		sh[nsh++] = (struct ecsctl_sigv4_header){"x-amz-target", target.buf};
	req.method = d.method;
	req.path = d.path;
	req.headers = sh;
	req.nheaders = nsh;
	req.payload = s->body;
	req.payload_len = strlen(s->body);
	rc = ecsctl_sigv4_authorization(&auth, &req, date, d.region, d.service, cr->access_key_id,
	                                cr->secret_access_key, err);
	if (rc)
		goto done;
	if ((d.content_type && add_hdr(s, "Content-Type: %s%s", d.content_type, "")) ||
	    add_hdr(s, "Host: %s%s", d.host, "") || add_hdr(s, "X-Amz-Date: %s%s", date, "") ||
	    (s3 && add_hdr(s, "X-Amz-Content-Sha256: %s%s", hash, "")) ||
	    (target.len && add_hdr(s, "X-Amz-Target: %s%s", target.buf, "")) ||
	    add_hdr(s, "Authorization: %s%s", auth.buf, "") ||
	    add_hdr(s, "User-Agent: ecsctl/%s%s", ECSCTL_VERSION, "") ||
	    (cr->session_token &&
	     add_hdr(s, "X-Amz-Security-Token: %s%s", cr->session_token, ""))) {
		rc = ecsctl_error_nomem(err);
		goto done;
	}
	for (i = 0; i < nextra; i++) {
		if (add_hdr(s, "%s%s", to->headers[i], "")) {
			rc = ecsctl_error_nomem(err);
			goto done;
		}
	}
	memset(&s->x, 0, sizeof(s->x));
	s->x.method = d.method;
	s->x.url = d.url;
	s->x.headers = (const char *const *)s->hdr;
	s->x.nheaders = s->nhdr;
	s->x.body = s->body;
	s->x.body_len = strlen(s->body);
	s->x.timeout_ms = c->timeout_ms;
	s->x.connect_timeout_ms = c->connect_timeout_ms;
	s->x.fresh_connect = s->call->not_idempotent;
	rc = c->tr->start(c->tr->ud, &s->x, err);
	if (!rc) {
		s->st = SLOT_FLIGHT;
		s->attempt_started = c->tr->now_ms(c->tr->ud);
		s->call->attempts++;
		count(c->calls, s->call->operation);
	}
done:
	if (auth.alloc)
		memset(auth.buf, 0, auth.len);
	ecsctl_buf_release(&auth);
	ecsctl_buf_release(&target);
	free(d.host);
	free(path);
	for (i = 0; i < nextra; i++)
		free(names[i]);
	if (rc)
		slot_free_attempt(s);
	return rc;
}

/* A word for the log line: a call that never reached ECS failed on its
 * credentials (a profile, credential_process, SSO), not on the network. */
static const char *error_label(const struct ecsctl_error *e)
{
	if (e->aws_code)
		return e->aws_code;
	switch (e->code) {
	case ECSCTL_ETIMEOUT:
		return "timeout";
	case ECSCTL_ENET:
		return "network";
	case ECSCTL_ENOMEM:
		return "memory";
	default:
		return "credentials";
	}
}

static const char *service_of(const struct ecsctl_ecs_call *call)
{
	return call->to ? call->to->service : "ecs";
}

static void log_done(struct ecsctl_ecs *c, struct slot *s, long status, const char *reqid)
{
	struct ecsctl_ecs_call *call = s->call;
	struct ecsctl_buf b = ECSCTL_BUF_INIT;

	if (!c->log || c->verbosity < 1)
		return;
	ecsctl_buf_addf(&b, "%s %s status=%ld attempts=%d ms=%lld", service_of(call),
	                call->operation, status, call->attempts, (long long)call->ms);
	if (call->error.code)
		ecsctl_buf_addf(&b, " error=%s", error_label(&call->error));
	if (c->verbosity >= 2 && reqid)
		ecsctl_buf_addf(&b, " request-id=%s", reqid);
	if (!ecsctl_buf_failed(&b))
		ecs_log_line(c, 1, b.buf);
	ecsctl_buf_release(&b);
	/* other services' answers hold what lookups read: SecureString values */
	if (c->verbosity >= 3 && !call->to) {
		ecsctl_buf_addf(&b, "%s %s response: ", service_of(call), call->operation);
		if (call->response)
			ecs_add_redacted(&b, call->response);
		else
			ecsctl_buf_addf(&b, "error %s",
			                call->error.message ? call->error.message : "");
		if (!ecsctl_buf_failed(&b))
			ecs_log_line(c, 3, b.buf);
		ecsctl_buf_release(&b);
	}
}

/* An XML or raw answer: the body of a 2xx one into call->answer, else
 * the <Error> it holds. */
static int parse_raw(struct ecsctl_ecs_call *call, struct ecsctl_http_exchange *x,
                     const char *reqid, struct ecsctl_error *e)
{
	if (x->status < 200 || x->status >= 300)
		return ecsctl_aws_parse_xml_error(x->status, reqid, x->resp_body.buf,
		                                  x->resp_body.len, e);
	free(call->answer);
	call->answer_len = x->resp_body.len;
	call->answer = ecsctl_buf_detach(&x->resp_body);
	if (!call->answer)
		call->answer = strdup("");
	return call->answer ? 0 : ecsctl_error_nomem(e);
}

/* Looks at a finished attempt and either completes the call or schedules a retry. */
static void finish_attempt(struct ecsctl_ecs *c, struct slot *s)
{
	struct ecsctl_ecs_call *call = s->call;
	struct ecsctl_error e = ECSCTL_ERROR_INIT;
	int64_t now = c->tr->now_ms(c->tr->ud), delay;
	char *reqid = NULL, *etype = NULL, *etag = NULL;
	json_t *resp = NULL;
	int throttle = 0, transient = 0, ambiguous = 0, cost = RETRY_COST, retry = 0;
	long status = s->x.status;

	if (s->x.net != ECSCTL_HTTP_OK) {
		transient = s->x.net == ECSCTL_HTTP_CONNECT || s->x.net == ECSCTL_HTTP_RESET ||
		            s->x.net == ECSCTL_HTTP_TIMEOUT;
		ambiguous = s->x.net != ECSCTL_HTTP_CONNECT;
		if (s->x.net == ECSCTL_HTTP_TIMEOUT)
			cost = RETRY_TIMEOUT_COST;
		ecsctl_error_set(&e,
		                 s->x.net == ECSCTL_HTTP_TIMEOUT ? ECSCTL_ETIMEOUT : ECSCTL_ENET,
		                 "%s: %s", call->operation, s->x.net_message);
		count_error(c, call->operation,
		            s->x.net == ECSCTL_HTTP_TIMEOUT ? "timeout" : "network");
	} else {
		reqid = ecsctl_http_header(&s->x, "x-amzn-RequestId");
		if (!reqid)
			reqid = ecsctl_http_header(&s->x, "x-amz-request-id"); /* S3 */
		etype = ecsctl_http_header(&s->x, "X-Amzn-ErrorType");
		if (call->to) /* S3's version of what was written, for If-Match */
			etag = ecsctl_http_header(&s->x, "ETag");
		if (call->to && !call->to->target
		        ? !parse_raw(call, &s->x, reqid, &e)
		        : !ecsctl_aws_parse_json_answer(&resp, status, etype, reqid,
		                                        s->x.resp_body.buf, s->x.resp_body.len,
		                                        &e)) {
			if (c->adaptive)
				rate_limiter_update(&c->limiter, now, 0, s->attempt_started);
			retry_quota_give(&c->quota,
			                 s->last_cost ? s->last_cost : RETRY_NO_RETRY_INCREMENT);
		} else if (e.aws_code) {
			throttle = ecsctl_aws_is_throttling(e.aws_code, status);
			transient = !throttle && ecsctl_aws_is_transient(e.aws_code, status);
			ambiguous = status >= 500;
			if (c->adaptive)
				rate_limiter_update(&c->limiter, now, throttle, s->attempt_started);
			count_error(c, call->operation, e.aws_code);
			ecsctl_error_wrap(&e, "%s", call->operation);
		}
	}
	if (ambiguous &&
	    (call->not_idempotent || !strcmp(call->operation, "RegisterTaskDefinition"))) {
		call->maybe_processed = true;
	} else if (throttle) {
		/* the limiter bounds throttle retries; without it (standard mode) the
		 * retry quota does, as in botocore */
		retry = call->attempts < c->max_throttle_attempts &&
		        (c->retry_mode != ECSCTL_AWS_RETRY_STANDARD ||
		         !retry_quota_take(&c->quota, cost));
		if (retry && c->retry_mode == ECSCTL_AWS_RETRY_STANDARD)
			s->last_cost = cost;
	} else if (transient) {
		s->transient_fails++;
		retry = s->transient_fails < c->max_attempts &&
		        call->attempts < c->max_throttle_attempts &&
		        (c->retry_mode == ECSCTL_AWS_RETRY_LEGACY || /* legacy has no quota */
		         !retry_quota_take(&c->quota, cost));
		if (retry && c->retry_mode != ECSCTL_AWS_RETRY_LEGACY)
			s->last_cost = cost;
	}
	slot_free_attempt(s);
	if (retry) {
		delay = ecsctl_backoff_ms((unsigned)call->attempts, c->base_ms, c->cap_ms,
		                          ECSCTL_JITTER_FULL, &c->rng);
		ecs_logf(c, 2, "%s %s attempt %d failed (%s), retrying in %lld ms",
		         service_of(call), call->operation, call->attempts,
		         e.aws_code                  ? e.aws_code
		         : e.code == ECSCTL_ETIMEOUT ? "timeout"
		                                     : "network",
		         (long long)delay);
		ecsctl_error_release(&s->last);
		ecsctl_error_move(&s->last, &e);
		s->st = SLOT_WAITING;
		s->ready_at = now + delay;
		goto done;
	}
	call->response = resp;
	resp = NULL;
	if (!e.code) {
		free(call->etag);
		call->etag = etag;
		etag = NULL;
	}
	ecsctl_error_release(&call->error);
	ecsctl_error_move(&call->error, &e);
	call->ms = now - s->started;
	s->st = SLOT_DONE;
	log_done(c, s, status, reqid);
done:
	json_decref(resp);
	ecsctl_error_release(&e);
	free(reqid);
	free(etype);
	free(etag);
}

/* Ends every waiting call with `err`; returns how many. */
static size_t fail_waiting(struct ecsctl_ecs *c, struct slot *slots, size_t n,
                           const struct ecsctl_error *err)
{
	size_t i, count = 0;

	for (i = 0; i < n; i++) {
		if (slots[i].st != SLOT_WAITING)
			continue;
		ecsctl_error_copy(&slots[i].call->error, err);
		slots[i].st = SLOT_DONE;
		log_done(c, &slots[i], 0, NULL);
		count++;
	}
	return count;
}

/* The idempotency token for a CreateService request: 32 hex chars of
 * SHA-256 over a per-client random nonce and the request's canonical JSON
 * (sorted keys, clientToken left out). Stable across retries within this
 * client; a later run (say, re-creating a service deleted since) gets a
 * different one, so ECS never answers it with an old, deleted service. */
static int client_token(char out[33], const struct ecsctl_ecs *c,
                        const json_t *create_service_request)
{
	json_t *copy = json_deep_copy(create_service_request);
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	EVP_MD_CTX *ctx = NULL;
	char *text = NULL;
	int rc = -1;
	size_t i;

	if (!copy)
		goto done;
	json_object_del(copy, "clientToken");
	text = json_dumps(copy, JSON_COMPACT | JSON_SORT_KEYS);
	ctx = EVP_MD_CTX_new();
	if (!text || !ctx || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) ||
	    !EVP_DigestUpdate(ctx, c->nonce, sizeof(c->nonce)) ||
	    !EVP_DigestUpdate(ctx, text, strlen(text)) || !EVP_DigestFinal_ex(ctx, md, &mdlen))
		goto done;
	for (i = 0; i < 16; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	rc = 0;
done:
	EVP_MD_CTX_free(ctx);
	free(text);
	json_decref(copy);
	return rc;
}

/* The body sent for `call`: another service's raw body, or its request; for
 * an ECS CreateService without a clientToken, a copy with one (the request
 * is the caller's), so that every create, typed helper or a plan's batch,
 * is safe to retry. NULL when out of memory. */
static char *request_body(const struct ecsctl_ecs *c, const struct ecsctl_ecs_call *call)
{
	json_t *copy = NULL;
	char token[33], *body = NULL;

	if (call->to)
		return strdup(call->to->body ? call->to->body : "");
	if (!call->request)
		return strdup("{}");
	if (strcmp(call->operation, "CreateService") ||
	    json_object_get(call->request, "clientToken"))
		return json_dumps(call->request, JSON_COMPACT);
	if (!client_token(token, c, call->request) && (copy = json_copy(call->request)) &&
	    !json_object_set_new(copy, "clientToken", json_string(token)))
		body = json_dumps(copy, JSON_COMPACT);
	json_decref(copy);
	return body;
}

static int prepare(struct ecsctl_ecs *c, struct slot *s, struct ecsctl_ecs_call *call, int64_t now)
{
	memset(s, 0, sizeof(*s));
	s->call = call;
	json_decref(call->response);
	call->response = NULL;
	ecsctl_error_release(&call->error);
	call->attempts = 0;
	call->ms = 0;
	call->maybe_processed = false;
	if (!strcmp(call->operation, "RegisterTaskDefinition"))
		call->not_idempotent = true;
	s->started = now;
	s->ready_at = now;
	if (call->request && !json_is_object(call->request))
		return ecsctl_error_set(&call->error, ECSCTL_EINVAL, "%s: request is not an object",
		                        call->operation);
	free(call->answer);
	call->answer = NULL;
	call->answer_len = 0;
	s->body = request_body(c, call);
	if (!s->body)
		return ecsctl_error_nomem(&call->error);
	if (c->verbosity >= 3 && c->log && !call->to) {
		struct ecsctl_buf b = ECSCTL_BUF_INIT;

		ecsctl_buf_addf(&b, "%s %s request: ", service_of(call), call->operation);
		ecs_add_redacted(&b, call->request);
		if (!ecsctl_buf_failed(&b))
			ecs_log_line(c, 3, b.buf);
		ecsctl_buf_release(&b);
	}
	return 0;
}

int ecsctl_ecs_run(struct ecsctl_ecs *c, struct ecsctl_ecs_call *calls, size_t n,
                   struct ecsctl_error *err)
{
	struct slot *slots = calloc(n ? n : 1, sizeof(*slots));
	struct ecsctl_error cerr = ECSCTL_ERROR_INIT;
	const struct ecsctl_creds *cr = NULL;
	size_t i, done = 0;
	int inflight = 0, rc = 0;
	int64_t now;

	if (!slots)
		return ecsctl_error_nomem(err);
	now = c->tr->now_ms(c->tr->ud);
	for (i = 0; i < n; i++) {
		if (prepare(c, &slots[i], &calls[i], now)) {
			slots[i].st = SLOT_DONE;
			done++;
		}
	}
	while (done < n) {
		int64_t next = INT64_MAX, wait;

		now = c->tr->now_ms(c->tr->ud);
		cr = NULL;
		for (i = 0; i < n && inflight < c->max_concurrency; i++) {
			struct slot *s = &slots[i];
			int64_t hold;

			if (s->st != SLOT_WAITING || s->ready_at > now)
				continue;
			hold = c->adaptive ? rate_limiter_acquire(&c->limiter, now) : 0;
			if (hold > 0) {
				next = now + hold;
				break;
			}
			if (!cr)
				ecsctl_error_release(&cerr);
			if (!cr && ecsctl_creds_get(&cr, c->creds, &cerr)) {
				/* one failed lookup fails every waiting call: asking a broken
				 * source once per call would cost a timeout each */
				done += fail_waiting(c, slots, n, &cerr);
				break;
			}
			if (start_attempt(c, s, cr, &s->call->error)) {
				if (!s->call->error.code && s->last.code)
					ecsctl_error_move(&s->call->error, &s->last);
				s->st = SLOT_DONE;
				done++;
				log_done(c, s, 0, NULL);
				continue;
			}
			inflight++;
		}
		/* slots ready now but not started wait for a free slot (transport) or
		 * for the limiter (`next` already); only future ones set the wake-up */
		for (i = 0; i < n; i++)
			if (slots[i].st == SLOT_WAITING && slots[i].ready_at > now &&
			    slots[i].ready_at < next)
				next = slots[i].ready_at;
		if (done >= n)
			break;
		wait = next == INT64_MAX ? 1000 : next - now;
		if (wait < 0)
			wait = 0;
		if (inflight && wait > 1000)
			wait = 1000;
		if (c->tr->wait(c->tr->ud, wait) < 0) {
			rc = ecsctl_error_set(err, ECSCTL_ENET, "http transport failed");
			break;
		}
		for (i = 0; i < n; i++) {
			struct slot *s = &slots[i];

			if (s->st != SLOT_FLIGHT || !s->x.finished)
				continue;
			/* a miscount would stall the loop or overrun max_concurrency */
			assert(inflight > 0);
			inflight--;
			finish_attempt(c, s);
			if (s->st == SLOT_DONE)
				done++;
		}
		assert(done <= n);
	}
	for (i = 0; i < n; i++) {
		struct slot *s = &slots[i];

		if (s->st == SLOT_FLIGHT) {
			c->tr->cancel(c->tr->ud, &s->x);
			ecsctl_error_set(&s->call->error, ECSCTL_ENET, "%s: abandoned",
			                 s->call->operation);
		}
		slot_free_attempt(s);
		ecsctl_error_release(&s->last);
		free(s->body);
	}
	free(slots);
	ecsctl_error_release(&cerr);
	if (rc)
		return rc;
	for (i = 0; i < n; i++) {
		if (!calls[i].error.code)
			continue;
		return ecsctl_error_copy(err, &calls[i].error);
	}
	return 0;
}

int ecsctl_ecs_call(json_t **out, struct ecsctl_ecs *c, const char *operation, json_t *request,
                    struct ecsctl_error *err)
{
	struct ecsctl_ecs_call call = {0};
	int rc;

	call.operation = operation;
	call.request = request;
	*out = NULL;
	rc = ecsctl_ecs_run(c, &call, 1, err);
	if (!rc) {
		*out = call.response;
		call.response = NULL;
	}
	ecsctl_ecs_call_release(&call);
	return rc;
}
