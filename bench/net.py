#!/usr/bin/env python3
"""bench/net.py: throughput and memory of `vigil net` on benchmark captures.

For each capture (made by ../shared/bench/make-pcap.sh, profiles bulk and
mixed; never committed) it runs, N times each (median reported):

  tcpdump        tcpdump -r FILE -w /dev/null           (the floor: reading the file)
  decode-only    vigil net -r FILE -S /dev/null, outputs off (decode, flows, streams)
  none           no rules (-S /dev/null)    EVE alerts only | full EVE (default config)
  bench50        ../shared/bench/bench50.rules           alerts only | full
  et-open        ../shared/rules/et-open-2024-04/*.rules alerts only | full
                 (HOME_NET=[127.0.0.0/8], EXTERNAL_NET=any, HTTP_PORTS=[80,8080] via --set)

Rule-set runs are made twice: "cold" with an empty prefilter database
cache (everything compiled, as a first start) and "warm" with the databases
the cold run left (detect.mpm-cache, as every later start or unchanged
reload); the cache lives in the run's temporary directory.  `-k none` is
passed by default (--checksums): the local bench captures carry TCP
checksums left to offloading, and the reference runs counted every packet.

It reports wall time, Mbit/s and packets/s (over the capture's packet
bytes and count), peak RSS (/usr/bin/time -v), alerts, and each run's ratio
to decode-only and to tcpdump.  Rule loading is measured on its own with
`vigil net -T` (median of N), and the engine's own "rules X s" figure is
shown beside it.  "EVE alerts only" mirrors the reference Suricata runs.

usage: bench/net.py [--vigil PATH] [-n 3] [--n-et 1] [--timeout 300] [--captures F...]
                    [--sets none,bench50,et-open] [--out bench/results] [--no-write]
Writes a markdown report to stdout and to bench/results/<date>-<profile...>.md.
Use an optimised build (scripts/build makes build/, -O2); an ASan build
measures the sanitizer, not vigil.
"""
import argparse
import glob
import json
import os
import platform
import re
import shutil
import statistics
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
# Outputs limited to alerts (the reference runs' setting): a -c file whose
# `outputs` sequence replaces the built-in one; everything else stays default.
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
OUTPUTS_OFF = ["outputs.eve-log.enabled=no", "outputs.fast.enabled=no", "stats.enabled=no"]
SUMMARY_RE = re.compile(r"(\d+) packets, (\d+) alerts.*?(\d+) rules loaded \((\d+) failed\).*?"
                        r"\(rules ([\d.]+) s\)")
T_RE = re.compile(r"(\d+) rules successfully loaded, (\d+) rules failed")


def pcap_stats(path):
    """(packets, bytes on the wire as captured) of a classic pcap file."""
    pkts = nbytes = 0
    with open(path, "rb") as f:
        hdr = f.read(24)
        if len(hdr) < 24:
            return 0, os.path.getsize(path)
        magic = struct.unpack("<I", hdr[:4])[0]
        if magic in (0xA1B2C3D4, 0xA1B23C4D):
            fmt = "<IIII"
        elif magic in (0xD4C3B2A1, 0x4D3CB2A1):
            fmt = ">IIII"
        else:  # pcapng or unknown: fall back to the file size
            return 0, os.path.getsize(path)
        while True:
            rec = f.read(16)
            if len(rec) < 16:
                break
            _, _, incl, _ = struct.unpack(fmt, rec)
            pkts += 1
            nbytes += incl
            f.seek(incl, 1)
    return pkts, nbytes


class Timeout(Exception):
    pass


def timed(cmd, cwd=None, timeout=None, env=None):
    """Run cmd under /usr/bin/time -v: (wall s, peak RSS KiB, exit code, output).
    Raises Timeout (the process group is killed) past `timeout` seconds."""
    with tempfile.NamedTemporaryFile(prefix="bench-time-", suffix=".txt", delete=False) as tf:
        tpath = tf.name
    t0 = time.monotonic()
    proc = subprocess.Popen(["/usr/bin/time", "-v", "-o", tpath] + cmd, cwd=cwd, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, start_new_session=True, env=env)
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, 9)
        proc.communicate()
        os.unlink(tpath)
        raise Timeout("timed out after %gs" % timeout)
    wall = time.monotonic() - t0
    p = subprocess.CompletedProcess(cmd, proc.returncode, out)
    rss = 0
    with open(tpath) as f:
        for line in f:
            if "Maximum resident set size" in line:
                rss = int(line.split(":")[1])
    os.unlink(tpath)
    return wall, rss, p.returncode, p.stdout.decode(errors="replace")


