/*
 * The store: every resource of ecs-local, the simulated clock, and the link
 * between the pure deployment state machine and the resources it works on.
 * Lookups are hash lookups (jansson objects); nothing scans all services per
 * request except the calls that list or count them.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ecsctl/clock.h"
#include "ecsctl/arn.h"
#include "ecsctl/buf.h"
#include "sim_int.h"
#include "banned.h"

int sim_store_init(struct sim_store *s, const char *region, const char *account, double scale,
                   uint64_t seed, struct ecsctl_error *err)
{
	struct ecsctl_sim_options dflt = ECSCTL_SIM_OPTIONS_INIT;

	memset(s, 0, sizeof(*s));
	sim_quota_defaults(&s->quotas, &dflt);
	pthread_mutex_init(&s->mu, NULL);
	s->clusters = json_object();
	s->families = json_object();
	s->busy = json_object();
	s->rendered = json_object();
	s->alarms = json_object();
	s->hooks = json_object();
	snprintf(s->region, sizeof(s->region), "%s", region);
	snprintf(s->account, sizeof(s->account), "%s", account);
	s->scale = scale > 0 ? scale : 1.0;
	s->wall_start = ecsctl_clock_mono_s();
	s->sim_start = ecsctl_clock_wall_s();
	s->rng = seed ? seed : ecsctl_rand_seed();
	if (!s->clusters || !s->families || !s->busy || !s->rendered || !s->alarms || !s->hooks)
		return ecsctl_error_nomem(err);
	return 0;
}

void sim_store_release(struct sim_store *s)
{
	if (!s)
		return;
	json_decref(s->clusters);
	json_decref(s->families);
	json_decref(s->busy);
	json_decref(s->rendered);
	json_decref(s->instance_specs);
	json_decref(s->alarms);
	json_decref(s->hooks);
	pthread_mutex_destroy(&s->mu);
	s->clusters = s->families = s->busy = s->rendered = NULL;
}

double sim_store_now(const struct sim_store *s)
{
	if (s->fixed_now > 0)
		return s->fixed_now;
	return s->sim_start + (ecsctl_clock_mono_s() - s->wall_start) * s->scale;
}

char *sim_arn(const struct sim_store *s, const char *fmt, ...)
{
	struct ecsctl_buf b = ECSCTL_BUF_INIT;
	va_list ap;

	ecsctl_buf_addf(&b, "arn:aws:ecs:%s:%s:", s->region, s->account);
	va_start(ap, fmt);
	ecsctl_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	if (ecsctl_buf_failed(&b)) {
		ecsctl_buf_release(&b);
		return NULL;
	}
	return ecsctl_buf_detach(&b);
}

char *sim_ref_arn(const struct sim_store *s, const char *kind, const json_t *cluster,
                  const char *ref)
{
	if (strncmp(ref, "arn:", 4) == 0)
		return strdup(ref);
	if (cluster)
		return sim_arn(s, "%s/%s/%s", kind, sim_str(cluster, "clusterName"), ref);
	return sim_arn(s, "%s/%s", kind, ref);
}

void sim_missing(const struct sim_store *s, json_t *failures, const char *kind,
                 const json_t *cluster, const char *ref)
{
	char *arn = sim_ref_arn(s, kind, cluster, ref);

	if (arn)
		json_array_append_new(failures,
		                      json_pack("{s:s,s:s}", "arn", arn, "reason", "MISSING"));
	free(arn);
}

json_t *sim_cluster_get(struct sim_store *s, const char *ref, struct ecsctl_error *err)
{
	json_t *c = json_object_get(s->clusters, ref ? sim_arn_tail(ref) : "default");
	const char *st = sim_str(c, "status");

	if (!c || !st || strcmp(st, "ACTIVE") != 0) {
		sim_fail(err, "ClusterNotFoundException", "Cluster not found.");
		return NULL;
	}
	return c;
}

json_t *sim_service_find(json_t *cluster, const char *ref)
{
	const char *cname = ecsctl_arn_resource(ref, "service");

	/* "service/<cluster>/<name>" names its cluster: another one has no such service */
	if (cname) {
		const char *slash = strchr(cname, '/');
		const char *want = sim_str(cluster, "clusterName");
		if (slash && (strlen(want) != (size_t)(slash - cname) ||
		              strncmp(cname, want, (size_t)(slash - cname)) != 0))
			return NULL;
	}
	return json_object_get(json_object_get(cluster, "_services"), sim_arn_tail(ref));
}

