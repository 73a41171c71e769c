#!/bin/bash
# axlog-send against the real stack (PostgreSQL, the ingest program, nginx),
# with a small HTTP proxy of our own in between where a test needs the
# network to misbehave: every exit status reached (0, 64, 65, 75, 77);
# --lines; the key from --key-file and AXLOG_KEY, never on a command line;
# Retry-After and backoff; a response lost after the commit; gzip and
# batch limits; the database stopped with --spool, then started: every
# event stored exactly once.  TAP on stdout.
#
# The program: $AXLOG_SEND, else $top_builddir/clients/axlog-send/axlog-send.

# Read before lib.sh, which unsets every AXLOG_* variable.
SEND=${AXLOG_SEND:-}

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SEND=${SEND:-$top_builddir/clients/axlog-send/axlog-send}

it_init
it_require nginx
it_plan 91

for p in "$SEND" "$IT_INGEST" "$IT_AXLOGCTL"; do
	[ -x "$p" ] || it_bail "$p is not built (run make first)"
done

it_pg_start || it_bail "PostgreSQL did not start"
it_setup_db || it_bail "database setup failed"
it_spawn_all || it_bail "the programs did not start"
it_nginx_start || it_bail "nginx did not start"

URL=$IT_NGINX_URL/ingest
KEY=$IT_INGEST_KEY
D=$IT_TMP/send
mkdir -p "$D"

# ---------------------------------------------------------------------------
# Local helpers
# ---------------------------------------------------------------------------

