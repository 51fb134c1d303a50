/* Services: CreateService, UpdateService, DescribeServices, ListServices,
 * DeleteService. The life cycle itself is deploy.c's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecsctl/buf.h"
#include "sim_ec2.h"
#include "banned.h"

/* A service in a form for answers (public members, tags when asked). */
static json_t *sim_service_render(const json_t *svc, int with_tags)
{
	json_t *out = sim_public(svc);

	if (out && with_tags)
		json_object_set_new(out, "tags", sim_tags_list(svc));
	return out;
}

static json_t *td_for_use(struct sim_store *s, const char *ref, struct ecsctl_error *err)
{
	json_t *td = sim_taskdef_find(s, ref, 1);

	if (!td) {
		sim_fail(err, "ClientException", "TaskDefinition not found.");
		return NULL;
	}
	if (strcmp(sim_str(td, "status"), "ACTIVE") != 0) {
		sim_fail(err, "ClientException", "TaskDefinition is inactive");
		return NULL;
	}
	return td;
}

static int td_supports(const json_t *td, const char *launch)
{
	json_t *v;
	size_t i;

	json_array_foreach(json_object_get(td, "compatibilities"), i, v) {
		if (strcmp(json_string_value(v), launch) == 0)
			return 1;
	}
	return 0;
}

/* Checks that the network configuration fits the task definition. */
static int check_network(const json_t *td, const json_t *net, struct ecsctl_error *err)
{
	const char *mode = sim_str(td, "networkMode");
	json_t *aws = json_object_get(net, "awsvpcConfiguration");

	if (!mode)
		return sim_fail(err, "ClientException", "TaskDefinition not found.");

	if (strcmp(mode, "awsvpc") == 0 && !aws)
		return sim_fail(err, "InvalidParameterException",
		                "Network Configuration must be provided when networkMode 'awsvpc' "
		                "is specified.");
	if (strcmp(mode, "awsvpc") != 0 && aws)
		return sim_fail(err, "InvalidParameterException",
		                "Network Configuration is not valid for the given networkMode of "
		                "this task definition.");
	if (aws && json_array_size(json_object_get(aws, "subnets")) == 0)
		return sim_fail(err, "InvalidParameterException", "subnets can not be empty.");
	if (aws && json_array_size(json_object_get(aws, "subnets")) > 16)
		return sim_fail(err, "InvalidParameterException",
		                "subnets can have at most 16 items.");
	if (aws && json_array_size(json_object_get(aws, "securityGroups")) > 5)
		return sim_fail(err, "InvalidParameterException",
		                "securityGroups can have at most 5 items.");
	return 0;
}

/* ECS fills in assignPublicIp DISABLED; done on the request itself so a
 * repeated update with the same intent compares equal. */
static void network_defaults(json_t *req)
{
	json_t *aws = json_object_get(json_object_get(req, "networkConfiguration"),
	                              "awsvpcConfiguration");

	if (aws && !json_object_get(aws, "assignPublicIp"))
		json_object_set_new(aws, "assignPublicIp", json_string("DISABLED"));
}

static int check_deploy_conf(const json_t *dc, struct ecsctl_error *err)
{
	long long max = sim_int(dc, "maximumPercent", 200);
	long long min = sim_int(dc, "minimumHealthyPercent", 100);

	if (min < 0 || min > 100 || max < 100 || max > 200 || (min == 100 && max == 100))
		return sim_fail(err, "InvalidParameterException",
		                "Invalid deploymentConfiguration: minimumHealthyPercent must be "
		                "0..100 and maximumPercent 100..200, not both 100.");
	return 0;
}

