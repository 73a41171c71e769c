/*
 * test_send.c: the pure parts of axlog-send: a line to an event (ids,
 * created_at, the server's validator), batches and their limits, the
 * Retry-After header and backoff, gzip bodies the server can inflate,
 * the bounded line reader, the spool's file names and files, and what
 * each HTTP status leads to.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <json-c/json.h>

#include "batch.h"
#include "body.h"
#include "convert.h"
#include "deliver.h"
#include "event.h"
#include "gzip.h"
#include "linein.h"
#include "retry.h"
#include "spool.h"
#include "timefmt.h"

/* 2026-11-23T06:00:00Z */
#define NOW_US		(INT64_C(1795413600) * 1000000)
#define NOW_TEXT	"2026-11-23T06:00:00Z"

static const uint8_t rnd[CONVERT_RANDOM_BYTES] = {
	0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
	0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff,
};
#define RND_UUID	"00112233-4455-4677-8899-aabbccddeeff"

static char	*out;
static size_t	 outlen;
static char	 msg[400];

static void
reset(void)
{
	free(out);
	out = NULL;
	outlen = 0;
	msg[0] = '\0';
}

static enum convert_res
conv(const char *line, const char *event_type)
{
	reset();
	return convert_line(line, strlen(line), event_type, NOW_US, rnd, &out,
	    &outlen, msg, sizeof(msg));
}

/* A string member of the converted event, or NULL. */
static const char *
field(const char *name)
{
	static char		 buf[9000];
	struct json_object	*o, *v;
	const char		*r = NULL;

	if ((o = json_tokener_parse(out)) == NULL)
		return NULL;
	if (json_object_object_get_ex(o, name, &v) && v != NULL) {
		snprintf(buf, sizeof(buf), "%s", json_object_get_string(v));
		r = buf;
	}
	json_object_put(o);
	return r;
}

static int
members(void)
{
	struct json_object	*o;
	int			 n;

	if ((o = json_tokener_parse(out)) == NULL)
		return -1;
	n = json_object_object_length(o);
	json_object_put(o);
	return n;
}

TestSuite(convert, .fini = reset);

Test(convert, uuid4_sets_version_and_variant)
{
	char	id[CONVERT_UUID_LEN + 1];

	convert_uuid4(rnd, id);
	cr_assert_str_eq(id, RND_UUID);
	cr_assert(event_uuid_valid(id, strlen(id)));
}

Test(convert, event_without_id_gets_id_and_created_at)
{
	cr_assert_eq(conv("{\"event_type\":\"a.b\",\"message\":\"hi\"}", NULL),
	    CONVERT_OK);
	cr_assert_str_eq(field("id"), RND_UUID);
	cr_assert_str_eq(field("created_at"), NOW_TEXT);
	cr_assert_str_eq(field("message"), "hi");
	cr_assert_eq(strlen(out), outlen);
	cr_assert_null(strchr(out, '\n'));
}

Test(convert, created_at_of_the_event_is_kept)
{
	cr_assert_eq(conv("{\"event_type\":\"a\",\"created_at\":"
	    "\"2026-11-22T01:02:03+02:00\"}", NULL), CONVERT_OK);
	cr_assert_str_eq(field("created_at"), "2026-11-22T01:02:03+02:00");
	cr_assert_str_eq(field("id"), RND_UUID);
}

Test(convert, id_and_created_at_of_the_event_are_kept)
{
	cr_assert_eq(conv("{\"event_type\":\"a\",\"id\":\"6b1f0e4c-1d2a-4d8e-"
	    "9a53-2f1c7e9b0a11\",\"created_at\":\"2026-11-22T00:00:00Z\"}",
	    NULL), CONVERT_OK);
	cr_assert_str_eq(field("id"), "6b1f0e4c-1d2a-4d8e-9a53-2f1c7e9b0a11");
	cr_assert_str_eq(field("created_at"), "2026-11-22T00:00:00Z");
	cr_assert_eq(members(), 3);
}

Test(convert, null_id_counts_as_absent)
{
	cr_assert_eq(conv("{\"event_type\":\"a\",\"id\":null,"
	    "\"created_at\":null}", NULL), CONVERT_OK);
	cr_assert_str_eq(field("id"), RND_UUID);
	cr_assert_str_eq(field("created_at"), NOW_TEXT);
	cr_assert_eq(members(), 3);
}

