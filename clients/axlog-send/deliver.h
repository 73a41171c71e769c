/*
 * deliver.h: getting one batch stored.  A request that fails for a
 * reason that passes (no answer, 408, 429, 5xx) is tried again, after the
 * server's Retry-After or an exponential backoff with jitter, until
 * max_time runs out.  A batch the server refuses as a whole (400, 413,
 * and a 403 when events of it name an app) is split in halves until the
 * events it refuses are found alone: those are reported and dropped, the
 * others stored.  Every event carries its
 * id and created_at, so a resend never stores one twice.
 */
#ifndef AXLOG_SEND_DELIVER_H
#define AXLOG_SEND_DELIVER_H

#include <signal.h>
#include <stddef.h>

#include "batch.h"
#include "http.h"

#define DELIVER_GZIP_MIN	1024	/* smaller bodies go uncompressed */
#define DELIVER_WHAT_LEN	512	/* one answer, described */

enum deliver_res {
	DELIVER_DONE,		/* all stored, duplicates or refused */
	DELIVER_TEMPFAIL,	/* still failing when max_time ran out: later */
	DELIVER_NOPERM,		/* 401 or 403: the key may not do this */
	DELIVER_PROTOCOL,	/* an answer that axlog does not give */
	DELIVER_INTERRUPTED,	/* *stop was set */
	DELIVER_FAILED,		/* local trouble: out of memory, libcurl */
};

/* What to do after one answer (status 0: none came). */
enum deliver_class {
	DELIVER_STORED,		/* 200: committed */
	DELIVER_SPLIT,		/* 400, 413: some event is refused */
	DELIVER_RETRY,		/* no answer, 408, 425, 429, 5xx */
	DELIVER_DENIED,		/* 401, 403 (a 403 may still be split) */
	DELIVER_UNEXPECTED,	/* anything else (3xx, 404, 415, ...) */
};

struct deliver {
	/* Set by the caller. */
	struct http	*http;
	long		 max_time;	/* seconds a request may fail */
	int		 gzip;		/* compress big bodies */
	int		 verbose;	/* a line a request, on stderr */
	const volatile sig_atomic_t *stop;	/* set: stop at once */
	/* Totals, kept by deliver_batch. */
	size_t		 accepted, duplicates, refused;
	size_t		 requests;
	/* Why the last call did not return DELIVER_DONE. */
	char		 reason[640];
};

/*
 * Send the events of b.  *done is how many of its first events are
 * finished (stored, duplicates or refused); events [*done, n) were not
 * sent (all of them unless DELIVER_DONE).  Refused events are reported
 * on stderr, one line each, and counted in d->refused.
 */
enum deliver_res	deliver_batch(struct deliver *d, const struct batch *b,
			    size_t *done);

enum deliver_class	deliver_classify(long status);

#endif
