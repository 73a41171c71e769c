#!/bin/bash
# GET /metrics of the three programs, scraped by a real Prometheus.
#
#   1. Each program's /metrics through nginx (and lighttpd): 200 in the
#      text exposition format, `promtool check metrics` says nothing,
#      the build information, the database's gauges from axlog-health;
#      a POST is a 405.  (14 tests)
#   2. Prometheus (Debian's prometheus, a temporary configuration and
#      data directory, on a free loopback port) scrapes the three through
#      nginx every second while a client sends events at a steady rate
#      for 24 s and reads /stats; 4 s in, the ingest worker is killed
#      (-9), 10 s in one of the two stats workers.  The PromQL rate of
#      axlog_ingest_events_accepted_total over 12 s in the middle of the
#      load is within 10 % of the rate the client saw acknowledged in the
#      same window; Prometheus saw no counter of any program go down
#      (resets() over every counter and histogram series is 0), and both
#      restarts are counted.  (10 tests)
#   3. Scrapes compared directly: every counter series of a scrape of
#      ingest and of stats before a worker is killed is there, and not
#      lower, in each of six scrapes after (which reach both stats
#      workers); the events acknowledged are counted.  (5 tests)
#   4. PostgreSQL stopped: /metrics still answers, axlog-health says
#      axlog_database_up 0 once its cache expires, and the 503s of
#      /ingest are counted, the refused connection's under its cause
#      (through PgBouncer, which takes the connection: connection_lost).
#      (5 tests)
#   5. No sanitizer report in the programs' logs.  (1 test)
# Nothing here measures speed but a loose bound on one scrape's time.
# Time budget: 90 s; the elapsed time is printed.  TAP on stdout.

# shellcheck disable=SC2154 # top_srcdir, IT_PID_*: set by lib.sh
# shellcheck source=tests/integration/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

T0=$SECONDS
it_init
it_require nginx lighttpd prometheus promtool
it_plan 35

W=$IT_TMP/work
mkdir -p "$W"
it_pg_start || it_bail "PostgreSQL did not start"
it_setup_db || it_bail "database setup failed"
it_spawn ingest "$IT_INGEST" AXLOG_DATABASE_URL="$IT_INGEST_URL" ||
	it_bail "axlog-ingest did not start"
it_spawn stats "$IT_STATS" AXLOG_STATS_DATABASE_URL="$IT_STATS_URL" \
    AXLOG_WORKERS=2 || it_bail "axlog-stats did not start"
it_spawn health "$IT_HEALTH" AXLOG_STATS_DATABASE_URL="$IT_STATS_URL" ||
	it_bail "axlog-health did not start"
it_nginx_start || it_bail "nginx did not start"
it_lighttpd_start || it_bail "lighttpd did not start"
NG=$IT_NGINX_URL

# The worker processes of a supervisor.
workers_of() {
	pgrep -P "$1" | tr '\n' ' '
}

# ---------------------------------------------------------------------------
# 1. The endpoints (14 tests)
# ---------------------------------------------------------------------------

for p in ingest stats health; do
	it_http GET "$NG/metrics/$p"
	it_is "$IT_HTTP_CODE $(it_http_header Content-Type)" \
	    "200 text/plain; version=0.0.4; charset=utf-8" \
	    "/metrics/$p: 200 in the text exposition format"
	printf '%s\n' "$IT_HTTP_BODY" >"$W/first.$p"
	out=$(promtool check metrics <"$W/first.$p" 2>&1)
	rc=$?
	it_is "$rc:$out" "0:" "/metrics/$p: promtool check metrics reports nothing"
done
it_like "$(grep '^axlog_build_info' "$W/first.ingest")" \
    '^axlog_build_info\{version="[0-9][^"]*",program="ingest"\} 1$' \
    "axlog_build_info names the version and the program"
it_like "$(grep -c '^axlog_process_private_memory_bytes [1-9]' "$W/first.stats")" \
    '^1$' "the private memory of the stats processes is there"
it_is "$(awk '$1 == "axlog_database_up" { print $2 }' "$W/first.health")" 1 \
    "axlog-health: the database is up"
