/*
 * test_cursor.c: the /stats/logs keyset cursor: round trips of (created_us,
 * id), URL-safe fixed-length text, and the refusal of anything malformed,
 * tampered (every one-character change) or of another version.
 */
#include <stdint.h>
#include <string.h>

#include <criterion/criterion.h>

#include "b64.h"
#include "cursor.h"
#include "sha256.h"

static const char uuid_a[] = "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";

/* A valid cursor text to mutate. */
static void
good_cursor(char out[CURSOR_LEN + 1])
{
	struct cursor	c;

	c.created_us = INT64_C(1767225600123456);
	memcpy(c.id, uuid_a, sizeof(uuid_a));
	cr_assert_eq(cursor_encode(&c, out), 0);
}

/* The raw layout cursor.h documents, checksummed, as cursor text. */
static void
craft(uint8_t version, int64_t us, const uint8_t id[16],
    char out[CURSOR_LEN + 1])
{
	uint8_t		raw[CURSOR_RAW_LEN], d[SHA256_DIGEST_LEN];
	uint64_t	t = (uint64_t)us;
	int		i;

	raw[0] = version;
	for (i = 0; i < 8; i++)
		raw[1 + i] = (uint8_t)(t >> (56 - 8 * i));
	memcpy(raw + 9, id, 16);
	sha256_digest(raw, CURSOR_RAW_LEN - 4, d);
	memcpy(raw + 25, d, 4);
	cr_assert_eq(b64_url_encode(raw, sizeof(raw), out), CURSOR_LEN);
	out[CURSOR_LEN] = '\0';
}

Test(cursor, round_trip_over_many_times_and_ids)
{
	const int64_t	times[] = {
		0, 1, -1, INT64_C(1767225600123456), INT64_C(-86400000000),
		INT64_C(-62135596800000000), INT64_C(253402300799999999),
		INT64_MAX, INT64_MIN, INT64_MAX - 1, INT64_MIN + 1,
		INT64_C(0x0102030405060708), INT64_C(0x7f00ff00ff00ff00),
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
			cr_assert_eq(cursor_encode(&c, text), 0);
			memset(&back, 0x55, sizeof(back));
			cr_assert_eq(cursor_decode(text, &back), 0,
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
	cr_assert_eq(cursor_encode(&c, a), 0);
	c.created_us = 1001;
	cr_assert_eq(cursor_encode(&c, b), 0);
	cr_assert_str_neq(a, b);
}

Test(cursor, upper_case_uuid_decodes_to_lower_case)
{
	struct cursor	c, back;
	char		text[CURSOR_LEN + 1];

	c.created_us = 42;
	strcpy(c.id, "0190A1B2-C3D4-7E5F-8A9B-0C1D2E3F4A5B");
	cr_assert_eq(cursor_encode(&c, text), 0);
	cr_assert_eq(cursor_decode(text, &back), 0);
	cr_assert_str_eq(back.id, uuid_a);
}

Test(cursor, encoded_form_is_url_safe_and_cursor_len_long)
{
	struct cursor	c;
	char		text[CURSOR_LEN + 2];
	size_t		i;

	memset(text, 'X', sizeof(text));
	c.created_us = INT64_MIN;
	strcpy(c.id, "ffffffff-ffff-ffff-ffff-ffffffffffff");
	cr_assert_eq(cursor_encode(&c, text), 0);
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
		cr_assert_eq(cursor_encode(&c, text), -1, "encoded \"%s\"",
		    bad[i]);
	}
}

Test(cursor, empty_text_is_rejected)
{
	struct cursor	c;

	cr_assert_eq(cursor_decode("", &c), -1);
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
		cr_assert_eq(cursor_decode(text, &c), -1, "accepted +%c",
		    chars[i]);
	}
	good_cursor(text);
	text[CURSOR_LEN - 1] = '\0';
	cr_assert_eq(cursor_decode(text, &c), -1);
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
			cr_assert_eq(cursor_decode(text, &c), -1,
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
			cr_assert_eq(cursor_decode(text, &c), -1,
			    "accepted '%c' at %zu: %s", alpha[k], pos, text);
		}
}

Test(cursor, crafted_version_one_is_accepted)
{
	const uint8_t	id[16] = { 0x01, 0x90, 0xa1, 0xb2, 0xc3, 0xd4, 0x7e,
	    0x5f, 0x8a, 0x9b, 0x0c, 0x1d, 0x2e, 0x3f, 0x4a, 0x5b };
	struct cursor	c;
	char		text[CURSOR_LEN + 1], mine[CURSOR_LEN + 1];

	/* Pins the documented layout, so the next test's version 2 is the
	 * only thing wrong with its cursor. */
	craft(1, INT64_C(1767225600123456), id, text);
	good_cursor(mine);
	cr_assert_str_eq(text, mine);
	cr_assert_eq(cursor_decode(text, &c), 0);
	cr_assert_str_eq(c.id, uuid_a);
}

Test(cursor, wrong_version_with_right_checksum_is_rejected)
{
	const uint8_t	id[16] = { 0x01, 0x90, 0xa1, 0xb2, 0xc3, 0xd4, 0x7e,
	    0x5f, 0x8a, 0x9b, 0x0c, 0x1d, 0x2e, 0x3f, 0x4a, 0x5b };
	struct cursor	c;
	char		text[CURSOR_LEN + 1];

	craft(2, INT64_C(1767225600123456), id, text);
	cr_assert_eq(cursor_decode(text, &c), -1);
	craft(0, INT64_C(1767225600123456), id, text);
	cr_assert_eq(cursor_decode(text, &c), -1);
	craft(0xff, INT64_C(1767225600123456), id, text);
	cr_assert_eq(cursor_decode(text, &c), -1);
}

Test(cursor, nonzero_leftover_bits_are_rejected)
{
	static const char	alpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789-_";
	struct cursor		c;
	char			text[CURSOR_LEN + 1];
	const char		*p;
	int			v;

	/* 29 bytes in 39 chars leave 2 spare bits in the last char:
	 * setting either spells the same bytes a second way. */
	good_cursor(text);
	p = strchr(alpha, text[CURSOR_LEN - 1]);
	cr_assert_not_null(p);
	v = (int)(p - alpha);
	cr_assert_eq(v & 3, 0, "encoder left spare bits set");
	text[CURSOR_LEN - 1] = alpha[v | 1];
	cr_assert_eq(cursor_decode(text, &c), -1);
	text[CURSOR_LEN - 1] = alpha[v | 2];
	cr_assert_eq(cursor_decode(text, &c), -1);
	text[CURSOR_LEN - 1] = alpha[v | 3];
	cr_assert_eq(cursor_decode(text, &c), -1);
}
