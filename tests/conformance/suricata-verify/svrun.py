#!/usr/bin/env python3
"""svrun.py: vigil's runner for suricata-verify style conformance tests.

A test is a folder with test.yaml, a pcap and a rules file.  The engine is
called the way suricata-verify calls suricata (and the way the reference
scorer ../shared/conformance/suricata-verify/svcheck.py does):

    ENGINE [test.yaml args, ${TEST_DIR} expanded] -l OUTDIR
           [--simulate-ips if "ips" is in the test's folder name]
           [-c TESTDIR/suricata.yaml] -r PCAP [-S RULES]

with the test folder as working directory.  Each `filter` check whose own
`requires` Suricata 8.0.0 meets counts the lines of OUTDIR/eve.json that
match all its fields; the test passes when every count is exact.  The
test-level `requires` is not consulted (svcheck.py does not either), and a
test with no applicable filter check is skipped.

This file must score exactly as svcheck.py does; `--cross-check` runs
svcheck.py on the same tests and engine and reports every disagreement.
It adds: parallel workers, a per-class score table (CLASSES.tsv), a
committed baseline (per-class minimum passing counts and the tests that
passed) that the run must not fall below, and crash detection (an engine
killed by a signal or reporting a sanitizer error).

Exit codes: 0 ok, 1 score below baseline / crash / disagreement with
svcheck.py / --expect not met, 2 usage, 77 the shared folder is absent.
Needs python3 with PyYAML (Debian: python3-yaml).
"""
import argparse
import concurrent.futures
import glob
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time

try:
    import yaml
except ImportError:  # pragma: no cover - reported as a skip, not a crash
    yaml = None

SKIP = 77
ENGINE_VERSION = (8, 0, 0)  # scored against Suricata 8.0 behaviour
CMP_OPS = ("__gt", "__gte", "__lt", "__lte")
STR_OPS = ("__contains", "__find", "__startswith", "__endswith")
# Rows of the score table: label and the CLASSES.tsv classes it sums.
# The one test of class "c,d" (DNS and TLS keywords) counts in both rows.
ROWS = [("a", ("a",)), ("a+", ("a+",)), ("a/a+", ("a", "a+")),
        ("b/b+", ("b", "b+")), ("c/c+", ("c", "c+", "c,d")),
        ("d/d+", ("d", "d+", "c,d")), ("b..d+", ("b", "b+", "c", "c+", "c,d", "d", "d+"))]
SANITIZER_RE = re.compile(rb"ERROR: (Address|Leak|Memory|Thread)Sanitizer|runtime error:")


# ---------------------------------------------------------------- scoring

def version_ok(requires):
    """True when Suricata 8.0.0 meets a check's version requirements.

    Versions compare on their numeric dotted parts, truncated to the length
    of the requirement ("8" matches 8.0.0, "8.0.1" does not)."""
    requires = requires or {}
    tests = (("min-version", lambda c: c >= 0), ("lt-version", lambda c: c < 0),
             ("gt-version", lambda c: c > 0), ("version", lambda c: c == 0))
    for key, ok in tests:
        if key not in requires:
            continue
        want = tuple(int(p) for p in str(requires[key]).split(".") if p.isdigit())
        have = ENGINE_VERSION[:len(want)]
        if not ok((have > want) - (have < want)):
            return False
    return True


_INDEX_RE = re.compile(r"^(.*)\[(\d+)\]$")


def lookup(event, path):
    """Value at a dotted path ("a.b[2].c"), or None when absent.

    "__len" yields the length of the value reached (-1 when it has none);
    an operator part (__contains, __gt...) ends the walk."""
    cur = event
    for part in path.split("."):
        if part == "__len":
            try:
                return len(cur)
            except TypeError:
                return -1
        if part in STR_OPS or part in CMP_OPS:
            break
        m = _INDEX_RE.match(part)
        key, idx = (m.group(1), int(m.group(2))) if m else (part, None)
        if not isinstance(cur, dict) or key not in cur:
            return None
        cur = cur[key]
        if idx is not None:
            try:
                cur = cur[idx]
            except (IndexError, KeyError, TypeError):
                return None
    return cur


