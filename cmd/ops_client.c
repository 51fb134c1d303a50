#include <stdio.h>

#include "cli.h"
#include "ops_client.h"
#include "banned.h"

static void log_line(void *ud, int level, const char *line)
{
	(void)ud;
	(void)level;
	fprintf(stderr, "%s\n", line);
}

int ops_client_new(struct ecsctl_ecs **out, struct cli_ctx *ctx, const char *config_region)
{
	struct ecsctl_ecs_options o = ECSCTL_ECS_OPTIONS_INIT;
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	int rc;

	o.region = ctx->region;
	o.config_region = config_region;
	o.endpoint_url = ctx->endpoint_url;
	o.profile = ctx->profile;
	o.verbosity = (int)ctx->verbose;
	o.log = log_line;
	rc = ecsctl_ecs_new(out, &o, &err);
	if (rc < 0)
		ops_print_error("could not set up the ECS client", &err);
	ecsctl_error_release(&err);
	return rc < 0 ? EXIT_ERROR : EXIT_OK;
}

void ops_print_error(const char *what, const struct ecsctl_error *err)
{
	if (err->aws_code)
		cli_error("%s: %s: %s (HTTP %d%s%s)", what, err->aws_code,
		          err->message ? err->message : "", err->http_status,
		          err->request_id ? ", request id " : "",
		          err->request_id ? err->request_id : "");
	else
		cli_error("%s: %s", what, err->message ? err->message : "unknown error");
}
