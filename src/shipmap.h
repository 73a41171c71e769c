/*
 * shipmap.h: what the shippers' protocols (otlp.c, loki.c) share on the
 * way from one of their records to one axlog event: the event object
 * being built, its time and its deterministic id, the severity words
 * and the verdict on each record.  Pure: no I/O, no clock of its own.
 *
 * These protocols carry no event id and their clients resend whole
 * batches, so each event's id is derived from what it holds: a UUID
 * version 8 (RFC 9562) made of the SHA-256 of its created_at and its
 * JSON text.  The app is not in the hash: ids are unique per app
 * already (the key decides the app), so the same record sent with two
 * apps' keys is two events.  A resent record has the same time and
 * content, so the same id, and is counted as a duplicate.
 */
#ifndef AXLOG_SHIPMAP_H
#define AXLOG_SHIPMAP_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "err.h"

/* The shortest UUID text with its NUL. */
#define SHIPMAP_UUID_LEN	37
/* Bytes of the reason given for a refused record. */
#define SHIPMAP_WHY_LEN		160

/*
 * Where each mapped event goes: the event's JSON text.  Returns 0 when
 * the event was taken, 1 when it is refused (why says what is wrong
 * with it, NUL-terminated), -1 when memory ran out (the request fails).
 */
typedef int	(*ship_add_fn)(void *arg, const char *event, size_t len,
		    char *why, size_t whysize);

/* One protocol request's records, as the adapter hands them on. */
struct ship_tally {
	ship_add_fn	 add;
	void		*arg;
	int64_t		 now_us;	/* the time of records without one */
	size_t		 max;		/* records in one request */
	size_t		 records;	/* seen */
	size_t		 refused;	/* of those, refused */
	long		 first_refused;	/* 0-based record; -1: none */
	char		 why[SHIPMAP_WHY_LEN];	/* the first refusal's */
};

/* One record being mapped: the event and its metadata object. */
struct shipmap {
	struct json_object	*ev;
	struct json_object	*meta;
	int64_t			 at_us;
	int			 has_time;
};

void	ship_tally_init(struct ship_tally *t, ship_add_fn add, void *arg,
	    int64_t now_us, size_t max);
/* 1 when t has taken its max records: the next one is one too many. */
int	ship_tally_full(const struct ship_tally *t);
/* Count a record refused before it became an event (why: printf). */
void	ship_tally_refuse(struct ship_tally *t, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/* 0, or -1 out of memory (release with shipmap_free all the same). */
int	shipmap_init(struct shipmap *m);
void	shipmap_free(struct shipmap *m);

/* Set a field of the event; v is consumed (NULL: nothing is set). */
void	shipmap_set(struct shipmap *m, const char *field,
	    struct json_object *v);
void	shipmap_set_string(struct shipmap *m, const char *field,
	    const char *s, size_t len);
/* Add to the metadata; v is consumed (NULL: nothing is added). */
void	shipmap_meta(struct shipmap *m, const char *key,
	    struct json_object *v);
/* The record's time, microseconds since the epoch. */
void	shipmap_time(struct shipmap *m, int64_t us);

/*
 * event_type from a candidate: set when s is a valid event_type (1 to
 * 64 of [A-Za-z0-9_.:/-]).  Returns 1 when set, 0 when s is not one.
 */
int	shipmap_type(struct shipmap *m, const char *s, size_t len);
/*
 * event_type "log.WORD" from a severity word (its letters lowercased,
 * "warning" as "warn"), or "log" when it has none or not one of
 * letters; success false when the word names a failure (error, err,
 * fatal, critical, crit, alert, emerg, emergency, panic).
 */
void	shipmap_level(struct shipmap *m, const char *word, size_t len);
/* The same from an OpenTelemetry severity number (1 to 24; ERROR 17). */
void	shipmap_severity(struct shipmap *m, int64_t number);

/*
 * Hand the record on: created_at (the record's time, or now_us), the
 * metadata when it has entries, the id when the record had a time of
 * its own (a record stamped at receipt has no stable time, so no stable
 * id: it is stored without one), then t->add.  Counts the record.
 * Returns 0, or -1 when memory ran out.  Releases m.
 */
int	shipmap_emit(struct shipmap *m, struct ship_tally *t);

/*
 * Parse body[0..len) as exactly one JSON value (RFC 8259, UTF-8, at
 * most depth deep) into *o (put it).  AX_OK, AX_ERR_INVALID_JSON or
 * AX_ERR_INVALID_ENCODING with msg, AX_ERR_TOO_LARGE, AX_ERR_UNAVAILABLE.
 */
enum ax_err	shipmap_json(const char *body, size_t len, int depth,
		    struct json_object **o, char *msg, size_t size);

/* A decimal count of nanoseconds since the epoch as microseconds;
 * -1 when s is not 1 to 19 digits or is outside RFC 3339's years. */
int	shipmap_ns(const char *s, size_t len, int64_t *us);

/* The id of an event text at a time: UUID version 8 of their SHA-256. */
void	shipmap_id(const char *created_at, const char *text, size_t len,
	    char out[SHIPMAP_UUID_LEN]);

#endif
