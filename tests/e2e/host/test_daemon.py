#!/usr/bin/env python3
"""e2e: `vigil host -c vigil.yaml` as a daemon.

Starts the daemon on a temporary state directory with one followed log file,
a syslog listener (UDP and TCP on 127.0.0.1, free ports) and FIM with
real-time watching of a temporary tree; then writes attack lines to the log,
sends syslog messages (including malformed ones), rotates the log, modifies
a watched file, stops the daemon with SIGTERM, restarts it, and checks
eve.json: every expected `log` alert exactly once (no loss, no duplicate
across the rotation and the restart), a `fim` event for the change, and the
daemon still answering after the malformed input.  Also runs
`systemd-analyze verify` on data/host/vigil-host.service when available.

usage: test_daemon.py VIGIL SOURCE_ROOT
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time


def free_port(kind):
    s = socket.socket(socket.AF_INET, kind)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def events(path):
    out = []
    if not os.path.exists(path):
        return out
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line:
                out.append(json.loads(line))
    return out


def wait_for(pred, timeout=10.0):
    end = time.time() + timeout
    while time.time() < end:
        if pred():
            return True
        time.sleep(0.1)
    return pred()


def main():
    vigil, root = sys.argv[1], sys.argv[2]
    tmp = tempfile.mkdtemp(prefix="vg_host_e2e.")
    fails = []
    try:
        state = os.path.join(tmp, "state")
        log = os.path.join(tmp, "auth.log")
        tree = os.path.join(tmp, "etc")
        os.makedirs(tree)
        with open(os.path.join(tree, "passwd"), "w") as f:
            f.write("root:x:0:0:root:/root:/bin/bash\n")
        open(log, "w").close()
        eve = os.path.join(tmp, "eve.json")
        udp, tcp = free_port(socket.SOCK_DGRAM), free_port(socket.SOCK_STREAM)
        cfg = os.path.join(tmp, "vigil.yaml")
        with open(cfg, "w") as f:
            f.write(f"""host:
  state-dir: {state}
  eve: {eve}
  min-level: 5
  files:
    - {log}
  syslog:
    udp: 127.0.0.1:{udp}
    tcp: 127.0.0.1:{tcp}
  fim:
    enabled: yes
    paths: [{tree}]
    realtime: yes
""")
        env = dict(os.environ, VIGIL_HOST_RULES=os.path.join(root, "data", "host"))

        def start():
            p = subprocess.Popen([vigil, "host", "-c", cfg], env=env, stderr=subprocess.PIPE, text=True)
            # ready when the state database exists and the TCP port answers
            def up():
                try:
                    socket.create_connection(("127.0.0.1", tcp), timeout=0.2).close()
                    return True
                except OSError:
                    return p.poll() is not None
            wait_for(up)
            if p.poll() is not None:
                fails.append("daemon exited: " + p.stderr.read())
            return p

        def stop(p):
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
                fails.append("daemon did not stop on SIGTERM")

        def failed(n, ip):
            with open(log, "a") as f:
                for i in range(n):
                    f.write(f"Feb  9 11:44:{i:02d} srv sshd[{100 + i}]: Failed password for root from {ip} port 22 ssh2\n")

        p = start()
        failed(3, "192.0.2.1")
        # syslog: UDP, TCP newline and octet-counted, and garbage
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        u.sendto(b"<38>Feb  9 11:44:56 web sshd[7]: Invalid user admin from 198.51.100.7 port 4242", ("127.0.0.1", udp))
        u.sendto(b"\x00\xff<<<>>>garbage", ("127.0.0.1", udp))
        t = socket.create_connection(("127.0.0.1", tcp))
        msg = b"<38>1 2024-01-01T00:00:00Z web sshd 8 - - Failed password for bob from 198.51.100.8 port 1 ssh2"
        t.sendall(b"<38>Feb  9 11:44:57 web sshd[9]: Failed password for bob from 198.51.100.9 port 2 ssh2\n")
        t.sendall(str(len(msg)).encode() + b" " + msg)
        t.close()
        bad = socket.create_connection(("127.0.0.1", tcp))
        bad.sendall(b"99999999999 nonsense\n")
        bad.close()
        # FIM real-time change
        with open(os.path.join(tree, "passwd"), "a") as f:
            f.write("evil:x:0:0::/:/bin/sh\n")
        def have(pred, n):
            return lambda: sum(1 for e in events(eve) if pred(e)) >= n
        is_log = lambda e: e.get("event_type") == "log"
        is_fim = lambda e: e.get("event_type") == "fim"
        if not wait_for(have(is_log, 6)):
            fails.append(f"log alerts before rotation: {sum(1 for e in events(eve) if is_log(e))}, want 6")
        if not wait_for(have(is_fim, 1)):
            fails.append("no fim event for the modified file")
        # rotation by rename while running
        os.rename(log, log + ".1")
        open(log, "w").close()
        failed(2, "192.0.2.2")
        if not wait_for(have(is_log, 8)):
            fails.append("lines after rotation not read")
        # restart: lines written while stopped are read once
        stop(p)
        failed(2, "192.0.2.3")
        p = start()
        if not wait_for(have(is_log, 10)):
            fails.append("lines written while stopped not read after restart")
        time.sleep(1.5)
        stop(p)
        logs = [e for e in events(eve) if is_log(e)]
        keys = [(e["log"].get("full_log")) for e in logs]
        if len(keys) != len(set(keys)):
            fails.append("duplicate log events: " + repr([k for k in keys if keys.count(k) > 1][:3]))
        if len(logs) != 10:
            fails.append(f"{len(logs)} log events, want 10")
        srcs = {e.get("src_ip") for e in logs}
        for ip in ("192.0.2.1", "192.0.2.2", "192.0.2.3", "198.51.100.7", "198.51.100.8", "198.51.100.9"):
            if ip not in srcs:
                fails.append(f"no alert with src_ip {ip}")
        # the local store holds exactly the events eve.json holds
        import sqlite3
        db = sqlite3.connect(os.path.join(state, "events.db"))
        stored = [json.loads(r[0]) for r in db.execute("SELECT json FROM events ORDER BY id")]
        db.close()
        if stored != list(events(eve)):
            fails.append(f"local store has {len(stored)} events, eve.json {len(list(events(eve)))}")
        fims = [e for e in events(eve) if is_fim(e)]
        if fims and (fims[0]["fim"]["change"] != "modified" or "sha256" not in fims[0]["fim"]["after"]):
            fails.append("fim event shape: " + json.dumps(fims[0]))
        # systemd unit
        sa = shutil.which("systemd-analyze")
        if sa:
            unit = os.path.join(tmp, "vigil-host.service")
            with open(os.path.join(root, "data", "host", "vigil-host.service")) as f:
                text = f.read().replace("/usr/local/bin/vigil", os.path.abspath(vigil))
            with open(unit, "w") as f:
                f.write(text)
            r = subprocess.run([sa, "verify", unit], capture_output=True, text=True)
            if r.returncode != 0:
                fails.append("systemd-analyze verify: " + r.stderr.strip())
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    for f in fails:
        print("FAIL", f)
    print(f"{0 if fails else 1} passed, {1 if fails else 0} failed")
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
