/*
 * ecsctl status: per service, its deployments, task counts, rollout state
 * and recent events, from one DescribeServices round (batches of 10).
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "ecsctl/drift.h"
#include "ecsctl/ops.h"
#include "ecsctl/reconcile.h"
#include "ecsctl/timestamp.h"
#include "banned.h"

static json_t *when(const json_t *v)
{
	char buf[ECSCTL_TIMESTAMP_MAX];

	if (json_is_number(v) && !ecsctl_timestamp_format(buf, json_number_value(v)))
		return json_string(buf);
	return json_null();
}

static const char *str(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

/* The short form of a task definition ARN: "family:revision". */
static const char *td_short(const char *arn)
{
	const char *slash = strrchr(arn, '/');

	return slash ? slash + 1 : arn;
}

static json_t *one_service(const char *cluster, const json_t *s, long nevents)
{
	json_t *deps = json_array(), *events = json_array(), *d, *o;
	const char *rollout = NULL;
	size_t i;

	json_array_foreach(json_object_get(s, "deployments"), i, d) {
		if (!strcmp(str(d, "status"), "PRIMARY"))
			rollout = json_string_value(json_object_get(d, "rolloutState"));
		json_array_append_new(
		    deps,
		    json_pack(
		        "{s:s, s:s, s:s, s:I, s:I, s:I, s:o, s:o}", "id", str(d, "id"), "status",
		        str(d, "status"), "taskDefinition", td_short(str(d, "taskDefinition")),
		        "desiredCount", json_integer_value(json_object_get(d, "desiredCount")),
		        "runningCount", json_integer_value(json_object_get(d, "runningCount")),
		        "pendingCount", json_integer_value(json_object_get(d, "pendingCount")),
		        "rolloutState",
		        json_object_get(d, "rolloutState") ? json_string(str(d, "rolloutState"))
		                                           : json_null(),
		        "updatedAt", when(json_object_get(d, "updatedAt"))));
	}
	json_array_foreach(json_object_get(s, "events"), i, d) {
		if ((long)i >= nevents)
			break;
		json_array_append_new(events, json_pack("{s:o, s:s}", "createdAt",
		                                        when(json_object_get(d, "createdAt")),
		                                        "message", str(d, "message")));
	}
	o = json_pack(
	    "{s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:o, s:o, s:o}", "name", "", "cluster", cluster,
	    "status", str(s, "status"), "taskDefinition", td_short(str(s, "taskDefinition")),
	    "desiredCount", json_integer_value(json_object_get(s, "desiredCount")), "runningCount",
	    json_integer_value(json_object_get(s, "runningCount")), "pendingCount",
	    json_integer_value(json_object_get(s, "pendingCount")), "rolloutState",
	    rollout ? json_string(rollout) : json_null(), "deployments", deps, "events", events);
	if (o) {
		char *name = NULL;
		size_t n = strlen(cluster) + strlen(str(s, "serviceName")) + 2;
		const char *sched = json_string_value(json_object_get(s, "schedulingStrategy"));

		/* DAEMON: desiredCount is the number of instances it should run on */
		json_object_set_new(o, "schedulingStrategy",
		                    json_string(sched ? sched : "REPLICA"));

		name = malloc(n);
		if (name) {
			snprintf(name, n, "%s/%s", cluster, str(s, "serviceName"));
			json_object_set_new(o, "name", json_string(name));
		}
		free(name);
	}
	return o;
}

/* The service deployment in progress, as status shows it: where it is,
 * its traffic, hooks and alarms, and the line apply's progress shows. */
