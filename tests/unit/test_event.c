/*
 * test_event.c: the POST /ingest event rules of DESIGN.md as event_parse
 * applies them: every field's limits, the problem details (index, field,
 * problem), NUL and UTF-8 refusals, JSON framing and batch limits,
 * NDJSON line handling, and fidelity: every value stored as sent or
 * refused by its path.  The clock is fixed, so no result depends on it.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <json-c/json.h>

#include "event.h"
#include "timefmt.h"

#define NOW		"2026-11-23T12:00:00Z"
#define MAX_BATCH	1000
#define NSCRATCH	64

static struct event_batch	 b;
static char			*scratch[NSCRATCH];
static size_t			 nscratch;

static void
release(void)
{
	size_t	i;

	event_batch_free(&b);
	for (i = 0; i < nscratch; i++)
		free(scratch[i]);
	nscratch = 0;
}

TestSuite(event, .fini = release);
TestSuite(ndjson, .fini = release);

/* Remember a heap string so the suite's fini frees it. */
static char *
hold(char *s)
{
	cr_assert_not_null(s);
	cr_assert_lt(nscratch, NSCRATCH);
	scratch[nscratch++] = s;
	return s;
}

__attribute__((format(printf, 1, 2)))
static char *
fmt(const char *f, ...)
{
	va_list	 ap;
	char	*s;
	int	 n;

	va_start(ap, f);
	n = vsnprintf(NULL, 0, f, ap);
	va_end(ap);
	cr_assert_geq(n, 0);
	s = hold(malloc((size_t)n + 1));
	va_start(ap, f);
	(void)vsnprintf(s, (size_t)n + 1, f, ap);
	va_end(ap);
	return s;
}

/* unit repeated times times. */
static char *
rep(const char *unit, size_t times)
{
	size_t	 u = strlen(unit), i;
	char	*s = hold(malloc(u * times + 1));

	for (i = 0; i < times; i++)
		memcpy(s + i * u, unit, u);
	s[u * times] = '\0';
	return s;
}

/* A valid event with extra members (JSON text after a comma) added. */
static char *
ev(const char *extra)
{
	return fmt("{\"event_type\":\"login\"%s%s}", *extra ? "," : "", extra);
}

static int64_t
fixed_now(void)
{
	int64_t	us;

	cr_assert_eq(timefmt_parse(NOW, strlen(NOW), &us), 0);
	return us;
}

static enum ax_err
parse_as(enum body_type t, const char *body, size_t len, size_t max)
{
	event_batch_free(&b);
	return event_parse(body, len, t, max, fixed_now(), &b);
}

static enum ax_err
parse(const char *body)
{
	return parse_as(BODY_JSON, body, strlen(body), MAX_BATCH);
}

static enum ax_err
parse_nd(const char *body, size_t max)
{
	return parse_as(BODY_NDJSON, body, strlen(body), max);
}

static size_t
ndetails(void)
{
	return b.details ? json_object_array_length(b.details) : 0;
}

static const char *
details_text(void)
{
	return b.details ? json_object_to_json_string(b.details) : "(none)";
}

/* The outcome of the last parse is want. */
static void
expect(enum ax_err got, enum ax_err want)
{
	cr_assert_eq(got, want, "got %d (%s), want %d; n %zu", got, b.message,
	    want, b.n);
}

/* Is {index, field, problem} among the details?  field NULL: JSON null. */
static int
has_problem(int index, const char *field, const char *problem)
{
	struct json_object	*d, *v;
	size_t			 i;

	for (i = 0; i < ndetails(); i++) {
		d = json_object_array_get_idx(b.details, i);
		if (!json_object_object_get_ex(d, "index", &v) ||
		    json_object_get_int(v) != index)
			continue;
		if (!json_object_object_get_ex(d, "field", &v))
			continue;
		if (field == NULL ? v != NULL : v == NULL ||
		    strcmp(json_object_get_string(v), field) != 0)
			continue;
		if (!json_object_object_get_ex(d, "problem", &v) ||
		    strcmp(json_object_get_string(v), problem) != 0)
			continue;
		return 1;
	}
	return 0;
}

/* body is one event refused for exactly one problem. */
static void
assert_refused(const char *body, const char *field, const char *problem)
{
	enum ax_err	e = parse(body);

	cr_assert_eq(e, AX_ERR_INVALID_EVENT, "got %d (%s) for %.160s", e,
	    b.message, body);
	cr_assert_eq(ndetails(), 1, "details: %s", details_text());
	cr_assert(has_problem(0, field, problem), "want %s/%s, got %s",
	    field ? field : "null", problem, details_text());
	cr_assert_eq(b.n, 0);
	cr_assert_not_null(strstr(b.message, "1 problem"), "%s", b.message);
}

/* body is one accepted event; returns its row. */
static struct json_object *
assert_accepted(const char *body)
{
	enum ax_err	e = parse(body);

	cr_assert_eq(e, AX_OK, "got %d (%s) %s for %.160s", e, b.message,
	    details_text(), body);
	cr_assert_null(b.details);
	cr_assert_eq(b.n, 1);
	cr_assert_eq(json_object_array_length(b.rows), 1);
	return json_object_array_get_idx(b.rows, 0);
}

static struct json_object *
member(struct json_object *row, const char *field)
{
	struct json_object	*v = NULL;

	cr_assert(json_object_object_get_ex(row, field, &v), "row lacks %s: %s",
	    field, json_object_to_json_string(row));
	return v;
}

static const char *
member_str(struct json_object *row, const char *field)
{
	struct json_object	*v = member(row, field);

	cr_assert(json_object_is_type(v, json_type_string));
	return json_object_get_string(v);
}

/*
 * Objects nested depth levels deep, the innermost empty: depth 1 is {},
 * depth 2 {"a":{}}, as event.c counts metadata depth.
 */
static char *
nested(size_t depth)
{
	size_t	 i;
	char	*s = hold(malloc(depth * 6 + 1));
	char	*p = s;

	for (i = 1; i < depth; i++) {
		memcpy(p, "{\"a\":", 5);
		p += 5;
	}
	*p++ = '{';
	for (i = 0; i < depth; i++)
		*p++ = '}';
	*p = '\0';
	return s;
}

/* A JSON array of n copies of the event elem. */
static char *
array_of(const char *elem, size_t n)
{
	size_t	 e = strlen(elem), i;
	char	*s = hold(malloc(n * (e + 1) + 3));
	char	*p = s;

	*p++ = '[';
	for (i = 0; i < n; i++) {
		if (i > 0)
			*p++ = ',';
		memcpy(p, elem, e);
		p += e;
	}
	*p++ = ']';
	*p = '\0';
	return s;
}

/* event_type */

Test(event, refuses_missing_event_type)
{
	assert_refused("{\"success\":true}", "event_type", "missing");
}

