/*
 * shipmap.c: one shipper's record to one axlog event (see shipmap.h).
 * The event is built as a json-c object and handed on as text, so that
 * it meets the same validator as a body of /ingest (event.c): nothing
 * here decides what a valid event is.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "event.h"
#include "sha256.h"
#include "shipmap.h"
#include "timefmt.h"

/* Severity words that name a failure: success false. */
static const char *const failures[] = {
	"error", "err", "fatal", "critical", "crit", "alert", "emerg",
	"emergency", "panic",
};

/* OpenTelemetry's severity ranges (logs data model): 4 numbers each. */
static const char *const severities[] = {
	"trace", "debug", "info", "warn", "error", "fatal",
};

void
ship_tally_init(struct ship_tally *t, ship_add_fn add, void *arg,
    int64_t now_us, size_t max)
{
	memset(t, 0, sizeof(*t));
	t->max = max;
	t->add = add;
	t->arg = arg;
	t->now_us = now_us;
	t->first_refused = -1;
}

int
ship_tally_full(const struct ship_tally *t)
{
	return t->records >= t->max;
}

static void
tally_refused(struct ship_tally *t, const char *why)
{
	if (t->refused++ == 0) {
		t->first_refused = (long)t->records;
		snprintf(t->why, sizeof(t->why), "%s", why);
	}
	t->records++;
}

void
ship_tally_refuse(struct ship_tally *t, const char *fmt, ...)
{
	char	why[SHIPMAP_WHY_LEN];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	tally_refused(t, why);
}

int
shipmap_init(struct shipmap *m)
{
	memset(m, 0, sizeof(*m));
	m->ev = json_object_new_object();
	m->meta = json_object_new_object();
	return m->ev != NULL && m->meta != NULL ? 0 : -1;
}

void
shipmap_free(struct shipmap *m)
{
	json_object_put(m->ev);
	json_object_put(m->meta);
	m->ev = m->meta = NULL;
}

void
shipmap_set(struct shipmap *m, const char *field, struct json_object *v)
{
	if (v != NULL && json_object_object_add(m->ev, field, v) != 0)
		json_object_put(v);
}

void
shipmap_set_string(struct shipmap *m, const char *field, const char *s,
    size_t len)
{
	shipmap_set(m, field, json_object_new_string_len(s, (int)len));
}

void
shipmap_meta(struct shipmap *m, const char *key, struct json_object *v)
{
	if (v != NULL && json_object_object_add(m->meta, key, v) != 0)
		json_object_put(v);
}

void
shipmap_time(struct shipmap *m, int64_t us)
{
	m->at_us = us;
	m->has_time = 1;
}

int
shipmap_type(struct shipmap *m, const char *s, size_t len)
{
	if (json_object_object_get_ex(m->ev, "event_type", NULL) ||
	    !event_type_valid(s, len))
		return 0;
	shipmap_set_string(m, "event_type", s, len);
	return 1;
}

static int
is_failure(const char *w)
{
	size_t	i;

	for (i = 0; i < sizeof(failures) / sizeof(failures[0]); i++)
		if (strcmp(w, failures[i]) == 0)
			return 1;
	return 0;
}

void
shipmap_level(struct shipmap *m, const char *word, size_t len)
{
	char	type[EVENT_MAX_TYPE + 1] = "log.";
	char	*w = type + 4;
	size_t	i;

	if (len == 0 || len > EVENT_MAX_TYPE - 4) {
		(void)shipmap_type(m, "log", 3);
		return;
	}
	for (i = 0; i < len; i++) {
		if (!isalpha((unsigned char)word[i])) {
			(void)shipmap_type(m, "log", 3);
			return;
		}
		w[i] = (char)tolower((unsigned char)word[i]);
	}
	w[len] = '\0';
	if (strcmp(w, "warning") == 0)
		w[4] = '\0';
	if (is_failure(w))
		shipmap_set(m, "success", json_object_new_boolean(0));
	(void)shipmap_type(m, type, strlen(type));
}

void
shipmap_severity(struct shipmap *m, int64_t number)
{
	const char	*w;

	if (number < 1 || number > 24) {
		(void)shipmap_type(m, "log", 3);
		return;
	}
	w = severities[(number - 1) / 4];
	shipmap_level(m, w, strlen(w));
}

