/*
 * jsontext.h: what json-c does not say about a JSON text it has parsed:
 * the exact text of each number and whether a string held a lone UTF-16
 * surrogate escape.  The scanners read text json-c has already accepted,
 * one token at a time; every read is bounds-checked all the same.
 */
#ifndef AXLOG_JSONTEXT_H
#define AXLOG_JSONTEXT_H

#include <stddef.h>

/* Whitespace json-c and RFC 8259 §2 agree on: space, tab, LF, CR. */
size_t	jsontext_ws(const char *s, size_t len, size_t i);

/*
 * The string whose opening quote is s[i]: *end is just past its closing
 * quote, *lone is 1 when an escape \uD800-\uDFFF is not half of a
 * high-low pair (json-c turns it into U+FFFD), *escaped 1 when it has any
 * backslash.  -1 when the string is not closed within len.
 */
int	jsontext_string(const char *s, size_t len, size_t i, size_t *end,
	    int *lone, int *escaped);

enum jsontext_num {
	JSONTEXT_NUM_OK,	/* RFC 8259 §6 number */
	JSONTEXT_NUM_NONFINITE,	/* NaN, Infinity, -Infinity */
	JSONTEXT_NUM_INVALID	/* json-c took it, RFC 8259 does not: 1. -.5 00 */
};

struct jsontext_number {
	enum jsontext_num	kind;
	int			integer;	/* no fraction, no exponent */
	/* Characters PostgreSQL prints for it as numeric (no exponent,
	 * every digit of the scale), saturated at (size_t)-1 / 2. */
	size_t			printed;
};

/*
 * The number or non-finite literal starting at s[i]: *end is just past it.
 * -1 when s[i] starts neither.
 */
int	jsontext_number(const char *s, size_t len, size_t i, size_t *end,
	    struct jsontext_number *n);

#endif
