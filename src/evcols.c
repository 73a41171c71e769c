/*
 * evcols.c: event rows to binary columns, and their rollup deltas.
 * The deltas are grouped by sorting the events on (hour, type, bucket),
 * so each delta and each of its histogram buckets is one run.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "evcols.h"
#include "hex.h"
#include "hist.h"
#include "timefmt.h"

#define HOUR_US		INT64_C(3600000000)

const uint32_t evcols_oid[EV_NCOLS] = {
	PGBIN_UUID, PGBIN_TIMESTAMPTZ, PGBIN_TEXT, PGBIN_TEXT, PGBIN_UUID,
	PGBIN_TEXT, PGBIN_INET, PGBIN_BOOL, PGBIN_FLOAT8, PGBIN_TEXT,
	PGBIN_JSONB,
};

/* What the deltas need of one event (its row is gone by then). */
struct evkey {
	int64_t		 hour_us, at_us;
	char		 type[EVENT_MAX_TYPE + 1];
	int32_t		 bucket;	/* -1: no duration */
	int		 ok;
};

static const char *
str_of(struct json_object *row, const char *field)
{
	struct json_object	*v;

	return json_object_object_get_ex(row, field, &v) ?
	    json_object_get_string(v) : NULL;
}

/* A UUID's 16 bytes from its text (validated: 8-4-4-4-12 hex). */
static void
uuid_bytes(const char *s, unsigned char out[16])
{
	size_t	i = 0;

	for (; *s != '\0' && i < 16; s++) {
		if (*s == '-')
			continue;
		out[i++] = (unsigned char)(hex_value(s[0]) << 4 |
		    hex_value(s[1]));
		s++;
	}
}

/*
 * A version 4 (random) UUID, as gen_random_uuid() makes them.  The bytes
 * come from the kernel 16 UUIDs at a time (getentropy's most), not one
 * system call an event; each byte is used once.
 */
static int
uuid_random(struct evcols *c, unsigned char out[16])
{
	if (c->nrandom < 16) {
		if (getentropy(c->random, sizeof(c->random)) != 0)
			return -1;
		c->nrandom = sizeof(c->random);
	}
	memcpy(out, c->random + sizeof(c->random) - c->nrandom, 16);
	explicit_bzero(c->random + sizeof(c->random) - c->nrandom, 16);
	c->nrandom -= 16;
	out[6] = (unsigned char)((out[6] & 0x0f) | 0x40);
	out[8] = (unsigned char)((out[8] & 0x3f) | 0x80);
	return 0;
}

static int
put_uuid(struct evcols *c, struct pgbin *a, const char *text, int random)
{
	unsigned char	b[16];

	if (text == NULL && !random) {
		pgbin_null(a);
		return 0;
	}
	if (text != NULL)
		uuid_bytes(text, b);
	else if (uuid_random(c, b) != 0)
		return -1;
	pgbin_bytes(a, b, sizeof(b));
	return 0;
}

static void
put_ip(struct pgbin *a, const char *text)
{
	unsigned char	b[16];

	if (text == NULL)
		pgbin_null(a);
	else if (inet_pton(AF_INET, text, b) == 1)
		pgbin_inet(a, b, 4);
	else if (inet_pton(AF_INET6, text, b) == 1)
		pgbin_inet(a, b, 16);
	else
		a->err = 1;	/* the validator let it through: a bug */
}

static void
put_meta(struct pgbin *a, struct json_object *row)
{
	struct json_object	*v;
	const char		*s;
	size_t			 n;

	if (!json_object_object_get_ex(row, "metadata", &v) || v == NULL) {
		pgbin_null(a);
		return;
	}
	s = json_object_to_json_string_length(v, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE, &n);
	if (s == NULL)
		a->err = 1;
	else
		pgbin_jsonb(a, s, n);
}

/* Floor division: hours before 1970 start below their time. */
static int64_t
hour_of(int64_t us)
{
	int64_t	h = us / HOUR_US;

	if (us % HOUR_US < 0)
		h--;
	return h * HOUR_US;
}

/* One event into the columns and k; -1 on failure. */
static int
encode_one(struct evcols *c, struct json_object *row, int64_t now_us,
    struct evkey *k)
{
	struct json_object	*v;
	const char		*at = str_of(row, "created_at");
	double			 ms = -1;
	int			 ok = 1;

