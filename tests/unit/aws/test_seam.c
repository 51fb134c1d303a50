/* The transport seam: scripted answers and virtual time, no network, no sleeping. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws_tests.h"
#include "ecsctl/creds.h"
#include "ecsctl/ecs.h"
#include "ecsctl/http.h"

struct fake_tr {
	int64_t now;   /* virtual milliseconds */
	int64_t slept; /* virtual time spent waiting with nothing in flight */
	struct ecsctl_http_exchange *inflight[32];
	int n;
	int started;
	const char *answer; /* body of a 400 throttle, or NULL for a 200 "{}" */
};

static int fake_start(void *ud, struct ecsctl_http_exchange *x, struct ecsctl_error *err)
{
	struct fake_tr *f = ud;

	ecsctl_buf_init(&x->resp_headers, 0);
	ecsctl_buf_init(&x->resp_body, 0);
	x->finished = 0;
	x->net = ECSCTL_HTTP_OK;
	f->inflight[f->n++] = x;
	f->started++;
	return 0;
}

static int fake_wait(void *ud, int64_t timeout_ms)
{
	struct fake_tr *f = ud;
	struct ecsctl_http_exchange *x;

	if (!f->n) {
		f->now += timeout_ms;
		f->slept += timeout_ms;
		return 0;
	}
	x = f->inflight[--f->n];
	f->now += 1;
	x->status = f->answer ? 400 : 200;
	ecsctl_buf_adds(&x->resp_body, f->answer ? f->answer : "{}");
	ecsctl_buf_adds(&x->resp_headers, "x-amzn-RequestId: fake\r\n");
	x->finished = 1;
	return 1;
}

static void fake_cancel(void *ud, struct ecsctl_http_exchange *x)
{
}

static int64_t fake_now(void *ud)
{
	return ((struct fake_tr *)ud)->now;
}

static int64_t fake_wall(void *ud)
{
	return 1705311000000LL + ((struct fake_tr *)ud)->now;
}

static void fake_sleep(void *ud, int64_t ms)
{
	((struct fake_tr *)ud)->now += ms;
}

static void test_aws_seam__backoff_runs_on_the_transport_clock(void **state)
{
	struct fake_tr f = {.answer = "{\"__type\":\"ThrottlingException\",\"message\":\"slow\"}"};
	struct ecsctl_http_transport t = {&f,       fake_start, fake_wait,  fake_cancel,
	                                  fake_now, fake_wall,  fake_sleep, NULL};
	struct ecsctl_ecs_options o = ECSCTL_ECS_OPTIONS_INIT;
	struct ecsctl_creds_provider *cp = NULL;
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	struct ecsctl_ecs *c = NULL;
	struct ecsctl_ecs_call call = {0};
	static const char *const env[] = {"HOME=/nonexistent", NULL};
	struct timespec a, b;
	int64_t real_ms;

	assert_int_equal(ecsctl_creds_provider_static(&cp, "AKID", "SECRET", NULL, &err), 0);
	o.region = "us-east-1";
	o.env = env;
	o.creds = cp;
	o.transport = &t;
	o.no_adaptive = true;
	o.backoff_base_ms = 1000;
	o.seed = 99;
	assert_int_equal(ecsctl_ecs_new(&c, &o, &err), 0);
	call.operation = "ListClusters";
	clock_gettime(CLOCK_MONOTONIC, &a);
	assert_int_equal(ecsctl_ecs_run(c, &call, 1, &err), ECSCTL_EAWS);
	clock_gettime(CLOCK_MONOTONIC, &b);
	real_ms = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
	/* 10 throttled attempts: 9 backoffs of up to 1, 2, 4, 8, 16, 20, 20, 20, 20 s,
	 * all spent on the virtual clock */
	assert_int_equal(call.attempts, 10);
	assert_int_equal(f.started, 10);
	assert_string_equal(call.error.aws_code, "ThrottlingException");
	assert_true(f.slept > 1000);
	assert_true(f.slept <= 111000);
	assert_true(real_ms < 1000);
	ecsctl_ecs_call_release(&call);
	ecsctl_error_release(&err);
	/* the same client then succeeds at once */
	f.answer = NULL;
	call.operation = "ListClusters";
	assert_int_equal(ecsctl_ecs_run(c, &call, 1, &err), 0);
	assert_int_equal(call.attempts, 1);
	ecsctl_ecs_call_release(&call);
	ecsctl_ecs_free(c);
	ecsctl_creds_provider_free(cp);
}

int aws_tests_seam(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_aws_seam__backoff_runs_on_the_transport_clock),
	};

	return cmocka_run_group_tests_name("aws_seam", tests, NULL, NULL);
}
