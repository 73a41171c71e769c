#!/bin/bash
# POST /ingest through nginx (and lighttpd for a few requests): every status
# of the README's table reached by a real request, with its JSON error code
# and the headers that go with it; a refused request stores nothing; a
# 1000-event batch of random fields reads back field by field; NDJSON and
# gzip bodies; idempotent resends; the database stopped and started again,
# then frozen and thawed, without restarting the programs.  TAP on stdout.

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

it_init
it_require nginx lighttpd
it_plan 271

for p in "$IT_HEALTH" "$IT_INGEST" "$IT_STATS" "$IT_AXLOGCTL"; do
	[ -x "$p" ] || it_bail "$p is not built (run make first)"
done

it_pg_start || it_bail "PostgreSQL did not start"
it_setup_db || it_bail "database setup failed"
it_spawn_all || it_bail "the programs did not start"
it_nginx_start || it_bail "nginx did not start"
it_lighttpd_start || it_bail "lighttpd did not start"

it_ctl app add other --kind heavy --description "integration tests, second app" \
    >>"$IT_TMP/logs/setup-db.log" 2>&1 || it_bail "axlogctl app add other failed"
OTHER_KEY=$(it_ctl key create --app other --scope ingest 2>>"$IT_TMP/logs/setup-db.log") ||
	it_bail "axlogctl key create --app other failed"

NG=$IT_NGINX_URL
LT=$IT_LIGHTTPD_URL
PIDS_BEFORE="$IT_PID_ingest $IT_PID_stats $IT_PID_health"
B=$IT_TMP/bodies
mkdir -p "$B"

BEARER=(-H "Authorization: Bearer $IT_INGEST_KEY")
APIKEY=(-H "X-API-Key: $IT_INGEST_KEY")
JSON=(-H 'Content-Type: application/json')
NDJSON=(-H 'Content-Type: application/x-ndjson')
GZIP=(-H 'Content-Encoding: gzip')

# ---------------------------------------------------------------------------
# Local helpers
# ---------------------------------------------------------------------------

# The row count of axlog.logs, in COUNT_NOW.  Asked of one psql kept
# running (a coprocess: a few ms a count instead of a new connection each
# time), or of a fresh psql when that one is closed or fails.
psql_open() {
	coproc PSQL { exec "$IT_PGBIN/psql" -X -q -A -t -h 127.0.0.1 \
	    -p "$IT_PG_PORT" -U postgres -d axlog 2>&1; }
}
psql_close() {
	local pid=${PSQL_PID:-}
	[ -n "$pid" ] || return 0
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}
count_now() {
	COUNT_NOW=
	if [ -n "${PSQL_PID:-}" ] &&
	    printf 'SELECT count(*) FROM axlog.logs;\n' >&"${PSQL[1]}" 2>/dev/null; then
		read -r -t 10 COUNT_NOW <&"${PSQL[0]}"
	fi
	if ! [[ $COUNT_NOW =~ ^[0-9]+$ ]]; then
		psql_close
		COUNT_NOW=$(it_psql axlog -c 'SELECT count(*) FROM axlog.logs')
	fi
}

# post URL FILE [CURL-ARGS...]: POST the bytes of FILE.
post() {
	local url=$1 file=$2
	shift 2
	it_http POST "$url" --data-binary "@$file" "$@"
}

# gz IN OUT: gzip with python (no dependency on the gzip program).
gz() {
	"$IT_PYTHON" -c 'import gzip, sys
sys.stdout.buffer.write(gzip.compress(open(sys.argv[1], "rb").read()))' "$1" >"$2"
}

new_uuid() {
	cat /proc/sys/kernel/random/uuid
}


# COUNT is the row count after the last checked request.
COUNT=0

# summary KEY...: "TYPE KEY=VALUE ..." of the last answer, in one python
# run: TYPE is the Content-Type without parameters; then the values of the
# JSON object's keys: strings raw, others as JSON, an absent key as null,
# and for "message" only whether it is a non-empty string (yes/no).
summary() {
	"$IT_PYTHON" -c '
import json, sys
ctype = "(no-type)"
for line in open(sys.argv[2], encoding="latin-1").read().splitlines():
    if line.startswith("HTTP/"):
        ctype = "(no-type)"
    elif line.lower().startswith("content-type:"):
        ctype = line.split(":", 1)[1].split(";")[0].strip()
try:
    v = json.loads(sys.argv[1])
except ValueError:
    print(ctype, "(not JSON)")
    sys.exit()
if not isinstance(v, dict):
    print(ctype, "(not an object)")
    sys.exit()
out = [ctype]
for k in sys.argv[3:]:
    x = v.get(k)
    if k == "message":
        x = "yes" if isinstance(x, str) and x else "no"
    out.append("%s=%s" % (k, x if isinstance(x, str) else json.dumps(x)))
print(" ".join(out))
' "$IT_HTTP_BODY" "$IT_TMP/http.headers" "$@"
}

# stored NAME ACCEPTED DUPLICATES DELTA: the last answer is 200
# application/json {"accepted": ACCEPTED, "duplicates": DUPLICATES} and the
# table grew by exactly DELTA rows (3 tests).
stored() {
	local name=$1 acc=$2 dup=$3 delta=$4 now
	it_is "$IT_HTTP_CODE" 200 "$name: status 200" || it_diag "$IT_HTTP_BODY"
	it_is "$(summary accepted duplicates)" \
	    "application/json accepted=$acc duplicates=$dup" \
	    "$name: application/json {\"accepted\": $acc, \"duplicates\": $dup}" ||
		it_diag "$IT_HTTP_BODY"
	count_now
	now=$COUNT_NOW
	it_is "$((now - COUNT))" "$delta" "$name: the table grew by exactly $delta"
	COUNT=$now
}

# refused NAME STATUS ERROR: the last answer is STATUS with the JSON error
# code ERROR and a message, and the table holds what it held (3 tests).
refused() {
	local name=$1 status=$2 code=$3 now
	it_is "$IT_HTTP_CODE" "$status" "$name: status $status" ||
		it_diag "$IT_HTTP_BODY"
	it_is "$(summary error message)" "application/json error=$code message=yes" \
	    "$name: application/json error \"$code\" with a message" ||
		it_diag "$IT_HTTP_BODY"
	count_now
	now=$COUNT_NOW
	it_is "$now" "$COUNT" "$name: nothing stored (still $COUNT rows)"
	COUNT=$now
}

# has_detail INDEX FIELD PROBLEM: the last answer's details hold exactly
# {"index": INDEX, "field": FIELD, "problem": PROBLEM}.
has_detail() {
	"$IT_PYTHON" -c '
import json, sys
try:
    d = json.loads(sys.argv[1]).get("details")
except (ValueError, AttributeError):
    sys.exit(1)
want = {"index": int(sys.argv[2]), "field": sys.argv[3], "problem": sys.argv[4]}
sys.exit(0 if isinstance(d, list) and want in d else 1)
' "$IT_HTTP_BODY" "$@"
}

detail_test() {
	local name=$1 idx=$2 field=$3 problem=$4
	has_detail "$idx" "$field" "$problem"
	it_ok $? "$name: details hold {index $idx, field $field, problem $problem}" ||
		it_diag "$IT_HTTP_BODY"
}

www_auth_test() {
	it_is "$(it_http_header WWW-Authenticate)" 'Bearer realm="axlog"' \
	    "$1: WWW-Authenticate: Bearer realm=\"axlog\""
}