	k->at_us = now_us;
	if (at != NULL && timefmt_parse(at, strlen(at), &k->at_us) != 0)
		return -1;	/* formatted by the validator: a bug */
	if (json_object_object_get_ex(row, "success", &v))
		ok = json_object_get_boolean(v);
	if (json_object_object_get_ex(row, "duration_ms", &v))
		ms = json_object_get_double(v);
	if (put_uuid(c, &c->col[EV_ID], str_of(row, "id"), 1) != 0)
		return -1;
	pgbin_timestamptz(&c->col[EV_AT], k->at_us);
	pgbin_text(&c->col[EV_TYPE], str_of(row, "event_type"));
	pgbin_text(&c->col[EV_SUBTYPE], str_of(row, "event_subtype"));
	(void)put_uuid(c, &c->col[EV_USER], str_of(row, "user_id"), 0);
	pgbin_text(&c->col[EV_FP], str_of(row, "fingerprint"));
	put_ip(&c->col[EV_IP], str_of(row, "ip_address"));
	pgbin_bool(&c->col[EV_OK], ok);
	if (ms < 0)
		pgbin_null(&c->col[EV_MS]);
	else
		pgbin_float8(&c->col[EV_MS], ms);
	pgbin_text(&c->col[EV_MSG], str_of(row, "message"));
	put_meta(&c->col[EV_META], row);
	k->hour_us = hour_of(k->at_us);
	if ((at = str_of(row, "event_type")) == NULL ||
	    strlen(at) >= sizeof(k->type))
		return -1;	/* the validator requires it: a bug */
	memcpy(k->type, at, strlen(at) + 1);
	k->bucket = ms < 0 ? -1 : hist_bucket(ms);
	k->ok = ok;
	return 0;
}

static int
key_cmp(const void *a, const void *b)
{
	const struct evkey	*x = a, *y = b;
	int			 r;

	if (x->hour_us != y->hour_us)
		return x->hour_us < y->hour_us ? -1 : 1;
	if ((r = strcmp(x->type, y->type)) != 0)
		return r;
	return (x->bucket > y->bucket) - (x->bucket < y->bucket);
}

static int
same_delta(const struct evkey *a, const struct evkey *b)
{
	return a->hour_us == b->hour_us && strcmp(a->type, b->type) == 0;
}

/* Deltas and their histogram entries from the sorted keys k[0..n). */
static void
add_deltas(struct evcols *c, const struct evkey *k, size_t n)
{
	struct evdelta	*d = NULL;
	size_t		 i;

	for (i = 0; i < n; i++) {
		if (d == NULL || !same_delta(&k[i - 1], &k[i])) {
			d = &c->delta[c->ndelta++];
			memset(d, 0, sizeof(*d));
			d->hour_us = k[i].hour_us;
			snprintf(d->type, sizeof(d->type), "%s", k[i].type);
			d->last_us = k[i].at_us;
			d->hist = c->nhist;
		}
		d->events++;
		d->errors += !k[i].ok;
		if (k[i].at_us > d->last_us)
			d->last_us = k[i].at_us;
		if (k[i].bucket < 0)
			continue;
		if (d->nhist == 0 ||
		    c->hist[c->nhist - 1].bucket != k[i].bucket) {
			c->hist[c->nhist].bucket = k[i].bucket;
			c->hist[c->nhist++].count = 0;
			d->nhist++;
		}
		c->hist[c->nhist - 1].count++;
	}
}

void
evcols_init(struct evcols *c, int64_t now_us)
{
	size_t	i;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < EV_NCOLS; i++)
		pgbin_init(&c->col[i], evcols_oid[i]);
	c->now_us = now_us;
}

int
evcols_add(void *arg, struct json_object *row)
{
	struct evcols	*c = arg;
	struct evkey	*k;
	size_t		 cap;

	if (c->n == c->keycap) {
		cap = c->keycap ? c->keycap * 2 : 16;
		if ((k = reallocarray(c->key, cap, sizeof(*k))) == NULL)
			return -1;
		c->key = k;
		c->keycap = cap;
	}
	if (encode_one(c, row, c->now_us, &c->key[c->n]) != 0)
		return -1;
	c->n++;
	return 0;
}

int
evcols_finish(struct evcols *c)
{
	size_t	i;

	for (i = 0; i < EV_NCOLS; i++)
		if (c->col[i].err)
			return -1;
	if (c->n == 0)
		return 0;
	c->delta = calloc(c->n, sizeof(*c->delta));
	c->hist = calloc(c->n, sizeof(*c->hist));
	if (c->delta == NULL || c->hist == NULL)
		return -1;
	qsort(c->key, c->n, sizeof(*c->key), key_cmp);
	add_deltas(c, c->key, c->n);
	free(c->key);
	c->key = NULL;
	c->keycap = 0;
	return 0;
}

int
evcols_encode(struct evcols *c, struct json_object *rows, int64_t now_us)
{
	size_t	i, n = json_object_array_length(rows);

	evcols_init(c, now_us);
	for (i = 0; i < n; i++)
		if (evcols_add(c, json_object_array_get_idx(rows, i)) != 0)
			return -1;
	return evcols_finish(c);
}

void
evcols_free(struct evcols *c)
{
	size_t	i;

	for (i = 0; i < EV_NCOLS; i++)
		pgbin_free(&c->col[i]);
	free(c->key);
	free(c->delta);
	free(c->hist);
	c->key = NULL;
	c->delta = NULL;
	c->hist = NULL;
	c->n = c->ndelta = c->nhist = 0;
}
