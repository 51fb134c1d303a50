/* The status document, the page rendered from it, and the UI token. */
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ecsctl/clock.h"
#include "ecsctl/notify.h"
#include "ecsctl/watch.h"
#include "watch_tests.h"
#include "banned.h"

#define EVIL "<script>alert('x')</script>&\""

/* A report with a drifted service whose every string is hostile markup,
 * and a failed apply naming it. */
static json_t *hostile_doc(void)
{
	struct ecsctl_drift_report r;
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	struct ecsctl_watch_status_facts f = {0};
	json_t *doc, *failed;

	ecsctl_drift_report_init(&r);
	assert_int_equal(
	    ecsctl_drift_report_add(&r, ECSCTL_KIND_SERVICE, "shop/" EVIL, ECSCTL_DRIFT_DRIFTED,
	                            json_pack("[{s:s, s:s, s:s}]", "path", "desiredCount" EVIL,
	                                      "git", EVIL, "live", "(sensitive)"),
	                            "abc", NULL, EVIL, &err),
	    0);
	r.items[0].health = json_pack("{s:i, s:i, s:i, s:s, s:s, s:[{s:s, s:s}]}", "running", 1,
	                              "desired", 2, "pending", 0, "rollout", "FAILED",
	                              "taskDefinition", "web:3", "events", "at",
	                              "2026-12-03T06:00:00Z", "message", EVIL);
	assert_int_equal(ecsctl_drift_report_add(&r, ECSCTL_KIND_CLUSTER, "shop",
	                                         ECSCTL_DRIFT_UNHEALTHY, NULL, NULL, NULL, NULL,
	                                         &err),
	                 0);
	failed = json_pack("[{s:s, s:s, s:[{s:s}], s:[s]}]", "name", "shop/" EVIL, "reason",
	                   "breaker " EVIL, "stoppedTasks", "summary", "exit 1 " EVIL, "events",
	                   EVIL);
	f.repo = "/repo/" EVIL;
	f.ref = "main";
	f.synced_commit = "0123456789abcdef";
	f.synced_subject = EVIL;
	f.synced_time = 1764748800;
	f.attempt_commit = "fedcba9876543210";
	f.attempt_subject = EVIL;
	f.attempt_result = "failed";
	f.attempt_error = EVIL;
	f.failed_commit = "fedcba9876543210";
	f.failed_services = failed;
	f.next_tick = 1764748860;
	doc = ecsctl_watch_status_build(&f, &r);
	json_decref(failed);
	ecsctl_drift_report_release(&r);
	assert_non_null(doc);
	return doc;
}

static void test_watch_status__document(void **state)
{
	json_t *doc = hostile_doc(), *svc, *cl;

	(void)state;
	assert_int_equal(json_integer_value(json_object_get(doc, "formatVersion")), 1);
	assert_string_equal(json_string_value(json_object_get(doc, "nextTick")),
	                    "2025-12-03T08:01:00Z");
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(doc, "synced"), "time")),
	    "2025-12-03T08:00:00Z");
	svc = json_array_get(json_object_get(doc, "resources"), 0);
	cl = json_array_get(json_object_get(doc, "resources"), 1);
	assert_string_equal(json_string_value(json_object_get(svc, "sync")), "drifted");
	/* drift's "unhealthy" is a rollout under way */
	assert_string_equal(json_string_value(json_object_get(cl, "sync")), "progressing");
	assert_true(json_is_null(json_object_get(cl, "health")));
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(svc, "health"), "state")),
	    "degraded");
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(svc, "failure"), "reason")),
	    "breaker " EVIL);
	assert_true(json_is_null(json_object_get(cl, "failure")));
	assert_int_equal(
	    json_integer_value(json_object_get(json_object_get(doc, "counts"), "progressing")), 1);
	json_decref(doc);
}

