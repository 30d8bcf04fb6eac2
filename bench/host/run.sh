#!/bin/sh
# bench/host/run.sh: vigil host throughput, reported as ratios to floors
# measured in the same run.
#
#   bench/host/run.sh [VIGIL] [WORKDIR]       (default build-host/src/cli/vigil, /tmp/vigil-bench-host)
#   BENCH_FIM=0 to skip the FIM part; FIM_TREE=/usr by default.
#
# Logs: the 1,000,000-line auth.log made by ../shared/logs/gen_authlog.py,
# `grep -c sshd` as the floor, then `vigil host replay` with vigil's default
# ruleset and with the whole Wazuh ruleset (../shared/conformance/wazuh-ruleset).
# Lines per CPU second are the figure to compare with the targets (the
# machine is shared; wall time is printed too).
# FIM: a full baseline of FIM_TREE vs `find -type f -print0 | xargs -0 cat`
# (page cache warmed first), then a rescan of the unchanged tree; peak RSS
# from /usr/bin/time.
set -eu
here=$(cd "$(dirname "$0")/../.." && pwd)
vigil=${1:-$here/build-host/src/cli/vigil}
work=${2:-/tmp/vigil-bench-host}
shared=$here/../shared
mkdir -p "$work"
log=$work/auth_1M.log
if [ ! -s "$log" ]; then
    (cd "$work" && python3 "$shared/logs/gen_authlog.py" 1000000 >/dev/null)
    mv "$work"/auth*.log "$log" 2>/dev/null || true
fi
lines=$(wc -l < "$log")
cat "$log" > /dev/null
echo "== logs: $lines lines ($(du -h "$log" | cut -f1))"
# (grep's output goes to a file: with /dev/null GNU grep stops at the first match)
gt=$( { /usr/bin/time -f '%e %U %S' grep -c sshd "$log" > "$work/grep.out"; } 2>&1 | tail -1)
grep_s=$(echo "$gt" | awk '{print $1}')
grep_cpu=$(echo "$gt" | awk '{print $2 + $3}')
printf 'grep -c: %.3f s wall, %.3f s CPU, %.0f lines per CPU second\n' "$grep_s" "$grep_cpu" \
    "$(echo "$lines / ($grep_cpu + 0.0001)" | bc -l)"
for rs in default wazuh; do
    if [ $rs = default ]; then args=""; else args="--rules-dir $shared/conformance/wazuh-ruleset"; fi
    out=$("$vigil" host replay --stats $args "$log" 2>&1 | grep 'lines per CPU')
    wall=$(echo "$out" | sed -n 's/.* in \([0-9.]*\) s (.*/\1/p')
    cpu=$(echo "$out" | sed -n 's/.*(\([0-9.]*\) s CPU).*/\1/p')
    printf '%-8s ruleset: %.3f s wall, %.3f s CPU: %.0f lines per CPU second; %.1f times grep -c CPU time\n' \
        "$rs" "$wall" "$cpu" "$(echo "$lines / $cpu" | bc -l)" "$(echo "$cpu / ($grep_cpu + 0.0001)" | bc -l)"
done
if [ "${BENCH_FIM:-1}" = 1 ]; then
    tree=${FIM_TREE:-/usr}
    echo "== FIM: $tree"
    find "$tree" -type f -print0 2>/dev/null | xargs -0 cat > /dev/null 2>&1 || true   # warm the cache
    t0=$(date +%s.%N); find "$tree" -type f -print0 2>/dev/null | xargs -0 cat > /dev/null 2>&1 || true; t1=$(date +%s.%N)
    cat_s=$(echo "$t1 - $t0" | bc -l)
    printf 'find | xargs cat: %.2f s\n' "$cat_s"
    rm -f "$work/fim.db" "$work/fim.db-wal" "$work/fim.db-shm"
    /usr/bin/time -f 'baseline: %e s wall, %M KB peak RSS' "$vigil" host fim-scan --db "$work/fim.db" "$tree" 2>&1 | tail -2
    /usr/bin/time -f 'rescan:   %e s wall, %M KB peak RSS' "$vigil" host fim-scan --db "$work/fim.db" "$tree" 2>&1 | tail -2
fi
