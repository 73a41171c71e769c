/*
 * event.c: the /ingest event rules of DESIGN.md, one function per field.
 * Problems are collected, not stopped at, so a client sees every mistake
 * of a batch in one answer.
 *
 * A value is stored as sent or refused, never changed on the way.  json-c
 * changes some silently, so after it has parsed an event the event's text
 * is walked once more alongside the tree (jsontext.c reads the tokens):
 *  - numbers are stored as their text: json-c keeps a double's text and
 *    prints it back, and an integer of 19 digits or more is given its
 *    text back here (json-c saturates it at 64 bits), so jsonb's numeric
 *    gets every digit: 0.1, 1e400, 123456789012345678901234567890 are
 *    kept.  Refused: NaN, Infinity, -Infinity (not_a_number), forms
 *    RFC 8259 has not, 1. -.5 00 -01 (invalid_number: PostgreSQL
 *    refuses the first two, json-c would store the others as 0, -1),
 *    and a number PostgreSQL would print in more than
 *    EVENT_MAX_METADATA characters (number_out_of_range; that also keeps
 *    to numeric's range).  What the printing adds counts towards
 *    metadata's EVENT_MAX_METADATA.
 *  - a \uD800-\uDFFF escape that is not half of a pair, which json-c
 *    turns into U+FFFD (lone_surrogate), in any string or key;
 *  - a key repeated in one object, of which json-c keeps the last
 *    (duplicate_key, naming the object).
 * A problem names the value by its path: metadata.a[2], metadata["a b"];
 * a path longer than EVENT_MAX_PATH names the part of it that fits.
 * \u0000 stays refused for the whole body before parsing (below).
 */
#define _GNU_SOURCE		/* memmem(3), strndup(3) */
#include <arpa/inet.h>
#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "event.h"
#include "jsontext.h"
#include "schema.h"
#include "timefmt.h"
#include "utf8.h"

/* Containers the text walk may be inside: json-c's own depth limit. */
#define WALK_DEPTH	(EVENT_MAX_DEPTH + 8)

/* One step of the path to a value: an object's key or an array index. */
struct seg {
	const char	*key;		/* NULL: index */
	size_t		 klen;
	size_t		 idx;
};

/* Where the walk over an event's text is. */
struct walk {
	struct seg	 seg[WALK_DEPTH + 1];
	size_t		 depth;
	size_t		 grow;		/* what numbers grow by, printed */
	int		 quiet;		/* not an event: only find its end */
	int		 detached;	/* text without its tree, see tree_of */
};

/* Parsing state of one body. */
struct ctx {
	struct event_batch	*b;
	int64_t			 now_us;
	size_t			 nproblems;
	int			 index;		/* event being validated */
	int			 has_id, has_created_at;
	struct json_object	*row;		/* being built */
	struct walk		 w;
	unsigned		 refused;	/* fields[] the walk refused */
	size_t			 meta_grow;	/* metadata's numbers, printed */
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
	/* Refused too: 0001-01-01T00:30:00+01:00, year 0 in UTC, which
	 * PostgreSQL would refuse (timefmt_parse checks after the offset). */
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
	    n > EVENT_MAX_METADATA || c->meta_grow > EVENT_MAX_METADATA - n)
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
		/* JSON null: as if absent; refused on the walk: once is
		 * enough. */
		if (val != NULL && !(c->refused & 1u << i))
			fields[i].check(c, key, val);
		return;
	}
	problem(c, strlen(key) <= 64 ? key : NULL, "unknown_field");
}

/*
 * The walk: each event's text read again alongside json-c's tree, for
 * what the tree has lost (see the top of this file).  json-c has parsed
 * the text, so the walk only follows it; where the text is not what
 * json-c read it stops.  A NULL tree is a JSON null or, below a repeated
 * key, no tree at all (tree_of).
 */

