/*
 * The model's `pattern`s, for the one form they take in the shapes ecsctl
 * sends: a single character class repeated, "([\p{L}\p{Z}\p{N}_.:/=+\-@]*)".
 * ASCII characters are checked exactly; for \p{...} classes any non-ASCII
 * character passes (Unicode tables are not worth carrying for tag values).
 * A pattern of any other form is not checked.
 */
#include <ctype.h>
#include <string.h>

#include "model_int.h"
#include "banned.h"

/* Parses "(" "[" class "]" ("*" | "+") ")", optionally anchored; 1 when it is that form. */
static int class_of(const char *pat, const char **start, const char **end)
{
	const char *p = pat, *close;

	if (*p == '^')
		p++;
	if (*p == '(')
		p++;
	if (*p != '[' || p[1] == '^')
		return 0;
	*start = p + 1;
	for (close = *start; *close && *close != ']'; close++)
		if (*close == '\\' && close[1])
			close++;
	if (*close != ']')
		return 0;
	*end = close;
	p = close + 1;
	if (*p != '*' && *p != '+')
		return 0;
	p++;
	if (*p == ')')
		p++;
	if (*p == '$')
		p++;
	return *p == '\0';
}

static int in_class(const char *start, const char *end, unsigned char c)
{
	const char *p = start;

	while (p < end) {
		unsigned char lo;

		if (*p == '\\' && p + 1 < end && p[1] == 'p' && p + 4 < end && p[2] == '{') {
			char cat = p[3];
			const char *close = memchr(p, '}', (size_t)(end - p));

			if ((cat == 'L' && isalpha(c)) || (cat == 'N' && isdigit(c)) ||
			    (cat == 'Z' && c == ' ') || (c >= 0x80 && strchr("LNZ", cat)))
				return 1;
			p = close ? close + 1 : end;
			continue;
		}
		if (*p == '\\' && p + 1 < end)
			p++;
		lo = (unsigned char)*p++;
		if (p + 1 < end && *p == '-' && p[1] != ']') {
			unsigned char hi = (unsigned char)p[1];
			if (hi == '\\' && p + 2 < end)
				hi = (unsigned char)p[2], p++;
			p += 2;
			if (c >= lo && c <= hi)
				return 1;
			continue;
		}
		if (c == lo)
			return 1;
	}
	return 0;
}

const char *model_pattern_mismatch(const char *pattern, const char *value)
{
	const char *start, *end, *v;

	if (!pattern || !class_of(pattern, &start, &end))
		return NULL;
	for (v = value; *v; v++)
		if (!in_class(start, end, (unsigned char)*v))
			return v;
	return NULL;
}
