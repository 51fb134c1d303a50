#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "aws_tests.h"
#include "ecsctl/sigv4.h"

#define EPOCH 1705311000 /* 2024-01-15T09:30:00Z */
#define AKID "AKIDEXAMPLE"
#define SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"

struct kat {
	const char *name;
	const char *method, *url, *host, *path, *query;
	const char *headers[6][2];
	const char *body;
	const char *token;
	const char *region, *service;
};

/* Requests botocore signs too; host and path are what our client puts on the wire for url. */
static const struct kat kats[] = {
    {"ecs describe with session token",
     "POST",
     "https://ecs.us-east-1.amazonaws.com/",
     "ecs.us-east-1.amazonaws.com",
     "/",
     NULL,
     {{"X-Amz-Target", "AmazonEC2ContainerServiceV20141113.DescribeServices"},
      {"Content-Type", "application/x-amz-json-1.1"}},
     "{\"cluster\": \"prod\", \"services\": [\"api\", \"worker\"]}",
     "FwoGZXIvYXdzEJr//////////wEaDEXAMPLETOKEN+/=",
     "us-east-1",
     "ecs"},
    {"non-ascii body",
     "POST",
     "https://ecs.eu-west-1.amazonaws.com/",
     "ecs.eu-west-1.amazonaws.com",
     "/",
     NULL,
     {{"X-Amz-Target", "AmazonEC2ContainerServiceV20141113.RegisterTaskDefinition"},
      {"Content-Type", "application/x-amz-json-1.1"}},
     "{\"family\":\"caf\xc3\xa9\",\"tags\":[{\"key\":\"\xe6\x97\xa5\xe6\x9c\xac\","
     "\"value\":\"\xf0\x9f\x9a\x80 \xc3\xbc\"}]}",
     NULL,
     "eu-west-1",
     "ecs"},
    {"host with port, messy header value",
     "POST",
     "http://127.0.0.1:4566/",
     "127.0.0.1:4566",
     "/",
     NULL,
     {{"X-Amz-Target", "AmazonEC2ContainerServiceV20141113.ListServices"},
      {"Content-Type", "  application/x-amz-json-1.1 "},
      {"X-Custom", "a   b\t c  "}},
     "{}",
     "tok",
     "us-west-2",
     "ecs"},
    {"default https port dropped",
     "POST",
     "https://ecs.cn-north-1.amazonaws.com.cn:443/",
     "ecs.cn-north-1.amazonaws.com.cn",
     "/",
     NULL,
     {{"X-Amz-Target", "AmazonEC2ContainerServiceV20141113.ListClusters"},
      {"Content-Type", "application/x-amz-json-1.1"}},
     "{}",
     NULL,
     "cn-north-1",
     "ecs"},
    {"sts get with query",
     "GET",
     "https://sts.amazonaws.com/?Version=2011-06-15&Action=AssumeRole&RoleArn=arn%3Aaws%"
     "3Aiam%3A%3A123456789012%3Arole%2Fdeploy&RoleSessionName=ecsctl-1&DurationSeconds=900",
     "sts.amazonaws.com",
     "/",
     "Version=2011-06-15&Action=AssumeRole&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%"
     "2Fdeploy&RoleSessionName=ecsctl-1&DurationSeconds=900",
     {{NULL, NULL}},
     "",
     "sessiontoken",
     "us-east-1",
     "sts"},
    {"sts post form body",
     "POST",
     "http://127.0.0.1:8123/",
     "127.0.0.1:8123",
     "/",
     NULL,
     {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}},
     "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A1%3Arole%2Fr&"
     "RoleSessionName=s",
     NULL,
     "eu-central-1",
     "sts"},
    {"query repeated keys and bare key",
     "GET",
     "http://localhost:9000/a/./b/../c/?b=2&a=1&a=0&c",
     "localhost:9000",
     "/a/./b/../c/",
     "b=2&a=1&a=0&c",
     {{NULL, NULL}},
     "",
     NULL,
     "us-east-1",
     "execute-api"},
};

#define NKATS (sizeof(kats) / sizeof(kats[0]))

static size_t build_headers(struct ecsctl_sigv4_header *h, const struct kat *k, const char *date)
{
	size_t n = 0, i;

	for (i = 0; i < 6 && k->headers[i][0]; i++) {
		h[n].name = k->headers[i][0];
		h[n++].value = k->headers[i][1];
	}
	h[n].name = "Host";
	h[n++].value = k->host;
	h[n].name = "X-Amz-Date";
	h[n++].value = date;
	if (k->token) {
		h[n].name = "X-Amz-Security-Token";
		h[n++].value = k->token;
	}
	h[n].name = "User-Agent"; /* never signed */
	h[n++].value = "ecsctl/0.1";
	return n;
}

