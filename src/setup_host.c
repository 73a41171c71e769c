/*
 * setup_host.c: what `axlogctl setup` does on this host: the settings
 * files, the commands it runs (fork and execve, never a shell), the
 * programs under systemd or else spawn-fcgi, the nginx site, certbot,
 * the ports, and the checks through nginx.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "setup.h"
#include "token.h"

/*
 * Commands are found in these directories only, never through the
 * caller's PATH: setup runs as root, and a PATH with a directory someone
 * else can write would run their nginx.  Children get child_env, not
 * this process's environment (which may hold secrets, PG* variables or
 * a hostile LD_PRELOAD).
 */
#define FIXED_PATH	"/usr/sbin:/usr/bin:/sbin:/bin"
static char *const child_env[] = { (char *)"PATH=" FIXED_PATH,
    (char *)"LANG=C.UTF-8", NULL };
/*
 * setup's site, under a name of its own: /etc/nginx/sites-available/axlog
 * is the package's conffile (or the operator's), which dpkg would offer
 * to replace on an upgrade.
 */
#define SITE		"/etc/nginx/sites-available/axlog-setup"
#define SITE_LINK	"/etc/nginx/sites-enabled/axlog-setup"
#define SITE_TARGET	"../sites-available/axlog-setup"
#define PKG_SITE_LINK	"/etc/nginx/sites-enabled/axlog"
#define SITE_TEMPLATE	AXLOG_PKGDATADIR "/nginx/axlog.conf"
#define SITE_MARK	"# Made by axlogctl setup from " SITE_TEMPLATE
#define NGINX_PID	"/run/nginx.pid"
#define MAX_FILE	(1024 * 1024)

static const char *const progs[] = { "ingest", "stats", "health" };

/* ---- small helpers ------------------------------------------------------ */

struct buf {
	char	*p;
	size_t	 len, cap;
};

static int
buf_add(struct buf *b, const char *s, size_t n)
{
	char	*p;
	size_t	 cap;

	if (b->len + n + 1 > b->cap) {
		cap = b->cap ? b->cap : 4096;
		while (cap < b->len + n + 1)
			cap *= 2;
		if ((p = realloc(b->p, cap)) == NULL)
			return -1;
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

static int
buf_str(struct buf *b, const char *s)
{
	return buf_add(b, s, strlen(s));
}

/* A whole file into b (empty and -1 with errno when it cannot be read). */
static int
read_file(const char *path, struct buf *b)
{
	char	chunk[8192];
	ssize_t	n;
	int	fd;

	memset(b, 0, sizeof(*b));
	if (buf_add(b, "", 0) != 0)
		return -1;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || b->len + (size_t)n > MAX_FILE ||
		    buf_add(b, chunk, (size_t)n) != 0) {
			close(fd);
			return -1;
		}
	}
	close(fd);
	return 0;
}

/* The directory of path synced, so that a rename in it survives a crash. */
static int
sync_dir(const char *path)
{
	char	dir[PATH_MAX], *slash;
	int	fd, rc;

	snprintf(dir, sizeof(dir), "%s", path);
	if ((slash = strrchr(dir, '/')) == NULL || slash == dir)
		return 0;
	*slash = '\0';
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -1;
	rc = fsync(fd);
	if (close(fd) != 0)
		rc = -1;
	return rc;
}

/* path written whole (a temporary file renamed over it), root:root. */
static int
write_file(const char *path, const char *data, size_t len, int mode)
{
	char	tmp[PATH_MAX];
	size_t	off = 0;
	ssize_t	n;
	int	fd;

	snprintf(tmp, sizeof(tmp), "%s.setup-tmp", path);
	(void)unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    mode);
	if (fd < 0)
		return -1;
	if (fchown(fd, 0, 0) != 0 || fchmod(fd, (mode_t)mode) != 0)
		goto fail;
	while (off < len) {
		if ((n = write(fd, data + off, len - off)) < 0) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		off += (size_t)n;
	}
	if (fsync(fd) != 0 || close(fd) != 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) == 0)
		return sync_dir(path);
fail:
	if (fd >= 0)
		close(fd);
	(void)unlink(tmp);
	return -1;
}

static void
sleep_ms(long ms)
{
	struct timespec	ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* The process of a pid file, if it runs and its name starts with comm. */
static pid_t
pidfile_alive(const char *path, const char *comm)
{
	struct buf	b, c;
	char		p[64];
	long		pid = 0;
	pid_t		rc = 0;

	memset(&c, 0, sizeof(c));
	if (read_file(path, &b) == 0)
		pid = strtol(b.p, NULL, 10);
	if (pid > 0 && pid <= INT_MAX && kill((pid_t)pid, 0) == 0) {
		snprintf(p, sizeof(p), "/proc/%ld/comm", pid);
		if (read_file(p, &c) == 0 && strncmp(c.p, comm,
		    strlen(comm)) == 0)
			rc = (pid_t)pid;
	}
	free(b.p);
	free(c.p);
	return rc;
}

/* ---- commands ----------------------------------------------------------- */

int
host_which(const char *name, char *path, size_t pathsz)
{
	const char	*p, *end;
	size_t		 n;

	if (strchr(name, '/') != NULL) {
		snprintf(path, pathsz, "%s", name);
		return access(path, X_OK) == 0 ? 0 : -1;
	}
	for (p = FIXED_PATH; *p; p = *end ? end + 1 : end) {
		end = strchr(p, ':');
		if (end == NULL)
			end = p + strlen(p);
		n = (size_t)(end - p);
		if (n == 0)
			continue;
		snprintf(path, pathsz, "%.*s/%s", (int)n, p, name);
		if (access(path, X_OK) == 0)
			return 0;
	}
	return -1;
}

static void
child(const char *path, const char *const argv[], char *const envp[],
    int outfd, int quiet)
{
	union { const char *const *c; char *const *v; } args = { argv };
	int	null = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (null >= 0)
		(void)dup2(null, 0);
	if (outfd >= 0) {
		(void)dup2(outfd, 1);
		(void)dup2(outfd, 2);
	} else if (quiet && null >= 0) {
		(void)dup2(null, 1);
		(void)dup2(null, 2);
	}
	execve(path, args.v, envp ? envp : child_env);
	_exit(127);
}

/* Add byte ch to out (len used of outsz), dropping the oldest when full. */
static void
keep_last(char *out, size_t outsz, size_t *len, char ch)
{
	if (*len + 1 >= outsz) {
		memmove(out, out + 1, *len - 1);
		(*len)--;
	}
	out[(*len)++] = ch;
}

/*
 * The end of a command's output (where the reason for a failure is),
 * newlines as "; ", at most outsz - 1 bytes.
 */
static void
collect(int fd, char *out, size_t outsz)
{
	char	chunk[4096];
	size_t	len = 0, i;
	ssize_t	n;
	int	nl = 0;

	if (outsz < 4)
		return;
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		for (i = 0; i < (size_t)n; i++) {
			if (chunk[i] == '\n') {
				nl = len > 0;
				continue;
			}
			if (nl) {
				keep_last(out, outsz, &len, ';');
				keep_last(out, outsz, &len, ' ');
				nl = 0;
			}
			keep_last(out, outsz, &len, chunk[i]);
		}
	}
	out[len] = '\0';
}

