/*
 * Waits on a virtual clock: an in-process ecs-local whose simulated time
 * barely moves (time_scale 0.001), so nothing becomes stable or INACTIVE,
 * and a clock that jumps on every sleep. The timeouts are minutes of
 * virtual time that pass in milliseconds of real time.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "ecsctl/creds.h"
#include "ecsctl/ops.h"
#include "ecsctl/reconcile.h"
#include "ecsctl/sim.h"
#include "reconcile_tests.h"
#include "banned.h"

struct vclock {
	int64_t now;
	long sleeps;
};

static int64_t v_now(void *ud)
{
	return ((struct vclock *)ud)->now;
}

static void v_sleep(void *ud, int64_t ms)
{
	struct vclock *c = ud;

	c->now += ms;
	c->sleeps++;
}

struct wfx {
	struct ecsctl_sim *sim;
	struct ecsctl_creds_provider *cp;
	struct ecsctl_ecs *ecs;
	char url[64];
	char *td;
};

static void call_ok(struct wfx *f, const char *op, json_t *req, json_t **out)
{
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	json_t *resp = NULL;

	if (ecsctl_ecs_call(&resp, f->ecs, op, req, &err))
		fail_msg("%s: %s", op, err.message);
	json_decref(req);
	if (out)
		*out = resp;
	else
		json_decref(resp);
	ecsctl_error_release(&err);
}

/* Cluster c, task definition web (EC2), service web with one task, on an
 * ecs-local at `scale` with room for `capacity` EC2 tasks (0 = any). */
static int wfx_start(void **state, double scale, int capacity)
{
	static const char *const env[] = {"HOME=/nonexistent", NULL};
	struct ecsctl_sim_options so = ECSCTL_SIM_OPTIONS_INIT;
	struct ecsctl_ecs_options o = ECSCTL_ECS_OPTIONS_INIT;
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	struct wfx *f = calloc(1, sizeof(*f));
	json_t *resp = NULL;

	assert_non_null(f);
	so.listen = "127.0.0.1:0";
	so.time_scale = scale;
	so.ec2_capacity = capacity;
	so.seed = 7;
	so.threads = 2;
	assert_int_equal(ecsctl_sim_new(&f->sim, &so, &err), 0);
	snprintf(f->url, sizeof(f->url), "http://127.0.0.1:%u", ecsctl_sim_port(f->sim));
	assert_int_equal(ecsctl_creds_provider_static(&f->cp, "AKIDTEST", "secret", NULL, &err), 0);
	o.region = "us-east-1";
	o.endpoint_url = f->url;
	o.env = env;
	o.creds = f->cp;
	o.seed = 7;
	assert_int_equal(ecsctl_ecs_new(&f->ecs, &o, &err), 0);
	call_ok(f, "CreateCluster", json_pack("{s:s}", "clusterName", "c"), NULL);
	call_ok(f, "RegisterTaskDefinition",
	        json_pack("{s:s,s:[{s:s,s:s,s:i}]}", "family", "web", "containerDefinitions",
	                  "name", "app", "image", "nginx:1", "memory", 64),
	        &resp);
	f->td = strdup(json_string_value(
	    json_object_get(json_object_get(resp, "taskDefinition"), "taskDefinitionArn")));
	json_decref(resp);
	assert_non_null(f->td);
	call_ok(f, "CreateService",
	        json_pack("{s:s,s:s,s:s,s:i,s:s}", "cluster", "c", "serviceName", "web",
	                  "taskDefinition", f->td, "desiredCount", 1, "launchType", "EC2"),
	        NULL);
	*state = f;
	return 0;
}

static int wfx_setup(void **state)
{
	return wfx_start(state, 0.001, 0);
}

/* 200 simulated seconds a second, one EC2 task of room. */
static int wfx_setup_small(void **state)
{
	return wfx_start(state, 200, 1);
}

/* 200 simulated seconds a second, room for any task. */
static int wfx_setup_fast(void **state)
{
	return wfx_start(state, 200, 0);
}

static int wfx_teardown(void **state)
{
	struct wfx *f = *state;

	ecsctl_ecs_free(f->ecs);
	ecsctl_creds_provider_free(f->cp);
	ecsctl_sim_free(f->sim);
	free(f->td);
	free(f);
	return 0;
}

static long api_count(struct wfx *f, const char *op)
{
	json_t *calls = ecsctl_ecs_api_calls(f->ecs);
	long n = (long)json_integer_value(json_object_get(calls, op));

	json_decref(calls);
	return n;
}

static void real_sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

