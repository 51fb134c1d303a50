/*
 * Pre-deploy hooks (ecsctl.yaml `hooks: {beforeServices: [...]}`,
 * docs/operations.md): one-off tasks, a database migration typically, that
 * apply runs after the plan's registers and before any service changes.
 * A plan that deploys (registers a task definition, creates, updates or
 * replaces a service) carries them as their own steps, with the RunTask
 * request each will send; apply runs them one after the other and stops
 * before the services when one does not exit 0.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecsctl/clock.h"
#include "ecsctl/duration.h"
#include "ecsctl/ops.h"
#include "reconcile_int.h"
#include "banned.h"

/* Whether the plan deploys something the hooks must run before. */
static bool deploys(const struct ecsctl_plan *p)
{
	size_t i;

	for (i = 0; i < p->count; i++) {
		enum ecsctl_diff_action a = p->ops[i].action;
		if (a == ECSCTL_DIFF_REGISTER ||
		    (p->ops[i].kind == ECSCTL_KIND_SERVICE &&
		     (a == ECSCTL_DIFF_CREATE || a == ECSCTL_DIFF_UPDATE ||
		      a == ECSCTL_DIFF_REPLACE)))
			return true;
	}
	return false;
}

/* The revision a hook runs: the one this plan registers, else the latest
 * ACTIVE one live (or, not read, the one its services run, vouched equal to
 * git's by their ecsctl:taskdef tag). */
static char *hook_revision(const struct ecsctl_plan *p, const struct ecsctl_live *live,
                           const char *family)
{
	const char *arn = json_string_value(
	    json_object_get(reconcile_family_td(live, family), "taskDefinitionArn"));
	size_t i;

	for (i = 0; i < p->count; i++)
		if (p->ops[i].kind == ECSCTL_KIND_TASKDEF &&
		    p->ops[i].action == ECSCTL_DIFF_REGISTER && !strcmp(p->ops[i].name, family))
			return ecsctl_plan_placeholder(family);
	return arn ? strdup(arn) : ecsctl_plan_placeholder(family);
}

static json_t *essential_names(const json_t *td)
{
	json_t *out = json_array(), *c;
	size_t i;

	json_array_foreach(json_object_get(td, "containerDefinitions"), i, c) {
		if (!json_is_false(json_object_get(c, "essential")))
			json_array_append(out, json_object_get(c, "name"));
	}
	return out;
}

static int one_hook(json_t *out, const struct ecsctl_plan *p, const struct ecsctl_model *m,
                    const struct ecsctl_live *live, const json_t *h, struct ecsctl_error *err)
{
	const char *run = json_string_value(json_object_get(h, "run"));
	const struct ecsctl_resource *td = ecsctl_model_find(m, ECSCTL_KIND_TASKDEF, run);
	const json_t *at = json_object_get(h, "at"), *env = json_object_get(h, "environment"), *e;
	struct ecsctl_ops_run o = {0};
	const char **vars = calloc(json_array_size(env) + 1, sizeof(*vars));
	json_t *req = NULL, *step = NULL, *names = json_array();
	char *rev = NULL;
	size_t i;
	int rc = 0;

	if (!vars || !names || !td || !(rev = hook_revision(p, live, run))) {
		rc = td ? reconcile_oom(err)
		        : ecsctl_error_set(err, ECSCTL_EINVAL, "hook '%s': no such family", run);
		goto done;
	}
	o.cluster = json_string_value(json_object_get(h, "cluster"));
	o.container = json_string_value(json_object_get(h, "container"));
	o.command = json_object_get(h, "command");
	ecsctl_ops_run_defaults(&o, m, run, json_string_value(json_object_get(h, "service")));
	o.task_definition = rev;
	o.started_by = "ecsctl-hook";
	json_array_foreach(env, i, e) {
		struct ecsctl_buf b = ECSCTL_BUF_INIT;
		ecsctl_buf_addf(&b, "%s=%s", json_string_value(json_object_get(e, "name")),
		                json_string_value(json_object_get(e, "value")));
		/* kept alive in `names` until the request is made */
		json_array_append_new(names, json_string(b.buf));
		ecsctl_buf_release(&b);
		vars[i] = json_string_value(json_array_get(names, i));
	}
	o.env = vars;
	o.nenv = json_array_size(env);
	if ((rc = ecsctl_ops_run_request(&req, &o, td->body, err)) < 0) {
		ecsctl_error_wrap(err, "hook '%s' (%s:%lld:%lld)", run,
		                  json_string_value(json_object_get(at, "file")),
		                  (long long)json_integer_value(json_object_get(at, "line")),
		                  (long long)json_integer_value(json_object_get(at, "column")));
		goto done;
	}
	if (!json_object_get(req, "cluster"))
		json_object_set_new(req, "cluster", json_string("default"));
	step = json_pack("{s:s, s:s, s:O, s:O?, s:O, s:I, s:o, s:O}", "name", run, "taskDefinition",
	                 rev, "cluster", json_object_get(req, "cluster"), "command",
	                 json_object_get(h, "command"), "environment", env, "timeoutMs",
	                 json_integer_value(json_object_get(h, "timeoutMs")), "essential",
	                 essential_names(td->body), "request", req);
	if (!step || json_array_append_new(out, step))
		rc = reconcile_oom(err);
done:
	free(vars);
	free(rev);
	json_decref(req);
	json_decref(names);
	return rc;
}

