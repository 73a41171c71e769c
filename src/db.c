/*
 * db.c: the connection helper.  One connection per process, driven
 * through libpq's non-blocking API so that every wait is a poll(2) with
 * the caller's deadline.  The retry rules live here and nowhere else:
 * a connection found dead before anything is sent is remade silently;
 * one that breaks after sending is remade, and the work resent, only for
 * reads (DB_RETRY) and for whole transactions whose COMMIT was not sent.
 * A command whose deadline passes is cancelled (libpq's cancel request,
 * from a thread of its own: PQcancel waits for the server, which may be
 * frozen) and its connection dropped; its outcome is unknown, and
 * db_unknown() says so, so that no caller ever sends that write again.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db.h"

/*
 * Cancel requests still waiting for their server, in this process: a
 * frozen server holds each one's thread, so there is a bound, and
 * db_free gives them a moment to be delivered before a CGI process ends.
 */
#define DB_MAX_CANCELS		4
#define DB_CANCEL_WAIT_MS	1000
/* Hosts of a multi-host conninfo tried one by one (see connect_hosts). */
#define DB_MAX_HOSTS		16
#define DB_MAX_OPTS		64
static atomic_int	cancels_running;

/* Who hears of connections, deadlines and errors (db_set_observer). */
static db_observer_fn	observer;

static void
report(enum db_event ev, const char *sqlstate)
{
	if (observer != NULL)
		observer(ev, sqlstate);
}

/* How run() sends its command. */
enum run_mode { RUN_PARAMS, RUN_PREPARED, RUN_SCRIPT };

struct db {
	char			*conninfo;
	PQconninfoOption	*opts;		/* parsed, when several hosts */
	int			 nhosts;	/* hosts in opts, 0 or >= 2 */
	int			 host_next;	/* the one to try first */
	const struct db_stmt	*stmts;
	size_t			 nstmts;
	int			 timeout_ms;
	int			 prepared;	/* named statements, per connection */
	int64_t			 deadline;	/* 0: per call */
	PGconn			*conn;
	int			 in_txn;	/* never reconnect inside one */
	int			 broken;	/* last call lost the connection */
	int			 timed_out;	/* last call hit the deadline */
	int			 unknown;	/* last call sent, outcome unknown */
	int			 connected;	/* a connection was made once */
	char			 errmsg[256];
	char			 sqlstate[6];
	char			 cause[256 + 20];	/* db_cause's text */
};

int64_t
db_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

enum db_err
db_classify(const char *sqlstate)
{
	if (sqlstate == NULL || strlen(sqlstate) != 5)
		return DB_UNAVAILABLE;
	if (strncmp(sqlstate, "08", 2) == 0 || strncmp(sqlstate, "53", 2) == 0 ||
	    strncmp(sqlstate, "57", 2) == 0 || strncmp(sqlstate, "40", 2) == 0)
		return DB_UNAVAILABLE;
	if (strncmp(sqlstate, "22", 2) == 0 || strncmp(sqlstate, "23", 2) == 0)
		return DB_REJECTED;
	return DB_FAILED;
}

/* Keep one line of libpq's message: it goes into single-line logs. */
static void
set_error(struct db *db, const char *msg, const char *sqlstate)
{
	char	*p;

	snprintf(db->errmsg, sizeof(db->errmsg), "%s", msg ? msg : "");
	for (p = db->errmsg; *p != '\0'; p++)
		if (*p == '\n' || *p == '\r')
			*p = (p[1] == '\0') ? '\0' : ' ';
	snprintf(db->sqlstate, sizeof(db->sqlstate), "%s",
	    sqlstate ? sqlstate : "");
}

/* The value of keyword in opts, or NULL. */
static const char *
opt_value(const PQconninfoOption *opts, const char *keyword)
{
	for (; opts->keyword != NULL; opts++)
		if (strcmp(opts->keyword, keyword) == 0)
			return opts->val;
	return NULL;
}

/* How many comma-separated items list has (0 for NULL or ""). */
static int
count_items(const char *list)
{
	int	n = 1;

	if (list == NULL || *list == '\0')
		return 0;
	for (; *list != '\0'; list++)
		n += *list == ',';
	return n;
}

