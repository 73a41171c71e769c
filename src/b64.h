/*
 * b64.h: base64 (RFC 4648): the URL-safe alphabet without padding (§5)
 * for tokens and cursors, and the standard padded one (§4) for HTTP
 * Basic credentials.  Decoders are strict: any stray byte is an error.
 */
#ifndef AXLOG_B64_H
#define AXLOG_B64_H

#include <stddef.h>
#include <stdint.h>

/* Chars of the unpadded base64url of n bytes. */
#define B64URL_LEN(n)	(((n) * 4 + 2) / 3)

/* Unpadded base64url of in[0..n) into out (not NUL-terminated). */
size_t	b64_url_encode(const uint8_t *in, size_t n, char *out);
/*
 * Decode unpadded base64url in[0..len) into out (at most outsz bytes).
 * Returns the byte count, or -1 on a bad char, length or leftover bits.
 */
long	b64_url_decode(const char *in, size_t len, uint8_t *out, size_t outsz);
/* Decode padded standard base64; -1 on anything malformed. */
long	b64_std_decode(const char *in, size_t len, uint8_t *out, size_t outsz);
/* Is c in the base64url alphabet? */
int	b64_url_char(char c);

#endif