Test(convert, id_without_created_at_is_refused)
{
	cr_assert_eq(conv("{\"event_type\":\"a\",\"id\":\"6b1f0e4c-1d2a-4d8e-"
	    "9a53-2f1c7e9b0a11\"}", NULL), CONVERT_INVALID);
	cr_assert_str_eq(msg, "created_at: required_with_id");
	cr_assert_null(out);
}

Test(convert, every_problem_of_a_line_is_named)
{
	cr_assert_eq(conv("{\"colour\":\"red\",\"success\":1}", NULL),
	    CONVERT_INVALID);
	cr_assert(strstr(msg, "colour: unknown_field") != NULL, "%s", msg);
	cr_assert(strstr(msg, "success: wrong_type") != NULL, "%s", msg);
	cr_assert(strstr(msg, "event_type: missing") != NULL, "%s", msg);
}

Test(convert, array_line_is_refused)
{
	cr_assert_eq(conv("[{\"event_type\":\"a\"}]", NULL), CONVERT_INVALID);
	cr_assert(strstr(msg, "not a JSON object") != NULL);
}

Test(convert, broken_json_is_refused)
{
	cr_assert_eq(conv("{\"event_type\":\"a\"", NULL), CONVERT_INVALID);
	cr_assert_eq(conv("{\"event_type\":\"a\"} {}", NULL), CONVERT_INVALID);
	cr_assert_eq(conv("{\"event_type\":\"a\\u0000\"}", NULL),
	    CONVERT_INVALID);
}

Test(convert, future_created_at_is_refused)
{
	cr_assert_eq(conv("{\"event_type\":\"a\",\"created_at\":"
	    "\"2026-11-23T06:06:00Z\"}", NULL), CONVERT_INVALID);
	cr_assert_str_eq(msg, "created_at: in_future");
}

Test(convert, blank_lines_are_skipped)
{
	cr_assert_eq(conv("", NULL), CONVERT_BLANK);
	cr_assert_eq(conv(" \t ", NULL), CONVERT_BLANK);
	cr_assert_eq(conv("  ", "t"), CONVERT_BLANK);
}

Test(convert, lines_mode_makes_message_events)
{
	cr_assert_eq(conv("GET /index.html \"quoted\" \\ back\tslash",
	    "web.access"), CONVERT_OK);
	cr_assert_str_eq(field("event_type"), "web.access");
	cr_assert_str_eq(field("message"),
	    "GET /index.html \"quoted\" \\ back\tslash");
	cr_assert_str_eq(field("id"), RND_UUID);
	cr_assert_str_eq(field("created_at"), NOW_TEXT);
	cr_assert_eq(members(), 4);
}

Test(convert, lines_mode_takes_json_looking_lines_as_text)
{
	cr_assert_eq(conv("{\"event_type\":\"x\"}", "t"), CONVERT_OK);
	cr_assert_str_eq(field("event_type"), "t");
	cr_assert_str_eq(field("message"), "{\"event_type\":\"x\"}");
}

Test(convert, lines_mode_refuses_bad_utf8_and_nul)
{
	static const char	nul[] = "a\0b";

	cr_assert_eq(conv("caf\xe9", "t"), CONVERT_INVALID);
	reset();
	cr_assert_eq(convert_line(nul, sizeof(nul) - 1, "t", NOW_US, rnd,
	    &out, &outlen, msg, sizeof(msg)), CONVERT_INVALID);
}

Test(convert, lines_mode_refuses_a_message_over_8_kib)
{
	char	*big = malloc(EVENT_MAX_MESSAGE + 2);

	memset(big, 'x', EVENT_MAX_MESSAGE + 1);
	big[EVENT_MAX_MESSAGE + 1] = '\0';
	cr_assert_eq(conv(big, "t"), CONVERT_INVALID);
	big[EVENT_MAX_MESSAGE] = '\0';
	cr_assert_eq(conv(big, "t"), CONVERT_OK);
	free(big);
}