/* Item i of a comma-separated list into out; "" when out of range. */
static void
nth_item(const char *list, int i, char *out, size_t outsz)
{
	const char	*end;
	size_t		 n;

	out[0] = '\0';
	if (list == NULL)
		return;
	for (; i > 0 && list != NULL; i--)
		if ((list = strchr(list, ',')) != NULL)
			list++;
	if (list == NULL)
		return;
	end = strchr(list, ',');
	n = end != NULL ? (size_t)(end - list) : strlen(list);
	if (n >= outsz)
		n = 0;	/* longer than any host name: libpq says why */
	memcpy(out, list, n);
	out[n] = '\0';
}

/*
 * Keep the parsed conninfo when it names several hosts, for
 * connect_hosts.  A conninfo libpq cannot parse is left to libpq, whose
 * connect then says what is wrong with it.
 */
static void
parse_hosts(struct db *db)
{
	PQconninfoOption	*opts;
	char			*err = NULL;
	int			 n, na;

	if ((opts = PQconninfoParse(db->conninfo, &err)) == NULL) {
		PQfreemem(err);
		return;
	}
	n = count_items(opt_value(opts, "host"));
	na = count_items(opt_value(opts, "hostaddr"));
	if (na > n)
		n = na;
	if (n < 2 || n > DB_MAX_HOSTS) {
		PQconninfoFree(opts);
		return;
	}
	db->opts = opts;
	db->nhosts = n;
}

struct db *
db_new(const char *conninfo, const struct db_stmt *stmts, size_t nstmts,
    int timeout_ms)
{
	struct db	*db;

	if ((db = calloc(1, sizeof(*db))) == NULL)
		return NULL;
	if ((db->conninfo = strdup(conninfo ? conninfo : "")) == NULL) {
		free(db);
		return NULL;
	}
	db->stmts = stmts;
	db->nstmts = nstmts;
	db->timeout_ms = timeout_ms;
	db->prepared = 1;
	parse_hosts(db);
	return db;
}

void
db_free(struct db *db)
{
	int64_t	until = db_now_ms() + DB_CANCEL_WAIT_MS;

	if (db == NULL)
		return;
	while (atomic_load(&cancels_running) > 0 && db_now_ms() < until)
		(void)poll(NULL, 0, 10);
	db_disconnect(db);
	if (db->opts != NULL)
		PQconninfoFree(db->opts);
	free(db->conninfo);
	free(db);
}

void
db_disconnect(struct db *db)
{
	if (db->conn != NULL)
		PQfinish(db->conn);
	db->conn = NULL;
}

void
db_set_prepared(struct db *db, int on)
{
	db->prepared = on;
}

void
db_set_timeout(struct db *db, int ms)
{
	db->deadline = ms > 0 ? db_now_ms() + ms : 0;
}

const char *
db_errmsg(const struct db *db)
{
	return db->errmsg;
}

const char *
db_sqlstate(const struct db *db)
{
	return db->sqlstate;
}

const char *
db_cause(struct db *db)
{
	snprintf(db->cause, sizeof(db->cause), "%s%s%s%s",
	    db->errmsg[0] != '\0' ? db->errmsg : "unknown database error",
	    db->sqlstate[0] != '\0' ? " (SQLSTATE " : "", db->sqlstate,
	    db->sqlstate[0] != '\0' ? ")" : "");
	return db->cause;
}

PGconn *
db_conn(struct db *db)
{
	return db->conn;
}

static int64_t
deadline_of(const struct db *db)
{
	if (db->deadline > 0)
		return db->deadline;
	return db->timeout_ms > 0 ? db_now_ms() + db->timeout_ms : 0;
}

/* Wait for the socket; 0 when ready, -1 on deadline or error. */
static int
wait_socket(struct db *db, int64_t deadline, short events)
{
	struct pollfd	pfd;
	int64_t		left;
	int		n;

	pfd.fd = PQsocket(db->conn);
	pfd.events = events;
	if (pfd.fd < 0)
		return -1;
	for (;;) {
		left = deadline > 0 ? deadline - db_now_ms() : -1;
		if (deadline > 0 && left <= 0) {
			if (!db->timed_out)
				report(DB_EVENT_DEADLINE, NULL);
			db->timed_out = 1;
			set_error(db, "timed out waiting for the database", NULL);
			return -1;
		}
		n = poll(&pfd, 1, left > 0 ? (int)left : -1);
		if (n > 0)
			return 0;
		if (n < 0 && errno != EINTR)
			return -1;
	}
}

