/*
 * The ECS service scheduler, simulated: deployments, rolling replacement
 * within minimumHealthyPercent / maximumPercent, rollout state, events, the
 * deployment circuit breaker with rollback, and DRAINING -> INACTIVE.
 *
 * Pure: the service (with its tasks in `_tasks`) and the time come in; no
 * clock, no I/O, no locks. Time is processed in order: every task transition
 * is applied at its own time and the scheduler runs right after it, so the
 * result does not depend on how often we are called.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ecsctl/buf.h"
#include "sim_ec2.h"
#include "banned.h"

/* Transitions processed in one call: a long gap on the clock (a restart,
 * a huge --time-scale) is caught up over several calls, so stopped tasks are
 * dropped in between and no call holds the store for long. */
#define MAX_STEPS 500

struct dep_counts {
	int alive;    /* desiredStatus RUNNING */
	int running;  /* alive and lastStatus RUNNING */
	int pending;  /* alive and not yet RUNNING */
	int draining; /* alive on a DRAINING instance: to be replaced */
};

void sim_service_event(json_t *svc, uint64_t *rng, double now, const char *fmt, ...)
{
	json_t *events = json_object_get(svc, "events");
	char id[37];
	struct ecsctl_buf msg = ECSCTL_BUF_INIT;
	va_list ap;

	if (!events) {
		events = json_array();
		json_object_set_new(svc, "events", events);
	}
	va_start(ap, fmt);
	ecsctl_buf_vaddf(&msg, fmt, ap);
	va_end(ap);
	sim_uuid(rng, id);
	/* newest first, like ECS */
	json_array_insert_new(
	    events, 0,
	    json_pack("{s:s,s:o,s:s}", "id", id, "createdAt", sim_time(now), "message", msg.buf));
	while (json_array_size(events) > SIM_EVENTS_MAX)
		json_array_remove(events, json_array_size(events) - 1);
	ecsctl_buf_release(&msg);
}

static const char *svc_name(const json_t *svc)
{
	return sim_str(svc, "serviceName");
}

void sim_service_tasks_event(json_t *svc, struct sim_deploy_ctx *ctx, int started, int n,
                             const char *ids)
{
	if (n > 0)
		sim_service_event(svc, ctx->rng, ctx->now, "(service %s) has %s %d %stasks:%s.",
		                  svc_name(svc), started ? "started" : "stopped", n,
		                  started ? "" : "running ", ids);
}

static int is_alive(const json_t *task)
{
	const char *d = sim_str(task, "desiredStatus");

	return d && strcmp(d, "RUNNING") == 0;
}

static int is_running(const json_t *task)
{
	const char *l = sim_str(task, "lastStatus");

	return is_alive(task) && l && strcmp(l, "RUNNING") == 0;
}

static struct dep_counts count_tasks(json_t *tasks, const char *dep_id)
{
	struct dep_counts c = {0, 0, 0, 0};
	const char *k;
	json_t *t;

	json_object_foreach(tasks, k, t) {
		const char *by;
		if (!is_alive(t))
			continue;
		by = sim_str(t, "startedBy");
		if (dep_id && (!by || strcmp(by, dep_id) != 0))
			continue;
		c.alive++;
		c.draining += sim_bool(t, "_drain", 0);
		if (is_running(t))
			c.running++;
		else
			c.pending++;
	}
	return c;
}

/* Tasks (of one deployment, or all when dep_id is NULL) still stopping. */
static int stopping_left(json_t *tasks, const char *dep_id)
{
	const char *k;
	json_t *t;

	json_object_foreach(tasks, k, t) {
		const char *l = sim_str(t, "lastStatus");
		const char *by = sim_str(t, "startedBy");
		if (dep_id && (!by || strcmp(by, dep_id) != 0))
			continue;
		if (l && strcmp(l, "STOPPING") == 0)
			return 1;
	}
	return 0;
}

static int dconf(const json_t *svc, const char *key, int dflt)
{
	return (int)sim_int(json_object_get(svc, "deploymentConfiguration"), key, dflt);
}

