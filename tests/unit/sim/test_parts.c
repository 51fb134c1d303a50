/*
 * Smaller parts of ecs-local without HTTP: the RegisterTaskDefinition
 * defaults, request validation against the model, pagination tokens, and
 * the store's operations called directly.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sim_int.h"
#include "sim_tests.h"
#include "banned.h"

static json_t *parse(const char *text)
{
	json_error_t jerr;
	json_t *v = json_loads(text, 0, &jerr);

	assert_non_null(v);
	return v;
}

static void test_parts__taskdef_defaults_awsvpc(void **state)
{
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	json_t *td = parse("{\"family\":\"f\",\"networkMode\":\"awsvpc\",\"cpu\":\"0.25 vCPU\","
	                   "\"memory\":\"0.5 GB\",\"containerDefinitions\":[{\"name\":\"a\","
	                   "\"image\":\"x\",\"portMappings\":[{\"containerPort\":80}]}]}");
	json_t *c, *pm;

	assert_int_equal(sim_taskdef_fill(td, &err), 0);
	assert_string_equal(sim_str(td, "cpu"), "256");
	assert_string_equal(sim_str(td, "memory"), "512");
	c = json_array_get(json_object_get(td, "containerDefinitions"), 0);
	pm = json_array_get(json_object_get(c, "portMappings"), 0);
	assert_int_equal(sim_int(pm, "hostPort", -1), 80);
	assert_string_equal(sim_str(pm, "protocol"), "tcp");
	assert_true(sim_bool(c, "essential", 0));
	assert_int_equal(sim_int(c, "cpu", -1), 0);
	assert_int_equal(json_array_size(json_object_get(td, "compatibilities")), 2);
	json_decref(td);
}

static void test_parts__taskdef_rejects(void **state)
{
	const char *bad[] = {
	    "{\"family\":\"f\",\"containerDefinitions\":[]}",
	    "{\"family\":\"f\",\"containerDefinitions\":[{\"name\":\"a\",\"image\":\"x\"}]}",
	    "{\"family\":\"f\",\"cpu\":\"lots\",\"containerDefinitions\":[{\"name\":\"a\","
	    "\"image\":\"x\",\"memory\":4}]}",
	    "{\"family\":\"f\",\"containerDefinitions\":[{\"name\":\"a\",\"memory\":4}]}",
	    "{\"family\":\"f\",\"requiresCompatibilities\":[\"FARGATE\"],\"networkMode\":"
	    "\"awsvpc\",\"cpu\":\"256\",\"memory\":\"8GB\",\"containerDefinitions\":[{\"name\":"
	    "\"a\",\"image\":\"x\"}]}",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct ecsctl_error err = ECSCTL_ERROR_INIT;
		json_t *td = parse(bad[i]);
		assert_int_equal(sim_taskdef_fill(td, &err), ECSCTL_EAWS);
		assert_string_equal(err.aws_code, "ClientException");
		assert_int_equal(err.http_status, 400);
		ecsctl_error_release(&err);
		json_decref(td);
	}
}

static void expect_invalid(const char *op, const char *body, const char *type)
{
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	json_t *req = parse(body);

	assert_int_equal(sim_validate(op, req, &err), ECSCTL_EAWS);
	assert_string_equal(err.aws_code, type);
	ecsctl_error_release(&err);
	json_decref(req);
}

static void test_parts__validation(void **state)
{
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	json_t *req;

	req = parse("{\"serviceName\":\"a\",\"desiredCount\":1,\"future\":{\"x\":1},"
	            "\"cluster\":null}");
	assert_int_equal(sim_validate("CreateService", req, &err), 0);
	assert_null(json_object_get(req, "cluster"));
	json_decref(req);
	expect_invalid("CreateService", "{\"desiredCount\":1}", "InvalidParameterException");
	expect_invalid("CreateService", "{\"serviceName\":\"a\",\"desiredCount\":\"1\"}",
	               "SerializationException");
	expect_invalid("CreateService", "{\"serviceName\":\"a\",\"launchType\":\"MOON\"}",
	               "InvalidParameterException");
	expect_invalid("DescribeServices", "{\"services\":[null]}", "SerializationException");
	expect_invalid("DescribeServices", "{\"cluster\":\"c\"}", "InvalidParameterException");
	expect_invalid("ListClusters", "[]", "SerializationException");
	expect_invalid("CreateService",
	               "{\"serviceName\":\"a\",\"capacityProviderStrategy\":[{\"capacityProvider\":"
	               "\"x\",\"weight\":1001}]}",
	               "InvalidParameterException");
}

static void test_parts__tokens(void **state)
{
	const char *keys[] = {"a", "ab", "abc", "svc-001", "ümlaut/x:y"};

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		char *t = sim_token_encode(keys[i]);
		char *back = sim_token_decode(t);
		assert_non_null(back);
		assert_string_equal(back, keys[i]);
		free(t);
		free(back);
	}
	assert_null(sim_token_decode("garbage"));
	assert_null(sim_token_decode("eyJ!!"));
	assert_null(sim_token_decode("eyJ"));
	assert_null(sim_token_decode(NULL));
}

static int call(struct sim_store *s, sim_op_fn fn, const char *body, json_t **resp,
                struct ecsctl_error *err)
{
	json_t *req = parse(body);
	int rc;

	*resp = NULL;
	rc = fn(s, req, resp, err);
	json_decref(req);
	if (rc == 0 && json_is_string(*resp)) {
		/* an answer already serialized: read it back */
		json_t *parsed = parse(json_string_value(*resp));
		json_decref(*resp);
		*resp = parsed;
	}
	return rc;
}

