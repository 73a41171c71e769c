#!/bin/bash
# A write that may have reached the server is never sent again.
#
# The contract (README, "Group commit" and the 503 of the error table):
# when the deadline (AXLOG_DB_TIMEOUT_MS) passes, or the connection is
# lost, after a statement was sent, the statement is cancelled, the
# connection dropped and every request of the group answered 503 with
# Retry-After.  Running the requests of a group again one by one is only
# for a group that PostgreSQL refused with an error result.
#
#   1. A rollup row (axlog.rollup_hour) of an event type is held FOR
#      UPDATE by another session, past the deadline (1500 ms here), while
#      8 requests of that type come in through nginx, each with one event
#      and its own message: one first, alone, then 7 at once once the
#      first waits for the lock (with group commit they form one group).
#      The lock is let go once the deadline has passed for some of them:
#      after a 503 while a third statement waits for the lock (one whose
#      earlier runs were given up on), or after two 503s.  Then, once
#      every statement of the ingest role has ended: every request
#      answered 200 is stored
#      exactly once and said {"accepted": 1, "duplicates": 0} (each event
#      was sent once), every request answered 503 carries Retry-After and
#      is stored at most once, no message is stored twice, and the hour
#      and day rollups count exactly the rows.  Without ids, then with
#      ids.  (8 tests each)
#   2. The same with AXLOG_GROUP_COMMIT=off (one request, one
#      transaction, two workers), and with the program as plain CGI under
#      lighttpd's mod_cgi (nginx has no CGI).  (8 tests each)
#   3. 64 clients send batches with ids through nginx for 20 s
#      (tests/load/axload.py) while PostgreSQL is stopped -m immediate
#      and started again, twice, and the ingest worker is killed (-9)
#      once; the clients resend every 502/503/504, connection error and
#      timeout with the same ids until 200.  Afterwards every id sent is
#      stored exactly once, every acknowledged id among them, and the
#      rollups count exactly the rows.  (12 tests)
# Runs through PgBouncer too (IT_PGBOUNCER=1): the lock and the checks
# use the superuser's own connection, straight to PostgreSQL.
# Nothing here asserts on speed; the waits are generous and bounded.
# Time budget: 120 s; the elapsed time is printed.  TAP on stdout.

# shellcheck source=tests/integration/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck disable=SC2154 # top_srcdir, IT_PID_*: set by lib.sh

T0=$SECONDS
it_init
it_require nginx
it_plan 67

for p in "$IT_INGEST" "$IT_AXLOGCTL"; do
	[ -x "$p" ] || it_bail "$p is not built (run make first)"
done
LOAD=$top_srcdir/tests/load/axload.py
[ -f "$LOAD" ] || it_bail "$LOAD is missing"
W=$IT_TMP/work
mkdir -p "$W"
TIMEOUT_MS=1500

it_pg_start || it_bail "PostgreSQL did not start"
# Test 3 stops the server -m immediate and counts every acknowledged
# event: with the test cluster's synchronous_commit = off such a stop may
# lose commits already acknowledged, which is PostgreSQL's trade, not
# axlog's (see faults.sh).
if ! it_psql -c "ALTER SYSTEM SET synchronous_commit = on" >/dev/null ||
    ! it_psql -c "SELECT pg_reload_conf()" >/dev/null; then
	it_bail "could not set synchronous_commit"
fi
# Tests 1 and 2 see what reaches the server: every statement is logged
# with its parameters, so that each request's events can be counted in
# the statements sent, whatever the server then did with them (a
# cancelled statement stores nothing, and would hide a resend).
if ! it_psql -c "ALTER SYSTEM SET log_statement = 'all'" >/dev/null ||
    ! it_psql -c "SELECT pg_reload_conf()" >/dev/null; then
	it_bail "could not set log_statement"
fi
it_setup_db || it_bail "database setup failed"
it_nginx_start || it_bail "nginx did not start"
# The lock session waits for a row of this table (the test's own, in
# public: the ingest role cannot see it) before it lets go.
it_psql axlog -c "CREATE TABLE public.noresend_release (tag text NOT NULL)" >/dev/null ||
	it_bail "could not create the test's table"

