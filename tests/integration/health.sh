#!/bin/bash
# GET /health, /health/live, /health/db through nginx and lighttpd: the
# answers with a healthy database, with the database stopped and started
# again (no program restarted), with a frozen database (answered within
# 2 s all the same), and the refusal of malformed or unknown settings.
# TAP on stdout.

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

it_init
it_require nginx lighttpd
it_plan 67

for p in "$IT_HEALTH" "$IT_INGEST" "$IT_STATS" "$IT_AXLOGCTL"; do
	[ -x "$p" ] || it_bail "$p is not built (run make first)"
done

it_pg_start || it_bail "PostgreSQL did not start"
it_setup_db || it_bail "database setup failed"
it_spawn_all || it_bail "the programs did not start"
it_nginx_start || it_bail "nginx did not start"
it_lighttpd_start || it_bail "lighttpd did not start"

SERVERS=(nginx lighttpd)
declare -A URL=([nginx]=$IT_NGINX_URL [lighttpd]=$IT_LIGHTTPD_URL)
TOMORROW=$(date -u -d tomorrow +%F)
# shellcheck disable=SC2154 # set by it_spawn
PIDS_BEFORE="$IT_PID_ingest $IT_PID_stats $IT_PID_health"

# ---------------------------------------------------------------------------
# A healthy database (11 tests per server)
# ---------------------------------------------------------------------------

for s in "${SERVERS[@]}"; do
	u=${URL[$s]}

	it_http GET "$u/health"
	it_is "$IT_HTTP_CODE" 200 "$s: GET /health is 200"
	it_like "$(it_http_header Content-Type)" '^application/json' \
	    "$s: GET /health is application/json"
	it_is "$(it_json status)" ok "$s: GET /health status is ok" ||
		it_diag "$IT_HTTP_BODY"
	it_is "$(it_json checks.database.status)" ok \
	    "$s: checks.database.status is ok"
	it_like "$(it_json version)" '^[0-9A-Za-z.+~-]+$' \
	    "$s: the answer carries the version"
	it_like "$(it_json checks.schema.version)" '^[1-9][0-9]*$' \
	    "$s: checks.schema.version is a number"
	ready=$(it_json checks.partitions.ready_until)
	[[ $ready =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}$ ]] && ! [[ $ready < $TOMORROW ]]
	it_ok $? "$s: checks.partitions.ready_until ($ready) is tomorrow ($TOMORROW) or later"

	it_http HEAD "$u/health"
	it_is "$IT_HTTP_CODE" 200 "$s: HEAD /health is 200"
	it_http_raw HEAD "$u/health"
	it_is "$IT_RAW_BODY_BYTES" 0 "$s: HEAD /health has no body ($IT_RAW_HEAD)"

	it_http GET "$u/health/live"
	it_is "$IT_HTTP_CODE" 200 "$s: GET /health/live is 200"

	it_http GET "$u/health/db"
	it_is "$IT_HTTP_CODE" 200 "$s: GET /health/db is 200"
done

# ---------------------------------------------------------------------------
# The database stopped (5 tests per server), then started again
# (1 + 2 per server, 1 for the processes)
# ---------------------------------------------------------------------------

it_pg_stop || it_bail "could not stop PostgreSQL"

for s in "${SERVERS[@]}"; do
	u=${URL[$s]}
	it_http GET "$u/health"
	it_is "$IT_HTTP_CODE" 503 "$s: database stopped: GET /health is 503"
	it_is "$(it_json status)" down "$s: database stopped: status is down" ||
		it_diag "$IT_HTTP_BODY"
	it_lt "$IT_HTTP_MS" 2000 "$s: database stopped: answered in ${IT_HTTP_MS} ms"

	it_http GET "$u/health/live"
	it_is "$IT_HTTP_CODE" 200 "$s: database stopped: GET /health/live is 200"

	it_http GET "$u/health/db"
	it_is "$IT_HTTP_CODE" 503 "$s: database stopped: GET /health/db is 503"
done

it_pg_start || it_bail "could not start PostgreSQL again"

# The connection the restart broke is found dead before anything is sent
# on it and remade: the first request once the database is ready is fine.
it_http GET "$IT_NGINX_URL/health"
if [ "${IT_PGBOUNCER:-0}" = 1 ]; then
	# PgBouncer refuses logins for server_login_retry after its own
	# server login failed (the database was down): the pooler, not the
	# program, answers the first request after the restart.
	it_skip "database back: the first GET /health is 200 already" \
	    "through PgBouncer, which refuses logins for server_login_retry after a failed one"
	it_http_until 200 5 GET "$IT_NGINX_URL/health"
else
	it_is "$IT_HTTP_CODE" 200 "database back: the first GET /health is 200 already" ||
		it_diag "$IT_HTTP_BODY"
fi

for s in "${SERVERS[@]}"; do
	it_http_until 200 5 GET "${URL[$s]}/health"
	it_is "$IT_HTTP_CODE" 200 "$s: database back: GET /health is 200 again" ||
		it_diag "$IT_HTTP_BODY"
	it_is "$(it_json status)" ok "$s: database back: status is ok"
