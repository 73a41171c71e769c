/*
 * thresholds.c: alert thresholds from the command line.  Every value is
 * checked here and by the tables' CHECK constraints, and sent as a
 * parameter.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema.h"
#include "settings.h"
#include "thresholds.h"

static int
fail(struct db *db, const char *what)
{
	fprintf(stderr, "axlogctl: %s: %s%s%s\n", what, db_errmsg(db),
	    db_sqlstate(db)[0] ? " SQLSTATE " : "", db_sqlstate(db));
	return 1;
}

static int
rate_ok(const char *s)
{
	char	*end;
	double	 v;

	errno = 0;
	v = strtod(s, &end);
	return end != s && *end == '\0' && errno == 0 && isfinite(v) &&
	    v > 0 && v <= 1;
}

static int
int_ok(const char *s, unsigned long max)
{
	unsigned long	v;

	return s == NULL || settings_parse_ulong(s, 1, max, &v) == 0;
}

/* 0 when every value given is in bounds and one at least is given. */
static int
check(const struct thresholds *t)
{
	if (t->error_rate == NULL && t->min_events == NULL &&
	    t->window_hours == NULL && t->silence_minutes == NULL) {
		fprintf(stderr, "axlogctl: alerts set needs --error-rate, "
		    "--min-events, --window-hours or --silence-minutes\n");
		return -1;
	}
	if ((t->error_rate != NULL && !rate_ok(t->error_rate)) ||
	    !int_ok(t->min_events, 1000000) ||
	    !int_ok(t->window_hours, 24) ||
	    !int_ok(t->silence_minutes, 10080)) {
		fprintf(stderr, "axlogctl: error rate above 0 and at most 1; "
		    "min events 1 to 1000000; window 1 to 24 hours; silence "
		    "1 to 10080 minutes\n");
		return -1;
	}
	return 0;
}

static const char set_default_sql[] =
    "UPDATE axlog.settings SET"
    " alert_error_rate = coalesce($1::float8, alert_error_rate),"
    " alert_min_events = coalesce($2::int4, alert_min_events),"
    " alert_window_hours = coalesce($3::int4, alert_window_hours),"
    " alert_silence_minutes = coalesce($4::int4, alert_silence_minutes)";

static const char set_app_sql[] =
    "INSERT INTO axlog.alert_thresholds AS t (app_id, error_rate,"
    " min_events, window_hours, silence_minutes)"
    " SELECT app_id, $2::float8, $3::int4, $4::int4, $5::int4"
    " FROM axlog.apps WHERE app_id = $1"
    " ON CONFLICT (app_id) DO UPDATE SET"
    " error_rate = coalesce(excluded.error_rate, t.error_rate),"
    " min_events = coalesce(excluded.min_events, t.min_events),"
    " window_hours = coalesce(excluded.window_hours, t.window_hours),"
    " silence_minutes = coalesce(excluded.silence_minutes,"
    " t.silence_minutes)";

int
thresholds_set(struct db *db, const char *app, const struct thresholds *t)
{
	const char	*params[] = { app, t->error_rate, t->min_events,
			    t->window_hours, t->silence_minutes };
	PGresult	*r;
	int		 n;

	if (check(t) != 0)
		return 2;
	if (app == NULL) {
		if (db_exec(db, set_default_sql, 4, params + 1, NULL, 0) !=
		    DB_OK)
			return fail(db, "setting the default thresholds");
		printf("default alert thresholds set\n");
		return 0;
	}
	if (db_exec(db, set_app_sql, 5, params, &r, 0) != DB_OK)
		return fail(db, "setting the app's thresholds");
	n = strcmp(PQcmdTuples(r), "1") == 0;
	PQclear(r);
	if (!n) {
		fprintf(stderr, "axlogctl: no app %s\n", app);
		return 1;
	}
	printf("alert thresholds of %s set\n", app);
	return 0;
}

int
thresholds_reset(struct db *db, const char *app)
{
	const char	*params[] = { app };

	if (app == NULL || !schema_app_id_valid(app)) {
		fprintf(stderr, "axlogctl: usage: alerts reset --app NAME\n");
		return 2;
	}
	if (db_exec(db, "DELETE FROM axlog.alert_thresholds WHERE app_id = $1",
	    1, params, NULL, 0) != DB_OK)
		return fail(db, "resetting the app's thresholds");
	printf("%s uses the default alert thresholds\n", app);
	return 0;
}

static const char show_sql[] =
    "SELECT '(default)' AS app, alert_error_rate AS error_rate,"
    " alert_min_events AS min_events, alert_window_hours AS window_hours,"
    " alert_silence_minutes AS silence_minutes FROM axlog.settings"
    " UNION ALL (SELECT p.app_id,"
    " coalesce(t.error_rate, s.alert_error_rate),"
    " coalesce(t.min_events, s.alert_min_events),"
    " coalesce(t.window_hours, s.alert_window_hours),"
    " coalesce(t.silence_minutes, s.alert_silence_minutes)"
    " FROM axlog.apps p LEFT JOIN axlog.alert_thresholds t USING (app_id),"
    " axlog.settings s ORDER BY 1)";

int
thresholds_show(struct db *db)
{
	PGresult	*r;
	int		 i, j;

	if (db_exec(db, show_sql, 0, NULL, &r, DB_RETRY) != DB_OK)
		return fail(db, "reading the thresholds");
	for (j = 0; j < PQnfields(r); j++)
		printf("%s%s", j ? "\t" : "", PQfname(r, j));
	printf("\n");
	for (i = 0; i < PQntuples(r); i++)
		for (j = 0; j < PQnfields(r); j++)
			printf("%s%s", PQgetvalue(r, i, j),
			    j + 1 < PQnfields(r) ? "\t" : "\n");
	PQclear(r);
	return 0;
}
