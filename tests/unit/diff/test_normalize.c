/* One test per task definition normalization rule, then whole definitions. */
#include <stdio.h>

#include "diff_test.h"
#include "ecsctl/buf.h"

static int td_equal(const char *desired, const char *live)
{
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	json_t *a = J(desired), *b = J(live);
	bool eq = false;

	assert_int_equal(ecsctl_diff_taskdef_equal(&eq, a, b, &err), 0);
	json_decref(a);
	json_decref(b);
	return eq;
}

/* A one-container awsvpc/bridge definition with `extra` container members. */
#define TD(mode, extra)                                                                            \
	"{'family': 'f', 'networkMode': '" mode "', 'containerDefinitions': [{'name': 'app', "     \
	"'image': 'busybox'" extra "}]}"

static void test_diff_normalize__drop_read_only(void **state)
{
	assert_true(
	    td_equal(TD("bridge", ""),
	             "{'family': 'f', 'networkMode': 'bridge', 'revision': 3, 'status': "
	             "'ACTIVE', 'taskDefinitionArn': 'arn:aws:ecs:us-east-1:1:task-definition/f:3',"
	             " 'requiresAttributes': [{'name': 'x'}], 'compatibilities': ['EC2'],"
	             " 'registeredAt': 1.5e9, 'registeredBy': 'arn:aws:iam::1:root',"
	             " 'deregisteredAt': 1.6e9, 'tags': [{'key': 'a', 'value': 'b'}],"
	             " 'containerDefinitions': [{'name': 'app', 'image': 'busybox'}]}"));
}

static void test_diff_normalize__canonical_numbers(void **state)
{
	assert_true(td_equal(TD("bridge", ", 'memory': 512.0"), TD("bridge", ", 'memory': 512")));
	assert_false(td_equal(TD("bridge", ", 'memory': 512.5"), TD("bridge", ", 'memory': 512")));
}

static void test_diff_normalize__empty_strings_absent(void **state)
{
	/* The model's own example: taskRoleArn "" registers, comes back absent. */
	assert_true(td_equal("{'family': 'f', 'taskRoleArn': '', 'containerDefinitions': "
	                     "[{'name': 'app', 'image': 'busybox', 'user': ''}]}",
	                     "{'family': 'f', 'containerDefinitions': [{'name': 'app', "
	                     "'image': 'busybox'}]}"));
}

static void test_diff_normalize__network_mode_default_bridge(void **state)
{
	assert_true(td_equal("{'family': 'f', 'containerDefinitions': [{'name': 'app', "
	                     "'image': 'busybox'}]}",
	                     TD("bridge", "")));
	assert_false(td_equal("{'family': 'f', 'containerDefinitions': [{'name': 'app', "
	                      "'image': 'busybox'}]}",
	                      TD("host", "")));
}

static void test_diff_normalize__task_cpu_memory_units(void **state)
{
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	static const char *const cpu[][2] = {
	    {"'0.25 vCPU'", "'256'"}, {"'1 vcpu'", "'1024'"}, {"'2vCPU'", "'2048'"},
	    {"' 4096 '", "'4096'"},   {"512", "'512'"},
	};
	static const char *const mem[][2] = {
	    {"'0.5GB'", "'512'"},
	    {"'1 GB'", "'1024'"},
	    {"'2048 MiB'", "'2048'"},
	    {"3072", "'3072'"},
	};
	char a[128], b[128];
	json_t *td, *n = NULL;
	size_t i;

	for (i = 0; i < sizeof(cpu) / sizeof(cpu[0]); i++) {
		snprintf(a, sizeof(a), "{'family': 'f', 'cpu': %s}", cpu[i][0]);
		snprintf(b, sizeof(b), "{'family': 'f', 'cpu': %s}", cpu[i][1]);
		if (!td_equal(a, b))
			fail_msg("cpu %s != %s", cpu[i][0], cpu[i][1]);
	}
	for (i = 0; i < sizeof(mem) / sizeof(mem[0]); i++) {
		snprintf(a, sizeof(a), "{'family': 'f', 'memory': %s}", mem[i][0]);
		snprintf(b, sizeof(b), "{'family': 'f', 'memory': %s}", mem[i][1]);
		if (!td_equal(a, b))
			fail_msg("memory %s != %s", mem[i][0], mem[i][1]);
	}
	assert_false(td_equal("{'family': 'f', 'cpu': '1 vCPU'}", "{'family': 'f', 'cpu': '512'}"));
	td = J("{'family': 'f', 'cpu': 'two vCPU'}");
	assert_int_equal(ecsctl_diff_taskdef_normalize(&n, td, &err), ECSCTL_EINVAL);
	assert_null(n);
	assert_non_null(strstr(err.message, "'cpu'"));
	ecsctl_error_release(&err);
	json_decref(td);
	td = J("{'family': 'f', 'memory': '1 GHz'}");
	assert_int_equal(ecsctl_diff_taskdef_normalize(&n, td, &err), ECSCTL_EINVAL);
	ecsctl_error_release(&err);
	json_decref(td);
}

