/*
 * Placement on container instances (sim/placement.c) through the store's
 * operations, without HTTP: strategies in order, the reasons of a miss, and
 * remaining resources kept exact as tasks start and stop.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "sim_ec2.h"
#include "sim_tests.h"
#include "banned.h"

struct world {
	struct sim_store s;
	struct ecsctl_error err;
};

static json_t *op(struct world *w, sim_op_fn fn, const char *body)
{
	json_t *req = json_loads(body, 0, NULL), *resp = NULL;

	assert_non_null(req);
	if (fn(&w->s, req, &resp, &w->err) != 0)
		fail_msg("%s: %s", body, w->err.message);
	json_decref(req);
	return resp;
}

/* Cluster "c" with three instances of 1024 CPU / 1024 MiB in zones a, b, a. */
static void world_init(struct world *w)
{
	memset(w, 0, sizeof(*w));
	assert_int_equal(sim_store_init(&w->s, "us-east-1", "123456789012", 1, 7, &w->err), 0);
	w->s.fixed_now = 1700000000;
	assert_int_equal(
	    sim_instances_parse(&w->s.instance_specs,
	                        "c=3:cpu=1024,memory=1024,az=us-east-1a|us-east-1b|us-east-1a",
	                        &w->err),
	    0);
	json_decref(op(w, sim_op_create_cluster, "{\"clusterName\":\"c\"}"));
	json_decref(
	    op(w, sim_op_register_task_definition,
	       "{\"family\":\"m\",\"containerDefinitions\":[{\"name\":\"a\",\"image\":\"x\","
	       "\"cpu\":100,\"memory\":400,\"portMappings\":[{\"containerPort\":80,"
	       "\"hostPort\":8080}]}]}"));
	json_decref(
	    op(w, sim_op_register_task_definition,
	       "{\"family\":\"s\",\"containerDefinitions\":[{\"name\":\"a\",\"image\":\"x\","
	       "\"memory\":100}]}"));
}

static void world_release(struct world *w)
{
	sim_store_release(&w->s);
	ecsctl_error_release(&w->err);
}

/* The ids of the instances the tasks of a RunTask answer went to, "a,b,..."
 * by instance index (0 = first registered). */
static void placed(struct world *w, json_t *resp, char *out, size_t n)
{
	json_t *cluster = json_object_get(w->s.clusters, "c"), *t;
	size_t i, len = 0;

	out[0] = '\0';
	json_array_foreach(json_object_get(resp, "tasks"), i, t) {
		const char *id = sim_arn_tail(sim_str(t, "containerInstanceArn")), *k;
		json_t *inst;
		int at = 0;
		json_object_foreach(json_object_get(cluster, "_instances"), k, inst) {
			if (strcmp(k, id) == 0)
				break;
			at++;
		}
		len += (size_t)snprintf(out + len, n - len, "%s%d", i ? "," : "", at);
	}
}

static long long remaining(struct world *w, int index, const char *name)
{
	json_t *cluster = json_object_get(w->s.clusters, "c"), *inst = NULL, *out, *r;
	const char *k;
	long long v = -1;
	size_t i;

	json_object_foreach(json_object_get(cluster, "_instances"), k, inst) {
		if (index-- == 0)
			break;
	}
	out = sim_instance_render(cluster, inst, sim_store_now(&w->s), 0);
	json_array_foreach(json_object_get(out, "remainingResources"), i, r) {
		if (strcmp(sim_str(r, "name"), name) == 0)
			v = sim_int(r, "integerValue", -1);
	}
	json_decref(out);
	return v;
}

static void test_placement__binpack_then_next_instance(void **state)
{
	struct world w;
	json_t *resp;
	char where[64];

	(void)state;
	world_init(&w);
	resp = op(&w, sim_op_run_task,
	          "{\"cluster\":\"c\",\"taskDefinition\":\"s\",\"count\":10,\"placementStrategy\":"
	          "[{\"type\":\"binpack\",\"field\":\"memory\"}]}");
	placed(&w, resp, where, sizeof(where));
	/* ten 100 MiB tasks: the first instance takes all ten (1024 MiB) */
	assert_string_equal(where, "0,0,0,0,0,0,0,0,0,0");
	assert_int_equal(remaining(&w, 0, "MEMORY"), 24);
	json_decref(resp);
	resp = op(&w, sim_op_run_task,
	          "{\"cluster\":\"c\",\"taskDefinition\":\"s\",\"placementStrategy\":"
	          "[{\"type\":\"binpack\",\"field\":\"memory\"}]}");
	placed(&w, resp, where, sizeof(where));
	assert_string_equal(where, "1");
	json_decref(resp);
	world_release(&w);
}

