/*
 * What a plan's task definition diffs are against (docs/plan.md, "What a
 * diff compares"). A register's diff is against the revision the family's
 * services run, not the family's latest: after a circuit breaker rolled
 * back to web:5, the latest (web:6) is the failed one and says nothing
 * about what changes for the running service. A service that switches to
 * another revision shows the content that changes with it, not only the
 * two ARNs.
 */
#include <stdlib.h>
#include <string.h>

#include "ecsctl/arn.h"
#include "reconcile_int.h"
#include "banned.h"

const json_t *reconcile_family_td(const struct ecsctl_live *live, const char *family)
{
	const json_t *td = json_object_get(live->latest, family);
	const char *arn;
	json_t *fam;

	if (td || !family)
		return td;
	json_object_foreach(live->assumed, arn, fam) {
		if (!strcmp(json_string_value(fam), family))
			return json_object_get(live->running, arn);
	}
	return NULL;
}

const json_t *reconcile_known_td(const struct ecsctl_live *live, const char *arn)
{
	const json_t *td = json_object_get(live->running, arn);
	const char *latest;
	char *fam = NULL;
	json_t *it;
	size_t i;

	if (td || !arn)
		return td;
	if (!(fam = ecsctl_arn_family(arn)))
		return NULL;
	td = json_object_get(live->latest, fam);
	latest = json_string_value(json_object_get(td, "taskDefinitionArn"));
	if (!latest || strcmp(latest, arn)) {
		td = NULL;
		json_array_foreach(json_object_get(live->history, fam), i, it) {
			const char *a = json_string_value(json_object_get(it, "taskDefinitionArn"));
			if (a && !strcmp(a, arn)) {
				td = it;
				break;
			}
		}
	}
	free(fam);
	return td;
}

/* "web:5" out of an ARN (the text plan's short form); `arn` itself otherwise. */
static const char *short_td(const char *arn)
{
	return arn ? ecsctl_arn_taskdef(arn) : "?";
}

/* Compared with the latest: `run_by` keeps only the services running it. */
static int run_by_latest(json_t *run_by, const json_t *running, const json_t *latest,
                         struct ecsctl_error *err)
{
	const char *arn = json_string_value(json_object_get(latest, "taskDefinitionArn"));
	const char *name;
	json_t *it;

	json_array_clear(run_by);
	json_object_foreach((json_t *)running, name, it) {
		if (arn && !strcmp(arn, json_string_value(it)) &&
		    json_array_append_new(run_by, json_string(name)))
			return reconcile_oom(err);
	}
	return 0;
}

int reconcile_compare_register(struct ecsctl_plan_op *op, const struct ecsctl_model *m,
                               const struct ecsctl_live *live, const json_t *users,
                               const json_t *body, struct ecsctl_error *err)
{
	const json_t *base = json_object_get(live->latest, op->name);
	json_t *running = json_object(), *run_by = json_array(), *norm = NULL, *it;
	const char *first = NULL;
	bool differ = false;
	size_t i;
	int rc = 0;

	if (!running || !run_by) {
		rc = reconcile_oom(err);
		goto done;
	}
	json_array_foreach(users, i, it) {
		const struct ecsctl_resource *s = &m->resources[json_integer_value(it)];
		const char *arn = json_string_value(
		    json_object_get(json_object_get(live->services, s->name), "taskDefinition"));
		if (!arn)
			continue; /* not created yet */
		if (json_object_set_new(running, s->name, json_string(arn)) ||
		    json_array_append_new(run_by, json_string(s->name))) {
			rc = reconcile_oom(err);
			goto done;
		}
		differ = differ || (first && strcmp(first, arn));
		first = first ? first : arn;
	}
	if (first && !differ && json_object_get(live->running, first))
		base = json_object_get(live->running, first);
	else if ((rc = run_by_latest(run_by, running, base, err)))
		goto done;
	if (differ)
		op->running_revisions = json_incref(running);
	if (base) {
		const char *arn = json_string_value(json_object_get(base, "taskDefinitionArn"));
		if (!(op->compared_with = json_pack("{s:s,s:O}", "taskDefinition", arn ? arn : "",
		                                    "runBy", run_by))) {
			rc = reconcile_oom(err);
			goto done;
		}
		rc = ecsctl_diff_taskdef(&op->changes, body, base, err);
	} else if (!(rc = ecsctl_diff_taskdef_normalize(&norm, body, err))) {
		rc = ecsctl_diff_values(&op->changes, NULL, norm, NULL, err);
	}
done:
	json_decref(running);
	json_decref(run_by);
	json_decref(norm);
	return rc;
}

