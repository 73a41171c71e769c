-- 007_ingest_events: the group statement with its events as typed
-- arrays and its rollup deltas computed by the program.
--
-- axlog.ingest_group (005) takes a group's events as one JSON text,
-- which PostgreSQL parses again although the program parsed and checked
-- it already, and it builds the rollups from the inserted rows with two
-- aggregations.  axlog.ingest_events takes each column as a typed array
-- in binary form (src/pgbin.c: nothing in it is parsed as syntax), ids
-- and times filled in by the program, and the rollup deltas the program
-- computed from the same events (src/evcols.c).  ingest_group stays for
-- clients that send JSON (the benchmark's Node peer does).
--
-- Parameters: per job, its key (hashed and looked up here, as in 005)
-- and the app its events name (NULL: none).  Per event, its job (1-based
-- position in the key array) and its columns.  Per (job, hour, event
-- type), a delta: events, errors and the newest time; per delta and
-- histogram bucket (as axlog.hist_bucket), a count.
--
-- Generic plans (plan_cache_mode): PL/pgSQL plans a statement for its
-- arguments' values each time while it judges a generic plan dearer,
-- and with arrays for arguments it kept doing so: planning took 3 of the
-- 4 ms of a one-event call (auto_explain), twice the cost of 005's one
-- statement.  The statements' shapes do not depend on the values.
--
-- Exactness: a delta counts every event of its job, so the deltas are
-- used only when every event of the jobs that pass was inserted.  The
-- INSERT has no ON CONFLICT: an id already stored (a resend) or carried
-- twice raises unique_violation, which undoes the INSERT alone (the
-- block's subtransaction); the events are then inserted with ON CONFLICT
-- DO NOTHING and the rollups built from the rows actually inserted, as
-- 005 does.  Either way a row is counted once, in the statement that
-- inserted it.
--
-- The rest is 005's: one row per job, in job order, a job stored only
-- when its key, its app and its times all pass, rows inserted in key order,
-- rollup rows upserted in key order, a new event type beyond the
-- per-app-and-hour limit counted as "(other)".  The row of a job: the
-- key's app (NULL: no such key); why it was refused, NULL when it was
-- not: 'key' (no such key), 'retention' (an event older than the
-- retention), 'app' (its events name another app than the key's), the
-- one place this rule is decided; the 1-based index of its first event
-- older than the retention; how many of its rows were inserted.

SET LOCAL client_min_messages = warning;

-- A histogram (004's form) from bucket numbers and their counts.
CREATE FUNCTION axlog.hist_from(bs integer[], cs bigint[])
RETURNS int8[] LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
	h	int8[];
	k	integer;
BEGIN
	IF bs IS NULL THEN
		RETURN NULL;
	END IF;
	FOR k IN 1 .. coalesce(cardinality(bs), 0) LOOP
		h[bs[k]] := coalesce(h[bs[k]], 0) + cs[k];
	END LOOP;
	RETURN h;
END
$$;

-- Add rollup rows (owner, hour, type, events, errors, newest) to
-- rollup_hour under each type's capped name, and to rollup_day.  A
-- row's owner o names its app, apps[o], and the row is added only when
-- keep[o] (ingest_events passes its jobs: their apps and verdicts).  A type
-- new to its app and hour keeps its name while the hour has fewer than
-- max_event_types rows, counting the new types of this call in name
-- order (005 counted only the rows already there, so one statement
-- could pass the cap by its own new types).  A
-- row's histogram is given by its bucket counts in (hk, hb, hc): the
-- row's number (1-based), a bucket, its count.  The caller is ingest_events, and the admin (owner) only.
CREATE FUNCTION axlog.rollup_add(r_o integer[], apps text[],
    keep boolean[], r_t timestamptz[], r_type text[], r_events bigint[],
    r_errors bigint[], r_last timestamptz[], hk integer[], hb integer[],
    hc bigint[])
RETURNS void LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, axlog, pg_temp
AS $$
BEGIN
	WITH d AS (SELECT d.k, apps[d.o] AS app_id, d.t, d.event_type,
	  d.events, d.errors, d.last_at FROM unnest(r_o, r_t, r_type,
	  r_events, r_errors, r_last) WITH ORDINALITY AS d(o, t, event_type,
	  events, errors, last_at, k) WHERE keep[d.o]),
	 ty AS (SELECT DISTINCT app_id, t, event_type FROM d),
	 tx AS (SELECT ty.*, EXISTS (SELECT 1 FROM axlog.rollup_hour r
	  WHERE r.app_id = ty.app_id AND r.t = ty.t
	  AND r.event_type = ty.event_type) AS known FROM ty),
	 rt AS (SELECT tx.app_id, tx.t, tx.event_type, CASE WHEN tx.known
	  THEN tx.event_type WHEN (SELECT count(*) FROM axlog.rollup_hour r
	  WHERE r.app_id = tx.app_id AND r.t = tx.t) + row_number() OVER
	  (PARTITION BY tx.app_id, tx.t, tx.known ORDER BY tx.event_type)
	  <= (SELECT max_event_types FROM axlog.settings) THEN tx.event_type
	  ELSE '(other)' END AS rtype FROM tx),
	 m AS (SELECT d.k, d.app_id, d.t, date_trunc('day', d.t, 'UTC') AS day,
	  rt.rtype, d.events, d.errors, d.last_at
	  FROM d JOIN rt USING (app_id, t, event_type)),
	 h AS (SELECT m.app_id, m.t, m.day, m.rtype, h.b, h.c
	  FROM unnest(hk, hb, hc) AS h(k, b, c) JOIN m ON m.k = h.k),
	 hh AS (SELECT app_id, t, rtype, axlog.hist_from(array_agg(b),
	  array_agg(c)) AS hist FROM h GROUP BY 1, 2, 3),
	 hd AS (SELECT app_id, day, rtype, axlog.hist_from(array_agg(b),
	  array_agg(c)) AS hist FROM h GROUP BY 1, 2, 3),
	 uh AS (INSERT INTO axlog.rollup_hour AS r (app_id, t, event_type,
	  events, errors, last_at, hist)
	  SELECT s.*, hh.hist FROM (SELECT app_id, t, rtype, sum(events),
	  sum(errors), max(last_at) FROM m GROUP BY 1, 2, 3) s(app_id, t,
	  rtype, events, errors, last_at) LEFT JOIN hh USING (app_id, t, rtype)
	  ORDER BY 1, 2, 3
	  ON CONFLICT (app_id, t, event_type) DO UPDATE SET
	  events = r.events + excluded.events,
	  errors = r.errors + excluded.errors,
	  last_at = greatest(r.last_at, excluded.last_at),
	  hist = axlog.hist_merge(r.hist, excluded.hist))
	INSERT INTO axlog.rollup_day AS r (app_id, t, event_type, events,
	 errors, last_at, hist)
	 SELECT s.*, hd.hist FROM (SELECT app_id, day, rtype, sum(events),
	 sum(errors), max(last_at) FROM m GROUP BY 1, 2, 3) s(app_id, day,
	 rtype, events, errors, last_at) LEFT JOIN hd USING (app_id, day, rtype)
	 ORDER BY 1, 2, 3
	 ON CONFLICT (app_id, t, event_type) DO UPDATE SET
	 events = r.events + excluded.events,
	 errors = r.errors + excluded.errors,
	 last_at = greatest(r.last_at, excluded.last_at),
	 hist = axlog.hist_merge(r.hist, excluded.hist);
END
$$;

CREATE FUNCTION axlog.ingest_events(keys text[], claimed text[],
    ev_j integer[], ev_id uuid[], ev_at timestamptz[], ev_type text[],
    ev_subtype text[], ev_user uuid[], ev_fp text[], ev_ip inet[],
    ev_ok boolean[], ev_ms double precision[], ev_msg text[],
    ev_meta jsonb[], d_j integer[], d_t timestamptz[], d_type text[],
    d_events bigint[], d_errors bigint[], d_last timestamptz[],
    h_d integer[], h_b integer[], h_c bigint[])
RETURNS TABLE (app_id text, refused text, old_index bigint,
    inserted bigint)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, axlog, pg_temp
SET jit = off
SET plan_cache_mode = force_generic_plan
AS $$
#variable_conflict use_column
DECLARE
	nj	integer := coalesce(cardinality(keys), 0);
	apps	text[];		-- per job: its key's app
	olds	bigint[];	-- per job: first event past the retention
	nev	bigint[];	-- per job: its events
	store	boolean[];	-- per job: all passed
	dup	boolean := false;
	counts	bigint[];	-- per job, when dup: rows inserted
	r_app	text[];		-- when dup: the rollup rows to add
	r_t	timestamptz[];
	r_ty	text[];
	r_ev	bigint[];
	r_er	bigint[];
	r_la	timestamptz[];
	hk	integer[];
	hb	integer[];
	hc	bigint[];
BEGIN
	IF coalesce(cardinality(claimed), 0) <> nj THEN
		RAISE EXCEPTION 'ingest_events: % keys, % apps', nj,
		    cardinality(claimed) USING ERRCODE = 'data_exception';
	END IF;
	SELECT coalesce(array_agg(k.app_id ORDER BY q.j), '{}'),
	  coalesce(array_agg(o.old ORDER BY q.j), '{}'),
	  coalesce(array_agg(coalesce(o.n, 0) ORDER BY q.j), '{}'),
	  coalesce(array_agg(k.app_id IS NOT NULL
	  AND k.app_id = coalesce(claimed[q.j], k.app_id) AND o.old IS NULL
	  ORDER BY q.j), '{}')
	  INTO apps, olds, nev, store
	  FROM unnest(keys) WITH ORDINALITY AS q(token, j)
	  LEFT JOIN axlog.api_keys k
	  ON k.token_sha256 = sha256(convert_to(q.token, 'UTF8'))
	  AND k.scope = 'ingest' AND k.revoked_at IS NULL
	  AND (k.expires_at IS NULL OR k.expires_at > now())
	  LEFT JOIN (SELECT x.j, count(*) AS n, min(x.i) FILTER (WHERE x.at <
	  now() - make_interval(days => (SELECT retention_days FROM
	  axlog.settings))) - min(x.i) + 1 AS old
	  FROM unnest(ev_j, ev_at) WITH ORDINALITY AS x(j, at, i)
	  GROUP BY x.j) o ON o.j = q.j;

	BEGIN
		INSERT INTO axlog.logs (id, app_id, created_at, event_type,
		  event_subtype, user_id, fingerprint, ip_address, success,
		  duration_ms, message, metadata)
		SELECT x.id, apps[x.j], x.at, x.ty, x.sub, x.usr, x.fp, x.ip,
		  x.ok, x.ms, x.msg, x.meta FROM unnest(ev_j, ev_id, ev_at,
		  ev_type, ev_subtype, ev_user, ev_fp, ev_ip, ev_ok, ev_ms,
		  ev_msg, ev_meta) AS x(j, id, at, ty, sub, usr, fp, ip, ok,
		  ms, msg, meta)
		WHERE store[x.j] ORDER BY apps[x.j], x.id, x.at;
	EXCEPTION WHEN unique_violation THEN
		dup := true;
	END;

	IF NOT dup THEN
		-- Every event of a stored job is in: its deltas are exact.
		PERFORM axlog.rollup_add(d_j, apps, store, d_t, d_type,
		  d_events, d_errors, d_last, h_d, h_b, h_c);
		RETURN QUERY SELECT apps[j], CASE WHEN apps[j] IS NULL THEN
		  'key' WHEN olds[j] IS NOT NULL THEN 'retention'
		  WHEN NOT store[j] THEN 'app' END, olds[j],
		  CASE WHEN store[j] THEN nev[j] ELSE 0 END
		  FROM generate_series(1, nj) AS j ORDER BY j;
		RETURN;
	END IF;

	-- Some were stored already: count the rows inserted, a row two
	-- jobs carry for the first, in (job, event) order, and add those.
	WITH x AS (SELECT x.*, apps[x.j] AS app_id
	  FROM unnest(ev_j, ev_id, ev_at, ev_type, ev_subtype,
	  ev_user, ev_fp, ev_ip, ev_ok, ev_ms, ev_msg, ev_meta)
	  WITH ORDINALITY AS x(j, id, at, ty, sub, usr, fp, ip, ok,
	  ms, msg, meta, i) WHERE store[x.j]),
	 ins AS (INSERT INTO axlog.logs (id, app_id, created_at,
	  event_type, event_subtype, user_id, fingerprint,
	  ip_address, success, duration_ms, message, metadata)
	  SELECT id, app_id, at, ty, sub, usr, fp, ip, ok, ms, msg,
	  meta FROM x ORDER BY app_id, id, at, j, i
	  ON CONFLICT (app_id, id, created_at) DO NOTHING
	  RETURNING app_id, id, created_at, event_type, success,
	  duration_ms),
	 f AS (SELECT DISTINCT ON (ins.app_id, ins.id, ins.created_at)
	  x.j, ins.* FROM ins JOIN x ON x.app_id = ins.app_id
	  AND x.id = ins.id AND x.at = ins.created_at
	  ORDER BY ins.app_id, ins.id, ins.created_at, x.j, x.i),
	 c AS (SELECT q.j, count(f.j) AS n FROM generate_series(1, nj)
	  AS q(j) LEFT JOIN f ON f.j = q.j GROUP BY q.j),
	 r AS (SELECT row_number() OVER () AS k, s.* FROM (SELECT
	  app_id, date_trunc('hour', created_at, 'UTC') AS t,
	  event_type, count(*) AS ev, count(*) FILTER (WHERE NOT
	  success) AS er, max(created_at) AS la FROM f
	  GROUP BY 1, 2, 3) s),
	 h AS (SELECT r.k, axlog.hist_bucket(f.duration_ms) AS b,
	  count(*) AS c FROM f JOIN r ON r.app_id = f.app_id
	  AND r.t = date_trunc('hour', f.created_at, 'UTC')
	  AND r.event_type = f.event_type
	  WHERE f.duration_ms IS NOT NULL GROUP BY 1, 2)
	SELECT (SELECT array_agg(n ORDER BY j) FROM c),
	  (SELECT array_agg(app_id ORDER BY k) FROM r),
	  (SELECT array_agg(t ORDER BY k) FROM r),
	  (SELECT array_agg(event_type ORDER BY k) FROM r),
	  (SELECT array_agg(ev ORDER BY k) FROM r),
	  (SELECT array_agg(er ORDER BY k) FROM r),
	  (SELECT array_agg(la ORDER BY k) FROM r),
	  (SELECT array_agg(k::integer) FROM h), (SELECT array_agg(b)
	  FROM h), (SELECT array_agg(c) FROM h)
	  INTO counts, r_app, r_t, r_ty, r_ev, r_er, r_la, hk, hb, hc;
	IF r_app IS NOT NULL THEN
		PERFORM axlog.rollup_add(
		  ARRAY(SELECT generate_series(1, cardinality(r_app))), r_app,
		  array_fill(true, ARRAY[cardinality(r_app)]), r_t, r_ty,
		  r_ev, r_er, r_la, hk, hb, hc);
	END IF;
	RETURN QUERY SELECT apps[j], CASE WHEN apps[j] IS NULL THEN 'key'
	  WHEN olds[j] IS NOT NULL THEN 'retention'
	  WHEN NOT store[j] THEN 'app' END, olds[j], counts[j]
	  FROM generate_series(1, nj) AS j ORDER BY j;
END
$$;

REVOKE ALL ON FUNCTION axlog.hist_from(integer[], bigint[]),
	axlog.rollup_add(integer[], text[], boolean[], timestamptz[], text[],
	bigint[], bigint[], timestamptz[], integer[], integer[], bigint[]),
	axlog.ingest_events(text[], text[], integer[], uuid[],
	timestamptz[], text[], text[], uuid[], text[], inet[], boolean[],
	double precision[], text[], jsonb[], integer[], timestamptz[],
	text[], bigint[], bigint[], timestamptz[], integer[], integer[],
	bigint[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION axlog.ingest_events(text[], text[], integer[],
	uuid[], timestamptz[], text[], text[], uuid[], text[], inet[],
	boolean[], double precision[], text[], jsonb[], integer[],
	timestamptz[], text[], bigint[], bigint[], timestamptz[], integer[],
	integer[], bigint[]) TO axlog_writer;
