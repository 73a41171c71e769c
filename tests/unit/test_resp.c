/*
 * test_resp.c: responses as a CGI/FastCGI program writes them: status
 * line, headers, Content-Length agreeing with the body, HEAD, header
 * injection refusals, the error table, write failures, server_dispatch's
 * fallbacks, and the database error classes feeding that table.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <json-c/json.h>

#include "db.h"
#include "req.h"
#include "resp.h"
#include "server.h"

/* Everything written, in one growing buffer. */
struct mem_writer {
	char	*buf;
	size_t	 len;
	int	 calls;
	int	 fail_at;	/* fail the n-th call (1-based); 0 never */
};

static ssize_t
mem_write(void *io, const char *buf, size_t n)
{
	struct mem_writer	*w = io;
	char			*nb;

	w->calls++;
	if (w->fail_at != 0 && w->calls >= w->fail_at)
		return -1;
	if ((nb = realloc(w->buf, w->len + n + 1)) == NULL)
		return -1;
	w->buf = nb;
	memcpy(w->buf + w->len, buf, n);
	w->len += n;
	w->buf[w->len] = '\0';
	return (ssize_t)n;
}

static void
writer_free(struct mem_writer *w)
{
	free(w->buf);
	w->buf = NULL;
	w->len = 0;
}

/* The output split at the blank line: head (with its CRLFs) and body. */
struct parsed {
	char	head[2048];
	char	*body;		/* into the writer's buffer */
	size_t	 body_len;
};

static void
parse(const struct mem_writer *w, struct parsed *out)
{
	const char	*sep;
	size_t		 hl;

	cr_assert_not_null(w->buf, "nothing written");
	sep = strstr(w->buf, "\r\n\r\n");
	cr_assert_not_null(sep, "no blank line after the headers");
	hl = (size_t)(sep - w->buf) + 2;
	cr_assert_lt(hl, sizeof(out->head));
	memcpy(out->head, w->buf, hl);
	out->head[hl] = '\0';
	out->body = w->buf + hl + 2;
	out->body_len = w->len - hl - 2;
}

/* Value of header name in head, copied into val; 0 if found. */
static int
header_of(const struct parsed *p, const char *name, char *val, size_t valsz)
{
	const char	*line = p->head, *end;
	size_t		 nl = strlen(name), vl;

	for (; (end = strstr(line, "\r\n")) != NULL; line = end + 2) {
		if (strncmp(line, name, nl) == 0 && line[nl] == ':' &&
		    line[nl + 1] == ' ') {
			vl = (size_t)(end - line) - nl - 2;
			cr_assert_lt(vl, valsz);
			memcpy(val, line + nl + 2, vl);
			val[vl] = '\0';
			return 0;
		}
	}
	return -1;
}

static size_t
content_length_of(const struct parsed *p)
{
	char	val[64];

	cr_assert_eq(header_of(p, "Content-Length", val, sizeof(val)), 0,
	    "no Content-Length in:\n%s", p->head);
	return (size_t)strtoul(val, NULL, 10);
}

/* The parsed JSON error body's "error" code, checked against want. */
static void
assert_error_body(const struct parsed *p, const char *code)
{
	struct json_object	*o, *v;

	o = json_tokener_parse(p->body);
	cr_assert_not_null(o, "body is not JSON: %s", p->body);
	cr_assert(json_object_object_get_ex(o, "error", &v));
	cr_assert_str_eq(json_object_get_string(v), code);
	cr_assert(json_object_object_get_ex(o, "message", &v));
	cr_assert_gt(strlen(json_object_get_string(v)), 0);
	json_object_put(o);
}

Test(resp, json_writes_status_line_first)
{
	struct mem_writer	 w = { 0 };
	struct resp		 p;
	struct json_object	*o = json_object_new_object();

	resp_init(&p, mem_write, &w);
	cr_assert_eq(resp_json(&p, 200, o), 0);
	cr_assert_eq(strncmp(w.buf, "Status: 200 OK\r\n", 16), 0, "got: %s",
	    w.buf);
	cr_assert_eq(p.sent, 1);
	cr_assert_eq(p.status, 200);
	json_object_put(o);
	resp_free(&p);
	writer_free(&w);
}