/* A key written bare in a path: letters, digits, '_' and '-'. */
static int
plain_key(const char *k, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)k[i]) && k[i] != '_' &&
		    k[i] != '-')
			return 0;
	return n > 0;
}

/* One step of a path in out[size]: [2], .key, key (first), ["a b"]. */
static int
segment(const struct seg *g, int first, char *out, size_t size)
{
	struct json_object	*o;
	const char		*q;
	int			 r;

	if (g->key == NULL)
		r = snprintf(out, size, "[%zu]", g->idx);
	else if (g->klen >= size)
		return -1;
	else if (plain_key(g->key, g->klen))
		r = snprintf(out, size, "%s%.*s", first ? "" : ".",
		    (int)g->klen, g->key);
	else {
		if ((o = json_object_new_string_len(g->key,
		    (int)g->klen)) == NULL)
			return -1;
		q = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
		    JSON_C_TO_STRING_NOSLASHESCAPE);
		r = q != NULL ? snprintf(out, size, "[%s]", q) : -1;
		json_object_put(o);
	}
	return r < 0 || (size_t)r >= size ? -1 : 0;
}

/* The walk's path, as far as whole steps fit in EVENT_MAX_PATH. */
static void
path_of(const struct walk *w, char out[EVENT_MAX_PATH])
{
	char	one[EVENT_MAX_PATH];
	size_t	i, n = 0, k;

	out[0] = '\0';
	for (i = 0; i < w->depth; i++) {
		if (segment(&w->seg[i], i == 0, one, sizeof(one)) != 0)
			return;
		if ((k = strlen(one)) >= EVENT_MAX_PATH - n)
			return;
		memcpy(out + n, one, k + 1);
		n += k;
	}
}

static void
walk_problem(struct ctx *c, const char *what)
{
	char	path[EVENT_MAX_PATH];

	if (c->w.quiet)
		return;
	path_of(&c->w, path);
	problem(c, path[0] != '\0' ? path : NULL, what);
}

/*
 * Print v as the client wrote it: json-c saturates an integer beyond 64
 * bits, where PostgreSQL's numeric keeps every digit.
 */
static int
keep_text(struct json_object *v, const char *s, size_t n)
{
	char	*t;

	if ((t = strndup(s, n)) == NULL)
		return -1;
	json_object_set_serializer(v, json_object_userdata_to_json_string, t,
	    json_object_free_userdata);
	return 0;
}

/*
 * A number is stored as its text (json-c keeps a double's, keep_text an
 * integer's), so it must be a number PostgreSQL reads, and not one that
 * prints to more than a whole metadata's worth.
 */
static int
walk_number(struct ctx *c, const char *s, size_t len, size_t *i,
    struct json_object *v)
{
	struct jsontext_number	n;
	size_t			end, tlen;

	if (jsontext_number(s, len, *i, &end, &n) != 0)
		return -1;
	tlen = end - *i;
	if (n.kind == JSONTEXT_NUM_NONFINITE)
		walk_problem(c, "not_a_number");
	else if (n.kind == JSONTEXT_NUM_INVALID)
		walk_problem(c, "invalid_number");
	else if (n.printed > EVENT_MAX_METADATA)
		walk_problem(c, "number_out_of_range");
	else {
		c->w.grow += n.printed > tlen ? n.printed - tlen : 0;
		/* 19 digits and more may be past 64 bits. */
		if (n.integer && v != NULL && tlen >= 19 &&
		    keep_text(v, s + *i, tlen) != 0)
			return -1;
	}
	*i = end;
	return 0;
}

/*
 * The member of object o (NULL: none) whose key is the string s[i..end),
 * quotes included, decoded as json-c decoded it: without an escape the
 * bytes themselves (in buf), else json-c's own reading (in *hold, for the
 * caller to release).  A key o lacks is one repeated (see tree_of).
 */
