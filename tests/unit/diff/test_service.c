/* Service comparison: changes, the one UpdateService, replace, tags. */
#include "diff_test.h"

/* DescribeServices (include TAGS) for a Fargate service, as real ECS answers. */
static json_t *live_web(void)
{
	return J(
	    "{'serviceArn': 'arn:aws:ecs:us-east-1:123456789012:service/prod/web',"
	    " 'serviceName': 'web', 'clusterArn': "
	    "'arn:aws:ecs:us-east-1:123456789012:cluster/prod',"
	    " 'loadBalancers': [], 'serviceRegistries': [], 'status': 'ACTIVE',"
	    " 'desiredCount': 2, 'runningCount': 2, 'pendingCount': 0, 'launchType': 'FARGATE',"
	    " 'platformVersion': 'LATEST', 'platformFamily': 'Linux',"
	    " 'taskDefinition': 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:7',"
	    " 'deploymentConfiguration': {'deploymentCircuitBreaker': {'enable': false, 'rollback':"
	    "   false}, 'maximumPercent': 200, 'minimumHealthyPercent': 100,"
	    "   'alarms': {'alarmNames': [], 'enable': false, 'rollback': false}},"
	    " 'deployments': [{'id': 'ecs-svc/8571', 'status': 'PRIMARY', 'taskDefinition':"
	    "   'arn:aws:ecs:us-east-1:123456789012:task-definition/web:7', 'desiredCount': 2,"
	    "   'pendingCount': 0, 'runningCount': 2, 'failedTasks': 0, 'createdAt': 1732600000.5,"
	    "   'updatedAt': 1732600300.1, 'launchType': 'FARGATE', 'platformVersion': '1.4.0',"
	    "   'platformFamily': 'Linux', 'networkConfiguration': {'awsvpcConfiguration':"
	    "   {'subnets': ['subnet-0b2', 'subnet-0a1'], 'securityGroups': ['sg-01'],"
	    "   'assignPublicIp': 'DISABLED'}}, 'rolloutState': 'COMPLETED', 'rolloutStateReason':"
	    "   'ECS deployment ecs-svc/8571 completed.'}],"
	    " 'roleArn': 'arn:aws:iam::123456789012:role/aws-service-role/ecs.amazonaws.com/"
	    "AWSServiceRoleForECS',"
	    " 'events': [{'id': 'e1', 'createdAt': 1732600300.2, 'message': '(service web) has "
	    "reached a steady state.'}],"
	    " 'createdAt': 1732600000.5, 'placementConstraints': [], 'placementStrategy': [],"
	    " 'networkConfiguration': {'awsvpcConfiguration': {'subnets': ['subnet-0b2', "
	    "'subnet-0a1'], 'securityGroups': ['sg-01'], 'assignPublicIp': 'DISABLED'}},"
	    " 'healthCheckGracePeriodSeconds': 0, 'schedulingStrategy': 'REPLICA',"
	    " 'deploymentController': {'type': 'ECS'}, 'createdBy': "
	    "'arn:aws:iam::123456789012:role/ci', 'enableECSManagedTags': false, 'propagateTags': "
	    "'NONE', 'enableExecuteCommand': false, 'availabilityZoneRebalancing': 'ENABLED',"
	    " 'tags': [{'key': 'ecsctl:owner', 'value': 'shop'}, {'key': "
	    "'aws:cloudformation:stack-name', 'value': 'net'}]}");
}

/* The CreateService payload that created it. */
static json_t *desired_web(void)
{
	return J("{'serviceName': 'web', 'cluster': 'prod', 'taskDefinition': "
	         "'arn:aws:ecs:us-east-1:123456789012:task-definition/web:7', 'desiredCount': 2, "
	         "'launchType': 'FARGATE', 'networkConfiguration': {'awsvpcConfiguration': "
	         "{'subnets': ['subnet-0a1', 'subnet-0b2'], 'securityGroups': ['sg-01']}}, "
	         "'tags': [{'key': 'ecsctl:owner', 'value': 'shop'}]}");
}

static void run(struct ecsctl_diff_service *d, json_t *want, json_t *have,
                const struct ecsctl_diff_service_options *o)
{
	struct ecsctl_error err = ECSCTL_ERROR_INIT;

	ecsctl_diff_service_init(d);
	assert_int_equal(ecsctl_diff_service(d, want, have, o, &err), 0);
	json_decref(want);
	json_decref(have);
}

