/*
 * token.h: API tokens: "axk_" then 256 random bits as unpadded base64url.
 * Only their SHA-256 is stored, so a database leak yields no usable key.
 */
#ifndef AXLOG_TOKEN_H
#define AXLOG_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#include "sha256.h"

#define TOKEN_PREFIX		"axk_"
#define TOKEN_RANDOM_BYTES	32		/* 256 random bits */
#define TOKEN_LEN		(4 + 43)	/* prefix + unpadded base64url of 32 bytes */

/*
 * Make a new token from getrandom(2) (loop on EINTR / short reads).
 * Returns 0 or -1.  out gets a NUL-terminated token.
 */
int	token_generate(char out[TOKEN_LEN + 1]);

/*
 * Cheap syntactic check before any database lookup: exactly TOKEN_LEN
 * chars, the prefix, then only base64url chars [A-Za-z0-9_-].  Returns 1
 * if well formed, 0 otherwise.  len is the length of tok (tok need not be
 * NUL-terminated).
 */
int	token_well_formed(const char *tok, size_t len);

/* SHA-256 of the token bytes, as stored in the database (bytea). */
void	token_hash(const char *tok, size_t len, uint8_t out[SHA256_DIGEST_LEN]);

#endif
