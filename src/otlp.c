/*
 * otlp.c: OTLP/HTTP logs, JSON encoding (opentelemetry-proto's
 * logs_service.proto in proto3's JSON mapping).  A record becomes:
 *  - event_type: eventName; else the attribute event_type or event.name;
 *    else log.<severity> from severityNumber (ERROR is 17 to 20), else
 *    from severityText; else "log".  A candidate that is not a valid
 *    event_type is passed over (it stays in the metadata).
 *  - success: false when the severity is ERROR or FATAL.
 *  - message: body.stringValue (another body goes to metadata.body).
 *  - created_at: timeUnixNano, else observedTimeUnixNano, else the time
 *    of receipt (and then no id: see shipmap.h).
 *  - duration_ms: the attribute duration_ms when it is a number.
 *  - metadata: resource (its attributes, service.name among them),
 *    scope (name, version), attributes, trace_id, span_id,
 *    severity_text.
 * Unknown fields are ignored, as the specification requires; 64-bit
 * integers come as strings or numbers, both taken.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "body.h"
#include "otlp.h"

/* google.rpc.Code of each status OTLP answers with. */
static int
rpc_code(enum ax_err e)
{
	switch (resp_status_of(e)) {
	case 401: return 16;	/* UNAUTHENTICATED */
	case 403: return 7;	/* PERMISSION_DENIED */
	case 404: return 5;	/* NOT_FOUND */
	case 405: return 12;	/* UNIMPLEMENTED */
	case 413: return 8;	/* RESOURCE_EXHAUSTED */
	case 429: return 8;
	case 503: return 14;	/* UNAVAILABLE */
	default: return 3;	/* INVALID_ARGUMENT */
	}
}

/* obj[key] when it has the type t, else NULL (borrowed). */
static struct json_object *
get(struct json_object *obj, const char *key, enum json_type t)
{
	struct json_object	*v;

	if (!json_object_object_get_ex(obj, key, &v) || v == NULL ||
	    !json_object_is_type(v, t))
		return NULL;
	return v;
}

/* obj[key] as a string (with its length), or NULL. */
static const char *
get_str(struct json_object *obj, const char *key, size_t *len)
{
	struct json_object	*v = get(obj, key, json_type_string);

	if (v == NULL)
		return NULL;
	*len = (size_t)json_object_get_string_len(v);
	return json_object_get_string(v);
}

/* A decimal int64 of exactly len bytes. */
static int
int64_of(const char *s, size_t len, int64_t *n)
{
	char	*end;

	if (len == 0 || len > 20)
		return -1;
	errno = 0;
	*n = strtoll(s, &end, 10);
	return errno == 0 && end == s + len ? 0 : -1;
}

static int	anyvalue(struct json_object *, int, struct json_object **);

/* KeyValue[] as an object; 1 when a key is unusable or too deep. */
static int
kvlist(struct json_object *a, int depth, struct json_object **out)
{
	struct json_object	*o, *kv, *v;
	const char		*k;
	size_t			 i, n, klen;

	*out = NULL;
	if (depth > OTLP_MAX_DEPTH)
		return 1;
	if ((o = json_object_new_object()) == NULL)
		return -1;
	n = a != NULL ? json_object_array_length(a) : 0;
	for (i = 0; i < n; i++) {
		kv = json_object_array_get_idx(a, i);
		if (kv == NULL || !json_object_is_type(kv, json_type_object) ||
		    (k = get_str(kv, "key", &klen)) == NULL)
			continue;
		/* json-c would cut a key at a NUL: refused, not cut. */
		if (memchr(k, '\0', klen) != NULL ||
		    anyvalue(get(kv, "value", json_type_object), depth + 1,
		    &v) != 0) {
			json_object_put(o);
			return 1;
		}
		if (json_object_object_add(o, k, v) != 0) {
			json_object_put(v);
			json_object_put(o);
			return -1;
		}
	}
	*out = o;
	return 0;
}

/* ArrayValue's values as an array. */
static int
array(struct json_object *a, int depth, struct json_object **out)
{
	struct json_object	*o, *v;
	size_t			 i, n;

	*out = NULL;
	if (depth > OTLP_MAX_DEPTH)
		return 1;
	if ((o = json_object_new_array()) == NULL)
		return -1;
	n = a != NULL ? json_object_array_length(a) : 0;
	for (i = 0; i < n; i++) {
		if (anyvalue(json_object_array_get_idx(a, i), depth + 1,
		    &v) != 0 || json_object_array_add(o, v) != 0) {
			json_object_put(o);
			return 1;
		}
	}
	*out = o;
	return 0;
}

