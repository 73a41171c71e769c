/*
 * sha256.h: SHA-256 (FIPS 180-4), streaming and one shot.  Used to hash
 * API tokens so the database never holds a usable secret.
 */
#ifndef AXLOG_SHA256_H
#define AXLOG_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_DIGEST_LEN	32

struct sha256 {
	uint32_t	h[8];		/* chaining state */
	uint64_t	len;		/* bytes fed so far */
	uint8_t		buf[64];	/* partial block */
	size_t		nbuf;		/* bytes used in buf */
};

void	sha256_init(struct sha256 *);
void	sha256_update(struct sha256 *, const void *data, size_t n);

/* Write the digest and wipe the context; sha256_init before reuse. */
void	sha256_final(struct sha256 *, uint8_t out[SHA256_DIGEST_LEN]);

/* One shot: init, update, final. */
void	sha256_digest(const void *data, size_t n,
	    uint8_t out[SHA256_DIGEST_LEN]);

/* Lowercase hex, NUL-terminated. */
void	sha256_hex(const uint8_t d[SHA256_DIGEST_LEN],
	    char out[2 * SHA256_DIGEST_LEN + 1]);

#endif
