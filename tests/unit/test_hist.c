/*
 * test_hist.c: the rollups' log-scale latency histogram: bucket edges,
 * the value each bucket stands for, merging, and nearest-rank
 * percentiles checked against an exact computation on raw samples.
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "hist.h"

#ifndef M_PI
#define M_PI	3.14159265358979323846
#endif

/* Lower edge of bucket b >= 1. */
static double
edge(int b)
{
	return HIST_BASE_MS * pow(HIST_GROWTH, b - 1);
}

static double
rel_err(double got, double want)
{
	return fabs(got - want) / want;
}

/* A histogram holding the durations d[0..n). */
static void
fill(struct hist *h, const double *d, size_t n)
{
	size_t	i;

	memset(h, 0, sizeof(*h));
	for (i = 0; i < n; i++)
		hist_add(h, hist_bucket(d[i]), 1);
}

Test(hist, zero_is_bucket_zero)
{
	cr_assert_eq(hist_bucket(0), 0);
	cr_assert_eq(hist_bucket(-0.0), 0);
}

Test(hist, negative_is_bucket_zero)
{
	cr_assert_eq(hist_bucket(-1), 0);
	cr_assert_eq(hist_bucket(-1e-300), 0);
	cr_assert_eq(hist_bucket(-INFINITY), 0);
}

Test(hist, nan_is_bucket_zero)
{
	cr_assert_eq(hist_bucket(NAN), 0);
	cr_assert_eq(hist_bucket(-NAN), 0);
}

Test(hist, below_base_is_bucket_one)
{
	cr_assert_eq(hist_bucket(0.0005), 1);
	cr_assert_eq(hist_bucket(DBL_MIN), 1);
	cr_assert_eq(hist_bucket(HIST_BASE_MS), 1);
	cr_assert_eq(hist_bucket(0.001), 1);
}

Test(hist, lower_edge_lands_in_its_bucket)
{
	int	b;

	for (b = 1; b <= HIST_BUCKETS - 2; b++)
		cr_assert_eq(hist_bucket(edge(b) * (1 + 1e-9)), b,
		    "lower edge of %d", b);
}

Test(hist, just_below_upper_edge_stays_in_its_bucket)
{
	int	b;

	for (b = 1; b <= HIST_BUCKETS - 2; b++)
		cr_assert_eq(hist_bucket(edge(b + 1) * (1 - 1e-9)), b,
		    "just below upper edge of %d", b);
}

Test(hist, huge_values_are_the_last_bucket)
{
	cr_assert_eq(hist_bucket(edge(HIST_BUCKETS - 1) * (1 + 1e-9)),
	    HIST_BUCKETS - 1);
	cr_assert_eq(hist_bucket(1e12), HIST_BUCKETS - 1);
	cr_assert_eq(hist_bucket(DBL_MAX), HIST_BUCKETS - 1);
	cr_assert_eq(hist_bucket(INFINITY), HIST_BUCKETS - 1);
}

Test(hist, value_of_bucket_zero_is_zero)
{
	cr_assert_eq(hist_value(0), 0.0);
}

Test(hist, value_is_within_4_percent_of_every_value_in_its_bucket)
{
	double	v, lo, hi;
	int	b;

	for (b = 1; b <= HIST_BUCKETS - 1; b++) {
		v = hist_value(b);
		lo = edge(b) * (1 + 1e-9);
		hi = edge(b + 1) * (1 - 1e-9);
		cr_assert_eq(hist_bucket(v), b, "value of %d is outside it", b);
		cr_assert_leq(rel_err(v, lo), 0.04, "bucket %d: %g vs %g", b,
		    v, lo);
		/* The last bucket is open above; its first width counts. */
		cr_assert_leq(rel_err(v, hi), 0.04, "bucket %d: %g vs %g", b,
		    v, hi);
	}
}

Test(hist, add_out_of_range_is_ignored)
{
	struct hist	h;

	memset(&h, 0, sizeof(h));
	hist_add(&h, -1, 5);
	hist_add(&h, HIST_BUCKETS, 5);
	hist_add(&h, 100000L, 5);
	cr_assert_eq(h.n, 0);
	hist_add(&h, HIST_BUCKETS - 1, 2);
	cr_assert_eq(h.n, 2);
	cr_assert_eq(h.count[HIST_BUCKETS - 1], 2);
}