static json_t *botocore_answers(void)
{
	char path[] = "/tmp/ecsctl-kat-XXXXXX";
	json_t *cases = json_array(), *out = NULL;
	struct ecsctl_buf cmd = ECSCTL_BUF_INIT;
	json_error_t jerr;
	FILE *p;
	size_t i, j;
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	close(fd);
	for (i = 0; i < NKATS; i++) {
		const struct kat *k = &kats[i];
		json_t *hdrs = json_object();

		for (j = 0; j < 6 && k->headers[j][0]; j++)
			json_object_set_new(hdrs, k->headers[j][0], json_string(k->headers[j][1]));
		json_object_set_new(hdrs, "User-Agent", json_string("ecsctl/0.1"));
		json_array_append_new(cases, json_pack("{s:s,s:s,s:o,s:s,s:I,s:s,s:s,s:s?,s:s,s:s}",
		                                       "method", k->method, "url", k->url,
		                                       "headers", hdrs, "body", k->body, "epoch",
		                                       (json_int_t)EPOCH, "accessKey", AKID,
		                                       "secretKey", SECRET, "token", k->token,
		                                       "region", k->region, "service", k->service));
	}
	assert_int_equal(json_dump_file(cases, path, 0), 0);
	ecsctl_buf_addf(&cmd, "/usr/bin/python3 %s/tests/unit/aws/botocore_sign.py %s",
	                getenv("ECSCTL_SOURCE_DIR") ? getenv("ECSCTL_SOURCE_DIR") : ".", path);
	p = popen(cmd.buf, "r");
	assert_non_null(p);
	out = json_loadf(p, 0, &jerr);
	assert_int_equal(pclose(p), 0);
	unlink(path);
	json_decref(cases);
	ecsctl_buf_release(&cmd);
	if (!out)
		fail_msg("botocore helper gave no JSON: %s", jerr.text);
	assert_int_equal(json_array_size(out), NKATS);
	return out;
}

static void test_aws_sigv4__matches_botocore_byte_for_byte(void **state)
{
	json_t *answers = botocore_answers();
	char date[17];
	size_t i;

	ecsctl_sigv4_amz_date(date, EPOCH);
	assert_string_equal(date, "20240115T093000Z");
	for (i = 0; i < NKATS; i++) {
		const struct kat *k = &kats[i];
		json_t *a = json_array_get(answers, i);
		struct ecsctl_sigv4_header h[10];
		struct ecsctl_sigv4_request req = {0};
		struct ecsctl_buf cr = ECSCTL_BUF_INIT, auth = ECSCTL_BUF_INIT;
		struct ecsctl_error err = ECSCTL_ERROR_INIT;

		req.method = k->method;
		req.path = k->path;
		req.query = k->query;
		req.headers = h;
		req.nheaders = build_headers(h, k, date);
		req.payload = k->body;
		req.payload_len = strlen(k->body);
		assert_int_equal(ecsctl_sigv4_canonical_request(&cr, &req, &err), 0);
		if (strcmp(cr.buf, json_string_value(json_object_get(a, "canonical"))))
			fail_msg("%s: canonical request differs:\nours:\n%s\nbotocore:\n%s",
			         k->name, cr.buf,
			         json_string_value(json_object_get(a, "canonical")));
		assert_string_equal(date, json_string_value(json_object_get(a, "amzDate")));
		assert_int_equal(ecsctl_sigv4_authorization(&auth, &req, date, k->region,
		                                            k->service, AKID, SECRET, &err),
		                 0);
		if (strcmp(auth.buf, json_string_value(json_object_get(a, "authorization"))))
			fail_msg("%s: authorization differs:\nours:     %s\nbotocore: %s", k->name,
			         auth.buf, json_string_value(json_object_get(a, "authorization")));
		/* and what botocore sent verifies as ecs-local checks it */
		if (ecsctl_sigv4_verify(NULL, &req,
		                        json_string_value(json_object_get(a, "authorization")),
		                        AKID, SECRET, EPOCH + 60, &err))
			fail_msg("%s: botocore's signature does not verify: %s", k->name,
			         err.message);
		ecsctl_buf_release(&cr);
		ecsctl_buf_release(&auth);
	}
	json_decref(answers);
}

