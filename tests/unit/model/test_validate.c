/* Validation: a table of bad inputs, each with the exact diagnostics expected. */
#include <stdlib.h>
#include <string.h>

#include "ecsctl/buf.h"
#include "model_test.h"
#include "banned.h"

#define TD_HEAD "kind: TaskDefinition\nfamily: web\n"
/* with task memory, so that the containers need none (rule container-memory) */
#define TD_HEAD_MEM TD_HEAD "memory: 512\n"
#define SVC_HEAD "kind: Service\nserviceName: web\n"

struct bad_case {
	const char *what;
	const char *file;
	const char *text;
	const char *expected;
};

static const struct bad_case bad_cases[] = {
    {"typo in a nested member, with a suggestion", "t.yaml",
     TD_HEAD_MEM "containerDefinitions:\n"
                 "  - name: web\n"
                 "    image: nginx\n"
                 "    memoryReservaton: 128\n",
     "error: t.yaml:7:5: unknown member 'memoryReservaton' in containerDefinitions[0], did you "
     "mean 'memoryReservation'?\n"},
    {"unknown top-level member, nothing close", "t.yaml", SVC_HEAD "zzzzzz: 1\n",
     "error: t.yaml:3:1: unknown member 'zzzzzz' in Service 'default/web'\n"},
    {"integer member given a word", "t.yaml", SVC_HEAD "desiredCount: two\n",
     "error: t.yaml:3:15: 'desiredCount' must be an integer, got 'two'\n"},
    {"integer member given a quoted number", "t.yaml",
     TD_HEAD_MEM "containerDefinitions:\n"
                 "  - {name: web, image: nginx, portMappings: [{containerPort: \"80\"}]}\n",
     "error: t.yaml:5:62: 'containerDefinitions[0].portMappings[0].containerPort' must be an "
     "integer, got the string '80'\n"},
    {"integer out of 32-bit range", "t.yaml", SVC_HEAD "desiredCount: 99999999999\n",
     "error: t.yaml:3:15: 'desiredCount' is out of range for a 32-bit integer, got "
     "99999999999\n"},
    {"boolean given yes", "t.yaml",
     TD_HEAD_MEM "containerDefinitions:\n  - {name: web, image: nginx, essential: yes}\n",
     "error: t.yaml:5:42: 'containerDefinitions[0].essential' must be true or false, got "
     "'yes'\n"},
    {"structure given a string", "t.yaml",
     TD_HEAD_MEM "containerDefinitions:\n  - {name: web, image: nginx, healthCheck: CMD}\n",
     "error: t.yaml:5:44: 'containerDefinitions[0].healthCheck' must be a mapping, got 'CMD'\n"},
    {"list given a string", "t.yaml",
     TD_HEAD_MEM "requiresCompatibilities: FARGATE\n"
                 "containerDefinitions: [{name: web, image: nginx}]\n",
     "error: t.yaml:4:26: 'requiresCompatibilities' must be a list, got 'FARGATE'\n"},
    {"string given a mapping", "t.yaml", SVC_HEAD "launchType: {a: b}\n",
     "error: t.yaml:3:13: 'launchType' must be a string, got a mapping\n"},
    {"enum typo, with a suggestion", "t.yaml", SVC_HEAD "launchType: FARGATEE\n",
     "error: t.yaml:3:13: invalid value 'FARGATEE' for 'launchType', did you mean 'FARGATE'? "
     "(one of: EC2, FARGATE, EXTERNAL, MANAGED_INSTANCES)\n"},
    {"enum value far from all", "t.yaml",
     TD_HEAD_MEM "networkMode: vpc\ncontainerDefinitions: [{name: web, image: nginx}]\n",
     "error: t.yaml:4:14: invalid value 'vpc' for 'networkMode' (one of: bridge, host, awsvpc, "
     "none)\n"},
    {"required members missing", "t.yaml", TD_HEAD_MEM "containerDefinitions:\n  - name: web\n",
     "error: t.yaml:5:5: missing required member 'image' in containerDefinitions[0]\n"},
    {"null is absent, so a required member is missing", "t.yaml",
     TD_HEAD_MEM "containerDefinitions:\n  - {name: web, image: ~}\n",
     "error: t.yaml:5:5: missing required member 'image' in containerDefinitions[0]\n"},
    {"no family: the resource has no name", "t.yaml",
     "kind: TaskDefinition\ncontainerDefinitions: [{name: web, image: nginx}]\nmemory: 512\n",
     "error: t.yaml:1:1: missing required member 'family' in TaskDefinition\n"},
    {"documented range (healthCheck)", "t.yaml",
     TD_HEAD_MEM "containerDefinitions:\n"
                 "  - name: web\n"
                 "    image: nginx\n"
                 "    healthCheck: {command: [CMD, 'true'], interval: 3, retries: 11}\n",
     "error: t.yaml:7:53: 'containerDefinitions[0].healthCheck.interval' must be between 5 and "
     "300, got 3\n"
     "error: t.yaml:7:65: 'containerDefinitions[0].healthCheck.retries' must be between 1 and "
     "10, got 11\n"},
    {"model range (capacity provider weight)", "t.yaml",
     SVC_HEAD "capacityProviderStrategy: [{capacityProvider: FARGATE, weight: 2000}]\n",
     "error: t.yaml:3:64: 'capacityProviderStrategy[0].weight' must be between 0 and 1000, got "
     "2000\n"},
    {"name rule (family)", "t.yaml",
     "kind: TaskDefinition\nfamily: my app\ncontainerDefinitions: [{name: web, image: nginx}]\n"
     "memory: 512\n",
     "error: t.yaml:2:9: 'family' may contain only letters, digits, '_' and '-', got 'my app'\n"},
    {"name rule (cluster)", "t.yaml", "kind: Cluster\nclusterName: shop.prod\n",
     "error: t.yaml:2:14: 'clusterName' may contain only letters, digits, '_' and '-', got "
     "'shop.prod'\n"},
    {"empty name", "t.yaml", "kind: Cluster\nclusterName: ''\n",
     "error: t.yaml:2:14: 'clusterName' must not be empty\n"},
    {"task cpu and memory strings", "t.yaml",
     TD_HEAD "cpu: lots\nmemory: 1 TB\ncontainerDefinitions: [{name: web, image: nginx}]\n",
     "error: t.yaml:3:6: 'cpu' must be CPU units ('256') or vCPUs ('1 vCPU'), got 'lots'\n"
     "error: t.yaml:4:9: 'memory' must be MiB ('512') or GB ('1 GB'), got '1 TB'\n"},
    {"clientToken outside ASCII 33..126", "t.yaml", SVC_HEAD "clientToken: a b\n",
     "error: t.yaml:3:14: 'clientToken' may contain only ASCII characters 33..126\n"},
    {"list too long (subnets)", "t.yaml",
     SVC_HEAD "networkConfiguration:\n"
              "  awsvpcConfiguration:\n"
              "    subnets: [a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p, q]\n",
     "error: t.yaml:5:14: 'networkConfiguration.awsvpcConfiguration.subnets' has 17 items, at "
     "most 16 allowed\n"},
    {"empty list where one is required", "t.yaml", TD_HEAD_MEM "containerDefinitions: []\n",
     "error: t.yaml:4:23: 'containerDefinitions' has 0 items, at least 1 required\n"},
    {"null item in a list", "t.yaml",
     TD_HEAD_MEM "containerDefinitions:\n  - {name: web, image: nginx, command: [a, ~]}\n",
     "error: t.yaml:5:44: 'containerDefinitions[0].command[1]' is null\n"},
    {"null value in a map", "t.yaml",
     TD_HEAD_MEM "containerDefinitions:\n  - {name: web, image: nginx, dockerLabels: {a: }}\n",
     "error: t.yaml:5:49: 'containerDefinitions[0].dockerLabels.a' is null\n"},
    {"deprecated member: a warning only", "t.yaml",
     TD_HEAD_MEM "containerDefinitions: [{name: web, image: nginx}]\n"
                 "inferenceAccelerators: [{deviceName: a, deviceType: eia2.medium}]\n",
     "warning: t.yaml:5:1: member 'inferenceAccelerators' is deprecated by the ECS API\n"},
    {"tag characters outside the model's pattern", "t.yaml",
     "kind: Cluster\ntags:\n  - {key: \"team#1\", value: caf\xc3\xa9 ok}\n  - {key: a, value: "
     "\"x!\"}\n",
     "error: t.yaml:3:11: 'tags[0].key' may not contain '#' (the API's pattern is "
     "([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*))\n"
     "error: t.yaml:4:21: 'tags[1].value' may not contain '!' (the API's pattern is "
     "([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*))\n"},
    {"rules across members: task definition", "t.yaml",
     TD_HEAD_MEM "requiresCompatibilities: [FARGATE]\n"
                 "containerDefinitions:\n"
                 "  - {name: app, image: a, essential: false}\n"
                 "  - {name: app, image: b, essential: false}\n",
     "error: t.yaml:4:26: a FARGATE task definition needs networkMode 'awsvpc' "
     "(rule: fargate-network-mode)\n"
     "error: t.yaml:4:26: a FARGATE task definition needs task-level 'cpu' and 'memory' "
     "(rule: fargate-cpu-memory)\n"
     "error: t.yaml:6:3: no container is essential; a task needs at least one "
     "(rule: essential-container)\n"
     "error: t.yaml:7:12: container name 'app' in containerDefinitions[1] is already used by "
     "containerDefinitions[0] (rule: container-name-unique)\n"},
    {"rules across members: service", "t.yaml",
     SVC_HEAD "launchType: FARGATE\ncapacityProviderStrategy: [{capacityProvider: FARGATE_SPOT}]\n",
     "error: t.yaml:3:13: 'launchType' and 'capacityProviderStrategy' exclude each other "
     "(rule: launch-type-capacity-provider)\n"},
    {"missing kind", "t.yaml", "family: web\n",
     "error: t.yaml:1:1: missing 'kind' (Cluster, TaskDefinition or Service)\n"},
    {"unknown kind, with a suggestion", "t.yaml", "kind: Servce\n",
     "error: t.yaml:1:7: unknown kind 'Servce', did you mean 'Service'?\n"},
    {"unknown kind", "t.yaml", "kind: Deployment\n",
     "error: t.yaml:1:7: unknown kind 'Deployment' (Cluster, TaskDefinition or Service)\n"},
    {"a document that is not a mapping", "t.yaml", "- kind: Service\n",
     "error: t.yaml:1:1: a document must be a mapping with a 'kind', got a list\n"},
    {"duplicate resources", "t.yaml",
     "kind: Cluster\nclusterName: shop\n---\nkind: Cluster\nclusterName: shop\n",
     "error: t.yaml:3:1: duplicate Cluster 'shop' (first defined at t.yaml:1:1)\n"},
    {"duplicate default cluster", "t.yaml",
     "kind: Cluster\n---\nkind: Cluster\nclusterName: default\n",
     "error: t.yaml:2:1: duplicate Cluster 'default' (first defined at t.yaml:1:1)\n"},
    {"dangling taskDefinition family", "t.yaml", SVC_HEAD "cluster: prod\ntaskDefinition: api\n",
     "error: t.yaml:4:17: taskDefinition 'api' in Service 'prod/web' is not a family defined "
     "in the repository (write 'family:revision' or an ARN for one defined elsewhere)\n"},
    {"family:revision and ARNs pass through", "t.yaml",
     SVC_HEAD "taskDefinition: api:3\n---\n"
              "kind: Service\nserviceName: b\n"
              "taskDefinition: arn:aws:ecs:us-east-1:123456789012:task-definition/api:3\n",
     ""},
    {"same service name in two clusters is fine", "t.yaml",
     SVC_HEAD "cluster: a\n---\n" SVC_HEAD "cluster: arn:aws:ecs:us-east-1:1:cluster/b\n", ""},
    {"same service twice via a cluster ARN", "t.yaml",
     SVC_HEAD "cluster: b\n---\n" SVC_HEAD "cluster: arn:aws:ecs:us-east-1:1:cluster/b\n",
     "error: t.yaml:4:1: duplicate Service 'b/web' (first defined at t.yaml:1:1)\n"},
    {"settings: typo and bad duration", "ecsctl.yaml",
     "prun: true\nwait: {timeout: soon}\nkeepRevisions: -1\n",
     "error: ecsctl.yaml:1:1: unknown member 'prun' in ecsctl.yaml, did you mean 'prune'?\n"
     "error: ecsctl.yaml:2:17: 'wait.timeout' must be a duration such as '90s', '5m' or '1h', "
     "got 'soon'\n"
     "error: ecsctl.yaml:3:16: 'keepRevisions' must be between 0 and 1000, got -1\n"},
    {"settings: ignore rule", "ecsctl.yaml", "ignoreDifferences: [{kind: Servce, fields: []}]\n",
     "error: ecsctl.yaml:1:28: invalid value 'Servce' for 'ignoreDifferences[0].kind', did you "
     "mean 'Service'? (one of: Cluster, TaskDefinition, Service, *)\n"
     "error: ecsctl.yaml:1:44: 'ignoreDifferences[0].fields' has 0 items, at least 1 "
     "required\n"},
    {"settings: one document", "ecsctl.yaml", "name: a\n---\nname: b\n",
     "error: ecsctl.yaml:2:1: ecsctl.yaml holds one document, not 2\n"},
    {"several errors in one run, all reported", "t.yaml",
     "kind: TaskDefinition\n"
     "family: web\n"
     "cpu: 256\n"
     "containerDefinitions:\n"
     "  - name: web\n"
     "    imgae: nginx\n"
     "    memory: lots\n"
     "---\n"
     "kind: Service\n"
     "serviceName: web\n"
     "taskDefinition: web\n"
     "launchType: FARGATE\n"
     "desiredCount: -1\n"
     "schedulingStrategy: REPLICAS\n",
     "error: t.yaml:5:5: missing required member 'image' in containerDefinitions[0]\n"
     "error: t.yaml:6:5: unknown member 'imgae' in containerDefinitions[0], did you mean "
     "'image'?\n"
     "error: t.yaml:7:13: 'containerDefinitions[0].memory' must be an integer, got 'lots'\n"
     "error: t.yaml:12:13: 'FARGATE' runs tasks on Fargate, but TaskDefinition 'web' "
     "(t.yaml:1:1) cannot run there: its networkMode is not 'awsvpc' (rule: "
     "launch-type-compatibility)\n"
     "error: t.yaml:14:21: invalid value 'REPLICAS' for 'schedulingStrategy', did you mean "
     "'REPLICA'? (one of: REPLICA, DAEMON)\n"},
};

