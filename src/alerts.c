/*
 * alerts.c: alert rules and their output.
 */
#include <stdlib.h>

#include "alerts.h"
#include "jsonfmt.h"
#include "timefmt.h"

const char alerts_sql[] =
    "WITH r (type, app_id, kind, value, threshold, since) AS ("
    ALERTS_RULES_SQL ")"
    " SELECT r.type, r.app_id, r.kind, r.value, r.threshold, r.since,"
    "  (extract(epoch FROM ev.fired_at) * 1000000)::int8,"
    "  n.total, n.sent, n.failing"
    " FROM r LEFT JOIN axlog.alert_events ev ON ev.type = r.type"
    "  AND ev.app_id = r.app_id AND ev.resolved_at IS NULL"
    " LEFT JOIN LATERAL (SELECT count(*) AS total, count(x.sent_at) AS sent,"
    "  count(*) FILTER (WHERE x.sent_at IS NULL AND x.attempts > 0)"
    "  AS failing FROM axlog.alert_notices x"
    "  WHERE x.alert_id = ev.alert_id AND x.transition = 'firing') n ON true"
    " ORDER BY 2, 1";

/*
 * Whether the alert's "firing" notices went out: null before a notify
 * run saw the alert; "none" without targets; "sent" when every target
 * took it; "failing" when one refused it and it is still unsent;
 * "pending" otherwise.
 */
static struct json_object *
notice_state(const PGresult *r, int i)
{
	int64_t	total, sent, failing;

	if (PQgetisnull(r, i, 6))
		return NULL;
	total = jsonfmt_col_int(r, i, 7, 0);
	sent = jsonfmt_col_int(r, i, 8, 0);
	failing = jsonfmt_col_int(r, i, 9, 0);
	if (total == 0)
		return json_object_new_string("none");
	if (sent == total)
		return json_object_new_string("sent");
	return json_object_new_string(failing > 0 ? "failing" : "pending");
}

static struct json_object *
alert_json(const PGresult *r, int i)
{
	struct json_object	*o = json_object_new_object();

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
	json_object_object_add(o, "fired_at",
	    jsonfmt_time(jsonfmt_col_int(r, i, 6, INT64_MIN)));
	json_object_object_add(o, "notice", notice_state(r, i));
	return o;
}

struct json_object *
alerts_json(const PGresult *r)
{
	struct json_object	*arr = json_object_new_array(), *top;
	int			 i;

	for (i = 0; i < PQntuples(r); i++)
		json_object_array_add(arr, alert_json(r, i));
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
