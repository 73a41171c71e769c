/*
 * test_cursor.c: the /stats/logs keyset cursor: round trips of (created_us,
 * id), URL-safe fixed-length text, and the refusal of anything malformed,
 * tampered (every one-character and every one-bit change), made with
 * another key, of another version (the old unkeyed SHA-256 one included)
 * or holding a time out of range even under the right key.
 */
#include <stdint.h>
#include <string.h>

#include <criterion/criterion.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "b64.h"
#include "cursor.h"
#include "sha256.h"

static const char uuid_a[] = "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";
static const uint8_t id_a[16] = { 0x01, 0x90, 0xa1, 0xb2, 0xc3, 0xd4, 0x7e,
    0x5f, 0x8a, 0x9b, 0x0c, 0x1d, 0x2e, 0x3f, 0x4a, 0x5b };

/* Two keys that differ in one bit. */
static const uint8_t key[CURSOR_KEY_LEN] = {
	0x4b, 0x1f, 0x90, 0x3e, 0xa7, 0x21, 0x5c, 0xd8, 0x02, 0x66, 0xf1, 0x9a,
	0x37, 0xc0, 0x8e, 0x14, 0x5d, 0xb2, 0x79, 0x0f, 0xe3, 0x48, 0xa5, 0x6c,
	0x11, 0x9d, 0xf4, 0x28, 0x83, 0x57, 0xce, 0x06,
};
static uint8_t other_key[CURSOR_KEY_LEN];

static void
setup_keys(void)
{
	memcpy(other_key, key, sizeof(key));
	other_key[CURSOR_KEY_LEN - 1] ^= 0x01;
}

TestSuite(cursor, .init = setup_keys);

/* A valid cursor text to mutate. */
static void
good_cursor(char out[CURSOR_LEN + 1])
{
	struct cursor	c;

	c.created_us = INT64_C(1767225600123456);
	memcpy(c.id, uuid_a, sizeof(uuid_a));
	cr_assert_eq(cursor_encode(&c, key, out), 0);
}

/* The time's 8 bytes, big-endian, after the version byte. */
static void
put_time(uint8_t *raw, int64_t us)
{
	uint64_t	t = (uint64_t)us;
	int		i;

	for (i = 0; i < 8; i++)
		raw[1 + i] = (uint8_t)(t >> (56 - 8 * i));
}

/*
 * The raw layout cursor.h documents, with its HMAC-SHA256 under k
 * computed here, as cursor text: what someone holding the key could make.
 */
static void
craft(uint8_t version, int64_t us, const uint8_t id[16],
    const uint8_t k[CURSOR_KEY_LEN], char out[CURSOR_LEN + 1])
{
	uint8_t		raw[CURSOR_RAW_LEN], d[EVP_MAX_MD_SIZE];
	unsigned int	n = 0;

	raw[0] = version;
	put_time(raw, us);
	memcpy(raw + 9, id, 16);
	cr_assert_not_null(HMAC(EVP_sha256(), k, CURSOR_KEY_LEN, raw,
	    CURSOR_RAW_LEN - CURSOR_MAC_LEN, d, &n));
	cr_assert_eq(n, 32);
	memcpy(raw + CURSOR_RAW_LEN - CURSOR_MAC_LEN, d, CURSOR_MAC_LEN);
	cr_assert_eq(b64_url_encode(raw, sizeof(raw), out), CURSOR_LEN);
	out[CURSOR_LEN] = '\0';
}

