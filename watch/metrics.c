/* Prometheus text exposition of the watch controller's state. */
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecsctl/metrics.h"
#include "banned.h"

#define MAX_RESULTS 16
#define NBUCKETS 12

static const double buckets[NBUCKETS] = {0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600};
static const enum ecsctl_kind kinds[] = {ECSCTL_KIND_CLUSTER, ECSCTL_KIND_TASKDEF,
                                         ECSCTL_KIND_SERVICE};

/* The series of one environment (`env` NULL: a watch of no environment,
 * whose series carry no env label). */
struct series {
	char *env;
	char *results[MAX_RESULTS];
	unsigned long long result_count[MAX_RESULTS];
	size_t nresults;
	unsigned long long bucket_count[NBUCKETS];
	unsigned long long observations;
	double duration_sum;
	size_t drift[3][ECSCTL_DRIFT_NSTATUS];
	json_t *api; /* {"Op": {"code": N}} */
	char *applied_commit;
	double applied_at;
	unsigned failures;
	char *failed_commit; /* held: its apply failed, not applied again */
	unsigned long long failed_applies;
	size_t unstable;
	json_t *resources; /* [[kind, name, status, running|null, desired|null]] */
	json_t *ops;       /* {"action\tkind": count} */
	json_t *rollouts;  /* [[service, stage, paused]]: service deployments under way */
};

#define MAX_ENVS 64

struct ecsctl_watch_metrics {
	pthread_mutex_t lock;
	char *version;
	struct series envs[MAX_ENVS];
	size_t nenvs;
	size_t cur;    /* the series the setters write (ecsctl_watch_metrics_env) */
	bool labelled; /* ecsctl_watch_metrics_env was called: series have env labels */
	unsigned long long webhooks[ECSCTL_WEBHOOK_NRESULTS]; /* the process's, not an env's */
};

static const char *const webhook_results[ECSCTL_WEBHOOK_NRESULTS] = {"accepted", "coalesced",
                                                                     "duplicate", "rejected"};

static void series_release(struct series *s)
{
	size_t i;

	for (i = 0; i < s->nresults; i++)
		free(s->results[i]);
	free(s->env);
	free(s->applied_commit);
	free(s->failed_commit);
	json_decref(s->api);
	json_decref(s->resources);
	json_decref(s->ops);
	json_decref(s->rollouts);
	memset(s, 0, sizeof(*s));
}

static bool series_init(struct series *s)
{
	return (s->api = json_object()) && (s->resources = json_array()) &&
	       (s->ops = json_object()) && (s->rollouts = json_array());
}

int ecsctl_watch_metrics_new(struct ecsctl_watch_metrics **out, const char *version,
                             struct ecsctl_error *err)
{
	struct ecsctl_watch_metrics *m = calloc(1, sizeof(*m));

	*out = NULL;
	if (!m || !(m->version = strdup(version ? version : "unknown")) ||
	    !series_init(&m->envs[0])) {
		ecsctl_watch_metrics_free(m);
		return ecsctl_error_nomem(err);
	}
	m->nenvs = 1;
	pthread_mutex_init(&m->lock, NULL);
	*out = m;
	return 0;
}

void ecsctl_watch_metrics_free(struct ecsctl_watch_metrics *m)
{
	size_t i;

	if (!m)
		return;
	if (m->nenvs) /* the lock exists once the registry was whole */
		pthread_mutex_destroy(&m->lock);
	for (i = 0; i < MAX_ENVS; i++)
		series_release(&m->envs[i]);
	free(m->version);
	free(m);
}

