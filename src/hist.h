/*
 * hist.h: the latency histogram of the rollups (sql/002_rollups.sql):
 * fixed log-scale buckets, mergeable by adding counts, read as
 * nearest-rank percentiles.
 */
#ifndef AXLOG_HIST_H
#define AXLOG_HIST_H

#include <stdint.h>

#define HIST_BUCKETS	331		/* 0 .. 330 */
#define HIST_BASE_MS	0.001		/* lower edge of bucket 1 */
#define HIST_GROWTH	1.08		/* each bucket's width ratio */

struct hist {
	uint64_t	count[HIST_BUCKETS];
	uint64_t	n;
};

/* The bucket of d, as axlog.hist_bucket() computes it. */
int	hist_bucket(double d);
/* The value a bucket stands for: its geometric middle (0 for bucket 0). */
double	hist_value(int bucket);
/* Add count to bucket b (ignored when out of range). */
void	hist_add(struct hist *h, long b, uint64_t count);
void	hist_merge(struct hist *into, const struct hist *from);
/*
 * Add a rollup's histogram in PostgreSQL's text form of an int8[]
 * indexed by bucket, NULL for an empty bucket (sql/004_hist_indexed.sql):
 * "{3,NULL,1}" from bucket 1, or "[0:2]={3,NULL,1}".  -1 when the text
 * is not such an array; counts before the fault are added all the same.
 */
int	hist_add_text(struct hist *h, const char *text);
/*
 * Nearest-rank percentile pct (1..100), as percentile_disc(pct/100):
 * the value of the bucket holding the ceil(pct/100 * n)-th smallest
 * duration.  -1 when empty.
 */
double	hist_percentile(const struct hist *h, unsigned pct);

#endif
