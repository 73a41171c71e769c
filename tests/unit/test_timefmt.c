/*
 * test_timefmt.c: RFC 3339 timestamps: what the parser accepts (case,
 * separator, fractions, offsets, calendar days) and refuses, formatting
 * and round trips on both sides of the epoch, and the civil-date
 * arithmetic under both.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "timefmt.h"

#define US(s)	((int64_t)(s) * INT64_C(1000000))

/* 2026-11-23T06:11:14Z in microseconds since the epoch. */
#define T0	INT64_C(1795414274000000)

/*
 * Parse the first len bytes of s from a heap copy of exactly len bytes,
 * with no terminator, so the sanitizer sees any read past the end.
 */
static int
parse_n(const char *s, size_t len, int64_t *us)
{
	char	*copy = malloc(len ? len : 1);
	int	 rc;

	cr_assert_not_null(copy);
	memcpy(copy, s, len);
	rc = timefmt_parse(copy, len, us);
	free(copy);
	return rc;
}

static int
parse(const char *s, int64_t *us)
{
	return parse_n(s, strlen(s), us);
}

static void
assert_parses_to(const char *s, int64_t want)
{
	int64_t	us = 0;

	cr_assert_eq(parse(s, &us), 0, "refused %s", s);
	cr_assert_eq(us, want, "%s: got %lld, want %lld", s, (long long)us,
	    (long long)want);
}

static void
assert_refused(const char *s)
{
	int64_t	us = 12345;

	cr_assert_eq(parse(s, &us), -1, "accepted %s", s);
	cr_assert_eq(us, 12345, "%s: wrote the result though refused", s);
}

static int
is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
month_days(int y, int m)
{
	static const int	dim[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30,
				    31, 30, 31 };

	return m == 2 && is_leap(y) ? 29 : dim[m - 1];
}

Test(timefmt, parses_utc_z)
{
	assert_parses_to("2026-11-23T06:11:14Z", T0);
}

Test(timefmt, parses_epoch)
{
	assert_parses_to("1970-01-01T00:00:00Z", 0);
}

Test(timefmt, parses_lower_case_t_and_z)
{
	assert_parses_to("2026-11-23t06:11:14z", T0);
	assert_parses_to("2026-11-23t06:11:14Z", T0);
	assert_parses_to("2026-11-23T06:11:14z", T0);
}

Test(timefmt, parses_space_separator)
{
	assert_parses_to("2026-11-23 06:11:14Z", T0);
}

Test(timefmt, refuses_other_separators)
{
	assert_refused("2026-11-23_06:11:14Z");
	assert_refused("2026-11-23x06:11:14Z");
	assert_refused("2026/11/23T06:11:14Z");
	assert_refused("2026-11-23T06.11.14Z");
}

Test(timefmt, fraction_of_one_to_six_digits)
{
	assert_parses_to("2026-11-23T06:11:14.1Z", T0 + 100000);
	assert_parses_to("2026-11-23T06:11:14.12Z", T0 + 120000);
	assert_parses_to("2026-11-23T06:11:14.123Z", T0 + 123000);
	assert_parses_to("2026-11-23T06:11:14.1234Z", T0 + 123400);
	assert_parses_to("2026-11-23T06:11:14.12345Z", T0 + 123450);
	assert_parses_to("2026-11-23T06:11:14.123456Z", T0 + 123456);
}

Test(timefmt, fraction_beyond_microseconds_is_truncated)
{
	assert_parses_to("2026-11-23T06:11:14.1234567Z", T0 + 123456);
	assert_parses_to("2026-11-23T06:11:14.12345678Z", T0 + 123456);
	assert_parses_to("2026-11-23T06:11:14.123456789Z", T0 + 123456);
	assert_parses_to("2026-11-23T06:11:14.999999999Z", T0 + 999999);
	assert_parses_to("2026-11-23T06:11:14.000000999Z", T0);
}