Test(resp, json_has_json_content_type)
{
	struct mem_writer	 w = { 0 };
	struct resp		 p;
	struct parsed		 r;
	struct json_object	*o = json_object_new_object();
	char			 val[64];

	resp_init(&p, mem_write, &w);
	cr_assert_eq(resp_json(&p, 200, o), 0);
	parse(&w, &r);
	cr_assert_eq(header_of(&r, "Content-Type", val, sizeof(val)), 0);
	cr_assert_str_eq(val, "application/json");
	json_object_put(o);
	resp_free(&p);
	writer_free(&w);
}

Test(resp, json_content_length_equals_body_bytes)
{
	struct mem_writer	 w = { 0 };
	struct resp		 p;
	struct parsed		 r;
	struct json_object	*o = json_object_new_object();

	json_object_object_add(o, "accepted", json_object_new_int(3));
	json_object_object_add(o, "path", json_object_new_string("/v1/é"));
	resp_init(&p, mem_write, &w);
	cr_assert_eq(resp_json(&p, 200, o), 0);
	parse(&w, &r);
	cr_assert_eq(content_length_of(&r), r.body_len, "header %zu, body %zu",
	    content_length_of(&r), r.body_len);
	cr_assert_str_eq(r.body, "{\"accepted\":3,\"path\":\"/v1/é\"}\n");
	json_object_put(o);
	resp_free(&p);
	writer_free(&w);
}

Test(resp, json_writes_exact_bytes)
{
	struct mem_writer	 w = { 0 };
	struct resp		 p;
	struct json_object	*o = json_object_new_object();

	json_object_object_add(o, "ok", json_object_new_boolean(1));
	resp_init(&p, mem_write, &w);
	cr_assert_eq(resp_json(&p, 200, o), 0);
	cr_assert_str_eq(w.buf,
	    "Status: 200 OK\r\n"
	    "X-Content-Type-Options: nosniff\r\n"
	    "Content-Type: application/json\r\n"
	    "Content-Length: 12\r\n"
	    "\r\n"
	    "{\"ok\":true}\n");
	json_object_put(o);
	resp_free(&p);
	writer_free(&w);
}

Test(resp, json_does_not_escape_slashes)
{
	struct mem_writer	 w = { 0 };
	struct resp		 p;
	struct parsed		 r;
	struct json_object	*o = json_object_new_string("a/b");

	resp_init(&p, mem_write, &w);
	cr_assert_eq(resp_json(&p, 200, o), 0);
	parse(&w, &r);
	cr_assert_str_eq(r.body, "\"a/b\"\n");
	json_object_put(o);
	resp_free(&p);
	writer_free(&w);
}

Test(resp, queued_headers_come_after_content_headers)
{
	struct mem_writer	 w = { 0 };
	struct resp		 p;
	struct parsed		 r;
	struct json_object	*o = json_object_new_object();
	char			 val[64];

	resp_init(&p, mem_write, &w);
	cr_assert_eq(resp_header(&p, "Cache-Control", "no-store"), 0);
	cr_assert_eq(resp_header(&p, "Vary", "Origin"), 0);
	cr_assert_eq(resp_json(&p, 201, o), 0);
	parse(&w, &r);
	cr_assert_eq(strncmp(r.head, "Status: 201 Unknown\r\n", 21), 0, "%s",
	    r.head);
	cr_assert_eq(header_of(&r, "Cache-Control", val, sizeof(val)), 0);
	cr_assert_str_eq(val, "no-store");
	cr_assert_eq(header_of(&r, "Vary", val, sizeof(val)), 0);
	cr_assert_str_eq(val, "Origin");
	cr_assert_lt(strstr(r.head, "Content-Length"), strstr(r.head, "Vary"));
	json_object_put(o);
	resp_free(&p);
	cr_assert_eq(p.nheaders, 0);
	writer_free(&w);
}

