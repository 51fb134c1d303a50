/* The pure parts of one-off tasks: the RunTask request, defaults from the
 * desired state, and the exit status of stopped tasks. */
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ecsctl/ops.h"
#include "banned.h"

static json_t *j(const char *text)
{
	json_error_t e;
	json_t *v = json_loads(text, 0, &e);

	assert_non_null(v);
	return v;
}

static const char *TD = "{\"family\": \"migrate\", \"containerDefinitions\": ["
                        "{\"name\": \"log\", \"essential\": false},"
                        "{\"name\": \"migrate\"}]}";

static void test_ops_run_request__overrides_go_to_the_first_essential(void **state)
{
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	struct ecsctl_ops_run o = {0};
	const char *env[] = {"A=1", "B=x=y"};
	json_t *td = j(TD), *cmd = j("[\"sh\", \"-c\", \"exit 3\"]"), *req = NULL;
	json_t *want = j(
	    "{\"taskDefinition\": \"migrate\", \"count\": 1, \"startedBy\": \"ecsctl\","
	    " \"cluster\": \"shop\", \"launchType\": \"FARGATE\", \"overrides\":"
	    " {\"containerOverrides\": [{\"name\": \"migrate\", \"command\":"
	    " [\"sh\", \"-c\", \"exit 3\"], \"environment\": [{\"name\": \"A\","
	    " \"value\": \"1\"}, {\"name\": \"B\", \"value\": \"x=y\"}]}]}}");

	(void)state;
	o.cluster = "shop";
	o.task_definition = "migrate";
	o.launch_type = "FARGATE";
	o.command = cmd;
	o.env = env;
	o.nenv = 2;
	assert_int_equal(ecsctl_ops_run_request(&req, &o, td, &err), 0);
	assert_true(json_equal(req, want));
	json_decref(req);
	json_decref(want);

	/* a container the task definition lacks is refused before any call */
	o.container = "nope";
	assert_int_equal(ecsctl_ops_run_request(&req, &o, td, &err), ECSCTL_EINVAL);
	assert_string_equal(err.message, "task definition 'migrate' has no container 'nope'");
	assert_null(req);
	ecsctl_error_release(&err);

	o.container = NULL;
	o.capacity_provider = "FARGATE_SPOT";
	assert_int_equal(ecsctl_ops_run_request(&req, &o, td, &err), ECSCTL_EINVAL);
	ecsctl_error_release(&err);
	o.launch_type = NULL;
	o.count = 11;
	assert_int_equal(ecsctl_ops_run_request(&req, &o, td, &err), ECSCTL_EINVAL);
	ecsctl_error_release(&err);
	json_decref(td);
	json_decref(cmd);
}

static void test_ops_exit_code__essential_first_nonzero_and_125(void **state)
{
	json_t *td = j(TD);
	json_t *ok = j("[{\"startedAt\": 1, \"containers\": [{\"name\": \"log\", \"exitCode\": 9},"
	               " {\"name\": \"migrate\", \"exitCode\": 0}]}]");
	json_t *bad = j("[{\"startedAt\": 1, \"containers\": [{\"name\": \"migrate\", \"exitCode\":"
	                " 0}]}, {\"startedAt\": 1, \"containers\": [{\"name\": \"migrate\","
	                " \"exitCode\": 3}]}]");
	json_t *never = j("[{\"containers\": [{\"name\": \"migrate\", \"reason\": \"pull\"}]}]");
	json_t *fail = j("[{\"reason\": \"RESOURCE:MEMORY\"}]");
	json_t *none = j("[]");

	(void)state;
	/* the sidecar's 9 does not count */
	assert_int_equal(ecsctl_ops_exit_code(ok, NULL, td), 0);
	assert_int_equal(ecsctl_ops_exit_code(ok, NULL, NULL), 9);
	assert_int_equal(ecsctl_ops_exit_code(bad, NULL, td), 3);
	assert_int_equal(ecsctl_ops_exit_code(never, NULL, td), ECSCTL_OPS_EXIT_NOT_STARTED);
	assert_int_equal(ecsctl_ops_exit_code(ok, fail, td), ECSCTL_OPS_EXIT_NOT_STARTED);
	assert_int_equal(ecsctl_ops_exit_code(none, NULL, td), ECSCTL_OPS_EXIT_NOT_STARTED);
	json_decref(td);
	json_decref(ok);
	json_decref(bad);
	json_decref(never);
	json_decref(fail);
	json_decref(none);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ops_run_request__overrides_go_to_the_first_essential),
	    cmocka_unit_test(test_ops_exit_code__essential_first_nonzero_and_125),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
