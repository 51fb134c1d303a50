#include <openssl/hmac.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ecsctl/buf.h"
#include "ecsctl/watch.h"
#include "watch_tests.h"
#include "banned.h"

/* GitHub's documented example: secret "It's a Secret to Everybody", payload
 * "Hello, World!" (docs.github.com, "Validating webhook deliveries"). */
#define GH_SECRET "It's a Secret to Everybody"
#define GH_BODY "Hello, World!"
#define GH_SIG "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"

static void test_webhook_verify__github_example(void **state)
{
	(void)state;
	assert_int_equal(ecsctl_watch_webhook_verify(GH_SECRET, strlen(GH_SECRET), GH_SIG, GH_BODY,
	                                             strlen(GH_BODY)),
	                 1);
}

static void test_webhook_verify__rejects_tampering(void **state)
{
	char upper[80];
	size_t i;

	(void)state;
	assert_int_equal(
	    ecsctl_watch_webhook_verify(GH_SECRET, strlen(GH_SECRET), GH_SIG, "Hello, World?", 13),
	    0);
	assert_int_equal(ecsctl_watch_webhook_verify("other", 5, GH_SIG, GH_BODY, strlen(GH_BODY)),
	                 0);
	assert_int_equal(
	    ecsctl_watch_webhook_verify(GH_SECRET, strlen(GH_SECRET), NULL, GH_BODY, 13), 0);
	assert_int_equal(ecsctl_watch_webhook_verify("", 0, GH_SIG, GH_BODY, 13), 0);
	/* sha1 header, truncated, trailing garbage */
	assert_int_equal(ecsctl_watch_webhook_verify(
	                     GH_SECRET, strlen(GH_SECRET),
	                     "sha1=757107ea0eb2509fc211221cce984b8a37570b6d", GH_BODY, 13),
	                 0);
	assert_int_equal(
	    ecsctl_watch_webhook_verify(GH_SECRET, strlen(GH_SECRET), "sha256=7571", GH_BODY, 13),
	    0);
	snprintf(upper, sizeof(upper), "%s ", GH_SIG);
	assert_int_equal(
	    ecsctl_watch_webhook_verify(GH_SECRET, strlen(GH_SECRET), upper, GH_BODY, 13), 0);
	/* hex digits in upper case are the same signature */
	snprintf(upper, sizeof(upper), "%s", GH_SIG);
	for (i = 7; upper[i]; i++)
		if (upper[i] >= 'a' && upper[i] <= 'f')
			upper[i] = (char)(upper[i] - 'a' + 'A');
	assert_int_equal(
	    ecsctl_watch_webhook_verify(GH_SECRET, strlen(GH_SECRET), upper, GH_BODY, 13), 1);
}

static char *render(struct ecsctl_watch_metrics *m)
{
	struct ecsctl_buf b = ECSCTL_BUF_INIT;

	ecsctl_watch_metrics_render(&b, m);
	assert_false(ecsctl_buf_failed(&b));
	return ecsctl_buf_detach(&b);
}

