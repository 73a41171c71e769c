/*
 * auth.c: credential parsing.  Every header byte is hostile: lengths are
 * checked before copies and the token's alphabet before it is hashed.
 */
#include <string.h>
#include <strings.h>

#include "auth.h"
#include "b64.h"

static void
set_token(struct auth_cred *c, const char *tok, size_t len)
{
	uint8_t	d[SHA256_DIGEST_LEN];

	if (!token_well_formed(tok, len))
		return;
	memcpy(c->token, tok, len);
	c->token[len] = '\0';
	token_hash(tok, len, d);
	memcpy(c->hash_hex, "\\x", 2);
	sha256_hex(d, c->hash_hex + 2);
	c->well_formed = 1;
}

/* user:password, where only the password (the token) counts. */
static void
from_basic(struct auth_cred *c, const char *b64)
{
	char	 plain[256];
	char	*colon;
	long	 n;

	n = b64_std_decode(b64, strlen(b64), (uint8_t *)plain,
	    sizeof(plain) - 1);
	if (n < 0)
		return;
	plain[n] = '\0';
	if (memchr(plain, '\0', (size_t)n) != NULL ||
	    (colon = strchr(plain, ':')) == NULL)
		return;
	set_token(c, colon + 1, (size_t)n - (size_t)(colon + 1 - plain));
}

void
auth_from_headers(const char *authorization, const char *api_key,
    struct auth_cred *c)
{
	memset(c, 0, sizeof(*c));
	if (authorization != NULL) {
		if (strncasecmp(authorization, "Bearer ", 7) == 0) {
			c->scheme = AUTH_BEARER;
			set_token(c, authorization + 7,
			    strlen(authorization + 7));
		} else if (strncasecmp(authorization, "Basic ", 6) == 0) {
			c->scheme = AUTH_BASIC;
			from_basic(c, authorization + 6);
		} else
			c->scheme = AUTH_OTHER;
		return;
	}
	if (api_key != NULL) {
		c->scheme = AUTH_API_KEY;
		set_token(c, api_key, strlen(api_key));
	}
}

void
auth_from_req(const struct req *r, struct auth_cred *c)
{
	auth_from_headers(req_header(r, "Authorization"),
	    req_header(r, "X-API-Key"), c);
}