Test(resp, head_only_sends_same_content_length_and_no_body)
{
	struct mem_writer	 get = { 0 }, head = { 0 };
	struct resp		 p;
	struct parsed		 rg, rh;
	struct json_object	*o = json_object_new_object();

	json_object_object_add(o, "status", json_object_new_string("ok"));
	resp_init(&p, mem_write, &get);
	cr_assert_eq(resp_json(&p, 200, o), 0);
	resp_free(&p);
	resp_init(&p, mem_write, &head);
	p.head_only = 1;
	cr_assert_eq(resp_json(&p, 200, o), 0);
	resp_free(&p);

	parse(&get, &rg);
	parse(&head, &rh);
	cr_assert_str_eq(rh.head, rg.head);
	cr_assert_gt(content_length_of(&rh), 0);
	cr_assert_eq(content_length_of(&rh), rg.body_len);
	cr_assert_eq(rh.body_len, 0, "HEAD wrote a body: %s", rh.body);
	json_object_put(o);
	writer_free(&get);
	writer_free(&head);
}

Test(resp, empty_sends_no_content_headers)
{
	struct mem_writer	w = { 0 };
	struct resp		p;

	resp_init(&p, mem_write, &w);
	cr_assert_eq(resp_header(&p, "Allow", "GET, HEAD"), 0);
	cr_assert_eq(resp_empty(&p, 204), 0);
	cr_assert_str_eq(w.buf,
	    "Status: 204 No Content\r\nX-Content-Type-Options: nosniff\r\n"
	    "Allow: GET, HEAD\r\n\r\n");
	cr_assert_eq(p.status, 204);
	resp_free(&p);
	writer_free(&w);
}

/* Once in every kind of answer, whatever the server in front adds. */
static void
assert_nosniff_once(const struct mem_writer *w)
{
	struct parsed	 r;
	const char	*at;
	char		 val[64];

	parse(w, &r);
	cr_assert_eq(header_of(&r, "X-Content-Type-Options", val,
	    sizeof(val)), 0, "no nosniff in:\n%s", r.head);
	cr_assert_str_eq(val, "nosniff");
	at = strstr(r.head, "X-Content-Type-Options");
	cr_assert_null(strstr(at + 1, "X-Content-Type-Options"),
	    "nosniff twice in:\n%s", r.head);
}

Test(resp, every_answer_says_nosniff)
{
	struct mem_writer	 w[4] = { { 0 } };
	struct resp		 p;
	struct json_object	*o = json_object_new_object();
	int			 i;

	resp_init(&p, mem_write, &w[0]);
	cr_assert_eq(resp_json(&p, 200, o), 0);
	resp_free(&p);
	resp_init(&p, mem_write, &w[1]);
	cr_assert_eq(resp_begin(&p, 200, "text/csv; charset=utf-8"), 0);
	cr_assert_eq(resp_write(&p, "a\n", 2), 0);
	resp_free(&p);
	resp_init(&p, mem_write, &w[2]);
	cr_assert_eq(resp_empty(&p, 304), 0);
	resp_free(&p);
	resp_init(&p, mem_write, &w[3]);
	p.head_only = 1;
	cr_assert_eq(resp_error(&p, AX_ERR_UNAVAILABLE, NULL, NULL), 0);
	resp_free(&p);
	for (i = 0; i < 4; i++) {
		assert_nosniff_once(&w[i]);
		writer_free(&w[i]);
	}
	json_object_put(o);
}

Test(resp, header_refuses_cr_in_value)
{
	struct resp	p;

	resp_init(&p, mem_write, NULL);
	cr_assert_eq(resp_header(&p, "X-A", "a\rSet-Cookie: x=1"), -1);
	cr_assert_eq(p.nheaders, 0);
}

Test(resp, header_refuses_lf_in_value)
{
	struct resp	p;

	resp_init(&p, mem_write, NULL);
	cr_assert_eq(resp_header(&p, "X-A", "a\nSet-Cookie: x=1"), -1);
	cr_assert_eq(resp_header(&p, "X-A", "\r\n"), -1);
	cr_assert_eq(p.nheaders, 0);
}

Test(resp, header_refuses_crlf_in_name)
{
	struct resp	p;

	resp_init(&p, mem_write, NULL);
	cr_assert_eq(resp_header(&p, "X-A\r\nX-B", "v"), -1);
	cr_assert_eq(resp_header(&p, "X-A\n", "v"), -1);
	cr_assert_eq(p.nheaders, 0);
}

