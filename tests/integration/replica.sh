#!/bin/bash
# Reads from a streaming replica.  The test starts a primary and a
# replica made with pg_basebackup -R; the stats and health programs use
# a two-host URL, replica first, with target_session_attrs=prefer-standby,
# and the ingest program a URL listing the replica first too, with
# target_session_attrs=read-write, so it must skip the replica.
#   1. /health and /health/db name the standby and its replay lag;
#      events ingested on the primary reach /stats on the standby.
#   2. Replay paused on the replica: new events are acknowledged but not
#      yet counted, and /stats and /health report a lag that covers them
#      (generated_at - lag_s is before they were acknowledged), and
#      with AXLOG_MAX_REPLAY_LAG_S=1 /health and /health/db say
#      "degraded"; replay resumed: they are counted, within seconds.
#   3. The replica stopped: the very next /stats is served by the primary
#      (the same processes reconnect to the next host of the URL), with
#      every event counted; /health says "primary"; ingest goes on.
# Time budget: 90 s (40 s on a busy 2-CPU machine); elapsed printed.
# TAP on stdout.

# shellcheck source=tests/integration/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

T0=$SECONDS
it_init
it_require nginx
# PgBouncer in front of one server cannot show what this test is about
# (which of two servers a multi-host URL reaches, and failover between
# them), and the test must stop the replica under the programs.
it_skip_if_pgbouncer "the test builds its own primary and replica and fails over between them"
it_plan 32

for p in "$IT_HEALTH" "$IT_INGEST" "$IT_STATS" "$IT_AXLOGCTL"; do
	[ -x "$p" ] || it_bail "$p is not built (run make first)"
done
it_require "$(it_pg_bindir 2>/dev/null || echo /nonexistent)/pg_basebackup"

it_pg_start || it_bail "PostgreSQL did not start"
it_setup_db || it_bail "database setup failed"
it_replica_start || it_bail "the replica did not start"
it_diag "primary on 127.0.0.1:$IT_PG_PORT, replica on 127.0.0.1:$IT_REPLICA_PORT"

HOSTS="127.0.0.1:$IT_REPLICA_PORT,127.0.0.1:$IT_PG_PORT"
READ_URL="postgresql://axlog_stats@$HOSTS/axlog?target_session_attrs=prefer-standby"
WRITE_URL="postgresql://axlog_ingest@$HOSTS/axlog?target_session_attrs=read-write"
it_spawn ingest "$IT_INGEST" AXLOG_DATABASE_URL="$WRITE_URL" ||
	it_bail "ingest did not start"
it_spawn stats "$IT_STATS" AXLOG_STATS_DATABASE_URL="$READ_URL" ||
	it_bail "stats did not start"
it_spawn health "$IT_HEALTH" AXLOG_STATS_DATABASE_URL="$READ_URL" ||
	it_bail "health did not start"
it_nginx_start || it_bail "nginx did not start"
NG=$IT_NGINX_URL
READH=(-H "Authorization: Bearer $IT_READ_KEY")

# batch TYPE N: a JSON array of N events with ids and created_at.
batch() {
	"$IT_PYTHON" - "$1" "$2" <<'PY'
import datetime, json, sys, uuid
now = datetime.datetime.now(datetime.timezone.utc).isoformat()
print(json.dumps([{"id": str(uuid.uuid4()), "created_at": now,
    "event_type": sys.argv[1]} for _ in range(int(sys.argv[2]))]))
PY
}

# ingest TYPE N: POST a batch; sets ACKED_AT (epoch seconds, after the 200).
ingest() {
	batch "$1" "$2" >"$IT_TMP/batch.json"
	it_http POST "$NG/ingest" -H "Authorization: Bearer $IT_INGEST_KEY" \
	    -H 'Content-Type: application/json' --data-binary @"$IT_TMP/batch.json"
	ACKED_AT=$(date +%s.%N)
}

# stats TYPE: GET /stats for one event type over the last hour.
stats() {
	it_http GET "$NG/stats?from=-1h&event_type=$1" "${READH[@]}"
}

# until_counted TYPE N SECONDS: poll /stats until it counts N events of
# TYPE (0) or SECONDS pass (1); WAITED holds the seconds it took.
until_counted() {
	local start=$SECONDS
	while :; do
		stats "$1"
		WAITED=$((SECONDS - start))
		[ "$IT_HTTP_CODE" = 200 ] && [ "$(it_json totals.events)" = "$2" ] && return 0
		[ "$WAITED" -ge "$3" ] && return 1
		sleep 0.2
	done
}

# ---------------------------------------------------------------------------
# 1. Served by the standby (12 tests)
# ---------------------------------------------------------------------------

it_http GET "$NG/health"
it_is "$IT_HTTP_CODE" 200 "GET /health through the standby is 200"
it_is "$(it_json status)" ok "/health: status ok on a streaming standby"
it_is "$(it_json checks.database.server)" standby "/health: the database reached is the standby"
it_like "$(it_json checks.database.replay_lag_s)" '^[0-9]+(\.[0-9]+)?$' \
    "/health: the standby's replay lag is a number ($(it_json checks.database.replay_lag_s) s)"
it_http GET "$NG/health/db"
it_is "$IT_HTTP_CODE:$(it_json checks.database.server)" 200:standby "GET /health/db: 200, standby"

ingest replica.a 50
it_is "$IT_HTTP_CODE" 200 "POST /ingest with the replica listed first is 200 (read-write skipped it)"
it_is "$(it_json accepted)" 50 "the 50 events are accepted"
it_is "$(it_psql axlog -c "SELECT count(*) FROM axlog.logs WHERE event_type = 'replica.a'")" 50 \
    "the primary holds the 50 events"
