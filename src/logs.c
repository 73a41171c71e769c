/*
 * logs.c: /stats/logs.  The SQL is assembled from fixed fragments, one
 * per filter in use, so each request gets the plan of its own filters
 * (the first page of one app reads the (app_id, created_at, id) index in
 * order); every value goes as a parameter.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "cursor.h"
#include "event.h"
#include "hex.h"
#include "logs.h"
#include "query.h"
#include "settings.h"
#include "stats_params.h"
#include "timefmt.h"
#include "utf8.h"

enum logs_format { FMT_JSON, FMT_NDJSON, FMT_CSV };

struct logs_params {
	struct stats_params	 sp;
	const char		*subtype, *user_id, *fingerprint, *ip;
	const char		*success, *q;
	unsigned long		 limit;
	const char		*cursor_text;	/* as given, checked later */
	int			 has_cursor;
	struct cursor		 cursor;
	enum logs_format	 format;
};

static const char *const logs_names[] = {
	"event_subtype", "user_id", "fingerprint", "ip_address", "success",
	"q", "limit", "cursor", "format", NULL
};

/* What the next page's Link carries: every parameter but cursor. */
static const char *const link_names[] = {
	"from", "to", "app", "event_type", "event_subtype", "user_id",
	"fingerprint", "ip_address", "success", "q", "limit", "format", NULL
};

/*
 * The cursors' key, axlog.cursor_secret (sql/006_cursor_secret.sql),
 * which only the read role may read.  It never changes, so the first
 * request that needs it reads it and the process keeps it.
 */
static const char key_sql[] =
    "SELECT encode(secret, 'hex') FROM axlog.cursor_secret";

static pthread_mutex_t	key_lock = PTHREAD_MUTEX_INITIALIZER;
static int		key_loaded;
static uint8_t		key_cached[CURSOR_KEY_LEN];

#define MAX_PARAMS	16

struct logs_sql {
	char		 text[2048];
	size_t		 len;
	const char	*values[MAX_PARAMS];
	int		 n;
	char		 from[TIMEFMT_LEN], to[TIMEFMT_LEN], after[TIMEFMT_LEN];
	char		 apps[STATS_APPS_ARRAY_LEN], limit[24];
};

static const char select_sql[] =
    "SELECT id, app_id, (extract(epoch FROM created_at) * 1000000)::int8,"
    " (extract(epoch FROM received_at) * 1000000)::int8, event_type,"
    " event_subtype, user_id, fingerprint, ip_address, success,"
    " duration_ms, message, metadata FROM axlog.logs"
    " WHERE created_at >= $1::timestamptz AND created_at < $2::timestamptz";

static const char *const csv_header =
    "id,app_id,created_at,received_at,event_type,event_subtype,user_id,"
    "fingerprint,ip_address,success,duration_ms,message,metadata\r\n";

/*
 * Append " AND " + clause, whose one or two '?' become the $n of value
 * and value2 (NULL when the clause has one '?').
 */
static void
add(struct logs_sql *s, const char *clause, const char *value,
    const char *value2)
{
	const char	*vals[2] = { value, value2 };
	char		 num[16];
	size_t		 n, k = 0;

	if (s->n + 2 > MAX_PARAMS || s->len + strlen(clause) + 16 >=
	    sizeof(s->text))
		return;
	memcpy(s->text + s->len, " AND ", 5);
	s->len += 5;
	for (; *clause != '\0'; clause++) {
		if (*clause != '?') {
			s->text[s->len++] = *clause;
			continue;
		}
		if (k == 2)
			break;
		s->values[s->n] = vals[k++];
		n = (size_t)snprintf(num, sizeof(num), "$%d", ++s->n);
		memcpy(s->text + s->len, num, n);
		s->len += n;
	}
	s->text[s->len] = '\0';
}

static int
one(const struct query *q, const char *name, const char **v)
{
	if (query_count(q, name) > 1)
		return -1;
	*v = query_get(q, name);
	return 0;
}

static enum ax_err
bad(char *msg, size_t msgsz, const char *name, const char *why)
{
	snprintf(msg, msgsz, "%s: %s", name, why);
	return AX_ERR_BAD_REQUEST;
}

