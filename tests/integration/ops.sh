#!/bin/bash
# Operations: what an operator does after "Deploy on a VPS" and what the
# timer does for them.  axlogctl maintain (partitions ahead, retention
# drops with and without --force, expired rollups, two runs at once,
# tomorrow's partition gone and /health degraded, a long read transaction
# holding DETACH ... CONCURRENTLY while ingest goes on); key revoke and
# rotate against a running ingest program; axlogctl alerts for cron; the
# programs as plain CGI under lighttpd's mod_cgi and spawned by lighttpd
# itself (the bin-path variant of lighttpd/axlog.conf); make install's
# tree (and make uninstall); the shipped nginx, lighttpd and systemd
# files accepted by nginx -t, lighttpd -tt and systemd-analyze verify,
# and the two sites serving the API with this test's sockets.  TAP on
# stdout.
#
# Time budget: 90 s.  About 30 s on an idle 2-CPU machine, 60 s on a busy
# one: PostgreSQL's start, 60 partitions detached one by one, two 2 s
# lock_timeouts, make install, five web servers.  The elapsed time is
# printed as a TAP comment at the end.

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SECONDS=0
it_init
# shellcheck disable=SC2154 # exported by lib.sh
SRC=$top_srcdir BLD=$top_builddir
it_require nginx lighttpd
it_plan 109

for p in "$IT_HEALTH" "$IT_INGEST" "$IT_STATS" "$IT_AXLOGCTL"; do
	[ -x "$p" ] || it_bail "$p is not built (run make first)"
done

it_pg_start || it_bail "PostgreSQL did not start"
it_setup_db || it_bail "database setup failed"
it_spawn_all || it_bail "the programs did not start"
it_nginx_start || it_bail "nginx did not start"

NG=$IT_NGINX_URL
O=$IT_TMP/ops
mkdir -p "$O"
chmod 755 "$O"
JSON=(-H 'Content-Type: application/json')

# ---------------------------------------------------------------------------
# Local helpers
# ---------------------------------------------------------------------------

# ctl NAME ARGS...: axlogctl with the admin connection, never longer than
# 20 s; stdout in $O/NAME.out, stderr in $O/NAME.err, the exit status in
# CTL_RC.
ctl() {
	local name=$1
	shift
	it_env_run AXLOG_ADMIN_DATABASE_URL="$IT_ADMIN_URL" -- \
	    timeout 20 "$IT_AXLOGCTL" "$@" >"$O/$name.out" 2>"$O/$name.err"
	CTL_RC=$?
}

# ctl_show NAME: what a ctl run printed, as TAP comments.
ctl_show() {
	it_diag "exit status ${CTL_RC:-?}; stdout:"
	it_diag "$(cat "$O/$1.out")"
	it_diag "stderr:"
	it_diag "$(cat "$O/$1.err")"
}

# The partitions attached to axlog.logs, one name a line, in order.
partitions() {
	it_psql axlog -c "SELECT c.relname FROM pg_inherits i
	    JOIN pg_class c ON c.oid = i.inhrelid
	    WHERE i.inhparent = 'axlog.logs'::regclass ORDER BY 1"
}

# Daily tables of schema axlog that are no partition (any more).
orphans() {
	it_psql axlog -c "SELECT c.relname FROM pg_class c
	    JOIN pg_namespace n ON n.oid = c.relnamespace
	    WHERE n.nspname = 'axlog' AND c.relname ~ '^logs_[0-9]{8}$'
	    AND c.relkind = 'r' AND NOT c.relispartition ORDER BY 1"
}

# days FROM TO: the partition names of days FROM..TO relative to today
# (UTC), one a line.  (A run across midnight UTC sees the window move
# under it and fails; nothing else here depends on the clock.)
days() {
	seq -- "$1" "$2" | sed 's/$/ days/' | TZ=UTC date -f - +logs_%Y%m%d
}

# The "dropped partition" / "created partition" names a ctl run printed.
dropped() {
	sed -n 's/^dropped partition axlog\.//p' "$O/$1.out" | sort
}
created() {
	sed -n 's/^created partition axlog\.//p' "$O/$1.out" | sort
}

# lines TEXT: the number of lines of TEXT (0 when empty).
lines() {
	if [ -z "$1" ]; then
		echo 0
	else
		printf '%s\n' "$1" | wc -l | tr -d ' '
	fi
}

# post URL KEY [BODY]: one POST with KEY as a bearer token (one event
# by default).
post() {
	local body=${3:-}
	[ -n "$body" ] || body='{"event_type":"it.ops"}'
	it_http POST "$1" -H "Authorization: Bearer $2" "${JSON[@]}" \
	    --data-binary "$body"
}

# key_id FILE: the key id in axlogctl's "created ... key N" or
# "key N replaces key M" line.
key_id() {
	sed -n -e 's/^created [a-z]* key \([0-9][0-9]*\) .*/\1/p' \
	    -e 's/^key \([0-9][0-9]*\) replaces key .*/\1/p' "$1" | head -n 1
}

# descendants PID: the processes under PID (children, grandchildren...).
descendants() {
	ps -e -o pid=,ppid= | awk -v root="$1" '
		{ parent[$1] = $2 }
		END {
			for (p in parent) {
				q = parent[p]
				while (q != "" && q != 0 && q != root && (q in parent))
					q = parent[q]
				if (q == root)
					print p
			}
		}'
}

# commas WORDS: the words (pids) separated by commas, for ps -p.
commas() {
	echo "$1" | tr -s ' \n' ',,' | sed 's/^,//; s/,$//'
}

# lighttpd_run NAME CONF: lighttpd in the foreground (-D) of a background
# process with a clean environment, its stderr in $IT_TMP/logs/NAME.log;
# the EXIT trap stops it.  Sets LT_PID.
lighttpd_run() {
	local name=$1 conf=$2 lighttpd
	lighttpd=$(command -v lighttpd || echo /usr/sbin/lighttpd)
	( _it_env exec -- "$lighttpd" -D -f "$conf" \
	    </dev/null >>"$IT_TMP/logs/$name.log" 2>&1 ) &
	LT_PID=$!
	IT_PIDS+=("$LT_PID")
}

TOMORROW=$(days 1 1)

# ===========================================================================
# 1. axlogctl maintain (45 tests)
# ===========================================================================

# After setup: the retention window (90 days) and 7 days ahead.
P=$(partitions)
it_is "$(lines "$P")" 98 "after setup: 98 partitions (90 days back, today, 7 ahead)"
it_is "$P" "$(days -90 7)" "after setup: logs_$(days -90 -90 | cut -c6-) .. logs_$(days 7 7 | cut -c6-), no gap"

# Two older days appear with a longer retention...
ctl ret92 retention set 92
[ "$CTL_RC" = 0 ] && [ "$(created ret92)" = "$(days -92 -91)" ]
it_ok $? "retention set 92 creates exactly the two older partitions" || ctl_show ret92

# ...and maintain drops exactly those when it comes back to 90.
ctl ret90 retention set 90
it_is "$CTL_RC" 0 "retention set 90 exits 0" || ctl_show ret90
ctl m1 maintain
it_is "$CTL_RC" 0 "maintain exits 0" || ctl_show m1
it_is "$(dropped m1)" "$(days -92 -91)" "maintain drops exactly the two expired partitions" ||
	ctl_show m1
