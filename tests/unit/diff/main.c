#include <stdio.h>

#include "diff_test.h"

json_t *J(const char *text)
{
	char *s = strdup(text), *p;
	json_error_t e;
	json_t *v;

	assert_non_null(s);
	for (p = s; *p; p++)
		if (*p == '\'')
			*p = '"';
	v = json_loads(s, JSON_DECODE_ANY, &e);
	if (!v)
		fprintf(stderr, "fixture: %s at %d:%d in %s\n", e.text, e.line, e.column, s);
	free(s);
	assert_non_null(v);
	return v;
}

void assert_json(const json_t *v, const char *text)
{
	json_t *want = J(text);
	char *got = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
	char *exp = json_dumps(want, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);

	if (!v || !json_equal((json_t *)v, want))
		fail_msg("got %s\nwant %s", got ? got : "(null)", exp);
	free(got);
	free(exp);
	json_decref(want);
}

/* What a user writes: a RegisterTaskDefinition payload for Fargate. */
json_t *fixture_fargate_desired(void)
{
	return J(
	    "{'family': 'web', 'networkMode': 'awsvpc',"
	    " 'requiresCompatibilities': ['FARGATE'], 'cpu': '0.25 vCPU', 'memory': '0.5GB',"
	    " 'executionRoleArn': 'arn:aws:iam::123456789012:role/ecsTaskExecutionRole',"
	    " 'containerDefinitions': [{'name': 'web', 'image': 'public.ecr.aws/nginx/nginx:1.27',"
	    "   'portMappings': [{'containerPort': 80}],"
	    "   'environment': [{'name': 'LOG_LEVEL', 'value': 'info'},"
	    "                   {'name': 'APP_ENV', 'value': 'prod'}],"
	    "   'secrets': [{'name': 'DB_PASSWORD', 'valueFrom': "
	    "'arn:aws:ssm:us-east-1:123456789012:parameter/web/db'}],"
	    "   'logConfiguration': {'logDriver': 'awslogs', 'options': {"
	    "     'awslogs-group': '/ecs/web', 'awslogs-region': 'us-east-1',"
	    "     'awslogs-stream-prefix': 'web'}},"
	    "   'healthCheck': {'command': ['CMD-SHELL', 'curl -f http://localhost/ || exit 1']}},"
	    "  {'name': 'log-router', 'image': 'amazon/aws-for-fluent-bit:stable',"
	    "   'essential': false, 'memoryReservation': 50,"
	    "   'firelensConfiguration': {'type': 'fluentbit'}}],"
	    " 'tags': [{'key': 'team', 'value': 'shop'}]}");
}

/* What DescribeTaskDefinition returns for it (shape of real ECS answers:
 * empty lists, cpu 0, protocol and hostPort filled, health check defaults,
 * read-only members, containers in registration order). */
json_t *fixture_fargate_live(void)
{
	return J(
	    "{'taskDefinitionArn': 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:7',"
	    " 'containerDefinitions': [{'name': 'web', 'image': 'public.ecr.aws/nginx/nginx:1.27',"
	    "   'cpu': 0, 'portMappings': [{'containerPort': 80, 'hostPort': 80, 'protocol': "
	    "'tcp'}],"
	    "   'essential': true,"
	    "   'environment': [{'name': 'APP_ENV', 'value': 'prod'},"
	    "                   {'name': 'LOG_LEVEL', 'value': 'info'}],"
	    "   'mountPoints': [], 'volumesFrom': [],"
	    "   'secrets': [{'name': 'DB_PASSWORD', 'valueFrom': "
	    "'arn:aws:ssm:us-east-1:123456789012:parameter/web/db'}],"
	    "   'logConfiguration': {'logDriver': 'awslogs', 'options': {"
	    "     'awslogs-group': '/ecs/web', 'awslogs-region': 'us-east-1',"
	    "     'awslogs-stream-prefix': 'web'}, 'secretOptions': []},"
	    "   'healthCheck': {'command': ['CMD-SHELL', 'curl -f http://localhost/ || exit 1'],"
	    "     'interval': 30, 'timeout': 5, 'retries': 3},"
	    "   'systemControls': []},"
	    "  {'name': 'log-router', 'image': 'amazon/aws-for-fluent-bit:stable', 'cpu': 0,"
	    "   'memoryReservation': 50, 'portMappings': [], 'essential': false,"
	    "   'environment': [], 'mountPoints': [], 'volumesFrom': [],"
	    "   'firelensConfiguration': {'type': 'fluentbit'}, 'systemControls': []}],"
	    " 'family': 'web', 'executionRoleArn': "
	    "'arn:aws:iam::123456789012:role/ecsTaskExecutionRole',"
	    " 'networkMode': 'awsvpc', 'revision': 7, 'volumes': [], 'status': 'ACTIVE',"
	    " 'requiresAttributes': [{'name': "
	    "'com.amazonaws.ecs.capability.logging-driver.awslogs'},"
	    "   {'name': 'ecs.capability.execution-role-awslogs'},"
	    "   {'name': 'ecs.capability.secrets.ssm.environment-variables'},"
	    "   {'name': 'ecs.capability.firelens.fluentbit'}, {'name': "
	    "'ecs.capability.task-eni'}],"
	    " 'placementConstraints': [], 'compatibilities': ['EC2', 'FARGATE'],"
	    " 'requiresCompatibilities': ['FARGATE'], 'cpu': '256', 'memory': '512',"
	    " 'registeredAt': 1732700000.123,"
	    " 'registeredBy': 'arn:aws:sts::123456789012:assumed-role/ci/gha'}");
}

static int run(const char *name, const struct CMUnitTest *t, size_t n)
{
	return _cmocka_run_group_tests(name, t, n, NULL, NULL);
}

int main(void)
{
	int failed = 0;

	failed += run("normalize", normalize_tests, normalize_ntests);
	failed += run("values", values_tests, values_ntests);
	failed += run("service", service_tests, service_ntests);
	failed += run("cluster", cluster_tests, cluster_ntests);
	failed += run("output", output_tests, output_ntests);
	return failed ? 1 : 0;
}
