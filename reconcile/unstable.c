/*
 * Managed services that are not stable now (docs/plan.md, "Unstable
 * services"). After an apply failed or timed out, git and live can agree on
 * every member while a service still crash-loops or sits on a failed
 * deployment; a plan that then said "No changes. Live ECS matches git."
 * hid it. The rule is the one apply's wait succeeds on: the PRIMARY
 * deployment COMPLETED (or, without rolloutState, alone) and running ==
 * desired.
 */
#include <stdlib.h>
#include <string.h>

#include "reconcile_int.h"
#include "banned.h"

static const json_t *primary_of(const json_t *svc, size_t *ndeps)
{
	const json_t *deps = json_object_get(svc, "deployments"), *d;
	size_t i;

	*ndeps = json_array_size(deps);
	json_array_foreach(deps, i, d) {
		const char *st = json_string_value(json_object_get(d, "status"));
		if (st && !strcmp(st, "PRIMARY"))
			return d;
	}
	return NULL;
}

/* An entry for `svc` when it is not stable, else NULL (new reference). */
static json_t *unstable_entry(const char *name, const json_t *svc)
{
	size_t ndeps = 0;
	const json_t *p = primary_of(svc, &ndeps);
	const char *rs = json_string_value(json_object_get(p, "rolloutState"));
	const char *why = json_string_value(json_object_get(p, "rolloutStateReason"));
	json_int_t running = json_integer_value(json_object_get(svc, "runningCount"));
	json_int_t desired = json_integer_value(json_object_get(svc, "desiredCount"));
	json_int_t failed = json_integer_value(json_object_get(p, "failedTasks"));
	struct ecsctl_buf b = ECSCTL_BUF_INIT;
	json_t *out;

	if (!p)
		return NULL; /* nothing deployed to judge (a DAEMON without tasks, a describe gap)
		              */
	if (rs && !strcmp(rs, "FAILED"))
		ecsctl_buf_adds(&b, "deployment failed");
	else if ((rs && strcmp(rs, "COMPLETED")) || ndeps > 1)
		ecsctl_buf_adds(&b, "deployment in progress");
	else if (running != desired)
		ecsctl_buf_adds(&b, "not all tasks run");
	else
		return NULL;
	if (why && *why)
		ecsctl_buf_addf(&b, ": %s", why);
	ecsctl_buf_addf(&b, " (running %lld of %lld", (long long)running, (long long)desired);
	if (failed > 0)
		ecsctl_buf_addf(&b, ", %lld task%s failed to start", (long long)failed,
		                failed == 1 ? "" : "s");
	ecsctl_buf_addch(&b, ')');
	out = ecsctl_buf_failed(&b)
	          ? NULL
	          : json_pack("{s:s,s:s,s:s?,s:I,s:I,s:I,s:s?}", "name", name, "reason", b.buf,
	                      "rolloutState", rs, "running", running, "desired", desired,
	                      "failedTasks", failed, "taskDefinition",
	                      json_string_value(json_object_get(svc, "taskDefinition")));
	ecsctl_buf_release(&b);
	return out;
}

static bool targeted(const struct ecsctl_plan_options *po, const char *name)
{
	size_t i;

	if (!po || !po->ntargets)
		return true;
	for (i = 0; i < po->ntargets; i++)
		if (!strncmp(po->targets[i], "Service/", 8) && !strcmp(po->targets[i] + 8, name))
			return true;
	return false;
}

int reconcile_unstable(json_t **out, const struct ecsctl_model *m, const struct ecsctl_live *live,
                       const struct ecsctl_plan_options *po, struct ecsctl_error *err)
{
	size_t i;

	if (!(*out = json_array()))
		return reconcile_oom(err);
	for (i = 0; i < m->count; i++) {
		const struct ecsctl_resource *r = &m->resources[i];
		const json_t *svc = json_object_get(live->services, r->name);
		json_t *e;
		if (r->kind != ECSCTL_KIND_SERVICE || !svc || !targeted(po, r->name))
			continue;
		if ((e = unstable_entry(r->name, svc)) && json_array_append_new(*out, e))
			return reconcile_oom(err);
	}
	return 0;
}

void reconcile_render_unstable(struct ecsctl_buf *out, const struct ecsctl_plan *p)
{
	size_t i, n = json_array_size(p->unstable);
	json_t *it;

	if (!n)
		return;
	if (p->count)
		ecsctl_buf_addf(out,
		                "\n%zu managed service%s not stable now (apply waits for %s "
		                "too):\n",
		                n, n == 1 ? " is" : "s are", n == 1 ? "it" : "them");
	else
		ecsctl_buf_addf(out,
		                "No changes to make, but live ECS does not run what git says yet: "
		                "%zu managed service%s not stable:\n",
		                n, n == 1 ? " is" : "s are");
	json_array_foreach(p->unstable, i, it) {
		ecsctl_buf_addf(out, "  ! Service \"%s\": %s\n",
		                json_string_value(json_object_get(it, "name")),
		                json_string_value(json_object_get(it, "reason")));
	}
}

int ecsctl_plan_unstable_waits(struct ecsctl_plan *out, const struct ecsctl_plan *p,
                               struct ecsctl_error *err)
{
	size_t i, j;
	json_t *it;

	json_array_foreach(p->unstable, i, it) {
		const char *name = json_string_value(json_object_get(it, "name"));
		const char *slash = name ? strchr(name, '/') : NULL;
		const char *td = json_string_value(json_object_get(it, "taskDefinition"));
		struct ecsctl_plan_op *op;
		bool waited = false;
		char *cluster;
		for (j = 0; j < p->count && !waited; j++)
			waited = p->ops[j].wait && p->ops[j].kind == ECSCTL_KIND_SERVICE &&
			         !strcmp(p->ops[j].name, name);
		if (waited || !slash || !td)
			continue;
		if (!(op = reconcile_plan_push(out)) ||
		    !(cluster = strndup(name, (size_t)(slash - name))))
			return reconcile_oom(err);
		op->kind = ECSCTL_KIND_SERVICE;
		op->action = ECSCTL_DIFF_UPDATE;
		op->phase = ECSCTL_PHASE_SERVICES;
		op->name = strdup(name);
		op->calls = json_array();
		/* no previousTaskDefinition: nothing was changed, so nothing rolls back */
		op->wait = json_pack("{s:s,s:s,s:s}", "cluster", cluster, "service", slash + 1,
		                     "taskDefinition", td);
		free(cluster);
		if (!op->name || !op->calls || !op->wait)
			return reconcile_oom(err);
	}
	return 0;
}
