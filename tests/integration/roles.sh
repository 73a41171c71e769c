#!/bin/bash
# Least privilege, tried as each program's own database role with psql:
# the ingest role (axlog_ingest IN ROLE axlog_writer) reads no table and
# writes none directly; it stores events only through
# axlog.ingest_group, which takes the app from the key it is given, so
# a key of app "other" stores into "other" only, a wrong key stores
# nothing and events that name another app than their key's are
# refused.  The stats role (axlog_stats IN ROLE axlog_reader) reads what
# /stats, /stats/logs, /stats/alerts and /health need and writes nothing
# anywhere.  Ingest through nginx still works and the rollups match the
# rows.  Each denial is checked by its SQLSTATE, 42501
# (insufficient_privilege), so a failure for another reason does not
# pass.  TAP on stdout.  Time budget: 30 s.

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

it_init
it_require nginx lighttpd
it_plan 43

T0=$SECONDS
it_stack || it_bail "the stack did not start"
N=$IT_NGINX_URL
CTL_LOG=$IT_TMP/logs/ctl.log

it_ctl app add other --kind lightweight >>"$CTL_LOG" 2>&1 ||
	it_bail "axlogctl app add other failed"
KEY_B=$(it_ctl key create --app other --scope ingest 2>>"$CTL_LOG") ||
	it_bail "axlogctl key create --app other failed"
# The SHA-256 of a token, in hex: what the database keeps, and what the
# stats role can read.  The write functions take the token itself.
hash_of() { printf '%s' "$1" | sha256sum | cut -d' ' -f1; }
HASH_B=$(hash_of "$KEY_B")

# Some rows of both apps, through nginx, as a client sends them.
post() {	# post KEY JSON
	it_http POST "$N/ingest" -H "X-API-Key: $1" \
	    -H 'Content-Type: application/json' --data-binary "$2"
}
post "$IT_INGEST_KEY" '[{"event_type":"roles.a"},{"event_type":"roles.a","success":false,"duration_ms":3}]'
it_is "$IT_HTTP_CODE" 200 "POST /ingest with app demo's key through nginx: 200"
post "$KEY_B" '[{"event_type":"roles.b","duration_ms":7}]'
it_is "$IT_HTTP_CODE" 200 "POST /ingest with app other's key through nginx: 200"
post "$KEY_B" '[{"app_id":"demo","event_type":"roles.b"}]'
it_is "$IT_HTTP_CODE" 403 "events naming app demo with app other's key: 403, as before"

count() {	# count APP: rows of the app, as the superuser
	it_psql axlog -c "SELECT count(*) FROM axlog.logs WHERE app_id = '$1'"
}
rollup() {	# rollup APP: events of the app in the hour rollups
	it_psql axlog -c "SELECT coalesce(sum(events), 0) FROM axlog.rollup_hour WHERE app_id = '$1'"
}

