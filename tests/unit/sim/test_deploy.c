/*
 * The deployment state machine (sim/deploy.c), driven without HTTP: a
 * service and task definitions in memory, time passed in by the test.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "sim_int.h"
#include "sim_tests.h"
#include "banned.h"

#define T0 1700000000.0
#define CLUSTER_ARN "arn:aws:ecs:us-east-1:123456789012:cluster/c"
#define GOOD "arn:aws:ecs:us-east-1:123456789012:task-definition/web:1"
#define BAD "arn:aws:ecs:us-east-1:123456789012:task-definition/web:2"
#define NEWER "arn:aws:ecs:us-east-1:123456789012:task-definition/web:3"

struct world {
	json_t *tds;
	json_t *svc;
	uint64_t rng;
	struct sim_deploy_ctx ctx;
};

static json_t *lookup(void *arg, const char *arn)
{
	return json_object_get(arg, arn);
}

static json_t *td(const char *arn, const char *image)
{
	return json_pack("{s:s,s:s,s:[{s:s,s:s,s:b,s:i}]}", "taskDefinitionArn", arn, "family",
	                 "web", "containerDefinitions", "name", "app", "image", image, "essential",
	                 1, "memory", 64);
}

/* A service of `desired` tasks on GOOD, deployment started at T0. */
static void world_init(struct world *w, int desired, int min_pct, int max_pct, int breaker,
                       int rollback)
{
	w->tds = json_object();
	json_object_set_new(w->tds, GOOD, td(GOOD, "nginx:1"));
	json_object_set_new(w->tds, BAD, td(BAD, "nginx:crashloop"));
	json_object_set_new(w->tds, NEWER, td(NEWER, "nginx:2"));
	w->svc = json_pack("{s:s,s:s,s:i,s:{s:i,s:i,s:{s:b,s:b}},s:s}", "serviceName", "web",
	                   "status", "ACTIVE", "desiredCount", desired, "deploymentConfiguration",
	                   "minimumHealthyPercent", min_pct, "maximumPercent", max_pct,
	                   "deploymentCircuitBreaker", "enable", breaker, "rollback", rollback,
	                   "launchType", "EC2");
	w->rng = 42;
	w->ctx.now = T0;
	w->ctx.rng = &w->rng;
	w->ctx.cluster_arn = CLUSTER_ARN;
	w->ctx.capacity_left = -1;
	w->ctx.alarms = w->ctx.hooks = NULL;
	w->ctx.cluster = NULL;
	w->ctx.taskdef = lookup;
	w->ctx.arg = w->tds;
	assert_int_equal(sim_deploy_start(w->svc, GOOD, NULL, &w->ctx), 0);
}

/* The server advances a service as soon as it creates it; so do we. */
static void world_start(struct world *w)
{
	assert_int_equal(sim_deploy_advance(w->svc, &w->ctx), 1);
}

static void world_release(struct world *w)
{
	json_decref(w->svc);
	json_decref(w->tds);
}

static int advance(struct world *w, double at)
{
	w->ctx.now = at;
	return sim_deploy_advance(w->svc, &w->ctx);
}

static json_t *deps(struct world *w)
{
	return json_object_get(w->svc, "deployments");
}

static const char *primary_state(struct world *w)
{
	return sim_str(json_array_get(deps(w), 0), "rolloutState");
}

static int count_status(struct world *w, const char *desired, const char *last)
{
	const char *k;
	json_t *t;
	int n = 0;

	json_object_foreach(json_object_get(w->svc, "_tasks"), k, t) {
		if ((!desired || strcmp(sim_str(t, "desiredStatus"), desired) == 0) &&
		    (!last || strcmp(sim_str(t, "lastStatus"), last) == 0))
			n++;
	}
	return n;
}

static int has_event(struct world *w, const char *needle)
{
	json_t *e;
	size_t i;

	json_array_foreach(json_object_get(w->svc, "events"), i, e) {
		if (strstr(sim_str(e, "message"), needle))
			return 1;
	}
	return 0;
}

