/* Tags on clusters, services, task definitions and tasks; TagResource & co. */
#include <stdio.h>
#include <string.h>

#include "sim_int.h"
#include "banned.h"

#define MAX_TAGS 50

static int valid_tag_text(const char *s, size_t min, size_t max)
{
	size_t n = 0;
	const unsigned char *p;

	/* length in characters, not bytes (UTF-8 continuation bytes do not count) */
	for (p = (const unsigned char *)s; *p; p++) {
		if ((*p & 0xc0) != 0x80)
			n++;
		if (*p < 0x80 && !((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		                   (*p >= '0' && *p <= '9') || strchr(" _.:/=+-@", *p)))
			return 0;
	}
	return n >= min && n <= max;
}

int sim_tags_apply(json_t *resource, const json_t *tags, struct ecsctl_error *err)
{
	json_t *have = json_object_get(resource, "_tags"), *merged, *t;
	size_t i;

	if (!tags)
		return 0;
	merged = have ? json_copy(have) : json_object();
	if (!merged)
		return ECSCTL_ENOMEM;
	json_array_foreach((json_t *)tags, i, t) {
		const char *key = sim_str(t, "key");
		const char *value = sim_str(t, "value");
		if (!key || !valid_tag_text(key, 1, 128) ||
		    (value && !valid_tag_text(value, 0, 256))) {
			json_decref(merged);
			return sim_fail(err, "InvalidParameterException",
			                "The specified tags are not valid.");
		}
		if (strncasecmp(key, "aws:", 4) == 0) {
			json_decref(merged);
			return sim_fail(
			    err, "InvalidParameterException",
			    "Tag keys with the prefix 'aws:' are reserved for AWS use.");
		}
		json_object_set_new(merged, key, json_string(value ? value : ""));
	}
	if (json_object_size(merged) > MAX_TAGS) {
		json_decref(merged);
		return sim_fail(err, "InvalidParameterException",
		                "The number of tags exceeds the limit of %d per resource.",
		                MAX_TAGS);
	}
	json_object_set_new(resource, "_tags", merged);
	return 0;
}

json_t *sim_tags_list(const json_t *resource)
{
	json_t *out = json_array(), *v;
	const char *k;

	json_object_foreach(json_object_get(resource, "_tags"), k, v) {
		json_array_append_new(out, json_pack("{s:s,s:O}", "key", k, "value", v));
	}
	return out;
}

/* Finds the resource an ARN names. */
static json_t *resolve(struct sim_store *s, const char *arn, struct ecsctl_error *err)
{
	char prefix[128], kind[32], rest[600], cname[300];
	const char *p, *slash;
	json_t *cluster, *r = NULL;

	snprintf(prefix, sizeof(prefix), "arn:aws:ecs:%s:%s:", s->region, s->account);
	if (!arn || strncmp(arn, prefix, strlen(prefix)) != 0) {
		sim_fail(err, "InvalidParameterException", "Invalid identifier: %s",
		         arn ? arn : "null");
		return NULL;
	}
	p = arn + strlen(prefix);
	slash = strchr(p, '/');
	if (!slash || (size_t)(slash - p) >= sizeof(kind)) {
		sim_fail(err, "InvalidParameterException",
		         "Invalid identifier: Unexpected number of separators");
		return NULL;
	}
	snprintf(kind, sizeof(kind), "%.*s", (int)(slash - p), p);
	snprintf(rest, sizeof(rest), "%s", slash + 1);
	if (strcmp(kind, "task-definition") == 0) {
		r = sim_taskdef_find(s, arn, 0);
		if (!r || !strchr(rest, ':'))
			goto notfound;
		return r;
	}
	slash = strchr(rest, '/');
	snprintf(cname, sizeof(cname), "%.*s", (int)(slash ? slash - rest : (long)strlen(rest)),
	         rest);
	if (strcmp(kind, "cluster") == 0) {
		if (slash)
			goto notfound;
		return sim_cluster_get(s, cname, err);
	}
	cluster = sim_cluster_get(s, cname, err);
	if (!cluster)
		return NULL;
	if (!slash)
		goto notfound;
	if (strcmp(kind, "service") == 0) {
		r = sim_service_find(cluster, slash + 1);
	} else if (strcmp(kind, "task") == 0) {
		const char *svc = sim_str(json_object_get(cluster, "_index"), slash + 1);
		if (svc && *svc)
			r = json_object_get(
			    json_object_get(sim_service_find(cluster, svc), "_tasks"), slash + 1);
		else
			r = json_object_get(json_object_get(cluster, "_standalone"), slash + 1);
	}
	if (r)
		return r;
notfound:
	sim_fail(err, "ResourceNotFoundException", "The specified resource could not be found.");
	return NULL;
}

int sim_op_tag_resource(struct sim_store *s, json_t *req, json_t **resp, struct ecsctl_error *err)
{
	json_t *r = resolve(s, sim_str(req, "resourceArn"), err);
	json_t *tags = json_object_get(req, "tags");

	if (!r)
		return ECSCTL_EAWS;
	if (json_array_size(tags) == 0)
		return sim_fail(err, "InvalidParameterException", "Tags cannot be empty.");
	if (sim_tags_apply(r, tags, err))
		return err->code;
	*resp = json_object();
	return 0;
}

int sim_op_untag_resource(struct sim_store *s, json_t *req, json_t **resp, struct ecsctl_error *err)
{
	json_t *r = resolve(s, sim_str(req, "resourceArn"), err);
	json_t *keys = json_object_get(req, "tagKeys"), *k;
	size_t i;

	if (!r)
		return ECSCTL_EAWS;
	json_array_foreach(keys, i, k) {
		json_object_del(json_object_get(r, "_tags"), json_string_value(k));
	}
	*resp = json_object();
	return 0;
}

int sim_op_list_tags_for_resource(struct sim_store *s, json_t *req, json_t **resp,
                                  struct ecsctl_error *err)
{
	json_t *r = resolve(s, sim_str(req, "resourceArn"), err);

	if (!r)
		return ECSCTL_EAWS;
	*resp = json_pack("{s:o}", "tags", sim_tags_list(r));
	return 0;
}
