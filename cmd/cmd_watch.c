/*
 * ecsctl watch: the controller loop (docs/watch.md).
 *
 *   loop { load git (a remote is fetched first); read live; drift report;
 *          plan; apply when git moved since the last sync (or, with
 *          --self-heal, when live drifted), unless ecsctl.yaml says
 *          suspend; record metrics; sleep --interval, or the backoff after
 *          a failure, or until a verified webhook wakes us }
 *
 * Everything the loop and the listener share lives in `struct watch` and
 * the library's ecsctl_watch_state; the only global is the signal flag.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "ecsctl/drift.h"
#include "ecsctl/metrics.h"
#include "ecsctl/reconcile.h"
#include "ecsctl/watch.h"
#include "reconcile_cli.h"
#include "banned.h"

static volatile sig_atomic_t stop_requested;

static void on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

struct watch {
	struct cli_ctx *ctx;
	bool json_logs, self_heal;
	int64_t interval_ms;
	struct ecsctl_metrics *metrics;
	struct ecsctl_watch_state st;
	struct ecsctl_ecs *ecs;
	char *synced_commit; /* last commit live was made equal to */
	unsigned failures;
	uint64_t rng;
};

/* One log line on stderr: text "TIME LEVEL msg k=v ..." or a JSON object;
 * the variadic part is key, value pairs of strings ending with NULL. */
static void wlog(struct watch *w, const char *level, const char *msg, ...)
{
	struct timespec ts;
	struct tm tm;
	char when[64], stamp[32];
	va_list ap;
	const char *k, *v;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(when, sizeof(when), "%s.%03ldZ", stamp, ts.tv_nsec / 1000000);
	va_start(ap, msg);
	if (w->json_logs) {
		json_t *o = json_pack("{s:s, s:s, s:s}", "time", when, "level", level, "msg", msg);
		char *line;

		while (o && (k = va_arg(ap, const char *))) {
			v = va_arg(ap, const char *);
			json_object_set_new(o, k, v ? json_string(v) : json_null());
		}
		line = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
		if (line)
			fprintf(stderr, "%s\n", line);
		free(line);
		json_decref(o);
	} else {
		fprintf(stderr, "%s %-5s %s", when, level, msg);
		while ((k = va_arg(ap, const char *))) {
			v = va_arg(ap, const char *);
			fprintf(stderr, " %s=%s", k, v ? v : "-");
		}
		fputc('\n', stderr);
	}
	va_end(ap);
	fflush(stderr);
}

static void log_error(struct watch *w, const char *msg, const struct ecsctl_error *err)
{
	wlog(w, "error", msg, "error", err->message ? err->message : "unknown error", "code",
	     err->aws_code, NULL);
}

/* One line per service that did not become stable: why, the stopped tasks'
 * causes ("; "), the events that explain it (" | "). */
static void log_why(struct watch *w, const struct ecsctl_wait_report *why)
{
	const json_t *s, *v;
	size_t i, j;

	json_array_foreach(why->services, i, s)
	{
		struct ecsctl_buf tasks = ECSCTL_BUF_INIT, events = ECSCTL_BUF_INIT;

		ecsctl_buf_adds(&tasks, "");
		ecsctl_buf_adds(&events, "");
		json_array_foreach(json_object_get(s, "stoppedTasks"), j, v)
		{
			ecsctl_buf_addf(&tasks, "%s%s", j ? "; " : "",
			                json_string_value(json_object_get(v, "summary")));
		}
		json_array_foreach(json_object_get(s, "events"), j, v)
		{
			ecsctl_buf_addf(&events, "%s%s", j ? " | " : "", json_string_value(v));
		}
		wlog(w, "error", "service not stable", "service",
		     json_string_value(json_object_get(s, "name")), "reason",
		     json_string_value(json_object_get(s, "reason")), "stopped_tasks",
		     tasks.buf ? tasks.buf : "", "events", events.buf ? events.buf : "", NULL);
		ecsctl_buf_release(&tasks);
		ecsctl_buf_release(&events);
	}
}

