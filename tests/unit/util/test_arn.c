/* ecsctl/arn.h: the one reader of task definition, service and cluster ARNs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ecsctl/arn.h"
#include "util_tests.h"

#define TD_ARN "arn:aws:ecs:eu-west-1:123456789012:task-definition/web:3"

static void test_util_arn__resource_by_type(void **state)
{
	(void)state;
	assert_string_equal(ecsctl_arn_resource(TD_ARN, "task-definition"), "web:3");
	assert_string_equal(
	    ecsctl_arn_resource("arn:aws:ecs:us-east-1:1:service/prod/web", "service"), "prod/web");
	assert_string_equal(
	    ecsctl_arn_resource("arn:aws-cn:ecs:cn-north-1:1:cluster/prod", "cluster"), "prod");
	assert_string_equal(
	    ecsctl_arn_resource("arn:aws-us-gov:ecs:us-gov-west-1:1:cluster/a", "cluster"), "a");
	/* another type, no "arn:" first, a type that is only a prefix, NULL */
	assert_null(ecsctl_arn_resource(TD_ARN, "service"));
	assert_null(ecsctl_arn_resource("task-definition/web:3", "task-definition"));
	assert_null(ecsctl_arn_resource("ARN:aws:ecs:r:a:cluster/x", "cluster"));
	assert_null(ecsctl_arn_resource("arn:aws:ecs:r:a:clusters/x", "cluster"));
	assert_null(ecsctl_arn_resource("arn:aws:ecs:r:a:cluster", "cluster"));
	assert_null(ecsctl_arn_resource(NULL, "cluster"));
	assert_null(ecsctl_arn_resource("arn:aws:ecs:r:a:cluster/x", ""));
	/* the type follows a ':': a family that ends in the type's name is no match */
	assert_null(ecsctl_arn_resource("arn:aws:ecs:r:a:xcluster/x", "cluster"));
	/* empty rest is still that resource */
	assert_string_equal(ecsctl_arn_resource("arn:aws:ecs:r:a:cluster/", "cluster"), "");
}

static void test_util_arn__taskdef_and_family(void **state)
{
	char *fam;

	(void)state;
	assert_string_equal(ecsctl_arn_taskdef(TD_ARN), "web:3");
	assert_string_equal(ecsctl_arn_taskdef("web:3"), "web:3");
	assert_string_equal(ecsctl_arn_taskdef("web"), "web");
	assert_string_equal(ecsctl_arn_taskdef(NULL), "");
	/* an ARN of something else is returned whole */
	assert_string_equal(ecsctl_arn_taskdef("arn:aws:iam::1:role/x"), "arn:aws:iam::1:role/x");
	assert_int_equal(ecsctl_arn_family_len(TD_ARN), 3);
	assert_int_equal(ecsctl_arn_family_len("my_app-2:17"), 8);
	assert_int_equal(ecsctl_arn_family_len("web"), 3);
	assert_int_equal(ecsctl_arn_family_len(NULL), 0);
	fam = ecsctl_arn_family(TD_ARN);
	assert_string_equal(fam, "web");
	free(fam);
	fam = ecsctl_arn_family("arn:aws:ecs:r:a:task-definition/api");
	assert_string_equal(fam, "api");
	free(fam);
	fam = ecsctl_arn_family("");
	assert_string_equal(fam, "");
	free(fam);
}

static void test_util_arn__cluster_name(void **state)
{
	(void)state;
	assert_string_equal(ecsctl_arn_cluster("arn:aws:ecs:r:a:cluster/prod"), "prod");
	assert_string_equal(ecsctl_arn_cluster("prod"), "prod");
	assert_string_equal(ecsctl_arn_cluster("arn:aws:ecs:r:a:service/prod/web"),
	                    "arn:aws:ecs:r:a:service/prod/web");
}

int util_arn_tests(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_util_arn__resource_by_type),
	    cmocka_unit_test(test_util_arn__taskdef_and_family),
	    cmocka_unit_test(test_util_arn__cluster_name),
	};
	return cmocka_run_group_tests_name("util_arn", tests, NULL, NULL);
}
