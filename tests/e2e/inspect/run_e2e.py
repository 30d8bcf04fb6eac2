#!/usr/bin/env python3
"""End-to-end: `vigil inspect --level N` reports (HTML + JSON + events) on
prepared trees with an imported offline feed, and `vigil appraise` on the
example dossier at levels 2 and 4, through the real binary."""
import json, os, re, subprocess, sys, tempfile

vigil, src = sys.argv[1], sys.argv[2]
G = os.path.join(src, "tests", "golden", "inspect")
FX = os.path.join(src, "tests", "unit", "inspect", "fixtures")
POL = os.path.join(src, "data", "policies")
bad = 0
ok = 0

# A DNS server for the NS/MX test: answers NS and MX of "localhost" from a
# JSON file re-read on each query, anything else with NXDOMAIN.
DNS_SERVER = r"""
import json, socket, struct, sys
zf = sys.argv[1]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1], flush=True)
def name(n):
    return b"".join(bytes([len(p)]) + p.encode() for p in n.split(".") if p) + b"\0"
while True:
    q, a = s.recvfrom(512)
    o, labels = 12, []
    while q[o]:
        labels.append(q[o + 1:o + 1 + q[o]].decode()); o += 1 + q[o]
    qn, qtype = ".".join(labels).lower(), struct.unpack(">H", q[o + 1:o + 3])[0]
    question = q[12:o + 5]
    z = json.load(open(zf))
    ans = []
    if qn == "localhost" and qtype == 2 and not z.get("nx"):
        ans = [struct.pack(">HHHIH", 0xC00C, 2, 1, 60, len(name(x))) + name(x) for x in z["ns"]]
    elif qn == "localhost" and qtype == 15 and not z.get("nx"):
        ans = [struct.pack(">HHHIH", 0xC00C, 15, 1, 60, 2 + len(name(x))) + struct.pack(">H", p) + name(x)
               for p, x in z["mx"]]
    rcode = 0 if qn == "localhost" and not z.get("nx") else 3
    if rcode:
        ans = []
    hdr = q[:2] + struct.pack(">HHHHH", 0x8180 | rcode, 1, len(ans), 0, 0)
    s.sendto(hdr + question + b"".join(ans), a)
"""

def check(cond, msg):
    global bad, ok
    if cond:
        ok += 1
    else:
        bad += 1
        print("FAIL:", msg)

