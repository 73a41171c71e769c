/*
 * loki.c: Loki's push API, JSON form.  A line becomes:
 *  - event_type: the label event_type; else log.<level> from the label
 *    level (or severity, detected_level); else "log".  A label that is
 *    not a valid event_type is passed over.
 *  - success: false when the level names a failure (error, fatal, ...).
 *  - message: the line.
 *  - created_at: its nanosecond timestamp.
 *  - duration_ms: a structured metadata entry or label duration_ms that
 *    is a decimal number.
 *  - metadata: labels (the stream's), structured_metadata (the line's).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "body.h"
#include "loki.h"

static const char *const level_labels[] = {
	"level", "severity", "detected_level",
};

/* obj[key] as a string, or NULL. */
static const char *
get_str(struct json_object *obj, const char *key, size_t *len)
{
	struct json_object	*v;

	if (obj == NULL || !json_object_object_get_ex(obj, key, &v) ||
	    v == NULL || !json_object_is_type(v, json_type_string))
		return NULL;
	*len = (size_t)json_object_get_string_len(v);
	return json_object_get_string(v);
}

/* An object of strings (labels, structured metadata); else 0. */
static int
all_strings(struct json_object *o)
{
	if (!json_object_is_type(o, json_type_object))
		return 0;
	json_object_object_foreach(o, k, v) {
		(void)k;
		if (v == NULL || !json_object_is_type(v, json_type_string))
			return 0;
	}
	return 1;
}

/* duration_ms from a decimal string ≥ 0 in o (labels or metadata). */
static int
duration(struct shipmap *m, struct json_object *o)
{
	const char	*s;
	char		*end;
	size_t		 len;
	double		 d;

	if ((s = get_str(o, "duration_ms", &len)) == NULL || len == 0 ||
	    len > 32)
		return 0;
	d = strtod(s, &end);
	if (end != s + len || !isfinite(d) || d < 0)
		return 0;
	shipmap_set(m, "duration_ms", json_object_new_double(d));
	return 1;
}

/* event_type and success from the labels. */
static void
type_of(struct shipmap *m, struct json_object *labels)
{
	const char	*s;
	size_t		 len, i;

	if ((s = get_str(labels, "event_type", &len)) != NULL)
		(void)shipmap_type(m, s, len);
	for (i = 0; i < sizeof(level_labels) / sizeof(level_labels[0]); i++)
		if ((s = get_str(labels, level_labels[i], &len)) != NULL) {
			shipmap_level(m, s, len);
			return;
		}
	(void)shipmap_type(m, "log", 3);
}

/* One value of a stream: [ns, line] or [ns, line, {metadata}]. */
static int
value(struct ship_tally *t, struct json_object *v, struct json_object *labels)
{
	struct json_object	*ts, *line, *sm = NULL;
	struct shipmap		 m;
	int64_t			 us;
	size_t			 n;

	n = json_object_is_type(v, json_type_array) ?
	    json_object_array_length(v) : 0;
	ts = n >= 2 ? json_object_array_get_idx(v, 0) : NULL;
	line = n >= 2 ? json_object_array_get_idx(v, 1) : NULL;
	if (n == 3)
		sm = json_object_array_get_idx(v, 2);
	if (ts == NULL || line == NULL || n > 3 ||
	    !json_object_is_type(ts, json_type_string) ||
	    !json_object_is_type(line, json_type_string) ||
	    (sm != NULL && !all_strings(sm))) {
		ship_tally_refuse(t, "not [\"nanoseconds\", \"line\"] or "
		    "[\"nanoseconds\", \"line\", {structured metadata}]");
		return 0;
	}
	if (shipmap_ns(json_object_get_string(ts),
	    (size_t)json_object_get_string_len(ts), &us) != 0) {
		ship_tally_refuse(t, "timestamp: invalid_timestamp");
		return 0;
	}
	if (shipmap_init(&m) != 0) {
		shipmap_free(&m);
		return -1;
	}
	shipmap_time(&m, us);
	type_of(&m, labels);
	shipmap_set(&m, "message", json_object_get(line));
	if (!duration(&m, sm))
		(void)duration(&m, labels);
	if (json_object_object_length(labels) > 0)
		shipmap_meta(&m, "labels", json_object_get(labels));
	if (sm != NULL && json_object_object_length(sm) > 0)
		shipmap_meta(&m, "structured_metadata", json_object_get(sm));
	return shipmap_emit(&m, t);
}

