#!/usr/bin/env python3
"""Mutual TLS enrolment, end to end on 127.0.0.1: `vigil server --tls` creates
its CA (files 0600), `vigil server enroll` issues a one-time token, `vigil
forward --enroll` trades it for a client certificate (the CA pinned by the
token's fingerprint) and forwards an EVE file over mTLS without any bearer
token.  Refused: a reused token, a wrong fingerprint, a client without a
certificate, a client with a certificate of another CA.  Plain HTTP is refused
on any address but 127.0.0.1.

Revocation and renewal: every issued certificate is in the register (`vigil
server certs`); `vigil forward --renew` trades the current certificate for a
new one (new serial, renewed_from the old), both work; `vigil server revoke`
(by serial, from another process) and POST /api/v1/certs/revoke (admin only,
by agent) make the running server refuse the certificate with 403 at once,
other agents unaffected; a revoked certificate cannot renew; every action is
in the audit trail.  A server issuing 20-second certificates sees `vigil
forward` renew its own before expiry and keep delivering."""
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


def serial_of(path):
    """The certificate's serial as the server's register writes it."""
    d = ssl._ssl._test_decode_cert(path)
    h = format(int(d["serialNumber"], 16), "x")
    return h if len(h) % 2 == 0 else "0" + h


def certs(data):
    r = run("server", "--data", data, "certs", "--json")
    return json.loads(r.stdout) if r.returncode == 0 else []


def ctx_with(ca, crt, key):
    c = ssl.create_default_context(cafile=ca)
    c.load_cert_chain(crt, key)
    return c


def api(url, ctx, path, token, body=None):
    r = urllib.request.Request(url + path, method="POST" if body is not None else "GET",
                               data=json.dumps(body).encode() if body is not None else None)
    r.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(r, timeout=30, context=ctx) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as e:
        return e.code, None


