/* Groups of the test_reconcile executable defined outside its main file. */
#ifndef ECSCTL_RECONCILE_TESTS_H
#define ECSCTL_RECONCILE_TESTS_H

/* Waits and the replace's INACTIVE wait on a virtual clock (test_wait.c). */
int reconcile_wait_tests(void);

/* Why a service is not stable: grouping, events, text (test_wait_why.c). */
int reconcile_wait_why_tests(void);

/* The Markdown plan: escaping, the size cap (test_plan_markdown.c). */
int reconcile_plan_markdown_tests(void);

/* The ecsctl:taskdef tag and the task definition cache (test_taskdef_tag.c). */
int reconcile_taskdef_tag_tests(void);

/* What a rollout will do, per strategy (test_rollout.c). */
int reconcile_rollout_tests(void);

#endif
