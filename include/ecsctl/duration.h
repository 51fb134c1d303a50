/* Durations as the CLI and ecsctl.yaml write them: "90s", "5m", "1h30m", "250ms". */
#ifndef ECSCTL_DURATION_H
#define ECSCTL_DURATION_H

#include <stdint.h>

/* Parses `s` into milliseconds. A bare number means seconds. Returns 0, or
 * -1 for an empty, malformed, or overflowing value. */
int ecsctl_duration_parse(int64_t *out_ms, const char *s);

/* Whole seconds of `ms` the same way: "7s", "1m05s", "2h00m30s" (what
 * ecsctl_duration_parse reads back). Returns `out`. */
#define ECSCTL_DURATION_FORMAT_SIZE 32
char *ecsctl_duration_format(char out[ECSCTL_DURATION_FORMAT_SIZE], int64_t ms);

#endif
