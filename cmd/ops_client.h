/* Shared by the reporting commands (drift, status, watch, import). */
#ifndef ECSCTL_CMD_OPS_CLIENT_H
#define ECSCTL_CMD_OPS_CLIENT_H

#include "ecsctl/ecs.h"

/* Prints an error from the library in the CLI's form. */
void ops_print_error(const char *what, const struct ecsctl_error *err);

#endif
