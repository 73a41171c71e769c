#!/bin/bash
# Several hosts behind one nginx upstream, on loopback: "host A" and
# "host B" each run the three programs on their own TCP ports, and nginx
# runs the shipped nginx/axlog-upstream.conf (its addresses rewritten to
# those ports, its fail_timeout to 3 s so that the return of A fits the
# budget).
#   1. 8 clients send batches with ids for 10 s; 3 s in, every program of
#      host A is killed (-9), as a host that dies.  The clients resend
#      every 502/503/504 or broken connection unchanged until 200: in the
#      end every acknowledged event is stored exactly once, the rollups
#      agree, no answer but 200/502/503/504, and at most one failed
#      answer per client (the requests in flight at the kill): nginx
#      routes around the dead host, and every request that ended more
#      than a second after the kill was served by B.
#   2. /stats and /health answer 200 from B alone.
#   3. A started again: once fail_timeout has passed nginx sends it
#      requests again.
# Time budget: 60 s (about 30 s on a busy 2-CPU machine); elapsed printed.
# TAP on stdout.

# shellcheck source=tests/integration/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck disable=SC2154 # top_srcdir, IT_PID_*: set by lib.sh

T0=$SECONDS
it_init
it_require nginx
it_plan 18

for p in "$IT_HEALTH" "$IT_INGEST" "$IT_STATS" "$IT_AXLOGCTL"; do
	[ -x "$p" ] || it_bail "$p is not built (run make first)"
done
LOAD=$top_srcdir/tests/load/axload.py
SHIPPED=$top_srcdir/nginx/axlog-upstream.conf
[ -f "$SHIPPED" ] || it_bail "$SHIPPED is missing"

it_pg_start || it_bail "PostgreSQL did not start"
it_setup_db || it_bail "database setup failed"
W=$IT_TMP/work
mkdir -p "$W"

declare -A PORT
for h in a b; do
	for prog in ingest stats health; do
		PORT[$prog-$h]=$(it_free_port) || it_bail "no free port"
	done
done

# start_host H: the three programs of host H on their ports.
start_host() {
	it_spawn_tcp "ingest_$1" "${PORT[ingest-$1]}" "$IT_INGEST" \
	    AXLOG_DATABASE_URL="$IT_INGEST_URL" &&
	it_spawn_tcp "stats_$1" "${PORT[stats-$1]}" "$IT_STATS" \
	    AXLOG_STATS_DATABASE_URL="$IT_STATS_URL" &&
	it_spawn_tcp "health_$1" "${PORT[health-$1]}" "$IT_HEALTH" \
	    AXLOG_STATS_DATABASE_URL="$IT_STATS_URL"
}

# kill_host H: kill -9 every process of host H (programs and workers).
kill_host() {
	local prog var pid kids
	for prog in ingest stats health; do
		var="IT_PID_${prog}_$1"
		pid=${!var}
		kids=$(ps -o pid= --ppid "$pid" 2>/dev/null)
		kill -KILL "$pid" 2>/dev/null || return 1
		# shellcheck disable=SC2086 # a list of pids
		[ -z "$kids" ] || kill -KILL $kids 2>/dev/null
	done
}

start_host a || it_bail "host A did not start"
start_host b || it_bail "host B did not start"

# nginx: the development template with its three upstream blocks replaced
# by the shipped file, and an access log naming the upstream of each
# request and when it ended.
"$IT_PYTHON" - "$top_srcdir/nginx/dev.conf.in" "$SHIPPED" "$W/nginx.conf.in" \
    "${PORT[ingest-a]}" "${PORT[ingest-b]}" "${PORT[stats-a]}" \
    "${PORT[stats-b]}" "${PORT[health-a]}" "${PORT[health-b]}" <<'PY' ||
import re, sys
dev, shipped, out = sys.argv[1:4]
ports = {"axlog_ingest": sys.argv[4:6], "axlog_stats": sys.argv[6:8],
         "axlog_health": sys.argv[8:10]}
d = open(dev).read()
d, n = re.subn(r"\n\tupstream axlog_\w+ \{[^}]*\}", "", d)
assert n == 3, "dev.conf.in: %d upstream blocks" % n
up = open(shipped).read()

