/*
 * commit.h: group commit.  In FastCGI mode axlog-ingest serves requests
 * on several threads; each reads and validates its request on its own,
 * then hands the job to the process's one committer, which owns the
 * database connection.  The committer takes everything queued when it
 * becomes free (no timer: alone at low load, whatever arrived during the
 * previous commit under load), runs it as one transaction, and only then
 * releases each waiting request with its own outcome.
 */
#ifndef AXLOG_COMMIT_H
#define AXLOG_COMMIT_H

#include <stddef.h>

#include "db.h"

struct commit;
struct ingest_job;

/*
 * Start the committer thread on db (which it alone uses from now on).
 * max_jobs bounds the queue (one job per request thread is enough),
 * max_events a group.  timeout_ms is each group's database deadline.
 * NULL when the thread cannot start.
 */
struct commit	*commit_start(struct db *db, size_t max_jobs,
		    size_t max_events, int timeout_ms);

/*
 * Queue job and wait until the committer has run it (its err, res...
 * set).  A full queue fails the job at once as unavailable.
 */
void		 commit_submit(struct commit *c, struct ingest_job *job);

#endif
