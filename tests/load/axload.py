#!/usr/bin/env python3
"""tests/load/axload.py: a small, bounded load generator for axlog's
fault and soak tests (tests/integration/faults.sh, soak.sh).  Python 3
standard library only; loopback only (it refuses any other host).

Every mode is bounded in time and in count, and prints one JSON object
(its summary) on stdout.

  ingest   CLIENTS threads each POST batches of BATCH events carrying
           `id` and `created_at` to /ingest for SECONDS (at most
           MAX_BATCHES batches in all).  A batch is resent unchanged after
           a 502, 503 or 504, a connection error or a client timeout,
           until it is answered 200 (or RETRY_SECONDS pass: the batch is
           then "abandoned").  Any other status is "fatal" for its batch.
           --sent / --acked write the ids sent / acknowledged (one a line).
  mix      CLIENTS threads send a mix of POST /ingest (single and batch),
           GET /stats, /stats/logs, /health for SECONDS (at most
           MAX_REQUESTS requests); no retries: every status is counted.
  slow     CLIENTS (at most 256) POST /ingest at once, whose bodies
           trickle in a byte at a time, then are finished, stalled (the
           socket held open, silent) or cut (the socket closed mid-body).
  fcgi     Raw FastCGI records straight to a program's unix socket: peers
           that send PARAMS and part of STDIN, then stay silent, half-close
           or close, around complete requests; see fcgi_scenario().
           At most MAX_PEERS peers at once.
  fcgi-load  CLIENTS threads each send REQUESTS complete POST /ingest
           requests straight to a FastCGI socket (for scripts/valgrind).
"""

import argparse
import http.client
import json
import os
import random
import socket
import struct
import sys
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def now_rfc3339(delta_s=0.0):
    t = datetime.now(timezone.utc) + timedelta(seconds=delta_s)
    return t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def host_port(url):
    if not url.startswith("http://"):
        sys.exit("axload: only http:// URLs on loopback")
    hp = url[len("http://"):].split("/", 1)[0]
    host, _, port = hp.rpartition(":")
    if host not in LOOPBACK:
        sys.exit("axload: refusing a non-loopback host: %s" % host)
    return host, int(port)


def percentile(values, p):
    if not values:
        return 0.0
    v = sorted(values)
    return v[min(len(v) - 1, int(len(v) * p / 100.0))]


def classify_5xx(status, headers, body):
    """'program' for the program's own JSON 503 (Retry-After: 1), 'nginx'
    for nginx's JSON error page, 'html' for anything that is not JSON."""
    try:
        j = json.loads(body)
    except ValueError:
        return "html"
    if not isinstance(j, dict) or "error" not in j:
        return "html"
    if j.get("message") == "service temporarily unavailable":
        return "nginx"
    return "program"


