-- 004_hist_indexed: latency histograms indexed by bucket, built and
-- merged in PL/pgSQL.
--
-- Element b of a histogram array is bucket b's count (buckets as in
-- 002); a bucket with no count is NULL.  PostgreSQL arrays may start at
-- any subscript, so an array spans only its lowest to its highest
-- non-empty bucket and costs what the sparse form of 002 did: 8 bytes a
-- non-empty bucket, 1 bit an empty one.  Adding a count is one
-- assignment by subscript.
--
-- Why PL/pgSQL: 002's LANGUAGE sql functions aggregate, so the planner
-- cannot inline them, and PostgreSQL parses and plans such a body again
-- in every execution of the statement that calls it (four times per
-- ingest statement).  PL/pgSQL keeps its plans for the session.  And
-- /stats now reads each row's histogram and adds them up in the
-- program, instead of unnesting and grouping every bucket in SQL.

SET LOCAL client_min_messages = warning;

CREATE OR REPLACE FUNCTION axlog.hist_of(ds double precision[])
RETURNS int8[] LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
	h	int8[];
	d	double precision;
	b	integer;
BEGIN
	IF ds IS NULL THEN
		RETURN NULL;
	END IF;
	FOREACH d IN ARRAY ds LOOP
		CONTINUE WHEN d IS NULL;
		b := axlog.hist_bucket(d);
		h[b] := coalesce(h[b], 0) + 1;
	END LOOP;
	RETURN h;
END
$$;

CREATE OR REPLACE FUNCTION axlog.hist_merge(a int8[], b int8[])
RETURNS int8[] LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
	k	integer;
BEGIN
	IF a IS NULL OR cardinality(a) = 0 THEN
		RETURN b;
	END IF;
	IF b IS NULL OR cardinality(b) = 0 THEN
		RETURN a;
	END IF;
	FOR k IN array_lower(b, 1) .. array_upper(b, 1) LOOP
		IF b[k] IS NOT NULL THEN
			a[k] := coalesce(a[k], 0) + b[k];
		END IF;
	END LOOP;
	RETURN a;
END
$$;

-- The rollups' histograms in the new form.
CREATE FUNCTION pg_temp.hist_from_sparse(s int8[]) RETURNS int8[]
LANGUAGE plpgsql AS $$
DECLARE
	h	int8[];
	v	int8;
BEGIN
	IF s IS NULL THEN
		RETURN NULL;
	END IF;
	FOREACH v IN ARRAY s LOOP
		h[(v >> 32)::integer] := coalesce(h[(v >> 32)::integer], 0)
		    + (v & 4294967295);
	END LOOP;
	RETURN h;
END
$$;

UPDATE axlog.rollup_hour SET hist = pg_temp.hist_from_sparse(hist)
	WHERE hist IS NOT NULL;
UPDATE axlog.rollup_day SET hist = pg_temp.hist_from_sparse(hist)
	WHERE hist IS NOT NULL;
