/*
 * test_req.c: the request as CGI/FastCGI hands it over: method and path
 * from the meta-variables, header lookup by HTTP name, and the bounded
 * body read with its refusals before any byte is read.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "req.h"

/* A body held in memory, handed out at most chunk bytes per call. */
struct mem_reader {
	const char	*data;
	size_t		 len;
	size_t		 pos;
	size_t		 chunk;		/* 0: no limit */
	int		 calls;
	int		 fail;		/* return -1 instead of data */
};

static ssize_t
mem_read(void *io, char *buf, size_t n)
{
	struct mem_reader	*m = io;
	size_t			 k = m->len - m->pos;

	m->calls++;
	if (m->fail)
		return -1;
	if (k > n)
		k = n;
	if (m->chunk != 0 && k > m->chunk)
		k = m->chunk;
	memcpy(buf, m->data + m->pos, k);
	m->pos += k;
	return (ssize_t)k;
}

static char *const *
env_of(const char *const *vars)
{
	return (char *const *)(uintptr_t)vars;
}

/* A POST with the given CONTENT_LENGTH (NULL: absent) and reader. */
static enum ax_err
init_post(struct req *r, const char **env, const char *clen,
    struct mem_reader *m)
{
	static char	cl[128];
	size_t		i = 0;

	env[i++] = "REQUEST_METHOD=POST";
	env[i++] = "REQUEST_URI=/v1/events";
	if (clen != NULL) {
		cr_assert_lt(strlen(clen), sizeof(cl) - 16);
		strcpy(cl, "CONTENT_LENGTH=");
		strcat(cl, clen);
		env[i++] = cl;
	}
	env[i] = NULL;
	return req_init(r, env_of(env), mem_read, m);
}

/* Expect the body refused with want, and the reader never called. */
static void
assert_refused_unread(const char *clen, size_t max, enum ax_err want)
{
	struct mem_reader	 m = { .data = "hello", .len = 5 };
	struct req		 r;
	const char		*env[4];
	char			*body = (char *)1;
	size_t			 len = 99;

	cr_assert_eq(init_post(&r, env, clen, &m), AX_OK);
	cr_assert_eq(req_read_body(&r, max, &body, &len), want,
	    "CONTENT_LENGTH=%s", clen ? clen : "(absent)");
	cr_assert_eq(m.calls, 0, "read %d times before refusing", m.calls);
	cr_assert_null(body);
	cr_assert_eq(len, 0);
}

Test(req, path_is_request_uri_without_query)
{
	const char	*env[] = { "REQUEST_METHOD=GET",
	    "REQUEST_URI=/v1/stats?app=web&from=1", "QUERY_STRING=app=web&from=1",
	    NULL };
	struct req	 r;

	cr_assert_eq(req_init(&r, env_of(env), NULL, NULL), AX_OK);
	cr_assert_str_eq(r.method, "GET");
	cr_assert_str_eq(r.path, "/v1/stats");
	cr_assert_str_eq(r.query, "app=web&from=1");
}

Test(req, path_is_whole_request_uri_without_question_mark)
{
	const char	*env[] = { "REQUEST_METHOD=GET", "REQUEST_URI=/health",
	    NULL };
	struct req	 r;

	cr_assert_eq(req_init(&r, env_of(env), NULL, NULL), AX_OK);
	cr_assert_str_eq(r.path, "/health");
}

Test(req, path_with_empty_query_stops_at_question_mark)
{
	const char	*env[] = { "REQUEST_METHOD=GET", "REQUEST_URI=/health?",
	    NULL };
	struct req	 r;

	cr_assert_eq(req_init(&r, env_of(env), NULL, NULL), AX_OK);
	cr_assert_str_eq(r.path, "/health");
}

Test(req, request_uri_wins_over_script_name)
{
	const char	*env[] = { "SCRIPT_NAME=/cgi-bin/axlog", "PATH_INFO=/x",
	    "REQUEST_METHOD=GET", "REQUEST_URI=/v1/events", NULL };
	struct req	 r;

	cr_assert_eq(req_init(&r, env_of(env), NULL, NULL), AX_OK);
	cr_assert_str_eq(r.path, "/v1/events");
}

Test(req, path_falls_back_to_script_name_and_path_info)
{
	const char	*env[] = { "REQUEST_METHOD=GET",
	    "SCRIPT_NAME=/cgi-bin/axlog-stats", "PATH_INFO=/v1/stats", NULL };
	struct req	 r;

	cr_assert_eq(req_init(&r, env_of(env), NULL, NULL), AX_OK);
	cr_assert_str_eq(r.path, "/cgi-bin/axlog-stats/v1/stats");
}

