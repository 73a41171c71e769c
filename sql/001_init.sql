-- 001_init: apps, keys, the partitioned event table, settings and the
-- two program roles.  Applied by `axlogctl migrate` in one transaction,
-- as the schema owner; daily partitions are added by axlogctl itself
-- (migrate and maintain), not here, because their dates move.

SET LOCAL client_min_messages = warning;

-- Program roles: NOLOGIN groups.  Operators create login roles IN ROLE
-- these (README, "Database roles"); roles are cluster-wide, so they may
-- already exist from another axlog database in the same cluster.
DO $$
BEGIN
	IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'axlog_writer') THEN
		CREATE ROLE axlog_writer NOLOGIN;
	END IF;
	IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'axlog_reader') THEN
		CREATE ROLE axlog_reader NOLOGIN;
	END IF;
END
$$;

CREATE TABLE axlog.apps (
	app_id		text PRIMARY KEY
			CHECK (app_id ~ '^[a-z0-9][a-z0-9_.-]{0,63}$'),
	kind		text NOT NULL
			CHECK (kind IN ('parent', 'lightweight', 'heavy')),
	description	text NOT NULL DEFAULT '',
	created_at	timestamptz NOT NULL DEFAULT now()
);

-- Only the SHA-256 of a token is kept: tokens carry 256 random bits, so a
-- fast hash is enough and lookup is one unique-index probe.
CREATE TABLE axlog.api_keys (
	key_id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	token_sha256	bytea NOT NULL UNIQUE CHECK (length(token_sha256) = 32),
	token_prefix	text NOT NULL,
	scope		text NOT NULL CHECK (scope IN ('ingest', 'read')),
	app_id		text REFERENCES axlog.apps (app_id),
	description	text NOT NULL DEFAULT '',
	created_at	timestamptz NOT NULL DEFAULT now(),
	revoked_at	timestamptz,
	CHECK (scope = 'read' OR app_id IS NOT NULL)
);

-- One row: settings that must be the same on every host, so they live
-- here and not in any host's environment.
CREATE TABLE axlog.settings (
	singleton	boolean PRIMARY KEY DEFAULT true CHECK (singleton),
	retention_days	integer NOT NULL DEFAULT 90
			CHECK (retention_days BETWEEN 1 AND 3650),
	max_event_types	integer NOT NULL DEFAULT 1000
			CHECK (max_event_types BETWEEN 1 AND 100000)
);
INSERT INTO axlog.settings DEFAULT VALUES;

-- Events.  No foreign key to apps: the key decides app_id, and a per-row
-- check would cost every insert a lookup and a row lock.
CREATE TABLE axlog.logs (
	id		uuid NOT NULL,
	app_id		text NOT NULL,
	created_at	timestamptz NOT NULL,
	received_at	timestamptz NOT NULL DEFAULT now(),
	event_type	varchar(64) NOT NULL,
	event_subtype	varchar(64),
	user_id		uuid,
	fingerprint	varchar(64),
	ip_address	inet,
	success		boolean NOT NULL DEFAULT true,
	duration_ms	double precision CHECK (duration_ms >= 0),
	message		text,
	metadata	jsonb,
	CONSTRAINT logs_idempotency UNIQUE (app_id, id, created_at)
) PARTITION BY RANGE (created_at);

CREATE INDEX logs_app_time ON axlog.logs (app_id, created_at DESC, id DESC);
CREATE INDEX logs_time ON axlog.logs (created_at DESC, id DESC);

-- Least privilege.  The writer inserts events, reads back only what
-- RETURNING and ON CONFLICT need, and looks keys up; the reader reads.
REVOKE ALL ON SCHEMA axlog FROM PUBLIC;
GRANT USAGE ON SCHEMA axlog TO axlog_writer, axlog_reader;

GRANT INSERT ON axlog.logs TO axlog_writer;
GRANT SELECT (app_id, id, created_at) ON axlog.logs TO axlog_writer;
GRANT SELECT (key_id, token_sha256, scope, app_id, revoked_at)
	ON axlog.api_keys TO axlog_writer;
GRANT SELECT ON axlog.settings, axlog.schema_migrations TO axlog_writer;

GRANT SELECT ON axlog.apps, axlog.logs, axlog.settings,
	axlog.schema_migrations TO axlog_reader;
GRANT SELECT (key_id, token_sha256, scope, app_id, revoked_at)
	ON axlog.api_keys TO axlog_reader;
