#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ecsctl/buf.h"
#include "ecsctl/diag.h"
#include "ecsctl/duration.h"
#include "ecsctl/error.h"
#include "util_tests.h"

static void test_util_buf__grows_and_formats(void **state)
{
	struct ecsctl_buf b = ECSCTL_BUF_INIT;
	int i;

	assert_string_equal(b.buf, "");
	for (i = 0; i < 1000; i++)
		ecsctl_buf_addf(&b, "%d,", i % 10);
	assert_int_equal(b.len, 2000);
	assert_memory_equal(b.buf, "0,1,2,", 6);
	ecsctl_buf_addhex(&b, (const unsigned char *)"\x01\xff", 2);
	assert_string_equal(b.buf + 2000, "01ff");
	assert_int_equal(ecsctl_hex_digit('7'), 7);
	assert_int_equal(ecsctl_hex_digit('b'), 11);
	assert_int_equal(ecsctl_hex_digit('F'), 15);
	assert_int_equal(ecsctl_hex_digit('g'), -1);
	assert_false(ecsctl_buf_failed(&b));
	ecsctl_buf_release(&b);
	assert_string_equal(b.buf, "");
}

static void test_util_buf__cap_is_sticky(void **state)
{
	struct ecsctl_buf b;
	char *s;

	ecsctl_buf_init(&b, 8);
	ecsctl_buf_adds(&b, "12345");
	ecsctl_buf_addf(&b, "%s", "6789");
	assert_true(ecsctl_buf_failed(&b));
	ecsctl_buf_adds(&b, "x");
	assert_string_equal(b.buf, "12345");
	s = ecsctl_buf_detach(&b);
	assert_null(s);
}

static void test_util_buf__setlen_and_rtrim_shorten(void **state)
{
	struct ecsctl_buf b = ECSCTL_BUF_INIT;
	size_t mark;

	ecsctl_buf_adds(&b, "services");
	mark = b.len;
	ecsctl_buf_adds(&b, ".web");
	ecsctl_buf_setlen(&b, mark);
	assert_int_equal(b.len, 8);
	assert_string_equal(b.buf, "services");
	ecsctl_buf_adds(&b, " \t\n\r ");
	ecsctl_buf_rtrim(&b);
	assert_string_equal(b.buf, "services");
	assert_int_equal(b.len, 8);
	ecsctl_buf_adds(&b, "\n");
	ecsctl_buf_setlen(&b, 0);
	assert_string_equal(b.buf, "");
	ecsctl_buf_adds(&b, "   ");
	ecsctl_buf_rtrim(&b);
	assert_int_equal(b.len, 0);
	assert_string_equal(b.buf, "");
	assert_false(ecsctl_buf_failed(&b));
	ecsctl_buf_release(&b);
}

/* An unallocated buffer points at the one shared empty string; shortening,
 * resetting and detaching it must leave that string alone (it is read-only,
 * so a write would fault), and every buffer still reads "". */
static void test_util_buf__shared_empty_string_is_only_read(void **state)
{
	struct ecsctl_buf a = ECSCTL_BUF_INIT, b;
	char *s;

	ecsctl_buf_init(&b, 4);
	assert_ptr_equal(a.buf, ecsctl_buf_empty);
	assert_ptr_equal(b.buf, ecsctl_buf_empty);
	ecsctl_buf_reset(&a);
	ecsctl_buf_setlen(&a, 0);
	ecsctl_buf_rtrim(&a);
	ecsctl_buf_adds(&b, "12345"); /* over the cap before any allocation */
	assert_true(ecsctl_buf_too_large(&b));
	ecsctl_buf_reset(&b);
	assert_ptr_equal(a.buf, ecsctl_buf_empty);
	assert_ptr_equal(b.buf, ecsctl_buf_empty);
	assert_string_equal(a.buf, "");
	assert_string_equal(b.buf, "");
	s = ecsctl_buf_detach(&a);
	assert_non_null(s);
	assert_string_equal(s, "");
	assert_ptr_not_equal(s, ecsctl_buf_empty);
	free(s);
	ecsctl_buf_release(&b);
	assert_int_equal(ecsctl_buf_empty[0], '\0');
}