def field_ok(key, want, event):
    """One field of a filter's match against one event."""
    if key in ("has-key", "not-has-key"):
        for path in (want if isinstance(want, list) else [want]):
            if (lookup(event, path) is not None) != (key == "has-key"):
                return False
        return True
    val = lookup(event, key)
    last = key.rsplit(".", 1)[-1]
    try:
        if key.endswith("__find"):
            return val is not None and val.find(want) >= 0
        if key.endswith("__contains"):
            return val is not None and want in val
        if key.endswith("__startswith"):
            return val is not None and val.startswith(want)
        if key.endswith("__endswith"):
            return val is not None and val.endswith(want)
        if last in CMP_OPS:
            if isinstance(val, bool) or not isinstance(val, (int, float)):
                return False
            return {"__gt": val > want, "__gte": val >= want,
                    "__lt": val < want, "__lte": val <= want}[last]
        # Python equality (1 == 1.0, 1 != "1"), but an event's true/false
        # only equals a YAML true/false, never 1/0.
        if type(val) is bool and type(want) is not bool:
            return False
        return val == want
    except (AttributeError, TypeError):
        return False


def event_matches(event, spec):
    return all(field_ok(k, v, event) for k, v in spec.items())


def read_eve(path):
    """Events of an eve.json, or (None, reason) when a line is not JSON."""
    events = []
    with open(path, encoding="utf-8", errors="replace") as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                events.append(json.loads(line))
            except ValueError:
                return None, "eve.json line %d is not JSON" % n
    return events, ""


# ---------------------------------------------------------------- running

class Test:
    def __init__(self, name, tdir, cls):
        self.name, self.tdir, self.cls = name, tdir, cls
        self.result, self.why, self.crash, self.secs = "error", "", "", 0.0


def load_test(tdir):
    with open(os.path.join(tdir, "test.yaml")) as f:
        return yaml.safe_load(f) or {}


def filter_checks(y):
    return [c["filter"] for c in y.get("checks", []) or []
            if isinstance(c, dict) and "filter" in c and version_ok(c["filter"].get("requires"))]


def engine_args(engine, y, tdir, name, out):
    """The command line for one test, or (None, reason)."""
    real = os.path.realpath(tdir)
    args = list(engine)
    for a in y.get("args", []) or []:
        a = a.replace("${TEST_DIR}", real).replace("$TEST_DIR", real)
        args += [w for w in re.split(r"\s", a) if w]
    args += ["-l", out]
    if "ips" in os.path.basename(name):
        args.append("--simulate-ips")
    if os.path.exists(os.path.join(tdir, "suricata.yaml")):
        args += ["-c", os.path.join(tdir, "suricata.yaml")]
    if "pcap" in y:
        pcap = os.path.realpath(os.path.join(tdir, y["pcap"]))
    else:
        found = glob.glob(os.path.join(tdir, "*.pcap")) + glob.glob(os.path.join(tdir, "*.pcapng"))
        if len(found) != 1:
            return None, "pcap count %d" % len(found)
        pcap = found[0]
    args += ["-r", pcap]
    if "rules" in y:
        if y["rules"]:
            args += ["-S", os.path.realpath(os.path.join(tdir, y["rules"]))]
    else:
        found = glob.glob(os.path.join(tdir, "*.rules"))
        if len(found) == 1:
            args += ["-S", found[0]]
    return args, ""


def run_one(t, engine, outroot, timeout):
    start = time.monotonic()
    try:
        t.result, t.why = _run_one(t, engine, outroot, timeout)
    except Exception as e:  # a malformed test.yaml must not stop the run
        t.result, t.why = "error", "%s: %s" % (type(e).__name__, e)
    t.secs = time.monotonic() - start
    return t


def _run_one(t, engine, outroot, timeout):
    y = load_test(t.tdir)
    checks = filter_checks(y)
    if not checks:
        return "skip", "no filter check"
    out = os.path.join(outroot, t.name.replace("/", "__"))
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    args, why = engine_args(engine, y, t.tdir, t.name, out)
    if args is None:
        return "error", why
    with open(os.path.join(out, "svrun.cmd"), "w") as f:
        f.write(shlex.join(args) + "\n")
    try:
        p = subprocess.run(args, cwd=t.tdir, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=timeout)
    except subprocess.TimeoutExpired:
        return "fail", "timeout"
    except OSError as e:
        return "error", str(e)
    with open(os.path.join(out, "svrun.log"), "wb") as f:
        f.write(p.stdout)
    if p.returncode < 0:
        t.crash = "killed by signal %d" % -p.returncode
    elif SANITIZER_RE.search(p.stdout):
        t.crash = "sanitizer report (exit %d)" % p.returncode
    eve = os.path.join(out, "eve.json")
    if not os.path.exists(eve):
        tail = p.stdout[-300:].decode(errors="replace")
        return "fail", "no eve.json (exit %d): %s" % (p.returncode, tail.strip())
    events, why = read_eve(eve)
    if events is None:
        return "fail", why
    for c in checks:
        if "filename" in c:  # file checks are not scored
            continue
        spec = c.get("match", {})
        n = sum(1 for e in events if event_matches(e, spec))
        if n != c["count"]:
            return "fail", "expected %d got %d for %s" % (c["count"], n, json.dumps(spec)[:200])
    return "pass", ""


