/*
 * linein.c: bounded line reading over stdio.  A line is read byte by byte
 * into a fixed buffer; past the limit, the rest of it is read and thrown
 * away, and the caller is told.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "linein.h"

struct linein {
	FILE		*fp;
	const char	*name;
	int		 is_stdin;
	size_t		 lineno;
	char		 buf[LINEIN_MAX + 2];	/* a CR kept, and the NUL */
};

struct linein *
linein_open(const char *path)
{
	struct linein	*in;

	if ((in = calloc(1, sizeof(*in))) == NULL)
		return NULL;
	if (strcmp(path, "-") == 0) {
		in->fp = stdin;
		in->is_stdin = 1;
		in->name = "stdin";
	} else if ((in->fp = fopen(path, "r")) == NULL) {
		free(in);
		return NULL;
	} else
		in->name = path;
	return in;
}

/* Read to the end of the current line; 0 at a newline or EOF, -1 on error. */
static int
skip_line(FILE *fp)
{
	int	c;

	while ((c = getc_unlocked(fp)) != EOF)
		if (c == '\n')
			return 0;
	return ferror(fp) ? -1 : 0;
}

enum linein_res
linein_next(struct linein *in, const char **line, size_t *len,
    size_t *lineno)
{
	size_t	n = 0;
	int	c;

	while ((c = getc_unlocked(in->fp)) != EOF && c != '\n') {
		if (n == LINEIN_MAX + 1) {
			*lineno = ++in->lineno;
			return skip_line(in->fp) == 0 ? LINEIN_TOO_LONG :
			    LINEIN_ERROR;
		}
		in->buf[n++] = (char)c;
	}
	if (c == EOF && ferror(in->fp))
		return LINEIN_ERROR;
	if (c == EOF && n == 0)
		return LINEIN_EOF;
	if (n > 0 && in->buf[n - 1] == '\r')
		n--;
	*lineno = ++in->lineno;
	if (n > LINEIN_MAX)
		return LINEIN_TOO_LONG;
	in->buf[n] = '\0';
	*line = in->buf;
	*len = n;
	return LINEIN_OK;
}

const char *
linein_name(const struct linein *in)
{
	return in->name;
}

void
linein_free(struct linein *in)
{
	if (in == NULL)
		return;
	if (!in->is_stdin)
		(void)fclose(in->fp);	/* read only: nothing to lose */
	free(in);
}