static void test_diff_service__created_payload_equals_live(void **state)
{
	struct ecsctl_diff_service d;

	run(&d, desired_web(), live_web(), NULL);
	assert_int_equal(d.changes.count, 0);
	assert_null(d.update);
	assert_null(d.replace);
	assert_null(d.tags_add);
	assert_null(d.tags_remove);
	ecsctl_diff_service_release(&d);
}

static void test_diff_service__one_update_carries_every_change(void **state)
{
	struct ecsctl_diff_service d;
	json_t *want = desired_web();

	json_object_set_new(want, "desiredCount", json_integer(3));
	json_object_set_new(
	    want, "taskDefinition",
	    json_string("arn:aws:ecs:us-east-1:123456789012:task-definition/web:8"));
	json_object_set_new(want, "deploymentConfiguration",
	                    J("{'deploymentCircuitBreaker': {'enable': true, 'rollback': true}}"));
	json_object_set_new(want, "enableExecuteCommand", json_true());
	run(&d, want, live_web(), NULL);
	/* The live configuration is all defaults, so it reads as added whole. */
	assert_int_equal(d.changes.count, 4);
	assert_non_null(ecsctl_diff_changes_find(&d.changes, "desiredCount"));
	assert_non_null(ecsctl_diff_changes_find(&d.changes, "enableExecuteCommand"));
	assert_non_null(ecsctl_diff_changes_find(&d.changes, "deploymentConfiguration"));
	assert_string_equal(
	    json_string_value(ecsctl_diff_changes_find(&d.changes, "taskDefinition")->after),
	    "web:8");
	assert_json(d.update,
	            "{'service': 'web', 'cluster': 'prod', 'desiredCount': 3, 'taskDefinition': "
	            "'arn:aws:ecs:us-east-1:123456789012:task-definition/web:8', "
	            "'deploymentConfiguration': {'deploymentCircuitBreaker': {'enable': true, "
	            "'rollback': true}}, 'enableExecuteCommand': true}");
	assert_null(d.replace);
	ecsctl_diff_service_release(&d);
}

static void test_diff_service__immutable_change_is_replace(void **state)
{
	struct ecsctl_diff_service d;
	json_t *want = desired_web();

	json_object_set_new(want, "launchType", json_string("EC2"));
	json_object_set_new(want, "schedulingStrategy", json_string("DAEMON"));
	json_object_del(want, "desiredCount");
	run(&d, want, live_web(), NULL);
	assert_json(d.replace, "['launchType', 'schedulingStrategy']");
	/* Defaults follow the strategy on each side, so only the two show. */
	assert_int_equal(d.changes.count, 2);
	assert_non_null(ecsctl_diff_changes_find(&d.changes, "launchType"));
	ecsctl_diff_service_release(&d);
}

static void test_diff_service__tags(void **state)
{
	struct ecsctl_diff_service d;
	json_t *want = desired_web(), *have = live_web();

	json_object_set_new(want, "tags",
	                    J("[{'key': 'ecsctl:owner', 'value': 'shop'}, {'key': "
	                      "'ecsctl:revision', 'value': 'abc123'}, {'key': 'team', 'value': "
	                      "'web'}]"));
	json_object_set_new(have, "tags",
	                    J("[{'key': 'ecsctl:owner', 'value': 'shop'}, {'key': "
	                      "'ecsctl:revision', 'value': 'old'}, {'key': 'stale', 'value': "
	                      "'x'}, {'key': 'aws:ecs:serviceName', 'value': 'web'}]"));
	run(&d, want, have, NULL);
	assert_json(d.tags_add, "[{'key': 'ecsctl:revision', 'value': 'abc123'}, {'key': "
	                        "'team', 'value': 'web'}]");
	assert_json(d.tags_remove, "['stale']");
	assert_int_equal(d.changes.count, 3);
	assert_string_equal(d.changes.items[0].path, "tags[ecsctl:revision]");
	assert_string_equal(d.changes.items[1].path, "tags[stale]");
	assert_string_equal(d.changes.items[2].path, "tags[team]");
	assert_null(d.update);
	ecsctl_diff_service_release(&d);
}

