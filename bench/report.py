#!/usr/bin/env python3
"""bench/report.py: the bookkeeping of bench/run.

  report.py wrk OUT.json --id ID --name NAME --c C --conns N --per P
            --window S --rows R [--section S]     one wrk run, as a record
  report.py pgbench DIR --id ID --name NAME --c C --per P [--section S]
  report.py timed --id ID --name NAME --c C --events N --seconds S
  report.py scrapes FILE --id ID --name NAME      the /metrics scrapes of
                                                  a run (FILE: one
                                                  "CODE SECONDS" a line)
  report.py mem PROGRAM ROLE PID                  one process's memory
  report.py perf DATA --id ID --name NAME --c C --seconds S
            --results RESULTS --append FILE      a profile's summary
  report.py render RESULTS MEMORY META [--tap] [--out FILE]
                                                  the report; exit 1 when a
                                                  check failed

A record is one JSON line: id, name, section, c, req_s, ev_s, p50_ms,
p99_ms, non2xx, status (answers by code), problems (empty: the run is
sound).
"""

import argparse
import glob
import json
import os
import re
import sys

# What each measurement is compared with: (ceiling id, same concurrency?,
# compare events/s rather than requests/s).
CEILING = {
    "empty": ("nginx", True, False),
    "health": ("empty", True, False),
    "live": ("empty", True, False),
    "ingest1": ("pgb1", True, False),
    "peer1": ("pgb1", True, False),
    "pgbstmt": ("pgb1", True, False),
    "ingest1-scraped": ("ingest1", True, False),
}
# /metrics: its cost to /ingest at c=32, its answer time (p99).
SCRAPE_COST = 0.02
SCRAPE_P99_MS = 10.0
for v in ("json", "ndjson", "json.gz", "ndjson.gz"):
    CEILING["ingest100-" + v] = ("pgb100", True, True)
    CEILING["ingest1000-" + v] = ("copy", False, True)
CEILING["peer1000-json"] = ("copy", False, True)

# Stats targets: p99 limits in milliseconds.
STATS_P99 = {"stats24h": 10.0, "stats90d": 50.0,
             "stats24h-bg": 10.0, "stats90d-bg": 50.0}
PRIVATE_LIMIT_KB = 2048
INGEST_LIMIT_KB = 4096


def emit(a, rec):
    """The record to --append's file (and a progress line on stderr), or
    to stdout."""
    if a.append:
        with open(a.append, "a") as f:
            f.write(json.dumps(rec) + "\n")
        sys.stderr.write(progress(rec) + "\n")
    else:
        print(json.dumps(rec))


def cmd_wrk(a):
    problems = []
    try:
        with open(a.file) as f:
            j = json.load(f)
    except (OSError, ValueError) as e:
        rec = dict(id=a.id, name=a.name, section=a.section, c=a.c,
                   req_s=None, ev_s=None, p50_ms=None, p99_ms=None,
                   non2xx=None, status={},
                   problems=["wrk gave no result (%s)" % e])
        emit(a, rec)
        return
    status = {int(k): v for k, v in j.get("status", {}).items()}
    if status:
        non2xx = sum(v for k, v in status.items() if not 200 <= k < 300)
        ok = sum(v for k, v in status.items() if 200 <= k < 300)
    else:
        non2xx = j["errors"]["status"]
        ok = j["requests"] - non2xx
    completed = max(0, j["window_calls"] - a.conns)
    req_s = completed / a.window if a.window > 0 else 0.0
    share = ok / j["requests"] if j["requests"] else 0.0
    ev_s = req_s * a.per * share if a.per > 0 else None
    e = j["errors"]
    sock = e["connect"] + e["read"] + e["write"]
    if sock:
        problems.append("%d socket errors" % sock)
    if e["timeout"]:
        problems.append("%d timeouts" % e["timeout"])
    if non2xx:
        problems.append("%d non-2xx answers (%s)" % (non2xx, ", ".join(
            "%d: %d" % (k, v) for k, v in sorted(status.items())
            if not 200 <= k < 300)))
    unanswered = j["sent"] - j["requests"]
    if unanswered > 0:
        problems.append("%d requests unanswered when wrk stopped" %
                        unanswered)
    if j["requests"] == 0:
        problems.append("no answer at all")
    acked = None
    if a.per > 0 and a.rows >= 0:
        acked = ok * a.per
        if a.rows != acked:
            problems.append("%d rows stored, %d events acknowledged" %
                            (a.rows, acked))
    rec = dict(id=a.id, name=a.name, section=a.section, c=a.c,
               req_s=req_s, ev_s=ev_s,
               p50_ms=j["lat_us"]["p50"] / 1000.0,
               p99_ms=j["lat_us"]["p99"] / 1000.0,
               max_ms=j["lat_us"]["max"] / 1000.0,
               non2xx=non2xx, status=status, requests=j["requests"],
               acked=acked, rows=a.rows if a.rows >= 0 else None,
               problems=problems)
    emit(a, rec)


