#!/bin/bash
# GET /stats, /stats/apps and /stats/alerts through nginx (and lighttpd for
# a browser's Basic login).
#
# The heart is a property test: a few thousand random events (several
# apps and event types, failures, skewed and missing durations, times
# over the last six days across hour and day boundaries, late arrivals,
# resent batches) go in through POST /ingest, then every number of many
# random /stats queries is compared with SQL over the raw rows of
# axlog.logs for the range the answer echoes; again while events are
# being written by two ingest processes, and after.  Then authentication,
# parameters, caching, CORS, the app registry, the alerts, and the same
# exactness in a database whose collation is not C.  TAP on stdout.
#
# STATS_SEED=N reproduces the events and queries of an earlier run (the
# seed is printed as a TAP comment); the times are relative to the run.

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

it_init
it_require nginx lighttpd
it_plan 117

for p in "$IT_HEALTH" "$IT_INGEST" "$IT_STATS" "$IT_AXLOGCTL"; do
	[ -x "$p" ] || it_bail "$p is not built (run make first)"
done

it_pg_start || it_bail "PostgreSQL did not start"
it_setup_db || it_bail "database setup failed"
it_spawn_all || it_bail "the programs did not start"
it_nginx_start || it_bail "nginx did not start"
it_lighttpd_start || it_bail "lighttpd did not start"

N=$IT_NGINX_URL
ST=$IT_TMP/stats
mkdir -p "$ST"
CTL_LOG=$IT_TMP/logs/ctl.log
SEED=${STATS_SEED:-$(((RANDOM << 15) | RANDOM))}
it_diag "seed $SEED (STATS_SEED=$SEED reproduces the events and the queries)"

# ---------------------------------------------------------------------------
# Local helpers
# ---------------------------------------------------------------------------

# new_app NAME KIND: register an app (bails out on failure).
new_app() {
	it_ctl app add "$1" --kind "$2" --description "$1 ($2)" >>"$CTL_LOG" 2>&1 ||
		it_bail "axlogctl app add $1 failed: $(tail -n 3 "$CTL_LOG")"
}

# new_key SCOPE [APP]: print a new token; its key id goes to the file
# $ST/key_id (the caller runs this in a command substitution: a subshell).
new_key() {
	local scope=$1 app=${2:-} tok
	local -a args=(key create --scope "$scope")
	[ -n "$app" ] && args+=(--app "$app")
	tok=$(it_ctl "${args[@]}" 2>"$ST/key.err") ||
		it_bail "axlogctl key create $scope $app failed: $(cat "$ST/key.err")"
	sed -n 's/^created [a-z]* key \([0-9]*\) .*/\1/p' "$ST/key.err" >"$ST/key_id"
	cat "$ST/key.err" >>"$CTL_LOG"
	echo "$tok"
}

# py_checks COUNT SUBCOMMAND [ARGS...]: run a subcommand of the checker;
# its lines "ok<TAB>name", "not ok<TAB>name<TAB>diagnostic" and
# "#<TAB>comment" become exactly COUNT TAP tests (missing ones fail).
py_checks() {
	local want=$1 start=$IT_NTEST status name diag rc
	shift
	"$IT_PYTHON" "$ST/check.py" "$@" >"$ST/py.out" 2>"$ST/py.err"
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
	done <"$ST/py.out"
	while [ $((IT_NTEST - start)) -lt "$want" ]; do
		it_ok 1 "$1: test $((IT_NTEST - start + 1)) of $want did not run (exit status $rc)"
		it_diag "$(tail -n 20 "$ST/py.err")"
	done
	if [ $((IT_NTEST - start)) -gt "$want" ]; then
		it_diag "$1: ran $((IT_NTEST - start)) tests, $want expected"
	fi
}

auth=(-H "Authorization: Bearer $IT_READ_KEY")

# app_ids: the app_id of every entry of "apps" in the last body, comma-separated.
app_ids() {
	"$IT_PYTHON" -c '
import json, sys
try:
    print(",".join(a["app_id"] for a in json.loads(sys.argv[1])["apps"]))
except Exception as e:
    print("(no apps: %s)" % e)
' "$IT_HTTP_BODY"
}

# ---------------------------------------------------------------------------
# The checker: events, ingest, and /stats compared with SQL (python3)
# ---------------------------------------------------------------------------

cat >"$ST/check.py" <<'PYEOF'
import datetime
import http.client
import json
import math
import os
import random
import subprocess
import sys
import time
import urllib.parse
import uuid

EPOCH = datetime.datetime(1970, 1, 1)
US_S = 10 ** 6
US_MIN = 60 * US_S
US_HOUR = 60 * US_MIN
US_DAY = 24 * US_HOUR

ENV = os.environ
HOSTPORT = ENV["ST_URL"].split("://", 1)[1]
KEYS = json.loads(ENV.get("ST_KEYS", "{}"))
READ_KEY = ENV["ST_READ_KEY"]
DIR = ENV["ST_DIR"]
SEED = int(ENV["ST_SEED"])
PSQL = [ENV["ST_PSQL"], "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
        "-h", "127.0.0.1", "-p", ENV["ST_PGPORT"], "-U", "postgres",
        "-d", ENV.get("ST_DB", "axlog")]

PROP_APPS = ["demo", "finance-tracker", "ax-admin"]
SCOPE_APPS = PROP_APPS + ["idle"]          # idle: an app without events
TYPES = [("http/request", 30), ("page.view", 24), ("db:query", 14),
         ("auth.login", 8), ("cache.miss", 8), ("job-run", 6),
         ("payment.charge", 5), ("Email_Send", 5)]
ALERT_APPS = ["failing", "steady", "sparse", "quiet"]


def emit(status, name, diag=""):
    line = status + "\t" + name.replace("\t", " ").replace("\n", " ")
    if diag:
        line += "\t" + str(diag).replace("\t", " ").replace("\n", " | ")
    print(line, flush=True)


def note(text):
    print("#\t" + text.replace("\t", " ").replace("\n", " "), flush=True)


def now_us():
    return time.time_ns() // 1000


def floor_to(us, unit):
    return us - us % unit