static void diag_log(struct watch *w, const struct ecsctl_diags *d)
{
	size_t i;

	for (i = 0; i < d->count; i++) {
		char *line = ecsctl_diag_format(&d->items[i]);

		if (d->items[i].severity == ECSCTL_ERROR)
			wlog(w, "error", "desired state", "error",
			     line ? line : d->items[i].message, NULL);
		free(line);
	}
}

static double unix_now(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (double)tv.tv_sec + tv.tv_usec / 1e6;
}

static void synced(struct watch *w, const char *commit)
{
	char *c = commit ? strdup(commit) : strdup("worktree");

	free(w->synced_commit);
	w->synced_commit = c;
	ecsctl_metrics_applied(w->metrics, commit, unix_now());
}

static int load(struct watch *w, struct ecsctl_model *m, struct ecsctl_error *err)
{
	struct ecsctl_model_options o = ECSCTL_MODEL_OPTIONS_INIT;
	struct ecsctl_diags diags = ECSCTL_DIAGS_INIT;
	int rc;

	o.repo = w->ctx->repo;
	o.ref = w->ctx->ref;
	o.path = w->ctx->path;
	o.worktree = w->ctx->worktree;
	rc = ecsctl_model_load(m, &o, &diags, err);
	ecsctl_diags_sort(&diags);
	diag_log(w, &diags);
	ecsctl_diags_release(&diags);
	return rc;
}

/* The ECS client's -v lines, in the watch's log format. */
static void ecs_log(void *ud, int level, const char *line)
{
	(void)level;
	wlog(ud, "debug", line, NULL);
}

static int open_client(struct watch *w, const struct ecsctl_model *m)
{
	struct ecsctl_ecs_options o = ECSCTL_ECS_OPTIONS_INIT;
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	int rc;

	if (w->ecs)
		return 0;
	cli_ecs_options(&o, w->ctx, m->settings.region);
	o.log = ecs_log;
	o.log_ud = w;
	rc = ecsctl_ecs_new(&w->ecs, &o, &err);
	if (rc < 0)
		log_error(w, "could not set up the ECS client", &err);
	ecsctl_error_release(&err);
	return rc;
}

