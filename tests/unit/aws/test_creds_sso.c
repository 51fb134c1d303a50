/* SSO profiles against a loopback SSO portal + SSO-OIDC speaking their wire formats. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <jansson.h>

#include "aws_tests.h"
#include "creds_int.h"
#include "creds_world.h"
#include "ecsctl/buf.h"

#define SESSION_KEY "0ad374308c5a4e22f723adf10145eafad7c4031c" /* sha1("my-sso") */
#define LEGACY_KEY "e8be5486177c5b5392bd9aa76563515b29358e6e"  /* sha1 of the start URL */
#define START_URL "https://example.awsapps.com/start"

struct portal {
	char valid_token[64];
	int role_calls, token_calls, refused, oidc_fails;
	char query[256];
	char body[1024];
};

static void portal_handler(void *ud, const struct lb_request *req, struct lb_response *resp)
{
	struct portal *f = ud;

	if (!strcmp(req->url, "/federation/credentials") && !strcmp(req->method, "GET")) {
		char *tok = lb_header(req, "x-amz-sso_bearer_token");

		f->role_calls++;
		snprintf(f->query, sizeof(f->query), "%s", req->query);
		if (!tok || strcmp(tok, f->valid_token)) {
			f->refused++;
			resp->status = 401;
			resp->headers[0][0] = "x-amzn-ErrorType";
			resp->headers[0][1] = "UnauthorizedException:http://internal.amazon.com/";
			resp->body = "{\"message\":\"Session token not found or invalid\"}";
		} else {
			snprintf(
			    f->body, sizeof(f->body),
			    "{\"roleCredentials\":{\"accessKeyId\":\"ASIASSO\","
			    "\"secretAccessKey\":\"sso-secret\",\"sessionToken\":\"sso-token\","
			    "\"expiration\":%lld}}",
			    (long long)(time(NULL) + 3600) * 1000);
			resp->body = f->body;
		}
		free(tok);
	} else if (!strcmp(req->url, "/token") && !strcmp(req->method, "POST")) {
		json_t *b = json_loadb(req->body, req->body_len, 0, NULL);
		const char *grant = json_string_value(json_object_get(b, "grantType"));
		const char *rt = json_string_value(json_object_get(b, "refreshToken"));
		const char *cs = json_string_value(json_object_get(b, "clientSecret"));

		f->token_calls++;
		if (f->oidc_fails || !grant || strcmp(grant, "refresh_token") || !rt ||
		    strcmp(rt, "refresh-1") || !cs || strcmp(cs, "client-secret-1")) {
			resp->status = 400;
			resp->headers[0][0] = "x-amzn-ErrorType";
			resp->headers[0][1] = "InvalidGrantException";
			resp->body = "{\"error\":\"invalid_grant\",\"error_description\":\"no\"}";
		} else {
			snprintf(f->valid_token, sizeof(f->valid_token), "refreshed-access");
			resp->body = "{\"accessToken\":\"refreshed-access\",\"expiresIn\":28800,"
			             "\"refreshToken\":\"refresh-2\",\"tokenType\":\"Bearer\"}";
		}
		json_decref(b);
	} else {
		resp->status = 404;
	}
}

static const char *const CONFIG =
    "[profile dev]\nsso_session = my-sso\nsso_account_id = 111122223333\n"
    "sso_role_name = Deploy+Role\nregion = eu-west-1\n"
    "[sso-session my-sso]\nsso_start_url = " START_URL "\nsso_region = eu-west-1\n"
    "sso_registration_scopes = sso:account:access\n"
    "[profile legacy]\nsso_start_url = " START_URL "\nsso_region = eu-west-1\n"
    "sso_account_id = 111122223333\nsso_role_name = Legacy\n"
    "[profile nosession]\nsso_session = missing\nsso_account_id = 1\nsso_role_name = r\n"
    "[profile mismatch]\nsso_session = my-sso\nsso_start_url = https://other/start\n"
    "sso_account_id = 1\nsso_role_name = r\n"
    "[profile norole]\nsso_session = my-sso\n";

static void sso_world(struct world *w, struct portal *f)
{
	memset(f, 0, sizeof(*f));
	snprintf(f->valid_token, sizeof(f->valid_token), "cached-access");
	world_start(w, portal_handler, f);
	world_env(w, "HOME=%s", w->dir);
	world_env(w, "AWS_EC2_METADATA_DISABLED=%s", "true");
	world_env(w, "AWS_ENDPOINT_URL_SSO=%s", lb_url(w->srv));
	world_env(w, "AWS_ENDPOINT_URL_SSO_OIDC=%s", lb_url(w->srv));
	world_file(w, ".aws/config", CONFIG);
}