# fcgi_post [NAME=VALUE...] < BODY: one request straight to the ingest
# program's FastCGI socket with cgi-fcgi (the web server out of the way),
# or, without cgi-fcgi, to the program run as a CGI.  Sets IT_HTTP_CODE,
# IT_HTTP_BODY and $IT_TMP/http.headers, as it_http does.
if command -v cgi-fcgi >/dev/null 2>&1; then
	DIRECT="FastCGI socket (cgi-fcgi)"
else
	DIRECT="program as CGI"
fi
fcgi_post() {
	local -a env=(PATH="$PATH" REQUEST_METHOD=POST REQUEST_URI=/ingest
	    SCRIPT_NAME=/ingest SERVER_PROTOCOL=HTTP/1.1 "$@")
	if command -v cgi-fcgi >/dev/null 2>&1; then
		env -i "${env[@]}" timeout 10 cgi-fcgi -bind \
		    -connect "$IT_RUN/ingest.sock" >"$IT_TMP/fcgi.out" 2>"$IT_TMP/fcgi.err"
	else
		env -i "${env[@]}" AXLOG_DATABASE_URL="$IT_INGEST_URL" \
		    timeout 10 "$IT_INGEST" >"$IT_TMP/fcgi.out" 2>"$IT_TMP/fcgi.err"
	fi
	"$IT_PYTHON" -c '
import sys
data = open(sys.argv[1], "rb").read()
head, sep, body = data.partition(b"\r\n\r\n")
open(sys.argv[2], "wb").write(head + b"\r\n")
open(sys.argv[3], "wb").write(body)
code = "000"
for line in head.split(b"\r\n"):
    if line.lower().startswith(b"status:"):
        code = line.split()[1].decode()
print(code)
' "$IT_TMP/fcgi.out" "$IT_TMP/http.headers" "$IT_TMP/http.body" >"$IT_TMP/fcgi.code"
	IT_HTTP_CODE=$(cat "$IT_TMP/fcgi.code")
	IT_HTTP_BODY=$(cat "$IT_TMP/http.body")
}

psql_open
count_now
COUNT=$COUNT_NOW

# ---------------------------------------------------------------------------
# 200: stored (3 tests per request)
# ---------------------------------------------------------------------------

printf '%s' '{"event_type":"user.login","user_id":"6b1f0e4c-1d2a-4d8e-9a53-2f1c7e9b0a11","duration_ms":12.5}' >"$B/one.json"
post "$NG/ingest" "$B/one.json" "${BEARER[@]}" "${JSON[@]}"
stored "nginx: one event, Authorization: Bearer" 1 0 1

printf '%s' '[{"event_type":"page.view","message":"/"},{"event_type":"page.view","message":"/about"},{"event_type":"page.view","app_id":"demo"}]' >"$B/three.json"
post "$NG/ingest" "$B/three.json" "${APIKEY[@]}" "${JSON[@]}"
stored "nginx: a 3-event array, X-API-Key, one naming its own app" 3 0 3

# Basic with the key as the password, as log shippers send it.
post "$NG/ingest" "$B/one.json" -u "shipper:$IT_INGEST_KEY" "${JSON[@]}"
stored "nginx: one event, Authorization: Basic with the key as password" 1 0 1

post "$LT/ingest" "$B/one.json" "${BEARER[@]}" "${JSON[@]}"
stored "lighttpd: one event" 1 0 1

post "$NG/ingest" "$B/one.json" "${BEARER[@]}" -H 'Content-Type: application/json; charset=utf-8'
stored "nginx: Content-Type application/json; charset=utf-8" 1 0 1

printf '{"event_type":"nd.a","message":"one"}\n\n{"event_type":"nd.b","success":false}\r\n   \n{"event_type":"nd.c","metadata":{"k":[1,2]}}\n{"event_type":"nd.d"}' >"$B/four.ndjson"
post "$NG/ingest" "$B/four.ndjson" "${APIKEY[@]}" "${NDJSON[@]}"
stored "nginx: NDJSON of 4 events (blank lines, CRLF, no final newline)" 4 0 4

printf '%s' '[{"event_type":"gz.a"},{"event_type":"gz.b","message":"h\u00e9"},{"event_type":"gz.c"},{"event_type":"gz.d"},{"event_type":"gz.e","success":false}]' >"$B/five.json"
gz "$B/five.json" "$B/five.json.gz"
post "$NG/ingest" "$B/five.json.gz" "${BEARER[@]}" "${JSON[@]}" "${GZIP[@]}"
stored "nginx: a gzip body of 5 events" 5 0 5

printf '{"event_type":"gz.nd"}\n{"event_type":"gz.nd"}\n' >"$B/two.ndjson"
gz "$B/two.ndjson" "$B/two.ndjson.gz"
post "$NG/ingest" "$B/two.ndjson.gz" "${BEARER[@]}" "${NDJSON[@]}" "${GZIP[@]}"
stored "nginx: a gzip NDJSON body of 2 events" 2 0 2

# nginx reads a chunked body whole (fastcgi_request_buffering on) and hands
# it to the program with a CONTENT_LENGTH: the program sees no chunking.
post "$NG/ingest" "$B/one.json" "${BEARER[@]}" "${JSON[@]}" -H 'Transfer-Encoding: chunked'
stored "nginx: a chunked body arrives with a length" 1 0 1

printf '[]' >"$B/empty.json"
post "$NG/ingest" "$B/empty.json" "${BEARER[@]}" "${JSON[@]}"
stored "nginx: an empty array" 0 0 0

# ---------------------------------------------------------------------------
# Idempotency: the same ids twice, then under another app (13 tests)
# ---------------------------------------------------------------------------

ID1=$(new_uuid) ID2=$(new_uuid) ID3=$(new_uuid) ID4=$(new_uuid)
T0=$(date -u -d '1 hour ago' +%FT%T.123456Z)
printf '[{"event_type":"idem","id":"%s","created_at":"%s"},{"event_type":"idem","id":"%s","created_at":"%s"},{"event_type":"idem","id":"%s","created_at":"%s"}]' \
    "$ID1" "$T0" "$ID2" "$T0" "$ID3" "$T0" >"$B/idem.json"
post "$NG/ingest" "$B/idem.json" "${BEARER[@]}" "${JSON[@]}"
stored "idempotency: 3 events with ids, first send" 3 0 3
post "$NG/ingest" "$B/idem.json" "${BEARER[@]}" "${JSON[@]}"
stored "idempotency: the same 3 events resent" 0 3 0
post "$NG/ingest" "$B/idem.json" -H "X-API-Key: $OTHER_KEY" "${JSON[@]}"
stored "idempotency: the same ids under app other are new events" 3 0 3
printf '[{"event_type":"idem","id":"%s","created_at":"%s"},{"event_type":"idem","id":"%s","created_at":"%s"}]' \
    "$ID1" "$T0" "$ID4" "$T0" >"$B/idem2.json"
post "$NG/ingest" "$B/idem2.json" "${BEARER[@]}" "${JSON[@]}"
stored "idempotency: one old id and one new" 1 1 1

