/*
 * Commands whose issue has not landed yet. Each parses its real flags, so
 * that `--help` and usage errors already behave as they will, then says it is
 * not built and exits 1. Each moves to its own cmd_<name>.c when built.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "cli.h"
#include "commands.h"
#include "banned.h"

static int not_built(int argc, char **argv, struct cli_ctx *ctx, const struct cli_flag *flags)
{
	const struct cli_command *cmd = cli_find_command(argv[0]);
	bool help;
	int npos, rc = cli_parse(argc, argv, cmd, flags, ctx, &npos, &help);

	if (rc >= 0)
		return rc;
	cli_error("'ecsctl %s' is not built yet in this version", cmd->name);
	return EXIT_ERROR;
}

int cmd_drift(int argc, char **argv, struct cli_ctx *ctx)
{
	char *format = NULL;
	bool fail = false;
	const struct cli_flag flags[] = {
		{"format", 0, FLAG_STRING, &format, "FMT", "text, json, markdown or junit"},
		{"fail-on-drift", 0, FLAG_BOOL, &fail, NULL, "exit 2 when drift is found"},
		{NULL, 0, 0, NULL, NULL, NULL},
	};
	int rc = not_built(argc, argv, ctx, flags);

	free(format);
	return rc;
}

int cmd_status(int argc, char **argv, struct cli_ctx *ctx)
{
	const struct cli_flag flags[] = {{NULL, 0, 0, NULL, NULL, NULL}};

	return not_built(argc, argv, ctx, flags);
}

int cmd_watch(int argc, char **argv, struct cli_ctx *ctx)
{
	int64_t interval = 0;
	char *listen = NULL, *secret = NULL;
	bool heal = false;
	const struct cli_flag flags[] = {
		{"interval", 0, FLAG_DURATION, &interval, "D", "time between reconciles"},
		{"listen", 0, FLAG_STRING, &listen, "ADDR", "health and metrics address"},
		{"self-heal", 0, FLAG_BOOL, &heal, NULL, "apply when live state drifts"},
		{"webhook-secret-file", 0, FLAG_STRING, &secret, "F", "webhook HMAC secret"},
		{NULL, 0, 0, NULL, NULL, NULL},
	};
	int rc = not_built(argc, argv, ctx, flags);

	free(listen);
	free(secret);
	return rc;
}

int cmd_import(int argc, char **argv, struct cli_ctx *ctx)
{
	char *cluster = NULL, *out = NULL;
	struct cli_list services = {0};
	const struct cli_flag flags[] = {
		{"cluster", 0, FLAG_STRING, &cluster, "C", "cluster to import"},
		{"service", 0, FLAG_LIST, &services, "S", "service to import (repeatable)"},
		{"out", 'o', FLAG_STRING, &out, "DIR", "where to write the YAML"},
		{NULL, 0, 0, NULL, NULL, NULL},
	};
	int rc = not_built(argc, argv, ctx, flags);

	free(cluster);
	free(out);
	cli_list_release(&services);
	return rc;
}