# run_send [NAME=VALUE...] -- ARGS...: axlog-send with a clean environment
# (AXLOG_URL pointing at nginx unless given), stdin passed on.  Sets
# SEND_RC, SEND_ERR (its stderr, also kept in logs/ for the sanitizer
# check) and SEND_MS.
SEND_N=0
run_send() {
	local log t0 t1
	local -a envs=("AXLOG_URL=$URL")
	while [ $# -gt 0 ] && [ "$1" != "--" ]; do
		envs+=("$1")
		shift
	done
	shift
	SEND_N=$((SEND_N + 1))
	log=$IT_TMP/logs/send-$SEND_N.log
	t0=$(date +%s%3N)
	it_env_run "${envs[@]}" -- "$SEND" "$@" 2>"$log"
	SEND_RC=$?
	t1=$(date +%s%3N)
	SEND_MS=$((t1 - t0))
	SEND_ERR=$(cat "$log")
}

# send_bg [--key-env FILE] [NAME=VALUE...] -- ARGS...: the same, in the
# background, stdin passed on; BG_PID is axlog-send itself (the subshell,
# env and bash exec it), BG_LOG its stderr.  --key-env: AXLOG_KEY is read
# from FILE by a shell, so the key is in no argument list at any moment.
# send_wait waits for it and sets SEND_RC and SEND_ERR.
send_bg() {
	local -a envs=("AXLOG_URL=$URL") pre=()
	if [ "$1" = --key-env ]; then
		# shellcheck disable=SC2016
		pre=(bash -c 'read -r AXLOG_KEY <"$0" && export AXLOG_KEY && exec "$@"' "$2")
		shift 2
	fi
	while [ $# -gt 0 ] && [ "$1" != "--" ]; do
		envs+=("$1")
		shift
	done
	shift
	SEND_N=$((SEND_N + 1))
	BG_LOG=$IT_TMP/logs/send-$SEND_N.log
	# 0<&0: without a redirection of its own, bash gives a background
	# command /dev/null for stdin.
	( _it_env exec "${envs[@]}" -- "${pre[@]}" "$SEND" "$@" 2>"$BG_LOG" ) 0<&0 &
	BG_PID=$!
}
send_wait() {
	wait "$BG_PID"
	SEND_RC=$?
	SEND_ERR=$(cat "$BG_LOG")
}

# count WHERE: rows of axlog.logs matching an SQL condition.
count() {
	it_psql axlog -c "SELECT count(*) FROM axlog.logs WHERE $1"
}

new_uuid() {
	cat /proc/sys/kernel/random/uuid
}

# A time RFC 3339, N seconds from now (negative: in the past).
at() {
	date -u -d "@$(($(date +%s) + $1))" +%Y-%m-%dT%H:%M:%SZ
}

# The proxy: forwards to nginx, or misbehaves as $D/actions says (one
# action a request, first line first: "fwd"; "drop" = forward, then close
# without an answer; "close" = close without forwarding; "STATUS" or
# "STATUS:RETRY_AFTER" = answer that itself).  It logs one JSON line a
# request to $D/proxy.log.
cat >"$D/proxy.py" <<'EOF'
import gzip, http.server, json, sys, urllib.error, urllib.request

port_file, log_file, actions_file, upstream = sys.argv[1:5]

def next_action():
    try:
        lines = open(actions_file).read().splitlines()
    except FileNotFoundError:
        lines = []
    act = lines[0].strip() if lines else ""
    act = act or "fwd"
    open(actions_file, "w").write("".join(l + "\n" for l in lines[1:]))
    return act

class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a):
        pass
    def reply(self, status, body, retry_after=None):
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        if retry_after is not None:
            self.send_header("Retry-After", retry_after)
        self.end_headers()
        self.wfile.write(body)
    def do_POST(self):
        raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        enc = self.headers.get("Content-Encoding", "")
        data = gzip.decompress(raw) if enc == "gzip" else raw
        lines = [l for l in data.split(b"\n") if l.strip()]
        act = next_action()
        rec = {"action": act, "encoding": enc, "length": len(raw),
               "decoded": len(data), "events": len(lines),
               "ctype": self.headers.get("Content-Type", ""),
               "expect": self.headers.get("Expect", "")}
        with open(log_file, "a") as f:
            f.write(json.dumps(rec) + "\n")
        if act == "close":
            self.close_connection = True
            return
        if act not in ("fwd", "drop"):
            status, _, ra = act.partition(":")
            self.reply(int(status), b'{"error":"stub","message":"from the test proxy"}',
                       ra or None)
            return
        hdr = {k: v for k, v in self.headers.items()
               if k.lower() in ("authorization", "x-api-key", "content-type",
                                "content-encoding")}
        req = urllib.request.Request(upstream, data=raw, headers=hdr, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                status, body, ra = r.status, r.read(), r.headers.get("Retry-After")
        except urllib.error.HTTPError as e:
            status, body, ra = e.code, e.read(), e.headers.get("Retry-After")
        if act == "drop":
            self.close_connection = True
            return
        self.reply(status, body, ra)

s = http.server.HTTPServer(("127.0.0.1", 0), H)
open(port_file, "w").write(str(s.server_address[1]))
s.serve_forever()
EOF
"$IT_PYTHON" "$D/proxy.py" "$D/proxy.port" "$D/proxy.log" "$D/actions" "$URL" \
    2>"$IT_TMP/logs/proxy.log" &
IT_PIDS+=("$!")
for _ in $(seq 50); do
	[ -s "$D/proxy.port" ] && break
	sleep 0.1
done
[ -s "$D/proxy.port" ] || it_bail "the test proxy did not start"
PROXY=http://127.0.0.1:$(cat "$D/proxy.port")/ingest

# proxy_reset ACTION...: a fresh log and these actions for the next requests.
proxy_reset() {
	: >"$D/proxy.log"
	: >"$D/actions"
	[ $# -eq 0 ] || printf '%s\n' "$@" >"$D/actions"
}

# proxy_log EXPR: a python expression over L, the list of logged requests.
proxy_log() {
	"$IT_PYTHON" -c '
import json, sys
L = [json.loads(l) for l in open(sys.argv[1])]
print(eval(sys.argv[2]))' "$D/proxy.log" "$1"
}

# events N TYPE [SIZE]: N NDJSON events of TYPE, each with a message of
# SIZE bytes (default a short one), and no id.
events() {
	"$IT_PYTHON" -c '
import json, sys
n, t, size = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
for i in range(n):
    m = ("event %d " % i).ljust(size, "x") if size else "event %d" % i
    print(json.dumps({"event_type": t, "message": m}))' "$1" "$2" "${3:-0}"
}

# spool_check DIR: "FILES EVENTS OK" of the spool files in DIR, where OK
# says whether every event has a UUID v4 id (or its own) and a created_at.
spool_check() {
	"$IT_PYTHON" -c '
import glob, json, re, sys
files = sorted(glob.glob(sys.argv[1] + "/axlog-send-*.ndjson"))
n, ok = 0, True
uuid = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
for f in files:
    for line in open(f):
        e = json.loads(line)
        n += 1
        ok = ok and bool(uuid.match(e.get("id", ""))) and "created_at" in e
print(len(files), n, "ok" if ok else "bad")' "$1"
}

# ---------------------------------------------------------------------------
# 64: usage
# ---------------------------------------------------------------------------

run_send -- </dev/null
it_is "$SEND_RC" 64 "no key: exit 64"
it_like "$SEND_ERR" 'no key' "no key: the message says so"
run_send "AXLOG_KEY=$KEY" -- --batch 0 </dev/null
it_is "$SEND_RC" 64 "--batch 0: exit 64"
run_send "AXLOG_KEY=$KEY" -- --max-time 1x </dev/null
it_is "$SEND_RC" 64 "--max-time 1x: exit 64"
run_send "AXLOG_KEY=$KEY" -- --lines </dev/null
it_is "$SEND_RC" 64 "--lines without --event-type: exit 64"
run_send "AXLOG_KEY=$KEY" -- --lines --event-type 'not valid' </dev/null
it_is "$SEND_RC" 64 "an invalid --event-type: exit 64"
run_send "AXLOG_KEY=$KEY" -- --url ftp://127.0.0.1/ingest </dev/null
it_is "$SEND_RC" 64 "a URL that is not http(s): exit 64"
run_send -- --key-file "$D/no-such-file" </dev/null
it_is "$SEND_RC" 64 "a missing --key-file: exit 64"

# ---------------------------------------------------------------------------
# 0: stored, with ids
# ---------------------------------------------------------------------------

events 3 send.basic >"$D/basic.ndjson"
run_send "AXLOG_KEY=$KEY" -- <"$D/basic.ndjson"
it_is "$SEND_RC" 0 "3 events on stdin: exit 0"
it_is "$SEND_ERR" "" "3 events on stdin: nothing on stderr"
it_is "$(count "event_type = 'send.basic'")" 3 "3 events on stdin: 3 rows"
it_is "$(count "event_type = 'send.basic' AND created_at > now() - interval '5 minutes'")" 3 \
    "3 events on stdin: created_at stamped by the sender, now"

OWN_ID=$(new_uuid)
OWN_AT=$(at -3600)
printf '{"event_type":"send.own","id":"%s","created_at":"%s"}\n' "$OWN_ID" "$OWN_AT" >"$D/own.ndjson"
run_send "AXLOG_KEY=$KEY" -- "$D/own.ndjson"
it_is "$SEND_RC" 0 "an event with its own id, from a file: exit 0"
it_is "$(it_psql axlog -c "SELECT id || ' ' || to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') FROM axlog.logs WHERE event_type = 'send.own'")" \
    "$OWN_ID $OWN_AT" "an event with its own id keeps its id and created_at"

printf 'first line\n\nsecond line\twith a tab\nthird "quoted" line\r\nfourth line\n' >"$D/plain.txt"
run_send "AXLOG_KEY=$KEY" -- --lines --event-type send.line "$D/plain.txt"
it_is "$SEND_RC" 0 "--lines: exit 0"
it_is "$(count "event_type = 'send.line'")" 4 "--lines: one event a non-blank line"
it_is "$(it_psql axlog -c "SELECT string_agg(message, '|' ORDER BY message) FROM axlog.logs WHERE event_type = 'send.line'")" \
    "$(printf 'first line|fourth line|second line\twith a tab|third "quoted" line')" \
    "--lines: each line is the message, CR dropped"

printf '%s\n' "$KEY" >"$D/key"
chmod 600 "$D/key"
run_send -- --key-file "$D/key" < <(events 2 send.keyfile)
it_is "$SEND_RC" 0 "--key-file: exit 0"
it_is "$(count "event_type = 'send.keyfile'")" 2 "--key-file: 2 rows"

# ---------------------------------------------------------------------------
# 65: bad input reported and skipped, the rest stored
# ---------------------------------------------------------------------------

{
	printf '{"event_type":"send.mixed","message":"one"}\n'
	printf '{"event_type":"send.mixed","colour":"red"}\n'
	printf '{"event_type":"send.mixed","message":"three"}\n'
	printf 'this is not JSON\n'
	printf '{"event_type":"send.mixed","id":"%s"}\n' "$(new_uuid)"
	printf '{"event_type":"send.mixed","message":"six"}\n'
} >"$D/mixed.ndjson"
run_send "AXLOG_KEY=$KEY" -- <"$D/mixed.ndjson"
it_is "$SEND_RC" 65 "3 bad lines of 6: exit 65"
it_is "$(grep -c . <<<"$SEND_ERR")" 3 "3 bad lines of 6: one line each on stderr" ||
	it_diag "$SEND_ERR"
it_like "$SEND_ERR" 'stdin:2: colour: unknown_field' "the unknown field is named with its line"
it_like "$SEND_ERR" 'stdin:5: created_at: required_with_id' "an id without created_at is refused locally"
it_is "$(count "event_type = 'send.mixed'")" 3 "3 bad lines of 6: the 3 good ones stored"

"$IT_PYTHON" -c 'print("{\"event_type\":\"send.long\",\"message\":\"" + "x" * 70000 + "\"}")' >"$D/long.ndjson"
events 1 send.long >>"$D/long.ndjson"
run_send "AXLOG_KEY=$KEY" -- "$D/long.ndjson"
it_is "$SEND_RC:$(count "event_type = 'send.long'")" 65:1 \
    "a line over 64 KiB: exit 65, the next line stored"
it_like "$SEND_ERR" 'long\.ndjson:1: line over 65536 bytes' "a line over 64 KiB: reported with its line"

events 2 send.noinput >"$D/noinput.ndjson"
run_send "AXLOG_KEY=$KEY" -- "$D/no-such-input" "$D/noinput.ndjson"
it_is "$SEND_RC:$(count "event_type = 'send.noinput'")" 66:2 \
    "a missing input file: exit 66, the other file stored"

# Valid here, refused by the server (older than the retention): the batch
# is halved until that event is alone; the others are stored.
{
	for i in 1 2 3; do printf '{"event_type":"send.old","message":"%s"}\n' "$i"; done
	printf '{"event_type":"send.old","created_at":"%s"}\n' "$(at -$((200 * 86400)))"
	for i in 5 6 7; do printf '{"event_type":"send.old","message":"%s"}\n' "$i"; done
} >"$D/old.ndjson"
run_send "AXLOG_KEY=$KEY" -- <"$D/old.ndjson"
it_is "$SEND_RC" 65 "an event older than the retention: exit 65"
it_like "$SEND_ERR" '^axlog-send: stdin:4: refused by the server: HTTP 400 ' \
    "an event older than the retention: reported with its line" || it_diag "$SEND_ERR"
it_is "$(count "event_type = 'send.old'")" 6 "an event older than the retention: the 6 others stored"

# An event naming another app: the server's 403 is about that event.
{
	printf '{"event_type":"send.app","app_id":"demo"}\n'
	printf '{"event_type":"send.app","app_id":"someone.else"}\n'
	printf '{"event_type":"send.app"}\n'
} >"$D/app.ndjson"
run_send "AXLOG_KEY=$KEY" -- "$D/app.ndjson"
it_is "$SEND_RC:$(count "event_type = 'send.app'")" 65:2 \
    "an event naming another app: exit 65, the 2 others stored"
it_like "$SEND_ERR" 'app\.ndjson:2: refused by the server: HTTP 403 forbidden' \
    "an event naming another app: reported with its line" || it_diag "$SEND_ERR"

# ---------------------------------------------------------------------------
# 77: the key is refused
# ---------------------------------------------------------------------------

WRONG=axk_$(printf '%043d' 0)
run_send "AXLOG_KEY=$WRONG" -- < <(events 2 send.wrongkey)
it_is "$SEND_RC" 77 "an unknown key: exit 77"
it_like "$SEND_ERR" '^axlog-send: stdin:1-2: 2 events not sent: HTTP 401 unauthorized' \
    "an unknown key: one line naming the 401" || it_diag "$SEND_ERR"
it_is "$(count "event_type = 'send.wrongkey'")" 0 "an unknown key: nothing stored"
run_send "AXLOG_KEY=$IT_READ_KEY" -- < <(events 1 send.readkey)
it_is "$SEND_RC" 77 "a read key: exit 77"

# ---------------------------------------------------------------------------
# Idempotency: a resend, and a response lost after the commit
# ---------------------------------------------------------------------------

for i in 1 2 3 4 5; do
	printf '{"event_type":"send.dup","id":"%s","created_at":"%s"}\n' "$(new_uuid)" "$(at -60)"
done >"$D/dup.ndjson"
run_send "AXLOG_KEY=$KEY" -- "$D/dup.ndjson"
it_is "$SEND_RC" 0 "5 events with ids: exit 0"
run_send "AXLOG_KEY=$KEY" -- -v "$D/dup.ndjson"
it_is "$SEND_RC" 0 "the same 5 again: exit 0"
it_like "$SEND_ERR" 'HTTP 200: 0 accepted, 5 duplicates' "the same 5 again: reported as duplicates"
it_is "$(count "event_type = 'send.dup'")" 5 "the same 5 again: still 5 rows"

proxy_reset drop
run_send "AXLOG_KEY=$KEY" "AXLOG_URL=$PROXY" -- -v < <(events 20 send.lost)
it_is "$SEND_RC" 0 "a response lost after the commit: exit 0"
it_is "$(proxy_log '" ".join(r["action"] for r in L)')" "drop fwd" \
    "a response lost after the commit: sent again"
it_like "$SEND_ERR" 'HTTP 200: 0 accepted, 20 duplicates' \
    "a response lost after the commit: the resend finds 20 duplicates"
it_is "$(count "event_type = 'send.lost'")" 20 "a response lost after the commit: 20 rows, once each"

# ---------------------------------------------------------------------------
# Retries: Retry-After, backoff
# ---------------------------------------------------------------------------

proxy_reset 429:1
run_send "AXLOG_KEY=$KEY" "AXLOG_URL=$PROXY" -- < <(events 2 send.ra)
it_is "$SEND_RC" 0 "429 with Retry-After: 1: exit 0"
[ "$SEND_MS" -ge 1000 ] && [ "$SEND_MS" -lt 6000 ]
it_ok $? "429 with Retry-After: 1: the resend waited 1 s, not a 250-500 ms backoff ($SEND_MS ms)"
it_is "$(count "event_type = 'send.ra'")" 2 "429 with Retry-After: 1: stored"

proxy_reset 503 502 close
run_send "AXLOG_KEY=$KEY" "AXLOG_URL=$PROXY" -- < <(events 2 send.backoff)
it_is "$SEND_RC" 0 "503, 502, no answer, then 200: exit 0"
it_is "$(proxy_log 'len(L)')" 4 "503, 502, no answer, then 200: 4 requests"
it_is "$(count "event_type = 'send.backoff'")" 2 "503, 502, no answer, then 200: stored"

proxy_reset 413
run_send "AXLOG_KEY=$KEY" "AXLOG_URL=$PROXY" -- < <(events 10 send.split)
it_is "$SEND_RC" 0 "413 for a batch: exit 0"
it_is "$(proxy_log '" ".join(str(r["events"]) for r in L)')" "10 5 5" \
    "413 for a batch: sent again in halves"
it_is "$(count "event_type = 'send.split'")" 10 "413 for a batch: the 10 events stored"

proxy_reset 404
run_send "AXLOG_KEY=$KEY" "AXLOG_URL=$PROXY" -- --spool "$D/spool404" < <(events 3 send.notfound)
it_is "$SEND_RC" 76 "404 (a wrong URL): exit 76"
it_is "$(spool_check "$D/spool404")" "1 3 ok" "404 (a wrong URL): the events kept in the spool"

# A spool that others may write: refused before anything is read or sent.
mkdir -m 0777 "$D/spool-open"
chmod 0777 "$D/spool-open"
run_send "AXLOG_KEY=$KEY" -- --spool "$D/spool-open" < <(events 2 send.openspool)
it_is "$SEND_RC" 77 "a spool directory others may write: exit 77"
it_like "$SEND_ERR" 'refused as a spool' "a spool directory others may write: says why" || it_diag "$SEND_ERR"
it_is "$(count "event_type = 'send.openspool'")" 0 "a spool directory others may write: nothing sent"

# ---------------------------------------------------------------------------
# Batches: gzip, the count limit, the byte limit
# ---------------------------------------------------------------------------

events 2500 send.big 1000 >"$D/big.ndjson"
proxy_reset
run_send "AXLOG_KEY=$KEY" "AXLOG_URL=$PROXY" -- --batch 1000 "$D/big.ndjson"
it_is "$SEND_RC" 0 "2500 events of 1 KiB (2.5 MiB): exit 0"
it_is "$(proxy_log 'all(r["encoding"] == "gzip" and r["length"] < r["decoded"] for r in L)')" True \
    "2500 events of 1 KiB: every request gzipped, and smaller for it"
it_is "$(proxy_log 'all(r["decoded"] <= 900 * 1024 and r["events"] <= 1000 for r in L)')" True \
    "2500 events of 1 KiB: every body under 900 KiB and 1000 events"
it_is "$(proxy_log 'sum(r["events"] for r in L) == 2500 and len(L) >= 3')" True \
    "2500 events of 1 KiB: all sent, in 3 requests or more"
it_is "$(proxy_log 'all(r["ctype"] == "application/x-ndjson" and r["expect"] == "" for r in L)')" True \
    "requests are application/x-ndjson without Expect: 100-continue"
it_is "$(count "event_type = 'send.big'")" 2500 "2500 events of 1 KiB: 2500 rows"

events 250 send.batch >"$D/batch.ndjson"
proxy_reset
run_send "AXLOG_KEY=$KEY" "AXLOG_URL=$PROXY" -- --batch 100 --no-gzip "$D/batch.ndjson"
it_is "$SEND_RC" 0 "--batch 100 --no-gzip, 250 events: exit 0"
it_is "$(proxy_log '" ".join("%d%s" % (r["events"], r["encoding"] or "-") for r in L)')" \
    "100- 100- 50-" "--batch 100 --no-gzip: 100, 100 and 50 events, uncompressed"
it_is "$(count "event_type = 'send.batch'")" 250 "--batch 100: 250 rows"

# ---------------------------------------------------------------------------
# The key never on a command line
# ---------------------------------------------------------------------------

# cmdline_scan PID: "KEY_SEEN RUNNING": how many processes have the key
# in their command line, and whether PID is axlog-send, running.
cmdline_scan() {
	SCAN_KEY=$KEY "$IT_PYTHON" -c '
import glob, os, sys
key, pid, seen = os.environ["SCAN_KEY"].encode(), sys.argv[1], 0
for f in glob.glob("/proc/[0-9]*/cmdline"):
    try:
        seen += key in open(f, "rb").read()
    except OSError:
        pass
try:
    running = open("/proc/%s/cmdline" % pid, "rb").read().split(b"\0")[0].endswith(b"axlog-send")
except OSError:
    running = False
print(seen, int(running))' "$1"
}
for how in AXLOG_KEY --key-file; do
	if [ "$how" = AXLOG_KEY ]; then
		send_bg --key-env "$D/key" -- < <(sleep 1; events 1 send.ps)
	else
		send_bg -- --key-file "$D/key" < <(sleep 1; events 1 send.ps)
	fi
	sleep 0.5
	SCAN=$(cmdline_scan "$BG_PID")
	send_wait
	it_is "$SCAN $SEND_RC" "0 1 0" \
	    "key from $how: the key in no /proc/*/cmdline while it runs; exit 0"
done
it_is "$(count "event_type = 'send.ps'")" 2 "the slow-stdin runs stored their events"

# ---------------------------------------------------------------------------
# 75: the database stopped; --spool; started again: exactly once
# ---------------------------------------------------------------------------

it_pg_stop || it_bail "PostgreSQL did not stop"
SPOOL=$D/spool
run_send "AXLOG_KEY=$KEY" -- --max-time 2 --spool "$SPOOL" < <(events 4 send.outage)
it_is "$SEND_RC" 75 "database down, --max-time 2: exit 75"
[ "$SEND_MS" -ge 900 ] && [ "$SEND_MS" -lt 6000 ]
it_ok $? "database down, --max-time 2: retried after Retry-After: 1, then gave up ($SEND_MS ms)"
it_like "$SEND_ERR" "^axlog-send: stdin:1-4: 4 events not sent: HTTP 503 unavailable: .*gave up after .* kept in $SPOOL/axlog-send-[0-9-]+\.ndjson\$" \
    "database down: one line for the batch, naming the spool file" || it_diag "$SEND_ERR"
it_is "$(spool_check "$SPOOL")" "1 4 ok" "the spool: 1 file, 4 events with ids and created_at"

run_send "AXLOG_KEY=$KEY" -- --max-time 1 --spool "$SPOOL" --lines --event-type send.outage \
    < <(printf 'plain %s\n' 1 2 3)
it_is "$SEND_RC" 75 "database still down, 3 more with --lines: exit 75"
it_is "$(spool_check "$SPOOL")" "2 7 ok" "the spool: 2 files, 7 events"

run_send "AXLOG_KEY=$KEY" -- --max-time 1 < <(events 2 send.nospool)
it_is "$SEND_RC" 75 "database down, no --spool: exit 75"
it_like "$SEND_ERR" 'NOT kept \(no --spool\)' "database down, no --spool: says the events are not kept"

PORT_CLOSED=$(it_free_port)
run_send "AXLOG_KEY=$KEY" "AXLOG_URL=http://127.0.0.1:$PORT_CLOSED/ingest" -- --max-time 1 < <(events 1 send.refused)
it_is "$SEND_RC" 75 "connection refused: exit 75"

# SIGTERM while waiting to retry: what was read is kept, exit 75.
SPOOL2=$D/spool2
events 5 send.intr >"$D/intr.ndjson"
send_bg "AXLOG_KEY=$KEY" -- --max-time 30 --spool "$SPOOL2" "$D/intr.ndjson"
sleep 1
kill -TERM "$BG_PID"
T0=$(date +%s%3N)
send_wait
T1=$(date +%s%3N)
it_lt "$((T1 - T0))" 2000 "SIGTERM while retrying: axlog-send ends at once"
it_is "$SEND_RC" 75 "SIGTERM while retrying: exit 75"
it_is "$(spool_check "$SPOOL2")" "1 5 ok" "SIGTERM while retrying: the 5 events kept"

it_pg_start || it_bail "PostgreSQL did not start again"
# --lines now: the spool's events are sent as they were kept, not as text.
run_send "AXLOG_KEY=$KEY" -- --spool "$SPOOL" --lines --event-type send.back </dev/null
it_is "$SEND_RC" 0 "database back, the spool resent: exit 0"
it_is "$(spool_check "$SPOOL")" "0 0 ok" "database back: the spool is empty"
it_is "$(count "event_type = 'send.outage'")" 7 "database back: the 7 events stored"
it_is "$(it_psql axlog -c "SELECT count(DISTINCT id) FROM axlog.logs WHERE event_type = 'send.outage'")" 7 \
    "database back: 7 distinct ids"
it_is "$(it_psql axlog -c "SELECT string_agg(message, ',' ORDER BY message) FROM axlog.logs WHERE event_type = 'send.outage' AND message LIKE 'plain%'")" \
    "plain 1,plain 2,plain 3" "database back: the --lines events kept their text"
run_send "AXLOG_KEY=$KEY" -- --spool "$SPOOL" < <(events 1 send.after)
it_is "$SEND_RC" 0 "a rerun with an empty spool: exit 0"
it_is "$(count "event_type = 'send.outage'")" 7 "a rerun with an empty spool: still 7, nothing doubled"
run_send "AXLOG_KEY=$KEY" -- --spool "$SPOOL2" </dev/null
it_is "$(count "event_type = 'send.intr'") $(spool_check "$SPOOL2")" "5 0 0 ok" \
    "the events kept at SIGTERM: stored once, spool emptied"

it_logs_clean
it_ok $? "no sanitizer report from axlog-send or the programs"