static void deploy_conf_merge(json_t *svc, const json_t *given)
{
	json_t *dc = json_object_get(svc, "deploymentConfiguration");
	json_t *cb = json_object_get(given, "deploymentCircuitBreaker");

	if (!dc) {
		dc = json_pack("{s:{s:b,s:b},s:i,s:i}", "deploymentCircuitBreaker", "enable", 0,
		               "rollback", 0, "maximumPercent", 200, "minimumHealthyPercent", 100);
		json_object_set_new(svc, "deploymentConfiguration", dc);
	}
	if (json_object_get(given, "maximumPercent"))
		json_object_set(dc, "maximumPercent", json_object_get(given, "maximumPercent"));
	if (json_object_get(given, "minimumHealthyPercent"))
		json_object_set(dc, "minimumHealthyPercent",
		                json_object_get(given, "minimumHealthyPercent"));
	if (cb)
		json_object_set_new(dc, "deploymentCircuitBreaker",
		                    json_pack("{s:b,s:b}", "enable", sim_bool(cb, "enable", 0),
		                              "rollback", sim_bool(cb, "rollback", 0)));
	for (const char *const *k =
	         (const char *const[]){"alarms", "strategy", "bakeTimeInMinutes", "lifecycleHooks",
	                               "linearConfiguration", "canaryConfiguration", NULL};
	     *k; k++) {
		if (json_object_get(given, *k))
			json_object_set_new(dc, *k, json_deep_copy(json_object_get(given, *k)));
	}
}

static int create_checks(struct sim_store *s, json_t *req, json_t *cluster, json_t **td_out,
                         struct ecsctl_error *err)
{
	const char *name = sim_str(req, "serviceName");
	const char *launch = sim_str(req, "launchType");
	json_t *ctl = json_object_get(req, "deploymentController"), *td;
	const char *sched = sim_str(req, "schedulingStrategy");
	int rc;

	if (!sim_valid_name(name))
		return sim_fail(err, "InvalidParameterException",
		                "Service name must be 1-255 letters, numbers, hyphens and "
		                "underscores.");
	if (ctl && strcmp(sim_str(ctl, "type"), "ECS") != 0)
		return sim_fail(err, "InvalidParameterException",
		                "ecs-local supports only the ECS deployment controller.");
	if (sched && strcmp(sched, "DAEMON") == 0 && launch && strcmp(launch, "FARGATE") == 0)
		return sim_fail(err, "InvalidParameterException",
		                "The DAEMON scheduling strategy is not supported with the FARGATE "
		                "launch type.");
	if (sched && strcmp(sched, "DAEMON") == 0 &&
	    json_array_size(json_object_get(req, "placementStrategy")))
		return sim_fail(err, "InvalidParameterException",
		                "Placement strategies are not supported with the DAEMON scheduling "
		                "strategy.");
	if (launch && json_object_get(req, "capacityProviderStrategy"))
		return sim_fail(err, "InvalidParameterException",
		                "Specifying both a launch type and capacity provider strategy is "
		                "not supported. Remove one and try again.");
	if (!json_object_get(req, "desiredCount") && !(sched && strcmp(sched, "DAEMON") == 0))
		return sim_fail(err, "InvalidParameterException",
		                "The desired count must be specified for a REPLICA service.");
	if (sim_int(req, "desiredCount", 0) < 0)
		return sim_fail(err, "InvalidParameterException",
		                "The desired count must be zero or greater.");
	if ((rc = sim_quota_desired_count(s, sim_int(req, "desiredCount", 0), err)) ||
	    (rc = sim_quota_new_service(s, cluster, err)))
		return rc;
	if (!sim_str(req, "taskDefinition"))
		return sim_fail(err, "InvalidParameterException",
		                "A task definition must be specified.");
	if (!(td = td_for_use(s, sim_str(req, "taskDefinition"), err)))
		return ECSCTL_EAWS;
	if (launch && strcmp(launch, "EXTERNAL") != 0 && !td_supports(td, launch))
		return sim_fail(err, "InvalidParameterException",
		                "Task definition does not support launch_type %s.", launch);
	if ((rc = check_network(td, json_object_get(req, "networkConfiguration"), err)) ||
	    (rc = check_deploy_conf(json_object_get(req, "deploymentConfiguration"), err)) ||
	    (rc = sim_strategy_check(req, err)) ||
	    (rc = sim_preflight_service(req, td, cluster, err)) ||
	    (rc = sim_place_check_constraints(json_object_get(req, "placementConstraints"), err)))
		return rc;
	if (json_array_size(json_object_get(req, "placementConstraints")) > 10 ||
	    json_array_size(json_object_get(req, "placementStrategy")) > 5 ||
	    json_array_size(json_object_get(req, "capacityProviderStrategy")) > 6 ||
	    json_array_size(json_object_get(req, "serviceRegistries")) > 1)
		return sim_fail(err, "InvalidParameterException",
		                "Too many placementConstraints (10), placementStrategy (5), "
		                "capacityProviderStrategy (6) or serviceRegistries (1) items.");
	if (sim_str(req, "clientToken") && strlen(sim_str(req, "clientToken")) > 32)
		return sim_fail(err, "InvalidParameterException",
		                "clientToken can have at most 32 characters.");
	*td_out = td;
	return 0;
}

