#ifndef ECSCTL_CMD_LOAD_H
#define ECSCTL_CMD_LOAD_H

#include "ecsctl/model.h"

struct cli_ctx;

/* Loads the desired state named by the global flags, printing every
 * diagnostic on stderr. Returns EXIT_OK or EXIT_ERROR; `out` must be
 * released either way. */
int cli_load_model(struct cli_ctx *ctx, struct ecsctl_model *out);

/* What the global flags say to load (repo, ref, path, --env, --var...). */
void cli_model_options(const struct cli_ctx *ctx, struct ecsctl_model_options *o);

/* The lookups' AWS settings from the global flags (region, profile, -v). */
struct ecsctl_lookup_options;
void cli_lookup_options(struct ecsctl_lookup_options *o, const struct cli_ctx *ctx);

#endif