def run(*args, rc=(0,)):
    p = subprocess.run([vigil] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    check(p.returncode in rc, "%s: exit %d (%s)" % (" ".join(args), p.returncode, p.stderr.strip()[-300:]))
    return p

with tempfile.TemporaryDirectory() as t:
    db = os.path.join(t, "vuln.db")
    run("inspect", "feed", "import", os.path.join(FX, "debian-tracker.json"), os.path.join(FX, "osv-curl.json"),
        os.path.join(FX, "osv-list.json"), "--db", db)
    # a tree that passes every check, with the fixture packages
    root = os.path.join(t, "host")
    # the union of the two passing trees: baseline first, the level profile's over it
    subprocess.run(["cp", "-r", os.path.join(G, "baseline_pass"), root], check=True)
    subprocess.run(["cp", "-r", os.path.join(G, "vn_pass") + "/.", root], check=True)
    with open(os.path.join(root, "etc/ssh/sshd_config"), "a") as f:
        f.write("X11Forwarding no\nMaxAuthTries 3\n")
    os.makedirs(os.path.join(root, "var/lib/dpkg"))
    subprocess.run(["cp", os.path.join(FX, "pkgs_root/var/lib/dpkg/status"), os.path.join(root, "var/lib/dpkg/")], check=True)
    subprocess.run(["cp", os.path.join(FX, "pkgs_root/etc/os-release"), os.path.join(root, "etc/")], check=True)
    html, js, logdir = os.path.join(t, "r.html"), os.path.join(t, "r.json"), os.path.join(t, "log")
    os.makedirs(logdir)
    run("inspect", "--level", "5", "--root", root, "--policies", POL, "--db", db, "--html", html,
        "--json", js, "-l", logdir, "-q")
    d = json.load(open(js))
    groups = {g["group"]: g for g in d["groups"]}
    check(d["level"] == 5, "level in JSON")
    check(groups["network"]["score"] == 100 and groups["network"]["failed"] == 0, "network all passed: %s" % groups["network"])
    check(groups["host"]["failed"] == 7, "host failures are the 7 vulnerable packages: %s" % groups["host"])
    check(groups["management"]["score"] == -1, "management has no machine checks")
    check(len(d["evidence_items"]) > 5, "evidence items listed")
    check(len(d["packages"]["vulnerabilities"]) == 7, "7 package findings")
    check("malware" not in d, "no web root, no malware scan")
    h = open(html, encoding="utf-8").read()
    for marker in ("Điểm theo nhóm", "Score by group", "<svg", "CVE-2025-32463", "1.9.13p3-1+deb12u2",
                   "Hạng mục cần bằng chứng", "MGMT-06", "log_retention_weeks"):
        check(marker in h, "HTML has %r" % marker)
    ev = [json.loads(l) for l in open(os.path.join(logdir, "eve.json"))]
    types = {}
    for e in ev:
        types[e["event_type"]] = types.get(e["event_type"], 0) + 1
    check(types.get("vuln") == 7 and types.get("sca", 0) >= 40, "events: %s" % types)
    check(all(re.match(r"\d{4}-\d\d-\d\dT", e["timestamp"]) for e in ev), "event timestamps")
    # schedule and evidence register: the run above is recorded with --state
    import time
    state = os.path.join(t, "inspect.db")
    run("inspect", "--level", "5", "--root", root, "--policies", POL, "--db", db, "--state", state, "-q")
    js2 = os.path.join(t, "r2.json")
    run("inspect", "--level", "5", "--root", root, "--policies", POL, "--db", db, "--state", state, "--json", js2, "-q")
    d2 = json.load(open(js2))
    check(d2.get("schedule", {}).get("cadence_months") == 6 and all(e["status"] == "open" and "due" in e for e in d2["evidence_items"]),
          "report carries the schedule and the register: %s" % d2.get("schedule"))
    env = dict(os.environ, VIGIL_NOW=str(int(time.time()) + 200 * 86400))
    sev = os.path.join(t, "sched.eve")
    p = subprocess.run([vigil, "inspect", "schedule", "--level", "5", "--state", state, "--eve", sev],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    check(p.returncode == 6 and "OVERDUE" in p.stdout, "level 5 overdue after 200 days: %d %s" % (p.returncode, p.stdout[:200]))
    kinds = [json.loads(l)["compliance"]["kind"] for l in open(sev)]
    check("inspection_overdue" in kinds and "evidence_overdue" in kinds, "compliance events: %s" % set(kinds))
    env["VIGIL_NOW"] = str(int(time.time()) + 20 * 86400)
    p = subprocess.run([vigil, "inspect", "schedule", "--level", "5", "--state", state],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    check(p.returncode == 0, "not due after 20 days: %d %s" % (p.returncode, p.stdout))
    run("inspect", "evidence", "provide", "MGMT-01", "--ref", "QĐ 123/QĐ-SKHCN", "--state", state)
    p = run("inspect", "evidence", "list", "--level", "5", "--state", state)
    check(any("MGMT-01" in l and "provided" in l and "QĐ 123" in l for l in p.stdout.splitlines()), "evidence provided listed")
    # a web root in the tree is scanned for web shells by a level run
    os.makedirs(os.path.join(root, "var/www/html"))
    open(os.path.join(root, "var/www/html/up.php"), "w").write("<?php eval($_POST['z']); ?>")
    run("inspect", "--level", "3", "--root", root, "--policies", POL, "--db", db, "--json", js, "-q")
    d = json.load(open(js))
    check([x["rule"] for x in d.get("malware", {}).get("detections", [])] == ["vigil_php_webshell_exec_request"],
          "level run scans the web root: %s" % d.get("malware"))
    # a failing tree at level 4: findings carry Vietnamese and English remediation
    html4 = os.path.join(t, "r4.html")
    run("inspect", "--level", "4", "--root", os.path.join(G, "vn_fail"), "--policies", POL,
        "--html", html4, "-q", "--db", os.path.join(t, "none.db"), rc=(0, 1, 3))
    h = open(html4, encoding="utf-8").read()
    for marker in ("VN-LOG-02-1", "rotate 26", "Không đạt", "VN-HOST-03-3", "Phát hiện và khắc phục"):
        check(marker in h, "level-4 HTML has %r" % marker)
    check("VN-NET-05-1" in h, "L2+ check reported at level 4")
    # appraisal of the example dossier: level 2 all met, level 4 adds missing requirements
    dos = os.path.join(src, "data", "appraise", "example-dossier.yaml")
    j2, j4, h4 = os.path.join(t, "a2.json"), os.path.join(t, "a4.json"), os.path.join(t, "a4.html")
    run("appraise", dos, "--level", "2", "--json", j2, "-q", rc=(0,))
    run("appraise", dos, "--level", "4", "--json", j4, "--html", h4, "-q", rc=(4,))
    a2, a4 = json.load(open(j2)), json.load(open(j4))
    check(a2["summary"]["missing"] == 0 and a2["summary"]["needs_evidence"] == 0, "level 2 met")
    miss4 = {r["id"] for r in a4["requirements"] if r["status"] == "missing"}
    check({"LOG-02", "MON-01b", "HOST-08b", "DATA-04", "APP-05", "APP-03a"} <= miss4, "level 4 missing: %s" % sorted(miss4))
    check(all(r["min_level"] <= 2 for r in a2["requirements"]), "level 2 lists only L1-2 requirements")
    check("MON-01b" in open(h4, encoding="utf-8").read(), "appraisal HTML lists MON-01b")
    p = run("appraise", os.path.join(t, "missing.yaml"), rc=(1,))
    bad_dossier = os.path.join(t, "bad.yaml")
    open(bad_dossier, "w").write("system: s\nowner: o\nlevel: 3\ncontrols:\n  backups: {present: sometimes}\n")
    p = run("appraise", bad_dossier, rc=(1,))
    check("bad.yaml:5: controls.backups.present: expected yes or no" in p.stderr, "dossier error names field and line: %s" % p.stderr)
    # malware: EICAR and a PHP web shell written here, found with the default rules
    mdir = os.path.join(t, "www")
    os.makedirs(mdir)
    open(os.path.join(mdir, "eicar.com"), "w").write("X5O!P%@AP[4\\PZX54(P^)7CC)7}$" + "EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*")
    open(os.path.join(mdir, "shell.php"), "w").write("<?php echo passthru($_REQUEST['cmd']); ?>")
    open(os.path.join(mdir, "index.php"), "w").write("<?php echo 'hello'; ?>")
    mev = os.path.join(t, "mal.eve")
    run("inspect", "--malware", mdir, "--yara-rules",
        os.path.join(src, "data", "yara"), "--eve", mev, "-q")
    if os.path.exists(mev):
        hits = {os.path.basename(json.loads(l)["malware"]["path"]): json.loads(l)["malware"]["rule"] for l in open(mev)}
        check(hits == {"eicar.com": "vigil_eicar_test_file", "shell.php": "vigil_php_webshell_exec_request"},
              "malware events: %s" % hits)
    # website integrity against a local server that the test defaces
    site = os.path.join(t, "site")
    os.makedirs(site)
    page = ("<!doctype html><html><head><title>Cổng thông tin điện tử tỉnh X</title>"
            "<script src=\"/static/app.js\"></script><script src=\"https://cdn.example.gov.vn/lib.js\"></script>"
            "</head><body><h1>Tin tức</h1><p>Thông báo lịch tiếp công dân tháng 12 của Ủy ban nhân dân tỉnh.</p>"
            "<p>Hướng dẫn nộp hồ sơ trực tuyến qua Cổng dịch vụ công.</p>"
            "<form><input type=\"hidden\" name=\"csrf_token\" value=\"%s\"></form>"
            "<!-- build %s --></body></html>")
    open(os.path.join(site, "index.html"), "w").write(page % ("a1b2c3", "1"))
    server = subprocess.Popen([sys.executable, "-c",
        "import http.server, functools, sys\n"
        "h = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[1])\n"
        "h.log_message = lambda *a: None\n"
        "s = http.server.ThreadingHTTPServer(('127.0.0.1', 0), h)\n"
        "print(s.server_address[1], flush=True)\n"
        "s.serve_forever()\n", site], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        port = int(server.stdout.readline())
        url = "http://127.0.0.1:%d/" % port
        state = os.path.join(t, "webstate")
        wj = os.path.join(t, "w.json")
        run("inspect", "--web", url, "--web-state", state, "--json", wj, "-q")
        w = json.load(open(wj))["web"][0]
        check(w["baseline_created"] and w["status"] == 200 and not w["signs"], "baseline: %s" % w)
        # a new CSRF token and build comment are not a change
        open(os.path.join(site, "index.html"), "w").write(page % ("zz9y8x", "2"))
        run("inspect", "--web", url, "--web-state", state, "--json", wj, "-q")
        w = json.load(open(wj))["web"][0]
        check(not w["changed"] and not w["signs"], "normalisation ignores tokens and comments: %s" % w)
        # defacement
        open(os.path.join(site, "index.html"), "w").write(
            "<html><head><title>Hacked by Nobody</title><script src=\"https://evil.example.net/x.js\"></script></head>"
            "<body><h1>HACKED BY NOBODY - security is an illusion</h1>"
            "<div style=\"display:none\"><a href=\"http://spam.example/1\">casino</a><a href=\"http://spam.example/2\">loans</a></div>"
            "</body></html>")
        p = run("inspect", "--web", url, "--web-state", state, "--json", wj, "-q", rc=(5,))
        w = json.load(open(wj))["web"][0]
        signs = {x["sign"] for x in w["signs"]}
        want = {"title_changed", "defacement_phrase", "new_script_domain", "hidden_links", "large_change"}
        check(want <= signs and w["changed"], "defacement signs: %s" % sorted(signs))
        # the name now resolves elsewhere than in the baseline (edited to simulate it)
        lurl = "http://localhost:%d/" % port
        st2 = os.path.join(t, "webstate2")
        run("inspect", "--web", lurl, "--web-state", st2, "--json", wj, "-q", rc=(0, 5))
        metas = [f for f in os.listdir(st2) if f.endswith(".json")]
        check(len(metas) == 1, "one baseline per URL")
        mp = os.path.join(st2, metas[0])
        meta = json.load(open(mp))
        check("127.0.0.1" in meta.get("dns", ""), "baseline records the addresses: %s" % meta.get("dns"))
        meta["dns"] = "203.0.113.9"
        json.dump(meta, open(mp, "w"))
        run("inspect", "--web", lurl, "--web-state", st2, "--json", wj, "-q", rc=(5,))
        w = json.load(open(wj))["web"][0]
        check([x["sign"] for x in w["signs"]] == ["dns_changed"], "dns change: %s" % w["signs"])
        # NS and MX records of the zone (a local DNS server the test edits)
        open(os.path.join(site, "index.html"), "w").write(page % ("a1b2c3", "1"))
        zf = os.path.join(t, "zone.json")
        json.dump({"ns": ["ns1.localhost", "ns2.localhost"], "mx": [[10, "mx.localhost"]]}, open(zf, "w"))
        dns = subprocess.Popen([sys.executable, "-c", DNS_SERVER, zf], stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True)
        try:
            dport = int(dns.stdout.readline())
            st3 = os.path.join(t, "webstate3")
            wd = ("--web-dns", "127.0.0.1:%d" % dport)
            run("inspect", "--web", lurl, "--web-state", st3, "--json", wj, "-q", *wd)
            w = json.load(open(wj))["web"][0]
            check(w.get("zone") == "localhost" and w.get("ns") == "ns1.localhost,ns2.localhost"
                  and w.get("mx") == "10 mx.localhost" and not w["signs"], "zone records: %s" % w)
            run("inspect", "--web", lurl, "--web-state", st3, "--json", wj, "-q", *wd)
            check(not json.load(open(wj))["web"][0]["signs"], "same records, no sign")
            json.dump({"ns": ["ns1.localhost", "ns.attacker.example"], "mx": [[10, "mail.attacker.example"]]},
                      open(zf, "w"))
            run("inspect", "--web", lurl, "--web-state", st3, "--json", wj, "-q", *wd, rc=(5,))
            w = json.load(open(wj))["web"][0]
            check(sorted(x["sign"] for x in w["signs"]) == ["mx_changed", "ns_changed"],
                  "NS/MX change: %s" % w["signs"])
            # the domain disappears (NXDOMAIN): a sign too
            json.dump({"nx": True}, open(zf, "w"))
            run("inspect", "--web", lurl, "--web-state", st3, "--json", wj, "-q", *wd, rc=(5,))
            w = json.load(open(wj))["web"][0]
            check([x["sign"] for x in w["signs"]] == ["ns_changed"] and "does not resolve" in w["signs"][0]["detail"],
                  "zone gone: %s" % w["signs"])
        finally:
            dns.terminate()
            dns.wait()
        # not answering is a finding too
        server.terminate()
        server.wait()
        run("inspect", "--web", url, "--web-state", state, "--json", wj, "-q", "--timeout", "3", rc=(5,))
        w = json.load(open(wj))["web"][0]
        check([x["sign"] for x in w["signs"]] == ["fetch_failed"], "down site: %s" % w["signs"])
    finally:
        if server.poll() is None:
            server.terminate()
            server.wait()
print("%d passed, %d failed" % (ok, bad))
sys.exit(1 if bad else 0)
