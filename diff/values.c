/*
 * The generic diff engine: changed leaves with paths a person can read.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecsctl/buf.h"
#include "diff_int.h"
#include "banned.h"

/* Lists whose entries ECS identifies by one member. A list not named here
 * is keyed by `name` when every entry has a distinct one, else by index. */
static const struct {
	const char *list;
	const char *key;
} list_keys[] = {
    {"capacityProviderStrategy", "capacityProvider"},
    {"defaultCapacityProviderStrategy", "capacityProvider"},
    {"dependsOn", "containerName"},
    {"extraHosts", "hostname"},
    {"inferenceAccelerators", "deviceName"},
    {"mountPoints", "containerPath"},
    {"resourceRequirements", "type"},
    {"systemControls", "namespace"},
    {"volumesFrom", "sourceContainer"},
};

struct walk {
	struct ecsctl_diff_changes *out;
	struct ecsctl_buf path;
};

static int walk(struct walk *w, const char *member, const json_t *a, const json_t *b);

static const char *key_member(const char *list)
{
	size_t i;

	for (i = 0; i < sizeof(list_keys) / sizeof(list_keys[0]); i++)
		if (strcmp(list_keys[i].list, list) == 0)
			return list_keys[i].key;
	return "name";
}

/* The key of one entry as text, into `kb`; 0 or -1 when it has none. */
static int entry_key(struct ecsctl_buf *kb, const char *list, const json_t *e)
{
	const json_t *k, *port, *proto;

	ecsctl_buf_reset(kb);
	if (!json_is_object(e))
		return -1;
	if (strcmp(list, "portMappings") == 0) {
		port = json_object_get(e, "containerPort");
		if (!port)
			port = json_object_get(e, "containerPortRange");
		proto = json_object_get(e, "protocol");
		if (json_is_integer(port))
			ecsctl_buf_addf(kb, "%lld", (long long)json_integer_value(port));
		else if (json_is_string(port))
			ecsctl_buf_adds(kb, json_string_value(port));
		else
			return -1;
		ecsctl_buf_addf(kb, "/%s",
		                json_is_string(proto) ? json_string_value(proto) : "tcp");
		return 0;
	}
	k = json_object_get(e, strcmp(list, "tags") == 0 ? "key" : key_member(list));
	if (json_is_string(k))
		ecsctl_buf_adds(kb, json_string_value(k));
	else if (json_is_integer(k))
		ecsctl_buf_addf(kb, "%lld", (long long)json_integer_value(k));
	else
		return -1;
	return 0;
}

/* `map` = {key text: entry} for a keyed list, or NULL when the list has no
 * usable key (an entry without one, or two entries sharing one). */
static json_t *keyed(const char *list, const json_t *arr)
{
	struct ecsctl_buf kb = ECSCTL_BUF_INIT;
	json_t *map = json_object(), *e;
	size_t i;

	if (!map)
		return NULL;
	json_array_foreach(arr, i, e) {
		if (entry_key(&kb, list, e) || json_object_get(map, kb.buf) ||
		    json_object_set(map, kb.buf, e)) {
			json_decref(map);
			map = NULL;
			break;
		}
	}
	ecsctl_buf_release(&kb);
	return map;
}

static int all_scalars(const json_t *arr)
{
	size_t i;
	json_t *e;

	json_array_foreach(arr, i, e)
		if (json_is_object(e) || json_is_array(e))
			return 0;
	return 1;
}

static int emit(struct walk *w, const json_t *a, const json_t *b)
{
	if (ecsctl_buf_failed(&w->path))
		return -1;
	return diff_changes_add(w->out, w->path.buf, a, b);
}

