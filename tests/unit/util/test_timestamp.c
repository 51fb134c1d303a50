/* ecsctl/timestamp.h: the one ISO 8601 / RFC 3339 reader and writer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "ecsctl/timestamp.h"
#include "util_tests.h"

static int64_t parsed(const char *s)
{
	int64_t t = -12345;

	return ecsctl_timestamp_parse(s, &t) ? -1 : t;
}

static void test_util_timestamp__extended_forms(void **state)
{
	(void)state;
	assert_int_equal(parsed("2024-01-15T09:30:00Z"), 1705311000);
	assert_int_equal(parsed("2024-01-15T09:30:00.123Z"), 1705311000);
	assert_int_equal(parsed("2024-01-15T09:30:00+00:00"), 1705311000);
	assert_int_equal(parsed("2024-01-15T09:30:00UTC"), 1705311000);
	assert_int_equal(parsed("2024-01-15T09:30:00"), 1705311000);
	assert_int_equal(parsed("1970-01-01T00:00:00Z"), 0);
	/* leap days, and the 400-year rule */
	assert_int_equal(parsed("2024-02-29T00:00:00Z"), 1709164800);
	assert_int_equal(parsed("2000-02-29T00:00:00Z"), 951782400);
	assert_int_equal(parsed("9999-12-31T23:59:59Z"), 253402300799LL);
	/* a leap second reads as the next minute's first */
	assert_int_equal(parsed("2016-12-31T23:59:60Z"), 1483228800);
}

static void test_util_timestamp__basic_form(void **state)
{
	(void)state;
	assert_int_equal(parsed("20240115T093000Z"), 1705311000);
	assert_int_equal(parsed("20240115T093000"), -1);
	assert_int_equal(parsed("20240115T0930000"), -1);
	assert_int_equal(parsed("2024011XT093000Z"), -1);
}

static void test_util_timestamp__rejects_malformed(void **state)
{
	int64_t t = 77;

	(void)state;
	assert_int_equal(parsed(NULL), -1);
	assert_int_equal(parsed(""), -1);
	assert_int_equal(parsed("yesterday"), -1);
	assert_int_equal(parsed("2024-13-15T09:30:00Z"), -1);
	assert_int_equal(parsed("2024-00-15T09:30:00Z"), -1);
	assert_int_equal(parsed("2023-02-29T09:30:00Z"), -1); /* no leap day in 2023 */
	assert_int_equal(parsed("1900-02-29T09:30:00Z"), -1);
	assert_int_equal(parsed("2024-04-31T09:30:00Z"), -1);
	assert_int_equal(parsed("2024-01-15T24:00:00Z"), -1);
	assert_int_equal(parsed("2024-01-15T09:60:00Z"), -1);
	assert_int_equal(parsed("2024-01-15T09:30:61Z"), -1);
	/* only UTC: an offset would need applying, and no caller sends one */
	assert_int_equal(parsed("2024-01-15T09:30:00+02:00"), -1);
	/* every field all digits: sscanf would have taken the sign and space */
	assert_int_equal(parsed("+024-01-15T09:30:00Z"), -1);
	assert_int_equal(parsed("2024- 1-15T09:30:00Z"), -1);
	assert_int_equal(parsed("2024-01-15 09:30:00Z"), -1);
	assert_int_equal(parsed("2024-01-15T09:30:00Zjunk"), -1);
	/* a failure leaves the output alone */
	assert_int_equal(ecsctl_timestamp_parse("nope", &t), -1);
	assert_int_equal(t, 77);
}

static void test_util_timestamp__format_reads_back(void **state)
{
	char buf[ECSCTL_TIMESTAMP_MAX];
	int64_t t;

	(void)state;
	assert_int_equal(ecsctl_timestamp_format(buf, 1700000000.25), 0);
	assert_string_equal(buf, "2023-11-14T22:13:20Z");
	assert_int_equal(ecsctl_timestamp_parse(buf, &t), 0);
	assert_int_equal(t, 1700000000);
	assert_int_equal(ecsctl_timestamp_format(buf, 253402300799.0), 0);
	assert_string_equal(buf, "9999-12-31T23:59:59Z");
	/* out of range, negative or not a number: "" and -1 */
	assert_int_equal(ecsctl_timestamp_format(buf, -1), -1);
	assert_string_equal(buf, "");
	assert_int_equal(ecsctl_timestamp_format(buf, 1e300), -1);
	assert_int_equal(ecsctl_timestamp_format(buf, 0.0 / 0.0), -1);
}

int util_timestamp_tests(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_util_timestamp__extended_forms),
	    cmocka_unit_test(test_util_timestamp__basic_form),
	    cmocka_unit_test(test_util_timestamp__rejects_malformed),
	    cmocka_unit_test(test_util_timestamp__format_reads_back),
	};
	return cmocka_run_group_tests_name("util_timestamp", tests, NULL, NULL);
}
