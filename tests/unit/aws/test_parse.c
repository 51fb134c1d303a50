/* Pure functions: the error table, endpoints and partitions, hosts, times, backoff, limiter. */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "aws_tests.h"
#include "ecsctl/aws.h"
#include "ecsctl/creds.h"
#include "retry_int.h"

struct error_case {
	long status;
	const char *error_type; /* X-Amzn-ErrorType header */
	const char *body;
	const char *code;
	const char *message_part;
};

/* Every form SUBSET.md section 5 lists, plus what proxies send. */
static const struct error_case error_cases[] = {
    {400, NULL, "{\"__type\":\"ClusterNotFoundException\",\"message\":\"Cluster not found.\"}",
     "ClusterNotFoundException", "Cluster not found."},
    {400, NULL, "{\"__type\":\"com.amazonaws.ecs#ClusterNotFoundException\",\"message\":\"x\"}",
     "ClusterNotFoundException", "x"},
    {400, NULL, "{\"__type\":\"a#b#ServiceNotFoundException\",\"Message\":\"Capital M\"}",
     "ServiceNotFoundException", "Capital M"},
    {400, "ThrottlingException:http://internal.amazon.com/coral/com.amazon.coral.availability/",
     "{\"message\":\"Rate exceeded\"}", "ThrottlingException", "Rate exceeded"},
    {400, "com.amazonaws.ecs#AccessDeniedException:http://x/",
     "{\"__type\":\"Ignored\",\"message\":\"m\"}", "AccessDeniedException", "m"},
    {400, NULL, "{\"code\":\"InvalidParameterException\",\"message\":\"bad\"}",
     "InvalidParameterException", "bad"},
    {500, NULL, "", "500", NULL},
    {503, NULL, "<html><body>Service Unavailable</body></html>", "503", "Service Unavailable"},
    {400, NULL, "{\"message\":\"no type\"}", "400", "no type"},
    {403, NULL, "not json at all", "403", "not json at all"},
    {400, NULL, "[1,2]", "400", NULL},
    {429, NULL, "{\"__type\":\"\",\"message\":\"\"}", "429", NULL},
};

static void test_aws_parse__error_table(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(error_cases) / sizeof(error_cases[0]); i++) {
		const struct error_case *c = &error_cases[i];
		struct ecsctl_error err = ECSCTL_ERROR_INIT;
		json_t *out = NULL;

		assert_int_equal(ecsctl_aws_parse_json_answer(&out, c->status, c->error_type,
		                                              "rid-1", c->body, strlen(c->body),
		                                              &err),
		                 ECSCTL_EAWS);
		assert_null(out);
		if (strcmp(err.aws_code, c->code))
			fail_msg("case %zu: code '%s', want '%s'", i, err.aws_code, c->code);
		assert_int_equal(err.http_status, c->status);
		assert_string_equal(err.request_id, "rid-1");
		if (c->message_part && !strstr(err.message, c->message_part))
			fail_msg("case %zu: message '%s' lacks '%s'", i, err.message,
			         c->message_part);
		ecsctl_error_release(&err);
	}
}

/* Query-protocol and S3 XML: list <member>s inside <member>s, entities,
 * empty elements, and <Error> answers into the error fields. */