Test(resp, header_refuses_colon_in_name)
{
	struct resp	p;

	resp_init(&p, mem_write, NULL);
	cr_assert_eq(resp_header(&p, "X-A: b", "v"), -1);
	cr_assert_eq(p.nheaders, 0);
}

Test(resp, header_allows_colon_in_value)
{
	struct resp	p;

	resp_init(&p, mem_write, NULL);
	cr_assert_eq(resp_header(&p, "Access-Control-Allow-Origin",
	    "https://a.example:8443"), 0);
	cr_assert_str_eq(p.headers[0],
	    "Access-Control-Allow-Origin: https://a.example:8443");
	resp_free(&p);
}

Test(resp, header_refuses_past_the_limit)
{
	struct resp	p;
	size_t		i;

	resp_init(&p, mem_write, NULL);
	for (i = 0; i < RESP_MAX_HEADERS; i++)
		cr_assert_eq(resp_header(&p, "X-N", "v"), 0);
	cr_assert_eq(resp_header(&p, "X-N", "v"), -1);
	cr_assert_eq(p.nheaders, RESP_MAX_HEADERS);
	resp_free(&p);
	resp_free(&p);
	cr_assert_eq(p.nheaders, 0);
}

/* Send resp_error(e) and return the parsed output in w / r. */
static void
send_error(enum ax_err e, struct mem_writer *w, struct parsed *r)
{
	struct resp	p;

	resp_init(&p, mem_write, w);
	cr_assert_eq(resp_error(&p, e, NULL, NULL), 0);
	cr_assert_eq(p.status, resp_status_of(e));
	resp_free(&p);
	parse(w, r);
	cr_assert_eq(content_length_of(r), r->body_len);
}

static const struct {
	enum ax_err	 e;
	int		 status;
	const char	*line;
	const char	*code;
	int		 retry;
} table[] = {
	{ AX_ERR_BAD_REQUEST, 400, "Status: 400 Bad Request", "bad_request", 0 },
	{ AX_ERR_BAD_CURSOR, 400, "Status: 400 Bad Request", "bad_cursor", 0 },
	{ AX_ERR_INVALID_JSON, 400, "Status: 400 Bad Request", "invalid_json",
	    0 },
	{ AX_ERR_INVALID_EVENT, 400, "Status: 400 Bad Request",
	    "invalid_event", 0 },
	{ AX_ERR_INVALID_ENCODING, 400, "Status: 400 Bad Request",
	    "invalid_encoding", 0 },
	{ AX_ERR_REJECTED, 400, "Status: 400 Bad Request", "rejected", 0 },
	{ AX_ERR_UNAUTHORIZED, 401, "Status: 401 Unauthorized", "unauthorized",
	    0 },
	{ AX_ERR_FORBIDDEN, 403, "Status: 403 Forbidden", "forbidden", 0 },
	{ AX_ERR_NOT_FOUND, 404, "Status: 404 Not Found", "not_found", 0 },
	{ AX_ERR_METHOD, 405, "Status: 405 Method Not Allowed",
	    "method_not_allowed", 0 },
	{ AX_ERR_LENGTH_REQUIRED, 411, "Status: 411 Length Required",
	    "length_required", 0 },
	{ AX_ERR_TOO_LARGE, 413, "Status: 413 Content Too Large", "too_large",
	    0 },
	{ AX_ERR_MEDIA_TYPE, 415, "Status: 415 Unsupported Media Type",
	    "unsupported_media_type", 0 },
	{ AX_ERR_RATE_LIMITED, 429, "Status: 429 Too Many Requests",
	    "rate_limited", 1 },
	{ AX_ERR_UNAVAILABLE, 503, "Status: 503 Service Unavailable",
	    "unavailable", 1 },
};

Test(resp, table_covers_every_error)
{
	cr_assert_eq(sizeof(table) / sizeof(table[0]), AX_ERR__COUNT - 1);
}

Test(resp, error_status_and_code_match_table)
{
	size_t	i;

	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		cr_assert_eq(resp_status_of(table[i].e), table[i].status,
		    "status of %s", table[i].code);
		cr_assert_str_eq(resp_code_of(table[i].e), table[i].code);
	}
}

