/* ecsctl completion bash|zsh|fish: completion scripts written from the command
 * table and the flag table each command parses (cli_describe), so a new flag
 * completes without anyone editing a script. */
#include <stdbool.h>
#include <string.h>

#include "cli.h"
#include "cli_doc.h"
#include "commands.h"
#include "banned.h"

/* A word the shell reads between single quotes: ' becomes '\'' for sh and
 * zsh, \' for fish (which also needs \\). `brackets`: zsh's [help] ends at ']'. */
static void quoted(const char *s, bool fish, bool brackets)
{
	putchar('\'');
	for (; *s; s++) {
		if (*s == '\'')
			fputs(fish ? "\\'" : "'\\''", stdout);
		else if ((fish && *s == '\\') || (brackets && (*s == '[' || *s == ']')))
			printf("\\%c", *s);
		else
			putchar(*s);
	}
	putchar('\'');
}

static void command_names(const char *sep)
{
	const struct cli_command *c;
	size_t i, n;

	c = cli_commands(&n);
	for (i = 0; i < n; i++)
		printf("%s%s", i ? sep : "", c[i].name);
}

/* The flags `cmd` lists: its own, then the global ones it reads. */
static void for_each_flag(const struct cli_command *cmd, const struct cli_flag *flags,
                          const struct cli_flag *globals,
                          void (*fn)(const struct cli_command *cmd, const struct cli_flag *f))
{
	const struct cli_flag *own = flags;

	for (; flags && flags->name; flags++)
		fn(cmd, flags);
	for (; globals && globals->name; globals++)
		if (cli_flag_listed(cmd, own, globals))
			fn(cmd, globals);
}

static void describe_all(cli_describe_fn fn)
{
	const struct cli_command *c;
	size_t i, n;

	c = cli_commands(&n);
	for (i = 0; i < n; i++)
		cli_describe(&c[i], fn, NULL);
}

static bool repeatable(const struct cli_flag *f)
{
	return f->type == FLAG_LIST || (f->type == FLAG_INT && !cli_flag_takes_value(f));
}

/* bash */

static void bash_word(const struct cli_command *cmd, const struct cli_flag *f)
{
	if (f->short_name)
		printf(" -%c", f->short_name);
	printf(" --%s", f->name);
}

/* A `case $prev` arm: what follows a flag that takes a value. */
static void bash_value(const struct cli_command *cmd, const struct cli_flag *f)
{
	if (!cli_flag_takes_value(f))
		return;
	printf("\t\t");
	if (f->short_name)
		printf("-%c|", f->short_name);
	printf("--%s) ", f->name);
	switch (cli_value_kind(f->arg)) {
	case CLI_VALUE_FILE:
		printf("COMPREPLY=($(compgen -f -- \"$cur\"))");
		break;
	case CLI_VALUE_CHOICE:
		printf("COMPREPLY=($(compgen -W '");
		cli_print_choices(f->arg, " ");
		printf("' -- \"$cur\"))");
		break;
	default:
		printf("COMPREPLY=()");
		break;
	}
	printf("; return ;;\n");
}

static void bash_command(void *ud, const struct cli_command *cmd, const struct cli_flag *flags,
                         const struct cli_flag *globals)
{
	char pos[CLI_FLAG_SYNOPSIS_MAX];

	printf("\t%s)\n\t\tcase $prev in\n", cmd->name);
	for_each_flag(cmd, flags, globals, bash_value);
	printf("\t\tesac\n\t\tflags='");
	for_each_flag(cmd, flags, globals, bash_word);
	printf("'\n");
	cli_positional(pos, sizeof(pos), cmd);
	switch (cli_value_kind(pos)) {
	case CLI_VALUE_FILE:
		printf("\t\tfiles=1\n");
		break;
	case CLI_VALUE_CHOICE:
		printf("\t\targs='");
		cli_print_choices(pos, " ");
		printf("'\n");
		break;
	case CLI_VALUE_COMMAND:
		printf("\t\targs='");
		command_names(" ");
		printf("'\n");
		break;
	default:
		break;
	}
	printf("\t\t;;\n");
}

