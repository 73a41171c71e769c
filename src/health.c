/*
 * health.c: service and database checks for cron and load balancers.
 * "down" (503) when the database cannot be reached or its schema is
 * behind these binaries; "degraded" (200) when it works but needs care
 * (tomorrow's partition missing, or a standby replaying far behind).
 * The database check names the node reached (host:port, which a
 * multi-host URL makes worth knowing), the kind of server, primary or
 * standby, a standby's replay lag, and whether a primary has a
 * synchronous standby: with AXLOG_EXPECT_SYNC_STANDBY=on a primary
 * without one is "degraded", the state of a failover pair that has lost
 * a node (pg_auto_failover then empties synchronous_standby_names, so
 * commits are on one machine only).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "health.h"
#include "metrics.h"
#include "replica.h"
#include "schema.h"
#include "timefmt.h"

#define US_PER_DAY	INT64_C(86400000000)
/*
 * A standby further behind than this serves visibly stale stats: set once
 * at start (health_set_max_lag), before any request thread reads it.
 */
static double	max_lag_s = 300.0;
static int	expect_sync;	/* health_set_expect_sync, set once too */

/* After REPLICA_COLUMNS: does the server wait for a synchronous standby? */
#define SYNC_COLUMN	", current_setting('synchronous_standby_names') <> ''"

/*
 * The per-request check, prepared once per connection: the last day of
 * an unbroken run of attached daily partitions starting today (yesterday
 * when today's is missing), then the server's kind and replay lag
 * (replica.h).  Partition names are made by schema.c, so looking them
 * up by name is exact; to_regclass finds each in the catalog cache, so
 * the usual run of eight days costs eight lookups, not a scan of
 * pg_inherits.  It reads the catalog only, so it prepares even in a
 * database that has no schema yet.
 */
static const char check_sql[] =
    "WITH RECURSIVE d(day) AS ("
    " SELECT (now() AT TIME ZONE 'UTC')::date - 1"
    " UNION ALL"
    " SELECT day + 1 FROM d"
    " WHERE day < (now() AT TIME ZONE 'UTC')::date + 400"
    " AND EXISTS (SELECT 1 FROM pg_class c WHERE c.oid ="
    "  to_regclass('axlog.logs_' || to_char(day + 1, 'YYYYMMDD'))"
    "  AND c.relispartition))"
    "SELECT (SELECT max(day)::text FROM d), " REPLICA_COLUMNS SYNC_COLUMN;

/* /health/db: reachable, and which server. */
static const char reach_sql[] = "SELECT " REPLICA_COLUMNS SYNC_COLUMN;

/*
 * The schema version changes only when someone migrates, so a version
 * that satisfies these binaries is read again at most every
 * VERSION_TTL_MS; one that does not is read on every request, so that
 * /health turns "ok" as soon as the migration commits.  Not prepared: the
 * table may not exist yet.
 */
static const char version_sql[] =
    "SELECT coalesce(max(version), 0) FROM axlog.schema_migrations";
#define VERSION_TTL_MS	10000

static const struct db_stmt stmts[] = {
	{ "health_check", check_sql, 0 },
	{ "health_reach", reach_sql, 0 },
};

/*
 * The gauges of /metrics: the end of the last day of the unbroken run of
 * partitions (as check_sql), the retention, the newest rollup hour (from
 * the index on t), each as seconds; then the server's replay lag.  Not
 * prepared: the tables may not exist yet, and a statement that cannot
 * be prepared would cost health its connection.
 */
static const char metrics_sql[] =
    "WITH RECURSIVE d(day) AS ("
    " SELECT (now() AT TIME ZONE 'UTC')::date - 1"
    " UNION ALL"
    " SELECT day + 1 FROM d"
    " WHERE day < (now() AT TIME ZONE 'UTC')::date + 400"
    " AND EXISTS (SELECT 1 FROM pg_class c WHERE c.oid ="
    "  to_regclass('axlog.logs_' || to_char(day + 1, 'YYYYMMDD'))"
    "  AND c.relispartition))"
    "SELECT extract(epoch FROM ((SELECT max(day) FROM d) + 1)::timestamp)"
    "::float8,"
    " (SELECT retention_days FROM axlog.settings)::float8 * 86400,"
    " (SELECT extract(epoch FROM max(t)) FROM axlog.rollup_hour)::float8, "
    REPLICA_COLUMNS;

/* What metrics_sql read last, and when (one reader at a time). */
static struct {
	pthread_mutex_t	lock;
	int64_t		read_ms;	/* 0: never */
	int		up;
	int		isnull[3];
	double		value[3];
	struct replica	rp;
	int		rp_known;
} mcache = { PTHREAD_MUTEX_INITIALIZER, 0, 0, { 1, 1, 1 }, { 0, 0, 0 },
    { 0, 0, 0 }, 0 };

static pthread_mutex_t	version_lock = PTHREAD_MUTEX_INITIALIZER;
static int		version_cached;
static int64_t		version_read_ms;

void
health_set_max_lag(int seconds)
{
	max_lag_s = seconds;
}

