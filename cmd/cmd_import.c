/* ecsctl import: live resources as YAML a repository can adopt. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "ecsctl/arn.h"
#include "cli.h"
#include "commands.h"
#include "ecsctl/import.h"
#include "ecsctl/tags.h"
#include "banned.h"

/* Ownership is a tag (docs/plan.md), so adopting is tagging: the owner,
 * and a revision marker, since no commit deployed these resources. */
static int adopt_all(struct ecsctl_ecs *c, const json_t *arns, const char *owner)
{
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	json_t *tags = json_pack("[{s:s, s:s}]", "key", ECSCTL_OWNER_TAG, "value", owner);
	json_t *svc_tags = json_pack("[{s:s, s:s}, {s:s, s:s}]", "key", ECSCTL_OWNER_TAG, "value",
	                             owner, "key", ECSCTL_REVISION_TAG, "value",
	                             ECSCTL_REVISION_IMPORTED);
	const json_t *a;
	size_t i;
	int rc = 0;

	json_array_foreach(arns, i, a) {
		const char *arn = json_string_value(a);

		if (!arn || !*arn)
			continue;
		rc = ecsctl_ecs_tag_resource(
		    c, arn, ecsctl_arn_resource(arn, "service") ? svc_tags : tags, &err);
		if (rc < 0) {
			cli_print_error("could not tag the imported resources", &err);
			break;
		}
		fprintf(stderr, "adopted %s\n", arn);
	}
	json_decref(tags);
	json_decref(svc_tags);
	ecsctl_error_release(&err);
	return rc;
}

int cmd_import(int argc, char **argv, struct cli_ctx *ctx)
{
	char *cluster = NULL, *out = NULL;
	struct cli_list services = {0};
	bool force = false, adopt = false, help;
	char *name = NULL;
	const char *owner;
	const struct cli_flag flags[] = {
	    {"cluster", 0, FLAG_STRING, &cluster, "C", "cluster to import"},
	    {"service", 0, FLAG_LIST, &services, "S",
	     "service to import (repeatable; default all)"},
	    {"out", 'o', FLAG_STRING, &out, "DIR", "where to write the YAML"},
	    {"force", 0, FLAG_BOOL, &force, NULL, "overwrite files that exist"},
	    {"adopt", 0, FLAG_BOOL, &adopt, NULL,
	     "tag the imported cluster and services as owned (ecsctl:owner), so the first plan "
	     "is empty"},
	    {"name", 0, FLAG_STRING, &name, "NAME",
	     "owner name for ecsctl.yaml (default: the owner tag found, else the cluster)"},
	    {NULL, 0, 0, NULL, NULL, NULL},
	};
	struct ecsctl_import_result res = {0};
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	struct ecsctl_ecs *c;
	size_t i;
	int npos, rc;

	rc = cli_parse(argc, argv, cli_find_command("import"), flags, ctx, &npos, &help);
	if (rc >= 0)
		goto done;
	if (npos || !cluster || !out) {
		cli_error(npos ? "'ecsctl import' takes no arguments"
		               : "'ecsctl import' needs --cluster C and -o DIR");
		rc = EXIT_USAGE;
		goto done;
	}
	if (ctx->env_name || ctx->vars.count || ctx->var_files.count) {
		/* global flags; silently ignoring them would suggest they chose something */
		cli_error("'ecsctl import' reads live ECS, not the repository: --env, --var and "
		          "--var-file do not apply");
		rc = EXIT_USAGE;
		goto done;
	}
	if ((rc = cli_setup(ctx, 0)) != EXIT_OK)
		goto done;
	c = ctx->ecs;
	if (ecsctl_import_run(&res, c, cluster, (const char *const *)services.items, services.count,
	                      &err) < 0) {
		cli_print_error("import failed", &err);
		rc = EXIT_ERROR;
		goto done;
	}
	owner = name ? name : res.owner ? res.owner : cluster;
	if (ecsctl_import_settings(&res, owner, ecsctl_ecs_region(c), &err) < 0 ||
	    ecsctl_import_write(&res, out, force, &err) < 0) {
		cli_print_error("import failed", &err);
		rc = EXIT_ERROR;
		goto done;
	}
	for (i = 0; i < res.count; i++)
		printf("%s/%s\n", out, res.files[i].path);
	if (adopt && adopt_all(c, res.arns, owner))
		rc = EXIT_ERROR;
	if (rc == EXIT_OK)
		fprintf(stderr,
		        "Imported cluster '%s', %zu service%s, %zu task definition%s into %s.\n",
		        cluster, res.services, res.services == 1 ? "" : "s", res.taskdefs,
		        res.taskdefs == 1 ? "" : "s", out);
done:
	ecsctl_import_result_release(&res);
	ecsctl_error_release(&err);
	free(cluster);
	free(out);
	free(name);
	cli_list_release(&services);
	return rc;
}
