#!/bin/bash
# The dashboard (web/) in a real browser, through nginx.
#
# Starts PostgreSQL, the programs and nginx (which serves a copy of web/
# and Debian's Chart.js at /javascript/), ingests known events for three
# apps (demo: busy and failing, so an error-rate alert; shop: quiet for
# the last two hours, so a "silent" alert; blog: no event at all), lets
# `axlogctl alerts --notify` see the alerts fire (its target down), then
# runs tests/browser/dashboard.test.mjs in Debian's chromium with
# playwright-core.  That script compares every number on the page with
# what /stats, /stats/apps, /stats/alerts and /stats/logs answer, and
# saves screenshots.  Its TAP passes through unchanged.
#
# Needs: node (18 or newer), chromium (/usr/bin/chromium, or $CHROMIUM),
# and tests/browser/node_modules (cd tests/browser && npm ci), or
# PLAYWRIGHT_CORE naming a playwright-core package directory.  Without
# them the script skips, loudly.  scripts/dev test installs all three.
#
# Screenshots go to $OUT_DIR (default: tests/browser/screenshots in the
# build tree).

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

it_init
it_require nginx node

BROWSER_DIR=$top_srcdir/tests/browser
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
if [ -z "${PLAYWRIGHT_CORE:-}" ]; then
	PLAYWRIGHT_CORE=$BROWSER_DIR/node_modules/playwright-core
fi
[ -x "$CHROMIUM" ] || it_skip_all "no chromium at $CHROMIUM (apt-get install chromium)"
[ -f "$PLAYWRIGHT_CORE/package.json" ] ||
	it_skip_all "playwright-core is not installed (cd tests/browser && npm ci)"
node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 18 ? 0 : 1)' ||
	it_skip_all "node $(node --version) is too old (18 or newer)"
[ -f /usr/share/javascript/chart.js/chart.min.js ] ||
	it_skip_all "Chart.js is not installed (apt-get install libjs-chart.js)"

for p in "$IT_HEALTH" "$IT_INGEST" "$IT_STATS" "$IT_AXLOGCTL"; do
	[ -x "$p" ] || it_bail "$p is not built (run make first)"
done

T0=$SECONDS
it_pg_start || it_bail "PostgreSQL did not start"
it_setup_db || it_bail "database setup failed"
it_spawn_all || it_bail "the programs did not start"
it_nginx_start || it_bail "nginx did not start"

DASH=$IT_TMP/dashboard
mkdir -p "$DASH"
CTL_LOG=$IT_TMP/logs/ctl.log

# ---------------------------------------------------------------------------
# Apps, keys and known events
# ---------------------------------------------------------------------------

it_ctl app add shop --kind heavy --description "the shop (orders and payments)" >>"$CTL_LOG" 2>&1 &&
it_ctl app add blog --kind lightweight --description "a personal site" >>"$CTL_LOG" 2>&1 ||
	it_bail "axlogctl app add failed: $(tail -n 3 "$CTL_LOG")"
SHOP_INGEST_KEY=$(it_ctl key create --app shop --scope ingest 2>>"$CTL_LOG") &&
DEMO_READ_KEY=$(it_ctl key create --app demo --scope read 2>>"$CTL_LOG") ||
	it_bail "axlogctl key create failed: $(tail -n 3 "$CTL_LOG")"

XSS_MESSAGE='<img src=x onerror="window.__pwned=1">'

# events.py APP OUT: a JSON array of the fixture events of APP.  Times are
# relative to now; ids are fixed by the seed, so a resend is harmless.
"$IT_PYTHON" - "$DASH" "$XSS_MESSAGE" <<'PYEOF' || it_bail "cannot write the fixture events"
import datetime, json, random, sys, uuid

out, xss = sys.argv[1], sys.argv[2]
now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
rnd = random.Random(20261123)

def ts(minutes_ago):
    t = now - datetime.timedelta(minutes=minutes_ago)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + "%06dZ" % rnd.randrange(1000000)

def ev(minutes_ago, event_type, ok=True, **kw):
    e = {"id": str(uuid.UUID(int=rnd.getrandbits(128), version=4)),
         "created_at": ts(minutes_ago), "event_type": event_type, "success": ok}
    e.update(kw)
    return e

demo = []
# Busy and failing over the last 100 minutes: every 5th fails (20 %).
for i in range(60):
    t = rnd.choice(["user.login", "page.view", "page.view", "api.call"])
    demo.append(ev(2 + i * 1.6, t, ok=(i % 5 != 2),
                   duration_ms=round(rnd.lognormvariate(3.2, 0.8), 2),
                   message="%s #%d" % (t, i),
                   user_id=str(uuid.UUID(int=rnd.getrandbits(128), version=4)),
                   ip_address="192.0.2.%d" % (i + 1),
                   metadata={"n": i, "path": "/p/%d" % (i % 7)}))
# Earlier in the day.
for i in range(30):
    t = rnd.choice(["user.login", "page.view", "api.call", "cron.backup"])
    demo.append(ev(180 + i * 40, t, ok=(i % 9 != 4),
                   duration_ms=round(rnd.lognormvariate(3.0, 1.0), 2),
                   event_subtype="batch" if t == "cron.backup" else None,
                   message="earlier %s #%d" % (t, i)))
