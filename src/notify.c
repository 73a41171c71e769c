/*
 * notify.c: one delivery run.  Concurrency, and what a crash leaves:
 *
 * - Recording transitions holds a transaction-scoped advisory lock, so
 *   two runs never both open (or close) the same alert; the partial
 *   unique index alert_events_open would refuse it anyway.
 * - Each notice is claimed with SELECT ... FOR UPDATE SKIP LOCKED and
 *   stays locked while it is sent, in the transaction that marks it:
 *   another run skips it, so one notice is never sent by two runs at
 *   once.  A "resolved" notice waits for its target's "firing" one.
 * - A run that dies after the target took a notice but before COMMIT
 *   leaves it unsent; the next run sends it again with the same
 *   Idempotency-Key (or Message-ID).  Delivery is at least once.
 * - A target that fails is left for this run (its other notices wait
 *   behind the one that failed) and tried again by the next; the other
 *   targets go on.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alerts.h"
#include "jsonfmt.h"
#include "notice.h"
#include "notify.h"
#include "notify_conf.h"
#include "notify_send.h"

/* Any 64-bit number, distinct from migrate's and maintain's. */
#define NOTIFY_LOCK	"7061786c6f6702"

#define NOTIFY_ERR_LEN	256

static const char reconcile_sql[] =
    "WITH cur (type, app_id, kind, value, threshold, since) AS ("
    ALERTS_RULES_SQL "),"
    " opened AS (INSERT INTO axlog.alert_events"
    "  (type, app_id, kind, value, threshold, since)"
    "  SELECT c.type, c.app_id, c.kind, c.value, c.threshold,"
    "  'epoch'::timestamptz + c.since * interval '1 microsecond'"
    "  FROM cur c WHERE NOT EXISTS (SELECT 1 FROM axlog.alert_events o"
    "  WHERE o.type = c.type AND o.app_id = c.app_id"
    "  AND o.resolved_at IS NULL)"
    "  RETURNING alert_id, type, app_id),"
    " closed AS (UPDATE axlog.alert_events o SET resolved_at = now()"
    "  WHERE o.resolved_at IS NULL AND NOT EXISTS (SELECT 1 FROM cur c"
    "  WHERE c.type = o.type AND c.app_id = o.app_id)"
    "  RETURNING alert_id, type, app_id)"
    " SELECT alert_id, 'firing', type, app_id FROM opened"
    " UNION ALL SELECT alert_id, 'resolved', type, app_id FROM closed"
    " ORDER BY 1, 2";

/*
 * A notice of $2 for alert $1 to target $3; a "resolved" one only to a
 * target that had the "firing" one (not to a target added since).
 */
static const char add_notice_sql[] =
    "INSERT INTO axlog.alert_notices (alert_id, transition, target)"
    " SELECT $1, $2, $3 WHERE $2 = 'firing' OR EXISTS (SELECT 1"
    "  FROM axlog.alert_notices f WHERE f.alert_id = $1"
    "  AND f.transition = 'firing' AND f.target = $3)"
    " ON CONFLICT DO NOTHING";

/* Alerts resolved before the retention, every notice sent, are forgotten. */
static const char forget_sql[] =
    "DELETE FROM axlog.alert_events e WHERE e.resolved_at < now()"
    " - make_interval(days => (SELECT retention_days FROM axlog.settings))"
    " AND NOT EXISTS (SELECT 1 FROM axlog.alert_notices n"
    "  WHERE n.alert_id = e.alert_id AND n.sent_at IS NULL)";

/* The oldest unsent notice of target $1 that no other run holds. */
static const char claim_sql[] =
    "SELECT n.alert_id, n.transition, e.notice_key, e.type, e.app_id,"
    " e.kind, e.value, e.threshold,"
    " (extract(epoch FROM e.since) * 1000000)::int8,"
    " (extract(epoch FROM e.fired_at) * 1000000)::int8,"
    " (extract(epoch FROM e.resolved_at) * 1000000)::int8"
    " FROM axlog.alert_notices n JOIN axlog.alert_events e USING (alert_id)"
    " WHERE n.target = $1 AND n.sent_at IS NULL"
    " AND NOT (n.transition = 'resolved' AND EXISTS (SELECT 1"
    "  FROM axlog.alert_notices f WHERE f.alert_id = n.alert_id"
    "  AND f.target = n.target AND f.transition = 'firing'"
    "  AND f.sent_at IS NULL))"
    " ORDER BY n.created_at, n.alert_id, n.transition"
    " LIMIT 1 FOR UPDATE OF n SKIP LOCKED";

static const char mark_sent_sql[] =
    "UPDATE axlog.alert_notices SET sent_at = now(),"
    " attempts = attempts + 1, last_attempt_at = now(), last_error = NULL"
    " WHERE alert_id = $1 AND transition = $2 AND target = $3";

static const char mark_failed_sql[] =
    "UPDATE axlog.alert_notices SET attempts = attempts + 1,"
    " last_attempt_at = now(), last_error = $4"
    " WHERE alert_id = $1 AND transition = $2 AND target = $3";

static int
fail(struct db *db, const char *what)
{
	fprintf(stderr, "axlogctl: %s: %s%s%s\n", what, db_errmsg(db),
	    db_sqlstate(db)[0] ? " SQLSTATE " : "", db_sqlstate(db));
	return 1;
}

struct record {
	const struct notify_conf	*conf;
	PGresult			*res;	/* the transitions */
};

