/*
 * Service deployments and service revisions: ECS's record of every rollout
 * (ListServiceDeployments, DescribeServiceDeployments, DescribeServiceRevisions).
 *
 * A service keeps them in `_sdeps` (id -> ServiceDeployment, oldest first)
 * and `_revs` (id -> ServiceRevision). Each `deployments[]` entry names its
 * service deployment (`_sd`) and revision (`_rev`); a service deployment
 * names its target and sources as {rev, dep} pairs, so task counts are read
 * from the tasks when it is rendered. The stage machine is stages.c's.
 *
 * Pure like deploy.c: the service and the time come in.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ecsctl/buf.h"
#include "sim_int.h"
#include "banned.h"

/* ECS keeps 90 days of history; a count bounds memory here. */
#define SDEPS_MAX 50

static const char *const active_status[] = {
    "PENDING", "IN_PROGRESS", "STOP_REQUESTED", "ROLLBACK_REQUESTED", "ROLLBACK_IN_PROGRESS", NULL};

int sim_sdep_is_active(const json_t *sd)
{
	const char *st = sim_str(sd, "status");

	for (size_t i = 0; st && active_status[i]; i++) {
		if (strcmp(st, active_status[i]) == 0)
			return 1;
	}
	return 0;
}

json_t *sim_sdep_of(json_t *svc, const json_t *dep)
{
	const char *id = sim_str(dep, "_sd");

	return id ? json_object_get(json_object_get(svc, "_sdeps"), id) : NULL;
}

json_t *sim_sdep_active(json_t *svc)
{
	const char *id = sim_str(svc, "_sdCur");
	json_t *sd = id ? json_object_get(json_object_get(svc, "_sdeps"), id) : NULL;

	return sim_sdep_is_active(sd) ? sd : NULL;
}

/* "arn:...:service/c/s" -> "arn:...:<kind>/c/s/<id>" */
static json_t *child_arn(const json_t *svc, const char *kind, const char *id)
{
	const char *arn = sim_str(svc, "serviceArn");
	const char *at = arn ? strstr(arn, ":service/") : NULL;
	struct ecsctl_buf b = ECSCTL_BUF_INIT;
	json_t *out;

	if (!at)
		return json_string("");
	ecsctl_buf_addf(&b, "%.*s:%s/%s/%s", (int)(at - arn), arn, kind, at + strlen(":service/"),
	                id);
	out = json_string(ecsctl_buf_failed(&b) ? "" : b.buf);
	ecsctl_buf_release(&b);
	return out;
}

static void random_id(uint64_t *rng, char *out, size_t len, const char *alphabet)
{
	size_t n = strlen(alphabet);

	for (size_t i = 0; i + 1 < len; i++)
		out[i] = alphabet[ecsctl_rand_next(rng) % n];
	out[len - 1] = '\0';
}

/* The service revision of deployment `dep`: what the service runs. */
static json_t *revision_new(json_t *svc, json_t *dep, struct sim_deploy_ctx *ctx)
{
	json_t *td = ctx->taskdef ? ctx->taskdef(ctx->arg, sim_str(dep, "taskDefinition")) : NULL;
	json_t *images = json_array(), *c, *rev;
	char id[20];
	size_t i;

	/* numeric, 19 digits, like ECS's */
	random_id(ctx->rng, id, sizeof(id), "0123456789");
	id[0] = (char)('1' + ecsctl_rand_next(ctx->rng) % 9);
	json_array_foreach(json_object_get(td, "containerDefinitions"), i, c) {
		json_array_append_new(images, json_pack("{s:O?,s:O?}", "containerName",
		                                        json_object_get(c, "name"), "image",
		                                        json_object_get(c, "image")));
	}
	rev = json_pack("{s:o,s:O?,s:O?,s:O,s:o,s:o,s:b}", "serviceRevisionArn",
	                child_arn(svc, "service-revision", id), "serviceArn",
	                json_object_get(svc, "serviceArn"), "clusterArn",
	                json_object_get(svc, "clusterArn"), "taskDefinition",
	                json_object_get(dep, "taskDefinition"), "containerImages", images,
	                "createdAt", sim_time(ctx->now), "guardDutyEnabled", 0);
	if (!rev)
		return NULL;
	for (const char *const *k =
	         (const char *const[]){"capacityProviderStrategy", "launchType", "platformVersion",
	                               "platformFamily", "networkConfiguration", NULL};
	     *k; k++) {
		if (json_object_get(dep, *k))
			json_object_set(rev, *k, json_object_get(dep, *k));
	}
	for (const char *const *k = (const char *const[]){"loadBalancers", "serviceRegistries",
	                                                  "serviceConnectConfiguration", NULL};
	     *k; k++) {
		if (json_object_get(svc, *k))
			json_object_set_new(rev, *k, json_deep_copy(json_object_get(svc, *k)));
	}
	json_object_set_new(rev, "_id", json_string(id));
	if (!json_object_get(svc, "_revs"))
		json_object_set_new(svc, "_revs", json_object());
	json_object_set_new(json_object_get(svc, "_revs"), id, rev);
	return rev;
}

