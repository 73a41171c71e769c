/*
 * http.h: one POST of an NDJSON body to /ingest with libcurl's easy API,
 * and what came back: the status, Retry-After, and the JSON answer of
 * README "POST /ingest".
 */
#ifndef AXLOG_SEND_HTTP_H
#define AXLOG_SEND_HTTP_H

#include <signal.h>
#include <stddef.h>

struct http;

enum http_res {
	HTTP_OK,	/* an answer came: see the result's status */
	HTTP_NOANSWER,	/* connection refused, reset or timed out */
	HTTP_ABORTED,	/* *stop was set while the request ran */
	HTTP_FAILED,	/* local trouble: out of memory, a libcurl error */
};

struct http_result {
	long	status;		/* HTTP status, 0 with no answer */
	long	retry_after;	/* seconds from Retry-After, -1 if none */
	long	accepted;	/* of a 200 answer; -1 if not in it */
	long	duplicates;	/* of a 200 answer; -1 if not in it */
	char	error[64];	/* the answer's "error", or "" */
	char	message[256];	/* its "message", or libcurl's reason */
	char	detail[100];	/* first of "details": "field: problem" */
};

/*
 * Is url one axlog-send can post to (http or https, with a host)?  1 or 0.
 */
int		 http_url_usable(const char *url);

/*
 * A client for url, sending key as "Authorization: Bearer".  The key is
 * copied; the caller may wipe its own.  stop, when not NULL, aborts a
 * request in flight once it is non-zero.  NULL on failure.  Call
 * curl_global_init first.
 */
struct http	*http_new(const char *url, const char *key,
		    const volatile sig_atomic_t *stop);

/*
 * POST body[0..len) as application/x-ndjson (with "Content-Encoding:
 * gzip" when gzipped), giving up after timeout_s seconds.
 */
enum http_res	 http_post(struct http *h, const char *body, size_t len,
		    int gzipped, long timeout_s, struct http_result *r);

/* Wipes the key from memory; accepts NULL. */
void		 http_free(struct http *h);

#endif
