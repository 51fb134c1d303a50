/* describe-task-definition JSON, settings, render. */
#include <stdlib.h>
#include <string.h>

#include "ecsctl/buf.h"
#include "model_test.h"
#include "banned.h"

static const char describe_output[] =
    "{\n"
    "  \"taskDefinition\": {\n"
    "    \"taskDefinitionArn\": \"arn:aws:ecs:us-east-1:1:task-definition/api:7\",\n"
    "    \"containerDefinitions\": [{\"name\": \"api\", \"image\": \"api:1\", \"cpu\": 0,\n"
    "      \"portMappings\": [], \"essential\": true, \"environment\": []}],\n"
    "    \"family\": \"api\",\n"
    "    \"revision\": 7,\n"
    "    \"status\": \"ACTIVE\",\n"
    "    \"requiresAttributes\": [{\"name\": \"ecs.capability.task-eni\"}],\n"
    "    \"compatibilities\": [\"EC2\", \"FARGATE\"],\n"
    "    \"cpu\": \"256\", \"memory\": \"512\",\n"
    "    \"registeredAt\": \"2024-03-18T10:21:44.123000+00:00\",\n"
    "    \"registeredBy\": \"arn:aws:sts::1:assumed-role/ci\"\n"
    "  },\n"
    "  \"tags\": [{\"key\": \"team\", \"value\": \"payments\"}]\n"
    "}\n";

static void test_describe__describe_output_drops_read_only(void **state)
{
	struct ecsctl_model m;
	const struct ecsctl_resource *r;
	char *d = load_text(&m, "api.json", describe_output, NULL);

	(void)state;
	assert_string_equal(
	    d,
	    "notice: api.json:3:5: dropped read-only members of describe-task-definition output: "
	    "'taskDefinitionArn', 'revision', 'status', 'requiresAttributes', 'compatibilities', "
	    "'registeredAt', 'registeredBy'\n");
	free(d);
	assert_int_equal(m.count, 1);
	r = ecsctl_model_find(&m, ECSCTL_KIND_TASKDEF, "api");
	assert_non_null(r);
	assert_null(json_object_get(r->body, "revision"));
	assert_string_equal(json_string_value(json_object_get(
	                        json_array_get(json_object_get(r->body, "tags"), 0), "value")),
	                    "payments"); /* the outer tags join the payload */
	ecsctl_model_release(&m);
}

static void test_describe__inner_object_and_non_matches(void **state)
{
	char *d;

	(void)state;
	/* the taskDefinition object alone */
	d = load_text(
	    NULL, "api.json",
	    "{\"family\": \"api\", \"revision\": 2,\n"
	    " \"containerDefinitions\": [{\"name\": \"a\", \"image\": \"b\", \"memory\": 64}]}",
	    NULL);
	assert_string_equal(d, "notice: api.json:1:19: dropped read-only members of "
	                       "describe-task-definition output: 'revision'\n");
	free(d);
	/* other JSON without kind is not guessed at */
	d = load_text(NULL, "x.json", "{\"serviceName\": \"web\"}", NULL);
	assert_string_equal(
	    d, "error: x.json:1:1: missing 'kind' (Cluster, TaskDefinition or Service)\n");
	free(d);
	/* YAML is never imported: kind is required */
	d = load_text(NULL, "x.yaml", "family: api\ncontainerDefinitions: []\n", NULL);
	assert_string_equal(
	    d, "error: x.yaml:1:1: missing 'kind' (Cluster, TaskDefinition or Service)\n");
	free(d);
	/* JSON with kind is an ordinary resource */
	d = load_text(NULL, "c.json", "{\"kind\": \"Cluster\", \"clusterName\": \"x y\"}", NULL);
	assert_string_equal(d, "error: c.json:1:36: 'clusterName' may contain only letters, "
	                       "digits, '_' and '-', got 'x y'\n");
	free(d);
}

static void test_describe__settings(void **state)
{
	struct ecsctl_model m;
	char *d;

	(void)state;
	d = load_text(&m, "ecsctl.yaml",
	              "name: shop-prod\nregion: eu-west-1\nprune: true\nkeepRevisions: 3\n"
	              "wait: {timeout: 90s, rollbackOnFailure: true}\nsuspend: true\n"
	              "ignoreDifferences:\n"
	              "  - {kind: Service, name: \"*\", fields: [desiredCount, taskDefinition]}\n"
	              "  - {kind: TaskDefinition, fields: [cpu]}\n",
	              NULL);
	assert_string_equal(d, "");
	free(d);
	assert_string_equal(m.settings.name, "shop-prod");
	assert_string_equal(m.settings.region, "eu-west-1");
	assert_true(m.settings.prune);
	assert_true(m.settings.suspend);
	assert_true(m.settings.rollback_on_failure);
	assert_int_equal(m.settings.keep_revisions, 3);
	assert_int_equal(m.settings.wait_timeout_ms, 90000);
	assert_int_equal(m.settings.nignore, 2);
	assert_string_equal(m.settings.ignore[0].kind, "Service");
	assert_int_equal(m.settings.ignore[0].nfields, 2);
	assert_string_equal(m.settings.ignore[0].fields[1], "taskDefinition");
	assert_string_equal(m.settings.ignore[1].name, "*"); /* default */
	assert_int_equal(m.count, 0);
	ecsctl_model_release(&m);

	/* a broken ecsctl.yaml: the error, and still the defaults */
	d = load_text(&m, "ecsctl.yaml", "name: [a\n", NULL);
	assert_non_null(strstr(d, "error: ecsctl.yaml:2:1: invalid YAML"));
	free(d);
	assert_string_equal(m.settings.name, "ecsctl");
	assert_int_equal(m.settings.keep_revisions, 5);
	ecsctl_model_release(&m);

	/* no ecsctl.yaml: defaults */
	d = load_text(&m, "c.yaml", "kind: Cluster\n", NULL);
	assert_string_equal(d, "");
	free(d);
	assert_string_equal(m.settings.name, "ecsctl"); /* the root's folder name */
	assert_null(m.settings.region);
	assert_false(m.settings.prune);
	assert_int_equal(m.settings.keep_revisions, 5);
	assert_int_equal(m.settings.wait_timeout_ms, 600000);
	ecsctl_model_release(&m);
}