static int64_t real_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static struct ecsctl_plan_op *one_op(struct ecsctl_plan *p)
{
	p->ops = calloc(1, sizeof(*p->ops));
	assert_non_null(p->ops);
	p->count = p->alloc = 1;
	p->ops[0].kind = ECSCTL_KIND_SERVICE;
	p->ops[0].name = strdup("c/web");
	p->ops[0].phase = ECSCTL_PHASE_SERVICES;
	ecsctl_diff_changes_init(&p->ops[0].changes);
	return &p->ops[0];
}

/* The plan of a create of service web, waited on. */
static void create_op(struct ecsctl_plan *p, struct wfx *f)
{
	struct ecsctl_plan_op *op;

	ecsctl_plan_init(p);
	op = one_op(p);
	op->action = ECSCTL_DIFF_CREATE;
	op->wait = json_pack("{s:s,s:s,s:s}", "cluster", "c", "service", "web", "taskDefinition",
	                     f->td);
}

static void on_vclock(struct ecsctl_apply_options *ao, struct vclock *vc)
{
	ao->now_ms = v_now;
	ao->sleep_ms = v_sleep;
	ao->clock_ud = vc;
}

static void test_reconcile_wait__times_out_on_the_virtual_clock(void **state)
{
	struct wfx *f = *state;
	struct ecsctl_apply_options ao = ECSCTL_APPLY_OPTIONS_INIT;
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	struct vclock vc = {1000000, 0};
	struct ecsctl_plan p;
	long before = api_count(f, "DescribeServices");
	int64_t t0 = real_ms();

	create_op(&p, f);
	ao.timeout_ms = 60000;
	ao.interval_ms = 5000;
	on_vclock(&ao, &vc);
	assert_int_equal(ecsctl_plan_wait(&p, f->ecs, &ao, &err), ECSCTL_ETIMEOUT);
	assert_non_null(strstr(err.message, "did not become stable in time"));
	/* polls at virtual 0, 5 s, ..., 60 s; the deadline is seen exactly at 60 s */
	assert_int_equal(vc.now, 1000000 + 60000);
	assert_int_equal(api_count(f, "DescribeServices") - before, 13);
	assert_true(vc.sleeps >= 12);
	assert_true(real_ms() - t0 < 5000); /* one minute of waiting, in real milliseconds */
	ecsctl_error_release(&err);
	ecsctl_plan_release(&p);
}

/* A replace's create waits for the old service to be INACTIVE; while it
 * drains, time runs out and the create is never sent. */
static void test_reconcile_apply__replace_create_waits_for_inactive(void **state)
{
	struct wfx *f = *state;
	struct ecsctl_apply_options ao = ECSCTL_APPLY_OPTIONS_INIT;
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	struct vclock vc = {0, 0};
	struct ecsctl_plan p;
	struct ecsctl_plan_op *op;
	json_t *out = NULL, *fails = NULL;
	const char *names[1] = {"web"};

	ecsctl_plan_init(&p);
	op = one_op(&p);
	op->action = ECSCTL_DIFF_REPLACE;
	op->calls = json_pack(
	    "[{s:s,s:{s:s,s:s,s:b}},{s:s,s:{s:s,s:s}},{s:s,s:{s:s,s:s,s:s,s:i,s:s}}]", "operation",
	    "DeleteService", "request", "cluster", "c", "service", "web", "force", 1, "operation",
	    "ecsctl:WaitServiceInactive", "request", "cluster", "c", "service", "web", "operation",
	    "CreateService", "request", "cluster", "c", "serviceName", "web", "taskDefinition",
	    f->td, "desiredCount", 1, "launchType", "FARGATE");
	assert_non_null(op->calls);
	ao.timeout_ms = 30000;
	ao.interval_ms = 3000;
	on_vclock(&ao, &vc);
	assert_int_equal(ecsctl_plan_apply(&p, f->ecs, true, &ao, &err), ECSCTL_ETIMEOUT);
	assert_non_null(strstr(err.message, "did not become INACTIVE"));
	assert_int_equal(vc.now, 30000);
	assert_int_equal(api_count(f, "DeleteService"), 1);
	assert_int_equal(api_count(f, "CreateService"), 1); /* the fixture's only */
	ecsctl_error_release(&err);
	assert_int_equal(ecsctl_ecs_describe_services(&out, &fails, f->ecs, "c", names, 1, &err),
	                 0);
	assert_string_equal(json_string_value(json_object_get(json_array_get(out, 0), "status")),
	                    "DRAINING");
	json_decref(fails);
	ecsctl_error_release(&err);
	json_decref(out);
	ecsctl_plan_release(&p);
}

