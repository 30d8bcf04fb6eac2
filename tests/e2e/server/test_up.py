#!/usr/bin/env python3
"""`vigil up` end to end: one command starts the server, the network sensor
on the bundled sample capture, the host agent, an inspection of this machine
and the forwarders; the dashboard answers on 127.0.0.1 with the printed
admin password; the capture's alerts and the inspection's results reach the
store from their own accounts; Ctrl-C stops every process cleanly."""
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

VIGIL = sys.argv[1]
results = []


def check(name, cond, detail=""):
    results.append(bool(cond))
    print(("ok   " if cond else "FAIL ") + name + ("" if cond else f" {detail}"))


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def api(port, path, token=None, body=None):
    r = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1{path}",
                               data=json.dumps(body).encode() if body is not None else None)
    if token:
        r.add_header("Authorization", "Bearer " + token)
    with urllib.request.urlopen(r, timeout=30) as resp:
        return json.loads(resp.read())


def procs_with(marker):
    out = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                if marker.encode() in f.read():
                    out.append(int(pid))
        except OSError:
            pass
    return out


def main():
    data = tempfile.mkdtemp(prefix="vg-up-") + "/data"
    port = free_port()
    proc = subprocess.Popen([VIGIL, "up", "--data", data, "--listen", f"127.0.0.1:{port}"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines, pw = [], None
    deadline = time.time() + 60
    while time.time() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        m = re.search(r"password (\S+)", line)
        if m:
            pw = m.group(1)
        if "dashboard and API at" in line:
            break
    threading.Thread(target=lambda: lines.extend(proc.stdout), daemon=True).start()
    check("vigil up prints the dashboard URL and the admin password",
          pw and any(f"http://127.0.0.1:{port}/" in l for l in lines), lines)
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=30) as r:
            page = r.read()
        check("the dashboard is served", b"<html" in page.lower(), page[:100])
        tok = api(port, "/login", body={"user": "admin", "password": pw})["token"]
        types, hosts = {}, []
        deadline = time.time() + 90
        while time.time() < deadline:
            types = {t: api(port, f"/events/count?event_type={t}", tok)["count"] for t in ["alert", "sca"]}
            hosts = [h["name"] for h in api(port, "/hosts", tok)["hosts"]]
            if types.get("alert") and types.get("sca") and "local-agent" in hosts:
                break
            time.sleep(0.5)
        check("the sample capture's alerts reach the server", types.get("alert", 0) > 0, types)
        check("the inspection's results reach the server", types.get("sca", 0) > 0, types)
        check("sensor and agent send from their own accounts",
              "local-sensor" in hosts and "local-agent" in hosts, hosts)
        inc = api(port, "/incidents", tok)["incidents"]
        check("alerts became incidents", len(inc) > 0, inc[:1])
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    time.sleep(0.5)
    check("Ctrl-C stops vigil up cleanly", proc.returncode == 0 and any("stopped" in l for l in lines),
          (proc.returncode, lines[-3:]))
    left = procs_with(data)
    check("no process is left behind", left == [], left)
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    passed = sum(results)
    print(f"{passed} passed, {len(results) - passed} failed")
    return 0 if passed == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
