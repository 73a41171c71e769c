#!/bin/bash
# The rollups the program computes equal SQL over the stored rows.
#
# axlog-ingest computes each request's rollup deltas in C (src/evcols.c:
# counts, errors, newest time and histogram buckets per hour and event
# type), and axlog.ingest_events (sql/007_ingest_events.sql) adds them
# only when every event of the group went in; when one was stored
# already (a resend, or an id sent twice) the rollups come from the rows
# actually inserted.  This sends 400 random requests from 16 clients at
# once through nginx, so that groups form, with the event-type cap set
# to 4 per app and hour:
#   - two apps, nine event types, times over the last five hours (some
#     on the hour exactly), durations missing, random, or exactly on a
#     histogram bucket's edge (and the doubles either side of it);
#   - ids on about half the events; a fifth of the requests resend an
#     earlier request whole, some carry one id twice, and pairs of
#     requests sent at once share ids;
# then checks, against the raw rows (superuser SQL): (1-2) every answer
# was 200 and the answers' accepted count equals the rows; (3-4) both
# paths ran (answers with and without duplicates); (5) every hour
# rollup row (events, errors, newest, histogram) equals the rows of its
# app, hour and type, where a type with no row of its own is counted
# under "(other)"; (6) the day rollups equal the rows the same way;
# (7) no app and hour names more than 4 types, and (8) the cap was
# reached.  (9-10) Requests refused for a bad event after good ones,
# sent among others so that they share groups, get 400 and store
# nothing, while their neighbours are stored.  (11) The programs' logs
# hold no sanitizer report.
# Time budget: 60 s; the elapsed time is printed.  TAP on stdout.

# shellcheck source=tests/integration/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck disable=SC2154 # IT_*: set by lib.sh

T0=$SECONDS
it_init
it_require nginx
it_plan 11
W=$IT_TMP/work
mkdir -p "$W"

it_pg_start || it_bail "PostgreSQL did not start"
it_setup_db || it_bail "database setup failed"
it_ctl app add other --kind lightweight >/dev/null || it_bail "app add failed"
KEY2=$(it_ctl key create --app other --scope ingest) || it_bail "key create failed"
it_psql axlog -c "UPDATE axlog.settings SET max_event_types = 4" >/dev/null ||
	it_bail "could not set the cap"
it_spawn_all || it_bail "the programs did not start"
it_nginx_start || it_bail "nginx did not start"

cat >"$W/send.py" <<'PY'
"""send.py URL KEY1 KEY2 OUT: 400 random requests from 16 threads."""
import http.client, json, math, random, sys, threading, uuid
from datetime import datetime, timedelta, timezone

url, key1, key2, out = sys.argv[1:5]
host, port = url[len("http://"):].split("/")[0].split(":")
rnd = random.Random(24)
now = datetime.now(timezone.utc).replace(microsecond=0)
hour0 = now.replace(minute=0, second=0) - timedelta(hours=4)
types = ["t.%s" % c for c in "abcdefghi"]
edges = [0.001 * 1.08 ** k for k in range(0, 200, 7)]

def duration():
    r = rnd.random()
    if r < 0.3:
        return None
    if r < 0.6:
        e = rnd.choice(edges)
        return rnd.choice([e, math.nextafter(e, 0), math.nextafter(e, 1e9)])
    return round(rnd.lognormvariate(2, 2), 6)

def when():
    if rnd.random() < 0.1:
        t = hour0 + timedelta(hours=rnd.randrange(5))
    else:
        t = hour0 + timedelta(seconds=rnd.uniform(0, (now - hour0).total_seconds() - 5))
    return t.isoformat().replace("+00:00", "Z")

def event():
    e = {"event_type": rnd.choice(types), "created_at": when(),
         "success": rnd.random() > 0.2}
    d = duration()
    if d is not None:
        e["duration_ms"] = d
    if rnd.random() < 0.5:
        e["id"] = str(uuid.uuid4())
    return e

