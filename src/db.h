/*
 * db.h: the one PostgreSQL connection helper every program and axlogctl
 * use.  It owns one libpq connection, made lazily and remade when it
 * breaks; statements prepared once per connection; client-side deadlines
 * (non-blocking libpq and poll(2)), because a frozen server enforces no
 * statement_timeout and libpq's connect_timeout has a 2 s floor; and the
 * mapping of every failure to an enum db_err.
 */
#ifndef AXLOG_DB_H
#define AXLOG_DB_H

#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

struct db;

struct db_stmt {
	const char	*name;		/* prepared statement name */
	const char	*sql;		/* text with $n parameters */
	int		 nparams;
};

enum db_err {
	DB_OK = 0,
	DB_UNAVAILABLE,	/* no connection, timeout, SQLSTATE 08/53/57/40 */
	DB_REJECTED,	/* SQLSTATE 22 (data) or 23 (constraint) */
	DB_FAILED,	/* anything else: a bug to log, never the client's fault */
};

/* Flags of db_query / db_exec. */
#define DB_RETRY	0x1	/* read-only: safe to resend after a reconnect */

/*
 * A helper for conninfo (URL or key=value; NULL or "" means libpq's PG*
 * defaults).  stmts (may be NULL) are prepared on every new connection and
 * must outlive the db.  timeout_ms bounds each call's connect and query.
 * Nothing is connected yet.  Returns NULL on allocation failure.
 */
struct db	*db_new(const char *conninfo, const struct db_stmt *stmts,
		    size_t nstmts, int timeout_ms);
void		 db_free(struct db *);

/*
 * Named prepared statements (on, the default) or not (off): with off,
 * db_query sends the statement's SQL text as an unnamed statement each
 * time (parse, bind and execute in one round trip), which is what a
 * pooler in transaction mode (PgBouncer before 1.21) can carry, since
 * its next transaction may run on another server connection that never
 * saw the PREPARE.  Set before the first call.
 */
void		 db_set_prepared(struct db *, int on);

/* Connect now if not connected (respecting the deadline). */
enum db_err	 db_connect(struct db *);
/* Drop the connection; the next call reconnects. */
void		 db_disconnect(struct db *);

/*
 * Run a prepared statement by name (db_query) or an SQL text (db_exec),
 * with text parameters (values[i] NULL for SQL NULL).  On DB_OK *res (if
 * res is non-NULL) holds the result, which the caller PQclear()s;
 * otherwise *res is NULL.  A connection found dead before sending is
 * remade and the statement sent; one that breaks after sending is
 * resent on a new connection only with DB_RETRY.  A statement past its
 * deadline is cancelled and never resent.
 */
enum db_err	 db_query(struct db *, const char *name, int nparams,
		    const char *const *values, PGresult **res, int flags);
enum db_err	 db_exec(struct db *, const char *sql, int nparams,
		    const char *const *values, PGresult **res, int flags);

/*
 * A statement's parameters: n values, each text unless formats[i] is 1
 * (binary, lengths[i] bytes).  lengths and formats NULL: all text.
 */
struct db_args {
	int			 n;
	const char *const	*values;
	const int		*lengths;
	const int		*formats;
};

/* db_query with parameters that may be binary. */
enum db_err	 db_query_args(struct db *, const char *name,
		    const struct db_args *, PGresult **res, int flags);

/*
 * Run trusted SQL text holding several statements (the simple query
 * protocol: no parameters).  For migrations only; never sent again.
 */
enum db_err	 db_script(struct db *, const char *sql);

/*
 * Run body inside BEGIN ... COMMIT.  When the connection breaks before
 * COMMIT is sent, the transaction cannot have committed: reconnect and
 * run body once more.  Once COMMIT is sent, a break is DB_UNAVAILABLE
 * and never retried.  body returns DB_OK to commit; anything else rolls
 * back and is returned.
 */
typedef enum db_err (*db_txn_fn)(struct db *, void *arg);
enum db_err	 db_txn(struct db *, db_txn_fn body, void *arg);

/* Did the last call lose its connection? */
int		 db_broken(const struct db *);
/*
 * Did the last call send a command and then learn nothing of it (its
 * deadline passed, or the connection broke before the result came)?
 * Such a write may have committed: it must never be sent again.
 */
int		 db_unknown(const struct db *);

/* Deadline for the next calls: now + ms (set per request). */
void		 db_set_timeout(struct db *, int ms);

/* Last error: a one-line message and the SQLSTATE ("" when none). */
const char	*db_errmsg(const struct db *);
const char	*db_sqlstate(const struct db *);
/*
 * The last error for a log line: the message and its SQLSTATE when the
 * server sent one ("timed out waiting for the database", libpq's "server
 * closed the connection unexpectedly", "... (SQLSTATE 42P01)").  Valid
 * until the next call on db.
 */
const char	*db_cause(struct db *);
/* The live connection, or NULL (for PQescapeIdentifier and the like). */
PGconn		*db_conn(struct db *);

/*
 * What a connection went through, for whoever counts (metrics.c): db.c
 * only reports, so it holds no policy on what is worth counting.
 */
enum db_event {
	DB_EVENT_CONNECT,	/* the first connection of a struct db */
	DB_EVENT_RECONNECT,	/* a connection made after an earlier one */
	DB_EVENT_CONNECT_FAILED,
	DB_EVENT_DEADLINE,	/* a call's deadline passed */
	DB_EVENT_ERROR,		/* the server answered an error (sqlstate) */
};
typedef void (*db_observer_fn)(enum db_event ev, const char *sqlstate);

/*
 * Report every struct db's events to fn (NULL: to nobody), process-wide.
 * Set once, before any thread or connection: it is read unlocked.
 */
void		 db_set_observer(db_observer_fn fn);

/* Did the last call's deadline pass? */
int		 db_timed_out(const struct db *);

/* Map a SQLSTATE to its class of error (exposed for tests). */
enum db_err	 db_classify(const char *sqlstate);

/* Monotonic clock in milliseconds. */
int64_t		 db_now_ms(void);

#endif
