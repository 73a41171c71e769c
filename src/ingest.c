/*
 * ingest.c: the /ingest request path.  Everything a client sends is
 * checked here before the database sees it; the database still has the
 * last word on keys, apps and retention, in the same statement as the
 * insert, so a small request costs one round trip.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commit.h"
#include "ingest.h"
#include "timefmt.h"

#define KEY_SQL \
	"SELECT app_id FROM axlog.api_keys WHERE token_sha256 = $1::bytea " \
	"AND scope = 'ingest' AND revoked_at IS NULL " \
	"AND (expires_at IS NULL OR expires_at > now())"

/*
 * $1 key hash, $2 events as a JSON array, $3 the app the events name (or
 * NULL).  Returns the key's app (NULL: no such key), the 1-based index of
 * the first event older than the retention (NULL: none), and how many
 * rows were inserted; nothing is inserted unless the first two pass.
 * The rows actually inserted (not duplicates) are added to their hour
 * and day rollups in the same statement, keys in sorted order so
 * concurrent requests lock rollup rows in one order.  A new event type
 * beyond the per-app-and-hour limit is counted as "(other)".
 */
#define ROLLUP_UPSERT(table, rows) \
	" INSERT INTO axlog." table " AS r (app_id, t, event_type, events," \
	"  errors, last_at, hist)" \
	"  SELECT app_id, t, rtype, count(*), count(*) FILTER (WHERE NOT" \
	"  success), max(created_at), axlog.hist_of(array_agg(duration_ms))" \
	"  FROM " rows " GROUP BY 1, 2, 3 ORDER BY 1, 2, 3" \
	"  ON CONFLICT (app_id, t, event_type) DO UPDATE SET" \
	"  events = r.events + excluded.events," \
	"  errors = r.errors + excluded.errors," \
	"  last_at = greatest(r.last_at, excluded.last_at)," \
	"  hist = axlog.hist_merge(r.hist, excluded.hist)"

static const char store_sql[] =
    "WITH k AS (" KEY_SQL "),"
    " x AS (SELECT * FROM ROWS FROM (jsonb_to_recordset($2::jsonb) AS ("
    "  id uuid, created_at timestamptz, event_type text,"
    "  event_subtype text, user_id uuid, fingerprint text, ip_address inet,"
    "  success boolean, duration_ms double precision, message text,"
    "  metadata jsonb)) WITH ORDINALITY AS x(id, created_at, event_type,"
    "  event_subtype, user_id, fingerprint, ip_address, success,"
    "  duration_ms, message, metadata, n)),"
    " old AS (SELECT min(x.n) AS n FROM x, axlog.settings s"
    "  WHERE x.created_at < now() - make_interval(days => s.retention_days)),"
    " ok AS (SELECT k.app_id FROM k, old"
    "  WHERE old.n IS NULL AND k.app_id = coalesce($3, k.app_id)),"
    " ins AS (INSERT INTO axlog.logs (id, app_id, created_at, event_type,"
    "  event_subtype, user_id, fingerprint, ip_address, success,"
    "  duration_ms, message, metadata)"
    "  SELECT coalesce(x.id, gen_random_uuid()), ok.app_id,"
    "  coalesce(x.created_at, now()), x.event_type, x.event_subtype,"
    "  x.user_id, x.fingerprint, x.ip_address, coalesce(x.success, true),"
    "  x.duration_ms, x.message, x.metadata FROM ok, x ORDER BY x.n"
    "  ON CONFLICT (app_id, id, created_at) DO NOTHING"
    "  RETURNING app_id, created_at, event_type, success, duration_ms),"
    " g AS (SELECT ins.*, date_trunc('hour', created_at, 'UTC') AS t,"
    "  date_trunc('day', created_at, 'UTC') AS d FROM ins),"
    " ty AS (SELECT DISTINCT app_id, t, event_type FROM g),"
    " rt AS (SELECT ty.*, CASE WHEN EXISTS (SELECT 1 FROM axlog.rollup_hour r"
    "  WHERE r.app_id = ty.app_id AND r.t = ty.t AND"
    "  r.event_type = ty.event_type) THEN ty.event_type"
    "  WHEN (SELECT count(*) FROM axlog.rollup_hour r WHERE r.app_id ="
    "  ty.app_id AND r.t = ty.t) < (SELECT max_event_types FROM"
    "  axlog.settings) THEN ty.event_type ELSE '(other)' END AS rtype"
    "  FROM ty),"
    " gh AS (SELECT g.app_id, g.t, rt.rtype, g.success, g.created_at,"
    "  g.duration_ms, g.d FROM g JOIN rt USING (app_id, t, event_type)),"
    " uh AS (" ROLLUP_UPSERT("rollup_hour", "gh") "),"
    " ud AS (" ROLLUP_UPSERT("rollup_day",
    "(SELECT app_id, d AS t, rtype, success, created_at, duration_ms FROM gh) gd")
    ")"
    " SELECT (SELECT app_id FROM k), (SELECT n FROM old),"
    " (SELECT count(*) FROM ins)";

