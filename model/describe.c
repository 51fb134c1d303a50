/*
 * `aws ecs describe-task-definition` output as a TaskDefinition. Which members
 * are read-only comes from the model itself: those of the TaskDefinition
 * output shape that RegisterTaskDefinition does not take.
 */
#include <stdlib.h>
#include <string.h>

#include "ecsctl/buf.h"
#include "model_int.h"
#include "banned.h"

static bool looks_like_taskdef(const struct mnode *n)
{
	return n && n->type == MNODE_MAP && mnode_get(n, "family") &&
	       mnode_get(n, "containerDefinitions");
}

int model_describe_taskdef(struct mnode **root, const char *file, struct ecsctl_diags *diags)
{
	const struct ecsctl_schema_shape *out = ecsctl_schema_shape("TaskDefinition");
	const struct ecsctl_schema_shape *in = ecsctl_schema_input("RegisterTaskDefinition");
	struct mnode *top = *root, *td = top;
	struct mnode_entry *e = mnode_get(top, "taskDefinition");
	struct ecsctl_buf dropped = ECSCTL_BUF_INIT;
	unsigned line = 0, column = 0;
	size_t i;

	if (e) {
		/* the whole output: {"taskDefinition": {...}, "tags": [...]} */
		td = e->value;
		if (!looks_like_taskdef(td))
			return -1;
		for (i = 0; i < top->count; i++) {
			const char *k = top->entries[i].key;
			if (strcmp(k, "taskDefinition") && strcmp(k, "tags"))
				return -1;
		}
		e->value = NULL;
		e = mnode_get(top, "tags");
		if (e && !mnode_get(td, "tags") && e->value->type == MNODE_SEQ && e->value->count) {
			struct mnode_entry *ne = realloc(
			    td->entries, mnode_capacity(td->count + 1) * sizeof(*td->entries));
			char *key = strdup("tags");
			if (!ne || !key) {
				free(key);
				if (ne)
					td->entries = ne;
				mnode_free(td);
				return -1;
			}
			td->entries = ne;
			ne[td->count] = *e;
			ne[td->count].key = key;
			e->value = NULL;
			td->count++;
		}
		mnode_free(top);
		*root = td;
	} else if (!looks_like_taskdef(td)) {
		return -1;
	}
	/* one notice a file: the list of what was dropped, at the first of them */
	for (i = 0; i < td->count;) {
		const char *k = td->entries[i].key;

		if (ecsctl_schema_member(out, k) && !ecsctl_schema_member(in, k)) {
			if (!dropped.len) {
				line = td->entries[i].line;
				column = td->entries[i].column;
			}
			ecsctl_buf_addf(&dropped, "%s'%s'", dropped.len ? ", " : "", k);
			mnode_del(td, k);
			continue;
		}
		i++;
	}
	if (dropped.len)
		ecsctl_diags_add(diags, ECSCTL_NOTICE, file, line, column, NULL, NULL,
		                 "dropped read-only members of describe-task-definition output: %s",
		                 dropped.buf);
	ecsctl_buf_release(&dropped);
	return 0;
}