# Text that must stay text.
demo.append(ev(1.5, "page.view", message="line one\nline two: «ünïcødé» ✓ </td><script>window.__pwned=2</script>",
               metadata={"html": "<b>bold</b>", "nested": {"a": [1, 2, {"b": None}]}}))
demo.append(ev(1, "xss.test", message=xss,
               metadata={"<img src=x onerror=\"window.__pwned=3\">": "<svg onload=\"window.__pwned=4\">"}))
for e in demo:
    for k in [k for k, v in e.items() if v is None]:
        del e[k]

shop = []
# Active from 22 hours ago until 2 hours ago, then silent.
for i in range(40):
    t = rnd.choice(["order.create", "payment", "payment", "cart.add"])
    shop.append(ev(125 + i * 31, t, ok=not (t == "payment" and i % 4 == 1),
                   duration_ms=round(rnd.lognormvariate(4.5, 0.7), 2),
                   message="%s #%d" % (t, i), metadata={"amount_cents": 100 * i}))

json.dump(demo, open(out + "/demo.json", "w"))
json.dump(shop, open(out + "/shop.json", "w"))
print(len(demo), len(shop), file=open(out + "/counts", "w"))
PYEOF
read -r N_DEMO N_SHOP <"$DASH/counts"

ingest() {
	local key=$1 file=$2 want=$3
	it_http POST "$IT_NGINX_URL/ingest" -H "X-API-Key: $key" \
	    -H 'Content-Type: application/json' --data-binary "@$file"
	if [ "$IT_HTTP_CODE" != 200 ] || [ "$(it_json accepted)" != "$want" ]; then
		it_bail "ingest of $file: HTTP $IT_HTTP_CODE $IT_HTTP_BODY"
	fi
}
ingest "$IT_INGEST_KEY" "$DASH/demo.json" "$N_DEMO"
ingest "$SHOP_INGEST_KEY" "$DASH/shop.json" "$N_SHOP"

# Alert delivery sees both alerts fire; its one target is down (nothing
# listens on its port), so the page shows each alert's time, a notice
# that failed and one that waits behind it.
DOWN_PORT=$(it_free_port) || it_bail "no free port"
printf '[ops]\ntype = webhook\nurl = http://127.0.0.1:%s/hook\ntimeout = 2\n' "$DOWN_PORT" >"$DASH/notify.conf"
it_ctl alerts --notify --config "$DASH/notify.conf" >>"$CTL_LOG" 2>&1
[ $? = 1 ] || it_bail "axlogctl alerts --notify with its target down should exit 1: $(tail -n 3 "$CTL_LOG")"

# ---------------------------------------------------------------------------
# The browser
# ---------------------------------------------------------------------------

OUT_DIR=${OUT_DIR:-$top_builddir/tests/browser/screenshots}
mkdir -p "$OUT_DIR" || it_bail "cannot create $OUT_DIR"
it_diag "stack ready in $((SECONDS - T0)) s; screenshots go to $OUT_DIR"

B0=$(date +%s%N)
# A hung browser must not hang "make check": two minutes at most.
timeout -k 5 120 env BASE_URL="$IT_NGINX_URL" READ_KEY="$IT_READ_KEY" OUT_DIR="$OUT_DIR" \
    DRILL_APP=demo APP_READ_KEY="$DEMO_READ_KEY" FORBIDDEN_APP=shop \
    INGEST_KEY="$IT_INGEST_KEY" XSS_MESSAGE="$XSS_MESSAGE" \
    CHROMIUM="$CHROMIUM" PLAYWRIGHT_CORE="$PLAYWRIGHT_CORE" \
    node "$BROWSER_DIR/dashboard.test.mjs" >"$DASH/tap.out" 2>"$DASH/stderr.out" </dev/null
RC=$?
B1=$(date +%s%N)

# Pass the TAP through.  A script that died before its plan still gives
# a failing test, never an empty TAP stream.
if grep -Eq '^1\.\.[0-9]+' "$DASH/tap.out"; then
	cat "$DASH/tap.out"
	if [ "$RC" -ne 0 ] && ! grep -q '^not ok' "$DASH/tap.out"; then
		it_diag "$(tail -n 30 "$DASH/stderr.out")"
		echo "Bail out! dashboard.test.mjs exited with status $RC"
	fi
else
	echo '1..1'
	echo 'not ok 1 - the browser tests ran'
	it_diag "dashboard.test.mjs exited with status $RC before its plan:"
	it_diag "$(cat "$DASH/tap.out"; tail -n 30 "$DASH/stderr.out")"
	RC=1
fi
if [ -s "$DASH/stderr.out" ] && [ "$RC" -eq 0 ]; then
	it_diag "stderr of dashboard.test.mjs:"
	it_diag "$(tail -n 10 "$DASH/stderr.out")"
fi
it_diag "browser part took $(( (B1 - B0) / 1000000 )) ms; whole script $((SECONDS - T0)) s"
if ! it_logs_clean; then
	echo 'Bail out! sanitizer reports in the programs'"'"' logs'
	RC=1
fi
exit "$RC"
