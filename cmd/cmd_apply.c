/* ecsctl apply [FILE]: plan (or load a saved plan), confirm, execute, wait. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apply_result.h"
#include "cli.h"
#include "commands.h"
#include "lock_cli.h"
#include "reconcile_cli.h"
#include "banned.h"

/* The one piece of global state: what a signal handler may touch. */
static volatile sig_atomic_t interrupted;

/* The operations done, for an error after writes (print_made). */
struct made {
	struct ecsctl_buf list;
	void (*next)(void *ud, const struct ecsctl_progress *ev);
	void *next_ud;
};

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

/* Checks the seal when a key is set: before anything else is read from the
 * file. Without a key a seal cannot be checked: say so. */
static int check_seal(const json_t *doc, const char *file)
{
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	struct ecsctl_buf key = ECSCTL_BUF_INIT;
	int rc = EXIT_OK;

	if (cli_plan_key(&key))
		rc = EXIT_ERROR;
	else if (key.len && ecsctl_plan_check_seal(doc, key.buf, key.len, &err))
		rc = EXIT_ERROR;
	else if (!key.len && json_object_get(doc, "seal"))
		cli_warning("'%s' is sealed, but ECSCTL_PLAN_KEY is not set: the seal was not "
		            "checked",
		            file);
	if (err.code)
		cli_print_error(file, &err);
	cli_secret_release(&key);
	ecsctl_error_release(&err);
	return rc;
}

/* A saved plan is executed as the plan of the desired state it carries,
 * made again now and refused when it differs from the file in anything
 * (ecsctl_plan_rederive): the file's calls are never what runs. It takes the
 * lease its ecsctl.yaml named (kept in the plan's scope) before live ECS is
 * read again: no other writer moves it between that check and the writes. */
static int load_saved(struct ecsctl_plan *p, struct cli_ctx *ctx, const char *file)
{
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	struct cli_setup_from from = {NULL, NULL, NULL, NULL, NULL};
	json_error_t jerr;
	struct ecsctl_plan saved;
	json_t *doc = json_load_file(file, JSON_REJECT_DUPLICATES, &jerr);
	int rc = EXIT_OK;

	ecsctl_plan_init(&saved);
	if (!doc) {
		cli_error("%s:%d:%d: %s", file, jerr.line, jerr.column, jerr.text);
		rc = EXIT_ERROR;
		goto done;
	}
	if ((rc = check_seal(doc, file)) != EXIT_OK)
		goto done;
	if (ecsctl_plan_from_json(&saved, doc, &err)) {
		cli_print_error(file, &err);
		rc = EXIT_ERROR;
		goto done;
	}
	/* the file is the desired state: it names region, account and lock */
	from.region = json_string_value(json_object_get(saved.scope, "region"));
	from.account_id = json_string_value(json_object_get(saved.scope, "accountId"));
	from.lock = json_object_get(saved.scope, "lock");
	from.owner = json_string_value(json_object_get(saved.scope, "owner"));
	from.commit = saved.commit;
	ctx->from = &from;
	rc = cli_setup(ctx, CLI_NEEDS_MODEL);
	ctx->from = NULL;
	if (rc != EXIT_OK)
		goto done;
	if (ecsctl_plan_rederive(p, &saved, doc, ctx->ecs, &err) == ECSCTL_ESTALE) {
		cli_error("the saved plan '%s' is stale: live ECS changed since it was made; run "
		          "'ecsctl plan' again",
		          file);
		rc = EXIT_STALE;
	} else if (err.code) {
		cli_print_error(file, &err);
		rc = EXIT_ERROR;
	}
done:
	json_decref(doc);
	ecsctl_plan_release(&saved);
	ecsctl_error_release(&err);
	return rc;
}

/* After writes, an error (keys expired or revoked mid-wait, the network, a
 * lost lease) must not read as "nothing happened": say what was done. */
