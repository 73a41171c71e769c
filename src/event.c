/*
 * event.c: the /ingest event rules of DESIGN.md, one function per field.
 * Problems are collected, not stopped at, so a client sees every mistake
 * of a batch in one answer.
 */
#define _GNU_SOURCE		/* memmem(3) */
#include <arpa/inet.h>
#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "event.h"
#include "schema.h"
#include "timefmt.h"
#include "utf8.h"

/* Parsing state of one body. */
struct ctx {
	struct event_batch	*b;
	int64_t			 now_us;
	size_t			 nproblems;
	int			 index;		/* event being validated */
	int			 has_id, has_created_at;
	struct json_object	*row;		/* being built */
};

static void
problem(struct ctx *c, const char *field, const char *what)
{
	struct json_object	*d;

	if (c->nproblems++ >= EVENT_MAX_DETAILS)
		return;
	if (c->b->details == NULL)
		c->b->details = json_object_new_array();
	d = json_object_new_object();
	json_object_object_add(d, "index", json_object_new_int(c->index));
	json_object_object_add(d, "field",
	    field ? json_object_new_string(field) : NULL);
	json_object_object_add(d, "problem", json_object_new_string(what));
	json_object_array_add(c->b->details, d);
}

int
event_type_valid(const char *s, size_t len)
{
	size_t	i;

	if (len < 1 || len > EVENT_MAX_TYPE)
		return 0;
	for (i = 0; i < len; i++)
		if (!isalnum((unsigned char)s[i]) &&
		    strchr("_.:/-", s[i]) == NULL)
			return 0;
	return 1;
}

int
event_uuid_valid(const char *s, size_t len)
{
	size_t	i;

	if (len != 36)
		return 0;
	for (i = 0; i < len; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return 0;
		} else if (!isxdigit((unsigned char)s[i]))
			return 0;
	}
	return 1;
}

int
event_ip_valid(const char *s, size_t len)
{
	unsigned char	addr[16];
	char		buf[64];

	if (len == 0 || len >= sizeof(buf))
		return 0;
	memcpy(buf, s, len);
	buf[len] = '\0';
	return inet_pton(AF_INET, buf, addr) == 1 ||
	    inet_pton(AF_INET6, buf, addr) == 1;
}

/* A JSON string without NUL (json-c decodes \u0000 into the bytes). */
static int
string_of(struct ctx *c, const char *field, struct json_object *v,
    const char **s, size_t *len)
{
	if (!json_object_is_type(v, json_type_string)) {
		problem(c, field, "wrong_type");
		return 0;
	}
	*s = json_object_get_string(v);
	*len = (size_t)json_object_get_string_len(v);
	if (memchr(*s, '\0', *len) != NULL) {
		problem(c, field, "contains_nul");
		return 0;
	}
	return 1;
}

static void
keep(struct ctx *c, const char *field, struct json_object *v)
{
	json_object_object_add(c->row, field, json_object_get(v));
}

static void
v_event_type(struct ctx *c, const char *f, struct json_object *v)
{
	const char	*s;
	size_t		 n;

	if (!string_of(c, f, v, &s, &n))
		return;
	if (n == 0 || n > EVENT_MAX_TYPE)
		problem(c, f, n == 0 ? "empty" : "too_long");
	else if (!event_type_valid(s, n))
		problem(c, f, "invalid_characters");
	else
		keep(c, f, v);
}

/* event_subtype, fingerprint: up to 64 characters of any text. */
static void
v_short_text(struct ctx *c, const char *f, struct json_object *v)
{
	const char	*s;
	size_t		 n;

	if (!string_of(c, f, v, &s, &n))
		return;
	if (utf8_chars(s, n) > EVENT_MAX_TYPE)
		problem(c, f, "too_long");
	else
		keep(c, f, v);
}

static void
v_message(struct ctx *c, const char *f, struct json_object *v)
{
	const char	*s;
	size_t		 n;

	if (!string_of(c, f, v, &s, &n))
		return;
	if (n > EVENT_MAX_MESSAGE)
		problem(c, f, "too_long");
	else
		keep(c, f, v);
}

static void
v_uuid(struct ctx *c, const char *f, struct json_object *v)
{
	const char	*s;
	size_t		 n;

	if (!string_of(c, f, v, &s, &n))
		return;
	if (!event_uuid_valid(s, n))
		problem(c, f, "invalid_uuid");
	else
		keep(c, f, v);
	if (strcmp(f, "id") == 0)
		c->has_id = 1;
}

