/*
 * auth.h: API credentials.  Extracts a token from the request headers
 * (RFC 6750 Bearer, X-API-Key, or RFC 7617 Basic with the token as
 * password) and checks its shape; the lookup by SHA-256 happens in the
 * database, in the statement of each program that needs it.
 */
#ifndef AXLOG_AUTH_H
#define AXLOG_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include "req.h"
#include "sha256.h"
#include "token.h"

enum auth_scheme {
	AUTH_NONE = 0,	/* no credentials at all */
	AUTH_BEARER,	/* Authorization: Bearer */
	AUTH_API_KEY,	/* X-API-Key */
	AUTH_BASIC,	/* Authorization: Basic, token as password */
	AUTH_OTHER,	/* Authorization with a scheme we do not take */
};

struct auth_cred {
	enum auth_scheme scheme;
	int		 well_formed;	/* token has the shape of ours */
	char		 token[TOKEN_LEN + 1];
	/* "\\x" and hex: the bytea text of the token's SHA-256 */
	char		 hash_hex[2 + 2 * SHA256_DIGEST_LEN + 1];
};

/*
 * Read the credentials of r.  Authorization wins over X-API-Key.  A
 * header that is present but unusable gives scheme != AUTH_NONE and
 * well_formed 0: the caller answers 401 without asking the database.
 */
void	auth_from_headers(const char *authorization, const char *api_key,
	    struct auth_cred *c);
void	auth_from_req(const struct req *r, struct auth_cred *c);

#endif
