/* Masking, the JSON diff entries and the text renderer. */
#include "diff_test.h"

static void test_diff_mask__secret_names(void **state)
{
	static const char *const secret[] = {
	    "DB_PASSWORD",
	    "password",
	    "API_KEY",
	    "KEY",
	    "aws-secret-key",
	    "GITHUB_TOKEN",
	    "apiKey",
	    "STRIPE_APIKEY",
	    "MYSQL_ROOT_PASSWORD",
	    "client.secret",
	    "DBPASSWD",
	    "GCP_CREDENTIALS",
	    "SSH_PRIVATEKEY",
	    "DB_PASS",
	    "dbPass",
	    "SMTP_PWD",
	    "DBPWD",
	    "ACCESS_KEY",
	    "PRIVATE_KEY",
	    "APIKey",
	    "AWS_ACCESS_KEY_ID",
	    "X_AUTH",
	    "OAUTH_CLIENT",
	    "basicAuth",
	    "HTTP_AUTHORIZATION",
	    "REQUEST_SIGNATURE",
	    "SESSION_COOKIE",
	    "COOKIE",
	    "RAILS_SESSION",
	    "SENTRY_DSN",
	    "sentryDsn",
	    "GPG_PASSPHRASE",
	    "AUTHN",
	    "jwt.signing-key",
	    "S3KEY",
	    "pass",
	};
	static const char *const plain[] = {
	    "MONKEY",
	    "KEYBOARD_LAYOUT",
	    "LOG_LEVEL",
	    "PORT",
	    "KEYCLOAK_URL",
	    "TURKEY_MODE",
	    "",
	    "HOCKEY",
	    "PASSENGER_COUNT",
	    "BYPASS_CACHE",
	    "COMPASS_URL",
	    "AUTHOR_NAME",
	    "AUTHORITY_URL",
	    "DONKEYS",
	    "WHISKEY",
	    "PASSAGE",
	    "KEYSPACE",
	    "PWDX_MODE",
	    "___",
	    "DSNAME",
	};
	size_t i;

	for (i = 0; i < sizeof(secret) / sizeof(secret[0]); i++)
		if (!ecsctl_secret_name(secret[i]))
			fail_msg("%s should look secret", secret[i]);
	for (i = 0; i < sizeof(plain) / sizeof(plain[0]); i++)
		if (ecsctl_secret_name(plain[i]))
			fail_msg("%s should not look secret", plain[i]);
	assert_false(ecsctl_secret_name(NULL));
}

