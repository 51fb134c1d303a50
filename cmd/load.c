/* Loading the desired state for a command, with its diagnostics printed. */
#include <stdio.h>
#include <stdlib.h>

#include "ecsctl/lookup.h"
#include "cli.h"
#include "load.h"
#include "banned.h"

static void print_diags(const struct ecsctl_diags *d)
{
	size_t i;

	for (i = 0; i < d->count; i++) {
		const struct ecsctl_diag *it = &d->items[i];
		char *line = ecsctl_diag_format(it);
		const char *text = line ? line : it->message;

		if (it->severity == ECSCTL_ERROR)
			cli_error("%s", text);
		else if (it->severity == ECSCTL_WARNING)
			cli_warning("%s", text);
		else
			cli_notice("%s", text);
		free(line);
	}
	if (d->oom)
		cli_error("out of memory: some problems could not be reported");
}

void cli_model_options(const struct cli_ctx *ctx, struct ecsctl_model_options *o)
{
	o->repo = ctx->repo;
	o->ref = ctx->ref;
	o->path = ctx->path;
	o->worktree = ctx->worktree;
	o->environment = ctx->env_name;
	o->vars = (const char *const *)ctx->vars.items;
	o->nvars = ctx->vars.count;
	o->var_files = (const char *const *)ctx->var_files.items;
	o->nvar_files = ctx->var_files.count;
	o->explain = ctx->explain;
	o->offline = ctx->offline;
}

/* -v lines of the lookups' AWS calls, as the ECS client's */
static void lookup_log(void *ud, int level, const char *line)
{
	(void)ud;
	(void)level;
	fprintf(stderr, "%s\n", line);
}

void cli_lookup_options(struct ecsctl_lookup_options *o, const struct cli_ctx *ctx)
{
	o->region = ctx->region;
	o->profile = ctx->profile;
	o->endpoint_url = ctx->endpoint_url;
	o->verbosity = (int)ctx->verbose;
	o->log = lookup_log;
}

int cli_load_model(struct cli_ctx *ctx, struct ecsctl_model *out)
{
	struct ecsctl_model_options opts = ECSCTL_MODEL_OPTIONS_INIT;
	struct ecsctl_diags diags = ECSCTL_DIAGS_INIT;
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	struct ecsctl_lookup_options lo = ECSCTL_LOOKUP_OPTIONS_INIT;
	struct ecsctl_lookup_client *lookups = NULL;
	int rc;

	cli_model_options(ctx, &opts);
	cli_lookup_options(&lo, ctx);
	rc = ecsctl_lookup_new(&lookups, &lo, &err);
	if (!rc) {
		opts.lookups = ecsctl_lookup_resolver(lookups);
		rc = ecsctl_model_load(out, &opts, &diags, &err);
	}
	ecsctl_lookup_free(lookups);
	ecsctl_diags_sort(&diags);
	print_diags(&diags);
	if (rc < 0) {
		if (diags.errors)
			cli_error("%zu error%s in the desired state", diags.errors,
			          diags.errors == 1 ? "" : "s");
		else if (err.code)
			cli_print_error(NULL, &err);
		else
			cli_error("could not load the desired state");
	}
	ecsctl_diags_release(&diags);
	ecsctl_error_release(&err);
	return rc < 0 ? EXIT_ERROR : EXIT_OK;
}