static void test_validate__bad_inputs_table(void **state)
{
	size_t i, failed = 0;

	(void)state;
	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		char *got = load_text(NULL, bad_cases[i].file, bad_cases[i].text, NULL);

		if (strcmp(got, bad_cases[i].expected)) {
			print_error("case '%s':\n got: %s\nwant: %s", bad_cases[i].what, got,
			            bad_cases[i].expected);
			failed++;
		}
		free(got);
	}
	assert_int_equal(failed, 0);
}

static void test_validate__limits_from_generated_input(void **state)
{
	struct ecsctl_buf b = ECSCTL_BUF_INIT;
	char *got;
	int i;

	(void)state;
	/* 256-character family: one past the documented 255 */
	ecsctl_buf_adds(&b, "kind: TaskDefinition\nfamily: ");
	for (i = 0; i < 256; i++)
		ecsctl_buf_addch(&b, 'f');
	ecsctl_buf_adds(&b, "\ncontainerDefinitions: [{name: web, image: nginx, memory: 64}]\n");
	got = load_text(NULL, "t.yaml", b.buf, NULL);
	assert_string_equal(got, "error: t.yaml:2:9: 'family' has 256 characters, at most 255 "
	                         "allowed\n");
	free(got);

	/* 51 tags (the model's Tags max 50) and 11 containers (the quota is 10) */
	ecsctl_buf_reset(&b);
	ecsctl_buf_adds(&b, "kind: TaskDefinition\nfamily: web\ntags:\n");
	for (i = 0; i < 51; i++)
		ecsctl_buf_addf(&b, "  - {key: k%d, value: v}\n", i);
	ecsctl_buf_adds(&b, "containerDefinitions:\n");
	for (i = 0; i < 11; i++)
		ecsctl_buf_addf(&b, "  - {name: c%d, image: nginx, memory: 64}\n", i);
	got = load_text(NULL, "t.yaml", b.buf, NULL);
	assert_string_equal(got, "error: t.yaml:4:3: 'tags' has 51 items, at most 50 allowed\n"
	                         "error: t.yaml:56:3: 'containerDefinitions' has 11 items, at most "
	                         "10 allowed\n");
	free(got);
	ecsctl_buf_release(&b);
}

