/* ecsctl: the command table and the runner every command goes through. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "lock_cli.h"
#include "banned.h"

#define READS_ALL (CLI_READS_MODEL | CLI_READS_AWS | CLI_READS_OUTPUT)
#define NEEDS_LIVE (CLI_NEEDS_MODEL | CLI_NEEDS_CLIENT)
#define NEEDS_WRITE (CLI_NEEDS_MODEL | CLI_NEEDS_CLIENT | CLI_NEEDS_LEASE)

/* usage: only arguments and required flags; the options are listed from the
 * flag table each command parses (cli_describe). needs: what cli_setup()
 * makes for the command once its flags are checked; every command that
 * writes to ECS takes the lease there (watch: for each apply it runs). */
static const struct cli_command commands[] = {
    {"validate", cmd_validate, "", "Load and check the desired state offline.", CLI_READS_MODEL,
     CLI_NEEDS_MODEL,
     "ecsctl validate\tcheck the repository in the current directory\n"
     "ecsctl validate --worktree --env prod\tcheck uncommitted files for environment prod\n"},
    {"render", cmd_render, "", "Print the resolved desired state as API payloads.",
     CLI_READS_MODEL | CLI_READS_OUTPUT, CLI_NEEDS_MODEL,
     "ecsctl render --env staging\tshow what would be sent for environment staging\n"
     "ecsctl render --explain --output json\tsay which file set each value\n"},
    {"plan", cmd_plan, "", "Compare git with live ECS and print the operations apply would run.",
     READS_ALL, NEEDS_LIVE,
     "ecsctl plan -o plan.json\tsave the plan for a later 'ecsctl apply plan.json'\n"
     "ecsctl plan --detailed-exitcode\texit 2 when there is something to apply\n"
     "ecsctl plan --output markdown\ta plan for a pull-request comment\n"},
    {"apply", cmd_apply, "[FILE]",
     "Plan (or load a saved plan, applied without asking) and execute it, waiting for "
     "services to be stable.",
     READS_ALL, NEEDS_WRITE,
     "ecsctl apply\tplan, ask, apply and wait\n"
     "ecsctl apply plan.json\tapply a saved plan if live ECS has not changed since\n"
     "ecsctl apply --auto-approve --target Service/shop/web\tapply one service without asking\n"},
    {"drift", cmd_drift, "", "Report where live ECS differs from git.", READS_ALL, NEEDS_LIVE,
     "ecsctl drift --fail-on-drift\texit 2 when live ECS differs from git\n"
     "ecsctl drift --format junit > drift.xml\ta report for CI\n"},
    {"status", cmd_status, "",
     "Show deployments, task counts, rollout state and recent events per service.", READS_ALL,
     NEEDS_LIVE,
     "ecsctl status\tthe services git manages\n"
     "ecsctl status --cluster shop --events 10\tevery service of cluster shop\n"},
    {"run", cmd_run, "FAMILY|ARN",
     "Run a one-off task (a migration, a console command), wait for it to stop, and exit "
     "with its essential container's exit code.",
     READS_ALL, NEEDS_WRITE,
     "ecsctl run migrate\trun the repository's migrate task with its service's network\n"
     "ecsctl run web --command 'bin/rails db:seed' -e SEED=1\tanother command in web\n"
     "ecsctl run web --no-wait --count 3\tstart three tasks and print their ARNs\n"},
    {"tasks", cmd_tasks, "",
     "List running and recently stopped tasks: revision, status, health, exit codes.", READS_ALL,
     NEEDS_LIVE,
     "ecsctl tasks\tthe tasks of the clusters git manages\n"
     "ecsctl tasks --cluster shop --service web --stopped\tweb's tasks, stopped ones too\n"},
    {"rollback", cmd_rollback, "SERVICE...",
     "Put services back on the revision they ran before their last deployment, and wait.",
     READS_ALL, NEEDS_WRITE,
     "ecsctl rollback web\troll the repository's web service back and wait\n"
     "ecsctl rollback shop/web shop/worker --git\tand print the commit to revert git to\n"},
    {"promote", cmd_promote, "SERVICE",
     "Continue a service deployment paused at a PAUSE lifecycle hook.", READS_ALL, NEEDS_WRITE,
     "ecsctl promote web\tlet web's canary go on to all traffic\n"},
    {"abort", cmd_abort, "SERVICE",
     "Stop a service's deployment in progress, as it is or (--rollback) back to where it started.",
     READS_ALL, NEEDS_WRITE,
     "ecsctl abort web --rollback\tput web back on the revision its rollout started from\n"},
    {"watch", cmd_watch, "", "Keep ECS equal to a git branch.", CLI_READS_MODEL | CLI_READS_AWS,
     0, /* loads each commit it sees, with its own client and lease per environment */
     "ecsctl watch --repo https://git.example.com/deploy.git --interval 1m\tpoll and apply\n"
     "ecsctl watch --self-heal\talso undo changes made to ECS outside git\n"},
    {"import", cmd_import, "--cluster C -o DIR",
     "Write YAML for live resources so a team can adopt ecsctl.", CLI_READS_AWS, CLI_NEEDS_CLIENT,
     "ecsctl import --cluster shop -o ecs/\twrite YAML for every service of cluster shop\n"
     "ecsctl import --cluster shop --service web --adopt -o ecs/\tand tag it as managed\n"},
    {"policy", cmd_policy, "",
     "Print the least-privilege IAM policy for the repository's desired state.", CLI_READS_MODEL,
     CLI_NEEDS_MODEL,
     "ecsctl policy --env prod > deploy-policy.json\tfor the role apply runs as\n"
     "ecsctl policy --read-only\tfor plan and drift jobs\n"},
    {"unlock", cmd_unlock, "--force ID",
     "Remove the writers' lease of a holder that died (ecsctl.yaml lock:).", READS_ALL,
     NEEDS_LIVE, /* opens the lock, and never takes it */
     "ecsctl unlock --force 9f86d081884c7d659a2feaa0c55ad015\tthe id the waiting writer's "
     "error named\n"},
    {"completion", cmd_completion, "bash|zsh|fish",
     "Print a shell completion script for ecsctl's commands and flags.", 0, 0,
     "source <(ecsctl completion bash)\tcomplete in this bash (add it to ~/.bashrc)\n"
     "ecsctl completion fish > ~/.config/fish/completions/ecsctl.fish\tinstall for fish\n"},
    {"man", cmd_man, "[COMMAND]", "Print the manual page of ecsctl or of a command, in roff.", 0, 0,
     "ecsctl man apply | man -l -\tread ecsctl-apply(1)\n"
     "ecsctl man > ecsctl.1\twrite ecsctl(1)\n"},
    {"version", cmd_version, "",
     "Print ecsctl's version, the commit and date it was built from, and its libraries' "
     "versions.",
     CLI_READS_OUTPUT, 0,
     "ecsctl version\tfor a bug report\n"
     "ecsctl version --output json\tthe same, for a script\n"},
};

