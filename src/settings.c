/*
 * settings.c: strict configuration from the environment.  Every AXLOG_*
 * variable must be known and well formed, so a typo stops the program at
 * start instead of silently meaning "default".
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "settings.h"

extern char **environ;

#define DEFAULT_MAX_BODY	(1024 * 1024)
#define DEFAULT_MAX_BATCH	1000
#define DEFAULT_DB_TIMEOUT_MS	5000
#define DEFAULT_WORKERS		2
#define DEFAULT_THREADS		16
#define DEFAULT_GROUP_MAX_EVENTS	10000
#define DEFAULT_GROUP_CONNECTIONS	1
#define DEFAULT_MAX_REPLAY_LAG_S	300

enum var_id {
	VAR_DATABASE_URL,
	VAR_STATS_DATABASE_URL,
	VAR_ADMIN_DATABASE_URL,
	VAR_MAX_BODY_BYTES,
	VAR_MAX_BATCH,
	VAR_DB_TIMEOUT_MS,
	VAR_CORS_ORIGINS,
	VAR_WORKERS,
	VAR_GROUP_COMMIT,
	VAR_THREADS,
	VAR_GROUP_MAX_EVENTS,
	VAR_GROUP_CONNECTIONS,
	VAR_PREPARED_STATEMENTS,
	VAR_MAX_REPLAY_LAG_S,
	VAR_EXPECT_SYNC_STANDBY,
	VAR__COUNT
};

static const char *const var_names[VAR__COUNT] = {
	"AXLOG_DATABASE_URL",
	"AXLOG_STATS_DATABASE_URL",
	"AXLOG_ADMIN_DATABASE_URL",
	"AXLOG_MAX_BODY_BYTES",
	"AXLOG_MAX_BATCH",
	"AXLOG_DB_TIMEOUT_MS",
	"AXLOG_CORS_ORIGINS",
	"AXLOG_WORKERS",
	"AXLOG_GROUP_COMMIT",
	"AXLOG_THREADS",
	"AXLOG_GROUP_MAX_EVENTS",
	"AXLOG_GROUP_CONNECTIONS",
	"AXLOG_PREPARED_STATEMENTS",
	"AXLOG_MAX_REPLAY_LAG_S",
	"AXLOG_EXPECT_SYNC_STANDBY",
};

int
settings_parse_ulong(const char *str, unsigned long min, unsigned long max,
    unsigned long *out)
{
	char		*end;
	unsigned long	 v;

	if (str == NULL || !isdigit((unsigned char)str[0]))
		return -1;
	errno = 0;
	v = strtoul(str, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int
settings_parse_size(const char *str, size_t min, size_t max, size_t *out)
{
	char		 num[32];
	size_t		 len, shift = 0;
	unsigned long	 v;

	if (str == NULL || (len = strlen(str)) == 0 || len >= sizeof(num))
		return -1;
	memcpy(num, str, len + 1);
	switch (num[len - 1]) {
	case 'K': case 'k': shift = 10; break;
	case 'M': case 'm': shift = 20; break;
	case 'G': case 'g': shift = 30; break;
	default: break;
	}
	if (shift != 0)
		num[len - 1] = '\0';
	if (settings_parse_ulong(num, 0, (unsigned long)(max >> shift), &v) != 0)
		return -1;
	v <<= shift;
	if (v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/*
 * An origin as a browser sends it (RFC 6454 §6.2): scheme "://" host
 * [":" port], the host a name or a bracketed IPv6 address.
 */
static int
origin_valid(const char *o)
{
	const char	*h;
	size_t		 n, port;

	if (strncmp(o, "http://", 7) == 0)
		h = o + 7;
	else if (strncmp(o, "https://", 8) == 0)
		h = o + 8;
	else
		return 0;
	if (*h == '[') {
		n = strspn(h + 1, "0123456789abcdefABCDEF:.");
		if (n == 0 || h[1 + n] != ']')
			return 0;
		h += n + 2;
	} else {
		n = strspn(h, "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-");
		if (n == 0)
			return 0;
		h += n;
	}
	if (*h == '\0')
		return 1;
	port = strspn(h + 1, "0123456789");
	return *h == ':' && port >= 1 && port <= 5 && h[1 + port] == '\0';
}

/* Split the space-separated origin list. */
static int
parse_origins(struct settings *s, const char *value)
{
	char	*tok, *save = NULL;

	free(s->cors_buf);
	if ((s->cors_buf = strdup(value)) == NULL)
		return -1;
	s->ncors = 0;
	for (tok = strtok_r(s->cors_buf, " \t", &save); tok != NULL;
	    tok = strtok_r(NULL, " \t", &save)) {
		if (s->ncors == SETTINGS_MAX_ORIGINS || !origin_valid(tok))
			return -1;
		s->cors_origins[s->ncors++] = tok;
	}
	return 0;
}

