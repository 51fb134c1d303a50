/* UTC times by arithmetic rather than timegm(): no time zone state, no
 * silent normalization of "February 31", and one range check for all. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ecsctl/timestamp.h"
#include "banned.h"

#define LAST_EPOCH_S 253402300799.0 /* 9999-12-31T23:59:59Z */

/* `n` digits at `*p` into `*out`; advances `*p`. */
static bool digits(const char **p, int n, int *out)
{
	int v = 0;

	for (; n > 0; n--, (*p)++) {
		if (**p < '0' || **p > '9')
			return false;
		v = v * 10 + (**p - '0');
	}
	*out = v;
	return true;
}

static bool literal(const char **p, char c)
{
	if (**p != c)
		return false;
	(*p)++;
	return true;
}

static bool leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar
 * (Howard Hinnant's days_from_civil). */
static int64_t days_from_civil(int y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* The zone after an extended time: "Z", "+00:00", "UTC" or nothing. */
static bool utc_zone(const char *p)
{
	return !*p || !strcmp(p, "Z") || !strcmp(p, "+00:00") || !strcmp(p, "UTC");
}

int ecsctl_timestamp_parse(const char *s, int64_t *out_s)
{
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	const char *p = s;
	int y, mo, d, h, mi, sec;
	bool ok;

	if (!s)
		return -1;
	if (strlen(s) == 16 && s[8] == 'T') /* basic: 20240115T093000Z */
		ok = digits(&p, 4, &y) && digits(&p, 2, &mo) && digits(&p, 2, &d) &&
		     literal(&p, 'T') && digits(&p, 2, &h) && digits(&p, 2, &mi) &&
		     digits(&p, 2, &sec) && !strcmp(p, "Z");
	else { /* extended: 2024-01-15T09:30:00[.123](Z|+00:00|UTC|) */
		ok = digits(&p, 4, &y) && literal(&p, '-') && digits(&p, 2, &mo) &&
		     literal(&p, '-') && digits(&p, 2, &d) && literal(&p, 'T') &&
		     digits(&p, 2, &h) && literal(&p, ':') && digits(&p, 2, &mi) &&
		     literal(&p, ':') && digits(&p, 2, &sec);
		if (ok && literal(&p, '.'))
			while (*p >= '0' && *p <= '9')
				p++;
		ok = ok && utc_zone(p);
	}
	if (!ok || mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || sec > 60 ||
	    d > mdays[mo - 1] + (mo == 2 && leap(y)))
		return -1;
	*out_s = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec;
	return 0;
}

int ecsctl_timestamp_format(char out[ECSCTL_TIMESTAMP_MAX], double epoch_s)
{
	struct tm tm;
	time_t t;

	out[0] = '\0';
	/* range first: converting an out-of-range double is undefined */
	if (!(epoch_s >= 0 && epoch_s <= LAST_EPOCH_S))
		return -1;
	t = (time_t)epoch_s;
	if (!gmtime_r(&t, &tm) || !strftime(out, ECSCTL_TIMESTAMP_MAX, "%Y-%m-%dT%H:%M:%SZ", &tm)) {
		out[0] = '\0';
		return -1;
	}
	return 0;
}
