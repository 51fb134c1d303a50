/*
 * Which names plans mask: the built-in rules (ecsctl/secret.h) and the
 * `sensitive:` globs of ecsctl.yaml. Masking (mask.c) decides where these
 * apply.
 */
#include <ctype.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "ecsctl/secret.h"
#include "diff_int.h"
#include "banned.h"

/* A glob matched without regard to case: both sides upper-cased first
 * (fnmatch's FNM_CASEFOLD is a GNU extension). */
static int glob_matches(const char *pattern, const char *name)
{
	char *p = strdup(pattern), *n = strdup(name), *c;
	int r;

	if (!p || !n) {
		free(p);
		free(n);
		return 1; /* out of memory: mask */
	}
	for (c = p; *c; c++)
		*c = (char)toupper((unsigned char)*c);
	for (c = n; *c; c++)
		*c = (char)toupper((unsigned char)*c);
	r = fnmatch(p, n, 0) == 0;
	free(p);
	free(n);
	return r;
}

int diff_name_secret(const char *name, const struct ecsctl_diff_mask *m)
{
	size_t i;

	if (!name)
		return 0;
	if (ecsctl_secret_name(name))
		return 1;
	for (i = 0; m && i < m->nnames; i++)
		if (m->names[i] && glob_matches(m->names[i], name))
			return 1;
	return 0;
}
