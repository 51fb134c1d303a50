/* Unit tests of reconcile/: plan ordering, task definition reuse, ownership
 * tags, targets, summary, saved plan round trip, fingerprint. The live side
 * is written as ECS answers it (DescribeTaskDefinition/DescribeServices). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ecsctl/reconcile.h"
#include "reconcile_int.h"
#include "reconcile_tests.h"
#include "banned.h"

static const char DESIRED[] =
    "kind: Cluster\nclusterName: shop\n---\n"
    "kind: TaskDefinition\nfamily: web\nnetworkMode: awsvpc\nrequiresCompatibilities: [FARGATE]\n"
    "cpu: 256\nmemory: 512\ncontainerDefinitions:\n"
    "  - {name: web, image: 'nginx:1.25', portMappings: [{containerPort: 80}],\n"
    "     environment: [{name: B, value: '2'}, {name: A, value: '1'}]}\n---\n"
    "kind: Service\ncluster: shop\nserviceName: web\ntaskDefinition: web\ndesiredCount: 2\n"
    "launchType: FARGATE\n"
    "networkConfiguration: {awsvpcConfiguration: {subnets: [subnet-1]}}\n";

#define ARN(x) "arn:aws:ecs:us-east-1:123456789012:" x

/* web:3 as ECS answers it: defaults filled in, environment reordered. */
static json_t *live_td(const char *image, int rev)
{
	char arn[200];

	snprintf(arn, sizeof(arn), ARN("task-definition/web:%d"), rev);
	return json_pack(
	    "{s:s,s:s,s:i,s:s,s:s,s:[s],s:[s,s],s:s,s:s,s:[{s:s,s:s,s:i,s:b,s:[{s:i,s:i,s:s}],"
	    "s:[{s:s,s:s},{s:s,s:s}],s:[],s:[]}],s:[]}",
	    "taskDefinitionArn", arn, "family", "web", "revision", rev, "status", "ACTIVE",
	    "networkMode", "awsvpc", "requiresCompatibilities", "FARGATE", "compatibilities", "EC2",
	    "FARGATE", "cpu", "256", "memory", "512", "containerDefinitions", "name", "web",
	    "image", image, "cpu", 0, "essential", 1, "portMappings", "containerPort", 80,
	    "hostPort", 80, "protocol", "tcp", "environment", "name", "A", "value", "1", "name",
	    "B", "value", "2", "mountPoints", "volumesFrom", "volumes");
}

static json_t *live_service(const char *td, const char *rev_tag)
{
	return json_pack(
	    "{s:s,s:s,s:s,s:s,s:s,s:i,s:i,s:i,s:s,s:s,s:[{s:s,s:s},{s:s,s:s}],s:[{s:s,s:s}],"
	    "s:[{s:s,s:s}],s:{s:{s:[s],s:s}}}",
	    "serviceArn", ARN("service/shop/web"), "serviceName", "web", "clusterArn",
	    ARN("cluster/shop"), "status", "ACTIVE", "taskDefinition", td, "desiredCount", 2,
	    "runningCount", 2, "pendingCount", 0, "launchType", "FARGATE", "schedulingStrategy",
	    "REPLICA", "tags", "key", ECSCTL_OWNER_TAG, "value", "ecsctl", "key",
	    ECSCTL_REVISION_TAG, "value", rev_tag, "deployments", "status", "PRIMARY",
	    "taskDefinition", td, "events", "id", "e1", "message",
	    "(service web) has reached a steady state.", "networkConfiguration",
	    "awsvpcConfiguration", "subnets", "subnet-1", "assignPublicIp", "DISABLED");
}

struct fx {
	struct ecsctl_model m;
	struct ecsctl_live live;
	struct ecsctl_plan plan;
	json_t *scope;
	struct ecsctl_error err;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct ecsctl_diags d = ECSCTL_DIAGS_INIT;
	const char *env[] = {NULL};

