/*
 * test_body.c: the /ingest body's Content-Type and Content-Encoding, and
 * gzip inflation: zlib's own gzip output round-trips, several members
 * join, the output limit holds exactly and stops a bomb early, and
 * anything but well-formed gzip is refused.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <criterion/criterion.h>
#include <zlib.h>

#include "body.h"

#define MIB	((size_t)1024 * 1024)

static char	*gz;		/* compressed input of a test */
static size_t	 gzlen;
static char	*out;		/* body_gunzip's output */
static size_t	 outlen;

static void
release(void)
{
	free(gz);
	free(out);
	gz = out = NULL;
}

TestSuite(body_type);
TestSuite(body_encoding);
TestSuite(gunzip, .fini = release);

/* body_type_of */

static void
assert_type(const char *ct, enum body_type want)
{
	enum body_type	t = want == BODY_JSON ? BODY_NDJSON : BODY_JSON;

	cr_assert_eq(body_type_of(ct, &t), AX_OK, "refused \"%s\"", ct);
	cr_assert_eq(t, want, "\"%s\" gave type %d", ct, t);
}

static void
assert_type_refused(const char *ct)
{
	enum body_type	t;

	cr_assert_eq(body_type_of(ct, &t), AX_ERR_MEDIA_TYPE, "accepted \"%s\"",
	    ct ? ct : "(null)");
}

Test(body_type, accepts_application_json)
{
	assert_type("application/json", BODY_JSON);
}

Test(body_type, accepts_json_with_utf8_charset)
{
	assert_type("application/json; charset=utf-8", BODY_JSON);
}

Test(body_type, accepts_json_with_quoted_upper_case_charset)
{
	assert_type("application/json;charset=\"UTF-8\"", BODY_JSON);
}

Test(body_type, accepts_upper_case_media_type)
{
	assert_type("APPLICATION/JSON", BODY_JSON);
}

Test(body_type, accepts_json_with_other_parameters)
{
	assert_type("application/json; foo=bar; charset=utf-8", BODY_JSON);
}

Test(body_type, accepts_application_x_ndjson)
{
	assert_type("application/x-ndjson", BODY_NDJSON);
}

Test(body_type, accepts_application_ndjson)
{
	assert_type("application/ndjson", BODY_NDJSON);
}

Test(body_type, accepts_ndjson_with_utf8_charset)
{
	assert_type("application/x-ndjson; charset=UTF-8", BODY_NDJSON);
}

Test(body_type, refuses_missing_content_type)
{
	assert_type_refused(NULL);
}

Test(body_type, refuses_empty_content_type)
{
	assert_type_refused("");
}

Test(body_type, refuses_text_plain)
{
	assert_type_refused("text/plain");
}

Test(body_type, refuses_form_data)
{
	assert_type_refused("application/x-www-form-urlencoded");
}

Test(body_type, refuses_longer_subtype)
{
	assert_type_refused("application/jsonx");
}

Test(body_type, refuses_json_suffix_type)
{
	assert_type_refused("application/json-seq");
}

Test(body_type, refuses_latin1_charset)
{
	assert_type_refused("application/json; charset=latin1");
}

Test(body_type, refuses_charset_with_utf8_prefix)
{
	assert_type_refused("application/json; charset=utf-8x");
}

Test(body_type, refuses_latin1_charset_on_ndjson)
{
	assert_type_refused("application/x-ndjson; charset=iso-8859-1");
}

/* body_encoding_of */

static void
assert_encoding(const char *ce, int want)
{
	int	gzip = -1;

	cr_assert_eq(body_encoding_of(ce, &gzip), AX_OK, "refused \"%s\"",
	    ce ? ce : "(null)");
	cr_assert_eq(gzip, want, "\"%s\" gave gzip %d", ce ? ce : "(null)",
	    gzip);
}

Test(body_encoding, absent_is_plain)
{
	assert_encoding(NULL, 0);
}

Test(body_encoding, empty_is_plain)
{
	assert_encoding("", 0);
}

Test(body_encoding, identity_is_plain)
{
	assert_encoding("identity", 0);
}

Test(body_encoding, gzip_is_gzip)
{
	assert_encoding("gzip", 1);
}

Test(body_encoding, gzip_is_case_insensitive)
{
	assert_encoding("GZip", 1);
}

Test(body_encoding, refuses_br)
{
	int	gzip;

	cr_assert_eq(body_encoding_of("br", &gzip), AX_ERR_MEDIA_TYPE);
}