Test(cursor, round_trip_over_many_times_and_ids)
{
	const int64_t	times[] = {
		0, 1, -1, INT64_C(1767225600123456), INT64_C(-86400000000),
		CURSOR_MIN_US, CURSOR_MAX_US, CURSOR_MIN_US + 1,
		CURSOR_MAX_US - 1, INT64_C(0x0102030405060708),
		INT64_C(0x00ff00ff00ff00ff),
	};
	const char	*ids[] = {
		uuid_a,
		"00000000-0000-0000-0000-000000000000",
		"ffffffff-ffff-ffff-ffff-ffffffffffff",
		"01234567-89ab-cdef-0123-456789abcdef",
		"fedcba98-7654-3210-fedc-ba9876543210",
	};
	struct cursor	c, back;
	char		text[CURSOR_LEN + 1];
	size_t		i, j;

	for (i = 0; i < sizeof(times) / sizeof(times[0]); i++)
		for (j = 0; j < sizeof(ids) / sizeof(ids[0]); j++) {
			memset(&c, 0, sizeof(c));
			c.created_us = times[i];
			strcpy(c.id, ids[j]);
			cr_assert_eq(cursor_encode(&c, key, text), 0);
			memset(&back, 0x55, sizeof(back));
			cr_assert_eq(cursor_decode(text, key, &back), 0,
			    "rejected its own %s", text);
			cr_assert_eq(back.created_us, times[i],
			    "time %lld came back as %lld",
			    (long long)times[i], (long long)back.created_us);
			cr_assert_str_eq(back.id, ids[j]);
		}
}

Test(cursor, distinct_positions_give_distinct_text)
{
	struct cursor	c;
	char		a[CURSOR_LEN + 1], b[CURSOR_LEN + 1];

	c.created_us = 1000;
	strcpy(c.id, uuid_a);
	cr_assert_eq(cursor_encode(&c, key, a), 0);
	c.created_us = 1001;
	cr_assert_eq(cursor_encode(&c, key, b), 0);
	cr_assert_str_neq(a, b);
}

Test(cursor, upper_case_uuid_decodes_to_lower_case)
{
	struct cursor	c, back;
	char		text[CURSOR_LEN + 1];

	c.created_us = 42;
	strcpy(c.id, "0190A1B2-C3D4-7E5F-8A9B-0C1D2E3F4A5B");
	cr_assert_eq(cursor_encode(&c, key, text), 0);
	cr_assert_eq(cursor_decode(text, key, &back), 0);
	cr_assert_str_eq(back.id, uuid_a);
}

Test(cursor, encoded_form_is_url_safe_and_cursor_len_long)
{
	struct cursor	c;
	char		text[CURSOR_LEN + 2];
	size_t		i;

	memset(text, 'X', sizeof(text));
	c.created_us = CURSOR_MIN_US;
	strcpy(c.id, "ffffffff-ffff-ffff-ffff-ffffffffffff");
	cr_assert_eq(cursor_encode(&c, key, text), 0);
	cr_assert_eq(strlen(text), CURSOR_LEN);
	cr_assert_eq(text[CURSOR_LEN + 1], 'X', "wrote past the terminator");
	for (i = 0; i < CURSOR_LEN; i++)
		cr_assert(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "abcdefghijklmnopqrstuvwxyz0123456789_-", text[i]) != NULL,
		    "byte 0x%02x at %zu", (unsigned char)text[i], i);
}

Test(cursor, non_uuid_id_is_refused_on_encode)
{
	const char	*bad[] = {
		"",
		"0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5",		/* short */
		"0190a1b2c3d4-7e5f-8a9b-0c1d2e3f4a5b",		/* '-' moved */
		"0190a1b2-c3d4-7e5f-8a9b_0c1d2e3f4a5b",		/* not '-' */
		"0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5g",		/* not hex */
		"g190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b",
		"0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a 5",
		"{190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5}",
		"not-a-uuid",
	};
	struct cursor	c;
	char		text[CURSOR_LEN + 1];
	size_t		i;

	c.created_us = 1;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		/* struct cursor holds at most 36 characters and the NUL. */
		cr_assert_lt(strlen(bad[i]), sizeof(c.id));
		strcpy(c.id, bad[i]);
		cr_assert_eq(cursor_encode(&c, key, text), -1, "encoded \"%s\"",
		    bad[i]);
	}
}

Test(cursor, empty_text_is_rejected)
{
	struct cursor	c;

	cr_assert_eq(cursor_decode("", key, &c), -1);
}

