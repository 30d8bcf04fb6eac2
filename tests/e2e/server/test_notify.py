#!/usr/bin/env python3
"""Notifications end to end: `vigil server` posts new incidents of severity
<= N to a webhook (a local python HTTP server that fails its first request,
so the retry is exercised) and mails them through SMTP (a local socket SMTP
sink).  Lower-severity incidents are not notified; each incident is
notified once per channel."""
import json
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, HTTPServer

VIGIL = sys.argv[1]
results = []
hooks, mails = [], []
state = {"fail_first": True}


def check(name, cond, detail=""):
    results.append(bool(cond))
    print(("ok   " if cond else "FAIL ") + name + ("" if cond else f" {detail}"))


class Hook(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if state["fail_first"]:
            state["fail_first"] = False
            self.send_response(500)
            self.end_headers()
            return
        hooks.append((self.headers.get("Content-Type"), json.loads(body)))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *a):
        pass


def smtp_sink(sock):
    """A minimal SMTP server: accepts every message into `mails`."""
    while True:
        try:
            conn, _ = sock.accept()
        except OSError:
            return
        f = conn.makefile("rwb")

        def say(s):
            f.write(s.encode() + b"\r\n")
            f.flush()
        say("220 sink ESMTP")
        rcpt, data = [], None
        while True:
            line = f.readline()
            if not line:
                break
            cmd = line.decode(errors="replace").strip()
            up = cmd.upper()
            if up.startswith("EHLO") or up.startswith("HELO"):
                say("250 sink")
            elif up.startswith("MAIL FROM"):
                rcpt, frm = [], cmd[10:]
                say("250 ok")
            elif up.startswith("RCPT TO"):
                rcpt.append(cmd[8:])
                say("250 ok")
            elif up == "DATA":
                say("354 go on")
                lines = []
                while True:
                    l = f.readline()
                    if l in (b".\r\n", b".\n", b""):
                        break
                    lines.append(l)
                mails.append({"from": frm, "rcpt": rcpt, "data": b"".join(lines).decode()})
                say("250 queued")
            elif up == "QUIT":
                say("221 bye")
                break
            else:
                say("250 ok")
        conn.close()


def req(port, method, path, token=None, raw=None, body=None):
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    r = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1{path}", data=data, method=method)
    if token:
        r.add_header("Authorization", "Bearer " + token)
    with urllib.request.urlopen(r, timeout=30) as resp:
        return resp.status, json.loads(resp.read() or b"null")


def alert(src, sev, sid):
    return json.dumps({"timestamp": "2026-01-01T00:00:00+0000", "event_type": "alert", "src_ip": src,
                       "dest_ip": "192.168.1.10",
                       "alert": {"signature_id": sid, "severity": sev, "signature": f"test sig {sid}"}})


def main():
    httpd = HTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    smtp = socket.socket()
    smtp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    smtp.bind(("127.0.0.1", 0))
    smtp.listen(5)
    threading.Thread(target=smtp_sink, args=(smtp,), daemon=True).start()
    data = tempfile.mkdtemp(prefix="vg-notify-")
    proc = subprocess.Popen([VIGIL, "server", "--data", data, "--listen", "127.0.0.1:0",
                             "--webhook", f"http://127.0.0.1:{httpd.server_port}/hook",
                             "--smtp", f"smtp://127.0.0.1:{smtp.getsockname()[1]}",
                             "--mail-from", "vigil@example.org", "--mail-to", "soc@example.org,cio@example.org",
                             "--notify-severity", "2", "--notify-interval", "0.1",
                             "--public-url", "https://vigil.example.org"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    port = None
    for _ in range(20):
        m = re.search(r"\(port (\d+)\)", proc.stdout.readline())
        if m:
            port = int(m.group(1))
            break
    threading.Thread(target=lambda: proc.stdout.read(), daemon=True).start()
    try:
        sensor = subprocess.run([VIGIL, "server", "--data", data, "user", "s1", "sensor", "unit1"],
                                capture_output=True, text=True)
        tok = subprocess.run([VIGIL, "server", "--data", data, "token", "s1"],
                             capture_output=True, text=True).stdout.strip()
        admin = subprocess.run([VIGIL, "server", "--data", data, "token", "admin"],
                               capture_output=True, text=True).stdout.strip()
        raw = "\n".join([alert("198.51.100.7", 1, 100), alert("198.51.100.7", 1, 101),
                         alert("198.51.100.8", 3, 102)]).encode()
        st, body = req(port, "POST", "/events", token=tok, raw=raw)
        check("alerts ingested", st == 200 and body["inserted"] == 3, body)
        deadline = time.time() + 15
        while time.time() < deadline and (len(hooks) < 1 or len(mails) < 1):
            time.sleep(0.1)
        time.sleep(1.0)  # anything extra would arrive now
        check("one webhook for the severity-1 incident (after a failed first try)",
              len(hooks) == 1 and hooks[0][0] == "application/json", hooks)
        if hooks:
            h = hooks[0][1]
            check("webhook carries the incident", h["event"] == "incident.new"
                  and h["incident"]["src_ip"] == "198.51.100.7" and h["incident"]["severity"] == 1
                  and h["incident"]["unit"] == "unit1"
                  and h["url"].startswith("https://vigil.example.org/#/incidents/"), h)
        check("one mail, to both recipients", len(mails) == 1 and
              sorted(mails[0]["rcpt"]) == ["<cio@example.org>", "<soc@example.org>"], mails)
        if mails:
            d = mails[0]["data"]
            check("mail has the incident and an encoded subject",
                  "Subject: =?UTF-8?B?" in d and "Source:   198.51.100.7" in d
                  and "From: vigil@example.org" in d, d)
        check("the severity-3 incident is not notified",
              all(h[1]["incident"]["src_ip"] != "198.51.100.8" for h in hooks)
              and all("198.51.100.8" not in m["data"] for m in mails))
        st, body = req(port, "GET", "/audit?limit=50", token=admin)
        acts = [a["action"] for a in body["audit"]]
        check("sends and the failure are audited", acts.count("notify.sent") == 2
              and acts.count("notify.failed") == 1, acts)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        httpd.shutdown()
        smtp.close()
    check("server stops cleanly", proc.returncode == 0, proc.returncode)
    passed = sum(results)
    print(f"{passed} passed, {len(results) - passed} failed")
    return 0 if passed == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