static void
v_created_at(struct ctx *c, const char *f, struct json_object *v)
{
	char		 out[TIMEFMT_LEN];
	const char	*s;
	size_t		 n;
	int64_t		 us;

	c->has_created_at = 1;
	if (!string_of(c, f, v, &s, &n))
		return;
	if (timefmt_parse(s, n, &us) != 0) {
		problem(c, f, "invalid_timestamp");
		return;
	}
	if (us > c->now_us + EVENT_MAX_FUTURE_US) {
		problem(c, f, "in_future");
		return;
	}
	timefmt_format(us, out);
	json_object_object_add(c->row, f, json_object_new_string(out));
}

static void
v_ip(struct ctx *c, const char *f, struct json_object *v)
{
	const char	*s;
	size_t		 n;

	if (!string_of(c, f, v, &s, &n))
		return;
	if (!event_ip_valid(s, n))
		problem(c, f, "invalid_ip_address");
	else
		keep(c, f, v);
}

static void
v_success(struct ctx *c, const char *f, struct json_object *v)
{
	if (!json_object_is_type(v, json_type_boolean))
		problem(c, f, "wrong_type");
	else
		keep(c, f, v);
}

static void
v_duration(struct ctx *c, const char *f, struct json_object *v)
{
	double	d;

	if (!json_object_is_type(v, json_type_int) &&
	    !json_object_is_type(v, json_type_double)) {
		problem(c, f, "wrong_type");
		return;
	}
	d = json_object_get_double(v);
	if (!(d >= 0) || d > 1e15)
		problem(c, f, "out_of_range");
	else
		json_object_object_add(c->row, f, json_object_new_double(d));
}

/* Depth of nested containers (an empty object is 1); -1 on a NUL. */
static int
depth_of(struct json_object *v)
{
	size_t	i, n;
	int	d, max = 0;

	if (json_object_is_type(v, json_type_string))
		return memchr(json_object_get_string(v), '\0',
		    (size_t)json_object_get_string_len(v)) ? -1 : 0;
	if (json_object_is_type(v, json_type_array)) {
		n = json_object_array_length(v);
		for (i = 0; i < n; i++) {
			if ((d = depth_of(json_object_array_get_idx(v, i))) < 0)
				return -1;
			max = d > max ? d : max;
		}
		return max + 1;
	}
	if (json_object_is_type(v, json_type_object)) {
		json_object_object_foreach(v, key, val) {
			(void)key;
			if ((d = depth_of(val)) < 0)
				return -1;
			max = d > max ? d : max;
		}
		return max + 1;
	}
	return 0;
}

static void
v_metadata(struct ctx *c, const char *f, struct json_object *v)
{
	size_t	n;
	int	d;

	if (!json_object_is_type(v, json_type_object)) {
		problem(c, f, "wrong_type");
		return;
	}
	if ((d = depth_of(v)) < 0)
		problem(c, f, "contains_nul");
	else if (d > EVENT_MAX_DEPTH)
		problem(c, f, "too_deep");
	else if (json_object_to_json_string_length(v, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE, &n) == NULL ||
	    n > EVENT_MAX_METADATA)
		problem(c, f, "too_large");
	else
		keep(c, f, v);
}

static void
v_app_id(struct ctx *c, const char *f, struct json_object *v)
{
	const char	*s;
	size_t		 n;

	if (!string_of(c, f, v, &s, &n))
		return;
	if (n >= sizeof(c->b->app_id) || !schema_app_id_valid(s)) {
		problem(c, f, "invalid_app_id");
		return;
	}
	if (c->b->app_id[0] == '\0')
		memcpy(c->b->app_id, s, n + 1);
	else if (strcmp(c->b->app_id, s) != 0)
		c->b->app_conflict = 1;
}

static const struct field {
	const char	*name;
	void		(*check)(struct ctx *, const char *, struct json_object *);
} fields[] = {
	{ "event_type", v_event_type },
	{ "event_subtype", v_short_text },
	{ "created_at", v_created_at },
	{ "id", v_uuid },
	{ "user_id", v_uuid },
	{ "fingerprint", v_short_text },
	{ "ip_address", v_ip },
	{ "success", v_success },
	{ "duration_ms", v_duration },
	{ "message", v_message },
	{ "metadata", v_metadata },
	{ "app_id", v_app_id },
};

