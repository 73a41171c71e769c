/*
 * test_stats_params.c: the query parameters of /stats and /stats/logs:
 * default and relative ranges, widening to whole UTC hours or days, the
 * bucket limits, apps and event_type, the exact mode of /stats/logs, and
 * refusals that name the parameter.
 */
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "query.h"
#include "stats_params.h"
#include "timefmt.h"

#define US_MIN	(INT64_C(60) * 1000000)

static struct query		q;
static struct stats_params	p;
static char			msg[128];

static void
teardown(void)
{
	query_free(&q);
}

TestSuite(stats_params, .fini = teardown);

/* Microseconds of an RFC 3339 literal. */
static int64_t
at(const char *s)
{
	int64_t	us;

	cr_assert_eq(timefmt_parse(s, strlen(s), &us), 0, "bad literal %s", s);
	return us;
}

/* Mid-hour, so widening shows at both ends. */
static int64_t
now(void)
{
	return at("2026-03-15T10:17:23.5Z");
}

/* Parse qs and the parameters; q stays alive for p's pointers. */
static enum ax_err
parse_mode(const char *qs, int64_t now_us, enum stats_range mode,
    const char *const *allowed)
{
	const char	*bad;

	query_free(&q);
	cr_assert_eq(query_parse(qs, &q, &bad), AX_OK, "query %s", qs);
	msg[0] = '\0';
	return stats_params_parse(&q, now_us, mode, allowed, &p, msg,
	    sizeof(msg));
}

static enum ax_err
parse(const char *qs)
{
	return parse_mode(qs, now(), STATS_RANGE_BUCKETS, NULL);
}

/* A refusal whose message starts with the parameter's name. */
static void
assert_refused(enum ax_err e, const char *param)
{
	size_t	n = strlen(param);

	cr_assert_eq(e, AX_ERR_BAD_REQUEST, "accepted; expected %s refused",
	    param);
	cr_assert(strncmp(msg, param, n) == 0 && msg[n] == ':',
	    "message \"%s\" does not name %s", msg, param);
}

static void
assert_range(const char *from, const char *to)
{
	cr_assert_eq(p.from_us, at(from), "from is %lld, want %s",
	    (long long)p.from_us, from);
	cr_assert_eq(p.to_us, at(to), "to is %lld, want %s",
	    (long long)p.to_us, to);
}

Test(stats_params, defaults_are_last_24h_widened_to_whole_hours)
{
	cr_assert_eq(parse(""), AX_OK, "%s", msg);
	assert_range("2026-03-14T10:00:00Z", "2026-03-15T11:00:00Z");
	cr_assert_eq(p.bucket, STATS_HOUR);
	cr_assert_eq(p.napps, 0);
	cr_assert_null(p.event_type);
}

Test(stats_params, to_on_an_hour_boundary_is_not_pushed_a_bucket_further)
{
	cr_assert_eq(parse_mode("", at("2026-03-15T10:00:00Z"),
	    STATS_RANGE_BUCKETS, NULL), AX_OK, "%s", msg);
	assert_range("2026-03-14T10:00:00Z", "2026-03-15T10:00:00Z");
}

Test(stats_params, seven_days_default_to_day_bucket_widened_to_midnight)
{
	cr_assert_eq(parse("from=-7d"), AX_OK, "%s", msg);
	cr_assert_eq(p.bucket, STATS_DAY);
	assert_range("2026-03-08T00:00:00Z", "2026-03-16T00:00:00Z");
}

Test(stats_params, default_bucket_switches_to_day_past_two_days)
{
	cr_assert_eq(parse("from=-48h"), AX_OK, "%s", msg);
	cr_assert_eq(p.bucket, STATS_HOUR);
	cr_assert_eq(parse("from=-49h"), AX_OK, "%s", msg);
	cr_assert_eq(p.bucket, STATS_DAY);
}

Test(stats_params, explicit_bucket_day_widens_a_short_range_to_days)
{
	cr_assert_eq(parse("from=-3h&bucket=day"), AX_OK, "%s", msg);
	cr_assert_eq(p.bucket, STATS_DAY);
	assert_range("2026-03-15T00:00:00Z", "2026-03-16T00:00:00Z");
}

Test(stats_params, explicit_bucket_hour_over_a_week_is_kept)
{
	cr_assert_eq(parse("from=-7d&bucket=hour"), AX_OK, "%s", msg);
	cr_assert_eq(p.bucket, STATS_HOUR);
	assert_range("2026-03-08T10:00:00Z", "2026-03-15T11:00:00Z");
}

