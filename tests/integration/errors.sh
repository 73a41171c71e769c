#!/bin/bash
# The errors nginx and lighttpd answer themselves are JSON, like the
# programs' own: each is made to happen by a real request (raw bytes over
# a socket, so nothing is cleaned up on the way) through both servers,
# and the answer must have the expected status, Content-Type
# application/json, a body that parses as JSON with "error" and
# "message", and Retry-After where a client is told to come back.
#   1. Paths climbing above the root (the three of the issue and a bad
#      escape): 400 (nginx refuses to parse them) or 404 (lighttpd
#      resolves them), never nginx's HTML 500.
#   2. A malformed request line: 400.  A 20 KB header: 431 (nginx's 494,
#      answered 431 as lighttpd does).  A 20 KB URI: 414 from nginx, 431
#      from lighttpd (it counts the request line with the headers).
#   3. A body over the limit: 413.  A method the static files refuse:
#      405 from nginx, 501 from lighttpd.  An unknown path: 404.  The
#      internal error location asked for directly: 404.
#   4. A program's own answer carries X-Content-Type-Options: nosniff
#      once, set by the program.
#   5. A client that stops sending its headers or its body: the
#      connection is closed without an answer (neither server sends the
#      408 it logs), never an HTML page; the servers run here with 2 s
#      timeouts.
#   6. nginx, the health program frozen (SIGSTOP): fastcgi_read_timeout
#      gives 504, answered 503 unavailable with Retry-After.  The program
#      stopped (its socket gone): nginx's 502, answered 503 with
#      Retry-After; lighttpd's 503 with Retry-After.  (lighttpd has no
#      read timeout here: a frozen program is only asked through nginx.)
# Time budget: 30 s; elapsed printed.  TAP on stdout.

# shellcheck source=tests/integration/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck disable=SC2154 # top_srcdir, IT_PID_*: set by lib.sh

T0=$SECONDS
it_init
it_require nginx lighttpd
it_plan 34

for p in "$IT_HEALTH" "$IT_INGEST" "$IT_STATS" "$IT_AXLOGCTL"; do
	[ -x "$p" ] || it_bail "$p is not built (run make first)"
done

# The dev templates with short timeouts for the slow clients.
sed -e 's|client_body_timeout 15s;|client_body_timeout 2s;\n\t\tclient_header_timeout 2s;|' \
    "$top_srcdir/nginx/dev.conf.in" >"$IT_TMP/nginx.conf.in"
grep -q 'client_header_timeout 2s;' "$IT_TMP/nginx.conf.in" ||
	it_bail "nginx/dev.conf.in: no client_body_timeout 15s to shorten"
{ cat "$top_srcdir/lighttpd/dev.conf.in"; echo 'server.max-read-idle = 2'; } \
    >"$IT_TMP/lighttpd.conf.in"

it_pg_start || it_bail "PostgreSQL did not start"
it_setup_db || it_bail "database setup failed"
it_spawn_all || it_bail "the programs did not start"
it_nginx_start "$IT_TMP/nginx.conf.in" || it_bail "nginx did not start"
it_lighttpd_start "$IT_TMP/lighttpd.conf.in" || it_bail "lighttpd did not start"
declare -A PORT=([nginx]=$IT_NGINX_PORT [lighttpd]=$IT_LIGHTTPD_PORT)

# ask SERVER REQUEST: send REQUEST (Python bytes escapes: \r\n, \x00);
# ASK_GOT is "STATUS CONTENT-TYPE CODE", CODE being the body's "error" when the
# body is a JSON object with string "error" and "message", "ok" for a 2xx
# JSON object, else "not-json" or "no-error-keys".  ASK_RA: its Retry-After ("-" when absent);
# ASK_NOSNIFF: how many X-Content-Type-Options: nosniff it had.
ask() {
	local out
	out=$("$IT_PYTHON" - "${PORT[$1]}" "$2" <<'EOF'
import ast, json, socket, sys
port, req = int(sys.argv[1]), ast.literal_eval("b'" + sys.argv[2] + "'")
s = socket.create_connection(("127.0.0.1", port), timeout=10)
s.sendall(req)
data = b""
need = None
while True:
    head, sep, body = data.partition(b"\r\n\r\n")
    if sep and need is None:
        need = -1
        for l in head.split(b"\r\n")[1:]:
            k, _, v = l.partition(b":")
            if k.strip().lower() == b"content-length":
                need = int(v)
    if need is not None and need >= 0 and len(body) >= need:
        break
    try:
        b = s.recv(65536)
    except OSError:
        break
    if not b:
        break
    data += b
s.close()
head, _, body = data.partition(b"\r\n\r\n")
lines = head.decode("latin-1").split("\r\n")
status = lines[0].split(" ")[1] if " " in lines[0] else "none"
h = {}
nosniff = 0
for l in lines[1:]:
    k, _, v = l.partition(":")
    h[k.strip().lower()] = v.strip()
    if k.strip().lower() == "x-content-type-options" and v.strip() == "nosniff":
        nosniff += 1
try:
    o = json.loads(body)
    if isinstance(o, dict) and isinstance(o.get("error"), str) and \
            isinstance(o.get("message"), str):
        code = o["error"]
    elif isinstance(o, dict) and status.startswith("2"):
        code = "ok"
    else:
        code = "no-error-keys"
except ValueError:
    code = "not-json"
print(status, h.get("content-type", "none").replace(" ", ""), code,
      h.get("retry-after", "-"), nosniff)
EOF
)
	read -r _s _t _c ASK_RA ASK_NOSNIFF <<<"$out"
	ASK_GOT="$_s $_t $_c"
}