PSQL=$IT_PGBIN/psql

# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------

cat >"$W/burst.py" <<'PY'
"""burst.py URL KEY TYPE CREATED_AT IDS(0|1) OUT PSQL PORT

One request with one event, then, once a statement of the ingest role
waits for a lock, 7 more at once; each event has its own message (and
with IDS=1 its own id).  Then (see below for when) a row is put in
public.noresend_release, which lets the lock session end.  Writes every
answer to OUT as JSON."""
import http.client, json, subprocess, sys, threading, time, uuid

url, key, etype, created, ids, out, psql, port = sys.argv[1:9]
ids = ids == "1"
hp = url[len("http://"):].split("/", 1)[0]
host, _, p = hp.rpartition(":")
assert host in ("127.0.0.1", "localhost"), host
path = "/" + url[len("http://"):].split("/", 1)[1] if "/" in url[len("http://"):] else "/ingest"
N = 8
CLIENT_TIMEOUT = 45
db = [psql, "-X", "-qAt", "-h", "127.0.0.1", "-p", port, "-U", "postgres",
      "-d", "axlog"]

def sql(q):
    return subprocess.run(db + ["-c", q], capture_output=True, text=True,
                          timeout=20).stdout.strip()

# Connected now, so that letting go costs no connection later.
releaser = subprocess.Popen(db + ["-v", "ON_ERROR_STOP=1", "-f", "-"],
                            stdin=subprocess.PIPE, text=True,
                            stdout=subprocess.DEVNULL)
results = [None] * N
lock = threading.Lock()
n503 = [0]

def send(i):
    ev = {"event_type": etype, "created_at": created,
          "message": "noresend %s %d %s" % (etype, i, uuid.uuid4())}
    if ids:
        ev["id"] = str(uuid.uuid4())
    r = {"i": i, "message": ev["message"], "id": ev.get("id"),
         "status": 0, "retry_after": None, "body": ""}
    t = time.time()
    try:
        c = http.client.HTTPConnection(host, int(p), timeout=CLIENT_TIMEOUT)
        c.request("POST", path, body=json.dumps(ev),
                  headers={"X-API-Key": key,
                           "Content-Type": "application/json"})
        resp = c.getresponse()
        r["body"] = resp.read().decode("utf-8", "replace")
        r["status"] = resp.status
        r["retry_after"] = resp.getheader("Retry-After")
        c.close()
    except Exception as e:  # noqa: BLE001 - recorded as status 0
        r["body"] = "%s: %s" % (type(e).__name__, e)
    r["s"] = round(time.time() - t, 2)
    with lock:
        results[i] = r
        if r["status"] == 503:
            n503[0] += 1

t0 = time.time()
first = threading.Thread(target=send, args=(0,))
first.start()
# The first request waits for the lock: the others now queue behind it.
waited = False
for _ in range(100):
    if sql("SELECT count(*) FROM pg_stat_activity WHERE usename = "
           "'axlog_ingest' AND wait_event_type = 'Lock'") not in ("", "0"):
        waited = True
        break
    if not first.is_alive():
        break
    time.sleep(0.1)
print("first request waiting for the lock: %s (%.1f s)" %
      (waited, time.time() - t0), file=sys.stderr)
go = threading.Barrier(N - 1)

def later(i):
    go.wait()
    send(i)

rest = [threading.Thread(target=later, args=(i,)) for i in range(1, N)]
for t in rest:
    t.start()
# When to let go: once a statement of the ingest role runs beside two
# earlier ones that still wait for the lock after their requests were
# answered, or were given up on (a third statement waiting while one
# request has been answered 503), or after two 503s, or when every
# request has its answer; 25 s at most.
why = "25 s passed"
while time.time() - t0 < 25:
    with lock:
        k = n503[0]
    if k >= 2:
        why = "two answers 503"
        break
    if not first.is_alive() and all(not t.is_alive() for t in rest):
        why = "every request answered"
        break
    w = sql("SELECT count(*) FROM pg_stat_activity WHERE usename = "
            "'axlog_ingest' AND wait_event_type = 'Lock'")
    if k >= 1 and w.isdigit() and int(w) >= 3:
        why = "%s statements waiting for the lock after a 503" % w
        break
    time.sleep(0.05)
