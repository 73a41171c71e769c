#!/bin/bash
# Group commit: 64 concurrent clients send single events and small
# batches with ids through nginx, first with AXLOG_GROUP_COMMIT=on, then
# off; afterwards the table holds exactly the acknowledged events, each
# once, and each answer's counts are right.  One client's events carry a
# marker that a CHECK constraint of this test's own database refuses
# after validation passed: only that client's requests fail, each with
# the answer one request in one transaction gives (400 "rejected").  A
# client that disconnects while its request waits for the commit leaves
# all or nothing of it, and the program keeps serving.  After a large
# request and a quiet second the connection is closed, and reopened by
# the next request.
# Time budget: 60 s (two 8 s loads); elapsed printed at the end.

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

it_init
it_require nginx python3
it_plan 20

T0=$SECONDS
LOAD=$top_srcdir/tests/load/ingest_mix.py
it_pg_start || it_bail "PostgreSQL did not start"
it_setup_db || it_bail "database setup failed"
it_nginx_start || it_bail "nginx did not start"
# The test's own constraint: PostgreSQL, not the validator, refuses it.
it_psql axlog -c "ALTER TABLE axlog.logs ADD CONSTRAINT test_marker
    CHECK (message IS DISTINCT FROM 'reject-me')" ||
	it_bail "could not add the test constraint"

count() { it_psql axlog -c "SELECT count(*) FROM axlog.logs"; }

# check MODE OUT.json: the table against what the clients were told.
check() {
	local mode=$1 out=$2 res
	res=$(python3 - "$out" "$IT_PG_PORT" "$IT_PGBIN/psql" 2>"$IT_TMP/check.err" <<'PY'
import json, subprocess, sys
out, port, psql = sys.argv[1:4]
res = json.load(open(out))
ids = subprocess.run([psql, "-X", "-qAt", "-h", "127.0.0.1", "-p", port,
    "-U", "postgres", "-d", "axlog", "-c",
    "SELECT id FROM axlog.logs WHERE message IS NULL"],
    check=True, capture_output=True, text=True).stdout.split()
stored = set(ids)
acked = [i for c in res for a in c["acked"] for i in a["ids"]]
counts_ok = all(a["accepted"] == len(a["ids"]) and a["duplicates"] == 0
    for c in res for a in c["acked"])
marker = res[-1]
others_refused = sum(len(c["refused"]) for c in res[:-1])
others_other = sum(len(c["other"]) for c in res[:-1])
marker_ok = (len(marker["acked"]) == 0 and len(marker["refused"]) > 0 and
    all(r["body"]["error"] == "rejected" for r in marker["refused"]))
marker_stored = any(i in stored for r in marker["refused"] for i in r["ids"])
for c in res[:-1]:
    for o in c["other"][:2]:
        print("other answer:", o, file=sys.stderr)
print(len(acked), len(stored), len(ids) - len(stored),
      int(set(acked) == stored), int(counts_ok), others_refused,
      others_other, int(marker_ok), int(marker_stored))
PY
)
	sed 's/^/# /' "$IT_TMP/check.err"
	read -r n_acked n_stored n_twice same counts_ok others_refused \
	    others_other marker_ok marker_stored <<<"$res"
	# A floor, not a speed: enough requests that groups formed; a busy
	# test machine may serve only a few hundred in the window.
	[ "$n_acked" -ge 100 ]
	it_ok $? "$mode: the load was real ($n_acked events acknowledged)"
	it_is "$same" 1 "$mode: the table holds exactly the $n_acked acknowledged events ($n_stored stored)"
	it_is "$n_twice" 0 "$mode: no event stored twice"
	it_is "$counts_ok" 1 "$mode: every 200 counted its events as accepted, none as duplicates"
	it_is "$others_refused:$others_other" 0:0 "$mode: the other 63 clients got nothing but 200"
	it_is "$marker_ok" 1 "$mode: the marker client's requests all got 400 rejected"
	it_is "$marker_stored" 0 "$mode: none of the marker client's events was stored"
}

for mode in on off; do
	it_unspawn ingest
	it_spawn ingest "$IT_INGEST" AXLOG_DATABASE_URL="$IT_INGEST_URL" \
	    AXLOG_GROUP_COMMIT=$mode || it_bail "axlog-ingest did not start"
	it_psql axlog -c "TRUNCATE axlog.logs" >/dev/null
	out=$IT_TMP/load-$mode.json
	python3 "$LOAD" "$IT_NGINX_URL" "$IT_INGEST_KEY" 8 64 "$out" 63 ||
		it_bail "the load generator failed"
	check "group commit $mode" "$out"
done

# A client gone while its request waits: all or nothing, still serving.
it_unspawn ingest
it_spawn ingest "$IT_INGEST" AXLOG_DATABASE_URL="$IT_INGEST_URL" ||
	it_bail "axlog-ingest did not start"
before=$(count)
python3 - "$IT_NGINX_URL" "$IT_INGEST_KEY" <<'PY'
import datetime, json, socket, sys, urllib.parse, uuid
u = urllib.parse.urlparse(sys.argv[1])
now = datetime.datetime.now(datetime.timezone.utc).isoformat()
body = json.dumps([{"id": str(uuid.uuid4()), "created_at": now,
    "event_type": "gone"} for _ in range(50)]).encode()
for _ in range(20):
    s = socket.create_connection((u.hostname, u.port))
    s.sendall(b"POST /ingest HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
        + sys.argv[2].encode() + b"\r\nContent-Type: application/json\r\n"
        + b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
    s.close()
PY
sleep 2
added=$(( $(count) - before ))
it_is "$(( added % 50 ))" 0 "requests whose client left are stored whole or not at all ($added events)"
it_http POST "$IT_NGINX_URL/ingest" -H "Authorization: Bearer $IT_INGEST_KEY" \
    -H 'Content-Type: application/json' -d '{"event_type":"after"}'
it_is "$IT_HTTP_CODE" 200 "the program still serves afterwards"

# After a large group and a quiet second, the lane closes its connection
# (libpq keeps its buffers as large as the largest message for as long
# as the connection lives), and the next request opens a new one.
ingest_conns() {
	it_psql axlog -Atc "SELECT count(*) FROM pg_stat_activity WHERE usename = 'axlog_ingest'"
}
"$IT_PYTHON" -c 'import json; print(json.dumps([{"event_type": "big", "message": "x" * 200} for _ in range(300)]))' >"$IT_TMP/big.json"
it_http POST "$IT_NGINX_URL/ingest" -H "Authorization: Bearer $IT_INGEST_KEY" \
    -H 'Content-Type: application/json' --data-binary @"$IT_TMP/big.json"
it_is "$IT_HTTP_CODE $(it_json accepted)" "200 300" "a 300-event request: 200, 300 accepted"
sleep 2
if [ "${IT_PGBOUNCER:-0}" = 1 ]; then
	# PgBouncer keeps its own server connections: nothing to see here.
	it_skip "a quiet second after it, the ingest role holds no connection" "through PgBouncer"
	it_skip "the next request is stored on a new connection" "through PgBouncer"
else
	it_is "$(ingest_conns)" 0 "a quiet second after it, the ingest role holds no connection"
	it_http POST "$IT_NGINX_URL/ingest" -H "Authorization: Bearer $IT_INGEST_KEY" \
	    -H 'Content-Type: application/json' -d '{"event_type":"after.idle"}'
	it_is "$IT_HTTP_CODE $(ingest_conns)" "200 1" "the next request is stored on a new connection"
fi
it_logs_clean
it_ok $? "no sanitizer report in the programs' logs"
it_diag "elapsed: $(( SECONDS - T0 )) s"