static void test_util_buf__over_cap_is_not_out_of_memory(void **state)
{
	struct ecsctl_buf capped, big = ECSCTL_BUF_INIT;

	ecsctl_buf_init(&capped, 8);
	ecsctl_buf_adds(&capped, "12345678");
	assert_int_equal(ecsctl_buf_failed(&capped), ECSCTL_BUF_OK);
	ecsctl_buf_addch(&capped, '9');
	assert_int_equal(ecsctl_buf_failed(&capped), ECSCTL_BUF_TOO_LARGE);
	assert_true(ecsctl_buf_too_large(&capped));
	ecsctl_buf_fail(&capped); /* the first failure's state stays */
	assert_true(ecsctl_buf_too_large(&capped));
	ecsctl_buf_release(&capped);

	ecsctl_buf_init(&capped, 8);
	ecsctl_buf_addf(&capped, "%s", "123456789");
	assert_true(ecsctl_buf_too_large(&capped));
	ecsctl_buf_release(&capped);

	/* a length no allocation can hold, with no cap: out of memory */
	ecsctl_buf_adds(&big, "x");
	ecsctl_buf_add(&big, "y", SIZE_MAX);
	assert_int_equal(ecsctl_buf_failed(&big), ECSCTL_BUF_NOMEM);
	assert_false(ecsctl_buf_too_large(&big));
	assert_string_equal(big.buf, "x");
	ecsctl_buf_release(&big);
}

static void test_util_buf__fail_and_fail_from(void **state)
{
	struct ecsctl_buf out = ECSCTL_BUF_INIT, ok = ECSCTL_BUF_INIT, tmp;

	ecsctl_buf_init(&tmp, 2);
	ecsctl_buf_adds(&ok, "fine");
	ecsctl_buf_fail_from(&out, &ok);
	assert_false(ecsctl_buf_failed(&out));
	ecsctl_buf_adds(&tmp, "too long");
	ecsctl_buf_fail_from(&out, &tmp);
	assert_true(ecsctl_buf_too_large(&out));
	ecsctl_buf_adds(&out, "ignored");
	assert_string_equal(out.buf, "");
	assert_null(ecsctl_buf_detach(&out));

	ecsctl_buf_fail(&ok);
	assert_int_equal(ecsctl_buf_failed(&ok), ECSCTL_BUF_NOMEM);
	ecsctl_buf_adds(&ok, "more");
	assert_string_equal(ok.buf, "fine");
	ecsctl_buf_release(&ok);
	ecsctl_buf_release(&tmp);
}

static void test_util_error__first_cause_wins(void **state)
{
	struct ecsctl_error err = ECSCTL_ERROR_INIT;

	assert_int_equal(ecsctl_error_set(&err, ECSCTL_EINVAL, "bad %s", "x"), ECSCTL_EINVAL);
	assert_int_equal(ecsctl_error_set(&err, ECSCTL_EIO, "vaguer"), ECSCTL_EINVAL);
	assert_string_equal(err.message, "bad x");
	ecsctl_error_release(&err);
	assert_int_equal(err.code, 0);
	ecsctl_error_release(NULL);
}

/* Every wrap adds its own ": ", so nested contexts never run together. */
static void test_util_error__wrap_separates_contexts(void **state)
{
	struct ecsctl_error err = ECSCTL_ERROR_INIT;

	assert_int_equal(ecsctl_error_wrap(&err, "ignored"), 0);
	assert_null(err.message);
	ecsctl_error_set(&err, ECSCTL_EAWS, "Service not found.");
	ecsctl_error_wrap(&err, "DescribeServices");
	assert_int_equal(ecsctl_error_wrap(&err, "Service '%s'", "shop/web"), ECSCTL_EAWS);
	assert_string_equal(err.message,
	                    "Service 'shop/web': DescribeServices: Service not found.");
	ecsctl_error_release(&err);
}

static void test_util_error__copy_keeps_every_field(void **state)
{
	struct ecsctl_error src = ECSCTL_ERROR_INIT, dst = ECSCTL_ERROR_INIT;
	struct ecsctl_error first = ECSCTL_ERROR_INIT;

	assert_int_equal(ecsctl_error_copy(&dst, &src), 0);
	assert_int_equal(dst.code, 0);
	ecsctl_error_set(&src, ECSCTL_EAWS, "CreateService: bad value");
	src.aws_code = strdup("InvalidParameterException");
	src.http_status = 400;
	src.request_id = strdup("8f2c-req");
	assert_int_equal(ecsctl_error_copy(&dst, &src), ECSCTL_EAWS);
	assert_string_equal(dst.message, "CreateService: bad value");
	assert_string_equal(dst.aws_code, "InvalidParameterException");
	assert_int_equal(dst.http_status, 400);
	assert_string_equal(dst.request_id, "8f2c-req");
	assert_ptr_not_equal(dst.request_id, src.request_id);
	assert_int_equal(ecsctl_error_copy(NULL, &src), ECSCTL_EAWS);

	/* the first cause wins */
	ecsctl_error_set(&first, ECSCTL_ENET, "timed out");
	assert_int_equal(ecsctl_error_copy(&first, &src), ECSCTL_ENET);
	assert_string_equal(first.message, "timed out");
	assert_null(first.request_id);
	ecsctl_error_release(&first);
	ecsctl_error_release(&dst);
	ecsctl_error_release(&src);
}

