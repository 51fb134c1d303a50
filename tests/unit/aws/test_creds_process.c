/* credential_process: the JSON it prints, and real commands run by the chain. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "aws_tests.h"
#include "creds_int.h"
#include "creds_world.h"
#include "ecsctl/buf.h"

#define NOW_MS 1700000000000LL /* 2023-11-14T22:13:20Z */

static int parse(const char *text, struct ecsctl_creds *c, struct ecsctl_error *err)
{
	return creds_process_parse(c, text, strlen(text), NOW_MS, err);
}

static void test_aws_creds_process__parse_version_1(void **state)
{
	struct ecsctl_creds c;
	struct ecsctl_error err = ECSCTL_ERROR_INIT;

	assert_int_equal(parse("{\"Version\": 1, \"AccessKeyId\": \"ASIAPROC\", "
	                       "\"SecretAccessKey\": \"sk\", \"SessionToken\": \"st\", "
	                       "\"Expiration\": \"2023-11-14T23:13:20Z\"}",
	                       &c, &err),
	                 0);
	assert_string_equal(c.access_key_id, "ASIAPROC");
	assert_string_equal(c.secret_access_key, "sk");
	assert_string_equal(c.session_token, "st");
	assert_int_equal(c.expires_ms, NOW_MS + 3600 * 1000);
	assert_string_equal(c.source, "process");
	ecsctl_creds_release(&c);
	/* long-term keys: no token, no expiry */
	assert_int_equal(
	    parse("{\"Version\":1,\"AccessKeyId\":\"AKIA\",\"SecretAccessKey\":\"sk\"}", &c, &err),
	    0);
	assert_null(c.session_token);
	assert_int_equal(c.expires_ms, 0);
	ecsctl_creds_release(&c);
}

static void expect_error(const char *text, const char *words)
{
	struct ecsctl_creds c;
	struct ecsctl_error err = ECSCTL_ERROR_INIT;

	assert_int_not_equal(parse(text, &c, &err), 0);
	assert_non_null(err.message);
	if (!strstr(err.message, words))
		fail_msg("'%s' lacks '%s'", err.message, words);
	/* no part of the output is ever quoted: it may hold a secret */
	assert_null(strstr(err.message, "TOPSECRET"));
	assert_null(c.access_key_id);
	ecsctl_error_release(&err);
}

static void test_aws_creds_process__parse_errors_never_quote_the_output(void **state)
{
	expect_error("SecretAccessKey=TOPSECRET", "not JSON (line 1, column");
	expect_error("{\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"TOPSECRET\" oops}", "not JSON");
	expect_error("[\"TOPSECRET\"]", "not a JSON object");
	expect_error("{\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"TOPSECRET\"}", "no Version");
	expect_error("{\"Version\":2,\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"TOPSECRET\"}",
	             "only \"Version\": 1");
	expect_error("{\"Version\":\"1\",\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"TOPSECRET\"}",
	             "another Version");
	expect_error("{\"Version\":1,\"AccessKeyId\":\"A\"}",
	             "lacks AccessKeyId or SecretAccessKey");
	expect_error("{\"Version\":1,\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"TOPSECRET\","
	             "\"SessionToken\":5}",
	             "must be strings");
	expect_error("{\"Version\":1,\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"TOPSECRET\","
	             "\"Expiration\":\"tomorrow\"}",
	             "not an ISO 8601 UTC time");
	expect_error("{\"Version\":1,\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"TOPSECRET\","
	             "\"Expiration\":\"2023-11-14T22:00:00Z\"}",
	             "expired at 2023-11-14T22:00:00Z");
}

/* A helper script that counts its runs in `runs` and prints credentials
 * expiring in `expires_in` seconds (0: none). */
static void write_helper(struct world *w, int expires_in)
{
	struct ecsctl_buf s = ECSCTL_BUF_INIT;
	char exp[32];

	world_iso_in(exp, expires_in);
	ecsctl_buf_addf(&s, "n=$(cat \"$HOME/runs\" 2>/dev/null || echo 0); n=$((n+1)); "
	                    "echo $n > \"$HOME/runs\"\n"
	                    "echo \"helper run $n\" >&2\n"
	                    "printf '{\"Version\": 1, \"AccessKeyId\": \"ASIAPROC%%s\", "
	                    "\"SecretAccessKey\": \"process-secret\", \"SessionToken\": \"tok\"");
	if (expires_in)
		ecsctl_buf_addf(&s, ", \"Expiration\": \"%s\"", exp);
	ecsctl_buf_adds(&s, "}' $n\n");
	world_file(w, "helper.sh", s.buf);
	ecsctl_buf_release(&s);
}

