# tests/integration/lib.sh: helpers for the integration tests (bash).
# shellcheck shell=bash
#
# Sourced by each test script.  A test gets a private PostgreSQL cluster,
# the three FastCGI programs under spawn-fcgi on unix sockets, and nginx
# and/or lighttpd in front of them, all in one temporary directory; an EXIT
# trap stops everything that was started, even when the test fails, and
# removes the directory (KEEP=1 keeps it, for a look at the logs; with
# KEEP=failed only when a test failed).  After a failure the tails of the
# programs' and servers' logs are printed as TAP comments (test-suite.log).
#
# The tests speak TAP on stdout.  They run from "make check" (which exports
# top_srcdir and top_builddir) or by hand:
#   top_builddir=$PWD bash tests/integration/health.sh
#
# Runs as root (PostgreSQL's own programs then run as the postgres user, and
# nginx's workers as nobody) or as an ordinary user.
#
# A test script:
#   . "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
#   it_init                      temp dir, EXIT trap, IT_HEALTH/IT_INGEST/
#                                IT_STATS/IT_AXLOGCTL (the built programs)
#   it_plan 3
#   it_stack || it_bail "..."    all of the below at once:
#     it_pg_start                private cluster on 127.0.0.1:$IT_PG_PORT
#     it_setup_db                roles, database, migrate, app "demo";
#                                IT_INGEST_KEY, IT_READ_KEY, IT_*_URL
#     it_spawn_all               the programs on $IT_RUN/{ingest,stats,health}.sock
#     it_nginx_start             $IT_NGINX_URL
#     it_lighttpd_start          $IT_LIGHTTPD_URL
#   it_http GET "$IT_NGINX_URL/health"      -> IT_HTTP_CODE, IT_HTTP_BODY, IT_HTTP_MS
#   it_http POST "$IT_NGINX_URL/ingest" -H "X-API-Key: $IT_INGEST_KEY" \
#       -H 'Content-Type: application/json' --data-binary @file
#   it_is "$IT_HTTP_CODE" 200 "name"; it_json checks.database.status;
#   it_http_header Content-Type; it_like; it_lt; it_ok $? "name"
# The database: it_psql [DB] -c SQL (superuser), it_ctl ARGS (axlogctl),
# it_pg_stop, it_pg_stop_immediate, it_pg_kill9, it_pg_restart,
# it_pg_freeze / it_pg_thaw (SIGSTOP / SIGCONT of the whole server).
# One program: it_spawn NAME PROGRAM [AXLOG_X=...], it_unspawn NAME;
# on a TCP port (another "host"): it_spawn_tcp NAME PORT PROGRAM [...].
# A streaming replica of the cluster: it_replica_start (IT_REPLICA_PORT),
# it_replica_stop, it_psql_replica.
#
# IT_PGBOUNCER=1 in the environment runs the programs through PgBouncer
# in transaction pooling mode: it_setup_db starts it in front of the
# private cluster and points IT_INGEST_URL and IT_STATS_URL at it, and
# it_spawn gives every program AXLOG_PREPARED_STATEMENTS=off.  axlogctl
# (IT_ADMIN_URL) and it_psql still go straight to PostgreSQL: migrations
# and maintenance hold session locks and settings.  A script that cannot
# run through a pooler says why with it_skip_if_pgbouncer.

# (The IT_* variables set here are for the scripts that source this file.)
# shellcheck disable=SC2034

# Nothing of the caller's axlog settings leaks into the programs under test.
while IFS= read -r _it_var; do
	unset "$_it_var"
done < <(compgen -e | grep '^AXLOG_' || true)
unset _it_var

if [ -z "${top_srcdir:-}" ]; then
	top_srcdir=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
fi
: "${top_builddir:=$top_srcdir}"
export top_srcdir top_builddir

IT_TMP=""
IT_NTEST=0
IT_NFAIL=0
IT_PLAN=""
IT_PIDS=()		# programs started by it_spawn
IT_PG_FROZEN=()		# processes stopped by it_pg_freeze
IT_PORTS=" "		# ports handed out by it_free_port
IT_PG_STARTED=0
IT_REPLICA_STARTED=0
IT_PGBOUNCER_DIR=""
IT_NGINX_PREFIX=""
IT_LIGHTTPD_PREFIX=""

# ---------------------------------------------------------------------------
# TAP
# ---------------------------------------------------------------------------

it_diag() {
	local line
	while IFS= read -r line; do
		printf '# %s\n' "$line"
	done <<<"$*"
}

it_plan() {
	IT_PLAN=$1
	printf '1..%s\n' "$1"
}

# it_ok EXITCODE NAME: passes when EXITCODE is 0, e.g.
#   [ "$x" -lt 3 ]; it_ok $? "x is small"
it_ok() {
	local rc=$1 name=$2
	IT_NTEST=$((IT_NTEST + 1))
	if [ "$rc" -eq 0 ]; then
		printf 'ok %d - %s\n' "$IT_NTEST" "$name"
		return 0
	fi
	IT_NFAIL=$((IT_NFAIL + 1))
	printf 'not ok %d - %s\n' "$IT_NTEST" "$name"
	return 1
}

# it_is GOT EXPECTED NAME
it_is() {
	local got=$1 want=$2 name=$3
	if [ "$got" == "$want" ]; then
		it_ok 0 "$name"
	else
		it_ok 1 "$name"
		it_diag "  got:      '$got'"
		it_diag "  expected: '$want'"
		return 1
	fi
}