Test(timefmt, fraction_of_zeros_is_whole_second)
{
	assert_parses_to("2026-11-23T06:11:14.0Z", T0);
	assert_parses_to("2026-11-23T06:11:14.000000000Z", T0);
}

Test(timefmt, refuses_fraction_of_ten_digits)
{
	assert_refused("2026-11-23T06:11:14.1234567890Z");
	assert_refused("2026-11-23T06:11:14.0000000000Z");
}

Test(timefmt, refuses_dot_without_digits)
{
	assert_refused("2026-11-23T06:11:14.Z");
	assert_refused("2026-11-23T06:11:14.+01:00");
	assert_refused("2026-11-23T06:11:14.");
}

Test(timefmt, positive_offset_is_converted_to_utc)
{
	/* 06:11:14+05:30 is 00:41:14Z. */
	assert_parses_to("2026-11-23T06:11:14+05:30", T0 - US(5 * 3600 + 1800));
}

Test(timefmt, negative_offset_is_converted_to_utc)
{
	/* 06:11:14-08:00 is 14:11:14Z. */
	assert_parses_to("2026-11-23T06:11:14-08:00", T0 + US(8 * 3600));
}

Test(timefmt, zero_offsets_equal_z)
{
	assert_parses_to("2026-11-23T06:11:14+00:00", T0);
	assert_parses_to("2026-11-23T06:11:14-00:00", T0);
}

Test(timefmt, offset_crossing_midnight_and_year)
{
	assert_parses_to("2027-01-01T01:00:00+02:00",
	    US(timefmt_days_from_civil(2026, 12, 31) * 86400 + 23 * 3600));
	assert_parses_to("1969-12-31T23:00:00-01:00", 0);
}

Test(timefmt, offset_with_fraction)
{
	assert_parses_to("2026-11-23T06:11:14.5-08:00",
	    T0 + US(8 * 3600) + 500000);
}

Test(timefmt, offset_extremes)
{
	assert_parses_to("2026-11-23T06:11:14+23:59", T0 - US(23 * 3600 + 59 * 60));
	assert_parses_to("2026-11-23T06:11:14-23:59", T0 + US(23 * 3600 + 59 * 60));
}

Test(timefmt, refuses_malformed_offset)
{
	assert_refused("2026-11-23T06:11:14+24:00");
	assert_refused("2026-11-23T06:11:14+05:60");
	assert_refused("2026-11-23T06:11:14+0530");
	assert_refused("2026-11-23T06:11:14+05");
	assert_refused("2026-11-23T06:11:14+5:30");
	assert_refused("2026-11-23T06:11:14+05-30");
	assert_refused("2026-11-23T06:11:14 05:30");
	assert_refused("2026-11-23T06:11:14+05:3a");
}

Test(timefmt, refuses_missing_offset)
{
	assert_refused("2026-11-23T06:11:14");
	assert_refused("2026-11-23T06:11:14.123456");
}

Test(timefmt, refuses_trailing_junk)
{
	assert_refused("2026-11-23T06:11:14ZZ");
	assert_refused("2026-11-23T06:11:14Z ");
	assert_refused("2026-11-23T06:11:14Zx");
	assert_refused("2026-11-23T06:11:14+05:30Z");
	assert_refused("2026-11-23T06:11:14+05:300");
	assert_refused("2026-11-23T06:11:14.5Zjunk");
}

Test(timefmt, refuses_unknown_zone_letter)
{
	assert_refused("2026-11-23T06:11:14A");
	assert_refused("2026-11-23T06:11:14UTC");
}

Test(timefmt, accepts_leap_day_of_leap_year)
{
	assert_parses_to("2024-02-29T12:00:00Z", INT64_C(1709208000000000));
	assert_parses_to("2000-02-29T00:00:00Z",
	    US(timefmt_days_from_civil(2000, 2, 29) * 86400));
}

