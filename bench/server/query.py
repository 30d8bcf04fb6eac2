#!/usr/bin/env python3
"""API latency of the dashboard's screens on a large store.

    bench/server/query.py VIGIL DIR [--runs N] [--store postgresql://...]

DIR is a store made by bench/server/gen_store.sh (users benchadmin, an
admin of every unit, and benchviewer, a viewer of unit1).  Starts the
server on it and times each screen's requests (N runs each, after one
warm-up): the overview, the event search (first page, by type, by source,
full text, a time range, deep keyset pages), the incident board and an
incident page, for both users.  Prints one JSON line per query with p50,
p95 and max in milliseconds, then a summary line."""
import argparse
import http.client
import json
import os
import re
import statistics
import subprocess
import sys
import threading
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("vigil")
    ap.add_argument("dir")
    ap.add_argument("--runs", type=int, default=40)
    ap.add_argument("--store")
    a = ap.parse_args()
    base = [a.vigil, "server", "--data", a.dir] + (["--store", a.store] if a.store else [])
    tokens = {u: subprocess.run(base + ["token", u], capture_output=True, text=True).stdout.strip()
              for u in ["benchadmin", "benchviewer"]}
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
        _, first = get("/events?limit=1", "benchadmin")
        top = first["events"][0]["_id"]
        _, inc = get("/incidents?limit=1", "benchadmin")
        inc_id = inc["incidents"][0]["id"]
        queries = [
            ("overview", "/stats/overview"),
            ("events: first page", "/events?limit=100"),
            ("events: alerts", "/events?event_type=alert&limit=100"),
            ("events: by signature", "/events?signature_id=2000042&limit=100"),
            ("events: by source", "/events?src_ip=10.0.7.42&limit=100"),
            ("events: full text", "/events?q=signature%202000042&limit=100"),
            ("events: time range", "/events?since=2025-12-15T00:00:00%2B0000&until=2025-12-15T01:00:00%2B0000&limit=100"),
            ("events: deep page", f"/events?before={top // 2}&limit=100"),
            ("events: deep page, alerts", f"/events?event_type=alert&before={top // 3}&limit=100"),
            ("incidents: board", "/incidents?limit=200"),
            ("incidents: open", "/incidents?status=new&limit=200"),
            ("incident page", f"/incidents/{inc_id}"),
        ]
        all_ms = []
        out = []
        for user in ["benchadmin", "benchviewer"]:
            for name, path in queries:
                if user == "benchviewer" and name == "incident page":
                    continue
                get(path, user)  # warm-up
                ms = [get(path, user)[0] for _ in range(a.runs)]
                ms.sort()
                p95 = ms[min(len(ms) - 1, int(round(0.95 * len(ms))) - 1)]
                row = {"user": user, "query": name, "p50_ms": round(statistics.median(ms), 1),
                       "p95_ms": round(p95, 1), "max_ms": round(ms[-1], 1)}
                out.append(row)
                all_ms.append(p95)
                print(json.dumps(row), flush=True)
        print(json.dumps({"summary": True, "queries": len(out), "worst_p95_ms": round(max(all_ms), 1),
                          "load_avg": os.getloadavg()[0]}))
    finally:
        conn.close()
        proc.terminate()
        proc.wait(timeout=30)


if __name__ == "__main__":
    main()
