/*
 * batch.c: a growable array of events with running totals, so a full
 * batch is known before the event that would overflow it is added.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"

struct event {
	char		*json;
	size_t		 len;
	const char	*src;
	size_t		 lineno;
};

struct batch {
	struct event	*ev;
	size_t		 n, cap;
	size_t		 bytes;		/* body size of all n events */
	size_t		 max_events, max_bytes;
};

struct batch *
batch_new(size_t max_events, size_t max_bytes)
{
	struct batch	*b;

	if ((b = calloc(1, sizeof(*b))) == NULL)
		return NULL;
	b->max_events = max_events;
	b->max_bytes = max_bytes;
	return b;
}

/* Room for one more event; -1 when out of memory. */
static int
grow(struct batch *b)
{
	struct event	*ev;
	size_t		 cap;

	if (b->n < b->cap)
		return 0;
	cap = b->cap ? b->cap * 2 : 64;
	if ((ev = reallocarray(b->ev, cap, sizeof(*ev))) == NULL)
		return -1;
	b->ev = ev;
	b->cap = cap;
	return 0;
}

enum batch_res
batch_add(struct batch *b, char *json, size_t len, const char *src,
    size_t lineno)
{
	if (b->n > 0 && (b->n >= b->max_events ||
	    b->bytes + len + 1 > b->max_bytes))
		return BATCH_FULL;
	if (grow(b) != 0)
		return BATCH_NOMEM;
	b->ev[b->n].json = json;
	b->ev[b->n].len = len;
	b->ev[b->n].src = src;
	b->ev[b->n].lineno = lineno;
	b->n++;
	b->bytes += len + 1;
	return BATCH_OK;
}

size_t
batch_count(const struct batch *b)
{
	return b->n;
}

char *
batch_body(const struct batch *b, size_t from, size_t to, size_t *len)
{
	char	*body, *p;
	size_t	 i, n = 0;

	for (i = from; i < to; i++)
		n += b->ev[i].len + 1;
	if ((body = malloc(n + 1)) == NULL)
		return NULL;
	for (p = body, i = from; i < to; i++) {
		memcpy(p, b->ev[i].json, b->ev[i].len);
		p += b->ev[i].len;
		*p++ = '\n';
	}
	*p = '\0';
	*len = n;
	return body;
}

const char *
batch_event(const struct batch *b, size_t i, size_t *len)
{
	*len = b->ev[i].len;
	return b->ev[i].json;
}

void
batch_where(const struct batch *b, size_t from, size_t to, char *out,
    size_t outsz)
{
	const struct event	*f, *l;

	if (from >= to || to > b->n) {
		snprintf(out, outsz, "(no events)");
		return;
	}
	f = &b->ev[from];
	l = &b->ev[to - 1];
	if (f == l)
		snprintf(out, outsz, "%s:%zu", f->src, f->lineno);
	else if (strcmp(f->src, l->src) == 0)
		snprintf(out, outsz, "%s:%zu-%zu", f->src, f->lineno,
		    l->lineno);
	else
		snprintf(out, outsz, "%s:%zu-%s:%zu", f->src, f->lineno,
		    l->src, l->lineno);
}

void
batch_clear(struct batch *b)
{
	size_t	i;

	for (i = 0; i < b->n; i++)
		free(b->ev[i].json);
	b->n = 0;
	b->bytes = 0;
}

void
batch_free(struct batch *b)
{
	if (b == NULL)
		return;
	batch_clear(b);
	free(b->ev);
	free(b);
}