/* A cache file as `aws sso login` writes it, expiring in `expires_in` s. */
static void cache_token(struct world *w, const char *key, int expires_in, int with_refresh)
{
	struct ecsctl_buf name = ECSCTL_BUF_INIT, text = ECSCTL_BUF_INIT;
	char exp[32], reg[32];

	world_iso_in(exp, expires_in);
	world_iso_in(reg, 90 * 86400);
	ecsctl_buf_addf(&name, ".aws/sso/cache/%s.json", key);
	ecsctl_buf_addf(&text,
	                "{\"startUrl\": \"" START_URL "\", \"region\": \"eu-west-1\", "
	                "\"accessToken\": \"cached-access\", \"expiresAt\": \"%s\"",
	                exp);
	if (with_refresh)
		ecsctl_buf_addf(
		    &text,
		    ", \"clientId\": \"client-1\", \"clientSecret\": \"client-secret-1\","
		    " \"registrationExpiresAt\": \"%s\", \"refreshToken\": \"refresh-1\"",
		    reg);
	ecsctl_buf_adds(&text, "}");
	world_file(w, name.buf, text.buf);
	ecsctl_buf_release(&name);
	ecsctl_buf_release(&text);
}

static void test_aws_creds_sso__cache_path_is_sha1_of_session_or_url(void **state)
{
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	char *path = NULL;

	assert_int_equal(creds_sso_cache_path(&path, "/home/u", "my-sso", &err), 0);
	assert_string_equal(path, "/home/u/.aws/sso/cache/" SESSION_KEY ".json");
	free(path);
	assert_int_equal(creds_sso_cache_path(&path, "/home/u", START_URL, &err), 0);
	assert_string_equal(path, "/home/u/.aws/sso/cache/" LEGACY_KEY ".json");
	free(path);
}

static void test_aws_creds_sso__role_credentials_answer(void **state)
{
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	struct ecsctl_creds c;
	const char *ok = "{\"roleCredentials\":{\"accessKeyId\":\"ASIA1\",\"secretAccessKey\":"
	                 "\"s\",\"sessionToken\":\"t\",\"expiration\":1700000000000}}";

	assert_int_equal(creds_sso_parse_role_credentials(&c, ok, strlen(ok), &err), 0);
	assert_string_equal(c.access_key_id, "ASIA1");
	assert_string_equal(c.session_token, "t");
	assert_int_equal(c.expires_ms, 1700000000000LL);
	ecsctl_creds_release(&c);
	assert_int_equal(creds_sso_parse_role_credentials(&c, "{\"roleCredentials\":{}}", 22, &err),
	                 ECSCTL_EIO);
	assert_null(c.access_key_id);
	ecsctl_error_release(&err);
}

static void test_aws_creds_sso__session_profile_with_cached_token(void **state)
{
	struct world w;
	struct portal f;
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	const char *src = NULL;
	char ak[64];

	sso_world(&w, &f);
	cache_token(&w, SESSION_KEY, 3600, 1);
	assert_int_equal(world_resolve(&w, "dev", ak, &src, &err), 0);
	assert_string_equal(ak, "ASIASSO");
	assert_string_equal(src, "sso");
	assert_int_equal(f.role_calls, 1);
	assert_int_equal(f.token_calls, 0); /* an hour left: no refresh */
	assert_string_equal(f.query, "account_id=111122223333&role_name=Deploy%2BRole");
	world_stop(&w);
}

static void test_aws_creds_sso__legacy_profile(void **state)
{
	struct world w;
	struct portal f;
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	const char *src = NULL;
	char ak[64];

	sso_world(&w, &f);
	cache_token(&w, LEGACY_KEY, 3600, 0);
	assert_int_equal(world_resolve(&w, "legacy", ak, &src, &err), 0);
	assert_string_equal(ak, "ASIASSO");
	assert_string_equal(f.query, "account_id=111122223333&role_name=Legacy");
	/* expired: legacy tokens are never refreshed, even with a refresh token */
	cache_token(&w, LEGACY_KEY, -60, 1);
	assert_int_equal(world_resolve(&w, "legacy", ak, &src, &err), ECSCTL_EINVAL);
	assert_non_null(strstr(err.message, "SSO start URL '" START_URL "' expired at"));
	assert_non_null(strstr(err.message, "run `aws sso login --profile legacy`"));
	ecsctl_error_release(&err);
	assert_int_equal(f.token_calls, 0);
	world_stop(&w);
}