static void test_diff_service__desired_count_absent_or_ignored(void **state)
{
	struct ecsctl_diff_service d;
	json_t *want = desired_web(), *have = live_web();
	char *fields[] = {"desiredCount", "tags[team]"};
	struct ecsctl_ignore_rule rule = {"Service", "prod/*", fields, 2};
	struct ecsctl_diff_service_options o = {"prod/web", &rule, 1};

	/* Absent: autoscaling owns it. */
	json_object_del(want, "desiredCount");
	json_object_set_new(have, "desiredCount", json_integer(7));
	run(&d, want, have, NULL);
	assert_int_equal(d.changes.count, 0);
	assert_null(d.update);
	ecsctl_diff_service_release(&d);

	/* Ignored: neither a change nor in the request, other changes still are. */
	want = desired_web();
	json_object_set_new(want, "desiredCount", json_integer(5));
	json_object_set_new(want, "propagateTags", json_string("SERVICE"));
	json_object_set_new(want, "tags",
	                    J("[{'key': 'ecsctl:owner', 'value': 'shop'}, {'key': "
	                      "'team', 'value': 'web'}]"));
	run(&d, want, live_web(), &o);
	assert_int_equal(d.changes.count, 1);
	assert_json(d.update, "{'service': 'web', 'cluster': 'prod', 'propagateTags': 'SERVICE'}");
	assert_null(d.tags_add);
	ecsctl_diff_service_release(&d);
}

static void test_diff_service__ignored_sub_member_keeps_live_value(void **state)
{
	struct ecsctl_diff_service d;
	json_t *want = desired_web(), *have = live_web();
	char *fields[] = {"deploymentConfiguration.maximumPercent"};
	struct ecsctl_ignore_rule rule = {"*", "*", fields, 1};
	struct ecsctl_diff_service_options o = {"prod/web", &rule, 1};

	json_object_set_new(json_object_get(have, "deploymentConfiguration"), "maximumPercent",
	                    json_integer(150));
	json_object_set_new(want, "deploymentConfiguration",
	                    J("{'minimumHealthyPercent': 50, 'maximumPercent': 300}"));
	run(&d, want, have, &o);
	assert_int_equal(d.changes.count, 1);
	assert_string_equal(d.changes.items[0].path,
	                    "deploymentConfiguration.minimumHealthyPercent");
	assert_json(json_object_get(d.update, "deploymentConfiguration"),
	            "{'minimumHealthyPercent': 50, 'maximumPercent': 150}");
	ecsctl_diff_service_release(&d);
}

static void test_diff_service__removed_members_are_reset(void **state)
{
	struct ecsctl_diff_service d;
	json_t *have = live_web();

	json_object_set_new(have, "placementConstraints",
	                    J("[{'type': 'memberOf', 'expression': 'attribute:x == y'}]"));
	json_object_set_new(have, "enableExecuteCommand", json_true());
	run(&d, desired_web(), have, NULL);
	assert_int_equal(d.changes.count, 2);
	assert_json(d.update, "{'service': 'web', 'cluster': 'prod', 'placementConstraints': [], "
	                      "'enableExecuteCommand': false}");
	ecsctl_diff_service_release(&d);
}

/* A canary with a hook, alarms and an alternate target group as git says
 * it, against the same as ECS answers it (percentages as doubles): no
 * change. Dropping the configuration from git puts ROLLING back. */
static void test_diff_service__rollout_configuration_round_trips(void **state)
{
	struct ecsctl_diff_service d;
	json_t *want = desired_web(), *have = live_web();
	const char *lb = "[{'targetGroupArn': 'arn:aws:elasticloadbalancing:us-east-1:123456789012:"
	                 "targetgroup/blue/1', 'containerName': 'web', 'containerPort': 80, "
	                 "'advancedConfiguration': {'alternateTargetGroupArn': 'arn:aws:"
	                 "elasticloadbalancing:us-east-1:123456789012:targetgroup/green/2', "
	                 "'productionListenerRule': 'arn:rule/prod', 'testListenerRule': "
	                 "'arn:rule/test', 'roleArn': 'arn:aws:iam::123456789012:role/ecs-lb'}}]";

	json_object_set_new(want, "deploymentConfiguration",
	                    J("{'strategy': 'CANARY', 'bakeTimeInMinutes': 15, "
	                      "'canaryConfiguration': {'canaryPercent': 10, "
	                      "'canaryBakeTimeInMinutes': 5}, 'lifecycleHooks': [{'targetType': "
	                      "'PAUSE', 'lifecycleStages': ['POST_TEST_TRAFFIC_SHIFT']}], "
	                      "'alarms': {'alarmNames': ['api-5xx'], 'enable': true, "
	                      "'rollback': true}}"));
	json_object_set_new(want, "loadBalancers", J(lb));
	json_object_set_new(have, "deploymentConfiguration",
	                    J("{'deploymentCircuitBreaker': {'enable': false, 'rollback': false}, "
	                      "'maximumPercent': 200, 'minimumHealthyPercent': 100, "
	                      "'strategy': 'CANARY', 'bakeTimeInMinutes': 15, "
	                      "'canaryConfiguration': {'canaryPercent': 10.0, "
	                      "'canaryBakeTimeInMinutes': 5}, 'lifecycleHooks': [{'targetType': "
	                      "'PAUSE', 'lifecycleStages': ['POST_TEST_TRAFFIC_SHIFT']}], "
	                      "'alarms': {'alarmNames': ['api-5xx'], 'enable': true, "
	                      "'rollback': true}}"));
	json_object_set_new(have, "loadBalancers", J(lb));
	run(&d, json_deep_copy(want), json_deep_copy(have), NULL);
	assert_int_equal(d.changes.count, 0);
	ecsctl_diff_service_release(&d);

	json_object_del(want, "deploymentConfiguration");
	run(&d, want, have, NULL);
	assert_json(json_object_get(d.update, "deploymentConfiguration"),
	            "{'maximumPercent': 200, 'minimumHealthyPercent': 100, "
	            "'deploymentCircuitBreaker': {'enable': false, 'rollback': false}, "
	            "'strategy': 'ROLLING'}");
	ecsctl_diff_service_release(&d);
}

