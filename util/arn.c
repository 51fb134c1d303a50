#include <string.h>

#include "ecsctl/arn.h"
#include "banned.h"

/* The resource type follows a ':' and ends at '/': "...:service/a/b". A
 * search (not a count of five colons) so that any partition or account
 * layout the callers met before still reads the same. */
const char *ecsctl_arn_resource(const char *s, const char *type)
{
	size_t n = type ? strlen(type) : 0;
	const char *p;

	if (!s || !n || strncmp(s, "arn:", 4) != 0)
		return NULL;
	for (p = strchr(s + 4, ':'); p; p = strchr(p + 1, ':'))
		if (!strncmp(p + 1, type, n) && p[1 + n] == '/')
			return p + 2 + n;
	return NULL;
}

const char *ecsctl_arn_taskdef(const char *s)
{
	const char *r = ecsctl_arn_resource(s, "task-definition");

	return r ? r : s ? s : "";
}

size_t ecsctl_arn_family_len(const char *s)
{
	const char *t = ecsctl_arn_taskdef(s), *colon = strchr(t, ':');

	return colon ? (size_t)(colon - t) : strlen(t);
}

char *ecsctl_arn_family(const char *s)
{
	return strndup(ecsctl_arn_taskdef(s), ecsctl_arn_family_len(s));
}

const char *ecsctl_arn_cluster(const char *s)
{
	const char *r = ecsctl_arn_resource(s, "cluster");

	return r ? r : s;
}