static void test_placement__spread_zone_then_instance(void **state)
{
	struct world w;
	json_t *resp;
	char where[64];

	(void)state;
	world_init(&w);
	/* zone a has instances 0 and 2, zone b instance 1 */
	resp = op(&w, sim_op_run_task,
	          "{\"cluster\":\"c\",\"taskDefinition\":\"s\",\"count\":4,\"placementStrategy\":"
	          "[{\"type\":\"spread\",\"field\":\"attribute:ecs.availability-zone\"},"
	          "{\"type\":\"spread\",\"field\":\"instanceId\"}]}");
	placed(&w, resp, where, sizeof(where));
	assert_string_equal(where, "0,1,2,1");
	json_decref(resp);
	world_release(&w);
}

static void test_placement__misses_and_exact_resources(void **state)
{
	struct world w;
	json_t *resp, *f;
	char where[64], stop[256];

	(void)state;
	world_init(&w);
	/* host port 8080: one per instance, then RESOURCE:PORTS */
	resp = op(&w, sim_op_run_task, "{\"cluster\":\"c\",\"taskDefinition\":\"m\",\"count\":4}");
	assert_int_equal(json_array_size(json_object_get(resp, "tasks")), 3);
	f = json_array_get(json_object_get(resp, "failures"), 0);
	assert_string_equal(sim_str(f, "reason"), "RESOURCE:PORTS");
	assert_int_equal(remaining(&w, 0, "CPU"), 924);
	assert_int_equal(remaining(&w, 0, "MEMORY"), 624);
	snprintf(stop, sizeof(stop), "{\"cluster\":\"c\",\"task\":\"%s\"}",
	         sim_str(json_array_get(json_object_get(resp, "tasks"), 0), "taskArn"));
	placed(&w, resp, where, sizeof(where));
	json_decref(resp);
	/* a stopping task holds its resources until it has stopped */
	json_decref(op(&w, sim_op_stop_task, stop));
	assert_int_equal(remaining(&w, where[0] - '0', "MEMORY"), 624);
	w.s.fixed_now += SIM_STOPPING_S;
	assert_int_equal(remaining(&w, where[0] - '0', "MEMORY"), 1024);
	assert_int_equal(remaining(&w, where[0] - '0', "CPU"), 1024);
	/* too big: the closest instance and ECS's reason */
	json_decref(op(&w, sim_op_register_task_definition,
	               "{\"family\":\"big\",\"containerDefinitions\":[{\"name\":\"a\",\"image\":"
	               "\"x\",\"cpu\":2048,\"memory\":64}]}"));
	resp = op(&w, sim_op_run_task, "{\"cluster\":\"c\",\"taskDefinition\":\"big\"}");
	assert_int_equal(json_array_size(json_object_get(resp, "tasks")), 0);
	f = json_array_get(json_object_get(resp, "failures"), 0);
	assert_string_equal(sim_str(f, "reason"), "RESOURCE:CPU");
	json_decref(resp);
	world_release(&w);
}

static void test_placement__miss_text(void **state)
{
	struct sim_place_miss miss = {"abc", "RESOURCE:MEMORY"};
	char buf[512];

	(void)state;
	sim_place_miss_text(&miss, "web", buf, sizeof(buf));
	assert_string_equal(buf, "(service web) was unable to place a task because no container "
	                         "instance met all of its requirements. The closest matching "
	                         "(container-instance abc) has insufficient memory available. For "
	                         "more information, see the Troubleshooting section of the Amazon "
	                         "ECS Developer Guide.");
	miss.reason = NULL;
	sim_place_miss_text(&miss, "web", buf, sizeof(buf));
	assert_non_null(strstr(buf, "Reason: No Container Instances were found in your cluster."));
}

int sim_tests_placement(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_placement__binpack_then_next_instance),
	    cmocka_unit_test(test_placement__spread_zone_then_instance),
	    cmocka_unit_test(test_placement__misses_and_exact_resources),
	    cmocka_unit_test(test_placement__miss_text),
	};

	return cmocka_run_group_tests_name("placement", tests, NULL, NULL);
}
