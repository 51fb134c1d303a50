/* ecs-local: flags, signals, start and stop. The only file of sim/ that prints or exits. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecsctl/buf.h"
#include "ecsctl/sim.h"
#include "banned.h"

/* Every --instances, --alarm and --hook value, every --throttle
 * GROUP=RATE:BURST, ';'-joined (the options hold one string each). */
static struct ecsctl_buf instances = ECSCTL_BUF_INIT;
static struct ecsctl_buf throttle_groups = ECSCTL_BUF_INIT;
static struct ecsctl_buf alarms = ECSCTL_BUF_INIT;
static struct ecsctl_buf hooks = ECSCTL_BUF_INIT;

static const char usage[] =
    "usage: ecs-local [options]\n"
    "  --listen HOST:PORT        address to serve (default 127.0.0.1:4566; port 0 = any)\n"
    "  --allow-remote            allow a non-loopback --listen address\n"
    "  --state FILE              load state from FILE and keep it there (atomic writes)\n"
    "  --time-scale X            simulated seconds per wall second (default 1)\n"
    "  --latency-ms N            delay every answer by N ms\n"
    "  --throttle RATE:BURST     one token bucket for every request; excess gets\n"
    "                            ThrottlingException\n"
    "  --throttle-profile ecs    a bucket per group of operations, sized as ECS's\n"
    "  --throttle GROUP=RATE:BURST  that group's bucket (over the profile's;\n"
    "                            repeatable; groups in docs/ecs-local.md)\n"
    "  --fail-rate P             answer a share P (0..1) with 500 or a connection reset\n"
    "  --require-sigv4 KEY:SECRET  verify SigV4 signatures\n"
    "  --account ID              account id in ARNs (default 123456789012)\n"
    "  --region NAME             region in ARNs (default us-east-1)\n"
    "  --seed N                  seed for ids and fault injection\n"
    "  --threads N               request threads (default 4)\n"
    "  --ec2-capacity N          EC2 tasks that fit per cluster (default unlimited)\n"
    "  --instances CLUSTER=N[:cpu=C,memory=M,type=T,az=A|B]\n"
    "                            N simulated container instances (default cpu 2048,\n"
    "                            memory 4096, type t3.medium, az <region>a; AZs taken\n"
    "                            in turn) that register when CLUSTER is created; EC2\n"
    "                            tasks there are placed on them. Repeatable. Without\n"
    "                            it EC2 capacity is unlimited (or --ec2-capacity).\n"
    "  --alarm NAME=ALARM|OK|INSUFFICIENT_DATA[@SECONDS]\n"
    "                            CloudWatch alarm NAME is in that state (from SECONDS\n"
    "                            of simulated time on); deployments that list it with\n"
    "                            rollback roll back. Repeatable; POST /_alarm at run time\n"
    "  --hook FUNCTION=SUCCEEDED|FAILED|IN_PROGRESS[:SECONDS]\n"
    "                            what Lambda lifecycle hook FUNCTION (name or ARN)\n"
    "                            answers (default SUCCEEDED; IN_PROGRESS:S succeeds\n"
    "                            after S seconds). Repeatable\n"
    "  --quota-tasks-per-service N     ECS service quotas (defaults as in ECS:\n"
    "  --quota-services-per-cluster N  5000, 5000, 10000 and 1000000); past one,\n"
    "  --quota-clusters N              the request gets ECS's error\n"
    "  --quota-revisions N             (revisions per task definition family)\n"
    "  --version, --help\n";

static void log_stderr(void *arg, const char *line)
{
	fprintf(stderr, "ecs-local: %s\n", line);
}

static int num(const char *flag, const char *s, double min, double max, double *out)
{
	char *end = NULL;

	errno = 0;
	*out = s ? strtod(s, &end) : 0;
	if (!s || !*s || *end || errno || *out < min || *out > max) {
		fprintf(stderr, "error: %s needs a number in %g..%g, not '%s'\n", flag, min, max,
		        s ? s : "");
		return -1;
	}
	return 0;
}

static int pair(const char *flag, char *s, char **a, char **b)
{
	char *colon = s ? strchr(s, ':') : NULL;

	if (!colon || colon == s || !colon[1]) {
		fprintf(stderr, "error: %s needs A:B, not '%s'\n", flag, s ? s : "");
		return -1;
	}
	*colon = '\0';
	*a = s;
	*b = colon + 1;
	return 0;
}

