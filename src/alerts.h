/*
 * alerts.h: the cross-app alerts, computed on read from the rollups and
 * the thresholds in axlog.settings; served by /stats/alerts and printed
 * by `axlogctl alerts`, from the one statement below.
 */
#ifndef AXLOG_ALERTS_H
#define AXLOG_ALERTS_H

#include <stdio.h>

#include <json-c/json.h>
#include <libpq-fe.h>

/* $1: apps (text[]) or NULL for all.  Columns: type, app_id, kind,
 * value, threshold, since (epoch µs). */
extern const char	alerts_sql[];

/* {"alerts": [...]} from the rows of alerts_sql. */
struct json_object	*alerts_json(const PGresult *r);
/* One line per alert, for people and cron mail. */
void			 alerts_print(const PGresult *r, FILE *out);

#endif
