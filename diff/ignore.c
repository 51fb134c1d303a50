/*
 * ignoreDifferences, after Argo CD: live values that git does not own.
 */
#include <fnmatch.h>
#include <string.h>

#include "diff_int.h"
#include "banned.h"

/* Matches `field` against the start of `path`: literal text, except that `*`
 * stands for one whole member name or list key (it stops at `.`, `[`, `]`).
 * Returns the length of `path` consumed, or -1. */
static long match_prefix(const char *field, const char *path)
{
	const char *p = path;

	while (*field) {
		if (*field == '*') {
			while (*p && *p != '.' && *p != '[' && *p != ']')
				p++;
			field++;
			continue;
		}
		if (*field != *p)
			return -1;
		field++;
		p++;
	}
	return (long)(p - path);
}

static int field_covers(const char *field, const char *path)
{
	long n = match_prefix(field, path);

	/* Equal, or the change is under the field (a member or a list entry). */
	return n >= 0 && (path[n] == '\0' || path[n] == '.' || path[n] == '[');
}

int ecsctl_diff_path_ignored(const char *path, const char *kind, const char *name,
                             const struct ecsctl_ignore_rule *rules, size_t nrules)
{
	size_t i, j;

	for (i = 0; i < nrules; i++) {
		const struct ecsctl_ignore_rule *r = &rules[i];

		if (r->kind && strcmp(r->kind, "*") != 0 && strcmp(r->kind, kind) != 0)
			continue;
		if (r->name && fnmatch(r->name, name ? name : "", 0) != 0)
			continue;
		for (j = 0; j < r->nfields; j++)
			if (r->fields[j] && field_covers(r->fields[j], path))
				return 1;
	}
	return 0;
}

void ecsctl_diff_apply_ignore(struct ecsctl_diff_changes *changes, const char *kind,
                              const char *name, const struct ecsctl_ignore_rule *rules,
                              size_t nrules)
{
	size_t i = 0;

	while (i < changes->count) {
		if (ecsctl_diff_path_ignored(changes->items[i].path, kind, name, rules, nrules))
			diff_changes_remove(changes, i);
		else
			i++;
	}
}
