/*
 * convert.h: one input line to one event as axlog-send sends it: checked
 * with the server's own validator (src/event.c), then given an "id" (a
 * random UUID, RFC 9562 §5.4 version 4) and a "created_at" when it has
 * none, so that a resend is idempotent.  Pure: the clock and the random
 * bytes come from the caller.
 */
#ifndef AXLOG_SEND_CONVERT_H
#define AXLOG_SEND_CONVERT_H

#include <stddef.h>
#include <stdint.h>

#define CONVERT_UUID_LEN	36
#define CONVERT_RANDOM_BYTES	16

enum convert_res {
	CONVERT_OK,		/* *out holds the event */
	CONVERT_BLANK,		/* only white space: nothing to send */
	CONVERT_INVALID,	/* not a valid event; msg says why */
	CONVERT_NOMEM,		/* out of memory */
};

/*
 * Convert line[0..len) (no newline).  With event_type NULL the line is an
 * NDJSON event; otherwise it is plain text, sent as the "message" of an
 * event of that type.  An event that has an "id" must have its
 * "created_at" already (a time stamped here would differ on a rerun of
 * the same input, as the server's rule says).  now_us stamps created_at;
 * rnd makes the id.  On CONVERT_OK, *out is a malloc'd NUL-terminated
 * JSON object of *outlen bytes, one line, which the caller frees.  msg
 * gets a one-line reason on CONVERT_INVALID.
 */
enum convert_res	convert_line(const char *line, size_t len,
			    const char *event_type, int64_t now_us,
			    const uint8_t rnd[CONVERT_RANDOM_BYTES],
			    char **out, size_t *outlen, char *msg,
			    size_t msgsz);

/* The lowercase text form of the version 4 UUID made of rnd, and a NUL. */
void	convert_uuid4(const uint8_t rnd[CONVERT_RANDOM_BYTES],
	    char out[CONVERT_UUID_LEN + 1]);

#endif
