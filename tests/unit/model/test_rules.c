/* Preflight rules: for each rule, a document ECS accepts (no diagnostics)
 * and one it refuses (exactly the rule's message, at its position). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model_int.h"
#include "model_test.h"
#include "banned.h"

#define FARGATE_TD                                                                                 \
	"kind: TaskDefinition\nfamily: web\nrequiresCompatibilities: [FARGATE]\n"                  \
	"networkMode: awsvpc\ncpu: 256\nmemory: 512\n"
#define EC2_TD "kind: TaskDefinition\nfamily: web\n"
#define SVC "---\nkind: Service\nserviceName: web\ntaskDefinition: web\n"
#define NET "networkConfiguration: {awsvpcConfiguration: {subnets: [subnet-1]}}\n"

struct rule_case {
	const char *rule;
	const char *good;
	const char *bad;
	const char *expected; /* for `bad` */
};

static const struct rule_case cases[] = {
    {"container-name-unique",
     EC2_TD "containerDefinitions: [{name: a, image: i, memory: 64}, {name: b, image: i, memory: "
            "64}]\n",
     EC2_TD "containerDefinitions: [{name: a, image: i, memory: 64}, {name: a, image: i, memory: "
            "64}]\n",
     "error: t.yaml:3:64: container name 'a' in containerDefinitions[1] is already used by "
     "containerDefinitions[0] (rule: container-name-unique)\n"},
    {"essential-container",
     EC2_TD "containerDefinitions: [{name: a, image: i, memory: 64, essential: false}, {name: b, "
            "image: i, memory: 64}]\n",
     EC2_TD "containerDefinitions: [{name: a, image: i, memory: 64, essential: false}]\n",
     "error: t.yaml:3:23: no container is essential; a task needs at least one (rule: "
     "essential-container)\n"},
    {"fargate-network-mode", FARGATE_TD "containerDefinitions: [{name: web, image: nginx}]\n",
     "kind: TaskDefinition\nfamily: web\nrequiresCompatibilities: [FARGATE]\n"
     "networkMode: bridge\ncpu: 256\nmemory: 512\n"
     "containerDefinitions: [{name: web, image: nginx}]\n",
     "error: t.yaml:4:14: a FARGATE task definition needs networkMode 'awsvpc' (rule: "
     "fargate-network-mode)\n"},
    {"launch-type-capacity-provider",
     FARGATE_TD "containerDefinitions: [{name: web, image: nginx}]\n" SVC NET
                "capacityProviderStrategy: [{capacityProvider: FARGATE_SPOT}]\n",
     FARGATE_TD "containerDefinitions: [{name: web, image: nginx}]\n" SVC NET
                "launchType: FARGATE\n"
                "capacityProviderStrategy: [{capacityProvider: FARGATE_SPOT}]\n",
     "error: t.yaml:13:13: 'launchType' and 'capacityProviderStrategy' exclude each other "
     "(rule: launch-type-capacity-provider)\n"},
    {"fargate-execution-role",
     FARGATE_TD "executionRoleArn: arn:aws:iam::1:role/x\n"
                "containerDefinitions:\n"
                "  - {name: web, image: nginx, logConfiguration: {logDriver: awslogs}}\n",
     FARGATE_TD "containerDefinitions:\n"
                "  - {name: web, image: nginx, logConfiguration: {logDriver: awslogs}}\n"
                "  - {name: b, image: 1.dkr.ecr.us-east-1.amazonaws.com/b:1}\n",
     "error: t.yaml:8:61: a FARGATE task definition with the awslogs log driver needs "
     "'executionRoleArn' (the role that writes the logs) (rule: fargate-execution-role)\n"
     "error: t.yaml:9:22: a FARGATE task definition pulling from Amazon ECR needs "
     "'executionRoleArn' (the role that pulls the image) (rule: fargate-execution-role)\n"},
    {"secrets-execution-role",
     EC2_TD "executionRoleArn: x\ncontainerDefinitions:\n"
            "  - {name: web, image: nginx, memory: 64, secrets: [{name: A, valueFrom: b}]}\n",
     EC2_TD "containerDefinitions:\n"
            "  - {name: web, image: nginx, memory: 64, secrets: [{name: A, valueFrom: b}],\n"
            "     repositoryCredentials: {credentialsParameter: c}}\n",
     "error: t.yaml:4:52: container secrets need 'executionRoleArn' (the role that reads "
     "them) (rule: secrets-execution-role)\n"
     "error: t.yaml:5:29: private registry authentication needs 'executionRoleArn' (the role "
     "that reads the credentials) (rule: secrets-execution-role)\n"},
    {"awsvpc-host-port",
     FARGATE_TD "containerDefinitions:\n"
                "  - {name: web, image: nginx, portMappings: [{containerPort: 80, hostPort: "
                "80}, {containerPort: 81}]}\n",
     FARGATE_TD "containerDefinitions:\n"
                "  - {name: web, image: nginx, portMappings: [{containerPort: 80, hostPort: "
                "8080}]}\n",
     "error: t.yaml:8:76: hostPort 8080 differs from containerPort 80; with networkMode "
     "'awsvpc' the hostPort must be left out or equal the containerPort (rule: "
     "awsvpc-host-port)\n"},
    {"container-memory",
     EC2_TD "containerDefinitions:\n"
            "  - {name: web, image: nginx, memory: 128, memoryReservation: 128}\n"
            "  - {name: b, image: nginx, memoryReservation: 64}\n",
     EC2_TD "containerDefinitions:\n"
            "  - {name: web, image: nginx}\n"
            "  - {name: b, image: nginx, memory: 64, memoryReservation: 128}\n",
     "error: t.yaml:4:5: container 'web' needs 'memory' or 'memoryReservation' when the task "
     "sets no 'memory' (rule: container-memory)\n"
     "error: t.yaml:5:60: memoryReservation 128 is more than the container's memory limit 64 "
     "(rule: container-memory)\n"},
    {"task-size-sum",
     FARGATE_TD "containerDefinitions:\n"
                "  - {name: web, image: nginx, cpu: 128, memoryReservation: 256}\n"
                "  - {name: b, image: nginx, cpu: 128, memory: 256}\n",
     FARGATE_TD "containerDefinitions:\n"
                "  - {name: web, image: nginx, cpu: 200, memoryReservation: 256, memory: 1024}\n"
                "  - {name: b, image: nginx, cpu: 100, memory: 512}\n",
     "error: t.yaml:5:6: the containers' cpu adds up to 300, more than the task's cpu 256 "
     "(rule: task-size-sum)\n"
     "error: t.yaml:6:9: the containers reserve 768 MiB of memory (memoryReservation, else "
     "memory), more than the task's memory 512 (rule: task-size-sum)\n"},
    {"fargate-cpu-memory",
     "kind: TaskDefinition\nfamily: web\nrequiresCompatibilities: [FARGATE]\n"
     "networkMode: awsvpc\ncpu: 1 vCPU\nmemory: 3 GB\n"
     "containerDefinitions: [{name: web, image: nginx}]\n",
     "kind: TaskDefinition\nfamily: web\nrequiresCompatibilities: [FARGATE]\n"
     "networkMode: awsvpc\ncpu: 256\nmemory: 4096\n"
     "containerDefinitions: [{name: web, image: nginx}]\n",
     "error: t.yaml:5:6: Fargate has no task size of cpu 256 with memory 4096 MiB (valid: 256 "
     "with 512-2048, 512 with 1024-4096, 1024 with 2048-8192, 2048 with 4096-16384, 4096 with "
     "8192-30720, in 1024 steps; 8192 with 16384-61440 in 4096 steps; 16384 with "
     "32768-122880 in 8192 steps) (rule: fargate-cpu-memory)\n"},
    {"mount-source-volume",
     EC2_TD "volumes: [{name: data}]\ncontainerDefinitions:\n"
            "  - {name: web, image: nginx, memory: 64, mountPoints: [{sourceVolume: data, "
            "containerPath: /d}]}\n",
     EC2_TD "volumes: [{name: data}]\ncontainerDefinitions:\n"
            "  - {name: web, image: nginx, memory: 64, mountPoints: [{sourceVolume: dta, "
            "containerPath: /d}]}\n",
     "error: t.yaml:5:72: sourceVolume 'dta' is not a volume of the task (its 'volumes' name "
     "the ones there are) (rule: mount-source-volume)\n"},
    {"container-reference",
     EC2_TD "memory: 512\nproxyConfiguration: {containerName: envoy}\ncontainerDefinitions:\n"
            "  - {name: web, image: nginx, links: ['db:database'], volumesFrom: "
            "[{sourceContainer: db}],\n"
            "     dependsOn: [{containerName: db, condition: START}]}\n"
            "  - {name: db, image: postgres}\n"
            "  - {name: envoy, image: envoy}\n",
     EC2_TD "memory: 512\nproxyConfiguration: {containerName: envy}\ncontainerDefinitions:\n"
            "  - {name: web, image: nginx, links: ['dbx:database'], volumesFrom: "
            "[{sourceContainer: dbx}],\n"
            "     dependsOn: [{containerName: dbx, condition: START}]}\n",
     "error: t.yaml:4:37: proxyConfiguration names container 'envy', which the task does not "
     "have (rule: container-reference)\n"
     "error: t.yaml:6:39: links names container 'dbx', which the task does not have (rule: "
     "container-reference)\n"
     "error: t.yaml:6:88: volumesFrom names container 'dbx', which the task does not have "
     "(rule: container-reference)\n"
     "error: t.yaml:7:34: dependsOn names container 'dbx', which the task does not have "
     "(rule: container-reference)\n"},
    {"network-configuration",
     FARGATE_TD "containerDefinitions: [{name: web, image: nginx}]\n" SVC NET,
     FARGATE_TD "containerDefinitions: [{name: web, image: nginx}]\n" SVC
                "---\nkind: TaskDefinition\nfamily: api\n"
                "containerDefinitions: [{name: a, image: b, memory: 64}]\n"
                "---\nkind: Service\nserviceName: api\ntaskDefinition: api\n" NET,
     "error: t.yaml:11:17: TaskDefinition 'web' (t.yaml:1:1) uses networkMode 'awsvpc': the "
     "service needs 'networkConfiguration.awsvpcConfiguration' (subnets, security groups) "
     "(rule: network-configuration)\n"
     "error: t.yaml:20:45: 'networkConfiguration.awsvpcConfiguration' is only for networkMode "
     "'awsvpc'; TaskDefinition 'api' (t.yaml:12:1) uses 'bridge' (rule: "
     "network-configuration)\n"},
    {"load-balancer-container",
     FARGATE_TD "containerDefinitions: [{name: web, image: nginx, portMappings: "
                "[{containerPort: 80}]}]\n" SVC NET
                "loadBalancers: [{targetGroupArn: tg, containerName: web, containerPort: 80}]\n",
     FARGATE_TD "containerDefinitions: [{name: web, image: nginx, portMappings: "
                "[{containerPort: 80}]}]\n" SVC NET
                "loadBalancers: [{targetGroupArn: tg, containerName: web, containerPort: 8080},\n"
                "  {targetGroupArn: tg, containerName: app, containerPort: 80}]\n",
     "error: t.yaml:13:73: loadBalancers[0] sends to port 8080 of container 'web', which has no "
     "port mapping with that containerPort in TaskDefinition 'web' (t.yaml:1:1) (rule: "
     "load-balancer-container)\n"
     "error: t.yaml:14:39: loadBalancers[1] names container 'app', which TaskDefinition 'web' "
     "(t.yaml:1:1) does not have (rule: load-balancer-container)\n"},
    {"service-connect-port-name",
     FARGATE_TD "containerDefinitions: [{name: web, image: nginx, portMappings: "
                "[{containerPort: 80, name: http}]}]\n" SVC NET
                "serviceConnectConfiguration: {enabled: true, services: [{portName: http}]}\n",
     FARGATE_TD "containerDefinitions: [{name: web, image: nginx, portMappings: "
                "[{containerPort: 80, name: http}]}]\n" SVC NET
                "serviceConnectConfiguration: {enabled: true, services: [{portName: web}]}\n",
     "error: t.yaml:13:68: serviceConnectConfiguration.services[0].portName 'web' is not the "
     "'name' of a port mapping in TaskDefinition 'web' (t.yaml:1:1) (rule: "
     "service-connect-port-name)\n"},
    {"launch-type-compatibility",
     FARGATE_TD "containerDefinitions: [{name: web, image: nginx}]\n" SVC NET
                "launchType: FARGATE\n",
     EC2_TD "containerDefinitions: [{name: web, image: nginx, memory: 64}]\n" SVC
            "launchType: FARGATE\n"
            "---\nkind: Service\nserviceName: b\ntaskDefinition: web\n"
            "capacityProviderStrategy: [{capacityProvider: FARGATE_SPOT}]\n",
     "error: t.yaml:8:13: 'FARGATE' runs tasks on Fargate, but TaskDefinition 'web' (t.yaml:1:1) "
     "cannot run there: its networkMode is not 'awsvpc' (rule: launch-type-compatibility)\n"
     "error: t.yaml:13:47: 'FARGATE_SPOT' runs tasks on Fargate, but TaskDefinition 'web' "
     "(t.yaml:1:1) cannot run there: its networkMode is not 'awsvpc' (rule: "
     "launch-type-compatibility)\n"},
    {"platform-version",
     FARGATE_TD "containerDefinitions: [{name: web, image: nginx}]\n" SVC NET
                "launchType: FARGATE\nplatformVersion: 1.4.0\n"
                "---\nkind: Service\nserviceName: b\ntaskDefinition: web\n" NET
                "capacityProviderStrategy: [{capacityProvider: FARGATE_SPOT}]\n"
                "platformVersion: LATEST\n",
     FARGATE_TD "containerDefinitions: [{name: web, image: nginx}]\n" SVC NET
                "launchType: EC2\nplatformVersion: 1.4.0\n"
                "---\nkind: Cluster\n---\nkind: Service\nserviceName: b\ntaskDefinition: web\n" NET
                "platformVersion: LATEST\n",
     "error: t.yaml:14:18: 'platformVersion' is only for Fargate: the service runs on EC2 "
     "(rule: platform-version)\n"
     "error: t.yaml:22:18: 'platformVersion' is only for Fargate: the service runs on EC2 (its "
     "cluster has no default capacity provider strategy) (rule: platform-version)\n"},
};