Test(event, refuses_null_event_type_as_missing)
{
	assert_refused("{\"event_type\":null}", "event_type", "missing");
}

Test(event, refuses_empty_event_type)
{
	assert_refused("{\"event_type\":\"\"}", "event_type", "empty");
}

Test(event, accepts_event_type_of_64_chars)
{
	const char		*t = rep("x", 64);
	struct json_object	*row;

	row = assert_accepted(fmt("{\"event_type\":\"%s\"}", t));
	cr_assert_str_eq(member_str(row, "event_type"), t);
}

Test(event, refuses_event_type_of_65_chars)
{
	assert_refused(fmt("{\"event_type\":\"%s\"}", rep("x", 65)),
	    "event_type", "too_long");
}

Test(event, refuses_event_type_with_space)
{
	assert_refused("{\"event_type\":\"user login\"}", "event_type",
	    "invalid_characters");
}

Test(event, refuses_event_type_with_exclamation_mark)
{
	assert_refused("{\"event_type\":\"login!\"}", "event_type",
	    "invalid_characters");
}

Test(event, refuses_event_type_with_non_ascii_letter)
{
	assert_refused("{\"event_type\":\"caf\xc3\xa9\"}", "event_type",
	    "invalid_characters");
}

Test(event, accepts_each_allowed_punctuation_in_event_type)
{
	const char		*types[] = { "a_b", "a.b", "a:b", "a/b",
	    "a-b", "_.:/-", "Auth.Login:v2/ok-1_x" };
	struct json_object	*row;
	size_t			 i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		row = assert_accepted(fmt("{\"event_type\":\"%s\"}", types[i]));
		cr_assert_str_eq(member_str(row, "event_type"), types[i]);
	}
}

Test(event, refuses_number_as_event_type)
{
	assert_refused("{\"event_type\":42}", "event_type", "wrong_type");
}

/* event_subtype and fingerprint: 64 characters, not bytes */

Test(event, accepts_event_subtype_of_64_two_byte_chars)
{
	const char		*s = rep("\xc3\xa9", 64);
	struct json_object	*row;

	row = assert_accepted(ev(fmt("\"event_subtype\":\"%s\"", s)));
	cr_assert_str_eq(member_str(row, "event_subtype"), s);
}

Test(event, refuses_event_subtype_of_65_two_byte_chars)
{
	assert_refused(ev(fmt("\"event_subtype\":\"%s\"",
	    rep("\xc3\xa9", 65))), "event_subtype", "too_long");
}

Test(event, accepts_event_subtype_of_64_four_byte_chars)
{
	const char		*s = rep("\xf0\x9f\x98\x80", 64);
	struct json_object	*row;

	row = assert_accepted(ev(fmt("\"event_subtype\":\"%s\"", s)));
	cr_assert_str_eq(member_str(row, "event_subtype"), s);
}

Test(event, accepts_fingerprint_of_64_two_byte_chars)
{
	const char		*s = rep("\xc3\xa9", 64);
	struct json_object	*row;

	row = assert_accepted(ev(fmt("\"fingerprint\":\"%s\"", s)));
	cr_assert_str_eq(member_str(row, "fingerprint"), s);
}

Test(event, refuses_fingerprint_of_65_two_byte_chars)
{
	assert_refused(ev(fmt("\"fingerprint\":\"%s\"", rep("\xc3\xa9", 65))),
	    "fingerprint", "too_long");
}

Test(event, refuses_number_as_fingerprint)
{
	assert_refused(ev("\"fingerprint\":7"), "fingerprint", "wrong_type");
}

/* created_at */

Test(event, normalises_created_at_offset_to_utc)
{
	struct json_object	*row;

	row = assert_accepted(ev(
	    "\"created_at\":\"2026-11-23T13:30:00+01:30\""));
	cr_assert_str_eq(member_str(row, "created_at"), "2026-11-23T12:00:00Z");
}

Test(event, keeps_created_at_fraction)
{
	struct json_object	*row;

	row = assert_accepted(ev(
	    "\"created_at\":\"2026-11-23T06:59:59.123456-05:00\""));
	cr_assert_str_eq(member_str(row, "created_at"),
	    "2026-11-23T11:59:59.123456Z");
}

Test(event, normalises_created_at_across_midnight)
{
	struct json_object	*row;

	row = assert_accepted(ev(
	    "\"created_at\":\"2026-11-22T23:30:00-02:00\""));
	cr_assert_str_eq(member_str(row, "created_at"), "2026-11-23T01:30:00Z");
}

Test(event, accepts_created_at_5_minutes_ahead)
{
	struct json_object	*row;

	row = assert_accepted(ev("\"created_at\":\"2026-11-23T12:05:00Z\""));
	cr_assert_str_eq(member_str(row, "created_at"), "2026-11-23T12:05:00Z");
}

Test(event, refuses_created_at_5_minutes_1_second_ahead)
{
	assert_refused(ev("\"created_at\":\"2026-11-23T12:05:01Z\""),
	    "created_at", "in_future");
}

Test(event, refuses_created_at_1_microsecond_past_5_minutes_ahead)
{
	assert_refused(ev("\"created_at\":\"2026-11-23T12:05:00.000001Z\""),
	    "created_at", "in_future");
}

Test(event, refuses_malformed_created_at)
{
	const char	*bad[] = { "yesterday", "2026-11-23",
	    "2026-11-23T12:00", "2026-11-23T12:00:00",
	    "2026-11-23T12:00:00+1", "1700000000", "" };
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_refused(ev(fmt("\"created_at\":\"%s\"", bad[i])),
		    "created_at", "invalid_timestamp");
}

Test(event, refuses_created_at_on_a_day_that_does_not_exist)
{
	assert_refused(ev("\"created_at\":\"2026-02-29T00:00:00Z\""),
	    "created_at", "invalid_timestamp");
}

Test(event, refuses_number_as_created_at)
{
	assert_refused(ev("\"created_at\":1795435200"), "created_at",
	    "wrong_type");
}

/* id and user_id */

Test(event, accepts_id_with_created_at)
{
	struct json_object	*row;

	row = assert_accepted(ev(
	    "\"id\":\"0b9e2a4c-6f1d-4e8a-9c3b-2d7f5a1e8c40\","
	    "\"created_at\":\"2026-11-23T11:00:00Z\""));
	cr_assert_str_eq(member_str(row, "id"),
	    "0b9e2a4c-6f1d-4e8a-9c3b-2d7f5a1e8c40");
	cr_assert_str_eq(member_str(row, "created_at"), "2026-11-23T11:00:00Z");
}

