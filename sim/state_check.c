/*
 * Checks a state file before ecs-local takes it: the operations read the
 * members below without looking (a service without `status` used to crash
 * the first clock tick), so a file edited by hand, or written by something
 * else, is refused with the path of the first member that is wrong.
 */
#include <string.h>

#include "ecsctl/buf.h"
#include "sim_int.h"
#include "banned.h"

enum kind { STR, INT, OBJ, ARR, NUM };

struct member {
	const char *name;
	enum kind kind;
	const char *const *one_of; /* for STR; NULL = any string */
	int optional;
};

static const char *const cluster_status[] = {"ACTIVE", "PROVISIONING", "DEPROVISIONING",
                                             "FAILED", "INACTIVE",     NULL};
static const char *const service_status[] = {"ACTIVE", "DRAINING", "INACTIVE", NULL};
static const char *const td_status[] = {"ACTIVE", "INACTIVE", "DELETE_IN_PROGRESS", NULL};

static const struct member cluster_members[] = {
    {"clusterName", STR, NULL, 0}, {"clusterArn", STR, NULL, 0}, {"status", STR, cluster_status, 0},
    {"_services", OBJ, NULL, 0},   {"_index", OBJ, NULL, 0},     {"_standalone", OBJ, NULL, 0},
    {"_instances", OBJ, NULL, 1},  {NULL, STR, NULL, 0}};
static const struct member service_members[] = {{"serviceName", STR, NULL, 0},
                                                {"serviceArn", STR, NULL, 0},
                                                {"status", STR, service_status, 0},
                                                {"taskDefinition", STR, NULL, 0},
                                                {"desiredCount", INT, NULL, 0},
                                                {"schedulingStrategy", STR, NULL, 0},
                                                {"deployments", ARR, NULL, 0},
                                                {"events", ARR, NULL, 0},
                                                {"launchType", STR, NULL, 1},
                                                {"_tasks", OBJ, NULL, 0},
                                                {NULL, STR, NULL, 0}};
static const struct member deployment_members[] = {{"id", STR, NULL, 0},
                                                   {"status", STR, NULL, 0},
                                                   {"taskDefinition", STR, NULL, 0},
                                                   {"rolloutState", STR, NULL, 1},
                                                   {NULL, STR, NULL, 0}};
static const struct member task_members[] = {
    {"taskArn", STR, NULL, 0},    {"taskDefinitionArn", STR, NULL, 0},
    {"lastStatus", STR, NULL, 0}, {"desiredStatus", STR, NULL, 0},
    {"group", STR, NULL, 1},      {"launchType", STR, NULL, 1},
    {NULL, STR, NULL, 0}};
static const struct member instance_members[] = {
    {"containerInstanceArn", STR, NULL, 0}, {"status", STR, NULL, 0}, {NULL, STR, NULL, 0}};
static const struct member family_members[] = {
    {"last", INT, NULL, 0}, {"revs", OBJ, NULL, 0}, {NULL, STR, NULL, 0}};
static const struct member td_members[] = {
    {"taskDefinitionArn", STR, NULL, 0}, {"family", STR, NULL, 0},
    {"revision", INT, NULL, 0},          {"status", STR, td_status, 0},
    {"networkMode", STR, NULL, 0},       {"containerDefinitions", ARR, NULL, 0},
    {"compatibilities", ARR, NULL, 0},   {NULL, STR, NULL, 0}};

static const char *kind_name(enum kind k)
{
	switch (k) {
	case STR:
		return "a string";
	case INT:
		return "an integer";
	case OBJ:
		return "an object";
	case ARR:
		return "an array";
	default:
		return "a number";
	}
}

static int fits(const json_t *v, enum kind k)
{
	switch (k) {
	case STR:
		return json_is_string(v);
	case INT:
		return json_is_integer(v) && json_integer_value(v) >= 0;
	case OBJ:
		return json_is_object(v);
	case ARR:
		return json_is_array(v);
	default:
		return json_is_number(v);
	}
}

static int one_of(const char *s, const char *const *allowed)
{
	for (; *allowed; allowed++) {
		if (strcmp(s, *allowed) == 0)
			return 1;
	}
	return 0;
}

/* `where` names the object, e.g. clusters["shop"]._services["web"]. */
static int check(const json_t *obj, const struct member *m, const char *where,
                 struct ecsctl_error *err)
{
	if (!json_is_object(obj))
		return ecsctl_error_set(err, ECSCTL_EINVAL, "%s: not an object", where);
	for (; m->name; m++) {
		json_t *v = json_object_get(obj, m->name);
		if (!v && m->optional)
			continue;
		if (!v)
			return ecsctl_error_set(err, ECSCTL_EINVAL, "%s: \"%s\" is missing (%s)",
			                        where, m->name, kind_name(m->kind));
		if (!fits(v, m->kind))
			return ecsctl_error_set(err, ECSCTL_EINVAL, "%s: \"%s\" must be %s", where,
			                        m->name, kind_name(m->kind));
		if (m->one_of && !one_of(json_string_value(v), m->one_of))
			return ecsctl_error_set(err, ECSCTL_EINVAL,
			                        "%s: \"%s\" is \"%s\", not a known "
			                        "status",
			                        where, m->name, json_string_value(v));
	}
	return 0;
}

