/*
 * Tags: compared apart from the resource (they change through TagResource /
 * UntagResource, never through a register or an update).
 */
#include <string.h>
#include <strings.h>

#include "diff_int.h"
#include "banned.h"

static int reserved(const char *key)
{
	return strncasecmp(key, "aws:", 4) == 0;
}

/* {key: value} of a tag list, leaving out reserved keys. */
static int tag_map(json_t **out, const json_t *tags, const char *side, struct ecsctl_error *err)
{
	json_t *map = json_object(), *t, *k, *v;
	size_t i;

	*out = NULL;
	if (!map)
		return ecsctl_error_nomem(err);
	if (tags && !json_is_array(tags)) {
		json_decref(map);
		return ecsctl_error_set(err, ECSCTL_EINVAL, "%s tags must be a list", side);
	}
	json_array_foreach(tags, i, t) {
		k = json_object_get(t, "key");
		v = json_object_get(t, "value");
		if (!json_is_string(k) || (v && !json_is_string(v))) {
			json_decref(map);
			return ecsctl_error_set(err, ECSCTL_EINVAL,
			                        "%s tags[%zu] needs a string key and value", side,
			                        i);
		}
		if (reserved(json_string_value(k)))
			continue;
		if (json_object_set_new(map, json_string_value(k),
		                        json_string(v ? json_string_value(v) : ""))) {
			json_decref(map);
			return ecsctl_error_nomem(err);
		}
	}
	*out = map;
	return 0;
}

int ecsctl_diff_tags(json_t **add, json_t **remove, struct ecsctl_diff_changes *changes,
                     const json_t *desired, const json_t *live, struct ecsctl_error *err)
{
	json_t *want = NULL, *have = NULL, *a = NULL, *r = NULL, *v, *cur;
	struct ecsctl_diff_changes tmp = ECSCTL_DIFF_CHANGES_INIT;
	const char *k;
	size_t i;
	int rc;

	*add = NULL;
	*remove = NULL;
	rc = tag_map(&want, desired, "desired", err);
	if (!rc)
		rc = tag_map(&have, live, "live", err);
	if (rc)
		goto done;
	a = json_array();
	r = json_array();
	if (!a || !r)
		goto nomem;
	json_object_foreach(want, k, v) {
		cur = json_object_get(have, k);
		if (cur && json_equal(cur, v))
			continue;
		if (json_array_append_new(a, json_pack("{s:s,s:O}", "key", k, "value", v)))
			goto nomem;
	}
	json_object_foreach(have, k, v)
		if (!json_object_get(want, k) && json_array_append_new(r, json_string(k)))
			goto nomem;
	if (diff_sort_array(a, "key") || diff_sort_array(r, NULL))
		goto nomem;
	if (changes) {
		rc = ecsctl_diff_values(&tmp, have, want, NULL, err);
		for (i = 0; !rc && i < tmp.count; i++) {
			/* ecsctl_diff_values named them "key"; tags read tags[key]. */
			json_t *path = json_sprintf("tags[%s]", tmp.items[i].path);
			if (!path || diff_changes_add(changes, json_string_value(path),
			                              tmp.items[i].before, tmp.items[i].after))
				rc = ecsctl_error_nomem(err);
			json_decref(path);
		}
		/* the tags equal on both sides, for "N unchanged hidden" */
		if (!rc && diff_changes_count_unchanged(
		               changes, "tags",
		               (size_t)json_integer_value(json_object_get(tmp.unchanged, ""))))
			rc = ecsctl_error_nomem(err);
		if (rc)
			goto done;
	}
	*add = a;
	*remove = r;
	a = r = NULL;
	goto done;
nomem:
	rc = ecsctl_error_nomem(err);
done:
	ecsctl_diff_changes_release(&tmp);
	json_decref(want);
	json_decref(have);
	json_decref(a);
	json_decref(r);
	return rc;
}

static int tag_ignored(const char *key, const char *kind, const char *name,
                       const struct ecsctl_ignore_rule *rules, size_t nrules)
{
	json_t *path = json_sprintf("tags[%s]", key);
	int r = path &&
	        ecsctl_diff_path_ignored(json_string_value(path), kind, name, rules, nrules);

	json_decref(path);
	return r;
}

void diff_filter_ignored_tags(json_t *add, json_t *remove, const char *kind, const char *name,
                              const struct ecsctl_ignore_rule *rules, size_t nrules)
{
	size_t i = 0;

	while (i < json_array_size(add)) {
		const char *k = json_string_value(json_object_get(json_array_get(add, i), "key"));
		if (k && tag_ignored(k, kind, name, rules, nrules))
			json_array_remove(add, i);
		else
			i++;
	}
	i = 0;
	while (i < json_array_size(remove)) {
		const char *k = json_string_value(json_array_get(remove, i));
		if (k && tag_ignored(k, kind, name, rules, nrules))
			json_array_remove(remove, i);
		else
			i++;
	}
}

void diff_drop_empty_tag_list(json_t **list)
{
	if (*list && !json_array_size(*list)) {
		json_decref(*list);
		*list = NULL;
	}
}