/* The AWS documentation's worked example (IAM ListUsers, GET with query). */
static void test_aws_sigv4__aws_documented_example(void **state)
{
	struct ecsctl_sigv4_header h[] = {
	    {"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"},
	    {"Host", "iam.amazonaws.com"},
	    {"X-Amz-Date", "20150830T123600Z"},
	};
	struct ecsctl_sigv4_request req = {
	    "GET", "/", "Action=ListUsers&Version=2010-05-08", h, 3, NULL, "", 0, NULL};
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	char sig[65];

	assert_int_equal(
	    ecsctl_sigv4_signature(sig, &req, "20150830T123600Z", "us-east-1", "iam", SECRET, &err),
	    0);
	assert_string_equal(sig,
	                    "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7");
}

static void canon(char **out, const char *path, const char *query,
                  const struct ecsctl_sigv4_header *h, size_t nh, const char *signed_headers)
{
	struct ecsctl_sigv4_request req = {"post", path, query, h, nh, signed_headers, "", 0, NULL};
	struct ecsctl_buf b = ECSCTL_BUF_INIT;
	struct ecsctl_error err = ECSCTL_ERROR_INIT;

	assert_int_equal(ecsctl_sigv4_canonical_request(&b, &req, &err), 0);
	*out = ecsctl_buf_detach(&b);
}

static void test_aws_sigv4__canonicalization_edge_cases(void **state)
{
	struct ecsctl_sigv4_header h[] = {
	    {"X-Multi", " one "}, {"host", "h"}, {"x-multi", "two  three"}, {"Expect", "100"}};
	char *s;

	/* query: decoded then re-encoded, so %7e and ~ agree, space becomes %20 */
	canon(&s, "/", "k=%7e&k=a%20b&%41=1", h + 1, 1, NULL);
	assert_non_null(strstr(s, "\nA=1&k=a%20b&k=~\n"));
	free(s);
	/* path: empty and dot segments removed, non-ascii and '%' percent-encoded */
	canon(&s, "//a/./b/../\xc3\xa9%20/", NULL, h + 1, 1, NULL);
	assert_memory_equal(s, "POST\n/a/%C3%A9%2520/\n\n", 20);
	free(s);
	canon(&s, "/..", NULL, h + 1, 1, NULL);
	assert_memory_equal(s, "POST\n/\n", 7);
	free(s);
	/* repeated headers joined by ',' in request order; expect is never signed */
	canon(&s, "/", NULL, h, 4, NULL);
	assert_non_null(strstr(s, "\nhost:h\nx-multi:one,two three\n\nhost;x-multi\n"));
	free(s);
	/* an explicit SignedHeaders list picks exactly those (verifier's view) */
	canon(&s, "/", NULL, h, 4, "Expect;host");
	assert_non_null(strstr(s, "\nexpect:100\nhost:h\n\nexpect;host\n"));
	free(s);
}

static void test_aws_sigv4__bad_input_is_an_error(void **state)
{
	struct ecsctl_sigv4_header h[] = {{"Host", "h"}};
	struct ecsctl_sigv4_request req = {"GET", "/", NULL, h, 1, "host;x-amz-date", "", 0, NULL};
	struct ecsctl_buf b = ECSCTL_BUF_INIT;
	struct ecsctl_error err = ECSCTL_ERROR_INIT;

	assert_int_equal(ecsctl_sigv4_canonical_request(&b, &req, &err), ECSCTL_EINVAL);
	assert_non_null(strstr(err.message, "x-amz-date"));
	ecsctl_error_release(&err);
	req.signed_headers = NULL;
	req.payload_hash = "xyz";
	assert_int_equal(ecsctl_sigv4_canonical_request(&b, &req, &err), ECSCTL_EINVAL);
	ecsctl_error_release(&err);
	ecsctl_buf_release(&b);
}

static void test_aws_sigv4__parse_authorization_round_trip(void **state)
{
	struct ecsctl_sigv4_header h[] = {{"Host", "127.0.0.1:4566"},
	                                  {"X-Amz-Date", "20240115T093000Z"}};
	struct ecsctl_sigv4_request req = {"POST", "/", NULL, h, 2, NULL, "{}", 2, NULL};
	struct ecsctl_buf auth = ECSCTL_BUF_INIT;
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	struct ecsctl_sigv4_auth a;
	char sig[65];

	assert_int_equal(ecsctl_sigv4_authorization(&auth, &req, "20240115T093000Z", "us-east-1",
	                                            "ecs", AKID, SECRET, &err),
	                 0);
	assert_int_equal(ecsctl_sigv4_parse_authorization(&a, auth.buf, &err), 0);
	assert_string_equal(a.access_key, AKID);
	assert_string_equal(a.date, "20240115");
	assert_string_equal(a.region, "us-east-1");
	assert_string_equal(a.service, "ecs");
	assert_string_equal(a.signed_headers, "host;x-amz-date");
	req.signed_headers = a.signed_headers;
	assert_int_equal(ecsctl_sigv4_signature(sig, &req, "20240115T093000Z", a.region, a.service,
	                                        SECRET, &err),
	                 0);
	assert_true(ecsctl_sigv4_equal(sig, a.signature));
	sig[0] = sig[0] == '0' ? '1' : '0';
	assert_false(ecsctl_sigv4_equal(sig, a.signature));
	assert_int_equal(
	    ecsctl_sigv4_parse_authorization(&a, "AWS4-HMAC-SHA256 Credential=x", &err),
	    ECSCTL_EINVAL);
	ecsctl_error_release(&err);
	assert_int_equal(ecsctl_sigv4_parse_authorization(&a, "Basic Zm9v", &err), ECSCTL_EINVAL);
	ecsctl_error_release(&err);
	ecsctl_buf_release(&auth);
}