void
health_set_expect_sync(int on)
{
	expect_sync = on;
}

struct db *
health_db_new(const char *conninfo, int timeout_ms)
{
	if (timeout_ms > HEALTH_BUDGET_MS)
		timeout_ms = HEALTH_BUDGET_MS;
	return db_new(conninfo, stmts, sizeof(stmts) / sizeof(stmts[0]),
	    timeout_ms);
}

static struct json_object *
check(const char *status)
{
	struct json_object	*o = json_object_new_object();

	json_object_object_add(o, "status", json_object_new_string(status));
	return o;
}

static double
ms_since(const struct timespec *a)
{
	struct timespec	b;

	clock_gettime(CLOCK_MONOTONIC, &b);
	return (double)(b.tv_sec - a->tv_sec) * 1e3 +
	    (double)(b.tv_nsec - a->tv_nsec) / 1e6;
}

/* What the server reached said of itself (all known only with rp). */
struct reached {
	const struct replica	*rp;	/* NULL: the statement failed */
	int			 sync;	/* has a synchronous standby */
	char			 node[300];	/* host:port, "" unknown */
};

/* Fill *out from a health statement's row (replica columns at col). */
static void
reached_read(struct db *db, const PGresult *r, int col,
    const struct replica *rp, struct reached *out)
{
	PGconn	*c = db_conn(db);

	memset(out, 0, sizeof(*out));
	out->rp = rp;
	if (rp != NULL && PQnfields(r) > col + 2 && !PQgetisnull(r, 0, col + 2))
		out->sync = strcmp(PQgetvalue(r, 0, col + 2), "t") == 0;
	if (c != NULL && PQhost(c) != NULL && PQport(c) != NULL)
		snprintf(out->node, sizeof(out->node), "%s:%s", PQhost(c),
		    PQport(c));
}

/*
 * The database check: up or down, and when the server answered, which
 * node and which kind it is.  Returns 0 when a standby lags more than
 * max_lag_s, or a primary lacks the synchronous standby it should have.
 */
static int
add_database(struct json_object *checks, int up, double ms,
    const struct reached *at)
{
	const struct replica	*rp = at->rp;
	struct json_object	*o;
	char			 text[32];
	int			 fresh, paired;

	fresh = rp == NULL || !rp->lag_known || rp->lag_s <= max_lag_s;
	paired = rp == NULL || rp->standby || !expect_sync || at->sync;
	o = check(!up ? "down" : fresh && paired ? "ok" : "degraded");
	if (up) {
		snprintf(text, sizeof(text), "%.3f", ms);
		json_object_object_add(o, "latency_ms",
		    json_object_new_double_s(ms, text));
	}
	if (up && at->node[0] != '\0')
		json_object_object_add(o, "node",
		    json_object_new_string(at->node));
	if (up && rp != NULL) {
		json_object_object_add(o, "server",
		    json_object_new_string(replica_server(rp)));
		json_object_object_add(o, "replay_lag_s",
		    replica_lag_json(rp));
		if (!rp->standby)
			json_object_object_add(o, "synchronous_standby",
			    json_object_new_boolean(at->sync));
	}
	json_object_object_add(checks, "database", o);
	return fresh && paired;
}

/* Schema at least as new as the binaries. */
static int
add_schema(struct json_object *checks, int version, struct resp *p)
{
	struct json_object	*o;
	int			 ok = version >= schema_version();

	if (!ok)
		resp_cause(p, "schema at version %d, these programs need %d "
		    "(run axlogctl migrate)", version, schema_version());
	o = check(ok ? "ok" : "down");
	json_object_object_add(o, "version", json_object_new_int(version));
	json_object_object_add(o, "expected", json_object_new_int(
	    schema_version()));
	json_object_object_add(checks, "schema", o);
	return ok;
}

