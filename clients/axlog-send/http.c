/*
 * http.c: the libcurl easy handle of a run (one connection, kept alive
 * between requests), its headers, and the reading of the answer: status
 * line and Retry-After through CURLOPT_HEADERFUNCTION, the JSON body
 * through CURLOPT_WRITEFUNCTION, bounded.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>
#include <json-c/json.h>

#include "config.h"
#include "http.h"
#include "retry.h"

#define HTTP_MAX_ANSWER		65536	/* bytes of answer body kept */
#define HTTP_CONNECT_TIMEOUT	10	/* seconds, at most */

struct http {
	CURL				*curl;
	struct curl_slist		*hdr_plain, *hdr_gzip;
	const volatile sig_atomic_t	*stop;
	struct http_result		*r;	/* of the request in flight */
	char				*answer;	/* and a NUL */
	char				 errbuf[CURL_ERROR_SIZE];
	size_t				 answer_len;
	int				 answer_cut;
};

int
http_url_usable(const char *url)
{
	CURLU	*u;
	char	*scheme = NULL, *host = NULL;
	int	 ok = 0;

	if ((u = curl_url()) == NULL)
		return 0;
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK)
		goto out;
	ok = (strcmp(scheme, "http") == 0 || strcmp(scheme, "https") == 0) &&
	    host[0] != '\0';
out:
	curl_free(scheme);
	curl_free(host);
	curl_url_cleanup(u);
	return ok;
}

/* Status line: a new answer starts (after a 100 Continue, say). */
static void
header_line(struct http *h, const char *s, size_t n)
{
	static const char	ra[] = "retry-after:";
	long			secs;

	if (n >= 5 && memcmp(s, "HTTP/", 5) == 0) {
		h->r->retry_after = -1;
		return;
	}
	if (n > sizeof(ra) - 1 && strncasecmp(s, ra, sizeof(ra) - 1) == 0 &&
	    retry_after_parse(s + sizeof(ra) - 1, n - (sizeof(ra) - 1),
	    time(NULL), &secs) == 0)
		h->r->retry_after = secs;
}

static size_t
on_header(char *s, size_t size, size_t n, void *arg)
{
	header_line(arg, s, size * n);
	return size * n;
}

/* Keep the first HTTP_MAX_ANSWER bytes; the rest is read and dropped. */
static size_t
on_body(char *s, size_t size, size_t n, void *arg)
{
	struct http	*h = arg;
	size_t		 len = size * n, room;

	room = HTTP_MAX_ANSWER - h->answer_len;
	if (len > room)
		h->answer_cut = 1;
	memcpy(h->answer + h->answer_len, s, len < room ? len : room);
	h->answer_len += len < room ? len : room;
	return len;
}

static int
on_progress(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut,
    curl_off_t un)
{
	const struct http	*h = arg;

	return h->stop != NULL && *h->stop ? 1 : 0;
}

/* Free a header list, wiping its lines first: one holds the key. */
static void
headers_free(struct curl_slist *l)
{
	struct curl_slist	*p;

	for (p = l; p != NULL; p = p->next)
		explicit_bzero(p->data, strlen(p->data));
	curl_slist_free_all(l);
}

/* The request headers, the key's line first; NULL when out of memory. */
static struct curl_slist *
headers_new(const char *auth_line, int gzipped)
{
	static const char *const fixed[] = {
		"Content-Type: application/x-ndjson",
		"Expect:",	/* no 100-continue round trip */
		"Content-Encoding: gzip",
	};
	struct curl_slist	*l, *t;
	size_t			 i, n = gzipped ? 3 : 2;

	if ((l = curl_slist_append(NULL, auth_line)) == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		/* On failure the list is left as it was. */
		if ((t = curl_slist_append(l, fixed[i])) == NULL) {
			headers_free(l);
			return NULL;
		}
		l = t;
	}
	return l;
}

/* The options that stay the same for every request of the run. */
static int
setup(struct http *h, const char *url)
{
	CURL	*c = h->curl;

	return curl_easy_setopt(c, CURLOPT_URL, url) != CURLE_OK ||
#if LIBCURL_VERSION_NUM >= 0x075500
	    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https") !=
	    CURLE_OK ||
#else
	    curl_easy_setopt(c, CURLOPT_PROTOCOLS,
	    (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS)) != CURLE_OK ||
#endif
	    curl_easy_setopt(c, CURLOPT_POST, 1L) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_USERAGENT,
	    "axlog-send/" PACKAGE_VERSION) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, h->errbuf) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header) !=
	    CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_HEADERDATA, h) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_WRITEDATA, h) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress) !=
	    CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_XFERINFODATA, h) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L) != CURLE_OK ? -1 : 0;
}

