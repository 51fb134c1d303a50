/*
 * ecsctl rollback SERVICE...: each service back on the revision it ran
 * before its last deployment, waited on until stable. Git is not changed:
 * the user is told which commit to revert, or the next apply deploys it
 * again (a plan shows that drift).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "ecsctl/arn.h"
#include "ecsctl/ops.h"
#include "lock_cli.h"
#include "reconcile_cli.h"
#include "rollout_cli.h"
#include "banned.h"

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

static const char *str(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

static void print_done(const json_t *targets, bool git)
{
	const json_t *t;
	size_t i;

	json_array_foreach(targets, i, t) {
		const char *fc = str(t, "fromCommit"), *tc = str(t, "toCommit");

		if (git) {
			printf("%s\n", *tc ? tc : "unknown");
			continue;
		}
		printf("%s/%s: rolled back from %s (commit %.7s) to %s (commit %.7s)\n",
		       str(t, "cluster"), str(t, "service"), ecsctl_arn_taskdef(str(t, "from")),
		       *fc ? fc : "unknown", ecsctl_arn_taskdef(str(t, "to")),
		       *tc ? tc : "unknown");
	}
	json_array_foreach(targets, i, t) {
		const char *fc = str(t, "fromCommit");
		if (*fc)
			cli_notice("git still wants %s for %s/%s: revert commit %.12s in git (git "
			           "revert %.12s), or the next apply deploys it again",
			           ecsctl_arn_taskdef(str(t, "from")), str(t, "cluster"),
			           str(t, "service"), fc, fc);
		else
			cli_notice("git still wants %s for %s/%s: change git to match, or the next "
			           "apply deploys it again",
			           ecsctl_arn_taskdef(str(t, "from")), str(t, "cluster"),
			           str(t, "service"));
	}
}

/* Waits as apply does: one wait-only step per service on its new revision,
 * renewing the lease (`lock`, may be NULL) as apply's waits do. */
static int wait_all(struct ecsctl_ecs *ecs, struct ecsctl_lock *lock, const json_t *targets,
                    int64_t timeout, int64_t interval)
{
	struct ecsctl_apply_options o = ECSCTL_APPLY_OPTIONS_INIT;
	struct ecsctl_wait_report why = {0};
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	struct ecsctl_plan src, waits;
	struct cli_signals sig = {0};
	struct cli_progress *pv = cli_progress_new(isatty(2) && !getenv("NO_COLOR"));
	struct ecsctl_buf text = ECSCTL_BUF_INIT;
	const json_t *t;
	size_t i;
	int rc = EXIT_OK;

	ecsctl_plan_init(&src);
	ecsctl_plan_init(&waits);
	src.unstable = json_array();
	json_array_foreach(targets, i, t) {
		json_array_append_new(src.unstable,
		                      json_pack("{s:s++, s:s}", "name", str(t, "cluster"), "/",
		                                str(t, "service"), "taskDefinition", str(t, "to")));
	}
	if (!pv || ecsctl_plan_unstable_waits(&waits, &src, &err)) {
		cli_error("out of memory");
		rc = EXIT_ERROR;
		goto done;
	}
	o.timeout_ms = timeout;
	o.interval_ms = interval;
	o.cancel = &interrupted;
	o.progress = cli_progress_cb;
	o.progress_ud = pv;
	o.report = &why;
	o.heartbeat = cli_lock_heartbeat;
	o.heartbeat_ud = lock;
	cli_signals_catch(&sig, on_signal);
	if (ecsctl_plan_wait(&waits, ecs, &o, &err) < 0) {
		cli_print_error(NULL, &err);
		ecsctl_wait_report_render(&text, &why);
		fputs(text.buf, stderr);
		rc = err.code == ECSCTL_ECANCELED ? EXIT_ERROR : EXIT_UNSTABLE;
	}
	cli_signals_restore(&sig);
done:
	ecsctl_buf_release(&text);
	ecsctl_wait_report_release(&why);
	ecsctl_error_release(&err);
	ecsctl_plan_release(&src);
	ecsctl_plan_release(&waits);
	cli_progress_free(pv);
	return rc;
}

int cmd_rollback(int argc, char **argv, struct cli_ctx *ctx)
{
	char *cluster = NULL;
	bool git = false, no_wait = false, help;
	int64_t timeout = 0, interval = 0;
	const struct cli_flag flags[] = {
	    {"cluster", 0, FLAG_STRING, &cluster, "C", "the cluster of the services named bare"},
	    {"git", 0, FLAG_BOOL, &git, NULL,
	     "print the commit each service now runs (the one to revert git to), one a line"},
	    {"no-wait", 0, FLAG_BOOL, &no_wait, NULL, "do not wait for the services"},
	    {"timeout", 0, FLAG_DURATION, &timeout, "D",
	     "longest wait for stability (default: ecsctl.yaml's wait.timeout, else 10m)"},
	    {"poll-interval", 0, FLAG_DURATION, &interval, "D",
	     "time between DescribeServices calls (default 2s)"},
	    {"lock-timeout", 0, FLAG_DURATION, &ctx->lock_timeout, "D", CLI_LOCK_TIMEOUT_HELP},
	    {NULL, 0, 0, NULL, NULL, NULL},
	};
	const struct ecsctl_model *m = &ctx->model;
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	struct ecsctl_ecs *c;
	json_t *targets = json_array(), *t;
	bool all_qualified = true;
	size_t k;
	int npos, rc, i;

	rc = cli_parse(argc, argv, cli_find_command("rollback"), flags, ctx, &npos, &help);
	if (rc >= 0)
		goto done;
	if (!npos) {
		cli_error(
		    "'ecsctl rollback' takes the services to roll back (CLUSTER/NAME or NAME)");
		rc = EXIT_USAGE;
		goto done;
	}
	for (i = 0; i < npos; i++)
		all_qualified &= strchr(argv[i], '/') != NULL;
	/* the repository says where bare names are; qualified ones need it
	 * only for its region and lease, where there is one */
	ctx->cancel = &interrupted;
	if ((rc = cli_setup(ctx, all_qualified || cluster ? CLI_NEEDS_MODEL : 0)) != EXIT_OK)
		goto done;
	c = ctx->ecs;
	rc = EXIT_ERROR;
	/* every target first: nothing changes unless all can be rolled back */
	for (i = 0; i < npos; i++) {
		char *name = cli_service_arg(argv[i], cluster, m), *slash;
		if (!name)
			goto done;
		slash = strchr(name, '/');
		*slash = '\0';
		if (ecsctl_ops_rollback_target(&t, c, name, slash + 1, &err) < 0) {
			cli_print_error(argv[i], &err);
			free(name);
			goto done;
		}
		free(name);
		json_array_append_new(targets, t);
	}
	json_array_foreach(targets, k, t) {
		fprintf(stderr, "rolling back %s/%s: %s -> %s\n", str(t, "cluster"),
		        str(t, "service"), ecsctl_arn_taskdef(str(t, "from")),
		        ecsctl_arn_taskdef(str(t, "to")));
		if (ecsctl_ops_rollback(c, t, &err) < 0) {
			cli_print_error(str(t, "service"), &err);
			goto done;
		}
	}
	rc = no_wait ? EXIT_OK
	             : wait_all(c, ctx->lock, targets,
	                        timeout ? timeout : m->settings.wait_timeout_ms, interval);
	if (rc == EXIT_OK || rc == EXIT_UNSTABLE)
		print_done(targets, git);
done:
	json_decref(targets);
	ecsctl_error_release(&err);
	free(cluster);
	return rc;
}
