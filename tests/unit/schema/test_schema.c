/* The schema API over the generated ECS model. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ecsctl/schema.h"
#include "banned.h"

static void test_schema__shape_by_name_and_index(void **state)
{
	const struct ecsctl_schema_shape *s = ecsctl_schema_shape("ContainerDefinition");
	unsigned i;

	(void)state;
	assert_non_null(s);
	assert_int_equal(s->type, ECSCTL_SCHEMA_STRUCTURE);
	assert_null(ecsctl_schema_shape("NoSuchShape"));
	assert_null(ecsctl_schema_at(ecsctl_schema_count()));
	/* index order is name order, so the binary search finds every shape */
	for (i = 0; i < ecsctl_schema_count(); i++) {
		assert_ptr_equal(ecsctl_schema_shape(ecsctl_schema_at(i)->name),
		                 ecsctl_schema_at(i));
		if (i)
			assert_true(
			    strcmp(ecsctl_schema_at(i - 1)->name, ecsctl_schema_at(i)->name) < 0);
	}
}

static void test_schema__operations(void **state)
{
	const struct ecsctl_schema_operation *op = ecsctl_schema_operation("CreateService");
	const struct ecsctl_schema_shape *in = ecsctl_schema_input("CreateService");
	unsigned i;
	int found = 0;

	(void)state;
	assert_non_null(op);
	assert_string_equal(in->name, "CreateServiceRequest");
	assert_string_equal(ecsctl_schema_output("DescribeServices")->name,
	                    "DescribeServicesResponse");
	for (i = 0; i < op->nerrors; i++)
		found += !strcmp(op->errors[i], "ClusterNotFoundException");
	assert_int_equal(found, 1);
	assert_non_null(ecsctl_schema_shape("ClusterNotFoundException"));
	assert_null(ecsctl_schema_operation("CreateCapacityProvider"));
	assert_null(ecsctl_schema_input("Nope"));
	/* every operation ecsctl and ecs-local use is in the table */
	assert_non_null(ecsctl_schema_operation("ListTagsForResource"));
	assert_non_null(ecsctl_schema_operation("PutClusterCapacityProviders"));
}

static void test_schema__members_required_and_limits(void **state)
{
	const struct ecsctl_schema_shape *td = ecsctl_schema_input("RegisterTaskDefinition");
	const struct ecsctl_schema_member *m;
	const struct ecsctl_schema_shape *ms;

	(void)state;
	m = ecsctl_schema_member(td, "family");
	assert_non_null(m);
	assert_true(m->flags & ECSCTL_SCHEMA_REQUIRED);
	assert_int_equal(m->rule, ECSCTL_RULE_NAME);
	assert_true(m->limits.has_max);
	assert_true(m->limits.max == 255);
	m = ecsctl_schema_member(td, "containerDefinitions");
	assert_true(m->flags & ECSCTL_SCHEMA_REQUIRED);
	ms = ecsctl_schema_member_shape(m);
	assert_int_equal(ms->type, ECSCTL_SCHEMA_LIST);
	assert_string_equal(ecsctl_schema_at(ms->member)->name, "ContainerDefinition");
	assert_null(ecsctl_schema_member(td, "Family")); /* exact names only */
	/* the model's own limits: Tags max 50 */
	ms = ecsctl_schema_member_shape(ecsctl_schema_member(td, "tags"));
	assert_true(ms->limits.has_max && ms->limits.max == 50);
	/* documented ones: healthCheck interval 5..300 */
	m = ecsctl_schema_member(ecsctl_schema_shape("HealthCheck"), "interval");
	assert_true(m->limits.has_min && m->limits.min == 5 && m->limits.max == 300);
	/* a map: dockerLabels string -> string */
	ms = ecsctl_schema_member_shape(
	    ecsctl_schema_member(ecsctl_schema_shape("ContainerDefinition"), "dockerLabels"));
	assert_int_equal(ms->type, ECSCTL_SCHEMA_MAP);
	assert_int_equal(ecsctl_schema_at(ms->value)->type, ECSCTL_SCHEMA_STRING);
	/* sensitive shapes are marked */
	assert_true(ecsctl_schema_shape("RepositoryCredentials")->flags & ECSCTL_SCHEMA_SENSITIVE);
	/* ecsctl.yaml's own shapes ride along */
	assert_true(ecsctl_schema_shape("EcsctlSettings")->flags & ECSCTL_SCHEMA_OWN);
}

static void test_schema__enums(void **state)
{
	const struct ecsctl_schema_shape *lt = ecsctl_schema_shape("LaunchType");

	(void)state;
	assert_true(ecsctl_schema_enum_ok(lt, "FARGATE"));
	assert_false(ecsctl_schema_enum_ok(lt, "fargate"));
	assert_string_equal(ecsctl_schema_suggest(lt, "FARGATEE"), "FARGATE");
	assert_string_equal(ecsctl_schema_suggest(lt, "fargate"), "FARGATE");
	assert_true(ecsctl_schema_enum_ok(ecsctl_schema_shape("String"), "anything"));
}

static void test_schema__suggest(void **state)
{
	const struct ecsctl_schema_shape *cd = ecsctl_schema_shape("ContainerDefinition");
	const char *kinds[] = {"Cluster", "TaskDefinition", "Service"};

	(void)state;
	assert_string_equal(ecsctl_schema_suggest(cd, "memoryReservaton"), "memoryReservation");
	assert_string_equal(ecsctl_schema_suggest(cd, "imgae"), "image"); /* transposition */
	assert_string_equal(ecsctl_schema_suggest(cd, "PortMappings"), "portMappings");
	assert_null(ecsctl_schema_suggest(cd, "zzzzzzzz"));
	assert_null(ecsctl_schema_suggest(cd, ""));
	assert_string_equal(ecsctl_schema_suggest_in("Servce", kinds, 3), "Service");
	assert_null(ecsctl_schema_suggest_in("Deployment", kinds, 3));
	assert_int_equal(ecsctl_schema_edit_distance("kitten", "sitting"), 3);
	assert_int_equal(ecsctl_schema_edit_distance("ab", "ba"), 1);
	assert_int_equal(ecsctl_schema_edit_distance("", "abc"), 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_schema__shape_by_name_and_index),
	    cmocka_unit_test(test_schema__operations),
	    cmocka_unit_test(test_schema__members_required_and_limits),
	    cmocka_unit_test(test_schema__enums),
	    cmocka_unit_test(test_schema__suggest),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
