/* ecsctl plan: read git, gather live ECS, print (and save) the plan. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "reconcile_cli.h"
#include "banned.h"

static int save_plan(const struct ecsctl_plan *p, const char *path, const struct ecsctl_buf *key)
{
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	int rc = EXIT_OK;

	if (ecsctl_plan_save(p, path, key->len ? key->buf : NULL, key->len, &err)) {
		ecsctl_error_wrap(&err, "could not write the plan to '%s'", path);
		cli_print_error(NULL, &err);
		rc = EXIT_ERROR;
	}
	ecsctl_error_release(&err);
	return rc;
}

int cmd_plan(int argc, char **argv, struct cli_ctx *ctx)
{
	char *out = NULL;
	bool detailed = false, compact = false, refresh = false, help;
	struct cli_list targets = {0};
	const struct cli_flag flags[] = {
	    {"out", 'o', FLAG_STRING, &out, "FILE",
	     "save the plan to FILE (for 'ecsctl apply FILE')"},
	    {"detailed-exitcode", 0, FLAG_BOOL, &detailed, NULL,
	     "exit 2 when there are changes, else 3 when a managed service is not stable"},
	    {"compact", 0, FLAG_BOOL, &compact, NULL,
	     "one line per change (path: before -> after) instead of the nested diff"},
	    {"target", 0, FLAG_LIST, &targets, "KIND/NAME",
	     "plan only this resource (repeatable), e.g. Service/shop/web"},
	    {"refresh", 0, FLAG_BOOL, &refresh, NULL,
	     "describe every task definition, even those the ecsctl:taskdef tag vouches for"},
	    {NULL, 0, 0, NULL, NULL, NULL},
	};
	struct ecsctl_plan p;
	struct ecsctl_buf key = ECSCTL_BUF_INIT;
	struct ecsctl_plan_options po = ECSCTL_PLAN_OPTIONS_INIT;
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
	/* a bad key fails before any ECS call */
	if (out && cli_plan_key(&key)) {
		rc = EXIT_ERROR;
		goto done;
	}
	po.targets = (const char *const *)targets.items;
	po.ntargets = targets.count;
	po.refresh = refresh;
	rc = cli_setup(ctx, 0);
	if (rc == EXIT_OK)
		rc = cli_make_plan(&p, ctx, &po);
	if (rc == EXIT_OK)
		rc = cli_print_plan(&p, ctx, compact);
	if (rc == EXIT_OK && out)
		rc = save_plan(&p, out, &key);
	if (rc == EXIT_OK && detailed && p.count)
		rc = EXIT_CHANGES;
	else if (rc == EXIT_OK && detailed && json_array_size(p.unstable))
		rc = EXIT_UNSTABLE; /* nothing to send, yet live does not run what git says */
done:
	cli_secret_release(&key);
	ecsctl_plan_release(&p);
	free(out);
	cli_list_release(&targets);
	return rc;
}