int ecsctl_watch_metrics_env(struct ecsctl_watch_metrics *m, const char *env)
{
	struct series *s;
	size_t i;
	int rc = 0;

	pthread_mutex_lock(&m->lock);
	for (i = 0; i < m->nenvs; i++)
		if (m->envs[i].env && !strcmp(m->envs[i].env, env))
			break;
	if (i < m->nenvs) {
		m->cur = i;
	} else if (!m->labelled) { /* the first environment takes the first series */
		rc = (m->envs[0].env = strdup(env)) ? 0 : -1;
		m->cur = 0;
	} else if (m->nenvs == MAX_ENVS) {
		rc = -1;
	} else {
		s = &m->envs[m->nenvs];
		if ((s->env = strdup(env)) && series_init(s))
			m->cur = m->nenvs++;
		else
			series_release(s), rc = -1;
	}
	m->labelled |= rc == 0;
	pthread_mutex_unlock(&m->lock);
	return rc;
}

void ecsctl_watch_metrics_reconcile(struct ecsctl_watch_metrics *m, const char *result,
                                    double seconds)
{
	struct series *s;
	size_t i;

	pthread_mutex_lock(&m->lock);
	s = &m->envs[m->cur];
	for (i = 0; i < s->nresults && strcmp(s->results[i], result); i++)
		;
	if (i == s->nresults && i < MAX_RESULTS && (s->results[i] = strdup(result)))
		s->nresults++;
	if (i < s->nresults)
		s->result_count[i]++;
	if (!(seconds >= 0))
		seconds = 0;
	for (i = 0; i < NBUCKETS; i++)
		if (seconds <= buckets[i])
			s->bucket_count[i]++;
	s->observations++;
	s->duration_sum += seconds;
	pthread_mutex_unlock(&m->lock);
}

static int kind_index(enum ecsctl_kind k)
{
	return k == ECSCTL_KIND_CLUSTER ? 0 : k == ECSCTL_KIND_TASKDEF ? 1 : 2;
}

void ecsctl_watch_metrics_drift(struct ecsctl_watch_metrics *m, const struct ecsctl_drift_report *r)
{
	json_t *list = json_array(), *old;
	struct series *s;
	size_t i;

	for (i = 0; list && i < r->count; i++) {
		const struct ecsctl_drift_item *it = &r->items[i];

		json_array_append_new(
		    list, json_pack("[s, s, i, O?, O?]", ecsctl_kind_name(it->kind), it->name,
		                    (int)it->status, json_object_get(it->health, "running"),
		                    json_object_get(it->health, "desired")));
	}
	pthread_mutex_lock(&m->lock);
	s = &m->envs[m->cur];
	memset(s->drift, 0, sizeof(s->drift));
	for (i = 0; i < r->count; i++)
		if ((unsigned)r->items[i].status < ECSCTL_DRIFT_NSTATUS)
			s->drift[kind_index(r->items[i].kind)][r->items[i].status]++;
	old = s->resources;
	if (list)
		s->resources = list;
	pthread_mutex_unlock(&m->lock);
	if (list)
		json_decref(old);
}

void ecsctl_watch_metrics_apply_op(struct ecsctl_watch_metrics *m, const char *action,
                                   const char *kind)
{
	json_t *ops;
	char key[64];

	snprintf(key, sizeof(key), "%s\t%s", action, kind);
	pthread_mutex_lock(&m->lock);
	ops = m->envs[m->cur].ops;
	json_object_set_new(ops, key,
	                    json_integer(json_integer_value(json_object_get(ops, key)) + 1));
	pthread_mutex_unlock(&m->lock);
}

void ecsctl_watch_metrics_api(struct ecsctl_watch_metrics *m, const json_t *calls,
                              const json_t *errors)
{
	json_t *api = json_object(), *v, *codes, *c;
	const char *op, *code;

	if (!api)
		return;
	json_object_foreach((json_t *)calls, op, v) {
		json_int_t ok = json_integer_value(v);

		codes = json_object();
		json_object_foreach(json_object_get(errors, op), code, c) {
			json_object_set_new(codes, code, json_integer(json_integer_value(c)));
			ok -= json_integer_value(c);
		}
		json_object_set_new(codes, "ok", json_integer(ok > 0 ? ok : 0));
		json_object_set_new(api, op, codes);
	}
	pthread_mutex_lock(&m->lock);
	json_decref(m->envs[m->cur].api);
	m->envs[m->cur].api = api;
	pthread_mutex_unlock(&m->lock);
}

