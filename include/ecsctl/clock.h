/* The one clock: every module reads time here, so that tests and the
 * client's seams (ecsctl/http.h's now/sleep hooks) have one default. */
#ifndef ECSCTL_CLOCK_H
#define ECSCTL_CLOCK_H

#include <stdint.h>

/* Milliseconds of CLOCK_MONOTONIC (for deadlines and intervals) and of
 * CLOCK_REALTIME (for what is shown or stored). `ud` is unused: the
 * signatures match the hooks in struct ecsctl_http_transport's users. */
int64_t ecsctl_clock_now_ms(void *ud);
int64_t ecsctl_clock_wall_ms(void *ud);
/* Sleeps `ms` (nothing when <= 0), resuming after signals. */
void ecsctl_clock_sleep_ms(void *ud, int64_t ms);

/* The same clocks in seconds with nanosecond fraction (ecs-local's
 * scaled clock and timestamps). */
double ecsctl_clock_mono_s(void);
double ecsctl_clock_wall_s(void);

#endif
