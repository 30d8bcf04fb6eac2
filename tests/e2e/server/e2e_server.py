"""Shared helpers of the server end-to-end tests: a results list with
check(), an API request helper and a server started on a free port."""
import json
import re
import subprocess
import time
import urllib.error
import urllib.request

results = []


def check(name, cond, detail=""):
    results.append((name, bool(cond)))
    if not cond:
        print(f"FAIL {name} {detail}")


def req(port, method, path, body=None, token=None, raw=None):
    """(HTTP status, decoded JSON or raw text) of an /api/v1 request; status 0
    when the server cannot be reached."""
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
    except (ConnectionError, urllib.error.URLError) as e:
        return 0, str(e)


def start(vigil, data):
    """`vigil server` on SQLite in data, 127.0.0.1, a free port: (process,
    port, generated admin password)."""
    proc = subprocess.Popen([vigil, "server", "--data", data, "--listen", "127.0.0.1:0"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    port = pw = None
    deadline = time.time() + 30
    while time.time() < deadline and port is None:
        line = proc.stdout.readline()
        if not line:
            break
        m = re.search(r"password (\S+)", line)
        if m:
            pw = m.group(1)
        m = re.search(r"\(port (\d+)\)", line)
        if m:
            port = int(m.group(1))
    return proc, port, pw