/*
 * Collect the results of one sent command.  Returns the first error
 * result or else the last result (caller clears), NULL when the
 * connection broke or the deadline passed.
 */
static PGresult *
wait_result(struct db *db, int64_t deadline)
{
	PGresult	*keep = NULL, *r;

	for (;;) {
		while (!PQisBusy(db->conn)) {
			if ((r = PQgetResult(db->conn)) == NULL)
				return keep;
			if (keep == NULL || (PQresultStatus(keep) !=
			    PGRES_FATAL_ERROR)) {
				PQclear(keep);
				keep = r;
			} else
				PQclear(r);
		}
		if (wait_socket(db, deadline, POLLIN) != 0 ||
		    !PQconsumeInput(db->conn)) {
			PQclear(keep);
			return NULL;
		}
	}
}

/* Flush the output queue within the deadline; 0 when all is sent. */
static int
flush_out(struct db *db, int64_t deadline)
{
	int	n;

	while ((n = PQflush(db->conn)) == 1)
		if (wait_socket(db, deadline, POLLOUT | POLLIN) != 0 ||
		    !PQconsumeInput(db->conn))
			return -1;
	return n;
}

static enum db_err
prepare_all(struct db *db, int64_t deadline)
{
	PGresult	*r;
	size_t		 i;
	int		 ok;

	if (!db->prepared)
		return DB_OK;
	for (i = 0; i < db->nstmts; i++) {
		if (!PQsendPrepare(db->conn, db->stmts[i].name,
		    db->stmts[i].sql, db->stmts[i].nparams, NULL) ||
		    flush_out(db, deadline) != 0)
			return DB_UNAVAILABLE;
		if ((r = wait_result(db, deadline)) == NULL)
			return DB_UNAVAILABLE;
		ok = PQresultStatus(r) == PGRES_COMMAND_OK;
		if (!ok) {
			set_error(db, PQresultErrorMessage(r),
			    PQresultErrorField(r, PG_DIAG_SQLSTATE));
			report(DB_EVENT_ERROR, db->sqlstate);
		}
		PQclear(r);
		if (!ok)
			return DB_FAILED;
	}
	return DB_OK;
}

/*
 * Start a connection with keys/vals and drive it until it is made, fails
 * or deadline passes; 0 with db->conn set, or -1 (db->errmsg set).
 */
static int
connect_one(struct db *db, const char *const *keys, const char *const *vals,
    int expand, int64_t deadline)
{
	PostgresPollingStatusType st = PGRES_POLLING_WRITING;

	db_disconnect(db);
	db->conn = PQconnectStartParams(keys, vals, expand);
	if (db->conn == NULL || PQstatus(db->conn) == CONNECTION_BAD)
		goto fail;
	while (st != PGRES_POLLING_OK) {
		if (st == PGRES_POLLING_FAILED)
			goto fail;
		if (wait_socket(db, deadline,
		    st == PGRES_POLLING_READING ? POLLIN : POLLOUT) != 0)
			goto fail;
		st = PQconnectPoll(db->conn);
	}
	if (PQsetnonblocking(db->conn, 1) != 0)
		goto fail;
	return 0;
fail:
	if (!db->timed_out)
		set_error(db, db->conn ? PQerrorMessage(db->conn) :
		    "out of memory", NULL);
	db_disconnect(db);
	return -1;
}

/*
 * keys/vals for host i of db->opts: every option given, with host,
 * hostaddr and port narrowed to host i's (one port serves them all).
 */
static void
host_params(const struct db *db, int i, const char **keys,
    const char **vals, char bufs[3][256])
{
	const PQconninfoOption	*o;
	const char *const	 narrow[] = { "host", "hostaddr", "port" };
	size_t			 k, n = 0;

	for (o = db->opts; o->keyword != NULL && n < DB_MAX_OPTS - 5; o++) {
		for (k = 0; k < 3; k++)
			if (strcmp(o->keyword, narrow[k]) == 0)
				break;
		if (o->val == NULL || o->val[0] == '\0')
			continue;
		if (k < 3) {
			nth_item(o->val, count_items(o->val) == 1 ? 0 : i,
			    bufs[k], sizeof(bufs[k]));
			if (bufs[k][0] == '\0')
				continue;
			vals[n] = bufs[k];
		} else
			vals[n] = o->val;
		keys[n++] = o->keyword;
	}
	if (opt_value(db->opts, "fallback_application_name") == NULL) {
		keys[n] = "fallback_application_name";
		vals[n++] = "axlog";
	}
	keys[n] = vals[n] = NULL;
}

