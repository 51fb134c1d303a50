#include <stdbool.h>
#include <stdlib.h>

#include "cli.h"
#include "commands.h"
#include "load.h"
#include "banned.h"

int cmd_render(int argc, char **argv, struct cli_ctx *ctx)
{
	const struct cli_flag flags[] = {{NULL, 0, 0, NULL, NULL, NULL}};
	struct ecsctl_model m = {0};
	json_t *doc = NULL;
	bool help;
	int npos, rc;

	rc = cli_parse(argc, argv, cli_find_command("render"), flags, ctx, &npos, &help);
	if (rc >= 0)
		return rc;
	if (npos) {
		cli_error("'ecsctl render' takes no arguments");
		return EXIT_USAGE;
	}
	rc = cli_load_model(ctx, &m);
	if (rc == EXIT_OK) {
		doc = ecsctl_model_render(&m);
		if (!doc || json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER) ||
		    fputc('\n', stdout) == EOF) {
			cli_error("could not write the rendered state");
			rc = EXIT_ERROR;
		}
	}
	json_decref(doc);
	ecsctl_model_release(&m);
	return rc;
}
