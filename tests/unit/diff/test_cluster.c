/* Cluster comparison. */
#include "diff_test.h"

/* DescribeClusters with SETTINGS, CONFIGURATIONS and TAGS. */
static json_t *live_prod(void)
{
	return J(
	    "{'clusterArn': 'arn:aws:ecs:us-east-1:123456789012:cluster/prod', "
	    "'clusterName': 'prod', 'status': 'ACTIVE', 'registeredContainerInstancesCount': 0, "
	    "'runningTasksCount': 4, 'pendingTasksCount': 0, 'activeServicesCount': 2, "
	    "'statistics': [], 'tags': [{'key': 'ecsctl:owner', 'value': 'shop'}], "
	    "'settings': [{'name': 'containerInsights', 'value': 'disabled'}], "
	    "'capacityProviders': ['FARGATE_SPOT', 'FARGATE'], "
	    "'defaultCapacityProviderStrategy': [{'capacityProvider': 'FARGATE', 'weight': 1, "
	    "'base': 0}], 'attachments': [], 'attachmentsStatus': 'UPDATE_COMPLETE'}");
}

static json_t *desired_prod(void)
{
	return J("{'clusterName': 'prod', 'capacityProviders': ['FARGATE', 'FARGATE_SPOT'], "
	         "'defaultCapacityProviderStrategy': [{'capacityProvider': 'FARGATE', 'weight': "
	         "1}], 'tags': [{'key': 'ecsctl:owner', 'value': 'shop'}]}");
}

static void run(struct ecsctl_diff_cluster *d, json_t *want, json_t *have)
{
	struct ecsctl_error err = ECSCTL_ERROR_INIT;

	ecsctl_diff_cluster_init(d);
	assert_int_equal(ecsctl_diff_cluster(d, want, have, NULL, 0, &err), 0);
	json_decref(want);
	json_decref(have);
}

static void test_diff_cluster__created_payload_equals_live(void **state)
{
	struct ecsctl_diff_cluster d;

	run(&d, desired_prod(), live_prod());
	assert_int_equal(d.changes.count, 0);
	assert_null(d.update);
	assert_null(d.capacity_providers);
	assert_null(d.tags_add);
	ecsctl_diff_cluster_release(&d);
	/* A bare CreateCluster against a bare live cluster. */
	run(&d, J("{'clusterName': 'default'}"),
	    J("{'clusterArn': 'arn:aws:ecs:us-east-1:aws_account_id:cluster/default', "
	      "'clusterName': 'default', 'status': 'ACTIVE'}"));
	assert_int_equal(d.changes.count, 0);
	ecsctl_diff_cluster_release(&d);
}

static void test_diff_cluster__settings_update(void **state)
{
	struct ecsctl_diff_cluster d;
	json_t *want = desired_prod(), *have;

	json_object_set_new(want, "settings",
	                    J("[{'name': 'containerInsights', 'value': 'enabled'}]"));
	run(&d, want, live_prod());
	assert_int_equal(d.changes.count, 1);
	/* Live "disabled" is the default, so the setting reads as added. */
	assert_string_equal(d.changes.items[0].path, "settings");
	assert_json(d.update, "{'cluster': 'prod', 'settings': [{'name': 'containerInsights', "
	                      "'value': 'enabled'}]}");
	assert_null(d.capacity_providers);
	ecsctl_diff_cluster_release(&d);

	/* Explicitly "disabled" in git against "enabled" live turns it off. */
	want = desired_prod();
	have = live_prod();
	json_object_set_new(want, "settings",
	                    J("[{'name': 'containerInsights', 'value': 'disabled'}]"));
	json_object_set_new(have, "settings",
	                    J("[{'name': 'containerInsights', 'value': 'enabled'}]"));
	run(&d, want, have);
	assert_json(d.update, "{'cluster': 'prod', 'settings': [{'name': 'containerInsights', "
	                      "'value': 'disabled'}]}");
	ecsctl_diff_cluster_release(&d);

	/* Not in git at all: the account default decides, not drift. */
	have = live_prod();
	json_object_set_new(have, "settings",
	                    J("[{'name': 'containerInsights', 'value': 'enabled'}]"));
	run(&d, desired_prod(), have);
	assert_int_equal(d.changes.count, 0);
	ecsctl_diff_cluster_release(&d);
}