# it_like GOT EXTENDED-REGEX NAME
it_like() {
	local got=$1 re=$2 name=$3
	if [[ $got =~ $re ]]; then
		it_ok 0 "$name"
	else
		it_ok 1 "$name"
		it_diag "  got:      '$got'"
		it_diag "  expected to match: $re"
		return 1
	fi
}

# it_lt GOT LIMIT NAME: integer GOT < LIMIT
it_lt() {
	local got=$1 limit=$2 name=$3
	if [[ $got =~ ^-?[0-9]+$ ]] && [ "$got" -lt "$limit" ]; then
		it_ok 0 "$name"
	else
		it_ok 1 "$name"
		it_diag "  got: '$got', expected less than $limit"
		return 1
	fi
}

it_skip() {
	IT_NTEST=$((IT_NTEST + 1))
	printf 'ok %d - %s # SKIP %s\n' "$IT_NTEST" "$1" "${2:-}"
}

# Skip the whole script (a missing command).  Loud on stderr too: the
# development script installs everything, so this should not happen there.
it_skip_all() {
	printf '1..0 # SKIP %s\n' "$1"
	printf '\n*** %s: SKIPPED: %s ***\n\n' "${0##*/}" "$1" >&2
	exit 0
}

# Stop the script: something the remaining tests depend on failed.
it_bail() {
	printf 'Bail out! %s\n' "$1"
	exit 1
}

# ---------------------------------------------------------------------------
# Setup and cleanup
# ---------------------------------------------------------------------------

# it_require CMD...: skip the script when a command is missing.
it_require() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || it_skip_all "$c not found"
	done
}

# Private temporary directory, world-readable so that nginx's workers (nobody)
# can enter it; the EXIT trap cleans up.
it_init() {
	it_require curl spawn-fcgi
	# The system's python3 (for JSON and sockets): quicker to start than
	# a version manager's wrapper earlier in the PATH.
	if [ -x /usr/bin/python3 ]; then
		IT_PYTHON=/usr/bin/python3
	else
		it_require python3
		IT_PYTHON=python3
	fi
	IT_TMP=$(mktemp -d /tmp/axlog-it.XXXXXX) || it_bail "mktemp failed"
	chmod 755 "$IT_TMP"
	mkdir -p "$IT_TMP/run" "$IT_TMP/logs" "$IT_TMP/web"
	chmod 755 "$IT_TMP/run" "$IT_TMP/logs" "$IT_TMP/web"
	IT_RUN=$IT_TMP/run
	trap it_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	trap 'exit 129' HUP
	IT_AXLOGCTL=$top_builddir/src/axlogctl
	IT_HEALTH=$top_builddir/cgi-bin/axlog-health
	IT_INGEST=$top_builddir/cgi-bin/axlog-ingest
	IT_STATS=$top_builddir/cgi-bin/axlog-stats
}

it_cleanup() {
	local rc=$? pid
	trap - EXIT INT TERM HUP
	it_pg_thaw
	if [ -n "$IT_NGINX_PREFIX" ] && [ -f "$IT_NGINX_PREFIX/nginx.pid" ]; then
		it_stop_pidfile "$IT_NGINX_PREFIX/nginx.pid" QUIT
	fi
	if [ -n "$IT_LIGHTTPD_PREFIX" ] && [ -f "$IT_LIGHTTPD_PREFIX/lighttpd.pid" ]; then
		it_stop_pidfile "$IT_LIGHTTPD_PREFIX/lighttpd.pid" TERM
	fi
	for pid in "${IT_PIDS[@]}"; do
		it_stop_pid "$pid"
	done
	IT_PIDS=()
	if [ -n "$IT_PGBOUNCER_DIR" ] && [ -f "$IT_PGBOUNCER_DIR/pgbouncer.pid" ]; then
		it_stop_pidfile "$IT_PGBOUNCER_DIR/pgbouncer.pid" TERM
	fi
	if [ "$IT_REPLICA_STARTED" = 1 ]; then
		it_replica_stop immediate >/dev/null 2>&1
	fi
	if [ "$IT_PG_STARTED" = 1 ]; then
		it_pg_stop_immediate >/dev/null 2>&1
	fi
	if [ -n "$IT_PLAN" ] && [ "$IT_NTEST" -ne "$IT_PLAN" ]; then
		it_diag "planned $IT_PLAN tests but ran $IT_NTEST"
	fi
	if { [ "$IT_NFAIL" -gt 0 ] || [ "$rc" -ne 0 ]; } && [ -n "$IT_TMP" ]; then
		it_dump_logs
	fi
	if [ -n "$IT_TMP" ] && [ -d "$IT_TMP" ]; then
		if [ "${KEEP:-0}" = 1 ] || { [ "$IT_NFAIL" -gt 0 ] && [ "${KEEP:-}" = failed ]; }; then
			it_diag "kept $IT_TMP"
		else
			rm -rf "$IT_TMP"
		fi
	fi
	if [ "$rc" -eq 0 ] && [ "$IT_NFAIL" -gt 0 ]; then
		rc=1
	fi
	exit "$rc"
}

# A process is there (and not a zombie waiting to be reaped).
it_alive() {
	local st
	st=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
	[ -n "$st" ] && [ "${st#Z}" = "$st" ]
}

