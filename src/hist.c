/*
 * hist.c: log-scale histogram arithmetic.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hist.h"

/*
 * ln(1.08) as axlog.hist_bucket has it: SQL's ln() of the exact decimal
 * 1.08, then made a double.  log(HIST_GROWTH) would be the logarithm of
 * the double nearest 1.08, six units in the last place away, enough to
 * put a duration on a bucket's edge one bucket off from SQL's.
 */
#define HIST_LN_GROWTH	0.076961041136128325

int
hist_bucket(double d)
{
	double	b;

	if (!(d > 0))
		return 0;
	if (d < HIST_BASE_MS)
		return 1;
	b = 1 + floor(log(d / HIST_BASE_MS) / HIST_LN_GROWTH);
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

/* A decimal count; NULL when there is none or it overflows. */
static const char *
parse_count(const char *s, uint64_t *out)
{
	uint64_t	v = 0;
	const char	*p;

	for (p = s; *p >= '0' && *p <= '9'; p++) {
		if (v > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
			return NULL;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	*out = v;
	return p == s ? NULL : p;
}

/* "[lo:hi]=" if present: the subscripts (else 1 and -1, unknown). */
static const char *
parse_bounds(const char *s, long *lo, long *hi)
{
	char	*end;

	*lo = 1;
	*hi = -1;
	if (*s != '[')
		return s;
	*lo = strtol(s + 1, &end, 10);
	if (*end != ':')
		return NULL;
	*hi = strtol(end + 1, &end, 10);
	if (end[0] != ']' || end[1] != '=')
		return NULL;
	return end + 2;
}

int
hist_add_text(struct hist *h, const char *s)
{
	long		lo, hi, b;
	uint64_t	c;

	if ((s = parse_bounds(s, &lo, &hi)) == NULL || *s++ != '{')
		return -1;
	if (*s == '}')
		return s[1] == '\0' ? 0 : -1;
	for (b = lo;; b++) {
		if (strncmp(s, "NULL", 4) == 0)
			s += 4;
		else if (b < 0 || b >= HIST_BUCKETS ||
		    (s = parse_count(s, &c)) == NULL)
			return -1;
		else
			hist_add(h, b, c);
		if (*s == '}')
			return s[1] == '\0' && (hi < 0 || hi == b) ? 0 : -1;
		if (*s++ != ',')
			return -1;
	}
}
