/*
 * ecsctl.yaml's `hooks:` (docs/operations.md, "Pre-deploy hooks"): the
 * one-off tasks apply runs after the registers and before any service
 * changes. The shape is checked with the rest of ecsctl.yaml (schema
 * EcsctlHooks); here each hook keeps where it was written, and, once the
 * resources are loaded, what it names is checked against them.
 */
#include <stdlib.h>
#include <string.h>

#include "ecsctl/duration.h"
#include "model_int.h"
#include "banned.h"

#define DEFAULT_HOOK_TIMEOUT_MS (10 * 60 * 1000)

static json_t *pos(const char *file, const struct mnode *n)
{
	return json_pack("{s:s, s:i, s:i}", "file", file, "line", n ? (int)n->line : 0, "column",
	                 n ? (int)n->column : 0);
}

/* Where `key` of hook node `h` was written (its value), else the hook's. */
static json_t *pos_of(const char *file, const struct mnode *h, const char *key)
{
	const struct mnode_entry *e = mnode_get(h, key);

	return pos(file, e ? e->value : h);
}

json_t *model_hooks_fill(const json_t *hooks, const struct mnode *node, const char *file)
{
	const struct mnode_entry *he = mnode_get(node, "hooks");
	const struct mnode_entry *be = he ? mnode_get(he->value, "beforeServices") : NULL;
	json_t *out = json_array(), *h;
	size_t i;

	json_array_foreach(json_object_get(hooks, "beforeServices"), i, h) {
		const struct mnode *hn = be && be->value->type == MNODE_SEQ && i < be->value->count
		                             ? be->value->items[i]
		                             : NULL;
		const char *t = json_string_value(json_object_get(h, "timeout"));
		json_t *env = json_array(), *v, *one;
		const char *k;
		int64_t ms = DEFAULT_HOOK_TIMEOUT_MS;

		if (t && ecsctl_duration_parse(&ms, t))
			ms = DEFAULT_HOOK_TIMEOUT_MS; /* reported by the shape check */
		json_object_foreach(json_object_get(h, "environment"), k, v) {
			json_array_append_new(env, json_pack("{s:s, s:O}", "name", k, "value", v));
		}
		one = json_pack("{s:O, s:o, s:I, s:o, s:o, s:o, s:o}", "run",
		                json_object_get(h, "run"), "environment", env, "timeoutMs",
		                (json_int_t)ms, "at", pos(file, hn), "runAt",
		                pos_of(file, hn, "run"), "serviceAt", pos_of(file, hn, "service"),
		                "containerAt", pos_of(file, hn, "container"));
		if (!one) {
			json_decref(out);
			return NULL;
		}
		json_object_foreach((json_t *)h, k, v) {
			if (strcmp(k, "run") && strcmp(k, "environment") && strcmp(k, "timeout"))
				json_object_set(one, k, v);
		}
		json_array_append_new(out, one);
	}
	return out;
}

static void fail_at(struct ecsctl_diags *diags, const json_t *at, const char *member,
                    const char *fmt, const char *a, const char *b)
{
	if (!model_diag_room(diags))
		return;
	ecsctl_diags_add(diags, ECSCTL_ERROR, json_string_value(json_object_get(at, "file")),
	                 (unsigned)json_integer_value(json_object_get(at, "line")),
	                 (unsigned)json_integer_value(json_object_get(at, "column")), "hooks",
	                 member, fmt, a, b);
}

static bool has_service(const struct ecsctl_model *m, const char *name)
{
	size_t i;

	for (i = 0; i < m->count; i++) {
		const struct ecsctl_resource *r = &m->resources[i];
		const char *sn = json_string_value(json_object_get(r->body, "serviceName"));

		if (r->kind == ECSCTL_KIND_SERVICE &&
		    (!strcmp(r->name, name) || (sn && !strcmp(sn, name))))
			return true;
	}
	return false;
}

static bool has_container(const struct ecsctl_resource *td, const char *name)
{
	const json_t *c;
	size_t i;

	json_array_foreach(json_object_get(td->body, "containerDefinitions"), i, c) {
		const char *n = json_string_value(json_object_get(c, "name"));
		if (n && !strcmp(n, name))
			return true;
	}
	return false;
}

void model_hooks_check(const struct ecsctl_model *m, struct ecsctl_diags *diags)
{
	const json_t *h;
	size_t i;

	json_array_foreach(m->settings.hooks, i, h) {
		const char *run = json_string_value(json_object_get(h, "run"));
		const char *svc = json_string_value(json_object_get(h, "service"));
		const char *ctr = json_string_value(json_object_get(h, "container"));
		const struct ecsctl_resource *td = run ? ecsctl_model_find(m, ECSCTL_KIND_TASKDEF,
		                                                           run)
		                                       : NULL;

		if (run && !td)
			fail_at(diags, json_object_get(h, "runAt"), "run",
			        "hook '%s': '%s' is not a task definition family of the repository",
			        run, run);
		if (svc && !has_service(m, svc))
			fail_at(diags, json_object_get(h, "serviceAt"), "service",
			        "hook '%s': no service '%s' in the repository", run ? run : "?",
			        svc);
		if (td && ctr && !has_container(td, ctr))
			fail_at(diags, json_object_get(h, "containerAt"), "container",
			        "hook '%s': its task definition has no container '%s'", run, ctr);
	}
}