got=$(it_psql axlog -c "SELECT app_id || ':' || count(*) FROM axlog.logs
    WHERE id IN ('$ID1', '$ID2', '$ID3', '$ID4') GROUP BY app_id ORDER BY app_id" | tr '\n' ' ')
it_is "$got" "demo:4 other:3 " "idempotency: each id once per app (demo 4, other 3)"

# ---------------------------------------------------------------------------
# A 1000-event batch of random fields reads back field by field (4 tests)
# ---------------------------------------------------------------------------

cat >"$IT_TMP/gen.py" <<'EOF'
# Writes a JSON array of N random events (argv[2]) to argv[1].
import json, random, sys, uuid, ipaddress
from datetime import datetime, timedelta, timezone

rnd = random.Random()
now = datetime.now(timezone.utc)
types = ["rt.login", "rt.logout", "rt.page:view", "rt.job/run", "rt.api-call", "rt.Err_X"]
subtypes = ["web", "mobile", "café", "ñandú", "日本", "a\"b", "x\\y", ""]
offsets = [None, 0, 330, -480, 840, -210, 585, -720, 60]
bits = ["héllo", "日本語", "🎉", "\"quoted\"", "back\\slash", "\n", "\t", "ü",
        "ñ", "€", "'", "/", "<b>", " ", "ok", "x" * 17, "\u00a0", "\u2028"]

def stamp():
    t = now - timedelta(seconds=rnd.uniform(60, 3 * 86400 - 600))
    t = t.replace(microsecond=rnd.randrange(1000000))
    digits = rnd.choice([0, 1, 2, 3, 6, 6])
    us = t.microsecond - t.microsecond % (10 ** (6 - digits))
    t = t.replace(microsecond=us)
    off = rnd.choice(offsets)
    tz = timezone(timedelta(minutes=off or 0))
    local = t.astimezone(tz)
    s = local.strftime("%Y-%m-%dT%H:%M:%S")
    if digits:
        s += "." + ("%06d" % us)[:digits]
    if off is None:
        s += "Z"
    else:
        sign = "+" if off >= 0 else "-"
        s += "%s%02d:%02d" % (sign, abs(off) // 60, abs(off) % 60)
    return s

def ip():
    k = rnd.randrange(4)
    if k == 0:
        return str(ipaddress.IPv4Address(rnd.getrandbits(32)))
    a = ipaddress.IPv6Address(rnd.getrandbits(128))
    if k == 1:
        return str(a)
    if k == 2:
        return a.exploded.upper()
    return "::ffff:" + str(ipaddress.IPv4Address(rnd.getrandbits(32)))

def leaf():
    return rnd.choice([rnd.randint(-10**6, 10**6), rnd.uniform(-1e6, 1e6),
                       True, False, None, "".join(rnd.choice(bits) for _ in range(3))])

def tree(depth):
    if depth <= 1 or rnd.random() < 0.3:
        return leaf()
    if rnd.random() < 0.5:
        return [tree(depth - 1) for _ in range(rnd.randrange(4))]
    return {rnd.choice(["k", "ключ", "clé", "a\"b", "x\\y", "n"]) + str(i): tree(depth - 1)
            for i in range(rnd.randrange(1, 4))}

def metadata():
    return {"req": {"path": "/x/" + rnd.choice(bits), "n": rnd.randrange(100)},
            "tags": [rnd.choice(bits) for _ in range(rnd.randrange(3))],
            "deep": tree(6), "f": rnd.uniform(0, 1)}

events = []
for i in range(int(sys.argv[2])):
    e = {"event_type": rnd.choice(types), "id": str(uuid.uuid4()), "created_at": stamp()}
    if rnd.random() < 0.2:
        e["id"] = e["id"].upper()
    if rnd.random() < 0.8:
        e["event_subtype"] = rnd.choice(subtypes)
    elif rnd.random() < 0.5:
        e["event_subtype"] = None
    if rnd.random() < 0.8:
        e["user_id"] = str(uuid.uuid4())
    if rnd.random() < 0.7:
        e["fingerprint"] = "%x" % rnd.getrandbits(rnd.choice([64, 128, 256]))
    if rnd.random() < 0.8:
        e["ip_address"] = ip()
    if rnd.random() < 0.8:
        e["success"] = rnd.random() < 0.7
    if rnd.random() < 0.85:
        e["duration_ms"] = rnd.choice([rnd.uniform(0, 5000), rnd.randrange(10000), 0,
                                       rnd.expovariate(0.01)])
    if rnd.random() < 0.8:
        e["message"] = "".join(rnd.choice(bits) for _ in range(rnd.randrange(1, 12)))
    if rnd.random() < 0.7:
        e["metadata"] = metadata()
    events.append(e)
# Some events with \u escapes (surrogate pairs for the emoji), most raw UTF-8.
body = ("[" + ",".join(json.dumps(e, ensure_ascii=rnd.random() < 0.3)
                       for e in events) + "]").encode()
open(sys.argv[1], "wb").write(body)
print(len(body))
EOF

cat >"$IT_TMP/compare.py" <<'EOF'
# Compares the events sent (argv[1]) with the rows read back (argv[2]).
import json, sys, uuid, ipaddress
from datetime import datetime, timezone

sent = json.load(open(sys.argv[1], encoding="utf-8"))
rows = json.load(open(sys.argv[2], encoding="utf-8"))
problems = []

def instant_us(s):
    d = datetime.fromisoformat(s.replace("Z", "+00:00"))
    delta = d - datetime(1970, 1, 1, tzinfo=timezone.utc)
    return (delta.days * 86400 + delta.seconds) * 1000000 + delta.microseconds

by_id = {}
for r in rows:
    by_id[str(uuid.UUID(r["id"]))] = r
if len(rows) != len(sent):
    problems.append("%d rows for %d events sent" % (len(rows), len(sent)))
for i, e in enumerate(sent):
    key = str(uuid.UUID(e["id"]))
    r = by_id.get(key)
    if r is None:
        problems.append("event %d (%s): no row" % (i, key))
        continue
    def check(field, want, got):
        if want != got or type(want) is not type(got) and not (
                isinstance(want, (int, float)) and isinstance(got, (int, float))):
            problems.append("event %d %s: sent %r, stored %r" % (i, field, want, got))
    check("app_id", "demo", r["app_id"])
    check("created_at", instant_us(e["created_at"]), int(r["created_us"]))
    check("event_type", e["event_type"], r["event_type"])
    check("event_subtype", e.get("event_subtype"), r["event_subtype"])
    check("user_id", str(uuid.UUID(e["user_id"])) if e.get("user_id") else None,
          str(uuid.UUID(r["user_id"])) if r["user_id"] else None)
    check("fingerprint", e.get("fingerprint"), r["fingerprint"])
    check("ip_address", ipaddress.ip_address(e["ip_address"]) if e.get("ip_address") else None,
          ipaddress.ip_address(r["ip"]) if r["ip"] else None)
    check("success", e.get("success", True), r["success"])
    check("duration_ms", float(e["duration_ms"]) if "duration_ms" in e else None,
          float(r["duration_ms"]) if r["duration_ms"] is not None else None)
    check("message", e.get("message"), r["message"])
    check("metadata", e.get("metadata"), r["metadata"])
for p in problems[:20]:
    print(p)
if len(problems) > 20:
    print("... %d problems in all" % len(problems))
sys.exit(1 if problems else 0)
EOF

size=$("$IT_PYTHON" "$IT_TMP/gen.py" "$B/random.json" 1000) || it_bail "could not generate the random batch"
it_diag "random batch: 1000 events, $size bytes"
post "$NG/ingest" "$B/random.json" "${BEARER[@]}" "${JSON[@]}"
stored "nginx: 1000 events of random fields" 1000 0 1000

it_psql axlog -c "SELECT coalesce(json_agg(json_build_object(
	'id', id, 'app_id', app_id,
	'created_us', (extract(epoch FROM created_at) * 1000000)::bigint,
	'event_type', event_type, 'event_subtype', event_subtype,
	'user_id', user_id, 'fingerprint', fingerprint, 'ip', host(ip_address),
	'success', success, 'duration_ms', duration_ms, 'message', message,
	'metadata', metadata) ORDER BY id), '[]')
    FROM axlog.logs WHERE app_id = 'demo' AND event_type LIKE 'rt.%'" \
    >"$B/random.rows.json" 2>"$IT_TMP/psql.err"
