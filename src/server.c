/*
 * server.c: FastCGI/CGI accept loop over libfcgi's fcgiapp interface.
 */
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>

#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "metrics.h"
#include "server.h"

extern char **environ;

/* The program's name in log lines: set once, before any request. */
static const char *server_name = "axlog";
/* The program's own lines of /metrics (server_opts): set once, too. */
static void (*metrics_extra)(void *, struct metrics_text *);

/* GET /metrics: the shared counters, then the program's own lines. */
static void
serve_metrics(const struct req *r, struct resp *p, void *ctx)
{
	struct metrics_text	t;

	memset(&t, 0, sizeof(t));
	(void)resp_header(p, "Cache-Control", "no-store");
	if (strcmp(r->method, "GET") != 0 && strcmp(r->method, "HEAD") != 0) {
		(void)resp_header(p, "Allow", "GET, HEAD");
		(void)resp_error(p, AX_ERR_METHOD, NULL, NULL);
		return;
	}
	if (metrics_render(&t) == 0 && metrics_extra != NULL)
		metrics_extra(ctx, &t);
	if (t.failed || t.buf == NULL)
		(void)resp_unavailable(p, "out of memory writing /metrics");
	else
		(void)resp_body(p, 200, "text/plain; version=0.0.4; "
		    "charset=utf-8", t.buf, t.len);
	metrics_text_free(&t);
}

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
	int64_t		t0 = metrics_now_us();

	resp_init(&p, write_fn, wio);
	e = req_init(&r, envp, read_fn, rio);
	p.head_only = strcmp(r.method, "HEAD") == 0;
	if (e != AX_OK)
		(void)resp_error(&p, e, NULL, NULL);
	else if (metrics_is_path(r.path))
		serve_metrics(&r, &p, ctx);
	else
		handler(&r, &p, ctx);
	if (!p.sent)
		(void)resp_unavailable(&p, "handler sent no response");
	metrics_request(r.path, p.status, metrics_now_us() - t0);
	/* One line per 503, whichever path sent it: a client retries a
	 * 503, so an operator must learn why from the log alone. */
	if (p.status == 503)
		fprintf(stderr, "%s: 503 %s %s: %s\n", server_name, r.method,
		    r.path, p.cause[0] != '\0' ? p.cause : "no cause recorded");
	resp_free(&p);
}

/*
 * glibc keeps what a large request freed (a 1000-event body becomes a
 * few MB of json-c objects), one arena per thread, each at its high-water
 * mark.  Two arenas bound that across 16 threads, and a trim at most
 * every TRIM_EVERY_MS hands the free pages back to the kernel, so a
 * process that served one large request does not keep its memory for
 * the rest of its life.  Not after every request: measuring the free
 * space (mallinfo2) walks every free chunk, and pages handed back are
 * faulted in again by the next request, which cost /stats 4 ms a request.
 *
 * Blocks from MMAP_FROM bytes (a request's body, its columns, libpq's
 * buffer of a large statement) get pages of their own, handed back when
 * freed.  Setting the threshold stops glibc from raising it after each
 * such free, which would put the next large buffers in the heap among
 * small long-lived blocks, where no trim can give them back.
 */
#define TRIM_EVERY_MS	1000
#define MMAP_FROM	(128 * 1024)

static void
memory_init(void)
{
#ifdef M_ARENA_MAX
	(void)mallopt(M_ARENA_MAX, 2);
#endif
#ifdef M_MMAP_THRESHOLD
	(void)mallopt(M_MMAP_THRESHOLD, MMAP_FROM);
#endif
}

