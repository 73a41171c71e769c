/*
 * linein.h: reading input one line at a time with a bound on the line
 * length, so one endless line costs no more memory than the limit.
 */
#ifndef AXLOG_SEND_LINEIN_H
#define AXLOG_SEND_LINEIN_H

#include <stddef.h>

/* A line longer than this (without its newline) is refused. */
#define LINEIN_MAX	65536

struct linein;

enum linein_res {
	LINEIN_OK,		/* *line holds a line, without "\n" or "\r\n" */
	LINEIN_EOF,		/* no more lines */
	LINEIN_TOO_LONG,	/* the line is over LINEIN_MAX bytes; skipped */
	LINEIN_ERROR,		/* a read error (errno says which) */
};

/*
 * Open path for reading ("-" is standard input, which linein_free leaves
 * open).  Returns NULL with errno set.  The name is kept, not copied:
 * it must outlive the reader.
 */
struct linein	*linein_open(const char *path);

/*
 * The next line: *line points into the reader's buffer, valid until the
 * next call, and is NUL-terminated at *len (it may hold NULs of its own).
 * *lineno is its number, from 1, in every case but LINEIN_EOF.
 */
enum linein_res	 linein_next(struct linein *in, const char **line,
		    size_t *len, size_t *lineno);

/* The name given to linein_open ("stdin" for "-"). */
const char	*linein_name(const struct linein *in);

/* Close and free; accepts NULL. */
void		 linein_free(struct linein *in);

#endif
