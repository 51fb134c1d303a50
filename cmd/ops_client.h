/* The ECS client for the reporting commands (drift, status, watch, import). */
#ifndef ECSCTL_CMD_OPS_CLIENT_H
#define ECSCTL_CMD_OPS_CLIENT_H

#include "ecsctl/ecs.h"

struct cli_ctx;

/* Makes a client from the global flags; `config_region` is ecsctl.yaml's
 * region or NULL. Prints the error; returns EXIT_OK or EXIT_ERROR. */
int ops_client_new(struct ecsctl_ecs **out, struct cli_ctx *ctx, const char *config_region);

/* Prints an error from the library in the CLI's form. */
void ops_print_error(const char *what, const struct ecsctl_error *err);

#endif