"$IT_PYTHON" "$IT_TMP/compare.py" "$B/random.json" "$B/random.rows.json" >"$IT_TMP/compare.out" 2>&1
it_ok $? "the 1000 random events read back, field by field (1000 rows; created_at as instants, ip normalised, metadata as JSON)" ||
	it_diag "$(cat "$IT_TMP/compare.out" "$IT_TMP/psql.err")"

# ---------------------------------------------------------------------------
# 400 invalid_json (3 tests per request, +1)
# ---------------------------------------------------------------------------

printf '%s' '{"event_type":"a",' >"$B/broken.json"
post "$NG/ingest" "$B/broken.json" "${BEARER[@]}" "${JSON[@]}"
refused "nginx: broken JSON" 400 invalid_json

printf '{"event_type":"nd.ok"}\n{"event_type": nope}\n{"event_type":"nd.ok"}\n' >"$B/broken.ndjson"
post "$NG/ingest" "$B/broken.ndjson" "${BEARER[@]}" "${NDJSON[@]}"
refused "nginx: NDJSON with a broken line 2" 400 invalid_json
it_like "$(it_json message)" 'line 2([^0-9]|$)' "nginx: NDJSON with a broken line 2: the message names line 2"

# ---------------------------------------------------------------------------
# 400 invalid_encoding (3 tests per request)
# ---------------------------------------------------------------------------

printf '{"event_type":"enc","message":"bad \xff\xfe bytes"}' >"$B/bad-utf8.json"
post "$NG/ingest" "$B/bad-utf8.json" "${BEARER[@]}" "${JSON[@]}"
refused "nginx: invalid UTF-8 bytes (FF FE) in a message" 400 invalid_encoding

printf '[{"event_type":"enc"},{"event_type":"enc","message":"a\\u0000b"}]' >"$B/nul.json"
post "$NG/ingest" "$B/nul.json" "${BEARER[@]}" "${JSON[@]}"
refused "nginx: \\u0000 in a message" 400 invalid_encoding

printf '{"event_type":"enc","metadata":{"k\\u0000":1}}' >"$B/nul-key.json"
post "$NG/ingest" "$B/nul-key.json" "${BEARER[@]}" "${JSON[@]}"
refused "nginx: \\u0000 in a metadata key" 400 invalid_encoding

# UTF-8 that RFC 3629 forbids, each byte sequence invalid on its own.
printf '{"event_type":"enc","message":"over\xc0\xaflong"}' >"$B/overlong.json"
post "$NG/ingest" "$B/overlong.json" "${BEARER[@]}" "${JSON[@]}"
refused "nginx: overlong UTF-8 (C0 AF) in a message" 400 invalid_encoding

printf '{"event_type":"enc","message":"sur\xed\xa0\x80rogate"}' >"$B/surrogate.json"
post "$NG/ingest" "$B/surrogate.json" "${BEARER[@]}" "${JSON[@]}"
refused "nginx: an encoded UTF-16 surrogate (ED A0 80) in a message" 400 invalid_encoding

printf '{"event_type":"enc","message":"big\xf4\x90\x80\x80code"}' >"$B/beyond.json"
post "$NG/ingest" "$B/beyond.json" "${BEARER[@]}" "${JSON[@]}"
refused "nginx: a code point beyond U+10FFFF (F4 90 80 80) in a message" 400 invalid_encoding

head -c -12 "$B/five.json.gz" >"$B/truncated.json.gz"
post "$NG/ingest" "$B/truncated.json.gz" "${BEARER[@]}" "${JSON[@]}" "${GZIP[@]}"
refused "nginx: a truncated gzip stream" 400 invalid_encoding

printf 'this is not gzip at all' >"$B/notgzip.gz"
post "$NG/ingest" "$B/notgzip.gz" "${BEARER[@]}" "${JSON[@]}" "${GZIP[@]}"
refused "nginx: Content-Encoding gzip over bytes that are not gzip" 400 invalid_encoding

# ---------------------------------------------------------------------------
# 400 invalid_event (3 tests per request, + the details)
# ---------------------------------------------------------------------------

printf '%s' '[{"event_type":"mix.ok"},{"message":"no type"},{"event_type":"mix.ok"}]' >"$B/missing.json"
post "$NG/ingest" "$B/missing.json" "${BEARER[@]}" "${JSON[@]}"
refused "nginx: 3 events, the second without event_type" 400 invalid_event
detail_test "nginx: 3 events, the second without event_type" 1 event_type missing

printf '%s' '[{"event_type":"mix.ok"},{"event_type":"mix.ok","colour":"red"}]' >"$B/unknown.json"
post "$NG/ingest" "$B/unknown.json" "${BEARER[@]}" "${JSON[@]}"
refused "nginx: an unknown field" 400 invalid_event
detail_test "nginx: an unknown field" 1 colour unknown_field

printf '{"event_type":"mix.ok","id":"%s"}' "$(new_uuid)" >"$B/id-only.json"
post "$NG/ingest" "$B/id-only.json" "${BEARER[@]}" "${JSON[@]}"
refused "nginx: an id without created_at" 400 invalid_event
detail_test "nginx: an id without created_at" 0 created_at required_with_id

printf '{"event_type":"mix.ok","created_at":"%s"}' "$(date -u -d '+10 minutes' +%FT%TZ)" >"$B/future.json"
post "$NG/ingest" "$B/future.json" "${BEARER[@]}" "${JSON[@]}"
refused "nginx: created_at 10 minutes in the future" 400 invalid_event
detail_test "nginx: created_at 10 minutes in the future" 0 created_at in_future

printf '[{"event_type":"mix.ok"},{"event_type":"mix.old","created_at":"%s"}]' \
    "$(date -u -d '200 days ago' +%FT%TZ)" >"$B/old.json"
post "$NG/ingest" "$B/old.json" "${BEARER[@]}" "${JSON[@]}"
refused "nginx: created_at 200 days ago (retention 90 days)" 400 invalid_event
detail_test "nginx: created_at 200 days ago (retention 90 days)" 1 created_at older_than_retention