static enum db_err
record_body(struct db *db, void *arg)
{
	struct record	*rec = arg;
	const char	*params[3] = { NULL };
	enum db_err	 e;
	size_t		 j;
	int		 i;

	PQclear(rec->res);	/* of a try cut short */
	rec->res = NULL;
	if ((e = db_exec(db, "SELECT pg_advisory_xact_lock(x'" NOTIFY_LOCK
	    "'::bigint)", 0, NULL, NULL, 0)) != DB_OK ||
	    (e = db_exec(db, forget_sql, 0, NULL, NULL, 0)) != DB_OK ||
	    (e = db_exec(db, reconcile_sql, 1, params, &rec->res, 0)) !=
	    DB_OK)
		return e;
	for (i = 0; i < PQntuples(rec->res); i++) {
		params[0] = PQgetvalue(rec->res, i, 0);
		params[1] = PQgetvalue(rec->res, i, 1);
		for (j = 0; j < rec->conf->ntargets; j++) {
			params[2] = rec->conf->targets[j].name;
			if ((e = db_exec(db, add_notice_sql, 3, params, NULL,
			    0)) != DB_OK)
				return e;
		}
	}
	return DB_OK;
}

/* Open the alerts that fired, close those gone, queue their notices. */
static int
record(struct db *db, const struct notify_conf *conf)
{
	struct record	rec = { conf, NULL };
	int		i;

	if (db_txn(db, record_body, &rec) != DB_OK) {
		PQclear(rec.res);
		return fail(db, "recording alert transitions");
	}
	for (i = 0; i < PQntuples(rec.res); i++)
		printf("%s %s %s\n", PQgetvalue(rec.res, i, 1),
		    PQgetvalue(rec.res, i, 2), PQgetvalue(rec.res, i, 3));
	PQclear(rec.res);
	return 0;
}

enum outcome { NONE_DUE, SENT, REFUSED };

struct delivery {
	const struct notify_target	*t;
	int				 tries;
	enum outcome			 outcome;
	char				 what[160];	/* for messages */
	char				 err[NOTIFY_ERR_LEN];
};

static void
notice_of(const PGresult *r, struct notice *n)
{
	n->transition = PQgetvalue(r, 0, 1);
	n->key = PQgetvalue(r, 0, 2);
	n->type = PQgetvalue(r, 0, 3);
	n->app_id = PQgetvalue(r, 0, 4);
	n->kind = PQgetvalue(r, 0, 5);
	n->value = strtod(PQgetvalue(r, 0, 6), NULL);
	n->threshold = strtod(PQgetvalue(r, 0, 7), NULL);
	n->since_us = jsonfmt_col_int(r, 0, 8, INT64_MIN);
	n->fired_us = jsonfmt_col_int(r, 0, 9, INT64_MIN);
	n->resolved_us = jsonfmt_col_int(r, 0, 10, INT64_MIN);
}

/*
 * Claim, send, mark, in one transaction.  Never sends twice in a run:
 * should db_txn try again (the connection broke before COMMIT), the
 * second try gives up and the notice waits for the next run.
 */
static enum db_err
deliver_body(struct db *db, void *arg)
{
	struct delivery	*d = arg;
	const char	*params[4] = { d->t->name };
	struct notice	 n;
	PGresult	*r;
	enum db_err	 e;

	if (d->tries++ > 0)
		return DB_UNAVAILABLE;
	if ((e = db_exec(db, claim_sql, 1, params, &r, 0)) != DB_OK)
		return e;
	if (PQntuples(r) == 0) {
		d->outcome = NONE_DUE;
		PQclear(r);
		return DB_OK;
	}
	notice_of(r, &n);
	snprintf(d->what, sizeof(d->what), "%s %s %s to %s", n.transition,
	    n.type, n.app_id, d->t->name);
	d->outcome = notify_send(d->t, &n, d->err, sizeof(d->err)) == 0 ?
	    SENT : REFUSED;
	params[0] = PQgetvalue(r, 0, 0);
	params[1] = n.transition;
	params[2] = d->t->name;
	params[3] = d->err;
	e = db_exec(db, d->outcome == SENT ? mark_sent_sql : mark_failed_sql,
	    d->outcome == SENT ? 3 : 4, params, NULL, 0);
	PQclear(r);
	return e;
}

/* Every due notice of one target, until one fails: 0, or 1. */
static int
deliver_target(struct db *db, const struct notify_target *t, int *db_down)
{
	struct delivery	d;

	for (;;) {
		memset(&d, 0, sizeof(d));
		d.t = t;
		if (db_txn(db, deliver_body, &d) != DB_OK) {
			if (d.outcome == SENT)
				fprintf(stderr, "axlogctl: sent %s, but could "
				    "not mark it: it will be sent again\n",
				    d.what);
			*db_down = 1;
			return fail(db, "delivering notices");
		}
		if (d.outcome == NONE_DUE)
			return 0;
		if (d.outcome == REFUSED) {
			fprintf(stderr, "axlogctl: notice %s: %s; kept for "
			    "the next run\n", d.what, d.err);
			return 1;
		}
		printf("sent %s\n", d.what);
	}
}

int
notify_run(struct db *db, const char *conf_path)
{
	struct notify_conf	conf;
	char			err[512];
	size_t			i;
	int			rc = 0, db_down = 0;

	if (notify_conf_load(&conf, conf_path, err, sizeof(err)) != 0) {
		fprintf(stderr, "axlogctl: %s\n", err);
		notify_conf_free(&conf);
		return 1;
	}
	if (notify_send_init() != 0) {
		fprintf(stderr, "axlogctl: cannot initialise libcurl\n");
		notify_conf_free(&conf);
		return 1;
	}
	if ((rc = record(db, &conf)) == 0)
		for (i = 0; i < conf.ntargets && !db_down; i++)
			rc |= deliver_target(db, &conf.targets[i], &db_down);
	notify_send_cleanup();
	notify_conf_free(&conf);
	return rc;
}
