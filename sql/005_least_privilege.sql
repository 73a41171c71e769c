-- 005_least_privilege: the ingest role writes only through functions that
-- find the app from the key they are given, and reads no table at all.
--
-- Before this migration axlog_writer could read the key columns of every
-- key, the event and rollup columns of every app, and update any app's
-- rollups: whoever held the ingest password could read and falsify every
-- app's numbers.  Now the writer has USAGE on the schema and EXECUTE on
-- axlog.ingest_group and axlog.ingest_key, nothing else.  Both are
-- SECURITY DEFINER: they run as their owner, the schema owner (whoever
-- runs `axlogctl migrate`), and authenticate each request's key inside,
-- so the app an event is stored under always comes from a key whose
-- token the caller had, never from the caller's say.
--
-- As PostgreSQL's documentation asks of SECURITY DEFINER functions, each
-- fixes its search_path (pg_temp last, so that a temporary table of the
-- caller cannot stand in for one of ours) and names every object with
-- its schema; EXECUTE is revoked from PUBLIC in the same transaction
-- that creates them.

SET LOCAL client_min_messages = warning;

-- The group statement of src/ingest.c, moved here unchanged but for the
-- parameters: $1 the jobs' keys themselves (text[]; hashed here, so that
-- knowing a key's hash, as the stats role may, never lets anyone write),
-- $2 their events
-- (a JSON array of JSON arrays), $3 the app each job's events name
-- (text[], NULL when they name none).  One row per job, in job order:
-- the key's app (NULL: no such key), the 1-based index of the job's
-- first event older than the retention (NULL: none), how many of its
-- rows were inserted.  A job is stored only when all three pass.  Extra
-- or missing array elements store nothing: a job without a valid key
-- has no app, and events without a job have no key.
--
-- The events become one multi-row INSERT.  Ids are made before the
-- INSERT (v is read twice, so PostgreSQL computes it once) to tell which
-- job each inserted row came from; a row two jobs both carry counts for
-- the first, in (job, event) order.  Rows are inserted in key order
-- (app, id, time), so that two statements carrying the same ids (a
-- resend racing its original on another connection, two keys of one
-- app) wait for each other in one order and never deadlock.  The rows
-- actually inserted (never duplicates) are added to their hour and day
-- rollups in the same statement, keys in sorted order so concurrent
-- statements lock rollup rows in one order.  A new event type beyond the
-- per-app-and-hour limit is counted as "(other)".
--
-- PL/pgSQL keeps the statement's plan for the session (custom plans
-- first, then a generic one, as for a prepared statement), also when
-- the caller sends unnamed statements through a transaction pooler.
-- jit = off: the statement's estimated cost is kept below
-- jit_above_cost on purpose (compiling cost hundreds of milliseconds
-- per execution), and a generic plan's estimate must not change that.
CREATE FUNCTION axlog.ingest_group(text[], jsonb, text[])
RETURNS TABLE (app_id text, old_index bigint, inserted bigint)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, axlog, pg_temp
SET jit = off
AS $$
#variable_conflict use_column
BEGIN
	RETURN QUERY
	WITH q AS (SELECT q.j, q.claimed, k.app_id
	  FROM unnest($1::text[], $3::text[]) WITH ORDINALITY AS q(token,
	  claimed, j) LEFT JOIN axlog.api_keys k
	  ON k.token_sha256 = sha256(convert_to(q.token, 'UTF8'))
	  AND k.scope = 'ingest'
	  AND k.revoked_at IS NULL
	  AND (k.expires_at IS NULL OR k.expires_at > now())),
	 x AS (SELECT e.j, x.* FROM jsonb_array_elements($2::jsonb)
	  WITH ORDINALITY AS e(evs, j), ROWS FROM (jsonb_to_recordset(e.evs)
	  AS (id uuid, created_at timestamptz, event_type text,
	  event_subtype text, user_id uuid, fingerprint text, ip_address inet,
	  success boolean, duration_ms double precision, message text,
	  metadata jsonb)) WITH ORDINALITY AS x(id, created_at, event_type,
	  event_subtype, user_id, fingerprint, ip_address, success,
	  duration_ms, message, metadata, n)),
	 old AS (SELECT x.j, min(x.n) AS n FROM x WHERE x.created_at < now()
	  - make_interval(days => (SELECT retention_days FROM axlog.settings))
	  GROUP BY x.j),
	 ok AS (SELECT q.j, q.app_id FROM q WHERE q.app_id IS NOT NULL
	  AND q.app_id = coalesce(q.claimed, q.app_id)
	  AND NOT EXISTS (SELECT 1 FROM old WHERE old.j = q.j)),
	 v AS (SELECT x.j, x.n, ok.app_id, coalesce(x.id, gen_random_uuid())
	  AS id, coalesce(x.created_at, now()) AS created_at, x.event_type,
	  x.event_subtype, x.user_id, x.fingerprint, x.ip_address,
	  coalesce(x.success, true) AS success, x.duration_ms, x.message,
	  x.metadata FROM ok JOIN x ON x.j = ok.j),
	 ins AS (INSERT INTO axlog.logs (id, app_id, created_at, event_type,
	  event_subtype, user_id, fingerprint, ip_address, success,
	  duration_ms, message, metadata)
	  SELECT id, app_id, created_at, event_type, event_subtype, user_id,
	  fingerprint, ip_address, success, duration_ms, message, metadata
	  FROM v ORDER BY app_id, id, created_at, j, n
	  ON CONFLICT (app_id, id, created_at) DO NOTHING
	  RETURNING app_id, id, created_at, event_type, success, duration_ms),
	 c AS (SELECT j, count(*) AS inserted FROM (SELECT DISTINCT ON
	  (ins.app_id, ins.id, ins.created_at) v.j FROM ins JOIN v
	  ON v.app_id = ins.app_id AND v.id = ins.id
	  AND v.created_at = ins.created_at
	  ORDER BY ins.app_id, ins.id, ins.created_at, v.j, v.n) f GROUP BY j),
	 g AS (SELECT ins.*, date_trunc('hour', created_at, 'UTC') AS t,
	  date_trunc('day', created_at, 'UTC') AS d FROM ins),
	 ty AS (SELECT DISTINCT app_id, t, event_type FROM g),
	 rt AS (SELECT ty.*, CASE WHEN EXISTS (SELECT 1 FROM axlog.rollup_hour r
	  WHERE r.app_id = ty.app_id AND r.t = ty.t AND
	  r.event_type = ty.event_type) THEN ty.event_type
	  WHEN (SELECT count(*) FROM axlog.rollup_hour r WHERE r.app_id =
	  ty.app_id AND r.t = ty.t) < (SELECT max_event_types FROM
	  axlog.settings) THEN ty.event_type ELSE '(other)' END AS rtype
	  FROM ty),
	 gh AS (SELECT g.app_id, g.t, rt.rtype, g.success, g.created_at,
	  g.duration_ms, g.d FROM g JOIN rt USING (app_id, t, event_type)),
	 uh AS (INSERT INTO axlog.rollup_hour AS r (app_id, t, event_type,
	  events, errors, last_at, hist)
	  SELECT app_id, t, rtype, count(*), count(*) FILTER (WHERE NOT
	  success), max(created_at), axlog.hist_of(array_agg(duration_ms))
	  FROM gh GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
	  ON CONFLICT (app_id, t, event_type) DO UPDATE SET
	  events = r.events + excluded.events,
	  errors = r.errors + excluded.errors,
	  last_at = greatest(r.last_at, excluded.last_at),
	  hist = axlog.hist_merge(r.hist, excluded.hist)),
	 ud AS (INSERT INTO axlog.rollup_day AS r (app_id, t, event_type,
	  events, errors, last_at, hist)
	  SELECT app_id, t, rtype, count(*), count(*) FILTER (WHERE NOT
	  success), max(created_at), axlog.hist_of(array_agg(duration_ms))
	  FROM (SELECT app_id, d AS t, rtype, success, created_at,
	  duration_ms FROM gh) gd GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
	  ON CONFLICT (app_id, t, event_type) DO UPDATE SET
	  events = r.events + excluded.events,
	  errors = r.errors + excluded.errors,
	  last_at = greatest(r.last_at, excluded.last_at),
	  hist = axlog.hist_merge(r.hist, excluded.hist))
	 SELECT q.app_id, old.n, coalesce(c.inserted, 0) FROM q
	 LEFT JOIN old ON old.j = q.j LEFT JOIN c ON c.j = q.j ORDER BY q.j;