/* Each member of `obj` (an object of resources) against `m`. */
static int check_each(const json_t *obj, const struct member *m, const char *where,
                      int (*more)(const json_t *, const char *, struct ecsctl_error *),
                      struct ecsctl_error *err)
{
	struct ecsctl_buf at = ECSCTL_BUF_INIT;
	const char *k;
	json_t *v;
	int rc = 0;

	json_object_foreach((json_t *)obj, k, v) {
		ecsctl_buf_reset(&at);
		ecsctl_buf_addf(&at, "%s[\"%s\"]", where, k);
		if (ecsctl_buf_failed(&at)) {
			rc = ecsctl_error_set(err, ECSCTL_ENOMEM, "out of memory");
			break;
		}
		if ((rc = check(v, m, at.buf, err)) || (more && (rc = more(v, at.buf, err))))
			break;
	}
	ecsctl_buf_release(&at);
	return rc;
}

/* The resources in obj.`member` (an object of them, if present), each against `m`. */
static int check_in(const json_t *obj, const char *member, const char *where,
                    const struct member *m,
                    int (*more)(const json_t *, const char *, struct ecsctl_error *),
                    struct ecsctl_error *err)
{
	struct ecsctl_buf at = ECSCTL_BUF_INIT;
	int rc;

	if (!json_object_get(obj, member))
		return 0; /* check() already refused it where it is required */
	ecsctl_buf_addf(&at, "%s.%s", where, member);
	rc = ecsctl_buf_failed(&at)
	         ? ecsctl_error_set(err, ECSCTL_ENOMEM, "out of memory")
	         : check_each(json_object_get(obj, member), m, at.buf, more, err);
	ecsctl_buf_release(&at);
	return rc;
}

static int check_service(const json_t *svc, const char *where, struct ecsctl_error *err)
{
	struct ecsctl_buf at = ECSCTL_BUF_INIT;
	json_t *d;
	size_t i;
	int rc = 0;

	json_array_foreach(json_object_get(svc, "deployments"), i, d) {
		ecsctl_buf_reset(&at);
		ecsctl_buf_addf(&at, "%s.deployments[%zu]", where, i);
		if ((rc = check(d, deployment_members, at.buf, err)))
			break;
	}
	ecsctl_buf_release(&at);
	return rc ? rc : check_in(svc, "_tasks", where, task_members, NULL, err);
}

static int check_cluster(const json_t *c, const char *where, struct ecsctl_error *err)
{
	int rc;

	if ((rc = check_in(c, "_services", where, service_members, check_service, err)) ||
	    (rc = check_in(c, "_standalone", where, task_members, NULL, err)))
		return rc;
	return check_in(c, "_instances", where, instance_members, NULL, err);
}

static int check_family(const json_t *fam, const char *where, struct ecsctl_error *err)
{
	return check_in(fam, "revs", where, td_members, NULL, err);
}

int sim_state_check(const json_t *doc, struct ecsctl_error *err)
{
	json_t *busy = json_object_get(doc, "busy"), *key;
	size_t i;
	int rc;

	if (sim_int(doc, "formatVersion", 0) != 1 ||
	    !json_is_object(json_object_get(doc, "clusters")) ||
	    !json_is_object(json_object_get(doc, "families")))
		return ecsctl_error_set(err, ECSCTL_EINVAL, "not an ecs-local state file");
	if ((json_object_get(doc, "journal") && !fits(json_object_get(doc, "journal"), INT)) ||
	    (json_object_get(doc, "now") && !fits(json_object_get(doc, "now"), NUM)) ||
	    (busy && !json_is_array(busy)))
		return ecsctl_error_set(err, ECSCTL_EINVAL,
		                        "\"journal\", \"now\" or \"busy\" has the wrong type");
	json_array_foreach(busy, i, key) {
		if (!json_is_string(key) || !strchr(json_string_value(key), '/'))
			return ecsctl_error_set(err, ECSCTL_EINVAL,
			                        "busy[%zu]: not a \"cluster/service\" string", i);
	}
	if ((rc = check_each(json_object_get(doc, "clusters"), cluster_members, "clusters",
	                     check_cluster, err)))
		return rc;
	return check_each(json_object_get(doc, "families"), family_members, "families",
	                  check_family, err);
}
