/* Groups of the ops unit tests (drift, watch, import), run by main.c. */
#ifndef OPS_TESTS_H
#define OPS_TESTS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

int ops_run_drift_tests(void);
int ops_run_watch_tests(void);
int ops_run_import_tests(void);

#endif