static json_t *service_new(struct sim_store *s, json_t *req, json_t *cluster, json_t *td)
{
	const char *name = sim_str(req, "serviceName");
	const char *launch = sim_str(req, "launchType");
	char *arn = sim_arn(s, "service/%s/%s", sim_str(cluster, "clusterName"), name);
	char by[64];
	json_t *svc;

	snprintf(by, sizeof(by), "arn:aws:iam::%s:root", s->account);
	if (!launch && !json_object_get(req, "capacityProviderStrategy"))
		launch = "EC2";
	svc = json_pack(
	    "{s:s,s:s,s:O,s:[],s:[],s:s,s:I,s:i,s:i,s:[],s:[],s:o,s:[],s:[],s:i,"
	    "s:s,s:{s:s},s:s,s:b,s:s,s:b,s:{},s:{}}",
	    "serviceArn", arn, "serviceName", name, "clusterArn",
	    json_object_get(cluster, "clusterArn"), "loadBalancers", "serviceRegistries", "status",
	    "ACTIVE", "desiredCount", (json_int_t)sim_int(req, "desiredCount", 0), "runningCount",
	    0, "pendingCount", 0, "deployments", "events", "createdAt", sim_time(sim_store_now(s)),
	    "placementConstraints", "placementStrategy", "healthCheckGracePeriodSeconds", 0,
	    "schedulingStrategy", "REPLICA", "deploymentController", "type", "ECS", "createdBy", by,
	    "enableECSManagedTags", 0, "propagateTags", "NONE", "enableExecuteCommand", 0, "_tasks",
	    "_tags");
	free(arn);
	if (!svc)
		return NULL;
	if (launch)
		json_object_set_new(svc, "launchType", json_string(launch));
	if (launch && strcmp(launch, "FARGATE") == 0) {
		json_object_set_new(svc, "platformVersion",
		                    json_string(sim_str(req, "platformVersion")
		                                    ? sim_str(req, "platformVersion")
		                                    : "LATEST"));
		json_object_set_new(svc, "platformFamily", json_string("Linux"));
	}
	for (const char *const *k =
	         (const char *const[]){
	             "capacityProviderStrategy", "loadBalancers", "serviceRegistries",
	             "placementConstraints", "placementStrategy", "networkConfiguration",
	             "healthCheckGracePeriodSeconds", "enableECSManagedTags", "propagateTags",
	             "enableExecuteCommand", "serviceConnectConfiguration", NULL};
	     *k; k++) {
		if (json_object_get(req, *k))
			json_object_set_new(svc, *k, json_deep_copy(json_object_get(req, *k)));
	}
	if (json_array_size(json_object_get(req, "loadBalancers"))) {
		const char *role = sim_str(req, "role");
		char buf[512];
		if (role && strncmp(role, "arn:", 4) == 0)
			snprintf(buf, sizeof(buf), "%s", role);
		else if (role)
			snprintf(buf, sizeof(buf), "arn:aws:iam::%s:role/%s", s->account, role);
		else
			snprintf(buf, sizeof(buf),
			         "arn:aws:iam::%s:role/aws-service-role/ecs.amazonaws.com/"
			         "AWSServiceRoleForECS",
			         s->account);
		json_object_set_new(svc, "roleArn", json_string(buf));
	}
	if (sim_str(req, "schedulingStrategy") &&
	    strcmp(sim_str(req, "schedulingStrategy"), "DAEMON") == 0) {
		/* DAEMON: desiredCount follows the instances; one task per instance */
		json_object_set(svc, "schedulingStrategy",
		                json_object_get(req, "schedulingStrategy"));
		json_object_set_new(svc, "desiredCount", json_integer(0));
		json_object_set_new(svc, "deploymentConfiguration",
		                    json_pack("{s:{s:b,s:b},s:i,s:i}", "deploymentCircuitBreaker",
		                              "enable", 0, "rollback", 0, "maximumPercent", 100,
		                              "minimumHealthyPercent", 0));
	}
	deploy_conf_merge(svc, json_object_get(req, "deploymentConfiguration"));
	json_object_set(svc, "taskDefinition", json_object_get(td, "taskDefinitionArn"));
	if (sim_str(req, "clientToken"))
		json_object_set(svc, "_clientToken", json_object_get(req, "clientToken"));
	json_object_set_new(svc, "_request", json_deep_copy(req));
	return svc;
}

