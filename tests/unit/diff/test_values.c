/* The generic engine and ignoreDifferences. */
#include "diff_test.h"

static void diff(struct ecsctl_diff_changes *ch, const char *a, const char *b)
{
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	json_t *x = a ? J(a) : NULL, *y = b ? J(b) : NULL;

	assert_int_equal(ecsctl_diff_values(ch, x, y, NULL, &err), 0);
	json_decref(x);
	json_decref(y);
}

static void test_diff_values__equal_is_empty(void **state)
{
	struct ecsctl_diff_changes ch = ECSCTL_DIFF_CHANGES_INIT;

	diff(&ch, "{'a': {'b': [1, 2]}}", "{'a': {'b': [1, 2]}}");
	assert_int_equal(ch.count, 0);
	diff(&ch, NULL, NULL);
	assert_int_equal(ch.count, 0);
}

static void test_diff_values__nested_member_paths(void **state)
{
	struct ecsctl_diff_changes ch = ECSCTL_DIFF_CHANGES_INIT;

	diff(&ch,
	     "{'desiredCount': 2, 'networkConfiguration': {'awsvpcConfiguration': {'subnets': "
	     "['a'], 'assignPublicIp': 'ENABLED'}}}",
	     "{'desiredCount': 3, 'networkConfiguration': {'awsvpcConfiguration': {'subnets': "
	     "['a', 'b'], 'assignPublicIp': 'ENABLED'}}}");
	assert_int_equal(ch.count, 2);
	assert_string_equal(ch.items[0].path, "desiredCount");
	assert_int_equal(json_integer_value(ch.items[0].before), 2);
	assert_int_equal(json_integer_value(ch.items[0].after), 3);
	/* A list of scalars is one change holding both lists. */
	assert_string_equal(ch.items[1].path, "networkConfiguration.awsvpcConfiguration.subnets");
	assert_json(ch.items[1].after, "['a', 'b']");
	ecsctl_diff_changes_release(&ch);
}

static void test_diff_values__keyed_lists(void **state)
{
	struct ecsctl_diff_changes ch = ECSCTL_DIFF_CHANGES_INIT;

	diff(&ch,
	     "{'containerDefinitions': [{'name': 'web', 'image': 'a', 'environment': [{'name': "
	     "'LOG_LEVEL', 'value': 'info'}], 'portMappings': [{'containerPort': 80, 'protocol': "
	     "'tcp', 'hostPort': 80}]}, {'name': 'side', 'image': 's'}]}",
	     "{'containerDefinitions': [{'name': 'side', 'image': 's'}, {'name': 'web', 'image': "
	     "'a', 'environment': [{'name': 'LOG_LEVEL', 'value': 'debug'}], 'portMappings': "
	     "[{'containerPort': 80, 'protocol': 'tcp', 'hostPort': 8080}]}]}");
	assert_int_equal(ch.count, 2);
	assert_string_equal(ch.items[0].path,
	                    "containerDefinitions[web].environment[LOG_LEVEL].value");
	assert_string_equal(json_string_value(ch.items[0].before), "info");
	assert_string_equal(json_string_value(ch.items[0].after), "debug");
	assert_string_equal(ch.items[1].path,
	                    "containerDefinitions[web].portMappings[80/tcp].hostPort");
	ecsctl_diff_changes_release(&ch);
}

static void test_diff_values__added_and_removed_entries_whole(void **state)
{
	struct ecsctl_diff_changes ch = ECSCTL_DIFF_CHANGES_INIT;

	diff(&ch,
	     "{'environment': [{'name': 'A', 'value': '1'}, {'name': 'OLD', 'value': 'x'}], "
	     "'gone': {'k': 1}}",
	     "{'environment': [{'name': 'A', 'value': '1'}, {'name': 'NEW', 'value': 'y'}], "
	     "'added': true}");
	assert_int_equal(ch.count, 4);
	/* Sorted: object members, then list keys. */
	assert_string_equal(ch.items[0].path, "added");
	assert_null(ch.items[0].before);
	assert_string_equal(ch.items[1].path, "environment[NEW]");
	assert_null(ch.items[1].before);
	assert_json(ch.items[1].after, "{'name': 'NEW', 'value': 'y'}");
	assert_string_equal(ch.items[2].path, "environment[OLD]");
	assert_null(ch.items[2].after);
	assert_string_equal(ch.items[3].path, "gone");
	assert_json(ch.items[3].before, "{'k': 1}");
	assert_null(ch.items[3].after);
	ecsctl_diff_changes_release(&ch);
}

