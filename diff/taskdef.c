/*
 * Task definition normalization: a table of small named rules, applied in
 * order to a copy of either side. docs/normalization.md has one row per rule
 * with the source that taught it; tests/unit/diff/test_normalize.c one test.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "diff_int.h"
#include "banned.h"

typedef int (*rule_fn)(json_t *td, struct ecsctl_error *err);

static int oom(struct ecsctl_error *err)
{
	return ecsctl_error_set(err, ECSCTL_ENOMEM, "out of memory while normalizing");
}

static json_t *containers(json_t *td)
{
	json_t *c = json_object_get(td, "containerDefinitions");

	return json_is_array(c) ? c : NULL;
}

/* Calls fn on each member `list` array of each container. */
static int each_container_list(json_t *td, const char *list, const char *key)
{
	json_t *c;
	size_t i;

	json_array_foreach(containers(td), i, c)
		if (diff_sort_array(json_object_get(c, list), key))
			return -1;
	return 0;
}

/* DescribeTaskDefinition returns members that are not part of a revision's
 * content; tags are compared on their own (TagResource, not a register). */
static int rule_drop_read_only(json_t *td, struct ecsctl_error *err)
{
	static const char *const ro[] = {
	    "taskDefinitionArn", "revision",     "status",       "requiresAttributes",
	    "compatibilities",   "registeredAt", "registeredBy", "deregisteredAt",
	    "deleteRequestedAt", "tags",
	};
	size_t i;

	for (i = 0; i < sizeof(ro) / sizeof(ro[0]); i++)
		json_object_del(td, ro[i]);
	return 0;
}

static int rule_canonical_numbers(json_t *td, struct ecsctl_error *err)
{
	json_t *cd = json_incref(containers(td));
	int rc = 0;

	if (cd && (diff_canon_numbers(&cd) || json_object_set(td, "containerDefinitions", cd)))
		rc = oom(err);
	json_decref(cd);
	return rc;
}

static void drop_empty_strings(json_t *obj)
{
	const char *k;
	json_t *m;
	void *tmp;

	json_object_foreach_safe(obj, tmp, k, m)
		if (json_is_string(m) && !*json_string_value(m))
			json_object_del(obj, k);
}

/* ECS drops empty strings it is given (taskRoleArn: "" in the model's own
 * RegisterTaskDefinition example comes back absent). */
static int rule_empty_strings_absent(json_t *td, struct ecsctl_error *err)
{
	json_t *c, *pm;
	size_t i, j;

	drop_empty_strings(td);
	json_array_foreach(containers(td), i, c) {
		if (!json_is_object(c))
			continue;
		drop_empty_strings(c);
		json_array_foreach(json_object_get(c, "portMappings"), j, pm)
			if (json_is_object(pm))
				drop_empty_strings(pm);
	}
	return 0;
}

static int rule_network_mode_default(json_t *td, struct ecsctl_error *err)
{
	return diff_set_default(td, "networkMode", json_string("bridge")) ? oom(err) : 0;
}

/* "1 vCPU" / "0.25 vcpu" / "1GB" / "0.5 GB" / "512" / 512 -> "1024"-style. */
static int canon_units(json_t *td, const char *member, const char *unit, const char *const *alts,
                       struct ecsctl_error *err)
{
	json_t *v = json_object_get(td, member);
	const char *s, *p;
	char *end = NULL;
	double n, mult = 1;
	char buf[32];
	size_t i;

	if (!v)
		return 0;
	if (json_is_integer(v)) {
		snprintf(buf, sizeof(buf), "%lld", (long long)json_integer_value(v));
		return json_object_set_new(td, member, json_string(buf)) ? oom(err) : 0;
	}
	if (!json_is_string(v))
		return ecsctl_error_set(err, ECSCTL_EINVAL, "task definition '%s' must be a string",
		                        member);
	s = json_string_value(v);
	errno = 0;
	n = strtod(s, &end);
	if (end == s || errno || !isfinite(n) || n < 0)
		goto bad;
	p = end;
	while (isspace((unsigned char)*p))
		p++;
	if (*p) {
		if (strcasecmp(p, unit) == 0) {
			mult = 1024;
		} else {
			for (i = 0; alts[i] && strcasecmp(p, alts[i]) != 0; i++)
				;
			if (!alts[i])
				goto bad;
		}
	}
	n = floor(n * mult + 0.5);
	if (n > 1e12)
		goto bad;
	snprintf(buf, sizeof(buf), "%lld", (long long)n);
	return json_object_set_new(td, member, json_string(buf)) ? oom(err) : 0;
bad:
	return ecsctl_error_set(err, ECSCTL_EINVAL,
	                        "task definition '%s' \"%s\" is not a number with an optional "
	                        "unit (%s)",
	                        member, s, unit);
}

