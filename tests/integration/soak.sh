#!/bin/bash
# Soak: 60 s of mixed load at concurrency 64 through nginx (POST /ingest
# single events and batches, GET /stats, /stats/logs, /health) from the
# bounded generator tests/load/axload.py (python3 standard library, on
# loopback, no retries).  Every request must be answered 200: no 5xx, no
# 429 (nginx/dev.conf.in allows 10000 requests/s a key and an address,
# far above what this sends), no timeout (10 s a request).  Every event
# acknowledged is stored.  No worker dies.  Each program's memory (VmRSS
# of its supervisor plus its workers) at the end is at most 10 % above
# what it was after a 10 s warm-up.
#
# In a sanitizer build (scripts/dev test) AddressSanitizer keeps freed
# blocks in a quarantine (256 MB by default) before reusing them, so the
# RSS of a program that allocates per request grows by what it has freed
# until the quarantine is full: it would say nothing about leaks.  The
# programs are therefore started with quarantine_size_mb=0 (the sanitizer
# still checks every access); a build without sanitizers ignores it.
#
# Time budget: 90 s (about 70 s: 60 s of load plus the setup); the
# elapsed time is printed.  TAP on stdout.

# shellcheck source=tests/integration/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck disable=SC2154 # top_srcdir, IT_PID_*: set by lib.sh

T0=$SECONDS
BUDGET=90
SOAK_SECONDS=60
WARMUP=10
CLIENTS=64
it_init
it_require nginx
it_plan 10

for p in "$IT_HEALTH" "$IT_INGEST" "$IT_STATS" "$IT_AXLOGCTL"; do
	[ -x "$p" ] || it_bail "$p is not built (run make first)"
done
LOAD=$top_srcdir/tests/load/axload.py
[ -f "$LOAD" ] || it_bail "$LOAD is missing"

it_pg_start || it_bail "PostgreSQL did not start"
it_setup_db || it_bail "database setup failed"
it_spawn_all AXLOG_WORKERS=2 \
    ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0:thread_local_quarantine_size_kb=0" ||
	it_bail "the programs did not start"
it_nginx_start || it_bail "nginx did not start"
W=$IT_TMP/work
mkdir -p "$W"

workers_of() {
	ps -o pid= --ppid "$1" 2>/dev/null | tr -d ' ' | sort -n | tr '\n' ' ' | sed 's/ $//'
}

# rss_kb PID: VmRSS of a supervisor and its workers, in kB.
rss_kb() {
	local total=0 pid v
	for pid in "$1" $(workers_of "$1"); do
		v=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status" 2>/dev/null)
		total=$((total + ${v:-0}))
	done
	echo "$total"
}

sumval() {
	it_json "$1" "$(cat "$W/soak.json")"
}

# shellcheck disable=SC2154 # IT_PID_*: set by it_spawn
declare -A SUP=([ingest]=$IT_PID_ingest [stats]=$IT_PID_stats [health]=$IT_PID_health)
declare -A WORKERS RSS0 RSS1
for p in ingest stats health; do
	WORKERS[$p]=$(workers_of "${SUP[$p]}")
done
it_diag "supervisors: ingest ${SUP[ingest]}, stats ${SUP[stats]}, health ${SUP[health]}"

"$IT_PYTHON" "$LOAD" mix --url "$IT_NGINX_URL" --ingest-key "$IT_INGEST_KEY" \
    --read-key "$IT_READ_KEY" --clients "$CLIENTS" --seconds "$SOAK_SECONDS" \
    --max-requests 1000000 --timeout 10 --started-file "$W/started" \
    >"$W/soak.json" 2>"$W/soak.err" &
LOADPID=$!
for _ in $(seq 50); do
	[ -s "$W/started" ] && break
	sleep 0.1
done
[ -s "$W/started" ] || it_bail "the load generator did not start: $(cat "$W/soak.err")"
sleep "$WARMUP"
for p in ingest stats health; do
	RSS0[$p]=$(rss_kb "${SUP[$p]}")
done
it_diag "RSS after ${WARMUP} s: ingest ${RSS0[ingest]} kB, stats ${RSS0[stats]} kB, health ${RSS0[health]} kB"
wait "$LOADPID"
for p in ingest stats health; do
	RSS1[$p]=$(rss_kb "${SUP[$p]}")
done
it_diag "RSS at the end: ingest ${RSS1[ingest]} kB, stats ${RSS1[stats]} kB, health ${RSS1[health]} kB"
[ -s "$W/soak.err" ] && it_diag "$(head -n 5 "$W/soak.err")"
it_diag "$(sumval requests) requests in $(sumval elapsed_s) s ($(sumval rps)/s): status $(sumval status)"
it_diag "by endpoint: $(sumval by_endpoint)"
it_diag "latency (ms): $(sumval latency_ms)"

it_is "$(sumval hung_threads)" 0 "the load ran $SOAK_SECONDS s at concurrency $CLIENTS and ended (no client stuck)"
N5XX=$("$IT_PYTHON" -c '
import json, sys
s = json.load(open(sys.argv[1]))
print(sum(v for k, v in s["status"].items() if k.startswith("5")))' "$W/soak.json")
it_is "$N5XX" 0 "no 5xx in $(sumval requests) requests" || it_diag "$(sumval kinds) $(sumval examples)"
OTHER=$("$IT_PYTHON" -c '
import json, sys
s = json.load(open(sys.argv[1]))
print(" ".join("%s=%d" % kv for kv in sorted(s["status"].items()) if kv[0] != "200"))' "$W/soak.json")
it_is "$OTHER" "" "every request answered 200 (no 4xx, no 429 either)" || it_diag "$(sumval examples)"
it_is "$(sumval timeouts) $(sumval errors)" "0 {}" "no client timeout (10 s) and no connection error"
STORED=$(it_psql axlog -c 'SELECT count(*) FROM axlog.logs')
it_is "$STORED" "$(sumval ingest_accepted)" "every event acknowledged is stored: $STORED rows"
dead=""
for p in ingest stats health; do
	it_alive "${SUP[$p]}" || dead+=" $p"
	[ "$(workers_of "${SUP[$p]}")" = "${WORKERS[$p]}" ] || dead+=" $p-worker"
done
it_is "$dead" "" "no program and no worker died or was restarted during the soak"
for p in ingest stats health; do
	# Growth of at most 10 % (shrinking is fine), in integer arithmetic.
	[ "${RSS1[$p]}" -gt 0 ] && [ $((RSS1[$p] * 100)) -le $((RSS0[$p] * 110)) ]
	it_ok $? "$p: RSS ${RSS1[$p]} kB at the end, within 10 % of ${RSS0[$p]} kB after the warm-up ($(( (RSS1[$p] - RSS0[$p]) * 1000 / (RSS0[$p] > 0 ? RSS0[$p] : 1) ))‰)"
done

it_unspawn ingest
it_unspawn stats
it_unspawn health
it_logs_clean
it_ok $? "no sanitizer report in the programs' logs"

ELAPSED=$((SECONDS - T0))
it_diag "elapsed $ELAPSED s (budget $BUDGET s)"
