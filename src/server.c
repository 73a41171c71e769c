/*
 * server.c: FastCGI/CGI accept loop over libfcgi's fcgiapp interface.
 */
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "server.h"

extern char **environ;

static ssize_t
fcgx_read(void *io, char *buf, size_t n)
{
	int	want = n > 65536 ? 65536 : (int)n;
	int	got = FCGX_GetStr(buf, want, (FCGX_Stream *)io);

	/* FCGX_GetStr returns short only at end of stream. */
	return got;
}

static ssize_t
fcgx_write(void *io, const char *buf, size_t n)
{
	if (n > 0x7fffffff)
		return -1;
	return FCGX_PutStr(buf, (int)n, (FCGX_Stream *)io) == (int)n ?
	    (ssize_t)n : -1;
}

static ssize_t
fd_read(void *io, char *buf, size_t n)
{
	return read(*(int *)io, buf, n);
}

static ssize_t
fd_write(void *io, const char *buf, size_t n)
{
	size_t	done = 0;
	ssize_t	w;

	while (done < n) {
		if ((w = write(*(int *)io, buf + done, n - done)) <= 0)
			return -1;
		done += (size_t)w;
	}
	return (ssize_t)n;
}

void
server_dispatch(server_handler handler, void *ctx, char *const *envp,
    req_read_fn read_fn, void *rio, resp_write_fn write_fn, void *wio)
{
	struct req	r;
	struct resp	p;
	enum ax_err	e;

	resp_init(&p, write_fn, wio);
	e = req_init(&r, envp, read_fn, rio);
	p.head_only = strcmp(r.method, "HEAD") == 0;
	if (e != AX_OK)
		(void)resp_error(&p, e, NULL, NULL);
	else
		handler(&r, &p, ctx);
	if (!p.sent) {
		fprintf(stderr, "axlog: %s %s: handler sent no response\n",
		    r.method, r.path);
		(void)resp_error(&p, AX_ERR_UNAVAILABLE, NULL, NULL);
	}
	resp_free(&p);
}

/* One process's accept loop on the listen socket at fd 0. */
static int
serve(server_handler handler, void *ctx)
{
	FCGX_Request	fr;

	if (FCGX_InitRequest(&fr, 0, 0) != 0) {
		fprintf(stderr, "axlog: cannot set up FastCGI\n");
		return 1;
	}
	while (FCGX_Accept_r(&fr) >= 0) {
		server_dispatch(handler, ctx, fr.envp, fcgx_read, fr.in,
		    fcgx_write, fr.out);
		FCGX_Finish_r(&fr);
	}
	FCGX_Free(&fr, 1);
	return 0;
}

static volatile sig_atomic_t stopping;

static void
on_stop(int sig)
{
	(void)sig;
	stopping = 1;
}

static pid_t
spawn(server_handler handler, void *ctx)
{
	pid_t	pid = fork();

	if (pid == 0) {
		signal(SIGTERM, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		_exit(serve(handler, ctx));
	}
	if (pid < 0)
		perror("axlog: fork");
	return pid;
}

/*
 * Pre-forked workers sharing the listen socket, each with its own
 * database connection (made lazily, after the fork).  The parent only
 * restarts workers that die and passes SIGTERM on.
 */
static int
supervise(server_handler handler, void *ctx, int workers)
{
	struct sigaction	 sa;
	pid_t			 pids[SERVER_MAX_WORKERS], pid;
	int			 i, status;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	for (i = 0; i < workers; i++)
		pids[i] = spawn(handler, ctx);
	while (!stopping) {
		if ((pid = wait(&status)) < 0)
			continue;	/* EINTR: a signal came */
		for (i = 0; i < workers; i++)
			if (pids[i] == pid && !stopping) {
				fprintf(stderr, "axlog: worker %d ended "
				    "(status %d); starting another\n",
				    (int)pid, status);
				sleep(1);	/* no busy loop on a crash */
				pids[i] = spawn(handler, ctx);
			}
	}
	for (i = 0; i < workers; i++)
		if (pids[i] > 0)
			kill(pids[i], SIGTERM);
	while (wait(&status) > 0 || errno == EINTR)
		;
	return 0;
}

int
server_run(server_handler handler, void *ctx, int workers)
{
	int	in = STDIN_FILENO, out = STDOUT_FILENO;

	/* A client that goes away must cost a failed write, not the process. */
	signal(SIGPIPE, SIG_IGN);
	if (FCGX_IsCGI()) {
		server_dispatch(handler, ctx, environ, fd_read, &in,
		    fd_write, &out);
		return 0;
	}
	if (FCGX_Init() != 0) {
		fprintf(stderr, "axlog: cannot set up FastCGI\n");
		return 1;
	}
	if (workers <= 1)
		return serve(handler, ctx);
	return supervise(handler, ctx, workers > SERVER_MAX_WORKERS ?
	    SERVER_MAX_WORKERS : workers);
}
