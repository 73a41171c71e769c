/*
 * ingest.c: the /ingest request path.  Everything a client sends is
 * checked here before the database sees it; the database still has the
 * last word on keys, apps and retention, in the same statement as the
 * insert, so a small request costs one round trip.
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batcher.h"
#include "evcols.h"
#include "hex.h"
#include "pgbin.h"
#include "ingest.h"
#include "metrics.h"
#include "timefmt.h"

/*
 * The key of a request refused before its events reach the database
 * (sql/005_least_privilege.sql): one row, the key's app, or none.
 */
#define KEY_SQL "SELECT app_id FROM axlog.ingest_key($1::text)"

/*
 * One statement stores a whole group of requests ("jobs"): per job its
 * key and the app its events name; per event its job and columns; per
 * (job, hour, event type) the rollup delta, and per delta its histogram
 * buckets, every parameter a typed array in binary form (group_args).
 * It returns one row per job, in order: the key's app (NULL: no such
 * key), the 1-based index of the job's first event older than the
 * retention (NULL: none), and how many of its rows were inserted.  A
 * job is stored only when all three pass, so each stays all-or-nothing.
 *
 * The statement is a function of the schema owner's
 * (sql/007_ingest_events.sql), which looks each job's key up itself:
 * the ingest role may call it and touches no table, so it can store
 * only into the apps of the keys it is given.
 */
static const char group_sql[] =
    "SELECT * FROM axlog.ingest_events($1::text[], $2::text[], "
    "$3::int4[], $4::uuid[], $5::timestamptz[], $6::text[], $7::text[], "
    "$8::uuid[], $9::text[], $10::inet[], $11::bool[], $12::float8[], "
    "$13::text[], $14::jsonb[], $15::int4[], $16::timestamptz[], "
    "$17::text[], $18::int8[], $19::int8[], $20::timestamptz[], "
    "$21::int4[], $22::int4[], $23::int8[])";

/* The parameters of group_sql, in order. */
enum group_param {
	GP_KEY, GP_CLAIMED, GP_EV_JOB, GP_EV,
	GP_D_JOB = GP_EV + EV_NCOLS, GP_D_HOUR, GP_D_TYPE, GP_D_EVENTS,
	GP_D_ERRORS, GP_D_LAST, GP_H_DELTA, GP_H_BUCKET, GP_H_COUNT, GP_N
};

static const uint32_t group_oid[GP_N] = {
	PGBIN_TEXT, PGBIN_TEXT, PGBIN_INT4,
	PGBIN_UUID, PGBIN_TIMESTAMPTZ, PGBIN_TEXT, PGBIN_TEXT, PGBIN_UUID,
	PGBIN_TEXT, PGBIN_INET, PGBIN_BOOL, PGBIN_FLOAT8, PGBIN_TEXT,
	PGBIN_JSONB,
	PGBIN_INT4, PGBIN_TIMESTAMPTZ, PGBIN_TEXT, PGBIN_INT8, PGBIN_INT8,
	PGBIN_TIMESTAMPTZ, PGBIN_INT4, PGBIN_INT4, PGBIN_INT8,
};