Test(timefmt, refuses_leap_day_of_common_year)
{
	assert_refused("2026-02-29T00:00:00Z");
	assert_refused("1900-02-29T00:00:00Z");
	assert_refused("2024-02-30T00:00:00Z");
}

Test(timefmt, refuses_31st_of_30_day_month)
{
	assert_refused("2026-04-31T00:00:00Z");
	assert_refused("2026-06-31T00:00:00Z");
	assert_refused("2026-09-31T00:00:00Z");
	assert_refused("2026-11-31T00:00:00Z");
}

Test(timefmt, last_day_of_each_month_is_accepted)
{
	static const char *const ok[] = {
		"2026-01-31T00:00:00Z", "2026-02-28T00:00:00Z",
		"2026-03-31T00:00:00Z", "2026-04-30T00:00:00Z",
		"2026-05-31T00:00:00Z", "2026-06-30T00:00:00Z",
		"2026-07-31T00:00:00Z", "2026-08-31T00:00:00Z",
		"2026-09-30T00:00:00Z", "2026-10-31T00:00:00Z",
		"2026-11-30T00:00:00Z", "2026-12-31T00:00:00Z",
	};
	size_t	i;
	int64_t	us;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		cr_assert_eq(parse(ok[i], &us), 0, "refused %s", ok[i]);
}

Test(timefmt, refuses_month_and_day_out_of_range)
{
	assert_refused("2026-00-10T00:00:00Z");
	assert_refused("2026-13-10T00:00:00Z");
	assert_refused("2026-01-00T00:00:00Z");
	assert_refused("2026-01-32T00:00:00Z");
}

Test(timefmt, refuses_hour_24)
{
	assert_refused("2026-11-23T24:00:00Z");
}

Test(timefmt, refuses_minute_60)
{
	assert_refused("2026-11-23T06:60:00Z");
}

Test(timefmt, refuses_leap_second)
{
	assert_refused("2026-12-31T23:59:60Z");
}

Test(timefmt, accepts_last_second_of_day)
{
	assert_parses_to("1970-01-01T23:59:59Z", US(86399));
}

Test(timefmt, year_range_is_0001_to_9999)
{
	assert_parses_to("0001-01-01T00:00:00Z", INT64_C(-62135596800000000));
	assert_parses_to("9999-12-31T23:59:59.999999Z",
	    INT64_C(253402300799999999));
	assert_refused("0000-12-31T00:00:00Z");
	/* The range holds in UTC, after the offset. */
	assert_refused("9999-12-31T23:59:59-08:00");
	assert_refused("0001-01-01T00:00:00+00:01");
	assert_parses_to("9999-12-31T23:59:59+08:00",
	    INT64_C(253402271999000000));
	assert_parses_to("0001-01-01T00:00:00-00:01",
	    INT64_C(-62135596740000000));
}

Test(timefmt, refuses_non_digits_in_fields)
{
	assert_refused("+026-11-23T06:11:14Z");
	assert_refused("2026-1a-23T06:11:14Z");
	assert_refused("2026-11-2 T06:11:14Z");
	assert_refused("2026-11-23T-6:11:14Z");
	assert_refused("2026-11-23T06:+1:14Z");
	assert_refused("2026-11-23T06:11: 4Z");
	assert_refused("20261123T061114Z");
}

Test(timefmt, refuses_empty)
{
	int64_t	us = 7;

	cr_assert_eq(timefmt_parse("", 0, &us), -1);
	cr_assert_eq(us, 7);
}

/* Every proper prefix of a valid timestamp is refused, reading nothing past it. */
Test(timefmt, refuses_every_truncation)
{
	static const char *const full[] = {
		"2026-11-23T06:11:14Z",
		"2026-11-23T06:11:14.123456789Z",
		"2026-11-23T06:11:14+05:30",
		"2026-11-23T06:11:14.5-08:00",
	};
	size_t	i, n;
	int64_t	us;

	for (i = 0; i < sizeof(full) / sizeof(full[0]); i++) {
		cr_assert_eq(parse(full[i], &us), 0, "refused %s", full[i]);
		for (n = 0; n < strlen(full[i]); n++)
			cr_assert_eq(parse_n(full[i], n, &us), -1,
			    "accepted the %zu-byte prefix of %s", n, full[i]);
	}
}

