/*
 * stats.c: /stats, /stats/apps and /stats/alerts.  Every number comes
 * from the rollups, which the ingest statement keeps exact, in one
 * statement (one snapshot) per request; the program only adds them up.
 * Each answer says which kind of server gave it and, from a standby, how
 * far its replay lags (asked just before the data, so the data is at
 * least that fresh).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "alerts.h"
#include "hist.h"
#include "jsonfmt.h"
#include "logs.h"
#include "query.h"
#include "readauth.h"
#include "replica.h"
#include "sha256.h"
#include "stats.h"
#include "stats_params.h"
#include "timefmt.h"

/*
 * $1 from, $2 to, $3 apps (text[] or NULL), $4 event type or NULL.
 * Rows of kind 0: the apps in scope; 1: one rollup row, with its
 * histogram as text (the program adds them up: in SQL, unnesting and
 * grouping every bucket of every row cost most of the statement).
 * Times as epoch microseconds.
 */
#define SUMMARY_SQL(table) \
	"SELECT 0 AS kind, app_id, NULL::text AS event_type, NULL::int8 AS t," \
	"  NULL::int8 AS a, NULL::int8 AS b, NULL::int8 AS last," \
	"  NULL::text AS hist" \
	"  FROM axlog.apps WHERE $3::text[] IS NULL OR app_id = ANY ($3::text[])" \
	" UNION ALL SELECT 1, app_id, event_type," \
	"  (extract(epoch FROM t) * 1000000)::int8, events, errors," \
	"  (extract(epoch FROM last_at) * 1000000)::int8, hist::text" \
	"  FROM axlog." table " WHERE t >= $1 AND t < $2" \
	"  AND ($3::text[] IS NULL OR app_id = ANY ($3::text[]))" \
	"  AND ($4::text IS NULL OR event_type = $4)" \
	" ORDER BY 1, 2, 3, 4"

static const char apps_sql[] =
    "SELECT a.app_id, a.kind, a.description,"
    " (extract(epoch FROM a.created_at) * 1000000)::int8,"
    " (SELECT (extract(epoch FROM max(d.last_at)) * 1000000)::int8"
    "  FROM axlog.rollup_day d WHERE d.app_id = a.app_id),"
    " (SELECT coalesce(sum(h.events), 0) FROM axlog.rollup_hour h"
    "  WHERE h.app_id = a.app_id"
    "  AND h.t >= date_trunc('hour', now(), 'UTC') - interval '23 hours')"
    " FROM axlog.apps a WHERE $1::text[] IS NULL OR a.app_id = ANY ($1)"
    " ORDER BY a.app_id";

static const struct db_stmt stmts[] = {
	READAUTH_STMT,
	{ "stats_hour", SUMMARY_SQL("rollup_hour"), 4 },
	{ "stats_day", SUMMARY_SQL("rollup_day"), 4 },
	{ "stats_apps", apps_sql, 1 },
	{ "stats_alerts", alerts_sql, 1 },
	{ "stats_server", "SELECT " REPLICA_COLUMNS, 0 },
};

struct db *
stats_db_new(const char *conninfo, int timeout_ms)
{
	return db_new(conninfo, stmts, sizeof(stmts) / sizeof(stmts[0]),
	    timeout_ms);
}

static struct json_object *
percentiles(const struct hist *h)
{
	static const unsigned	 pcts[] = { 50, 95, 99 };
	static const char *const names[] = { "p50", "p95", "p99" };
	struct json_object	*o = json_object_new_object();
	size_t			 i;

	for (i = 0; i < 3; i++)
		json_object_object_add(o, names[i], h->n == 0 ? NULL :
		    jsonfmt_significant(hist_percentile(h, pcts[i]), 5));
	return o;
}

static void
add_counts(struct json_object *o, int64_t events, int64_t errors)
{
	json_object_object_add(o, "events", json_object_new_int64(events));
	json_object_object_add(o, "errors", json_object_new_int64(errors));
	json_object_object_add(o, "error_rate",
	    jsonfmt_rounded(events ? (double)errors / (double)events : 0, 4));
}