json_t *sim_taskdef_find(struct sim_store *s, const char *ref, int latest_active)
{
	const char *tail, *colon;
	char family[300];
	json_t *fam, *revs, *td;
	long long rev;

	if (!ref)
		return NULL;
	tail = ref;
	if (strncmp(ref, "arn:", 4) == 0 && !(tail = ecsctl_arn_resource(ref, "task-definition")))
		return NULL;
	colon = strchr(tail, ':');
	snprintf(family, sizeof(family), "%.*s", (int)(colon ? colon - tail : (long)strlen(tail)),
	         tail);
	fam = json_object_get(s->families, family);
	revs = json_object_get(fam, "revs");
	if (!fam)
		return NULL;
	if (colon) {
		char *end = NULL;
		rev = strtoll(colon + 1, &end, 10);
		if (!end || *end || rev < 1)
			return NULL;
		char key[32];
		snprintf(key, sizeof(key), "%lld", rev);
		return json_object_get(revs, key);
	}
	/* no revision: the latest ACTIVE one */
	for (rev = sim_int(fam, "last", 0); rev > 0; rev--) {
		char key[32];
		snprintf(key, sizeof(key), "%lld", rev);
		td = json_object_get(revs, key);
		if (td && strcmp(sim_str(td, "status"), "ACTIVE") == 0)
			return td;
	}
	(void)latest_active;
	return NULL;
}

static json_t *lookup_td(void *arg, const char *arn)
{
	return sim_taskdef_find(arg, arn, 0);
}

int sim_cluster_capacity_left(struct sim_store *s, json_t *cluster)
{
	json_t *services = json_object_get(cluster, "_services"), *svc, *t;
	const char *k, *id;
	int used = 0;

	if (s->ec2_capacity <= 0)
		return -1;
	json_object_foreach(services, k, svc) {
		json_object_foreach(json_object_get(svc, "_tasks"), id, t) {
			const char *lt = sim_str(t, "launchType");
			if (strcmp(sim_str(t, "desiredStatus"), "RUNNING") == 0 && lt &&
			    strcmp(lt, "EC2") == 0)
				used++;
		}
	}
	return used >= s->ec2_capacity ? 0 : s->ec2_capacity - used;
}

static void busy_key(char *key, size_t n, json_t *cluster, json_t *svc)
{
	snprintf(key, n, "%s/%s", sim_str(cluster, "clusterName"), sim_str(svc, "serviceName"));
}

void sim_store_mark_busy(struct sim_store *s, json_t *cluster, json_t *svc)
{
	char key[SIM_KEY_MAX];

	busy_key(key, sizeof(key), cluster, svc);
	json_object_set(s->busy, key, svc);
}

/* Drops stopped tasks past retention, and indexes live ones by id. */
static void sync_tasks(struct sim_store *s, json_t *cluster, json_t *svc, double now)
{
	json_t *tasks = json_object_get(svc, "_tasks"), *t;
	json_t *index = json_object_get(cluster, "_index");
	const char *id;
	void *tmp;

	json_object_foreach_safe(tasks, tmp, id, t) {
		json_t *stopped = json_object_get(t, "stoppedAt");
		if (stopped && now - json_number_value(stopped) > SIM_TASK_RETAIN_S) {
			json_object_del(index, id);
			json_object_del(tasks, id);
		} else if (!json_object_get(index, id)) {
			json_object_set(index, id, json_object_get(svc, "serviceName"));
		}
	}
}

struct sim_deploy_ctx sim_store_ctx(struct sim_store *s, json_t *cluster)
{
	struct sim_deploy_ctx ctx;

	ctx.now = sim_store_now(s);
	ctx.rng = &s->rng;
	ctx.cluster_arn = sim_str(cluster, "clusterArn");
	ctx.capacity_left = sim_cluster_capacity_left(s, cluster);
	ctx.cluster = cluster;
	ctx.taskdef = lookup_td;
	ctx.arg = s;
	ctx.alarms = s->alarms;
	ctx.hooks = s->hooks;
	return ctx;
}

