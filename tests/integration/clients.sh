#!/bin/bash
# The clients, each against the real stack through nginx:
# - the Node.js module (clients/node/axlog.js): node's test runner runs
#   tests/clients/*.test.js; each node test is one TAP line here.  The
#   outage test records events while this script stops PostgreSQL for
#   5 s and starts it again.
# - the winston setup (clients/node/winston.js with winston's stock Http
#   transport): winston comes from tests/clients/node_modules (npm ci) or
#   NODE_PATH, or is installed by npm ci into the temporary directory;
#   without it those tests are skipped, loudly.
# - the syslog-ng snippet (contrib/syslog-ng/axlog.conf) as shipped, with
#   its URL and key set and a test-only TCP source on 127.0.0.1: 1000
#   lines in, 1000 events stored; again with PostgreSQL stopped for a few
#   seconds mid-stream; again with PostgreSQL frozen long enough that a
#   batch commits after its 503 (the answer is lost).  A second copy of
#   the destination without the event id, for the app "control", shows
#   what the ids prevent.  A line the server refuses is dropped, not
#   retried forever.  Without syslog-ng (syslog-ng-core and
#   syslog-ng-mod-http) those tests are skipped, loudly.
# Budget: 90 s; the elapsed time is printed.  TAP on stdout.

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

it_init
it_require nginx
NODE_SKIP=
if ! command -v node >/dev/null 2>&1; then
	NODE_SKIP="node not found (apt-get install nodejs npm)"
elif ! node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 18 ? 0 : 1)'; then
	NODE_SKIP="node $(node --version) is too old (18 or newer)"
fi

# Node tests (retry 8, client 6, outage 1 + 1, winston 2), syslog-ng
# tests (SNG_TESTS).
NODE_TESTS=18
SNG_TESTS=17
it_plan $((NODE_TESTS + SNG_TESTS))

for p in "$IT_HEALTH" "$IT_INGEST" "$IT_STATS" "$IT_AXLOGCTL"; do
	[ -x "$p" ] || it_bail "$p is not built (run make first)"
done

T0=$SECONDS
CLIENTS=$top_srcdir/tests/clients
SNIPPET=$top_srcdir/contrib/syslog-ng/axlog.conf
BUDGET=90

# The ingest program gives up on the database after 1.5 s (default 5 s),
# so that the freeze below stays short.
it_pg_start || it_bail "PostgreSQL did not start"
it_setup_db || it_bail "database setup failed"
it_spawn_all AXLOG_DB_TIMEOUT_MS=1500 || it_bail "the programs did not start"
it_nginx_start || it_bail "nginx did not start"
it_ctl app add control --kind lightweight --description "syslog-ng without event ids" \
    >>"$IT_TMP/logs/setup-db.log" 2>&1 || it_bail "axlogctl app add control failed"
CONTROL_KEY=$(it_ctl key create --app control --scope ingest 2>>"$IT_TMP/logs/setup-db.log") ||
	it_bail "axlogctl key create --app control failed"
it_diag "stack ready in $((SECONDS - T0)) s"

export TEST_INGEST_URL="$IT_NGINX_URL/ingest"
export TEST_INGEST_KEY="$IT_INGEST_KEY"
export TEST_DATABASE_URL="postgresql://postgres@127.0.0.1:$IT_PG_PORT/axlog"
export TEST_PSQL="$IT_PGBIN/psql"

# ---------------------------------------------------------------------------
# Node's test runner, one TAP line per node test
# ---------------------------------------------------------------------------

