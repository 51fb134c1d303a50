/*
 * Drift gathering: reads the live side of every desired resource with the
 * batched ECS helpers and classifies it (docs/drift.md). Reads only.
 *
 * Per cluster of the desired state: one DescribeClusters for all, one
 * ListServices + DescribeServices batches of 10, so unmanaged services come
 * for free; task definitions are described once per revision.
 */
#include <stdlib.h>
#include <string.h>

#include "ecsctl/diff.h"
#include "ecsctl/drift.h"
#include "banned.h"

#define OWN_PREFIX "ecsctl:"
#define REVISION_TAG "ecsctl:revision"

struct gather {
	const struct ecsctl_model *m;
	struct ecsctl_ecs *c;
	struct ecsctl_drift_report *out;
	json_t *clusters;   /* name -> live Cluster (ACTIVE only) */
	json_t *services;   /* "cluster/name" -> live Service */
	json_t *taskdefs;   /* ARN -> {"td":..., "tags":...} */
	json_t *family_run; /* family -> ARN a desired service runs */
};

static const char *tag_value(const json_t *tags, const char *key)
{
	size_t i;
	json_t *t;

	json_array_foreach(
	    tags, i, t) if (!strcmp(json_string_value(json_object_get(t, "key")) ?: "",
	                            key)) return json_string_value(json_object_get(t, "value"));
	return NULL;
}

/* The ecsctl:revision tag when it names a commit (adopted resources carry
 * "import" instead: no commit deployed them). */
static const char *revision(const json_t *tags)
{
	const char *v = tag_value(tags, REVISION_TAG);
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
	json_array_foreach(tags, i, t)
	{
		const char *k = json_string_value(json_object_get(t, "key"));

		if (!k || strncmp(k, OWN_PREFIX, strlen(OWN_PREFIX)))
			json_array_append(kept, t);
	}
	json_object_set_new(copy, "tags", kept);
	return copy;
}

static void stamp(char buf[32], const json_t *v, const char **out)
{
	if (json_is_number(v) && !ecsctl_drift_rfc3339(buf, json_number_value(v)))
		*out = buf;
}

static int add_changes(struct gather *g, enum ecsctl_kind kind, const char *name,
                       const struct ecsctl_diff_changes *ch, enum ecsctl_drift_status st,
                       const char *commit, const char *updated, const char *msg,
                       struct ecsctl_error *err)
{
	struct ecsctl_diff_mask mk = {0, (const char *const *)g->m->settings.sensitive,
	                              g->m->settings.nsensitive};
	json_t *diff = ecsctl_diff_changes_to_json_as(ch, &mk, "live", "git");

	if (!diff)
		return ecsctl_error_set(err, ECSCTL_ENOMEM, "out of memory");
	/* a member diff is what to act on; a rollout it causes is its echo */
	if (json_array_size(diff))
		st = ECSCTL_DRIFT_DRIFTED;
	return ecsctl_drift_report_add(g->out, kind, name, st, diff, commit, updated, msg, err);
}

static int gather_clusters(struct gather *g, struct ecsctl_error *err)
{
	const char **names = calloc(g->m->count + 1, sizeof(*names));
	json_t *seen = json_object(), *live = NULL, *fail = NULL, *cl;
	size_t i, n = 0;
	int rc = 0;

	if (!names || !seen) {
		rc = ecsctl_error_set(err, ECSCTL_ENOMEM, "out of memory");
		goto done;
	}
	for (i = 0; i < g->m->count; i++) {
		const struct ecsctl_resource *r = &g->m->resources[i];
		const char *name = r->kind == ECSCTL_KIND_CLUSTER   ? r->name
		                   : r->kind == ECSCTL_KIND_SERVICE ? r->cluster
		                                                    : NULL;

		if (name && !json_object_get(seen, name)) {
			json_object_set_new(seen, name, json_true());
			names[n++] = name;
		}
	}
	if (n && (rc = ecsctl_ecs_describe_clusters(&live, &fail, g->c, names, n, err)) < 0)
		goto done;
	json_array_foreach(
	    live, i,
	    cl) if (!strcmp(json_string_value(json_object_get(cl, "status")) ?: "", "ACTIVE"))
	    json_object_set(g->clusters,
	                    json_string_value(json_object_get(cl, "clusterName")) ?: "", cl);
	for (i = 0; i < g->m->count; i++) {
		const struct ecsctl_resource *r = &g->m->resources[i];
		struct ecsctl_diff_cluster d;
		json_t *lc, *stripped;

		if (r->kind != ECSCTL_KIND_CLUSTER)
			continue;
		lc = json_object_get(g->clusters, r->name);
		if (!lc) {
			rc = ecsctl_drift_report_add(g->out, r->kind, r->name, ECSCTL_DRIFT_MISSING,
			                             NULL, NULL, NULL, "not found live", err);
			if (rc < 0)
				goto done;
			continue;
		}
		ecsctl_diff_cluster_init(&d);
		stripped = without_own_tags(lc);
		rc = ecsctl_diff_cluster(&d, r->body, stripped, g->m->settings.ignore,
		                         g->m->settings.nignore, err);
		if (rc == 0)
			rc = add_changes(g, r->kind, r->name, &d.changes, ECSCTL_DRIFT_IN_SYNC,
			                 revision(json_object_get(lc, "tags")), NULL, NULL, err);
		json_decref(stripped);
		ecsctl_diff_cluster_release(&d);
		if (rc < 0)
			goto done;
	}
done:
	free(names);
	json_decref(seen);
	json_decref(live);
	json_decref(fail);
	return rc;
}

