-- 002_rollups: per app, event type and hour (and day) counts and latency
-- histograms, kept exact by the ingest statement itself: the rows a
-- request actually inserted (never its duplicates) are added to their
-- rollup rows in the same transaction, so /stats reads rollups only and
-- an event counts as soon as its 200 is sent.

SET LOCAL client_min_messages = warning;

-- Latency histogram buckets: 0 holds durations of 0; bucket b >= 1 holds
-- [0.001 * 1.08^(b-1), 0.001 * 1.08^b) ms (bucket 1 also everything
-- below 0.001 ms), up to bucket 330 (about 27 hours and beyond).  Read
-- at each bucket's geometric middle, a percentile is within 4 % of its
-- exact nearest-rank value.  src/stats.c holds the same constants.
CREATE FUNCTION axlog.hist_bucket(d double precision) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT CASE WHEN d <= 0 THEN 0
		WHEN d < 0.001 THEN 1
		ELSE least(330, 1 + floor(ln(d / 0.001) / ln(1.08))::integer)
	END
$$;

-- A histogram is sparse: an int8 per non-empty bucket, bucket << 32 |
-- count, in bucket order.  One row holds all its buckets.
CREATE FUNCTION axlog.hist_of(ds double precision[]) RETURNS int8[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT array_agg((b::int8 << 32) | c ORDER BY b)
	FROM (SELECT axlog.hist_bucket(d) AS b, count(*) AS c
	      FROM unnest(ds) AS d WHERE d IS NOT NULL GROUP BY 1) s
$$;

CREATE FUNCTION axlog.hist_merge(a int8[], b int8[]) RETURNS int8[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT CASE WHEN a IS NULL THEN b WHEN b IS NULL THEN a ELSE
		(SELECT array_agg((k << 32) | c ORDER BY k)
		 FROM (SELECT v >> 32 AS k, sum(v & 4294967295)::int8 AS c
		       FROM unnest(a || b) AS v GROUP BY 1) s)
	END
$$;

CREATE TABLE axlog.rollup_hour (
	app_id		text NOT NULL,
	t		timestamptz NOT NULL,	-- start of the UTC hour
	event_type	varchar(64) NOT NULL,
	events		bigint NOT NULL,
	errors		bigint NOT NULL,
	last_at		timestamptz NOT NULL,	-- newest created_at
	hist		int8[],			-- NULL: no durations
	PRIMARY KEY (app_id, t, event_type)
);
CREATE INDEX rollup_hour_t ON axlog.rollup_hour (t);

CREATE TABLE axlog.rollup_day (
	app_id		text NOT NULL,
	t		timestamptz NOT NULL,	-- start of the UTC day
	event_type	varchar(64) NOT NULL,
	events		bigint NOT NULL,
	errors		bigint NOT NULL,
	last_at		timestamptz NOT NULL,
	hist		int8[],
	PRIMARY KEY (app_id, t, event_type)
);
CREATE INDEX rollup_day_t ON axlog.rollup_day (t);

-- Alert thresholds live with the other shared settings.
ALTER TABLE axlog.settings
	ADD COLUMN alert_error_rate double precision NOT NULL DEFAULT 0.05
		CHECK (alert_error_rate > 0 AND alert_error_rate <= 1),
	ADD COLUMN alert_min_events integer NOT NULL DEFAULT 20
		CHECK (alert_min_events >= 1),
	ADD COLUMN alert_silence_minutes integer NOT NULL DEFAULT 60
		CHECK (alert_silence_minutes BETWEEN 1 AND 10080);

-- Rebuild rollups from raw rows for [from, to): after importing history
-- with COPY, or to repair.  Whole hours and days only.
CREATE FUNCTION axlog.rollup_rebuild(from_t timestamptz, to_t timestamptz)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
	n bigint;
BEGIN
	from_t := date_trunc('day', from_t, 'UTC');
	to_t := date_trunc('day', to_t - interval '1 microsecond', 'UTC')
		+ interval '1 day';
	DELETE FROM axlog.rollup_hour WHERE t >= from_t AND t < to_t;
	DELETE FROM axlog.rollup_day WHERE t >= from_t AND t < to_t;
	INSERT INTO axlog.rollup_hour (app_id, t, event_type, events, errors, last_at, hist)
	SELECT app_id, date_trunc('hour', created_at, 'UTC'), event_type,
	       count(*), count(*) FILTER (WHERE NOT success), max(created_at),
	       axlog.hist_of(array_agg(duration_ms))
	FROM axlog.logs WHERE created_at >= from_t AND created_at < to_t
	GROUP BY 1, 2, 3;
	GET DIAGNOSTICS n = ROW_COUNT;
	INSERT INTO axlog.rollup_day (app_id, t, event_type, events, errors, last_at, hist)
	SELECT app_id, date_trunc('day', created_at, 'UTC'), event_type,
	       count(*), count(*) FILTER (WHERE NOT success), max(created_at),
	       axlog.hist_of(array_agg(duration_ms))
	FROM axlog.logs WHERE created_at >= from_t AND created_at < to_t
	GROUP BY 1, 2, 3;
	RETURN n;
END
$$;
REVOKE ALL ON FUNCTION axlog.rollup_rebuild(timestamptz, timestamptz) FROM PUBLIC;

-- The writer adds to rollups and reads back what its RETURNING needs.
GRANT SELECT (app_id, id, created_at, event_type, success, duration_ms)
	ON axlog.logs TO axlog_writer;
GRANT SELECT, INSERT, UPDATE ON axlog.rollup_hour, axlog.rollup_day
	TO axlog_writer;
GRANT SELECT ON axlog.rollup_hour, axlog.rollup_day TO axlog_reader;