static void test_aws_parse__xml_answers_and_errors(void **state)
{
	static const char doc[] =
	    "<R><Stacks><member><StackName>s</StackName><Parameters><member><ParameterKey>P"
	    "</ParameterKey></member></Parameters><Outputs><member><OutputKey>A</OutputKey>"
	    "<OutputValue>x &amp; &lt;y&gt; &#65;</OutputValue></member><member><OutputKey>B"
	    "</OutputKey><OutputValue/></member></Outputs></member></Stacks></R>";
	static const char s3[] = "<?xml version=\"1.0\"?>\n<Error><Code>NoSuchKey</Code>"
	                         "<Message>The specified key does not exist.</Message>"
	                         "<RequestId>r-9</RequestId></Error>";
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	struct ecsctl_aws_xml_span stack, outs, m;
	const char *end = doc + strlen(doc);
	char *t;

	(void)state;
	assert_int_equal(ecsctl_aws_xml_find(&stack, doc, end, "member"), 0);
	/* the stack's member ends after its Outputs: nested members counted */
	assert_true(strncmp(stack.after, "</Stacks>", 9) == 0);
	assert_int_equal(ecsctl_aws_xml_find(&outs, stack.start, stack.end, "Outputs"), 0);
	assert_int_equal(ecsctl_aws_xml_find(&m, outs.start, outs.end, "member"), 0);
	t = ecsctl_aws_xml_text(m.start, m.end, "OutputValue");
	assert_string_equal(t, "x & <y> A");
	free(t);
	assert_int_equal(ecsctl_aws_xml_find(&m, m.after, outs.end, "member"), 0);
	t = ecsctl_aws_xml_text(m.start, m.end, "OutputValue");
	assert_string_equal(t, ""); /* <OutputValue/> */
	free(t);
	assert_int_equal(ecsctl_aws_xml_find(&m, m.after, outs.end, "member"), -1);
	/* <StackNameX> is not <StackName> */
	assert_null(ecsctl_aws_xml_text(doc, end, "Stack"));

	assert_int_equal(ecsctl_aws_parse_xml_error(404, NULL, s3, strlen(s3), &err), ECSCTL_EAWS);
	assert_string_equal(err.aws_code, "NoSuchKey");
	assert_string_equal(err.message, "NoSuchKey: The specified key does not exist.");
	assert_string_equal(err.request_id, "r-9");
	assert_int_equal(err.http_status, 404);
	ecsctl_error_release(&err);
	/* no body (a HEAD, a proxy): the status is the code */
	assert_int_equal(ecsctl_aws_parse_xml_error(503, "h-1", "", 0, &err), ECSCTL_EAWS);
	assert_string_equal(err.aws_code, "503");
	assert_string_equal(err.request_id, "h-1");
	ecsctl_error_release(&err);
}

static void test_aws_parse__success_answers(void **state)
{
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	json_t *out = NULL;

	assert_int_equal(ecsctl_aws_parse_json_answer(&out, 200, NULL, NULL, "", 0, &err), 0);
	assert_true(json_is_object(out) && json_object_size(out) == 0);
	json_decref(out);
	assert_int_equal(ecsctl_aws_parse_json_answer(&out, 200, NULL, NULL, "{\"a\":1}", 7, &err),
	                 0);
	assert_int_equal(json_integer_value(json_object_get(out, "a")), 1);
	json_decref(out);
	/* the length bounds the parse: a truncated answer is malformed */
	assert_int_equal(ecsctl_aws_parse_json_answer(&out, 200, NULL, NULL, "{\"a\":1}", 5, &err),
	                 ECSCTL_EIO);
	ecsctl_error_release(&err);
	assert_int_equal(ecsctl_aws_parse_json_answer(&out, 200, NULL, NULL, "[]", 2, &err),
	                 ECSCTL_EIO);
	ecsctl_error_release(&err);
}

static void test_aws_parse__retry_classes(void **state)
{
	assert_true(ecsctl_aws_is_throttling("ThrottlingException", 400));
	assert_true(ecsctl_aws_is_throttling("TooManyRequestsException", 400));
	assert_true(ecsctl_aws_is_throttling("RequestLimitExceeded", 400));
	assert_true(ecsctl_aws_is_throttling("400", 429));
	assert_false(ecsctl_aws_is_throttling("LimitExceededException", 400));
	assert_false(ecsctl_aws_is_throttling("ClientException", 400));
	assert_true(ecsctl_aws_is_transient("ServerException", 500));
	assert_true(ecsctl_aws_is_transient("502", 502));
	assert_true(ecsctl_aws_is_transient("RequestTimeout", 400));
	assert_false(ecsctl_aws_is_transient("501", 501));
	assert_false(ecsctl_aws_is_transient("InvalidParameterException", 400));
}

