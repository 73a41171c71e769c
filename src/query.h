/*
 * query.h: application/x-www-form-urlencoded query strings (the WHATWG
 * URL standard's parser, §5.1): '&'-separated pairs, '+' as space,
 * %XX escapes.  Decoded values are NUL-free and bounded.
 */
#ifndef AXLOG_QUERY_H
#define AXLOG_QUERY_H

#include <stddef.h>

#include "err.h"

#define QUERY_MAX_PARAMS	64
#define QUERY_MAX_LEN		8192

struct query_param {
	const char	*key;
	const char	*value;
};

struct query {
	size_t			 n;
	struct query_param	 p[QUERY_MAX_PARAMS];
	char			*buf;		/* owns every key and value */
};

/*
 * Parse qs into q.  Returns AX_OK, or AX_ERR_BAD_REQUEST for a string
 * longer than QUERY_MAX_LEN, more than QUERY_MAX_PARAMS pairs, a bad or
 * NUL-producing escape or decoded bytes that are not UTF-8; *bad names the offending key when known.
 * Free with query_free() in every case.
 */
enum ax_err	 query_parse(const char *qs, struct query *q, const char **bad);
void		 query_free(struct query *q);

/* The first value of key, or NULL. */
const char	*query_get(const struct query *q, const char *key);
/* How many times key occurs; query_nth() returns its i-th value. */
size_t		 query_count(const struct query *q, const char *key);
const char	*query_nth(const struct query *q, const char *key, size_t i);

/*
 * Percent-encode s (RFC 3986 §2.1) into out: every byte but the
 * unreserved A-Z a-z 0-9 - . _ ~ and those in keep (may be NULL) becomes
 * %XX, so the text is safe inside any URL, header or <...>.  Returns its
 * length, or (size_t)-1 when it and the NUL do not fit in outsz bytes.
 */
size_t		 query_encode(const char *s, const char *keep, char *out,
		    size_t outsz);

#endif
