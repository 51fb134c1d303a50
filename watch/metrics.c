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

struct ecsctl_watch_metrics {
	pthread_mutex_t lock;
	char *version;
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
	char *env;         /* the env label of the per-resource families ("" = none) */
	json_t *resources; /* [[kind, name, status, running|null, desired|null]] */
	json_t *ops;       /* {"action\tkind": count} */
	unsigned long long webhooks[ECSCTL_WEBHOOK_NRESULTS];
};

static const char *const webhook_results[ECSCTL_WEBHOOK_NRESULTS] = {"accepted", "coalesced",
                                                                     "duplicate", "rejected"};

int ecsctl_watch_metrics_new(struct ecsctl_watch_metrics **out, const char *version,
                             struct ecsctl_error *err)
{
	struct ecsctl_watch_metrics *m = calloc(1, sizeof(*m));

	*out = NULL;
	if (!m || !(m->version = strdup(version ? version : "unknown")) || !(m->env = strdup("")) ||
	    !(m->resources = json_array()) || !(m->ops = json_object()) ||
	    !(m->api = json_object())) {
		ecsctl_watch_metrics_free(m);
		return ecsctl_error_nomem(err);
	}
	pthread_mutex_init(&m->lock, NULL);
	*out = m;
	return 0;
}

void ecsctl_watch_metrics_free(struct ecsctl_watch_metrics *m)
{
	size_t i;

	if (!m)
		return;
	if (m->api) /* the lock exists once the registry was whole */
		pthread_mutex_destroy(&m->lock);
	for (i = 0; i < m->nresults; i++)
		free(m->results[i]);
	free(m->version);
	free(m->applied_commit);
	free(m->failed_commit);
	free(m->env);
	json_decref(m->resources);
	json_decref(m->ops);
	json_decref(m->api);
	free(m);
}

void ecsctl_watch_metrics_reconcile(struct ecsctl_watch_metrics *m, const char *result,
                                    double seconds)
{
	size_t i;

	pthread_mutex_lock(&m->lock);
	for (i = 0; i < m->nresults && strcmp(m->results[i], result); i++)
		;
	if (i == m->nresults && i < MAX_RESULTS && (m->results[i] = strdup(result)))
		m->nresults++;
	if (i < m->nresults)
		m->result_count[i]++;
	if (!(seconds >= 0))
		seconds = 0;
	for (i = 0; i < NBUCKETS; i++)
		if (seconds <= buckets[i])
			m->bucket_count[i]++;
	m->observations++;
	m->duration_sum += seconds;
	pthread_mutex_unlock(&m->lock);
}

static int kind_index(enum ecsctl_kind k)
{
	return k == ECSCTL_KIND_CLUSTER ? 0 : k == ECSCTL_KIND_TASKDEF ? 1 : 2;
}

void ecsctl_watch_metrics_drift(struct ecsctl_watch_metrics *m, const struct ecsctl_drift_report *r)
{
	json_t *list = json_array(), *old;
	size_t i;

	for (i = 0; list && i < r->count; i++) {
		const struct ecsctl_drift_item *it = &r->items[i];

		json_array_append_new(
		    list, json_pack("[s, s, i, O?, O?]", ecsctl_kind_name(it->kind), it->name,
		                    (int)it->status, json_object_get(it->health, "running"),
		                    json_object_get(it->health, "desired")));
	}
	pthread_mutex_lock(&m->lock);
	memset(m->drift, 0, sizeof(m->drift));
	for (i = 0; i < r->count; i++)
		if ((unsigned)r->items[i].status < ECSCTL_DRIFT_NSTATUS)
			m->drift[kind_index(r->items[i].kind)][r->items[i].status]++;
	old = m->resources;
	if (list)
		m->resources = list;
	pthread_mutex_unlock(&m->lock);
	if (list)
		json_decref(old);
}

void ecsctl_watch_metrics_env(struct ecsctl_watch_metrics *m, const char *env)
{
	char *e = strdup(env ? env : "");

	if (!e)
		return;
	pthread_mutex_lock(&m->lock);
	free(m->env);
	m->env = e;
	pthread_mutex_unlock(&m->lock);
}

void ecsctl_watch_metrics_apply_op(struct ecsctl_watch_metrics *m, const char *action,
                                   const char *kind)
{
	char key[64];

	snprintf(key, sizeof(key), "%s\t%s", action, kind);
	pthread_mutex_lock(&m->lock);
	json_object_set_new(m->ops, key,
	                    json_integer(json_integer_value(json_object_get(m->ops, key)) + 1));
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
	json_decref(m->api);
	m->api = api;
	pthread_mutex_unlock(&m->lock);
}

void ecsctl_watch_metrics_applied(struct ecsctl_watch_metrics *m, const char *commit,
                                  double unix_seconds)
{
	char *c = commit ? strdup(commit) : NULL;

	pthread_mutex_lock(&m->lock);
	free(m->applied_commit);
	m->applied_commit = c;
	m->applied_at = unix_seconds;
	pthread_mutex_unlock(&m->lock);
}