static const struct db_stmt stmts[] = {
	{ "ingest_key", KEY_SQL, 1 },
	{ "ingest_events", group_sql, GP_N },
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

/*
 * The verdict of reading: refused with e and msg.  key_first: the key is
 * looked up before the refusal is answered, so that whatever else is
 * wrong, a wrong key is a 401.
 */
static enum ax_err
refuse(struct ingest_job *job, enum ax_err e, const char *msg,
    int key_first)
{
	job->refusal = e;
	job->key_first = key_first;
	snprintf(job->refusal_msg, sizeof(job->refusal_msg), "%s",
	    msg != NULL ? msg : "");
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
	/* Each event is encoded as soon as it is checked, so the rows are
	 * never held all at once. */
	job->now_us = timefmt_now_us();
	evcols_init(&job->cols, job->now_us);
	e = event_parse_to(body, len, type, in->settings->max_batch,
	    job->now_us, evcols_add, &job->cols, &job->batch);
	free(body);
	if (e == AX_OK && job->batch.app_conflict) {
		*msg = "events name another app than the key's";
		return AX_ERR_FORBIDDEN;
	}
	if (e != AX_OK)
		*msg = job->batch.message;
	return e;
}

/*
 * The key, from Authorization (Bearer, or Basic with the key as the
 * password: what log shippers send) or X-API-Key.
 */
static enum ax_err
read_cred(struct req *r, struct ingest_job *job)
{
	auth_from_req(r, &job->cred);
	if (job->cred.well_formed)
		return AX_OK;
	return refuse(job, AX_ERR_UNAUTHORIZED, job->cred.scheme == AUTH_NONE ?
	    "an ingest key is required (Authorization: Bearer, Basic with "
	    "the key as password, or X-API-Key)" : "malformed key", 0);
}

enum ax_err
ingest_read(struct ingest *in, struct req *r, struct ingest_job *job)
{
	const char	*sub, *msg;
	enum ax_err	 e;

	memset(job, 0, sizeof(*job));
	if (req_route(r->path, "ingest", &sub) != 0 || sub[0] != '\0')
		return refuse(job, AX_ERR_NOT_FOUND, NULL, 0);
	if (strcmp(r->method, "POST") != 0)
		return refuse(job, AX_ERR_METHOD, "use POST", 0);
	if ((e = read_cred(r, job)) != AX_OK)
		return e;
	if ((e = read_events(in, r, job, &msg)) != AX_OK)
		return refuse(job, e, e == AX_ERR_UNAVAILABLE ?
		    "out of memory reading the events" : msg, 1);
	/* Encoded here, in the request's own thread, so the lane only
	 * copies bytes. */
	if (evcols_finish(&job->cols) != 0)
		return refuse(job, AX_ERR_UNAVAILABLE,
		    "out of memory encoding the events", 0);
	return AX_OK;
}

enum ax_err
ingest_open(struct ingest *in, struct req *r, struct ingest_job *job,
    char **body, size_t *len)
{
	enum ax_err	e;

	memset(job, 0, sizeof(*job));
	*body = NULL;
	if (strcmp(r->method, "POST") != 0)
		return refuse(job, AX_ERR_METHOD, "use POST", 0);
	if ((e = read_cred(r, job)) != AX_OK)
		return e;
	if ((e = read_payload(in, r, body, len)) != AX_OK) {
		free(*body);
		*body = NULL;
		return refuse(job, e, e == AX_ERR_MEDIA_TYPE ?
		    "Content-Encoding must be gzip or none" :
		    e == AX_ERR_TOO_LARGE ? "body over the size limit" :
		    e == AX_ERR_UNAVAILABLE ? "out of memory reading the body" :
		    NULL, 1);
	}
	job->now_us = timefmt_now_us();
	evcols_init(&job->cols, job->now_us);
	return AX_OK;
}

enum ax_err
ingest_refuse(struct ingest_job *job, enum ax_err e, const char *msg)
{
	/* Events taken before the refusal never go to the database. */
	evcols_free(&job->cols);
	evcols_init(&job->cols, job->now_us);
	return refuse(job, e, msg, 1);
}

/* The first problem of a refused event, as "field: problem". */
static void
first_problem(const struct event_batch *b, char *why, size_t size)
{
	struct json_object	*d, *f, *pr;

	d = b->details != NULL ? json_object_array_get_idx(b->details, 0) :
	    NULL;
	if (d == NULL || !json_object_object_get_ex(d, "problem", &pr)) {
		snprintf(why, size, "%s", b->message);
		return;
	}
	f = json_object_object_get(d, "field");
	snprintf(why, size, "%s%s%s", f != NULL ? json_object_get_string(f) :
	    "", f != NULL ? ": " : "", json_object_get_string(pr));
}

int
ingest_add(void *arg, const char *text, size_t len, char *why, size_t size)
{
	struct ingest_job	*job = arg;
	struct event_batch	 b;
	enum ax_err		 e;
	int			 r = 0;

	/* The validator and encoder of /ingest, one event at a time, so
	 * that a bad one is refused alone. */
	e = event_parse_to(text, len, BODY_JSON, 1, job->now_us, evcols_add,
	    &job->cols, &b);
	if (e == AX_OK)
		job->batch.n++;
	else if (e == AX_ERR_UNAVAILABLE)
		r = -1;
	else {
		first_problem(&b, why, size);
		r = 1;
	}
	event_batch_free(&b);
	return r;
}

enum ax_err
ingest_seal(struct ingest_job *job)
{
	if (evcols_finish(&job->cols) != 0)
		return refuse(job, AX_ERR_UNAVAILABLE,
		    "out of memory encoding the events", 0);
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
older_than_retention(struct resp *p, long index)
{
	struct json_object	*d, *details;

	details = json_object_new_array();
	d = json_object_new_object();
	json_object_object_add(d, "index", json_object_new_int64(index - 1));
	json_object_object_add(d, "field", json_object_new_string("created_at"));
	json_object_object_add(d, "problem",
	    json_object_new_string("older_than_retention"));
	json_object_array_add(details, d);
	(void)resp_error(p, AX_ERR_INVALID_EVENT, "an event is older than the "
	    "retention", details);
	json_object_put(details);
}

/* Keep what the database said with the job (the db is shared). */
static void
set_error(struct db *db, struct ingest_job *job, enum db_err e)
{
	job->err = e;
	snprintf(job->errmsg, sizeof(job->errmsg), "%s", db_errmsg(db));
	snprintf(job->sqlstate, sizeof(job->sqlstate), "%s", db_sqlstate(db));
	job->timed_out = db_timed_out(db);
	job->conn_lost = db_broken(db);
}

/*
 * One row of the group statement: the key's app, why the job was refused
 * (empty: it was not), the old index, the rows inserted.
 */
static void
set_row(struct ingest_job *job, const PGresult *r, int i)
{
	job->err = DB_OK;
	job->key_found = !PQgetisnull(r, i, 0);
	snprintf(job->refused, sizeof(job->refused), "%s",
	    PQgetvalue(r, i, 1));
	job->old_index = PQgetisnull(r, i, 2) ? 0 :
	    strtol(PQgetvalue(r, i, 2), NULL, 10);
	job->inserted = strtol(PQgetvalue(r, i, 3), NULL, 10);
}

/* The group's parameters: an array each, built job by job. */
struct group_args {
	struct pgbin	 a[GP_N];
	char		*v[GP_N];
	int		 len[GP_N], fmt[GP_N];
};

/* A delta of job j, the group's delta number nd (1-based). */
static void
add_delta(struct group_args *g, const struct evcols *c,
    const struct evdelta *d, int32_t j, int32_t nd)
{
	size_t	i;

	pgbin_int4(&g->a[GP_D_JOB], j);
	pgbin_timestamptz(&g->a[GP_D_HOUR], d->hour_us);
	pgbin_text(&g->a[GP_D_TYPE], d->type);
	pgbin_int8(&g->a[GP_D_EVENTS], d->events);
	pgbin_int8(&g->a[GP_D_ERRORS], d->errors);
	pgbin_timestamptz(&g->a[GP_D_LAST], d->last_us);
	for (i = d->hist; i < d->hist + d->nhist; i++) {
		pgbin_int4(&g->a[GP_H_DELTA], nd);
		pgbin_int4(&g->a[GP_H_BUCKET], c->hist[i].bucket);
		pgbin_int8(&g->a[GP_H_COUNT], c->hist[i].count);
	}
}

/* Job j (1-based) of the group; a refused job has no events. */
static void
add_job(struct group_args *g, const struct ingest_job *job, int32_t j,
    int32_t *nd)
{
	const struct evcols	*c = &job->cols;
	size_t			 i;

	pgbin_text(&g->a[GP_KEY], job->cred.token);
	pgbin_text(&g->a[GP_CLAIMED], job->refusal != AX_OK ||
	    job->batch.app_id[0] == '\0' ? NULL : job->batch.app_id);
	/* A refused job goes for its key alone: the events read before
	 * its refusal are never stored. */
	if (job->refusal != AX_OK)
		return;
	for (i = 0; i < c->n; i++)
		pgbin_int4(&g->a[GP_EV_JOB], j);
	for (i = 0; i < EV_NCOLS; i++)
		pgbin_concat(&g->a[GP_EV + i], &c->col[i]);
	for (i = 0; i < c->ndelta; i++)
		add_delta(g, c, &c->delta[i], j, ++*nd);
}

static void
group_args_free(struct group_args *g)
{
	size_t	i;

	for (i = 0; i < GP_N; i++) {
		pgbin_free(&g->a[i]);
		free(g->v[i]);
	}
}

/* 0 with every parameter in g->v; -1 out of memory or too large. */
static int
group_args(struct group_args *g, struct ingest_job **jobs, size_t n)
{
	size_t	i;
	int32_t	nd = 0;

	memset(g, 0, sizeof(*g));
	for (i = 0; i < GP_N; i++) {
		pgbin_init(&g->a[i], group_oid[i]);
		g->fmt[i] = 1;
	}
	if (n > INT32_MAX)
		return -1;
	for (i = 0; i < n; i++)
		add_job(g, jobs[i], (int32_t)(i + 1), &nd);
	for (i = 0; i < GP_N; i++) {
		if ((g->v[i] = pgbin_finish(&g->a[i], &g->len[i])) == NULL)
			return -1;
		pgbin_free(&g->a[i]);	/* the copy in v is what is sent */
	}
	return 0;
}

/* The group statement for jobs[0..n): DB_OK with every job's row. */
static enum db_err
store_group(struct db *db, struct ingest_job **jobs, size_t n)
{
	struct group_args	 g;
	struct db_args		 a;
	PGresult		*r = NULL;
	enum db_err		 e = DB_UNAVAILABLE;
	size_t			 i;

	if (group_args(&g, jobs, n) == 0) {
		a.n = GP_N;
		a.values = (const char *const *)g.v;
		a.lengths = g.len;
		a.formats = g.fmt;
		/* A write: once sent, never resent. */
		e = db_query_args(db, "ingest_events", &a, &r, 0);
		if (e == DB_OK && (size_t)PQntuples(r) != n)
			e = DB_FAILED;	/* cannot happen: one row a job */
	}
	for (i = 0; i < n; i++) {
		if (e == DB_OK)
			set_row(jobs[i], r, (int)i);
		else
			set_error(db, jobs[i], e);
	}
	PQclear(r);
	group_args_free(&g);
	return e;
}

void
ingest_run_one(struct db *db, struct ingest_job *job)
{
	const char	*key[1] = { job->cred.token };
	PGresult	*r;
	enum db_err	 e;

	if (job->refusal == AX_OK) {
		(void)store_group(db, &job, 1);
		return;
	}
	/* The key lookup is a read, safe to resend. */
	e = db_query(db, "ingest_key", 1, key, &r, DB_RETRY);
	set_error(db, job, e);
	if (e == DB_OK) {
		job->key_found = PQntuples(r) == 1;
		PQclear(r);
	}
}

void
ingest_run_group(struct db *db, struct ingest_job **jobs, size_t n,
    int timeout_ms)
{
	size_t	i;

	if (n == 1) {
		ingest_run_one(db, jobs[0]);
		return;
	}
	/*
	 * Only a group PostgreSQL refused for its data (an error result,
	 * so nothing of it was stored) runs again, job by job, so that one
	 * job's bad data does not fail its neighbours.  Anything else,
	 * above all a deadline or a connection lost after sending, may have
	 * stored the whole group: every job answers 503 as it is.
	 */
	if (store_group(db, jobs, n) != DB_REJECTED || db_unknown(db))
		return;
	for (i = 0; i < n; i++) {
		db_set_timeout(db, timeout_ms);
		ingest_run_one(db, jobs[i]);
	}
}

/* The database refused a job's data: rare, so worth a log line. */
static enum ax_err
rejected(const struct ingest_job *job, char *msg, size_t size)
{
	/* The client gets the SQLSTATE, never the server's own text,
	 * which quotes statements and internals. */
	fprintf(stderr, "axlog-ingest: 400 rejected: %s (SQLSTATE %s)\n",
	    job->errmsg, job->sqlstate);
	snprintf(msg, size, "the database refused the events (SQLSTATE %s)",
	    job->sqlstate);
	return AX_ERR_REJECTED;
}

/* A refusal of reading's; an out-of-memory cause is the log's. */
static enum ax_err
refusal_of(const struct ingest_job *job, struct resp *p, char *msg,
    size_t size)
{
	if (job->refusal == AX_ERR_UNAVAILABLE) {
		resp_cause(p, "%s", job->refusal_msg);
		msg[0] = '\0';
	} else
		snprintf(msg, size, "%s", job->refusal_msg);
	return job->refusal;
}

/* Why a request was answered 503. */
static enum metrics_cause
cause_of(const struct ingest_job *job)
{
	if (job->queue_full)
		return METRICS_CAUSE_QUEUE_FULL;
	if (job->timed_out)
		return METRICS_CAUSE_TIMEOUT;
	if (job->conn_lost)
		return METRICS_CAUSE_CONN_LOST;
	if (job->refusal == AX_ERR_UNAVAILABLE)
		return METRICS_CAUSE_OTHER;	/* out of memory */
	return METRICS_CAUSE_DATABASE;
}

/* The verdict, counted by its kind (metrics.h). */
static enum ax_err
counted(const struct ingest_job *job, enum ax_err e)
{
	if (e == AX_OK)
		metrics_ingest_stored(job->accepted, job->duplicates);
	else if (e == AX_ERR_UNAVAILABLE)
		metrics_ingest_unavailable(cause_of(job));
	else
		metrics_ingest_refused(e);
	return e;
}

static enum ax_err
outcome(struct ingest_job *job, struct resp *p, char *msg, size_t size)
{
	msg[0] = '\0';
	if (job->refusal != AX_OK && !job->key_first)
		return refusal_of(job, p, msg, size);
	if (job->err == DB_REJECTED && job->refusal == AX_OK &&
	    !is_missing_partition(job))
		return rejected(job, msg, size);
	if (job->err != DB_OK) {
		/* The database failed us (or the queue is full). */
		resp_cause(p, "%s%s%s%s", job->errmsg[0] != '\0' ?
		    job->errmsg : "unknown database error",
		    job->sqlstate[0] != '\0' ? " (SQLSTATE " : "",
		    job->sqlstate, job->sqlstate[0] != '\0' ? ")" : "");
		return AX_ERR_UNAVAILABLE;
	}
	if (!job->key_found) {
		snprintf(msg, size, "unknown or revoked ingest key");
		return AX_ERR_UNAUTHORIZED;
	}
	if (job->refusal != AX_OK)
		return refusal_of(job, p, msg, size);
	if (strcmp(job->refused, "retention") == 0) {
		snprintf(msg, size, "an event is older than the retention");
		return AX_ERR_INVALID_EVENT;
	}
	if (strcmp(job->refused, "app") == 0) {
		snprintf(msg, size, "events name another app than the key's");
		return AX_ERR_FORBIDDEN;
	}
	job->accepted = job->inserted;
	job->duplicates = (long)job->cols.n - job->accepted;
	return AX_OK;
}

enum ax_err
ingest_outcome(struct ingest_job *job, struct resp *p, char *msg,
    size_t size)
{
	return counted(job, outcome(job, p, msg, size));
}

static void
answer_stored(struct resp *p, const struct ingest_job *job)
{
	struct json_object	*o;

	o = json_object_new_object();
	json_object_object_add(o, "accepted",
	    json_object_new_int64(job->accepted));
	json_object_object_add(o, "duplicates",
	    json_object_new_int64(job->duplicates));
	(void)resp_json(p, 200, o);
	json_object_put(o);
}

void
ingest_answer(struct ingest_job *job, struct resp *p)
{
	char		 msg[200];
	enum ax_err	 e;

	e = ingest_outcome(job, p, msg, sizeof(msg));
	if (e == AX_OK)
		answer_stored(p, job);
	else if (e == AX_ERR_UNAUTHORIZED)
		unauthorized(p, msg[0] != '\0' ? msg : NULL);
	else if (e == AX_ERR_INVALID_EVENT && job->refusal == AX_OK)
		older_than_retention(p, job->old_index);
	else {
		if (e == AX_ERR_METHOD)
			(void)resp_header(p, "Allow", "POST");
		(void)resp_error(p, e, msg[0] != '\0' ? msg : NULL,
		    e == AX_ERR_INVALID_EVENT ? job->batch.details : NULL);
	}
}

void
ingest_job_free(struct ingest_job *job)
{
	evcols_free(&job->cols);
	event_batch_free(&job->batch);
	explicit_bzero(&job->cred, sizeof(job->cred));
}

void
ingest_lane_run(void *lane, void **jobs, size_t n)
{
	struct ingest_lane	*l = lane;
	size_t			 i, events = 0;
	int64_t			 t0 = metrics_now_us();

	for (i = 0; i < n; i++)
		events += ((struct ingest_job *)jobs[i])->cols.n;
	if (events >= INGEST_BIG_GROUP)
		l->big = 1;
	db_set_timeout(l->db, l->timeout_ms);
	ingest_run_group(l->db, (struct ingest_job **)jobs, n, l->timeout_ms);
	metrics_ingest_group(events, metrics_now_us() - t0);
}

void
ingest_lane_idle(void *lane)
{
	struct ingest_lane	*l = lane;

	if (!l->big)
		return;
	l->big = 0;
	db_disconnect(l->db);
	(void)malloc_trim(0);
}

size_t
ingest_job_weight(const void *item)
{
	const struct ingest_job	*job = item;

	return job->cols.n > 0 ? job->cols.n : 1;
}

/* The lane of a job: by its key, so one key's requests keep one lane. */
static size_t
lane_of(const struct ingest_job *job)
{
	const char	*h = job->cred.hash_hex + 2;	/* past "\\x" */

	/* A SHA-256 in hex (ours, always digits): its first byte is as
	 * good as random already. */
	return (size_t)(hex_value(h[0]) << 4 | hex_value(h[1]));
}

static void
submit(struct ingest *in, struct ingest_job *job)
{
	int	rc;

	metrics_ingest_queue(1);
	rc = batcher_submit(in->batcher, lane_of(job), job);
	metrics_ingest_queue(-1);
	if (rc == 0)
		return;
	job->err = DB_UNAVAILABLE;
	job->queue_full = 1;
	snprintf(job->errmsg, sizeof(job->errmsg), "commit queue full");
}

/* One request, one statement (no group commit). */
static void
run_alone(struct ingest *in, struct ingest_job *job)
{
	int64_t	t0 = metrics_now_us();

	db_set_timeout(in->db, in->settings->db_timeout_ms);
	ingest_run_one(in->db, job);
	if (job->refusal == AX_OK)
		metrics_ingest_group(job->cols.n, metrics_now_us() - t0);
}



void
ingest_run(struct ingest *in, struct ingest_job *job)
{
	if (job->refusal == AX_OK)
		metrics_ingest_request_events(job->cols.n);
	if (in->batcher != NULL)
		submit(in, job);
	else
		run_alone(in, job);
}

void
ingest_handle(struct req *r, struct resp *p, void *ctx)
{
	struct ingest		*in = ctx;
	struct ingest_job	 job;

	if (ingest_read(in, r, &job) == AX_OK || job.key_first)
		ingest_run(in, &job);
	ingest_answer(&job, p);
	ingest_job_free(&job);
}