def count_alerts(eve):
    n = 0
    if os.path.exists(eve):
        with open(eve, "rb") as f:
            for line in f:
                if b'"event_type":"alert"' in line:
                    n += 1
    return n


class Bench:
    def __init__(self, args, work):
        self.a, self.work = args, work
        self.alerts_yaml = os.path.join(work, "alerts-only.yaml")
        self.cache = os.path.join(work, "mpm-cache")
        self.env = dict(os.environ, VIGIL_CACHE_DIR=self.cache)
        with open(self.alerts_yaml, "w") as f:
            f.write(ALERTS_ONLY_YAML)

    def rules_args(self, rset):
        if rset == "none":  # explicitly empty: no -S would load default-rule-path's rules
            return ["-S", "/dev/null"]
        if rset == "bench50":
            return ["-S", os.path.join(self.a.shared, "bench", "bench50.rules")]
        if rset == "et-open":
            out = os.path.join(self.work, "et-open.rules")
            if not os.path.exists(out):
                with open(out, "wb") as o:
                    for f in sorted(glob.glob(os.path.join(self.a.shared, "rules", "et-open-2024-04", "*.rules"))):
                        with open(f, "rb") as i:
                            shutil.copyfileobj(i, o)
                        o.write(b"\n")
            args = ["-S", out]
            cls = os.path.join(self.a.shared, "rules", "et-open-2024-04", "classification.config")
            if os.path.exists(cls):
                args += ["--set", "classification-file=" + cls]
            for s in ET_SETS:
                args += ["--set", s]
            return args
        raise ValueError(rset)

    def vigil_cmd(self, cap, rset, eve, outdir):
        cmd = [self.a.vigil, "net", "-r", cap, "-l", outdir, "-k", self.a.checksums] + self.rules_args(rset)
        if eve == "off":
            for s in OUTPUTS_OFF:
                cmd += ["--set", s]
        elif eve == "alerts":
            cmd += ["-c", self.alerts_yaml]
        return cmd

    def measure(self, label, cmd_of_run, n=None, cold=False):
        walls, rsss, outs = [], [], []
        for i in range(n or self.a.n):
            outdir = os.path.join(self.work, "run")
            shutil.rmtree(outdir, ignore_errors=True)
            os.makedirs(outdir)
            if cold:
                shutil.rmtree(self.cache, ignore_errors=True)
            try:
                wall, rss, rc, out = timed(cmd_of_run(outdir), timeout=self.a.timeout, env=self.env)
            except Timeout as e:
                raise RuntimeError("%s: %s" % (label, e))
            if rc != 0:
                raise RuntimeError("%s: exit %d: %s" % (label, rc, out[-800:]))
            walls.append(wall)
            rsss.append(rss)
            outs.append((out, count_alerts(os.path.join(outdir, "eve.json"))))
        return statistics.median(walls), statistics.median(rsss), outs, walls

    def load_time(self, rset, cold=True):
        """(median wall s of `vigil net -T`, its peak RSS KiB, "N loaded, M failed");
        cold: with an empty database cache each time."""
        if rset == "none":
            return None, 0, ""
        walls, rsss = [], []
        out = ""
        for _ in range(self.a.n):
            if cold:
                shutil.rmtree(self.cache, ignore_errors=True)
            try:
                wall, rss, rc, out = timed([self.a.vigil, "net", "-T"] + self.rules_args(rset),
                                           timeout=self.a.timeout, env=self.env)
            except Timeout as e:
                raise RuntimeError("-T %s: %s" % (rset, e))
            if rc not in (0, 1):
                raise RuntimeError("-T %s: exit %d: %s" % (rset, rc, out[-800:]))
            walls.append(wall)
            rsss.append(rss)
        m = T_RE.search(out)
        return (statistics.median(walls), statistics.median(rsss),
                ("%s loaded, %s failed" % m.groups()) if m else out.strip()[-120:])