# state URL: run the SQL on stdin as the role of URL; print "ok" or the
# SQLSTATE of the error.  psql variables (-v NAME=VALUE, used as :'NAME')
# quote the values.
state() {
	local url=$1 out
	shift
	if out=$("$IT_PGBIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 \
	    -v VERBOSITY=sqlstate "$@" -d "$url" 2>&1); then
		echo ok
	else
		sed -n 's/^\(psql:[^ ]* \)\{0,1\}ERROR: *\([0-9A-Z]\{5\}\).*/\2/p' <<<"$out" | head -n 1
	fi
}
# query URL: the output of the SQL on stdin as that role (errors: empty).
query() {
	local url=$1
	shift
	"$IT_PGBIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 "$@" -d "$url" 2>/dev/null
}

# Every table of the schema as the superuser sees it, and of the daily
# partitions (all made alike by axlogctl) today's.
TODAY=$(it_psql axlog -c "SELECT 'axlog.logs_' || to_char(now() AT TIME ZONE 'UTC', 'YYYYMMDD')")
TABLES=$(it_psql axlog -c "SELECT c.oid::regclass FROM pg_class c
	JOIN pg_namespace n ON n.oid = c.relnamespace
	WHERE n.nspname = 'axlog' AND c.relkind IN ('r', 'p')
	AND (NOT c.relispartition OR c.oid = '$TODAY'::regclass) ORDER BY 1")
[ -n "$TABLES" ] || it_bail "no table in schema axlog"

# ---------------------------------------------------------------------------
# The ingest role
# ---------------------------------------------------------------------------

I=$IT_INGEST_URL
it_is "$(state "$I" <<<'SELECT app_id, event_type FROM axlog.logs LIMIT 1')" 42501 \
	"ingest role: SELECT app_id, event_type FROM axlog.logs denied"
it_is "$(state "$I" <<<'SELECT app_id, id, created_at FROM axlog.logs LIMIT 1')" 42501 \
	"ingest role: SELECT of the idempotency columns of axlog.logs denied"
it_is "$(state "$I" <<<"SELECT * FROM $TODAY LIMIT 1")" 42501 \
	"ingest role: SELECT from today's partition denied"
it_is "$(state "$I" <<<'SELECT app_id, events FROM axlog.rollup_hour LIMIT 1')" 42501 \
	"ingest role: SELECT from axlog.rollup_hour denied"
it_is "$(state "$I" <<<'SELECT app_id, events FROM axlog.rollup_day LIMIT 1')" 42501 \
	"ingest role: SELECT from axlog.rollup_day denied"
it_is "$(state "$I" <<<'SELECT token_sha256, app_id FROM axlog.api_keys LIMIT 1')" 42501 \
	"ingest role: SELECT of the key hashes in axlog.api_keys denied"
it_is "$(state "$I" <<<'SELECT retention_days FROM axlog.settings')" 42501 \
	"ingest role: SELECT from axlog.settings denied"
it_is "$(state "$I" <<<"INSERT INTO axlog.logs (id, app_id, created_at, event_type)
	VALUES (gen_random_uuid(), 'other', now(), 'forged')")" 42501 \
	"ingest role: INSERT into axlog.logs for another app denied"
it_is "$(state "$I" <<<"UPDATE axlog.rollup_hour SET events = events + 1000 WHERE app_id = 'other'")" 42501 \
	"ingest role: UPDATE of another app's hour rollups denied"
it_is "$(state "$I" <<<"INSERT INTO axlog.rollup_day (app_id, t, event_type, events, errors, last_at)
	VALUES ('other', date_trunc('day', now()), 'forged', 1000, 0, now())")" 42501 \
	"ingest role: INSERT into axlog.rollup_day denied"
it_is "$(state "$I" <<<"SELECT axlog.rollup_rebuild(now() - interval '1 day', now())")" 42501 \
	"ingest role: axlog.rollup_rebuild denied"

# Every table, every kind of access: nothing but 42501.
every() {	# every URL VERB...: the tables where a verb was not denied
	local url=$1 t verb sql st bad=""
	shift
	for t in $TABLES; do
		for verb in "$@"; do
			case $verb in
			SELECT) sql="SELECT 1 FROM $t LIMIT 1" ;;
			INSERT) sql="INSERT INTO $t DEFAULT VALUES" ;;
			UPDATE) sql="UPDATE $t SET $(cols "$t") = $(cols "$t")" ;;
			DELETE) sql="DELETE FROM $t" ;;
			TRUNCATE) sql="TRUNCATE $t" ;;
			esac
			st=$(state "$url" <<<"$sql")
			[ "$st" = 42501 ] || bad="$bad $verb:$t:$st"
		done
	done
	echo "${bad# }"
}
cols() {	# a column of a table that UPDATE may name (no identity)
	it_psql axlog -c "SELECT attname FROM pg_attribute WHERE attrelid = '$1'::regclass
		AND attnum > 0 AND NOT attisdropped AND attidentity = '' AND attgenerated = ''
		ORDER BY attnum LIMIT 1"
}
bad=$(every "$I" SELECT INSERT UPDATE DELETE TRUNCATE)
it_is "$bad" "" "ingest role: SELECT, INSERT, UPDATE, DELETE, TRUNCATE denied on every table ($(wc -w <<<"$TABLES") tables)"