static int breaker(const json_t *svc, const char *key)
{
	json_t *dc = json_object_get(svc, "deploymentConfiguration");

	return sim_bool(json_object_get(dc, "deploymentCircuitBreaker"), key, 0);
}

int sim_deploy_start(json_t *svc, const char *td_arn, const char *reason,
                     struct sim_deploy_ctx *ctx)
{
	json_t *deps = json_object_get(svc, "deployments"), *d, *old;
	char id[28];
	size_t i;

	if (!deps) {
		deps = json_array();
		if (!deps || json_object_set_new(svc, "deployments", deps))
			return -1;
	}
	json_array_foreach(deps, i, old) {
		json_object_set_new(old, "status", json_string("ACTIVE"));
		json_object_set_new(old, "updatedAt", sim_time(ctx->now));
	}
	sim_deployment_id(ctx->rng, id);
	d = json_pack("{s:s,s:s,s:s,s:I,s:i,s:i,s:i,s:o,s:o,s:s}", "id", id, "status", "PRIMARY",
	              "taskDefinition", td_arn, "desiredCount",
	              (json_int_t)sim_int(svc, "desiredCount", 0), "pendingCount", 0,
	              "runningCount", 0, "failedTasks", 0, "createdAt", sim_time(ctx->now),
	              "updatedAt", sim_time(ctx->now), "rolloutState", "IN_PROGRESS");
	if (!d)
		return -1;
	if (reason) {
		json_object_set_new(d, "rolloutStateReason", json_string(reason));
	} else {
		char buf[96];
		snprintf(buf, sizeof(buf), "ECS deployment %s in progress.", id);
		json_object_set_new(d, "rolloutStateReason", json_string(buf));
	}
	for (const char *const *k =
	         (const char *const[]){"launchType", "capacityProviderStrategy", "platformVersion",
	                               "platformFamily", "networkConfiguration", NULL};
	     *k; k++) {
		if (json_object_get(svc, *k))
			json_object_set(d, *k, json_object_get(svc, *k));
	}
	/* a deployment shows the platform version LATEST resolved to */
	if (sim_str(d, "platformVersion") && strcmp(sim_str(d, "platformVersion"), "LATEST") == 0)
		json_object_set_new(d, "platformVersion", json_string("1.4.0"));
	json_object_set_new(svc, "taskDefinition", json_string(td_arn));
	json_object_set_new(svc, "_steady", json_false());
	return json_array_insert_new(deps, 0, d) ? -1 : 0;
}

/* Stops up to `n` alive tasks of a deployment, pending ones first. */
static int stop_tasks(json_t *svc, json_t *tasks, const char *dep_id, int n, int running_ok,
                      struct sim_deploy_ctx *ctx)
{
	struct ecsctl_buf ids = ECSCTL_BUF_INIT;
	char reason[128];
	int stopped = 0, stopped_running = 0, pass;
	const char *k;
	json_t *t;

	snprintf(reason, sizeof(reason), "Scaling activity initiated by (deployment %s)", dep_id);
	for (pass = 0; pass < 2 && stopped < n; pass++) {
		json_object_foreach(tasks, k, t) {
			const char *by = sim_str(t, "startedBy");
			if (stopped >= n)
				break;
			if (!is_alive(t) || !by || strcmp(by, dep_id) != 0)
				continue;
			if (is_running(t) != pass)
				continue;
			if (pass == 1 && !running_ok)
				break;
			sim_task_stop(t, ctx->now, "ServiceSchedulerInitiated", reason);
			stopped++;
			if (pass == 1) {
				stopped_running++;
				ecsctl_buf_addf(&ids, " (task %s)", k);
			}
		}
	}
	sim_service_tasks_event(svc, ctx, 0, stopped_running, ids.buf);
	ecsctl_buf_release(&ids);
	return stopped;
}

