/*
 * Preflight for a plan: the model's rules (docs/preflight.md) on the very
 * requests apply will send, each service's against the task definition it
 * will run. `plan` finds what the desired state did not hold (a service
 * pinned to a revision defined elsewhere); `apply FILE` re-checks a saved
 * plan, whose requests may have been edited or made by another version.
 */
#include <stdlib.h>
#include <string.h>

#include "ecsctl/arn.h"
#include "ecsctl/buf.h"
#include "reconcile_int.h"
#include "banned.h"

/* "arn:...:task-definition/web:3" is "web:3". */
static bool arn_is(const json_t *td, const char *ref)
{
	const char *arn = json_string_value(json_object_get(td, "taskDefinitionArn"));
	const char *rest = ecsctl_arn_resource(arn, "task-definition");

	return rest && !strcmp(rest, ref);
}

/* The task definition a service request names: a register of this plan, or
 * a revision the plan read (by ARN, family:revision or family). */
static const json_t *td_for(const struct ecsctl_plan *p, const struct ecsctl_live *live,
                            const char *ref)
{
	const json_t *td = NULL, *it;
	size_t i, j;
	char *fam;

	for (i = 0; ref && i < p->count; i++) {
		char *ph = p->ops[i].action == ECSCTL_DIFF_REGISTER
		               ? ecsctl_plan_placeholder(p->ops[i].name)
		               : NULL;
		bool hit = ph && !strcmp(ph, ref);

		free(ph);
		json_array_foreach(hit ? p->ops[i].calls : NULL, j, it) {
			if (!strcmp(json_string_value(json_object_get(it, "operation")),
			            "RegisterTaskDefinition"))
				return json_object_get(it, "request");
		}
	}
	if (!ref || !live)
		return NULL;
	if ((td = reconcile_known_td(live, ref)))
		return td;
	if ((td = reconcile_family_td(live, ref)))
		return td;
	if (!(fam = ecsctl_arn_family(ref)))
		return NULL;
	td = json_object_get(live->latest, fam);
	if (td && !arn_is(td, ref))
		td = NULL;
	json_array_foreach(td ? NULL : json_object_get(live->history, fam), i, it) {
		if (arn_is(it, ref))
			td = it;
	}
	free(fam);
	return td;
}

/* Members of a live Service that an UpdateService leaves as they are. */
static const char *const kept[] = {"launchType",
                                   "capacityProviderStrategy",
                                   "platformVersion",
                                   "networkConfiguration",
                                   "loadBalancers",
                                   "taskDefinition",
                                   NULL};

/* The service as an UpdateService `req` of `name` ("cluster/name") would
 * leave it, in CreateService members. New reference. */
static json_t *service_after(const struct ecsctl_live *live, const char *name, const json_t *req)
{
	const json_t *svc = live ? json_object_get(live->services, name) : NULL;
	json_t *view = json_object();
	const char *const *k;

	for (k = kept; view && svc && *k; k++)
		if (json_object_get(svc, *k))
			json_object_set(view, *k, json_object_get(svc, *k));
	/* an update to a capacity provider strategy replaces the launch type */
	if (view && json_object_get(req, "capacityProviderStrategy"))
		json_object_del(view, "launchType");
	if (view && json_object_update(view, (json_t *)req)) {
		json_decref(view);
		view = NULL;
	}
	return view;
}

size_t ecsctl_plan_check(const struct ecsctl_plan *p, const struct ecsctl_live *live,
                         struct ecsctl_diags *diags)
{
	size_t i, j, errors = 0;
	const json_t *call;

	for (i = 0; i < p->count; i++) {
		const struct ecsctl_plan_op *op = &p->ops[i];

		json_array_foreach(op->calls, j, call) {
			const char *name = json_string_value(json_object_get(call, "operation"));
			const json_t *req = json_object_get(call, "request");
			struct ecsctl_buf label = ECSCTL_BUF_INIT;
			json_t *view = NULL;

			if (!name || !json_is_object(req))
				continue;
			ecsctl_buf_addf(&label, "%s request of %s '%s'", name,
			                ecsctl_kind_name(op->kind), op->name);
			if (!strcmp(name, "RegisterTaskDefinition")) {
				errors += ecsctl_model_check_rules(ECSCTL_KIND_TASKDEF, req, NULL,
				                                   label.buf, diags);
			} else if (!strcmp(name, "CreateService") ||
			           !strcmp(name, "UpdateService")) {
				view = !strcmp(name, "UpdateService")
				           ? service_after(live, op->name, req)
				           : json_incref((json_t *)req);
				if (view)
					errors += ecsctl_model_check_rules(
					    ECSCTL_KIND_SERVICE, view,
					    td_for(p, live,
					           json_string_value(
					               json_object_get(view, "taskDefinition"))),
					    label.buf, diags);
				else
					diags->oom = 1;
			}
			json_decref(view);
			ecsctl_buf_release(&label);
		}
	}
	return errors;
}

int ecsctl_plan_preflight(const struct ecsctl_plan *p, const struct ecsctl_live *live,
                          struct ecsctl_error *err)
{
	struct ecsctl_diags d = ECSCTL_DIAGS_INIT;
	struct ecsctl_buf b = ECSCTL_BUF_INIT;
	size_t n = ecsctl_plan_check(p, live, &d), i;
	int rc = 0;

	ecsctl_buf_addf(&b, "%zu request%s of the plan would be refused by ECS:", n,
	                n == 1 ? "" : "s");
	for (i = 0; i < d.count; i++)
		ecsctl_buf_addf(&b, "\n  %s: %s", d.items[i].file, d.items[i].message);
	if (d.oom || ecsctl_buf_failed(&b))
		rc = reconcile_oom(err);
	else if (n)
		rc = ecsctl_error_set(err, ECSCTL_EINVAL, "%s", b.buf);
	ecsctl_buf_release(&b);
	ecsctl_diags_release(&d);
	return rc;
}
