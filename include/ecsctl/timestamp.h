/* The one ISO 8601 / RFC 3339 reader and writer for UTC times: credential
 * expiries, SigV4's X-Amz-Date, times shown in reports. */
#ifndef ECSCTL_TIMESTAMP_H
#define ECSCTL_TIMESTAMP_H

#include <stdint.h>

/* Room for "YYYY-MM-DDThh:mm:ssZ" and its NUL, with some to spare. */
#define ECSCTL_TIMESTAMP_MAX 32

/*
 * Parses a UTC time into seconds since the epoch. Two forms:
 *   extended  "2024-01-15T09:30:00Z": a fraction (".123") is read and
 *             dropped; the zone is "Z", "+00:00", "UTC" or absent;
 *   basic     "20240115T093000Z" (SigV4's X-Amz-Date), exactly so.
 * Every field is all digits and in range (the day for its month and year;
 * second 60 for a leap second). 0, or -1 with `*out_s` untouched when
 * malformed, non-UTC or NULL.
 */
int ecsctl_timestamp_parse(const char *s, int64_t *out_s);

/* `epoch_s` (a fraction is dropped: ECS answers carry seconds as JSON
 * numbers) as "YYYY-MM-DDThh:mm:ssZ". 0, or -1 with "" in `out` when it is
 * not within years 1970..9999. */
int ecsctl_timestamp_format(char out[ECSCTL_TIMESTAMP_MAX], double epoch_s);

#endif
