/*
 * hist.c: log-scale histogram arithmetic.
 */
#include <math.h>

#include "hist.h"

int
hist_bucket(double d)
{
	double	b;

	if (!(d > 0))
		return 0;
	if (d < HIST_BASE_MS)
		return 1;
	b = 1 + floor(log(d / HIST_BASE_MS) / log(HIST_GROWTH));
	return b > HIST_BUCKETS - 1 ? HIST_BUCKETS - 1 : (int)b;
}

double
hist_value(int b)
{
	if (b <= 0)
		return 0;
	return HIST_BASE_MS * pow(HIST_GROWTH, b - 1) * sqrt(HIST_GROWTH);
}

void
hist_add(struct hist *h, long b, uint64_t count)
{
	if (b < 0 || b >= HIST_BUCKETS)
		return;
	h->count[b] += count;
	h->n += count;
}

void
hist_merge(struct hist *into, const struct hist *from)
{
	int	i;

	for (i = 0; i < HIST_BUCKETS; i++)
		into->count[i] += from->count[i];
	into->n += from->n;
}

double
hist_percentile(const struct hist *h, unsigned pct)
{
	uint64_t	rank, seen = 0;
	int		i;

	if (h->n == 0 || pct == 0 || pct > 100)
		return -1;
	/* ceil(pct/100 * n) in integers: no rounding at exact ranks. */
	rank = (pct * h->n + 99) / 100;
	for (i = 0; i < HIST_BUCKETS; i++) {
		seen += h->count[i];
		if (seen >= rank)
			return hist_value(i);
	}
	return hist_value(HIST_BUCKETS - 1);
}
