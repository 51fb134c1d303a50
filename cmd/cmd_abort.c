/*
 * ecsctl abort SERVICE [--rollback]: stop the service deployment in
 * progress (StopServiceDeployment ABORT, or ROLLBACK to the revision it
 * started from). Takes the write lease.
 */
#include <signal.h>
#include <stdio.h>

#include "cli.h"
#include "commands.h"
#include "ecsctl/ops.h"
#include "ecsctl/reconcile.h"
#include "lock_cli.h"
#include "rollout_cli.h"
#include "banned.h"

static volatile sig_atomic_t interrupted;

int cmd_abort(int argc, char **argv, struct cli_ctx *ctx)
{
	char *cluster = NULL;
	bool help, rollback = false;
	const struct cli_flag flags[] = {
	    {"cluster", 0, FLAG_STRING, &cluster, "C", "the cluster of a service named bare"},
	    {"rollback", 0, FLAG_BOOL, &rollback, NULL,
	     "go back to the revision the deployment started from (default: stop it as it is)"},
	    {"lock-timeout", 0, FLAG_DURATION, &ctx->lock_timeout, "D", CLI_LOCK_TIMEOUT_HELP},
	    {NULL, 0, 0, NULL, NULL, NULL},
	};
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	struct cli_rollout r = {0};
	int npos, rc;

	rc = cli_parse(argc, argv, cli_find_command("abort"), flags, ctx, &npos, &help);
	if (rc >= 0)
		goto done;
	if (npos != 1) {
		cli_error("'ecsctl abort' takes one service (CLUSTER/NAME or NAME)");
		rc = EXIT_USAGE;
		goto done;
	}
	ctx->cancel = &interrupted;
	if ((rc = cli_rollout_open(&r, ctx, "abort", argv[0], cluster)) != EXIT_OK)
		goto done;
	if (ecsctl_ops_abort(ctx->ecs, r.sd, rollback, &err)) {
		cli_print_error(argv[0], &err);
		rc = EXIT_ERROR;
		goto done;
	}
	printf("%s/%s: service deployment %s (%s, at %s) %s\n", r.name, r.slash,
	       ecsctl_reconcile_sd_id(r.sd),
	       cli_rollout_str(json_object_get(r.sd, "deploymentConfiguration"), "strategy"),
	       cli_rollout_str(r.sd, "lifecycleStage"),
	       rollback ? "is rolling back to the revision it started from"
	                : "was stopped as it is (ABORT)");
	rc = EXIT_OK;
done:
	cli_rollout_close(&r);
	ecsctl_error_release(&err);
	free(cluster);
	return rc;
}
