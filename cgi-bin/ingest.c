/*
 * axlog-ingest: POST /ingest.  Connects with the ingest role
 * (AXLOG_DATABASE_URL).  The event pipeline is not built yet: every
 * request is answered 503 "unavailable" with Retry-After, so clients
 * keep their events and retry.
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
	(void)resp_error(p, AX_ERR_UNAVAILABLE, "ingest is not available in "
	    "this build", NULL);
}

int
main(void)
{
	struct settings	 s;
	struct db	*db;
	int		 rc;

	settings_load_or_exit(&s, "axlog-ingest");
	if ((db = db_new(s.database_url, NULL, 0, s.db_timeout_ms)) == NULL) {
		fprintf(stderr, "axlog-ingest: out of memory\n");
		return 1;
	}
	rc = server_run(handle, db);
	db_free(db);
	settings_free(&s);
	return rc;
}