int sim_op_create_service(struct sim_store *s, json_t *req, json_t **resp, struct ecsctl_error *err)
{
	json_t *cluster = sim_cluster_get(s, sim_str(req, "cluster"), err), *old, *td = NULL, *svc;
	struct sim_deploy_ctx ctx;
	int rc;

	if (!cluster)
		return ECSCTL_EAWS;
	network_defaults(req);
	old = sim_service_find(cluster, sim_str(req, "serviceName"));
	if (old && strcmp(sim_str(old, "status"), "DRAINING") == 0)
		return sim_fail(err, "InvalidParameterException",
		                "Unable to Start a service that is still Draining.");
	if (old && strcmp(sim_str(old, "status"), "ACTIVE") == 0) {
		/* a retried create with the same token and parameters is answered again */
		const char *tok = sim_str(req, "clientToken");
		if (tok && sim_str(old, "_clientToken") &&
		    strcmp(tok, sim_str(old, "_clientToken")) == 0 &&
		    json_equal(req, json_object_get(old, "_request"))) {
			*resp = json_pack("{s:o}", "service", sim_service_render(old, 0));
			return 0;
		}
		return sim_fail(err, "InvalidParameterException",
		                "Creation of service was not idempotent.");
	}
	if ((rc = create_checks(s, req, cluster, &td, err)))
		return rc;
	svc = service_new(s, req, cluster, td);
	if (!svc)
		return ecsctl_error_nomem(err);
	if ((rc = sim_tags_apply(svc, json_object_get(req, "tags"), err))) {
		json_decref(svc);
		return rc;
	}
	ctx = sim_store_ctx(s, cluster);
	if (sim_deploy_start(svc, sim_str(td, "taskDefinitionArn"), NULL, &ctx) ||
	    sim_sdep_begin(svc, &ctx)) {
		json_decref(svc);
		return ecsctl_error_nomem(err);
	}
	json_object_set_new(json_object_get(cluster, "_services"), sim_str(req, "serviceName"),
	                    svc);
	sim_store_mark_busy(s, cluster, svc);
	sim_store_advance(s, cluster, svc);
	*resp = json_pack("{s:o}", "service", sim_service_render(svc, 0));
	return 0;
}

static json_t *active_service(struct sim_store *s, json_t *req, json_t **cluster_out,
                              struct ecsctl_error *err)
{
	json_t *cluster = sim_cluster_get(s, sim_str(req, "cluster"), err), *svc;

