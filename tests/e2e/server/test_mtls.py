#!/usr/bin/env python3
"""Mutual TLS enrolment, end to end on 127.0.0.1: `vigil server --tls` creates
its CA (files 0600), `vigil server enroll` issues a one-time token, `vigil
forward --enroll` trades it for a client certificate (the CA pinned by the
token's fingerprint) and forwards an EVE file over mTLS without any bearer
token.  Refused: a reused token, a wrong fingerprint, a client without a
certificate, a client with a certificate of another CA.  Plain HTTP is refused
on any address but 127.0.0.1."""
import json
import os
import re
import socket
import ssl
import stat
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
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


def run(*args, **kw):
    return subprocess.run([VIGIL] + list(args), capture_output=True, text=True, timeout=120, **kw)


def start_server(data, port):
    p = subprocess.Popen([VIGIL, "server", "--data", data, "--listen", f"127.0.0.1:{port}", "--tls"],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    fp = None
    for _ in range(50):
        line = p.stdout.readline()
        m = re.search(r"CA fingerprint \(SHA-256\) ([0-9a-f]{64})", line)
        if m:
            fp = m.group(1)
            break
    threading.Thread(target=lambda: p.stdout.read(), daemon=True).start()
    return p, fp


def post(port, ctx, body, token=None):
    r = urllib.request.Request(f"https://127.0.0.1:{port}/api/v1/events", data=body.encode(),
                               method="POST")
    if token:
        r.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(r, timeout=30, context=ctx) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as e:
        return e.code, None
    except (urllib.error.URLError, ssl.SSLError, ConnectionError) as e:
        return -1, str(e)


def enroll_token(data, name):
    r = run("server", "--data", data, "enroll", "--name", name, "--unit", "u1")
    return r.stdout.strip().splitlines()[-1] if r.returncode == 0 else ""


def main():
    tmp = tempfile.mkdtemp(prefix="vg-mtls-")
    data, other = f"{tmp}/data", f"{tmp}/other"
    os.makedirs(data)
    os.makedirs(other)
    r = run("server", "--data", data, "--listen", "0.0.0.0:0")
    check("plain HTTP refused off loopback", r.returncode != 0 and "127.0.0.1" in r.stderr, r.stderr)
    tok = enroll_token(data, "sensor-a")
    check("enroll prints TOKEN.FINGERPRINT", re.fullmatch(r"[0-9a-f]{64}\.[0-9a-f]{64}", tok), tok)
    for f in ("ca.key", "ca.crt", "server.key", "server.crt"):
        st = os.stat(f"{data}/{f}")
        check(f"{f} is mode 0600", stat.S_IMODE(st.st_mode) == 0o600, oct(st.st_mode))
    port = free_port()
    srv, fp = start_server(data, port)
    try:
        check("server prints the CA fingerprint", fp and tok.endswith("." + fp), fp)
        url = f"https://127.0.0.1:{port}"
        # A wrong pin is refused before anything is sent.
        bad = tok[:65] + ("0" if tok[65] != "0" else "1") + tok[66:]
        r = run("forward", "--enroll", url, bad, "--state", f"{tmp}/st-bad")
        check("wrong fingerprint refused", r.returncode != 0 and "fingerprint" in r.stderr, r.stderr)
        check("no certificate after a wrong pin", not os.path.exists(f"{tmp}/st-bad/client.crt"))
        # Enrol, then forward an EVE file over mTLS with no token at all.
        st = f"{tmp}/st"
        r = run("forward", "--enroll", url, tok, "--state", st)
        check("enrolment succeeds", r.returncode == 0, r.stderr)
        check("client key is mode 0600",
              os.path.exists(f"{st}/client.key") and
              stat.S_IMODE(os.stat(f"{st}/client.key").st_mode) == 0o600)
        r = run("forward", "--enroll", url, tok, "--state", f"{tmp}/st-again")
        check("token works once", r.returncode != 0 and "403" in r.stderr, r.stderr)
        eve = f"{tmp}/eve.json"
        n = 500
        with open(eve, "w") as f:
            for i in range(n):
                f.write(json.dumps({"timestamp": "2026-01-01T00:00:%02d.%06dZ" % (i % 60, i),
                                    "event_type": "flow", "src_ip": "10.0.0.%d" % (i % 250 + 1),
                                    "dest_ip": "192.168.1.1"}) + "\n")
        env = {k: v for k, v in os.environ.items() if k != "VIGIL_TOKEN"}
        r = run("forward", "--eve", eve, "--server", url, "--state", st, "--once",
                "--sensor", "sensor-a", env=env)
        check("forward over mTLS delivers", r.returncode == 0 and f"{n} sent" in r.stderr, r.stderr)
        # The admin sees them (bearer tokens still work over HTTPS).
        run("server", "--data", data, "user", "viewer1", "viewer", env={**os.environ,
            "VIGIL_PASSWORD": "viewer-password-123"})
        vt = run("server", "--data", data, "token", "viewer1").stdout.strip().splitlines()[-1]
        ctx = ssl.create_default_context(cafile=f"{st}/ca.crt")
        req = urllib.request.Request(f"{url}/api/v1/events/count")
        req.add_header("Authorization", "Bearer " + vt)
        with urllib.request.urlopen(req, timeout=30, context=ctx) as resp:
            cnt = json.loads(resp.read())
        check("events stored under the enrolled sensor", cnt.get("count") == n, cnt)
        line = '{"timestamp":"2026-01-01T00:00:00Z","event_type":"flow"}'
        # No client certificate: refused.
        code, _ = post(port, ctx, line)
        check("no client certificate: 401", code == 401, code)
        # A certificate of another CA (enrolled on another server): refused.
        tok2 = enroll_token(other, "sensor-a")
        port2 = free_port()
        srv2, _ = start_server(other, port2)
        try:
            r = run("forward", "--enroll", f"https://127.0.0.1:{port2}", tok2, "--state",
                    f"{tmp}/st-other")
            check("enrolment on the other server", r.returncode == 0, r.stderr)
        finally:
            srv2.terminate()
            srv2.wait(timeout=30)
        ctx2 = ssl.create_default_context(cafile=f"{st}/ca.crt")
        ctx2.load_cert_chain(f"{tmp}/st-other/client.crt", f"{tmp}/st-other/client.key")
        code, detail = post(port, ctx2, line)
        check("certificate of another CA refused", code in (401, -1), (code, detail))
        # ... even with a valid bearer token alongside.
        code, _ = post(port, ctx2, line, token=vt)
        check("foreign certificate refused despite a token", code in (401, -1), code)
        # The responder authenticates with the enrolled certificate too.
        run("server", "--data", data, "user", "analyst1", "analyst", "u1", env={**os.environ,
            "VIGIL_PASSWORD": "analyst-password-123"})
        at = run("server", "--data", data, "token", "analyst1").stdout.strip().splitlines()[-1]
        req = urllib.request.Request(f"{url}/api/v1/blocks", method="POST",
                                     data=json.dumps({"ip": "203.0.113.9", "reason": "t"}).encode())
        req.add_header("Authorization", "Bearer " + at)
        with urllib.request.urlopen(req, timeout=30, context=ctx) as resp:
            check("analyst blocks over HTTPS", resp.status == 201, resp.status)
        nft = f"{tmp}/nft.txt"
        ag = subprocess.Popen([VIGIL, "forward", "--server", url, "--state", st, "--respond",
                               "--nft-dry-run", nft, "--respond-interval", "0.2"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        applied = False
        for _ in range(100):
            if os.path.exists(nft) and "203.0.113.9" in open(nft).read():
                applied = True
                break
            time.sleep(0.1)
        ag.terminate()
        ag.wait(timeout=30)
        check("responder over mTLS applies the block", applied)
        # The enrolled certificate itself works for a direct post.
        ctx3 = ssl.create_default_context(cafile=f"{st}/ca.crt")
        ctx3.load_cert_chain(f"{st}/client.crt", f"{st}/client.key")
        code, body = post(port, ctx3, line)
        check("enrolled certificate accepted", code == 200 and body.get("accepted") == 1, code)
    finally:
        srv.terminate()
        srv.wait(timeout=30)
    failed = results.count(False)
    print(f"{len(results) - failed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