released = round(time.time() - t0, 2)
releaser.stdin.write("INSERT INTO public.noresend_release VALUES ('%s');\n" % etype)
releaser.stdin.close()
releaser.wait(timeout=20)
print("lock let go after %.2f s (%s)" % (released, why), file=sys.stderr)
for t in [first] + rest:
    t.join(CLIENT_TIMEOUT + 5)
json.dump({"released_s": released, "answers": results}, open(out, "w"))
PY

cat >"$W/check.py" <<'PY'
"""check.py OUT PSQL PORT TYPE: the table against the answers.
Prints: n200 n503 other no_retry_after bad_counts not_once_200
twice_503 stored_503 msg_twice rows hour day"""
import collections, json, subprocess, sys

out, psql, port, etype = sys.argv[1:5]
res = json.load(open(out))["answers"]
db = [psql, "-X", "-qAt", "-F", "\t", "-h", "127.0.0.1", "-p", port,
      "-U", "postgres", "-d", "axlog", "-c"]

def sql(q):
    return subprocess.run(db + [q], check=True, capture_output=True,
                          text=True).stdout

rows = [l.split("\t") for l in sql(
    "SELECT coalesce(message, ''), id FROM axlog.logs "
    "WHERE app_id = 'demo' AND event_type = '%s'" % etype).splitlines() if l]
by_msg = collections.defaultdict(list)
for m, i in rows:
    by_msg[m].append(i)
hour, day = sql(
    "SELECT (SELECT coalesce(sum(events), 0) FROM axlog.rollup_hour "
    "WHERE app_id = 'demo' AND event_type = '%s'), "
    "(SELECT coalesce(sum(events), 0) FROM axlog.rollup_day "
    "WHERE app_id = 'demo' AND event_type = '%s')" % (etype, etype)
).strip().split("\t")

n200 = n503 = other = no_ra = bad_counts = not_once = twice_503 = stored_503 = 0
for r in res:
    if r is None:
        other += 1
        continue
    got = by_msg.get(r["message"], [])
    if r["status"] == 200:
        n200 += 1
        if r["id"] is not None and any(i != r["id"] for i in got):
            not_once += 1   # stored under another id than the one sent
            print("request %d stored with another id: %s" % (r["i"], got),
                  file=sys.stderr)
        try:
            b = json.loads(r["body"])
            ok = b.get("accepted") == 1 and b.get("duplicates", 0) == 0
        except ValueError:
            ok = False
        if not ok:
            bad_counts += 1
            print("200 of request %d said %s" % (r["i"], r["body"]), file=sys.stderr)
        if len(got) != 1:
            not_once += 1
            print("200 of request %d: stored %d times" % (r["i"], len(got)),
                  file=sys.stderr)
    elif r["status"] == 503:
        n503 += 1
        if not (r["retry_after"] or "").isdigit():
            no_ra += 1
        stored_503 += len(got)
        if len(got) > 1:
            twice_503 += 1
            print("503 of request %d: stored %d times" % (r["i"], len(got)),
                  file=sys.stderr)
    else:
        other += 1
        print("request %d: %s %s" % (r["i"], r["status"], r["body"][:200]),
              file=sys.stderr)
msg_twice = sum(1 for v in by_msg.values() if len(v) > 1)
print(n200, n503, other, no_ra, bad_counts, not_once, twice_503, stored_503,
      msg_twice, len(rows), hour, day)
PY

# sql_lit VALUE: VALUE as a SQL string literal (the types here are safe,
# this only keeps them from being read as anything else).
sql_lit() {
	printf "'%s'" "${1//\'/\'\'}"
}