/* Out of memory has a message that is never allocated nor freed. */
static void test_util_error__nomem_has_a_message(void **state)
{
	struct ecsctl_error err = ECSCTL_ERROR_INIT;

	assert_int_equal(ecsctl_error_nomem(&err), ECSCTL_ENOMEM);
	assert_non_null(err.message);
	assert_string_equal(err.message, "out of memory");
	assert_int_equal(ecsctl_error_nomem(&err), ECSCTL_ENOMEM);
	ecsctl_error_wrap(&err, "reading live ECS state");
	assert_string_equal(err.message, "reading live ECS state: out of memory");
	ecsctl_error_release(&err);
	assert_null(err.message);
	ecsctl_error_nomem(&err);
	ecsctl_error_release(&err); /* must not free the static text */
	assert_int_equal(ecsctl_error_nomem(NULL), ECSCTL_ENOMEM);
}

static void test_util_diag__sorted_by_position_stable(void **state)
{
	struct ecsctl_diags d = ECSCTL_DIAGS_INIT;
	char *s;

	ecsctl_diags_add(&d, ECSCTL_ERROR, "b.yaml", 1, 1, NULL, NULL, "third");
	ecsctl_diags_add(&d, ECSCTL_ERROR, "a.yaml", 9, 2, NULL, NULL, "second");
	ecsctl_diags_add(&d, ECSCTL_WARNING, "a.yaml", 2, 5, "Service 'x'", "cpu", "first");
	ecsctl_diags_add(&d, ECSCTL_ERROR, "a.yaml", 9, 2, NULL, NULL, "second-b");
	ecsctl_diags_sort(&d);
	assert_int_equal(d.errors, 3);
	assert_string_equal(d.items[0].message, "first");
	assert_string_equal(d.items[1].message, "second");
	assert_string_equal(d.items[2].message, "second-b");
	assert_string_equal(d.items[3].message, "third");
	s = ecsctl_diag_format(&d.items[0]);
	assert_string_equal(s, "a.yaml:2:5: first");
	free(s);
	ecsctl_diags_release(&d);
}

static void test_util_duration__format_reads_back(void **state)
{
	char b[ECSCTL_DURATION_FORMAT_SIZE];
	int64_t ms;

	(void)state;
	assert_string_equal(ecsctl_duration_format(b, 0), "0s");
	assert_string_equal(ecsctl_duration_format(b, 59999), "59s");
	assert_string_equal(ecsctl_duration_format(b, 65000), "1m05s");
	assert_string_equal(ecsctl_duration_format(b, 7230000), "2h00m30s");
	assert_string_equal(ecsctl_duration_format(b, -5), "0s");
	assert_int_equal(ecsctl_duration_parse(&ms, ecsctl_duration_format(b, 7230000)), 0);
	assert_int_equal(ms, 7230000);
}

static void test_util_duration__units(void **state)
{
	int64_t ms;

	assert_int_equal(ecsctl_duration_parse(&ms, "90s"), 0);
	assert_int_equal(ms, 90000);
	assert_int_equal(ecsctl_duration_parse(&ms, "1h30m"), 0);
	assert_int_equal(ms, 5400000);
	assert_int_equal(ecsctl_duration_parse(&ms, "250ms"), 0);
	assert_int_equal(ms, 250);
	assert_int_equal(ecsctl_duration_parse(&ms, "15"), 0);
	assert_int_equal(ms, 15000);
	assert_int_equal(ecsctl_duration_parse(&ms, ""), -1);
	assert_int_equal(ecsctl_duration_parse(&ms, "5x"), -1);
	assert_int_equal(ecsctl_duration_parse(&ms, "m"), -1);
	assert_int_equal(ecsctl_duration_parse(&ms, "5m10"), -1);
	assert_int_equal(ecsctl_duration_parse(&ms, "99999999999999999999h"), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_util_buf__grows_and_formats),
	    cmocka_unit_test(test_util_buf__cap_is_sticky),
	    cmocka_unit_test(test_util_buf__setlen_and_rtrim_shorten),
	    cmocka_unit_test(test_util_buf__shared_empty_string_is_only_read),
	    cmocka_unit_test(test_util_buf__over_cap_is_not_out_of_memory),
	    cmocka_unit_test(test_util_buf__fail_and_fail_from),
	    cmocka_unit_test(test_util_error__first_cause_wins),
	    cmocka_unit_test(test_util_error__wrap_separates_contexts),
	    cmocka_unit_test(test_util_error__copy_keeps_every_field),
	    cmocka_unit_test(test_util_error__nomem_has_a_message),
	    cmocka_unit_test(test_util_diag__sorted_by_position_stable),
	    cmocka_unit_test(test_util_duration__units),
	    cmocka_unit_test(test_util_duration__format_reads_back),
	};
	int failed = cmocka_run_group_tests(tests, NULL, NULL);

	failed += util_arn_tests();
	failed += util_clock_tests();
	failed += util_secret_tests();
	failed += util_rand_tests();
	failed += util_timestamp_tests();
	return failed;
}