Test(convert, output_passes_the_server_validator)
{
	struct event_batch	b;

	cr_assert_eq(conv("{\"event_type\":\"a\",\"metadata\":{\"k\":[1,2.5,"
	    "\"/x\"]},\"duration_ms\":12.5,\"message\":\"h\\u00e9\"}", NULL),
	    CONVERT_OK);
	cr_assert_eq(event_parse(out, outlen, BODY_NDJSON, 1, NOW_US, &b),
	    AX_OK);
	cr_assert_eq(b.n, 1);
	event_batch_free(&b);
	cr_assert_str_eq(field("message"), "h\xc3\xa9");
}

/* Batches */

static char *
dup_event(const char *s)
{
	char	*p = strdup(s);

	cr_assert_not_null(p);
	return p;
}

Test(batch, count_limit_makes_it_full)
{
	struct batch	*b = batch_new(2, 1000);
	char		*e = dup_event("{}");

	cr_assert_eq(batch_add(b, dup_event("{}"), 2, "f", 1), BATCH_OK);
	cr_assert_eq(batch_add(b, dup_event("{}"), 2, "f", 2), BATCH_OK);
	cr_assert_eq(batch_add(b, e, 2, "f", 3), BATCH_FULL);
	cr_assert_eq(batch_count(b), 2);
	batch_clear(b);
	cr_assert_eq(batch_add(b, e, 2, "f", 3), BATCH_OK);
	cr_assert_eq(batch_count(b), 1);
	batch_free(b);
}

Test(batch, byte_limit_counts_the_newlines)
{
	struct batch	*b = batch_new(100, 10);
	char		*e = dup_event("abcd");

	cr_assert_eq(batch_add(b, dup_event("abcd"), 4, "f", 1), BATCH_OK);
	cr_assert_eq(batch_add(b, dup_event("abcd"), 4, "f", 2), BATCH_OK);
	cr_assert_eq(batch_add(b, e, 4, "f", 3), BATCH_FULL);	/* 15 > 10 */
	free(e);
	batch_free(b);
}

Test(batch, an_event_over_the_byte_limit_goes_alone)
{
	struct batch	*b = batch_new(100, 4);
	char		*e = dup_event("x");

	cr_assert_eq(batch_add(b, dup_event("abcdefgh"), 8, "f", 1), BATCH_OK);
	cr_assert_eq(batch_add(b, e, 1, "f", 2), BATCH_FULL);
	free(e);
	batch_free(b);
}

Test(batch, body_is_ndjson_of_the_range)
{
	struct batch	*b = batch_new(10, 1000);
	char		*body;
	size_t		 len;

	batch_add(b, dup_event("{\"a\":1}"), 7, "f", 1);
	batch_add(b, dup_event("{\"b\":2}"), 7, "f", 2);
	batch_add(b, dup_event("{\"c\":3}"), 7, "f", 3);
	body = batch_body(b, 1, 3, &len);
	cr_assert_str_eq(body, "{\"b\":2}\n{\"c\":3}\n");
	cr_assert_eq(len, 16);
	free(body);
	batch_free(b);
}

Test(batch, where_names_the_lines)
{
	struct batch	*b = batch_new(10, 1000);
	char		 w[100];

	batch_add(b, dup_event("1"), 1, "stdin", 7);
	batch_add(b, dup_event("2"), 1, "stdin", 9);
	batch_add(b, dup_event("3"), 1, "b.ndjson", 2);
	batch_where(b, 0, 1, w, sizeof(w));
	cr_assert_str_eq(w, "stdin:7");
	batch_where(b, 0, 2, w, sizeof(w));
	cr_assert_str_eq(w, "stdin:7-9");
	batch_where(b, 1, 3, w, sizeof(w));
	cr_assert_str_eq(w, "stdin:9-b.ndjson:2");
	batch_free(b);
}

/* Retry-After and backoff */

static long
after(const char *s, time_t now)
{
	long	secs = -42;

	return retry_after_parse(s, strlen(s), now, &secs) == 0 ? secs : -1;
}

Test(retry, delay_seconds)
{
	cr_assert_eq(after("0", 0), 0);
	cr_assert_eq(after("5", 0), 5);
	cr_assert_eq(after(" 120\r\n", 0), 120);
	cr_assert_eq(after("99999999999999999999999", 0), RETRY_AFTER_MAX);
}