void ecsctl_watch_metrics_applied(struct ecsctl_watch_metrics *m, const char *commit,
                                  double unix_seconds)
{
	char *c = commit ? strdup(commit) : NULL;

	pthread_mutex_lock(&m->lock);
	free(m->envs[m->cur].applied_commit);
	m->envs[m->cur].applied_commit = c;
	m->envs[m->cur].applied_at = unix_seconds;
	pthread_mutex_unlock(&m->lock);
}

void ecsctl_watch_metrics_failures(struct ecsctl_watch_metrics *m, unsigned n)
{
	pthread_mutex_lock(&m->lock);
	m->envs[m->cur].failures = n;
	pthread_mutex_unlock(&m->lock);
}

void ecsctl_watch_metrics_apply_failed(struct ecsctl_watch_metrics *m, const char *commit)
{
	char *c = strdup(commit ? commit : "worktree");

	pthread_mutex_lock(&m->lock);
	free(m->envs[m->cur].failed_commit);
	m->envs[m->cur].failed_commit = c;
	m->envs[m->cur].failed_applies++;
	pthread_mutex_unlock(&m->lock);
}

void ecsctl_watch_metrics_failed_cleared(struct ecsctl_watch_metrics *m)
{
	pthread_mutex_lock(&m->lock);
	free(m->envs[m->cur].failed_commit);
	m->envs[m->cur].failed_commit = NULL;
	pthread_mutex_unlock(&m->lock);
}

void ecsctl_watch_metrics_unstable(struct ecsctl_watch_metrics *m, size_t n)
{
	pthread_mutex_lock(&m->lock);
	m->envs[m->cur].unstable = n;
	pthread_mutex_unlock(&m->lock);
}

void ecsctl_watch_metrics_rollouts(struct ecsctl_watch_metrics *m, const json_t *rollouts)
{
	json_t *copy = json_deep_copy(rollouts), *old;

	if (!copy)
		return;
	pthread_mutex_lock(&m->lock);
	old = m->envs[m->cur].rollouts;
	m->envs[m->cur].rollouts = copy;
	pthread_mutex_unlock(&m->lock);
	json_decref(old);
}

void ecsctl_watch_metrics_escape(struct ecsctl_buf *out, const char *s)
{
	for (; s && *s; s++) {
		if (*s == '\\')
			ecsctl_buf_adds(out, "\\\\");
		else if (*s == '"')
			ecsctl_buf_adds(out, "\\\"");
		else if (*s == '\n')
			ecsctl_buf_adds(out, "\\n");
		else
			ecsctl_buf_addch(out, *s);
	}
}

