/* The one pseudo-random source: a small seedable generator for jitter,
 * ecs-local's ids and its fault dice. Not for secrets (those come from
 * OpenSSL's RAND_bytes). Every state is valid, 0 included. */
#ifndef ECSCTL_RAND_H
#define ECSCTL_RAND_H

#include <stdint.h>

/* splitmix64: the next 64 random bits; advances `*state`. A given seed
 * always yields the same sequence (ecs-local's --seed relies on that). */
uint64_t ecsctl_rand_next(uint64_t *state);

/* Uniform in [0, n) (the modulo bias is below 2^-40 for the small n used
 * here); 0 when n is 0. Advances `*state`. */
uint64_t ecsctl_rand_below(uint64_t *state, uint64_t n);

/* A seed that differs between processes and between calls: wall and
 * monotonic clocks, the process id and a counter, mixed. */
uint64_t ecsctl_rand_seed(void);

#endif
