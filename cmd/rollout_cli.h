/* What promote, abort and rollback share: a SERVICE argument, and (promote,
 * abort) the service deployment in progress. */
#ifndef ECSCTL_CMD_ROLLOUT_CLI_H
#define ECSCTL_CMD_ROLLOUT_CLI_H

#include <jansson.h>

#include "ecsctl/model.h"

struct cli_ctx;

/* "cluster/name" as given, "name" in `cluster` or in the repository's
 * services (where it must be one). New string, or NULL (printed). */
char *cli_service_arg(const char *arg, const char *cluster, const struct ecsctl_model *m);

/* The service deployment promote or abort acts on. */
struct cli_rollout {
	char *name;  /* "cluster/service": the cluster, NUL, the service */
	char *slash; /* into name: the service */
	json_t *sd;  /* the service deployment in progress */
};

/* For `ecsctl CMD SERVICE`: sets up as the command table says (the
 * repository for bare names and the lease, the client, the lease taken) and
 * finds the service deployment in progress. EXIT_OK, or an exit code with
 * the reason printed (none in progress: EXIT_ERROR). */
int cli_rollout_open(struct cli_rollout *r, struct cli_ctx *ctx, const char *cmd, const char *arg,
                     const char *cluster);
void cli_rollout_close(struct cli_rollout *r);

/* A string member, "?" when absent. */
const char *cli_rollout_str(const json_t *o, const char *k);

#endif