void sim_store_advance(struct sim_store *s, json_t *cluster, json_t *svc)
{
	struct sim_deploy_ctx ctx;
	char key[SIM_KEY_MAX];
	int rc;

	busy_key(key, sizeof(key), cluster, svc);
	if (!json_object_get(s->busy, key))
		return;
	ctx = sim_store_ctx(s, cluster);
	rc = sim_deploy_advance(svc, &ctx);
	sync_tasks(s, cluster, svc, ctx.now);
	s->version++;
	json_object_set_new(svc, "_adv", json_integer(sim_int(svc, "_adv", 0) + 1));
	if (rc == 0)
		json_object_del(s->busy, key);
}

void sim_store_tick(struct sim_store *s)
{
	json_t *svc, *c;
	const char *k;
	void *tmp;
	double now = sim_store_now(s);

	json_object_foreach_safe(s->busy, tmp, k, svc) {
		const char *slash = strchr(k, '/');
		char cname[SIM_NAME_MAX + 1];

		snprintf(cname, sizeof(cname), "%.*s", (int)(slash - k), k);
		c = json_object_get(s->clusters, cname);
		if (!c) {
			json_object_del(s->busy, k);
			continue;
		}
		sim_store_advance(s, c, svc);
	}
	/* standalone tasks (RunTask) move on the clock too */
	json_object_foreach(s->clusters, k, c) {
		json_t *t, *standalone = json_object_get(c, "_standalone");
		const char *id;
		json_object_foreach_safe(standalone, tmp, id, t) {
			json_t *stopped = json_object_get(t, "stoppedAt");
			while (sim_task_advance(t, now))
				s->version++;
			if (stopped && now - json_number_value(stopped) > SIM_TASK_RETAIN_S) {
				json_object_del(json_object_get(c, "_index"), id);
				json_object_del(standalone, id);
			}
		}
	}
}

json_t *sim_store_dump(struct sim_store *s, unsigned long long journal_seq)
{
	json_t *busy = json_array();
	const char *k;
	json_t *v;

	/* which services have work on the clock: replay must tick the same ones */
	json_object_foreach(s->busy, k, v) {
		json_array_append_new(busy, json_string(k));
	}
	return json_pack("{s:i,s:O,s:O,s:f,s:I,s:I,s:o,s:O}", "formatVersion", 1, "clusters",
	                 s->clusters, "families", s->families, "now", sim_store_now(s), "rng",
	                 (json_int_t)(s->rng & 0x7fffffffffffffffULL), "journal",
	                 (json_int_t)journal_seq, "busy", busy, "alarms", s->alarms);
}

int sim_store_load(struct sim_store *s, json_t *doc, unsigned long long *journal_seq,
                   struct ecsctl_error *err)
{
	json_t *busy = json_object_get(doc, "busy"), *c, *svc, *key;
	const char *k, *n;
	double saved_now = json_number_value(json_object_get(doc, "now"));
	size_t i;
	int rc;

	if ((rc = sim_state_check(doc, err)))
		return rc;
	json_decref(s->clusters);
	json_decref(s->families);
	s->clusters = json_incref(json_object_get(doc, "clusters"));
	s->families = json_incref(json_object_get(doc, "families"));
	*journal_seq = (unsigned long long)sim_int(doc, "journal", 0);
	/* alarm states set at run time (POST /_alarm) outlive a restart */
	if (json_is_object(json_object_get(doc, "alarms")))
		json_object_update(s->alarms, json_object_get(doc, "alarms"));
	if (json_is_integer(json_object_get(doc, "rng")))
		s->rng ^= (uint64_t)json_integer_value(json_object_get(doc, "rng"));
	/* time never runs backwards across a restart */
	if (saved_now > s->sim_start)
		s->sim_start = saved_now;
	if (json_is_array(busy)) {
		json_array_foreach(busy, i, key) {
			const char *slash = strchr(json_string_value(key), '/');
			char cname[SIM_NAME_MAX + 1];
			snprintf(cname, sizeof(cname), "%.*s",
			         (int)(slash - json_string_value(key)), json_string_value(key));
			c = json_object_get(s->clusters, cname);
			svc = sim_service_find(c, slash + 1);
			if (svc)
				sim_store_mark_busy(s, c, svc);
		}
		return 0;
	}
	/* older state files: everything may have work left */
	json_object_foreach(s->clusters, k, c) {
		json_object_foreach(json_object_get(c, "_services"), n, svc) {
			sim_store_mark_busy(s, c, svc);
		}
	}
	return 0;
}
