/*
 * test_ship.c: the shippers' mapping (shipmap.c) and the OTLP and Loki
 * adapters' parsing, with each mapped event checked by the /ingest
 * validator (event.c) as the server does: times, deterministic ids,
 * event types and success from severities, metadata, and the refusals
 * of one record or of the whole request.
 */
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "event.h"
#include "loki.h"
#include "otlp.h"
#include "shipmap.h"

#define NOW_US	INT64_C(1795000000000000)	/* 2026-11-19 */
#define MAXEV	16

/* What the adapters handed on: valid events, parsed back. */
static struct json_object	*got[MAXEV];
static size_t			 ngot;

static void
release(void)
{
	size_t	i;

	for (i = 0; i < ngot; i++)
		json_object_put(got[i]);
	ngot = 0;
}

TestSuite(shipmap);
TestSuite(otlp, .fini = release);
TestSuite(loki, .fini = release);

/* A ship_add_fn: validate as the server does, keep the valid ones. */
static int
add(void *arg, const char *text, size_t len, char *why, size_t size)
{
	struct event_batch	b;
	enum ax_err		e;

	(void)arg;
	e = event_parse(text, len, BODY_JSON, 1, NOW_US, &b);
	if (e != AX_OK) {
		snprintf(why, size, "%s", b.message);
		event_batch_free(&b);
		return 1;
	}
	event_batch_free(&b);
	cr_assert_lt(ngot, MAXEV);
	got[ngot++] = json_tokener_parse(text);
	return 0;
}

static const char *
str(struct json_object *o, const char *path)
{
	char			 buf[128], *save, *k;
	struct json_object	*v = o;

	snprintf(buf, sizeof(buf), "%s", path);
	for (k = strtok_r(buf, "/", &save); k != NULL && v != NULL;
	    k = strtok_r(NULL, "/", &save))
		v = json_object_object_get(v, k);
	return v != NULL ? json_object_get_string(v) : NULL;
}

static enum ax_err
run_otlp(const char *body, struct ship_tally *t, size_t max)
{
	char	msg[200];

	ship_tally_init(t, add, NULL, NOW_US, max);
	return otlp_parse_body(body, strlen(body), t, msg, sizeof(msg));
}

static enum ax_err
run_loki(const char *body, struct ship_tally *t)
{
	char	msg[200];

	ship_tally_init(t, add, NULL, NOW_US, 100);
	return loki_parse_body(body, strlen(body), t, msg, sizeof(msg));
}

Test(shipmap, nanoseconds)
{
	int64_t	us;

	cr_assert_eq(shipmap_ns("1795000000123456789", 19, &us), 0);
	cr_assert_eq(us, INT64_C(1795000000123456));
	cr_assert_eq(shipmap_ns("0", 1, &us), 0);
	cr_assert_eq(shipmap_ns("", 0, &us), -1);
	cr_assert_eq(shipmap_ns("12a", 3, &us), -1);
	cr_assert_eq(shipmap_ns("-5", 2, &us), -1);
	cr_assert_eq(shipmap_ns("99999999999999999999", 20, &us), -1);
	cr_assert_eq(shipmap_ns("9999999999999999999", 19, &us), -1,
	    "over int64");
}

Test(shipmap, ids)
{
	char	a[SHIPMAP_UUID_LEN], b[SHIPMAP_UUID_LEN], c[SHIPMAP_UUID_LEN];

	shipmap_id("2026-11-19T00:00:00Z", "{\"x\":1}", 7, a);
	shipmap_id("2026-11-19T00:00:00Z", "{\"x\":1}", 7, b);
	shipmap_id("2026-11-19T00:00:01Z", "{\"x\":1}", 7, c);
	cr_assert_str_eq(a, b, "the same record, the same id");
	cr_assert_str_neq(a, c, "another time, another id");
	cr_assert(event_uuid_valid(a, strlen(a)));
	cr_assert_eq(a[14], '8', "version 8");
	cr_assert(strchr("89ab", a[19]) != NULL, "RFC 9562 variant");
}