static void test_aws_creds_sso__expired_token_is_refreshed_and_saved(void **state)
{
	struct world w;
	struct portal f;
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	const char *src = NULL;
	char ak[64], *path;
	struct stat st;
	json_t *saved;

	sso_world(&w, &f);
	cache_token(&w, SESSION_KEY, -60, 1);
	assert_int_equal(world_resolve(&w, "dev", ak, &src, &err), 0);
	assert_string_equal(ak, "ASIASSO");
	assert_int_equal(f.token_calls, 1);
	assert_int_equal(f.refused, 0); /* the portal got the new token */
	path = world_path(&w, ".aws/sso/cache/" SESSION_KEY ".json");
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	saved = json_load_file(path, 0, NULL);
	assert_non_null(saved);
	assert_string_equal(json_string_value(json_object_get(saved, "accessToken")),
	                    "refreshed-access");
	assert_string_equal(json_string_value(json_object_get(saved, "refreshToken")), "refresh-2");
	assert_string_equal(json_string_value(json_object_get(saved, "clientId")), "client-1");
	assert_string_equal(json_string_value(json_object_get(saved, "startUrl")), START_URL);
	assert_true(creds_time_ms(json_string_value(json_object_get(saved, "expiresAt"))) >
	            (int64_t)time(NULL) * 1000);
	json_decref(saved);
	free(path);
	/* a token due for refresh (10 min left) whose refresh fails is still used */
	cache_token(&w, SESSION_KEY, 600, 1);
	snprintf(f.valid_token, sizeof(f.valid_token), "cached-access");
	f.oidc_fails = 1;
	assert_int_equal(world_resolve(&w, "dev", ak, &src, &err), 0);
	assert_int_equal(f.token_calls, 2);
	/* ... but not once it has expired */
	cache_token(&w, SESSION_KEY, -60, 1);
	assert_int_equal(world_resolve(&w, "dev", ak, &src, &err), ECSCTL_EINVAL);
	assert_non_null(strstr(err.message, "refreshing it failed"));
	assert_non_null(strstr(err.message, "InvalidGrantException"));
	assert_non_null(strstr(err.message, "run `aws sso login --profile dev`"));
	ecsctl_error_release(&err);
	world_stop(&w);
}

static void expect_error(struct world *w, const char *profile, const char *words)
{
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	const char *src = NULL;
	char ak[64];

	assert_int_not_equal(world_resolve(w, profile, ak, &src, &err), 0);
	if (!strstr(err.message, words))
		fail_msg("'%s' lacks '%s'", err.message, words);
	assert_null(strstr(err.message, "cached-access"));
	assert_null(strstr(err.message, "refresh-1"));
	assert_null(strstr(err.message, "client-secret-1"));
	ecsctl_error_release(&err);
}

static void test_aws_creds_sso__errors_say_what_to_do(void **state)
{
	struct world w;
	struct portal f;

	sso_world(&w, &f);
	expect_error(&w, "dev", "no SSO token for sso-session 'my-sso' in ");
	expect_error(&w, "dev", SESSION_KEY ".json: run `aws sso login --profile dev`");
	cache_token(&w, SESSION_KEY, -60, 0);
	expect_error(&w, "dev", "run `aws sso login --profile dev`");
	assert_int_equal(f.token_calls + f.role_calls, 0);
	cache_token(&w, SESSION_KEY, 3600, 0);
	snprintf(f.valid_token, sizeof(f.valid_token), "revoked");
	expect_error(&w, "dev",
	             "the SSO portal refused the cached token (run `aws sso login "
	             "--profile dev`): UnauthorizedException: Session token not found "
	             "or invalid");
	expect_error(&w, "nosession", "names no [sso-session missing] section");
	expect_error(&w, "mismatch", "sso_start_url differs between the profile");
	expect_error(&w, "norole", "no sso_account_id and sso_role_name");
	world_file(&w, ".aws/sso/cache/" SESSION_KEY ".json",
	           "{\"accessToken\": \"cached-access\"");
	expect_error(&w, "dev", "is not a JSON object (line 1");
	world_stop(&w);
}

int aws_tests_creds_sso(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_aws_creds_sso__cache_path_is_sha1_of_session_or_url),
	    cmocka_unit_test(test_aws_creds_sso__role_credentials_answer),
	    cmocka_unit_test(test_aws_creds_sso__session_profile_with_cached_token),
	    cmocka_unit_test(test_aws_creds_sso__legacy_profile),
	    cmocka_unit_test(test_aws_creds_sso__expired_token_is_refreshed_and_saved),
	    cmocka_unit_test(test_aws_creds_sso__errors_say_what_to_do),
	};

	return cmocka_run_group_tests_name("aws_creds_sso", tests, NULL, NULL);
}
