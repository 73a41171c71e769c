/*
 * test_query.c: query string decoding: pairs, repeated keys, '+' and %XX
 * escapes, the refusals (bad escapes, NUL, too many pairs, too long), and
 * query_free after any outcome.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "query.h"

Test(query, two_pairs_are_decoded)
{
	struct query	 q;
	const char	*bad;

	cr_assert_eq(query_parse("a=1&b=2", &q, &bad), AX_OK);
	cr_assert_eq(q.n, 2);
	cr_assert_str_eq(query_get(&q, "a"), "1");
	cr_assert_str_eq(query_get(&q, "b"), "2");
	cr_assert_null(query_get(&q, "c"));
	cr_assert_null(bad);
	query_free(&q);
}

Test(query, pairs_keep_their_order)
{
	struct query	 q;
	const char	*bad;

	cr_assert_eq(query_parse("z=1&a=2&m=3", &q, &bad), AX_OK);
	cr_assert_eq(q.n, 3);
	cr_assert_str_eq(q.p[0].key, "z");
	cr_assert_str_eq(q.p[1].key, "a");
	cr_assert_str_eq(q.p[2].key, "m");
	cr_assert_str_eq(q.p[2].value, "3");
	query_free(&q);
}

Test(query, empty_string_has_no_pairs)
{
	struct query	 q;
	const char	*bad;

	cr_assert_eq(query_parse("", &q, &bad), AX_OK);
	cr_assert_eq(q.n, 0);
	cr_assert_null(query_get(&q, ""));
	cr_assert_eq(query_count(&q, "a"), 0);
	query_free(&q);
}

Test(query, repeated_key_is_counted_and_indexed)
{
	struct query	 q;
	const char	*bad;

	cr_assert_eq(query_parse("app=a&x=0&app=b&app=c", &q, &bad), AX_OK);
	cr_assert_eq(query_count(&q, "app"), 3);
	cr_assert_eq(query_count(&q, "x"), 1);
	cr_assert_eq(query_count(&q, "ap"), 0);
	cr_assert_str_eq(query_nth(&q, "app", 0), "a");
	cr_assert_str_eq(query_nth(&q, "app", 1), "b");
	cr_assert_str_eq(query_nth(&q, "app", 2), "c");
	cr_assert_null(query_nth(&q, "app", 3));
	cr_assert_str_eq(query_get(&q, "app"), "a");
	query_free(&q);
}

Test(query, key_match_is_exact)
{
	struct query	 q;
	const char	*bad;

	cr_assert_eq(query_parse("from=1&fromx=2", &q, &bad), AX_OK);
	cr_assert_str_eq(query_get(&q, "from"), "1");
	cr_assert_null(query_get(&q, "fro"));
	cr_assert_null(query_get(&q, "FROM"));
	query_free(&q);
}

Test(query, plus_is_space)
{
	struct query	 q;
	const char	*bad;

	cr_assert_eq(query_parse("q=a+b++c&k+1=v", &q, &bad), AX_OK);
	cr_assert_str_eq(query_get(&q, "q"), "a b  c");
	cr_assert_str_eq(query_get(&q, "k 1"), "v");
	query_free(&q);
}

Test(query, percent_escape_is_decoded)
{
	struct query	 q;
	const char	*bad;

	cr_assert_eq(query_parse("v=%41%62%2b%2B", &q, &bad), AX_OK);
	cr_assert_str_eq(query_get(&q, "v"), "Ab++");
	query_free(&q);
}

Test(query, escaped_plus_is_plus_not_space)
{
	struct query	 q;
	const char	*bad;

	cr_assert_eq(query_parse("tz=%2B05:30", &q, &bad), AX_OK);
	cr_assert_str_eq(query_get(&q, "tz"), "+05:30");
	query_free(&q);
}

Test(query, escaped_separators_are_data)
{
	struct query	 q;
	const char	*bad;

	cr_assert_eq(query_parse("a%3Db=c%26d%3De", &q, &bad), AX_OK);
	cr_assert_eq(q.n, 1);
	cr_assert_str_eq(query_get(&q, "a=b"), "c&d=e");
	query_free(&q);
}

Test(query, utf8_escapes_are_bytes)
{
	struct query	 q;
	const char	*bad;

	cr_assert_eq(query_parse("n=%C3%A9t%C3%A9", &q, &bad), AX_OK);
	cr_assert_str_eq(query_get(&q, "n"), "\xc3\xa9t\xc3\xa9");
	query_free(&q);
}

Test(query, equals_in_value_is_kept)
{
	struct query	 q;
	const char	*bad;

	cr_assert_eq(query_parse("a=1=2", &q, &bad), AX_OK);
	cr_assert_str_eq(query_get(&q, "a"), "1=2");
	query_free(&q);
}

Test(query, truncated_escape_is_refused)
{
	struct query	 q;
	const char	*bad;

	cr_assert_eq(query_parse("v=%4", &q, &bad), AX_ERR_BAD_REQUEST);
	cr_assert_str_eq(bad, "v");
	query_free(&q);
	cr_assert_eq(query_parse("v=%", &q, &bad), AX_ERR_BAD_REQUEST);
	query_free(&q);
	cr_assert_eq(query_parse("v=%4&w=1", &q, &bad), AX_ERR_BAD_REQUEST);
	query_free(&q);
}

Test(query, non_hex_escape_is_refused)
{
	struct query	 q;
	const char	*bad;

	cr_assert_eq(query_parse("app=%zz", &q, &bad), AX_ERR_BAD_REQUEST);
	cr_assert_str_eq(bad, "app");
	query_free(&q);
	cr_assert_eq(query_parse("app=%4g", &q, &bad), AX_ERR_BAD_REQUEST);
	query_free(&q);
	cr_assert_eq(query_parse("app=%g4", &q, &bad), AX_ERR_BAD_REQUEST);
	query_free(&q);
}

Test(query, nul_escape_is_refused)
{
	struct query	 q;
	const char	*bad;

	cr_assert_eq(query_parse("a=1&k=x%00y", &q, &bad), AX_ERR_BAD_REQUEST);
	cr_assert_str_eq(bad, "k");
	query_free(&q);
}

Test(query, bad_escape_in_key_is_refused)
{
	struct query	 q;
	const char	*bad;

	cr_assert_eq(query_parse("k%zz=1", &q, &bad), AX_ERR_BAD_REQUEST);
	query_free(&q);
	cr_assert_eq(query_parse("k%00=1", &q, &bad), AX_ERR_BAD_REQUEST);
	query_free(&q);
	cr_assert_eq(query_parse("%4", &q, &bad), AX_ERR_BAD_REQUEST);
	query_free(&q);
}

Test(query, empty_pairs_are_skipped)
{
	struct query	 q;
	const char	*bad;

	cr_assert_eq(query_parse("&&a=1&", &q, &bad), AX_OK);
	cr_assert_eq(q.n, 1);
	cr_assert_str_eq(query_get(&q, "a"), "1");
	query_free(&q);
	cr_assert_eq(query_parse("&", &q, &bad), AX_OK);
	cr_assert_eq(q.n, 0);
	query_free(&q);
}

Test(query, key_without_equals_has_empty_value)
{
	struct query	 q;
	const char	*bad;

	cr_assert_eq(query_parse("verbose&a=1", &q, &bad), AX_OK);
	cr_assert_eq(q.n, 2);
	cr_assert_not_null(query_get(&q, "verbose"));
	cr_assert_str_eq(query_get(&q, "verbose"), "");
	query_free(&q);
}

Test(query, key_with_empty_value)
{
	struct query	 q;
	const char	*bad;

	cr_assert_eq(query_parse("a=&b=2", &q, &bad), AX_OK);
	cr_assert_str_eq(query_get(&q, "a"), "");
	cr_assert_str_eq(query_get(&q, "b"), "2");
	query_free(&q);
}

/* "k0=0&k1=1&..." with n pairs, into buf. */
static void
pairs(char *buf, size_t bufsz, size_t n)
{
	size_t	i, off = 0;

	buf[0] = '\0';
	for (i = 0; i < n; i++) {
		off += (size_t)snprintf(buf + off, bufsz - off, "%sk%zu=%zu",
		    i ? "&" : "", i, i);
		cr_assert_lt(off, bufsz);
	}
}

