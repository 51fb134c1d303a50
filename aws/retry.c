#include <assert.h>
#include <math.h>

#include "retry_int.h"
#include "banned.h"

#define MIN_FILL_RATE 0.5
#define CUBIC_SCALE 0.4
#define CUBIC_BETA 0.7
#define MAX_RATE_ADJUST 2.0
#define SMOOTHING 0.8
#define BUCKET_SECONDS 0.5
#define MIN_MEASURE_SECONDS 0.1

int retry_quota_take(struct retry_quota *q, int cost)
{
	if (q->available < cost)
		return -1;
	q->available -= cost;
	return 0;
}

void retry_quota_give(struct retry_quota *q, int amount)
{
	q->available += amount;
	if (q->available > q->max)
		q->available = q->max;
}

void rate_limiter_init(struct rate_limiter *l, int64_t now_ms)
{
	double now = (double)now_ms / 1000.0;

	*l = (struct rate_limiter){0};
	l->fill_rate = MIN_FILL_RATE;
	l->max_capacity = 1;
	l->last_refill = -1;
	l->last_fail = now;
	/* bucket-aligned, or the first measure would span up to a whole second */
	l->last_bucket = floor(now / BUCKET_SECONDS) * BUCKET_SECONDS;
}

static void refill(struct rate_limiter *l, double now)
{
	if (l->last_refill >= 0 && now > l->last_refill) {
		l->capacity += (now - l->last_refill) * l->fill_rate;
		if (l->capacity > l->max_capacity)
			l->capacity = l->max_capacity;
	}
	l->last_refill = now;
}

int64_t rate_limiter_acquire(struct rate_limiter *l, int64_t now_ms)
{
	double now = (double)now_ms / 1000.0, wait;

	if (!l->enabled)
		return 0;
	refill(l, now);
	if (l->capacity >= 1) {
		l->capacity -= 1;
		return 0;
	}
	/* set_max_rate never goes below MIN_FILL_RATE: no division by zero */
	assert(l->fill_rate >= MIN_FILL_RATE);
	wait = (1 - l->capacity) / l->fill_rate;
	return (int64_t)ceil(wait * 1000.0);
}

static void set_max_rate(struct rate_limiter *l, double rate, double now)
{
	refill(l, now);
	l->fill_rate = rate > MIN_FILL_RATE ? rate : MIN_FILL_RATE;
	l->max_capacity = rate >= 1 ? rate : 1;
	if (l->capacity > l->max_capacity)
		l->capacity = l->max_capacity;
}

void rate_limiter_update(struct rate_limiter *l, int64_t now_ms, int throttled, int64_t sent_ms)
{
	double now = (double)now_ms / 1000.0, bucket, new_rate, cap;

	bucket = floor(now / BUCKET_SECONDS) * BUCKET_SECONDS;
	l->count++;
	if (bucket > l->last_bucket) {
		double current = l->count / (bucket - l->last_bucket);

		l->measured_rate = current * SMOOTHING + l->measured_rate * (1 - SMOOTHING);
		l->count = 0;
		l->last_bucket = bucket;
	}
	if (throttled && l->enabled && (double)sent_ms / 1000.0 < l->last_fail) {
		/* sent before the last cut: that cut already answered this congestion
		 * (TCP cuts once per window too); without this a burst of 16 throttled
		 * answers would cut the rate 16 times over */
		l->throttles++;
		return;
	}
	if (!throttled) {
		double dt = now - l->last_fail - l->k;

		new_rate = CUBIC_SCALE * dt * dt * dt + l->w_max;
	} else {
		double measured = l->measured_rate, rate, elapsed = now - l->last_bucket;

		/* botocore only measures at 0.5 s bucket ends, so a burst throttled in its
		 * first bucket would measure 0 and crawl at 0.5 req/s; count the bucket in
		 * progress instead when it says more */
		if (elapsed < MIN_MEASURE_SECONDS)
			elapsed = MIN_MEASURE_SECONDS;
		if (l->count / elapsed > measured)
			measured = l->count / elapsed;
		rate = l->enabled && l->fill_rate < measured ? l->fill_rate : measured;

		l->w_max = rate;
		l->k = cbrt(rate * (1 - CUBIC_BETA) / CUBIC_SCALE);
		l->last_fail = now;
		new_rate = rate * CUBIC_BETA;
		/* botocore keeps the tokens saved up while it was off, letting a burst
		 * follow the throttle; start the cut rate from an empty bucket */
		l->capacity = 0;
		l->enabled = 1;
		l->throttles++;
	}
	cap = MAX_RATE_ADJUST * (l->measured_rate > l->w_max ? l->measured_rate : l->w_max);
	set_max_rate(l, new_rate < cap ? new_rate : cap, now);
}