Test(retry, malformed_values_are_ignored)
{
	cr_assert_eq(after("", 0), -1);
	cr_assert_eq(after(" ", 0), -1);
	cr_assert_eq(after("-1", 0), -1);
	cr_assert_eq(after("1.5", 0), -1);
	cr_assert_eq(after("5s", 0), -1);
	cr_assert_eq(after("soon", 0), -1);
}

Test(retry, http_date_is_relative_to_now)
{
	/* Sun, 06 Nov 1994 08:49:37 GMT = 784111777 (RFC 9110 §5.6.7) */
	cr_assert_eq(after("Sun, 06 Nov 1994 08:49:37 GMT", 784111777 - 30),
	    30);
	cr_assert_eq(after("Sunday, 06-Nov-94 08:49:37 GMT", 784111777 - 30),
	    30);
	cr_assert_eq(after("Sun Nov  6 08:49:37 1994", 784111777 - 30), 30);
	cr_assert_eq(after("Sun, 06 Nov 1994 08:49:37 GMT", 784111777 + 30), 0);
}

Test(retry, backoff_doubles_with_jitter_up_to_the_cap)
{
	unsigned	n;
	uint32_t	r;
	long		lo, hi, cap = RETRY_BASE_MS, ms;

	for (n = 1; n < 40; n++, cap = cap * 2 < RETRY_CAP_MS ? cap * 2 :
	    RETRY_CAP_MS) {
		lo = hi = retry_backoff_ms(n, 0);
		for (r = 1; r < 2000; r += 7) {
			ms = retry_backoff_ms(n, r * 2654435761u);
			lo = ms < lo ? ms : lo;
			hi = ms > hi ? ms : hi;
		}
		cr_assert_eq(lo, cap / 2, "n=%u", n);
		cr_assert_leq(hi, cap, "n=%u", n);
		cr_assert_gt(hi, lo, "n=%u: no jitter", n);
	}
	cr_assert_eq(retry_backoff_ms(1, UINT32_MAX) <= RETRY_BASE_MS, 1);
}

/* gzip */

Test(gzip, the_server_inflates_what_we_compress)
{
	char	*in, *gz, *back;
	size_t	 i, n = 200000, gzlen, backlen;

	in = malloc(n);
	for (i = 0; i < n; i++)
		in[i] = "{\"event_type\":\"x\"}\n"[i % 19];
	cr_assert_eq(gzip_compress(in, n, &gz, &gzlen), GZIP_OK);
	cr_assert_lt(gzlen, n / 10);
	cr_assert_eq((unsigned char)gz[0], 0x1f);
	cr_assert_eq((unsigned char)gz[1], 0x8b);
	cr_assert_eq(body_gunzip(gz, gzlen, n, &back, &backlen), AX_OK);
	cr_assert_eq(backlen, n);
	cr_assert_eq(memcmp(in, back, n), 0);
	free(in);
	free(gz);
	free(back);
}

Test(gzip, empty_input)
{
	char	*gz, *back;
	size_t	 gzlen, backlen;

	cr_assert_eq(gzip_compress("", 0, &gz, &gzlen), GZIP_OK);
	cr_assert_eq(body_gunzip(gz, gzlen, 10, &back, &backlen), AX_OK);
	cr_assert_eq(backlen, 0);
	free(gz);
	free(back);
}

/* The line reader */

static char tmpdir[] = "/tmp/test_send.XXXXXX";

static void
mktmp(void)
{
	cr_assert_not_null(mkdtemp(tmpdir));
}

static void
rmtmp(void)
{
	DIR		*d;
	struct dirent	*e;
	char		 p[512];

	if ((d = opendir(tmpdir)) == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(p, sizeof(p), "%s/%s", tmpdir, e->d_name);
		unlink(p);
	}
	closedir(d);
	rmdir(tmpdir);
	strcpy(tmpdir, "/tmp/test_send.XXXXXX");
}

static const char *
write_file(const char *name, const char *data, size_t len)
{
	static char	 p[512];
	FILE		*f;

	snprintf(p, sizeof(p), "%s/%s", tmpdir, name);
	cr_assert_not_null(f = fopen(p, "w"));
	cr_assert_eq(fwrite(data, 1, len, f), len);
	cr_assert_eq(fclose(f), 0);
	return p;
}

TestSuite(linein, .init = mktmp, .fini = rmtmp);

