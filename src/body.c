/*
 * body.c: media types and gzip.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <zlib.h>

#include "body.h"

/* Does s start with the token t, followed by end, ';' or space? */
static int
starts_token(const char *s, const char *t)
{
	size_t	n = strlen(t);

	return strncasecmp(s, t, n) == 0 &&
	    (s[n] == '\0' || s[n] == ';' || s[n] == ' ' || s[n] == '\t');
}

/* Any charset parameter must name UTF-8 (JSON is UTF-8, RFC 8259 §8.1). */
static int
charset_ok(const char *ct)
{
	const char	*p = strchr(ct, ';');
	const char	*cs;

	for (; p != NULL; p = strchr(p + 1, ';')) {
		cs = p + 1;
		while (*cs == ' ' || *cs == '\t')
			cs++;
		if (strncasecmp(cs, "charset=", 8) != 0)
			continue;
		cs += 8;
		if (*cs == '"')
			cs++;
		if (strncasecmp(cs, "utf-8", 5) != 0 ||
		    (cs[5] != '\0' && cs[5] != '"' && cs[5] != ';' &&
		    !isspace((unsigned char)cs[5])))
			return 0;
	}
	return 1;
}

enum ax_err
body_type_of(const char *ct, enum body_type *t)
{
	if (ct == NULL)
		return AX_ERR_MEDIA_TYPE;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	if (starts_token(ct, "application/json"))
		*t = BODY_JSON;
	else if (starts_token(ct, "application/x-ndjson") ||
	    starts_token(ct, "application/ndjson"))
		*t = BODY_NDJSON;
	else
		return AX_ERR_MEDIA_TYPE;
	return charset_ok(ct) ? AX_OK : AX_ERR_MEDIA_TYPE;
}

enum ax_err
body_encoding_of(const char *ce, int *gzip)
{
	*gzip = 0;
	if (ce == NULL || ce[0] == '\0' || strcasecmp(ce, "identity") == 0)
		return AX_OK;
	if (strcasecmp(ce, "gzip") == 0 || strcasecmp(ce, "x-gzip") == 0) {
		*gzip = 1;
		return AX_OK;
	}
	return AX_ERR_MEDIA_TYPE;
}

/* Inflate into buf[0..max]; the extra byte detects overflow. */
static enum ax_err
inflate_all(z_stream *z, const char *in, size_t len, char *buf, size_t max,
    size_t *outlen)
{
	int	rc;

	z->next_in = (Bytef *)(uintptr_t)in;
	z->avail_in = (uInt)len;
	z->next_out = (Bytef *)buf;
	z->avail_out = (uInt)(max + 1);
	for (;;) {
		rc = inflate(z, Z_NO_FLUSH);
		if (rc == Z_STREAM_END) {
			if (z->avail_in == 0)
				break;
			/* Another gzip member follows (RFC 1952 §2.2). */
			if (inflateReset(z) != Z_OK)
				return AX_ERR_INVALID_ENCODING;
			continue;
		}
		if (z->avail_out == 0)
			return AX_ERR_TOO_LARGE;
		if (rc != Z_OK)
			return AX_ERR_INVALID_ENCODING;
		if (z->avail_in == 0)
			return AX_ERR_INVALID_ENCODING;	/* truncated */
	}
	*outlen = (size_t)(z->next_out - (Bytef *)buf);
	return *outlen > max ? AX_ERR_TOO_LARGE : AX_OK;
}

enum ax_err
body_gunzip(const char *in, size_t len, size_t max, char **out,
    size_t *outlen)
{
	z_stream	 z;
	char		*buf;
	enum ax_err	 e;

	*out = NULL;
	*outlen = 0;
	if (len > 0xffffffffu || max >= 0xffffffffu)
		return AX_ERR_TOO_LARGE;
	if ((buf = malloc(max + 2)) == NULL)
		return AX_ERR_UNAVAILABLE;
	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) {
		free(buf);
		return AX_ERR_UNAVAILABLE;
	}
	e = inflate_all(&z, in, len, buf, max, outlen);
	inflateEnd(&z);
	if (e != AX_OK) {
		free(buf);
		return e;
	}
	buf[*outlen] = '\0';
	*out = buf;
	return AX_OK;
}
