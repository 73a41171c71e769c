/*
 * body.h: turning a request body into the bytes of its media type:
 * Content-Type and Content-Encoding checked (RFC 9110 §8.3, §8.4), gzip
 * (RFC 1952) inflated with the output bounded while inflating, so a
 * small bomb costs no more than the limit.
 */
#ifndef AXLOG_BODY_H
#define AXLOG_BODY_H

#include <stddef.h>

#include "err.h"

enum body_type {
	BODY_JSON,	/* application/json */
	BODY_NDJSON,	/* application/x-ndjson (or application/ndjson) */
};

/*
 * Media type of a Content-Type value, parameters ignored except a
 * charset, which must be utf-8.  AX_ERR_MEDIA_TYPE otherwise.
 */
enum ax_err	body_type_of(const char *content_type, enum body_type *t);

/* Content-Encoding: absent, "identity" → *gzip 0; "gzip" → 1; else 415. */
enum ax_err	body_encoding_of(const char *content_encoding, int *gzip);

/*
 * Inflate one or more gzip members of in[0..len) into a new malloc'd,
 * NUL-terminated buffer of at most max bytes.  AX_ERR_TOO_LARGE past
 * max, AX_ERR_INVALID_ENCODING for anything but well-formed gzip.
 */
enum ax_err	body_gunzip(const char *in, size_t len, size_t max,
		    char **out, size_t *outlen);

#endif
