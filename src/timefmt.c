/*
 * timefmt.c: RFC 3339 parsing and formatting, UTC only on output.
 * Civil-date arithmetic is done by hand (Howard Hinnant's days-from-civil
 * algorithm) so nothing depends on the process time zone or timegm().
 */
#include <stdio.h>
#include <time.h>

#include "timefmt.h"

#define US_PER_SEC	INT64_C(1000000)
#define US_PER_DAY	(INT64_C(86400) * US_PER_SEC)

int64_t
timefmt_now_us(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * US_PER_SEC + ts.tv_nsec / 1000;
}

int64_t
timefmt_days_from_civil(int y, int m, int d)
{
	int64_t		yy = y - (m <= 2);
	int64_t		era = (yy >= 0 ? yy : yy - 399) / 400;
	int64_t		yoe = yy - era * 400;
	int64_t		doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t		doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 719468;
}

void
timefmt_civil_from_days(int64_t z, int *y, int *m, int *d)
{
	int64_t		era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

static int
days_in_month(int y, int m)
{
	static const int	dim[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30,
				    31, 30, 31 };
	int			leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : dim[m - 1];
}

/* Exactly n digits at s into *v; -1 otherwise. */
static int
digits(const char *s, size_t n, int *v)
{
	size_t	i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		*v = *v * 10 + (s[i] - '0');
	}
	return 0;
}

/* The fraction after '.', up to 9 digits; advances *i past it. */
static int
fraction(const char *s, size_t len, size_t *i, int64_t *us)
{
	int64_t	scale = 100000;
	size_t	n = 0;

	*us = 0;
	for ((*i)++; *i < len && s[*i] >= '0' && s[*i] <= '9'; (*i)++, n++) {
		if (n >= 9)
			return -1;
		*us += (s[*i] - '0') * scale;
		scale /= 10;
	}
	return n == 0 ? -1 : 0;
}

/* "Z" or ±hh:mm at s[i..len), in seconds east of UTC. */
static int
offset(const char *s, size_t len, size_t i, int64_t *off)
{
	int	hh, mm;

	if (len - i == 1 && (s[i] == 'Z' || s[i] == 'z')) {
		*off = 0;
		return 0;
	}
	if (len - i != 6 || (s[i] != '+' && s[i] != '-') || s[i + 3] != ':' ||
	    digits(s + i + 1, 2, &hh) != 0 || digits(s + i + 4, 2, &mm) != 0 ||
	    hh > 23 || mm > 59)
		return -1;
	*off = (int64_t)(hh * 3600 + mm * 60) * (s[i] == '-' ? -1 : 1);
	return 0;
}

int
timefmt_parse(const char *s, size_t len, int64_t *us)
{
	int	y, mo, d, h, mi, se;
	int64_t	frac = 0, off, t;
	size_t	i = 19;

	if (len < 20 || digits(s, 4, &y) != 0 || s[4] != '-' ||
	    digits(s + 5, 2, &mo) != 0 || s[7] != '-' ||
	    digits(s + 8, 2, &d) != 0 ||
	    (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
	    digits(s + 11, 2, &h) != 0 || s[13] != ':' ||
	    digits(s + 14, 2, &mi) != 0 || s[16] != ':' ||
	    digits(s + 17, 2, &se) != 0)
		return -1;
	if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) ||
	    h > 23 || mi > 59 || se > 59)
		return -1;
	if (s[i] == '.' && fraction(s, len, &i, &frac) != 0)
		return -1;
	if (i >= len || offset(s, len, i, &off) != 0)
		return -1;
	t = timefmt_days_from_civil(y, mo, d) * US_PER_DAY +
	    ((int64_t)h * 3600 + mi * 60 + se - off) * US_PER_SEC + frac;
	if (t < TIMEFMT_MIN_US || t > TIMEFMT_MAX_US)
		return -1;
	*us = t;
	return 0;
}

static void
split(int64_t us, int64_t *days, int64_t *rem)
{
	*days = us / US_PER_DAY;
	*rem = us % US_PER_DAY;
	if (*rem < 0) {
		*rem += US_PER_DAY;
		(*days)--;
	}
}

void
timefmt_format(int64_t us, char out[TIMEFMT_LEN])
{
	int64_t	days, rem, sec;
	int	y, m, d;

	split(us, &days, &rem);
	timefmt_civil_from_days(days, &y, &m, &d);
	sec = rem / US_PER_SEC;
	if (rem % US_PER_SEC != 0)
		snprintf(out, TIMEFMT_LEN, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ",
		    y, m, d, (int)(sec / 3600), (int)(sec / 60 % 60),
		    (int)(sec % 60), (int)(rem % US_PER_SEC));
	else
		snprintf(out, TIMEFMT_LEN, "%04d-%02d-%02dT%02d:%02d:%02dZ",
		    y, m, d, (int)(sec / 3600), (int)(sec / 60 % 60),
		    (int)(sec % 60));
}

void
timefmt_date(int64_t us, char out[TIMEFMT_DATE_LEN])
{
	int64_t	days, rem;
	int	y, m, d;

	split(us, &days, &rem);
	timefmt_civil_from_days(days, &y, &m, &d);
	snprintf(out, TIMEFMT_DATE_LEN, "%04d-%02d-%02d", y, m, d);
}
