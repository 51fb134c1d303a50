/* The one retry backoff: capped exponential growth with jitter, so that
 * many clients failing together do not retry in step. The ECS client uses
 * full jitter (AWS's standard retry mode); watch uses equal jitter, whose
 * delay never collapses to zero. */
#ifndef ECSCTL_BACKOFF_H
#define ECSCTL_BACKOFF_H

#include <stdint.h>

enum ecsctl_jitter {
	ECSCTL_JITTER_FULL,  /* uniform in [0, d] */
	ECSCTL_JITTER_EQUAL, /* uniform in [d/2, d] */
};

/*
 * Delay in ms before try `attempt` + 1 after `attempt` (>= 1; 0 counts as 1)
 * failures: d = min(cap, base * 2^(attempt-1)), then jittered. A cap below
 * the base is raised to the base; 0 when base <= 0. Never overflows for any
 * attempt. `rng` is an ecsctl/rand.h state, advanced.
 */
int64_t ecsctl_backoff_ms(unsigned attempt, int64_t base_ms, int64_t cap_ms,
                          enum ecsctl_jitter jitter, uint64_t *rng);

#endif