static void test_diff_mask__by_path_and_deep(void **state)
{
	struct ecsctl_diff_mask all_env = {ECSCTL_DIFF_MASK_ALL_ENVIRONMENT, NULL, 0, NULL, 0};
	json_t *v, *m;

	v = J("'hunter2'");
	m = ecsctl_diff_mask_value("containerDefinitions[web].environment[DB_PASSWORD].value", v,
	                           NULL);
	assert_string_equal(json_string_value(m), ECSCTL_DIFF_MASKED);
	json_decref(m);
	m = ecsctl_diff_mask_value("containerDefinitions[web].environment[LOG_LEVEL].value", v,
	                           NULL);
	assert_string_equal(json_string_value(m), "hunter2");
	json_decref(m);
	/* The model marks the whole list sensitive; the flag follows it. */
	m = ecsctl_diff_mask_value("containerDefinitions[web].environment[LOG_LEVEL].value", v,
	                           &all_env);
	assert_string_equal(json_string_value(m), ECSCTL_DIFF_MASKED);
	json_decref(m);
	m = ecsctl_diff_mask_value("containerDefinitions[web].repositoryCredentials."
	                           "credentialsParameter",
	                           v, NULL);
	assert_string_equal(json_string_value(m), ECSCTL_DIFF_MASKED);
	json_decref(m);
	json_decref(v);

	/* An entry added whole keeps its name, loses its value. */
	v = J("{'name': 'API_TOKEN', 'value': 't0k'}");
	m = ecsctl_diff_mask_value("containerDefinitions[web].environment[API_TOKEN]", v, NULL);
	assert_json(m, "{'name': 'API_TOKEN', 'value': '(sensitive)'}");
	json_decref(m);
	json_decref(v);

	/* A container added whole: masked however deep. */
	v = J("{'name': 'web', 'image': 'x', 'environment': [{'name': 'A', 'value': '1'}, "
	      "{'name': 'SECRET_KEY_BASE', 'value': 's'}], 'repositoryCredentials': "
	      "{'credentialsParameter': 'arn'}}");
	m = ecsctl_diff_mask_value("containerDefinitions[web]", v, NULL);
	assert_json(m, "{'name': 'web', 'image': 'x', 'environment': [{'name': 'A', 'value': "
	               "'1'}, {'name': 'SECRET_KEY_BASE', 'value': '(sensitive)'}], "
	               "'repositoryCredentials': '(sensitive)'}");
	json_decref(m);
	m = ecsctl_diff_mask_value("containerDefinitions", v, NULL);
	assert_string_equal(json_string_value(json_object_get(m, "repositoryCredentials")),
	                    ECSCTL_DIFF_MASKED);
	json_decref(m);
	json_decref(v);
	/* The whole environment list. */
	v = J("[{'name': 'DB_PASSWORD', 'value': 'p'}, {'name': 'X', 'value': 'y'}]");
	m = ecsctl_diff_mask_value("containerDefinitions[web].environment", v, NULL);
	assert_json(m, "[{'name': 'DB_PASSWORD', 'value': '(sensitive)'}, {'name': 'X', 'value': "
	               "'y'}]");
	json_decref(m);
	json_decref(v);
	assert_null(ecsctl_diff_mask_value("x", NULL, NULL));

	/* A long name keeps its secret suffix. */
	{
		char path[600];
		memset(path, 0, sizeof(path));
		memcpy(path, "environment[", 12);
		memset(path + 12, 'A', 400);
		memcpy(path + 412, "_PASSWORD].value", 16);
		v = J("'p'");
		m = ecsctl_diff_mask_value(path, v, NULL);
		assert_string_equal(json_string_value(m), ECSCTL_DIFF_MASKED);
		json_decref(m);
		memcpy(path + 412, "_LEVEL].value\0\0\0", 16);
		m = ecsctl_diff_mask_value(path, v, NULL);
		assert_string_equal(json_string_value(m), "p");
		json_decref(m);
		json_decref(v);
	}

	/* Credentials inside a URL, whatever the name. */
	assert_true(ecsctl_secret_value("postgres://app:s3cret@db:5432/shop"));
	assert_true(ecsctl_secret_value("redis://:pw@cache:6379"));
	assert_false(ecsctl_secret_value("https://user@example.com/x"));
	assert_false(ecsctl_secret_value("https://example.com/a:b@c"));
	assert_false(ecsctl_secret_value("plain"));
	assert_false(ecsctl_secret_value(NULL));
	v = J("'postgres://app:s3cret@db:5432/shop'");
	m = ecsctl_diff_mask_value("containerDefinitions[web].environment[DATABASE_URL].value", v,
	                           NULL);
	assert_string_equal(json_string_value(m), ECSCTL_DIFF_MASKED);
	json_decref(m);
	m = ecsctl_diff_mask_value("containerDefinitions[web].logConfiguration.options.url", v,
	                           NULL);
	assert_string_equal(json_string_value(m), ECSCTL_DIFF_MASKED);
	json_decref(m);
	/* A credential is one wherever it sits. */
	m = ecsctl_diff_mask_value("containerDefinitions[web].image", v, NULL);
	assert_string_equal(json_string_value(m), ECSCTL_DIFF_MASKED);
	json_decref(m);
	json_decref(v);
	v = J("{'name': 'DATABASE_URL', 'value': 'mysql://u:p@h/db'}");
	m = ecsctl_diff_mask_value("containerDefinitions[web].environment[DATABASE_URL]", v, NULL);
	assert_json(m, "{'name': 'DATABASE_URL', 'value': '(sensitive)'}");
	json_decref(m);
	json_decref(v);
	/* An entry's name is never secret. */
	v = J("'DB_PASSWORD'");
	m = ecsctl_diff_mask_value("containerDefinitions[web].environment[DB_PASSWORD].name", v,
	                           NULL);
	assert_string_equal(json_string_value(m), "DB_PASSWORD");
	json_decref(m);
	json_decref(v);

	/* Log driver options and labels: by key. */
	v = J("'abc'");
	m = ecsctl_diff_mask_value(
	    "containerDefinitions[web].logConfiguration.options.splunk-token", v, NULL);
	assert_string_equal(json_string_value(m), ECSCTL_DIFF_MASKED);
	json_decref(m);
	m = ecsctl_diff_mask_value("containerDefinitions[web].logConfiguration.options.splunk-url",
	                           v, NULL);
	assert_string_equal(json_string_value(m), "abc");
	json_decref(m);
	json_decref(v);
	v = J("{'logDriver': 'splunk', 'options': {'splunk-token': 't', 'splunk-url': 'u'}}");
	m = ecsctl_diff_mask_value("containerDefinitions[web].logConfiguration", v, NULL);
	assert_json(m, "{'logDriver': 'splunk', 'options': {'splunk-token': '(sensitive)', "
	               "'splunk-url': 'u'}}");
	json_decref(m);
	m = ecsctl_diff_mask_value("containerDefinitions[web].logConfiguration.options",
	                           json_object_get(v, "options"), NULL);
	assert_json(m, "{'splunk-token': '(sensitive)', 'splunk-url': 'u'}");
	json_decref(m);
	json_decref(v);
}