static void test_diff_cluster__capacity_providers(void **state)
{
	struct ecsctl_diff_cluster d;
	json_t *want = desired_prod();

	json_object_set_new(want, "defaultCapacityProviderStrategy",
	                    J("[{'capacityProvider': 'FARGATE_SPOT', 'weight': 3}, "
	                      "{'capacityProvider': 'FARGATE', 'weight': 1, 'base': 1}]"));
	run(&d, want, live_prod());
	assert_null(d.update);
	assert_non_null(d.capacity_providers);
	assert_json(d.capacity_providers,
	            "{'cluster': 'prod', 'capacityProviders': ['FARGATE', 'FARGATE_SPOT'], "
	            "'defaultCapacityProviderStrategy': [{'capacityProvider': 'FARGATE_SPOT', "
	            "'weight': 3}, {'capacityProvider': 'FARGATE', 'weight': 1, 'base': 1}]}");
	assert_non_null(
	    ecsctl_diff_changes_find(&d.changes, "defaultCapacityProviderStrategy[FARGATE].base"));
	assert_non_null(
	    ecsctl_diff_changes_find(&d.changes, "defaultCapacityProviderStrategy[FARGATE_SPOT]"));
	ecsctl_diff_cluster_release(&d);
}

static void test_diff_cluster__tags_and_ignore(void **state)
{
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	struct ecsctl_diff_cluster d;
	json_t *want = desired_prod(), *have = live_prod();
	char *fields[] = {"tags[cost-center]"};
	struct ecsctl_ignore_rule rule = {"Cluster", "pr*", fields, 1};

	json_object_set_new(have, "tags",
	                    J("[{'key': 'ecsctl:owner', 'value': 'shop'}, {'key': 'cost-center', "
	                      "'value': '42'}, {'key': 'old', 'value': '1'}]"));
	ecsctl_diff_cluster_init(&d);
	assert_int_equal(ecsctl_diff_cluster(&d, want, have, &rule, 1, &err), 0);
	assert_int_equal(d.changes.count, 1);
	assert_string_equal(d.changes.items[0].path, "tags[old]");
	assert_json(d.tags_remove, "['old']");
	assert_null(d.tags_add);
	ecsctl_diff_cluster_release(&d);
	json_decref(want);
	json_decref(have);
}

static void test_diff_cluster__namespace_name_vs_arn(void **state)
{
	struct ecsctl_diff_cluster d;
	json_t *want = desired_prod(), *have = live_prod();

	json_object_set_new(want, "serviceConnectDefaults", J("{'namespace': 'shop'}"));
	json_object_set_new(have, "serviceConnectDefaults",
	                    J("{'namespace': 'arn:aws:servicediscovery:us-east-1:123456789012:"
	                      "namespace/ns-abcdef'}"));
	run(&d, want, have);
	assert_int_equal(d.changes.count, 0);
	ecsctl_diff_cluster_release(&d);
}

static void test_diff_cluster__removed_configuration_is_reset(void **state)
{
	struct ecsctl_diff_cluster d;
	json_t *have = live_prod();

	json_object_set_new(have, "configuration",
	                    J("{'executeCommandConfiguration': {'logging': 'OVERRIDE', "
	                      "'logConfiguration': {'cloudWatchLogGroupName': '/exec'}}}"));
	json_object_set_new(
	    have, "serviceConnectDefaults",
	    J("{'namespace': 'arn:aws:servicediscovery:us-east-1:1:namespace/ns-1'}"));
	run(&d, desired_prod(), have);
	assert_int_equal(d.changes.count, 1);
	assert_string_equal(d.changes.items[0].path, "configuration");
	assert_json(d.update,
	            "{'cluster': 'prod', 'configuration': {'executeCommandConfiguration': "
	            "{'logging': 'DEFAULT'}}}");
	ecsctl_diff_cluster_release(&d);
}

const struct CMUnitTest cluster_tests[] = {
    cmocka_unit_test(test_diff_cluster__removed_configuration_is_reset),
    cmocka_unit_test(test_diff_cluster__created_payload_equals_live),
    cmocka_unit_test(test_diff_cluster__settings_update),
    cmocka_unit_test(test_diff_cluster__capacity_providers),
    cmocka_unit_test(test_diff_cluster__tags_and_ignore),
    cmocka_unit_test(test_diff_cluster__namespace_name_vs_arn),
};
const size_t cluster_ntests = sizeof(cluster_tests) / sizeof(cluster_tests[0]);
