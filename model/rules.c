/*
 * Preflight: the rules ECS applies on RegisterTaskDefinition and
 * CreateService / UpdateService that the model's shapes cannot say, checked
 * offline on the node trees (for positions) so that nothing ECS rejects gets
 * past `validate`. Each rule has a name, shown in its messages and listed
 * with its source in docs/preflight.md; the tables are in rules_taskdef.c and
 * rules_service.c.
 */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ecsctl/buf.h"
#include "model_int.h"
#include "banned.h"

/* The task sizes Fargate offers (AWS Fargate task definition parameters). */
bool ecsctl_model_fargate_size_ok(long long cpu, long long mem)
{
	switch (cpu) {
	case 256:
		return mem == 512 || mem == 1024 || mem == 2048;
	case 512:
		return mem >= 1024 && mem <= 4096 && mem % 1024 == 0;
	case 1024:
		return mem >= 2048 && mem <= 8192 && mem % 1024 == 0;
	case 2048:
		return mem >= 4096 && mem <= 16384 && mem % 1024 == 0;
	case 4096:
		return mem >= 8192 && mem <= 30720 && mem % 1024 == 0;
	case 8192:
		return mem >= 16384 && mem <= 61440 && mem % 4096 == 0;
	case 16384:
		return mem >= 32768 && mem <= 122880 && mem % 8192 == 0;
	default:
		return false;
	}
}

const struct mnode *model_rule_get(const struct mnode *map, const char *key)
{
	const struct mnode_entry *e;

	if (!map || map->type != MNODE_MAP)
		return NULL;
	e = mnode_get(map, key);
	return e && !mnode_is_null(e->value) ? e->value : NULL;
}

bool model_rule_is(const struct mnode *n, const char *v)
{
	return n && n->type == MNODE_SCALAR && !strcmp(n->value, v);
}

bool model_rule_int(const struct mnode *n, long long *out)
{
	char *end = NULL;

	if (!n || n->type != MNODE_SCALAR || !*n->value)
		return false;
	*out = strtoll(n->value, &end, 10);
	return !*end;
}

bool model_rule_size(const struct mnode *n, const char *unit, long long *out)
{
	char *end = NULL;
	double v;

	if (!n || n->type != MNODE_SCALAR)
		return false;
	/* "1 vCPU" and "2 GB" are the documented alternatives to units and MiB */
	v = strtod(n->value, &end);
	if (end == n->value || v < 0)
		return false;
	while (*end == ' ')
		end++;
	if (!*end) {
		*out = (long long)v;
		return v == floor(v);
	}
	/* "2048 MiB" (memory): what the normalizer accepts too */
	if (!strcasecmp(unit, "gb") && !strcasecmp(end, "mib")) {
		*out = (long long)v;
		return v == floor(v);
	}
	if (strcasecmp(end, unit))
		return false;
	*out = llround(v * 1024);
	return true;
}

bool model_rule_compat(const struct mnode *td, const char *compat)
{
	const struct mnode *l = model_rule_get(td, "requiresCompatibilities");
	size_t i;

	for (i = 0; l && l->type == MNODE_SEQ && i < l->count; i++)
		if (model_rule_is(l->items[i], compat))
			return true;
	return false;
}

const struct mnode *model_rule_container(const struct mnode *td, const char *name)
{
	const struct mnode *defs = model_rule_get(td, "containerDefinitions");
	size_t i;

	for (i = 0; name && defs && defs->type == MNODE_SEQ && i < defs->count; i++)
		if (model_rule_is(model_rule_get(defs->items[i], "name"), name))
			return defs->items[i];
	return NULL;
}

const char *model_rule_mode(const struct mnode *td)
{
	const struct mnode *m = model_rule_get(td, "networkMode");

	/* ECS's default for a task definition without one */
	return m && m->type == MNODE_SCALAR ? m->value : "bridge";
}

void model_rule_error(struct model_rules *x, const struct mnode *at, const char *path,
                      const char *fmt, ...)
{
	struct ecsctl_buf b = ECSCTL_BUF_INIT;
	va_list ap;

	if (!model_diag_room(x->c->diags)) {
		x->c->errors++;
		return;
	}
	va_start(ap, fmt);
	ecsctl_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	ecsctl_buf_addf(&b, " (rule: %s)", x->rule);
	ecsctl_diags_add(x->c->diags, ECSCTL_ERROR, at && at->file ? at->file : x->c->file,
	                 at ? at->line : 0, at ? at->column : 0, x->c->resource, path, "%s", b.buf);
	x->c->errors++;
	ecsctl_buf_release(&b);
}

static void run(struct model_rules *x, const struct model_rule *table)
{
	for (; table->name; table++) {
		x->rule = table->name;
		table->check(x);
	}
}

void model_check_rules(struct model_conv *c, enum ecsctl_kind kind, const struct mnode *root)
{
	struct model_rules x = {0};

	if (!root || root->type != MNODE_MAP)
		return;
	x.c = c;
	if (kind == ECSCTL_KIND_TASKDEF) {
		x.td = root;
		run(&x, model_taskdef_rules);
	} else if (kind == ECSCTL_KIND_SERVICE) {
		x.svc = root;
		run(&x, model_service_rules);
	}
}

void model_check_service(struct model_conv *c, const struct mnode *svc, const struct mnode *td,
                         const char *td_where, const struct mnode *cluster)
{
	struct model_rules x = {0};

	if (!svc || svc->type != MNODE_MAP)
		return;
	x.c = c;
	x.svc = svc;
	x.td = td && td->type == MNODE_MAP ? td : NULL;
	x.td_where = td_where;
	x.cluster = cluster && cluster->type == MNODE_MAP ? cluster : NULL;
	run(&x, model_service_rules);
}
