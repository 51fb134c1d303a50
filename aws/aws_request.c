/*
 * One signed request to an AWS service other than ECS (the lease's DynamoDB
 * and S3): SigV4 over every header given, the credential chain the ECS
 * client uses, and the same retry classes (throttling and transient answers,
 * refused or reset connections), at most `max_attempts` attempts with full
 * jitter. The caller reads the status, headers and body of the last answer.
 */
#include <openssl/sha.h>
#include <stdlib.h>
#include <string.h>

#include "ecsctl/aws.h"
#include "ecsctl/sigv4.h"
#include "retry_int.h"
#include "banned.h"

#define MAX_HEADERS 16

static void hex_sha256(char out[65], const void *data, size_t n)
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	size_t i;

	SHA256(data, n, md);
	for (i = 0; i < sizeof(md); i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/* "/path" and "query" of a URL (the host was resolved by the caller). */
static void split_url(const char *url, struct ecsctl_buf *path, struct ecsctl_buf *query)
{
	const char *p = strstr(url, "://"), *q;

	p = p ? strchr(p + 3, '/') : NULL;
	if (!p)
		p = "/";
	q = strchr(p, '?');
	ecsctl_buf_add(path, p, q ? (size_t)(q - p) : strlen(p));
	if (q)
		ecsctl_buf_adds(query, q + 1);
}

static void wipe_lines(char **lines, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (lines[i])
			memset(lines[i], 0, strlen(lines[i]));
		free(lines[i]);
	}
}

static int attempt(struct ecsctl_http_exchange *x, const struct ecsctl_aws_signed *r,
                   const struct ecsctl_creds *cr, struct ecsctl_error *err)
{
	struct ecsctl_sigv4_header sh[MAX_HEADERS + 5];
	struct ecsctl_sigv4_request req = {0};
	struct ecsctl_buf path = ECSCTL_BUF_INIT, query = ECSCTL_BUF_INIT, auth = ECSCTL_BUF_INIT;
	char *lines[MAX_HEADERS + 6] = {0}, *names[MAX_HEADERS] = {0};
	char date[17], hash[65], *host = ecsctl_aws_url_host(r->url);
	size_t i, nsh = 0, nl = 0;
	int rc = 0;

	if (!host || r->nheaders > MAX_HEADERS)
		return host ? ecsctl_error_set(err, ECSCTL_EINVAL, "too many headers")
		            : ecsctl_error_nomem(err);
	ecsctl_sigv4_amz_date(date, r->tr->wall_ms(r->tr->ud) / 1000);
	hex_sha256(hash, r->body ? r->body : "", r->body_len);
	split_url(r->url, &path, &query);
	for (i = 0; i < r->nheaders; i++) {
		const char *colon = strchr(r->headers[i], ':');
		if (!colon ||
		    !(names[i] = strndup(r->headers[i], (size_t)(colon - r->headers[i])))) {
			rc = colon ? ecsctl_error_nomem(err)
			           : ecsctl_error_set(err, ECSCTL_EINVAL, "bad header line");
			goto done;
		}
		sh[nsh++] = (struct ecsctl_sigv4_header){names[i], colon + 1 + (colon[1] == ' ')};
	}
	sh[nsh++] = (struct ecsctl_sigv4_header){"host", host};
	sh[nsh++] = (struct ecsctl_sigv4_header){"x-amz-date", date};
	sh[nsh++] = (struct ecsctl_sigv4_header){"x-amz-content-sha256", hash};
	if (cr->session_token)
		sh[nsh++] = (struct ecsctl_sigv4_header){"x-amz-security-token", cr->session_token};
	req.method = r->method;
	req.path = path.buf;
	req.query = query.buf;
	req.headers = sh;
	req.nheaders = nsh;
	req.payload = r->body;
	req.payload_len = r->body_len;
	req.payload_hash = hash;
	if ((rc = ecsctl_sigv4_authorization(&auth, &req, date, r->region, r->service,
	                                     cr->access_key_id, cr->secret_access_key, err)))
		goto done;
	for (i = 0; i < nsh; i++) {
		struct ecsctl_buf line = ECSCTL_BUF_INIT;
		ecsctl_buf_addf(&line, "%s: %s", sh[i].name, sh[i].value);
		if (!(lines[nl++] = ecsctl_buf_detach(&line))) {
			rc = ecsctl_error_nomem(err);
			goto done;
		}
	}
	{
		struct ecsctl_buf line = ECSCTL_BUF_INIT;
		ecsctl_buf_addf(&line, "Authorization: %s", auth.buf);
		if (!(lines[nl++] = ecsctl_buf_detach(&line))) {
			rc = ecsctl_error_nomem(err);
			goto done;
		}
	}
	memset(x, 0, sizeof(*x));
	x->method = r->method;
	x->url = r->url;
	x->headers = (const char *const *)lines;
	x->nheaders = nl;
	x->body = r->body;
	x->body_len = r->body_len;
	x->timeout_ms = r->timeout_ms;
	/* a conditional write answered into a dead kept-alive connection must
	 * not be resent by libcurl behind our back */
	x->fresh_connect = 1;
	rc = ecsctl_http_run(r->tr, x, err);
done:
	wipe_lines(lines, nl);
	for (i = 0; i < r->nheaders; i++)
		free(names[i]);
	if (auth.alloc)
		memset(auth.buf, 0, auth.len);
	ecsctl_buf_release(&auth);
	ecsctl_buf_release(&path);
	ecsctl_buf_release(&query);
	free(host);
	return rc;
}

/* An answer worth another try: throttled, or the service's own trouble. */
static bool retryable(const struct ecsctl_http_exchange *x, const char *code)
{
	if (x->net != ECSCTL_HTTP_OK)
		return x->net == ECSCTL_HTTP_CONNECT || x->net == ECSCTL_HTTP_RESET ||
		       x->net == ECSCTL_HTTP_TIMEOUT;
	if (x->status < 400)
		return false;
	return ecsctl_aws_is_throttling(code ? code : "", x->status) ||
	       ecsctl_aws_is_transient(code ? code : "", x->status);
}

int ecsctl_aws_send(struct ecsctl_http_exchange *out, const struct ecsctl_aws_signed *r,
                    const char *(*error_code)(const struct ecsctl_http_exchange *x, char *buf,
                                              size_t n),
                    struct ecsctl_error *err)
{
	int max = r->max_attempts > 0 ? r->max_attempts : 3, n;
	uint64_t rng = (uint64_t)r->tr->now_ms(r->tr->ud) ^ (uint64_t)(uintptr_t)out;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	for (n = 1;; n++) {
		const struct ecsctl_creds *cr = NULL;
		char code[128] = "";
		ecsctl_error_release(err);
		ecsctl_http_exchange_release(out);
		if ((rc = ecsctl_creds_get(&cr, r->creds, err)))
			return rc;
		rc = attempt(out, r, cr, err);
		if (rc && out->net == ECSCTL_HTTP_OK && !out->finished)
			return rc;
		if (!rc && error_code && out->status >= 400)
			error_code(out, code, sizeof(code));
		if (n >= max || !retryable(out, code))
			return rc;
		r->tr->sleep_ms(r->tr->ud, retry_backoff_ms(n, 100, 2000, &rng));
	}
}
