/*
 * Service comparison: a desired CreateService payload against the live
 * Service, giving the changes, the one UpdateService request, the immutable
 * members that force a replace, and the tag requests.
 */
#include <string.h>

#include "ecsctl/arn.h"
#include "diff_int.h"
#include "ecsctl/schema.h"
#include "banned.h"

static int oom(struct ecsctl_error *err)
{
	return ecsctl_error_set(err, ECSCTL_ENOMEM, "out of memory while diffing a service");
}

/* Members ECS chooses when the desired side does not say: a live value there
 * is ECS's (or autoscaling's), not drift. */
static const char *const computed[] = {
    "desiredCount", "launchType",      "capacityProviderStrategy",
    "role",         "platformVersion", "availabilityZoneRebalancing",
};

/* Members the Service shape lacks; they live on the PRIMARY deployment. */
static const char *const from_deployment[] = {
    "serviceConnectConfiguration",
    "volumeConfigurations",
    "vpcLatticeConfigurations",
};

static const json_t *primary_deployment(const json_t *svc)
{
	json_t *d;
	size_t i;

	json_array_foreach(json_object_get(svc, "deployments"), i, d) {
		const char *st = json_string_value(json_object_get(d, "status"));
		if (st && strcmp(st, "PRIMARY") == 0)
			return d;
	}
	return NULL;
}

/* The last `/`-separated part: a role name whether given as name or ARN. */
static const char *last_part(const char *s)
{
	const char *p = s ? strrchr(s, '/') : NULL;

	return p ? p + 1 : s;
}

static int set_str(json_t *obj, const char *key, const char *s)
{
	return s ? json_object_set_new(obj, key, json_string(s)) : 0;
}

static int defaults(json_t *n)
{
	const char *strategy = json_string_value(json_object_get(n, "schedulingStrategy"));
	int daemon = strategy && strcmp(strategy, "DAEMON") == 0;
	json_t *dc, *cb, *al, *nc, *dctl;
	json_t *sc = json_object_get(n, "serviceConnectConfiguration");
	json_t *cps = json_object_get(n, "capacityProviderStrategy"), *e;
	size_t i;

	diff_drop_default_str(n, "schedulingStrategy", "REPLICA");
	/* a DAEMON service runs one task per instance: ECS sets desiredCount to
	 * the instance count, so neither side's value means anything */
	if (daemon)
		json_object_del(n, "desiredCount");
	diff_drop_default_str(n, "propagateTags", "NONE");
	diff_drop_default_bool(n, "enableECSManagedTags", 0);
	diff_drop_default_bool(n, "enableExecuteCommand", 0);
	diff_drop_default_int(n, "healthCheckGracePeriodSeconds", 0);
	diff_drop_default_str(n, "platformVersion", "LATEST");
	dctl = json_object_get(n, "deploymentController");
	diff_drop_default_str(dctl, "type", "ECS");
	dc = json_object_get(n, "deploymentConfiguration");
	diff_drop_default_int(dc, "maximumPercent", daemon ? 100 : 200);
	diff_drop_default_int(dc, "minimumHealthyPercent", daemon ? 0 : 100);
	diff_drop_default_str(dc, "strategy", "ROLLING");
	cb = json_object_get(dc, "deploymentCircuitBreaker");
	diff_drop_default_bool(cb, "enable", 0);
	diff_drop_default_bool(cb, "rollback", 0);
	al = json_object_get(dc, "alarms");
	diff_drop_default_bool(al, "enable", 0);
	diff_drop_default_bool(al, "rollback", 0);
	diff_drop_default_bool(sc, "enabled", 0);
	nc = json_object_get(json_object_get(n, "networkConfiguration"), "awsvpcConfiguration");
	diff_drop_default_str(nc, "assignPublicIp", "DISABLED");
	json_array_foreach(cps, i, e) {
		diff_drop_default_int(e, "base", 0);
		diff_drop_default_int(e, "weight", 0);
	}
	/* Order carries no meaning here (placementStrategy's does: kept). */
	if (diff_sort_array(json_object_get(nc, "subnets"), NULL) ||
	    diff_sort_array(json_object_get(nc, "securityGroups"), NULL) ||
	    diff_sort_array(cps, "capacityProvider") ||
	    diff_sort_array(json_object_get(n, "placementConstraints"), NULL) ||
	    diff_sort_array(json_object_get(n, "loadBalancers"), NULL) ||
	    diff_sort_array(json_object_get(n, "serviceRegistries"), NULL))
		return -1;
	ecsctl_diff_drop_empty(n);
	return 0;
}

