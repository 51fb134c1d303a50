/*
 * Attributes of container instances: PutAttributes, DeleteAttributes,
 * ListAttributes (targetType container-instance, the only one ECS has).
 * They live in the instance's `attributes`, next to the agent's, so memberOf
 * constraints and ListContainerInstances filters see them.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_ec2.h"
#include "banned.h"

#define CUSTOM_MAX 10 /* custom attributes per resource */

static int valid_name(const char *n)
{
	size_t len = n ? strlen(n) : 0, i;

	if (len < 1 || len > 128)
		return 0;
	for (i = 0; i < len; i++)
		if (!isalnum((unsigned char)n[i]) && !strchr("-_/\\.", n[i]))
			return 0;
	return 1;
}

static int valid_value(const char *v)
{
	size_t len = strlen(v), i;

	if (len > 128 ||
	    (len && (isspace((unsigned char)v[0]) || isspace((unsigned char)v[len - 1]))))
		return 0;
	for (i = 0; i < len; i++)
		if (!isalnum((unsigned char)v[i]) && !strchr("-_.@/\\: ", v[i]))
			return 0;
	return 1;
}

/* Attributes the agent and ECS set are not counted against the limit. */
static int custom(const char *name)
{
	return strncmp(name, "ecs.", 4) != 0 && strncmp(name, "com.amazonaws.ecs.", 18) != 0;
}

static json_t *target(json_t *cluster, const json_t *a, struct ecsctl_error *err)
{
	const char *type = sim_str(a, "targetType"), *id = sim_str(a, "targetId");
	json_t *inst;

	if (type && strcmp(type, "container-instance") != 0) {
		sim_fail(err, "InvalidParameterException",
		         "targetType must be container-instance.");
		return NULL;
	}
	if (!id) {
		sim_fail(err, "InvalidParameterException",
		         "A targetId is required for attribute '%s'.", sim_str(a, "name"));
		return NULL;
	}
	inst = sim_instance_find(cluster, id);
	if (!inst || strcmp(sim_str(inst, "status"), "INACTIVE") == 0) {
		sim_fail(err, "TargetNotFoundException", "Could not find the target '%s'.", id);
		return NULL;
	}
	return inst;
}

/* The attribute as answered: name, value, targetType, targetId (full ARN). */
static json_t *answer(const json_t *a, const json_t *inst)
{
	json_t *out = json_pack("{s:s,s:s,s:O}", "name", sim_str(a, "name"), "targetType",
	                        "container-instance", "targetId",
	                        json_object_get(inst, "containerInstanceArn"));

	if (sim_str(a, "value"))
		json_object_set(out, "value", json_object_get(a, "value"));
	return out;
}

static int checks(json_t *cluster, json_t *attrs, int put, struct ecsctl_error *err)
{
	json_t *a;
	size_t i;

	if (json_array_size(attrs) == 0 || json_array_size(attrs) > 10)
		return sim_fail(err, "InvalidParameterException",
		                "attributes must have 1 to 10 items.");
	json_array_foreach(attrs, i, a) {
		if (!valid_name(sim_str(a, "name")))
			return sim_fail(
			    err, "InvalidParameterException",
			    "Attribute name '%s' must be 1-128 letters, numbers, hyphens, "
			    "underscores, slashes, backslashes or periods.",
			    sim_str(a, "name") ? sim_str(a, "name") : "");
		if (put && sim_str(a, "value") && !valid_value(sim_str(a, "value")))
			return sim_fail(
			    err, "InvalidParameterException",
			    "Attribute value of '%s' must be up to 128 letters, numbers, "
			    "hyphens, underscores, periods, at signs, slashes, backslashes, "
			    "colons or spaces, not starting or ending with a space.",
			    sim_str(a, "name"));
		if (!target(cluster, a, err))
			return ECSCTL_EAWS;
	}
	return 0;
}

/* The cluster of a Put/DeleteAttributes request whose attributes all pass. */
static json_t *checked(struct sim_store *s, json_t *req, int put, struct ecsctl_error *err)
{
	json_t *cluster = sim_cluster_get(s, sim_str(req, "cluster"), err);

	if (!cluster || checks(cluster, json_object_get(req, "attributes"), put, err))
		return NULL;
	return cluster;
}

