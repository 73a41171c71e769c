/*
 * schema.c: identifier rules and daily partition management.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema.h"
#include "timefmt.h"

int
schema_version(void)
{
	return schema_nmigrations == 0 ? 0 :
	    schema_migrations[schema_nmigrations - 1].version;
}

int
schema_app_id_valid(const char *s)
{
	size_t	i, n = strlen(s);

	if (n < 1 || n > 64)
		return 0;
	for (i = 0; i < n; i++) {
		int c = (unsigned char)s[i];
		int alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');

		if (!alnum && (i == 0 || (c != '_' && c != '.' && c != '-')))
			return 0;
	}
	return 1;
}

int
schema_kind_valid(const char *s)
{
	return strcmp(s, "parent") == 0 || strcmp(s, "lightweight") == 0 ||
	    strcmp(s, "heavy") == 0;
}

void
schema_partition_name(int64_t day, char out[16])
{
	int	y, m, d;

	timefmt_civil_from_days(day, &y, &m, &d);
	snprintf(out, 16, "logs_%04d%02d%02d", y % 10000, m, d);
}

static enum db_err
attached(struct db *db, const char *name, int *yes)
{
	const char	*params[] = { name };
	PGresult	*r;
	enum db_err	 e;

	e = db_exec(db, "SELECT 1 FROM pg_inherits i "
	    "JOIN pg_class c ON c.oid = i.inhrelid "
	    "JOIN pg_namespace n ON n.oid = c.relnamespace "
	    "WHERE i.inhparent = 'axlog.logs'::regclass "
	    "AND NOT i.inhdetachpending "
	    "AND n.nspname = 'axlog' AND c.relname = $1", 1, params, &r,
	    DB_RETRY);
	if (e != DB_OK)
		return e;
	*yes = PQntuples(r) > 0;
	PQclear(r);
	return DB_OK;
}

struct attach_args {
	const char	*name;
	int64_t		 day;
};

/* Partition names and bounds come from integers, never from input. */
static enum db_err
attach_one(struct db *db, void *arg)
{
	const struct attach_args *a = arg;
	char		 sql[512], from[TIMEFMT_DATE_LEN], to[TIMEFMT_DATE_LEN];
	enum db_err	 e;

	timefmt_date(a->day * INT64_C(86400000000), from);
	timefmt_date((a->day + 1) * INT64_C(86400000000), to);
	snprintf(sql, sizeof(sql), "CREATE TABLE IF NOT EXISTS axlog.%s "
	    "(LIKE axlog.logs INCLUDING DEFAULTS INCLUDING CONSTRAINTS)",
	    a->name);
	if ((e = db_exec(db, sql, 0, NULL, NULL, 0)) != DB_OK)
		return e;
	if ((e = db_exec(db, "SET LOCAL lock_timeout = '2s'", 0, NULL, NULL,
	    0)) != DB_OK)
		return e;
	snprintf(sql, sizeof(sql), "ALTER TABLE axlog.logs ATTACH PARTITION "
	    "axlog.%s FOR VALUES FROM ('%s 00:00:00+00') TO "
	    "('%s 00:00:00+00')", a->name, from, to);
	return db_exec(db, sql, 0, NULL, NULL, 0);
}

enum db_err
schema_ensure_partitions(struct db *db, int64_t first, int64_t last,
    void (*report)(const char *name))
{
	struct attach_args	a;
	char			name[16];
	int64_t			day;
	int			yes;
	enum db_err		e;

	for (day = first; day <= last; day++) {
		schema_partition_name(day, name);
		if ((e = attached(db, name, &yes)) != DB_OK)
			return e;
		if (yes)
			continue;
		a.name = name;
		a.day = day;
		if ((e = db_txn(db, attach_one, &a)) != DB_OK)
			return e;
		if (report != NULL)
			report(name);
	}
	return DB_OK;
}
