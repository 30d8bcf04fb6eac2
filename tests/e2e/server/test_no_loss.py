#!/usr/bin/env python3
"""No event loss, end to end: a sender (`vigil forward` following an EVE file
that a producer keeps appending to) delivers to `vigil server`; the server is
killed with SIGKILL mid-stream and restarted, then the sender is killed with
SIGKILL mid-stream and restarted.  At the end every produced event is in the
store exactly once."""
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
N = int(os.environ.get("VG_NOLOSS_EVENTS", "30000"))
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


def start_server(data, port):
    p = subprocess.Popen([VIGIL, "server", "--data", data, "--listen", f"127.0.0.1:{port}"],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    pw = None
    for _ in range(50):
        line = p.stdout.readline()
        m = re.search(r"password (\S+)", line)
        if m:
            pw = m.group(1)
        if "listening" in line:
            break
    threading.Thread(target=lambda: p.stdout.read(), daemon=True).start()
    return p, pw


def api(port, path, token):
    r = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1{path}")
    r.add_header("Authorization", "Bearer " + token)
    with urllib.request.urlopen(r, timeout=30) as resp:
        return json.loads(resp.read())


def stored(port, token):
    try:
        return api(port, "/events/count", token)["count"]
    except Exception:
        return -1


def main():
    tmp = tempfile.mkdtemp(prefix="vg-noloss-")
    data, state, eve = f"{tmp}/data", f"{tmp}/spool", f"{tmp}/eve.json"
    port = free_port()
    server, pw = start_server(data, port)
    tok = subprocess.run([VIGIL, "server", "--data", data, "user", "sensor1", "sensor"],
                         capture_output=True, text=True, env={**os.environ, "VIGIL_PASSWORD": "sensor-password-1"})
    tok = subprocess.run([VIGIL, "server", "--data", data, "token", "sensor1"],
                         capture_output=True, text=True).stdout.strip()
    admin = subprocess.run([VIGIL, "server", "--data", data, "token", "admin"],
                           capture_output=True, text=True).stdout.strip()
    with open(f"{tmp}/token", "w") as f:
        f.write(tok + "\n")
    open(eve, "w").close()

    def produce():
        with open(eve, "a") as f:
            for i in range(N):
                f.write(json.dumps({"timestamp": "2024-05-01T08:00:00.%06d+0000" % (i % 1000000),
                                    "event_type": "alert", "src_ip": "10.0.0.1",
                                    "alert": {"signature_id": 1, "signature": f"n={i}"}}) + "\n")
                if i % 500 == 499:
                    f.flush()
                    time.sleep(0.02)
    producer = threading.Thread(target=produce)
    producer.start()

    def start_forward():
        return subprocess.Popen([VIGIL, "forward", "--eve", eve, "--server", f"http://127.0.0.1:{port}",
                                 "--state", state, "--token-file", f"{tmp}/token", "--sensor", "s1",
                                 "--batch", "500"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    fwd = start_forward()

    def wait_for(n, timeout=60):
        end = time.time() + timeout
        while time.time() < end:
            c = stored(port, admin)
            if c >= n:
                return c
            time.sleep(0.05)
        return stored(port, admin)

    c = wait_for(N // 5)
    check("events flow before the server kill", c >= N // 5, c)
    acked_before_kill = stored(port, admin)
    server.send_signal(signal.SIGKILL)
    server.wait()
    time.sleep(1.0)
    server, _ = start_server(data, port)
    after = stored(port, admin)
    check("every event acknowledged before the server kill survived it", after >= acked_before_kill,
          (acked_before_kill, after))
    c = wait_for(N // 2)
    check("delivery resumes after the server restart", c >= N // 2, c)
    fwd.send_signal(signal.SIGKILL)
    fwd.wait()
    time.sleep(0.5)
    fwd = start_forward()
    producer.join()
    c = wait_for(N, timeout=120)
    time.sleep(1.0)  # let any duplicate retry land before counting
    c = stored(port, admin)
    check(f"all {N} events stored", c == N, c)

    seen = {}
    before = None
    while True:
        q = "/events?limit=1000" + (f"&before={before}" if before else "")
        page = api(port, q, admin)
        for e in page["events"]:
            n = int(e["alert"]["signature"][2:])
            seen[n] = seen.get(n, 0) + 1
        before = page["next"]
        if not before:
            break
    check("each event exactly once", len(seen) == N and all(v == 1 for v in seen.values()),
          (len(seen), [k for k, v in seen.items() if v != 1][:5]))
    fwd.terminate()
    server.terminate()
    fwd.wait(timeout=10)
    server.wait(timeout=10)
    passed = sum(results)
    print(f"{passed} passed, {len(results) - passed} failed")
    return 0 if passed == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