static int rule_task_cpu_memory_units(json_t *td, struct ecsctl_error *err)
{
	static const char *const cpu_alts[] = {"cpu", "units", NULL};
	static const char *const mem_alts[] = {"MiB", "MB", "M", NULL};

	int rc = canon_units(td, "cpu", "vCPU", cpu_alts, err);

	return rc ? rc : canon_units(td, "memory", "GB", mem_alts, err);
}

static int rule_requires_compatibilities_sorted(json_t *td, struct ecsctl_error *err)
{
	return diff_sort_array(json_object_get(td, "requiresCompatibilities"), NULL) ? oom(err) : 0;
}

static int rule_containers_by_name(json_t *td, struct ecsctl_error *err)
{
	return diff_sort_array(containers(td), "name") ? oom(err) : 0;
}

static int rule_essential_default_true(json_t *td, struct ecsctl_error *err)
{
	json_t *c;
	size_t i;

	json_array_foreach(containers(td), i, c)
		if (json_is_object(c) && diff_set_default(c, "essential", json_true()))
			return oom(err);
	return 0;
}

static int rule_container_cpu_zero_absent(json_t *td, struct ecsctl_error *err)
{
	json_t *c;
	size_t i;

	json_array_foreach(containers(td), i, c)
		diff_drop_default_int(c, "cpu", 0);
	return 0;
}

static int rule_port_protocol_tcp(json_t *td, struct ecsctl_error *err)
{
	json_t *c, *pm;
	size_t i, j;

	json_array_foreach(containers(td), i, c)
		json_array_foreach(json_object_get(c, "portMappings"), j, pm) {
			if (json_is_object(pm) &&
			    diff_set_default(pm, "protocol", json_string("tcp")))
				return oom(err);
		}
	return 0;
}

/* awsvpc and host: the host port IS the container port, ECS fills it in;
 * bridge: 0 and absent both mean "dynamic". */
static int rule_port_host_port(json_t *td, struct ecsctl_error *err)
{
	const char *mode = json_string_value(json_object_get(td, "networkMode"));
	int same = mode && (strcmp(mode, "awsvpc") == 0 || strcmp(mode, "host") == 0);
	json_t *c, *pm, *cp;
	size_t i, j;

	json_array_foreach(containers(td), i, c)
		json_array_foreach(json_object_get(c, "portMappings"), j, pm) {
			if (!json_is_object(pm))
				continue;
			diff_drop_default_int(pm, "hostPort", 0);
			cp = json_object_get(pm, "containerPort");
			if (same && json_is_integer(cp) &&
			    diff_set_default(pm, "hostPort", json_copy(cp)))
				return oom(err);
		}
	return 0;
}

static int rule_port_mappings_sorted(json_t *td, struct ecsctl_error *err)
{
	return each_container_list(td, "portMappings", NULL) ? oom(err) : 0;
}

static int rule_environment_by_name(json_t *td, struct ecsctl_error *err)
{
	return each_container_list(td, "environment", "name") ? oom(err) : 0;
}

static int rule_secrets_by_name(json_t *td, struct ecsctl_error *err)
{
	return each_container_list(td, "secrets", "name") ? oom(err) : 0;
}

static int rule_ulimits_by_name(json_t *td, struct ecsctl_error *err)
{
	return each_container_list(td, "ulimits", "name") ? oom(err) : 0;
}

