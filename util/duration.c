#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "ecsctl/duration.h"
#include "banned.h"

int ecsctl_duration_parse(int64_t *out_ms, const char *s)
{
	int64_t total = 0;
	int any = 0;

	if (!s || !*s)
		return -1;
	while (*s) {
		int64_t n = 0, unit;
		int digits = 0;

		while (isdigit((unsigned char)*s)) {
			if (n > (INT64_MAX - 9) / 10)
				return -1;
			n = n * 10 + (*s++ - '0');
			digits++;
		}
		if (!digits)
			return -1;
		if (!strncmp(s, "ms", 2)) {
			unit = 1;
			s += 2;
		} else if (*s == 's') {
			unit = 1000;
			s++;
		} else if (*s == 'm') {
			unit = 60 * 1000;
			s++;
		} else if (*s == 'h') {
			unit = 3600 * 1000;
			s++;
		} else if (!*s && !any) {
			unit = 1000; /* a bare number is seconds */
		} else {
			return -1;
		}
		if (n > (INT64_MAX - total) / unit)
			return -1;
		total += n * unit;
		any = 1;
	}
	*out_ms = total;
	return 0;
}

char *ecsctl_duration_format(char out[ECSCTL_DURATION_FORMAT_SIZE], int64_t ms)
{
	long long s = ms < 0 ? 0 : (long long)(ms / 1000);

	if (s < 60)
		snprintf(out, ECSCTL_DURATION_FORMAT_SIZE, "%llds", s);
	else if (s < 3600)
		snprintf(out, ECSCTL_DURATION_FORMAT_SIZE, "%lldm%02llds", s / 60, s % 60);
	else
		snprintf(out, ECSCTL_DURATION_FORMAT_SIZE, "%lldh%02lldm%02llds", s / 3600,
		         s / 60 % 60, s % 60);
	return out;
}