Test(resp, error_writes_status_line_code_and_retry_after_per_table)
{
	size_t	i;
	char	val[64];

	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		struct mem_writer	w = { 0 };
		struct parsed		r;

		send_error(table[i].e, &w, &r);
		cr_assert_eq(strncmp(r.head, table[i].line,
		    strlen(table[i].line)), 0, "%s: %s", table[i].code, r.head);
		cr_assert_eq(strncmp(r.head + strlen(table[i].line), "\r\n", 2),
		    0);
		assert_error_body(&r, table[i].code);
		cr_assert_eq(header_of(&r, "Retry-After", val, sizeof(val)) == 0,
		    table[i].retry, "%s: Retry-After presence", table[i].code);
		writer_free(&w);
	}
}

Test(resp, unavailable_is_503_with_retry_after)
{
	struct mem_writer	w = { 0 };
	struct parsed		r;
	char			val[64];

	send_error(AX_ERR_UNAVAILABLE, &w, &r);
	cr_assert_eq(strncmp(r.head, "Status: 503 Service Unavailable\r\n",
	    33), 0);
	cr_assert_eq(header_of(&r, "Retry-After", val, sizeof(val)), 0);
	cr_assert_str_eq(val, "1");
	cr_assert_eq(strncmp(r.body, "{\"error\":\"unavailable\",", 23), 0,
	    "%s", r.body);
	assert_error_body(&r, "unavailable");
	writer_free(&w);
}

Test(resp, too_large_is_413)
{
	struct mem_writer	w = { 0 };
	struct parsed		r;
	char			val[64];

	send_error(AX_ERR_TOO_LARGE, &w, &r);
	cr_assert_eq(strncmp(r.head, "Status: 413 ", 12), 0);
	cr_assert_neq(header_of(&r, "Retry-After", val, sizeof(val)), 0);
	assert_error_body(&r, "too_large");
	writer_free(&w);
}

Test(resp, length_required_is_411)
{
	struct mem_writer	w = { 0 };
	struct parsed		r;

	send_error(AX_ERR_LENGTH_REQUIRED, &w, &r);
	cr_assert_eq(strncmp(r.head, "Status: 411 ", 12), 0);
	assert_error_body(&r, "length_required");
	writer_free(&w);
}

Test(resp, error_ok_or_out_of_range_becomes_503)
{
	struct mem_writer	w = { 0 }, w2 = { 0 };
	struct parsed		r;
	struct resp		p;

	resp_init(&p, mem_write, &w);
	cr_assert_eq(resp_error(&p, AX_OK, NULL, NULL), 0);
	cr_assert_eq(p.status, 503);
	resp_free(&p);
	parse(&w, &r);
	assert_error_body(&r, "unavailable");
	resp_init(&p, mem_write, &w2);
	cr_assert_eq(resp_error(&p, AX_ERR__COUNT, NULL, NULL), 0);
	cr_assert_eq(p.status, 503);
	resp_free(&p);
	cr_assert_eq(resp_status_of(AX_ERR__COUNT), 503);
	cr_assert_str_eq(resp_code_of(AX_ERR__COUNT), "unavailable");
	writer_free(&w);
	writer_free(&w2);
}

Test(resp, error_uses_given_message)
{
	struct mem_writer	 w = { 0 };
	struct parsed		 r;
	struct resp		 p;
	struct json_object	*o, *v;

	resp_init(&p, mem_write, &w);
	cr_assert_eq(resp_error(&p, AX_ERR_BAD_REQUEST, "bad \"from\"", NULL),
	    0);
	resp_free(&p);
	parse(&w, &r);
	o = json_tokener_parse(r.body);
	cr_assert_not_null(o);
	cr_assert(json_object_object_get_ex(o, "message", &v));
	cr_assert_str_eq(json_object_get_string(v), "bad \"from\"");
	cr_assert_not(json_object_object_get_ex(o, "details", NULL));
	json_object_put(o);
	writer_free(&w);
}

