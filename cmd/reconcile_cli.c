/* Shared by cmd_plan.c and cmd_apply.c: client, gather, plan, printing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "load.h"
#include "reconcile_cli.h"
#include "banned.h"

static void log_line(void *ud, int level, const char *line)
{
	(void)ud;
	(void)level;
	fprintf(stderr, "%s\n", line);
}

int cli_ecs_open(struct ecsctl_ecs **out, struct cli_ctx *ctx, const char *config_region)
{
	struct ecsctl_ecs_options o = ECSCTL_ECS_OPTIONS_INIT;
	struct ecsctl_error err = ECSCTL_ERROR_INIT;

	o.region = ctx->region;
	o.config_region = config_region;
	o.endpoint_url = ctx->endpoint_url;
	o.profile = ctx->profile;
	o.verbosity = (int)ctx->verbose;
	o.log = log_line;
	if (ecsctl_ecs_new(out, &o, &err)) {
		cli_error("%s", err.message ? err.message : "could not set up the ECS client");
		ecsctl_error_release(&err);
		return EXIT_ERROR;
	}
	return EXIT_OK;
}

static void print_aws_error(const char *what, const struct ecsctl_error *err)
{
	if (err->aws_code)
		cli_error("%s: %s (%s)", what, err->message ? err->message : "failed",
		          err->aws_code);
	else
		cli_error("%s: %s", what, err->message ? err->message : "failed");
}

int cli_gather(struct ecsctl_live *live, struct ecsctl_ecs *ecs, const json_t *scope)
{
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	int rc = EXIT_OK;

	if (ecsctl_reconcile_gather(live, ecs, scope, &err)) {
		print_aws_error("reading live ECS state", &err);
		rc = EXIT_ERROR;
	}
	ecsctl_error_release(&err);
	return rc;
}

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A register is planned: look at older revisions first (a revert reuses one). */
static int plan_again_with_history(struct ecsctl_plan *p, const struct ecsctl_model *m,
                                   struct ecsctl_live *live, const json_t *scope,
                                   struct ecsctl_ecs *ecs, const struct ecsctl_plan_options *po)
{
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	const char **fams = calloc(p->count + 1, sizeof(*fams));
	size_t i, n = 0;
	int rc = EXIT_OK;

	if (!fams)
		return EXIT_ERROR;
	for (i = 0; i < p->count; i++)
		/* a family without a latest ACTIVE revision has no older one either */
		if (p->ops[i].action == ECSCTL_DIFF_REGISTER &&
		    json_object_get(live->latest, p->ops[i].name))
			fams[n++] = p->ops[i].name;
	if (!n)
		goto done;
	/* bounded: a family with a long pre-ecsctl history costs this once */
	if (ecsctl_reconcile_gather_history(live, ecs, fams, n, 100, &err)) {
		print_aws_error("reading task definition revisions", &err);
		rc = EXIT_ERROR;
		goto done;
	}
	free(fams);
	fams = NULL;
	ecsctl_plan_release(p);
	if (ecsctl_plan_make(p, m, live, scope, po, &err)) {
		cli_error("%s", err.message ? err.message : "planning failed");
		rc = EXIT_ERROR;
	}
done:
	free(fams);
	ecsctl_error_release(&err);
	return rc;
}

int cli_make_plan(struct ecsctl_plan *p, struct ecsctl_model *m, struct ecsctl_ecs **ecs,
                  struct cli_ctx *ctx, const char *const *targets, size_t ntargets)
{
	struct ecsctl_plan_options po = ECSCTL_PLAN_OPTIONS_INIT;
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	struct ecsctl_live live;
	json_t *scope = NULL;
	int64_t t0 = mono_ms();
	int rc;

	ecsctl_live_init(&live);
	if ((rc = cli_load_model(ctx, m)) != EXIT_OK)
		goto done;
	if ((rc = cli_ecs_open(ecs, ctx, m->settings.region)) != EXIT_OK)
		goto done;
	if (ecsctl_reconcile_scope(&scope, m, &err)) {
		cli_error("%s", err.message);
		rc = EXIT_ERROR;
		goto done;
	}
	if ((rc = cli_gather(&live, *ecs, scope)) != EXIT_OK)
		goto done;
	po.targets = targets;
	po.ntargets = ntargets;
	if (ecsctl_plan_make(p, m, &live, scope, &po, &err)) {
		cli_error("%s", err.message ? err.message : "planning failed");
		rc = EXIT_ERROR;
		goto done;
	}
	if ((rc = plan_again_with_history(p, m, &live, scope, *ecs, &po)) != EXIT_OK)
		goto done;
	p->api_calls = ecsctl_ecs_api_calls(*ecs);
	p->wall_ms = mono_ms() - t0;
done:
	json_decref(scope);
	ecsctl_live_release(&live);
	ecsctl_error_release(&err);
	return rc;
}

int cli_print_plan(const struct ecsctl_plan *p, struct cli_ctx *ctx)
{
	struct ecsctl_buf b = ECSCTL_BUF_INIT;
	int rc = EXIT_OK;

	if (ctx->output && !strcmp(ctx->output, "json")) {
		json_t *doc = ecsctl_plan_to_json(p, false);
		if (!doc || json_dumpf(doc, stdout, JSON_INDENT(2)) || fputc('\n', stdout) == EOF)
			rc = EXIT_ERROR;
		json_decref(doc);
	} else {
		ecsctl_plan_render(&b, p, ctx->color);
		if (ecsctl_buf_failed(&b) || fwrite(b.buf, 1, b.len, stdout) != b.len)
			rc = EXIT_ERROR;
	}
	if (rc)
		cli_error("could not write the plan");
	ecsctl_buf_release(&b);
	return rc;
}