int
host_run(const char *const argv[], char *const envp[], char *out,
    size_t outsz, int quiet)
{
	char	path[PATH_MAX];
	int	pfd[2] = { -1, -1 }, st;
	pid_t	pid;

	if (out != NULL)
		out[0] = '\0';
	if (host_which(argv[0], path, sizeof(path)) != 0) {
		if (out != NULL)
			snprintf(out, outsz, "%s: command not found", argv[0]);
		return -1;
	}
	if (out != NULL && pipe(pfd) != 0)
		return -1;
	fflush(stdout);
	fflush(stderr);
	if ((pid = fork()) < 0) {
		if (out != NULL) {
			snprintf(out, outsz, "fork: %s", strerror(errno));
			close(pfd[0]);
			close(pfd[1]);
		}
		return -1;
	}
	if (pid == 0)
		child(path, argv, envp, pfd[1], quiet);
	if (out != NULL) {
		close(pfd[1]);
		collect(pfd[0], out, outsz);
		close(pfd[0]);
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* A command that must succeed; its output names the failure. */
static int
must_run(const char *step, const char *const argv[], const char *hint)
{
	char	out[1024];
	int	rc;

	if ((rc = host_run(argv, NULL, out, sizeof(out), 1)) == 0)
		return 0;
	return setup_fail(step, "%s %s failed (%s%s%d): %s", argv[0],
	    argv[1], out, out[0] ? "; exit " : "exit ", rc, hint);
}

static int
quiet_ok(const char *const argv[])
{
	return host_run(argv, NULL, NULL, 0, 1) == 0;
}

int
host_systemd(void)
{
	struct stat	st;

	return lstat("/run/systemd/system", &st) == 0 && S_ISDIR(st.st_mode);
}

/* ---- settings files ----------------------------------------------------- */

static const char *const url_vars[] = { "AXLOG_DATABASE_URL",
    "AXLOG_STATS_DATABASE_URL", "AXLOG_ADMIN_DATABASE_URL" };

/* The variable a line sets ("NAME=..." or "export NAME=..."), or NULL. */
static const char *
line_var(const char *line, size_t len, const char *var)
{
	size_t	n = strlen(var);

	while (len > 0 && (*line == ' ' || *line == '\t')) {
		line++;
		len--;
	}
	if (len > 7 && strncmp(line, "export", 6) == 0 &&
	    (line[6] == ' ' || line[6] == '\t')) {
		line += 7;
		len -= 7;
		while (len > 0 && (*line == ' ' || *line == '\t')) {
			line++;
			len--;
		}
	}
	if (len > n && strncmp(line, var, n) == 0 && line[n] == '=')
		return line + n + 1;
	return NULL;
}

char *
host_env_get(const char *name, const char *var)
{
	struct buf	 b;
	char		 path[PATH_MAX], *line, *end, *v, *rc = NULL;
	const char	*val;
	size_t		 n;

	snprintf(path, sizeof(path), "%s/%s.env", SETUP_ETC, name);
	if (read_file(path, &b) != 0) {
		free(b.p);
		return NULL;
	}
	for (line = b.p; *line && rc == NULL; line = *end ? end + 1 : end) {
		end = strchr(line, '\n');
		if (end == NULL)
			end = line + strlen(line);
		if ((val = line_var(line, (size_t)(end - line), var)) == NULL)
			continue;
		n = (size_t)(end - val);
		while (n > 0 && (val[n - 1] == '\r' || val[n - 1] == ' '))
			n--;
		if (n >= 2 && (val[0] == '"' || val[0] == '\'') &&
		    val[n - 1] == val[0]) {
			val++;
			n -= 2;
		}
		if ((v = malloc(n + 1)) != NULL) {
			memcpy(v, val, n);
			v[n] = '\0';
		}
		rc = v;
	}
	free(b.p);
	return rc;
}

/* cur with var set to url and the other URL variables dropped. */
static int
env_render(const char *cur, const char *var, const char *url,
    struct buf *out)
{
	const char	*line, *end;
	size_t		 i, len;
	int		 done = 0, drop;

	memset(out, 0, sizeof(*out));
	if (buf_add(out, "", 0) != 0)
		return -1;
	for (line = cur; *line; line = *end ? end + 1 : end) {
		end = strchr(line, '\n');
		if (end == NULL)
			end = line + strlen(line);
		len = (size_t)(end - line);
		for (i = 0, drop = 0; i < 3 && !drop; i++)
			drop = line_var(line, len, url_vars[i]) != NULL;
		if (drop && !done && line_var(line, len, var) != NULL) {
			if (buf_str(out, var) || buf_str(out, "=") ||
			    buf_str(out, url) || buf_str(out, "\n"))
				return -1;
			done = 1;
		} else if (!drop && (buf_add(out, line, len) ||
		    buf_str(out, "\n")))
			return -1;
	}
	if (!done && (buf_str(out, var) || buf_str(out, "=") ||
	    buf_str(out, url) || buf_str(out, "\n")))
		return -1;
	return 0;
}

/* Write path from next, or say it is right; rc of the step. */
static int
env_apply(const char *path, const struct buf *next, const char *var,
    int mode, int same)
{
	setup_change("settings", "%s %s (%04o root:root, %s only)",
	    same ? "set the mode of" : "write", path, mode, var);
	if (setup_dry_run())
		return 0;
	if (mkdir(SETUP_ETC, 0755) != 0 && errno != EEXIST)
		return setup_fail("settings", "%s: %s", SETUP_ETC,
		    strerror(errno));
	if (write_file(path, next->p, next->len, mode) != 0)
		return setup_fail("settings", "writing %s: %s", path,
		    strerror(errno));
	return 0;
}

int
host_env_write(const char *name, const char *var, const char *url,
    int mode, int *changed)
{
	struct buf	cur, next;
	struct stat	st;
	char		path[PATH_MAX], example[PATH_MAX];
	int		exists, same, rc = 0;

	memset(&next, 0, sizeof(next));
	*changed = 0;
	snprintf(path, sizeof(path), "%s/%s.env", SETUP_ETC, name);
	snprintf(example, sizeof(example), "%s/examples/%s.env.example",
	    AXLOG_PKGDATADIR, name);
	exists = lstat(path, &st) == 0;
	if (exists && !S_ISREG(st.st_mode))
		return setup_fail("settings", "%s is not a regular file: move "
		    "it away, then run setup again", path);
	if (read_file(exists ? path : example, &cur) != 0 && exists)
		rc = setup_fail("settings", "cannot read %s: %s", path,
		    strerror(errno));
	else if (strcspn(url, "\r\n\"'\\") != strlen(url))
		rc = setup_fail("settings", "refusing to write a URL with a "
		    "newline, a quote or a backslash to %s", path);
	else if (cur.p == NULL || env_render(cur.p, var, url, &next) != 0)
		rc = setup_fail("settings", "out of memory");
	else {
		same = exists && strcmp(cur.p, next.p) == 0;
		*changed = !same;
		if (same && (st.st_mode & 07777) == (mode_t)mode &&
		    st.st_uid == 0 && st.st_gid == 0)
			setup_say("settings", "%s is right (%04o root:root)",
			    path, mode);
		else
			rc = env_apply(path, &next, var, mode, same);
	}
	free(cur.p);
	free(next.p);
	return rc;
}

/* ---- ports -------------------------------------------------------------- */

/* Inodes of the sockets listening on port (/proc/net/tcp, tcp6). */
static int
listeners(int port, unsigned long *inodes, int max)
{
	static const char *const files[] = { "/proc/net/tcp", "/proc/net/tcp6" };
	char		 line[512], local[128];
	unsigned int	 lport, state;
	unsigned long	 inode;
	FILE		*f;
	int		 i, n = 0;

	for (i = 0; i < 2; i++) {
		if ((f = fopen(files[i], "re")) == NULL)
			continue;
		while (fgets(line, sizeof(line), f) != NULL && n < max) {
			if (sscanf(line, " %*d: %127s %*s %x %*s %*s %*s %*s "
			    "%*s %lu", local, &state, &inode) != 3 ||
			    state != 0x0A || strchr(local, ':') == NULL ||
			    sscanf(strchr(local, ':') + 1, "%x", &lport) != 1)
				continue;
			if ((int)lport == port)
				inodes[n++] = inode;
		}
		fclose(f);
	}
	return n;
}

/* The pid holding socket inode, its name in comm; 0 when none seen. */
static long
socket_owner(unsigned long inode, char *comm, size_t commsz)
{
	char		 want[64], path[PATH_MAX], link[64];
	struct dirent	*p, *fd;
	DIR		*proc, *fds;
	struct buf	 b;
	ssize_t		 n;
	long		 pid = 0;

	snprintf(want, sizeof(want), "socket:[%lu]", inode);
	if ((proc = opendir("/proc")) == NULL)
		return 0;
	while (pid == 0 && (p = readdir(proc)) != NULL) {
		if (p->d_name[0] < '1' || p->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/fd", p->d_name);
		if ((fds = opendir(path)) == NULL)
			continue;
		while (pid == 0 && (fd = readdir(fds)) != NULL) {
			snprintf(path, sizeof(path), "/proc/%s/fd/%s",
			    p->d_name, fd->d_name);
			n = readlink(path, link, sizeof(link) - 1);
			if (n > 0 && (link[n] = '\0', strcmp(link, want) == 0))
				pid = strtol(p->d_name, NULL, 10);
		}
		closedir(fds);
	}
	closedir(proc);
	snprintf(path, sizeof(path), "/proc/%ld/comm", pid);
	if (pid != 0 && read_file(path, &b) == 0)
		snprintf(comm, commsz, "%.*s", (int)strcspn(b.p, "\n"), b.p);
	else
		snprintf(comm, commsz, "?");
	if (pid != 0)
		free(b.p);
	return pid;
}

int
host_port_ok(int port, char *why, size_t whysz)
{
	unsigned long	inodes[16];
	char		comm[64];
	long		pid;
	int		i, n;

	n = listeners(port, inodes, 16);
	for (i = 0; i < n; i++) {
		pid = socket_owner(inodes[i], comm, sizeof(comm));
		if (pid != 0 && strcmp(comm, "nginx") == 0)
			continue;
		if (pid != 0)
			snprintf(why, whysz, "%s (pid %ld)", comm, pid);
		else
			snprintf(why, whysz, "a process setup cannot see");
		return 0;
	}
	return 1;
}

/* ---- the programs ------------------------------------------------------- */

static const char *const units[] = { "axlog@ingest.socket",
    "axlog@stats.socket", "axlog@health.socket", "axlog-maintain.timer" };

static int
unit_up(const char *unit)
{
	const char *const	enabled[] = { "systemctl", "is-enabled",
				    "--quiet", unit, NULL };
	const char *const	active[] = { "systemctl", "is-active",
				    "--quiet", unit, NULL };
	const char *const	enable[] = { "systemctl", "enable", "--now",
				    unit, NULL };

	if (quiet_ok(enabled) && quiet_ok(active)) {
		setup_say("programs", "%s is enabled and active", unit);
		return 0;
	}
	setup_change("programs", "systemctl enable --now %s", unit);
	return setup_dry_run() ? 0 : must_run("programs", enable, "see "
	    "systemctl status for why, fix it and run setup again");
}

/* When process pid started, as a wall-clock time in ns; -1 if unknown. */
static long long
proc_started_ns(long pid)
{
	struct timespec	 boot, real;
	struct buf	 b;
	char		 path[64], *p;
	unsigned long long ticks = 0;
	long		 hz = sysconf(_SC_CLK_TCK);
	int		 field, ok = 0;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	/* After the command's name, in parentheses, starttime is field 22. */
	if (read_file(path, &b) == 0 && (p = strrchr(b.p, ')')) != NULL) {
		for (field = 2; field < 22 && p != NULL; field++)
			p = strchr(p + 1, ' ');
		ok = p != NULL && sscanf(p + 1, "%llu", &ticks) == 1;
	}
	free(b.p);
	if (!ok || hz <= 0 || clock_gettime(CLOCK_BOOTTIME, &boot) != 0 ||
	    clock_gettime(CLOCK_REALTIME, &real) != 0)
		return -1;
	return (real.tv_sec - boot.tv_sec) * 1000000000LL + (real.tv_nsec -
	    boot.tv_nsec) + (long long)(ticks * (1000000000ULL /
	    (unsigned long long)hz));
}

/*
 * Was the settings file of program p written after process pid started?
 * Then it runs with old settings (an earlier run stopped before it
 * restarted it).  Two clock ticks of slack: the start is known to a tick.
 */
static int
env_newer(const char *p, long pid)
{
	char		path[PATH_MAX];
	struct stat	st;
	long long	start, mtime, tick;
	long		hz = sysconf(_SC_CLK_TCK);

	snprintf(path, sizeof(path), "%s/%s.env", SETUP_ETC, p);
	if (pid <= 0 || hz <= 0 || stat(path, &st) != 0 ||
	    (start = proc_started_ns(pid)) < 0)
		return 0;
	tick = 1000000000LL / hz;
	mtime = st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec;
	return mtime > start + 2 * tick;
}

/* The main process of a systemd unit, or 0. */
static long
unit_pid(const char *unit)
{
	const char *const	argv[] = { "systemctl", "show", "--property",
				    "MainPID", "--value", unit, NULL };
	char			out[64];

	if (host_run(argv, NULL, out, sizeof(out), 1) != 0)
		return 0;
	return strtol(out, NULL, 10);
}

static int
systemd_up(const int restart[3])
{
	char	unit[64];
	size_t	i;

	for (i = 0; i < 4; i++)
		if (unit_up(units[i]) != 0)
			return 1;
	for (i = 0; i < 3; i++) {
		snprintf(unit, sizeof(unit), "axlog@%s.service", progs[i]);
		const char *const active[] = { "systemctl", "is-active",
		    "--quiet", unit, NULL };
		const char *const argv[] = { "systemctl", "restart", unit,
		    NULL };
		/* One that does not run starts with its new settings. */
		if (!quiet_ok(active) || (!restart[i] &&
		    !env_newer(progs[i], unit_pid(unit))))
			continue;
		setup_change("programs", "systemctl restart %s (%s)", unit,
		    restart[i] ? "new settings" : "its settings file is newer "
		    "than it");
		if (!setup_dry_run() && must_run("programs", argv, "restart "
		    "it by hand") != 0)
			return 1;
	}
	return 0;
}

/* The environment of program p: its settings file only, and PATH. */
static int
program_env(const char *p, char **envp, char *store, size_t storesz)
{
	struct buf	 b;
	char		 path[PATH_MAX], *line, *end;
	size_t		 used = 0, len;
	int		 n = 0;

	snprintf(path, sizeof(path), "%s/%s.env", SETUP_ETC, p);
	if (read_file(path, &b) != 0) {
		free(b.p);
		return setup_fail("programs", "cannot read %s: %s", path,
		    strerror(errno));
	}
	envp[n++] = (char *)"PATH=/usr/sbin:/usr/bin:/sbin:/bin";
	for (line = b.p; *line && n < 62; line = *end ? end + 1 : end) {
		end = strchr(line, '\n');
		if (end == NULL)
			end = line + strlen(line);
		len = (size_t)(end - line);
		if (strncmp(line, "AXLOG_", 6) != 0 || memchr(line, '=',
		    len) == NULL || used + len + 1 > storesz)
			continue;
		memcpy(store + used, line, len);
		store[used + len] = '\0';
		envp[n++] = store + used;
		used += len + 1;
	}
	envp[n] = NULL;
	free(b.p);
	return 0;
}

static void
program_stop(const char *p)
{
	char	pidf[PATH_MAX], sock[PATH_MAX];
	pid_t	pid;
	int	i;

	snprintf(pidf, sizeof(pidf), "%s/%s.pid", SETUP_RUN, p);
	snprintf(sock, sizeof(sock), "%s/%s.sock", SETUP_RUN, p);
	if ((pid = pidfile_alive(pidf, "axlog-")) > 0) {
		(void)kill(pid, SIGTERM);
		for (i = 0; i < 50 && kill(pid, 0) == 0; i++)
			sleep_ms(100);
	}
	(void)unlink(pidf);
	(void)unlink(sock);
}

static int
program_spawn(const char *p)
{
	char		*envp[64], store[8192], sock[PATH_MAX], pidf[PATH_MAX];
	char		 bin[PATH_MAX];
	int		 rc;

	snprintf(sock, sizeof(sock), "%s/%s.sock", SETUP_RUN, p);
	snprintf(pidf, sizeof(pidf), "%s/%s.pid", SETUP_RUN, p);
	snprintf(bin, sizeof(bin), "%s/axlog-%s", AXLOG_BINDIR, p);
	if (program_env(p, envp, store, sizeof(store)) != 0)
		return 1;
	if ((mkdir(SETUP_RUN, 0755) != 0 && errno != EEXIST) ||
	    chmod(SETUP_RUN, 0755) != 0)
		return setup_fail("programs", "%s: %s", SETUP_RUN,
		    strerror(errno));
	/* A user of its own: nobody is shared with every other daemon. */
	if (getpwnam(SETUP_USER) == NULL || getgrnam(SETUP_USER) == NULL)
		return setup_fail("programs", "no system user and group %s to "
		    "run the programs as: the axlog package's postinst makes "
		    "them (dpkg-reconfigure axlog), then run setup again",
		    SETUP_USER);
	const char *const argv[] = { "spawn-fcgi", "-s", sock, "-M", "0660",
	    "-U", "www-data", "-G", "www-data", "-u", SETUP_USER, "-g",
	    SETUP_USER, "-P", pidf, "--", bin, NULL };
	rc = host_run(argv, envp, NULL, 0, 1);
	if (rc != 0)
		return setup_fail("programs", "spawn-fcgi could not start "
		    "%s (exit %d): run it by hand as README.md \"Deploy on a "
		    "VPS\" shows to see why", bin, rc);
	return 0;
}

static int
spawn_up(const int restart[3])
{
	char	pidf[PATH_MAX];
	pid_t	pid;
	int	i, alive, stale;

	for (i = 0; i < 3; i++) {
		snprintf(pidf, sizeof(pidf), "%s/%s.pid", SETUP_RUN, progs[i]);
		pid = pidfile_alive(pidf, "axlog-");
		alive = pid > 0;
		stale = alive && !restart[i] && env_newer(progs[i], pid);
		if (alive && !restart[i] && !stale) {
			setup_say("programs", "axlog-%s runs (spawn-fcgi, %s)",
			    progs[i], pidf);
			continue;
		}
		setup_change("programs", "%sstart axlog-%s with spawn-fcgi on "
		    "%s/%s.sock (no systemd here%s)", alive ? "re" : "",
		    progs[i], SETUP_RUN, progs[i], stale ? "; its settings "
		    "file is newer than it" : "");
		if (setup_dry_run())
			continue;
		program_stop(progs[i]);
		if (program_spawn(progs[i]) != 0)
			return 1;
	}
	setup_say("programs", "no systemd, so no maintenance timer: run "
	    "`axlogctl maintain` every 15 minutes from cron (set -a; . "
	    "%s/axlogctl.env first)", SETUP_ETC);
	return 0;
}

int
host_programs_up(const int restart[3])
{
	char	path[PATH_MAX];

	if (host_systemd())
		return systemd_up(restart);
	if (host_which("spawn-fcgi", path, sizeof(path)) == 0)
		return spawn_up(restart);
	return setup_fail("programs", "systemd does not run here and "
	    "spawn-fcgi is missing: apt install spawn-fcgi (or boot with "
	    "systemd), then run setup again; by hand: systemctl enable --now "
	    "axlog@ingest.socket axlog@stats.socket axlog@health.socket "
	    "axlog-maintain.timer");
}

static int
unit_down(const char *unit)
{
	const char *const	enabled[] = { "systemctl", "is-enabled",
				    "--quiet", unit, NULL };
	const char *const	active[] = { "systemctl", "is-active",
				    "--quiet", unit, NULL };
	const char *const	disable[] = { "systemctl", "disable", "--now",
				    unit, NULL };

	if (!quiet_ok(enabled) && !quiet_ok(active)) {
		setup_say("programs", "%s is disabled and stopped", unit);
		return 0;
	}
	setup_change("programs", "systemctl disable --now %s", unit);
	return setup_dry_run() ? 0 : must_run("programs", disable, "stop "
	    "it by hand, then run setup --undo again");
}

int
host_programs_down(void)
{
	const char *const	stop[] = { "systemctl", "stop",
				    "axlog@ingest.service", "axlog@stats.service",
				    "axlog@health.service", NULL };
	char			pidf[PATH_MAX];
	size_t			i;

	if (host_systemd()) {
		for (i = 0; i < 4; i++)
			if (unit_down(units[i]) != 0)
				return 1;
		return setup_dry_run() ? 0 : must_run("programs", stop,
		    "stop them by hand");
	}
	for (i = 0; i < 3; i++) {
		snprintf(pidf, sizeof(pidf), "%s/%s.pid", SETUP_RUN, progs[i]);
		if (pidfile_alive(pidf, "axlog-") <= 0) {
			setup_say("programs", "axlog-%s does not run", progs[i]);
			continue;
		}
		setup_change("programs", "stop axlog-%s (spawn-fcgi)", progs[i]);
		if (!setup_dry_run())
			program_stop(progs[i]);
	}
	return 0;
}

/* ---- nginx -------------------------------------------------------------- */

/* An IPv6 address on some interface (proc files have no size: read). */
static int
has_ipv6(void)
{
	struct buf	b;
	int		yes;

	yes = read_file("/proc/net/if_inet6", &b) == 0 && b.len > 0;
	free(b.p);
	return yes;
}

/* One line of the shipped site, as the plain or TLS site has it. */
static int
site_line(const struct setup_opts *o, const char *line, size_t len,
    int tls, struct buf *out)
{
	char		 l[1024], port[64];
	const char	*s, *t = line;
	size_t		 ind = strspn(line, " \t");

	if (len >= sizeof(l))
		return buf_add(out, line, len) || buf_str(out, "\n");
	memcpy(l, line, len);
	l[len] = '\0';
	t = l + ind;
	if (!has_ipv6() && strncmp(t, "listen [::]", 11) == 0)
		return 0;
	if (!tls && (strncmp(t, "ssl_", 4) == 0 ||
	    strncmp(t, "add_header Strict-Transport-Security", 36) == 0))
		return 0;
	snprintf(port, sizeof(port), "%d;", o->http_port);
	if ((!tls && strcmp(t, "listen 443 ssl http2;") == 0) ||
	    strcmp(t, "listen 80;") == 0)
		return buf_add(out, l, ind) || buf_str(out, "listen ") ||
		    buf_str(out, port) || buf_str(out, "\n");
	if ((!tls && strcmp(t, "listen [::]:443 ssl http2;") == 0) ||
	    strcmp(t, "listen [::]:80;") == 0)
		return buf_add(out, l, ind) || buf_str(out, "listen [::]:") ||
		    buf_str(out, port) || buf_str(out, "\n");
	for (t = l; (s = strstr(t, "logs.example.com")) != NULL; t = s + 16)
		if (buf_add(out, t, (size_t)(s - t)) ||
		    buf_str(out, o->host))
			return -1;
	return buf_str(out, t) || buf_str(out, "\n");
}

/*
 * The site: the shipped one for o->host.  SITE_PLAIN is plain HTTP on
 * --http-port (its "Plain-HTTP variant": no port-80 redirect block, no
 * ssl_ lines, no HSTS); SITE_TLS the whole of it; SITE_BOOT, while
 * certbot gets the first certificate, only its port-80 block: the ACME
 * challenge and a redirect, never the API or its keys over plain HTTP.
 */
enum site_mode { SITE_PLAIN, SITE_TLS, SITE_BOOT };

static const char *const site_says[] = { "plain HTTP",
    "HTTPS with certbot's certificate",
    "only the ACME challenge until certbot's certificate is there" };

static int
site_render(const struct setup_opts *o, enum site_mode mode, struct buf *out)
{
	struct buf	 tpl;
	const char	*line, *end;
	char		 head[512];
	int		 server = -1, skipping = 0, rc = 0;

	memset(out, 0, sizeof(*out));
	if (read_file(SITE_TEMPLATE, &tpl) != 0) {
		free(tpl.p);
		return setup_fail("nginx", "cannot read %s: reinstall the "
		    "axlog package", SITE_TEMPLATE);
	}
	snprintf(head, sizeof(head), "%s\n# for %s, %s.  setup rewrites "
	    "this file; to keep your edits, delete these lines.\n", SITE_MARK,
	    o->host, site_says[mode]);
	rc = buf_str(out, head);
	for (line = tpl.p; rc == 0 && *line; line = *end ? end + 1 : end) {
		end = strchr(line, '\n');
		if (end == NULL)
			end = line + strlen(line);
		if (strncmp(line, "server {", 8) == 0 && ++server >= 0)
			skipping = (mode == SITE_PLAIN && server == 0) ||
			    (mode == SITE_BOOT && server == 1);
		if (skipping) {
			if (line[0] == '}')
				skipping = 0;
			continue;
		}
		rc = site_line(o, line, (size_t)(end - line),
		    mode != SITE_PLAIN, out);
	}
	free(tpl.p);
	if (rc != 0)
		return setup_fail("nginx", "out of memory");
	return 0;
}

/* The site file may be written: missing, or setup's own. */
static int
site_ours(void)
{
	struct buf	cur;
	int		ours;

	if (read_file(SITE, &cur) != 0)
		ours = errno == ENOENT;
	else
		ours = strncmp(cur.p, SITE_MARK, strlen(SITE_MARK)) == 0;
	free(cur.p);
	return ours;
}

static int
cert_exists(const char *host)
{
	char	path[PATH_MAX];

	snprintf(path, sizeof(path), "/etc/letsencrypt/live/%s/fullchain.pem",
	    host);
	return access(path, R_OK) == 0;
}

static int
certbot_ready(void)
{
	char	path[PATH_MAX];

	return host_which("certbot", path, sizeof(path)) == 0 &&
	    access("/usr/lib/python3/dist-packages/certbot_nginx", F_OK) == 0;
}

static int
port_preflight(int port, const char *opt)
{
	char	why[128];

	if (host_port_ok(port, why, sizeof(why)))
		return 0;
	return setup_fail("nginx", "port %d is taken by %s: stop it, or %s, "
	    "then run setup again", port, why, opt);
}

int
host_nginx_preflight(const struct setup_opts *o)
{
	struct stat	st;
	char		path[PATH_MAX];

	if (host_which("nginx", path, sizeof(path)) != 0)
		return setup_fail("nginx", "nginx is not installed: apt install "
		    "nginx, then run setup again (or run it without --host and "
		    "set up the web server from %s)", SITE_TEMPLATE);
	if (!site_ours())
		return setup_fail("nginx", "%s was changed by hand and setup "
		    "leaves it: move it away (setup then writes it anew), or "
		    "run setup without --host", SITE);
	/* Both would define the same upstreams: nginx -t refuses that. */
	if (lstat(PKG_SITE_LINK, &st) == 0)
		return setup_fail("nginx", "%s is enabled, and setup's own site "
		    "(%s) cannot be beside it: remove that link (the file "
		    "stays), or run setup without --host", PKG_SITE_LINK, SITE);
	if (port_preflight(o->http_port, "choose another with --http-port"))
		return 1;
	if (o->tls && port_preflight(443, "drop --tls"))
		return 1;
	if (o->tls && !cert_exists(o->host) && !certbot_ready())
		return setup_fail("tls", "certbot's nginx plugin is missing: "
		    "apt install certbot python3-certbot-nginx, then run setup "
		    "again (or drop --tls)");
	return 0;
}

static int
nginx_running(void)
{
	const char *const	active[] = { "systemctl", "is-active",
				    "--quiet", "nginx", NULL };

	if (host_systemd())
		return quiet_ok(active);
	return pidfile_alive(NGINX_PID, "nginx") > 0;
}

/*
 * Start nginx, or reload it.  counted: a change of this run; otherwise
 * the reload every run makes, so that nginx serves what the file says
 * even when an earlier run stopped before its reload (said, not
 * counted).
 */
static int
nginx_reload(int running, int counted)
{
	const char *const	sd_reload[] = { "systemctl", "reload", "nginx",
				    NULL };
	const char *const	sd_start[] = { "systemctl", "enable", "--now",
				    "nginx", NULL };
	const char *const	reload[] = { "nginx", "-s", "reload", NULL };
	const char *const	start[] = { "nginx", NULL };
	const char *const	*argv;
	int			 rc;

	if (host_systemd())
		argv = running ? sd_reload : sd_start;
	else
		argv = running ? reload : start;
	if (counted)
		setup_change("nginx", "%s nginx", running ? "reload" : "start");
	else
		setup_say("nginx", "%sreload nginx (it serves what the file "
		    "says, also after a run that stopped early)",
		    setup_dry_run() ? "would " : "");
	if (setup_dry_run())
		return 0;
	/* A daemon keeps what it inherits open: no pipe to wait on. */
	if (argv == start && (rc = host_run(argv, NULL, NULL, 0, 1)) != 0)
		return setup_fail("nginx", "nginx did not start (exit %d): see "
		    "/var/log/nginx/error.log, fix it and run setup again", rc);
	if (argv == start)
		return 0;
	return must_run("nginx", argv, "see /var/log/nginx/error.log, fix "
	    "it and run setup again");
}

static int
link_ours(void)
{
	struct stat	a, b;

	return lstat(SITE_LINK, &a) == 0 && S_ISLNK(a.st_mode) &&
	    stat(SITE_LINK, &a) == 0 && stat(SITE, &b) == 0 &&
	    a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* What was there before this run: the site file and its link. */
struct site_was {
	struct buf	old;
	int		had_site, had_link;
};

static void
site_save(struct site_was *w)
{
	w->had_site = read_file(SITE, &w->old) == 0;
	w->had_link = link_ours();
}

/* Back to what was there: the old site (or none), no new link. */
static int
site_restore(const struct site_was *w)
{
	int	rc = 0;

	if (w->had_site && write_file(SITE, w->old.p, w->old.len, 0644) != 0)
		rc = -1;
	if (!w->had_site && unlink(SITE) != 0 && errno != ENOENT)
		rc = -1;
	if (!w->had_link && unlink(SITE_LINK) != 0 && errno != ENOENT)
		rc = -1;
	return rc;
}

static int
site_test(const struct site_was *w)
{
	const char *const	test[] = { "nginx", "-t", "-q", NULL };
	char			out[1024];

	if (host_run(test, NULL, out, sizeof(out), 1) == 0)
		return 0;
	if (site_restore(w) != 0)
		return setup_fail("nginx", "nginx -t refuses the site (%s), "
		    "and putting the old one back failed (%s): fix both, then "
		    "run setup again", out, strerror(errno));
	return setup_fail("nginx", "nginx -t refuses the site (%s): the old "
	    "one is back; fix the cause and run setup again", out);
}

/* Site and link right, nginx running: test and reload all the same. */
static int
site_reload(void)
{
	const char *const	test[] = { "nginx", "-t", "-q", NULL };
	char			out[1024];

	setup_say("nginx", "%s is right, enabled and served", SITE);
	if (!setup_dry_run() && host_run(test, NULL, out, sizeof(out), 1) != 0)
		return setup_fail("nginx", "nginx -t fails (%s): fix that, then "
		    "run setup again", out);
	return nginx_reload(1, 0);
}

static int
site_apply(const char *host, const struct buf *site)
{
	struct site_was	w;
	int		running, same, rc;

	site_save(&w);
	same = w.had_site && strcmp(w.old.p, site->p) == 0;
	running = nginx_running();
	if (same && w.had_link && running) {
		free(w.old.p);
		return site_reload();
	}
	if (!same)
		setup_change("nginx", "write %s for %s", SITE, host);
	if (!w.had_link)
		setup_change("nginx", "enable it: %s -> " SITE_TARGET,
		    SITE_LINK);
	rc = 0;
	if (!setup_dry_run()) {
		if (!same && write_file(SITE, site->p, site->len, 0644) != 0)
			rc = setup_fail("nginx", "writing %s: %s", SITE,
			    strerror(errno));
		else if (!w.had_link && symlink(SITE_TARGET, SITE_LINK) != 0)
			rc = setup_fail("nginx", "%s: %s: remove it, then run "
			    "setup again", SITE_LINK, strerror(errno));
		else
			rc = site_test(&w);
	}
	free(w.old.p);
	return rc != 0 ? rc : nginx_reload(running, 1);
}

static int
site_up(const struct setup_opts *o, enum site_mode mode)
{
	struct buf	site;
	int		rc;

	if (site_render(o, mode, &site) != 0)
		return 1;
	rc = site_apply(o->host, &site);
	free(site.p);
	return rc;
}

static int
certbot(const struct setup_opts *o)
{
	const char *const	argv[] = { "certbot", "certonly", "--nginx",
				    "-d", o->host, "--non-interactive",
				    "--agree-tos", o->email ? "--email" :
				    "--register-unsafely-without-email",
				    o->email ? o->email : "--deploy-hook",
				    o->email ? "--deploy-hook" : "nginx -s reload",
				    o->email ? "nginx -s reload" : NULL, NULL };

	setup_change("tls", "certbot certonly --nginx -d %s (a Let's Encrypt "
	    "certificate; renewed by certbot's timer)", o->host);
	if (setup_dry_run())
		return 0;
	return host_run(argv, NULL, NULL, 0, 0);
}

/* certbot failed with rc: the site of before, nginx reloaded to it. */
static int
certbot_failed(const struct setup_opts *o, const struct site_was *w,
    int rc)
{
	const char *const	test[] = { "nginx", "-t", "-q", NULL };
	char			out[1024];

	if (site_restore(w) != 0 || host_run(test, NULL, out, sizeof(out),
	    1) != 0 || nginx_reload(nginx_running(), 1) != 0)
		return setup_fail("tls", "certbot failed (exit %d, above), and "
		    "putting the previous nginx site back failed: %s serves "
		    "only the ACME challenge; check that %s resolves to this "
		    "host and port 80 is open, then run setup again", rc,
		    SITE, o->host);
	return setup_fail("tls", "certbot failed (exit %d, above): the "
	    "previous nginx site is back; check that %s resolves to this "
	    "host and port 80 is open, then run setup again", rc, o->host);
}

/*
 * With --tls and no certificate yet, certbot answers the ACME challenge
 * through a site that serves nothing else; the HTTPS site follows.
 */
int
host_nginx_up(const struct setup_opts *o)
{
	struct site_was	w;
	int		rc;

	if (o->tls && !cert_exists(o->host)) {
		site_save(&w);
		rc = site_up(o, SITE_BOOT);
		if (rc == 0 && (rc = certbot(o)) != 0)
			rc = certbot_failed(o, &w, rc);
		free(w.old.p);
		if (rc != 0)
			return 1;
		if (setup_dry_run()) {
			setup_change("tls", "switch the site to HTTPS");
			return 0;
		}
	}
	return site_up(o, o->tls ? SITE_TLS : SITE_PLAIN);
}

int
host_nginx_down(void)
{
	const char *const	test[] = { "nginx", "-t", "-q", NULL };
	char			out[1024];
	struct stat		st;

	if (lstat(SITE_LINK, &st) != 0) {
		setup_say("nginx", "the site is not enabled");
		return 0;
	}
	setup_change("nginx", "disable the site: remove %s", SITE_LINK);
	if (setup_dry_run())
		return nginx_running() ? nginx_reload(1, 1) : 0;
	if (unlink(SITE_LINK) != 0)
		return setup_fail("nginx", "%s: %s", SITE_LINK, strerror(errno));
	if (!nginx_running())
		return 0;
	if (host_run(test, NULL, out, sizeof(out), 1) != 0)
		return setup_fail("nginx", "nginx -t fails without the site "
		    "(%s): fix that, then reload nginx", out);
	return nginx_reload(1, 1);
}

/* ---- checks ------------------------------------------------------------- */

void
host_base_url(const struct setup_opts *o, char *buf, size_t bufsz)
{
	if (o->tls)
		snprintf(buf, bufsz, "https://%s", o->host);
	else if (o->http_port == 80)
		snprintf(buf, bufsz, "http://%s", o->host);
	else
		snprintf(buf, bufsz, "http://%s:%d", o->host, o->http_port);
}

struct answer {
	char	body[512];	/* the answer's start, or curl's error */
	size_t	len;
};

static size_t
keep(char *p, size_t size, size_t n, void *arg)
{
	struct answer	*a = arg;
	size_t		 take = size * n;

	if (take > sizeof(a->body) - 1 - a->len)
		take = sizeof(a->body) - 1 - a->len;
	memcpy(a->body + a->len, p, take);
	a->len += take;
	a->body[a->len] = '\0';
	return size * n;
}

/* The request's options; CURLE_OK or the first that failed. */
static CURLcode
http_opts(CURL *c, const char *url, struct curl_slist *resolve,
    struct curl_slist *hdr, const char *body, struct answer *a, char *err)
{
	CURLcode	e = CURLE_OK;

	if (body != NULL)
		e = curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	if (e == CURLE_OK)
		e = curl_easy_setopt(c, CURLOPT_URL, url);
	if (e == CURLE_OK)
		e = curl_easy_setopt(c, CURLOPT_RESOLVE, resolve);
	if (e == CURLE_OK)
		e = curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
	if (e == CURLE_OK)
		e = curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	if (e == CURLE_OK)
		e = curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
	if (e == CURLE_OK)
		e = curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, keep);
	if (e == CURLE_OK)
		e = curl_easy_setopt(c, CURLOPT_WRITEDATA, a);
	if (e == CURLE_OK)
		e = curl_easy_setopt(c, CURLOPT_ERRORBUFFER, err);
	return e;
}

/* The headers: Authorization with key, Content-Type for a body. */
static struct curl_slist *
http_headers(const char *key, const char *body, int *failed)
{
	struct curl_slist	*hdr = NULL, *n;
	char			 auth[128];

	*failed = 0;
	if (key != NULL) {
		snprintf(auth, sizeof(auth), "Authorization: Bearer %s", key);
		if ((n = curl_slist_append(hdr, auth)) == NULL)
			*failed = 1;
		else
			hdr = n;
	}
	if (!*failed && body != NULL) {
		if ((n = curl_slist_append(hdr, "Content-Type: "
		    "application/json")) == NULL)
			*failed = 1;
		else
			hdr = n;
	}
	return hdr;
}

/* GET (body NULL) or POST through nginx on this host; the status, or 0. */
static long
http(const struct setup_opts *o, const char *path, const char *key,
    const char *body, struct answer *a)
{
	struct curl_slist	*resolve = NULL, *hdr = NULL;
	char			 url[512], base[300], r[300];
	char			 err[CURL_ERROR_SIZE];
	long			 code = 0;
	int			 failed;
	CURL			*c;
	CURLcode		 e;

	host_base_url(o, base, sizeof(base));
	snprintf(url, sizeof(url), "%s%s", base, path);
	snprintf(r, sizeof(r), "%s:%d:127.0.0.1", o->host, o->tls ? 443 :
	    o->http_port);
	memset(a, 0, sizeof(*a));
	err[0] = '\0';
	if ((c = curl_easy_init()) == NULL) {
		snprintf(a->body, sizeof(a->body), "(libcurl: out of memory)");
		return 0;
	}
	resolve = curl_slist_append(NULL, r);
	hdr = http_headers(key, body, &failed);
	if (resolve == NULL || failed)
		e = CURLE_OUT_OF_MEMORY;
	else
		e = http_opts(c, url, resolve, hdr, body, a, err);
	if (e == CURLE_OK)
		e = curl_easy_perform(c);
	if (e == CURLE_OK)
		e = curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	if (e != CURLE_OK) {
		code = 0;
		snprintf(a->body, sizeof(a->body), "(%s)", err[0] ? err :
		    curl_easy_strerror(e));
		a->len = strlen(a->body);
	}
	while (a->len > 0 && (a->body[a->len - 1] == '\n' ||
	    a->body[a->len - 1] == '\r'))
		a->body[--a->len] = '\0';
	curl_easy_cleanup(c);
	curl_slist_free_all(resolve);
	curl_slist_free_all(hdr);
	return code;
}

static int
check_health(const struct setup_opts *o)
{
	struct answer	a;
	long		code = -1;
	int		i;

	for (i = 0; i < 60 && code != 200; i++) {
		if (i > 0)
			sleep_ms(250);
		code = http(o, "/health", NULL, NULL, &a);
	}
	if (code != 200)
		return setup_fail("check", "GET /health through nginx: %ld %s: see /var/log/nginx/axlog.error.log and the "
		    "programs' logs (journalctl -u 'axlog@*'), fix the cause "
		    "and run setup again", code, a.body);
	setup_say("check", "GET /health through nginx: 200");
	return 0;
}

static const char first_event[] = "{\"event_type\":\"axlog.setup\","
    "\"message\":\"the first event, sent by axlogctl setup\"}";

/* POST /ingest with key: want, else the failure. */
static int
check_ingest(const struct setup_opts *o, const char *key, long want,
    const char *what)
{
	struct answer	a;
	long		code;

	code = http(o, "/ingest", key, first_event, &a);
	if (code != want)
		return setup_fail("check", "POST /ingest through nginx: %ld %s, "
		    "not %ld: see /var/log/nginx/axlog.error.log and "
		    "the programs' logs, fix the cause and run setup again",
		    code, a.body, want);
	setup_say("check", "POST /ingest through nginx: %ld (%s)", code, what);
	return 0;
}

int
host_check(const struct setup_opts *o)
{
	char	unknown[TOKEN_LEN + 1];

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
		return setup_fail("check", "libcurl does not start");
	if (check_health(o) != 0)
		return 1;
	/* No key is stored yet: one no one has, which ingest looks up. */
	if (token_generate(unknown) != 0)
		return setup_fail("check", "no randomness for a key");
	return check_ingest(o, unknown, 401, "a made-up key, looked up in "
	    "the database by the ingest role and refused");
}

int
host_send_event(const struct setup_opts *o, const char *ingest_key)
{
	return check_ingest(o, ingest_key, 200, "the first event is stored");
}