static json_t *monitor(const char *status)
{
	return json_pack("{s:s}", "status", status);
}

/* Drops the oldest finished service deployments past SDEPS_MAX, then the
 * revisions nothing refers to any more. */
static void prune(json_t *svc)
{
	json_t *sdeps = json_object_get(svc, "_sdeps"), *revs = json_object_get(svc, "_revs");
	json_t *used = json_object(), *sd, *d, *src;
	const char *k;
	void *tmp;
	size_t i, n = json_object_size(sdeps);

	json_object_foreach_safe(sdeps, tmp, k, sd) {
		if (n <= SDEPS_MAX)
			break;
		if (!sim_sdep_is_active(sd)) {
			json_object_del(sdeps, k);
			n--;
		}
	}
	json_object_foreach(sdeps, k, sd) {
		json_object_set_new(used, sim_str(json_object_get(sd, "_target"), "rev"),
		                    json_true());
		json_array_foreach(json_object_get(sd, "_sources"), i, src) {
			json_object_set_new(used, sim_str(src, "rev"), json_true());
		}
	}
	json_array_foreach(json_object_get(svc, "deployments"), i, d) {
		if (sim_str(d, "_rev"))
			json_object_set_new(used, sim_str(d, "_rev"), json_true());
	}
	json_object_foreach_safe(revs, tmp, k, sd) {
		if (!json_object_get(used, k))
			json_object_del(revs, k);
	}
	json_decref(used);
}

static const char *strategy_of(const json_t *dc)
{
	const char *s = sim_str(dc, "strategy");

	return s ? s : "ROLLING";
}

