/* The ecsctl front end: command table, flags, and the context every command gets. */
#ifndef ECSCTL_CLI_H
#define ECSCTL_CLI_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "ecsctl/buf.h"
#include "ecsctl/error.h"
#include "ecsctl/model.h"

struct ecsctl_ecs;
struct ecsctl_lock;

enum cli_exit {
	EXIT_OK = 0,
	EXIT_ERROR = 1,
	EXIT_CHANGES = 2,  /* plan --detailed-exitcode, drift --fail-on-drift */
	EXIT_UNSTABLE = 3, /* apply ran but a service did not become stable */
	EXIT_STALE = 4,    /* saved plan is stale */
	EXIT_USAGE = 64
};

enum cli_flag_type { FLAG_BOOL, FLAG_STRING, FLAG_LIST, FLAG_INT, FLAG_DURATION };

struct cli_command;
struct cli_flag;

typedef void (*cli_describe_fn)(void *ud, const struct cli_command *cmd,
                                const struct cli_flag *flags, const struct cli_flag *globals);

struct cli_list {
	char **items;
	size_t count;
};

struct cli_flag {
	const char *name; /* long name without "--" */
	char short_name;  /* 0 if none */
	enum cli_flag_type type;
	void *dest;      /* bool*, char**, struct cli_list*, long*, int64_t* (ms) */
	const char *arg; /* placeholder in help, e.g. "FILE" */
	const char *help;
};

/* Which groups of global flags a command reads; --help, completion and man
 * pages list only those (the others are still accepted, and ignored). */
enum cli_reads {
	CLI_READS_MODEL = 1 << 0,  /* --repo, --ref, --path, --worktree, --env, --var... */
	CLI_READS_AWS = 1 << 1,    /* --region, --profile, --endpoint-url */
	CLI_READS_OUTPUT = 1 << 2, /* --output */
};

/* What a command needs set up before its work. Its table entry says (as
 * git's RUN_SETUP does): cli_setup() does it once, main releases it once. */
enum cli_needs {
	CLI_NEEDS_MODEL = 1 << 0,  /* ctx->model: the desired state, diagnostics printed */
	CLI_NEEDS_CLIENT = 1 << 1, /* ctx->ecs: the ECS client for --region, --profile, -v
	                              and the desired state's region; its accountId checked */
	CLI_NEEDS_LEASE = 1 << 2,  /* ctx->lock: the writers' lease ecsctl.yaml's `lock:`
	                              names, taken (docs/locking.md): the command writes */
};

/* What the desired state would tell cli_setup() when the command has it in
 * another form (a saved plan's scope): all borrowed, each may be NULL. */
struct cli_setup_from {
	const char *region;
	const char *account_id;
	const json_t *lock; /* `lock:` */
	const char *owner;  /* `name:`, the lease's default key */
	const char *commit; /* what the lease says its holder applies */
};

/* Global flags, shared by every command (README.md, "Commands"). */
struct cli_ctx {
	char *repo;
	char *ref;
	char *path;
	bool worktree;
	char *region;
	char *profile;
	char *endpoint_url;
	char *output; /* "text" or "json" */
	bool no_color;
	bool color; /* derived: stdout is a TTY, no --no-color, no NO_COLOR */
	long verbose;
	char *env_name;            /* --env */
	struct cli_list vars;      /* --var NAME=VALUE */
	struct cli_list var_files; /* --var-file FILE */
	bool explain;              /* render --explain: keep where each value was written */
	bool offline;              /* validate: lookups are not answered */
	const char *argv0;
	/* Set by cli_describe(): cli_parse() hands the command's flag table here
	 * and stops, as for --help, so help, completion and man pages are
	 * written from the very table the command parses. */
	cli_describe_fn describe;
	void *describe_ud;
	/* What cli_setup() reads besides the global flags, set by the command:
	 * --lock-timeout, the command's cancel flag (a signal handler's), and
	 * (a saved plan) the desired state's settings without a model. */
	int64_t lock_timeout;
	const volatile sig_atomic_t *cancel;
	const struct cli_setup_from *from;
	/* Set by main and cli_setup(); released by main after the command
	 * (cli_teardown). */
	const struct cli_command *cmd;
	struct ecsctl_model model;
	struct ecsctl_ecs *ecs;
	struct ecsctl_lock *lock; /* NULL: no `lock:`, or not a writer */
};