/* One app of the summary while its rows are read. */
struct app_sum {
	const char		*app_id;	/* into the result */
	int64_t			 events, errors, last_at;
	int64_t			*series;	/* 2 per bucket: events, errors */
	struct json_object	*types;
	struct hist		 hist;
};

struct summary {
	const struct stats_params *p;
	int64_t			 unit;
	size_t			 nbuckets, napps;
	struct app_sum		*apps;
	struct json_object	*cur_type;	/* the type being summed */
	const char		*cur_type_app, *cur_type_name;
	int64_t			 type_events, type_errors;
	size_t			 bad_hist;	/* rows whose histogram was unreadable */
};

static int
cmp_app(const void *key, const void *elem)
{
	return strcmp(key, ((const struct app_sum *)elem)->app_id);
}

static int
cmp_apps(const void *a, const void *b)
{
	return strcmp(((const struct app_sum *)a)->app_id,
	    ((const struct app_sum *)b)->app_id);
}

static struct app_sum *
find_app(struct summary *s, const char *app_id)
{
	return bsearch(app_id, s->apps, s->napps, sizeof(*s->apps), cmp_app);
}

/* Close the event-type run being summed, if any. */
static void
flush_type(struct summary *s)
{
	struct app_sum		*a;
	struct json_object	*o;

	if (s->cur_type_name == NULL)
		return;
	if ((a = find_app(s, s->cur_type_app)) != NULL) {
		o = json_object_new_object();
		json_object_object_add(o, "event_type",
		    json_object_new_string(s->cur_type_name));
		json_object_object_add(o, "events",
		    json_object_new_int64(s->type_events));
		json_object_object_add(o, "errors",
		    json_object_new_int64(s->type_errors));
		json_object_array_add(a->types, o);
	}
	s->cur_type_name = NULL;
	s->type_events = s->type_errors = 0;
}

/* A rollup row: rows come ordered by app, type, time. */
static void
add_row(struct summary *s, const PGresult *r, int i)
{
	const char	*app = PQgetvalue(r, i, 1), *type = PQgetvalue(r, i, 2);
	struct app_sum	*a = find_app(s, app);
	int64_t		 t = jsonfmt_col_int(r, i, 3, 0), ev = jsonfmt_col_int(r, i, 4, 0);
	int64_t		 er = jsonfmt_col_int(r, i, 5, 0), last = jsonfmt_col_int(r, i, 6, 0);
	int64_t		 b;

	if (a == NULL)
		return;
	if (s->cur_type_name == NULL || strcmp(s->cur_type_app, app) != 0 ||
	    strcmp(s->cur_type_name, type) != 0) {
		flush_type(s);
		s->cur_type_app = app;
		s->cur_type_name = type;
	}
	s->type_events += ev;
	s->type_errors += er;
	a->events += ev;
	a->errors += er;
	if (last > a->last_at)
		a->last_at = last;
	if (!PQgetisnull(r, i, 7) &&
	    hist_add_text(&a->hist, PQgetvalue(r, i, 7)) != 0)
		s->bad_hist++;
	b = (t - s->p->from_us) / s->unit;
	if (b >= 0 && (size_t)b < s->nbuckets) {
		a->series[2 * b] += ev;
		a->series[2 * b + 1] += er;
	}
}

static int
summary_init(struct summary *s, const struct stats_params *p,
    const PGresult *r)
{
	size_t	i, n = 0;

	memset(s, 0, sizeof(*s));
	s->p = p;
	s->unit = p->bucket == STATS_HOUR ? STATS_US_HOUR : STATS_US_DAY;
	s->nbuckets = (size_t)((p->to_us - p->from_us) / s->unit);
	for (i = 0; i < (size_t)PQntuples(r); i++)
		n += strcmp(PQgetvalue(r, (int)i, 0), "0") == 0;
	if ((s->apps = calloc(n ? n : 1, sizeof(*s->apps))) == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		struct app_sum *a = &s->apps[s->napps++];

		a->app_id = PQgetvalue(r, (int)i, 1);
		a->last_at = INT64_MIN;
		a->types = json_object_new_array();
		if ((a->series = calloc(2 * s->nbuckets + 1,
		    sizeof(int64_t))) == NULL)
			return -1;
	}
	/* Byte order for bsearch, whatever the database's collation. */
	qsort(s->apps, s->napps, sizeof(*s->apps), cmp_apps);
	return 0;
}