static void test_validate__error_count_is_capped(void **state)
{
	struct ecsctl_buf b = ECSCTL_BUF_INIT;
	char *got, *p;
	size_t lines = 0;
	int i;

	(void)state;
	ecsctl_buf_adds(&b, "kind: Service\nserviceName: web\n");
	for (i = 0; i < 5000; i++)
		ecsctl_buf_addf(&b, "m%d: 1\n", i);
	got = load_text(NULL, "t.yaml", b.buf, NULL);
	for (p = got; (p = strchr(p, '\n')) != NULL; p++)
		lines++;
	assert_int_equal(lines, 1001);
	assert_memory_equal(got, "error: too many errors: stopped after 1000\n", 43);
	free(got);
	ecsctl_buf_release(&b);
}

static void test_validate__payload_typing(void **state)
{
	struct ecsctl_model m;
	const struct ecsctl_resource *r;
	char *d;

	(void)state;
	d = load_text(&m, "t.yaml",
	              TD_HEAD "cpu: 256\n"
	                      "memory: 0.5 GB\n"
	                      "containerDefinitions:\n"
	                      "  - name: web\n"
	                      "    image: nginx\n"
	                      "    essential: true\n"
	                      "    memory: 128\n"
	                      "    command: [echo, 1, true]\n"
	                      "---\n"
	                      "kind: Service\nserviceName: web\ntaskDefinition: web\n"
	                      "launchType:\n"
	                      "platformVersion: 1.4.0\n",
	              NULL);
	assert_string_equal(d, "");
	free(d);
	assert_int_equal(m.count, 2);
	r = ecsctl_model_find(&m, ECSCTL_KIND_TASKDEF, "web");
	assert_non_null(r);
	/* an unquoted 256 in a string member is the string the API takes */
	assert_string_equal(json_string_value(json_object_get(r->body, "cpu")), "256");
	assert_true(json_is_true(json_object_get(
	    json_array_get(json_object_get(r->body, "containerDefinitions"), 0), "essential")));
	assert_int_equal(
	    json_integer_value(json_object_get(
	        json_array_get(json_object_get(r->body, "containerDefinitions"), 0), "memory")),
	    128);
	assert_string_equal(
	    json_string_value(json_array_get(
	        json_object_get(json_array_get(json_object_get(r->body, "containerDefinitions"), 0),
	                        "command"),
	        2)),
	    "true");
	r = ecsctl_model_find(&m, ECSCTL_KIND_SERVICE, "default/web");
	assert_non_null(r);
	assert_string_equal(r->cluster, "default");
	assert_null(json_object_get(r->body, "launchType")); /* empty = null = absent */
	assert_string_equal(json_string_value(json_object_get(r->body, "platformVersion")),
	                    "1.4.0");
	assert_null(ecsctl_model_find(&m, ECSCTL_KIND_SERVICE, "web"));
	ecsctl_model_release(&m);
}

int run_validate_tests(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_validate__bad_inputs_table),
	    cmocka_unit_test(test_validate__limits_from_generated_input),
	    cmocka_unit_test(test_validate__error_count_is_capped),
	    cmocka_unit_test(test_validate__payload_typing),
	};

	return cmocka_run_group_tests_name("validate", tests, NULL, NULL);
}