struct seen {
	int quiet, service, events_first; /* events before the first SERVICE */
	int64_t last_elapsed;
	long running, desired;
	size_t ndeployments;
};

static void record(void *ud, const struct ecsctl_progress *ev)
{
	struct seen *s = ud;

	if (ev->kind == ECSCTL_PROGRESS_QUIET)
		s->quiet++;
	if (ev->kind == ECSCTL_PROGRESS_EVENT && !s->service)
		s->events_first++;
	if (ev->kind == ECSCTL_PROGRESS_SERVICE)
		s->service++;
	s->last_elapsed = ev->elapsed_ms;
	s->running = ev->running;
	s->desired = ev->desired;
	s->ndeployments = ev->ndeployments;
}

static void recording(struct ecsctl_apply_options *ao, struct seen *seen,
                      struct ecsctl_wait_report *why)
{
	ao->progress = record;
	ao->progress_ud = seen;
	ao->report = why;
}

/* Nothing moves: one SERVICE line, then a QUIET one per 30 s without news,
 * each with the time waited. */
static void test_reconcile_wait__still_waiting_after_30s_without_news(void **state)
{
	struct wfx *f = *state;
	struct ecsctl_apply_options ao = ECSCTL_APPLY_OPTIONS_INIT;
	struct ecsctl_wait_report why = {NULL};
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	struct vclock vc = {0, 0};
	struct seen seen = {0};
	struct ecsctl_plan p;
	const json_t *entry;

	create_op(&p, f);
	ao.timeout_ms = 100000;
	ao.interval_ms = 5000;
	on_vclock(&ao, &vc);
	recording(&ao, &seen, &why);
	assert_int_equal(ecsctl_plan_wait(&p, f->ecs, &ao, &err), ECSCTL_ETIMEOUT);
	assert_int_equal(seen.service, 1);
	assert_int_equal(seen.quiet, 3); /* at 30, 60 and 90 s */
	assert_int_equal(seen.last_elapsed, 90000);
	assert_int_equal(seen.ndeployments, 1);
	/* why: the only deployment runs none of its one task */
	assert_int_equal(json_array_size(why.services), 1);
	entry = json_array_get(why.services, 0);
	assert_string_equal(json_string_value(json_object_get(entry, "outcome")), "timedOut");
	assert_string_equal(json_string_value(json_object_get(entry, "reason")),
	                    "Not stable after 1m40s: 0 of 1 tasks running, 1 pending (rollout "
	                    "IN_PROGRESS).");
	assert_int_equal(json_array_size(json_object_get(entry, "stoppedTasks")), 0);
	ecsctl_wait_report_release(&why);
	ecsctl_error_release(&err);
	ecsctl_plan_release(&p);
}

static void update_count(struct wfx *f, int desired)
{
	call_ok(
	    f, "UpdateService",
	    json_pack("{s:s,s:s,s:i}", "cluster", "c", "service", "web", "desiredCount", desired),
	    NULL);
}

/* A desiredCount change keeps the deployment COMPLETED: running 1 of 3
 * (no room for more) is not stable, and the report says why. */
static void test_reconcile_wait__desired_count_change_needs_running_equal_desired(void **state)
{
	struct wfx *f = *state;
	struct ecsctl_apply_options ao = ECSCTL_APPLY_OPTIONS_INIT;
	struct ecsctl_wait_report why = {NULL};
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	struct ecsctl_buf text = ECSCTL_BUF_INIT;
	struct seen seen = {0};
	struct ecsctl_plan p;
	struct ecsctl_plan_op *op;
	const json_t *entry;

	ecsctl_plan_init(&p);
	op = one_op(&p);
	op->action = ECSCTL_DIFF_UPDATE;
	op->wait = json_pack("{s:s,s:s,s:s,s:s}", "cluster", "c", "service", "web",
	                     "taskDefinition", f->td, "previousTaskDefinition", f->td);
	ao.timeout_ms = 10000;
	ao.interval_ms = 20;
	recording(&ao, &seen, &why);
	assert_int_equal(ecsctl_plan_wait(&p, f->ecs, &ao, &err), 0); /* the fixture's task */
	assert_null(why.services);
	update_count(f, 3);
	ao.timeout_ms = 1000;
	assert_int_equal(ecsctl_plan_wait(&p, f->ecs, &ao, &err), ECSCTL_ETIMEOUT);
	assert_int_equal(seen.running, 1);
	assert_int_equal(seen.desired, 3);
	entry = json_array_get(why.services, 0);
	assert_non_null(strstr(json_string_value(json_object_get(entry, "reason")),
	                       ": 1 of 3 tasks running (rollout COMPLETED)."));
	assert_non_null(
	    strstr(json_string_value(json_array_get(json_object_get(entry, "events"), 0)),
	           "was unable to place a task"));
	ecsctl_wait_report_render(&text, &why);
	assert_int_equal(strncmp(text.buf, "c/web: Not stable after ", 24), 0);
	assert_non_null(strstr(text.buf, "s: 1 of 3 tasks running (rollout COMPLETED).\n"));
	assert_non_null(strstr(text.buf, "\n  events:\n    (service web) was unable to place"));
	ecsctl_buf_release(&text);
	ecsctl_error_release(&err);
	/* back to what fits: stable again, and the report is emptied */
	update_count(f, 1);
	ao.timeout_ms = 10000;
	assert_int_equal(ecsctl_plan_wait(&p, f->ecs, &ao, &err), 0);
	assert_null(why.services);
	ecsctl_wait_report_release(&why);
	ecsctl_error_release(&err);
	ecsctl_plan_release(&p);
}

