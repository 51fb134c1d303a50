/*
 * Addresses in a Terraform state (format version 4, as `terraform show
 * -json` and the backends store it): outputs by name, resource instances
 * by module path, mode, type, name and count / for_each key, as Terraform
 * writes their addresses (module.net["eu"].aws_subnet.private[1].id).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "ecsctl/buf.h"
#include "lookup_int.h"
#include "banned.h"

struct cursor {
	const char *p;
	struct ecsctl_buf why;
};

static bool fail(struct cursor *c, const char *fmt, const char *a, const char *b)
{
	if (!c->why.len)
		ecsctl_buf_addf(&c->why, fmt, a, b);
	return false;
}

/* A name: letters, digits, '_', '-'. */
static size_t name_len(const char *p)
{
	size_t n = 0;

	while (isalnum((unsigned char)p[n]) || p[n] == '_' || p[n] == '-')
		n++;
	return n;
}

/* A key in brackets: [12] or ["text"]; *num says which, [start, end) the text. */
static bool bracket(struct cursor *c, bool *num, const char **start, size_t *len)
{
	const char *p = c->p + 1, *q;

	if (*p == '"') {
		q = strchr(p + 1, '"');
		if (!q || q[1] != ']')
			return fail(c, "unclosed key at '%s'%s", c->p, "");
		*num = false;
		*start = p + 1;
		*len = (size_t)(q - p - 1);
		c->p = q + 2;
		return true;
	}
	q = p;
	while (isdigit((unsigned char)*q))
		q++;
	if (q == p || *q != ']')
		return fail(c, "a key is [0] or [\"name\"], not '%s'%s", c->p, "");
	*num = true;
	*start = p;
	*len = (size_t)(q - p);
	c->p = q + 1;
	return true;
}

/* Walks .member, [n] and ["member"] steps from `v`. */
static json_t *walk(struct cursor *c, json_t *v)
{
	while (*c->p && v) {
		const char *start;
		size_t len;
		bool num;
		char *k;

		if (*c->p == '.') {
			c->p++;
			len = name_len(c->p);
			if (!len)
				return fail(c, "a member name is missing at '%s'%s", c->p, ""),
				       NULL;
			start = c->p;
			c->p += len;
			num = false;
		} else if (*c->p == '[') {
			if (!bracket(c, &num, &start, &len))
				return NULL;
		} else {
			return fail(c, "unexpected '%s'%s", c->p, ""), NULL;
		}
		k = strndup(start, len);
		if (!k)
			return NULL;
		if (num && json_is_array(v))
			v = json_array_get(v, strtoul(k, NULL, 10));
		else
			v = json_is_object(v) ? json_object_get(v, k) : NULL;
		if (!v)
			fail(c, "no '%s' in the value%s", k, "");
		free(k);
	}
	return v;
}

static bool is_word(const char *p, const char *w)
{
	size_t n = strlen(w);

	return !strncmp(p, w, n) && p[n] == '.';
}

static json_t *output(struct cursor *c, const json_t *state, bool *secret)
{
	json_t *o;
	size_t len;
	char *name;

	c->p += is_word(c->p, "outputs") ? 8 : 7;
	len = name_len(c->p);
	name = strndup(c->p, len);
	if (!name)
		return NULL;
	c->p += len;
	o = json_object_get(json_object_get(state, "outputs"), name);
	if (!o || !json_object_get(o, "value")) {
		fail(c, "the state has no output '%s'%s", name, "");
		free(name);
		return NULL;
	}
	free(name);
	*secret = json_is_true(json_object_get(o, "sensitive"));
	return walk(c, json_object_get(o, "value"));
}

/* Whether the instance's sensitive_attributes name attribute `attr` (a path
 * of steps, [[{"type": "get_attr", "value": "password"}]] or flat). */
static bool sensitive(const json_t *inst, const char *attr)
{
	const json_t *list = json_object_get(inst, "sensitive_attributes"), *path, *step;
	size_t i;

	json_array_foreach(list, i, path) {
		step = json_is_array(path) ? json_array_get(path, 0) : path;
		if (json_is_string(json_object_get(step, "value")) &&
		    !strcmp(json_string_value(json_object_get(step, "value")), attr))
			return true;
	}
	return false;
}

static bool key_matches(const json_t *ik, bool num, const char *k, size_t len)
{
	if (num)
		return json_is_integer(ik) &&
		       (json_int_t)strtoll(k, NULL, 10) == json_integer_value(ik);
	return json_is_string(ik) && json_string_length(ik) == len &&
	       !memcmp(json_string_value(ik), k, len);
}

