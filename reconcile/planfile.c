/* Plan documents: JSON (docs/plan.md), saved plans, text. */
#include <stdlib.h>
#include <string.h>

#include "ecsctl/file.h"
#include "reconcile_int.h"
#include "banned.h"

static const char *const kinds[] = {"Cluster", "TaskDefinition", "Service"};

void ecsctl_plan_summary(const struct ecsctl_plan *p, size_t counts[6])
{
	size_t i;

	memset(counts, 0, 6 * sizeof(*counts));
	for (i = 0; i < p->count; i++)
		counts[p->ops[i].action]++;
}

int reconcile_plan_mask(struct ecsctl_diff_mask *mk, const struct ecsctl_plan *p)
{
	const json_t *globs = json_object_get(p->scope, "sensitive");
	const json_t *vals = json_object_get(p->scope, "sensitiveValues");
	const char **names = calloc(json_array_size(globs) + json_array_size(vals) + 1,
	                            sizeof(*names));
	size_t i;
	json_t *g;

	memset(mk, 0, sizeof(*mk));
	if (!names)
		return -1;
	json_array_foreach(globs, i, g) {
		if (json_is_string(g))
			names[mk->nnames++] = json_string_value(g);
	}
	mk->names = names;
	/* one allocation: the values follow the names */
	mk->values = names + mk->nnames;
	json_array_foreach(vals, i, g) {
		if (json_is_string(g))
			names[mk->nnames + mk->nvalues++] = json_string_value(g);
	}
	return 0;
}

json_t *ecsctl_plan_to_json(const struct ecsctl_plan *p, bool saved)
{
	json_t *doc = NULL, *changes = json_array(), *summary = json_object(), *stats = NULL;
	struct ecsctl_diff_mask mk = ECSCTL_DIFF_MASK_INIT;
	size_t counts[6], i;

	if (reconcile_plan_mask(&mk, p) || !changes || !summary)
		goto fail;
	for (i = 0; i < p->count; i++) {
		const struct ecsctl_plan_op *op = &p->ops[i];
		json_t *diff = ecsctl_diff_changes_to_json(&op->changes, &mk);
		json_t *ch = json_pack("{s:s,s:s,s:s,s:o*}", "action",
		                       ecsctl_diff_action_name(op->action), "kind", kinds[op->kind],
		                       "name", op->name, "diff", diff);
		if (!ch || json_array_append_new(changes, ch))
			goto fail;
		if (op->forces)
			json_object_set(ch, "forcesReplacement", op->forces);
		if (op->rollout)
			json_object_set(ch, "rollout", op->rollout);
		if (reconcile_compare_to_json(ch, op, &mk))
			goto fail;
		if (saved) {
			json_object_set_new(ch, "phase", json_integer(op->phase));
			json_object_set(ch, "calls", op->calls);
			if (op->wait)
				json_object_set(ch, "wait", op->wait);
			/* so that `apply FILE` shows the same "# (N unchanged ...)" lines */
			if (op->changes.unchanged)
				json_object_set(ch, "unchanged", op->changes.unchanged);
		}
	}
	ecsctl_plan_summary(p, counts);
	for (i = 0; i < 6; i++)
		json_object_set_new(summary, ecsctl_diff_action_name(i),
		                    json_integer((json_int_t)counts[i]));
	stats = json_pack("{s:O?,s:I}", "apiCalls", p->api_calls, "wallMs", (json_int_t)p->wall_ms);
	if (stats && !json_object_get(stats, "apiCalls"))
		json_object_set_new(stats, "apiCalls", json_object());
	doc = json_pack("{s:i,s:s?,s:s?,s:s?,s:o,s:o,s:o*,s:O?}", "formatVersion", 1, "commit",
	                p->commit, "ref", p->ref, "source", p->source, "changes", changes,
	                "summary", summary, "stats", stats, "unstable", p->unstable);
	changes = summary = NULL;
	if (doc && json_array_size(p->hooks))
		json_object_set_new(doc, "hooks", reconcile_hooks_to_json(p, saved));
	if (doc && saved) {
		json_object_set_new(
		    doc, "saved",
		    json_pack("{s:s,s:s,s:O,s:O?}", "desiredDigest", p->digest ? p->digest : "",
		              "fingerprint", p->fingerprint ? p->fingerprint : "", "scope",
		              p->scope ? p->scope : json_null(), "desired", p->desired));
	}
	if (doc && saved && !json_object_get(doc, "saved"))
		goto fail;
	free((void *)mk.names);
	return doc;
fail:
	free((void *)mk.names);
	json_decref(doc);
	json_decref(changes);
	json_decref(summary);
	return NULL;
}

int ecsctl_plan_save(const struct ecsctl_plan *p, const char *path, const void *key, size_t keylen,
                     struct ecsctl_error *err)
{
	json_t *doc = ecsctl_plan_to_json(p, true);
	char *text = NULL;
	int rc;

