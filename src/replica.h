/*
 * replica.h: which kind of server a read connection reached, a primary
 * or a streaming standby (hot standby), and how far behind the standby's
 * replay is, as /health and /stats report it.  A multi-host
 * AXLOG_STATS_DATABASE_URL with target_session_attrs=prefer-standby
 * lands on either, so the answer is asked of the server, not assumed.
 */
#ifndef AXLOG_REPLICA_H
#define AXLOG_REPLICA_H

#include <json-c/json.h>
#include <libpq-fe.h>

/*
 * Two columns: pg_is_in_recovery(), and the replay lag in seconds
 * (float8; NULL on a primary, or on a standby that has replayed nothing
 * since it started).  A standby that has replayed all the WAL it
 * received lags 0, however long ago the last write was (the primary may
 * just be idle); otherwise the lag is the age of the last transaction it
 * replayed, so every event committed more than lag seconds ago is
 * visible.  WAL not yet received is invisible to the standby, hence to
 * this figure: on a healthy stream that is milliseconds.
 */
#define REPLICA_COLUMNS \
	"pg_is_in_recovery()," \
	" CASE WHEN NOT pg_is_in_recovery() THEN NULL" \
	"  WHEN pg_last_wal_receive_lsn() IS NOT NULL" \
	"   AND pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0" \
	"  ELSE greatest(0, extract(epoch FROM clock_timestamp() -" \
	"   pg_last_xact_replay_timestamp()))::float8 END"

struct replica {
	int	standby;	/* the server is in recovery */
	int	lag_known;	/* lag_s is meaningful */
	double	lag_s;		/* replay lag in seconds (0 on a primary) */
};

/*
 * Read the two REPLICA_COLUMNS starting at column col of row 0 of r.
 * Returns 0, or -1 when they are not there.
 */
int	replica_read(const PGresult *r, int col, struct replica *out);

/* "primary" or "standby". */
const char *replica_server(const struct replica *);

/* The lag in seconds, to the millisecond, or JSON null when unknown. */
struct json_object *replica_lag_json(const struct replica *);

#endif
