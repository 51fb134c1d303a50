/*
 * The cluster query language (sim/query.c): what parses, what each operator
 * means for one candidate, precedence, and the errors of bad expressions.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "sim_ec2.h"
#include "sim_tests.h"
#include "banned.h"

/* A candidate: subject -> list of values, as JSON. */
static json_t *lookup(void *arg, const char *subject)
{
	json_t *v = json_object_get(arg, subject);

	return v ? json_incref(v) : json_array();
}

static const char *candidate = "{\"attribute:ecs.instance-type\":[\"t3.large\"],"
                               "\"attribute:ecs.availability-zone\":[\"us-east-1b\"],"
                               "\"attribute:gpu\":[\"\"],"
                               "\"runningTasksCount\":[\"10\"],"
                               "\"agentVersion\":[\"1.9.0\"],"
                               "\"ec2InstanceId\":[\"i-1\"],"
                               "\"task:group\":[\"service:web\",\"family:batch\"]}";

static int eval(const char *expr)
{
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	struct sim_query *q = NULL;
	json_t *c = json_loads(candidate, 0, NULL);
	int rc;

	assert_non_null(c);
	if (sim_query_parse(&q, expr, &err) != 0)
		fail_msg("'%s' did not parse: %s", expr, err.message);
	rc = sim_query_eval(q, lookup, c);
	sim_query_free(q);
	json_decref(c);
	return rc;
}

static void test_query__comparisons(void **state)
{
	(void)state;
	assert_true(eval("attribute:ecs.instance-type == t3.large"));
	assert_false(eval("attribute:ecs.instance-type == t3.small"));
	assert_true(eval("attribute:ecs.instance-type equals t3.large"));
	assert_true(eval("attribute:ecs.instance-type != t3.small"));
	assert_true(eval("attribute:ecs.availability-zone in [us-east-1a, us-east-1b]"));
	assert_true(eval("attribute:ecs.availability-zone in (us-east-1b)"));
	assert_false(eval("attribute:ecs.availability-zone not_in [us-east-1b]"));
	assert_true(eval("attribute:ecs.availability-zone !in [us-east-1a]"));
	assert_true(eval("runningTasksCount > 0"));
	assert_true(eval("runningTasksCount > 9")); /* numbers, not strings */
	assert_false(eval("runningTasksCount <= 9"));
	assert_true(eval("runningTasksCount >= 10"));
	assert_false(eval("agentVersion >= 1.14.5")); /* versions part by part */
	assert_true(eval("agentVersion < 1.14.5"));
	assert_true(eval("attribute:ecs.instance-type =~ t3.*"));
	assert_false(eval("attribute:ecs.instance-type =~ 3.*")); /* anchored */
	assert_true(eval("attribute:ecs.instance-type !~ m5.*"));
	assert_true(eval("attribute:gpu exists"));
	assert_false(eval("attribute:fpga exists"));
	assert_true(eval("attribute:fpga !exists"));
	assert_true(eval("attribute:fpga not_exists"));
	assert_true(eval("attribute:fpga != x")); /* absent differs from anything */
	assert_true(eval("ec2InstanceId in ['i-1', \"i-2\"]"));
	/* several values: one satisfies ==, none may satisfy != */
	assert_true(eval("task:group == service:web"));
	assert_false(eval("task:group != service:web"));
}

static void test_query__logic_and_precedence(void **state)
{
	(void)state;
	assert_true(eval("attribute:ecs.instance-type == t3.large and runningTasksCount > 0"));
	assert_false(eval("attribute:ecs.instance-type == t3.large && runningTasksCount > 99"));
	assert_true(eval("attribute:ecs.instance-type == m5 or runningTasksCount > 0"));
	assert_true(eval("attribute:ecs.instance-type == m5 || ec2InstanceId == i-1"));
	assert_true(eval("not attribute:ecs.instance-type == m5"));
	assert_true(eval("!(attribute:ecs.instance-type == m5)"));
	assert_false(eval("NOT (attribute:ecs.instance-type == t3.large)"));
	/* and binds tighter than or */
	assert_true(eval("ec2InstanceId == i-1 or ec2InstanceId == x and ec2InstanceId == y"));
	assert_false(eval("(ec2InstanceId == i-1 or ec2InstanceId == x) and ec2InstanceId == y"));
	/* a subject that starts like a keyword is a subject */
	assert_false(eval("notattr == x"));
}

static void test_query__errors(void **state)
{
	const char *bad[] = {
	    "",
	    "attribute:x ==",
	    "attribute:x in [a",
	    "attribute:x in [a,]",
	    "(attribute:x == a",
	    "attribute:x == a b",
	    "attribute:x ?? a",
	    "attribute:x == 'open",
	    "attribute:x =~ '('",
	    "attribute:x == a and",
	    "((((((((((((((((((((((((((((((((((((((((attribute:x == a",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct ecsctl_error err = ECSCTL_ERROR_INIT;
		struct sim_query *q = NULL;
		if (sim_query_parse(&q, bad[i], &err) == 0)
			fail_msg("'%s' parsed", bad[i]);
		assert_null(q);
		assert_string_equal(err.aws_code, "InvalidParameterException");
		assert_non_null(strstr(err.message, "Invalid query expression at character"));
		ecsctl_error_release(&err);
	}
}

int sim_tests_query(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_query__comparisons),
	    cmocka_unit_test(test_query__logic_and_precedence),
	    cmocka_unit_test(test_query__errors),
	};

	return cmocka_run_group_tests_name("query", tests, NULL, NULL);
}