Test(stats_params, bucket_hour_over_exactly_31_days_is_accepted)
{
	cr_assert_eq(parse("from=2026-01-01T00:00:00Z&to=2026-02-01T00:00:00Z"
	    "&bucket=hour"), AX_OK, "%s", msg);
	assert_range("2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z");
}

/* The widened range is 31 days and up to an hour: still allowed. */
Test(stats_params, bucket_hour_over_relative_31_days_is_accepted)
{
	cr_assert_eq(parse("from=-31d&bucket=hour"), AX_OK, "%s", msg);
	assert_range("2026-02-12T10:00:00Z", "2026-03-15T11:00:00Z");
}

Test(stats_params, bucket_hour_over_32_days_is_refused)
{
	assert_refused(parse("from=2026-01-01T00:00:00Z"
	    "&to=2026-02-02T00:00:00Z&bucket=hour"), "bucket");
	assert_refused(parse("from=-32d&bucket=hour"), "bucket");
}

/*
 * Whole hours on both ends, so nothing is widened: 31 days and 2 hours
 * is over "hour covers at most 31 days", and more than widening a range
 * of at most 31 days can give (under an hour at each end).
 */
Test(stats_params, bucket_hour_over_31_days_and_2_hours_is_refused)
{
	assert_refused(parse("from=2026-01-01T00:00:00Z"
	    "&to=2026-02-01T02:00:00Z&bucket=hour"), "bucket");
	assert_refused(parse("from=2026-01-01T00:00:00Z"
	    "&to=2026-02-01T23:00:00Z&bucket=hour"), "bucket");
}

Test(stats_params, bucket_day_over_3660_days_is_refused)
{
	cr_assert_eq(parse("from=2000-01-01T00:00:00Z"
	    "&to=2010-01-08T00:00:00Z&bucket=day"), AX_OK, "%s", msg);
	assert_refused(parse("from=2000-01-01T00:00:00Z"
	    "&to=2010-01-09T00:00:00Z&bucket=day"), "from");
}

Test(stats_params, unknown_bucket_is_refused)
{
	assert_refused(parse("bucket=week"), "bucket");
	assert_refused(parse("bucket="), "bucket");
	assert_refused(parse("bucket=Hour"), "bucket");
}

Test(stats_params, garbage_from_is_refused)
{
	assert_refused(parse("from=garbage"), "from");
	assert_refused(parse("from="), "from");
	assert_refused(parse("from=2026-02-30T00:00:00Z"), "from");
}

Test(stats_params, garbage_to_is_refused)
{
	assert_refused(parse("to=garbage"), "to");
	assert_refused(parse("to=-5x"), "to");
}

Test(stats_params, from_after_to_is_refused)
{
	assert_refused(parse("from=2026-03-02T00:00:00Z"
	    "&to=2026-03-01T00:00:00Z"), "from");
}

Test(stats_params, from_equal_to_is_refused)
{
	assert_refused(parse("from=now&to=now"), "from");
	assert_refused(parse("from=2026-03-01T00:00:00Z"
	    "&to=2026-03-01T00:00:00Z"), "from");
}

/* "-0h" is now: an empty range, refused like from=now. */
Test(stats_params, minus_zero_hours_is_now_and_refused_as_from)
{
	int64_t	us;

	cr_assert_eq(stats_params_time("-0h", now(), &us), 0);
	cr_assert_eq(us, now());
	assert_refused(parse("from=-0h"), "from");
	cr_assert_eq(parse("from=-1h&to=-0h"), AX_OK, "%s", msg);
}

Test(stats_params, rfc3339_with_offset_is_accepted)
{
	cr_assert_eq(parse_mode("from=2026-03-01T12:30:00%2B02:00"
	    "&to=2026-03-01T13:00:00-01:00", now(), STATS_RANGE_EXACT, NULL),
	    AX_OK, "%s", msg);
	assert_range("2026-03-01T10:30:00Z", "2026-03-01T14:00:00Z");
}

Test(stats_params, now_is_the_given_time)
{
	int64_t	us;

	cr_assert_eq(stats_params_time("now", now(), &us), 0);
	cr_assert_eq(us, now());
	cr_assert_eq(parse_mode("from=-1h&to=now", now(), STATS_RANGE_EXACT,
	    NULL), AX_OK, "%s", msg);
	cr_assert_eq(p.to_us, now());
}

