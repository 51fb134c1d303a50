/*
 * What the ECS model says about members, read from the generated schema
 * (schema/), so the diff and the validator can never disagree about it.
 */
#include <string.h>

#include "diff_int.h"
#include "ecsctl/schema.h"
#include "banned.h"

static int has_member(const char *shape, const char *name)
{
	return ecsctl_schema_member(ecsctl_schema_shape(shape), name) != NULL;
}

int diff_service_member_updatable(const char *m)
{
	/* identity and request-only members are not compared as updates */
	return strcmp(m, "service") != 0 && strcmp(m, "cluster") != 0 &&
	       strcmp(m, "forceNewDeployment") != 0 && has_member("UpdateServiceRequest", m);
}

int diff_cluster_member_updatable(const char *m)
{
	return strcmp(m, "cluster") != 0 && has_member("UpdateClusterRequest", m);
}

const struct ecsctl_schema_shape *diff_create_service_shape(void)
{
	return ecsctl_schema_shape("CreateServiceRequest");
}

int diff_member_sensitive(const char *m)
{
	unsigned i, j, n = ecsctl_schema_count();

	for (i = 0; i < n; i++) {
		const struct ecsctl_schema_shape *s = ecsctl_schema_at(i);
		if (s->type != ECSCTL_SCHEMA_STRUCTURE)
			continue;
		for (j = 0; j < s->nmembers; j++) {
			const struct ecsctl_schema_member *mem = &s->members[j];
			if (strcmp(mem->name, m) == 0 &&
			    (ecsctl_schema_member_shape(mem)->flags & ECSCTL_SCHEMA_SENSITIVE))
				return 1;
		}
	}
	return 0;
}
