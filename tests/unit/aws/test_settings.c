/* The SDK settings: retry mode and attempts, CA bundle, proxies, STS endpoints. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws_tests.h"
#include "creds_world.h"
#include "ecsctl/aws.h"
#include "ecsctl/creds.h"
#include "ecsctl/ecs.h"

static void nothing(void *ud, const struct lb_request *req, struct lb_response *resp)
{
	resp->status = 404;
}

static int load(struct world *w, const char *profile, struct ecsctl_aws_settings *s,
                struct ecsctl_error *err)
{
	return ecsctl_aws_settings_load(s, profile, (const char *const *)w->env, err);
}

static void test_aws_settings__env_then_profile(void **state)
{
	struct world w;
	struct ecsctl_aws_settings s;
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	char *ca;

	world_start(&w, nothing, NULL);
	world_env(&w, "HOME=%s", w.dir);
	world_file(&w, "ca.pem", "-----BEGIN CERTIFICATE-----\n");
	ca = world_path(&w, "ca.pem");
	world_file(&w, ".aws/config",
	           "[default]\nretry_mode = standard\nmax_attempts = 7\n"
	           "sts_regional_endpoints = legacy\n[profile other]\nretry_mode = legacy\n");
	assert_int_equal(load(&w, NULL, &s, &err), 0);
	assert_int_equal(s.retry_mode, ECSCTL_AWS_RETRY_STANDARD);
	assert_int_equal(s.max_attempts, 7);
	assert_true(s.sts_legacy);
	assert_null(s.ca_bundle);
	assert_null(s.https_proxy);
	ecsctl_aws_settings_release(&s);
	assert_int_equal(load(&w, "other", &s, &err), 0);
	assert_int_equal(s.retry_mode, ECSCTL_AWS_RETRY_LEGACY);
	assert_int_equal(s.max_attempts, 0);
	assert_false(s.sts_legacy);
	ecsctl_aws_settings_release(&s);
	/* the environment wins */
	world_env(&w, "AWS_RETRY_MODE=%s", "Adaptive");
	world_env(&w, "AWS_MAX_ATTEMPTS=%s", "2");
	world_env(&w, "AWS_STS_REGIONAL_ENDPOINTS=%s", "regional");
	world_env(&w, "AWS_CA_BUNDLE=%s", ca);
	world_env(&w, "HTTPS_PROXY=%s", "http://upper:1");
	world_env(&w, "https_proxy=%s", "http://lower:1");
	world_env(&w, "NO_PROXY=%s", "127.0.0.1,.internal");
	assert_int_equal(load(&w, NULL, &s, &err), 0);
	assert_int_equal(s.retry_mode, ECSCTL_AWS_RETRY_ADAPTIVE);
	assert_int_equal(s.max_attempts, 2);
	assert_false(s.sts_legacy);
	assert_string_equal(s.ca_bundle, ca);
	assert_string_equal(s.https_proxy, "http://lower:1"); /* lowercase first, as curl */
	assert_null(s.http_proxy);
	assert_string_equal(s.no_proxy, "127.0.0.1,.internal");
	ecsctl_aws_settings_release(&s);
	free(ca);
	world_stop(&w);
}

static void expect_bad(const char *var, const char *value, const char *words)
{
	struct world w;
	struct ecsctl_aws_settings s;
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	char line[128];

	world_start(&w, nothing, NULL);
	world_env(&w, "HOME=%s", w.dir);
	snprintf(line, sizeof(line), "%s=%%s", var);
	world_env(&w, line, value);
	assert_int_equal(load(&w, NULL, &s, &err), ECSCTL_EINVAL);
	if (!strstr(err.message, words))
		fail_msg("'%s' lacks '%s'", err.message, words);
	ecsctl_error_release(&err);
	world_stop(&w);
}

static void test_aws_settings__bad_values_are_named(void **state)
{
	struct world w;
	struct ecsctl_aws_settings s;
	struct ecsctl_error err = ECSCTL_ERROR_INIT;

	expect_bad("AWS_RETRY_MODE", "fast",
	           "AWS_RETRY_MODE must be standard, adaptive or legacy, not 'fast'");
	expect_bad("AWS_MAX_ATTEMPTS", "0", "AWS_MAX_ATTEMPTS must be a whole number from 1");
	expect_bad("AWS_MAX_ATTEMPTS", "3x", "not '3x'");
	expect_bad("AWS_STS_REGIONAL_ENDPOINTS", "global", "must be regional or legacy");
	expect_bad("AWS_CA_BUNDLE", "/nonexistent/ca.pem",
	           "AWS_CA_BUNDLE '/nonexistent/ca.pem' cannot be read");
	world_start(&w, nothing, NULL);
	world_env(&w, "HOME=%s", w.dir);
	world_file(&w, ".aws/config", "[default]\nmax_attempts = many\n");
	assert_int_equal(load(&w, NULL, &s, &err), ECSCTL_EINVAL);
	assert_non_null(strstr(err.message, "max_attempts must be"));
	ecsctl_error_release(&err);
	world_stop(&w);
}