static void test_metrics__exposition(void **state)
{
	struct ecsctl_watch_metrics *m = NULL;
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	json_t *calls = json_pack("{s:i}", "DescribeServices", 5);
	json_t *errs = json_pack("{s:{s:i}}", "DescribeServices", "ThrottlingException", 2);
	char *text;

	(void)state;
	assert_int_equal(ecsctl_watch_metrics_new(&m, "1.2.3", &err), 0);
	ecsctl_watch_metrics_reconcile(m, "applied", 0.3);
	ecsctl_watch_metrics_reconcile(m, "applied", 42);
	ecsctl_watch_metrics_reconcile(m, "fa\"il\\ed\n", 1);
	ecsctl_watch_metrics_api(m, calls, errs);
	ecsctl_watch_metrics_applied(m, "abc", 1700000000.5);
	text = render(m);
	assert_non_null(strstr(text, "# TYPE ecsctl_reconcile_total counter\n"));
	assert_non_null(strstr(text, "ecsctl_reconcile_total{result=\"applied\"} 2\n"));
	assert_non_null(strstr(text, "ecsctl_reconcile_total{result=\"fa\\\"il\\\\ed\\n\"} 1\n"));
	assert_non_null(strstr(text, "ecsctl_reconcile_duration_seconds_bucket{le=\"0.25\"} 0\n"));
	assert_non_null(strstr(text, "ecsctl_reconcile_duration_seconds_bucket{le=\"0.5\"} 1\n"));
	assert_non_null(strstr(text, "ecsctl_reconcile_duration_seconds_bucket{le=\"30\"} 2\n"));
	assert_non_null(strstr(text, "ecsctl_reconcile_duration_seconds_bucket{le=\"60\"} 3\n"));
	assert_non_null(strstr(text, "ecsctl_reconcile_duration_seconds_bucket{le=\"+Inf\"} 3\n"));
	assert_non_null(strstr(text, "ecsctl_reconcile_duration_seconds_sum 43.3\n"));
	assert_non_null(strstr(text, "ecsctl_reconcile_duration_seconds_count 3\n"));
	assert_non_null(
	    strstr(text, "ecsctl_api_calls_total{operation=\"DescribeServices\",code=\"ok\"} 3\n"));
	assert_non_null(strstr(text, "ecsctl_api_calls_total{operation=\"DescribeServices\","
	                             "code=\"ThrottlingException\"} 2\n"));
	assert_non_null(
	    strstr(text, "ecsctl_last_applied_commit_timestamp_seconds 1700000000.5\n"));
	assert_non_null(strstr(text, "ecsctl_build_info{version=\"1.2.3\"} 1\n"));
	assert_non_null(
	    strstr(text, "ecsctl_drifted_resources{kind=\"Service\",status=\"unmanaged\"} 0\n"));
	free(text);
	json_decref(calls);
	json_decref(errs);
	ecsctl_watch_metrics_free(m);
}

static void test_metrics__failed_commit_and_unstable(void **state)
{
	struct ecsctl_watch_metrics *m = NULL;
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	char *text;

	(void)state;
	assert_int_equal(ecsctl_watch_metrics_new(&m, "1", &err), 0);
	ecsctl_watch_metrics_apply_failed(m, "bad1");
	ecsctl_watch_metrics_apply_failed(m, "bad1");
	ecsctl_watch_metrics_unstable(m, 2);
	text = render(m);
	assert_non_null(strstr(text, "ecsctl_failed_commit_info{commit=\"bad1\"} 1\n"));
	assert_non_null(strstr(text, "# TYPE ecsctl_failed_applies_total counter\n"
	                             "ecsctl_failed_applies_total 2\n"));
	assert_non_null(strstr(text, "ecsctl_unstable_services 2\n"));
	free(text);
	ecsctl_watch_metrics_failed_cleared(m);
	text = render(m);
	assert_null(strstr(text, "ecsctl_failed_commit_info{"));
	assert_non_null(strstr(text, "ecsctl_failed_applies_total 2\n"));
	free(text);
	ecsctl_watch_metrics_free(m);
}

/* watch --env staging --env prod: each environment its own series, labelled
 * env first, each family's HELP and TYPE once. */