static const struct db_stmt stmts[] = {
	{ "ingest_key", KEY_SQL, 1 },
	{ "ingest_store", store_sql, 3 },
};

struct db *
ingest_db_new(const char *conninfo, int timeout_ms)
{
	return db_new(conninfo, stmts, sizeof(stmts) / sizeof(stmts[0]),
	    timeout_ms);
}

static void
unauthorized(struct resp *p, const char *msg)
{
	(void)resp_header(p, "WWW-Authenticate", "Bearer realm=\"axlog\"");
	(void)resp_error(p, AX_ERR_UNAUTHORIZED, msg, NULL);
}

/* Body bytes after Content-Encoding, bounded by the body limit. */
static enum ax_err
read_payload(struct ingest *in, struct req *r, char **body, size_t *len)
{
	size_t		 max = in->settings->max_body_bytes;
	char		*raw, *plain;
	size_t		 rawlen;
	int		 gzip;
	enum ax_err	 e;

	if ((e = body_encoding_of(req_header(r, "Content-Encoding"),
	    &gzip)) != AX_OK)
		return e;
	if ((e = req_read_body(r, max, &raw, &rawlen)) != AX_OK || !gzip) {
		*body = raw;
		*len = rawlen;
		return e;
	}
	e = body_gunzip(raw, rawlen, max, &plain, len);
	free(raw);
	*body = plain;
	return e;
}

static enum ax_err
refuse(struct resp *p, enum ax_err e, const char *msg)
{
	(void)resp_error(p, e, msg, NULL);
	return e;
}

/* Content-Type, Content-Encoding, length and body into job's batch. */
static enum ax_err
read_events(struct ingest *in, struct req *r, struct ingest_job *job,
    const char **msg)
{
	enum body_type	 type;
	enum ax_err	 e;
	char		*body = NULL;
	size_t		 len;

	*msg = NULL;
	if ((e = body_type_of(req_header(r, "Content-Type"), &type)) != AX_OK) {
		*msg = "Content-Type must be application/json or "
		    "application/x-ndjson, and Content-Encoding gzip or none";
		return e;
	}
	if ((e = read_payload(in, r, &body, &len)) != AX_OK) {
		free(body);
		if (e == AX_ERR_MEDIA_TYPE)
			*msg = "Content-Encoding must be gzip or none";
		else if (e == AX_ERR_TOO_LARGE)
			*msg = "body over the size limit";
		return e;
	}
	e = event_parse(body, len, type, in->settings->max_batch,
	    timefmt_now_us(), &job->batch);
	free(body);
	if (e == AX_OK && job->batch.app_conflict) {
		*msg = "events name another app than the key's";
		return AX_ERR_FORBIDDEN;
	}
	if (e != AX_OK)
		*msg = job->batch.message;
	return e;
}

enum ax_err
ingest_read(struct ingest *in, struct req *r, struct resp *p,
    struct ingest_job *job)
{
	const char	*sub, *msg;
	enum ax_err	 e;

