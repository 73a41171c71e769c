#!/bin/bash
# Alert delivery: `axlogctl alerts --notify` against a webhook receiver
# (python3's http.server on loopback, one path per target: the JSON,
# Slack-compatible and ntfy-compatible formats) and a sendmail stand-in
# (a script that keeps each message it is given).  Apps cross their
# thresholds and recover through the real ingest program; every check
# counts what the receivers got.  Covers: per-app thresholds set with
# axlogctl; exactly one "firing" notice per target when an alert fires
# and one "resolved" when it recovers, never repeated by later runs;
# two runs at once still sending one each; a receiver answering 500 and
# a sendmail exiting 1 getting the notice on the next run, with the same
# idempotency key, the other targets unaffected; a run killed after the
# receiver took a notice but before it was marked (the next run sends it
# again, same key: at least once); a target added later getting no
# "resolved" for an alert it never saw fire; alerts resolved before the
# retention forgotten; what /stats/alerts tells the dashboard (fired_at,
# notice); a sendmail that hangs killed at its timeout; the target file
# refused with its line.
# TAP on stdout.
#
# Time budget: 60 s (about 20 s on a busy 2-CPU machine).

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SECONDS=0
it_init
it_require nginx
it_plan 54

for p in "$IT_INGEST" "$IT_STATS" "$IT_AXLOGCTL"; do
	[ -x "$p" ] || it_bail "$p is not built (run make first)"
done

it_pg_start || it_bail "PostgreSQL did not start"
it_setup_db || it_bail "database setup failed"
it_spawn_all || it_bail "the programs did not start"
it_nginx_start || it_bail "nginx did not start"

N=$IT_TMP/notify
RCV=$N/receiver
MAIL=$N/mail
mkdir -p "$RCV" "$MAIL"
CTL_LOG=$IT_TMP/logs/ctl.log

# ---------------------------------------------------------------------------
# The receivers
# ---------------------------------------------------------------------------

# The webhook receiver: every POST is appended to $RCV/log.jsonl (path,
# status answered, headers, body) before it is answered.  It answers
# the status in $RCV/status.PATH (200 when missing), after the seconds
# in $RCV/delay; when $RCV/kill.PATH names a process, it kills it
# (SIGKILL) after recording the request and before answering.
RCV_PORT=$(it_free_port) || it_bail "no free port"
cat >"$N/receiver.py" <<'PYEOF'
import http.server, json, os, signal, sys, time

d, port = sys.argv[1], int(sys.argv[2])


def read(name, default):
    try:
        with open(os.path.join(d, name)) as f:
            return f.read().strip()
    except OSError:
        return default


class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        name = self.path.strip("/")
        status = int(read("status." + name, "200"))
        time.sleep(float(read("delay", "0")))
        rec = {"path": name, "status": status,
               "key": self.headers.get("Idempotency-Key"),
               "ctype": self.headers.get("Content-Type"),
               "title": self.headers.get("Title"),
               "auth": self.headers.get("Authorization"),
               "body": body.decode("utf-8", "replace")}
        with open(os.path.join(d, "log.jsonl"), "a") as f:
            f.write(json.dumps(rec) + "\n")
        victim = read("kill." + name, "")
        if victim:
            os.remove(os.path.join(d, "kill." + name))
            os.kill(int(victim), signal.SIGKILL)
            time.sleep(0.5)
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


http.server.ThreadingHTTPServer(("127.0.0.1", port), H).serve_forever()
PYEOF
"$IT_PYTHON" "$N/receiver.py" "$RCV" "$RCV_PORT" >>"$IT_TMP/logs/receiver.log" 2>&1 &
IT_PIDS+=("$!")
it_wait_port "$RCV_PORT" || it_bail "the webhook receiver did not start"

# The sendmail stand-in: keeps its arguments and standard input in
# $MAIL/msg.*, renamed *.refused when it exits with the status in
# $MAIL/status (0 when missing); first sleeps the seconds in $MAIL/sleep
# (a child process, its pid in $MAIL/sleep.pid).
cat >"$N/sendmail" <<EOF
#!/bin/bash
if [ -f "$MAIL/sleep" ]; then
	sleep "\$(cat "$MAIL/sleep")" &
	echo "\$!" >"$MAIL/sleep.pid"
	wait