def read_classes(path):
    classes = {}
    if path and os.path.exists(path):
        with open(path) as f:
            for line in f:
                if line.startswith("#") or line.startswith("test\t"):
                    continue
                cols = line.rstrip("\n").split("\t")
                if len(cols) >= 2:
                    classes[cols[0]] = cols[1]
    return classes


# ---------------------------------------------------------------- reports

def class_table(tests, baseline):
    """Lines of the per-class score table and the classes below baseline."""
    per = {}
    for t in tests:
        d = per.setdefault(t.cls, {"n": 0, "pass": 0})
        d["n"] += 1
        d["pass"] += t.result == "pass"
    base = (baseline or {}).get("classes", {})
    lines = ["%-8s %6s %6s %6s %9s" % ("class", "tests", "passed", "%", "baseline")]
    for label, members in ROWS + [("total", None)]:
        keys = [k for k in per if members is None or k in members]
        n = sum(per[k]["n"] for k in keys)
        if members is None:  # each test once
            n = len(tests)
            p = sum(t.result == "pass" for t in tests)
        else:
            p = sum(per[k]["pass"] for k in keys)
        if n == 0:
            continue
        b = [base[k] for k in keys if k in base]
        bs = str(sum(b)) if b and members and len(b) == len(keys) else ""
        if members is None and "total" in (baseline or {}):
            bs = str(baseline["total"])
        lines.append("%-8s %6d %6d %5.1f%% %9s" % (label, n, p, 100.0 * p / n, bs))
    return lines, per


def compare_baseline(tests, per, baseline, complete_classes):
    """Classes that dropped below the baseline, and tests that regressed."""
    drops = []
    for cls, want in sorted((baseline.get("classes") or {}).items()):
        if cls not in complete_classes:
            continue
        have = per.get(cls, {}).get("pass", 0)
        if have < want:
            drops.append("class %s: %d passed, baseline %d" % (cls, have, want))
    ran = {t.name: t for t in tests}
    regressed = sorted(n for n in baseline.get("passed", []) if n in ran and ran[n].result != "pass")
    gained = sorted(n for n, t in ran.items()
                    if t.result == "pass" and n not in set(baseline.get("passed", [])))
    return drops, regressed, gained


