/* Shared by the diff unit tests. */
#ifndef DIFF_TEST_H
#define DIFF_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <jansson.h>

#include "ecsctl/diff.h"

/* JSON from text written with ' for " (fixtures stay readable); fails the
 * test on a syntax error. New reference. */
json_t *J(const char *text);

/* Asserts `v` equals the JSON in `text` (same quoting as J). */
void assert_json(const json_t *v, const char *text);

/* The fixtures: realistic payloads and Describe* outputs. */
json_t *fixture_fargate_desired(void);
json_t *fixture_fargate_live(void);

#define DIFF_TESTS(group)                                                                          \
	extern const struct CMUnitTest group##_tests[];                                            \
	extern const size_t group##_ntests;

DIFF_TESTS(normalize)
DIFF_TESTS(values)
DIFF_TESTS(service)
DIFF_TESTS(cluster)
DIFF_TESTS(output)

#endif
