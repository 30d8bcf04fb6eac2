#!/bin/sh
# bench/fuzz.sh: coverage-guided fuzz campaigns over every libFuzzer target.
#
# Builds the libFuzzer binaries with clang (build-fuzz: -Dfuzzing=true, ASan +
# UBSan, library code instrumented with -fsanitize=fuzzer-no-link), then runs
# each target in turn (one process, one worker: the machine is shared) for
# SECONDS with its seed corpus tests/fuzz/<name>/corpus, and merges the inputs
# that add coverage back into that corpus (-merge=1), bounded by -max_len and by
# a per-target cap on the corpus size.  Crashes, leaks and UB reports land in
# OUT/<name>/ as libFuzzer artefacts (crash-*, leak-*, timeout-*, oom-*); the
# figures of the run go to OUT/summary.tsv (target, seconds, executions,
# exec/s, edges, features, corpus files before/after, findings).
#
#   bench/fuzz.sh [-t SECONDS] [-b BUILDDIR] [-o OUT] [-n] [-m] [TARGET...]
#     -t SECONDS  time per target (default 60; 0: no fuzzing, e.g. with -m)
#     -b DIR      build directory (default build-fuzz)
#     -o DIR      artefacts and logs (default /tmp/vigil-fuzz)
#     -n          do not merge new inputs into the corpora (just fuzz)
#     -m          minimise: rebuild each corpus with -merge=1, keeping every
#                 hand-named seed and regression input (names that are not
#                 40-hex libFuzzer hashes) and every committed input as they are
#     TARGET      names under tests/fuzz (default: every target built)
#
# Environment: FUZZ_MAX_LEN (default 16384; syslogd 80000, its frames run past
# the 64 KiB line cap; FUZZ_MAX_LEN_<target> overrides), FUZZ_MAX_CORPUS_KB (default 512),
# FUZZ_MAX_CORPUS_FILES (default 300),
# FUZZ_RSS_MB (default 2048), FUZZ_TIMEOUT (seconds per input, default 10).
set -eu
cd "$(dirname "$0")/.."
SECS=60
BUILD=build-fuzz
OUT=/tmp/vigil-fuzz
MERGE=1
MINIMISE=0
while getopts "t:b:o:nm" opt; do
    case $opt in
    t) SECS=$OPTARG ;;
    b) BUILD=$OPTARG ;;
    o) OUT=$OPTARG ;;
    n) MERGE=0 ;;
    m) MINIMISE=1 ;;
    *) sed -n '2,26p' "$0"; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
MAXLEN=${FUZZ_MAX_LEN:-16384}
MAXKB=${FUZZ_MAX_CORPUS_KB:-512}
MAXFILES=${FUZZ_MAX_CORPUS_FILES:-300}
RSS=${FUZZ_RSS_MB:-2048}
TMO=${FUZZ_TIMEOUT:-10}

if [ ! -f "$BUILD/build.ninja" ]; then
    CC=clang meson setup "$BUILD" -Dfuzzing=true --buildtype=debugoptimized \
        -Db_sanitize=address,undefined -Db_lundef=false \
        -Dc_args=-fsanitize=fuzzer-no-link >/dev/null
