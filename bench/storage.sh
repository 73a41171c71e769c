#!/bin/bash
# bench/storage.sh [N]: bytes on disk per stored event (docs/scaling.md).
#
# A private PostgreSQL cluster (tests/integration/lib.sh) with axlog's
# schema and the benchmark's six apps; N events (default 1 000 000) from
# bench/gen-events.c spread over 90 days, loaded with COPY as the admin;
# the rollups rebuilt; VACUUM ANALYZE.  Prints the size of every part
# (pg_total_relation_size: heap, TOAST and indexes) and the bytes per
# event.  Loopback only; about a minute for a million events.
set -u

N=${1:-1000000}
top_srcdir=$(cd "$(dirname "$0")/.." && pwd)
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/integration/lib.sh"
it_init
it_pg_start >/dev/null || it_bail "PostgreSQL did not start"
it_setup_db >/dev/null || it_bail "database setup failed"
mkdir -p "$IT_TMP/bin"
cc -O2 -std=c11 -D_DEFAULT_SOURCE -o "$IT_TMP/bin/gen-events" \
    "$top_srcdir/bench/gen-events.c" -lm || it_bail "cannot build gen-events"
GEN=$IT_TMP/bin/gen-events
while read -r name kind; do
	it_ctl app add "$name" --kind "$kind" >/dev/null || it_bail "app add $name"
done < <("$GEN" apps)
psql_admin() {
	"$IT_PGBIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 "$IT_ADMIN_URL" "$@"
}
"$GEN" copy "$N" --seed 3 | psql_admin -c "\\copy axlog.logs FROM STDIN" ||
	it_bail "COPY failed"
psql_admin -c "SELECT axlog.rollup_rebuild(now() - interval '91 days', now() + interval '1 day')" >/dev/null ||
	it_bail "rollup_rebuild failed"
it_psql axlog -c "VACUUM ANALYZE" || it_bail "VACUUM failed"
it_psql axlog -F ' ' <<'EOF'
WITH parts AS (
	SELECT 'logs (heap, TOAST, 3 indexes; all partitions)' AS part,
	    sum(pg_total_relation_size(i.inhrelid)) AS bytes,
	    (SELECT count(*) FROM axlog.logs) AS n_rows
	FROM pg_inherits i WHERE i.inhparent = 'axlog.logs'::regclass
	UNION ALL SELECT 'rollup_hour', pg_total_relation_size('axlog.rollup_hour'),
	    (SELECT count(*) FROM axlog.rollup_hour)
	UNION ALL SELECT 'rollup_day', pg_total_relation_size('axlog.rollup_day'),
	    (SELECT count(*) FROM axlog.rollup_day)
)
SELECT format('%-48s %12s bytes %10s rows', part, bytes, n_rows) FROM parts
UNION ALL
SELECT format('%-48s %12s bytes/event', 'per event, everything',
    round(sum(bytes) / (SELECT count(*) FROM axlog.logs), 1)) FROM parts
UNION ALL
SELECT format('%-48s %12s bytes/event', 'per event, logs alone',
    round(max(bytes) FILTER (WHERE part LIKE 'logs%') /
    (SELECT count(*) FROM axlog.logs), 1)) FROM parts;
EOF