Test(stats_params, relative_units_are_minutes_hours_days_weeks)
{
	int64_t	us;

	cr_assert_eq(stats_params_time("-90m", now(), &us), 0);
	cr_assert_eq(us, now() - 90 * US_MIN);
	cr_assert_eq(stats_params_time("-24h", now(), &us), 0);
	cr_assert_eq(us, now() - 24 * STATS_US_HOUR);
	cr_assert_eq(stats_params_time("-7d", now(), &us), 0);
	cr_assert_eq(us, now() - 7 * STATS_US_DAY);
	cr_assert_eq(stats_params_time("-2w", now(), &us), 0);
	cr_assert_eq(us, now() - 14 * STATS_US_DAY);
}

Test(stats_params, relative_from_is_exact_in_exact_mode)
{
	cr_assert_eq(parse_mode("from=-90m", now(), STATS_RANGE_EXACT, NULL),
	    AX_OK, "%s", msg);
	cr_assert_eq(p.from_us, now() - 90 * US_MIN);
	cr_assert_eq(p.to_us, now());
}

Test(stats_params, malformed_relative_times_are_refused)
{
	const char	*bad[] = {
		"-", "-5", "-h", "-5H", "-5s", "-5hh", "--5h", "-+5h", "- 5h",
		"-1.5h", "-0x5h", "-5 h", "+5h", "5h", "-12345678901234567h",
	};
	int64_t		us;
	size_t		i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(stats_params_time(bad[i], now(), &us), -1,
		    "accepted \"%s\"", bad[i]);
}

Test(stats_params, relative_overflow_is_refused)
{
	int64_t	us;

	cr_assert_eq(stats_params_time("-100001h", now(), &us), -1);
	cr_assert_eq(stats_params_time("-100000w", now(), &us), -1);
	cr_assert_eq(stats_params_time("-99999999999999999999w", now(), &us),
	    -1);
	assert_refused(parse("from=-100001h"), "from");
}

Test(stats_params, relative_limit_is_3661_days)
{
	int64_t	us;

	cr_assert_eq(stats_params_time("-3661d", now(), &us), 0);
	cr_assert_eq(stats_params_time("-3662d", now(), &us), -1);
	cr_assert_eq(stats_params_time("-100000m", now(), &us), 0);
	cr_assert_eq(us, now() - 100000 * US_MIN);
}

Test(stats_params, unknown_parameter_is_named)
{
	cr_assert_eq(parse("foo=1"), AX_ERR_BAD_REQUEST);
	cr_assert_str_eq(msg, "foo: unknown parameter");
}

Test(stats_params, empty_parameter_name_is_refused)
{
	cr_assert_eq(parse("=1"), AX_ERR_BAD_REQUEST);
	cr_assert_str_eq(msg, "(empty): unknown parameter");
}

Test(stats_params, duplicate_from_is_refused)
{
	assert_refused(parse("from=-1h&from=-2h"), "from");
}

Test(stats_params, duplicate_to_bucket_or_event_type_is_refused)
{
	assert_refused(parse("to=now&to=now"), "to");
	assert_refused(parse("bucket=hour&bucket=hour"), "bucket");
	assert_refused(parse("event_type=a&event_type=b"), "event_type");
}

Test(stats_params, sixteen_apps_are_accepted_in_order)
{
	char	qs[512];
	size_t	i, off = 0;

	for (i = 0; i < STATS_MAX_APPS; i++)
		off += (size_t)snprintf(qs + off, sizeof(qs) - off,
		    "%sapp=app%zu", i ? "&" : "", i);
	cr_assert_eq(parse(qs), AX_OK, "%s", msg);
	cr_assert_eq(p.napps, STATS_MAX_APPS);
	cr_assert_str_eq(p.apps[0], "app0");
	cr_assert_str_eq(p.apps[15], "app15");
}

Test(stats_params, seventeen_apps_are_refused)
{
	char	qs[512];
	size_t	i, off = 0;

	for (i = 0; i <= STATS_MAX_APPS; i++)
		off += (size_t)snprintf(qs + off, sizeof(qs) - off,
		    "%sapp=app%zu", i ? "&" : "", i);
	assert_refused(parse(qs), "app");
}

Test(stats_params, invalid_app_name_is_refused)
{
	assert_refused(parse("app=Bad!"), "app");
	assert_refused(parse("app=ok&app=Bad"), "app");
	assert_refused(parse("app="), "app");
	assert_refused(parse("app=-lead"), "app");
}

Test(stats_params, event_type_with_a_space_is_refused)
{
	assert_refused(parse("event_type=a+b"), "event_type");
	assert_refused(parse("event_type="), "event_type");
}