static void test_metrics__series_per_environment(void **state)
{
	struct ecsctl_watch_metrics *m = NULL;
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	json_t *calls = json_pack("{s:i}", "DescribeServices", 4);
	char *text;

	(void)state;
	assert_int_equal(ecsctl_watch_metrics_new(&m, "1", &err), 0);
	assert_int_equal(ecsctl_watch_metrics_env(m, "staging"), 0);
	ecsctl_watch_metrics_reconcile(m, "applied", 1);
	ecsctl_watch_metrics_failures(m, 0);
	ecsctl_watch_metrics_api(m, calls, NULL);
	assert_int_equal(ecsctl_watch_metrics_env(m, "prod"), 0);
	ecsctl_watch_metrics_reconcile(m, "failed", 1);
	ecsctl_watch_metrics_failures(m, 3);
	ecsctl_watch_metrics_apply_failed(m, "bad");
	assert_int_equal(ecsctl_watch_metrics_env(m, "staging"), 0);
	ecsctl_watch_metrics_reconcile(m, "noop", 1);
	text = render(m);
	assert_non_null(strstr(text,
	                       "ecsctl_reconcile_total{env=\"staging\",result=\"applied\"} "
	                       "1\necsctl_reconcile_total{env=\"staging\",result=\"noop\"} 1\n"
	                       "ecsctl_reconcile_total{env=\"prod\",result=\"failed\"} 1\n"));
	assert_non_null(strstr(text, "ecsctl_consecutive_failures{env=\"staging\"} 0\n"
	                             "ecsctl_consecutive_failures{env=\"prod\"} 3\n"));
	assert_non_null(strstr(text, "ecsctl_reconcile_duration_seconds_count{env=\"prod\"} 1\n"));
	assert_non_null(strstr(text, "ecsctl_api_calls_total{env=\"staging\",operation=\""
	                             "DescribeServices\",code=\"ok\"} 4\n"));
	assert_non_null(strstr(text, "ecsctl_failed_commit_info{env=\"prod\",commit=\"bad\"} 1\n"));
	assert_null(strstr(text, "ecsctl_failed_commit_info{env=\"staging\""));
	assert_null(strstr(text, "ecsctl_consecutive_failures 0")); /* no unlabelled series */
	/* one HELP per family, whatever the number of environments */
	assert_null(strstr(strstr(text, "# HELP ecsctl_consecutive_failures") + 1,
	                   "# HELP ecsctl_consecutive_failures"));
	free(text);
	json_decref(calls);
	ecsctl_watch_metrics_free(m);
}

/* Facts of a loop that applied "good" and then failed to apply "bad" once. */
static struct ecsctl_watch_facts held_facts(void)
{
	struct ecsctl_watch_facts f = {0};

	f.commit = "bad";
	f.synced = "good";
	f.failed = "bad";
	f.failed_applies = 1;
	f.now_ms = 10000;
	f.changes = 2;
	return f;
}

static enum ecsctl_watch_action decide(const struct ecsctl_watch_facts *f)
{
	struct ecsctl_watch_decision d;

	ecsctl_watch_decide(&d, f);
	assert_non_null(d.result);
	assert_non_null(d.why);
	return d.action;
}

static void test_watch_decide__failed_commit_is_held(void **state)
{
	struct ecsctl_watch_facts f = held_facts();

	(void)state;
	/* git moved to it, but its apply failed: not again, with or without self-heal */
	assert_int_equal(decide(&f), ECSCTL_WATCH_HELD);
	f.self_heal = true;
	assert_int_equal(decide(&f), ECSCTL_WATCH_HELD);
	/* a webhook (explicit trigger) tries once more */
	f.triggered = true;
	assert_int_equal(decide(&f), ECSCTL_WATCH_APPLY);
	/* git moves on: the new commit is applied */
	f = held_facts();
	f.commit = "fix";
	assert_int_equal(decide(&f), ECSCTL_WATCH_APPLY);
	/* nothing to change is a noop, held or not; suspend wins over a retry */
	f = held_facts();
	f.changes = 0;
	assert_int_equal(decide(&f), ECSCTL_WATCH_NOOP);
	f = held_facts();
	f.suspend = true;
	f.triggered = true;
	assert_int_equal(decide(&f), ECSCTL_WATCH_SUSPENDED);
}