# The last lines of every log of the run, as TAP comments.
it_dump_logs() {
	local f
	for f in "$IT_TMP"/logs/*.log "$IT_TMP"/pg/server.log \
	    "$IT_TMP"/pg-replica/server.log "$IT_TMP"/pgbouncer/pgbouncer.log \
	    "$IT_TMP"/nginx/logs/error.log "$IT_TMP"/lighttpd/logs/error.log; do
		[ -s "$f" ] || continue
		case $f in */initdb.log) continue ;; esac
		it_diag "----- ${f#"$IT_TMP"/} (last 20 lines) -----"
		it_diag "$(tail -n 20 "$f")"
	done
}

# Signal a process and wait (up to 5 s) for it to go, then SIGKILL.
it_stop_pid() {
	local pid=$1 sig=${2:-TERM} i
	it_alive "$pid" || return 0
	kill -"$sig" "$pid" 2>/dev/null
	for i in $(seq 50); do
		it_alive "$pid" || break
		sleep 0.1
	done
	if it_alive "$pid"; then
		kill -KILL "$pid" 2>/dev/null
	fi
	wait "$pid" 2>/dev/null
	return 0
}

it_stop_pidfile() {
	local pid
	pid=$(cat "$1" 2>/dev/null) || return 0
	[ -n "$pid" ] && it_stop_pid "$pid" "${2:-TERM}"
}

# A free TCP port on 127.0.0.1 (not handed out before by this script).
it_free_port() {
	local port i
	for i in $(seq 20); do
		port=$("$IT_PYTHON" -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])') || return 1
		case $IT_PORTS in
		*" $port "*) continue ;;
		esac
		IT_PORTS="$IT_PORTS$port "
		echo "$port"
		return 0
	done
	return 1
}

# Wait until something accepts TCP connections on 127.0.0.1:PORT.
it_wait_port() {
	local port=$1 tries=${2:-50} i
	for i in $(seq "$tries"); do
		if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			return 0
		fi
		sleep 0.1
	done
	return 1
}

# ---------------------------------------------------------------------------
# PostgreSQL: a private cluster in $IT_TMP/pg
# ---------------------------------------------------------------------------

# The directory of initdb/pg_ctl/postgres: $PG_BINDIR, else the newest
# /usr/lib/postgresql/N/bin (Debian), else the PATH.
it_pg_bindir() {
	local d
	if [ -n "${PG_BINDIR:-}" ] && [ -x "$PG_BINDIR/initdb" ]; then
		echo "$PG_BINDIR"
		return 0
	fi
	for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5,5 -V -r); do
		if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then
			echo "$d"
			return 0
		fi
	done
	if command -v initdb >/dev/null 2>&1; then
		dirname "$(command -v initdb)"
		return 0
	fi
	return 1
}

# Run a command as the owner of the cluster (postgres when we are root).
it_as_pg() {
	if [ "$(id -u)" -eq 0 ]; then
		(cd / && runuser -u postgres -- "$@")
	else
		"$@"
	fi
}

# it_pg_start: create the cluster the first time, then start it and wait
# until it accepts connections.  Sets IT_PG_PORT, IT_PGDATA, IT_PG_SUPER_URL.
it_pg_start() {
	local fresh=0
	if [ -z "${IT_PGBIN:-}" ]; then
		IT_PGBIN=$(it_pg_bindir) || it_skip_all "PostgreSQL server programs (initdb) not found"
		if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
			it_skip_all "running as root but there is no postgres user"
		fi
	fi
	IT_PGDIR=$IT_TMP/pg
	IT_PGDATA=$IT_PGDIR/data
	if [ ! -d "$IT_PGDATA" ]; then
		fresh=1
		mkdir -p "$IT_PGDIR/sock"
		chmod 755 "$IT_PGDIR"
		if [ "$(id -u)" -eq 0 ]; then
			chown -R postgres: "$IT_PGDIR"
		fi
		if ! it_as_pg "$IT_PGBIN/initdb" -D "$IT_PGDATA" -U postgres \
		    --auth=trust -E UTF8 --locale=C.UTF-8 -N \
		    >"$IT_TMP/logs/initdb.log" 2>&1; then
			it_diag "$(cat "$IT_TMP/logs/initdb.log")"
			return 1
		fi
		IT_PG_PORT=$(it_free_port) || return 1
		it_as_pg tee -a "$IT_PGDATA/postgresql.conf" >/dev/null <<EOF
# integration tests: private, disposable, fast
listen_addresses = '127.0.0.1'
port = $IT_PG_PORT
unix_socket_directories = '$IT_PGDIR/sock'
max_connections = 40
shared_buffers = 32MB
fsync = off
synchronous_commit = off
full_page_writes = off
log_min_messages = warning
log_line_prefix = '%m [%p] %q%u@%d '
timezone = 'UTC'
EOF
		it_as_pg tee "$IT_PGDATA/pg_hba.conf" >/dev/null <<EOF
# private test cluster: trust on its own socket and on 127.0.0.1 only
# (replication too: tests that start a streaming replica)
local   all          all                 trust
host    all          all   127.0.0.1/32  trust
local   replication  all                 trust
host    replication  all   127.0.0.1/32  trust
EOF
	fi
	if ! it_as_pg "$IT_PGBIN/pg_ctl" -D "$IT_PGDATA" -l "$IT_PGDIR/server.log" \
	    -w -t 30 start >"$IT_TMP/logs/pg_ctl.log" 2>&1; then
		it_diag "$(cat "$IT_TMP/logs/pg_ctl.log" "$IT_PGDIR/server.log" 2>/dev/null)"
		return 1
	fi
	IT_PG_STARTED=1
	it_pg_wait_ready || return 1
	IT_PG_SUPER_URL="postgresql://postgres@127.0.0.1:$IT_PG_PORT/postgres"
	[ "$fresh" = 1 ] && it_diag "PostgreSQL ($IT_PGBIN) on 127.0.0.1:$IT_PG_PORT"
	return 0
}

