#!/bin/bash
# Losing the PostgreSQL primary: pg_auto_failover (a monitor and two data
# nodes, synchronous replication, automatic promotion), every process
# started by this test on 127.0.0.1, as docs/scaling.md deploys it.  The
# programs use the two-host URLs `pg_autoctl show uri` prints
# (target_session_attrs=read-write for ingest).  The monitor's health
# checks are shortened (docs/scaling.md says which, and what the
# defaults give).
#   1. The pair is up: the primary waits for a synchronous standby;
#      /health names the node and says ok; with a host that never
#      answers listed first, the next one is tried within the deadline.
#   2. Under load (16 clients with ids: 8 sending single events, 8
#      batches of 20, resending every 5xx and connection error with the
#      same ids until 200) the primary's postmaster and its keeper get
#      SIGKILL.  Writes are accepted again within 30 s (measured and
#      printed); every acknowledged event is on the new primary exactly
#      once; every client's resends ended in 200; the rollups equal the
#      rows; /health names the new node and says degraded (one node);
#      axlogctl maintain, on the two-host admin URL, runs there.
#   3. The old node, started again, rejoins as a synchronous standby
#      (/health ok again); the same kill the other way round, under
#      load, loses nothing either.
#   4. The standby alone gets SIGKILL under load: commits wait until the
#      monitor declares it gone, then go on (degraded); every
#      acknowledged event is there, and on the standby once it is back.
# Time budget: 180 s; elapsed printed.  TAP on stdout.

# shellcheck source=tests/integration/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

T0=$SECONDS
it_init
it_require nginx
it_skip_if_pgbouncer "the test builds its own failover pair and kills its nodes"
command -v pg_autoctl >/dev/null 2>&1 ||
	it_skip_all "pg_autoctl not found (package postgresql-15-auto-failover)"
it_plan 39

for p in "$IT_HEALTH" "$IT_INGEST" "$IT_STATS" "$IT_AXLOGCTL"; do
	[ -x "$p" ] || it_bail "$p is not built (run make first)"