def revocation_and_renewal(tmp, data, url, port, st, line, vt):
    ca = f"{st}/ca.crt"
    st_b = f"{tmp}/st-b"
    r = run("forward", "--enroll", url, enroll_token(data, "sensor-b"), "--state", st_b)
    check("second agent enrolled", r.returncode == 0, r.stderr)
    reg = {c["serial"]: c for c in certs(data)}
    sa, sb = serial_of(f"{st}/client.crt"), serial_of(f"{st_b}/client.crt")
    check("register holds both issued certificates",
          reg.get(sa, {}).get("name") == "sensor-a" and reg.get(sb, {}).get("name") == "sensor-b"
          and reg[sa].get("unit") == "u1" and reg[sa].get("expires_us", 0) > time.time() * 1e6,
          reg)
    # A certificate of the CA the register does not know (issued before it
    # existed) is recorded on first use, so that it can be revoked.
    import sqlite3
    db = sqlite3.connect(f"{data}/vigil.db", timeout=30)
    db.execute("DELETE FROM certs WHERE serial = ?", (sb,))
    db.commit()
    db.close()
    code, _ = post(port, ctx_with(ca, f"{st_b}/client.crt", f"{st_b}/client.key"), line)
    reg = {c["serial"]: c for c in certs(data)}
    check("an unregistered certificate of the CA is adopted on first use",
          code == 200 and reg.get(sb, {}).get("name") == "sensor-b" and
          reg[sb].get("unit") == "u1", (code, reg.get(sb)))
    # Renewal: a new key and serial, renewed_from the old; both certificates work.
    old_crt, old_key = f"{tmp}/old.crt", f"{tmp}/old.key"
    with open(f"{st}/client.crt") as f, open(old_crt, "w") as g:
        g.write(f.read())
    with open(f"{st}/client.key") as f, open(old_key, "w") as g:
        g.write(f.read())
    r = run("forward", "--state", st, "--server", url, "--renew")
    sa2 = serial_of(f"{st}/client.crt")
    check("renewal gives a new serial", r.returncode == 0 and sa2 != sa, (r.stderr, sa, sa2))
    reg = {c["serial"]: c for c in certs(data)}
    check("renewal recorded as renewing the old serial",
          reg.get(sa2, {}).get("renewed_from") == sa, reg.get(sa2))
    new_ctx = ctx_with(ca, f"{st}/client.crt", f"{st}/client.key")
    old_ctx = ctx_with(ca, old_crt, old_key)
    b_ctx = ctx_with(ca, f"{st_b}/client.crt", f"{st_b}/client.key")
    code, body = post(port, new_ctx, line)
    check("renewed certificate accepted", code == 200 and body.get("accepted") == 1, code)
    code, _ = post(port, old_ctx, line)
    check("old certificate still accepted until it expires", code == 200, code)
    # The renewal route: a certificate is required, a bad CSR is a 400.
    def renew_post(c, body):
        r = urllib.request.Request(f"{url}/api/v1/enroll/renew", method="POST",
                                   data=json.dumps(body).encode())
        try:
            with urllib.request.urlopen(r, timeout=30, context=c) as resp:
                return resp.status
        except urllib.error.HTTPError as e:
            return e.code
    check("renewal without a certificate: 401",
          renew_post(ssl.create_default_context(cafile=ca), {"csr": "x"}) == 401)
    check("renewal with a bad CSR: 400", renew_post(b_ctx, {"csr": "junk"}) == 400)
    check("renewal without a CSR: 400", renew_post(b_ctx, {"x": 1}) == 400)
    # Revocation by serial, from another process, while the server runs.
    r = run("server", "--data", data, "revoke", "--serial", sa2)
    check("revoke without a reason refused", r.returncode == 2, r.stderr)
    r = run("server", "--data", data, "revoke", "--serial", sa2, "--reason", "key leaked")
    check("revoke by serial", r.returncode == 0 and "revoked 1" in r.stdout, (r.stdout, r.stderr))
    code, _ = post(port, new_ctx, line)
    check("revoked certificate refused with 403 (no restart)", code == 403, code)
    code, _ = post(port, old_ctx, line)
    check("the agent's other certificate unaffected by a serial revocation", code == 200, code)
    code, body = post(port, b_ctx, line)
    check("other agent unaffected", code == 200 and body.get("accepted") == 1, code)
    r = run("forward", "--state", st, "--server", url, "--renew")
    check("revoked certificate cannot renew", r.returncode != 0 and "403" in r.stderr, r.stderr)
    check("failed renewal keeps the certificate", serial_of(f"{st}/client.crt") == sa2)
    # Renewing one certificate twice (an answer lost): the second renewal
    # supersedes the first, the renewed certificate itself stays valid.
    st_b2 = f"{tmp}/st-b2"
    os.makedirs(st_b2)
    for f in ("ca.crt", "client.crt", "client.key"):
        with open(f"{st_b}/{f}") as x, open(f"{st_b2}/{f}", "w") as y:
            y.write(x.read())
    r1 = run("forward", "--state", st_b2, "--server", url, "--renew")
    r2 = run("forward", "--state", st_b, "--server", url, "--renew")
    b1, b2 = serial_of(f"{st_b2}/client.crt"), serial_of(f"{st_b}/client.crt")
    reg = {c["serial"]: c for c in certs(data)}
    check("a second renewal of one certificate supersedes the first",
          r1.returncode == 0 and r2.returncode == 0 and b1 != b2 and
          reg.get(b1, {}).get("revoked_by") == "server" and
          reg.get(b2, {}).get("renewed_from") == sb and "revoked_at_us" not in reg.get(sb, {}),
          (r1.stderr, r2.stderr, reg.get(b1), reg.get(b2)))
    code, _ = post(port, ctx_with(ca, f"{st_b2}/client.crt", f"{st_b2}/client.key"), line)
    check("the superseded renewal is refused", code == 403, code)
    # Revocation by agent through the API: admin only.
    run("server", "--data", data, "user", "admin1", "admin", env={**os.environ,
        "VIGIL_PASSWORD": "admin-password-1234"})
    adm = run("server", "--data", data, "token", "admin1").stdout.strip().splitlines()[-1]
    ctx = ssl.create_default_context(cafile=ca)
    code, _ = api(url, ctx, "/api/v1/certs/revoke", vt, {"agent": "sensor-a", "reason": "x"})
    check("viewer cannot revoke", code == 403, code)
    code, _ = api(url, ctx, "/api/v1/certs", vt)
    check("viewer cannot list certificates", code == 403, code)
    code, body = api(url, ctx, "/api/v1/certs/revoke", adm, {"agent": "sensor-a",
                                                             "reason": "host decommissioned"})
    check("admin revokes an agent's certificates", code == 200 and body.get("revoked") == 1,
          (code, body))
    code, _ = post(port, old_ctx, line)
    check("every certificate of the revoked agent refused", code == 403, code)
    code, _ = post(port, b_ctx, line)
    check("other agent still unaffected", code == 200, code)
    code, body = api(url, ctx, "/api/v1/certs", adm)
    lst = {c["serial"]: c for c in (body or {}).get("certs", [])}
    check("API lists revoked certificates with who and why",
          lst.get(sa, {}).get("revoked_by") == "admin1" and
          lst.get(sa, {}).get("reason") == "host decommissioned" and
          lst.get(sa2, {}).get("revoked_by") == "cli" and "revoked_at_us" not in lst.get(sb, {}),
          lst)
    r = run("server", "--data", data, "certs", "--agent", "sensor-b", "--json")
    only_b = json.loads(r.stdout) if r.returncode == 0 else []
    check("certs --agent lists that agent's only",
          only_b and all(c["name"] == "sensor-b" for c in only_b), r.stdout)
    code, body = api(url, ctx, "/api/v1/certs?agent=sensor-a", adm)
    check("GET /certs?agent= filters", code == 200 and body["certs"] and
          all(c["name"] == "sensor-a" for c in body["certs"]), body)
    r = run("server", "--data", data, "certs")
    check("`vigil server certs` prints the register",
          r.returncode == 0 and sa2 in r.stdout and "revoked" in r.stdout and "key leaked" in
          r.stdout and "valid" in r.stdout, r.stdout)
    code, body = api(url, ctx, "/api/v1/audit", adm)
    acts = [a.get("action") for a in (body or {}).get("audit", [])]
    check("audited: issue, renew, revoke, refusal",
          all(a in acts for a in ("cert.issue", "cert.renew", "cert.revoke", "cert.refused",
                                  "cert.adopt")),
          acts)