static void
memory_release(void)
{
	static _Atomic int64_t	last_ms;
	struct timespec		t;
	int64_t			now, prev;

	clock_gettime(CLOCK_MONOTONIC, &t);
	now = (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
	prev = atomic_load(&last_ms);
	if (now - prev < TRIM_EVERY_MS ||
	    !atomic_compare_exchange_strong(&last_ms, &prev, now))
		return;
	(void)malloc_trim(0);
}

/* What every request thread of a process shares. */
struct serving {
	server_handler	 handler;
	void		*ctx;
	pthread_mutex_t	 accept_lock;	/* libfcgi's accept is not shared */
};

/* One thread's accept loop on the listen socket at fd 0. */
static void *
serve_thread(void *arg)
{
	struct serving		*sv = arg;
	const struct timeval	 recv_timeout = { SERVER_RECV_TIMEOUT_S, 0 };
	FCGX_Request		 fr;
	int			 rc;

	if (FCGX_InitRequest(&fr, 0, 0) != 0) {
		fprintf(stderr, "axlog: cannot set up FastCGI\n");
		return NULL;
	}
	for (;;) {
		pthread_mutex_lock(&sv->accept_lock);
		rc = FCGX_Accept_r(&fr);
		pthread_mutex_unlock(&sv->accept_lock);
		if (rc < 0)
			break;
		/* libfcgi reads a body with no deadline of its own: a peer
		 * that goes quiet mid-request must not hold this thread. */
		(void)setsockopt(fr.ipcFd, SOL_SOCKET, SO_RCVTIMEO, &recv_timeout,
		    sizeof(recv_timeout));
		server_dispatch(sv->handler, sv->ctx, fr.envp, fcgx_read,
		    fr.in, fcgx_write, fr.out);
		FCGX_Finish_r(&fr);
		memory_release();
	}
	FCGX_Free(&fr, 1);
	return NULL;
}

/* One process: its init, then its request threads (this one included). */
static int
serve(server_handler handler, void *ctx, const struct server_opts *o)
{
	struct serving	 sv = { handler, ctx, PTHREAD_MUTEX_INITIALIZER };
	pthread_t	 tids[SERVER_MAX_THREADS];
	int		 i, n = o->threads < 1 ? 1 : o->threads;

	if (n > SERVER_MAX_THREADS)
		n = SERVER_MAX_THREADS;
	memory_init();
	if (o->process_init != NULL && o->process_init(ctx) != 0)
		return 1;
	for (i = 1; i < n; i++)
		if (pthread_create(&tids[i], NULL, serve_thread, &sv) != 0) {
			fprintf(stderr, "axlog: cannot start thread %d\n", i);
			return 1;
		}
	serve_thread(&sv);
	for (i = 1; i < n; i++)
		pthread_join(tids[i], NULL);
	return 0;
}

static volatile sig_atomic_t stopping;

static void
on_stop(int sig)
{
	(void)sig;
	stopping = 1;
}

/* A worker in metrics slot slot (1 and up; 0 is the supervisor). */
static pid_t
spawn(server_handler handler, void *ctx, const struct server_opts *o,
    int slot)
{
	pid_t	pid = fork();

	if (pid == 0) {
		signal(SIGTERM, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		metrics_set_slot(slot);
		_exit(serve(handler, ctx, o));
	}
	if (pid < 0)
		perror("axlog: fork");
	else
		metrics_proc_start(slot, (int)pid);
	return pid;
}

/*
 * Pre-forked workers sharing the listen socket, each with its own
 * database connection (made lazily, after the fork).  The parent only
 * restarts workers that die and passes SIGTERM on.
 */
static int
supervise(server_handler handler, void *ctx, const struct server_opts *o)
{
	int			 workers = o->workers > SERVER_MAX_WORKERS ?
				    SERVER_MAX_WORKERS : o->workers < 1 ? 1 :
				    o->workers;
	struct sigaction	 sa;
	pid_t			 pids[SERVER_MAX_WORKERS], pid;
	int			 i, status;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	for (i = 0; i < workers; i++)
		pids[i] = 0;
	while (!stopping) {
		/* Fill every empty slot; a failed fork is tried again. */
		for (i = 0; i < workers && !stopping; i++)
			if (pids[i] <= 0 &&
			    (pids[i] = spawn(handler, ctx, o, i + 1)) < 0)
				sleep(1);
		if ((pid = wait(&status)) < 0) {
			if (errno == ECHILD)
				sleep(1);	/* no child: the forks failed */
			continue;		/* or EINTR: a signal came */
		}
		for (i = 0; i < workers; i++)
			if (pids[i] == pid && !stopping) {
				fprintf(stderr, "axlog: worker %d ended "
				    "(status %d); starting another\n",
				    (int)pid, status);
				metrics_proc_end(i + 1);
				metrics_worker_restarted();
				sleep(1);	/* no busy loop on a crash */
				pids[i] = 0;
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
server_run(server_handler handler, void *ctx, const struct server_opts *o)
{
	int	in = STDIN_FILENO, out = STDOUT_FILENO;

	if (o->name != NULL)
		server_name = o->name;
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
	/* Before the fork, so that every worker shares the counters; a
	 * program without them still serves. */
	if (o->name != NULL && strncmp(o->name, "axlog-", 6) == 0 &&
	    metrics_init(o->name + 6) == 0) {
		metrics_extra = o->metrics_extra;
		metrics_proc_start(0, (int)getpid());
	}
	return supervise(handler, ctx, o);
}
