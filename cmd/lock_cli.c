/* The lease in the front end: open, take, heartbeat, release. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "lock_cli.h"
#include "banned.h"

int cli_lock_open(struct ecsctl_lock **out, const json_t *lock, const char *name,
                  struct ecsctl_ecs *ecs, const struct cli_ctx *ctx,
                  const volatile sig_atomic_t *cancel)
{
	struct ecsctl_lock_options o;
	struct ecsctl_lock_config cfg;
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	int rc = EXIT_OK;

	(void)ctx;
	*out = NULL;
	if (!lock)
		return EXIT_OK;
	memset(&o, 0, sizeof(o));
	o.ecs = ecs;
	o.cancel = (const volatile int *)cancel;
	if (ecsctl_lock_config_read(&cfg, lock, name, &err) ||
	    ecsctl_lock_new(out, &cfg, &o, &err)) {
		cli_print_error("lock", &err);
		rc = EXIT_ERROR;
	}
	ecsctl_lock_config_release(&cfg);
	ecsctl_error_release(&err);
	return rc;
}

int cli_lock_take(struct ecsctl_lock *l, const char *commit, int64_t timeout_ms)
{
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	int rc = EXIT_OK;

	if (!l)
		return EXIT_OK;
	if (ecsctl_lock_acquire(l, commit, timeout_ms, &err)) {
		cli_print_error(NULL, &err);
		rc = EXIT_ERROR;
	} else if (ecsctl_lock_taken_from(l)) {
		fprintf(stderr, "notice: took over the expired lease on %s of %s\n",
		        ecsctl_lock_where(l), ecsctl_lock_taken_from(l));
	}
	ecsctl_error_release(&err);
	return rc;
}

int cli_lock_heartbeat(void *ud, struct ecsctl_error *err)
{
	return ud ? ecsctl_lock_renew(ud, err) : 0;
}

void cli_lock_close(struct ecsctl_lock *l)
{
	struct ecsctl_error err = ECSCTL_ERROR_INIT;

	if (!l)
		return;
	if (ecsctl_lock_release(l, &err))
		fprintf(stderr,
		        "warning: could not release the lease on %s (%s); it expires by "
		        "itself\n",
		        ecsctl_lock_where(l), err.message ? err.message : "?");
	ecsctl_error_release(&err);
	ecsctl_lock_free(l);
}