until_counted replica.a 50 10
it_ok $? "/stats on the standby counts the 50 events (after ${WAITED} s)"
it_is "$(it_json server)" standby "/stats says it was served by the standby"
it_like "$(it_json lag_s)" '^[0-9]+(\.[0-9]+)?$' "/stats reports the standby's lag ($(it_json lag_s) s)"
it_is "$(it_psql_replica axlog -c "SELECT count(*) FROM axlog.logs WHERE event_type = 'replica.a'")" 50 \
    "the replica itself holds the 50 events"

# ---------------------------------------------------------------------------
# 2. Replay paused: the lag covers what is missing (11 tests)
# ---------------------------------------------------------------------------

# A pause is a request: wait until replay has actually stopped.
paused=""
if it_psql_replica -c "SELECT pg_wal_replay_pause()" >/dev/null; then
	for _ in $(seq 50); do
		paused=$(it_psql_replica -c "SELECT pg_get_wal_replay_pause_state()")
		[ "$paused" = paused ] && break
		sleep 0.1
	done
fi
it_is "$paused" paused "replay paused on the replica"
ingest replica.b 30
it_is "$IT_HTTP_CODE" 200 "POST /ingest while replay is paused is 200 (the primary took it)"
B_ACKED_AT=$ACKED_AT
sleep 2
stats replica.b
it_is "$IT_HTTP_CODE:$(it_json totals.events)" 200:0 \
    "/stats on the paused standby does not count the new events yet"
LAG=$(it_json lag_s)
GEN=$(it_json generated_at)
it_like "$LAG" '^[0-9]+(\.[0-9]+)?$' "/stats reports a lag while replay is paused ($LAG s)"
COVERS=$("$IT_PYTHON" - "$GEN" "$LAG" "$B_ACKED_AT" <<'PY'
import datetime, sys
gen = datetime.datetime.fromisoformat(sys.argv[1].replace("Z", "+00:00")).timestamp()
print(int(float(sys.argv[2]) >= 1.5 and gen - float(sys.argv[2]) <= float(sys.argv[3])))
PY
)
it_is "$COVERS" 1 \
    "the reported lag covers the missing events: >= 1.5 s, and generated_at - lag_s is before their 200"
it_http GET "$NG/health"
HLAG=$(it_json checks.database.replay_lag_s)
"$IT_PYTHON" -c 'import sys; sys.exit(0 if float(sys.argv[1]) >= 1.5 else 1)' "${HLAG:-x}" 2>/dev/null
it_ok $? "/health reports the paused standby's replay lag too ($HLAG s)"
# The same standby, with AXLOG_MAX_REPLAY_LAG_S=1: the health program,
# run once as a CGI, finds it further behind than allowed.
for sub in "" /db; do
	env -i PATH="$PATH" REQUEST_METHOD=GET REQUEST_URI="/health$sub" \
	    SCRIPT_NAME=/health PATH_INFO="$sub" SERVER_PROTOCOL=HTTP/1.1 \
	    AXLOG_STATS_DATABASE_URL="$READ_URL" AXLOG_MAX_REPLAY_LAG_S=1 \
	    timeout 10 "$IT_HEALTH" </dev/null >"$IT_TMP/cgi.out" 2>"$IT_TMP/cgi.err"
	CGI=$("$IT_PYTHON" -c '
import json, sys
head, _, body = open(sys.argv[1], "rb").read().partition(b"\r\n\r\n")
code = [l.split()[1].decode() for l in head.split(b"\r\n") if l.lower().startswith(b"status:")]
o = json.loads(body)
print("%s:%s:%s" % ((code or ["200"])[0], o["status"], o["checks"]["database"]["status"]))
' "$IT_TMP/cgi.out" 2>>"$IT_TMP/cgi.err")
	it_is "$CGI" 200:degraded:degraded \
	    "/health$sub with AXLOG_MAX_REPLAY_LAG_S=1 and replay paused: 200, degraded (status:database)"
done
it_psql_replica -c "SELECT pg_wal_replay_resume()" >/dev/null
it_ok $? "replay resumed"
until_counted replica.b 30 10
it_ok $? "the 30 events are counted once replay resumes (after ${WAITED} s)"
"$IT_PYTHON" -c 'import sys; sys.exit(0 if float(sys.argv[1]) < 1 else 1)' "$(it_json lag_s)" 2>/dev/null
it_ok $? "the lag is back under a second ($(it_json lag_s) s)"

# ---------------------------------------------------------------------------
# 3. The replica stopped: failover to the primary (9 tests)
# ---------------------------------------------------------------------------

it_replica_stop fast
it_ok $? "the replica stopped (pg_ctl stop -m fast)"
stats replica.b
it_is "$IT_HTTP_CODE" 200 "the next /stats is 200: the program reconnected to the primary"
it_like "$(it_json server):$(it_json lag_s)" '^primary:0(\.0*)?$' "/stats says primary, lag 0"
it_is "$(it_json totals.events)" 30 "/stats from the primary counts the 30 events"
stats replica.a
it_is "$(it_json totals.events)" 50 "/stats from the primary counts the first 50 events"
it_http GET "$NG/health"
it_is "$IT_HTTP_CODE:$(it_json status):$(it_json checks.database.server)" 200:ok:primary \
    "/health: 200 ok, served by the primary"
ingest replica.c 10
it_is "$IT_HTTP_CODE:$(it_json accepted)" 200:10 "ingest goes on with the replica down"
until_counted replica.c 10 5
it_ok $? "/stats counts them at once, from the primary"
it_logs_clean
it_ok $? "no sanitizer report in the programs' logs"
it_diag "elapsed: $((SECONDS - T0)) s"
