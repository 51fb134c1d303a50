/*
 * The DynamoDB lease, as Terraform's S3 backend kept its lock in DynamoDB:
 * one item per lock, {LockID (the table's partition key, a string): key},
 * written only with condition expressions, so the table decides who wins.
 * AWS JSON 1.0, X-Amz-Target DynamoDB_20120810.<Operation>.
 */
#include <stdlib.h>
#include <string.h>

#include "lock_int.h"
#include "banned.h"

#define TARGET "DynamoDB_20120810."

/* One call: 0 with `*out` (may be NULL), ECSCTL_ELOCKED for a failed
 * condition, else the engine's error (ECSCTL_EAWS naming the code). */
static int ddb_call(json_t **out, struct ecsctl_lock *l, const char *op, json_t *req,
                    struct ecsctl_error *err)
{
	struct ecsctl_aws_target to;
	struct ecsctl_ecs_call call;
	struct ecsctl_buf target = ECSCTL_BUF_INIT;
	char *body = json_dumps(req, JSON_COMPACT);
	int rc;

	if (out)
		*out = NULL;
	json_decref(req);
	ecsctl_buf_addf(&target, TARGET "%s", op);
	if (!body || ecsctl_buf_failed(&target)) {
		free(body);
		ecsctl_buf_release(&target);
		return ecsctl_error_nomem(err);
	}
	memset(&to, 0, sizeof(to));
	to.service = "dynamodb";
	to.url = l->url;
	to.region = l->region;
	to.target = target.buf;
	to.content_type = "application/x-amz-json-1.0";
	to.body = body;
	rc = lock_call(&call, l, op, &to, err);
	if (rc && err->aws_code && !strcmp(err->aws_code, "ConditionalCheckFailedException")) {
		ecsctl_error_release(err);
		rc = ecsctl_error_set(err, ECSCTL_ELOCKED, "DynamoDB %s: the condition failed", op);
	} else if (rc) {
		ecsctl_error_wrap(err, "lock table %s", l->cfg.table);
	} else if (out) {
		*out = json_incref(call.response);
	}
	ecsctl_ecs_call_release(&call);
	free(body);
	ecsctl_buf_release(&target);
	return rc;
}

static json_t *num(int64_t v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%lld", (long long)v);
	return json_pack("{s:s}", "N", buf);
}

static json_t *item(const struct ecsctl_lock *l, const struct ecsctl_lease *m)
{
	return json_pack("{s:{s:s},s:{s:s},s:{s:s},s:{s:s},s:o,s:o}", "LockID", "S", l->cfg.key,
	                 "LeaseID", "S", m->id, "Holder", "S", m->holder, "Commit", "S", m->commit,
	                 "Started", num(m->started_ms), "Expires", num(m->expires_ms));
}

static int ddb_create(struct ecsctl_lock *l, const struct ecsctl_lease *mine, char **version,
                      struct ecsctl_error *err)
{
	*version = NULL;
	return ddb_call(NULL, l, "PutItem",
	                json_pack("{s:s,s:o,s:s}", "TableName", l->cfg.table, "Item", item(l, mine),
	                          "ConditionExpression", "attribute_not_exists(LockID)"),
	                err);
}

static const char *attr(const json_t *it, const char *name, const char *type)
{
	return json_string_value(json_object_get(json_object_get(it, name), type));
}

static int ddb_get(struct ecsctl_lock *l, struct ecsctl_lease *out, char **version,
                   struct ecsctl_error *err)
{
	json_t *resp = NULL, *it;
	int rc;

	*version = NULL;
	memset(out, 0, sizeof(*out));
	rc = ddb_call(&resp, l, "GetItem",
	              json_pack("{s:s,s:{s:{s:s}},s:b}", "TableName", l->cfg.table, "Key", "LockID",
	                        "S", l->cfg.key, "ConsistentRead", 1),
	              err);
	if (rc)
		return rc;
	it = json_object_get(resp, "Item");
	if (!it) {
		rc = ecsctl_error_set(err, ECSCTL_ENOTFOUND, "no lease is held on %s", l->where);
	} else if (!attr(it, "LeaseID", "S")) {
		rc = ecsctl_error_set(err, ECSCTL_EIO, "%s: the item is not an ecsctl lease",
		                      l->where);
	} else {
		out->id = strdup(attr(it, "LeaseID", "S"));
		out->holder = strdup(attr(it, "Holder", "S") ? attr(it, "Holder", "S") : "?");
		out->commit = strdup(attr(it, "Commit", "S") ? attr(it, "Commit", "S") : "");
		out->started_ms = attr(it, "Started", "N")
		                      ? strtoll(attr(it, "Started", "N"), NULL, 10)
		                      : 0;
		out->expires_ms = attr(it, "Expires", "N")
		                      ? strtoll(attr(it, "Expires", "N"), NULL, 10)
		                      : 0;
		if (!out->id || !out->holder || !out->commit) {
			ecsctl_lease_release(out);
			rc = ecsctl_error_nomem(err);
		}
	}
	json_decref(resp);
	return rc;
}

/* Only the lease read: same id and same expiry (a renewal moves it). */
static json_t *same_as(const struct ecsctl_lease *old)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%lld", (long long)old->expires_ms);
	return json_pack("{s:{s:s},s:{s:s}}", ":id", "S", old->id, ":exp", "N", buf);
}

/* Renewal: our own lease, only its expiry moves (UpdateItem); a takeover
 * writes the whole item (PutItem). Both only if the item is still `old`. */
static int ddb_replace(struct ecsctl_lock *l, const struct ecsctl_lease *old, const char *version,
                       const struct ecsctl_lease *mine, char **new_version,
                       struct ecsctl_error *err)
{
	json_t *values = same_as(old);

	(void)version;
	*new_version = NULL;
	if (!strcmp(old->id, mine->id)) {
		json_object_set_new(values, ":new", num(mine->expires_ms));
		return ddb_call(NULL, l, "UpdateItem",
		                json_pack("{s:s,s:{s:{s:s}},s:s,s:s,s:o}", "TableName",
		                          l->cfg.table, "Key", "LockID", "S", l->cfg.key,
		                          "UpdateExpression", "SET Expires = :new",
		                          "ConditionExpression", "LeaseID = :id AND Expires = :exp",
		                          "ExpressionAttributeValues", values),
		                err);
	}
	return ddb_call(NULL, l, "PutItem",
	                json_pack("{s:s,s:o,s:s,s:o}", "TableName", l->cfg.table, "Item",
	                          item(l, mine), "ConditionExpression",
	                          "LeaseID = :id AND Expires = :exp", "ExpressionAttributeValues",
	                          values),
	                err);
}

static int ddb_remove(struct ecsctl_lock *l, const struct ecsctl_lease *old, const char *version,
                      struct ecsctl_error *err)
{
	(void)version;
	return ddb_call(NULL, l, "DeleteItem",
	                json_pack("{s:s,s:{s:{s:s}},s:s,s:{s:{s:s}}}", "TableName", l->cfg.table,
	                          "Key", "LockID", "S", l->cfg.key, "ConditionExpression",
	                          "LeaseID = :id", "ExpressionAttributeValues", ":id", "S",
	                          old->id),
	                err);
}

const struct lock_backend lock_dynamodb_backend = {ddb_create, ddb_get, ddb_replace, ddb_remove};
