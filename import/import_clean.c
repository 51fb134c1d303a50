/* Live resources to clean desired documents (see import.h). */
#include <string.h>
#include <strings.h>

#include "ecsctl/diff.h"
#include "ecsctl/import.h"
#include "ecsctl/schema.h"
#include "ecsctl/tags.h"
#include "banned.h"

static bool own_tag(const char *key)
{
	return !key || !strncmp(key, ECSCTL_TAG_PREFIX, strlen(ECSCTL_TAG_PREFIX)) ||
	       !strncasecmp(key, "aws:", 4);
}

static json_t *user_tags(const json_t *tags)
{
	json_t *out = json_array(), *t;
	size_t i;

	json_array_foreach(tags, i, t)
		if (!own_tag(json_string_value(json_object_get(t, "key"))))
			json_array_append(out, t);
	return out;
}

static bool is_str(const json_t *o, const char *k, const char *want)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s && !strcmp(s, want);
}

static bool is_int(const json_t *o, const char *k, json_int_t want)
{
	const json_t *v = json_object_get(o, k);

	return json_is_integer(v) && json_integer_value(v) == want;
}

/* The members `op`'s input takes, in the model's order, `kind` first. */
static json_t *pick(const char *kind, const char *op, const json_t *live)
{
	const struct ecsctl_schema_shape *in = ecsctl_schema_input(op);
	json_t *out = json_pack("{s:s}", "kind", kind);
	unsigned i;

	for (i = 0; out && in && i < in->nmembers; i++) {
		const char *name = in->members[i].name;
		json_t *v = json_object_get(live, name);

		if (v && !(in->members[i].flags & ECSCTL_SCHEMA_IDEMPOTENCY_TOKEN))
			json_object_set_new(out, name, json_deep_copy(v));
	}
	return out;
}

json_t *ecsctl_import_cluster(const json_t *live)
{
	json_t *out = pick("Cluster", "CreateCluster", live), *settings, *s;
	size_t i;

	if (!out)
		return NULL;
	json_object_set_new(out, "tags", user_tags(json_object_get(live, "tags")));
	/* "disabled" is what a cluster created without settings reads back */
	settings = json_object_get(out, "settings");
	for (i = json_array_size(settings); i-- > 0;) {
		s = json_array_get(settings, i);
		if (is_str(s, "value", "disabled"))
			json_array_remove(settings, i);
	}
	ecsctl_diff_drop_empty(out);
	return out;
}

static void clean_container(json_t *c, const char *network_mode)
{
	json_t *pm;
	size_t i;

	if (json_is_true(json_object_get(c, "essential")))
		json_object_del(c, "essential");
	if (is_int(c, "cpu", 0))
		json_object_del(c, "cpu");
	json_array_foreach(json_object_get(c, "portMappings"), i, pm) {
		if (is_str(pm, "protocol", "tcp"))
			json_object_del(pm, "protocol");
		/* bridge mode: 0 is "a dynamic port", what ECS reads back when none is set */
		if (network_mode && !strcmp(network_mode, "bridge") && is_int(pm, "hostPort", 0))
			json_object_del(pm, "hostPort");
		/* awsvpc and host mode: ECS copies containerPort into hostPort */
		if (network_mode &&
		    (!strcmp(network_mode, "awsvpc") || !strcmp(network_mode, "host")) &&
		    json_equal(json_object_get(pm, "hostPort"),
		               json_object_get(pm, "containerPort")))
			json_object_del(pm, "hostPort");
	}
}

json_t *ecsctl_import_taskdef(const json_t *live, const json_t *tags)
{
	json_t *out = pick("TaskDefinition", "RegisterTaskDefinition", live), *c, *ut;
	const char *mode = json_string_value(json_object_get(live, "networkMode"));
	size_t i;

	if (!out)
		return NULL;
	json_array_foreach(json_object_get(out, "containerDefinitions"), i, c)
		clean_container(c, mode);
	ut = user_tags(tags);
	if (ut)
		json_object_set_new(out, "tags", ut);
	ecsctl_diff_drop_empty(out);
	return out;
}

/* Removes `k` from `o` when it holds `v` (compared as JSON). */
static void drop_if(json_t *o, const char *k, json_t *v)
{
	if (v && json_equal(json_object_get(o, k), v))
		json_object_del(o, k);
	json_decref(v);
}

json_t *ecsctl_import_service(const json_t *live, const char *family)
{
	json_t *out = pick("Service", "CreateService", live), *dc;
	const char *cluster = json_string_value(json_object_get(live, "clusterArn"));
	const char *role = json_string_value(json_object_get(live, "roleArn"));
	const char *sched = json_string_value(json_object_get(live, "schedulingStrategy"));
	int daemon = sched && strcmp(sched, "DAEMON") == 0;

	if (!out)
		return NULL;
	if (cluster && strrchr(cluster, '/'))
		cluster = strrchr(cluster, '/') + 1;
	if (cluster)
		json_object_set_new(out, "cluster", json_string(cluster));
	if (family)
		json_object_set_new(out, "taskDefinition", json_string(family));
	/* ECS's service-linked role is filled in, not chosen */
	if (role && !strstr(role, "aws-service-role"))
		json_object_set_new(out, "role", json_string(role));
	json_object_set_new(out, "tags", user_tags(json_object_get(live, "tags")));
	drop_if(out, "platformVersion", json_string("LATEST"));
	drop_if(out, "schedulingStrategy", json_string("REPLICA"));
	/* a DAEMON service's count is ECS's: one task per container instance */
	if (daemon)
		json_object_del(out, "desiredCount");
	drop_if(out, "deploymentController", json_pack("{s:s}", "type", "ECS"));
	drop_if(out, "propagateTags", json_string("NONE"));
	drop_if(out, "enableECSManagedTags", json_false());
	drop_if(out, "enableExecuteCommand", json_false());
	drop_if(out, "healthCheckGracePeriodSeconds", json_integer(0));
	dc = json_object_get(out, "deploymentConfiguration");
	if (dc) {
		drop_if(dc, "deploymentCircuitBreaker",
		        json_pack("{s:b, s:b}", "enable", 0, "rollback", 0));
		drop_if(dc, "maximumPercent", json_integer(daemon ? 100 : 200));
		drop_if(dc, "minimumHealthyPercent", json_integer(daemon ? 0 : 100));
	}
	ecsctl_diff_drop_empty(out);
	return out;
}