def percentile(sorted_vals, p):
    if not sorted_vals:
        return None
    k = max(0, min(len(sorted_vals) - 1,
                   int(round(p / 100.0 * len(sorted_vals) + 0.5)) - 1))
    return sorted_vals[k]


def cmd_pgbench(a):
    problems = []
    out = open(os.path.join(a.dir, "out.txt")).read()
    m = re.search(r"tps = ([0-9.]+) \(without initial connection time\)",
                  out)
    tps = float(m.group(1)) if m else None
    if tps is None:
        problems.append("pgbench failed: " + " ".join(out.split("\n")[-3:]))
    m = re.search(r"number of failed transactions: (\d+)", out)
    failed = int(m.group(1)) if m else 0
    if failed:
        problems.append("%d failed transactions" % failed)
    if "aborted" in out or "ERROR" in out:
        problems.append("pgbench reported errors")
    lat = []
    for path in glob.glob(os.path.join(a.dir, "log.*")):
        with open(path) as f:
            for line in f:
                p = line.split()
                if len(p) >= 3 and p[2].isdigit():
                    lat.append(int(p[2]))
    lat.sort()
    rec = dict(id=a.id, name=a.name, section=a.section, c=a.c, req_s=tps,
               ev_s=tps * a.per if tps is not None else None,
               p50_ms=(percentile(lat, 50) or 0) / 1000.0,
               p99_ms=(percentile(lat, 99) or 0) / 1000.0,
               non2xx=failed, status={}, problems=problems)
    emit(a, rec)


def cmd_timed(a):
    rec = dict(id=a.id, name=a.name, section=a.section, c=a.c, req_s=None,
               ev_s=a.events / a.seconds if a.seconds > 0 else None,
               p50_ms=None, p99_ms=None, non2xx=0, status={},
               seconds=a.seconds, problems=[])
    emit(a, rec)


def cmd_scrapes(a):
    codes, ms = {}, []
    with open(a.file) as f:
        for line in f:
            parts = line.split()
            if len(parts) != 2:
                continue
            codes[int(parts[0])] = codes.get(int(parts[0]), 0) + 1
            ms.append(float(parts[1]) * 1000.0)
    ms.sort()
    non2xx = sum(v for k, v in codes.items() if not 200 <= k < 300)
    problems = []
    if non2xx:
        problems.append("%d scrapes not answered 200" % non2xx)
    if not ms:
        problems.append("no scrape")
    rec = dict(id=a.id, name=a.name, section=a.section, c=1, req_s=None,
               ev_s=None, p50_ms=percentile(ms, 50) if ms else None,
               p99_ms=percentile(ms, 99) if ms else None,
               max_ms=ms[-1] if ms else None, requests=len(ms),
               non2xx=non2xx, status=codes, problems=problems)
    emit(a, rec)


def cmd_mem(a):
    v = {}
    try:
        with open("/proc/%s/smaps_rollup" % a.pid) as f:
            for line in f:
                k, _, rest = line.partition(":")
                if rest.strip().endswith("kB"):
                    v[k] = int(rest.split()[0])
    except OSError:
        pass
    threads = None
    try:
        with open("/proc/%s/status" % a.pid) as f:
            for line in f:
                if line.startswith("Threads:"):
                    threads = int(line.split()[1])
    except OSError:
        pass
    print(json.dumps(dict(program=a.program, role=a.role, pid=int(a.pid),
                          threads=threads,
                          rss_kb=v.get("Rss"), pss_kb=v.get("Pss"),
                          private_kb=(v.get("Private_Clean", 0) +
                                      v.get("Private_Dirty", 0))
                          if v else None,
                          private_dirty_kb=v.get("Private_Dirty"))))


