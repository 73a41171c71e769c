/*
 * alerts.c: alert rules and their output.
 */
#include <stdlib.h>

#include "alerts.h"
#include "jsonfmt.h"
#include "timefmt.h"

/*
 * Error rate over the current and the previous clock hour; silence when
 * the newest event of the last 25 hours is older than the threshold.
 */
const char alerts_sql[] =
    "WITH s AS (SELECT * FROM axlog.settings),"
    " a AS (SELECT app_id, kind FROM axlog.apps"
    "  WHERE $1::text[] IS NULL OR app_id = ANY ($1)),"
    " e AS (SELECT app_id, sum(events) AS ev, sum(errors) AS er,"
    "  min(t) FILTER (WHERE errors > 0) AS since FROM axlog.rollup_hour"
    "  WHERE t >= date_trunc('hour', now() - interval '1 hour', 'UTC')"
    "  GROUP BY app_id),"
    " l AS (SELECT app_id, max(last_at) AS last FROM axlog.rollup_hour"
    "  WHERE t >= date_trunc('hour', now() - interval '25 hours', 'UTC')"
    "  GROUP BY app_id)"
    " SELECT 'error_rate', a.app_id, a.kind, e.er::float8 / e.ev,"
    "  s.alert_error_rate, (extract(epoch FROM e.since) * 1000000)::int8"
    "  FROM a JOIN e USING (app_id), s"
    "  WHERE e.ev >= s.alert_min_events"
    "  AND e.er::float8 / e.ev > s.alert_error_rate"
    " UNION ALL SELECT 'silent', a.app_id, a.kind,"
    "  extract(epoch FROM now() - l.last) / 60, s.alert_silence_minutes,"
    "  (extract(epoch FROM l.last) * 1000000)::int8"
    "  FROM a JOIN l USING (app_id), s"
    "  WHERE l.last < now() - make_interval(mins => s.alert_silence_minutes)"
    " ORDER BY 2, 1";

struct json_object *
alerts_json(const PGresult *r)
{
	struct json_object	*arr = json_object_new_array(), *o, *top;
	int			 i;

	for (i = 0; i < PQntuples(r); i++) {
		o = json_object_new_object();
		json_object_object_add(o, "type",
		    json_object_new_string(PQgetvalue(r, i, 0)));
		json_object_object_add(o, "app_id",
		    json_object_new_string(PQgetvalue(r, i, 1)));
		json_object_object_add(o, "kind",
		    json_object_new_string(PQgetvalue(r, i, 2)));
		json_object_object_add(o, "value",
		    jsonfmt_rounded(strtod(PQgetvalue(r, i, 3), NULL), 4));
		json_object_object_add(o, "threshold",
		    jsonfmt_rounded(strtod(PQgetvalue(r, i, 4), NULL), 4));
		json_object_object_add(o, "since",
		    jsonfmt_time(jsonfmt_col_int(r, i, 5, INT64_MIN)));
		json_object_array_add(arr, o);
	}
	top = json_object_new_object();
	json_object_object_add(top, "alerts", arr);
	return top;
}

void
alerts_print(const PGresult *r, FILE *out)
{
	char	since[TIMEFMT_LEN];
	int	i;

	for (i = 0; i < PQntuples(r); i++) {
		timefmt_format(jsonfmt_col_int(r, i, 5, 0), since);
		fprintf(out, "%s\t%s (%s)\tvalue %.4g\tthreshold %.4g\tsince %s\n",
		    PQgetvalue(r, i, 0), PQgetvalue(r, i, 1),
		    PQgetvalue(r, i, 2), strtod(PQgetvalue(r, i, 3), NULL),
		    strtod(PQgetvalue(r, i, 4), NULL), since);
	}
}