/* A switch: exactly "on" or "off". */
static int
parse_on_off(const char *value, int *out)
{
	if (strcmp(value, "on") != 0 && strcmp(value, "off") != 0)
		return -1;
	*out = strcmp(value, "on") == 0;
	return 0;
}

static int
apply(struct settings *s, enum var_id id, const char *value)
{
	unsigned long	v;

	switch (id) {
	case VAR_DATABASE_URL:
		s->database_url = value;
		return 0;
	case VAR_STATS_DATABASE_URL:
		s->stats_database_url = value;
		return 0;
	case VAR_ADMIN_DATABASE_URL:
		s->admin_database_url = value;
		return 0;
	case VAR_MAX_BODY_BYTES:
		return settings_parse_size(value, 1024, (size_t)1 << 30,
		    &s->max_body_bytes);
	case VAR_MAX_BATCH:
		if (settings_parse_ulong(value, 1, 100000, &v) != 0)
			return -1;
		s->max_batch = v;
		return 0;
	case VAR_DB_TIMEOUT_MS:
		if (settings_parse_ulong(value, 100, 60000, &v) != 0)
			return -1;
		s->db_timeout_ms = (int)v;
		return 0;
	case VAR_CORS_ORIGINS:
		return parse_origins(s, value);
	case VAR_WORKERS:
		if (settings_parse_ulong(value, 1, 64, &v) != 0)
			return -1;
		s->workers = (int)v;
		return 0;
	case VAR_GROUP_COMMIT:
		return parse_on_off(value, &s->group_commit);
	case VAR_THREADS:
		if (settings_parse_ulong(value, 1, 256, &v) != 0)
			return -1;
		s->threads = (int)v;
		return 0;
	case VAR_GROUP_MAX_EVENTS:
		if (settings_parse_ulong(value, 1, 1000000, &v) != 0)
			return -1;
		s->group_max_events = v;
		return 0;
	case VAR_GROUP_CONNECTIONS:
		if (settings_parse_ulong(value, 1,
		    SETTINGS_MAX_GROUP_CONNECTIONS, &v) != 0)
			return -1;
		s->group_connections = (int)v;
		return 0;
	case VAR_PREPARED_STATEMENTS:
		return parse_on_off(value, &s->prepared_statements);
	case VAR_MAX_REPLAY_LAG_S:
		if (settings_parse_ulong(value, 1, 86400, &v) != 0)
			return -1;
		s->max_replay_lag_s = (int)v;
		return 0;
	case VAR_EXPECT_SYNC_STANDBY:
		return parse_on_off(value, &s->expect_sync_standby);
	default:
		return -1;
	}
}

static int
lookup(const char *name, size_t namelen)
{
	int	i;

	for (i = 0; i < VAR__COUNT; i++)
		if (strlen(var_names[i]) == namelen &&
		    memcmp(var_names[i], name, namelen) == 0)
			return i;
	return -1;
}

int
settings_load(struct settings *s, char *const *envp, char *err, size_t errsz)
{
	const char	*eq;
	size_t		 i, namelen;
	int		 id;

	memset(s, 0, sizeof(*s));
	s->max_body_bytes = DEFAULT_MAX_BODY;
	s->max_batch = DEFAULT_MAX_BATCH;
	s->db_timeout_ms = DEFAULT_DB_TIMEOUT_MS;
	s->workers = DEFAULT_WORKERS;
	s->group_commit = 1;
	s->threads = DEFAULT_THREADS;
	s->group_max_events = DEFAULT_GROUP_MAX_EVENTS;
	s->group_connections = DEFAULT_GROUP_CONNECTIONS;
	s->prepared_statements = 1;
	s->max_replay_lag_s = DEFAULT_MAX_REPLAY_LAG_S;

	for (i = 0; envp != NULL && envp[i] != NULL; i++) {
		if (strncmp(envp[i], "AXLOG_", 6) != 0)
			continue;
		if ((eq = strchr(envp[i], '=')) == NULL)
			continue;
		namelen = (size_t)(eq - envp[i]);
		if ((id = lookup(envp[i], namelen)) < 0) {
			snprintf(err, errsz, "unknown setting %.*s",
			    (int)namelen, envp[i]);
			goto fail;
		}
		if (apply(s, (enum var_id)id, eq + 1) != 0) {
			snprintf(err, errsz, "malformed value for %s",
			    var_names[id]);
			goto fail;
		}
	}
	return 0;
fail:
	settings_free(s);
	return -1;
}

void
settings_free(struct settings *s)
{
	if (s == NULL)
		return;
	free(s->cors_buf);
	s->cors_buf = NULL;
	s->ncors = 0;
}

void
settings_load_or_exit(struct settings *s, const char *prog)
{
	char	err[256];

	if (settings_load(s, environ, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s: %s\n", prog, err);
		exit(1);
	}
}
