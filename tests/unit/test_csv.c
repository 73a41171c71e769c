/*
 * test_csv.c: CSV cells per RFC 4180 (quoting on comma, quote, CR, LF;
 * quotes doubled), formula neutralisation (=, +, -, @, tab, CR first),
 * byte-exact UTF-8, and the snprintf-like contract on short buffers.
 */
#include <string.h>

#include <criterion/criterion.h>

#include "csv.h"

/* The cell for a NUL-terminated s, checked to fit and to be terminated. */
static const char *
cell(const char *s, char *out, size_t outsz)
{
	size_t	n;

	n = csv_cell(s, strlen(s), out, outsz);
	cr_assert_lt(n, outsz, "cell of \"%s\" did not fit", s);
	cr_assert_eq(strlen(out), n, "returned %zu, wrote %zu", n, strlen(out));
	return out;
}

Test(csv, plain_text_is_left_unquoted)
{
	char	out[64];

	cr_assert_str_eq(cell("hello world", out, sizeof(out)), "hello world");
	cr_assert_str_eq(cell("checkout.failed", out, sizeof(out)),
	    "checkout.failed");
	cr_assert_str_eq(cell("12.5", out, sizeof(out)), "12.5");
}

Test(csv, empty_string_is_an_empty_cell)
{
	char	out[8];

	memset(out, 'X', sizeof(out));
	cr_assert_eq(csv_cell("", 0, out, sizeof(out)), 0);
	cr_assert_str_eq(out, "");
}

Test(csv, comma_is_quoted)
{
	char	out[64];

	cr_assert_str_eq(cell("a,b", out, sizeof(out)), "\"a,b\"");
}

Test(csv, quote_is_doubled_inside_quotes)
{
	char	out[64];

	cr_assert_str_eq(cell("say \"hi\"", out, sizeof(out)),
	    "\"say \"\"hi\"\"\"");
	cr_assert_str_eq(cell("\"", out, sizeof(out)), "\"\"\"\"");
}

Test(csv, line_feed_is_quoted)
{
	char	out[64];

	cr_assert_str_eq(cell("a\nb", out, sizeof(out)), "\"a\nb\"");
}

Test(csv, carriage_return_is_quoted)
{
	char	out[64];

	cr_assert_str_eq(cell("a\rb", out, sizeof(out)), "\"a\rb\"");
	cr_assert_str_eq(cell("a\r\nb", out, sizeof(out)), "\"a\r\nb\"");
}

Test(csv, formula_prefixes_get_an_apostrophe_inside_quotes)
{
	const char	*in[] = {
		"=SUM(A1:A2)", "+1", "-1", "@cmd", "\tx", "\rx",
	};
	const char	*want[] = {
		"\"'=SUM(A1:A2)\"", "\"'+1\"", "\"'-1\"", "\"'@cmd\"",
		"\"'\tx\"", "\"'\rx\"",
	};
	char		out[64];
	size_t		i;

	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++)
		cr_assert_str_eq(cell(in[i], out, sizeof(out)), want[i],
		    "cell %zu", i);
}

Test(csv, lone_formula_char_is_neutralised)
{
	char	out[16];

	cr_assert_str_eq(cell("=", out, sizeof(out)), "\"'=\"");
	cr_assert_str_eq(cell("-", out, sizeof(out)), "\"'-\"");
}

Test(csv, formula_with_quote_and_comma_is_both_neutralised_and_escaped)
{
	char	out[64];

	cr_assert_str_eq(cell("=HYPERLINK(\"x\",1)", out, sizeof(out)),
	    "\"'=HYPERLINK(\"\"x\"\",1)\"");
}

Test(csv, formula_char_after_first_position_is_untouched)
{
	char	out[64];

	cr_assert_str_eq(cell("a-b", out, sizeof(out)), "a-b");
	cr_assert_str_eq(cell("x=1", out, sizeof(out)), "x=1");
	cr_assert_str_eq(cell("user@example.org", out, sizeof(out)),
	    "user@example.org");
	cr_assert_str_eq(cell("2026-01-01", out, sizeof(out)), "2026-01-01");
}

Test(csv, non_ascii_utf8_passes_through_byte_exact)
{
	const char	s[] =
	    "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xe6\x97\xa5";
	char		out[64];

	cr_assert_str_eq(cell(s, out, sizeof(out)), s);
}

Test(csv, only_len_bytes_are_read)
{
	char	out[8];

	/* The comma past len is not part of the cell: no quoting. */
	cr_assert_eq(csv_cell("ab,cd", 2, out, sizeof(out)), 2);
	cr_assert_str_eq(out, "ab");
}

Test(csv, too_small_buffer_returns_needed_length_and_stays_terminated)
{
	const char	*s = "say \"hi\", =x";
	const char	*want = "\"say \"\"hi\"\", =x\"";
	char		out[64];
	size_t		need = strlen(want), sz;

	for (sz = 1; sz <= need; sz++) {
		memset(out, 'X', sizeof(out));
		cr_assert_eq(csv_cell(s, strlen(s), out, sz), need,
		    "outsz %zu", sz);
		cr_assert_eq(strlen(out), sz - 1, "outsz %zu", sz);
		cr_assert_eq(strncmp(out, want, sz - 1), 0, "outsz %zu", sz);
		cr_assert_eq(out[sz], 'X', "wrote past outsz %zu", sz);
	}
	cr_assert_eq(csv_cell(s, strlen(s), out, need + 1), need);
	cr_assert_str_eq(out, want);
}

Test(csv, null_buffer_of_size_zero_returns_needed_length)
{
	cr_assert_eq(csv_cell("plain", 5, NULL, 0), 5);
	cr_assert_eq(csv_cell("a,b", 3, NULL, 0), 5);
	cr_assert_eq(csv_cell("=1", 2, NULL, 0), 5);
	cr_assert_eq(csv_cell("\"", 1, NULL, 0), 4);
}

Test(csv, worst_case_fits_the_documented_bound)
{
	char	s[32], out[2 * sizeof(s) + 4];
	size_t	n;

	/* A formula start and nothing but quotes needs the most room. */
	memset(s, '"', sizeof(s));
	s[0] = '=';
	n = csv_cell(s, sizeof(s), out, sizeof(out));
	cr_assert_leq(n, 2 * sizeof(s) + 4);
	cr_assert_lt(n, sizeof(out));
	cr_assert_eq(strlen(out), n);
}
