#!/bin/bash
# The log shippers' routes of axlog-ingest, through nginx (and lighttpd
# for chunked bodies):
# - POST /v1/logs (OTLP/HTTP, JSON): the mapping read back with psql and
#   /stats/logs, a resent request counted as duplicates, Bearer,
#   X-API-Key and Basic auth, chunked bodies, a record refused alone
#   (partialSuccess), the whole-request errors as google.rpc.Status
#   (not JSON, protobuf, a wrong key, GET, an empty body, a gzip bomb),
#   503 with Retry-After while PostgreSQL is down.
# - POST /loki/api/v1/push: 204, a resent superset stored once, a bad
#   line refused alone (200 with "rejected"), the whole-request errors.
# - The real clients, unmodified, from npm (tests/clients, npm ci):
#   the OpenTelemetry JS SDK (1000 records) and its winston transport,
#   winston-loki with json: true; then each again while this script
#   stops PostgreSQL for 3 s mid-run: nothing lost, nothing doubled.
# Budget: 90 s; the elapsed time is printed.  TAP on stdout.

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

it_init
it_require nginx
it_require lighttpd

CURL_TESTS=36
NODE_TESTS=7
it_plan $((CURL_TESTS + NODE_TESTS))

T0=$SECONDS
BUDGET=90
CLIENTS=$top_srcdir/tests/clients
B=$IT_TMP/bodies
mkdir -p "$B"

it_pg_start || it_bail "PostgreSQL did not start"
it_setup_db || it_bail "database setup failed"
it_spawn_all AXLOG_DB_TIMEOUT_MS=1500 || it_bail "the programs did not start"
it_nginx_start || it_bail "nginx did not start"
it_lighttpd_start || it_bail "lighttpd did not start"
NG=$IT_NGINX_URL
LT=$IT_LIGHTTPD_URL
BEARER=(-H "Authorization: Bearer $IT_INGEST_KEY")
BASIC=(-u "fluentbit:$IT_INGEST_KEY")
JSON=(-H 'Content-Type: application/json')

# rows WHERE: how many events match.
rows() {
	it_psql axlog -c "SELECT count(*) FROM axlog.logs WHERE $1"
}

NS=$(( $(date +%s) * 1000000000 ))
# otlp_body RUN N [TIME-NS]: N records of run RUN, ERROR every third.
otlp_body() {
	local run=$1 n=$2 t=${3:-$NS} i sep=""
	printf '{"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"shop"}}]},'
	printf '"scopeLogs":[{"scope":{"name":"web"},"logRecords":['
	for ((i = 0; i < n; i++)); do
		printf '%s{"timeUnixNano":"%s","severityNumber":%d,"severityText":"%s","body":{"stringValue":"%s %d"},' \
		    "$sep" "$((t + i * 1000))" "$((i % 3 == 0 ? 17 : 9))" "$([ $((i % 3)) = 0 ] && echo ERROR || echo INFO)" "$run" "$i"
		printf '"attributes":[{"key":"run","value":{"stringValue":"%s"}},{"key":"duration_ms","value":{"intValue":"%d"}}],' "$run" "$i"
		printf '"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174"}'
		sep=,
	done
	printf ']}]}]}'
}

# ---------------------------------------------------------------------------
# OTLP/HTTP logs (curl)
# ---------------------------------------------------------------------------

otlp_body otlp-a 5 >"$B/a.json"
it_http POST "$NG/v1/logs" "${BEARER[@]}" "${JSON[@]}" --data-binary "@$B/a.json"
it_is "$IT_HTTP_CODE $IT_HTTP_BODY" "200 {}" "OTLP: 5 records: 200 {}"
it_is "$(it_http_header Content-Type)" application/json "OTLP: the answer is application/json, as the request"
it_is "$(it_psql axlog -F ' ' -c "SELECT event_type, success, duration_ms, metadata->'resource'->>'service.name',
    metadata->'scope'->>'name', metadata->>'trace_id', metadata->'attributes'->>'run', (id::text ~ '^[0-9a-f-]{14}8')
    FROM axlog.logs WHERE message = 'otlp-a 3'")" "log.error f 3 shop web 5b8efff798038103d269b633813fc60c otlp-a t" \
    "OTLP: an ERROR record: log.error, success false, duration_ms, resource, scope, trace id, attributes, a version 8 id"