static void bash(void)
{
	printf("# ecsctl completion for bash: source <(ecsctl completion bash)\n"
	       "_ecsctl() {\n"
	       "\tlocal cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}\n"
	       "\tlocal flags='' args='' files=''\n"
	       "\tif [ \"$COMP_CWORD\" -eq 1 ]; then\n"
	       "\t\tCOMPREPLY=($(compgen -W '");
	command_names(" ");
	printf(" --help --version' -- \"$cur\"))\n"
	       "\t\treturn\n"
	       "\tfi\n"
	       "\tcase ${COMP_WORDS[1]} in\n");
	describe_all(bash_command);
	printf("\t*) return ;;\n"
	       "\tesac\n"
	       "\tif [[ $cur == -* ]]; then\n"
	       "\t\tCOMPREPLY=($(compgen -W \"$flags\" -- \"$cur\"))\n"
	       "\telif [ -n \"$files\" ]; then\n"
	       "\t\tCOMPREPLY=($(compgen -f -- \"$cur\"))\n"
	       "\telse\n"
	       "\t\tCOMPREPLY=($(compgen -W \"$args\" -- \"$cur\"))\n"
	       "\tfi\n"
	       "}\n"
	       "complete -F _ecsctl ecsctl\n");
}

/* zsh */

static void zsh_action(const char *placeholder)
{
	switch (cli_value_kind(placeholder)) {
	case CLI_VALUE_FILE:
		printf("_files");
		break;
	case CLI_VALUE_CHOICE:
		printf("(");
		cli_print_choices(placeholder, " ");
		printf(")");
		break;
	case CLI_VALUE_COMMAND:
		printf("(");
		command_names(" ");
		printf(")");
		break;
	default:
		printf(" ");
		break;
	}
}

static void zsh_spec(const struct cli_flag *f, const char *dashes, const char *name)
{
	char spec[CLI_FLAG_SYNOPSIS_MAX * 2];

	snprintf(spec, sizeof(spec), "%s%s%s%s", repeatable(f) ? "*" : "", dashes, name,
	         cli_flag_takes_value(f) && dashes[1] ? "=" : "");
	printf(" \\\n\t\t\t");
	quoted(spec, false, false);
	quoted(f->help, false, true);
	if (cli_flag_takes_value(f)) {
		printf("':");
		fputs(f->arg, stdout);
		printf(":");
		zsh_action(f->arg);
		printf("'");
	}
}

static void zsh_flag(const struct cli_command *cmd, const struct cli_flag *f)
{
	char s[2] = {f->short_name, '\0'};

	if (f->short_name)
		zsh_spec(f, "-", s);
	zsh_spec(f, "--", f->name);
}

static void zsh_command(void *ud, const struct cli_command *cmd, const struct cli_flag *flags,
                        const struct cli_flag *globals)
{
	char pos[CLI_FLAG_SYNOPSIS_MAX];

	printf("\t%s)\n\t\t_arguments", cmd->name);
	for_each_flag(cmd, flags, globals, zsh_flag);
	cli_positional(pos, sizeof(pos), cmd);
	if (cli_value_kind(pos) > CLI_VALUE_FREE) {
		printf(" \\\n\t\t\t'1:%s:", pos);
		zsh_action(pos);
		printf("'");
	}
	printf("\n\t\t;;\n");
}

