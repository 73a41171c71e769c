/*
 * axlog-ingest: POST /ingest.  Connects with the ingest role
 * (AXLOG_DATABASE_URL, never another role's).  Under FastCGI with
 * AXLOG_GROUP_COMMIT=on each process serves AXLOG_THREADS requests at
 * once and commits them in groups; otherwise one request, one
 * transaction.
 */
#include <stdio.h>

#include "commit.h"
#include "ingest.h"
#include "server.h"
#include "settings.h"

/* After the fork: the committer is a thread of the serving process. */
static int
start_committer(void *ctx)
{
	struct ingest	*in = ctx;

	in->committer = commit_start(in->db, (size_t)in->settings->threads,
	    in->settings->group_max_events, in->settings->db_timeout_ms);
	if (in->committer == NULL) {
		fprintf(stderr, "axlog-ingest: cannot start the committer\n");
		return -1;
	}
	return 0;
}

int
main(void)
{
	struct settings		s;
	struct ingest		in = { NULL, NULL, NULL };
	struct server_opts	opts = { 1, 1, NULL, "axlog-ingest" };
	int			rc;

	settings_load_or_exit(&s, "axlog-ingest");
	in.settings = &s;
	if ((in.db = ingest_db_new(s.database_url, s.db_timeout_ms)) == NULL) {
		fprintf(stderr, "axlog-ingest: out of memory\n");
		return 1;
	}
	db_set_prepared(in.db, s.prepared_statements);
	opts.workers = s.workers;
	if (s.group_commit) {
		/* One committer per host: two would take rollup row locks
		 * in different orders and deadlock; threads give the
		 * concurrency instead. */
		opts.workers = 1;
		opts.threads = s.threads;
		opts.process_init = start_committer;
	}
	rc = server_run(ingest_handle, &in, &opts);
	db_free(in.db);
	settings_free(&s);
	return rc;
}
