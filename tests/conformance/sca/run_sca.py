#!/usr/bin/env python3
"""Conformance: the Wazuh SCA policies in ../shared/conformance/wazuh-sca run
through `vigil inspect`, on this machine and on a prepared tree.

Fails on any engine error (a rule vigil cannot evaluate), on a policy that
does not load, and on any hand-verified sample result that differs.  Errors
that come from malformed rules in the policy itself (Wazuh reports those as
"invalid") are listed, not failed.  Counts and timings are printed.
Exit 77 (skip) without ../shared."""
import json, os, subprocess, sys, tempfile, time

vigil, shared = sys.argv[1], sys.argv[2]
here = os.path.dirname(os.path.abspath(__file__))
sca = os.path.join(shared, "conformance", "wazuh-sca")
if not os.path.isdir(sca):
    print("skip: no", sca)
    sys.exit(77)
policies = ["cis_debian12.yml", "sca_distro_independent_linux.yml"]
fixture = os.path.join(here, "fixtures", "debian12")

# Hand-verified on fixtures/debian12 (see fixtures/README.md for the reasoning).
SAMPLE = {
    "33010": "passed",          # findmnt shows /tmp, tmp.mount "generated"
    "33011": "passed",          # nodev in the recorded findmnt output
    "33013": "failed",          # no noexec
    "33014": "not applicable",  # findmnt /dev/shm has no recorded output
    "33177": "passed",          # "Defaults use_pty" on a non-comment line
    "33178": "passed",          # logfile= in sudoers.d/90-ops (d: walk, r:\.* names)
    "33179": "passed",          # sudoers.d file pattern '!r:^# && r:\.*' is literal: no file matches (Wazuh quirk)
    "33190": "passed",          # deny = 4 <= 5
    "33208": "failed",          # PASS_MAX_DAYS 400 > 365
    "33209": "passed",          # PASS_MIN_DAYS 1 >= 1, no shadow entry with min 0
    "33214": "passed",          # ^root:x:0:0
    "33222": "failed",          # /etc/shells lists nologin (rule negated)
    "33235": "not applicable",  # journald.conf missing: content rule target absent
    "33249": "not applicable",  # auditd.conf missing
    "33192": "error",           # policy defect: 'n:root_unlock_time >= 60' has no 'compare'
}

# sca_distro_independent_linux.yml on the same tree
SAMPLE_DI = {
    "36040": "passed",          # any: `not f:/etc/motd` passes (no motd); the content rule is n/a
    "36047": "passed",          # none: no inetd.* file anywhere under /etc (recursive d: walk)
    "36094": "failed",          # all: `f:/etc/hosts.deny` does not exist (existence: not found)
    "36165": "failed",          # PASS_MIN_DAYS 1 < 7
    "36166": "passed",          # PASS_WARN_AGE 7 >= 7
    "36179": "passed",          # none: `r:\+` does not compile in OS_Regex: no match, as Wazuh (a listed defect)
}

def run(policy, root=None):
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "r.json")
        cmd = [vigil, "inspect", "--policy", os.path.join(sca, policy), "--json", out, "-q"]
        if root:
            cmd += ["--root", root]
        t0 = time.monotonic()
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=300)
        dt = time.monotonic() - t0
        if p.returncode not in (0, 1, 3) or not os.path.exists(out):
            print("FAIL: %s exited %d: %s" % (" ".join(cmd), p.returncode, p.stderr.strip()))
            return None, dt
        return json.load(open(out))["policies"][0], dt

bad = 0
for root in (None, fixture):
    for pol in policies:
        doc, dt = run(pol, root)
        where = "fixture" if root else "live"
        if doc is None:
            bad += 1
            continue
        s = doc["summary"]
        if "requirements" in doc:
            print("%-34s %-7s requirements not met: %s" % (pol, where, doc["requirements"]))
            continue
        print("%-34s %-7s %3d checks: %3d passed %3d failed %3d n/a %d engine errors %d policy errors; "
              "%d defects; %d commands; %.2f s" % (pol, where, s["total"], s["passed"], s["failed"],
              s["not_applicable"], s["engine_errors"], s["policy_errors"], s["defects"],
              s["commands_run"], dt))
        for c in doc["checks"]:
            if c["result"] == "error":
                tag = "FAIL engine error" if c.get("error_kind") == "engine" else "policy error"
                print("  %s %s: %s" % (tag, c["id"], c.get("reason")))
        if s["engine_errors"]:
            bad += 1
        if s["passed"] + s["failed"] + s["not_applicable"] + s["errors"] != s["total"]:
            print("FAIL: %s: not every check was evaluated" % pol)
            bad += 1
        if root:
            sample = SAMPLE if pol == "cis_debian12.yml" else SAMPLE_DI
            got = {c["id"]: c["result"] for c in doc["checks"]}
            for cid, want in sorted(sample.items()):
                if got.get(cid) != want:
                    print("FAIL: fixture check %s: want %s, got %s" % (cid, want, got.get(cid)))
                    bad += 1
            print("  %d hand-verified sample results checked" % len(sample))
print("%d passed, %d failed" % (1 if bad == 0 else 0, bad))
sys.exit(1 if bad else 0)
