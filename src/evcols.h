/*
 * evcols.h: a request's validated events as the columns of
 * axlog.ingest_events (sql/007_ingest_events.sql), and the rollup
 * deltas they add, computed here from the same values.
 *
 * Each event gets its id (a random UUID when it has none) and its time
 * (the request's clock when it has none) here, so that what the
 * database stores and what the deltas count are one set of values.
 */
#ifndef AXLOG_EVCOLS_H
#define AXLOG_EVCOLS_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "event.h"
#include "pgbin.h"

enum evcol {
	EV_ID, EV_AT, EV_TYPE, EV_SUBTYPE, EV_USER, EV_FP, EV_IP, EV_OK,
	EV_MS, EV_MSG, EV_META, EV_NCOLS
};

/* One rollup delta: the events of one (hour, event type). */
struct evdelta {
	int64_t		 hour_us;	/* start of the UTC hour */
	char		 type[EVENT_MAX_TYPE + 1];
	int64_t		 events, errors;
	int64_t		 last_us;	/* newest created_at */
	size_t		 hist, nhist;	/* its entries in evcols.hist */
};

/* A histogram entry of a delta: a bucket (hist_bucket) and its count. */
struct evhist {
	int32_t		 bucket;
	int64_t		 count;
};

struct evkey;

struct evcols {
	struct pgbin	 col[EV_NCOLS];	/* elements, no header */
	size_t		 n;		/* events */
	int64_t		 now_us;	/* the time of events without one */
	unsigned char	 random[256];	/* for ids, used from the end */
	size_t		 nrandom;
	struct evkey	*key;		/* per event, until evcols_finish */
	size_t		 keycap;
	struct evdelta	*delta;
	size_t		 ndelta;
	struct evhist	*hist;
	size_t		 nhist;
};

/*
 * Encode validated rows (event.c's) one by one: evcols_init, then
 * evcols_add for each row (an event_sink_fn: arg is the evcols), then
 * evcols_finish for the deltas.  now_us is the time of events without
 * one.  0 on success; -1 out of memory or no randomness (release with
 * evcols_free all the same).
 */
void	evcols_init(struct evcols *c, int64_t now_us);
int	evcols_add(void *c, struct json_object *row);
int	evcols_finish(struct evcols *c);
/* All three for an array of rows. */
int	evcols_encode(struct evcols *c, struct json_object *rows,
	    int64_t now_us);
void	evcols_free(struct evcols *c);

/* The element type of each column, in enum evcol order. */
extern const uint32_t evcols_oid[EV_NCOLS];

#endif
