/* ecsctl drift: where live ECS differs from git (docs/drift.md). */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "ecsctl/drift.h"
#include "banned.h"

static int write_report(const struct ecsctl_drift_report *r, const char *format, bool color)
{
	struct ecsctl_buf b = ECSCTL_BUF_INIT;
	struct ecsctl_drift_format_options fo = ECSCTL_DRIFT_FORMAT_OPTIONS_INIT;
	int rc = EXIT_OK;

	fo.color = color;
	if (!strcmp(format, "json")) {
		json_t *doc = ecsctl_drift_to_json(r);
		char *s = doc ? json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;

		if (s)
			ecsctl_buf_addf(&b, "%s\n", s);
		else
			ecsctl_buf_fail(&b);
		free(s);
		json_decref(doc);
	} else if (!strcmp(format, "markdown")) {
		ecsctl_drift_format_markdown(&b, r);
	} else if (!strcmp(format, "junit")) {
		ecsctl_drift_format_junit(&b, r);
	} else {
		ecsctl_drift_format_text(&b, r, &fo);
	}
	if (ecsctl_buf_failed(&b)) {
		cli_error("out of memory writing the report");
		rc = EXIT_ERROR;
	} else {
		fwrite(b.buf, 1, b.len, stdout);
	}
	ecsctl_buf_release(&b);
	return rc;
}

int cmd_drift(int argc, char **argv, struct cli_ctx *ctx)
{
	char *format = NULL;
	bool fail = false, refresh = false, help;
	const struct cli_flag flags[] = {
	    {"format", 0, FLAG_STRING, &format, "FMT", "text, json, markdown or junit"},
	    {"fail-on-drift", 0, FLAG_BOOL, &fail, NULL, "exit 2 when drift is found"},
	    {"refresh", 0, FLAG_BOOL, &refresh, NULL,
	     "describe every task definition, even those the ecsctl:taskdef tag vouches for"},
	    {NULL, 0, 0, NULL, NULL, NULL},
	};
	struct ecsctl_drift_report r;
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	const char *fmt;
	int npos, rc;

	ecsctl_drift_report_init(&r);
	rc = cli_parse(argc, argv, cli_find_command("drift"), flags, ctx, &npos, &help);
	if (rc >= 0)
		goto done;
	fmt = format ? format : (ctx->output && !strcmp(ctx->output, "json")) ? "json" : "text";
	if (npos || (strcmp(fmt, "text") && strcmp(fmt, "json") && strcmp(fmt, "markdown") &&
	             strcmp(fmt, "junit"))) {
		cli_error(npos ? "'ecsctl drift' takes no arguments"
		               : "unknown format '%s' (text, json, markdown or junit)",
		          fmt);
		rc = EXIT_USAGE;
		goto done;
	}
	if ((rc = cli_setup(ctx, 0)) != EXIT_OK)
		goto done;
	if (ecsctl_drift_gather(&r, &ctx->model, ctx->ecs, refresh, &err) < 0) {
		cli_print_error("could not read the live state", &err);
		rc = EXIT_ERROR;
		goto done;
	}
	rc = write_report(&r, fmt, ctx->color);
	if (rc == EXIT_OK && fail && ecsctl_drift_report_fails(&r))
		rc = EXIT_CHANGES;
done:
	ecsctl_drift_report_release(&r);
	ecsctl_error_release(&err);
	free(format);
	return rc;
}