static void test_diff_normalize__requires_compatibilities_sorted(void **state)
{
	assert_true(td_equal("{'family': 'f', 'requiresCompatibilities': ['FARGATE', 'EC2']}",
	                     "{'family': 'f', 'requiresCompatibilities': ['EC2', 'FARGATE']}"));
}

static void test_diff_normalize__containers_by_name(void **state)
{
	assert_true(td_equal("{'family': 'f', 'containerDefinitions': [{'name': 'b', 'image': 'x'},"
	                     " {'name': 'a', 'image': 'y'}]}",
	                     "{'family': 'f', 'containerDefinitions': [{'name': 'a', 'image': 'y'},"
	                     " {'name': 'b', 'image': 'x'}]}"));
}

static void test_diff_normalize__essential_defaults_true(void **state)
{
	assert_true(td_equal(TD("bridge", ""), TD("bridge", ", 'essential': true")));
	assert_false(td_equal(TD("bridge", ""), TD("bridge", ", 'essential': false")));
}

static void test_diff_normalize__container_cpu_zero_absent(void **state)
{
	assert_true(td_equal(TD("bridge", ""), TD("bridge", ", 'cpu': 0")));
	assert_false(td_equal(TD("bridge", ""), TD("bridge", ", 'cpu': 128")));
}

static void test_diff_normalize__port_protocol_defaults_tcp(void **state)
{
	assert_true(td_equal(TD("bridge", ", 'portMappings': [{'containerPort': 80}]"),
	                     TD("bridge", ", 'portMappings': [{'containerPort': 80, 'protocol': "
	                                  "'tcp'}]")));
	assert_false(td_equal(TD("bridge", ", 'portMappings': [{'containerPort': 80}]"),
	                      TD("bridge", ", 'portMappings': [{'containerPort': 80, 'protocol': "
	                                   "'udp'}]")));
}

static void test_diff_normalize__port_host_port(void **state)
{
	/* awsvpc (and host): ECS fills hostPort = containerPort. */
	assert_true(td_equal(TD("awsvpc", ", 'portMappings': [{'containerPort': 80}]"),
	                     TD("awsvpc", ", 'portMappings': [{'containerPort': 80, 'hostPort': "
	                                  "80}]")));
	assert_true(td_equal(TD("host", ", 'portMappings': [{'containerPort': 80}]"),
	                     TD("host", ", 'portMappings': [{'containerPort': 80, 'hostPort': "
	                                "80}]")));
	/* bridge: hostPort 0 is dynamic, as absent; a fixed one is not. */
	assert_true(td_equal(TD("bridge", ", 'portMappings': [{'containerPort': 80}]"),
	                     TD("bridge", ", 'portMappings': [{'containerPort': 80, 'hostPort': "
	                                  "0}]")));
	assert_false(td_equal(TD("bridge", ", 'portMappings': [{'containerPort': 80}]"),
	                      TD("bridge", ", 'portMappings': [{'containerPort': 80, 'hostPort': "
	                                   "80}]")));
}

static void test_diff_normalize__port_mappings_sorted(void **state)
{
	assert_true(td_equal(TD("bridge", ", 'portMappings': [{'containerPort': 81}, "
	                                  "{'containerPort': 80}]"),
	                     TD("bridge", ", 'portMappings': [{'containerPort': 80}, "
	                                  "{'containerPort': 81}]")));
}

static void test_diff_normalize__environment_by_name(void **state)
{
	assert_true(td_equal(TD("bridge", ", 'environment': [{'name': 'B', 'value': '2'}, "
	                                  "{'name': 'A', 'value': '1'}]"),
	                     TD("bridge", ", 'environment': [{'name': 'A', 'value': '1'}, "
	                                  "{'name': 'B', 'value': '2'}]")));
	assert_false(td_equal(TD("bridge", ", 'environment': [{'name': 'A', 'value': '1'}]"),
	                      TD("bridge", ", 'environment': [{'name': 'A', 'value': '2'}]")));
}