static void
summary_free(struct summary *s)
{
	size_t	i;

	for (i = 0; i < s->napps; i++) {
		free(s->apps[i].series);
		json_object_put(s->apps[i].types);
	}
	free(s->apps);
}

static struct json_object *
series_json(const struct summary *s, const struct app_sum *a)
{
	struct json_object	*arr = json_object_new_array(), *o;
	size_t			 i;

	for (i = 0; i < s->nbuckets; i++) {
		o = json_object_new_object();
		json_object_object_add(o, "t", jsonfmt_time(s->p->from_us +
		    (int64_t)i * s->unit));
		json_object_object_add(o, "events",
		    json_object_new_int64(a->series[2 * i]));
		json_object_object_add(o, "errors",
		    json_object_new_int64(a->series[2 * i + 1]));
		json_object_array_add(arr, o);
	}
	return arr;
}

static struct json_object *
app_json(const struct summary *s, struct app_sum *a)
{
	struct json_object	*o = json_object_new_object();

	json_object_object_add(o, "app_id", json_object_new_string(a->app_id));
	add_counts(o, a->events, a->errors);
	json_object_object_add(o, "duration_ms", percentiles(&a->hist));
	json_object_object_add(o, "last_event_at", jsonfmt_time(a->last_at));
	json_object_object_add(o, "event_types", json_object_get(a->types));
	json_object_object_add(o, "series", series_json(s, a));
	return o;
}

/* The body of /stats from the rows of SUMMARY_SQL. */
static struct json_object *
summary_json(const struct stats_params *p, const PGresult *r)
{
	struct summary		 s;
	struct json_object	*o = NULL, *apps, *totals;
	struct hist		 all;
	int64_t			 ev = 0, er = 0;
	size_t			 i;

	if (summary_init(&s, p, r) != 0)
		goto out;
	for (i = s.napps; i < (size_t)PQntuples(r); i++)
		add_row(&s, r, (int)i);
	flush_type(&s);
	if (s.bad_hist > 0)
		/* Percentiles then leave some rows out: say so in the log. */
		fprintf(stderr, "axlog-stats: %zu rollup histograms unreadable\n",
		    s.bad_hist);
	memset(&all, 0, sizeof(all));
	apps = json_object_new_array();
	for (i = 0; i < s.napps; i++) {
		ev += s.apps[i].events;
		er += s.apps[i].errors;
		hist_merge(&all, &s.apps[i].hist);
		json_object_array_add(apps, app_json(&s, &s.apps[i]));
	}
	totals = json_object_new_object();
	add_counts(totals, ev, er);
	json_object_object_add(totals, "duration_ms", percentiles(&all));
	o = json_object_new_object();
	json_object_object_add(o, "from", jsonfmt_time(p->from_us));
	json_object_object_add(o, "to", jsonfmt_time(p->to_us));
	json_object_object_add(o, "bucket", json_object_new_string(
	    p->bucket == STATS_HOUR ? "hour" : "day"));
	json_object_object_add(o, "totals", totals);
	json_object_object_add(o, "apps", apps);
out:
	summary_free(&s);
	return o;
}

static struct json_object *
apps_json(const PGresult *r)
{
	struct json_object	*arr = json_object_new_array(), *o, *top;
	int			 i;

	for (i = 0; i < PQntuples(r); i++) {
		o = json_object_new_object();
		json_object_object_add(o, "app_id",
		    json_object_new_string(PQgetvalue(r, i, 0)));
		json_object_object_add(o, "kind",
		    json_object_new_string(PQgetvalue(r, i, 1)));
		json_object_object_add(o, "description",
		    json_object_new_string(PQgetvalue(r, i, 2)));
		json_object_object_add(o, "created_at",
		    jsonfmt_time(jsonfmt_col_int(r, i, 3, INT64_MIN)));
		json_object_object_add(o, "last_event_at",
		    jsonfmt_time(jsonfmt_col_int(r, i, 4, INT64_MIN)));
		json_object_object_add(o, "events_24h",
		    json_object_new_int64(jsonfmt_col_int(r, i, 5, 0)));
		json_object_array_add(arr, o);
	}
	top = json_object_new_object();
	json_object_object_add(top, "apps", arr);
	return top;
}

