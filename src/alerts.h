/*
 * alerts.h: the cross-app alerts, computed on read from the rollups and
 * the thresholds (axlog.settings, and axlog.alert_thresholds per app);
 * served by /stats/alerts, printed by `axlogctl alerts` and remembered
 * by `axlogctl alerts --notify` (notify.c), all from the rules below.
 */
#ifndef AXLOG_ALERTS_H
#define AXLOG_ALERTS_H

#include <stdio.h>

#include <json-c/json.h>
#include <libpq-fe.h>

/*
 * The rules, as one SELECT (no ORDER BY) to put inside a CTE.  $1: apps
 * (text[]) or NULL for all.  Columns: type, app_id, kind, value,
 * threshold, since (epoch µs).
 *
 * Error rate: errors over events of the current clock hour and the
 * window's hours before it, when there are at least min_events.
 * Silence: the newest event of the app (its latest day of rollups) is
 * older than the threshold; an app that never sent an event, or whose
 * events are all past the retention, is not silent.
 */
#define ALERTS_RULES_SQL \
    "WITH a AS (SELECT p.app_id, p.kind," \
    "  coalesce(t.error_rate, s.alert_error_rate) AS rate," \
    "  coalesce(t.min_events, s.alert_min_events) AS min_events," \
    "  coalesce(t.window_hours, s.alert_window_hours) AS win," \
    "  coalesce(t.silence_minutes, s.alert_silence_minutes) AS silence" \
    "  FROM axlog.apps p LEFT JOIN axlog.alert_thresholds t" \
    "  USING (app_id), (SELECT * FROM axlog.settings LIMIT 1) s" \
    "  WHERE $1::text[] IS NULL OR p.app_id = ANY ($1))," \
    " e AS (SELECT r.app_id, sum(r.events) AS ev, sum(r.errors) AS er," \
    "  min(r.t) FILTER (WHERE r.errors > 0) AS since" \
    "  FROM a JOIN axlog.rollup_hour r ON r.app_id = a.app_id" \
    "  AND r.t >= date_trunc('hour', now(), 'UTC')" \
    "  - make_interval(hours => a.win)" \
    "  GROUP BY r.app_id)" \
    " SELECT 'error_rate'::text, a.app_id, a.kind," \
    "  e.er::float8 / e.ev, a.rate::float8," \
    "  (extract(epoch FROM e.since) * 1000000)::int8" \
    "  FROM a JOIN e USING (app_id)" \
    "  WHERE e.ev >= a.min_events AND e.er::float8 / e.ev > a.rate" \
    " UNION ALL SELECT 'silent', a.app_id, a.kind," \
    "  extract(epoch FROM now() - l.last)::float8 / 60, a.silence," \
    "  (extract(epoch FROM l.last) * 1000000)::int8" \
    "  FROM a CROSS JOIN LATERAL (SELECT max(r.last_at) AS last" \
    "  FROM axlog.rollup_day r WHERE r.app_id = a.app_id" \
    "  AND r.t = (SELECT max(d.t) FROM axlog.rollup_day d" \
    "  WHERE d.app_id = a.app_id)) l" \
    "  WHERE l.last < now() - make_interval(mins => a.silence)"

/*
 * The rules with what delivery remembers of each alert.  $1 as above.
 * Columns: those of the rules, then fired_at (epoch µs; NULL until a
 * notify run has seen the alert), and of its "firing" notices: how many
 * there are, how many were sent, how many failed at least once and
 * are still unsent.
 */
extern const char	alerts_sql[];

/* {"alerts": [...]} from the rows of alerts_sql. */
struct json_object	*alerts_json(const PGresult *r);
/* One line per alert, for people and cron mail. */
void			 alerts_print(const PGresult *r, FILE *out);

#endif