int ecsctl_diff_service_normalize(json_t **out, const json_t *svc, bool live,
                                  struct ecsctl_error *err)
{
	json_t *n = NULL, *v;
	const json_t *dep = live ? primary_deployment(svc) : NULL;
	const struct ecsctl_schema_shape *create = diff_create_service_shape();
	const char *td, *role;
	size_t i;
	int rc = 0;

	*out = NULL;
	if (!json_is_object(svc))
		return ecsctl_error_set(err, ECSCTL_EINVAL, "a service must be an object");
	n = json_object();
	if (!n)
		return oom(err);
	for (i = 0; i < create->nmembers; i++) {
		const char *m = create->members[i].name;
		if (!strcmp(m, "serviceName") || !strcmp(m, "cluster") ||
		    !strcmp(m, "clientToken") || !strcmp(m, "tags"))
			continue;
		v = json_object_get(svc, strcmp(m, "role") == 0 && live ? "roleArn" : m);
		if (!v && dep && diff_name_in(m, from_deployment, 3))
			v = json_object_get(dep, m);
		if (v && json_object_set_new(n, m, json_deep_copy(v)))
			goto nomem;
	}
	td = json_string_value(json_object_get(n, "taskDefinition"));
	if (td && set_str(n, "taskDefinition", ecsctl_arn_taskdef(td)))
		goto nomem;
	role = json_string_value(json_object_get(n, "role"));
	if (role && set_str(n, "role", last_part(role)))
		goto nomem;
	if (diff_canon_numbers(&n) || defaults(n))
		goto nomem;
	*out = n;
	return 0;
nomem:
	rc = oom(err);
	json_decref(n);
	return rc;
}

/* What to send to set `member` back to ECS's default when git dropped it;
 * NULL when UpdateService cannot unset it. */
static json_t *reset_value(const char *m)
{
	static const char *const lists[] = {"capacityProviderStrategy", "loadBalancers",
	                                    "placementConstraints",     "placementStrategy",
	                                    "serviceRegistries",        "volumeConfigurations",
	                                    "vpcLatticeConfigurations"};
	static const char *const flags[] = {"enableECSManagedTags", "enableExecuteCommand"};

	if (diff_name_in(m, lists, sizeof(lists) / sizeof(lists[0])))
		return json_array();
	if (diff_name_in(m, flags, 2))
		return json_false();
	if (strcmp(m, "propagateTags") == 0)
		return json_string("NONE");
	if (strcmp(m, "healthCheckGracePeriodSeconds") == 0)
		return json_integer(0);
	if (strcmp(m, "platformVersion") == 0)
		return json_string("LATEST");
	if (strcmp(m, "deploymentController") == 0)
		return json_pack("{s:s}", "type", "ECS");
	if (strcmp(m, "serviceConnectConfiguration") == 0)
		return json_pack("{s:b}", "enabled", 0);
	if (strcmp(m, "deploymentConfiguration") == 0)
		return json_pack("{s:i,s:i,s:{s:b,s:b},s:s}", "maximumPercent", 200,
		                 "minimumHealthyPercent", 100, "deploymentCircuitBreaker", "enable",
		                 0, "rollback", 0, "strategy", "ROLLING");
	return NULL;
}

/* The top-level member a path starts with, into `buf`. */
static void top_member(char *buf, size_t size, const char *path)
{
	size_t n = strcspn(path, ".[");

	if (n >= size)
		n = size - 1;
	memcpy(buf, path, n);
	buf[n] = '\0';
}

/* Puts the live value back at each ignored plain `a.b.c` path under `m` so an
 * update of the rest of `m` does not overwrite what git does not own. */
static int keep_ignored(json_t *val, const char *m, const json_t *live_n, const char *name,
                        const struct ecsctl_diff_service_options *o)
{
	size_t i, j, len = strlen(m);

	for (i = 0; i < o->nignore; i++) {
		const struct ecsctl_ignore_rule *r = &o->ignore[i];
		for (j = 0; j < r->nfields; j++) {
			const char *f = r->fields[j], *p;
			json_t *dst = val, *src = json_object_get(live_n, m);
			char seg[256];

			if (!f || strncmp(f, m, len) != 0 || f[len] != '.' || strpbrk(f, "[*"))
				continue;
			if (!ecsctl_diff_path_ignored(f, "Service", name, o->ignore, o->nignore))
				continue;
			for (p = f + len + 1; *p;) {
				size_t n = strcspn(p, ".");
				if (n >= sizeof(seg))
					break;
				memcpy(seg, p, n);
				seg[n] = '\0';
				p += n + (p[n] == '.');
				src = json_object_get(src, seg);
				if (!*p) {
					if (src && json_object_set(dst, seg, src))
						return -1;
					if (!src)
						json_object_del(dst, seg);
				} else {
					if (!json_is_object(json_object_get(dst, seg)) &&
					    json_object_set_new(dst, seg, json_object()))
						return -1;
					dst = json_object_get(dst, seg);
				}
			}
		}
	}
	return 0;
}