static void test_diff_values__tags_by_key(void **state)
{
	struct ecsctl_diff_changes ch = ECSCTL_DIFF_CHANGES_INIT;

	diff(&ch, "{'tags': [{'key': 'team', 'value': 'a'}, {'key': 'x', 'value': '1'}]}",
	     "{'tags': [{'key': 'x', 'value': '1'}, {'key': 'team', 'value': 'b'}]}");
	assert_int_equal(ch.count, 1);
	assert_string_equal(ch.items[0].path, "tags[team]");
	assert_string_equal(json_string_value(ch.items[0].after), "b");
	ecsctl_diff_changes_release(&ch);
}

static void test_diff_values__unkeyed_lists_by_index(void **state)
{
	struct ecsctl_diff_changes ch = ECSCTL_DIFF_CHANGES_INIT;

	/* Duplicate names: no usable key, same length: by index. */
	diff(&ch, "{'x': [{'name': 'a', 'v': 1}, {'name': 'a', 'v': 2}]}",
	     "{'x': [{'name': 'a', 'v': 1}, {'name': 'a', 'v': 3}]}");
	assert_int_equal(ch.count, 1);
	assert_string_equal(ch.items[0].path, "x[1].v");
	ecsctl_diff_changes_release(&ch);
	/* Different lengths without keys: the whole list. */
	diff(&ch, "{'x': [{'v': 1}]}", "{'x': [{'v': 1}, {'v': 2}]}");
	assert_int_equal(ch.count, 1);
	assert_string_equal(ch.items[0].path, "x");
	ecsctl_diff_changes_release(&ch);
}

static void test_diff_values__type_change_and_prefix(void **state)
{
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	struct ecsctl_diff_changes ch = ECSCTL_DIFF_CHANGES_INIT;
	json_t *a = J("{'a': 1}"), *b = J("{'a': '1'}");

	assert_int_equal(ecsctl_diff_values(&ch, a, b, "root", &err), 0);
	assert_int_equal(ch.count, 1);
	assert_string_equal(ch.items[0].path, "root.a");
	assert_non_null(ecsctl_diff_changes_find(&ch, "root.a"));
	assert_null(ecsctl_diff_changes_find(&ch, "root"));
	ecsctl_diff_changes_release(&ch);
	json_decref(a);
	json_decref(b);
}

static void test_diff_values__deterministic_order(void **state)
{
	struct ecsctl_diff_changes x = ECSCTL_DIFF_CHANGES_INIT, y = ECSCTL_DIFF_CHANGES_INIT;
	size_t i;

	diff(&x, "{'z': 1, 'a': 1, 'm': [{'name': 'q', 'v': 1}, {'name': 'b', 'v': 1}]}",
	     "{'z': 2, 'a': 2, 'm': [{'name': 'q', 'v': 2}, {'name': 'b', 'v': 2}]}");
	diff(&y, "{'m': [{'name': 'b', 'v': 1}, {'name': 'q', 'v': 1}], 'a': 1, 'z': 1}",
	     "{'a': 2, 'm': [{'name': 'b', 'v': 2}, {'name': 'q', 'v': 2}], 'z': 2}");
	assert_int_equal(x.count, 4);
	assert_int_equal(y.count, 4);
	for (i = 0; i < x.count; i++)
		assert_string_equal(x.items[i].path, y.items[i].path);
	assert_string_equal(x.items[0].path, "a");
	assert_string_equal(x.items[1].path, "m[b].v");
	assert_string_equal(x.items[2].path, "m[q].v");
	assert_string_equal(x.items[3].path, "z");
	ecsctl_diff_changes_release(&x);
	ecsctl_diff_changes_release(&y);
}

