/*
 * ctl.c: axlogctl's commands.  Every statement is parameterised except
 * partition DDL, whose names come from dates (schema.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alerts.h"
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
	int			current = 0, rc = 1;

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
	    "CASE WHEN revoked_at IS NOT NULL THEN 'revoked' WHEN expires_at <= "
	    "now() THEN 'expired' WHEN expires_at IS NOT NULL THEN 'expires ' || "
	    "to_char(expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') "
	    "ELSE 'active' END "
	    "AS state, description FROM axlog.api_keys ORDER BY key_id",
	    "listing keys");
}

/* A new token, and the hash and prefix that are stored for it. */
struct new_token {
	char	tok[TOKEN_LEN + 1];
	char	hash[2 + 2 * SHA256_DIGEST_LEN + 1];	/* bytea text */
	char	prefix[13];
};

static int
new_token(struct new_token *t)
{
	uint8_t	d[SHA256_DIGEST_LEN];

	if (token_generate(t->tok) != 0) {
		fprintf(stderr, "axlogctl: no randomness for a token\n");
		return -1;
	}
	token_hash(t->tok, TOKEN_LEN, d);
	memcpy(t->hash, "\\x", 2);
	sha256_hex(d, t->hash + 2);
	snprintf(t->prefix, sizeof(t->prefix), "%.12s", t->tok);
	return 0;
}

