/*
 * Cluster comparison: desired CreateCluster payload against the live Cluster
 * (described with SETTINGS, CONFIGURATIONS and TAGS).
 */
#include <string.h>

#include "diff_int.h"
#include "banned.h"

static const char *const compared[] = {"settings", "configuration", "capacityProviders",
                                       "defaultCapacityProviderStrategy", "serviceConnectDefaults"};

static int str_is(const json_t *v, const char *s)
{
	return json_is_string(v) && strcmp(json_string_value(v), s) == 0;
}

static int normalize(json_t **out, const json_t *c)
{
	json_t *n = json_object(), *v, *e, *ec;
	size_t i = 0;

	*out = NULL;
	if (!n)
		return -1;
	for (i = 0; i < sizeof(compared) / sizeof(compared[0]); i++) {
		v = json_object_get(c, compared[i]);
		if (v && json_object_set_new(n, compared[i], json_deep_copy(v)))
			goto fail;
	}
	/* containerInsights "disabled" is what a cluster without the setting has
	 * (unless the account default says otherwise: see ecsctl_diff_cluster). */
	v = json_object_get(n, "settings");
	i = 0;
	while (json_is_array(v) && i < json_array_size(v)) {
		e = json_array_get(v, i);
		if (json_is_object(e) && str_is(json_object_get(e, "name"), "containerInsights") &&
		    str_is(json_object_get(e, "value"), "disabled"))
			json_array_remove(v, i);
		else
			i++;
	}
	json_array_foreach(json_object_get(n, "defaultCapacityProviderStrategy"), i, e) {
		diff_drop_default_int(e, "base", 0);
		diff_drop_default_int(e, "weight", 0);
	}
	ec = json_object_get(json_object_get(n, "configuration"), "executeCommandConfiguration");
	diff_drop_default_str(ec, "logging", "DEFAULT");
	if (diff_sort_array(json_object_get(n, "settings"), "name") ||
	    diff_sort_array(json_object_get(n, "capacityProviders"), NULL) ||
	    diff_sort_array(json_object_get(n, "defaultCapacityProviderStrategy"),
	                    "capacityProvider") ||
	    diff_canon_numbers(&n))
		goto fail;
	ecsctl_diff_drop_empty(n);
	*out = n;
	return 0;
fail:
	json_decref(n);
	return -1;
}

/* A Cloud Map namespace given by name cannot be compared with the ARN ECS
 * returns (the ARN holds an id): only ARN against ARN is compared. */
static void namespace_comparable(json_t *want, json_t *have)
{
	const char *w = json_string_value(
	    json_object_get(json_object_get(want, "serviceConnectDefaults"), "namespace"));
	const char *h = json_string_value(
	    json_object_get(json_object_get(have, "serviceConnectDefaults"), "namespace"));

	if (w && h && (strncmp(w, "arn:", 4) != 0) != (strncmp(h, "arn:", 4) != 0)) {
		json_object_del(want, "serviceConnectDefaults");
		json_object_del(have, "serviceConnectDefaults");
	}
}

static int build_requests(struct ecsctl_diff_cluster *out, const json_t *desired, const char *name)
{
	size_t i, n;
	char m[64];
	json_t *v;
	int cp = 0;

	for (i = 0; i < out->changes.count; i++) {
		const char *p = out->changes.items[i].path;
		n = strcspn(p, ".[");
		if (n >= sizeof(m))
			continue;
		memcpy(m, p, n);
		m[n] = '\0';
		if (strcmp(m, "capacityProviders") == 0 ||
		    strcmp(m, "defaultCapacityProviderStrategy") == 0) {
			cp = 1;
			continue;
		}
		if (!diff_cluster_member_updatable(m))
			continue;
		if (!out->update && !(out->update = json_pack("{s:s}", "cluster", name)))
			return -1;
		if (json_object_get(out->update, m))
			continue;
		v = json_object_get(desired, m);
		if (v)
			v = json_deep_copy(v);
		else if (strcmp(m, "settings") == 0)
			v = json_pack("[{s:s,s:s}]", "name", "containerInsights", "value",
			              "disabled");
		else if (strcmp(m, "configuration") == 0)
			v = json_pack("{s:{s:s}}", "executeCommandConfiguration", "logging",
			              "DEFAULT");
		if (v && json_object_set_new(out->update, m, v))
			return -1;
	}
	if (cp) {
		/* Both members are required: an absent one means none. */
		v = json_object_get(desired, "capacityProviders");
		out->capacity_providers = json_pack(
		    "{s:s,s:o,s:o}", "cluster", name, "capacityProviders",
		    v ? json_deep_copy(v) : json_array(), "defaultCapacityProviderStrategy",
		    json_object_get(desired, "defaultCapacityProviderStrategy")
		        ? json_deep_copy(
		              json_object_get(desired, "defaultCapacityProviderStrategy"))
		        : json_array());
		if (!out->capacity_providers)
			return -1;
	}
	return 0;
}

int ecsctl_diff_cluster(struct ecsctl_diff_cluster *out, const json_t *desired, const json_t *live,
                        const struct ecsctl_ignore_rule *ignore, size_t nignore,
                        struct ecsctl_error *err)
{
	json_t *want = NULL, *have = NULL;
	const char *name;
	int rc = 0;

	if (!json_is_object(desired) || !json_is_object(live))
		return ecsctl_error_set(err, ECSCTL_EINVAL, "a cluster must be an object");
	name = json_string_value(json_object_get(desired, "clusterName"));
	if (!name)
		name = json_string_value(json_object_get(live, "clusterName"));
	if (!name)
		name = "default";
	if (normalize(&want, desired) || normalize(&have, live))
		goto nomem;
	namespace_comparable(want, have);
	/* Without the setting in git, the account default (PutAccountSetting
	 * containerInsights) decides what ECS shows: not drift. */
	if (!json_object_get(want, "settings") && !json_object_get(desired, "settings"))
		json_object_del(have, "settings");
	/* UpdateCluster cannot take a Service Connect namespace away. */
	if (!json_object_get(want, "serviceConnectDefaults"))
		json_object_del(have, "serviceConnectDefaults");
	rc = ecsctl_diff_values(&out->changes, have, want, NULL, err);
	if (!rc)
		rc = ecsctl_diff_tags(&out->tags_add, &out->tags_remove, &out->changes,
		                      json_object_get(desired, "tags"),
		                      json_object_get(live, "tags"), err);
	if (rc)
		goto done;
	ecsctl_diff_apply_ignore(&out->changes, "Cluster", name, ignore, nignore);
	diff_filter_ignored_tags(out->tags_add, out->tags_remove, "Cluster", name, ignore, nignore);
	if (build_requests(out, desired, name))
		goto nomem;
	goto done;
nomem:
	rc = ecsctl_error_set(err, ECSCTL_ENOMEM, "out of memory while diffing a cluster");
done:
	diff_drop_empty_tag_list(&out->tags_add);
	diff_drop_empty_tag_list(&out->tags_remove);
	json_decref(want);
	json_decref(have);
	return rc;
}

void ecsctl_diff_cluster_init(struct ecsctl_diff_cluster *d)
{
	memset(d, 0, sizeof(*d));
}

void ecsctl_diff_cluster_release(struct ecsctl_diff_cluster *d)
{
	if (!d)
		return;
	ecsctl_diff_changes_release(&d->changes);
	json_decref(d->update);
	json_decref(d->capacity_providers);
	json_decref(d->tags_add);
	json_decref(d->tags_remove);
	ecsctl_diff_cluster_init(d);
}