	if (!cluster)
		return NULL;
	svc = sim_service_find(cluster, sim_str(req, "service"));
	if (!svc) {
		sim_fail(err, "ServiceNotFoundException", "Service not found.");
		return NULL;
	}
	if (strcmp(sim_str(svc, "status"), "ACTIVE") != 0) {
		sim_fail(err, "ServiceNotActiveException", "Service was not ACTIVE.");
		return NULL;
	}
	*cluster_out = cluster;
	return svc;
}

/* The service as the update would leave it, checked as ECS checks it. */
static int preflight_update(const json_t *svc, const json_t *req, const json_t *td,
                            const json_t *cluster, struct ecsctl_error *err)
{
	json_t *view = sim_public(svc), *dc;
	int rc;

	if (!view)
		return ecsctl_error_nomem(err);
	/* deploymentConfiguration is merged member by member (deploy_conf_merge) */
	dc = json_deep_copy(json_object_get(svc, "deploymentConfiguration"));
	if (!dc)
		dc = json_object();
	json_object_update(dc, json_object_get(req, "deploymentConfiguration"));
	json_object_update(view, (json_t *)req);
	json_object_set_new(view, "deploymentConfiguration", dc);
	rc = sim_preflight_service(view, td, cluster, err);
	if (!rc)
		rc = sim_strategy_check(view, err);
	json_decref(view);
	return rc;
}

int sim_op_update_service(struct sim_store *s, json_t *req, json_t **resp, struct ecsctl_error *err)
{
	json_t *cluster = NULL, *svc = active_service(s, req, &cluster, err), *td = NULL, *net;
	int redeploy = sim_bool(req, "forceNewDeployment", 0), rc;
	struct sim_deploy_ctx ctx;

	if (!svc)
		return ECSCTL_EAWS;
	sim_store_advance(s, cluster, svc);
	if (json_object_get(req, "desiredCount") && sim_int(req, "desiredCount", -1) < 0)
		return sim_fail(err, "InvalidParameterException",
		                "The desired count must be zero or greater.");
	if ((rc = sim_quota_desired_count(s, sim_int(req, "desiredCount", 0), err)))
		return rc;
	if (sim_str(req, "taskDefinition")) {
		if (!(td = td_for_use(s, sim_str(req, "taskDefinition"), err)))
			return ECSCTL_EAWS;
		if (sim_str(svc, "launchType") && strcmp(sim_str(svc, "launchType"), "EXTERNAL") &&
		    !td_supports(td, sim_str(svc, "launchType")))
			return sim_fail(err, "InvalidParameterException",
			                "Task definition does not support launch_type %s.",
			                sim_str(svc, "launchType"));
		redeploy |= strcmp(sim_str(td, "taskDefinitionArn"),
		                   sim_str(svc, "taskDefinition"));
	} else {
		td = sim_taskdef_find(s, sim_str(svc, "taskDefinition"), 0);
	}
	network_defaults(req);
	net = json_object_get(req, "networkConfiguration");
	if ((rc = check_network(td, net ? net : json_object_get(svc, "networkConfiguration"),
	                        err)) ||
	    (rc = preflight_update(svc, req, td, cluster, err)))
		return rc;
	if ((rc = sim_place_check_constraints(json_object_get(req, "placementConstraints"), err)))
		return rc;
	if (json_object_get(req, "deploymentConfiguration")) {
		json_t *merged = json_deep_copy(json_object_get(svc, "deploymentConfiguration"));
		json_object_update(merged, json_object_get(req, "deploymentConfiguration"));
		rc = check_deploy_conf(merged, err);
		json_decref(merged);
		if (rc)
			return rc;
		deploy_conf_merge(svc, json_object_get(req, "deploymentConfiguration"));
	}
	if (net && !json_equal(net, json_object_get(svc, "networkConfiguration")))
		redeploy = 1;
	if (json_object_get(req, "loadBalancers") &&
	    !json_equal(json_object_get(req, "loadBalancers"),
	                json_object_get(svc, "loadBalancers")))
		redeploy = 1;
	if (sim_str(req, "platformVersion") &&
	    (!sim_str(svc, "platformVersion") ||
	     strcmp(sim_str(req, "platformVersion"), sim_str(svc, "platformVersion"))))
		redeploy = 1;
	for (const char *const *k =
	         (const char *const[]){"desiredCount", "capacityProviderStrategy",
	                               "networkConfiguration", "placementConstraints",
	                               "placementStrategy", "platformVersion",
	                               "healthCheckGracePeriodSeconds", "enableExecuteCommand",
	                               "enableECSManagedTags", "loadBalancers", "propagateTags",
	                               "serviceRegistries", "serviceConnectConfiguration", NULL};
	     *k; k++) {
		if (json_object_get(req, *k))
			json_object_set_new(svc, *k, json_deep_copy(json_object_get(req, *k)));
	}
	ctx = sim_store_ctx(s, cluster);
	if (redeploy && (sim_deploy_start(svc, sim_str(td, "taskDefinitionArn"), NULL, &ctx) ||
	                 sim_sdep_begin(svc, &ctx)))
		return ecsctl_error_nomem(err);
	else if (json_object_get(req, "desiredCount"))
		json_object_set_new(svc, "_steady", json_false());
	sim_store_mark_busy(s, cluster, svc);
	sim_store_advance(s, cluster, svc);
	*resp = json_pack("{s:o}", "service", sim_service_render(svc, 0));
	return 0;
}