Test(req, path_falls_back_to_script_name_alone)
{
	const char	*env[] = { "REQUEST_METHOD=GET",
	    "SCRIPT_NAME=/cgi-bin/axlog-health", NULL };
	struct req	 r;

	cr_assert_eq(req_init(&r, env_of(env), NULL, NULL), AX_OK);
	cr_assert_str_eq(r.path, "/cgi-bin/axlog-health");
}

Test(req, path_falls_back_to_path_info_alone)
{
	const char	*env[] = { "REQUEST_METHOD=GET", "PATH_INFO=/v1/stats",
	    NULL };
	struct req	 r;

	cr_assert_eq(req_init(&r, env_of(env), NULL, NULL), AX_OK);
	cr_assert_str_eq(r.path, "/v1/stats");
}

Test(req, path_is_empty_without_any_path_variable)
{
	const char	*env[] = { "REQUEST_METHOD=GET", NULL };
	struct req	 r;

	cr_assert_eq(req_init(&r, env_of(env), NULL, NULL), AX_OK);
	cr_assert_str_eq(r.path, "");
	cr_assert_str_eq(r.query, "");
}

Test(req, missing_query_string_is_empty_not_null)
{
	const char	*env[] = { "REQUEST_METHOD=GET", "REQUEST_URI=/a?b=c",
	    NULL };
	struct req	 r;

	cr_assert_eq(req_init(&r, env_of(env), NULL, NULL), AX_OK);
	cr_assert_not_null(r.query);
	cr_assert_str_eq(r.query, "");
}

Test(req, missing_method_is_bad_request)
{
	const char	*env[] = { "REQUEST_URI=/health", NULL };
	struct req	 r;

	cr_assert_eq(req_init(&r, env_of(env), NULL, NULL), AX_ERR_BAD_REQUEST);
	cr_assert_not_null(r.method);
	cr_assert_str_eq(r.method, "");
	cr_assert_not_null(r.query);
}

Test(req, empty_method_is_bad_request)
{
	const char	*env[] = { "REQUEST_METHOD=", "REQUEST_URI=/health",
	    NULL };
	struct req	 r;

	cr_assert_eq(req_init(&r, env_of(env), NULL, NULL), AX_ERR_BAD_REQUEST);
	cr_assert_str_eq(r.method, "");
}

Test(req, null_environment_is_bad_request)
{
	struct req	r;

	cr_assert_eq(req_init(&r, NULL, NULL, NULL), AX_ERR_BAD_REQUEST);
	cr_assert_str_eq(r.method, "");
	cr_assert_str_eq(r.query, "");
	cr_assert_null(req_env(&r, "REQUEST_METHOD"));
}

/* A path of n bytes in REQUEST_URI, followed by a query. */
static enum ax_err
init_with_path_len(struct req *r, size_t n, char *uri, size_t urisz)
{
	const char	*env[] = { "REQUEST_METHOD=GET", uri, NULL };
	size_t		 pre = strlen("REQUEST_URI=");

	cr_assert_lt(pre + n + 8, urisz);
	memcpy(uri, "REQUEST_URI=", pre);
	memset(uri + pre, 'a', n);
	uri[pre] = '/';
	strcpy(uri + pre + n, "?x=1");
	return req_init(r, env_of(env), NULL, NULL);
}

Test(req, path_of_1023_bytes_fits)
{
	static char	uri[2048];
	struct req	r;

	cr_assert_eq(init_with_path_len(&r, sizeof(r.path) - 1, uri,
	    sizeof(uri)), AX_OK);
	cr_assert_eq(strlen(r.path), sizeof(r.path) - 1);
}

Test(req, over_long_request_uri_path_is_bad_request)
{
	static char	uri[2048];
	struct req	r;

	cr_assert_eq(init_with_path_len(&r, sizeof(r.path), uri, sizeof(uri)),
	    AX_ERR_BAD_REQUEST);
}

Test(req, over_long_script_name_and_path_info_is_bad_request)
{
	static char	 sn[700], pi[700];
	const char	*env[] = { "REQUEST_METHOD=GET", sn, pi, NULL };
	struct req	 r;

	strcpy(sn, "SCRIPT_NAME=/");
	memset(sn + 13, 's', sizeof(sn) - 14);
	sn[sizeof(sn) - 1] = '\0';
	strcpy(pi, "PATH_INFO=/");
	memset(pi + 11, 'p', sizeof(pi) - 12);
	pi[sizeof(pi) - 1] = '\0';
	cr_assert_eq(req_init(&r, env_of(env), NULL, NULL), AX_ERR_BAD_REQUEST);
}

Test(req, env_lookup_needs_exact_name)
{
	const char	*env[] = { "REQUEST_METHOD=GET", "HTTP_HOSTNAME=a",
	    "HTTP_HOST=b", NULL };
	struct req	 r;

	cr_assert_eq(req_init(&r, env_of(env), NULL, NULL), AX_OK);
	cr_assert_str_eq(req_env(&r, "HTTP_HOST"), "b");
	cr_assert_null(req_env(&r, "HTTP_HOS"));
	cr_assert_null(req_env(&r, "HTTP"));
}