printf '[{"event_type":"mix.ok"},{"event_type":"bad type!"},{"event_type":"mix.ok","user_id":"nope"}]' >"$B/two-bad.json"
post "$NG/ingest" "$B/two-bad.json" "${BEARER[@]}" "${JSON[@]}"
refused "nginx: two bad events among three" 400 invalid_event
listed=$("$IT_PYTHON" -c 'import json, sys
print(" ".join("%s,%s" % (d.get("index"), d.get("field"))
               for d in json.loads(sys.argv[1]).get("details", [])))' "$IT_HTTP_BODY" 2>/dev/null)
it_is "$listed" "1,event_type 2,user_id" "nginx: two bad events among three: both listed, in order"

# ---------------------------------------------------------------------------
# Fidelity: a value is stored as sent, or refused naming the event and the
# value's path (4 tests per refusal; 4 for the batch kept exactly; 2 for
# the random values)
# ---------------------------------------------------------------------------

# fidelity NAME BODY FIELD PROBLEM: BODY, a batch whose event 1 is bad, is
# refused with {"index": 1, "field": FIELD, "problem": PROBLEM}.
fidelity() {
	local name=$1 body=$2 field=$3 problem=$4
	printf '[{"event_type":"fid.ok"},%s]' "$body" >"$B/fidelity.json"
	post "$NG/ingest" "$B/fidelity.json" "${BEARER[@]}" "${JSON[@]}"
	refused "nginx: $name" 400 invalid_event
	detail_test "nginx: $name" 1 "$field" "$problem"
}

fidelity "NaN in metadata" '{"event_type":"fid","metadata":{"n":NaN}}' \
    metadata.n not_a_number
fidelity "-Infinity in a metadata array" \
    '{"event_type":"fid","metadata":{"a":[1,2,-Infinity]}}' \
    'metadata.a[2]' not_a_number
fidelity "a number json-c takes and PostgreSQL refuses (1.)" \
    '{"event_type":"fid","metadata":{"o":{"n":1.}}}' metadata.o.n invalid_number
fidelity "a number beyond numeric (1e131072)" \
    '{"event_type":"fid","metadata":{"n":1e131072}}' metadata.n number_out_of_range
fidelity "a lone surrogate escape in a message" \
    '{"event_type":"fid","message":"a\ud800b"}' message lone_surrogate
fidelity "a lone low surrogate escape in a metadata value" \
    '{"event_type":"fid","metadata":{"k":["x","\udc00"]}}' 'metadata.k[1]' lone_surrogate
fidelity "a metadata key given twice" \
    '{"event_type":"fid","metadata":{"a":1,"a":2}}' metadata duplicate_key
fidelity "created_at in year 0 after its offset" \
    '{"event_type":"fid","created_at":"0001-01-01T00:30:00+01:00"}' created_at invalid_timestamp

# Kept: numbers json-c cannot hold and PostgreSQL's numeric can, doubles as
# written, a pair of surrogate escapes, an escaped backslash before ud800.
cat >"$IT_TMP/exact.py" <<'EOF'
# Writes a batch (argv[1]) of events whose metadata is the given JSON text.
import sys, uuid
texts = [
    '{"n":123456789012345678901234567890}',
    '{"n":-123456789012345678901234567890,"m":18446744073709551616}',
    '{"a":[1,{"b":99999999999999999999999}],"c":-9223372036854775809}',
    '{"n":1e400,"m":-1e400,"s":1.5e-400,"p":0.1,"q":1E+2,"r":-0.0}',
    '{"n":1e300,"m":0.30000000000000004,"z":0}',
    '{"s":"\\ud83d\\ude00","t":"\\\\ud800","u":"\\ufffd"}',
]
events = []
for i, t in enumerate(texts):
    events.append('{"event_type":"fid.exact","id":"%s","created_at":"%s","metadata":%s}'
                  % (uuid.uuid4(), sys.argv[2], t))
open(sys.argv[1], "w").write("[" + ",".join(events) + "]")
open(sys.argv[1] + ".texts", "w").write("\n".join(texts) + "\n")
EOF

# compare_exact SENT ROWS: each sent event's metadata text and the stored
# metadata::text are the same JSON, numbers compared as exact decimals.
cat >"$IT_TMP/compare_exact.py" <<'EOF'
import json, sys
from decimal import Decimal

def exact(s):
    return json.loads(s, parse_float=Decimal, parse_int=Decimal)

sent = json.loads(open(sys.argv[1]).read(), parse_float=Decimal,
                  parse_int=Decimal, object_pairs_hook=dict)
rows = {r["id"]: r["m"] for r in json.load(open(sys.argv[2]))}
bad = 0
for e in sent:
    got = rows.get(e["id"])
    if got is None or exact(got) != e["metadata"]:
        print("event %s: sent %r, stored %r" % (e["id"], e["metadata"], got))
        bad += 1
if len(rows) != len(sent):
    print("%d rows for %d events" % (len(rows), len(sent)))
    bad += 1
sys.exit(1 if bad else 0)
EOF

"$IT_PYTHON" "$IT_TMP/exact.py" "$B/exact.json" "$(date -u +%FT%TZ)" ||
	it_bail "could not write the exact batch"
post "$NG/ingest" "$B/exact.json" "${BEARER[@]}" "${JSON[@]}"
stored "nginx: 6 events whose metadata json-c alone would change" 6 0 6
# metadata_rows TYPE FILE: app demo's events of TYPE as [{id, m}], m the
# stored metadata's text, into FILE (psql's errors in psql.err).
metadata_rows() {
	it_psql axlog -c "SELECT coalesce(json_agg(json_build_object('id', id,
	    'm', metadata::text)), '[]') FROM axlog.logs
	    WHERE app_id = 'demo' AND event_type = '$1'" >"$2" 2>"$IT_TMP/psql.err"
}
metadata_rows fid.exact "$B/exact.rows.json"
"$IT_PYTHON" "$IT_TMP/compare_exact.py" "$B/exact.json" "$B/exact.rows.json" \
    >"$IT_TMP/compare.out" 2>&1
it_ok $? "the 6 events' metadata read back as sent (long integers, 1e400, 0.1, \\ud83d\\ude00, \\\\ud800)" ||
	it_diag "$(cat "$IT_TMP/compare.out" "$IT_TMP/psql.err")"

# Random values, one event a request: each event is either refused with
# exactly the detail its one bad value calls for, or stored exactly.
cat >"$IT_TMP/fuzzvals.py" <<'EOF'
# argv: URL KEY N SEED OUT CREATED_AT. POSTs N events; writes OUT: the stored ones
# ({id, metadata text}) and prints the problems found on the way.
import json, random, sys, urllib.error, urllib.request, uuid

url, key, n, seed, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
rnd = random.Random(seed)
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

def digits(k, lead=True):
    s = "".join(rnd.choice("0123456789") for _ in range(k))
    return (rnd.choice("123456789") + s[1:]) if lead and k > 1 else s

def good_number():
    shape = rnd.randrange(8)
    sign = rnd.choice(["", "-"])
    if shape == 0:
        return sign + rnd.choice(["0", "1", "9", digits(rnd.randint(1, 18))])
    if shape == 1:      # around and beyond 64 bits
        return sign + digits(rnd.randint(19, 45))
    if shape == 2:
        return sign + rnd.choice(["9223372036854775807", "9223372036854775808",
                                  "18446744073709551615", "18446744073709551616"])
    if shape == 3:
        return sign + digits(rnd.randint(1, 6)) + "." + digits(rnd.randint(1, 25), False)
    if shape == 4:
        return (sign + digits(rnd.randint(1, 3)) + rnd.choice(["e", "E"]) +
                rnd.choice(["", "+", "-"]) + str(rnd.randint(0, 400)))
    if shape == 5:
        return sign + "0." + digits(rnd.randint(1, 30), False)
    if shape == 6:
        return sign + digits(1) + "." + digits(rnd.randint(1, 5), False) + "e-" + str(rnd.randint(300, 400))
    return sign + rnd.choice(["0.0", "0e0", "0.000", "1e0", "5E-0"])