static void changes(struct ecsctl_diff_changes *c)
{
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	json_t *before = J("{'containerDefinitions': [{'name': 'web', 'image': 'nginx:1.25', "
	                   "'environment': [{'name': 'DB_PASSWORD', 'value': 'old'}, {'name': "
	                   "'GONE', 'value': '1'}]}]}");
	json_t *after = J("{'containerDefinitions': [{'name': 'web', 'image': 'nginx:1.27', "
	                  "'environment': [{'name': 'DB_PASSWORD', 'value': 'new'}, {'name': "
	                  "'NEW', 'value': '2'}]}]}");

	ecsctl_diff_changes_init(c);
	assert_int_equal(ecsctl_diff_values(c, before, after, NULL, &err), 0);
	json_decref(before);
	json_decref(after);
}

static void test_diff_render__json_entries(void **state)
{
	struct ecsctl_diff_changes c;
	json_t *j;

	changes(&c);
	j = ecsctl_diff_changes_to_json(&c, NULL);
	assert_json(j, "[{'path': 'containerDefinitions[web].environment[DB_PASSWORD].value', "
	               "'before': '(sensitive)', 'after': '(sensitive)'}, "
	               "{'path': 'containerDefinitions[web].environment[GONE]', 'before': "
	               "{'name': 'GONE', 'value': '1'}, 'after': null}, "
	               "{'path': 'containerDefinitions[web].environment[NEW]', 'before': null, "
	               "'after': {'name': 'NEW', 'value': '2'}}, "
	               "{'path': 'containerDefinitions[web].image', 'before': 'nginx:1.25', "
	               "'after': 'nginx:1.27'}]");
	json_decref(j);
	j = ecsctl_diff_changes_to_json_as(&c, NULL, "live", "git");
	assert_json(json_array_get(j, 3), "{'path': 'containerDefinitions[web].image', 'live': "
	                                  "'nginx:1.25', 'git': 'nginx:1.27'}");
	json_decref(j);
	ecsctl_diff_changes_release(&c);
}

static void test_diff_render__forces_replacement(void **state)
{
	struct ecsctl_diff_service d;
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	struct ecsctl_buf out = ECSCTL_BUF_INIT;
	struct ecsctl_diff_render_options o = ECSCTL_DIFF_RENDER_OPTIONS_INIT;
	json_t *want = J("{'serviceName': 'web', 'launchType': 'EC2', 'desiredCount': 3}");
	json_t *have = J("{'serviceName': 'web', 'launchType': 'FARGATE', 'desiredCount': 2}");

	ecsctl_diff_service_init(&d);
	assert_int_equal(ecsctl_diff_service(&d, want, have, NULL, &err), 0);
	o.forces_replacement = d.replace;
	ecsctl_diff_render_text(&out, ECSCTL_DIFF_REPLACE, "Service", "default/web", &d.changes,
	                        &o);
	assert_string_equal(out.buf,
	                    "-/+ Service \"default/web\" must be replaced\n"
	                    "      ~ desiredCount = 2 -> 3\n"
	                    "      ~ launchType   = \"FARGATE\" -> \"EC2\" # forces replacement\n");
	ecsctl_buf_reset(&out);
	o.compact = true;
	ecsctl_diff_render_text(&out, ECSCTL_DIFF_REPLACE, "Service", "default/web", &d.changes,
	                        &o);
	assert_string_equal(out.buf,
	                    "-/+ Service \"default/web\" must be replaced\n"
	                    "      ~ desiredCount: 2 -> 3\n"
	                    "      ~ launchType: \"FARGATE\" -> \"EC2\" # forces replacement\n");
	ecsctl_buf_release(&out);
	ecsctl_diff_service_release(&d);
	json_decref(want);
	json_decref(have);
}

