#!/usr/bin/env python3
"""bench/et_compare.py: vigil's alerts per signature against Suricata's, ET Open set.

Runs `vigil net` with all enabled rules of ../shared/rules/et-open-2024-04 on a
benchmark capture (made by ../shared/bench/make-pcap.sh) with the variables of
the reference runs (HOME_NET=[127.0.0.0/8], EXTERNAL_NET=any,
HTTP_PORTS=[80,8080]) and EVE limited to alerts, as bench/net.py does; or reads
an existing eve.json (--eve).  It counts alerts per signature id and compares
them with the Suricata 7.0.0 reference in
../shared/bench/suricata-7.0.0-et-alerts-<profile>.tsv, then prints a markdown
report: totals, signatures that fire on one side only, and every count
difference, biggest first.  An optional notes file (--notes, markdown; one
section per sid, "### <sid>" headings) is appended so that each difference can
carry its explanation.  The report is written to
bench/results/<date>-et-compare-<profile>.md unless --no-write.

This is a bench tool, not a test: it asserts nothing and times nothing.  The
reference captures were made on another run of make-pcap.sh, so counts may
differ by about 0.1% for reasons unrelated to detection (see
../shared/bench/README.md).

usage: bench/et_compare.py PROFILE [--pcap FILE | --eve FILE] [--vigil PATH]
                           [--tsv FILE] [--notes FILE] [--out DIR] [--no-write] [--keep DIR]
  PROFILE   bulk or mixed (selects the reference TSV and the default capture
            /tmp/benchgen/PROFILE.pcap)
"""
import argparse
import collections
import glob
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SHARED = os.path.normpath(os.path.join(ROOT, "..", "shared"))
ET_SETS = ["vars.address-groups.HOME_NET=[127.0.0.0/8]", "vars.address-groups.EXTERNAL_NET=any",
           "vars.port-groups.HTTP_PORTS=[80,8080]"]
ALERTS_ONLY_YAML = """%YAML 1.1
---
outputs:
  - eve-log:
      enabled: yes
      filetype: regular
      filename: eve.json
      types:
        - alert
"""


def read_tsv(path):
    """{sid: (count, msg)} from a reference TSV (# comments, sid<TAB>alerts<TAB>msg)."""
    ref = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            parts = line.split("\t")
            if len(parts) < 2:
                continue
            ref[int(parts[0])] = (int(parts[1]), parts[2] if len(parts) > 2 else "")
    return ref


def read_eve(path):
    """({sid: count}, {sid: msg}) from the alert records of an eve.json."""
    counts = collections.Counter()
    msgs = {}
    with open(path, "rb") as f:
        for line in f:
            if b'"event_type":"alert"' not in line:
                continue
            try:
                ev = json.loads(line)
            except ValueError:
                continue
            al = ev.get("alert") or {}
            sid = al.get("signature_id")
            if sid is None:
                continue
            counts[sid] += 1
            msgs.setdefault(sid, al.get("signature", ""))
    return counts, msgs


def _csum16(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return s


def checksum_survey(path, sample=1000):
    """(TCP/IPv4 packets with a wrong TCP checksum, TCP/IPv4 packets) among the
    first `sample` packets of a classic Ethernet pcap; None when not readable.
    More than one in ten wrong means checksum offloading on the capturing host:
    with checksum-checks auto, vigil and Suricata then ignore those packets'
    TCP data until the 1000th packet, and flows starting before are lost."""
    try:
        f = open(path, "rb")
    except OSError:
        return None
    with f:
        hdr = f.read(24)
        if len(hdr) < 24 or struct.unpack("<I", hdr[:4])[0] not in (0xA1B2C3D4, 0xA1B23C4D):
            return None
        if struct.unpack("<I", hdr[20:24])[0] != 1:  # Ethernet only
            return None
        bad = tcp = 0
        for _ in range(sample):
            rec = f.read(16)
            if len(rec) < 16:
                break
            incl = struct.unpack("<IIII", rec)[2]
            d = f.read(incl)
            if len(d) < 34 or d[12:14] != b"\x08\x00" or d[14] >> 4 != 4 or d[23] != 6:
                continue
            ihl = (d[14] & 15) * 4
            tot = struct.unpack("!H", d[16:18])[0]
            if len(d) < 14 + tot or tot < ihl + 20:
                continue
            seg = d[14 + ihl:14 + tot]
            pseudo = d[26:34] + struct.pack("!BBH", 0, 6, len(seg))
            tcp += 1
            if _csum16(pseudo + seg) != 0xFFFF:
                bad += 1
        return bad, tcp


def et_rules(shared, work):
    """One file holding every ET Open rules file (the set bench/net.py loads)."""
    out = os.path.join(work, "et-open.rules")
    with open(out, "wb") as o:
        for f in sorted(glob.glob(os.path.join(shared, "rules", "et-open-2024-04", "*.rules"))):
            with open(f, "rb") as i:
                shutil.copyfileobj(i, o)
            o.write(b"\n")
    return out


def run_vigil(a, work):
    """Run vigil on a.pcap; returns (eve.json path, vigil's summary line)."""
    rules = et_rules(a.shared, work)
    yml = os.path.join(work, "alerts-only.yaml")
    with open(yml, "w") as f:
        f.write(ALERTS_ONLY_YAML)
    outdir = os.path.join(work, "run")
    shutil.rmtree(outdir, ignore_errors=True)  # eve.json is appended to, never truncated
    os.makedirs(outdir)
    cmd = [a.vigil, "net", "-r", a.pcap, "-l", outdir, "-S", rules, "-c", yml]
    cls = os.path.join(a.shared, "rules", "et-open-2024-04", "classification.config")
    if os.path.exists(cls):
        cmd += ["--set", "classification-file=" + cls]
    for s in ET_SETS + (a.set or []):
        cmd += ["--set", s]
    if a.checksum:
        cmd += ["-k", a.checksum]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=a.timeout)
    out = p.stdout.decode(errors="replace")
    if p.returncode != 0:
        raise RuntimeError("vigil exit %d: %s" % (p.returncode, out[-800:]))
    summary = [ln for ln in out.splitlines() if " packets, " in ln and " alerts" in ln]
    return os.path.join(outdir, "eve.json"), (summary[-1].strip() if summary else "")


