/*
 * req.c: CGI/1.1 meta-variables and the bounded body read.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "req.h"
#include "settings.h"

const char *
req_env(const struct req *r, const char *name)
{
	size_t	i, n = strlen(name);

	for (i = 0; r->envp != NULL && r->envp[i] != NULL; i++)
		if (strncmp(r->envp[i], name, n) == 0 && r->envp[i][n] == '=')
			return r->envp[i] + n + 1;
	return NULL;
}

const char *
req_header(const struct req *r, const char *name)
{
	char	var[128];
	size_t	i, off = 0, n = strlen(name);

	if (strcasecmp(name, "Content-Type") != 0 &&
	    strcasecmp(name, "Content-Length") != 0) {
		memcpy(var, "HTTP_", 5);
		off = 5;
	}
	if (off + n >= sizeof(var))
		return NULL;
	for (i = 0; i < n; i++)
		var[off + i] = name[i] == '-' ? '_' :
		    (char)toupper((unsigned char)name[i]);
	var[off + n] = '\0';
	return req_env(r, var);
}

enum ax_err
req_init(struct req *r, char *const *envp, req_read_fn read, void *io)
{
	const char	*uri, *q;
	size_t		 n;

	memset(r, 0, sizeof(*r));
	r->envp = envp;
	r->read = read;
	r->io = io;
	r->method = req_env(r, "REQUEST_METHOD");
	r->query = req_env(r, "QUERY_STRING");
	if (r->query == NULL)
		r->query = "";
	if (r->method == NULL || r->method[0] == '\0') {
		r->method = "";
		return AX_ERR_BAD_REQUEST;
	}
	/* REQUEST_URI is set by nginx and lighttpd alike; plain CGI may only
	 * have SCRIPT_NAME + PATH_INFO. */
	if ((uri = req_env(r, "REQUEST_URI")) != NULL) {
		q = strchr(uri, '?');
		n = q != NULL ? (size_t)(q - uri) : strlen(uri);
		if (n >= sizeof(r->path))
			return AX_ERR_BAD_REQUEST;
		memcpy(r->path, uri, n);
		r->path[n] = '\0';
	} else {
		const char *sn = req_env(r, "SCRIPT_NAME");
		const char *pi = req_env(r, "PATH_INFO");
		size_t a = sn ? strlen(sn) : 0, b = pi ? strlen(pi) : 0;

		if (a + b >= sizeof(r->path))
			return AX_ERR_BAD_REQUEST;
		memcpy(r->path, sn ? sn : "", a);
		memcpy(r->path + a, pi ? pi : "", b);
		r->path[a + b] = '\0';
	}
	return AX_OK;
}

enum ax_err
req_read_body(struct req *r, size_t max, char **body, size_t *len)
{
	const char	*cl = req_env(r, "CONTENT_LENGTH");
	unsigned long	 want;
	size_t		 got = 0;
	ssize_t		 n;
	char		*buf;

	*body = NULL;
	*len = 0;
	if (cl == NULL || cl[0] == '\0')
		return AX_ERR_LENGTH_REQUIRED;
	if (settings_parse_ulong(cl, 0, (unsigned long)-1 >> 1, &want) != 0)
		return AX_ERR_BAD_REQUEST;
	if (want > max)
		return AX_ERR_TOO_LARGE;
	if ((buf = malloc(want + 1)) == NULL)
		return AX_ERR_UNAVAILABLE;
	while (got < want) {
		n = r->read != NULL ? r->read(r->io, buf + got, want - got) : -1;
		if (n <= 0) {
			free(buf);
			return AX_ERR_BAD_REQUEST;
		}
		got += (size_t)n;
	}
	buf[want] = '\0';
	*body = buf;
	*len = want;
	return AX_OK;
}

/* After "/NAME" at p: "" or "/SUB" with one segment; the SUB or NULL. */
static const char *
route_rest(const char *p)
{
	if (*p == '\0')
		return p;
	if (*p != '/' || strchr(p + 1, '/') != NULL)
		return NULL;
	return p + 1;
}

int
req_route(const char *path, const char *name, const char **sub)
{
	char		 script[64];
	const char	*p, *hit = NULL;
	size_t		 n = strlen(name);

	if (path[0] == '/' && strncmp(path + 1, name, n) == 0 &&
	    (*sub = route_rest(path + 1 + n)) != NULL)
		return 0;
	if (snprintf(script, sizeof(script), "/axlog-%s", name) >=
	    (int)sizeof(script))
		return -1;
	for (p = path; (p = strstr(p, script)) != NULL; p++)
		hit = p;
	if (hit != NULL &&
	    (*sub = route_rest(hit + strlen(script))) != NULL)
		return 0;
	return -1;
}
