/*
 * test_b64.c: base64 per RFC 4648: the §10 vectors through the unpadded
 * URL-safe encoder, round trips of every short length, and the strict
 * decoders' refusals (foreign alphabet, bad length, padding, leftover
 * bits, output overflow).
 */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "b64.h"

/* RFC 4648 §10, with the padding dropped as §5 unpadded form. */
static const char *const vec_in[] = {
	"", "f", "fo", "foo", "foob", "fooba", "foobar"
};
static const char *const vec_url[] = {
	"", "Zg", "Zm8", "Zm9v", "Zm9vYg", "Zm9vYmE", "Zm9vYmFy"
};
static const char *const vec_std[] = {
	"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"
};
#define NVEC	(sizeof(vec_in) / sizeof(vec_in[0]))

/* Decode a NUL-terminated string with plenty of room. */
static long
url_dec(const char *s, uint8_t *out, size_t outsz)
{
	return b64_url_decode(s, strlen(s), out, outsz);
}

static long
std_dec(const char *s, uint8_t *out, size_t outsz)
{
	return b64_std_decode(s, strlen(s), out, outsz);
}

Test(b64, url_encode_matches_rfc4648_vectors)
{
	char	out[16];
	size_t	i, n;

	for (i = 0; i < NVEC; i++) {
		n = b64_url_encode((const uint8_t *)vec_in[i],
		    strlen(vec_in[i]), out);
		cr_assert_eq(n, strlen(vec_url[i]), "length for \"%s\"",
		    vec_in[i]);
		cr_assert_eq(n, B64URL_LEN(strlen(vec_in[i])));
		cr_assert_eq(memcmp(out, vec_url[i], n), 0, "\"%s\" -> %.*s",
		    vec_in[i], (int)n, out);
	}
}

Test(b64, url_decode_matches_rfc4648_vectors)
{
	uint8_t	out[16];
	size_t	i;
	long	n;

	for (i = 0; i < NVEC; i++) {
		n = url_dec(vec_url[i], out, sizeof(out));
		cr_assert_eq(n, (long)strlen(vec_in[i]), "decoding %s",
		    vec_url[i]);
		cr_assert_eq(memcmp(out, vec_in[i], (size_t)n), 0);
	}
}

Test(b64, url_encode_uses_dash_and_underscore_for_62_and_63)
{
	const uint8_t	in[] = { 0xfb, 0xff, 0xbf };
	char		out[4];

	/* 111110 111111 111110 111111: 62, 63, 62, 63. */
	cr_assert_eq(b64_url_encode(in, sizeof(in), out), 4);
	cr_assert_eq(memcmp(out, "-_-_", 4), 0);
}

Test(b64, url_round_trip_of_random_bytes_every_length_to_64)
{
	uint8_t		in[64], back[64];
	char		enc[B64URL_LEN(64)];
	size_t		len, i, n;
	long		got;

	srand(4648);
	for (len = 0; len <= 64; len++) {
		for (i = 0; i < len; i++)
			in[i] = (uint8_t)(rand() & 0xff);
		n = b64_url_encode(in, len, enc);
		cr_assert_eq(n, B64URL_LEN(len), "encoded length of %zu", len);
		for (i = 0; i < n; i++)
			cr_assert(b64_url_char(enc[i]), "char 0x%02x at %zu",
			    (unsigned char)enc[i], i);
		got = b64_url_decode(enc, n, back, len);
		cr_assert_eq(got, (long)len, "decoded length of %zu", len);
		cr_assert_eq(memcmp(in, back, len), 0, "bytes of %zu", len);
	}
}

Test(b64, url_decode_rejects_standard_alphabet_and_padding)
{
	uint8_t	out[16];

	cr_assert_eq(url_dec("Zm9+", out, sizeof(out)), -1);
	cr_assert_eq(url_dec("Zm9/", out, sizeof(out)), -1);
	cr_assert_eq(url_dec("Zg==", out, sizeof(out)), -1);
	cr_assert_eq(url_dec("Zm8=", out, sizeof(out)), -1);
	cr_assert_eq(url_dec("Zm 9", out, sizeof(out)), -1);
}

Test(b64, url_decode_rejects_length_one_mod_four)
{
	uint8_t	out[16];

	cr_assert_eq(url_dec("Z", out, sizeof(out)), -1);
	cr_assert_eq(url_dec("Zm9vY", out, sizeof(out)), -1);
}

