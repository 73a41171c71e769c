/*
 * test_evcols.c: the binary arrays of pgbin.c byte by byte (header,
 * NULLs, empty array, concatenation, each element type's form), and the
 * rollup deltas of evcols.c against a count done here the slow way:
 * per (hour, type), events, errors, newest and histogram buckets, with
 * times before 1970, on the hour, and durations on bucket edges.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "evcols.h"
#include "hist.h"
#include "pgbin.h"
#include "timefmt.h"

static uint32_t
get32(const char *p)
{
	const unsigned char	*u = (const unsigned char *)p;

	return (uint32_t)u[0] << 24 | (uint32_t)u[1] << 16 |
	    (uint32_t)u[2] << 8 | u[3];
}

Test(pgbin, header_and_elements)
{
	struct pgbin	 a;
	char		*out;
	int		 len;

	pgbin_init(&a, PGBIN_INT4);
	pgbin_int4(&a, 7);
	pgbin_null(&a);
	pgbin_int4(&a, -1);
	out = pgbin_finish(&a, &len);
	cr_assert_not_null(out);
	cr_assert_eq(len, 20 + 8 + 4 + 8);
	cr_assert_eq(get32(out), 1);		/* ndim */
	cr_assert_eq(get32(out + 4), 1);	/* has nulls */
	cr_assert_eq(get32(out + 8), PGBIN_INT4);
	cr_assert_eq(get32(out + 12), 3);	/* size */
	cr_assert_eq(get32(out + 16), 1);	/* lower bound */
	cr_assert_eq(get32(out + 20), 4);
	cr_assert_eq(get32(out + 24), 7);
	cr_assert_eq(get32(out + 28), UINT32_MAX);	/* NULL */
	cr_assert_eq(get32(out + 32), 4);
	cr_assert_eq(get32(out + 36), UINT32_MAX);	/* -1 */
	free(out);
	pgbin_free(&a);
}

Test(pgbin, empty_array_has_no_dimension)
{
	struct pgbin	 a;
	char		*out;
	int		 len;

	pgbin_init(&a, PGBIN_TEXT);
	out = pgbin_finish(&a, &len);
	cr_assert_not_null(out);
	cr_assert_eq(len, 12);
	cr_assert_eq(get32(out), 0);
	cr_assert_eq(get32(out + 4), 0);
	cr_assert_eq(get32(out + 8), PGBIN_TEXT);
	free(out);
}

Test(pgbin, text_is_bytes_not_syntax)
{
	struct pgbin	 a;
	const char	*s = "{\"NULL\",}\\ ";
	char		*out;
	int		 len;

	pgbin_init(&a, PGBIN_TEXT);
	pgbin_text(&a, s);
	pgbin_text(&a, NULL);
	out = pgbin_finish(&a, &len);
	cr_assert_not_null(out);
	cr_assert_eq(get32(out + 20), strlen(s));
	cr_assert_eq(memcmp(out + 24, s, strlen(s)), 0);
	cr_assert_eq(get32(out + 24 + strlen(s)), UINT32_MAX);
	free(out);
	pgbin_free(&a);
}

Test(pgbin, element_forms)
{
	struct pgbin		 a;
	const unsigned char	 v4[4] = { 127, 0, 0, 1 };

	pgbin_init(&a, PGBIN_INET);
	pgbin_inet(&a, v4, 4);
	cr_assert_eq(a.len, 4 + 8);
	cr_assert_eq(a.buf[4], 2);		/* PGSQL_AF_INET */
	cr_assert_eq((unsigned char)a.buf[5], 32);
	cr_assert_eq(a.buf[6], 0);		/* not cidr */
	cr_assert_eq(a.buf[7], 4);
	cr_assert_eq(memcmp(a.buf + 8, v4, 4), 0);
	pgbin_inet(&a, v4, 5);			/* neither 4 nor 16 */
	cr_assert(a.err);
	pgbin_free(&a);

	pgbin_init(&a, PGBIN_JSONB);
	pgbin_jsonb(&a, "{}", 2);
	cr_assert_eq(get32(a.buf), 3);
	cr_assert_eq(a.buf[4], 1);		/* jsonb version */
	cr_assert_eq(memcmp(a.buf + 5, "{}", 2), 0);
	pgbin_free(&a);

	pgbin_init(&a, PGBIN_TIMESTAMPTZ);
	pgbin_timestamptz(&a, PGBIN_EPOCH_US + 1);	/* 2000-01-01 + 1 µs */
	cr_assert_eq(get32(a.buf + 4), 0);
	cr_assert_eq(get32(a.buf + 8), 1);
	pgbin_free(&a);

	pgbin_init(&a, PGBIN_FLOAT8);
	pgbin_float8(&a, 1.0);			/* 0x3ff0000000000000 */
	cr_assert_eq(get32(a.buf + 4), 0x3ff00000);
	cr_assert_eq(get32(a.buf + 8), 0);
	pgbin_free(&a);
}