static int cmp_keys(const void *x, const void *y)
{
	return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* Sorted union of the member names of two objects (either may be NULL). */
static const char **union_keys(const json_t *a, const json_t *b, size_t *n)
{
	size_t cap = json_object_size(a) + json_object_size(b), i = 0;
	const char **keys = calloc(cap ? cap : 1, sizeof(*keys)), *k;
	json_t *m;

	if (!keys)
		return NULL;
	json_object_foreach((json_t *)a, k, m)
		keys[i++] = k;
	json_object_foreach((json_t *)b, k, m)
		if (!json_object_get(a, k))
			keys[i++] = k;
	qsort(keys, i, sizeof(*keys), cmp_keys);
	*n = i;
	return keys;
}

/* Members (or keyed entries) equal on both sides, for "N unchanged hidden". */
static size_t count_equal(const json_t *a, const json_t *b)
{
	const char *k;
	json_t *m, *o;
	size_t n = 0;

	json_object_foreach((json_t *)a, k, m) {
		o = json_object_get(b, k);
		n += o && json_equal(m, o);
	}
	return n;
}

static int walk_object(struct walk *w, const json_t *a, const json_t *b, const char *open,
                       const char *close)
{
	size_t n = 0, i, len = w->path.len;
	const char **keys = union_keys(a, b, &n);
	int rc = 0;

	if (!keys)
		return -1;
	if (!ecsctl_buf_failed(&w->path) &&
	    diff_changes_count_unchanged(w->out, w->path.buf, count_equal(a, b))) {
		free(keys);
		return -1;
	}
	for (i = 0; i < n && !rc; i++) {
		if (open)
			ecsctl_buf_addf(&w->path, "%s%s%s", open, keys[i], close);
		else
			ecsctl_buf_addf(&w->path, "%s%s", len ? "." : "", keys[i]);
		rc = walk(w, keys[i], json_object_get(a, keys[i]), json_object_get(b, keys[i]));
		ecsctl_buf_setlen(&w->path, len);
	}
	free(keys);
	return rc;
}

/* Tags read as a map key -> value: `tags[team]: "a" -> "b"`. */
static json_t *tag_map(const json_t *arr)
{
	json_t *map = json_object(), *e, *k, *v;
	size_t i;

	if (!map)
		return NULL;
	json_array_foreach(arr, i, e) {
		k = json_object_get(e, "key");
		v = json_object_get(e, "value");
		if (!json_is_string(k) || json_object_get(map, json_string_value(k)) ||
		    json_object_set(map, json_string_value(k), v ? v : json_null())) {
			json_decref(map);
			return NULL;
		}
	}
	return map;
}

static int walk_array(struct walk *w, const char *member, const json_t *a, const json_t *b)
{
	json_t *ma = NULL, *mb = NULL;
	size_t i, len = w->path.len;
	int rc = 0, tags = member && strcmp(member, "tags") == 0;

	if (member && !(all_scalars(a) && all_scalars(b))) {
		ma = tags ? tag_map(a) : keyed(member, a);
		mb = ma ? (tags ? tag_map(b) : keyed(member, b)) : NULL;
	}
	if (ma && mb) {
		rc = walk_object(w, ma, mb, "[", "]");
	} else if (!all_scalars(a) && !all_scalars(b) && json_array_size(a) == json_array_size(b)) {
		size_t same = 0;
		for (i = 0; i < json_array_size(a); i++)
			same += json_equal(json_array_get(a, i), json_array_get(b, i));
		if (ecsctl_buf_failed(&w->path) ||
		    diff_changes_count_unchanged(w->out, w->path.buf, same))
			return -1;
		for (i = 0; i < json_array_size(a) && !rc; i++) {
			ecsctl_buf_addf(&w->path, "[%zu]", i);
			rc = walk(w, NULL, json_array_get(a, i), json_array_get(b, i));
			ecsctl_buf_setlen(&w->path, len);
		}
	} else {
		rc = emit(w, a, b);
	}
	json_decref(ma);
	json_decref(mb);
	return rc;
}

static int walk(struct walk *w, const char *member, const json_t *a, const json_t *b)
{
	if (!a && !b)
		return 0;
	if (a && b && json_equal((json_t *)a, (json_t *)b))
		return 0;
	if (json_is_object(a) && json_is_object(b))
		return walk_object(w, a, b, NULL, NULL);
	/* A whole resource created or deleted reads member by member. */
	if (w->path.len == 0 && ((!a && json_is_object(b)) || (!b && json_is_object(a))))
		return walk_object(w, a, b, NULL, NULL);
	if (json_is_array(a) && json_is_array(b))
		return walk_array(w, member, a, b);
	return emit(w, a, b);
}

int ecsctl_diff_values(struct ecsctl_diff_changes *out, const json_t *before, const json_t *after,
                       const char *prefix, struct ecsctl_error *err)
{
	struct walk w = {out, ECSCTL_BUF_INIT};
	const char *member = NULL;
	int rc;

	if (prefix && *prefix) {
		ecsctl_buf_adds(&w.path, prefix);
		member = strrchr(prefix, '.');
		member = member ? member + 1 : prefix;
	}
	rc = walk(&w, member, before, after);
	if (rc || ecsctl_buf_failed(&w.path))
		rc = ecsctl_error_set(err, ECSCTL_ENOMEM, "out of memory while diffing");
	ecsctl_buf_release(&w.path);
	return rc;
}

char *ecsctl_diff_canonical_dump(const json_t *v)
{
	return v ? json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY) : NULL;
}
