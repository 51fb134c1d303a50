#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "diff_int.h"
#include "banned.h"

int diff_name_in(const char *name, const char *const *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(name, list[i]) == 0)
			return 1;
	return 0;
}

static int type_rank(const json_t *v)
{
	if (!v)
		return 0;
	switch (json_typeof(v)) {
	case JSON_NULL:
		return 1;
	case JSON_FALSE:
	case JSON_TRUE:
		return 2;
	case JSON_INTEGER:
	case JSON_REAL:
		return 3;
	case JSON_STRING:
		return 4;
	case JSON_ARRAY:
		return 5;
	case JSON_OBJECT:
		return 6;
	}
	return 7;
}

/* A total order over JSON values (type first, then value; containers by
 * their canonical dump), so sorts are deterministic. */
static int diff_json_cmp(const json_t *a, const json_t *b)
{
	int ra = type_rank(a), rb = type_rank(b), r;
	char *da, *db;

	if (ra != rb)
		return ra < rb ? -1 : 1;
	switch (ra) {
	case 2:
		return (int)json_is_true(a) - (int)json_is_true(b);
	case 3: {
		double x = json_number_value(a), y = json_number_value(b);
		return x < y ? -1 : x > y ? 1 : 0;
	}
	case 4:
		return strcmp(json_string_value(a), json_string_value(b));
	case 5:
	case 6:
		da = json_dumps(a, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
		db = json_dumps(b, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
		r = (da && db) ? strcmp(da, db) : 0;
		free(da);
		free(db);
		return r;
	default:
		return 0;
	}
}

static int entry_cmp(json_t *a, json_t *b, const char *key)
{
	if (key)
		return diff_json_cmp(json_is_object(a) ? json_object_get(a, key) : NULL,
		                     json_is_object(b) ? json_object_get(b, key) : NULL);
	return diff_json_cmp(a, b);
}

/* Stable merge sort: ECS order of equal keys must survive. */
static void merge_sort(json_t **v, json_t **tmp, size_t n, const char *key)
{
	size_t mid = n / 2, i = 0, j, k = 0;

	if (n < 2)
		return;
	merge_sort(v, tmp, mid, key);
	merge_sort(v + mid, tmp, n - mid, key);
	j = mid;
	while (i < mid && j < n)
		tmp[k++] = entry_cmp(v[j], v[i], key) < 0 ? v[j++] : v[i++];
	while (i < mid)
		tmp[k++] = v[i++];
	while (j < n)
		tmp[k++] = v[j++];
	memcpy(v, tmp, n * sizeof(*v));
}

int diff_sort_array(json_t *arr, const char *key)
{
	size_t n, i;
	json_t **v = NULL, **tmp = NULL;
	int rc = -1;

	if (!json_is_array(arr) || json_array_size(arr) < 2)
		return 0;
	n = json_array_size(arr);
	v = calloc(n, sizeof(*v));
	tmp = calloc(n, sizeof(*tmp));
	if (!v || !tmp)
		goto done;
	for (i = 0; i < n; i++)
		v[i] = json_incref(json_array_get(arr, i));
	merge_sort(v, tmp, n, key);
	for (i = 0; i < n; i++)
		json_array_set(arr, i, v[i]); /* array keeps its own ref */
	for (i = 0; i < n; i++)
		json_decref(v[i]);
	rc = 0;
done:
	free(v);
	free(tmp);
	return rc;
}

static int is_empty(const json_t *v)
{
	return json_is_null(v) || (json_is_array(v) && json_array_size(v) == 0) ||
	       (json_is_object(v) && json_object_size(v) == 0);
}

void ecsctl_diff_drop_empty(json_t *v)
{
	const char *k;
	json_t *m;
	void *tmp;
	size_t i;

	if (json_is_object(v)) {
		json_object_foreach_safe(v, tmp, k, m) {
			ecsctl_diff_drop_empty(m);
			if (is_empty(m))
				json_object_del(v, k);
		}
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, m)
			ecsctl_diff_drop_empty(m);
	}
}

/* Deletes member `key` of `obj` when it equals `def` (an integer, string or
 * boolean given as a JSON value). Does not steal `def`. */
static void diff_drop_default(json_t *obj, const char *key, const json_t *def)
{
	json_t *m = json_is_object(obj) ? json_object_get(obj, key) : NULL;

	if (m && diff_json_cmp(m, def) == 0 && json_typeof(m) == json_typeof(def))
		json_object_del(obj, key);
	else if (m && json_is_number(m) && json_is_number(def) &&
	         json_number_value(m) == json_number_value(def))
		json_object_del(obj, key);
}

void diff_drop_default_int(json_t *obj, const char *key, json_int_t def)
{
	json_t *d = json_integer(def);

	if (d)
		diff_drop_default(obj, key, d);
	json_decref(d);
}

void diff_drop_default_str(json_t *obj, const char *key, const char *def)
{
	json_t *d = json_string(def);

	if (d)
		diff_drop_default(obj, key, d);
	json_decref(d);
}

void diff_drop_default_bool(json_t *obj, const char *key, int def)
{
	diff_drop_default(obj, key, def ? json_true() : json_false());
}

int diff_set_default(json_t *obj, const char *key, json_t *val)
{
	if (!val)
		return -1;
	if (!json_is_object(obj) || json_object_get(obj, key)) {
		json_decref(val);
		return 0;
	}
	return json_object_set_new(obj, key, val) ? -1 : 0;
}

int diff_canon_numbers(json_t **v)
{
	const char *k;
	json_t *m, *r;
	size_t i;
	double d;

	if (json_is_real(*v)) {
		d = json_real_value(*v);
		if (isfinite(d) && d == floor(d) && fabs(d) < 9.0e15) {
			r = json_integer((json_int_t)d);
			if (!r)
				return -1;
			json_decref(*v);
			*v = r;
		}
	} else if (json_is_object(*v)) {
		json_object_foreach(*v, k, m) {
			r = json_incref(m);
			if (diff_canon_numbers(&r)) {
				json_decref(r);
				return -1;
			}
			if (r != m && json_object_set(*v, k, r)) {
				json_decref(r);
				return -1;
			}
			json_decref(r);
		}
	} else if (json_is_array(*v)) {
		json_array_foreach(*v, i, m) {
			r = json_incref(m);
			if (diff_canon_numbers(&r)) {
				json_decref(r);
				return -1;
			}
			if (r != m && json_array_set(*v, i, r)) {
				json_decref(r);
				return -1;
			}
			json_decref(r);
		}
	}
	return 0;
}

int diff_stringify_map_values(json_t *map)
{
	const char *k;
	json_t *m, *s;
	char *txt;

	if (!json_is_object(map))
		return 0;
	json_object_foreach(map, k, m) {
		if (!json_is_number(m) && !json_is_boolean(m))
			continue;
		txt = json_dumps(m, JSON_ENCODE_ANY | JSON_REAL_PRECISION(17));
		s = txt ? json_string(txt) : NULL;
		free(txt);
		if (!s || json_object_set_new(map, k, s))
			return -1;
	}
	return 0;
}

int diff_changes_add(struct ecsctl_diff_changes *c, const char *path, const json_t *before,
                     const json_t *after)
{
	struct ecsctl_diff_change *n;
	size_t alloc;
	char *p;

	if (c->count == c->alloc) {
		alloc = c->alloc ? c->alloc * 2 : 8;
		n = realloc(c->items, alloc * sizeof(*n));
		if (!n)
			return -1;
		c->items = n;
		c->alloc = alloc;
	}
	p = strdup(path);
	if (!p)
		return -1;
	c->items[c->count].path = p;
	c->items[c->count].before = before ? json_deep_copy(before) : NULL;
	c->items[c->count].after = after ? json_deep_copy(after) : NULL;
	if ((before && !c->items[c->count].before) || (after && !c->items[c->count].after)) {
		json_decref(c->items[c->count].before);
		json_decref(c->items[c->count].after);
		free(p);
		return -1;
	}
	c->count++;
	return 0;
}

int diff_changes_count_unchanged(struct ecsctl_diff_changes *c, const char *path, size_t n)
{
	json_int_t had;

	if (!n)
		return 0;
	if (!c->unchanged && !(c->unchanged = json_object()))
		return -1;
	had = json_integer_value(json_object_get(c->unchanged, path));
	return json_object_set_new(c->unchanged, path, json_integer(had + (json_int_t)n));
}

void diff_changes_remove(struct ecsctl_diff_changes *c, size_t i)
{
	free(c->items[i].path);
	json_decref(c->items[i].before);
	json_decref(c->items[i].after);
	memmove(c->items + i, c->items + i + 1, (c->count - i - 1) * sizeof(*c->items));
	c->count--;
}

void ecsctl_diff_changes_init(struct ecsctl_diff_changes *c)
{
	c->items = NULL;
	c->count = 0;
	c->alloc = 0;
	c->unchanged = NULL;
}

void ecsctl_diff_changes_release(struct ecsctl_diff_changes *c)
{
	if (!c)
		return;
	while (c->count)
		diff_changes_remove(c, c->count - 1);
	free(c->items);
	json_decref(c->unchanged);
	ecsctl_diff_changes_init(c);
}

const struct ecsctl_diff_change *ecsctl_diff_changes_find(const struct ecsctl_diff_changes *c,
                                                          const char *path)
{
	size_t i;

	for (i = 0; c && i < c->count; i++)
		if (strcmp(c->items[i].path, path) == 0)
			return &c->items[i];
	return NULL;
}
