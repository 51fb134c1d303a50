/*
 * ecs-local's token buckets without HTTP: ECS's table of groups, a group
 * running dry while another still answers, refill on the (given) clock,
 * overrides, the single global bucket, the pause switch, and several
 * threads taking from one bucket at once.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "sim_int.h"
#include "sim_tests.h"
#include "banned.h"

/* How many of `n` requests for `op` at `now` pass. */
static int take_n(struct sim_throttle *t, const char *op, int n, double now)
{
	int ok = 0;

	while (n--)
		ok += sim_throttle_take(t, op, now);
	return ok;
}

static long long throttled(struct sim_throttle *t, const char *group)
{
	json_t *stats = sim_throttle_stats(t);
	long long n = sim_int(stats, group, -1);

	json_decref(stats);
	return n;
}

static void test_throttle__ecs_table(void **state)
{
	const struct sim_throttle_group *g;
	size_t n, i;
	int seen_other = 0;

	g = sim_throttle_table(&n);
	assert_int_equal(n, SIM_THROTTLE_BUCKETS);
	for (i = 0; i < n; i++) {
		assert_true(g[i].rate > 0 && g[i].burst >= g[i].rate);
		seen_other += strcmp(g[i].name, SIM_THROTTLE_OTHER) == 0;
	}
	assert_int_equal(seen_other, 1);
	/* the page's example, and the groups a plan reads from */
	assert_string_equal(sim_throttle_group_of("DescribeClusters"), "cluster-read");
	assert_string_equal(sim_throttle_group_of("ListClusters"), "cluster-read");
	assert_string_equal(sim_throttle_group_of("DescribeServices"), "service-read");
	assert_string_equal(sim_throttle_group_of("DescribeTaskDefinition"), "taskdef-read");
	assert_string_equal(sim_throttle_group_of("UpdateService"), "service-modify");
	assert_string_equal(sim_throttle_group_of("RegisterTaskDefinition"), "taskdef-modify");
	assert_string_equal(sim_throttle_group_of("TagResource"), "tag-modify");
	assert_string_equal(sim_throttle_group_of("ListTasks"), "cluster-resource-read");
	assert_string_equal(sim_throttle_group_of("UpdateContainerInstancesState"),
	                    "cluster-resource-modify");
	/* a prefix of a listed name is not that name */
	assert_string_equal(sim_throttle_group_of("ListTask"), SIM_THROTTLE_OTHER);
	assert_string_equal(sim_throttle_group_of("DiscoverPollEndpoint"), SIM_THROTTLE_OTHER);
	assert_string_equal(sim_throttle_group_of(NULL), SIM_THROTTLE_OTHER);
}

static void test_throttle__profile_groups_apart(void **state)
{
	struct ecsctl_sim_options o = ECSCTL_SIM_OPTIONS_INIT;
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	struct sim_throttle t;

	o.throttle_profile = "ecs";
	assert_int_equal(sim_throttle_init(&t, &o, 100.0, &err), 0);
	/* service reads: bucket 100, refill 20/s */
	assert_int_equal(take_n(&t, "DescribeServices", 150, 100.0), 100);
	assert_int_equal(throttled(&t, "service-read"), 50);
	/* cluster reads have their own bucket of 50 */
	assert_int_equal(take_n(&t, "DescribeClusters", 30, 100.0), 30);
	assert_int_equal(take_n(&t, "ListClusters", 30, 100.0), 20);
	assert_int_equal(throttled(&t, "cluster-read"), 10);
	/* half a second refills 10 service reads, no more */
	assert_int_equal(take_n(&t, "ListServices", 20, 100.5), 10);
	/* and ten seconds only up to the bucket's size */
	assert_int_equal(take_n(&t, "DescribeServices", 300, 110.5), 100);
	/* task definition writes: 20, then 1 per second */
	assert_int_equal(take_n(&t, "RegisterTaskDefinition", 25, 100.0), 20);
	assert_int_equal(take_n(&t, "RegisterTaskDefinition", 5, 102.0), 2);
	assert_int_equal(throttled(&t, "other"), 0);
	sim_throttle_release(&t);
}

