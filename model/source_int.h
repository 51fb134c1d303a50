/* Helpers shared by the source implementations. */
#ifndef ECSCTL_SOURCE_INT_H
#define ECSCTL_SOURCE_INT_H

#include <stdarg.h>
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

/*
 * Limits of a listing, the same for git trees and folders on disk: what a
 * hostile commit could otherwise use to crash or stall the reader (a
 * controller reads every commit). docs/desired-state.md lists them.
 */
#define SOURCE_MAX_DEPTH 32              /* folder levels below the config root */
#define SOURCE_MAX_ENTRIES 100000u       /* files and folders seen, all levels */
#define SOURCE_MAX_TREE_BYTES (8u << 20) /* one git tree object */
/* the messages, after "PATH: " */
#define SOURCE_TOO_DEEP                                                                            \
	"folders nested deeper than %d levels (a config root is not that deep; is this the "       \
	"right --path?)"
#define SOURCE_TOO_MANY "more than %u files and folders under the config root"
#define SOURCE_LINK_MESSAGE                                                                        \
	"a symbolic link; ecsctl reads only regular files and does not follow links"

/* Sets `err` to "LEAD: ROOT/PATH: message", leaving out what is empty;
 * returns `code`. */
int source_error_v(struct ecsctl_error *err, int code, const char *lead, const char *root,
                   const char *path, const char *fmt, va_list ap);

struct ecsctl_source;

/* A source holding one file in memory (`data` is copied), for
 * ecsctl_model_load_buffer(). */
int model_source_open_buffer(struct ecsctl_source **out, const char *name, const char *data,
                             size_t len, struct ecsctl_error *err);

#endif