def fmt(us, off_min=0, frac="us"):
    """RFC 3339 for epoch microseconds, in a given offset."""
    t = EPOCH + datetime.timedelta(microseconds=us + off_min * US_MIN)
    s = t.strftime("%Y-%m-%dT%H:%M:%S")
    if frac == "ms":
        s += ".%03d" % (t.microsecond // 1000)
    elif frac == "us":
        s += ".%06d" % t.microsecond
    if off_min == 0:
        return s + "Z"
    a = abs(off_min)
    return s + "%s%02d:%02d" % ("+" if off_min > 0 else "-", a // 60, a % 60)


def parse_time(s):
    """A UTC time of a response (…Z) as epoch microseconds."""
    if not isinstance(s, str) or len(s) < 20 or s[10] != "T" or s[-1] != "Z":
        raise ValueError("not a UTC RFC 3339 time: %r" % (s,))
    base = datetime.datetime.strptime(s[:19], "%Y-%m-%dT%H:%M:%S")
    us = (base - EPOCH) // datetime.timedelta(microseconds=1)
    frac = s[19:-1]
    if frac:
        if frac[0] != "." or not frac[1:].isdigit() or len(frac) > 7:
            raise ValueError("bad fraction in %r" % (s,))
        us += int(frac[1:].ljust(6, "0"))
    return us


def request(method, path, key=None, body=None, headers=None):
    h = dict(headers or {})
    if key:
        h["Authorization"] = "Bearer " + key
    c = http.client.HTTPConnection(HOSTPORT, timeout=30)
    try:
        c.request(method, path, body=body, headers=h)
        r = c.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        c.close()


def lit(s):
    return "'" + s.replace("'", "''") + "'"


def us_of(expr):
    return "(extract(epoch FROM %s) * 1000000)::int8" % expr


def sql_json(q):
    p = subprocess.run(PSQL + ["-c", q], capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError("psql: " + p.stderr.strip())
    return json.loads(p.stdout)


def is_num(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


# ---------------------------------------------------------------------------
# Events
# ---------------------------------------------------------------------------

def pick(rng, pairs):
    return rng.choices([p[0] for p in pairs], [p[1] for p in pairs])[0]


def pick_time(rng, now, span):
    r = rng.random()
    if r < 0.03:        # on an hour boundary, or just before one
        t = floor_to(now - rng.randrange(span), US_HOUR)
        t -= rng.choice([0, 0, 1000, 1])
    elif r < 0.045:     # on a day boundary, or just before one
        t = floor_to(now - rng.randrange(span), US_DAY)
        t -= rng.choice([0, 1000])
    elif r < 0.11:      # the last half hour
        t = now - rng.randrange(30 * US_MIN)
    else:
        t = now - rng.randrange(span)
    return t


def make_event(rng, app, t=None, with_id=True):
    ev = {"event_type": pick(rng, TYPES)}
    if with_id:
        ev["id"] = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    if t is not None:
        frac = rng.choices(["s", "ms", "us"], [2, 7, 1])[0]
        t = floor_to(t, {"s": US_S, "ms": 1000, "us": 1}[frac])
        off = rng.choices([0, 120, -300, 330, -480, 545, 60],
                          [10, 1, 1, 1, 1, 1, 1])[0]
        ev["created_at"] = fmt(t, off, frac)
    r = rng.random()
    if r < 0.10:
        ev["success"] = False
    elif r < 0.55:
        ev["success"] = True
    zero = 0.55 if app == "ax-admin" else 0.04
    r = rng.random()
    if r < 0.07:
        pass                                    # no duration
    elif rng.random() < zero:
        ev["duration_ms"] = rng.choice([0, 0.0])
    else:
        if rng.random() < 0.005:
            d = rng.uniform(30000, 600000)
        else:
            d = rng.lognormvariate(math.log(40), 1.3)
        d = round(d, 3)
        ev["duration_ms"] = int(round(d)) if rng.random() < 0.2 else d
    if rng.random() < 0.3:
        ev["message"] = "request %d" % rng.randrange(10 ** 6)
    if rng.random() < 0.2:
        ev["event_subtype"] = rng.choice(["a", "b", "c"])
    return ev


def chop(rng, evs, sizes=(1, 10, 100), weights=(3, 4, 3)):
    out, i = [], 0
    while i < len(evs):
        n = rng.choices(sizes, weights)[0]
        out.append(evs[i:i + n])
        i += n
    return out


def post_events(app, evs):
    body = json.dumps(evs).encode()
    return request("POST", "/ingest", KEYS[app], body,
                   {"Content-Type": "application/json"})


def log_count(apps):
    return sql_json("SELECT count(*) FROM axlog.logs WHERE app_id = ANY "
                    "(ARRAY[%s])" % ", ".join(lit(a) for a in apps))


def cmd_ingest():
    rng = random.Random(SEED)
    now = now_us()
    span = 6 * US_DAY - US_MIN
    per_app = {a: [] for a in PROP_APPS}
    times = {}
    for _ in range(2900):
        app = rng.choices(PROP_APPS, [40, 35, 25])[0]
        r = rng.random()
        if r < 0.03:            # no id, no time: stored at the time of receipt
            ev = make_event(rng, app, None, with_id=False)
            t = now
        else:
            t = pick_time(rng, now, span)
            ev = make_event(rng, app, t, with_id=r >= 0.06)
        times[id(ev)] = t
        per_app[app].append(ev)
    reqs = []           # [app, events, accepted, duplicates]
    batches, late = [], []
    for app, evs in per_app.items():
        evs.sort(key=lambda e: times[id(e)])
        keep, held = [], []
        for e in evs:
            (held if rng.random() < 0.05 else keep).append(e)
        batches += [(app, c) for c in chop(rng, keep)]
        late += [(app, c) for c in chop(rng, held, (1, 10), (1, 1))]
    batches.sort(key=lambda b: times[id(b[1][0])])
    rng.shuffle(late)
    for app, c in batches + late:
        reqs.append([app, c, len(c), 0])
    unique = sum(len(v) for v in per_app.values())
    # Resend whole batches (every event with id and created_at): all
    # duplicates.
    full = [i for i, r in enumerate(reqs)
            if all("id" in e and "created_at" in e for e in r[1])]
    resent = sorted(rng.sample(full, 5), reverse=True)
    for i in resent:
        app, c = reqs[i][0], reqs[i][1]
        reqs.insert(rng.randint(i + 1, len(reqs)), [app, c, 0, len(c)])
    # Half old, half new.
    old = [e for e in per_app["demo"] if "id" in e and "created_at" in e]
    new = [make_event(rng, "demo", pick_time(rng, now, span)) for _ in range(5)]
    reqs.append(["demo", rng.sample(old, 5) + new, 5, 5])
    # The same event twice in one request.
    new = [make_event(rng, "finance-tracker", pick_time(rng, now, span))
           for _ in range(3)]
    reqs.append(["finance-tracker", new + [new[0]], 3, 1])
    # Another app may use the same id and time: not a duplicate.
    other = make_event(rng, "ax-admin", None)
    other["id"], other["created_at"] = old[0]["id"], old[0]["created_at"]
    reqs.append(["ax-admin", [other], 1, 0])
    unique += 5 + 3 + 1

    bad, sizes = None, {}
    for n, (app, evs, acc, dup) in enumerate(reqs):
        st, _, raw = post_events(app, evs)
        sizes[len(evs)] = sizes.get(len(evs), 0) + 1
        try:
            got = json.loads(raw)
        except ValueError:
            got = raw[:200]
        want = {"accepted": acc, "duplicates": dup}
        if (st != 200 or got != want) and bad is None:
            bad = "request %d (%s, %d events): %d %s, expected 200 %s" % (
                n, app, len(evs), st, got, json.dumps(want))
    nev = sum(len(r[1]) for r in reqs)
    emit("not ok" if bad else "ok",
         "ingest: %d requests of 1 to 100 events (%d events, 5 batches "
         "resent, late arrivals last): each 200 with the expected accepted "
         "and duplicates" % (len(reqs), nev), bad or "")
    got = log_count(PROP_APPS)
    emit("ok" if got == unique else "not ok",
         "axlog.logs holds exactly the %d distinct events sent" % unique,
         "" if got == unique else "count(*) is %s" % got)


# ---------------------------------------------------------------------------
# /stats against SQL
# ---------------------------------------------------------------------------

def rel_time(rng):
    u = rng.choices(["h", "d", "m", "w"], [5, 3, 1, 0.3])[0]
    if u == "h":
        n = rng.randint(1, 170)
        return "-%dh" % n, n * US_HOUR
    if u == "d":
        n = rng.randint(1, 7)
        return "-%dd" % n, n * US_DAY
    if u == "m":
        n = rng.randint(10, 9000)
        return "-%dm" % n, n * US_MIN
    return "-1w", 7 * US_DAY


def abs_time(rng, us):
    frac = rng.choice(["s", "ms", "us"])
    us = floor_to(us, {"s": US_S, "ms": 1000, "us": 1}[frac])
    off = rng.choice([0, 0, 60, -240, 330, 780, -600])
    return fmt(us, off, frac), us


def gen_query(rng, now):
    """Parameters and the expected raw range: ('rel', offset) or ('abs', us)."""
    params = []
    shape = rng.random()
    if shape < 0.4:
        fs, foff = rel_time(rng)
        frm = ("rel", foff)
        if rng.random() < 0.05:
            fs, frm = None, ("rel", 24 * US_HOUR)      # the default
        if rng.random() < 0.3 and frm[1] > 2 * US_HOUR:
            m = rng.randint(1, frm[1] // US_HOUR - 1)
            ts, to = "-%dh" % m, ("rel", m * US_HOUR)
        else:
            ts, to = rng.choice([None, "now"]), ("rel", 0)
    elif shape < 0.85:
        while True:
            a = now - rng.randrange(7 * US_DAY)
            b = now + rng.randrange(-7 * US_DAY, 2 * US_HOUR)
            a, b = min(a, b), max(a, b)
            fs, au = abs_time(rng, a)
            ts, bu = abs_time(rng, b)
            if au < bu:
                break
        frm, to = ("abs", au), ("abs", bu)
    else:
        fs, au = abs_time(rng, now - rng.randrange(US_HOUR, 156 * US_HOUR))
        frm = ("abs", au)
        ts, to = rng.choice([None, "now"]), ("rel", 0)
    if fs is not None:
        params.append(("from", fs))
    if ts is not None:
        params.append(("to", ts))
    bucket = rng.choice([None, "hour", "day"])
    if bucket:
        params.append(("bucket", bucket))
    apps = None
    if rng.random() < 0.55:
        apps = rng.sample(SCOPE_APPS, rng.randint(1, len(SCOPE_APPS)))
        sent = list(apps)
        if rng.random() < 0.1:
            sent.append(sent[0])               # named twice
        params += [("app", a) for a in sent]
    etype = None
    r = rng.random()
    if r < 0.25:
        etype = pick(rng, TYPES)
    elif r < 0.28:
        etype = "no.such.type"
    if etype:
        params.append(("event_type", etype))
    rng.shuffle(params)
    return params, frm, to, bucket, apps, etype


def stats_sql(frm_s, to_s, unit, apps, etype):
    app_cond = "true"
    if apps is not None:
        app_cond = "app_id = ANY (ARRAY[%s]::text[])" % ", ".join(
            lit(a) for a in apps)
    conds = ["created_at >= %s::timestamptz" % lit(frm_s),
             "created_at < %s::timestamptz" % lit(to_s), app_cond]
    if etype is not None:
        conds.append("event_type = %s" % lit(etype))
    return """
WITH l AS (SELECT app_id, event_type, success, duration_ms, created_at
	FROM axlog.logs WHERE %(conds)s)
SELECT json_build_object(
 'apps', (SELECT coalesce(json_agg(app_id ORDER BY app_id), '[]'::json)
	FROM axlog.apps WHERE %(app_cond)s),
 'types', (SELECT coalesce(json_agg(json_build_array(app_id, event_type, n, e,
	m)), '[]'::json) FROM (SELECT app_id, event_type, count(*) AS n,
	count(*) FILTER (WHERE NOT success) AS e, %(max)s AS m
	FROM l GROUP BY 1, 2) s),
 'series', (SELECT coalesce(json_agg(json_build_array(app_id, b, n, e)),
	'[]'::json) FROM (SELECT app_id, %(bucket)s AS b, count(*) AS n,
	count(*) FILTER (WHERE NOT success) AS e FROM l GROUP BY 1, 2) s),
 'pct', (SELECT json_agg(json_build_array(g, n, p[1], p[2], p[3]))
	FROM (SELECT CASE WHEN grouping(app_id) = 1 THEN NULL ELSE app_id END
	AS g, count(duration_ms) AS n, percentile_disc(ARRAY[0.5, 0.95, 0.99])
	WITHIN GROUP (ORDER BY duration_ms) AS p
	FROM l GROUP BY GROUPING SETS ((app_id), ())) s))
""" % {"conds": " AND ".join(conds), "app_cond": app_cond,
       "max": us_of("max(created_at)"),
       "bucket": us_of("date_trunc('%s', created_at, 'UTC')" % unit)}


class Cmp:
    """Counts the numbers compared and keeps the first mismatch."""

    def __init__(self):
        self.n = 0
        self.first = None
        self.pcts = 0

    def fail(self, what):
        if self.first is None:
            self.first = what

    def ok(self, path, cond, got, want):
        self.n += 1
        if not cond:
            self.fail("%s: /stats has %s, SQL gives %s" % (
                path, json.dumps(got), json.dumps(want)))
        return cond

    def eq(self, path, got, want):
        return self.ok(path, got == want and type(got) is type(want),
                       got, want)

    def rate(self, path, got, events, errors):
        want = errors / events if events else 0.0
        return self.ok(path, is_num(got) and abs(got - want) <= 0.00005 + 1e-12,
                       got, round(want, 6))

    def time(self, path, got, want_us):
        if want_us is None:
            return self.eq(path, got, None)
        try:
            g = parse_time(got)
        except ValueError:
            g = None
        return self.ok(path, g == want_us, got, fmt(want_us))

    def percentiles(self, path, got, row):
        n = row[1] if row else 0
        for k, i in (("p50", 2), ("p95", 3), ("p99", 4)):
            g = got.get(k, "(absent)") if isinstance(got, dict) else "(absent)"
            if n == 0:
                self.eq("%s.%s (no durations)" % (path, k), g, None)
            elif n < 100:
                self.ok("%s.%s (%d durations)" % (path, k, n), is_num(g), g,
                        "a number")
            else:
                want = row[i]
                self.pcts += 1
                if want == 0:
                    cond = is_num(g) and g == 0
                else:
                    cond = is_num(g) and abs(g - want) <= 0.05 * want
                self.ok("%s.%s (%d durations, within 5 %%)" % (path, k, n),
                        cond, g, want)


def compare(body, sql, unit, frm, to):
    c = Cmp()
    apps = body.get("apps")
    if not isinstance(apps, list) or not isinstance(body.get("totals"), dict):
        c.fail("no apps or totals in %s" % json.dumps(body)[:300])
        return c
    ids = [a.get("app_id") for a in apps]
    c.eq("apps (ids)", sorted(ids, key=str), sorted(sql["apps"]))
    types, series, pct = {}, {}, {}
    for app, ty, n, e, m in sql["types"]:
        types.setdefault(app, {})[ty] = (n, e, m)
    for app, b, n, e in sql["series"]:
        series[(app, b)] = (n, e)
    for row in sql["pct"] or []:
        pct[row[0]] = row
    nb = (to - frm) // unit
    tev = ter = 0
    for a in apps:
        app = a.get("app_id")
        if app not in sql["apps"]:
            continue
        p = "apps[%s]" % app
        ts = types.get(app, {})
        ev = sum(v[0] for v in ts.values())
        er = sum(v[1] for v in ts.values())
        tev += ev
        ter += er
        c.eq(p + ".events", a.get("events"), ev)
        c.eq(p + ".errors", a.get("errors"), er)
        c.rate(p + ".error_rate", a.get("error_rate"), ev, er)
        c.time(p + ".last_event_at", a.get("last_event_at"),
               max((v[2] for v in ts.values()), default=None))
        got = {}
        for o in a.get("event_types") or []:
            if not isinstance(o, dict) or o.get("event_type") in got:
                c.fail("%s.event_types: bad or repeated entry %s" % (p, o))
                continue
            got[o["event_type"]] = o
        c.eq(p + ".event_types (names)", sorted(got), sorted(ts))
        for ty in sorted(ts):
            if ty in got:
                c.eq("%s.event_types[%s].events" % (p, ty),
                     got[ty].get("events"), ts[ty][0])
                c.eq("%s.event_types[%s].errors" % (p, ty),
                     got[ty].get("errors"), ts[ty][1])
        se = a.get("series")
        if not isinstance(se, list):
            c.fail(p + ".series: not a list")
            se = []
        c.eq(p + ".series (buckets)", len(se), nb)
        for i, o in enumerate(se[:nb]):
            b = frm + i * unit
            n, e = series.get((app, b), (0, 0))
            c.time("%s.series[%d].t" % (p, i), o.get("t"), b)
            c.eq("%s.series[%s].events" % (p, fmt(b, 0, "s")), o.get("events"), n)
            c.eq("%s.series[%s].errors" % (p, fmt(b, 0, "s")), o.get("errors"), e)
        c.percentiles(p + ".duration_ms", a.get("duration_ms"), pct.get(app))
    t = body["totals"]
    c.eq("totals.events", t.get("events"), tev)
    c.eq("totals.errors", t.get("errors"), ter)
    c.rate("totals.error_rate", t.get("error_rate"), tev, ter)
    c.percentiles("totals.duration_ms", t.get("duration_ms"), pct.get(None))
    return c


def raw_bounds(spec, t0, t1):
    kind, v = spec
    return (v, v) if kind == "abs" else (t0 - v, t1 - v)


def check_range(c, body, frm, to, bucket, t0, t1):
    """The echoed range: the requested one widened to whole buckets."""
    flo, fhi = raw_bounds(frm, t0, t1)
    tlo, thi = raw_bounds(to, t0, t1)
    if bucket:
        want = {bucket}
    else:
        lo, hi = tlo - fhi, thi - flo
        if frm[0] == to[0]:
            lo = hi = (to[1] - frm[1]) if frm[0] == "abs" else (frm[1] - to[1])
        want = {"day" if lo > 2 * US_DAY else "hour",
                "day" if hi > 2 * US_DAY else "hour"}
    got = body.get("bucket")
    c.ok("bucket", got in want, got, "/".join(sorted(want)))
    unit = US_DAY if got == "day" else US_HOUR
    try:
        f, t = parse_time(body.get("from")), parse_time(body.get("to"))
    except ValueError as e:
        c.fail("from/to: %s" % e)
        return None
    c.ok("from (widened)", f % unit == 0 and
         floor_to(flo, unit) <= f <= floor_to(fhi, unit), body.get("from"),
         "%s widened to whole %ss" % (fmt(flo), got))
    c.ok("to (widened)", t % unit == 0 and
         floor_to(tlo - 1, unit) + unit <= t <= floor_to(thi - 1, unit) + unit,
         body.get("to"), "%s widened to whole %ss" % (fmt(tlo), got))
    return f, t, unit


def run_query(params, frm, to, bucket, apps, etype):
    """(Cmp or None, problem)."""
    path = "/stats?" + urllib.parse.urlencode(params)
    t0 = now_us()
    st, _, raw = request("GET", path, READ_KEY)
    t1 = now_us()
    if st != 200:
        return None, "GET %s: %d %s" % (path, st, raw[:300])
    try:
        body = json.loads(raw)
    except ValueError:
        return None, "GET %s: not JSON: %s" % (path, raw[:300])
    c = Cmp()
    r = check_range(c, body, frm, to, bucket, t0, t1)
    if r is None:
        return c, None
    f, t, unit = r
    sql = sql_json(stats_sql(body["from"], body["to"],
                             "day" if unit == US_DAY else "hour", apps, etype))
    d = compare(body, sql, unit, f, t)
    c.n += d.n
    c.pcts += d.pcts
    if c.first is None:
        c.first = d.first
    return c, None


def cmd_queries(phase, count):
    rng = random.Random(SEED * 100 + int(phase))
    for i in range(1, int(count) + 1):
        q = gen_query(rng, now_us())
        if i <= 2:      # first the whole time span, every hour, every day
            b = "hour" if i == 1 else "day"
            q = ([("from", "-8d"), ("bucket", b)], ("rel", 8 * US_DAY),
                 ("rel", 0), b, None, None)
        desc = "&".join("%s=%s" % kv for kv in q[0]) or "(no parameters)"
        name = "query %s.%d: %s" % (phase, i, desc)
        try:
            c, problem = run_query(*q)
        except Exception as e:          # the checker's own failure
            emit("not ok", name, "%s: %s" % (type(e).__name__, e))
            continue
        if problem:
            emit("not ok", name, problem)
        elif c.first:
            emit("not ok", name + ": the numbers equal SQL's",
                 "first mismatch (of %d numbers): %s" % (c.n, c.first))
        else:
            emit("ok", "%s: all %d numbers equal SQL's (%d percentiles "
                 "within 5 %%)" % (name, c.n, c.pcts))


# ---------------------------------------------------------------------------
# Writes while reading
# ---------------------------------------------------------------------------

def cmd_conc_prepare():
    rng = random.Random(SEED + 7)
    now = now_us()
    evs = []
    for _ in range(300):
        app = rng.choices(PROP_APPS, [40, 35, 25])[0]
        if rng.random() < 0.3:
            t = now - rng.randrange(10 * US_MIN)
        else:
            t = pick_time(rng, now, 6 * US_DAY - US_MIN)
        ev = make_event(rng, app, t)
        ev["_app"] = app
        evs.append(ev)
    with open(os.path.join(DIR, "conc.json"), "w") as f:
        json.dump(evs, f)


def cmd_writer(name, ranges):
    """Send the events of ranges ("100:200,0:100") in requests of 1 to 5
    events, one app each; the summary goes to writer-NAME.json."""
    evs = json.load(open(os.path.join(DIR, "conc.json")))
    rng = random.Random("%d-%s" % (SEED, name))
    todo = []
    for r in ranges.split(","):
        a, b = r.split(":")
        todo += evs[int(a):int(b)]
    res = {"requests": 0, "events": 0, "accepted": 0, "duplicates": 0,
           "retries": 0, "bad": None}
    i = 0
    while i < len(todo):
        app = todo[i]["_app"]
        n = rng.randint(1, 5)
        batch = []
        while i < len(todo) and len(batch) < n and todo[i]["_app"] == app:
            batch.append({k: v for k, v in todo[i].items() if k != "_app"})
            i += 1
        for attempt in range(10):
            st, _, raw = post_events(app, batch)
            if st != 503:
                break
            res["retries"] += 1         # nothing stored: resending is safe
            time.sleep(0.02 * (attempt + 1))
        res["requests"] += 1
        res["events"] += len(batch)
        try:
            got = json.loads(raw)
            res["accepted"] += got["accepted"]
            res["duplicates"] += got["duplicates"]
            ok = st == 200 and got["accepted"] + got["duplicates"] == len(batch)
        except (ValueError, KeyError, TypeError):
            ok = False
        if not ok and res["bad"] is None:
            res["bad"] = "%d %s" % (st, raw[:200])
        time.sleep(0.002)
    tmp = os.path.join(DIR, "writer-%s.tmp" % name)
    with open(tmp, "w") as f:
        json.dump(res, f)
    os.rename(tmp, os.path.join(DIR, "writer-%s.json" % name))


def consistent(body):
    """Internal consistency of one answer (one snapshot): totals are the
    sums of the apps, an app's counts the sums of its types and of its
    series.  None or the first problem."""
    try:
        unit = US_DAY if body["bucket"] == "day" else US_HOUR
        nb = (parse_time(body["to"]) - parse_time(body["from"])) // unit
        ev = er = 0
        for a in body["apps"]:
            sev = sum(o["events"] for o in a["series"])
            ser = sum(o["errors"] for o in a["series"])
            tev = sum(o["events"] for o in a["event_types"])
            ter = sum(o["errors"] for o in a["event_types"])
            if not (a["events"] == sev == tev and a["errors"] == ser == ter):
                return "%s: events %s, errors %s; series %s/%s; types %s/%s" % (
                    a["app_id"], a["events"], a["errors"], sev, ser, tev, ter)
            if len(a["series"]) != nb:
                return "%s: %d buckets, expected %d" % (
                    a["app_id"], len(a["series"]), nb)
            ev += a["events"]
            er += a["errors"]
        t = body["totals"]
        if (t["events"], t["errors"]) != (ev, er):
            return "totals %s/%s, sum of apps %s/%s" % (
                t["events"], t["errors"], ev, er)
    except (KeyError, TypeError, ValueError) as e:
        return "malformed answer: %s %s" % (type(e).__name__, e)
    return None


def cmd_during(writers):
    now = now_us()
    frm = fmt(floor_to(now - 7 * US_DAY, US_DAY), 0, "s")
    to = fmt(floor_to(now, US_HOUR) + 2 * US_HOUR, 0, "s")
    qs = [[("from", frm), ("to", to), ("bucket", "hour")],
          [("from", frm), ("to", to), ("bucket", "day"), ("app", "demo"),
           ("app", "finance-tracker")],
          [("from", frm), ("to", to), ("event_type", "http/request")]]
    done = lambda: all(os.path.exists(os.path.join(DIR, "writer-%s.json" % w))
                       for w in writers.split(","))
    last = {}
    n = overlapped = 0
    bad = None
    deadline = time.time() + 60
    while time.time() < deadline and (n < 9 or not done()):
        busy = not done()
        for i, q in enumerate(qs):
            st, _, raw = request("GET", "/stats?" + urllib.parse.urlencode(q),
                                 READ_KEY)
            n += 1
            if st != 200:
                bad = bad or "query %d: %d %s" % (i, st, raw[:200])
                continue
            body = json.loads(raw)
            p = consistent(body)
            if p:
                bad = bad or "query %d: %s" % (i, p)
            counts = {a["app_id"]: (a["events"], a["errors"])
                      for a in body["apps"]}
            for app, (e, r) in counts.items():
                pe, pr = last.get((i, app), (0, 0))
                if e < pe or r < pr:
                    bad = bad or "query %d: %s went from %d/%d to %d/%d" % (
                        i, app, pe, pr, e, r)
            for app, v in counts.items():
                last[(i, app)] = v
        if busy and not done():
            overlapped += 3
    if not done():
        bad = bad or "the writers did not finish within 60 s"
    if overlapped == 0:
        bad = bad or "no query ran while the writers were writing"
    emit("not ok" if bad else "ok",
         "during concurrent ingest: %d answers (%d while writing), each "
         "consistent (totals = sum of apps = sum of types = sum of series), "
         "counts never decreasing" % (n, overlapped), bad or "")


def cmd_writers_check(writers, before):
    res = {}
    for w in writers.split(","):
        try:
            res[w] = json.load(open(os.path.join(DIR, "writer-%s.json" % w)))
        except (OSError, ValueError) as e:
            res[w] = {"bad": str(e), "requests": 0, "events": 0,
                      "accepted": 0, "duplicates": 0, "retries": 0}
    bad = [("%s: %s" % (w, r["bad"])) for w, r in res.items() if r["bad"]]
    acc = sum(r["accepted"] for r in res.values())
    dup = sum(r["duplicates"] for r in res.values())
    reqs = sum(r["requests"] for r in res.values())
    retries = sum(r["retries"] for r in res.values())
    if not bad and (acc, dup) != (300, 100):
        bad.append("accepted %d, duplicates %d" % (acc, dup))
    emit("not ok" if bad else "ok",
         "concurrent ingest: %d requests by two writers sharing 100 of 300 "
         "events, each 200 (%d resent after a 503), accepted 300 and "
         "duplicates 100 in all" % (reqs, retries), "; ".join(bad))
    got = log_count(PROP_APPS)
    want = int(before) + 300
    emit("ok" if got == want else "not ok",
         "axlog.logs holds exactly the %d distinct events sent" % want,
         "" if got == want else "count(*) is %s" % got)


# ---------------------------------------------------------------------------
# Registry and alerts
# ---------------------------------------------------------------------------

def cmd_alert_setup():
    now = now_us()
    plan = {
        # 30 events in the last seconds, 6 failed: 20 % > 5 %
        "failing": [(now - i * 50000, i % 5 != 0) for i in range(30)],
        # 25 events, all fine
        "steady": [(now - i * US_S, True) for i in range(25)],
        # 10 events, half failed, but under the minimum of 20
        "sparse": [(now - i * US_S, i % 2 == 0) for i in range(10)],
        # nothing for the last two hours
        "quiet": [(now - 2 * US_HOUR - i * US_S, True) for i in range(5)] +
                 [(now - 5 * US_HOUR - i * US_S, False) for i in range(3)],
    }
    bad = None
    for app, evs in plan.items():
        batch = [{"id": str(uuid.uuid4()), "created_at": fmt(t, 0, "us"),
                  "event_type": "http/request", "success": ok,
                  "duration_ms": 12.5} for t, ok in evs]
        st, _, raw = post_events(app, batch)
        if st != 200 and bad is None:
            bad = "%s: %d %s" % (app, st, raw[:200])
    emit("not ok" if bad else "ok",
         "events of the alert apps (failing, steady, sparse, quiet) ingested",
         bad or "")


def fetch_and_sql(path, sql):
    """The answer and SQL's view within the same UTC hour (retried once
    when an hour boundary falls between them)."""
    for _ in range(3):
        st, _, raw = request("GET", path, READ_KEY)
        s = sql_json(sql)
        try:
            body = json.loads(raw)
            gen = parse_time(body["generated_at"])
        except (ValueError, KeyError, TypeError):
            return st, raw, None, s
        if floor_to(gen, US_HOUR) == s["hour"]:
            return st, raw, body, s
    return st, raw, body, s


def cmd_apps():
    sql = """SELECT json_build_object('hour', %s, 'apps',
 (SELECT json_agg(json_build_array(a.app_id, a.kind, a.description, %s,
  (SELECT %s FROM axlog.logs l WHERE l.app_id = a.app_id),
  (SELECT count(*) FROM axlog.logs l WHERE l.app_id = a.app_id
   AND l.created_at >= date_trunc('hour', now(), 'UTC') - interval '23 hours'))
  ORDER BY a.app_id) FROM axlog.apps a))""" % (
        us_of("date_trunc('hour', now(), 'UTC')"), us_of("a.created_at"),
        us_of("max(l.created_at)"))
    st, raw, body, s = fetch_and_sql("/stats/apps", sql)
    want_ids = [r[0] for r in s["apps"]]
    got = {}
    if body and isinstance(body.get("apps"), list):
        got = {a.get("app_id"): a for a in body["apps"]}
    ids = [a.get("app_id") for a in (body or {}).get("apps", [])]
    cond = st == 200 and sorted(ids, key=str) == want_ids
    emit("ok" if cond else "not ok",
         "GET /stats/apps: 200 with the %d apps of the registry" % len(want_ids),
         "" if cond else "%d %s; expected %s" % (st, raw[:300], want_ids))
    for app, kind, desc, created, last, n24 in s["apps"]:
        c = Cmp()
        a = got.get(app, {})
        c.eq("kind", a.get("kind"), kind)
        c.eq("description", a.get("description"), desc)
        c.time("created_at", a.get("created_at"), created)
        c.time("last_event_at", a.get("last_event_at"), last)
        c.eq("events_24h", a.get("events_24h"), n24)
        emit("not ok" if c.first else "ok",
             "/stats/apps: %s: kind, description, created_at, last_event_at "
             "(max created_at) and events_24h (%d) equal SQL's" % (app, n24),
             c.first or "")


def cmd_alerts():
    sql = """SELECT json_build_object('hour', %(hour)s, 'now', %(now)s,
 'err', (SELECT coalesce(json_agg(json_build_array(app_id, kind, ev, er, since)),
  '[]'::json) FROM (SELECT l.app_id, a.kind, count(*) AS ev,
  count(*) FILTER (WHERE NOT l.success) AS er,
  %(since)s AS since FROM axlog.logs l JOIN axlog.apps a USING (app_id)
  WHERE l.created_at >= date_trunc('hour', now() - interval '1 hour', 'UTC')
  GROUP BY 1, 2) s),
 'last', (SELECT coalesce(json_agg(json_build_array(app_id, kind, last)),
  '[]'::json) FROM (SELECT l.app_id, a.kind, %(last)s AS last
  FROM axlog.logs l JOIN axlog.apps a USING (app_id)
  GROUP BY 1, 2) s))""" % {
        "hour": us_of("date_trunc('hour', now(), 'UTC')"),
        "now": us_of("now()"),
        "since": us_of("date_trunc('hour', min(l.created_at) FILTER "
                       "(WHERE NOT l.success), 'UTC')"),
        "last": us_of("max(l.created_at)")}
    st, raw, body, s = fetch_and_sql("/stats/alerts", sql)
    alerts = (body or {}).get("alerts")
    if st != 200 or not isinstance(alerts, list):
        emit("not ok", "GET /stats/alerts: 200 with a list of alerts",
             "%d %s" % (st, raw[:300]))
        alerts = []
    gen = parse_time(body["generated_at"]) if body else s["now"]
    want, unsure, info = {}, set(), {}
    for app, kind, ev, er, since in s["err"]:
        info[app] = (ev, er)
        if ev >= 20 and er / ev > 0.05:
            want[("error_rate", app)] = (kind, er / ev, 0.05, since)
    for app, kind, last in s["last"]:
        limit = s["now"] - 60 * US_MIN
        if abs(last - limit) < 2 * US_MIN:
            unsure.add(("silent", app))
        elif last < limit:
            want[("silent", app)] = (kind, (gen - last) / US_MIN, 60, last)
    got = {}
    for a in alerts:
        got[(a.get("type"), a.get("app_id"))] = a
    c = Cmp()
    c.ok("alerts", sorted(k for k in got if k not in unsure) ==
         sorted(k for k in want if k not in unsure),
         sorted(got), sorted(want))
    for k, (kind, value, thr, since) in want.items():
        a = got.get(k)
        if a is None:
            continue
        tol = 0.00005 if k[0] == "error_rate" else 1.0
        c.eq("%s %s: kind" % k, a.get("kind"), kind)
        c.ok("%s %s: value" % k, is_num(a.get("value")) and
             abs(a["value"] - value) <= tol, a.get("value"), value)
        c.ok("%s %s: threshold" % k, is_num(a.get("threshold")) and
             a["threshold"] == thr, a.get("threshold"), thr)
        c.time("%s %s: since" % k, a.get("since"), since)
    emit("not ok" if c.first else "ok",
         "GET /stats/alerts: exactly the alerts SQL expects over the raw "
         "events (%d), with kind, value, threshold and since" % len(want),
         c.first or "")
    f = got.get(("error_rate", "failing"))
    emit("ok" if f else "not ok", "failing (6 of 30 failed this hour) has an "
         "error_rate alert", "" if f else "alerts: %s" % json.dumps(alerts))
    ev, er = info.get("failing", (0, 0))
    cond = (f is not None and ev == 30 and er == 6 and is_num(f.get("value"))
            and abs(f["value"] - er / ev) <= 0.00005 and
            f.get("threshold") == 0.05 and f.get("kind") == "heavy")
    emit("ok" if cond else "not ok", "failing: value = errors/events of the "
         "current and previous hour by SQL (%d/%d), threshold 0.05, kind heavy"
         % (er, ev), "" if cond else json.dumps(f))
    q = got.get(("silent", "quiet"))
    last = dict((r[0], r[2]) for r in s["last"]).get("quiet")
    cond = False
    if q is not None and last is not None:
        try:
            cond = (parse_time(q.get("since")) == last and
                    is_num(q.get("value")) and
                    abs(q["value"] - (gen - last) / US_MIN) <= 1.0 and
                    110 <= q["value"] <= 130 and q.get("threshold") == 60)
        except ValueError:
            pass
    emit("ok" if cond else "not ok", "quiet (last event 2 hours ago) has a "
         "silent alert since its last event, value about 120 minutes, "
         "threshold 60", "" if cond else "%s; last event %s" % (
             json.dumps(q), fmt(last) if last else None))
    for app, why in (("steady", "25 events, none failed"),
                     ("sparse", "5 of 10 failed, under the minimum of 20"),
                     ("idle", "never sent an event")):
        mine = [a for a in alerts if a.get("app_id") == app]
        emit("ok" if not mine else "not ok", "%s (%s): no alert" % (app, why),
             json.dumps(mine) if mine else "")


def cmd_small_durations():
    """Durations of a few microseconds, as an in-process cache reports
    them: the percentiles stay within 5 % too."""
    now = now_us()
    d = 0.0107
    evs = [{"id": str(uuid.uuid4()), "created_at": fmt(now - i * 1000, 0, "us"),
            "event_type": "cache.hit", "duration_ms": d} for i in range(120)]
    st, _, raw = post_events("demo", evs)
    name = ("120 events of 0.0107 ms (app=demo&event_type=cache.hit): p50, "
            "p95 and p99 within 5 % of SQL's percentile_disc")
    if st != 200:
        emit("not ok", name, "ingest: %d %s" % (st, raw[:200]))
        return
    q = [("from", "-2h"), ("app", "demo"), ("event_type", "cache.hit")]
    st, _, raw = request("GET", "/stats?" + urllib.parse.urlencode(q), READ_KEY)
    try:
        body = json.loads(raw)
        sql = sql_json(stats_sql(body["from"], body["to"], "hour", ["demo"],
                                 "cache.hit"))
    except (ValueError, KeyError, RuntimeError) as e:
        emit("not ok", name, "%d %s (%s)" % (st, raw[:200], e))
        return
    c = Cmp()
    row = dict((r[0], r) for r in sql["pct"] or []).get("demo")
    apps = body.get("apps") or [{}]
    c.percentiles("apps[demo].duration_ms", apps[0].get("duration_ms"), row)
    emit("not ok" if c.first else "ok", name, c.first or "")


def cmd_other_db(collation, apps):
    """Events for apps (KEYS) in through HTTP, then one /stats query over
    all of them compared with SQL, number by number."""
    rng = random.Random(SEED + 11)
    now = now_us()
    bad = None
    n = 0
    for app in apps.split(","):
        evs = [make_event(rng, app, pick_time(rng, now, 2 * US_DAY))
               for _ in range(rng.randint(20, 60))]
        st, _, raw = post_events(app, evs)
        n += len(evs)
        if st != 200 and bad is None:
            bad = "%s: %d %s" % (app, st, raw[:200])
    db = "database %s (%s)" % (ENV.get("ST_DB", "axlog"), collation)
    emit("not ok" if bad else "ok", "%s: %d events of %d apps ingested" % (
        db, n, len(apps.split(","))), bad or "")
    q = ([("from", "-3d"), ("bucket", "hour")], ("rel", 3 * US_DAY),
         ("rel", 0), "hour", None, None)
    name = "%s: GET /stats?from=-3d&bucket=hour" % db
    try:
        c, problem = run_query(*q)
    except Exception as e:
        c, problem = None, "%s: %s" % (type(e).__name__, e)
    if problem or c.first:
        emit("not ok", name + ": the numbers equal SQL's", problem or
             "first mismatch (of %d numbers): %s" % (c.n, c.first))
    else:
        emit("ok", "%s: all %d numbers equal SQL's" % (name, c.n))


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    {"ingest": cmd_ingest, "queries": cmd_queries,
     "conc-prepare": cmd_conc_prepare, "writer": cmd_writer,
     "during": cmd_during, "writers-check": cmd_writers_check,
     "alert-setup": cmd_alert_setup, "apps": cmd_apps,
     "alerts": cmd_alerts, "other-db": cmd_other_db,
     "small-durations": cmd_small_durations}[cmd](*args)
PYEOF

# ---------------------------------------------------------------------------
# Apps and keys
# ---------------------------------------------------------------------------

new_app finance-tracker heavy
new_app ax-admin parent
new_app idle lightweight
KEY_FINANCE=$(new_key ingest finance-tracker)
KEY_ADMIN=$(new_key ingest ax-admin)

export ST_URL=$N ST_READ_KEY=$IT_READ_KEY ST_DIR=$ST ST_SEED=$SEED
export ST_PSQL=$IT_PGBIN/psql ST_PGPORT=$IT_PG_PORT
export ST_KEYS="{\"demo\": \"$IT_INGEST_KEY\", \"finance-tracker\": \"$KEY_FINANCE\", \"ax-admin\": \"$KEY_ADMIN\"}"

# ---------------------------------------------------------------------------
# 1. Property test: random events in, every number of random queries
#    equal to SQL over the raw rows (27 tests), again during and after
#    concurrent writes (13 tests); tiny durations (1 test)
# ---------------------------------------------------------------------------

py_checks 2 ingest
py_checks 25 queries 1 25

# Two ingest processes on the one socket (spawn-fcgi -F 2), so that the
# writers' requests race in separate database sessions and transactions.
it_unspawn ingest
rm -f "$IT_RUN/ingest.sock" "$ST/ingest.pids"
read -r -a POOLER_ENV < <(it_pooler_env)
it_env_run AXLOG_DATABASE_URL="$IT_INGEST_URL" "${POOLER_ENV[@]}" -- spawn-fcgi -s "$IT_RUN/ingest.sock" \
    -M 0666 -F 2 -P "$ST/ingest.pids" -- "$IT_INGEST" \
    </dev/null >>"$IT_TMP/logs/ingest.log" 2>&1 || it_bail "spawn-fcgi -F 2 failed"
read -r -a INGEST_PIDS < <(tr '\n' ' ' <"$ST/ingest.pids")
IT_PIDS+=("${INGEST_PIDS[@]}")
[ "${#INGEST_PIDS[@]}" = 2 ] || it_bail "expected 2 ingest processes: ${INGEST_PIDS[*]}"

before=$(it_psql axlog -c "SELECT count(*) FROM axlog.logs")
"$IT_PYTHON" "$ST/check.py" conc-prepare || it_bail "could not prepare events"
"$IT_PYTHON" "$ST/check.py" writer A 100:200,0:100 2>"$ST/writer-A.err" &
wa=$!
"$IT_PYTHON" "$ST/check.py" writer B 100:200,200:300 2>"$ST/writer-B.err" &
wb=$!
py_checks 1 during A,B
wait "$wa" "$wb"
py_checks 2 writers-check A,B "$before"
py_checks 10 queries 2 10

# Durations of microseconds keep the percentiles' 5 % too (1 test).
py_checks 1 small-durations

# ---------------------------------------------------------------------------
# 2. Authentication (17 tests)
# ---------------------------------------------------------------------------

declare -A URL=([nginx]=$IT_NGINX_URL [lighttpd]=$IT_LIGHTTPD_URL)
for s in nginx lighttpd; do
	it_http GET "${URL[$s]}/stats"
	it_is "$IT_HTTP_CODE" 401 "$s: no credentials: 401"
	it_like "$(it_http_header WWW-Authenticate)" '^Basic realm="axlog"' \
	    "$s: no credentials: WWW-Authenticate: Basic realm=\"axlog\" (a browser asks)"
	it_http GET "${URL[$s]}/stats" -u "x:$IT_READ_KEY"
	[ "$IT_HTTP_CODE" = 200 ] && it_json totals.events >/dev/null
	it_ok $? "$s: Basic with the read token as password: 200 with totals" ||
		it_diag "$IT_HTTP_CODE $IT_HTTP_BODY"
done

WRONG=${IT_READ_KEY%?????}AAAAA
[ "$WRONG" = "$IT_READ_KEY" ] && WRONG=${IT_READ_KEY%?????}BBBBB
it_http GET "$N/stats" -u "x:$WRONG"
it_is "$IT_HTTP_CODE" 401 "Basic with a wrong token: 401"
it_like "$(it_http_header WWW-Authenticate)" '^Basic realm="axlog"' \
    "Basic with a wrong token: WWW-Authenticate: Basic"

it_http GET "$N/stats" -H "Authorization: Bearer $WRONG"
it_is "$IT_HTTP_CODE" 401 "Bearer with a wrong token: 401"
www=$(tr -d '\r' <"$IT_TMP/http.headers" | grep -i '^WWW-Authenticate:')
[[ $www =~ ^[Ww][Ww][Ww]-[Aa]uthenticate:\ Bearer ]] && ! grep -qi basic <<<"$www"
it_ok $? "Bearer with a wrong token: WWW-Authenticate: Bearer, never Basic (no browser dialog)" ||
	it_diag "got: $www"

it_http GET "$N/stats" -H "Authorization: Bearer $IT_INGEST_KEY"
it_is "$IT_HTTP_CODE" 401 "an ingest key (Bearer) cannot read: 401"
it_http GET "$N/stats" -u "x:$IT_INGEST_KEY"
it_is "$IT_HTTP_CODE" 401 "an ingest key (Basic) cannot read: 401"

DEMO_READ=$(new_key read demo)
DEMO_READ_ID=$(cat "$ST/key_id")
it_http GET "$N/stats" -H "Authorization: Bearer $DEMO_READ"
[ "$IT_HTTP_CODE" = 200 ] && [ "$(app_ids)" = demo ]
it_ok $? "a read key of demo: /stats lists exactly demo" ||
	it_diag "$IT_HTTP_CODE, apps: $(app_ids)"
it_http GET "$N/stats?app=demo" -H "Authorization: Bearer $DEMO_READ"
it_is "$IT_HTTP_CODE" 200 "a read key of demo: app=demo is 200"
it_http GET "$N/stats?app=finance-tracker" -H "Authorization: Bearer $DEMO_READ"
it_is "$IT_HTTP_CODE" 403 "a read key of demo: app=finance-tracker is 403"
it_http GET "$N/stats/apps" -H "Authorization: Bearer $DEMO_READ"
[ "$IT_HTTP_CODE" = 200 ] && [ "$(app_ids)" = demo ]
it_ok $? "a read key of demo: /stats/apps lists exactly demo" ||
	it_diag "$IT_HTTP_CODE, apps: $(app_ids)"

it_ctl key revoke "$DEMO_READ_ID" >>"$CTL_LOG" 2>&1 ||
	it_diag "axlogctl key revoke $DEMO_READ_ID failed: $(tail -n 2 "$CTL_LOG")"
it_http GET "$N/stats" -H "Authorization: Bearer $DEMO_READ"
it_is "$IT_HTTP_CODE" 401 "a revoked read key: 401"

# ---------------------------------------------------------------------------
# 3. Parameters (18 tests)
# ---------------------------------------------------------------------------

# bad_param QUERY PARAMETER: 400 bad_request with a message naming it.
bad_param() {
	local msg
	it_http GET "$N/stats?$1" "${auth[@]}"
	msg=$(it_json message)
	[ "$IT_HTTP_CODE" = 400 ] && [ "$(it_json error)" = bad_request ] &&
	    [[ $msg =~ (^|[^a-z_])$2([^a-z_]|$) ]]
	it_ok $? "?$1: 400 bad_request naming $2" ||
		it_diag "$IT_HTTP_CODE $IT_HTTP_BODY"
}
bad_param "from=garbage" from
bad_param "to=garbage" to
bad_param "from=-1h&to=-2h" from
bad_param "bucket=week" bucket
bad_param "app=Bad%21" app
bad_param "event_type=bad%20type" event_type
bad_param "foo=1" foo
bad_param "from=-40d&bucket=hour" bucket
bad_param "from=-1h&from=-2h" from

D=$(date -u -d '-1 day' +%F)
D1=$(date -u -d "$D + 1 day" +%F)
it_http GET "$N/stats?from=${D}T10:17:00Z&to=${D}T12:05:00Z&bucket=hour" "${auth[@]}"
it_is "$(it_json from)" "${D}T10:00:00Z" "from=${D}T10:17:00Z, bucket=hour: widened to ${D}T10:00:00Z" ||
	it_diag "$IT_HTTP_CODE $IT_HTTP_BODY"
it_is "$(it_json to)" "${D}T13:00:00Z" "to=${D}T12:05:00Z, bucket=hour: widened to ${D}T13:00:00Z"
nseries=$("$IT_PYTHON" -c 'import json, sys
print(sorted({len(a["series"]) for a in json.loads(sys.argv[1])["apps"]}))' "$IT_HTTP_BODY" 2>&1)
it_is "$nseries" "[3]" "10:00 to 13:00 by the hour: every app has 3 series buckets"
it_http GET "$N/stats?from=${D}T12:17:00%2B02:00&to=${D}T07:05:00-05:00&bucket=hour" "${auth[@]}"
it_is "$(it_json from) $(it_json to)" "${D}T10:00:00Z ${D}T13:00:00Z" \
    "the same range with offsets (+02:00, -05:00): the same UTC hours"
it_http GET "$N/stats?from=${D}T10:17:00Z&to=${D}T12:05:00Z&bucket=day" "${auth[@]}"
it_is "$(it_json from) $(it_json to) $(it_json bucket)" "${D}T00:00:00Z ${D1}T00:00:00Z day" \
    "the same range by the day: widened to the whole UTC day"
it_http GET "$N/stats?from=${D}T10:00:00Z&to=${D}T12:00:00Z" "${auth[@]}"
it_is "$(it_json from) $(it_json to) $(it_json bucket)" "${D}T10:00:00Z ${D}T12:00:00Z hour" \
    "whole hours stay as they are (and 2 hours default to bucket=hour)"
it_http GET "$N/stats?from=-24h" "${auth[@]}"
it_is "$(it_json bucket)" hour "from=-24h: bucket defaults to hour"
it_http GET "$N/stats?from=-7d" "${auth[@]}"
it_is "$(it_json bucket)" day "from=-7d: bucket defaults to day"
it_http GET "$N/stats" "${auth[@]}"
span=$("$IT_PYTHON" -c 'import datetime, json, sys
b = json.loads(sys.argv[1])
p = lambda s: datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ")
print(b["bucket"], int((p(b["to"]) - p(b["from"])).total_seconds() // 3600))' "$IT_HTTP_BODY" 2>&1)
it_like "$span" '^hour 2[45]$' "no parameters: the last 24 hours by the hour (whole hours: 24 or 25)"

# ---------------------------------------------------------------------------
# 4. Caching (9 tests)
# ---------------------------------------------------------------------------

Y=$(date -u -d '-1 day' +%F)
A=$(date -u -d '+2 day' +%F)
CQ="$N/stats?from=${Y}T00:00:00Z&to=${A}T00:00:00Z&app=demo"
it_http GET "$CQ" "${auth[@]}"
it_is "$IT_HTTP_CODE" 200 "caching: first answer 200"
etag=$(it_http_header ETag)
events=$(it_json totals.events)
it_like "$etag" '^(W/)?"[!#-~]+"$' "caching: ETag present ($etag)"
it_is "$(it_http_header Cache-Control)" "private, no-cache" "caching: Cache-Control: private, no-cache"
it_http GET "$CQ" "${auth[@]}" -H "If-None-Match: $etag"
it_is "$IT_HTTP_CODE" 304 "caching: If-None-Match with that ETag: 304"
it_is "$(wc -c <"$IT_TMP/http.body" | tr -d ' ')" 0 "caching: the 304 has no body"
it_http POST "$N/ingest" -H "Authorization: Bearer $IT_INGEST_KEY" \
    -H "Content-Type: application/json" \
    --data "{\"event_type\": \"cache.probe\", \"id\": \"$(cat /proc/sys/kernel/random/uuid)\", \"created_at\": \"$(date -u +%FT%T.%3NZ)\"}"
it_is "$IT_HTTP_CODE" 200 "caching: one more event ingested" || it_diag "$IT_HTTP_BODY"
it_http GET "$CQ" "${auth[@]}" -H "If-None-Match: $etag"
it_is "$IT_HTTP_CODE" 200 "caching: after the new event, the same If-None-Match gets 200"
etag2=$(it_http_header ETag)
[ -n "$etag2" ] && [ "$etag2" != "$etag" ]
it_ok $? "caching: with a new ETag ($etag2)"
it_is "$(it_json totals.events)" "$((events + 1))" "caching: and one event more"

# ---------------------------------------------------------------------------
# 5. CORS (10 tests)
# ---------------------------------------------------------------------------

it_unspawn stats
it_spawn stats "$IT_STATS" AXLOG_STATS_DATABASE_URL="$IT_STATS_URL" \
    AXLOG_CORS_ORIGINS="https://dash.example https://other.example" ||
	it_bail "the stats program did not start with AXLOG_CORS_ORIGINS"
ORIGIN=https://dash.example
it_http OPTIONS "$N/stats" -H "Origin: $ORIGIN" \
    -H "Access-Control-Request-Method: GET" \
    -H "Access-Control-Request-Headers: authorization"
it_is "$IT_HTTP_CODE" 204 "CORS: preflight from $ORIGIN: 204"
it_is "$(it_http_header Access-Control-Allow-Origin)" "$ORIGIN" \
    "CORS: preflight: Access-Control-Allow-Origin: $ORIGIN"
it_like "$(it_http_header Access-Control-Allow-Headers)" '(^|[ ,])[Aa]uthorization($|[ ,])' \
    "CORS: preflight: Access-Control-Allow-Headers includes Authorization"
it_like "$(it_http_header Access-Control-Allow-Methods)" '(^|[ ,])GET($|[ ,])' \
    "CORS: preflight: Access-Control-Allow-Methods includes GET"
it_http GET "$N/stats" "${auth[@]}" -H "Origin: $ORIGIN"
it_is "$IT_HTTP_CODE" 200 "CORS: GET from $ORIGIN: 200"
it_is "$(it_http_header Access-Control-Allow-Origin)" "$ORIGIN" \
    "CORS: GET: Access-Control-Allow-Origin: $ORIGIN"
it_like "$(it_http_header Vary)" '(^|[ ,])Origin($|[ ,])' "CORS: GET: Vary: Origin"
it_http GET "$N/stats" "${auth[@]}" -H "Origin: https://evil.example"
it_is "$IT_HTTP_CODE" 200 "CORS: GET from an unlisted origin: 200 (the browser enforces)"
it_is "$(it_http_header Access-Control-Allow-Origin)" "" \
    "CORS: GET from an unlisted origin: no Access-Control-Allow-Origin"
it_http OPTIONS "$N/stats" -H "Origin: https://evil.example" \
    -H "Access-Control-Request-Method: GET"
it_is "$(it_http_header Access-Control-Allow-Origin)" "" \
    "CORS: preflight from an unlisted origin: no Access-Control-Allow-Origin"

# ---------------------------------------------------------------------------
# 6. /stats/apps and /stats/alerts (17 tests)
# ---------------------------------------------------------------------------

new_app failing heavy
new_app steady lightweight
new_app sparse lightweight
new_app quiet lightweight
ST_KEYS="{\"failing\": \"$(new_key ingest failing)\", \"steady\": \"$(new_key ingest steady)\","
ST_KEYS+=" \"sparse\": \"$(new_key ingest sparse)\", \"quiet\": \"$(new_key ingest quiet)\"}"
export ST_KEYS
py_checks 1 alert-setup
py_checks 9 apps
py_checks 7 alerts

# ---------------------------------------------------------------------------
# 7. A database whose default collation is not C (ICU en-US, the default
#    of many managed services), with app names that sort differently
#    there than byte by byte: the same exact numbers (2 tests)
# ---------------------------------------------------------------------------

for pid in "${INGEST_PIDS[@]}"; do
	it_stop_pid "$pid"
done
ICU_DB=axlog_icu
ICU_APPS=(ax-admin ax_shop ax2 finance-tracker michelleradnia_com)
if it_psql -c "CREATE DATABASE $ICU_DB OWNER axlog_admin TEMPLATE template0
    LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C'" >>"$CTL_LOG" 2>&1; then
	ICU_ADMIN_URL="postgresql://axlog_admin@127.0.0.1:$IT_PG_PORT/$ICU_DB"
	icu_ctl() {
		it_env_run AXLOG_ADMIN_DATABASE_URL="$ICU_ADMIN_URL" -- "$IT_AXLOGCTL" "$@"
	}
	icu_ctl migrate >>"$CTL_LOG" 2>&1 || it_bail "axlogctl migrate ($ICU_DB) failed"
	ST_KEYS="{"
	for a in "${ICU_APPS[@]}"; do
		icu_ctl app add "$a" --kind heavy >>"$CTL_LOG" 2>&1 &&
		k=$(icu_ctl key create --scope ingest --app "$a" 2>>"$CTL_LOG") ||
			it_bail "axlogctl ($ICU_DB): app $a failed"
		ST_KEYS+="\"$a\": \"$k\", "
	done
	ST_KEYS="${ST_KEYS%, }}"
	ST_READ_KEY=$(icu_ctl key create --scope read 2>>"$CTL_LOG") ||
		it_bail "axlogctl ($ICU_DB): read key failed"
	export ST_KEYS ST_READ_KEY ST_DB=$ICU_DB
	it_unspawn stats
	it_spawn ingest "$IT_INGEST" \
	    AXLOG_DATABASE_URL="postgresql://axlog_ingest@127.0.0.1:$IT_PG_PORT/$ICU_DB" &&
	it_spawn stats "$IT_STATS" \
	    AXLOG_STATS_DATABASE_URL="postgresql://axlog_stats@127.0.0.1:$IT_PG_PORT/$ICU_DB" ||
		it_bail "the programs did not start on $ICU_DB"
	it_diag "$ICU_DB (ICU en-US) orders the apps: $(it_psql "$ICU_DB" -c \
	    "SELECT string_agg(app_id, ' ' ORDER BY app_id) FROM axlog.apps")"
	py_checks 2 other-db "ICU en-US" "$(IFS=,; echo "${ICU_APPS[*]}")"
else
	it_skip "ICU collation: events ingested" "no ICU database default (PostgreSQL 15 with ICU needed)"
	it_skip "ICU collation: /stats equals SQL" "no ICU database default (PostgreSQL 15 with ICU needed)"
fi

# ---------------------------------------------------------------------------
# 7b. Histograms as stored (2 tests): the rollups' buckets, built and
# merged request by request, equal the buckets of the raw rows; and the
# conversion migration 4 applied to the old sparse form gives them back.
# ---------------------------------------------------------------------------

HIST_BUCKETS_SQL="
WITH r AS (SELECT app_id, t, k AS b, sum(hist[k]) AS c
    FROM axlog.rollup_hour, generate_subscripts(hist, 1) AS k
    WHERE hist[k] IS NOT NULL GROUP BY 1, 2, 3),
 l AS (SELECT app_id, date_trunc('hour', created_at, 'UTC') AS t,
    axlog.hist_bucket(duration_ms) AS b, count(*) AS c
    FROM axlog.logs WHERE duration_ms IS NOT NULL GROUP BY 1, 2, 3)
SELECT count(*) FILTER (WHERE r.c IS DISTINCT FROM l.c), count(*)
FROM r FULL JOIN l USING (app_id, t, b)"
read -r bad total < <(it_psql axlog -F ' ' -c "$HIST_BUCKETS_SQL")
[ "$bad" = 0 ] && [ "${total:-0}" -gt 100 ]
it_ok $? "rollup histograms: every (app, hour, bucket) count equals the raw rows' ($total buckets, $bad differ)"

HIST_CONVERT=$(sed -n '/^CREATE FUNCTION pg_temp.hist_from_sparse/,/^\$\$;/p' \
    "$top_srcdir/sql/004_hist_indexed.sql")
read -r bad total < <(it_psql axlog -F ' ' -c "$HIST_CONVERT" -c "
SELECT count(*) FILTER (WHERE hist IS DISTINCT FROM pg_temp.hist_from_sparse(
    (SELECT array_agg((k::int8 << 32) | hist[k] ORDER BY k)
     FROM generate_subscripts(hist, 1) AS k WHERE hist[k] IS NOT NULL))),
    count(*)
FROM axlog.rollup_day WHERE hist IS NOT NULL")
[ "$bad" = 0 ] && [ "${total:-0}" -gt 0 ]
it_ok $? "migration 4 turns the old sparse histograms into the indexed ones ($total rows, $bad differ)"

# ---------------------------------------------------------------------------
# 8. Sanitizers (in a --enable-sanitizers build) found nothing (1 test)
# ---------------------------------------------------------------------------

it_unspawn ingest
it_unspawn stats
it_unspawn health
it_logs_clean
it_ok $? "no sanitizer report in the programs' logs"