static json_t *rollout_of(const json_t *sd)
{
	struct ecsctl_buf text = ECSCTL_BUF_INIT;
	const char *arn = str(sd, "serviceDeploymentArn");
	const json_t *t = json_object_get(sd, "targetServiceRevision"), *h, *src;
	json_t *hooks = json_array(), *o;
	double old = 0;
	size_t i;

	json_array_foreach(json_object_get(sd, "lifecycleHookDetails"), i, h) {
		json_array_append_new(hooks, json_pack("{s:s,s:s,s:s}", "hookId", str(h, "hookId"),
		                                       "targetType", str(h, "targetType"), "status",
		                                       str(h, "status")));
	}
	json_array_foreach(json_object_get(sd, "sourceServiceRevisions"), i, src) {
		old += json_number_value(json_object_get(src, "requestedProductionTrafficWeight"));
	}
	ecsctl_reconcile_sd_text(&text, sd);
	o = json_pack(
	    "{s:s,s:s,s:s,s:s,s:s?,s:o,s:O?,s:s}", "arn", arn, "id", ecsctl_reconcile_sd_id(sd),
	    "status", str(sd, "status"), "strategy",
	    ecsctl_reconcile_rollout_strategy(json_object_get(sd, "deploymentConfiguration")),
	    "lifecycleStage", json_string_value(json_object_get(sd, "lifecycleStage")), "hooks",
	    hooks, "alarms", json_object_get(sd, "alarms"), "summary",
	    ecsctl_buf_failed(&text) ? "" : text.buf);
	if (o && json_is_number(json_object_get(t, "requestedProductionTrafficWeight")))
		json_object_set_new(
		    o, "productionTraffic",
		    json_pack("{s:O,s:f}", "new",
		              json_object_get(t, "requestedProductionTrafficWeight"), "old", old));
	ecsctl_buf_release(&text);
	return o;
}

static void print_text(const json_t *doc)
{
	const json_t *s, *d;
	size_t i, j;

	json_array_foreach(json_object_get(doc, "services"), i, s) {
		const json_t *rs = json_object_get(s, "rolloutState");
		int daemon = !strcmp(str(s, "schedulingStrategy"), "DAEMON");

		printf("%s%s  %s  %srunning %lld/%lld%s, pending %lld, rollout %s\n", i ? "\n" : "",
		       str(s, "name"), str(s, "status"), daemon ? "DAEMON  " : "",
		       (long long)json_integer_value(json_object_get(s, "runningCount")),
		       (long long)json_integer_value(json_object_get(s, "desiredCount")),
		       daemon ? " instances" : "",
		       (long long)json_integer_value(json_object_get(s, "pendingCount")),
		       json_is_string(rs) ? json_string_value(rs) : "-");
		if (!strcmp(str(s, "status"), "MISSING"))
			continue;
		if (json_object_get(s, "serviceDeployment"))
			printf("  rollout: %s (service deployment %s)\n",
			       str(json_object_get(s, "serviceDeployment"), "summary"),
			       str(json_object_get(s, "serviceDeployment"), "id"));
		printf("  deployments:\n");
		json_array_foreach(json_object_get(s, "deployments"), j, d)
			printf("    %-8s %-24s %lld/%lld running, %lld pending  %-11s %s\n",
			       str(d, "status"), str(d, "taskDefinition"),
			       (long long)json_integer_value(json_object_get(d, "runningCount")),
			       (long long)json_integer_value(json_object_get(d, "desiredCount")),
			       (long long)json_integer_value(json_object_get(d, "pendingCount")),
			       json_is_string(json_object_get(d, "rolloutState"))
			           ? str(d, "rolloutState")
			           : "-",
			       json_is_string(json_object_get(d, "updatedAt")) ? str(d, "updatedAt")
			                                                       : "");
		if (json_array_size(json_object_get(s, "events")))
			printf("  events:\n");
		json_array_foreach(json_object_get(s, "events"), j, d)
			printf("    %s  %s\n",
			       json_is_string(json_object_get(d, "createdAt")) ? str(d, "createdAt")
			                                                       : "-",
			       str(d, "message"));
	}
}

/* Services to show, grouped by cluster: {"cluster": ["name", ...]}. */
static json_t *wanted(const struct ecsctl_model *m)
{
	json_t *by = json_object();
	size_t i;

	for (i = 0; by && i < m->count; i++) {
		const struct ecsctl_resource *r = &m->resources[i];
		json_t *list;

		if (r->kind != ECSCTL_KIND_SERVICE)
			continue;
		list = json_object_get(by, r->cluster);
		if (!list) {
			list = json_array();
			json_object_set_new(by, r->cluster, list);
		}
		json_array_append(list, json_object_get(r->body, "serviceName"));
	}
	return by;
}