static char *render_text(const char *text)
{
	struct ecsctl_model m;
	json_t *doc;
	char *d = load_text(&m, "all.yaml", text, NULL);
	char *out;

	assert_string_equal(d, "");
	free(d);
	doc = ecsctl_model_render(&m);
	assert_non_null(doc);
	out = json_dumps(doc, JSON_PRESERVE_ORDER | JSON_COMPACT);
	json_decref(doc);
	ecsctl_model_release(&m);
	return out;
}

static void test_describe__render_is_canonical(void **state)
{
	/* the same resources, documents and members in different orders */
	char *a = render_text(
	    "kind: Service\nserviceName: web\ntaskDefinition: web\n"
	    "desiredCount: 2\n---\n"
	    "kind: TaskDefinition\nfamily: web\n"
	    "containerDefinitions: [{name: web, image: nginx, memory: 64,\n"
	    "  dockerLabels: {b: '2', a: '1'}}]\n---\n"
	    "kind: Cluster\nclusterName: b\n---\nkind: Cluster\nclusterName: a\n");
	char *b = render_text("kind: Cluster\nclusterName: a\n---\nkind: Cluster\nclusterName: b\n"
	                      "---\nkind: TaskDefinition\n"
	                      "containerDefinitions: [{dockerLabels: {a: '1', b: '2'},\n"
	                      "  memory: 64, image: nginx, name: web}]\nfamily: web\n---\n"
	                      "kind: Service\ndesiredCount: 2\ntaskDefinition: web\n"
	                      "serviceName: web\n");

	(void)state;
	assert_string_equal(a, b);
	assert_string_equal(
	    a, "{\"formatVersion\":1,\"commit\":null,"
	       "\"clusters\":[{\"clusterName\":\"a\"},{\"clusterName\":\"b\"}],"
	       "\"taskDefinitions\":[{\"family\":\"web\",\"containerDefinitions\":[{\"name\":"
	       "\"web\",\"image\":\"nginx\",\"memory\":64,\"dockerLabels\":{\"a\":\"1\",\"b\":"
	       "\"2\"}}]}],"
	       "\"services\":[{\"serviceName\":\"web\",\"taskDefinition\":\"web\","
	       "\"desiredCount\":2}]}");
	free(a);
	free(b);
}

static char *check(const char *op, const char *body)
{
	struct ecsctl_diags d = ECSCTL_DIAGS_INIT;
	struct ecsctl_buf out = ECSCTL_BUF_INIT;
	json_error_t jerr;
	json_t *j = json_loads(body, 0, &jerr);
	size_t i, n;

	assert_non_null(j);
	n = ecsctl_model_check_payload(op, j, &d);
	assert_int_equal(n, d.errors);
	for (i = 0; i < d.count; i++)
		ecsctl_buf_addf(&out, "%s [%s] %s\n",
		                d.items[i].resource ? d.items[i].resource : "-",
		                d.items[i].path ? d.items[i].path : "-", d.items[i].message);
	json_decref(j);
	ecsctl_diags_release(&d);
	return ecsctl_buf_detach(&out);
}

static void test_describe__api_payload_check(void **state)
{
	char *got;

	(void)state;
	got = check("CreateService", "{\"serviceName\": \"web\", \"desiredCount\": 2, "
	                             "\"launchType\": \"FARGATE\"}");
	assert_string_equal(got, "");
	free(got);
	got = check("CreateService", "{\"serviceName\": \"w b\", \"desiredCount\": \"2\", "
	                             "\"lanchType\": \"EC2\"}");
	assert_string_equal(
	    got, "CreateService request [serviceName] 'serviceName' may contain only letters, "
	         "digits, '_' and '-', got 'w b'\n"
	         "CreateService request [desiredCount] 'desiredCount' must be an integer, got the "
	         "string '2'\n"
	         "CreateService request [lanchType] unknown member 'lanchType' in CreateService "
	         "request, did you mean 'launchType'?\n");
	free(got);
	got = check("RegisterTaskDefinition", "{\"family\": \"a\", \"containerDefinitions\": "
	                                      "[{\"name\": \"x\", \"image\": \"i\", "
	                                      "\"essential\": false, \"memory\": 64}]}");
	assert_string_equal(got, "RegisterTaskDefinition request [containerDefinitions] no "
	                         "container is essential; a task needs at least one (rule: "
	                         "essential-container)\n");
	free(got);
	got = check("TagResource", "{\"resourceArn\": \"arn\"}");
	assert_string_equal(got, "TagResource request [-] missing required member 'tags' in "
	                         "TagResource request\n");
	free(got);
	got = check("NoSuchOperation", "{}");
	assert_string_equal(got, "- [-] unknown operation 'NoSuchOperation'\n");
	free(got);
}

int run_describe_tests(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_describe__describe_output_drops_read_only),
	    cmocka_unit_test(test_describe__inner_object_and_non_matches),
	    cmocka_unit_test(test_describe__settings),
	    cmocka_unit_test(test_describe__api_payload_check),
	    cmocka_unit_test(test_describe__render_is_canonical),
	};

	return cmocka_run_group_tests_name("describe", tests, NULL, NULL);
}
