/*
 * apply --output json's final document: what happened to each operation and
 * each watched service, collected from the progress events on their way to
 * the progress view (which still draws on stderr).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "apply_result.h"
#include "banned.h"

struct apply_result {
	struct cli_progress *pv; /* borrowed */
	json_t *ops;             /* {"Kind/name": "started|done|failed"} */
	json_t *services;        /* {"cluster/service": {...last state}} */
	json_t *hooks;           /* [{"name", "outcome", "exitCode", "durationMs"}], run order */
};

struct apply_result *apply_result_new(struct cli_progress *pv)
{
	struct apply_result *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->pv = pv;
	r->ops = json_object();
	r->services = json_object();
	r->hooks = json_array();
	if (!r->ops || !r->services || !r->hooks) {
		apply_result_free(r);
		return NULL;
	}
	return r;
}

void apply_result_free(struct apply_result *r)
{
	if (!r)
		return;
	json_decref(r->ops);
	json_decref(r->services);
	json_decref(r->hooks);
	free(r);
}

static char *op_key(const struct ecsctl_plan_op *op)
{
	struct ecsctl_buf b = ECSCTL_BUF_INIT;

	ecsctl_buf_addf(&b, "%s/%s", ecsctl_kind_name(op->kind), op->name);
	return ecsctl_buf_detach(&b);
}

static const char *service_outcome(const struct ecsctl_progress *ev)
{
	if (ev->superseded)
		return "superseded";
	if (ev->done)
		return ev->failed ? "rolledBack" : "stable";
	return ev->failed ? "failed" : "waiting";
}

/* A hook's entry: its first event starts one, its last (done) gives the
 * exit code; one that never ends (a timeout, an interrupt, a refused
 * RunTask) stays "unfinished". */
static void hook_seen(json_t *hooks, const struct ecsctl_progress *ev)
{
	json_t *h = json_array_get(hooks, json_array_size(hooks) - 1);

	if (!h || strcmp(json_string_value(json_object_get(h, "name")), ev->name) ||
	    strcmp(json_string_value(json_object_get(h, "outcome")), "unfinished")) {
		h = json_pack("{s:s,s:s,s:n}", "name", ev->name, "outcome", "unfinished",
		              "exitCode");
		if (json_array_append_new(hooks, h))
			return;
	}
	json_object_set_new(h, "durationMs", json_integer(ev->elapsed_ms));
	if (ev->done) {
		json_object_set_new(h, "outcome", json_string(ev->failed ? "failed" : "succeeded"));
		json_object_set_new(h, "exitCode", json_integer(ev->exit_code));
	}
}

void apply_result_cb(void *ud, const struct ecsctl_progress *ev)
{
	struct apply_result *r = ud;
	char *key = NULL;

	if (r->pv)
		cli_progress_cb(r->pv, ev);
	if ((ev->kind == ECSCTL_PROGRESS_OP_START || ev->kind == ECSCTL_PROGRESS_OP_DONE) &&
	    ev->op && (key = op_key(ev->op))) {
		const char *now = json_string_value(json_object_get(r->ops, key));
		/* a failed op stays failed when its phase reports the rest done */
		if (!now || strcmp(now, "failed"))
			json_object_set_new(r->ops, key,
			                    json_string(ev->kind == ECSCTL_PROGRESS_OP_START
			                                    ? "started"
			                                : ev->error ? "failed"
			                                            : "done"));
	} else if (ev->kind == ECSCTL_PROGRESS_HOOK && ev->name) {
		hook_seen(r->hooks, ev);
	} else if (ev->kind == ECSCTL_PROGRESS_STAGE && ev->name && ev->message) {
		json_t *entry = json_object_get(r->services, ev->name);
		if (entry)
			json_object_set_new(entry, "serviceDeployment", json_string(ev->message));
	} else if (ev->kind == ECSCTL_PROGRESS_SERVICE && ev->name) {
		/* the last stage line seen stays with the service */
		json_t *sd = json_incref(
		    json_object_get(json_object_get(r->services, ev->name), "serviceDeployment"));
		json_t *deps = json_array();
		size_t i;
		for (i = 0; deps && i < ev->ndeployments; i++) {
			const struct ecsctl_progress_deployment *d = &ev->deployments[i];
			json_array_append_new(
			    deps,
			    json_pack("{s:s?,s:s?,s:s?,s:s,s:I,s:I,s:I,s:I}", "id", d->id, "status",
			              d->status, "taskDefinition", d->task_definition,
			              "rolloutState", d->rollout ? d->rollout : "", "running",
			              (json_int_t)d->running, "desired", (json_int_t)d->desired,
			              "pending", (json_int_t)d->pending, "failedTasks",
			              (json_int_t)d->failed));
		}
		json_object_set_new(
		    r->services, ev->name,
		    json_pack("{s:s,s:I,s:I,s:I,s:s,s:o*}", "outcome", service_outcome(ev),
		              "running", (json_int_t)ev->running, "desired",
		              (json_int_t)ev->desired, "pending", (json_int_t)ev->pending,
		              "rolloutState", ev->rollout ? ev->rollout : "", "deployments", deps));
		if (sd)
			json_object_set_new(json_object_get(r->services, ev->name),
			                    "serviceDeployment", sd);
	}
	free(key);
}

