/* `ecsctl NAME --help`, written from the command table and the flag table the
 * command parses (through cli_describe), so it cannot miss a flag. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_doc.h"
#include "banned.h"

const struct cli_exit_code cli_exit_codes[] = {
    {EXIT_OK, NULL, "success"},
    {EXIT_ERROR, NULL, "an error, printed on stderr"},
    {EXIT_CHANGES, "plan", "--detailed-exitcode: the plan has changes"},
    {EXIT_CHANGES, "drift", "--fail-on-drift: live ECS differs from git"},
    {EXIT_UNSTABLE, "apply", "a service did not become stable"},
    {EXIT_UNSTABLE, "plan", "--detailed-exitcode: nothing to send, yet a service is not stable"},
    {EXIT_UNSTABLE, "rollback", "a service did not become stable on its earlier revision"},
    {EXIT_STALE, "apply", "the saved plan is stale: live ECS changed since it was made"},
    {125, "run", "a task never started (no place for it, its image could not be pulled)"},
    {EXIT_USAGE, NULL, "usage error: unknown option, bad value or argument"},
    {0, NULL, NULL},
};

bool cli_exit_code_applies(const struct cli_exit_code *e, const char *command)
{
	return !e->command || !strcmp(e->command, command);
}

void cli_describe(const struct cli_command *cmd, cli_describe_fn fn, void *ud)
{
	char *argv[] = {(char *)cmd->name, NULL};
	struct cli_ctx ctx = {0};

	ctx.cmd = cmd;
	ctx.describe = fn;
	ctx.describe_ud = ud;
	cmd->run(1, argv, &ctx);
}

enum cli_value cli_value_kind(const char *p)
{
	if (!p || !*p)
		return CLI_VALUE_NONE;
	if (strchr(p, '|') && p[0] >= 'a' && p[0] <= 'z')
		return CLI_VALUE_CHOICE;
	if (strstr(p, "FILE") || strstr(p, "DIR") || !strcmp(p, "F"))
		return CLI_VALUE_FILE;
	if (!strcmp(p, "COMMAND"))
		return CLI_VALUE_COMMAND;
	return CLI_VALUE_FREE;
}

void cli_positional(char *out, size_t size, const struct cli_command *cmd)
{
	const char *u = cmd->usage, *word = u, *prev = NULL, *s;
	size_t len;

	for (s = u; *s; s++)
		if (*s == ' ') {
			prev = word;
			word = s + 1;
		}
	*out = '\0';
	/* "-o DIR": the flag's value, not an argument */
	if (!*word || *word == '-' || (prev && *prev == '-'))
		return;
	if (*word == '[')
		word++;
	len = strcspn(word, "].");
	snprintf(out, size, "%.*s", (int)len, word);
}

void cli_print_choices(const char *p, const char *sep)
{
	while (*p) {
		size_t len = strcspn(p, "|");
		printf("%.*s%s", (int)len, p, p[len] ? sep : "");
		p += len + (p[len] ? 1 : 0);
	}
}

const char *cli_next_example(const char *ex, char *line, size_t lsize, char *what, size_t wsize)
{
	size_t len;

	if (!ex || !*ex)
		return NULL;
	len = strcspn(ex, "\t\n");
	snprintf(line, lsize, "%.*s", (int)len, ex);
	ex += len;
	*what = '\0';
	if (*ex == '\t') {
		len = strcspn(++ex, "\n");
		snprintf(what, wsize, "%.*s", (int)len, ex);
		ex += len;
	}
	return *ex == '\n' ? ex + 1 : ex;
}

void cli_flag_synopsis(char *out, size_t size, const struct cli_flag *f)
{
	const char *arg = f->arg ? f->arg : "";

	if (f->short_name)
		snprintf(out, size, "-%c, --%s%s%s", f->short_name, f->name, *arg ? " " : "", arg);
	else
		snprintf(out, size, "--%s%s%s", f->name, *arg ? " " : "", arg);
}

static void print_flags(const struct cli_command *cmd, const struct cli_flag *flags,
                        const struct cli_flag *own)
{
	for (; flags && flags->name; flags++) {
		char left[CLI_FLAG_SYNOPSIS_MAX], col[CLI_FLAG_SYNOPSIS_MAX + 4];

		if (own && !cli_flag_listed(cmd, own, flags))
			continue;
		cli_flag_synopsis(left, sizeof(left), flags);
		/* long-only flags line up under the long names of "-v, --verbose" */
		snprintf(col, sizeof(col), "%s%s", flags->short_name ? "" : "    ", left);
		printf("  %-30s %s\n", col, flags->help);
	}
}

void cli_print_help(const struct cli_command *cmd, const struct cli_flag *flags,
                    const struct cli_flag *globals)
{
	const struct cli_exit_code *e;
	const char *ex = cmd->examples;
	char line[CLI_EXAMPLE_MAX], what[CLI_EXAMPLE_MAX];

	printf("usage: ecsctl %s%s%s [options]\n\n%s\n", cmd->name, *cmd->usage ? " " : "",
	       cmd->usage, cmd->summary);
	if (flags && flags->name) {
		printf("\noptions:\n");
		print_flags(cmd, flags, NULL);
	}
	printf("\nglobal options:\n");
	print_flags(cmd, globals, flags);
	if (ex && *ex)
		printf("\nexamples:\n");
	while ((ex = cli_next_example(ex, line, sizeof(line), what, sizeof(what))))
		printf("  %s\n%s%s%s", line, *what ? "      " : "", what, *what ? "\n" : "");
	printf("\nexit codes:\n");
	for (e = cli_exit_codes; e->meaning; e++)
		if (cli_exit_code_applies(e, cmd->name))
			printf("  %-3d %s\n", e->code, e->meaning);
}