static void test_diff_render__compact_one_line_per_change(void **state)
{
	struct ecsctl_diff_changes c;
	struct ecsctl_buf out = ECSCTL_BUF_INIT;
	struct ecsctl_diff_render_options o = ECSCTL_DIFF_RENDER_OPTIONS_INIT;

	o.compact = true;
	changes(&c);
	ecsctl_diff_render_text(&out, ECSCTL_DIFF_UPDATE, "TaskDefinition", "web", &c, &o);
	assert_string_equal(
	    out.buf,
	    "  ~ TaskDefinition \"web\" will be updated in-place\n"
	    "      ~ containerDefinitions[web].environment[DB_PASSWORD].value: \"(sensitive)\" "
	    "-> \"(sensitive)\"\n"
	    "      - containerDefinitions[web].environment[GONE]: {\"name\":\"GONE\",\"value\":"
	    "\"1\"}\n"
	    "      + containerDefinitions[web].environment[NEW]: {\"name\":\"NEW\",\"value\":"
	    "\"2\"}\n"
	    "      ~ containerDefinitions[web].image: \"nginx:1.25\" -> \"nginx:1.27\"\n");
	assert_null(strstr(out.buf, "new"));
	ecsctl_buf_reset(&out);
	ecsctl_diff_render_text(&out, ECSCTL_DIFF_REPLACE, "Service", "prod/web", NULL, &o);
	assert_string_equal(out.buf, "-/+ Service \"prod/web\" must be replaced\n");
	ecsctl_buf_reset(&out);
	o.color = true;
	ecsctl_diff_render_text(&out, ECSCTL_DIFF_CREATE, "Cluster", "pr\033[2Jod", NULL, &o);
	assert_string_equal(out.buf, "  \033[32m+\033[0m \033[1mCluster \"pr?[2Jod\"\033[0m will "
	                             "be created\n");
	assert_false(ecsctl_buf_failed(&out));
	ecsctl_buf_release(&out);
	ecsctl_diff_changes_release(&c);
	assert_string_equal(ecsctl_diff_action_name(ECSCTL_DIFF_DEREGISTER), "deregister");
}

static void test_diff_render__long_values_shortened(void **state)
{
	struct ecsctl_buf out = ECSCTL_BUF_INIT;
	char big[600];
	json_t *v;
	size_t i;

	for (i = 0; i < sizeof(big) - 1; i++)
		big[i] = (char)('a' + i % 26);
	big[sizeof(big) - 1] = '\0';
	big[sizeof(big) - 2] = 'Z';
	v = json_string(big);
	ecsctl_diff_render_value(&out, v, 60);
	assert_true(out.len <= 64);
	assert_non_null(strstr(out.buf, " ... "));
	assert_int_equal(out.buf[0], '"');
	assert_string_equal(out.buf + out.len - 2, "Z\"");
	ecsctl_buf_reset(&out);
	ecsctl_diff_render_value(&out, NULL, 0);
	assert_string_equal(out.buf, "(absent)");
	json_decref(v);
	/* Never cuts a UTF-8 character in two. */
	ecsctl_buf_reset(&out);
	v = json_string("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
	                "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9");
	ecsctl_diff_render_value(&out, v, 16);
	for (i = 0; i + 1 < out.len; i++)
		if ((unsigned char)out.buf[i] == 0xc3)
			assert_int_equal((unsigned char)out.buf[i + 1], 0xa9);
	json_decref(v);
	ecsctl_buf_release(&out);
}