static void test_diff_normalize__secrets_by_name(void **state)
{
	assert_true(td_equal(TD("bridge", ", 'secrets': [{'name': 'B', 'valueFrom': 'b'}, "
	                                  "{'name': 'A', 'valueFrom': 'a'}]"),
	                     TD("bridge", ", 'secrets': [{'name': 'A', 'valueFrom': 'a'}, "
	                                  "{'name': 'B', 'valueFrom': 'b'}]")));
}

static void test_diff_normalize__ulimits_by_name(void **state)
{
	assert_true(td_equal(TD("bridge", ", 'ulimits': [{'name': 'nofile', 'softLimit': 1, "
	                                  "'hardLimit': 2}, {'name': 'core', 'softLimit': 0, "
	                                  "'hardLimit': 0}]"),
	                     TD("bridge", ", 'ulimits': [{'name': 'core', 'softLimit': 0, "
	                                  "'hardLimit': 0}, {'name': 'nofile', 'softLimit': 1, "
	                                  "'hardLimit': 2}]")));
}

static void test_diff_normalize__string_values(void **state)
{
	assert_true(
	    td_equal(TD("bridge", ", 'dockerLabels': {'port': 8080, 'debug': true}, "
	                          "'environment': [{'name': 'N', 'value': 3}], "
	                          "'logConfiguration': {'logDriver': 'json-file', 'options': "
	                          "{'max-file': 3}}"),
	             TD("bridge", ", 'dockerLabels': {'port': '8080', 'debug': 'true'}, "
	                          "'environment': [{'name': 'N', 'value': '3'}], "
	                          "'logConfiguration': {'logDriver': 'json-file', 'options': "
	                          "{'max-file': '3'}}")));
}

static void test_diff_normalize__health_check_defaults(void **state)
{
	assert_true(td_equal(TD("bridge", ", 'healthCheck': {'command': ['CMD', 'true']}"),
	                     TD("bridge", ", 'healthCheck': {'command': ['CMD', 'true'], "
	                                  "'interval': 30, 'timeout': 5, 'retries': 3, "
	                                  "'startPeriod': 0}")));
	assert_false(td_equal(TD("bridge", ", 'healthCheck': {'command': ['CMD', 'true']}"),
	                      TD("bridge", ", 'healthCheck': {'command': ['CMD', 'true'], "
	                                   "'interval': 10}")));
}

static void test_diff_normalize__false_booleans_absent(void **state)
{
	assert_true(td_equal(TD("bridge", ", 'mountPoints': [{'sourceVolume': 'v', "
	                                  "'containerPath': '/d'}]"),
	                     TD("bridge", ", 'privileged': false, 'readonlyRootFilesystem': false,"
	                                  " 'mountPoints': [{'sourceVolume': 'v', 'containerPath': "
	                                  "'/d', 'readOnly': false}]")));
	assert_true(td_equal(TD("bridge", ", 'linuxParameters': {'initProcessEnabled': false}"),
	                     TD("bridge", "")));
	assert_false(td_equal(TD("bridge", ""), TD("bridge", ", 'privileged': true")));
}

static void test_diff_normalize__version_consistency_default(void **state)
{
	assert_true(td_equal(TD("bridge", ""), TD("bridge", ", 'versionConsistency': 'enabled'")));
	assert_false(
	    td_equal(TD("bridge", ""), TD("bridge", ", 'versionConsistency': 'disabled'")));
}

static void test_diff_normalize__volumes(void **state)
{
	assert_true(td_equal("{'family': 'f', 'volumes': [{'name': 'b', 'efsVolumeConfiguration': "
	                     "{'fileSystemId': 'fs-1'}}, {'name': 'a'}]}",
	                     "{'family': 'f', 'volumes': [{'name': 'a', 'host': {}}, {'name': 'b', "
	                     "'efsVolumeConfiguration': {'fileSystemId': 'fs-1', 'rootDirectory': "
	                     "'/', 'transitEncryption': 'DISABLED'}}]}"));
}

static void test_diff_normalize__task_lists_sorted(void **state)
{
	assert_true(td_equal("{'family': 'f', 'placementConstraints': [{'type': 'memberOf', "
	                     "'expression': 'b'}, {'type': 'memberOf', 'expression': 'a'}]}",
	                     "{'family': 'f', 'placementConstraints': [{'type': 'memberOf', "
	                     "'expression': 'a'}, {'type': 'memberOf', 'expression': 'b'}]}"));
}