def block(m):
    name, body = m.group(1), m.group(2)
    servers = iter(ports[name])
    body = re.sub(r"server \S+:\d+", lambda _: "server 127.0.0.1:" + next(servers), body)
    return "upstream %s {%s}" % (name, body)

up, n = re.subn(r"upstream (axlog_\w+) \{([^}]*)\}", block, up)
assert n == 3, "axlog-upstream.conf: %d upstream blocks" % n
up, n = re.subn(r"(?m)^(\s*server .*)fail_timeout=\d+s", r"\1fail_timeout=3s", up)
assert n == 6, "axlog-upstream.conf: %d fail_timeout" % n
log = ("\tlog_format upstream '$msec $status $upstream_addr $request_uri';\n"
       "\taccess_log @PREFIX@/logs/upstream.log upstream;\n")
d = d.replace("\tsendfile on;", log + "\n" + up.replace("\n", "\n\t") + "\n\tsendfile on;", 1)
open(out, "w").write(d)
PY
	it_bail "could not make the nginx configuration"
it_nginx_start "$W/nginx.conf.in" || it_bail "nginx did not start"
NG=$IT_NGINX_URL
ALOG=$IT_NGINX_PREFIX/logs/upstream.log
READH=(-H "Authorization: Bearer $IT_READ_KEY")

# served_by PORT FROM TO [STATUS]: requests to /ingest that ended between
# epoch FROM and TO (with STATUS) whose last upstream was 127.0.0.1:PORT.
served_by() {
	awk -v p="127.0.0.1:$1" -v from="$2" -v to="$3" -v st="${4:-}" '
		$4 == "/ingest" && $1 >= from && $1 < to && (st == "" || $2 == st) {
			n = split($3, u, ", "); if (u[n] == p) c++ }
		END { print c + 0 }' "$ALOG"
}

# sumval FILE KEY: a value of the load generator's JSON summary.
sumval() {
	it_json "$2" "$(cat "$1")"
}

# ---------------------------------------------------------------------------
# 1. Host A killed under load (12 tests)
# ---------------------------------------------------------------------------

START=$(date +%s.%N)
"$IT_PYTHON" "$LOAD" ingest --url "$NG" --key "$IT_INGEST_KEY" --clients 8 \
    --batch 20 --seconds 10 --max-batches 10000 --retry-seconds 30 --timeout 10 \
    --event-type upstream.kill --sent "$W/sent" --acked "$W/acked" \
    >"$W/load.json" 2>"$W/load.err" &
LOADPID=$!
sleep 3
KILLED_AT=$(date +%s.%N)
kill_host a
it_ok $? "host A's three programs killed (-9) 3 s into the load"
wait "$LOADPID"
it_diag "load: $(sumval "$W/load.json" batches) batches, status $(sumval "$W/load.json" status)," \
    "errors $(sumval "$W/load.json" errors), resends $(sumval "$W/load.json" resends)," \
    "duplicates $(sumval "$W/load.json" duplicates), $(sumval "$W/load.json" elapsed_s) s"
[ -s "$W/load.err" ] && it_diag "$(head -n 5 "$W/load.err")"

A_BEFORE=$(served_by "${PORT[ingest-a]}" "$START" "$KILLED_AT" 200)
B_BEFORE=$(served_by "${PORT[ingest-b]}" "$START" "$KILLED_AT" 200)
[ "$A_BEFORE" -gt 0 ] && [ "$B_BEFORE" -gt 0 ]
it_ok $? "before the kill both hosts served /ingest (A $A_BEFORE, B $B_BEFORE requests)"
it_is "$(sumval "$W/load.json" abandoned) $(sumval "$W/load.json" fatal) $(sumval "$W/load.json" hung_threads)" "0 0 0" \
    "every batch was answered 200 in the end (abandoned, fatal, hung: 0 0 0)"
