#!/usr/bin/env python3
"""evetest.py: every EVE line vigil writes must validate against Suricata's schema.

1. Runs `vigil net -r CAPTURE -S RULES -l DIR` on every capture under
   ../shared/pcaps (and the bundled data/pcaps/sample.pcap) with a small
   ruleset (data/rules/vigil.rules); each run must exit 0 with no sanitizer
   report and write eve.json (the test build runs under ASan+UBSan).
2. Takes the eve.json files of the suricata-verify conformance run
   (svrun.py's output folder, when it is complete and was made by this very
   binary; otherwise it runs svrun.py itself to make them).
3. Validates every line of all of them with
   ../shared/conformance/eve-schema/evecheck.py (Suricata 8.0.6's strict
   schema) and fails on any invalid line.

usage: evetest.py --vigil PATH [--shared DIR] [--rules FILE] [--sample PCAP]
                  [--sv-out DIR] [--out DIR] [--timeout S] [--no-conformance]
Exit codes: 0 ok, 1 a failure, 77 ../shared absent (or vigil net not there yet).
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "../../.."))
SANITIZER_RE = re.compile(rb"ERROR: (Address|Leak|Memory|Thread)Sanitizer|runtime error:")
NOT_THERE = b"not implemented"


def captures(shared, sample):
    found = []
    for d, _, files in os.walk(os.path.join(shared, "pcaps")):
        for f in files:
            if f.endswith((".pcap", ".pcapng", ".cap")):
                found.append(os.path.join(d, f))
    found.sort()
    if sample and os.path.exists(sample):
        found.insert(0, sample)
    return found


def run_capture(vigil, cap, rules, outdir, timeout):
    """None when the run is clean, else the reason."""
    shutil.rmtree(outdir, ignore_errors=True)
    os.makedirs(outdir)
    cmd = [vigil, "net", "-r", cap, "-S", rules, "-l", outdir]
    t0 = time.monotonic()
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout)
    except subprocess.TimeoutExpired:
        return "timeout after %gs" % timeout, 0
    secs = time.monotonic() - t0
    with open(os.path.join(outdir, "evetest.log"), "wb") as f:
        f.write(p.stdout)
    tail = p.stdout[-400:].decode(errors="replace").strip()
    if p.returncode < 0:
        return "killed by signal %d: %s" % (-p.returncode, tail), secs
    if SANITIZER_RE.search(p.stdout):
        m = SANITIZER_RE.search(p.stdout)
        ctx = p.stdout[max(0, m.start() - 100):m.start() + 300].decode(errors="replace")
        return "sanitizer report (exit %d): %s" % (p.returncode, ctx), secs
    if p.returncode != 0:
        return "exit %d: %s" % (p.returncode, tail), secs
    if not os.path.exists(os.path.join(outdir, "eve.json")):
        return "no eve.json written", secs
    return None, secs


def conformance_eves(args, workdir):
    """eve.json files of a complete suricata-verify run made by this binary."""
    out = args.sv_out
    marker = os.path.join(out, "svrun-complete.json") if out else ""
    fresh = False
    if marker and os.path.exists(marker):
        with open(marker) as f:
            m = json.load(f)
        fresh = (m.get("engine_mtime") == os.path.getmtime(args.vigil)
                 and os.path.realpath(m.get("engine", [""])[0]) == os.path.realpath(args.vigil))
    if not fresh:
        out = os.path.join(workdir, "suricata-verify")
        print("evetest: no fresh conformance outputs; running svrun.py into %s" % out, flush=True)
        svrun = os.path.join(HERE, "..", "suricata-verify", "svrun.py")
        subprocess.run([sys.executable, svrun, "--vigil", args.vigil, "--shared", args.shared,
                        "--out", out, "--no-baseline", "-q", "--timeout", str(args.timeout)],
                       stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    else:
        print("evetest: using the conformance outputs in %s" % out)
    eves = []
    for d in sorted(os.listdir(out)) if os.path.isdir(out) else []:
        e = os.path.join(out, d, "eve.json")
        if os.path.exists(e):
            eves.append(e)
    return eves


def evecheck(checker, eves):
    """(lines passed, lines failed, messages) over all files."""
    ok = bad = 0
    msgs = []
    for i in range(0, len(eves), 100):
        p = subprocess.run([sys.executable, checker] + eves[i:i + 100], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
        for line in p.stdout.splitlines():
            m = re.match(r"^evecheck: (\d+) passed, (\d+) failed", line)
            if m:
                ok += int(m.group(1))
                bad += int(m.group(2))
            else:
                msgs.append(line)
        if p.returncode not in (0, 1):
            msgs.append("evecheck.py exited %d" % p.returncode)
            bad += 1
    return ok, bad, msgs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vigil", required=True)
    ap.add_argument("--shared", default=os.path.join(ROOT, "..", "shared"))
    ap.add_argument("--rules", default=os.path.join(ROOT, "data", "rules", "vigil.rules"))
    ap.add_argument("--sample", default=os.path.join(ROOT, "data", "pcaps", "sample.pcap"))
    ap.add_argument("--sv-out", help="svrun.py's output folder (conformance outputs)")
    ap.add_argument("--out", help="work folder (default: temporary)")
    ap.add_argument("--timeout", type=float, default=180)
    ap.add_argument("--no-conformance", action="store_true", help="only the captures")
    args = ap.parse_args()
    args.vigil = os.path.abspath(args.vigil)
    if not os.access(args.vigil, os.X_OK):
        print("evetest: %s is not an executable (build it first)" % args.vigil)
        return 1
    args.shared = os.path.abspath(args.shared)
    checker = os.path.join(args.shared, "conformance", "eve-schema", "evecheck.py")
    if not os.path.exists(checker):
        print("evetest: skipped: %s is absent" % checker)
        return 77
    try:
        import jsonschema  # noqa: F401
    except ImportError:
        print("evetest: python3 jsonschema is missing (Debian: python3-jsonschema)")
        return 1
    work = os.path.abspath(args.out) if args.out else tempfile.mkdtemp(prefix="evetest-")
    os.makedirs(work, exist_ok=True)

    failures = []
    eves = []
    caps = captures(args.shared, args.sample)
    for cap in caps:
        name = os.path.relpath(cap, os.path.join(args.shared, "pcaps")) if cap != args.sample else "sample.pcap"
        outdir = os.path.join(work, "pcaps", name.replace("/", "__"))
        why, secs = run_capture(args.vigil, cap, args.rules, outdir, args.timeout)
        if why and NOT_THERE in why.encode() and cap == caps[0]:
            print("evetest: skipped: vigil net is not there yet (%s)" % why[:200])
            return 77
        if why:
            failures.append("%s: %s" % (name, why))
            print("FAIL %-45s %s" % (name, why[:300]), flush=True)
        else:
            eves.append(os.path.join(outdir, "eve.json"))
            with open(eves[-1], "rb") as f:
                n = sum(1 for line in f if line.strip())
            print("ok   %-45s %5.1fs %6d EVE lines" % (name, secs, n), flush=True)
    print("evetest: vigil net -r: %d of %d captures ran clean" % (len(caps) - len(failures), len(caps)))

    sv = [] if args.no_conformance else conformance_eves(args, work)
    ok, bad, msgs = evecheck(checker, eves + sv)
    for m in msgs[:40]:
        print(m)
    if len(msgs) > 40:
        print("... %d more invalid lines" % (len(msgs) - 40))
    by_type = {}
    for m in msgs:
        k = re.sub(r"^\S+:\d+: ", "", m)[:120]
        by_type[k] = by_type.get(k, 0) + 1
    if by_type:
        print("invalid lines by error:")
        for k, n in sorted(by_type.items(), key=lambda kv: -kv[1])[:15]:
            print("  %5d  %s" % (n, k))
    print("evetest: schema: %d EVE files (%d captures, %d conformance tests), %d lines valid, %d invalid"
          % (len(eves) + len(sv), len(eves), len(sv), ok, bad))
    if bad:
        failures.append("%d invalid EVE lines" % bad)
    print("%d passed, %d failed" % (1 if not failures else 0, 1 if failures else 0))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