def cross_check(args, engine, tests, timeout):
    """Run svcheck.py on the same tests; return the list of disagreements."""
    svcheck = args.svcheck or os.path.join(args.suite, "svcheck.py")
    if not os.path.exists(svcheck):
        return ["svcheck.py not found at %s" % svcheck]
    with tempfile.TemporaryDirectory(prefix="svrun-xc-") as tmp:
        lst = os.path.join(tmp, "list.txt")
        with open(lst, "w") as f:
            f.write("".join(t.name + "\n" for t in tests))
        out = os.path.abspath(args.cross_check_out) if args.cross_check_out else os.path.join(tmp, "out")
        cmd = [sys.executable, svcheck, "--engine", shlex.join(engine), "--tests", args.tests,
               "--list", lst, "--out", out, "--timeout", str(timeout), "-v"]
        print("cross-check: %s" % shlex.join(cmd[:2] + ["--engine", shlex.join(engine), "..."]), flush=True)
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    theirs = {}
    summary = ""
    for line in p.stdout.splitlines():
        m = re.match(r"^(pass|fail|skip|error) (\S+)", line)
        if m:
            theirs[m.group(2)] = (m.group(1), line)
        elif line.startswith("svcheck:"):
            summary = line
    print("cross-check: " + (summary or "svcheck.py printed no summary (exit %d)" % p.returncode))
    diffs = []
    for t in tests:
        res, line = theirs.get(t.name, ("missing", "(no line)"))
        if res != t.result:
            diffs.append("%s: svrun %s (%s), svcheck %s" % (t.name, t.result, t.why, line))
    return diffs


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--engine", help='engine command, e.g. "build/src/cli/vigil net"')
    ap.add_argument("--vigil", help="path of the vigil binary (engine = VIGIL net)")
    ap.add_argument("--shared", default=os.path.join(here, "../../../../shared"),
                    help="the shared folder (default: ../shared beside the source root)")
    ap.add_argument("--tests", help="tests folder (default SHARED/conformance/suricata-verify/tests)")
    ap.add_argument("--list", help="file of test names (default PUBLIC.txt beside the tests)")
    ap.add_argument("--classes", help="CLASSES.tsv (default beside the tests)")
    ap.add_argument("--only", nargs="*", default=[], help="run only these tests")
    ap.add_argument("--class", dest="only_class", default="",
                    help="run only tests of these classes (comma separated: a,a+)")
    ap.add_argument("--out", help="output folder (default: a temporary folder)")
    ap.add_argument("--timeout", type=float, default=60, help="seconds per test (default 60)")
    ap.add_argument("-j", "--jobs", type=int, default=2, help="parallel tests (default 2)")
    ap.add_argument("--baseline", default=os.path.join(here, "baseline.json"))
    ap.add_argument("--no-baseline", action="store_true", help="do not compare with a baseline")
    ap.add_argument("--update-baseline", action="store_true",
                    help="write this run's scores as the new baseline (full runs only)")
    ap.add_argument("--strict", action="store_true", help="also fail when a baseline test regresses")
    ap.add_argument("--fail-on-crash", action="store_true",
                    help="fail when the engine dies by a signal or reports a sanitizer error")
    ap.add_argument("--cross-check", action="store_true",
                    help="also run svcheck.py on the same tests and report disagreements")
    ap.add_argument("--svcheck", help="svcheck.py (default beside the tests)")
    ap.add_argument("--cross-check-out", help="keep svcheck.py's outputs in this folder")
    ap.add_argument("--expect", action="append", default=[],
                    help="ROW=N: fail unless the table row (a/a+, total...) has N passes")
    ap.add_argument("--json", help="write per-test results to this file")
    ap.add_argument("-q", "--quiet", action="store_true", help="print only failures and the summary")
    args = ap.parse_args()

    if yaml is None:
        print("svrun: skipped: python3 PyYAML is missing (Debian: python3-yaml)")
        return SKIP
    if args.engine:
        engine = shlex.split(args.engine)
    elif args.vigil:
        engine = [args.vigil, "net"]
    else:
        ap.error("--engine or --vigil is required")
    if os.path.exists(engine[0]):
        engine[0] = os.path.realpath(engine[0])
    elif not shutil.which(engine[0]):
        print("svrun: engine %s not found (build it first)" % engine[0])
        return 2
    args.suite = os.path.join(os.path.abspath(args.shared), "conformance", "suricata-verify")
    if args.tests:
        args.suite = os.path.dirname(os.path.abspath(args.tests))
    args.tests = os.path.abspath(args.tests or os.path.join(args.suite, "tests"))
    if not os.path.isdir(args.tests):
        print("svrun: skipped: no suricata-verify tests at %s (../shared is absent)" % args.tests)
        return SKIP
    lst = args.list or os.path.join(args.suite, "PUBLIC.txt")
    if os.path.exists(lst):
        with open(lst) as f:
            names = [l.strip() for l in f if l.strip()]
    else:
        names = sorted(os.path.relpath(os.path.dirname(p), args.tests) for p in
                       glob.glob(os.path.join(args.tests, "**", "test.yaml"), recursive=True))
    classes = read_classes(args.classes or os.path.join(args.suite, "CLASSES.tsv"))
    all_tests = [Test(n, os.path.join(args.tests, n), classes.get(n, "?")) for n in names]
    tests = all_tests
    if args.only:
        tests = [t for t in tests if t.name in set(args.only)]
        unknown = set(args.only) - {t.name for t in tests}
        if unknown:
            print("svrun: unknown tests: %s" % " ".join(sorted(unknown)))
            return 2
    if args.only_class:
        want = set(args.only_class.split(","))
        tests = [t for t in tests if t.cls in want]
    if not tests:
        print("svrun: no tests selected")
        return 2
    # A class counts against the baseline only when all its tests ran.
    complete = {c for c in {t.cls for t in all_tests}
                if sum(t.cls == c for t in tests) == sum(t.cls == c for t in all_tests)}

    outroot = os.path.abspath(args.out) if args.out else tempfile.mkdtemp(prefix="svrun-")
    os.makedirs(outroot, exist_ok=True)
    marker = os.path.join(outroot, "svrun-complete.json")
    if os.path.exists(marker):
        os.unlink(marker)
    print("svrun: %d tests, engine: %s, %d workers, timeout %gs, output %s"
          % (len(tests), shlex.join(engine), args.jobs, args.timeout, outroot), flush=True)
    t0 = time.monotonic()
    done = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        futs = [pool.submit(run_one, t, engine, outroot, args.timeout) for t in tests]
        for fut in concurrent.futures.as_completed(futs):
            t = fut.result()
            done += 1
            if t.result == "pass" and args.quiet:
                continue
            extra = ("  [CRASH: %s]" % t.crash) if t.crash else ""
            print("%-4s %-50s %-3s %5.1fs %s%s" % (t.result.upper(), t.name, t.cls, t.secs,
                                                  t.why[:240], extra), flush=True)

    counts = {r: sum(t.result == r for t in tests) for r in ("pass", "fail", "skip", "error")}
    baseline = {}
    if not args.no_baseline and os.path.exists(args.baseline):
        with open(args.baseline) as f:
            baseline = json.load(f)
    table, per = class_table(tests, baseline)
    print()
    print("\n".join(table))
    rc = 0
    crashes = [t for t in tests if t.crash]
    if crashes:
        print("\nengine crashes (%d): %s" % (len(crashes), ", ".join(
            "%s (%s)" % (t.name, t.crash) for t in crashes)))
        if args.fail_on_crash:
            rc = 1
    if baseline:
        drops, regressed, gained = compare_baseline(tests, per, baseline, complete)
        if regressed:
            print("\nregressed since the baseline (%d): %s" % (len(regressed), " ".join(regressed)))
            if args.strict:
                rc = 1
        if gained:
            print("\nnewly passing (%d): %s%s (raise the baseline: --update-baseline)"
                  % (len(gained), " ".join(gained[:30]), " ..." if len(gained) > 30 else ""))
        for d in drops:
            print("BELOW BASELINE: " + d)
        if drops:
            rc = 1
    for e in args.expect:
        row, _, n = e.partition("=")
        line = next((l for l in table[1:] if l.split()[0] == row), None)
        got = int(line.split()[2]) if line else 0
        if got != int(n):
            print("EXPECTED %s passes in row %s, got %d" % (n, row, got))
            rc = 1
    if args.update_baseline:
        if tests is not all_tests:
            print("svrun: --update-baseline needs a full run (no --only/--class)")
            rc = 1
        else:
            nb = {"note": "per-class minimum passing counts for svrun.py; "
                          "update with --update-baseline after an improvement",
                  "engine_version": "%d.%d.%d (Suricata behaviour scored)" % ENGINE_VERSION,
                  "classes": {c: per[c]["pass"] for c in sorted(per)},
                  "total": counts["pass"],
                  "passed": sorted(t.name for t in tests if t.result == "pass")}
            with open(args.baseline, "w") as f:
                json.dump(nb, f, indent=1)
                f.write("\n")
            print("svrun: baseline written to %s" % args.baseline)
    if args.cross_check:
        diffs = cross_check(args, engine, tests, args.timeout)
        if diffs:
            print("CROSS-CHECK: %d disagreements with svcheck.py:" % len(diffs))
            for d in diffs:
                print("  " + d)
            rc = 1
        else:
            print("cross-check: svcheck.py agrees on all %d tests" % len(tests))
    if args.json:
        with open(args.json, "w") as f:
            json.dump([{"name": t.name, "class": t.cls, "result": t.result, "why": t.why,
                        "crash": t.crash, "secs": round(t.secs, 2)} for t in tests], f, indent=1)
    with open(marker, "w") as f:
        json.dump({"engine": engine, "tests": len(tests),
                   "engine_mtime": os.path.getmtime(engine[0]) if os.path.exists(engine[0]) else 0},
                  f)
    print("\nsvrun: %.0fs; %d skipped, %d errors" % (time.monotonic() - t0, counts["skip"], counts["error"]))
    print("%d passed, %d failed" % (counts["pass"], counts["fail"] + counts["error"]))
    return rc


if __name__ == "__main__":
    sys.exit(main())