it_is "$(partitions)" "$(days -90 7)" "maintain leaves today-90 .. today+7"
ctl m2 maintain
[ "$CTL_RC" = 0 ] && [ -z "$(dropped m2)" ] && [ -z "$(created m2)" ]
it_ok $? "maintain again: exit 0, nothing dropped or created" || ctl_show m2

# Rollup rows of old days (as the superuser), expired once the retention
# is 30 days, and rows of 10 days ago that stay.
it_psql axlog >>"$IT_TMP/logs/setup-db.log" 2>&1 <<'EOF' || it_bail "could not insert rollup rows"
INSERT INTO axlog.rollup_hour (app_id, t, event_type, events, errors, last_at)
VALUES ('demo', date_trunc('hour', now() - interval '40 days', 'UTC'), 'it.old', 1, 0, now() - interval '40 days'),
       ('demo', date_trunc('hour', now() - interval '10 days', 'UTC'), 'it.kept', 1, 0, now() - interval '10 days');
INSERT INTO axlog.rollup_day (app_id, t, event_type, events, errors, last_at)
VALUES ('demo', date_trunc('day', now() - interval '40 days', 'UTC'), 'it.old', 1, 0, now() - interval '40 days'),
       ('demo', date_trunc('day', now() - interval '10 days', 'UTC'), 'it.kept', 1, 0, now() - interval '10 days');
EOF
rollups() {
	it_psql axlog -c "SELECT string_agg(x, ' ' ORDER BY x) FROM (
	    SELECT 'hour:' || event_type AS x FROM axlog.rollup_hour WHERE event_type LIKE 'it.%'
	    UNION ALL
	    SELECT 'day:' || event_type FROM axlog.rollup_day WHERE event_type LIKE 'it.%') s"
}

# A retention lowered to 30 days: 60 days to drop, more than maintain
# drops unforced.
ctl ret30 retention set 30
it_is "$CTL_RC" 0 "retention set 30 exits 0" || ctl_show ret30
ctl m3 maintain
[ "$CTL_RC" != 0 ] && [ "$CTL_RC" != 124 ]
it_ok $? "retention 30 days: maintain without --force fails (exit $CTL_RC)" || ctl_show m3
it_like "$(cat "$O/m3.err")" '--force' "retention 30 days: its message names --force" ||
	ctl_show m3
[ -z "$(dropped m3)" ] && [ "$(partitions)" = "$(days -90 7)" ]
it_ok $? "retention 30 days: maintain without --force dropped nothing (still 98)"
it_is "$(rollups)" "day:it.kept day:it.old hour:it.kept hour:it.old" \
    "retention 30 days: maintain without --force deleted no rollup row"

m4_t0=$(date +%s%N)
ctl m4 maintain --force
it_diag "maintain --force: $(( ($(date +%s%N) - m4_t0) / 1000000 )) ms"
it_is "$CTL_RC" 0 "maintain --force exits 0" || ctl_show m4
it_is "$(dropped m4)" "$(days -90 -31)" "maintain --force drops the 60 expired days, and only those" ||
	it_diag "dropped $(dropped m4 | wc -l) partitions"
P=$(partitions)
it_is "$P" "$(days -30 7)" "maintain --force leaves today-30 .. today+7 ($(lines "$P") partitions)"
it_is "$(rollups)" "day:it.kept hour:it.kept" "maintain --force deletes the expired rollup rows, keeps the others"
grep -q '^deleted [1-9][0-9]* expired rows of axlog.rollup_hour' "$O/m4.out" &&
	grep -q '^deleted [1-9][0-9]* expired rows of axlog.rollup_day' "$O/m4.out"
it_ok $? "maintain --force says which rollup rows it deleted" || ctl_show m4
it_is "$(orphans)" "" "no dropped day is left behind as a detached table"

# Two runs at once: both succeed, at most one does the work.
( it_env_run AXLOG_ADMIN_DATABASE_URL="$IT_ADMIN_URL" -- timeout 20 "$IT_AXLOGCTL" maintain \
    >"$O/c1.out" 2>"$O/c1.err"; echo $? >"$O/c1.rc" ) &
c1=$!
( it_env_run AXLOG_ADMIN_DATABASE_URL="$IT_ADMIN_URL" -- timeout 20 "$IT_AXLOGCTL" maintain \
    >"$O/c2.out" 2>"$O/c2.err"; echo $? >"$O/c2.rc" ) &
c2=$!
wait "$c1" "$c2"
it_is "$(cat "$O/c1.rc") $(cat "$O/c2.rc")" "0 0" "two maintain runs at once both exit 0" || {
	it_diag "$(cat "$O"/c1.out "$O"/c1.err "$O"/c2.out "$O"/c2.err)"
}
if grep -qh 'another maintain is running' "$O/c1.out" "$O/c2.out"; then
	it_diag "one of the two found the other running"
fi

# Tomorrow's partition gone: /health degraded, maintain brings it back.
it_psql axlog -c "ALTER TABLE axlog.logs DETACH PARTITION axlog.$TOMORROW" \
    -c "DROP TABLE axlog.$TOMORROW" >>"$IT_TMP/logs/setup-db.log" 2>&1 ||
	it_bail "could not drop $TOMORROW"
it_http GET "$NG/health"
it_is "$IT_HTTP_CODE" 200 "$TOMORROW missing: GET /health is 200"
it_is "$(it_json status)" degraded "$TOMORROW missing: status is degraded" ||
	it_diag "$IT_HTTP_BODY"
it_is "$(it_json checks.partitions.status)" degraded \
    "$TOMORROW missing: checks.partitions.status is degraded"
ctl m5 maintain
[ "$CTL_RC" = 0 ] && [ "$(created m5)" = "$TOMORROW" ]
it_ok $? "maintain recreates $TOMORROW (and only it)" || ctl_show m5
it_http GET "$NG/health"
[ "$IT_HTTP_CODE" = 200 ] && [ "$(it_json status)" = ok ] &&
    [ "$(it_json checks.partitions.status)" = ok ]
it_ok $? "after maintain: GET /health is 200 ok again" || it_diag "$IT_HTTP_CODE $IT_HTTP_BODY"

# The limit of unforced drops: 4 expired days are refused, 3 dropped.
ctl ret34 retention set 34
[ "$CTL_RC" = 0 ] && [ "$(created ret34)" = "$(days -34 -31)" ]
it_ok $? "retention set 34 creates today-34 .. today-31" || ctl_show ret34
ctl ret30b retention set 30
ctl m6 maintain
[ "$CTL_RC" = 1 ] && [ -z "$(dropped m6)" ] && [ "$(partitions)" = "$(days -34 7)" ]
it_ok $? "4 expired days: maintain without --force refuses and drops nothing" || ctl_show m6
ctl ret31 retention set 31
ctl m7 maintain
[ "$CTL_RC" = 0 ] && [ "$(dropped m7)" = "$(days -34 -32)" ]
it_ok $? "3 expired days: maintain without --force drops them" || ctl_show m7

# A long read transaction while maintain detaches a day: today-31,
# expired once the retention is 30 days again.
D31=$(days -31 -31)
ctl ret30c retention set 30
[ "$(partitions | head -n 1)" = "$D31" ]
it_ok $? "retention 30 again: $D31 is the one expired day" || ctl_show ret30c