static void launch_tasks(json_t *svc, json_t *tasks, json_t *dep, int n, struct sim_deploy_ctx *ctx)
{
	struct ecsctl_buf ids = ECSCTL_BUF_INIT;
	const char *launch = sim_str(svc, "launchType");
	json_t *td = ctx->taskdef ? ctx->taskdef(ctx->arg, sim_str(dep, "taskDefinition")) : NULL;
	char group[300];
	int started = 0, i, ec2 = !launch || strcmp(launch, "EC2") == 0;

	if (!td)
		return;
	snprintf(group, sizeof(group), "service:%s", svc_name(svc));
	for (i = 0; i < n; i++) {
		json_t *task;
		char id[33];
		const char *arn;

		if (ec2 && ctx->capacity_left == 0 && !sim_cluster_has_instances(ctx->cluster)) {
			double last = json_number_value(json_object_get(svc, "_noCapacityAt"));
			if (!json_object_get(svc, "_noCapacityAt") || ctx->now - last >= 300) {
				sim_service_event(
				    svc, ctx->rng, ctx->now,
				    "(service %s) was unable to place a task because no container "
				    "instance met all of its requirements. Reason: No Container "
				    "Instances were found in your cluster.",
				    svc_name(svc));
				json_object_set_new(svc, "_noCapacityAt", sim_time(ctx->now));
			}
			break;
		}
		task = sim_task_new(td, sim_str(dep, "id"), group, launch, ctx);
		if (!task)
			break;
		if (ec2 && sim_cluster_has_instances(ctx->cluster) &&
		    sim_place_service_task(svc, task, td, NULL, ctx)) {
			json_decref(task);
			break;
		}
		arn = sim_str(task, "taskArn");
		snprintf(id, sizeof(id), "%s", sim_arn_tail(arn));
		json_object_set_new(tasks, id, task);
		ecsctl_buf_addf(&ids, " (task %s)", id);
		started++;
		if (ec2 && ctx->capacity_left > 0)
			ctx->capacity_left--;
	}
	sim_service_tasks_event(svc, ctx, 1, started, ids.buf);
	ecsctl_buf_release(&ids);
}

static void set_count(json_t *obj, const char *key, int v)
{
	if (sim_int(obj, key, -1) != v)
		json_object_set_new(obj, key, json_integer(v));
}

/* Failed tasks are counted once, on the deployment that started them. */
static void count_failures(json_t *deps, json_t *tasks)
{
	const char *k;
	json_t *t, *d;
	size_t i;

	json_object_foreach(tasks, k, t) {
		if (!sim_bool(t, "_failed", 0) || sim_bool(t, "_counted", 0))
			continue;
		json_object_set_new(t, "_counted", json_true());
		json_array_foreach(deps, i, d) {
			if (strcmp(sim_str(d, "id"),
			           sim_str(t, "startedBy") ? sim_str(t, "startedBy") : "") == 0)
				set_count(d, "failedTasks", (int)sim_int(d, "failedTasks", 0) + 1);
		}
	}
}

json_t *sim_deploy_rollback(json_t *svc, const char *cause, struct sim_deploy_ctx *ctx)
{
	json_t *p = json_array_get(json_object_get(svc, "deployments"), 0);
	const char *good = sim_str(svc, "_lastGoodTd");
	const char *good_id = sim_str(svc, "_lastGoodId") ? sim_str(svc, "_lastGoodId") : "";
	char reason[300];

	if (!p || !good || strcmp(good, sim_str(p, "taskDefinition")) == 0)
		return NULL;
	snprintf(reason, sizeof(reason), "%s: rolling back to deploymentId %s.", cause, good_id);
	sim_service_event(svc, ctx->rng, ctx->now, "(service %s) rolling back to deployment %s.",
	                  svc_name(svc), good_id);
	if (sim_deploy_start(svc, good, reason, ctx))
		return NULL;
	return json_array_get(json_object_get(svc, "deployments"), 0);
}