# group_call KEY EVENTS [APP]: axlog.ingest_group as the ingest role, for
# one job with KEY, EVENTS (a JSON array) and the app they name (none when
# absent): "app old_index inserted", "-" for no app.
group_call() {
	query "$I" -v k="$1" -v evs="[$2]" -v claimed="${3:-}" <<'SQL'
SELECT concat_ws(' ', coalesce(app_id, '-'), old_index, inserted)
FROM axlog.ingest_group(ARRAY[:'k'], :'evs', ARRAY[NULLIF(:'claimed', '')]::text[])
SQL
}

# The write function: the app comes from the key.
before_a=$(count demo)
before_b=$(count other)
before_rb=$(rollup other)
got=$(group_call "$KEY_B" '[{"event_type":"roles.fn","duration_ms":1},{"event_type":"roles.fn","success":false}]')
it_is "$got" "other 2" "ingest_group with app other's key: key's app other, 2 inserted"
it_is "$(count other)" "$((before_b + 2))" "... the 2 rows are in app other"
it_is "$(count demo)" "$before_a" "... and none in app demo"
it_is "$(rollup other)" "$((before_rb + 2))" "... and app other's rollups counted them"

# The event's own app_id is not a column of the statement: ignored.
got=$(group_call "$KEY_B" '[{"app_id":"demo","event_type":"roles.fn"}]')
it_is "$got $(count demo)" "other 1 $before_a" \
	"an event object carrying app_id demo with app other's key is stored in app other"

before_b=$(count other)
got=$(group_call "$KEY_B" '[{"event_type":"roles.claim"}]' demo)
it_is "$got $(count demo) $(count other)" "other 0 $before_a $before_b" \
	"events naming app demo with app other's key: refused, nothing stored"

wrong=axk_$(printf 'A%.0s' $(seq 43))
got=$(group_call "$wrong" '[{"event_type":"roles.nokey"}]')
it_is "$got $(count demo) $(count other)" "- 0 $before_a $before_b" \
	"ingest_group with an unknown key: no app, nothing stored"

# The key's hash, which the stats role can read, is not the key.
for h in "$HASH_B" "\\x$HASH_B"; do
	got=$(group_call "$h" '[{"event_type":"roles.hash"}]')
	it_is "$got $(count other)" "- 0 $before_b" \
		"ingest_group with app other's key hash ($h) instead of the key: no app, nothing stored"
done
it_is "$(query "$I" -v h="$HASH_B" <<<"SELECT count(*) FROM axlog.ingest_key(:'h')")" 0 \
	"ingest_key with a key's hash instead of the key: no app"

# Two event arrays, one key: the second has no key and is not stored.
got=$(query "$I" -v h="$KEY_B" <<'SQL'
SELECT count(*) || ' ' || sum(inserted) FROM axlog.ingest_group(ARRAY[:'h'],
	'[[{"event_type":"roles.extra"}],[{"event_type":"roles.extra"},{"event_type":"roles.extra"}]]',
	ARRAY[NULL]::text[])
SQL
)
it_is "$got $(count demo) $(count other)" "1 1 $before_a $((before_b + 1))" \
	"more event arrays than keys: only the keyed job is stored"

got=$(query "$I" -v h="$KEY_B" <<<"SELECT app_id FROM axlog.ingest_key(:'h')")
it_is "$got" other "ingest_key: app other's key names app other"
revoked=$(it_ctl key create --app other --scope ingest 2>"$IT_TMP/key.err")
rid=$(sed -n 's/^created [a-z]* key \([0-9]*\) .*/\1/p' "$IT_TMP/key.err")
it_ctl key revoke "$rid" >>"$CTL_LOG" 2>&1
got=$(query "$I" -v h="$revoked" <<<"SELECT count(*) FROM axlog.ingest_key(:'h')")
it_is "$got" 0 "ingest_key: a revoked key names no app"

