/* Task definitions: Register, Describe, List, ListFamilies, Deregister. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_int.h"
#include "banned.h"

/* Members of the request that become members of the TaskDefinition as sent. */
static const char *const copied[] = {"family",
                                     "taskRoleArn",
                                     "executionRoleArn",
                                     "networkMode",
                                     "containerDefinitions",
                                     "volumes",
                                     "placementConstraints",
                                     "requiresCompatibilities",
                                     "cpu",
                                     "memory",
                                     "pidMode",
                                     "ipcMode",
                                     "proxyConfiguration",
                                     "inferenceAccelerators",
                                     "ephemeralStorage",
                                     "runtimePlatform",
                                     "enableFaultInjection",
                                     NULL};

static int has_tags_include(const json_t *req)
{
	json_t *v;
	size_t i;

	json_array_foreach(json_object_get(req, "include"), i, v) {
		if (strcmp(json_string_value(v), "TAGS") == 0)
			return 1;
	}
	return 0;
}

int sim_op_register_task_definition(struct sim_store *s, json_t *req, json_t **resp,
                                    struct ecsctl_error *err)
{
	const char *family = sim_str(req, "family");
	json_t *td = json_object(), *fam, *revs;
	char *arn = NULL, key[32], by[64];
	long long rev;
	int rc = 0;

	if (!td)
		return ecsctl_error_nomem(err);
	if (!family || !sim_valid_name(family)) {
		rc = sim_fail(err, "ClientException",
		              "Family contains invalid characters or is longer than 255.");
		goto done;
	}
	for (const char *const *k = copied; *k; k++) {
		json_t *v = json_object_get(req, *k);
		if (v)
			json_object_set_new(td, *k, json_deep_copy(v));
	}
	if ((rc = sim_taskdef_fill(td, err)) ||
	    (rc = sim_tags_apply(td, json_object_get(req, "tags"), err)))
		goto done;
	fam = json_object_get(s->families, family);
	if ((rc = sim_quota_new_revision(s, sim_int(fam, "last", 0), err)))
		goto done;
	if (!fam) {
		fam = json_pack("{s:i,s:{}}", "last", 0, "revs");
		json_object_set_new(s->families, family, fam);
	}
	revs = json_object_get(fam, "revs");
	/* revisions only grow, even after deregistrations */
	rev = sim_int(fam, "last", 0) + 1;
	json_object_set_new(fam, "last", json_integer(rev));
	arn = sim_arn(s, "task-definition/%s:%lld", family, rev);
	snprintf(by, sizeof(by), "arn:aws:iam::%s:root", s->account);
	json_object_set_new(td, "taskDefinitionArn", json_string(arn));
	json_object_set_new(td, "revision", json_integer(rev));
	json_object_set_new(td, "status", json_string("ACTIVE"));
	json_object_set_new(td, "registeredAt", sim_time(sim_store_now(s)));
	json_object_set_new(td, "registeredBy", json_string(by));
	snprintf(key, sizeof(key), "%lld", rev);
	json_object_set(revs, key, td);
	*resp = json_pack("{s:o,s:o}", "taskDefinition", sim_public(td), "tags", sim_tags_list(td));
done:
	free(arn);
	json_decref(td);
	return rc;
}

int sim_op_describe_task_definition(struct sim_store *s, json_t *req, json_t **resp,
                                    struct ecsctl_error *err)
{
	json_t *td = sim_taskdef_find(s, sim_str(req, "taskDefinition"), 1);

	if (!td)
		return sim_fail(err, "ClientException", "Unable to describe task definition.");
	*resp = json_pack("{s:o}", "taskDefinition", sim_public(td));
	if (has_tags_include(req))
		json_object_set_new(*resp, "tags", sim_tags_list(td));
	return 0;
}

int sim_op_deregister_task_definition(struct sim_store *s, json_t *req, json_t **resp,
                                      struct ecsctl_error *err)
{
	const char *ref = sim_str(req, "taskDefinition");
	const char *tail = ref && strncmp(ref, "arn:", 4) == 0 ? strrchr(ref, '/') : ref;
	json_t *td;

