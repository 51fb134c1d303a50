/*
 * Request validation against the ECS model's input shapes (shapes_gen.c):
 * JSON types, required members, enums and numeric ranges. Unknown members are
 * ignored, as AWS JSON services do, so newer clients keep working.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecsctl/buf.h"
#include "sim_int.h"
#include "banned.h"

#define MAX_DEPTH 32

struct sim_shapes {
	json_t *root;
	json_t *ops;
	json_t *shapes;
};

int sim_shapes_new(struct sim_shapes **out, struct ecsctl_error *err)
{
	struct ecsctl_buf text = ECSCTL_BUF_INIT;
	struct sim_shapes *sh = calloc(1, sizeof(*sh));
	json_error_t jerr;

	*out = NULL;
	if (!sh)
		return ecsctl_error_set(err, ECSCTL_ENOMEM, "out of memory");
	for (const char *const *p = sim_shapes_json; *p; p++)
		ecsctl_buf_adds(&text, *p);
	sh->root = ecsctl_buf_failed(&text) ? NULL : json_loads(text.buf, 0, &jerr);
	ecsctl_buf_release(&text);
	if (!sh->root) {
		free(sh);
		return ecsctl_error_set(err, ECSCTL_EINVAL, "built-in ECS shapes do not load");
	}
	sh->ops = json_object_get(sh->root, "ops");
	sh->shapes = json_object_get(sh->root, "shapes");
	*out = sh;
	return 0;
}

void sim_shapes_free(struct sim_shapes *sh)
{
	if (!sh)
		return;
	json_decref(sh->root);
	free(sh);
}

static int serialization(struct ecsctl_error *err, const char *path, const char *want)
{
	return sim_fail(err, "SerializationException", "Unable to parse '%s': expected %s.",
	                *path ? path : "request", want);
}

static int check(const struct sim_shapes *sh, const char *shape_name, json_t *v,
                 struct ecsctl_buf *path, int depth, struct ecsctl_error *err)
{
	json_t *shape = json_object_get(sh->shapes, shape_name);
	const char *t = sim_str(shape, "t");
	size_t mark = path->len, i;
	int rc = 0;

	if (!shape || !t)
		return 0;
	if (json_is_null(v))
		return serialization(err, path->buf, "a value, not null");
	if (depth > MAX_DEPTH)
		return sim_fail(err, "SerializationException", "Request nesting is too deep.");
	if (strcmp(t, "structure") == 0) {
		json_t *members = json_object_get(shape, "m"), *req;
		const char *k;
		json_t *mv;
		void *tmp;

		if (!json_is_object(v))
			return serialization(err, path->buf, "an object");
		/* a null member is an absent member, as for AWS JSON services */
		json_object_foreach_safe(v, tmp, k, mv)
		{
			if (json_is_null(mv))
				json_object_del(v, k);
		}
		json_array_foreach(json_object_get(shape, "required"), i, req)
		{
			json_t *got = json_object_get(v, json_string_value(req));
			if (!got || json_is_null(got))
				return sim_fail(
				    err, "InvalidParameterException",
				    "1 validation error detected: Value null at '%s%s%s' "
				    "failed to satisfy constraint: Member must not be null",
				    path->buf, path->len ? "." : "", json_string_value(req));
		}
		json_object_foreach(v, k, mv)
		{
			const char *ms = sim_str(members, k);
			if (!ms)
				continue;
			ecsctl_buf_addf(path, "%s%s", mark ? "." : "", k);
			rc = check(sh, ms, mv, path, depth + 1, err);
			path->len = mark;
			path->buf[mark] = '\0';
			if (rc)
				return rc;
		}
	} else if (strcmp(t, "list") == 0) {
		json_t *item;
		if (!json_is_array(v))
			return serialization(err, path->buf, "a list");
		json_array_foreach(v, i, item)
		{
			ecsctl_buf_addf(path, "[%zu]", i);
			rc = check(sh, sim_str(shape, "member"), item, path, depth + 1, err);
			path->len = mark;
			path->buf[mark] = '\0';
			if (rc)
				return rc;
		}
	} else if (strcmp(t, "map") == 0) {
		const char *k;
		json_t *mv;
		if (!json_is_object(v))
			return serialization(err, path->buf, "a map");
		json_object_foreach(v, k, mv)
		{
			ecsctl_buf_addf(path, ".%s", k);
			rc = check(sh, sim_str(shape, "value"), mv, path, depth + 1, err);
			path->len = mark;
			path->buf[mark] = '\0';
			if (rc)
				return rc;
		}
	} else if (strcmp(t, "string") == 0) {
		json_t *e, *en = json_object_get(shape, "enum");
		int ok = !en;
		if (!json_is_string(v))
			return serialization(err, path->buf, "a string");
		json_array_foreach(en, i, e)
		{
			ok |= strcmp(json_string_value(e), json_string_value(v)) == 0;
		}
		if (!ok)
			return sim_fail(err, "InvalidParameterException",
			                "1 validation error detected: Value '%s' at '%s' failed to "
			                "satisfy constraint: Member must satisfy enum value set",
			                json_string_value(v), path->buf);
	} else if (strcmp(t, "integer") == 0 || strcmp(t, "long") == 0) {
		json_t *min = json_object_get(shape, "min"), *max = json_object_get(shape, "max");
		if (!json_is_integer(v))
			return serialization(err, path->buf, "an integer");
		if ((min && json_integer_value(v) < json_integer_value(min)) ||
		    (max && json_integer_value(v) > json_integer_value(max)))
			return sim_fail(err, "InvalidParameterException",
			                "1 validation error detected: Value '%lld' at '%s' failed "
			                "to satisfy constraint: Member must be within range",
			                (long long)json_integer_value(v), path->buf);
	} else if (strcmp(t, "boolean") == 0) {
		if (!json_is_boolean(v))
			return serialization(err, path->buf, "a boolean");
	} else if (strcmp(t, "double") == 0 || strcmp(t, "float") == 0) {
		if (!json_is_number(v))
			return serialization(err, path->buf, "a number");
	}
	return 0;
}

int sim_validate(const struct sim_shapes *sh, const char *op, json_t *req, struct ecsctl_error *err)
{
	struct ecsctl_buf path = ECSCTL_BUF_INIT;
	const char *shape = sim_str(sh->ops, op);
	int rc;

	if (!shape)
		return 0;
	ecsctl_buf_init(&path, 4096);
	ecsctl_buf_adds(&path, "");
	/* make sure the buffer owns memory we can truncate in place */
	ecsctl_buf_addch(&path, 'x');
	path.len = 0;
	path.buf[0] = '\0';
	rc = check(sh, shape, req, &path, 0, err);
	ecsctl_buf_release(&path);
	return rc;
}