static void test_diff_mask__credential_values(void **state)
{
	static const char *const secret[] = {
	    "postgres://app:s3cret@db:5432/shop",
	    "redis://:pw@cache:6379",
	    "sh -c 'curl -s https://example.com && psql postgresql://u:p@h/db'",
	    "AKIAIOSFODNN7EXAMPLE",
	    "--key=ASIAY34FZKBOKMUTVV7A --region us-east-1",
	    "-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----\n",
	    "-----BEGIN OPENSSH PRIVATE KEY-----",
	    "Bearer "
	    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_"
	    "XgL0n3I9PlFUP0THsR8U",
	    "ghp_16C7e42F292c6912E7710c838347Ae178B4a",
	    "xoxb-263594206564-FGqddMF8t08v8N7Oq4i57vs1",
	    "sk_live_4eC39HqLyjWDarjtT1zdp7dc",
	};
	static const char *const plain[] = {
	    "https://user@example.com/x",
	    "https://example.com/a:b@c",
	    "plain",
	    "",
	    "AKIAIOSFODNN7EXAMPL",   /* too short */
	    "XAKIAIOSFODNN7EXAMPLE", /* inside a word */
	    "AIDAIOSFODNN7EXAMPLE",  /* a user id, not a key */
	    "-----BEGIN-----",
	    "eyJ.eyJ.x",
	    "nginx:1.27",
	    "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf",
	    "ghp_short",
	    "mailto:someone@example.com",
	};
	size_t i;
	json_t *v, *m;

	for (i = 0; i < sizeof(secret) / sizeof(secret[0]); i++)
		if (!ecsctl_secret_value(secret[i]))
			fail_msg("%s should look secret", secret[i]);
	for (i = 0; i < sizeof(plain) / sizeof(plain[0]); i++)
		if (ecsctl_secret_value(plain[i]))
			fail_msg("%s should not look secret", plain[i]);
	assert_false(ecsctl_secret_value(NULL));

	/* In a list, only the element; in a plain member, the member. */
	v = J("['--token', 'ghp_16C7e42F292c6912E7710c838347Ae178B4a', '--verbose']");
	m = ecsctl_diff_mask_value("containerDefinitions[web].command", v, NULL);
	assert_json(m, "['--token', '(sensitive)', '--verbose']");
	json_decref(m);
	json_decref(v);
	v = J(
	    "{'name': 'web', 'image': 'x', 'healthCheck': {'command': ['CMD', "
	    "'curl -u a:b http://a:b@localhost/']}, 'environment': [{'name': 'AWS_KEY', "
	    "'value': 'AKIAIOSFODNN7EXAMPLE'}, {'name': 'ID', 'value': 'AKIAIOSFODNN7EXAMPLE'}]}");
	m = ecsctl_diff_mask_value("containerDefinitions[web]", v, NULL);
	assert_json(m, "{'name': 'web', 'image': 'x', 'healthCheck': {'command': ['CMD', "
	               "'(sensitive)']}, 'environment': [{'name': 'AWS_KEY', 'value': "
	               "'(sensitive)'}, {'name': 'ID', 'value': '(sensitive)'}]}");
	json_decref(m);
	json_decref(v);
}

/* An app config in a variable (SPRING_APPLICATION_JSON and the like) keeps
 * its shape with its secret members masked; without any it is left as is. */
static void test_diff_mask__json_documents_in_strings(void **state)
{
	json_t *v = json_string("{\"db\": {\"host\": \"db.internal\", \"password\": \"p4ss\"}, "
	                        "\"ids\": [\"AKIAIOSFODNN7EXAMPLE\", 2]}");
	json_t *plain = json_string("{\"db\": {\"host\": \"db.internal\"}}");
	json_t *m;

	m = ecsctl_diff_mask_value("containerDefinitions[web].environment[APP_CONFIG].value", v,
	                           NULL);
	assert_string_equal(json_string_value(m), "{\"db\":{\"host\":\"db.internal\",\"password\":"
	                                          "\"(sensitive)\"},\"ids\":[\"(sensitive)\",2]}");
	json_decref(m);
	m = ecsctl_diff_mask_value("containerDefinitions[web].dockerLabels.config", v, NULL);
	assert_null(strstr(json_string_value(m), "p4ss"));
	json_decref(m);
	m = ecsctl_diff_mask_value("containerDefinitions[web].environment[APP_CONFIG].value", plain,
	                           NULL);
	assert_string_equal(json_string_value(m), json_string_value(plain));
	json_decref(m);
	/* inside a whole container, and as a command argument */
	m = J("{'name': 'web', 'command': ['--config', 'x'], 'environment': [{'name': 'C', "
	      "'value': 'x'}]}");
	json_array_set(json_object_get(m, "command"), 1, v);
	json_object_set(json_array_get(json_object_get(m, "environment"), 0), "value", v);
	{
		json_t *out = ecsctl_diff_mask_value("containerDefinitions[web]", m, NULL);
		char *dump = json_dumps(out, JSON_COMPACT);
		assert_null(strstr(dump, "p4ss"));
		assert_null(strstr(dump, "AKIA"));
		assert_non_null(strstr(dump, "db.internal"));
		free(dump);
		json_decref(out);
	}
	json_decref(m);
	json_decref(v);
	json_decref(plain);
}

/* A SecureString read by a lookup is masked by its value, whatever the name
 * it is given and wherever it is embedded; a short one only whole. */
