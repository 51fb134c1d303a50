#include <stdbool.h>

#include "cli.h"
#include "commands.h"
#include "banned.h"

int cmd_validate(int argc, char **argv, struct cli_ctx *ctx)
{
	const struct cli_flag flags[] = {{NULL, 0, 0, NULL, NULL, NULL}};
	const struct ecsctl_model *m = &ctx->model;
	size_t i, n[3] = {0, 0, 0};
	bool help;
	int npos, rc;

	rc = cli_parse(argc, argv, cli_find_command("validate"), flags, ctx, &npos, &help);
	if (rc >= 0)
		return rc;
	if (npos) {
		cli_error("'ecsctl validate' takes no arguments");
		return EXIT_USAGE;
	}
	ctx->offline = true; /* validate reads no AWS: lookups stay unanswered */
	rc = cli_setup(ctx, 0);
	if (rc == EXIT_OK) {
		for (i = 0; i < m->count; i++)
			n[m->resources[i].kind]++;
		printf("ok: %zu cluster%s, %zu task definition%s, %zu service%s\n", n[0],
		       n[0] == 1 ? "" : "s", n[1], n[1] == 1 ? "" : "s", n[2],
		       n[2] == 1 ? "" : "s");
	}
	return rc;
}
