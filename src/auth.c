/*
 * auth.c: credential parsing.  Every header byte is hostile: lengths are
 * checked before copies and the token's alphabet before it is hashed.
 */
#include <string.h>
#include <strings.h>

#include "auth.h"

static int
b64val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Standard base64 (RFC 4648 §4) with padding into out; length or -1. */
static long
b64_decode(const char *in, size_t len, char *out, size_t outsz)
{
	size_t		i, o = 0;
	unsigned long	acc = 0;
	int		bits = 0, v;

	if (len % 4 != 0)
		return -1;
	for (i = 0; i < len; i++) {
		if (in[i] == '=') {
			/* Padding only at the very end, at most two. */
			if (i + 2 < len || (i + 1 < len && in[i + 1] != '='))
				return -1;
			break;
		}
		if ((v = b64val((unsigned char)in[i])) < 0)
			return -1;
		acc = (acc << 6) | (unsigned long)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (o == outsz)
				return -1;
			out[o++] = (char)((acc >> bits) & 0xff);
		}
	}
	return (long)o;
}

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

	n = b64_decode(b64, strlen(b64), plain, sizeof(plain) - 1);
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
