#!/usr/bin/env python3
"""golden: cases.log through `vigil host logtest --json` with vigil's default
ruleset; each line's decoder, rule id, level and srcip must equal
expected.tsv.  VG_GOLDEN_UPDATE=1 rewrites expected.tsv (review the diff).

usage: run_golden.py VIGIL SOURCE_ROOT
"""
import json
import os
import subprocess
import sys

vigil, root = sys.argv[1], sys.argv[2]
here = os.path.dirname(os.path.abspath(__file__))
cases = os.path.join(here, "cases.log")
exp_path = os.path.join(here, "expected.tsv")
env = dict(os.environ, VIGIL_HOST_RULES=os.path.join(root, "data", "host"))
with open(cases) as f:
    out = subprocess.run([vigil, "host", "logtest", "--json"], stdin=f, capture_output=True, text=True,
                         env=env, check=True).stdout
rows = []
for line in out.splitlines():
    e = json.loads(line)
    r = e["rule"]
    rows.append("\t".join([e["decoder"] or "-", str(r["id"]) if r else "-", str(r["level"]) if r else "-",
                           e["fields"].get("srcip", "-")]))
if os.environ.get("VG_GOLDEN_UPDATE"):
    with open(exp_path, "w") as f:
        f.write("\n".join(rows) + "\n")
    print(f"rewrote {exp_path}")
    sys.exit(0)
want = open(exp_path).read().splitlines()
lines = open(cases).read().splitlines()
bad = 0
for i, (w, g) in enumerate(zip(want, rows)):
    if w != g:
        bad += 1
        print(f"line {i + 1}: want {w!r} got {g!r}\n    {lines[i][:160]}")
if len(want) != len(rows):
    bad += 1
    print(f"{len(rows)} results for {len(want)} expected")
print(f"{len(rows) - bad} passed, {bad} failed")
sys.exit(1 if bad else 0)