it_is "$(it_psql axlog -F ' ' -c "SELECT event_type, success, created_at = to_timestamp($NS / 1e9 + 0.000001)
    FROM axlog.logs WHERE message = 'otlp-a 1'")" "log.info t t" "OTLP: an INFO record: log.info, its time to the microsecond"

it_http POST "$NG/v1/logs" "${BEARER[@]}" "${JSON[@]}" --data-binary "@$B/a.json"
it_is "$IT_HTTP_CODE $IT_HTTP_BODY" "200 {}" "OTLP: the same request again: 200 {}"
it_is "$(rows "metadata->'attributes'->>'run' = 'otlp-a'")" 5 "OTLP: resent, still 5 events (same ids: duplicates)"

it_http GET "$NG/stats/logs?event_type=log.error&q=otlp-a&from=-1d" -H "Authorization: Bearer $IT_READ_KEY"
it_is "$IT_HTTP_CODE $(it_json events | "$IT_PYTHON" -c 'import json, sys; print(len(json.load(sys.stdin)))')" \
    "200 2" "OTLP: /stats/logs reads back the 2 ERROR records"

otlp_body otlp-b 2 >"$B/b.json"
it_http POST "$NG/v1/logs" "${BASIC[@]}" "${JSON[@]}" --data-binary "@$B/b.json"
it_is "$IT_HTTP_CODE" 200 "OTLP: Basic auth with the key as password: 200"
otlp_body otlp-c 2 >"$B/c.json"
it_http POST "$NG/v1/logs" -H "X-API-Key: $IT_INGEST_KEY" "${JSON[@]}" --data-binary "@$B/c.json"
it_is "$IT_HTTP_CODE" 200 "OTLP: X-API-Key: 200"
otlp_body otlp-d 3 >"$B/d.json"
it_http POST "$NG/v1/logs" "${BEARER[@]}" "${JSON[@]}" -H 'Transfer-Encoding: chunked' --data-binary "@$B/d.json"
it_is "$IT_HTTP_CODE" 200 "OTLP: a chunked body through nginx: 200"
otlp_body otlp-e 3 >"$B/e.json"
it_http POST "$LT/v1/logs" "${BEARER[@]}" "${JSON[@]}" -H 'Transfer-Encoding: chunked' --data-binary "@$B/e.json"
it_is "$IT_HTTP_CODE" 200 "OTLP: a chunked body through lighttpd: 200"
gzip -c "$B/a.json" >"$B/a.json.gz"
it_http POST "$NG/v1/logs" "${BEARER[@]}" "${JSON[@]}" -H 'Content-Encoding: gzip' --data-binary "@$B/a.json.gz"
it_is "$IT_HTTP_CODE $IT_HTTP_BODY" "200 {}" "OTLP: gzip: 200"
it_is "$(rows "metadata->'attributes'->>'run' IN ('otlp-b', 'otlp-c', 'otlp-d', 'otlp-e', 'otlp-a')")" 15 \
    "OTLP: Basic, X-API-Key, chunked (both servers), gzip: 15 events"

# One record of three refused (its time is not a number): the rest stored.
printf '%s' '{"resourceLogs":[{"scopeLogs":[{"logRecords":[
{"timeUnixNano":"'"$NS"'","body":{"stringValue":"otlp-p 0"}},
{"timeUnixNano":"soon","body":{"stringValue":"otlp-p 1"}},
{"timeUnixNano":"'"$NS"'","body":{"stringValue":"otlp-p 2"},"attributes":[{"key":"user","value":{"stringValue":"x"}}]}]}]}]}' >"$B/p.json"
it_http POST "$NG/v1/logs" "${BEARER[@]}" "${JSON[@]}" --data-binary "@$B/p.json"
it_is "$IT_HTTP_CODE $(it_json partialSuccess.rejectedLogRecords)" "200 1" "OTLP: a bad record: 200 with partialSuccess, 1 rejected (a string)"
it_like "$(it_json partialSuccess.errorMessage)" 'record 1: timeUnixNano: invalid_timestamp' "OTLP: the errorMessage names the record and its problem"
it_is "$(rows "message LIKE 'otlp-p %'")" 2 "OTLP: the 2 good records of it stored"

