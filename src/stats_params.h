/*
 * stats_params.h: the query parameters of /stats and /stats/logs: time
 * range (RFC 3339 or relative: now, -90m, -24h, -7d, -2w), bucket, apps
 * and event type.  Ranges are widened to whole UTC buckets.
 */
#ifndef AXLOG_STATS_PARAMS_H
#define AXLOG_STATS_PARAMS_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "query.h"

#define STATS_MAX_APPS		16
#define STATS_MAX_HOUR_DAYS	31	/* bucket=hour covers at most this */
#define STATS_MAX_DAY_DAYS	3660	/* bucket=day covers at most this */
#define STATS_US_HOUR		(INT64_C(3600) * 1000000)
#define STATS_US_DAY		(24 * STATS_US_HOUR)

enum stats_bucket { STATS_HOUR, STATS_DAY };

enum stats_range {
	STATS_RANGE_BUCKETS,	/* /stats: bucket, widened to whole buckets */
	STATS_RANGE_EXACT,	/* /stats/logs: no bucket, the range as given */
};

struct stats_params {
	int64_t			 from_us, to_us;	/* [from, to) */
	enum stats_bucket	 bucket;
	size_t			 napps;
	const char		*apps[STATS_MAX_APPS];	/* into the query */
	const char		*event_type;		/* or NULL */
};

/*
 * A time value: RFC 3339, "now", or -N followed by m, h, d or w, relative
 * to now_us.  0 on success.
 */
int	stats_params_time(const char *s, int64_t now_us, int64_t *us);

/*
 * Read from, to, bucket (in STATS_RANGE_BUCKETS mode), app and
 * event_type of q into p.
 * Names in allowed (NULL-terminated, may be NULL) are other parameters
 * the caller reads itself; any other name is refused.  Returns AX_OK or
 * AX_ERR_BAD_REQUEST with msg naming the parameter.
 */
enum ax_err stats_params_parse(const struct query *q, int64_t now_us,
	    enum stats_range mode, const char *const *allowed,
	    struct stats_params *p, char *msg, size_t msgsz);

#define STATS_APPS_ARRAY_LEN	(STATS_MAX_APPS * 65 + 3)

/* "{a,b}" for a text[] parameter into buf, or NULL for no filter. */
const char *stats_params_apps_array(const struct stats_params *p,
	    char buf[STATS_APPS_ARRAY_LEN]);

#endif
