/*
 * deliver.c: the retry loop of one request, and the halving of a refused
 * batch.  Time is measured on the monotonic clock; a wait is slept in
 * short slices so that a signal is noticed at once.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "deliver.h"
#include "event.h"
#include "gzip.h"
#include "retry.h"
#include "rnd.h"

#define NAP_SLICE_MS	100

/* One request's body as it goes on the wire. */
struct body {
	char	*data;
	size_t	 len;		/* on the wire */
	size_t	 raw;		/* before compression */
	size_t	 count;		/* events */
	int	 gzipped;
};

static int64_t
now_ms(void)
{
	struct timespec	ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		return 0;	/* cannot fail with this clock */
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Sleep ms milliseconds; -1 as soon as *stop is set. */
static int
nap(const struct deliver *d, long ms)
{
	struct timespec	ts;
	int64_t		end = now_ms() + ms, left;

	while ((left = end - now_ms()) > 0) {
		if (d->stop != NULL && *d->stop)
			return -1;
		if (left > NAP_SLICE_MS)
			left = NAP_SLICE_MS;
		ts.tv_sec = 0;
		ts.tv_nsec = (long)left * 1000000;
		(void)nanosleep(&ts, NULL);	/* EINTR: the loop checks */
	}
	return d->stop != NULL && *d->stop ? -1 : 0;
}

enum deliver_class
deliver_classify(long status)
{
	if (status == 200)
		return DELIVER_STORED;
	if (status == 400 || status == 413)
		return DELIVER_SPLIT;
	if (status == 0 || status == 408 || status == 425 || status == 429 ||
	    (status >= 500 && status <= 599))
		return DELIVER_RETRY;
	if (status == 401 || status == 403)
		return DELIVER_DENIED;
	return DELIVER_UNEXPECTED;
}

/* "HTTP 503 unavailable: ..." or "no answer: ..." into buf. */
static void
describe(const struct http_result *r, char *buf, size_t sz)
{
	if (r->status == 0)
		snprintf(buf, sz, "no answer: %s", r->message);
	else
		snprintf(buf, sz, "HTTP %ld%s%s%s%s%s%s", r->status,
		    r->error[0] ? " " : "", r->error,
		    r->message[0] ? ": " : "", r->message,
		    r->detail[0] ? ": " : "", r->detail);
}

static void
trace(const struct deliver *d, const struct batch *b, size_t from,
    size_t to, const struct body *x, const struct http_result *r)
{
	char	where[160], what[DELIVER_WHAT_LEN], gz[40] = "";

	if (!d->verbose)
		return;
	batch_where(b, from, to, where, sizeof(where));
	if (r->status == 200)
		snprintf(what, sizeof(what), "HTTP 200: %ld accepted, %ld "
		    "duplicates", r->accepted, r->duplicates);
	else
		describe(r, what, sizeof(what));
	if (x->gzipped)
		snprintf(gz, sizeof(gz), ", gzip %zu bytes", x->len);
	fprintf(stderr, "axlog-send: %s: %zu event%s, %zu bytes%s: %s\n",
	    where, x->count, x->count == 1 ? "" : "s", x->raw, gz, what);
}

/* Events [from, to) as a body, gzipped when that is worth it. */
static int
body_make(const struct deliver *d, const struct batch *b, size_t from,
    size_t to, struct body *x)
{
	char	*gz;
	size_t	 gzlen;

	memset(x, 0, sizeof(*x));
	x->count = to - from;
	if ((x->data = batch_body(b, from, to, &x->raw)) == NULL)
		return -1;
	x->len = x->raw;
	if (!d->gzip || x->raw < DELIVER_GZIP_MIN)
		return 0;
	if (gzip_compress(x->data, x->raw, &gz, &gzlen) != GZIP_OK)
		return -1;
	if (gzlen >= x->raw) {
		free(gz);
		return 0;
	}
	free(x->data);
	x->data = gz;
	x->len = gzlen;
	x->gzipped = 1;
	return 0;
}

/* How long to wait before the next attempt, after n failed ones. */
static long
wait_ms(const struct http_result *r, unsigned n)
{
	uint32_t	rnd = 0;

	if (r->retry_after > 0)
		return r->retry_after * 1000;
	(void)rnd_fill(&rnd, sizeof(rnd));	/* without it: no jitter */
	return retry_backoff_ms(n, rnd);
}

/*
 * Post x until an answer that is not worth retrying, or until max_time.
 * DELIVER_DONE with *cls the class of the last answer, in r.
 */
static enum deliver_res
attempt(struct deliver *d, const struct batch *b, size_t from, size_t to,
    const struct body *x, struct http_result *r, enum deliver_class *cls)
{
	int64_t		start = now_ms(), end = start + d->max_time * 1000;
	unsigned	n = 0;
	long		wait, left;
	enum http_res	e;
	char		what[DELIVER_WHAT_LEN];

	for (;;) {
		/* Whole seconds left, at least 1: CURLOPT_TIMEOUT 0 is none. */
		left = (long)((end - now_ms() + 999) / 1000);
		e = http_post(d->http, x->data, x->len, x->gzipped,
		    left > 0 ? left : 1, r);
		n++;
		d->requests++;
		if (e == HTTP_ABORTED || e == HTTP_FAILED) {
			snprintf(d->reason, sizeof(d->reason), "%s",
			    e == HTTP_ABORTED ? "interrupted" : r->message);
			return e == HTTP_ABORTED ? DELIVER_INTERRUPTED :
			    DELIVER_FAILED;
		}
		trace(d, b, from, to, x, r);
		if ((*cls = deliver_classify(r->status)) != DELIVER_RETRY)
			return DELIVER_DONE;
		wait = wait_ms(r, n);
		if (now_ms() + wait >= end) {
			describe(r, what, sizeof(what));
			snprintf(d->reason, sizeof(d->reason), "%s; gave up "
			    "after %u attempt%s in %lld s", what, n,
			    n == 1 ? "" : "s",
			    (long long)((now_ms() - start + 500) / 1000));
			return DELIVER_TEMPFAIL;
		}
		if (nap(d, wait) != 0) {
			snprintf(d->reason, sizeof(d->reason), "interrupted");
			return DELIVER_INTERRUPTED;
		}
	}
}

/* An answer to a request that is final: stored, split, or an error. */
static enum deliver_res
settle(struct deliver *d, const struct http_result *r,
    enum deliver_class cls, size_t count)
{
	char	what[DELIVER_WHAT_LEN];

	describe(r, what, sizeof(what));
	if (cls == DELIVER_DENIED || cls == DELIVER_UNEXPECTED) {
		snprintf(d->reason, sizeof(d->reason), "%s", what);
		return cls == DELIVER_DENIED ? DELIVER_NOPERM :
		    DELIVER_PROTOCOL;
	}
	if (cls == DELIVER_STORED && (r->accepted < 0 || r->duplicates < 0 ||
	    (size_t)r->accepted + (size_t)r->duplicates != count)) {
		snprintf(d->reason, sizeof(d->reason), "HTTP 200 but the "
		    "answer does not count the %zu events sent", count);
		return DELIVER_PROTOCOL;
	}
	if (cls == DELIVER_STORED) {
		d->accepted += (size_t)r->accepted;
		d->duplicates += (size_t)r->duplicates;
	}
	return DELIVER_DONE;
}

/* Does event s[0..len) name an app ("app_id" not null)?  No when unsure. */
static int
names_app(const char *s, size_t len)
{
	struct json_object	*o, *v = NULL;
	json_tokener		*tok;
	int			 yes;

	if ((tok = json_tokener_new_ex(EVENT_MAX_DEPTH + 8)) == NULL)
		return 0;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	o = json_tokener_parse_ex(tok, s, (int)len);
	json_tokener_free(tok);
	yes = o != NULL && json_object_is_type(o, json_type_object) &&
	    json_object_object_get_ex(o, "app_id", &v) && v != NULL;
	json_object_put(o);
	return yes;
}

/*
 * A 403 from /ingest means that events name another app than the key's
 * (a wrong key is a 401): a problem of those events, to be found like a
 * 400's, when the batch has events that name an app.  Otherwise the 403
 * came from elsewhere (a proxy's rule, say): the key may not post here.
 */
static enum deliver_class
refine(enum deliver_class cls, const struct http_result *r,
    const struct batch *b, size_t from, size_t to)
{
	const char	*s;
	size_t		 i, len;

	if (cls != DELIVER_DENIED || r->status != 403)
		return cls;
	for (i = from; i < to; i++) {
		s = batch_event(b, i, &len);
		if (names_app(s, len))
			return DELIVER_SPLIT;
	}
	return cls;
}

/* One request for events [from, to), retried as need be. */
static enum deliver_res
send_once(struct deliver *d, const struct batch *b, size_t from, size_t to,
    struct http_result *r, enum deliver_class *cls)
{
	struct body		x;
	enum deliver_res	res;

	if (body_make(d, b, from, to, &x) != 0) {
		free(x.data);
		snprintf(d->reason, sizeof(d->reason), "out of memory");
		return DELIVER_FAILED;
	}
	res = attempt(d, b, from, to, &x, r, cls);
	free(x.data);
	if (res != DELIVER_DONE)
		return res;
	*cls = refine(*cls, r, b, from, to);
	return settle(d, r, *cls, to - from);
}

static void
refuse(struct deliver *d, const struct batch *b, size_t i,
    const struct http_result *r)
{
	char	where[160], what[DELIVER_WHAT_LEN];

	batch_where(b, i, i + 1, where, sizeof(where));
	describe(r, what, sizeof(what));
	fprintf(stderr, "axlog-send: %s: refused by the server: %s\n", where,
	    what);
	d->refused++;
}

/* Send [from, to), halving it while the server refuses it as a whole. */
static enum deliver_res
send_range(struct deliver *d, const struct batch *b, size_t from, size_t to,
    size_t *done)
{
	struct http_result	r;
	enum deliver_class	cls;
	enum deliver_res	res;
	size_t			mid;

	if ((res = send_once(d, b, from, to, &r, &cls)) != DELIVER_DONE)
		return res;
	if (cls == DELIVER_SPLIT && to - from > 1) {
		mid = from + (to - from) / 2;
		if ((res = send_range(d, b, from, mid, done)) != DELIVER_DONE)
			return res;
		return send_range(d, b, mid, to, done);
	}
	if (cls == DELIVER_SPLIT)
		refuse(d, b, from, &r);
	*done = to;
	return DELIVER_DONE;
}

enum deliver_res
deliver_batch(struct deliver *d, const struct batch *b, size_t *done)
{
	*done = 0;
	d->reason[0] = '\0';
	if (batch_count(b) == 0)
		return DELIVER_DONE;
	return send_range(d, b, 0, batch_count(b), done);
}