/* Does an If-None-Match list (RFC 9110 §13.1.2) hold etag, weakly? */
static int
etag_matches(const char *inm, const char *etag)
{
	const char	*p;
	size_t		 n = strlen(etag + 2);	/* without W/ */

	if (inm == NULL)
		return 0;
	if (strcmp(inm, "*") == 0)
		return 1;
	for (p = inm; (p = strstr(p, etag + 2)) != NULL; p += n)
		if (p[n] == '\0' || p[n] == ',' || p[n] == ' ')
			return 1;
	return 0;
}

/*
 * Answer body with an ETag over the data itself, so an unchanged answer
 * costs a 304; generated_at, the server and its lag are added after
 * hashing.  Consumes body.
 */
static void
send_cached(const struct req *r, struct resp *p, struct json_object *body,
    const struct replica *rp)
{
	char		 etag[2 + 2 + 32 + 1], hex[2 * SHA256_DIGEST_LEN + 1];
	uint8_t		 d[SHA256_DIGEST_LEN];
	const char	*text;
	size_t		 len;

	text = json_object_to_json_string_length(body, JSON_C_TO_STRING_PLAIN,
	    &len);
	sha256_digest(text, len, d);
	sha256_hex(d, hex);
	snprintf(etag, sizeof(etag), "W/\"%.32s\"", hex);
	(void)resp_header(p, "ETag", etag);
	(void)resp_header(p, "Cache-Control", "private, no-cache");
	if (etag_matches(req_header(r, "If-None-Match"), etag))
		(void)resp_empty(p, 304);
	else {
		json_object_object_add(body, "generated_at",
		    jsonfmt_time(timefmt_now_us()));
		json_object_object_add(body, "server",
		    json_object_new_string(replica_server(rp)));
		json_object_object_add(body, "lag_s", replica_lag_json(rp));
		(void)resp_json(p, 200, body);
	}
	json_object_put(body);
}

static void
db_failed(struct stats *st, struct resp *p)
{
	(void)resp_unavailable(p, "database: %s", db_cause(st->db));
}

/* The server's kind and replay lag, asked before the data. */
static enum db_err
server_state(struct stats *st, struct resp *p, struct replica *rp)
{
	PGresult	*res = NULL;
	enum db_err	 e;

	if ((e = db_query(st->db, "stats_server", 0, NULL, &res, DB_RETRY)) !=
	    DB_OK)
		return e;
	if (replica_read(res, 0, rp) != 0) {
		resp_cause(p, "unreadable server state");
		e = DB_FAILED;
	}
	PQclear(res);
	return e;
}

enum endpoint { EP_SUMMARY, EP_APPS, EP_ALERTS, EP_LOGS };

static void
serve(struct stats *st, const struct req *r, struct resp *p,
    enum endpoint ep, const struct reader *who)
{
	static const char *const none[] = { NULL };
	struct stats_params	 sp;
	struct query		 q;
	const char		*bad, *params[4];
	char			 msg[160], from[TIMEFMT_LEN], to[TIMEFMT_LEN];
	char			 apps[STATS_APPS_ARRAY_LEN];
	PGresult		*res = NULL;
	struct json_object	*body;
	struct replica		 rp;
	enum db_err		 e;

