/* ecsctl/rand.h and ecsctl/backoff.h: the one random source and the one
 * retry backoff. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "ecsctl/backoff.h"
#include "ecsctl/rand.h"
#include "util_tests.h"

static void test_util_rand__seeded_sequence_is_fixed(void **state)
{
	/* splitmix64's published first outputs for seed 0: ecs-local's --seed
	 * ids depend on the sequence never changing */
	uint64_t s = 0, t = 0;

	(void)state;
	assert_true(ecsctl_rand_next(&s) == 0xe220a8397b1dcdafULL);
	assert_true(ecsctl_rand_next(&s) == 0x6e789e6aa1b965f4ULL);
	assert_true(ecsctl_rand_next(&s) == 0x06c45d188009454fULL);
	assert_true(ecsctl_rand_next(&t) == 0xe220a8397b1dcdafULL);
}

static void test_util_rand__below_stays_in_range(void **state)
{
	uint64_t s = 42, seen = 0;
	int i;

	(void)state;
	assert_true(ecsctl_rand_below(&s, 0) == 0);
	assert_true(ecsctl_rand_below(&s, 1) == 0);
	for (i = 0; i < 1000; i++) {
		uint64_t v = ecsctl_rand_below(&s, 10);

		assert_true(v < 10);
		seen |= 1ULL << v;
	}
	assert_true(seen == 0x3ff); /* every value comes up */
}

static void test_util_rand__seeds_differ(void **state)
{
	uint64_t a = ecsctl_rand_seed(), b = ecsctl_rand_seed();

	(void)state;
	assert_true(a != b);
}

static void test_util_backoff__full_jitter_doubles_to_the_cap(void **state)
{
	uint64_t rng = 1;
	unsigned attempt;
	int i;

	(void)state;
	for (attempt = 1; attempt <= 20; attempt++) {
		int64_t ceiling = 100LL << (attempt - 1 > 10 ? 10 : attempt - 1), max = 0;

		if (ceiling > 20000)
			ceiling = 20000;
		for (i = 0; i < 200; i++) {
			int64_t d = ecsctl_backoff_ms(attempt, 100, 20000, ECSCTL_JITTER_FULL,
			                              &rng);

			assert_true(d >= 0 && d <= ceiling);
			if (d > max)
				max = d;
		}
		/* full jitter spreads over the whole range */
		assert_true(max > ceiling / 2);
	}
}

static void test_util_backoff__equal_jitter_never_below_half(void **state)
{
	uint64_t rng = 42;
	int64_t lo = 1 << 30, hi = 0;
	int round, n;

	(void)state;
	for (round = 0; round < 200; round++) {
		for (n = 1; n <= 12; n++) {
			int64_t want = 1000LL << (n - 1), d;

			if (want > 60000)
				want = 60000;
			d = ecsctl_backoff_ms((unsigned)n, 1000, 60000, ECSCTL_JITTER_EQUAL, &rng);
			assert_true(d >= want / 2 && d <= want);
		}
	}
	for (n = 0; n < 500; n++) {
		int64_t d = ecsctl_backoff_ms(5, 100, 100000, ECSCTL_JITTER_EQUAL, &rng);

		lo = d < lo ? d : lo;
		hi = d > hi ? d : hi;
	}
	assert_true(lo < 900 && hi > 1500); /* d = 1600: spread over [800, 1600] */
}

static void test_util_backoff__edges(void **state)
{
	uint64_t rng = 7;

	(void)state;
	/* huge attempt counts do not overflow */
	assert_true(ecsctl_backoff_ms(4000000000u, 1000, 60000, ECSCTL_JITTER_EQUAL, &rng) <=
	            60000);
	assert_true(ecsctl_backoff_ms(4000000000u, 1000, INT64_MAX, ECSCTL_JITTER_FULL, &rng) >= 0);
	/* attempt 0 counts as the first */
	assert_true(ecsctl_backoff_ms(0, 1000, 60000, ECSCTL_JITTER_EQUAL, &rng) <= 1000);
	/* a cap below the base is raised to it: watch never waits less than its interval */
	assert_true(ecsctl_backoff_ms(3, 5000, 100, ECSCTL_JITTER_EQUAL, &rng) >= 2500);
	assert_true(ecsctl_backoff_ms(3, 5000, 100, ECSCTL_JITTER_EQUAL, &rng) <= 5000);
	/* no base, no wait */
	assert_true(ecsctl_backoff_ms(3, 0, 100, ECSCTL_JITTER_FULL, &rng) == 0);
	assert_true(ecsctl_backoff_ms(3, -5, 100, ECSCTL_JITTER_EQUAL, &rng) == 0);
}

int util_rand_tests(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_util_rand__seeded_sequence_is_fixed),
	    cmocka_unit_test(test_util_rand__below_stays_in_range),
	    cmocka_unit_test(test_util_rand__seeds_differ),
	    cmocka_unit_test(test_util_backoff__full_jitter_doubles_to_the_cap),
	    cmocka_unit_test(test_util_backoff__equal_jitter_never_below_half),
	    cmocka_unit_test(test_util_backoff__edges),
	};
	return cmocka_run_group_tests_name("util_rand", tests, NULL, NULL);
}