static void endpoint_is(const char *const *env, const char *flag, const char *region,
                        const char *want)
{
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	char *url = NULL;

	assert_int_equal(ecsctl_aws_resolve_endpoint(&url, "ecs", flag, region, env, &err), 0);
	assert_string_equal(url, want);
	free(url);
}

static void test_aws_parse__endpoints_and_partitions(void **state)
{
	static const char *const none[] = {NULL};
	static const char *const generic[] = {"AWS_ENDPOINT_URL=http://127.0.0.1:4000/", NULL};
	static const char *const both[] = {"AWS_ENDPOINT_URL=http://127.0.0.1:4000",
	                                   "AWS_ENDPOINT_URL_ECS=http://127.0.0.1:4566", NULL};
	static const char *const bad[] = {"AWS_ENDPOINT_URL_ECS=file:///etc/passwd", NULL};
	static const char *const fips[] = {"AWS_USE_FIPS_ENDPOINT=true", NULL};
	static const char *const dual[] = {"AWS_USE_DUALSTACK_ENDPOINT=TRUE", NULL};
	static const char *const fips_dual[] = {"AWS_USE_FIPS_ENDPOINT=true",
	                                        "AWS_USE_DUALSTACK_ENDPOINT=true", NULL};
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	char *url = NULL;

	endpoint_is(none, NULL, "us-east-1", "https://ecs.us-east-1.amazonaws.com");
	endpoint_is(none, NULL, "cn-northwest-1", "https://ecs.cn-northwest-1.amazonaws.com.cn");
	endpoint_is(none, NULL, "us-gov-west-1", "https://ecs.us-gov-west-1.amazonaws.com");
	endpoint_is(none, NULL, "us-iso-east-1", "https://ecs.us-iso-east-1.c2s.ic.gov");
	/* a region not listed yet is placed by its partition's regex */
	endpoint_is(none, NULL, "cn-south-7", "https://ecs.cn-south-7.amazonaws.com.cn");
	endpoint_is(none, NULL, "eu-west-9", "https://ecs.eu-west-9.amazonaws.com");
	endpoint_is(generic, NULL, "us-east-1", "http://127.0.0.1:4000");
	endpoint_is(both, NULL, "us-east-1", "http://127.0.0.1:4566");
	endpoint_is(both, "https://ecs.example.test/", "us-east-1", "https://ecs.example.test");
	endpoint_is(fips, NULL, "us-gov-east-1", "https://ecs-fips.us-gov-east-1.amazonaws.com");
	endpoint_is(dual, NULL, "cn-north-1",
	            "https://ecs.cn-north-1.api.amazonwebservices.com.cn");
	endpoint_is(fips_dual, NULL, "eu-west-1", "https://ecs-fips.eu-west-1.api.aws");
	assert_int_equal(
	    ecsctl_aws_resolve_endpoint(&url, "ecs", NULL, "us-iso-east-1", dual, &err),
	    ECSCTL_EINVAL); /* aws-iso has no dual-stack */
	ecsctl_error_release(&err);
	assert_int_equal(
	    ecsctl_aws_resolve_endpoint(&url, "ecs", "http://127.0.0.1:1", "us-east-1", fips, &err),
	    ECSCTL_EINVAL);
	assert_non_null(strstr(err.message, "custom endpoint"));
	ecsctl_error_release(&err);
	endpoint_is(none, NULL, "us-isob-east-1", "https://ecs.us-isob-east-1.sc2s.sgov.gov");
	/* a region no partition's regex takes falls back to the aws partition */
	endpoint_is(none, NULL, "mars-1", "https://ecs.mars-1.amazonaws.com");
	assert_int_equal(ecsctl_aws_resolve_endpoint(&url, "ecs", NULL, "us-east-1", bad, &err),
	                 ECSCTL_EINVAL);
	ecsctl_error_release(&err);
	assert_int_equal(ecsctl_aws_resolve_endpoint(&url, "ecs", NULL, "a/b", none, &err),
	                 ECSCTL_EINVAL);
	ecsctl_error_release(&err);
}