def good_string():
    parts = []
    for _ in range(rnd.randrange(6)):
        parts.append(rnd.choice(["a", "é", "\\n", "\\\"", "\\\\", "\\/", "\\u00e9",
                                 "\\ud83d\\ude00", "\\uD83D\\uDE00", "\\\\ud800",
                                 "\\ufffd", "😀", "\\t", "z"]))
    return '"' + "".join(parts) + '"'

BAD = [
    ("NaN", "not_a_number"), ("Infinity", "not_a_number"), ("-Infinity", "not_a_number"),
    ("1.", "invalid_number"), ("-.5", "invalid_number"), ("1.e3", "invalid_number"),
    ("-01", "invalid_number"), ("00", "invalid_number"),
    ("1e200000", "number_out_of_range"), ("1e-20000", "number_out_of_range"),
    ('"a\\ud800"', "lone_surrogate"), ('"\\udfff"', "lone_surrogate"),
    ('"\\udc00\\ud800"', "lone_surrogate"), ('"\\\\\\ud800"', "lone_surrogate"),
    ('"\\ud83d\\u0041"', "lone_surrogate"),
]

def good_value():
    return good_number() if rnd.random() < 0.6 else good_string()

problems, stored = [], []
nbad = ngood = 0
for i in range(n):
    vals = {"v%d" % k: good_value() for k in range(rnd.randint(1, 4))}
    arr = [good_value() for _ in range(rnd.randint(0, 3))]
    path, want = None, None
    if rnd.random() < 0.35:
        bad, want = rnd.choice(BAD)
        where = rnd.randrange(3)
        if where == 0:
            vals["x"] = bad
            path = "metadata.x"
        elif where == 1:
            arr.append(bad)
            path = "metadata.a[%d]" % (len(arr) - 1)
        else:
            vals["o"] = '{"in":%s}' % bad
            path = "metadata.o.in"
    meta = "{" + ",".join('"%s":%s' % kv for kv in vals.items()) + \
        ',"a":[' + ",".join(arr) + "]}"
    eid = str(uuid.uuid4())
    body = '{"event_type":"fid.rand","id":"%s","created_at":"%s","metadata":%s}' % (
        eid, sys.argv[6], meta)
    req = urllib.request.Request(url, data=body.encode(), method="POST", headers={
        "Authorization": "Bearer " + key, "Content-Type": "application/json"})
    try:
        with opener.open(req, timeout=10) as r:
            code, answer = r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        code, answer = e.code, e.read().decode()
    if path is None:
        ngood += 1
        if code != 200:
            problems.append("event %d %s: %d %s" % (i, meta, code, answer))
        else:
            stored.append({"id": eid, "metadata": meta})
        continue
    nbad += 1
    try:
        a = json.loads(answer)
    except ValueError:
        a = {}
    d = a.get("details")
    if code != 400 or a.get("error") != "invalid_event" or \
            d != [{"index": 0, "field": path, "problem": want}]:
        problems.append("event %d %s: want %s %s, got %d %s" % (i, meta, path, want, code, answer))
json.dump(stored, open(out, "w"))
for p in problems[:20]:
    print(p)
print("%d stored, %d refused, %d problems" % (ngood, nbad, len(problems)))
sys.exit(1 if problems or not ngood or not nbad else 0)
EOF

cat >"$IT_TMP/compare_rand.py" <<'EOF'
import json, sys
from decimal import Decimal

def exact(s):
    return json.loads(s, parse_float=Decimal, parse_int=Decimal)

sent = json.load(open(sys.argv[1]))
rows = {r["id"]: r["m"] for r in json.load(open(sys.argv[2]))}
bad = [e for e in sent if e["id"] not in rows or exact(rows[e["id"]]) != exact(e["metadata"])]
for e in bad[:20]:
    print("sent %s, stored %s" % (e["metadata"], rows.get(e["id"])))
print("%d compared, %d differ" % (len(sent), len(bad)))
sys.exit(1 if bad or len(rows) != len(sent) else 0)
EOF

"$IT_PYTHON" "$IT_TMP/fuzzvals.py" "$NG/ingest" "$IT_INGEST_KEY" 300 "${FIDELITY_SEED:-$RANDOM}" \
    "$B/rand.stored.json" "$(date -u +%FT%TZ)" >"$IT_TMP/fuzzvals.out" 2>&1
it_ok $? "300 events of random values, one a request: each refused with its one detail or stored ($(tail -n 1 "$IT_TMP/fuzzvals.out"))" ||
	it_diag "$(cat "$IT_TMP/fuzzvals.out")"
metadata_rows fid.rand "$B/rand.rows.json"
"$IT_PYTHON" "$IT_TMP/compare_rand.py" "$B/rand.stored.json" "$B/rand.rows.json" \
    >"$IT_TMP/compare.out" 2>&1
it_ok $? "the random events stored read back exactly ($(tail -n 1 "$IT_TMP/compare.out"))" ||
	it_diag "$(cat "$IT_TMP/compare.out" "$IT_TMP/psql.err")"
count_now
COUNT=$COUNT_NOW

# ---------------------------------------------------------------------------
# 401 (4 tests per request; 4 more for the key revoked on the way)
# ---------------------------------------------------------------------------

UNKNOWN_KEY=axk_$("$IT_PYTHON" -c 'import secrets; print(secrets.token_urlsafe(32))')

post "$NG/ingest" "$B/one.json" "${JSON[@]}"
refused "nginx: no key" 401 unauthorized
www_auth_test "nginx: no key"

post "$NG/ingest" "$B/one.json" "${JSON[@]}" -H 'Authorization: Bearer axk_tooshort'
refused "nginx: a malformed Bearer key" 401 unauthorized
www_auth_test "nginx: a malformed Bearer key"

post "$NG/ingest" "$B/one.json" "${JSON[@]}" -H "X-API-Key: ${IT_INGEST_KEY}x"
refused "nginx: a malformed X-API-Key (one character too many)" 401 unauthorized
www_auth_test "nginx: a malformed X-API-Key (one character too many)"

post "$NG/ingest" "$B/one.json" "${JSON[@]}" -H "Authorization: Bearer $UNKNOWN_KEY"
refused "nginx: an unknown well-formed key" 401 unauthorized
www_auth_test "nginx: an unknown well-formed key"

post "$NG/ingest" "$B/one.json" "${JSON[@]}" -H "Authorization: Bearer $IT_READ_KEY"
refused "nginx: a read key" 401 unauthorized
www_auth_test "nginx: a read key"

REVOKED_KEY=$(it_ctl key create --app demo --scope ingest 2>>"$IT_TMP/logs/setup-db.log")
post "$NG/ingest" "$B/one.json" "${JSON[@]}" -H "Authorization: Bearer $REVOKED_KEY"
stored "nginx: a second demo key, before its revocation" 1 0 1
revoked_id=$(it_ctl key list 2>/dev/null | awk -v p="${REVOKED_KEY:0:12}" 'index($2, p) == 1 { print $1 }')
it_ctl key revoke "$revoked_id" >>"$IT_TMP/logs/setup-db.log" 2>&1
it_ok $? "axlogctl key revoke $revoked_id"
post "$NG/ingest" "$B/one.json" "${JSON[@]}" -H "Authorization: Bearer $REVOKED_KEY"
refused "nginx: a revoked key" 401 unauthorized
www_auth_test "nginx: a revoked key"

