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

/* Holds a value known to be secret: whole, or inside when it is long
 * enough not to turn up by chance (a "1" would mask every count). */
static int holds_secret(const char *s, const struct ecsctl_diff_mask *mk)
{
	size_t i;

	for (i = 0; s && mk && i < mk->nvalues; i++) {
		const char *v = mk->values[i];

		if (v && *v && (strlen(v) >= 4 ? strstr(s, v) != NULL : !strcmp(s, v)))
			return 1;
	}
	return 0;
}

static int looks_secret(const json_t *v, const struct ecsctl_diff_mask *mk)
{
	return json_is_string(v) && (ecsctl_secret_value(json_string_value(v)) ||
	                             holds_secret(json_string_value(v), mk));
}

/* Inside a JSON document: members named like secrets, credential-like strings. */
static int mask_doc(json_t *v, const struct ecsctl_diff_mask *mk, int *hit)
{
	const char *k;
	json_t *m;
	size_t i;

	json_object_foreach(v, k, m) {
		if (diff_name_secret(k, mk) || looks_secret(m, mk)) {
			*hit = 1;
			if (json_object_set_new(v, k, masked()))
				return -1;
		} else if (mask_doc(m, mk, hit)) {
			return -1;
		}
	}
	json_array_foreach(v, i, m) {
		if (looks_secret(m, mk)) {
			*hit = 1;
			if (json_array_set_new(v, i, masked()))
				return -1;
		} else if (mask_doc(m, mk, hit)) {
			return -1;
		}
	}
	return 0;
}

/*
 * `*out` = what string `v` shows instead of itself: "(sensitive)" when it
 * looks like a credential; when it holds a JSON document (an app config in
 * an environment variable) with secret members, the document with those
 * masked (compact); else NULL (show it as is). 0, or -1 when out of memory.
 */
static int masked_string(json_t **out, const json_t *v, const struct ecsctl_diff_mask *mk)
{
	const char *s = json_string_value(v);
	json_t *doc;
	char *text;
	int hit = 0, rc = 0;

	*out = NULL;
	if (!s)
		return 0;
	if (holds_secret(s, mk))
		return (*out = masked()) ? 0 : -1;
	s += strspn(s, " \t\r\n");
	/* a document: only its secret members go, the reviewer sees the rest */
	doc = *s == '{' || *s == '[' ? json_loads(s, JSON_DECODE_ANY, NULL) : NULL;
	if (!doc) {
		if (ecsctl_secret_value(json_string_value(v)))
			return (*out = masked()) ? 0 : -1;
		return 0;
	}
	if (mask_doc(doc, mk, &hit)) {
		rc = -1;
	} else if (hit) {
		text = json_dumps(doc, JSON_COMPACT | JSON_ENCODE_ANY);
		*out = text ? json_string(text) : NULL;
		rc = *out ? 0 : -1;
		free(text);
	}
	json_decref(doc);
	return rc;
}

/* Replaces member `k` of `obj` (or entry `i` of an array) by its masked form. */
static int mask_member(json_t *obj, const char *k, size_t i, const struct ecsctl_diff_mask *mk)
{
	json_t *v = k ? json_object_get(obj, k) : json_array_get(obj, i), *m;

	if (masked_string(&m, v, mk))
		return -1;
	if (!m)
		return 0;
	return k ? json_object_set_new(obj, k, m) : json_array_set_new(obj, i, m);
}

static int mask_env_entry(json_t *e, const struct ecsctl_diff_mask *mk)
{
	const char *name = json_string_value(json_object_get(e, "name"));
	json_t *v = json_object_get(e, "value");

	if (!json_is_object(e) || !v)
		return 0;
	if ((mk->flags & ECSCTL_DIFF_MASK_ALL_ENVIRONMENT) || !name || diff_name_secret(name, mk))
		return json_object_set_new(e, "value", masked());
	return mask_member(e, "value", 0, mk);
}

static int mask_env_list(json_t *list, const struct ecsctl_diff_mask *mk)
{
	size_t i;
	json_t *e;

	json_array_foreach(list, i, e)
		if (mask_env_entry(e, mk))
			return -1;
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

	json_object_foreach(map, k, m) {
		if (diff_name_secret(k, mk) ? json_object_set_new(map, k, masked())
		                            : mask_member(map, k, 0, mk))
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
		json_object_foreach(v, k, m) {
			if (option_map(k) && json_is_object(m)) {
				if (mask_options(m, mk))
					return -1;
			} else if (strong_sensitive(k)) {
				if (json_object_set_new(v, k, masked()))
					return -1;
			} else if (json_is_string(m)) {
				if (mask_member(v, k, 0, mk))
					return -1;
			} else if (strcmp(k, "environment") == 0 && json_is_array(m)) {
				if (mask_env_list(m, mk))
					return -1;
			} else if (mask_walk(m, mk)) {
				return -1;
			}
		}
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, m) {
			if (json_is_string(m) ? mask_member(v, NULL, i, mk) : mask_walk(m, mk))
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
	if (ctx == CTX_ALL)
		return masked();
	if (ctx != CTX_NONE && json_is_string(value)) {
		if (masked_string(&copy, value, mk))
			return NULL;
		if (copy)
			return copy;
	}
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
		json_t *b = ch->before ? ecsctl_diff_mask_value(ch->path, ch->before, mask)
		                       : json_null();
		json_t *a = ch->after ? ecsctl_diff_mask_value(ch->path, ch->after, mask)
		                      : json_null();
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
