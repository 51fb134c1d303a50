/* The credentials chain with a temp HOME and a loopback STS / container / IMDS server. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "aws_tests.h"
#include "ecsctl/aws.h"
#include "ecsctl/buf.h"
#include "ecsctl/creds.h"
#include "creds_world.h"

struct fake {
	int sts, container, imds_token, imds_role, imds_creds, imds_unauthorized;
	int bad_sig, web_token_ok, signed_web;
	int expires_in; /* seconds, for container answers */
	int fail_container;
	char body[4096];
};

static void fake_handler(void *ud, const struct lb_request *req, struct lb_response *resp)
{
	struct fake *f = ud;
	char exp[32];
	char *h;

	if (!strcmp(req->url, "/") && !strcmp(req->method, "POST")) {
		f->sts++;
		world_iso_in(exp, 3600);
		h = lb_header(req, "Authorization");
		if (req->body_len && strstr(req->body, "Action=AssumeRoleWithWebIdentity")) {
			f->signed_web += h != NULL;
			f->web_token_ok = strstr(req->body, "WebIdentityToken=oidc-jwt-token") !=
			                  NULL;
		} else if (!lb_sigv4_valid(req, "base-secret")) {
			f->bad_sig++;
		}
		free(h);
		if (strstr(req->body, "RoleArn=arn%3Aaws%3Aiam%3A%3A1%3Arole%2Fdenied")) {
			resp->status = 403;
			resp->body =
			    "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</"
			    "Code><Message>not &lt;allowed&gt;</Message></Error><RequestId>"
			    "sts-req-9</RequestId></ErrorResponse>";
			return;
		}
		snprintf(
		    f->body, sizeof(f->body),
		    "<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
		    "<AssumeRoleResult><Credentials><AccessKeyId>ASIAROLE</AccessKeyId>"
		    "<SecretAccessKey>role-secret&amp;x</SecretAccessKey><SessionToken>role-token"
		    "</SessionToken><Expiration>%s</Expiration></Credentials></AssumeRoleResult>"
		    "</AssumeRoleResponse>",
		    exp);
		resp->body = f->body;
	} else if (!strcmp(req->url, "/creds")) {
		f->container++;
		h = lb_header(req, "Authorization");
		if (!h || strcmp(h, "Bearer tok-123")) {
			resp->status = 401;
		} else if (f->fail_container) {
			resp->status = 500;
		} else {
			world_iso_in(exp, f->expires_in);
			snprintf(f->body, sizeof(f->body),
			         "{\"AccessKeyId\":\"ASIACONT%d\",\"SecretAccessKey\":\"cs\","
			         "\"Token\":\"ct\",\"Expiration\":\"%s\"}",
			         f->container, exp);
			resp->body = f->body;
		}
		free(h);
	} else if (!strcmp(req->url, "/latest/api/token") && !strcmp(req->method, "PUT")) {
		f->imds_token++;
		h = lb_header(req, "X-aws-ec2-metadata-token-ttl-seconds");
		resp->status = h ? 200 : 400;
		resp->body = "imds-session-token";
		free(h);
	} else if (!strncmp(req->url, "/latest/meta-data/iam/security-credentials/", 43)) {
		h = lb_header(req, "X-aws-ec2-metadata-token");
		if (!h || strcmp(h, "imds-session-token")) {
			f->imds_unauthorized++;
			resp->status = 401;
		} else if (!req->url[43]) {
			f->imds_role++;
			resp->body = "instance-role\n";
		} else if (!strcmp(req->url + 43, "instance-role")) {
			f->imds_creds++;
			world_iso_in(exp, 6 * 3600);
			snprintf(
			    f->body, sizeof(f->body),
			    "{\"Code\":\"Success\",\"AccessKeyId\":\"ASIAIMDS\","
			    "\"SecretAccessKey\":\"is\",\"Token\":\"it\",\"Expiration\":\"%s\"}",
			    exp);
			resp->body = f->body;
		} else {
			resp->status = 404;
		}
		free(h);
	} else {
		resp->status = 404;
	}
}

static void base_env(struct world *w)
{
	world_env(w, "HOME=%s", w->dir);
	world_env(w, "AWS_EC2_METADATA_DISABLED=%s", "true");
}