static const char otlp_body[] =
    "{\"resourceLogs\":[{\"resource\":{\"attributes\":[{\"key\":"
    "\"service.name\",\"value\":{\"stringValue\":\"shop\"}}]},"
    "\"scopeLogs\":[{\"scope\":{\"name\":\"web\",\"version\":\"1.2\"},"
    "\"logRecords\":[{\"timeUnixNano\":\"1794999999000000000\","
    "\"observedTimeUnixNano\":\"1794999999500000000\","
    "\"severityNumber\":17,\"severityText\":\"ERROR\",\"body\":"
    "{\"stringValue\":\"payment failed\"},\"attributes\":[{\"key\":\"n\","
    "\"value\":{\"intValue\":\"42\"}},{\"key\":\"duration_ms\",\"value\":"
    "{\"doubleValue\":12.5}},{\"key\":\"kv\",\"value\":{\"kvlistValue\":"
    "{\"values\":[{\"key\":\"a\",\"value\":{\"arrayValue\":{\"values\":"
    "[{\"boolValue\":true}]}}}]}}}],\"traceId\":"
    "\"5b8efff798038103d269b633813fc60c\",\"spanId\":\"eee19b7ec3c1b174\","
    "\"unknownField\":1},"
    "{\"observedTimeUnixNano\":\"1794999998000000000\",\"severityNumber\":9,"
    "\"eventName\":\"user.signup\",\"body\":{\"stringValue\":\"hi\"}},"
    "{\"severityText\":\"warning\",\"body\":{\"kvlistValue\":{\"values\":"
    "[{\"key\":\"k\",\"value\":{\"stringValue\":\"v\"}}]}}}"
    "]}]}]}";

Test(otlp, maps_each_record)
{
	struct ship_tally	t;

	cr_assert_eq(run_otlp(otlp_body, &t, 100), AX_OK);
	cr_assert_eq(t.records, 3);
	cr_assert_eq(t.refused, 0);
	cr_assert_eq(ngot, 3);
	cr_assert_str_eq(str(got[0], "event_type"), "log.error");
	cr_assert_str_eq(str(got[0], "success"), "false");
	cr_assert_str_eq(str(got[0], "message"), "payment failed");
	cr_assert_str_eq(str(got[0], "created_at"), "2026-11-18T11:06:39Z");
	cr_assert_str_eq(str(got[0], "duration_ms"), "12.5");
	cr_assert_str_eq(str(got[0], "metadata/resource/service.name"), "shop");
	cr_assert_str_eq(str(got[0], "metadata/scope/name"), "web");
	cr_assert_str_eq(str(got[0], "metadata/attributes/n"), "42");
	cr_assert(json_object_is_type(json_object_object_get(
	    json_object_object_get(json_object_object_get(got[0], "metadata"),
	    "attributes"), "n"), json_type_int), "intValue as a number");
	cr_assert_str_eq(str(got[0], "metadata/attributes/kv/a"), "[ true ]");
	cr_assert_null(str(got[0], "metadata/attributes/duration_ms"));
	cr_assert_str_eq(str(got[0], "metadata/trace_id"),
	    "5b8efff798038103d269b633813fc60c");
	cr_assert_not_null(str(got[0], "id"));
	/* eventName wins; the observed time stands in for the time */
	cr_assert_str_eq(str(got[1], "event_type"), "user.signup");
	cr_assert_null(str(got[1], "success"));
	cr_assert_str_eq(str(got[1], "created_at"), "2026-11-18T11:06:38Z");
	/* no time at all: the receipt's, and no id */
	cr_assert_str_eq(str(got[2], "event_type"), "log.warn");
	cr_assert_null(str(got[2], "id"));
	cr_assert_null(str(got[2], "message"));
	cr_assert_str_eq(str(got[2], "metadata/body/k"), "v");
}

Test(otlp, resend_same_ids)
{
	struct ship_tally	t;
	char			id0[64], id1[64];

	cr_assert_eq(run_otlp(otlp_body, &t, 100), AX_OK);
	snprintf(id0, sizeof(id0), "%s", str(got[0], "id"));
	snprintf(id1, sizeof(id1), "%s", str(got[1], "id"));
	cr_assert_str_neq(id0, id1);
	release();
	cr_assert_eq(run_otlp(otlp_body, &t, 100), AX_OK);
	cr_assert_str_eq(str(got[0], "id"), id0);
	cr_assert_str_eq(str(got[1], "id"), id1);
}

