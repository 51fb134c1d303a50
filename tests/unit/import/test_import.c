#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ecsctl/import.h"
#include "ecsctl/model.h"
#include "banned.h"

static char *yaml_of(json_t *doc)
{
	struct ecsctl_buf b = ECSCTL_BUF_INIT;
	struct ecsctl_error err = ECSCTL_ERROR_INIT;

	assert_int_equal(ecsctl_import_yaml(&b, &doc, 1, &err), 0);
	return ecsctl_buf_detach(&b);
}

static void test_import_yaml__quotes_what_yaml_would_misread(void **state)
{
	json_t *doc = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:b}", "a", "true", "b",
	                        "0123", "c", "null", "d", "1e5", "e", "plain text", "f", "", "g",
	                        "12:30", "n", 7, "t", 1);
	char *y;

	(void)state;
	y = yaml_of(doc);
	assert_non_null(strstr(y, "a: \"true\"\n"));
	assert_non_null(strstr(y, "b: \"0123\"\n"));
	assert_non_null(strstr(y, "c: \"null\"\n"));
	assert_non_null(strstr(y, "d: \"1e5\"\n"));
	assert_non_null(strstr(y, "e: plain text\n"));
	assert_non_null(strstr(y, "f: \"\"\n"));
	assert_non_null(strstr(y, "g: \"12:30\"\n"));
	assert_non_null(strstr(y, "\"n\": 7\n")); /* YAML 1.1 reads n as false */
	assert_non_null(strstr(y, "t: true\n"));
	free(y);
	json_decref(doc);
}

/* What import writes, the loader reads back unchanged: `${` escaped, types kept. */
static void test_import_yaml__round_trips_through_the_loader(void **state)
{
	json_t *doc = json_pack(
	    "{s:s, s:s, s:s, s:s, s:[{s:s, s:s, s:i, s:[{s:s, s:s}, {s:s, s:s}]}]}", "kind",
	    "TaskDefinition", "family", "web", "cpu", "256", "memory", "512",
	    "containerDefinitions", "name", "web", "image", "nginx:1.25", "memory", 128,
	    "environment", "name", "T", "value", "${HOME}/x $${y}", "name", "B", "value", "yes");
	struct ecsctl_model m = {0};
	struct ecsctl_diags d = ECSCTL_DIAGS_INIT;
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	const char *env[] = {"HOME=/root", NULL};
	const struct ecsctl_resource *r;
	json_t *e;
	char *y;

	(void)state;
	y = yaml_of(doc);
	assert_int_equal(ecsctl_model_load_buffer(&m, "web.yaml", y, strlen(y), env, &d, &err), 0);
	r = ecsctl_model_find(&m, ECSCTL_KIND_TASKDEF, "web");
	assert_non_null(r);
	e = json_object_get(json_array_get(json_object_get(r->body, "containerDefinitions"), 0),
	                    "environment");
	assert_string_equal(json_string_value(json_object_get(json_array_get(e, 0), "value")),
	                    "${HOME}/x $${y}");
	assert_string_equal(json_string_value(json_object_get(json_array_get(e, 1), "value")),
	                    "yes");
	assert_string_equal(json_string_value(json_object_get(r->body, "cpu")), "256");
	ecsctl_model_release(&m);
	ecsctl_diags_release(&d);
	ecsctl_error_release(&err);
	free(y);
	json_decref(doc);
}

/* Fails with the whole answer when it is not `want`. */
static void expect_json(const json_t *out, const json_t *want)
{
	if (!json_equal(out, want)) {
		char *s = json_dumps(out, JSON_SORT_KEYS);

		fail_msg("got %s", s);
		free(s);
	}
}

static void test_import_service__daemon_has_no_count(void **state)
{
	json_t *live = json_pack(
	    "{s:s, s:s, s:s, s:s, s:i, s:s, s:s, s:{s:i, s:i}}", "serviceArn",
	    "arn:aws:ecs:us-east-1:1:service/yard/agent", "serviceName", "agent", "clusterArn",
	    "arn:aws:ecs:us-east-1:1:cluster/yard", "taskDefinition",
	    "arn:aws:ecs:us-east-1:1:task-definition/agent:2", "desiredCount", 3, "launchType",
	    "EC2", "schedulingStrategy", "DAEMON", "deploymentConfiguration", "maximumPercent", 100,
	    "minimumHealthyPercent", 0);
	json_t *out = ecsctl_import_service(live, "agent");
	json_t *want = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:[]}", "kind", "Service",
	                         "cluster", "yard", "serviceName", "agent", "taskDefinition",
	                         "agent", "launchType", "EC2", "schedulingStrategy", "DAEMON",
	                         "tags");

	(void)state;
	json_object_del(want, "tags");
	json_object_del(out, "tags");
	expect_json(out, want);
	json_decref(live);
	json_decref(out);
	json_decref(want);
}

