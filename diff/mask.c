/*
 * Masking: sensitive values never reach a plan, on screen or in JSON.
 */
#include <stdlib.h>
#include <string.h>

#include "diff_int.h"
#include "banned.h"

static int strong_sensitive(const char *member)
{
	return strcmp(member, "environment") != 0 && diff_member_sensitive(member);
}

static json_t *masked(void)
{
	return json_string(ECSCTL_DIFF_MASKED);
}

static int looks_secret(const json_t *v)
{
	return json_is_string(v) && ecsctl_diff_value_looks_secret(json_string_value(v));
}

static int mask_env_entry(json_t *e, const struct ecsctl_diff_mask *mk)
{
	const char *name = json_string_value(json_object_get(e, "name"));
	json_t *v = json_object_get(e, "value");

	if (!json_is_object(e) || !v)
		return 0;
	if ((mk->flags & ECSCTL_DIFF_MASK_ALL_ENVIRONMENT) || !name || diff_name_secret(name, mk) ||
	    looks_secret(v))
		return json_object_set_new(e, "value", masked());
	return 0;
}

static int mask_env_list(json_t *list, const struct ecsctl_diff_mask *mk)
{
	size_t i;
	json_t *e;

	json_array_foreach(list, i, e) if (mask_env_entry(e, mk)) return -1;
	return 0;
}

/* String maps whose keys name what their values are: a log driver's
 * `splunk-token` option is a secret though no model shape says so. */
static int option_map(const char *member)
{
	return strcmp(member, "options") == 0 || strcmp(member, "driverOpts") == 0 ||
	       strcmp(member, "dockerLabels") == 0;
}

static int mask_options(json_t *map, const struct ecsctl_diff_mask *mk)
{
	const char *k;
	json_t *m;

	json_object_foreach(map, k, m)
	{
		if ((diff_name_secret(k, mk) || looks_secret(m)) &&
		    json_object_set_new(map, k, masked()))
			return -1;
	}
	return 0;
}

/* Masks in place whatever sits below `v`: by member, by name, and any string
 * that looks like a credential wherever it is (a token in a command line). */
static int mask_walk(json_t *v, const struct ecsctl_diff_mask *mk)
{
	const char *k;
	json_t *m;
	size_t i;

	if (json_is_object(v)) {
		json_object_foreach(v, k, m)
		{
			if (option_map(k) && json_is_object(m)) {
				if (mask_options(m, mk))
					return -1;
			} else if (strong_sensitive(k) || looks_secret(m)) {
				if (json_object_set_new(v, k, masked()))
					return -1;
			} else if (strcmp(k, "environment") == 0 && json_is_array(m)) {
				if (mask_env_list(m, mk))
					return -1;
			} else if (mask_walk(m, mk)) {
				return -1;
			}
		}
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, m)
		{
			if (looks_secret(m) ? json_array_set_new(v, i, masked()) : mask_walk(m, mk))
				return -1;
		}
	}
	return 0;
}

enum ctx {
	CTX_WALK,      /* look inside */
	CTX_ALL,       /* the whole value is secret */
	CTX_ENV_LIST,  /* an environment list */
	CTX_ENV_ENTRY, /* one environment entry {name, value} */
	CTX_VALUE,     /* a plain string: secret if it embeds credentials */
	CTX_NONE,      /* nothing secret */
	CTX_OPTIONS,   /* a string map (log options, labels) */
};

struct seg {
	const char *s; /* NUL-terminated inside the scratch copy */
	int key;       /* a [list key], not a member */
};

/* What the path says about the value found there, from its last segments. */
static enum ctx path_context(const char *path, const struct ecsctl_diff_mask *mk)
{
	/* Segments are kept whole: a cut name could hide its _PASSWORD
	 * suffix. Out of memory masks everything. */
	size_t len = strlen(path), n = 0, i;
	char *buf = malloc(len + 1);
	struct seg *v = calloc(len + 1, sizeof(*v));
	const struct seg *a, *b, *c;
	enum ctx r = CTX_WALK;
	char *p;