it_pg_wait_ready() {
	local i
	for i in $(seq 100); do
		if "$IT_PGBIN/pg_isready" -q -h 127.0.0.1 -p "$IT_PG_PORT" -t 1; then
			return 0
		fi
		sleep 0.1
	done
	it_diag "PostgreSQL not ready on 127.0.0.1:$IT_PG_PORT"
	return 1
}

it_pg_postmaster_pid() {
	head -n 1 "$IT_PGDATA/postmaster.pid" 2>/dev/null
}

# Clean stop: pg_ctl stop -m fast (ends the sessions, checkpoint).
it_pg_stop() {
	it_pg_thaw
	it_as_pg "$IT_PGBIN/pg_ctl" -D "$IT_PGDATA" -m fast -w -t 30 stop \
	    >>"$IT_TMP/logs/pg_ctl.log" 2>&1 || return 1
	IT_PG_STARTED=0
}

# Crash-like stop: no checkpoint, sessions cut.
it_pg_stop_immediate() {
	it_pg_thaw
	it_as_pg "$IT_PGBIN/pg_ctl" -D "$IT_PGDATA" -m immediate -w -t 30 stop \
	    >>"$IT_TMP/logs/pg_ctl.log" 2>&1
	IT_PG_STARTED=0
}

# SIGKILL the postmaster, as a crash would; waits until its children are
# gone too (they notice and exit).  it_pg_start recovers the cluster.
it_pg_kill9() {
	local pm pid i
	local -a kids
	it_pg_thaw
	pm=$(it_pg_postmaster_pid)
	[ -n "$pm" ] || return 1
	read -r -a kids < <(ps -o pid= --ppid "$pm" | tr '\n' ' ')
	kill -KILL "$pm" 2>/dev/null || return 1
	for i in $(seq 100); do
		it_alive "$pm" && { sleep 0.05; continue; }
		for pid in "${kids[@]}"; do
			it_alive "$pid" && continue 2
		done
		break
	done
	return 0
}

it_pg_restart() {
	it_pg_stop && it_pg_start
}

# A frozen server: SIGSTOP the postmaster and every child (backends,
# checkpointer, walwriter...).  Connections are still accepted by the
# kernel, but nothing answers: no statement_timeout can fire.
it_pg_freeze() {
	local pm pid
	pm=$(it_pg_postmaster_pid)
	[ -n "$pm" ] || return 1
	kill -STOP "$pm" || return 1
	IT_PG_FROZEN=("$pm")
	for pid in $(ps -o pid= --ppid "$pm"); do
		kill -STOP "$pid" 2>/dev/null && IT_PG_FROZEN+=("$pid")
	done
	return 0
}

it_pg_thaw() {
	local pid
	[ "${#IT_PG_FROZEN[@]}" -gt 0 ] || return 0
	for pid in "${IT_PG_FROZEN[@]}"; do
		kill -CONT "$pid" 2>/dev/null
	done
	IT_PG_FROZEN=()
	return 0
}

# psql as the superuser: it_psql [DB] -c SQL ...
it_psql() {
	local db=postgres
	if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then
		db=$1
		shift
	fi
	"$IT_PGBIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 \
	    -h 127.0.0.1 -p "$IT_PG_PORT" -U postgres -d "$db" "$@"
}

# it_replica_start: a streaming replica of the running cluster, made with
# pg_basebackup -R (the standby.signal and primary_conninfo it writes),
# on 127.0.0.1:$IT_REPLICA_PORT; waits until it accepts connections and
# is in recovery.  A second call starts the same replica again.
it_replica_start() {
	local dir=$IT_TMP/pg-replica i
	IT_REPLICA_DATA=$dir/data
	if [ ! -d "$IT_REPLICA_DATA" ]; then
		mkdir -p "$dir/sock"
		chmod 755 "$dir"
		[ "$(id -u)" -eq 0 ] && chown -R postgres: "$dir"
		if ! it_as_pg "$IT_PGBIN/pg_basebackup" -h 127.0.0.1 \
		    -p "$IT_PG_PORT" -U postgres -D "$IT_REPLICA_DATA" -R \
		    -X stream -c fast >"$IT_TMP/logs/basebackup.log" 2>&1; then
			it_diag "$(cat "$IT_TMP/logs/basebackup.log")"
			return 1
		fi
		IT_REPLICA_PORT=$(it_free_port) || return 1
		# Later lines win: the primary's port and socket are copied.
		it_as_pg tee -a "$IT_REPLICA_DATA/postgresql.conf" >/dev/null <<EOF
# the replica of the integration tests
port = $IT_REPLICA_PORT
unix_socket_directories = '$dir/sock'
hot_standby = on
EOF
	fi
	if ! it_as_pg "$IT_PGBIN/pg_ctl" -D "$IT_REPLICA_DATA" -l "$dir/server.log" \
	    -w -t 30 start >>"$IT_TMP/logs/pg_ctl.log" 2>&1; then
		it_diag "$(cat "$dir/server.log" 2>/dev/null)"
		return 1
	fi
	IT_REPLICA_STARTED=1
	for i in $(seq 100); do
		[ "$(it_psql_replica -c 'SELECT pg_is_in_recovery()' 2>/dev/null)" = t ] &&
			return 0
		sleep 0.1
	done
	it_diag "the replica is not serving reads in recovery on port $IT_REPLICA_PORT"
	return 1
}

