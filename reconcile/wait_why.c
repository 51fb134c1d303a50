/*
 * Why a service did not become stable, without a second command: the
 * deployment's rolloutStateReason, the service events that explain it, and
 * the stopped tasks of the deployment we waited on (ListTasks desiredStatus
 * STOPPED + DescribeTasks), each cause once with its count.
 */
#include <stdlib.h>
#include <string.h>

#include "ecsctl/arn.h"
#include "ecsctl/duration.h"
#include "wait_int.h"
#include "banned.h"

#define MAX_EVENTS 10

/* Appends `text` as a sentence: a space before, a period after if missing. */
static void sentence(struct ecsctl_buf *b, const char *text)
{
	size_t n = strlen(text);

	if (!n)
		return;
	ecsctl_buf_addf(b, "%s%s%s", b->len ? " " : "", text, text[n - 1] == '.' ? "" : ".");
}

char *wait_reason_now(const struct wait_service *w, int64_t elapsed_ms)
{
	struct ecsctl_buf b = ECSCTL_BUF_INIT, t = ECSCTL_BUF_INIT;
	const json_t *p = wait_primary(w->last);
	const char *rollout = wait_str(w->mine, "rolloutState");
	const char *ptd = ecsctl_arn_taskdef(wait_str(p, "taskDefinition"));
	bool mine_failed = rollout && !strcmp(rollout, "FAILED");
	char took[ECSCTL_DURATION_FORMAT_SIZE];

	if (w->gone) {
		sentence(&b, "The service was not found");
	} else if (!p) {
		sentence(&b, "The service has no PRIMARY deployment");
	} else if (mine_failed || strcmp(ptd, w->expect)) {
		if (mine_failed)
			sentence(&b, wait_str(w->mine, "rolloutStateReason")
			                 ? wait_str(w->mine, "rolloutStateReason")
			                 : "The deployment FAILED");
		ecsctl_buf_addf(&t, "%s %s",
		                mine_failed ? "ECS rolled back to" : "The PRIMARY deployment runs",
		                ptd);
		if (strcmp(ptd, w->expect) && t.buf)
			sentence(&b, t.buf);
	} else {
		long failed = wait_count(w->mine, "failedTasks");
		long pending = wait_count(p, "pendingCount");
		ecsctl_buf_addf(&t, "Not stable after %s: %ld of %ld tasks running",
		                ecsctl_duration_format(took, elapsed_ms),
		                wait_count(p, "runningCount"), wait_count(w->last, "desiredCount"));
		if (pending > 0)
			ecsctl_buf_addf(&t, ", %ld pending", pending);
		if (failed > 0)
			ecsctl_buf_addf(&t, ", %ld failed", failed);
		if (wait_str(p, "rolloutState"))
			ecsctl_buf_addf(&t, " (rollout %s)", wait_str(p, "rolloutState"));
		if (t.buf)
			sentence(&b, t.buf);
	}
	ecsctl_buf_release(&t);
	return ecsctl_buf_detach(&b);
}

/* What one stopped task says, in a form equal for equal causes. */
static json_t *task_cause(const json_t *t)
{
	json_t *cause = json_object(), *containers = json_array();
	const char *why = wait_str(t, "stoppedReason");
	const json_t *c;
	size_t i;

	json_array_foreach(json_object_get(t, "containers"), i, c) {
		const json_t *code = json_object_get(c, "exitCode");
		const char *reason = wait_str(c, "reason");
		json_t *one;
		/* a container that exited 0 (stopped with the others) explains nothing */
		if (!reason && (!json_is_integer(code) || !json_integer_value(code)))
			continue;
		one = json_pack("{s:s?}", "name", wait_str(c, "name"));
		if (json_is_integer(code))
			json_object_set(one, "exitCode", (json_t *)code);
		if (reason)
			json_object_set_new(one, "reason", json_string(reason));
		json_array_append_new(containers, one);
	}
	json_object_set_new(cause, "stopCode",
	                    json_string(wait_str(t, "stopCode") ? wait_str(t, "stopCode") : ""));
	json_object_set_new(cause, "stoppedReason", json_string(why ? why : ""));
	json_object_set_new(cause, "containers", containers);
	return cause;
}

/* "3 tasks: Essential container in task exited (EssentialContainerExited),
 * web exit 1" */
static char *summary(const json_t *group)
{
	struct ecsctl_buf b = ECSCTL_BUF_INIT;
	long n = wait_count(group, "count");
	const char *why = wait_str(group, "stoppedReason"), *code = wait_str(group, "stopCode");
	const json_t *c;
	size_t i;

	ecsctl_buf_addf(&b, "%ld task%s: %s", n, n == 1 ? "" : "s",
	                why && *why ? why : "stopped, no reason given");
	if (code && *code)
		ecsctl_buf_addf(&b, " (%s)", code);
	json_array_foreach(json_object_get(group, "containers"), i, c) {
		const json_t *exit = json_object_get(c, "exitCode");
		const char *reason = wait_str(c, "reason");
		const char *name = wait_str(c, "name") ? wait_str(c, "name") : "?";
		if (exit)
			ecsctl_buf_addf(&b, ", %s exit %lld", name,
			                (long long)json_integer_value(exit));
		else
			ecsctl_buf_addf(&b, ", container %s", name);
		/* the task's reason is often the container's: said once */
		if (reason && (!why || strcmp(reason, why)))
			ecsctl_buf_addf(&b, ": %s", reason);
	}
	return ecsctl_buf_detach(&b);
}

