/*
 * cursor.c: cursor encoding.
 */
#include <stdio.h>
#include <string.h>

#include "cursor.h"
#include "hex.h"
#include "sha256.h"

#define CURSOR_VERSION	1

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

static void
checksum(const uint8_t *raw, uint8_t out[4])
{
	uint8_t	d[SHA256_DIGEST_LEN];

	sha256_digest(raw, CURSOR_RAW_LEN - 4, d);
	memcpy(out, d, 4);
}

int
cursor_encode(const struct cursor *c, char out[CURSOR_LEN + 1])
{
	uint8_t		raw[CURSOR_RAW_LEN];
	uint64_t	t = (uint64_t)c->created_us;
	int		i;

	raw[0] = CURSOR_VERSION;
	for (i = 0; i < 8; i++)
		raw[1 + i] = (uint8_t)(t >> (56 - 8 * i));
	if (uuid_parse(c->id, raw + 9) != 0)
		return -1;
	checksum(raw, raw + 25);
	out[b64_url_encode(raw, sizeof(raw), out)] = '\0';
	return 0;
}

int
cursor_decode(const char *s, struct cursor *c)
{
	uint8_t		raw[CURSOR_RAW_LEN], sum[4];
	uint64_t	t = 0;
	int		i;

	if (strlen(s) != CURSOR_LEN ||
	    b64_url_decode(s, CURSOR_LEN, raw, sizeof(raw)) != CURSOR_RAW_LEN)
		return -1;
	checksum(raw, sum);
	if (raw[0] != CURSOR_VERSION || memcmp(sum, raw + 25, 4) != 0)
		return -1;
	for (i = 0; i < 8; i++)
		t = t << 8 | raw[1 + i];
	c->created_us = (int64_t)t;
	uuid_format(raw + 9, c->id);
	return 0;
}
