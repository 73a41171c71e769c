/*
 * event.h: parsing and validating the events of one /ingest body (a JSON
 * object, a JSON array, or NDJSON) into rows ready for the database.
 * Pure: no I/O, no clock of its own, so every rule is unit-tested.
 */
#ifndef AXLOG_EVENT_H
#define AXLOG_EVENT_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "body.h"
#include "err.h"

#define EVENT_MAX_TYPE		64	/* event_type, event_subtype, fingerprint */
#define EVENT_MAX_MESSAGE	8192	/* bytes */
#define EVENT_MAX_METADATA	8192	/* bytes, serialised */
#define EVENT_MAX_DEPTH		8	/* metadata nesting */
#define EVENT_MAX_FUTURE_US	(INT64_C(300) * 1000000)
#define EVENT_MAX_LINE		65536	/* one NDJSON line */
#define EVENT_MAX_DETAILS	100	/* problems listed in one answer */
#define EVENT_MAX_PATH		200	/* bytes of a detail's field path */

/*
 * Where each validated row goes instead of event_batch.rows: sink(arg,
 * row) as soon as the row is checked (the row is released after; take a
 * reference to keep it).  Non-zero stops the parse (AX_ERR_UNAVAILABLE).
 */
typedef int	(*event_sink_fn)(void *arg, struct json_object *row);

struct event_batch {
	/* Validated rows (without a sink): objects with the logs columns. */
	struct json_object	*rows;
	size_t			 n;		/* valid rows, with a sink too */
	event_sink_fn		 sink;
	void			*sink_arg;
	/* The app the events name, if any ("" when none does). */
	char			 app_id[65];
	int			 app_conflict;	/* they name two apps */
	/* On AX_ERR_INVALID_EVENT: [{index, field, problem}, ...]. */
	struct json_object	*details;
	char			 message[160];	/* on any error */
};

/*
 * Parse body[0..len) of type t, at most max_batch events, validating each
 * against the clock now_us.  Returns AX_OK with b->rows set, or
 * AX_ERR_INVALID_JSON, AX_ERR_INVALID_ENCODING, AX_ERR_INVALID_EVENT (see
 * b->details) or AX_ERR_TOO_LARGE, with b->message saying why.  Always
 * release b with event_batch_free().
 */
enum ax_err	event_parse(const char *body, size_t len, enum body_type t,
		    size_t max_batch, int64_t now_us, struct event_batch *b);
/*
 * The same, each valid row handed to sink as it is checked and then
 * released, and each event of a JSON array released once checked: at
 * no time is more than the parsed body and one row held.
 */
enum ax_err	event_parse_to(const char *body, size_t len,
		    enum body_type t, size_t max_batch, int64_t now_us,
		    event_sink_fn sink, void *arg, struct event_batch *b);
void		event_batch_free(struct event_batch *b);

/* Field validators, exposed for tests. */
int	event_type_valid(const char *s, size_t len);
int	event_uuid_valid(const char *s, size_t len);
int	event_ip_valid(const char *s, size_t len);

#endif