/* Partitions reach at least tomorrow. */
static int
add_partitions(struct json_object *checks, const char *ready_until)
{
	char			 tomorrow[TIMEFMT_DATE_LEN];
	struct json_object	*o;
	int			 ok;

	timefmt_date(timefmt_now_us() + US_PER_DAY, tomorrow);
	/* ISO dates compare as strings. */
	ok = strcmp(ready_until, tomorrow) >= 0;
	o = check(ok ? "ok" : "degraded");
	json_object_object_add(o, "ready_until",
	    json_object_new_string(ready_until));
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

/*
 * The schema's version (0: no schema yet), or -1 when the database could
 * not be asked (the cause kept in p).
 */
static int
schema_version_of(struct db *db, struct resp *p)
{
	PGresult	*r;
	enum db_err	 e;
	int		 v;

	pthread_mutex_lock(&version_lock);
	v = version_cached;
	if (v >= schema_version() &&
	    db_now_ms() - version_read_ms < VERSION_TTL_MS) {
		pthread_mutex_unlock(&version_lock);
		return v;
	}
	pthread_mutex_unlock(&version_lock);
	e = db_exec(db, version_sql, 0, NULL, &r, DB_RETRY);
	if (e == DB_FAILED)	/* no schema_migrations: no schema */
		return 0;
	if (e != DB_OK) {
		resp_cause(p, "reading the schema version: %s", db_cause(db));
		return -1;
	}
	v = (int)strtol(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	pthread_mutex_lock(&version_lock);
	version_cached = v;
	version_read_ms = db_now_ms();
	pthread_mutex_unlock(&version_lock);
	return v;
}

static void
full(struct db *db, struct resp *p)
{
	struct json_object	*checks = json_object_new_object();
	const char		*status = "down";
	struct replica		 rp;
	struct reached		 at;
	struct timespec		 t0;
	PGresult		*r = NULL;
	enum db_err		 e;
	int			 known, fresh, version = -1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	e = db_query(db, "health_check", 0, NULL, &r, DB_RETRY);
	if (e == DB_OK)
		version = schema_version_of(db, p);
	else
		/* The log line of the 503 says why: hosts and roles stay
		 * out of the answer. */
		resp_cause(p, "database: %s", db_cause(db));
	known = e == DB_OK && replica_read(r, 1, &rp) == 0;
	reached_read(db, r, 1, known ? &rp : NULL, &at);
	fresh = add_database(checks, version >= 0, ms_since(&t0), &at);
	if (version >= 0 && add_schema(checks, version, p))
		status = add_partitions(checks, PQgetvalue(r, 0, 0)) &&
		    fresh ? "ok" : "degraded";
	PQclear(r);
	send_health(p, status, checks);
}

/*
 * Database reachable: "ok" with the round trip and the server ("degraded"
 * for a standby far behind), or "down".
 */
static void
database_only(struct db *db, struct resp *p)
{
	struct json_object	*checks = json_object_new_object();
	struct replica		 rp;
	struct reached		 at;
	struct timespec		 t0;
	PGresult		*r = NULL;
	enum db_err		 e;
	int			 known, fresh;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	e = db_query(db, "health_reach", 0, NULL, &r, DB_RETRY);
	if (e != DB_OK)
		/* The reason goes to the log: hosts and roles stay private. */
		resp_cause(p, "database: %s", db_cause(db));
	known = e == DB_OK && replica_read(r, 0, &rp) == 0;
	reached_read(db, r, 0, known ? &rp : NULL, &at);
	fresh = add_database(checks, e == DB_OK, ms_since(&t0), &at);
	PQclear(r);
	send_health(p, e != DB_OK ? "down" : fresh ? "ok" : "degraded", checks);
}

/* Read the gauges into mcache (its lock held). */
static void
metrics_read(struct db *db)
{
	PGresult	*r = NULL;
	int		 i;

	db_set_timeout(db, HEALTH_BUDGET_MS);
	mcache.up = db_exec(db, metrics_sql, 0, NULL, &r, DB_RETRY) == DB_OK &&
	    PQntuples(r) == 1;
	mcache.read_ms = db_now_ms();
	for (i = 0; i < 3; i++) {
		mcache.isnull[i] = !mcache.up || PQgetisnull(r, 0, i);
		mcache.value[i] = mcache.isnull[i] ? 0 :
		    strtod(PQgetvalue(r, 0, i), NULL);
	}
	mcache.rp_known = mcache.up && replica_read(r, 3, &mcache.rp) == 0 &&
	    mcache.rp.lag_known;
	if (!mcache.up)
		fprintf(stderr, "axlog-health: /metrics: database: %s\n",
		    db_cause(db));
	PQclear(r);
}

void
health_metrics(void *ctx, struct metrics_text *t)
{
	static const char *const names[3] = {
		"axlog_partitions_ready_until_timestamp_seconds",
		"axlog_retention_seconds",
		"axlog_rollup_newest_hour_timestamp_seconds",
	};
	static const char *const helps[3] = {
		"End of the last day of the unbroken run of daily partitions "
		"from today, in seconds since the Unix epoch.",
		"How long events are kept (axlogctl retention).",
		"Start of the newest hour in the hourly rollups, in seconds "
		"since the Unix epoch.",
	};
	struct db	*db = ctx;
	int		 i;

	pthread_mutex_lock(&mcache.lock);
	/* Failures are cached too: a database that hangs costs one scrape
	 * in HEALTH_METRICS_TTL_MS its deadline, not every one. */
	if (mcache.read_ms == 0 ||
	    db_now_ms() - mcache.read_ms >= HEALTH_METRICS_TTL_MS)
		metrics_read(db);
	metrics_gauge(t, "axlog_database_up", "1 when the database answered "
	    "the last read of these gauges (cached a few seconds).",
	    mcache.up);
	for (i = 0; i < 3; i++)
		if (!mcache.isnull[i])
			metrics_gauge(t, names[i], helps[i], mcache.value[i]);
	if (mcache.rp_known) {
		metrics_gauge(t, "axlog_database_standby", "1 when the "
		    "database server is a standby (in recovery).",
		    mcache.rp.standby);
		metrics_gauge(t, "axlog_replica_lag_seconds", "How far the "
		    "standby's replay is behind (0 on a primary).",
		    mcache.rp.lag_s);
	}
	pthread_mutex_unlock(&mcache.lock);
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