int
shipmap_ns(const char *s, size_t len, int64_t *us)
{
	int64_t	ns = 0;
	size_t	i;

	if (len == 0 || len > 19)
		return -1;
	for (i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		if (ns > (INT64_MAX - (s[i] - '0')) / 10)
			return -1;
		ns = ns * 10 + (s[i] - '0');
	}
	*us = ns / 1000;
	return *us <= TIMEFMT_MAX_US ? 0 : -1;
}

void
shipmap_id(const char *created_at, const char *text, size_t len,
    char out[SHIPMAP_UUID_LEN])
{
	static const char	 tag[] = "axlog shipped event 1";
	struct sha256		 h;
	uint8_t			 d[SHA256_DIGEST_LEN];

	/* Each part with its NUL, so no two splits hash alike. */
	sha256_init(&h);
	sha256_update(&h, tag, sizeof(tag));
	sha256_update(&h, created_at, strlen(created_at) + 1);
	sha256_update(&h, text, len);
	sha256_final(&h, d);
	d[6] = (uint8_t)((d[6] & 0x0f) | 0x80);		/* version 8 */
	d[8] = (uint8_t)((d[8] & 0x3f) | 0x80);		/* RFC 9562 variant */
	snprintf(out, SHIPMAP_UUID_LEN, "%02x%02x%02x%02x-%02x%02x-%02x%02x-"
	    "%02x%02x-%02x%02x%02x%02x%02x%02x", d[0], d[1], d[2], d[3], d[4],
	    d[5], d[6], d[7], d[8], d[9], d[10], d[11], d[12], d[13], d[14],
	    d[15]);
}

/* created_at, the metadata and, with a time of its own, the id. */
static int
finish(struct shipmap *m, struct ship_tally *t)
{
	char		 at[TIMEFMT_LEN], id[SHIPMAP_UUID_LEN];
	const char	*text;
	size_t		 len;

	if (!json_object_object_get_ex(m->ev, "event_type", NULL))
		(void)shipmap_type(m, "log", 3);
	timefmt_format(m->has_time ? m->at_us : t->now_us, at);
	shipmap_set(m, "created_at", json_object_new_string(at));
	if (json_object_object_length(m->meta) > 0) {
		shipmap_set(m, "metadata", m->meta);
		m->meta = NULL;
	}
	if (!m->has_time)
		return 0;
	if ((text = json_object_to_json_string_length(m->ev,
	    JSON_C_TO_STRING_PLAIN, &len)) == NULL)
		return -1;
	shipmap_id(at, text, len, id);
	shipmap_set(m, "id", json_object_new_string(id));
	return 0;
}

int
shipmap_emit(struct shipmap *m, struct ship_tally *t)
{
	char		 why[SHIPMAP_WHY_LEN] = "";
	const char	*text;
	size_t		 len;
	int		 r = -1;

	if (finish(m, t) != 0 || (text = json_object_to_json_string_length(
	    m->ev, JSON_C_TO_STRING_PLAIN, &len)) == NULL)
		goto out;
	r = t->add(t->arg, text, len, why, sizeof(why));
	if (r == 1) {
		tally_refused(t, why);
		r = 0;
	} else if (r == 0)
		t->records++;
out:
	shipmap_free(m);
	return r;
}

/* Only JSON's whitespace in s[0..len). */
static int
blank(const char *s, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\n' &&
		    s[i] != '\r')
			return 0;
	return 1;
}

enum ax_err
shipmap_json(const char *body, size_t len, int depth,
    struct json_object **o, char *msg, size_t size)
{
	struct json_tokener	*tok;
	enum json_tokener_error	 je;
	enum ax_err		 e = AX_OK;

	*o = NULL;
	if (len > 0x7fffffff)
		return AX_ERR_TOO_LARGE;
	if ((tok = json_tokener_new_ex(depth)) == NULL)
		return AX_ERR_UNAVAILABLE;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
	    JSON_TOKENER_VALIDATE_UTF8);
	*o = json_tokener_parse_ex(tok, body, (int)len);
	je = json_tokener_get_error(tok);
	if (*o == NULL || je != json_tokener_success ||
	    !blank(body + json_tokener_get_parse_end(tok),
	    len - json_tokener_get_parse_end(tok))) {
		snprintf(msg, size, "the body is not one JSON value: %s",
		    je == json_tokener_continue || je == json_tokener_success ?
		    "it ends early, or data follows it" :
		    json_tokener_error_desc(je));
		e = je == json_tokener_error_parse_utf8_string ?
		    AX_ERR_INVALID_ENCODING : AX_ERR_INVALID_JSON;
		json_object_put(*o);
		*o = NULL;
	}
	json_tokener_free(tok);
	return e;
}
