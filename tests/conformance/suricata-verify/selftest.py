#!/usr/bin/env python3
"""selftest.py: checks that svrun.py scores exactly as svcheck.py does.

1. The matchers: svrun's event_matches/version_ok against svcheck's
   match/version_ok on a generated corpus of events and filter specs
   (types, missing keys, lists, indexes, operators, has-key...).
2. The runs: svrun.py and svcheck.py with fake_engine.py on every test:
   the same command lines and working folders (recorded by the fake
   engine), the same verdicts (--cross-check); and the README's reference
   point for an engine writing an empty eve.json: 10 of the 98 class a/a+
   tests and 19 of the 155 b/c/d tests.

usage: selftest.py [--shared DIR]     exit 0 ok, 1 mismatch, 77 no ../shared
"""
import argparse
import importlib.util
import itertools
import json
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import svrun  # noqa: E402


def load_svcheck(path):
    spec = importlib.util.spec_from_file_location("svcheck", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


EVENTS = [
    {},
    {"event_type": "alert", "alert": {"signature_id": 1, "gid": 1, "rev": 0, "signature": "VIGIL x",
                                      "metadata": {"a": ["b", "c"]}, "action": "allowed"},
     "flow": {"alerted": True, "pkts_toserver": 3, "bytes": 1.5}, "flow_id": 0, "app_proto": "http",
     "tx_id": None, "list": [1, {"k": "v"}, [2, 3]], "s": "abcabc", "b": False, "n": 0},
    {"event_type": "flow", "flow": {"alerted": False, "state": "closed", "reason": "shutdown",
                                    "pkts_toserver": 1, "pkts_toclient": 0}, "proto": "TCP",
     "alert": "not-a-dict", "s": "", "n": 1, "b": True, "list": []},
    {"event_type": "stats", "stats": {"decoder": {"pkts": 10}}, "n": 1.0, "s": ["abc"], "list": "abc"},
    [1, 2],
    "a string event",
]
KEYS = ["event_type", "alert.signature_id", "alert.signature", "alert.metadata.a", "alert.metadata.a[1]",
        "alert.metadata.a[5]", "flow.alerted", "flow.pkts_toserver", "flow.bytes", "flow_id", "tx_id",
        "list[1].k", "list[2][1]", "list[0]", "list.__len", "s.__len", "n.__len", "alert.__len",
        "missing.__len", "s", "n", "b", "missing", "stats.decoder.pkts", "s__find", "s.__find",
        "alert.signature.__startswith", "alert.signature.__endswith", "s.__contains", "list.__contains",
        "alert.metadata.__contains", "n.__gt", "n.__gte", "n.__lt", "n.__lte", "b.__gt",
        "flow.pkts_toserver.__gte", "s.__gt", "flow.state__endswith"]
VALUES = [None, 0, 1, 1.0, True, False, "1", "abc", "a", "", "VIGIL", "x", "closed", "ed", 3,
          [1], {"k": "v"}, "alert", "flow", "http", "b", 2, -1]


def check_matchers(sv):
    bad = 0
    n = 0
    for ev in EVENTS:
        for key, val in itertools.product(KEYS, VALUES):
            for spec in ({key: val}, {"has-key": key}, {"not-has-key": [key, "event_type"]},
                         {"event_type": val, key: val}):
                n += 1
                try:
                    want = sv.match(ev, spec)
                except Exception as e:  # svcheck itself raising is a case we cannot mirror
                    want = "raise %s" % type(e).__name__
                got = svrun.event_matches(ev, spec)
                if got != want:
                    bad += 1
                    if bad < 20:
                        print("matcher differs on %s with %s: svrun %s, svcheck %s"
                              % (json.dumps(ev), spec, got, want))
    reqs = [None, {}, {"min-version": "8"}, {"min-version": 8}, {"min-version": "8.0.1"},
            {"min-version": "7.0.3"}, {"lt-version": "8"}, {"lt-version": "9"}, {"gt-version": "7"},
            {"gt-version": "8.0"}, {"version": "8.0.0"}, {"version": "8"}, {"min-version": "9.0.0-dev"},
            {"min-version": "8", "lt-version": "8.0.1"}, {"features": ["HAVE_X"]}]
    for r in reqs:
        n += 1
        if sv.version_ok(r) != svrun.version_ok(r):
            bad += 1
            print("version_ok differs on %s" % r)
    print("selftest: matcher: %d cases, %d differ" % (n, bad))
    return bad == 0


def run(cmd):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return p.returncode, p.stdout


def argv_logs(root, outdir_of):
    logs = {}
    for d in sorted(os.listdir(root)):
        f = os.path.join(root, d, "fake-argv.json")
        if os.path.exists(f):
            with open(f) as fh:
                rec = json.load(fh)
            out = outdir_of(d)
            rec["argv"] = ["OUTDIR" if a == out else a for a in rec["argv"]]
            logs[d] = rec
    return logs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default=os.path.join(HERE, "../../../../shared"))
    a = ap.parse_args()
    suite = os.path.join(os.path.abspath(a.shared), "conformance", "suricata-verify")
    svcheck = os.path.join(suite, "svcheck.py")
    if not os.path.exists(svcheck):
        print("selftest: skipped: %s is absent" % svcheck)
        return 77
    ok = check_matchers(load_svcheck(svcheck))
    fake = os.path.join(HERE, "fake_engine.py")
    with tempfile.TemporaryDirectory(prefix="svrun-selftest-") as tmp:
        # Reference point: an empty eve.json.
        rc, out = run([sys.executable, os.path.join(HERE, "svrun.py"), "--shared", a.shared,
                       "--engine", "%s %s --fake-mode=empty" % (sys.executable, fake), "-q",
                       "--no-baseline", "--expect", "a/a+=10", "--expect", "b..d+=19",
                       "--out", os.path.join(tmp, "empty")])
        print("\n".join(l for l in out.splitlines() if not l.startswith("FAIL")))
        ok &= rc == 0
        # Varied events: verdicts (--cross-check) and command lines must agree.
        engine = "%s %s --fake-mode=sids" % (sys.executable, fake)
        rc, out = run([sys.executable, os.path.join(HERE, "svrun.py"), "--shared", a.shared,
                       "--engine", engine, "-q", "--no-baseline", "--cross-check",
                       "--out", os.path.join(tmp, "sids"), "--cross-check-out", os.path.join(tmp, "ref")])
        print("\n".join(l for l in out.splitlines() if l.startswith(("cross", "CROSS", "  ", "svrun"))))
        ok &= rc == 0
        # Crashes: a run where the engine dies fails under --fail-on-crash,
        # while the verdicts stay svcheck.py's (an empty eve.json can pass).
        for mode in ("abort", "asan"):
            rc, out = run([sys.executable, os.path.join(HERE, "svrun.py"), "--shared", a.shared,
                           "--engine", "%s %s --fake-mode=%s" % (sys.executable, fake, mode), "-q",
                           "--no-baseline", "--fail-on-crash", "--class", "a,a+", "--expect", "a/a+=10",
                           "--out", os.path.join(tmp, mode)])
            crashed = re.search(r"^engine crashes \((\d+)\)", out, re.M)
            good = rc == 1 and crashed and int(crashed.group(1)) == 98 and "EXPECTED" not in out
            print("selftest: crash detection (%s): %s" % (mode, "ok" if good else "FAILED\n" + out[-2000:]))
            ok &= bool(good)
        mine = argv_logs(os.path.join(tmp, "sids"), lambda d: os.path.join(tmp, "sids", d))
        ref = argv_logs(os.path.join(tmp, "ref"), lambda d: os.path.join(tmp, "ref", d))
        diff = [d for d in sorted(set(mine) | set(ref)) if mine.get(d) != ref.get(d)]
        for d in diff[:10]:
            print("command line differs for %s:\n  svrun   %s\n  svcheck %s" % (d, mine.get(d), ref.get(d)))
        print("selftest: command lines: %d tests, %d differ" % (len(ref), len(diff)))
        ok &= not diff and len(ref) > 200
    print("selftest: %s" % ("ok" if ok else "FAILED"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
