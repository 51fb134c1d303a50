/* A command's setup, as its table entry says: the desired state (with its
 * diagnostics printed), the ECS client, the writers' lease; and teardown. */
#include <stdio.h>
#include <stdlib.h>

#include "ecsctl/lookup.h"
#include "cli.h"
#include "load.h"
#include "lock_cli.h"
#include "reconcile_cli.h"
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

/* `quiet`: nothing printed (a writer reading the desired state only for
 * its lease, where there may be none). */
static int load_model(struct cli_ctx *ctx, struct ecsctl_model *out, bool quiet)
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
	if (!quiet)
		print_diags(&diags);
	if (rc < 0 && !quiet) {
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

int cli_load_model(struct cli_ctx *ctx, struct ecsctl_model *out)
{
	return load_model(ctx, out, false);
}

/* The desired state's settings, or ctx->from's without a model. */
static void settings_of(const struct cli_ctx *ctx, bool model, struct cli_setup_from *s)
{
	static const struct cli_setup_from none = {NULL, NULL, NULL, NULL, NULL};
	const struct ecsctl_model *m = &ctx->model;

	*s = ctx->from ? *ctx->from : none;
	if (model) {
		s->region = m->settings.region;
		s->account_id = m->settings.account_id;
		s->lock = m->settings.lock;
		s->owner = m->settings.name;
		s->commit = m->commit;
	}
}

int cli_setup(struct cli_ctx *ctx, unsigned except)
{
	unsigned needs = ctx->cmd ? ctx->cmd->needs & ~except : 0;
	struct cli_setup_from s;
	bool model = false;
	int rc;

	if (needs & CLI_NEEDS_MODEL) {
		if ((rc = load_model(ctx, &ctx->model, false)) != EXIT_OK)
			return rc;
		model = true;
	} else if ((needs & CLI_NEEDS_LEASE) && !ctx->from) {
		/* the lease is named in ecsctl.yaml: read it where there is one
		 * (a repository that does not load names no lease either) */
		model = load_model(ctx, &ctx->model, true) == EXIT_OK;
		if (!model)
			ecsctl_model_release(&ctx->model);
	}
	settings_of(ctx, model, &s);
	if ((needs & CLI_NEEDS_CLIENT) &&
	    ((rc = cli_ecs_open(&ctx->ecs, ctx, s.region)) != EXIT_OK ||
	     (rc = cli_account_guard(ctx->ecs, s.account_id, model ? ctx->env_name : NULL)) !=
	         EXIT_OK))
		return rc;
	if ((needs & CLI_NEEDS_LEASE) &&
	    ((rc = cli_lock_open(&ctx->lock, s.lock, s.owner, ctx->ecs, ctx, ctx->cancel)) !=
	         EXIT_OK ||
	     (rc = cli_lock_take(ctx->lock, s.commit, ctx->lock_timeout)) != EXIT_OK))
		return rc;
	return EXIT_OK;
}

void cli_release_lease(struct cli_ctx *ctx)
{
	cli_lock_close(ctx->lock);
	ctx->lock = NULL;
}

void cli_teardown(struct cli_ctx *ctx)
{
	cli_release_lease(ctx); /* before the client whose credentials it borrows */
	ecsctl_ecs_free(ctx->ecs);
	ctx->ecs = NULL;
	ecsctl_model_release(&ctx->model);
	free(ctx->repo);
	free(ctx->ref);
	free(ctx->path);
	free(ctx->region);
	free(ctx->profile);
	free(ctx->endpoint_url);
	free(ctx->output);
	free(ctx->env_name);
	cli_list_release(&ctx->vars);
	cli_list_release(&ctx->var_files);
}