int sim_sdep_begin(json_t *svc, struct sim_deploy_ctx *ctx)
{
	json_t *deps = json_object_get(svc, "deployments"), *p = json_array_get(deps, 0);
	json_t *dc = json_object_get(svc, "deploymentConfiguration");
	json_t *alarms = json_object_get(dc, "alarms"), *sources = json_array(), *d, *sd, *old;
	json_t *cb = json_object_get(dc, "deploymentCircuitBreaker"), *rev;
	char id[21];
	size_t i;

	if (!p || !sources)
		return -1;
	if ((old = sim_sdep_active(svc))) {
		char why[160];
		snprintf(why, sizeof(why),
		         "Service deployment stopped: a newer deployment (%s) "
		         "superseded it.",
		         sim_str(p, "id"));
		json_object_set_new(old, "status", json_string("STOPPED"));
		json_object_set_new(old, "statusReason", json_string(why));
		json_object_set_new(old, "stoppedAt", sim_time(ctx->now));
		json_object_set_new(old, "updatedAt", sim_time(ctx->now));
	}
	/* oldest first: the one that served production before (a rollback goes there) */
	for (i = json_array_size(deps); i-- > 1;) {
		d = json_array_get(deps, i);
		if (sim_str(d, "_rev"))
			json_array_append_new(sources, json_pack("{s:O,s:O}", "rev",
			                                         json_object_get(d, "_rev"), "dep",
			                                         json_object_get(d, "id")));
	}
	if (!(rev = revision_new(svc, p, ctx))) {
		json_decref(sources);
		return -1;
	}
	random_id(ctx->rng, id, sizeof(id),
	          "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_");
	sd = json_pack("{s:o,s:O?,s:O?,s:o,s:o,s:o,s:s,s:[],s:O?,s:{s:s,s:I,s:I},s:o}",
	               "serviceDeploymentArn", child_arn(svc, "service-deployment", id),
	               "serviceArn", json_object_get(svc, "serviceArn"), "clusterArn",
	               json_object_get(svc, "clusterArn"), "createdAt", sim_time(ctx->now),
	               "startedAt", sim_time(ctx->now), "updatedAt", sim_time(ctx->now), "status",
	               "IN_PROGRESS", "lifecycleHookDetails", "deploymentConfiguration", dc,
	               "deploymentCircuitBreaker", "status",
	               sim_bool(cb, "enable", 0) ? "MONITORING" : "DISABLED", "failureCount",
	               (json_int_t)0, "threshold", (json_int_t)0, "alarms",
	               monitor(sim_bool(alarms, "enable", 0) ? "MONITORING" : "DISABLED"));
	if (!sd) {
		json_decref(sources);
		return -1;
	}
	/* what this rollout runs by, whatever later updates change */
	if (dc)
		json_object_set_new(sd, "deploymentConfiguration", json_deep_copy(dc));
	json_object_set_new(sd, "_id", json_string(id));
	{
		int desired = (int)sim_int(svc, "desiredCount", 0);
		int threshold = (int)ceil(desired * 0.5);
		threshold = threshold < 3 ? 3 : threshold > 200 ? 200 : threshold;
		json_object_set_new(json_object_get(sd, "deploymentCircuitBreaker"), "threshold",
		                    json_integer(threshold));
	}
	if (json_object_get(alarms, "alarmNames"))
		json_object_set_new(json_object_get(sd, "alarms"), "alarmNames",
		                    json_deep_copy(json_object_get(alarms, "alarmNames")));
	json_object_set_new(sd, "_strategy", json_string(strategy_of(dc)));
	json_object_set_new(sd, "_target",
	                    json_pack("{s:O,s:O}", "rev", json_object_get(rev, "_id"), "dep",
	                              json_object_get(p, "id")));
	json_object_set_new(sd, "_sources", sources);
	json_object_set_new(sd, "_prod", json_real(0));
	json_object_set_new(sd, "_test", json_real(0));
	json_object_set_new(sd, "_at", sim_time(ctx->now));
	json_object_set_new(sd, "lifecycleStage",
	                    json_string(strcmp(strategy_of(dc), "ROLLING") == 0 ? "SCALE_UP"
	                                : json_array_size(sources) > 1 ? "RECONCILE_SERVICE"
	                                                               : "PRE_SCALE_UP"));
	json_object_set_new(sd, "_ph", json_integer(0));
	if (!json_object_get(svc, "_sdeps"))
		json_object_set_new(svc, "_sdeps", json_object());
	json_object_set_new(json_object_get(svc, "_sdeps"), id, sd);
	json_object_set_new(p, "_sd", json_string(id));
	json_object_set(p, "_rev", json_object_get(rev, "_id"));
	json_object_set_new(svc, "_sdCur", json_string(id));
	json_object_set(svc, "currentServiceDeployment",
	                json_object_get(sd, "serviceDeploymentArn"));
	prune(svc);
	sim_sdep_counts(svc);
	return 0;
}

/* A deployments[] entry by id, and its place. */
static json_t *dep_by_id(json_t *svc, const char *id, size_t *at)
{
	json_t *d;
	size_t i;

	json_array_foreach(json_object_get(svc, "deployments"), i, d) {
		if (id && strcmp(sim_str(d, "id"), id) == 0) {
			if (at)
				*at = i;
			return d;
		}
	}
	return NULL;
}