Test(event, accepts_upper_case_id)
{
	struct json_object	*row;

	row = assert_accepted(ev(
	    "\"id\":\"0B9E2A4C-6F1D-4E8A-9C3B-2D7F5A1E8C40\","
	    "\"created_at\":\"2026-11-23T11:00:00Z\""));
	cr_assert_str_eq(member_str(row, "id"),
	    "0B9E2A4C-6F1D-4E8A-9C3B-2D7F5A1E8C40");
}

Test(event, refuses_invalid_id)
{
	const char	*bad[] = { "1234",
	    "0b9e2a4c6f1d4e8a9c3b2d7f5a1e8c40",
	    "0b9e2a4c-6f1d-4e8a-9c3b-2d7f5a1e8c4g",
	    "{0b9e2a4c-6f1d-4e8a-9c3b-2d7f5a1e8c40}",
	    "0b9e2a4c-6f1d-4e8a-9c3b-2d7f5a1e8c40 ",
	    "0b9e2a4c_6f1d-4e8a-9c3b-2d7f5a1e8c40", "" };
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_refused(ev(fmt("\"id\":\"%s\","
		    "\"created_at\":\"2026-11-23T11:00:00Z\"", bad[i])),
		    "id", "invalid_uuid");
}

Test(event, refuses_id_without_created_at)
{
	assert_refused(ev("\"id\":\"0b9e2a4c-6f1d-4e8a-9c3b-2d7f5a1e8c40\""),
	    "created_at", "required_with_id");
}

Test(event, refuses_id_with_null_created_at)
{
	assert_refused(ev("\"id\":\"0b9e2a4c-6f1d-4e8a-9c3b-2d7f5a1e8c40\","
	    "\"created_at\":null"), "created_at", "required_with_id");
}

Test(event, accepts_user_id_without_created_at)
{
	struct json_object	*row;

	row = assert_accepted(ev(
	    "\"user_id\":\"5f0c8e7a-1b2d-4c3e-8f9a-0b1c2d3e4f50\""));
	cr_assert_str_eq(member_str(row, "user_id"),
	    "5f0c8e7a-1b2d-4c3e-8f9a-0b1c2d3e4f50");
	cr_assert_not(json_object_object_get_ex(row, "created_at", NULL));
}

Test(event, refuses_invalid_user_id)
{
	assert_refused(ev("\"user_id\":\"user-42\""), "user_id",
	    "invalid_uuid");
}

/* ip_address */

Test(event, accepts_ipv4_address)
{
	struct json_object	*row;

	row = assert_accepted(ev("\"ip_address\":\"203.0.113.7\""));
	cr_assert_str_eq(member_str(row, "ip_address"), "203.0.113.7");
}

Test(event, accepts_ipv6_address)
{
	struct json_object	*row;

	row = assert_accepted(ev("\"ip_address\":\"2001:db8::1\""));
	cr_assert_str_eq(member_str(row, "ip_address"), "2001:db8::1");
}

Test(event, accepts_ipv4_mapped_ipv6_address)
{
	struct json_object	*row;

	row = assert_accepted(ev("\"ip_address\":\"::ffff:1.2.3.4\""));
	cr_assert_str_eq(member_str(row, "ip_address"), "::ffff:1.2.3.4");
}

Test(event, refuses_ipv4_address_of_three_parts)
{
	assert_refused(ev("\"ip_address\":\"1.2.3\""), "ip_address",
	    "invalid_ip_address");
}

Test(event, refuses_ipv4_octet_over_255)
{
	assert_refused(ev("\"ip_address\":\"300.1.1.1\""), "ip_address",
	    "invalid_ip_address");
}

Test(event, refuses_ipv6_address_with_zone)
{
	assert_refused(ev("\"ip_address\":\"fe80::1%eth0\""), "ip_address",
	    "invalid_ip_address");
}

Test(event, refuses_empty_ip_address)
{
	assert_refused(ev("\"ip_address\":\"\""), "ip_address",
	    "invalid_ip_address");
}

Test(event, refuses_ip_address_with_port)
{
	assert_refused(ev("\"ip_address\":\"203.0.113.7:443\""), "ip_address",
	    "invalid_ip_address");
}

/* success */

Test(event, accepts_success_true)
{
	struct json_object	*row;

	row = assert_accepted(ev("\"success\":true"));
	cr_assert(json_object_is_type(member(row, "success"),
	    json_type_boolean));
	cr_assert_eq(json_object_get_boolean(member(row, "success")), 1);
}

Test(event, accepts_success_false)
{
	struct json_object	*row;

	row = assert_accepted(ev("\"success\":false"));
	cr_assert(json_object_is_type(member(row, "success"),
	    json_type_boolean));
	cr_assert_eq(json_object_get_boolean(member(row, "success")), 0);
}

Test(event, refuses_success_as_string)
{
	assert_refused(ev("\"success\":\"true\""), "success", "wrong_type");
}

Test(event, refuses_success_as_number)
{
	assert_refused(ev("\"success\":1"), "success", "wrong_type");
}

/* duration_ms */

Test(event, accepts_zero_duration)
{
	struct json_object	*row;

	row = assert_accepted(ev("\"duration_ms\":0"));
	cr_assert_float_eq(json_object_get_double(member(row, "duration_ms")),
	    0.0, 1e-9);
}

Test(event, accepts_fractional_duration)
{
	struct json_object	*row;

	row = assert_accepted(ev("\"duration_ms\":12.5"));
	cr_assert_float_eq(json_object_get_double(member(row, "duration_ms")),
	    12.5, 1e-9);
}

Test(event, accepts_integer_duration)
{
	struct json_object	*row;

	row = assert_accepted(ev("\"duration_ms\":250"));
	cr_assert_float_eq(json_object_get_double(member(row, "duration_ms")),
	    250.0, 1e-9);
}

Test(event, refuses_negative_duration)
{
	assert_refused(ev("\"duration_ms\":-1"), "duration_ms", "out_of_range");
}

Test(event, refuses_duration_as_string)
{
	assert_refused(ev("\"duration_ms\":\"12\""), "duration_ms",
	    "wrong_type");
}

/* message */

Test(event, accepts_message_of_8192_bytes)
{
	const char		*m = rep("a", EVENT_MAX_MESSAGE);
	struct json_object	*row;

	row = assert_accepted(ev(fmt("\"message\":\"%s\"", m)));
	cr_assert_str_eq(member_str(row, "message"), m);
}

Test(event, refuses_message_of_8193_bytes)
{
	assert_refused(ev(fmt("\"message\":\"%s\"",
	    rep("a", EVENT_MAX_MESSAGE + 1))), "message", "too_long");
}

Test(event, counts_message_limit_in_bytes_not_chars)
{
	/* 4097 two-byte characters: 8194 bytes. */
	assert_refused(ev(fmt("\"message\":\"%s\"", rep("\xc3\xa9", 4097))),
	    "message", "too_long");
}

Test(event, refuses_number_as_message)
{
	assert_refused(ev("\"message\":404"), "message", "wrong_type");
}

