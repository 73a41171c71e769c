/*
 * logs.h: GET /stats/logs: the events themselves, filtered, newest
 * first, paged by keyset on (created_at, id), or exported whole as
 * NDJSON or CSV in constant memory.
 */
#ifndef AXLOG_LOGS_H
#define AXLOG_LOGS_H

#include "db.h"
#include "readauth.h"
#include "req.h"
#include "resp.h"

#define LOGS_DEFAULT_LIMIT	100
#define LOGS_MAX_LIMIT		1000
#define LOGS_EXPORT_CHUNK	1000	/* rows read per round trip */
#define LOGS_MAX_Q		256	/* bytes of the q filter */

/* Serve one /stats/logs request for an authenticated reader. */
void	logs_serve(struct db *db, const struct req *r, struct resp *p,
	    const struct reader *who);

#endif