static void made_cb(void *ud, const struct ecsctl_progress *ev)
{
	struct made *m = ud;

	if (ev->kind == ECSCTL_PROGRESS_OP_DONE && !ev->error && ev->op)
		ecsctl_buf_addf(&m->list, "%s  %s %s \"%s\"", m->list.len ? "\n" : "",
		                ecsctl_diff_action_name(ev->op->action),
		                ecsctl_kind_name(ev->op->kind), ev->op->name);
	m->next(m->next_ud, ev);
}

static void print_made(const struct made *m, const struct ecsctl_error *err)
{
	static const char *const creds[] = {
	    "ExpiredToken",          "ExpiredTokenException",     "UnrecognizedClientException",
	    "InvalidClientTokenId",  "InvalidSignatureException", "RequestExpired",
	    "AccessDeniedException", "SignatureDoesNotMatch",     NULL};
	bool keys = false;
	size_t i;

	if (!m->list.len)
		return;
	for (i = 0; creds[i] && err->aws_code; i++)
		keys = keys || !strcmp(err->aws_code, creds[i]);
	fprintf(stderr,
	        "%sThese changes were already made before the error:\n%s\nRunning 'ecsctl apply' "
	        "again is safe: it plans from live ECS, so it only does what is left%s.\n",
	        keys ? "The credentials were refused (expired or revoked) after apply had "
	               "written. "
	             : "",
	        m->list.buf, keys ? " (with valid credentials)" : "");
}

static int confirm(void)
{
	char line[64];

	fprintf(stderr, "\nDo you want to apply these changes? Only 'yes' will be accepted: ");
	fflush(stderr);
	if (!fgets(line, sizeof(line), stdin))
		return 0;
	line[strcspn(line, "\r\n")] = '\0';
	return !strcmp(line, "yes");
}

static int exit_for(int code)
{
	if (code == ECSCTL_EUNSTABLE || code == ECSCTL_ETIMEOUT)
		return EXIT_UNSTABLE;
	return EXIT_ERROR;
}

/* Why services did not become stable, under the error (docs/plan.md). */
static void print_why(const struct ecsctl_wait_report *why)
{
	struct ecsctl_buf b = ECSCTL_BUF_INIT;

	ecsctl_wait_report_render(&b, why);
	if (b.len && !ecsctl_buf_failed(&b))
		fputs(b.buf, stderr);
	ecsctl_buf_release(&b);
}

/* Waits, after the plan's own services, for the managed services that were
 * not stable when the plan was made (docs/plan.md, "Unstable services"):
 * success means live runs what git says, not only that nothing was left to
 * send. EXIT_OK, or EXIT_UNSTABLE / EXIT_ERROR (printed). */
static int wait_unstable(const struct ecsctl_plan *p, struct ecsctl_ecs *ecs,
                         const struct ecsctl_apply_options *ao)
{
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	struct ecsctl_plan w;
	int rc = EXIT_OK;

	ecsctl_plan_init(&w);
	if (ecsctl_plan_unstable_waits(&w, p, &err)) {
		cli_print_error(NULL, &err);
		rc = EXIT_ERROR;
	} else if (w.count) {
		fprintf(stderr, "Waiting for %zu service%s that %s not stable.\n", w.count,
		        w.count == 1 ? "" : "s", w.count == 1 ? "was" : "were");
		if (ecsctl_plan_wait(&w, ecs, ao, &err)) {
			cli_print_error(NULL, &err);
			print_why(ao->report);
			rc = err.code == ECSCTL_ECANCELED ? EXIT_ERROR : exit_for(err.code);
		}
	}
	ecsctl_plan_release(&w);
	ecsctl_error_release(&err);
	return rc;
}