/* metadata */

Test(event, accepts_metadata_object)
{
	struct json_object	*row, *m, *v;

	row = assert_accepted(ev("\"metadata\":{\"plan\":\"pro\",\"seats\":3,"
	    "\"tags\":[\"a\",\"b\"]}"));
	m = member(row, "metadata");
	cr_assert(json_object_is_type(m, json_type_object));
	cr_assert(json_object_object_get_ex(m, "plan", &v));
	cr_assert_str_eq(json_object_get_string(v), "pro");
	cr_assert(json_object_object_get_ex(m, "seats", &v));
	cr_assert_eq(json_object_get_int(v), 3);
}

Test(event, refuses_metadata_array)
{
	assert_refused(ev("\"metadata\":[1,2]"), "metadata", "wrong_type");
}

Test(event, refuses_metadata_string)
{
	assert_refused(ev("\"metadata\":\"{}\""), "metadata", "wrong_type");
}

Test(event, accepts_metadata_of_depth_8)
{
	assert_accepted(ev(fmt("\"metadata\":%s", nested(EVENT_MAX_DEPTH))));
}

Test(event, refuses_metadata_of_depth_9)
{
	assert_refused(ev(fmt("\"metadata\":%s", nested(EVENT_MAX_DEPTH + 1))),
	    "metadata", "too_deep");
}

Test(event, counts_arrays_in_metadata_depth)
{
	/* An object holding eight nested arrays: nine levels. */
	assert_refused(ev("\"metadata\":{\"a\":[[[[[[[[]]]]]]]]}"),
	    "metadata", "too_deep");
}

Test(event, accepts_metadata_serialised_in_8192_bytes)
{
	/* {"k":"..."}: 8 bytes of framing around the value. */
	assert_accepted(ev(fmt("\"metadata\":{\"k\":\"%s\"}",
	    rep("v", EVENT_MAX_METADATA - 8))));
}

Test(event, refuses_metadata_serialised_in_8193_bytes)
{
	assert_refused(ev(fmt("\"metadata\":{\"k\":\"%s\"}",
	    rep("v", EVENT_MAX_METADATA - 7))), "metadata", "too_large");
}

Test(event, measures_metadata_without_escaping_slashes)
{
	/* 5008 bytes as sent (JSON needs no escape for '/'), well under
	 * the limit, whatever the server's serialiser would add. */
	assert_accepted(ev(fmt("\"metadata\":{\"p\":\"%s\"}", rep("/", 5000))));
}

/* app_id */

Test(event, records_app_id)
{
	expect(parse(ev("\"app_id\":\"shop\"")), AX_OK);
	cr_assert_eq(b.n, 1);
	cr_assert_str_eq(b.app_id, "shop");
	cr_assert_eq(b.app_conflict, 0);
}

Test(event, leaves_app_id_empty_when_no_event_names_one)
{
	expect(parse(ev("")), AX_OK);
	cr_assert_str_eq(b.app_id, "");
	cr_assert_eq(b.app_conflict, 0);
}

Test(event, same_app_id_twice_is_no_conflict)
{
	expect(parse("[{\"event_type\":\"a\",\"app_id\":\"shop\"},"
	    "{\"event_type\":\"b\"},"
	    "{\"event_type\":\"c\",\"app_id\":\"shop\"}]"), AX_OK);
	cr_assert_eq(b.n, 3);
	cr_assert_str_eq(b.app_id, "shop");
	cr_assert_eq(b.app_conflict, 0);
}

Test(event, flags_two_different_app_ids)
{
	expect(parse("[{\"event_type\":\"a\",\"app_id\":\"shop\"},"
	    "{\"event_type\":\"b\",\"app_id\":\"blog\"}]"), AX_OK);
	cr_assert_eq(b.n, 2);
	cr_assert_str_eq(b.app_id, "shop");
	cr_assert_eq(b.app_conflict, 1);
}

Test(event, refuses_invalid_app_id)
{
	assert_refused(ev("\"app_id\":\"Shop!\""), "app_id", "invalid_app_id");
	cr_assert_str_eq(b.app_id, "");
}

Test(event, refuses_app_id_of_65_chars)
{
	assert_refused(ev(fmt("\"app_id\":\"%s\"", rep("a", 65))), "app_id",
	    "invalid_app_id");
}

/* unknown fields and collected problems */

Test(event, refuses_unknown_field_naming_it)
{
	assert_refused(ev("\"evnt_subtype\":\"x\""), "evnt_subtype",
	    "unknown_field");
}

Test(event, lists_every_problem_of_one_event)
{
	expect(parse("{\"event_type\":\"\",\"user_id\":\"nope\","
	    "\"success\":\"yes\",\"colour\":1,\"id\":\"x\"}"),
	    AX_ERR_INVALID_EVENT);
	cr_assert_eq(ndetails(), 6, "details: %s", details_text());
	cr_assert(has_problem(0, "event_type", "empty"));
	cr_assert(has_problem(0, "user_id", "invalid_uuid"));
	cr_assert(has_problem(0, "success", "wrong_type"));
	cr_assert(has_problem(0, "colour", "unknown_field"));
	cr_assert(has_problem(0, "id", "invalid_uuid"));
	cr_assert(has_problem(0, "created_at", "required_with_id"));
	cr_assert_not_null(strstr(b.message, "6 problems"), "%s", b.message);
	cr_assert_eq(b.n, 0);
}

Test(event, gives_each_problem_its_event_index)
{
	expect(parse("[{\"event_type\":\"ok\"},"
	    "{\"event_type\":\"ok\",\"user_id\":\"nope\"},"
	    "{\"event_type\":\"ok\"},"
	    "{\"event_type\":\"bad type\"},"
	    "{}]"), AX_ERR_INVALID_EVENT);
	cr_assert_eq(ndetails(), 3, "details: %s", details_text());
	cr_assert(has_problem(1, "user_id", "invalid_uuid"), "%s",
	    details_text());
	cr_assert(has_problem(3, "event_type", "invalid_characters"), "%s",
	    details_text());
	cr_assert(has_problem(4, "event_type", "missing"), "%s",
	    details_text());
}

Test(event, lists_at_most_100_problems_and_says_so)
{
	struct json_object	*last, *v;

	expect(parse(array_of("{}", 150)), AX_ERR_INVALID_EVENT);
	cr_assert_eq(ndetails(), EVENT_MAX_DETAILS);
	cr_assert(has_problem(0, "event_type", "missing"));
	last = json_object_array_get_idx(b.details, EVENT_MAX_DETAILS - 1);
	cr_assert(json_object_object_get_ex(last, "index", &v));
	cr_assert_eq(json_object_get_int(v), 99);
	cr_assert_not_null(strstr(b.message, "150 problems"), "%s", b.message);
	cr_assert_not_null(strstr(b.message, "first 100"), "%s", b.message);
}

