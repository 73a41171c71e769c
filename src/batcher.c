/*
 * batcher.c: the lanes and their queues.  A queue holds the waiting
 * submitters' entries, which live on their threads' stacks; each
 * submitter waits for its own entry's done flag, and one broadcast after
 * every batch wakes that lane's waiters.  Lanes share nothing, so a slow
 * batch on one never holds up another.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "batcher.h"

struct entry {
	void	*item;
	int	 done;		/* set by the lane, under its lock */
};

struct lane {
	struct batcher		*b;
	void			*ctx;
	pthread_mutex_t		 lock;
	pthread_cond_t		 queued;	/* an entry was queued, or stop */
	pthread_cond_t		 done;		/* a batch was finished */
	struct entry		**queue;	/* max_items slots */
	size_t			 nqueue;
	struct entry		**batch;	/* the lane's scratch: */
	void			**items;	/* max_items slots each */
	int			 stopping;
	int			 ran;		/* a batch since the last idle */
	int			 inited;	/* lock and conditions made */
	int			 started;	/* the thread runs: join it */
	pthread_t		 thread;
};

struct batcher {
	struct lane		*lanes;
	size_t			 nlanes;
	size_t			 max_items, max_weight;
	batcher_run_fn		 run;
	batcher_weight_fn	 weight;
	batcher_idle_fn		 idle;		/* set under every lane's lock */
	int			 idle_ms;
};

static size_t
weight_of(const struct batcher *b, const struct entry *e)
{
	size_t	w = b->weight(e->item);

	return w > 0 ? w : 1;
}

/* Take the head of the queue, up to max_weight (always at least one). */
static size_t
take(struct lane *l, struct entry **batch, void **items)
{
	struct batcher	*b = l->b;
	size_t		 n = 0, total = 0, i;

	while (n < l->nqueue && (n == 0 ||
	    total + weight_of(b, l->queue[n]) <= b->max_weight)) {
		total += weight_of(b, l->queue[n]);
		batch[n] = l->queue[n];
		items[n] = l->queue[n]->item;
		n++;
	}
	for (i = n; i < l->nqueue; i++)
		l->queue[i - n] = l->queue[i];
	l->nqueue -= n;
	return n;
}

/*
 * Wait for work (the lock held).  After a batch, wait at most idle_ms
 * first, and when nothing came, tell the idle callback, unlocked.
 */
static void
lane_wait(struct lane *l)
{
	struct batcher	*b = l->b;
	struct timespec	 t;

	while (l->nqueue == 0 && !l->stopping) {
		if (!l->ran || b->idle == NULL) {
			pthread_cond_wait(&l->queued, &l->lock);
			continue;
		}
		clock_gettime(CLOCK_MONOTONIC, &t);
		t.tv_sec += b->idle_ms / 1000;
		t.tv_nsec += (long)(b->idle_ms % 1000) * 1000000;
		if (t.tv_nsec >= 1000000000) {
			t.tv_sec++;
			t.tv_nsec -= 1000000000;
		}
		if (pthread_cond_timedwait(&l->queued, &l->lock, &t) !=
		    ETIMEDOUT || l->nqueue > 0 || l->stopping)
			continue;
		l->ran = 0;
		pthread_mutex_unlock(&l->lock);
		b->idle(l->ctx);
		pthread_mutex_lock(&l->lock);
	}
}

static void *
lane_main(void *arg)
{
	struct lane	 *l = arg;
	struct entry	**batch = l->batch;
	void		**items = l->items;
	size_t		  n, i;

	pthread_mutex_lock(&l->lock);
	for (;;) {
		lane_wait(l);
		if (l->nqueue == 0)
			break;		/* stopping, and drained */
		n = take(l, batch, items);
		pthread_mutex_unlock(&l->lock);
		l->b->run(l->ctx, items, n);
		pthread_mutex_lock(&l->lock);
		for (i = 0; i < n; i++)
			batch[i]->done = 1;
		l->ran = 1;
		pthread_cond_broadcast(&l->done);
	}
	pthread_mutex_unlock(&l->lock);
	return NULL;
}

