/*
 * The one planning sequence plan, apply and watch share (docs/plan.md,
 * "Stages"): scope, gather live, plan, read revision history when it can
 * change the plan, plan again. A front end that skipped a step here planned
 * differently from the others (watch registered a duplicate revision on a
 * revert and never applied keepRevisions), so there is exactly one.
 */
#include <stdlib.h>
#include <string.h>

#include "ecsctl/http.h"
#include "reconcile_int.h"
#include "banned.h"

/* keepRevisions can only matter for a family whose latest revision number is
 * above it: numbers start at 1 and are never reused, so a family at revision
 * N has at most N ACTIVE ones. The no-change plan stays free of listing
 * calls until a family has had more than keepRevisions revisions. */
static bool may_exceed_keep(const struct ecsctl_model *m, const struct ecsctl_live *live,
                            const char *family)
{
	const json_t *latest = json_object_get(live->latest, family);

	return m->settings.keep_revisions > 0 && latest &&
	       json_integer_value(json_object_get(latest, "revision")) > m->settings.keep_revisions;
}

/* Looks further back when it can change the plan, then plans again: a
 * register may reuse an older revision (a revert), and keepRevisions needs
 * the list of ACTIVE revisions. */
static int plan_again_with_history(struct ecsctl_plan *p, const struct ecsctl_model *m,
                                   struct ecsctl_live *live, const json_t *scope,
                                   struct ecsctl_ecs *ecs, const struct ecsctl_plan_options *po,
                                   struct ecsctl_error *err)
{
	const char **fams = calloc(p->count + 1, sizeof(*fams));
	const char **keep = calloc(m->count + 1, sizeof(*keep));
	size_t i, j, n = 0, nk = 0;
	int rc = 0;

	if (!fams || !keep) {
		rc = reconcile_oom(err);
		goto done;
	}
	for (i = 0; i < p->count; i++)
		/* a family without a latest ACTIVE revision has no older one either */
		if (p->ops[i].action == ECSCTL_DIFF_REGISTER &&
		    json_object_get(live->latest, p->ops[i].name))
			fams[n++] = p->ops[i].name;
	for (i = 0; i < m->count; i++) {
		const char *fam = m->resources[i].name;
		bool listed = false;
		if (m->resources[i].kind != ECSCTL_KIND_TASKDEF || !may_exceed_keep(m, live, fam))
			continue;
		for (j = 0; j < n && !listed; j++)
			listed = !strcmp(fams[j], fam);
		if (!listed)
			keep[nk++] = fam;
	}
	if (!n && !nk)
		goto done;
	/* bounded: a family with a long pre-ecsctl history costs this once */
	if ((n && (rc = ecsctl_reconcile_gather_history(live, ecs, fams, n, 100, err))) ||
	    (nk && (rc = ecsctl_reconcile_gather_revisions(
	                live, ecs, keep, nk, (size_t)m->settings.keep_revisions, err)))) {
		ecsctl_error_wrap(err, "reading task definition revisions");
		goto done;
	}
	/* the names in fams point into p: plan again only once they are unused */
	ecsctl_plan_release(p);
	rc = ecsctl_plan_make(p, m, live, scope, po, err);
done:
	free(fams);
	free(keep);
	return rc;
}

/* {"Op": after - before}, zeros left out: a client lives across a watch's
 * reconciles, and a plan's stats count only the calls made for it. */
static json_t *calls_since(const json_t *before, const json_t *after)
{
	json_t *out = json_object();
	const char *k;
	json_t *v;

	json_object_foreach((json_t *)after, k, v) {
		json_int_t d = json_integer_value(v) -
		               json_integer_value(json_object_get(before, k));
		if (out && d > 0 && json_object_set_new(out, k, json_integer(d))) {
			json_decref(out);
			return NULL;
		}
	}
	return out;
}

int ecsctl_reconcile_plan(struct ecsctl_plan *out, struct ecsctl_live *live,
                          const struct ecsctl_model *m, struct ecsctl_ecs *ecs,
                          const struct ecsctl_plan_options *po, struct ecsctl_error *err)
{
	struct ecsctl_live own;
	struct ecsctl_live *l = live ? live : &own;
	json_t *scope = NULL, *before = ecsctl_ecs_api_calls(ecs), *after = NULL;
	int64_t t0 = ecsctl_clock_now_ms(NULL);
	int rc;

	if (!live)
		ecsctl_live_init(&own);
	if (!before) {
		rc = reconcile_oom(err);
		goto done;
	}
	if ((rc = ecsctl_reconcile_scope(&scope, m, err)))
		goto done;
	if ((rc = ecsctl_reconcile_gather(l, ecs, scope, err))) {
		ecsctl_error_wrap(err, "reading live ECS state");
		goto done;
	}
	if ((rc = ecsctl_plan_make(out, m, l, scope, po, err)) ||
	    (rc = plan_again_with_history(out, m, l, scope, ecs, po, err)) ||
	    (rc = reconcile_unstable(&out->unstable, m, l, po, err)) ||
	    (rc = ecsctl_plan_preflight(out, l, err)))
		goto done;
	if (!(after = ecsctl_ecs_api_calls(ecs)) ||
	    !(out->api_calls = calls_since(before, after))) {
		rc = reconcile_oom(err);
		goto done;
	}
	out->wall_ms = ecsctl_clock_now_ms(NULL) - t0;
done:
	if (!live)
		ecsctl_live_release(&own);
	json_decref(scope);
	json_decref(before);
	json_decref(after);
	return rc;
}