static void test_diff_values__ignore_rules(void **state)
{
	struct ecsctl_diff_changes ch = ECSCTL_DIFF_CHANGES_INIT;
	char *f1[] = {"desiredCount", "containerDefinitions[*].image"};
	char *f2[] = {"tags"};
	struct ecsctl_ignore_rule rules[] = {
	    {"Service", "prod/*", f1, 2},
	    {"*", "*", f2, 1},
	};

	assert_true(ecsctl_diff_path_ignored("desiredCount", "Service", "prod/web", rules, 2));
	assert_false(ecsctl_diff_path_ignored("desiredCount", "Service", "dev/web", rules, 2));
	assert_false(ecsctl_diff_path_ignored("desiredCount", "Cluster", "prod/web", rules, 2));
	assert_false(ecsctl_diff_path_ignored("desiredCountX", "Service", "prod/web", rules, 2));
	assert_true(ecsctl_diff_path_ignored("containerDefinitions[web].image", "Service",
	                                     "prod/web", rules, 2));
	assert_false(ecsctl_diff_path_ignored("containerDefinitions[web].cpu", "Service",
	                                      "prod/web", rules, 2));
	assert_true(ecsctl_diff_path_ignored("tags[team]", "Cluster", "c", rules, 2));
	assert_true(ecsctl_diff_path_ignored("tags", "Cluster", "c", rules, 2));

	diff(&ch, "{'desiredCount': 1, 'tags': [{'key': 'a', 'value': 'b'}], 'x': 1}",
	     "{'desiredCount': 2, 'x': 2}");
	assert_int_equal(ch.count, 3);
	ecsctl_diff_apply_ignore(&ch, "Service", "prod/web", rules, 2);
	assert_int_equal(ch.count, 1);
	assert_string_equal(ch.items[0].path, "x");
	ecsctl_diff_changes_release(&ch);
}

static void test_diff_values__create_reads_member_by_member(void **state)
{
	struct ecsctl_diff_changes ch = ECSCTL_DIFF_CHANGES_INIT;
	json_t *a = J("{'b': 1, 'a': {'x': [1]}}"), *c = J("{'a': {'x': [1]}, 'b': 1}");
	char *da = ecsctl_diff_canonical_dump(a), *dc = ecsctl_diff_canonical_dump(c);

	diff(&ch, NULL, "{'family': 'web', 'cpu': '256'}");
	assert_int_equal(ch.count, 2);
	assert_string_equal(ch.items[0].path, "cpu");
	assert_null(ch.items[0].before);
	assert_string_equal(ch.items[1].path, "family");
	ecsctl_diff_changes_release(&ch);
	diff(&ch, "{'family': 'web'}", NULL);
	assert_int_equal(ch.count, 1);
	assert_null(ch.items[0].after);
	ecsctl_diff_changes_release(&ch);
	/* Canonical text ignores member order. */
	assert_string_equal(da, dc);
	assert_string_equal(da, "{\"a\":{\"x\":[1]},\"b\":1}");
	assert_null(ecsctl_diff_canonical_dump(NULL));
	free(da);
	free(dc);
	json_decref(a);
	json_decref(c);
}

const struct CMUnitTest values_tests[] = {
    cmocka_unit_test(test_diff_values__create_reads_member_by_member),
    cmocka_unit_test(test_diff_values__equal_is_empty),
    cmocka_unit_test(test_diff_values__nested_member_paths),
    cmocka_unit_test(test_diff_values__keyed_lists),
    cmocka_unit_test(test_diff_values__added_and_removed_entries_whole),
    cmocka_unit_test(test_diff_values__tags_by_key),
    cmocka_unit_test(test_diff_values__unkeyed_lists_by_index),
    cmocka_unit_test(test_diff_values__type_change_and_prefix),
    cmocka_unit_test(test_diff_values__deterministic_order),
    cmocka_unit_test(test_diff_values__ignore_rules),
};
const size_t values_ntests = sizeof(values_tests) / sizeof(values_tests[0]);