static void test_deploy__create_reaches_steady(void **state)
{
	struct world w;

	world_init(&w, 2, 100, 200, 0, 0);
	assert_int_equal(advance(&w, T0), 1);
	assert_int_equal(count_status(&w, "RUNNING", "PROVISIONING"), 2);
	assert_int_equal(sim_int(w.svc, "pendingCount", -1), 2);
	assert_true(has_event(&w, "(service web) has started 2 tasks: (task "));
	assert_string_equal(primary_state(&w), "IN_PROGRESS");

	advance(&w, T0 + SIM_PROVISIONING_S);
	assert_int_equal(count_status(&w, "RUNNING", "PENDING"), 2);
	assert_int_equal(advance(&w, T0 + SIM_PROVISIONING_S + SIM_PENDING_S), 0);
	assert_int_equal(count_status(&w, "RUNNING", "RUNNING"), 2);
	assert_int_equal(sim_int(w.svc, "runningCount", -1), 2);
	assert_string_equal(primary_state(&w), "COMPLETED");
	assert_string_equal(sim_str(json_array_get(json_object_get(w.svc, "events"), 0), "message"),
	                    "(service web) has reached a steady state.");
	assert_true(has_event(&w, ") deployment completed."));
	world_release(&w);
}

/* Steps a deployment in small increments and checks the bounds each time. */
static void roll(int desired, int min_pct, int max_pct)
{
	struct world w;
	int lo = (int)ceil(desired * min_pct / 100.0);
	int hi = (int)floor(desired * max_pct / 100.0);
	int saw_two = 0;
	double t;

	world_init(&w, desired, min_pct, max_pct, 0, 0);
	world_start(&w);
	advance(&w, T0 + 60);
	assert_string_equal(primary_state(&w), "COMPLETED");
	w.ctx.now = T0 + 60;
	sim_deploy_start(w.svc, NEWER, NULL, &w.ctx);
	for (t = T0 + 60; t < T0 + 400; t += 0.25) {
		advance(&w, t);
		assert_true(count_status(&w, "RUNNING", NULL) <= hi);
		assert_true(count_status(&w, "RUNNING", "RUNNING") >= lo);
		saw_two |= json_array_size(deps(&w)) == 2;
	}
	assert_true(saw_two);
	assert_int_equal(json_array_size(deps(&w)), 1);
	assert_string_equal(sim_str(json_array_get(deps(&w), 0), "taskDefinition"), NEWER);
	assert_string_equal(primary_state(&w), "COMPLETED");
	assert_int_equal(count_status(&w, "RUNNING", "RUNNING"), desired);
	{
		const char *k;
		json_t *task;
		json_object_foreach(json_object_get(w.svc, "_tasks"), k, task) {
			if (strcmp(sim_str(task, "desiredStatus"), "RUNNING") == 0)
				assert_string_equal(sim_str(task, "taskDefinitionArn"), NEWER);
		}
	}
	assert_true(has_event(&w, "has stopped"));
	world_release(&w);
}

static void test_deploy__rolling_respects_min_max(void **state)
{
	roll(4, 100, 200);
	roll(4, 50, 150);
	roll(4, 50, 100);
	roll(10, 0, 100);
	roll(3, 34, 100);
	roll(1, 0, 200);
}

static void test_deploy__crashloop_breaker_rolls_back(void **state)
{
	struct world w;
	int saw_failed = 0;
	double t;

	world_init(&w, 2, 100, 200, 1, 1);
	world_start(&w);
	advance(&w, T0 + 30);
	w.ctx.now = T0 + 30;
	sim_deploy_start(w.svc, BAD, NULL, &w.ctx);
	for (t = T0 + 30; t < T0 + 200; t += 0.5) {
		json_t *d;
		size_t i;
		advance(&w, t);
		/* the old tasks keep serving: min healthy 100% holds */
		assert_true(count_status(&w, "RUNNING", "RUNNING") >= 2);
		json_array_foreach(deps(&w), i, d) {
			if (strcmp(sim_str(d, "rolloutState"), "FAILED") == 0) {
				saw_failed = 1;
				assert_string_equal(sim_str(d, "taskDefinition"), BAD);
				assert_true(sim_int(d, "failedTasks", 0) >= 3);
			}
		}
	}
	assert_true(saw_failed);
	assert_int_equal(json_array_size(deps(&w)), 1);
	assert_string_equal(sim_str(w.svc, "taskDefinition"), GOOD);
	assert_string_equal(sim_str(json_array_get(deps(&w), 0), "taskDefinition"), GOOD);
	assert_string_equal(primary_state(&w), "COMPLETED");
	assert_true(has_event(&w, "deployment failed: tasks failed to start."));
	assert_true(has_event(&w, "(service web) rolling back to deployment ecs-svc/"));
	world_release(&w);
}