static void zsh(void)
{
	const struct cli_command *c;
	size_t i, n;

	printf("#compdef ecsctl\n"
	       "# ecsctl completion for zsh: source <(ecsctl completion zsh)\n"
	       "_ecsctl() {\n"
	       "\tlocal -a commands\n"
	       "\tcommands=(\n");
	c = cli_commands(&n);
	for (i = 0; i < n; i++) {
		char item[256];

		snprintf(item, sizeof(item), "%s:%s", c[i].name, c[i].summary);
		printf("\t\t");
		quoted(item, false, false);
		printf("\n");
	}
	printf("\t)\n"
	       "\tif (( CURRENT == 2 )); then\n"
	       "\t\t_describe -t commands 'ecsctl command' commands\n"
	       "\t\treturn\n"
	       "\tfi\n"
	       "\tlocal cmd=$words[2]\n"
	       "\tshift words\n"
	       "\t(( CURRENT-- ))\n"
	       "\tcase $cmd in\n");
	describe_all(zsh_command);
	printf("\tesac\n"
	       "}\n"
	       "compdef _ecsctl ecsctl\n");
}

/* fish */

static void fish_flag(const struct cli_command *cmd, const struct cli_flag *f)
{
	printf("complete -c ecsctl -n '__fish_seen_subcommand_from %s'", cmd->name);
	if (f->short_name)
		printf(" -s %c", f->short_name);
	printf(" -l %s", f->name);
	switch (cli_flag_takes_value(f) ? cli_value_kind(f->arg) : CLI_VALUE_NONE) {
	case CLI_VALUE_FILE:
		printf(" -r -F");
		break;
	case CLI_VALUE_CHOICE:
		printf(" -x -a '");
		cli_print_choices(f->arg, " ");
		printf("'");
		break;
	case CLI_VALUE_NONE:
		break;
	default:
		printf(" -x");
		break;
	}
	printf(" -d ");
	quoted(f->help, true, false);
	printf("\n");
}

static void fish_command(void *ud, const struct cli_command *cmd, const struct cli_flag *flags,
                         const struct cli_flag *globals)
{
	char pos[CLI_FLAG_SYNOPSIS_MAX];

	printf("complete -c ecsctl -n __fish_use_subcommand -a %s -d ", cmd->name);
	quoted(cmd->summary, true, false);
	printf("\n");
	for_each_flag(cmd, flags, globals, fish_flag);
	cli_positional(pos, sizeof(pos), cmd);
	switch (cli_value_kind(pos)) {
	case CLI_VALUE_FILE:
		printf("complete -c ecsctl -n '__fish_seen_subcommand_from %s' -F\n", cmd->name);
		break;
	case CLI_VALUE_CHOICE:
		printf("complete -c ecsctl -n '__fish_seen_subcommand_from %s' -a '", cmd->name);
		cli_print_choices(pos, " ");
		printf("'\n");
		break;
	case CLI_VALUE_COMMAND:
		printf("complete -c ecsctl -n '__fish_seen_subcommand_from %s' -a '", cmd->name);
		command_names(" ");
		printf("'\n");
		break;
	default:
		break;
	}
}

static void fish(void)
{
	printf("# ecsctl completion for fish: ecsctl completion fish | source\n"
	       "complete -c ecsctl -f\n"
	       "complete -c ecsctl -n __fish_use_subcommand -l help -d 'show help'\n"
	       "complete -c ecsctl -n __fish_use_subcommand -l version -d 'print the version'\n");
	describe_all(fish_command);
}

int cmd_completion(int argc, char **argv, struct cli_ctx *ctx)
{
	const struct cli_flag flags[] = {{NULL, 0, 0, NULL, NULL, NULL}};
	bool help;
	int npos, rc;

	rc = cli_parse(argc, argv, cli_find_command("completion"), flags, ctx, &npos, &help);
	if (rc >= 0)
		return rc;
	if (npos != 1) {
		cli_error("'ecsctl completion' takes one shell: bash, zsh or fish");
		return EXIT_USAGE;
	}
	if (!strcmp(argv[0], "bash"))
		bash();
	else if (!strcmp(argv[0], "zsh"))
		zsh();
	else if (!strcmp(argv[0], "fish"))
		fish();
	else {
		cli_error("unknown shell '%s' (bash, zsh or fish)", argv[0]);
		return EXIT_USAGE;
	}
	return EXIT_OK;
}
