/*
 * Why a service is not stable (reconcile/wait_why.c): stopped tasks grouped
 * by cause with one-line summaries, the events that explain a failure, and
 * the report's text.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "reconcile_tests.h"
#include "wait_int.h"
#include "banned.h"

#define DEP "ecs-svc/1"

static json_t *task(const char *by, double created, const char *code, const char *why,
                    json_t *containers)
{
	return json_pack("{s:s,s:f,s:s,s:s,s:o}", "startedBy", by, "createdAt", created, "stopCode",
	                 code, "stoppedReason", why, "containers", containers);
}

static json_t *crashed(const char *by, double created)
{
	return task(by, created, "EssentialContainerExited", "Essential container in task exited",
	            json_pack("[{s:s,s:i},{s:s,s:i}]", "name", "web", "exitCode", 1, "name", "log",
	                      "exitCode", 0));
}

static const char *summary(const json_t *groups, size_t i)
{
	return json_string_value(json_object_get(json_array_get(groups, i), "summary"));
}

static void test_wait_why__groups_equal_causes_largest_first(void **state)
{
	json_t *tasks = json_array(), *groups;
	const char *pull = "CannotPullContainerError: pull image manifest has been retried 5 "
	                   "time(s): failed to resolve ref docker.io/library/nginx:x: not found";

	(void)state;
	json_array_append_new(tasks, task(DEP, 100, "TaskFailedToStart", pull,
	                                  json_pack("[{s:s,s:s}]", "name", "web", "reason", pull)));
	json_array_append_new(tasks, crashed(DEP, 101));
	json_array_append_new(tasks, crashed(DEP, 102));
	json_array_append_new(tasks, crashed(DEP, 103));
	/* not ours, too old, or the scheduler scaling in: none of them counts */
	json_array_append_new(tasks, crashed("ecs-svc/0", 104));
	json_array_append_new(tasks, crashed(DEP, 10));
	json_array_append_new(tasks, task(DEP, 105, "ServiceSchedulerInitiated",
	                                  "Scaling activity initiated by (deployment ecs-svc/1)",
	                                  json_array()));
	/* OOM: the container's own reason differs from the task's */
	json_array_append_new(
	    tasks, task(DEP, 106, "EssentialContainerExited", "Essential container in task exited",
	                json_pack("[{s:s,s:i,s:s}]", "name", "web", "exitCode", 137, "reason",
	                          "OutOfMemoryError: Container killed due to memory usage")));
	groups = wait_why_group_tasks(tasks, DEP, 50);
	assert_int_equal(json_array_size(groups), 3);
	assert_string_equal(summary(groups, 0), "3 tasks: Essential container in task exited "
	                                        "(EssentialContainerExited), web exit 1");
	assert_int_equal(json_integer_value(json_object_get(json_array_get(groups, 0), "count")),
	                 3);
	/* a pull error is said once, with the container it was about */
	assert_string_equal(
	    summary(groups, 1),
	    "1 task: CannotPullContainerError: pull image manifest has been retried "
	    "5 time(s): failed to resolve ref docker.io/library/nginx:x: not found "
	    "(TaskFailedToStart), container web");
	assert_string_equal(
	    summary(groups, 2),
	    "1 task: Essential container in task exited (EssentialContainerExited), "
	    "web exit 137: OutOfMemoryError: Container killed due to memory usage");
	json_decref(groups);
	/* without a deployment id, every task since the start counts */
	groups = wait_why_group_tasks(tasks, NULL, 50);
	assert_string_equal(summary(groups, 0), "4 tasks: Essential container in task exited "
	                                        "(EssentialContainerExited), web exit 1");
	json_decref(groups);
	json_decref(tasks);
}

static void test_wait_why__events_leave_routine_out_keep_last_ten(void **state)
{
	json_t *msgs = json_pack("[s,s,s,s,s]", "(service web) has started 2 tasks: (task a).",
	                         "(service web) (deployment ecs-svc/1) deployment failed: tasks "
	                         "failed to start.",
	                         "(service web) rolling back to deployment ecs-svc/0.",
	                         "(service web) has stopped 1 running tasks: (task b).",
	                         "(service web) has reached a steady state.");
	json_t *out = wait_why_events(msgs);
	int i;

	(void)state;
	assert_int_equal(json_array_size(out), 2);
	assert_non_null(strstr(json_string_value(json_array_get(out, 0)), "deployment failed"));
	assert_non_null(strstr(json_string_value(json_array_get(out, 1)), "rolling back"));
	json_decref(out);
	for (i = 0; i < 12; i++)
		json_array_append_new(msgs, json_sprintf("(service web) was unable to place a task "
		                                         "(%d).",
		                                         i));
	out = wait_why_events(msgs);
	assert_int_equal(json_array_size(out), 10);
	assert_string_equal(json_string_value(json_array_get(out, 9)),
	                    "(service web) was unable to place a task (11).");
	json_decref(out);
	json_decref(msgs);
}

static void test_wait_why__render(void **state)
{
	struct ecsctl_wait_report r = {NULL};
	struct ecsctl_buf b = ECSCTL_BUF_INIT;

	(void)state;
	ecsctl_wait_report_render(&b, &r);
	assert_int_equal(b.len, 0);
	r.services = json_pack(
	    "[{s:s,s:s,s:{s:s},s:[{s:s}],s:[s]},{s:s,s:s,s:s}]", "name", "shop/web", "reason",
	    "ECS deployment circuit breaker: tasks failed to start.", "deployment", "id", DEP,
	    "stoppedTasks", "summary", "3 tasks: Essential container in task exited", "events",
	    "(service web) rolling back to deployment ecs-svc/0.", "name", "shop/api", "reason",
	    "Not stable after 10m00s.", "stoppedTasksError", "not authorized to ecs:ListTasks");
	ecsctl_wait_report_render(&b, &r);
	assert_string_equal(b.buf,
	                    "shop/web: ECS deployment circuit breaker: tasks failed to start.\n"
	                    "  stopped tasks of deployment ecs-svc/1:\n"
	                    "    3 tasks: Essential container in task exited\n"
	                    "  events:\n"
	                    "    (service web) rolling back to deployment ecs-svc/0.\n"
	                    "shop/api: Not stable after 10m00s.\n"
	                    "  stopped tasks: could not read them: not authorized to "
	                    "ecs:ListTasks\n");
	ecsctl_buf_release(&b);
	ecsctl_wait_report_release(&r);
	assert_null(r.services);
}

int reconcile_wait_why_tests(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_wait_why__groups_equal_causes_largest_first),
	    cmocka_unit_test(test_wait_why__events_leave_routine_out_keep_last_ten),
	    cmocka_unit_test(test_wait_why__render),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