class Stats:
    """Counters shared by the threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.status = {}          # "200" -> n
        self.kinds = {}           # "503 program" -> n
        self.errors = {}          # exception name -> n
        self.timeouts = []        # start times (epoch s) of timed-out requests
        self.no_retry_after = 0   # 503s without a numeric Retry-After
        self.lat = []             # seconds, answered requests
        self.requests = 0
        self.by_ep = {}           # endpoint -> {status -> n}
        self.examples = {}        # unexpected status -> a body
        self.ep_lat = {}          # endpoint -> [seconds]
        self.accepted = 0         # "accepted" of the 200s of /ingest

    def add(self, status, lat, ep=None, kind=None, body=None):
        with self.lock:
            self.requests += 1
            s = str(status)
            self.status[s] = self.status.get(s, 0) + 1
            if kind:
                k = "%s %s" % (status, kind)
                self.kinds[k] = self.kinds.get(k, 0) + 1
            if lat is not None:
                self.lat.append(lat)
            if ep is not None:
                d = self.by_ep.setdefault(ep, {})
                d[s] = d.get(s, 0) + 1
                if lat is not None:
                    self.ep_lat.setdefault(ep, []).append(lat)
            if body is not None and s not in self.examples:
                self.examples[s] = body[:300]

    def err(self, name, started, timeout=False):
        with self.lock:
            self.requests += 1
            self.errors[name] = self.errors.get(name, 0) + 1
            if timeout:
                self.timeouts.append(round(started, 3))

    def summary(self):
        return {
            "requests": self.requests,
            "status": self.status,
            "kinds": self.kinds,
            "errors": self.errors,
            "timeouts": len(self.timeouts),
            "timeout_starts": self.timeouts[:50],
            "last_timeout_start": max(self.timeouts) if self.timeouts else 0,
            "no_retry_after_503": self.no_retry_after,
            "lat_p50_ms": round(percentile(self.lat, 50) * 1000, 1),
            "lat_p99_ms": round(percentile(self.lat, 99) * 1000, 1),
            "lat_max_ms": round(max(self.lat) * 1000, 1) if self.lat else 0,
            "by_endpoint": self.by_ep,
            "latency_ms": {ep: {"p50": round(percentile(v, 50) * 1000, 1),
                                "p99": round(percentile(v, 99) * 1000, 1),
                                "max": round(max(v) * 1000, 1)}
                           for ep, v in self.ep_lat.items()},
            "ingest_accepted": self.accepted,
            "examples": self.examples,
        }


def request(conn_box, host, port, timeout, method, path, body, headers):
    """One request on a kept-alive connection (remade when needed).
    Returns (status, headers dict, body text); raises on any failure,
    after which the connection is dropped."""
    if conn_box[0] is None:
        conn_box[0] = http.client.HTTPConnection(host, port, timeout=timeout)
    c = conn_box[0]
    try:
        c.request(method, path, body=body, headers=headers)
        r = c.getresponse()
        data = r.read().decode("utf-8", "replace")
        hdrs = {k.lower(): v for k, v in r.getheaders()}
        if r.getheader("connection", "").lower() == "close":
            c.close()
            conn_box[0] = None
        return r.status, hdrs, data
    except BaseException:
        c.close()
        conn_box[0] = None
        raise


def is_timeout(e):
    return isinstance(e, (socket.timeout, TimeoutError))


# ---------------------------------------------------------------------------
# ingest: batches with ids, resent until 200
# ---------------------------------------------------------------------------

def mode_ingest(a):
    host, port = host_port(a.url)
    st = Stats()
    lock = threading.Lock()
    counters = {"batches": 0, "acked_batches": 0, "abandoned": 0, "fatal": 0,
                "accepted": 0, "duplicates": 0, "resends": 0,
                "bad_answer": 0}
    sent_ids, acked_ids = [], []
    t0 = time.time()
    stop_new = t0 + a.seconds
    hard_stop = stop_new + a.retry_seconds
    hdrs = {"X-API-Key": a.key, "Content-Type": "application/json"}

    def take_batch():
        with lock:
            if time.time() >= stop_new or counters["batches"] >= a.max_batches:
                return None
            counters["batches"] += 1
        return [{"event_type": a.event_type, "id": str(uuid.uuid4()),
                 "created_at": now_rfc3339(-random.uniform(1, 120)),
                 "message": "load", "duration_ms": round(random.uniform(0, 50), 2)}
                for _ in range(a.batch)]

    def worker():
        box = [None]
        while True:
            batch = take_batch()
            if batch is None:
                break
            ids = [e["id"] for e in batch]
            with lock:
                sent_ids.extend(ids)
            body = json.dumps(batch)
            first_try = time.time()
            attempt = 0
            while True:
                if attempt > 0:
                    with lock:
                        counters["resends"] += 1
                attempt += 1
                started = time.time()
                if started - first_try > a.retry_seconds or started > hard_stop:
                    with lock:
                        counters["abandoned"] += 1
                    break
                try:
                    status, rh, data = request(box, host, port, a.timeout,
                                               "POST", "/ingest", body, hdrs)
                except Exception as e:  # noqa: BLE001 - every failure is retried
                    st.err(type(e).__name__, started, is_timeout(e))
                    time.sleep(random.uniform(0.05, 0.2))
                    continue
                lat = time.time() - started
                if status == 200:
                    st.add(status, lat)
                    try:
                        j = json.loads(data)
                        acc, dup = int(j["accepted"]), int(j["duplicates"])
                    except (ValueError, KeyError, TypeError):
                        acc, dup = -1, -1
                    with lock:
                        counters["acked_batches"] += 1
                        if acc + dup != len(batch):
                            counters["bad_answer"] += 1
                        counters["accepted"] += max(acc, 0)
                        counters["duplicates"] += max(dup, 0)
                        acked_ids.extend(ids)
                    break
                if status in (502, 503, 504):
                    kind = classify_5xx(status, rh, data)
                    st.add(status, lat, kind=kind,
                           body=data if kind == "html" else None)
                    if status == 503 and not rh.get("retry-after", "").isdigit():
                        with st.lock:
                            st.no_retry_after += 1
                    time.sleep(random.uniform(0.05, 0.2))
                    continue
                st.add(status, lat, body=data)
                with lock:
                    counters["fatal"] += 1
                break

    threads = [threading.Thread(target=worker, daemon=True)
               for _ in range(a.clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(max(0.1, hard_stop + a.timeout + 5 - time.time()))
    hung = sum(1 for t in threads if t.is_alive())
    with lock:
        if a.sent:
            with open(a.sent, "w") as f:
                f.writelines(i + "\n" for i in sent_ids)
        if a.acked:
            with open(a.acked, "w") as f:
                f.writelines(i + "\n" for i in acked_ids)
        out = st.summary()
        out.update(counters)
        out.update({"sent_ids": len(sent_ids),
                    "distinct_sent": len(set(sent_ids)),
                    "acked_ids": len(acked_ids), "hung_threads": hung,
                    "elapsed_s": round(time.time() - t0, 2)})
    print(json.dumps(out, sort_keys=True))
    sys.stdout.flush()
    os._exit(0)


# ---------------------------------------------------------------------------
# mix: the soak's request mix, no retries
# ---------------------------------------------------------------------------

def mode_mix(a):
    host, port = host_port(a.url)
    st = Stats()
    lock = threading.Lock()
    issued = [0]
    t0 = time.time()
    stop = t0 + a.seconds
    ing = {"X-API-Key": a.ingest_key, "Content-Type": "application/json"}
    rd = {"Authorization": "Bearer " + a.read_key}

    def one_event(i):
        e = {"event_type": "soak.%d" % (i % 5), "message": "soak %d" % i,
             "success": i % 7 != 0,
             "duration_ms": round(random.uniform(0, 200), 2)}
        if i % 2 == 0:
            e["id"] = str(uuid.uuid4())
            e["created_at"] = now_rfc3339(-random.uniform(0, 600))
        return e

    # (weight, endpoint name, builder -> (method, path, body, headers))
    mix = [
        (30, "ingest single", lambda i: ("POST", "/ingest",
                                         json.dumps(one_event(i)), ing)),
        (15, "ingest batch", lambda i: ("POST", "/ingest", json.dumps(
            [one_event(i * 50 + k) for k in range(random.randint(2, 50))]), ing)),
        (15, "stats", lambda i: ("GET", random.choice(
            ["/stats", "/stats?from=-1h", "/stats?from=-7d&bucket=day",
             "/stats?app=demo", "/stats/apps", "/stats/alerts"]), None, rd)),
        (20, "stats/logs", lambda i: ("GET", random.choice(
            ["/stats/logs?limit=50", "/stats/logs?app=demo&limit=20",
             "/stats/logs?success=false&limit=10",
             "/stats/logs?event_type=soak.1&limit=100"]), None, rd)),
        (20, "health", lambda i: ("GET", random.choice(
            ["/health", "/health/live", "/health/db"]), None, {})),
    ]
    total_w = sum(m[0] for m in mix)

    def pick():
        r = random.uniform(0, total_w)
        for w, name, build in mix:
            r -= w
            if r <= 0:
                return name, build
        return mix[-1][1], mix[-1][2]

    def worker():
        box = [None]
        while time.time() < stop:
            with lock:
                if issued[0] >= a.max_requests:
                    break
                issued[0] += 1
                i = issued[0]
            name, build = pick()
            method, path, body, hdrs = build(i)
            started = time.time()
            try:
                status, rh, data = request(box, host, port, a.timeout,
                                           method, path, body, hdrs)
            except Exception as e:  # noqa: BLE001 - counted, not retried
                st.err(type(e).__name__, started, is_timeout(e))
                continue
            kind = classify_5xx(status, rh, data) if status >= 500 else None
            st.add(status, time.time() - started, ep=name, kind=kind,
                   body=data if status not in (200, 304) else None)
            if status == 200 and method == "POST":
                try:
                    n = int(json.loads(data)["accepted"])
                except (ValueError, KeyError, TypeError):
                    n = 0
                with st.lock:
                    st.accepted += n

    threads = [threading.Thread(target=worker, daemon=True)
               for _ in range(a.clients)]
    for t in threads:
        t.start()
    if a.started_file:
        with open(a.started_file, "w") as f:
            f.write("%.3f\n" % t0)
    for t in threads:
        t.join(max(0.1, stop + a.timeout + 5 - time.time()))
    out = st.summary()
    el = time.time() - t0
    out.update({"elapsed_s": round(el, 2),
                "rps": round(st.requests / el, 1) if el > 0 else 0,
                "hung_threads": sum(1 for t in threads if t.is_alive())})
    print(json.dumps(out, sort_keys=True))
    sys.stdout.flush()
    os._exit(0)


# ---------------------------------------------------------------------------
# slow: a body that trickles in
# ---------------------------------------------------------------------------

def mode_slow(a):
    """CLIENTS connections at once, each sending its body a byte per
    INTERVAL for TRICKLE seconds, then finishing it, stalling (silent,
    socket open) or closing.  outcomes counts "answered STATUS", "closed
    by server", "reset by server", "client timeout", "closed by client"."""
    host, port = host_port(a.url)
    ev = json.dumps({"event_type": a.event_type, "message": "slow client"})
    body = (ev + " " * max(0, a.length - len(ev))).encode()
    head = ("POST /ingest HTTP/1.1\r\nHost: %s:%d\r\nX-API-Key: %s\r\n"
            "Content-Type: application/json\r\nContent-Length: %d\r\n"
            "Connection: close\r\n\r\n" % (host, port, a.key, len(body)))
    t0 = time.time()
    socks = []
    for _ in range(max(1, min(a.clients, 256))):
        s = socket.create_connection((host, port), timeout=5)
        s.sendall(head.encode())
        socks.append(s)
    sent = 0
    end = t0 + a.trickle
    while sent < len(body) and time.time() < end:
        for s in socks:
            s.sendall(body[sent:sent + 1])
        sent += 1
        time.sleep(a.interval)
    outcomes, statuses, bodies = {}, [], []

    def count(k):
        outcomes[k] = outcomes.get(k, 0) + 1

    if a.then == "close":
        for s in socks:
            s.close()
            count("closed by client")
    else:
        if a.then == "finish":
            for s in socks:
                s.sendall(body[sent:])
            sent = len(body)
        # Wait for an answer, or for the server to close.
        for s in socks:
            s.settimeout(max(0.1, t0 + a.max_wait - time.time()))
            data, k = b"", None
            try:
                while True:
                    chunk = s.recv(65536)
                    if not chunk:
                        break
                    data += chunk
            except (socket.timeout, TimeoutError):
                k = "client timeout"
            except ConnectionResetError:
                k = "reset by server"
            status = int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/") else 0
            statuses.append(status)
            bodies.append(data.partition(b"\r\n\r\n")[2].decode("utf-8", "replace")[:200])
            count(k or ("answered %d" % status if status else "closed by server"))
            s.close()
    out = {"then": a.then, "clients": len(socks), "length": len(body),
           "sent": sent, "outcomes": outcomes,
           "body": bodies[0] if bodies else "",
           "elapsed_s": round(time.time() - t0, 2)}
    print(json.dumps(out, sort_keys=True))


