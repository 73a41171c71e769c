/*
 * test_sha256.c: SHA-256 against the FIPS 180-4 / NIST vectors, and the
 * API token generator and syntax check built on it.
 */
#include <string.h>

#include <criterion/criterion.h>

#include "sha256.h"
#include "token.h"

/* Hex digest of data in one shot, into a caller buffer. */
static void
hex_of(const void *data, size_t n, char hex[2 * SHA256_DIGEST_LEN + 1])
{
	uint8_t	d[SHA256_DIGEST_LEN];

	sha256_digest(data, n, d);
	sha256_hex(d, hex);
}

Test(sha256, empty_input_matches_nist_vector)
{
	char	hex[2 * SHA256_DIGEST_LEN + 1];

	hex_of("", 0, hex);
	cr_assert_str_eq(hex,
	    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

Test(sha256, abc_matches_nist_vector)
{
	char	hex[2 * SHA256_DIGEST_LEN + 1];

	hex_of("abc", 3, hex);
	cr_assert_str_eq(hex,
	    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

Test(sha256, two_block_448_bit_message_matches_nist_vector)
{
	const char	*msg =
	    "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	char		 hex[2 * SHA256_DIGEST_LEN + 1];

	hex_of(msg, strlen(msg), hex);
	cr_assert_str_eq(hex,
	    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

/* Uneven chunks cross block boundaries at every alignment. */
Test(sha256, million_a_in_uneven_chunks_matches_nist_vector)
{
	static uint8_t	a[1000];
	struct sha256	c;
	uint8_t		d[SHA256_DIGEST_LEN];
	char		hex[2 * SHA256_DIGEST_LEN + 1];
	size_t		left = 1000000, chunk, step = 0;

	memset(a, 'a', sizeof(a));
	sha256_init(&c);
	while (left > 0) {
		chunk = 1 + (step++ * 37) % sizeof(a);
		if (chunk > left)
			chunk = left;
		sha256_update(&c, a, chunk);
		left -= chunk;
	}
	sha256_final(&c, d);
	sha256_hex(d, hex);
	cr_assert_str_eq(hex,
	    "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

Test(sha256, update_split_at_any_offset_equals_one_shot)
{
	uint8_t		msg[200], whole[SHA256_DIGEST_LEN], part[SHA256_DIGEST_LEN];
	struct sha256	c;
	size_t		i;

	for (i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)(i * 7 + 3);
	sha256_digest(msg, sizeof(msg), whole);
	for (i = 0; i <= sizeof(msg); i++) {
		sha256_init(&c);
		sha256_update(&c, msg, i);
		sha256_update(&c, msg + i, sizeof(msg) - i);
		sha256_final(&c, part);
		cr_assert_arr_eq(part, whole, sizeof(whole),
		    "split at %zu differs from one shot", i);
	}
}

Test(sha256, hex_is_lowercase_and_nul_terminated)
{
	uint8_t	d[SHA256_DIGEST_LEN];
	char	hex[2 * SHA256_DIGEST_LEN + 2];
	size_t	i;

	/* Every nibble value 0-f appears, so case and order both show. */
	for (i = 0; i < sizeof(d); i++)
		d[i] = (uint8_t)(i * 8 + 7);
	memset(hex, 'X', sizeof(hex));
	sha256_hex(d, hex);
	cr_assert_str_eq(hex,
	    "070f171f272f373f474f575f676f777f878f979fa7afb7bfc7cfd7dfe7eff7ff");
	cr_assert_eq(hex[2 * SHA256_DIGEST_LEN + 1], 'X',
	    "wrote past the terminator");
}

Test(token, generated_token_is_well_formed)
{
	char	tok[TOKEN_LEN + 1];

	cr_assert_eq(token_generate(tok), 0);
	cr_assert_eq(strlen(tok), TOKEN_LEN);
	cr_assert_eq(strncmp(tok, TOKEN_PREFIX, strlen(TOKEN_PREFIX)), 0);
	cr_assert_eq(token_well_formed(tok, strlen(tok)), 1, "rejected %s", tok);
}

Test(token, generated_tokens_are_distinct)
{
	char	a[TOKEN_LEN + 1], b[TOKEN_LEN + 1];

	cr_assert_eq(token_generate(a), 0);
	cr_assert_eq(token_generate(b), 0);
	cr_assert_str_neq(a, b);
}

/* A syntactically valid token to mutate in the rejection tests. */
static const char good[] = "axk_ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghij-_01234";

Test(token, fixed_valid_token_is_accepted)
{
	cr_assert_eq(sizeof(good) - 1, TOKEN_LEN);
	cr_assert_eq(token_well_formed(good, TOKEN_LEN), 1);
}

Test(token, wrong_length_is_rejected)
{
	char	longer[TOKEN_LEN + 2];

	cr_assert_eq(token_well_formed(good, TOKEN_LEN - 1), 0);
	cr_assert_eq(token_well_formed(good, 0), 0);
	memcpy(longer, good, TOKEN_LEN);
	longer[TOKEN_LEN] = 'A';
	longer[TOKEN_LEN + 1] = '\0';
	cr_assert_eq(token_well_formed(longer, TOKEN_LEN + 1), 0);
}

Test(token, wrong_prefix_is_rejected)
{
	char	t[TOKEN_LEN + 1];

	memcpy(t, good, sizeof(t));
	t[0] = 'b';
	cr_assert_eq(token_well_formed(t, TOKEN_LEN), 0);
	memcpy(t, good, sizeof(t));
	t[3] = '-';
	cr_assert_eq(token_well_formed(t, TOKEN_LEN), 0);
}

/*
 * Put c at the first, a middle and the last body position in turn and
 * expect rejection each time, so an off-by-one scan cannot hide.
 */
static void
assert_rejects_char(char c)
{
	const size_t	at[] = { 4, TOKEN_LEN / 2, TOKEN_LEN - 1 };
	char		t[TOKEN_LEN + 1];
	size_t		i;

	for (i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
		memcpy(t, good, sizeof(t));
		t[at[i]] = c;
		cr_assert_eq(token_well_formed(t, TOKEN_LEN), 0,
		    "accepted byte 0x%02x at %zu", (unsigned char)c, at[i]);
	}
}

Test(token, plus_inside_is_rejected)
{
	assert_rejects_char('+');
}

Test(token, slash_inside_is_rejected)
{
	assert_rejects_char('/');
}

Test(token, padding_equals_inside_is_rejected)
{
	assert_rejects_char('=');
}

Test(token, nul_byte_inside_is_rejected)
{
	assert_rejects_char('\0');
}

Test(token, hash_is_sha256_of_token_bytes)
{
	uint8_t	a[SHA256_DIGEST_LEN], b[SHA256_DIGEST_LEN];

	token_hash(good, TOKEN_LEN, a);
	sha256_digest(good, TOKEN_LEN, b);
	cr_assert_arr_eq(a, b, sizeof(a));
}