def fmt(x, digits=None):
    if x is None:
        return "—"
    if digits is None:
        if x >= 100:
            return "{:,.0f}".format(x)
        if x >= 10:
            return "%.1f" % x
        return "%.2f" % x
    return "%.*f" % (digits, x)


def progress(r):
    s = "   %-42s c=%-3s" % (r["name"], r["c"])
    if r.get("req_s") is not None:
        s += " %10s req/s" % fmt(r["req_s"])
    if r.get("ev_s") is not None:
        s += " %11s events/s" % fmt(r["ev_s"])
    if r.get("p50_ms") is not None:
        s += "  p50 %s ms  p99 %s ms" % (fmt(r["p50_ms"]), fmt(r["p99_ms"]))
    if r.get("seconds") is not None:
        s += "  in %.1f s" % r["seconds"]
    if r["problems"]:
        s += "  FAIL: " + "; ".join(r["problems"])
    return s


def perf_report(data, *args):
    import subprocess
    out = subprocess.run(["perf", "report", "-i", data, "--no-children",
                          "--stdio", "-g", "none"] + list(args),
                         capture_output=True, text=True).stdout
    rows = []
    for line in out.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        m = re.match(r"\s*([0-9.]+)%\s+(.*)$", line)
        if m:
            rows.append((float(m.group(1)), " ".join(m.group(2).split())))
    return rows


def cmd_perf(a):
    """Where the CPU went during one run, from a profile of the stack's
    own processes: CPU milliseconds per request of each process (samples
    at 999 Hz), and the hottest functions of the axlog program and of
    PostgreSQL (share of that process's samples)."""
    import subprocess
    out = subprocess.run(["perf", "report", "-i", a.data, "--no-children",
                          "--stdio", "-g", "none", "-n", "--sort", "comm"],
                         capture_output=True, text=True).stdout
    samples = {}
    for line in out.splitlines():
        m = re.match(r"\s*[0-9.]+%\s+(\d+)\s+(\S.*)$", line)
        if m and not line.startswith("#"):
            samples[m.group(2).strip()] = int(m.group(1))
    run = next((r for r in load_jsonl(a.results)
                if r["id"] == a.id and r["c"] == a.c), None)
    requests = (run["req_s"] or 0) * a.seconds if run else 0
    total = sum(samples.values())
    comms = [(c, n / 999.0 / a.seconds, n * 1000.0 / 999.0 / requests
              if requests else None)
             for c, n in sorted(samples.items(), key=lambda x: -x[1])
             if n >= total * 0.01]
    top = {}
    for comm in ("axlog-ingest", "axlog-stats", "axlog-health", "postgres",
                 "node"):
        if samples.get(comm, 0) >= 0.1 * total:
            rows = perf_report(a.data, "--comms", comm, "--sort", "dso,sym",
                               "--percentage", "relative",
                               "--percent-limit", "2")
            top[comm] = rows[:10]
    rec = dict(id=a.id, name=a.name, c=a.c, comms=comms, top=top,
               cores=total / 999.0 / a.seconds)
    with open(a.append, "a") as f:
        f.write(json.dumps(rec) + "\n")


def load_jsonl(path):
    out = []
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                line = line.strip()
                if line:
                    out.append(json.loads(line))
    return out


def ratio_of(r, index):
    spec = CEILING.get(r["id"])
    if spec is None:
        return None, None
    cid, same_c, events = spec
    ceil = index.get((cid, r["c"] if same_c else 1))
    if ceil is None and not same_c:
        ceil = next((v for (i, _), v in index.items() if i == cid), None)
    if ceil is None:
        return None, cid
    mine = r["ev_s"] if events else r["req_s"]
    theirs = ceil["ev_s"] if events else ceil["req_s"]
    if not mine or not theirs:
        return None, cid
    return mine / theirs, cid


