/*
 * pgbin.h: one-dimensional PostgreSQL arrays in the binary format of
 * array_recv, built element by element, for statement parameters.
 *
 * Written here because libpq has no array encoder.  The binary form is
 * length-prefixed: no byte of an element is ever read as syntax (no
 * quoting, no escaping, no "NULL" spelled as a name), and the server
 * checks the element type and each element's own binary form.
 */
#ifndef AXLOG_PGBIN_H
#define AXLOG_PGBIN_H

#include <stddef.h>
#include <stdint.h>

/* Element types, by their pg_type OIDs. */
#define PGBIN_BOOL		16
#define PGBIN_INT8		20
#define PGBIN_INT4		23
#define PGBIN_TEXT		25
#define PGBIN_FLOAT8		701
#define PGBIN_INET		869
#define PGBIN_TIMESTAMPTZ	1184
#define PGBIN_UUID		2950
#define PGBIN_JSONB		3802

/* Microseconds from the Unix epoch to PostgreSQL's (2000-01-01 UTC). */
#define PGBIN_EPOCH_US		INT64_C(946684800000000)

/*
 * The elements of an array: each one's 4-byte length (-1: NULL), then
 * its bytes.  Any allocation failure sticks in err, so a caller adds
 * every element and checks once, at pgbin_finish.
 */
struct pgbin {
	char		*buf;
	size_t		 len, cap;
	uint32_t	 n;		/* elements */
	uint32_t	 oid;		/* their type */
	int		 nulls;		/* has a NULL */
	int		 err;		/* out of memory, or too large */
};

void	pgbin_init(struct pgbin *, uint32_t oid);
void	pgbin_free(struct pgbin *);
/* Forget the elements, keep the buffer. */
void	pgbin_reset(struct pgbin *);

void	pgbin_null(struct pgbin *);
void	pgbin_bytes(struct pgbin *, const void *p, size_t len);
void	pgbin_text(struct pgbin *, const char *s);	/* NULL: SQL NULL */
void	pgbin_bool(struct pgbin *, int v);
void	pgbin_int4(struct pgbin *, int32_t v);
void	pgbin_int8(struct pgbin *, int64_t v);
void	pgbin_float8(struct pgbin *, double v);
void	pgbin_timestamptz(struct pgbin *, int64_t unix_us);
/* jsonb's binary form: a version byte, then the JSON text. */
void	pgbin_jsonb(struct pgbin *, const char *json, size_t len);
/* An inet from its address bytes: 4 (IPv4) or 16 (IPv6). */
void	pgbin_inet(struct pgbin *, const unsigned char *addr, size_t len);

/* Add every element of from to a (same type). */
void	pgbin_concat(struct pgbin *a, const struct pgbin *from);

/*
 * The whole array, header first, in a new buffer of *len bytes (at most
 * INT32_MAX, libpq's limit for one parameter).  NULL when a.err is set
 * or memory runs out.
 */
char	*pgbin_finish(const struct pgbin *a, int *len);

#endif
