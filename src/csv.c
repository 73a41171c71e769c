/*
 * csv.c: CSV cells.
 */
#include <string.h>

#include "csv.h"

static void
put(char *out, size_t outsz, size_t at, char c)
{
	if (at + 1 < outsz)
		out[at] = c;
}

size_t
csv_cell(const char *s, size_t len, char *out, size_t outsz)
{
	size_t	i, n = 0;
	int	formula = len > 0 && s[0] != '\0' &&
	    strchr("=+-@\t\r", s[0]) != NULL;
	int	quote = formula || memchr(s, ',', len) || memchr(s, '"', len) ||
		    memchr(s, '\n', len) || memchr(s, '\r', len);

	if (quote)
		put(out, outsz, n++, '"');
	if (formula)
		put(out, outsz, n++, '\'');
	for (i = 0; i < len; i++) {
		if (s[i] == '"')
			put(out, outsz, n++, '"');
		put(out, outsz, n++, s[i]);
	}
	if (quote)
		put(out, outsz, n++, '"');
	if (outsz > 0)
		out[n < outsz ? n : outsz - 1] = '\0';
	return n;
}
