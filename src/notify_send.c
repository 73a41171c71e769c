/*
 * notify_send.c: webhook and sendmail delivery.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "config.h"
#include "notify_send.h"

#define SEND_CONNECT_TIMEOUT_S	5
#define SEND_WAIT_STEP_MS	20

/* Environment of sendmail: never axlogctl's, which holds a password. */
static char *const mail_env[] = {
	"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C", NULL
};

int
notify_send_init(void)
{
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		return -1;
	return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

void
notify_send_cleanup(void)
{
	curl_global_cleanup();
}

/* The answer's body is not needed: read and drop it. */
static size_t
discard(char *s, size_t size, size_t n, void *arg)
{
	return size * n;
}

static struct curl_slist *
add(struct curl_slist *l, const char *line, int *failed)
{
	struct curl_slist	*t;

	if (*failed)
		return l;
	if ((t = curl_slist_append(l, line)) == NULL) {
		*failed = 1;
		return l;
	}
	return t;
}

/* The request's headers: fixed, ntfy's, then the target's own. */
static struct curl_slist *
headers(const struct notify_target *t, const struct notice *n,
    const char *content_type)
{
	struct curl_slist	*l = NULL;
	char			 line[160], pr[32], tags[64];
	char			 id[NOTICE_ID_LEN];
	size_t			 i;
	int			 failed = 0;

	notice_id(n, id);
	snprintf(line, sizeof(line), "Content-Type: %s", content_type);
	l = add(l, line, &failed);
	snprintf(line, sizeof(line), "Idempotency-Key: %s", id);
	l = add(l, line, &failed);
	l = add(l, "Expect:", &failed);
	if (t->format == NOTIFY_NTFY) {
		notice_ntfy_headers(n, line, pr, tags);
		l = add(l, line, &failed);
		l = add(l, pr, &failed);
		l = add(l, tags, &failed);
	}
	for (i = 0; i < t->nheaders; i++)
		l = add(l, t->headers[i], &failed);
	if (failed) {
		curl_slist_free_all(l);
		return NULL;
	}
	return l;
}

static int
post_setup(CURL *c, const struct notify_target *t, const char *body,
    struct curl_slist *h, char *errbuf)
{
	return curl_easy_setopt(c, CURLOPT_URL, t->url) != CURLE_OK ||
#if LIBCURL_VERSION_NUM >= 0x075500
	    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https") !=
	    CURLE_OK ||
#else
	    curl_easy_setopt(c, CURLOPT_PROTOCOLS,
	    (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS)) != CURLE_OK ||
#endif
	    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body)) !=
	    CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)t->timeout_s) !=
	    CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT,
	    (long)(t->timeout_s < SEND_CONNECT_TIMEOUT_S ? t->timeout_s :
	    SEND_CONNECT_TIMEOUT_S)) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_USERAGENT, "axlog/" PACKAGE_VERSION) !=
	    CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf) != CURLE_OK ?
	    -1 : 0;
}

static int
webhook(const struct notify_target *t, const struct notice *n, char *err,
    size_t errsz)
{
	struct curl_slist	*h = NULL;
	const char		*ctype;
	char			*body, errbuf[CURL_ERROR_SIZE] = "";
	CURL			*c = NULL;
	CURLcode		 cc;
	long			 status = 0;
	int			 rc = -1;

	if ((body = notice_body(n, t->format, &ctype)) == NULL ||
	    (h = headers(t, n, ctype)) == NULL ||
	    (c = curl_easy_init()) == NULL ||
	    post_setup(c, t, body, h, errbuf) != 0) {
		snprintf(err, errsz, "cannot set up the request");
		goto out;
	}
	if ((cc = curl_easy_perform(c)) != CURLE_OK) {
		snprintf(err, errsz, "%s", errbuf[0] ? errbuf :
		    curl_easy_strerror(cc));
		goto out;
	}
	if (curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status) !=
	    CURLE_OK || status < 200 || status > 299) {
		snprintf(err, errsz, "answered HTTP %ld", status);
		goto out;
	}
	rc = 0;
out:
	curl_easy_cleanup(c);
	curl_slist_free_all(h);
	free(body);
	return rc;
}