Test(event, does_not_say_first_100_at_exactly_100_problems)
{
	expect(parse(array_of("{}", 100)), AX_ERR_INVALID_EVENT);
	cr_assert_eq(ndetails(), 100);
	cr_assert_not_null(strstr(b.message, "100 problems"), "%s", b.message);
	cr_assert_null(strstr(b.message, "first"), "%s", b.message);
}

/* NUL and UTF-8 */

Test(event, refuses_raw_nul_byte)
{
	static const char	body[] = "{\"event_type\":\"lo\0gin\"}";

	expect(parse_as(BODY_JSON, body, sizeof(body) - 1, MAX_BATCH),
	    AX_ERR_INVALID_ENCODING);
	cr_assert_neq(b.message[0], '\0');
}

Test(event, refuses_raw_nul_byte_after_the_value)
{
	static const char	body[] = "{\"event_type\":\"login\"}\0";

	expect(parse_as(BODY_JSON, body, sizeof(body) - 1, MAX_BATCH),
	    AX_ERR_INVALID_ENCODING);
}

Test(event, refuses_nul_escape_in_string_value)
{
	expect(parse(ev("\"message\":\"a\\u0000b\"")), AX_ERR_INVALID_ENCODING);
}

Test(event, refuses_nul_escape_in_metadata_key)
{
	expect(parse(ev("\"metadata\":{\"k\\u0000\":1}")),
	    AX_ERR_INVALID_ENCODING);
}

Test(event, refuses_nul_escape_in_nested_metadata_value)
{
	expect(parse(ev("\"metadata\":{\"a\":{\"b\":[1,\"x\\u0000\"]}}")),
	    AX_ERR_INVALID_ENCODING);
}

Test(event, accepts_escaped_backslash_before_u0000_text)
{
	struct json_object	*row;

	/* JSON "\\u0000": a backslash, then the text u0000. */
	row = assert_accepted(ev("\"message\":\"\\\\u0000\""));
	cr_assert_str_eq(member_str(row, "message"), "\\u0000");
}

Test(event, refuses_nul_escape_after_escaped_backslash)
{
	/* JSON "\\\u0000": a backslash, then a NUL. */
	expect(parse(ev("\"message\":\"\\\\\\u0000\"")),
	    AX_ERR_INVALID_ENCODING);
}

Test(event, refuses_invalid_utf8_byte)
{
	expect(parse(ev("\"message\":\"bad \xff byte\"")),
	    AX_ERR_INVALID_ENCODING);
}

Test(event, refuses_truncated_utf8_sequence)
{
	expect(parse(ev("\"message\":\"cut \xc3\"")), AX_ERR_INVALID_ENCODING);
}

Test(event, refuses_invalid_utf8_in_metadata_key)
{
	expect(parse(ev("\"metadata\":{\"\xe2\x82\":1}")),
	    AX_ERR_INVALID_ENCODING);
}

Test(event, refuses_overlong_utf8_nul)
{
	/* C0 80: NUL in two bytes, which RFC 3629 forbids. */
	expect(parse(ev("\"message\":\"a\xc0\x80" "b\"")),
	    AX_ERR_INVALID_ENCODING);
}

Test(event, refuses_utf8_encoded_surrogate)
{
	/* ED A0 80: U+D800, a UTF-16 surrogate, not a character. */
	expect(parse(ev("\"message\":\"a\xed\xa0\x80" "b\"")),
	    AX_ERR_INVALID_ENCODING);
}

Test(event, refuses_utf8_above_u10ffff)
{
	/* F4 90 80 80: U+110000, past the last code point. */
	expect(parse(ev("\"message\":\"a\xf4\x90\x80\x80" "b\"")),
	    AX_ERR_INVALID_ENCODING);
}

Test(event, accepts_four_byte_utf8)
{
	struct json_object	*row;

	row = assert_accepted(ev("\"message\":\"ok \xf0\x9f\x98\x80\""));
	cr_assert_str_eq(member_str(row, "message"), "ok \xf0\x9f\x98\x80");
}

Test(event, accepts_escaped_surrogate_pair)
{
	struct json_object	*row;

	row = assert_accepted(ev("\"message\":\"\\ud83d\\ude00\""));
	cr_assert_str_eq(member_str(row, "message"), "\xf0\x9f\x98\x80");
}

/* JSON framing */

Test(event, refuses_invalid_json)
{
	expect(parse("{\"event_type\":}"), AX_ERR_INVALID_JSON);
	cr_assert_neq(b.message[0], '\0');
}

Test(event, refuses_unterminated_object)
{
	expect(parse("{\"event_type\":\"login\""), AX_ERR_INVALID_JSON);
}

Test(event, refuses_empty_json_body)
{
	expect(parse(""), AX_ERR_INVALID_JSON);
}

Test(event, refuses_single_quoted_key)
{
	expect(parse("{'event_type':\"login\"}"), AX_ERR_INVALID_JSON);
}

Test(event, refuses_raw_control_character_in_string)
{
	expect(parse(ev("\"message\":\"a\x01" "b\"")), AX_ERR_INVALID_JSON);
}

Test(event, refuses_trailing_garbage)
{
	expect(parse("{\"event_type\":\"login\"} x"), AX_ERR_INVALID_JSON);
	cr_assert_neq(b.message[0], '\0');
}

Test(event, refuses_two_concatenated_objects)
{
	expect(parse("{\"event_type\":\"a\"}{\"event_type\":\"b\"}"),
	    AX_ERR_INVALID_JSON);
}

Test(event, accepts_trailing_whitespace)
{
	expect(parse("{\"event_type\":\"login\"} \r\n\t\n"), AX_OK);
	cr_assert_eq(b.n, 1);
}

Test(event, accepts_leading_whitespace)
{
	expect(parse(" \n{\"event_type\":\"login\"}"), AX_OK);
	cr_assert_eq(b.n, 1);
}

Test(event, refuses_top_level_string_as_not_an_object)
{
	expect(parse("\"login\""), AX_ERR_INVALID_EVENT);
	cr_assert_eq(ndetails(), 1);
	cr_assert(has_problem(0, NULL, "not_an_object"), "%s", details_text());
	cr_assert_eq(b.n, 0);
}

Test(event, refuses_top_level_number_as_not_an_object)
{
	expect(parse("42"), AX_ERR_INVALID_EVENT);
	cr_assert_eq(ndetails(), 1);
	cr_assert(has_problem(0, NULL, "not_an_object"), "%s", details_text());
}

Test(event, refuses_non_object_in_array_at_its_index)
{
	expect(parse("[{\"event_type\":\"a\"},\"b\"]"), AX_ERR_INVALID_EVENT);
	cr_assert_eq(ndetails(), 1, "%s", details_text());
	cr_assert(has_problem(1, NULL, "not_an_object"), "%s", details_text());
}