	assert_non_null(f);
	assert_int_equal(
	    ecsctl_model_load_buffer(&f->m, "all.yaml", DESIRED, strlen(DESIRED), env, &d, &f->err),
	    0);
	ecsctl_diags_release(&d);
	free(f->m.commit);
	f->m.commit = strdup("0123456789abcdef0123456789abcdef01234567");
	ecsctl_live_init(&f->live);
	f->live.clusters = json_object();
	f->live.services = json_object();
	f->live.latest = json_object();
	f->live.running = json_object();
	f->live.orphans = json_object();
	f->live.orphan_clusters = json_object();
	ecsctl_plan_init(&f->plan);
	assert_int_equal(ecsctl_reconcile_scope(&f->scope, &f->m, &f->err), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	ecsctl_plan_release(&f->plan);
	ecsctl_live_release(&f->live);
	ecsctl_model_release(&f->m);
	json_decref(f->scope);
	ecsctl_error_release(&f->err);
	free(f);
	return 0;
}

static void make(struct fx *f)
{
	ecsctl_plan_release(&f->plan);
	assert_int_equal(ecsctl_live_fingerprint(&f->live, &f->err), 0);
	assert_int_equal(ecsctl_plan_make(&f->plan, &f->m, &f->live, f->scope, NULL, &f->err), 0);
}

/* Live exactly as an earlier apply of DESIRED left it. */
static void converged(struct fx *f)
{
	json_object_set_new(f->live.clusters, "shop",
	                    json_pack("{s:s,s:s,s:s,s:i,s:[{s:s,s:s}]}", "clusterName", "shop",
	                              "clusterArn", ARN("cluster/shop"), "status", "ACTIVE",
	                              "runningTasksCount", 2, "tags", "key", ECSCTL_OWNER_TAG,
	                              "value", "ecsctl"));
	json_object_set_new(f->live.latest, "web", live_td("nginx:1.25", 3));
	json_object_set_new(f->live.running, ARN("task-definition/web:3"),
	                    live_td("nginx:1.25", 3));
	json_object_set_new(f->live.services, "shop/web",
	                    live_service(ARN("task-definition/web:3"), "an-older-sha"));
}

static const char *call_op(const struct ecsctl_plan_op *op, size_t i)
{
	return json_string_value(json_object_get(json_array_get(op->calls, i), "operation"));
}

static void test_reconcile_plan__fresh_orders_cluster_taskdef_service(void **state)
{
	struct fx *f = *state;

	make(f);
	assert_int_equal(f->plan.count, 3);
	assert_int_equal(f->plan.ops[0].action, ECSCTL_DIFF_CREATE);
	assert_int_equal(f->plan.ops[0].kind, ECSCTL_KIND_CLUSTER);
	assert_int_equal(f->plan.ops[1].action, ECSCTL_DIFF_REGISTER);
	assert_string_equal(call_op(&f->plan.ops[1], 0), "RegisterTaskDefinition");
	assert_int_equal(f->plan.ops[2].kind, ECSCTL_KIND_SERVICE);
	assert_string_equal(call_op(&f->plan.ops[2], 0), "CreateService");
	/* the service takes the ARN the register will produce */
	assert_string_equal(json_string_value(json_object_get(
	                        json_object_get(json_array_get(f->plan.ops[2].calls, 0), "request"),
	                        "taskDefinition")),
	                    "(new revision of web)");
	/* ownership tags on what is created */
	{
		char *text = json_dumps(f->plan.ops[2].calls, 0);
		assert_non_null(strstr(text, ECSCTL_OWNER_TAG));
		free(text);
	}
}

static void test_reconcile_plan__converged_is_empty_despite_new_sha(void **state)
{
	struct fx *f = *state;

	converged(f);
	make(f);
	if (f->plan.count) {
		struct ecsctl_buf b = ECSCTL_BUF_INIT;
		ecsctl_plan_render(&b, &f->plan, NULL);
		print_error("%s", b.buf);
		ecsctl_buf_release(&b);
	}
	assert_int_equal(f->plan.count, 0);
}

static void test_reconcile_plan__reuses_running_revision_not_latest(void **state)
{
	struct fx *f = *state;

	converged(f);
	/* a newer latest with another image: the running web:3 equals git */
	json_object_set_new(f->live.latest, "web", live_td("nginx:9", 4));
	json_object_set_new(f->live.running, ARN("task-definition/web:4"), live_td("nginx:9", 4));
	make(f);
	assert_int_equal(f->plan.count, 0);
}

static void test_reconcile_plan__reuses_latest_revision(void **state)
{
	struct fx *f = *state;

	converged(f);
	json_object_set_new(f->live.services, "shop/web",
	                    live_service(ARN("task-definition/web:2"), "x"));
	json_object_set_new(f->live.running, ARN("task-definition/web:2"), live_td("nginx:1", 2));
	make(f);
	assert_int_equal(f->plan.count, 1);
	assert_int_equal(f->plan.ops[0].action, ECSCTL_DIFF_UPDATE);
	assert_string_equal(json_string_value(json_object_get(
	                        json_object_get(json_array_get(f->plan.ops[0].calls, 0), "request"),
	                        "taskDefinition")),
	                    ARN("task-definition/web:3"));
}

/* Converged, then web moved on to web:4 (nginx:9, the latest); web:3 runs nowhere. */
static void runs_newer_latest(struct fx *f)
{
	converged(f);
	json_object_set_new(f->live.latest, "web", live_td("nginx:9", 4));
	json_object_set_new(f->live.running, ARN("task-definition/web:4"), live_td("nginx:9", 4));
	json_object_set_new(f->live.services, "shop/web",
	                    live_service(ARN("task-definition/web:4"), "x"));
	json_object_del(f->live.running, ARN("task-definition/web:3"));
}

static void test_reconcile_plan__reuses_history_revision(void **state)
{
	struct fx *f = *state;

	runs_newer_latest(f);
	make(f);
	assert_int_equal(f->plan.ops[0].action, ECSCTL_DIFF_REGISTER);
	f->live.history = json_pack("{s:[o]}", "web", live_td("nginx:1.25", 3));
	make(f);
	assert_int_equal(f->plan.count, 1);
	assert_int_equal(f->plan.ops[0].action, ECSCTL_DIFF_UPDATE);
}

static void test_reconcile_plan__image_change_is_register_and_one_update(void **state)
{
	struct fx *f = *state;
	const struct ecsctl_plan_op *svc;
	json_t *req;

	converged(f);
	json_object_set_new(f->live.latest, "web", live_td("nginx:1.24", 3));
	json_object_set_new(f->live.running, ARN("task-definition/web:3"),
	                    live_td("nginx:1.24", 3));
	json_object_set_new(f->live.services, "shop/web",
	                    json_pack("{s:s,s:s,s:s,s:s,s:s,s:i,s:s,s:s,s:[{s:s,s:s}]}",
	                              "serviceArn", ARN("service/shop/web"), "serviceName", "web",
	                              "clusterArn", ARN("cluster/shop"), "status", "ACTIVE",
	                              "taskDefinition", ARN("task-definition/web:3"),
	                              "desiredCount", 1, "launchType", "FARGATE",
	                              "schedulingStrategy", "REPLICA", "tags", "key",
	                              ECSCTL_OWNER_TAG, "value", "ecsctl"));
	make(f);
	assert_int_equal(f->plan.count, 2);
	assert_int_equal(f->plan.ops[0].action, ECSCTL_DIFF_REGISTER);
	assert_non_null(
	    ecsctl_diff_changes_find(&f->plan.ops[0].changes, "containerDefinitions[web].image"));
	svc = &f->plan.ops[1];
	assert_int_equal(svc->action, ECSCTL_DIFF_UPDATE);
	/* ONE UpdateService carries both desiredCount and the task definition */
	assert_string_equal(call_op(svc, 0), "UpdateService");
	assert_int_equal(json_array_size(svc->calls), 2); /* UpdateService + TagResource */
	req = json_object_get(json_array_get(svc->calls, 0), "request");
	assert_int_equal(json_integer_value(json_object_get(req, "desiredCount")), 2);
	assert_string_equal(json_string_value(json_object_get(req, "taskDefinition")),
	                    "(new revision of web)");
	/* the revision tag follows the change */
	assert_string_equal(call_op(svc, 1), "TagResource");
	assert_string_equal(json_string_value(json_object_get(svc->wait, "previousTaskDefinition")),
	                    ARN("task-definition/web:3"));
}

/* After a circuit breaker rolled web back to web:3, web:4 (the failed one)
 * is the latest: the register's diff must be against what runs. */
static void test_reconcile_plan__register_diff_against_running_not_latest(void **state)
{
	struct fx *f = *state;
	const struct ecsctl_diff_change *ch;

	converged(f);
	json_object_set_new(f->live.running, ARN("task-definition/web:3"), live_td("nginx:1.2", 3));
	json_object_set_new(f->live.latest, "web", live_td("nginx:crashloop", 4));
	make(f);
	assert_int_equal(f->plan.ops[0].action, ECSCTL_DIFF_REGISTER);
	ch = ecsctl_diff_changes_find(&f->plan.ops[0].changes, "containerDefinitions[web].image");
	assert_non_null(ch);
	assert_string_equal(json_string_value(ch->before), "nginx:1.2");
	assert_string_equal(
	    json_string_value(json_object_get(f->plan.ops[0].compared_with, "taskDefinition")),
	    ARN("task-definition/web:3"));
	assert_string_equal(json_string_value(json_array_get(
	                        json_object_get(f->plan.ops[0].compared_with, "runBy"), 0)),
	                    "shop/web");
	assert_null(f->plan.ops[0].running_revisions);
	/* the service's switch is the register's diff: not repeated */
	assert_null(f->plan.ops[1].td_from);
}

/* A revert to web:3, which still exists: no register, and the service's
 * update says what changes besides the ARN; a saved plan keeps it. */
static void test_reconcile_plan__switch_to_existing_revision_shows_content(void **state)
{
	struct fx *f = *state;
	const struct ecsctl_plan_op *op;
	const struct ecsctl_diff_change *ch;
	struct ecsctl_buf b = ECSCTL_BUF_INIT;
	struct ecsctl_plan back;
	json_t *doc;

	runs_newer_latest(f);
	f->live.history = json_pack("{s:[o]}", "web", live_td("nginx:1.25", 3));
	make(f);
	assert_int_equal(f->plan.count, 1);
	op = &f->plan.ops[0];
	assert_string_equal(op->td_from, ARN("task-definition/web:4"));
	assert_string_equal(op->td_to, ARN("task-definition/web:3"));
	ch = ecsctl_diff_changes_find(&op->td_changes, "containerDefinitions[web].image");
	assert_non_null(ch);
	assert_string_equal(json_string_value(ch->before), "nginx:9");
	assert_string_equal(json_string_value(ch->after), "nginx:1.25");
	ecsctl_plan_render(&b, &f->plan, NULL);
	assert_non_null(strstr(b.buf, "# the task definition, web:4 -> web:3:\n"
	                              "        ~ containerDefinitions[web] {\n"
	                              "            ~ image = \"nginx:9\" -> \"nginx:1.25\"\n"));
	ecsctl_plan_init(&back);
	doc = ecsctl_plan_to_json(&f->plan, true);
	assert_int_equal(ecsctl_plan_from_json(&back, doc, &f->err), 0);
	assert_string_equal(back.ops[0].td_to, ARN("task-definition/web:3"));
	assert_int_equal(back.ops[0].td_changes.count, op->td_changes.count);
	json_decref(doc);
	ecsctl_plan_release(&back);
	ecsctl_buf_release(&b);
}

/* The rule apply's wait succeeds on: PRIMARY COMPLETED and running == desired. */
static void test_reconcile_unstable__failed_in_progress_and_short_services(void **state)
{
	struct fx *f = *state;
	json_t *svc, *dep, *out = NULL;
	struct ecsctl_plan w;
	struct ecsctl_buf b = ECSCTL_BUF_INIT;

	converged(f);
	svc = json_object_get(f->live.services, "shop/web");
	dep = json_array_get(json_object_get(svc, "deployments"), 0);
	json_object_set_new(dep, "rolloutState", json_string("COMPLETED"));
	assert_int_equal(reconcile_unstable(&out, &f->m, &f->live, NULL, &f->err), 0);
	assert_int_equal(json_array_size(out), 0);
	json_decref(out);

	json_object_set_new(svc, "runningCount", json_integer(1));
	assert_int_equal(reconcile_unstable(&out, &f->m, &f->live, NULL, &f->err), 0);
	assert_string_equal(json_string_value(json_object_get(json_array_get(out, 0), "reason")),
	                    "not all tasks run (running 1 of 2)");
	json_decref(out);

	json_object_set_new(dep, "rolloutState", json_string("FAILED"));
	json_object_set_new(dep, "rolloutStateReason",
	                    json_string("ECS deployment circuit breaker: tasks failed to start."));
	json_object_set_new(dep, "failedTasks", json_integer(3));
	make(f);
	assert_int_equal(reconcile_unstable(&f->plan.unstable, &f->m, &f->live, NULL, &f->err), 0);
	assert_string_equal(
	    json_string_value(json_object_get(json_array_get(f->plan.unstable, 0), "reason")),
	    "deployment failed: ECS deployment circuit breaker: tasks failed to start. "
	    "(running 1 of 2, 3 tasks failed to start)");
	ecsctl_plan_render(&b, &f->plan, NULL);
	assert_string_equal(b.buf, "Plan for commit 0123456\n\n"
	                           "No changes to make, but live ECS does not run what git says "
	                           "yet: 1 managed service is not stable:\n"
	                           "  ! Service \"shop/web\": deployment failed: ECS deployment "
	                           "circuit breaker: tasks failed to start. (running 1 of 2, 3 "
	                           "tasks failed to start)\n");
	/* apply waits on it, on the revision it runs, with nothing to roll back to */
	ecsctl_plan_init(&w);
	assert_int_equal(ecsctl_plan_unstable_waits(&w, &f->plan, &f->err), 0);
	assert_int_equal(w.count, 1);
	assert_int_equal(json_array_size(w.ops[0].calls), 0);
	assert_string_equal(json_string_value(json_object_get(w.ops[0].wait, "taskDefinition")),
	                    ARN("task-definition/web:3"));
	assert_null(json_object_get(w.ops[0].wait, "previousTaskDefinition"));
	ecsctl_plan_release(&w);
	ecsctl_buf_release(&b);
}

static void test_reconcile_plan__prune_deletes_last(void **state)
{
	struct fx *f = *state;

	converged(f);
	json_object_set_new(f->live.orphans, "shop/old",
	                    json_pack("{s:s,s:s,s:s}", "serviceName", "old", "clusterArn",
	                              ARN("cluster/shop"), "serviceArn", ARN("service/shop/old")));
	json_object_set_new(
	    f->live.orphan_clusters, "busy",
	    json_pack("{s:s,s:i}", "clusterName", "busy", "activeServicesCount", 1));
	json_object_set_new(
	    f->live.orphan_clusters, "empty",
	    json_pack("{s:s,s:i}", "clusterName", "empty", "activeServicesCount", 0));
	f->m.settings.prune = true;
	json_object_set_new(f->live.latest, "web", live_td("nginx:1.24", 3));
	json_object_set_new(f->live.running, ARN("task-definition/web:3"),
	                    live_td("nginx:1.24", 3));
	make(f);
	assert_int_equal(f->plan.count, 4);
	assert_int_equal(f->plan.ops[0].phase, ECSCTL_PHASE_TASKDEFS);
	assert_int_equal(f->plan.ops[1].phase, ECSCTL_PHASE_SERVICES);
	assert_int_equal(f->plan.ops[2].action, ECSCTL_DIFF_DELETE);
	assert_string_equal(f->plan.ops[2].name, "shop/old");
	assert_string_equal(call_op(&f->plan.ops[2], 0), "UpdateService"); /* scale to 0 */
	assert_string_equal(call_op(&f->plan.ops[2], 1), "DeleteService");
	/* a cluster with services is never deleted */
	assert_string_equal(f->plan.ops[3].name, "empty");
	assert_int_equal(f->plan.ops[3].phase, ECSCTL_PHASE_CLUSTER_DELETES);
	assert_int_equal(json_array_size(f->plan.ops[3].calls), 1);
	/* a DAEMON service is not scaled: it has no count of its own */
	json_object_set_new(json_object_get(f->live.orphans, "shop/old"), "schedulingStrategy",
	                    json_string("DAEMON"));
	make(f);
	assert_int_equal(json_array_size(f->plan.ops[2].calls), 1);
	assert_string_equal(call_op(&f->plan.ops[2], 0), "DeleteService");
	json_object_del(json_object_get(f->live.orphans, "shop/old"), "schedulingStrategy");
	/* ... unless every service it has is one this plan deletes: they go first, and
	 * the cluster delete waits for each to be INACTIVE ("busyx" is another cluster) */
	json_object_set_new(
	    f->live.orphans, "busy/a",
	    json_pack("{s:s,s:s}", "serviceName", "a", "clusterArn", ARN("cluster/busy")));
	json_object_set_new(
	    f->live.orphans, "busyx/b",
	    json_pack("{s:s,s:s}", "serviceName", "b", "clusterArn", ARN("cluster/busyx")));
	make(f);
	assert_int_equal(f->plan.count, 7);
	assert_string_equal(f->plan.ops[5].name, "busy");
	assert_int_equal(f->plan.ops[5].action, ECSCTL_DIFF_DELETE);
	assert_int_equal(f->plan.ops[5].phase, ECSCTL_PHASE_CLUSTER_DELETES);
	assert_int_equal(json_array_size(f->plan.ops[5].calls), 2);
	assert_string_equal(call_op(&f->plan.ops[5], 0), "ecsctl:WaitServiceInactive");
	assert_string_equal(
	    json_string_value(json_object_get(
	        json_object_get(json_array_get(f->plan.ops[5].calls, 0), "request"), "service")),
	    "a");
	assert_string_equal(call_op(&f->plan.ops[5], 1), "DeleteCluster");
}

static json_t *tagged(json_t *td, const char *owner)
{
	json_object_set_new(td, "tags",
	                    json_pack("[{s:s,s:s}]", "key", ECSCTL_OWNER_TAG, "value", owner));
	return td;
}

static void test_reconcile_plan__keep_revisions_deregisters_owned_unused(void **state)
{
	struct fx *f = *state;
	size_t i, n = 0;

	converged(f);
	json_object_set_new(f->live.latest, "web", live_td("nginx:1.24", 4));
	json_object_set_new(f->live.running, ARN("task-definition/web:4"),
	                    live_td("nginx:1.24", 4));
	f->m.settings.keep_revisions = 2;
	f->live.revisions = json_pack("{s:[ssss]}", "web", ARN("task-definition/web:4"),
	                              ARN("task-definition/web:3"), ARN("task-definition/web:2"),
	                              ARN("task-definition/web:1"));
	f->live.history = json_pack("{s:[ooo]}", "web", tagged(live_td("a", 3), "ecsctl"),
	                            tagged(live_td("b", 2), "ecsctl"),
	                            tagged(live_td("c", 1), "other"));
	/* no register: still more owned revisions than keepRevisions; web:4 and
	 * web:3 are the newest two, web:1 is not ours */
	make(f);
	assert_int_equal(f->plan.count, 1);
	assert_int_equal(f->plan.ops[0].action, ECSCTL_DIFF_DEREGISTER);
	assert_string_equal(f->plan.ops[0].name, "web:2");
	/* a revision a service runs is never deregistered */
	json_object_set_new(f->live.services, "shop/web",
	                    live_service(ARN("task-definition/web:2"), "x"));
	json_object_set_new(f->live.running, ARN("task-definition/web:2"), live_td("nginx:0", 2));
	make(f);
	for (i = 0; i < f->plan.count; i++)
		assert_int_not_equal(f->plan.ops[i].action, ECSCTL_DIFF_DEREGISTER);
	json_object_del(f->live.running, ARN("task-definition/web:2"));
	/* keepRevisions 4: nothing beyond it */
	json_object_set_new(f->live.services, "shop/web",
	                    live_service(ARN("task-definition/web:4"), "x"));
	f->m.settings.keep_revisions = 4;
	make(f);
	for (i = 0; i < f->plan.count; i++)
		assert_int_not_equal(f->plan.ops[i].action, ECSCTL_DIFF_DEREGISTER);
	f->m.settings.keep_revisions = 2;
	/* git moves on: register; keep the new one + web:4; web:3 is in use; web:1 is not ours */
	json_object_set_new(f->live.services, "shop/web",
	                    live_service(ARN("task-definition/web:3"), "x"));
	json_object_set_new(f->live.running, ARN("task-definition/web:3"), live_td("nginx:0", 3));
	make(f);
	for (i = 0; i < f->plan.count; i++) {
		if (f->plan.ops[i].action != ECSCTL_DIFF_DEREGISTER)
			continue;
		n++;
		assert_string_equal(f->plan.ops[i].name, "web:2");
		assert_int_equal(f->plan.ops[i].phase, ECSCTL_PHASE_DEREGISTER);
		assert_int_equal(i, f->plan.count - 1); /* after the service update */
	}
	assert_int_equal(n, 1);
}

static void test_reconcile_plan__summary_and_render(void **state)
{
	struct fx *f = *state;
	struct ecsctl_buf b = ECSCTL_BUF_INIT;
	size_t counts[6];

	make(f);
	ecsctl_plan_summary(&f->plan, counts);
	assert_int_equal(counts[ECSCTL_DIFF_CREATE], 2);
	assert_int_equal(counts[ECSCTL_DIFF_REGISTER], 1);
	assert_int_equal(counts[ECSCTL_DIFF_UPDATE], 0);
	/* the first line names what was planned, without a URL's credentials */
	f->plan.ref = strdup("main");
	assert_int_equal(ecsctl_plan_set_source(&f->plan,
	                                        "https://x-access-token:ghs_abc@github.com/o/r.git",
	                                        "deploy", &f->err),
	                 0);
	ecsctl_plan_render(&b, &f->plan, NULL);
	{
		const char *first = "Plan for commit 0123456 (main) of "
		                    "https://github.com/o/r.git:deploy\n\n";
		assert_memory_equal(b.buf, first, strlen(first));
	}
	assert_non_null(strstr(b.buf, "Plan: 2 to create, 1 to register.\n"));
	assert_null(strstr(b.buf, "ghs_abc"));
	ecsctl_buf_release(&b);
	ecsctl_plan_release(&f->plan);
	ecsctl_buf_init(&b, 0);
	assert_int_equal(ecsctl_plan_set_source(&f->plan, "/srv/repo", NULL, &f->err), 0);
	ecsctl_plan_render(&b, &f->plan, NULL);
	assert_string_equal(b.buf, "Plan for the work tree of /srv/repo\n\n"
	                           "No changes. Live ECS matches git.\n");
	ecsctl_buf_release(&b);
}

static void test_reconcile_plan__targets(void **state)
{
	struct fx *f = *state;
	const char *t1[] = {"TaskDefinition/web"}, *t2[] = {"Service/shop/nope"};
	struct ecsctl_plan_options o = {t1, 1, false, NULL};

	assert_int_equal(ecsctl_live_fingerprint(&f->live, &f->err), 0);
	assert_int_equal(ecsctl_plan_make(&f->plan, &f->m, &f->live, f->scope, &o, &f->err), 0);
	assert_int_equal(f->plan.count, 1);
	assert_int_equal(f->plan.ops[0].action, ECSCTL_DIFF_REGISTER);
	ecsctl_plan_release(&f->plan);
	o.targets = t2;
	assert_int_equal(ecsctl_plan_make(&f->plan, &f->m, &f->live, f->scope, &o, &f->err),
	                 ECSCTL_EINVAL);
	assert_non_null(strstr(f->err.message, "names no resource"));
}

static void test_reconcile_planfile__round_trip(void **state)
{
	struct fx *f = *state;
	struct ecsctl_plan back;
	json_t *a, *b;
	char *sa, *sb;

	make(f);
	a = ecsctl_plan_to_json(&f->plan, true);
	assert_non_null(a);
	ecsctl_plan_init(&back);
	assert_int_equal(ecsctl_plan_from_json(&back, a, &f->err), 0);
	assert_int_equal(back.count, f->plan.count);
	assert_string_equal(back.fingerprint, f->plan.fingerprint);
	b = ecsctl_plan_to_json(&back, true);
	sa = json_dumps(a, JSON_SORT_KEYS);
	sb = json_dumps(b, JSON_SORT_KEYS);
	assert_string_equal(sa, sb);
	free(sa);
	free(sb);
	json_decref(a);
	json_decref(b);
	ecsctl_plan_release(&back);
}

/* What a saved plan carries is enough to plan again: the model read back
 * from plan.desired plans exactly the same requests, settings included. */
static void test_reconcile_planfile__desired_state_plans_the_same(void **state)
{
	struct fx *f = *state;
	struct ecsctl_diags d = ECSCTL_DIAGS_INIT;
	struct ecsctl_model back;
	struct ecsctl_plan again;
	json_t *a, *b;

	f->m.settings.prune = true;
	make(f);
	assert_non_null(f->plan.desired);
	assert_int_equal(
	    ecsctl_model_from_json(&back, json_object_get(f->plan.desired, "model"), &d, &f->err),
	    0);
	assert_int_equal(back.settings.prune, true);
	assert_int_equal(back.settings.keep_revisions, f->m.settings.keep_revisions);
	assert_null(back.settings.region);
	back.commit = strdup(f->m.commit);
	ecsctl_plan_init(&again);
	assert_int_equal(ecsctl_plan_make(&again, &back, &f->live, f->scope, NULL, &f->err), 0);
	assert_string_equal(again.digest, f->plan.digest);
	a = ecsctl_plan_to_json(&f->plan, true);
	b = ecsctl_plan_to_json(&again, true);
	assert_true(json_equal(a, b));
	json_decref(a);
	json_decref(b);
	ecsctl_plan_release(&again);
	ecsctl_model_release(&back);
	ecsctl_diags_release(&d);
}

/* An edited payload gets the checks of a document from git. */
static void test_reconcile_planfile__desired_state_is_checked(void **state)
{
	struct fx *f = *state;
	struct ecsctl_diags d = ECSCTL_DIAGS_INIT;
	struct ecsctl_model back;
	json_t *model;

	make(f);
	model = json_deep_copy(json_object_get(f->plan.desired, "model"));
	json_object_set_new(json_array_get(json_object_get(model, "services"), 0), "desiredCont",
	                    json_integer(1));
	assert_int_equal(ecsctl_model_from_json(&back, model, &d, &f->err), ECSCTL_EINVAL);
	assert_non_null(strstr(f->err.message, "desiredCont"));
	ecsctl_model_release(&back);
	ecsctl_diags_release(&d);
	json_decref(model);
}

static void test_reconcile_planfile__seal(void **state)
{
	struct fx *f = *state;
	json_t *doc;

	make(f);
	doc = ecsctl_plan_to_json(&f->plan, true);
	assert_int_equal(ecsctl_plan_check_seal(doc, "k", 1, &f->err), ECSCTL_EINVAL);
	assert_non_null(strstr(f->err.message, "not sealed"));
	ecsctl_error_release(&f->err);
	assert_int_equal(ecsctl_plan_seal(doc, "k", 1, &f->err), 0);
	assert_int_equal(ecsctl_plan_check_seal(doc, "k", 1, &f->err), 0);
	assert_int_equal(ecsctl_plan_check_seal(doc, "K", 1, &f->err), ECSCTL_EINVAL);
	assert_non_null(strstr(f->err.message, "does not match"));
	ecsctl_error_release(&f->err);
	/* any member, even one apply does not read */
	json_object_set_new(doc, "stats", json_null());
	assert_int_equal(ecsctl_plan_check_seal(doc, "k", 1, &f->err), ECSCTL_EINVAL);
	json_decref(doc);
}

static void test_reconcile_planfile__rejects_non_plans(void **state)
{
	struct fx *f = *state;
	struct ecsctl_plan p;
	json_t *doc = json_pack("{s:i,s:[]}", "formatVersion", 1, "changes");

	ecsctl_plan_init(&p);
	assert_int_equal(ecsctl_plan_from_json(&p, doc, &f->err), ECSCTL_EINVAL);
	ecsctl_plan_release(&p);
	json_decref(doc);
}

static void test_reconcile_fingerprint__ignores_volatile_sees_real(void **state)
{
	struct fx *f = *state;
	json_t *svc;
	char *first;

	converged(f);
	assert_int_equal(ecsctl_live_fingerprint(&f->live, &f->err), 0);
	first = strdup(f->live.fingerprint);
	svc = json_object_get(f->live.services, "shop/web");
	json_object_set_new(svc, "runningCount", json_integer(1));
	json_object_set_new(svc, "pendingCount", json_integer(1));
	json_object_set_new(svc, "events", json_array());
	json_object_set_new(json_object_get(f->live.clusters, "shop"), "runningTasksCount",
	                    json_integer(7));
	assert_int_equal(ecsctl_live_fingerprint(&f->live, &f->err), 0);
	assert_string_equal(first, f->live.fingerprint);
	json_object_set_new(svc, "desiredCount", json_integer(5));
	assert_int_equal(ecsctl_live_fingerprint(&f->live, &f->err), 0);
	assert_string_not_equal(first, f->live.fingerprint);
	free(first);
}

static void test_reconcile_apply__replace_refused_before_any_call(void **state)
{
	struct fx *f = *state;

	make(f);
	f->plan.ops[2].action = ECSCTL_DIFF_REPLACE;
	/* no client: the refusal must come before anything is sent */
	f->plan.ops[2].forces = json_pack("[s]", "launchType");
	assert_int_equal(ecsctl_plan_apply(&f->plan, NULL, false, NULL, &f->err), ECSCTL_EINVAL);
	assert_non_null(strstr(f->err.message, "--allow-replace"));
	assert_non_null(strstr(f->err.message, "launchType"));
	assert_non_null(strstr(f->err.message, f->plan.ops[2].name));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	    T(test_reconcile_plan__fresh_orders_cluster_taskdef_service),
	    T(test_reconcile_plan__converged_is_empty_despite_new_sha),
	    T(test_reconcile_plan__reuses_running_revision_not_latest),
	    T(test_reconcile_plan__reuses_latest_revision),
	    T(test_reconcile_plan__reuses_history_revision),
	    T(test_reconcile_plan__image_change_is_register_and_one_update),
	    T(test_reconcile_plan__register_diff_against_running_not_latest),
	    T(test_reconcile_plan__switch_to_existing_revision_shows_content),
	    T(test_reconcile_unstable__failed_in_progress_and_short_services),
	    T(test_reconcile_plan__prune_deletes_last),
	    T(test_reconcile_plan__keep_revisions_deregisters_owned_unused),
	    T(test_reconcile_plan__summary_and_render),
	    T(test_reconcile_plan__targets),
	    T(test_reconcile_planfile__round_trip),
	    T(test_reconcile_planfile__rejects_non_plans),
	    T(test_reconcile_planfile__desired_state_plans_the_same),
	    T(test_reconcile_planfile__desired_state_is_checked),
	    T(test_reconcile_planfile__seal),
	    T(test_reconcile_fingerprint__ignores_volatile_sees_real),
	    T(test_reconcile_apply__replace_refused_before_any_call),
	};
	int failed = cmocka_run_group_tests(tests, NULL, NULL);

	return failed + reconcile_wait_tests() + reconcile_wait_why_tests() +
	       reconcile_plan_markdown_tests() + reconcile_taskdef_tag_tests() +
	       reconcile_rollout_tests();
}
