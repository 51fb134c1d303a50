/*
 * The /api/v1/status document (docs/watch.md, "Status API"): what the loop
 * knows after a reconcile, and one entry per resource of the drift report.
 * Built by the loop, published to the listener whole; the page renders from
 * it and from nothing else, so the API and the page cannot disagree.
 */
#include <string.h>

#include "ecsctl/watch.h"
#include "ecsctl/buf.h"
#include "ecsctl/timestamp.h"
#include "banned.h"

/* An RFC 3339 string, or JSON null for 0. */
static json_t *when(double unix_seconds)
{
	char buf[ECSCTL_TIMESTAMP_MAX];

	if (unix_seconds <= 0 || ecsctl_timestamp_format(buf, unix_seconds))
		return json_null();
	return json_string(buf);
}

static json_t *str(const char *s)
{
	return s ? json_string(s) : json_null();
}

/* in-sync / drifted / missing / unmanaged / progressing: "unhealthy" in a
 * drift report means equal to git but not stable yet, a rollout under way. */
static const char *sync_word(enum ecsctl_drift_status s)
{
	return s == ECSCTL_DRIFT_UNHEALTHY || s == ECSCTL_DRIFT_PROGRESSING
	           ? "progressing"
	           : ecsctl_drift_status_name(s);
}

/* healthy: running == desired and the rollout completed; degraded: the
 * rollout failed; progressing: anything else (tasks starting or stopping). */
static const char *health_word(const json_t *h)
{
	const char *rollout = json_string_value(json_object_get(h, "rollout"));

	if (rollout && !strcmp(rollout, "FAILED"))
		return "degraded";
	if (json_integer_value(json_object_get(h, "running")) ==
	        json_integer_value(json_object_get(h, "desired")) &&
	    json_integer_value(json_object_get(h, "pending")) == 0 &&
	    (!rollout || !strcmp(rollout, "COMPLETED")))
		return "healthy";
	return "progressing";
}

/* The failed apply's entry for service `name`, as the page shows it. */
static json_t *failure_of(const struct ecsctl_watch_status_facts *f, const char *name)
{
	const json_t *s, *t;
	size_t i, j;

	json_array_foreach(f->failed_services, i, s) {
		json_t *tasks;

		if (strcmp(ecsctl_or_empty(json_string_value(json_object_get(s, "name"))), name))
			continue;
		tasks = json_array();
		json_array_foreach(json_object_get(s, "stoppedTasks"), j, t)
			json_array_append_new(tasks, json_string(ecsctl_or_empty(json_string_value(
			                                 json_object_get(t, "summary")))));
		return json_pack("{s:o, s:o, s:o, s:O?}", "commit", str(f->failed_commit), "reason",
		                 str(json_string_value(json_object_get(s, "reason"))),
		                 "stoppedTasks", tasks, "events", json_object_get(s, "events"));
	}
	return json_null();
}

static json_t *resource(const struct ecsctl_watch_status_facts *f,
                        const struct ecsctl_drift_item *it)
{
	json_t *health = json_null();

	if (it->health)
		health = json_pack("{s:s, s:O, s:O, s:O, s:O, s:O}", "state",
		                   health_word(it->health), "running",
		                   json_object_get(it->health, "running"), "desired",
		                   json_object_get(it->health, "desired"), "pending",
		                   json_object_get(it->health, "pending"), "rollout",
		                   json_object_get(it->health, "rollout"), "taskDefinition",
		                   json_object_get(it->health, "taskDefinition"));
	return json_pack(
	    "{s:s, s:s, s:o, s:s, s:o, s:o, s:o, s:o, s:O, s:o, s:o}", "kind",
	    ecsctl_kind_name(it->kind), "name", it->name, "environment", str(f->environment),
	    "sync", sync_word(it->status), "health", health, "deployedCommit",
	    str(it->deployed_commit), "lastChange", str(it->updated_at), "message",
	    str(it->message), "diff", it->diff, "events",
	    it->health ? json_incref(json_object_get(it->health, "events")) : json_array(),
	    "failure", failure_of(f, it->name));
}

json_t *ecsctl_watch_status_build(const struct ecsctl_watch_status_facts *f,
                                  const struct ecsctl_drift_report *r)
{
	json_t *doc = NULL, *list = json_array(), *counts = json_object(), *synced, *attempt;
	size_t i, n[ECSCTL_DRIFT_NSTATUS] = {0};

	if (!list || !counts)
		goto fail;
	for (i = 0; r && i < r->count; i++) {
		json_t *one = resource(f, &r->items[i]);

		if (!one || json_array_append_new(list, one))
			goto fail;
		if ((unsigned)r->items[i].status < ECSCTL_DRIFT_NSTATUS)
			n[r->items[i].status == ECSCTL_DRIFT_PROGRESSING ? ECSCTL_DRIFT_UNHEALTHY
			                                                 : r->items[i].status]++;
	}
	for (i = 0; i < ECSCTL_DRIFT_NSTATUS; i++)
		if (i != ECSCTL_DRIFT_PROGRESSING)
			json_object_set_new(counts, sync_word((enum ecsctl_drift_status)i),
			                    json_integer((json_int_t)n[i]));
	synced = f->synced_commit ? json_pack("{s:s, s:o, s:o, s:o}", "commit", f->synced_commit,
	                                      "subject", str(f->synced_subject), "time",
	                                      when(f->synced_time), "at", when(f->synced_at))
	                          : json_null();
	attempt = f->attempt_result || f->reconciling
	              ? json_pack("{s:o, s:o, s:o, s:o, s:o, s:o}", "commit",
	                          str(f->attempt_commit), "subject", str(f->attempt_subject),
	                          "started", when(f->attempt_started), "finished",
	                          when(f->attempt_finished), "result",
	                          str(f->reconciling ? "running" : f->attempt_result), "error",
	                          str(f->attempt_error))
	              : json_null();
	doc = json_pack("{s:i, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:O, s:O}", "formatVersion",
	                1, "repo", str(f->repo), "ref", str(f->ref), "path", str(f->path),
	                "environment", str(f->environment), "synced", synced, "attempt", attempt,
	                "failedCommit", str(f->failed_commit), "nextTick",
	                when(f->reconciling ? 0 : f->next_tick), "counts", counts, "resources",
	                list);
fail:
	json_decref(list);
	json_decref(counts);
	return doc;
}