fi
st=\$(cat "$MAIL/status" 2>/dev/null || echo 0)
f=\$(mktemp "$MAIL/msg.XXXXXX")
{ printf 'ARGS:'; printf ' %s' "\$@"; printf '\n'; cat; } >"\$f"
[ "\$st" = 0 ] || mv "\$f" "\$f.refused"
exit "\$st"
EOF
chmod 755 "$N/sendmail"

H=http://127.0.0.1:$RCV_PORT
cat >"$N/notify.conf" <<EOF
# integration test targets
[hook]
type = webhook
url = $H/hook
header = Authorization: Bearer it-secret
timeout = 5

[chat]
type = webhook
format = slack
url = $H/chat

[phone]
type = webhook
format = ntfy
url = $H/phone

[mail]
type = email
to = ops@example.com, oncall@example.com
from = axlog@example.com
sendmail = $N/sendmail
timeout = 5
EOF

# notify NAME: one run; stdout/stderr in $N/NAME.out/.err, status NOTIFY_RC.
notify() {
	it_env_run AXLOG_ADMIN_DATABASE_URL="$IT_ADMIN_URL" -- timeout 30 \
	    "$IT_AXLOGCTL" alerts --notify --config "$N/notify.conf" \
	    >"$N/$1.out" 2>"$N/$1.err"
	NOTIFY_RC=$?
}
show() {
	it_diag "exit status $NOTIFY_RC; stdout:"
	it_diag "$(cat "$N/$1.out")"
	it_diag "stderr:"
	it_diag "$(cat "$N/$1.err")"
}

# got PATH TRANSITION APP [accepted|refused|all]: webhook requests of one
# target about one transition of one app's alert.
got() {
	"$IT_PYTHON" - "$RCV/log.jsonl" "$@" <<'PYEOF'
import json, sys
log, path, tr, app = sys.argv[1:5]
which = sys.argv[5] if len(sys.argv) > 5 else "accepted"
n = 0
try:
    lines = open(log).read().splitlines()
except OSError:
    lines = []
for line in lines:
    r = json.loads(line)
    if r["path"] != path:
        continue
    if which == "accepted" and not 200 <= r["status"] < 300:
        continue
    if which == "refused" and 200 <= r["status"] < 300:
        continue
    b = r["body"]
    if path == "hook":
        j = json.loads(b)
        ok = j["status"] == tr and j["alert"]["app_id"] == app
    elif path == "chat":
        t = json.loads(b)["text"]
        ok = (" %s " % tr in t or " %s:" % tr in t) and " %s " % app in t
    else:
        ok = r["title"] == "axlog: %s error_rate %s" % (app, tr)
    n += ok
print(n)
PYEOF
}

# all_requests: how many requests the receiver got in all.
all_requests() {
	if [ -f "$RCV/log.jsonl" ]; then
		wc -l <"$RCV/log.jsonl" | tr -d ' '
	else
		echo 0
	fi
}

# mails WORD APP [refused]: messages the stand-in took (or refused) whose
# subject is "[axlog] WORD: error_rate alert for APP".
mails() {
	local pat="Subject: [axlog] $1: error_rate alert for $2" f n=0
	for f in "$MAIL"/msg.*; do
		[ -f "$f" ] || continue
		case $f in
		*.refused) [ "${3:-}" = refused ] || continue ;;
		*) [ "${3:-}" = refused ] && continue ;;
		esac
		grep -qxF "$pat" "$f" && n=$((n + 1))
	done
	echo "$n"
}

# counts TRANSITION APP: the accepted notices of every target, "h c p m".
counts() {
	local w=FIRING
	[ "$1" = resolved ] && w=RESOLVED
	echo "$(got hook "$1" "$2") $(got chat "$1" "$2") $(got phone "$1" "$2") $(mails "$w" "$2")"
}

