/*
 * query.c: query string decoding.
 */
#include <stdlib.h>
#include <string.h>

#include "hex.h"
#include "query.h"
#include "utf8.h"

/* Decode s in place up to its end; -1 on a bad escape or a NUL. */
static int
decode(char *s)
{
	char	*w = s;
	int	 hi, lo;

	for (; *s != '\0'; s++) {
		if (*s == '+')
			*w++ = ' ';
		else if (*s == '%') {
			if ((hi = hex_value(s[1])) < 0 || (lo = hex_value(s[2])) < 0)
				return -1;
			if ((*w++ = (char)(hi << 4 | lo)) == '\0')
				return -1;
			s += 2;
		} else
			*w++ = *s;
	}
	*w = '\0';
	return 0;
}

enum ax_err
query_parse(const char *qs, struct query *q, const char **bad)
{
	char	*pair, *next, *eq;

	memset(q, 0, sizeof(*q));
	*bad = NULL;
	if (strlen(qs) > QUERY_MAX_LEN)
		return AX_ERR_BAD_REQUEST;
	if ((q->buf = strdup(qs)) == NULL)
		return AX_ERR_UNAVAILABLE;
	for (pair = q->buf; pair != NULL; pair = next) {
		if ((next = strchr(pair, '&')) != NULL)
			*next++ = '\0';
		if (*pair == '\0')
			continue;
		if (q->n == QUERY_MAX_PARAMS)
			return AX_ERR_BAD_REQUEST;
		if ((eq = strchr(pair, '=')) != NULL)
			*eq++ = '\0';
		if (decode(pair) != 0 || !utf8_valid(pair, strlen(pair)))
			return AX_ERR_BAD_REQUEST;
		if (eq == NULL)
			eq = pair + strlen(pair);	/* "" */
		else if (decode(eq) != 0 || !utf8_valid(eq, strlen(eq))) {
			*bad = pair;
			return AX_ERR_BAD_REQUEST;
		}
		q->p[q->n].key = pair;
		q->p[q->n].value = eq;
		q->n++;
	}
	return AX_OK;
}

static int
unreserved(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
	    c == '~';
}

size_t
query_encode(const char *s, const char *keep, char *out, size_t outsz)
{
	static const char	 digits[] = "0123456789ABCDEF";
	const unsigned char	*u = (const unsigned char *)s;
	size_t			 n = 0;

	for (; *u != '\0'; u++) {
		if (unreserved(*u) || (keep != NULL &&
		    strchr(keep, *u) != NULL)) {
			if (n + 1 >= outsz)
				return (size_t)-1;
			out[n++] = (char)*u;
			continue;
		}
		if (n + 3 >= outsz)
			return (size_t)-1;
		out[n++] = '%';
		out[n++] = digits[*u >> 4];
		out[n++] = digits[*u & 15];
	}
	if (outsz == 0)
		return (size_t)-1;
	out[n] = '\0';
	return n;
}

void
query_free(struct query *q)
{
	free(q->buf);
	q->buf = NULL;
	q->n = 0;
}

const char *
query_get(const struct query *q, const char *key)
{
	return query_nth(q, key, 0);
}

size_t
query_count(const struct query *q, const char *key)
{
	size_t	i, n = 0;

	for (i = 0; i < q->n; i++)
		if (strcmp(q->p[i].key, key) == 0)
			n++;
	return n;
}

const char *
query_nth(const struct query *q, const char *key, size_t nth)
{
	size_t	i;

	for (i = 0; i < q->n; i++)
		if (strcmp(q->p[i].key, key) == 0 && nth-- == 0)
			return q->p[i].value;
	return NULL;
}
