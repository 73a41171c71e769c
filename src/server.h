/*
 * server.h: the accept loop shared by the three programs.  Under a
 * FastCGI server (listen socket on fd 0: spawn-fcgi, systemd socket
 * activation, lighttpd's bin-path) it serves requests until killed; run
 * as plain CGI it serves the one request in its environment and returns.
 */
#ifndef AXLOG_SERVER_H
#define AXLOG_SERVER_H

#include "req.h"
#include "resp.h"

/*
 * Called once per request.  If it returns without sending a response,
 * the server answers 503 so no request goes unanswered.
 */
typedef void (*server_handler)(struct req *, struct resp *, void *ctx);

struct metrics_text;

#define SERVER_MAX_WORKERS	64
#define SERVER_MAX_THREADS	256
#define SERVER_RECV_TIMEOUT_S	30	/* a FastCGI peer's silence, at most */

struct server_opts {
	int	workers;	/* processes on the socket (AXLOG_WORKERS) */
	int	threads;	/* request threads per process; 1: none */
	/* Called in each serving process before it accepts (after fork,
	 * so threads it starts live there); 0 or the process exits. */
	int	(*process_init)(void *ctx);
	const char *name;	/* for log lines ("axlog-stats"); NULL: "axlog" */
	/*
	 * Under FastCGI a program named "axlog-NAME" also answers GET
	 * /metrics and /metrics/NAME (metrics.h); this adds the program's
	 * own lines to a scrape (may be NULL), called with the handler's
	 * ctx in a serving process.
	 */
	void	(*metrics_extra)(void *ctx, struct metrics_text *t);
};

/*
 * Serve until killed: workers processes accepting on the listen socket,
 * each with threads request threads; as CGI, serve the one request (no
 * process_init).  Returns 0 after the last request, 1 if setup failed.
 */
int	server_run(server_handler handler, void *ctx,
	    const struct server_opts *opts);

/*
 * Dispatch one request through handler (used by the loop and tests),
 * or to /metrics once metrics are on, and count it.  Every 503 writes
 * one line to standard error: the program, the request and the cause
 * the handler recorded (resp_cause).
 */
void	server_dispatch(server_handler handler, void *ctx, char *const *envp,
	    req_read_fn read, void *rio, resp_write_fn write, void *wio);

#endif