Test(stats_params, valid_event_type_is_kept)
{
	cr_assert_eq(parse("event_type=checkout.failed:v2/x-y"), AX_OK, "%s",
	    msg);
	cr_assert_str_eq(p.event_type, "checkout.failed:v2/x-y");
}

Test(stats_params, exact_mode_keeps_the_range_as_given)
{
	cr_assert_eq(parse_mode("from=2026-03-01T10:17:01.5Z"
	    "&to=2026-03-01T11:45:30Z", now(), STATS_RANGE_EXACT, NULL), AX_OK,
	    "%s", msg);
	assert_range("2026-03-01T10:17:01.5Z", "2026-03-01T11:45:30Z");
}

Test(stats_params, exact_mode_default_is_last_24h_unwidened)
{
	cr_assert_eq(parse_mode("", now(), STATS_RANGE_EXACT, NULL), AX_OK,
	    "%s", msg);
	cr_assert_eq(p.from_us, now() - 24 * STATS_US_HOUR);
	cr_assert_eq(p.to_us, now());
}

Test(stats_params, exact_mode_has_no_bucket_parameter)
{
	cr_assert_eq(parse_mode("bucket=hour", now(), STATS_RANGE_EXACT, NULL),
	    AX_ERR_BAD_REQUEST);
	cr_assert_str_eq(msg, "bucket: unknown parameter");
}

Test(stats_params, exact_mode_refuses_over_3660_days)
{
	cr_assert_eq(parse_mode("from=2000-01-01T00:00:00Z"
	    "&to=2010-01-08T00:00:00Z", now(), STATS_RANGE_EXACT, NULL), AX_OK,
	    "%s", msg);
	assert_refused(parse_mode("from=2000-01-01T00:00:00Z"
	    "&to=2010-01-08T00:00:00.000001Z", now(), STATS_RANGE_EXACT, NULL),
	    "from");
}

Test(stats_params, allowed_extra_names_pass_and_others_do_not)
{
	const char *const	extra[] = { "limit", "cursor", "q", NULL };

	cr_assert_eq(parse_mode("limit=10&cursor=abc&q=x&app=a", now(),
	    STATS_RANGE_EXACT, extra), AX_OK, "%s", msg);
	cr_assert_eq(p.napps, 1);
	cr_assert_eq(parse_mode("limit=10&format=csv", now(),
	    STATS_RANGE_EXACT, extra), AX_ERR_BAD_REQUEST);
	cr_assert_str_eq(msg, "format: unknown parameter");
	cr_assert_eq(parse_mode("limit=10", now(), STATS_RANGE_BUCKETS,
	    extra), AX_OK, "%s", msg);
}

Test(stats_params, widening_floors_times_before_1970)
{
	cr_assert_eq(parse("from=1969-12-31T23:30:00Z&to=1970-01-01T00:30:00Z"),
	    AX_OK, "%s", msg);
	assert_range("1969-12-31T23:00:00Z", "1970-01-01T01:00:00Z");
	cr_assert_eq(parse("from=1969-12-31T12:00:00Z&to=1970-01-01T00:00:01Z"
	    "&bucket=day"), AX_OK, "%s", msg);
	assert_range("1969-12-31T00:00:00Z", "1970-01-02T00:00:00Z");
}

Test(stats_params, apps_array_is_null_without_apps)
{
	char	buf[STATS_APPS_ARRAY_LEN];

	cr_assert_eq(parse(""), AX_OK, "%s", msg);
	cr_assert_null(stats_params_apps_array(&p, buf));
}

Test(stats_params, apps_array_lists_two_apps)
{
	char	buf[STATS_APPS_ARRAY_LEN];

	cr_assert_eq(parse("app=a&app=b"), AX_OK, "%s", msg);
	cr_assert_str_eq(stats_params_apps_array(&p, buf), "{a,b}");
}

Test(stats_params, apps_array_holds_sixteen_longest_names)
{
	static char		names[STATS_MAX_APPS][65];
	char			buf[STATS_APPS_ARRAY_LEN];
	char			want[STATS_APPS_ARRAY_LEN];
	struct stats_params	sp;
	size_t			i, off = 0;

	memset(&sp, 0, sizeof(sp));
	for (i = 0; i < STATS_MAX_APPS; i++) {
		memset(names[i], 'a' + (int)i, 64);
		names[i][64] = '\0';
		sp.apps[i] = names[i];
		want[off++] = i ? ',' : '{';
		memcpy(want + off, names[i], 64);
		off += 64;
	}
	memcpy(want + off, "}", 2);
	sp.napps = STATS_MAX_APPS;
	cr_assert_str_eq(stats_params_apps_array(&sp, buf), want);
}
