/*
 * resp.c: FastCGI/CGI response writing and the error → HTTP table.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "resp.h"

#define RESP_STREAMED	((size_t)-1)	/* no Content-Length */

static const struct {
	int		 status;
	const char	*code;
	const char	*message;
} errors[AX_ERR__COUNT] = {
	[AX_OK] = { 200, "ok", "ok" },
	[AX_ERR_BAD_REQUEST] = { 400, "bad_request", "malformed request" },
	[AX_ERR_BAD_CURSOR] = { 400, "bad_cursor",
	    "cursor: malformed, altered or not made by this server" },
	[AX_ERR_INVALID_JSON] = { 400, "invalid_json", "body is not valid JSON" },
	[AX_ERR_INVALID_EVENT] = { 400, "invalid_event", "an event is invalid" },
	[AX_ERR_INVALID_ENCODING] = { 400, "invalid_encoding",
	    "body encoding is invalid" },
	[AX_ERR_REJECTED] = { 400, "rejected", "the database rejected the data" },
	[AX_ERR_UNAUTHORIZED] = { 401, "unauthorized",
	    "missing, unknown or revoked key" },
	[AX_ERR_FORBIDDEN] = { 403, "forbidden", "this key may not do that" },
	[AX_ERR_NOT_FOUND] = { 404, "not_found", "no such resource" },
	[AX_ERR_METHOD] = { 405, "method_not_allowed", "method not allowed" },
	[AX_ERR_LENGTH_REQUIRED] = { 411, "length_required",
	    "Content-Length required" },
	[AX_ERR_TOO_LARGE] = { 413, "too_large", "request too large" },
	[AX_ERR_MEDIA_TYPE] = { 415, "unsupported_media_type",
	    "unsupported content type or encoding" },
	[AX_ERR_RATE_LIMITED] = { 429, "rate_limited", "too many requests" },
	[AX_ERR_UNAVAILABLE] = { 503, "unavailable",
	    "the database is unavailable; retry later" },
};

static const char *
reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 204: return "No Content";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 411: return "Length Required";
	case 413: return "Content Too Large";
	case 415: return "Unsupported Media Type";
	case 429: return "Too Many Requests";
	case 503: return "Service Unavailable";
	default: return "Unknown";
	}
}

void
resp_init(struct resp *p, resp_write_fn write, void *io)
{
	memset(p, 0, sizeof(*p));
	p->write = write;
	p->io = io;
}

void
resp_free(struct resp *p)
{
	size_t	i;

	for (i = 0; i < p->nheaders; i++)
		free(p->headers[i]);
	p->nheaders = 0;
}

int
resp_header(struct resp *p, const char *name, const char *value)
{
	size_t	 nl = strlen(name), vl = strlen(value);
	char	*h;

	if (p->nheaders == RESP_MAX_HEADERS ||
	    strpbrk(name, "\r\n:") != NULL || strpbrk(value, "\r\n") != NULL)
		return -1;
	if ((h = malloc(nl + vl + 3)) == NULL)
		return -1;
	memcpy(h, name, nl);
	memcpy(h + nl, ": ", 2);
	memcpy(h + nl + 2, value, vl + 1);
	p->headers[p->nheaders++] = h;
	return 0;
}

static int
put(struct resp *p, const char *buf, size_t n)
{
	return p->write(p->io, buf, n) == (ssize_t)n ? 0 : -1;
}

/*
 * Status line and headers up to and including the blank line.  Every
 * answer says nosniff: a browser must never guess HTML or script from a
 * body that echoes what a client sent, whichever server is in front.
 */
static int
send_head(struct resp *p, int status, const char *ctype, size_t clen)
{
	char	line[128];
	size_t	i;
	int	n;

	p->sent = 1;
	p->status = status;
	n = snprintf(line, sizeof(line),
	    "Status: %d %s\r\nX-Content-Type-Options: nosniff\r\n", status,
	    reason(status));
	if (put(p, line, (size_t)n) != 0)
		return -1;
	if (ctype != NULL) {
		n = clen == RESP_STREAMED ?
		    snprintf(line, sizeof(line), "Content-Type: %s\r\n", ctype) :
		    snprintf(line, sizeof(line),
		    "Content-Type: %s\r\nContent-Length: %zu\r\n", ctype, clen);
		if (n < 0 || (size_t)n >= sizeof(line) ||
		    put(p, line, (size_t)n) != 0)
			return -1;
	}
	for (i = 0; i < p->nheaders; i++)
		if (put(p, p->headers[i], strlen(p->headers[i])) != 0 ||
		    put(p, "\r\n", 2) != 0)
			return -1;
	return put(p, "\r\n", 2);
}

int
resp_json(struct resp *p, int status, struct json_object *body)
{
	const char	*text;
	size_t		 len;

	text = json_object_to_json_string_length(body,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	if (text == NULL)
		return -1;
	if (send_head(p, status, "application/json", len + 1) != 0)
		return -1;
	if (p->head_only)
		return 0;
	if (put(p, text, len) != 0)
		return -1;
	return put(p, "\n", 1);
}

int
resp_begin(struct resp *p, int status, const char *ctype)
{
	return send_head(p, status, ctype, RESP_STREAMED);
}

int
resp_write(struct resp *p, const char *buf, size_t n)
{
	return p->head_only || n == 0 ? 0 : put(p, buf, n);
}

int
resp_body(struct resp *p, int status, const char *ctype, const char *body,
    size_t len)
{
	if (send_head(p, status, ctype, len) != 0)
		return -1;
	return p->head_only || len == 0 ? 0 : put(p, body, len);
}

int
resp_empty(struct resp *p, int status)
{
	return send_head(p, status, NULL, 0);
}

void
resp_cause(struct resp *p, const char *fmt, ...)
{
	va_list	ap;

	if (p->cause[0] != '\0')
		return;		/* the first cause is the one that counts */
	va_start(ap, fmt);
	(void)vsnprintf(p->cause, sizeof(p->cause), fmt, ap);
	va_end(ap);
}

int
resp_unavailable(struct resp *p, const char *fmt, ...)
{
	va_list	ap;

	if (p->cause[0] == '\0') {
		va_start(ap, fmt);
		(void)vsnprintf(p->cause, sizeof(p->cause), fmt, ap);
		va_end(ap);
	}
	return resp_error(p, AX_ERR_UNAVAILABLE, NULL, NULL);
}

int
resp_status_of(enum ax_err e)
{
	return e >= 0 && e < AX_ERR__COUNT ? errors[e].status : 503;
}

const char *
resp_code_of(enum ax_err e)
{
	return e >= 0 && e < AX_ERR__COUNT ? errors[e].code : "unavailable";
}

int
resp_error(struct resp *p, enum ax_err e, const char *msg,
    struct json_object *details)
{
	struct json_object	*o;
	int			 rc = -1;

	if (e <= AX_OK || e >= AX_ERR__COUNT)
		e = AX_ERR_UNAVAILABLE;
	if (e == AX_ERR_UNAVAILABLE || e == AX_ERR_RATE_LIMITED)
		(void)resp_header(p, "Retry-After", "1");
	if ((o = json_object_new_object()) == NULL)
		return -1;
	if (json_object_object_add(o, "error",
	    json_object_new_string(errors[e].code)) != 0 ||
	    json_object_object_add(o, "message",
	    json_object_new_string(msg ? msg : errors[e].message)) != 0)
		goto out;
	if (details != NULL &&
	    json_object_object_add(o, "details", json_object_get(details)) != 0)
		goto out;
	rc = resp_json(p, errors[e].status, o);
out:
	json_object_put(o);
	return rc;
}