# Statements of the ingest role still running (waiting for a lock, or
# running after their client gave up on them).
ingest_active() {
	it_psql axlog -c "SELECT count(*) FROM pg_stat_activity
	    WHERE usename = 'axlog_ingest' AND state NOT IN ('idle')"
}

# burst NAME TYPE URL IDS: test 1's scenario against URL (the ingest
# endpoint) for event type TYPE, and its 8 tests.
burst() {
	local name=$1 type=$2 url=$3 ids=$4 created lockpid n r
	local n200 n503 other no_ra bad_counts not_once twice_503 stored_503 msg_twice rows hour day
	local logoff most
	created=$(date -u -d '-60 seconds' +%Y-%m-%dT%H:%M:%S.000Z)

	# The rollup row exists before it is locked: one event of the type,
	# at the same time (hour) as the others.
	it_http_until 200 20 POST "$url" -H "X-API-Key: $IT_INGEST_KEY" \
	    -H 'Content-Type: application/json' \
	    --data-binary "{\"event_type\":\"$type\",\"created_at\":\"$created\",\"message\":\"prime\"}"
	[ "$IT_HTTP_CODE" = 200 ] || it_diag "$name: the first event: $IT_HTTP_CODE $IT_HTTP_BODY"
	n=$(it_psql axlog -c "SET TimeZone = 'UTC'; SELECT count(*) FROM axlog.rollup_hour
	    WHERE app_id = 'demo' AND event_type = $(sql_lit "$type")
	      AND t = date_trunc('hour', $(sql_lit "$created")::timestamptz)")
	[ "$n" = 1 ] || it_bail "$name: the rollup row of $type is not there ($n)"

	cat >"$W/lock-$type.sql" <<EOF
SET TimeZone = 'UTC';
BEGIN;
SELECT count(*) FROM (SELECT 1 FROM axlog.rollup_hour
    WHERE app_id = 'demo' AND event_type = $(sql_lit "$type")
      AND t = date_trunc('hour', $(sql_lit "$created")::timestamptz)
    FOR UPDATE) s;
DO \$\$
BEGIN
	FOR i IN 1..600 LOOP
		EXIT WHEN EXISTS (SELECT 1 FROM public.noresend_release
		    WHERE tag = $(sql_lit "$type"));
		PERFORM pg_sleep(0.05);
	END LOOP;
END
\$\$;
COMMIT;
EOF
	PGAPPNAME=noresend-lock it_psql axlog -f "$W/lock-$type.sql" \
	    >"$W/lock-$type.out" 2>&1 &
	lockpid=$!
	for _ in $(seq 100); do
		[ "$(it_psql -c "SELECT count(*) FROM pg_stat_activity
		    WHERE application_name = 'noresend-lock' AND state = 'active'
		      AND query LIKE 'DO%'")" = 1 ] && break
		it_alive "$lockpid" || break
		sleep 0.1
	done
	if [ "$(head -n 1 "$W/lock-$type.out")" != 1 ] || ! it_alive "$lockpid"; then
		it_bail "$name: the lock session did not take the row: $(cat "$W/lock-$type.out")"
	fi

	logoff=$(stat -c %s "$IT_PGDIR/server.log")
	"$IT_PYTHON" "$W/burst.py" "$url" "$IT_INGEST_KEY" "$type" "$created" \
	    "$ids" "$W/burst-$type.json" "$PSQL" "$IT_PG_PORT" 2>"$W/burst-$type.err" ||
		it_diag "$name: burst.py: $(cat "$W/burst-$type.err")"
	it_diag "$name: $(tr '\n' ';' <"$W/burst-$type.err")"
	wait "$lockpid"
	# Settle: every statement of the ingest role has ended (bounded).
	for _ in $(seq 150); do
		[ "$(ingest_active)" = 0 ] && break
		sleep 0.2
	done
	[ "$(ingest_active)" = 0 ] || it_diag "$name: statements of the ingest role still running"
	sleep 0.5
	it_diag "$name: answers: $("$IT_PYTHON" -c '
import json, sys
for r in json.load(open(sys.argv[1]))["answers"]:
    if r:
        print("#%d %s %ss %s%s" % (r["i"], r["status"], r["s"], r["body"].strip()[:80],
              " Retry-After: %s" % r["retry_after"] if r["retry_after"] else ""))
' "$W/burst-$type.json")"

	r=$("$IT_PYTHON" "$W/check.py" "$W/burst-$type.json" "$PSQL" "$IT_PG_PORT" "$type" \
	    2>"$W/check-$type.err")
	[ -s "$W/check-$type.err" ] && it_diag "$(cat "$W/check-$type.err")"
	read -r n200 n503 other no_ra bad_counts not_once twice_503 stored_503 msg_twice rows hour day <<<"$r"
	it_diag "$name: $n200 answered 200, $n503 answered 503 ($stored_503 of those stored); $rows rows of $type (with the first event)"

	[ "${n503:-0}" -ge 1 ]
	it_ok $? "$name: the lock outlasted the deadline: some requests were answered 503 (${n503:-?})"
	it_is "$other" 0 "$name: every request was answered 200 or 503"
	it_is "$no_ra" 0 "$name: every 503 carries a numeric Retry-After"
	it_is "$bad_counts" 0 "$name: every 200 said accepted 1, duplicates 0 (each event was sent once)"
	it_is "$not_once" 0 "$name: every event answered 200 is stored exactly once (with the id it was sent with)"
	it_is "$twice_503" 0 "$name: every event answered 503 is stored at most once"
	it_is "$msg_twice" 0 "$name: no message is stored twice"
	it_is "$hour $day" "$rows $rows" "$name: the hour and day rollups count exactly the $rows rows"
	# How often each request's message went out in a statement's
	# parameters (log_statement = all): once at most, and at least one
	# request's went out (so the log was read at all).
	most=$("$IT_PYTHON" - "$IT_PGDIR/server.log" "$logoff" "$W/burst-$type.json" <<'PY'
import json, sys
log = open(sys.argv[1], "rb")
log.seek(int(sys.argv[2]))
lines = [l for l in log.read().decode("utf-8", "replace").splitlines()
         if "parameters:" in l]
answers = [r for r in json.load(open(sys.argv[3]))["answers"] if r]
print(max([sum(1 for l in lines if r["message"] in l) for r in answers] or [-1]))
PY
)
	it_is "$most" 1 "$name: no request's events were sent to the database twice"
}

# ---------------------------------------------------------------------------
# 1. Group commit (the default), through nginx (18 tests)
# ---------------------------------------------------------------------------

respawn() {
	it_unspawn ingest
	it_spawn ingest "$IT_INGEST" AXLOG_DATABASE_URL="$IT_INGEST_URL" \
	    AXLOG_DB_TIMEOUT_MS=$TIMEOUT_MS "$@" || it_bail "axlog-ingest did not start"
}

respawn
burst "group commit, no ids" noresend.group.noid "$IT_NGINX_URL/ingest" 0
respawn
burst "group commit, ids" noresend.group.ids "$IT_NGINX_URL/ingest" 1

# ---------------------------------------------------------------------------
# 2. Group commit off (two workers), through nginx; plain CGI (36 tests)
# ---------------------------------------------------------------------------

respawn AXLOG_GROUP_COMMIT=off AXLOG_WORKERS=2
burst "group commit off, no ids" noresend.off.noid "$IT_NGINX_URL/ingest" 0
respawn AXLOG_GROUP_COMMIT=off AXLOG_WORKERS=2
burst "group commit off, ids" noresend.off.ids "$IT_NGINX_URL/ingest" 1

# lighttpd's mod_cgi runs the program once per request (as ops.sh does;
# nginx has no CGI).  Sets CGI, the program's URL.
cgi_start() {
	local pooler_env="" l=$IT_TMP/lt-cgi port
	if [ "${IT_PGBOUNCER:-0}" = 1 ]; then
		pooler_env='
	"AXLOG_PREPARED_STATEMENTS" => "off",'
	fi
	mkdir -p "$l/root/cgi-bin" "$l/tmp"
	install -m 0755 "$IT_INGEST" "$l/root/cgi-bin/axlog-ingest" || return 1
	port=$(it_free_port) || return 1
	cat >"$l/lighttpd.conf" <<EOF
server.modules = ( "mod_cgi", "mod_setenv" )
server.bind = "127.0.0.1"
server.port = $port
server.document-root = "$l/root"
server.errorlog = "$IT_TMP/logs/lighttpd-cgi-error.log"
server.upload-dirs = ( "$l/tmp" )
server.stream-request-body = 0
setenv.add-environment = (
	"AXLOG_DATABASE_URL" => "$IT_INGEST_URL",
	"AXLOG_DB_TIMEOUT_MS" => "$TIMEOUT_MS",$pooler_env
)
\$HTTP["url"] =~ "^/cgi-bin/" {
	cgi.assign = ( "" => "" )
}
EOF
	( _it_env exec -- "$LIGHTTPD" -D -f "$l/lighttpd.conf" \
	    </dev/null >>"$IT_TMP/logs/lighttpd-cgi.log" 2>&1 ) &
	IT_PIDS+=("$!")
	it_wait_port "$port" 100 || return 1
	CGI=http://127.0.0.1:$port/cgi-bin/axlog-ingest
}

LIGHTTPD=$(command -v lighttpd || echo /usr/sbin/lighttpd)
if [ -x "$LIGHTTPD" ]; then
	cgi_start || it_bail "lighttpd (mod_cgi) did not start: $(cat "$IT_TMP"/logs/lighttpd-cgi*.log)"
	burst "CGI, no ids" noresend.cgi.noid "$CGI" 0
	burst "CGI, ids" noresend.cgi.ids "$CGI" 1
else
	for _ in $(seq 18); do
		it_skip "CGI under lighttpd's mod_cgi" "lighttpd not found"
	done
fi

# ---------------------------------------------------------------------------
# 3. 64 clients with ids through two immediate stops and a killed worker
#    (12 tests)
# ---------------------------------------------------------------------------

it_psql -c "ALTER SYSTEM RESET log_statement" >/dev/null &&
	it_psql -c "SELECT pg_reload_conf()" >/dev/null || it_bail "could not reset log_statement"

respawn
# shellcheck disable=SC2154 # IT_PID_ingest: set by it_spawn
SUP=$IT_PID_ingest
workers_of() {
	ps -o pid= --ppid "$1" 2>/dev/null | tr -d ' ' | sort -n | tr '\n' ' ' | sed 's/ $//'
}
sumval() {
	it_json "$2" "$(cat "$1")"
}
read -r -a before <<<"$(workers_of "$SUP")"
it_is "${#before[@]}" 1 "the ingest supervisor ($SUP) runs one worker with group commit (${before[*]})"
TYPE3=noresend.faults
"$IT_PYTHON" "$LOAD" ingest --url "$IT_NGINX_URL" --key "$IT_INGEST_KEY" \
    --clients 64 --batch 5 --seconds 20 --max-batches 60000 --retry-seconds 40 \
    --timeout 15 --event-type "$TYPE3" --sent "$W/faults.sent" \
    --acked "$W/faults.acked" >"$W/faults.json" 2>"$W/faults.err" &
LOADPID=$!
faults_ok=0
sleep 2
it_pg_stop_immediate || faults_ok=1
sleep 2
it_pg_start || it_bail "PostgreSQL did not start again (1)"
sleep 2
VICTIM=${before[0]:-}
if [ -n "$VICTIM" ] && kill -KILL "$VICTIM"; then
	replaced=""
	for _ in $(seq 100); do
		read -r -a now <<<"$(workers_of "$SUP")"
		if [ "${#now[@]}" -eq 1 ] && [ "${now[0]}" != "$VICTIM" ]; then
			replaced=${now[0]}
			break
		fi
		sleep 0.1
	done
	[ -n "$replaced" ] || faults_ok=1
	it_diag "worker $VICTIM killed, replaced by ${replaced:-nothing}"
else
	faults_ok=1
fi
sleep 2
it_pg_stop_immediate || faults_ok=1
# Every fault came while the clients were still sending.
it_alive "$LOADPID" || { faults_ok=1; it_diag "the load ended before the second stop"; }
sleep 2
it_pg_start || it_bail "PostgreSQL did not start again (2)"
it_ok "$faults_ok" "PostgreSQL stopped -m immediate and started twice, the worker killed (-9) and replaced, under load"
wait "$LOADPID"
it_diag "load: $(sumval "$W/faults.json" batches) batches, status $(sumval "$W/faults.json" status)," \
    "5xx $(sumval "$W/faults.json" kinds), errors $(sumval "$W/faults.json" errors)," \
    "resends $(sumval "$W/faults.json" resends), duplicates $(sumval "$W/faults.json" duplicates)," \
    "$(sumval "$W/faults.json" elapsed_s) s"
[ -s "$W/faults.err" ] && it_diag "$(head -n 5 "$W/faults.err")"
for _ in $(seq 150); do
	[ "$(ingest_active)" = 0 ] && break
	sleep 0.2
done

[ "$(sumval "$W/faults.json" acked_batches)" -ge 20 ] && [ "$(sumval "$W/faults.json" resends)" -ge 1 ]
it_ok $? "the load was real: $(sumval "$W/faults.json" acked_batches) batches acknowledged, $(sumval "$W/faults.json" resends) resent"
it_is "$(sumval "$W/faults.json" abandoned) $(sumval "$W/faults.json" fatal) $(sumval "$W/faults.json" hung_threads)" "0 0 0" \
    "every batch was answered 200 in the end (abandoned, fatal, hung: 0 0 0)" ||
	it_diag "$(sumval "$W/faults.json" examples)"
BAD=$("$IT_PYTHON" -c '
import json, sys
s = json.load(open(sys.argv[1]))
print(" ".join("%s=%d" % (k, v) for k, v in sorted(s["status"].items())
               if k not in ("200", "502", "503", "504")))' "$W/faults.json")
it_is "$BAD" "" "no answer other than 200/502/503/504"
it_is "$(sumval "$W/faults.json" no_retry_after_503)" 0 "every 503 carried a numeric Retry-After"
it_is "$(sumval "$W/faults.json" bad_answer)" 0 "every 200 counted its whole batch (accepted + duplicates = 5)"
it_psql axlog -c "SELECT id FROM axlog.logs WHERE app_id = 'demo' AND event_type = '$TYPE3'" \
    >"$W/faults.db" || it_diag "psql failed"
read -r dups missing stray stored distinct <<<"$("$IT_PYTHON" -c '
import collections, sys
db = [l.strip() for l in open(sys.argv[1]) if l.strip()]
acked = set(l.strip() for l in open(sys.argv[2]) if l.strip())
sent = set(l.strip() for l in open(sys.argv[3]) if l.strip())
c = collections.Counter(db)
print(sum(1 for n in c.values() if n > 1), len(acked - set(c)),
      len(set(c) - sent), len(db), len(sent))' "$W/faults.db" "$W/faults.acked" "$W/faults.sent")"
it_is "$dups" 0 "no id stored twice"
it_is "$missing" 0 "every acknowledged id is stored"
it_is "$stray" 0 "nothing stored that was not sent"
it_is "$stored" "$distinct" "every id sent is stored: $stored rows = $distinct distinct ids sent"
r=$(it_psql axlog -c "SELECT (SELECT coalesce(sum(events), 0) FROM axlog.rollup_hour WHERE app_id = 'demo' AND event_type = '$TYPE3')
    || ' ' || (SELECT coalesce(sum(events), 0) FROM axlog.rollup_day WHERE app_id = 'demo' AND event_type = '$TYPE3')")
it_is "$r" "$stored $stored" "the hour and day rollups count exactly the $stored rows"

it_unspawn ingest
it_logs_clean
it_ok $? "no sanitizer report in the programs' logs"

it_diag "elapsed $((SECONDS - T0)) s (budget 120 s)"