static void test_deploy__breaker_threshold(void **state)
{
	/* ECS: half the desired count, at least 3, at most 200 */
	const int desired[] = {1, 2, 10, 11, 600};
	const int expect[] = {3, 3, 5, 6, 200};

	for (size_t i = 0; i < sizeof(desired) / sizeof(desired[0]); i++) {
		struct world w;
		double t;
		world_init(&w, desired[i], 0, 200, 1, 0);
		json_object_set_new(json_array_get(deps(&w), 0), "taskDefinition",
		                    json_string(BAD));
		for (t = T0; t < T0 + 600 && strcmp(primary_state(&w), "FAILED"); t += 1)
			advance(&w, t);
		assert_string_equal(primary_state(&w), "FAILED");
		assert_true(sim_int(json_array_get(deps(&w), 0), "failedTasks", 0) >= expect[i]);
		assert_true(sim_int(json_array_get(deps(&w), 0), "failedTasks", 0) <
		            expect[i] + desired[i]);
		/* no rollback: the failed deployment stays and launches nothing more */
		advance(&w, t + 60);
		assert_int_equal(count_status(&w, "RUNNING", NULL), 0);
		world_release(&w);
	}
}

static void test_deploy__crashloop_without_breaker_keeps_trying(void **state)
{
	struct world w;

	world_init(&w, 1, 100, 200, 0, 0);
	json_object_set_new(json_array_get(deps(&w), 0), "taskDefinition", json_string(BAD));
	world_start(&w);
	assert_int_equal(advance(&w, T0 + 100), 1);
	assert_true(sim_int(json_array_get(deps(&w), 0), "failedTasks", 0) >= 10);
	assert_string_equal(primary_state(&w), "IN_PROGRESS");
	assert_int_equal(sim_int(w.svc, "runningCount", -1), 0);
	world_release(&w);
}

static void test_deploy__scale_to_zero_and_drain(void **state)
{
	struct world w;

	world_init(&w, 3, 100, 200, 0, 0);
	world_start(&w);
	advance(&w, T0 + 30);
	json_object_set_new(w.svc, "desiredCount", json_integer(0));
	json_object_set_new(w.svc, "_steady", json_false());
	advance(&w, T0 + 31);
	assert_int_equal(count_status(&w, "STOPPED", "STOPPING"), 3);
	assert_int_equal(advance(&w, T0 + 31 + SIM_STOPPING_S), 0);
	assert_int_equal(count_status(&w, "STOPPED", "STOPPED"), 3);
	assert_int_equal(sim_int(w.svc, "runningCount", -1), 0);
	assert_string_equal(sim_str(json_array_get(json_object_get(w.svc, "events"), 0), "message"),
	                    "(service web) has reached a steady state.");

	json_object_set_new(w.svc, "desiredCount", json_integer(2));
	json_object_set_new(w.svc, "_steady", json_false());
	advance(&w, T0 + 60);
	json_object_set_new(w.svc, "status", json_string("DRAINING"));
	assert_int_equal(advance(&w, T0 + 61), 1);
	assert_string_equal(sim_str(w.svc, "status"), "DRAINING");
	advance(&w, T0 + 61 + SIM_STOPPING_S);
	assert_string_equal(sim_str(w.svc, "status"), "INACTIVE");
	assert_int_equal(count_status(&w, "RUNNING", NULL), 0);
	world_release(&w);
}

static void test_deploy__no_capacity_event(void **state)
{
	struct world w;

	world_init(&w, 3, 100, 200, 0, 0);
	w.ctx.capacity_left = 1;
	advance(&w, T0);
	assert_int_equal(count_status(&w, "RUNNING", NULL), 1);
	assert_true(has_event(&w, "was unable to place a task"));
	world_release(&w);
}

static void test_deploy__events_capped_newest_first(void **state)
{
	struct world w;
	json_t *events;

	world_init(&w, 1, 100, 200, 0, 0);
	for (int i = 0; i < 150; i++)
		sim_service_event(w.svc, &w.rng, T0 + i, "event %d", i);
	events = json_object_get(w.svc, "events");
	assert_int_equal(json_array_size(events), SIM_EVENTS_MAX);
	assert_string_equal(sim_str(json_array_get(events, 0), "message"), "event 149");
	world_release(&w);
}

