/*
 * watch and ECS's service deployments: which rollouts are under way (the
 * ecsctl_rollout_stage and ecsctl_rollout_paused gauges, a log line per
 * stage change and pause), and never a new rollout over one in progress
 * unless git changed that service again, in which case the old one is
 * stopped first and the log says so.
 */
#include <string.h>

#include "ecsctl/ops.h"
#include "watch_int.h"
#include "banned.h"

static const char *str(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* A service not stable, or one git changed, may be mid-rollout: the only
 * ones worth a ListServiceDeployments each. */
static bool maybe_rolling(const struct ecsctl_drift_item *it)
{
	return it->kind == ECSCTL_KIND_SERVICE &&
	       (it->status == ECSCTL_DRIFT_PROGRESSING || it->status == ECSCTL_DRIFT_UNHEALTHY ||
	        it->status == ECSCTL_DRIFT_DRIFTED);
}

void watch_rollouts(struct watch *w)
{
	json_t *now = json_object(), *gauges = json_array(), *sd;
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	const char *name;
	size_t i;

	if (!now || !gauges)
		goto done;
	for (i = 0; i < w->e->drift.count; i++) {
		const struct ecsctl_drift_item *it = &w->e->drift.items[i];
		const char *slash = strchr(it->name, '/');
		char cluster[256];

		if (!maybe_rolling(it) || !slash || (size_t)(slash - it->name) >= sizeof(cluster))
			continue;
		memcpy(cluster, it->name, (size_t)(slash - it->name));
		cluster[slash - it->name] = '\0';
		sd = NULL;
		if (ecsctl_ops_rollout_current(&sd, w->e->ecs, cluster, slash + 1, &err) < 0) {
			ecsctl_error_release(&err);
			continue;
		}
		if (sd)
			json_object_set_new(now, it->name, sd);
	}
	json_object_foreach(now, name, sd) {
		struct ecsctl_buf line = ECSCTL_BUF_INIT;
		const json_t *was = json_object_get(w->e->rollouts, name);
		bool paused = ecsctl_reconcile_sd_text(&line, sd);

		json_array_append_new(
		    gauges,
		    json_pack("[s,s,b]", name,
		              str(sd, "lifecycleStage") ? str(sd, "lifecycleStage") : "", paused));
		/* a line per change, not per tick */
		if (!ecsctl_buf_failed(&line) &&
		    (!was || !str(was, "_line") || strcmp(str(was, "_line"), line.buf) ||
		     strcmp(
		         str(was, "serviceDeploymentArn") ? str(was, "serviceDeploymentArn") : "",
		         str(sd, "serviceDeploymentArn") ? str(sd, "serviceDeploymentArn") : ""))) {
			watch_log(
			    w, paused ? "warn" : "info",
			    paused
			        ? "rollout paused at a PAUSE hook: 'ecsctl promote' continues it, "
			          "'ecsctl abort' stops it"
			        : "rollout in progress",
			    "service", name, "deployment", ecsctl_reconcile_sd_id(sd), "rollout",
			    line.buf, NULL);
		}
		if (!ecsctl_buf_failed(&line))
			json_object_set_new(sd, "_line", json_string(line.buf));
		ecsctl_buf_release(&line);
	}
	ecsctl_watch_metrics_rollouts(w->metrics, gauges);
	json_decref(w->e->rollouts);
	w->e->rollouts = now;
	now = NULL;
done:
	json_decref(now);
	json_decref(gauges);
}

/* The commit the live service was deployed from (its ecsctl:revision). */
static const char *deployed(const struct watch *w, const char *service)
{
	size_t i;

	for (i = 0; i < w->e->drift.count; i++)
		if (w->e->drift.items[i].kind == ECSCTL_KIND_SERVICE &&
		    !strcmp(w->e->drift.items[i].name, service))
			return w->e->drift.items[i].deployed_commit;
	return NULL;
}

const char *watch_rollout_guard(struct watch *w, const struct ecsctl_plan *p,
                                const struct ecsctl_model *m)
{
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	size_t i;

	/* first every hold: nothing is stopped when the apply will not run */
	for (i = 0; i < p->count; i++) {
		const json_t *sd = json_object_get(w->e->rollouts, p->ops[i].name);
		const char *from = deployed(w, p->ops[i].name);

		if (!sd || !p->ops[i].wait || !m->commit || !from || strcmp(from, m->commit))
			continue;
		watch_log(w, "warn",
		          "not starting a rollout over the one in progress: the commit did not "
		          "change the service again (the change is live drift)",
		          "service", p->ops[i].name, "deployment", ecsctl_reconcile_sd_id(sd),
		          "commit", m->commit, NULL);
		return "held";
	}
	for (i = 0; i < p->count; i++) {
		const json_t *sd = json_object_get(w->e->rollouts, p->ops[i].name);

		if (!sd || !p->ops[i].wait)
			continue;
		if (ecsctl_ops_abort(w->e->ecs, sd, false, &err) < 0) {
			watch_log(w, "error", "could not stop the rollout in progress", "service",
			          p->ops[i].name, "deployment", ecsctl_reconcile_sd_id(sd), "error",
			          err.message, NULL);
			ecsctl_error_release(&err);
			return "failed";
		}
		watch_log(w, "info",
		          "stopped the rollout in progress: the commit changes the service again",
		          "service", p->ops[i].name, "deployment", ecsctl_reconcile_sd_id(sd),
		          "stage", str(sd, "lifecycleStage"), "commit", m->commit, NULL);
	}
	return NULL;
}