static void test_parts__store_ops_and_persistence(void **state)
{
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	struct sim_store s, back;
	json_t *resp = NULL, *doc;
	unsigned long long seq = 1;

	assert_int_equal(sim_store_init(&s, "eu-west-1", "111122223333", 1, 9, &err), 0);
	s.fixed_now = 1700000000;
	assert_int_equal(call(&s, sim_op_create_cluster, "{\"clusterName\":\"c\"}", &resp, &err),
	                 0);
	assert_string_equal(sim_str(json_object_get(resp, "cluster"), "clusterArn"),
	                    "arn:aws:ecs:eu-west-1:111122223333:cluster/c");
	json_decref(resp);
	assert_int_equal(call(&s, sim_op_register_task_definition,
	                      "{\"family\":\"f\",\"containerDefinitions\":[{\"name\":\"a\","
	                      "\"image\":\"x\",\"memory\":4}]}",
	                      &resp, &err),
	                 0);
	json_decref(resp);
	assert_int_equal(call(&s, sim_op_create_service,
	                      "{\"cluster\":\"c\",\"serviceName\":\"s\",\"taskDefinition\":\"f\","
	                      "\"desiredCount\":2}",
	                      &resp, &err),
	                 0);
	json_decref(resp);
	s.fixed_now += 60;
	assert_int_equal(call(&s, sim_op_describe_services,
	                      "{\"cluster\":\"c\",\"services\":[\"s\",\"t\"]}", &resp, &err),
	                 0);
	assert_int_equal(
	    sim_int(json_array_get(json_object_get(resp, "services"), 0), "runningCount", -1), 2);
	assert_string_equal(sim_str(json_array_get(json_object_get(resp, "failures"), 0), "arn"),
	                    "arn:aws:ecs:eu-west-1:111122223333:service/c/t");
	json_decref(resp);
	assert_int_equal(call(&s, sim_op_delete_cluster, "{\"cluster\":\"c\"}", &resp, &err),
	                 ECSCTL_EAWS);
	assert_string_equal(err.aws_code, "ClusterContainsServicesException");
	ecsctl_error_release(&err);

	/* dump and load give the same answers */
	doc = sim_store_dump(&s, 0);
	assert_int_equal(sim_store_init(&back, "eu-west-1", "111122223333", 1, 9, &err), 0);
	assert_int_equal(sim_store_load(&back, doc, &seq, &err), 0);
	assert_int_equal(seq, 0);
	back.fixed_now = s.fixed_now;
	assert_int_equal(call(&back, sim_op_list_tasks, "{\"cluster\":\"c\",\"serviceName\":\"s\"}",
	                      &resp, &err),
	                 0);
	assert_int_equal(json_array_size(json_object_get(resp, "taskArns")), 2);
	json_decref(resp);
	json_decref(doc);
	sim_store_release(&back);
	sim_store_release(&s);
}

