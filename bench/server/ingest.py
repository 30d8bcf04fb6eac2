#!/usr/bin/env python3
"""Ingest rate of `vigil server`: events/s through the HTTP API, committed.

    bench/server/ingest.py VIGIL [--events N] [--batch B] [--clients C]
                           [--store postgresql://...] [--forward]

Starts the server on a scratch SQLite store (or the given PostgreSQL, which
must be empty), creates a sensor account, and posts N EVE events in NDJSON
batches of B lines from C concurrent clients (each batch is acknowledged
only after its commit).  The mix is what a sensor sends: flows, DNS, HTTP,
TLS and 5 % alerts, each with an event_id (as `vigil forward` adds).
With --forward the same events go through `vigil forward --once` instead
(EVE file -> disk spool -> server), which measures the whole delivery path.
Prints one JSON line with the figures."""
import argparse
import http.client
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time


def events(n, seed=1):
    rnd = random.Random(seed)
    base = 1767225600  # 2026-01-01
    out = []
    for i in range(n):
        t = base + i // 100
        ts = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + ".%06d+0000" % (i % 1000000)
        src = "10.%d.%d.%d" % (rnd.randrange(4), rnd.randrange(256), rnd.randrange(1, 255))
        dst = "192.168.%d.%d" % (rnd.randrange(4), rnd.randrange(1, 255))
        r = rnd.random()
        ev = {"timestamp": ts, "flow_id": rnd.randrange(1 << 50), "in_iface": "eth0",
              "src_ip": src, "src_port": rnd.randrange(1024, 65535), "dest_ip": dst,
              "dest_port": 443, "proto": "TCP", "event_id": f"bench:{seed}:{i}"}
        if r < 0.05:
            sid = 2000000 + rnd.randrange(100)
            ev.update(event_type="alert", alert={"action": "allowed", "gid": 1, "signature_id": sid,
                      "rev": 1, "signature": f"ET POLICY bench signature {sid}",
                      "category": "Potentially Bad Traffic", "severity": rnd.choice([1, 2, 3])})
        elif r < 0.65:
            ev.update(event_type="flow", flow={"pkts_toserver": 10, "pkts_toclient": 12,
                      "bytes_toserver": 1200, "bytes_toclient": 9000, "start": ts, "end": ts,
                      "age": 1, "state": "closed", "reason": "timeout", "alerted": False})
        elif r < 0.80:
            ev.update(event_type="dns", dns={"type": "query", "id": 4242, "rrname": "example.org",
                                             "rrtype": "A", "tx_id": 0})
        elif r < 0.95:
            ev.update(event_type="http", http={"hostname": "intranet.example.org",
                      "url": "/index.php?page=%d" % i, "http_user_agent": "Mozilla/5.0",
                      "http_method": "GET", "protocol": "HTTP/1.1", "status": 200, "length": 5120})
        else:
            ev.update(event_type="tls", tls={"subject": "CN=example.org", "issuerdn": "CN=CA",
                                             "sni": "example.org", "version": "TLS 1.3"})
        out.append(json.dumps(ev, separators=(",", ":")))
    return out


