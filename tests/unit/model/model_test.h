/* Shared by the model unit tests (one cmocka executable). */
#ifndef ECSCTL_MODEL_TEST_H
#define ECSCTL_MODEL_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ecsctl/model.h"

/*
 * Loads `text` as the file `name` (the whole config root) with environment
 * `env` (NULL: an empty one, so tests are hermetic). Returns every
 * diagnostic as "error: file:line:col: message" lines, sorted; caller frees.
 * `m` may be NULL; otherwise it receives the model (caller releases).
 */
char *load_text(struct ecsctl_model *m, const char *name, const char *text, const char *const *env);

/* Writes `text` to `dir`/`rel`, creating folders. */
void write_file(const char *dir, const char *rel, const char *text);
/* A fresh empty folder under /tmp; caller frees the name and removes it. */
char *make_temp_dir(void);
void remove_tree(const char *dir);

int run_yaml_tests(void);
int run_vars_tests(void);
int run_validate_tests(void);
int run_describe_tests(void);
int run_source_tests(void);
int run_rules_tests(void);
int run_envs_tests(void);
int run_overlay_tests(void);

#endif