int
ctl_key_make(struct db *db, const char *app, const char *scope,
    const char *description, char tok[TOKEN_LEN + 1], char *key_id,
    size_t key_idsz)
{
	struct new_token	 t;
	const char		*params[5];
	PGresult		*r;

	if (new_token(&t) != 0)
		return 1;
	params[0] = t.hash;
	params[1] = t.prefix;
	params[2] = scope;
	params[3] = app;
	params[4] = description ? description : "";
	if (db_exec(db, "INSERT INTO axlog.api_keys (token_sha256, "
	    "token_prefix, scope, app_id, description) VALUES ($1::bytea, $2, "
	    "$3, $4, $5) RETURNING key_id", 5, params, &r, 0) != DB_OK)
		return fail(db, "creating the key");
	snprintf(key_id, key_idsz, "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
	memcpy(tok, t.tok, TOKEN_LEN + 1);
	return 0;
}

int
ctl_key_create(struct db *db, const char *app, const char *scope,
    const char *description)
{
	char	tok[TOKEN_LEN + 1], key_id[32];

	if (strcmp(scope, "ingest") != 0 && strcmp(scope, "read") != 0) {
		fprintf(stderr, "axlogctl: scope must be ingest or read\n");
		return 2;
	}
	if (strcmp(scope, "ingest") == 0 && app == NULL) {
		fprintf(stderr, "axlogctl: an ingest key needs --app\n");
		return 2;
	}
	if (ctl_key_make(db, app, scope, description, tok, key_id,
	    sizeof(key_id)) != 0)
		return 1;
	fprintf(stderr, "created %s key %s for %s; the token below is shown "
	    "once and stored only as a hash\n", scope, key_id,
	    app ? app : "all apps");
	printf("%s\n", tok);
	return 0;
}

/* "0", or N followed by m, h or d, as a PostgreSQL interval; -1 if not. */
static int
grace_interval(const char *s, char *out, size_t outsz)
{
	char		 num[16];
	size_t		 len = strlen(s);
	unsigned long	 n;
	const char	*unit;

	if (strcmp(s, "0") == 0) {
		snprintf(out, outsz, "0");
		return 0;
	}
	if (len < 2 || len - 1 >= sizeof(num))
		return -1;
	switch (s[len - 1]) {
	case 'm': unit = "minutes"; break;
	case 'h': unit = "hours"; break;
	case 'd': unit = "days"; break;
	default: return -1;
	}
	memcpy(num, s, len - 1);
	num[len - 1] = '\0';
	if (settings_parse_ulong(num, 0, 100000, &n) != 0)
		return -1;
	snprintf(out, outsz, "%lu %s", n, unit);
	return 0;
}

int
ctl_key_rotate(struct db *db, const char *key_id, const char *grace)
{
	struct new_token	 t;
	unsigned long		 id;
	char			 interval[48];
	const char		*params[4];
	PGresult		*r;

	if (settings_parse_ulong(key_id, 1, 0x7fffffffffffffffUL, &id) != 0 ||
	    grace_interval(grace ? grace : "24h", interval,
	    sizeof(interval)) != 0) {
		fprintf(stderr, "axlogctl: usage: key rotate KEY_ID "
		    "[--grace 0|Nm|Nh|Nd]\n");
		return 2;
	}
	if (new_token(&t) != 0)
		return 1;
	params[0] = key_id;
	params[1] = interval;
	params[2] = t.hash;
	params[3] = t.prefix;
	if (db_exec(db, "WITH old AS (UPDATE axlog.api_keys SET expires_at = "
	    "least(coalesce(expires_at, 'infinity'), now() + $2::interval) "
	    "WHERE key_id = $1 AND revoked_at IS NULL AND (expires_at IS NULL "
	    "OR expires_at > now()) RETURNING scope, app_id, description, "
	    "expires_at) INSERT INTO axlog.api_keys (token_sha256, "
	    "token_prefix, scope, app_id, description) SELECT $3::bytea, $4, "
	    "scope, app_id, description FROM old RETURNING key_id, "
	    "(SELECT to_char(expires_at AT TIME ZONE 'UTC', "
	    "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') FROM old)", 4, params, &r, 0) !=
	    DB_OK)
		return fail(db, "rotating the key");
	if (PQntuples(r) != 1) {
		fprintf(stderr, "axlogctl: no active key %s\n", key_id);
		PQclear(r);
		return 1;
	}
	fprintf(stderr, "key %s replaces key %s, which stops working at %s; "
	    "the token below is shown once\n", PQgetvalue(r, 0, 0), key_id,
	    PQgetvalue(r, 0, 1));
	PQclear(r);
	printf("%s\n", t.tok);
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

/*
 * Day tables wholly before the retention window: attached partitions,
 * and tables a finished detach left behind.
 */
static const char expired_sql[] =
    "SELECT c.relname, i.inhrelid IS NOT NULL FROM pg_class c"
    " JOIN pg_namespace n ON n.oid = c.relnamespace"
    " LEFT JOIN pg_inherits i ON i.inhrelid = c.oid"
    "  AND i.inhparent = 'axlog.logs'::regclass"
    " WHERE n.nspname = 'axlog' AND c.relkind = 'r'"
    " AND c.relname ~ '^logs_[0-9]{8}$'"
    " AND to_date(substr(c.relname, 6), 'YYYYMMDD') <"
    "  (now() AT TIME ZONE 'UTC')::date - (SELECT retention_days FROM"
    "  axlog.settings) ORDER BY 1";

static int
drop_partition(struct db *db, const char *name, int attached)
{
	char	sql[160];

	if (attached) {
		snprintf(sql, sizeof(sql), "ALTER TABLE axlog.logs DETACH "
		    "PARTITION axlog.%s CONCURRENTLY", name);
		if (db_exec(db, sql, 0, NULL, NULL, 0) != DB_OK)
			return fail(db, name);
	}
	snprintf(sql, sizeof(sql), "DROP TABLE axlog.%s", name);
	if (db_exec(db, sql, 0, NULL, NULL, 0) != DB_OK)
		return fail(db, name);
	printf("dropped partition axlog.%s\n", name);
	return 0;
}

/*
 * A detach cut short (a lock timeout in its second phase) leaves its
 * partition half attached, and PostgreSQL allows one such per table: end
 * every one first, whatever its date.  An expired day is then dropped
 * below; a day back inside the window is attached again, data and all,
 * by ctl_partitions().
 */
static int
finish_pending_detaches(struct db *db)
{
	PGresult	*r;
	char		 sql[160];
	int		 i, rc = 0;

	if (db_exec(db, "SELECT c.relname FROM pg_inherits i"
	    " JOIN pg_class c ON c.oid = i.inhrelid"
	    " WHERE i.inhparent = 'axlog.logs'::regclass"
	    " AND i.inhdetachpending AND c.relname ~ '^logs_[0-9]{8}$'", 0,
	    NULL, &r, DB_RETRY) != DB_OK)
		return fail(db, "listing unfinished detaches");
	for (i = 0; i < PQntuples(r) && rc == 0; i++) {
		snprintf(sql, sizeof(sql), "ALTER TABLE axlog.logs DETACH "
		    "PARTITION axlog.%s FINALIZE", PQgetvalue(r, i, 0));
		if (db_exec(db, sql, 0, NULL, NULL, 0) != DB_OK)
			rc = fail(db, PQgetvalue(r, i, 0));
		else
			printf("finished detaching axlog.%s\n",
			    PQgetvalue(r, i, 0));
	}
	PQclear(r);
	return rc;
}

static int
drop_expired(struct db *db, int force)
{
	PGresult	*r;
	int		 i, n, rc = 0;

	if (db_exec(db, expired_sql, 0, NULL, &r, DB_RETRY) != DB_OK)
		return fail(db, "listing expired partitions");
	n = PQntuples(r);
	if (n > CTL_MAX_DROP && !force) {
		fprintf(stderr, "axlogctl: %d partitions (from %s) are older "
		    "than the retention; dropping more than %d at once needs "
		    "--force (was the retention lowered by mistake?)\n", n,
		    PQgetvalue(r, 0, 0), CTL_MAX_DROP);
		PQclear(r);
		return 1;
	}
	for (i = 0; i < n && rc == 0; i++)
		rc = drop_partition(db, PQgetvalue(r, i, 0),
		    PQgetvalue(r, i, 1)[0] == 't');
	PQclear(r);
	return rc;
}

static int
drop_old_rollups(struct db *db)
{
	static const char *const tables[] = { "rollup_hour", "rollup_day" };
	char		 sql[256];
	PGresult	*r;
	size_t		 i;

	for (i = 0; i < 2; i++) {
		snprintf(sql, sizeof(sql), "DELETE FROM axlog.%s WHERE t < "
		    "date_trunc('day', now(), 'UTC') - make_interval(days => "
		    "(SELECT retention_days FROM axlog.settings))", tables[i]);
		if (db_exec(db, sql, 0, NULL, &r, 0) != DB_OK)
			return fail(db, "dropping expired rollups");
		if (strcmp(PQcmdTuples(r), "0") != 0)
			printf("deleted %s expired rows of axlog.%s\n",
			    PQcmdTuples(r), tables[i]);
		PQclear(r);
	}
	return 0;
}

#define MAINTAIN_LOCK	"7061786c6f6701"

int
ctl_maintain(struct db *db, int force)
{
	PGresult	*r;
	int		 got, rc;

	if (db_exec(db, "SELECT pg_try_advisory_lock(x'" MAINTAIN_LOCK
	    "'::bigint)", 0, NULL, &r, 0) != DB_OK)
		return fail(db, "taking the maintenance lock");
	got = PQgetvalue(r, 0, 0)[0] == 't';
	PQclear(r);
	if (!got) {
		printf("another maintain is running; nothing to do\n");
		return 0;
	}
	/* Never hold a lock ingest waits on for more than this. */
	if (db_exec(db, "SET lock_timeout = '2s'", 0, NULL, NULL, 0) != DB_OK)
		rc = fail(db, "setting lock_timeout");
	else if ((rc = finish_pending_detaches(db)) == 0 &&
	    (rc = ctl_partitions(db)) == 0 &&
	    (rc = drop_expired(db, force)) == 0)
		rc = drop_old_rollups(db);
	(void)db_exec(db, "SELECT pg_advisory_unlock(x'" MAINTAIN_LOCK
	    "'::bigint)", 0, NULL, NULL, 0);
	if (rc == 0)
		printf("maintenance done\n");
	return rc;
}

int
ctl_alerts(struct db *db)
{
	const char	*params[] = { NULL };
	PGresult	*r;
	int		 n;

	if (db_exec(db, alerts_sql, 1, params, &r, DB_RETRY) != DB_OK)
		return fail(db, "computing alerts");
	alerts_print(r, stdout);
	n = PQntuples(r);
	PQclear(r);
	return n > 0 ? CTL_EXIT_ALERTS : 0;
}
