/*
 * resp.h: writing one response as a FastCGI/CGI program does: a "Status:"
 * header, the headers, a blank line, the body (RFC 3875 §6.2).  Owns the
 * one table mapping each enum ax_err to its HTTP status and JSON code.
 */
#ifndef AXLOG_RESP_H
#define AXLOG_RESP_H

#include <stddef.h>
#include <sys/types.h>

#include <json-c/json.h>

#include "err.h"

#define RESP_MAX_HEADERS 16
#define RESP_CAUSE_LEN	320

/* Writes n bytes; returns n, or -1 on error (client gone). */
typedef ssize_t (*resp_write_fn)(void *io, const char *buf, size_t n);

struct resp {
	resp_write_fn	 write;
	void		*io;
	int		 head_only;	/* HEAD: headers, no body */
	int		 sent;		/* a response went out */
	int		 status;	/* the status sent, for logs and tests */
	size_t		 nheaders;
	char		*headers[RESP_MAX_HEADERS];	/* "Name: value", owned */
	char		 cause[RESP_CAUSE_LEN];	/* why a 503: the log's, never the client's */
};

void	resp_init(struct resp *p, resp_write_fn write, void *io);
/* Frees the queued headers; safe on a zeroed or already freed resp. */
void	resp_free(struct resp *p);

/*
 * Queue a header for the response.  Refuses (-1) a name or value holding
 * CR, LF or NUL, so nothing a client sent can split the response.
 */
int	resp_header(struct resp *p, const char *name, const char *value);

/* Send status, queued headers and a JSON body; body is not consumed. */
int	resp_json(struct resp *p, int status, struct json_object *body);
/*
 * Start a streamed body of type ctype: no Content-Length, so the web
 * server frames it (chunked).  Then resp_write() as rows come.
 */
int	resp_begin(struct resp *p, int status, const char *ctype);
int	resp_write(struct resp *p, const char *buf, size_t n);

/* Send status, queued headers and a body of type ctype, len bytes. */
int	resp_body(struct resp *p, int status, const char *ctype,
	    const char *body, size_t len);

/* Send status and queued headers with no body (204, 304). */
int	resp_empty(struct resp *p, int status);

/*
 * Send the JSON error for e: {"error": code, "message": msg} plus
 * "details" when details is non-NULL (borrowed).  msg NULL uses the
 * default text of the code.  Adds the headers the status needs
 * (Retry-After on 429/503).
 */
int	resp_error(struct resp *p, enum ax_err e, const char *msg,
	    struct json_object *details);

/*
 * Every 503 gets one log line, written by server_dispatch, naming its
 * cause: resp_cause() records it (printf-style) for a 503 sent otherwise
 * (health's own body), resp_unavailable() records it and sends 503
 * unavailable.  The first cause recorded is kept.  The cause stays out
 * of the response: it may name hosts and roles.
 */
void	resp_cause(struct resp *p, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
int	resp_unavailable(struct resp *p, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

int		 resp_status_of(enum ax_err e);
const char	*resp_code_of(enum ax_err e);

#endif
