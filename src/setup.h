/*
 * setup.h: `axlogctl setup`, from an installed package to the first
 * stored event.  setup.c holds the options, the order of the steps and
 * the database; setup_host.c what happens on this host: settings files,
 * commands run (systemctl, spawn-fcgi, nginx, certbot), the nginx site,
 * ports and the checks over HTTP.
 *
 * Every step says what it did ("done"), what it found right
 * ("unchanged") or, with --dry-run, what it would do.  A failure is one
 * line on stderr naming the step and how to go on.
 */
#ifndef AXLOG_SETUP_H
#define AXLOG_SETUP_H

#include <stddef.h>

#define SETUP_ETC	"/etc/axlog"
#define SETUP_RUN	"/run/axlog"
#define SETUP_DB	"axlog"
#define SETUP_USER	"axlog"		/* the programs' user under spawn-fcgi */
#define SETUP_LOCK	"/run/axlogctl-setup.lock"

struct setup_opts {
	const char	*host;		/* --host: the nginx site's name */
	const char	*app;		/* --app: a first app and its keys */
	const char	*kind;		/* --kind of that app */
	const char	*database_url;	/* --database-url: a remote server */
	const char	*email;		/* --email: certbot's account */
	int		 http_port;	/* --http-port (80) */
	int		 tls;		/* --tls */
	int		 dry_run;	/* --dry-run */
	int		 undo;		/* --undo */
	int		 reset_passwords; /* --reset-passwords */
};

/* `axlogctl setup ARGS...`: argv[0] is "setup".  Returns the exit status. */
int	setup_main(int argc, char **argv);

/* ---- setup.c, for setup_host.c ---------------------------------------- */

/* Say what a step did: "setup: STEP: ...", counting changes. */
void	setup_say(const char *step, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* The same, for a change (or, in a dry run, one that would be made). */
void	setup_change(const char *step, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* A failed step: one line on stderr; returns 1. */
int	setup_fail(const char *step, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
int	setup_dry_run(void);

/* ---- setup_host.c ------------------------------------------------------ */

/*
 * Run a command (argv[0] looked up as host_which does) and wait for it.
 * With out, its stdout and stderr go there (the end of them, newlines as
 * "; ", NUL-terminated); without, to /dev/null when quiet, else they are
 * this process's.  envp NULL gives it PATH (those directories) and
 * LANG=C.UTF-8 only, never this process's environment.  Returns its
 * exit status, or -1 when it could not run (the reason in out).
 */
int	host_run(const char *const argv[], char *const envp[], char *out,
	    size_t outsz, int quiet);
/* The path of an executable in /usr/sbin, /usr/bin, /sbin, /bin, or -1. */
int	host_which(const char *name, char *path, size_t pathsz);
int	host_systemd(void);

/*
 * A settings file: its URL variable set to url, the other roles' URL
 * variables dropped, the rest kept; made from the example when missing.
 * mode 0640 or 0600, root:root.  *changed is set when it was (or, in a
 * dry run, would be) written.
 */
int	host_env_write(const char *name, const char *var, const char *url,
	    int mode, int *changed);
/* The value of var in a settings file, or NULL (malloc'ed). */
char	*host_env_get(const char *name, const char *var);

/* Is TCP port free on this host, or held by nginx?  1 yes, 0 no (why). */
int	host_port_ok(int port, char *why, size_t whysz);

/* The programs and the timer: enabled and running, or stopped. */
int	host_programs_up(const int restart[3]);
int	host_programs_down(void);

/* The nginx site for opts: written, enabled, nginx (re)loaded. */
int	host_nginx_up(const struct setup_opts *o);
int	host_nginx_down(void);
/* Preflight of the web side: nginx there, ports free, certbot for --tls. */
int	host_nginx_preflight(const struct setup_opts *o);

/* http[s]://HOST[:PORT] of the site. */
void	host_base_url(const struct setup_opts *o, char *buf, size_t bufsz);
/*
 * /health 200 through nginx (retried for a while), then one /ingest with
 * a made-up key: the 401 of axlog-ingest, which looked the key up.
 */
int	host_check(const struct setup_opts *o);
/* The first event, stored with ingest_key through nginx (200). */
int	host_send_event(const struct setup_opts *o, const char *ingest_key);

#endif
