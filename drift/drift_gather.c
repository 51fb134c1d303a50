/*
 * Drift gathering: reads the live side of every desired resource and
 * classifies it (docs/drift.md). Reads only.
 *
 * The reads are plan's (ecsctl_reconcile_gather_with: DescribeClusters,
 * DescribeServices 10 a call and DescribeTaskDefinition of each family and
 * of each revision a service runs, all concurrent, except the revisions an
 * ecsctl:taskdef tag vouches for), so drift and plan see the same live
 * state; plus, per ACTIVE cluster, ListServices and DescribeServices of the
 * services git does not name (the unmanaged ones). Skipping the vouched
 * revisions loses no drift: a revision never changes, and a service moved
 * to another one (an out-of-band RegisterTaskDefinition + UpdateService)
 * no longer runs the revision its tag names, so that one is read.
 */
#include <stdlib.h>
#include <string.h>

#include "ecsctl/diff.h"
#include "ecsctl/drift.h"
#include "ecsctl/reconcile.h"
#include "ecsctl/timestamp.h"
#include "ecsctl/buf.h"
#include "banned.h"

struct gather {
	const struct ecsctl_model *m;
	struct ecsctl_drift_report *out;
	const struct ecsctl_live *live;
	json_t *family_run; /* family -> ARN a desired service runs */
};

/* The ecsctl:revision tag when it names a commit (adopted resources carry
 * "import" instead: no commit deployed them). */
static const char *revision(const json_t *tags)
{
	const char *v = ecsctl_reconcile_tag_value(tags, ECSCTL_REVISION_TAG);
	size_t n = v ? strspn(v, "0123456789abcdef") : 0;

	return v && n >= 7 && n <= 64 && !v[n] ? v : NULL;
}

/* A copy of a live resource without ecsctl's own tags: ownership and the
 * deployed commit are reported on their own, not as member drift. */
static json_t *without_own_tags(const json_t *live)
{
	json_t *copy = json_deep_copy(live), *tags, *kept, *t;
	size_t i;

	if (!copy)
		return NULL;
	tags = json_object_get(copy, "tags");
	if (!json_is_array(tags))
		return copy;
	kept = json_array();
	json_array_foreach(tags, i, t) {
		const char *k = json_string_value(json_object_get(t, "key"));

		if (!k || strncmp(k, ECSCTL_TAG_PREFIX, strlen(ECSCTL_TAG_PREFIX)))
			json_array_append(kept, t);
	}
	json_object_set_new(copy, "tags", kept);
	return copy;
}

static void stamp(char buf[ECSCTL_TIMESTAMP_MAX], const json_t *v, const char **out)
{
	if (json_is_number(v) && !ecsctl_timestamp_format(buf, json_number_value(v)))
		*out = buf;
}

static int add_changes(struct gather *g, enum ecsctl_kind kind, const char *name,
                       const struct ecsctl_diff_changes *ch, enum ecsctl_drift_status st,
                       const char *commit, const char *updated, const char *msg,
                       struct ecsctl_error *err)
{
	struct ecsctl_diff_mask mk = {0, (const char *const *)g->m->settings.sensitive,
	                              g->m->settings.nsensitive, (const char *const *)g->m->secrets,
	                              g->m->nsecrets};
	json_t *diff = ecsctl_diff_changes_to_json_as(ch, &mk, "live", "git");

	if (!diff)
		return ecsctl_error_nomem(err);
	/* a member diff is what to act on; a rollout it causes is its echo */
	if (json_array_size(diff))
		st = ECSCTL_DRIFT_DRIFTED;
	return ecsctl_drift_report_add(g->out, kind, name, st, diff, commit, updated, msg, err);
}

/* The live cluster `name` when ACTIVE (drift reads nothing in the others). */
static const json_t *active_cluster(const struct gather *g, const char *name)
{
	const json_t *lc = json_object_get(g->live->clusters, name);
	const char *st = json_string_value(json_object_get(lc, "status"));

	return st && !strcmp(st, "ACTIVE") ? lc : NULL;
}