const struct cli_command *cli_commands(size_t *n)
{
	*n = sizeof(commands) / sizeof(commands[0]);
	return commands;
}

const struct cli_command *cli_find_command(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: ecsctl [--version] [--help] <command> [options]\n\ncommands:\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\nRun 'ecsctl <command> --help' for a command's options.\n");
}

/* Output that could not be written (a full disk, a closed pipe) is an error,
 * not a silent success: CI must not take a truncated plan for a whole one. */
static int finish_stdout(int rc)
{
	if (fflush(stdout) || ferror(stdout)) {
		if (errno != EPIPE)
			cli_error("could not write to standard output: %s", strerror(errno));
		return rc ? rc : EXIT_ERROR;
	}
	return rc;
}

int main(int argc, char **argv)
{
	const struct cli_command *cmd;

	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("ecsctl %s\n", ECSCTL_VERSION);
		return finish_stdout(EXIT_OK);
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		if (argc > 2 && (cmd = cli_find_command(argv[2]))) {
			char *sub[] = {argv[2], "--help", NULL};
			struct cli_ctx ctx = {0};

			ctx.cmd = cmd;
			return finish_stdout(cmd->run(2, sub, &ctx));
		}
		usage(stdout);
		return finish_stdout(EXIT_OK);
	}
	cmd = cli_find_command(argv[1]);
	if (!cmd) {
		cli_error("unknown command '%s' (see 'ecsctl --help')", argv[1]);
		return EXIT_USAGE;
	}
	{
		struct cli_ctx ctx = {0};
		int rc;

		ctx.argv0 = argv[0];
		ctx.cmd = cmd;
		ctx.lock_timeout = CLI_LOCK_TIMEOUT_DEFAULT_MS;
		rc = cmd->run(argc - 1, argv + 1, &ctx);
		cli_teardown(&ctx);
		return finish_stdout(rc);
	}
}