/*
 * Several hosts: libpq applies connect_timeout to each host only in its
 * blocking connect; through PQconnectPoll a host that never answers (a
 * machine gone, its packets dropped) would hold the whole deadline, and
 * the next host, maybe the new primary, would never be tried.  So each
 * host is tried alone (target_session_attrs still checked by libpq),
 * first the one that worked last, with connect_timeout (at least 2 s,
 * as libpq) or else an even share of what is left of the deadline.
 */
static int
connect_hosts(struct db *db, int64_t deadline)
{
	const char	*keys[DB_MAX_OPTS], *vals[DB_MAX_OPTS], *ct;
	char		 bufs[3][256];
	int64_t		 per = 0, until, now;
	int		 t, i;

	ct = opt_value(db->opts, "connect_timeout");
	if (ct != NULL && atoi(ct) > 0)
		per = (int64_t)(atoi(ct) < 2 ? 2 : atoi(ct)) * 1000;
	for (t = 0; t < db->nhosts; t++) {
		i = (db->host_next + t) % db->nhosts;
		now = db_now_ms();
		if (deadline > 0 && now >= deadline)
			break;
		until = per > 0 ? now + per : 0;
		if (deadline > 0 && per == 0)
			until = now + (deadline - now) / (db->nhosts - t);
		if (deadline > 0 && (until == 0 || until > deadline))
			until = deadline;
		host_params(db, i, keys, vals, bufs);
		db->timed_out = 0;
		if (connect_one(db, keys, vals, 0, until) == 0) {
			db->host_next = i;
			return 0;
		}
		if (db->timed_out)
			set_error(db, "timed out connecting to a host", NULL);
	}
	db->timed_out = deadline > 0 && db_now_ms() >= deadline;
	return -1;
}

static enum db_err
do_connect(struct db *db)
{
	const char *const	 keys[] = { "dbname",
				    "fallback_application_name", NULL };
	const char		*vals[] = { db->conninfo, "axlog", NULL };
	int64_t			 deadline = deadline_of(db);
	enum db_err		 e;
	int			 rc;

	if (db->nhosts > 1)
		rc = connect_hosts(db, deadline);
	else
		rc = connect_one(db, keys, vals, 1, deadline);
	if (rc != 0) {
		report(DB_EVENT_CONNECT_FAILED, NULL);
		return DB_UNAVAILABLE;
	}
	if ((e = prepare_all(db, deadline)) != DB_OK) {
		if (db->errmsg[0] == '\0')
			set_error(db, PQerrorMessage(db->conn), NULL);
		db_disconnect(db);
		report(DB_EVENT_CONNECT_FAILED, NULL);
		return e;
	}
	report(db->connected ? DB_EVENT_RECONNECT : DB_EVENT_CONNECT, NULL);
	db->connected = 1;
	return DB_OK;
}

/*
 * A connection is usable when libpq thinks so and the server has not
 * closed it meanwhile (a restart leaves the socket readable at EOF):
 * finding that out before sending is what makes a silent reconnect safe.
 */
static int
conn_alive(struct db *db)
{
	struct pollfd	pfd;

	if (db->conn == NULL || PQstatus(db->conn) != CONNECTION_OK)
		return 0;
	pfd.fd = PQsocket(db->conn);
	pfd.events = POLLIN;
	if (poll(&pfd, 1, 0) > 0 && (!PQconsumeInput(db->conn) ||
	    PQstatus(db->conn) != CONNECTION_OK))
		return 0;
	return 1;
}

enum db_err
db_connect(struct db *db)
{
	db->timed_out = 0;
	db->errmsg[0] = db->sqlstate[0] = '\0';
	return conn_alive(db) ? DB_OK : do_connect(db);
}

