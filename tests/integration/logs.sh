#!/bin/bash
# GET /stats/logs through nginx: the events themselves, filtered, paged by
# keyset and exported.
#
# A few thousand varied events (three apps, types, subtypes, users,
# fingerprints, IPv4 and IPv6 addresses, failures, messages in mixed case
# and UTF-8, 250 events sharing one instant, times over the last three
# days) go in through POST /ingest.  Then: every filter paged through with
# limit=100 and compared, id for id and in order, with the same query in
# SQL over axlog.logs; every field of every event equal to its row; the
# Link header; paging while another process keeps ingesting; tampered
# cursors; keys and scopes; every bad parameter; NDJSON and CSV exports
# equal to the table row for row, with formula neutralisation; 100,000
# events of one app exported in flat memory; the first page's plan read
# from the right index without a Sort; a Link that no q can break out
# of; forged cursors (400 bad_cursor); exports not stored; one log line
# for each 503 while PostgreSQL is stopped.  TAP on stdout.
#
# Time budget: 90 s; about 45 s in a sanitizer build, most of it loading
# the 100,000 events and exporting them.  The elapsed time is printed as
# a TAP comment at the end.
#
# LOGS_SEED=N changes the events (the seed is printed as a TAP comment;
# it is fixed by default, and the times are relative to the run).

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

it_init
it_require nginx
it_plan 87

T0=$SECONDS
for p in "$IT_HEALTH" "$IT_INGEST" "$IT_STATS" "$IT_AXLOGCTL"; do
	[ -x "$p" ] || it_bail "$p is not built (run make first)"
done

it_pg_start || it_bail "PostgreSQL did not start"
it_setup_db || it_bail "database setup failed"
it_spawn_all || it_bail "the programs did not start"
it_nginx_start || it_bail "nginx did not start"

N=$IT_NGINX_URL
LG=$IT_TMP/logs-test
mkdir -p "$LG"
CTL_LOG=$IT_TMP/logs/ctl.log
SEED=${LOGS_SEED:-20261123}
it_diag "seed $SEED (LOGS_SEED=$SEED reproduces the events)"

# ---------------------------------------------------------------------------
# Local helpers
# ---------------------------------------------------------------------------

# new_app NAME KIND: register an app (bails out on failure).
new_app() {
	it_ctl app add "$1" --kind "$2" --description "$1 ($2)" >>"$CTL_LOG" 2>&1 ||
		it_bail "axlogctl app add $1 failed: $(tail -n 3 "$CTL_LOG")"
}

# new_key SCOPE [APP]: print a new token.
new_key() {
	local scope=$1 app=${2:-} tok
	local -a args=(key create --scope "$scope")
	[ -n "$app" ] && args+=(--app "$app")
	tok=$(it_ctl "${args[@]}" 2>>"$CTL_LOG") ||
		it_bail "axlogctl key create $scope $app failed: $(tail -n 3 "$CTL_LOG")"
	echo "$tok"
}

# py_checks COUNT SUBCOMMAND [ARGS...]: run a subcommand of the checker;
# its lines "ok<TAB>name", "not ok<TAB>name<TAB>diagnostic" and
# "#<TAB>comment" become exactly COUNT TAP tests (missing ones fail).
py_checks() {
	local want=$1 start=$IT_NTEST status name diag rc
	shift
	"$IT_PYTHON" "$LG/check.py" "$@" >"$LG/py.out" 2>"$LG/py.err"
	rc=$?
	while IFS=$'\t' read -r status name diag; do
		case $status in
		ok) it_ok 0 "$name" ;;
		"not ok")
			it_ok 1 "$name"
			[ -n "$diag" ] && it_diag "  $diag"
			;;
		"#") it_diag "$name" ;;
		esac
	done <"$LG/py.out"
	while [ $((IT_NTEST - start)) -lt "$want" ]; do
		it_ok 1 "$1: test $((IT_NTEST - start + 1)) of $want did not run (exit status $rc)"
		it_diag "$(tail -n 20 "$LG/py.err")"
	done
	if [ $((IT_NTEST - start)) -gt "$want" ]; then
		it_diag "$1: ran $((IT_NTEST - start)) tests, $want expected"
	fi
}

# ---------------------------------------------------------------------------
# The checker (python3): events, paging and exports compared with SQL
# ---------------------------------------------------------------------------

cat >"$LG/check.py" <<'PYEOF'
import csv
import datetime
import http.client
import io
import json
import os
import random
import re
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid

EPOCH = datetime.datetime(1970, 1, 1)
US_S = 10 ** 6
US_MIN = 60 * US_S
US_HOUR = 60 * US_MIN
US_DAY = 24 * US_HOUR

ENV = os.environ
HOSTPORT = ENV["LG_URL"].split("://", 1)[1]
READ_KEY = ENV["LG_READ_KEY"]
KEYS = json.loads(ENV["LG_KEYS"])
DIR = ENV["LG_DIR"]
SEED = int(ENV["LG_SEED"])
PSQL = [ENV["LG_PSQL"], "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
        "-h", "127.0.0.1", "-p", ENV["LG_PGPORT"], "-U", "postgres",
        "-d", "axlog"]
STATE = os.path.join(DIR, "state.json")

APPS = ["demo", "shop", "ax-admin"]
FIELDS = ["id", "app_id", "created_at", "received_at", "event_type",
          "event_subtype", "user_id", "fingerprint", "ip_address",
          "success", "duration_ms", "message", "metadata"]
RFC3339_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?Z$")
TYPES = ["page.view", "auth.login", "http/request", "db:query", "job-run",
         "Email_Send"]
SUBTYPES = [None, None, None, "a", "b", "Ünïcode-ß", "x y", "é" * 64]
USERS = [str(uuid.UUID(int=random.Random(i).getrandbits(128), version=4))
         for i in range(6)]
FINGERPRINTS = [None, None, "fp-1", "FP-1", "fp_%", "fpx1", "ß指紋"]
IPS = [None, None, "10.0.0.1", "10.0.0.10", "192.168.1.20", "2001:db8::1",
       "2001:db8::10", "::1"]
MESSAGES = [
    "Timeout after %d ms", "TIMEOUT on upstream %d", "timeout", "timeOUT!",
    "Café Zürich %d", "CAFÉ ZÜRICH %d", "café zürich", "cafe zurich %d",
    "50%%_off sale %d", "50%% off sale", "50x_off %d", "500_off", "50%%_OFF",
    "user_%d logged in", "naïve ñandú %d", "日本語のメッセージ %d",
    "日本語のメッセージ", 'he said "hi", then\nleft %d', "a,b;c\r\nd",
    "=1+2", "+SUM(A1:A9)", "-3 balance", "@cmd %d", "\tTAB first",
    "\rCR first", "plain %d", "'already quoted",
]
METADATA = [None, None, {}, {"a": [1, 2, {"b": None}], "ü": "ß", "n": 1.5},
            {"path": "/x?y=1&z=%20", "deep": {"k": [True, False]}},
            {"i": 7}]
FORMULA = ["=HYPERLINK(\"http://x\")", "+1", "-1+1", "@SUM(A1)",
           "\tcmd", "=a,b\"c\"\nd"]


def emit(status, name, diag=""):
    line = status + "\t" + name.replace("\t", " ").replace("\n", " ")
    if diag:
        line += "\t" + str(diag).replace("\t", " ").replace("\n", " | ")
    print(line, flush=True)