/* The length given is what counts, not a terminator. */
Test(timefmt, parses_only_len_bytes)
{
	int64_t		us = 0;
	const char	*s = "2026-11-23T06:11:14Z,next";

	cr_assert_eq(timefmt_parse(s, 20, &us), 0);
	cr_assert_eq(us, T0);
	cr_assert_eq(timefmt_parse(s, 21, &us), -1);
}

Test(timefmt, formats_whole_second_without_fraction)
{
	char	out[TIMEFMT_LEN];

	timefmt_format(T0, out);
	cr_assert_str_eq(out, "2026-11-23T06:11:14Z");
	timefmt_format(0, out);
	cr_assert_str_eq(out, "1970-01-01T00:00:00Z");
}

Test(timefmt, formats_fraction_as_six_digits)
{
	char	out[TIMEFMT_LEN];

	timefmt_format(T0 + 123456, out);
	cr_assert_str_eq(out, "2026-11-23T06:11:14.123456Z");
	timefmt_format(T0 + 1, out);
	cr_assert_str_eq(out, "2026-11-23T06:11:14.000001Z");
	timefmt_format(T0 + 500000, out);
	cr_assert_str_eq(out, "2026-11-23T06:11:14.500000Z");
}

Test(timefmt, formats_dates_before_1970)
{
	char	out[TIMEFMT_LEN];

	timefmt_format(-1000000, out);
	cr_assert_str_eq(out, "1969-12-31T23:59:59Z");
	timefmt_format(-1, out);
	cr_assert_str_eq(out, "1969-12-31T23:59:59.999999Z");
	timefmt_format(-US(86400), out);
	cr_assert_str_eq(out, "1969-12-31T00:00:00Z");
	timefmt_format(-US(86400) - 1, out);
	cr_assert_str_eq(out, "1969-12-30T23:59:59.999999Z");
	timefmt_format(INT64_C(-2208988800000000), out);
	cr_assert_str_eq(out, "1900-01-01T00:00:00Z");
}

Test(timefmt, formats_year_range_ends)
{
	char	out[TIMEFMT_LEN];

	timefmt_format(INT64_C(-62135596800000000), out);
	cr_assert_str_eq(out, "0001-01-01T00:00:00Z");
	timefmt_format(INT64_C(253402300799999999), out);
	cr_assert_str_eq(out, "9999-12-31T23:59:59.999999Z");
	cr_assert_lt(strlen(out), TIMEFMT_LEN);
}

Test(timefmt, format_then_parse_round_trips)
{
	const int64_t	lo = INT64_C(-62135596800000000);
	const int64_t	hi = INT64_C(253402300799999999);
	const int64_t	step = INT64_C(98765432109877);	/* ~3.1 years, odd µs */
	char		out[TIMEFMT_LEN];
	int64_t		t, us;

	for (t = lo; t <= hi - step; t += step) {
		timefmt_format(t, out);
		cr_assert_eq(parse(out, &us), 0, "refused own output %s", out);
		cr_assert_eq(us, t, "%s: %lld != %lld", out, (long long)us,
		    (long long)t);
		/* And the whole-second variant, formatted without fraction. */
		timefmt_format(t - (t % 1000000 + 1000000) % 1000000, out);
		cr_assert_null(strchr(out, '.'), "%s has a fraction", out);
		cr_assert_eq(parse(out, &us), 0, "refused own output %s", out);
	}
}