static json_t *instance(struct cursor *c, const json_t *res, const char *what)
{
	const json_t *insts = json_object_get(res, "instances"), *it;
	bool keyed = json_object_get(res, "each") != NULL, num = false;
	const char *k = NULL;
	size_t len = 0, i;

	if (*c->p == '[' && !bracket(c, &num, &k, &len))
		return NULL;
	if (keyed && !k)
		return fail(c,
		            "'%s' has count or for_each: name an instance with [0] or [\"key\"]%s",
		            what, ""),
		       NULL;
	if (!keyed && k)
		return fail(c, "'%s' has one instance: write it without a key%s", what, ""), NULL;
	json_array_foreach(insts, i, it)
		if (!keyed || key_matches(json_object_get(it, "index_key"), num, k, len))
			return (json_t *)it;
	return fail(c, "'%s' has no such instance%s", what, ""), NULL;
}

static json_t *resource(struct cursor *c, const json_t *state, bool *secret)
{
	struct ecsctl_buf mod = ECSCTL_BUF_INIT, what = ECSCTL_BUF_INIT;
	const char *mode = "managed", *type, *name, *attr;
	size_t tlen, nlen, alen, i;
	const json_t *res, *found = NULL;
	json_t *inst, *v = NULL;

	while (is_word(c->p, "module")) {
		const char *start = c->p;
		size_t len;
		bool num;
		const char *k;

		c->p += 7;
		if (!(len = name_len(c->p))) {
			fail(c, "a module name is missing at '%s'%s", c->p, "");
			goto done;
		}
		c->p += len;
		if (*c->p == '[' && !bracket(c, &num, &k, &len))
			goto done;
		ecsctl_buf_addf(&mod, "%s%.*s", mod.len ? "." : "", (int)(c->p - start), start);
		if (*c->p++ != '.') {
			fail(c, "a resource must follow module '%s'%s", mod.buf, "");
			goto done;
		}
	}
	if (is_word(c->p, "data")) {
		mode = "data";
		c->p += 5;
	}
	type = c->p;
	tlen = name_len(type);
	name = type + tlen + 1;
	nlen = type[tlen] == '.' ? name_len(name) : 0;
	if (!tlen || !nlen) {
		fail(c, "'%s' is not TYPE.NAME or outputs.NAME%s", type, "");
		goto done;
	}
	c->p = name + nlen;
	ecsctl_buf_addf(&what, "%s%s%s%.*s", mod.buf, mod.len ? "." : "",
	                strcmp(mode, "data") ? "" : "data.", (int)(c->p - type), type);
	json_array_foreach(json_object_get(state, "resources"), i, res) {
		const char *m = json_string_value(json_object_get(res, "module"));
		const char *t = json_string_value(json_object_get(res, "type"));
		const char *n = json_string_value(json_object_get(res, "name"));
		const char *md = json_string_value(json_object_get(res, "mode"));

		if (t && n && strlen(t) == tlen && !strncmp(t, type, tlen) && strlen(n) == nlen &&
		    !strncmp(n, name, nlen) && !strcmp(md ? md : "managed", mode) &&
		    !strcmp(m ? m : "", mod.buf)) {
			found = res;
			break;
		}
	}
	if (!found) {
		fail(c, "the state has no resource '%s'%s", what.buf, "");
		goto done;
	}
	if (!(inst = instance(c, found, what.buf)))
		goto done;
	if (*c->p != '.' || !(alen = name_len(c->p + 1))) {
		fail(c, "name an attribute of '%s' (%s.id)", what.buf, what.buf);
		goto done;
	}
	attr = c->p + 1;
	{
		char *a = strndup(attr, alen);

		if (!a)
			goto done;
		*secret = sensitive(inst, a);
		free(a);
	}
	v = walk(c, json_object_get(inst, "attributes"));
done:
	ecsctl_buf_release(&mod);
	ecsctl_buf_release(&what);
	return v;
}

int ecsctl_lookup_tfstate(json_t **out, bool *secret, const json_t *state, const char *address,
                          char **why)
{
	struct cursor c = {address, ECSCTL_BUF_INIT};
	json_t *v;

	*out = NULL;
	*secret = false;
	*why = NULL;
	v = is_word(address, "outputs") || is_word(address, "output") ? output(&c, state, secret)
	                                                              : resource(&c, state, secret);
	if (v) {
		*out = json_incref(v);
		ecsctl_buf_release(&c.why);
		return 0;
	}
	if (!c.why.len)
		ecsctl_buf_adds(&c.why, "out of memory");
	*why = ecsctl_buf_detach(&c.why);
	return -1;
}
