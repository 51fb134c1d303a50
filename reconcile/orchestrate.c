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

/* The newest revision number known per family: the latest ACTIVE one when
 * read, else the highest a service runs (a family a tag spared from reading
 * is at least there). */
static json_t *newest_known(const struct ecsctl_live *live)
{
	json_t *out = json_object(), *td, *have;
	const char *key;

	json_object_foreach(live->running, key, td) {
		const char *fam = json_string_value(json_object_get(td, "family"));
		json_int_t rev = json_integer_value(json_object_get(td, "revision"));

		have = fam ? json_object_get(out, fam) : NULL;
		if (out && fam && (!have || json_integer_value(have) < rev) &&
		    json_object_set_new(out, fam, json_integer(rev))) {
			json_decref(out);
			return NULL;
		}
	}
	json_object_foreach(live->latest, key, td) {
		if (out && json_object_set(out, key, json_object_get(td, "revision"))) {
			json_decref(out);
			return NULL;
		}
	}
	return out;
}

/* keepRevisions can only matter for a family whose latest revision number is
 * above it: numbers start at 1 and are never reused, so a family at revision
 * N has at most N ACTIVE ones. The no-change plan stays free of listing
 * calls until a family has had more than keepRevisions revisions. */
static bool may_exceed_keep(const struct ecsctl_model *m, const json_t *newest, const char *family)
{
	return m->settings.keep_revisions > 0 &&
	       json_integer_value(json_object_get(newest, family)) > m->settings.keep_revisions;
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
	json_t *newest = newest_known(live);
	size_t i, j, n = 0, nk = 0;
	int rc = 0;

	if (!fams || !keep || !newest) {
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
		if (m->resources[i].kind != ECSCTL_KIND_TASKDEF || !may_exceed_keep(m, newest, fam))
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
	json_decref(newest);
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

/* Everything after the gather: plan, history when it matters, unstable
 * services, preflight, and the calls made since `before`. */
static int plan_gathered(struct ecsctl_plan *out, struct ecsctl_live *l, const json_t *scope,
                         const struct ecsctl_model *m, struct ecsctl_ecs *ecs,
                         const struct ecsctl_plan_options *po, const json_t *before, int64_t t0,
                         struct ecsctl_error *err)
{
	json_t *after = NULL;
	int rc;

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
	json_decref(after);
	return rc;
}

int ecsctl_reconcile_plan_scope(json_t **out, const struct ecsctl_model *m,
                                const struct ecsctl_plan_options *po, struct ecsctl_error *err)
{
	int rc = ecsctl_reconcile_scope(out, m, err);

	if (!rc && po && po->refresh && json_object_set_new(*out, "refresh", json_true())) {
		json_decref(*out);
		*out = NULL;
		rc = reconcile_oom(err);
	}
	return rc;
}

int ecsctl_reconcile_plan(struct ecsctl_plan *out, struct ecsctl_live *live,
                          const struct ecsctl_model *m, struct ecsctl_ecs *ecs,
                          const struct ecsctl_plan_options *po, struct ecsctl_error *err)
{
	struct ecsctl_gather_options go = ECSCTL_GATHER_OPTIONS_INIT;
	struct ecsctl_live own;
	struct ecsctl_live *l = live ? live : &own;
	json_t *scope = NULL, *before = ecsctl_ecs_api_calls(ecs);
	int64_t t0 = ecsctl_clock_now_ms(NULL);
	int rc;

	if (!live)
		ecsctl_live_init(&own);
	if (!before) {
		rc = reconcile_oom(err);
		goto done;
	}
	if ((rc = ecsctl_reconcile_plan_scope(&scope, m, po, err)))
		goto done;
	go.m = m;
	go.cache = po ? po->cache : NULL;
	if ((rc = ecsctl_reconcile_gather_with(l, ecs, scope, &go, err))) {
		ecsctl_error_wrap(err, "reading live ECS state");
		goto done;
	}
	rc = plan_gathered(out, l, scope, m, ecs, po, before, t0, err);
done:
	if (!live)
		ecsctl_live_release(&own);
	json_decref(scope);
	json_decref(before);
	return rc;
}

int ecsctl_reconcile_plan_live(struct ecsctl_plan *out, struct ecsctl_live *live,
                               const struct ecsctl_model *m, struct ecsctl_ecs *ecs,
                               const struct ecsctl_plan_options *po, struct ecsctl_error *err)
{
	json_t *scope = NULL, *before = ecsctl_ecs_api_calls(ecs);
	int64_t t0 = ecsctl_clock_now_ms(NULL);
	int rc;

	if (!before)
		return reconcile_oom(err);
	if (!(rc = ecsctl_reconcile_plan_scope(&scope, m, po, err)))
		rc = plan_gathered(out, live, scope, m, ecs, po, before, t0, err);
	json_decref(scope);
	json_decref(before);
	return rc;
}