/* INACTIVE services are forgotten after a while, as ECS does. */
static json_t *visible_service(struct sim_store *s, json_t *cluster, const char *ref)
{
	json_t *svc = sim_service_find(cluster, ref);
	json_t *at = json_object_get(svc, "_inactiveAt");

	if (svc && at && sim_store_now(s) - json_number_value(at) > SIM_INACTIVE_RETAIN_S) {
		json_object_del(json_object_get(cluster, "_services"), sim_arn_tail(ref));
		return NULL;
	}
	return svc;
}

/* The answer text of one service. Serializing is most of the cost of
 * DescribeServices, so texts are cached: an entry holds while no mutating
 * operation ran (store `mutations`) and the clock did not move the service
 * (its `_adv`). */
static int append_rendered(struct sim_store *s, json_t *cluster, json_t *svc, int tags,
                           struct ecsctl_buf *out)
{
	char key[SIM_KEY_MAX];
	json_t *entry, *r;
	json_int_t adv = sim_int(svc, "_adv", 0);
	char *fresh;

	if (s->rendered_at != s->mutations) {
		json_object_clear(s->rendered);
		s->rendered_at = s->mutations;
	}
	snprintf(key, sizeof(key), "%s/%s/%d", sim_str(cluster, "clusterName"),
	         sim_str(svc, "serviceName"), tags);
	entry = json_object_get(s->rendered, key);
	if (entry && sim_int(entry, "a", -1) == adv) {
		ecsctl_buf_adds(out, sim_str(entry, "t"));
		return 0;
	}
	r = sim_service_render(svc, tags);
	fresh = r ? json_dumps(r, JSON_COMPACT | JSON_REAL_PRECISION(13)) : NULL;
	json_decref(r);
	if (!fresh)
		return ECSCTL_ENOMEM;
	json_object_set_new(s->rendered, key,
	                    json_pack("{s:s,s:I}", "t", fresh, "a", (json_int_t)adv));
	ecsctl_buf_adds(out, fresh);
	free(fresh);
	return 0;
}

int sim_op_describe_services(struct sim_store *s, json_t *req, json_t **resp,
                             struct ecsctl_error *err)
{
	json_t *cluster = sim_cluster_get(s, sim_str(req, "cluster"), err);
	json_t *names = json_object_get(req, "services"), *n, *failures;
	struct ecsctl_buf out = ECSCTL_BUF_INIT;
	char *text;
	int tags = 0, found = 0;
	size_t i;

