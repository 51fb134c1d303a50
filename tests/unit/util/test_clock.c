/* ecsctl/clock.h: the one clock every module reads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <cmocka.h>

#include "ecsctl/clock.h"
#include "util_tests.h"

static void test_util_clock__sleep_advances_monotonic(void **state)
{
	int64_t t0 = ecsctl_clock_now_ms(NULL), t1;

	(void)state;
	ecsctl_clock_sleep_ms(NULL, 30);
	t1 = ecsctl_clock_now_ms(NULL);
	assert_true(t1 - t0 >= 30);
	assert_true(t1 - t0 < 5000);
	/* nothing to sleep: returns at once */
	ecsctl_clock_sleep_ms(NULL, 0);
	ecsctl_clock_sleep_ms(NULL, -5);
	assert_true(ecsctl_clock_now_ms(NULL) - t1 < 1000);
	/* seconds and milliseconds read the same clock */
	assert_true(ecsctl_clock_mono_s() * 1000.0 - (double)t1 >= 0.0);
	assert_true(ecsctl_clock_mono_s() * 1000.0 - (double)t1 < 5000.0);
}

static void test_util_clock__wall_is_epoch(void **state)
{
	int64_t now = (int64_t)time(NULL) * 1000, w = ecsctl_clock_wall_ms(NULL);
	double ws = ecsctl_clock_wall_s();

	(void)state;
	assert_true(w >= now - 2000 && w <= now + 2000);
	assert_true(ws * 1000.0 >= (double)(now - 2000) && ws * 1000.0 <= (double)(now + 3000));
}

int util_clock_tests(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_util_clock__sleep_advances_monotonic),
	    cmocka_unit_test(test_util_clock__wall_is_epoch),
	};
	return cmocka_run_group_tests_name("util_clock", tests, NULL, NULL);
}
