/*
 * ctl.c: axlogctl's commands.  Every statement is parameterised except
 * partition DDL, whose names come from dates (schema.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "schema.h"
#include "settings.h"
#include "sha256.h"
#include "timefmt.h"
#include "token.h"

/* Any 64-bit number: migrations of several axlog processes serialise on it. */
#define MIGRATE_LOCK	"7061786c6f67"

/* An integer the server printed (int4/int8 text); -1 if not one. */
static long
pg_int(const char *s)
{
	unsigned long	v;

	return settings_parse_ulong(s, 0, 0x7fffffffUL, &v) == 0 ? (long)v : -1;
}

static int
fail(struct db *db, const char *what)
{
	fprintf(stderr, "axlogctl: %s: %s%s%s\n", what, db_errmsg(db),
	    db_sqlstate(db)[0] ? " SQLSTATE " : "", db_sqlstate(db));
	return 1;
}

static const char bootstrap_sql[] =
    "SET client_min_messages = warning;"
    "CREATE SCHEMA IF NOT EXISTS axlog;"
    "CREATE TABLE IF NOT EXISTS axlog.schema_migrations ("
    " version integer PRIMARY KEY,"
    " name text NOT NULL,"
    " sha256 text NOT NULL,"
    " applied_at timestamptz NOT NULL DEFAULT now());";

/*
 * Compare what the database records with what is compiled in: an
 * applied migration must still have the same text (else someone edited
 * history), and the database may not be ahead of this binary.
 */
static int
check_applied(struct db *db, int *current)
{
	PGresult	*r;
	char		 hex[2 * SHA256_DIGEST_LEN + 1];
	uint8_t		 d[SHA256_DIGEST_LEN];
	int		 i, v, rc = 0;

	if (db_exec(db, "SELECT version, sha256 FROM axlog.schema_migrations "
	    "ORDER BY version", 0, NULL, &r, DB_RETRY) != DB_OK)
		return fail(db, "reading applied migrations");
	*current = 0;
	for (i = 0; i < PQntuples(r) && rc == 0; i++) {
		v = (int)pg_int(PQgetvalue(r, i, 0));
		if ((size_t)i >= schema_nmigrations ||
		    schema_migrations[i].version != v) {
			fprintf(stderr, "axlogctl: the database has migration "
			    "%d, unknown to this axlogctl (built for schema "
			    "%d): upgrade axlogctl\n", v, schema_version());
			rc = 1;
			break;
		}
		sha256_digest(schema_migrations[i].sql,
		    strlen(schema_migrations[i].sql), d);
		sha256_hex(d, hex);
		if (strcmp(hex, PQgetvalue(r, i, 1)) != 0) {
			fprintf(stderr, "axlogctl: migration %s differs from "
			    "the one applied: refusing to go on\n",
			    schema_migrations[i].name);
			rc = 1;
		}
		*current = v;
	}
	PQclear(r);
	return rc;
}

static enum db_err
apply_one(struct db *db, void *arg)
{
	const struct migration	*m = arg;
	char			 ver[16], hex[2 * SHA256_DIGEST_LEN + 1];
	uint8_t			 d[SHA256_DIGEST_LEN];
	const char		*params[] = { ver, m->name, hex };
	enum db_err		 e;

	sha256_digest(m->sql, strlen(m->sql), d);
	sha256_hex(d, hex);
	snprintf(ver, sizeof(ver), "%d", m->version);
	if ((e = db_script(db, m->sql)) != DB_OK)
		return e;
	return db_exec(db, "INSERT INTO axlog.schema_migrations "
	    "(version, name, sha256) VALUES ($1, $2, $3)", 3, params, NULL, 0);
}