/* --quota-NAME N; -1 (said on stderr) for a bad value or an unknown quota. */
static int quota_flag(const char *f, const char *arg, struct ecsctl_sim_options *o)
{
	static const struct {
		const char *flag;
		size_t off;
	} quotas[] = {
	    {"--quota-tasks-per-service",
	     offsetof(struct ecsctl_sim_options, quota_tasks_per_service)},
	    {"--quota-services-per-cluster",
	     offsetof(struct ecsctl_sim_options, quota_services_per_cluster)},
	    {"--quota-clusters", offsetof(struct ecsctl_sim_options, quota_clusters)},
	    {"--quota-revisions", offsetof(struct ecsctl_sim_options, quota_revisions)},
	};
	double v;

	for (size_t i = 0; i < sizeof(quotas) / sizeof(quotas[0]); i++) {
		if (strcmp(f, quotas[i].flag) != 0)
			continue;
		if (num(f, arg, 1, 1e9, &v))
			return -1;
		*(long long *)((char *)o + quotas[i].off) = (long long)v;
		return 0;
	}
	fprintf(stderr, "error: unknown flag '%s'\n%s", f, usage);
	return -1;
}

static int parse(int argc, char **argv, struct ecsctl_sim_options *o)
{
	double v;
	int i;

	for (i = 1; i < argc; i++) {
		const char *f = argv[i];
		char *arg = i + 1 < argc ? argv[i + 1] : NULL;
		char *a, *b;

		if (strcmp(f, "--help") == 0 || strcmp(f, "-h") == 0) {
			fputs(usage, stdout);
			exit(0);
		} else if (strcmp(f, "--version") == 0) {
			printf("ecs-local %s\n", ECSCTL_VERSION);
			exit(0);
		} else if (strcmp(f, "--allow-remote") == 0) {
			o->allow_remote = 1;
			continue;
		}
		if (!arg) {
			fprintf(stderr, "error: unknown flag or missing value: '%s'\n%s", f, usage);
			return -1;
		}
		i++;
		if (strcmp(f, "--listen") == 0) {
			o->listen = arg;
		} else if (strcmp(f, "--state") == 0) {
			o->state_file = arg;
		} else if (strcmp(f, "--time-scale") == 0) {
			if (num(f, arg, 0.001, 1e6, &o->time_scale))
				return -1;
		} else if (strcmp(f, "--latency-ms") == 0) {
			if (num(f, arg, 0, 60000, &v))
				return -1;
			o->latency_ms = (unsigned)v;
		} else if (strcmp(f, "--throttle") == 0 && strchr(arg, '=')) {
			struct ecsctl_error err = ECSCTL_ERROR_INIT;
			if (ecsctl_sim_throttle_check(arg, &err)) {
				fprintf(stderr, "error: %s\n", err.message);
				ecsctl_error_release(&err);
				return -1;
			}
			ecsctl_buf_addf(&throttle_groups, "%s%s", throttle_groups.len ? ";" : "",
			                arg);
			o->throttle_groups = throttle_groups.buf;
		} else if (strcmp(f, "--throttle") == 0) {
			if (pair(f, arg, &a, &b) || num(f, a, 0.001, 1e9, &o->throttle_rate) ||
			    num(f, b, 1, 1e9, &o->throttle_burst))
				return -1;
		} else if (strcmp(f, "--throttle-profile") == 0) {
			if (strcmp(arg, "ecs") != 0) {
				fprintf(stderr,
				        "error: unknown --throttle-profile '%s' (there is 'ecs')\n",
				        arg);
				return -1;
			}
			o->throttle_profile = arg;
		} else if (strcmp(f, "--fail-rate") == 0) {
			if (num(f, arg, 0, 1, &o->fail_rate))
				return -1;
		} else if (strcmp(f, "--require-sigv4") == 0) {
			if (pair(f, arg, &a, &b))
				return -1;
			o->sigv4_key = a;
			o->sigv4_secret = b;
		} else if (strcmp(f, "--account") == 0) {
			if (strlen(arg) != 12 || strspn(arg, "0123456789") != 12) {
				fprintf(stderr, "error: --account needs 12 digits\n");
				return -1;
			}
			o->account = arg;
		} else if (strcmp(f, "--region") == 0) {
			if (!*arg || strlen(arg) > 30 ||
			    strspn(arg, "abcdefghijklmnopqrstuvwxyz0123456789-") != strlen(arg)) {
				fprintf(stderr, "error: --region '%s' is not a region name\n", arg);
				return -1;
			}
			o->region = arg;
		} else if (strcmp(f, "--seed") == 0) {
			if (num(f, arg, 0, 9e15, &v))
				return -1;
			o->seed = (uint64_t)v;
		} else if (strcmp(f, "--threads") == 0) {
			if (num(f, arg, 1, 256, &v))
				return -1;
			o->threads = (unsigned)v;
		} else if (strcmp(f, "--instances") == 0) {
			struct ecsctl_error err = ECSCTL_ERROR_INIT;
			if (ecsctl_sim_instances_check(arg, &err)) {
				fprintf(stderr, "error: %s\n", err.message);
				ecsctl_error_release(&err);
				return -1;
			}
			ecsctl_buf_addf(&instances, "%s%s", instances.len ? ";" : "", arg);
			o->instances = instances.buf;
		} else if (strcmp(f, "--alarm") == 0 || strcmp(f, "--hook") == 0) {
			struct ecsctl_error err = ECSCTL_ERROR_INIT;
			int alarm = strcmp(f, "--alarm") == 0;
			struct ecsctl_buf *list = alarm ? &alarms : &hooks;
			if (alarm ? ecsctl_sim_alarm_check(arg, &err)
			          : ecsctl_sim_hook_check(arg, &err)) {
				fprintf(stderr, "error: %s\n", err.message);
				ecsctl_error_release(&err);
				return -1;
			}
			ecsctl_buf_addf(list, "%s%s", list->len ? ";" : "", arg);
			*(alarm ? &o->alarms : &o->hooks) = list->buf;
		} else if (strncmp(f, "--quota-", 8) == 0) {
			if (quota_flag(f, arg, o))
				return -1;
		} else if (strcmp(f, "--ec2-capacity") == 0) {
			if (num(f, arg, 0, 1e9, &v))
				return -1;
			o->ec2_capacity = (int)v;
		} else {
			fprintf(stderr, "error: unknown flag '%s'\n%s", f, usage);
			return -1;
		}
	}
	if (o->throttle_rate > 0 && (o->throttle_profile || o->throttle_groups)) {
		fprintf(stderr, "error: --throttle RATE:BURST (one bucket for every request) and "
		                "per-group buckets exclude each other\n");
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct ecsctl_sim_options opts = ECSCTL_SIM_OPTIONS_INIT;
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	struct ecsctl_sim *sim = NULL;
	sigset_t set;
	const char *colon;
	int sig = 0, rc = 0;

	opts.log = log_stderr;
	if (parse(argc, argv, &opts))
		return 64;
	/* every thread started from here on leaves these signals to sigwait */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (ecsctl_sim_new(&sim, &opts, &err)) {
		fprintf(stderr, "error: %s\n", err.message ? err.message : "cannot start");
		ecsctl_error_release(&err);
		return 1;
	}
	/* the address as bound: clients and tests read this line */
	colon = strrchr(opts.listen, ':');
	if (strncmp(opts.listen, "localhost:", 10) == 0)
		printf("listening on http://127.0.0.1:%u\n", ecsctl_sim_port(sim));
	else
		printf("listening on http://%.*s:%u\n", (int)(colon - opts.listen), opts.listen,
		       ecsctl_sim_port(sim));
	fflush(stdout);
	sigwait(&set, &sig);
	/* a state that could not be saved is not a clean exit */
	if (ecsctl_sim_stop(sim, &err)) {
		fprintf(stderr, "error: state not saved: %s\n", err.message);
		ecsctl_error_release(&err);
		rc = 1;
	}
	ecsctl_sim_free(sim);
	ecsctl_buf_release(&instances);
	ecsctl_buf_release(&throttle_groups);
	ecsctl_buf_release(&alarms);
	ecsctl_buf_release(&hooks);
	return rc;
}