/* A service that has crash-looped for a while has many events: the first
 * look prints the last 5, the report still sees them all. */
static void test_reconcile_wait__first_look_prints_few_old_events(void **state)
{
	struct wfx *f = *state;
	struct ecsctl_apply_options ao = ECSCTL_APPLY_OPTIONS_INIT;
	struct ecsctl_wait_report why = {NULL};
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	struct vclock vc = {0, 0};
	struct seen seen = {0};
	struct ecsctl_plan p;
	json_t *resp = NULL, *svcs = NULL, *fails = NULL;
	const char *names[1] = {"crash"}, *td;
	const json_t *entry;
	int tries;

	call_ok(f, "RegisterTaskDefinition",
	        json_pack("{s:s,s:[{s:s,s:s,s:i}]}", "family", "crash", "containerDefinitions",
	                  "name", "app", "image", "nginx:crashloop", "memory", 64),
	        &resp);
	td = json_string_value(
	    json_object_get(json_object_get(resp, "taskDefinition"), "taskDefinitionArn"));
	call_ok(f, "CreateService",
	        json_pack("{s:s,s:s,s:s,s:i,s:s}", "cluster", "c", "serviceName", "crash",
	                  "taskDefinition", td, "desiredCount", 1, "launchType", "EC2"),
	        NULL);
	/* a replacement every 7 simulated seconds: wait for more than 5 events */
	for (tries = 0; tries < 200; tries++) {
		assert_int_equal(
		    ecsctl_ecs_describe_services(&svcs, &fails, f->ecs, "c", names, 1, &err), 0);
		if (json_array_size(json_object_get(json_array_get(svcs, 0), "events")) >= 8)
			tries = 1000;
		json_decref(svcs);
		json_decref(fails);
		if (tries < 1000)
			real_sleep_ms(20);
	}
	ecsctl_plan_init(&p);
	one_op(&p)->wait = json_pack("{s:s,s:s,s:s}", "cluster", "c", "service", "crash",
	                             "taskDefinition", td);
	ao.timeout_ms = 1;
	ao.interval_ms = 1;
	on_vclock(&ao, &vc);
	recording(&ao, &seen, &why);
	assert_int_equal(ecsctl_plan_wait(&p, f->ecs, &ao, &err), ECSCTL_ETIMEOUT);
	assert_int_equal(seen.events_first, 5);
	entry = json_array_get(why.services, 0);
	assert_non_null(
	    strstr(json_string_value(json_object_get(entry, "reason")), "0 of 1 tasks running"));
	/* all of them were crashes of this deployment */
	assert_non_null(
	    strstr(json_string_value(json_object_get(
	               json_array_get(json_object_get(entry, "stoppedTasks"), 0), "summary")),
	           " tasks: Essential container in task exited "
	           "(EssentialContainerExited), app exit 1"));
	json_decref(resp);
	ecsctl_wait_report_release(&why);
	ecsctl_error_release(&err);
	ecsctl_plan_release(&p);
}

/* The stage lines a wait shows, one a line. */
static void on_stage(void *ud, const struct ecsctl_progress *ev)
{
	if (ev->kind == ECSCTL_PROGRESS_STAGE)
		ecsctl_buf_addf(ud, "%s\n", ev->message);
}

/* A canary with a PAUSE hook, followed by its service deployment: the wait
 * that may stop at a pause does, a promote lets it go on, and the wait
 * until SUCCESSFUL sees the traffic shift and the bake. */
