#!/usr/bin/env python3
"""Finding exceptions and acknowledgements, end to end against a real `vigil server`.

Checks: every route refuses without credentials (401); a viewer cannot
create, revoke or acknowledge (403), an analyst can; unit scoping on every
route; malformed (400) and oversized (413) bodies; an excepted event is
still stored and searchable, flagged with the exception id, counted once
(retries do not count again), and opens no incident; expired and revoked
exceptions stop applying; every change is in the audit log.
"""
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2e_server import check, req, results, start  # noqa: E402

VIGIL = sys.argv[1]
def alert(tag, i, sid, src, dest="192.168.7.7"):
    return json.dumps({"timestamp": "2024-06-01T09:00:%02d.000000+0000" % (i % 60),
                       "event_id": f"{tag}-{i}", "event_type": "alert", "src_ip": src,
                       "dest_ip": dest, "alert": {"signature_id": sid, "severity": 2,
                                                  "signature": f"exc test {sid}"}})


def post_events(port, tok, lines):
    return req(port, "POST", "/events", raw="\n".join(lines).encode(), token=tok)


def incidents_for(port, tok, src):
    st, body = req(port, "GET", "/incidents?limit=500", token=tok)
    return [i for i in body.get("incidents", []) if i["src_ip"] == src] if st == 200 else None


