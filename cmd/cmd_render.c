#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "ecsctl/diff.h"
#include "cli.h"
#include "commands.h"
#include "banned.h"

/* Replaces, in place, each string holding a secret lookup's value (an SSM
 * SecureString) by "(sensitive)": render shows what would be sent, but
 * such a value is never printed. */
static bool holds_secret(const struct ecsctl_model *m, const char *s)
{
	size_t i;

	for (i = 0; i < m->nsecrets; i++)
		if (strstr(s, m->secrets[i]))
			return true;
	return false;
}

static void mask_secrets(json_t *v, const struct ecsctl_model *m)
{
	const char *k;
	json_t *it;
	size_t i;

	json_object_foreach(v, k, it) {
		if (json_is_string(it) && holds_secret(m, json_string_value(it)))
			json_object_set_new(v, k, json_string(ECSCTL_DIFF_MASKED));
		else
			mask_secrets(it, m);
	}
	json_array_foreach(v, i, it) {
		if (json_is_string(it) && holds_secret(m, json_string_value(it)))
			json_array_set_new(v, i, json_string(ECSCTL_DIFF_MASKED));
		else
			mask_secrets(it, m);
	}
}

/* render --explain: each value of each resource and the file:line:col it was
 * written at (base, overlay or variable file), so "why is it 4 in prod?"
 * has an answer without reading every layer. */
static json_t *explain_doc(const struct ecsctl_model *m)
{
	json_t *list = json_array();
	size_t i;

	for (i = 0; list && i < m->count; i++) {
		const struct ecsctl_resource *r = &m->resources[i];

		json_array_append_new(
		    list, json_pack("{s:s, s:s, s:O}", "kind", ecsctl_kind_name(r->kind), "name",
		                    r->name, "values", r->explain ? r->explain : json_array()));
	}
	return json_pack("{s:i, s:o}", "formatVersion", 1, "resources", list);
}

static int print_explain(const struct ecsctl_model *m)
{
	size_t i, j;
	json_t *v;

	for (i = 0; i < m->count; i++) {
		const struct ecsctl_resource *r = &m->resources[i];

		printf("%s%s '%s'\n", i ? "\n" : "", ecsctl_kind_name(r->kind), r->name);
		json_array_foreach(r->explain, j, v) {
			const char *via = json_string_value(json_object_get(v, "via"));

			printf("  %s = %s  # %s%s%s\n",
			       json_string_value(json_object_get(v, "path")),
			       json_string_value(json_object_get(v, "value")),
			       json_string_value(json_object_get(v, "from")), via ? ", from " : "",
			       via ? via : "");
		}
	}
	return fflush(stdout) || ferror(stdout) ? -1 : 0;
}

int cmd_render(int argc, char **argv, struct cli_ctx *ctx)
{
	bool explain = false;
	const struct cli_flag flags[] = {
	    {"explain", 0, FLAG_BOOL, &explain, NULL,
	     "print each value with the file:line:col it was written at"},
	    {NULL, 0, 0, NULL, NULL, NULL}};
	const struct ecsctl_model *m = &ctx->model;
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
	ctx->explain = explain;
	rc = cli_setup(ctx, 0);
	for (size_t i = 0; rc == EXIT_OK && explain && i < m->count; i++)
		mask_secrets(m->resources[i].explain, m);
	if (rc == EXIT_OK && explain && (!ctx->output || strcmp(ctx->output, "json"))) {
		if (print_explain(m)) {
			cli_error("could not write the explanation");
			rc = EXIT_ERROR;
		}
	} else if (rc == EXIT_OK) {
		doc = explain ? explain_doc(m) : ecsctl_model_render(m);
		mask_secrets(doc, m);
		if (!doc || json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER) ||
		    fputc('\n', stdout) == EOF) {
			cli_error("could not write the rendered state");
			rc = EXIT_ERROR;
		}
	}
	json_decref(doc);
	return rc;
}
