#include <stdatomic.h>
#include <time.h>
#include <unistd.h>

#include "ecsctl/rand.h"
#include "banned.h"

#define GOLDEN_GAMMA 0x9e3779b97f4a7c15ULL

uint64_t ecsctl_rand_next(uint64_t *state)
{
	uint64_t z = (*state += GOLDEN_GAMMA);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

uint64_t ecsctl_rand_below(uint64_t *state, uint64_t n)
{
	return n ? ecsctl_rand_next(state) % n : 0;
}

uint64_t ecsctl_rand_seed(void)
{
	/* two seeds taken in the same nanosecond (threads) still differ */
	static atomic_uint_fast64_t calls;
	struct timespec wall, mono;
	uint64_t s;

	clock_gettime(CLOCK_REALTIME, &wall);
	clock_gettime(CLOCK_MONOTONIC, &mono);
	s = (uint64_t)wall.tv_sec * 1000000000ULL + (uint64_t)wall.tv_nsec;
	s ^= ((uint64_t)getpid() << 32) ^ (uint64_t)mono.tv_nsec;
	s += atomic_fetch_add(&calls, 1) * GOLDEN_GAMMA;
	return ecsctl_rand_next(&s);
}