def run(port, admin_pw):
    routes = [("GET", "/exceptions"), ("POST", "/exceptions"), ("GET", "/exceptions/1"),
              ("POST", "/exceptions/1/revoke"), ("GET", "/events/1"), ("POST", "/events/1/ack")]
    for m, p in routes:
        st, _ = req(port, m, p, raw=b"{}")
        check(f"401 without credentials {m} {p}", st == 401, st)
        st, _ = req(port, m, p, raw=b"{}", token="0" * 64)
        check(f"401 with a bad token {m} {p}", st == 401, st)

    st, body = req(port, "POST", "/login", {"user": "admin", "password": admin_pw})
    admin = body["token"]
    users = {"viewer1": ("viewer", "unit1"), "analyst1": ("analyst", "unit1"),
             "analyst2": ("analyst", "unit2"), "sensor1": ("sensor", "unit1"),
             "sensor2": ("sensor", "unit2")}
    tok = {}
    for name, (role, unit) in users.items():
        st, _ = req(port, "POST", "/users", {"name": name, "password": "pw-" + name + "-long!",
                                             "role": role, "unit": unit}, token=admin)
        st, body = req(port, "POST", "/login", {"user": name, "password": "pw-" + name + "-long!"})
        check(f"{name} logs in", st == 200, st)
        tok[name] = body.get("token") if isinstance(body, dict) else None
    v, a1, a2, s1, s2 = (tok[k] for k in ("viewer1", "analyst1", "analyst2", "sensor1", "sensor2"))

    # a real finding first: it opens an incident
    st, body = post_events(port, s1, [alert("a", i, 5002, "10.9.9.9") for i in range(3)])
    check("first alerts stored", st == 200 and body["inserted"] == 3, body)
    check("they open an incident", len(incidents_for(port, a1, "10.9.9.9") or []) == 1)

    good = {"event_type": "alert", "signature_id": 5002, "src_ip": "10.8.8.8",
            "reason": "scanner of the vulnerability team, ticket 42"}
    st, _ = req(port, "POST", "/exceptions", good, token=v)
    check("viewer cannot create an exception", st == 403, st)
    st, _ = req(port, "POST", "/exceptions", good, token=s1)
    check("sensor cannot create an exception", st == 403, st)
    bad = [({**good, "reason": ""}, "empty reason"), ({**good, "reason": "   \n"}, "blank reason"),
           ({k: x for k, x in good.items() if k != "reason"}, "missing reason"),
           ({**good, "reason": "x" * 1001}, "reason over the cap"),
           ({"event_type": "alert", "reason": "all alerts"}, "no match field"),
           ({**good, "colour": "red"}, "unknown field"), ({**good, "src_ip": "10.8.8"}, "bad address"),
           ({**good, "signature_id": -3}, "negative signature id"),
           ({**good, "signature_id": "5002"}, "signature id as text"),
           ({**good, "event_type": "Alert; DROP"}, "bad event type"),
           ({**good, "check_id": "1001"}, "check id on alerts"),
           ({**good, "expires_at": "2001-01-01T00:00:00Z"}, "expiry in the past"),
           ({**good, "expires_at": "soon"}, "malformed expiry"),
           ({**good, "system": "nonexistent"}, "unknown system")]
    for b, what in bad:
        st, _ = req(port, "POST", "/exceptions", b, token=a1)
        check(f"{what} is refused", st in (400, 404), st)
    st, _ = req(port, "POST", "/exceptions", raw=b"{broken", token=a1)
    check("malformed JSON is 400", st == 400, st)
    st, _ = req(port, "POST", "/exceptions", raw=b"[1,2]", token=a1)
    check("a JSON array is 400", st == 400, st)
    st, _ = req(port, "POST", "/exceptions", raw=json.dumps({**good, "pad": "x" * 100000}).encode(), token=a1)
    check("oversized body is 413", st == 413, st)
    st, _ = req(port, "POST", "/exceptions", {**good, "unit": "unit2"}, token=a1)
    check("analyst cannot create for another unit", st == 403, st)

    st, x = req(port, "POST", "/exceptions", {**good, "src_ip": "10.9.9.9"}, token=a1)
    check("analyst creates an exception", st == 201 and x["unit"] == "unit1" and x["hits"] == 0
          and x["state"] == "active" and x["created_by"] == "analyst1", (st, x))
    xid = x["id"] if isinstance(x, dict) else 0

    # the same finding again: stored, flagged, counted, no incident growth
    before = incidents_for(port, a1, "10.9.9.9")
    batch = [alert("b", i, 5002, "10.9.9.9") for i in range(5)] + [alert("b", 9, 5003, "10.9.9.9")]
    st, body = post_events(port, s1, batch)
    check("excepted events are still stored", st == 200 and body["inserted"] == 6, body)
    st, body = post_events(port, s1, batch)
    check("retried batch stores nothing twice", st == 200 and body["inserted"] == 0, body)
    st, x = req(port, "GET", f"/exceptions/{xid}", token=v)
    check("viewer reads the exception; hits count each event once", st == 200 and x["hits"] == 5
          and x["last_hit"], (st, x))
    after = incidents_for(port, a1, "10.9.9.9")
    check("excepted alerts do not extend the incident",
          before and after and after[0]["alerts"] == before[0]["alerts"] + 1, (before, after))
    st, body = req(port, "GET", "/events?excepted=1&limit=100", token=v)
    ev = body.get("events", []) if isinstance(body, dict) else []
    check("excepted=1 lists exactly the excepted events, with the exception id",
          st == 200 and len(ev) == 5 and all(e.get("_exception_id") == xid for e in ev), (st, ev[:1]))
    st, body = req(port, "GET", "/events?excepted=0&limit=100", token=v)
    ev0 = body.get("events", []) if isinstance(body, dict) else []
    check("excepted=0 lists the others", st == 200 and len(ev0) == 4
          and all("_exception_id" not in e for e in ev0), len(ev0))
    st, body = req(port, "GET", "/events/count?excepted=1", token=v)
    check("count of excepted events", st == 200 and body["count"] == 5, body)
    st, body = req(port, "GET", "/events?limit=100", token=v)
    check("search shows excepted events too", st == 200 and len(body["events"]) == 9
          and sum(1 for e in body["events"] if "_exception_id" in e) == 5, len(body.get("events", [])))
    st, body = req(port, "GET", "/exceptions", token=v)
    check("the list counts the unit's excepted events", st == 200 and body["excepted_events"] == 5, body)
    st, body = req(port, "GET", "/exceptions", token=a2)
    check("another unit's excepted events are not counted", st == 200 and body["excepted_events"] == 0, body)
    st, _ = req(port, "GET", "/events?excepted=2", token=v)
    check("bad excepted value is 400", st == 400, st)

    # unit scoping: unit2's identical alert is not excepted by unit1's exception
    st, body = post_events(port, s2, [alert("u2", i, 5002, "10.9.9.9") for i in range(2)])
    check("unit2 alert opens unit2's own incident", st == 200
          and len(incidents_for(port, a2, "10.9.9.9") or []) == 1, body)
    st, x = req(port, "GET", f"/exceptions/{xid}", token=a1)
    check("unit1's exception not hit by unit2's events", st == 200 and x["hits"] == 5, x)
    st, body = req(port, "GET", "/exceptions", token=a2)
    check("analyst2 does not list unit1's exceptions",
          st == 200 and all(e["id"] != xid for e in body["exceptions"]), body)
    st, _ = req(port, "GET", f"/exceptions/{xid}", token=a2)
    check("other unit's exception is 404 (get)", st == 404, st)
    st, _ = req(port, "POST", f"/exceptions/{xid}/revoke", {"reason": "x"}, token=a2)
    check("other unit's exception is 404 (revoke)", st == 404, st)
    st, body = req(port, "GET", "/events?excepted=1", token=a2)
    check("analyst2 sees none of unit1's excepted events", st == 200 and body["events"] == [], body)

    # an exception of every unit (admin): visible to unit users, revocable by admin only
    st, g = req(port, "POST", "/exceptions", {"event_type": "alert", "host": "sensor2", "signature_id": 7007,
                                             "reason": "lab sensor replay"}, token=admin)
    check("admin creates an exception for every unit", st == 201 and g["unit"] == "", (st, g))
    gid = g["id"] if isinstance(g, dict) else 0
    st, body = req(port, "GET", "/exceptions?state=active", token=a2)
    check("unit user sees exceptions of every unit", st == 200 and any(e["id"] == gid for e in body["exceptions"]), body)
    st, _ = req(port, "POST", f"/exceptions/{gid}/revoke", {"reason": "no"}, token=a2)
    check("unit analyst cannot revoke an exception of every unit", st == 403, st)
    st, body = post_events(port, s2, [alert("g", i, 7007, "10.7.7.7") for i in range(4)])
    st, g = req(port, "GET", f"/exceptions/{gid}", token=admin)
    check("host exception applies (hits 4)", st == 200 and g["hits"] == 4, g)
    check("and opens no incident", incidents_for(port, admin, "10.7.7.7") == [])

    # expiry
    exp_t = int(time.time()) + 6
    exp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(exp_t))
    st, e = req(port, "POST", "/exceptions", {"event_type": "alert", "signature_id": 6006,
                                             "expires_at": exp, "reason": "maintenance window"}, token=a1)
    check("exception with an expiry", st == 201 and e["expires_at"] == exp, (st, e))
    eid = e["id"] if isinstance(e, dict) else 0
    post_events(port, s1, [alert("e1", 0, 6006, "10.6.6.6")])
    check("within its window it applies", incidents_for(port, a1, "10.6.6.6") == [])
    time.sleep(max(0.0, exp_t + 1 - time.time()))
    post_events(port, s1, [alert("e2", 1, 6006, "10.6.6.6")])
    st, e = req(port, "GET", f"/exceptions/{eid}", token=a1)
    check("expired exception stops applying", st == 200 and e["hits"] == 1 and e["state"] == "expired"
          and len(incidents_for(port, a1, "10.6.6.6") or []) == 1, e)
    st, body = req(port, "GET", "/exceptions?state=expired", token=a1)
    check("state=expired lists it", st == 200 and [x["id"] for x in body["exceptions"]] == [eid], body)
    st, _ = req(port, "GET", "/exceptions?state=bogus", token=a1)
    check("bad state is 400", st == 400, st)

    # revoke
    st, _ = req(port, "POST", f"/exceptions/{xid}/revoke", {"reason": "done"}, token=v)
    check("viewer cannot revoke", st == 403, st)
    st, _ = req(port, "POST", f"/exceptions/{xid}/revoke", {}, token=a1)
    check("revoke without a reason is 400", st == 400, st)
    st, _ = req(port, "POST", f"/exceptions/{xid}/revoke", raw=b"nope", token=a1)
    check("revoke with malformed JSON is 400", st == 400, st)
    st, x = req(port, "POST", f"/exceptions/{xid}/revoke", {"reason": "ticket 42 closed"}, token=a1)
    check("analyst revokes", st == 200 and x["state"] == "revoked" and x["revoked_by"] == "analyst1"
          and x["revoke_reason"] == "ticket 42 closed", (st, x))
    st, _ = req(port, "POST", f"/exceptions/{xid}/revoke", {"reason": "again"}, token=a1)
    check("revoking twice is 409", st == 409, st)
    before = incidents_for(port, a1, "10.9.9.9")
    post_events(port, s1, [alert("c", i, 5002, "10.9.9.9") for i in range(2)])
    after = incidents_for(port, a1, "10.9.9.9")
    st, x = req(port, "GET", f"/exceptions/{xid}", token=a1)
    check("revoked exception stops applying", x["hits"] == 5 and after[0]["alerts"] == before[0]["alerts"] + 2,
          (x, before, after))
    st, _ = req(port, "GET", "/exceptions/999999", token=admin)
    check("missing exception is 404", st == 404, st)
    st, _ = req(port, "GET", "/exceptions/abc", token=admin)
    check("bad exception id is 404", st == 404, st)
    st, _ = req(port, "DELETE", f"/exceptions/{xid}", token=admin)
    check("exceptions cannot be deleted (405)", st == 405, st)

    # acknowledgement of one event
    st, body = req(port, "GET", "/events?limit=1", token=a1)
    eid1 = body["events"][0]["_id"]
    st, body = req(port, "GET", "/events?limit=1", token=a2)
    eid2 = body["events"][0]["_id"]
    st, _ = req(port, "POST", f"/events/{eid1}/ack", {"reason": "seen"}, token=v)
    check("viewer cannot acknowledge", st == 403, st)
    st, _ = req(port, "POST", f"/events/{eid1}/ack", {"reason": "seen"}, token=a2)
    check("other unit's event is 404 (ack)", st == 404, st)
    st, _ = req(port, "GET", f"/events/{eid1}", token=a2)
    check("other unit's event is 404 (get)", st == 404, st)
    st, _ = req(port, "POST", f"/events/{eid1}/ack", {"reason": ""}, token=a1)
    check("ack without a reason is 400", st == 400, st)
    st, _ = req(port, "POST", f"/events/{eid1}/ack", {"reason": "y" * 2000}, token=a1)
    check("ack reason over the cap is 400", st == 400, st)
    st, _ = req(port, "POST", f"/events/{eid1}/ack", raw=b"x" * 70000, token=a1)
    check("oversized ack body is 413", st == 413, st)
    st, e = req(port, "POST", f"/events/{eid1}/ack", {"reason": "known test traffic"}, token=a1)
    check("analyst acknowledges an event", st == 200 and e["_ack"]["user"] == "analyst1"
          and e["_ack"]["reason"] == "known test traffic", (st, e))
    st, _ = req(port, "POST", f"/events/{eid1}/ack", {"reason": "again"}, token=a1)
    check("acknowledging twice is 409", st == 409, st)
    st, body = req(port, "GET", "/events?limit=5", token=v)
    check("the acknowledgement shows in the search", st == 200 and body["events"][0].get("_ack", {}).get("user")
          == "analyst1", body["events"][:1])
    st, e = req(port, "GET", f"/events/{eid2}", token=a2)
    check("own unit's event by id", st == 200 and e["_id"] == eid2 and "_ack" not in e, (st, e))
    st, _ = req(port, "GET", "/events/99999999", token=admin)
    check("missing event is 404", st == 404, st)
    st, _ = req(port, "POST", "/events/99999999/ack", {"reason": "x"}, token=admin)
    check("ack of a missing event is 404", st == 404, st)

    st, body = req(port, "GET", "/audit?limit=500", token=admin)
    acts = [a["action"] for a in body.get("audit", [])] if isinstance(body, dict) else []
    check("changes are audited", acts.count("exception.create") == 3 and acts.count("exception.revoke") == 1
          and acts.count("event.ack") == 1, acts)
    detail = [a["detail"] for a in body["audit"] if a["action"] == "exception.revoke"]
    check("audit says why", detail and "ticket 42 closed" in detail[0], detail)
    st, body = req(port, "GET", "/health")
    check("healthy after bad requests", st == 200 and body["status"] == "ok")


def main():
    data = tempfile.mkdtemp(prefix="vg-exc-")
    proc, port, admin_pw = start(VIGIL, data)
    if not port or not admin_pw:
        print("server did not start")
        proc.kill()
        return 1
    try:
        run(port, admin_pw)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
    check("server exits cleanly on SIGTERM", proc.returncode == 0, proc.returncode)
    passed = sum(1 for _, ok in results if ok)
    failed = len(results) - passed
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