static void test_reconcile_wait__follows_the_service_deployment(void **state)
{
	struct wfx *f = *state;
	struct ecsctl_apply_options ao = ECSCTL_APPLY_OPTIONS_INIT;
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	struct ecsctl_buf lines = ECSCTL_BUF_INIT;
	struct ecsctl_plan p;
	json_t *resp = NULL, *sd = NULL, *hook = NULL;
	const char *td;

	call_ok(f, "RegisterTaskDefinition",
	        json_pack("{s:s,s:[{s:s,s:s,s:i}]}", "family", "web", "containerDefinitions",
	                  "name", "app", "image", "nginx:2", "memory", 64),
	        &resp);
	td = json_string_value(
	    json_object_get(json_object_get(resp, "taskDefinition"), "taskDefinitionArn"));
	call_ok(f, "UpdateService",
	        json_pack("{s:s,s:s,s:s,s:{s:s,s:i,s:{s:f,s:i},s:[{s:s,s:[s]}]}}", "cluster", "c",
	                  "service", "web", "taskDefinition", td, "deploymentConfiguration",
	                  "strategy", "CANARY", "bakeTimeInMinutes", 1, "canaryConfiguration",
	                  "canaryPercent", 20.0, "canaryBakeTimeInMinutes", 1, "lifecycleHooks",
	                  "targetType", "PAUSE", "lifecycleStages", "POST_SCALE_UP"),
	        NULL);
	create_op(&p, f);
	p.ops[0].action = ECSCTL_DIFF_UPDATE;
	json_object_set_new(p.ops[0].wait, "taskDefinition", json_string(td));
	json_object_set_new(p.ops[0].wait, "previousTaskDefinition", json_string(f->td));
	ao.timeout_ms = 20000;
	ao.interval_ms = 20;
	ao.progress = on_stage;
	ao.progress_ud = &lines;
	ao.until_paused = true;
	assert_int_equal(ecsctl_plan_wait(&p, f->ecs, &ao, &err), 0);
	assert_non_null(strstr(lines.buf, "CANARY IN_PROGRESS at POST_SCALE_UP, traffic 0% new / "
	                                  "100% old, hook PAUSE AWAITING_ACTION: paused, 'ecsctl "
	                                  "promote c/web' continues"));
	assert_null(strstr(lines.buf, "SUCCESSFUL"));

	assert_int_equal(ecsctl_ops_rollout_current(&sd, f->ecs, "c", "web", &err), 0);
	assert_non_null(sd);
	assert_int_equal(ecsctl_ops_promote(&hook, f->ecs, sd, &err), 0);
	assert_string_equal(json_string_value(json_object_get(hook, "stage")), "POST_SCALE_UP");
	ecsctl_buf_reset(&lines);
	ao.until_paused = false;
	assert_int_equal(ecsctl_plan_wait(&p, f->ecs, &ao, &err), 0);
	assert_non_null(strstr(lines.buf, "traffic 20% new / 80% old"));
	assert_non_null(
	    strstr(lines.buf, "CANARY SUCCESSFUL at CLEAN_UP, traffic 100% new / 0% old"));
	/* nothing waits any more: promote says where the deployment is */
	json_decref(sd);
	json_decref(hook);
	assert_int_equal(ecsctl_ops_rollout_current(&sd, f->ecs, "c", "web", &err), 0);
	assert_null(sd);
	json_decref(resp);
	ecsctl_buf_release(&lines);
	ecsctl_error_release(&err);
	ecsctl_plan_release(&p);
}

int reconcile_wait_tests(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_reconcile_wait__times_out_on_the_virtual_clock,
	                                    wfx_setup, wfx_teardown),
	    cmocka_unit_test_setup_teardown(test_reconcile_apply__replace_create_waits_for_inactive,
	                                    wfx_setup, wfx_teardown),
	    cmocka_unit_test_setup_teardown(
	        test_reconcile_wait__still_waiting_after_30s_without_news, wfx_setup, wfx_teardown),
	    cmocka_unit_test_setup_teardown(
	        test_reconcile_wait__desired_count_change_needs_running_equal_desired,
	        wfx_setup_small, wfx_teardown),
	    cmocka_unit_test_setup_teardown(test_reconcile_wait__first_look_prints_few_old_events,
	                                    wfx_setup_fast, wfx_teardown),
	    cmocka_unit_test_setup_teardown(test_reconcile_wait__follows_the_service_deployment,
	                                    wfx_setup_fast, wfx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
