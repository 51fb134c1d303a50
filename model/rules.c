/*
 * Rules between members that the ECS documentation states and the model's
 * shapes cannot: checked on the node tree (for positions) after conversion.
 */
#include <stdlib.h>
#include <string.h>

#include "ecsctl/buf.h"
#include "model_int.h"
#include "banned.h"

static const struct mnode *value_of(const struct mnode *map, const char *key)
{
	const struct mnode_entry *e = mnode_get(map, key);

	return e && !mnode_is_null(e->value) ? e->value : NULL;
}

static bool scalar_is(const struct mnode *n, const char *v)
{
	return n && n->type == MNODE_SCALAR && !strcmp(n->value, v);
}

static void error_at(struct model_conv *c, const struct mnode *n, const char *path, const char *msg)
{
	if (!model_diag_room(c->diags))
		return;
	ecsctl_diags_add(c->diags, ECSCTL_ERROR, c->file, n->line, n->column, c->resource, path,
	                 "%s", msg);
	c->errors++;
}

static void taskdef_rules(struct model_conv *c, const struct mnode *root)
{
	const struct mnode *defs = value_of(root, "containerDefinitions");
	const struct mnode *compat = value_of(root, "requiresCompatibilities");
	const struct mnode *mode = value_of(root, "networkMode");
	bool essential = false, fargate = false;
	size_t i, j;

	if (defs && defs->type == MNODE_SEQ && defs->count) {
		for (i = 0; i < defs->count; i++) {
			const struct mnode *name = value_of(defs->items[i], "name");
			const struct mnode *ess = value_of(defs->items[i], "essential");

			/* "If this parameter is omitted, a container is assumed to be essential."
			 */
			essential |= !(scalar_is(ess, "false") || scalar_is(ess, "False") ||
			               scalar_is(ess, "FALSE"));
			for (j = 0; name && name->type == MNODE_SCALAR && j < i; j++) {
				const struct mnode *other = value_of(defs->items[j], "name");
				struct ecsctl_buf b = ECSCTL_BUF_INIT;

				if (!scalar_is(other, name->value))
					continue;
				ecsctl_buf_addf(
				    &b,
				    "container name '%s' in containerDefinitions[%zu] is "
				    "already used by containerDefinitions[%zu]",
				    name->value, i, j);
				error_at(c, name, "containerDefinitions", b.buf);
				ecsctl_buf_release(&b);
				break;
			}
		}
		/* "All tasks must have at least one essential container." */
		if (!essential)
			error_at(c, defs, "containerDefinitions",
			         "no container is essential; a task needs at least one");
	}
	for (i = 0; compat && compat->type == MNODE_SEQ && i < compat->count; i++)
		fargate |= scalar_is(compat->items[i], "FARGATE");
	if (!fargate)
		return;
	/* "For Amazon ECS tasks on Fargate, the awsvpc network mode is required."
	 * (an invalid mode is already reported) */
	if (!scalar_is(mode, "awsvpc") &&
	    (!mode || (mode->type == MNODE_SCALAR &&
	               ecsctl_schema_enum_ok(ecsctl_schema_shape("NetworkMode"), mode->value))))
		error_at(c, mode ? mode : compat, "networkMode",
		         "a FARGATE task definition needs networkMode 'awsvpc'");
	/* memory: "If using the Fargate launch type, this field is required"; cpu alike */
	if (!value_of(root, "cpu") || !value_of(root, "memory"))
		error_at(c, compat, "requiresCompatibilities",
		         "a FARGATE task definition needs task-level 'cpu' and 'memory'");
}

static void service_rules(struct model_conv *c, const struct mnode *root)
{
	const struct mnode *lt = value_of(root, "launchType");

	/* "If a capacityProviderStrategy is specified, the launchType parameter must be omitted."
	 */
	if (lt && value_of(root, "capacityProviderStrategy"))
		error_at(c, lt, "launchType",
		         "'launchType' and 'capacityProviderStrategy' exclude each other");
}

void model_check_rules(struct model_conv *c, enum ecsctl_kind kind, const struct mnode *root)
{
	if (!root || root->type != MNODE_MAP)
		return;
	if (kind == ECSCTL_KIND_TASKDEF)
		taskdef_rules(c, root);
	else if (kind == ECSCTL_KIND_SERVICE)
		service_rules(c, root);
}