Test(b64, url_decode_rejects_nonzero_leftover_bits)
{
	uint8_t	out[16];

	/* "Zg" is "f"; "Zh" spells the same byte with a stray low bit. */
	cr_assert_eq(url_dec("Zh", out, sizeof(out)), -1);
	cr_assert_eq(url_dec("Zm9", out, sizeof(out)), -1);
	cr_assert_eq(url_dec("Zm_", out, sizeof(out)), -1);
	cr_assert_eq(url_dec("Zm8", out, sizeof(out)), 2);
}

Test(b64, url_decode_refuses_to_overflow_output)
{
	uint8_t	out[8];

	memset(out, 0xaa, sizeof(out));
	cr_assert_eq(url_dec("Zm9vYmFy", out, 5), -1);
	cr_assert_eq(out[5], 0xaa, "wrote past outsz");
	cr_assert_eq(url_dec("Zm9vYmFy", out, 6), 6);
	cr_assert_eq(url_dec("Zg", out, 0), -1);
	cr_assert_eq(url_dec("", out, 0), 0);
}

Test(b64, url_char_is_exactly_the_url_alphabet)
{
	int	c, expect;

	for (c = -128; c < 128; c++) {
		expect = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_';
		cr_assert_eq(b64_url_char((char)c) != 0, expect,
		    "byte 0x%02x", (unsigned char)c);
	}
}

Test(b64, std_decode_matches_rfc4648_padded_vectors)
{
	uint8_t	out[16];
	size_t	i;
	long	n;

	for (i = 0; i < NVEC; i++) {
		n = std_dec(vec_std[i], out, sizeof(out));
		cr_assert_eq(n, (long)strlen(vec_in[i]), "decoding %s",
		    vec_std[i]);
		cr_assert_eq(memcmp(out, vec_in[i], (size_t)n), 0);
	}
}

Test(b64, std_decode_reads_plus_and_slash)
{
	uint8_t	out[4];

	cr_assert_eq(std_dec("+/+/", out, sizeof(out)), 3);
	cr_assert_eq(out[0], 0xfb);
	cr_assert_eq(out[1], 0xff);
	cr_assert_eq(out[2], 0xbf);
}

Test(b64, std_decode_rejects_missing_padding)
{
	uint8_t	out[16];

	cr_assert_eq(std_dec("Zm9vYmE", out, sizeof(out)), -1);
	cr_assert_eq(std_dec("Zm9vYg", out, sizeof(out)), -1);
	cr_assert_eq(std_dec("Zm9vYg=", out, sizeof(out)), -1);
}

Test(b64, std_decode_rejects_padding_in_the_middle)
{
	uint8_t	out[16];

	cr_assert_eq(std_dec("Zg==Zm9v", out, sizeof(out)), -1);
	cr_assert_eq(std_dec("Zm=vYmFy", out, sizeof(out)), -1);
	cr_assert_eq(std_dec("Z=9v", out, sizeof(out)), -1);
}

Test(b64, std_decode_rejects_url_alphabet)
{
	uint8_t	out[16];

	cr_assert_eq(std_dec("Zm9-", out, sizeof(out)), -1);
	cr_assert_eq(std_dec("Zm9_", out, sizeof(out)), -1);
}

Test(b64, std_decode_rejects_three_padding_chars)
{
	uint8_t	out[16];

	cr_assert_eq(std_dec("Zm9vY===", out, sizeof(out)), -1);
	cr_assert_eq(std_dec("Z===", out, sizeof(out)), -1);
	cr_assert_eq(std_dec("====", out, sizeof(out)), -1);
}

Test(b64, std_decode_rejects_nonzero_leftover_bits)
{
	uint8_t	out[16];

	cr_assert_eq(std_dec("Zh==", out, sizeof(out)), -1);
	cr_assert_eq(std_dec("Zm9=", out, sizeof(out)), -1);
}

Test(b64, std_decode_refuses_to_overflow_output)
{
	uint8_t	out[8];

	memset(out, 0xaa, sizeof(out));
	cr_assert_eq(std_dec("Zm9vYmE=", out, 4), -1);
	cr_assert_eq(out[4], 0xaa, "wrote past outsz");
	cr_assert_eq(std_dec("Zm9vYmE=", out, 5), 5);
}
