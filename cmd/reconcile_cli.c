/* Shared by the commands that talk to ECS: the client, gather, plan, printing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "reconcile_cli.h"
#include "banned.h"

static void log_line(void *ud, int level, const char *line)
{
	(void)ud;
	(void)level;
	fprintf(stderr, "%s\n", line);
}

void cli_ecs_options(struct ecsctl_ecs_options *o, const struct cli_ctx *ctx,
                     const char *config_region)
{
	o->region = ctx->region;
	o->config_region = config_region;
	o->endpoint_url = ctx->endpoint_url;
	o->profile = ctx->profile;
	o->verbosity = (int)ctx->verbose;
	o->log = log_line;
	o->log_ud = NULL;
}

int cli_ecs_open(struct ecsctl_ecs **out, struct cli_ctx *ctx, const char *config_region)
{
	struct ecsctl_ecs_options o = ECSCTL_ECS_OPTIONS_INIT;
	struct ecsctl_error err = ECSCTL_ERROR_INIT;

	cli_ecs_options(&o, ctx, config_region);
	if (ecsctl_ecs_new(out, &o, &err)) {
		cli_print_error("could not set up the ECS client", &err);
		ecsctl_error_release(&err);
		return EXIT_ERROR;
	}
	return EXIT_OK;
}

int cli_account_guard(struct ecsctl_ecs *ecs, const char *want, const char *env_name)
{
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	const char *have = NULL;
	int rc = EXIT_OK;

	if (!want)
		return EXIT_OK;
	if (ecsctl_ecs_account(&have, ecs, &err)) {
		cli_print_error("account guard: could not tell whose credentials these are", &err);
		rc = EXIT_ERROR;
	} else if (strcmp(have, want)) {
		cli_error("account guard: the credentials are for account %s, but %s%s%s pins "
		          "accountId %s; nothing was changed",
		          have, env_name ? "environment '" : "the desired state",
		          env_name ? env_name : "", env_name ? "'" : "", want);
		rc = EXIT_ERROR;
	}
	ecsctl_error_release(&err);
	return rc;
}

int cli_gather(struct ecsctl_live *live, struct ecsctl_ecs *ecs, const json_t *scope)
{
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	int rc = EXIT_OK;

	if (ecsctl_reconcile_gather(live, ecs, scope, &err)) {
		cli_print_error("reading live ECS state", &err);
		rc = EXIT_ERROR;
	}
	ecsctl_error_release(&err);
	return rc;
}

/* The repository as the plan's first line names it: a local one by its
 * absolute path ("." says nothing in a CI log), a URL as given. */
static int set_source(struct ecsctl_plan *p, const struct cli_ctx *ctx, struct ecsctl_error *err)
{
	const char *repo = ctx->repo ? ctx->repo : ".";
	char *abs = strstr(repo, "://") ? NULL : realpath(repo, NULL);
	int rc = ecsctl_plan_set_source(p, abs ? abs : repo, ctx->path, err);

	free(abs);
	return rc;
}

int cli_make_plan(struct ecsctl_plan *p, struct cli_ctx *ctx, const struct ecsctl_plan_options *po)
{
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	int rc = EXIT_OK;

	if (ecsctl_reconcile_plan(p, NULL, &ctx->model, ctx->ecs, po, &err) ||
	    set_source(p, ctx, &err)) {
		cli_print_error(NULL, &err);
		rc = EXIT_ERROR;
	}
	ecsctl_error_release(&err);
	return rc;
}

int cli_print_plan(const struct ecsctl_plan *p, struct cli_ctx *ctx, bool compact)
{
	struct ecsctl_plan_render_options ro = ECSCTL_PLAN_RENDER_OPTIONS_INIT;
	struct ecsctl_buf b = ECSCTL_BUF_INIT;
	int rc = EXIT_OK;

	if (ctx->output && !strcmp(ctx->output, "json")) {
		json_t *doc = ecsctl_plan_to_json(p, false);
		if (!doc || json_dumpf(doc, stdout, JSON_INDENT(2)) || fputc('\n', stdout) == EOF)
			rc = EXIT_ERROR;
		json_decref(doc);
	} else {
		ro.color = ctx->color;
		ro.compact = compact;
		if (ctx->output && !strcmp(ctx->output, "markdown"))
			ecsctl_plan_render_markdown(&b, p, &ro);
		else
			ecsctl_plan_render(&b, p, &ro);
		if (ecsctl_buf_failed(&b) || fwrite(b.buf, 1, b.len, stdout) != b.len)
			rc = EXIT_ERROR;
	}
	if (rc)
		cli_error("could not write the plan");
	ecsctl_buf_release(&b);
	return rc;
}
