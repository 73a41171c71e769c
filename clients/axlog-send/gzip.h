/*
 * gzip.h: compressing a request body as a gzip member (RFC 1952), for
 * "Content-Encoding: gzip" (RFC 9110 §8.4.1.3).
 */
#ifndef AXLOG_SEND_GZIP_H
#define AXLOG_SEND_GZIP_H

#include <stddef.h>

enum gzip_res {
	GZIP_OK,	/* *out holds the member */
	GZIP_NOMEM,	/* out of memory */
	GZIP_ERROR,	/* zlib refused (too large an input, a zlib bug) */
};

/*
 * Compress in[0..len) into a malloc'd buffer of *outlen bytes, which the
 * caller frees.
 */
enum gzip_res	gzip_compress(const char *in, size_t len, char **out,
		    size_t *outlen);

#endif