static void test_diff_mask__secret_lookup_values(void **state)
{
	static const char *const vals[] = {"s3cr3t-from-ssm", "42"};
	struct ecsctl_diff_mask mk = {0, NULL, 0, vals, 2};
	struct ecsctl_diff_changes c = ECSCTL_DIFF_CHANGES_INIT;
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	json_t *before = J("{'containerDefinitions': [{'name': 'app', 'environment': []}]}");
	json_t *after = J("{'containerDefinitions': [{'name': 'app', 'environment': [{'name': "
	                  "'DB_URL', 'value': 'postgres://db/shop?pw=s3cr3t-from-ssm'}, {'name': "
	                  "'PORT', 'value': '42'}, {'name': 'PORTS', 'value': '8042'}], "
	                  "'command': ['run', '--key', 's3cr3t-from-ssm']}]}");
	json_t *j;
	char *dump;

	(void)state;
	assert_int_equal(ecsctl_diff_values(&c, before, after, NULL, &err), 0);
	j = ecsctl_diff_changes_to_json(&c, &mk);
	dump = json_dumps(j, JSON_COMPACT);
	assert_null(strstr(dump, "s3cr3t"));
	assert_non_null(strstr(dump, "DB_URL"));
	assert_non_null(strstr(dump, "8042")); /* "42" is masked only whole */
	assert_null(strstr(dump, "\"42\""));
	free(dump);
	json_decref(j);
	/* without the values only the name rules apply: the URL shows */
	j = ecsctl_diff_changes_to_json(&c, NULL);
	dump = json_dumps(j, JSON_COMPACT);
	assert_non_null(strstr(dump, "s3cr3t-from-ssm"));
	free(dump);
	json_decref(j);
	ecsctl_diff_changes_release(&c);
	json_decref(before);
	json_decref(after);
}

/* A real task definition leaked DB_PASS: masked by name, in every shape a plan
 * shows it, and `sensitive:` globs from ecsctl.yaml add names. */
static void test_diff_mask__db_pass_and_sensitive_globs(void **state)
{
	static const char *const globs[] = {"*_PIN", "stripe_*"};
	struct ecsctl_diff_mask extra = {0, globs, 2, NULL, 0};
	struct ecsctl_diff_changes c = ECSCTL_DIFF_CHANGES_INIT;
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	json_t *before = J("{'containerDefinitions': [{'name': 'app', 'environment': [{'name': "
	                   "'DB_PASS', 'value': 'old-pass'}, {'name': 'ATM_PIN', 'value': "
	                   "'1234'}]}]}");
	json_t *after = J("{'containerDefinitions': [{'name': 'app', 'environment': [{'name': "
	                  "'DB_PASS', 'value': 'new-pass'}, {'name': 'ATM_PIN', 'value': '9876'}, "
	                  "{'name': 'STRIPE_SK', 'value': 'abc'}], 'logConfiguration': "
	                  "{'logDriver': 'x', 'options': {'Stripe_Account': 'acct'}}}]}");
	json_t *j;
	char *dump;

	assert_int_equal(ecsctl_diff_values(&c, before, after, NULL, &err), 0);
	j = ecsctl_diff_changes_to_json(&c, &extra);
	dump = json_dumps(j, JSON_COMPACT);
	assert_null(strstr(dump, "pass\""));
	assert_null(strstr(dump, "old-pass"));
	assert_null(strstr(dump, "1234"));
	assert_null(strstr(dump, "9876"));
	assert_null(strstr(dump, "abc"));
	assert_null(strstr(dump, "acct"));
	assert_non_null(strstr(dump, "DB_PASS"));
	free(dump);
	json_decref(j);
	/* Without the globs only DB_PASS is hidden. */
	j = ecsctl_diff_changes_to_json(&c, NULL);
	dump = json_dumps(j, JSON_COMPACT);
	assert_null(strstr(dump, "new-pass"));
	assert_non_null(strstr(dump, "9876"));
	assert_non_null(strstr(dump, "acct"));
	free(dump);
	json_decref(j);
	ecsctl_diff_changes_release(&c);
	json_decref(before);
	json_decref(after);
}

/* `out` = the text block of the diff before -> after (an update of
 * TaskDefinition "t"). */
static void render_diff(struct ecsctl_buf *out, const json_t *before, const json_t *after,
                        const struct ecsctl_diff_render_options *o)
{
	struct ecsctl_diff_changes c = ECSCTL_DIFF_CHANGES_INIT;
	struct ecsctl_error err = ECSCTL_ERROR_INIT;

	assert_int_equal(ecsctl_diff_values(&c, before, after, NULL, &err), 0);
	ecsctl_buf_reset(out);
	ecsctl_diff_render_text(out, ECSCTL_DIFF_UPDATE, "TaskDefinition", "t", &c, o);
	ecsctl_diff_changes_release(&c);
}

/* Changes grouped under what they sit in, only changed leaves, unchanged
 * siblings counted, added entries whole, secrets masked. */