Test(event, refuses_null_in_array_as_not_an_object)
{
	expect(parse("[{\"event_type\":\"a\"},null]"), AX_ERR_INVALID_EVENT);
	cr_assert_eq(ndetails(), 1, "%s", details_text());
	cr_assert(has_problem(1, NULL, "not_an_object"), "%s", details_text());
}

Test(event, counts_non_objects_in_later_indexes)
{
	expect(parse("[\"a\",[],{\"event_type\":\"b c\"}]"),
	    AX_ERR_INVALID_EVENT);
	cr_assert_eq(ndetails(), 3, "%s", details_text());
	cr_assert(has_problem(0, NULL, "not_an_object"), "%s", details_text());
	cr_assert(has_problem(1, NULL, "not_an_object"), "%s", details_text());
	cr_assert(has_problem(2, "event_type", "invalid_characters"), "%s",
	    details_text());
}

Test(event, accepts_array_of_max_batch_events)
{
	expect(parse(array_of("{\"event_type\":\"t\"}", MAX_BATCH)), AX_OK);
	cr_assert_eq(b.n, MAX_BATCH);
}

Test(event, refuses_array_over_max_batch)
{
	expect(parse(array_of("{\"event_type\":\"t\"}", MAX_BATCH + 1)),
	    AX_ERR_TOO_LARGE);
	cr_assert_not_null(strstr(b.message, "1001"), "%s", b.message);
	cr_assert_null(b.details);
}

Test(event, accepts_empty_array)
{
	expect(parse("[]"), AX_OK);
	cr_assert_eq(b.n, 0);
	cr_assert_null(b.details);
}

Test(event, keeps_rows_in_order)
{
	expect(parse("[{\"event_type\":\"a\"},{\"event_type\":\"b\"},"
	    "{\"event_type\":\"c\"}]"), AX_OK);
	cr_assert_eq(b.n, 3);
	cr_assert_str_eq(member_str(json_object_array_get_idx(b.rows, 0),
	    "event_type"), "a");
	cr_assert_str_eq(member_str(json_object_array_get_idx(b.rows, 2),
	    "event_type"), "c");
}

/* NDJSON */

Test(ndjson, skips_blank_lines)
{
	expect(parse_nd("\n{\"event_type\":\"a\"}\n\n\n"
	    "{\"event_type\":\"b\"}\n\n", MAX_BATCH), AX_OK);
	cr_assert_eq(b.n, 2);
}

Test(ndjson, accepts_crlf_line_ends)
{
	expect(parse_nd("{\"event_type\":\"a\"}\r\n"
	    "{\"event_type\":\"b\"}\r\n", MAX_BATCH), AX_OK);
	cr_assert_eq(b.n, 2);
	cr_assert_str_eq(member_str(json_object_array_get_idx(b.rows, 1),
	    "event_type"), "b");
}

Test(ndjson, accepts_last_line_without_newline)
{
	expect(parse_nd("{\"event_type\":\"a\"}\n{\"event_type\":\"b\"}",
	    MAX_BATCH), AX_OK);
	cr_assert_eq(b.n, 2);
}

Test(ndjson, skips_whitespace_only_lines)
{
	expect(parse_nd("  \t \n{\"event_type\":\"a\"}\n \r\n\t\n",
	    MAX_BATCH), AX_OK);
	cr_assert_eq(b.n, 1);
}

Test(ndjson, empty_body_has_no_events)
{
	expect(parse_nd("", MAX_BATCH), AX_OK);
	cr_assert_eq(b.n, 0);
}

Test(ndjson, accepts_line_of_exactly_max_line)
{
	const char	*ev1 = "{\"event_type\":\"a\"}";
	char		*pad = rep(" ", EVENT_MAX_LINE - strlen(ev1));

	expect(parse_nd(fmt("%s%s\n{\"event_type\":\"b\"}\n", ev1, pad),
	    MAX_BATCH), AX_OK);
	cr_assert_eq(b.n, 2);
}

Test(ndjson, refuses_line_over_max_line)
{
	const char	*ev1 = "{\"event_type\":\"a\"}";
	char		*pad = rep(" ", EVENT_MAX_LINE + 1 - strlen(ev1));

	expect(parse_nd(fmt("{\"event_type\":\"z\"}\n%s%s\n", ev1, pad),
	    MAX_BATCH), AX_ERR_TOO_LARGE);
	cr_assert_not_null(strstr(b.message, "line 2"), "%s", b.message);
}

Test(ndjson, refuses_broken_line_naming_it)
{
	expect(parse_nd("{\"event_type\":\"a\"}\n\n{\"event_type\":\n"
	    "{\"event_type\":\"b\"}\n", MAX_BATCH), AX_ERR_INVALID_JSON);
	cr_assert_not_null(strstr(b.message, "line 3"), "%s", b.message);
}

Test(ndjson, refuses_object_split_over_two_lines)
{
	expect(parse_nd("{\"event_type\":\n\"a\"}\n", MAX_BATCH),
	    AX_ERR_INVALID_JSON);
	cr_assert_not_null(strstr(b.message, "line 1"), "%s", b.message);
}

Test(ndjson, refuses_two_objects_on_one_line)
{
	expect(parse_nd("{\"event_type\":\"a\"} {\"event_type\":\"b\"}\n",
	    MAX_BATCH), AX_ERR_INVALID_JSON);
	cr_assert_not_null(strstr(b.message, "line 1"), "%s", b.message);
}

Test(ndjson, accepts_max_batch_events_between_blank_lines)
{
	expect(parse_nd("\n{\"event_type\":\"a\"}\n\n{\"event_type\":\"b\"}"
	    "\n\n{\"event_type\":\"c\"}\n\n", 3), AX_OK);
	cr_assert_eq(b.n, 3);
}

Test(ndjson, refuses_more_events_than_max_batch)
{
	expect(parse_nd("{\"event_type\":\"a\"}\n{\"event_type\":\"b\"}\n"
	    "{\"event_type\":\"c\"}\n{\"event_type\":\"d\"}\n", 3),
	    AX_ERR_TOO_LARGE);
	cr_assert_not_null(strstr(b.message, "3"), "%s", b.message);
}

Test(ndjson, counts_index_by_events_not_lines)
{
	expect(parse_nd("\n\n{\"event_type\":\"a\"}\n\n\r\n"
	    "{\"event_type\":\"b c\"}\n", MAX_BATCH), AX_ERR_INVALID_EVENT);
	cr_assert_eq(ndetails(), 1, "%s", details_text());
	cr_assert(has_problem(1, "event_type", "invalid_characters"), "%s",
	    details_text());
}

