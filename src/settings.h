/*
 * settings.h: the process configuration, read once from the environment
 * (the registry is the table in README.md).  Parsing is strict: an unknown
 * AXLOG_* variable or a malformed value is refused with one line naming it.
 */
#ifndef AXLOG_SETTINGS_H
#define AXLOG_SETTINGS_H

#include <stddef.h>

#define SETTINGS_MAX_ORIGINS 16
#define SETTINGS_MAX_GROUP_CONNECTIONS 16	/* lanes of group commit, at most */

struct settings {
	const char	*database_url;		/* AXLOG_DATABASE_URL or NULL */
	const char	*stats_database_url;	/* AXLOG_STATS_DATABASE_URL or NULL */
	const char	*admin_database_url;	/* AXLOG_ADMIN_DATABASE_URL or NULL */
	size_t		 max_body_bytes;	/* AXLOG_MAX_BODY_BYTES */
	size_t		 max_batch;		/* AXLOG_MAX_BATCH */
	int		 db_timeout_ms;		/* AXLOG_DB_TIMEOUT_MS */
	int		 workers;		/* AXLOG_WORKERS */
	int		 group_commit;		/* AXLOG_GROUP_COMMIT: on 1, off 0 */
	int		 threads;		/* AXLOG_THREADS (ingest) */
	size_t		 group_max_events;	/* AXLOG_GROUP_MAX_EVENTS */
	int		 group_connections;	/* AXLOG_GROUP_CONNECTIONS */
	int		 prepared_statements;	/* AXLOG_PREPARED_STATEMENTS: on 1 */
	int		 max_replay_lag_s;	/* AXLOG_MAX_REPLAY_LAG_S (health) */
	int		 expect_sync_standby;	/* AXLOG_EXPECT_SYNC_STANDBY: on 1 */
	size_t		 ncors;			/* number of cors_origins */
	const char	*cors_origins[SETTINGS_MAX_ORIGINS];
	char		*cors_buf;		/* owns the origin strings */
};

/*
 * Fill s from envp (a NULL-terminated "NAME=value" array, usually environ).
 * Returns 0, or -1 with a one-line reason naming the variable in err.
 * The URL strings point into envp; free the rest with settings_free().
 */
int	settings_load(struct settings *s, char *const *envp, char *err, size_t errsz);
void	settings_free(struct settings *s);

/* Range-checked decimal parse of a whole string; 0 on success. */
int	settings_parse_ulong(const char *str, unsigned long min, unsigned long max,
	    unsigned long *out);
/* Sizes: decimal bytes with an optional K, M or G suffix (powers of 1024). */
int	settings_parse_size(const char *str, size_t min, size_t max, size_t *out);

/* Load settings from environ or exit(1) with the reason on stderr. */
void	settings_load_or_exit(struct settings *s, const char *prog);

#endif