struct http *
http_new(const char *url, const char *key, const volatile sig_atomic_t *stop)
{
	static const char	 auth[] = "Authorization: Bearer ";
	struct http		*h;
	char			*line = NULL;
	size_t			 n;

	if ((h = calloc(1, sizeof(*h))) == NULL)
		return NULL;
	h->stop = stop;
	n = sizeof(auth) + strlen(key);
	if ((h->answer = malloc(HTTP_MAX_ANSWER + 1)) == NULL ||
	    (line = malloc(n)) == NULL)
		goto fail;
	snprintf(line, n, "%s%s", auth, key);
	if ((h->hdr_plain = headers_new(line, 0)) == NULL ||
	    (h->hdr_gzip = headers_new(line, 1)) == NULL ||
	    (h->curl = curl_easy_init()) == NULL || setup(h, url) != 0)
		goto fail;
	explicit_bzero(line, n);
	free(line);
	return h;
fail:
	if (line != NULL)
		explicit_bzero(line, n);
	free(line);
	http_free(h);
	return NULL;
}

/* One JSON member of the answer: a string into out, or a count. */
static void
answer_string(struct json_object *o, const char *key, char *out, size_t sz)
{
	struct json_object	*v;

	if (json_object_object_get_ex(o, key, &v) &&
	    json_object_is_type(v, json_type_string))
		snprintf(out, sz, "%s", json_object_get_string(v));
}

static long
answer_count(struct json_object *o, const char *key)
{
	struct json_object	*v;
	int64_t			 n;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_int))
		return -1;
	n = json_object_get_int64(v);
	return n >= 0 && n <= 1000000000 ? (long)n : -1;
}

/* "field: problem" of the first entry of a 400's "details". */
static void
answer_detail(struct json_object *o, char *out, size_t sz)
{
	struct json_object	*a, *d, *f, *p;

	if (!json_object_object_get_ex(o, "details", &a) ||
	    !json_object_is_type(a, json_type_array) ||
	    json_object_array_length(a) == 0)
		return;
	d = json_object_array_get_idx(a, 0);
	if (!json_object_object_get_ex(d, "problem", &p) ||
	    !json_object_is_type(p, json_type_string))
		return;
	if (json_object_object_get_ex(d, "field", &f) &&
	    json_object_is_type(f, json_type_string))
		snprintf(out, sz, "%s: %s", json_object_get_string(f),
		    json_object_get_string(p));
	else
		snprintf(out, sz, "%s", json_object_get_string(p));
}

/* Read the JSON answer: {"accepted", "duplicates"} or {"error", "message"}. */
static void
read_answer(struct http *h, struct http_result *r)
{
	struct json_object	*o = NULL;
	json_tokener		*tok;

	if (!h->answer_cut && (tok = json_tokener_new_ex(16)) != NULL) {
		json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
		o = json_tokener_parse_ex(tok, h->answer, (int)h->answer_len);
		json_tokener_free(tok);
	}
	if (o == NULL || !json_object_is_type(o, json_type_object)) {
		snprintf(r->message, sizeof(r->message), "the answer is not "
		    "axlog's JSON");
		goto out;
	}
	answer_string(o, "error", r->error, sizeof(r->error));
	answer_string(o, "message", r->message, sizeof(r->message));
	r->accepted = answer_count(o, "accepted");
	r->duplicates = answer_count(o, "duplicates");
	answer_detail(o, r->detail, sizeof(r->detail));
out:
	json_object_put(o);
}

/* Which curl failures are ours rather than the network's or the server's. */
static int
local_failure(CURLcode e)
{
	return e == CURLE_OUT_OF_MEMORY || e == CURLE_FAILED_INIT ||
	    e == CURLE_BAD_FUNCTION_ARGUMENT || e == CURLE_URL_MALFORMAT ||
	    e == CURLE_UNSUPPORTED_PROTOCOL;
}

enum http_res
http_post(struct http *h, const char *body, size_t len, int gzipped,
    long timeout_s, struct http_result *r)
{
	CURL		*c = h->curl;
	CURLcode	 e;

	memset(r, 0, sizeof(*r));
	r->retry_after = r->accepted = r->duplicates = -1;
	h->r = r;
	h->answer_len = 0;
	h->answer_cut = 0;
	h->errbuf[0] = '\0';
	if (curl_easy_setopt(c, CURLOPT_HTTPHEADER,
	    gzipped ? h->hdr_gzip : h->hdr_plain) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
	    (curl_off_t)len) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_TIMEOUT, timeout_s) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT,
	    timeout_s < HTTP_CONNECT_TIMEOUT ? timeout_s :
	    (long)HTTP_CONNECT_TIMEOUT) != CURLE_OK) {
		snprintf(r->message, sizeof(r->message), "libcurl refused "
		    "an option");
		return HTTP_FAILED;
	}
	e = curl_easy_perform(c);
	h->answer[h->answer_len] = '\0';
	if (e == CURLE_OK && curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE,
	    &r->status) == CURLE_OK && r->status > 0) {
		read_answer(h, r);
		return HTTP_OK;
	}
	snprintf(r->message, sizeof(r->message), "%s",
	    h->errbuf[0] != '\0' ? h->errbuf : curl_easy_strerror(e));
	r->status = 0;
	if (e == CURLE_ABORTED_BY_CALLBACK)
		return HTTP_ABORTED;
	return local_failure(e) ? HTTP_FAILED : HTTP_NOANSWER;
}

void
http_free(struct http *h)
{
	if (h == NULL)
		return;
	curl_easy_cleanup(h->curl);
	headers_free(h->hdr_plain);
	headers_free(h->hdr_gzip);
	free(h->answer);
	free(h);
}