def read_notes(path):
    """{sid: text} from a markdown notes file with '### <sid> ...' sections, plus the preamble."""
    notes, cur, pre = {}, None, []
    if not path or not os.path.exists(path):
        return notes, ""
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("### "):
                tok = line[4:].split()[0].rstrip(":")
                cur = int(tok) if tok.isdigit() else None
                if cur is not None:
                    notes[cur] = []
                    continue
            if cur is None:
                pre.append(line)
            else:
                notes[cur].append(line)
    return {k: "".join(v).strip() for k, v in notes.items()}, "".join(pre).strip()


def report(a, ref, counts, msgs, summary, notes, preamble):
    lines = []

    def emit(s=""):
        lines.append(s)

    sids = set(ref) | set(counts)
    rows = []
    for sid in sids:
        s = ref.get(sid, (0, ""))[0]
        v = counts.get(sid, 0)
        msg = ref.get(sid, (0, ""))[1] or msgs.get(sid, "")
        rows.append((sid, s, v, v - s, msg))
    tot_s = sum(r[1] for r in rows)
    tot_v = sum(r[2] for r in rows)
    only_s = sorted([r for r in rows if r[1] and not r[2]], key=lambda r: (-r[1], r[0]))
    only_v = sorted([r for r in rows if r[2] and not r[1]], key=lambda r: (-r[2], r[0]))
    diff = sorted([r for r in rows if r[1] and r[2] and r[3]], key=lambda r: (-abs(r[3]), r[0]))
    same = [r for r in rows if r[1] and r[1] == r[2]]

    emit("# ET Open alerts per signature: vigil vs Suricata 7.0.0, %s" % a.profile)
    emit()
    emit("- generated %s by `bench/et_compare.py %s`" % (time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                                                        " ".join(sys.argv[1:])))
    if a.eve:
        emit("- vigil: alerts read from `%s` (tree at commit %s)" % (a.eve, a.commit or "?"))
    else:
        emit("- vigil: `%s` (commit %s)" % (a.vigil_label, a.commit or "?"))
    if a.pcap:
        emit("- capture: `%s`" % a.pcap)
        cs = checksum_survey(a.pcap)
        if cs and cs[1]:
            note = ""
            if cs[0] * 10 > cs[1]:
                note = (" -- checksum offloading on the capturing host: with checksum-checks auto "
                        "(vigil's default, as Suricata's) the TCP data of those packets is ignored, "
                        "so flows whose handshake falls there are lost; %s" %
                        ("this run used `-k %s`" % a.checksum if a.checksum else
                         "rerun with `-k none` to compare detection, not the capture"))
            emit("- TCP checksums: %d of the first %d TCP packets are wrong%s" % (cs[0], cs[1], note))
        if a.checksum:
            emit("- vigil checksum mode: `-k %s`" % a.checksum)
        if a.set:
            emit("- extra settings: %s" % ", ".join("`%s`" % x for x in a.set))
    if summary:
        emit("- vigil summary: `%s`" % summary)
    emit("- reference: `%s`" % os.path.relpath(a.tsv, ROOT))
    emit()
    emit("| | Suricata | vigil | difference |")
    emit("|---|---|---|---|")
    emit("| alerts | %d | %d | %+d |" % (tot_s, tot_v, tot_v - tot_s))
    emit("| signatures firing | %d | %d | %+d |" % (len([r for r in rows if r[1]]),
                                                  len([r for r in rows if r[2]]),
                                                  len([r for r in rows if r[2]]) - len([r for r in rows if r[1]])))
    emit("| signatures with equal counts | %d | | |" % len(same))
    emit("| signatures only in Suricata | %d | | %d alerts |" % (len(only_s), sum(r[1] for r in only_s)))
    emit("| signatures only in vigil | %d | | %d alerts |" % (len(only_v), sum(r[2] for r in only_v)))
    emit("| signatures with different counts | %d | | %+d alerts |" % (len(diff), sum(r[3] for r in diff)))
    emit()

    def table(title, rs):
        emit("## %s" % title)
        emit()
        if not rs:
            emit("none")
            emit()
            return
        emit("| sid | signature | Suricata | vigil | vigil − Suricata | explained |")
        emit("|---|---|---|---|---|---|")
        for sid, s, v, d, msg in rs:
            emit("| %d | %s | %d | %d | %+d | %s |" % (sid, msg.replace("|", "\\|"), s, v, d,
                                                     "yes" if sid in notes else "**no**"))
        emit()

    table("Only in Suricata", only_s)
    table("Only in vigil", only_v)
    table("Different counts (biggest first)", diff)
    emit("## Equal counts")
    emit()
    emit(", ".join("%d (%d)" % (r[0], r[1]) for r in sorted(same, key=lambda r: (-r[1], r[0]))) or "none")
    emit()
    if notes or preamble:
        emit("## Explanations")
        emit()
        if preamble:
            emit(preamble)
            emit()
        shown = [r for r in only_s + only_v + diff]
        for sid, s, v, d, msg in shown:
            if sid in notes:
                emit("### %d %s (Suricata %d, vigil %d, %+d)" % (sid, msg, s, v, d))
                emit()
                emit(notes[sid])
                emit()
        stale = sorted(set(notes) - set(r[0] for r in shown))
        if stale:
            emit("Notes kept for signatures whose counts now agree: %s." % ", ".join(map(str, stale)))
            emit()
    return lines