# it_replica_stop [fast|immediate]
it_replica_stop() {
	it_as_pg "$IT_PGBIN/pg_ctl" -D "$IT_REPLICA_DATA" -m "${1:-fast}" -w -t 30 \
	    stop >>"$IT_TMP/logs/pg_ctl.log" 2>&1 || return 1
	IT_REPLICA_STARTED=0
}

# psql as the superuser on the replica: it_psql_replica [DB] -c SQL ...
it_psql_replica() {
	IT_PG_PORT=$IT_REPLICA_PORT it_psql "$@"
}

# ---------------------------------------------------------------------------
# PgBouncer (IT_PGBOUNCER=1)
# ---------------------------------------------------------------------------

# it_skip_if_pgbouncer REASON: this script cannot run through the pooler.
it_skip_if_pgbouncer() {
	[ "${IT_PGBOUNCER:-0}" = 1 ] && it_skip_all "through PgBouncer: $1"
	return 0
}

# it_pgbouncer_start: PgBouncer in transaction pooling mode on
# 127.0.0.1:$IT_PGBOUNCER_PORT in front of the private cluster's axlog
# database, for the programs' roles (trust, as the cluster itself).
it_pgbouncer_start() {
	local dir=$IT_TMP/pgbouncer bin u
	bin=$(command -v pgbouncer || echo /usr/sbin/pgbouncer)
	[ -x "$bin" ] || { it_diag "pgbouncer not found"; return 1; }
	mkdir -p "$dir"
	IT_PGBOUNCER_PORT=$(it_free_port) || return 1
	for u in axlog_ingest axlog_stats axlog_admin postgres; do
		printf '"%s" ""\n' "$u"
	done >"$dir/userlist.txt"
	# server_login_retry 1: after a restart of PostgreSQL the pooler
	# tries again within a second (the default waits 15 s).
	# query_wait_timeout 1: with the database down, a client waiting for
	# a server connection is refused after a second (the default holds
	# it 120 s), so the programs answer 503 quickly, as without a pooler.
	cat >"$dir/pgbouncer.ini" <<EOF
[databases]
axlog = host=127.0.0.1 port=$IT_PG_PORT dbname=axlog

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $IT_PGBOUNCER_PORT
unix_socket_dir =
auth_type = trust
auth_file = $dir/userlist.txt
pool_mode = transaction
max_client_conn = 200
default_pool_size = 12
server_login_retry = 1
query_wait_timeout = 1
logfile = $dir/pgbouncer.log
pidfile = $dir/pgbouncer.pid
EOF
	[ "$(id -u)" -eq 0 ] && chown -R postgres: "$dir"
	IT_PGBOUNCER_DIR=$dir
	if ! it_as_pg "$bin" -d "$dir/pgbouncer.ini" >"$IT_TMP/logs/pgbouncer-start.log" 2>&1; then
		it_diag "$(cat "$IT_TMP/logs/pgbouncer-start.log" "$dir/pgbouncer.log" 2>/dev/null)"
		return 1
	fi
	it_wait_port "$IT_PGBOUNCER_PORT" || { it_diag "pgbouncer not listening"; return 1; }
	it_diag "PgBouncer (transaction pooling) on 127.0.0.1:$IT_PGBOUNCER_PORT"
	return 0
}

# ---------------------------------------------------------------------------
# axlog's database: roles, schema, a demo app and keys
# ---------------------------------------------------------------------------

# axlogctl with the admin connection (and only that setting).
it_ctl() {
	it_env_run AXLOG_ADMIN_DATABASE_URL="$IT_ADMIN_URL" -- "$IT_AXLOGCTL" "$@"
}

# it_env_run [NAME=VALUE...] -- COMMAND...: run with a clean environment:
# PATH, the sanitizer options and the given settings only.
it_env_run() {
	_it_env run "$@"
}

# _it_env run|exec [NAME=VALUE...] -- COMMAND...: exec replaces the calling
# (sub)shell, so that "( _it_env exec ... ) &" leaves $! naming COMMAND.
_it_env() {
	local how=$1 v
	shift
	local -a envs=("PATH=$PATH" "TZ=UTC" "LC_ALL=C")
	for v in ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS TSAN_OPTIONS; do
		[ -n "${!v:-}" ] && envs+=("$v=${!v}")
	done
	while [ $# -gt 0 ] && [ "$1" != "--" ]; do
		envs+=("$1")
		shift
	done
	[ "${1:-}" = "--" ] && shift
	if [ "$how" = exec ]; then
		exec env -i "${envs[@]}" "$@"
	fi
	env -i "${envs[@]}" "$@"
}

# it_setup_db: the layout of a real installation, on the private cluster.
# Exports IT_ADMIN_URL, IT_INGEST_URL, IT_STATS_URL and the demo tokens
# IT_INGEST_KEY (app "demo") and IT_READ_KEY (all apps).
it_setup_db() {
	local log=$IT_TMP/logs/setup-db.log
	{
		it_psql -c "CREATE ROLE axlog_admin LOGIN CREATEROLE" &&
		it_psql -c "CREATE DATABASE axlog OWNER axlog_admin"
	} >>"$log" 2>&1 || { it_diag "$(cat "$log")"; return 1; }
	IT_ADMIN_URL="postgresql://axlog_admin@127.0.0.1:$IT_PG_PORT/axlog"
	IT_INGEST_URL="postgresql://axlog_ingest@127.0.0.1:$IT_PG_PORT/axlog"
	IT_STATS_URL="postgresql://axlog_stats@127.0.0.1:$IT_PG_PORT/axlog"
	if ! it_ctl migrate >>"$log" 2>&1; then
		it_diag "axlogctl migrate failed:"
		it_diag "$(cat "$log")"
		return 1
	fi
	it_psql axlog >>"$log" 2>&1 <<'EOF' || { it_diag "$(cat "$log")"; return 1; }
DO $$
BEGIN
	IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'axlog_ingest') THEN
		CREATE ROLE axlog_ingest LOGIN IN ROLE axlog_writer;
	END IF;
	IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'axlog_stats') THEN
		CREATE ROLE axlog_stats LOGIN IN ROLE axlog_reader;
	END IF;