static void host_is(const char *url, const char *want)
{
	char *h = ecsctl_aws_url_host(url);

	assert_non_null(h);
	assert_string_equal(h, want);
	free(h);
}

static void test_aws_parse__url_host(void **state)
{
	host_is("https://ECS.us-east-1.amazonaws.com", "ecs.us-east-1.amazonaws.com");
	host_is("https://ecs.us-east-1.amazonaws.com:443/", "ecs.us-east-1.amazonaws.com");
	host_is("http://127.0.0.1:80/x", "127.0.0.1");
	host_is("http://127.0.0.1:4566", "127.0.0.1:4566");
	host_is("https://h:80", "h:80");
	host_is("http://user:pw@h:8080/p?q", "h:8080");
	host_is("http://[::1]:4566/", "[::1]:4566");
	assert_null(ecsctl_aws_url_host("no-scheme"));
}

static void test_aws_parse__retry_quota(void **state)
{
	struct retry_quota q = {RETRY_QUOTA_MAX, RETRY_QUOTA_MAX};
	int granted = 0;

	while (!retry_quota_take(&q, RETRY_COST))
		granted++;
	assert_int_equal(granted, 100);
	retry_quota_give(&q, RETRY_COST);
	assert_int_equal(retry_quota_take(&q, RETRY_TIMEOUT_COST), -1);
	assert_int_equal(retry_quota_take(&q, RETRY_COST), 0);
	retry_quota_give(&q, 10000);
	assert_int_equal(q.available, RETRY_QUOTA_MAX);
}

static void test_aws_parse__rate_limiter_cubic(void **state)
{
	struct rate_limiter l;
	int64_t t = 1000000, wait, start, expect;
	double before, after_cut;
	int i;

	rate_limiter_init(&l, t);
	/* off until throttled */
	assert_int_equal(rate_limiter_acquire(&l, t), 0);
	for (i = 0; i < 200; i++) { /* 20 requests/s for 10 s */
		t += 50;
		rate_limiter_update(&l, t, 0, t - 10);
	}
	assert_false(l.enabled);
	t += 50;
	rate_limiter_update(&l, t, 1, t - 10);
	assert_true(l.enabled);
	after_cut = l.fill_rate;
	assert_true(after_cut > 10 && after_cut < 20); /* 70% of the measured ~20/s */
	/* a throttle for a request sent before the cut does not cut again */
	rate_limiter_update(&l, t + 5, 1, t - 20);
	assert_true(l.fill_rate == after_cut);
	/* the bucket now spaces requests out at that rate */
	start = t;
	for (i = 0; i < 30; i++)
		while ((wait = rate_limiter_acquire(&l, t)) > 0)
			t += wait;
	expect = (int64_t)(30 / after_cut * 1000);
	if (t - start < expect * 9 / 10 || t - start > expect * 11 / 10 + 100)
		fail_msg("30 requests took %lld ms at %.2f/s", (long long)(t - start), after_cut);
	/* successes regrow the rate along the cubic curve */
	before = l.fill_rate;
	for (i = 0; i < 100; i++) {
		t += 100;
		rate_limiter_update(&l, t, 0, t - 10);
	}
	assert_true(l.fill_rate > before);
}

int aws_tests_parse(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_aws_parse__error_table),
	    cmocka_unit_test(test_aws_parse__success_answers),
	    cmocka_unit_test(test_aws_parse__xml_answers_and_errors),
	    cmocka_unit_test(test_aws_parse__retry_classes),
	    cmocka_unit_test(test_aws_parse__endpoints_and_partitions),
	    cmocka_unit_test(test_aws_parse__url_host),
	    cmocka_unit_test(test_aws_parse__retry_quota),
	    cmocka_unit_test(test_aws_parse__rate_limiter_cubic),
	};

	return cmocka_run_group_tests_name("aws_parse", tests, NULL, NULL);
}