int cmd_apply(int argc, char **argv, struct cli_ctx *ctx)
{
	bool yes = false, no_wait = false, rollback = false, allow_replace = false, compact = false,
	     refresh = false, help;
	int64_t timeout = 0, interval = 0;
	long parallelism = 0;
	struct cli_list targets = {0};
	char *wait_for = NULL; /* --wait: cli_parse's copy */
	const struct cli_flag flags[] = {
	    {"auto-approve", 0, FLAG_BOOL, &yes, NULL, "do not ask for confirmation"},
	    {"compact", 0, FLAG_BOOL, &compact, NULL, "show the plan one line per change"},
	    {"no-wait", 0, FLAG_BOOL, &no_wait, NULL, "do not wait for services"},
	    {"wait", 0, FLAG_STRING, &wait_for, "bake|traffic",
	     "with service deployments: wait until SUCCESSFUL, bake time included (bake, the "
	     "default), or until production traffic is all on the new revision (traffic)"},
	    {"timeout", 0, FLAG_DURATION, &timeout, "D",
	     "how long to wait (default: ecsctl.yaml wait.timeout, else 10m)"},
	    {"rollback-on-failure", 0, FLAG_BOOL, &rollback, NULL,
	     "roll failed services back to the task definition they ran"},
	    {"parallelism", 0, FLAG_INT, &parallelism, "N", "operations at once (default 8)"},
	    {"allow-replace", 0, FLAG_BOOL, &allow_replace, NULL,
	     "delete and re-create services whose immutable members changed"},
	    {"target", 0, FLAG_LIST, &targets, "KIND/NAME",
	     "apply only this resource (repeatable)"},
	    {"refresh", 0, FLAG_BOOL, &refresh, NULL,
	     "describe every task definition, even those the ecsctl:taskdef tag vouches for"},
	    {"poll-interval", 0, FLAG_DURATION, &interval, "D",
	     "time between service checks while waiting (default 2s)"},
	    {"lock-timeout", 0, FLAG_DURATION, &ctx->lock_timeout, "D", CLI_LOCK_TIMEOUT_HELP},
	    {NULL, 0, 0, NULL, NULL, NULL},
	};
	struct ecsctl_plan_options po = ECSCTL_PLAN_OPTIONS_INIT;
	struct ecsctl_apply_options ao = ECSCTL_APPLY_OPTIONS_INIT;
	struct ecsctl_wait_report why = {NULL};
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	struct ecsctl_plan p;
	struct ecsctl_ecs *ecs;
	struct made made = {ECSCTL_BUF_INIT, NULL, NULL};
	struct cli_progress *pv = NULL;
	struct apply_result *res = NULL;
	struct cli_signals sig = {0};
	bool json = false, waited = false;
	size_t unstable;
	int npos, rc;

	ecsctl_plan_init(&p);
	rc = cli_parse(argc, argv, cli_find_command("apply"), flags, ctx, &npos, &help);
	if (rc >= 0)
		goto done;
	if (npos > 1 || (npos == 1 && (targets.count || refresh))) {
		cli_error(
		    npos > 1 ? "'ecsctl apply' takes at most one saved plan file"
		    : targets.count
		        ? "--target cannot be used with a saved plan"
		        : "--refresh cannot be used with a saved plan (it reads as its plan did)");
		rc = EXIT_USAGE;
		goto done;
	}
	if (wait_for && strcmp(wait_for, "bake") && strcmp(wait_for, "traffic")) {
		cli_error("--wait takes 'bake' or 'traffic', not '%s'", wait_for);
		rc = EXIT_USAGE;
		goto done;
	}
	json = ctx->output && !strcmp(ctx->output, "json");
	/* the lease is taken before planning (or a saved plan's staleness
	 * check): the plan is made from a live state no other writer changes */
	ctx->cancel = &interrupted;
	po.targets = (const char *const *)targets.items;
	po.ntargets = targets.count;
	po.refresh = refresh;
	if (npos == 1) {
		rc = load_saved(&p, ctx, argv[0]);
	} else {
		rc = cli_setup(ctx, 0);
		if (rc == EXIT_OK)
			rc = cli_make_plan(&p, ctx, &po);
	}
	ecs = ctx->ecs;
	if (rc != EXIT_OK)
		goto done;
	if ((rc = cli_print_plan(&p, ctx, compact)) != EXIT_OK)
		goto done;
	if (json && !(res = apply_result_new(NULL))) {
		rc = EXIT_ERROR;
		goto done;
	}
	unstable = json_array_size(p.unstable);
	if (!p.count && (!unstable || no_wait)) {
		if (unstable) {
			cli_error("%zu service%s not stable and --no-wait was given", unstable,
			          unstable == 1 ? " is" : "s are");
			rc = EXIT_UNSTABLE;
		}
		goto done;
	}
	fflush(stdout); /* the plan before the prompt and the progress on stderr */
	if (ecsctl_plan_check_replace(&p, allow_replace, &err)) {
		cli_print_error(NULL, &err);
		rc = EXIT_ERROR;
		goto done;
	}
	/* A saved plan was the review (as `terraform apply PLANFILE`): apply it as
	 * is; waiting alone changes nothing: no question either. */
	if (!yes && npos == 0 && p.count) {
		if (!isatty(0)) {
			cli_error("refusing to apply without confirmation: standard input is not a "
			          "terminal (pass --auto-approve)");
			rc = EXIT_ERROR;
			goto done;
		}
		if (!confirm()) {
			cli_error("apply cancelled: the answer was not 'yes'");
			rc = EXIT_ERROR;
			goto done;
		}
	}
	cli_signals_catch(&sig, on_signal);
	if (!(pv = cli_progress_new(isatty(2) && !ctx->no_color && !getenv("NO_COLOR")))) {
		rc = EXIT_ERROR;
		goto done;
	}
	ao.parallelism = (int)parallelism;
	ao.cancel = &interrupted;
	ao.progress = cli_progress_cb;
	ao.progress_ud = pv;
	if (res) {
		apply_result_free(res);
		if (!(res = apply_result_new(pv))) {
			rc = EXIT_ERROR;
			goto done;
		}
		ao.progress = apply_result_cb;
		ao.progress_ud = res;
	}
	made.next = ao.progress;
	made.next_ud = ao.progress_ud;
	ao.progress = made_cb;
	ao.progress_ud = &made;
	ao.heartbeat = cli_lock_heartbeat;
	ao.heartbeat_ud = ctx->lock;
	ao.timeout_ms = timeout ? timeout
	                        : json_integer_value(json_object_get(p.scope, "waitTimeoutMs"));
	ao.interval_ms = interval;
	ao.wait_for = wait_for && !strcmp(wait_for, "traffic") ? ECSCTL_WAIT_TRAFFIC
	                                                       : ECSCTL_WAIT_BAKE;
	ao.rollback_on_failure = rollback ||
	                         json_is_true(json_object_get(p.scope, "rollbackOnFailure"));
	if (p.count && ecsctl_plan_apply(&p, ecs, allow_replace, &ao, &err)) {
		cli_print_error(NULL, &err);
		print_made(&made, &err);
		if (err.code == ECSCTL_ECANCELED)
			cli_error("apply was interrupted; run 'ecsctl apply' again to converge");
		rc = EXIT_ERROR;
		goto done;
	}
	waited = !no_wait;
	ao.report = &why;
	if (!no_wait && p.count && ecsctl_plan_wait(&p, ecs, &ao, &err)) {
		cli_print_error(NULL, &err);
		print_why(&why);
		if (exit_for(err.code) == EXIT_ERROR)
			print_made(&made, &err);
		rc = err.code == ECSCTL_ECANCELED ? EXIT_ERROR : exit_for(err.code);
		goto done;
	}
	if (!no_wait && (rc = wait_unstable(&p, ecs, &ao)) != EXIT_OK)
		goto done;
	fprintf(stderr, "Apply complete: %zu change%s.\n", p.count, p.count == 1 ? "" : "s");
done:
	if (res && apply_result_print(res, &p, rc, err.message, waited, &why) != EXIT_OK)
		rc = EXIT_ERROR;
	cli_signals_restore(&sig);
	apply_result_free(res);
	ecsctl_wait_report_release(&why);
	cli_progress_free(pv);
	ecsctl_error_release(&err);
	ecsctl_plan_release(&p);
	ecsctl_buf_release(&made.list);
	cli_list_release(&targets);
	free(wait_for);
	return rc;
}