static void test_diff_service__role_name_equals_arn(void **state)
{
	struct ecsctl_diff_service d;
	json_t *want = desired_web(), *have = live_web();

	json_object_set_new(want, "role", json_string("ecsServiceRole"));
	json_object_set_new(have, "roleArn",
	                    json_string("arn:aws:iam::123456789012:role/ecsServiceRole"));
	run(&d, want, have, NULL);
	assert_int_equal(d.changes.count, 0);
	ecsctl_diff_service_release(&d);

	want = desired_web();
	json_object_set_new(want, "role", json_string("otherRole"));
	run(&d, want, live_web(), NULL);
	assert_json(d.replace, "['role']");
	ecsctl_diff_service_release(&d);
}

/* The model's examples-1.json: CreateService input and DescribeServices
 * output, taskDefinition resolved by the caller to family:revision. */
static void test_diff_service__model_example(void **state)
{
	struct ecsctl_diff_service d;

	run(&d,
	    J("{'desiredCount': 1, 'serviceName': 'ecs-simple-service', 'taskDefinition': "
	      "'hello_world:6'}"),
	    J("{'clusterArn': 'arn:aws:ecs:us-east-1:012345678910:cluster/default', 'createdAt': "
	      "'2016-08-29T16:25:52.130Z', 'deploymentConfiguration': {'maximumPercent': 200, "
	      "'minimumHealthyPercent': 100}, 'deployments': [{'createdAt': "
	      "'2016-08-29T16:25:52.130Z', 'desiredCount': 1, 'id': "
	      "'ecs-svc/9223370564341623665', 'pendingCount': 0, 'runningCount': 0, 'status': "
	      "'PRIMARY', 'taskDefinition': "
	      "'arn:aws:ecs:us-east-1:012345678910:task-definition/hello_world:6', 'updatedAt': "
	      "'2016-08-29T16:25:52.130Z'}], 'desiredCount': 1, 'events': [], 'loadBalancers': [], "
	      "'pendingCount': 0, 'runningCount': 0, 'serviceArn': "
	      "'arn:aws:ecs:us-east-1:012345678910:service/ecs-simple-service', 'serviceName': "
	      "'ecs-simple-service', 'status': 'ACTIVE', 'taskDefinition': "
	      "'arn:aws:ecs:us-east-1:012345678910:task-definition/hello_world:6'}"),
	    NULL);
	assert_int_equal(d.changes.count, 0);
	ecsctl_diff_service_release(&d);
}

static void test_diff_service__members_from_primary_deployment(void **state)
{
	struct ecsctl_diff_service d;
	json_t *want = desired_web(), *have = live_web();
	json_t *dep = json_array_get(json_object_get(have, "deployments"), 0);
	const char *sc = "{'enabled': true, 'namespace': 'shop', 'services': [{'portName': "
	                 "'http', 'clientAliases': [{'port': 80}]}]}";

	json_object_set_new(want, "serviceConnectConfiguration", J(sc));
	json_object_set_new(dep, "serviceConnectConfiguration", J(sc));
	run(&d, want, have, NULL);
	assert_int_equal(d.changes.count, 0);
	ecsctl_diff_service_release(&d);
}