/* Being called rarely or often gives the same history. */
static void test_deploy__lazy_equals_stepwise(void **state)
{
	struct world a, b;
	double t;
	const char *k;
	json_t *task;

	world_init(&a, 3, 50, 150, 1, 1);
	world_init(&b, 3, 50, 150, 1, 1);
	world_start(&a);
	world_start(&b);
	advance(&a, T0 + 30);
	advance(&b, T0 + 30);
	a.ctx.now = b.ctx.now = T0 + 30;
	sim_deploy_start(a.svc, BAD, NULL, &a.ctx);
	sim_deploy_start(b.svc, BAD, NULL, &b.ctx);
	/* the server advances right after every change; then b is left alone */
	advance(&b, T0 + 30);
	for (t = T0 + 30; t <= T0 + 300; t += 0.1)
		advance(&a, t);
	advance(&b, t - 0.1);
	assert_int_equal(json_object_size(json_object_get(a.svc, "_tasks")),
	                 json_object_size(json_object_get(b.svc, "_tasks")));
	json_object_foreach(json_object_get(a.svc, "_tasks"), k, task) {
		json_t *other = json_object_get(json_object_get(b.svc, "_tasks"), k);
		assert_non_null(other);
		assert_string_equal(sim_str(task, "lastStatus"), sim_str(other, "lastStatus"));
	}
	assert_int_equal(json_array_size(json_object_get(a.svc, "events")),
	                 json_array_size(json_object_get(b.svc, "events")));
	world_release(&a);
	world_release(&b);
}

/* A long gap on the clock is caught up over several bounded calls. */
static void test_deploy__long_gap_in_bounded_steps(void **state)
{
	struct world w;
	long long first, second;

	world_init(&w, 1, 100, 200, 0, 0);
	json_object_set_new(json_array_get(deps(&w), 0), "taskDefinition", json_string(BAD));
	world_start(&w);
	assert_int_equal(advance(&w, T0 + 1e7), 1);
	first = sim_int(json_array_get(deps(&w), 0), "failedTasks", 0);
	assert_true(first > 100);
	assert_true(first <= 500);
	assert_true(json_object_size(json_object_get(w.svc, "_tasks")) < 600);
	assert_int_equal(advance(&w, T0 + 1e7), 1);
	second = sim_int(json_array_get(deps(&w), 0), "failedTasks", 0);
	assert_true(second > first);
	world_release(&w);
}

static void test_deploy__crashloop_image_tags(void **state)
{
	assert_true(sim_image_tag_is("nginx:crashloop", "crashloop"));
	assert_true(sim_image_tag_is("registry:5000/team/app:crashloop", "crashloop"));
	assert_true(sim_image_tag_is("app:crashloop@sha256:abc", "crashloop"));
	assert_false(sim_image_tag_is("crashloop", "crashloop"));
	assert_false(sim_image_tag_is("registry:5000/crashloop", "crashloop"));
	assert_false(sim_image_tag_is("app:crashloop2", "crashloop"));
	assert_false(sim_image_tag_is(NULL, "crashloop"));
}

/* One task's life without a service: stopped before it ran, it has no exit
 * codes; a failed pull stops it with the runtime's reason; a crash exits 1
 * in the crashing container only. */