it_http POST "$NG/v1/logs" "${BEARER[@]}" "${JSON[@]}" --data-binary '{"resourceLogs":'
it_is "$IT_HTTP_CODE $(it_json code)" "400 3" "OTLP: not JSON: 400, google.rpc.Status INVALID_ARGUMENT"
it_http POST "$NG/v1/logs" "${BEARER[@]}" "${JSON[@]}" --data-binary '{"resourceLogs":{}}'
it_is "$IT_HTTP_CODE $(it_json code)" "400 3" "OTLP: resourceLogs not an array: 400"
it_http POST "$NG/v1/logs" "${BEARER[@]}" "${JSON[@]}" --data-binary '{}'
it_is "$IT_HTTP_CODE $IT_HTTP_BODY" "200 {}" "OTLP: an empty request: 200 {}"
it_http POST "$NG/v1/logs" "${BEARER[@]}" -H 'Content-Type: application/x-protobuf' --data-binary 'x'
it_is "$IT_HTTP_CODE $(it_json code)" "415 3" "OTLP: protobuf: 415"
it_http POST "$NG/v1/logs" -H "Authorization: Bearer axlog_in_0000000000000000000000000000000000000000" "${JSON[@]}" --data-binary "@$B/a.json"
it_is "$IT_HTTP_CODE $(it_json code)" "401 16" "OTLP: a wrong key: 401, UNAUTHENTICATED"
it_http GET "$NG/v1/logs" "${BEARER[@]}"
it_is "$IT_HTTP_CODE $(it_http_header Allow)" "405 POST" "OTLP: GET: 405 with Allow: POST"
# A gzip bomb: 2 MiB of zeros in a few KiB, over AXLOG_MAX_BODY_BYTES.
head -c 2097152 /dev/zero | gzip -9 >"$B/bomb.gz"
it_http POST "$NG/v1/logs" "${BEARER[@]}" "${JSON[@]}" -H 'Content-Encoding: gzip' --data-binary "@$B/bomb.gz"
it_is "$IT_HTTP_CODE $(it_json code)" "413 8" "OTLP: a gzip bomb: 413, RESOURCE_EXHAUSTED"
# A record too large: a message over 8 KiB, refused alone.
big=$(head -c 9000 /dev/zero | tr '\0' a)
printf '{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"timeUnixNano":"%s","body":{"stringValue":"%s"}},{"timeUnixNano":"%s","body":{"stringValue":"otlp-big ok"}}]}]}]}' \
    "$NS" "$big" "$NS" >"$B/big.json"
it_http POST "$NG/v1/logs" "${BEARER[@]}" "${JSON[@]}" --data-binary "@$B/big.json"
it_is "$IT_HTTP_CODE $(it_json partialSuccess.rejectedLogRecords) $(rows "message = 'otlp-big ok'")" "200 1 1" \
    "OTLP: a message over 8 KiB: that record refused, the other stored"

# ---------------------------------------------------------------------------
# Loki push (curl)
# ---------------------------------------------------------------------------

# loki_body RUN FROM TO: lines FROM..TO-1, level error every fifth.
loki_body() {
	local i sep=""
	printf '{"streams":[{"stream":{"app":"shop","run":"%s"},"values":[' "$1"
	for ((i = $2; i < $3; i++)); do
		printf '%s["%s","%s line %d"]' "$sep" "$((NS + i))" "$1" "$i"
		sep=,
	done
	printf ']},{"stream":{"run":"%s","level":"error"},"values":[["%s","%s failed"]]}]}' "$1" "$NS" "$1"
}

loki_body loki-a 0 10 >"$B/la.json"
it_http POST "$NG/loki/api/v1/push" "${BASIC[@]}" "${JSON[@]}" --data-binary "@$B/la.json"
it_is "$IT_HTTP_CODE$IT_HTTP_BODY" 204 "Loki: 11 lines, Basic auth: 204"
it_is "$(it_psql axlog -F ' ' -c "SELECT event_type, success, metadata->'labels'->>'run' FROM axlog.logs WHERE message = 'loki-a failed'")" \
    "log.error f loki-a" "Loki: the level label error: log.error, success false, the labels in metadata"
