/*
 * stats.h: the read side: GET /stats, /stats/apps and /stats/alerts
 * (and the routing, authentication, CORS and caching the read endpoints
 * share).  Connects with the read-only role.
 */
#ifndef AXLOG_STATS_H
#define AXLOG_STATS_H

#include "db.h"
#include "req.h"
#include "resp.h"
#include "settings.h"

struct stats {
	struct db		*db;
	const struct settings	*settings;
};

/* The read role's connection with the read endpoints' statements. */
struct db	*stats_db_new(const char *conninfo, int timeout_ms);

/* server_handler for the stats program; ctx is struct stats. */
void		 stats_handle(struct req *r, struct resp *p, void *ctx);

#endif