/* intValue: a number, or its decimal string, as an integer. */
static struct json_object *
int_value(struct json_object *v)
{
	int64_t	n;

	if (json_object_is_type(v, json_type_int))
		return json_object_get(v);
	if (json_object_is_type(v, json_type_string) &&
	    int64_of(json_object_get_string(v),
	    (size_t)json_object_get_string_len(v), &n) == 0)
		return json_object_new_int64(n);
	return json_object_get(v);	/* kept as sent */
}

/*
 * An AnyValue as a JSON value (a new reference; NULL is JSON null):
 * strings, booleans and numbers as themselves (a doubleValue's NaN and
 * infinities stay the strings proto3 writes them as; bytes the base64
 * text), arrays as arrays, kvlists as objects.  0, 1 unusable, -1 memory.
 */
static int
anyvalue(struct json_object *v, int depth, struct json_object **out)
{
	struct json_object	*x;

	*out = NULL;
	if (v == NULL || !json_object_is_type(v, json_type_object))
		return 0;
	if ((x = get(v, "stringValue", json_type_string)) != NULL ||
	    (x = get(v, "boolValue", json_type_boolean)) != NULL ||
	    (x = get(v, "bytesValue", json_type_string)) != NULL)
		*out = json_object_get(x);
	else if (json_object_object_get_ex(v, "intValue", &x) && x != NULL)
		*out = int_value(x);
	else if (json_object_object_get_ex(v, "doubleValue", &x) && x != NULL)
		*out = json_object_get(x);
	else if ((x = get(v, "arrayValue", json_type_object)) != NULL)
		return array(get(x, "values", json_type_array), depth + 1, out);
	else if ((x = get(v, "kvlistValue", json_type_object)) != NULL)
		return kvlist(get(x, "values", json_type_array), depth + 1,
		    out);
	return 0;
}

/* A time field: 0 absent or zero, 1 set, -1 malformed. */
static int
time_of(struct json_object *rec, const char *key, int64_t *us)
{
	struct json_object	*v;
	const char		*s;
	size_t			 len;

	if (!json_object_object_get_ex(rec, key, &v) || v == NULL)
		return 0;
	if (json_object_is_type(v, json_type_int)) {
		if (json_object_get_int64(v) == 0)
			return 0;
		if (json_object_get_int64(v) < 0)
			return -1;
		*us = json_object_get_int64(v) / 1000;
		return 1;
	}
	if (!json_object_is_type(v, json_type_string))
		return -1;
	s = json_object_get_string(v);
	len = (size_t)json_object_get_string_len(v);
	if (len == 1 && s[0] == '0')
		return 0;
	return shipmap_ns(s, len, us) == 0 ? 1 : -1;
}

/* event_type from an attribute (taken out of them when used). */
static int
type_from_attribute(struct shipmap *m, struct json_object *attrs,
    const char *key)
{
	const char	*s;
	size_t		 len;

	if (attrs == NULL || (s = get_str(attrs, key, &len)) == NULL ||
	    !shipmap_type(m, s, len))
		return 0;
	json_object_object_del(attrs, key);
	return 1;
}

/* The severity: severityNumber (a number, or its enum name), else text. */
static void
severity(struct shipmap *m, struct json_object *rec)
{
	static const char	 prefix[] = "SEVERITY_NUMBER_";
	struct json_object	*v;
	const char		*s;
	size_t			 len, n;

	if ((v = get(rec, "severityNumber", json_type_int)) != NULL &&
	    json_object_get_int64(v) > 0) {
		shipmap_severity(m, json_object_get_int64(v));
		return;
	}
	if ((s = get_str(rec, "severityNumber", &len)) != NULL &&
	    len > sizeof(prefix) - 1 &&
	    strncmp(s, prefix, sizeof(prefix) - 1) == 0 &&
	    strcmp(s, "SEVERITY_NUMBER_UNSPECIFIED") != 0) {
		s += sizeof(prefix) - 1;	/* ERROR, ERROR2, ... */
		for (n = 0; s[n] >= 'A' && s[n] <= 'Z'; n++)
			;
		shipmap_level(m, s, n);
		return;
	}
	if ((s = get_str(rec, "severityText", &len)) != NULL)
		shipmap_level(m, s, len);
	else
		(void)shipmap_type(m, "log", 3);
}

/* The metadata's copies of the record's ids and texts (eventName when
 * it did not become the event_type). */
static void
record_meta(struct shipmap *m, struct json_object *rec, int named)
{
	static const char *const	keys[][2] = {
		{ "traceId", "trace_id" }, { "spanId", "span_id" },
		{ "severityText", "severity_text" },
		{ "eventName", "event_name" },
	};
	struct json_object		*v;
	size_t				 i, n = sizeof(keys) / sizeof(keys[0]);

	for (i = 0; i < (named ? n - 1 : n); i++)
		if ((v = get(rec, keys[i][0], json_type_string)) != NULL &&
		    json_object_get_string_len(v) > 0)
			shipmap_meta(m, keys[i][1], json_object_get(v));
}

