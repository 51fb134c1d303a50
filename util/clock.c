#include <errno.h>
#include <time.h>

#include "ecsctl/clock.h"
#include "banned.h"

static int64_t ms_of(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static double s_of(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int64_t ecsctl_clock_now_ms(void *ud)
{
	(void)ud;
	return ms_of(CLOCK_MONOTONIC);
}

int64_t ecsctl_clock_wall_ms(void *ud)
{
	(void)ud;
	return ms_of(CLOCK_REALTIME);
}

double ecsctl_clock_mono_s(void)
{
	return s_of(CLOCK_MONOTONIC);
}

double ecsctl_clock_wall_s(void)
{
	return s_of(CLOCK_REALTIME);
}

void ecsctl_clock_sleep_ms(void *ud, int64_t ms)
{
	struct timespec ts;

	(void)ud;
	if (ms <= 0)
		return;
	ts.tv_sec = (time_t)(ms / 1000);
	ts.tv_nsec = (long)(ms % 1000) * 1000000;
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}
