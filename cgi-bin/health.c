/*
 * axlog-health: GET /health, /health/live, /health/db.  Connects with
 * the read-only role (AXLOG_STATS_DATABASE_URL).
 */
#include <stdio.h>

#include "health.h"
#include "server.h"
#include "settings.h"

int
main(void)
{
	struct settings	 s;
	struct db	*db;
	struct server_opts opts = { 1, 1, NULL, "axlog-health",
	    health_metrics };
	int		 rc;

	settings_load_or_exit(&s, "axlog-health");
	if ((db = health_db_new(s.stats_database_url, s.db_timeout_ms)) ==
	    NULL) {
		fprintf(stderr, "axlog-health: out of memory\n");
		return 1;
	}
	db_set_prepared(db, s.prepared_statements);
	health_set_max_lag(s.max_replay_lag_s);
	health_set_expect_sync(s.expect_sync_standby);
	opts.workers = s.workers;
	rc = server_run(health_handle, db, &opts);
	db_free(db);
	settings_free(&s);
	return rc;
}