END
$$;

-- A request refused before its events reach the database still has its
-- key looked up (a wrong key is a 401 whatever else is wrong): the app
-- of this valid ingest key, no row when there is none.
CREATE FUNCTION axlog.ingest_key(text)
RETURNS TABLE (app_id text)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, axlog, pg_temp
AS $$
	SELECT k.app_id FROM axlog.api_keys k
	WHERE k.token_sha256 = sha256(convert_to($1, 'UTF8'))
	AND k.scope = 'ingest' AND k.revoked_at IS NULL
	AND (k.expires_at IS NULL OR k.expires_at > now())
$$;

REVOKE ALL ON FUNCTION axlog.ingest_group(text[], jsonb, text[]),
	axlog.ingest_key(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION axlog.ingest_group(text[], jsonb, text[]),
	axlog.ingest_key(text) TO axlog_writer;

-- The writer: no table, no column, no sequence.  Revoking a table
-- privilege revokes the column privileges of 001-003 with it.
REVOKE ALL ON ALL TABLES IN SCHEMA axlog FROM axlog_writer;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA axlog FROM axlog_writer;

-- The reader reads (001-003 granted only SELECT); stated again here so
-- that this migration alone says what each role may do.
REVOKE INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER
	ON ALL TABLES IN SCHEMA axlog FROM axlog_reader;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA axlog FROM axlog_reader;
