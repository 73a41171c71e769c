/*
 * axlog-ingest: POST /ingest, and the log shippers' routes (ship.c):
 * POST /v1/logs (OTLP/HTTP) and POST /loki/api/v1/push.  Connects with the ingest role
 * (AXLOG_DATABASE_URL, never another role's).  Under FastCGI with
 * AXLOG_GROUP_COMMIT=on each process serves AXLOG_THREADS requests at
 * once and commits them in groups on AXLOG_GROUP_CONNECTIONS lanes, each
 * with a connection of its own; otherwise one request, one statement.
 */
#include <stdio.h>
#include <stdlib.h>

#include "batcher.h"
#include "ingest.h"
#include "server.h"
#include "ship.h"
#include "settings.h"

struct lanes {
	struct ingest		*in;
	struct ingest_lane	 lane[SETTINGS_MAX_GROUP_CONNECTIONS];
	void			*ctx[SETTINGS_MAX_GROUP_CONNECTIONS];
	size_t			 n;
};

static struct lanes	lanes;

/* After the fork: the lanes are threads of the serving process. */
static int
start_lanes(void *ctx)
{
	struct ingest		*in = ctx;
	const struct settings	*s = in->settings;
	size_t			 i;

	lanes.in = in;
	lanes.n = (size_t)s->group_connections;
	for (i = 0; i < lanes.n; i++) {
		/* The first lane takes the connection main() made. */
		lanes.lane[i].db = i == 0 ? in->db :
		    ingest_db_new(s->database_url, s->db_timeout_ms);
		if (lanes.lane[i].db == NULL)
			goto fail;
		db_set_prepared(lanes.lane[i].db, s->prepared_statements);
		lanes.lane[i].timeout_ms = s->db_timeout_ms;
		lanes.ctx[i] = &lanes.lane[i];
	}
	in->batcher = batcher_start(lanes.n, lanes.ctx, (size_t)s->threads,
	    s->group_max_events, ingest_lane_run, ingest_job_weight);
	if (in->batcher != NULL) {
		batcher_set_idle(in->batcher, ingest_lane_idle,
		    INGEST_IDLE_MS);
		return 0;
	}
fail:
	fprintf(stderr, "axlog-ingest: cannot start the commit lanes\n");
	return -1;
}

/* Join the lanes (they finish what is queued) and close their connections. */
static void
stop_lanes(struct ingest *in)
{
	size_t	i;

	batcher_stop(in->batcher);
	in->batcher = NULL;
	for (i = 1; i < lanes.n; i++)
		db_free(lanes.lane[i].db);
}

int
main(void)
{
	struct settings		s;
	struct ingest		in = { NULL, NULL, NULL };
	struct server_opts	opts = { 1, 1, NULL, "axlog-ingest", NULL };
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
		/* One process per host, its lanes split by key: two
		 * processes would write one app's rollup rows from two
		 * connections and wait on each other. */
		opts.workers = 1;
		opts.threads = s.threads;
		opts.process_init = start_lanes;
	}
	rc = server_run(ship_handle, &in, &opts);
	if (in.batcher != NULL)
		stop_lanes(&in);
	db_free(in.db);
	settings_free(&s);
	return rc;
}