static void sts(const char *region, bool legacy, const char *url, const char *signing)
{
	static const char *const env[] = {"HOME=/nonexistent", NULL};
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	const char *sr = NULL;
	char *u = NULL;

	assert_int_equal(ecsctl_aws_sts_endpoint(&u, &sr, region, legacy, env, &err), 0);
	assert_string_equal(u, url);
	assert_string_equal(sr, signing);
	free(u);
}

static void test_aws_settings__sts_regional_and_legacy_endpoints(void **state)
{
	static const char *const env[] = {"AWS_ENDPOINT_URL_STS=http://127.0.0.1:9/", NULL};
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	const char *sr = NULL;
	char *u = NULL;

	sts("eu-west-1", false, "https://sts.eu-west-1.amazonaws.com", "eu-west-1");
	sts("eu-west-1", true, "https://sts.amazonaws.com", "us-east-1");
	sts("us-east-1", true, "https://sts.amazonaws.com", "us-east-1");
	/* regions newer than the global endpoint stay regional even in legacy mode */
	sts("af-south-1", true, "https://sts.af-south-1.amazonaws.com", "af-south-1");
	sts("cn-north-1", false, "https://sts.cn-north-1.amazonaws.com.cn", "cn-north-1");
	sts(NULL, false, "https://sts.amazonaws.com", "us-east-1");
	/* an endpoint override wins over legacy */
	assert_int_equal(ecsctl_aws_sts_endpoint(&u, &sr, "eu-west-1", true, env, &err), 0);
	assert_string_equal(u, "http://127.0.0.1:9");
	assert_string_equal(sr, "eu-west-1");
	free(u);
}

/* A transport that records the URL of each request and answers 403. */
struct recorder {
	char urls[4][128];
	int n;
};

static int rec_start(void *ud, struct ecsctl_http_exchange *x, struct ecsctl_error *err)
{
	struct recorder *r = ud;

	if (r->n < 4)
		snprintf(r->urls[r->n], sizeof(r->urls[0]), "%s", x->url);
	r->n++;
	ecsctl_buf_init(&x->resp_headers, 0);
	ecsctl_buf_init(&x->resp_body, 0);
	ecsctl_buf_adds(&x->resp_body, "<ErrorResponse><Error><Code>AccessDenied</Code>"
	                               "</Error></ErrorResponse>");
	x->net = ECSCTL_HTTP_OK;
	x->status = 403;
	x->finished = 1;
	return 0;
}

static int rec_wait(void *ud, int64_t timeout_ms)
{
	return 0;
}

static void rec_cancel(void *ud, struct ecsctl_http_exchange *x)
{
}

static void test_aws_settings__assume_role_uses_the_sts_setting(void **state)
{
	struct world w;
	struct recorder r = {0};
	struct ecsctl_http_transport t = {&r,
	                                  rec_start,
	                                  rec_wait,
	                                  rec_cancel,
	                                  ecsctl_clock_now_ms,
	                                  ecsctl_clock_wall_ms,
	                                  ecsctl_clock_sleep_ms,
	                                  NULL};
	struct ecsctl_creds_options o = ECSCTL_CREDS_OPTIONS_INIT;
	struct ecsctl_creds_provider *p = NULL;
	const struct ecsctl_creds *c = NULL;
	struct ecsctl_error err = ECSCTL_ERROR_INIT;

	world_start(&w, nothing, NULL);
	world_env(&w, "HOME=%s", w.dir);
	world_file(&w, ".aws/config",
	           "[profile base]\naws_access_key_id = AKIA\naws_secret_access_key = s\n"
	           "[profile deploy]\nrole_arn = arn:aws:iam::1:role/d\nsource_profile = base\n");
	o.profile = "deploy";
	o.region = "eu-west-1";
	o.env = (const char *const *)w.env;
	o.transport = &t;
	assert_int_equal(ecsctl_creds_provider_new(&p, &o, &err), 0);
	assert_int_equal(ecsctl_creds_get(&c, p, &err), ECSCTL_EAWS);
	ecsctl_error_release(&err);
	ecsctl_creds_provider_free(p);
	world_env(&w, "AWS_STS_REGIONAL_ENDPOINTS=%s", "legacy");
	assert_int_equal(ecsctl_creds_provider_new(&p, &o, &err), 0);
	assert_int_equal(ecsctl_creds_get(&c, p, &err), ECSCTL_EAWS);
	ecsctl_error_release(&err);
	ecsctl_creds_provider_free(p);
	assert_int_equal(r.n, 2);
	assert_string_equal(r.urls[0], "https://sts.eu-west-1.amazonaws.com");
	assert_string_equal(r.urls[1], "https://sts.amazonaws.com");
	world_stop(&w);
}

