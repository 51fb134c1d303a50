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

/* One call to the lease's object: 0 (`*version` gets the answer's ETag
 * when asked), ECSCTL_ELOCKED for a failed condition (412, or 409 while
 * another conditional write is in flight), ECSCTL_ENOTFOUND for 404, else
 * the engine's error. */
static int s3_call(struct ecsctl_lock *l, const char *op, const char *method, const char *cond,
                   const char *body, char **version, struct ecsctl_lease *read,
                   struct ecsctl_error *err)
{
	struct ecsctl_aws_target to;
	struct ecsctl_ecs_call call;
	int rc;

	memset(&to, 0, sizeof(to));
	to.service = "s3";
	to.url = l->url;
	to.region = l->region;
	to.method = method;
	to.content_type = body ? "application/json" : NULL;
	to.body = body;
	to.headers = &cond;
	to.nheaders = cond ? 1 : 0;
	rc = lock_call(&call, l, op, &to, err);
	if (rc && (err->http_status == 412 || err->http_status == 409)) {
		ecsctl_error_release(err);
		rc = ecsctl_error_set(err, ECSCTL_ELOCKED, "S3 %s %s: the condition failed", op,
		                      l->where);
	} else if (rc && err->http_status == 404) {
		ecsctl_error_release(err);
		rc = ecsctl_error_set(err, ECSCTL_ENOTFOUND, "no lease is held on %s", l->where);
	} else if (rc) {
		ecsctl_error_wrap(err, "lock object %s", l->where);
	} else if (read && (rc = lock_lease_parse(read, call.answer ? call.answer : "",
	                                          call.answer_len, err))) {
		ecsctl_error_wrap(err, "%s", l->where);
	} else if (version && !(*version = call.etag ? strdup(call.etag) : NULL)) {
		if (read)
			ecsctl_lease_release(read);
		rc = ecsctl_error_set(err, ECSCTL_EIO, "S3 %s %s: no ETag in the answer", op,
		                      l->where);
	}
	ecsctl_ecs_call_release(&call);
	return rc;
}

/* PUT the record under `cond` ("If-None-Match: *" or "If-Match: ETAG"). */
static int s3_put(struct ecsctl_lock *l, const struct ecsctl_lease *m, const char *cond,
                  char **version, struct ecsctl_error *err)
{
	char *body = lock_lease_json(m);
	int rc;

	*version = NULL;
	if (!body)
		return ecsctl_error_nomem(err);
	rc = s3_call(l, "PutObject", "PUT", cond, body, version, NULL, err);
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
	*version = NULL;
	memset(out, 0, sizeof(*out));
	return s3_call(l, "GetObject", "GET", NULL, NULL, version, out, err);
}

static int s3_remove(struct ecsctl_lock *l, const struct ecsctl_lease *old, const char *version,
                     struct ecsctl_error *err)
{
	struct ecsctl_buf cond = ECSCTL_BUF_INIT;
	int rc;

	(void)old;
	if (if_match(&cond, version))
		return ecsctl_error_nomem(err);
	rc = s3_call(l, "DeleteObject", "DELETE", cond.buf, NULL, NULL, NULL, err);
	ecsctl_buf_release(&cond);
	return rc;
}

const struct lock_backend lock_s3_backend = {s3_create, s3_get, s3_replace, s3_remove};
