/* The loaded model: lookup, render, release. */
#include <stdlib.h>
#include <string.h>

#include "ecsctl/model.h"
#include "model_int.h"
#include "banned.h"

const char *ecsctl_kind_name(enum ecsctl_kind kind)
{
	switch (kind) {
	case ECSCTL_KIND_CLUSTER:
		return "Cluster";
	case ECSCTL_KIND_TASKDEF:
		return "TaskDefinition";
	case ECSCTL_KIND_SERVICE:
		return "Service";
	}
	return "?";
}

const struct ecsctl_resource *ecsctl_model_find(const struct ecsctl_model *m, enum ecsctl_kind kind,
                                                const char *name)
{
	size_t lo = 0, hi = m->count;

	/* resources are sorted by kind, then name */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct ecsctl_resource *r = &m->resources[mid];
		int c = r->kind != kind ? (r->kind < kind ? -1 : 1) : strcmp(r->name, name);

		if (!c)
			return r;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

json_t *ecsctl_model_render(const struct ecsctl_model *m)
{
	static const char *const lists[] = {"clusters", "taskDefinitions", "services"};
	json_t *doc = json_object(), *arr[3] = {NULL, NULL, NULL};
	size_t i;
	int k, bad = !doc;

	for (k = 0; k < 3 && !bad; k++) {
		arr[k] = json_array();
		bad = !arr[k];
	}
	if (!bad)
		bad = json_object_set_new(doc, "formatVersion", json_integer(1)) ||
		      json_object_set_new(doc, "commit",
		                          m->commit ? json_string(m->commit) : json_null());
	/* resources are sorted by kind then name: the lists come out in name order */
	for (i = 0; i < m->count && !bad; i++)
		bad = json_array_append(arr[m->resources[i].kind], m->resources[i].body);
	for (k = 0; k < 3 && !bad; k++) {
		bad = json_object_set_new(doc, lists[k], arr[k]);
		arr[k] = NULL;
	}
	for (k = 0; k < 3; k++)
		json_decref(arr[k]);
	if (bad) {
		json_decref(doc);
		return NULL;
	}
	return doc;
}

void ecsctl_model_release(struct ecsctl_model *m)
{
	size_t i;

	if (!m)
		return;
	model_settings_release(&m->settings);
	for (i = 0; i < m->count; i++) {
		free(m->resources[i].name);
		free(m->resources[i].cluster);
		free(m->resources[i].file);
		json_decref(m->resources[i].body);
		json_decref(m->resources[i].explain);
	}
	free(m->resources);
	free(m->commit);
	free(m->subject);
	free(m->ref);
	for (i = 0; i < m->nsecrets; i++) {
		memset(m->secrets[i], 0, strlen(m->secrets[i]));
		free(m->secrets[i]);
	}
	free(m->secrets);
	json_decref(m->lookups);
	memset(m, 0, sizeof(*m));
}
