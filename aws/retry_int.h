/*
 * Retry pieces of the ECS client (numbers are documented in ecs.h):
 * capped exponential backoff with full jitter, the standard-mode retry quota,
 * and botocore's adaptive client-side rate limiter (a token bucket whose fill
 * rate follows CUBIC: cut to 70% of the measured send rate on a throttle,
 * regrow along a cubic curve on success).
 */
#ifndef ECSCTL_RETRY_INT_H
#define ECSCTL_RETRY_INT_H

#include <stdint.h>

/* xorshift64*: deterministic jitter from a seed; state must be nonzero. */
uint64_t retry_rand(uint64_t *state);

/* Full jitter: uniform in [0, min(cap, base * 2^(attempt-1))]; attempt >= 1. */
int64_t retry_backoff_ms(int attempt, int64_t base_ms, int64_t cap_ms, uint64_t *rng);

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
