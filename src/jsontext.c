/*
 * jsontext.c: token scanners over a JSON text json-c has accepted.
 *
 * Hand-written because json-c keeps neither fact these find: it replaces
 * a lone surrogate escape with U+FFFD, saturates integers beyond 64 bits,
 * and takes NaN, Infinity, "1." and "-.5" even with JSON_TOKENER_STRICT.
 * Each scanner reads one token and returns where it ends, so the caller
 * walks the text alongside json-c's tree.
 */
#include <stdint.h>
#include <string.h>

#include "jsontext.h"

#define EXP_MAX		INT64_C(1000000000)	/* beyond: out of any range */

size_t
jsontext_ws(const char *s, size_t len, size_t i)
{
	while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' ||
	    s[i] == '\r'))
		i++;
	return i;
}

/* The value of the 4 hex digits at s[i], or -1. */
static long
hex4(const char *s, size_t len, size_t i)
{
	long	v = 0;
	size_t	k;
	char	c;

	if (len < 4 || i > len - 4)
		return -1;
	for (k = 0; k < 4; k++) {
		c = s[i + k];
		if (c >= '0' && c <= '9')
			v = v * 16 + (c - '0');
		else if (c >= 'a' && c <= 'f')
			v = v * 16 + (c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v = v * 16 + (c - 'A' + 10);
		else
			return -1;
	}
	return v;
}

/*
 * s[i] is the backslash of \uXXXX: how many bytes the escape (or pair of
 * escapes) takes, setting *lone when it is half a surrogate pair.
 */
static size_t
unicode_escape(const char *s, size_t len, size_t i, int *lone)
{
	long	hi, lo;

	hi = hex4(s, len, i + 2);
	if (hi < 0xd800 || hi > 0xdfff)
		return 6;
	if (hi >= 0xdc00) {
		*lone = 1;
		return 6;
	}
	if (i + 7 < len && s[i + 6] == '\\' && s[i + 7] == 'u' &&
	    (lo = hex4(s, len, i + 8)) >= 0xdc00 && lo <= 0xdfff)
		return 12;
	*lone = 1;
	return 6;
}

int
jsontext_string(const char *s, size_t len, size_t i, size_t *end,
    int *lone, int *escaped)
{
	*lone = *escaped = 0;
	if (i >= len || s[i] != '"')
		return -1;
	for (i++; i < len; ) {
		if (s[i] == '"') {
			*end = i + 1;
			return 0;
		}
		if (s[i] != '\\') {
			i++;
			continue;
		}
		*escaped = 1;
		if (i + 1 >= len)
			return -1;
		/* Each escape is consumed whole, so "\\u" is a backslash
		 * and a letter, never an escape. */
		i += s[i + 1] == 'u' ? unicode_escape(s, len, i, lone) : 2;
	}
	return -1;
}

/* Digits from s[*i]: how many, and *i past them. */
static size_t
digits(const char *s, size_t len, size_t *i)
{
	size_t	start = *i;

	while (*i < len && s[*i] >= '0' && s[*i] <= '9')
		(*i)++;
	return *i - start;
}

/* Leading zeros of the digits s[a..b) followed by s[c..d). */
static size_t
leading_zeros(const char *s, size_t a, size_t b, size_t c, size_t d)
{
	size_t	z = 0;

	for (; a < b && s[a] == '0'; a++)
		z++;
	if (a < b)
		return z;
	for (; c < d && s[c] == '0'; c++)
		z++;
	return z;
}

/*
 * What numeric_out prints for int.frac e exp: the sign of a non-zero
 * value, the integer digits without leading zeros (at least "0"), and
 * max(0, |frac| - exp) digits of scale.
 */
static size_t
printed(int neg, size_t nint, size_t nfrac, size_t lz, int64_t exp)
{
	int64_t	point = (int64_t)nint + exp, scale, n;

	scale = (int64_t)nfrac - exp;
	if (scale < 0)
		scale = 0;
	if (lz == nint + nfrac)		/* zero: "0", and the scale */
		n = 1;
	else
		n = (neg ? 1 : 0) + (point - (int64_t)lz >= 1 ?
		    point - (int64_t)lz : 1);
	n += scale > 0 ? 1 + scale : 0;
	return (uint64_t)n > SIZE_MAX / 2 ? SIZE_MAX / 2 : (size_t)n;
}

/* The exponent after 'e', saturated at EXP_MAX; -1 without digits. */
static int
exponent(const char *s, size_t len, size_t *i, int64_t *exp)
{
	int	neg = 0;
	size_t	start;

	*exp = 0;
	if (*i < len && (s[*i] == '+' || s[*i] == '-'))
		neg = s[(*i)++] == '-';
	for (start = *i; *i < len && s[*i] >= '0' && s[*i] <= '9'; (*i)++)
		if (*exp < EXP_MAX)
			*exp = *exp * 10 + (s[*i] - '0');
	if (*i == start)
		return -1;
	if (neg)
		*exp = -*exp;
	return 0;
}

int
jsontext_number(const char *s, size_t len, size_t i, size_t *end,
    struct jsontext_number *n)
{
	size_t	a, nint, c = 0, nfrac = 0, j;
	int64_t	exp = 0;
	int	neg = 0, bad = 0;

	memset(n, 0, sizeof(*n));
	if (i < len && s[i] == '-') {
		neg = 1;
		i++;
	}
	if (i < len && (s[i] == 'N' || s[i] == 'I')) {
		while (i < len && ((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z')))
			i++;
		*end = i;
		n->kind = JSONTEXT_NUM_NONFINITE;
		return 0;
	}
	a = i;
	if ((nint = digits(s, len, &i)) == 0 && (i >= len || s[i] != '.'))
		return -1;
	bad = nint == 0 || (nint > 1 && s[a] == '0');
	n->integer = 1;
	if (i < len && s[i] == '.') {
		c = ++i;
		nfrac = digits(s, len, &i);
		bad |= nfrac == 0;
		n->integer = 0;
	}
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		j = i + 1;
		bad |= exponent(s, len, &j, &exp) != 0;
		i = j;
		n->integer = 0;
	}
	*end = i;
	n->kind = bad ? JSONTEXT_NUM_INVALID : JSONTEXT_NUM_OK;
	n->printed = printed(neg, nint, nfrac,
	    leading_zeros(s, a, a + nint, c, c + nfrac), exp);
	return 0;
}