/* Map values are strings in the model; YAML `port: 8080` means "8080". */
static int rule_string_values(json_t *td, struct ecsctl_error *err)
{
	json_t *c, *lc, *e, *v;
	size_t i, j;
	int rc = 0;

	json_array_foreach(containers(td), i, c) {
		lc = json_object_get(c, "logConfiguration");
		rc |= diff_stringify_map_values(json_object_get(c, "dockerLabels"));
		rc |= diff_stringify_map_values(json_object_get(lc, "options"));
		rc |= diff_stringify_map_values(
		    json_object_get(json_object_get(c, "firelensConfiguration"), "options"));
		json_array_foreach(json_object_get(c, "environment"), j, e) {
			v = json_object_get(e, "value");
			if (json_is_number(v) || json_is_boolean(v))
				rc |= diff_stringify_map_values(e);
		}
	}
	json_array_foreach(json_object_get(td, "volumes"), i, v) {
		e = json_object_get(v, "dockerVolumeConfiguration");
		rc |= diff_stringify_map_values(json_object_get(e, "driverOpts"));
		rc |= diff_stringify_map_values(json_object_get(e, "labels"));
	}
	return rc ? oom(err) : 0;
}

static int rule_health_check_defaults(json_t *td, struct ecsctl_error *err)
{
	json_t *c, *hc;
	size_t i;

	json_array_foreach(containers(td), i, c) {
		hc = json_object_get(c, "healthCheck");
		diff_drop_default_int(hc, "interval", 30);
		diff_drop_default_int(hc, "timeout", 5);
		diff_drop_default_int(hc, "retries", 3);
		diff_drop_default_int(hc, "startPeriod", 0);
	}
	return 0;
}

static int rule_false_booleans_absent(json_t *td, struct ecsctl_error *err)
{
	static const char *const flags[] = {"privileged", "readonlyRootFilesystem",
	                                    "disableNetworking", "interactive", "pseudoTerminal"};
	json_t *c, *m;
	size_t i, j;

	diff_drop_default_bool(td, "enableFaultInjection", 0);
	json_array_foreach(containers(td), i, c) {
		diff_drop_default_bool(json_object_get(c, "linuxParameters"), "initProcessEnabled",
		                       0);
		for (j = 0; j < sizeof(flags) / sizeof(flags[0]); j++)
			diff_drop_default_bool(c, flags[j], 0);
		json_array_foreach(json_object_get(c, "mountPoints"), j, m)
			diff_drop_default_bool(m, "readOnly", 0);
		json_array_foreach(json_object_get(c, "volumesFrom"), j, m)
			diff_drop_default_bool(m, "readOnly", 0);
	}
	return 0;
}

static int rule_version_consistency_default(json_t *td, struct ecsctl_error *err)
{
	json_t *c;
	size_t i;

	json_array_foreach(containers(td), i, c)
		diff_drop_default_str(c, "versionConsistency", "enabled");
	return 0;
}

static int rule_volumes(json_t *td, struct ecsctl_error *err)
{
	json_t *vols = json_object_get(td, "volumes"), *v;
	size_t i;

	json_array_foreach(vols, i, v) {
		diff_drop_default_str(json_object_get(v, "efsVolumeConfiguration"), "rootDirectory",
		                      "/");
		diff_drop_default_str(json_object_get(v, "efsVolumeConfiguration"),
		                      "transitEncryption", "DISABLED");
		diff_drop_default_str(json_object_get(v, "dockerVolumeConfiguration"), "scope",
		                      "task");
		diff_drop_default_bool(v, "configuredAtLaunch", 0);
	}
	return diff_sort_array(vols, "name") ? oom(err) : 0;
}

static int rule_task_lists_sorted(json_t *td, struct ecsctl_error *err)
{
	json_t *pc = json_object_get(td, "proxyConfiguration");

	if (diff_sort_array(json_object_get(td, "placementConstraints"), NULL) ||
	    diff_sort_array(json_object_get(pc, "properties"), "name") ||
	    diff_sort_array(json_object_get(td, "inferenceAccelerators"), "deviceName"))
		return oom(err);
	return 0;
}

static int rule_empty_collections_absent(json_t *td, struct ecsctl_error *err)
{
	ecsctl_diff_drop_empty(td);
	return 0;
}