int
ctl_migrate(struct db *db)
{
	struct migration	m;
	size_t			i;
	int			current, rc = 1;

	if (db_exec(db, "SELECT pg_advisory_lock(x'" MIGRATE_LOCK
	    "'::bigint)", 0, NULL, NULL, 0) != DB_OK)
		return fail(db, "taking the migration lock");
	if (db_script(db, bootstrap_sql) != DB_OK) {
		fail(db, "creating schema axlog");
		goto out;
	}
	if (check_applied(db, &current) != 0)
		goto out;
	for (i = 0; i < schema_nmigrations; i++) {
		if (schema_migrations[i].version <= current)
			continue;
		m = schema_migrations[i];
		if (db_txn(db, apply_one, &m) != DB_OK) {
			fail(db, schema_migrations[i].name);
			goto out;
		}
		printf("applied %s\n", schema_migrations[i].name);
	}
	printf("schema at version %d\n", schema_version());
	rc = ctl_partitions(db);
out:
	(void)db_exec(db, "SELECT pg_advisory_unlock(x'" MIGRATE_LOCK
	    "'::bigint)", 0, NULL, NULL, 0);
	return rc;
}

static void
report_partition(const char *name)
{
	printf("created partition axlog.%s\n", name);
}

int
ctl_partitions(struct db *db)
{
	PGresult	*r;
	int64_t		 today, days;

	if (db_exec(db, "SELECT retention_days FROM axlog.settings", 0, NULL,
	    &r, DB_RETRY) != DB_OK)
		return fail(db, "reading retention");
	days = PQntuples(r) == 1 ? pg_int(PQgetvalue(r, 0, 0)) : -1;
	PQclear(r);
	if (days < 1) {
		fprintf(stderr, "axlogctl: axlog.settings holds no retention\n");
		return 1;
	}
	today = timefmt_now_us() / INT64_C(86400000000);
	if (schema_ensure_partitions(db, today - days, today +
	    SCHEMA_AHEAD_DAYS, report_partition) != DB_OK)
		return fail(db, "creating partitions");
	return 0;
}

int
ctl_app_add(struct db *db, const char *app, const char *kind,
    const char *description)
{
	const char	*params[] = { app, kind, description ? description : "" };

	if (!schema_app_id_valid(app)) {
		fprintf(stderr, "axlogctl: app name must match "
		    "^[a-z0-9][a-z0-9_.-]{0,63}$\n");
		return 2;
	}
	if (!schema_kind_valid(kind)) {
		fprintf(stderr, "axlogctl: kind must be parent, lightweight "
		    "or heavy\n");
		return 2;
	}
	if (db_exec(db, "INSERT INTO axlog.apps (app_id, kind, description) "
	    "VALUES ($1, $2, $3)", 3, params, NULL, 0) != DB_OK)
		return fail(db, "adding the app");
	printf("added app %s (%s)\n", app, kind);
	return 0;
}

/* Print every row of r, tab-separated, under a header line. */
static void
print_table(PGresult *r)
{
	int	i, j;

	for (j = 0; j < PQnfields(r); j++)
		printf("%s%s", j ? "\t" : "", PQfname(r, j));
	printf("\n");
	for (i = 0; i < PQntuples(r); i++)
		for (j = 0; j < PQnfields(r); j++)
			printf("%s%s", PQgetvalue(r, i, j),
			    j + 1 < PQnfields(r) ? "\t" : "\n");
}

static int
list(struct db *db, const char *sql, const char *what)
{
	PGresult	*r;

	if (db_exec(db, sql, 0, NULL, &r, DB_RETRY) != DB_OK)
		return fail(db, what);
	print_table(r);
	PQclear(r);
	return 0;
}

int
ctl_app_list(struct db *db)
{
	return list(db, "SELECT app_id, kind, to_char(created_at AT TIME ZONE "
	    "'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') AS created_at, "
	    "description FROM axlog.apps ORDER BY app_id", "listing apps");
}

