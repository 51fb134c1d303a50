#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ecsctl/drift.h"
#include "banned.h"

static char *md(const char *s)
{
	struct ecsctl_buf b = ECSCTL_BUF_INIT;

	ecsctl_drift_md_escape(&b, s);
	assert_false(ecsctl_buf_failed(&b));
	return ecsctl_buf_detach(&b);
}

static char *xml(const char *s)
{
	struct ecsctl_buf b = ECSCTL_BUF_INIT;

	ecsctl_drift_xml_escape(&b, s);
	assert_false(ecsctl_buf_failed(&b));
	return ecsctl_buf_detach(&b);
}

static void test_drift_md_escape__pipes_and_html(void **state)
{
	char *s = md("a|b <script>x</script>\nnext *bold* `code` \\");

	(void)state;
	assert_string_equal(s,
	                    "a\\|b &lt;script&gt;x&lt;/script&gt; next \\*bold\\* \\`code\\` \\\\");
	free(s);
}

static void test_drift_xml_escape__specials_controls_and_bad_utf8(void **state)
{
	char *s = xml("a&b<c>\"d'\x01\xff\xc3\xa9\n");

	(void)state;
	assert_string_equal(s, "a&amp;b&lt;c&gt;&quot;d&apos;??\xc3\xa9&#10;");
	free(s);
	s = xml("\xed\xa0\x80x"); /* an encoded surrogate is not UTF-8 */
	assert_string_equal(s, "???x");
	free(s);
}

static struct ecsctl_drift_report *sample(struct ecsctl_drift_report *r)
{
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	json_t *diff = json_pack("[{s:s, s:i, s:i}]", "path", "desiredCount", "git", 2, "live", 3);

	ecsctl_drift_report_init(r);
	assert_int_equal(ecsctl_drift_report_add(r, ECSCTL_KIND_SERVICE, "shop/w|eb",
	                                         ECSCTL_DRIFT_DRIFTED, diff, "abcdef0123456789",
	                                         "2026-01-01T00:00:00Z", NULL, &err),
	                 0);
	assert_int_equal(ecsctl_drift_report_add(r, ECSCTL_KIND_CLUSTER, "shop",
	                                         ECSCTL_DRIFT_IN_SYNC, NULL, NULL, NULL, NULL,
	                                         &err),
	                 0);
	assert_int_equal(ecsctl_drift_report_add(r, ECSCTL_KIND_SERVICE, "shop/<x>",
	                                         ECSCTL_DRIFT_UNMANAGED, NULL, NULL, NULL, NULL,
	                                         &err),
	                 0);
	ecsctl_drift_report_sort(r);
	return r;
}

static void test_drift_json__schema_and_summary(void **state)
{
	struct ecsctl_drift_report r;
	json_t *doc;

	(void)state;
	doc = ecsctl_drift_to_json(sample(&r));
	assert_non_null(doc);
	assert_int_equal(json_integer_value(json_object_get(doc, "formatVersion")), 1);
	assert_true(json_is_null(json_object_get(doc, "commit")));
	assert_int_equal(json_array_size(json_object_get(doc, "resources")), 3);
	assert_string_equal(json_string_value(json_object_get(
	                        json_array_get(json_object_get(doc, "resources"), 0), "kind")),
	                    "Cluster");
	assert_int_equal(
	    json_integer_value(json_object_get(json_object_get(doc, "summary"), "drifted")), 1);
	assert_int_equal(
	    json_integer_value(json_object_get(json_object_get(doc, "summary"), "missing")), 0);
	assert_true(json_is_false(json_object_get(doc, "inSync")));
	json_decref(doc);
	ecsctl_drift_report_release(&r);
}

static void test_drift_markdown__rows_escaped(void **state)
{
	struct ecsctl_drift_report r;
	struct ecsctl_buf b = ECSCTL_BUF_INIT;

	(void)state;
	ecsctl_drift_format_markdown(&b, sample(&r));
	assert_non_null(strstr(b.buf, "| drifted | Service | shop/w\\|eb | abcdef012345 |"));
	assert_non_null(strstr(b.buf, "| unmanaged | Service | shop/&lt;x&gt; |"));
	assert_non_null(strstr(b.buf, "| desiredCount | 2 | 3 |"));
	ecsctl_buf_release(&b);
	ecsctl_drift_report_release(&r);
}

static void test_drift_junit__failures_counted_and_escaped(void **state)
{
	struct ecsctl_drift_report r;
	struct ecsctl_buf b = ECSCTL_BUF_INIT;

	(void)state;
	ecsctl_drift_format_junit(&b, sample(&r));
	assert_non_null(strstr(b.buf, "tests=\"3\" failures=\"1\""));
	assert_non_null(strstr(b.buf, "name=\"shop/&lt;x&gt;\""));
	assert_non_null(strstr(b.buf, "<failure type=\"drifted\""));
	assert_null(strstr(b.buf, "<x>"));
	ecsctl_buf_release(&b);
	ecsctl_drift_report_release(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_drift_md_escape__pipes_and_html),
	    cmocka_unit_test(test_drift_xml_escape__specials_controls_and_bad_utf8),
	    cmocka_unit_test(test_drift_json__schema_and_summary),
	    cmocka_unit_test(test_drift_markdown__rows_escaped),
	    cmocka_unit_test(test_drift_junit__failures_counted_and_escaped),
	};

	return cmocka_run_group_tests_name("drift", tests, NULL, NULL) ? 1 : 0;
}
