/*
 * axlog-ingest: POST /ingest.  Connects with the ingest role
 * (AXLOG_DATABASE_URL, never another role's).
 */
#include <stdio.h>

#include "ingest.h"
#include "server.h"
#include "settings.h"

int
main(void)
{
	struct settings	s;
	struct ingest	in;
	int		rc;

	settings_load_or_exit(&s, "axlog-ingest");
	in.settings = &s;
	if ((in.db = ingest_db_new(s.database_url, s.db_timeout_ms)) == NULL) {
		fprintf(stderr, "axlog-ingest: out of memory\n");
		return 1;
	}
	rc = server_run(ingest_handle, &in, s.workers);
	db_free(in.db);
	settings_free(&s);
	return rc;
}