static int
member_of(struct ctx *c, struct json_object *o, const char *s, size_t i,
    size_t end, int escaped, char buf[128], struct json_object **hold,
    struct seg *g, struct json_object **child)
{
	json_tokener	*tok;
	const char	*key;
	size_t		 n = end - i - 2;

	*hold = NULL;
	if (!escaped && n < 128) {
		memcpy(buf, s + i + 1, n);
		buf[n] = '\0';
		key = buf;
	} else {
		if ((tok = json_tokener_new()) == NULL)
			return -1;
		*hold = json_tokener_parse_ex(tok, s + i, (int)(end - i));
		json_tokener_free(tok);
		if (!json_object_is_type(*hold, json_type_string))
			return -1;
		key = json_object_get_string(*hold);
		n = (size_t)json_object_get_string_len(*hold);
	}
	g->key = key;
	g->klen = n;
	*child = NULL;
	if (o != NULL && !json_object_object_get_ex(o, key, child))
		c->w.detached = 1;
	return 0;
}

static int	walk_value(struct ctx *, const char *, size_t, size_t *,
		    struct json_object *);

/* A member of the event itself is done: what the walk found counts. */
static void
member_done(struct ctx *c, const char *key, size_t before)
{
	size_t	i;

	if (strcmp(key, "metadata") == 0)
		c->meta_grow = c->w.grow;
	c->w.grow = 0;
	if (c->nproblems == before)
		return;
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (strcmp(fields[i].name, key) == 0)
			c->refused |= 1u << i;
}

/* One "key": value of an object; *i is at the key. */
static int
walk_member(struct ctx *c, const char *s, size_t len, size_t *i,
    struct json_object *o)
{
	struct json_object	*hold, *child;
	struct walk		*w = &c->w;
	char			 buf[128];
	size_t			 end, before = c->nproblems;
	int			 lone, escaped, r = -1;

	hold = NULL;
	if (jsontext_string(s, len, *i, &end, &lone, &escaped) != 0 ||
	    member_of(c, o, s, *i, end, escaped, buf, &hold, &w->seg[w->depth],
	    &child) != 0) {
		json_object_put(hold);
		return -1;
	}
	w->depth++;
	if (lone)
		walk_problem(c, "lone_surrogate");
	*i = jsontext_ws(s, len, end);
	if (*i < len && s[*i] == ':') {
		(*i)++;
		r = walk_value(c, s, len, i, child);
	}
	w->depth--;
	if (r == 0 && w->depth == 0 && !w->quiet)
		member_done(c, w->seg[0].key, before);
	json_object_put(hold);
	return r;
}

/*
 * json-c keeps the last of a repeated key and says nothing; the object
 * holding it is named (the event's own: no field).
 */
static int
walk_object(struct ctx *c, const char *s, size_t len, size_t *i,
    struct json_object *o)
{
	size_t	members = 0;

	if (c->w.depth >= WALK_DEPTH)
		return -1;
	*i = jsontext_ws(s, len, *i + 1);
	if (*i < len && s[*i] == '}')
		(*i)++;
	else
		for (;;) {
			if (walk_member(c, s, len, i, o) != 0)
				return -1;
			members++;
			*i = jsontext_ws(s, len, *i);
			if (*i >= len || (s[*i] != ',' && s[*i] != '}'))
				return -1;
			if (s[(*i)++] == '}')
				break;
			*i = jsontext_ws(s, len, *i);
		}
	if (o != NULL && members != (size_t)json_object_object_length(o))
		walk_problem(c, "duplicate_key");
	return 0;
}

static int
walk_array(struct ctx *c, const char *s, size_t len, size_t *i,
    struct json_object *a)
{
	struct walk	*w = &c->w;
	size_t		 k, n;
	int		 r;

