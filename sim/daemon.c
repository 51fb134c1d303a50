/*
 * The DAEMON scheduler: one task of the PRIMARY deployment on every ACTIVE
 * container instance that satisfies the task's required attributes and the
 * placement constraints. It follows the instances: a new or reactivated
 * instance gets a task, a DRAINING or deregistered one (or one that no
 * longer satisfies memberOf) loses it. desiredCount is the number of such
 * instances, also where the task does not fit; then the service does not
 * become stable, as in ECS.
 *
 * A new deployment replaces the tasks instance by instance: with
 * maximumPercent 100 (the DAEMON default) the old task stops first and the
 * new one starts when it has stopped, old tasks stopping while the running
 * count stays at or above minimumHealthyPercent (default 0); above 100 the
 * new task starts first and the old one stops once it runs.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecsctl/buf.h"
#include "sim_ec2.h"
#include "banned.h"

struct on_instance {
	int primary, primary_running, other, stopping;
};

struct pass {
	json_t *svc, *tasks, *primary, *td;
	json_t *index;          /* instance id -> position in `on` */
	struct on_instance *on; /* one per instance of the cluster */
	struct sim_deploy_ctx *ctx;
	struct ecsctl_buf started, stopped;
	int nstarted, nstopped, running;
};

static int status_is(const json_t *t, const char *key, const char *want)
{
	const char *v = sim_str(t, key);

	return v && strcmp(v, want) == 0;
}

static void stop(struct pass *ps, const char *id, json_t *t)
{
	char reason[128];

	snprintf(reason, sizeof(reason), "Scaling activity initiated by (deployment %s)",
	         sim_str(ps->primary, "id"));
	if (status_is(t, "lastStatus", "RUNNING")) {
		ecsctl_buf_addf(&ps->stopped, " (task %s)", id);
		ps->nstopped++;
		ps->running--;
	}
	sim_task_stop(t, ps->ctx->now, "ServiceSchedulerInitiated", reason);
}

static void launch(struct pass *ps, json_t *inst)
{
	const char *launch_type = sim_str(ps->svc, "launchType");
	char group[300], id[33];
	json_t *task;

	if (!ps->td || status_is(ps->primary, "rolloutState", "FAILED"))
		return;
	snprintf(group, sizeof(group), "service:%s", sim_str(ps->svc, "serviceName"));
	task = sim_task_new(ps->td, sim_str(ps->primary, "id"), group, launch_type, ps->ctx);
	if (!task)
		return;
	if (sim_place_service_task(ps->svc, task, ps->td, inst, ps->ctx)) {
		json_decref(task);
		return;
	}
	snprintf(id, sizeof(id), "%s", sim_arn_tail(sim_str(task, "taskArn")));
	json_object_set_new(ps->tasks, id, task);
	ecsctl_buf_addf(&ps->started, " (task %s)", id);
	ps->nstarted++;
}

/* Counts the service's tasks per instance; stops the ones on instances
 * that are no longer targets, and surplus ones. */
static struct on_instance *slot(struct pass *ps, const char *inst_id)
{
	json_t *at = inst_id ? json_object_get(ps->index, inst_id) : NULL;

	return at ? &ps->on[json_integer_value(at)] : NULL;
}

static void survey(struct pass *ps, json_t *targets)
{
	const char *pid = sim_str(ps->primary, "id"), *id;
	json_t *t;

	json_object_foreach(ps->tasks, id, t) {
		const char *ci = sim_arn_tail(sim_str(t, "containerInstanceArn"));
		struct on_instance *on = slot(ps, ci);
		int alive = status_is(t, "desiredStatus", "RUNNING");
		int primary = status_is(t, "startedBy", pid);

		if (!alive) {
			if (on && status_is(t, "lastStatus", "STOPPING"))
				on->stopping++;
			continue;
		}
		if (status_is(t, "lastStatus", "RUNNING"))
			ps->running++;
		if (!ci || !json_object_get(targets, ci) || (primary && on && on->primary)) {
			stop(ps, id, t);
			if (on)
				on->stopping++;
			continue;
		}
		if (primary) {
			on->primary++;
			on->primary_running += status_is(t, "lastStatus", "RUNNING");
		} else {
			on->other++;
		}
	}
}

/* Stops the older tasks on one instance. `can` limits running ones. */
static void retire(struct pass *ps, const char *inst_id, int *can)
{
	const char *pid = sim_str(ps->primary, "id"), *id;
	json_t *t;

	json_object_foreach(ps->tasks, id, t) {
		const char *ci = sim_arn_tail(sim_str(t, "containerInstanceArn"));
		int running = status_is(t, "lastStatus", "RUNNING");
		if (!ci || strcmp(ci, inst_id) != 0 || !status_is(t, "desiredStatus", "RUNNING") ||
		    status_is(t, "startedBy", pid))
			continue;
		if (running && *can <= 0)
			continue;
		*can -= running;
		stop(ps, id, t);
	}
}

int sim_daemon_schedule(json_t *svc, json_t *tasks, struct sim_deploy_ctx *ctx)
{
	json_t *deps = json_object_get(svc, "deployments");
	json_t *instances = json_object_get(ctx->cluster, "_instances"), *inst;
	json_t *targets = json_object();
	struct pass ps = {svc,
	                  tasks,
	                  json_array_get(deps, 0),
	                  NULL,
	                  json_object(),
	                  NULL,
	                  ctx,
	                  ECSCTL_BUF_INIT,
	                  ECSCTL_BUF_INIT,
	                  0,
	                  0,
	                  0};
	int draining = status_is(svc, "status", "DRAINING");
	json_t *dc = json_object_get(svc, "deploymentConfiguration");
	int max_pct = (int)sim_int(dc, "maximumPercent", 100);
	int min_pct = (int)sim_int(dc, "minimumHealthyPercent", 0);
	int desired = 0, can, n = 0;
	const char *id;

	ps.td = ctx->taskdef ? ctx->taskdef(ctx->arg, sim_str(ps.primary, "taskDefinition")) : NULL;
	ps.on = calloc(json_object_size(instances) + 1, sizeof(*ps.on));
	if (!ps.on || !ps.index || !targets)
		goto done;
	json_object_foreach(instances, id, inst) {
		json_object_set_new(ps.index, id, json_integer(n++));
		if (!draining && ps.td &&
		    sim_place_eligible(ctx->cluster, inst, ps.td, svc, ctx->now)) {
			json_object_set_new(targets, id, json_true());
			desired++;
		}
	}
	if (sim_int(svc, "desiredCount", -1) != desired)
		json_object_set_new(svc, "desiredCount", json_integer(desired));
	survey(&ps, targets);
	can = ps.running - (int)ceil(desired * min_pct / 100.0);
	json_object_foreach(targets, id, inst) {
		struct on_instance *on = slot(&ps, id);
		json_t *where = json_object_get(instances, id);
		if (on->primary) {
			if (on->primary_running)
				retire(&ps, id, &can);
		} else if (on->other && max_pct <= 100) {
			retire(&ps, id, &can); /* the new task starts once this has stopped */
		} else if (max_pct > 100 || !on->stopping) {
			launch(&ps, where);
		}
	}
	sim_service_tasks_event(svc, ctx, 0, ps.nstopped, ps.stopped.buf);
	sim_service_tasks_event(svc, ctx, 1, ps.nstarted, ps.started.buf);
done:
	ecsctl_buf_release(&ps.started);
	ecsctl_buf_release(&ps.stopped);
	json_decref(targets);
	json_decref(ps.index);
	free(ps.on);
	return desired;
}