static enum ax_err
shape(char *msg, size_t size, const char *what)
{
	snprintf(msg, size, "not a Loki push request: %s", what);
	return AX_ERR_INVALID_JSON;
}

static enum ax_err
stream(struct json_object *s, struct ship_tally *t, char *msg, size_t size)
{
	struct json_object	*labels, *values;
	size_t			 i, n;

	if (!json_object_is_type(s, json_type_object) ||
	    !json_object_object_get_ex(s, "stream", &labels) ||
	    labels == NULL || !all_strings(labels) ||
	    !json_object_object_get_ex(s, "values", &values) ||
	    values == NULL || !json_object_is_type(values, json_type_array))
		return shape(msg, size, "each stream needs \"stream\", an "
		    "object of string labels, and \"values\", an array");
	n = json_object_array_length(values);
	for (i = 0; i < n; i++) {
		if (ship_tally_full(t)) {
			snprintf(msg, size, "more than %zu lines in one "
			    "request", t->max);
			return AX_ERR_TOO_LARGE;
		}
		if (value(t, json_object_array_get_idx(values, i), labels) != 0)
			return AX_ERR_UNAVAILABLE;
	}
	return AX_OK;
}

enum ax_err
loki_parse_body(const char *body, size_t len, struct ship_tally *t,
    char *msg, size_t size)
{
	struct json_object	*o, *streams;
	enum ax_err		 e;
	size_t			 i, n;

	if ((e = shipmap_json(body, len, LOKI_MAX_DEPTH, &o, msg, size)) !=
	    AX_OK)
		return e;
	if (!json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, "streams", &streams) ||
	    streams == NULL || !json_object_is_type(streams, json_type_array))
		e = shape(msg, size, "an object with a \"streams\" array");
	else {
		n = json_object_array_length(streams);
		for (i = 0; i < n && e == AX_OK; i++)
			e = stream(json_object_array_get_idx(streams, i), t,
			    msg, size);
	}
	json_object_put(o);
	return e;
}

static enum ax_err
parse(const char *content_type, const char *body, size_t len,
    struct ship_tally *t, char *msg, size_t size)
{
	enum body_type	type;

	if (body_type_of(content_type, &type) != AX_OK || type != BODY_JSON) {
		snprintf(msg, size, "only Loki's JSON push is taken: "
		    "Content-Type application/json (not snappy protobuf)");
		return AX_ERR_MEDIA_TYPE;
	}
	return loki_parse_body(body, len, t, msg, size);
}

static void
answer(struct resp *p, const char *content_type, enum ax_err e,
    const char *msg, const struct ship_tally *t, long accepted,
    long duplicates)
{
	struct json_object	*o;
	char			 text[SHIPMAP_WHY_LEN + 128];

	(void)content_type;
	(void)accepted;
	(void)duplicates;
	if (e != AX_OK) {
		ship_error_headers(p, e, 0);
		(void)resp_error(p, e, msg[0] != '\0' ? msg : NULL, NULL);
		return;
	}
	if (t->refused == 0) {
		(void)resp_empty(p, 204);
		return;
	}
	snprintf(text, sizeof(text), "%zu of %zu lines refused, the rest "
	    "stored; line %ld: %s", t->refused, t->records, t->first_refused,
	    t->why);
	o = json_object_new_object();
	json_object_object_add(o, "rejected",
	    json_object_new_int64((int64_t)t->refused));
	json_object_object_add(o, "message", json_object_new_string(text));
	(void)resp_json(p, 200, o);
	json_object_put(o);
}

const struct ship_proto	loki_proto = {
	"POST /loki/api/v1/push", parse, answer,
};
