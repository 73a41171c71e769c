/*
 * setup.c: `axlogctl setup`: the options, the order of the steps, and
 * the database: the roles with generated passwords (scram verifiers
 * computed here, so no password reaches the server's log), the
 * database, the migration, the group memberships and a first app.
 * Statements are constants or parameterised; CREATE and ALTER ROLE,
 * which take no parameters, are built by the server's format() with %I
 * and %L.  What happens on the host is in setup_host.c.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "ctl.h"
#include "schema.h"
#include "settings.h"
#include "setup.h"

#define PG_SOCKDIR	"/run/postgresql"
#define PW_BYTES	24		/* 192 random bits, as 48 hex digits */
#define CTL_TIMEOUT_MS	60000

static int	dry, nchanges;

int
setup_dry_run(void)
{
	return dry;
}

static void
vsay(const char *step, const char *pre, const char *fmt, va_list ap)
{
	printf("setup: %s: %s", step, pre);
	vprintf(fmt, ap);
	putchar('\n');
	fflush(stdout);
}

void
setup_say(const char *step, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsay(step, "", fmt, ap);
	va_end(ap);
}

void
setup_change(const char *step, const char *fmt, ...)
{
	va_list	ap;

	nchanges++;
	va_start(ap, fmt);
	vsay(step, dry ? "would " : "", fmt, ap);
	va_end(ap);
}