# node_tap NAME WANT LOG: the top-level results of node's TAP in LOG as
# exactly WANT lines of this script (a missing one fails, an extra one
# fails the last), with a failure's details and the tests' own "#" lines
# as comments.
node_tap() {
	local name=$1 want=$2 log=$3 line got=0 failing=0 ndiag=0 not title
	while IFS= read -r line; do
		if [[ $line =~ ^(not\ )?ok\ [0-9]+\ -\ (.*)$ ]]; then
			not=${BASH_REMATCH[1]}
			title=${BASH_REMATCH[2]}
			got=$((got + 1))
			failing=0
			if [ "$got" -gt "$want" ]; then
				it_diag "$name: an unexpected extra test: $line"
				continue
			fi
			if [[ $title =~ ^(.*)\ \#\ SKIP\ ?(.*)$ ]]; then
				it_skip "$name: ${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}"
				printf '\n*** %s: SKIPPED: %s ***\n\n' "${0##*/}" "${BASH_REMATCH[2]}" >&2
			elif [ -z "$not" ]; then
				it_ok 0 "$name: $title"
			else
				it_ok 1 "$name: $title"
				failing=1
				ndiag=0
			fi
		elif [ "$failing" = 1 ] && [[ $line =~ ^\ \  ]]; then
			ndiag=$((ndiag + 1))
			[ "$ndiag" -le 40 ] && it_diag "$line"
		elif [[ $line =~ ^#\  ]] && ! [[ $line =~ ^#\ (Subtest:|tests|suites|pass|fail|cancelled|skipped|todo|duration_ms)\  ]]; then
			it_diag "$name:${line#\#}"
		fi
	done <"$log"
	if [ "$got" -gt "$want" ]; then
		it_diag "$name: node ran $got tests, $want expected"
	fi
	while [ "$got" -lt "$want" ]; do
		got=$((got + 1))
		it_ok 1 "$name: node test $got of $want did not report"
		[ "$got" -eq "$want" ] && it_diag "$(tail -n 20 "$log")"
	done
}

# Node 18 before 18.15 has no --test-reporter (and speaks TAP anyway).
NODE_TEST=(node --test --test-reporter=tap)
node --test-reporter=tap -e '' >/dev/null 2>&1 || NODE_TEST=(node --test)

# run_node NAME WANT: node --test tests/clients/NAME.test.js, summarised.
run_node() {
	local log=$IT_TMP/logs/node-$1.log
	timeout -k 5 80 "${NODE_TEST[@]}" "$CLIENTS/$1.test.js" >"$log" 2>&1 </dev/null
	node_tap "$1" "$2" "$log"
}

# loud_skip N WHAT REASON: N tests skipped, and a line on stderr.
loud_skip() {
	local i
	printf '\n*** %s: SKIPPED %d %s tests: %s ***\n\n' "${0##*/}" "$1" "$2" "$3" >&2
	for i in $(seq "$1"); do
		it_skip "$2 test $i" "$3"
	done
}

# The outage: node records events all along; this script stops
# PostgreSQL once the first batch is stored, sleeps 5 s, starts it again.
outage_phase() {
	local rc down0 pid phase=$IT_TMP/phase
	mkdir -p "$phase"
	TEST_PHASE_DIR=$phase timeout -k 5 80 "${NODE_TEST[@]}" "$CLIENTS/outage.test.js" \
	    >"$IT_TMP/logs/node-outage.log" 2>&1 </dev/null &
	pid=$!
	for _ in $(seq 100); do
		[ -e "$phase/sending" ] && break
		it_alive "$pid" || break
		sleep 0.1
	done
	if [ -e "$phase/sending" ] && it_pg_stop; then
		: >"$phase/stopped"
		down0=$SECONDS
		sleep 5
		it_pg_start
		rc=$?
		: >"$phase/restarted"
		it_ok "$rc" "outage: PostgreSQL stopped while the client sent, started again $((SECONDS - down0)) s later"
	else
		it_ok 1 "outage: PostgreSQL stopped while the client sent (the client never stored its first batch)"
		: >"$phase/stopped"
		: >"$phase/restarted"
		it_pg_start >/dev/null 2>&1
	fi
	wait "$pid"
	node_tap outage 1 "$IT_TMP/logs/node-outage.log"
}

# winston: from tests/clients/node_modules or NODE_PATH, else npm ci into
# the temporary directory (the source tree stays as it is).
install_winston() {
	(cd "$CLIENTS" && node -e 'require.resolve("winston")') >/dev/null 2>&1 && return 0
	if ! command -v npm >/dev/null 2>&1; then
		it_diag "npm not found: the winston tests will be skipped"
		return 0
	fi
	if mkdir -p "$IT_TMP/npm" &&
	    cp "$CLIENTS/package.json" "$CLIENTS/package-lock.json" "$IT_TMP/npm/" &&
	    (cd "$IT_TMP/npm" && timeout 60 npm ci --no-audit --no-fund --loglevel=error) \
	    >"$IT_TMP/logs/npm.log" 2>&1; then
		export NODE_PATH=$IT_TMP/npm/node_modules
		it_diag "winston installed by npm ci into $IT_TMP/npm"
	else
		it_diag "npm ci failed: $(tail -n 5 "$IT_TMP/logs/npm.log")"
	fi
}

if [ -n "$NODE_SKIP" ]; then
	loud_skip "$NODE_TESTS" node "$NODE_SKIP"
else
	run_node retry 8
	run_node client 6
	outage_phase
	install_winston
	run_node winston 2
fi

# ---------------------------------------------------------------------------
# syslog-ng with the shipped snippet
# ---------------------------------------------------------------------------

SNG=$IT_TMP/syslog-ng
SNG_LOG=$IT_TMP/logs/syslog-ng-internal.log

sng_skip() {
	loud_skip "$SNG_TESTS" syslog-ng "$1"
}

# send_lines PROGRAM FROM TO: lines FROM..TO-1 over one TCP connection,
# "<14>Mmm dd hh:mm:ss it PROGRAM[42]: PROGRAM line NNNN".
send_lines() {
	local i stamp
	stamp=$(LC_ALL=C date -u '+%b %e %H:%M:%S')
	{
		for ((i = $2; i < $3; i++)); do
			printf '<14>%s it %s[42]: %s line %04d\n' "$stamp" "$1" "$1" "$i"
		done
	} 2>/dev/null >"/dev/tcp/127.0.0.1/$SNG_PORT"
}

# stored APP PROGRAM: "ROWS DISTINCT-MESSAGES" of that program's lines.
stored() {
	it_psql axlog -F ' ' -c "SELECT count(*), count(DISTINCT message) FROM axlog.logs
	    WHERE app_id = '$1' AND event_type = 'syslog' AND event_subtype = '$2'"
}

# wait_stored APP PROGRAM N SECONDS: until N distinct lines are stored.
wait_stored() {
	local deadline=$((SECONDS + $4)) rows distinct
	while :; do
		read -r rows distinct < <(stored "$1" "$2")
		[ "${distinct:-0}" -ge "$3" ] && return 0
		[ "$SECONDS" -ge "$deadline" ] && return 1
		sleep 0.2
	done
}

# sng_stat DESTINATION TYPE: a counter of syslog-ng-ctl stats.
sng_stat() {
	syslog-ng-ctl stats -c "$SNG/syslog-ng.ctl" 2>/dev/null |
	    awk -F';' -v d="$1#0" -v t="$2" '$1 == "dst.http" && $2 == d && $5 == t { print $6 }'
}

# phase_check PHASE: 1000 lines of it-PHASE stored once for the app demo (2 tests).
phase_check() {
	local rows distinct
	read -r rows distinct < <(stored demo "it-$1")
	it_is "$distinct" 1000 "syslog-ng, $1: 1000 lines in, 1000 events stored"
	it_is "$rows" 1000 "syslog-ng, $1: each stored once (rows: $rows)"
}

SNG_VERSION=$(syslog-ng --version 2>/dev/null | sed -n 's/^Installer-Version: *\([0-9]*\.[0-9]*\).*/\1/p')
if [ -z "$SNG_VERSION" ]; then
	sng_skip "syslog-ng not found (apt-get install syslog-ng-core syslog-ng-mod-http)"
elif ! syslog-ng --version | grep -Eq '^Available-Modules:.*[:,]http(,|$)'; then
	sng_skip "syslog-ng has no http module (apt-get install syslog-ng-mod-http)"
elif ! command -v syslog-ng-ctl >/dev/null 2>&1; then
	sng_skip "syslog-ng-ctl not found"
else
	mkdir -p "$SNG"
	SNG_PORT=$(it_free_port) || it_bail "no free port"
	# The snippet with its two values set, as an operator does.
	sed -e "s|^@define axlog_url .*|@define axlog_url \"$IT_NGINX_URL/ingest\"|" \
	    -e "s|^@define axlog_key .*|@define axlog_key \"$IT_INGEST_KEY\"|" \
	    "$SNIPPET" >"$SNG/axlog.conf"
	# The control: the same destination without the id, for the app "control".
	awk '/^destination d_axlog \{/, /^\};/' "$SNG/axlog.conf" |
	    sed -e 's/d_axlog/d_control/' -e 's/persist-name("axlog")/persist-name("axlog-control")/' \
	    -e "s|\`axlog_key\`|$CONTROL_KEY|" \
	    -e 's/id=\${\.axlog\.id}//' >"$SNG/control.conf"
	cat >"$SNG/syslog-ng.conf" <<EOF
@version: $SNG_VERSION
# Test-only: Debian's s_src is system() and internal(); here a TCP
# listener on 127.0.0.1 instead, and syslog-ng's own messages in a file.
source s_src { network(ip(127.0.0.1) port($SNG_PORT) transport(tcp)); };
@include "$SNG/axlog.conf"
@include "$SNG/control.conf"
log { source(s_src); destination(d_control); };
log { source { internal(); }; destination { file("$SNG_LOG"); }; };
EOF
	syslog-ng --syntax-only -f "$SNG/syslog-ng.conf" >"$IT_TMP/logs/syslog-ng.log" 2>&1
	it_ok $? "syslog-ng $SNG_VERSION accepts the shipped snippet" ||
		it_diag "$(cat "$IT_TMP/logs/syslog-ng.log")"

	( exec syslog-ng -F --no-caps -f "$SNG/syslog-ng.conf" \
	    --persist-file="$SNG/syslog-ng.persist" --pidfile="$SNG/syslog-ng.pid" \
	    --control="$SNG/syslog-ng.ctl" </dev/null >>"$IT_TMP/logs/syslog-ng.log" 2>&1 ) &
	SNG_PID=$!
	IT_PIDS+=("$SNG_PID")
	it_wait_port "$SNG_PORT" 100
	it_ok $? "syslog-ng started, listening on 127.0.0.1:$SNG_PORT" ||
		it_diag "$(cat "$IT_TMP/logs/syslog-ng.log")"

	# 1. A clean run.
	send_lines it-phase1 0 1000
	wait_stored demo it-phase1 1000 15
	phase_check phase1
	it_is "$(it_psql axlog -F ' ' -c "SELECT event_type, event_subtype,
	    id::text ~ '^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-8[0-9a-f]{3}-[0-9a-f]{12}\$',
	    abs(extract(epoch FROM now() - created_at)) < 60
	    FROM axlog.logs WHERE app_id = 'demo' AND message = 'it-phase1 line 0007'")" \
	    "syslog it-phase1 t t" \
	    "syslog-ng, phase1: event_type syslog, the program as event_subtype, a UUID id, created_at now"

	# 2. PostgreSQL stopped for 3 s mid-stream: 503s, retried after
	# time-reopen().  A 503 stores nothing, so even without ids nothing
	# is stored twice.
	send_lines it-phase2 0 300
	wait_stored demo it-phase2 300 10 && wait_stored control it-phase2 300 10
	it_pg_stop
	rc=$?
	send_lines it-phase2 300 700
	sleep 3
	it_pg_start
	it_ok $((rc | $?)) "syslog-ng, phase2: PostgreSQL stopped for 3 s mid-stream, started again"
	send_lines it-phase2 700 1000
	wait_stored demo it-phase2 1000 15
	wait_stored control it-phase2 1000 5
	phase_check phase2
	it_is "$(stored control it-phase2)" "1000 1000" \
	    "syslog-ng, phase2: without ids as well, 1000 stored once (a 503 stores nothing)"

	# 3. PostgreSQL frozen for 4 s: the ingest program answers 503 after
	# 1.5 s, but the statement it sent runs when the database thaws, and
	# commits: a lost answer.  syslog-ng sends the batch again.
	send_lines it-phase3 0 300
	wait_stored demo it-phase3 300 10 && wait_stored control it-phase3 300 10
	it_pg_freeze
	rc=$?
	send_lines it-phase3 300 700
	sleep 4
	it_pg_thaw
	it_ok "$rc" "syslog-ng, phase3: PostgreSQL frozen for 4 s mid-stream, then thawed"
	send_lines it-phase3 700 1000
	wait_stored demo it-phase3 1000 20
	wait_stored control it-phase3 1000 10
	phase_check phase3
	# Whether an answer is lost depends on where the batch was when the
	# database froze (sent, or still queued for the committer), so the
	# duplicates are reported, not required; what is required is that
	# nothing is lost.
	read -r rows distinct < <(stored control it-phase3)
	[ "$distinct" = 1000 ] && [ "$rows" -ge 1000 ]
	it_ok $? "syslog-ng, phase3: without ids nothing is lost ($distinct distinct of 1000)"
	it_diag "without ids: $rows rows for 1000 lines ($((rows - 1000)) stored twice after a lost answer)"

	# 4. A line the server refuses (its message, escaped, is over 8 KiB):
	# its batch is dropped (response-action 400 => drop), and the lines
	# after it still go (without that, a 400 is retried for ever and
	# blocks the destination).
	dropped0=$(sng_stat d_axlog dropped)
	{
		printf '<14>%s it it-refused[42]: ' "$(LC_ALL=C date -u '+%b %e %H:%M:%S')"
		head -c 3000 /dev/zero | tr '\0' '\377'
		printf '\n'
	} 2>/dev/null >"/dev/tcp/127.0.0.1/$SNG_PORT"
	for _ in $(seq 50); do
		[ "$(sng_stat d_axlog dropped)" != "$dropped0" ] && break
		sleep 0.1
	done
	it_is "$(( $(sng_stat d_axlog dropped) - dropped0 ))" 1 "syslog-ng: the refused line is dropped (dropped counter +1)"
	send_lines it-after 0 10
	wait_stored demo it-after 10 10
	it_is "$(stored demo it-after)" "10 10" "syslog-ng: the lines after the refused one are stored"
	it_is "$(stored demo it-refused)" "0 0" "syslog-ng: the refused line is not stored"

	# What syslog-ng itself counted.
	it_is "$(sng_stat d_axlog written) $(sng_stat d_axlog dropped) $(sng_stat d_axlog queued)" "3010 1 0" \
	    "syslog-ng: d_axlog wrote 3010 lines, dropped only the refused one, has none queued"
fi

ELAPSED=$((SECONDS - T0))
# Printed, not asserted: a loaded machine is slower, not wrong (soak.sh
# does the same).
it_diag "elapsed $ELAPSED s (budget $BUDGET s)"