# A wrong key is a 401 whatever the body holds.
post "$NG/ingest" "$B/broken.json" "${JSON[@]}" -H "Authorization: Bearer $UNKNOWN_KEY"
refused "nginx: an unknown key with broken JSON" 401 unauthorized
www_auth_test "nginx: an unknown key with broken JSON"

post "$NG/ingest" "$B/missing.json" "${JSON[@]}" -H "Authorization: Bearer $REVOKED_KEY"
refused "nginx: a revoked key with an invalid event" 401 unauthorized
www_auth_test "nginx: a revoked key with an invalid event"

post "$NG/ingest" "$B/truncated.json.gz" "${JSON[@]}" "${GZIP[@]}" -H "Authorization: Bearer $UNKNOWN_KEY"
refused "nginx: an unknown key with a broken gzip body" 401 unauthorized
www_auth_test "nginx: an unknown key with a broken gzip body"

post "$LT/ingest" "$B/one.json" "${JSON[@]}"
refused "lighttpd: no key" 401 unauthorized
www_auth_test "lighttpd: no key"

# ---------------------------------------------------------------------------
# 403 (3 tests per request)
# ---------------------------------------------------------------------------

printf '%s' '[{"event_type":"app.ok"},{"event_type":"app.x","app_id":"other"}]' >"$B/other-app.json"
post "$NG/ingest" "$B/other-app.json" "${BEARER[@]}" "${JSON[@]}"
refused "nginx: demo's key, an event naming app other" 403 forbidden

printf '%s' '[{"event_type":"app.x","app_id":"demo"},{"event_type":"app.x","app_id":"other"}]' >"$B/two-apps.json"
post "$NG/ingest" "$B/two-apps.json" "${BEARER[@]}" "${JSON[@]}"
refused "nginx: two events naming two apps" 403 forbidden

printf '%s' '{"event_type":"app.x","app_id":"demo"}' >"$B/names-demo.json"
post "$NG/ingest" "$B/names-demo.json" -H "X-API-Key: $OTHER_KEY" "${JSON[@]}"
refused "nginx: other's key, an event naming app demo" 403 forbidden

# ---------------------------------------------------------------------------
# 404 (3 tests per request).  nginx routes only "location = /ingest" to the
# program (any other path is nginx's own static 404), so the paths the
# program must refuse are sent through lighttpd, whose fastcgi.server entry
# "/ingest" is a prefix.
# ---------------------------------------------------------------------------

post "$LT/ingest/foo" "$B/one.json" "${BEARER[@]}" "${JSON[@]}"
refused "lighttpd: POST /ingest/foo" 404 not_found

post "$LT/ingestion" "$B/one.json" "${BEARER[@]}" "${JSON[@]}"
refused "lighttpd: POST /ingestion" 404 not_found

post "$LT/ingest/ingest" "$B/one.json" "${BEARER[@]}" "${JSON[@]}"
refused "lighttpd: POST /ingest/ingest" 404 not_found

# ---------------------------------------------------------------------------
# 405 (4 tests per request)
# ---------------------------------------------------------------------------

it_http GET "$NG/ingest" "${BEARER[@]}"
refused "nginx: GET /ingest" 405 method_not_allowed
it_is "$(it_http_header Allow)" POST "nginx: GET /ingest: Allow: POST"

it_http PUT "$NG/ingest" --data-binary "@$B/one.json" "${BEARER[@]}" "${JSON[@]}"
refused "nginx: PUT /ingest" 405 method_not_allowed
it_is "$(it_http_header Allow)" POST "nginx: PUT /ingest: Allow: POST"

# ---------------------------------------------------------------------------
# 411 (3 tests).  nginx always supplies a length (above: a chunked body
# arrives with one), and so does lighttpd: the request without
# CONTENT_LENGTH goes to the program directly.
# ---------------------------------------------------------------------------

fcgi_post CONTENT_TYPE=application/json HTTP_AUTHORIZATION="Bearer $IT_INGEST_KEY" \
    <"$B/one.json"
refused "$DIRECT: POST /ingest without CONTENT_LENGTH" 411 length_required

# ---------------------------------------------------------------------------
# 413 (3 tests per request)
# ---------------------------------------------------------------------------

# 1.1 MB, over AXLOG_MAX_BODY_BYTES (1M) and nginx's client_max_body_size
# (1m, same value): nginx answers first, with its JSON error page.
"$IT_PYTHON" -c 'import sys
sys.stdout.write("[" + ",".join(["{\"event_type\":\"big\",\"message\":\"" + "x" * 1000 + "\"}"] * 1100) + "]")' >"$B/big.json"
post "$NG/ingest" "$B/big.json" "${BEARER[@]}" "${JSON[@]}"
refused "nginx: a 1.1 MB body" 413 too_large

post "$LT/ingest" "$B/big.json" "${BEARER[@]}" "${JSON[@]}"
refused "lighttpd: a 1.1 MB body" 413 too_large

"$IT_PYTHON" -c 'import gzip, sys
sys.stdout.buffer.write(gzip.compress(b"[" + b" " * (4 << 20) + b"]", 9))' >"$B/bomb.json.gz"
it_diag "gzip bomb: $(stat -c %s "$B/bomb.json.gz") bytes, 4 MiB inflated"
post "$NG/ingest" "$B/bomb.json.gz" "${BEARER[@]}" "${JSON[@]}" "${GZIP[@]}"
refused "nginx: a small gzip body inflating to 4 MiB" 413 too_large

"$IT_PYTHON" -c 'import sys
sys.stdout.write("[" + ",".join(["{\"event_type\":\"many\"}"] * 1001) + "]")' >"$B/1001.json"
post "$NG/ingest" "$B/1001.json" "${BEARER[@]}" "${JSON[@]}"
refused "nginx: a batch of 1001 events" 413 too_large

"$IT_PYTHON" -c 'import sys
sys.stdout.write("{\"event_type\":\"nd\"}\n" * 1001)' >"$B/1001.ndjson"
post "$NG/ingest" "$B/1001.ndjson" "${BEARER[@]}" "${NDJSON[@]}"
refused "nginx: NDJSON of 1001 events" 413 too_large

"$IT_PYTHON" -c 'import sys
sys.stdout.write("{\"event_type\":\"nd\"}\n{\"event_type\":\"nd\",\"metadata\":{\"pad\":\"" + "p" * 70000 + "\"}}\n")' >"$B/longline.ndjson"
post "$NG/ingest" "$B/longline.ndjson" "${BEARER[@]}" "${NDJSON[@]}"
refused "nginx: an NDJSON line over 64 KiB" 413 too_large

fcgi_post CONTENT_TYPE=application/json CONTENT_LENGTH=2000000 \
    HTTP_AUTHORIZATION="Bearer $IT_INGEST_KEY" </dev/null
refused "$DIRECT: CONTENT_LENGTH 2000000, refused before reading" 413 too_large

# ---------------------------------------------------------------------------
# 415 (3 tests per request)
# ---------------------------------------------------------------------------

post "$NG/ingest" "$B/one.json" "${BEARER[@]}" -H 'Content-Type: text/plain'
refused "nginx: Content-Type text/plain" 415 unsupported_media_type

