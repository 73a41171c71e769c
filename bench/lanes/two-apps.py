#!/usr/bin/env python3
# bench/lanes/two-apps.py: the measurement behind AXLOG_GROUP_CONNECTIONS's
# default (docs/benchmarks.md, "Commit lanes").  Run against a stack from
# `bench/run --serve`, with the keys of two apps.
"""two-apps.py URL KEY1 KEY2 BODYFILE SECONDS CONC: POST BODYFILE with two keys, CONC clients each, for SECONDS; print events/s."""
import http.client, json, sys, threading, time
url, k1, k2, bodyf, secs, conc = sys.argv[1:7]
secs, conc = float(secs), int(conc)
body = open(bodyf, "rb").read()
host, port = url[len("http://"):].split(":")
port = int(port.split("/")[0])
acc = [0]; lock = threading.Lock(); errs = [0]
end = time.time() + secs
def run(key):
    c = http.client.HTTPConnection(host, port, timeout=60)
    while time.time() < end:
        c.request("POST", "/ingest", body, {"Content-Type": "application/json", "Authorization": "Bearer " + key})
        r = c.getresponse(); b = r.read()
        with lock:
            if r.status == 200: acc[0] += json.loads(b)["accepted"]
            else: errs[0] += 1
t0 = time.time()
ts = [threading.Thread(target=run, args=(k,)) for k in (k1, k2) for _ in range(conc)]
for t in ts: t.start()
for t in ts: t.join()
print("events/s %.0f errors %d" % (acc[0] / (time.time() - t0), errs[0]))
