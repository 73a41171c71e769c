/*
 * health.c: service and database checks for cron and load balancers.
 * "down" (503) when the database cannot be reached or its schema is
 * behind these binaries; "degraded" (200) when it works but needs care
 * (tomorrow's partition missing).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "health.h"
#include "schema.h"
#include "timefmt.h"

#define US_PER_DAY	INT64_C(86400000000)

/*
 * The last day of an unbroken run of daily partitions starting today
 * (yesterday when today's is missing).  Partition names are made by
 * schema.c, so reading them back from the catalog is exact.
 */
static const char ready_sql[] =
    "SELECT (min(g)::date - 1)::text FROM generate_series("
    " (now() AT TIME ZONE 'UTC')::date,"
    " (now() AT TIME ZONE 'UTC')::date + 400, interval '1 day') AS g "
    "WHERE 'logs_' || to_char(g, 'YYYYMMDD') NOT IN ("
    " SELECT c.relname FROM pg_inherits i"
    " JOIN pg_class c ON c.oid = i.inhrelid"
    " WHERE i.inhparent = to_regclass('axlog.logs')"
    " AND NOT i.inhdetachpending)";

struct db *
health_db_new(const char *conninfo, int timeout_ms)
{
	if (timeout_ms > HEALTH_BUDGET_MS)
		timeout_ms = HEALTH_BUDGET_MS;
	return db_new(conninfo, NULL, 0, timeout_ms);
}

static struct json_object *
check(const char *status)
{
	struct json_object	*o = json_object_new_object();

	json_object_object_add(o, "status", json_object_new_string(status));
	return o;
}

/* Database reachable: "ok" with the round trip, or "down". */
static int
check_database(struct db *db, struct json_object *checks)
{
	struct json_object	*o;
	struct timespec		 a, b;
	char			 text[32];
	double			 ms;

	clock_gettime(CLOCK_MONOTONIC, &a);
	if (db_exec(db, "SELECT 1", 0, NULL, NULL, 0) != DB_OK) {
		/* The reason goes to the log: hosts and roles stay private. */
		fprintf(stderr, "axlog-health: database: %s\n", db_errmsg(db));
		json_object_object_add(checks, "database", check("down"));
		return 0;
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	ms = (double)(b.tv_sec - a.tv_sec) * 1e3 +
	    (double)(b.tv_nsec - a.tv_nsec) / 1e6;
	snprintf(text, sizeof(text), "%.3f", ms);
	o = check("ok");
	json_object_object_add(o, "latency_ms",
	    json_object_new_double_s(ms, text));
	json_object_object_add(checks, "database", o);
	return 1;
}

/* Schema at least as new as the binaries. */
static int
check_schema(struct db *db, struct json_object *checks)
{
	struct json_object	*o;
	PGresult		*r;
	int			 v = 0, ok;

	if (db_exec(db, "SELECT coalesce(max(version), 0) FROM "
	    "axlog.schema_migrations", 0, NULL, &r, 0) == DB_OK) {
		v = (int)strtol(PQgetvalue(r, 0, 0), NULL, 10);
		PQclear(r);
	}
	ok = v >= schema_version();
	o = check(ok ? "ok" : "down");
	json_object_object_add(o, "version", json_object_new_int(v));
	json_object_object_add(o, "expected", json_object_new_int(
	    schema_version()));
	json_object_object_add(checks, "schema", o);
	return ok;
}

/* Partitions reach at least tomorrow. */
static int
check_partitions(struct db *db, struct json_object *checks)
{
	char			 tomorrow[TIMEFMT_DATE_LEN];
	struct json_object	*o;
	PGresult		*r;
	int			 ok = 0;

	timefmt_date(timefmt_now_us() + US_PER_DAY, tomorrow);
	if (db_exec(db, ready_sql, 0, NULL, &r, 0) != DB_OK) {
		fprintf(stderr, "axlog-health: partitions: %s\n",
		    db_errmsg(db));
		o = check("unknown");
	} else {
		/* ISO dates compare as strings. */
		ok = strcmp(PQgetvalue(r, 0, 0), tomorrow) >= 0;
		o = check(ok ? "ok" : "degraded");
		json_object_object_add(o, "ready_until",
		    json_object_new_string(PQgetvalue(r, 0, 0)));
		PQclear(r);
	}
	json_object_object_add(checks, "partitions", o);
	return ok;
}

static void
send_health(struct resp *p, const char *status, struct json_object *checks)
{
	struct json_object	*o = json_object_new_object();

	json_object_object_add(o, "status", json_object_new_string(status));
	json_object_object_add(o, "version",
	    json_object_new_string(PACKAGE_VERSION));
	json_object_object_add(o, "checks", checks);
	(void)resp_json(p, strcmp(status, "down") == 0 ? 503 : 200, o);
	json_object_put(o);
}

static void
full(struct db *db, struct resp *p)
{
	struct json_object	*checks = json_object_new_object();
	const char		*status = "down";

	if (check_database(db, checks) && check_schema(db, checks))
		status = check_partitions(db, checks) ? "ok" : "degraded";
	send_health(p, status, checks);
}

static void
database_only(struct db *db, struct resp *p)
{
	struct json_object	*checks = json_object_new_object();

	send_health(p, check_database(db, checks) ? "ok" : "down", checks);
}

static void
live(struct resp *p)
{
	send_health(p, "ok", json_object_new_object());
}

/* /health, /health/live, /health/db (or .../axlog-health[/...] as CGI). */
void
health_handle(struct req *r, struct resp *p, void *ctx)
{
	struct db	*db = ctx;
	const char	*sub;

	(void)resp_header(p, "Cache-Control", "no-store");
	if (req_route(r->path, "health", &sub) != 0 || (sub[0] != '\0' &&
	    strcmp(sub, "live") != 0 && strcmp(sub, "db") != 0)) {
		(void)resp_error(p, AX_ERR_NOT_FOUND, NULL, NULL);
		return;
	}
	if (strcmp(r->method, "GET") != 0 && strcmp(r->method, "HEAD") != 0) {
		(void)resp_header(p, "Allow", "GET, HEAD");
		(void)resp_error(p, AX_ERR_METHOD, NULL, NULL);
		return;
	}
	db_set_timeout(db, HEALTH_BUDGET_MS);
	if (strcmp(sub, "live") == 0)
		live(p);
	else if (strcmp(sub, "db") == 0)
		database_only(db, p);
	else
		full(db, p);
}