Test(resp, error_includes_details_and_leaves_them_to_caller)
{
	struct mem_writer	 w = { 0 };
	struct parsed		 r;
	struct resp		 p;
	struct json_object	*details, *item, *o, *v;

	details = json_object_new_array();
	item = json_object_new_object();
	json_object_object_add(item, "index", json_object_new_int(2));
	json_object_object_add(item, "field", json_object_new_string("ts"));
	json_object_array_add(details, item);

	resp_init(&p, mem_write, &w);
	cr_assert_eq(resp_error(&p, AX_ERR_INVALID_EVENT, NULL, details), 0);
	resp_free(&p);
	/* Still ours: usable after the call, freed by us exactly once. */
	cr_assert_eq(json_object_array_length(details), 1);
	json_object_put(details);

	parse(&w, &r);
	o = json_tokener_parse(r.body);
	cr_assert_not_null(o);
	cr_assert(json_object_object_get_ex(o, "details", &v));
	cr_assert(json_object_is_type(v, json_type_array));
	cr_assert_eq(json_object_array_length(v), 1);
	cr_assert_str_eq(json_object_to_json_string_ext(
	    json_object_array_get_idx(v, 0), JSON_C_TO_STRING_PLAIN),
	    "{\"index\":2,\"field\":\"ts\"}");
	json_object_put(o);
	writer_free(&w);
}

Test(resp, head_error_has_no_body)
{
	struct mem_writer	w = { 0 };
	struct parsed		r;
	struct resp		p;

	resp_init(&p, mem_write, &w);
	p.head_only = 1;
	cr_assert_eq(resp_error(&p, AX_ERR_NOT_FOUND, NULL, NULL), 0);
	resp_free(&p);
	parse(&w, &r);
	cr_assert_gt(content_length_of(&r), 0);
	cr_assert_eq(r.body_len, 0);
	writer_free(&w);
}

/* Fail the n-th write and expect -1, for every n the response takes. */
Test(resp, write_failure_returns_minus_one)
{
	struct mem_writer	 ok = { 0 };
	struct resp		 p;
	struct json_object	*o = json_object_new_object();
	int			 n, total;

	resp_init(&p, mem_write, &ok);
	cr_assert_eq(resp_header(&p, "Vary", "Origin"), 0);
	cr_assert_eq(resp_json(&p, 200, o), 0);
	resp_free(&p);
	total = ok.calls;
	cr_assert_gt(total, 1);
	writer_free(&ok);

	for (n = 1; n <= total; n++) {
		struct mem_writer	w = { .fail_at = n };

		resp_init(&p, mem_write, &w);
		cr_assert_eq(resp_header(&p, "Vary", "Origin"), 0);
		cr_assert_eq(resp_json(&p, 200, o), -1, "write %d failed", n);
		cr_assert_eq(w.calls, n, "kept writing after failure %d", n);
		resp_free(&p);
		writer_free(&w);
	}
	json_object_put(o);
}

Test(resp, error_write_failure_returns_minus_one)
{
	struct mem_writer	w = { .fail_at = 1 };
	struct resp		p;

	resp_init(&p, mem_write, &w);
	cr_assert_eq(resp_error(&p, AX_ERR_UNAVAILABLE, NULL, NULL), -1);
	resp_free(&p);
}

Test(resp, free_is_safe_on_zeroed_resp)
{
	struct resp	p;

	memset(&p, 0, sizeof(p));
	resp_free(&p);
	cr_assert_eq(p.nheaders, 0);
}

/* server_dispatch: req and resp together, as the accept loop drives them. */

struct seen {
	int		 calls;
	char		 method[16];
	char		 path[sizeof(((struct req *)0)->path)];
	int		 reply;		/* 0: send nothing */
};

static void
handler(struct req *r, struct resp *p, void *ctx)
{
	struct seen		*s = ctx;
	struct json_object	*o;

	s->calls++;
	snprintf(s->method, sizeof(s->method), "%.15s", r->method);
	memcpy(s->path, r->path, sizeof(s->path));
	if (s->reply) {
		o = json_object_new_object();
		json_object_object_add(o, "path", json_object_new_string(r->path));
		(void)resp_json(p, 200, o);
		json_object_put(o);
	}
}

static ssize_t
no_read(void *io, char *buf, size_t n)
{
	(*(int *)io)++;
	return -1;
}

static char *const *
env_of(const char *const *vars)
{
	return (char *const *)(uintptr_t)vars;
}