Test(otlp, refuses_one_record)
{
	struct ship_tally	t;
	const char		*body = "{\"resourceLogs\":[{\"scopeLogs\":"
	    "[{\"logRecords\":[{\"timeUnixNano\":\"soon\"},"
	    "{\"timeUnixNano\":\"1794999999000000000\",\"body\":"
	    "{\"stringValue\":\"ok\"}},"
	    "{\"timeUnixNano\":\"1894999999000000000\"}]}]}]}";

	cr_assert_eq(run_otlp(body, &t, 100), AX_OK);
	cr_assert_eq(t.records, 3);
	cr_assert_eq(t.refused, 2, "a bad time, a time in the future");
	cr_assert_eq(t.first_refused, 0);
	cr_assert_eq(ngot, 1);
	cr_assert_str_eq(str(got[0], "message"), "ok");
}

Test(otlp, whole_request)
{
	struct ship_tally	t;

	cr_assert_eq(run_otlp("{}", &t, 100), AX_OK);
	cr_assert_eq(t.records, 0);
	cr_assert_eq(run_otlp("{\"resourceLogs\":[]}\n", &t, 100), AX_OK);
	cr_assert_eq(run_otlp("{\"resourceLogs\":{}}", &t, 100),
	    AX_ERR_INVALID_JSON);
	cr_assert_eq(run_otlp("{\"resourceLogs\":[", &t, 100),
	    AX_ERR_INVALID_JSON);
	cr_assert_eq(run_otlp("[1]", &t, 100), AX_ERR_INVALID_JSON);
	cr_assert_eq(run_otlp("{} {}", &t, 100), AX_ERR_INVALID_JSON);
	cr_assert_eq(run_otlp("{\"a\":\"\xff\"}", &t, 100),
	    AX_ERR_INVALID_ENCODING);
	cr_assert_eq(run_otlp(otlp_body, &t, 2), AX_ERR_TOO_LARGE);
}

static const char loki_body[] =
    "{\"streams\":[{\"stream\":{\"app\":\"shop\",\"level\":\"error\"},"
    "\"values\":[[\"1794999999000000000\",\"boom\"],"
    "[\"1794999999000000001\",\"slow\",{\"duration_ms\":\"250\","
    "\"trace_id\":\"abc\"}],[\"x\",\"bad time\"],[1,\"not a string\"]]},"
    "{\"stream\":{\"event_type\":\"job.run\"},\"values\":"
    "[[\"1794999999000000000\",\"ran\"]]},"
    "{\"stream\":{},\"values\":[[\"1794999999000000000\",\"plain\"]]}]}";

Test(loki, maps_each_line)
{
	struct ship_tally	t;

	cr_assert_eq(run_loki(loki_body, &t), AX_OK);
	cr_assert_eq(t.records, 6);
	cr_assert_eq(t.refused, 2);
	cr_assert_eq(t.first_refused, 2);
	cr_assert_eq(ngot, 4);
	cr_assert_str_eq(str(got[0], "event_type"), "log.error");
	cr_assert_str_eq(str(got[0], "success"), "false");
	cr_assert_str_eq(str(got[0], "message"), "boom");
	cr_assert_str_eq(str(got[0], "metadata/labels/app"), "shop");
	cr_assert_str_eq(str(got[1], "created_at"),
	    "2026-11-18T11:06:39Z", "nanoseconds below a microsecond cut");
	cr_assert_str_eq(str(got[1], "duration_ms"), "250.0");
	cr_assert_str_eq(str(got[1], "metadata/structured_metadata/trace_id"),
	    "abc");
	cr_assert_str_neq(str(got[0], "id"), str(got[1], "id"));
	cr_assert_str_eq(str(got[2], "event_type"), "job.run");
	cr_assert_null(str(got[2], "success"));
	cr_assert_str_eq(str(got[3], "event_type"), "log");
	cr_assert_null(str(got[3], "metadata"));
}

Test(loki, whole_request)
{
	struct ship_tally	t;

	cr_assert_eq(run_loki("{\"streams\":[]}", &t), AX_OK);
	cr_assert_eq(t.records, 0);
	cr_assert_eq(run_loki("{}", &t), AX_ERR_INVALID_JSON);
	cr_assert_eq(run_loki("{\"streams\":[{\"stream\":{\"a\":1},"
	    "\"values\":[]}]}", &t), AX_ERR_INVALID_JSON);
	cr_assert_eq(run_loki("nope", &t), AX_ERR_INVALID_JSON);
}