Test(linein, lines_crlf_nul_and_no_final_newline)
{
	static const char	 data[] = "one\r\n\ntw\0o\nthree";
	struct linein		*in;
	const char		*l;
	size_t			 len, no;

	cr_assert_not_null(in = linein_open(write_file("a", data,
	    sizeof(data) - 1)));
	cr_assert_eq(linein_next(in, &l, &len, &no), LINEIN_OK);
	cr_assert_eq(len, 3);
	cr_assert_str_eq(l, "one");
	cr_assert_eq(linein_next(in, &l, &len, &no), LINEIN_OK);
	cr_assert_eq(len, 0);
	cr_assert_eq(no, 2);
	cr_assert_eq(linein_next(in, &l, &len, &no), LINEIN_OK);
	cr_assert_eq(len, 4);
	cr_assert_eq(memcmp(l, "tw\0o", 4), 0);
	cr_assert_eq(linein_next(in, &l, &len, &no), LINEIN_OK);
	cr_assert_str_eq(l, "three");
	cr_assert_eq(no, 4);
	cr_assert_eq(linein_next(in, &l, &len, &no), LINEIN_EOF);
	linein_free(in);
}

Test(linein, a_long_line_is_skipped_not_cut)
{
	size_t		 n = LINEIN_MAX + 10, len, no;
	char		*data = malloc(n + 8);
	struct linein	*in;
	const char	*l;

	memset(data, 'x', n);
	memcpy(data + n, "\nnext\n", 6);
	cr_assert_not_null(in = linein_open(write_file("b", data, n + 6)));
	cr_assert_eq(linein_next(in, &l, &len, &no), LINEIN_TOO_LONG);
	cr_assert_eq(no, 1);
	cr_assert_eq(linein_next(in, &l, &len, &no), LINEIN_OK);
	cr_assert_str_eq(l, "next");
	cr_assert_eq(no, 2);
	cr_assert_eq(linein_next(in, &l, &len, &no), LINEIN_EOF);
	linein_free(in);
	free(data);
}

Test(linein, a_line_of_exactly_the_limit_is_read)
{
	size_t		 len, no;
	char		*data = malloc(LINEIN_MAX + 2);
	struct linein	*in;
	const char	*l;

	memset(data, 'y', LINEIN_MAX);
	memcpy(data + LINEIN_MAX, "\r\n", 2);
	cr_assert_not_null(in = linein_open(write_file("c", data,
	    LINEIN_MAX + 2)));
	cr_assert_eq(linein_next(in, &l, &len, &no), LINEIN_OK);
	cr_assert_eq(len, LINEIN_MAX);
	linein_free(in);
	free(data);
}

/* The spool */

TestSuite(spool, .init = mktmp, .fini = rmtmp);

Test(spool, names_sort_in_time_order)
{
	char	a[SPOOL_NAME_LEN], b[SPOOL_NAME_LEN], c[SPOOL_NAME_LEN];

	spool_name(INT64_C(999999999), 99999, 0, a);
	spool_name(INT64_C(1000000000), 1, 0, b);
	spool_name(INT64_C(1000000000), 1, 1, c);
	cr_assert_lt(strcmp(a, b), 0);
	cr_assert_lt(strcmp(b, c), 0);
	cr_assert_str_eq(b, "axlog-send-00000000001000000000-1-0.ndjson");
}