static void count_dep(json_t *svc, const char *dep_id, int *running, int *pending)
{
	const char *k;
	json_t *t;

	*running = *pending = 0;
	json_object_foreach(json_object_get(svc, "_tasks"), k, t) {
		const char *by = sim_str(t, "startedBy"), *l = sim_str(t, "lastStatus");
		if (!dep_id || !by || strcmp(by, dep_id) != 0 ||
		    strcmp(sim_str(t, "desiredStatus"), "RUNNING") != 0)
			continue;
		if (l && strcmp(l, "RUNNING") == 0)
			(*running)++;
		else
			(*pending)++;
	}
}

void sim_sdep_counts(json_t *svc)
{
	json_t *list = json_array(), *d, *revs = json_object_get(svc, "_revs");
	size_t i;

	json_array_foreach(json_object_get(svc, "deployments"), i, d) {
		json_t *rev = json_object_get(revs, sim_str(d, "_rev") ? sim_str(d, "_rev") : "");
		if (!rev)
			continue;
		json_array_append_new(
		    list, json_pack("{s:O,s:I,s:I,s:I}", "arn",
		                    json_object_get(rev, "serviceRevisionArn"),
		                    "requestedTaskCount", (json_int_t)sim_int(d, "desiredCount", 0),
		                    "runningTaskCount", (json_int_t)sim_int(d, "runningCount", 0),
		                    "pendingTaskCount", (json_int_t)sim_int(d, "pendingCount", 0)));
	}
	if (!json_equal(list, json_object_get(svc, "currentServiceRevisions")))
		json_object_set(svc, "currentServiceRevisions", list);
	json_decref(list);
}

/* {arn, counts, weights} of one revision of a service deployment. */
static json_t *summary(json_t *svc, json_t *sd, const json_t *pair, double prod, double test,
                       int target)
{
	json_t *rev = json_object_get(json_object_get(svc, "_revs"), sim_str(pair, "rev"));
	json_t *dep = dep_by_id(svc, sim_str(pair, "dep"), NULL);
	int running, pending, requested;
	json_t *out;

	count_dep(svc, sim_str(pair, "dep"), &running, &pending);
	requested = dep ? (int)sim_int(dep, "desiredCount", 0) : 0;
	if (target && dep && json_array_get(json_object_get(svc, "deployments"), 0) == dep)
		requested = (int)sim_int(svc, "desiredCount", 0);
	out = json_pack("{s:O?,s:i,s:i,s:i}", "arn", json_object_get(rev, "serviceRevisionArn"),
	                "requestedTaskCount", requested, "runningTaskCount", running,
	                "pendingTaskCount", pending);
	/* traffic is shifted by the blue/green family only */
	if (out && strcmp(sim_str(sd, "_strategy"), "ROLLING") != 0) {
		json_object_set_new(out, "requestedProductionTrafficWeight", json_real(prod));
		json_object_set_new(out, "requestedTestTrafficWeight", json_real(test));
	}
	return out;
}

json_t *sim_sdep_render(json_t *svc, json_t *sd)
{
	json_t *out = sim_public(sd), *hooks = json_array(), *srcs = json_array(), *h, *src;
	double prod = json_number_value(json_object_get(sd, "_prod"));
	double test = json_number_value(json_object_get(sd, "_test"));
	size_t i;

	if (!out || !hooks || !srcs) {
		json_decref(out);
		json_decref(hooks);
		json_decref(srcs);
		return NULL;
	}
	json_array_foreach(json_object_get(sd, "lifecycleHookDetails"), i, h) {
		json_array_append_new(hooks, sim_public(h));
	}
	json_object_set_new(out, "lifecycleHookDetails", hooks);
	/* the source traffic not shifted stays with the first (the former primary) */
	json_array_foreach(json_object_get(sd, "_sources"), i, src) {
		json_array_append_new(srcs, summary(svc, sd, src, i == 0 ? 100.0 - prod : 0.0,
		                                    i == 0 ? 100.0 - test : 0.0, 0));
	}
	json_object_set_new(out, "sourceServiceRevisions", srcs);
	json_object_set_new(out, "targetServiceRevision",
	                    summary(svc, sd, json_object_get(sd, "_target"), prod, test, 1));
	return out;
}