Test(req, header_x_api_key_maps_to_http_x_api_key)
{
	const char	*env[] = { "REQUEST_METHOD=GET",
	    "HTTP_X_API_KEY=axk_secret", NULL };
	struct req	 r;

	cr_assert_eq(req_init(&r, env_of(env), NULL, NULL), AX_OK);
	cr_assert_str_eq(req_header(&r, "X-API-Key"), "axk_secret");
	cr_assert_str_eq(req_header(&r, "x-api-key"), "axk_secret");
}

Test(req, header_authorization_maps_to_http_authorization)
{
	const char	*env[] = { "REQUEST_METHOD=GET",
	    "HTTP_AUTHORIZATION=Bearer axk_x", NULL };
	struct req	 r;

	cr_assert_eq(req_init(&r, env_of(env), NULL, NULL), AX_OK);
	cr_assert_str_eq(req_header(&r, "Authorization"), "Bearer axk_x");
}

Test(req, header_content_type_maps_to_content_type)
{
	const char	*env[] = { "REQUEST_METHOD=POST",
	    "HTTP_CONTENT_TYPE=text/plain", "CONTENT_TYPE=application/json",
	    NULL };
	struct req	 r;

	cr_assert_eq(req_init(&r, env_of(env), NULL, NULL), AX_OK);
	cr_assert_str_eq(req_header(&r, "Content-Type"), "application/json");
	cr_assert_str_eq(req_header(&r, "content-type"), "application/json");
}

Test(req, header_content_length_maps_to_content_length)
{
	const char	*env[] = { "REQUEST_METHOD=POST", "CONTENT_LENGTH=12",
	    NULL };
	struct req	 r;

	cr_assert_eq(req_init(&r, env_of(env), NULL, NULL), AX_OK);
	cr_assert_str_eq(req_header(&r, "Content-Length"), "12");
}

Test(req, absent_header_is_null)
{
	const char	*env[] = { "REQUEST_METHOD=GET", "HTTP_HOST=a", NULL };
	struct req	 r;

	cr_assert_eq(req_init(&r, env_of(env), NULL, NULL), AX_OK);
	cr_assert_null(req_header(&r, "X-API-Key"));
	cr_assert_null(req_header(&r, "Content-Type"));
}

Test(req, header_prefix_match_is_not_a_hit)
{
	const char	*env[] = { "REQUEST_METHOD=GET", "HTTP_X_API_KEYS=k",
	    NULL };
	struct req	 r;

	cr_assert_eq(req_init(&r, env_of(env), NULL, NULL), AX_OK);
	cr_assert_null(req_header(&r, "X-API-Key"));
}