static void test_parts__stopped_tasks_are_forgotten(void **state)
{
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	struct sim_store s;
	json_t *resp = NULL, *cluster;
	char describe[256], stop[256];

	assert_int_equal(sim_store_init(&s, "us-east-1", "123456789012", 1, 5, &err), 0);
	s.fixed_now = 1700000000;
	assert_int_equal(call(&s, sim_op_create_cluster, "{}", &resp, &err), 0);
	json_decref(resp);
	assert_int_equal(call(&s, sim_op_register_task_definition,
	                      "{\"family\":\"f\",\"containerDefinitions\":[{\"name\":\"a\","
	                      "\"image\":\"x\",\"memory\":4}]}",
	                      &resp, &err),
	                 0);
	json_decref(resp);
	assert_int_equal(call(&s, sim_op_run_task, "{\"taskDefinition\":\"f\"}", &resp, &err), 0);
	snprintf(describe, sizeof(describe), "{\"tasks\":[\"%s\"]}",
	         sim_str(json_array_get(json_object_get(resp, "tasks"), 0), "taskArn"));
	snprintf(stop, sizeof(stop), "{\"task\":\"%s\"}",
	         sim_str(json_array_get(json_object_get(resp, "tasks"), 0), "taskArn"));
	json_decref(resp);

	s.fixed_now += SIM_PROVISIONING_S + SIM_PENDING_S;
	sim_store_tick(&s);
	assert_int_equal(call(&s, sim_op_describe_tasks, describe, &resp, &err), 0);
	assert_string_equal(
	    sim_str(json_array_get(json_object_get(resp, "tasks"), 0), "lastStatus"), "RUNNING");
	json_decref(resp);
	assert_int_equal(call(&s, sim_op_stop_task, stop, &resp, &err), 0);
	json_decref(resp);
	s.fixed_now += SIM_STOPPING_S;
	sim_store_tick(&s);
	assert_int_equal(call(&s, sim_op_describe_tasks, describe, &resp, &err), 0);
	assert_string_equal(
	    sim_str(json_array_get(json_object_get(resp, "tasks"), 0), "lastStatus"), "STOPPED");
	json_decref(resp);

	s.fixed_now += SIM_TASK_RETAIN_S + 1;
	sim_store_tick(&s);
	cluster = json_object_get(s.clusters, "default");
	assert_int_equal(json_object_size(json_object_get(cluster, "_standalone")), 0);
	assert_int_equal(json_object_size(json_object_get(cluster, "_index")), 0);
	assert_int_equal(call(&s, sim_op_describe_tasks, describe, &resp, &err), 0);
	assert_string_equal(sim_str(json_array_get(json_object_get(resp, "failures"), 0), "reason"),
	                    "MISSING");
	json_decref(resp);
	sim_store_release(&s);
}

int sim_tests_parts(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parts__taskdef_defaults_awsvpc),
	    cmocka_unit_test(test_parts__taskdef_rejects),
	    cmocka_unit_test(test_parts__validation),
	    cmocka_unit_test(test_parts__tokens),
	    cmocka_unit_test(test_parts__store_ops_and_persistence),
	    cmocka_unit_test(test_parts__stopped_tasks_are_forgotten),
	};
	return cmocka_run_group_tests_name("parts", tests, NULL, NULL);
}