Test(body_encoding, refuses_deflate)
{
	int	gzip;

	cr_assert_eq(body_encoding_of("deflate", &gzip), AX_ERR_MEDIA_TYPE);
}

Test(body_encoding, refuses_gzip_then_another_coding)
{
	int	gzip;

	cr_assert_eq(body_encoding_of("gzip, br", &gzip), AX_ERR_MEDIA_TYPE);
}

/* body_gunzip */

/*
 * Compress times copies of chunk[0..n) with zlib, in gzip format when
 * wbits asks for it (16 + MAX_WBITS), appending to gz.
 */
static void
deflate_append(const void *chunk, size_t n, size_t times, int wbits)
{
	z_stream	 z;
	size_t		 cap = gzlen + 4096, i;
	int		 rc;

	memset(&z, 0, sizeof(z));
	cr_assert_eq(deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, wbits, 8,
	    Z_DEFAULT_STRATEGY), Z_OK);
	gz = realloc(gz, cap);
	cr_assert_not_null(gz);
	for (i = 0; i <= times; i++) {
		z.next_in = (Bytef *)(uintptr_t)chunk;
		z.avail_in = i < times ? (uInt)n : 0;
		do {
			if (cap - gzlen < 1024) {
				cap *= 2;
				gz = realloc(gz, cap);
				cr_assert_not_null(gz);
			}
			z.next_out = (Bytef *)gz + gzlen;
			z.avail_out = (uInt)(cap - gzlen);
			rc = deflate(&z, i < times ? Z_NO_FLUSH : Z_FINISH);
			cr_assert(rc == Z_OK || rc == Z_STREAM_END ||
			    rc == Z_BUF_ERROR, "deflate: %d", rc);
			gzlen = (size_t)((char *)z.next_out - gz);
		} while (z.avail_out == 0 ||
		    (i == times && rc != Z_STREAM_END));
	}
	deflateEnd(&z);
}

/* Append one gzip member holding s. */
static void
gzip_member(const char *s, size_t n)
{
	deflate_append(s, n, 1, 16 + MAX_WBITS);
}

static enum ax_err
gunzip(size_t max)
{
	free(out);
	out = NULL;
	return body_gunzip(gz, gzlen, max, &out, &outlen);
}

static void
assert_invalid(size_t max)
{
	enum ax_err	e = gunzip(max);

	cr_assert_eq(e, AX_ERR_INVALID_ENCODING, "got %d", e);
	cr_assert_null(out);
	cr_assert_eq(outlen, 0);
}

Test(gunzip, round_trips_zlib_gzip)
{
	const char	*s = "{\"event_type\":\"login\",\"success\":true}\n";

	gzip_member(s, strlen(s));
	cr_assert_eq(gunzip(MIB), AX_OK);
	cr_assert_eq(outlen, strlen(s));
	cr_assert_str_eq(out, s);
}

Test(gunzip, round_trips_binary_data)
{
	unsigned char	data[70000];
	size_t		i;

	for (i = 0; i < sizeof(data); i++)
		data[i] = (unsigned char)(i * 131 + (i >> 7));
	gzip_member((const char *)data, sizeof(data));
	cr_assert_eq(gunzip(MIB), AX_OK);
	cr_assert_eq(outlen, sizeof(data));
	cr_assert_arr_eq(out, data, sizeof(data));
}

Test(gunzip, output_is_nul_terminated)
{
	gzip_member("abc", 3);
	cr_assert_eq(gunzip(MIB), AX_OK);
	cr_assert_eq(outlen, 3);
	cr_assert_eq(out[3], '\0');
}

Test(gunzip, empty_member_gives_empty_output)
{
	gzip_member("", 0);
	cr_assert_eq(gunzip(MIB), AX_OK);
	cr_assert_eq(outlen, 0);
	cr_assert_not_null(out);
	cr_assert_eq(out[0], '\0');
}

Test(gunzip, joins_two_concatenated_members)
{
	gzip_member("hello ", 6);
	gzip_member("world", 5);
	cr_assert_eq(gunzip(MIB), AX_OK);
	cr_assert_eq(outlen, 11);
	cr_assert_str_eq(out, "hello world");
}

Test(gunzip, joins_three_members_one_empty)
{
	gzip_member("a", 1);
	gzip_member("", 0);
	gzip_member("b", 1);
	cr_assert_eq(gunzip(MIB), AX_OK);
	cr_assert_str_eq(out, "ab");
}