Test(pgbin, concat_keeps_type_and_nulls)
{
	struct pgbin	a, b, c;

	pgbin_init(&a, PGBIN_INT8);
	pgbin_init(&b, PGBIN_INT8);
	pgbin_init(&c, PGBIN_TEXT);
	pgbin_int8(&a, 1);
	pgbin_null(&b);
	pgbin_int8(&b, 2);
	pgbin_concat(&a, &b);
	cr_assert_eq(a.n, 3);
	cr_assert(a.nulls);
	cr_assert_eq(a.len, 12 + 4 + 12);
	pgbin_concat(&a, &c);			/* empty: nothing, no error */
	cr_assert(!a.err);
	pgbin_text(&c, "x");
	pgbin_concat(&a, &c);			/* another type */
	cr_assert(a.err);
	cr_assert_null(pgbin_finish(&a, &(int){ 0 }));
	pgbin_free(&a);
	pgbin_free(&b);
	pgbin_free(&c);
}

/* Events for the delta test: a type, a time, a duration (<0 none), ok. */
struct ev {
	const char	*type;
	const char	*at;
	double		 ms;
	int		 ok;
};

static const struct ev evs[] = {
	{ "b", "2026-01-01T10:00:00Z", 1.0, 1 },
	{ "a", "2026-01-01T10:59:59.999999Z", -1, 0 },
	{ "a", "2026-01-01T10:00:00Z", 0.0017138242687795206, 1 },
	{ "a", "2026-01-01T11:00:00Z", 0.0017138242687795209, 0 },
	{ "b", "2026-01-01T10:30:00Z", 1.0, 0 },
	{ "a", "1969-12-31T23:59:59.5Z", 5.0, 1 },
	{ "a", "1969-12-31T23:00:00Z", 5.0, 1 },
	{ "a", "2026-01-01T10:15:00Z", 0.0017138242687795206, 1 },
};
#define NEVS	(sizeof(evs) / sizeof(evs[0]))

static struct json_object *
rows_of(void)
{
	struct json_object	*rows = json_object_new_array(), *o;
	size_t			 i;

	for (i = 0; i < NEVS; i++) {
		o = json_object_new_object();
		json_object_object_add(o, "event_type",
		    json_object_new_string(evs[i].type));
		json_object_object_add(o, "created_at",
		    json_object_new_string(evs[i].at));
		if (evs[i].ms >= 0)
			json_object_object_add(o, "duration_ms",
			    json_object_new_double(evs[i].ms));
		json_object_object_add(o, "success",
		    json_object_new_boolean(evs[i].ok));
		json_object_array_add(rows, o);
	}
	return rows;
}

static int64_t
us_of(const char *s)
{
	int64_t	us;

	cr_assert_eq(timefmt_parse(s, strlen(s), &us), 0, "%s", s);
	return us;
}

/* The delta of (hour, type) counted the slow way matches c's. */
static void
check_delta(const struct evcols *c, const struct evdelta *d)
{
	int64_t	events = 0, errors = 0, last = INT64_MIN, at, h;
	int64_t	buckets[HIST_BUCKETS] = { 0 };
	size_t	i;

	for (i = 0; i < NEVS; i++) {
		at = us_of(evs[i].at);
		h = (int64_t)floor((double)at / 3600e6) * INT64_C(3600000000);
		if (h != d->hour_us || strcmp(evs[i].type, d->type) != 0)
			continue;
		events++;
		errors += !evs[i].ok;
		last = at > last ? at : last;
		if (evs[i].ms >= 0)
			buckets[hist_bucket(evs[i].ms)]++;
	}
	cr_assert_eq(d->events, events, "%s at %lld", d->type,
	    (long long)d->hour_us);
	cr_assert_eq(d->errors, errors);
	cr_assert_eq(d->last_us, last);
	for (i = d->hist; i < d->hist + d->nhist; i++) {
		cr_assert_eq(buckets[c->hist[i].bucket], c->hist[i].count);
		buckets[c->hist[i].bucket] = 0;
	}
	for (i = 0; i < HIST_BUCKETS; i++)
		cr_assert_eq(buckets[i], 0, "bucket %zu left out", i);
}

Test(evcols, deltas_equal_a_slow_count)
{
	struct json_object	*rows = rows_of();
	struct evcols		 c;
	size_t			 i;
	int64_t			 sum = 0;

	cr_assert_eq(evcols_encode(&c, rows, 0), 0);
	cr_assert_eq(c.n, NEVS);
	/* a@10, b@10, a@11, a@1969-12-31T23 (both pre-1970 events) */
	cr_assert_eq(c.ndelta, 4);
	for (i = 0; i < c.ndelta; i++) {
		check_delta(&c, &c.delta[i]);
		sum += c.delta[i].events;
	}
	cr_assert_eq(sum, (int64_t)NEVS);
	cr_assert_eq(c.col[EV_ID].n, NEVS);	/* every event has an id */
	cr_assert(!c.col[EV_ID].nulls);
	cr_assert(c.col[EV_MS].nulls);
	evcols_free(&c);
	json_object_put(rows);
}

