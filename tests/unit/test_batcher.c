/*
 * test_batcher: the lanes of group commit without a database: every item
 * runs once, on the lane it was given, in batches no heavier than the
 * bound; a full queue refuses at once; stop joins the threads; the idle
 * callback comes once per quiet spell after work.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "batcher.h"

#define NLANES		3
#define NTHREADS	24
#define PER_THREAD	200

struct item {
	size_t		 lane;		/* asked for */
	size_t		 weight;
	atomic_int	 runs;		/* times run */
	size_t		 ran_on;	/* lane that ran it */
};

struct lane_ctx {
	size_t		 id;
	size_t		 max_batch_weight;	/* seen */
	size_t		 batches;
	atomic_int	 busy;		/* batches running now on this lane */
	int		 overlapped;	/* two batches of one lane at once */
	useconds_t	 delay;
};

static size_t
weight(const void *p)
{
	return ((const struct item *)p)->weight;
}

static void
run(void *ctx, void **items, size_t n)
{
	struct lane_ctx	*l = ctx;
	size_t		 i, w = 0;

	if (atomic_fetch_add(&l->busy, 1) != 0)
		l->overlapped = 1;
	for (i = 0; i < n; i++) {
		struct item *it = items[i];

		atomic_fetch_add(&it->runs, 1);
		it->ran_on = l->id;
		w += it->weight;
	}
	if (n > 1 && w > l->max_batch_weight)
		l->max_batch_weight = w;
	l->batches++;
	if (l->delay > 0)
		usleep(l->delay);
	atomic_fetch_sub(&l->busy, 1);
}

static struct batcher	*b;
static struct lane_ctx	 lanes[NLANES];
static struct item	 items[NTHREADS][PER_THREAD];

static void *
submitter(void *arg)
{
	struct item	*mine = arg;
	size_t		 i;

	for (i = 0; i < PER_THREAD; i++)
		cr_assert_eq(batcher_submit(b, mine[i].lane, &mine[i]), 0);
	return NULL;
}

Test(batcher, every_item_runs_once_on_its_lane_within_the_weight)
{
	pthread_t	 t[NTHREADS];
	void		*ctx[NLANES];
	size_t		 i, j;

	memset(lanes, 0, sizeof(lanes));
	for (i = 0; i < NLANES; i++) {
		lanes[i].id = i;
		lanes[i].delay = 200;
		ctx[i] = &lanes[i];
	}
	for (i = 0; i < NTHREADS; i++)
		for (j = 0; j < PER_THREAD; j++) {
			items[i][j].lane = i + j;	/* taken modulo NLANES */
			items[i][j].weight = 1 + (i * j) % 7;
			atomic_init(&items[i][j].runs, 0);
		}
	cr_assert_not_null(b = batcher_start(NLANES, ctx, NTHREADS, 20, run,
	    weight));
	for (i = 0; i < NTHREADS; i++)
		cr_assert_eq(pthread_create(&t[i], NULL, submitter, items[i]), 0);
	for (i = 0; i < NTHREADS; i++)
		cr_assert_eq(pthread_join(t[i], NULL), 0);
	batcher_stop(b);
	for (i = 0; i < NTHREADS; i++)
		for (j = 0; j < PER_THREAD; j++) {
			cr_assert_eq(atomic_load(&items[i][j].runs), 1);
			cr_assert_eq(items[i][j].ran_on, (i + j) % NLANES);
		}
	for (i = 0; i < NLANES; i++) {
		cr_assert_leq(lanes[i].max_batch_weight, 20);
		cr_assert_not(lanes[i].overlapped);
		/* Under this load batches formed: fewer than the items. */
		cr_assert_lt(lanes[i].batches, NTHREADS * PER_THREAD / NLANES);
	}
}

/* The one lane sleeps in its first batch while the queue fills. */
static struct lane_ctx	slow;
static struct item	held[3];

static void *
submit_held(void *arg)
{
	(void)batcher_submit(b, 0, arg);
	return NULL;
}

Test(batcher, a_full_queue_refuses_at_once)
{
	pthread_t	 t[3];
	void		*ctx[1] = { &slow };
	struct item	 extra = { 0, 1, 0, 0 };
	size_t		 i;

	memset(&slow, 0, sizeof(slow));
	slow.delay = 300000;
	cr_assert_not_null(b = batcher_start(1, ctx, 2, 1, run, weight));
	for (i = 0; i < 3; i++) {
		held[i].weight = 1;
		atomic_init(&held[i].runs, 0);
		cr_assert_eq(pthread_create(&t[i], NULL, submit_held, &held[i]), 0);
		usleep(50000);	/* the first is running, then two queued */
	}
	cr_assert_eq(batcher_submit(b, 0, &extra), -1);
	cr_assert_eq(atomic_load(&extra.runs), 0);
	for (i = 0; i < 3; i++)
		cr_assert_eq(pthread_join(t[i], NULL), 0);
	batcher_stop(b);
	for (i = 0; i < 3; i++)
		cr_assert_eq(atomic_load(&held[i].runs), 1);
}

Test(batcher, refuses_nonsense_at_start)
{
	void	*ctx[1] = { &slow };

	cr_assert_null(batcher_start(0, ctx, 1, 1, run, weight));
	cr_assert_null(batcher_start(1, ctx, 0, 1, run, weight));
	cr_assert_null(batcher_start(1, ctx, 1, 0, run, weight));
	batcher_stop(NULL);
}

static atomic_int	idles;

static void
count_idle(void *ctx)
{
	(void)ctx;
	atomic_fetch_add(&idles, 1);
}

Test(batcher, idle_once_per_quiet_spell_after_work)
{
	struct lane_ctx	 l;
	void		*ctx[1] = { &l };
	struct item	 it = { 0, 1, 0, 0 };
	struct batcher	*bt;

	memset(&l, 0, sizeof(l));
	atomic_init(&idles, 0);
	cr_assert_not_null(bt = batcher_start(1, ctx, 4, 10, run, weight));
	batcher_set_idle(bt, count_idle, 50);
	usleep(200000);
	cr_assert_eq(atomic_load(&idles), 0, "idle before any work");
	cr_assert_eq(batcher_submit(bt, 0, &it), 0);
	usleep(300000);
	cr_assert_eq(atomic_load(&idles), 1, "one quiet spell, one call");
	cr_assert_eq(batcher_submit(bt, 0, &it), 0);
	cr_assert_eq(batcher_submit(bt, 0, &it), 0);
	usleep(300000);
	cr_assert_eq(atomic_load(&idles), 2);
	batcher_stop(bt);
	cr_assert_eq(atomic_load(&it.runs), 3);
}