static int one_cluster(struct gather *g, const struct ecsctl_resource *r, struct ecsctl_error *err)
{
	const json_t *lc = active_cluster(g, r->name);
	struct ecsctl_diff_cluster d;
	json_t *stripped;
	int rc;

	if (!lc)
		return ecsctl_drift_report_add(g->out, r->kind, r->name, ECSCTL_DRIFT_MISSING, NULL,
		                               NULL, NULL, "not found live", err);
	ecsctl_diff_cluster_init(&d);
	stripped = without_own_tags(lc);
	rc = ecsctl_diff_cluster(&d, r->body, stripped, g->m->settings.ignore,
	                         g->m->settings.nignore, err);
	if (rc == 0)
		rc = add_changes(g, r->kind, r->name, &d.changes, ECSCTL_DRIFT_IN_SYNC,
		                 revision(json_object_get(lc, "tags")), NULL, NULL, err);
	json_decref(stripped);
	ecsctl_diff_cluster_release(&d);
	return rc;
}

static bool arn_names(const char *arn, const char *td)
{
	size_t a = strlen(arn), t = strlen(td);

	return !strcmp(arn, td) || (a > t && !strcmp(arn + a - t, td) && arn[a - t - 1] == '/');
}

/* The PRIMARY's rollout is under way: a service mid-rollout converges. */
static bool rolling_out(const json_t *s)
{
	const json_t *d;
	size_t i;

	json_array_foreach(json_object_get(s, "deployments"), i, d) {
		const char *st = json_string_value(json_object_get(d, "status"));
		const char *ro = json_string_value(json_object_get(d, "rolloutState"));
		if (st && !strcmp(st, "PRIMARY"))
			return ro && !strcmp(ro, "IN_PROGRESS");
	}
	return false;
}

static char *unhealthy_reason(const json_t *s)
{
	const json_t *deps = json_object_get(s, "deployments"), *d;
	const char *rollout = NULL;
	json_int_t run = json_integer_value(json_object_get(s, "runningCount"));
	json_int_t want = json_integer_value(json_object_get(s, "desiredCount"));
	size_t i;
	char buf[256];

	json_array_foreach(deps, i, d) {
		const char *status = json_string_value(json_object_get(d, "status"));

		if (status && !strcmp(status, "PRIMARY"))
			rollout = json_string_value(json_object_get(d, "rolloutState"));
	}
	if (json_array_size(deps) <= 1 && run == want &&
	    (!rollout || !strcmp(rollout, "COMPLETED")))
		return NULL;
	snprintf(buf, sizeof(buf), "not stable: %zu deployment%s, %lld/%lld running, rollout %s",
	         json_array_size(deps), json_array_size(deps) == 1 ? "" : "s", (long long)run,
	         (long long)want, rollout ? rollout : "unknown");
	return strdup(buf);
}

static const char *service_updated(const json_t *s, char buf[ECSCTL_TIMESTAMP_MAX])
{
	const json_t *deps = json_object_get(s, "deployments"), *d;
	const char *out = NULL;
	double best = -1;
	size_t i;

	json_array_foreach(deps, i, d) {
		const json_t *u = json_object_get(d, "updatedAt");

		if (json_is_number(u) && json_number_value(u) > best)
			best = json_number_value(u);
	}
	if (best < 0 && json_is_number(json_object_get(s, "createdAt")))
		best = json_number_value(json_object_get(s, "createdAt"));
	if (best >= 0 && !ecsctl_timestamp_format(buf, best))
		out = buf;
	return out;
}

/* What the status page shows of a live service (ecsctl_drift_item.health). */
static json_t *service_health(const json_t *s)
{
	const json_t *deps = json_object_get(s, "deployments"), *d, *e;
	const char *rollout = NULL;
	json_t *h, *events = json_array();
	char at[ECSCTL_TIMESTAMP_MAX];
	size_t i;

	json_array_foreach(deps, i, d)
		if (!strcmp(ecsctl_or_empty(json_string_value(json_object_get(d, "status"))),
		            "PRIMARY"))
			rollout = json_string_value(json_object_get(d, "rolloutState"));
	json_array_foreach(json_object_get(s, "events"), i, e) {
		const json_t *t = json_object_get(e, "createdAt");

		if (i >= 10)
			break;
		if (!json_is_number(t) || ecsctl_timestamp_format(at, json_number_value(t)))
			at[0] = '\0';
		json_array_append_new(
		    events,
		    json_pack("{s:s, s:s}", "at", at, "message",
		              ecsctl_or_empty(json_string_value(json_object_get(e, "message")))));
	}
	h = json_pack("{s:I, s:I, s:I, s:s?, s:s?, s:o}", "running",
	              json_integer_value(json_object_get(s, "runningCount")), "desired",
	              json_integer_value(json_object_get(s, "desiredCount")), "pending",
	              json_integer_value(json_object_get(s, "pendingCount")), "rollout", rollout,
	              "taskDefinition", json_string_value(json_object_get(s, "taskDefinition")),
	              "events", events);
	return h;
}

