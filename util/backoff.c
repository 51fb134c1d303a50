#include "ecsctl/backoff.h"
#include "ecsctl/rand.h"
#include "banned.h"

int64_t ecsctl_backoff_ms(unsigned attempt, int64_t base_ms, int64_t cap_ms,
                          enum ecsctl_jitter jitter, uint64_t *rng)
{
	int64_t d = base_ms, low;
	unsigned i;

	if (base_ms <= 0)
		return 0;
	if (cap_ms < base_ms)
		cap_ms = base_ms;
	/* doubling stops at the cap, so a huge attempt count cannot overflow */
	for (i = 1; i < attempt && d < cap_ms; i++)
		d = d > cap_ms / 2 ? cap_ms : d * 2;
	low = jitter == ECSCTL_JITTER_EQUAL ? d / 2 : 0;
	return low + (int64_t)ecsctl_rand_below(rng, (uint64_t)(d - low) + 1);
}