def main():
    ap = argparse.ArgumentParser(description="vigil net throughput benchmark")
    ap.add_argument("--vigil", default=os.path.join(ROOT, "build", "src", "cli", "vigil"))
    ap.add_argument("--shared", default=SHARED)
    ap.add_argument("--captures", nargs="*", default=None,
                    help="default: /tmp/benchgen/bulk.pcap and /tmp/benchgen/mixed.pcap")
    ap.add_argument("-n", type=int, default=3, help="runs per measurement (median)")
    ap.add_argument("--n-et", type=int, default=1, help="runs per ET Open measurement (default 1)")
    ap.add_argument("--sets", default="none,bench50,et-open", help="rule sets to run")
    ap.add_argument("--eve", default="alerts,full", help="EVE modes for the rule-set runs")
    ap.add_argument("--timeout", type=float, default=300,
                    help="seconds per run; a run past it is killed and reported (default 300)")
    ap.add_argument("--checksums", default="none", help="vigil's -k for the runs (default none)")
    ap.add_argument("--out", default=os.path.join(HERE, "results"))
    ap.add_argument("--no-write", action="store_true", help="print only")
    a = ap.parse_args()
    a.vigil = os.path.abspath(a.vigil)
    caps = a.captures if a.captures is not None else [
        c for c in ("/tmp/benchgen/bulk.pcap", "/tmp/benchgen/mixed.pcap") if os.path.exists(c)]
    if not caps:
        print("bench: no captures; make them first:\n"
              "  sudo ../shared/bench/make-pcap.sh bulk /tmp/benchgen/bulk.pcap\n"
              "  sudo ../shared/bench/make-pcap.sh mixed /tmp/benchgen/mixed.pcap")
        return 2
    if not os.access(a.vigil, os.X_OK):
        print("bench: %s is not built (scripts/build)" % a.vigil)
        return 2
    if not os.path.exists("/usr/bin/time"):
        print("bench: /usr/bin/time is missing (Debian package: time)")
        return 2
    version = subprocess.run([a.vigil, "--version"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             text=True).stdout.strip()
    commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True).stdout.strip()
    cpu = ""
    if os.path.exists("/proc/cpuinfo"):
        m = re.search(r"model name\s*:\s*(.*)", open("/proc/cpuinfo").read())
        cpu = m.group(1) if m else ""
    sets = [s for s in a.sets.split(",") if s]
    eves = [e for e in a.eve.split(",") if e]

    lines = []

    def emit(s=""):
        print(s, flush=True)
        lines.append(s)

    emit("# vigil net benchmark, %s" % time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()))
    emit()
    emit("- vigil: `%s` (%s, commit %s)" % (os.path.relpath(a.vigil, ROOT) if a.vigil.startswith(ROOT) else a.vigil,
                                            version, commit or "?"))
    emit("- machine: %s, %d CPUs, %s; median of %d runs (ET Open: %d); whole run including start-up"
         % (cpu or platform.machine(), os.cpu_count() or 0, platform.platform(), a.n, a.n_et))
    emit("- command: `bench/net.py %s`" % " ".join(sys.argv[1:]))
    emit("- load average at start: %.1f %.1f %.1f (other work on the machine skews the figures)"
         % os.getloadavg())
    emit()
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-net-") as work:
        b = Bench(a, work)
        loads, warm_loads = {}, {}
        for rset in sets:
            try:
                loads[rset] = b.load_time(rset, cold=True)
                warm_loads[rset] = b.load_time(rset, cold=False)
            except RuntimeError as e:
                loads[rset] = warm_loads[rset] = (None, 0, "error: %s" % str(e)[:200])
        for cap in caps:
            pkts, nbytes = pcap_stats(cap)
            name = os.path.splitext(os.path.basename(cap))[0]
            emit("## %s: %s packets, %.1f MB (`%s`)" % (name, format(pkts, ","), nbytes / 1e6, cap))
            emit()
            subprocess.run(["tcpdump", "-r", cap, "-w", "/dev/null"], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)  # warm the page cache
            runs = [("tcpdump", "-", "-", "-", lambda out, cap=cap: ["tcpdump", "-r", cap, "-w", "/dev/null"])]
            runs.append(("decode-only", "none", "off", "-",
                         lambda out, cap=cap: b.vigil_cmd(cap, "none", "off", out)))
            for rset in sets:
                for eve in eves:
                    for cache in (("-",) if rset == "none" else ("cold", "warm")):
                        runs.append(("vigil", rset, eve, cache,
                                     lambda out, cap=cap, r=rset, e=eve: b.vigil_cmd(cap, r, e, out)))
            emit("| run | rules | EVE | db cache | wall s | Mbit/s | kpkt/s | peak RSS MB "
                 "| rules load s (-T / in run) | alerts | × decode-only | × tcpdump |")
            emit("|---|---|---|---|---|---|---|---|---|---|---|---|")
            base = {}
            for label, rset, eve, cache, cmd in runs:
                try:
                    wall, rss, outs, walls = b.measure("%s %s %s" % (label, rset, eve), cmd,
                                                       a.n_et if rset == "et-open" else a.n,
                                                       cold=cache == "cold")
                except RuntimeError as e:
                    emit("| %s | %s | %s | %s | failed: %s |" % (label, rset, eve, cache,
                                                              str(e)[:300].replace("\n", " ")))
                    continue
                if label in ("tcpdump", "decode-only"):
                    base[label] = wall
                out, alerts = outs[-1]
                m = SUMMARY_RE.search(out)
                in_run = m.group(5) if m else ""
                if label != "vigil":
                    alerts = "-"
                elif m and int(m.group(2)) != alerts:
                    alerts = "%d (summary: %s)" % (alerts, m.group(2))
                load = (warm_loads if cache == "warm" else loads).get(rset, (None, 0, ""))[0] \
                    if label == "vigil" else None
                load_s = ("%.2f / %s" % (load, in_run or "?")) if load is not None else (in_run and "- / " + in_run) or "-"
                ratio_d = "%.2f" % (wall / base["decode-only"]) if "decode-only" in base else "-"
                ratio_t = "%.2f" % (wall / base["tcpdump"]) if "tcpdump" in base else "-"
                emit("| %s | %s | %s | %s | %.2f | %.0f | %.0f | %.0f | %s | %s | %s | %s |"
                     % (label, rset, eve, cache, wall, nbytes * 8 / wall / 1e6, pkts / wall / 1e3,
                        rss / 1024.0, load_s, alerts, ratio_d, ratio_t))
                results.append({"capture": name, "run": label, "rules": rset, "eve": eve, "cache": cache,
                                "wall_s": walls,
                                "median_s": round(wall, 3), "rss_kb": rss, "alerts": alerts, "packets": pkts,
                                "bytes": nbytes})
            emit()
        emit("Rule loading (`vigil net -T -S RULES`, median of %d, whole process):" % a.n)
        emit()
        for rset in sets:
            if rset == "none":
                continue
            t, rss, what = loads.get(rset, (None, 0, ""))
            tw = warm_loads.get(rset, (None, 0, ""))[0]
            emit("- %s: %s s cold, %s s warm database cache, peak RSS %.0f MB, %s"
                 % (rset, "%.2f" % t if t is not None else "?", "%.2f" % tw if tw is not None else "?",
                    rss / 1024.0, what))
        emit()
        emit("Load average at the end: %.1f %.1f %.1f" % os.getloadavg())
        emit()
    if not a.no_write:
        os.makedirs(a.out, exist_ok=True)
        stem = time.strftime("%Y%m%d-%H%M", time.gmtime()) + "-" + "-".join(
            os.path.splitext(os.path.basename(c))[0] for c in caps)
        with open(os.path.join(a.out, stem + ".md"), "w") as f:
            f.write("\n".join(lines) + "\n")
        with open(os.path.join(a.out, stem + ".json"), "w") as f:
            json.dump(results, f, indent=1)
        print("bench: wrote %s.{md,json}" % os.path.join(os.path.relpath(a.out, os.getcwd()), stem))
    return 0


if __name__ == "__main__":
    sys.exit(main())
