/*
 * cursor.c: cursor encoding.  The MAC is libcrypto's HMAC, and it is
 * checked with CRYPTO_memcmp, whose time does not depend on where the
 * bytes differ.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "cursor.h"
#include "hex.h"

/* 1 was an unkeyed SHA-256 checksum: anyone could make one. */
#define CURSOR_VERSION	2
#define MAC_AT		(CURSOR_RAW_LEN - CURSOR_MAC_LEN)

/* Canonical UUID text to 16 bytes; -1 if not one. */
static int
uuid_parse(const char *s, uint8_t out[16])
{
	size_t	i, o = 0;
	int	hi, lo;

	if (strlen(s) != 36)
		return -1;
	for (i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return -1;
			continue;
		}
		if ((hi = hex_value(s[i])) < 0 || (lo = hex_value(s[i + 1])) < 0)
			return -1;
		out[o++] = (uint8_t)(hi << 4 | lo);
		i++;
	}
	return o == 16 ? 0 : -1;
}

static void
uuid_format(const uint8_t in[16], char out[37])
{
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
	    "%02x%02x%02x%02x%02x%02x", in[0], in[1], in[2], in[3], in[4],
	    in[5], in[6], in[7], in[8], in[9], in[10], in[11], in[12], in[13],
	    in[14], in[15]);
}

/* The MAC of raw's first MAC_AT bytes into out; -1 if libcrypto fails. */
static int
mac(const uint8_t key[CURSOR_KEY_LEN], const uint8_t *raw,
    uint8_t out[CURSOR_MAC_LEN])
{
	uint8_t		d[EVP_MAX_MD_SIZE];
	unsigned int	n = 0;

	if (HMAC(EVP_sha256(), key, CURSOR_KEY_LEN, raw, MAC_AT, d, &n) ==
	    NULL || n < CURSOR_MAC_LEN)
		return -1;
	memcpy(out, d, CURSOR_MAC_LEN);
	return 0;
}

static int
in_range(int64_t us)
{
	return us >= CURSOR_MIN_US && us <= CURSOR_MAX_US;
}

int
cursor_encode(const struct cursor *c, const uint8_t key[CURSOR_KEY_LEN],
    char out[CURSOR_LEN + 1])
{
	uint8_t		raw[CURSOR_RAW_LEN];
	uint64_t	t = (uint64_t)c->created_us;
	int		i;

	/* Never hand out a cursor that decoding would refuse. */
	if (!in_range(c->created_us))
		return -1;
	raw[0] = CURSOR_VERSION;
	for (i = 0; i < 8; i++)
		raw[1 + i] = (uint8_t)(t >> (56 - 8 * i));
	if (uuid_parse(c->id, raw + 9) != 0 || mac(key, raw, raw + MAC_AT) != 0)
		return -1;
	out[b64_url_encode(raw, sizeof(raw), out)] = '\0';
	return 0;
}

int
cursor_decode(const char *s, const uint8_t key[CURSOR_KEY_LEN],
    struct cursor *c)
{
	uint8_t		raw[CURSOR_RAW_LEN], sum[CURSOR_MAC_LEN];
	uint64_t	t = 0;
	int64_t		us;
	int		i;

	if (strlen(s) != CURSOR_LEN ||
	    b64_url_decode(s, CURSOR_LEN, raw, sizeof(raw)) != CURSOR_RAW_LEN)
		return -1;
	if (mac(key, raw, sum) != 0 ||
	    CRYPTO_memcmp(sum, raw + MAC_AT, CURSOR_MAC_LEN) != 0 ||
	    raw[0] != CURSOR_VERSION)
		return -1;
	for (i = 0; i < 8; i++)
		t = t << 8 | raw[1 + i];
	/* Only a leaked key could sign this: still no statement for it. */
	if (!in_range(us = (int64_t)t))
		return -1;
	c->created_us = us;
	uuid_format(raw + 9, c->id);
	return 0;
}