static int one_service(struct gather *g, const struct ecsctl_resource *r, struct ecsctl_error *err)
{
	const json_t *ls = active_cluster(g, r->cluster)
	                       ? json_object_get(g->live->services, r->name)
	                       : NULL;
	json_t *want = NULL, *stripped = NULL;
	const char *st = json_string_value(json_object_get(ls, "status"));
	const char *tdname = json_string_value(json_object_get(r->body, "taskDefinition"));
	const char *larn = json_string_value(json_object_get(ls, "taskDefinition"));
	const struct ecsctl_resource *fam = NULL;
	struct ecsctl_diff_service_options o = ECSCTL_DIFF_SERVICE_OPTIONS_INIT;
	struct ecsctl_diff_service d;
	char when[ECSCTL_TIMESTAMP_MAX], *why = NULL;
	const char *updated;
	int rc = 0;

	ecsctl_diff_service_init(&d);
	if (!ls || !st || strcmp(st, "ACTIVE")) {
		rc = ecsctl_drift_report_add(g->out, r->kind, r->name, ECSCTL_DRIFT_MISSING, NULL,
		                             NULL, NULL,
		                             st ? "service is not ACTIVE" : "not found live", err);
		goto done;
	}
	want = json_deep_copy(r->body);
	if (!want) {
		rc = ecsctl_error_nomem(err);
		goto done;
	}
	if (tdname && larn) {
		fam = ecsctl_model_find(g->m, ECSCTL_KIND_TASKDEF, tdname);
		if (fam) {
			const json_t *live_td = json_object_get(g->live->running, larn);
			bool eq = false;

			if (!json_object_get(g->family_run, tdname))
				json_object_set_new(g->family_run, tdname, json_string(larn));
			if (live_td &&
			    (rc = ecsctl_diff_taskdef_equal(&eq, fam->body, live_td, err)) < 0)
				goto done;
			if (eq)
				json_object_set_new(want, "taskDefinition", json_string(larn));
		} else if (arn_names(larn, tdname)) {
			json_object_set_new(want, "taskDefinition", json_string(larn));
		}
	}
	o.name = r->name;
	o.ignore = g->m->settings.ignore;
	o.nignore = g->m->settings.nignore;
	stripped = without_own_tags(ls);
	if (!stripped) {
		rc = ecsctl_error_nomem(err);
		goto done;
	}
	if ((rc = ecsctl_diff_service(&d, want, stripped, &o, err)) < 0)
		goto done;
	why = unhealthy_reason(ls);
	updated = service_updated(ls, when);
	rc = add_changes(g, r->kind, r->name, &d.changes,
	                 !why              ? ECSCTL_DRIFT_IN_SYNC
	                 : rolling_out(ls) ? ECSCTL_DRIFT_PROGRESSING
	                                   : ECSCTL_DRIFT_UNHEALTHY,
	                 revision(json_object_get(ls, "tags")), updated, why, err);
	if (!rc)
		g->out->items[g->out->count - 1].health = service_health(ls);
done:
	free(why);
	json_decref(want);
	json_decref(stripped);
	ecsctl_diff_service_release(&d);
	return rc;
}