Test(server, dispatch_passes_request_to_handler)
{
	const char		*env[] = { "REQUEST_METHOD=GET",
	    "REQUEST_URI=/v1/stats?app=a", NULL };
	struct seen		 s = { .reply = 1 };
	struct mem_writer	 w = { 0 };
	struct parsed		 r;
	int			 reads = 0;

	server_dispatch(handler, &s, env_of(env), no_read, &reads, mem_write,
	    &w);
	cr_assert_eq(s.calls, 1);
	cr_assert_str_eq(s.method, "GET");
	cr_assert_str_eq(s.path, "/v1/stats");
	parse(&w, &r);
	cr_assert_eq(strncmp(r.head, "Status: 200 OK\r\n", 16), 0);
	cr_assert_str_eq(r.body, "{\"path\":\"/v1/stats\"}\n");
	cr_assert_eq(reads, 0);
	writer_free(&w);
}

Test(server, silent_handler_gets_503)
{
	const char		*env[] = { "REQUEST_METHOD=GET",
	    "REQUEST_URI=/v1/stats", NULL };
	struct seen		 s = { .reply = 0 };
	struct mem_writer	 w = { 0 };
	struct parsed		 r;
	char			 val[16];

	server_dispatch(handler, &s, env_of(env), NULL, NULL, mem_write, &w);
	cr_assert_eq(s.calls, 1);
	parse(&w, &r);
	cr_assert_eq(strncmp(r.head, "Status: 503 Service Unavailable\r\n",
	    33), 0, "%s", r.head);
	cr_assert_eq(header_of(&r, "Retry-After", val, sizeof(val)), 0);
	assert_error_body(&r, "unavailable");
	writer_free(&w);
}

Test(server, silent_handler_on_head_gets_503_without_body)
{
	const char		*env[] = { "REQUEST_METHOD=HEAD",
	    "REQUEST_URI=/health", NULL };
	struct seen		 s = { .reply = 0 };
	struct mem_writer	 w = { 0 };
	struct parsed		 r;

	server_dispatch(handler, &s, env_of(env), NULL, NULL, mem_write, &w);
	parse(&w, &r);
	cr_assert_eq(strncmp(r.head, "Status: 503 ", 12), 0);
	cr_assert_eq(r.body_len, 0);
	writer_free(&w);
}

Test(server, head_request_gets_headers_without_body)
{
	const char		*env[] = { "REQUEST_METHOD=HEAD",
	    "REQUEST_URI=/health", NULL };
	struct seen		 s = { .reply = 1 };
	struct mem_writer	 w = { 0 };
	struct parsed		 r;

	server_dispatch(handler, &s, env_of(env), NULL, NULL, mem_write, &w);
	cr_assert_eq(s.calls, 1);
	parse(&w, &r);
	cr_assert_eq(strncmp(r.head, "Status: 200 OK\r\n", 16), 0);
	cr_assert_eq(content_length_of(&r),
	    strlen("{\"path\":\"/health\"}\n"));
	cr_assert_eq(r.body_len, 0);
	writer_free(&w);
}

Test(server, missing_method_gets_400_without_calling_handler)
{
	const char		*env[] = { "REQUEST_URI=/health", NULL };
	struct seen		 s = { .reply = 1 };
	struct mem_writer	 w = { 0 };
	struct parsed		 r;

	server_dispatch(handler, &s, env_of(env), NULL, NULL, mem_write, &w);
	cr_assert_eq(s.calls, 0);
	parse(&w, &r);
	cr_assert_eq(strncmp(r.head, "Status: 400 Bad Request\r\n", 25), 0,
	    "%s", r.head);
	assert_error_body(&r, "bad_request");
	cr_assert_eq(content_length_of(&r), r.body_len);
	writer_free(&w);
}

Test(server, over_long_path_gets_400_without_calling_handler)
{
	static char		 uri[1200];
	const char		*env[] = { "REQUEST_METHOD=GET", uri, NULL };
	struct seen		 s = { .reply = 1 };
	struct mem_writer	 w = { 0 };
	struct parsed		 r;

	strcpy(uri, "REQUEST_URI=/");
	memset(uri + 13, 'a', sizeof(uri) - 14);
	uri[sizeof(uri) - 1] = '\0';
	server_dispatch(handler, &s, env_of(env), NULL, NULL, mem_write, &w);
	cr_assert_eq(s.calls, 0);
	parse(&w, &r);
	cr_assert_eq(strncmp(r.head, "Status: 400 ", 12), 0);
	writer_free(&w);
}

