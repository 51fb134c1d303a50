/*
 * ecsctl run FAMILY|ARN: a one-off task (a migration, a console command)
 * with the network configuration of the service that runs the family,
 * waited on until it stops; ecsctl exits with its essential container's
 * exit code.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "ecsctl/arn.h"
#include "ecsctl/ops.h"
#include "lock_cli.h"
#include "reconcile_cli.h"
#include "banned.h"

/* What a signal handler may touch: stop waiting, the tasks go on. */
static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

/*
 * --command: a JSON array of strings (["sh", "-c", "exit 3"]) taken as is,
 * else words split at blanks with '...' and "..." quoting (no expansion:
 * nothing here is a shell). NULL with a message printed when unparsable.
 */
static json_t *parse_command(const char *s)
{
	json_t *out;
	struct ecsctl_buf w;
	bool in_word = false;
	char quote = 0;

	if (*s == '[') {
		json_error_t jerr;
		size_t i;
		json_t *v;
		out = json_loads(s, JSON_REJECT_DUPLICATES, &jerr);
		json_array_foreach(out, i, v) {
			if (!json_is_string(v))
				break;
		}
		if (!json_is_array(out) || i < json_array_size(out) || !json_array_size(out)) {
			cli_error("--command: a JSON array of strings, or words, not '%s'", s);
			json_decref(out);
			return NULL;
		}
		return out;
	}
	out = json_array();
	ecsctl_buf_init(&w, 0);
	for (;; s++) {
		if (!quote && (*s == '\0' || *s == ' ' || *s == '\t')) {
			if (in_word)
				json_array_append_new(out, json_string(w.buf));
			ecsctl_buf_reset(&w);
			in_word = false;
			if (*s == '\0')
				break;
			continue;
		}
		if (*s == '\0') {
			cli_error("--command: the quote %c is not closed", quote);
			json_decref(out);
			out = NULL;
			break;
		}
		in_word = true;
		if (quote ? *s == quote : (*s == '\'' || *s == '"'))
			quote = quote ? 0 : *s;
		else
			ecsctl_buf_addch(&w, *s);
	}
	ecsctl_buf_release(&w);
	if (out && !json_array_size(out)) {
		cli_error("--command is empty");
		json_decref(out);
		out = NULL;
	}
	return out;
}

/* --subnets / --security-groups: comma-separated ids into an array. */
static json_t *split_list(const char *s)
{
	json_t *out = json_array();
	const char *p = s, *comma;

	while (out && *p) {
		comma = strchr(p, ',');
		if (!comma)
			comma = p + strlen(p);
		if (comma > p)
			json_array_append_new(out, json_stringn(p, (size_t)(comma - p)));
		p = *comma ? comma + 1 : comma;
	}
	return out;
}

static void on_progress(void *ud, const json_t *task)
{
	const char *arn = json_string_value(json_object_get(task, "taskArn"));
	const char *slash = arn ? strrchr(arn, '/') : NULL;

	(void)ud;
	fprintf(stderr, "task %s: %s\n", slash ? slash + 1 : "?",
	        json_string_value(json_object_get(task, "lastStatus")));
}

struct run_flags {
	char *cluster, *launch_type, *capacity_provider, *subnets, *security_groups;
	char *container, *command, *service;
	bool public_ip, no_wait;
	long count;
	struct cli_list env;
	int64_t timeout, interval;
};

/* The networkConfiguration the flags give, or NULL (then the service's). */
static json_t *flag_network(const struct run_flags *f)
{
	json_t *vpc;

	if (!f->subnets && !f->security_groups && !f->public_ip)
		return NULL;
	vpc = json_pack("{s:o, s:s}", "subnets", split_list(f->subnets ? f->subnets : ""),
	                "assignPublicIp", f->public_ip ? "ENABLED" : "DISABLED");
	if (vpc && f->security_groups)
		json_object_set_new(vpc, "securityGroups", split_list(f->security_groups));
	return json_pack("{s:o}", "awsvpcConfiguration", vpc);
}

