/* ecsctl.yaml: checked by the same schema-directed code as the resources. */
#include <stdlib.h>
#include <string.h>

#include "ecsctl/buf.h"
#include "ecsctl/duration.h"
#include "model_int.h"
#include "banned.h"

#define DEFAULT_KEEP_REVISIONS 5
#define DEFAULT_WAIT_TIMEOUT_MS (10 * 60 * 1000)

static char *dup_str(json_t *v, const char *dflt)
{
	const char *s = json_string_value(v);

	s = s ? s : dflt;
	return s ? strdup(s) : NULL;
}

static int fill_ignore(struct ecsctl_settings *out, json_t *list)
{
	size_t i, j;
	json_t *rule, *f;

	if (!json_array_size(list))
		return 0;
	out->ignore = calloc(json_array_size(list), sizeof(*out->ignore));
	if (!out->ignore)
		return -1;
	json_array_foreach(list, i, rule) {
		struct ecsctl_ignore_rule *r = &out->ignore[out->nignore++];
		json_t *fields = json_object_get(rule, "fields");

		r->kind = dup_str(json_object_get(rule, "kind"), "*");
		r->name = dup_str(json_object_get(rule, "name"), "*");
		r->fields = calloc(json_array_size(fields) + 1, sizeof(*r->fields));
		if (!r->kind || !r->name || !r->fields)
			return -1;
		json_array_foreach(fields, j, f) {
			r->fields[r->nfields] = dup_str(f, "");
			if (!r->fields[r->nfields++])
				return -1;
		}
	}
	return 0;
}

static int fill_sensitive(struct ecsctl_settings *out, json_t *list)
{
	size_t i;
	json_t *g;

	if (!json_array_size(list))
		return 0;
	out->sensitive = calloc(json_array_size(list), sizeof(*out->sensitive));
	if (!out->sensitive)
		return -1;
	json_array_foreach(list, i, g) {
		if (!(out->sensitive[out->nsensitive] = dup_str(g, "")))
			return -1;
		out->nsensitive++;
	}
	return 0;
}

static void ignore_release(struct ecsctl_settings *s)
{
	size_t i, j;

	for (i = 0; i < s->nignore; i++) {
		free(s->ignore[i].kind);
		free(s->ignore[i].name);
		for (j = 0; j < s->ignore[i].nfields; j++)
			free(s->ignore[i].fields[j]);
		free(s->ignore[i].fields);
	}
	free(s->ignore);
	s->ignore = NULL;
	s->nignore = 0;
}

static void sensitive_release(struct ecsctl_settings *s)
{
	size_t i;

	for (i = 0; i < s->nsensitive; i++)
		free(s->sensitive[i]);
	free(s->sensitive);
	s->sensitive = NULL;
	s->nsensitive = 0;
}

void model_settings_release(struct ecsctl_settings *s)
{
	free(s->name);
	free(s->region);
	free(s->account_id);
	ignore_release(s);
	sensitive_release(s);
	json_decref(s->notifications);
	json_decref(s->hooks);
	json_decref(s->lock);
	memset(s, 0, sizeof(*s));
}

/* Sets what `j` (EcsctlSettings or EcsctlEnvironment members) holds; the
 * rest keeps its value, so an environment overrides only what it names. */
static int apply(struct ecsctl_settings *out, json_t *j, const struct mnode *node, const char *file)
{
	json_t *wait = json_object_get(j, "wait"), *v;
	int64_t ms;

	if ((v = json_object_get(j, "name"))) {
		free(out->name);
		if (!(out->name = dup_str(v, "")))
			return -1;
	}
	if ((v = json_object_get(j, "region"))) {
		free(out->region);
		if (!(out->region = dup_str(v, "")))
			return -1;
	}
	if ((v = json_object_get(j, "accountId"))) {
		free(out->account_id);
		if (!(out->account_id = dup_str(v, "")))
			return -1;
	}
	if (json_is_boolean(v = json_object_get(j, "prune")))
		out->prune = json_is_true(v);
	if (json_is_boolean(v = json_object_get(j, "suspend")))
		out->suspend = json_is_true(v);
	if (json_is_integer(v = json_object_get(j, "keepRevisions")))
		out->keep_revisions = (long)json_integer_value(v);
	if (json_is_boolean(v = json_object_get(wait, "rollbackOnFailure")))
		out->rollback_on_failure = json_is_true(v);
	if (json_string_value(json_object_get(wait, "timeout")) &&
	    !ecsctl_duration_parse(&ms, json_string_value(json_object_get(wait, "timeout"))))
		out->wait_timeout_ms = ms;
	if (json_object_get(j, "ignoreDifferences")) {
		ignore_release(out);
		if (fill_ignore(out, json_object_get(j, "ignoreDifferences")))
			return -1;
	}
	if ((v = json_object_get(j, "notifications"))) { /* an environment's replaces it whole */
		json_decref(out->notifications);
		out->notifications = json_incref(v);
	}
	if ((v = json_object_get(j, "lock"))) {
		json_decref(out->lock);
		out->lock = json_incref(v);
	}
	if (json_object_get(j, "sensitive")) {
		sensitive_release(out);
		if (fill_sensitive(out, json_object_get(j, "sensitive")))
			return -1;
	}
	/* an environment's hooks replace the base's, as its other members do */
	if (json_object_get(j, "hooks")) {
		json_decref(out->hooks);
		if (!(out->hooks = model_hooks_fill(json_object_get(j, "hooks"), node, file)))
			return -1;
	}
	return 0;
}

