/*
 * pgbin.c: PostgreSQL's binary array format (src/backend/utils/adt/
 * arrayfuncs.c, array_recv): int32 ndim, int32 has-nulls flag, uint32
 * element OID, then per dimension int32 size and int32 lower bound,
 * then the elements.  Every integer is in network byte order.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pgbin.h"

/* Room for one more element of len bytes, with its length word. */
static int
grow(struct pgbin *a, size_t len)
{
	size_t	 need, cap;
	char	*nb;

	if (a->err)
		return -1;
	if (len > INT32_MAX - 4 || a->len > INT32_MAX - 4 - len) {
		a->err = 1;
		return -1;
	}
	need = a->len + 4 + len;
	if (need <= a->cap)
		return 0;
	cap = a->cap ? a->cap : 256;
	while (cap < need)
		cap *= 2;
	if ((nb = realloc(a->buf, cap)) == NULL) {
		a->err = 1;
		return -1;
	}
	a->buf = nb;
	a->cap = cap;
	return 0;
}

static void
put32(char *p, uint32_t v)
{
	p[0] = (char)(v >> 24);
	p[1] = (char)(v >> 16);
	p[2] = (char)(v >> 8);
	p[3] = (char)v;
}

static void
put64(char *p, uint64_t v)
{
	put32(p, (uint32_t)(v >> 32));
	put32(p + 4, (uint32_t)v);
}

void
pgbin_init(struct pgbin *a, uint32_t oid)
{
	memset(a, 0, sizeof(*a));
	a->oid = oid;
}

void
pgbin_free(struct pgbin *a)
{
	free(a->buf);
	pgbin_init(a, a->oid);
}

void
pgbin_reset(struct pgbin *a)
{
	a->len = 0;
	a->n = 0;
	a->nulls = 0;
	a->err = 0;
}

void
pgbin_null(struct pgbin *a)
{
	if (grow(a, 0) != 0)
		return;
	put32(a->buf + a->len, UINT32_MAX);	/* -1 */
	a->len += 4;
	a->n++;
	a->nulls = 1;
}

void
pgbin_bytes(struct pgbin *a, const void *p, size_t len)
{
	if (grow(a, len) != 0)
		return;
	put32(a->buf + a->len, (uint32_t)len);
	if (len > 0)
		memcpy(a->buf + a->len + 4, p, len);
	a->len += 4 + len;
	a->n++;
}

void
pgbin_text(struct pgbin *a, const char *s)
{
	if (s == NULL)
		pgbin_null(a);
	else
		pgbin_bytes(a, s, strlen(s));
}

void
pgbin_bool(struct pgbin *a, int v)
{
	char	b = v ? 1 : 0;

	pgbin_bytes(a, &b, 1);
}

void
pgbin_int4(struct pgbin *a, int32_t v)
{
	char	b[4];

	put32(b, (uint32_t)v);
	pgbin_bytes(a, b, sizeof(b));
}

void
pgbin_int8(struct pgbin *a, int64_t v)
{
	char	b[8];

	put64(b, (uint64_t)v);
	pgbin_bytes(a, b, sizeof(b));
}

void
pgbin_float8(struct pgbin *a, double v)
{
	uint64_t	u;

	memcpy(&u, &v, sizeof(u));
	pgbin_int8(a, (int64_t)u);
}

void
pgbin_timestamptz(struct pgbin *a, int64_t unix_us)
{
	pgbin_int8(a, unix_us - PGBIN_EPOCH_US);
}

void
pgbin_jsonb(struct pgbin *a, const char *json, size_t len)
{
	if (len > INT32_MAX - 1 || grow(a, len + 1) != 0) {
		a->err = 1;
		return;
	}
	put32(a->buf + a->len, (uint32_t)(len + 1));
	a->buf[a->len + 4] = 1;		/* jsonb's binary version */
	memcpy(a->buf + a->len + 5, json, len);
	a->len += 5 + len;
	a->n++;
}

/* inet_send: family (2 IPv4, 3 IPv6), bits, is_cidr, size, address. */
void
pgbin_inet(struct pgbin *a, const unsigned char *addr, size_t len)
{
	char	b[4 + 16];

	if (len != 4 && len != 16) {
		a->err = 1;
		return;
	}
	b[0] = len == 4 ? 2 : 3;
	b[1] = (char)(len * 8);
	b[2] = 0;
	b[3] = (char)len;
	memcpy(b + 4, addr, len);
	pgbin_bytes(a, b, 4 + len);
}

void
pgbin_concat(struct pgbin *a, const struct pgbin *from)
{
	if (from->n == 0)
		return;
	if (from->err || a->oid != from->oid) {
		a->err = 1;
		return;
	}
	/* grow() counts a length word that is not added here: harmless */
	if (grow(a, from->len) != 0)
		return;
	memcpy(a->buf + a->len, from->buf, from->len);
	a->len += from->len;
	a->n += from->n;
	a->nulls |= from->nulls;
}

char *
pgbin_finish(const struct pgbin *a, int *len)
{
	size_t	 head = a->n > 0 ? 20 : 12;
	char	*out;

	if (a->err || a->len > (size_t)INT32_MAX - head ||
	    (out = malloc(head + a->len)) == NULL)
		return NULL;
	put32(out, a->n > 0 ? 1 : 0);
	put32(out + 4, a->nulls ? 1 : 0);
	put32(out + 8, a->oid);
	if (a->n > 0) {
		put32(out + 12, a->n);
		put32(out + 16, 1);
		memcpy(out + 20, a->buf, a->len);
	}
	*len = (int)(head + a->len);
	return out;
}
