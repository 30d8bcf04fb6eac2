#!/usr/bin/env python3
"""Response end to end: blocks by hand and by rule on `vigil server`, applied
by `vigil forward --respond` agents in dry-run mode (the nft commands they
would run are recorded in a file), the allow-list on both sides, unit
scoping, revocation and the audit trail.  The same with the real nftables,
in a private network namespace: test_response_nft.py."""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

VIGIL = sys.argv[1]
results = []


def check(name, cond, detail=""):
    results.append(bool(cond))
    print(("ok   " if cond else "FAIL ") + name + ("" if cond else f" {detail}"))


def req(port, method, path, body=None, token=None, raw=None):
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    r = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1{path}", data=data, method=method)
    if token:
        r.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(r, timeout=30) as resp:
            return resp.status, json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as e:
        text = e.read()
        try:
            return e.code, json.loads(text)
        except ValueError:
            return e.code, text


def wait_for(path, pattern, timeout=15):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with open(path) as f:
                text = f.read()
            if re.search(pattern, text):
                return text
        except FileNotFoundError:
            pass
        time.sleep(0.1)
    try:
        return open(path).read() if re.search(pattern, open(path).read()) else None
    except FileNotFoundError:
        return None


def main():
    tmp = tempfile.mkdtemp(prefix="vg-respond-")
    data = f"{tmp}/data"
    proc = subprocess.Popen([VIGIL, "server", "--data", data, "--listen", "127.0.0.1:0",
                             "--allow-net", "10.0.0.0/8", "--block-sid", "2001",
                             "--block-duration", "120"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    port = admin_pw = None
    for _ in range(20):
        line = proc.stdout.readline()
        m = re.search(r"password (\S+)", line)
        if m:
            admin_pw = m.group(1)
        m = re.search(r"\(port (\d+)\)", line)
        if m:
            port = int(m.group(1))
            break
    agents = []
    try:
        st, body = req(port, "POST", "/login", {"user": "admin", "password": admin_pw})
        admin = body["token"]
        tokens = {}
        for name, role, unit in [("analyst1", "analyst", "unit1"), ("viewer1", "viewer", "unit1"),
                                 ("analyst2", "analyst", "unit2"), ("sensor1", "sensor", "unit1"),
                                 ("sensor2", "sensor", "unit2")]:
            req(port, "POST", "/users", {"name": name, "password": "pw-" + name + "-long!",
                                         "role": role, "unit": unit}, token=admin)
            st, body = req(port, "POST", "/tokens", {"user": name}, token=admin)
            tokens[name] = body["token"]
        url = f"http://127.0.0.1:{port}"
        f1, f2 = f"{tmp}/nft1.log", f"{tmp}/nft2.log"
        for tok, f, extra in [(tokens["sensor1"], f1, []),
                              (tokens["sensor2"], f2, ["--allow-net", "192.0.2.0/24"])]:
            agents.append(subprocess.Popen(
                [VIGIL, "forward", "--server", url, "--respond", "--nft-dry-run", f,
                 "--respond-interval", "0.2"] + extra,
                env={**os.environ, "VIGIL_TOKEN": tok}, stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT, text=True))

        st, _ = req(port, "GET", "/blocks")
        check("blocks need credentials", st == 401, st)
        st, _ = req(port, "POST", "/blocks", {"ip": "203.0.113.7"}, token=tokens["viewer1"])
        check("viewer cannot block", st == 403, st)
        st, _ = req(port, "POST", "/blocks", {"ip": "203.0.113.7"}, token=tokens["sensor1"])
        check("sensor cannot block", st == 403, st)
        for ip in ["127.0.0.1", "127.8.9.10", "::1", "10.1.2.3"]:
            st, body = req(port, "POST", "/blocks", {"ip": ip}, token=tokens["analyst1"])
            check(f"allow-listed {ip} is refused", st == 400 and "allow-list" in body["error"], (st, body))
        for bad in [{"ip": "1.2.3.4; nft flush ruleset"}, {"ip": "203.0.113.7", "duration_s": 5},
                    {"ip": 42}, {}]:
            st, _ = req(port, "POST", "/blocks", bad, token=tokens["analyst1"])
            check(f"bad block {bad} is 400", st == 400, st)
        st, body = req(port, "POST", "/blocks", {"ip": "203.0.113.7", "reason": "port scan",
                                                 "duration_s": 600}, token=tokens["analyst1"])
        check("analyst blocks an address", st == 201 and body["id"] > 0, (st, body))
        bid = body.get("id")
        st, _ = req(port, "POST", "/blocks", {"ip": "203.0.113.8", "unit": "unit2"}, token=tokens["analyst1"])
        check("analyst cannot block for another unit", st == 403, st)

        text = wait_for(f1, r"add element inet vigil blocked4 \{ 203\.0\.113\.7 timeout \d+s \}")
        check("agent of unit1 applies the block with nft", text is not None, text)
        check("agent set up the vigil table, sets and drop rules first",
              text is not None and text.splitlines()[0] == "nft add table inet vigil"
              and "nft add rule inet vigil input ip saddr @blocked4 drop" in text, text)
        time.sleep(0.5)
        text2 = open(f2).read() if os.path.exists(f2) else ""
        check("agent of unit2 does not apply unit1's block", "203.0.113.7" not in text2, text2)

        st, body = req(port, "GET", "/blocks", token=tokens["analyst1"])
        b = [x for x in body["blocks"] if x["id"] == bid]
        check("the block shows where it was applied", b and b[0]["applied"]
              and b[0]["applied"][0]["host"] == "sensor1" and b[0]["applied"][0]["ok"], body)
        st, body = req(port, "GET", "/blocks", token=tokens["analyst2"])
        check("unit2 does not see unit1's blocks", st == 200 and body["blocks"] == [], body)
        st, _ = req(port, "POST", f"/blocks/{bid}/revoke", token=tokens["analyst2"])
        check("unit2 cannot revoke unit1's block", st == 404, st)
        st, _ = req(port, "POST", f"/blocks/{bid}/ack", {"ok": True}, token=tokens["sensor2"])
        check("another unit's sensor cannot acknowledge", st == 404, st)

        # automatic: an alert with a listed signature id blocks its source
        alert = {"timestamp": "2026-01-01T00:00:00+0000", "event_type": "alert",
                 "src_ip": "198.51.100.9", "dest_ip": "192.168.1.1",
                 "alert": {"signature_id": 2001, "severity": 3, "signature": "exploit attempt"}}
        local = dict(alert, src_ip="127.0.0.1")
        other = dict(alert, src_ip="198.51.100.44", alert=dict(alert["alert"], signature_id=5))
        raw = "\n".join(json.dumps(x) for x in [alert, local, other]).encode()
        st, _ = req(port, "POST", "/events", raw=raw, token=tokens["sensor1"])
        check("alerts ingested", st == 200, st)
        text = wait_for(f1, r"198\.51\.100\.9 timeout 1[12]\d s \}".replace(" s", "s"))
        check("a rule blocks the alert's source for the configured time", text is not None, text)
        text = open(f1).read()
        check("no block for an allow-listed source or an unlisted rule",
              "127.0.0.1" not in text and "198.51.100.44" not in text, text)

        # the agent's own allow-list: a global admin blocks for unit2 an address
        # the unit2 agent was told never to block
        st, body = req(port, "POST", "/blocks", {"ip": "192.0.2.5", "unit": "unit2"}, token=admin)
        gid = body.get("id")
        deadline = time.time() + 10
        acked = None
        while time.time() < deadline and not acked:
            st, body = req(port, "GET", "/blocks", token=admin)
            acked = [x for x in body["blocks"] if x["id"] == gid and x["applied"]]
            time.sleep(0.1)
        check("the agent refuses an address on its own allow-list",
              acked and acked[0]["applied"][0]["ok"] is False
              and "192.0.2.5" not in open(f2).read(), acked)

        st, _ = req(port, "POST", f"/blocks/{bid}/revoke", token=tokens["analyst1"])
        check("analyst revokes the block", st == 200, st)
        text = wait_for(f1, r"delete element inet vigil blocked4 \{ 203\.0\.113\.7 \}")
        check("the agent removes a revoked block", text is not None, text)

        st, body = req(port, "GET", "/audit?limit=200", token=admin)
        acts = [a["action"] for a in body["audit"]]
        for a in ["block.create", "block.refused", "block.applied", "block.failed", "block.revoke"]:
            check(f"audited: {a}", a in acts, acts)
    finally:
        for a in agents:
            a.send_signal(signal.SIGTERM)
        codes = []
        for a in agents:
            try:
                a.wait(timeout=10)
            except subprocess.TimeoutExpired:
                a.kill()
                a.wait()
            codes.append(a.returncode)
        check("agents stop cleanly on SIGTERM", codes == [0, 0], codes)
        proc.terminate()
        proc.wait(timeout=10)
    shutil.rmtree(tmp, ignore_errors=True)
    passed = sum(results)
    print(f"{passed} passed, {len(results) - passed} failed")
    return 0 if passed == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
