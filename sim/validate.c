/*
 * Request validation against the ECS model's input shapes, read from the
 * generated schema that the desired-state validator uses too (schema/):
 * JSON types, required members, enums and numeric ranges. Unknown members are
 * ignored, as AWS JSON services do, so newer clients keep working.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecsctl/buf.h"
#include "ecsctl/schema.h"
#include "sim_int.h"
#include "banned.h"

#define MAX_DEPTH 32
/* Room for the member path named in an error ("containerDefinitions[0]
 * .portMappings[1].containerPort"); MAX_DEPTH levels of names stay within. */
#define MEMBER_PATH_MAX 4096

static int serialization(struct ecsctl_error *err, const char *path, const char *want)
{
	return sim_fail(err, "SerializationException", "Unable to parse '%s': expected %s.",
	                *path ? path : "request", want);
}

static int check(const struct ecsctl_schema_shape *shape, json_t *v, struct ecsctl_buf *path,
                 int depth, struct ecsctl_error *err);

static int check_structure(const struct ecsctl_schema_shape *shape, json_t *v,
                           struct ecsctl_buf *path, int depth, struct ecsctl_error *err)
{
	size_t mark = path->len;
	const char *k;
	json_t *mv;
	void *tmp;
	unsigned i;
	int rc;

	if (!json_is_object(v))
		return serialization(err, path->buf, "an object");
	/* a null member is an absent member, as for AWS JSON services */
	json_object_foreach_safe(v, tmp, k, mv) {
		if (json_is_null(mv))
			json_object_del(v, k);
	}
	for (i = 0; i < shape->nmembers; i++) {
		const struct ecsctl_schema_member *m = &shape->members[i];
		if ((m->flags & ECSCTL_SCHEMA_REQUIRED) && !json_object_get(v, m->name))
			return sim_fail(err, "InvalidParameterException",
			                "1 validation error detected: Value null at '%s%s%s' "
			                "failed to satisfy constraint: Member must not be null",
			                path->buf, path->len ? "." : "", m->name);
	}
	json_object_foreach(v, k, mv) {
		const struct ecsctl_schema_member *m = ecsctl_schema_member(shape, k);
		if (!m)
			continue;
		ecsctl_buf_addf(path, "%s%s", mark ? "." : "", k);
		rc = check(ecsctl_schema_member_shape(m), mv, path, depth + 1, err);
		ecsctl_buf_setlen(path, mark);
		if (rc)
			return rc;
	}
	return 0;
}

static int check(const struct ecsctl_schema_shape *shape, json_t *v, struct ecsctl_buf *path,
                 int depth, struct ecsctl_error *err)
{
	size_t mark = path->len, i;
	const char *k;
	json_t *item;
	int rc;

	if (!shape)
		return 0;
	if (json_is_null(v))
		return serialization(err, path->buf, "a value, not null");
	if (depth > MAX_DEPTH)
		return sim_fail(err, "SerializationException", "Request nesting is too deep.");
	switch (shape->type) {
	case ECSCTL_SCHEMA_STRUCTURE:
		return check_structure(shape, v, path, depth, err);
	case ECSCTL_SCHEMA_LIST:
		if (!json_is_array(v))
			return serialization(err, path->buf, "a list");
		json_array_foreach(v, i, item) {
			ecsctl_buf_addf(path, "[%zu]", i);
			rc = check(ecsctl_schema_at(shape->member), item, path, depth + 1, err);
			ecsctl_buf_setlen(path, mark);
			if (rc)
				return rc;
		}
		return 0;
	case ECSCTL_SCHEMA_MAP:
		if (!json_is_object(v))
			return serialization(err, path->buf, "a map");
		json_object_foreach(v, k, item) {
			ecsctl_buf_addf(path, ".%s", k);
			rc = check(ecsctl_schema_at(shape->value), item, path, depth + 1, err);
			ecsctl_buf_setlen(path, mark);
			if (rc)
				return rc;
		}
		return 0;
	case ECSCTL_SCHEMA_STRING:
		if (!json_is_string(v))
			return serialization(err, path->buf, "a string");
		if (!ecsctl_schema_enum_ok(shape, json_string_value(v)))
			return sim_fail(err, "InvalidParameterException",
			                "1 validation error detected: Value '%s' at '%s' failed to "
			                "satisfy constraint: Member must satisfy enum value set",
			                json_string_value(v), path->buf);
		return 0;
	case ECSCTL_SCHEMA_INTEGER:
	case ECSCTL_SCHEMA_LONG:
		if (!json_is_integer(v))
			return serialization(err, path->buf, "an integer");
		if ((shape->limits.has_min && json_integer_value(v) < shape->limits.min) ||
		    (shape->limits.has_max && json_integer_value(v) > shape->limits.max))
			return sim_fail(err, "InvalidParameterException",
			                "1 validation error detected: Value '%lld' at '%s' failed "
			                "to satisfy constraint: Member must be within range",
			                (long long)json_integer_value(v), path->buf);
		return 0;
	case ECSCTL_SCHEMA_BOOLEAN:
		if (!json_is_boolean(v))
			return serialization(err, path->buf, "a boolean");
		return 0;
	case ECSCTL_SCHEMA_DOUBLE:
		if (!json_is_number(v))
			return serialization(err, path->buf, "a number");
		return 0;
	default:
		return 0;
	}
}

int sim_validate(const char *op, json_t *req, struct ecsctl_error *err)
{
	struct ecsctl_buf path;
	const struct ecsctl_schema_shape *input = ecsctl_schema_input(op);
	int rc;

	if (!input)
		return 0;
	ecsctl_buf_init(&path, MEMBER_PATH_MAX);
	/* own memory from the start so the path can be truncated in place */
	ecsctl_buf_addch(&path, 'x');
	ecsctl_buf_reset(&path);
	rc = check(input, req, &path, 0, err);
	ecsctl_buf_release(&path);
	return rc;
}