def cpu_seconds(pid):
    """utime + stime of a process (and its threads), in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start_server(vigil, data, store):
    args = [vigil, "server", "--data", data, "--listen", "127.0.0.1:0"]
    if store:
        args += ["--store", store]
    p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    port = None
    for _ in range(30):
        m = re.search(r"\(port (\d+)\)", p.stdout.readline())
        if m:
            port = int(m.group(1))
            break
    threading.Thread(target=lambda: p.stdout.read(), daemon=True).start()
    return p, port


def cli(vigil, data, store, *args):
    base = [vigil, "server", "--data", data] + (["--store", store] if store else [])
    return subprocess.run(base + list(args), capture_output=True, text=True,
                          env={**os.environ, "VIGIL_PASSWORD": "bench-sensor-password"}).stdout.strip()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("vigil")
    ap.add_argument("--events", type=int, default=200000)
    ap.add_argument("--batch", type=int, default=5000)
    ap.add_argument("--clients", type=int, default=2)
    ap.add_argument("--store")
    ap.add_argument("--forward", action="store_true")
    ap.add_argument("--exceptions", type=int, default=0,
                    help="active finding exceptions during the run: 10 match bench signatures "
                         "(about 0.5 %% of the events), the rest match nothing")
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="vg-bench-ingest-")
    data = f"{tmp}/data"
    os.makedirs(data)
    cli(a.vigil, data, a.store, "user", "bench-sensor", "sensor", "unit1")
    tok = cli(a.vigil, data, a.store, "token", "bench-sensor").splitlines()[-1]
    lines = events(a.events)
    nbytes = sum(len(x) + 1 for x in lines)
    if a.exceptions:
        cli(a.vigil, data, a.store, "user", "bench-analyst", "analyst", "")
        atok = cli(a.vigil, data, a.store, "token", "bench-analyst").splitlines()[-1]
    proc, port = start_server(a.vigil, data, a.store)
    try:
        for i in range(a.exceptions):
            m = ({"signature_id": 2000000 + i} if i < 10 else
                 {"signature_id": 3000000 + i} if i % 3 == 0 else
                 {"src_ip": "172.16.%d.%d" % (i // 250 % 256, i % 250 + 1)} if i % 3 == 1 else
                 {"host": "host-%d" % i})
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            c.request("POST", "/api/v1/exceptions",
                      body=json.dumps({"event_type": "alert", "reason": "bench", **m}),
                      headers={"Authorization": "Bearer " + atok})
            if c.getresponse().status != 201:
                print("cannot create exception", i, file=sys.stderr)
            c.close()
        cpu0 = cpu_seconds(proc.pid)
        t0 = time.time()
        if a.forward:
            eve = f"{tmp}/eve.json"
            with open(eve, "w") as f:
                f.write("\n".join(json.dumps({k: v for k, v in json.loads(x).items() if k != "event_id"},
                                             separators=(",", ":")) for x in lines) + "\n")
            t0 = time.time()
            r = subprocess.run([a.vigil, "forward", "--eve", eve, "--server", f"http://127.0.0.1:{port}",
                                "--state", f"{tmp}/spool", "--once", "--batch", str(a.batch)],
                               env={**os.environ, "VIGIL_TOKEN": tok}, capture_output=True, text=True)
            if r.returncode != 0:
                print(r.stderr, file=sys.stderr)
        else:
            batches = ["\n".join(lines[i:i + a.batch]).encode() for i in range(0, len(lines), a.batch)]
            lock = threading.Lock()
            errors = []

            def worker():
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
                while True:
                    with lock:
                        if not batches:
                            break
                        body = batches.pop()
                    c.request("POST", "/api/v1/events", body=body,
                              headers={"Authorization": "Bearer " + tok,
                                       "Content-Type": "application/x-ndjson"})
                    resp = c.getresponse()
                    resp.read()
                    if resp.status != 200:
                        errors.append(resp.status)
                c.close()
            t0 = time.time()
            th = [threading.Thread(target=worker) for _ in range(a.clients)]
            for t in th:
                t.start()
            for t in th:
                t.join()
            if errors:
                print("errors:", errors[:5], file=sys.stderr)
        dt = time.time() - t0
        cpu = cpu_seconds(proc.pid) - cpu0
        stored = None
        # count through the store directly (no extra account needed)
        if not a.store:
            r = subprocess.run(["sqlite3", f"{data}/vigil.db", "SELECT count(*) FROM events"],
                               capture_output=True, text=True)
            stored = int(r.stdout.strip() or 0)
        excepted = None
        if a.exceptions and not a.store:
            r = subprocess.run(["sqlite3", f"{data}/vigil.db", "SELECT count(*) FROM event_exceptions"],
                               capture_output=True, text=True)
            excepted = int(r.stdout.strip() or 0)
        print(json.dumps({"backend": "postgresql" if a.store else "sqlite",
                          "path": "vigil forward" if a.forward else "HTTP batches",
                          "events": a.events, "stored": stored, "batch": a.batch,
                          "clients": a.clients, "exceptions": a.exceptions, "excepted": excepted,
                          "seconds": round(dt, 2),
                          "events_per_s": round(a.events / dt), "mb_per_s": round(nbytes / dt / 1e6, 1),
                          "server_cpu_s": round(cpu, 2),
                          "events_per_server_cpu_s": round(a.events / cpu) if cpu > 0 else None,
                          "load_avg": os.getloadavg()[0]}))
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