Test(ndjson, refuses_array_line_as_not_an_object)
{
	expect(parse_nd("[{\"event_type\":\"a\"}]\n", MAX_BATCH),
	    AX_ERR_INVALID_EVENT);
	cr_assert(has_problem(0, NULL, "not_an_object"), "%s", details_text());
}

Test(ndjson, counts_non_object_line_as_an_event)
{
	expect(parse_nd("42 \n{\"event_type\":\"a\",\"success\":1}\n",
	    MAX_BATCH), AX_ERR_INVALID_EVENT);
	cr_assert_eq(ndetails(), 2, "%s", details_text());
	cr_assert(has_problem(0, NULL, "not_an_object"), "%s", details_text());
	cr_assert(has_problem(1, "success", "wrong_type"), "%s",
	    details_text());
}

Test(ndjson, refuses_invalid_utf8_line)
{
	expect(parse_nd("{\"event_type\":\"a\"}\n"
	    "{\"event_type\":\"b\",\"message\":\"\xfe\"}\n", MAX_BATCH),
	    AX_ERR_INVALID_ENCODING);
}

Test(ndjson, refuses_nul_escape_on_a_line)
{
	expect(parse_nd("{\"event_type\":\"a\",\"message\":\"\\u0000\"}\n",
	    MAX_BATCH), AX_ERR_INVALID_ENCODING);
}

/*
 * Fidelity: a value is stored as sent or refused, naming the event and
 * the value's path.  The row is checked as ingest.c serialises it.
 */
TestSuite(fidelity, .fini = release);

/* metadata is accepted and serialised exactly as want. */
static void
assert_metadata_kept(const char *metadata, const char *want)
{
	struct json_object	*row;

	row = assert_accepted(ev(fmt("\"metadata\":%s", metadata)));
	cr_assert_str_eq(json_object_to_json_string_ext(member(row,
	    "metadata"), JSON_C_TO_STRING_PLAIN), want);
}

/* metadata is accepted and serialised exactly as sent. */
static void
assert_metadata_same(const char *metadata)
{
	assert_metadata_kept(metadata, metadata);
}

Test(fidelity, keeps_integer_beyond_uint64)
{
	assert_metadata_same("{\"n\":123456789012345678901234567890}");
}

Test(fidelity, keeps_negative_integer_beyond_int64)
{
	assert_metadata_same("{\"n\":-123456789012345678901234567890}");
}

Test(fidelity, keeps_uint64_max_plus_one)
{
	assert_metadata_same("{\"n\":18446744073709551616}");
}

Test(fidelity, keeps_int64_min_minus_one)
{
	assert_metadata_same("{\"n\":-9223372036854775809}");
}

Test(fidelity, keeps_uint64_max_and_int64_min_themselves)
{
	assert_metadata_same("{\"a\":18446744073709551615,"
	    "\"b\":-9223372036854775808,\"c\":9223372036854775807}");
}

Test(fidelity, keeps_long_integer_in_nested_array)
{
	assert_metadata_same("{\"a\":[1,{\"b\":[99999999999999999999999]}]}");
}

Test(fidelity, refuses_repeated_key_holding_long_integer)
{
	/* Not kept: refused as a duplicate, so no stale text can leak. */
	assert_refused(ev("\"metadata\":{\"n\":123456789012345678901234567890,"
	    "\"n\":5}"), "metadata", "duplicate_key");
}

Test(fidelity, keeps_doubles_as_written)
{
	assert_metadata_same("{\"a\":0.1,\"b\":1e300,\"c\":1e400,\"d\":1E+2,"
	    "\"e\":1.5e-400,\"f\":-0.0,\"g\":-1e400,\"h\":0.30000000000000004}");
}

Test(fidelity, keeps_number_printed_in_8001_characters)
{
	assert_metadata_same("{\"n\":1e8000}");
}

Test(fidelity, refuses_nan)
{
	assert_refused(ev("\"metadata\":{\"n\":NaN}"), "metadata.n",
	    "not_a_number");
}

Test(fidelity, refuses_infinity)
{
	assert_refused(ev("\"metadata\":{\"n\":Infinity}"), "metadata.n",
	    "not_a_number");
}

Test(fidelity, refuses_minus_infinity_in_array_naming_index)
{
	assert_refused(ev("\"metadata\":{\"a\":[1,2,-Infinity]}"),
	    "metadata.a[2]", "not_a_number");
}

Test(fidelity, quotes_keys_that_are_not_plain_in_path)
{
	assert_refused(ev("\"metadata\":{\"a b\":{\"c.d\":[0,{\"x\":NaN}]}}"),
	    "metadata[\"a b\"][\"c.d\"][1].x", "not_a_number");
}

Test(fidelity, names_path_by_decoded_key)
{
	assert_refused(ev("\"metadata\":{\"\\u0061\":NaN}"), "metadata.a",
	    "not_a_number");
}

Test(fidelity, cuts_long_path_at_a_whole_step)
{
	assert_refused(ev(fmt("\"metadata\":{\"%s\":NaN}", rep("k", 250))),
	    "metadata", "not_a_number");
}

Test(fidelity, refuses_nan_duration_once)
{
	assert_refused(ev("\"duration_ms\":NaN"), "duration_ms",
	    "not_a_number");
}

Test(fidelity, refuses_number_with_point_and_no_fraction)
{
	assert_refused(ev("\"metadata\":{\"n\":1.}"), "metadata.n",
	    "invalid_number");
}

Test(fidelity, refuses_number_without_integer_part)
{
	assert_refused(ev("\"metadata\":{\"n\":-.5}"), "metadata.n",
	    "invalid_number");
}

Test(fidelity, refuses_number_with_point_before_exponent)
{
	assert_refused(ev("\"metadata\":{\"n\":1.e5}"), "metadata.n",
	    "invalid_number");
}

Test(fidelity, refuses_integer_with_leading_zero)
{
	assert_refused(ev("\"metadata\":{\"n\":-01}"), "metadata.n",
	    "invalid_number");
	assert_refused(ev("\"metadata\":{\"n\":00}"), "metadata.n",
	    "invalid_number");
}

Test(fidelity, refuses_number_beyond_numeric)
{
	assert_refused(ev("\"metadata\":{\"n\":1e131072}"), "metadata.n",
	    "number_out_of_range");
	assert_refused(ev("\"metadata\":{\"n\":1e-16384}"), "metadata.n",
	    "number_out_of_range");
	assert_refused(ev("\"metadata\":{\"n\":1e99999999999999999999}"),
	    "metadata.n", "number_out_of_range");
}

Test(fidelity, refuses_number_printed_in_over_8192_characters)
{
	assert_refused(ev("\"metadata\":{\"n\":1e8200}"), "metadata.n",
	    "number_out_of_range");
}

Test(fidelity, counts_printed_numbers_in_metadata_size)
{
	assert_refused(ev("\"metadata\":{\"a\":1e5000,\"b\":1e5000}"),
	    "metadata", "too_large");
}

