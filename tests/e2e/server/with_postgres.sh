#!/bin/sh
# Start a throwaway PostgreSQL server from Debian's packages on 127.0.0.1,
# run the given command with VG_TEST_STORE set to its URI, then stop it.
# Exit 77 (skip) when PostgreSQL is not installed.  The benches set
# VG_PG_FSYNC=on (tests run with fsync off) and VG_PG_SHARED_BUFFERS.
set -eu
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
    echo "with_postgres: PostgreSQL server binaries not installed; skipping"
    exit 77
fi
dir=$(mktemp -d /tmp/vg-pg.XXXXXX)
port=$(( 20000 + $$ % 20000 ))
run() { "$@"; }
if [ "$(id -u)" -eq 0 ]; then
    chown postgres "$dir"
    run() { runuser -u postgres -- "$@"; }
fi
cleanup() {
    run "$bindir/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$dir"
}
trap cleanup EXIT INT TERM
run "$bindir/initdb" -D "$dir/data" -U postgres -A trust --no-sync >"$dir/initdb.log" 2>&1 ||
    { cat "$dir/initdb.log"; exit 1; }
run "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=${VG_PG_FSYNC:-off} -c shared_buffers=${VG_PG_SHARED_BUFFERS:-128MB}" start >/dev/null ||
    { cat "$dir/server.log"; exit 1; }
run "$bindir/createdb" -h 127.0.0.1 -p "$port" -U postgres vigil
VG_TEST_STORE="postgresql://postgres@127.0.0.1:$port/vigil"
export VG_TEST_STORE
"$@"