/* The filters /stats does not have; the shared ones are parsed already. */
static enum ax_err
parse_filters(const struct query *q, struct logs_params *lp, char *msg,
    size_t msgsz)
{
	if (one(q, "event_subtype", &lp->subtype) || (lp->subtype &&
	    utf8_chars(lp->subtype, strlen(lp->subtype)) > EVENT_MAX_TYPE))
		return bad(msg, msgsz, "event_subtype", "at most 64 characters, "
		    "once");
	if (one(q, "user_id", &lp->user_id) || (lp->user_id &&
	    !event_uuid_valid(lp->user_id, strlen(lp->user_id))))
		return bad(msg, msgsz, "user_id", "must be a UUID, once");
	if (one(q, "fingerprint", &lp->fingerprint) || (lp->fingerprint &&
	    utf8_chars(lp->fingerprint, strlen(lp->fingerprint)) >
	    EVENT_MAX_TYPE))
		return bad(msg, msgsz, "fingerprint", "at most 64 characters, "
		    "once");
	if (one(q, "ip_address", &lp->ip) || (lp->ip &&
	    !event_ip_valid(lp->ip, strlen(lp->ip))))
		return bad(msg, msgsz, "ip_address", "must be an IPv4 or IPv6 "
		    "address, once");
	if (one(q, "success", &lp->success) || (lp->success &&
	    strcmp(lp->success, "true") != 0 &&
	    strcmp(lp->success, "false") != 0))
		return bad(msg, msgsz, "success", "must be true or false");
	if (one(q, "q", &lp->q) || (lp->q && (lp->q[0] == '\0' ||
	    strlen(lp->q) > LOGS_MAX_Q)))
		return bad(msg, msgsz, "q", "1 to 256 bytes, once");
	return AX_OK;
}

static enum ax_err
parse_paging(const struct query *q, struct logs_params *lp, char *msg,
    size_t msgsz)
{
	const char	*v;

	lp->limit = LOGS_DEFAULT_LIMIT;
	if (one(q, "limit", &v) || (v && settings_parse_ulong(v, 1,
	    LOGS_MAX_LIMIT, &lp->limit) != 0))
		return bad(msg, msgsz, "limit", "must be 1 to 1000");
	if (one(q, "cursor", &lp->cursor_text))
		return bad(msg, msgsz, "cursor", "given more than once");
	if (one(q, "format", &v))
		return bad(msg, msgsz, "format", "given more than once");
	if (v == NULL || strcmp(v, "json") == 0)
		lp->format = FMT_JSON;
	else if (strcmp(v, "ndjson") == 0)
		lp->format = FMT_NDJSON;
	else if (strcmp(v, "csv") == 0)
		lp->format = FMT_CSV;
	else
		return bad(msg, msgsz, "format", "must be json, ndjson or csv");
	return AX_OK;
}

static void
build_sql(const struct logs_params *lp, const struct cursor *after,
    unsigned long limit, struct logs_sql *s)
{
	const char	*apps;

	memset(s, 0, sizeof(*s));
	s->len = strlen(select_sql);
	memcpy(s->text, select_sql, s->len + 1);
	timefmt_format(lp->sp.from_us, s->from);
	timefmt_format(lp->sp.to_us, s->to);
	s->values[s->n++] = s->from;
	s->values[s->n++] = s->to;
	if ((apps = stats_params_apps_array(&lp->sp, s->apps)) != NULL)
		add(s, lp->sp.napps == 1 ? "app_id = (?::text[])[1]" :
		    "app_id = ANY (?::text[])", apps, NULL);
	if (lp->sp.event_type)
		add(s, "event_type = ?", lp->sp.event_type, NULL);
	if (lp->subtype)
		add(s, "event_subtype = ?", lp->subtype, NULL);
	if (lp->user_id)
		add(s, "user_id = ?::uuid", lp->user_id, NULL);
	if (lp->fingerprint)
		add(s, "fingerprint = ?", lp->fingerprint, NULL);
	if (lp->ip)
		add(s, "ip_address = ?::inet", lp->ip, NULL);
	if (lp->success)
		add(s, "success = ?::boolean", lp->success, NULL);
	if (lp->q)
		add(s, "strpos(lower(message), lower(?)) > 0", lp->q, NULL);
	if (after != NULL) {
		timefmt_format(after->created_us, s->after);
		add(s, "(created_at, id) < (?::timestamptz, ?::uuid)",
		    s->after, after->id);
	}
	snprintf(s->limit, sizeof(s->limit), "%lu", limit);
	snprintf(s->text + s->len, sizeof(s->text) - s->len,
	    " ORDER BY created_at DESC, id DESC LIMIT $%d", s->n + 1);
	s->values[s->n++] = s->limit;
}