/* The circuit breaker: FAILED after the threshold, and maybe a rollback. */
static void check_breaker(json_t *svc, struct sim_deploy_ctx *ctx)
{
	json_t *deps = json_object_get(svc, "deployments");
	json_t *p = json_array_get(deps, 0);
	int desired = (int)sim_int(svc, "desiredCount", 0);
	int threshold = (int)ceil(desired * 0.5);

	if (!p || !breaker(svc, "enable"))
		return;
	if (strcmp(sim_str(p, "rolloutState") ? sim_str(p, "rolloutState") : "", "IN_PROGRESS"))
		return;
	threshold = threshold < 3 ? 3 : threshold > 200 ? 200 : threshold;
	if (sim_int(p, "failedTasks", 0) < threshold)
		return;
	json_object_set_new(p, "rolloutState", json_string("FAILED"));
	json_object_set_new(p, "rolloutStateReason",
	                    json_string("ECS deployment circuit breaker: tasks failed to start."));
	json_object_set_new(p, "updatedAt", sim_time(ctx->now));
	sim_service_event(svc, ctx->rng, ctx->now,
	                  "(service %s) (deployment %s) deployment failed: tasks failed to start.",
	                  svc_name(svc), sim_str(p, "id"));
	if (sim_sdep_of(svc, p))
		sim_sdep_breaker(svc, (int)sim_int(p, "failedTasks", 0), threshold,
		                 breaker(svc, "rollback"), ctx);
	else if (breaker(svc, "rollback"))
		sim_deploy_rollback(svc, "ECS deployment circuit breaker", ctx);
}

/* Tasks on DRAINING instances: pending ones stop at once, running ones while
 * `can` (running tasks above minHealthy) allows; returns how many stopped. */
static int stop_draining(json_t *svc, json_t *tasks, int can, int *running,
                         struct sim_deploy_ctx *ctx)
{
	struct ecsctl_buf ids = ECSCTL_BUF_INIT;
	int stopped = 0, stopped_running = 0;
	const char *k;
	json_t *t;

	json_object_foreach(tasks, k, t) {
		char reason[128];
		if (!is_alive(t) || !sim_bool(t, "_drain", 0))
			continue;
		if (is_running(t) && can <= 0)
			continue;
		snprintf(reason, sizeof(reason), "Scaling activity initiated by (deployment %s)",
		         sim_str(t, "startedBy") ? sim_str(t, "startedBy") : "");
		if (is_running(t)) {
			can--;
			(*running)--;
			stopped_running++;
			ecsctl_buf_addf(&ids, " (task %s)", k);
		}
		sim_task_stop(t, ctx->now, "ServiceSchedulerInitiated", reason);
		stopped++;
	}
	sim_service_tasks_event(svc, ctx, 0, stopped_running, ids.buf);
	ecsctl_buf_release(&ids);
	return stopped;
}

/* Older deployments of a blue/green family rollout: kept whole beside the
 * target until its clean up, then stopped at once. */
static void hold_or_drop(json_t *svc, json_t *tasks, enum sim_sdep_mode mode,
                         struct sim_deploy_ctx *ctx)
{
	json_t *deps = json_object_get(svc, "deployments");
	size_t i;

	for (i = json_array_size(deps); mode == SIM_SDEP_DROP && i-- > 1;) {
		const char *id = sim_str(json_array_get(deps, i), "id");
		struct dep_counts dc = count_tasks(tasks, id);
		stop_tasks(svc, tasks, id, dc.alive, 1, ctx);
	}
}

/* The REPLICA scheduler: rolling replacement within the limits, or the
 * blue/green family's full scale up beside the older deployments. */