static void test_import_service__drops_defaults_and_own_tags(void **state)
{
	json_t *live = json_pack(
	    "{s:s, s:s, s:s, s:s, s:i, s:i, s:s, s:s, s:s, s:{s:s}, s:s, s:b, s:b, s:[], "
	    "s:{s:i, s:i, s:{s:b, s:b}}, s:[{s:s, s:s}, {s:s, s:s}, {s:s, s:s}], s:s}",
	    "serviceArn", "arn:aws:ecs:us-east-1:1:service/shop/web", "serviceName", "web",
	    "clusterArn", "arn:aws:ecs:us-east-1:1:cluster/shop", "taskDefinition",
	    "arn:aws:ecs:us-east-1:1:task-definition/web:3", "desiredCount", 2, "runningCount", 2,
	    "launchType", "FARGATE", "platformVersion", "LATEST", "schedulingStrategy", "REPLICA",
	    "deploymentController", "type", "ECS", "propagateTags", "NONE", "enableECSManagedTags",
	    0, "enableExecuteCommand", 0, "loadBalancers", "deploymentConfiguration",
	    "maximumPercent", 200, "minimumHealthyPercent", 50, "deploymentCircuitBreaker",
	    "enable", 0, "rollback", 0, "tags", "key", "team", "value", "a", "key", "ecsctl:owner",
	    "value", "x", "key", "aws:cloudformation:stack-name", "value", "s", "roleArn",
	    "arn:aws:iam::1:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS");
	json_t *out = ecsctl_import_service(live, "web");
	json_t *want = json_pack("{s:s, s:s, s:s, s:s, s:i, s:s, s:{s:i}, s:[{s:s, s:s}]}", "kind",
	                         "Service", "cluster", "shop", "serviceName", "web",
	                         "taskDefinition", "web", "desiredCount", 2, "launchType",
	                         "FARGATE", "deploymentConfiguration", "minimumHealthyPercent", 50,
	                         "tags", "key", "team", "value", "a");

	(void)state;
	assert_non_null(out);
	expect_json(out, want);
	assert_string_equal(json_string_value(json_object_get(out, "kind")), "Service");
	json_decref(live);
	json_decref(out);
	json_decref(want);
}

static void test_import_taskdef__drops_read_only_and_defaults(void **state)
{
	json_t *live = json_pack(
	    "{s:s, s:s, s:i, s:s, s:s, s:[{s:s, s:s, s:i, s:b, s:[{s:i, s:i, s:s}], s:[]}], s:[], "
	    "s:[s], s:f}",
	    "taskDefinitionArn", "arn:x:task-definition/web:3", "family", "web", "revision", 3,
	    "status", "ACTIVE", "networkMode", "awsvpc", "containerDefinitions", "name", "web",
	    "image", "nginx", "cpu", 0, "essential", 1, "portMappings", "containerPort", 80,
	    "hostPort", 80, "protocol", "tcp", "mountPoints", "volumes", "compatibilities", "EC2",
	    "registeredAt", 1.7e9);
	json_t *out = ecsctl_import_taskdef(live, NULL);
	json_t *want = json_pack("{s:s, s:s, s:s, s:[{s:s, s:s, s:[{s:i}]}]}", "kind",
	                         "TaskDefinition", "family", "web", "networkMode", "awsvpc",
	                         "containerDefinitions", "name", "web", "image", "nginx",
	                         "portMappings", "containerPort", 80);

	(void)state;
	expect_json(out, want);
	json_decref(live);
	json_decref(out);
	json_decref(want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_import_yaml__quotes_what_yaml_would_misread),
	    cmocka_unit_test(test_import_yaml__round_trips_through_the_loader),
	    cmocka_unit_test(test_import_service__drops_defaults_and_own_tags),
	    cmocka_unit_test(test_import_service__daemon_has_no_count),
	    cmocka_unit_test(test_import_taskdef__drops_read_only_and_defaults),
	};

	return cmocka_run_group_tests_name("import", tests, NULL, NULL) ? 1 : 0;
}