/* Database error classes map into resp's table. */

Test(db_classify, connection_failure_is_unavailable)
{
	cr_assert_eq(db_classify("08006"), DB_UNAVAILABLE);
	cr_assert_eq(db_classify("08001"), DB_UNAVAILABLE);
}

Test(db_classify, insufficient_resources_is_unavailable)
{
	cr_assert_eq(db_classify("53300"), DB_UNAVAILABLE);
}

Test(db_classify, query_canceled_is_unavailable)
{
	cr_assert_eq(db_classify("57014"), DB_UNAVAILABLE);
	cr_assert_eq(db_classify("57P01"), DB_UNAVAILABLE);
}

Test(db_classify, serialization_failure_is_unavailable)
{
	cr_assert_eq(db_classify("40001"), DB_UNAVAILABLE);
	cr_assert_eq(db_classify("40P01"), DB_UNAVAILABLE);
}

Test(db_classify, data_exception_is_rejected)
{
	cr_assert_eq(db_classify("22P02"), DB_REJECTED);
	cr_assert_eq(db_classify("22001"), DB_REJECTED);
}

Test(db_classify, integrity_violation_is_rejected)
{
	cr_assert_eq(db_classify("23505"), DB_REJECTED);
	cr_assert_eq(db_classify("23502"), DB_REJECTED);
}

Test(db_classify, undefined_table_is_failed)
{
	cr_assert_eq(db_classify("42P01"), DB_FAILED);
	cr_assert_eq(db_classify("42601"), DB_FAILED);
	cr_assert_eq(db_classify("XX000"), DB_FAILED);
}

Test(db_classify, missing_sqlstate_is_unavailable)
{
	cr_assert_eq(db_classify(NULL), DB_UNAVAILABLE);
	cr_assert_eq(db_classify(""), DB_UNAVAILABLE);
}

Test(db_classify, malformed_sqlstate_is_unavailable)
{
	cr_assert_eq(db_classify("2350"), DB_UNAVAILABLE);
	cr_assert_eq(db_classify("235050"), DB_UNAVAILABLE);
}

/* Every 503 writes one log line: the first cause recorded, never two. */

static void
two_causes(struct req *r, struct resp *p, void *ctx)
{
	resp_cause(p, "database: %s", "timed out waiting for the database");
	(void)resp_unavailable(p, "a later cause, not logged");
}

static void
bad_request(struct req *r, struct resp *p, void *ctx)
{
	(void)resp_error(p, AX_ERR_BAD_REQUEST, NULL, NULL);
}

Test(server, a_503_logs_one_line_with_its_first_cause,
    .init = cr_redirect_stderr)
{
	const char		*env[] = { "REQUEST_METHOD=GET",
	    "REQUEST_URI=/stats?app=a", NULL };
	struct mem_writer	 w = { 0 };
	struct parsed		 r;

	server_dispatch(two_causes, NULL, env_of(env), NULL, NULL, mem_write,
	    &w);
	parse(&w, &r);
	cr_assert_eq(strncmp(r.head, "Status: 503 ", 12), 0);
	/* The cause is the log's: the client sees the usual message. */
	cr_assert_null(strstr(r.body, "timed out"));
	writer_free(&w);
	fflush(stderr);
	cr_assert_stderr_eq_str("axlog: 503 GET /stats: database: timed out "
	    "waiting for the database\n");
}

Test(server, other_statuses_and_silent_handlers_log_as_they_should,
    .init = cr_redirect_stderr)
{
	const char		*env[] = { "REQUEST_METHOD=GET",
	    "REQUEST_URI=/stats", NULL };
	struct seen		 s = { .reply = 0 };
	struct mem_writer	 w = { 0 };

	server_dispatch(bad_request, NULL, env_of(env), NULL, NULL, mem_write,
	    &w);
	writer_free(&w);
	memset(&w, 0, sizeof(w));
	server_dispatch(handler, &s, env_of(env), NULL, NULL, mem_write, &w);
	writer_free(&w);
	fflush(stderr);
	cr_assert_stderr_eq_str("axlog: 503 GET /stats: handler sent no "
	    "response\n");
}