/* A condition whose timed waits count on CLOCK_MONOTONIC. */
static int
cond_init_monotonic(pthread_cond_t *c)
{
	pthread_condattr_t	a;
	int			rc;

	if (pthread_condattr_init(&a) != 0)
		return -1;
	rc = pthread_condattr_setclock(&a, CLOCK_MONOTONIC) == 0 &&
	    pthread_cond_init(c, &a) == 0 ? 0 : -1;
	(void)pthread_condattr_destroy(&a);
	return rc;
}

static int
lane_init(struct batcher *b, struct lane *l, void *ctx)
{
	l->b = b;
	l->ctx = ctx;
	if ((l->queue = calloc(b->max_items, sizeof(*l->queue))) == NULL ||
	    (l->batch = calloc(b->max_items, sizeof(*l->batch))) == NULL ||
	    (l->items = calloc(b->max_items, sizeof(*l->items))) == NULL)
		return -1;
	if (pthread_mutex_init(&l->lock, NULL) != 0)
		return -1;
	if (cond_init_monotonic(&l->queued) != 0) {
		(void)pthread_mutex_destroy(&l->lock);
		return -1;
	}
	if (pthread_cond_init(&l->done, NULL) != 0) {
		(void)pthread_cond_destroy(&l->queued);
		(void)pthread_mutex_destroy(&l->lock);
		return -1;
	}
	l->inited = 1;
	if (pthread_create(&l->thread, NULL, lane_main, l) != 0)
		return -1;
	l->started = 1;
	return 0;
}

struct batcher *
batcher_start(size_t nlanes, void *const *lane_ctx, size_t max_items,
    size_t max_weight, batcher_run_fn run, batcher_weight_fn weight)
{
	struct batcher	*b;
	size_t		 i;

	if (nlanes == 0 || max_items == 0 || max_weight == 0)
		return NULL;
	if ((b = calloc(1, sizeof(*b))) == NULL)
		return NULL;
	b->nlanes = nlanes;
	b->max_items = max_items;
	b->max_weight = max_weight;
	b->run = run;
	b->weight = weight;
	if ((b->lanes = calloc(nlanes, sizeof(*b->lanes))) == NULL) {
		free(b);
		return NULL;
	}
	for (i = 0; i < nlanes; i++)
		if (lane_init(b, &b->lanes[i], lane_ctx[i]) != 0) {
			batcher_stop(b);
			return NULL;
		}
	return b;
}

int
batcher_submit(struct batcher *b, size_t lane, void *item)
{
	struct lane	*l = &b->lanes[lane % b->nlanes];
	struct entry	 e = { item, 0 };

	pthread_mutex_lock(&l->lock);
	if (l->stopping || l->nqueue == b->max_items) {
		pthread_mutex_unlock(&l->lock);
		return -1;
	}
	l->queue[l->nqueue++] = &e;
	pthread_cond_signal(&l->queued);
	while (!e.done)
		pthread_cond_wait(&l->done, &l->lock);
	pthread_mutex_unlock(&l->lock);
	return 0;
}

void
batcher_set_idle(struct batcher *b, batcher_idle_fn idle, int idle_ms)
{
	size_t	i;

	for (i = 0; i < b->nlanes; i++)
		pthread_mutex_lock(&b->lanes[i].lock);
	b->idle = idle;
	b->idle_ms = idle_ms > 0 ? idle_ms : 1;
	for (i = b->nlanes; i-- > 0;)
		pthread_mutex_unlock(&b->lanes[i].lock);
}

void
batcher_stop(struct batcher *b)
{
	struct lane	*l;
	size_t		 i;

	if (b == NULL)
		return;
	for (i = 0; i < b->nlanes; i++) {
		l = &b->lanes[i];
		if (!l->started)
			continue;
		pthread_mutex_lock(&l->lock);
		l->stopping = 1;
		pthread_cond_signal(&l->queued);
		pthread_mutex_unlock(&l->lock);
		pthread_join(l->thread, NULL);
	}
	for (i = 0; i < b->nlanes; i++) {
		l = &b->lanes[i];
		if (l->inited) {
			(void)pthread_mutex_destroy(&l->lock);
			(void)pthread_cond_destroy(&l->queued);
			(void)pthread_cond_destroy(&l->done);
		}
		free(l->queue);
		free(l->batch);
		free(l->items);
	}
	free(b->lanes);
	free(b);
}