	if (!buf || !v) {
		r = CTX_ALL;
		goto done;
	}
	memcpy(buf, path, len + 1);
	for (p = buf; *p;) {
		if (*p == '.') {
			p++;
		} else if (*p == '[') {
			/* Writing NUL over '[' also ends the member before it. */
			char *close = strchr(p, ']');
			if (!close)
				break;
			*p = '\0';
			*close = '\0';
			v[n].s = p + 1;
			v[n++].key = 1;
			p = close + 1;
		} else {
			v[n].s = p;
			v[n++].key = 0;
			p += strcspn(p, ".[");
			if (*p == '.')
				*p++ = '\0';
		}
	}
	for (i = 0; i < n; i++) {
		if (!v[i].key && strong_sensitive(v[i].s)) {
			r = CTX_ALL;
			goto done;
		}
		if (i > 0 && !v[i].key && !v[i - 1].key && option_map(v[i - 1].s) &&
		    diff_name_secret(v[i].s, mk)) {
			r = CTX_ALL;
			goto done;
		}
	}
	a = n >= 1 ? &v[n - 1] : NULL;
	b = n >= 2 ? &v[n - 2] : NULL;
	c = n >= 3 ? &v[n - 3] : NULL;
	if (a && !a->key && strcmp(a->s, "environment") == 0)
		r = CTX_ENV_LIST;
	else if (a && a->key && b && !b->key && strcmp(b->s, "environment") == 0)
		r = CTX_ENV_ENTRY;
	else if (a && !a->key && strcmp(a->s, "value") == 0 && b && b->key && c && !c->key &&
	         strcmp(c->s, "environment") == 0)
		r = (mk->flags & ECSCTL_DIFF_MASK_ALL_ENVIRONMENT) || diff_name_secret(b->s, mk)
		        ? CTX_ALL
		        : CTX_VALUE;
	else if (a && !a->key && b && b->key && c && !c->key && strcmp(c->s, "environment") == 0)
		r = CTX_NONE; /* an entry's name */
	else if (a && !a->key && option_map(a->s))
		r = CTX_OPTIONS;
	else if (a && !a->key && b && !b->key && option_map(b->s))
		r = CTX_VALUE;
done:
	free(buf);
	free(v);
	return r;
}

json_t *ecsctl_diff_mask_value(const char *path, const json_t *value,
                               const struct ecsctl_diff_mask *mask)
{
	static const struct ecsctl_diff_mask none = ECSCTL_DIFF_MASK_INIT;
	const struct ecsctl_diff_mask *mk = mask ? mask : &none;
	enum ctx ctx;
	json_t *copy;
	int rc = 0;

	if (!value)
		return NULL;
	ctx = path_context(path ? path : "", mk);
	if (ctx == CTX_ALL || looks_secret(value))
		return masked();
	copy = json_deep_copy(value);
	if (!copy || ctx == CTX_NONE || ctx == CTX_VALUE)
		return copy;
	switch (ctx) {
	case CTX_ENV_LIST:
		rc = json_is_array(copy) ? mask_env_list(copy, mk) : mask_walk(copy, mk);
		break;
	case CTX_OPTIONS:
		rc = json_is_object(copy) ? mask_options(copy, mk) : 0;
		break;
	case CTX_ENV_ENTRY:
		if (json_is_object(copy)) {
			rc = mask_env_entry(copy, mk);
		} else {
			json_decref(copy);
			return masked();
		}
		break;
	default:
		rc = mask_walk(copy, mk);
	}
	if (rc) {
		json_decref(copy);
		return NULL;
	}
	return copy;
}

json_t *ecsctl_diff_changes_to_json(const struct ecsctl_diff_changes *c,
                                    const struct ecsctl_diff_mask *mask)
{
	return ecsctl_diff_changes_to_json_as(c, mask, "before", "after");
}

json_t *ecsctl_diff_changes_to_json_as(const struct ecsctl_diff_changes *c,
                                       const struct ecsctl_diff_mask *mask, const char *before_name,
                                       const char *after_name)
{
	json_t *arr = json_array(), *e;
	size_t i;

	if (!arr)
		return NULL;
	for (i = 0; c && i < c->count; i++) {
		const struct ecsctl_diff_change *ch = &c->items[i];
		json_t *b =
		    ch->before ? ecsctl_diff_mask_value(ch->path, ch->before, mask) : json_null();
		json_t *a =
		    ch->after ? ecsctl_diff_mask_value(ch->path, ch->after, mask) : json_null();
		e = (a && b) ? json_pack("{s:s,s:o,s:o}", "path", ch->path, before_name, b,
		                         after_name, a)
		             : NULL;
		if (!a || !b) {
			json_decref(a);
			json_decref(b);
		}
		if (!e || json_array_append_new(arr, e)) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}