def auto_renewal(tmp):
    """A server issuing 20 s certificates: the forwarder renews at a third
    left and keeps delivering with the new certificate; its responder, and a
    respond-only agent that renews on its own, keep applying blocks."""
    data = f"{tmp}/short"
    os.makedirs(data)
    tok = enroll_token(data, "sensor-c")
    tok_d = enroll_token(data, "sensor-d")
    port = free_port()
    p = subprocess.Popen([VIGIL, "server", "--data", data, "--listen", f"127.0.0.1:{port}", "--tls",
                          "--cert-lifetime", "20"], stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True)
    for _ in range(50):
        if "CA fingerprint" in p.stdout.readline():
            break
    threading.Thread(target=lambda: p.stdout.read(), daemon=True).start()
    url = f"https://127.0.0.1:{port}"
    st = f"{tmp}/st-c"
    eve = f"{tmp}/eve-c.json"
    st_d = f"{tmp}/st-d"
    nft_c, nft_d = f"{tmp}/nft-c.txt", f"{tmp}/nft-d.txt"
    fw = ag = None
    try:
        r = run("forward", "--enroll", url, tok, "--state", st)
        rd = run("forward", "--enroll", url, tok_d, "--state", st_d)
        check("short-lived enrolment", r.returncode == 0 and rd.returncode == 0,
              (r.stderr, rd.stderr))
        first, first_d = serial_of(f"{st}/client.crt"), serial_of(f"{st_d}/client.crt")
        first_expiry = max(ssl.cert_time_to_seconds(ssl._ssl._test_decode_cert(
            f"{d}/client.crt")["notAfter"]) for d in (st, st_d))
        open(eve, "w").close()
        env = {k: v for k, v in os.environ.items() if k != "VIGIL_TOKEN"}
        fw = subprocess.Popen([VIGIL, "forward", "--eve", eve, "--server", url, "--state", st,
                               "--sensor", "sensor-c", "--renew-check", "0.5", "--respond",
                               "--nft-dry-run", nft_c, "--respond-interval", "0.3"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        ag = subprocess.Popen([VIGIL, "forward", "--server", url, "--state", st_d,
                               "--renew-check", "0.5", "--respond", "--nft-dry-run", nft_d,
                               "--respond-interval", "0.3"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        renewed = None
        for i in range(90):
            with open(eve, "a") as f:
                f.write(json.dumps({"timestamp": "2026-01-02T00:00:%02d.%06dZ" % (i % 60, i),
                                    "event_type": "flow", "src_ip": "10.1.0.1"}) + "\n")
            time.sleep(0.5)
            s = serial_of(f"{st}/client.crt")
            if s != first:
                renewed = s
                break
        check("forwarder renews before expiry", renewed is not None, first)
        reg = {c["serial"]: c for c in certs(data)}
        check("automatic renewal recorded", renewed and reg.get(renewed, {}).get("renewed_from")
              == first, reg)
        n_before = i + 1
        # Past the first certificate's expiry, only the renewed one can deliver.
        time.sleep(max(0.0, first_expiry + 1.5 - time.time()))
        with open(eve, "a") as f:
            for k in range(20):
                f.write(json.dumps({"timestamp": "2026-01-03T00:00:%02dZ" % k,
                                    "event_type": "flow", "src_ip": "10.1.0.2"}) + "\n")
        run("server", "--data", data, "user", "v2", "viewer", env={**os.environ,
            "VIGIL_PASSWORD": "viewer-password-123"})
        vt = run("server", "--data", data, "token", "v2").stdout.strip().splitlines()[-1]
        ctx = ssl.create_default_context(cafile=f"{st}/ca.crt")
        cnt = None
        for _ in range(60):
            code, body = api(url, ctx, "/api/v1/events/count", vt)
            cnt = (body or {}).get("count")
            if cnt == n_before + 20:
                break
            time.sleep(0.5)
        check("delivery goes on after the first certificate expired", cnt == n_before + 20,
              (cnt, n_before + 20))
        check("the respond-only agent renewed too", serial_of(f"{st_d}/client.crt") != first_d)
        run("server", "--data", data, "user", "an2", "analyst", "u1", env={**os.environ,
            "VIGIL_PASSWORD": "analyst-password-123"})
        at = run("server", "--data", data, "token", "an2").stdout.strip().splitlines()[-1]
        code, _ = api(url, ctx, "/api/v1/blocks", at, {"ip": "203.0.113.77", "reason": "t"})
        applied = set()
        for _ in range(100):
            for name, f in (("c", nft_c), ("d", nft_d)):
                if os.path.exists(f) and "203.0.113.77" in open(f).read():
                    applied.add(name)
            if len(applied) == 2:
                break
            time.sleep(0.2)
        check("responders apply blocks after their first certificate expired",
              code == 201 and applied == {"c", "d"}, (code, applied))
    finally:
        for proc in (fw, ag):
            if proc:
                proc.terminate()
                proc.wait(timeout=30)
        p.terminate()
        p.wait(timeout=30)


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
        revocation_and_renewal(tmp, data, url, port, st, line, vt)
    finally:
        srv.terminate()
        srv.wait(timeout=30)
    auto_renewal(tmp)
    failed = results.count(False)
    print(f"{len(results) - failed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
