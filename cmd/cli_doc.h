/* What --help, shell completion and man pages share: the exit codes and the
 * way a flag is spelled. */
#ifndef ECSCTL_CLI_DOC_H
#define ECSCTL_CLI_DOC_H

#include <stdbool.h>
#include <stddef.h>

#include "cli.h"

struct cli_exit_code {
	int code;
	const char *command; /* NULL: every command */
	const char *meaning;
};

/* Ends with a NULL meaning. */
extern const struct cli_exit_code cli_exit_codes[];

bool cli_exit_code_applies(const struct cli_exit_code *e, const char *command);

/* Longest example line (or what it does) we print. */
#define CLI_EXAMPLE_MAX 256

/* The next of cmd->examples ("COMMAND LINE\tWHAT IT DOES\n..."): fills
 * `line` and `what` ("" if not said) and returns where the one after starts,
 * or NULL at the end. */
const char *cli_next_example(const char *ex, char *line, size_t lsize, char *what, size_t wsize);

/* Longest "-o, --name ARG" we print. */
#define CLI_FLAG_SYNOPSIS_MAX 64

/* "-o, --out FILE" or "--timeout D". */
void cli_flag_synopsis(char *out, size_t size, const struct cli_flag *f);

/* What a value is, read from its placeholder ("FILE", "text|json", "D"), so
 * completion offers files, the choices or command names. */
enum cli_value {
	CLI_VALUE_NONE,    /* no value */
	CLI_VALUE_FREE,    /* a number, duration or name: nothing to offer */
	CLI_VALUE_FILE,    /* FILE, F, DIR, URL|DIR */
	CLI_VALUE_CHOICE,  /* lower-case words between '|' */
	CLI_VALUE_COMMAND, /* COMMAND: an ecsctl command */
};

enum cli_value cli_value_kind(const char *placeholder);

/* The command's positional argument (the last word of its usage, unless it is
 * a flag's value), without "[...]"; "" when it takes none. */
void cli_positional(char *out, size_t size, const struct cli_command *cmd);

/* Each choice of a CLI_VALUE_CHOICE placeholder, with `sep` between them. */
void cli_print_choices(const char *placeholder, const char *sep);

#endif