void ecsctl_watch_metrics_failures(struct ecsctl_watch_metrics *m, unsigned n)
{
	pthread_mutex_lock(&m->lock);
	m->failures = n;
	pthread_mutex_unlock(&m->lock);
}

void ecsctl_watch_metrics_apply_failed(struct ecsctl_watch_metrics *m, const char *commit)
{
	char *c = strdup(commit ? commit : "worktree");

	pthread_mutex_lock(&m->lock);
	free(m->failed_commit);
	m->failed_commit = c;
	m->failed_applies++;
	pthread_mutex_unlock(&m->lock);
}

void ecsctl_watch_metrics_failed_cleared(struct ecsctl_watch_metrics *m)
{
	pthread_mutex_lock(&m->lock);
	free(m->failed_commit);
	m->failed_commit = NULL;
	pthread_mutex_unlock(&m->lock);
}

void ecsctl_watch_metrics_unstable(struct ecsctl_watch_metrics *m, size_t n)
{
	pthread_mutex_lock(&m->lock);
	m->unstable = n;
	pthread_mutex_unlock(&m->lock);
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

static void render_api(struct ecsctl_buf *out, const json_t *api)
{
	const char *op, *code;
	json_t *codes, *n;

	family(out, "ecsctl_api_calls_total", "counter",
	       "ECS API requests sent, retries included, by operation and answer code.");
	json_object_foreach((json_t *)api, op, codes) {
		json_object_foreach(codes, code, n) {
			ecsctl_buf_adds(out, "ecsctl_api_calls_total{operation=\"");
			ecsctl_watch_metrics_escape(out, op);
			ecsctl_buf_adds(out, "\",code=\"");
			ecsctl_watch_metrics_escape(out, code);
			ecsctl_buf_addf(out, "\"} %lld\n", (long long)json_integer_value(n));
		}
	}
}

/* The sync status in the words of the status page: drift's "unhealthy"
 * (equal to git, not stable yet) is "progressing". */
static const char *sync_word(int s)
{
	return s == ECSCTL_DRIFT_UNHEALTHY ? "progressing" : ecsctl_drift_status_name(s);
}

static void label(struct ecsctl_buf *out, const char *name, const char *value, bool last)
{
	ecsctl_buf_addf(out, "%s=\"", name);
	ecsctl_watch_metrics_escape(out, value);
	ecsctl_buf_adds(out, last ? "\"}" : "\",");
}

/* A gauge per service found live, from column `col` of m->resources. */
static void service_tasks(struct ecsctl_buf *out, const struct ecsctl_watch_metrics *m,
                          const char *name, const char *help, size_t col)
{
	const json_t *r;
	size_t i;

	family(out, name, "gauge", help);
	json_array_foreach(m->resources, i, r) {
		if (!json_is_integer(json_array_get(r, col)))
			continue;
		ecsctl_buf_addf(out, "%s{", name);
		label(out, "service", json_string_value(json_array_get(r, 1)), true);
		ecsctl_buf_addf(out, " %lld\n",
		                (long long)json_integer_value(json_array_get(r, col)));
	}
}

/* One series per resource and status, 1 for the one it has (so that
 * `sum by (status)` counts and an alert reads `== 1`); services' tasks. */
static void render_resources(struct ecsctl_buf *out, const struct ecsctl_watch_metrics *m)
{
	const json_t *r;
	size_t i;
	int s;

	family(out, "ecsctl_resource_sync_status", "gauge",
	       "1 for the sync status each managed resource had at the last reconcile, else 0.");
	json_array_foreach(m->resources, i, r) {
		int status = (int)json_integer_value(json_array_get(r, 2));

		for (s = 0; s < ECSCTL_DRIFT_NSTATUS; s++) {
			ecsctl_buf_adds(out, "ecsctl_resource_sync_status{");
			label(out, "kind", json_string_value(json_array_get(r, 0)), false);
			label(out, "name", json_string_value(json_array_get(r, 1)), false);
			label(out, "env", m->env, false);
			label(out, "status", sync_word(s), true);
			ecsctl_buf_addf(out, " %d\n", s == status);
		}
	}
	service_tasks(out, m, "ecsctl_service_running_tasks",
	              "Tasks running per managed service at the last reconcile.", 3);
	service_tasks(out, m, "ecsctl_service_desired_tasks",
	              "Tasks desired per managed service at the last reconcile.", 4);
}

static void render_ops(struct ecsctl_buf *out, const json_t *ops)
{
	const char *key;
	json_t *n;

	family(out, "ecsctl_apply_operations_total", "counter",
	       "Plan operations applied successfully, by action and resource kind.");
	json_object_foreach((json_t *)ops, key, n) {
		const char *tab = strchr(key, '\t');

		ecsctl_buf_adds(out, "ecsctl_apply_operations_total{action=\"");
		ecsctl_buf_add(out, key, (size_t)(tab - key));
		ecsctl_buf_adds(out, "\",");
		label(out, "kind", tab + 1, true);
		ecsctl_buf_addf(out, " %lld\n", (long long)json_integer_value(n));
	}
}

void ecsctl_watch_metrics_webhook(struct ecsctl_watch_metrics *m, enum ecsctl_webhook_result r)
{
	pthread_mutex_lock(&m->lock);
	m->webhooks[r]++;
	pthread_mutex_unlock(&m->lock);
}

void ecsctl_watch_metrics_render(struct ecsctl_buf *out, struct ecsctl_watch_metrics *m)
{
	size_t i, j;

	pthread_mutex_lock(&m->lock);
	family(out, "ecsctl_build_info", "gauge", "The running ecsctl version (always 1).");
	ecsctl_buf_adds(out, "ecsctl_build_info{version=\"");
	ecsctl_watch_metrics_escape(out, m->version);
	ecsctl_buf_adds(out, "\"} 1\n");

	family(out, "ecsctl_reconcile_total", "counter", "Reconciles finished, by result.");
	for (i = 0; i < m->nresults; i++) {
		ecsctl_buf_adds(out, "ecsctl_reconcile_total{result=\"");
		ecsctl_watch_metrics_escape(out, m->results[i]);
		ecsctl_buf_addf(out, "\"} %llu\n", m->result_count[i]);
	}

	family(out, "ecsctl_reconcile_duration_seconds", "histogram",
	       "Time a reconcile took: fetch, load, plan, apply and wait.");
	for (i = 0; i < NBUCKETS; i++) {
		ecsctl_buf_adds(out, "ecsctl_reconcile_duration_seconds_bucket{le=\"");
		number(out, buckets[i]);
		ecsctl_buf_addf(out, "\"} %llu\n", m->bucket_count[i]);
	}
	ecsctl_buf_addf(out, "ecsctl_reconcile_duration_seconds_bucket{le=\"+Inf\"} %llu\n",
	                m->observations);
	ecsctl_buf_adds(out, "ecsctl_reconcile_duration_seconds_sum ");
	number(out, m->duration_sum);
	ecsctl_buf_addf(out, "\necsctl_reconcile_duration_seconds_count %llu\n", m->observations);

	family(out, "ecsctl_drifted_resources", "gauge",
	       "Resources per kind and drift status at the last reconcile.");
	for (i = 0; i < 3; i++)
		for (j = 0; j < ECSCTL_DRIFT_NSTATUS; j++)
			ecsctl_buf_addf(out,
			                "ecsctl_drifted_resources{kind=\"%s\",status=\"%s\"} %zu\n",
			                ecsctl_kind_name(kinds[i]), ecsctl_drift_status_name(j),
			                m->drift[i][j]);

	render_api(out, m->api);

	family(out, "ecsctl_last_applied_commit_timestamp_seconds", "gauge",
	       "Unix time live ECS last became equal to a git commit (0 = not yet).");
	ecsctl_buf_adds(out, "ecsctl_last_applied_commit_timestamp_seconds ");
	number(out, m->applied_at);
	ecsctl_buf_adds(out, "\n");
	family(out, "ecsctl_last_applied_commit_info", "gauge",
	       "The git commit live ECS last became equal to (always 1).");
	if (m->applied_commit) {
		ecsctl_buf_adds(out, "ecsctl_last_applied_commit_info{commit=\"");
		ecsctl_watch_metrics_escape(out, m->applied_commit);
		ecsctl_buf_adds(out, "\"} 1\n");
	}
	family(out, "ecsctl_consecutive_failures", "gauge",
	       "Reconciles failed in a row (backoff grows with it).");
	ecsctl_buf_addf(out, "ecsctl_consecutive_failures %u\n", m->failures);
	family(out, "ecsctl_failed_applies_total", "counter",
	       "Applies that failed (a deployment failed, or timed out).");
	ecsctl_buf_addf(out, "ecsctl_failed_applies_total %llu\n", m->failed_applies);
	family(out, "ecsctl_failed_commit_info", "gauge",
	       "The commit whose apply failed and that is not applied again until git moves, "
	       "--retry or a webhook (always 1; absent when none).");
	if (m->failed_commit) {
		ecsctl_buf_adds(out, "ecsctl_failed_commit_info{commit=\"");
		ecsctl_watch_metrics_escape(out, m->failed_commit);
		ecsctl_buf_adds(out, "\"} 1\n");
	}
	family(out, "ecsctl_unstable_services", "gauge",
	       "Managed services not stable at the last reconcile.");
	ecsctl_buf_addf(out, "ecsctl_unstable_services %zu\n", m->unstable);
	family(out, "ecsctl_webhook_requests_total", "counter",
	       "POST /webhook requests by outcome: accepted (woke the loop), coalesced (a "
	       "reconcile was already pending), duplicate (a delivery seen before), rejected "
	       "(bad signature).");
	for (i = 0; i < ECSCTL_WEBHOOK_NRESULTS; i++)
		ecsctl_buf_addf(out, "ecsctl_webhook_requests_total{result=\"%s\"} %llu\n",
		                webhook_results[i], m->webhooks[i]);
	render_resources(out, m);
	render_ops(out, m->ops);
	pthread_mutex_unlock(&m->lock);
}