/* The report's entry for service `name`, or NULL. */
static const json_t *why_for(const struct ecsctl_wait_report *why, const char *name)
{
	const json_t *s;
	size_t i;

	json_array_foreach(why ? why->services : NULL, i, s) {
		if (!strcmp(json_string_value(json_object_get(s, "name")), name))
			return s;
	}
	return NULL;
}

/* One "services" entry: the last progress state, the why when there is one. */
static json_t *service_entry(const struct apply_result *r, const char *name, const json_t *td,
                             bool waited, const struct ecsctl_wait_report *why)
{
	static const char *const from_why[] = {"reason", "stoppedTasks", "stoppedTasksError",
	                                       "events"};
	const json_t *seen = json_object_get(r->services, name), *w = why_for(why, name);
	json_t *s = seen ? json_deep_copy(seen)
	                 : json_pack("{s:s}", "outcome", waited ? "notChecked" : "notWaited");
	size_t k;

	json_object_set_new(s, "name", json_string(name));
	if (td)
		json_object_set(s, "taskDefinition", (json_t *)td);
	for (k = 0; k < sizeof(from_why) / sizeof(*from_why); k++)
		if (json_object_get(w, from_why[k]))
			json_object_set(s, from_why[k], json_object_get(w, from_why[k]));
	return s;
}

int apply_result_print(const struct apply_result *r, const struct ecsctl_plan *p, int exit_code,
                       const char *error, bool waited, const struct ecsctl_wait_report *why)
{
	static const char *const results[] = {"applied", "failed", "failed", "unstable", "stale"};
	json_t *doc, *ops = json_array(), *svcs = json_array(), *listed = json_object();
	const json_t *w;
	size_t i;
	int rc = EXIT_OK;

	for (i = 0; ops && svcs && listed && i < p->count; i++) {
		const struct ecsctl_plan_op *op = &p->ops[i];
		char *key = op_key(op);
		const char *st = key ? json_string_value(json_object_get(r->ops, key)) : NULL;
		json_array_append_new(ops, json_pack("{s:s,s:s,s:s,s:s}", "action",
		                                     ecsctl_diff_action_name(op->action), "kind",
		                                     ecsctl_kind_name(op->kind), "name", op->name,
		                                     "outcome", st ? st : "notStarted"));
		free(key);
		if (op->wait) {
			char name[520];
			snprintf(name, sizeof(name), "%s/%s",
			         json_string_value(json_object_get(op->wait, "cluster")),
			         json_string_value(json_object_get(op->wait, "service")));
			json_array_append_new(
			    svcs,
			    service_entry(r, name, json_object_get(op->wait, "taskDefinition"),
			                  waited, why));
			json_object_set_new(listed, name, json_true());
		}
	}
	/* services apply waited on although it changed nothing there (docs/plan.md,
	 * "Unstable services") that did not become stable */
	json_array_foreach(why ? why->services : NULL, i, w) {
		const char *name = json_string_value(json_object_get(w, "name"));
		if (svcs && listed && name && !json_object_get(listed, name))
			json_array_append_new(svcs, service_entry(r, name, NULL, waited, why));
	}
	json_decref(listed);
	doc = json_pack("{s:i,s:s,s:i,s:s?,s:o*,s:O,s:o*}", "formatVersion", 1, "result",
	                !p->count && !exit_code            ? "noChanges"
	                : exit_code >= 0 && exit_code <= 4 ? results[exit_code]
	                                                   : "failed",
	                "exitCode", exit_code, "error", error, "operations", ops, "hooks", r->hooks,
	                "services", svcs);
	if (!doc || json_dumpf(doc, stdout, JSON_COMPACT) || fputc('\n', stdout) == EOF) {
		cli_error("could not write the apply result");
		rc = EXIT_ERROR;
	}
	json_decref(doc);
	return rc;
}