Test(query, sixty_four_pairs_are_accepted)
{
	char		 buf[2048];
	struct query	 q;
	const char	*bad;

	pairs(buf, sizeof(buf), QUERY_MAX_PARAMS);
	cr_assert_eq(query_parse(buf, &q, &bad), AX_OK);
	cr_assert_eq(q.n, QUERY_MAX_PARAMS);
	cr_assert_str_eq(query_get(&q, "k63"), "63");
	query_free(&q);
}

Test(query, more_than_64_pairs_are_refused)
{
	char		 buf[2048];
	struct query	 q;
	const char	*bad;

	pairs(buf, sizeof(buf), QUERY_MAX_PARAMS + 1);
	cr_assert_eq(query_parse(buf, &q, &bad), AX_ERR_BAD_REQUEST);
	query_free(&q);
	cr_assert_null(q.buf);
	cr_assert_eq(q.n, 0);
}

Test(query, empty_pairs_do_not_count_toward_limit)
{
	char		 buf[2048];
	struct query	 q;
	const char	*bad;

	pairs(buf, sizeof(buf), QUERY_MAX_PARAMS);
	strcat(buf, "&&&&&&&&&&");
	cr_assert_eq(query_parse(buf, &q, &bad), AX_OK);
	cr_assert_eq(q.n, QUERY_MAX_PARAMS);
	query_free(&q);
}