static void finish(json_t *sd, const char *status, const char *why, double now)
{
	json_t *cb = json_object_get(sd, "deploymentCircuitBreaker");
	json_t *al = json_object_get(sd, "alarms");

	json_object_set_new(sd, "status", json_string(status));
	if (why)
		json_object_set_new(sd, "statusReason", json_string(why));
	json_object_set_new(sd, "updatedAt", sim_time(now));
	json_object_set_new(sd, strcmp(status, "STOPPED") == 0 ? "stoppedAt" : "finishedAt",
	                    sim_time(now));
	if (strcmp(sim_str(cb, "status"), "MONITORING") == 0)
		json_object_set_new(cb, "status", json_string("MONITORING_COMPLETE"));
	if (strcmp(sim_str(al, "status"), "MONITORING") == 0)
		json_object_set_new(al, "status", json_string("MONITORING_COMPLETE"));
}

void sim_sdep_deleted(json_t *svc, double now)
{
	json_t *sd = sim_sdep_active(svc);

	if (sd)
		finish(sd, "STOPPED", "Service deployment stopped: the service was deleted.", now);
}

void sim_sdep_completed(json_t *svc, json_t *p, struct sim_deploy_ctx *ctx)
{
	json_t *sd = sim_sdep_of(svc, p);

	if (!sd)
		return;
	if (strcmp(sim_str(sd, "status"), "ROLLBACK_IN_PROGRESS") == 0 &&
	    sim_bool(p, "_rollback", 0)) {
		finish(sd, "ROLLBACK_SUCCESSFUL", NULL, ctx->now);
		return;
	}
	if (strcmp(sim_str(sd, "status"), "IN_PROGRESS") != 0)
		return;
	json_object_set_new(sd, "_prod", json_real(100));
	json_object_set_new(sd, "_test", json_real(100));
	finish(sd, "SUCCESSFUL", "Service deployment completed successfully.", ctx->now);
}

/* Blue/green family: the source is still running, so it becomes the
 * PRIMARY again and the target (green) is scaled in. 0 when done. */
static int swap_back(json_t *svc, json_t *sd, const char *why, struct sim_deploy_ctx *ctx)
{
	json_t *deps = json_object_get(svc, "deployments"),
	       *src = json_array_get(json_object_get(sd, "_sources"), 0);
	json_t *blue, *green = json_array_get(deps, 0);
	size_t at;

	blue = dep_by_id(svc, sim_str(src, "dep"), &at);
	if (!blue || at == 0)
		return -1;
	json_incref(blue);
	json_array_remove(deps, at);
	json_array_insert_new(deps, 0, blue);
	json_object_set_new(blue, "status", json_string("PRIMARY"));
	json_object_set_new(blue, "rolloutState", json_string("IN_PROGRESS"));
	json_object_set_new(blue, "rolloutStateReason", json_string(why));
	json_object_set_new(blue, "updatedAt", sim_time(ctx->now));
	json_object_set_new(blue, "_rollback", json_true());
	json_object_set(blue, "_sd", json_object_get(sd, "_id"));
	json_object_set_new(green, "status", json_string("ACTIVE"));
	json_object_set_new(green, "rolloutState", json_string("FAILED"));
	json_object_set_new(green, "rolloutStateReason", json_string(why));
	json_object_set_new(green, "updatedAt", sim_time(ctx->now));
	json_object_set(svc, "taskDefinition", json_object_get(blue, "taskDefinition"));
	json_object_set_new(svc, "_steady", json_false());
	return 0;
}

