#!/usr/bin/env python3
"""Response with the real nftables: `vigil server` and a `vigil forward
--respond` agent run inside a private network namespace (its own loopback
and its own, empty ruleset, so this host's firewall is never touched); a
block made through the API must appear in the namespace's `inet vigil`
set with a timeout, an allow-listed address must not, a revoked block must
leave the set, and a packet from a blocked address must be dropped.
Needs root, ip (iproute2) and nft; exits 77 (skipped) without them."""
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2e_server import check, req, results, start  # noqa: E402

VIGIL = os.path.abspath(sys.argv[1])


def nft(*args):
    return subprocess.run(["nft"] + list(args), capture_output=True, text=True)


def wait(cond, timeout=15):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = cond()
        if v:
            return v
        time.sleep(0.1)
    return cond()


def probe(rx, src):
    """Send a datagram from src to rx: what rx received (None: nothing in 1 s)."""
    tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    tx.bind((src, 0))
    tx.sendto(b"probe", rx.getsockname())
    tx.close()
    try:
        return rx.recv(16)
    except socket.timeout:
        return None


def set_elements(name):
    r = nft("list", "set", "inet", "vigil", name)
    return r.stdout if r.returncode == 0 else ""


def inside():
    """Runs in the namespace: everything here sees only its loopback."""
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    check("the namespace starts with an empty ruleset", nft("list", "ruleset").stdout.strip() == "")
    tmp = tempfile.mkdtemp(prefix="vg-nft-")
    proc, port, admin_pw = start(VIGIL, os.path.join(tmp, "data"))
    agent = None
    try:
        check("server up in the namespace", port is not None)
        st, body = req(port, "POST", "/login", {"user": "admin", "password": admin_pw})
        admin = body["token"]
        req(port, "POST", "/users", {"name": "sensor1", "password": "pw-sensor1-long!",
                                      "role": "sensor", "unit": "unit1"}, token=admin)
        st, body = req(port, "POST", "/tokens", {"user": "sensor1"}, token=admin)
        agent = subprocess.Popen(
            [VIGIL, "forward", "--server", f"http://127.0.0.1:{port}", "--respond",
             "--respond-interval", "0.2", "--allow-net", "192.0.2.0/24"],
            env={**os.environ, "VIGIL_TOKEN": body["token"]}, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True)
        st, body = req(port, "POST", "/blocks", {"ip": "203.0.113.7", "reason": "scan",
                                                 "duration_s": 600, "unit": "unit1"}, token=admin)
        check("block made through the API", st == 201, (st, body))
        bid = body.get("id")
        text = wait(lambda: "203.0.113.7" in set_elements("blocked4") and set_elements("blocked4"))
        check("the address is in the kernel's set", text and "203.0.113.7" in text, text)
        check("with a timeout", text and "timeout" in text and "expires" in text, text)
        rules = nft("list", "table", "inet", "vigil").stdout
        check("a drop rule reads the set", "@blocked4 drop" in rules, rules)
        # the agent's own allow-list
        st, body = req(port, "POST", "/blocks", {"ip": "192.0.2.5", "unit": "unit1"}, token=admin)
        gid = body.get("id")
        refused = wait(lambda: [b for b in req(port, "GET", "/blocks", token=admin)[1]["blocks"]
                                if b["id"] == gid and b["applied"]])
        check("an allow-listed address is refused by the agent",
              refused and refused[0]["applied"][0]["ok"] is False, refused)
        check("and never reaches the kernel", "192.0.2.5" not in set_elements("blocked4"))
        # the drop is real: a datagram from the blocked address does not
        # arrive, one from another address does, and after the revocation
        # the blocked address gets through again
        subprocess.run(["ip", "addr", "add", "203.0.113.7/32", "dev", "lo"], check=True)
        rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        rx.bind(("127.0.0.1", 0))
        rx.settimeout(1.0)
        check("a datagram from the blocked address is dropped",
              probe(rx, "203.0.113.7") is None)
        check("one from another address arrives", probe(rx, "127.0.0.1") == b"probe")
        st, _ = req(port, "POST", f"/blocks/{bid}/revoke", token=admin)
        check("block revoked", st == 200, st)
        gone = wait(lambda: "203.0.113.7" not in set_elements("blocked4"))
        check("the revoked address leaves the kernel's set", gone, set_elements("blocked4"))
        check("and its datagrams arrive again", probe(rx, "203.0.113.7") == b"probe")
        st, body = req(port, "GET", "/audit?limit=100", token=admin)
        acts = [a["action"] for a in body["audit"]]
        check("applied and revoked are audited", "block.applied" in acts and "block.revoke" in acts,
              acts)
    finally:
        if agent:
            agent.send_signal(signal.SIGTERM)
            try:
                agent.wait(timeout=10)
            except subprocess.TimeoutExpired:
                agent.kill()
        proc.terminate()
        proc.wait(timeout=10)
        shutil.rmtree(tmp, ignore_errors=True)
    passed = sum(1 for _, ok in results if ok)
    print(f"{passed} passed, {len(results) - passed} failed")
    return 0 if passed == len(results) else 1


def main():
    if len(sys.argv) > 2 and sys.argv[2] == "--inside":
        return inside()
    if os.geteuid() != 0 or not shutil.which("ip") or not shutil.which("nft"):
        print("skip: needs root, ip and nft")
        return 77
    ns = f"vg-nft-{os.getpid()}"
    if subprocess.run(["ip", "netns", "add", ns]).returncode != 0:
        print("skip: cannot create a network namespace here")
        return 77
    try:
        return subprocess.run(["ip", "netns", "exec", ns, sys.executable, os.path.abspath(__file__),
                               VIGIL, "--inside"]).returncode
    finally:
        subprocess.run(["ip", "netns", "del", ns])


if __name__ == "__main__":
    sys.exit(main())
