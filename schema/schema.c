/* Lookups over the generated ECS model tables. */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ecsctl/schema.h"
#include "schema_int.h"
#include "banned.h"

/* Longer words are not typos of a member name; this also bounds the work. */
#define SUGGEST_MAX_LEN 64

const struct ecsctl_schema_shape *ecsctl_schema_shape(const char *name)
{
	unsigned lo = 0, hi = ecsctl_schema_nshapes;

	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;
		int c = strcmp(name, ecsctl_schema_shapes[mid].name);

		if (!c)
			return &ecsctl_schema_shapes[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

const struct ecsctl_schema_shape *ecsctl_schema_at(unsigned index)
{
	return index < ecsctl_schema_nshapes ? &ecsctl_schema_shapes[index] : NULL;
}

unsigned ecsctl_schema_count(void)
{
	return ecsctl_schema_nshapes;
}

const struct ecsctl_schema_operation *ecsctl_schema_operation(const char *name)
{
	unsigned i;

	for (i = 0; i < ecsctl_schema_noperations; i++)
		if (!strcmp(ecsctl_schema_operations[i].name, name))
			return &ecsctl_schema_operations[i];
	return NULL;
}

const struct ecsctl_schema_shape *ecsctl_schema_input(const char *operation)
{
	const struct ecsctl_schema_operation *op = ecsctl_schema_operation(operation);

	return op && op->input >= 0 ? ecsctl_schema_at((unsigned)op->input) : NULL;
}

const struct ecsctl_schema_shape *ecsctl_schema_output(const char *operation)
{
	const struct ecsctl_schema_operation *op = ecsctl_schema_operation(operation);

	return op && op->output >= 0 ? ecsctl_schema_at((unsigned)op->output) : NULL;
}

const struct ecsctl_schema_member *ecsctl_schema_member(const struct ecsctl_schema_shape *s,
                                                        const char *name)
{
	unsigned i;

	if (!s || s->type != ECSCTL_SCHEMA_STRUCTURE)
		return NULL;
	for (i = 0; i < s->nmembers; i++)
		if (!strcmp(s->members[i].name, name))
			return &s->members[i];
	return NULL;
}

const struct ecsctl_schema_shape *ecsctl_schema_member_shape(const struct ecsctl_schema_member *m)
{
	return m ? ecsctl_schema_at(m->shape) : NULL;
}

int ecsctl_schema_enum_ok(const struct ecsctl_schema_shape *s, const char *value)
{
	unsigned i;

	if (!s->nenums)
		return 1;
	for (i = 0; i < s->nenums; i++)
		if (!strcmp(s->enums[i], value))
			return 1;
	return 0;
}

size_t ecsctl_schema_edit_distance(const char *a, const char *b)
{
	size_t d[SUGGEST_MAX_LEN + 1][SUGGEST_MAX_LEN + 1];
	size_t n = strlen(a), m = strlen(b), i, j;

	if (n > SUGGEST_MAX_LEN || m > SUGGEST_MAX_LEN)
		return SIZE_MAX;
	for (i = 0; i <= n; i++)
		d[i][0] = i;
	for (j = 0; j <= m; j++)
		d[0][j] = j;
	for (i = 1; i <= n; i++) {
		for (j = 1; j <= m; j++) {
			size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
			size_t v = d[i - 1][j] + 1;

			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (d[i - 1][j - 1] + cost < v)
				v = d[i - 1][j - 1] + cost;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	}
	return d[n][m];
}

static void lower(char *dst, const char *src)
{
	size_t i;

	for (i = 0; src[i] && i < SUGGEST_MAX_LEN; i++)
		dst[i] = (char)tolower((unsigned char)src[i]);
	dst[i] = '\0';
}

const char *ecsctl_schema_suggest_in(const char *word, const char *const *candidates, size_t n)
{
	char lw[SUGGEST_MAX_LEN + 1], lc[SUGGEST_MAX_LEN + 1];
	const char *best = NULL;
	size_t best_d = SIZE_MAX, i, len = strlen(word), limit;

	if (!len || len > SUGGEST_MAX_LEN)
		return NULL;
	/* a third of the word, at least 1 and at most 3 edits: "cpuu" -> "cpu",
	 * but "port" is not offered "cpu" */
	limit = len / 3;
	if (limit < 1)
		limit = 1;
	if (limit > 3)
		limit = 3;
	lower(lw, word);
	for (i = 0; i < n; i++) {
		size_t d;

		if (strlen(candidates[i]) > SUGGEST_MAX_LEN)
			continue;
		lower(lc, candidates[i]);
		d = ecsctl_schema_edit_distance(lw, lc);
		if (d < best_d) {
			best_d = d;
			best = candidates[i];
		}
	}
	return best_d <= limit ? best : NULL;
}

const char *ecsctl_schema_suggest(const struct ecsctl_schema_shape *s, const char *word)
{
	const char *names[256];
	unsigned i, n = 0;

	if (!s)
		return NULL;
	if (s->type == ECSCTL_SCHEMA_STRUCTURE) {
		for (i = 0; i < s->nmembers && n < 256; i++)
			names[n++] = s->members[i].name;
		return ecsctl_schema_suggest_in(word, names, n);
	}
	return ecsctl_schema_suggest_in(word, s->enums, s->nenums);
}