static void replicas(json_t *svc, json_t *tasks, json_t *p, int desired, struct sim_deploy_ctx *ctx)
{
	json_t *deps = json_object_get(svc, "deployments");
	enum sim_sdep_mode mode = sim_sdep_mode(svc);
	int max_total = (int)floor(desired * dconf(svc, "maximumPercent", 200) / 100.0);
	int min_healthy = (int)ceil(desired * dconf(svc, "minimumHealthyPercent", 100) / 100.0);
	struct dep_counts all, pc;
	size_t i;

	if (max_total < desired)
		max_total = desired; /* ECS needs room for at least the desired count */

	/* scale the primary down at once: no health to protect above desired */
	pc = count_tasks(tasks, sim_str(p, "id"));
	if (pc.alive - pc.draining > desired)
		stop_tasks(svc, tasks, sim_str(p, "id"), pc.alive - pc.draining - desired, 1, ctx);

	/* drain older deployments while min healthy holds */
	all = count_tasks(tasks, NULL);
	for (i = json_array_size(deps); mode == SIM_SDEP_ROLLING && i-- > 1;) {
		const char *id = sim_str(json_array_get(deps, i), "id");
		struct dep_counts dc = count_tasks(tasks, id);
		int can = all.running - min_healthy;

		all.alive -= stop_tasks(svc, tasks, id, dc.pending, 0, ctx);
		if (can > 0 && dc.running > 0) {
			int n = stop_tasks(svc, tasks, id, can < dc.running ? can : dc.running, 1,
			                   ctx);
			all.alive -= n;
			all.running -= n;
		}
	}
	hold_or_drop(svc, tasks, mode, ctx);
	all = count_tasks(tasks, NULL);

	all.alive -= stop_draining(svc, tasks, all.running - min_healthy, &all.running, ctx);

	/* launch the primary's tasks within maximumPercent (the blue/green
	 * family needs room for a whole second set); tasks on DRAINING
	 * instances are not counted, they are being replaced */
	pc = count_tasks(tasks, sim_str(p, "id"));
	pc.alive -= pc.draining;
	if (mode != SIM_SDEP_ROLLING)
		max_total = all.alive - pc.alive - pc.draining + desired;
	if (strcmp(sim_str(p, "rolloutState"), "FAILED") != 0 && pc.alive < desired) {
		int room = max_total - all.alive;
		int n = desired - pc.alive < room ? desired - pc.alive : room;
		if (n > 0)
			launch_tasks(svc, tasks, p, n, ctx);
	}
}