static void verify_fails(const struct ecsctl_sigv4_request *req, const char *auth, const char *akid,
                         int64_t now, const char *code)
{
	struct ecsctl_error err = ECSCTL_ERROR_INIT;

	assert_int_equal(ecsctl_sigv4_verify(NULL, req, auth, akid, SECRET, now, &err),
	                 ECSCTL_EINVAL);
	assert_string_equal(err.aws_code, code);
	assert_int_equal(err.http_status, 400);
	assert_null(strstr(err.message, SECRET));
	ecsctl_error_release(&err);
}

static void test_aws_sigv4__verify_like_a_server(void **state)
{
	struct ecsctl_sigv4_header h[] = {{"Host", "127.0.0.1:4566"},
	                                  {"X-Amz-Date", "20240115T093000Z"},
	                                  {"Content-Type", "application/x-amz-json-1.1"},
	                                  {"X-Amz-Target", "AmazonEC2ContainerServiceV20141113.X"}};
	struct ecsctl_sigv4_request req = {"POST", "/", NULL, h, 4, NULL, "{}", 2, NULL};
	struct ecsctl_sigv4_request nohost = {"POST", "/", NULL, h + 1, 3, NULL, "{}", 2, NULL};
	struct ecsctl_buf auth = ECSCTL_BUF_INIT, auth2 = ECSCTL_BUF_INIT;
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	struct ecsctl_sigv4_auth scope;

	assert_int_equal(ecsctl_sigv4_authorization(&auth, &req, "20240115T093000Z", "us-east-1",
	                                            "ecs", AKID, SECRET, &err),
	                 0);
	assert_int_equal(ecsctl_sigv4_verify(&scope, &req, auth.buf, AKID, SECRET, EPOCH, &err), 0);
	assert_string_equal(scope.region, "us-east-1");
	assert_string_equal(scope.service, "ecs");
	/* a changed body, a wrong key, a stale date, an unsigned host, garbage */
	req.payload = "{ }";
	req.payload_len = 3;
	verify_fails(&req, auth.buf, AKID, EPOCH, "InvalidSignatureException");
	req.payload = "{}";
	req.payload_len = 2;
	verify_fails(&req, auth.buf, "AKIDOTHER", EPOCH, "UnrecognizedClientException");
	verify_fails(&req, auth.buf, AKID, EPOCH + 301, "InvalidSignatureException");
	assert_int_equal(ecsctl_sigv4_authorization(&auth2, &nohost, "20240115T093000Z",
	                                            "us-east-1", "ecs", AKID, SECRET, &err),
	                 0);
	verify_fails(&nohost, auth2.buf, AKID, EPOCH, "InvalidSignatureException");
	verify_fails(&req, "AWS4-HMAC-SHA256 Signature=abc", AKID, EPOCH,
	             "IncompleteSignatureException");
	verify_fails(&req, NULL, AKID, EPOCH, "IncompleteSignatureException");
	ecsctl_buf_release(&auth);
	ecsctl_buf_release(&auth2);
}

int aws_tests_sigv4(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_aws_sigv4__matches_botocore_byte_for_byte),
	    cmocka_unit_test(test_aws_sigv4__aws_documented_example),
	    cmocka_unit_test(test_aws_sigv4__canonicalization_edge_cases),
	    cmocka_unit_test(test_aws_sigv4__bad_input_is_an_error),
	    cmocka_unit_test(test_aws_sigv4__parse_authorization_round_trip),
	    cmocka_unit_test(test_aws_sigv4__verify_like_a_server),
	};

	return cmocka_run_group_tests_name("aws_sigv4", tests, NULL, NULL);
}