/* Send one command; 1 if it was (at least partly) sent, 0 if not at all. */
static int
send_cmd(struct db *db, const char *cmd, enum run_mode mode,
    const struct db_args *a)
{
	if (mode == RUN_SCRIPT)
		return PQsendQuery(db->conn, cmd);
	if (mode == RUN_PREPARED)
		return PQsendQueryPrepared(db->conn, cmd, a->n, a->values,
		    a->lengths, a->formats, 0);
	return PQsendQueryParams(db->conn, cmd, a->n, NULL, a->values,
	    a->lengths, a->formats, 0);
}

static enum db_err
result_err(struct db *db, PGresult *r)
{
	ExecStatusType	st = PQresultStatus(r);

	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
		return DB_OK;
	set_error(db, PQresultErrorMessage(r),
	    PQresultErrorField(r, PG_DIAG_SQLSTATE));
	report(DB_EVENT_ERROR, db->sqlstate);
	return db_classify(PQresultErrorField(r, PG_DIAG_SQLSTATE));
}

struct cancel {
	PGcancel	*c;
	PGconn		*conn;
};

/*
 * The connection is closed only after the cancel request went out: a
 * pooler (PgBouncer) forwards a cancel only while its client is there.
 */
static void *
cancel_run(void *arg)
{
	struct cancel	*k = arg;
	char		 err[256];

	if (!PQcancel(k->c, err, sizeof(err)))
		fprintf(stderr, "axlog: cancel request: %s\n", err);
	PQfreeCancel(k->c);
	PQfinish(k->conn);
	free(k);
	atomic_fetch_sub(&cancels_running, 1);
	return NULL;
}

/*
 * Ask the server to cancel what the connection runs, without waiting,
 * and take the connection away from db: the statement may still commit
 * first, so this never makes the outcome known; it only keeps a late
 * statement from holding its locks and committing long after its client
 * was told 503.
 */
static void
cancel_and_drop(struct db *db)
{
	struct cancel	*k = NULL;
	pthread_t	 t;
	pthread_attr_t	 attr;

	if (atomic_fetch_add(&cancels_running, 1) >= DB_MAX_CANCELS ||
	    (k = calloc(1, sizeof(*k))) == NULL ||
	    (k->c = PQgetCancel(db->conn)) == NULL)
		goto skip;
	k->conn = db->conn;
	if (pthread_attr_init(&attr) != 0)
		goto skip;
	(void)pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&t, &attr, cancel_run, k) != 0) {
		(void)pthread_attr_destroy(&attr);
		goto skip;
	}
	(void)pthread_attr_destroy(&attr);
	db->conn = NULL;	/* the thread closes it */
	return;
skip:
	if (k != NULL && k->c != NULL)
		PQfreeCancel(k->c);
	free(k);
	atomic_fetch_sub(&cancels_running, 1);
	db_disconnect(db);
}

/* One attempt: 0 done (*e set), 1 connection lost after sending. */
static int
attempt(struct db *db, const char *cmd, enum run_mode mode,
    const struct db_args *a, PGresult **res, enum db_err *e)
{
	int64_t		 deadline = deadline_of(db);
	PGresult	*r;

	if (!send_cmd(db, cmd, mode, a)) {
		/* Nothing left this process: safe to send on a new one. */
		*e = DB_UNAVAILABLE;
		set_error(db, PQerrorMessage(db->conn), NULL);
		return 1;
	}
	if (flush_out(db, deadline) != 0 ||
	    (r = wait_result(db, deadline)) == NULL) {
		*e = DB_UNAVAILABLE;
		db->unknown = 1;
		if (db->timed_out) {
			/* A command is still in flight: the connection is
			 * useless until it ends, which may be never. */
			cancel_and_drop(db);
			return 0;
		}
		set_error(db, PQerrorMessage(db->conn), NULL);
		return 1;
	}
	if (PQstatus(db->conn) != CONNECTION_OK) {
		set_error(db, PQerrorMessage(db->conn), NULL);
		PQclear(r);
		*e = DB_UNAVAILABLE;
		db->unknown = 1;
		return 1;
	}
	if ((*e = result_err(db, r)) == DB_OK && res != NULL)
		*res = r;
	else
		PQclear(r);
	return 0;
}