reqs = []
for i in range(400):
    key = key1 if rnd.random() < 0.6 else key2
    r = rnd.random()
    if reqs and r < 0.2:
        reqs.append(rnd.choice(reqs))          # a resend, whole
        continue
    evs = [event() for _ in range(rnd.randint(1, 40))]
    if r < 0.3:
        d = dict(evs[0])
        d["id"] = str(uuid.uuid4())
        evs += [d, dict(d)]                     # one id twice
    reqs.append((key, evs))
# pairs sent at once that share ids
for i in range(0, 40, 2):
    k, evs = reqs[i]
    shared = [dict(e, id=str(uuid.uuid4())) for e in evs[:3]]
    reqs[i] = (k, shared + evs)
    reqs[i + 1] = (k, shared + reqs[i + 1][1])

answers = [None] * len(reqs)
def worker(w):
    c = http.client.HTTPConnection(host, int(port), timeout=30)
    for i in range(w, len(reqs), 16):
        key, evs = reqs[i]
        c.request("POST", "/ingest", json.dumps(evs),
                  {"Content-Type": "application/json",
                   "Authorization": "Bearer " + key})
        r = c.getresponse()
        body = r.read().decode()
        answers[i] = {"status": r.status, "body": body, "n": len(evs)}
ts = [threading.Thread(target=worker, args=(w,)) for w in range(16)]
for t in ts: t.start()
for t in ts: t.join()
json.dump(answers, open(out, "w"))
PY

"$IT_PYTHON" "$W/send.py" "$IT_NGINX_URL" "$IT_INGEST_KEY" "$KEY2" "$W/answers.json" ||
	it_bail "the sender failed"

read -r n200 accepted withdup nodup < <("$IT_PYTHON" - "$W/answers.json" <<'PY'
import json, sys
a = json.load(open(sys.argv[1]))
ok = [json.loads(x["body"]) for x in a if x and x["status"] == 200]
print(len(ok), sum(o["accepted"] for o in ok),
      sum(1 for o in ok if o["duplicates"] > 0),
      sum(1 for o in ok if o["duplicates"] == 0))
PY
)
it_is "$n200" 400 "every one of the 400 requests was answered 200"
rows=$(it_psql axlog -Atc "SELECT count(*) FROM axlog.logs")
it_is "$rows" "$accepted" "the answers accepted exactly the $rows stored rows"
it_ok $([ "${withdup:-0}" -gt 0 ]; echo $?) "some answers counted duplicates ($withdup): the inserted-rows path ran"
it_ok $([ "${nodup:-0}" -gt 0 ]; echo $?) "some answers counted none ($nodup): the computed-deltas path ran"

# Each raw row under the name its hour rollup gives its type: its own
# when that row exists, else "(other)".
MAPPED="SELECT l.app_id, l.created_at, l.success, l.duration_ms,
	date_trunc('hour', l.created_at, 'UTC') AS h,
	date_trunc('day', l.created_at, 'UTC') AS d,
	CASE WHEN EXISTS (SELECT 1 FROM axlog.rollup_hour r WHERE
	r.app_id = l.app_id AND r.t = date_trunc('hour', l.created_at, 'UTC')
	AND r.event_type = l.event_type) THEN l.event_type ELSE '(other)'
	END AS rtype FROM axlog.logs l"