	memset(job, 0, sizeof(*job));
	if (req_route(r->path, "ingest", &sub) != 0 || sub[0] != '\0')
		return refuse(p, AX_ERR_NOT_FOUND, NULL);
	if (strcmp(r->method, "POST") != 0) {
		(void)resp_header(p, "Allow", "POST");
		return refuse(p, AX_ERR_METHOD, "use POST");
	}
	auth_from_req(r, &job->cred);
	if (job->cred.scheme == AUTH_BASIC) {
		unauthorized(p, "send the ingest key as Authorization: Bearer "
		    "or X-API-Key");
		return AX_ERR_UNAUTHORIZED;
	}
	if (!job->cred.well_formed) {
		unauthorized(p, job->cred.scheme == AUTH_NONE ?
		    "an ingest key is required (Authorization: Bearer or "
		    "X-API-Key)" : "malformed key");
		return AX_ERR_UNAUTHORIZED;
	}
	/* Whatever is wrong with the request, a wrong key is a 401: the
	 * key is looked up before the refusal is answered. */
	if ((e = read_events(in, r, job, &msg)) != AX_OK) {
		job->key_only = 1;
		job->pending = e;
		snprintf(job->pending_msg, sizeof(job->pending_msg), "%s",
		    msg ? msg : "");
		job->params[0] = job->cred.hash_hex;
		return e;
	}
	/* Serialised here, in the request's own thread, so the committer
	 * only passes strings along. */
	job->rows_text = strdup(json_object_to_json_string_ext(
	    job->batch.rows, JSON_C_TO_STRING_PLAIN));
	if (job->rows_text == NULL)
		return refuse(p, AX_ERR_UNAVAILABLE, NULL);
	job->params[0] = job->cred.hash_hex;
	job->params[1] = job->rows_text;
	job->params[2] = job->batch.app_id[0] ? job->batch.app_id : NULL;
	return AX_OK;
}

/* A missing partition is ours to fix, not the client's data problem. */
static int
is_missing_partition(const struct ingest_job *job)
{
	return strcmp(job->sqlstate, "23514") == 0 &&
	    strstr(job->errmsg, "no partition") != NULL;
}

static void
older_than_retention(struct resp *p, const PGresult *r)
{
	struct json_object	*d, *details;

	details = json_object_new_array();
	d = json_object_new_object();
	json_object_object_add(d, "index", json_object_new_int64(
	    strtol(PQgetvalue(r, 0, 1), NULL, 10) - 1));
	json_object_object_add(d, "field", json_object_new_string("created_at"));
	json_object_object_add(d, "problem",
	    json_object_new_string("older_than_retention"));
	json_object_array_add(details, d);
	(void)resp_error(p, AX_ERR_INVALID_EVENT, "an event is older than the "
	    "retention", details);
	json_object_put(details);
}

static void
answer_stored(struct resp *p, struct ingest_job *job)
{
	const PGresult		*r = job->res;
	struct json_object	*o;

	if (PQgetisnull(r, 0, 0)) {
		unauthorized(p, "unknown or revoked ingest key");
		return;
	}
	if (!PQgetisnull(r, 0, 1)) {
		older_than_retention(p, r);
		return;
	}
	if (job->batch.app_id[0] != '\0' &&
	    strcmp(job->batch.app_id, PQgetvalue(r, 0, 0)) != 0) {
		(void)resp_error(p, AX_ERR_FORBIDDEN, "events name another app "
		    "than the key's", NULL);
		return;
	}
	job->accepted = strtol(PQgetvalue(r, 0, 2), NULL, 10);
	job->duplicates = (long)job->batch.n - job->accepted;
	o = json_object_new_object();
	json_object_object_add(o, "accepted",
	    json_object_new_int64(job->accepted));
	json_object_object_add(o, "duplicates",
	    json_object_new_int64(job->duplicates));
	(void)resp_json(p, 200, o);
	json_object_put(o);
}

/* Keep what the database said with the job (the db is shared). */
static void
set_outcome(struct db *db, struct ingest_job *job, enum db_err e,
    PGresult *r)
{
	job->err = e;
	job->res = r;
	snprintf(job->errmsg, sizeof(job->errmsg), "%s", db_errmsg(db));
	snprintf(job->sqlstate, sizeof(job->sqlstate), "%s", db_sqlstate(db));
}