int
setup_fail(const char *step, const char *fmt, ...)
{
	va_list	ap;

	fflush(stdout);
	fprintf(stderr, "axlogctl setup: %s: ", step);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

/* ---- roles -------------------------------------------------------------- */

struct role {
	const char	*name;
	const char	*env[2];	/* settings files holding its URL */
	const char	*var;		/* the URL's variable there */
	int		 mode;		/* of those files */
	const char	*create_fmt;	/* format() of CREATE ROLE */
	const char	*attrs_sql;	/* its attributes, set again */
	const char	*grant_sql;	/* its group, or NULL */
	const char	*group;
	char		 pw[2 * PW_BYTES + 1];
	char		 url[1024];
	int		 env_changed[2];
};

enum { R_ADMIN, R_INGEST, R_STATS, NROLES };

static struct role roles[NROLES] = {
	{ "axlog_admin", { "axlogctl", NULL }, "AXLOG_ADMIN_DATABASE_URL",
	  0600, "CREATE ROLE %I LOGIN CREATEROLE PASSWORD %L",
	  "ALTER ROLE axlog_admin LOGIN CREATEROLE", NULL, NULL,
	  "", "", { 0, 0 } },
	{ "axlog_ingest", { "ingest", NULL }, "AXLOG_DATABASE_URL",
	  0640, "CREATE ROLE %I LOGIN PASSWORD %L",
	  "ALTER ROLE axlog_ingest LOGIN",
	  "GRANT axlog_writer TO axlog_ingest", "axlog_writer",
	  "", "", { 0, 0 } },
	{ "axlog_stats", { "stats", "health" }, "AXLOG_STATS_DATABASE_URL",
	  0640, "CREATE ROLE %I LOGIN PASSWORD %L",
	  "ALTER ROLE axlog_stats LOGIN",
	  "GRANT axlog_reader TO axlog_stats", "axlog_reader",
	  "", "", { 0, 0 } },
};

/* The server: the local cluster as postgres, or --database-url. */
struct server {
	PGconn	*su;
	char	 host[256];	/* of the programs' URLs */
	char	 port[16];
	char	 maint_db[64];	/* where logins are tried before axlog exists */
	/* TLS of a remote server, carried into the programs' URLs ("": none) */
	char	 sslmode[32];
	char	 sslrootcert[512];
	char	 hostaddr[64];
	char	 channel_binding[16];
	int	 local;
	int	 superuser;
	int	 db_exists;
	int	 admin_ok;	/* axlog_admin logs in (or will, after a dry run) */
};

static int
pg_fail(const char *step, PGconn *c, const char *what)
{
	char	 msg[512];
	char	*nl;

	snprintf(msg, sizeof(msg), "%s", PQerrorMessage(c));
	if ((nl = strchr(msg, '\n')) != NULL)
		*nl = '\0';
	return setup_fail(step, "%s: %s; fix that, then run setup again",
	    what, msg);
}

/* One row of a parameterised query on c, or NULL (reported). */
static PGresult *
query(PGconn *c, const char *step, const char *what, const char *sql,
    int n, const char *const *params)
{
	PGresult	*r;

	r = PQexecParams(c, sql, n, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(r) == PGRES_TUPLES_OK ||
	    PQresultStatus(r) == PGRES_COMMAND_OK)
		return r;
	PQclear(r);
	pg_fail(step, c, what);
	return NULL;
}

static int
command(PGconn *c, const char *step, const char *what, const char *sql)
{
	PGresult	*r;

	if ((r = query(c, step, what, sql, 0, NULL)) == NULL)
		return 1;
	PQclear(r);
	return 0;
}

static int
new_password(char *out)
{
	static const char	hex[] = "0123456789abcdef";
	unsigned char		b[PW_BYTES];
	size_t			got = 0;
	ssize_t			n;
	int			i;

	while (got < sizeof(b)) {
		n = getrandom(b + got, sizeof(b) - got, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return setup_fail("roles", "no randomness for a "
			    "password: %s", strerror(errno));
		got += (size_t)n;
	}
	for (i = 0; i < PW_BYTES; i++) {
		out[2 * i] = hex[b[i] >> 4];
		out[2 * i + 1] = hex[b[i] & 15];
	}
	out[2 * PW_BYTES] = '\0';
	return 0;
}

/* Percent-encoding of the URL's user-info part. */
static void
pct(const char *s, char *out, size_t outsz)
{
	size_t	o = 0;

	for (; *s && o + 4 < outsz; s++) {
		if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || strchr("-._~", *s) != NULL)
			out[o++] = *s;
		else
			o += (size_t)snprintf(out + o, outsz - o, "%%%02X",
			    (unsigned char)*s);
	}
	out[o] = '\0';
}

/* A query parameter "&name=value" (value percent-encoded), if value. */
static void
url_param(char *url, size_t urlsz, const char *name, const char *value)
{
	char	enc[3 * 512 + 1];
	size_t	n = strlen(url);

	if (value[0] == '\0')
		return;
	pct(value, enc, sizeof(enc));
	snprintf(url + n, urlsz - n, "%c%s=%s", strchr(url, '?') ? '&' : '?',
	    name, enc);
}

/*
 * r's URL.  Every part comes from server_check'ed values and is
 * percent-encoded where it may hold more than a host name's characters.
 */
static void
role_url(const struct server *sv, struct role *r)
{
	char		 pw[3 * sizeof(r->pw)];
	const char	*h = sv->host;
	int		 v6 = strchr(h, ':') != NULL;

	pct(r->pw, pw, sizeof(pw));
	if (h[0] == '/') {
		snprintf(r->url, sizeof(r->url), "postgresql://%s:%s@:%s/%s",
		    r->name, pw, sv->port, SETUP_DB);
		url_param(r->url, sizeof(r->url), "host", h);
	} else
		snprintf(r->url, sizeof(r->url), "postgresql://%s:%s@%s%s%s:%s"
		    "/%s", r->name, pw, v6 ? "[" : "", h, v6 ? "]" : "",
		    sv->port, SETUP_DB);
	url_param(r->url, sizeof(r->url), "hostaddr", sv->hostaddr);
	url_param(r->url, sizeof(r->url), "sslmode", sv->sslmode);
	url_param(r->url, sizeof(r->url), "sslrootcert", sv->sslrootcert);
	url_param(r->url, sizeof(r->url), "channel_binding",
	    sv->channel_binding);
}

/* The password of r in its first settings file, if that names r. */
static int
env_password(struct role *r)
{
	PQconninfoOption	*opts = NULL, *o;
	const char		*user = NULL, *pw = NULL;
	char			*url, *err = NULL;
	int			 ok = 0;

	if ((url = host_env_get(r->env[0], r->var)) != NULL)
		opts = PQconninfoParse(url, &err);
	for (o = opts; o != NULL && o->keyword != NULL; o++) {
		if (strcmp(o->keyword, "user") == 0)
			user = o->val;
		else if (strcmp(o->keyword, "password") == 0)
			pw = o->val;
	}
	if (user && pw && strcmp(user, r->name) == 0 && pw[0] != '\0' &&
	    strcmp(pw, "CHANGE-ME") != 0 && strlen(pw) < sizeof(r->pw)) {
		snprintf(r->pw, sizeof(r->pw), "%s", pw);
		ok = 1;
	}
	PQconninfoFree(opts);
	PQfreemem(err);
	free(url);
	return ok;
}

/* Does r log in with r->pw, as the programs will?  Why not in why. */
static int
login_works(const struct server *sv, const struct role *r, const char *db,
    char *why, size_t whysz)
{
	const char	*kw[12], *val[12];
	PGconn		*c;
	char		*nl;
	int		 n = 0, ok;

#define KV(k, v) do { if ((v)[0] != '\0') { kw[n] = (k); val[n++] = (v); } } while (0)
	KV("host", sv->host);
	KV("port", sv->port);
	KV("user", r->name);
	KV("password", r->pw);
	KV("dbname", db);
	KV("connect_timeout", "10");
	KV("application_name", "axlogctl-setup");
	KV("hostaddr", sv->hostaddr);
	KV("sslmode", sv->sslmode);
	KV("sslrootcert", sv->sslrootcert);
	KV("channel_binding", sv->channel_binding);
#undef KV
	kw[n] = val[n] = NULL;
	c = PQconnectdbParams(kw, val, 0);
	ok = c != NULL && PQstatus(c) == CONNECTION_OK;
	if (!ok) {
		snprintf(why, whysz, "%s", c ? PQerrorMessage(c) :
		    "out of memory");
		if ((nl = strchr(why, '\n')) != NULL)
			*nl = '\0';
	}
	PQfinish(c);
	return ok;
}

/* CREATE or ALTER ROLE with r's scram verifier, from format(fmt). */
static int
set_password(struct server *sv, struct role *r, const char *fmt)
{
	const char	*params[3];
	char		*verifier;
	PGresult	*res;
	int		 rc;

	verifier = PQencryptPasswordConn(sv->su, r->pw, r->name,
	    "scram-sha-256");
	if (verifier == NULL)
		return pg_fail("roles", sv->su, "computing a scram verifier");
	params[0] = fmt;
	params[1] = r->name;
	params[2] = verifier;
	res = query(sv->su, "roles", r->name, "SELECT format($1, $2::text, "
	    "$3::text)", 3, params);
	PQfreemem(verifier);
	if (res == NULL)
		return 1;
	rc = command(sv->su, "roles", r->name, PQgetvalue(res, 0, 0));
	PQclear(res);
	return rc;
}

/* r's settings files hold its URL (written when not, or said). */
static int
role_env(struct role *r)
{
	int	i;

	for (i = 0; i < 2 && r->env[i] != NULL; i++)
		if (host_env_write(r->env[i], r->var, r->url, r->mode,
		    &r->env_changed[i]) != 0)
			return 1;
	return 0;
}

static int
role_create(struct server *sv, struct role *r)
{
	role_url(sv, r);
	if (role_env(r) != 0)
		return 1;
	setup_change("roles", "create role %s (scram-sha-256, its password "
	    "in %s/%s.env)", r->name, SETUP_ETC, r->env[0]);
	if (r == &roles[R_ADMIN] && !dry)
		sv->admin_ok = 1;
	return dry ? 0 : set_password(sv, r, r->create_fmt);
}

static int
role_reset(struct server *sv, struct role *r)
{
	if (new_password(r->pw) != 0)
		return 1;
	role_url(sv, r);
	if (role_env(r) != 0)
		return 1;
	setup_change("roles", "give role %s a new password (--reset-passwords)",
	    r->name);
	if (r == &roles[R_ADMIN] && !dry)
		sv->admin_ok = 1;
	return dry ? 0 : set_password(sv, r, "ALTER ROLE %I PASSWORD %L");
}

static int
role_refuse(const struct role *r, int have_pw, const char *why)
{
	if (have_pw)
		return setup_fail("roles", "role %s exists and refuses the "
		    "password in %s/%s.env (%s): setup changes a password it "
		    "did not set only with --reset-passwords; run setup "
		    "--reset-passwords, or put the right URL in that file",
		    r->name, SETUP_ETC, r->env[0], why);
	return setup_fail("roles", "role %s exists with a password setup did "
	    "not set (%s/%s.env has none): run setup --reset-passwords to give "
	    "it a new one, or put its URL in that file and run setup again",
	    r->name, SETUP_ETC, r->env[0]);
}

/* LOGIN (and CREATEROLE for the schema owner), set again when missing. */
static int
role_attrs(struct server *sv, struct role *r, PGresult *res)
{
	int	login = PQgetvalue(res, 0, 0)[0] == 't';
	int	createrole = PQgetvalue(res, 0, 1)[0] == 't';

	if (login && (createrole || r != &roles[R_ADMIN]))
		return 0;
	setup_change("roles", "%s", r->attrs_sql);
	return dry ? 0 : command(sv->su, "roles", r->name, r->attrs_sql);
}

enum role_action { ROLE_RIGHT, ROLE_CREATE, ROLE_RESET };

/*
 * What to do with r: nothing (it logs in with the password of its
 * file), create it, or give it a new password (only with reset).  Every
 * role is looked at before any is changed, so a refusal changes nothing.
 */
static int
role_plan(struct server *sv, struct role *r, int reset, int *action,
    PGresult **attrs)
{
	const char	*params[] = { r->name };
	const char	*db = sv->db_exists ? SETUP_DB : sv->maint_db;
	char		 why[512];
	int		 have_pw;

	*attrs = query(sv->su, "roles", "looking up the roles", "SELECT "
	    "rolcanlogin, rolcreaterole FROM pg_roles WHERE rolname = $1", 1,
	    params);
	if (*attrs == NULL)
		return 1;
	have_pw = env_password(r);
	why[0] = '\0';
	if (PQntuples(*attrs) == 0)
		*action = ROLE_CREATE;
	else if (have_pw && login_works(sv, r, db, why, sizeof(why)))
		*action = ROLE_RIGHT;
	else if (reset)
		*action = ROLE_RESET;
	else
		return role_refuse(r, have_pw, why);
	if (*action == ROLE_CREATE && !have_pw && new_password(r->pw) != 0)
		return 1;
	return 0;
}

static int
role_apply(struct server *sv, struct role *r, int action, PGresult *attrs)
{
	switch (action) {
	case ROLE_CREATE:
		return role_create(sv, r);
	case ROLE_RESET:
		if (role_reset(sv, r) != 0)
			return 1;
		break;
	default:
		role_url(sv, r);
		if (r == &roles[R_ADMIN])
			sv->admin_ok = 1;
		setup_say("roles", "role %s logs in with the password in "
		    "%s/%s.env", r->name, SETUP_ETC, r->env[0]);
		if (role_env(r) != 0)
			return 1;
	}
	return role_attrs(sv, r, attrs);
}

static int
roles_step(struct server *sv, int reset)
{
	PGresult	*attrs[NROLES] = { NULL, NULL, NULL };
	int		 action[NROLES], i, rc = 0;

	for (i = 0; i < NROLES && rc == 0; i++)
		rc = role_plan(sv, &roles[i], reset, &action[i], &attrs[i]);
	for (i = 0; i < NROLES && rc == 0; i++)
		rc = role_apply(sv, &roles[i], action[i], attrs[i]);
	for (i = 0; i < NROLES; i++)
		PQclear(attrs[i]);
	return rc;
}

/* ---- the server --------------------------------------------------------- */

/* The port of the one local cluster's socket in dir, or PGPORT. */
static int
local_port(const char *dir, char *port, size_t portsz)
{
	const char	*env = getenv("PGPORT");
	struct dirent	*e;
	DIR		*d;
	char		 path[512];
	int		 n = 0;

	if (env != NULL && env[0] != '\0') {
		snprintf(path, sizeof(path), "%s/.s.PGSQL.%s", dir, env);
		snprintf(port, portsz, "%s", env);
		return access(path, F_OK) == 0 ? 0 : -1;
	}
	if ((d = opendir(dir)) == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		if (strncmp(e->d_name, ".s.PGSQL.", 9) != 0 ||
		    strchr(e->d_name + 9, '.') != NULL)
			continue;
		if (n == 0 || strcmp(e->d_name + 9, "5432") == 0)
			snprintf(port, portsz, "%s", e->d_name + 9);
		n++;
	}
	closedir(d);
	if (n > 1)
		setup_say("postgresql", "%d clusters run here; using port %s "
		    "(PGPORT=N chooses another)", n, port);
	return n > 0 ? 0 : -1;
}

/* Connect as the OS user postgres (peer authentication). */
static int
connect_local(struct server *sv)
{
	const char	*env = getenv("PGHOST");
	const char	*dir = env && env[0] == '/' ? env : PG_SOCKDIR;
	const char	*kw[] = { "host", "port", "user", "dbname",
			    "application_name", NULL };
	const char	*val[] = { dir, sv->port, "postgres", "postgres",
			    "axlogctl-setup", NULL };
	struct passwd	*pw;

	if (local_port(dir, sv->port, sizeof(sv->port)) != 0)
		return setup_fail("postgresql", "PostgreSQL is not running on "
		    "this host (no socket in %s): start it (systemctl start "
		    "postgresql), install it (apt install postgresql), or "
		    "give --database-url; then run setup again", dir);
	if ((pw = getpwnam("postgres")) == NULL)
		return setup_fail("postgresql", "no system user postgres to "
		    "connect as: give --database-url, or install the "
		    "postgresql package, then run setup again");
	if (seteuid(pw->pw_uid) != 0)
		return setup_fail("postgresql", "cannot act as postgres: %s",
		    strerror(errno));
	sv->su = PQconnectdbParams(kw, val, 0);
	if (seteuid(0) != 0)
		return setup_fail("postgresql", "cannot become root again: %s",
		    strerror(errno));
	if (sv->su == NULL || PQstatus(sv->su) != CONNECTION_OK)
		return pg_fail("postgresql", sv->su, "connecting as postgres "
		    "on the local socket");
	snprintf(sv->host, sizeof(sv->host), "127.0.0.1");
	snprintf(sv->maint_db, sizeof(sv->maint_db), "postgres");
	sv->local = 1;
	setup_say("postgresql", "the local cluster on port %s, as postgres",
	    sv->port);
	return 0;
}

/* Only chars of set, 1 to max bytes?  The values that go into URLs. */
static int
only(const char *v, const char *set, size_t max)
{
	size_t	n = strlen(v), i;

	if (n == 0 || n > max)
		return 0;
	for (i = 0; i < n; i++)
		if (!((v[i] >= 'a' && v[i] <= 'z') || (v[i] >= 'A' &&
		    v[i] <= 'Z') || (v[i] >= '0' && v[i] <= '9') ||
		    strchr(set, v[i]) != NULL))
			return 0;
	return 1;
}

/* Printable ASCII, no quote or backslash: a socket directory, a file. */
static int
printable(const char *v, size_t max)
{
	size_t	n = strlen(v), i;

	if (n == 0 || n >= max)
		return 0;
	for (i = 0; i < n; i++)
		if (v[i] < 0x20 || v[i] > 0x7e || strchr("\"'\\", v[i]))
			return 0;
	return 1;
}

/* What the connection used, copied and checked before it goes anywhere. */
static int
server_values(struct server *sv)
{
	PQconninfoOption	*opts, *o;
	unsigned long		 port;
	const char		*h = PQhost(sv->su), *p = PQport(sv->su);

	if (h == NULL || !(h[0] == '/' ? printable(h, sizeof(sv->host)) :
	    only(h, ".-:", 253)))
		return setup_fail("postgresql", "the server's host (%s) is not "
		    "a host name, an address or a socket directory", h ? h :
		    "none");
	if (p == NULL || settings_parse_ulong(p, 1, 65535, &port) != 0)
		return setup_fail("postgresql", "the server's port is not 1 to "
		    "65535");
	snprintf(sv->host, sizeof(sv->host), "%s", h);
	snprintf(sv->port, sizeof(sv->port), "%lu", port);
	if ((opts = PQconninfo(sv->su)) == NULL)
		return setup_fail("postgresql", "out of memory");
	for (o = opts; o->keyword != NULL; o++) {
		if (o->val == NULL || o->val[0] == '\0')
			continue;
		if (strcmp(o->keyword, "sslmode") == 0 &&
		    only(o->val, "-", sizeof(sv->sslmode) - 1))
			snprintf(sv->sslmode, sizeof(sv->sslmode), "%s", o->val);
		else if (strcmp(o->keyword, "channel_binding") == 0 &&
		    only(o->val, "", sizeof(sv->channel_binding) - 1))
			snprintf(sv->channel_binding,
			    sizeof(sv->channel_binding), "%s", o->val);
		else if (strcmp(o->keyword, "hostaddr") == 0 &&
		    only(o->val, ".:,", sizeof(sv->hostaddr) - 1))
			snprintf(sv->hostaddr, sizeof(sv->hostaddr), "%s",
			    o->val);
		else if (strcmp(o->keyword, "sslrootcert") == 0 &&
		    printable(o->val, sizeof(sv->sslrootcert)))
			snprintf(sv->sslrootcert, sizeof(sv->sslrootcert), "%s",
			    o->val);
	}
	PQconninfoFree(opts);
	/* libpq's defaults need not be written down. */
	if (strcmp(sv->channel_binding, "prefer") == 0)
		sv->channel_binding[0] = '\0';
	return 0;
}

/*
 * The URL may not hold a password: a command line is seen by every
 * user of the host (ps) and kept in shell histories.  libpq finds it in
 * PGPASSWORD, ~/.pgpass or PGPASSFILE.  Without sslmode (in the URL or
 * PGSSLMODE), TLS is required: verify-full with a root certificate
 * (sslrootcert or PGSSLROOTCERT), else require.
 */
static int
remote_defaults(const char *url, const char **sslmode)
{
	PQconninfoOption	*opts, *o;
	char			*err = NULL, *nl;
	const char		*env = getenv("PGSSLMODE");
	int			 has_mode = env != NULL && env[0] != '\0';
	int			 has_root = getenv("PGSSLROOTCERT") != NULL, rc = 0;

	if ((opts = PQconninfoParse(url, &err)) == NULL) {
		if (err != NULL && (nl = strchr(err, '\n')) != NULL)
			*nl = '\0';
		rc = setup_fail("postgresql", "--database-url: %s", err ? err :
		    "out of memory");
		PQfreemem(err);
		return rc;
	}
	for (o = opts; o->keyword != NULL; o++) {
		if (o->val == NULL || o->val[0] == '\0')
			continue;
		if (strcmp(o->keyword, "password") == 0)
			rc = setup_fail("postgresql", "--database-url holds a "
			    "password, which every user of this host can read "
			    "(ps): remove it and give it in ~/.pgpass, "
			    "PGPASSFILE or PGPASSWORD");
		else if (strcmp(o->keyword, "sslmode") == 0)
			has_mode = 1;
		else if (strcmp(o->keyword, "sslrootcert") == 0)
			has_root = 1;
	}
	PQconninfoFree(opts);
	*sslmode = has_mode ? NULL : has_root ? "verify-full" : "require";
	return rc;
}

static int
connect_remote(struct server *sv, const char *url)
{
	const char	*kw[] = { "sslmode", "dbname", "application_name", NULL };
	const char	*val[] = { NULL, url, "axlogctl-setup", NULL };
	const char	*sslmode = NULL;
	int		 first;

	if (remote_defaults(url, &sslmode) != 0)
		return 1;
	/* The URL (the first dbname, expanded) overrides what precedes it. */
	val[0] = sslmode;
	first = sslmode == NULL;
	sv->su = PQconnectdbParams(kw + first, val + first, 1);
	if (sv->su == NULL || PQstatus(sv->su) != CONNECTION_OK)
		return pg_fail("postgresql", sv->su, "connecting with "
		    "--database-url");
	if (server_values(sv) != 0)
		return 1;
	snprintf(sv->maint_db, sizeof(sv->maint_db), "%s", PQdb(sv->su));
	setup_say("postgresql", "%s port %s, as %s%s%s", sv->host, sv->port,
	    PQuser(sv->su), sv->sslmode[0] ? ", sslmode=" : "", sv->sslmode);
	return 0;
}

/* May this role make roles and databases?  And does axlog exist? */
static int
server_rights(struct server *sv)
{
	PGresult	*r;
	int		 roles_ok, db_ok;

	r = query(sv->su, "postgresql", "reading the role's rights", "SELECT "
	    "rolsuper, rolsuper OR rolcreaterole, rolsuper OR rolcreatedb, "
	    "current_setting('server_version_num')::int FROM pg_roles "
	    "WHERE rolname = current_user", 0, NULL);
	if (r == NULL)
		return 1;
	sv->superuser = PQgetvalue(r, 0, 0)[0] == 't';
	roles_ok = PQgetvalue(r, 0, 1)[0] == 't';
	db_ok = PQgetvalue(r, 0, 2)[0] == 't';
	if (atoi(PQgetvalue(r, 0, 3)) < 140000) {
		PQclear(r);
		return setup_fail("postgresql", "axlog needs PostgreSQL 14 or "
		    "newer");
	}
	PQclear(r);
	if (!roles_ok || !db_ok)
		return setup_fail("postgresql", "role %s may not create %s: "
		    "give --database-url a role with CREATEROLE and CREATEDB",
		    PQuser(sv->su), roles_ok ? "databases" : "roles");
	return 0;
}

/* ---- the database ------------------------------------------------------- */

static const char create_db_sql[] =
    "CREATE DATABASE axlog OWNER axlog_admin TEMPLATE template0"
    " ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'";

static int
db_lookup(struct server *sv, char *owner, size_t ownersz, char *enc,
    size_t encsz)
{
	const char	*params[] = { SETUP_DB };
	PGresult	*r;

	r = query(sv->su, "database", "looking up the database", "SELECT "
	    "pg_get_userbyid(datdba), pg_encoding_to_char(encoding) FROM "
	    "pg_database WHERE datname = $1", 1, params);
	if (r == NULL)
		return -1;
	sv->db_exists = PQntuples(r) == 1;
	if (sv->db_exists) {
		snprintf(owner, ownersz, "%s", PQgetvalue(r, 0, 0));
		snprintf(enc, encsz, "%s", PQgetvalue(r, 0, 1));
	}
	PQclear(r);
	return 0;
}

/* A role that is no superuser names another owner only as its member. */
static int
db_create(struct server *sv)
{
	setup_change("database", "create database %s (UTF8, C.UTF-8), owned "
	    "by axlog_admin", SETUP_DB);
	if (dry)
		return 0;
	if (!sv->superuser && command(sv->su, "database", "joining "
	    "axlog_admin to name it the owner", "GRANT axlog_admin TO "
	    "CURRENT_USER") != 0)
		return 1;
	return command(sv->su, "database", "creating the database",
	    create_db_sql);
}

static int
db_step(struct server *sv)
{
	char	owner[128], enc[32];

	if (db_lookup(sv, owner, sizeof(owner), enc, sizeof(enc)) != 0)
		return 1;
	if (!sv->db_exists)
		return db_create(sv);
	if (strcmp(owner, "axlog_admin") != 0)
		return setup_fail("database", "database %s exists, owned by %s "
		    "and not axlog_admin: ALTER DATABASE %s OWNER TO "
		    "axlog_admin (or drop it), then run setup again",
		    SETUP_DB, owner, SETUP_DB);
	if (strcmp(enc, "UTF8") != 0)
		return setup_fail("database", "database %s exists with "
		    "encoding %s, not UTF8: dump it, drop it and run setup "
		    "again", SETUP_DB, enc);
	setup_say("database", "%s exists, owned by axlog_admin, UTF8", SETUP_DB);
	return 0;
}

/* ---- as the schema owner ------------------------------------------------ */

static int
schema_at(struct db *db, int *version)
{
	PGresult	*r;
	int		 found;

	*version = 0;
	if (db_exec(db, "SELECT to_regclass('axlog.schema_migrations') IS NOT "
	    "NULL", 0, NULL, &r, DB_RETRY) != DB_OK)
		goto fail;
	found = PQgetvalue(r, 0, 0)[0] == 't';
	PQclear(r);
	if (!found)
		return 0;
	if (db_exec(db, "SELECT coalesce(max(version), 0) FROM "
	    "axlog.schema_migrations", 0, NULL, &r, DB_RETRY) != DB_OK)
		goto fail;
	*version = atoi(PQgetvalue(r, 0, 0));
	PQclear(r);
	return 0;
fail:
	return setup_fail("migrate", "reading the schema's version as "
	    "axlog_admin: %s; fix that, then run setup again", db_cause(db));
}

static int
migrate_step(struct db *db)
{
	int	version = 0;

	if (db != NULL && schema_at(db, &version) != 0)
		return 1;
	if (db != NULL && version >= schema_version()) {
		setup_say("migrate", "the schema is at version %d", version);
		return 0;
	}
	setup_change("migrate", "apply migrations %d to %d, as axlog_admin",
	    version + 1, schema_version());
	if (dry || db == NULL)
		return 0;
	if (ctl_migrate(db) != 0)
		return setup_fail("migrate", "axlogctl migrate failed (above): "
		    "fix that, then run setup again");
	return 0;
}

static int
grant_step(struct db *db, const struct role *r)
{
	const char	*params[] = { r->group, r->name };
	PGresult	*res;
	int		 member;

	if (db == NULL) {
		setup_change("roles", "%s", r->grant_sql);
		return 0;
	}
	if (db_exec(db, "SELECT EXISTS (SELECT 1 FROM pg_auth_members m "
	    "JOIN pg_roles g ON g.oid = m.roleid JOIN pg_roles u ON u.oid = "
	    "m.member WHERE g.rolname = $1 AND u.rolname = $2)", 2, params,
	    &res, DB_RETRY) != DB_OK)
		return setup_fail("roles", "reading %s's groups: %s", r->name,
		    db_cause(db));
	member = PQgetvalue(res, 0, 0)[0] == 't';
	PQclear(res);
	if (member) {
		setup_say("roles", "%s is in %s", r->name, r->group);
		return 0;
	}
	setup_change("roles", "%s", r->grant_sql);
	if (!dry && db_exec(db, r->grant_sql, 0, NULL, NULL, 0) != DB_OK)
		return setup_fail("roles", "%s: %s", r->grant_sql, db_cause(db));
	return 0;
}

/*
 * The first app and its keys.  They are made last, once the checks have
 * passed, in one transaction, and each token is printed as soon as that
 * transaction commits: no later step can fail and take a token the
 * operator never saw.  A run after a failed or interrupted one makes
 * the key of each scope the app has no active key of.
 */
struct keys {
	int	have_app;
	int	have[2];		/* an active ingest, read key exists */
	char	tok[2][TOKEN_LEN + 1];	/* the tokens made by this run */
	char	id[2][32];
	const char	*app, *kind;
};

static const char *const scopes[2] = { "ingest", "read" };

/* What exists of o->app: the app, an active key of each scope. */
static int
app_lookup(struct db *db, struct keys *k)
{
	const char	*params[] = { k->app };
	PGresult	*r;
	int		 i, s;

	if (db_exec(db, "SELECT 1 FROM axlog.apps WHERE app_id = $1", 1,
	    params, &r, DB_RETRY) != DB_OK)
		return setup_fail("app", "looking up %s: %s", k->app,
		    db_cause(db));
	k->have_app = PQntuples(r) == 1;
	PQclear(r);
	if (db_exec(db, "SELECT DISTINCT scope FROM axlog.api_keys WHERE "
	    "app_id = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR "
	    "expires_at > now())", 1, params, &r, DB_RETRY) != DB_OK)
		return setup_fail("app", "looking up the keys of %s: %s",
		    k->app, db_cause(db));
	for (i = 0; i < PQntuples(r); i++)
		for (s = 0; s < 2; s++)
			if (strcmp(PQgetvalue(r, i, 0), scopes[s]) == 0)
				k->have[s] = 1;
	PQclear(r);
	return 0;
}

/* The body of the transaction: the app when missing, the missing keys. */
static enum db_err
app_txn(struct db *db, void *arg)
{
	struct keys	*k = arg;
	const char	*params[] = { k->app, k->kind, "made by axlogctl setup" };
	enum db_err	 e;
	int		 s;

	if (!k->have_app && (e = db_exec(db, "INSERT INTO axlog.apps (app_id, "
	    "kind, description) VALUES ($1, $2, $3) ON CONFLICT (app_id) DO "
	    "NOTHING", 3, params, NULL, 0)) != DB_OK)
		return e;
	for (s = 0; s < 2; s++)
		if (!k->have[s] && ctl_key_make(db, k->app, scopes[s],
		    "made by axlogctl setup", k->tok[s], k->id[s],
		    sizeof(k->id[s])) != 0)
			return DB_FAILED;
	return DB_OK;
}

static int
app_step(struct db *db, struct keys *k)
{
	const char	*what;

	if (db != NULL && app_lookup(db, k) != 0)
		return 1;
	if (db != NULL && k->have_app && k->have[0] && k->have[1]) {
		setup_say("app", "%s has an active ingest key and read key; "
		    "their tokens were shown when they were made (new ones: "
		    "axlogctl key create --scope ingest --app %s)", k->app,
		    k->app);
		return 0;
	}
	what = !k->have[0] && !k->have[1] ? "an ingest key and a read key" :
	    !k->have[0] ? "an ingest key" : "a read key";
	if (!k->have_app)
		setup_change("app", "add app %s (%s) with %s", k->app, k->kind,
		    what);
	else
		setup_change("app", "make %s for %s (it has no active one)",
		    what, k->app);
	if (dry || db == NULL)
		return 0;
	if (db_txn(db, app_txn, k) != DB_OK)
		return setup_fail("app", "adding %s and its keys failed: %s; "
		    "nothing was stored: fix that, then run setup again",
		    k->app, db_cause(db));
	return 0;
}

/* ---- the steps ---------------------------------------------------------- */

static int
database_steps(const struct setup_opts *o, struct server *sv)
{
	char	owner[128], enc[32];

	if (server_rights(sv) != 0 ||
	    db_lookup(sv, owner, sizeof(owner), enc, sizeof(enc)) != 0)
		return 1;
	if (roles_step(sv, o->reset_passwords) != 0)
		return 1;
	return db_step(sv);
}

/* The schema owner's connection, or NULL in a dry run before it exists. */
static int
admin_open(const struct server *sv, struct db **db)
{
	*db = NULL;
	/* In a dry run, only an admin that exists already is asked. */
	if ((!dry || (sv->db_exists && sv->admin_ok)) &&
	    (*db = db_new(roles[R_ADMIN].url, NULL, 0, CTL_TIMEOUT_MS)) == NULL)
		return setup_fail("migrate", "out of memory");
	return 0;
}

static int
admin_steps(struct db *db)
{
	int	rc;

	rc = migrate_step(db);
	if (rc == 0)
		rc = grant_step(db, &roles[R_INGEST]);
	if (rc == 0)
		rc = grant_step(db, &roles[R_STATS]);
	return rc;
}

/* The tokens made by this run, printed as soon as they are stored. */
static void
print_keys(const struct setup_opts *o, const struct keys *k)
{
	char	base[300];
	int	s;

	if (k->tok[0][0] == '\0' && k->tok[1][0] == '\0')
		return;
	printf("\n%s of %s (shown this once: keep %s):\n",
	    k->tok[0][0] && k->tok[1][0] ? "The keys" : "A new key", o->app,
	    k->tok[0][0] && k->tok[1][0] ? "them" : "it");
	for (s = 0; s < 2; s++)
		if (k->tok[s][0] != '\0')
			printf("  %-6s key %s: %s\n", scopes[s], k->id[s],
			    k->tok[s]);
	if (o->host == NULL) {
		putchar('\n');
		fflush(stdout);
		return;
	}
	host_base_url(o, base, sizeof(base));
	/* The token goes on curl's command line: fine on a host of one's own. */
	if (k->tok[0][0] != '\0')
		printf("Send an event (the ingest key of %s):\n"
		    "  curl -sS %s/ingest -H 'Authorization: Bearer %s' "
		    "-H 'Content-Type: application/json' "
		    "-d '{\"event_type\":\"hello\",\"message\":\"my first "
		    "event\"}'\n", o->app, base, k->tok[0]);
	if (k->tok[1][0] != '\0')
		printf("Read the events of %s (its read key):\n"
		    "  curl -sS '%s/stats/logs?app=%s' -H 'Authorization: "
		    "Bearer %s'\n", o->app, base, o->app, k->tok[1]);
	putchar('\n');
	fflush(stdout);
}

static void
print_next(const struct setup_opts *o, const struct keys *k)
{
	char	base[300];

	if (o->host == NULL) {
		printf("\nThe programs run; the web server is yours: see "
		    AXLOG_PKGDATADIR "/nginx/axlog.conf, or run setup again "
		    "with --host NAME.\n");
		return;
	}
	host_base_url(o, base, sizeof(base));
	printf("\naxlog answers on %s/\n", base);
	if (k->tok[0][0] == '\0' && k->tok[1][0] == '\0')
		printf("Keys: axlogctl app add, axlogctl key create "
		    "(set -a; . %s/axlogctl.env; set +a first).\n", SETUP_ETC);
	printf("Health:    curl -fsS %s/health\n", base);
	printf("Dashboard: %s/ (it asks for a read key)\n", base);
}

/* The app and its keys, then the first event sent with its ingest key. */
static int
keys_steps(const struct setup_opts *o, struct db *db, struct keys *k)
{
	if (o->app == NULL)
		return 0;
	if (app_step(db, k) != 0)
		return 1;
	print_keys(o, k);
	if (o->host == NULL || dry || k->tok[0][0] == '\0')
		return 0;
	return host_send_event(o, k->tok[0]);
}

static int
setup_up(const struct setup_opts *o)
{
	struct server	 sv;
	struct keys	 k;
	struct db	*db = NULL;
	int		 restart[3], rc;

	memset(&sv, 0, sizeof(sv));
	memset(&k, 0, sizeof(k));
	k.app = o->app;
	k.kind = o->kind;
	if (o->host != NULL && host_nginx_preflight(o) != 0)
		return 1;
	rc = o->database_url ? connect_remote(&sv, o->database_url) :
	    connect_local(&sv);
	if (rc == 0)
		rc = database_steps(o, &sv);
	PQfinish(sv.su);
	if (rc == 0)
		rc = admin_open(&sv, &db);
	if (rc == 0)
		rc = admin_steps(db);
	restart[0] = roles[R_INGEST].env_changed[0];
	restart[1] = roles[R_STATS].env_changed[0];
	restart[2] = roles[R_STATS].env_changed[1];
	if (rc == 0)
		rc = host_programs_up(restart);
	if (rc == 0 && o->host != NULL)
		rc = host_nginx_up(o);
	if (rc == 0 && o->host != NULL && !dry)
		rc = host_check(o);
	if (rc == 0)
		rc = keys_steps(o, db, &k);
	if (db != NULL)
		db_free(db);
	if (rc != 0)
		return rc;
	if (dry) {
		printf("setup: dry run: %d change%s would be made; nothing was "
		    "done\n", nchanges, nchanges == 1 ? "" : "s");
		return 0;
	}
	if (nchanges == 0)
		printf("setup: done: nothing changed\n");
	else
		printf("setup: done: %d change%s\n", nchanges,
		    nchanges == 1 ? "" : "s");
	print_next(o, &k);
	return 0;
}

static int
setup_down(void)
{
	if (host_programs_down() != 0 || host_nginx_down() != 0)
		return 1;
	printf("setup: %s: %d change%s\n", dry ? "undo, dry run" : "undone",
	    nchanges, nchanges == 1 ? "" : "s");
	printf("Kept: the database %s and its roles, %s (the passwords), the "
	    "nginx site's file and any certificate.  To drop the data:\n"
	    "  runuser -u postgres -- dropdb %s\n"
	    "  runuser -u postgres -- psql -c 'DROP ROLE axlog_ingest, "
	    "axlog_stats, axlog_admin, axlog_writer, axlog_reader'\n"
	    "(drop the group roles only if no other axlog database of the "
	    "cluster uses them); apt purge axlog removes %s.\n", SETUP_DB,
	    SETUP_ETC, SETUP_DB, SETUP_ETC);
	return 0;
}

/* ---- options ------------------------------------------------------------ */

static const char setup_usage[] =
    "usage: axlogctl setup [--host NAME [--http-port PORT] [--tls "
    "[--email ADDRESS]]]\n"
    "                      [--app NAME [--kind KIND]] [--database-url URL]\n"
    "                      [--reset-passwords] [--dry-run]\n"
    "       axlogctl setup --undo [--dry-run]\n";

static int
usage(const char *why)
{
	if (why != NULL)
		fprintf(stderr, "axlogctl setup: %s\n", why);
	fputs(setup_usage, stderr);
	return 2;
}

/*
 * The host name as certbot and nginx compare it: lower case, without a
 * final dot; labels of 1 to 63 letters, digits and '-', none starting or
 * ending with '-'; 253 bytes at most.  0, or -1 when it is no host name.
 */
static int
host_normalise(const char *in, char *out, size_t outsz)
{
	size_t	n = strlen(in), i, label = 0;

	if (n > 0 && in[n - 1] == '.')
		n--;
	if (n == 0 || n > 253 || n >= outsz)
		return -1;
	for (i = 0; i < n; i++) {
		out[i] = in[i] >= 'A' && in[i] <= 'Z' ? (char)(in[i] + 32) :
		    in[i];
		if (out[i] == '.') {
			if (label == 0 || out[i - 1] == '-')
				return -1;
			label = 0;
			continue;
		}
		if (!((out[i] >= 'a' && out[i] <= 'z') || (out[i] >= '0' &&
		    out[i] <= '9') || out[i] == '-') || (label == 0 &&
		    out[i] == '-') || ++label > 63)
			return -1;
	}
	if (out[n - 1] == '-')
		return -1;
	out[n] = '\0';
	return 0;
}

static int
check_opts(const struct setup_opts *o)
{
	if (o->app != NULL && !schema_app_id_valid(o->app))
		return usage("--app must match ^[a-z0-9][a-z0-9_.-]{0,63}$");
	if (!schema_kind_valid(o->kind))
		return usage("--kind is parent, lightweight or heavy");
	if (o->http_port < 1 || o->http_port > 65535)
		return usage("--http-port is 1 to 65535");
	if ((o->tls || o->http_port != 80) && o->host == NULL)
		return usage("--tls and --http-port need --host");
	if (o->email != NULL && !o->tls)
		return usage("--email is for --tls");
	if (o->undo && (o->host || o->app || o->database_url || o->tls ||
	    o->reset_passwords))
		return usage("--undo takes only --dry-run");
	return 0;
}

static int
parse(int argc, char **argv, struct setup_opts *o)
{
	static const struct option longopts[] = {
		{ "host", required_argument, NULL, 'h' },
		{ "app", required_argument, NULL, 'a' },
		{ "kind", required_argument, NULL, 'k' },
		{ "database-url", required_argument, NULL, 'D' },
		{ "email", required_argument, NULL, 'e' },
		{ "http-port", required_argument, NULL, 'p' },
		{ "tls", no_argument, NULL, 't' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "undo", no_argument, NULL, 'u' },
		{ "reset-passwords", no_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	static char	host[254];
	unsigned long	port;
	int		c;

	memset(o, 0, sizeof(*o));
	o->kind = "lightweight";
	o->http_port = 80;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			if (host_normalise(optarg, host, sizeof(host)) != 0)
				return usage("--host takes a host name: labels "
				    "of 1 to 63 letters, digits and '-' (not "
				    "first or last), joined by '.'");
			o->host = host;
			break;
		case 'a': o->app = optarg; break;
		case 'k': o->kind = optarg; break;
		case 'D': o->database_url = optarg; break;
		case 'e': o->email = optarg; break;
		case 'p':
			if (settings_parse_ulong(optarg, 1, 65535, &port) != 0)
				return usage("--http-port is 1 to 65535");
			o->http_port = (int)port;
			break;
		case 't': o->tls = 1; break;
		case 'n': o->dry_run = 1; break;
		case 'u': o->undo = 1; break;
		case 'r': o->reset_passwords = 1; break;
		default: return usage(NULL);
		}
	}
	if (optind != argc)
		return usage("setup takes no operand");
	return check_opts(o);
}

/*
 * One setup at a time: two would race on the roles' passwords and the
 * settings files.  The lock is the kernel's, so it ends with the
 * process however that ends; the file stays (under /run, a tmpfs).
 * A dry run changes nothing and takes none.
 */
static int
setup_lock(void)
{
	int	fd, e;

	fd = open(SETUP_LOCK, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return setup_fail("start", "%s: %s", SETUP_LOCK,
		    strerror(errno));
	if (flock(fd, LOCK_EX | LOCK_NB) == 0)
		return 0;	/* fd stays open: the lock lasts the process */
	e = errno;
	close(fd);
	if (e == EWOULDBLOCK)
		return setup_fail("start", "another axlogctl setup runs (it "
		    "holds %s): wait for it to end, then run setup again",
		    SETUP_LOCK);
	return setup_fail("start", "locking %s: %s", SETUP_LOCK,
	    strerror(e));
}

int
setup_main(int argc, char **argv)
{
	struct setup_opts	o;
	int			rc;

	if ((rc = parse(argc, argv, &o)) != 0)
		return rc;
	if (geteuid() != 0)
		return setup_fail("start", "setup runs as root (it writes %s, "
		    "enables units and the nginx site): run it with sudo",
		    SETUP_ETC);
	dry = o.dry_run;
	if (!dry && setup_lock() != 0)
		return 1;
	return o.undo ? setup_down() : setup_up(&o);
}
