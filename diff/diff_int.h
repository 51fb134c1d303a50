/*
 * Shared inside diff/: JSON helpers the normalization rules and the engine
 * use, and the tables generated from the ECS model.
 */
#ifndef ECSCTL_DIFF_INT_H
#define ECSCTL_DIFF_INT_H

#include <jansson.h>
#include <stddef.h>

#include "ecsctl/diff.h"

/* Facts of the ECS model, from the generated schema (model.c). */
struct ecsctl_schema_shape;
int diff_service_member_updatable(const char *member); /* an UpdateService member */
int diff_cluster_member_updatable(const char *member); /* an UpdateCluster member */
const struct ecsctl_schema_shape *diff_create_service_shape(void);
int diff_member_sensitive(const char *member); /* its shape is marked sensitive */

/* ecsctl_secret_name(), or a match of one of `m`'s globs. */
int diff_name_secret(const char *name, const struct ecsctl_diff_mask *m);

int diff_name_in(const char *name, const char *const *list, size_t n);

/* Sorts array `arr` in place, stably: by member `key` of each entry when
 * `key` is non-NULL (entries lacking it sort first), else by whole value.
 * Returns 0 or -1 when out of memory. */
int diff_sort_array(json_t *arr, const char *key);

/* Deletes member `key` of `obj` when it equals `def`. */
void diff_drop_default_int(json_t *obj, const char *key, json_int_t def);
void diff_drop_default_str(json_t *obj, const char *key, const char *def);
void diff_drop_default_bool(json_t *obj, const char *key, int def);

/* Sets `key` to `val` (stolen) when absent. Returns 0, or -1 out of memory. */
int diff_set_default(json_t *obj, const char *key, json_t *val);

/* Reals with an integral value become integers, recursively (JSON numbers
 * written 512.0 or parsed from YAML as floats still mean 512). */
int diff_canon_numbers(json_t **v);

/* Replaces numbers and booleans in the values of object `map` by their
 * string forms (string maps: dockerLabels, log options). */
int diff_stringify_map_values(json_t *map);

/* Appends one change; `before`/`after` are copied references (may be NULL). */
int diff_changes_add(struct ecsctl_diff_changes *c, const char *path, const json_t *before,
                     const json_t *after);

/* Adds `n` to the unchanged count of the object or list at `path`. 0 or -1. */
int diff_changes_count_unchanged(struct ecsctl_diff_changes *c, const char *path, size_t n);

/* The nested view of `changes` (render_nested.c), its top lines indented
 * `ind` columns. Out of memory is left sticky in `out`. */
void diff_render_nested(struct ecsctl_buf *out, const struct ecsctl_diff_changes *changes,
                        const struct ecsctl_diff_render_options *o, size_t ind);

/* Removes the change at index i. */
void diff_changes_remove(struct ecsctl_diff_changes *c, size_t i);

/* Releases a tag list left empty and sets it to NULL: "no request". */
void diff_drop_empty_tag_list(json_t **list);

/* Drops from TagResource `add` ([{key, value}]) and UntagResource `remove`
 * ([key]) the tags whose `tags[key]` path is ignored. */
void diff_filter_ignored_tags(json_t *add, json_t *remove, const char *kind, const char *name,
                              const struct ecsctl_ignore_rule *rules, size_t nrules);

#endif