/* The newest revision of `td_arn` among the service's. */
static json_t *rev_for_td(json_t *svc, const char *td_arn)
{
	json_t *rev, *found = NULL;
	const char *k;

	json_object_foreach(json_object_get(svc, "_revs"), k, rev) {
		if (td_arn && strcmp(sim_str(rev, "taskDefinition"), td_arn) == 0)
			found = rev;
	}
	return found;
}

void sim_sdep_fail(json_t *svc, json_t *sd, const char *cause, const char *why_text, int rollback,
                   struct sim_deploy_ctx *ctx)
{
	json_t *p = json_array_get(json_object_get(svc, "deployments"), 0);
	json_t *src = json_array_get(json_object_get(sd, "_sources"), 0);
	json_t *rev = json_object_get(json_object_get(svc, "_revs"), sim_str(src, "rev"));
	struct ecsctl_buf why = ECSCTL_BUF_INIT;
	json_t *d;

	if (!sd || !sim_sdep_is_active(sd))
		return;
	ecsctl_buf_adds(&why, why_text);
	if (ecsctl_buf_failed(&why))
		return;
	/* the target stops launching, whatever comes next */
	if (p && sim_sdep_of(svc, p) == sd) {
		json_object_set_new(p, "rolloutState", json_string("FAILED"));
		json_object_set_new(p, "rolloutStateReason", json_string(why.buf));
		json_object_set_new(p, "updatedAt", sim_time(ctx->now));
	}
	json_object_set_new(sd, "_prod", json_real(0));
	json_object_set_new(sd, "_test", json_real(0));
	if (!rollback) {
		finish(sd, "STOPPED", why.buf, ctx->now);
		goto done;
	}
	json_object_set_new(sd, "status", json_string("ROLLBACK_IN_PROGRESS"));
	json_object_set_new(sd, "statusReason", json_string(why.buf));
	json_object_set_new(sd, "updatedAt", sim_time(ctx->now));
	if (strcmp(sim_str(sd, "_strategy"), "ROLLING") != 0 && rev &&
	    swap_back(svc, sd, why.buf, ctx) == 0) {
		json_object_set_new(sd, "lifecycleStage", json_string("CLEAN_UP"));
		goto rolled;
	}
	/* rolling (or the blue tasks are gone): a new PRIMARY of the last
	 * deployment that completed, as the circuit breaker does */
	if (!(d = sim_deploy_rollback(svc, cause, ctx))) {
		finish(sd, "ROLLBACK_FAILED",
		       "Service deployment could not roll back: no earlier deployment completed.",
		       ctx->now);
		goto done;
	}
	rev = rev_for_td(svc, sim_str(d, "taskDefinition"));
	json_object_set_new(d, "_rollback", json_true());
	json_object_set(d, "_sd", json_object_get(sd, "_id"));
	if (rev)
		json_object_set(d, "_rev", json_object_get(rev, "_id"));
rolled:
	json_object_set_new(sd, "rollback",
	                    json_pack("{s:s,s:o,s:O?}", "reason", why.buf, "startedAt",
	                              sim_time(ctx->now), "serviceRevisionArn",
	                              json_object_get(rev, "serviceRevisionArn")));
done:
	ecsctl_buf_release(&why);
}

void sim_sdep_breaker(json_t *svc, int failures, int threshold, int rollback,
                      struct sim_deploy_ctx *ctx)
{
	json_t *p = json_array_get(json_object_get(svc, "deployments"), 0);
	json_t *sd = sim_sdep_of(svc, p), *cb = json_object_get(sd, "deploymentCircuitBreaker");

	if (!sd)
		return;
	json_object_set_new(cb, "status", json_string("TRIGGERED"));
	json_object_set_new(cb, "failureCount", json_integer(failures));
	json_object_set_new(cb, "threshold", json_integer(threshold));
	sim_sdep_fail(svc, sd, "ECS deployment circuit breaker",
	              "ECS deployment circuit breaker: tasks failed to start.", rollback, ctx);
}
