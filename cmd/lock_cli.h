/* The writers' lease in the front end: the writers take it before their
 * first write (docs/locking.md; cli_setup() for apply, rollback and run,
 * watch for each apply), unlock --force removes a dead holder's. */
#ifndef ECSCTL_CMD_LOCK_CLI_H
#define ECSCTL_CMD_LOCK_CLI_H

#include <signal.h>
#include <stdint.h>

#include "ecsctl/lock.h"
#include "ecsctl/reconcile.h"

struct cli_ctx;

/* --lock-timeout's default: fail at once naming the holder, as Terraform's
 * -lock-timeout=0s; CI jobs that should queue pass a duration. */
#define CLI_LOCK_TIMEOUT_DEFAULT_MS 0

/* The help of every writer's --lock-timeout (apply, rollback, run), whose
 * value goes to ctx->lock_timeout for cli_setup(). */
#define CLI_LOCK_TIMEOUT_HELP                                                                      \
	"wait this long for another writer's lease (ecsctl.yaml lock:; default 0s)"

/* Opens the lock `lock` (ecsctl.yaml's `lock:`, or a saved plan's scope)
 * describes, for owner `name`, with the ECS client's credentials. No `lock`:
 * `*out` = NULL and EXIT_OK. EXIT_ERROR printed. */
int cli_lock_open(struct ecsctl_lock **out, const json_t *lock, const char *name,
                  struct ecsctl_ecs *ecs, const struct cli_ctx *ctx,
                  const volatile sig_atomic_t *cancel);

/* Takes the lease (no-op for a NULL lock), waiting up to `timeout_ms`. A
 * holder that stays: the error names it, EXIT_ERROR. */
int cli_lock_take(struct ecsctl_lock *l, const char *commit, int64_t timeout_ms);

/* The heartbeat for ecsctl_apply_options (ud = the lock, may be NULL). */
int cli_lock_heartbeat(void *ud, struct ecsctl_error *err);

/* Releases (printing a failure as a warning) and frees. Accepts NULL. */
void cli_lock_close(struct ecsctl_lock *l);

#endif
