/*
 * ship.h: the routes of axlog-ingest.  /ingest is ingest.c's; the log
 * shippers' protocols (OTLP/HTTP logs, Loki push) each have an adapter
 * that turns the protocol's records into events (shipmap.c) and answers
 * in the protocol's terms, while reading, validating, storing (group
 * commit) and the database's verdict stay ingest.c's, as for /ingest.
 */
#ifndef AXLOG_SHIP_H
#define AXLOG_SHIP_H

#include <stddef.h>

#include "err.h"
#include "req.h"
#include "resp.h"
#include "shipmap.h"

/* One protocol: how its body becomes records, how it answers. */
struct ship_proto {
	const char	*route;		/* "POST /v1/logs", for the log */
	/*
	 * Check the media type and hand each record of body[0..len) to t.
	 * AX_OK, or the whole request's refusal with msg (the records
	 * handed on are then dropped).
	 */
	enum ax_err	(*parse)(const char *content_type, const char *body,
			    size_t len, struct ship_tally *t, char *msg,
			    size_t size);
	/*
	 * Answer: e is AX_OK (stored: accepted and duplicates of the
	 * records t did not refuse) or the request's error with msg ("" for
	 * the default text).  Headers the status needs (Retry-After,
	 * WWW-Authenticate, Allow) are the answer's to add.
	 */
	void		(*answer)(struct resp *p, const char *content_type,
			    enum ax_err e, const char *msg,
			    const struct ship_tally *t, long accepted,
			    long duplicates);
};

/* server_handler of axlog-ingest: ctx is its struct ingest. */
void	ship_handle(struct req *r, struct resp *p, void *ctx);

/*
 * The headers an error answer of a protocol needs: Allow on 405,
 * WWW-Authenticate on 401, and with retry_after Retry-After on 429 and
 * 503 (resp_error adds that one itself).
 */
void	ship_error_headers(struct resp *p, enum ax_err e, int retry_after);

#endif