END
$$;
EOF
	if ! it_ctl app add demo --kind lightweight --description "integration tests" >>"$log" 2>&1; then
		it_diag "axlogctl app add failed:"
		it_diag "$(cat "$log")"
		return 1
	fi
	IT_INGEST_KEY=$(it_ctl key create --app demo --scope ingest 2>>"$log") &&
	IT_READ_KEY=$(it_ctl key create --scope read 2>>"$log") || {
		it_diag "axlogctl key create failed:"
		it_diag "$(cat "$log")"
		return 1
	}
	if [[ ! $IT_INGEST_KEY =~ ^axk_ ]] || [[ ! $IT_READ_KEY =~ ^axk_ ]]; then
		it_diag "unexpected tokens: '$IT_INGEST_KEY' '$IT_READ_KEY'"
		return 1
	fi
	if [ "${IT_PGBOUNCER:-0}" = 1 ]; then
		it_pgbouncer_start || return 1
		IT_INGEST_URL="postgresql://axlog_ingest@127.0.0.1:$IT_PGBOUNCER_PORT/axlog"
		IT_STATS_URL="postgresql://axlog_stats@127.0.0.1:$IT_PGBOUNCER_PORT/axlog"
	fi
	export IT_ADMIN_URL IT_INGEST_URL IT_STATS_URL IT_INGEST_KEY IT_READ_KEY
	return 0
}

# ---------------------------------------------------------------------------
# The programs, under spawn-fcgi
# ---------------------------------------------------------------------------

# it_pooler_env: the settings every program needs behind the pooler (on
# one line; none without IT_PGBOUNCER=1), for a script that starts a
# program itself: named statements do not survive transaction pooling.
it_pooler_env() {
	[ "${IT_PGBOUNCER:-0}" = 1 ] && echo AXLOG_PREPARED_STATEMENTS=off
	return 0
}

# it_spawn NAME PROGRAM [NAME=VALUE...]: start PROGRAM as a FastCGI server
# on $IT_RUN/NAME.sock (mode 0666, so that nginx's workers can connect)
# with a clean environment holding only the given settings (and, with
# IT_PGBOUNCER=1, AXLOG_PREPARED_STATEMENTS=off).  Its stderr goes to
# $IT_TMP/logs/NAME.log.  Sets IT_PID_<NAME>.
it_spawn() {
	local name=$1 prog=$2
	shift 2
	_it_spawn "$name" "$prog" -s "$IT_RUN/$name.sock" -M 0666 -- "$@"
}

# it_spawn_tcp NAME PORT PROGRAM [NAME=VALUE...]: the same on
# 127.0.0.1:PORT, as another host would listen.
it_spawn_tcp() {
	local name=$1 port=$2 prog=$3
	shift 3
	_it_spawn "$name" "$prog" -a 127.0.0.1 -p "$port" -- "$@"
}

# _it_spawn NAME PROGRAM SPAWN-FCGI-ARGS... -- SETTINGS...
_it_spawn() {
	local name=$1 prog=$2 sock="" port="" pid i
	local -a pooler
	local -a where=()
	shift 2
	while [ "$1" != "--" ]; do
		case $1 in
		-s) sock=$2 ;;
		-p) port=$2 ;;
		esac
		where+=("$1")
		shift
	done
	shift
	if [ ! -x "$prog" ]; then
		it_diag "$prog: not built"
		return 1
	fi
	read -r -a pooler < <(it_pooler_env)
	set -- "${pooler[@]}" "$@"
	[ -n "$sock" ] && rm -f "$sock"
	# -n: spawn-fcgi binds the socket to fd 0 and execs the program in
	# the same process; with env and the subshell exec'ing too, $! is the
	# program itself.
	( _it_env exec "$@" -- spawn-fcgi -n "${where[@]}" -- "$prog" \
	    </dev/null >>"$IT_TMP/logs/$name.log" 2>&1 ) &
	pid=$!
	IT_PIDS+=("$pid")
	printf -v "IT_PID_$name" '%s' "$pid"
	for i in $(seq 50); do
		if [ -n "$sock" ]; then
			[ -S "$sock" ] && break
		elif (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			break
		fi
		it_alive "$pid" || break
		sleep 0.1
	done
	# A program that refuses its settings exits right after the socket
	# appears: make sure it is still there a moment later.
	sleep 0.2
	if { [ -n "$sock" ] && [ ! -S "$sock" ]; } || ! it_alive "$pid"; then
		it_diag "$name did not start:"
		it_diag "$(cat "$IT_TMP/logs/$name.log")"
		return 1
	fi
	return 0
}

