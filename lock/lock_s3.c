/*
 * The S3 lease, as Terraform's S3 backend locks with `use_lockfile`: one
 * object holding the lease record, written with conditional requests, so S3
 * decides who wins. PutObject with If-None-Match: * creates it only when
 * absent; If-Match: ETag replaces (renewal, takeover) or deletes it only when
 * it is still the version read. A failed condition is 412
 * PreconditionFailed (409 ConditionalRequestConflict while another
 * conditional write to the key is in flight: lost the race all the same).
 */
#include <stdlib.h>
#include <string.h>

#include "lock_int.h"
#include "banned.h"

/* <Code>...</Code> of an S3 error document. */
static const char *s3_code(const struct ecsctl_http_exchange *x, char *buf, size_t n)
{
	const char *b = x->resp_body.buf ? x->resp_body.buf : "";
	const char *s = strstr(b, "<Code>"), *e = s ? strstr(s, "</Code>") : NULL;

	if (s && e && (size_t)(e - s - 6) < n)
		snprintf(buf, n, "%.*s", (int)(e - s - 6), s + 6);
	else
		snprintf(buf, n, "%ld", x->status);
	return buf;
}

static int s3_fail(struct ecsctl_lock *l, const struct ecsctl_http_exchange *x, const char *op,
                   struct ecsctl_error *err)
{
	char code[128];

	s3_code(x, code, sizeof(code));
	if (x->status == 412 || x->status == 409)
		return ecsctl_error_set(err, ECSCTL_ELOCKED, "S3 %s %s: %s", op, l->where, code);
	if (x->status == 404)
		return ecsctl_error_set(err, ECSCTL_ENOTFOUND, "no lease is held on %s", l->where);
	ecsctl_error_set(err, ECSCTL_EAWS, "S3 %s %s: HTTP %ld %s", op, l->where, x->status, code);
	err->aws_code = strdup(code);
	err->http_status = (int)x->status;
	return err->code;
}

/* PUT the record under `cond` ("If-None-Match: *" or "If-Match: ETAG"). */
static int s3_put(struct ecsctl_lock *l, const struct ecsctl_lease *m, const char *cond,
                  char **version, struct ecsctl_error *err)
{
	struct ecsctl_http_exchange x;
	char *body = lock_lease_json(m);
	const char *hdr[2] = {"Content-Type: application/json", cond};
	int rc;

	*version = NULL;
	if (!body)
		return ecsctl_error_nomem(err);
	rc = lock_send(&x, l, "s3", "PUT", l->url, hdr, 2, body, s3_code, err);
	if (!rc && (x.status < 200 || x.status >= 300))
		rc = s3_fail(l, &x, "PutObject", err);
	else if (!rc && !(*version = ecsctl_http_header(&x, "ETag")))
		rc = ecsctl_error_set(err, ECSCTL_EIO, "S3 PutObject %s: no ETag in the answer",
		                      l->where);
	ecsctl_http_exchange_release(&x);
	free(body);
	return rc;
}

static int s3_create(struct ecsctl_lock *l, const struct ecsctl_lease *mine, char **version,
                     struct ecsctl_error *err)
{
	return s3_put(l, mine, "If-None-Match: *", version, err);
}

static int if_match(struct ecsctl_buf *b, const char *version)
{
	ecsctl_buf_addf(b, "If-Match: %s", version ? version : "\"\"");
	return ecsctl_buf_failed(b);
}

static int s3_replace(struct ecsctl_lock *l, const struct ecsctl_lease *old, const char *version,
                      const struct ecsctl_lease *mine, char **new_version, struct ecsctl_error *err)
{
	struct ecsctl_buf cond = ECSCTL_BUF_INIT;
	int rc;

	(void)old;
	*new_version = NULL;
	if (if_match(&cond, version))
		return ecsctl_error_nomem(err);
	rc = s3_put(l, mine, cond.buf, new_version, err);
	if (rc == ECSCTL_ENOTFOUND) { /* deleted meanwhile: not ours to recreate here */
		ecsctl_error_release(err);
		rc = ecsctl_error_set(err, ECSCTL_ELOCKED, "the lease on %s is gone", l->where);
	}
	ecsctl_buf_release(&cond);
	return rc;
}

static int s3_get(struct ecsctl_lock *l, struct ecsctl_lease *out, char **version,
                  struct ecsctl_error *err)
{
	struct ecsctl_http_exchange x;
	int rc;

	*version = NULL;
	memset(out, 0, sizeof(*out));
	rc = lock_send(&x, l, "s3", "GET", l->url, NULL, 0, NULL, s3_code, err);
	if (!rc && x.status != 200)
		rc = s3_fail(l, &x, "GetObject", err);
	else if (!rc &&
	         !(rc = lock_lease_parse(out, x.resp_body.buf ? x.resp_body.buf : "",
	                                 x.resp_body.len, err)) &&
	         !(*version = ecsctl_http_header(&x, "ETag"))) {
		ecsctl_lease_release(out);
		rc = ecsctl_error_set(err, ECSCTL_EIO, "S3 GetObject %s: no ETag", l->where);
	} else if (rc == ECSCTL_EIO) {
		ecsctl_error_wrap(err, "%s", l->where);
	}
	ecsctl_http_exchange_release(&x);
	return rc;
}

static int s3_remove(struct ecsctl_lock *l, const struct ecsctl_lease *old, const char *version,
                     struct ecsctl_error *err)
{
	struct ecsctl_http_exchange x;
	struct ecsctl_buf cond = ECSCTL_BUF_INIT;
	const char *hdr[1];
	int rc;

	(void)old;
	if (if_match(&cond, version))
		return ecsctl_error_nomem(err);
	hdr[0] = cond.buf;
	rc = lock_send(&x, l, "s3", "DELETE", l->url, hdr, 1, NULL, s3_code, err);
	if (!rc && (x.status < 200 || x.status >= 300))
		rc = s3_fail(l, &x, "DeleteObject", err);
	ecsctl_http_exchange_release(&x);
	ecsctl_buf_release(&cond);
	return rc;
}

const struct lock_backend lock_s3_backend = {s3_create, s3_get, s3_replace, s3_remove};
