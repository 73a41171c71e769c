/*
 * axlog-stats: GET /stats, /stats/apps, /stats/alerts.  Connects with
 * the read-only role (AXLOG_STATS_DATABASE_URL, never another role's).
 */
#include <stdio.h>

#include "server.h"
#include "settings.h"
#include "stats.h"

int
main(void)
{
	struct settings	s;
	struct stats	st;
	struct server_opts opts = { 1, 1, NULL, "axlog-stats", NULL };
	int		rc;

	settings_load_or_exit(&s, "axlog-stats");
	st.settings = &s;
	if ((st.db = stats_db_new(s.stats_database_url, s.db_timeout_ms)) ==
	    NULL) {
		fprintf(stderr, "axlog-stats: out of memory\n");
		return 1;
	}
	db_set_prepared(st.db, s.prepared_statements);
	opts.workers = s.workers;
	rc = server_run(stats_handle, &st, &opts);
	db_free(st.db);
	settings_free(&s);
	return rc;
}