static void test_diff_service__launch_type_to_capacity_providers(void **state)
{
	struct ecsctl_diff_service d;
	json_t *want = desired_web();

	json_object_del(want, "launchType");
	json_object_set_new(want, "capacityProviderStrategy",
	                    J("[{'capacityProvider': 'FARGATE_SPOT', 'weight': 1}]"));
	run(&d, want, live_web(), NULL);
	assert_null(d.replace);
	assert_json(d.update, "{'service': 'web', 'cluster': 'prod', 'capacityProviderStrategy': "
	                      "[{'capacityProvider': 'FARGATE_SPOT', 'weight': 1}], "
	                      "'forceNewDeployment': true}");
	ecsctl_diff_service_release(&d);
}

static void test_diff_service__daemon_defaults(void **state)
{
	struct ecsctl_diff_service d;

	run(&d,
	    J("{'serviceName': 'agent', 'cluster': 'prod', 'taskDefinition': 'agent:4', "
	      "'launchType': 'EC2', 'schedulingStrategy': 'DAEMON'}"),
	    J("{'serviceName': 'agent', 'status': 'ACTIVE', 'taskDefinition': "
	      "'arn:aws:ecs:us-east-1:123456789012:task-definition/agent:4', 'launchType': 'EC2', "
	      "'schedulingStrategy': 'DAEMON', 'desiredCount': 3, 'deploymentConfiguration': "
	      "{'maximumPercent': 100, 'minimumHealthyPercent': 0, 'deploymentCircuitBreaker': "
	      "{'enable': false, 'rollback': false}}, 'placementStrategy': [], "
	      "'deploymentController': {'type': 'ECS'}}"),
	    NULL);
	assert_int_equal(d.changes.count, 0);
	ecsctl_diff_service_release(&d);
	/* a count written in git means nothing for DAEMON: no change, no update */
	run(&d,
	    J("{'serviceName': 'agent', 'cluster': 'prod', 'taskDefinition': 'agent:4', "
	      "'launchType': 'EC2', 'schedulingStrategy': 'DAEMON', 'desiredCount': 1}"),
	    J("{'serviceName': 'agent', 'status': 'ACTIVE', 'taskDefinition': "
	      "'arn:aws:ecs:us-east-1:123456789012:task-definition/agent:4', 'launchType': 'EC2', "
	      "'schedulingStrategy': 'DAEMON', 'desiredCount': 3}"),
	    NULL);
	assert_int_equal(d.changes.count, 0);
	assert_null(d.update);
	ecsctl_diff_service_release(&d);
}

static void test_diff_service__bad_input(void **state)
{
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	struct ecsctl_diff_service d;
	json_t *want = J("{'desiredCount': 1}"), *have = live_web(), *w2 = desired_web();

	ecsctl_diff_service_init(&d);
	assert_int_equal(ecsctl_diff_service(&d, want, have, NULL, &err), ECSCTL_EINVAL);
	ecsctl_error_release(&err);
	json_object_set_new(have, "tags", json_string("nope"));
	assert_int_equal(ecsctl_diff_service(&d, w2, have, NULL, &err), ECSCTL_EINVAL);
	ecsctl_error_release(&err);
	ecsctl_diff_service_release(&d);
	json_decref(want);
	json_decref(w2);
	json_decref(have);
}

const struct CMUnitTest service_tests[] = {
    cmocka_unit_test(test_diff_service__created_payload_equals_live),
    cmocka_unit_test(test_diff_service__one_update_carries_every_change),
    cmocka_unit_test(test_diff_service__immutable_change_is_replace),
    cmocka_unit_test(test_diff_service__tags),
    cmocka_unit_test(test_diff_service__desired_count_absent_or_ignored),
    cmocka_unit_test(test_diff_service__ignored_sub_member_keeps_live_value),
    cmocka_unit_test(test_diff_service__removed_members_are_reset),
    cmocka_unit_test(test_diff_service__rollout_configuration_round_trips),
    cmocka_unit_test(test_diff_service__role_name_equals_arn),
    cmocka_unit_test(test_diff_service__model_example),
    cmocka_unit_test(test_diff_service__members_from_primary_deployment),
    cmocka_unit_test(test_diff_service__launch_type_to_capacity_providers),
    cmocka_unit_test(test_diff_service__daemon_defaults),
    cmocka_unit_test(test_diff_service__bad_input),
};
const size_t service_ntests = sizeof(service_tests) / sizeof(service_tests[0]);