done
IT_PGBIN=$(it_pg_bindir) || it_skip_all "PostgreSQL server programs not found"
[ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1 &&
	it_skip_all "running as root but there is no postgres user"
LOAD=$top_srcdir/tests/load/axload.py
W=$IT_TMP/work
PAF=$IT_TMP/paf
mkdir -p "$W" "$PAF/cfg" "$PAF/share" "$PAF/run"
chmod 755 "$PAF"
chmod 700 "$PAF/run"
[ "$(id -u)" -eq 0 ] && chown -R postgres: "$PAF"

# ---------------------------------------------------------------------------
# The pair
# ---------------------------------------------------------------------------

# pg_autoctl keeps its configuration and state under the XDG directories:
# the test's own.
paf() {
	it_as_pg env XDG_CONFIG_HOME="$PAF/cfg" XDG_DATA_HOME="$PAF/share" \
	    XDG_RUNTIME_DIR="$PAF/run" PATH="$IT_PGBIN:$PATH" \
	    pg_autoctl "$@"
}

# paf_run NAME: the node's keeper (and through it, its PostgreSQL).
paf_run() {
	( paf run --pgdata "$PAF/$1" >>"$IT_TMP/logs/paf-$1.log" 2>&1 ) &
}

# The keeper's pid (its pidfile under XDG_RUNTIME_DIR).
paf_keeper_pid() {
	head -n 1 "$PAF/run/pg_autoctl$PAF/$1/pg_autoctl.pid" 2>/dev/null
}

# paf_kill9 NAME: SIGKILL the node's postmaster and its keeper (with the
# keeper's own children), as when the machine dies.
paf_kill9() {
	local keeper pm
	keeper=$(paf_keeper_pid "$1")
	pm=$(head -n 1 "$PAF/$1/postmaster.pid" 2>/dev/null)
	[ -n "$keeper" ] && [ -n "$pm" ] || return 1
	# shellcheck disable=SC2046
	kill -KILL "$keeper" $(ps -o pid= --ppid "$keeper") "$pm"
}

paf_cleanup() {
	local n pid
	for n in n1 n2 mon; do
		pid=$(paf_keeper_pid "$n")
		[ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null
	done
	for _ in $(seq 100); do
		pgrep -f "pg_autoctl run --pgdata $PAF/" >/dev/null || break
		sleep 0.1
	done
	for n in n1 n2 mon; do
		pid=$(paf_keeper_pid "$n")
		[ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
		[ -f "$PAF/$n/postmaster.pid" ] &&
			it_as_pg "$IT_PGBIN/pg_ctl" -D "$PAF/$n" -m immediate -w -t 10 \
			    stop >/dev/null 2>&1
	done
	return 0
}
trap 'rc=$?; paf_cleanup; (exit $rc); it_cleanup' EXIT

# port_of NAME: the node's port
declare -A PORT
psql_at() {
	local port=$1
	shift
	"$IT_PGBIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 -h 127.0.0.1 \
	    -p "$port" -U postgres "$@"
}

# The nodes' states, as the monitor has them: "n1=primary/primary n2=...".
states() {
	psql_at "${PORT[mon]}" -d pg_auto_failover -c "SELECT string_agg(
	    nodename || '=' || reportedstate || '/' || goalstate, ' '
	    ORDER BY nodename) FROM pgautofailover.node" 2>/dev/null
}

# until_states WANT SECONDS: poll the monitor until its states are WANT.
until_states() {
	local start=$SECONDS
	until [ "$(states)" = "$1" ]; do
		[ $((SECONDS - start)) -ge "$2" ] && return 1
		sleep 0.2
	done
	WAITED=$((SECONDS - start))
}

for n in mon n1 n2; do
	PORT[$n]=$(it_free_port) || it_bail "no free port"
done
MON_URL="postgres://autoctl_node@127.0.0.1:${PORT[mon]}/pg_auto_failover?sslmode=disable"
PGCTL=$IT_PGBIN/pg_ctl
paf create monitor --pgdata "$PAF/mon" --pgport "${PORT[mon]}" \
    --hostname 127.0.0.1 --auth trust --no-ssl --pgctl "$PGCTL" \
    >>"$IT_TMP/logs/paf-mon.log" 2>&1 || it_bail "pg_autoctl create monitor failed"
paf_run mon
for _ in $(seq 150); do
	psql_at "${PORT[mon]}" -d pg_auto_failover -c "SELECT 1" >/dev/null 2>&1 && break
	sleep 0.2
done
psql_at "${PORT[mon]}" -d pg_auto_failover -c "SELECT 1" >/dev/null ||
	it_bail "the monitor did not start"
# Failure detection in seconds, not the defaults' tens of seconds
# (docs/scaling.md): a health check a second, a node unhealthy after
# 4 s without news, an unreachable primary given 6 s to step down.
for s in health_check_period=1000 health_check_timeout=1000 \
    health_check_max_retries=1 health_check_retry_delay=500 \
    node_considered_unhealthy_timeout=4000 primary_demote_timeout=6000; do
	psql_at "${PORT[mon]}" -d pg_auto_failover \
	    -c "ALTER SYSTEM SET pgautofailover.${s%%=*} = ${s#*=}" >/dev/null ||
		it_bail "could not set $s on the monitor"
done
psql_at "${PORT[mon]}" -c "SELECT pg_reload_conf()" >/dev/null

create_node() {
	paf create postgres --pgdata "$PAF/$1" --pgport "${PORT[$1]}" \
	    --listen 127.0.0.1 --hostname 127.0.0.1 --name "$1" \
	    --dbname postgres --auth trust --no-ssl --monitor "$MON_URL" \
	    --pgctl "$PGCTL" >>"$IT_TMP/logs/paf-$1.log" 2>&1
}
create_node n1 || it_bail "pg_autoctl create postgres (n1) failed"
paf_run n1
until_states "n1=single/single" 30 || it_bail "n1 did not start: $(states)"
create_node n2 || it_bail "pg_autoctl create postgres (n2) failed"
paf_run n2
until_states "n1=primary/primary n2=secondary/secondary" 60 ||
	it_bail "n2 did not become a standby: $(states)"
it_diag "monitor :${PORT[mon]}, n1 :${PORT[n1]}, n2 :${PORT[n2]} ($((SECONDS - T0)) s)"

# axlog's database on the primary, the roles following it to the standby.
IT_PG_PORT=${PORT[n1]}
it_setup_db || it_bail "database setup failed"
HOSTS="127.0.0.1:${PORT[n1]},127.0.0.1:${PORT[n2]}"
RW="target_session_attrs=read-write"
IT_ADMIN_URL="postgresql://axlog_admin@$HOSTS/axlog?$RW"
INGEST_URL="postgresql://axlog_ingest@$HOSTS/axlog?$RW"
STATS_URL="postgresql://axlog_stats@$HOSTS/axlog?$RW"

SSN=$(psql_at "${PORT[n1]}" -c "SHOW synchronous_standby_names")
it_like "$SSN" '^ANY 1 \(' "the primary waits for a synchronous standby ($SSN)"

it_spawn ingest "$IT_INGEST" AXLOG_DATABASE_URL="$INGEST_URL" ||
	it_bail "ingest did not start"
it_spawn stats "$IT_STATS" AXLOG_STATS_DATABASE_URL="$STATS_URL" ||
	it_bail "stats did not start"
it_spawn health "$IT_HEALTH" AXLOG_STATS_DATABASE_URL="$STATS_URL" \
    AXLOG_EXPECT_SYNC_STANDBY=on || it_bail "health did not start"
it_nginx_start || it_bail "nginx did not start"
NG=$IT_NGINX_URL

health() {
	it_http GET "$NG/health"
	HEALTH="$IT_HTTP_CODE:$(it_json status):$(it_json checks.database.node):$(it_json checks.database.server):$(it_json checks.database.synchronous_standby)"
}

# until_health WANT SECONDS
until_health() {
	local start=$SECONDS
	while health; [ "$HEALTH" != "$1" ]; do
		[ $((SECONDS - start)) -ge "$2" ] && return 1
		sleep 0.2
	done
}

# ---------------------------------------------------------------------------
# 1. The pair (3 tests)
# ---------------------------------------------------------------------------

health
it_is "$HEALTH" "200:ok:127.0.0.1:${PORT[n1]}:primary:true" \
    "/health: ok, node n1, primary, with a synchronous standby"

# A host that never answers (a machine gone, its packets dropped: here a
# socket that is listened on and never accepted from) listed first: the
# next host is tried within the same request's deadline (1.5 s for
# /health), not after it.
"$IT_PYTHON" -c 'import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(16)
print(s.getsockname()[1], flush=True)
time.sleep(60)' >"$W/silent.port" &
SILENT_PID=$!
for _ in $(seq 50); do [ -s "$W/silent.port" ] && break; sleep 0.1; done
SILENT=$(cat "$W/silent.port")
env -i PATH="$PATH" REQUEST_METHOD=GET REQUEST_URI=/health SCRIPT_NAME=/health \
    SERVER_PROTOCOL=HTTP/1.1 AXLOG_EXPECT_SYNC_STANDBY=on \
    AXLOG_STATS_DATABASE_URL="postgresql://axlog_stats@127.0.0.1:$SILENT,$HOSTS/axlog?$RW" \
    timeout 10 "$IT_HEALTH" </dev/null >"$W/cgi.out" 2>"$W/cgi.err"
CGI=$("$IT_PYTHON" -c '
import json, sys
head, _, body = open(sys.argv[1], "rb").read().partition(b"\r\n\r\n")
code = [l.split()[1].decode() for l in head.split(b"\r\n") if l.lower().startswith(b"status:")]
o = json.loads(body)
print("%s:%s:%s" % ((code or ["200"])[0], o["status"], o["checks"]["database"].get("node")))
' "$W/cgi.out" 2>>"$W/cgi.err")
it_is "$CGI" "200:ok:127.0.0.1:${PORT[n1]}" \
    "/health with a silent host listed first: 200 ok from n1 within its deadline"
kill "$SILENT_PID" 2>/dev/null

# ---------------------------------------------------------------------------
# Load and checks
# ---------------------------------------------------------------------------

# load TAG CLIENTS BATCH SECONDS: axload in the background (PID in LOADPIDS).
LOADPIDS=()
load() {
	"$IT_PYTHON" "$LOAD" ingest --url "$NG/ingest" --key "$IT_INGEST_KEY" \
	    --clients "$2" --batch "$3" --seconds "$4" --retry-seconds 60 \
	    --timeout 10 --event-type "fo.$1" --sent "$W/$1.sent" \
	    --acked "$W/$1.acked" >"$W/$1.json" 2>"$W/$1.err" &
	LOADPIDS+=($!)
}

load_wait() {
	local pid
	for pid in "${LOADPIDS[@]}"; do
		wait "$pid"
	done
	LOADPIDS=()
}

# first_write KILLED_AT: POST one event (with an id, the same each time)
# every 0.2 s until it is answered 200 (45 s at most); FIRST_S is the seconds from
# KILLED_AT (epoch, fractional) to that 200.
first_write() {
	local body
	body=$("$IT_PYTHON" -c 'import datetime, json, uuid
print(json.dumps({"id": str(uuid.uuid4()), "event_type": "fo.probe",
    "created_at": datetime.datetime.now(datetime.timezone.utc).isoformat()}))')
	local start=$SECONDS
	while [ $((SECONDS - start)) -lt 45 ]; do
		it_http POST "$NG/ingest" -H "X-API-Key: $IT_INGEST_KEY" \
		    -H 'Content-Type: application/json' --data-binary "$body"
		[ "$IT_HTTP_CODE" = 200 ] && break
		sleep 0.2
	done
	FIRST_S=$("$IT_PYTHON" -c 'import sys, time; print("%.1f" % (time.time() - float(sys.argv[1])))' "$1")
	FIRST_CODE=$IT_HTTP_CODE
}

# summary TAG FIELD...: the fields of axload's summary, colon-joined.
summary() {
	"$IT_PYTHON" - "$W/$1.json" "${@:2}" <<'PY'
import json, sys
o = json.load(open(sys.argv[1]))
print(":".join(str(o.get(k)) for k in sys.argv[2:]))
PY
}

# check_load TAG PORT: the load TAG's ids against the primary on PORT
# (4 tests).
check_load() {
	local tag=$1 port=$2 s sent acked r
	s=$(summary "$tag" abandoned fatal hung_threads bad_answer)
	it_is "$s" "0:0:0:0" "$tag: every client's resends ended in 200 (abandoned:fatal:hung:bad_answer)"
	sent=$(sort -u "$W/$tag.sent" | wc -l)
	acked=$(sort -u "$W/$tag.acked" | wc -l)
	it_is "$acked" "$sent" "$tag: all $sent distinct ids sent were acknowledged"
	# The acknowledged ids, each stored exactly once, nothing else stored.
	r=$( { echo "CREATE TEMP TABLE acked (id uuid PRIMARY KEY);"
	    echo "COPY acked FROM STDIN;"; sort -u "$W/$tag.acked"; echo '\.'
	    echo "SELECT (SELECT count(*) FROM acked) || ':' ||
	        (SELECT count(*) FROM acked JOIN (SELECT id, count(*) AS n
	            FROM axlog.logs WHERE event_type = 'fo.$tag' GROUP BY id) l
	            USING (id) WHERE n = 1) || ':' ||
	        (SELECT count(*) FROM axlog.logs WHERE event_type = 'fo.$tag');"
	    } | psql_at "$port" -d axlog -f - 2>&1 | tail -n 1)
	it_is "$r" "$acked:$acked:$acked" \
	    "$tag: each of the $acked acknowledged events is on the primary exactly once (acked:once:stored)"
	r=$(psql_at "$port" -d axlog -c "SELECT
	    (SELECT coalesce(sum(events), 0) FROM axlog.rollup_hour WHERE event_type = 'fo.$tag')
	    || ':' || (SELECT coalesce(sum(events), 0) FROM axlog.rollup_day WHERE event_type = 'fo.$tag')
	    || ':' || (SELECT count(*) FROM axlog.logs WHERE event_type = 'fo.$tag')")
	it_like "$r" "^([0-9]+):\\1:\\1\$" "$tag: the hour and day rollups equal the rows ($r)"
}

# ---------------------------------------------------------------------------
# 2. The primary dies under load (4 + 2 x 4 + 3 tests)
# ---------------------------------------------------------------------------

load single1 8 1 15
load batch1 8 10 15
sleep 3
KILLED_AT=$(date +%s.%N)
paf_kill9 n1
it_ok $? "SIGKILL to n1's postmaster and keeper, under load"
first_write "$KILLED_AT"
it_is "$FIRST_CODE" 200 "a write is accepted again after the kill"
it_diag "first accepted write ${FIRST_S} s after the kill"
"$IT_PYTHON" -c 'import sys; sys.exit(0 if float(sys.argv[1]) < 30 else 1)' "$FIRST_S"
it_ok $? "writes accepted again within 30 s of the kill (${FIRST_S} s)"
load_wait
until_states "n1=primary/demoted n2=wait_primary/wait_primary" 30
it_ok $? "the monitor: n2 promoted, alone (wait_primary); n1 to be demoted"
check_load single1 "${PORT[n2]}"
check_load batch1 "${PORT[n2]}"
health
it_is "$HEALTH" "200:degraded:127.0.0.1:${PORT[n2]}:primary:false" \
    "/health: degraded, node n2, primary, no synchronous standby"
# axlogctl, on the same two-host URL, finds the new primary.
CTL=$(it_ctl maintain 2>&1)
it_like "$?:$CTL" '^0:.*maintenance done' "axlogctl maintain with the two-host admin URL runs on the new primary"

# ---------------------------------------------------------------------------
# 3. The old primary rejoins; failover back (4 + 2 x 4 tests)
# ---------------------------------------------------------------------------

paf_run n1
until_states "n1=secondary/secondary n2=primary/primary" 60
it_ok $? "n1, started again, rejoined as the standby (after ${WAITED:-?} s)"
until_health "200:ok:127.0.0.1:${PORT[n2]}:primary:true" 10
it_is "$HEALTH" "200:ok:127.0.0.1:${PORT[n2]}:primary:true" \
    "/health: ok again, node n2, with a synchronous standby"
load back 8 5 10
sleep 3
KILLED_AT=$(date +%s.%N)
paf_kill9 n2
it_ok $? "SIGKILL to n2's postmaster and keeper, under load"
first_write "$KILLED_AT"
it_diag "failover back: first accepted write ${FIRST_S} s after the kill"
"$IT_PYTHON" -c 'import sys; sys.exit(0 if float(sys.argv[1]) < 30 else 1)' "$FIRST_S"
it_ok $? "failover back: writes accepted again within 30 s (${FIRST_S} s, $FIRST_CODE)"
load_wait
check_load back "${PORT[n1]}"
check_load batch1 "${PORT[n1]}"

# ---------------------------------------------------------------------------
# 4. The standby alone dies (1 + 1 + 4 + 3 tests)
# ---------------------------------------------------------------------------

paf_run n2
until_states "n1=primary/primary n2=secondary/secondary" 60
it_ok $? "n2 rejoined as the standby (after ${WAITED:-?} s)"
load standby 8 5 8
sleep 2
paf_kill9 n2
it_ok $? "SIGKILL to the standby's (n2) postmaster and keeper, under load"
load_wait
it_diag "standby killed: the slowest request took $(summary standby lat_max_ms) ms (commits wait until the monitor declares the standby gone)"
check_load standby "${PORT[n1]}"
health
it_is "$HEALTH" "200:degraded:127.0.0.1:${PORT[n1]}:primary:false" \
    "/health: degraded, node n1 alone"
paf_run n2
until_states "n1=primary/primary n2=secondary/secondary" 60
it_ok $? "n2 back as the standby (after ${WAITED:-?} s)"
ON1=$(psql_at "${PORT[n1]}" -d axlog -c "SELECT count(*) FROM axlog.logs")
ON2=""
for _ in $(seq 50); do
	ON2=$(psql_at "${PORT[n2]}" -d axlog -c "SELECT count(*) FROM axlog.logs")
	[ "$ON2" = "$ON1" ] && break
	sleep 0.2
done
it_is "$ON2" "$ON1" "the standby holds every row of the primary ($ON1)"

it_logs_clean
it_ok $? "no sanitizer report in the programs' logs"
it_diag "elapsed: $((SECONDS - T0)) s"