# slow SERVER REQUEST: send the start of a request and stop; print
# "closed N" with the N bytes answered when the server closes within 8 s,
# else "open".
slow() {
	"$IT_PYTHON" - "${PORT[$1]}" "$2" <<'EOF'
import ast, socket, sys
port, req = int(sys.argv[1]), ast.literal_eval("b'" + sys.argv[2] + "'")
s = socket.create_connection(("127.0.0.1", port), timeout=8)
s.sendall(req)
data = b""
try:
    while True:
        b = s.recv(65536)
        if not b:
            print("closed", len(data))
            break
        data += b
except OSError:
    print("open" if not data else "closed %d" % len(data))
EOF
}

# check SERVER NAME REQUEST WANT: one answer against "STATUS TYPE CODE".
check() {
	ask "$1" "$3"
	it_is "$ASK_GOT" "$4" "$1: $2: $4"
}

H='Host: localhost\r\nConnection: close\r\n'
J=application/json
BIGHDR="X-Big: $(printf 'a%.0s' $(seq 20000))"
BIGQ=$(printf 'a%.0s' $(seq 20000))

for srv in nginx lighttpd; do
	# 1. Paths above the root.
	if [ "$srv" = nginx ]; then
		up="400 $J bad_request"
	else
		up="404 $J not_found"
	fi
	check "$srv" "GET /../.dev/keys.env" \
	    "GET /../.dev/keys.env HTTP/1.1\r\n$H\r\n" "$up"
	check "$srv" "POST /ingest/../../x" \
	    "POST /ingest/../../x HTTP/1.1\r\n${H}Content-Length: 0\r\n\r\n" "$up"
	check "$srv" "GET /javascript/../../../etc/passwd" \
	    "GET /javascript/../../../etc/passwd HTTP/1.1\r\n$H\r\n" "$up"
	check "$srv" "GET /%zz (a bad escape)" \
	    "GET /%zz HTTP/1.1\r\n$H\r\n" "$up"

	# 2. Malformed and oversize requests.
	check "$srv" "a malformed request line" "GARBAGE\r\n\r\n" \
	    "400 $J bad_request"
	check "$srv" "a 20 KB header" \
	    "GET /health HTTP/1.1\r\n$H$BIGHDR\r\n\r\n" "431 $J headers_too_large"
	if [ "$srv" = nginx ]; then
		want="414 $J uri_too_long"
	else
		want="431 $J headers_too_large"
	fi
	check "$srv" "a 20 KB URI" \
	    "GET /health?$BIGQ HTTP/1.1\r\n$H\r\n" "$want"

	# 3. Over the limit, refused methods, unknown paths.
	check "$srv" "POST /ingest with a 2 MB body" \
	    "POST /ingest HTTP/1.1\r\n${H}Content-Type: application/json\r\nContent-Length: 2000000\r\n\r\n" \
	    "413 $J too_large"
	if [ "$srv" = nginx ]; then
		want="405 $J method_not_allowed"
	else
		want="501 $J not_implemented"
	fi
	check "$srv" "PUT /" "PUT / HTTP/1.1\r\n${H}Content-Length: 0\r\n\r\n" "$want"
	check "$srv" "GET /nope" "GET /nope HTTP/1.1\r\n$H\r\n" "404 $J not_found"
	check "$srv" "GET /.axlog-error/ (internal)" \
	    "GET /.axlog-error/ HTTP/1.1\r\n$H\r\n" "404 $J not_found"

	# 4. The programs' answers say nosniff themselves.
	ask "$srv" "GET /health/live HTTP/1.1\r\n$H\r\n"
	it_is "$ASK_GOT nosniff:$ASK_NOSNIFF" "200 $J ok nosniff:1" \
	    "$srv: GET /health/live: the program's answer has nosniff, once"

	# 5. Slow clients.
	it_is "$(slow "$srv" "GET /health HTTP/1.1\r\nHost: localhost\r\n")" "closed 0" \
	    "$srv: headers never finished: closed without an answer"
	it_is "$(slow "$srv" "POST /ingest HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n[{")" \
	    "closed 0" "$srv: body never finished: closed without an answer"
done

# 6. The health program frozen, then stopped.
pids=$(ps -o pid= --ppid "$IT_PID_health" 2>/dev/null)
# shellcheck disable=SC2086 # a list of pids
kill -STOP "$IT_PID_health" $pids
ask nginx "GET /health HTTP/1.1\r\n$H\r\n"
# shellcheck disable=SC2086
kill -CONT "$IT_PID_health" $pids
it_is "$ASK_GOT" "503 $J unavailable" "nginx: a frozen program (504): 503 unavailable"
it_is "$ASK_RA" 5 "nginx: a frozen program: Retry-After: 5"

it_unspawn health
for srv in nginx lighttpd; do
	ask "$srv" "GET /health HTTP/1.1\r\n$H\r\n"
	it_is "$ASK_GOT" "503 $J unavailable" "$srv: the program stopped: 503 unavailable"
	it_is "$ASK_RA" 5 "$srv: the program stopped: Retry-After: 5"
done

it_diag "elapsed: $((SECONDS - T0)) s"