/* body: a string is the message; anything else goes to metadata.body. */
static int
body_of(struct shipmap *m, struct json_object *rec)
{
	struct json_object	*b = get(rec, "body", json_type_object), *v;
	int			 r;

	if (b == NULL)
		return 0;
	if ((v = get(b, "stringValue", json_type_string)) != NULL) {
		shipmap_set(m, "message", json_object_get(v));
		return 0;
	}
	if ((r = anyvalue(b, 0, &v)) == 0)
		shipmap_meta(m, "body", v);
	return r;
}

/* duration_ms from its attribute, when a number (taken out of them). */
static void
duration(struct shipmap *m, struct json_object *attrs)
{
	struct json_object	*v;

	if (attrs == NULL ||
	    !json_object_object_get_ex(attrs, "duration_ms", &v) ||
	    v == NULL || !(json_object_is_type(v, json_type_int) ||
	    json_object_is_type(v, json_type_double)))
		return;
	shipmap_set(m, "duration_ms", json_object_get(v));
	json_object_object_del(attrs, "duration_ms");
}

/*
 * One logRecord under its resource's and scope's metadata (shared,
 * borrowed).  0, or -1 out of memory.
 */
static int
record(struct ship_tally *t, struct json_object *rec,
    struct json_object *resource, struct json_object *scope)
{
	struct shipmap		 m;
	struct json_object	*attrs = NULL;
	const char		*s;
	size_t			 len;
	int64_t			 us;
	int			 r, tr, named;

	if (shipmap_init(&m) != 0) {
		shipmap_free(&m);
		return -1;
	}
	r = kvlist(get(rec, "attributes", json_type_array), 0, &attrs);
	if (r == 0)
		r = body_of(&m, rec);
	if (r != 0) {
		json_object_put(attrs);
		shipmap_free(&m);
		if (r < 0)
			return -1;
		ship_tally_refuse(t, "attributes or body: a key with NUL or "
		    "values nested too deep");
		return 0;
	}
	if ((tr = time_of(rec, "timeUnixNano", &us)) == 0)
		tr = time_of(rec, "observedTimeUnixNano", &us);
	if (tr < 0) {
		json_object_put(attrs);
		shipmap_free(&m);
		ship_tally_refuse(t, "timeUnixNano: invalid_timestamp");
		return 0;
	}
	if (tr > 0)
		shipmap_time(&m, us);
	named = (s = get_str(rec, "eventName", &len)) != NULL &&
	    shipmap_type(&m, s, len);
	if (!named && !type_from_attribute(&m, attrs, "event_type"))
		(void)type_from_attribute(&m, attrs, "event.name");
	/* success from the severity; its type only when none came first */
	severity(&m, rec);
	duration(&m, attrs);
	record_meta(&m, rec, named);
	if (resource != NULL)
		shipmap_meta(&m, "resource", json_object_get(resource));
	if (scope != NULL)
		shipmap_meta(&m, "scope", json_object_get(scope));
	if (attrs != NULL && json_object_object_length(attrs) > 0)
		shipmap_meta(&m, "attributes", attrs);
	else
		json_object_put(attrs);
	return shipmap_emit(&m, t);
}

