/* Shared inside aws/ only. */
#ifndef ECSCTL_AWS_INT_H
#define ECSCTL_AWS_INT_H

#include <stddef.h>
#include <stdint.h>

#define AWS_MAX_PARTITION_REGIONS 40

struct aws_partition {
	const char *id;
	const char *dns_suffix;
	const char *dual_stack_dns_suffix;
	int supports_fips;
	int supports_dual_stack;
	const char *region_regex; /* POSIX extended */
	const char *regions[AWS_MAX_PARTITION_REGIONS];
};

extern const struct aws_partition aws_partitions[];

/* `profile` when set, else AWS_PROFILE, else "default". */
const char *aws_profile_name(const char *profile, const char *const *env);
extern const size_t aws_npartitions;

/* Fills `err` (unless set) as an AWS answer: ECSCTL_EAWS, "CODE: message"
 * (printable text only, capped), aws_code, http_status and request_id. */
struct ecsctl_error;
int aws_set_error(struct ecsctl_error *err, long status, const char *code, const char *message,
                  size_t mlen, const char *request_id);

#endif