static int gather(json_t *out, struct ecsctl_ecs *c, const char *cluster, json_t *names,
                  long nevents, struct ecsctl_error *err)
{
	const char **v = calloc(json_array_size(names) + 1, sizeof(*v));
	json_t *svcs = NULL, *fail = NULL, *s, *found = json_object();
	size_t i;
	int rc = 0;

	if (!v || !found) {
		rc = ecsctl_error_nomem(err);
		goto done;
	}
	for (i = 0; i < json_array_size(names); i++)
		v[i] = json_string_value(json_array_get(names, i));
	if (json_array_size(names) &&
	    (rc = ecsctl_ecs_describe_services(&svcs, &fail, c, cluster, v, json_array_size(names),
	                                       err)) < 0) {
		/* a desired cluster not created yet: its services are all missing */
		if (!err->aws_code || strcmp(err->aws_code, "ClusterNotFoundException"))
			goto done;
		ecsctl_error_release(err);
		rc = 0;
	}
	json_array_foreach(svcs, i, s) {
		json_t *one = one_service(cluster, s, nevents), *sd = NULL;

		json_object_set_new(found, str(s, "serviceName"), json_true());
		/* a rollout in progress: its stage, traffic, hooks and alarms */
		if ((rc = ecsctl_ops_rollout_current(&sd, c, cluster, str(s, "serviceName"), err)))
			goto done;
		if (sd && one)
			json_object_set_new(one, "serviceDeployment", rollout_of(sd));
		json_decref(sd);
		json_array_append_new(out, one);
	}
	/* desired services ECS does not know: say so rather than skip them */
	for (i = 0; i < json_array_size(names); i++) {
		const char *n = v[i];
		const char *slash = strrchr(n, '/');

		if (!json_object_get(found, slash ? slash + 1 : n))
			json_array_append_new(
			    out, json_pack("{s:s++, s:s, s:s, s:[], s:[]}", "name", cluster, "/",
			                   slash ? slash + 1 : n, "cluster", cluster, "status",
			                   "MISSING", "deployments", "events"));
	}
done:
	free(v);
	json_decref(svcs);
	json_decref(fail);
	json_decref(found);
	return rc;
}

int cmd_status(int argc, char **argv, struct cli_ctx *ctx)
{
	char *cluster = NULL;
	long nevents = 5;
	bool help;
	const struct cli_flag flags[] = {
	    {"cluster", 0, FLAG_STRING, &cluster, "C", "every service of cluster C, git or not"},
	    {"events", 0, FLAG_INT, &nevents, "N", "recent events per service (default 5)"},
	    {NULL, 0, 0, NULL, NULL, NULL},
	};
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	struct ecsctl_ecs *c;
	json_t *by = NULL, *list = json_array(), *names;
	const char *cname;
	int npos, rc;

	rc = cli_parse(argc, argv, cli_find_command("status"), flags, ctx, &npos, &help);
	if (rc >= 0)
		goto done;
	if (npos || nevents < 0) {
		cli_error(npos ? "'ecsctl status' takes no arguments" : "--events must be >= 0");
		rc = EXIT_USAGE;
		goto done;
	}
	/* --cluster names the services itself: no desired state to read */
	if ((rc = cli_setup(ctx, cluster ? CLI_NEEDS_MODEL : 0)) != EXIT_OK)
		goto done;
	c = ctx->ecs;
	if (cluster) {
		by = json_object();
		names = NULL;
		if (ecsctl_ecs_list_services(&names, c, cluster, &err) < 0) {
			cli_print_error("could not list services", &err);
			rc = EXIT_ERROR;
			goto done;
		}
		json_object_set_new(by, cluster, names);
	} else {
		by = wanted(&ctx->model);
	}
	rc = EXIT_OK;
	json_object_foreach(by, cname, names) {
		if (gather(list, c, cname, names, nevents, &err) < 0) {
			cli_print_error("could not describe services", &err);
			rc = EXIT_ERROR;
			goto done;
		}
	}
	rc = cli_print_list(ctx, "services", list, print_text);
done:
	json_decref(list);
	json_decref(by);
	ecsctl_error_release(&err);
	free(cluster);
	return rc;
}