	if (w->depth >= WALK_DEPTH)
		return -1;
	n = a != NULL ? json_object_array_length(a) : 0;
	*i = jsontext_ws(s, len, *i + 1);
	if (*i < len && s[*i] == ']') {
		(*i)++;
		c->w.detached |= n != 0;
		return 0;
	}
	for (k = 0; ; k++) {
		if (a != NULL && k >= n) {
			a = NULL;
			c->w.detached = 1;
		}
		w->seg[w->depth].key = NULL;
		w->seg[w->depth++].idx = k;
		r = walk_value(c, s, len, i, a != NULL ?
		    json_object_array_get_idx(a, k) : NULL);
		w->depth--;
		*i = r == 0 ? jsontext_ws(s, len, *i) : len;
		if (*i >= len || (s[*i] != ',' && s[*i] != ']'))
			return -1;
		if (s[(*i)++] != ']')
			continue;
		c->w.detached |= a != NULL && k + 1 != n;
		return 0;
	}
}

/*
 * json-c keeps the last value of a repeated key, so below the first the
 * text and the tree part: a value whose tree is not of its kind is walked
 * without one (NULL), and the walk says so.  The repeated key makes the
 * event refused; a parting without one is a bug (validate).
 */
static struct json_object *
tree_of(struct ctx *c, struct json_object *v, enum json_type t)
{
	if (json_object_is_type(v, t) || (t == json_type_int &&
	    json_object_is_type(v, json_type_double)))
		return v;
	c->w.detached = 1;
	return NULL;
}

/* The value at s[*i] (after whitespace), which json-c parsed as v. */
static int
walk_value(struct ctx *c, const char *s, size_t len, size_t *i,
    struct json_object *v)
{
	size_t	end;
	int	lone, escaped;

	*i = jsontext_ws(s, len, *i);
	if (*i >= len)
		return -1;
	switch (s[*i]) {
	case '{':
		return walk_object(c, s, len, i,
		    tree_of(c, v, json_type_object));
	case '[':
		return walk_array(c, s, len, i,
		    tree_of(c, v, json_type_array));
	case '"':
		(void)tree_of(c, v, json_type_string);
		if (jsontext_string(s, len, *i, &end, &lone, &escaped) != 0)
			return -1;
		if (lone)
			walk_problem(c, "lone_surrogate");
		*i = end;
		return 0;
	case 't':
	case 'f':
	case 'n':
		while (*i < len && s[*i] >= 'a' && s[*i] <= 'z')
			(*i)++;
		return 0;
	default:
		return walk_number(c, s, len, i,
		    tree_of(c, v, json_type_int));
	}
}

/*
 * Validate one event, the value at s[*i] json-c parsed as ev, and move *i
 * past it; adds its row to the batch when it has no problem.  -1 when the
 * text does not match the tree (a bug) or memory ran out.
 */
/* A valid row: to the sink, or into b->rows.  -1: the sink failed. */
static int
keep_row(struct ctx *c, struct json_object *row)
{
	struct event_batch	*b = c->b;
	int			 r = 0;

	b->n++;
	if (b->sink == NULL) {
		if (json_object_array_add(b->rows, row) == 0)
			return 0;
		json_object_put(row);
		return -1;
	}
	if (c->nproblems == 0 && b->sink(b->sink_arg, row) != 0)
		r = -1;		/* rows after a problem are never used */
	json_object_put(row);
	return r;
}