	if (!cluster)
		return ECSCTL_EAWS;
	if (json_array_size(names) == 0)
		return sim_fail(err, "InvalidParameterException", "Services cannot be empty.");
	if (json_array_size(names) > 10)
		return sim_fail(err, "InvalidParameterException",
		                "service names can have at most 10 items.");
	json_array_foreach(json_object_get(req, "include"), i, n) {
		tags |= strcmp(json_string_value(n), "TAGS") == 0;
	}
	/* advance first: that may change the store version */
	json_array_foreach(names, i, n) {
		json_t *svc = visible_service(s, cluster, json_string_value(n));
		if (svc)
			sim_store_advance(s, cluster, svc);
	}
	failures = json_array();
	ecsctl_buf_adds(&out, "{\"services\":[");
	json_array_foreach(names, i, n) {
		const char *ref = json_string_value(n);
		json_t *svc = visible_service(s, cluster, ref);
		if (svc) {
			if (found++)
				ecsctl_buf_addch(&out, ',');
			append_rendered(s, cluster, svc, tags, &out);
		} else {
			sim_missing(s, failures, "service", cluster, ref);
		}
	}
	text = json_dumps(failures, JSON_COMPACT);
	json_decref(failures);
	ecsctl_buf_addf(&out, "],\"failures\":%s}", text ? text : "[]");
	free(text);
	if (ecsctl_buf_failed(&out)) {
		ecsctl_buf_release(&out);
		return ecsctl_error_nomem(err);
	}
	*resp = json_string_nocheck(out.buf);
	ecsctl_buf_release(&out);
	return *resp ? 0 : ecsctl_error_nomem(err);
}

static int list_item(const char *key, json_t *svc, void *arg, json_t **out)
{
	const json_t *req = arg;
	const char *lt = sim_str(req, "launchType"), *ss = sim_str(req, "schedulingStrategy");

	if (strcmp(sim_str(svc, "status"), "ACTIVE") != 0)
		return 0;
	if (lt && (!sim_str(svc, "launchType") || strcmp(lt, sim_str(svc, "launchType"))))
		return 0;
	if (ss && strcmp(ss, sim_str(svc, "schedulingStrategy")))
		return 0;
	*out = json_incref(json_object_get(svc, "serviceArn"));
	return 1;
}

int sim_op_list_services(struct sim_store *s, json_t *req, json_t **resp, struct ecsctl_error *err)
{
	json_t *cluster = sim_cluster_get(s, sim_str(req, "cluster"), err), *out;
	int rc;

	if (!cluster)
		return ECSCTL_EAWS;
	out = json_object();
	rc = sim_page(out, "serviceArns", json_object_get(cluster, "_services"), req, 10, list_item,
	              req, err);
	if (rc) {
		json_decref(out);
		return rc;
	}
	*resp = out;
	return 0;
}

int sim_op_delete_service(struct sim_store *s, json_t *req, json_t **resp, struct ecsctl_error *err)
{
	json_t *cluster = sim_cluster_get(s, sim_str(req, "cluster"), err), *svc;

	if (!cluster)
		return ECSCTL_EAWS;
	svc = visible_service(s, cluster, sim_str(req, "service"));
	if (!svc)
		return sim_fail(err, "ServiceNotFoundException", "Service not found.");
	if (strcmp(sim_str(svc, "status"), "ACTIVE") != 0)
		return sim_fail(err, "ServiceNotActiveException", "Service was not ACTIVE.");
	sim_store_advance(s, cluster, svc);
	if (!sim_bool(req, "force", 0) && sim_int(svc, "desiredCount", 0) > 0)
		return sim_fail(err, "InvalidParameterException",
		                "The service cannot be stopped while it is scaled above 0.");
	json_object_set_new(svc, "desiredCount", json_integer(0));
	json_object_set_new(svc, "status", json_string("DRAINING"));
	sim_sdep_deleted(svc, sim_store_now(s));
	sim_store_mark_busy(s, cluster, svc);
	sim_store_advance(s, cluster, svc);
	*resp = json_pack("{s:o}", "service", sim_service_render(svc, 0));
	return 0;
}
