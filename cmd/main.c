/* ecsctl: the command table and the runner every command goes through. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "banned.h"

static const struct cli_command commands[] = {
	{"validate", cmd_validate, "[options]", "Load and check the desired state offline."},
	{"render", cmd_render, "[options]", "Print the resolved desired state as API payloads."},
	{"plan", cmd_plan,
	 "[-o FILE] [--output text|json|markdown] [--compact] [--detailed-exitcode] "
	 "[--target KIND/NAME]...",
	 "Compare git with live ECS and print the operations apply would run."},
	{"apply", cmd_apply,
	 "[FILE] [--auto-approve] [--no-wait] [--timeout D] [--rollback-on-failure] "
	 "[--parallelism N] [--compact]",
	 "Plan (or load a saved plan, applied without asking) and execute it, waiting for "
	 "services to be stable."},
	{"drift", cmd_drift, "[--format text|json|markdown|junit] [--fail-on-drift]",
	 "Report where live ECS differs from git."},
	{"status", cmd_status, "[--cluster C] [--events N]",
	 "Show deployments, task counts, rollout state and recent events per service."},
	{"watch", cmd_watch,
	 "[--interval D] [--listen ADDR] [--self-heal] [--webhook-secret-file F]",
	 "Keep ECS equal to a git branch."},
	{"import", cmd_import, "--cluster C [--service S]... -o DIR",
	 "Write YAML for live resources so a team can adopt ecsctl."},
};

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
		rc = cmd->run(argc - 1, argv + 1, &ctx);
		free(ctx.repo);
		free(ctx.ref);
		free(ctx.path);
		free(ctx.region);
		free(ctx.profile);
		free(ctx.endpoint_url);
		free(ctx.output);
		free(ctx.env_name);
		cli_list_release(&ctx.vars);
		cli_list_release(&ctx.var_files);
		return finish_stdout(rc);
	}
}