size_t model_settings_load(struct ecsctl_settings *out, const struct mfile *f, const char *file,
                           const char *root_name, struct model_vars *vars,
                           struct ecsctl_diags *diags)
{
	struct model_conv conv = {0};
	json_t *j = NULL;

	memset(out, 0, sizeof(*out));
	out->keep_revisions = DEFAULT_KEEP_REVISIONS;
	out->wait_timeout_ms = DEFAULT_WAIT_TIMEOUT_MS;
	conv.file = file;
	conv.resource = "ecsctl.yaml";
	conv.diags = diags;
	if (f->ndocs > 1) {
		ecsctl_diags_add(diags, ECSCTL_ERROR, file, f->docs[1].line, f->docs[1].column,
		                 NULL, NULL, "ecsctl.yaml holds one document, not %zu", f->ndocs);
		conv.errors++;
	}
	if (f->ndocs) {
		conv.errors += model_vars_apply(f->docs[0].root, vars, file, diags);
		j = model_convert(&conv, f->docs[0].root, ecsctl_schema_shape("EcsctlSettings"),
		                  "");
	}
	out->name = dup_str(json_object_get(j, "name"), root_name);
	if (!out->name || apply(out, j, f->ndocs ? f->docs[0].root : NULL, file)) {
		ecsctl_diags_add(diags, ECSCTL_ERROR, file, 0, 0, NULL, NULL, "out of memory");
		conv.errors++;
	}
	json_decref(j);
	return conv.errors;
}

size_t model_settings_environment(struct ecsctl_settings *out, struct mnode *env,
                                  const char *env_name, const char *file, struct model_vars *vars,
                                  struct ecsctl_diags *diags)
{
	struct ecsctl_buf label = ECSCTL_BUF_INIT;
	struct model_conv conv = {0};
	json_t *j;

	ecsctl_buf_addf(&label, "environment '%s'", env_name);
	conv.file = file;
	conv.resource = label.buf;
	conv.diags = diags;
	conv.errors += model_vars_apply(env, vars, file, diags);
	j = model_convert(&conv, env, ecsctl_schema_shape("EcsctlEnvironment"), "");
	/* environments of one account must not prune each other's resources: each
	 * owns its own, "shop-staging" unless it names its owner */
	if (!json_object_get(j, "name") && out->name) {
		struct ecsctl_buf name = ECSCTL_BUF_INIT;

		ecsctl_buf_addf(&name, "%s-%s", out->name, env_name);
		if (!ecsctl_buf_failed(&name)) {
			free(out->name);
			out->name = ecsctl_buf_detach(&name);
		}
		ecsctl_buf_release(&name);
	}
	if (!out->name || apply(out, j, env, file)) {
		ecsctl_diags_add(diags, ECSCTL_ERROR, file, 0, 0, NULL, NULL, "out of memory");
		conv.errors++;
	}
	json_decref(j);
	ecsctl_buf_release(&label);
	return conv.errors;
}

json_t *model_settings_to_json(const struct ecsctl_settings *s)
{
	json_t *j = json_pack("{s:s,s:s*,s:s*,s:b,s:b,s:I,s:I,s:{s:b},s:[],s:[]}", "name",
	                      s->name ? s->name : "", "region", s->region, "accountId",
	                      s->account_id, "prune", s->prune, "suspend", s->suspend,
	                      "keepRevisions", (json_int_t)s->keep_revisions, "waitTimeoutMs",
	                      (json_int_t)s->wait_timeout_ms, "wait", "rollbackOnFailure",
	                      s->rollback_on_failure, "ignoreDifferences", "sensitive");
	json_t *ign = json_object_get(j, "ignoreDifferences"),
	       *sens = json_object_get(j, "sensitive");
	size_t i, k;
	int bad = !j;

	for (i = 0; i < s->nignore && !bad; i++) {
		json_t *fields = json_array(), *rule;
		for (k = 0; fields && k < s->ignore[i].nfields; k++)
			json_array_append_new(fields, json_string(s->ignore[i].fields[k]));
		rule = json_pack("{s:s,s:s,s:o*}", "kind", s->ignore[i].kind, "name",
		                 s->ignore[i].name, "fields", fields);
		bad = !fields || json_array_size(fields) != s->ignore[i].nfields ||
		      json_array_append_new(ign, rule);
	}
	for (i = 0; i < s->nsensitive && !bad; i++)
		bad = json_array_append_new(sens, json_string(s->sensitive[i]));
	/* as ecsctl_settings holds them (positions included), not as written */
	if (!bad && s->hooks)
		bad = json_object_set(j, "hooks", s->hooks);
	if (bad) {
		json_decref(j);
		return NULL;
	}
	return j;
}

int model_settings_from_json(struct ecsctl_settings *out, const json_t *j)
{
	json_t *v = json_object_get(j, "waitTimeoutMs");
	json_t *rest = json_copy((json_t *)j);
	int rc = 0;

	memset(out, 0, sizeof(*out));
	out->keep_revisions = DEFAULT_KEEP_REVISIONS;
	out->wait_timeout_ms = json_is_integer(v) ? json_integer_value(v) : DEFAULT_WAIT_TIMEOUT_MS;
	/* `apply` reads ecsctl.yaml's members and changes nothing else; the
	 * hooks are kept as model_settings_to_json wrote them */
	if (rest)
		json_object_del(rest, "hooks");
	if (!rest || !(out->name = dup_str(json_object_get(j, "name"), "")) ||
	    apply(out, rest, NULL, "") ||
	    (json_is_array(json_object_get(j, "hooks")) &&
	     !(out->hooks = json_deep_copy(json_object_get(j, "hooks")))))
		rc = -1;
	json_decref(rest);
	return rc;
}