static int print_result(const json_t *tasks, const json_t *failures, int code, bool json)
{
	struct ecsctl_buf out;
	json_t *doc, *list = json_array(), *t;
	size_t i;

	if (json) {
		json_array_foreach(tasks, i, t) {
			json_array_append_new(list, ecsctl_ops_task_summary(t));
		}
		doc = json_pack(
		    "{s:i, s:o, s:o, s:i}", "formatVersion", 1, "tasks", list, "failures",
		    failures ? json_incref((json_t *)failures) : json_array(), "exitCode", code);
		if (!doc)
			return EXIT_ERROR;
		json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', stdout);
		json_decref(doc);
		return code;
	}
	json_decref(list);
	ecsctl_buf_init(&out, 0);
	ecsctl_ops_render_stopped(&out, tasks, failures);
	fputs(out.buf, stdout);
	ecsctl_buf_release(&out);
	return code;
}

int cmd_run(int argc, char **argv, struct cli_ctx *ctx)
{
	struct run_flags f = {0};
	bool help;
	const struct cli_flag flags[] = {
	    {"cluster", 0, FLAG_STRING, &f.cluster, "C",
	     "cluster to run in (default: the cluster of the service running the family)"},
	    {"count", 0, FLAG_INT, &f.count, "N", "tasks to start, 1 to 10 (default 1)"},
	    {"launch-type", 0, FLAG_STRING, &f.launch_type, "TYPE",
	     "FARGATE, EC2 or EXTERNAL (default: the service's)"},
	    {"capacity-provider", 0, FLAG_STRING, &f.capacity_provider, "NAME",
	     "run on this capacity provider instead of a launch type"},
	    {"service", 0, FLAG_STRING, &f.service, "S",
	     "take cluster, network and launch type from service S of the repository"},
	    {"subnets", 0, FLAG_STRING, &f.subnets, "ID,...",
	     "awsvpc subnets (default: the service's network configuration)"},
	    {"security-groups", 0, FLAG_STRING, &f.security_groups, "ID,...",
	     "awsvpc security groups"},
	    {"assign-public-ip", 0, FLAG_BOOL, &f.public_ip, NULL, "give the task a public IP"},
	    {"container", 0, FLAG_STRING, &f.container, "NAME",
	     "container the overrides go to (default: the first essential one)"},
	    {"command", 0, FLAG_STRING, &f.command, "CMD",
	     "replace its command: words, or a JSON array of strings"},
	    /* not --env: that one selects the environment of ecsctl.yaml */
	    {"env-var", 'e', FLAG_LIST, &f.env, "NAME=VALUE",
	     "add to its environment (repeatable)"},
	    {"no-wait", 0, FLAG_BOOL, &f.no_wait, NULL, "print the task ARNs and exit"},
	    {"timeout", 0, FLAG_DURATION, &f.timeout, "D",
	     "stop the tasks and fail after D (default 1h)"},
	    {"poll-interval", 0, FLAG_DURATION, &f.interval, "D",
	     "time between DescribeTasks calls (default 2s)"},
	    {"lock-timeout", 0, FLAG_DURATION, &ctx->lock_timeout, "D", CLI_LOCK_TIMEOUT_HELP},
	    {NULL, 0, 0, NULL, NULL, NULL},
	};
	struct ecsctl_ops_run o = {0};
	struct ecsctl_ops_wait_options wo = ECSCTL_OPS_WAIT_OPTIONS_INIT;
	const struct ecsctl_model *m = &ctx->model;
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	struct ecsctl_ecs *c;
	struct cli_signals sig = {0};
	json_t *command = NULL, *network = NULL, *td = NULL, *req = NULL, *resp = NULL;
	json_t *arns = json_array(), *tasks = NULL, *t;
	const char *what;
	bool json, family;
	size_t i;
	int npos, rc;

	rc = cli_parse(argc, argv, cli_find_command("run"), flags, ctx, &npos, &help);
	if (rc >= 0)
		goto done;
	rc = EXIT_USAGE;
	if (npos != 1) {
		cli_error("'ecsctl run' takes one task definition: a family of the repository, or "
		          "an ARN");
		goto done;
	}
	what = argv[0];
	json = ctx->output && !strcmp(ctx->output, "json");
	if (f.command && !(command = parse_command(f.command)))
		goto done;
	network = flag_network(&f);
	o.cluster = f.cluster;
	o.task_definition = what;
	o.count = f.count;
	o.launch_type = f.launch_type;
	o.capacity_provider = f.capacity_provider;
	o.network = network;
	o.container = f.container;
	o.command = command;
	o.env = (const char *const *)f.env.items;
	o.nenv = f.env.count;
	/* a family is read from git, for its service's cluster and network;
	 * an ARN (or family:revision) runs as given, without a repository
	 * unless --service names where to take those from (the repository is
	 * still read, where there is one, for its region and lease) */
	family = !strchr(what, ':');
	ctx->cancel = &interrupted;
	if ((rc = cli_setup(ctx, family || f.service ? 0 : CLI_NEEDS_MODEL)) != EXIT_OK)
		goto done;
	c = ctx->ecs;
	rc = EXIT_ERROR;
	if (family || f.service) {
		if (family && !ecsctl_model_find(m, ECSCTL_KIND_TASKDEF, what)) {
			cli_error(
			    "'%s' is not a task definition family of the repository (give its "
			    "ARN to run a task definition ecsctl does not manage)",
			    what);
			goto done;
		}
		if (ecsctl_ops_run_defaults(&o, m, family ? what : "", f.service) < 0) {
			cli_error("no service '%s' in the repository", f.service);
			goto done;
		}
	}
	/* the exact revision that runs, and which of its containers are essential */
	if (ecsctl_ecs_describe_task_definition(&td, NULL, c, what, &err) < 0) {
		cli_print_error(what, &err);
		goto done;
	}
	o.task_definition = json_string_value(json_object_get(td, "taskDefinitionArn"));
	if (ecsctl_ops_run_request(&req, &o, td, &err) < 0) {
		cli_print_error(NULL, &err);
		goto done;
	}
	if (ecsctl_ecs_call(&resp, c, "RunTask", req, &err) < 0) {
		cli_print_error("RunTask", &err);
		goto done;
	}
	/* the lease orders writes: a task that runs for an hour writes nothing
	 * through ecsctl, and must not hold deployments back that long */
	cli_release_lease(ctx);
	json_array_foreach(json_object_get(resp, "tasks"), i, t) {
		json_array_append(arns, json_object_get(t, "taskArn"));
	}
	fprintf(stderr, "started %zu task%s of %s in cluster %s\n", json_array_size(arns),
	        json_array_size(arns) == 1 ? "" : "s", ecsctl_arn_taskdef(o.task_definition),
	        o.cluster ? o.cluster : "default");
	if (f.no_wait || !json_array_size(arns)) {
		if (!json && f.no_wait)
			json_array_foreach(arns, i, t) {
				printf("%s\n", json_string_value(t));
			}
		if (!json_array_size(arns) || json)
			rc = print_result(
			    json_object_get(resp, "tasks"), json_object_get(resp, "failures"),
			    json_array_size(arns) ? EXIT_OK : ECSCTL_OPS_EXIT_NOT_STARTED, json);
		else
			rc = json_array_size(json_object_get(resp, "failures"))
			         ? ECSCTL_OPS_EXIT_NOT_STARTED
			         : EXIT_OK;
		goto done;
	}
	cli_signals_catch(&sig, on_signal);
	wo.timeout_ms = f.timeout ? f.timeout : 60 * 60 * 1000;
	wo.interval_ms = f.interval;
	wo.cancel = &interrupted;
	wo.progress = on_progress;
	if (ecsctl_ops_wait_stopped(&tasks, c, o.cluster, arns, &wo, &err) < 0) {
		if (err.code == ECSCTL_ECANCELED) {
			cli_error("interrupted; the tasks keep running:");
			json_array_foreach(arns, i, t) {
				fprintf(stderr, "  %s\n", json_string_value(t));
			}
		} else {
			if (tasks)
				print_result(tasks, json_object_get(resp, "failures"), 0, json);
			cli_print_error(NULL, &err);
		}
		rc = EXIT_ERROR;
		goto done;
	}
	rc = print_result(tasks, json_object_get(resp, "failures"),
	                  ecsctl_ops_exit_code(tasks, json_object_get(resp, "failures"), td), json);
done:
	cli_signals_restore(&sig);
	json_decref(command);
	json_decref(network);
	json_decref(td);
	json_decref(req);
	json_decref(resp);
	json_decref(arns);
	json_decref(tasks);
	ecsctl_error_release(&err);
	free(f.cluster);
	free(f.launch_type);
	free(f.capacity_provider);
	free(f.subnets);
	free(f.security_groups);
	free(f.container);
	free(f.service);
	free(f.command);
	cli_list_release(&f.env);
	return rc;
}