	if (!tail || !strchr(tail, ':'))
		return sim_fail(err, "ClientException",
		                "The specified task definition identifier is invalid. Specify a "
		                "valid revision.");
	td = sim_taskdef_find(s, ref, 0);
	if (!td)
		return sim_fail(err, "ClientException",
		                "The specified task definition does not exist.");
	if (strcmp(sim_str(td, "status"), "ACTIVE") == 0) {
		json_object_set_new(td, "status", json_string("INACTIVE"));
		json_object_set_new(td, "deregisteredAt", sim_time(sim_store_now(s)));
	}
	*resp = json_pack("{s:o}", "taskDefinition", sim_public(td));
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Family names in byte order (jansson keeps insertion order). */
static const char **sorted_families(struct sim_store *s, size_t *n)
{
	const char **names = calloc(json_object_size(s->families) + 1, sizeof(*names));
	const char *k;
	json_t *v;

	*n = 0;
	if (!names)
		return NULL;
	json_object_foreach(s->families, k, v) {
		names[(*n)++] = k;
	}
	qsort(names, *n, sizeof(*names), cmp_str);
	return names;
}

/* *resp = {key: the page of `all` after the token, "nextToken"}; `all` is
 * consumed. */
static int page_array(json_t **resp, const char *key, json_t *all, const json_t *req,
                      struct ecsctl_error *err)
{
	int max = sim_max_results(req, 100, err);
	const char *token = sim_str(req, "nextToken");
	size_t start = 0, i;
	json_t *page = json_array(), *out = json_object();

	if (max < 0 || !page || !out) {
		json_decref(page);
		json_decref(out);
		json_decref(all);
		return max < 0 ? ECSCTL_EAWS : ecsctl_error_nomem(err);
	}
	if (token) {
		char *last = sim_token_decode(token);
		for (i = 0; last && i < json_array_size(all); i++) {
			if (strcmp(json_string_value(json_array_get(all, i)), last) == 0)
				break;
		}
		if (!last || i == json_array_size(all)) {
			free(last);
			json_decref(all);
			json_decref(page);
			json_decref(out);
			return sim_fail(err, "InvalidParameterException", "Invalid token %s",
			                token);
		}
		free(last);
		start = i + 1;
	}
	for (i = start; i < json_array_size(all) && (int)(i - start) < max; i++)
		json_array_append(page, json_array_get(all, i));
	if (i < json_array_size(all)) {
		char *t = sim_token_encode(json_string_value(json_array_get(all, i - 1)));
		json_object_set_new(out, "nextToken", json_string(t));
		free(t);
	}
	json_object_set_new(out, key, page);
	json_decref(all);
	*resp = out;
	return 0;
}

int sim_op_list_task_definitions(struct sim_store *s, json_t *req, json_t **resp,
                                 struct ecsctl_error *err)
{
	const char *prefix = sim_str(req, "familyPrefix");
	const char *status = sim_str(req, "status") ? sim_str(req, "status") : "ACTIVE";
	const char *sort = sim_str(req, "sort") ? sim_str(req, "sort") : "ASC";
	int desc = strcmp(sort, "DESC") == 0;
	size_t n = 0, i;
	/* familyPrefix names one family: no need to sort them all (ecsctl asks
	 * this once per family) */
	const char **names = prefix ? calloc(2, sizeof(*names)) : sorted_families(s, &n);
	json_t *all = json_array();

	if (!names || !all) {
		free(names);
		json_decref(all);
		return ecsctl_error_nomem(err);
	}
	if (prefix && json_object_get(s->families, prefix)) {
		names[0] = prefix;
		n = 1;
	}
	for (i = 0; i < n; i++) {
		const char *f = names[desc ? n - 1 - i : i];
		json_t *fam = json_object_get(s->families, f);
		long long last = sim_int(fam, "last", 0), r;
		for (r = desc ? last : 1; desc ? r >= 1 : r <= last; r += desc ? -1 : 1) {
			char key[32];
			json_t *td;
			snprintf(key, sizeof(key), "%lld", r);
			td = json_object_get(json_object_get(fam, "revs"), key);
			if (td && strcmp(sim_str(td, "status"), status) == 0)
				json_array_append(all, json_object_get(td, "taskDefinitionArn"));
		}
	}
	free(names);
	return page_array(resp, "taskDefinitionArns", all, req, err);
}

int sim_op_list_task_definition_families(struct sim_store *s, json_t *req, json_t **resp,
                                         struct ecsctl_error *err)
{
	const char *prefix = sim_str(req, "familyPrefix");
	const char *status = sim_str(req, "status") ? sim_str(req, "status") : "ALL";
	size_t n = 0, i;
	const char **names = sorted_families(s, &n);
	json_t *all = json_array();

	if (!names || !all) {
		free(names);
		json_decref(all);
		return ecsctl_error_nomem(err);
	}
	for (i = 0; i < n; i++) {
		json_t *fam = json_object_get(s->families, names[i]), *td;
		const char *k;
		int active = 0;
		if (prefix && strncmp(prefix, names[i], strlen(prefix)) != 0)
			continue;
		json_object_foreach(json_object_get(fam, "revs"), k, td) {
			active |= strcmp(sim_str(td, "status"), "ACTIVE") == 0;
		}
		if (strcmp(status, "ALL") == 0 || (strcmp(status, "ACTIVE") == 0) == active)
			json_array_append_new(all, json_string(names[i]));
	}
	free(names);
	return page_array(resp, "families", all, req, err);
}