static int runs(struct world *w)
{
	char *path = world_path(w, "runs");
	FILE *f = fopen(path, "r");
	int n = 0;

	if (f) {
		assert_int_equal(fscanf(f, "%d", &n), 1);
		fclose(f);
	}
	free(path);
	return n;
}

/* STS AssumeRole that accepts only requests signed with the helper's secret. */
static void sts_for_process(void *ud, const struct lb_request *req, struct lb_response *resp)
{
	static char body[1024];
	char exp[32];

	if (!lb_sigv4_valid(req, "process-secret")) {
		resp->status = 403;
		resp->body = "<ErrorResponse><Error><Code>SignatureDoesNotMatch</Code></Error>"
		             "</ErrorResponse>";
		return;
	}
	world_iso_in(exp, 3600);
	snprintf(body, sizeof(body),
	         "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>ASIACHAINED"
	         "</AccessKeyId><SecretAccessKey>chained-secret</SecretAccessKey><SessionToken>"
	         "t</SessionToken><Expiration>%s</Expiration></Credentials></AssumeRoleResult>"
	         "</AssumeRoleResponse>",
	         exp);
	resp->body = body;
}

static void process_world(struct world *w)
{
	world_start(w, sts_for_process, NULL);
	world_env(w, "HOME=%s", w->dir);
	world_env(w, "PATH=%s", "/usr/bin:/bin");
	world_env(w, "AWS_EC2_METADATA_DISABLED=%s", "true");
}

static void test_aws_creds_process__runs_the_command_and_honours_expiration(void **state)
{
	struct world w;
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	struct ecsctl_creds_options o = ECSCTL_CREDS_OPTIONS_INIT;
	struct ecsctl_creds_provider *p = NULL;
	const struct ecsctl_creds *c = NULL;
	const char *src = NULL;
	char ak[64];

	process_world(&w);
	world_file(&w, ".aws/config",
	           "[profile proc]\nregion = eu-west-1\n"
	           "credential_process = sh \"$HOME/helper.sh\" --role 'a b'\n");
	write_helper(&w, 0);
	assert_int_equal(world_resolve(&w, "proc", ak, &src, &err), 0);
	assert_string_equal(ak, "ASIAPROC1");
	assert_string_equal(src, "process");
	/* credentials that expire inside the refresh margin are fetched again */
	write_helper(&w, 120);
	o.profile = "proc";
	o.env = (const char *const *)w.env;
	assert_int_equal(ecsctl_creds_provider_new(&p, &o, &err), 0);
	assert_int_equal(ecsctl_creds_get(&c, p, &err), 0);
	assert_string_equal(c->access_key_id, "ASIAPROC2");
	assert_true(c->expires_ms > 0);
	assert_int_equal(ecsctl_creds_get(&c, p, &err), 0);
	assert_string_equal(c->access_key_id, "ASIAPROC3");
	ecsctl_creds_provider_free(p);
	/* ... and ones an hour away are kept */
	write_helper(&w, 3600);
	assert_int_equal(ecsctl_creds_provider_new(&p, &o, &err), 0);
	assert_int_equal(ecsctl_creds_get(&c, p, &err), 0);
	assert_int_equal(ecsctl_creds_get(&c, p, &err), 0);
	assert_string_equal(c->access_key_id, "ASIAPROC4");
	assert_int_equal(runs(&w), 4);
	ecsctl_creds_provider_free(p);
	world_stop(&w);
}

static void test_aws_creds_process__order_within_a_profile(void **state)
{
	struct world w;
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	const char *src = NULL;
	char ak[64];

	process_world(&w);
	write_helper(&w, 0);
	/* botocore: credentials-file keys, then credential_process, then config-file keys */
	world_file(&w, ".aws/credentials",
	           "[filekeys]\naws_access_key_id = AKIAFILE\naws_secret_access_key = s\n");
	world_file(&w, ".aws/config",
	           "[profile filekeys]\ncredential_process = sh \"$HOME/helper.sh\"\n"
	           "[profile cfgkeys]\naws_access_key_id = AKIACFG\naws_secret_access_key = s\n"
	           "credential_process = sh \"$HOME/helper.sh\"\n"
	           "[profile chained]\nrole_arn = arn:aws:iam::1:role/x\n"
	           "source_profile = cfgkeys\n[profile empty]\nregion = eu-west-1\n");
	assert_int_equal(world_resolve(&w, "filekeys", ak, &src, &err), 0);
	assert_string_equal(ak, "AKIAFILE");
	assert_int_equal(world_resolve(&w, "cfgkeys", ak, &src, &err), 0);
	assert_string_equal(ak, "ASIAPROC1");
	/* a credential_process profile as the source of a role */
	world_env(&w, "AWS_ENDPOINT_URL_STS=%s", lb_url(w.srv));
	assert_int_equal(world_resolve(&w, "chained", ak, &src, &err), 0);
	assert_string_equal(ak, "ASIACHAINED");
	assert_string_equal(src, "assume-role");
	assert_int_equal(runs(&w), 2);
	assert_int_equal(world_resolve(&w, "empty", ak, &src, &err), ECSCTL_EINVAL);
	assert_non_null(strstr(err.message, "none of aws_access_key_id, role_arn, "
	                                    "credential_process, sso_session or sso_start_url"));
	ecsctl_error_release(&err);
	world_stop(&w);
}