Test(gunzip, accepts_output_of_exactly_max)
{
	char	data[1000];

	memset(data, 'x', sizeof(data));
	gzip_member(data, sizeof(data));
	cr_assert_eq(gunzip(sizeof(data)), AX_OK);
	cr_assert_eq(outlen, sizeof(data));
	cr_assert_eq(out[sizeof(data)], '\0');
}

Test(gunzip, refuses_output_of_max_plus_one)
{
	char	data[1001];

	memset(data, 'x', sizeof(data));
	gzip_member(data, sizeof(data));
	cr_assert_eq(gunzip(sizeof(data) - 1), AX_ERR_TOO_LARGE);
	cr_assert_null(out);
}

Test(gunzip, limit_counts_all_members)
{
	char	data[600];

	memset(data, 'y', sizeof(data));
	gzip_member(data, sizeof(data));
	gzip_member(data, sizeof(data));
	cr_assert_eq(gunzip(1199), AX_ERR_TOO_LARGE);
	cr_assert_null(out);
	cr_assert_eq(gunzip(1200), AX_OK);
	cr_assert_eq(outlen, 1200);
}

Test(gunzip, stops_a_bomb_at_the_limit)
{
	static const char	zeros[65536];
	struct timespec		t0, t1;
	double			secs;

	/* 50 MiB of zeros: about 50 KB compressed. */
	deflate_append(zeros, sizeof(zeros), 800, 16 + MAX_WBITS);
	cr_assert_lt(gzlen, (size_t)200 * 1024, "bomb is %zu bytes", gzlen);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	cr_assert_eq(gunzip(MIB), AX_ERR_TOO_LARGE);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	cr_assert_null(out);
	cr_assert_eq(outlen, 0);
	secs = (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	cr_assert_lt(secs, 2.0, "took %.3f s", secs);
}

Test(gunzip, refuses_truncated_trailer)
{
	const char	*s = "{\"event_type\":\"login\"}";

	gzip_member(s, strlen(s));
	gzlen -= 4;		/* drop ISIZE */
	assert_invalid(MIB);
}

Test(gunzip, refuses_stream_cut_in_the_middle)
{
	char	data[4000];
	size_t	i;

	for (i = 0; i < sizeof(data); i++)
		data[i] = (char)('a' + i * 7 % 26);
	gzip_member(data, sizeof(data));
	gzlen /= 2;
	assert_invalid(MIB);
}

Test(gunzip, refuses_header_only)
{
	gzip_member("abc", 3);
	gzlen = 10;		/* the fixed gzip header */
	assert_invalid(MIB);
}

Test(gunzip, refuses_bad_crc)
{
	const char	*s = "checksummed";

	gzip_member(s, strlen(s));
	gz[gzlen - 8] ^= 0x01;	/* first byte of CRC32 */
	assert_invalid(MIB);
}

Test(gunzip, refuses_garbage)
{
	gz = strdup("this is not gzip at all");
	cr_assert_not_null(gz);
	gzlen = strlen(gz);
	assert_invalid(MIB);
}

Test(gunzip, refuses_empty_input)
{
	gz = malloc(1);
	cr_assert_not_null(gz);
	gzlen = 0;
	assert_invalid(MIB);
}

Test(gunzip, refuses_trailing_garbage_after_a_member)
{
	static const char	junk[] = "JUNK";

	gzip_member("abc", 3);
	gz = realloc(gz, gzlen + sizeof(junk));
	cr_assert_not_null(gz);
	memcpy(gz + gzlen, junk, sizeof(junk) - 1);
	gzlen += sizeof(junk) - 1;
	assert_invalid(MIB);
}

Test(gunzip, refuses_one_trailing_byte_after_a_member)
{
	gzip_member("abc", 3);
	gz = realloc(gz, gzlen + 1);
	cr_assert_not_null(gz);
	gz[gzlen++] = 0x1f;	/* the first byte of a gzip magic */
	assert_invalid(MIB);
}

Test(gunzip, refuses_zlib_wrapper)
{
	const char	*s = "zlib, not gzip";

	deflate_append(s, strlen(s), 1, MAX_WBITS);
	assert_invalid(MIB);
}

Test(gunzip, refuses_raw_deflate)
{
	const char	*s = "raw deflate, not gzip";

	deflate_append(s, strlen(s), 1, -MAX_WBITS);
	assert_invalid(MIB);
}