static void test_watch_decide__retry_is_bounded_and_waits_its_backoff(void **state)
{
	struct ecsctl_watch_facts f = held_facts();

	(void)state;
	f.retry = 2;
	f.retry_at_ms = 15000;
	assert_int_equal(decide(&f), ECSCTL_WATCH_HELD); /* not due yet */
	f.now_ms = 15000;
	assert_int_equal(decide(&f), ECSCTL_WATCH_APPLY);
	f.failed_applies = 2;
	assert_int_equal(decide(&f), ECSCTL_WATCH_APPLY);
	f.failed_applies = 3; /* the first apply and two retries failed */
	assert_int_equal(decide(&f), ECSCTL_WATCH_HELD);
}

static void test_watch_decide__table_without_failures(void **state)
{
	struct ecsctl_watch_facts f = {0};
	struct ecsctl_watch_decision d;

	(void)state;
	f.commit = "c1";
	f.changes = 1;
	ecsctl_watch_decide(&d, &f); /* at start nothing is synced: apply what git says */
	assert_int_equal(d.action, ECSCTL_WATCH_APPLY);
	assert_true(d.moved);
	f.synced = "c1";
	ecsctl_watch_decide(&d, &f);
	assert_int_equal(d.action, ECSCTL_WATCH_SKIPPED);
	assert_false(d.moved);
	assert_string_equal(d.result, "skipped");
	f.self_heal = true;
	assert_int_equal(decide(&f), ECSCTL_WATCH_APPLY);
	f.changes = 0;
	ecsctl_watch_decide(&d, &f);
	assert_string_equal(d.result, "noop");
}

/* One request through ecsctl_watch_handle, as the listener makes it. */
static void handle(int *status, char **body, const char **ct, struct ecsctl_watch_state *st,
                   const char *method, const char *url, const char *sig, const char *data,
                   size_t len)
{
	struct ecsctl_watch_request q = {method, url, sig, NULL, NULL, data, len, NULL};
	struct ecsctl_watch_response a;

	assert_int_equal(ecsctl_watch_handle(&a, st, &q), 0);
	*status = a.status;
	*body = a.body;
	*ct = a.content_type;
}

static void test_watch_handle__routes_and_webhook(void **state)
{
	struct ecsctl_watch_metrics *m = NULL;
	struct ecsctl_watch_state st;
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	const char *ct;
	char *body;
	int status;

	(void)state;
	assert_int_equal(ecsctl_watch_metrics_new(&m, "x", &err), 0);
	assert_int_equal(ecsctl_watch_state_init(&st, m, &err), 0);
	handle(&status, &body, &ct, &st, "GET", "/readyz", NULL, NULL, 0);
	assert_int_equal(status, 503); /* no reconcile yet */
	free(body);
	ecsctl_watch_state_done(&st, false, 1000);
	assert_true(ecsctl_watch_state_ready(&st, 1000 + st.ready_grace_ms));
	assert_false(ecsctl_watch_state_ready(&st, 1001 + st.ready_grace_ms));
	ecsctl_watch_state_done(&st, true, 999999999);
	assert_true(ecsctl_watch_state_ready(&st, 999999999));
	handle(&status, &body, &ct, &st, "POST", "/webhook", GH_SIG, GH_BODY, 13);
	assert_int_equal(status, 404); /* no secret configured */
	free(body);
	st.secret = strdup(GH_SECRET);
	st.secret_len = strlen(GH_SECRET);
	handle(&status, &body, &ct, &st, "POST", "/webhook", "sha256=00", GH_BODY, 13);
	assert_int_equal(status, 401);
	free(body);
	assert_int_equal(ecsctl_watch_state_sleep(&st, 0, NULL), 0);
	handle(&status, &body, &ct, &st, "POST", "/webhook", GH_SIG, GH_BODY, 13);
	assert_int_equal(status, 202);
	free(body);
	assert_int_equal(ecsctl_watch_state_sleep(&st, 5000, NULL), 1); /* woken at once */
	handle(&status, &body, &ct, &st, "GET", "/webhook", NULL, NULL, 0);
	assert_int_equal(status, 405);
	free(body);
	handle(&status, &body, &ct, &st, "GET", "/metrics", NULL, NULL, 0);
	assert_int_equal(status, 200);
	assert_string_equal(ct, "text/plain; version=0.0.4; charset=utf-8");
	free(body);
	ecsctl_watch_state_release(&st);
	ecsctl_watch_metrics_free(m);
}