Test(evcols, bucket_edges_as_sql)
{
	/* axlog.hist_bucket's answers (PostgreSQL 15), either side of the
	 * edge of buckets 8 and 15. */
	cr_assert_eq(hist_bucket(0.0017138242687795206), 8);
	cr_assert_eq(hist_bucket(0.0017138242687795209), 8);
	cr_assert_eq(hist_bucket(0.002937193624257659), 15);
}

Test(evcols, missing_time_and_random_ids)
{
	struct json_object	*rows = json_object_new_array(), *o;
	struct evcols		 c;

	o = json_object_new_object();
	json_object_object_add(o, "event_type", json_object_new_string("x"));
	json_object_array_add(rows, json_object_get(o));
	json_object_array_add(rows, o);
	cr_assert_eq(evcols_encode(&c, rows, INT64_C(7200000001)), 0);
	cr_assert_eq(c.ndelta, 1);
	cr_assert_eq(c.delta[0].hour_us, INT64_C(7200000000));
	cr_assert_eq(c.delta[0].last_us, INT64_C(7200000001));
	/* two version 4 UUIDs, different */
	cr_assert_eq(c.col[EV_ID].len, 2 * (4 + 16));
	cr_assert_eq(c.col[EV_ID].buf[4 + 6] & 0xf0, 0x40);
	cr_assert_neq(memcmp(c.col[EV_ID].buf + 4, c.col[EV_ID].buf + 24, 16),
	    0);
	evcols_free(&c);
	json_object_put(rows);
}

/* Streaming (a sink) and whole-batch parsing encode the same bytes. */
#define NOW	INT64_C(2000000000000000)	/* 2033 */

static void
same_encoding(const char *body, enum body_type t)
{
	struct event_batch	 a, b;
	struct evcols		 ca, cb;
	size_t			 i;

	cr_assert_eq(event_parse(body, strlen(body), t, 100, NOW, &a), AX_OK);
	cr_assert_eq(evcols_encode(&ca, a.rows, 5), 0);
	evcols_init(&cb, 5);
	cr_assert_eq(event_parse_to(body, strlen(body), t, 100, NOW,
	    evcols_add, &cb, &b), AX_OK);
	cr_assert_null(b.rows, "no rows kept with a sink");
	cr_assert_eq(evcols_finish(&cb), 0);
	cr_assert_eq(b.n, a.n);
	cr_assert_eq(cb.n, ca.n);
	for (i = 0; i < EV_NCOLS; i++) {
		cr_assert_eq(cb.col[i].len, ca.col[i].len, "column %zu", i);
		cr_assert_eq(memcmp(cb.col[i].buf, ca.col[i].buf,
		    ca.col[i].len), 0, "column %zu", i);
	}
	cr_assert_eq(cb.ndelta, ca.ndelta);
	evcols_free(&ca);
	evcols_free(&cb);
	event_batch_free(&a);
	event_batch_free(&b);
}

Test(evcols, a_sink_encodes_as_the_whole_batch)
{
	same_encoding("[{\"event_type\":\"a\",\"id\":"
	    "\"0a0b0c0d-0000-4000-8000-000000000001\",\"created_at\":"
	    "\"1999-12-31T23:00:00+01:00\",\"ip_address\":\"::1\","
	    "\"metadata\":{\"n\":123456789012345678901234567890,\"s\":\"/\"}},"
	    "{\"event_type\":\"b\",\"id\":"
	    "\"0a0b0c0d-0000-4000-8000-000000000002\",\"created_at\":"
	    "\"1970-01-01T00:00:00Z\",\"duration_ms\":0.5,\"success\":false,"
	    "\"user_id\":\"0a0b0c0d-0000-4000-8000-000000000003\"}]",
	    BODY_JSON);
	same_encoding("{\"event_type\":\"a\",\"id\":"
	    "\"0a0b0c0d-0000-4000-8000-000000000001\",\"created_at\":"
	    "\"2000-01-01T00:00:00Z\",\"message\":\"m\"}\n\n"
	    "{\"event_type\":\"c\",\"id\":"
	    "\"0a0b0c0d-0000-4000-8000-000000000009\",\"created_at\":"
	    "\"2000-01-01T00:00:00Z\",\"ip_address\":\"10.0.0.1\"}\n",
	    BODY_NDJSON);
}

Test(evcols, a_sink_sees_nothing_after_a_problem)
{
	struct event_batch	 b;
	struct evcols		 c;
	const char		*body = "[{\"event_type\":\"a\"},"
	    "{\"event_type\":\"\"},{\"event_type\":\"c\"}]";

	evcols_init(&c, 5);
	cr_assert_eq(event_parse_to(body, strlen(body), BODY_JSON, 100, 0,
	    evcols_add, &c, &b), AX_ERR_INVALID_EVENT);
	cr_assert_eq(c.n, 1, "only the event before the problem");
	evcols_free(&c);
	event_batch_free(&b);
}
