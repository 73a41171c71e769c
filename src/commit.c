/*
 * commit.c: the committer thread and its queue.  The queue holds the
 * waiting requests' entries, which live on their threads' stacks; each
 * request thread waits for its own entry's done flag, and one broadcast
 * after every group wakes them.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "commit.h"
#include "ingest.h"

struct entry {
	struct ingest_job	*job;
	int			 done;	/* set by the committer, under lock */
};

struct commit {
	struct db		*db;
	int			 timeout_ms;
	size_t			 max_jobs, max_events;
	pthread_mutex_t		 lock;
	pthread_cond_t		 queued;	/* a job was queued */
	pthread_cond_t		 done;		/* a group was finished */
	struct entry		**queue;	/* max_jobs slots */
	size_t			 nqueue;
	pthread_t		 thread;
};

/* The events a job adds to a group (a key check counts as one). */
static size_t
weight(const struct ingest_job *job)
{
	return job->key_only || job->batch.n == 0 ? 1 : job->batch.n;
}

/* Take the head of the queue, up to max_events (always at least one). */
static size_t
take(struct commit *c, struct entry **group, struct ingest_job **jobs)
{
	size_t	n = 0, events = 0, i;

	while (n < c->nqueue && (n == 0 ||
	    events + weight(c->queue[n]->job) <= c->max_events)) {
		events += weight(c->queue[n]->job);
		group[n] = c->queue[n];
		jobs[n] = c->queue[n]->job;
		n++;
	}
	for (i = n; i < c->nqueue; i++)
		c->queue[i - n] = c->queue[i];
	c->nqueue -= n;
	return n;
}

static void *
run(void *arg)
{
	struct commit		*c = arg;
	struct entry		**group;
	struct ingest_job	**jobs;
	size_t			 n, i;

	group = calloc(c->max_jobs, sizeof(*group));
	jobs = calloc(c->max_jobs, sizeof(*jobs));
	if (group == NULL || jobs == NULL)
		abort();	/* at start-up only: nothing to lose yet */
	pthread_mutex_lock(&c->lock);
	for (;;) {
		while (c->nqueue == 0)
			pthread_cond_wait(&c->queued, &c->lock);
		n = take(c, group, jobs);
		pthread_mutex_unlock(&c->lock);
		db_set_timeout(c->db, c->timeout_ms);
		ingest_run_group(c->db, jobs, n, c->timeout_ms);
		pthread_mutex_lock(&c->lock);
		for (i = 0; i < n; i++)
			group[i]->done = 1;
		pthread_cond_broadcast(&c->done);
	}
	return NULL;
}

struct commit *
commit_start(struct db *db, size_t max_jobs, size_t max_events,
    int timeout_ms)
{
	struct commit	*c;

	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->queue = calloc(max_jobs, sizeof(*c->queue))) == NULL)
		goto fail;
	c->db = db;
	c->max_jobs = max_jobs;
	c->max_events = max_events;
	c->timeout_ms = timeout_ms;
	if (pthread_mutex_init(&c->lock, NULL) != 0 ||
	    pthread_cond_init(&c->queued, NULL) != 0 ||
	    pthread_cond_init(&c->done, NULL) != 0 ||
	    pthread_create(&c->thread, NULL, run, c) != 0)
		goto fail;
	return c;
fail:
	if (c != NULL)
		free(c->queue);
	free(c);
	return NULL;
}

void
commit_submit(struct commit *c, struct ingest_job *job)
{
	struct entry	e = { job, 0 };

	pthread_mutex_lock(&c->lock);
	if (c->nqueue == c->max_jobs) {
		pthread_mutex_unlock(&c->lock);
		job->err = DB_UNAVAILABLE;
		snprintf(job->errmsg, sizeof(job->errmsg), "commit queue full");
		return;
	}
	c->queue[c->nqueue++] = &e;
	pthread_cond_signal(&c->queued);
	while (!e.done)
		pthread_cond_wait(&c->done, &c->lock);
	pthread_mutex_unlock(&c->lock);
}
