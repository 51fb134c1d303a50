/*
 * Diagnostics collected over a whole run, so that every problem in the input
 * is reported at once rather than only the first (validate, load).
 */
#ifndef ECSCTL_DIAG_H
#define ECSCTL_DIAG_H

#include <stdbool.h>
#include <stddef.h>

enum ecsctl_severity { ECSCTL_NOTICE, ECSCTL_WARNING, ECSCTL_ERROR };

struct ecsctl_diag {
	enum ecsctl_severity severity;
	char *file;    /* owned; may be NULL */
	unsigned line; /* 1-based; 0 when unknown */
	unsigned column;
	char *resource; /* owned; "Service 'prod/web'", or NULL */
	char *path;     /* owned; member path "containerDefinitions[0].image", or NULL */
	char *message;  /* owned */
};

struct ecsctl_diags {
	struct ecsctl_diag *items;
	size_t count;
	size_t alloc;
	size_t errors; /* items with ECSCTL_ERROR */
	int oom;       /* a diagnostic was lost to out of memory */
};

#define ECSCTL_DIAGS_INIT                                                                          \
	{                                                                                          \
		0                                                                                  \
	}

/* Records one diagnostic; strings are copied. Out of memory sets `oom`. */
void ecsctl_diags_add(struct ecsctl_diags *d, enum ecsctl_severity sev, const char *file,
                      unsigned line, unsigned column, const char *resource, const char *path,
                      const char *fmt, ...) __attribute__((format(printf, 8, 9)));

/* Removes the diagnostics for which `drop` (given each one's index) says true,
 * keeping the others in order. */
void ecsctl_diags_drop(struct ecsctl_diags *d,
                       bool (*drop)(const struct ecsctl_diag *diag, size_t index, void *arg),
                       void *arg);

/* Sorts by file, line, column, keeping insertion order for ties. */
void ecsctl_diags_sort(struct ecsctl_diags *d);

/* Formats one as "file:line:col: message" (the CLI adds "error: "). Caller frees. */
char *ecsctl_diag_format(const struct ecsctl_diag *diag);

void ecsctl_diags_release(struct ecsctl_diags *d);

#endif