static int build_requests(struct ecsctl_diff_service *out, const json_t *desired,
                          const json_t *live, const json_t *live_n,
                          const struct ecsctl_diff_service_options *o)
{
	char m[128];
	size_t i;
	json_t *val;
	const char *cluster = json_string_value(json_object_get(desired, "cluster"));

	for (i = 0; i < out->changes.count; i++) {
		top_member(m, sizeof(m), out->changes.items[i].path);
		if (strcmp(m, "tags") == 0)
			continue;
		if (!diff_service_member_updatable(m)) {
			if (!out->replace && !(out->replace = json_array()))
				return -1;
			if (!json_array_size(out->replace) ||
			    strcmp(json_string_value(json_array_get(
			               out->replace, json_array_size(out->replace) - 1)),
			           m) != 0)
				if (json_array_append_new(out->replace, json_string(m)))
					return -1;
			continue;
		}
		if (!out->update) {
			out->update = json_pack("{s:O}", "service",
			                        json_object_get(desired, "serviceName"));
			if (!out->update || (cluster && set_str(out->update, "cluster", cluster)))
				return -1;
		}
		if (json_object_get(out->update, m))
			continue;
		val = json_object_get(desired, m) ? json_deep_copy(json_object_get(desired, m))
		                                  : reset_value(m);
		if (!val)
			continue; /* cannot be unset through UpdateService: stays a change */
		if (keep_ignored(val, m, live_n, o->name, o) ||
		    json_object_set_new(out->update, m, val))
			return -1;
		/* Moving from a launch type to a capacity provider strategy needs a
		 * new deployment (UpdateService's documentation). */
		if (strcmp(m, "capacityProviderStrategy") == 0 &&
		    json_object_get(live, "launchType") &&
		    json_object_set_new(out->update, "forceNewDeployment", json_true()))
			return -1;
	}
	return 0;
}

int ecsctl_diff_service(struct ecsctl_diff_service *out, const json_t *desired, const json_t *live,
                        const struct ecsctl_diff_service_options *opts, struct ecsctl_error *err)
{
	struct ecsctl_diff_service_options none = ECSCTL_DIFF_SERVICE_OPTIONS_INIT;
	const struct ecsctl_diff_service_options *o = opts ? opts : &none;
	json_t *want = NULL, *have = NULL;
	size_t i;
	int rc;

	if (!json_is_string(json_object_get(desired, "serviceName")))
		return ecsctl_error_set(err, ECSCTL_EINVAL, "desired service needs a serviceName");
	rc = ecsctl_diff_service_normalize(&want, desired, false, err);
	if (!rc)
		rc = ecsctl_diff_service_normalize(&have, live, true, err);
	if (rc)
		goto done;
	/* launchType and capacityProviderStrategy fall here too: when git names
	 * one, the live other goes (a switch to a strategy is an update; to a
	 * launch type, a replace); when git names neither, ECS chose. */
	for (i = 0; i < sizeof(computed) / sizeof(computed[0]); i++)
		if (!json_object_get(want, computed[i]))
			json_object_del(have, computed[i]);
	rc = ecsctl_diff_values(&out->changes, have, want, NULL, err);
	if (!rc)
		rc = ecsctl_diff_tags(&out->tags_add, &out->tags_remove, &out->changes,
		                      json_object_get(desired, "tags"),
		                      json_object_get(live, "tags"), err);
	if (rc)
		goto done;
	ecsctl_diff_apply_ignore(&out->changes, "Service", o->name, o->ignore, o->nignore);
	/* Tag requests follow the changes left after ignore. */
	diff_filter_ignored_tags(out->tags_add, out->tags_remove, "Service", o->name, o->ignore,
	                         o->nignore);
	if (build_requests(out, desired, live, have, o)) {
		rc = oom(err);
		goto done;
	}
done:
	diff_drop_empty_tag_list(&out->tags_add);
	diff_drop_empty_tag_list(&out->tags_remove);
	json_decref(want);
	json_decref(have);
	return rc;
}

void ecsctl_diff_service_init(struct ecsctl_diff_service *d)
{
	memset(d, 0, sizeof(*d));
}

void ecsctl_diff_service_release(struct ecsctl_diff_service *d)
{
	if (!d)
		return;
	ecsctl_diff_changes_release(&d->changes);
	json_decref(d->update);
	json_decref(d->replace);
	json_decref(d->tags_add);
	json_decref(d->tags_remove);
	ecsctl_diff_service_init(d);
}
