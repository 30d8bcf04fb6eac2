#!/usr/bin/env python3
"""API security and behaviour, end to end against a real `vigil server`.

Starts the server on 127.0.0.1 with a fresh data directory, then checks:
every route refuses without credentials (401), a viewer cannot change
anything, a user of one unit cannot see another unit's events (per route),
malformed and oversized requests get 4xx and leave the server healthy,
logins are throttled, and a retried ingest batch is stored once.
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2e_server import check, req, results, start  # noqa: E402

VIGIL = sys.argv[1]
def event(i, unit_tag):
    return json.dumps({"timestamp": "2024-05-01T08:00:%02d.000000+0000" % (i % 60),
                       "event_type": "alert", "src_ip": "10.0.0.%d" % (i % 250 + 1),
                       "dest_ip": "192.168.1.1",
                       "alert": {"signature_id": 1000 + i, "severity": 2,
                                 "signature": f"test {unit_tag} {i}"}})


def inventory_checks(port, admin, tokens):
    v, a2 = tokens["viewer1"], tokens["analyst2"]
    st, _ = req(port, "POST", "/units", {"name": "unit1", "org": "Ministry"}, token=admin)
    check("admin creates a unit", st == 200, st)
    st, _ = req(port, "POST", "/units", {"name": "unit9"}, token=v)
    check("viewer cannot create units", st == 403, st)
    st, body = req(port, "POST", "/systems", {"name": "portal", "unit": "unit1", "level": 5}, token=admin)
    check("admin creates a level-5 system", st == 200 and body["level"] == 5
          and body["inspection_overdue"] is True, body)
    sid = body.get("id") if isinstance(body, dict) else None
    st, body = req(port, "POST", "/systems", {"name": "hr", "unit": "unit2", "level": 3,
                                              "retention_months": 2}, token=admin)
    check("retention below the level's minimum is 400", st == 400, (st, body))
    st, body = req(port, "POST", "/systems", {"name": "hr", "unit": "unit2", "level": 3}, token=admin)
    check("admin creates a level-3 system", st == 200, (st, body))
    st, _ = req(port, "POST", "/systems", {"name": "x", "unit": "unit1", "level": 2}, token=a2)
    check("analyst cannot create systems", st == 403, st)
    st, _ = req(port, "POST", f"/systems/{sid}", {"level": 1}, token=v)
    check("viewer cannot change a system", st == 403, st)
    st, _ = req(port, "DELETE", f"/systems/{sid}", token=a2)
    check("analyst cannot delete a system", st == 403, st)
    st, body = req(port, "GET", "/systems", token=v)
    names = [x["name"] for x in body.get("systems", [])] if isinstance(body, dict) else []
    check("viewer of unit1 sees unit1's systems only", st == 200 and names == ["portal"], body)
    check("overdue inspection warned", isinstance(body, dict) and any(
        w["system"] == "portal" for w in body.get("warnings", [])), body)
    st, _ = req(port, "GET", f"/systems/{sid}", token=a2)
    check("other unit's system is 404", st == 404, st)
    st, body = req(port, "GET", "/hosts", token=v)
    hosts = body.get("hosts", []) if isinstance(body, dict) else []
    check("sending accounts appear as hosts with last-seen (unit1 only)",
          st == 200 and [h["name"] for h in hosts] == ["sensor1"] and hosts[0]["health"] == "ok"
          and hosts[0]["events"] >= 30, body)
    st, body = req(port, "GET", "/hosts", token=a2)
    check("unit2 sees only its sender", st == 200 and [h["name"] for h in body["hosts"]] == ["sensor2"], body)
    if hosts:
        hid = hosts[0]["id"]
        st, _ = req(port, "POST", f"/hosts/{hid}", {"system": "portal"}, token=v)
        check("viewer cannot assign hosts", st == 403, st)
        st, _ = req(port, "POST", f"/hosts/{hid}", {"system": "hr"}, token=admin)
        check("host cannot join another unit's system", st == 400, st)
        st, _ = req(port, "POST", f"/hosts/{hid}", {"system": "portal"}, token=admin)
        check("admin assigns a host to a system", st == 200, st)
    sca = "\n".join(json.dumps({"timestamp": "2026-01-01T00:00:00+0000", "event_type": "sca",
                                "sca": {"policy": "p", "check": {"id": str(i), "result": r}}})
                    for i, r in enumerate(["passed", "failed", "passed"]))
    st, _ = req(port, "POST", "/events", raw=sca.encode(), token=tokens["sensor1"])
    check("sca results ingested", st == 200, st)
    st, body = req(port, "GET", "/inspections", token=v)
    check("inspections per host (unit1)", st == 200 and len(body["inspections"]) == 1
          and body["inspections"][0]["host"] == "sensor1" and body["inspections"][0]["failed"] == 1
          and body["inspections"][0]["passed"] == 2 and body["inspections"][0]["system"] == "portal", body)
    st, body = req(port, "GET", "/inspections", token=a2)
    check("unit2 sees no other unit's inspections", st == 200 and body["inspections"] == [], body)
    st, _ = req(port, "POST", "/inspections", {}, token=admin)
    check("inspections are read-only", st == 405, st)
    st, body = req(port, "GET", f"/systems/{sid}", token=v)
    check("system shows its inspection state", st == 200 and body["sca"]["failed"] == 1
          and body["sca"]["passed"] == 2 and body["last_inspection"] == "2026-01-01T00:00:00Z", body)
    ev = {"system": "portal", "control": "incident response plan", "document": "IRP v2",
          "date": "2024-01-05", "signer": "Director", "due": "2024-12-31"}
    st, _ = req(port, "POST", "/evidence", ev, token=v)
    check("viewer cannot register evidence", st == 403, st)
    st, body = req(port, "POST", "/evidence", ev, token=admin)
    check("admin registers evidence", st == 200 and body.get("id"), body)
    st, body = req(port, "POST", "/evidence", {**ev, "due": "tomorrow"}, token=admin)
    check("bad evidence date is 400", st == 400, st)
    st, body = req(port, "GET", "/evidence", token=v)
    check("unit1 sees its evidence, overdue flagged", st == 200 and len(body["evidence"]) == 1
          and body["evidence"][0]["overdue"] is True, body)
    st, body = req(port, "GET", "/evidence", token=a2)
    check("unit2 does not see unit1's evidence", st == 200 and body["evidence"] == [], body)
    st, body = req(port, "GET", "/audit", token=admin)
    actions = [x["action"] for x in body.get("audit", [])] if isinstance(body, dict) else []
    check("inventory changes are audited", all(a in actions for a in
          ["unit.put", "system.put", "host.put", "evidence.put"]), actions)
    st, _ = req(port, "GET", "/audit", token=v)
    check("viewer cannot read the audit trail", st == 403, st)

    # retention: the estimate, and a pruning pass (events of 2024 are past
    # portal's 12 months and the 12-month default; the SCA results of 2026 stay)
    st, body = req(port, "GET", "/retention", token=admin)
    sysmap = {x["system"]: x for x in body.get("systems", [])} if isinstance(body, dict) else {}
    check("disk-use estimate per system", st == 200 and sysmap.get("portal", {}).get("retention_months") == 12
          and sysmap["portal"]["events"] >= 30 and body["database_bytes"] > 0, body)
    st, _ = req(port, "GET", "/retention", token=v)
    check("viewer cannot read the retention estimate", st == 403, st)
    st, _ = req(port, "POST", "/retention/prune", token=a2)
    check("analyst cannot prune", st == 403, st)
    st, before = req(port, "GET", "/events/count", token=admin)
    st, body = req(port, "POST", "/retention/prune", raw=b"", token=admin)
    check("admin prunes expired events", st == 200 and body["deleted"] == before["count"] - 3, (body, before))
    st, after = req(port, "GET", "/events/count", token=admin)
    check("only events within retention remain", after["count"] == 3, after)


def prune_timer(data):
    """The pruning timer: a server started with --prune-interval 1 removes an
    expired event by itself."""
    admin = subprocess.run([VIGIL, "server", "--data", data, "token", "admin"],
                           capture_output=True, text=True).stdout.strip()
    sensor = subprocess.run([VIGIL, "server", "--data", data, "token", "sensor1"],
                            capture_output=True, text=True).stdout.strip()
    proc = subprocess.Popen([VIGIL, "server", "--data", data, "--listen", "127.0.0.1:0",
                             "--prune-interval", "1"], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    port = None
    for _ in range(20):
        m = re.search(r"\(port (\d+)\)", proc.stdout.readline())
        if m:
            port = int(m.group(1))
            break
    try:
        st, body = req(port, "POST", "/events", raw=event(7, "old").encode(), token=sensor)
        check("old event ingested", st == 200 and body["inserted"] == 1, body)
        deadline = time.time() + 10
        count = None
        while time.time() < deadline:
            st, body = req(port, "GET", "/events/count", token=admin)
            count = body.get("count") if isinstance(body, dict) else None
            if count == 3:
                break
            time.sleep(0.3)
        check("the pruning timer removes expired events", count == 3, count)
        st, body = req(port, "GET", "/audit?limit=5", token=admin)
        check("pruning is audited", any(a["action"] == "retention.prune" and a["user"] == "server"
                                        for a in body.get("audit", [])), body)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def main():
    data = tempfile.mkdtemp(prefix="vg-api-")
    proc = subprocess.Popen([VIGIL, "server", "--data", data, "--listen", "127.0.0.1:0"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    port = admin_pw = None
    deadline = time.time() + 30
    while time.time() < deadline and port is None:
        line = proc.stdout.readline()
        if not line:
            break
        m = re.search(r"password (\S+)", line)
        if m:
            admin_pw = m.group(1)
        m = re.search(r"\(port (\d+)\)", line)
        if m:
            port = int(m.group(1))
    if not port or not admin_pw:
        print("server did not start")
        proc.kill()
        return 1
    try:
        st, body = req(port, "GET", "/health")
        check("health without credentials", st == 200 and body["status"] == "ok")
        routes = [("GET", "/events"), ("GET", "/events/count"), ("GET", "/me"),
                  ("POST", "/users"), ("POST", "/tokens"), ("POST", "/events"),
                  ("GET", "/nonexistent"), ("DELETE", "/events"), ("GET", "/incidents"),
                  ("GET", "/incidents/1"), ("POST", "/incidents/1"), ("POST", "/incidents/1/comments"),
                  ("GET", "/incidents/1/report"), ("GET", "/units"), ("POST", "/units"),
                  ("GET", "/systems"), ("POST", "/systems"), ("GET", "/systems/1"),
                  ("POST", "/systems/1"), ("DELETE", "/systems/1"), ("GET", "/hosts"),
                  ("POST", "/hosts/1"), ("GET", "/evidence"), ("POST", "/evidence"),
                  ("POST", "/evidence/1"), ("GET", "/audit"), ("GET", "/inspections"), ("GET", "/users"),
                  ("GET", "/blocks"), ("POST", "/blocks"), ("POST", "/blocks/1/revoke"),
                  ("POST", "/blocks/1/ack"), ("GET", "/retention"), ("POST", "/retention/prune")]
        for m, p in routes:
            st, _ = req(port, m, p, raw=b"{}")
            check(f"401 without credentials {m} {p}", st == 401, st)
            st, _ = req(port, m, p, raw=b"{}", token="0" * 64)
            check(f"401 with a bad token {m} {p}", st == 401, st)

        st, body = req(port, "POST", "/login", {"user": "admin", "password": admin_pw})
        check("admin login", st == 200 and "token" in body, body)
        admin = body["token"]
        users = {"viewer1": ("viewer", "unit1"), "analyst2": ("analyst", "unit2"),
                 "sensor1": ("sensor", "unit1"), "sensor2": ("sensor", "unit2")}
        tokens = {}
        for name, (role, unit) in users.items():
            st, _ = req(port, "POST", "/users", {"name": name, "password": "pw-" + name + "-long!",
                                                 "role": role, "unit": unit}, token=admin)
            check(f"admin creates {name}", st == 201, st)
            st, body = req(port, "POST", "/login", {"user": name, "password": "pw-" + name + "-long!"})
            check(f"{name} logs in", st == 200, st)
            tokens[name] = body.get("token") if isinstance(body, dict) else None

        v = tokens["viewer1"]
        st, body = req(port, "GET", "/users", token=admin)
        names = [u["name"] for u in body.get("users", [])] if isinstance(body, dict) else []
        check("admin lists users (no password hashes)", st == 200 and "viewer1" in names and "admin" in names
              and all(set(u) == {"name", "role", "unit"} for u in body["users"]), body)
        st, _ = req(port, "GET", "/users", token=v)
        check("viewer cannot list users", st == 403, st)
        st, _ = req(port, "POST", "/users", {"name": "x", "password": "p" * 12, "role": "admin"}, token=v)
        check("viewer cannot create users", st == 403, st)
        st, _ = req(port, "POST", "/tokens", {"user": "admin"}, token=v)
        check("viewer cannot issue tokens", st == 403, st)
        st, _ = req(port, "POST", "/events", raw=event(1, "v").encode(), token=v)
        check("viewer cannot ingest", st == 403, st)
        st, _ = req(port, "GET", "/events", token=tokens["sensor1"])
        check("sensor cannot read", st == 403, st)

        b1 = "\n".join(event(i, "unit1") for i in range(30)).encode()
        b2 = "\n".join(event(i, "unit2") for i in range(30, 50)).encode()
        st, body = req(port, "POST", "/events", raw=b1, token=tokens["sensor1"])
        check("sensor1 ingests", st == 200 and body["inserted"] == 30, body)
        st, body = req(port, "POST", "/events", raw=b1, token=tokens["sensor1"])
        check("retried batch stores nothing twice", st == 200 and body["inserted"] == 0, body)
        st, body = req(port, "POST", "/events", raw=b2, token=tokens["sensor2"])
        check("sensor2 ingests", st == 200 and body["inserted"] == 20, body)

        st, body = req(port, "GET", "/events?limit=1000", token=v)
        ev = body.get("events", []) if isinstance(body, dict) else []
        check("viewer sees own unit only (events)",
              st == 200 and len(ev) == 30 and all("unit1" in e["alert"]["signature"] for e in ev),
              (st, len(ev)))
        st, body = req(port, "GET", "/events/count", token=v)
        check("viewer sees own unit only (count)", st == 200 and body["count"] == 30, body)
        st, body = req(port, "GET", "/events?q=unit1", token=tokens["analyst2"])
        check("analyst of unit2 cannot find unit1 events", st == 200 and body["events"] == [], body)
        st, body = req(port, "GET", "/events/count", token=admin)
        check("admin sees all units", st == 200 and body["count"] == 50, body)

        # the overview counts each stored event once, per unit
        st, body = req(port, "GET", "/stats/overview", token=admin)
        bt = {x["event_type"]: x["count"] for x in body.get("by_type", [])} if isinstance(body, dict) else {}
        check("overview counts every unit's alerts once (retried batch not counted twice)",
              st == 200 and bt.get("alert") == 50 and sum(x["count"] for x in body["alerts_by_hour"]) == 50
              and sum(x["count"] for x in body["by_severity"]) == 50, body)
        st, body = req(port, "GET", "/stats/overview", token=v)
        bt = {x["event_type"]: x["count"] for x in body.get("by_type", [])} if isinstance(body, dict) else {}
        check("overview is scoped to the viewer's unit", st == 200 and bt.get("alert") == 30
              and all("unit1" in x["signature"] for x in body["top_signatures"])
              and len(body["top_sources"]) == 10, body)
        st, body = req(port, "GET", "/stats/overview?since=2024-05-01T08:00:10%2B0000&until=2024-05-01T08:00:20%2B0000",
                       token=admin)
        check("overview window in whole hours", st == 200 and sum(x["count"] for x in body["by_type"]) == 50, body)
        st, body = req(port, "GET", "/stats/overview?since=2024-05-01T09:00:00%2B0000", token=admin)
        check("overview window excludes other hours", st == 200 and body["by_type"] == [], body)

        st, body = req(port, "GET", "/events?limit=20", token=admin)
        page1 = [e["_id"] for e in body["events"]]
        st, body2 = req(port, "GET", f"/events?limit=20&before={body['next']}", token=admin)
        page2 = [e["_id"] for e in body2["events"]]
        check("pagination continues without overlap", len(page2) == 20 and max(page2) < min(page1))

        # incidents: grouped per unit and source; scoped per route
        st, body = req(port, "GET", "/incidents", token=v)
        inc1 = body.get("incidents", []) if isinstance(body, dict) else []
        check("alerts grouped into incidents visible to their unit",
              st == 200 and len(inc1) >= 1 and all(i["unit"] == "unit1" for i in inc1), (st, body))
        st, body = req(port, "GET", "/incidents", token=tokens["analyst2"])
        inc2 = body.get("incidents", []) if isinstance(body, dict) else []
        check("unit2 analyst sees only unit2 incidents",
              st == 200 and len(inc2) >= 1 and all(i["unit"] == "unit2" for i in inc2), (st, body))
        if inc1 and inc2:
            i1, i2 = inc1[0]["id"], inc2[0]["id"]
            st, _ = req(port, "GET", f"/incidents/{i1}", token=tokens["analyst2"])
            check("other unit's incident is 404 (get)", st == 404, st)
            st, _ = req(port, "GET", f"/incidents/{i1}/report", token=tokens["analyst2"])
            check("other unit's incident is 404 (report)", st == 404, st)
            st, _ = req(port, "POST", f"/incidents/{i1}", {"status": "resolved"}, token=tokens["analyst2"])
            check("other unit's incident is 404 (update)", st == 404, st)
            st, _ = req(port, "POST", f"/incidents/{i1}", {"status": "resolved"}, token=v)
            check("viewer cannot change an incident", st == 403, st)
            st, _ = req(port, "POST", f"/incidents/{i1}/comments", {"text": "x"}, token=v)
            check("viewer cannot comment", st == 403, st)
            st, body = req(port, "POST", f"/incidents/{i2}", {"status": "investigating", "assignee": "analyst2"},
                           token=tokens["analyst2"])
            check("analyst updates own unit's incident", st == 200 and body["status"] == "investigating", body)
            st, body = req(port, "POST", f"/incidents/{i2}", {"status": "nonsense"}, token=tokens["analyst2"])
            check("invalid status is 400", st == 400, st)
            st, body = req(port, "POST", f"/incidents/{i2}/comments", {"text": "blocked at firewall"},
                           token=tokens["analyst2"])
            check("comment recorded", st == 200 and body["comments"][-1]["text"] == "blocked at firewall", body)
            st, body = req(port, "POST", f"/incidents/{i2}", {"status": "resolved", "resolution": "fixed"},
                           token=tokens["analyst2"])
            check("resolving sets closed", st == 200 and body["closed"] is not None, body)
            st, body = req(port, "GET", f"/incidents/{i2}/report?kind=final", token=tokens["analyst2"])
            check("final report has the form fields", st == 200 and body["result"]["handling_result"] == "fixed"
                  and "affected_system" in body and len(body["deadlines"]) == 3, body)
            st, body = req(port, "GET", f"/incidents/{i2}/report?kind=bogus", token=tokens["analyst2"])
            check("bad report kind is 400", st == 400, st)
        inventory_checks(port, admin, tokens)
        for bad in [b"not json\n", b"[1]", b'{"event_type":"alert"}', b'{"timestamp":"x","event_type":"a"}']:
            st, _ = req(port, "POST", "/events", raw=bad, token=tokens["sensor1"])
            check(f"malformed ingest {bad[:20]!r} is 400", st == 400, st)
        for q in ["limit=abc", "limit=5000", "since=yesterday", "before=-1"]:
            st, _ = req(port, "GET", "/events?" + q, token=admin)
            check(f"bad query {q} is 400", st == 400, st)
        st, _ = req(port, "POST", "/users", raw=b"{broken", token=admin)
        check("malformed JSON body is 400", st == 400, st)
        st, _ = req(port, "POST", "/events", raw=b"x" * (33 << 20), token=tokens["sensor1"])
        check("oversized body is 413 (or connection refused mid-upload)", st in (413, 0), st)
        st, body = req(port, "GET", "/health")
        check("healthy after bad requests", st == 200 and body["status"] == "ok")

        for i in range(6):
            st, _ = req(port, "POST", "/login", {"user": "viewer1", "password": "wrong"})
        check("login throttled after repeated failures", st == 429, st)
        st, _ = req(port, "POST", "/login", {"user": "viewer1", "password": "pw-viewer1-long!"})
        check("throttled even with the right password", st == 429, st)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
    check("server exits cleanly on SIGTERM", proc.returncode == 0, proc.returncode)
    prune_timer(data)
    passed = sum(1 for _, ok in results if ok)
    failed = len(results) - passed
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