Test(hist, percentiles_of_1_to_100_ms)
{
	double		d[100];
	struct hist	h;
	int		i;

	for (i = 0; i < 100; i++)
		d[i] = i + 1;
	fill(&h, d, 100);
	cr_assert_eq(h.n, 100);
	cr_assert_leq(rel_err(hist_percentile(&h, 50), 50), 0.04);
	cr_assert_leq(rel_err(hist_percentile(&h, 95), 95), 0.04);
	cr_assert_leq(rel_err(hist_percentile(&h, 99), 99), 0.04);
	cr_assert_leq(rel_err(hist_percentile(&h, 100), 100), 0.04);
	cr_assert_leq(rel_err(hist_percentile(&h, 1), 1), 0.04);
}

/* Nearest rank: the ceil(p/100 * n)-th value, never an interpolation. */
Test(hist, percentile_takes_the_ceil_rank_not_the_next)
{
	struct hist	h;

	memset(&h, 0, sizeof(h));
	hist_add(&h, 10, 50);
	hist_add(&h, 200, 50);
	cr_assert_eq(hist_percentile(&h, 50), hist_value(10));
	cr_assert_eq(hist_percentile(&h, 51), hist_value(200));
	memset(&h, 0, sizeof(h));
	hist_add(&h, 10, 1);
	hist_add(&h, 200, 2);
	/* ceil(0.34 * 3) = 2: the second smallest. */
	cr_assert_eq(hist_percentile(&h, 33), hist_value(10));
	cr_assert_eq(hist_percentile(&h, 34), hist_value(200));
}

Test(hist, single_value_is_every_percentile)
{
	struct hist	h;
	double		d = 12.5;
	unsigned	p;

	fill(&h, &d, 1);
	for (p = 1; p <= 100; p++)
		cr_assert_leq(rel_err(hist_percentile(&h, p), d), 0.04,
		    "p%u", p);
}

Test(hist, all_zeros_give_zero)
{
	struct hist	h;

	memset(&h, 0, sizeof(h));
	hist_add(&h, hist_bucket(0), 7);
	cr_assert_eq(hist_percentile(&h, 50), 0.0);
	cr_assert_eq(hist_percentile(&h, 100), 0.0);
}

Test(hist, empty_gives_minus_one)
{
	struct hist	h;

	memset(&h, 0, sizeof(h));
	cr_assert_eq(hist_percentile(&h, 50), -1);
	cr_assert_eq(hist_percentile(&h, 100), -1);
}

Test(hist, pct_out_of_range_gives_minus_one)
{
	struct hist	h;

	memset(&h, 0, sizeof(h));
	hist_add(&h, 100, 3);
	cr_assert_eq(hist_percentile(&h, 0), -1);
	cr_assert_eq(hist_percentile(&h, 101), -1);
	cr_assert_eq(hist_percentile(&h, 1000), -1);
}

/* xorshift64*: the same samples on every libc. */
static uint64_t
next_u64(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * UINT64_C(2685821657736338717);
}

/* Uniform in (0, 1). */
static double
uniform(uint64_t *s)
{
	return ((double)(next_u64(s) >> 11) + 0.5) / 9007199254740992.0;
}