it_is "$(state "$I" <<<"CREATE FUNCTION axlog.f() RETURNS int LANGUAGE sql AS 'SELECT 1'")" 42501 \
	"ingest role: creating objects in schema axlog denied"

# ---------------------------------------------------------------------------
# The stats role
# ---------------------------------------------------------------------------

S=$IT_STATS_URL
bad=$(every "$S" INSERT UPDATE DELETE TRUNCATE)
it_is "$bad" "" "stats role: INSERT, UPDATE, DELETE, TRUNCATE denied on every table ($(wc -w <<<"$TABLES") tables)"
it_is "$(state "$S" <<<"INSERT INTO axlog.logs (id, app_id, created_at, event_type)
	VALUES (gen_random_uuid(), 'demo', now(), 'forged')")" 42501 \
	"stats role: INSERT into axlog.logs denied"
it_is "$(state "$S" <<<"UPDATE axlog.rollup_hour SET events = 0")" 42501 \
	"stats role: UPDATE of axlog.rollup_hour denied"
it_is "$(state "$S" <<<"DELETE FROM axlog.api_keys")" 42501 \
	"stats role: DELETE from axlog.api_keys denied"
it_is "$(state "$S" -v h="$IT_INGEST_KEY" <<<"SELECT * FROM axlog.ingest_group(ARRAY[:'h'],
	'[[{\"event_type\":\"roles.stats\"}]]', ARRAY[NULL]::text[])")" 42501 \
	"stats role: axlog.ingest_group denied"
it_is "$(state "$S" <<<"SELECT axlog.rollup_rebuild(now() - interval '1 day', now())")" 42501 \
	"stats role: axlog.rollup_rebuild denied"
it_is "$(state "$S" <<<"CREATE TABLE axlog.t (x int)")" 42501 \
	"stats role: creating tables in schema axlog denied"

# ...and reads what its programs read.
it_http GET "$N/stats?app=other" -H "Authorization: Bearer $IT_READ_KEY"
it_is "$IT_HTTP_CODE" 200 "GET /stats through nginx: 200"
it_http GET "$N/stats/logs?app=other" -H "Authorization: Bearer $IT_READ_KEY"
it_is "$IT_HTTP_CODE" 200 "GET /stats/logs through nginx: 200"
it_http GET "$N/stats/alerts" -H "Authorization: Bearer $IT_READ_KEY"
it_is "$IT_HTTP_CODE" 200 "GET /stats/alerts through nginx: 200"
it_http GET "$N/health"
it_is "$IT_HTTP_CODE $(it_json status)" "200 ok" "GET /health through nginx: 200 ok (schema version readable)"

# ---------------------------------------------------------------------------
# The whole: rollups equal rows, and nothing else changed
# ---------------------------------------------------------------------------

diff=$(it_psql axlog -c "
	WITH r AS (SELECT app_id, t, event_type, events, errors FROM axlog.rollup_hour),
	     l AS (SELECT app_id, date_trunc('hour', created_at, 'UTC') AS t, event_type,
	           count(*) AS events, count(*) FILTER (WHERE NOT success) AS errors
	           FROM axlog.logs GROUP BY 1, 2, 3)
	SELECT count(*) FROM ((TABLE r EXCEPT TABLE l) UNION ALL (TABLE l EXCEPT TABLE r)) d")
it_is "$diff" 0 "the hour rollups equal the rows, per app, hour and type"
it_is "$(count demo)" 2 "app demo holds only the 2 events its key sent"

it_logs_clean
it_ok $? "no sanitizer report in the programs' logs"
it_diag "elapsed: $((SECONDS - T0)) s"
