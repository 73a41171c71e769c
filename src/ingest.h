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
#include "evcols.h"
#include "req.h"
#include "resp.h"
#include "settings.h"

struct batcher;

struct ingest_job {
	struct auth_cred	cred;
	struct event_batch	batch;
	/*
	 * Reading's verdict: AX_OK, or a refusal and its message.  With
	 * key_first the key is looked up before the refusal is answered
	 * (a wrong key is a 401 whatever else is wrong).
	 */
	enum ax_err		refusal;
	char			refusal_msg[200];
	int			key_first;
	/* The events as columns (empty for key_only), encoded at now_us. */
	struct evcols		 cols;
	int64_t			 now_us;
	/* What the database said (on DB_OK). */
	enum db_err		 err;
	char			 errmsg[200];
	char			 sqlstate[6];
	int			 timed_out;	/* the deadline passed */
	int			 conn_lost;	/* the connection broke */
	int			 queue_full;	/* never reached the database */
	int			 key_found;
	char			 refused[16];	/* the statement's; "": stored */
	long			 old_index;	/* 1-based; 0: none */
	long			 inserted;
	/* Outcome for the response. */
	long			accepted;
	long			duplicates;
};

struct ingest {
	struct db		*db;		/* without group commit */
	const struct settings	*settings;
	struct batcher		*batcher;	/* NULL: one request, one txn */
};

/* A lane of group commit: its own connection (see ingest_lane_run). */
struct ingest_lane {
	struct db		*db;
	int			 timeout_ms;
	int			 big;	/* ran a large group since idle */
};

/* How long a lane waits with nothing to do before ingest_lane_idle. */
#define INGEST_IDLE_MS		1000
/* Events in a group from which libpq's buffers stay large. */
#define INGEST_BIG_GROUP	256

/* The ingest role's connection with its prepared statements. */
struct db	*ingest_db_new(const char *conninfo, int timeout_ms);

/*
 * Check method, credentials' shape, media type, length and events of r,
 * and encode the events.  Returns job->refusal: AX_OK with a job to
 * store, or why it is refused (then with job->key_first, the job still
 * goes to the database, for its key).  Writes no answer: ingest_answer
 * writes every one.  Release job with ingest_job_free() in every case.
 */
enum ax_err	ingest_read(struct ingest *in, struct req *r,
		    struct ingest_job *job);

/* Run one job on db, alone: one statement, its own transaction. */
void		ingest_run_one(struct db *db, struct ingest_job *job);

/*
 * Run n jobs in one statement (one transaction); when PostgreSQL refuses
 * the group's data (an error result: nothing stored), each runs alone so
 * none fails its neighbours.  Anything else, above all an unknown outcome
 * (deadline, lost connection), is every job's answer as it is.
 */
void		ingest_run_group(struct db *db, struct ingest_job **jobs,
		    size_t n, int timeout_ms);

/*
 * batcher_run_fn and batcher_weight_fn for group commit: a batch of jobs
 * (struct ingest_job *) runs as one group on its lane's connection
 * (struct ingest_lane *), weighed by its events.  Requests are spread
 * over the lanes by their key, so one app's rollup rows are written by
 * one lane: lanes never wait on each other's row locks (but while a key
 * is rotated, when two keys of one app may take two lanes; then one
 * waits for the other, and never deadlocks: every group locks its rollup
 * rows in one sorted order).
 */
void		ingest_lane_run(void *lane, void **jobs, size_t n);
size_t		ingest_job_weight(const void *job);
/*
 * batcher_idle_fn: after a large group, close the lane's connection
 * (libpq keeps its buffers at the largest message sent for as long as
 * the connection lives) and give free memory back to the system.
 */
void		ingest_lane_idle(void *lane);

/*
 * The shippers' adapters (otlp.c, loki.c) fill a job themselves:
 * ingest_open checks the method and the key's shape and reads the body
 * after its Content-Encoding (bounded, gzip included) into *body (free
 * it); the adapter checks its media type (refusing with ingest_refuse),
 * hands each event to ingest_add (a ship_add_fn: the /ingest validator
 * and encoder, one event at a time, so that a bad one is refused
 * alone), and seals the job with ingest_seal.  Then ingest_run and
 * ingest_outcome, and the adapter answers in its protocol's terms.
 */
enum ax_err	ingest_open(struct ingest *in, struct req *r,
		    struct ingest_job *job, char **body, size_t *len);
/* Refuse with e, the key looked up first (a wrong key is a 401). */
enum ax_err	ingest_refuse(struct ingest_job *job, enum ax_err e,
		    const char *msg);
int		ingest_add(void *job, const char *event, size_t len,
		    char *why, size_t whysize);
enum ax_err	ingest_seal(struct ingest_job *job);

/* Run a job ingest_read or an adapter filled: alone or through a lane. */
void		ingest_run(struct ingest *in, struct ingest_job *job);

/*
 * The verdict on a job that ran (or was refused before): AX_OK with
 * job->accepted and job->duplicates, or the error, with msg the text
 * for the client ("" for the default) and, on AX_ERR_UNAVAILABLE, the
 * cause recorded in p for the log.
 */
enum ax_err	ingest_outcome(struct ingest_job *job, struct resp *p,
		    char *msg, size_t size);

/* Answer the request from its job's verdict and outcome. */
void		ingest_answer(struct ingest_job *job, struct resp *p);

void		ingest_job_free(struct ingest_job *job);

/* server_handler: read, run (alone or through a lane), answer. */
void		ingest_handle(struct req *r, struct resp *p, void *ctx);

#endif