int reconcile_plan_hooks(struct ecsctl_plan *p, const struct ecsctl_model *m,
                         const struct ecsctl_live *live, struct ecsctl_error *err)
{
	const json_t *h;
	size_t i;
	int rc = 0;

	if (!json_array_size(m->settings.hooks) || !deploys(p))
		return 0;
	if (!(p->hooks = json_array()))
		return reconcile_oom(err);
	json_array_foreach(m->settings.hooks, i, h) {
		if ((rc = one_hook(p->hooks, p, m, live, h, err)) < 0)
			break;
	}
	return rc;
}

/* ---- showing them ------------------------------------------------------ */

static void env_names(struct ecsctl_buf *out, const json_t *env)
{
	const json_t *e;
	size_t i;

	json_array_foreach(env, i, e) {
		ecsctl_buf_addf(out, "%s\"%s\"", i ? ", " : "",
		                json_string_value(json_object_get(e, "name")));
	}
}

void reconcile_render_hooks(struct ecsctl_buf *out, const struct ecsctl_plan *p, bool color)
{
	const json_t *h;
	size_t i;

	json_array_foreach(p->hooks, i, h) {
		const json_t *cmd = json_object_get(h, "command");
		char d[ECSCTL_DURATION_FORMAT_SIZE];
		char *c = cmd ? json_dumps(cmd, JSON_COMPACT) : NULL;

		ecsctl_buf_addf(
		    out,
		    "%s> Hook \"%s\" will run before the services change%s\n"
		    "    task definition = \"%s\"\n"
		    "    cluster         = \"%s\"\n",
		    color ? "\033[36m" : "", json_string_value(json_object_get(h, "name")),
		    color ? "\033[0m" : "", json_string_value(json_object_get(h, "taskDefinition")),
		    json_string_value(json_object_get(h, "cluster")));
		if (c)
			ecsctl_buf_addf(out, "    command         = %s\n", c);
		if (json_array_size(json_object_get(h, "environment"))) {
			ecsctl_buf_adds(out, "    environment     = [");
			env_names(out, json_object_get(h, "environment"));
			ecsctl_buf_adds(out, "] (values not shown)\n");
		}
		ecsctl_buf_addf(
		    out, "    timeout         = \"%s\"\n\n",
		    ecsctl_duration_format(d, json_integer_value(json_object_get(h, "timeoutMs"))));
		free(c);
	}
}