/* One scheduling pass at ctx->now. */
static void schedule(json_t *svc, json_t *tasks, struct sim_deploy_ctx *ctx)
{
	json_t *deps = json_object_get(svc, "deployments"), *p, *d;
	const char *status = sim_str(svc, "status");
	int draining = status && strcmp(status, "DRAINING") == 0;
	int desired = draining ? 0 : (int)sim_int(svc, "desiredCount", 0);
	int steady, done, others_busy = 0, running = 0, pending = 0;
	size_t i;

	if (status && strcmp(status, "INACTIVE") == 0)
		return;
	count_failures(deps, tasks);
	check_breaker(svc, ctx);
	sim_sdep_step(svc, tasks, ctx);
	p = json_array_get(deps, 0);
	if (!p)
		return;
	if (strcmp(sim_str(svc, "schedulingStrategy") ? sim_str(svc, "schedulingStrategy") : "",
	           "DAEMON") == 0)
		desired = sim_daemon_schedule(svc, tasks, ctx);
	else
		replicas(svc, tasks, p, desired, ctx);

	/* counts; drop drained deployments, but a FAILED one stays in sight
	 * until the rollback that replaces it completes */
	for (i = json_array_size(deps); i-- > 0;) {
		d = json_array_get(deps, i);
		struct dep_counts dc = count_tasks(tasks, sim_str(d, "id"));
		int empty = dc.alive == 0 && !stopping_left(tasks, sim_str(d, "id"));
		if (i > 0 && empty && strcmp(sim_str(d, "rolloutState"), "FAILED") != 0) {
			json_array_remove(deps, i);
			continue;
		}
		others_busy |= i > 0 && !empty;
		set_count(d, "desiredCount", i == 0 ? desired : dc.alive);
		set_count(d, "runningCount", dc.running);
		set_count(d, "pendingCount", dc.pending);
		running += dc.running;
		pending += dc.pending;
	}
	set_count(svc, "runningCount", running);
	set_count(svc, "pendingCount", pending);
	sim_sdep_counts(svc);

	done = !others_busy && running == desired && pending == 0 && !stopping_left(tasks, NULL) &&
	       count_tasks(tasks, NULL).draining == 0 && sim_sdep_may_complete(svc);
	if (done && strcmp(sim_str(p, "rolloutState"), "IN_PROGRESS") == 0) {
		char reason[96];
		snprintf(reason, sizeof(reason), "ECS deployment %s completed.", sim_str(p, "id"));
		json_object_set_new(p, "rolloutState", json_string("COMPLETED"));
		json_object_set_new(p, "rolloutStateReason", json_string(reason));
		json_object_set_new(p, "updatedAt", sim_time(ctx->now));
		json_object_set(svc, "_lastGoodTd", json_object_get(p, "taskDefinition"));
		json_object_set(svc, "_lastGoodId", json_object_get(p, "id"));
		sim_service_event(svc, ctx->rng, ctx->now,
		                  "(service %s) (deployment %s) deployment completed.",
		                  svc_name(svc), sim_str(p, "id"));
		sim_sdep_completed(svc, p, ctx);
		while (json_array_size(deps) > 1)
			json_array_remove(deps, json_array_size(deps) - 1);
	}
	steady = done && json_array_size(deps) == 1;
	if (steady && !sim_bool(svc, "_steady", 0) && !draining)
		sim_service_event(svc, ctx->rng, ctx->now,
		                  "(service %s) has reached a steady state.", svc_name(svc));
	json_object_set_new(svc, "_steady", json_boolean(steady));
	if (draining && running == 0 && pending == 0 && !stopping_left(tasks, NULL)) {
		json_object_set_new(svc, "status", json_string("INACTIVE"));
		json_object_set_new(svc, "_inactiveAt", sim_time(ctx->now));
	}
}

static int has_work(json_t *svc, json_t *tasks)
{
	json_t *deps = json_object_get(svc, "deployments");
	json_t *p = json_array_get(deps, 0);
	const char *status = sim_str(svc, "status");
	const char *k;
	json_t *t;

	if (status && strcmp(status, "INACTIVE") == 0)
		return 0;
	if (status && strcmp(status, "DRAINING") == 0)
		return 1;
	if (sim_sdep_active(svc))
		return 1;
	json_object_foreach(tasks, k, t) {
		if (isfinite(sim_task_next_change(t)))
			return 1;
	}
	if (json_array_size(deps) > 1 || !sim_bool(svc, "_steady", 0))
		return !(p && strcmp(sim_str(p, "rolloutState"), "FAILED") == 0 &&
		         json_array_size(deps) == 1);
	return 0;
}

int sim_deploy_advance(json_t *svc, struct sim_deploy_ctx *ctx)
{
	json_t *tasks = json_object_get(svc, "_tasks");
	double target = ctx->now;
	int steps = 0;

	if (!tasks) {
		tasks = json_object();
		if (!tasks || json_object_set_new(svc, "_tasks", tasks))
			return -1;
	}
	for (;;) {
		double t = INFINITY;
		const char *k;
		json_t *task;

		json_object_foreach(tasks, k, task) {
			double n = sim_task_next_change(task);
			if (n < t)
				t = n;
		}
		/* timers of the service deployment: bake, hooks, alarms */
		if (sim_sdep_next_change(svc, ctx) < t)
			t = sim_sdep_next_change(svc, ctx);
		if (t > target)
			break;
		if (steps++ >= MAX_STEPS) {
			/* stay where we got to; the rest comes on the next call */
			return 1;
		}
		json_object_foreach(tasks, k, task) {
			if (sim_task_next_change(task) <= t)
				sim_task_advance(task, t);
		}
		ctx->now = t;
		schedule(svc, tasks, ctx);
	}
	ctx->now = target;
	schedule(svc, tasks, ctx);
	return has_work(svc, tasks);
}