Test(spool, write_list_read_remove)
{
	static const char	 body1[] = "{\"event_type\":\"a\"}\n";
	static const char	 body2[] = "{\"event_type\":\"b\"}\n";
	struct spool		*sp;
	struct stat		 st;
	char			 name[512], **paths, buf[64];
	size_t			 n;
	FILE			*f;

	cr_assert_eq(spool_open(tmpdir, &sp), SPOOL_OK);
	cr_assert(spool_owner(sp));
	cr_assert_eq(spool_write(sp, body1, strlen(body1), name,
	    sizeof(name)), SPOOL_OK);
	cr_assert_eq(stat(name, &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0600);
	cr_assert_eq(spool_write(sp, body2, strlen(body2), NULL, 0), SPOOL_OK);
	write_file(".tmp-leftover", "x", 1);
	write_file("unrelated.txt", "x", 1);
	cr_assert_eq(spool_list(sp, &paths, &n), SPOOL_OK);
	cr_assert_eq(n, 2);
	cr_assert_str_eq(paths[0], name);
	cr_assert_not_null(f = fopen(paths[1], "r"));
	cr_assert_not_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	cr_assert_str_eq(buf, body2);
	cr_assert_eq(spool_remove(sp, paths[0]), SPOOL_OK);
	cr_assert_eq(spool_remove(sp, paths[0]), SPOOL_OK);	/* gone: fine */
	spool_list_free(paths, n);
	cr_assert_eq(spool_list(sp, &paths, &n), SPOOL_OK);
	cr_assert_eq(n, 1);
	spool_list_free(paths, n);
	spool_free(sp);
}

Test(spool, refuses_a_directory_others_may_write_or_own)
{
	struct spool	*sp;

	cr_assert_eq(chmod(tmpdir, 0770), 0);
	cr_assert_eq(spool_open(tmpdir, &sp), SPOOL_ERR_UNSAFE);
	cr_assert_null(sp);
	cr_assert_eq(chmod(tmpdir, 0702), 0);
	cr_assert_eq(spool_open(tmpdir, &sp), SPOOL_ERR_UNSAFE);
	cr_assert_eq(chmod(tmpdir, 0755), 0);
	cr_assert_eq(spool_open(tmpdir, &sp), SPOOL_OK);
	spool_free(sp);
	if (geteuid() == 0) {
		/* Another user's directory, even a private one. */
		cr_assert_eq(chmod(tmpdir, 0700), 0);
		cr_assert_eq(chown(tmpdir, 65534, 65534), 0);
		cr_assert_eq(spool_open(tmpdir, &sp), SPOOL_ERR_UNSAFE);
		cr_assert_eq(chown(tmpdir, 0, 0), 0);
	}
	cr_assert_eq(chmod(tmpdir, 0700), 0);
}

Test(spool, a_second_run_does_not_own_it)
{
	struct spool	*a, *b;

	cr_assert_eq(spool_open(tmpdir, &a), SPOOL_OK);
	cr_assert_eq(spool_open(tmpdir, &b), SPOOL_OK);
	cr_assert(spool_owner(a));
	cr_assert_not(spool_owner(b));
	spool_free(a);
	spool_free(b);
	cr_assert_eq(spool_open(tmpdir, &b), SPOOL_OK);
	cr_assert(spool_owner(b));
	spool_free(b);
}

Test(spool, a_missing_directory_is_made)
{
	struct spool	*sp;
	struct stat	 st;
	char		 d[600];

	snprintf(d, sizeof(d), "%s/sub", tmpdir);
	cr_assert_eq(spool_open(d, &sp), SPOOL_OK);
	cr_assert_eq(stat(d, &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0700);
	spool_free(sp);
	snprintf(d, sizeof(d), "%s/sub/.lock", tmpdir);
	unlink(d);
	snprintf(d, sizeof(d), "%s/sub", tmpdir);
	rmdir(d);
}

/* What an answer leads to */

Test(deliver, statuses_map_to_actions)
{
	cr_assert_eq(deliver_classify(200), DELIVER_STORED);
	cr_assert_eq(deliver_classify(400), DELIVER_SPLIT);
	cr_assert_eq(deliver_classify(413), DELIVER_SPLIT);
	cr_assert_eq(deliver_classify(0), DELIVER_RETRY);
	cr_assert_eq(deliver_classify(408), DELIVER_RETRY);
	cr_assert_eq(deliver_classify(429), DELIVER_RETRY);
	cr_assert_eq(deliver_classify(500), DELIVER_RETRY);
	cr_assert_eq(deliver_classify(502), DELIVER_RETRY);
	cr_assert_eq(deliver_classify(503), DELIVER_RETRY);
	cr_assert_eq(deliver_classify(401), DELIVER_DENIED);
	cr_assert_eq(deliver_classify(403), DELIVER_DENIED);
	cr_assert_eq(deliver_classify(202), DELIVER_UNEXPECTED);
	cr_assert_eq(deliver_classify(301), DELIVER_UNEXPECTED);
	cr_assert_eq(deliver_classify(404), DELIVER_UNEXPECTED);
	cr_assert_eq(deliver_classify(415), DELIVER_UNEXPECTED);
}
