/*
 * req.h: one HTTP request as FastCGI or CGI hands it over: the CGI/1.1
 * meta-variables (RFC 3875 §4.1) and a body stream.  The environment is
 * borrowed: under FastCGI it is freed by the next accept, so copy what
 * must outlive the request.
 */
#ifndef AXLOG_REQ_H
#define AXLOG_REQ_H

#include <stddef.h>
#include <sys/types.h>

#include "err.h"

/* Reads up to n body bytes; returns the count, 0 at end, -1 on error. */
typedef ssize_t (*req_read_fn)(void *io, char *buf, size_t n);

struct req {
	char *const	*envp;
	req_read_fn	 read;
	void		*io;
	const char	*method;	/* REQUEST_METHOD, never NULL */
	const char	*query;		/* QUERY_STRING, never NULL */
	char		 path[1024];	/* decoded-free path of REQUEST_URI */
};

/*
 * Fill r from envp and a body reader.  Returns AX_OK, or AX_ERR_BAD_REQUEST
 * when the request line is unusable (no method, path too long).
 */
enum ax_err	req_init(struct req *r, char *const *envp, req_read_fn read, void *io);

/* Environment variable lookup; NULL when absent. */
const char	*req_env(const struct req *r, const char *name);

/*
 * Request header by its HTTP name ("Authorization", "X-API-Key"), looked up
 * as its CGI meta-variable (HTTP_AUTHORIZATION, CONTENT_TYPE...).
 */
const char	*req_header(const struct req *r, const char *name);

/*
 * Route a path to one program's endpoints: "/NAME" or "/NAME/SUB", or
 * for CGI deployments ".../axlog-NAME" or ".../axlog-NAME/SUB".  Returns
 * 0 with *sub the SUB ("" for none, never holding '/'), -1 otherwise.
 */
int		 req_route(const char *path, const char *name, const char **sub);

/*
 * Read the whole body, refusing before reading when CONTENT_LENGTH is
 * missing (AX_ERR_LENGTH_REQUIRED), malformed or negative
 * (AX_ERR_BAD_REQUEST) or over max (AX_ERR_TOO_LARGE).  A body shorter than
 * its declared length (client gone) is AX_ERR_BAD_REQUEST.  On AX_OK *body
 * is a NUL-terminated malloc'd copy the caller frees, *len its length.
 */
enum ax_err	req_read_body(struct req *r, size_t max, char **body, size_t *len);

#endif