# it_unspawn NAME: stop one program started by it_spawn.
it_unspawn() {
	local var="IT_PID_$1"
	[ -n "${!var:-}" ] && it_stop_pid "${!var}"
	rm -f "$IT_RUN/$1.sock"
}

# The three programs with the settings of a real installation.
it_spawn_all() {
	it_spawn ingest "$IT_INGEST" AXLOG_DATABASE_URL="$IT_INGEST_URL" "$@" &&
	it_spawn stats "$IT_STATS" AXLOG_STATS_DATABASE_URL="$IT_STATS_URL" "$@" &&
	it_spawn health "$IT_HEALTH" AXLOG_STATS_DATABASE_URL="$IT_STATS_URL" "$@"
}

# it_stack: PostgreSQL with the schema and the demo keys, the three
# programs, nginx and lighttpd.  Extra NAME=VALUE settings go to every
# program.
it_stack() {
	it_pg_start || { it_diag "PostgreSQL did not start"; return 1; }
	it_setup_db || { it_diag "database setup failed"; return 1; }
	it_spawn_all "$@" || { it_diag "the programs did not start"; return 1; }
	it_nginx_start || { it_diag "nginx did not start"; return 1; }
	it_lighttpd_start || { it_diag "lighttpd did not start"; return 1; }
}

# it_logs_clean: no sanitizer report in the programs' logs (0) or 1.
it_logs_clean() {
	local f bad=0
	for f in "$IT_TMP"/logs/*.log; do
		[ -f "$f" ] || continue
		if grep -Eq 'ERROR: (Address|Leak|Thread|Memory)Sanitizer|WARNING: ThreadSanitizer|runtime error:|SUMMARY: (Address|UndefinedBehavior|Thread)Sanitizer' "$f"; then
			it_diag "${f##*/}:"
			it_diag "$(head -n 40 "$f")"
			bad=1
		fi
	done
	return "$bad"
}

# ---------------------------------------------------------------------------
# Web servers from the templates
# ---------------------------------------------------------------------------

# A static root nobody can read: a copy of web/ when the tree has one.
it_webroot() {
	if [ ! -f "$IT_TMP/web/index.html" ]; then
		if [ -d "$top_srcdir/web" ]; then
			cp -R "$top_srcdir/web/." "$IT_TMP/web/"
		else
			printf '<!doctype html><title>axlog</title>\n' >"$IT_TMP/web/index.html"
		fi
		chmod -R u+w,a+rX "$IT_TMP/web"
	fi
	echo "$IT_TMP/web"
}

# it_fill_template IN OUT PREFIX PORT [USER]
it_fill_template() {
	sed -e "s|@PORT@|$4|g" \
	    -e "s|@PREFIX@|$3|g" \
	    -e "s|@RUNDIR@|$IT_RUN|g" \
	    -e "s|@WEBROOT@|$(it_webroot)|g" \
	    -e "s|@USER@|${5:-nobody}|g" \
	    "$1" >"$2"
}

# it_nginx_start [TEMPLATE]: nginx/dev.conf.in (or TEMPLATE, with the
# same placeholders) on IT_NGINX_PORT; IT_NGINX_URL.
it_nginx_start() {
	local template=${1:-$top_srcdir/nginx/dev.conf.in} nginx user prefix
	nginx=$(command -v nginx || echo /usr/sbin/nginx)
	[ -x "$nginx" ] || return 2
	prefix=$IT_TMP/nginx
	mkdir -p "$prefix/logs" "$prefix/tmp"
	chmod 755 "$prefix" "$prefix/tmp"
	user="nobody $(id -gn nobody 2>/dev/null || echo nogroup)"
	[ "$(id -u)" -eq 0 ] || user=$(id -un)
	IT_NGINX_PORT=$(it_free_port) || return 1
	it_fill_template "$template" "$prefix/nginx.conf" \
	    "$prefix" "$IT_NGINX_PORT" "$user"
	IT_NGINX_PREFIX=$prefix
	if ! "$nginx" -q -c "$prefix/nginx.conf" -p "$prefix/" 2>"$prefix/logs/start.log"; then
		it_diag "nginx did not start:"
		it_diag "$(cat "$prefix/logs/start.log" "$prefix/logs/error.log" 2>/dev/null)"
		return 1
	fi
	it_wait_port "$IT_NGINX_PORT" || { it_diag "nginx not listening"; return 1; }
	IT_NGINX_URL="http://127.0.0.1:$IT_NGINX_PORT"
	return 0
}

