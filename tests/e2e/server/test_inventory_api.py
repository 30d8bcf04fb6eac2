#!/usr/bin/env python3
"""The merged inspection schedule and evidence register, end to end.

Starts `vigil server` on 127.0.0.1 with a fresh data directory and checks
the inventory routes added for it (summary, schedule, inspection runs,
evidence CRUD and import): 401 without credentials, viewers cannot change
anything (403), analysts edit evidence but not the schedule, every route is
scoped to the caller's unit (404 or empty for another unit's objects),
malformed and oversized requests get 400/413 and leave the server healthy,
every change is audited.  Inspection events ingested from a sensor update
the system's runs, compliance and website state, and `vigil inspect
register push` (the real command, with a token file) merges a local
register into the server's.
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2e_server import check, req, results, start  # noqa: E402

VIGIL = sys.argv[1]
def ndjson(*events):
    return "\n".join(json.dumps(e) for e in events).encode()


def sca(ts, cid, result, control=None):
    chk = {"id": cid, "title": "check " + cid, "result": result}
    if control:
        chk["control"] = control
    return {"timestamp": ts, "event_type": "sca", "sca": {"policy": "vigil_vn_level", "check": chk}}


def main():
    tmp = tempfile.mkdtemp(prefix="vg-inv-api-")
    proc, port, admin_pw = start(VIGIL, os.path.join(tmp, "data"))
    if not port or not admin_pw:
        print("server did not start")
        proc.kill()
        return 1
    try:
        new_routes = [("GET", "/systems/1/summary"), ("GET", "/systems/1/schedule"),
                      ("POST", "/systems/1/schedule"), ("GET", "/inspections/runs"),
                      ("POST", "/evidence"), ("POST", "/evidence/1"), ("DELETE", "/evidence/1"),
                      ("POST", "/evidence/import"), ("GET", "/evidence")]
        for m, p in new_routes:
            st, _ = req(port, m, p, raw=b"{}")
            check(f"401 without credentials {m} {p}", st == 401, st)
            st, _ = req(port, m, p, raw=b"{}", token="f" * 64)
            check(f"401 with a bad token {m} {p}", st == 401, st)

        st, body = req(port, "POST", "/login", {"user": "admin", "password": admin_pw})
        admin = body["token"]
        users = {"viewer1": ("viewer", "unit1"), "analyst1": ("analyst", "unit1"),
                 "analyst2": ("analyst", "unit2"), "admin1": ("admin", "unit1"),
                 "sensor1": ("sensor", "unit1"), "sensor2": ("sensor", "unit2")}
        tok = {}
        for name, (role, unit) in users.items():
            st, _ = req(port, "POST", "/users", {"name": name, "password": "pw-" + name + "-long!",
                                                 "role": role, "unit": unit}, token=admin)
            st, body = req(port, "POST", "/login", {"user": name, "password": "pw-" + name + "-long!"})
            tok[name] = body.get("token") if isinstance(body, dict) else None
        check("accounts created", all(tok.values()), tok)
        v, a1, a2, s1, s2 = tok["viewer1"], tok["analyst1"], tok["analyst2"], tok["sensor1"], tok["sensor2"]

        st, body = req(port, "POST", "/systems", {"name": "portal", "unit": "unit1", "level": 5}, token=admin)
        sid = body.get("id") if isinstance(body, dict) else None
        st2, body = req(port, "POST", "/systems", {"name": "hr", "unit": "unit2", "level": 3}, token=admin)
        hrid = body.get("id") if isinstance(body, dict) else None
        check("systems created", st == 200 and st2 == 200 and sid and hrid, body)

        # inspection events from sensor1, which joins portal
        st, _ = req(port, "POST", "/events", raw=ndjson({"timestamp": "2026-01-01T00:00:00+0000",
                                                          "event_type": "flow"}), token=s1)
        st, body = req(port, "GET", "/hosts", token=admin)
        hid = [h["id"] for h in body["hosts"] if h["name"] == "sensor1"][0]
        st, _ = req(port, "POST", f"/hosts/{hid}", {"system": "portal"}, token=admin)
        check("sensor1 joins portal", st == 200, st)
        run = [sca("2026-01-02T03:00:00.000000+0000", "VN-LOG-02-1", "failed", "LOG-02"),
               sca("2026-01-02T03:00:00.000000+0000", "VN-LOG-01-1", "passed", "LOG-01"),
               sca("2026-01-02T03:00:00.000000+0000", "VN-HOST-01-1", "passed", "HOST-01"),
               {"timestamp": "2026-01-02T03:00:00.000000+0000", "event_type": "compliance",
                "compliance": {"kind": "summary", "level": 5, "score": 67, "passed": 2, "failed": 1,
                               "version": "1.2.3"}},
               {"timestamp": "2026-01-02T03:00:00.000000+0000", "event_type": "web",
                "web": {"url": "https://portal.example.gov.vn/", "status": 200, "changed": True,
                        "change_pct": 62, "title": "Hacked by X",
                        "signs": [{"sign": "defacement_phrase", "detail": "hacked by"}]}}]
        st, _ = req(port, "POST", "/events", raw=ndjson(*run), token=s1)
        st, _ = req(port, "POST", "/events", raw=ndjson(*run), token=s1)  # a retried batch
        check("inspection events ingested", st == 200, st)
        st, body = req(port, "GET", "/inspections/runs", token=v)
        runs = body.get("runs", []) if isinstance(body, dict) else []
        check("one run from the events, counted once despite the retry",
              st == 200 and len(runs) == 1 and runs[0]["passed"] == 2 and runs[0]["failed"] == 1
              and runs[0]["system"] == "portal" and runs[0]["pct"] == 67, body)
        st, body = req(port, "GET", f"/systems/{sid}/summary", token=v)
        check("summary: compliance, websites, schedule, version-bearing host",
              st == 200 and body["compliance_pct"] == 67 and body["websites"]["alert"] == 1
              and body["inspection_interval_months"] == 6 and body["hosts"] == 1
              and body["last_inspection"] == "2026-01-02T03:00:00Z", body)
        st, body = req(port, "GET", f"/systems/{sid}", token=v)
        fams = {f["family"]: f for f in body.get("families", [])} if isinstance(body, dict) else {}
        check("system page: families, history, website state",
              st == 200 and fams.get("LOG", {}).get("failed") == 1 and fams.get("HOST", {}).get("pct") == 100
              and len(body["inspection_history"]) == 1 and body["web"][0]["state"] == "alert", body)
        st, body = req(port, "GET", "/hosts", token=v)
        check("host version from the summary event",
              st == 200 and body["hosts"][0]["version"] == "1.2.3" and "events_per_s" in body["hosts"][0], body)

        # unit scoping of the new reads
        for path in [f"/systems/{sid}/summary", f"/systems/{sid}/schedule"]:
            st, _ = req(port, "GET", path, token=a2)
            check(f"other unit's {path} is 404", st == 404, st)
        st, body = req(port, "GET", "/inspections/runs", token=a2)
        check("other unit sees no runs", st == 200 and body["runs"] == [], body)
        st, body = req(port, "GET", "/inspections/runs?system=portal", token=a2)
        check("other unit sees no runs by naming the system", st == 200 and body["runs"] == [], body)
        st, body = req(port, "GET", f"/systems/{hrid}/summary", token=a2)
        check("own unit's summary (hr never inspected: overdue)",
              st == 200 and body["inspection_overdue"] is True and body["warnings"], body)

        # evidence: viewers read, analysts write in their unit
        ev = {"system": "portal", "control": "MGMT-01", "title": "Security regulation",
              "document": "QĐ 12/2025", "date": "2025-03-01", "signer": "Giám đốc", "due": "2025-12-31"}
        st, _ = req(port, "POST", "/evidence", ev, token=v)
        check("viewer cannot add evidence", st == 403, st)
        st, body = req(port, "POST", "/evidence", ev, token=a1)
        eid = body.get("id") if isinstance(body, dict) else None
        check("analyst adds evidence", st == 200 and eid, body)
        st, _ = req(port, "POST", f"/evidence/{eid}", {"status": "provided"}, token=v)
        check("viewer cannot edit evidence", st == 403, st)
        st, _ = req(port, "DELETE", f"/evidence/{eid}", token=v)
        check("viewer cannot delete evidence", st == 403, st)
        st, _ = req(port, "POST", f"/evidence/{eid}", {"due": "2027-12-31"}, token=a2)
        check("other unit's analyst cannot edit it (404)", st == 404, st)
        st, _ = req(port, "DELETE", f"/evidence/{eid}", token=a2)
        check("other unit's analyst cannot delete it (404)", st == 404, st)
        st, _ = req(port, "POST", "/evidence", {**ev, "system": "hr"}, token=a1)
        check("analyst cannot file evidence for another unit's system", st == 400, st)
        st, body = req(port, "GET", "/evidence", token=v)
        e = body["evidence"][0] if isinstance(body, dict) and body.get("evidence") else {}
        check("evidence listed with title, signer, status; overdue past its due date",
              st == 200 and e.get("title") == "Security regulation" and e.get("signer") == "Giám đốc"
              and e.get("status") == "provided" and e.get("overdue") is True, body)
        st, body = req(port, "GET", "/evidence", token=a2)
        check("other unit sees none of it", st == 200 and body["evidence"] == [], body)
        st, _ = req(port, "POST", f"/evidence/{eid}", {"due": "2099-12-31"}, token=a1)
        st, body = req(port, "GET", "/evidence?system=portal", token=v)
        check("renewed: no longer overdue", st == 200 and body["evidence"][0]["overdue"] is False, body)

        # the schedule: admins only
        st, _ = req(port, "POST", f"/systems/{sid}/schedule", {"months": 3}, token=a1)
        check("analyst cannot change the schedule", st == 403, st)
        st, _ = req(port, "POST", f"/systems/{sid}/schedule", {"months": 3}, token=v)
        check("viewer cannot change the schedule", st == 403, st)
        st, _ = req(port, "POST", f"/systems/{hrid}/schedule", {"months": 3}, token=tok["admin1"])
        check("unit1's admin cannot change unit2's schedule (404)", st == 404, st)
        st, body = req(port, "POST", f"/systems/{sid}/schedule",
                       {"months": 3, "note": "after the incident", "inspected": "2026-01-05"},
                       token=tok["admin1"])
        check("admin sets the cadence and records an outside inspection",
              st == 200 and body["months"] == 3 and body["default_months"] == 6
              and body["last_inspection"] == "2026-01-05T00:00:00Z" and len(body["history"]) == 2, body)

        # bad input
        bad = [("POST", "/evidence", b"{broken"), ("POST", "/evidence", b"[1]"),
               ("POST", "/evidence", json.dumps({**ev, "due": "31/12/2025"}).encode()),
               ("POST", "/evidence", json.dumps({**ev, "status": "maybe"}).encode()),
               ("POST", "/evidence", json.dumps({**ev, "control": ""}).encode()),
               ("POST", "/evidence", json.dumps({**ev, "document": "x" * 5000}).encode()),
               ("POST", f"/systems/{sid}/schedule", json.dumps({"months": 121}).encode()),
               ("POST", f"/systems/{sid}/schedule", json.dumps({"months": "3"}).encode()),
               ("POST", f"/systems/{sid}/schedule", json.dumps({"inspected": "2999-01-01"}).encode()),
               ("POST", "/evidence/import", json.dumps({"system": "portal", "items": "x"}).encode()),
               ("POST", "/evidence/import", json.dumps({"system": "portal", "items": [{"id": 5}]}).encode()),
               ("GET", "/inspections/runs?limit=0", None), ("GET", "/inspections/runs?before=x", None)]
        for m, p, raw in bad:
            st, _ = req(port, m, p, raw=raw, token=admin)
            check(f"bad input {m} {p} {(raw or b'')[:30]!r} is 400", st == 400, st)
        st, _ = req(port, "POST", "/evidence", raw=json.dumps({**ev, "title": "y" * (1100 << 10)}).encode(),
                    token=admin)
        check("a body over 1 MiB is 413", st == 413, st)
        big = {"system": "portal", "items": [{"id": f"X-{i}"} for i in range(300)]}
        st, _ = req(port, "POST", "/evidence/import", big, token=admin)
        check("an import over 256 items is 413", st == 413, st)
        st, _ = req(port, "GET", "/systems/1/nonsense", token=admin)
        check("unknown sub-route is 405/404", st in (404, 405), st)
        st, _ = req(port, "DELETE", f"/systems/{sid}/schedule", token=admin)
        check("DELETE on a sub-route is refused", st in (404, 405), st)

        # vigil inspect's local register, pushed by the real command
        state = os.path.join(tmp, "inspect.db")
        r = subprocess.run([VIGIL, "inspect", "schedule", "--level", "3", "--state", state],
                           capture_output=True, text=True)
        lst = subprocess.run([VIGIL, "inspect", "evidence", "list", "--level", "3", "--state", state],
                             capture_output=True, text=True).stdout
        ids = re.findall(r"^\s+(\S+)\s+open", lst, re.M)
        check("local register filled", len(ids) >= 10, lst)
        subprocess.run([VIGIL, "inspect", "evidence", "provide", "MGMT-02", "--ref", "RA-2026 signed 2026-01-10",
                        "--state", state], capture_output=True, text=True)
        tfile = os.path.join(tmp, "token")
        with open(tfile, "w") as f:
            f.write(s2 + "\n")
        r = subprocess.run([VIGIL, "inspect", "register", "push", "--server", f"http://127.0.0.1:{port}",
                            "--token-file", tfile, "--system", "portal", "--level", "3", "--state", state],
                           capture_output=True, text=True)
        check("unit2's sensor cannot push into unit1's system", r.returncode == 1 and "404" in r.stderr,
              r.stdout + r.stderr)
        with open(tfile, "w") as f:
            f.write(s1 + "\n")
        r = subprocess.run([VIGIL, "inspect", "register", "push", "--server", f"http://127.0.0.1:{port}",
                            "--token-file", tfile, "--level", "3", "--state", state],
                           capture_output=True, text=True)
        check("sensor1 pushes its register (system from its host)", r.returncode == 0 and '"added"' in r.stdout,
              r.stdout + r.stderr)
        st, body = req(port, "GET", "/evidence?system=portal", token=v)
        items = {e["control"]: e for e in body.get("evidence", [])} if isinstance(body, dict) else {}
        check("register merged: items added from inspect, the server's own row kept",
              len(items) == len(ids) + 1 - ("MGMT-01" in ids) and items.get("MGMT-02", {}).get("status") == "provided"
              and items["MGMT-02"]["source"] == "inspect" and items.get("MGMT-01", {}).get("document") == "QĐ 12/2025",
              (len(items), len(ids), body))
        r = subprocess.run([VIGIL, "inspect", "register", "push", "--server", f"http://127.0.0.1:{port}",
                            "--token-file", tfile, "--level", "3", "--state", state],
                           capture_output=True, text=True)
        check("a second push changes nothing", r.returncode == 0 and '"added":0' in r.stdout.replace(" ", "")
              and '"updated":0' in r.stdout.replace(" ", ""), r.stdout + r.stderr)
        st, body = req(port, "POST", "/evidence/import", {"system": "portal", "items": []}, token=v)
        check("viewer cannot import", st == 403, st)
        st, body = req(port, "POST", "/evidence/import", {"system": "hr", "items": []}, token=a1)
        check("analyst cannot import into another unit's system", st == 404, st)

        # a real inspection, forwarded: its events become a run and the compliance
        src = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
        logdir = os.path.join(tmp, "inspect-log")
        os.makedirs(logdir)
        r = subprocess.run([VIGIL, "inspect", "--level", "3", "--root",
                            os.path.join(src, "tests", "golden", "inspect", "vn_fail"), "--policies",
                            os.path.join(src, "data", "policies"), "-l", logdir, "-q"],
                           capture_output=True, text=True)
        evs = [json.loads(x) for x in open(os.path.join(logdir, "eve.json"))]
        summ = [e["compliance"] for e in evs if e["event_type"] == "compliance"]
        nsca = sum(1 for e in evs if e["event_type"] == "sca")
        check("vigil inspect --level writes its checks and a compliance summary",
              len(summ) == 1 and summ[0]["kind"] == "summary" and nsca == summ[0]["passed"] + summ[0]["failed"]
              + summ[0]["not_applicable"] + summ[0]["errors"], (r.returncode, summ, nsca))
        r = subprocess.run([VIGIL, "forward", "--eve", os.path.join(logdir, "eve.json"), "--server",
                            f"http://127.0.0.1:{port}", "--state", os.path.join(tmp, "fwd"), "--token-file",
                            tfile, "--once"], capture_output=True, text=True, timeout=60)
        st, body = req(port, "GET", "/inspections/runs?system=portal&limit=1", token=v)
        newest = body["runs"][0] if isinstance(body, dict) and body.get("runs") else {}
        check("the forwarded run is the system's newest, counted as vigil inspect counted it",
              r.returncode == 0 and summ and newest.get("failed") == summ[0]["failed"]
              and newest.get("passed") == summ[0]["passed"] and newest.get("source") == "events", (r.stderr, body))
        st, body = req(port, f"GET", f"/systems/{sid}/summary", token=v)
        check("the system's compliance is the forwarded summary's score",
              st == 200 and summ and body["compliance_pct"] == summ[0]["score"], body)

        st, _ = req(port, "DELETE", f"/evidence/{eid}", token=a1)
        check("analyst deletes evidence of the unit", st == 200, st)
        st, _ = req(port, "DELETE", f"/evidence/{eid}", token=a1)
        check("deleted evidence is gone (404)", st == 404, st)

        st, body = req(port, "GET", "/audit?limit=100", token=admin)
        actions = [x["action"] for x in body.get("audit", [])] if isinstance(body, dict) else []
        check("every change audited", all(a in actions for a in
              ["evidence.put", "evidence.delete", "schedule.put", "evidence.import", "host.put"]), actions)
        st, body = req(port, "GET", "/health")
        check("healthy after everything", st == 200 and body["status"] == "ok")
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
    passed = sum(1 for _, ok in results if ok)
    failed = len(results) - passed
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