struct cli_command {
	const char *name;
	int (*run)(int argc, char **argv, struct cli_ctx *ctx);
	const char *usage; /* arguments and required flags, after "ecsctl NAME " */
	const char *summary;
	unsigned reads;       /* CLI_READS_* */
	unsigned needs;       /* CLI_NEEDS_* */
	const char *examples; /* lines of "COMMAND LINE\tWHAT IT DOES" */
};

/*
 * Parses `argv` (argv[0] is the command name) against the command's flags and
 * the global ones. Positional arguments are moved to the front of argv and
 * counted in *out_npos. Returns -1 when the command should run; otherwise the
 * exit code to stop with: EXIT_OK after printing --help (*out_help set), or
 * EXIT_USAGE after printing what was wrong with a flag.
 */
int cli_parse(int argc, char **argv, const struct cli_command *cmd, const struct cli_flag *flags,
              struct cli_ctx *ctx, int *out_npos, bool *out_help);

void cli_list_release(struct cli_list *l);

/*
 * Sets up what the command table says ctx->cmd needs, but the needs in
 * `except` (status --cluster reads no desired state; a saved plan is one,
 * in ctx->from): the model, then the client (and the account guard), then
 * the lease. Called by the command once its arguments are checked, so a
 * usage error comes before any loading. A writer that reads no desired
 * state for its work (rollback CLUSTER/NAME, run ARN) still reads it when
 * there is one, quietly, for its lease; none: no lease. EXIT_OK or
 * EXIT_ERROR (printed). main releases all of it (cli_teardown).
 */
int cli_setup(struct cli_ctx *ctx, unsigned except);
/* Releases the lease now (a writer done writing before its end); safe
 * without one. */
void cli_release_lease(struct cli_ctx *ctx);
/* Releases what cli_setup() made (the lease first: it borrows the client)
 * and the global flags' values. */
void cli_teardown(struct cli_ctx *ctx);

/* Messages on stderr in the project's form ("error: ..."), with colour on a TTY. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cli_warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cli_notice(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A library error as "error: WHAT: MESSAGE (AWS code, HTTP status, request
 * id)", the parenthesis only for an AWS answer; `what` may be NULL when the
 * message already says which stage failed. Every command prints this way. */
void cli_print_error(const char *what, const struct ecsctl_error *err);

/* Appends a secret read from `file` (at most 4096 bytes, trailing newlines
 * dropped, not empty) to `out`. 0, or -1 after printing an error naming
 * `what` and the file, never the contents. */
int cli_secret_file(struct ecsctl_buf *out, const char *what, const char *file);
/* The saved-plan key (docs/plan.md, "Sealed plans"): ECSCTL_PLAN_KEY, or
 * the contents of ECSCTL_PLAN_KEY_FILE; `out` stays empty when neither is
 * set. 0, or -1 (printed) when both are, or the key is empty. */
int cli_plan_key(struct ecsctl_buf *out);
/* Wipes and releases a buffer that held a secret. */
void cli_secret_release(struct ecsctl_buf *b);

/* SIGINT and SIGTERM go to `handler` until cli_signals_restore(), which
 * does nothing for signals never caught (a zeroed struct). */
struct cli_signals {
	struct sigaction old_int, old_term;
	bool caught;
};
void cli_signals_catch(struct cli_signals *s, void (*handler)(int));
void cli_signals_restore(struct cli_signals *s);

/* A command's result document {"formatVersion": 1, key: list} on stdout:
 * indented JSON with --output json, else `text(doc)`. EXIT_OK, or
 * EXIT_ERROR ("out of memory", printed). */
int cli_print_list(const struct cli_ctx *ctx, const char *key, json_t *list,
                   void (*text)(const json_t *doc));

const struct cli_command *cli_find_command(const char *name);
/* The command table (cmd/main.c); *n is set to its length. */
const struct cli_command *cli_commands(size_t *n);

/* Runs `cmd` in describe mode: `fn` gets its flag table and the global flags,
 * before the command does anything else. */
void cli_describe(const struct cli_command *cmd, cli_describe_fn fn, void *ud);
/* Whether the flag is followed by a value (-v counts instead). */
bool cli_flag_takes_value(const struct cli_flag *f);
/* Whether a global flag is one `cmd` reads (and so is listed), and not
 * replaced by one of its `own` flags of the same name. */
bool cli_flag_listed(const struct cli_command *cmd, const struct cli_flag *own,
                     const struct cli_flag *global);
/* Prints `ecsctl NAME --help` on stdout: usage, options, examples, exit codes. */
void cli_print_help(const struct cli_command *cmd, const struct cli_flag *flags,
                    const struct cli_flag *globals);

#endif