static enum db_err
run(struct db *db, const char *cmd, enum run_mode mode,
    const struct db_args *a, PGresult **res, int flags)
{
	enum db_err	e;
	int		tries;

	if (res != NULL)
		*res = NULL;
	db->broken = db->timed_out = db->unknown = 0;
	db->errmsg[0] = db->sqlstate[0] = '\0';
	for (tries = 0; tries < 2; tries++) {
		if (!conn_alive(db)) {
			if (db->in_txn) {
				/* The transaction died with its connection. */
				set_error(db, "connection lost in a transaction",
				    NULL);
				db->broken = 1;
				db_disconnect(db);
				return DB_UNAVAILABLE;
			}
			if ((e = do_connect(db)) != DB_OK)
				return e;
		}
		if (!attempt(db, cmd, mode, a, res, &e))
			return e;
		db->broken = 1;
		db_disconnect(db);
		if (db->unknown && (!(flags & DB_RETRY) || db->in_txn))
			return DB_UNAVAILABLE;
		db->unknown = 0;	/* resent: this try decides */
	}
	return DB_UNAVAILABLE;
}

/* The statement named name, or NULL. */
static const struct db_stmt *
find_stmt(const struct db *db, const char *name)
{
	size_t	i;

	for (i = 0; i < db->nstmts; i++)
		if (strcmp(db->stmts[i].name, name) == 0)
			return &db->stmts[i];
	return NULL;
}

enum db_err
db_query_args(struct db *db, const char *name, const struct db_args *a,
    PGresult **res, int flags)
{
	const struct db_stmt	*st;

	if (db->prepared)
		return run(db, name, RUN_PREPARED, a, res, flags);
	if ((st = find_stmt(db, name)) == NULL) {
		if (res != NULL)
			*res = NULL;
		set_error(db, "no such statement", NULL);
		return DB_FAILED;
	}
	return run(db, st->sql, RUN_PARAMS, a, res, flags);
}

enum db_err
db_query(struct db *db, const char *name, int nparams,
    const char *const *values, PGresult **res, int flags)
{
	const struct db_args	a = { nparams, values, NULL, NULL };

	return db_query_args(db, name, &a, res, flags);
}

enum db_err
db_exec(struct db *db, const char *sql, int nparams,
    const char *const *values, PGresult **res, int flags)
{
	const struct db_args	a = { nparams, values, NULL, NULL };

	return run(db, sql, RUN_PARAMS, &a, res, flags);
}

enum db_err
db_script(struct db *db, const char *sql)
{
	const struct db_args	a = { 0, NULL, NULL, NULL };

	return run(db, sql, RUN_SCRIPT, &a, NULL, 0);
}

enum db_err
db_txn(struct db *db, db_txn_fn body, void *arg)
{
	enum db_err	e;
	int		tries;

	for (tries = 0; tries < 2; tries++) {
		if ((e = db_exec(db, "BEGIN", 0, NULL, NULL, DB_RETRY)) != DB_OK)
			return e;
		db->in_txn = 1;
		e = body(db, arg);
		if (e == DB_OK) {
			/* From here on the outcome may be unknown: no retry. */
			e = db_exec(db, "COMMIT", 0, NULL, NULL, 0);
			db->in_txn = 0;
			return e;
		}
		db->in_txn = 0;
		if (!db->broken || db->timed_out)
			break;
	}
	if (db->conn != NULL && PQtransactionStatus(db->conn) != PQTRANS_IDLE) {
		char	msg[sizeof(db->errmsg)], state[sizeof(db->sqlstate)];

		/* Keep the error that ended the transaction, not ROLLBACK's. */
		memcpy(msg, db->errmsg, sizeof(msg));
		memcpy(state, db->sqlstate, sizeof(state));
		if (db_exec(db, "ROLLBACK", 0, NULL, NULL, 0) != DB_OK)
			db_disconnect(db);
		memcpy(db->errmsg, msg, sizeof(msg));
		memcpy(db->sqlstate, state, sizeof(state));
	}
	return e;
}

int
db_broken(const struct db *db)
{
	return db->broken;
}

int
db_unknown(const struct db *db)
{
	return db->unknown;
}

int
db_timed_out(const struct db *db)
{
	return db->timed_out;
}

void
db_set_observer(db_observer_fn fn)
{
	observer = fn;
}
