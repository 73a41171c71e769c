/*
 * cursor.h: the opaque keyset position of /stats/logs: the (created_at,
 * id) of the last event of a page.  It is a position only, never a
 * permission: the key's scope is applied again on every page.  A
 * version byte and a checksum make a tampered cursor a 400, not another
 * page.
 */
#ifndef AXLOG_CURSOR_H
#define AXLOG_CURSOR_H

#include <stdint.h>

#include "b64.h"

#define CURSOR_RAW_LEN	29	/* version, µs, uuid, 4 checksum bytes */
#define CURSOR_LEN	B64URL_LEN(CURSOR_RAW_LEN)

struct cursor {
	int64_t	created_us;
	char	id[37];		/* lower-case canonical UUID */
};

/* Encode c into out (NUL-terminated); -1 when c->id is no UUID. */
int	cursor_encode(const struct cursor *c, char out[CURSOR_LEN + 1]);
/* Decode s; 0, or -1 on any malformed, tampered or foreign input. */
int	cursor_decode(const char *s, struct cursor *c);

#endif
