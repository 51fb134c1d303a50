/* Each file of test_aws runs its own cmocka group; main.c runs them all. */
#ifndef AWS_TESTS_H
#define AWS_TESTS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

int aws_tests_sigv4(void);
int aws_tests_client(void);
int aws_tests_creds(void);
int aws_tests_creds_process(void);
int aws_tests_creds_sso(void);
int aws_tests_settings(void);
int aws_tests_parse(void);
int aws_tests_http(void);
int aws_tests_seam(void);

#endif
