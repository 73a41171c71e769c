/*
 * batch.h: the events of one request, in input order, each with where it
 * came from (for the reports), within a count and a byte limit.
 */
#ifndef AXLOG_SEND_BATCH_H
#define AXLOG_SEND_BATCH_H

#include <stddef.h>

struct batch;

enum batch_res {
	BATCH_OK,	/* added; the batch owns the event */
	BATCH_FULL,	/* would pass a limit: send the batch, then add again */
	BATCH_NOMEM,	/* out of memory; nothing added */
};

/*
 * A batch of at most max_events events and max_bytes bytes of NDJSON
 * body (each event and its newline).  NULL when out of memory.
 */
struct batch	*batch_new(size_t max_events, size_t max_bytes);

/*
 * Add one event, json[0..len) (one line, no newline), which came from
 * src at line lineno.  On BATCH_OK the batch owns json (malloc'd) and
 * frees it; src is kept, not copied, and must outlive the event.  An
 * event larger than max_bytes is still added to an empty batch, alone.
 */
enum batch_res	 batch_add(struct batch *b, char *json, size_t len,
		    const char *src, size_t lineno);

size_t		 batch_count(const struct batch *b);

/*
 * The NDJSON body of events [from, to): a malloc'd buffer the caller
 * frees, of *len bytes, each event followed by "\n".  NULL when out of
 * memory.
 */
char		*batch_body(const struct batch *b, size_t from, size_t to,
		    size_t *len);

/* Event i as added (not NUL-terminated), of *len bytes. */
const char	*batch_event(const struct batch *b, size_t i, size_t *len);

/*
 * Where events [from, to) came from, for a report: "stdin:7" for one
 * event, "stdin:7-9" for lines of one source, "a:7-b:3" across sources.
 */
void		 batch_where(const struct batch *b, size_t from, size_t to,
		    char *out, size_t outsz);

/* Drop every event (the limits stay). */
void		 batch_clear(struct batch *b);

/* Accepts NULL. */
void		 batch_free(struct batch *b);

#endif
