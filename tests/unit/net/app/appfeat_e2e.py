#!/usr/bin/env python3
"""End-to-end checks of the app-layer features of app_feat*.c with
`vigil net -r` on captures of ../shared/conformance/suricata-verify:

- TLS: ssl_version, ssl_state, tls.random* and app-layer-event rules alert
  once per TLS session (each session is one EVE tls record); stats
  app_layer.flow/tx count the flows and transactions the records show;
  the tls custom field list is honoured;
- DNS: outputs...dns.version 2 (and SURICATA_EVE_DNS_VERSION=2 without a
  configured version) give version 2 records, the default stays version 3,
  a bad version is warned about with file:line;
- XFF: extra-data in a forward deployment gives alert.xff, the first address;
- rule errors name file:line and the reason;
- every EVE file passes Suricata 8.0.6's schema (evecheck.py).

  appfeat_e2e.py VIGIL [SHARED_DIR]      (exit 77 without SHARED_DIR)
"""
import collections
import json
import os
import subprocess
import sys
import tempfile

bad = 0


def check(cond, what):
    global bad
    if not cond:
        print("FAIL: " + what)
        bad += 1


def run(vigil, args, out, env=None):
    os.makedirs(out, exist_ok=True)
    e = dict(os.environ)
    e.pop("SURICATA_EVE_DNS_VERSION", None)
    if env:
        e.update(env)
    r = subprocess.run([vigil, "net", "-k", "none", "-l", out] + args, capture_output=True,
                       text=True, env=e)
    events = []
    eve = os.path.join(out, "eve.json")
    if os.path.exists(eve):
        events = [json.loads(l) for l in open(eve)]
    return r, events