static const struct {
	const char *name;
	rule_fn fn;
} rules[] = {
    {"drop_read_only", rule_drop_read_only},
    {"canonical_numbers", rule_canonical_numbers},
    {"empty_strings_absent", rule_empty_strings_absent},
    {"network_mode_default_bridge", rule_network_mode_default},
    {"task_cpu_memory_units", rule_task_cpu_memory_units},
    {"requires_compatibilities_sorted", rule_requires_compatibilities_sorted},
    {"containers_by_name", rule_containers_by_name},
    {"essential_defaults_true", rule_essential_default_true},
    {"container_cpu_zero_absent", rule_container_cpu_zero_absent},
    {"port_protocol_defaults_tcp", rule_port_protocol_tcp},
    {"port_host_port", rule_port_host_port},
    {"port_mappings_sorted", rule_port_mappings_sorted},
    {"environment_by_name", rule_environment_by_name},
    {"secrets_by_name", rule_secrets_by_name},
    {"ulimits_by_name", rule_ulimits_by_name},
    {"string_values", rule_string_values},
    {"health_check_defaults", rule_health_check_defaults},
    {"false_booleans_absent", rule_false_booleans_absent},
    {"version_consistency_default", rule_version_consistency_default},
    {"volumes", rule_volumes},
    {"task_lists_sorted", rule_task_lists_sorted},
    {"empty_collections_absent", rule_empty_collections_absent},
};

size_t ecsctl_diff_taskdef_rule_count(void)
{
	return sizeof(rules) / sizeof(rules[0]);
}

const char *ecsctl_diff_taskdef_rule_name(size_t i)
{
	return i < ecsctl_diff_taskdef_rule_count() ? rules[i].name : NULL;
}

int ecsctl_diff_taskdef_normalize(json_t **out, const json_t *td, struct ecsctl_error *err)
{
	json_t *copy = NULL, *c;
	size_t i;
	int rc = 0;

	*out = NULL;
	if (!json_is_object(td))
		return ecsctl_error_set(err, ECSCTL_EINVAL, "a task definition must be an object");
	if (json_object_get(td, "containerDefinitions") && !containers((json_t *)td))
		return ecsctl_error_set(err, ECSCTL_EINVAL,
		                        "task definition 'containerDefinitions' must be a list");
	json_array_foreach(json_object_get(td, "containerDefinitions"), i, c)
		if (!json_is_object(c))
			return ecsctl_error_set(err, ECSCTL_EINVAL,
			                        "task definition containerDefinitions[%zu] "
			                        "must be an object",
			                        i);
	copy = json_deep_copy(td);
	if (!copy)
		return oom(err);
	for (i = 0; i < ecsctl_diff_taskdef_rule_count() && !rc; i++)
		rc = rules[i].fn(copy, err);
	if (rc) {
		json_decref(copy);
		return rc;
	}
	*out = copy;
	return 0;
}

/* Both sides normalized (a NULL or malformed side is ECSCTL_EINVAL); the
 * caller releases *a and *b either way. */
static int normalize_both(json_t **a, json_t **b, const json_t *desired, const json_t *live,
                          struct ecsctl_error *err)
{
	int rc = ecsctl_diff_taskdef_normalize(a, desired, err);

	*b = NULL;
	return rc ? rc : ecsctl_diff_taskdef_normalize(b, live, err);
}

int ecsctl_diff_taskdef_equal(bool *equal, const json_t *desired, const json_t *live,
                              struct ecsctl_error *err)
{
	json_t *a, *b;
	int rc = normalize_both(&a, &b, desired, live, err);

	*equal = !rc && json_equal(a, b);
	json_decref(a);
	json_decref(b);
	return rc;
}

int ecsctl_diff_taskdef_match(long *index, const json_t *desired, const json_t *const *live,
                              size_t n, struct ecsctl_error *err)
{
	json_t *want = NULL, *have = NULL;
	size_t i;
	int rc;

	*index = -1;
	rc = ecsctl_diff_taskdef_normalize(&want, desired, err);
	for (i = 0; !rc && i < n && *index < 0; i++) {
		if (!live[i])
			continue;
		rc = ecsctl_diff_taskdef_normalize(&have, live[i], err);
		if (!rc && json_equal(want, have))
			*index = (long)i;
		json_decref(have);
		have = NULL;
	}
	json_decref(want);
	return rc;
}

int ecsctl_diff_taskdef(struct ecsctl_diff_changes *out, const json_t *desired, const json_t *live,
                        struct ecsctl_error *err)
{
	json_t *a, *b;
	int rc = normalize_both(&a, &b, desired, live, err);

	if (!rc)
		rc = ecsctl_diff_values(out, b, a, NULL, err);
	json_decref(a);
	json_decref(b);
	return rc;
}
