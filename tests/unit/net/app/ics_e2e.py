#!/usr/bin/env python3
"""End-to-end check of the industrial protocols: `vigil net -r` on the
captures of ics/ with ics/ics.rules and ics/ics.yaml; the alerts (signature
and transaction), the modbus/dnp3 EVE records and some of their fields must
be those of ics/expect.json, so are the applayer anomaly records, and every EVE line must pass Suricata 8.0.6's
schema (../shared/conformance/eve-schema/evecheck.py, skipped when absent).

  ics_e2e.py VIGIL [SHARED_DIR]
"""
import collections
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "ics")


def get(obj, path):
    for k in path.split("."):
        obj = obj[int(k)] if isinstance(obj, list) else obj[k]
    return obj


def main():
    vigil = sys.argv[1]
    shared = sys.argv[2] if len(sys.argv) > 2 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "..", "..", "shared")
    expect = json.load(open(os.path.join(HERE, "expect.json")))
    bad = 0
    files = []
    with tempfile.TemporaryDirectory() as tmp:
        for pcap, exp in sorted(expect.items()):
            out = os.path.join(tmp, pcap)
            os.makedirs(out)
            r = subprocess.run([vigil, "net", "-q", "-c", os.path.join(HERE, "ics.yaml"),
                                "-S", os.path.join(HERE, "ics.rules"), "-r",
                                os.path.join(HERE, pcap), "-l", out],
                               capture_output=True, text=True)
            if r.returncode != 0:
                print("%s: vigil failed: %s" % (pcap, r.stderr))
                bad += 1
                continue
            eve = os.path.join(out, "eve.json")
            files.append(eve)
            events = [json.loads(l) for l in open(eve)]
            counts = collections.Counter(e["event_type"] for e in events)
            for t, n in exp["records"].items():
                if counts[t] != n:
                    print("%s: %d %s records, expected %d" % (pcap, counts[t], t, n))
                    bad += 1
            anomalies = sorted(e["anomaly"]["event"] for e in events
                               if e["event_type"] == "anomaly" and
                               e["anomaly"].get("type") == "applayer")
            if anomalies != sorted(exp.get("anomalies", [])):
                print("%s: applayer anomalies %s, expected %s" %
                      (pcap, anomalies, sorted(exp.get("anomalies", []))))
                bad += 1
            alerts = collections.defaultdict(list)
            for e in events:
                if e["event_type"] == "alert":
                    alerts[str(e["alert"]["signature_id"])].append(e.get("tx_id"))
                    # the transaction's metadata: modbus as its record, dnp3 under
                    # "request" or "response" (Suricata's alert output)
                    app = e.get("app_proto")
                    if app not in e or (app == "dnp3" and len(e["dnp3"]) != 1):
                        print("%s: alert %s without its %s metadata" % (pcap, e["alert"]["signature_id"], app))
                        bad += 1
            for sid, txs in exp["alerts"].items():
                if sorted(alerts.get(sid, [])) != txs:
                    print("%s: sid %s alerted on tx %s, expected %s" %
                          (pcap, sid, sorted(alerts.get(sid, [])), txs))
                    bad += 1
            recs = {}
            for e in events:
                if e["event_type"] in ("modbus", "dnp3"):
                    recs.setdefault((e["event_type"], e["tx_id"]), e[e["event_type"]])  # first flow
            for typ, tx, path, val in exp["fields"]:
                try:
                    got = get(recs[(typ, tx)], path)
                except (KeyError, IndexError):
                    got = "<absent>"
                if got != val:
                    print("%s: %s tx %d %s = %r, expected %r" % (pcap, typ, tx, path, got, val))
                    bad += 1
        checker = os.path.join(shared, "conformance", "eve-schema", "evecheck.py")
        if files and os.path.exists(checker):
            r = subprocess.run([sys.executable, checker] + files, capture_output=True, text=True)
            print(r.stdout.strip().splitlines()[-1] if r.stdout.strip() else r.stderr.strip())
            if r.returncode != 0:
                print(r.stdout[-2000:], r.stderr[-2000:])
                bad += 1
        else:
            print("evecheck.py not found: schema check skipped")
    print("ics e2e: %s" % ("ok" if not bad else "%d problems" % bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
