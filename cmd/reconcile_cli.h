/* What plan and apply share in the front end: the ECS client from the
 * global flags, gathering + planning with stats, and the progress view. */
#ifndef ECSCTL_CMD_RECONCILE_CLI_H
#define ECSCTL_CMD_RECONCILE_CLI_H

#include <stdbool.h>

#include "ecsctl/reconcile.h"

struct cli_ctx;

/* The one place the global flags become ECS client options: --region,
 * --endpoint-url, --profile, -v (each -v logs more, on stderr by default;
 * watch replaces o->log to keep its log format). `config_region` is
 * ecsctl.yaml's (may be NULL). */
void cli_ecs_options(struct ecsctl_ecs_options *o, const struct cli_ctx *ctx,
                     const char *config_region);

/* The client for those options. Prints the error; EXIT_OK or EXIT_ERROR. */
int cli_ecs_open(struct ecsctl_ecs **out, struct cli_ctx *ctx, const char *config_region);

/* The account guard: EXIT_OK when `want` (an accountId, or NULL for none) is
 * the account of the client's credentials (STS GetCallerIdentity, asked once
 * per client), else EXIT_ERROR with the error printed. `env_name` (may be
 * NULL) names the environment in the message. */
int cli_account_guard(struct ecsctl_ecs *ecs, const char *want, const char *env_name);

/* Gathers the live state of `scope` into `live`. Prints the error. */
int cli_gather(struct ecsctl_live *live, struct ecsctl_ecs *ecs, const json_t *scope);

/* Plans ctx->model against live ECS through ctx->ecs, both set up by
 * cli_setup() (ecsctl_reconcile_plan with `po`: targets, --refresh). `p`
 * must be released by the caller. EXIT_OK or EXIT_ERROR (printed). */
int cli_make_plan(struct ecsctl_plan *p, struct cli_ctx *ctx, const struct ecsctl_plan_options *po);

/* Prints the plan (text, --compact text, --output json or markdown) on stdout. */
int cli_print_plan(const struct ecsctl_plan *p, struct cli_ctx *ctx, bool compact);

/* Progress view for apply/wait, on stderr: a live table on a TTY, plain
 * lines otherwise. */
struct cli_progress;
struct cli_progress *cli_progress_new(bool tty);
void cli_progress_free(struct cli_progress *pv);
void cli_progress_cb(void *ud, const struct ecsctl_progress *ev);

#endif
