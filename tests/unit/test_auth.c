/*
 * test_auth.c: credentials from the request headers: Bearer, X-API-Key
 * and Basic (token as password), which header wins, the token's shape,
 * its hash as the bytea text the key lookup uses, and hostile headers.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "auth.h"
#include "sha256.h"
#include "token.h"

/* Two syntactically valid tokens. */
static const char tok_a[] = "axk_ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghij-_01234";
static const char tok_b[] = "axk_zyxwvutsrqponmlkjihgfedcbaZYXWVUTSRQPONM_-9";

/* Standard base64 with padding (RFC 4648 §4) of s into out. */
static void
b64(const char *s, char *out, size_t outsz)
{
	static const char	abc[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t			n = strlen(s), i, o = 0;
	uint32_t		v;

	cr_assert_gt(outsz, (n + 2) / 3 * 4);
	for (i = 0; i < n; i += 3) {
		v = (uint32_t)(unsigned char)s[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)(unsigned char)s[i + 1] << 8;
		if (i + 2 < n)
			v |= (unsigned char)s[i + 2];
		out[o++] = abc[v >> 18 & 0x3f];
		out[o++] = abc[v >> 12 & 0x3f];
		out[o++] = i + 1 < n ? abc[v >> 6 & 0x3f] : '=';
		out[o++] = i + 2 < n ? abc[v & 0x3f] : '=';
	}
	out[o] = '\0';
}

/* "Basic " and the base64 of plain. */
static void
basic(const char *plain, char *out, size_t outsz)
{
	cr_assert_gt(outsz, 6);
	memcpy(out, "Basic ", 6);
	b64(plain, out + 6, outsz - 6);
}

/* c holds tok, well formed, with its SHA-256 as "\x" and hex. */
static void
assert_token(const struct auth_cred *c, const char *tok)
{
	uint8_t	d[SHA256_DIGEST_LEN];
	char	hex[2 * SHA256_DIGEST_LEN + 1];

	cr_assert_eq(c->well_formed, 1);
	cr_assert_str_eq(c->token, tok);
	token_hash(tok, strlen(tok), d);
	sha256_hex(d, hex);
	cr_assert_eq(strlen(c->hash_hex), 66, "hash_hex \"%s\"", c->hash_hex);
	cr_assert_eq(strncmp(c->hash_hex, "\\x", 2), 0, "hash_hex \"%s\"",
	    c->hash_hex);
	cr_assert_str_eq(c->hash_hex + 2, hex);
}

/* c has the scheme but no usable token. */
static void
assert_unusable(const struct auth_cred *c, enum auth_scheme scheme)
{
	cr_assert_eq(c->scheme, scheme, "scheme %d, want %d", c->scheme,
	    scheme);
	cr_assert_eq(c->well_formed, 0);
	cr_assert_str_eq(c->token, "");
	cr_assert_str_eq(c->hash_hex, "");
}

Test(auth, takes_bearer_token)
{
	struct auth_cred	c;
	char			h[128];

	snprintf(h, sizeof(h), "Bearer %s", tok_a);
	auth_from_headers(h, NULL, &c);
	cr_assert_eq(c.scheme, AUTH_BEARER);
	assert_token(&c, tok_a);
}

Test(auth, takes_lower_case_bearer_scheme)
{
	struct auth_cred	c;
	char			h[128];

	snprintf(h, sizeof(h), "bearer %s", tok_a);
	auth_from_headers(h, NULL, &c);
	cr_assert_eq(c.scheme, AUTH_BEARER);
	assert_token(&c, tok_a);
}

Test(auth, takes_x_api_key)
{
	struct auth_cred	c;

	auth_from_headers(NULL, tok_b, &c);
	cr_assert_eq(c.scheme, AUTH_API_KEY);
	assert_token(&c, tok_b);
}

Test(auth, authorization_wins_over_x_api_key)
{
	struct auth_cred	c;
	char			h[128];

	snprintf(h, sizeof(h), "Bearer %s", tok_a);
	auth_from_headers(h, tok_b, &c);
	cr_assert_eq(c.scheme, AUTH_BEARER);
	assert_token(&c, tok_a);
}

Test(auth, unusable_authorization_still_wins_over_x_api_key)
{
	struct auth_cred	c;

	auth_from_headers("Bearer nope", tok_b, &c);
	assert_unusable(&c, AUTH_BEARER);
}

Test(auth, takes_basic_password_as_token)
{
	struct auth_cred	c;
	char			plain[128], h[256];

	snprintf(plain, sizeof(plain), "user:%s", tok_a);
	basic(plain, h, sizeof(h));
	auth_from_headers(h, NULL, &c);
	cr_assert_eq(c.scheme, AUTH_BASIC);
	assert_token(&c, tok_a);
}

Test(auth, takes_basic_with_empty_user)
{
	struct auth_cred	c;
	char			plain[128], h[256];

	snprintf(plain, sizeof(plain), ":%s", tok_b);
	basic(plain, h, sizeof(h));
	auth_from_headers(h, NULL, &c);
	cr_assert_eq(c.scheme, AUTH_BASIC);
	assert_token(&c, tok_b);
}

Test(auth, takes_upper_case_basic_scheme)
{
	struct auth_cred	c;
	char			plain[128], h[256];

	snprintf(plain, sizeof(plain), "ci:%s", tok_a);
	basic(plain, h, sizeof(h));
	memcpy(h, "BASIC", 5);
	auth_from_headers(h, NULL, &c);
	cr_assert_eq(c.scheme, AUTH_BASIC);
	assert_token(&c, tok_a);
}

Test(auth, refuses_basic_with_bad_base64)
{
	struct auth_cred	c;

	auth_from_headers("Basic !!!!not*base64!!", NULL, &c);
	assert_unusable(&c, AUTH_BASIC);
}

Test(auth, refuses_basic_without_colon)
{
	struct auth_cred	c;
	char			h[256];

	basic(tok_a, h, sizeof(h));
	auth_from_headers(h, NULL, &c);
	assert_unusable(&c, AUTH_BASIC);
}

Test(auth, refuses_basic_with_missing_padding)
{
	struct auth_cred	c;
	char			plain[128], h[256];
	size_t			n;

	/* 49 bytes of "u:" and token: base64 ending in "=="; drop one. */
	snprintf(plain, sizeof(plain), "u:%s", tok_a);
	basic(plain, h, sizeof(h));
	n = strlen(h);
	cr_assert_eq(h[n - 1], '=');
	h[n - 1] = '\0';
	auth_from_headers(h, NULL, &c);
	assert_unusable(&c, AUTH_BASIC);
}

Test(auth, refuses_basic_with_padding_inside)
{
	struct auth_cred	c;
	char			plain[128], h[256];

	snprintf(plain, sizeof(plain), "u:%s", tok_a);
	basic(plain, h, sizeof(h));
	h[6 + 4] = '=';
	auth_from_headers(h, NULL, &c);
	assert_unusable(&c, AUTH_BASIC);
}

Test(auth, refuses_basic_with_three_padding_chars)
{
	struct auth_cred	c;

	auth_from_headers("Basic dQ===", NULL, &c);
	assert_unusable(&c, AUTH_BASIC);
}

Test(auth, refuses_basic_with_empty_credentials)
{
	struct auth_cred	c;

	auth_from_headers("Basic ", NULL, &c);
	assert_unusable(&c, AUTH_BASIC);
}

Test(auth, refuses_basic_whose_password_is_not_a_token)
{
	struct auth_cred	c;
	char			h[256];

	basic("alice:hunter2", h, sizeof(h));
	auth_from_headers(h, NULL, &c);
	assert_unusable(&c, AUTH_BASIC);
}

Test(auth, refuses_basic_with_nul_in_credentials)
{
	struct auth_cred	c;

	/* base64 of "u\0:" then the token would need a NUL in a C string;
	 * "dQA6" is "u", NUL, ":". */
	auth_from_headers("Basic dQA6", NULL, &c);
	assert_unusable(&c, AUTH_BASIC);
}

Test(auth, reports_unknown_scheme_as_other)
{
	struct auth_cred	c;

	auth_from_headers("Digest username=\"x\"", NULL, &c);
	assert_unusable(&c, AUTH_OTHER);
}

Test(auth, reports_bare_token_in_authorization_as_other)
{
	struct auth_cred	c;

	auth_from_headers(tok_a, NULL, &c);
	assert_unusable(&c, AUTH_OTHER);
}

Test(auth, reports_empty_authorization_as_other)
{
	struct auth_cred	c;

	auth_from_headers("", NULL, &c);
	assert_unusable(&c, AUTH_OTHER);
}

Test(auth, reports_no_headers_as_none)
{
	struct auth_cred	c;

	memset(&c, 0x5a, sizeof(c));
	auth_from_headers(NULL, NULL, &c);
	assert_unusable(&c, AUTH_NONE);
}

Test(auth, refuses_token_with_wrong_prefix)
{
	struct auth_cred	c;
	char			t[sizeof(tok_a)];

	memcpy(t, tok_a, sizeof(t));
	t[2] = 'x';
	auth_from_headers(NULL, t, &c);
	assert_unusable(&c, AUTH_API_KEY);
}

Test(auth, refuses_token_one_char_short)
{
	struct auth_cred	c;
	char			t[sizeof(tok_a)];

	memcpy(t, tok_a, sizeof(t));
	t[TOKEN_LEN - 1] = '\0';
	auth_from_headers(NULL, t, &c);
	assert_unusable(&c, AUTH_API_KEY);
}

Test(auth, refuses_token_one_char_long)
{
	struct auth_cred	c;
	char			h[128];

	snprintf(h, sizeof(h), "Bearer %sA", tok_a);
	auth_from_headers(h, NULL, &c);
	assert_unusable(&c, AUTH_BEARER);
}

Test(auth, refuses_token_with_trailing_space)
{
	struct auth_cred	c;
	char			h[128];

	snprintf(h, sizeof(h), "Bearer %s ", tok_a);
	auth_from_headers(h, NULL, &c);
	assert_unusable(&c, AUTH_BEARER);
}

Test(auth, refuses_x_api_key_with_trailing_space)
{
	struct auth_cred	c;
	char			t[128];

	snprintf(t, sizeof(t), "%s ", tok_b);
	auth_from_headers(NULL, t, &c);
	assert_unusable(&c, AUTH_API_KEY);
}

Test(auth, refuses_token_with_standard_base64_char)
{
	struct auth_cred	c;
	char			t[sizeof(tok_a)];

	memcpy(t, tok_a, sizeof(t));
	t[10] = '+';
	auth_from_headers(NULL, t, &c);
	assert_unusable(&c, AUTH_API_KEY);
}

Test(auth, refuses_empty_x_api_key)
{
	struct auth_cred	c;

	auth_from_headers(NULL, "", &c);
	assert_unusable(&c, AUTH_API_KEY);
}

Test(auth, refuses_bearer_without_token)
{
	struct auth_cred	c;

	auth_from_headers("Bearer ", NULL, &c);
	assert_unusable(&c, AUTH_BEARER);
}

/* 10 KB of header in each place a token is read from. */
static char *
long_header(const char *prefix, char fill)
{
	size_t	 p = strlen(prefix), n = 10 * 1024;
	char	*h = malloc(p + n + 1);

	cr_assert_not_null(h);
	memcpy(h, prefix, p);
	memset(h + p, fill, n);
	h[p + n] = '\0';
	return h;
}

Test(auth, survives_10_kb_bearer_header)
{
	struct auth_cred	 c;
	char			*h = long_header("Bearer axk_", 'A');

	auth_from_headers(h, NULL, &c);
	free(h);
	assert_unusable(&c, AUTH_BEARER);
}

Test(auth, survives_10_kb_x_api_key)
{
	struct auth_cred	 c;
	char			*h = long_header("axk_", 'A');

	auth_from_headers(NULL, h, &c);
	free(h);
	assert_unusable(&c, AUTH_API_KEY);
}

Test(auth, survives_10_kb_basic_header)
{
	struct auth_cred	 c;
	char			*h = long_header("Basic ", 'A');

	/* Valid base64 that decodes to 7.5 KB of bytes. */
	auth_from_headers(h, NULL, &c);
	free(h);
	assert_unusable(&c, AUTH_BASIC);
}

Test(auth, survives_basic_decoding_to_just_over_its_buffer)
{
	struct auth_cred	 c;
	char			 plain[300], *h;
	size_t			 n;

	/* A 256-byte "user:token": one byte more than the decoder keeps. */
	n = 256 - 1 - TOKEN_LEN;
	memset(plain, 'u', n);
	plain[n] = ':';
	memcpy(plain + n + 1, tok_a, sizeof(tok_a));
	cr_assert_eq(strlen(plain), 256);
	h = malloc(6 + 4 * 86 + 1);
	cr_assert_not_null(h);
	basic(plain, h, 6 + 4 * 86 + 1);
	auth_from_headers(h, NULL, &c);
	free(h);
	cr_assert_eq(c.scheme, AUTH_BASIC);
}

Test(auth, takes_basic_decoding_to_255_bytes)
{
	struct auth_cred	 c;
	char			 plain[300], h[512];
	size_t			 n;

	n = 255 - 1 - TOKEN_LEN;
	memset(plain, 'u', n);
	plain[n] = ':';
	memcpy(plain + n + 1, tok_a, sizeof(tok_a));
	cr_assert_eq(strlen(plain), 255);
	basic(plain, h, sizeof(h));
	auth_from_headers(h, NULL, &c);
	cr_assert_eq(c.scheme, AUTH_BASIC);
	assert_token(&c, tok_a);
}