Test(cursor, one_char_short_or_long_is_rejected)
{
	struct cursor	c;
	char		text[CURSOR_LEN + 2];
	char		chars[] = "AQgw-_";
	size_t		i;

	good_cursor(text);
	for (i = 0; chars[i] != '\0'; i++) {
		text[CURSOR_LEN] = chars[i];
		text[CURSOR_LEN + 1] = '\0';
		cr_assert_eq(cursor_decode(text, key, &c), -1, "accepted +%c",
		    chars[i]);
	}
	good_cursor(text);
	text[CURSOR_LEN - 1] = '\0';
	cr_assert_eq(cursor_decode(text, key, &c), -1);
}

Test(cursor, char_outside_base64url_is_rejected)
{
	const char	bad[] = "+/=. %\n";
	const size_t	at[] = { 0, CURSOR_LEN / 2, CURSOR_LEN - 1 };
	struct cursor	c;
	char		text[CURSOR_LEN + 1];
	size_t		i, j;

	for (i = 0; bad[i] != '\0'; i++)
		for (j = 0; j < sizeof(at) / sizeof(at[0]); j++) {
			good_cursor(text);
			text[at[j]] = bad[i];
			cr_assert_eq(cursor_decode(text, key, &c), -1,
			    "accepted 0x%02x at %zu", (unsigned char)bad[i],
			    at[j]);
		}
}

/* Every position, every other alphabet char: the checksum catches all. */
Test(cursor, every_single_char_change_is_rejected)
{
	static const char	alpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789-_";
	struct cursor		c;
	char			good[CURSOR_LEN + 1], text[CURSOR_LEN + 1];
	size_t			pos, k;

	good_cursor(good);
	for (pos = 0; pos < CURSOR_LEN; pos++)
		for (k = 0; alpha[k] != '\0'; k++) {
			if (alpha[k] == good[pos])
				continue;
			memcpy(text, good, sizeof(text));
			text[pos] = alpha[k];
			cr_assert_eq(cursor_decode(text, key, &c), -1,
			    "accepted '%c' at %zu: %s", alpha[k], pos, text);
		}
}

Test(cursor, crafted_with_the_key_is_accepted)
{
	struct cursor	c;
	char		text[CURSOR_LEN + 1], mine[CURSOR_LEN + 1];

	/* Pins the documented layout, so the tests below change only the
	 * one thing they name. */
	craft(2, INT64_C(1767225600123456), id_a, key, text);
	good_cursor(mine);
	cr_assert_str_eq(text, mine);
	cr_assert_eq(cursor_decode(text, key, &c), 0);
	cr_assert_str_eq(c.id, uuid_a);
	cr_assert_eq(c.created_us, INT64_C(1767225600123456));
}

Test(cursor, wrong_version_with_right_mac_is_rejected)
{
	struct cursor	c;
	char		text[CURSOR_LEN + 1];

	craft(1, INT64_C(1767225600123456), id_a, key, text);
	cr_assert_eq(cursor_decode(text, key, &c), -1);
	craft(0, INT64_C(1767225600123456), id_a, key, text);
	cr_assert_eq(cursor_decode(text, key, &c), -1);
	craft(0xff, INT64_C(1767225600123456), id_a, key, text);
	cr_assert_eq(cursor_decode(text, key, &c), -1);
}

Test(cursor, another_key_is_rejected)
{
	struct cursor	c, back;
	char		text[CURSOR_LEN + 1];

	c.created_us = INT64_C(1767225600123456);
	strcpy(c.id, uuid_a);
	cr_assert_eq(cursor_encode(&c, other_key, text), 0);
	cr_assert_eq(cursor_decode(text, other_key, &back), 0);
	cr_assert_eq(cursor_decode(text, key, &back), -1);
	craft(2, INT64_C(1767225600123456), id_a, other_key, text);
	cr_assert_eq(cursor_decode(text, key, &back), -1);
}

