/* The watch unit tests' groups, run by test_watch.c's main. */
#ifndef WATCH_TESTS_H
#define WATCH_TESTS_H

#include <stddef.h>

struct CMUnitTest;

extern const struct CMUnitTest watch_status_page_tests[];
extern const size_t watch_status_page_ntests;

#endif