static void test_diff_normalize__empty_collections_absent(void **state)
{
	assert_true(
	    td_equal(TD("bridge", ", 'logConfiguration': {'logDriver': 'awslogs'}"),
	             TD("bridge", ", 'environment': [], 'mountPoints': [], 'volumesFrom': "
	                          "[], 'portMappings': [], 'dockerLabels': {}, "
	                          "'systemControls': [], 'command': [], 'logConfiguration': "
	                          "{'logDriver': 'awslogs', 'secretOptions': []}")));
	assert_false(td_equal(TD("bridge", ""), TD("bridge", ", 'command': ['sh']")));
}

/* Every rule has its row in docs/normalization.md (tests run in the source
 * tree), so the table and the code cannot drift apart. */
static void test_diff_normalize__every_rule_documented(void **state)
{
	FILE *f = fopen("docs/normalization.md", "r");
	char *doc = NULL, row[128];
	size_t i, len = 0;
	long n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n > 0);
	rewind(f);
	doc = calloc((size_t)n + 1, 1);
	assert_non_null(doc);
	len = fread(doc, 1, (size_t)n, f);
	fclose(f);
	assert_int_equal(len, (size_t)n);
	assert_true(ecsctl_diff_taskdef_rule_count() >= 20);
	for (i = 0; i < ecsctl_diff_taskdef_rule_count(); i++) {
		snprintf(row, sizeof(row), "| `%s` |", ecsctl_diff_taskdef_rule_name(i));
		if (!strstr(doc, row))
			fail_msg("rule %s has no row in docs/normalization.md",
			         ecsctl_diff_taskdef_rule_name(i));
	}
	assert_null(ecsctl_diff_taskdef_rule_name(i));
	free(doc);
}

/* Digests of normalized task definitions live on services (the
 * ecsctl:taskdef tag) and vouch for revisions: rules that change under the
 * same version would let an old digest vouch for content the new rules
 * compare differently. A rule added, removed or renamed fails here: bump
 * ECSCTL_DIFF_TASKDEF_RULES_VERSION (and change what a rule does only with
 * a bump too), then write the new list and version below. */
static void test_diff_normalize__rules_version_pins_the_rule_list(void **state)
{
	static const char v1[] =
	    "drop_read_only,canonical_numbers,empty_strings_absent,network_mode_default_bridge,"
	    "task_cpu_memory_units,requires_compatibilities_sorted,containers_by_name,"
	    "essential_defaults_true,container_cpu_zero_absent,port_protocol_defaults_tcp,"
	    "port_host_port,port_mappings_sorted,environment_by_name,secrets_by_name,"
	    "ulimits_by_name,string_values,health_check_defaults,false_booleans_absent,"
	    "version_consistency_default,volumes,task_lists_sorted,empty_collections_absent";
	struct ecsctl_buf b = ECSCTL_BUF_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < ecsctl_diff_taskdef_rule_count(); i++)
		ecsctl_buf_addf(&b, "%s%s", i ? "," : "", ecsctl_diff_taskdef_rule_name(i));
	assert_int_equal(ECSCTL_DIFF_TASKDEF_RULES_VERSION, 1);
	assert_string_equal(b.buf, v1);
	ecsctl_buf_release(&b);
}

/* The whole point: what a user writes and what real ECS answers for it
 * compare equal, both ways round. */
static void test_diff_normalize__fargate_payload_equals_describe_output(void **state)
{
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	struct ecsctl_diff_changes ch = ECSCTL_DIFF_CHANGES_INIT;
	json_t *d = fixture_fargate_desired(), *l = fixture_fargate_live();
	bool eq = false;

	assert_int_equal(ecsctl_diff_taskdef_equal(&eq, d, l, &err), 0);
	assert_true(eq);
	assert_int_equal(ecsctl_diff_taskdef_equal(&eq, l, d, &err), 0);
	assert_true(eq);
	assert_int_equal(ecsctl_diff_taskdef(&ch, d, l, &err), 0);
	assert_int_equal(ch.count, 0);
	json_decref(d);
	json_decref(l);
}