static void test_aws_creds__env_first(void **state)
{
	struct world w;
	struct fake f = {.expires_in = 3600};
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	const char *src = NULL;
	char ak[64];

	world_start(&w, fake_handler, &f);
	base_env(&w);
	world_env(&w, "AWS_ACCESS_KEY_ID=%s", "AKIAENV");
	world_env(&w, "AWS_SECRET_ACCESS_KEY=%s", "envsecret");
	world_file(&w, ".aws/credentials",
	           "[default]\naws_access_key_id = AKIAFILE\n"
	           "aws_secret_access_key = filesecret\n");
	assert_int_equal(world_resolve(&w, NULL, ak, &src, &err), 0);
	assert_string_equal(ak, "AKIAENV");
	assert_string_equal(src, "env");
	/* an explicit --profile skips the environment's keys, as the SDKs do */
	assert_int_equal(world_resolve(&w, "default", ak, &src, &err), 0);
	assert_string_equal(ak, "AKIAFILE");
	world_stop(&w);
}

static void test_aws_creds__partial_env_is_an_error(void **state)
{
	struct world w;
	struct fake f = {.expires_in = 3600};
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	const char *src = NULL;
	char ak[64];

	world_start(&w, fake_handler, &f);
	base_env(&w);
	world_env(&w, "AWS_ACCESS_KEY_ID=%s", "AKIAENV");
	assert_int_equal(world_resolve(&w, NULL, ak, &src, &err), ECSCTL_EINVAL);
	assert_non_null(strstr(err.message, "AWS_SECRET_ACCESS_KEY"));
	ecsctl_error_release(&err);
	world_stop(&w);
}

static void test_aws_creds__shared_files_and_profiles(void **state)
{
	struct world w;
	struct fake f = {.expires_in = 3600};
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	const char *src = NULL;
	char ak[64];

	world_start(&w, fake_handler, &f);
	base_env(&w);
	world_env(&w, "AWS_PROFILE=%s", "dev");
	world_file(&w, ".aws/credentials",
	           "# comment\n[default]\naws_access_key_id=AKIADEF\naws_secret_access_key=x\n"
	           "\n[dev]\n  aws_access_key_id =  AKIADEV  \naws_secret_access_key = y\n");
	world_file(&w, ".aws/config",
	           "[profile cfgonly]\naws_access_key_id = AKIACFG\n"
	           "aws_secret_access_key = z\nregion = ap-south-1\n");
	assert_int_equal(world_resolve(&w, NULL, ak, &src, &err), 0);
	assert_string_equal(ak, "AKIADEV");
	assert_string_equal(src, "profile");
	assert_int_equal(world_resolve(&w, "cfgonly", ak, &src, &err), 0);
	assert_string_equal(ak, "AKIACFG");
	assert_int_equal(world_resolve(&w, "nope", ak, &src, &err), ECSCTL_EINVAL);
	assert_non_null(strstr(err.message, "'nope' not found"));
	ecsctl_error_release(&err);
	world_stop(&w);
}

static void test_aws_creds__assume_role_via_sts(void **state)
{
	struct world w;
	struct fake f = {.expires_in = 3600};
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	const char *src = NULL;
	char ak[64];

	world_start(&w, fake_handler, &f);
	base_env(&w);
	world_env(&w, "AWS_ENDPOINT_URL_STS=%s", lb_url(w.srv));
	world_file(&w, ".aws/credentials",
	           "[base]\naws_access_key_id = AKIABASE\naws_secret_access_key = base-secret\n");
	world_file(&w, ".aws/config",
	           "[profile deploy]\nrole_arn = arn:aws:iam::1:role/deployer\nsource_profile = "
	           "base\n[profile denied]\nrole_arn = arn:aws:iam::1:role/denied\n"
	           "source_profile = base\n[profile loop]\nrole_arn = arn:aws:iam::1:role/x\n"
	           "source_profile = loop2\n[profile loop2]\nrole_arn = arn:aws:iam::1:role/y\n"
	           "source_profile = loop\n");
	assert_int_equal(world_resolve(&w, "deploy", ak, &src, &err), 0);
	assert_string_equal(ak, "ASIAROLE");
	assert_string_equal(src, "assume-role");
	assert_int_equal(f.sts, 1);
	assert_int_equal(f.bad_sig, 0); /* signed with the source profile's keys */
	assert_int_equal(world_resolve(&w, "denied", ak, &src, &err), ECSCTL_EAWS);
	assert_string_equal(err.aws_code, "AccessDenied");
	assert_string_equal(err.request_id, "sts-req-9");
	assert_int_equal(err.http_status, 403);
	assert_non_null(strstr(err.message, "not <allowed>"));
	ecsctl_error_release(&err);
	assert_int_equal(world_resolve(&w, "loop", ak, &src, &err), ECSCTL_EINVAL);
	assert_non_null(strstr(err.message, "cycle"));
	ecsctl_error_release(&err);
	world_stop(&w);
}