static void expect_failure(struct world *w, const char *command, int code, const char *words)
{
	struct ecsctl_buf cfg = ECSCTL_BUF_INIT;
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	const char *src = NULL;
	char ak[64];

	ecsctl_buf_addf(&cfg, "[profile bad]\ncredential_process = %s\n", command);
	world_file(w, ".aws/config", cfg.buf);
	assert_int_equal(world_resolve(w, "bad", ak, &src, &err), code);
	if (!strstr(err.message, words))
		fail_msg("'%s' lacks '%s'", err.message, words);
	assert_non_null(strstr(err.message, "profile 'bad': credential_process"));
	assert_null(strstr(err.message, "TOPSECRET"));
	ecsctl_error_release(&err);
	ecsctl_buf_release(&cfg);
}

static void test_aws_creds_process__failures(void **state)
{
	struct world w;

	process_world(&w);
	expect_failure(&w, "echo TOPSECRET; exit 3", ECSCTL_EINVAL, "exited with status 3");
	expect_failure(&w, "no-such-helper-xyz", ECSCTL_EINVAL, "status 127 (command not found?)");
	expect_failure(&w, "kill -9 $$", ECSCTL_EINVAL, "killed by signal 9");
	expect_failure(&w, "echo 'Secret: TOPSECRET'", ECSCTL_EINVAL, "its output is not JSON");
	expect_failure(
	    &w, "echo '{\"Version\":2,\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"TOPSECRET\"}'",
	    ECSCTL_EINVAL, "only \"Version\": 1");
	expect_failure(&w, "true", ECSCTL_EINVAL, "not JSON");
	expect_failure(&w, "head -c 2000000 /dev/zero", ECSCTL_EINVAL, "more than 1048576 bytes");
	world_stop(&w);
}

/* Is `pid` gone (or a zombie nobody has reaped yet)? */
static int gone(long pid)
{
	char path[64], stat[256];
	FILE *f;
	int dead;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return 1;
	dead = !fgets(stat, sizeof(stat), f) || strstr(stat, ") Z ") || strstr(stat, ") X ");
	fclose(f);
	return dead;
}

static void test_aws_creds_process__timeout_kills_the_process_group(void **state)
{
	struct world w;
	struct timespec a, b;
	char *pidfile;
	FILE *f;
	long grandchild = 0;
	int i;

	process_world(&w);
	world_env(&w, "ECSCTL_CREDENTIAL_PROCESS_TIMEOUT=%s", "1");
	clock_gettime(CLOCK_MONOTONIC, &a);
	/* a pipeline: the shell, a sleeping grandchild, and another */
	expect_failure(&w, "sleep 30 & echo $! > \"$HOME/pid\"; sleep 30 | cat", ECSCTL_ETIMEOUT,
	               "did not finish within 1 s (killed; ECSCTL_CREDENTIAL_PROCESS_TIMEOUT");
	clock_gettime(CLOCK_MONOTONIC, &b);
	assert_true(b.tv_sec - a.tv_sec < 5);
	pidfile = world_path(&w, "pid");
	f = fopen(pidfile, "r");
	assert_non_null(f);
	assert_int_equal(fscanf(f, "%ld", &grandchild), 1);
	fclose(f);
	free(pidfile);
	for (i = 0; i < 100 && !gone(grandchild); i++)
		usleep(20000);
	assert_true(gone(grandchild));
	/* a bad limit is reported, not ignored */
	free(w.env[--w.nenv]);
	w.env[w.nenv] = NULL;
	world_env(&w, "ECSCTL_CREDENTIAL_PROCESS_TIMEOUT=%s", "1m");
	expect_failure(&w, "true", ECSCTL_EINVAL, "whole seconds");
	world_stop(&w);
}

int aws_tests_creds_process(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_aws_creds_process__parse_version_1),
	    cmocka_unit_test(test_aws_creds_process__parse_errors_never_quote_the_output),
	    cmocka_unit_test(test_aws_creds_process__runs_the_command_and_honours_expiration),
	    cmocka_unit_test(test_aws_creds_process__order_within_a_profile),
	    cmocka_unit_test(test_aws_creds_process__failures),
	    cmocka_unit_test(test_aws_creds_process__timeout_kills_the_process_group),
	};

	return cmocka_run_group_tests_name("aws_creds_process", tests, NULL, NULL);
}