static void test_deploy__stopped_task_fields(void **state)
{
	uint64_t rng = 7;
	struct sim_deploy_ctx ctx = {.now = T0, .rng = &rng, .cluster_arn = CLUSTER_ARN};
	json_t *def = json_pack("{s:s,s:[{s:s,s:s},{s:s,s:s,s:b}]}", "taskDefinitionArn", GOOD,
	                        "containerDefinitions", "name", "app", "image", "nginx:1", "name",
	                        "log", "image", "fluent/bit:2", "essential", 0);
	json_t *task, *app, *log;
	double t;

	(void)state;
	/* stopped while PROVISIONING */
	task = sim_task_new(def, "ecs-svc/1", "service:web", "EC2", &ctx);
	sim_task_stop(task, T0 + 1, "UserInitiated", "no");
	for (t = T0; t < T0 + 60; t += 1)
		sim_task_advance(task, t);
	assert_string_equal(sim_str(task, "lastStatus"), "STOPPED");
	assert_null(
	    json_object_get(json_array_get(json_object_get(task, "containers"), 0), "exitCode"));
	json_decref(task);

	/* a non-essential container whose pull fails still stops the task */
	json_object_set_new(json_array_get(json_object_get(def, "containerDefinitions"), 1),
	                    "image", json_string("team/log:cannotpull"));
	task = sim_task_new(def, "ecs-svc/1", "service:web", "EC2", &ctx);
	while (sim_task_advance(task, T0 + 60))
		;
	assert_string_equal(sim_str(task, "lastStatus"), "STOPPED");
	assert_string_equal(sim_str(task, "stopCode"), "TaskFailedToStart");
	assert_string_equal(sim_str(task, "stoppedReason"),
	                    "CannotPullContainerError: pull image manifest has been retried 5 "
	                    "time(s): failed to resolve ref docker.io/team/log:cannotpull: "
	                    "docker.io/team/log:cannotpull: not found");
	app = json_array_get(json_object_get(task, "containers"), 0);
	log = json_array_get(json_object_get(task, "containers"), 1);
	assert_null(json_object_get(app, "exitCode"));
	assert_null(json_object_get(app, "reason"));
	assert_string_equal(sim_str(log, "reason"), sim_str(task, "stoppedReason"));
	assert_null(json_object_get(task, "startedAt"));
	assert_true(sim_bool(task, "_failed", 0));
	json_decref(task);

	/* crashloop: only the crashing essential container exits 1 */
	json_object_set_new(json_array_get(json_object_get(def, "containerDefinitions"), 0),
	                    "image", json_string("nginx:crashloop"));
	json_object_set_new(json_array_get(json_object_get(def, "containerDefinitions"), 1),
	                    "image", json_string("fluent/bit:2"));
	task = sim_task_new(def, "ecs-svc/1", "service:web", "EC2", &ctx);
	while (sim_task_advance(task, T0 + 60))
		;
	assert_string_equal(sim_str(task, "stopCode"), "EssentialContainerExited");
	assert_string_equal(sim_str(task, "stoppedReason"), "Essential container in task exited");
	app = json_array_get(json_object_get(task, "containers"), 0);
	log = json_array_get(json_object_get(task, "containers"), 1);
	assert_int_equal(sim_int(app, "exitCode", -1), 1);
	assert_int_equal(sim_int(log, "exitCode", -1), 0);
	assert_non_null(json_object_get(task, "startedAt"));
	json_decref(task);
	json_decref(def);
}

/* ---- the blue/green family (sim/stages.c) ---- */

/* A service of 2 on GOOD with a service deployment, done; then a rollout of
 * NEWER with deploymentConfiguration `conf` (members added) at T0 + 60. */
static json_t *family_rollout(struct world *w, json_t *conf)
{
	world_init(w, 2, 100, 200, 0, 0);
	assert_int_equal(sim_sdep_begin(w->svc, &w->ctx), 0);
	world_start(w);
	advance(w, T0 + 60);
	assert_string_equal(primary_state(w), "COMPLETED");
	json_object_update(json_object_get(w->svc, "deploymentConfiguration"), conf);
	json_decref(conf);
	w->ctx.now = T0 + 60;
	assert_int_equal(sim_deploy_start(w->svc, NEWER, NULL, &w->ctx), 0);
	assert_int_equal(sim_sdep_begin(w->svc, &w->ctx), 0);
	world_start(w);
	return sim_sdep_active(w->svc);
}

static double target_weight(struct world *w, json_t *sd)
{
	json_t *r = sim_sdep_render(w->svc, sd);
	double v = json_number_value(json_object_get(json_object_get(r, "targetServiceRevision"),
	                                             "requestedProductionTrafficWeight"));

	json_decref(r);
	return v;
}

static void test_deploy__linear_steps_and_blue_kept(void **state)
{
	struct world w;
	json_t *sd = family_rollout(&w, json_pack("{s:s,s:{s:f,s:i}}", "strategy", "LINEAR",
	                                          "linearConfiguration", "stepPercent", 3.0,
	                                          "stepBakeTimeInMinutes", 1));
	double last = -1, t;
	int steps = 0;

	(void)state;
	for (t = T0 + 60; t < T0 + 60 + 40 * 60 && !json_object_get(sd, "finishedAt"); t += 5) {
		double v;
		advance(&w, t);
		v = target_weight(&w, sd);
		if (v != last) {
			steps++;
			/* 3, 6, ... 99, then 100: never more than a step at once */
			assert_true(v == 100 || fabs(v - 3.0 * (steps - 1)) < 1e-9);
			last = v;
		}
		/* blue keeps both its tasks until the clean up */
		if (strcmp(sim_str(sd, "lifecycleStage"), "CLEAN_UP") != 0)
			assert_int_equal(count_status(&w, "RUNNING", "RUNNING") >= 2, 1);
	}
	assert_string_equal(sim_str(sd, "status"), "SUCCESSFUL");
	assert_int_equal(steps, 1 + 33 + 1); /* 0, 3..99, 100 */
	assert_int_equal(count_status(&w, "RUNNING", NULL), 2);
	world_release(&w);
}