int
ctl_key_list(struct db *db)
{
	return list(db, "SELECT key_id, token_prefix || '…' AS token, scope, "
	    "coalesce(app_id, '*') AS app, to_char(created_at AT TIME ZONE "
	    "'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') AS created_at, "
	    "CASE WHEN revoked_at IS NULL THEN 'active' ELSE 'revoked' END "
	    "AS state, description FROM axlog.api_keys ORDER BY key_id",
	    "listing keys");
}

int
ctl_key_create(struct db *db, const char *app, const char *scope,
    const char *description)
{
	char		 tok[TOKEN_LEN + 1], hash[2 + 2 * SHA256_DIGEST_LEN + 1];
	char		 prefix[13];
	uint8_t		 d[SHA256_DIGEST_LEN];
	const char	*params[5];
	PGresult	*r;

	if (strcmp(scope, "ingest") != 0 && strcmp(scope, "read") != 0) {
		fprintf(stderr, "axlogctl: scope must be ingest or read\n");
		return 2;
	}
	if (strcmp(scope, "ingest") == 0 && app == NULL) {
		fprintf(stderr, "axlogctl: an ingest key needs --app\n");
		return 2;
	}
	if (token_generate(tok) != 0) {
		fprintf(stderr, "axlogctl: no randomness for a token\n");
		return 1;
	}
	token_hash(tok, TOKEN_LEN, d);
	memcpy(hash, "\\x", 2);
	sha256_hex(d, hash + 2);
	snprintf(prefix, sizeof(prefix), "%.12s", tok);
	params[0] = hash;
	params[1] = prefix;
	params[2] = scope;
	params[3] = app;
	params[4] = description ? description : "";
	if (db_exec(db, "INSERT INTO axlog.api_keys (token_sha256, "
	    "token_prefix, scope, app_id, description) VALUES ($1::bytea, $2, "
	    "$3, $4, $5) RETURNING key_id", 5, params, &r, 0) != DB_OK)
		return fail(db, "creating the key");
	fprintf(stderr, "created %s key %s for %s; the token below is shown "
	    "once and stored only as a hash\n", scope, PQgetvalue(r, 0, 0),
	    app ? app : "all apps");
	PQclear(r);
	printf("%s\n", tok);
	return 0;
}

int
ctl_key_revoke(struct db *db, const char *key_id)
{
	const char	*params[] = { key_id };
	unsigned long	 id;
	PGresult	*r;
	int		 n;

	if (settings_parse_ulong(key_id, 1, 0x7fffffffffffffffUL, &id) != 0) {
		fprintf(stderr, "axlogctl: key id must be a number\n");
		return 2;
	}
	if (db_exec(db, "UPDATE axlog.api_keys SET revoked_at = now() "
	    "WHERE key_id = $1 AND revoked_at IS NULL", 1, params, &r, 0) !=
	    DB_OK)
		return fail(db, "revoking the key");
	n = (int)pg_int(PQcmdTuples(r));
	PQclear(r);
	if (n != 1) {
		fprintf(stderr, "axlogctl: no active key %s\n", key_id);
		return 1;
	}
	printf("revoked key %s\n", key_id);
	return 0;
}

int
ctl_retention_show(struct db *db)
{
	PGresult	*r;

	if (db_exec(db, "SELECT retention_days FROM axlog.settings", 0, NULL,
	    &r, DB_RETRY) != DB_OK)
		return fail(db, "reading retention");
	printf("%s days\n", PQntuples(r) ? PQgetvalue(r, 0, 0) : "90");
	PQclear(r);
	return 0;
}

int
ctl_retention_set(struct db *db, const char *days)
{
	const char	*params[] = { days };
	unsigned long	 n;

	if (settings_parse_ulong(days, 1, 3650, &n) != 0) {
		fprintf(stderr, "axlogctl: retention is 1 to 3650 days\n");
		return 2;
	}
	if (db_exec(db, "UPDATE axlog.settings SET retention_days = $1", 1,
	    params, NULL, 0) != DB_OK)
		return fail(db, "setting retention");
	printf("retention set to %lu days\n", n);
	return ctl_partitions(db);
}
