/* Helpers shared by the source implementations. */
#ifndef ECSCTL_SOURCE_INT_H
#define ECSCTL_SOURCE_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "ecsctl/error.h"

/* A growing list of heap strings. */
struct source_list {
	char **items;
	size_t count, alloc;
	int oom;
};

void source_list_add(struct source_list *l, const char *prefix, const char *name);
/* Sorts bytewise; returns ECSCTL_ENOMEM (err set) if an add failed. */
int source_list_finish(struct source_list *l, struct ecsctl_error *err);

/* *.yaml, *.yml, *.json */
bool source_wanted(const char *name);

/* "./a//b/" -> "a/b", "." -> ""; NULL for ".." parts or an absolute path. Caller frees. */
char *source_clean_path(const char *path);

/* The last component of a path ("/x/shop/" -> "shop"; "repo.git" -> "repo"). Caller frees. */
char *source_basename(const char *path);

struct ecsctl_source;

/* A source holding one file in memory (`data` is copied), for
 * ecsctl_model_load_buffer(). */
int model_source_open_buffer(struct ecsctl_source **out, const char *name, const char *data,
                             size_t len, struct ecsctl_error *err);

#endif