static void test_deploy__pause_times_out_and_continues(void **state)
{
	struct world w;
	json_t *sd = family_rollout(&w, json_pack("{s:s,s:[{s:s,s:[s],s:{s:i,s:s}}]}", "strategy",
	                                          "BLUE_GREEN", "lifecycleHooks", "targetType",
	                                          "PAUSE", "lifecycleStages", "POST_SCALE_UP",
	                                          "timeoutConfiguration", "timeoutInMinutes", 1,
	                                          "action", "CONTINUE"));
	json_t *hook;

	(void)state;
	advance(&w, T0 + 60 + 30);
	hook = json_array_get(json_object_get(sd, "lifecycleHookDetails"), 0);
	assert_string_equal(sim_str(hook, "status"), "AWAITING_ACTION");
	assert_string_equal(sim_str(sd, "lifecycleStage"), "POST_SCALE_UP");
	/* green scaled up (7 s) at T0 + 67; the pause expires a minute later */
	advance(&w, T0 + 67 + 59);
	assert_string_equal(sim_str(hook, "status"), "AWAITING_ACTION");
	advance(&w, T0 + 67 + 61);
	assert_string_equal(sim_str(hook, "status"), "TIMED_OUT");
	advance(&w, T0 + 300);
	assert_string_equal(sim_str(sd, "status"), "SUCCESSFUL");
	assert_string_equal(sim_str(w.svc, "taskDefinition"), NEWER);
	world_release(&w);
}

static void test_deploy__alarm_rolls_back_at_its_time(void **state)
{
	struct world w;
	json_t *alarms = json_pack("{s:{s:s,s:f}}", "api-5xx", "state", "ALARM", "at", T0 + 200.0);
	json_t *sd;

	(void)state;
	w.ctx.alarms = NULL;
	sd = family_rollout(&w, json_pack("{s:s,s:i,s:{s:[s],s:b,s:b}}", "strategy", "CANARY",
	                                  "bakeTimeInMinutes", 30, "alarms", "alarmNames",
	                                  "api-5xx", "enable", 1, "rollback", 1));
	w.ctx.alarms = alarms;
	/* one call over the whole span: the alarm still fires at its own time */
	advance(&w, T0 + 1000);
	assert_string_equal(sim_str(sd, "status"), "ROLLBACK_SUCCESSFUL");
	assert_true(
	    fabs(json_number_value(json_object_get(json_object_get(sd, "rollback"), "startedAt")) -
	         (T0 + 200)) < 1e-3);
	assert_string_equal(sim_str(w.svc, "taskDefinition"), GOOD);
	assert_string_equal(sim_str(json_object_get(sd, "alarms"), "status"), "TRIGGERED");
	assert_int_equal(count_status(&w, "RUNNING", "RUNNING"), 2);
	world_release(&w);
	json_decref(alarms);
}

int sim_tests_deploy(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_deploy__create_reaches_steady),
	    cmocka_unit_test(test_deploy__rolling_respects_min_max),
	    cmocka_unit_test(test_deploy__crashloop_breaker_rolls_back),
	    cmocka_unit_test(test_deploy__breaker_threshold),
	    cmocka_unit_test(test_deploy__crashloop_without_breaker_keeps_trying),
	    cmocka_unit_test(test_deploy__scale_to_zero_and_drain),
	    cmocka_unit_test(test_deploy__no_capacity_event),
	    cmocka_unit_test(test_deploy__events_capped_newest_first),
	    cmocka_unit_test(test_deploy__lazy_equals_stepwise),
	    cmocka_unit_test(test_deploy__long_gap_in_bounded_steps),
	    cmocka_unit_test(test_deploy__crashloop_image_tags),
	    cmocka_unit_test(test_deploy__stopped_task_fields),
	    cmocka_unit_test(test_deploy__linear_steps_and_blue_kept),
	    cmocka_unit_test(test_deploy__pause_times_out_and_continues),
	    cmocka_unit_test(test_deploy__alarm_rolls_back_at_its_time),
	};
	return cmocka_run_group_tests_name("deploy", tests, NULL, NULL);
}