/* The model's examples-1.json: RegisterTaskDefinition input and output. */
static void test_diff_normalize__model_example_register_round_trip(void **state)
{
	assert_true(td_equal(
	    "{'containerDefinitions': [{'name': 'sleep', 'command': ['sleep', '360'], 'cpu': "
	    "10, 'essential': true, 'image': 'busybox', 'memory': 10}], 'family': 'sleep360', "
	    "'taskRoleArn': '', 'volumes': []}",
	    "{'containerDefinitions': [{'name': 'sleep', 'command': ['sleep', '360'], 'cpu': "
	    "10, 'environment': [], 'essential': true, 'image': 'busybox', 'memory': 10, "
	    "'mountPoints': [], 'portMappings': [], 'volumesFrom': []}], 'family': 'sleep360', "
	    "'revision': 1, 'taskDefinitionArn': "
	    "'arn:aws:ecs:us-east-1:<aws_account_id>:task-definition/sleep360:19', 'volumes': "
	    "[]}"));
}

/* examples-1.json DescribeTaskDefinition (hello_world:8) against the payload
 * that registers it. */
static void test_diff_normalize__model_example_describe(void **state)
{
	assert_true(td_equal(
	    "{'family': 'hello_world', 'containerDefinitions': [{'name': 'wordpress', 'image': "
	    "'wordpress', 'links': ['mysql'], 'memory': 500, 'cpu': 10, 'portMappings': "
	    "[{'containerPort': 80, 'hostPort': 80}]}, {'name': 'mysql', 'image': 'mysql', 'cpu': "
	    "10, 'memory': 500, 'environment': [{'name': 'MYSQL_ROOT_PASSWORD', 'value': "
	    "'password'}]}]}",
	    "{'containerDefinitions': [{'name': 'wordpress', 'cpu': 10, 'environment': [], "
	    "'essential': true, 'image': 'wordpress', 'links': ['mysql'], 'memory': 500, "
	    "'mountPoints': [], 'portMappings': [{'containerPort': 80, 'hostPort': 80}], "
	    "'volumesFrom': []}, {'name': 'mysql', 'cpu': 10, 'environment': [{'name': "
	    "'MYSQL_ROOT_PASSWORD', 'value': 'password'}], 'essential': true, 'image': 'mysql', "
	    "'memory': 500, 'mountPoints': [], 'portMappings': [], 'volumesFrom': []}], "
	    "'family': 'hello_world', 'revision': 8, 'taskDefinitionArn': "
	    "'arn:aws:ecs:us-east-1:<aws_account_id>:task-definition/hello_world:8', 'volumes': "
	    "[]}"));
}

static void test_diff_normalize__image_change_is_one_change(void **state)
{
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	struct ecsctl_diff_changes ch = ECSCTL_DIFF_CHANGES_INIT;
	json_t *d = fixture_fargate_desired(), *l = fixture_fargate_live();
	json_t *web = json_array_get(json_object_get(d, "containerDefinitions"), 0);

	json_object_set_new(web, "image", json_string("public.ecr.aws/nginx/nginx:1.28"));
	assert_int_equal(ecsctl_diff_taskdef(&ch, d, l, &err), 0);
	assert_int_equal(ch.count, 1);
	assert_string_equal(ch.items[0].path, "containerDefinitions[web].image");
	assert_string_equal(json_string_value(ch.items[0].before),
	                    "public.ecr.aws/nginx/nginx:1.27");
	assert_string_equal(json_string_value(ch.items[0].after),
	                    "public.ecr.aws/nginx/nginx:1.28");
	ecsctl_diff_changes_release(&ch);
	json_decref(d);
	json_decref(l);
}

static void test_diff_normalize__match_picks_the_equal_revision(void **state)
{
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	json_t *d = fixture_fargate_desired(), *same = fixture_fargate_live();
	json_t *other = fixture_fargate_live();
	const json_t *cands[3];
	long idx = 7;

	json_object_set_new(other, "memory", json_string("1024"));
	cands[0] = other;
	cands[1] = NULL;
	cands[2] = same;
	assert_int_equal(ecsctl_diff_taskdef_match(&idx, d, cands, 3, &err), 0);
	assert_int_equal(idx, 2);
	assert_int_equal(ecsctl_diff_taskdef_match(&idx, d, cands, 2, &err), 0);
	assert_int_equal(idx, -1);
	json_decref(d);
	json_decref(same);
	json_decref(other);
}

static void test_diff_normalize__bad_input_is_an_error(void **state)
{
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	json_t *n = NULL, *v = J("[1]"), *w = J("{'containerDefinitions': [1]}");

	assert_int_equal(ecsctl_diff_taskdef_normalize(&n, v, &err), ECSCTL_EINVAL);
	ecsctl_error_release(&err);
	assert_int_equal(ecsctl_diff_taskdef_normalize(&n, w, &err), ECSCTL_EINVAL);
	assert_non_null(strstr(err.message, "containerDefinitions[0]"));
	ecsctl_error_release(&err);
	assert_null(n);
	json_decref(v);
	json_decref(w);
}

