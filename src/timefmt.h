/*
 * timefmt.h: UTC time as axlog reads and writes it: RFC 3339 §5.6
 * timestamps in microseconds since the Unix epoch.
 */
#ifndef AXLOG_TIMEFMT_H
#define AXLOG_TIMEFMT_H

#include <stddef.h>
#include <stdint.h>

#define TIMEFMT_LEN	32	/* "2026-11-23T06:11:14.123456Z" and NUL */
#define TIMEFMT_DATE_LEN 11	/* "2026-11-23" and NUL */

/* Now, in microseconds since the epoch (CLOCK_REALTIME). */
int64_t	timefmt_now_us(void);

/* The instants RFC 3339 can write: years 0001 to 9999, in UTC. */
#define TIMEFMT_MIN_US	INT64_C(-62135596800000000)	/* 0001-01-01T00:00:00Z */
#define TIMEFMT_MAX_US	INT64_C(253402300799999999)	/* 9999-12-31T23:59:59.999999Z */

/*
 * Parse an RFC 3339 date-time (§5.6: full-date "T" full-time, with
 * optional fraction up to 9 digits, "Z" or ±hh:mm offset; 't'/'z' and a
 * space for 'T' are accepted as §5.6's note allows) of exactly len bytes.
 * Sub-microsecond digits are truncated.  Returns 0, or -1 when malformed
 * or out of range (years 0001–9999, real calendar days, no leap second;
 * after the offset too: 9999-12-31T23:59:59-08:00 is year 10000 in UTC,
 * which no output could write back).
 */
int	timefmt_parse(const char *s, size_t len, int64_t *us);

/* Format us as "YYYY-MM-DDThh:mm:ss[.ffffff]Z" (fraction only if non-zero). */
void	timefmt_format(int64_t us, char out[TIMEFMT_LEN]);
/* Format the UTC date of us as "YYYY-MM-DD". */
void	timefmt_date(int64_t us, char out[TIMEFMT_DATE_LEN]);

/* Days since 1970-01-01 of a proleptic Gregorian date, and back. */
int64_t	timefmt_days_from_civil(int y, int m, int d);
void	timefmt_civil_from_days(int64_t days, int *y, int *m, int *d);

#endif