static void family(struct ecsctl_buf *out, const char *name, const char *type, const char *help)
{
	ecsctl_buf_addf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* Numbers as the format reads them: integers plainly, others with enough
 * digits to round-trip. */
static void number(struct ecsctl_buf *out, double v)
{
	char buf[40];
	int prec;

	if (v == floor(v) && fabs(v) < 1e15) {
		ecsctl_buf_addf(out, "%.0f", v);
		return;
	}
	/* the shortest text that reads back as the same double ("0.1", not
	 * "0.10000000000000001") */
	for (prec = 6; prec < 17; prec++) {
		snprintf(buf, sizeof(buf), "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	snprintf(buf, sizeof(buf), "%.*g", prec, v);
	ecsctl_buf_adds(out, buf);
}

/* "name{env="x"," or "name{": a series' name and its env label, open for
 * more labels; close with close_labels(). */
static void open_labels(struct ecsctl_buf *out, const char *name, const struct series *s)
{
	ecsctl_buf_addf(out, "%s{", name);
	if (s->env) {
		ecsctl_buf_adds(out, "env=\"");
		ecsctl_watch_metrics_escape(out, s->env);
		ecsctl_buf_adds(out, "\",");
	}
}

/* Ends the labels: drops a trailing ',' and an empty "{}". */
static void close_labels(struct ecsctl_buf *out)
{
	if (out->len && out->buf[out->len - 1] == ',')
		ecsctl_buf_setlen(out, out->len - 1);
	if (out->len && out->buf[out->len - 1] == '{')
		ecsctl_buf_setlen(out, out->len - 1);
	else
		ecsctl_buf_addch(out, '}');
}

/* The sync status in the words of the status page: drift's "unhealthy"
 * (equal to git, not stable yet) is "progressing". */
static const char *sync_word(int s)
{
	return s == ECSCTL_DRIFT_UNHEALTHY ? "progressing" : ecsctl_drift_status_name(s);
}

/* The status a resource series shows: a rollout under way and a rollout not
 * stable yet are one "progressing" on the page and in the series. */
static int sync_status(int s)
{
	return s == ECSCTL_DRIFT_PROGRESSING ? ECSCTL_DRIFT_UNHEALTHY : s;
}

static void label(struct ecsctl_buf *out, const char *name, const char *value, bool last)
{
	ecsctl_buf_addf(out, "%s=\"", name);
	ecsctl_watch_metrics_escape(out, value);
	ecsctl_buf_adds(out, last ? "\"}" : "\",");
}

/* name{env="x",commit="C"} 1: a commit as an info series; none without one. */
static void commit_info(struct ecsctl_buf *out, const char *name, const struct series *s,
                        const char *commit)
{
	if (!commit)
		return;
	open_labels(out, name, s);
	ecsctl_buf_adds(out, "commit=\"");
	ecsctl_watch_metrics_escape(out, commit);
	ecsctl_buf_adds(out, "\"} 1\n");
}

/* One series per resource and status, 1 for the one it has (so that
 * `sum by (status)` counts and an alert reads `== 1`); its env label where
 * it always was (after name), "" without environments. */
static void render_resources(struct ecsctl_buf *out, const struct series *s)
{
	const json_t *r;
	size_t i;
	int st;

	json_array_foreach(s->resources, i, r) {
		int status = sync_status((int)json_integer_value(json_array_get(r, 2)));

		for (st = 0; st < ECSCTL_DRIFT_NSTATUS; st++) {
			if (st == ECSCTL_DRIFT_PROGRESSING)
				continue;
			ecsctl_buf_adds(out, "ecsctl_resource_sync_status{");
			label(out, "kind", json_string_value(json_array_get(r, 0)), false);
			label(out, "name", json_string_value(json_array_get(r, 1)), false);
			label(out, "env", s->env ? s->env : "", false);
			label(out, "status", sync_word(st), true);
			ecsctl_buf_addf(out, " %d\n", st == status);
		}
	}
}

/* A gauge per service found live, from column `col` of s->resources. */
static void service_tasks(struct ecsctl_buf *out, const struct series *s, const char *name,
                          size_t col)
{
	const json_t *r;
	size_t i;

	json_array_foreach(s->resources, i, r) {
		if (!json_is_integer(json_array_get(r, col)))
			continue;
		open_labels(out, name, s);
		label(out, "service", json_string_value(json_array_get(r, 1)), true);
		ecsctl_buf_addf(out, " %lld\n",
		                (long long)json_integer_value(json_array_get(r, col)));
	}
}

/* One series per rollout under way (its stage), or per paused one. */
static void render_rollouts(struct ecsctl_buf *out, const struct series *s, bool paused)
{
	const json_t *r;
	size_t i;

	json_array_foreach(s->rollouts, i, r) {
		if (paused && !json_is_true(json_array_get(r, 2)))
			continue;
		open_labels(out, paused ? "ecsctl_rollout_paused" : "ecsctl_rollout_stage", s);
		label(out, "service", json_string_value(json_array_get(r, 0)), paused);
		if (!paused)
			label(out, "stage", json_string_value(json_array_get(r, 1)), true);
		ecsctl_buf_adds(out, " 1\n");
	}
}

static void render_ops(struct ecsctl_buf *out, const struct series *s)
{
	const char *key;
	json_t *n;

	json_object_foreach(s->ops, key, n) {
		const char *tab = strchr(key, '\t');

		open_labels(out, "ecsctl_apply_operations_total", s);
		ecsctl_buf_adds(out, "action=\"");
		ecsctl_buf_add(out, key, (size_t)(tab - key));
		ecsctl_buf_adds(out, "\",");
		label(out, "kind", tab + 1, true);
		ecsctl_buf_addf(out, " %lld\n", (long long)json_integer_value(n));
	}
}

static void render_series(struct ecsctl_buf *out, const struct series *s, int part)
{
	size_t i, j;
	const char *op, *code;
	json_t *codes, *n;

	switch (part) {
	case 0:
		for (i = 0; i < s->nresults; i++) {
			open_labels(out, "ecsctl_reconcile_total", s);
			ecsctl_buf_adds(out, "result=\"");
			ecsctl_watch_metrics_escape(out, s->results[i]);
			ecsctl_buf_addf(out, "\"} %llu\n", s->result_count[i]);
		}
		break;
	case 1:
		for (i = 0; i < NBUCKETS; i++) {
			open_labels(out, "ecsctl_reconcile_duration_seconds_bucket", s);
			ecsctl_buf_adds(out, "le=\"");
			number(out, buckets[i]);
			ecsctl_buf_addf(out, "\"} %llu\n", s->bucket_count[i]);
		}
		open_labels(out, "ecsctl_reconcile_duration_seconds_bucket", s);
		ecsctl_buf_addf(out, "le=\"+Inf\"} %llu\n", s->observations);
		open_labels(out, "ecsctl_reconcile_duration_seconds_sum", s);
		close_labels(out);
		ecsctl_buf_addch(out, ' ');
		number(out, s->duration_sum);
		ecsctl_buf_addch(out, '\n');
		open_labels(out, "ecsctl_reconcile_duration_seconds_count", s);
		close_labels(out);
		ecsctl_buf_addf(out, " %llu\n", s->observations);
		break;
	case 2:
		for (i = 0; i < 3; i++)
			for (j = 0; j < ECSCTL_DRIFT_NSTATUS; j++) {
				open_labels(out, "ecsctl_drifted_resources", s);
				ecsctl_buf_addf(out, "kind=\"%s\",status=\"%s\"} %zu\n",
				                ecsctl_kind_name(kinds[i]),
				                ecsctl_drift_status_name(j), s->drift[i][j]);
			}
		break;
	case 3:
		json_object_foreach(s->api, op, codes) {
			json_object_foreach(codes, code, n) {
				open_labels(out, "ecsctl_api_calls_total", s);
				ecsctl_buf_adds(out, "operation=\"");
				ecsctl_watch_metrics_escape(out, op);
				ecsctl_buf_adds(out, "\",code=\"");
				ecsctl_watch_metrics_escape(out, code);
				ecsctl_buf_addf(out, "\"} %lld\n",
				                (long long)json_integer_value(n));
			}
		}
		break;
	case 4:
		open_labels(out, "ecsctl_last_applied_commit_timestamp_seconds", s);
		close_labels(out);
		ecsctl_buf_addch(out, ' ');
		number(out, s->applied_at);
		ecsctl_buf_addch(out, '\n');
		break;
	case 5:
		commit_info(out, "ecsctl_last_applied_commit_info", s, s->applied_commit);
		break;
	case 6:
		open_labels(out, "ecsctl_consecutive_failures", s);
		close_labels(out);
		ecsctl_buf_addf(out, " %u\n", s->failures);
		break;
	case 7:
		open_labels(out, "ecsctl_failed_applies_total", s);
		close_labels(out);
		ecsctl_buf_addf(out, " %llu\n", s->failed_applies);
		break;
	case 8:
		commit_info(out, "ecsctl_failed_commit_info", s, s->failed_commit);
		break;
	case 9:
		open_labels(out, "ecsctl_unstable_services", s);
		close_labels(out);
		ecsctl_buf_addf(out, " %zu\n", s->unstable);
		break;
	case 10:
		render_resources(out, s);
		break;
	case 11:
		service_tasks(out, s, "ecsctl_service_running_tasks", 3);
		break;
	case 12:
		service_tasks(out, s, "ecsctl_service_desired_tasks", 4);
		break;
	case 13:
		render_ops(out, s);
		break;
	case 14:
		render_rollouts(out, s, false);
		break;
	case 15:
		render_rollouts(out, s, true);
		break;
	}
}

/* The families in exposition order, each with its series per environment. */
static const struct {
	const char *name, *type, *help;
} families[] = {
    {"ecsctl_reconcile_total", "counter", "Reconciles finished, by result."},
    {"ecsctl_reconcile_duration_seconds", "histogram",
     "Time a reconcile took: fetch, load, plan, apply and wait."},
    {"ecsctl_drifted_resources", "gauge",
     "Resources per kind and drift status at the last reconcile."},
    {"ecsctl_api_calls_total", "counter",
     "ECS API requests sent, retries included, by operation and answer code."},
    {"ecsctl_last_applied_commit_timestamp_seconds", "gauge",
     "Unix time live ECS last became equal to a git commit (0 = not yet)."},
    {"ecsctl_last_applied_commit_info", "gauge",
     "The git commit live ECS last became equal to (always 1)."},
    {"ecsctl_consecutive_failures", "gauge", "Reconciles failed in a row (backoff grows with it)."},
    {"ecsctl_failed_applies_total", "counter",
     "Applies that failed (a deployment failed, or timed out)."},
    {"ecsctl_failed_commit_info", "gauge",
     "The commit whose apply failed and that is not applied again until git moves, "
     "--retry or a webhook (always 1; absent when none)."},
    {"ecsctl_unstable_services", "gauge", "Managed services not stable at the last reconcile."},
    {"ecsctl_resource_sync_status", "gauge",
     "1 for the sync status each managed resource had at the last reconcile, else 0."},
    {"ecsctl_service_running_tasks", "gauge",
     "Tasks running per managed service at the last reconcile."},
    {"ecsctl_service_desired_tasks", "gauge",
     "Tasks desired per managed service at the last reconcile."},
    {"ecsctl_apply_operations_total", "counter",
     "Plan operations applied successfully, by action and resource kind."},
    {"ecsctl_rollout_stage", "gauge",
     "1 per managed service whose service deployment is under way, at its lifecycle stage."},
    {"ecsctl_rollout_paused", "gauge",
     "1 per managed service whose rollout waits at a PAUSE hook (ecsctl promote / abort)."},
};

void ecsctl_watch_metrics_webhook(struct ecsctl_watch_metrics *m, enum ecsctl_webhook_result r)
{
	pthread_mutex_lock(&m->lock);
	m->webhooks[r]++;
	pthread_mutex_unlock(&m->lock);
}

void ecsctl_watch_metrics_render(struct ecsctl_buf *out, struct ecsctl_watch_metrics *m)
{
	size_t f, i;

	pthread_mutex_lock(&m->lock);
	family(out, "ecsctl_build_info", "gauge", "The running ecsctl version (always 1).");
	ecsctl_buf_adds(out, "ecsctl_build_info{version=\"");
	ecsctl_watch_metrics_escape(out, m->version);
	ecsctl_buf_adds(out, "\"} 1\n");
	for (f = 0; f < sizeof(families) / sizeof(families[0]); f++) {
		family(out, families[f].name, families[f].type, families[f].help);
		for (i = 0; i < m->nenvs; i++)
			render_series(out, &m->envs[i], (int)f);
	}
	family(out, "ecsctl_webhook_requests_total", "counter",
	       "POST /webhook requests by outcome: accepted (woke the loop), coalesced (a "
	       "reconcile was already pending), duplicate (a delivery seen before), rejected "
	       "(bad signature).");
	for (i = 0; i < ECSCTL_WEBHOOK_NRESULTS; i++)
		ecsctl_buf_addf(out, "ecsctl_webhook_requests_total{result=\"%s\"} %llu\n",
		                webhook_results[i], m->webhooks[i]);
	pthread_mutex_unlock(&m->lock);
}
