/*
 * empty-fcgi: the benchmark's FastCGI ceiling (bench/run).  It answers
 * every request with a fixed small JSON body and does nothing else, on
 * the same terms as the axlog programs: libfcgi's fcgiapp interface, the
 * listen socket on fd 0 from spawn-fcgi, and EMPTY_WORKERS pre-forked
 * workers (default 2, like AXLOG_WORKERS) under a parent that only waits.
 *
 *   spawn-fcgi -n -s SOCKET -- empty-fcgi
 */
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <fcgiapp.h>

static const char answer[] =
    "Status: 200 OK\r\n"
    "Content-Type: application/json\r\n"
    "Cache-Control: no-store\r\n"
    "Content-Length: 16\r\n"
    "\r\n"
    "{\"status\":\"ok\"}\n";

static int
serve(void)
{
	FCGX_Request	r;
	char		buf[4096];

	if (FCGX_InitRequest(&r, 0, 0) != 0)
		return 1;
	while (FCGX_Accept_r(&r) >= 0) {
		/* Drain a body, as a real handler reads its request. */
		while (FCGX_GetStr(buf, sizeof(buf), r.in) > 0)
			;
		FCGX_PutStr(answer, (int)sizeof(answer) - 1, r.out);
		FCGX_Finish_r(&r);
	}
	return 0;
}

static volatile sig_atomic_t stopping;

static void
on_stop(int sig)
{
	(void)sig;
	stopping = 1;
}

int
main(void)
{
	const char		*s = getenv("EMPTY_WORKERS");
	int			 workers = s != NULL ? atoi(s) : 2, i, status;
	pid_t			 pids[64];
	struct sigaction	 sa;

	signal(SIGPIPE, SIG_IGN);
	if (FCGX_Init() != 0) {
		fputs("empty-fcgi: cannot set up FastCGI\n", stderr);
		return 1;
	}
	if (workers <= 1)
		return serve();
	if (workers > 64)
		workers = 64;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	for (i = 0; i < workers; i++) {
		if ((pids[i] = fork()) == 0) {
			signal(SIGTERM, SIG_DFL);
			signal(SIGINT, SIG_DFL);
			_exit(serve());
		}
		if (pids[i] < 0)
			perror("empty-fcgi: fork");
	}
	/* The parent only waits, and passes SIGTERM on. */
	while (!stopping && (wait(&status) > 0 || errno == EINTR))
		;
	for (i = 0; i < workers; i++)
		if (pids[i] > 0)
			kill(pids[i], SIGTERM);
	while (wait(&status) > 0 || errno == EINTR)
		;
	return 0;
}
