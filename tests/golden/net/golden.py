#!/usr/bin/env python3
"""golden.py: `vigil net` on fixed captures must write the expected EVE lines.

First, every rule of data/rules/vigil.rules must load (`vigil net -T`).
Then each case runs `vigil net -r CAPTURE -S data/rules/vigil.rules -l DIR` and
compares its alert and flow events with tests/golden/net/expected/CASE.jsonl.
Both sides are normalised first: the fields that vary with the clock, the
timezone or the flow hash (timestamp, flow_id, flow.start, flow.end) are
removed, stats and other event types are left out, and each event becomes
one JSON line with sorted keys; the lines are compared as a sorted list
(flow records leave the flow table in hash order).

VG_GOLDEN_UPDATE=1 rewrites the expectations from the current engine, on
purpose: review the diff (`git diff tests/golden/net/expected`) before
committing it.  Cases whose capture lives in ../shared are skipped when it
is absent.  Exit: 0 ok, 1 a difference or a failed run, 77 nothing to check.
"""
import argparse
import difflib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "../../.."))
# name, capture (ROOT/ or SHARED/ relative), rules (ROOT relative)
CASES = [
    ("sample", "ROOT/data/pcaps/sample.pcap", "data/rules/vigil.rules"),
    ("dvwa-sqlinjection", "SHARED/pcaps/chrissanders/http_dvwa_sqlinjection.pcapng", "data/rules/vigil.rules"),
    ("webattack-sqlinj", "SHARED/pcaps/ndpi/WebattackSQLinj.pcap", "data/rules/vigil.rules"),
    ("dns-tunnel-iodine", "SHARED/pcaps/ndpi/dns-tunnel-iodine.pcap", "data/rules/vigil.rules"),
    # pcre captures into flow/packet variables and their EVE metadata
    ("vars", "ROOT/data/pcaps/sample.pcap", "tests/golden/net/vars.rules"),
]
KEEP_TYPES = ("alert", "flow")
DROP = ("timestamp", "flow_id", "flow.start", "flow.end")
SANITIZER_RE = re.compile(rb"ERROR: (Address|Leak|Memory|Thread)Sanitizer|runtime error:")


def normalise(event):
    for path in DROP:
        parts = path.split(".")
        obj = event
        for p in parts[:-1]:
            obj = obj.get(p) if isinstance(obj, dict) else None
        if isinstance(obj, dict):
            obj.pop(parts[-1], None)
    return json.dumps(event, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def eve_lines(path):
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            ev = json.loads(line)
            if ev.get("event_type") in KEEP_TYPES:
                out.append(normalise(ev))
    return sorted(out)


def run_case(vigil, cap, rules, outdir):
    shutil.rmtree(outdir, ignore_errors=True)
    os.makedirs(outdir)
    p = subprocess.run([vigil, "net", "-r", cap, "-S", rules, "-l", outdir],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=300)
    text = p.stdout.decode(errors="replace")
    if p.returncode != 0 or SANITIZER_RE.search(p.stdout):
        return None, "exit %d: %s" % (p.returncode, text[-1500:])
    eve = os.path.join(outdir, "eve.json")
    if not os.path.exists(eve):
        return None, "no eve.json: %s" % text[-500:]
    return eve_lines(eve), ""


def check_rules_load(vigil, rules):
    """Every rule of a bundled ruleset must load: `vigil net -T` says so."""
    with open(rules, encoding="utf-8") as f:
        n = sum(1 for line in f if line.strip() and not line.lstrip().startswith("#"))
    p = subprocess.run([vigil, "net", "-T", "-S", rules], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=120)
    text = p.stdout.decode(errors="replace")
    want = "%d rules successfully loaded, 0 rules failed" % n
    if p.returncode != 0 or want not in text or SANITIZER_RE.search(p.stdout):
        return "expected '%s' (exit 0), got exit %d: %s" % (want, p.returncode, text[-800:])
    return ""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vigil", required=True)
    ap.add_argument("--root", default=ROOT)
    ap.add_argument("--shared", default=os.path.join(ROOT, "..", "shared"))
    ap.add_argument("--expected", default=os.path.join(HERE, "expected"))
    ap.add_argument("--only", nargs="*", default=[])
    args = ap.parse_args()
    update = os.environ.get("VG_GOLDEN_UPDATE") == "1"
    vigil = os.path.abspath(args.vigil)
    if not os.access(vigil, os.X_OK):
        print("golden-net: %s is not an executable (build it first)" % vigil)
        return 1
    have_any = any(os.path.exists(os.path.join(args.expected, c[0] + ".jsonl")) for c in CASES)
    if not have_any and not update:
        print("golden-net: skipped: no expectations in %s yet "
              "(make them with VG_GOLDEN_UPDATE=1 once vigil net works, then review them)" % args.expected)
        return 77
    bad = checked = 0
    for rules in sorted({c[2] for c in CASES}):
        why = check_rules_load(vigil, os.path.join(args.root, rules))
        checked += 1
        if why:
            bad += 1
            print("FAIL %-20s %s" % (os.path.basename(rules), why))
        else:
            print("PASS %-20s every rule loads (vigil net -T)" % os.path.basename(rules))
    with tempfile.TemporaryDirectory(prefix="golden-net-") as tmp:
        for name, cap, rules in CASES:
            if args.only and name not in args.only:
                continue
            cap = cap.replace("ROOT", os.path.abspath(args.root), 1).replace(
                "SHARED", os.path.abspath(args.shared), 1)
            if not os.path.exists(cap):
                print("skip %-20s %s is absent" % (name, cap))
                continue
            exp = os.path.join(args.expected, name + ".jsonl")
            got, why = run_case(vigil, cap, os.path.join(args.root, rules), os.path.join(tmp, name))
            if got is None:
                print("FAIL %-20s vigil net failed: %s" % (name, why))
                bad += 1
                continue
            if update:
                os.makedirs(args.expected, exist_ok=True)
                with open(exp, "w", encoding="utf-8") as f:
                    f.write("".join(l + "\n" for l in got))
                print("UPDATED %-17s %d lines -> %s" % (name, len(got), exp))
                continue
            if not os.path.exists(exp):
                print("FAIL %-20s no expectation %s (VG_GOLDEN_UPDATE=1 makes it)" % (name, exp))
                bad += 1
                continue
            with open(exp, encoding="utf-8") as f:
                want = [l.rstrip("\n") for l in f if l.strip()]
            checked += 1
            if got == want:
                print("PASS %-20s %d lines" % (name, len(got)))
                continue
            bad += 1
            diff = list(difflib.unified_diff(want, got, "expected/" + name + ".jsonl", "vigil", lineterm="", n=0))
            print("FAIL %-20s %d lines differ (- expected, + vigil):" % (name, sum(
                1 for d in diff if d[:1] in "+-" and d[:3] not in ("+++", "---"))))
            for d in diff[:40]:
                print("  " + d[:400])
            if len(diff) > 40:
                print("  ... %d more diff lines" % (len(diff) - 40))
    if update:
        print("golden-net: expectations rewritten; review them with git diff before committing")
        return 1 if bad else 0
    print("%d passed, %d failed" % (checked - (bad if bad <= checked else checked), bad))
    return 1 if bad else (0 if checked else 77)


if __name__ == "__main__":
    sys.exit(main())