Test(req, over_long_header_name_is_null)
{
	char		 name[200];
	const char	*env[] = { "REQUEST_METHOD=GET", NULL };
	struct req	 r;

	memset(name, 'A', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	cr_assert_eq(req_init(&r, env_of(env), NULL, NULL), AX_OK);
	cr_assert_null(req_header(&r, name));
}

Test(req, missing_content_length_is_411)
{
	assert_refused_unread(NULL, 1024, AX_ERR_LENGTH_REQUIRED);
}

Test(req, empty_content_length_is_411)
{
	assert_refused_unread("", 1024, AX_ERR_LENGTH_REQUIRED);
}

Test(req, negative_content_length_is_400)
{
	assert_refused_unread("-1", 1024, AX_ERR_BAD_REQUEST);
}

Test(req, content_length_with_junk_is_400)
{
	assert_refused_unread("12abc", 1024, AX_ERR_BAD_REQUEST);
}

Test(req, content_length_with_plus_sign_is_400)
{
	assert_refused_unread("+5", 1024, AX_ERR_BAD_REQUEST);
}

Test(req, content_length_with_spaces_is_400)
{
	assert_refused_unread(" 5", 1024, AX_ERR_BAD_REQUEST);
	assert_refused_unread("5 ", 1024, AX_ERR_BAD_REQUEST);
}

Test(req, content_length_over_max_is_413)
{
	assert_refused_unread("1025", 1024, AX_ERR_TOO_LARGE);
}

/* Within the parser's range but far over any limit: too large. */
Test(req, content_length_of_long_max_is_413)
{
	assert_refused_unread("9223372036854775807", 1024, AX_ERR_TOO_LARGE);
}

/* Past what an unsigned long holds: the value is malformed, 400. */
Test(req, content_length_overflowing_is_400)
{
	assert_refused_unread("99999999999999999999", 1024, AX_ERR_BAD_REQUEST);
	assert_refused_unread("9223372036854775808", 1024, AX_ERR_BAD_REQUEST);
}

Test(req, content_length_equal_to_max_is_read)
{
	struct mem_reader	 m = { .data = "0123456789", .len = 10 };
	struct req		 r;
	const char		*env[4];
	char			*body = NULL;
	size_t			 len = 0;

	cr_assert_eq(init_post(&r, env, "10", &m), AX_OK);
	cr_assert_eq(req_read_body(&r, 10, &body, &len), AX_OK);
	cr_assert_eq(len, 10);
	cr_assert_str_eq(body, "0123456789");
	free(body);
}

Test(req, short_body_is_400)
{
	struct mem_reader	 m = { .data = "hello", .len = 5 };
	struct req		 r;
	const char		*env[4];
	char			*body = (char *)1;
	size_t			 len = 99;

	cr_assert_eq(init_post(&r, env, "10", &m), AX_OK);
	cr_assert_eq(req_read_body(&r, 1024, &body, &len), AX_ERR_BAD_REQUEST);
	cr_assert_eq(m.pos, 5);
	cr_assert_null(body);
	cr_assert_eq(len, 0);
}

Test(req, read_error_is_400)
{
	struct mem_reader	 m = { .data = "hello", .len = 5, .fail = 1 };
	struct req		 r;
	const char		*env[4];
	char			*body = (char *)1;
	size_t			 len = 99;

	cr_assert_eq(init_post(&r, env, "5", &m), AX_OK);
	cr_assert_eq(req_read_body(&r, 1024, &body, &len), AX_ERR_BAD_REQUEST);
	cr_assert_eq(m.calls, 1);
	cr_assert_null(body);
}

Test(req, body_without_reader_is_400)
{
	const char	*env[] = { "REQUEST_METHOD=POST", "CONTENT_LENGTH=3",
	    NULL };
	struct req	 r;
	char		*body = (char *)1;
	size_t		 len = 99;

	cr_assert_eq(req_init(&r, env_of(env), NULL, NULL), AX_OK);
	cr_assert_eq(req_read_body(&r, 1024, &body, &len), AX_ERR_BAD_REQUEST);
	cr_assert_null(body);
}

Test(req, body_is_read_exactly_across_many_short_reads)
{
	static char		 data[5000];
	struct mem_reader	 m = { .data = data, .chunk = 7 };
	struct req		 r;
	const char		*env[4];
	char			*body = NULL;
	size_t			 i, len = 0;

	for (i = 0; i < sizeof(data); i++)
		data[i] = (char)('a' + i % 26);
	/* The reader holds more than declared: only the declared part is read. */
	m.len = sizeof(data);
	cr_assert_eq(init_post(&r, env, "4000", &m), AX_OK);
	cr_assert_eq(req_read_body(&r, 4096, &body, &len), AX_OK);
	cr_assert_eq(len, 4000);
	cr_assert_eq(m.pos, 4000, "read past the declared length");
	cr_assert_eq(m.calls, (4000 + 6) / 7);
	cr_assert_arr_eq(body, data, 4000);
	cr_assert_eq(body[4000], '\0');
	cr_assert_eq(strlen(body), 4000);
	free(body);
}

Test(req, body_of_one_byte_reads_is_complete)
{
	struct mem_reader	 m = { .data = "{\"a\":1}", .len = 7, .chunk = 1 };
	struct req		 r;
	const char		*env[4];
	char			*body = NULL;
	size_t			 len = 0;

	cr_assert_eq(init_post(&r, env, "7", &m), AX_OK);
	cr_assert_eq(req_read_body(&r, 1024, &body, &len), AX_OK);
	cr_assert_eq(m.calls, 7);
	cr_assert_eq(len, 7);
	cr_assert_str_eq(body, "{\"a\":1}");
	free(body);
}

Test(req, zero_length_body_is_empty_string)
{
	struct mem_reader	 m = { .data = "", .len = 0 };
	struct req		 r;
	const char		*env[4];
	char			*body = NULL;
	size_t			 len = 99;

	cr_assert_eq(init_post(&r, env, "0", &m), AX_OK);
	cr_assert_eq(req_read_body(&r, 1024, &body, &len), AX_OK);
	cr_assert_not_null(body);
	cr_assert_eq(len, 0);
	cr_assert_str_eq(body, "");
	cr_assert_eq(m.calls, 0);
	free(body);
}

Test(req, leading_zeros_in_content_length_are_decimal)
{
	struct mem_reader	 m = { .data = "0123456789", .len = 10 };
	struct req		 r;
	const char		*env[4];
	char			*body = NULL;
	size_t			 len = 0;

	cr_assert_eq(init_post(&r, env, "010", &m), AX_OK);
	cr_assert_eq(req_read_body(&r, 1024, &body, &len), AX_OK);
	cr_assert_eq(len, 10);
	free(body);
}
