/*
 * ingest.h: POST /ingest.  Reading and validating a request
 * (ingest_read) is kept apart from storing its events (ingest_store):
 * what passes between them is plain data, a struct ingest_job.
 */
#ifndef AXLOG_INGEST_H
#define AXLOG_INGEST_H

#include "auth.h"
#include "db.h"
#include "event.h"
#include "req.h"
#include "resp.h"
#include "settings.h"

struct ingest_job {
	struct auth_cred	cred;
	struct event_batch	batch;
	/* Outcome of ingest_store. */
	long			accepted;
	long			duplicates;
};

struct ingest {
	struct db		*db;
	const struct settings	*settings;
};

/* The ingest role's connection with its prepared statements. */
struct db	*ingest_db_new(const char *conninfo, int timeout_ms);

/*
 * Check method, credentials' shape, media type, length and events of r.
 * AX_OK leaves a job to store; otherwise the error is answered already
 * (after a key lookup, so a bad key is a 401 whatever the body).
 * Release job with ingest_job_free() in every case.
 */
enum ax_err	ingest_read(struct ingest *in, struct req *r, struct resp *p,
		    struct ingest_job *job);

/*
 * Store the job's events in one statement (one transaction): key lookup,
 * app check, retention check and insert together.  Answers the request.
 */
void		ingest_store(struct ingest *in, struct ingest_job *job,
		    struct resp *p);

void		ingest_job_free(struct ingest_job *job);

/* server_handler: ingest_read then ingest_store; ctx is struct ingest. */
void		ingest_handle(struct req *r, struct resp *p, void *ctx);

#endif