Test(fidelity, refuses_lone_high_surrogate_in_message)
{
	assert_refused(ev("\"message\":\"x\\ud800\""), "message",
	    "lone_surrogate");
}

Test(fidelity, refuses_lone_low_surrogate)
{
	assert_refused(ev("\"message\":\"\\udc00x\""), "message",
	    "lone_surrogate");
}

Test(fidelity, refuses_high_surrogate_before_other_escape)
{
	assert_refused(ev("\"message\":\"\\ud800\\u0041\""), "message",
	    "lone_surrogate");
}

Test(fidelity, refuses_surrogates_in_reverse_order)
{
	assert_refused(ev("\"message\":\"\\udc00\\ud800\""), "message",
	    "lone_surrogate");
}

Test(fidelity, refuses_lone_surrogate_in_metadata_value)
{
	assert_refused(ev("\"metadata\":{\"a\":[\"ok\",\"\\uDBFF\"]}"),
	    "metadata.a[1]", "lone_surrogate");
}

Test(fidelity, refuses_lone_surrogate_in_metadata_key)
{
	assert_refused(ev("\"metadata\":{\"k\\ud800\":1}"),
	    "metadata[\"k\xef\xbf\xbd\"]", "lone_surrogate");
}

Test(fidelity, refuses_lone_surrogate_in_event_type_once)
{
	assert_refused("{\"event_type\":\"\\ud800\"}", "event_type",
	    "lone_surrogate");
}

Test(fidelity, refuses_lone_surrogate_after_escaped_backslash)
{
	/* JSON "\\\ud800": a backslash, then the escape. */
	assert_refused(ev("\"message\":\"\\\\\\ud800\""), "message",
	    "lone_surrogate");
}

Test(fidelity, keeps_escaped_backslash_before_ud800_text)
{
	struct json_object	*row;

	/* JSON "\\ud800": a backslash, then the text ud800. */
	row = assert_accepted(ev("\"message\":\"\\\\ud800\""));
	cr_assert_str_eq(member_str(row, "message"), "\\ud800");
}

Test(fidelity, keeps_u_fffd_sent_as_such)
{
	struct json_object	*row;

	row = assert_accepted(ev("\"message\":\"\\ufffd\xef\xbf\xbd\""));
	cr_assert_str_eq(member_str(row, "message"),
	    "\xef\xbf\xbd\xef\xbf\xbd");
}

Test(fidelity, refuses_repeated_metadata_key)
{
	assert_refused(ev("\"metadata\":{\"a\":1,\"a\":2}"), "metadata",
	    "duplicate_key");
}

Test(fidelity, refuses_repeated_nested_key_naming_its_object)
{
	assert_refused(ev("\"metadata\":{\"a\":{\"b\":1,\"c\":2,\"b\":3}}"),
	    "metadata.a", "duplicate_key");
}

Test(fidelity, refuses_repeated_event_field)
{
	assert_refused("{\"event_type\":\"a\",\"event_type\":\"b\"}", NULL,
	    "duplicate_key");
}

Test(fidelity, refuses_created_at_before_year_1)
{
	assert_refused(ev("\"created_at\":\"0001-01-01T00:30:00+01:00\""),
	    "created_at", "invalid_timestamp");
}

Test(fidelity, accepts_created_at_of_year_1)
{
	assert_accepted(ev("\"created_at\":\"0001-01-01T00:00:00Z\""));
}

Test(fidelity, names_the_event_of_a_batch)
{
	expect(parse("[{\"event_type\":\"a\"},{\"event_type\":\"a\","
	    "\"metadata\":{\"n\":NaN}},{\"event_type\":\"a\",\"message\":"
	    "\"\\ud800\"}]"), AX_ERR_INVALID_EVENT);
	cr_assert_eq(ndetails(), 2, "%s", details_text());
	cr_assert(has_problem(1, "metadata.n", "not_a_number"), "%s",
	    details_text());
	cr_assert(has_problem(2, "message", "lone_surrogate"), "%s",
	    details_text());
}

Test(fidelity, walks_every_kind_of_value_and_whitespace)
{
	assert_metadata_kept(" { \"a\" : [ 1 , -2.5e3 , true , false , null ,"
	    " \"s\" , { } , [ ] ] , \"b\" : { \"c\" :"
	    " 123456789012345678901234567890 } } ",
	    "{\"a\":[1,-2.5e3,true,false,null,\"s\",{},[]],"
	    "\"b\":{\"c\":123456789012345678901234567890}}");
}

Test(ndjson, names_the_event_of_a_line)
{
	expect(parse_nd("{\"event_type\":\"a\"}\n\n"
	    "{\"event_type\":\"a\",\"metadata\":{\"n\":[Infinity]}}\n",
	    MAX_BATCH), AX_ERR_INVALID_EVENT);
	cr_assert_eq(ndetails(), 1, "%s", details_text());
	cr_assert(has_problem(1, "metadata.n[0]", "not_a_number"), "%s",
	    details_text());
}

Test(ndjson, keeps_long_integer_on_a_line)
{
	expect(parse_nd("{\"event_type\":\"a\",\"metadata\":"
	    "{\"n\":-99999999999999999999}}\r\n", MAX_BATCH), AX_OK);
	cr_assert_str_eq(json_object_to_json_string_ext(b.rows,
	    JSON_C_TO_STRING_PLAIN), "[{\"event_type\":\"a\",\"metadata\":"
	    "{\"n\":-99999999999999999999}}]");
}

Test(fidelity, refuses_repeated_key_whose_values_differ_in_kind)
{
	/* json-c keeps the last; the first is still read, and refused. */
	assert_refused(ev("\"metadata\":{\"a\":15,\"a\":\"s\"}"), "metadata",
	    "duplicate_key");
	assert_refused(ev("\"metadata\":{\"a\":[1,2,3],\"a\":[1]}"), "metadata",
	    "duplicate_key");
	assert_refused(ev("\"metadata\":{\"a\":{\"b\":1},\"a\":{\"c\":2}}"),
	    "metadata", "duplicate_key");
}

Test(fidelity, reads_values_below_a_repeated_key)
{
	expect(parse(ev("\"metadata\":{\"a\":[NaN,{\"x\":\"\\ud800\"}],"
	    "\"a\":{\"b\":1}}")), AX_ERR_INVALID_EVENT);
	cr_assert_eq(ndetails(), 3, "%s", details_text());
	cr_assert(has_problem(0, "metadata.a[0]", "not_a_number"), "%s",
	    details_text());
	cr_assert(has_problem(0, "metadata.a[1].x", "lone_surrogate"), "%s",
	    details_text());
	cr_assert(has_problem(0, "metadata", "duplicate_key"), "%s",
	    details_text());
}