/* Answers every ECS call with `answer` and counts them. */
struct failing {
	const char *answer;
	int requests;
};

static void failing_handler(void *ud, const struct lb_request *req, struct lb_response *resp)
{
	struct failing *f = ud;

	f->requests++;
	resp->status = !strcmp(f->answer, "throttle") ? 400 : 500;
	resp->body = !strcmp(f->answer, "throttle")
	                 ? "{\"__type\":\"ThrottlingException\",\"message\":\"Rate exceeded\"}"
	                 : "{\"__type\":\"ServerException\",\"message\":\"boom\"}";
}

/* Requests one ListClusters needed, with these settings in the environment. */
static int attempts(const char *answer, const char *mode, const char *max, const char *config)
{
	struct world w;
	struct failing f = {answer, 0};
	struct ecsctl_ecs_options o = ECSCTL_ECS_OPTIONS_INIT;
	struct ecsctl_creds_provider *cp = NULL;
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	struct ecsctl_ecs *c = NULL;
	json_t *resp = NULL;

	world_start(&w, failing_handler, &f);
	world_env(&w, "HOME=%s", w.dir);
	if (mode)
		world_env(&w, "AWS_RETRY_MODE=%s", mode);
	if (max)
		world_env(&w, "AWS_MAX_ATTEMPTS=%s", max);
	if (config)
		world_file(&w, ".aws/config", config);
	assert_int_equal(ecsctl_creds_provider_static(&cp, "AKIA", "s", NULL, &err), 0);
	o.region = "us-west-2";
	o.endpoint_url = lb_url(w.srv);
	o.env = (const char *const *)w.env;
	o.creds = cp;
	o.backoff_base_ms = 1; /* options win over the mode's backoff: fast tests */
	o.backoff_cap_ms = 2;
	o.seed = 7;
	o.no_adaptive = true; /* the limiter would only add waits; attempts are the point */
	assert_int_equal(ecsctl_ecs_new(&c, &o, &err), 0);
	assert_int_not_equal(ecsctl_ecs_call(&resp, c, "ListClusters", NULL, &err), 0);
	ecsctl_error_release(&err);
	ecsctl_ecs_free(c);
	ecsctl_creds_provider_free(cp);
	world_stop(&w);
	return f.requests;
}

static void test_aws_settings__retry_mode_and_max_attempts(void **state)
{
	/* ecsctl's default: 3 attempts for errors, 10 for throttles */
	assert_int_equal(attempts("500", NULL, NULL, NULL), 3);
	assert_int_equal(attempts("throttle", NULL, NULL, NULL), 10);
	assert_int_equal(attempts("500", NULL, "5", NULL), 5);
	assert_int_equal(attempts("500", NULL, "1", NULL), 1);
	assert_int_equal(attempts("throttle", "adaptive", "12", NULL), 12);
	/* standard: a throttle is one more error */
	assert_int_equal(attempts("throttle", "standard", NULL, NULL), 3);
	assert_int_equal(attempts("throttle", "standard", "4", NULL), 4);
	/* legacy: 5 attempts by default */
	assert_int_equal(attempts("500", "legacy", NULL, NULL), 5);
	assert_int_equal(attempts("throttle", "legacy", NULL, NULL), 5);
	/* from the profile */
	assert_int_equal(
	    attempts("500", NULL, NULL, "[default]\nretry_mode = standard\nmax_attempts = 2\n"), 2);
}

static void test_aws_settings__bad_setting_fails_the_client(void **state)
{
	static const char *const env[] = {"HOME=/nonexistent", "AWS_RETRY_MODE=turbo", NULL};
	struct ecsctl_ecs_options o = ECSCTL_ECS_OPTIONS_INIT;
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	struct ecsctl_ecs *c = NULL;

	o.region = "us-west-2";
	o.env = env;
	assert_int_equal(ecsctl_ecs_new(&c, &o, &err), ECSCTL_EINVAL);
	assert_null(c);
	assert_non_null(strstr(err.message, "AWS_RETRY_MODE must be"));
	ecsctl_error_release(&err);
}

int aws_tests_settings(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_aws_settings__env_then_profile),
	    cmocka_unit_test(test_aws_settings__bad_values_are_named),
	    cmocka_unit_test(test_aws_settings__sts_regional_and_legacy_endpoints),
	    cmocka_unit_test(test_aws_settings__assume_role_uses_the_sts_setting),
	    cmocka_unit_test(test_aws_settings__retry_mode_and_max_attempts),
	    cmocka_unit_test(test_aws_settings__bad_setting_fails_the_client),
	};

	return cmocka_run_group_tests_name("aws_settings", tests, NULL, NULL);
}