static int
validate(struct ctx *c, struct json_object *ev, const char *s, size_t len,
    size_t *i)
{
	size_t	before = c->nproblems;
	int	r;

	memset(&c->w, 0, sizeof(c->w));
	c->refused = 0;
	c->meta_grow = 0;
	if (!json_object_is_type(ev, json_type_object)) {
		problem(c, NULL, "not_an_object");
		c->w.quiet = 1;
		r = walk_value(c, s, len, i, ev);
		c->index++;
		return r;
	}
	if (walk_value(c, s, len, i, ev) != 0 ||
	    (c->w.detached && c->nproblems == before))
		return -1;
	c->row = json_object_new_object();
	c->has_id = c->has_created_at = 0;
	json_object_object_foreach(ev, key, val)
		check_field(c, key, val);
	if (json_object_object_get_ex(ev, "event_type", NULL) == 0 ||
	    json_object_object_get(ev, "event_type") == NULL)
		problem(c, "event_type", "missing");
	if (c->has_id && !c->has_created_at)
		problem(c, "created_at", "required_with_id");
	r = 0;
	if (c->nproblems == before)
		r = keep_row(c, c->row);
	else
		json_object_put(c->row);
	c->row = NULL;
	c->index++;
	return r;
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

/* The walk lost its way (out of memory, or a bug): nothing is stored. */
static enum ax_err
walk_failed(struct ctx *c)
{
	snprintf(c->b->message, sizeof(c->b->message),
	    "could not check the text of event %d", c->index);
	return AX_ERR_UNAVAILABLE;
}

/* The events of the array s[*i...] json-c parsed as a. */
static enum ax_err
validate_all(struct ctx *c, struct json_object *a, const char *s,
    size_t len)
{
	size_t	i, k, n = json_object_array_length(a);

	i = jsontext_ws(s, len, 0) + 1;		/* past the '[' */
	for (k = 0; k < n; k++) {
		if (validate(c, json_object_array_get_idx(a, k), s, len,
		    &i) != 0)
			return walk_failed(c);
		/* checked: with a sink, nothing needs it any more */
		if (c->b->sink != NULL)
			(void)json_object_array_put_idx(a, k, NULL);
		i = jsontext_ws(s, len, i);
		if (i < len && s[i] == ',')
			i++;
	}
	return AX_OK;
}

static enum ax_err
parse_json(struct ctx *c, json_tokener *tok, const char *s, size_t len,
    size_t max_batch)
{
	struct json_object	*o;
	size_t			 i = 0;
	enum ax_err		 e = AX_OK;

	if ((o = parse_one(tok, s, len, c)) == NULL)
		return parse_error(c, tok);
	if (!json_object_is_type(o, json_type_array)) {
		if (validate(c, o, s, len, &i) != 0)
			e = walk_failed(c);
	} else if (json_object_array_length(o) > max_batch) {
		snprintf(c->b->message, sizeof(c->b->message),
		    "%zu events; at most %zu in one request",
		    json_object_array_length(o), max_batch);
		e = AX_ERR_TOO_LARGE;
	} else
		e = validate_all(c, o, s, len);
	json_object_put(o);
	return e;
}

/* NDJSON: one event a line; blank lines and a CR before LF are allowed. */
static enum ax_err
parse_ndjson(struct ctx *c, json_tokener *tok, const char *s, size_t len,
    size_t max_batch)
{
	struct json_object	*o;
	const char		*line = s, *nl, *end = s + len;
	size_t			 n, i, lineno = 0;
	int			 r;

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
		i = 0;
		r = validate(c, o, line, n, &i);
		json_object_put(o);
		if (r != 0)
			return walk_failed(c);
	}
	return AX_OK;
}

enum ax_err
event_parse(const char *body, size_t len, enum body_type t,
    size_t max_batch, int64_t now_us, struct event_batch *b)
{
	return event_parse_to(body, len, t, max_batch, now_us, NULL, NULL, b);
}

enum ax_err
event_parse_to(const char *body, size_t len, enum body_type t,
    size_t max_batch, int64_t now_us, event_sink_fn sink, void *arg,
    struct event_batch *b)
{
	struct ctx	 c;
	json_tokener	*tok;
	enum ax_err	 e;

	memset(b, 0, sizeof(*b));
	b->sink = sink;
	b->sink_arg = arg;
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
	if (sink == NULL && (b->rows = json_object_new_array()) == NULL) {
		json_tokener_free(tok);
		return AX_ERR_UNAVAILABLE;
	}
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
	return e;
}

void
event_batch_free(struct event_batch *b)
{
	json_object_put(b->rows);
	json_object_put(b->details);
	b->rows = b->details = NULL;
}