# events APP KEY OK FAILED: OK successful and FAILED failed events, now.
events() {
	local body
	body=$("$IT_PYTHON" -c '
import json, sys
ok, bad = int(sys.argv[1]), int(sys.argv[2])
print(json.dumps([{"event_type": "it.notify", "success": i >= bad}
                  for i in range(ok + bad)]))' "$3" "$4")
	it_http POST "$IT_NGINX_URL/ingest" -H "Authorization: Bearer $2" \
	    -H 'Content-Type: application/json' --data-binary "$body"
	[ "$IT_HTTP_CODE" = 200 ] || it_diag "ingest for $1: $IT_HTTP_CODE $IT_HTTP_BODY"
}

# alert_field APP FIELD: a field of APP's error_rate alert in /stats/alerts.
alert_field() {
	it_http GET "$IT_NGINX_URL/stats/alerts" -H "Authorization: Bearer $IT_READ_KEY"
	"$IT_PYTHON" -c '
import json, sys
for a in json.loads(sys.argv[1])["alerts"]:
    if a["app_id"] == sys.argv[2] and a["type"] == "error_rate":
        print(json.dumps(a.get(sys.argv[3])))' "$IT_HTTP_BODY" "$1" "$2"
}

# notices_row APP TRANSITION TARGET: "attempts sent? last_error".
notices_row() {
	it_psql axlog -F ' ' -c "SELECT n.attempts, n.sent_at IS NOT NULL,
	    coalesce(n.last_error, '-') FROM axlog.alert_notices n
	    JOIN axlog.alert_events e USING (alert_id)
	    WHERE e.app_id = '$1' AND n.transition = '$2' AND n.target = '$3'"
}

for app in shop blog api; do
	it_ctl app add "$app" --kind heavy >>"$CTL_LOG" 2>&1 ||
		it_bail "axlogctl app add $app failed"
done
SHOP_KEY=$(it_ctl key create --app shop --scope ingest 2>>"$CTL_LOG") &&
BLOG_KEY=$(it_ctl key create --app blog --scope ingest 2>>"$CTL_LOG") &&
API_KEY=$(it_ctl key create --app api --scope ingest 2>>"$CTL_LOG") ||
	it_bail "axlogctl key create failed"

# ===========================================================================
# 1. Thresholds and the target file (7 tests)
# ===========================================================================

it_ctl alerts set --app shop --error-rate 0.2 --min-events 10 >>"$CTL_LOG" 2>&1
it_is "$?" 0 "alerts set --app shop --error-rate 0.2 --min-events 10: exit 0"
it_ctl alerts set --app shop --error-rate 1.5 >>"$CTL_LOG" 2>&1
it_is "$?" 2 "alerts set --error-rate 1.5: exit 2"
it_ctl alerts set --app nosuch --silence-minutes 5 >>"$CTL_LOG" 2>&1
it_is "$?" 1 "alerts set for an unknown app: exit 1"
T=$(it_ctl alerts thresholds 2>>"$CTL_LOG")
it_is "$(grep '^shop	' <<<"$T")" "shop	0.2	10	1	60" \
	"alerts thresholds: shop's own rate and minimum, the default window and silence"
it_is "$(grep '^blog	' <<<"$T")" "blog	0.05	20	1	60" "alerts thresholds: blog has the defaults"

printf '[hook]\ntype = webhook\nurl = ftp://example.com/\n' >"$N/bad.conf"
it_env_run AXLOG_ADMIN_DATABASE_URL="$IT_ADMIN_URL" -- "$IT_AXLOGCTL" alerts \
    --notify --config "$N/bad.conf" >"$N/bad.out" 2>"$N/bad.err"
rc=$?
[ "$rc" = 1 ] && grep -q 'bad.conf: line 3: url must be' "$N/bad.err"
it_ok $? "a bad url in the target file: exit 1, the file and line named" ||
	it_diag "exit $rc: $(cat "$N/bad.err")"

notify n0
[ "$NOTIFY_RC" = 0 ] && [ "$(all_requests)" = 0 ] && [ "$(mails FIRING shop)" = 0 ]
it_ok $? "no alert: exit 0, nothing sent" || show n0

# ===========================================================================
# 2. Firing and resolved, once each (13 tests)
# ===========================================================================

# 3 of 20 failed: 15 %, above the default 5 % but under shop's 20 %.
events shop "$SHOP_KEY" 17 3
notify n1
[ "$NOTIFY_RC" = 0 ] && [ "$(all_requests)" = 0 ]
it_ok $? "shop at 15 % (its threshold 20 %): no notice" || show n1

# 13 of 30 failed: 43 %.
events shop "$SHOP_KEY" 0 10
notify n2
it_is "$NOTIFY_RC" 0 "shop at 43 %: notify exits 0" || show n2
it_is "$(counts firing shop)" "1 1 1 1" "shop fires: one notice on each target (hook chat phone mail)" || show n2
it_like "$(cat "$N/n2.out")" "firing error_rate shop" "the run prints the transition"

R=$("$IT_PYTHON" -c '
import json, sys
r = [json.loads(l) for l in open(sys.argv[1])][0]
j = json.loads(r["body"])
a = j["alert"]
ok = (r["key"] == j["id"] and j["id"].endswith(":firing") and
      r["ctype"] == "application/json" and r["auth"] == "Bearer it-secret" and
      a["type"] == "error_rate" and a["app_id"] == "shop" and
      a["kind"] == "heavy" and abs(a["value"] - 13 / 30) < 0.0001 and
      a["threshold"] == 0.2 and j["resolved_at"] is None and
      j["fired_at"] and a["since"] and "shop" in j["text"])
print("ok" if ok else json.dumps(r))' "$RCV/log.jsonl")
it_is "$R" ok "webhook body: id = Idempotency-Key, status, alert (type, app, kind, value, threshold, since), fired_at, text; the target's header"
M=$(grep -lxF "Subject: [axlog] FIRING: error_rate alert for shop" "$MAIL"/msg.* | head -n 1)
grep -qx 'ARGS: -i ops@example.com oncall@example.com' "$M" &&
grep -qx 'To: ops@example.com, oncall@example.com' "$M" &&
grep -qx 'From: axlog@example.com' "$M" &&
grep -q '^Message-ID: <[0-9a-f-]*\.firing@axlog>$' "$M"
it_ok $? "mail: sendmail -i with the recipients; To, From, Message-ID" || it_diag "$(cat "$M")"

notify n3
[ "$NOTIFY_RC" = 0 ] && [ "$(counts firing shop)" = "1 1 1 1" ] && [ "$(all_requests)" = 3 ]
it_ok $? "another run: nothing sent again" || show n3
it_like "$(alert_field shop fired_at)" '^"20[0-9-]+T' "/stats/alerts: shop has fired_at"
it_is "$(alert_field shop notice)" '"sent"' "/stats/alerts: shop's notice was sent"

# 13 of 70 failed: 18.6 %, under 20 %: resolved.
events shop "$SHOP_KEY" 40 0
notify n4
it_is "$NOTIFY_RC" 0 "shop recovers: notify exits 0" || show n4
it_is "$(counts resolved shop)" "1 1 1 1" "shop resolves: one resolved notice on each target" || show n4
notify n5
[ "$NOTIFY_RC" = 0 ] && [ "$(counts resolved shop)" = "1 1 1 1" ] &&
    [ "$(counts firing shop)" = "1 1 1 1" ] && [ "$(all_requests)" = 6 ]
it_ok $? "another run: nothing sent again" || show n5
it_is "$(alert_field shop type)" "" "/stats/alerts: shop's alert is gone"

# ===========================================================================
# 3. Two runs at once (6 tests)
# ===========================================================================

# Each request takes a second, so the two runs overlap.
events blog "$BLOG_KEY" 0 25
echo 1 >"$RCV/delay"
( it_env_run AXLOG_ADMIN_DATABASE_URL="$IT_ADMIN_URL" -- timeout 30 "$IT_AXLOGCTL" \
    alerts --notify --config "$N/notify.conf" >"$N/c1.out" 2>"$N/c1.err" ) &
P1=$!
( it_env_run AXLOG_ADMIN_DATABASE_URL="$IT_ADMIN_URL" -- timeout 30 "$IT_AXLOGCTL" \
    alerts --notify --config "$N/notify.conf" >"$N/c2.out" 2>"$N/c2.err" ) &
P2=$!
wait "$P1"
RC1=$?
wait "$P2"
RC2=$?
rm -f "$RCV/delay"
it_is "$RC1 $RC2" "0 0" "two runs at once: both exit 0" ||
	it_diag "$(cat "$N/c1.out" "$N/c1.err" "$N/c2.out" "$N/c2.err")"
it_is "$(counts firing blog)" "1 1 1 1" "two runs at once: one firing notice on each target"
it_is "$(got hook firing blog all) $(got chat firing blog all) $(got phone firing blog all)" "1 1 1" \
	"two runs at once: no webhook got a second request"
it_is "$(grep -c '^sent ' "$N/c1.out" "$N/c2.out" | awk -F: '{ s += $2 } END { print s }')" 4 \
	"the two runs sent 4 notices between them"
it_is "$(grep -c '^firing error_rate blog$' "$N/c1.out" "$N/c2.out" | awk -F: '{ s += $2 } END { print s }')" 1 \
	"one of the two runs recorded the transition"
it_is "$(it_psql axlog -c "SELECT count(*) FROM axlog.alert_notices n JOIN axlog.alert_events e
    USING (alert_id) WHERE e.app_id = 'blog' AND n.attempts = 1 AND n.sent_at IS NOT NULL")" 4 \
	"blog's 4 notices: each sent, in one attempt"

# ===========================================================================
# 4. A target that fails (15 tests)
# ===========================================================================

# hook answers 500, sendmail exits 1; api fires.
echo 500 >"$RCV/status.hook"
echo 1 >"$MAIL/status"
events api "$API_KEY" 0 30
BEFORE_HOOK=$(got hook firing api all)
notify f1
it_is "$NOTIFY_RC" 1 "hook answers 500, sendmail exits 1: notify exits 1" || show f1
it_like "$(cat "$N/f1.err")" "notice firing error_rate api to hook: answered HTTP 500; kept for the next run" \
	"the failure is named on stderr"
it_is "$(got hook firing api refused)" 1 "hook got api's firing notice once, answered 500"
it_is "$(mails FIRING api refused)" 1 "the stand-in refused api's firing mail once"
it_is "$(got chat firing api) $(got phone firing api)" "1 1" "chat and phone still got api's firing notice"
it_is "$(notices_row api firing hook)" "1 f answered HTTP 500" "hook's notice: one attempt, unsent, the error kept"
it_like "$(notices_row api firing mail)" "^1 f .*exited with status 1$" "mail's notice: one attempt, unsent, the error kept"
it_is "$(alert_field api notice)" '"failing"' "/stats/alerts: api's notice is failing"
[ "$BEFORE_HOOK" = 0 ]
it_ok $? "(nothing about api before)"

notify f2
it_is "$NOTIFY_RC" 1 "still failing: exit 1 again" || show f2
it_is "$(got hook firing api refused) $(got chat firing api all)" "2 1" \
	"the failing target is tried again; the others are not sent again"

rm -f "$RCV/status.hook" "$MAIL/status"
notify f3
it_is "$NOTIFY_RC" 0 "the target is back: exit 0" || show f3
it_is "$(counts firing api)" "1 1 1 1" "api: one firing notice taken on each target"
K=$("$IT_PYTHON" -c '
import json, sys
ks = {json.loads(l)["key"] for l in open(sys.argv[1])
      if json.loads(l)["path"] == "hook" and ":firing" in (json.loads(l)["key"] or "")
      and json.loads(json.loads(l)["body"])["alert"]["app_id"] == "api"}
print(len(ks))' "$RCV/log.jsonl")
it_is "$K" 1 "the three requests to hook carried one Idempotency-Key"
it_is "$(alert_field api notice)" '"sent"' "/stats/alerts: api's notice was sent"

# ===========================================================================
# 5. A run killed after the receiver took a notice, before the mark (5 tests)
# ===========================================================================

# The receiver kills the run while it waits for the answer; blog recovers.
# A target added now never had blog's firing notice: it gets no resolved.
printf '\n[late]\ntype = webhook\nurl = %s/late\n' "$H" >>"$N/notify.conf"
events blog "$BLOG_KEY" 600 0
# The subshell names itself, then becomes axlogctl (same process).
( echo "$BASHPID" >"$RCV/kill.hook"
  exec env -i PATH="$PATH" AXLOG_ADMIN_DATABASE_URL="$IT_ADMIN_URL" "$IT_AXLOGCTL" \
    alerts --notify --config "$N/notify.conf" >"$N/k1.out" 2>"$N/k1.err" ) &
KP=$!
{ wait "$KP"; } 2>/dev/null
KRC=$?
# Its transaction ends when the server sees the connection closed.
for _ in $(seq 50); do
	[ "$(it_psql axlog -c "SELECT count(*) FROM pg_stat_activity
	    WHERE datname = 'axlog' AND state LIKE 'idle in transaction%'")" = 0 ] && break
	sleep 0.1
done
it_is "$KRC" 137 "the run was killed (SIGKILL) by the receiver" || it_diag "$(cat "$N/k1.out" "$N/k1.err")"
it_is "$(got hook resolved blog all)" 1 "hook got blog's resolved notice once before the kill"
notify k2
it_is "$(got hook resolved blog all) $(got chat resolved blog all)" "2 1" \
	"the next run sends it to hook again (at least once), and to the others once" || show k2
K=$("$IT_PYTHON" -c '
import json, sys
print(len({json.loads(l)["key"] for l in open(sys.argv[1])
      if json.loads(l)["path"] == "hook" and (json.loads(l)["key"] or "").endswith(":resolved")
      and json.loads(json.loads(l)["body"])["alert"]["app_id"] == "blog"}))' "$RCV/log.jsonl")
it_is "$K" 1 "both copies carry one Idempotency-Key"
it_is "$(grep -c '"path": "late"' "$RCV/log.jsonl") $(it_psql axlog -c "SELECT count(*)
    FROM axlog.alert_notices WHERE target = 'late'")" "0 0" \
	"a target added after blog fired gets no resolved notice for it"

# ===========================================================================
# 6. Nothing left; old alerts forgotten (4 tests)
# ===========================================================================

N_BEFORE=$(all_requests)
notify z1
[ "$NOTIFY_RC" = 0 ] && [ "$(all_requests)" = "$N_BEFORE" ]
it_ok $? "a last run: exit 0, nothing sent" || show z1
it_is "$(it_psql axlog -c "SELECT count(*) FROM axlog.alert_notices WHERE sent_at IS NULL")" 0 \
	"no notice is left unsent"

# shop's alert, resolved and sent, as if 100 days old: past the retention.
it_psql axlog -c "UPDATE axlog.alert_events SET fired_at = fired_at - interval '100 days',
    resolved_at = resolved_at - interval '100 days' WHERE app_id = 'shop'" >/dev/null
notify z2
it_is "$NOTIFY_RC $(it_psql axlog -c "SELECT string_agg(DISTINCT app_id, ' ' ORDER BY app_id)
    FROM axlog.alert_events")" "0 api blog" \
	"a run forgets alerts resolved before the retention, and keeps the others" || show z2
it_is "$(it_psql axlog -c "SELECT count(*) FROM axlog.alert_notices n
    WHERE NOT EXISTS (SELECT 1 FROM axlog.alert_events e WHERE e.alert_id = n.alert_id)")" 0 \
	"their notices go with them"

# ===========================================================================
# 7. A sendmail that hangs is killed at the target's timeout (4 tests)
# ===========================================================================

it_ctl app add cron --kind lightweight >>"$CTL_LOG" 2>&1 &&
CRON_KEY=$(it_ctl key create --app cron --scope ingest 2>>"$CTL_LOG") ||
	it_bail "axlogctl app add cron failed"
events cron "$CRON_KEY" 0 20
echo 60 >"$MAIL/sleep"
T0=$SECONDS
notify h1
[ "$NOTIFY_RC" = 1 ] && [ $((SECONDS - T0)) -lt 20 ] &&
    grep -q "notice firing error_rate cron to mail: $N/sendmail took longer than 5 s: killed" "$N/h1.err"
it_ok $? "sendmail sleeping 60 s: killed after the 5 s timeout, the run exits 1 ($((SECONDS - T0)) s)" || show h1
it_is "$(got hook firing cron) $(mails FIRING cron)" "1 0" "the webhook got cron's notice; the mail did not count"
SLEEP_PID=$(cat "$MAIL/sleep.pid" 2>/dev/null)
[ -n "$SLEEP_PID" ] && ! it_alive "$SLEEP_PID"
it_ok $? "what the stand-in started (its sleep, pid ${SLEEP_PID:-?}) was killed with it"
rm -f "$MAIL/sleep"
notify h2
it_is "$NOTIFY_RC $(mails FIRING cron)" "0 1" "the next run mails it" || show h2

it_diag "elapsed: ${SECONDS}s"