/* equal and diff refuse a missing side (no live revision is not "equal");
 * match skips it (no candidate there), as the matching test shows. */
static void test_diff_normalize__equal_and_diff_refuse_a_missing_side(void **state)
{
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	struct ecsctl_diff_changes ch = {0};
	json_t *d = fixture_fargate_desired();
	bool eq = true;

	assert_int_equal(ecsctl_diff_taskdef_equal(&eq, d, NULL, &err), ECSCTL_EINVAL);
	assert_false(eq);
	ecsctl_error_release(&err);
	eq = true;
	assert_int_equal(ecsctl_diff_taskdef_equal(&eq, NULL, d, &err), ECSCTL_EINVAL);
	assert_false(eq);
	ecsctl_error_release(&err);
	assert_int_equal(ecsctl_diff_taskdef(&ch, d, NULL, &err), ECSCTL_EINVAL);
	assert_int_equal(ch.count, 0);
	ecsctl_error_release(&err);
	assert_int_equal(ecsctl_diff_taskdef(&ch, d, d, &err), 0);
	assert_int_equal(ch.count, 0);
	ecsctl_diff_changes_release(&ch);
	json_decref(d);
}

static void test_diff_normalize__inputs_untouched(void **state)
{
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	json_t *l = fixture_fargate_live(), *copy = json_deep_copy(l), *n = NULL;

	assert_int_equal(ecsctl_diff_taskdef_normalize(&n, l, &err), 0);
	assert_true(json_equal(l, copy));
	assert_null(json_object_get(n, "revision"));
	json_decref(n);
	json_decref(l);
	json_decref(copy);
}

const struct CMUnitTest normalize_tests[] = {
    cmocka_unit_test(test_diff_normalize__drop_read_only),
    cmocka_unit_test(test_diff_normalize__canonical_numbers),
    cmocka_unit_test(test_diff_normalize__empty_strings_absent),
    cmocka_unit_test(test_diff_normalize__network_mode_default_bridge),
    cmocka_unit_test(test_diff_normalize__task_cpu_memory_units),
    cmocka_unit_test(test_diff_normalize__requires_compatibilities_sorted),
    cmocka_unit_test(test_diff_normalize__containers_by_name),
    cmocka_unit_test(test_diff_normalize__essential_defaults_true),
    cmocka_unit_test(test_diff_normalize__container_cpu_zero_absent),
    cmocka_unit_test(test_diff_normalize__port_protocol_defaults_tcp),
    cmocka_unit_test(test_diff_normalize__port_host_port),
    cmocka_unit_test(test_diff_normalize__port_mappings_sorted),
    cmocka_unit_test(test_diff_normalize__environment_by_name),
    cmocka_unit_test(test_diff_normalize__secrets_by_name),
    cmocka_unit_test(test_diff_normalize__ulimits_by_name),
    cmocka_unit_test(test_diff_normalize__string_values),
    cmocka_unit_test(test_diff_normalize__health_check_defaults),
    cmocka_unit_test(test_diff_normalize__false_booleans_absent),
    cmocka_unit_test(test_diff_normalize__version_consistency_default),
    cmocka_unit_test(test_diff_normalize__volumes),
    cmocka_unit_test(test_diff_normalize__task_lists_sorted),
    cmocka_unit_test(test_diff_normalize__empty_collections_absent),
    cmocka_unit_test(test_diff_normalize__every_rule_documented),
    cmocka_unit_test(test_diff_normalize__rules_version_pins_the_rule_list),
    cmocka_unit_test(test_diff_normalize__fargate_payload_equals_describe_output),
    cmocka_unit_test(test_diff_normalize__model_example_register_round_trip),
    cmocka_unit_test(test_diff_normalize__model_example_describe),
    cmocka_unit_test(test_diff_normalize__image_change_is_one_change),
    cmocka_unit_test(test_diff_normalize__match_picks_the_equal_revision),
    cmocka_unit_test(test_diff_normalize__bad_input_is_an_error),
    cmocka_unit_test(test_diff_normalize__equal_and_diff_refuse_a_missing_side),
    cmocka_unit_test(test_diff_normalize__inputs_untouched),
};
const size_t normalize_ntests = sizeof(normalize_tests) / sizeof(normalize_tests[0]);