static void test_aws_creds__web_identity(void **state)
{
	struct world w;
	struct fake f = {.expires_in = 3600};
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	struct ecsctl_buf tok = ECSCTL_BUF_INIT, cfg = ECSCTL_BUF_INIT;
	const char *src = NULL;
	char ak[64];

	world_start(&w, fake_handler, &f);
	base_env(&w);
	ecsctl_buf_addf(&tok, "%s/token", w.dir);
	world_file(&w, "token", "oidc-jwt-token\n");
	world_env(&w, "AWS_ENDPOINT_URL_STS=%s", lb_url(w.srv));
	world_env(&w, "AWS_ROLE_ARN=%s", "arn:aws:iam::1:role/ci");
	world_env(&w, "AWS_WEB_IDENTITY_TOKEN_FILE=%s", tok.buf);
	assert_int_equal(world_resolve(&w, NULL, ak, &src, &err), 0);
	assert_string_equal(ak, "ASIAROLE");
	assert_string_equal(src, "web-identity");
	assert_true(f.web_token_ok);
	assert_int_equal(f.signed_web, 0); /* AssumeRoleWithWebIdentity is unsigned */
	/* the same from a profile: role_arn + web_identity_token_file */
	f.web_token_ok = 0;
	while (w.nenv > 3) /* drop AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE */
		free(w.env[--w.nenv]);
	w.env[w.nenv] = NULL;
	ecsctl_buf_reset(&cfg);
	ecsctl_buf_addf(&cfg,
	                "[profile ci]\nrole_arn = arn:aws:iam::1:role/ci\n"
	                "web_identity_token_file = %s\n",
	                tok.buf);
	world_file(&w, ".aws/config", cfg.buf);
	assert_int_equal(world_resolve(&w, "ci", ak, &src, &err), 0);
	assert_string_equal(src, "web-identity");
	assert_true(f.web_token_ok);
	ecsctl_buf_release(&cfg);
	ecsctl_buf_release(&tok);
	world_stop(&w);
}