# reader_start: the stats role counting all events, then sleeping inside
# its transaction (holding AccessShareLock on axlog.logs and every
# partition until it ends).  0 once it holds the lock.
reader_start() {
	local n
	{
		printf 'BEGIN;\nSELECT count(*) FROM axlog.logs;\nSELECT pg_sleep(20);\nCOMMIT;\n' |
			_it_env exec PGAPPNAME=axlog_it_reader -- "$IT_PGBIN/psql" -X -q \
			    -d "$IT_STATS_URL" >"$O/reader.out" 2>&1
	} &
	READER=$!
	IT_PIDS+=("$READER")
	for _ in $(seq 50); do
		n=$(it_psql axlog -c "SELECT count(*) FROM pg_locks l
		    JOIN pg_stat_activity a ON a.pid = l.pid
		    WHERE a.application_name = 'axlog_it_reader' AND l.granted
		    AND l.relation = 'axlog.logs'::regclass AND a.query LIKE '%pg_sleep%'")
		[ "$n" = 1 ] && return 0
		sleep 0.1
	done
	it_diag "$(cat "$O/reader.out")"
	return 1
}

# reader_stop: its backend ends, not just psql (pg_sleep does not notice
# a client gone).
reader_stop() {
	it_psql -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
	    WHERE application_name = 'axlog_it_reader'" >/dev/null
	it_stop_pid "$READER"
}

# The day's detach state: t (pending), f (attached) or nothing.
detach_pending() {
	it_psql axlog -c "SELECT i.inhdetachpending FROM pg_inherits i
	    JOIN pg_class c ON c.oid = i.inhrelid WHERE c.relname = '$1'"
}

reader_start
it_ok $? "a read transaction holds axlog.logs (pg_sleep(20))"

# maintain_under_load NAME WHAT: maintain in the background, POST /ingest
# every 0.2 s while it runs (4 tests).
maintain_under_load() {
	local name=$1 what=$2 pid t0 ms codes="" max_ms=0 n=0 pending
	t0=$(date +%s%N)
	( it_env_run AXLOG_ADMIN_DATABASE_URL="$IT_ADMIN_URL" -- timeout 20 "$IT_AXLOGCTL" maintain \
	    >"$O/$name.out" 2>"$O/$name.err"; echo $? >"$O/$name.rc" ) &
	pid=$!
	sleep 0.2
	while [ "$n" -lt 1 ] || { it_alive "$pid" && [ "$n" -lt 20 ]; }; do
		post "$NG/ingest" "$IT_INGEST_KEY"
		codes="$codes $IT_HTTP_CODE"
		[ "$IT_HTTP_MS" -gt "$max_ms" ] && max_ms=$IT_HTTP_MS
		n=$((n + 1))
		sleep 0.2
	done
	wait "$pid"
	ms=$(( ($(date +%s%N) - t0) / 1000000 ))
	CTL_RC=$(cat "$O/$name.rc")
	[ -z "${codes// 200/}" ]
	it_ok $? "$what: the $n POST /ingest sent meanwhile all answered 200 ($codes )"
	it_lt "$max_ms" 1000 "$what: each POST /ingest answered within 1 s (slowest ${max_ms} ms)"
	it_lt "$ms" 10000 "$what: maintain ends within 10 s (${ms} ms)"
	{ [ "$CTL_RC" = 0 ] || { [ "$CTL_RC" = 1 ] && grep -q 'lock timeout' "$O/$name.err"; }; }
	it_ok $? "$what: maintain completes or fails on lock_timeout (exit $CTL_RC)" ||
		ctl_show "$name"
	pending=$(detach_pending "$D31")
	it_diag "$what: maintain exit $CTL_RC in ${ms} ms; $D31 detach pending: ${pending:-(no longer attached)}"
	[ -s "$O/$name.err" ] && it_diag "$(cat "$O/$name.err")"
	PENDING=$pending
}

maintain_under_load m8 "long reader"
# Once more while the reader still runs: the FINALIZE of a pending
# detach waits for the same reader, and gives up the same way.
maintain_under_load m9 "long reader, maintain again"

# The reader ends; the next maintain finishes the job.
reader_stop
ctl m10 maintain
want=""
[ -n "$PENDING" ] && want=$D31
fin=""
[ "$PENDING" = t ] && fin=" (FINALIZE of the pending detach)"
it_is "$CTL_RC" 0 "after the reader: maintain exits 0$fin" ||
	ctl_show m10
it_is "$(dropped m10)" "$want" "after the reader: maintain drops ${want:-nothing more}" || ctl_show m10
P=$(partitions)
[ "$P" = "$(days -30 7)" ] && [ -z "$(orphans)" ]
it_ok $? "after the reader: today-30 .. today+7 attached, $D31 gone for good" || {
	it_diag "attached: $(echo "$P" | head -n 2 | tr '\n' ' ')..."
	it_diag "detached tables: $(orphans | tr '\n' ' ')"
}
it_http GET "$NG/health"
it_is "$(it_json status)" ok "after the reader: GET /health is ok" || it_diag "$IT_HTTP_BODY"

# A detach cut short (as above), then the retention raised before the
# next run: the day is inside the window again, and maintain must leave
# it usable, not pending a detach that no later run finishes (only one
# partition may be pending at a time, so that one would also block every
# later DETACH ... CONCURRENTLY).
ctl ret31b retention set 31
ctl ret30d retention set 30
reader_start || it_diag "no reader"
ctl m11 maintain
m11_rc=$CTL_RC
before=$(detach_pending "$D31")
reader_stop
ctl ret31c retention set 31
ctl m12 maintain
if [ "$before" = t ]; then
	left=$(it_psql axlog -c "SELECT string_agg(c.relname, ' ') FROM pg_inherits i
	    JOIN pg_class c ON c.oid = i.inhrelid
	    WHERE i.inhparent = 'axlog.logs'::regclass AND i.inhdetachpending")
	[ "$CTL_RC" = 0 ] && [ -z "$left" ]
	it_ok $? "retention raised over a pending detach: maintain leaves no partition pending a detach" || {
		it_diag "maintain: exit $CTL_RC, $(tr '\n' ' ' <"$O/m12.out"); still pending: $left"
	}
	post "$NG/ingest" "$IT_INGEST_KEY" \
	    "{\"event_type\":\"it.d31\",\"created_at\":\"$(TZ=UTC date -d '-31 days' +%F)T23:59:00Z\"}"
	it_is "$IT_HTTP_CODE" 200 "retention raised over a pending detach: an event of $D31 is stored" ||
		it_diag "$IT_HTTP_BODY"
	# A day later, in effect: an older day expires.
	D32=$(days -32 -32)
	ctl ret32 retention set 32
	ctl ret31d retention set 31
	ctl m13 maintain
	[ "$CTL_RC" = 0 ] && [ "$(dropped m13)" = "$D32" ]
	it_ok $? "retention raised over a pending detach: a day that expires later is dropped ($D32)" ||
		ctl_show m13
else
	it_diag "maintain with a reader: exit $m11_rc, $D31 detach state '${before}'"
	it_skip "retention raised over a pending detach: maintain leaves no partition pending a detach" \
	    "the detach was not cut short"
	it_skip "retention raised over a pending detach: an event of $D31 is stored" \
	    "the detach was not cut short"
	it_skip "retention raised over a pending detach: a day that expires later is dropped" \
	    "the detach was not cut short"
fi
ctl ret30e retention set 30

# ===========================================================================
# 2. Keys against the running ingest and stats programs (19 tests)
# ===========================================================================

K1=$(it_ctl key create --app demo --scope ingest --description "revoke me" 2>"$O/k1.err")
K1_ID=$(key_id "$O/k1.err")
post "$NG/ingest" "$K1"
it_is "$IT_HTTP_CODE" 200 "key $K1_ID: POST /ingest is 200" || it_diag "$IT_HTTP_BODY"
ctl rev key revoke "$K1_ID"
[ "$CTL_RC" = 0 ] && grep -q "^revoked key $K1_ID\$" "$O/rev.out"
it_ok $? "key revoke $K1_ID exits 0 and says so" || ctl_show rev
post "$NG/ingest" "$K1"
it_is "$IT_HTTP_CODE" 401 "revoked key $K1_ID: the very next POST /ingest is 401" || {
	it_diag "$IT_HTTP_BODY"
	it_http_until 401 5 POST "$NG/ingest" -H "Authorization: Bearer $K1" "${JSON[@]}" \
	    --data-binary '{"event_type":"it.ops"}'
	it_diag "401 within 5 s: $IT_HTTP_CODE"
}
ctl rev2 key revoke "$K1_ID"
it_is "$CTL_RC" 1 "key revoke of a revoked key exits 1" || ctl_show rev2

K2=$(it_ctl key create --app demo --scope ingest --description "rotate now" 2>"$O/k2.err")
K2_ID=$(key_id "$O/k2.err")
ctl rot0 key rotate "$K2_ID" --grace 0
K3=$(cat "$O/rot0.out")
K3_ID=$(key_id "$O/rot0.err")
[ "$CTL_RC" = 0 ] && [[ $K3 =~ ^axk_[A-Za-z0-9_-]{43}$ ]] && [ -n "$K3_ID" ]
it_ok $? "key rotate $K2_ID --grace 0 prints a new token (key $K3_ID)" || ctl_show rot0
post "$NG/ingest" "$K2"
it_is "$IT_HTTP_CODE" 401 "rotated with --grace 0: the old token is 401" || it_diag "$IT_HTTP_BODY"
post "$NG/ingest" "$K3"
it_is "$IT_HTTP_CODE" 200 "rotated with --grace 0: the new token is 200" || it_diag "$IT_HTTP_BODY"

ctl rot1 key rotate "$K3_ID" --grace 1h
K4=$(cat "$O/rot1.out")
K4_ID=$(key_id "$O/rot1.err")
[ "$CTL_RC" = 0 ] && [[ $K4 =~ ^axk_ ]] && [ -n "$K4_ID" ]
it_ok $? "key rotate $K3_ID --grace 1h prints a new token (key $K4_ID)" || ctl_show rot1
post "$NG/ingest" "$K3"
it_is "$IT_HTTP_CODE" 200 "rotated with --grace 1h: the old token is still 200" || it_diag "$IT_HTTP_BODY"
post "$NG/ingest" "$K4"
it_is "$IT_HTTP_CODE" 200 "rotated with --grace 1h: the new token is 200" || it_diag "$IT_HTTP_BODY"

ctl klist key list
state() {
	awk -F'\t' -v id="$1" '$1 == id { print $6 }' "$O/klist.out"
}
it_is "$(state "$K1_ID")" revoked "key list: key $K1_ID is revoked" || ctl_show klist
it_is "$(state "$K2_ID")" expired "key list: key $K2_ID (rotated, grace 0) is expired"
it_like "$(state "$K3_ID")" '^expires [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$' \
    "key list: key $K3_ID (rotated, grace 1h) expires at a time"
it_is "$(state "$K4_ID")" active "key list: key $K4_ID (the newest) is active"
ctl rot2 key rotate "$K1_ID"
it_is "$CTL_RC" 1 "key rotate of the revoked key $K1_ID exits 1" || ctl_show rot2

# A read key, against the running stats program.
R1=$(it_ctl key create --scope read --description "dashboard" 2>"$O/r1.err")
R1_ID=$(key_id "$O/r1.err")
it_http GET "$NG/stats" -H "Authorization: Bearer $R1"
it_is "$IT_HTTP_CODE" 200 "read key $R1_ID: GET /stats is 200" || it_diag "$IT_HTTP_BODY"
ctl rotr key rotate "$R1_ID" --grace 0
R2=$(cat "$O/rotr.out")
R2_ID=$(key_id "$O/rotr.err")
it_http GET "$NG/stats" -H "Authorization: Bearer $R1"
it_is "$IT_HTTP_CODE" 401 "read key rotated with --grace 0: the old token is 401 on /stats" ||
	{ it_diag "$IT_HTTP_BODY"; ctl_show rotr; }
it_http GET "$NG/stats" -H "Authorization: Bearer $R2"
it_is "$IT_HTTP_CODE" 200 "read key rotated: the new token (key $R2_ID) is 200 on /stats" ||
	it_diag "$IT_HTTP_BODY"
ctl revr key revoke "$R2_ID"
it_http GET "$NG/stats" -H "Authorization: Bearer $R2"
it_is "$IT_HTTP_CODE" 401 "read key $R2_ID revoked: the next GET /stats is 401" || it_diag "$IT_HTTP_BODY"

# ===========================================================================
# 3. axlogctl alerts (5 tests)
# ===========================================================================

ctl al0 alerts
[ "$CTL_RC" = 0 ] && [ ! -s "$O/al0.out" ] && [ ! -s "$O/al0.err" ]
it_ok $? "alerts with nothing wrong: exit 0, no output" || ctl_show al0

it_ctl app add noisy --kind heavy --description "alerting app" >>"$IT_TMP/logs/setup-db.log" 2>&1 ||
	it_bail "app add noisy failed"
NOISY_KEY=$(it_ctl key create --app noisy --scope ingest 2>>"$IT_TMP/logs/setup-db.log")
# 20 events this hour, 4 of them failed: 20 % > 5 %.
batch=$("$IT_PYTHON" -c 'import json
print(json.dumps([{"event_type": "job.run", "success": i >= 4} for i in range(20)]))')
post "$NG/ingest" "$NOISY_KEY" "$batch"
it_is "$IT_HTTP_CODE $(it_json accepted)" "200 20" "20 events of app noisy, 4 failed, accepted" ||
	it_diag "$IT_HTTP_BODY"
ctl al1 alerts
it_is "$CTL_RC" 3 "alerts with an error rate of 20 %: exit 3" || ctl_show al1
it_is "$(wc -l <"$O/al1.out" | tr -d ' ')" 1 "alerts: one line" || ctl_show al1
it_like "$(head -n 1 "$O/al1.out")" $'^error_rate\tnoisy \\(heavy\\)\t' "alerts: the line names error_rate and the app" ||
	ctl_show al1

# ===========================================================================
# 4. Plain CGI under lighttpd's mod_cgi (7 tests)
# ===========================================================================

# Through PgBouncer (IT_PGBOUNCER=1) the programs lighttpd starts need
# the setting it_spawn gives the others.
POOLER_ENV=""
if [ "${IT_PGBOUNCER:-0}" = 1 ]; then
	POOLER_ENV='
	"AXLOG_PREPARED_STATEMENTS" => "off",'
fi
L=$IT_TMP/lt-cgi
mkdir -p "$L/root/cgi-bin" "$L/tmp"
for p in "$IT_HEALTH" "$IT_INGEST" "$IT_STATS"; do
	install -m 0755 "$p" "$L/root/cgi-bin/${p##*/}"
done
LT_CGI_PORT=$(it_free_port) || it_bail "no free port"
cat >"$L/lighttpd.conf" <<EOF
server.modules = ( "mod_cgi", "mod_setenv" )
server.bind = "127.0.0.1"
server.port = $LT_CGI_PORT
server.document-root = "$L/root"
server.errorlog = "$IT_TMP/logs/lighttpd-cgi-error.log"
server.upload-dirs = ( "$L/tmp" )
server.stream-request-body = 0
setenv.add-environment = (
	"AXLOG_DATABASE_URL" => "$IT_INGEST_URL",
	"AXLOG_STATS_DATABASE_URL" => "$IT_STATS_URL",$POOLER_ENV
)
\$HTTP["url"] =~ "^/cgi-bin/" {
	cgi.assign = ( "" => "" )
}
EOF
lighttpd_run lighttpd-cgi "$L/lighttpd.conf"
it_wait_port "$LT_CGI_PORT" || it_diag "lighttpd (mod_cgi) not listening: $(cat "$IT_TMP"/logs/lighttpd-cgi*.log)"
LC=http://127.0.0.1:$LT_CGI_PORT/cgi-bin

it_http GET "$LC/axlog-health"
it_is "$IT_HTTP_CODE" 200 "CGI: GET /cgi-bin/axlog-health is 200" || it_diag "$IT_HTTP_BODY"
it_is "$(it_json status)" ok "CGI: GET /cgi-bin/axlog-health status is ok" || it_diag "$IT_HTTP_BODY"
it_http GET "$LC/axlog-health/live"
it_is "$IT_HTTP_CODE" 200 "CGI: GET /cgi-bin/axlog-health/live is 200" || it_diag "$IT_HTTP_BODY"
it_http GET "$LC/axlog-health/db"
it_is "$IT_HTTP_CODE" 200 "CGI: GET /cgi-bin/axlog-health/db is 200" || it_diag "$IT_HTTP_BODY"
post "$LC/axlog-ingest" "$IT_INGEST_KEY" '{"event_type":"it.cgi"}'
it_is "$IT_HTTP_CODE $(it_json accepted)" "200 1" "CGI: POST /cgi-bin/axlog-ingest is 200, accepted 1" ||
	it_diag "$IT_HTTP_BODY"
it_http GET "$LC/axlog-stats" -H "Authorization: Bearer $IT_READ_KEY"
it_is "$IT_HTTP_CODE" 200 "CGI: GET /cgi-bin/axlog-stats with the read key is 200" || it_diag "$IT_HTTP_BODY"
it_http GET "$LC/axlog-stats"
it_is "$IT_HTTP_CODE" 401 "CGI: GET /cgi-bin/axlog-stats without a key is 401" || it_diag "$IT_HTTP_BODY"
it_stop_pid "$LT_PID"

# ===========================================================================
# 5. lighttpd spawns the programs itself: the bin-path variant of
#    lighttpd/axlog.conf, uncommented, with this test's paths (6 tests)
# ===========================================================================

B=$IT_TMP/lt-bin
mkdir -p "$B/run" "$B/root" "$B/tmp"
awk '/^# Variant: lighttpd starts the programs itself/ { v = 1 }
	v && /^# fastcgi\.server = \(/ { p = 1 }
	p { sub(/^# ?/, ""); print }
	p && /^\)$/ { exit }' "$SRC/lighttpd/axlog.conf" |
	sed -e "s|/usr/local/bin/|$BLD/cgi-bin/|" \
	    -e "s|/run/lighttpd/|$B/run/|" \
	    -e "s|postgresql://axlog_ingest@/axlog?host=/run/postgresql|$IT_INGEST_URL|" \
	    -e "s|postgresql://axlog_stats@/axlog?host=/run/postgresql|$IT_STATS_URL|" \
	    -e 's|\("max-procs"[[:space:]]*=>[[:space:]]*\)[0-9]*|\11|' |
	if [ -n "$POOLER_ENV" ]; then
		sed '/"AXLOG_[A-Z_]*DATABASE_URL" =>/a\
			"AXLOG_PREPARED_STATEMENTS" => "off",'
	else
		cat
	fi >"$B/fastcgi.conf"
[ "$(grep -c '"bin-path"' "$B/fastcgi.conf")" = 3 ] &&
	[ "$(grep -c '"bin-environment"' "$B/fastcgi.conf")" = 3 ] &&
	! grep -q '/run/postgresql\|/usr/local' "$B/fastcgi.conf"
it_ok $? "lighttpd/axlog.conf has the bin-path variant for the three programs" ||
	it_diag "$(cat "$B/fastcgi.conf")"
LT_BIN_PORT=$(it_free_port) || it_bail "no free port"
cat >"$B/lighttpd.conf" <<EOF
server.modules = ( "mod_fastcgi" )
server.bind = "127.0.0.1"
server.port = $LT_BIN_PORT
server.document-root = "$B/root"
server.errorlog = "$IT_TMP/logs/lighttpd-bin-error.log"
server.upload-dirs = ( "$B/tmp" )
server.stream-request-body = 0
include "$B/fastcgi.conf"
EOF
lighttpd_run lighttpd-bin "$B/lighttpd.conf"
it_wait_port "$LT_BIN_PORT" || it_diag "lighttpd (bin-path) not listening: $(cat "$IT_TMP"/logs/lighttpd-bin*.log)"
LB=http://127.0.0.1:$LT_BIN_PORT

it_http_until 200 5 GET "$LB/health"
[ "$IT_HTTP_CODE" = 200 ] && [ "$(it_json status)" = ok ]
it_ok $? "bin-path: GET /health is 200 ok" || it_diag "$IT_HTTP_CODE $IT_HTTP_BODY"
post "$LB/ingest" "$IT_INGEST_KEY" '{"event_type":"it.binpath"}'
it_is "$IT_HTTP_CODE $(it_json accepted)" "200 1" "bin-path: POST /ingest is 200, accepted 1" ||
	it_diag "$IT_HTTP_BODY"
it_http GET "$LB/stats" -H "Authorization: Bearer $IT_READ_KEY"
it_is "$IT_HTTP_CODE" 200 "bin-path: GET /stats with the read key is 200" || it_diag "$IT_HTTP_BODY"

# lighttpd started one process per program (each may fork its workers),
# and they all end with lighttpd.
KIDS=$(descendants "$LT_PID")
nprog=0
for pid in $KIDS; do
	case $(ps -o args= -p "$pid" 2>/dev/null) in
	"$BLD"/cgi-bin/axlog-*) nprog=$((nprog + 1)) ;;
	esac
done
[ "$nprog" -ge 3 ]
it_ok $? "bin-path: lighttpd runs the three programs ($nprog processes)" ||
	it_diag "$(ps -o pid,ppid,args -p "$(commas "$KIDS")" 2>/dev/null)"
it_stop_pid "$LT_PID"
left=""
for _ in $(seq 30); do
	left=""
	for pid in $KIDS; do
		it_alive "$pid" && left="$left $pid"
	done
	[ -z "$left" ] && break
	sleep 0.1
done
it_is "$left" "" "bin-path: the programs end when lighttpd stops" || {
	it_diag "$(ps -o pid,ppid,stat,args -p "$(commas "$left")")"
	for pid in $left; do
		it_stop_pid "$pid"
	done
}

# ===========================================================================
# 6. make install DESTDIR=... (10 tests)
# ===========================================================================

INST=$IT_TMP/inst
prefix=$(sed -n 's/^prefix = //p' "$BLD/Makefile")
[ -n "$prefix" ] || prefix=/usr/local
install_ok() {
	make -s -C "$BLD" install DESTDIR="$INST" >"$IT_TMP/logs/install.out" 2>&1
}
if ! install_ok; then
	# Another edit in progress in the tree: once more.
	sleep 5
	install_ok
fi
it_ok $? "make install DESTDIR=... exits 0" || it_diag "$(tail -n 20 "$IT_TMP/logs/install.out")"

R=$INST$prefix
have() {
	local f missing=""
	for f in "$@"; do
		[ -f "$R/$f" ] || missing="$missing $f"
	done
	[ -z "$missing" ] || { it_diag "missing under $R:$missing"; return 1; }
}
have bin/axlog-ingest bin/axlog-stats bin/axlog-health bin/axlogctl &&
	[ -x "$R/bin/axlog-ingest" ] && [ -x "$R/bin/axlog-stats" ] &&
	[ -x "$R/bin/axlog-health" ] && [ -x "$R/bin/axlogctl" ]
it_ok $? "installed: $prefix/bin/axlog-ingest, axlog-stats, axlog-health, axlogctl"

sqlok=0
MIGRATIONS=("$SRC"/sql/*.sql)
[ -f "${MIGRATIONS[0]}" ] || sqlok=1
for f in "${MIGRATIONS[@]}"; do
	cmp -s "$f" "$R/share/axlog/sql/${f##*/}" || { sqlok=1; it_diag "not installed as is: sql/${f##*/}"; }
done
it_ok "$sqlok" "installed: share/axlog/sql/ holds the migrations as shipped"

have share/axlog/examples/ingest.env.example share/axlog/examples/stats.env.example \
    share/axlog/examples/health.env.example share/axlog/examples/axlogctl.env.example \
    share/axlog/examples/notify.conf.example
it_ok $? "installed: share/axlog/examples/{ingest,stats,health,axlogctl}.env.example, notify.conf.example"

cmp -s "$SRC/nginx/axlog.conf" "$R/share/axlog/nginx/axlog.conf" &&
	cmp -s "$SRC/lighttpd/axlog.conf" "$R/share/axlog/lighttpd/axlog.conf"
it_ok $? "installed: share/axlog/nginx/axlog.conf and share/axlog/lighttpd/axlog.conf, as shipped"

U=lib/systemd/system
have "$U/axlog@.socket" "$U/axlog@.service" "$U/axlog-maintain.service" "$U/axlog-maintain.timer" \
    "$U/axlog-notify.service" "$U/axlog-notify.timer"
it_ok $? "installed: $U/axlog@.socket, axlog@.service, axlog-maintain.service, axlog-maintain.timer, axlog-notify.service, axlog-notify.timer"
it_is "$(grep '^ExecStart=' "$R/$U/axlog@.service" 2>/dev/null)" "ExecStart=$prefix/bin/axlog-%i" \
    "installed axlog@.service starts $prefix/bin/axlog-%i"
it_is "$(grep '^ExecStart=' "$R/$U/axlog-maintain.service" 2>/dev/null)" "ExecStart=$prefix/bin/axlogctl maintain" \
    "installed axlog-maintain.service starts $prefix/bin/axlogctl maintain"

have share/man/man8/axlog-ingest.8 share/man/man8/axlog-stats.8 \
    share/man/man8/axlog-health.8 share/man/man8/axlogctl.8
it_ok $? "installed: share/man/man8/axlog-ingest.8, axlog-stats.8, axlog-health.8, axlogctl.8"

# Whatever else the tree installs (the dashboard, senders...) goes under
# the same few directories, and no template or build product goes along.
STRAY=$(cd "$INST" && find . ! -type d | sed "s|^\./${prefix#/}/||; s|^\./|/|" |
	grep -Ev "^(bin/[^/]+|$U/[^/]+|share/axlog/.+|share/man/man[1-8]/[^/]+\.[1-8])\$" ;
	cd "$INST" && find . ! -type d \( -name '*.in' -o -name '*.o' -o -name '*.a' -o -name '*~' \))
it_is "$STRAY" "" "make install puts nothing elsewhere, and no template or object file"

# ===========================================================================
# 7. The shipped configs are accepted (5 tests)
# ===========================================================================

# A throwaway certificate for the TLS lines.
C=$IT_TMP/cert
mkdir -p "$C"
if command -v openssl >/dev/null 2>&1 &&
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=logs.example.com \
    -keyout "$C/privkey.pem" -out "$C/fullchain.pem" >"$IT_TMP/logs/openssl.out" 2>&1; then
	have_cert=1
else
	have_cert=0
fi

# nginx: the site inside a minimal http {} of our own, its paths in the
# temporary directory (-p, -e: nothing of /etc or /var is written).
N=$IT_TMP/nginx-t
mkdir -p "$N/conf" "$N/logs" "$N/tmp"
if [ "$have_cert" = 1 ]; then
	cp /etc/nginx/fastcgi_params "$N/conf/" 2>/dev/null ||
		: >"$N/conf/fastcgi_params"
	sed -e "s|/etc/letsencrypt/live/logs.example.com/|$C/|g" \
	    -e "s|/var/log/nginx/|$N/logs/|g" \
	    "$SRC/nginx/axlog.conf" >"$N/conf/axlog.conf"
	cat >"$N/conf/nginx.conf" <<EOF
pid $N/nginx.pid;
error_log $N/logs/error.log;
events {
}
http {
	client_body_temp_path	$N/tmp/body;
	fastcgi_temp_path	$N/tmp/fastcgi;
	proxy_temp_path		$N/tmp/proxy;
	scgi_temp_path		$N/tmp/scgi;
	uwsgi_temp_path		$N/tmp/uwsgi;
	include axlog.conf;
}
EOF
	nginx=$(command -v nginx || echo /usr/sbin/nginx)
	"$nginx" -t -q -p "$N/" -e "$N/logs/error.log" -c "$N/conf/nginx.conf" >"$N/t.out" 2>&1
	it_ok $? "nginx -t accepts nginx/axlog.conf" || it_diag "$(cat "$N/t.out")"
else
	it_skip "nginx -t accepts nginx/axlog.conf" "no openssl for a certificate"
fi

# lighttpd: the snippet included from a minimal configuration, then the
# same with its commented TLS block enabled.
T=$IT_TMP/lighttpd-t
mkdir -p "$T/root"
cat >"$T/lighttpd.conf" <<EOF
server.document-root = "$T/root"
server.bind = "127.0.0.1"
server.port = $(it_free_port)
server.errorlog = "$T/error.log"
include "$SRC/lighttpd/axlog.conf"
EOF
lighttpd=$(command -v lighttpd || echo /usr/sbin/lighttpd)
"$lighttpd" -tt -f "$T/lighttpd.conf" >"$T/tt.out" 2>&1
it_ok $? "lighttpd -tt accepts lighttpd/axlog.conf" || it_diag "$(cat "$T/tt.out" "$T/error.log" 2>/dev/null)"

if [ "$have_cert" = 1 ]; then
	awk '/^# server\.modules \+= \( "mod_openssl" \)/ { p = 1 }
		p && /^# Variant/ { exit }
		p && /^#$/ { next }
		p { sub(/^# ?/, ""); print }' "$SRC/lighttpd/axlog.conf" |
		sed -e "s|/etc/letsencrypt/live/logs.example.com/|$C/|g" \
		    -e "s|\":443\"|\"127.0.0.1:$(it_free_port)\"|" >"$T/tls.conf"
	sed "s|^include .*|&\ninclude \"$T/tls.conf\"|" "$T/lighttpd.conf" >"$T/lighttpd-tls.conf"
	grep -q 'ssl.engine' "$T/tls.conf" &&
		"$lighttpd" -tt -f "$T/lighttpd-tls.conf" >"$T/tt-tls.out" 2>&1
	it_ok $? "lighttpd -tt accepts lighttpd/axlog.conf with its TLS block enabled" ||
		it_diag "$(cat "$T/tls.conf" "$T/tt-tls.out" 2>/dev/null)"
else
	it_skip "lighttpd -tt accepts lighttpd/axlog.conf with its TLS block enabled" "no openssl"
fi

# systemd: the installed units, one instance per program, ExecStart
# pointing into the DESTDIR tree (verify wants the binaries to exist).
if command -v systemd-analyze >/dev/null 2>&1 && [ -f "$R/$U/axlog@.service" ]; then
	V=$IT_TMP/units
	mkdir -p "$V"
	units=()
	for i in ingest stats health; do
		sed "s|^ExecStart=$prefix/bin/|ExecStart=$R/bin/|" "$R/$U/axlog@.service" >"$V/axlog@$i.service"
		cp "$R/$U/axlog@.socket" "$V/axlog@$i.socket"
		units+=("$V/axlog@$i.socket" "$V/axlog@$i.service")
	done
	sed "s|^ExecStart=$prefix/bin/|ExecStart=$R/bin/|" "$R/$U/axlog-maintain.service" >"$V/axlog-maintain.service"
	cp "$R/$U/axlog-maintain.timer" "$V/"
	units+=("$V/axlog-maintain.service" "$V/axlog-maintain.timer")
	sed "s|^ExecStart=$prefix/bin/|ExecStart=$R/bin/|" "$R/$U/axlog-notify.service" >"$V/axlog-notify.service"
	cp "$R/$U/axlog-notify.timer" "$V/"
	units+=("$V/axlog-notify.service" "$V/axlog-notify.timer")
	systemd-analyze verify --man=no "${units[@]}" >"$V/verify.out" 2>&1
	it_ok $? "systemd-analyze verify accepts the installed units" || it_diag "$(cat "$V/verify.out")"
	[ -s "$V/verify.out" ] && it_diag "$(cat "$V/verify.out")"
else
	it_skip "systemd-analyze verify accepts the installed units" "no systemd-analyze or no installed units"
fi

# lighttpd: installed as the README says, on Debian's own lighttpd.conf
# (a copy of /etc/lighttpd with its paths moved into the temporary
# directory): conf-available/50-axlog.conf, enabled, then lighttpd -tt.
if [ -f /etc/lighttpd/lighttpd.conf ] && [ -d /etc/lighttpd/conf-enabled ]; then
	DL=$IT_TMP/etc-lighttpd
	cp -R /etc/lighttpd "$DL"
	cp "$SRC/lighttpd/axlog.conf" "$DL/conf-available/50-axlog.conf"
	ln -sf ../conf-available/50-axlog.conf "$DL/conf-enabled/50-axlog.conf"
	sed -i -e "s|\"/etc/lighttpd/|\"$DL/|g" \
	    -e "s|^\(server.errorlog[[:space:]]*=\).*|\1 \"$DL/error.log\"|" \
	    -e "s|^\(server.pid-file[[:space:]]*=\).*|\1 \"$DL/lighttpd.pid\"|" \
	    -e "s|^\(server.upload-dirs[[:space:]]*=\).*|\1 ( \"$DL\" )|" \
	    -e "s|^\(server.port[[:space:]]*=\).*|\1 $(it_free_port)|" "$DL/lighttpd.conf"
	"$lighttpd" -tt -f "$DL/lighttpd.conf" >"$DL/tt.out" 2>&1 &&
		"$lighttpd" -p -f "$DL/lighttpd.conf" 2>&1 | grep -q '"logs.example.com"'
	it_ok $? "lighttpd -tt accepts Debian's lighttpd.conf with conf-enabled/50-axlog.conf" ||
		it_diag "$(cat "$DL/tt.out")"
else
	it_skip "lighttpd -tt accepts Debian's lighttpd.conf with conf-enabled/50-axlog.conf" \
	    "no /etc/lighttpd/conf-enabled"
fi

# ===========================================================================
# 7b. The shipped sites serve, with this test's sockets, ports and
#     certificate; make uninstall (11 tests)
# ===========================================================================

"$IT_PYTHON" -c 'import json
print(json.dumps([{"event_type": "it.big", "message": "m" * 500} for i in range(400)]))' >"$O/big.json"

# nginx/axlog.conf: HTTPS on one port, the redirecting plain HTTP on another.
NS=$IT_TMP/nginx-site
mkdir -p "$NS/conf" "$NS/logs" "$NS/tmp"
chmod 755 "$NS" "$NS/tmp"
NS_HTTP=$(it_free_port) || it_bail "no free port"
NS_HTTPS=$(it_free_port) || it_bail "no free port"
if [ "$have_cert" = 1 ]; then
	cp "$N/conf/fastcgi_params" "$NS/conf/"
	sed -e "s|/etc/letsencrypt/live/logs.example.com/|$C/|g" \
	    -e "s|/var/log/nginx/|$NS/logs/|g" \
	    -e "s|listen 80;|listen 127.0.0.1:$NS_HTTP;|" \
	    -e "s|listen 443 ssl http2;|listen 127.0.0.1:$NS_HTTPS ssl http2;|" \
	    -e '/listen \[::\]:/d' \
	    -e "s|unix:/run/axlog/|unix:$IT_RUN/|" \
	    -e "s|/usr/share/axlog/web|$(it_webroot)|" \
	    "$SRC/nginx/axlog.conf" >"$NS/conf/axlog.conf"
	user="user nobody $(id -gn nobody 2>/dev/null || echo nogroup);"
	[ "$(id -u)" -eq 0 ] || user=""
	cat >"$NS/conf/nginx.conf" <<EOF
$user
pid $NS/nginx.pid;
error_log $NS/logs/error.log;
events {
}
http {
	client_body_temp_path	$NS/tmp/body;
	fastcgi_temp_path	$NS/tmp/fastcgi;
	proxy_temp_path		$NS/tmp/proxy;
	scgi_temp_path		$NS/tmp/scgi;
	uwsgi_temp_path		$NS/tmp/uwsgi;
	include axlog.conf;
}
EOF
	( _it_env exec -- "$nginx" -p "$NS/" -e "$NS/logs/error.log" -c "$NS/conf/nginx.conf" \
	    -g 'daemon off;' </dev/null >>"$IT_TMP/logs/nginx-site.log" 2>&1 ) &
	NS_PID=$!
	IT_PIDS+=("$NS_PID")
	it_wait_port "$NS_HTTPS" || it_diag "nginx (shipped site) not listening: $(cat "$IT_TMP/logs/nginx-site.log")"
	RES=(-k --resolve "logs.example.com:$NS_HTTPS:127.0.0.1" --resolve "logs.example.com:$NS_HTTP:127.0.0.1")
	NSU=https://logs.example.com:$NS_HTTPS

	it_http GET "$NSU/health" "${RES[@]}"
	[ "$IT_HTTP_CODE" = 200 ] && [ "$(it_json status)" = ok ]
	it_ok $? "nginx/axlog.conf: GET https://.../health is 200 ok" || it_diag "$IT_HTTP_CODE $IT_HTTP_BODY"
	it_http POST "$NSU/ingest" "${RES[@]}" -H "Authorization: Bearer $IT_INGEST_KEY" "${JSON[@]}" \
	    --data-binary "@$O/big.json"
	it_is "$IT_HTTP_CODE $(it_json accepted)" "200 400" \
	    "nginx/axlog.conf: POST /ingest of 400 events (210 KB) is 200" || it_diag "$IT_HTTP_BODY"
	it_http GET "$NSU/stats" "${RES[@]}" -H "Authorization: Bearer $IT_READ_KEY"
	it_is "$IT_HTTP_CODE" 200 "nginx/axlog.conf: GET /stats with the read key is 200" || it_diag "$IT_HTTP_BODY"
	it_http POST "$NSU/stats" "${RES[@]}" -H "Authorization: Bearer $IT_READ_KEY" \
	    --data-binary "@$O/big.json"
	it_is "$IT_HTTP_CODE $(it_json error)" "413 too_large" \
	    "nginx/axlog.conf: 210 KB to /stats is nginx's own 413, in JSON" || it_diag "$IT_HTTP_BODY"
	it_http GET "$NSU/../.dev/keys.env" "${RES[@]}" --path-as-is
	it_is "$IT_HTTP_CODE $(it_json error) $(it_http_header Content-Type)" \
	    "400 bad_request application/json" \
	    "nginx/axlog.conf: GET /../.dev/keys.env is a JSON 400, not nginx's 500" ||
		it_diag "$IT_HTTP_BODY"
	it_http POST "http://logs.example.com:$NS_HTTP/ingest" "${RES[@]}" --data-binary x
	it_is "$IT_HTTP_CODE $(it_http_header Location)" "308 https://logs.example.com/ingest" \
	    "nginx/axlog.conf: POST http://.../ingest is a 308 to https"
	it_stop_pid "$NS_PID"
else
	for t in "GET /health" "POST /ingest" "GET /stats" "413 on /stats" "400 for /../" "308 to https"; do
		it_skip "nginx/axlog.conf: $t" "no openssl for a certificate"
	done
fi

# lighttpd/axlog.conf: its host, its JSON error documents (errors/, as
# the package installs them).
LS=$IT_TMP/lighttpd-site
mkdir -p "$LS/errors" "$LS/tmp"
cp "$SRC"/errors/status-*.html "$LS/errors/"
chmod -R a+rX "$LS/errors"
sed -e "s|\"/run/axlog/|\"$IT_RUN/|" \
    -e "s|/usr/share/axlog/web|$(it_webroot)|" \
    -e "s|/usr/share/axlog/errors/|$LS/errors/|" \
    "$SRC/lighttpd/axlog.conf" >"$LS/axlog.conf"
LS_PORT=$(it_free_port) || it_bail "no free port"
cat >"$LS/lighttpd.conf" <<EOF
server.document-root = "$LS"
server.bind = "127.0.0.1"
server.port = $LS_PORT
server.errorlog = "$IT_TMP/logs/lighttpd-site-error.log"
server.upload-dirs = ( "$LS/tmp" )
include "$LS/axlog.conf"
EOF
lighttpd_run lighttpd-site "$LS/lighttpd.conf"
it_wait_port "$LS_PORT" || it_diag "lighttpd (shipped site) not listening: $(cat "$IT_TMP"/logs/lighttpd-site*.log)"
LSU=http://127.0.0.1:$LS_PORT
HOST=(-H 'Host: logs.example.com')
it_http GET "$LSU/health" "${HOST[@]}"
[ "$IT_HTTP_CODE" = 200 ] && [ "$(it_json status)" = ok ]
it_ok $? "lighttpd/axlog.conf: GET /health is 200 ok" || it_diag "$IT_HTTP_CODE $IT_HTTP_BODY"
it_http POST "$LSU/ingest" "${HOST[@]}" -H "Authorization: Bearer $IT_INGEST_KEY" "${JSON[@]}" \
    --data-binary "@$O/big.json"
it_is "$IT_HTTP_CODE $(it_json accepted)" "200 400" \
    "lighttpd/axlog.conf: POST /ingest of 400 events (210 KB) is 200" || it_diag "$IT_HTTP_BODY"
it_http POST "$LSU/stats" "${HOST[@]}" -H "Authorization: Bearer $IT_READ_KEY" --data-binary "@$O/big.json"
it_is "$IT_HTTP_CODE $(it_json error)" "413 too_large" \
    "lighttpd/axlog.conf: 210 KB to /stats is lighttpd's own 413, in JSON" || it_diag "$IT_HTTP_BODY"
it_http GET "$LSU/javascript/../../../etc/passwd" "${HOST[@]}" --path-as-is
it_is "$IT_HTTP_CODE $(it_json error) $(it_http_header Content-Type)" \
    "404 not_found application/json" \
    "lighttpd/axlog.conf: GET /javascript/../../../etc/passwd is a JSON 404" ||
	it_diag "$IT_HTTP_BODY"
it_stop_pid "$LT_PID"

# make uninstall takes back every file make install put there.
make -s -C "$BLD" uninstall DESTDIR="$INST" >"$IT_TMP/logs/uninstall.out" 2>&1
rc=$?
left=$(cd "$INST" && find . ! -type d)
[ "$rc" = 0 ] && [ -z "$left" ]
it_ok $? "make uninstall DESTDIR=... removes every installed file" ||
	it_diag "exit $rc; left: $left $(tail -n 5 "$IT_TMP/logs/uninstall.out")"

# ===========================================================================
# 8. Sanitizers (in a --enable-sanitizers build) found nothing (1 test)
# ===========================================================================

it_unspawn ingest
it_unspawn stats
it_unspawn health
it_logs_clean
it_ok $? "no sanitizer report in the programs' logs"

it_diag "elapsed: ${SECONDS} s (budget 90 s)"
