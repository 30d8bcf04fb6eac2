#!/usr/bin/env python3
"""API latency of the inventory screens on a large store.

    bench/server/inventory_query.py VIGIL DIR [--runs N] [--systems S] [--hosts H]

DIR is a SQLite store made by bench/server/gen_store.sh (10 million events,
users benchadmin and benchviewer of unit1).  The inventory is filled first
(once; rows are marked and reused): S systems (default 60) over the 3
units, H hosts (default 1,500) with 60 latest SCA results each, 24
inspection runs per host, 20 evidence items per system and 2 websites per
system.  Then the server is started on the store and each inventory
request is timed N times (default 40, after one warm-up) for both users:
the systems list, a system's page, its summary and schedule, hosts and
sensors, the per-host inspections, the inspection reports (all, one
system, a deep keyset page), the evidence register (all, one system).
Prints one JSON line per query with p50, p95 and max in milliseconds, the
query plans of the main statements (each must use an index, never scan
the events table), and a summary line."""
import argparse
import http.client
import json
import os
import re
import sqlite3
import statistics
import subprocess
import threading
import time

T0 = 1764547200 * 1000000  # 2025-12-01, as gen_store.sh


def fill(db, nsys, nhosts):
    c = sqlite3.connect(db)
    if c.execute("SELECT count(*) FROM systems WHERE name LIKE 'bench-sys-%'").fetchone()[0] >= nsys:
        c.close()
        return
    cur = c.cursor()
    cur.execute("BEGIN")
    for s in range(nsys):
        cur.execute("INSERT INTO systems(name, unit, level, owner, created, updated, last_inspection) "
                    "VALUES(?,?,?,?,?,?,?)", (f"bench-sys-{s}", f"unit{s % 3}", 1 + s % 5, "IT", T0, T0,
                                              T0 + s * 86400 * 1000000 if s % 4 else 0))
        for e in range(20):
            cur.execute("INSERT INTO evidence(unit, system, control, title, document, doc_date, signer, "
                        "due_date, status, source, created, created_by, updated) "
                        "VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?)",
                        (f"unit{s % 3}", f"bench-sys-{s}", f"MGMT-{e:02d}", f"control {e}", f"DOC-{s}-{e}",
                         "2025-01-01", "Director", "2025-12-31" if e % 3 else "2027-01-01",
                         "provided" if e % 2 else "open", "server", T0, "bench", T0))
    for h in range(nhosts):
        name = f"bench-host-{h}"
        s = h % nsys
        cur.execute("INSERT OR IGNORE INTO hosts(name, unit, system, kind, first_seen, last_seen, events, "
                    "last_inspection, version) VALUES(?,?,?,?,?,?,?,?,?)",
                    (name, f"unit{s % 3}", f"bench-sys-{s}", "agent", T0, T0 + h * 1000000, 1000, T0, "0.9"))
        for k in range(60):
            cur.execute("INSERT OR IGNORE INTO sca_state(host, policy, check_id, result, title, ts, family) "
                        "VALUES(?,?,?,?,?,?,?)",
                        (name, "vigil_vn_level", f"VN-{['LOG', 'HOST', 'NET', 'DATA'][k % 4]}-{k:02d}-1",
                         "failed" if (h + k) % 7 == 0 else "passed" if (h + k) % 11 else "not applicable",
                         f"check {k}", T0, ["LOG", "HOST", "NET", "DATA"][k % 4]))
        for r in range(24):
            cur.execute("INSERT OR IGNORE INTO inspection_runs(host, ts, system, unit, level, passed, failed, "
                        "other, source) VALUES(?,?,?,?,?,?,?,?,?)",
                        (name, T0 - r * 15 * 86400 * 1000000 + h, f"bench-sys-{s}", f"unit{s % 3}", 3, 50, 8, 2,
                         "events"))
        if h < 2 * nsys:
            cur.execute("INSERT OR IGNORE INTO web_state(host, url, ts, status, changed, change_pct, title, "
                        "error, signs) VALUES(?,?,?,?,?,?,?,?,?)",
                        (name, f"https://site{h}.example.gov.vn/", T0, 200, h % 5 == 0, 40 if h % 5 == 0 else 0,
                         "Site", "", '[{"sign":"title_changed","detail":"x"}]' if h % 5 == 0 else "[]"))
    # the per-host counts the server keeps at ingest
    cur.execute("UPDATE hosts SET sca_passed = (SELECT count(*) FROM sca_state s WHERE s.host = hosts.name "
                "AND s.result = 'passed'), sca_failed = (SELECT count(*) FROM sca_state s WHERE "
                "s.host = hosts.name AND s.result = 'failed'), sca_other = (SELECT count(*) FROM sca_state s "
                "WHERE s.host = hosts.name AND s.result <> 'passed' AND s.result <> 'failed') "
                "WHERE name LIKE 'bench-host-%'")
    c.commit()
    c.execute("ANALYZE")
    c.close()