static bool counts(const json_t *t, const char *deployment, double since)
{
	const char *by = wait_str(t, "startedBy"), *why = wait_str(t, "stoppedReason");

	if (deployment && (!by || strcmp(by, deployment)))
		return false;
	if (json_number_value(json_object_get(t, "createdAt")) < since)
		return false;
	/* the scheduler scaling in or replacing: a consequence, never the cause */
	return !why || strncmp(why, "Scaling activity initiated by", 29);
}

json_t *wait_why_group_tasks(const json_t *tasks, const char *deployment, double since)
{
	json_t *groups = json_array(), *sorted = json_array();
	const json_t *t;
	size_t i, j;

	if (!groups || !sorted)
		goto fail;
	json_array_foreach(tasks, i, t) {
		json_t *cause, *g;
		bool merged = false;
		if (!counts(t, deployment, since))
			continue;
		if (!(cause = task_cause(t)))
			goto fail;
		json_array_foreach(groups, j, g) {
			if (!merged && json_equal(json_object_get(g, "cause"), cause)) {
				json_object_set_new(
				    g, "count",
				    json_integer(json_integer_value(json_object_get(g, "count")) +
				                 1));
				merged = true;
			}
		}
		if (!merged && json_array_append_new(
		                   groups, json_pack("{s:o,s:i}", "cause", cause, "count", 1)))
			goto fail;
		if (merged)
			json_decref(cause);
	}
	/* largest first; equal counts keep the order ECS listed them in */
	while (json_array_size(groups)) {
		size_t best = 0;
		json_t *g, *out;
		char *line;
		json_array_foreach(groups, j, g) {
			if (wait_count(g, "count") >
			    wait_count(json_array_get(groups, best), "count"))
				best = j;
		}
		g = json_array_get(groups, best);
		out = json_deep_copy(json_object_get(g, "cause"));
		if (!out)
			goto fail;
		json_object_set(out, "count", json_object_get(g, "count"));
		line = summary(out);
		json_object_set_new(out, "summary", json_string(line ? line : ""));
		free(line);
		json_array_append_new(sorted, out);
		json_array_remove(groups, best);
	}
	json_decref(groups);
	return sorted;
fail:
	json_decref(groups);
	json_decref(sorted);
	return NULL;
}

static bool routine(const char *m)
{
	static const char *const said[] = {
	    " has started ",          " has stopped ", "has reached a steady state",
	    " deployment completed.", " registered ",  " deregistered ",
	    "has begun draining",
	};
	size_t i;

	for (i = 0; i < sizeof(said) / sizeof(*said); i++)
		if (strstr(m, said[i]))
			return true;
	return false;
}

json_t *wait_why_events(const json_t *messages)
{
	json_t *out = json_array(), *m;
	size_t i;

	json_array_foreach(messages, i, m) {
		if (!out)
			break;
		if (json_string_value(m) && !routine(json_string_value(m)))
			json_array_append(out, m);
	}
	while (out && json_array_size(out) > MAX_EVENTS)
		json_array_remove(out, 0);
	return out;
}

/* ListTasks (first page: the most recent 100) + DescribeTasks. */
static int stopped_tasks(json_t **out, const struct wait_service *w, struct ecsctl_ecs *ecs,
                         struct ecsctl_error *err)
{
	json_t *req = json_pack("{s:s,s:s,s:s,s:i}", "cluster", w->cluster, "serviceName",
	                        w->service, "desiredStatus", "STOPPED", "maxResults", 100);
	json_t *listed = NULL, *described = NULL;
	int rc;

	*out = NULL;
	if (!req)
		return reconcile_oom(err);
	rc = ecsctl_ecs_call(&listed, ecs, "ListTasks", req, err);
	json_decref(req);
	if (rc)
		return rc;
	if (!json_array_size(json_object_get(listed, "taskArns"))) {
		json_decref(listed);
		*out = json_array();
		return *out ? 0 : reconcile_oom(err);
	}
	req = json_pack("{s:s,s:O}", "cluster", w->cluster, "tasks",
	                json_object_get(listed, "taskArns"));
	json_decref(listed);
	if (!req)
		return reconcile_oom(err);
	rc = ecsctl_ecs_call(&described, ecs, "DescribeTasks", req, err);
	json_decref(req);
	if (rc)
		return rc;
	*out = json_incref(json_object_get(described, "tasks"));
	json_decref(described);
	return *out ? 0 : reconcile_oom(err);
}