it_is "$(it_psql axlog -F ' ' -c "SELECT event_type, success, metadata->'labels'->>'app' FROM axlog.logs WHERE message = 'loki-a line 3'")" \
    "log t shop" "Loki: no level: log, success true"
# winston-loki resends a failed batch merged with newer lines: a superset.
loki_body loki-a 0 20 >"$B/la2.json"
it_http POST "$NG/loki/api/v1/push" "${BASIC[@]}" "${JSON[@]}" --data-binary "@$B/la2.json"
it_is "$IT_HTTP_CODE" 204 "Loki: a resent superset: 204"
it_is "$(it_psql axlog -F ' ' -c "SELECT count(*), count(DISTINCT message) FROM axlog.logs WHERE metadata->'labels'->>'run' = 'loki-a'")" \
    "21 21" "Loki: the superset stored once: 21 events"
printf '{"streams":[{"stream":{"run":"loki-b"},"values":[["%s","loki-b 0"],["later","loki-b 1"],["%s","loki-b 2"]]}]}' "$NS" "$NS" >"$B/lb.json"
it_http POST "$NG/loki/api/v1/push" "${BEARER[@]}" "${JSON[@]}" --data-binary "@$B/lb.json"
it_is "$IT_HTTP_CODE $(it_json rejected)" "200 1" "Loki: a bad timestamp: that line refused (200, rejected 1)"
it_is "$(rows "metadata->'labels'->>'run' = 'loki-b'")" 2 "Loki: the other 2 lines stored"
it_http POST "$NG/loki/api/v1/push" "${BEARER[@]}" "${JSON[@]}" --data-binary '{"streams":5}'
it_is "$IT_HTTP_CODE $(it_json error)" "400 invalid_json" "Loki: not a push request: 400 naming the problem"
it_http POST "$NG/loki/api/v1/push" "${BEARER[@]}" -H 'Content-Type: application/x-protobuf' --data-binary 'x'
it_is "$IT_HTTP_CODE" 415 "Loki: snappy protobuf: 415"
it_http POST "$NG/loki/api/v1/push" -u "x:axlog_in_0000000000000000000000000000000000000000" "${JSON[@]}" --data-binary "@$B/la.json"
it_is "$IT_HTTP_CODE $(it_json error)" "401 unauthorized" "Loki: a wrong key: 401"

# ---------------------------------------------------------------------------
# PostgreSQL away: 503 with Retry-After on both routes
# ---------------------------------------------------------------------------

it_pg_stop || it_bail "PostgreSQL did not stop"
it_http POST "$NG/v1/logs" "${BEARER[@]}" "${JSON[@]}" --data-binary "@$B/a.json"
it_is "$IT_HTTP_CODE $(it_json code) $(it_http_header Retry-After)" "503 14 1" "OTLP, PostgreSQL stopped: 503 UNAVAILABLE, Retry-After"
it_http POST "$NG/loki/api/v1/push" "${BEARER[@]}" "${JSON[@]}" --data-binary "@$B/la.json"
it_is "$IT_HTTP_CODE $(it_http_header Retry-After)" "503 1" "Loki, PostgreSQL stopped: 503 with Retry-After"
it_pg_start || it_bail "PostgreSQL did not start again"

it_diag "the curl tests took $((SECONDS - T0)) s"

# ---------------------------------------------------------------------------
# The real clients
# ---------------------------------------------------------------------------