Test(timefmt, parse_then_format_round_trips)
{
	static const char *const s[] = {
		"2026-11-23T06:11:14Z",
		"2026-11-23T06:11:14.123456Z",
		"1969-12-31T23:59:59.999999Z",
		"2024-02-29T00:00:00Z",
		"1600-03-01T12:34:56.000001Z",
	};
	char	out[TIMEFMT_LEN];
	int64_t	us;
	size_t	i;

	for (i = 0; i < sizeof(s) / sizeof(s[0]); i++) {
		cr_assert_eq(parse(s[i], &us), 0, "refused %s", s[i]);
		timefmt_format(us, out);
		cr_assert_str_eq(out, s[i]);
	}
}

Test(timefmt, date_of_instant)
{
	char	out[TIMEFMT_DATE_LEN];

	timefmt_date(T0 + 999999, out);
	cr_assert_str_eq(out, "2026-11-23");
	timefmt_date(0, out);
	cr_assert_str_eq(out, "1970-01-01");
	timefmt_date(-1, out);
	cr_assert_str_eq(out, "1969-12-31");
	timefmt_date(INT64_C(1709208000000000), out);
	cr_assert_str_eq(out, "2024-02-29");
	timefmt_date(INT64_C(253402300799999999), out);
	cr_assert_str_eq(out, "9999-12-31");
}

Test(timefmt, days_from_civil_known_values)
{
	cr_assert_eq(timefmt_days_from_civil(1970, 1, 1), 0);
	cr_assert_eq(timefmt_days_from_civil(1969, 12, 31), -1);
	cr_assert_eq(timefmt_days_from_civil(2000, 3, 1), 11017);
	cr_assert_eq(timefmt_days_from_civil(2024, 2, 29), 19782);
	cr_assert_eq(timefmt_days_from_civil(1, 1, 1), -719162);
	cr_assert_eq(timefmt_days_from_civil(9999, 12, 31), 2932896);
}

Test(timefmt, civil_from_days_round_trips)
{
	int64_t	z;
	int	y, m, d;

	for (z = -800000; z <= 800000; z += 37) {
		timefmt_civil_from_days(z, &y, &m, &d);
		cr_assert(m >= 1 && m <= 12, "day %lld: month %d", (long long)z,
		    m);
		cr_assert(d >= 1 && d <= month_days(y, m),
		    "day %lld: %d-%02d-%02d", (long long)z, y, m, d);
		cr_assert_eq(timefmt_days_from_civil(y, m, d), z,
		    "day %lld -> %d-%02d-%02d -> %lld", (long long)z, y, m, d,
		    (long long)timefmt_days_from_civil(y, m, d));
	}
}

/* Walking day by day, each date is the calendar successor of the last. */
Test(timefmt, civil_from_days_steps_one_calendar_day)
{
	int64_t	z;
	int	y, m, d, py, pm, pd;

	timefmt_civil_from_days(-800001, &py, &pm, &pd);
	for (z = -800000; z <= 800000; z++) {
		timefmt_civil_from_days(z, &y, &m, &d);
		if (pd < month_days(py, pm))
			cr_assert(y == py && m == pm && d == pd + 1,
			    "day %lld: %d-%d-%d after %d-%d-%d", (long long)z,
			    y, m, d, py, pm, pd);
		else if (pm < 12)
			cr_assert(y == py && m == pm + 1 && d == 1,
			    "day %lld: %d-%d-%d after %d-%d-%d", (long long)z,
			    y, m, d, py, pm, pd);
		else
			cr_assert(y == py + 1 && m == 1 && d == 1,
			    "day %lld: %d-%d-%d after %d-%d-%d", (long long)z,
			    y, m, d, py, pm, pd);
		py = y;
		pm = m;
		pd = d;
	}
}

Test(timefmt, now_is_after_2020)
{
	int64_t	a = timefmt_now_us(), b = timefmt_now_us();

	cr_assert_gt(a, INT64_C(1577836800000000));
	cr_assert_geq(b, a);
}