static void test_throttle__overrides_and_global(void **state)
{
	struct ecsctl_sim_options o = ECSCTL_SIM_OPTIONS_INIT;
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	struct sim_throttle t;
	json_t *stats;

	/* an override over the profile */
	o.throttle_profile = "ecs";
	o.throttle_groups = "service-read=1:3;other=2:2";
	assert_int_equal(sim_throttle_init(&t, &o, 0.0, &err), 0);
	assert_int_equal(take_n(&t, "DescribeServices", 10, 0.0), 3);
	assert_int_equal(take_n(&t, "DiscoverPollEndpoint", 10, 0.0), 2);
	assert_int_equal(take_n(&t, "DescribeClusters", 60, 0.0), 50);
	sim_throttle_release(&t);

	/* groups without the profile: only those are limited */
	o.throttle_profile = NULL;
	o.throttle_groups = "cluster-read=1:2";
	assert_int_equal(sim_throttle_init(&t, &o, 0.0, &err), 0);
	assert_int_equal(take_n(&t, "ListClusters", 5, 0.0), 2);
	assert_int_equal(take_n(&t, "DescribeServices", 500, 0.0), 500);
	stats = sim_throttle_stats(&t);
	assert_int_equal(json_object_size(stats), 1);
	assert_int_equal(sim_int(stats, "cluster-read", -1), 3);
	json_decref(stats);
	sim_throttle_release(&t);

	/* --throttle RATE:BURST: one bucket that every operation shares */
	o.throttle_groups = NULL;
	o.throttle_rate = 5;
	o.throttle_burst = 4;
	assert_int_equal(sim_throttle_init(&t, &o, 0.0, &err), 0);
	assert_int_equal(take_n(&t, "ListClusters", 2, 0.0), 2);
	assert_int_equal(take_n(&t, "DescribeServices", 5, 0.0), 2);
	assert_int_equal(take_n(&t, NULL, 1, 0.2), 1);
	assert_int_equal(throttled(&t, "all"), 3);
	sim_throttle_release(&t);

	/* and the two together are refused, as is a group ECS does not have */
	o.throttle_profile = "ecs";
	assert_int_equal(sim_throttle_init(&t, &o, 0.0, &err), ECSCTL_EINVAL);
	assert_non_null(strstr(err.message, "exclude each other"));
	ecsctl_error_release(&err);
	sim_throttle_release(&t);
	assert_int_equal(ecsctl_sim_throttle_check("service-reads=1:2", &err), ECSCTL_EINVAL);
	assert_non_null(strstr(err.message, "unknown group 'service-reads'"));
	ecsctl_error_release(&err);
	assert_int_equal(ecsctl_sim_throttle_check("service-read=1:0", &err), ECSCTL_EINVAL);
	ecsctl_error_release(&err);
	assert_int_equal(ecsctl_sim_throttle_check("service-read=1:", &err), ECSCTL_EINVAL);
	ecsctl_error_release(&err);
	assert_int_equal(ecsctl_sim_throttle_check("service-read=0.5:1", &err), 0);
}

static void test_throttle__pause(void **state)
{
	struct ecsctl_sim_options o = ECSCTL_SIM_OPTIONS_INIT;
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	struct sim_throttle t;

	o.throttle_groups = "service-modify=1:5";
	assert_int_equal(sim_throttle_init(&t, &o, 0.0, &err), 0);
	assert_int_equal(take_n(&t, "CreateService", 10, 0.0), 5);
	sim_throttle_pause(&t, 1, 0.0);
	assert_int_equal(take_n(&t, "CreateService", 1000, 0.0), 1000);
	/* resumed: full again, whatever was taken while paused */
	sim_throttle_pause(&t, 0, 0.0);
	assert_int_equal(take_n(&t, "CreateService", 10, 0.0), 5);
	assert_int_equal(throttled(&t, "service-modify"), 10);
	sim_throttle_release(&t);
}

struct racer {
	struct sim_throttle *t;
	int passed;
};

static void *race(void *arg)
{
	struct racer *r = arg;

	r->passed = take_n(r->t, "DescribeTasks", 5000, 1.0);
	return NULL;
}

/* Four threads on one bucket: exactly its size passes (TSan checks the rest). */
static void test_throttle__threads_share_a_bucket(void **state)
{
	struct ecsctl_sim_options o = ECSCTL_SIM_OPTIONS_INIT;
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	struct sim_throttle t;
	struct racer r[4];
	pthread_t th[4];
	int i, total = 0;

	o.throttle_groups = "cluster-resource-read=1:1000";
	assert_int_equal(sim_throttle_init(&t, &o, 1.0, &err), 0);
	for (i = 0; i < 4; i++) {
		r[i].t = &t;
		r[i].passed = 0;
		assert_int_equal(pthread_create(&th[i], NULL, race, &r[i]), 0);
	}
	for (i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		total += r[i].passed;
	}
	assert_int_equal(total, 1000);
	assert_int_equal(throttled(&t, "cluster-resource-read"), 19000);
	sim_throttle_release(&t);
}

int sim_tests_throttle(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_throttle__ecs_table),
	    cmocka_unit_test(test_throttle__profile_groups_apart),
	    cmocka_unit_test(test_throttle__overrides_and_global),
	    cmocka_unit_test(test_throttle__pause),
	    cmocka_unit_test(test_throttle__threads_share_a_bucket),
	};
	return cmocka_run_group_tests_name("throttle", tests, NULL, NULL);
}
