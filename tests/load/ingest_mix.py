#!/usr/bin/env python3
"""Concurrent /ingest clients for the group commit test.

Usage: ingest_mix.py BASE_URL KEY SECONDS CLIENTS OUT.json [MARKER_CLIENT]

Each client thread sends, for SECONDS (bounded) or at most 400 requests,
single events and small batches (1-5 events) with ids and created_at,
and records every answer.  Client MARKER_CLIENT (if given) puts the
marker message "reject-me" in every request's last event, which the
test's own CHECK constraint makes PostgreSQL refuse after validation
passed.  Writes a JSON summary: per client the ids acknowledged by each
200 with the counts the server gave, and the non-200 answers.
"""
import datetime
import http.client
import json
import sys
import threading
import time
import urllib.parse
import uuid
import random


def main():
    base, key, secs, clients, out = sys.argv[1:6]
    marker = int(sys.argv[6]) if len(sys.argv) > 6 else -1
    u = urllib.parse.urlparse(base)
    deadline = time.time() + float(secs)
    results = [None] * int(clients)

    def client(n):
        rnd = random.Random(n)
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=20)
        acked, refused, other = [], [], []
        for i in range(400):
            if time.time() > deadline:
                break
            now = datetime.datetime.now(datetime.timezone.utc)
            events = []
            for j in range(rnd.choice([1, 1, 1, 2, 5])):
                events.append({
                    "id": str(uuid.uuid4()),
                    "created_at": now.isoformat(),
                    "event_type": rnd.choice(["a", "b", "c", "d"]),
                    "success": rnd.random() > 0.1,
                    "duration_ms": rnd.random() * 100,
                })
            if n == marker:
                events[-1]["message"] = "reject-me"
            body = json.dumps(events if len(events) > 1 else events[0])
            try:
                conn.request("POST", "/ingest", body, {
                    "Authorization": "Bearer " + key,
                    "Content-Type": "application/json"})
                r = conn.getresponse()
                data = r.read()
            except Exception as e:  # a broken connection: start again
                other.append(str(e))
                conn.close()
                conn = http.client.HTTPConnection(u.hostname, u.port,
                                                  timeout=20)
                continue
            ids = [e["id"] for e in events]
            if r.status == 200:
                a = json.loads(data)
                acked.append({"ids": ids, "accepted": a["accepted"],
                              "duplicates": a["duplicates"]})
            elif r.status == 400:
                refused.append({"ids": ids, "body": json.loads(data)})
            else:
                other.append("%d %s" % (r.status, data[:200]))
        results[n] = {"acked": acked, "refused": refused, "other": other}

    threads = [threading.Thread(target=client, args=(n,))
               for n in range(int(clients))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with open(out, "w") as f:
        json.dump(results, f)


if __name__ == "__main__":
    main()