void
ingest_run_one(struct db *db, struct ingest_job *job)
{
	PGresult	*r;
	enum db_err	 e;

	/* The key lookup is a read, safe to resend; the store is an
	 * autocommit statement: once sent, never resent. */
	if (job->key_only)
		e = db_query(db, "ingest_key", 1, job->params, &r, DB_RETRY);
	else
		e = db_query(db, "ingest_store", 3, job->params, &r, 0);
	set_outcome(db, job, e, r);
}

void
ingest_run_group(struct db *db, struct ingest_job **jobs, size_t n,
    int timeout_ms)
{
	struct db_call	*calls;
	PGresult	**res;
	enum db_err	 e;
	size_t		 i;

	if (n == 1) {
		ingest_run_one(db, jobs[0]);
		return;
	}
	calls = calloc(n, sizeof(*calls));
	res = calloc(n, sizeof(*res));
	if (calls == NULL || res == NULL) {
		for (i = 0; i < n; i++)
			jobs[i]->err = DB_UNAVAILABLE;
		goto out;
	}
	for (i = 0; i < n; i++) {
		calls[i].name = jobs[i]->key_only ? "ingest_key" : "ingest_store";
		calls[i].nparams = jobs[i]->key_only ? 1 : 3;
		calls[i].values = jobs[i]->params;
	}
	e = db_pipeline(db, n, calls, res);
	for (i = 0; i < n; i++) {
		if (e == DB_OK)
			set_outcome(db, jobs[i], DB_OK, res[i]);
		else if (db_broken(db))
			set_outcome(db, jobs[i], DB_UNAVAILABLE, NULL);
		else {	/* one job's data, a deadlock...: each on its own,
			 * each with a deadline of its own */
			db_set_timeout(db, timeout_ms);
			ingest_run_one(db, jobs[i]);
		}
	}
out:
	free(calls);
	free(res);
}

/* The database failed us: one log line when it is a bug, and a 503. */
static void
unavailable(struct resp *p, const struct ingest_job *job)
{
	if (job->err != DB_UNAVAILABLE)
		fprintf(stderr, "axlog-ingest: database: %s (SQLSTATE %s)\n",
		    job->errmsg, job->sqlstate);
	(void)resp_error(p, AX_ERR_UNAVAILABLE, NULL, NULL);
}

void
ingest_answer(struct ingest *in, struct ingest_job *job, struct resp *p)
{
	char	msg[260];

	(void)in;
	if (job->err == DB_REJECTED && !job->key_only &&
	    !is_missing_partition(job)) {
		snprintf(msg, sizeof(msg), "the database refused the events: "
		    "%s", job->errmsg);
		(void)resp_error(p, AX_ERR_REJECTED, msg, NULL);
	} else if (job->err != DB_OK) {
		if (job->err == DB_REJECTED)
			job->err = DB_FAILED;	/* ours: log it */
		unavailable(p, job);
	} else if (job->key_only && PQntuples(job->res) != 1)
		unauthorized(p, "unknown or revoked ingest key");
	else if (job->key_only)
		(void)resp_error(p, job->pending, job->pending_msg[0] ?
		    job->pending_msg : NULL, job->pending ==
		    AX_ERR_INVALID_EVENT ? job->batch.details : NULL);
	else
		answer_stored(p, job);
}

void
ingest_job_free(struct ingest_job *job)
{
	PQclear(job->res);
	free(job->rows_text);
	event_batch_free(&job->batch);
	explicit_bzero(&job->cred, sizeof(job->cred));
	job->res = NULL;
	job->rows_text = NULL;
}

void
ingest_handle(struct req *r, struct resp *p, void *ctx)
{
	struct ingest		*in = ctx;
	struct ingest_job	 job;

	(void)ingest_read(in, r, p, &job);
	if (!p->sent) {
		if (in->committer != NULL)
			commit_submit(in->committer, &job);
		else {
			db_set_timeout(in->db, in->settings->db_timeout_ms);
			ingest_run_one(in->db, &job);
		}
		ingest_answer(in, &job, p);
	}
	ingest_job_free(&job);
}
