/* ecsctl plan: read git, gather live ECS, print (and save) the plan. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "reconcile_cli.h"
#include "banned.h"

/* Written to FILE.tmp then renamed: a half-written plan never replaces a whole one. */
static int save_plan(const struct ecsctl_plan *p, const char *path)
{
	struct ecsctl_buf tmp = ECSCTL_BUF_INIT;
	json_t *doc = ecsctl_plan_to_json(p, true);
	int rc = EXIT_OK;

	ecsctl_buf_addf(&tmp, "%s.tmp", path);
	if (!doc || ecsctl_buf_failed(&tmp) ||
	    json_dump_file(doc, tmp.buf, JSON_INDENT(2) | JSON_SORT_KEYS) ||
	    rename(tmp.buf, path)) {
		cli_error("could not write the plan to '%s': %s", path, strerror(errno));
		remove(tmp.buf);
		rc = EXIT_ERROR;
	}
	json_decref(doc);
	ecsctl_buf_release(&tmp);
	return rc;
}

int cmd_plan(int argc, char **argv, struct cli_ctx *ctx)
{
	char *out = NULL;
	bool detailed = false, help;
	struct cli_list targets = {0};
	const struct cli_flag flags[] = {
	    {"out", 'o', FLAG_STRING, &out, "FILE",
	     "save the plan to FILE (for 'ecsctl apply FILE')"},
	    {"detailed-exitcode", 0, FLAG_BOOL, &detailed, NULL, "exit 2 when there are changes"},
	    {"target", 0, FLAG_LIST, &targets, "KIND/NAME",
	     "plan only this resource (repeatable), e.g. Service/shop/web"},
	    {NULL, 0, 0, NULL, NULL, NULL},
	};
	struct ecsctl_model m = {0};
	struct ecsctl_plan p;
	struct ecsctl_ecs *ecs = NULL;
	int npos, rc;

	ecsctl_plan_init(&p);
	rc = cli_parse(argc, argv, cli_find_command("plan"), flags, ctx, &npos, &help);
	if (rc >= 0)
		goto done;
	if (npos) {
		cli_error("'ecsctl plan' takes no arguments");
		rc = EXIT_USAGE;
		goto done;
	}
	rc = cli_make_plan(&p, &m, &ecs, ctx, (const char *const *)targets.items, targets.count);
	if (rc == EXIT_OK)
		rc = cli_print_plan(&p, ctx);
	if (rc == EXIT_OK && out)
		rc = save_plan(&p, out);
	if (rc == EXIT_OK && detailed && p.count)
		rc = EXIT_CHANGES;
done:
	ecsctl_plan_release(&p);
	ecsctl_model_release(&m);
	ecsctl_ecs_free(ecs);
	free(out);
	cli_list_release(&targets);
	return rc;
}
