/*
 * stats_params.c: parameter parsing for the read endpoints.  Every
 * refusal names the parameter, so a typo in a dashboard URL shows.
 */
#include <stdio.h>
#include <string.h>

#include "event.h"
#include "schema.h"
#include "settings.h"
#include "stats_params.h"
#include "timefmt.h"

static const char *const own_names[] = {
	"from", "to", "bucket", "app", "event_type", NULL
};

int
stats_params_time(const char *s, int64_t now_us, int64_t *us)
{
	char		 num[16];
	size_t		 len = strlen(s);
	unsigned long	 n;
	int64_t		 unit;

	if (strcmp(s, "now") == 0) {
		*us = now_us;
		return 0;
	}
	if (s[0] != '-')
		return timefmt_parse(s, len, us);
	if (len < 3 || len - 2 >= sizeof(num))
		return -1;
	switch (s[len - 1]) {
	case 'm': unit = INT64_C(60) * 1000000; break;
	case 'h': unit = STATS_US_HOUR; break;
	case 'd': unit = STATS_US_DAY; break;
	case 'w': unit = 7 * STATS_US_DAY; break;
	default: return -1;
	}
	memcpy(num, s + 1, len - 2);
	num[len - 2] = '\0';
	/* n * unit cannot overflow: at most 1e5 weeks, about 6e16 µs. */
	if (settings_parse_ulong(num, 0, 100000, &n) != 0 ||
	    (int64_t)n * unit > (int64_t)(STATS_MAX_DAY_DAYS + 1) * STATS_US_DAY)
		return -1;
	*us = now_us - (int64_t)n * unit;
	return 0;
}

static int
allowed_name(const char *name, enum stats_range mode,
    const char *const *extra)
{
	size_t	i;

	for (i = 0; own_names[i] != NULL; i++)
		if (strcmp(name, own_names[i]) == 0)
			return mode == STATS_RANGE_BUCKETS ||
			    strcmp(name, "bucket") != 0;
	for (i = 0; extra != NULL && extra[i] != NULL; i++)
		if (strcmp(name, extra[i]) == 0)
			return 1;
	return 0;
}

static enum ax_err
bad(char *msg, size_t msgsz, const char *param, const char *why)
{
	snprintf(msg, msgsz, "%s: %s", param, why);
	return AX_ERR_BAD_REQUEST;
}

/* Round down to a bucket; floor division, for times before 1970 too. */
static int64_t
floor_to(int64_t us, int64_t unit)
{
	int64_t	r = us % unit;

	return r < 0 ? us - r - unit : us - r;
}

static enum ax_err
parse_range(const struct query *q, int64_t now_us, enum stats_range mode,
    struct stats_params *p, char *msg, size_t msgsz)
{
	const char	*from = query_get(q, "from"), *to = query_get(q, "to");
	const char	*bucket = query_get(q, "bucket");
	int64_t		 unit, span;

	if (query_count(q, "from") > 1 || query_count(q, "to") > 1 ||
	    query_count(q, "bucket") > 1)
		return bad(msg, msgsz, query_count(q, "from") > 1 ? "from" :
		    query_count(q, "to") > 1 ? "to" : "bucket",
		    "given more than once");
	if (stats_params_time(from ? from : "-24h", now_us, &p->from_us) != 0)
		return bad(msg, msgsz, "from", "not RFC 3339, now, or -N "
		    "with m, h, d or w");
	if (stats_params_time(to ? to : "now", now_us, &p->to_us) != 0)
		return bad(msg, msgsz, "to", "not RFC 3339, now, or -N with "
		    "m, h, d or w");
	if (p->from_us >= p->to_us)
		return bad(msg, msgsz, "from", "must be before to");
	if (mode == STATS_RANGE_EXACT) {
		if (p->to_us - p->from_us > STATS_MAX_DAY_DAYS * STATS_US_DAY)
			return bad(msg, msgsz, "from", "the range is over "
			    "3660 days");
		return AX_OK;
	}
	if (bucket == NULL)
		p->bucket = p->to_us - p->from_us > 2 * STATS_US_DAY ?
		    STATS_DAY : STATS_HOUR;
	else if (strcmp(bucket, "hour") == 0)
		p->bucket = STATS_HOUR;
	else if (strcmp(bucket, "day") == 0)
		p->bucket = STATS_DAY;
	else
		return bad(msg, msgsz, "bucket", "must be hour or day");
	/* The limits apply to the range asked for, before widening adds
	 * up to a bucket at each end. */
	span = p->to_us - p->from_us;
	if (p->bucket == STATS_HOUR && span > STATS_MAX_HOUR_DAYS * STATS_US_DAY)
		return bad(msg, msgsz, "bucket", "hour covers at most 31 days; "
		    "use bucket=day");
	if (span > STATS_MAX_DAY_DAYS * STATS_US_DAY)
		return bad(msg, msgsz, "from", "the range is over 3660 days");
	unit = p->bucket == STATS_HOUR ? STATS_US_HOUR : STATS_US_DAY;
	p->from_us = floor_to(p->from_us, unit);
	p->to_us = floor_to(p->to_us - 1, unit) + unit;
	return AX_OK;
}

enum ax_err
stats_params_parse(const struct query *q, int64_t now_us,
    enum stats_range mode, const char *const *allowed,
    struct stats_params *p, char *msg, size_t msgsz)
{
	const char	*v;
	size_t		 i;
	enum ax_err	 e;

	memset(p, 0, sizeof(*p));
	for (i = 0; i < q->n; i++)
		if (!allowed_name(q->p[i].key, mode, allowed))
			return bad(msg, msgsz, q->p[i].key[0] ? q->p[i].key :
			    "(empty)", "unknown parameter");
	if ((e = parse_range(q, now_us, mode, p, msg, msgsz)) != AX_OK)
		return e;
	if ((p->napps = query_count(q, "app")) > STATS_MAX_APPS)
		return bad(msg, msgsz, "app", "at most 16 apps");
	for (i = 0; i < p->napps; i++) {
		p->apps[i] = query_nth(q, "app", i);
		if (!schema_app_id_valid(p->apps[i]))
			return bad(msg, msgsz, "app", "not a valid app name");
	}
	if (query_count(q, "event_type") > 1)
		return bad(msg, msgsz, "event_type", "given more than once");
	if ((v = query_get(q, "event_type")) != NULL &&
	    !event_type_valid(v, strlen(v)))
		return bad(msg, msgsz, "event_type", "1 to 64 characters of "
		    "A-Z a-z 0-9 _ . : / -");
	p->event_type = v;
	return AX_OK;
}

const char *
stats_params_apps_array(const struct stats_params *p,
    char buf[STATS_APPS_ARRAY_LEN])
{
	size_t	i, off = 0, n;

	if (p->napps == 0)
		return NULL;
	/* App names are [a-z0-9_.-]{1,64}: nothing needs quoting, and
	 * STATS_APPS_ARRAY_LEN holds sixteen.  Were one longer, the
	 * filter would match nothing rather than everything. */
	for (i = 0; i < p->napps; i++) {
		n = strlen(p->apps[i]);
		if (n > 64 || off + n + 3 > STATS_APPS_ARRAY_LEN)
			return "{}";
		buf[off++] = i ? ',' : '{';
		memcpy(buf + off, p->apps[i], n);
		off += n;
	}
	memcpy(buf + off, "}", 2);
	return buf;
}