	if (!doc)
		return reconcile_oom(err);
	if (key && (rc = ecsctl_plan_seal(doc, key, keylen, err)))
		goto done;
	text = json_dumps(doc, JSON_INDENT(2) | JSON_SORT_KEYS);
	/* unmasked requests: readable by the owner only, like a Terraform plan file */
	rc = text ? ecsctl_file_write_atomic(path, text, strlen(text), 0600, err)
	          : reconcile_oom(err);
done:
	free(text);
	json_decref(doc);
	return rc;
}

static int lookup(const char *const *names, size_t n, const char *s)
{
	size_t i;

	for (i = 0; s && i < n; i++)
		if (!strcmp(names[i], s))
			return (int)i;
	return -1;
}

int reconcile_read_diff(struct ecsctl_diff_changes *c, const json_t *diff)
{
	size_t i;
	json_t *it;

	json_array_foreach(diff, i, it) {
		const char *path = json_string_value(json_object_get(it, "path"));
		json_t *b = json_object_get(it, "before"), *a = json_object_get(it, "after");
		struct ecsctl_diff_change *ch;
		if (!path)
			return -1;
		if (c->count == c->alloc) {
			size_t na = c->alloc ? c->alloc * 2 : 8;
			void *v = realloc(c->items, na * sizeof(*c->items));
			if (!v)
				return -1;
			c->items = v;
			c->alloc = na;
		}
		ch = &c->items[c->count];
		if (!(ch->path = strdup(path)))
			return -1;
		ch->before = json_is_null(b) ? NULL : json_incref(b);
		ch->after = json_is_null(a) ? NULL : json_incref(a);
		c->count++;
	}
	return 0;
}

int ecsctl_plan_from_json(struct ecsctl_plan *out, const json_t *doc, struct ecsctl_error *err)
{
	const char *actions[6];
	const json_t *saved = json_object_get(doc, "saved"),
	             *changes = json_object_get(doc, "changes");
	const char *fp = json_string_value(json_object_get(saved, "fingerprint"));
	const char *dg = json_string_value(json_object_get(saved, "desiredDigest"));
	const char *commit = json_string_value(json_object_get(doc, "commit"));
	const char *ref = json_string_value(json_object_get(doc, "ref"));
	const char *source = json_string_value(json_object_get(doc, "source"));
	size_t i;
	json_t *it;

	for (i = 0; i < 6; i++)
		actions[i] = ecsctl_diff_action_name(i);
	if (json_integer_value(json_object_get(doc, "formatVersion")) != 1 || !fp || !dg ||
	    !json_is_array(changes) || !json_is_object(json_object_get(saved, "scope")))
		return ecsctl_error_set(
		    err, ECSCTL_EINVAL,
		    "not a saved plan (formatVersion 1 with a 'saved' member, as "
		    "written by 'ecsctl plan -o FILE')");
	if (!(out->fingerprint = strdup(fp)) || !(out->digest = strdup(dg)) ||
	    (commit && !(out->commit = strdup(commit))) || (ref && !(out->ref = strdup(ref))) ||
	    (source && !(out->source = strdup(source))) ||
	    !(out->scope = json_deep_copy(json_object_get(saved, "scope"))) ||
	    (json_object_get(saved, "desired") &&
	     !(out->desired = json_deep_copy(json_object_get(saved, "desired")))) ||
	    (json_is_array(json_object_get(doc, "unstable")) &&
	     !(out->unstable = json_deep_copy(json_object_get(doc, "unstable")))))
		return reconcile_oom(err);
	if (reconcile_hooks_from_json(out, doc, err))
		return err->code;
	for (i = 0; i < json_array_size(changes); i++) {
		struct ecsctl_plan_op *op;
		int a, k;
		json_t *phase, *calls;

		it = json_array_get(changes, i);
		a = lookup(actions, 6, json_string_value(json_object_get(it, "action")));
		k = lookup(kinds, 3, json_string_value(json_object_get(it, "kind")));
		phase = json_object_get(it, "phase");
		calls = json_object_get(it, "calls");
		if (a < 0 || k < 0 || !json_is_string(json_object_get(it, "name")) ||
		    !json_is_integer(phase) || json_integer_value(phase) < 0 ||
		    json_integer_value(phase) >= ECSCTL_PHASE_COUNT || !json_is_array(calls))
			return ecsctl_error_set(err, ECSCTL_EINVAL,
			                        "saved plan: change %zu is malformed", i);
		if (!(op = reconcile_plan_push(out)))
			return reconcile_oom(err);
		op->action = a;
		op->kind = k;
		op->phase = json_integer_value(phase);
		op->calls = json_deep_copy(calls);
		op->wait = json_deep_copy(json_object_get(it, "wait"));
		op->forces = json_deep_copy(json_object_get(it, "forcesReplacement"));
		if (json_is_object(json_object_get(it, "rollout")))
			op->rollout = json_deep_copy(json_object_get(it, "rollout"));
		if (json_is_object(json_object_get(it, "unchanged")))
			op->changes.unchanged = json_deep_copy(json_object_get(it, "unchanged"));
		if (!(op->name = strdup(json_string_value(json_object_get(it, "name")))) ||
		    !op->calls || reconcile_read_diff(&op->changes, json_object_get(it, "diff")) ||
		    reconcile_compare_from_json(op, it))
			return reconcile_oom(err);
	}
	return 0;
}