static void test_watch_page__escapes_everything(void **state)
{
	json_t *doc = hostile_doc();
	struct ecsctl_buf b = ECSCTL_BUF_INIT;

	(void)state;
	ecsctl_watch_page_index(&b, doc, 0);
	assert_false(ecsctl_buf_failed(&b));
	assert_null(strstr(b.buf, "<script"));
	assert_null(strstr(b.buf, "http-equiv=\"refresh\""));
	assert_non_null(
	    strstr(b.buf, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;"));
	assert_non_null(strstr(b.buf, "<tr class=\"resource failed\""));
	assert_non_null(strstr(b.buf, "breaker &lt;script&gt;"));
	assert_non_null(strstr(b.buf, "<span class=\"badge s-progressing\">progressing</span>"));
	ecsctl_buf_release(&b);

	ecsctl_watch_page_index(&b, doc, 7);
	assert_non_null(strstr(b.buf, "<meta http-equiv=\"refresh\" content=\"7\">"));
	ecsctl_buf_release(&b);

	assert_int_equal(ecsctl_watch_page_resource(&b, doc, "Service", "shop/" EVIL), 0);
	assert_null(strstr(b.buf, "<script"));
	assert_non_null(strstr(b.buf, "<code>desiredCount&lt;script&gt;"));
	assert_non_null(strstr(b.buf, "exit 1 &lt;script&gt;"));
	assert_non_null(strstr(b.buf, "<code>(sensitive)</code>"));
	ecsctl_buf_release(&b);
	assert_int_equal(ecsctl_watch_page_resource(&b, doc, "Service", "shop/web"), -1);
	assert_int_equal(b.len, 0);
	json_decref(doc);
}

static int get(struct ecsctl_watch_state *st, const char *url, const char *auth)
{
	struct ecsctl_watch_request q = {"GET", url, NULL, auth, NULL, NULL, 0, NULL};
	struct ecsctl_watch_response a;

	assert_int_equal(ecsctl_watch_handle(&a, st, &q), 0);
	if (a.status == 401)
		assert_non_null(a.www_authenticate);
	free(a.body);
	return a.status;
}

static void test_watch_handle__ui_token(void **state)
{
	struct ecsctl_watch_metrics *m = NULL;
	struct ecsctl_watch_state st;
	struct ecsctl_error err = ECSCTL_ERROR_INIT;

	(void)state;
	assert_int_equal(ecsctl_watch_metrics_new(&m, "x", &err), 0);
	assert_int_equal(ecsctl_watch_state_init(&st, m, &err), 0);
	assert_int_equal(get(&st, "/", NULL), 503); /* nothing published yet */
	ecsctl_watch_state_set_status(&st, hostile_doc());
	assert_int_equal(get(&st, "/", NULL), 200);
	ecsctl_watch_state_set_ui_token(&st, "open sesame", 11);
	assert_int_equal(get(&st, "/", NULL), 401);
	assert_int_equal(get(&st, "/api/v1/status", "Bearer open sesam"), 401);
	assert_int_equal(get(&st, "/api/v1/status", "Bearer open sesame!"), 401);
	assert_int_equal(get(&st, "/api/v1/status", "Bearer open sesame"), 200);
	assert_int_equal(get(&st, "/api/v1/status", "bearer open sesame"), 200);
	/* "u:open sesame", "u:open sesamf", "open sesame" (no colon) */
	assert_int_equal(get(&st, "/", "Basic dTpvcGVuIHNlc2FtZQ=="), 200);
	assert_int_equal(get(&st, "/", "Basic dTpvcGVuIHNlc2FtZg=="), 401);
	assert_int_equal(get(&st, "/", "Basic b3BlbiBzZXNhbWU="), 401);
	assert_int_equal(get(&st, "/", "Basic ===="), 401);
	assert_int_equal(get(&st, "/", "Basic "), 401);
	assert_int_equal(get(&st, "/", "Digest x"), 401);
	assert_int_equal(get(&st, "/resources/Cluster/shop", "Bearer open sesame"), 200);
	assert_int_equal(get(&st, "/resources/Cluster/nope", "Bearer open sesame"), 404);
	assert_int_equal(get(&st, "/resources/nokind", "Bearer open sesame"), 404);
	/* the probes and the metrics stay open */
	assert_int_equal(get(&st, "/healthz", NULL), 200);
	assert_int_equal(get(&st, "/metrics", NULL), 200);
	ecsctl_watch_state_release(&st);
	ecsctl_watch_metrics_free(m);
}

static void test_metrics__per_resource_families(void **state)
{
	struct ecsctl_watch_metrics *m = NULL;
	struct ecsctl_drift_report r;
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	struct ecsctl_buf b = ECSCTL_BUF_INIT;

	(void)state;
	assert_int_equal(ecsctl_watch_metrics_new(&m, "x", &err), 0);
	ecsctl_drift_report_init(&r);
	assert_int_equal(ecsctl_drift_report_add(&r, ECSCTL_KIND_SERVICE, "shop/\"web\"",
	                                         ECSCTL_DRIFT_UNHEALTHY, NULL, NULL, NULL, NULL,
	                                         &err),
	                 0);
	r.items[0].health = json_pack("{s:i, s:i}", "running", 1, "desired", 3);
	assert_int_equal(ecsctl_drift_report_add(&r, ECSCTL_KIND_CLUSTER, "shop",
	                                         ECSCTL_DRIFT_DRIFTED, NULL, NULL, NULL, NULL,
	                                         &err),
	                 0);
	ecsctl_watch_metrics_env(m, "prod");
	ecsctl_watch_metrics_drift(m, &r);
	ecsctl_watch_metrics_apply_op(m, "update", "Service");
	ecsctl_watch_metrics_apply_op(m, "update", "Service");
	ecsctl_watch_metrics_render(&b, m);
	assert_false(ecsctl_buf_failed(&b));
	assert_non_null(strstr(b.buf, "# TYPE ecsctl_resource_sync_status gauge\n"));
	assert_non_null(strstr(b.buf, "ecsctl_resource_sync_status{kind=\"Service\",name=\"shop/"
	                              "\\\"web\\\"\",env=\"prod\",status=\"progressing\"} 1\n"));
	assert_non_null(strstr(b.buf, "ecsctl_resource_sync_status{kind=\"Service\",name=\"shop/"
	                              "\\\"web\\\"\",env=\"prod\",status=\"in-sync\"} 0\n"));
	assert_non_null(strstr(b.buf, "ecsctl_resource_sync_status{kind=\"Cluster\",name=\"shop\","
	                              "env=\"prod\",status=\"drifted\"} 1\n"));
	assert_non_null(
	    strstr(b.buf, "ecsctl_service_running_tasks{env=\"prod\",service=\"shop/\\\"web\\\"\"} "
	                  "1\n"));
	assert_non_null(
	    strstr(b.buf, "ecsctl_service_desired_tasks{env=\"prod\",service=\"shop/\\\"web\\\"\"} "
	                  "3\n"));
	/* a cluster has no tasks */
	assert_null(strstr(b.buf, "ecsctl_service_running_tasks{env=\"prod\",service=\"shop\"}"));
	assert_non_null(strstr(b.buf,
	                       "ecsctl_apply_operations_total{env=\"prod\",action=\"update\","
	                       "kind=\"Service\"} 2\n"));
	ecsctl_buf_release(&b);
	ecsctl_drift_report_release(&r);
	ecsctl_watch_metrics_free(m);
}

static void test_notify__one_message_per_event(void **state)
{
	char *last = NULL;

	(void)state;
	assert_true(ecsctl_watch_notify_changed(&last, "[shop/web]"));
	assert_false(ecsctl_watch_notify_changed(&last, "[shop/web]")); /* the same tick again */
	assert_true(ecsctl_watch_notify_changed(&last, "[shop/web, shop/api]"));
	assert_false(ecsctl_watch_notify_changed(&last, NULL)); /* ended */
	assert_null(last);
	assert_true(ecsctl_watch_notify_changed(&last, "[shop/web]")); /* back: news again */
	assert_false(ecsctl_watch_notify_changed(&last, ""));
	assert_null(last);
}

static void test_notify__lasting(void **state)
{
	char *seen = NULL;

	(void)state;
	/* a scale-up caught between UpdateService and the scheduler: one tick */
	assert_false(ecsctl_watch_notify_lasting(&seen, "[shop/web 2/3]"));
	assert_true(ecsctl_watch_notify_lasting(&seen, NULL)); /* an end passes at once */
	assert_null(seen);
	assert_false(ecsctl_watch_notify_lasting(&seen, "[shop/web 2/3]"));
	assert_true(ecsctl_watch_notify_lasting(&seen, "[shop/web 2/3]"));  /* the next tick */
	assert_false(ecsctl_watch_notify_lasting(&seen, "[shop/web 1/3]")); /* changed: anew */
	assert_true(ecsctl_watch_notify_lasting(&seen, ""));
	assert_null(seen);
}

static void test_notify__bodies(void **state)
{
	json_t *res = json_pack("[{s:s, s:s, s:s}]", "kind", "Service", "name", "shop/<web>",
	                        "detail", "a & b");
	struct ecsctl_watch_event ev = {"drift-detected",
	                                "/srv/shop",
	                                "main",
	                                "prod",
	                                "0123456789012345678901234567890123456789",
	                                "fix <b>",
	                                "1 resource drifted",
	                                res};
	char *text = ecsctl_watch_notify_slack_body(&ev);
	json_t *doc = json_loads(text, 0, NULL), *blocks = json_object_get(doc, "blocks");

	(void)state;
	assert_string_equal(json_string_value(json_object_get(doc, "text")),
	                    "Drift detected (prod)");
	assert_int_equal(json_array_size(blocks), 4);
	assert_string_equal(json_string_value(json_object_get(json_array_get(blocks, 0), "type")),
	                    "header");
	/* mrkdwn escapes &, < and > only */
	assert_non_null(strstr(json_string_value(json_object_get(
	                           json_object_get(json_array_get(blocks, 2), "text"), "text")),
	                       "Service `shop/&lt;web&gt;`: a &amp; b"));
	assert_non_null(strstr(json_string_value(json_object_get(
	                           json_object_get(json_array_get(blocks, 1), "text"), "text")),
	                       "fix &lt;b&gt;"));
	json_decref(doc);
	free(text);
	text = ecsctl_watch_notify_webhook_body(&ev, 1764748800);
	doc = json_loads(text, 0, NULL);
	assert_string_equal(json_string_value(json_object_get(doc, "time")),
	                    "2025-12-03T08:00:00Z");
	assert_string_equal(json_string_value(json_object_get(doc, "event")), "drift-detected");
	assert_true(json_equal(json_object_get(doc, "resources"), res));
	json_decref(doc);
	free(text);
	json_decref(res);
}

struct drops {
	int dropped, retries;
};

static void count_log(void *ud, const char *level, const char *msg, const char *target,
                      const char *event, const char *detail)
{
	struct drops *d = ud;

	(void)level;
	(void)target;
	(void)event;
	(void)detail;
	if (strstr(msg, "dropped"))
		__atomic_add_fetch(&d->dropped, 1, __ATOMIC_SEQ_CST);
	if (strstr(msg, "retry"))
		__atomic_add_fetch(&d->retries, 1, __ATOMIC_SEQ_CST);
}

/* A receiver that refuses connections, a sender stuck in a long backoff:
 * the queue holds two requests, the rest are dropped at once, and neither
 * send nor free waits for the backoff. */
static void test_notify__bounded_queue_never_blocks(void **state)
{
	struct ecsctl_watch_notify_options o = ECSCTL_WATCH_NOTIFY_OPTIONS_INIT;
	struct ecsctl_watch_notifier *n = NULL;
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	struct drops d = {0, 0};
	struct ecsctl_watch_event ev = {"sync-failed", NULL, NULL, NULL, NULL, NULL, "x", NULL};
	json_t *cfg = json_pack("{s:[{s:s}], s:i}", "webhooks", "url", "http://127.0.0.1:1/hook",
	                        "retries", 5);
	int64_t t0;
	int i;

	(void)state;
	o.log = count_log;
	o.log_ud = &d;
	o.queue_max = 2;
	o.backoff_base_ms = 60000;
	assert_int_equal(ecsctl_watch_notify_new(&n, &o, &err), 0);
	ecsctl_watch_notify_configure(n, cfg, NULL);
	t0 = ecsctl_clock_now_ms(NULL);
	ecsctl_watch_notify_send(n, &ev);
	/* the first one is taken by the sender, refused, and backs off */
	while (!__atomic_load_n(&d.retries, __ATOMIC_SEQ_CST) &&
	       ecsctl_clock_now_ms(NULL) - t0 < 5000)
		ecsctl_clock_sleep_ms(NULL, 5);
	assert_int_equal(d.retries, 1);
	for (i = 0; i < 5; i++)
		ecsctl_watch_notify_send(n, &ev);
	assert_int_equal(d.dropped, 3);
	ecsctl_watch_notify_free(n, 0);
	assert_true(ecsctl_clock_now_ms(NULL) - t0 < 5000);
	json_decref(cfg);
}

const struct CMUnitTest watch_status_page_tests[] = {
    cmocka_unit_test(test_notify__bounded_queue_never_blocks),
    cmocka_unit_test(test_notify__one_message_per_event),
    cmocka_unit_test(test_notify__lasting),
    cmocka_unit_test(test_notify__bodies),
    cmocka_unit_test(test_metrics__per_resource_families),
    cmocka_unit_test(test_watch_status__document),
    cmocka_unit_test(test_watch_page__escapes_everything),
    cmocka_unit_test(test_watch_handle__ui_token),
};
const size_t watch_status_page_ntests = sizeof(watch_status_page_tests) /
                                        sizeof(watch_status_page_tests[0]);