/* The reason with what happened after it: a rollback, or one that did not end. */
static char *final_reason(const struct wait_service *w, int64_t elapsed_ms)
{
	struct ecsctl_buf b = ECSCTL_BUF_INIT, t = ECSCTL_BUF_INIT;
	char *now = wait_reason_now(w, elapsed_ms);

	if (w->state == W_SUPERSEDED) {
		ecsctl_buf_addf(&b,
		                "Superseded by deployment %s, which another writer started: "
		                "ecsctl neither waited for it nor rolled it back.",
		                w->other);
		free(now);
		return ecsctl_buf_detach(&b);
	}
	ecsctl_buf_adds(&b, w->cause ? w->cause : now ? now : "");
	if (w->state == W_ROLLED_BACK && w->rolled_back)
		ecsctl_buf_addf(&t, "Rolled back to %s", w->expect);
	else if (w->state == W_ROLLED_BACK)
		ecsctl_buf_addf(&t, "The rollback to %s completed", w->expect);
	else if (w->state == W_ROLLING_BACK)
		ecsctl_buf_addf(&t, "The rollback to %s did not finish: %s", w->expect,
		                now ? now : "");
	else if (strcmp(w->expect, w->target))
		ecsctl_buf_addf(&t, "The rollback to %s failed too", w->expect);
	if (t.buf)
		sentence(&b, t.buf);
	ecsctl_buf_release(&t);
	free(now);
	return ecsctl_buf_detach(&b);
}

int wait_why_add(json_t *services, const struct wait_service *w, const char *outcome,
                 int64_t elapsed_ms, struct ecsctl_ecs *ecs, struct ecsctl_error *err)
{
	struct ecsctl_error terr = ECSCTL_ERROR_INIT;
	char *reason = final_reason(w, elapsed_ms);
	json_t *entry = NULL, *tasks = NULL, *groups = NULL;
	int rc = 0;

	if (!reason ||
	    !(entry = json_pack("{s:s,s:s,s:s,s:o*}", "name", w->name, "outcome", outcome, "reason",
	                        reason, "events", wait_why_events(w->shown)))) {
		rc = reconcile_oom(err);
		goto done;
	}
	if (w->mine)
		json_object_set_new(
		    entry, "deployment",
		    json_pack("{s:s?,s:s,s:s?,s:s?,s:O?}", "id", wait_str(w->mine, "id"),
		              "taskDefinition",
		              ecsctl_arn_taskdef(wait_str(w->mine, "taskDefinition")),
		              "rolloutState", wait_str(w->mine, "rolloutState"),
		              "rolloutStateReason", wait_str(w->mine, "rolloutStateReason"),
		              "failedTasks", json_object_get(w->mine, "failedTasks")));
	if (!w->gone && stopped_tasks(&tasks, w, ecs, &terr)) {
		/* a reader without ecs:ListTasks still gets the rest */
		json_object_set_new(entry, "stoppedTasksError",
		                    json_string(terr.message ? terr.message : "unknown error"));
	} else if ((groups = wait_why_group_tasks(tasks, wait_str(w->mine, "id"), w->since))) {
		json_object_set_new(entry, "stoppedTasks", groups);
	}
	if (json_array_append(services, entry))
		rc = reconcile_oom(err);
done:
	ecsctl_error_release(&terr);
	json_decref(tasks);
	json_decref(entry);
	free(reason);
	return rc;
}

void ecsctl_wait_report_release(struct ecsctl_wait_report *r)
{
	if (!r)
		return;
	json_decref(r->services);
	r->services = NULL;
}

void ecsctl_wait_report_render(struct ecsctl_buf *out, const struct ecsctl_wait_report *r)
{
	const json_t *s, *v;
	size_t i, j;

	json_array_foreach(r ? r->services : NULL, i, s) {
		const json_t *stopped = json_object_get(s, "stoppedTasks");
		const json_t *events = json_object_get(s, "events");
		ecsctl_buf_addf(out, "%s: %s\n", wait_str(s, "name"), wait_str(s, "reason"));
		if (json_array_size(stopped)) {
			ecsctl_buf_addf(out, "  stopped tasks of deployment %s:\n",
			                wait_str(json_object_get(s, "deployment"), "id")
			                    ? wait_str(json_object_get(s, "deployment"), "id")
			                    : "?");
			json_array_foreach(stopped, j, v) {
				ecsctl_buf_addf(out, "    %s\n", wait_str(v, "summary"));
			}
		}
		if (wait_str(s, "stoppedTasksError"))
			ecsctl_buf_addf(out, "  stopped tasks: could not read them: %s\n",
			                wait_str(s, "stoppedTasksError"));
		if (json_array_size(events)) {
			ecsctl_buf_adds(out, "  events:\n");
			json_array_foreach(events, j, v) {
				ecsctl_buf_addf(out, "    %s\n", json_string_value(v));
			}
		}
	}
}