	if (query_parse(r->query, &q, &bad) != AX_OK) {
		snprintf(msg, sizeof(msg), "%s: malformed query string",
		    bad ? bad : "query");
		(void)resp_error(p, AX_ERR_BAD_REQUEST, msg, NULL);
		goto out;
	}
	if (stats_params_parse(&q, timefmt_now_us(), STATS_RANGE_BUCKETS,
	    ep == EP_SUMMARY ? NULL : none, &sp, msg, sizeof(msg)) != AX_OK) {
		(void)resp_error(p, AX_ERR_BAD_REQUEST, msg, NULL);
		goto out;
	}
	if (readauth_scope(who, &sp, p) != AX_OK)
		goto out;
	timefmt_format(sp.from_us, from);
	timefmt_format(sp.to_us, to);
	params[0] = from;
	params[1] = to;
	params[2] = stats_params_apps_array(&sp, apps);
	params[3] = sp.event_type;
	if ((e = server_state(st, p, &rp)) != DB_OK) {
		db_failed(st, p);
		goto out;
	}
	if (ep == EP_SUMMARY)
		e = db_query(st->db, sp.bucket == STATS_HOUR ? "stats_hour" :
		    "stats_day", 4, params, &res, DB_RETRY);
	else
		e = db_query(st->db, ep == EP_APPS ? "stats_apps" :
		    "stats_alerts", 1, params + 2, &res, DB_RETRY);
	if (e != DB_OK) {
		db_failed(st, p);
		goto out;
	}
	body = ep == EP_SUMMARY ? summary_json(&sp, res) : ep == EP_APPS ?
	    apps_json(res) : alerts_json(res);
	if (body == NULL)
		(void)resp_unavailable(p, "out of memory");
	else
		send_cached(r, p, body, &rp);
out:
	PQclear(res);
	query_free(&q);
}

/* CORS (Fetch standard): only for origins listed in AXLOG_CORS_ORIGINS. */
static int
cors(const struct stats *st, const struct req *r, struct resp *p)
{
	const char	*origin = req_header(r, "Origin");
	size_t		 i;

	(void)resp_header(p, "Vary", "Origin");
	if (origin == NULL)
		return 0;
	for (i = 0; i < st->settings->ncors; i++)
		if (strcmp(origin, st->settings->cors_origins[i]) == 0) {
			(void)resp_header(p, "Access-Control-Allow-Origin",
			    origin);
			(void)resp_header(p, "Access-Control-Expose-Headers",
			    "ETag, Link");
			return 1;
		}
	return 0;
}

static int
route(const char *path, enum endpoint *ep)
{
	const char	*sub;

	if (req_route(path, "stats", &sub) != 0)
		return -1;
	if (sub[0] == '\0')
		*ep = EP_SUMMARY;
	else if (strcmp(sub, "apps") == 0)
		*ep = EP_APPS;
	else if (strcmp(sub, "alerts") == 0)
		*ep = EP_ALERTS;
	else if (strcmp(sub, "logs") == 0)
		*ep = EP_LOGS;
	else
		return -1;
	return 0;
}

void
stats_handle(struct req *r, struct resp *p, void *ctx)
{
	struct stats	*st = ctx;
	struct reader	 who;
	enum endpoint	 ep;
	int		 allowed = cors(st, r, p);

	if (route(r->path, &ep) != 0) {
		(void)resp_error(p, AX_ERR_NOT_FOUND, NULL, NULL);
		return;
	}
	if (strcmp(r->method, "OPTIONS") == 0) {
		if (allowed) {
			(void)resp_header(p, "Access-Control-Allow-Methods",
			    "GET, HEAD, OPTIONS");
			(void)resp_header(p, "Access-Control-Allow-Headers",
			    "Authorization, X-API-Key, If-None-Match");
			(void)resp_header(p, "Access-Control-Max-Age", "600");
		}
		(void)resp_header(p, "Allow", "GET, HEAD, OPTIONS");
		(void)resp_empty(p, 204);
		return;
	}
	if (strcmp(r->method, "GET") != 0 && strcmp(r->method, "HEAD") != 0) {
		(void)resp_header(p, "Allow", "GET, HEAD, OPTIONS");
		(void)resp_error(p, AX_ERR_METHOD, NULL, NULL);
		return;
	}
	db_set_timeout(st->db, st->settings->db_timeout_ms);
	if (readauth_check(st->db, r, p, &who) != AX_OK)
		return;
	if (ep == EP_LOGS)
		logs_serve(st->db, r, p, &who);
	else
		serve(st, r, p, ep, &who);
}