static const struct ecsctl_plan_op *find_register(const struct ecsctl_plan *p, const char *family)
{
	size_t i;

	for (i = 0; family && i < p->count; i++)
		if (p->ops[i].action == ECSCTL_DIFF_REGISTER && !strcmp(p->ops[i].name, family))
			return &p->ops[i];
	return NULL;
}

int reconcile_compare_service(struct ecsctl_plan_op *op, const struct ecsctl_plan *p,
                              const struct ecsctl_live *live, const char *family,
                              const json_t *body, const char *from, const char *to,
                              struct ecsctl_error *err)
{
	const json_t *before = from ? json_object_get(live->running, from) : NULL;
	const json_t *after = body;
	const struct ecsctl_plan_op *reg = find_register(p, family);
	const char *reg_base = reg ? json_string_value(
	                                 json_object_get(reg->compared_with, "taskDefinition"))
	                           : NULL;

	if (!before || !to || !strcmp(from, to))
		return 0;
	/* the register's own diff already is exactly this one */
	if (reg && reg_base && !strcmp(reg_base, from))
		return 0;
	if (!after && !(after = reconcile_known_td(live, to)))
		return 0; /* a pinned revision not read: only the ARNs are known */
	if (!(op->td_from = strdup(from)) || !(op->td_to = strdup(to)))
		return reconcile_oom(err);
	return ecsctl_diff_taskdef(&op->td_changes, after, before, err);
}

void reconcile_compare_release(struct ecsctl_plan_op *op)
{
	json_decref(op->compared_with);
	json_decref(op->running_revisions);
	free(op->td_from);
	free(op->td_to);
	ecsctl_diff_changes_release(&op->td_changes);
}

int reconcile_compare_to_json(json_t *ch, const struct ecsctl_plan_op *op,
                              const struct ecsctl_diff_mask *mk)
{
	json_t *diff;

	if ((op->compared_with && json_object_set(ch, "comparedWith", op->compared_with)) ||
	    (op->running_revisions &&
	     json_object_set(ch, "runningRevisions", op->running_revisions)))
		return -1;
	if (!op->td_from)
		return 0;
	if (!(diff = ecsctl_diff_changes_to_json(&op->td_changes, mk)))
		return -1;
	return json_object_set_new(
	    ch, "taskDefinitionDiff",
	    json_pack("{s:s,s:s,s:o}", "from", op->td_from, "to", op->td_to, "diff", diff));
}

int reconcile_compare_from_json(struct ecsctl_plan_op *op, const json_t *ch)
{
	const json_t *cw = json_object_get(ch, "comparedWith");
	const json_t *rr = json_object_get(ch, "runningRevisions");
	const json_t *td = json_object_get(ch, "taskDefinitionDiff");
	const char *from = json_string_value(json_object_get(td, "from"));
	const char *to = json_string_value(json_object_get(td, "to"));

	if ((json_is_object(cw) && !(op->compared_with = json_deep_copy(cw))) ||
	    (json_is_object(rr) && !(op->running_revisions = json_deep_copy(rr))))
		return -1;
	if (!from || !to)
		return 0;
	if (!(op->td_from = strdup(from)) || !(op->td_to = strdup(to)))
		return -1;
	return reconcile_read_diff(&op->td_changes, json_object_get(td, "diff"));
}