static void
check_field(struct ctx *c, const char *key, struct json_object *val)
{
	size_t	i;

	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		if (strcmp(fields[i].name, key) != 0)
			continue;
		if (val != NULL)	/* JSON null: as if absent */
			fields[i].check(c, key, val);
		return;
	}
	problem(c, strlen(key) <= 64 ? key : NULL, "unknown_field");
}

/* Validate one event; adds its row to the batch when it has no problem. */
static void
validate(struct ctx *c, struct json_object *ev)
{
	size_t	before = c->nproblems;

	if (!json_object_is_type(ev, json_type_object)) {
		problem(c, NULL, "not_an_object");
		c->index++;
		return;
	}
	c->row = json_object_new_object();
	c->has_id = c->has_created_at = 0;
	json_object_object_foreach(ev, key, val)
		check_field(c, key, val);
	if (json_object_object_get_ex(ev, "event_type", NULL) == 0 ||
	    json_object_object_get(ev, "event_type") == NULL)
		problem(c, "event_type", "missing");
	if (c->has_id && !c->has_created_at)
		problem(c, "created_at", "required_with_id");
	if (c->nproblems == before)
		json_object_array_add(c->b->rows, c->row);
	else
		json_object_put(c->row);
	c->row = NULL;
	c->index++;
}

/*
 * A JSON \u0000 escape anywhere (RFC 8259 §7): json-c would cut an object
 * key at it and PostgreSQL refuses it in text and jsonb, so it is refused
 * up front.  An escape is real when an odd number of backslashes lead it.
 */
static int
has_nul_escape(const char *s, size_t len)
{
	const char	*p = s, *end = s + len;
	size_t		 k;

	while ((p = memmem(p, (size_t)(end - p), "u0000", 5)) != NULL) {
		for (k = 0; p - k > s && p[-(ptrdiff_t)k - 1] == '\\'; k++)
			;
		if (k % 2 == 1)
			return 1;
		p += 5;
	}
	return 0;
}

/*
 * What RFC 8259 forbids and json-c lets through: control characters
 * inside strings (§7) or outside them other than whitespace (§2), and
 * single quotes outside strings.  0 when s breaks these.
 */
static int
json_lexically_strict(const char *s, size_t len)
{
	size_t	i;
	int	in_string = 0, escaped = 0;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (in_string) {
			if (c < 0x20)
				return 0;
			if (escaped)
				escaped = 0;
			else if (c == '\\')
				escaped = 1;
			else if (c == '"')
				in_string = 0;
		} else if (c == '"')
			in_string = 1;
		else if (c == '\'' || (c < 0x20 && c != '\t' && c != '\n' &&
		    c != '\r'))
			return 0;
	}
	return 1;
}

/* Parse exactly one JSON text from s[0..len) (RFC 8259), or NULL. */
static struct json_object *
parse_one(json_tokener *tok, const char *s, size_t len, struct ctx *c)
{
	struct json_object	*o;
	enum json_tokener_error	 e;
	size_t			 end;
	int			 padded = 0;

	json_tokener_reset(tok);
	o = json_tokener_parse_ex(tok, s, (int)len);
	e = json_tokener_get_error(tok);
	/* A bare number or literal at the very end is not known to be over
	 * until json-c sees one more byte: give it a space. */
	if (o == NULL && e == json_tokener_continue) {
		o = json_tokener_parse_ex(tok, " ", 1);
		e = json_tokener_get_error(tok);
		padded = 1;
	}
	if (o == NULL || e != json_tokener_success) {
		if (e == json_tokener_continue)
			e = json_tokener_error_parse_eof;
		snprintf(c->b->message, sizeof(c->b->message), "%s%s",
		    e == json_tokener_error_parse_utf8_string ?
		    "invalid UTF-8: " : "",
		    json_tokener_error_desc(e));
		json_object_put(o);
		return NULL;
	}
	/* Padded, it ended in our space: all of s was used. */
	end = padded ? len : json_tokener_get_parse_end(tok);
	for (; end < len; end++)
		if (!isspace((unsigned char)s[end])) {
			snprintf(c->b->message, sizeof(c->b->message),
			    "unexpected data after the JSON value");
			json_object_put(o);
			return NULL;
		}
	return o;
}

static enum ax_err
parse_error(struct ctx *c, json_tokener *tok)
{
	return json_tokener_get_error(tok) ==
	    json_tokener_error_parse_utf8_string ?
	    AX_ERR_INVALID_ENCODING : AX_ERR_INVALID_JSON;
}