fi
all=$(ninja -C "$BUILD" -t targets all | sed -n 's,^tests/fuzz/\(fuzz_[a-z0-9_]*\):.*,\1,p' | sort -u)
[ $# -gt 0 ] || set -- $(echo "$all" | sed 's/^fuzz_//')
bins=""
for t in "$@"; do bins="$bins tests/fuzz/fuzz_$t"; done
ninja -C "$BUILD" -j2 $bins >/dev/null

export ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
mkdir -p "$OUT"
SUM="$OUT/summary.tsv"
[ -f "$SUM" ] || printf 'target\tseconds\texecs\texec_per_s\tedges\tfeatures\tcorpus_before\tcorpus_after\tfindings\n' >"$SUM"
status=0
for t in "$@"; do
    bin="$BUILD/tests/fuzz/fuzz_$t"
    corpus="tests/fuzz/$t/corpus"
    [ -x "$bin" ] && [ -d "$corpus" ] || { echo "$t: no binary or corpus" >&2; status=1; continue; }
    mkdir -p "$OUT/$t/new"
    rm -f "$OUT/$t/new/"*
    before=$(ls "$corpus" | wc -l)
    git ls-files "$corpus" 2>/dev/null | sed 's,.*/,,' >"$OUT/$t/tracked" || : >"$OUT/$t/tracked"
    log="$OUT/$t/fuzz.log"
    MAXLEN=$(eval echo "\${FUZZ_MAX_LEN_$t:-}")
    [ -n "$MAXLEN" ] || { [ "$t" = syslogd ] && MAXLEN=80000 || MAXLEN=${FUZZ_MAX_LEN:-16384}; }
    # New inputs go to OUT/t/new (first directory); the corpus is read only.
    # -t 0: no fuzzing (with -m: just minimise).
    : >"$log"
    [ "$SECS" -gt 0 ] && "$bin" -max_total_time="$SECS" -rss_limit_mb="$RSS" -timeout="$TMO" \
        -max_len="$MAXLEN" -workers=1 -print_final_stats=1 \
        -artifact_prefix="$OUT/$t/" "$OUT/$t/new" "$corpus" >"$log" 2>&1 || true
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    edges=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
    ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
    finds=$(ls "$OUT/$t" | grep -c -E '^(crash|leak|timeout|oom|slow-unit)-' || true)
    if [ "$finds" -gt 0 ]; then
        status=1
        echo "$t: FINDINGS in $OUT/$t (log $log)" >&2
    fi
    if [ "$MINIMISE" = 1 ]; then
        keep="$OUT/$t/keep"; pool="$OUT/$t/pool"; min="$OUT/$t/min"
        rm -rf "$keep" "$pool" "$min"; mkdir -p "$keep" "$pool" "$min"
        # committed inputs (possibly someone's regression test) are kept too
        for f in "$corpus"/*; do
            b=$(basename "$f")
            if echo "$b" | grep -qE '^[0-9a-f]{40}$' && ! grep -qFx "$b" "$OUT/$t/tracked"; then
                cp "$f" "$pool/"
            else
                cp "$f" "$keep/"
            fi
        done
        [ "$MERGE" = 1 ] && cp "$OUT/$t/new/"* "$pool/" 2>/dev/null || true
        # hash-named inputs survive only if they add coverage to the kept seeds
        "$bin" -merge=1 -max_len="$MAXLEN" -rss_limit_mb="$RSS" -timeout="$TMO" \
            "$keep" "$pool" >"$OUT/$t/merge.log" 2>&1 || true
        for f in "$corpus"/*; do [ -e "$keep/$(basename "$f")" ] || rm -f "$f"; done
        cp -n "$keep/"* "$corpus/" 2>/dev/null || true
    elif [ "$MERGE" = 1 ]; then
        "$bin" -merge=1 -max_len="$MAXLEN" -rss_limit_mb="$RSS" -timeout="$TMO" \
            "$corpus" "$OUT/$t/new" >"$OUT/$t/merge.log" 2>&1 || true
    fi
    # Bound the corpus: past MAXKB or MAXFILES, drop the largest uncommitted
    # libFuzzer-named inputs.
    while [ "$(du -sk --apparent-size "$corpus" | cut -f1)" -gt "$MAXKB" ] ||
        [ "$(ls "$corpus" | wc -l)" -gt "$MAXFILES" ]; do
        big=$(ls -S "$corpus" | grep -E '^[0-9a-f]{40}$' | grep -vFx -f "$OUT/$t/tracked" | head -1)
        [ -n "$big" ] || break
        rm -f "$corpus/$big"
    done
    after=$(ls "$corpus" | wc -l)
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$t" "$SECS" "${execs:-0}" "${rate:-0}" \
        "${edges:-0}" "${ft:-0}" "$before" "$after" "$finds" >>"$SUM"
    printf '%-11s %4ss %10s execs %7s/s  cov %-6s corpus %s -> %s  findings %s\n' "$t" "$SECS" \
        "${execs:-0}" "${rate:-0}" "${edges:-0}" "$before" "$after" "$finds"
done
exit $status
