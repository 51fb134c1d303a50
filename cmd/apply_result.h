/* apply --output json: the final result document (docs/plan.md). */
#ifndef ECSCTL_CMD_APPLY_RESULT_H
#define ECSCTL_CMD_APPLY_RESULT_H

#include <stdbool.h>

#include "reconcile_cli.h"

struct apply_result;

/* Collects outcomes; events are forwarded to `pv` (borrowed, may be NULL). */
struct apply_result *apply_result_new(struct cli_progress *pv);
void apply_result_free(struct apply_result *r);

/* The progress callback to install (ud = the apply_result). */
void apply_result_cb(void *ud, const struct ecsctl_progress *ev);

/* Prints {"formatVersion": 1, "result", "exitCode", "error", "operations":
 * [{action, kind, name, outcome}], "services": [{name, outcome, ...}]} on
 * one line of stdout; a service `why` names gets its reason, stoppedTasks
 * and events (why may be NULL). EXIT_OK or EXIT_ERROR (printed). */
int apply_result_print(const struct apply_result *r, const struct ecsctl_plan *p, int exit_code,
                       const char *error, bool waited, const struct ecsctl_wait_report *why);

#endif