diff_of() {	# table, time column of the mapped rows; [rows] to list them
	it_psql axlog -Atc "WITH m AS ($MAPPED),
	 s AS (SELECT app_id, $2 AS t, rtype AS event_type, count(*) AS events,
	  count(*) FILTER (WHERE NOT success) AS errors,
	  max(created_at) AS last_at, axlog.hist_of(array_agg(duration_ms))
	  AS hist FROM m GROUP BY 1, 2, 3)
	 SELECT ${3:-count(*)} FROM s FULL JOIN axlog.$1 r USING (app_id, t,
	  event_type) WHERE s.events IS DISTINCT FROM r.events
	  OR s.errors IS DISTINCT FROM r.errors
	  OR s.last_at IS DISTINCT FROM r.last_at
	  OR s.hist IS DISTINCT FROM r.hist ${3:+LIMIT 5}"
}
# The first differing rows, theirs and ours, when a check fails.
diff_diag() {
	[ "$1" = 0 ] && return
	it_diag "$(diff_of "$2" "$3" "app_id, t, event_type, s.events, r.events,
	    s.errors, r.errors, s.last_at, r.last_at, s.hist, r.hist")"
}
nh=$(it_psql axlog -Atc "SELECT count(*) FROM axlog.rollup_hour")
dh=$(diff_of rollup_hour h)
diff_diag "$dh" rollup_hour h
it_is "$dh" 0 "every hour rollup row ($nh) equals its rows: events, errors, newest, histogram"
nd=$(it_psql axlog -Atc "SELECT count(*) FROM axlog.rollup_day")
dd=$(diff_of rollup_day d)
diff_diag "$dd" rollup_day d
it_is "$dd" 0 "every day rollup row ($nd) equals its rows the same way"
over=$(it_psql axlog -Atc "SELECT count(*) FROM (SELECT app_id, t FROM
	axlog.rollup_hour WHERE event_type <> '(other)' GROUP BY 1, 2
	HAVING count(*) > 4) x")
it_is "$over" 0 "no app and hour names more than 4 event types"
other=$(it_psql axlog -Atc "SELECT count(*) FROM axlog.rollup_hour WHERE event_type = '(other)'")
it_ok $([ "${other:-0}" -gt 0 ]; echo $?) "the cap was reached: $other hour rows count \"(other)\""

# A refused request whose first events were good, among good ones: the
# good events it carried must not be stored with its neighbours'.
cat >"$W/mixed.py" <<'PY'
"""mixed.py URL KEY OUT: 16 clients, 20 requests each; every third is
refused by its last event.  Writes [status, tag, refused] per request."""
import http.client, json, sys, threading
url, key, out = sys.argv[1:4]
host, port = url[len("http://"):].split("/")[0].split(":")
res = []
lock = threading.Lock()
def worker(w):
    c = http.client.HTTPConnection(host, int(port), timeout=30)
    for i in range(20):
        tag = "mixed-%d-%d" % (w, i)
        bad = i % 3 == 0
        evs = [{"event_type": "mixed", "message": tag} for _ in range(5)]
        if bad:
            evs.append({"event_type": "", "message": tag})
        c.request("POST", "/ingest", json.dumps(evs),
                  {"Content-Type": "application/json",
                   "Authorization": "Bearer " + key})
        r = c.getresponse()
        r.read()
        with lock:
            res.append([r.status, tag, bad])
ts = [threading.Thread(target=worker, args=(w,)) for w in range(16)]
for t in ts: t.start()
for t in ts: t.join()
json.dump(res, open(out, "w"))
PY
"$IT_PYTHON" "$W/mixed.py" "$IT_NGINX_URL" "$IT_INGEST_KEY" "$W/mixed.json" ||
	it_bail "the mixed sender failed"
read -r wrong bad_tags good_tags < <("$IT_PYTHON" - "$W/mixed.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
wrong = sum(1 for s, t, b in r if s != (400 if b else 200))
print(wrong, ",".join(t for s, t, b in r if b), ",".join(t for s, t, b in r if not b))
PY
)
stored_bad=$(it_psql axlog -Atc "SELECT count(*) FROM axlog.logs WHERE message = ANY (string_to_array('$bad_tags', ','))")
stored_good=$(it_psql axlog -Atc "SELECT count(*) FROM axlog.logs WHERE message = ANY (string_to_array('$good_tags', ','))")
it_is "$wrong" 0 "mixed groups: every refused request got 400, every other 200"
it_is "$stored_bad $stored_good" "0 $(( $(tr ',' '\n' <<<"$good_tags" | wc -l) * 5 ))" \
    "mixed groups: nothing of a refused request is stored, all of its neighbours are"

it_logs_clean
it_ok $? "no sanitizer report in the programs' logs"
it_diag "rollups.sh took $((SECONDS - T0)) s"
