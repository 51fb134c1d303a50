/* The drift report value: items, counts, and its JSON form (docs/drift.md). */
#include <stdlib.h>
#include <string.h>

#include "ecsctl/drift.h"
#include "banned.h"

static const char *const status_names[ECSCTL_DRIFT_NSTATUS] = {
    "in-sync", "drifted", "missing", "unmanaged", "unhealthy", "progressing",
};

const char *ecsctl_drift_status_name(enum ecsctl_drift_status s)
{
	return (unsigned)s < ECSCTL_DRIFT_NSTATUS ? status_names[s] : "unknown";
}

bool ecsctl_drift_status_fails(enum ecsctl_drift_status s)
{
	return s == ECSCTL_DRIFT_DRIFTED || s == ECSCTL_DRIFT_MISSING ||
	       s == ECSCTL_DRIFT_UNHEALTHY;
}

void ecsctl_drift_report_init(struct ecsctl_drift_report *r)
{
	memset(r, 0, sizeof(*r));
}

void ecsctl_drift_report_release(struct ecsctl_drift_report *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < r->count; i++) {
		struct ecsctl_drift_item *it = &r->items[i];

		free(it->name);
		json_decref(it->diff);
		free(it->deployed_commit);
		free(it->updated_at);
		free(it->message);
		json_decref(it->health);
	}
	free(r->items);
	free(r->commit);
	ecsctl_drift_report_init(r);
}

static char *dup_or_null(const char *s, bool *oom)
{
	char *d;

	if (!s)
		return NULL;
	d = strdup(s);
	if (!d)
		*oom = true;
	return d;
}

int ecsctl_drift_report_add(struct ecsctl_drift_report *r, enum ecsctl_kind kind, const char *name,
                            enum ecsctl_drift_status status, json_t *diff,
                            const char *deployed_commit, const char *updated_at,
                            const char *message, struct ecsctl_error *err)
{
	struct ecsctl_drift_item *it;
	bool oom = false;

	if (!diff)
		diff = json_array();
	if (!diff)
		return ecsctl_error_nomem(err);
	if (r->count == r->alloc) {
		size_t n = r->alloc ? r->alloc * 2 : 16;
		struct ecsctl_drift_item *p = realloc(r->items, n * sizeof(*p));

		if (!p) {
			json_decref(diff);
			return ecsctl_error_nomem(err);
		}
		r->items = p;
		r->alloc = n;
	}
	it = &r->items[r->count++];
	memset(it, 0, sizeof(*it));
	it->kind = kind;
	it->status = status;
	it->diff = diff;
	it->name = dup_or_null(name ? name : "", &oom);
	it->deployed_commit = dup_or_null(deployed_commit, &oom);
	it->updated_at = dup_or_null(updated_at, &oom);
	it->message = dup_or_null(message, &oom);
	return oom ? ecsctl_error_nomem(err) : 0;
}

static int kind_rank(enum ecsctl_kind k)
{
	return k == ECSCTL_KIND_CLUSTER ? 0 : k == ECSCTL_KIND_TASKDEF ? 1 : 2;
}

static int item_cmp(const void *a, const void *b)
{
	const struct ecsctl_drift_item *x = a, *y = b;
	int d = kind_rank(x->kind) - kind_rank(y->kind);

	return d ? d : strcmp(x->name, y->name);
}

void ecsctl_drift_report_sort(struct ecsctl_drift_report *r)
{
	if (r->count > 1)
		qsort(r->items, r->count, sizeof(*r->items), item_cmp);
}

void ecsctl_drift_report_counts(const struct ecsctl_drift_report *r,
                                size_t counts[ECSCTL_DRIFT_NSTATUS])
{
	size_t i;

	memset(counts, 0, ECSCTL_DRIFT_NSTATUS * sizeof(*counts));
	for (i = 0; i < r->count; i++)
		if ((unsigned)r->items[i].status < ECSCTL_DRIFT_NSTATUS)
			counts[r->items[i].status]++;
}

bool ecsctl_drift_report_fails(const struct ecsctl_drift_report *r)
{
	size_t i;

	for (i = 0; i < r->count; i++)
		if (ecsctl_drift_status_fails(r->items[i].status))
			return true;
	return false;
}

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

json_t *ecsctl_drift_to_json(const struct ecsctl_drift_report *r)
{
	size_t counts[ECSCTL_DRIFT_NSTATUS], i;
	json_t *doc = json_object(), *list = json_array(), *summary = json_object();
	int bad = !doc || !list || !summary;

	ecsctl_drift_report_counts(r, counts);
	for (i = 0; !bad && i < r->count; i++) {
		const struct ecsctl_drift_item *it = &r->items[i];
		json_t *o = json_pack("{s:s, s:s, s:s, s:O, s:o, s:o}", "kind",
		                      ecsctl_kind_name(it->kind), "name", it->name, "status",
		                      ecsctl_drift_status_name(it->status), "diff", it->diff,
		                      "deployedCommit", str_or_null(it->deployed_commit),
		                      "updatedAt", str_or_null(it->updated_at));

		if (o && it->message)
			bad |= json_object_set_new(o, "message", json_string(it->message));
		bad |= !o || json_array_append_new(list, o);
	}
	for (i = 0; !bad && i < ECSCTL_DRIFT_NSTATUS; i++)
		bad |= json_object_set_new(summary, status_names[i],
		                           json_integer((json_int_t)counts[i]));
	if (!bad)
		bad = json_object_set_new(doc, "formatVersion",
		                          json_integer(ECSCTL_DRIFT_FORMAT_VERSION)) ||
		      json_object_set_new(doc, "commit", str_or_null(r->commit)) ||
		      json_object_set(doc, "resources", list) ||
		      json_object_set(doc, "summary", summary) ||
		      json_object_set_new(doc, "inSync",
		                          json_boolean(!ecsctl_drift_report_fails(r)));
	json_decref(list);
	json_decref(summary);
	if (bad) {
		json_decref(doc);
		return NULL;
	}
	return doc;
}