/* One reconcile; returns the result word for the metrics. */
static const char *reconcile(struct watch *w)
{
	struct ecsctl_model m = {0};
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	struct ecsctl_drift_report drift;
	struct ecsctl_plan p;
	struct ecsctl_apply_options ao = ECSCTL_APPLY_OPTIONS_INIT;
	struct ecsctl_wait_report why = {NULL};
	const char *result = "failed";
	char nops[32];
	bool moved, apply;

	ecsctl_drift_report_init(&drift);
	ecsctl_plan_init(&p);
	if (load(w, &m, &err) < 0) {
		log_error(w, "could not load the desired state", &err);
		goto done;
	}
	if (open_client(w, &m) < 0)
		goto done;
	if (ecsctl_drift_gather(&drift, &m, w->ecs, &err) < 0) {
		log_error(w, "could not read the live state", &err);
		goto done;
	}
	ecsctl_metrics_drift(w->metrics, &drift);
	if (ecsctl_reconcile_plan(&p, NULL, &m, w->ecs, NULL, &err) < 0) {
		log_error(w, "could not plan", &err);
		goto done;
	}
	moved = !w->synced_commit || strcmp(w->synced_commit, m.commit ? m.commit : "worktree");
	snprintf(nops, sizeof(nops), "%zu", p.count);
	if (!p.count) {
		if (moved)
			synced(w, m.commit);
		result = "noop";
		goto done;
	}
	apply = moved || w->self_heal;
	if (m.settings.suspend) {
		wlog(w, "info", "suspended: not applying", "commit", m.commit, "changes", nops,
		     NULL);
		result = "suspended";
		goto done;
	}
	if (!apply) {
		wlog(w, "warn", "live drifted from git; not applying without --self-heal", "commit",
		     m.commit, "changes", nops, NULL);
		result = "skipped";
		goto done;
	}
	wlog(w, "info", moved ? "applying new commit" : "self-healing drift", "commit", m.commit,
	     "changes", nops, NULL);
	ao.commit = m.commit;
	ao.cancel = &stop_requested;
	ao.timeout_ms = m.settings.wait_timeout_ms;
	ao.rollback_on_failure = m.settings.rollback_on_failure;
	ao.interval_ms = 500;
	ao.report = &why;
	if (ecsctl_plan_apply(&p, w->ecs, false, &ao, &err) < 0 ||
	    ecsctl_plan_wait(&p, w->ecs, &ao, &err) < 0) {
		log_error(w, "apply failed", &err);
		log_why(w, &why);
		goto done;
	}
	synced(w, m.commit);
	result = "applied";
	/* the gauges say what live looks like now, not before the apply */
	ecsctl_drift_report_release(&drift);
	ecsctl_drift_report_init(&drift);
	if (ecsctl_drift_gather(&drift, &m, w->ecs, &err) == 0)
		ecsctl_metrics_drift(w->metrics, &drift);
	ecsctl_error_release(&err);
done:
	if (w->ecs) {
		json_t *calls = ecsctl_ecs_api_calls(w->ecs), *errs = ecsctl_ecs_api_errors(w->ecs);

		ecsctl_metrics_api(w->metrics, calls, errs);
		json_decref(calls);
		json_decref(errs);
	}
	ecsctl_wait_report_release(&why);
	ecsctl_plan_release(&p);
	ecsctl_drift_report_release(&drift);
	ecsctl_model_release(&m);
	ecsctl_error_release(&err);
	return result;
}

static int read_secret(struct watch *w, const char *file)
{
	char buf[4097];
	ssize_t n;
	int fd = open(file, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		cli_error("cannot read webhook secret file '%s': %s", file, strerror(errno));
		return -1;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0 || n == (ssize_t)sizeof(buf) - 1) {
		cli_error("cannot read webhook secret file '%s': %s", file,
		          n < 0 ? strerror(errno) : "longer than 4096 bytes");
		return -1;
	}
	/* a trailing newline is an editor's, not part of the secret */
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		n--;
	if (!n) {
		cli_error("webhook secret file '%s' is empty", file);
		return -1;
	}
	w->st.secret = malloc((size_t)n + 1);
	if (!w->st.secret)
		return -1;
	memcpy(w->st.secret, buf, (size_t)n);
	w->st.secret[n] = '\0';
	w->st.secret_len = (size_t)n;
	memset(buf, 0, sizeof(buf));
	return 0;
}