/* In the child: the pipe on stdin, stdout to stderr, then sendmail. */
static void
mail_child(const struct notify_target *t, int fds[2])
{
	static char	 opt_i[] = "-i";
	char		*argv[NOTIFY_MAX_RCPTS + 3];
	size_t		 i;

	/*
	 * A group of its own, so that a timeout kills what it started too.
	 * An ignored signal stays ignored across execve: not ours to pass on.
	 */
	if (setpgid(0, 0) != 0 || signal(SIGPIPE, SIG_DFL) == SIG_ERR ||
	    dup2(fds[0], STDIN_FILENO) < 0 ||
	    dup2(STDERR_FILENO, STDOUT_FILENO) < 0)
		_exit(126);
	(void)close(fds[0]);
	(void)close(fds[1]);
	argv[0] = t->sendmail;
	argv[1] = opt_i;
	for (i = 0; i < t->nrcpts; i++)
		argv[2 + i] = t->rcpts[i];
	argv[2 + i] = NULL;
	execve(t->sendmail, argv, mail_env);
	_exit(127);
}

static int
write_all(int fd, const char *s, size_t n)
{
	ssize_t	w;

	while (n > 0) {
		if ((w = write(fd, s, n)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

/* The child's wait status, killing its group when the timeout passes. */
static int
wait_child(pid_t pid, int timeout_s, int *status, int *killed)
{
	struct timespec	step = { 0, SEND_WAIT_STEP_MS * 1000000L };
	long		waited = 0;
	pid_t		r;

	*killed = 0;
	for (;;) {
		if ((r = waitpid(pid, status, WNOHANG)) == pid)
			return 0;
		if (r < 0 && errno != EINTR)
			return -1;
		if (waited >= timeout_s * 1000L)
			break;
		(void)nanosleep(&step, NULL);
		waited += SEND_WAIT_STEP_MS;
	}
	*killed = 1;
	if (kill(-pid, SIGKILL) != 0)
		(void)kill(pid, SIGKILL);
	while ((r = waitpid(pid, status, 0)) < 0 && errno == EINTR)
		;
	return r == pid ? 0 : -1;
}

static int
sendmail(const struct notify_target *t, const struct notice *n, char *err,
    size_t errsz)
{
	char	*msg;
	int	 fds[2], status, killed, wrote;
	pid_t	 pid;

	if ((msg = notice_mail(n, t, (int64_t)time(NULL))) == NULL) {
		snprintf(err, errsz, "cannot make the message");
		return -1;
	}
	if (pipe(fds) != 0) {
		snprintf(err, errsz, "pipe: %s", strerror(errno));
		free(msg);
		return -1;
	}
	if ((pid = fork()) < 0) {
		snprintf(err, errsz, "fork: %s", strerror(errno));
		(void)close(fds[0]);
		(void)close(fds[1]);
		free(msg);
		return -1;
	}
	if (pid == 0)
		mail_child(t, fds);
	/* Both sides set the group, so that it exists before any kill. */
	(void)setpgid(pid, pid);
	(void)close(fds[0]);
	/* The message (at most 4 KiB) fits in the pipe: this never blocks. */
	wrote = write_all(fds[1], msg, strlen(msg));
	(void)close(fds[1]);
	free(msg);
	if (wait_child(pid, t->timeout_s, &status, &killed) != 0) {
		snprintf(err, errsz, "waitpid: %s", strerror(errno));
		return -1;
	}
	if (killed) {
		snprintf(err, errsz, "%s took longer than %d s: killed",
		    t->sendmail, t->timeout_s);
		return -1;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		snprintf(err, errsz, "%s exited with status %d", t->sendmail,
		    WIFEXITED(status) ? WEXITSTATUS(status) :
		    128 + WTERMSIG(status));
		return -1;
	}
	if (wrote != 0) {
		snprintf(err, errsz, "%s did not read the message",
		    t->sendmail);
		return -1;
	}
	return 0;
}

int
notify_send(const struct notify_target *t, const struct notice *n,
    char *err, size_t errsz)
{
	err[0] = '\0';
	if (t->type == NOTIFY_WEBHOOK)
		return webhook(t, n, err, errsz);
	return sendmail(t, n, err, errsz);
}