enum col { C_ID, C_APP, C_CREATED, C_RECEIVED, C_TYPE, C_SUBTYPE, C_USER,
	C_FINGERPRINT, C_IP, C_SUCCESS, C_DURATION, C_MESSAGE, C_METADATA,
	C__COUNT };

static const char *const col_names[C__COUNT] = { "id", "app_id",
	"created_at", "received_at", "event_type", "event_subtype", "user_id",
	"fingerprint", "ip_address", "success", "duration_ms", "message",
	"metadata" };

static int64_t
col_us(const PGresult *r, int i, int c)
{
	return strtoll(PQgetvalue(r, i, c), NULL, 10);
}

/* The text a cell stands for in every format (times in RFC 3339 UTC). */
static const char *
cell_text(const PGresult *r, int i, int c, char buf[TIMEFMT_LEN])
{
	if (PQgetisnull(r, i, c))
		return NULL;
	if (c == C_CREATED || c == C_RECEIVED) {
		timefmt_format(col_us(r, i, c), buf);
		return buf;
	}
	if (c == C_SUCCESS)
		return PQgetvalue(r, i, c)[0] == 't' ? "true" : "false";
	return PQgetvalue(r, i, c);
}

static struct json_object *
row_json(const PGresult *r, int i)
{
	struct json_object	*o = json_object_new_object(), *v;
	char			 buf[TIMEFMT_LEN];
	const char		*t;
	int			 c;

	for (c = 0; c < C__COUNT; c++) {
		if ((t = cell_text(r, i, c, buf)) == NULL)
			v = NULL;
		else if (c == C_SUCCESS)
			v = json_object_new_boolean(t[0] == 't');
		else if (c == C_DURATION)
			v = json_object_new_double_s(strtod(t, NULL), t);
		else if (c == C_METADATA)
			v = json_tokener_parse(t);	/* jsonb's own output */
		else
			v = json_object_new_string(t);
		json_object_object_add(o, col_names[c], v);
	}
	return o;
}

/* A growing buffer for one CSV line, reused across rows. */
struct linebuf {
	char	*buf;
	size_t	 len, cap;
};

static int
line_cell(struct linebuf *lb, const char *s)
{
	size_t	need, n = s ? strlen(s) : 0;
	char	*nb;

	need = lb->len + 2 * n + 8;
	if (need > lb->cap) {
		if ((nb = realloc(lb->buf, need * 2)) == NULL)
			return -1;
		lb->buf = nb;
		lb->cap = need * 2;
	}
	if (lb->len > 0)
		lb->buf[lb->len++] = ',';
	lb->len += csv_cell(s ? s : "", n, lb->buf + lb->len,
	    lb->cap - lb->len);
	return 0;
}

static int
write_row(struct resp *p, enum logs_format fmt, const PGresult *r, int i,
    struct linebuf *lb)
{
	struct json_object	*o;
	const char		*text;
	char			 buf[TIMEFMT_LEN];
	size_t			 len;
	int			 c, rc;

	if (fmt == FMT_CSV) {
		lb->len = 0;
		for (c = 0; c < C__COUNT; c++)
			if (line_cell(lb, cell_text(r, i, c, buf)) != 0)
				return -1;
		return resp_write(p, lb->buf, lb->len) != 0 ||
		    resp_write(p, "\r\n", 2) != 0 ? -1 : 0;
	}
	o = row_json(r, i);
	text = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	rc = resp_write(p, text, len) != 0 || resp_write(p, "\n", 1) != 0 ?
	    -1 : 0;
	json_object_put(o);
	return rc;
}

static void
failed(struct db *db, struct resp *p)
{
	if (!p->sent)
		(void)resp_unavailable(p, "database: %s", db_cause(db));
	else
		/* Not a 503: a 200 cut short, which the client cannot tell. */
		fprintf(stderr, "axlog-stats: export cut short: database: "
		    "%s\n", db_cause(db));
}

