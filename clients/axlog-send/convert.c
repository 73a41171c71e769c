/*
 * convert.c: input lines to events.  Every event goes through
 * event_parse, the validator of the ingest program, twice: as the user
 * wrote it (so the reasons name the user's fields) and as it will be sent
 * (so what leaves is what the server accepts, retention aside).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "convert.h"
#include "event.h"
#include "timefmt.h"
#include "utf8.h"

#define JSON_FLAGS \
	(JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

void
convert_uuid4(const uint8_t rnd[CONVERT_RANDOM_BYTES],
    char out[CONVERT_UUID_LEN + 1])
{
	static const char	hex[] = "0123456789abcdef";
	uint8_t			u[CONVERT_RANDOM_BYTES];
	size_t			i, o = 0;

	memcpy(u, rnd, sizeof(u));
	u[6] = (uint8_t)((u[6] & 0x0f) | 0x40);	/* version 4 */
	u[8] = (uint8_t)((u[8] & 0x3f) | 0x80);	/* variant 10 */
	for (i = 0; i < sizeof(u); i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hex[u[i] >> 4];
		out[o++] = hex[u[i] & 0x0f];
	}
	out[o] = '\0';
}

static int
blank(const char *s, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++)
		if (!isspace((unsigned char)s[i]))
			return 0;
	return 1;
}

/* "field: problem; ..." from event_parse's details, or its message. */
static void
describe(const struct event_batch *b, char *msg, size_t msgsz)
{
	struct json_object	*d, *f, *p;
	size_t			 i, n, off = 0;
	int			 w;

	msg[0] = '\0';
	n = b->details ? json_object_array_length(b->details) : 0;
	for (i = 0; i < n && off < msgsz; i++) {
		d = json_object_array_get_idx(b->details, i);
		f = json_object_object_get(d, "field");
		p = json_object_object_get(d, "problem");
		w = snprintf(msg + off, msgsz - off, "%s%s: %s", i ? "; " : "",
		    f ? json_object_get_string(f) : "event",
		    json_object_get_string(p));
		if (w < 0)
			break;
		off += (size_t)w;
	}
	if (n == 0)
		snprintf(msg, msgsz, "%s", b->message);
}

/*
 * Validate one event s[0..len) as the server would; 1 when valid.  The
 * line must hold an object: event_parse's JSON mode alone would take a
 * one-element array too.
 */
static int
valid(const char *s, size_t len, int64_t now_us, char *msg, size_t msgsz)
{
	struct event_batch	b;
	size_t			i;
	int			ok;

	for (i = 0; i < len && isspace((unsigned char)s[i]); i++)
		;
	if (i == len || s[i] != '{') {
		snprintf(msg, msgsz, "not a JSON object (one event a line)");
		return 0;
	}
	ok = event_parse(s, len, BODY_JSON, 1, now_us, &b) == AX_OK && b.n == 1;
	if (!ok)
		describe(&b, msg, msgsz);
	event_batch_free(&b);
	return ok;
}

/* o[key] = s[0..len); -1 when out of memory (o is left as it was). */
static int
add_string(struct json_object *o, const char *key, const char *s, size_t len)
{
	struct json_object	*v;

	if ((v = json_object_new_string_len(s, (int)len)) == NULL)
		return -1;
	if (json_object_object_add(o, key, v) != 0) {
		json_object_put(v);
		return -1;
	}
	return 0;
}

/* Give o an id and a created_at where it has none (JSON null is none). */
static int
stamp(struct json_object *o, int64_t now_us,
    const uint8_t rnd[CONVERT_RANDOM_BYTES])
{
	char	id[CONVERT_UUID_LEN + 1], at[TIMEFMT_LEN];

	if (json_object_object_get(o, "created_at") == NULL) {
		timefmt_format(now_us, at);
		if (add_string(o, "created_at", at, strlen(at)) != 0)
			return -1;
	}
	if (json_object_object_get(o, "id") == NULL) {
		convert_uuid4(rnd, id);
		if (add_string(o, "id", id, CONVERT_UUID_LEN) != 0)
			return -1;
	}
	return 0;
}

/* The object of a line event_parse has accepted, or NULL (out of memory). */
static struct json_object *
parse_object(const char *s, size_t len)
{
	struct json_object	*o;
	json_tokener		*tok;

	if ((tok = json_tokener_new_ex(EVENT_MAX_DEPTH + 8)) == NULL)
		return NULL;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
	    JSON_TOKENER_VALIDATE_UTF8);
	o = json_tokener_parse_ex(tok, s, (int)len);
	json_tokener_free(tok);
	if (o != NULL && !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		o = NULL;
	}
	return o;
}

/* A plain text line as the message of an event of type t. */
static struct json_object *
text_event(const char *s, size_t len, const char *t, char *msg, size_t msgsz)
{
	struct json_object	*o;

	if (memchr(s, '\0', len) != NULL || !utf8_valid(s, len)) {
		snprintf(msg, msgsz, "not UTF-8 text (or holds a NUL byte)");
		return NULL;
	}
	if (len > EVENT_MAX_MESSAGE) {
		snprintf(msg, msgsz, "longer than %d bytes", EVENT_MAX_MESSAGE);
		return NULL;
	}
	if ((o = json_object_new_object()) == NULL)
		return NULL;
	if (add_string(o, "event_type", t, strlen(t)) != 0 ||
	    add_string(o, "message", s, len) != 0) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

/* Serialise o into a malloc'd copy that passes the validator. */
static enum convert_res
finish(struct json_object *o, int64_t now_us, char **out, size_t *outlen,
    char *msg, size_t msgsz)
{
	const char	*s;
	size_t		 n;

	if ((s = json_object_to_json_string_length(o, JSON_FLAGS, &n)) == NULL)
		return CONVERT_NOMEM;
	if (n > EVENT_MAX_LINE) {
		snprintf(msg, msgsz, "over %d bytes with its id",
		    EVENT_MAX_LINE);
		return CONVERT_INVALID;
	}
	if (!valid(s, n, now_us, msg, msgsz))
		return CONVERT_INVALID;
	if ((*out = malloc(n + 1)) == NULL)
		return CONVERT_NOMEM;
	memcpy(*out, s, n + 1);
	*outlen = n;
	return CONVERT_OK;
}

enum convert_res
convert_line(const char *line, size_t len, const char *event_type,
    int64_t now_us, const uint8_t rnd[CONVERT_RANDOM_BYTES], char **out,
    size_t *outlen, char *msg, size_t msgsz)
{
	struct json_object	*o = NULL;
	enum convert_res	 r = CONVERT_INVALID;

	*out = NULL;
	msg[0] = '\0';
	if (blank(line, len))
		return CONVERT_BLANK;
	if (event_type != NULL)
		o = text_event(line, len, event_type, msg, msgsz);
	else if (valid(line, len, now_us, msg, msgsz))
		o = parse_object(line, len);
	if (o == NULL) {
		r = msg[0] != '\0' ? CONVERT_INVALID : CONVERT_NOMEM;
		goto out;
	}
	if (stamp(o, now_us, rnd) != 0) {
		r = CONVERT_NOMEM;
		goto out;
	}
	r = finish(o, now_us, out, outlen, msg, msgsz);
out:
	json_object_put(o);
	return r;
}