PLANS = [
    ("systems list: per system", "SELECT system, count(*), sum(sca_passed) FROM hosts WHERE system <> '' "
     "AND ('' = '' OR unit = '') AND ('' = '' OR system = '') GROUP BY system"),
    ("system page: families", "SELECT r.family, r.result, count(*) FROM hosts h JOIN sca_state r "
     "ON r.host = h.name WHERE h.system = 'bench-sys-1' GROUP BY r.family, r.result"),
    ("system page: history", "SELECT host, ts FROM inspection_runs WHERE system = 'bench-sys-1' "
     "ORDER BY ts DESC LIMIT 20"),
    ("reports, one unit", "SELECT host, ts FROM inspection_runs WHERE unit = 'unit1' AND ts < 9e18 "
     "ORDER BY ts DESC LIMIT 100"),
    ("reports, all", "SELECT host, ts FROM inspection_runs WHERE ts < 9e18 ORDER BY ts DESC LIMIT 100"),
    ("evidence, one system", "SELECT id FROM evidence WHERE unit = 'unit1' AND system = 'bench-sys-1'"),
    ("website state", "SELECT w.url FROM hosts h JOIN web_state w ON w.host = h.name "
     "WHERE h.system = 'bench-sys-1'"),
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("vigil")
    ap.add_argument("dir")
    ap.add_argument("--runs", type=int, default=40)
    ap.add_argument("--systems", type=int, default=60)
    ap.add_argument("--hosts", type=int, default=1500)
    a = ap.parse_args()
    base = [a.vigil, "server", "--data", a.dir]
    # A command that opens the store brings its schema up to date first.
    tokens = {u: subprocess.run(base + ["token", u], capture_output=True, text=True).stdout.strip()
              for u in ["benchadmin", "benchviewer"]}
    db = os.path.join(a.dir, "vigil.db")
    t = time.time()
    fill(db, a.systems, a.hosts)
    print(json.dumps({"fill_s": round(time.time() - t, 1)}), flush=True)
    c = sqlite3.connect(db)
    events = c.execute("SELECT max(id) FROM events").fetchone()[0]
    for name, sql in PLANS:
        plan = " | ".join(r[3] for r in c.execute("EXPLAIN QUERY PLAN " + sql))
        print(json.dumps({"plan": name, "detail": plan, "scans_a_table": bool(re.search(r"\bSCAN (?!.*USING)", plan))}))
    sid = c.execute("SELECT id FROM systems WHERE name = 'bench-sys-1'").fetchone()[0]
    c.close()
    proc = subprocess.Popen(base + ["--listen", "127.0.0.1:0"], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    port = None
    for _ in range(30):
        m = re.search(r"\(port (\d+)\)", proc.stdout.readline())
        if m:
            port = int(m.group(1))
            break
    threading.Thread(target=lambda: proc.stdout.read(), daemon=True).start()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def get(path, user):
        t = time.perf_counter()
        conn.request("GET", "/api/v1" + path, headers={"Authorization": "Bearer " + tokens[user]})
        r = conn.getresponse()
        body = r.read()
        dt = (time.perf_counter() - t) * 1000
        if r.status != 200:
            raise SystemExit(f"{path}: HTTP {r.status} {body[:200]!r}")
        return dt, json.loads(body)

    try:
        _, runs = get("/inspections/runs?limit=500", "benchadmin")
        deep = runs["runs"][-1]["time_us"]
        queries = [
            ("systems list", "/systems"),
            ("system page", f"/systems/{sid}"),
            ("system summary", f"/systems/{sid}/summary"),
            ("system schedule", f"/systems/{sid}/schedule"),
            ("hosts and sensors", "/hosts"),
            ("inspections per host", "/inspections"),
            ("reports: first page", "/inspections/runs?limit=100"),
            ("reports: one system", "/inspections/runs?system=bench-sys-1&limit=100"),
            ("reports: deep page", f"/inspections/runs?before={deep}&limit=100"),
            ("evidence: all", "/evidence"),
            ("evidence: one system", "/evidence?system=bench-sys-1"),
        ]
        out, all_ms = [], []
        for user in ["benchadmin", "benchviewer"]:
            for name, path in queries:
                get(path, user)  # warm-up (bench-sys-1 is unit1's: the viewer sees it too)
                ms = sorted(get(path, user)[0] for _ in range(a.runs))
                p95 = ms[min(len(ms) - 1, int(round(0.95 * len(ms))) - 1)]
                row = {"user": user, "query": name, "p50_ms": round(statistics.median(ms), 1),
                       "p95_ms": round(p95, 1), "max_ms": round(ms[-1], 1)}
                out.append(row)
                all_ms.append(p95)
                print(json.dumps(row), flush=True)
        print(json.dumps({"summary": True, "events": events, "queries": len(out),
                          "worst_p95_ms": round(max(all_ms), 1), "load_avg": os.getloadavg()[0]}))
    finally:
        conn.close()
        proc.terminate()
        proc.wait(timeout=30)


if __name__ == "__main__":
    main()