/* 32 bytes from their 64 hex digits; -1 if s is not that. */
static int
key_from_hex(const char *s, uint8_t key[CURSOR_KEY_LEN])
{
	int	i, hi, lo;

	if (strlen(s) != 2 * CURSOR_KEY_LEN)
		return -1;
	for (i = 0; i < CURSOR_KEY_LEN; i++) {
		if ((hi = hex_value(s[2 * i])) < 0 ||
		    (lo = hex_value(s[2 * i + 1])) < 0)
			return -1;
		key[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

/* The cursors' key into key: 0, or -1 with the 503 answered. */
static int
cursor_key(struct db *db, struct resp *p, uint8_t key[CURSOR_KEY_LEN])
{
	PGresult	*r;
	int		 ok;

	pthread_mutex_lock(&key_lock);
	if (key_loaded)
		memcpy(key, key_cached, CURSOR_KEY_LEN);
	ok = key_loaded;
	pthread_mutex_unlock(&key_lock);
	if (ok)
		return 0;
	if (db_exec(db, key_sql, 0, NULL, &r, DB_RETRY) != DB_OK) {
		(void)resp_unavailable(p, "reading the cursor secret: %s",
		    db_cause(db));
		return -1;
	}
	ok = PQntuples(r) == 1 && key_from_hex(PQgetvalue(r, 0, 0), key) == 0;
	PQclear(r);
	if (!ok) {
		(void)resp_unavailable(p, "axlog.cursor_secret holds no "
		    "32-byte secret: run axlogctl migrate");
		return -1;
	}
	pthread_mutex_lock(&key_lock);
	memcpy(key_cached, key, CURSOR_KEY_LEN);
	key_loaded = 1;
	pthread_mutex_unlock(&key_lock);
	return 0;
}

static void
set_cursor_from(const PGresult *r, int i, struct cursor *c)
{
	c->created_us = col_us(r, i, C_CREATED);
	snprintf(c->id, sizeof(c->id), "%s", PQgetvalue(r, i, C_ID));
}

/*
 * Every matching event, newest first, read LOGS_EXPORT_CHUNK rows at a
 * time by keyset: memory stays constant however long the range is.  An
 * error after the first row can only cut the stream short.
 */
static void
export(struct db *db, struct resp *p, const struct logs_params *lp)
{
	struct linebuf	 lb = { NULL, 0, 0 };
	struct logs_sql	 s;
	struct cursor	 after = lp->cursor;
	PGresult	*r;
	int		 i, n, more = 1, first = 1;

	while (more) {
		build_sql(lp, lp->has_cursor || !first ? &after : NULL,
		    LOGS_EXPORT_CHUNK, &s);
		db_set_timeout(db, 30000);
		if (db_exec(db, s.text, s.n, s.values, &r, DB_RETRY) != DB_OK) {
			failed(db, p);
			break;
		}
		if (first) {
			/* A copy of the events: no cache may keep one. */
			(void)resp_header(p, "Cache-Control", "no-store");
			(void)resp_header(p, "Content-Disposition",
			    lp->format == FMT_CSV ? "attachment; filename="
			    "\"axlog-events.csv\"" : "attachment; filename="
			    "\"axlog-events.ndjson\"");
			(void)resp_begin(p, 200, lp->format == FMT_CSV ?
			    "text/csv; charset=utf-8; header=present" :
			    "application/x-ndjson");
			if (lp->format == FMT_CSV)
				(void)resp_write(p, csv_header,
				    strlen(csv_header));
			first = 0;
		}
		n = PQntuples(r);
		for (i = 0; i < n && more; i++)
			if (write_row(p, lp->format, r, i, &lb) != 0)
				more = 0;	/* the client is gone */
		if (n > 0)
			set_cursor_from(r, n - 1, &after);
		if (n < LOGS_EXPORT_CHUNK)
			more = 0;
		PQclear(r);
	}
	free(lb.buf);
}

/*
 * Append name=value, each percent-encoded, and a '&' to the link being
 * built in buf (size bufsz, *off bytes so far); -1 when it does not fit.
 */
static int
link_param(char *buf, size_t bufsz, size_t *off, const char *name,
    const char *value)
{
	size_t	n;

	if ((n = query_encode(name, NULL, buf + *off, bufsz - *off)) ==
	    (size_t)-1 || *off + n + 2 >= bufsz)
		return -1;
	*off += n;
	buf[(*off)++] = '=';
	if ((n = query_encode(value, NULL, buf + *off, bufsz - *off)) ==
	    (size_t)-1 || *off + n + 2 >= bufsz)
		return -1;
	*off += n;
	buf[(*off)++] = '&';
	return 0;
}

/*
 * Link: <path?params&cursor=next>; rel="next" (RFC 8288).  Made from
 * the parameters as parsed, each known one percent-encoded again, so no
 * byte of the client's own query string reaches the header: a q holding
 * '>' or '"' cannot close the target or add a link.
 */
static void
next_link(const struct req *r, const struct query *q, const char *next,
    struct resp *p)
{
	char		*link;
	const char	*v;
	size_t		 off = 1, n, sz, i, k;
	int		 ok = 1;

	/* Each byte of the path and the query becomes at most three. */
	sz = 3 * (strlen(r->path) + strlen(r->query)) + CURSOR_LEN + 32;
	if ((link = malloc(sz)) == NULL)
		return;
	link[0] = '<';
	if ((n = query_encode(r->path, "/", link + off, sz - off)) ==
	    (size_t)-1)
		ok = 0;
	else {
		off += n;
		link[off++] = '?';
	}
	for (i = 0; ok && link_names[i] != NULL; i++)
		for (k = 0; ok && (v = query_nth(q, link_names[i], k)) != NULL;
		    k++)
			ok = link_param(link, sz, &off, link_names[i], v) == 0;
	/* A cursor is base64url: nothing in it needs encoding. */
	if (ok && (size_t)snprintf(link + off, sz - off, "cursor=%s>; "
	    "rel=\"next\"", next) < sz - off)
		(void)resp_header(p, "Link", link);
	free(link);
}

static void
page(struct db *db, const struct req *r, struct resp *p,
    const struct query *q, const struct logs_params *lp)
{
	struct json_object	*o, *events;
	struct logs_sql		 s;
	struct cursor		 last;
	char			 next[CURSOR_LEN + 1];
	uint8_t			 key[CURSOR_KEY_LEN];
	PGresult		*res;
	int			 i, n, has_next;

	build_sql(lp, lp->has_cursor ? &lp->cursor : NULL, lp->limit + 1, &s);
	if (db_exec(db, s.text, s.n, s.values, &res, DB_RETRY) != DB_OK) {
		failed(db, p);
		return;
	}
	n = PQntuples(res);
	has_next = (unsigned long)n > lp->limit;
	if (has_next && cursor_key(db, p, key) != 0) {
		PQclear(res);
		return;
	}
	if (has_next)
		n = (int)lp->limit;
	events = json_object_new_array();
	for (i = 0; i < n; i++)
		json_object_array_add(events, row_json(res, i));
	o = json_object_new_object();
	json_object_object_add(o, "events", events);
	json_object_object_add(o, "next_cursor", NULL);
	if (has_next) {
		set_cursor_from(res, n - 1, &last);
		if (cursor_encode(&last, key, next) == 0) {
			json_object_object_add(o, "next_cursor",
			    json_object_new_string(next));
			next_link(r, q, next, p);
		}
	}
	PQclear(res);
	(void)resp_header(p, "Cache-Control", "private, no-cache");
	(void)resp_json(p, 200, o);
	json_object_put(o);
}

void
logs_serve(struct db *db, const struct req *r, struct resp *p,
    const struct reader *who)
{
	struct logs_params	 lp;
	struct query		 q;
	const char		*badkey;
	char			 msg[160];
	uint8_t			 key[CURSOR_KEY_LEN];
	enum ax_err		 e;

	memset(&lp, 0, sizeof(lp));
	if (query_parse(r->query, &q, &badkey) != AX_OK) {
		snprintf(msg, sizeof(msg), "%s: malformed query string",
		    badkey ? badkey : "query");
		(void)resp_error(p, AX_ERR_BAD_REQUEST, msg, NULL);
		goto out;
	}
	e = stats_params_parse(&q, timefmt_now_us(), STATS_RANGE_EXACT,
	    logs_names, &lp.sp, msg, sizeof(msg));
	if (e == AX_OK)
		e = parse_filters(&q, &lp, msg, sizeof(msg));
	if (e == AX_OK)
		e = parse_paging(&q, &lp, msg, sizeof(msg));
	if (e != AX_OK) {
		(void)resp_error(p, e, msg, NULL);
		goto out;
	}
	if (readauth_scope(who, &lp.sp, p) != AX_OK)
		goto out;
	if (lp.cursor_text != NULL) {
		if (cursor_key(db, p, key) != 0)
			goto out;
		if (cursor_decode(lp.cursor_text, key, &lp.cursor) != 0) {
			(void)resp_error(p, AX_ERR_BAD_CURSOR, "cursor: "
			    "malformed, altered or not made by this server",
			    NULL);
			goto out;
		}
		lp.has_cursor = 1;
	}
	if (lp.format == FMT_JSON)
		page(db, r, p, &q, &lp);
	else
		export(db, p, &lp);
out:
	query_free(&q);
}
