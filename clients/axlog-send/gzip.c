/*
 * gzip.c: one-shot deflate with a gzip wrapper (zlib's windowBits 15+16),
 * into a buffer sized by deflateBound, so one deflate call finishes.
 */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "gzip.h"

#define GZIP_WINDOW	(15 + 16)	/* 32 KiB window, gzip header */
#define GZIP_MEMLEVEL	8

enum gzip_res
gzip_compress(const char *in, size_t len, char **out, size_t *outlen)
{
	z_stream	z;
	enum gzip_res	r = GZIP_ERROR;
	uLong		bound;
	char		*buf = NULL;

	*out = NULL;
	if (len > UINT_MAX / 2)
		return GZIP_ERROR;
	memset(&z, 0, sizeof(z));
	if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, GZIP_WINDOW,
	    GZIP_MEMLEVEL, Z_DEFAULT_STRATEGY) != Z_OK)
		return GZIP_ERROR;
	bound = deflateBound(&z, (uLong)len);
	if ((buf = malloc(bound)) == NULL) {
		r = GZIP_NOMEM;
		goto out;
	}
	z.next_in = (Bytef *)(uintptr_t)in;	/* zlib does not write it */
	z.avail_in = (uInt)len;
	z.next_out = (Bytef *)buf;
	z.avail_out = (uInt)bound;
	if (deflate(&z, Z_FINISH) != Z_STREAM_END)
		goto out;
	*outlen = (size_t)z.total_out;
	*out = buf;
	buf = NULL;
	r = GZIP_OK;
out:
	(void)deflateEnd(&z);	/* Z_DATA_ERROR only when unfinished */
	free(buf);
	return r;
}