def main():
    vigil = sys.argv[1]
    shared = sys.argv[2] if len(sys.argv) > 2 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "..", "..", "shared")
    sv = os.path.join(shared, "conformance", "suricata-verify", "tests")
    tls_pcap = os.path.join(sv, "tls", "tls-subjectaltname", "input.pcap")
    dns_pcap = os.path.join(sv, "dns", "bug-990", "input.pcap")
    xff_pcap = os.path.join(sv, "http-xff-eve-reverse-overwrite", "test.pcap")
    if not all(os.path.exists(p) for p in (tls_pcap, dns_pcap, xff_pcap)):
        print("shared captures not found: skipped")
        return 77
    files = []
    with tempfile.TemporaryDirectory() as tmp:
        # ---- TLS keywords and stats ----
        rules = os.path.join(tmp, "tls.rules")
        with open(rules, "w") as f:
            f.write('alert tls any any -> any any (msg:"a"; flow:to_server; ssl_version:tls1.2; '
                    'ssl_state:client_hello; sid:1;)\n'
                    'alert tls any any -> any any (msg:"b"; flow:to_server; tls.random; '
                    'bsize:32; sid:2;)\n'
                    'alert tls any any -> any any (msg:"c"; flow:to_client; tls.random_bytes; '
                    'bsize:28; sid:3;)\n'
                    'alert tls any any -> any any (msg:"d"; flow:to_client; '
                    'ssl_state:server_hello; sid:4;)\n'
                    'alert tls any any -> any any (msg:"e"; flow:to_client; ssl_version:sslv3; '
                    'sid:5;)\n'
                    'alert tls any any -> any any (msg:"f"; '
                    'app-layer-event:tls.invalid_record_type; sid:6;)\n'
                    'alert tls any any -> any any (msg:"g"; flow:to_server; tls.random_time; '
                    'bsize:4; sid:7;)\n')
        out = os.path.join(tmp, "tls")
        r, ev = run(vigil, ["-S", rules, "-r", tls_pcap], out)
        check(r.returncode == 0, "vigil on the TLS capture: %s" % r.stderr[-300:])
        files.append(os.path.join(out, "eve.json"))
        alerts = collections.Counter(e["alert"]["signature_id"] for e in ev
                                     if e["event_type"] == "alert")
        tls = [e for e in ev if e["event_type"] == "tls"]
        sessions = len(tls)
        check(sessions > 20, "TLS records: %d" % sessions)
        for sid in (1, 2, 3, 4, 7):
            check(alerts[sid] == sessions, "sid %d: %d alerts for %d TLS sessions" %
                  (sid, alerts[sid], sessions))
        check(alerts[5] == 0 and alerts[6] == 0, "sslv3/invalid_record_type alerted: %s" % alerts)
        stats = [e for e in ev if e["event_type"] == "stats"]
        check(len(stats) == 1, "one stats record")
        if stats:
            al = stats[-1]["stats"].get("app_layer", {})
            check(al.get("tx", {}).get("tls") == sessions,
                  "app_layer.tx.tls %s, %d sessions" % (al.get("tx", {}).get("tls"), sessions))
            ndns = sum(1 for e in ev if e["event_type"] == "dns")
            check(al.get("tx", {}).get("dns_udp") == ndns,
                  "app_layer.tx.dns_udp %s, %d dns records" % (al.get("tx", {}).get("dns_udp"),
                                                                ndns))
            nhttp = sum(1 for e in ev if e["event_type"] == "http")
            check(al.get("tx", {}).get("http") == nhttp,
                  "app_layer.tx.http %s, %d http records" % (al.get("tx", {}).get("http"), nhttp))
            flows = collections.Counter(e.get("app_proto") for e in ev if e["event_type"] == "flow")
            check(al.get("flow", {}).get("tls") == flows["tls"],
                  "app_layer.flow.tls %s, %d tls flows" % (al.get("flow", {}).get("tls"),
                                                           flows["tls"]))
        # the default (extended) fields
        check(all("version" in e["tls"] and "ja3" in e["tls"] for e in tls),
              "extended tls records carry version and ja3")

        # fingerprints switched off are not logged
        out = os.path.join(tmp, "noja3")
        r, ev = run(vigil, ["--set", "app-layer.protocols.tls.ja3-fingerprints=no", "-r",
                            tls_pcap], out)
        t = [e["tls"] for e in ev if e["event_type"] == "tls"]
        check(len(t) == sessions and all("ja3" not in x and "ja3s" not in x and "ja4" in x
                                         for x in t), "ja3-fingerprints: no")

        # ---- TLS custom fields ----
        yml = os.path.join(tmp, "custom.yaml")
        with open(yml, "w") as f:
            f.write("%YAML 1.1\n---\noutputs:\n  - eve-log:\n      enabled: yes\n"
                    "      filename: eve.json\n      types:\n        - tls:\n"
                    "            custom: [subject, certificate, chain, client_handshake, "
                    "server_handshake, no_such_field]\n")
        out = os.path.join(tmp, "custom")
        r, ev = run(vigil, ["-c", yml, "-S", rules, "-r", tls_pcap], out)
        files.append(os.path.join(out, "eve.json"))
        check("custom.yaml:9: eve-log tls custom: unknown field 'no_such_field'" in r.stderr,
              "unknown custom field warned with file:line: %s" % r.stderr[-300:])
        tls = [e["tls"] for e in ev if e["event_type"] == "tls"]
        check(len(tls) == sessions, "custom: %d tls records" % len(tls))
        check(all("client_handshake" in t and "sni" not in t and "version" not in t
                  for t in tls), "custom: only the listed fields")
        check(all(("certificate" in t and "chain" in t) == ("subject" in t) for t in tls),
              "custom: certificate and chain with the certificate's subject")

        # ---- DNS version 2 ----
        def dns_query(events):
            return [e["dns"] for e in events if e["event_type"] == "dns"]

        yml2 = os.path.join(tmp, "dns2.yaml")
        with open(yml2, "w") as f:
            f.write("%YAML 1.1\n---\noutputs:\n  - eve-log:\n      enabled: yes\n"
                    "      filename: eve.json\n      types:\n        - dns:\n"
                    "            version: 2\n")
        out = os.path.join(tmp, "dns2")
        r, ev = run(vigil, ["-c", yml2, "-r", dns_pcap], out)
        files.append(os.path.join(out, "eve.json"))
        d = dns_query(ev)
        want = {"type": "query", "id": 28390, "rrname": "code.msdn.microsoft.com",
                "rrtype": "A", "tx_id": 0}
        check(len(d) == 1 and all(d[0].get(k) == v for k, v in want.items()) and
              "queries" not in d[0], "dns version 2 (config): %s" % d)
        out = os.path.join(tmp, "dns2env")
        r, ev = run(vigil, ["-r", dns_pcap], out, env={"SURICATA_EVE_DNS_VERSION": "2"})
        files.append(os.path.join(out, "eve.json"))
        d = dns_query(ev)
        check(len(d) == 1 and d[0].get("rrname") == "code.msdn.microsoft.com",
              "dns version 2 (environment): %s" % d)
        out = os.path.join(tmp, "dns3")
        r, ev = run(vigil, ["-r", dns_pcap], out)
        files.append(os.path.join(out, "eve.json"))
        d = dns_query(ev)
        check(len(d) == 1 and d[0].get("version") == 3 and "queries" in d[0],
              "dns version 3 by default: %s" % d)
        with open(yml2, "w") as f:
            f.write("%YAML 1.1\n---\noutputs:\n  - eve-log:\n      enabled: yes\n"
                    "      filename: eve.json\n      types:\n        - dns:\n"
                    "            version: 1\n")
        r, ev = run(vigil, ["-c", yml2, "-r", dns_pcap], os.path.join(tmp, "dns1"))
        check("dns2.yaml:9: eve-log dns version '1' is not supported" in r.stderr,
              "bad dns version warned with file:line: %s" % r.stderr[-300:])
        check(all(e["dns"].get("version") == 3 for e in ev if e["event_type"] == "dns"),
              "bad dns version: version 3")

        with open(yml2, "w") as f:
            f.write("%YAML 1.1\n---\noutputs:\n  - eve-log:\n      enabled: yes\n"
                    "      filename: eve.json\n      types:\n        - dns:\n"
                    "            requests: no\n")
        r, ev = run(vigil, ["-c", yml2, "-r", dns_pcap], os.path.join(tmp, "dnsnoreq"))
        check(not [e for e in ev if e["event_type"] == "dns"], "dns requests: no")

        # ---- XFF: extra-data, forward ----
        yml3 = os.path.join(tmp, "xff.yaml")
        with open(yml3, "w") as f:
            f.write("%YAML 1.1\n---\noutputs:\n  - eve-log:\n      enabled: yes\n"
                    "      filename: eve.json\n      xff:\n        enabled: yes\n"
                    "        mode: extra-data\n        deployment: forward\n"
                    "        header: X-Forwarded-For\n      types:\n        - alert:\n"
                    "            metadata: no\n")
        xrules = os.path.join(tmp, "xff.rules")
        with open(xrules, "w") as f:
            f.write('alert http any any -> any any (msg:"x"; content:"uid"; http_server_body; '
                    'sid:1;)\n')
        out = os.path.join(tmp, "xff")
        r, ev = run(vigil, ["-c", yml3, "-S", xrules, "-r", xff_pcap], out)
        files.append(os.path.join(out, "eve.json"))
        a = [e for e in ev if e["event_type"] == "alert"]
        check(len(a) == 1 and a[0]["alert"].get("xff") == "10.2.2.2",
              "xff extra-data forward (eve-log level settings): %s" %
              [x["alert"].get("xff") for x in a])

        # `- alert` without settings takes the eve-log's xff; overwrite, reverse
        with open(yml3, "w") as f:
            f.write("%YAML 1.1\n---\noutputs:\n  - eve-log:\n      enabled: yes\n"
                    "      filename: eve.json\n      xff:\n        enabled: yes\n"
                    "        mode: overwrite\n      types:\n        - alert\n")
        r, ev = run(vigil, ["-c", yml3, "-S", xrules, "-r", xff_pcap], os.path.join(tmp, "xff3"))
        a = [e for e in ev if e["event_type"] == "alert"]
        check(len(a) == 1 and a[0]["dest_ip"] == "10.3.3.3" and "xff" not in a[0]["alert"],
              "plain alert type with eve-log xff overwrite: %s" % [x.get("dest_ip") for x in a])
        with open(yml3, "w") as f:
            f.write("%YAML 1.1\n---\noutputs:\n  - eve-log:\n      enabled: yes\n"
                    "      filename: eve.json\n      types:\n        - alert:\n"
                    "            xff:\n              enabled: yes\n"
                    "              mode: sideways\n              deployment: forward\n")
        r, ev = run(vigil, ["-c", yml3, "-S", xrules, "-r", xff_pcap], os.path.join(tmp, "xff2"))
        check("xff.yaml:11: xff mode 'sideways' is not valid; using extra-data" in r.stderr,
              "bad xff mode warned with file:line: %s" % r.stderr[-300:])
        a = [e for e in ev if e["event_type"] == "alert"]
        check(len(a) == 1 and a[0]["alert"].get("xff") == "10.2.2.2",
              "bad xff mode falls back to extra-data")

        # ---- rule errors ----
        badr = os.path.join(tmp, "bad.rules")
        with open(badr, "w") as f:
            f.write('alert tls any any -> any any (msg:"v"; ssl_version:tls9; sid:1;)\n'
                    'alert tls any any -> any any (msg:"s"; ssl_state:hello; sid:2;)\n'
                    'alert http any any -> any any (msg:"e"; app-layer-event:http.nope; sid:3;)\n'
                    'alert dns any any -> any any (msg:"t"; ssl_state:client_hello; sid:4;)\n'
                    'alert dns any any -> any any (msg:"ok"; app-layer-event:dns.z_flag_set; '
                    'sid:5;)\n')
        r = subprocess.run([vigil, "net", "-T", "-S", badr], capture_output=True, text=True)
        for line, why in ((1, "unknown version"), (2, "unknown state"),
                          (3, "unknown http event"), (4, "conflicts")):
            check(any(("bad.rules:%d" % line) in l and why in l for l in r.stderr.splitlines()),
                  "bad.rules:%d: %s not reported: %s" % (line, why, r.stderr[-500:]))
        check("1 rules successfully loaded" in r.stdout + r.stderr,
              "the good rule loads: %s" % (r.stdout + r.stderr)[-300:])

        checker = os.path.join(shared, "conformance", "eve-schema", "evecheck.py")
        files = [f for f in files if os.path.exists(f)]
        if os.path.exists(checker):
            r = subprocess.run([sys.executable, checker] + files, capture_output=True, text=True)
            check(r.returncode == 0, "EVE schema: %s %s" % (r.stdout[-1500:], r.stderr[-500:]))
        else:
            print("evecheck.py not found: schema check skipped")
    print("appfeat e2e: %s" % ("ok" if not bad else "%d problems" % bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