done

alive=0
for pid in $PIDS_BEFORE; do
	it_alive "$pid" || alive=1
done
it_ok "$alive" "the same program processes served before and after the restart"

# ---------------------------------------------------------------------------
# A frozen database: SIGSTOP on the postmaster and all its children.  Once
# through each server (nginx: 4 tests, then thawed 3; lighttpd: 5, then
# thawed 2).  The first freeze sees a single database request: the one
# that runs out of time must not leave its connection behind, or the
# first request after the thaw fails on it.
# ---------------------------------------------------------------------------

# frozen_health SERVER: GET /health and /health/live while frozen (4 tests)
frozen_health() {
	local s=$1 u=${URL[$1]}
	it_http GET "$u/health"
	it_is "$IT_HTTP_CODE" 503 "$s: database frozen: GET /health is 503"
	it_is "$(it_json status)" down "$s: database frozen: status is down" ||
		it_diag "$IT_HTTP_BODY"
	it_lt "$IT_HTTP_MS" 2000 "$s: database frozen: answered in ${IT_HTTP_MS} ms"
	it_http GET "$u/health/live"
	it_is "$IT_HTTP_CODE" 200 "$s: database frozen: GET /health/live is 200"
}

# thawed_health SERVER: back to 200 within 5 s (2 tests)
thawed_health() {
	local s=$1
	it_http_until 200 5 GET "${URL[$s]}/health"
	it_is "$IT_HTTP_CODE" 200 "$s: database thawed: GET /health is 200 again" ||
		it_diag "$IT_HTTP_BODY"
	it_is "$(it_json status)" ok "$s: database thawed: status is ok"
}

it_pg_freeze || it_bail "could not freeze PostgreSQL"
frozen_health nginx
it_pg_thaw
it_pg_wait_ready || it_bail "PostgreSQL does not answer after SIGCONT"
it_http GET "$IT_NGINX_URL/health"
it_is "$IT_HTTP_CODE" 200 "database thawed: the first GET /health is 200 already" ||
	it_diag "$IT_HTTP_BODY"
thawed_health nginx

it_pg_freeze || it_bail "could not freeze PostgreSQL"
frozen_health lighttpd
it_http GET "$IT_LIGHTTPD_URL/health/db"
[ "$IT_HTTP_CODE" = 503 ] && [ "$IT_HTTP_MS" -lt 2000 ]
it_ok $? "lighttpd: database frozen: GET /health/db is 503 within 2 s ($IT_HTTP_CODE in ${IT_HTTP_MS} ms)"
it_pg_thaw
it_pg_wait_ready || it_bail "PostgreSQL does not answer after SIGCONT"
thawed_health lighttpd

# ---------------------------------------------------------------------------
# Settings: a malformed value or an unknown AXLOG_* variable stops every
# program at start with one line naming the variable (8 tests)
# ---------------------------------------------------------------------------

# refuses PROGRAM NAME=VALUE VARIABLE
refuses() {
	local prog=$1 setting=$2 var=$3 rc lines
	it_env_run "$setting" -- timeout 10 "$prog" version \
	    </dev/null >/dev/null 2>"$IT_TMP/refuse.err"
	rc=$?
	lines=$(wc -l <"$IT_TMP/refuse.err" | tr -d ' ')
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && [ "$lines" = 1 ] &&
	    grep -q "$var" "$IT_TMP/refuse.err"; then
		it_ok 0 "${prog##*/} refuses $setting"
	else
		it_ok 1 "${prog##*/} refuses $setting"
		it_diag "exit status $rc, $lines line(s) on stderr:"
		it_diag "$(cat "$IT_TMP/refuse.err")"
	fi
}

for p in "$IT_HEALTH" "$IT_INGEST" "$IT_STATS" "$IT_AXLOGCTL"; do
	refuses "$p" AXLOG_DB_TIMEOUT_MS=abc AXLOG_DB_TIMEOUT_MS
	refuses "$p" AXLOG_TYPO=1 AXLOG_TYPO
done

# ---------------------------------------------------------------------------
# The web server's own error when the program is down is JSON too
# (3 tests per server)
# ---------------------------------------------------------------------------

it_unspawn health
for s in "${SERVERS[@]}"; do
	it_http GET "${URL[$s]}/health"
	it_is "$IT_HTTP_CODE" 503 "$s: health program down: GET /health is 503"
	it_like "$(it_http_header Content-Type)" '^application/json' \
	    "$s: health program down: the error is application/json"
	it_is "$(it_json error)" unavailable "$s: health program down: error is unavailable" ||
		it_diag "$IT_HTTP_BODY"
done

# ---------------------------------------------------------------------------
# Sanitizers (in a --enable-sanitizers build) found nothing (1 test)
# ---------------------------------------------------------------------------

it_unspawn ingest
it_unspawn stats
it_logs_clean
it_ok $? "no sanitizer report in the programs' logs"