# node_result LOG WANT NAME: node's TAP in LOG, WANT top-level tests, as
# one line each here (a skip stays a skip).
node_result() {
	local log=$1 want=$2 name=$3 line got=0 not title
	while IFS= read -r line; do
		if [[ $line =~ ^(not\ )?ok\ [0-9]+\ -\ (.*)$ ]]; then
			not=${BASH_REMATCH[1]}
			title=${BASH_REMATCH[2]}
			# the other run's tests (with or without TEST_PHASE_DIR)
			[[ $title =~ TEST_PHASE_DIR ]] && continue
			got=$((got + 1))
			# node marks a test given skip '' "not ok ... # SKIP": a failure
			if [ -z "$not" ] && [[ $title =~ ^(.*)\ \#\ SKIP\ ?(.*)$ ]]; then
				it_skip "$name: ${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}"
				printf '\n*** %s: SKIPPED: %s ***\n\n' "${0##*/}" "${BASH_REMATCH[2]}" >&2
			else
				[ -z "$not" ]
				it_ok $? "$name: $title" || it_diag "$(grep -A 25 "^not ok" "$log" | head -n 40)"
			fi
		fi
	done <"$log"
	while [ "$got" -lt "$want" ]; do
		got=$((got + 1))
		it_ok 1 "$name: node test $got of $want did not report"
		it_diag "$(tail -n 20 "$log")"
	done
}

NODE_TEST=(node --test --test-reporter=tap)

# The npm packages: tests/clients/node_modules, or npm ci into the
# temporary directory (the source tree stays as it is).
install_clients() {
	(cd "$CLIENTS" && node -e 'require.resolve("@opentelemetry/sdk-logs"); require.resolve("winston-loki")') >/dev/null 2>&1 && return 0
	mkdir -p "$IT_TMP/npm" &&
	    cp "$CLIENTS/package.json" "$CLIENTS/package-lock.json" "$IT_TMP/npm/" &&
	    (cd "$IT_TMP/npm" && timeout 120 npm ci --no-audit --no-fund --loglevel=error) \
	    >"$IT_TMP/logs/npm.log" 2>&1 &&
	    export NODE_PATH=$IT_TMP/npm/node_modules
}

# outage FILE NAME: the node test of FILE sends while PostgreSQL is
# stopped for 3 s once its first records are stored.
outage() {
	local phase=$IT_TMP/phase-$1 pid rc log=$IT_TMP/logs/node-$1-outage.log
	mkdir -p "$phase"
	TEST_PHASE_DIR=$phase timeout -k 5 100 "${NODE_TEST[@]}" "$CLIENTS/$1.test.js" >"$log" 2>&1 </dev/null &
	pid=$!
	for _ in $(seq 150); do
		[ -e "$phase/sending" ] && break
		it_alive "$pid" || break
		sleep 0.1
	done
	if [ -e "$phase/sending" ] && it_pg_stop; then
		sleep 3
		it_pg_start
		rc=$?
		: >"$phase/restarted"
		it_ok "$rc" "$2: PostgreSQL stopped for 3 s while the client sent, started again"
	else
		it_ok 1 "$2: PostgreSQL stopped while the client sent (its first records were never stored)"
		: >"$phase/restarted"
	fi
	wait "$pid"
	node_result "$log" 1 "$2 outage"
	it_diag "$2 outage: done at $((SECONDS - T0)) s"
}

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
	printf '\n*** %s: SKIPPED the client tests: node or npm not found ***\n\n' "${0##*/}" >&2
	for i in $(seq "$NODE_TESTS"); do it_skip "client test $i" "node or npm not found"; done
elif ! install_clients; then
	it_diag "npm ci failed: $(tail -n 5 "$IT_TMP/logs/npm.log")"
	for i in $(seq "$NODE_TESTS"); do it_ok 1 "client test $i: the npm packages could not be installed"; done
else
	export TEST_OTLP_URL="$NG/v1/logs" TEST_LOKI_HOST="$NG" TEST_INGEST_KEY="$IT_INGEST_KEY"
	export TEST_INGEST_URL="$NG/ingest"
	export TEST_DATABASE_URL="postgresql://postgres@127.0.0.1:$IT_PG_PORT/axlog" TEST_PSQL="$IT_PGBIN/psql"
	timeout -k 5 100 "${NODE_TEST[@]}" "$CLIENTS/otlp.test.js" >"$IT_TMP/logs/node-otlp.log" 2>&1 </dev/null
	node_result "$IT_TMP/logs/node-otlp.log" 2 "OpenTelemetry"
	it_diag "OpenTelemetry: done at $((SECONDS - T0)) s"
	timeout -k 5 100 "${NODE_TEST[@]}" "$CLIENTS/loki.test.js" >"$IT_TMP/logs/node-loki.log" 2>&1 </dev/null
	node_result "$IT_TMP/logs/node-loki.log" 1 winston-loki
	it_diag "winston-loki: done at $((SECONDS - T0)) s"
	outage otlp "OpenTelemetry"
	outage loki winston-loki
fi

ELAPSED=$((SECONDS - T0))
it_diag "elapsed $ELAPSED s (budget $BUDGET s)"