Test(query, string_of_max_length_is_accepted)
{
	static char	 buf[QUERY_MAX_LEN + 1];
	struct query	 q;
	const char	*bad;

	memset(buf, 'x', QUERY_MAX_LEN);
	buf[0] = 'a';
	buf[1] = '=';
	buf[QUERY_MAX_LEN] = '\0';
	cr_assert_eq(query_parse(buf, &q, &bad), AX_OK);
	cr_assert_eq(strlen(query_get(&q, "a")), QUERY_MAX_LEN - 2);
	query_free(&q);
}

Test(query, string_longer_than_8192_is_refused)
{
	static char	 buf[QUERY_MAX_LEN + 2];
	struct query	 q;
	const char	*bad;

	memset(buf, 'x', QUERY_MAX_LEN + 1);
	buf[0] = 'a';
	buf[1] = '=';
	buf[QUERY_MAX_LEN + 1] = '\0';
	cr_assert_eq(query_parse(buf, &q, &bad), AX_ERR_BAD_REQUEST);
	cr_assert_null(bad);
	query_free(&q);
	cr_assert_null(q.buf);
}

Test(query, free_is_safe_after_failed_parse)
{
	struct query	 q;
	const char	*bad;

	cr_assert_eq(query_parse("a=1&b=%zz&c=3", &q, &bad),
	    AX_ERR_BAD_REQUEST);
	query_free(&q);
	cr_assert_null(q.buf);
	cr_assert_eq(q.n, 0);
	/* A second free is harmless too. */
	query_free(&q);
	cr_assert_null(query_get(&q, "a"));
}

/* query_encode: what the Link header of /stats/logs is made of. */

Test(query_encode, only_unreserved_bytes_stay)
{
	char	out[128];

	cr_assert_eq(query_encode("a>;rel=\"x\",<https://evil.example/steal",
	    NULL, out, sizeof(out)), 60);
	cr_assert_str_eq(out, "a%3E%3Brel%3D%22x%22%2C%3Chttps%3A%2F%2F"
	    "evil.example%2Fsteal");
	cr_assert_eq(query_encode("AZaz09-._~", NULL, out, sizeof(out)), 10);
	cr_assert_str_eq(out, "AZaz09-._~");
	cr_assert_eq(query_encode("a b+c&d%e\r\n", NULL, out, sizeof(out)), 23);
	cr_assert_str_eq(out, "a%20b%2Bc%26d%25e%0D%0A");
}

Test(query_encode, utf8_bytes_and_keep)
{
	char	out[64];

	cr_assert_eq(query_encode("ñandú", NULL, out, sizeof(out)), 15);
	cr_assert_str_eq(out, "%C3%B1and%C3%BA");
	cr_assert_eq(query_encode("/stats/logs", "/", out, sizeof(out)), 11);
	cr_assert_str_eq(out, "/stats/logs");
	cr_assert_eq(query_encode("/a b/", "/", out, sizeof(out)), 7);
	cr_assert_str_eq(out, "/a%20b/");
}

Test(query_encode, refuses_what_does_not_fit)
{
	char	out[8];

	cr_assert_eq(query_encode("abcdefg", NULL, out, sizeof(out)), 7);
	cr_assert_eq(query_encode("abcdefgh", NULL, out, sizeof(out)),
	    (size_t)-1);
	cr_assert_eq(query_encode("abcd>", NULL, out, sizeof(out)), 7);
	cr_assert_eq(query_encode("abcde>", NULL, out, sizeof(out)),
	    (size_t)-1);
	cr_assert_eq(query_encode("", NULL, out, 1), 0);
	cr_assert_eq(query_encode("", NULL, out, 0), (size_t)-1);
}