int cmd_watch(int argc, char **argv, struct cli_ctx *ctx)
{
	int64_t interval = 60000, backoff_cap = 300000;
	char *listen = NULL, *secret = NULL, *log_format = NULL;
	bool heal = false, help, state_ok = false;
	const struct cli_flag flags[] = {
	    {"interval", 0, FLAG_DURATION, &interval, "D", "time between reconciles (default 1m)"},
	    {"listen", 0, FLAG_STRING, &listen, "ADDR",
	     "health and metrics address (default 127.0.0.1:9464)"},
	    {"self-heal", 0, FLAG_BOOL, &heal, NULL, "apply when live state drifts"},
	    {"webhook-secret-file", 0, FLAG_STRING, &secret, "F", "webhook HMAC secret"},
	    {"log-format", 0, FLAG_STRING, &log_format, "FMT", "text or json (JSON lines)"},
	    {"max-backoff", 0, FLAG_DURATION, &backoff_cap, "D",
	     "longest wait after failures (default 5m)"},
	    {NULL, 0, 0, NULL, NULL, NULL},
	};
	struct watch w;
	struct ecsctl_watch_http *http = NULL;
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	struct sigaction sa, old_int, old_term;
	char portbuf[16], url[96];
	unsigned port = 0;
	int npos, rc;

	memset(&w, 0, sizeof(w));
	rc = cli_parse(argc, argv, cli_find_command("watch"), flags, ctx, &npos, &help);
	if (rc >= 0)
		goto done;
	rc = EXIT_USAGE;
	if (npos) {
		cli_error("'ecsctl watch' takes no arguments");
		goto done;
	}
	if (log_format && strcmp(log_format, "text") && strcmp(log_format, "json")) {
		cli_error("unknown log format '%s' (text or json)", log_format);
		goto done;
	}
	if (interval < 100 || backoff_cap < 100) {
		cli_error("--interval and --max-backoff must be at least 100ms");
		goto done;
	}
	rc = EXIT_ERROR;
	w.ctx = ctx;
	w.json_logs = log_format && !strcmp(log_format, "json");
	w.self_heal = heal;
	w.interval_ms = interval;
	w.rng = (uint64_t)ecsctl_watch_now_ms() ^ ((uint64_t)getpid() << 32);
	if (ecsctl_metrics_new(&w.metrics, ECSCTL_VERSION, &err) < 0 ||
	    ecsctl_watch_state_init(&w.st, w.metrics, &err) < 0) {
		cli_error("%s", err.message);
		goto done;
	}
	state_ok = true;
	w.st.ready_grace_ms = 3 * interval > 300000 ? 3 * interval : 300000;
	if (secret && read_secret(&w, secret) < 0)
		goto done;
	if (ecsctl_watch_http_start(&http, &port, listen ? listen : "127.0.0.1:9464", &w.st, &err) <
	    0) {
		cli_error("%s", err.message);
		goto done;
	}
	snprintf(portbuf, sizeof(portbuf), "%u", port);
	snprintf(url, sizeof(url), "%s", listen ? listen : "127.0.0.1:9464");
	wlog(&w, "info", "listening", "address", url, "port", portbuf, "webhook",
	     w.st.secret ? "enabled" : "disabled", NULL);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	while (!stop_requested) {
		int64_t t0 = ecsctl_watch_now_ms(), wait_ms;
		const char *result = reconcile(&w);
		double secs = (double)(ecsctl_watch_now_ms() - t0) / 1000.0;
		bool ok = strcmp(result, "failed") != 0;
		char dur[32], fails[16], next[32];

		w.failures = ok ? 0 : w.failures + 1;
		ecsctl_metrics_reconcile(w.metrics, result, secs);
		ecsctl_metrics_failures(w.metrics, w.failures);
		ecsctl_watch_state_done(&w.st, ok, ecsctl_watch_now_ms());
		wait_ms =
		    ok ? w.interval_ms
		       : ecsctl_backoff_ms(w.failures, w.interval_ms < 5000 ? w.interval_ms : 5000,
		                           backoff_cap, &w.rng);
		snprintf(dur, sizeof(dur), "%.3f", secs);
		snprintf(fails, sizeof(fails), "%u", w.failures);
		snprintf(next, sizeof(next), "%lld", (long long)wait_ms);
		wlog(&w, ok ? "info" : "error", "reconcile done", "result", result, "seconds", dur,
		     "commit", w.synced_commit, "failures", fails, "next_ms", next, NULL);
		if (stop_requested)
			break;
		if (ecsctl_watch_state_sleep(&w.st, wait_ms, &stop_requested))
			wlog(&w, "info", "woken by webhook", NULL);
	}
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	wlog(&w, "info", "stopping", NULL);
	rc = EXIT_OK;
done:
	ecsctl_watch_http_stop(http);
	if (state_ok)
		ecsctl_watch_state_release(&w.st);
	ecsctl_metrics_free(w.metrics);
	ecsctl_ecs_free(w.ecs);
	ecsctl_error_release(&err);
	free(w.synced_commit);
	free(listen);
	free(secret);
	free(log_format);
	return rc;
}
