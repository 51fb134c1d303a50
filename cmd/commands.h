/* One function per subcommand, each in cmd/cmd_<name>.c. */
#ifndef ECSCTL_COMMANDS_H
#define ECSCTL_COMMANDS_H

struct cli_ctx;

int cmd_validate(int argc, char **argv, struct cli_ctx *ctx);
int cmd_render(int argc, char **argv, struct cli_ctx *ctx);
int cmd_plan(int argc, char **argv, struct cli_ctx *ctx);
int cmd_apply(int argc, char **argv, struct cli_ctx *ctx);
int cmd_drift(int argc, char **argv, struct cli_ctx *ctx);
int cmd_status(int argc, char **argv, struct cli_ctx *ctx);
int cmd_watch(int argc, char **argv, struct cli_ctx *ctx);
int cmd_run(int argc, char **argv, struct cli_ctx *ctx);
int cmd_tasks(int argc, char **argv, struct cli_ctx *ctx);
int cmd_rollback(int argc, char **argv, struct cli_ctx *ctx);
int cmd_promote(int argc, char **argv, struct cli_ctx *ctx);
int cmd_abort(int argc, char **argv, struct cli_ctx *ctx);
int cmd_import(int argc, char **argv, struct cli_ctx *ctx);
int cmd_policy(int argc, char **argv, struct cli_ctx *ctx);
int cmd_unlock(int argc, char **argv, struct cli_ctx *ctx);
int cmd_completion(int argc, char **argv, struct cli_ctx *ctx);
int cmd_man(int argc, char **argv, struct cli_ctx *ctx);
int cmd_version(int argc, char **argv, struct cli_ctx *ctx);

#endif