def main():
    ap = argparse.ArgumentParser(description="vigil vs Suricata ET Open alerts per signature")
    ap.add_argument("profile", help="bulk or mixed")
    ap.add_argument("--pcap", help="capture (default /tmp/benchgen/PROFILE.pcap)")
    ap.add_argument("--eve", help="use this eve.json instead of running vigil")
    ap.add_argument("--vigil", default=os.path.join(ROOT, "build", "src", "cli", "vigil"))
    ap.add_argument("--shared", default=SHARED)
    ap.add_argument("--tsv", help="reference (default ../shared/bench/suricata-7.0.0-et-alerts-PROFILE.tsv)")
    ap.add_argument("--notes", help="markdown with '### <sid>' explanation sections to append")
    ap.add_argument("-k", dest="checksum", choices=["none", "all", "auto"],
                    help="vigil's checksum mode (default: the configured auto, as the reference runs)")
    ap.add_argument("--set", action="append", metavar="KEY=VALUE",
                    help="extra configuration override for vigil (repeatable; for diagnosis)")
    ap.add_argument("--timeout", type=float, default=600)
    ap.add_argument("--keep", help="keep the vigil output (eve.json) in this directory")
    ap.add_argument("--out", default=os.path.join(HERE, "results"))
    ap.add_argument("--no-write", action="store_true", help="print only")
    a = ap.parse_args()
    a.tsv = a.tsv or os.path.join(a.shared, "bench", "suricata-7.0.0-et-alerts-%s.tsv" % a.profile)
    if not os.path.exists(a.tsv):
        print("et_compare: no reference %s" % a.tsv, file=sys.stderr)
        return 2
    ref = read_tsv(a.tsv)
    a.commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, text=True).stdout.strip()
    a.vigil = os.path.abspath(a.vigil)
    a.vigil_label = os.path.relpath(a.vigil, ROOT) if a.vigil.startswith(ROOT) else a.vigil
    summary = ""
    if a.eve:
        a.pcap = a.pcap or ""
        counts, msgs = read_eve(a.eve)
    else:
        a.pcap = a.pcap or "/tmp/benchgen/%s.pcap" % a.profile
        if not os.path.exists(a.pcap):
            print("et_compare: no capture %s; make it with\n  sudo ../shared/bench/make-pcap.sh %s %s"
                  % (a.pcap, a.profile, a.pcap), file=sys.stderr)
            return 2
        if not os.access(a.vigil, os.X_OK):
            print("et_compare: %s is not built" % a.vigil, file=sys.stderr)
            return 2
        work = a.keep or tempfile.mkdtemp(prefix="et-compare-")
        os.makedirs(work, exist_ok=True)
        try:
            eve, summary = run_vigil(a, work)
            counts, msgs = read_eve(eve)
        finally:
            if not a.keep:
                shutil.rmtree(work, ignore_errors=True)
    notes, preamble = read_notes(a.notes)
    lines = report(a, ref, counts, msgs, summary, notes, preamble)
    text = "\n".join(lines) + "\n"
    sys.stdout.write(text)
    if not a.no_write:
        os.makedirs(a.out, exist_ok=True)
        path = os.path.join(a.out, "%s-et-compare-%s.md" % (time.strftime("%Y%m%d", time.gmtime()), a.profile))
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        print("written to %s" % os.path.relpath(path, ROOT), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
