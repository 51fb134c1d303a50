/*
 * The model as one JSON document and back: what a saved plan carries so that
 * `apply FILE` plans again from exactly what was reviewed, without the
 * repository (docs/plan.md, "Saved plans").
 */
#include <stdlib.h>
#include <string.h>

#include "ecsctl/arn.h"
#include "ecsctl/buf.h"
#include "ecsctl/model.h"
#include "model_int.h"
#include "banned.h"

static const char *const lists[] = {"clusters", "taskDefinitions", "services"};
static const char *const operations[] = {"CreateCluster", "RegisterTaskDefinition",
                                         "CreateService"};

json_t *ecsctl_model_to_json(const struct ecsctl_model *m)
{
	json_t *doc = ecsctl_model_render(m), *settings = model_settings_to_json(&m->settings);

	json_t *secrets = json_array();
	size_t i;

	for (i = 0; secrets && i < m->nsecrets; i++)
		if (json_array_append_new(secrets, json_string(m->secrets[i])))
			json_array_clear(secrets);
	/* the commit is the plan's own member; the documents are the same at any.
	 * The secret lookups' values go along (the payloads hold them anyway),
	 * so that the plan made again masks them as the reviewed one did. */
	int bad = !doc || !settings || !secrets || json_array_size(secrets) != m->nsecrets ||
	          json_object_del(doc, "commit");

	bad = bad || json_object_set(doc, "settings", settings) ||
	      (m->nsecrets && json_object_set(doc, "sensitiveValues", secrets));
	json_decref(settings);
	json_decref(secrets);
	if (bad) {
		json_decref(doc);
		return NULL;
	}
	return doc;
}

static int resource_cmp(const void *a, const void *b)
{
	const struct ecsctl_resource *x = a, *y = b;

	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* name (and cluster) of a payload as the loader names its document */
static int name_resource(struct ecsctl_resource *r)
{
	struct ecsctl_buf b = ECSCTL_BUF_INIT;
	const char *v;

	switch (r->kind) {
	case ECSCTL_KIND_CLUSTER:
		v = json_string_value(json_object_get(r->body, "clusterName"));
		r->name = strdup(v ? v : "default");
		break;
	case ECSCTL_KIND_TASKDEF:
		v = json_string_value(json_object_get(r->body, "family"));
		r->name = v ? strdup(v) : NULL;
		break;
	case ECSCTL_KIND_SERVICE:
		v = json_string_value(json_object_get(r->body, "cluster"));
		if (!(r->cluster = strdup(ecsctl_arn_cluster(v ? v : "default"))))
			return -1;
		v = json_string_value(json_object_get(r->body, "serviceName"));
		if (v)
			ecsctl_buf_addf(&b, "%s/%s", r->cluster, v);
		r->name = v ? ecsctl_buf_detach(&b) : NULL;
		ecsctl_buf_release(&b);
		break;
	}
	return r->name ? 0 : -1;
}

/* ECSCTL_EINVAL naming the first error diagnostic past index `from` */
static int first_error(const struct ecsctl_diags *diags, size_t from, struct ecsctl_error *err)
{
	size_t i, n = 0;
	char *line = NULL;
	int rc;

	for (i = 0; i < diags->count; i++)
		if (diags->items[i].severity == ECSCTL_ERROR && n++ == from && !line)
			line = ecsctl_diag_format(&diags->items[i]);
	rc = ecsctl_error_set(err, ECSCTL_EINVAL, "the desired state holds %zu invalid value%s: %s",
	                      diags->errors - from, diags->errors - from == 1 ? "" : "s",
	                      line ? line : "(out of memory)");
	free(line);
	return rc;
}

int ecsctl_model_from_json(struct ecsctl_model *out, const json_t *doc, struct ecsctl_diags *diags,
                           struct ecsctl_error *err)
{
	size_t n = 0, i, before = diags->errors;
	int k;
	json_t *it;

	memset(out, 0, sizeof(*out));
	for (k = 0; k < 3; k++) {
		if (!json_is_array(json_object_get(doc, lists[k])))
			return ecsctl_error_set(err, ECSCTL_EINVAL,
			                        "the desired state has no '%s' list", lists[k]);
		n += json_array_size(json_object_get(doc, lists[k]));
	}
	if (!json_is_object(json_object_get(doc, "settings")))
		return ecsctl_error_set(err, ECSCTL_EINVAL, "the desired state has no 'settings'");
	if (model_settings_from_json(&out->settings, json_object_get(doc, "settings")) ||
	    !(out->resources = calloc(n + 1, sizeof(*out->resources))))
		return ecsctl_error_nomem(err);
	for (k = 0; k < 3; k++) {
		json_array_foreach(json_object_get(doc, lists[k]), i, it) {
			struct ecsctl_resource *r = &out->resources[out->count++];
			r->kind = (enum ecsctl_kind)k;
			r->body = json_deep_copy(it);
			if (!json_is_object(it) || !r->body || name_resource(r))
				return ecsctl_error_set(err, ECSCTL_EINVAL,
				                        "the desired state's %s[%zu] is not one",
				                        lists[k], i);
			/* the same shape checks as a document from git */
			ecsctl_model_check_payload(operations[k], r->body, diags);
		}
	}
	json_array_foreach(json_object_get(doc, "sensitiveValues"), i, it) {
		char **v = realloc(out->secrets, (out->nsecrets + 1) * sizeof(*v));

		if (!v)
			return ecsctl_error_nomem(err);
		out->secrets = v;
		if (!json_is_string(it) || !(v[out->nsecrets] = strdup(json_string_value(it))))
			return ecsctl_error_set(err, ECSCTL_EINVAL,
			                        "the desired state's sensitiveValues[%zu] is not a "
			                        "string",
			                        i);
		out->nsecrets++;
	}
	qsort(out->resources, out->count, sizeof(*out->resources), resource_cmp);
	for (i = 1; i < out->count; i++)
		if (!resource_cmp(&out->resources[i - 1], &out->resources[i]))
			return ecsctl_error_set(
			    err, ECSCTL_EINVAL, "the desired state has two %s '%s'",
			    ecsctl_kind_name(out->resources[i].kind), out->resources[i].name);
	return diags->errors > before ? first_error(diags, before, err) : 0;
}