static void test_diff_render__nested(void **state)
{
	struct ecsctl_diff_changes c;
	struct ecsctl_buf out = ECSCTL_BUF_INIT;
	struct ecsctl_diff_render_options o = ECSCTL_DIFF_RENDER_OPTIONS_INIT;
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	json_t *before = J("{'family': 'web', 'cpu': '256', 'containerDefinitions': [{'name': "
	                   "'web', 'image': 'nginx:1.25', 'essential': true, 'environment': "
	                   "[{'name': 'A', 'value': '1'}, {'name': 'B', 'value': '2'}, {'name': "
	                   "'DB_PASS', 'value': 'old'}, {'name': 'GONE', 'value': '1'}], "
	                   "'logConfiguration': {'logDriver': 'awslogs', 'options': "
	                   "{'awslogs-group': '/ecs/a', 'awslogs-region': 'us-east-1'}}}, "
	                   "{'name': 'side', 'image': 'envoy'}]}");
	json_t *after = J("{'family': 'web', 'cpu': '512', 'containerDefinitions': [{'name': "
	                  "'web', 'image': 'nginx:1.27', 'essential': true, 'environment': "
	                  "[{'name': 'A', 'value': '1'}, {'name': 'B', 'value': '2'}, {'name': "
	                  "'DB_PASS', 'value': 'new'}, {'name': 'NEW', 'value': '2'}], "
	                  "'logConfiguration': {'logDriver': 'awslogs', 'options': "
	                  "{'awslogs-group': '/ecs/b', 'awslogs-region': 'us-east-1'}}}, "
	                  "{'name': 'side', 'image': 'envoy'}]}");

	ecsctl_diff_changes_init(&c);
	assert_int_equal(ecsctl_diff_values(&c, before, after, NULL, &err), 0);
	ecsctl_diff_render_text(&out, ECSCTL_DIFF_REGISTER, "TaskDefinition", "web", &c, &o);
	assert_string_equal(out.buf,
	                    "  + TaskDefinition \"web\" will be registered as a new revision\n"
	                    "      ~ containerDefinitions[web] {\n"
	                    "          ~ environment[DB_PASS] {\n"
	                    "              ~ value = (sensitive)\n"
	                    "                # (1 unchanged attribute hidden)\n"
	                    "            }\n"
	                    "          - environment[GONE] {\n"
	                    "              - name  = \"GONE\"\n"
	                    "              - value = \"1\"\n"
	                    "            }\n"
	                    "          + environment[NEW] {\n"
	                    "              + name  = \"NEW\"\n"
	                    "              + value = \"2\"\n"
	                    "            }\n"
	                    "          ~ image = \"nginx:1.25\" -> \"nginx:1.27\"\n"
	                    "          ~ logConfiguration {\n"
	                    "              ~ options {\n"
	                    "                  ~ awslogs-group = \"/ecs/a\" -> \"/ecs/b\"\n"
	                    "                    # (1 unchanged attribute hidden)\n"
	                    "                }\n"
	                    "                # (1 unchanged attribute hidden)\n"
	                    "            }\n"
	                    "            # (2 unchanged environment entries hidden)\n"
	                    "            # (2 unchanged attributes hidden)\n"
	                    "        }\n"
	                    "      ~ cpu = \"256\" -> \"512\"\n"
	                    "        # (1 unchanged containerDefinitions entry hidden)\n"
	                    "        # (1 unchanged attribute hidden)\n");
	assert_null(strstr(out.buf, "old"));
	assert_null(strstr(out.buf, "\"new\""));
	/* colours only on the symbols; keys cannot carry terminal escapes */
	ecsctl_diff_changes_release(&c);
	json_decref(before);
	json_decref(after);
	before = J("{'dockerLabels': {'a\\u001b[2J': 'x'}}");
	after = J("{'dockerLabels': {'a\\u001b[2J': 'y'}}");
	o.color = true;
	render_diff(&out, before, after, &o);
	assert_non_null(strstr(out.buf, "      \033[33m~\033[0m dockerLabels {\n"
	                                "          \033[33m~\033[0m a?[2J = \"x\" -> \"y\"\n"));
	ecsctl_buf_release(&out);
	json_decref(before);
	json_decref(after);
}