/* The scope's name and version (NULL when it has neither). */
static struct json_object *
scope_of(struct json_object *sl)
{
	struct json_object	*sc = get(sl, "scope", json_type_object), *o,
				*v;
	const char		*keys[] = { "name", "version" };
	size_t			 i;

	if (sc == NULL || (o = json_object_new_object()) == NULL)
		return NULL;
	for (i = 0; i < 2; i++)
		if ((v = get(sc, keys[i], json_type_string)) != NULL &&
		    json_object_get_string_len(v) > 0)
			json_object_object_add(o, keys[i], json_object_get(v));
	if (json_object_object_length(o) == 0) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

/* An optional array member: absent or null is empty, another type -1. */
static int
array_member(struct json_object *o, const char *key, struct json_object **a)
{
	struct json_object	*v;

	*a = NULL;
	if (!json_object_object_get_ex(o, key, &v) || v == NULL)
		return 0;
	if (!json_object_is_type(v, json_type_array))
		return -1;
	*a = v;
	return 0;
}

static enum ax_err
shape(char *msg, size_t size, const char *what)
{
	snprintf(msg, size, "not an OTLP ExportLogsServiceRequest: %s", what);
	return AX_ERR_INVALID_JSON;
}

/* The logRecords of one scopeLogs. */
static enum ax_err
scope_logs(struct json_object *sl, struct json_object *resource,
    struct ship_tally *t, char *msg, size_t size)
{
	struct json_object	*recs, *rec, *scope;
	size_t			 i, n;
	enum ax_err		 e = AX_OK;

	if (!json_object_is_type(sl, json_type_object) ||
	    array_member(sl, "logRecords", &recs) != 0)
		return shape(msg, size, "scopeLogs[] and logRecords must be "
		    "objects and an array");
	n = recs != NULL ? json_object_array_length(recs) : 0;
	scope = scope_of(sl);
	for (i = 0; i < n && e == AX_OK; i++) {
		rec = json_object_array_get_idx(recs, i);
		if (ship_tally_full(t)) {
			snprintf(msg, size, "more than %zu log records in one "
			    "request", t->max);
			e = AX_ERR_TOO_LARGE;
		} else if (rec == NULL ||
		    !json_object_is_type(rec, json_type_object))
			e = shape(msg, size, "a logRecord is not an object");
		else if (record(t, rec, resource, scope) != 0)
			e = AX_ERR_UNAVAILABLE;
	}
	json_object_put(scope);
	return e;
}

/* One resourceLogs: its resource's attributes, then its scopeLogs. */
static enum ax_err
resource_logs(struct json_object *rl, struct ship_tally *t, char *msg,
    size_t size)
{
	struct json_object	*sls, *res = NULL, *r;
	size_t			 i, n;
	enum ax_err		 e = AX_OK;
	int			 k;

	if (!json_object_is_type(rl, json_type_object) ||
	    array_member(rl, "scopeLogs", &sls) != 0)
		return shape(msg, size, "resourceLogs[] and scopeLogs must be "
		    "objects and an array");
	if ((r = get(rl, "resource", json_type_object)) != NULL &&
	    (k = kvlist(get(r, "attributes", json_type_array), 0,
	    &res)) != 0) {
		if (k < 0)
			return AX_ERR_UNAVAILABLE;
		snprintf(msg, size, "resource attributes: a key with NUL or "
		    "values nested too deep");
		return AX_ERR_INVALID_JSON;
	}
	if (res != NULL && json_object_object_length(res) == 0) {
		json_object_put(res);
		res = NULL;
	}
	n = sls != NULL ? json_object_array_length(sls) : 0;
	for (i = 0; i < n && e == AX_OK; i++)
		e = scope_logs(json_object_array_get_idx(sls, i), res, t, msg,
		    size);
	json_object_put(res);
	return e;
}

enum ax_err
otlp_parse_body(const char *body, size_t len, struct ship_tally *t,
    char *msg, size_t size)
{
	struct json_object	*o, *rls;
	enum ax_err		 e;
	size_t			 i, n;

	if ((e = shipmap_json(body, len, OTLP_MAX_DEPTH, &o, msg, size)) !=
	    AX_OK)
		return e;
	if (!json_object_is_type(o, json_type_object) ||
	    array_member(o, "resourceLogs", &rls) != 0)
		e = shape(msg, size, "an object with a resourceLogs array");
	else {
		n = rls != NULL ? json_object_array_length(rls) : 0;
		for (i = 0; i < n && e == AX_OK; i++)
			e = resource_logs(json_object_array_get_idx(rls, i), t,
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
		snprintf(msg, size, "only OTLP's JSON encoding is taken: "
		    "Content-Type application/json (not protobuf)");
		return AX_ERR_MEDIA_TYPE;
	}
	return otlp_parse_body(body, len, t, msg, size);
}

/* 200 {} or a partialSuccess; an error as a google.rpc.Status. */
static void
answer(struct resp *p, const char *content_type, enum ax_err e,
    const char *msg, const struct ship_tally *t, long accepted,
    long duplicates)
{
	struct json_object	*o, *ps;
	char			 n[24], text[SHIPMAP_WHY_LEN + 128];
	int			 status = 200;

	(void)content_type;	/* only application/json is taken */
	(void)accepted;
	(void)duplicates;
	o = json_object_new_object();
	if (e != AX_OK) {
		ship_error_headers(p, e, 1);
		status = resp_status_of(e);
		json_object_object_add(o, "code",
		    json_object_new_int(rpc_code(e)));
		json_object_object_add(o, "message", json_object_new_string(
		    msg[0] != '\0' ? msg : resp_code_of(e)));
	} else if (t->refused > 0) {
		/* int64 in proto3's JSON: a string. */
		snprintf(n, sizeof(n), "%zu", t->refused);
		snprintf(text, sizeof(text), "%zu of %zu log records refused; "
		    "record %ld: %s", t->refused, t->records, t->first_refused,
		    t->why);
		ps = json_object_new_object();
		json_object_object_add(ps, "rejectedLogRecords",
		    json_object_new_string(n));
		json_object_object_add(ps, "errorMessage",
		    json_object_new_string(text));
		json_object_object_add(o, "partialSuccess", ps);
	}
	(void)resp_json(p, status, o);
	json_object_put(o);
}

const struct ship_proto	otlp_proto = {
	"POST /v1/logs", parse, answer,
};