def check(cond, name, diag=""):
    emit("ok" if cond else "not ok", name, "" if cond else diag)


def note(text):
    print("#\t" + text.replace("\t", " ").replace("\n", " "), flush=True)


def now_us():
    return time.time_ns() // 1000


def fmt(us, off_min=0):
    """RFC 3339 with microseconds, in a given offset."""
    t = EPOCH + datetime.timedelta(microseconds=us + off_min * US_MIN)
    s = t.strftime("%Y-%m-%dT%H:%M:%S") + ".%06d" % t.microsecond
    if off_min == 0:
        return s + "Z"
    a = abs(off_min)
    return s + "%s%02d:%02d" % ("+" if off_min > 0 else "-", a // 60, a % 60)


def parse_time(s):
    """A UTC time of a response (…Z) as epoch microseconds."""
    if not isinstance(s, str) or not RFC3339_Z.match(s):
        raise ValueError("not an RFC 3339 UTC time: %r" % (s,))
    base = datetime.datetime.strptime(s[:19], "%Y-%m-%dT%H:%M:%S")
    us = (base - EPOCH) // datetime.timedelta(microseconds=1)
    if len(s) > 20:
        us += int(s[20:26])
    return us


def request(method, path, key=None, body=None, headers=None):
    h = dict(headers or {})
    if key:
        h["Authorization"] = "Bearer " + key
    c = http.client.HTTPConnection(HOSTPORT, timeout=60)
    try:
        c.request(method, path, body=body, headers=h)
        r = c.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        c.close()


def qs(params):
    return urllib.parse.urlencode(params, quote_via=urllib.parse.quote,
                                  safe="")


def logs_get(params, key=READ_KEY):
    return request("GET", "/stats/logs?" + qs(params), key)


def lit(s):
    return "'" + s.replace("'", "''") + "'"


def psql(sql):
    p = subprocess.run(PSQL + ["-f", "-"], input=sql, capture_output=True,
                       text=True)
    if p.returncode != 0:
        raise RuntimeError("psql: " + p.stderr.strip())
    return p.stdout


def sql_json(sql):
    return json.loads(psql(sql))


def us_of(expr):
    return "(extract(epoch FROM %s) * 1000000)::int8" % expr


ROW_OBJ = """json_build_object('id', id, 'app_id', app_id,
 'c', %s, 'r', %s, 'event_type', event_type, 'event_subtype', event_subtype,
 'user_id', user_id, 'fingerprint', fingerprint, 'ip_address', ip_address,
 'success', success, 'duration_ms', duration_ms, 'message', message,
 'metadata', metadata)""" % (us_of("created_at"), us_of("received_at"))


def sql_rows(conds):
    """The rows of axlog.logs matching conds, newest first, as dicts."""
    return sql_json("SELECT coalesce(json_agg(%s ORDER BY created_at DESC, "
                    "id DESC), '[]') FROM axlog.logs WHERE %s" % (
                        ROW_OBJ, " AND ".join(conds) or "true"))


def sql_ids(conds):
    return sql_json("SELECT coalesce(json_agg(id ORDER BY created_at DESC, "
                    "id DESC), '[]') FROM axlog.logs WHERE %s" % (
                        " AND ".join(conds) or "true"))


def state():
    with open(STATE) as f:
        return json.load(f)


def first_diff(got, want):
    for i, (g, w) in enumerate(zip(got, want)):
        if g != w:
            return "first difference at %d: got %s, expected %s" % (i, g, w)
    return "got %d ids, expected %d" % (len(got), len(want))


# ---------------------------------------------------------------------------
# Events in
# ---------------------------------------------------------------------------

def make_event(rng, t, off):
    ev = {"id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
          "created_at": fmt(t, off), "event_type": rng.choice(TYPES)}
    for field, pool in (("event_subtype", SUBTYPES), ("fingerprint",
                        FINGERPRINTS), ("ip_address", IPS),
                        ("metadata", METADATA)):
        v = rng.choice(pool)
        if v is not None:
            ev[field] = v
    if rng.random() < 0.5:
        ev["user_id"] = rng.choice(USERS)
        if rng.random() < 0.2:
            ev["user_id"] = ev["user_id"].upper()
    r = rng.random()
    if r < 0.15:
        ev["success"] = False
    elif r < 0.6:
        ev["success"] = True
    if rng.random() < 0.9:
        d = round(rng.lognormvariate(3, 1.2), 3)
        ev["duration_ms"] = int(d) if rng.random() < 0.2 else d
    if rng.random() < 0.92:
        m = rng.choice(MESSAGES)
        ev["message"] = m % rng.randrange(10 ** 5) if "%d" in m else (
            m.replace("%%", "%"))
    return ev


def post(app, evs):
    # Batches of an even length carry \u escapes, the others raw UTF-8.
    body = json.dumps(evs, ensure_ascii=len(evs) % 2 == 0).encode()
    return request("POST", "/ingest", KEYS[app], body,
                   {"Content-Type": "application/json"})


def cmd_ingest():
    rng = random.Random(SEED)
    now = now_us()
    span = 3 * US_DAY - 10 * US_MIN
    per_app = {a: [] for a in APPS}
    for _ in range(2700):
        app = rng.choices(APPS, [45, 35, 20])[0]
        t = now - US_MIN - rng.randrange(span)
        if rng.random() < 0.3:
            t -= t % 1000           # milliseconds only
        off = rng.choice([0, 0, 0, 330, -300, 120])
        per_app[app].append(make_event(rng, t, off))
    # 250 events of one instant, across apps: ties that span pages.
    tie = now - US_DAY - 123457
    for i in range(250):
        app = APPS[i % 3]
        per_app[app].append(make_event(rng, tie, rng.choice([0, 60])))
    # Messages a spreadsheet would run as formulas.
    for m in FORMULA:
        ev = make_event(rng, now - 2 * US_HOUR - rng.randrange(US_HOUR), 0)
        ev["event_type"] = "csv.formula"
        ev["message"] = m
        per_app["demo"].append(ev)
    sent, bad = 0, None
    batches = []
    for app, evs in per_app.items():
        rng.shuffle(evs)
        for i in range(0, len(evs), 100):
            batches.append((app, evs[i:i + 100]))
    rng.shuffle(batches)
    for app, evs in batches:
        st, _, raw = post(app, evs)
        sent += len(evs)
        try:
            got = json.loads(raw)
        except ValueError:
            got = raw[:200]
        if (st != 200 or got != {"accepted": len(evs), "duplicates": 0}) \
                and bad is None:
            bad = "%s (%d events): %d %s" % (app, len(evs), st, got)
    check(bad is None, "ingest: %d batches of up to 100 events (%d events) "
          "all accepted" % (len(batches), sent), bad)
    got = sql_json("SELECT count(*) FROM axlog.logs")
    check(got == sent, "axlog.logs holds the %d events sent" % sent,
          "count(*) is %s" % got)
    with open(STATE, "w") as f:
        json.dump({"now": now, "from": fmt(now - 3 * US_DAY - US_HOUR),
                   "to": fmt(now), "tie": tie}, f)


# ---------------------------------------------------------------------------
# Paging
# ---------------------------------------------------------------------------

def page_all(params, key=READ_KEY, limit=100, pause=0.0):
    """Every page of a query: (events, problem or None, pages)."""
    events, cursor, pages = [], None, 0
    while True:
        p = list(params) + [("limit", str(limit))]
        if cursor is not None:
            p.append(("cursor", cursor))
        st, h, raw = logs_get(p, key)
        pages += 1
        if st != 200:
            return events, "page %d: %d %s" % (pages, st, raw[:300]), pages
        try:
            body = json.loads(raw)
            evs, cursor = body["events"], body["next_cursor"]
        except (ValueError, KeyError, TypeError) as e:
            return events, "page %d: %s in %s" % (pages, e, raw[:300]), pages
        events += evs
        link = h.get("link")
        if cursor is None:
            if link is not None:
                return events, "last page %d has a Link: %s" % (
                    pages, link), pages
            return events, None, pages
        if len(evs) != limit:
            return events, "page %d has %d events and a next_cursor" % (
                pages, len(evs)), pages
        if link is None or "cursor=" + cursor + ">" not in link:
            return events, "page %d: Link %r does not carry next_cursor" % (
                pages, link), pages
        if pages > 2000:
            return events, "more than 2000 pages", pages
        if pause:
            time.sleep(pause)


def compare_event(ev, row):
    """None, or what differs between an event of a response and its row."""
    if not isinstance(ev, dict) or sorted(ev) != sorted(FIELDS):
        return "fields %s" % (sorted(ev) if isinstance(ev, dict) else ev)
    for f in FIELDS:
        g = ev[f]
        if f in ("created_at", "received_at"):
            try:
                ok = parse_time(g) == row["c" if f == "created_at" else "r"]
            except ValueError:
                ok = False
            want = fmt(row["c" if f == "created_at" else "r"])
        else:
            want = row[f]
            ok = g == want and type(g) is type(want) if f in (
                "success", "message", "event_subtype") else g == want
            if f == "duration_ms" and want is not None:
                ok = isinstance(g, (int, float)) and not isinstance(
                    g, bool) and float(g) == float(want)
        if not ok:
            return "%s %s: %s, row has %s" % (row["id"], f, json.dumps(g),
                                              json.dumps(want))
    return None


def filter_cases(st):
    frm, to = st["from"], st["to"]
    now = st["now"]
    u = USERS[2]
    win_from = fmt(now - 2 * US_DAY + 17, 330)
    win_to = fmt(now - US_DAY + US_HOUR + 5, -300)
    R = [("from", frm), ("to", to)]
    # name, parameters, SQL conditions (besides the range), q (by Python)
    return [
        ("all apps, no filter", R, [], None),
        ("event_type=auth.login", R + [("event_type", "auth.login")],
         ["event_type = 'auth.login'"], None),
        ("event_subtype non-ASCII", R + [("event_subtype", "Ünïcode-ß")],
         ["event_subtype = 'Ünïcode-ß'"], None),
        ("event_subtype of 64 two-byte characters", R + [
            ("event_subtype", "é" * 64)],
         ["event_subtype = %s" % lit("é" * 64)], None),
        ("user_id", R + [("user_id", u)], ["user_id = %s" % lit(u)], None),
        ("user_id in upper case", R + [("user_id", u.upper())],
         ["user_id = %s" % lit(u)], None),
        ("fingerprint=fp-1 (not FP-1)", R + [("fingerprint", "fp-1")],
         ["fingerprint = 'fp-1'"], None),
        ("fingerprint=fp_% (taken literally)", R + [("fingerprint", "fp_%")],
         ["fingerprint = 'fp_%'"], None),
        ("ip_address=10.0.0.1 (not 10.0.0.10)",
         R + [("ip_address", "10.0.0.1")],
         ["ip_address = '10.0.0.1'::inet"], None),
        ("ip_address IPv6 spelled 2001:DB8:0:0:0:0:0:1",
         R + [("ip_address", "2001:DB8:0:0:0:0:0:1")],
         ["ip_address = '2001:db8::1'::inet"], None),
        ("success=true", R + [("success", "true")], ["success"], None),
        ("success=false", R + [("success", "false")], ["NOT success"], None),
        ("q=TimeOut (ASCII, any case)", R + [("q", "TimeOut")], [],
         "TimeOut"),
        ("q=日本語のメッセージ (non-ASCII)", R + [("q", "日本語のメッセージ")], [],
         "日本語のメッセージ"),
        ("q=50%_off (% and _ taken literally)", R + [("q", "50%_off")], [],
         "50%_off"),
        ("q=CAFÉ zürich (non-ASCII letters in another case)",
         R + [("q", "CAFÉ zürich")], [], "CAFÉ zürich"),
        ("app=shop", R + [("app", "shop")], ["app_id = 'shop'"], None),
        ("app=demo&app=ax-admin", R + [("app", "demo"), ("app", "ax-admin")],
         ["app_id IN ('demo', 'ax-admin')"], None),
        ("from/to with offsets and microseconds",
         [("from", win_from), ("to", win_to)],
         ["created_at >= %s" % lit(win_from),
          "created_at < %s" % lit(win_to)], None),
        ("app, success=false, event_type and q together",
         R + [("app", "demo"), ("success", "false"),
              ("event_type", "page.view"), ("q", "timeout")],
         ["app_id = 'demo'", "NOT success", "event_type = 'page.view'"],
         "timeout"),
        ("a filter matching nothing", R + [("event_type", "no.such.type")],
         ["event_type = 'no.such.type'"], None),
    ]


def cmd_filters():
    st = state()
    rng_conds = ["created_at >= %s" % lit(st["from"]),
                 "created_at < %s" % lit(st["to"])]
    all_rows = None
    for name, params, conds, q in filter_cases(st):
        if not any(k == "from" and v != st["from"] for k, v in params):
            conds = rng_conds + conds
        rows = sql_rows(conds)
        if q is not None:
            pg = sql_ids(conds + ["strpos(lower(message), lower(%s)) > 0"
                                  % lit(q)])
            rows = [r for r in rows if r["message"] is not None and
                    q.lower() in r["message"].lower()]
        want = [r["id"] for r in rows]
        evs, problem, pages = page_all(params)
        got = [e.get("id") for e in evs]
        label = "filter %s: %d pages of limit=100, ids in the order of SQL " \
            "(%d events)" % (name, pages, len(want))
        if problem is None and got != want:
            problem = first_diff(got, want)
            if q is not None and got == pg:
                problem += "; the program equals lower() in SQL (%d " \
                    "events) where Python's str.lower() finds %d" % (
                        len(pg), len(want))
        if problem is None and not want and name != \
                "a filter matching nothing":
            problem = "no event matches: the test data are wrong"
        check(problem is None, label, problem)
        if all_rows is None:
            all_rows, all_events = rows, evs
    by_id = {r["id"]: r for r in all_rows}
    problem, n = None, 0
    for ev in all_events:
        row = by_id.get(ev.get("id"))
        problem = "no row for %s" % ev.get("id") if row is None else \
            compare_event(ev, row)
        n += 1
        if problem:
            break
    nulls = sum(1 for r in all_rows for f in FIELDS if f in r and
                r[f] is None)
    check(problem is None and n == len(all_rows) and nulls > 0,
          "every field of all %d events equals its row (RFC 3339 UTC "
          "times, metadata as JSON, %d nulls)" % (len(all_rows), nulls),
          problem or "%d events compared" % n)


def cmd_link():
    st = state()
    base = [("from", st["from"]), ("to", st["to"]), ("q", "ñandú"),
            ("app", "demo"), ("app", "shop")]
    conds = ["created_at >= %s" % lit(st["from"]),
             "created_at < %s" % lit(st["to"]), "app_id IN ('demo', 'shop')"]
    want = [r["id"] for r in sql_rows(conds) if r["message"] is not None and
            "ñandú" in r["message"].lower()]
    params = base + [("limit", "7")]
    s1, h1, r1 = logs_get(params)
    problem = None
    link = h1.get("link", "")
    m = re.match(r'^<(/stats/logs\?[^>]*)>; rel="next"$', link)
    if s1 != 200 or m is None:
        problem = "page 1: %d, Link %r" % (s1, link)
    else:
        b1 = json.loads(r1)
        s2, _, r2 = request("GET", m.group(1), READ_KEY)
        s3, _, r3 = logs_get(params + [("cursor", b1["next_cursor"])])
        if s2 != 200 or r2 != r3:
            problem = "the Link's page: %d %s; with cursor=next_cursor: " \
                "%d %s" % (s2, r2[:200], s3, r3[:200])
        else:
            got = [e["id"] for e in b1["events"] + json.loads(r2)["events"]]
            if got != want[:14]:
                problem = "pages 1 and 2: " + first_diff(got, want[:14])
    check(problem is None and len(want) > 14, "the Link header's URL "
          "(rel=\"next\", the query with a UTF-8 q and two apps kept) "
          "fetches exactly the next page",
          problem or "only %d events match" % len(want))
    # The last page: no next_cursor, no Link; the same for one page of all.
    evs, problem, pages = page_all(base, limit=7)
    if problem is None and [e["id"] for e in evs] != want:
        problem = first_diff([e["id"] for e in evs], want)
    if problem is None:
        s, h, raw = logs_get(base + [("limit", str(len(want)))])
        last = (s, json.loads(raw).get("next_cursor", "absent") if s == 200
                else raw[:200], h.get("link"))
        if last != (200, None, None):
            problem = "one page of all %d: %s" % (len(want), last)
    check(problem is None, "the last page has \"next_cursor\": null and no "
          "Link (%d pages of 7, and one page of all %d)" % (pages, len(want)),
          problem)


# ---------------------------------------------------------------------------
# Paging while another process ingests
# ---------------------------------------------------------------------------

def cmd_writer(stop, out):
    n = 0
    rng = random.Random(SEED + 1)
    while not os.path.exists(stop):
        evs = [{"event_type": "live.tick", "message": "tick %d" % (n + i)}
               for i in range(rng.randint(1, 3))]
        st, _, _ = request("POST", "/ingest", KEYS["demo"],
                           json.dumps(evs).encode(),
                           {"Content-Type": "application/json"})
        if st == 200:
            n += len(evs)
        # Renamed into place: the reader never sees a file half written.
        with open(out + ".tmp", "w") as f:
            f.write(str(n))
        os.replace(out + ".tmp", out)
        time.sleep(0.004)


def count_file(path):
    try:
        with open(path) as f:
            return int(f.read() or 0)
    except (OSError, ValueError):
        return 0


def cmd_live():
    st = state()
    stop, out = os.path.join(DIR, "writer.stop"), os.path.join(
        DIR, "writer.count")
    for p in (stop, out):
        if os.path.exists(p):
            os.remove(p)
    w = subprocess.Popen([sys.executable, __file__, "writer", stop, out])
    try:
        deadline = time.time() + 10
        while count_file(out) < 5 and time.time() < deadline:
            time.sleep(0.01)
        frm = st["from"]
        start = sql_json("SELECT json_agg(json_build_array(id, event_type)) "
                         "FROM axlog.logs WHERE created_at >= %s" % lit(frm))
        c0 = count_file(out)
        evs, problem, pages = page_all([("from", frm)], pause=0.01)
        c1 = count_file(out)
    finally:
        open(stop, "w").close()
        w.wait(timeout=30)
    types = {}
    for i, t in start:
        types[i] = t
    ids = [e["id"] for e in evs]
    seen, dup = set(), []
    for i in ids:
        if i in seen:
            dup.append(i)
        seen.add(i)
    missing = [i for i in types if i not in seen]
    keys = [(parse_time(e["created_at"]), e["id"]) for e in evs]
    order = all(a > b for a, b in zip(keys, keys[1:]))
    check(problem is None and not dup and not missing and order,
          "paging all %d events (%d pages) while another process ingests: "
          "every event that existed at the start exactly once, in order, "
          "none repeated" % (len(types), pages),
          problem or "%d repeated (%s), %d missing (%s), order %s" % (
              len(dup), dup[:3], len(missing), missing[:3], order))
    extra = [e for e in evs if e["id"] not in types]
    odd = [e["id"] for e in extra if e["event_type"] != "live.tick"]
    check(c1 - c0 > 0 and not odd, "the writer stored %d events while the "
          "reader paged (%d of them on the first page), nothing else new" % (
              c1 - c0, len(extra)),
          "writer count %d -> %d, unexpected new events %s" % (c0, c1, odd))


# ---------------------------------------------------------------------------
# A cursor replayed by an app-bound key
# ---------------------------------------------------------------------------

def cmd_replay(demo_key):
    st = state()
    R = [("from", st["from"]), ("to", st["to"])]
    s, _, raw = logs_get(R + [("limit", "50")])
    b = json.loads(raw)
    cur, last = b["next_cursor"], b["events"][-1]
    apps1 = {e["app_id"] for e in b["events"]}
    conds = ["created_at >= %s" % lit(st["from"]),
             "created_at < %s" % lit(st["to"]), "app_id = 'demo'",
             "(created_at, id) < (%s::timestamptz, %s::uuid)" % (
                 lit(last["created_at"]), lit(last["id"]))]
    want = sql_ids(conds)[:1000]
    s2, _, raw2 = logs_get(R + [("limit", "1000"), ("cursor", cur)],
                           demo_key)
    got = json.loads(raw2)["events"] if s2 == 200 else []
    apps2 = {e["app_id"] for e in got}
    check(s == 200 and len(apps1) > 1 and s2 == 200 and apps2 == {"demo"}
          and [e["id"] for e in got] == want,
          "a cursor of the all-apps key replayed by a read key of demo: "
          "only demo's events after that position (%d)" % len(want),
          "%d apps %s; %d apps %s; %s" % (s, sorted(apps1), s2, sorted(apps2),
                                          first_diff([e["id"] for e in got],
                                                     want)))
    s3, _, raw3 = logs_get(R + [("cursor", cur), ("app", "shop")], demo_key)
    check(s3 == 403, "the same cursor with app=shop and demo's key: 403",
          "%d %s" % (s3, raw3[:200]))


# ---------------------------------------------------------------------------
# Exports
# ---------------------------------------------------------------------------

def csv_want(row):
    """The CSV cells of a row, before neutralisation."""
    out = []
    for f in FIELDS:
        if f == "created_at":
            out.append(row["c"])
        elif f == "received_at":
            out.append(row["r"])
        else:
            out.append(row[f])
    return out


def csv_cell_ok(f, cell, want):
    if f in ("created_at", "received_at"):
        try:
            return parse_time(cell) == want
        except ValueError:
            return False
    if want is None:
        return cell == ""
    if f == "success":
        return cell == ("true" if want else "false")
    if f == "duration_ms":
        try:
            return float(cell) == float(want)
        except ValueError:
            return False
    if f == "metadata":
        try:
            return json.loads(cell) == want
        except ValueError:
            return False
    s = str(want)
    if s[:1] in ("=", "+", "-", "@", "\t", "\r"):
        s = "'" + s
    return cell == s


def cmd_export():
    st = state()
    R = [("from", st["from"]), ("to", st["to"])]
    conds = ["created_at >= %s" % lit(st["from"]),
             "created_at < %s" % lit(st["to"])]
    rows = sql_rows(conds)
    # NDJSON
    s, h, raw = logs_get(R + [("format", "ndjson")])
    problem = None
    lines = raw.decode("utf-8").split("\n") if s == 200 else []
    if s != 200 or not raw.endswith(b"\n"):
        problem = "%d, ends with %r" % (s, raw[-20:])
    else:
        evs = [json.loads(x) for x in lines[:-1]]
        if len(evs) != len(rows):
            problem = "%d lines, %d rows" % (len(evs), len(rows))
        for ev, row in zip(evs, rows):
            problem = problem or (None if ev.get("id") == row["id"] else
                                  "order: %s where SQL has %s" % (
                                      ev.get("id"), row["id"]))
            problem = problem or compare_event(ev, row)
    check(problem is None, "format=ndjson: %d lines equal the table row for "
          "row, every field" % len(rows), problem)
    ct, cd = h.get("content-type", ""), h.get("content-disposition", "")
    check(ct.startswith("application/x-ndjson") and
          cd.startswith("attachment") and "link" not in h,
          "format=ndjson: Content-Type application/x-ndjson, "
          "Content-Disposition attachment",
          "Content-Type %r, Content-Disposition %r" % (ct, cd))
    # CSV
    s, h, raw = logs_get(R + [("format", "csv")])
    ct, cd = h.get("content-type", ""), h.get("content-disposition", "")
    check(s == 200 and ct.startswith("text/csv") and
          cd.startswith("attachment") and ".csv" in cd,
          "format=csv: 200, Content-Type text/csv, Content-Disposition "
          "attachment with a .csv name",
          "%d, Content-Type %r, Content-Disposition %r" % (s, ct, cd))
    text = raw.decode("utf-8")
    recs = list(csv.reader(io.StringIO(text, newline="")))
    check(text.startswith(",".join(FIELDS) + "\r\n") and recs and
          recs[0] == FIELDS, "format=csv: the header row names the 13 "
          "fields, CRLF line ends", repr(text[:200]))
    problem = None
    if len(recs) - 1 != len(rows):
        problem = "%d records, %d rows" % (len(recs) - 1, len(rows))
    for rec, row in zip(recs[1:], rows):
        if len(rec) != len(FIELDS):
            problem = "record of %d cells: %r" % (len(rec), rec)
        for f, cell, want in zip(FIELDS, rec, csv_want(row)):
            if problem is None and not csv_cell_ok(f, cell, want):
                problem = "%s %s: cell %r, row has %r" % (row["id"], f,
                                                          cell, want)
        if problem:
            break
    check(problem is None, "format=csv (parsed by python's csv module): %d "
          "records equal the table row for row" % len(rows), problem)
    # Formula neutralisation, on the raw bytes.
    s, _, raw = logs_get(R + [("format", "csv"), ("event_type", "csv.formula"),
                              ("app", "demo")])
    text = raw.decode("utf-8")
    recs = list(csv.reader(io.StringIO(text, newline="")))[1:]
    msgs = sorted(r[FIELDS.index("message")] for r in recs)
    want = sorted("'" + m for m in FORMULA)
    raw_ok = all(('"\'' + m.replace('"', '""') + '"') in text
                 for m in FORMULA)
    check(s == 200 and msgs == want and raw_ok,
          "format=csv: messages starting with = + - @ or a tab are quoted "
          "and start with an apostrophe, and round-trip otherwise",
          "%d, messages %r, raw quoted cells found: %s" % (s, msgs, raw_ok))


# ---------------------------------------------------------------------------
# 100,000 events: export in flat memory; the plan of the first page
# ---------------------------------------------------------------------------

def cmd_bulk():
    t = time.time()
    psql("""
INSERT INTO axlog.logs (id, app_id, created_at, received_at, event_type,
	event_subtype, user_id, fingerprint, ip_address, success,
	duration_ms, message, metadata)
SELECT gen_random_uuid(), 'bulk',
	now() - make_interval(secs => 1 + i * 2.5), now(),
	(ARRAY['page.view', 'auth.login', 'job-run'])[1 + i % 3],
	CASE WHEN i % 5 = 0 THEN 'sub' END, NULL, 'fp-' || (i % 50),
	('10.1.' || (i % 250) || '.' || (i % 7))::inet, i % 13 <> 0,
	(i % 997) / 7.0,
	'bulk event ' || i || ', a message of a usual length for a log line',
	jsonb_build_object('i', i, 'tags', jsonb_build_array('x', 'y'))
FROM generate_series(0, 99999) AS i;
SELECT axlog.rollup_rebuild(now() - interval '4 days', now() + interval '1 day');
ANALYZE axlog.logs;
""")
    n = sql_json("SELECT count(*) FROM axlog.logs WHERE app_id = 'bulk'")
    check(n == 100000, "100,000 events of app bulk loaded in SQL (%.1f s)" %
          (time.time() - t), "count %s" % n)


def private_kb(pid):
    tot = 0
    with open("/proc/%d/smaps_rollup" % pid) as f:
        for line in f:
            if line.startswith(("Private_Clean:", "Private_Dirty:")):
                tot += int(line.split()[1])
    return tot


def cpu_ticks(pid):
    with open("/proc/%d/stat" % pid) as f:
        rest = f.read().rsplit(")", 1)[1].split()
    return int(rest[11]) + int(rest[12])     # utime + stime


def workers(sup):
    p = subprocess.run(["ps", "-o", "pid=", "--ppid", str(sup)],
                       capture_output=True, text=True)
    return [int(x) for x in p.stdout.split()]


def export_stream(params, on_chunk=None):
    """Stream an export: (status, lines, ids)."""
    c = http.client.HTTPConnection(HOSTPORT, timeout=120)
    ids, lines, tail = [], 0, b""
    try:
        c.request("GET", "/stats/logs?" + qs(params),
                  headers={"Authorization": "Bearer " + READ_KEY})
        r = c.getresponse()
        while True:
            chunk = r.read(1 << 16)
            if not chunk:
                break
            data = tail + chunk
            parts = data.split(b"\n")
            tail = parts.pop()
            for line in parts:
                lines += 1
                ids.append(json.loads(line)["id"])
            if on_chunk:
                on_chunk()
        if tail:
            lines += 1
        return r.status, lines, ids
    finally:
        c.close()


def cmd_memory(sup):
    sup = int(sup)
    ws = workers(sup)
    if len(ws) < 1:
        check(False, "stats workers found", "no child of %d" % sup)
        check(False, "memory", "no workers")
        return
    now = now_us()
    frm, to = fmt(now - 3 * US_DAY), fmt(now + US_MIN)
    P = [("from", frm), ("to", to), ("app", "bulk"), ("format", "ndjson")]
    # Warm-up: two concurrent exports of ~10,000 rows, twice, so that each
    # worker has read chunks of 1000 rows before the baseline.
    warm = [("from", fmt(now - 25000 * US_S)), ("to", to), ("app", "bulk"),
            ("format", "ndjson")]
    for _ in range(2):
        ts = [threading.Thread(target=export_stream, args=(warm,))
              for _ in range(2)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
    base = {w: private_kb(w) for w in ws}
    cpu0 = {w: cpu_ticks(w) for w in ws}
    peak = dict(base)
    stop = threading.Event()

    def sample():
        while not stop.is_set():
            for w in ws:
                try:
                    peak[w] = max(peak[w], private_kb(w))
                except OSError:
                    pass
            time.sleep(0.02)

    th = threading.Thread(target=sample)
    th.start()
    t = time.time()
    try:
        st, lines, ids = export_stream(P)
    finally:
        stop.set()
        th.join()
    secs = time.time() - t
    for w in ws:
        peak[w] = max(peak[w], private_kb(w))
    cpu = max(cpu_ticks(w) - cpu0[w] for w in ws)
    want = sql_json("SELECT json_agg(id ORDER BY created_at DESC, id DESC) "
                    "FROM axlog.logs WHERE app_id = 'bulk' AND created_at >= "
                    "%s AND created_at < %s" % (lit(frm), lit(to)))
    check(st == 200 and lines == 100000 and len(want) == 100000 and
          ids == want, "format=ndjson of app bulk: exactly 100,000 lines, "
          "the ids of SQL in order (%.1f s)" % secs,
          "%d, %d lines, SQL %d; %s" % (st, lines, len(want),
                                        first_diff(ids, want)))
    growth = max(peak[w] - base[w] for w in ws)
    note("stats workers %s: private memory before %s kB, peak %s kB; "
         "CPU time of the busiest %d ticks" % (
             ws, [base[w] for w in ws], [peak[w] for w in ws], cpu))
    # The CPU time shows that a worker measured is the one that served.
    check(growth < 1024 and cpu >= 10, "the export of 100,000 events grows "
          "no stats worker's private memory (Private_Clean + Private_Dirty)"
          " by 1 MB (%d kB)" % growth, "before %s, peak %s, CPU ticks %d" % (
              base, peak, cpu))


# The SQL text logs.c's build_sql() makes for a first page (select_sql,
# the app clause for one app, the ORDER BY and LIMIT), kept in step by
# hand.
SELECT_SQL = (
    "SELECT id, app_id, (extract(epoch FROM created_at) * 1000000)::int8,"
    " (extract(epoch FROM received_at) * 1000000)::int8, event_type,"
    " event_subtype, user_id, fingerprint, ip_address, success,"
    " duration_ms, message, metadata FROM axlog.logs"
    " WHERE created_at >= $1::timestamptz AND created_at < $2::timestamptz")
ONE_APP_SQL = SELECT_SQL + (" AND app_id = ($3::text[])[1]"
                            " ORDER BY created_at DESC, id DESC LIMIT $4")
ALL_APPS_SQL = SELECT_SQL + " ORDER BY created_at DESC, id DESC LIMIT $3"


def plan_nodes(node, out):
    out.append(node)
    for k in node.get("Plans", []):
        plan_nodes(k, out)
    return out


def index_family(name):
    return set(sql_json(
        "SELECT json_agg(c.relname) FROM pg_class c WHERE c.oid = "
        "'axlog.%s'::regclass OR c.oid IN (SELECT inhrelid FROM "
        "pg_inherits WHERE inhparent = 'axlog.%s'::regclass)" % (name,
                                                                 name)))


def explain(sql, values):
    out = psql("PREPARE q AS %s;\nEXPLAIN (FORMAT JSON) EXECUTE q(%s);\n" % (
        sql, ", ".join(lit(v) for v in values)))
    return json.loads(out)[0]["Plan"]


def check_plan(label, sql, values, indexes):
    fam, index = set(), " or ".join(indexes)
    for i in indexes:
        fam |= index_family(i)
    try:
        top = explain(sql, values)
    except (RuntimeError, ValueError) as e:
        check(False, label, str(e))
        return
    nodes = plan_nodes(top, [])
    sorts = [n["Node Type"] for n in nodes if "Sort" in n["Node Type"]]
    scans = [n for n in nodes if "Relation Name" in n]
    bad = ["%s on %s (%s)" % (n["Node Type"], n["Relation Name"],
                              n.get("Index Name")) for n in scans
           if n["Node Type"] not in ("Index Scan", "Index Only Scan") or
           n.get("Index Name") not in fam]
    used = sorted({n.get("Index Name", "").split("_", 2)[-1] for n in scans})
    shape = ", ".join(n["Node Type"] for n in nodes[:3])
    check(scans and not sorts and not bad, "%s (%s...; %d partitions, "
          "indexes *_%s)" % (label, shape, len(scans), ", *_".join(used)),
          "sorts %s, scans not on %s: %s" % (sorts, index, bad[:3]))


def cmd_plan():
    now = now_us()
    frm, to = fmt(now - 3 * US_DAY), fmt(now)
    share = sql_json("SELECT json_object_agg(app_id, n) FROM (SELECT "
                     "app_id, count(*) AS n FROM axlog.logs GROUP BY 1) s")
    note("events per app: %s" % json.dumps(share, sort_keys=True))
    # demo holds about 1 % of the rows: reading (created_at, id) for it
    # would walk past all the others.
    check_plan("EXPLAIN of the first page of one app (demo, a small share "
               "of the rows): index scans on logs_app_time (or its "
               "partitions' copies), no Sort",
               ONE_APP_SQL, [frm, to, "{demo}", "101"], ["logs_app_time"])
    # bulk holds 97 %: the planner may as well read (created_at, id) and
    # skip the few others; either way in order, never sorting.
    check_plan("EXPLAIN of the first page of one app (bulk, 97 % of the "
               "rows): index scans in order, no Sort",
               ONE_APP_SQL, [frm, to, "{bulk}", "101"],
               ["logs_app_time", "logs_time"])
    check_plan("EXPLAIN of the first page across apps: index scans on "
               "logs_time (or its partitions' copies), no Sort",
               ALL_APPS_SQL, [frm, to, "101"], ["logs_time"])


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    {"ingest": cmd_ingest, "filters": cmd_filters, "link": cmd_link,
     "writer": cmd_writer, "live": cmd_live, "replay": cmd_replay,
     "export": cmd_export, "bulk": cmd_bulk, "memory": cmd_memory,
     "plan": cmd_plan}[cmd](*args)
PYEOF

# ---------------------------------------------------------------------------
# Apps and keys
# ---------------------------------------------------------------------------

new_app shop heavy
new_app ax-admin parent
new_app bulk lightweight
KEY_SHOP=$(new_key ingest shop)
KEY_ADMIN=$(new_key ingest ax-admin)
DEMO_READ=$(new_key read demo)

export LG_URL=$N LG_READ_KEY=$IT_READ_KEY LG_DIR=$LG LG_SEED=$SEED
export LG_PSQL=$IT_PGBIN/psql LG_PGPORT=$IT_PG_PORT
export LG_KEYS="{\"demo\": \"$IT_INGEST_KEY\", \"shop\": \"$KEY_SHOP\", \"ax-admin\": \"$KEY_ADMIN\"}"

READ=(-H "Authorization: Bearer $IT_READ_KEY")

# ---------------------------------------------------------------------------
# 1. Filters: every one paged through and equal to SQL; every field
#    (2 + 22 tests)
# ---------------------------------------------------------------------------

py_checks 2 ingest
py_checks 22 filters

# ---------------------------------------------------------------------------
# 2. Paging: the Link header, the last page, paging during writes
#    (4 tests)
# ---------------------------------------------------------------------------

py_checks 2 link
py_checks 2 live

# ---------------------------------------------------------------------------
# 3. Cursors altered, keys and scopes (12 tests)
# ---------------------------------------------------------------------------

it_http GET "$N/stats/logs?from=-4d&limit=5" "${READ[@]}"
CUR=$(it_json next_cursor) || CUR=""
[ "$IT_HTTP_CODE" = 200 ] && [ ${#CUR} -gt 20 ]
it_ok $? "a first page of 5 gives a cursor" || it_diag "$IT_HTTP_CODE $IT_HTTP_BODY"

# flip_char S I: S with its I-th character replaced by another of base64url.
flip_char() {
	local s=$1 i=$2 c=${1:$2:1} r=A
	[ "$c" = A ] && r=B
	printf '%s%s%s' "${s:0:i}" "$r" "${s:i+1}"
}

declare -a BAD_CURSORS=(
	"one character changed|$(flip_char "$CUR" 11)"
	"its last character changed|$(flip_char "$CUR" $((${#CUR} - 1)))"
	"truncated|${CUR%?}"
	"one character appended|${CUR}A"
	"garbage|not-a-cursor_at-all!"
	"empty|"
)
for bc in "${BAD_CURSORS[@]}"; do
	what=${bc%%|*}
	val=${bc#*|}
	it_http GET "$N/stats/logs?from=-4d&limit=5&cursor=$val" "${READ[@]}"
	msg=$(it_json message 2>/dev/null)
	[ "$IT_HTTP_CODE" = 400 ] && [[ $msg == cursor* ]]
	it_ok $? "cursor $what: 400 naming cursor" ||
		it_diag "$IT_HTTP_CODE $IT_HTTP_BODY (cursor '$val')"
done

py_checks 2 replay "$DEMO_READ"

it_http GET "$N/stats/logs?app=shop" -H "Authorization: Bearer $DEMO_READ"
it_is "$IT_HTTP_CODE" 403 "a read key of demo asking app=shop: 403"
it_http GET "$N/stats/logs" -H "Authorization: Bearer $IT_INGEST_KEY"
it_is "$IT_HTTP_CODE" 401 "an ingest key: 401"
it_http GET "$N/stats/logs"
[ "$IT_HTTP_CODE" = 401 ] && [[ $(it_http_header WWW-Authenticate) =~ ^Basic\ realm= ]]
it_ok $? "no key: 401 with a Basic challenge" ||
	it_diag "$IT_HTTP_CODE, WWW-Authenticate: $(it_http_header WWW-Authenticate)"

# ---------------------------------------------------------------------------
# 4. Every bad parameter: 400 naming it (19 tests), and the limits
#    themselves accepted (3 tests)
# ---------------------------------------------------------------------------

E65=$(printf 'e%.0s' $(seq 65))
Q300=$(printf 'q%.0s' $(seq 300))
Q256=$(printf 'q%.0s' $(seq 256))
S64=$(printf '%%C3%%A9%.0s' $(seq 64))		# 64 × é: 128 bytes
declare -a BAD_PARAMS=(
	"limit|limit=0"
	"limit|limit=1001"
	"limit|limit=abc"
	"success|success=yes"
	"user_id|user_id=nope"
	"ip_address|ip_address=300.1.1.1"
	"event_subtype|event_subtype=$E65"
	"fingerprint|fingerprint=$E65"
	"q|q="
	"q|q=$Q300"
	"q|q=%FF%FE"
	"event_subtype|event_subtype=%C3"
	"format|format=xml"
	"bucket|bucket=hour"
	"foo|foo=1"
	"from|from=-1h&to=-2h"
	"cursor|cursor=$CUR&cursor=$CUR"
	"event_type|event_type=a%20b"
	"app|app=Not%20An%20App"
)
for bp in "${BAD_PARAMS[@]}"; do
	name=${bp%%|*}
	query=${bp#*|}
	it_http GET "$N/stats/logs?$query" "${READ[@]}"
	msg=$(it_json message 2>/dev/null)
	err=$(it_json error 2>/dev/null)
	[ "$IT_HTTP_CODE" = 400 ] && [ "$err" = bad_request ] && [[ $msg == "$name:"* ]]
	it_ok $? "${query:0:40}: 400 bad_request naming $name" ||
		it_diag "$IT_HTTP_CODE $IT_HTTP_BODY"
done

it_http GET "$N/stats/logs?limit=1000&from=-1h" "${READ[@]}"
it_is "$IT_HTTP_CODE" 200 "limit=1000: 200"
it_http GET "$N/stats/logs?q=$Q256&from=-1h" "${READ[@]}"
it_is "$IT_HTTP_CODE" 200 "q of 256 bytes: 200"
it_http GET "$N/stats/logs?event_subtype=$S64&from=-1h" "${READ[@]}"
it_is "$IT_HTTP_CODE" 200 "event_subtype of 64 characters (128 bytes): 200"

# ---------------------------------------------------------------------------
# 5. Exports: NDJSON and CSV equal to the table (6 tests); 100,000
#    events in flat memory (3 tests)
# ---------------------------------------------------------------------------

py_checks 6 export
py_checks 1 bulk

# The stats program again, so that the memory measured is the program's
# own: in a sanitizer build (scripts/dev test) AddressSanitizer keeps
# freed blocks in a quarantine of 256 MB before reusing them, so any
# program that allocates per row "grows" by the bytes it has freed (the
# export below then shows about 170 MB, which says nothing about the
# program).  quarantine_size_mb=0 turns that off (the sanitizer still
# checks every access), so the growth measured is the memory the program
# keeps; in a build without sanitizers the variable is ignored.
it_unspawn stats
it_spawn stats "$IT_STATS" AXLOG_STATS_DATABASE_URL="$IT_STATS_URL" \
    ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0:thread_local_quarantine_size_kb=0" ||
	it_bail "the stats program did not start again"
# shellcheck disable=SC2154 # IT_PID_stats: set by it_spawn
it_diag "stats supervisor $IT_PID_stats, workers: $(ps -o pid= --ppid "$IT_PID_stats" | tr '\n' ' ')"
py_checks 2 memory "$IT_PID_stats"

# ---------------------------------------------------------------------------
# 6. The plan of a first page (3 tests)
# ---------------------------------------------------------------------------

py_checks 3 plan

# ---------------------------------------------------------------------------
# 7. The Link header holds no client bytes (3 tests); forged cursors are
#    400 bad_cursor, never 503 (3 tests); the cursor secret is the read
#    role's (1 test); exports are not stored (2 tests); every 503 writes
#    one log line naming its cause (3 tests)
# ---------------------------------------------------------------------------

# Two events whose message holds a q that would close the Link's target
# and add a link of its own, were the query string copied into it.
EVIL_Q='a>;rel="x",<https://evil.example/steal'
EVIL_MSG="before $EVIL_Q after"
"$IT_PYTHON" -c 'import json, sys
print(json.dumps([{"event_type": "link_test", "message": sys.argv[1]}] * 2))' \
    "$EVIL_MSG" >"$LG/evil.json"
it_http POST "$N/ingest" -H "X-API-Key: $IT_INGEST_KEY" \
    -H 'Content-Type: application/json' --data-binary @"$LG/evil.json"
[ "$IT_HTTP_CODE" = 200 ] && [ "$(it_json accepted)" = 2 ] ||
	it_bail "the two events for the Link test were not stored: $IT_HTTP_CODE $IT_HTTP_BODY"

# The q as an attacker sends it: its bytes raw in the request line.
it_http GET "$N/stats/logs?from=-1h&limit=1&q=$EVIL_Q" "${READ[@]}"
LINK=$(it_http_header Link)
EVIL_FIRST=$(it_json events.0.id 2>/dev/null)
EVIL_NEXT=$(it_json next_cursor 2>/dev/null)
TARGET=""
if [[ $LINK =~ ^\<([^\<\>]*)\>\;\ rel=\"next\"$ ]]; then
	TARGET=${BASH_REMATCH[1]}
fi
[ "$IT_HTTP_CODE" = 200 ] && [ -n "$TARGET" ] &&
	[[ $TARGET != *[\"\,\;\<\>\ ]* ]] &&
	[[ $TARGET == /stats/logs\?* ]] && [[ $TARGET == *"&cursor=$EVIL_NEXT" ]] &&
	[[ $TARGET == *q=a%3E%3Brel%3D%22x%22%2C%3Chttps%3A%2F%2Fevil.example%2Fsteal* ]]
it_ok $? "a q holding > ; \" , <: one Link, its target all percent-encoded" ||
	it_diag "$IT_HTTP_CODE Link: $LINK"
it_http GET "$N$TARGET" "${READ[@]}"
EVIL_SECOND=$(it_json events.0.id 2>/dev/null)
[ "$IT_HTTP_CODE" = 200 ] && [ -n "$EVIL_SECOND" ] &&
	[ "$EVIL_SECOND" != "$EVIL_FIRST" ] &&
	[ "$(it_json events.0.message 2>/dev/null)" = "$EVIL_MSG" ]
it_ok $? "following that Link gives the next page: the other event" ||
	it_diag "$IT_HTTP_CODE $IT_HTTP_BODY (first $EVIL_FIRST)"
[ "$(it_json next_cursor 2>/dev/null)" = null ] && [ -z "$(it_http_header Link)" ]
it_ok $? "and that page is the last: next_cursor null, no Link" ||
	it_diag "$IT_HTTP_BODY / Link: $(it_http_header Link)"

# forge VERSION US: a cursor as anyone could make one without the key: the
# old layout (version 1, SHA-256 checksum), or version 2 with made-up MAC.
forge() {
	"$IT_PYTHON" - "$@" <<'EOF'
import base64, hashlib, os, struct, sys, uuid
ver, us = int(sys.argv[1]), int(sys.argv[2])
raw = bytes([ver]) + struct.pack(">q", us) + uuid.uuid4().bytes
raw += hashlib.sha256(raw).digest()[:4] if ver == 1 else os.urandom(16)
print(base64.urlsafe_b64encode(raw).decode().rstrip("="))
EOF
}
declare -a FORGED=(
	"of the old layout (SHA-256 checksum) with time INT64_MIN|$(forge 1 -9223372036854775808)"
	"of the old layout with a time of today|$(forge 1 "$(date +%s)000000")"
	"of the new layout, a made-up MAC and time INT64_MIN|$(forge 2 -9223372036854775808)"
)
for fc in "${FORGED[@]}"; do
	what=${fc%%|*}
	val=${fc#*|}
	it_http GET "$N/stats/logs?from=-4d&limit=5&cursor=$val" "${READ[@]}"
	[ "$IT_HTTP_CODE" = 400 ] && [ "$(it_json error 2>/dev/null)" = bad_cursor ] &&
		[[ $(it_json message 2>/dev/null) == cursor:* ]] &&
		[[ $(it_http_header Content-Type) == application/json* ]] &&
		[ -z "$(it_http_header Retry-After)" ]
	it_ok $? "a forged cursor $what: 400 bad_cursor (JSON), not 503" ||
		it_diag "$IT_HTTP_CODE $IT_HTTP_BODY (cursor '$val')"
done

# The key is the read role's: the ingest role cannot read it.
SECRET_STATS=$("$IT_PGBIN/psql" -X -q -A -t -h 127.0.0.1 -p "$IT_PG_PORT" \
    -U axlog_stats -d axlog -c 'SELECT length(secret) FROM axlog.cursor_secret' 2>&1)
SECRET_INGEST=$("$IT_PGBIN/psql" -X -q -A -t -h 127.0.0.1 -p "$IT_PG_PORT" \
    -U axlog_ingest -d axlog -c 'SELECT length(secret) FROM axlog.cursor_secret' 2>&1)
[ "$SECRET_STATS" = 32 ] && [[ $SECRET_INGEST == *"permission denied"* ]]
it_ok $? "axlog.cursor_secret: 32 bytes the read role reads and the ingest role may not" ||
	it_diag "stats: $SECRET_STATS / ingest: $SECRET_INGEST"

for fmt in csv ndjson; do
	it_http GET "$N/stats/logs?from=-1h&format=$fmt" "${READ[@]}"
	[ "$IT_HTTP_CODE" = 200 ] && [ "$(it_http_header Cache-Control)" = no-store ]
	it_ok $? "format=$fmt: Cache-Control: no-store" ||
		it_diag "$IT_HTTP_CODE Cache-Control: $(it_http_header Cache-Control)"
done

# With PostgreSQL stopped, each program answers 503 and its log gets
# exactly one line for it, naming the request and the cause.
it_pg_stop || it_bail "PostgreSQL did not stop"
# one_503_line NAME METHOD PATH CURL-ARGS...: the request is a 503 and
# NAME's log grew by exactly one line, its 503 line with a cause.
one_503_line() {
	local name=$1 method=$2 path=$3 log=$IT_TMP/logs/$1.log before after line
	shift 3
	before=$(wc -l <"$log")
	it_http "$method" "$N$path" "$@"
	sleep 0.3
	after=$(wc -l <"$log")
	line=$(tail -n +"$((before + 1))" "$log")
	[ "$IT_HTTP_CODE" = 503 ] && [ "$((after - before))" = 1 ] &&
		[[ $line =~ ^axlog-$name:\ 503\ $method\ $path:\ .*(database|connect|server|refused).+ ]]
	it_ok $? "PostgreSQL down: $method $path is a 503 and axlog-$name logs one line with its cause" ||
		it_diag "$IT_HTTP_CODE, $((after - before)) new lines: $line"
}
one_503_line stats GET /stats "${READ[@]}"
one_503_line health GET /health
one_503_line ingest POST /ingest -H "X-API-Key: $IT_INGEST_KEY" \
    -H 'Content-Type: application/json' --data-binary '{"event_type": "x"}'
it_pg_start || it_bail "PostgreSQL did not start again"

# ---------------------------------------------------------------------------
# 8. Sanitizers (in a --enable-sanitizers build) found nothing (1 test)
# ---------------------------------------------------------------------------

it_unspawn ingest
it_unspawn stats
it_unspawn health
it_logs_clean
it_ok $? "no sanitizer report in the programs' logs"

it_diag "elapsed $((SECONDS - T0)) s"
