/*
 * token.c: API token generation, syntax check and hashing.
 */
#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include "b64.h"
#include "token.h"

#define PREFIX_LEN	(sizeof(TOKEN_PREFIX) - 1)

/* The prefix length is baked into TOKEN_LEN; keep the two in step. */
_Static_assert(PREFIX_LEN == 4, "TOKEN_LEN assumes a 4-char prefix");
_Static_assert(TOKEN_LEN == PREFIX_LEN + (TOKEN_RANDOM_BYTES * 4 + 2) / 3,
    "TOKEN_LEN must fit the unpadded base64url of TOKEN_RANDOM_BYTES");

/* Fill buf entirely; getrandom may be interrupted or return short. */
static int
fill_random(uint8_t *buf, size_t n)
{
	ssize_t	r;

	while (n > 0) {
		r = getrandom(buf, n, 0);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += r;
		n -= (size_t)r;
	}
	return 0;
}

int
token_generate(char out[TOKEN_LEN + 1])
{
	uint8_t	raw[TOKEN_RANDOM_BYTES];
	size_t	n;

	if (fill_random(raw, sizeof(raw)) == -1)
		return -1;
	memcpy(out, TOKEN_PREFIX, PREFIX_LEN);
	n = b64_url_encode(raw, sizeof(raw), out + PREFIX_LEN);
	out[PREFIX_LEN + n] = '\0';
	/* The raw bytes are the secret; do not leave them on the stack. */
	explicit_bzero(raw, sizeof(raw));
	return 0;
}

/* Explicit ranges rather than isalnum(), which follows the locale. */
int
token_well_formed(const char *tok, size_t len)
{
	size_t	i;

	if (tok == NULL || len != TOKEN_LEN)
		return 0;
	if (memcmp(tok, TOKEN_PREFIX, PREFIX_LEN) != 0)
		return 0;
	for (i = PREFIX_LEN; i < len; i++)
		if (!b64_url_char(tok[i]))
			return 0;
	return 1;
}

void
token_hash(const char *tok, size_t len, uint8_t out[SHA256_DIGEST_LEN])
{
	sha256_digest(tok, len, out);
}
