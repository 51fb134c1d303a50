/* ecsctl man [COMMAND]: the manual page of ecsctl(1) or of ecsctl-COMMAND(1),
 * in roff, written from the command table and the flag table the command
 * parses (cli_describe), as --help is. */
#include <stdbool.h>
#include <string.h>

#include "cli.h"
#include "cli_doc.h"
#include "commands.h"
#include "banned.h"

/* Text in roff: a backslash is \e, a minus \-, and a line may not start
 * with a control character ('.' or '\''). */
static void roff(const char *s, bool line_start)
{
	for (; *s; s++) {
		if (line_start && (*s == '.' || *s == '\''))
			fputs("\\&", stdout);
		line_start = *s == '\n';
		if (*s == '\\')
			fputs("\\e", stdout);
		else if (*s == '-')
			fputs("\\-", stdout);
		else
			putchar(*s);
	}
}

static void header(const char *name)
{
	char upper[64];
	size_t i;

	for (i = 0; name[i] && i + 1 < sizeof(upper); i++)
		upper[i] = (char)(name[i] >= 'a' && name[i] <= 'z' ? name[i] - 'a' + 'A' : name[i]);
	upper[i] = '\0';
	printf(".TH ");
	roff(upper, false);
	printf(" 1 \"\" \"ecsctl %s\" \"ecsctl manual\"\n", ECSCTL_VERSION);
}

static void man_flags(const struct cli_command *cmd, const struct cli_flag *f,
                      const struct cli_flag *own)
{
	for (; f && f->name; f++) {
		char syn[CLI_FLAG_SYNOPSIS_MAX];

		if (own && !cli_flag_listed(cmd, own, f))
			continue;
		cli_flag_synopsis(syn, sizeof(syn), f);
		printf(".TP\n.B ");
		roff(syn, false);
		printf("\n");
		roff(f->help, true);
		printf("\n");
	}
}

static void man_command(void *ud, const struct cli_command *cmd, const struct cli_flag *flags,
                        const struct cli_flag *globals)
{
	const struct cli_exit_code *e;
	const char *ex = cmd->examples;
	char name[64], line[CLI_EXAMPLE_MAX], what[CLI_EXAMPLE_MAX];

	snprintf(name, sizeof(name), "ecsctl-%s", cmd->name);
	header(name);
	printf(".SH NAME\n");
	roff(name, false);
	printf(" \\- ");
	roff(cmd->summary, false);
	printf("\n.SH SYNOPSIS\n.B ecsctl %s\n", cmd->name);
	if (*cmd->usage) {
		roff(cmd->usage, true);
		printf("\n");
	}
	printf("[options]\n.SH DESCRIPTION\n");
	roff(cmd->summary, true);
	printf("\n");
	if (flags && flags->name) {
		printf(".SH OPTIONS\n");
		man_flags(cmd, flags, NULL);
	}
	printf(".SH GLOBAL OPTIONS\n");
	man_flags(cmd, globals, flags);
	if (ex && *ex)
		printf(".SH EXAMPLES\n");
	while ((ex = cli_next_example(ex, line, sizeof(line), what, sizeof(what)))) {
		printf(".TP\n.B ");
		roff(line, false);
		printf("\n");
		roff(what, true);
		printf("\n");
	}
	printf(".SH EXIT STATUS\n");
	for (e = cli_exit_codes; e->meaning; e++)
		if (cli_exit_code_applies(e, cmd->name)) {
			printf(".TP\n.B %d\n", e->code);
			roff(e->meaning, true);
			printf("\n");
		}
	printf(".SH SEE ALSO\n.BR ecsctl (1)\n");
}

static void man_ecsctl(void)
{
	const struct cli_command *c;
	size_t i, n;

	header("ecsctl");
	printf(".SH NAME\necsctl \\- keep Amazon ECS equal to a git repository\n"
	       ".SH SYNOPSIS\n.B ecsctl\n[\\-\\-version] [\\-\\-help]\n.I command\n[options]\n"
	       ".SH COMMANDS\n");
	c = cli_commands(&n);
	for (i = 0; i < n; i++) {
		printf(".TP\n.BR ecsctl\\-%s (1)\n", c[i].name);
		roff(c[i].summary, true);
		printf("\n");
	}
	printf(
	    ".SH SEE ALSO\nRun\n.B ecsctl\n.I command\n.B \\-\\-help\nfor a command's options.\n");
}

int cmd_man(int argc, char **argv, struct cli_ctx *ctx)
{
	const struct cli_flag flags[] = {{NULL, 0, 0, NULL, NULL, NULL}};
	const struct cli_command *cmd;
	bool help;
	int npos, rc;

	rc = cli_parse(argc, argv, cli_find_command("man"), flags, ctx, &npos, &help);
	if (rc >= 0)
		return rc;
	if (npos > 1) {
		cli_error("'ecsctl man' takes at most one command");
		return EXIT_USAGE;
	}
	if (!npos) {
		man_ecsctl();
		return EXIT_OK;
	}
	if (!(cmd = cli_find_command(argv[0]))) {
		cli_error("unknown command '%s' (see 'ecsctl --help')", argv[0]);
		return EXIT_USAGE;
	}
	cli_describe(cmd, man_command, NULL);
	return EXIT_OK;
}