static int post(struct ecsctl_watch_state *st, const char *body, const char *delivery)
{
	unsigned char mac[32];
	unsigned int n = 0;
	struct ecsctl_buf sig = ECSCTL_BUF_INIT;
	struct ecsctl_watch_request q = {"POST", "/webhook", NULL,         NULL,
	                                 NULL,   body,       strlen(body), delivery};
	struct ecsctl_watch_response a;

	HMAC(EVP_sha256(), GH_SECRET, (int)strlen(GH_SECRET), (const unsigned char *)body,
	     strlen(body), mac, &n);
	ecsctl_buf_adds(&sig, "sha256=");
	ecsctl_buf_addhex(&sig, mac, n);
	q.signature = sig.buf;
	assert_int_equal(ecsctl_watch_handle(&a, st, &q), 0);
	free(a.body);
	ecsctl_buf_release(&sig);
	return a.status;
}

/* A replay (same delivery id, or same signed body under a new id) wakes
 * nothing; a new delivery while a wake is pending is coalesced. */
static void test_watch_handle__replays_and_coalescing(void **state)
{
	struct ecsctl_watch_metrics *m = NULL;
	struct ecsctl_watch_state st;
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	struct ecsctl_buf text = ECSCTL_BUF_INIT;

	(void)state;
	assert_int_equal(ecsctl_watch_metrics_new(&m, "x", &err), 0);
	assert_int_equal(ecsctl_watch_state_init(&st, m, &err), 0);
	st.secret = strdup(GH_SECRET);
	st.secret_len = strlen(GH_SECRET);
	assert_int_equal(post(&st, "push 1", "id-1"), 202);
	assert_int_equal(post(&st, "push 1", "id-1"), 200);
	assert_int_equal(post(&st, "push 1", "id-2"), 200); /* the id is not signed */
	assert_int_equal(post(&st, "push 2", "id-1"), 200); /* nor is a known id new */
	assert_int_equal(post(&st, "push 3", NULL), 202);   /* coalesced: one wake pending */
	assert_int_equal(ecsctl_watch_state_sleep(&st, 0, NULL), 1);
	assert_int_equal(ecsctl_watch_state_sleep(&st, 0, NULL), 0); /* one, not two */
	ecsctl_watch_metrics_render(&text, m);
	assert_non_null(strstr(text.buf, "ecsctl_webhook_requests_total{result=\"accepted\"} 1\n"));
	assert_non_null(
	    strstr(text.buf, "ecsctl_webhook_requests_total{result=\"coalesced\"} 1\n"));
	assert_non_null(
	    strstr(text.buf, "ecsctl_webhook_requests_total{result=\"duplicate\"} 3\n"));
	ecsctl_buf_release(&text);
	ecsctl_watch_state_release(&st);
	ecsctl_watch_metrics_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_webhook_verify__github_example),
	    cmocka_unit_test(test_webhook_verify__rejects_tampering),
	    cmocka_unit_test(test_metrics__exposition),
	    cmocka_unit_test(test_metrics__failed_commit_and_unstable),
	    cmocka_unit_test(test_metrics__series_per_environment),
	    cmocka_unit_test(test_watch_decide__failed_commit_is_held),
	    cmocka_unit_test(test_watch_decide__retry_is_bounded_and_waits_its_backoff),
	    cmocka_unit_test(test_watch_decide__table_without_failures),
	    cmocka_unit_test(test_watch_handle__routes_and_webhook),
	    cmocka_unit_test(test_watch_handle__replays_and_coalescing),
	};

	int failed = cmocka_run_group_tests_name("watch", tests, NULL, NULL);

	failed |= _cmocka_run_group_tests("watch status page", watch_status_page_tests,
	                                  watch_status_page_ntests, NULL, NULL);
	return failed ? 1 : 0;
}