BAD=$("$IT_PYTHON" -c '
import json, sys
s = json.load(open(sys.argv[1]))
print(" ".join("%s=%d" % kv for kv in sorted(s["status"].items())
               if kv[0] not in ("200", "502", "503", "504")))' "$W/load.json")
it_is "$BAD" "" "no answer other than 200/502/503/504"
it_is "$(sumval "$W/load.json" bad_answer)" 0 "every 200 counted its whole batch"
FAILED=$("$IT_PYTHON" -c '
import json, sys
s = json.load(open(sys.argv[1]))
print(sum(v for k, v in s["status"].items() if k != "200") + sum(s["errors"].values()))' "$W/load.json")
it_lt "$FAILED" 9 "at most one failed answer per client, those in flight at the kill ($FAILED)"
AFTER=$("$IT_PYTHON" -c 'import sys; print("%.3f" % (float(sys.argv[1]) + 1))' "$KILLED_AT")
A_AFTER=$(served_by "${PORT[ingest-a]}" "$AFTER" 9999999999)
B_AFTER=$(served_by "${PORT[ingest-b]}" "$AFTER" 9999999999 200)
[ "$A_AFTER" -eq 0 ] && [ "$B_AFTER" -gt 0 ]
it_ok $? "from a second after the kill every request was served by B ($B_AFTER), none by A ($A_AFTER)"

it_psql axlog -c "SELECT id FROM axlog.logs WHERE event_type = 'upstream.kill'" >"$W/db.ids"
read -r DUPS MISSING STRAY STORED SENT < <("$IT_PYTHON" -c '
import collections, sys
db = [l.strip() for l in open(sys.argv[1]) if l.strip()]
acked = set(l.strip() for l in open(sys.argv[2]) if l.strip())
sent = set(l.strip() for l in open(sys.argv[3]) if l.strip())
c = collections.Counter(db)
print(sum(1 for n in c.values() if n > 1), len(acked - set(c)), len(set(c) - sent),
      len(db), len(sent))' "$W/db.ids" "$W/acked" "$W/sent")
[ "$STORED" -ge 1000 ]
it_ok $? "the load was real: $STORED events stored"
it_is "$DUPS" 0 "no event stored twice"
it_is "$MISSING $STRAY" "0 0" "every acknowledged event is stored, and nothing that was not sent"
it_is "$STORED" "$SENT" "$STORED rows stored = $SENT distinct ids sent"
ROLL=$(it_psql axlog -c "SELECT (SELECT coalesce(sum(events), 0) FROM axlog.rollup_hour WHERE event_type = 'upstream.kill')
    || ' ' || (SELECT coalesce(sum(events), 0) FROM axlog.rollup_day WHERE event_type = 'upstream.kill')")
it_is "$ROLL" "$STORED $STORED" "the hour and day rollups count exactly the $STORED stored rows"

# ---------------------------------------------------------------------------
# 2. Reads from B alone (2 tests)
# ---------------------------------------------------------------------------

codes=""
for _ in 1 2 3; do
	it_http GET "$NG/stats?from=-1h&event_type=upstream.kill" "${READH[@]}"
	codes+="$IT_HTTP_CODE:$(it_json totals.events) "
done
it_is "$codes" "200:$STORED 200:$STORED 200:$STORED " "/stats three times with A dead: 200, all $STORED events"
codes=""
for _ in 1 2 3; do
	it_http GET "$NG/health"
	codes+="$IT_HTTP_CODE "
done
it_is "$codes" "200 200 200 " "/health three times with A dead: 200"

# ---------------------------------------------------------------------------
# 3. A back (4 tests)
# ---------------------------------------------------------------------------

start_host a
it_ok $? "host A started again"
sleep 3.5
BACK=$(date +%s.%N)
ok=0
for i in $(seq 40); do
	it_http POST "$NG/ingest" -H "X-API-Key: $IT_INGEST_KEY" \
	    -H 'Content-Type: application/json' -d "{\"event_type\":\"upstream.back\",\"message\":\"$i\"}"
	[ "$IT_HTTP_CODE" = 200 ] && ok=$((ok + 1))
done
it_is "$ok" 40 "40 requests after A's return: all 200"
A_BACK=$(served_by "${PORT[ingest-a]}" "$BACK" 9999999999 200)
it_lt 0 "$A_BACK" "nginx sends A requests again once fail_timeout has passed ($A_BACK of 40)"
it_logs_clean
it_ok $? "no sanitizer report in the programs' logs"
it_diag "elapsed: $((SECONDS - T0)) s"
