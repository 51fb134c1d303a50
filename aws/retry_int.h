/*
 * Retry pieces of the ECS client (numbers are documented in ecs.h; the
 * backoff itself is ecsctl/backoff.h's, with full jitter): the standard-mode
 * retry quota,
 * and botocore's adaptive client-side rate limiter (a token bucket whose fill
 * rate follows CUBIC: cut to 70% of the measured send rate on a throttle,
 * regrow along a cubic curve on success).
 */
#ifndef ECSCTL_RETRY_INT_H
#define ECSCTL_RETRY_INT_H

#include <stdint.h>

struct retry_quota {
	int available;
	int max;
};
#define RETRY_QUOTA_MAX 500
#define RETRY_COST 5
#define RETRY_TIMEOUT_COST 10
#define RETRY_NO_RETRY_INCREMENT 1

/* Takes `cost` from the quota; 0 when granted, -1 when exhausted. */
int retry_quota_take(struct retry_quota *q, int cost);
void retry_quota_give(struct retry_quota *q, int amount);

struct rate_limiter {
	int enabled;      /* only after the first throttle, as botocore */
	double fill_rate; /* tokens per second */
	double max_capacity;
	double capacity;
	double last_refill; /* seconds; < 0 before the first refill */
	/* CUBIC */
	double w_max, k, last_fail;
	/* measured send rate (botocore's RateClocker) */
	double measured_rate, last_bucket;
	int count;
	int throttles; /* seen, for stats and tests */
};

void rate_limiter_init(struct rate_limiter *l, int64_t now_ms);
/* Takes a token for one request. Returns 0, or the milliseconds to wait
 * before asking again (no token taken). Always 0 until enabled. */
int64_t rate_limiter_acquire(struct rate_limiter *l, int64_t now_ms);
/* Feeds an answer back: `throttled` when it was a throttling error; `sent_ms`
 * when its request was sent. A throttle for a request sent before the last
 * rate cut does not cut again. */
void rate_limiter_update(struct rate_limiter *l, int64_t now_ms, int throttled, int64_t sent_ms);

#endif