json_t *reconcile_hooks_to_json(const struct ecsctl_plan *p, bool saved)
{
	json_t *out = json_array(), *h;
	size_t i;

	json_array_foreach(p->hooks, i, h) {
		json_t *one = saved ? json_deep_copy(h)
		                    : json_pack("{s:O, s:s, s:O, s:O, s:O?, s:O}", "name",
		                                json_object_get(h, "name"), "when",
		                                "beforeServices", "taskDefinition",
		                                json_object_get(h, "taskDefinition"), "cluster",
		                                json_object_get(h, "cluster"), "command",
		                                json_object_get(h, "command"), "timeoutMs",
		                                json_object_get(h, "timeoutMs"));
		json_t *names = json_array(), *e;
		size_t j;

		if (!one || !names || json_array_append_new(out, one)) {
			json_decref(names);
			json_decref(out);
			return NULL;
		}
		/* values may be secrets; a saved plan keeps them, as it keeps every request */
		json_array_foreach(json_object_get(h, "environment"), j, e) {
			json_array_append(names, json_object_get(e, "name"));
		}
		if (saved)
			json_decref(names);
		else
			json_object_set_new(one, "environment", names);
	}
	return out;
}

int reconcile_hooks_from_json(struct ecsctl_plan *p, const json_t *doc, struct ecsctl_error *err)
{
	const json_t *hooks = json_object_get(doc, "hooks"), *h;
	size_t i;

	if (!hooks)
		return 0;
	json_array_foreach(hooks, i, h) {
		if (!json_is_string(json_object_get(h, "name")) ||
		    !json_is_object(json_object_get(h, "request")) ||
		    !json_is_integer(json_object_get(h, "timeoutMs")) ||
		    !json_is_array(json_object_get(h, "essential")))
			return ecsctl_error_set(err, ECSCTL_EINVAL,
			                        "saved plan: hook %zu is malformed", i);
	}
	if (!json_is_array(hooks))
		return ecsctl_error_set(err, ECSCTL_EINVAL, "saved plan: 'hooks' is not an array");
	return (p->hooks = json_deep_copy(hooks)) ? 0 : reconcile_oom(err);
}

/* ---- running them ------------------------------------------------------ */

struct hook_progress {
	const struct ecsctl_apply_options *o;
	const char *name;
	int64_t start;
};

static int64_t clock_now(const struct ecsctl_apply_options *o)
{
	return o->now_ms ? o->now_ms(o->clock_ud) : ecsctl_clock_now_ms(NULL);
}

/* `code` >= 0: the hook's result (its last event), with that exit code. */
static void hook_event(const struct hook_progress *hp, const char *message, int code)
{
	struct ecsctl_progress ev;

	if (!hp->o->progress)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.kind = ECSCTL_PROGRESS_HOOK;
	ev.name = hp->name;
	ev.rollout = "";
	ev.message = message;
	ev.done = code >= 0;
	ev.failed = code > 0;
	ev.exit_code = code > 0 ? code : 0;
	ev.elapsed_ms = clock_now(hp->o) - hp->start;
	hp->o->progress(hp->o->progress_ud, &ev);
}

static void on_task(void *ud, const json_t *task)
{
	const char *arn = json_string_value(json_object_get(task, "taskArn"));
	const char *slash = arn ? strrchr(arn, '/') : NULL;
	char line[200];

	snprintf(line, sizeof(line), "task %s %s", slash ? slash + 1 : "?",
	         json_string_value(json_object_get(task, "lastStatus")));
	hook_event(ud, line, -1);
}

/* {"containerDefinitions": [{"name": N}...]}: what ecsctl_ops_exit_code reads */
static json_t *essential_td(const json_t *h)
{
	json_t *defs = json_array(), *n;
	size_t i;

	json_array_foreach(json_object_get(h, "essential"), i, n) {
		json_array_append_new(defs, json_pack("{s:O}", "name", n));
	}
	return json_pack("{s:o}", "containerDefinitions", defs);
}