def cmd_render(a):
    recs = load_jsonl(a.results)
    mem = load_jsonl(a.memory)
    meta = json.load(open(a.meta))
    index = {(r["id"], r["c"]): r for r in recs}
    names = {r["id"]: r["name"] for r in recs}
    out = []
    w = out.append

    quick = meta.get("quick")
    w("# axlog benchmark: %s on %s%s" % (meta["date"], meta["host"],
      " (--quick smoke: not a measurement)" if quick else ""))
    w("")
    w("- Machine: %s, %s cores, %s of memory, Linux %s. Load average "
      "(1, 5, 15 min) at the start %s, at the end %s." % (
          meta["cpu"], meta["cores"], meta["memory"], meta["kernel"],
          meta["loadavg_start"], meta["loadavg_end"]))
    w("- PostgreSQL %s with the server's defaults: fsync %s, "
      "synchronous_commit %s, shared_buffers %s. nginx %s (dev.conf.in, "
      "worker_processes auto). wrk %s. Node %s for the peer." % (
          meta["postgres"], meta["fsync"], meta["sync_commit"],
          meta["shared_buffers"], meta["nginx"], meta["wrk"],
          meta["node"]))
    w("- Programs built with `%s`, no sanitizers, every setting at its "
      "default (the memory table shows each program's processes and "
      "threads)." % " ".join(meta["cflags"].split()))
    w("- Data: %s events over 90 days in 6 apps, loaded by COPY (FREEZE "
      "into each past day's partition) in %.0f s; "
      "`rollup_rebuild` %.0f s (%s hour rollup rows); VACUUM of today's "
      "partition and ANALYZE "
      "%.0f s; database %s after the run. The COPY ceiling added %s "
      "events of its own." % (
          "{:,}".format(meta["events"]), meta["load_s"], meta["rebuild_s"],
          meta["rollup_rows"], meta["vacuum_s"], meta["db_size"],
          "{:,}".format(meta["copy_n"])))
    w("- Each measurement: %d s at each concurrency (%s), then nothing new "
      "is sent while the answers drain. Whole run: %d s." % (
          meta["duration"], meta["concurrencies"], meta["elapsed_s"]))
    w("")
    w("Throughput is requests (or transactions) per second; events/s "
      "counts acknowledged events only. Latencies are milliseconds. The "
      "ratio compares with the ceiling named beside it, at the same "
      "concurrency (COPY: its one run).")
    w("")
    w("| measurement | c | req/s | events/s | p50 | p99 | non-2xx | "
      "ratio | to |")
    w("|---|--:|--:|--:|--:|--:|--:|--:|---|")
    titles = {"ceiling": "Ceilings", "axlog": "axlog",
              "peer": "The peer (Node, Fastify + pg)",
              "stats": "axlog, reading (%s events)" %
              "{:,}".format(meta["events"])}
    section = None
    for r in recs:
        if r["section"] != section:
            section = r["section"]
            w("| **%s** | | | | | | | | |" % titles.get(section, section))
        ratio, cid = ratio_of(r, index)
        w("| %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            r["name"] + (" **FAIL**" if r["problems"] else ""), r["c"],
            fmt(r["req_s"]), fmt(r["ev_s"]), fmt(r["p50_ms"]),
            fmt(r["p99_ms"]),
            "—" if r["non2xx"] is None else r["non2xx"],
            "—" if ratio is None else "%.0f %%" % (100 * ratio),
            names.get(cid, "") if ratio is not None else ""))
    w("")

    # Targets.
    targets = []
    cs = sorted({r["c"] for r in recs if r["id"] == "ingest1"})

    def at(i, c):
        return index.get((i, c))

    def ratio_txt(x):
        return "—" if x is None else "%.0f %%" % (100 * x)

    def times_peer(mine, peer):
        m, p = at(mine[0], mine[1]), at(peer, mine[1])
        if not m or not p or not m["req_s"] or not p["req_s"]:
            return None
        return m["req_s"] / p["req_s"]

    c32 = 32 if 32 in cs else (max(cs) if cs else None)
    r = at("ingest1", c32)
    if r:
        ratio, _ = ratio_of(r, index)
        xp = times_peer(("ingest1", c32), "peer1")
        ok = ratio is not None and ratio >= 1.0 and r["non2xx"] == 0
        targets.append(("`/ingest` 1 event at c=32: ≥ 100 % of pgbench "
                        "single-row INSERT, zero non-2xx",
                        "%s at c=%d: %s req/s vs %s tps (%s), %d non-2xx" % (
                            "measured" if c32 == 32 else "only",
                            c32, fmt(r["req_s"]),
                            fmt(at("pgb1", c32)["req_s"]) if at("pgb1", c32)
                            else "—", ratio_txt(ratio), r["non2xx"]), ok))
        if xp is not None:
            targets.append(("`/ingest` 1 event at c=32: ≥ 3 × the peer",
                            "%.2f ×" % xp, xp >= 3))
    r, base = at("ingest1-scraped", c32), at("ingest1", c32)
    if r and base and r["req_s"] and base["req_s"]:
        cost = 1.0 - r["req_s"] / base["req_s"]
        targets.append(("`/metrics` of the three programs scraped every "
                        "second costs ≤ %.0f %% of `/ingest` 1 event at "
                        "c=32" % (100 * SCRAPE_COST),
                        "%s at c=%d: %s req/s scraped, %s without (%.1f %%)"
                        % ("measured" if c32 == 32 else "only", c32,
                           fmt(r["req_s"]), fmt(base["req_s"]), 100 * cost),
                        cost <= SCRAPE_COST))
    r = at("metrics", 1)
    if r and r["p99_ms"] is not None:
        targets.append(("`/metrics` answers in < %.0f ms (p99 of the "
                        "scrapes under that load, through nginx)" %
                        SCRAPE_P99_MS,
                        "p50 %s ms, p99 %s ms, slowest %s ms of %d" % (
                            fmt(r["p50_ms"]), fmt(r["p99_ms"]),
                            fmt(r["max_ms"]), r["requests"]),
                        r["p99_ms"] < SCRAPE_P99_MS and not r["problems"]))
    r = at("ingest100-json", 8)
    if r:
        ratio, _ = ratio_of(r, index)
        targets.append(("`/ingest` 100 events (JSON) at c=8: ≥ 150 % of "
                        "pgbench's 100-row INSERT",
                        "%s events/s (%s)" % (fmt(r["ev_s"]),
                                              ratio_txt(ratio)),
                        ratio is not None and ratio >= 1.5))
    copy = at("copy", 1)
    best = {}
    for r in recs:
        if r["id"].startswith("ingest1000-") and r["ev_s"]:
            if r["id"] not in best or r["ev_s"] > best[r["id"]]["ev_s"]:
                best[r["id"]] = r
    if copy and best:
        ratios = {k: v["ev_s"] / copy["ev_s"] for k, v in best.items()}
        targets.append(("`/ingest` 1000 events per request: ≥ 70 % of "
                        "COPY's events/s, each format at its best "
                        "concurrency",
                        "COPY %s events/s; " % fmt(copy["ev_s"]) + ", ".join(
                            "%s %.0f %% (c=%d)" % (
                                names[k].split(", ")[-1], 100 * ratios[k],
                                best[k]["c"]) for k in best),
                        min(ratios.values()) >= 0.7))
    for c in (8, 32):
        xp = times_peer(("ingest1000-json", c), "peer1000-json")
        if xp is not None:
            targets.append(("`/ingest` 1000 events (JSON) at c=%d: ≥ 1.5 × "
                            "the peer" % c, "%.2f ×" % xp, xp >= 1.5))
    pr = next((p for p in (load_jsonl(a.profiles) if a.profiles else [])
               if p["id"] == "ingest1000-json"), None)
    if pr:
        ms = next((ms for comm, _, ms in pr["comms"] if comm == "postgres"),
                  None)
        if ms is not None:
            targets.append(("PostgreSQL CPU per event in 1000-event "
                            "requests ≤ 25 µs (profile, JSON, c=%d)" %
                            pr["c"], "%.1f µs" % ms, ms <= 25))
    hs = [(r["c"], ratio_of(r, index)[0]) for r in recs if r["id"] == "health"]
    hs = [(c, x) for c, x in hs if x is not None]
    if hs:
        lo = min(x for _, x in hs)
        targets.append(("`/health`: ≥ 50 % of the empty FastCGI responder "
                        "(at every concurrency)",
                        ", ".join("c=%d %.0f %%" % (c, 100 * x) for c, x in hs),
                        lo >= 0.5))
    for sid, limit in STATS_P99.items():
        rs = [r for r in recs if r["id"] == sid and r["p99_ms"] is not None]
        if not rs:
            continue
        r = min(rs, key=lambda x: x["c"])
        extra = ", ".join("c=%d %s ms" % (x["c"], fmt(x["p99_ms"]))
                          for x in rs if x is not r)
        targets.append(("%s: p99 < %.0f ms (c=1)" % (names[sid], limit),
                        "c=%d: p99 %s ms%s" % (r["c"], fmt(r["p99_ms"]),
                                                "; also " + extra if extra
                                                else ""),
                        r["p99_ms"] < limit and not r["problems"]))
    axmem = [m for m in mem if m["program"].startswith("axlog-")]
    ing = [m for m in axmem if m["program"] == "axlog-ingest"]
    rest = [m for m in axmem if m["program"] != "axlog-ingest"]
    if ing:
        worst = max(ing, key=lambda m: m["private_kb"] or 0)
        targets.append(("private memory of axlog-ingest ≤ 4 MB after the "
                        "whole bench",
                        "largest: %s, %d kB private (%d kB RSS)" % (
                            worst["role"], worst["private_kb"] or 0,
                            worst["rss_kb"] or 0),
                        all((m["private_kb"] or 0) <= INGEST_LIMIT_KB
                            for m in ing)))
    if rest:
        worst = max(rest, key=lambda m: m["private_kb"] or 0)
        targets.append(("private memory of axlog-stats and axlog-health "
                        "< 2 MB after the load",
                        "largest: %s %s, %d kB private (%d kB RSS)" % (
                            worst["program"], worst["role"],
                            worst["private_kb"] or 0, worst["rss_kb"] or 0),
                        all((m["private_kb"] or 0) < PRIVATE_LIMIT_KB
                            for m in rest)))
    w("## Targets (ratios from this run)")
    w("")
    w("| target | measured | met |")
    w("|---|---|---|")
    for t, m, ok in targets:
        w("| %s | %s | %s |" % (t, m, "yes" if ok else "**no**"))
    w("")

    # axlog against the peer.
    pairs = [("ingest1", "peer1", "1 event"),
             ("ingest1000-json", "peer1000-json", "1000 events, JSON")]
    rows = []
    for mine, theirs, label in pairs:
        for c in sorted({r["c"] for r in recs if r["id"] == mine}):
            x, y = at(mine, c), at(theirs, c)
            if x and y and y["req_s"]:
                rows.append("| %s | %d | %s | %s | %.2f | %s | %s |" % (
                    label, c, fmt(x["req_s"]), fmt(y["req_s"]),
                    x["req_s"] / y["req_s"], fmt(x["p99_ms"]),
                    fmt(y["p99_ms"])))
    if rows:
        w("## axlog and the peer")
        w("")
        w("| /ingest | c | axlog req/s | peer req/s | axlog ÷ peer | "
          "axlog p99 | peer p99 |")
        w("|---|--:|--:|--:|--:|--:|--:|")
        out.extend(rows)
        w("")

    if mem:
        w("## Memory after the load")
        w("")
        w("From `/proc/PID/smaps_rollup`: private is Private_Clean + "
          "Private_Dirty, the memory that only this process holds.")
        w("")
        w("| program | process | threads | RSS kB | private kB | of which "
          "dirty |")
        w("|---|---|--:|--:|--:|--:|")
        for m in mem:
            w("| %s | %s | %s | %s | %s | %s |" % (
                m["program"], m["role"], m.get("threads"), m["rss_kb"],
                m["private_kb"], m["private_dirty_kb"]))
        w("")

    profiles = load_jsonl(a.profiles) if a.profiles else []
    if profiles:
        w("## Profiles")
        w("")
        w("`perf record -g -F 999` of the stack's own processes (the "
          "programs, PostgreSQL, nginx, the peer, wrk) during the run: the "
          "cores they used in all, the CPU milliseconds each process "
          "spent per request, and the hottest functions of the axlog "
          "program and of PostgreSQL (share of that process's samples).")
        for pr in profiles:
            w("")
            w("**%s, c=%d**: the stack used %.2f cores; per request " % (
                pr["name"], pr["c"], pr["cores"]) + ", ".join(
                "%s %s ms" % (c, fmt(ms)) for c, _, ms in pr["comms"]
                if ms is not None) + ".")
            for comm, rows in pr["top"].items():
                w("")
                w("- %s: " % comm + "; ".join(
                    "%s %.0f %%" % (sym.split("] ", 1)[-1], p)
                    for p, sym in rows))
        w("")

    bad = [r for r in recs if r["problems"]]
    ingest_runs = [r for r in recs if r.get("acked") is not None]
    w("## Checks")
    w("")
    matched = [r for r in ingest_runs
               if not any("rows stored" in p for p in r["problems"])]
    w("- After each of the %d ingest runs, the rows stored equal the events "
      "acknowledged with a 2xx in %d." % (len(ingest_runs), len(matched)))
    if bad:
        for r in bad:
            w("- **FAIL** %s, c=%s: %s" % (r["name"], r["c"],
                                           "; ".join(r["problems"])))
    else:
        w("- Every run: no socket error, no timeout, no non-2xx answer, no "
          "request left unanswered.")
    w("")
    text = "\n".join(out) + "\n"
    if a.out:
        with open(a.out, "w") as f:
            f.write(text)
    if a.tap:
        n = 0
        for r in recs:
            n += 1
            desc = "%s c=%s" % (r["name"], r["c"])
            if r["problems"]:
                print("not ok %d - %s: %s" % (n, desc,
                                              "; ".join(r["problems"])))
            else:
                print("ok %d - %s" % (n, desc))
        for line in text.splitlines():
            print("# " + line if line else "#")
        print("1..%d" % n)
    else:
        sys.stdout.write(text)
    return 1 if bad else 0


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("wrk")
    s.add_argument("file")
    for k in ("id", "name", "section"):
        s.add_argument("--" + k, default="")
    for k in ("c", "conns", "per", "rows"):
        s.add_argument("--" + k, type=int, default=0)
    s.add_argument("--window", type=float, required=True)
    s = sub.add_parser("pgbench")
    s.add_argument("dir")
    for k in ("id", "name", "section"):
        s.add_argument("--" + k, default="")
    for k in ("c", "per"):
        s.add_argument("--" + k, type=int, default=0)
    s = sub.add_parser("timed")
    for k in ("id", "name", "section"):
        s.add_argument("--" + k, default="")
    s.add_argument("--c", type=int, default=1)
    s.add_argument("--events", type=int, required=True)
    s.add_argument("--seconds", type=float, required=True)
    s = sub.add_parser("scrapes")
    s.add_argument("file")
    for k in ("id", "name", "section"):
        s.add_argument("--" + k, default="")
    for name in ("wrk", "pgbench", "timed", "scrapes"):
        sub.choices[name].add_argument("--append")
    s = sub.add_parser("perf")
    s.add_argument("data")
    s.add_argument("--id", default="")
    s.add_argument("--name", default="")
    s.add_argument("--c", type=int, default=0)
    s.add_argument("--seconds", type=float, required=True)
    s.add_argument("--results", required=True)
    s.add_argument("--append", required=True)
    s = sub.add_parser("mem")
    s.add_argument("program")
    s.add_argument("role")
    s.add_argument("pid")
    s = sub.add_parser("render")
    s.add_argument("results")
    s.add_argument("memory")
    s.add_argument("meta")
    s.add_argument("--tap", action="store_true")
    s.add_argument("--out")
    s.add_argument("--profiles")
    a = p.parse_args()
    rc = {"wrk": cmd_wrk, "pgbench": cmd_pgbench, "timed": cmd_timed,
          "mem": cmd_mem, "perf": cmd_perf, "render": cmd_render,
          "scrapes": cmd_scrapes}[a.cmd](a)
    sys.exit(rc or 0)


if __name__ == "__main__":
    main()