# ---------------------------------------------------------------------------
# fcgi: raw FastCGI records
# ---------------------------------------------------------------------------

FCGI_BEGIN_REQUEST, FCGI_END_REQUEST, FCGI_PARAMS, FCGI_STDIN, FCGI_STDOUT = 1, 3, 4, 5, 6


def fcgi_record(rtype, content, req_id=1):
    return struct.pack(">BBHHBB", 1, rtype, req_id, len(content), 0, 0) + content


def fcgi_nv(name, value):
    out = b""
    for n in (len(name), len(value)):
        out += bytes([n]) if n < 128 else struct.pack(">I", n | 0x80000000)
    return out + name + value


def fcgi_begin(sock_path, params, stdin_part):
    """Connect, send BEGIN_REQUEST, PARAMS and STDIN_PART (no STDIN end)."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect(sock_path)
    p = b"".join(fcgi_nv(k.encode(), v.encode()) for k, v in params.items())
    msg = fcgi_record(FCGI_BEGIN_REQUEST, struct.pack(">HB5x", 1, 0))
    msg += fcgi_record(FCGI_PARAMS, p) + fcgi_record(FCGI_PARAMS, b"")
    if stdin_part:
        msg += fcgi_record(FCGI_STDIN, stdin_part)
    s.sendall(msg)
    return s


def fcgi_read_answer(s, timeout):
    """The status of the answer (200 when no Status header), or 0 when the
    connection ends without one, or -1 on timeout."""
    s.settimeout(timeout)
    buf, stdout = b"", b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            buf += chunk
    except (socket.timeout, TimeoutError):
        if not buf:
            return -1
    except ConnectionResetError:
        pass
    while len(buf) >= 8:
        _, rtype, _, clen, plen, _ = struct.unpack(">BBHHBB", buf[:8])
        if rtype == FCGI_STDOUT:
            stdout += buf[8:8 + clen]
        buf = buf[8 + clen + plen:]
    if not stdout:
        return 0
    status = 200
    for line in stdout.partition(b"\r\n\r\n")[0].split(b"\r\n"):
        if line.lower().startswith(b"status:"):
            status = int(line.split()[1])
    return status


def fcgi_scenario(a):
    """Each step prints one JSON line: {"step", "status", "ms", ...}.
    Partial peers send CONTENT_LENGTH=1000 and 10 bytes of STDIN, then
    nothing.  The program's number of request handlers (processes times
    threads) is found by holding partial peers one by one until a complete
    request is not answered within --probe seconds.
      hold_full  the complete request sent while one peer holds a handler
      fill       handlers: the peers held when a complete request first
                 waited (max_peers when none ever did); status -1 then
      close_full two held peers close outright: the waiting request must
                 now be answered (their handlers were freed)
      halfclose  a held peer shuts down its sending side: it gets an
                 answer (its handler saw the end of its input)
      after      a complete request once every peer is gone
      complete   how many complete requests were answered 200 (each
                 stored one event)"""
    params = {"REQUEST_METHOD": "POST", "REQUEST_URI": "/ingest",
              "SCRIPT_NAME": "/ingest", "SERVER_PROTOCOL": "HTTP/1.1",
              "GATEWAY_INTERFACE": "CGI/1.1", "REMOTE_ADDR": "127.0.0.1",
              "CONTENT_TYPE": "application/json",
              "HTTP_X_API_KEY": a.key}
    partial = dict(params, CONTENT_LENGTH="1000")
    complete = [0]

    def emit(step, st, t, **kw):
        d = {"step": step, "status": st, "ms": int((time.time() - t) * 1000)}
        d.update(kw)
        print(json.dumps(d))
        sys.stdout.flush()

    def send_full(step):
        body = json.dumps({"event_type": a.event_type, "message": step}).encode()
        s = fcgi_begin(a.socket, dict(params, CONTENT_LENGTH=str(len(body))), body)
        s.sendall(fcgi_record(FCGI_STDIN, b""))
        return s

    def answer(s, wait):
        st = fcgi_read_answer(s, wait)
        if st == 200:
            complete[0] += 1
        return st

    def full(step):
        t = time.time()
        try:
            s = send_full(step)
            st = answer(s, a.wait)
            s.close()
        except OSError:
            st = 0
        emit(step, st, t)

    def hold():
        s = fcgi_begin(a.socket, partial, b'{"event_t')
        time.sleep(0.05)    # accepted before what follows
        return s

    held, waiting = [], None
    t = time.time()
    while len(held) < a.max_peers:
        held.append(hold())
        tp = time.time()
        s = send_full("probe")
        st = answer(s, a.probe)
        if len(held) == 1:
            emit("hold_full", st, tp)
        if st == -1:
            waiting = s
            break
        s.close()
    emit("fill", -1 if waiting else 0, t, handlers=len(held))
    t = time.time()
    if waiting is not None and len(held) >= 2:
        for s in held[:2]:
            s.close()
        held = held[2:]
        st = answer(waiting, a.wait)
        waiting.close()
    else:
        st = 0
    emit("close_full", st, t)
    if held:
        t = time.time()
        s = held.pop()
        s.shutdown(socket.SHUT_WR)
        emit("halfclose_answer", fcgi_read_answer(s, a.wait), t)
        s.close()
    for s in held:
        s.close()
    time.sleep(0.3)
    full("after")
    print(json.dumps({"step": "complete", "status": 0, "ms": 0,
                      "complete": complete[0]}))


def mode_fcgi_load(a):
    """CLIENTS threads each send REQUESTS complete POST /ingest requests
    (batches of 1 to BATCH events, half of them with ids) straight to a
    FastCGI socket; prints the count of each answer status."""
    params = {"REQUEST_METHOD": "POST", "REQUEST_URI": "/ingest",
              "SCRIPT_NAME": "/ingest", "SERVER_PROTOCOL": "HTTP/1.1",
              "GATEWAY_INTERFACE": "CGI/1.1", "REMOTE_ADDR": "127.0.0.1",
              "CONTENT_TYPE": "application/json", "HTTP_X_API_KEY": a.key}
    lock = threading.Lock()
    status = {}
    t0 = time.time()

    def worker(n):
        for i in range(a.requests):
            if time.time() - t0 > a.seconds:
                break
            evs = []
            for k in range(1 + (n + i) % a.batch):
                e = {"event_type": a.event_type, "message": "%d.%d.%d" % (n, i, k)}
                if k % 2 == 0:
                    e["id"] = str(uuid.uuid4())
                    e["created_at"] = now_rfc3339(-1)
                evs.append(e)
            body = json.dumps(evs).encode()
            try:
                s = fcgi_begin(a.socket, dict(params, CONTENT_LENGTH=str(len(body))), body)
                s.sendall(fcgi_record(FCGI_STDIN, b""))
                st = fcgi_read_answer(s, a.timeout)
                s.close()
            except OSError:
                st = 0
            with lock:
                status[str(st)] = status.get(str(st), 0) + 1

    threads = [threading.Thread(target=worker, args=(n,), daemon=True)
               for n in range(max(1, min(a.clients, 64)))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(max(0.1, t0 + a.seconds + a.timeout + 5 - time.time()))
    print(json.dumps({"status": status, "elapsed_s": round(time.time() - t0, 2)},
                     sort_keys=True))
    sys.stdout.flush()
    os._exit(0)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="mode", required=True)

    p = sub.add_parser("ingest")
    p.add_argument("--url", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--clients", type=int, default=8)
    p.add_argument("--batch", type=int, default=20)
    p.add_argument("--seconds", type=float, default=10)
    p.add_argument("--max-batches", type=int, default=5000)
    p.add_argument("--retry-seconds", type=float, default=30)
    p.add_argument("--timeout", type=float, default=10)
    p.add_argument("--event-type", default="load.ingest")
    p.add_argument("--sent")
    p.add_argument("--acked")

    p = sub.add_parser("mix")
    p.add_argument("--url", required=True)
    p.add_argument("--ingest-key", required=True)
    p.add_argument("--read-key", required=True)
    p.add_argument("--clients", type=int, default=64)
    p.add_argument("--seconds", type=float, default=60)
    p.add_argument("--max-requests", type=int, default=200000)
    p.add_argument("--timeout", type=float, default=10)
    p.add_argument("--started-file")

    p = sub.add_parser("slow")
    p.add_argument("--url", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--length", type=int, default=2000)
    p.add_argument("--interval", type=float, default=0.05)
    p.add_argument("--trickle", type=float, default=3)
    p.add_argument("--then", choices=("finish", "stall", "close"), default="finish")
    p.add_argument("--max-wait", type=float, default=25)
    p.add_argument("--clients", type=int, default=1)
    p.add_argument("--event-type", default="load.slow")

    p = sub.add_parser("fcgi")
    p.add_argument("--socket", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--max-peers", type=int, default=300)
    p.add_argument("--probe", type=float, default=2)
    p.add_argument("--wait", type=float, default=5)
    p.add_argument("--event-type", default="load.fcgi")

    p = sub.add_parser("fcgi-load")
    p.add_argument("--socket", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--clients", type=int, default=8)
    p.add_argument("--requests", type=int, default=10)
    p.add_argument("--batch", type=int, default=5)
    p.add_argument("--seconds", type=float, default=30)
    p.add_argument("--timeout", type=float, default=20)
    p.add_argument("--event-type", default="load.fcgi")

    a = ap.parse_args()
    if a.mode == "ingest":
        a.clients = max(1, min(a.clients, 256))
        mode_ingest(a)
    elif a.mode == "mix":
        a.clients = max(1, min(a.clients, 256))
        mode_mix(a)
    elif a.mode == "slow":
        mode_slow(a)
    elif a.mode == "fcgi-load":
        mode_fcgi_load(a)
    else:
        fcgi_scenario(a)


if __name__ == "__main__":
    main()