static int run_one(const json_t *h, struct ecsctl_ecs *ecs, const json_t *registered,
                   const struct ecsctl_apply_options *o, struct ecsctl_error *err)
{
	struct hook_progress hp = {o, json_string_value(json_object_get(h, "name")), clock_now(o)};
	struct ecsctl_ops_wait_options wo = ECSCTL_OPS_WAIT_OPTIONS_INIT;
	struct ecsctl_buf why = ECSCTL_BUF_INIT;
	json_t *req = reconcile_substitute(json_object_get(h, "request"), registered);
	json_t *resp = NULL, *arns = json_array(), *tasks = NULL, *td = essential_td(h), *t;
	const char *cluster = json_string_value(json_object_get(h, "cluster"));
	char line[32];
	size_t i;
	int rc, code;

	if (!req || !arns || !td) {
		rc = reconcile_oom(err);
		goto done;
	}
	hook_event(&hp, "starting", -1);
	if ((rc = ecsctl_ecs_call(&resp, ecs, "RunTask", req, err)) < 0) {
		ecsctl_error_wrap(err, "hook '%s': no service was changed; RunTask", hp.name);
		goto done;
	}
	json_array_foreach(json_object_get(resp, "tasks"), i, t) {
		json_array_append(arns, json_object_get(t, "taskArn"));
	}
	if (!json_array_size(arns)) {
		hook_event(&hp, "did not start", ECSCTL_OPS_EXIT_NOT_STARTED);
		ecsctl_ops_render_stopped(&why, NULL, json_object_get(resp, "failures"));
		rc = ecsctl_error_set(err, ECSCTL_EHOOK,
		                      "hook '%s' did not start; no service was changed:\n%s",
		                      hp.name, why.buf);
		goto done;
	}
	wo.timeout_ms = json_integer_value(json_object_get(h, "timeoutMs"));
	wo.interval_ms = o->interval_ms;
	wo.cancel = o->cancel;
	wo.progress = on_task;
	wo.progress_ud = &hp;
	wo.now_ms = o->now_ms;
	wo.sleep_ms = o->sleep_ms;
	wo.clock_ud = o->clock_ud;
	if ((rc = ecsctl_ops_wait_stopped(&tasks, ecs, cluster, arns, &wo, err)) < 0) {
		if (rc == ECSCTL_ETIMEOUT) {
			/* not EUNSTABLE: no service was touched, nothing to wait on */
			ecsctl_error_wrap(err, "hook '%s'", hp.name);
			err->code = rc = ECSCTL_EHOOK;
		}
		ecsctl_error_wrap(err, "no service was changed");
		goto done;
	}
	code = ecsctl_ops_exit_code(tasks, json_object_get(resp, "failures"), td);
	ecsctl_ops_render_stopped(&why, tasks, json_object_get(resp, "failures"));
	ecsctl_buf_rtrim(&why);
	snprintf(line, sizeof(line), "exit %d", code);
	hook_event(&hp, line, code);
	if (code) {
		rc = ecsctl_error_set(err, ECSCTL_EHOOK,
		                      "hook '%s' failed (exit %d); no service was changed:\n%s",
		                      hp.name, code, why.buf);
		goto done;
	}
done:
	ecsctl_buf_release(&why);
	json_decref(req);
	json_decref(resp);
	json_decref(arns);
	json_decref(tasks);
	json_decref(td);
	return rc;
}

int reconcile_run_hooks(const struct ecsctl_plan *p, struct ecsctl_ecs *ecs,
                        const json_t *registered, const struct ecsctl_apply_options *o,
                        struct ecsctl_error *err)
{
	const json_t *h;
	size_t i;
	int rc = 0;

	json_array_foreach(p->hooks, i, h) {
		if (o->cancel && *o->cancel)
			return ecsctl_error_set(err, ECSCTL_ECANCELED,
			                        "interrupted: no new operations were started");
		if ((rc = run_one(h, ecs, registered, o, err)) < 0)
			break;
	}
	return rc;
}