# Partitions reach 7 days ahead (axlogctl migrate), the retention is the
# default 90 days.
ok=$(awk -v now="$(date +%s)" '
	$1 == "axlog_partitions_ready_until_timestamp_seconds" && $2 > now + 6 * 86400 { p = 1 }
	$1 == "axlog_retention_seconds" && $2 == 90 * 86400 { r = 1 }
	END { print p + r }' "$W/first.health")
it_is "$ok" 2 "axlog-health: partitions ready a week ahead, retention 90 days"
it_http POST "$NG/metrics/ingest" -d x
it_is "$IT_HTTP_CODE $(it_http_header Allow)" "405 GET, HEAD" "POST /metrics/ingest: 405"
it_http GET "$IT_LIGHTTPD_URL/metrics/stats"
it_like "$IT_HTTP_CODE $IT_HTTP_BODY" '^200 .*axlog_http_requests_total' \
    "/metrics/stats through lighttpd"
it_http GET "$NG/metrics/nothing"
it_is "$IT_HTTP_CODE" 404 "/metrics/nothing: 404"
it_http GET "$NG/metrics/ingest"
it_lt "$IT_HTTP_MS" 200 "a scrape answers quickly (${IT_HTTP_MS} ms; the bench holds the 10 ms target)"

# ---------------------------------------------------------------------------
# 2. Prometheus (10 tests)
# ---------------------------------------------------------------------------

PROM_PORT=$(it_free_port) || it_bail "no free port"
mkdir -p "$W/prom-data"
cat >"$W/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
EOF
for p in ingest stats health; do
	cat >>"$W/prometheus.yml" <<EOF
  - job_name: axlog-$p
    metrics_path: /metrics/$p
    static_configs:
      - targets: ['127.0.0.1:$IT_NGINX_PORT']
EOF
done
prometheus --config.file="$W/prometheus.yml" --storage.tsdb.path="$W/prom-data" \
    --web.listen-address="127.0.0.1:$PROM_PORT" --log.level=warn \
    >"$IT_TMP/logs/prometheus.log" 2>&1 &
PROM_PID=$!
IT_PIDS+=("$PROM_PID")
PROM=http://127.0.0.1:$PROM_PORT
it_http_until 200 30 GET "$PROM/-/ready"
it_is "$IT_HTTP_CODE" 200 "Prometheus is ready"

cat >"$W/query.py" <<'PY'
"""query.py URL QUERY [TIME]: the value of an instant PromQL query with
one result (nothing when it has none).
query.py URL --resets REGEX WINDOW: the sum over every metric whose name
matches REGEX of sum(resets(NAME[WINDOW])) (resets() drops the name, so
the metrics cannot go in one query), and how many metrics were asked."""
import json, re, sys, urllib.parse, urllib.request

def get(path, args):
    u = sys.argv[1] + path + "?" + urllib.parse.urlencode(args)
    return json.load(urllib.request.urlopen(u, timeout=10))["data"]

if sys.argv[2] == "--resets":
    names = [n for n in get("/api/v1/label/__name__/values", {})
             if re.fullmatch(sys.argv[3], n)]
    total = 0
    for n in names:
        for r in get("/api/v1/query",
                     {"query": "sum(resets(%s[%s]))" % (n, sys.argv[4])})["result"]:
            total += float(r["value"][1])
    print("%d %d" % (total, len(names)))
    sys.exit(0)
args = {"query": sys.argv[2]}
if len(sys.argv) > 3:
    args["time"] = sys.argv[3]
res = get("/api/v1/query", args)["result"]
if len(res) == 1:
    print(res[0]["value"][1])
elif res:
    print("several:", json.dumps(res))
PY
promq() {
	"$IT_PYTHON" "$W/query.py" "$PROM" "$@" 2>>"$IT_TMP/logs/prometheus.log"
}
# Until every target has been scraped once.
for i in $(seq 50); do
	[ "$(promq 'sum(up)')" = 3 ] && break
	sleep 0.2
done
it_is "$(promq 'sum(up)')" 3 "Prometheus scrapes the three programs through nginx"

cat >"$W/load.py" <<'PY'
"""load.py URL KEY READKEY SECONDS OUT: POST /ingest a batch of 5 events
every 20 ms (250 events/s) on time, whatever the answers, for SECONDS,
and GET /stats every 200 ms; write one line per answer 200 of /ingest
to OUT: the wall-clock time it came, and its accepted events."""
import http.client, json, sys, threading, time

url, key, rkey, secs, out = sys.argv[1:6]
hp = url[len("http://"):]
host, _, port = hp.rpartition(":")
assert host == "127.0.0.1", host
secs = float(secs)
BATCH, EVERY = 5, 0.020

def post(conn):
    body = json.dumps([{"event_type": "metrics.load"}] * BATCH)
    try:
        if conn[0] is None:
            conn[0] = http.client.HTTPConnection(host, int(port), timeout=5)
        conn[0].request("POST", "/ingest", body=body, headers={
            "X-API-Key": key, "Content-Type": "application/json"})
        r = conn[0].getresponse()
        data = r.read()
        if r.status == 200:
            return json.loads(data)["accepted"]
    except Exception:  # noqa: BLE001 - a killed worker: reconnect
        pass
    try:
        conn[0].close()
    except Exception:  # noqa: BLE001
        pass
    conn[0] = None
    return None

def reader(stop):
    while not stop.is_set():
        try:
            c = http.client.HTTPConnection(host, int(port), timeout=5)
            c.request("GET", "/stats", headers={"X-API-Key": rkey})
            c.getresponse().read()
            c.close()
        except Exception:  # noqa: BLE001
            pass
        stop.wait(0.2)

stop = threading.Event()
t = threading.Thread(target=reader, args=(stop,))
t.start()
conn = [None]
start = time.time()
n = 0
with open(out, "w") as f:
    while True:
        due = start + n * EVERY
        if due - start >= secs:
            break
        if due > time.time():
            time.sleep(due - time.time())
        acc = post(conn)
        if acc is not None:
            f.write("%.6f %d\n" % (time.time(), acc))
        n += 1
stop.set()
t.join()
PY

read -r -a before <<<"$(workers_of "$IT_PID_ingest")"
LOAD_T0=$(date +%s.%N)
"$IT_PYTHON" "$W/load.py" "$NG" "$IT_INGEST_KEY" "$IT_READ_KEY" 24 "$W/acked" \
    2>"$W/load.err" &
LOAD_PID=$!
sleep 4
kill -KILL "${before[0]}"
it_ok $? "ingest worker ${before[0]} killed (-9) 4 s into the load"
sleep 6
# Scrapes of stats that each of its workers answers, before one dies.
for i in 1 2 3 4; do
	curl -fsS "$NG/metrics/stats" >"$W/stats-before.$i" 2>/dev/null
done
read -r -a sworkers <<<"$(workers_of "$IT_PID_stats")"
kill -KILL "${sworkers[0]}"
it_ok $? "stats worker ${sworkers[0]} killed (-9) 10 s into the load"
wait "$LOAD_PID"
# The last scrape after the load ends, then one more.
sleep 2.5
EVAL=$(awk -v t="$LOAD_T0" 'BEGIN { printf "%.3f", t + 22 }')
want=$(awk -v from="$(awk -v t="$EVAL" 'BEGIN { printf "%.6f", t - 12 }')" -v to="$EVAL" '
	$1 > from && $1 <= to { n += $2 } END { printf "%.3f", n / 12 }' "$W/acked")
got=$(promq 'sum(rate(axlog_ingest_events_accepted_total[12s]))' "$EVAL")
ok=$(awk -v g="$got" -v w="$want" 'BEGIN { print (w > 0 && g != "" && g >= 0.9 * w && g <= 1.1 * w) ? 0 : 1 }')
it_ok "$ok" "PromQL: ingest rate $got events/s, the client saw $want acknowledged (within 10 %)"
it_lt "$(awk -v w="$want" 'BEGIN { printf "%d", w < 150 }')" 1 \
    "the load reached its rate ($want events/s of 250 sent)"
read -r resets nmetrics < <(promq --resets 'axlog_.+(_total|_bucket|_count|_sum)' 2m)
it_is "$resets ${nmetrics:-0}" "0 $nmetrics" \
    "Prometheus saw no counter of the $nmetrics metrics go down across the two restarts"
it_lt 20 "${nmetrics:-0}" "Prometheus has the counters ($nmetrics metrics asked)"
it_lt 0 "$(promq 'axlog_workers_restarted_total{job="axlog-ingest"}' | cut -d. -f1)" \
    "the ingest restart is counted"
it_lt 0 "$(promq 'axlog_workers_restarted_total{job="axlog-stats"}' | cut -d. -f1)" \
    "the stats restart is counted"

# ---------------------------------------------------------------------------
# 3. Scrapes compared (5 tests)
# ---------------------------------------------------------------------------

cat >"$W/compare.py" <<'PY'
"""compare.py OLD NEW...: every counter series of OLD (names ending in
_total, _bucket, _count or _sum) in each NEW, and not lower; prints the
first problem, or nothing."""
import re, sys

def series(path):
    out = {}
    for line in open(path):
        if line.startswith("#") or not line.strip():
            continue
        key, _, value = line.rstrip("\n").rpartition(" ")
        name = re.match(r"[a-zA-Z_:][a-zA-Z0-9_:]*", key).group(0)
        if re.search(r"_(total|bucket|count|sum)$", name):
            out[key] = float(value)
    return out

old = series(sys.argv[1])
if not old:
    print("no counters in", sys.argv[1])
for path in sys.argv[2:]:
    new = series(path)
    for k, v in old.items():
        if k not in new:
            print(path, "lacks", k)
            sys.exit(0)
        if new[k] < v:
            print(path, k, "went down:", v, "->", new[k])
            sys.exit(0)
PY
sleep 1
for i in 1 2 3 4 5 6; do
	curl -fsS "$NG/metrics/stats" >"$W/stats-after.$i" 2>/dev/null
	curl -fsS "$NG/metrics/ingest" >"$W/ingest-after.$i" 2>/dev/null
done
out=$("$IT_PYTHON" "$W/compare.py" "$W/stats-before.4" "$W"/stats-after.*)
it_is "$out" "" "stats: no counter lower after its worker was killed (six scrapes)"
out=$("$IT_PYTHON" "$W/compare.py" "$W/first.ingest" "$W"/ingest-after.*)
it_is "$out" "" "ingest: no counter lower than before the load and the kill"
pids=$(grep -h '^axlog_workers ' "$W"/stats-after.* | sort -u)
it_is "$pids" "axlog_workers 2" "stats: two workers again"
acked=$(awk '{ n += $2 } END { print n + 0 }' "$W/acked")
counted=$(awk '$1 == "axlog_ingest_events_accepted_total" { print $2 }' "$W/ingest-after.6")
it_ok "$(awk -v a="$acked" -v c="$counted" 'BEGIN { print (c >= a && c <= a + 50) ? 0 : 1 }')" \
    "axlog_ingest_events_accepted_total $counted counts the $acked events acknowledged"
stored=$(it_psql axlog -c "SELECT count(*) FROM axlog.logs WHERE event_type = 'metrics.load'")
it_ok "$(awk -v s="$stored" -v c="$counted" 'BEGIN { print (c <= s) ? 0 : 1 }')" \
    "no more counted ($counted) than stored ($stored)"

# ---------------------------------------------------------------------------
# 4. The database down (5 tests)
# ---------------------------------------------------------------------------

unavailable() {
	awk '$1 ~ /^axlog_ingest_requests_unavailable_total/ { n += $2 } END { print n + 0 }'
}
n503=$(curl -fsS "$NG/metrics/ingest" | unavailable)
it_pg_stop >/dev/null 2>&1
# The first may meet the connection the server has just closed
# (connection_lost); the second connects, and is refused (database).
for i in 1 2; do
	it_http POST "$NG/ingest" -H "X-API-Key: $IT_INGEST_KEY" \
	    -H 'Content-Type: application/json' -d '{"event_type":"metrics.down"}'
	codes="${codes:-}$IT_HTTP_CODE "
done
it_is "$codes" "503 503 " "/ingest with PostgreSQL stopped: 503, twice"
it_http GET "$NG/metrics/ingest"
it_is "$IT_HTTP_CODE" 200 "/metrics/ingest still answers"
it_is "$(unavailable <<<"$IT_HTTP_BODY")" $((n503 + 2)) \
    "the two 503s are counted"
if [ "${IT_PGBOUNCER:-0}" = 1 ]; then
	# The pooler takes the connection, then drops it once the statement
	# is sent: both are connection_lost.
	it_like "$(grep -E '^axlog_ingest_requests_unavailable_total\{cause="connection_lost"\} ' <<<"$IT_HTTP_BODY")" \
	    ' [1-9][0-9]*$' "through PgBouncer: the 503s under cause connection_lost"
else
	it_like "$(grep -E '^axlog_(ingest_requests_unavailable_total\{cause="database"\}|db_connect_failures_total) ' <<<"$IT_HTTP_BODY" | tr '\n' ' ')" \
	    '^[^ ]+ [1-9][0-9]* [^ ]+ [1-9][0-9]* $' \
	    "the refused connection is counted, and its 503 under cause database"
fi
sleep 5.2	# past axlog-health's cache of the database's gauges
it_http GET "$NG/metrics/health"
it_like "$IT_HTTP_CODE $(grep '^axlog_database_up' <<<"$IT_HTTP_BODY")" \
    '^200 axlog_database_up 0$' "axlog-health: 200, axlog_database_up 0"

it_logs_clean
it_ok $? "no sanitizer report in the programs' logs"

it_diag "elapsed $((SECONDS - T0)) s (budget 90 s)"