post "$NG/ingest" "$B/one.json" "${BEARER[@]}" -H 'Content-Type: application/json; charset=iso-8859-1'
refused "nginx: Content-Type application/json; charset=iso-8859-1" 415 unsupported_media_type

post "$NG/ingest" "$B/one.json" "${BEARER[@]}" "${JSON[@]}" -H 'Content-Encoding: br'
refused "nginx: Content-Encoding br" 415 unsupported_media_type

# ---------------------------------------------------------------------------
# The database stopped: 503 with Retry-After (5 tests per server), then
# started again: 200 from the same processes (4 tests)
# ---------------------------------------------------------------------------

ID5=$(new_uuid) ID6=$(new_uuid)
T1=$(date -u -d '10 minutes ago' +%FT%TZ)
printf '[{"event_type":"down","id":"%s","created_at":"%s"},{"event_type":"down","id":"%s","created_at":"%s"}]' \
    "$ID5" "$T1" "$ID6" "$T1" >"$B/down.json"
count_now
BEFORE_STOP=$COUNT_NOW
psql_close

it_pg_stop || it_bail "could not stop PostgreSQL"

for s in nginx lighttpd; do
	[ "$s" = nginx ] && u=$NG || u=$LT
	post "$u/ingest" "$B/down.json" "${BEARER[@]}" "${JSON[@]}"
	it_is "$IT_HTTP_CODE" 503 "$s: database stopped: status 503" || it_diag "$IT_HTTP_BODY"
	it_is "$(summary error message)" "application/json error=unavailable message=yes" \
	    "$s: database stopped: application/json error \"unavailable\"" || it_diag "$IT_HTTP_BODY"
	it_like "$(it_http_header Retry-After)" '^[0-9]+$' "$s: database stopped: Retry-After"
	it_lt "$IT_HTTP_MS" 6000 "$s: database stopped: answered in ${IT_HTTP_MS} ms"

	post "$u/ingest" "$B/broken.json" "${BEARER[@]}" "${JSON[@]}"
	it_is "$IT_HTTP_CODE $(it_json error)" "503 unavailable" \
	    "$s: database stopped: broken JSON (its key cannot be checked) is 503 unavailable"
done

it_pg_start || it_bail "could not start PostgreSQL again"
psql_open

# All new: nothing of the batch was stored while the database was down.
it_http_until 200 10 POST "$NG/ingest" --data-binary "@$B/down.json" "${BEARER[@]}" "${JSON[@]}"
COUNT=$BEFORE_STOP
stored "database back: the batch refused while it was down, resent" 2 0 2

alive=0
for pid in $PIDS_BEFORE; do
	it_alive "$pid" || alive=1
done
it_ok "$alive" "the same program processes served before and after the database restart"

# ---------------------------------------------------------------------------
# The database frozen: 503 within AXLOG_DB_TIMEOUT_MS (it_spawn_all leaves
# the default, 5000 ms), then thawed: 200 again (5 + 4 tests)
# ---------------------------------------------------------------------------

ID7=$(new_uuid) ID8=$(new_uuid)
printf '[{"event_type":"frozen","id":"%s","created_at":"%s"},{"event_type":"frozen","id":"%s","created_at":"%s"}]' \
    "$ID7" "$T1" "$ID8" "$T1" >"$B/frozen.json"
count_now
BEFORE_FREEZE=$COUNT_NOW

it_pg_freeze || it_bail "could not freeze PostgreSQL"

post "$NG/ingest" "$B/frozen.json" "${BEARER[@]}" "${JSON[@]}" --max-time 20
it_is "$IT_HTTP_CODE" 503 "nginx: database frozen: status 503" || it_diag "$IT_HTTP_BODY"
it_is "$(summary error message)" "application/json error=unavailable message=yes" \
    "nginx: database frozen: application/json error \"unavailable\"" || it_diag "$IT_HTTP_BODY"
it_like "$(it_http_header Retry-After)" '^[0-9]+$' "nginx: database frozen: Retry-After"
it_lt "$IT_HTTP_MS" 6000 "nginx: database frozen: answered in ${IT_HTTP_MS} ms (AXLOG_DB_TIMEOUT_MS 5000)"
it_alive "$IT_PID_ingest"
it_ok $? "nginx: database frozen: the ingest program is still running"

it_pg_thaw

# A statement cut by the deadline may still have committed ("maybe
# everything" in the README): the resend with the same ids settles it.
it_http_until 200 10 POST "$NG/ingest" --data-binary "@$B/frozen.json" "${BEARER[@]}" "${JSON[@]}"
it_is "$IT_HTTP_CODE" 200 "database thawed: the same batch resent is 200" || it_diag "$IT_HTTP_BODY"
it_is "$(( $(it_json accepted 2>/dev/null || echo 0) + $(it_json duplicates 2>/dev/null || echo 0) ))" 2 \
    "database thawed: accepted + duplicates is 2 ($IT_HTTP_BODY)"
count_now
it_is "$COUNT_NOW" "$((BEFORE_FREEZE + 2))" "database thawed: the 2 events are stored exactly once"
COUNT=$COUNT_NOW

alive=0
for pid in $PIDS_BEFORE; do
	it_alive "$pid" || alive=1
done
it_ok "$alive" "the same program processes served before and after the freeze"

# ---------------------------------------------------------------------------
# Data PostgreSQL refuses after validation: 400 rejected with the SQLSTATE,
# never the server's own text, which goes to the log (4 tests)
# ---------------------------------------------------------------------------

it_psql axlog -c "ALTER TABLE axlog.logs ADD CONSTRAINT test_no_reject_me CHECK (message IS DISTINCT FROM 'reject me') NOT VALID" ||
	it_bail "could not add the test constraint"
printf '{"event_type":"rejected.here","message":"reject me"}' >"$B/reject.json"
post "$NG/ingest" "$B/reject.json" "${BEARER[@]}" "${JSON[@]}"
it_is "$IT_HTTP_CODE $(it_json error 2>/dev/null)" "400 rejected" "data the database refuses: 400 rejected" ||
	it_diag "$IT_HTTP_BODY"
it_is "$(it_json message 2>/dev/null)" "the database refused the events (SQLSTATE 23514)" \
	"data the database refuses: the message gives the SQLSTATE only"
[[ $IT_HTTP_BODY != *constraint* && $IT_HTTP_BODY != *CONTEXT* && $IT_HTTP_BODY != *axlog.* ]]
it_ok $? "data the database refuses: no text of the server's in the answer ($IT_HTTP_BODY)"
grep -q 'axlog-ingest: 400 rejected: .*test_no_reject_me.*(SQLSTATE 23514)' "$IT_TMP/logs/ingest.log"
it_ok $? "data the database refuses: one log line with the server's message and SQLSTATE"
it_psql axlog -c "ALTER TABLE axlog.logs DROP CONSTRAINT test_no_reject_me" ||
	it_bail "could not drop the test constraint"

# ---------------------------------------------------------------------------
# Sanitizers (in a --enable-sanitizers build) found nothing (1 test)
# ---------------------------------------------------------------------------

# TERM to the three at once, then wait for each.
kill -TERM "$IT_PID_ingest" "$IT_PID_stats" "$IT_PID_health" 2>/dev/null
it_unspawn ingest
it_unspawn stats
it_unspawn health
psql_close
it_logs_clean
it_ok $? "no sanitizer report in the programs' logs"