static int one_family(struct gather *g, const struct ecsctl_resource *r, struct ecsctl_error *err)
{
	const char *arn = json_string_value(json_object_get(g->family_run, r->name));
	/* the revision a desired service runs, else the latest ACTIVE one */
	const json_t *td = arn ? json_object_get(g->live->running, arn)
	                       : json_object_get(g->live->latest, r->name);
	struct ecsctl_diff_changes ch = ECSCTL_DIFF_CHANGES_INIT;
	const char *updated = NULL;
	char when[ECSCTL_TIMESTAMP_MAX];
	int rc = 0;

	if (!td) {
		rc = ecsctl_drift_report_add(g->out, r->kind, r->name, ECSCTL_DRIFT_MISSING, NULL,
		                             NULL, NULL, "no ACTIVE revision", err);
		goto done;
	}
	if ((rc = ecsctl_diff_taskdef(&ch, r->body, td, err)) < 0)
		goto done;
	ecsctl_diff_apply_ignore(&ch, "TaskDefinition", r->name, g->m->settings.ignore,
	                         g->m->settings.nignore);
	stamp(when, json_object_get(td, "registeredAt"), &updated);
	rc = add_changes(g, r->kind, r->name, &ch, ECSCTL_DRIFT_IN_SYNC,
	                 revision(json_object_get(td, "tags")), updated, NULL, err);
done:
	ecsctl_diff_changes_release(&ch);
	return rc;
}

static int unmanaged(struct gather *g, struct ecsctl_error *err)
{
	const char *key;
	json_t *s;
	char when[ECSCTL_TIMESTAMP_MAX];

	json_object_foreach(g->live->unmanaged, key, s) {
		int rc = ecsctl_drift_report_add(g->out, ECSCTL_KIND_SERVICE, key,
		                                 ECSCTL_DRIFT_UNMANAGED, NULL,
		                                 revision(json_object_get(s, "tags")),
		                                 service_updated(s, when), "live, not in git", err);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int ecsctl_drift_from_live(struct ecsctl_drift_report *out, const struct ecsctl_model *m,
                           const struct ecsctl_live *live, struct ecsctl_error *err)
{
	struct gather g = {m, out, live, json_object()};
	size_t i;
	int rc = 0;

	if (!g.family_run) {
		rc = ecsctl_error_nomem(err);
		goto done;
	}
	if (m->commit && !out->commit && !(out->commit = strdup(m->commit))) {
		rc = ecsctl_error_nomem(err);
		goto done;
	}
	for (i = 0; i < m->count && rc == 0; i++)
		if (m->resources[i].kind == ECSCTL_KIND_CLUSTER)
			rc = one_cluster(&g, &m->resources[i], err);
	/* services first: they say which revision each family runs */
	for (i = 0; i < m->count && rc == 0; i++)
		if (m->resources[i].kind == ECSCTL_KIND_SERVICE)
			rc = one_service(&g, &m->resources[i], err);
	for (i = 0; i < m->count && rc == 0; i++)
		if (m->resources[i].kind == ECSCTL_KIND_TASKDEF)
			rc = one_family(&g, &m->resources[i], err);
	if (rc == 0)
		rc = unmanaged(&g, err);
	ecsctl_drift_report_sort(out);
done:
	json_decref(g.family_run);
	return rc;
}

int ecsctl_drift_gather(struct ecsctl_drift_report *out, const struct ecsctl_model *m,
                        struct ecsctl_ecs *c, bool refresh, struct ecsctl_error *err)
{
	struct ecsctl_gather_options go = ECSCTL_GATHER_OPTIONS_INIT;
	struct ecsctl_live live;
	json_t *scope = NULL;
	int rc = 0;

	ecsctl_live_init(&live);
	if ((rc = ecsctl_reconcile_scope(&scope, m, err)) < 0)
		goto done;
	/* what prune would delete is drift's "unmanaged", read with it */
	if (json_object_set_new(scope, "prune", json_false()) ||
	    (refresh && json_object_set_new(scope, "refresh", json_true()))) {
		rc = ecsctl_error_nomem(err);
		goto done;
	}
	go.m = m;
	go.unmanaged = true;
	if ((rc = ecsctl_reconcile_gather_with(&live, c, scope, &go, err)) < 0)
		goto done;
	rc = ecsctl_drift_from_live(out, m, &live, err);
done:
	json_decref(scope);
	ecsctl_live_release(&live);
	return rc;
}
