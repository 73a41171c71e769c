/*
 * batcher.h: group work that many threads submit into batches, each run
 * by one of a few lane threads.  A submitting thread blocks until its
 * item's batch has run.  A lane takes everything queued for it when it
 * becomes free, up to a weight (no timer: alone at low load, whatever
 * arrived during the previous batch under load), so the batch size
 * follows the load.  The caller picks each item's lane; items of one
 * lane run one batch at a time, in order.
 *
 * It knows nothing of what an item is: the run and weight callbacks do.
 */
#ifndef AXLOG_BATCHER_H
#define AXLOG_BATCHER_H

#include <stddef.h>

/* Run items[0..n) on the lane whose context is lane_ctx. */
typedef void	(*batcher_run_fn)(void *lane_ctx, void **items, size_t n);
/* An item's share of a batch's max_weight (at least 1). */
typedef size_t	(*batcher_weight_fn)(const void *item);
/* The lane whose context is lane_ctx has had nothing to run for a while. */
typedef void	(*batcher_idle_fn)(void *lane_ctx);

struct batcher;

/*
 * Start nlanes threads; lane i runs its batches with lane_ctx[i] (which
 * must outlive the batcher).  max_items bounds each lane's queue,
 * max_weight a batch (a heavier single item still runs, alone).  NULL
 * when a thread or memory cannot be had; nothing is left running then.
 */
struct batcher	*batcher_start(size_t nlanes, void *const *lane_ctx,
		    size_t max_items, size_t max_weight, batcher_run_fn run,
		    batcher_weight_fn weight);

/*
 * Queue item on lane (modulo the number of lanes) and wait until its
 * batch has run: 0.  -1 at once, item not run, when that lane's queue is
 * full or the batcher is stopping.
 */
int		 batcher_submit(struct batcher *b, size_t lane, void *item);

/*
 * Call idle on a lane's thread once its queue has stayed empty for
 * idle_ms after a batch: once per quiet spell, never while it has work.
 */
void		 batcher_set_idle(struct batcher *b, batcher_idle_fn idle,
		    int idle_ms);

/* Run what is queued, then join the lane threads and free everything. */
void		 batcher_stop(struct batcher *b);

#endif
