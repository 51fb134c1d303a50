/* Durations as the CLI and ecsctl.yaml write them: "90s", "5m", "1h30m", "250ms". */
#ifndef ECSCTL_DURATION_H
#define ECSCTL_DURATION_H

#include <stdint.h>

/* Parses `s` into milliseconds. A bare number means seconds. Returns 0, or
 * -1 for an empty, malformed, or overflowing value. */
int ecsctl_duration_parse(int64_t *out_ms, const char *s);

#endif