int sim_op_put_attributes(struct sim_store *s, json_t *req, json_t **resp, struct ecsctl_error *err)
{
	json_t *cluster = checked(s, req, 1, err);
	json_t *attrs = json_object_get(req, "attributes"), *a, *out;
	size_t i;

	if (!cluster)
		return ECSCTL_EAWS;
	/* the limit is checked for the whole request before anything changes */
	json_array_foreach(attrs, i, a) {
		json_t *inst = target(cluster, a, err), *have = json_object_get(inst, "attributes"),
		       *h;
		size_t j;
		int n = 0;
		json_array_foreach(have, j, h) {
			n += custom(sim_str(h, "name"));
		}
		if (custom(sim_str(a, "name")) && sim_find_named(have, sim_str(a, "name")) < 0 &&
		    n + 1 > CUSTOM_MAX)
			return sim_fail(err, "AttributeLimitExceededException",
			                "You can apply up to %d custom attributes per resource.",
			                CUSTOM_MAX);
	}
	out = json_array();
	json_array_foreach(attrs, i, a) {
		json_t *inst = target(cluster, a, err), *have = json_object_get(inst, "attributes");
		int at = sim_find_named(have, sim_str(a, "name"));
		json_t *v = json_pack("{s:s}", "name", sim_str(a, "name"));
		if (sim_str(a, "value"))
			json_object_set(v, "value", json_object_get(a, "value"));
		if (at >= 0)
			json_array_set_new(have, (size_t)at, v);
		else
			json_array_append_new(have, v);
		json_object_set_new(inst, "version", json_integer(sim_int(inst, "version", 1) + 1));
		json_array_append_new(out, answer(a, inst));
	}
	sim_instances_changed(s, cluster); /* memberOf may hold elsewhere now */
	*resp = json_pack("{s:o}", "attributes", out);
	return 0;
}

int sim_op_delete_attributes(struct sim_store *s, json_t *req, json_t **resp,
                             struct ecsctl_error *err)
{
	json_t *cluster = checked(s, req, 0, err);
	json_t *attrs = json_object_get(req, "attributes"), *a, *out;
	size_t i;

	if (!cluster)
		return ECSCTL_EAWS;
	out = json_array();
	json_array_foreach(attrs, i, a) {
		json_t *inst = target(cluster, a, err), *have = json_object_get(inst, "attributes");
		int at = sim_find_named(have, sim_str(a, "name"));
		if (at >= 0) {
			json_array_remove(have, (size_t)at);
			json_object_set_new(inst, "version",
			                    json_integer(sim_int(inst, "version", 1) + 1));
		}
		json_array_append_new(out, answer(a, inst));
	}
	sim_instances_changed(s, cluster); /* memberOf may hold elsewhere now */
	*resp = json_pack("{s:o}", "attributes", out);
	return 0;
}

static int list_item(const char *key, json_t *v, void *arg, json_t **out)
{
	(void)key;
	(void)arg;
	*out = json_incref(v);
	return 1;
}

int sim_op_list_attributes(struct sim_store *s, json_t *req, json_t **resp,
                           struct ecsctl_error *err)
{
	json_t *cluster = sim_cluster_get(s, sim_str(req, "cluster"), err);
	const char *name = sim_str(req, "attributeName"), *value = sim_str(req, "attributeValue");
	json_t *all = NULL, *out = NULL, *inst, *a;
	const char *id;
	size_t i;
	int rc;

	if (!cluster)
		return ECSCTL_EAWS;
	if (strcmp(sim_str(req, "targetType"), "container-instance") != 0)
		return sim_fail(err, "InvalidParameterException",
		                "targetType must be container-instance.");
	if (value && !name)
		return sim_fail(err, "InvalidParameterException",
		                "attributeValue can only be given with attributeName.");
	/* every (instance, attribute) pair in a stable order, keyed for tokens */
	all = json_object();
	json_object_foreach(json_object_get(cluster, "_instances"), id, inst) {
		if (strcmp(sim_str(inst, "status"), "INACTIVE") == 0)
			continue;
		json_array_foreach(json_object_get(inst, "attributes"), i, a) {
			char key[400];
			const char *v = sim_str(a, "value");
			if (name && strcmp(name, sim_str(a, "name")) != 0)
				continue;
			if (value && (!v || strcmp(value, v) != 0))
				continue;
			snprintf(key, sizeof(key), "%s/%s", id, sim_str(a, "name"));
			json_object_set_new(all, key, answer(a, inst));
		}
	}
	out = json_object();
	rc = sim_page(out, "attributes", all, req, 100, list_item, NULL, err);
	json_decref(all);
	if (rc) {
		json_decref(out);
		return rc;
	}
	*resp = out;
	return 0;
}
