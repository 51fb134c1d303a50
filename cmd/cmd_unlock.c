/* ecsctl unlock --force ID: remove a dead holder's lease (docs/locking.md). */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "lock_cli.h"
#include "banned.h"

int cmd_unlock(int argc, char **argv, struct cli_ctx *ctx)
{
	bool force = false, help;
	const struct cli_flag flags[] = {
	    {"force", 0, FLAG_BOOL, &force, NULL,
	     "required: the lease's holder must be dead, or its writes and ours will mix"},
	    {NULL, 0, 0, NULL, NULL, NULL},
	};
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	struct ecsctl_lock *lock = NULL;
	struct ecsctl_lease cur = {0};
	struct ecsctl_buf b = ECSCTL_BUF_INIT;
	int npos, rc;

	rc = cli_parse(argc, argv, cli_find_command("unlock"), flags, ctx, &npos, &help);
	if (rc >= 0)
		return rc;
	if (npos != 1 || !force) {
		cli_error(npos != 1 ? "'ecsctl unlock' takes the lease id the error named"
		                    : "'ecsctl unlock' needs --force: only unlock a holder that is "
		                      "dead");
		return EXIT_USAGE;
	}
	/* the lock is opened, never taken: its table entry does not say LEASE */
	if ((rc = cli_setup(ctx, 0)) != EXIT_OK ||
	    (rc = cli_lock_open(&lock, ctx->model.settings.lock, ctx->model.settings.name, ctx->ecs,
	                        ctx, NULL)) != EXIT_OK)
		goto done;
	if (!lock) {
		cli_error("ecsctl.yaml has no lock: to unlock");
		rc = EXIT_ERROR;
		goto done;
	}
	if (!ecsctl_lock_read(&cur, lock, &err) && !strcmp(cur.id, argv[0]))
		ecsctl_lease_describe(&b, &cur, ecsctl_clock_wall_ms(NULL));
	ecsctl_error_release(&err);
	if (ecsctl_lock_force_unlock(lock, argv[0], &err)) {
		cli_print_error(NULL, &err);
		rc = EXIT_ERROR;
		goto done;
	}
	printf("Removed the lease on %s held by %s.\n", ecsctl_lock_where(lock),
	       b.buf ? b.buf : argv[0]);
done:
	ecsctl_buf_release(&b);
	ecsctl_lease_release(&cur);
	ecsctl_lock_free(lock);
	ecsctl_error_release(&err);
	return rc;
}