static void test_diff_render__nested_lists_and_scripts_line_by_line(void **state)
{
	struct ecsctl_buf out = ECSCTL_BUF_INIT;
	struct ecsctl_diff_render_options o = ECSCTL_DIFF_RENDER_OPTIONS_INIT;
	json_t *before = J("{'command': ['sh', '-c', 'set -e\\nmigrate\\nserve --port 80'], "
	                   "'entryPoint': ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'], "
	                   "'subnets': ['s1'], 'note': 'one\\ntwo'}");
	json_t *after = J("{'command': ['sh', '-c', 'set -e\\nmigrate --check\\nserve --port 80'], "
	                  "'entryPoint': ['a', 'b', 'c', 'd', 'X', 'f', 'g', 'h'], "
	                  "'subnets': ['s1', 's2'], 'note': 'one'}");

	/* a JSON document in a string, over 80 characters: compared member by line */
	json_object_set_new(
	    before, "cfg",
	    json_string("{\"feature\": {\"beta\": false, \"limit\": 10}, \"hosts\": "
	                "[\"a.example.com\", \"b.example.com\", \"c.example.com\"]}"));
	json_object_set_new(
	    after, "cfg",
	    json_string("{\"feature\": {\"beta\": true, \"limit\": 10}, \"hosts\": "
	                "[\"a.example.com\", \"b.example.com\", \"c.example.com\"]}"));
	render_diff(&out, before, after, &o);
	assert_string_equal(out.buf, "  ~ TaskDefinition \"t\" will be updated in-place\n"
	                             "      ~ cfg        = <<-EOT\n"
	                             "            {\n"
	                             "              \"feature\": {\n"
	                             "          -     \"beta\": false,\n"
	                             "          +     \"beta\": true,\n"
	                             "                \"limit\": 10\n"
	                             "              },\n"
	                             "            # (6 unchanged lines hidden)\n"
	                             "        EOT\n"
	                             "      ~ command    = [\n"
	                             "            \"sh\",\n"
	                             "            \"-c\",\n"
	                             "          ~ <<-EOT\n"
	                             "                set -e\n"
	                             "              - migrate\n"
	                             "              + migrate --check\n"
	                             "                serve --port 80\n"
	                             "            EOT\n"
	                             "        ]\n"
	                             "      ~ entryPoint = [\n"
	                             "            # (2 unchanged elements hidden)\n"
	                             "            \"c\",\n"
	                             "            \"d\",\n"
	                             "          - \"e\",\n"
	                             "          + \"X\",\n"
	                             "            \"f\",\n"
	                             "            \"g\",\n"
	                             "            \"h\",\n"
	                             "        ]\n"
	                             "      ~ note       = <<-EOT\n"
	                             "            one\n"
	                             "          - two\n"
	                             "        EOT\n"
	                             "      ~ subnets    = [\n"
	                             "            \"s1\",\n"
	                             "          + \"s2\",\n"
	                             "        ]\n");
	ecsctl_buf_release(&out);
	json_decref(before);
	json_decref(after);
}

/* What the one-line form cut ("... ") is shown whole: a reviewer approves
 * every byte. */
static void test_diff_render__nested_never_truncates(void **state)
{
	struct ecsctl_buf out = ECSCTL_BUF_INIT;
	struct ecsctl_diff_render_options o = ECSCTL_DIFF_RENDER_OPTIONS_INIT;
	char big[700];
	json_t *before, *after;
	size_t i;

	for (i = 0; i < sizeof(big) - 1; i++)
		big[i] = (char)('a' + i % 26);
	big[sizeof(big) - 1] = '\0';
	before = json_pack("{s:s}", "image", "x");
	after = json_pack("{s:s,s:{s:[s]}}", "image", big, "added", "list", big);
	render_diff(&out, before, after, &o);
	assert_null(strstr(out.buf, " ... "));
	assert_non_null(strstr(strstr(out.buf, big) + 1, big)); /* twice, whole */
	/* the compact form shortens only when asked to */
	o.compact = true;
	render_diff(&out, before, after, &o);
	assert_non_null(strstr(out.buf, big));
	o.max_value = 100;
	render_diff(&out, before, after, &o);
	assert_null(strstr(out.buf, big));
	assert_non_null(strstr(out.buf, " ... "));
	ecsctl_buf_release(&out);
	json_decref(before);
	json_decref(after);
}

const struct CMUnitTest output_tests[] = {
    cmocka_unit_test(test_diff_mask__credential_values),
    cmocka_unit_test(test_diff_mask__db_pass_and_sensitive_globs),
    cmocka_unit_test(test_diff_mask__secret_lookup_values),
    cmocka_unit_test(test_diff_mask__json_documents_in_strings),
    cmocka_unit_test(test_diff_mask__secret_names),
    cmocka_unit_test(test_diff_mask__by_path_and_deep),
    cmocka_unit_test(test_diff_render__json_entries),
    cmocka_unit_test(test_diff_render__compact_one_line_per_change),
    cmocka_unit_test(test_diff_render__nested),
    cmocka_unit_test(test_diff_render__nested_lists_and_scripts_line_by_line),
    cmocka_unit_test(test_diff_render__nested_never_truncates),
    cmocka_unit_test(test_diff_render__long_values_shortened),
    cmocka_unit_test(test_diff_render__forces_replacement),
};
const size_t output_ntests = sizeof(output_tests) / sizeof(output_tests[0]);
