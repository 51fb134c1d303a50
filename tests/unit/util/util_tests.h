/* The util unit test groups beyond test_util.c's own: each file runs its
 * group, main() adds up the failures. */
#ifndef UTIL_TESTS_H
#define UTIL_TESTS_H

int util_arn_tests(void);
int util_clock_tests(void);
int util_secret_tests(void);
int util_rand_tests(void);
int util_timestamp_tests(void);

#endif
