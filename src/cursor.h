/*
 * cursor.h: the opaque keyset position of /stats/logs: the (created_at,
 * id) of the last event of a page.  It is a position only, never a
 * permission: the key's scope is applied again on every page.  A
 * version byte and an HMAC-SHA256 under a secret of the database
 * (sql/006_cursor_secret.sql) make a tampered or forged cursor a 400
 * bad_cursor, never another page nor a statement the database refuses.
 */
#ifndef AXLOG_CURSOR_H
#define AXLOG_CURSOR_H

#include <stdint.h>

#include "b64.h"
#include "timefmt.h"

#define CURSOR_KEY_LEN	32	/* the secret, as axlog.cursor_secret holds it */
#define CURSOR_MAC_LEN	16	/* HMAC-SHA256 truncated to 128 bits (RFC 2104 §5) */
#define CURSOR_RAW_LEN	(1 + 8 + 16 + CURSOR_MAC_LEN)	/* version, µs, uuid, MAC */
#define CURSOR_LEN	B64URL_LEN(CURSOR_RAW_LEN)

/*
 * The times a cursor may carry: RFC 3339's years 0001 to 9999, which is
 * what an event's created_at can hold and what PostgreSQL compares
 * without an error.
 */
#define CURSOR_MIN_US	TIMEFMT_MIN_US
#define CURSOR_MAX_US	TIMEFMT_MAX_US

struct cursor {
	int64_t	created_us;
	char	id[37];		/* lower-case canonical UUID */
};

/*
 * Encode c into out (NUL-terminated), authenticated with key; -1 when
 * c->id is no UUID, c->created_us is out of range or HMAC fails.
 */
int	cursor_encode(const struct cursor *c, const uint8_t key[CURSOR_KEY_LEN],
	    char out[CURSOR_LEN + 1]);
/*
 * Decode s made with key; 0, or -1 on any malformed, tampered, foreign
 * (another key or version) or out-of-range input.
 */
int	cursor_decode(const char *s, const uint8_t key[CURSOR_KEY_LEN],
	    struct cursor *c);

#endif