/* Every bit of the raw bytes, MAC included, flipped in turn. */
Test(cursor, every_tampered_bit_is_rejected)
{
	uint8_t		raw[CURSOR_RAW_LEN], bad[CURSOR_RAW_LEN];
	struct cursor	c;
	char		text[CURSOR_LEN + 1];
	size_t		i;
	int		b;

	good_cursor(text);
	cr_assert_eq(b64_url_decode(text, CURSOR_LEN, raw, sizeof(raw)),
	    CURSOR_RAW_LEN);
	for (i = 0; i < CURSOR_RAW_LEN; i++)
		for (b = 0; b < 8; b++) {
			memcpy(bad, raw, sizeof(raw));
			bad[i] ^= (uint8_t)(1u << b);
			cr_assert_eq(b64_url_encode(bad, sizeof(bad), text),
			    CURSOR_LEN);
			text[CURSOR_LEN] = '\0';
			cr_assert_eq(cursor_decode(text, key, &c), -1,
			    "accepted bit %d of byte %zu flipped", b, i);
		}
}

/* The old unkeyed form: 29 bytes, its checksum a SHA-256 anyone computes. */
Test(cursor, old_sha256_cursor_is_rejected)
{
	uint8_t		raw[29], d[SHA256_DIGEST_LEN];
	struct cursor	c;
	char		text[B64URL_LEN(29) + 1];

	raw[0] = 1;
	put_time(raw, INT64_MIN);
	memcpy(raw + 9, id_a, 16);
	sha256_digest(raw, 25, d);
	memcpy(raw + 25, d, 4);
	text[b64_url_encode(raw, sizeof(raw), text)] = '\0';
	cr_assert_eq(cursor_decode(text, key, &c), -1);
	put_time(raw, INT64_C(1767225600123456));
	sha256_digest(raw, 25, d);
	memcpy(raw + 25, d, 4);
	text[b64_url_encode(raw, sizeof(raw), text)] = '\0';
	cr_assert_eq(cursor_decode(text, key, &c), -1);
}

/* Even under the right key, no time PostgreSQL would refuse gets through. */
Test(cursor, out_of_range_time_is_rejected)
{
	const int64_t	bad[] = { INT64_MIN, INT64_MIN + 1, INT64_MAX,
	    INT64_MAX - 1, CURSOR_MIN_US - 1, CURSOR_MAX_US + 1,
	    INT64_C(-9223372036854775000), INT64_C(0x7f00ff00ff00ff00) };
	struct cursor	c;
	char		text[CURSOR_LEN + 1];
	size_t		i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		craft(2, bad[i], id_a, key, text);
		cr_assert_eq(cursor_decode(text, key, &c), -1, "accepted %lld",
		    (long long)bad[i]);
		c.created_us = bad[i];
		strcpy(c.id, uuid_a);
		cr_assert_eq(cursor_encode(&c, key, text), -1, "encoded %lld",
		    (long long)bad[i]);
	}
	craft(2, CURSOR_MIN_US, id_a, key, text);
	cr_assert_eq(cursor_decode(text, key, &c), 0);
	craft(2, CURSOR_MAX_US, id_a, key, text);
	cr_assert_eq(cursor_decode(text, key, &c), 0);
}

Test(cursor, nonzero_leftover_bits_are_rejected)
{
	static const char	alpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789-_";
	struct cursor		c;
	char			text[CURSOR_LEN + 1];
	const char		*p;
	int			v;

	/* 41 bytes in 55 chars leave 2 spare bits in the last char:
	 * setting either spells the same bytes a second way. */
	good_cursor(text);
	p = strchr(alpha, text[CURSOR_LEN - 1]);
	cr_assert_not_null(p);
	v = (int)(p - alpha);
	cr_assert_eq(v & 3, 0, "encoder left spare bits set");
	text[CURSOR_LEN - 1] = alpha[v | 1];
	cr_assert_eq(cursor_decode(text, key, &c), -1);
	text[CURSOR_LEN - 1] = alpha[v | 2];
	cr_assert_eq(cursor_decode(text, key, &c), -1);
	text[CURSOR_LEN - 1] = alpha[v | 3];
	cr_assert_eq(cursor_decode(text, key, &c), -1);
}