static void test_rules__each_rule_passes_and_fails(void **state)
{
	size_t i, failed = 0;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *good = load_text(NULL, "t.yaml", cases[i].good, NULL);
		char *bad = load_text(NULL, "t.yaml", cases[i].bad, NULL);

		if (*good) {
			print_error("rule %s, accepted document:\n%s", cases[i].rule, good);
			failed++;
		}
		if (strcmp(bad, cases[i].expected)) {
			print_error("rule %s:\n got: %s\nwant: %s", cases[i].rule, bad,
			            cases[i].expected);
			failed++;
		}
		free(good);
		free(bad);
	}
	assert_int_equal(failed, 0);
}

/* Every rule has a passing and a failing case above and its row in
 * docs/preflight.md (tests run in the source tree), so the tables, the tests
 * and the documentation cannot drift apart. */
static void test_rules__every_rule_tested_and_documented(void **state)
{
	const struct model_rule *tables[] = {model_taskdef_rules, model_service_rules};
	FILE *f = fopen("docs/preflight.md", "r");
	static char doc[65536];
	char row[128];
	size_t t, i, n, len;
	const struct model_rule *r;

	(void)state;
	assert_non_null(f);
	len = fread(doc, 1, sizeof(doc) - 1, f);
	fclose(f);
	assert_true(len > 0 && len < sizeof(doc) - 1);
	doc[len] = '\0';
	for (t = 0, n = 0; t < 2; t++) {
		for (r = tables[t]; r->name; r++, n++) {
			bool tested = false;

			for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
				tested |= !strcmp(cases[i].rule, r->name);
			if (!tested)
				fail_msg("rule %s has no case in test_rules.c", r->name);
			snprintf(row, sizeof(row), "| `%s` |", r->name);
			if (!strstr(doc, row))
				fail_msg("rule %s has no row in docs/preflight.md", r->name);
		}
	}
	assert_int_equal(n, sizeof(cases) / sizeof(cases[0]));
}

/* The same rules hold for an API request (ecs-local's and a saved plan's
 * check), where there are no positions. */
static void test_rules__payload_names_the_rule(void **state)
{
	json_t *req = json_loads("{\"family\": \"a\", \"networkMode\": \"awsvpc\", "
	                         "\"containerDefinitions\": [{\"name\": \"x\", \"image\": \"i\", "
	                         "\"memory\": 64, \"portMappings\": [{\"containerPort\": 80, "
	                         "\"hostPort\": 81}]}]}",
	                         0, NULL);
	struct ecsctl_diags d = ECSCTL_DIAGS_INIT;

	(void)state;
	assert_int_equal(ecsctl_model_check_payload("RegisterTaskDefinition", req, &d), 1);
	assert_non_null(strstr(d.items[0].message, "(rule: awsvpc-host-port)"));
	ecsctl_diags_release(&d);
	json_decref(req);
}

int run_rules_tests(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rules__each_rule_passes_and_fails),
	    cmocka_unit_test(test_rules__payload_names_the_rule),
	    cmocka_unit_test(test_rules__every_rule_tested_and_documented),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
