/*
 * axlog-stats: GET /stats.  Connects with the read-only role
 * (AXLOG_STATS_DATABASE_URL).  The stats queries are not built yet:
 * every request is answered 503 "unavailable" with Retry-After.
 */
#include <stdio.h>

#include "db.h"
#include "server.h"
#include "settings.h"

static void
handle(struct req *r, struct resp *p, void *ctx)
{
	(void)r;
	(void)ctx;
	(void)resp_error(p, AX_ERR_UNAVAILABLE, "stats are not available in "
	    "this build", NULL);
}

int
main(void)
{
	struct settings	 s;
	struct db	*db;
	int		 rc;

	settings_load_or_exit(&s, "axlog-stats");
	if ((db = db_new(s.stats_database_url, NULL, 0, s.db_timeout_ms)) == NULL) {
		fprintf(stderr, "axlog-stats: out of memory\n");
		return 1;
	}
	rc = server_run(handle, db);
	db_free(db);
	settings_free(&s);
	return rc;
}