static int gather_services(struct gather *g, struct ecsctl_error *err)
{
	const char *cname;
	json_t *cl;
	int rc = 0;

	json_object_foreach(g->clusters, cname, cl)
	{
		json_t *arns = NULL, *svcs = NULL, *fail = NULL, *s;
		const char **names = NULL;
		size_t i, n;

		rc = ecsctl_ecs_list_services(&arns, g->c, cname, err);
		n = json_array_size(arns);
		if (rc == 0 && n) {
			names = calloc(n, sizeof(*names));
			if (!names)
				rc = ecsctl_error_set(err, ECSCTL_ENOMEM, "out of memory");
			for (i = 0; names && i < n; i++)
				names[i] = json_string_value(json_array_get(arns, i));
			if (rc == 0)
				rc = ecsctl_ecs_describe_services(&svcs, &fail, g->c, cname, names,
				                                  n, err);
		}
		json_array_foreach(svcs, i, s)
		{
			char key[1024];
			const char *sn = json_string_value(json_object_get(s, "serviceName")) ?: "";

			if ((size_t)snprintf(key, sizeof(key), "%s/%s", cname, sn) < sizeof(key))
				json_object_set(g->services, key, s);
		}
		free(names);
		json_decref(arns);
		json_decref(svcs);
		json_decref(fail);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* The described revision `arn`, cached; NULL when it cannot be read. */
static const json_t *taskdef(struct gather *g, const char *arn, const json_t **tags,
                             struct ecsctl_error *err, int *rc)
{
	json_t *e = json_object_get(g->taskdefs, arn), *td = NULL, *tg = NULL;

	if (!e) {
		struct ecsctl_error e2 = ECSCTL_ERROR_INIT;
		int r = ecsctl_ecs_describe_task_definition(&td, &tg, g->c, arn, &e2);

		if (r < 0 && r != ECSCTL_EAWS) {
			*rc = r;
			ecsctl_error_move(err, &e2);
			return NULL;
		}
		ecsctl_error_release(&e2);
		e = json_pack("{s:o?, s:o?}", "td", td, "tags", tg);
		if (!e || json_object_set_new(g->taskdefs, arn, e)) {
			*rc = ecsctl_error_set(err, ECSCTL_ENOMEM, "out of memory");
			return NULL;
		}
	}
	if (tags)
		*tags = json_object_get(e, "tags");
	return json_object_get(e, "td");
}

static bool arn_names(const char *arn, const char *td)
{
	size_t a = strlen(arn), t = strlen(td);

	return !strcmp(arn, td) || (a > t && !strcmp(arn + a - t, td) && arn[a - t - 1] == '/');
}

static char *unhealthy_reason(const json_t *s)
{
	const json_t *deps = json_object_get(s, "deployments"), *d;
	const char *rollout = NULL;
	json_int_t run = json_integer_value(json_object_get(s, "runningCount"));
	json_int_t want = json_integer_value(json_object_get(s, "desiredCount"));
	size_t i;
	char buf[256];

	json_array_foreach(
	    deps, i,
	    d) if (!strcmp(json_string_value(json_object_get(d, "status")) ?: "", "PRIMARY"))
	    rollout = json_string_value(json_object_get(d, "rolloutState"));
	if (json_array_size(deps) <= 1 && run == want &&
	    (!rollout || !strcmp(rollout, "COMPLETED")))
		return NULL;
	snprintf(buf, sizeof(buf), "not stable: %zu deployment%s, %lld/%lld running, rollout %s",
	         json_array_size(deps), json_array_size(deps) == 1 ? "" : "s", (long long)run,
	         (long long)want, rollout ? rollout : "unknown");
	return strdup(buf);
}

static const char *service_updated(const json_t *s, char buf[32])
{
	const json_t *deps = json_object_get(s, "deployments"), *d;
	const char *out = NULL;
	double best = -1;
	size_t i;

	json_array_foreach(deps, i, d)
	{
		const json_t *u = json_object_get(d, "updatedAt");

		if (json_is_number(u) && json_number_value(u) > best)
			best = json_number_value(u);
	}
	if (best < 0 && json_is_number(json_object_get(s, "createdAt")))
		best = json_number_value(json_object_get(s, "createdAt"));
	if (best >= 0 && !ecsctl_drift_rfc3339(buf, best))
		out = buf;
	return out;
}

static int one_service(struct gather *g, const struct ecsctl_resource *r, struct ecsctl_error *err)
{
	json_t *ls = json_object_get(g->services, r->name), *want = NULL, *stripped = NULL;
	const char *st = json_string_value(json_object_get(ls, "status"));
	const char *tdname = json_string_value(json_object_get(r->body, "taskDefinition"));
	const char *larn = json_string_value(json_object_get(ls, "taskDefinition"));
	const struct ecsctl_resource *fam = NULL;
	struct ecsctl_diff_service_options o = ECSCTL_DIFF_SERVICE_OPTIONS_INIT;
	struct ecsctl_diff_service d;
	char when[32], *why = NULL;
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
		rc = ecsctl_error_set(err, ECSCTL_ENOMEM, "out of memory");
		goto done;
	}
	if (tdname && larn) {
		fam = ecsctl_model_find(g->m, ECSCTL_KIND_TASKDEF, tdname);
		if (fam) {
			const json_t *live_td = taskdef(g, larn, NULL, err, &rc);
			bool eq = false;

			if (rc < 0)
				goto done;
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
		rc = ecsctl_error_set(err, ECSCTL_ENOMEM, "out of memory");
		goto done;
	}
	if ((rc = ecsctl_diff_service(&d, want, stripped, &o, err)) < 0)
		goto done;
	why = unhealthy_reason(ls);
	updated = service_updated(ls, when);
	rc = add_changes(g, r->kind, r->name, &d.changes,
	                 why ? ECSCTL_DRIFT_UNHEALTHY : ECSCTL_DRIFT_IN_SYNC,
	                 revision(json_object_get(ls, "tags")), updated, why, err);
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
	json_t *arns = NULL;
	const json_t *td = NULL, *tags = NULL;
	struct ecsctl_diff_changes ch = ECSCTL_DIFF_CHANGES_INIT;
	const char *updated = NULL;
	char when[32];
	int rc = 0;

	if (!arn) {
		rc = ecsctl_ecs_list_task_definitions(&arns, g->c, r->name, "ACTIVE", true, err);
		if (rc < 0)
			goto done;
		arn = json_string_value(json_array_get(arns, 0));
	}
	if (arn && !(td = taskdef(g, arn, &tags, err, &rc)) && rc < 0)
		goto done;
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
	rc = add_changes(g, r->kind, r->name, &ch, ECSCTL_DRIFT_IN_SYNC, revision(tags), updated,
	                 NULL, err);
done:
	json_decref(arns);
	ecsctl_diff_changes_release(&ch);
	return rc;
}

static int unmanaged(struct gather *g, struct ecsctl_error *err)
{
	const char *key;
	json_t *s;
	char when[32];

	json_object_foreach(g->services, key, s)
	{
		const char *st = json_string_value(json_object_get(s, "status")) ?: "";
		int rc;

		if (strcmp(st, "ACTIVE") || ecsctl_model_find(g->m, ECSCTL_KIND_SERVICE, key))
			continue;
		rc = ecsctl_drift_report_add(g->out, ECSCTL_KIND_SERVICE, key,
		                             ECSCTL_DRIFT_UNMANAGED, NULL,
		                             revision(json_object_get(s, "tags")),
		                             service_updated(s, when), "live, not in git", err);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int ecsctl_drift_gather(struct ecsctl_drift_report *out, const struct ecsctl_model *m,
                        struct ecsctl_ecs *c, struct ecsctl_error *err)
{
	struct gather g = {m, c, out, json_object(), json_object(), json_object(), json_object()};
	size_t i;
	int rc = 0;

	if (!g.clusters || !g.services || !g.taskdefs || !g.family_run) {
		rc = ecsctl_error_set(err, ECSCTL_ENOMEM, "out of memory");
		goto done;
	}
	if (m->commit && !out->commit && !(out->commit = strdup(m->commit))) {
		rc = ecsctl_error_set(err, ECSCTL_ENOMEM, "out of memory");
		goto done;
	}
	if ((rc = gather_clusters(&g, err)) < 0 || (rc = gather_services(&g, err)) < 0)
		goto done;
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
	json_decref(g.clusters);
	json_decref(g.services);
	json_decref(g.taskdefs);
	json_decref(g.family_run);
	return rc;
}
