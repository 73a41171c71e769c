/*
 * b64.c: base64 encoding and strict decoding.
 */
#include "b64.h"

static const char url_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* 6-bit value of c in the given variant, -1 when not of it. */
static int
val(unsigned char c, int url)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == (url ? '-' : '+'))
		return 62;
	if (c == (url ? '_' : '/'))
		return 63;
	return -1;
}

int
b64_url_char(char c)
{
	return val((unsigned char)c, 1) >= 0;
}

size_t
b64_url_encode(const uint8_t *in, size_t n, char *out)
{
	uint32_t	v;
	size_t		i, o = 0, left;

	for (i = 0; i < n; i += 3) {
		left = n - i;
		v = (uint32_t)in[i] << 16;
		if (left > 1)
			v |= (uint32_t)in[i + 1] << 8;
		if (left > 2)
			v |= in[i + 2];
		out[o++] = url_alphabet[v >> 18 & 0x3f];
		out[o++] = url_alphabet[v >> 12 & 0x3f];
		if (left > 1)
			out[o++] = url_alphabet[v >> 6 & 0x3f];
		if (left > 2)
			out[o++] = url_alphabet[v & 0x3f];
	}
	return o;
}

/* Decode len chars (no padding); leftover bits must be zero. */
static long
decode(const char *in, size_t len, uint8_t *out, size_t outsz, int url)
{
	uint32_t	acc = 0;
	size_t		i, o = 0;
	int		bits = 0, v;

	if (len % 4 == 1)
		return -1;
	for (i = 0; i < len; i++) {
		if ((v = val((unsigned char)in[i], url)) < 0)
			return -1;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (o == outsz)
				return -1;
			out[o++] = (uint8_t)(acc >> bits);
		}
	}
	/* Non-zero leftover bits: a second spelling of the same bytes. */
	if ((acc & ((1u << bits) - 1)) != 0)
		return -1;
	return (long)o;
}

long
b64_url_decode(const char *in, size_t len, uint8_t *out, size_t outsz)
{
	return decode(in, len, out, outsz, 1);
}

long
b64_std_decode(const char *in, size_t len, uint8_t *out, size_t outsz)
{
	size_t	pad = 0;

	if (len % 4 != 0)
		return -1;
	while (pad < 2 && len > pad && in[len - 1 - pad] == '=')
		pad++;
	return decode(in, len - pad, out, outsz, 0);
}
