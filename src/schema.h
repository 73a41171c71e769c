/*
 * schema.h: what the code knows of the database schema: the migrations
 * compiled in (src/migrations.c, generated from sql/), the version the
 * programs expect, identifier rules, and the daily partitions of logs.
 */
#ifndef AXLOG_SCHEMA_H
#define AXLOG_SCHEMA_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"

struct migration {
	int		 version;
	const char	*name;		/* "001_init" */
	const char	*sql;
};

extern const struct migration	schema_migrations[];
extern const size_t		schema_nmigrations;

#define SCHEMA_AHEAD_DAYS	7	/* partitions made ahead of today */

/* The schema version these binaries were built for. */
int	schema_version(void);

/* app_id: ^[a-z0-9][a-z0-9_.-]{0,63}$ */
int	schema_app_id_valid(const char *s);
/* kind: parent, lightweight or heavy */
int	schema_kind_valid(const char *s);

/* "logs_YYYYMMDD" for the UTC day number (days since the epoch). */
void	schema_partition_name(int64_t day, char out[16]);

/*
 * Make sure a partition exists and is attached for every UTC day in
 * [first, last] (days since the epoch): create, then ATTACH under a short
 * lock_timeout, each day in its own transaction so ingest is never
 * blocked for long.  report (may be NULL) is called with each partition
 * created.  Returns DB_OK or the first error (db_errmsg tells).
 */
enum db_err schema_ensure_partitions(struct db *db, int64_t first,
	    int64_t last, void (*report)(const char *name));

#endif