static void test_aws_creds__container_with_token_file_and_refresh(void **state)
{
	struct world w;
	struct fake f = {.expires_in = 3600};
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	struct ecsctl_buf url = ECSCTL_BUF_INIT, tok = ECSCTL_BUF_INIT;
	struct ecsctl_creds_options o = ECSCTL_CREDS_OPTIONS_INIT;
	struct ecsctl_creds_provider *p = NULL;
	const struct ecsctl_creds *c = NULL;

	world_start(&w, fake_handler, &f);
	base_env(&w);
	ecsctl_buf_addf(&url, "%s/creds", lb_url(w.srv));
	ecsctl_buf_addf(&tok, "%s/auth", w.dir);
	world_file(&w, "auth", "Bearer tok-123\n");
	world_env(&w, "AWS_CONTAINER_CREDENTIALS_FULL_URI=%s", url.buf);
	world_env(&w, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=%s", tok.buf);
	f.expires_in = 120; /* inside the 5-minute margin: every get refreshes */
	o.env = (const char *const *)w.env;
	assert_int_equal(ecsctl_creds_provider_new(&p, &o, &err), 0);
	assert_int_equal(ecsctl_creds_get(&c, p, &err), 0);
	assert_string_equal(c->access_key_id, "ASIACONT1");
	assert_string_equal(c->source, "container");
	assert_int_equal(ecsctl_creds_get(&c, p, &err), 0);
	assert_string_equal(c->access_key_id, "ASIACONT2");
	/* a failed refresh keeps the credentials that have not expired yet */
	f.fail_container = 1;
	assert_int_equal(ecsctl_creds_get(&c, p, &err), 0);
	assert_string_equal(c->access_key_id, "ASIACONT2");
	assert_int_equal(f.container, 3);
	ecsctl_creds_provider_free(p);
	/* far from expiry: fetched once, then cached */
	f.fail_container = 0;
	f.expires_in = 3600;
	f.container = 0;
	assert_int_equal(ecsctl_creds_provider_new(&p, &o, &err), 0);
	assert_int_equal(ecsctl_creds_get(&c, p, &err), 0);
	assert_int_equal(ecsctl_creds_get(&c, p, &err), 0);
	assert_int_equal(f.container, 1);
	ecsctl_creds_provider_free(p);
	ecsctl_buf_release(&url);
	ecsctl_buf_release(&tok);
	world_stop(&w);
}

static void test_aws_creds__container_full_uri_must_be_local_or_https(void **state)
{
	struct world w;
	struct fake f = {.expires_in = 3600};
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	const char *src = NULL;
	char ak[64];

	world_start(&w, fake_handler, &f);
	base_env(&w);
	world_env(&w, "AWS_CONTAINER_CREDENTIALS_FULL_URI=%s", "http://example.invalid/creds");
	assert_int_equal(world_resolve(&w, NULL, ak, &src, &err), ECSCTL_EINVAL);
	ecsctl_error_release(&err);
	assert_int_equal(f.container, 0);
	world_stop(&w);
}

static void test_aws_creds__imds_v2(void **state)
{
	struct world w;
	struct fake f = {.expires_in = 3600};
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	const char *src = NULL;
	char ak[64];

	world_start(&w, fake_handler, &f);
	world_env(&w, "HOME=%s", w.dir);
	world_env(&w, "AWS_EC2_METADATA_SERVICE_ENDPOINT=%s", lb_url(w.srv));
	assert_int_equal(world_resolve(&w, NULL, ak, &src, &err), 0);
	assert_string_equal(ak, "ASIAIMDS");
	assert_string_equal(src, "imds");
	assert_int_equal(f.imds_token, 1);
	assert_int_equal(f.imds_role, 1);
	assert_int_equal(f.imds_creds, 1);
	assert_int_equal(f.imds_unauthorized, 0);
	world_stop(&w);
}

static void test_aws_creds__nothing_configured(void **state)
{
	struct world w;
	struct fake f = {.expires_in = 3600};
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	const char *src = NULL;
	char ak[64];

	world_start(&w, fake_handler, &f);
	base_env(&w);
	assert_int_equal(world_resolve(&w, NULL, ak, &src, &err), ECSCTL_EINVAL);
	assert_non_null(strstr(err.message, "no AWS credentials"));
	ecsctl_error_release(&err);
	world_stop(&w);
}

static void test_aws_creds__region_order(void **state)
{
	struct world w;
	struct fake f = {.expires_in = 3600};
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	char *r = NULL;

	world_start(&w, fake_handler, &f);
	world_env(&w, "HOME=%s", w.dir);
	world_file(&w, ".aws/config",
	           "[default]\nregion = eu-north-1\n[profile cn]\nregion = "
	           "cn-north-1\n");
	assert_int_equal(ecsctl_aws_resolve_region(&r, NULL, NULL, "us-east-2",
	                                           (const char *const *)w.env, &err),
	                 0);
	assert_string_equal(r, "eu-north-1");
	free(r);
	assert_int_equal(
	    ecsctl_aws_resolve_region(&r, NULL, "cn", NULL, (const char *const *)w.env, &err), 0);
	assert_string_equal(r, "cn-north-1");
	free(r);
	world_env(&w, "AWS_DEFAULT_REGION=%s", "ca-central-1");
	assert_int_equal(
	    ecsctl_aws_resolve_region(&r, NULL, NULL, NULL, (const char *const *)w.env, &err), 0);
	assert_string_equal(r, "ca-central-1");
	free(r);
	world_env(&w, "AWS_REGION=%s", "sa-east-1");
	assert_int_equal(
	    ecsctl_aws_resolve_region(&r, NULL, NULL, NULL, (const char *const *)w.env, &err), 0);
	assert_string_equal(r, "sa-east-1");
	free(r);
	assert_int_equal(ecsctl_aws_resolve_region(&r, "us-west-1", NULL, NULL,
	                                           (const char *const *)w.env, &err),
	                 0);
	assert_string_equal(r, "us-west-1");
	free(r);
	assert_int_equal(ecsctl_aws_resolve_region(&r, "evil.com/x", NULL, NULL,
	                                           (const char *const *)w.env, &err),
	                 ECSCTL_EINVAL);
	ecsctl_error_release(&err);
	world_stop(&w);
}

int aws_tests_creds(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_aws_creds__env_first),
	    cmocka_unit_test(test_aws_creds__partial_env_is_an_error),
	    cmocka_unit_test(test_aws_creds__shared_files_and_profiles),
	    cmocka_unit_test(test_aws_creds__assume_role_via_sts),
	    cmocka_unit_test(test_aws_creds__web_identity),
	    cmocka_unit_test(test_aws_creds__container_with_token_file_and_refresh),
	    cmocka_unit_test(test_aws_creds__container_full_uri_must_be_local_or_https),
	    cmocka_unit_test(test_aws_creds__imds_v2),
	    cmocka_unit_test(test_aws_creds__nothing_configured),
	    cmocka_unit_test(test_aws_creds__region_order),
	};

	return cmocka_run_group_tests_name("aws_creds", tests, NULL, NULL);
}
