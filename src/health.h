/*
 * health.h: GET/HEAD /health, /health/live and /health/db.  Answers
 * within HEALTH_BUDGET_MS even when the database hangs: every database
 * wait shares that one deadline, and nothing is retried.
 */
#ifndef AXLOG_HEALTH_H
#define AXLOG_HEALTH_H

#include "db.h"
#include "req.h"
#include "resp.h"

#define HEALTH_BUDGET_MS	1500

/* The connection health uses (the stats role), budget included. */
struct db	*health_db_new(const char *conninfo, int timeout_ms);

/* A standby behind by more than this many seconds makes /health "degraded". */
void		 health_set_max_lag(int seconds);

/*
 * on: the primary is meant to have a synchronous standby (a failover
 * pair); a primary reached without one makes /health "degraded".
 */
void		 health_set_expect_sync(int on);

struct metrics_text;

/*
 * server_opts.metrics_extra: the database's gauges (partitions ready
 * until, retention, replica lag, newest rollup hour), read at most every
 * HEALTH_METRICS_TTL_MS per process; ctx is the struct db.
 */
#define HEALTH_METRICS_TTL_MS	5000
void		 health_metrics(void *ctx, struct metrics_text *t);

/* server_handler for the health program; ctx is the struct db. */
void		 health_handle(struct req *r, struct resp *p, void *ctx);

#endif