static enum ax_err
parse_json(struct ctx *c, json_tokener *tok, const char *s, size_t len,
    size_t max_batch)
{
	struct json_object	*o;
	size_t			 i, n;

	if ((o = parse_one(tok, s, len, c)) == NULL)
		return parse_error(c, tok);
	if (!json_object_is_type(o, json_type_array)) {
		validate(c, o);
		json_object_put(o);
		return AX_OK;
	}
	if ((n = json_object_array_length(o)) > max_batch) {
		snprintf(c->b->message, sizeof(c->b->message),
		    "%zu events; at most %zu in one request", n, max_batch);
		json_object_put(o);
		return AX_ERR_TOO_LARGE;
	}
	for (i = 0; i < n; i++)
		validate(c, json_object_array_get_idx(o, i));
	json_object_put(o);
	return AX_OK;
}

/* NDJSON: one event a line; blank lines and a CR before LF are allowed. */
static enum ax_err
parse_ndjson(struct ctx *c, json_tokener *tok, const char *s, size_t len,
    size_t max_batch)
{
	struct json_object	*o;
	const char		*line = s, *nl, *end = s + len;
	size_t			 n, i, lineno = 0;

	for (; line < end; line = nl + 1) {
		lineno++;
		if ((nl = memchr(line, '\n', (size_t)(end - line))) == NULL)
			nl = end;
		n = (size_t)(nl - line);
		for (i = 0; i < n && isspace((unsigned char)line[i]); i++)
			;
		if (i == n)
			continue;
		if (n > EVENT_MAX_LINE) {
			snprintf(c->b->message, sizeof(c->b->message),
			    "line %zu is over %d bytes", lineno,
			    EVENT_MAX_LINE);
			return AX_ERR_TOO_LARGE;
		}
		if ((size_t)c->index >= max_batch) {
			snprintf(c->b->message, sizeof(c->b->message),
			    "more than %zu events in one request", max_batch);
			return AX_ERR_TOO_LARGE;
		}
		if ((o = parse_one(tok, line, n, c)) == NULL) {
			size_t	off = strlen(c->b->message);

			snprintf(c->b->message + off,
			    sizeof(c->b->message) - off, " (line %zu)", lineno);
			return parse_error(c, tok);
		}
		validate(c, o);
		json_object_put(o);
	}
	return AX_OK;
}

enum ax_err
event_parse(const char *body, size_t len, enum body_type t,
    size_t max_batch, int64_t now_us, struct event_batch *b)
{
	struct ctx	 c;
	json_tokener	*tok;
	enum ax_err	 e;

	memset(b, 0, sizeof(*b));
	memset(&c, 0, sizeof(c));
	c.b = b;
	c.now_us = now_us;
	if (len > 0x7fffffff)
		return AX_ERR_TOO_LARGE;
	if (memchr(body, '\0', len) != NULL || has_nul_escape(body, len)) {
		snprintf(b->message, sizeof(b->message),
		    "NUL characters are not allowed");
		return AX_ERR_INVALID_ENCODING;
	}
	if (!utf8_valid(body, len)) {
		snprintf(b->message, sizeof(b->message),
		    "the body is not valid UTF-8");
		return AX_ERR_INVALID_ENCODING;
	}
	if (!json_lexically_strict(body, len)) {
		snprintf(b->message, sizeof(b->message), "control character "
		    "in a string, or a single quote: not JSON");
		return AX_ERR_INVALID_JSON;
	}
	/* Deep enough for a batch of events with metadata nested to the
	 * limit, so the depth problem is reported per event. */
	if ((tok = json_tokener_new_ex(EVENT_MAX_DEPTH + 8)) == NULL)
		return AX_ERR_UNAVAILABLE;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
	    JSON_TOKENER_VALIDATE_UTF8);
	b->rows = json_object_new_array();
	e = t == BODY_NDJSON ? parse_ndjson(&c, tok, body, len, max_batch) :
	    parse_json(&c, tok, body, len, max_batch);
	json_tokener_free(tok);
	if (e == AX_OK && c.nproblems > 0) {
		snprintf(b->message, sizeof(b->message),
		    "%zu problem%s in the events%s", c.nproblems,
		    c.nproblems == 1 ? "" : "s",
		    c.nproblems > EVENT_MAX_DETAILS ? "; the first 100 listed" :
		    "");
		e = AX_ERR_INVALID_EVENT;
	}
	b->n = json_object_array_length(b->rows);
	return e;
}

void
event_batch_free(struct event_batch *b)
{
	json_object_put(b->rows);
	json_object_put(b->details);
	b->rows = b->details = NULL;
}
