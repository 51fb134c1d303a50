/* Shared inside reconcile/: small JSON and hashing helpers. */
#ifndef ECSCTL_RECONCILE_INT_H
#define ECSCTL_RECONCILE_INT_H

#include <jansson.h>

#include "ecsctl/error.h"
#include "ecsctl/reconcile.h"

/* sha256 hex (65 bytes with NUL) of `len` bytes; heap string or NULL. */
char *reconcile_sha256_hex(const void *data, size_t len);

/* sha256 hex of a value's canonical text (sorted keys, compact). */
char *reconcile_hash_json(const json_t *v);

/* Appends string `s` to array `a` unless already there. 0 or -1 (OOM). */
int reconcile_array_add_unique(json_t *a, const char *s);

/* The value of tag `key` in a [{key, value}] list, or NULL. */
const char *reconcile_tag_value(const json_t *tags, const char *key);

/* A copy of `tags` (NULL = none) with `key` set to `value`. New reference. */
json_t *reconcile_tags_with(const json_t *tags, const char *key, const char *value);

/* Parses "family" out of "family", "family:rev" or a task definition ARN. */
char *reconcile_td_family(const char *td);

int reconcile_oom(struct ecsctl_error *err);

#endif
