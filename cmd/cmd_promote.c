/*
 * ecsctl promote SERVICE: continue the service deployment paused at a PAUSE
 * lifecycle hook (ContinueServiceDeployment CONTINUE), as a person who has
 * looked at the canary or the test traffic decides. Takes the write lease.
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

int cmd_promote(int argc, char **argv, struct cli_ctx *ctx)
{
	char *cluster = NULL;
	bool help;
	const struct cli_flag flags[] = {
	    {"cluster", 0, FLAG_STRING, &cluster, "C", "the cluster of a service named bare"},
	    {"lock-timeout", 0, FLAG_DURATION, &ctx->lock_timeout, "D", CLI_LOCK_TIMEOUT_HELP},
	    {NULL, 0, 0, NULL, NULL, NULL},
	};
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	struct cli_rollout r = {0};
	json_t *hook = NULL;
	int npos, rc;

	rc = cli_parse(argc, argv, cli_find_command("promote"), flags, ctx, &npos, &help);
	if (rc >= 0)
		goto done;
	if (npos != 1) {
		cli_error("'ecsctl promote' takes one service (CLUSTER/NAME or NAME)");
		rc = EXIT_USAGE;
		goto done;
	}
	ctx->cancel = &interrupted;
	if ((rc = cli_rollout_open(&r, ctx, "promote", argv[0], cluster)) != EXIT_OK)
		goto done;
	if (ecsctl_ops_promote(&hook, ctx->ecs, r.sd, &err)) {
		cli_print_error(argv[0], &err);
		rc = EXIT_ERROR;
		goto done;
	}
	printf("%s/%s: promoted: service deployment %s (%s) goes on past its %s hook at %s\n",
	       r.name, r.slash, ecsctl_reconcile_sd_id(r.sd),
	       cli_rollout_str(json_object_get(r.sd, "deploymentConfiguration"), "strategy"),
	       cli_rollout_str(hook, "targetType"), cli_rollout_str(hook, "stage"));
	rc = EXIT_OK;
done:
	json_decref(hook);
	cli_rollout_close(&r);
	ecsctl_error_release(&err);
	free(cluster);
	return rc;
}