# it_lighttpd_start [TEMPLATE]: lighttpd/dev.conf.in (or TEMPLATE, with the
# same placeholders) on IT_LIGHTTPD_PORT; IT_LIGHTTPD_URL.
it_lighttpd_start() {
	local template=${1:-$top_srcdir/lighttpd/dev.conf.in} lighttpd prefix
	lighttpd=$(command -v lighttpd || echo /usr/sbin/lighttpd)
	[ -x "$lighttpd" ] || return 2
	prefix=$IT_TMP/lighttpd
	mkdir -p "$prefix/logs" "$prefix/tmp" "$prefix/errors"
	# lighttpd's own errors, as JSON: the shipped documents (dev.conf.in).
	cp "$top_srcdir"/errors/status-*.html "$prefix/errors/" || return 1
	chmod a+r "$prefix"/errors/*
	IT_LIGHTTPD_PORT=$(it_free_port) || return 1
	it_fill_template "$template" "$prefix/lighttpd.conf" \
	    "$prefix" "$IT_LIGHTTPD_PORT"
	IT_LIGHTTPD_PREFIX=$prefix
	if ! "$lighttpd" -f "$prefix/lighttpd.conf" 2>"$prefix/logs/start.log"; then
		it_diag "lighttpd did not start:"
		it_diag "$(cat "$prefix/logs/start.log" "$prefix/logs/error.log" 2>/dev/null)"
		return 1
	fi
	it_wait_port "$IT_LIGHTTPD_PORT" || { it_diag "lighttpd not listening"; return 1; }
	IT_LIGHTTPD_URL="http://127.0.0.1:$IT_LIGHTTPD_PORT"
	return 0
}

# ---------------------------------------------------------------------------
# HTTP
# ---------------------------------------------------------------------------

# it_http METHOD URL [CURL-ARGS...]: one request.  Sets IT_HTTP_CODE
# ("000" when no answer), IT_HTTP_BODY, IT_HTTP_MS (curl's time_total in
# milliseconds); the response headers are in $IT_TMP/http.headers (read
# them with it_http_header).
it_http() {
	local method=$1 url=$2 out
	shift 2
	local -a m=(-X "$method" -o "$IT_TMP/http.body")
	# HEAD: curl must not wait for a body (and writes the headers to -o).
	[ "$method" = HEAD ] && m=(--head -o /dev/null)
	: >"$IT_TMP/http.body"
	: >"$IT_TMP/http.headers"
	out=$(curl -sS --max-time 5 "${m[@]}" \
	    -D "$IT_TMP/http.headers" -w '%{http_code} %{time_total}' \
	    "$@" "$url" 2>"$IT_TMP/http.err")
	IT_HTTP_CODE=${out%% *}
	[ -n "$IT_HTTP_CODE" ] || IT_HTTP_CODE=000
	IT_HTTP_MS=$(awk -v t="${out#* }" 'BEGIN { printf "%d", t * 1000 }')
	IT_HTTP_BODY=$(cat "$IT_TMP/http.body")
	return 0
}

# it_http_raw METHOD URL: the request in plain HTTP/1.0 over a socket, and
# the response exactly as it came, for what curl hides (such as a body
# after a HEAD).  Sets IT_RAW_HEAD (the status line, "_" for spaces) and
# IT_RAW_BODY_BYTES (the bytes after the headers; -1 when they never end).
it_http_raw() {
	local method=$1 url=$2 hostport path raw
	hostport=${url#http://}
	path=/${hostport#*/}
	hostport=${hostport%%/*}
	raw=$IT_TMP/http.raw
	: >"$raw"
	{
		exec 3<>"/dev/tcp/${hostport%:*}/${hostport##*:}" || return 1
		printf '%s %s HTTP/1.0\r\nHost: %s\r\nConnection: close\r\n\r\n' \
		    "$method" "$path" "$hostport" >&3
		timeout 5 cat <&3 >"$raw"
		exec 3<&-
	} 2>/dev/null
	read -r IT_RAW_HEAD IT_RAW_BODY_BYTES < <("$IT_PYTHON" -c '
import sys
data = open(sys.argv[1], "rb").read()
head, sep, body = data.partition(b"\r\n\r\n")
print(head.split(b"\r\n")[0].decode("latin-1").replace(" ", "_"), len(body) if sep else -1)
' "$raw")
	return 0
}

# it_http_header NAME: the value of a header of the last response.
it_http_header() {
	tr -d '\r' <"$IT_TMP/http.headers" | awk -v name="$1" '
		/^HTTP\// { delete v; next }
		{
			i = index($0, ":")
			if (i > 0 && tolower(substr($0, 1, i - 1)) == tolower(name)) {
				s = substr($0, i + 1)
				sub(/^[ \t]+/, "", s)
				v[1] = s
			}
		}
		END { if (1 in v) print v[1] }'
}

# it_json PATH [JSON]: a value of the last response body (or of JSON):
# PATH is dotted ("checks.database.status", "apps.0.app_id").  Strings
# print raw, other values as JSON; exit 1 when absent or not JSON.
it_json() {
	local path=$1
	local json=${2-$IT_HTTP_BODY}
	"$IT_PYTHON" -c '
import json, sys
try:
    v = json.loads(sys.argv[2])
except ValueError:
    sys.exit(2)
for k in [k for k in sys.argv[1].split(".") if k]:
    if isinstance(v, list) and k.isdigit() and int(k) < len(v):
        v = v[int(k)]
    elif isinstance(v, dict) and k in v:
        v = v[k]
    else:
        sys.exit(1)
print(v if isinstance(v, str) else json.dumps(v))
' "$path" "$json"
}

# it_http_until CODE SECONDS METHOD URL [CURL-ARGS...]: repeat the request
# until it answers CODE (0) or SECONDS pass (1).
it_http_until() {
	local want=$1 secs=$2 deadline
	shift 2
	deadline=$((SECONDS + secs))
	while :; do
		it_http "$@"
		[ "$IT_HTTP_CODE" = "$want" ] && return 0
		[ "$SECONDS" -ge "$deadline" ] && return 1
		sleep 0.2
	done
}
