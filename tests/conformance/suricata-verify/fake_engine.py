#!/usr/bin/env python3
"""fake_engine.py: a stand-in for `vigil net` that tests the conformance runner.

    fake_engine.py [--fake-mode=MODE] [suricata-style args] -l OUTDIR ... [-S RULES]

Modes:
  empty  write an empty OUTDIR/eve.json (the README's reference point: 10 of
         the 98 class a/a+ tests and 19 of the 155 b/c/d tests pass)
  sids   write one alert per rule of RULES (signature_id, gid, rev, signature,
         an action, a flow record and a few typed fields), so that the
         runner's matcher and svcheck.py's see varied, non-trivial events
  none   write nothing and exit 2 (an engine that is not there yet)
  junk   write a line that is not JSON
  abort  write an empty eve.json, then die by SIGABRT (as ASan with abort_on_error)
  asan   write an empty eve.json, print a sanitizer report and exit 1
"""
import json
import os
import re
import sys


def rules_of(path):
    out = []
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                line = line.strip()
                if not line or line.startswith("#"):
                    continue
                sid = re.search(r"[(;]\s*sid\s*:\s*(\d+)", line)
                if not sid:
                    continue
                rev = re.search(r";\s*rev\s*:\s*(\d+)", line)
                gid = re.search(r";\s*gid\s*:\s*(\d+)", line)
                msg = re.search(r'msg\s*:\s*"((?:[^"\\]|\\.)*)"', line)
                out.append((line.split()[0], int(sid.group(1)), int(rev.group(1)) if rev else 0,
                            int(gid.group(1)) if gid else 1, msg.group(1) if msg else ""))
    except OSError:
        pass
    return out


def main(argv):
    mode = "empty"
    outdir = rules = None
    i = 0
    while i < len(argv):
        a = argv[i]
        if a.startswith("--fake-mode="):
            mode = a.split("=", 1)[1]
        elif a == "-l" and i + 1 < len(argv):
            outdir = argv[i + 1]
            i += 1
        elif a == "-S" and i + 1 < len(argv):
            rules = argv[i + 1]
            i += 1
        i += 1
    if outdir is not None:  # what the runner passed, for the self-test to compare
        with open(outdir + "/fake-argv.json", "w") as f:
            json.dump({"cwd": os.getcwd(), "argv": argv}, f)
    if mode == "none" or outdir is None:
        print("fake engine: not implemented", file=sys.stderr)
        return 2
    with open(outdir + "/eve.json", "w") as f:
        if mode in ("abort", "asan"):
            pass
        elif mode == "junk":
            f.write('{"event_type": "alert"\n')
        elif mode == "sids":
            for n, (action, sid, rev, gid, msg) in enumerate(rules_of(rules) if rules else []):
                ev = {"timestamp": "2024-01-01T00:00:00.000000+0000", "flow_id": 1000 + n,
                      "pcap_cnt": n + 1, "event_type": "alert", "src_ip": "10.0.0.1",
                      "src_port": 1024 + n, "dest_ip": "10.0.0.2", "dest_port": 80, "proto": "TCP",
                      "alert": {"action": "blocked" if action in ("drop", "reject") else "allowed",
                                "gid": gid, "signature_id": sid, "rev": rev, "signature": msg,
                                "category": "", "severity": 3, "metadata": {"tag": ["x"]}},
                      "flow": {"alerted": True, "pkts_toserver": n, "bytes_toserver": 0.0},
                      "app_proto": "http" if n % 2 else "failed"}
                f.write(json.dumps(ev) + "\n\n")
            f.write(json.dumps({"event_type": "stats", "stats": {"uptime": 0}}) + "\n")
    if mode == "abort":
        sys.stdout.flush()
        os.abort()
    if mode == "asan":
        print("==1==ERROR: AddressSanitizer: heap-use-after-free on address 0x602000000010")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