/* The lines of a rendered block but its header, each indented 2 more. */
static void add_body_indented(struct ecsctl_buf *out, const struct ecsctl_buf *block)
{
	const char *line = memchr(block->buf, '\n', block->len), *end = block->buf + block->len;

	while (line && ++line < end) {
		const char *nl = memchr(line, '\n', (size_t)(end - line));
		size_t len = nl ? (size_t)(nl - line) + 1 : (size_t)(end - line);
		ecsctl_buf_adds(out, "  ");
		ecsctl_buf_add(out, line, len);
		line = nl;
	}
}

/* The block's header line, then `notes`, then the rest of the block. */
static void add_with_notes(struct ecsctl_buf *out, const struct ecsctl_buf *block,
                           const struct ecsctl_buf *notes)
{
	const char *nl = memchr(block->buf, '\n', block->len);
	size_t head = nl ? (size_t)(nl - block->buf) + 1 : block->len;

	ecsctl_buf_add(out, block->buf, head);
	ecsctl_buf_add(out, notes->buf, notes->len);
	ecsctl_buf_add(out, block->buf + head, block->len - head);
}

void reconcile_render_op(struct ecsctl_buf *out, const struct ecsctl_plan_op *op, const char *kind,
                         const struct ecsctl_diff_render_options *ro)
{
	struct ecsctl_diff_render_options o = *ro;
	struct ecsctl_buf block = ECSCTL_BUF_INIT, notes = ECSCTL_BUF_INIT, td = ECSCTL_BUF_INIT;
	const char *key, *sep = "";
	json_t *it;
	size_t i;

	ecsctl_diff_render_text(&block, op->action, kind, op->name, &op->changes, ro);
	if (op->compared_with) {
		const json_t *by = json_object_get(op->compared_with, "runBy");
		ecsctl_buf_addf(&notes, "      # compared with %s, ",
		                short_td(json_string_value(
		                    json_object_get(op->compared_with, "taskDefinition"))));
		if (op->running_revisions || !json_array_size(by))
			ecsctl_buf_adds(&notes, "the latest ACTIVE revision");
		if (json_array_size(by))
			ecsctl_buf_adds(&notes, op->running_revisions ? ", running in "
			                                              : "the revision running in ");
		json_array_foreach(by, i, it) {
			ecsctl_buf_addf(&notes, "%s%s", i ? ", " : "", json_string_value(it));
		}
		ecsctl_buf_addch(&notes, '\n');
	}
	if (op->running_revisions) {
		ecsctl_buf_addf(&notes, "      # the services of %s run different revisions (",
		                op->name);
		json_object_foreach(op->running_revisions, key, it) {
			ecsctl_buf_addf(&notes, "%s%s %s", sep, key,
			                short_td(json_string_value(it)));
			sep = ", ";
		}
		ecsctl_buf_adds(&notes, "): each on another one shows its own diff\n");
	}
	reconcile_rollout_render(&notes, op);
	add_with_notes(out, &block, &notes);
	if (op->td_from) {
		ecsctl_buf_addf(out, "      # the task definition, %s -> %s:\n",
		                short_td(op->td_from), short_td(op->td_to));
		o.forces_replacement = NULL;
		ecsctl_diff_render_text(&td, ECSCTL_DIFF_UPDATE, "TaskDefinition", op->td_to,
		                        &op->td_changes, &o);
		if (!op->td_changes.count)
			ecsctl_buf_adds(out, "          (same content)\n");
		else
			add_body_indented(out, &td);
	}
	ecsctl_buf_fail_from(out, &block);
	ecsctl_buf_fail_from(out, &notes);
	ecsctl_buf_fail_from(out, &td);
	ecsctl_buf_release(&block);
	ecsctl_buf_release(&notes);
	ecsctl_buf_release(&td);
}