static int
cmp_double(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

Test(hist, percentiles_of_lognormal_samples_are_within_5_percent_of_exact)
{
	const unsigned	pcts[] = { 50, 95, 99 };
	double		d[1000], exact, got;
	struct hist	h;
	uint64_t	seed = UINT64_C(0x9e3779b97f4a7c15);
	size_t		i, n = sizeof(d) / sizeof(d[0]), rank;

	/* Box-Muller: median 20 ms, sigma 1.5, so 0.1 ms to seconds. */
	for (i = 0; i < n; i++)
		d[i] = exp(log(20.0) + 1.5 * sqrt(-2 * log(uniform(&seed))) *
		    cos(2 * M_PI * uniform(&seed)));
	fill(&h, d, n);
	qsort(d, n, sizeof(d[0]), cmp_double);
	for (i = 0; i < sizeof(pcts) / sizeof(pcts[0]); i++) {
		rank = (pcts[i] * n + 99) / 100;	/* ceil, 1-based */
		exact = d[rank - 1];
		got = hist_percentile(&h, pcts[i]);
		cr_assert_leq(rel_err(got, exact), 0.05, "p%u: %g vs exact %g",
		    pcts[i], got, exact);
	}
}

Test(hist, merge_adds_counts_and_n)
{
	struct hist	a, b;
	int		i;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	hist_add(&a, 0, 1);
	hist_add(&a, 5, 2);
	hist_add(&a, HIST_BUCKETS - 1, 3);
	hist_add(&b, 5, 10);
	hist_add(&b, 7, 20);
	hist_merge(&a, &b);
	cr_assert_eq(a.n, 36);
	cr_assert_eq(a.count[0], 1);
	cr_assert_eq(a.count[5], 12);
	cr_assert_eq(a.count[7], 20);
	cr_assert_eq(a.count[HIST_BUCKETS - 1], 3);
	for (i = 0; i < HIST_BUCKETS; i++)
		if (i != 0 && i != 5 && i != 7 && i != HIST_BUCKETS - 1)
			cr_assert_eq(a.count[i], 0, "bucket %d", i);
	cr_assert_eq(b.n, 30, "merge changed its source");
	cr_assert_eq(b.count[5], 10);
}

Test(hist, merged_percentile_equals_percentile_of_all_samples)
{
	double		d[200];
	struct hist	a, b, all;
	unsigned	p;
	int		i;

	for (i = 0; i < 200; i++)
		d[i] = 0.5 + (i * 37 % 200) * 1.7;
	fill(&a, d, 80);
	fill(&b, d + 80, 120);
	fill(&all, d, 200);
	hist_merge(&a, &b);
	cr_assert_eq(memcmp(&a, &all, sizeof(a)), 0);
	for (p = 1; p <= 100; p++)
		cr_assert_eq(hist_percentile(&a, p), hist_percentile(&all, p),
		    "p%u", p);
}

/* The rollups' text form (sql/004_hist_indexed.sql). */
Test(hist_text, from_bucket_one_without_bounds)
{
	struct hist	h;

	memset(&h, 0, sizeof(h));
	cr_assert_eq(hist_add_text(&h, "{3,NULL,1}"), 0);
	cr_assert_eq(h.count[1], 3);
	cr_assert_eq(h.count[2], 0);
	cr_assert_eq(h.count[3], 1);
	cr_assert_eq(h.n, 4);
}

Test(hist_text, with_bounds_and_bucket_zero)
{
	struct hist	h;

	memset(&h, 0, sizeof(h));
	cr_assert_eq(hist_add_text(&h, "[0:2]={5,NULL,7}"), 0);
	cr_assert_eq(hist_add_text(&h, "[330:330]={2}"), 0);
	cr_assert_eq(hist_add_text(&h, "[2:2]={1}"), 0);
	cr_assert_eq(h.count[0], 5);
	cr_assert_eq(h.count[2], 8);
	cr_assert_eq(h.count[330], 2);
	cr_assert_eq(h.n, 15);
}

Test(hist_text, empty_array_adds_nothing)
{
	struct hist	h;

	memset(&h, 0, sizeof(h));
	cr_assert_eq(hist_add_text(&h, "{}"), 0);
	cr_assert_eq(h.n, 0);
}

Test(hist_text, malformed_is_refused)
{
	static const char *const bad[] = {
		"", "{", "{1", "{1,}", "{,1}", "{a}", "{-1}", "{1} ", "[1:2]={1}",
		"[0:1]={1,2,3}", "[331:331]={1}", "[-1:-1]={1}", "[0:0]{1}",
		"[0;0]={1}", "{18446744073709551616}", "{1 ,2}", "NULL",
	};
	struct hist	h;
	size_t		i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&h, 0, sizeof(h));
		cr_expect_eq(hist_add_text(&h, bad[i]), -1, "accepted \"%s\"",
		    bad[i]);
	}
}

Test(hist_text, largest_count)
{
	struct hist	h;

	memset(&h, 0, sizeof(h));
	cr_assert_eq(hist_add_text(&h, "{18446744073709551615}"), 0);
	cr_assert_eq(h.count[1], UINT64_MAX);
}
