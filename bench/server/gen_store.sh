#!/bin/sh
# Generate a vigil server store of N events (default 10 million) directly
# with SQL, for the API latency bench (bench/server/query.py).
#
#   bench/server/gen_store.sh VIGIL DIR [N]                  SQLite in DIR/vigil.db
#   VG_PG=postgresql://... bench/server/gen_store.sh VIGIL DIR [N]   PostgreSQL
#
# DIR must be outside the repository (it holds gigabytes).  The events span
# 30 days: 5 % alerts (100 signatures, severities 1-3, 5,000 sources), flows,
# DNS, HTTP and TLS, 3 units, 10 sensors; the overview counters, 50,000
# incidents and the hosts are generated to match.  Indexes are the server's
# own (it creates the schema first); SQLite builds them after the load.
set -eu
vigil=$1
dir=$2
n=${3:-10000000}
mkdir -p "$dir"
span=$((30 * 86400 * 1000000))
step=$((span / n))
t0=1764547200000000   # 2025-12-01T00:00:00Z
if [ -n "${VG_PG:-}" ]; then
    VIGIL_PASSWORD=bench-admin-password "$vigil" server --data "$dir" --store "$VG_PG" user benchadmin admin >/dev/null
    VIGIL_PASSWORD=bench-viewer-password "$vigil" server --data "$dir" --store "$VG_PG" user benchviewer viewer unit1 >/dev/null
    # A time-partitioned events table (store_pg.c) gets the partition of the
    # generated month, as ingest would have made it.
    psql -q "$VG_PG" <<EOF
SET synchronous_commit = off;
DO \$\$ BEGIN
  IF (SELECT relkind FROM pg_class WHERE oid = 'events'::regclass) = 'p' THEN
    CREATE TABLE IF NOT EXISTS events_m202512 PARTITION OF events
      FOR VALUES FROM (1764547200000000) TO (1767225600000000);
  END IF;
END \$\$;
INSERT INTO events(event_id, ts, received, event_type, sensor, unit, src_ip, dest_ip, signature_id, severity, signature, json)
SELECT 'gen:' || i, $t0 + i * $step, $t0 + i * $step,
  CASE WHEN i % 20 = 0 THEN 'alert' WHEN i % 20 < 13 THEN 'flow' WHEN i % 20 < 16 THEN 'dns'
       WHEN i % 20 < 19 THEN 'http' ELSE 'tls' END,
  'sensor' || (i % 10), 'unit' || (i % 3),
  '10.0.' || ((i * 2654435761) % 5000 / 250) || '.' || ((i * 2654435761) % 250 + 1),
  '192.168.' || (i % 4) || '.' || (i % 200 + 1),
  CASE WHEN i % 20 = 0 THEN 2000000 + (i / 20) % 100 ELSE 0 END,
  CASE WHEN i % 20 = 0 THEN 1 + (i / 20) % 3 ELSE 0 END,
  CASE WHEN i % 20 = 0 THEN 'ET POLICY generated signature ' || (2000000 + (i / 20) % 100) END,
  '{"timestamp":"' || to_char(to_timestamp(($t0 + i * $step) / 1e6) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') ||
  '+0000","event_type":"' || CASE WHEN i % 20 = 0 THEN 'alert' ELSE 'flow' END ||
  '","src_ip":"10.0.' || ((i * 2654435761) % 5000 / 250) || '.' || ((i * 2654435761) % 250 + 1) ||
  '","src_port":' || (1024 + i % 60000) || ',"dest_ip":"192.168.' || (i % 4) || '.' || (i % 200 + 1) ||
  '","dest_port":443,"proto":"TCP","flow_id":' || i || ',"in_iface":"eth0","alert":{"signature_id":' ||
  (2000000 + (i / 20) % 100) || ',"severity":' || (1 + (i / 20) % 3) ||
  ',"signature":"ET POLICY generated signature ' || (2000000 + (i / 20) % 100) || '"}}'
FROM generate_series(0::bigint, $n - 1) AS i;  -- bigint: i * step overflows int at 10 M
INSERT INTO event_rollup(unit, hour, kind, key, n)
  SELECT unit, ts / 3600000000, 'type', event_type, count(*) FROM events GROUP BY 1, 2, 4
  ON CONFLICT DO NOTHING;
INSERT INTO event_rollup(unit, hour, kind, key, n)
  SELECT unit, ts / 3600000000, k.kind, CASE k.kind WHEN 'sig' THEN coalesce(signature, '')
    WHEN 'src' THEN coalesce(src_ip, '') WHEN 'dest' THEN coalesce(dest_ip, '')
    ELSE CAST(severity AS TEXT) END, count(*)
  FROM events, (VALUES ('sig'), ('src'), ('dest'), ('sev')) AS k(kind)
  WHERE event_type = 'alert' GROUP BY 1, 2, 3, 4 ON CONFLICT DO NOTHING;
INSERT INTO event_rollup(unit, hour, kind, key, n)
  SELECT unit, hour / 24 * 24, kind || 'd', key, sum(n) FROM event_rollup WHERE kind IN ('sig', 'src', 'dest')
  GROUP BY 1, 2, 3, 4 ON CONFLICT DO NOTHING;
INSERT INTO incidents(unit, title, severity, status, src_ip, dest_ip, signature_id, detected, last_seen, created, updated, alerts)
SELECT 'unit' || (i % 3), 'generated incident ' || i, 1 + i % 3,
  (ARRAY['new','investigating','contained','resolved','false_positive'])[1 + i % 5],
  '10.0.' || (i % 20) || '.' || (i % 250 + 1), '192.168.0.1', 2000000 + i % 100,
  $t0 + i * ($span / 50000), $t0 + i * ($span / 50000), $t0 + i * ($span / 50000),
  $t0 + i * ($span / 50000), 1 + i % 50 FROM generate_series(0, 49999) AS i;
INSERT INTO hosts(name, unit, kind, first_seen, last_seen, events)
  SELECT 'sensor' || i, 'unit' || (i % 3), 'sensor', $t0, $t0 + $span, $n / 10 FROM generate_series(0, 9) AS i
  ON CONFLICT DO NOTHING;
ANALYZE;
EOF
    exit 0
fi
db="$dir/vigil.db"
rm -f "$db" "$db-wal" "$db-shm"
VIGIL_PASSWORD=bench-admin-password "$vigil" server --data "$dir" user benchadmin admin >/dev/null
VIGIL_PASSWORD=bench-viewer-password "$vigil" server --data "$dir" user benchviewer viewer unit1 >/dev/null
# Keep the index definitions, drop them for the load, recreate them after.
indexes=$(sqlite3 "$db" "SELECT sql || ';' FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('events', 'event_rollup', 'incidents') AND sql IS NOT NULL")
drops=$(sqlite3 "$db" "SELECT 'DROP INDEX ' || name || ';' FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('events', 'event_rollup', 'incidents') AND sql IS NOT NULL")
sqlite3 "$db" <<EOF
PRAGMA journal_mode = WAL;
PRAGMA synchronous = OFF;
PRAGMA cache_size = -1000000;
$drops
BEGIN;
WITH RECURSIVE c(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM c WHERE i < $n - 1)
INSERT INTO events(event_id, ts, received, event_type, sensor, unit, src_ip, dest_ip, signature_id, severity, signature, json)
SELECT 'gen:' || i, $t0 + i * $step, $t0 + i * $step,
  CASE WHEN i % 20 = 0 THEN 'alert' WHEN i % 20 < 13 THEN 'flow' WHEN i % 20 < 16 THEN 'dns'
       WHEN i % 20 < 19 THEN 'http' ELSE 'tls' END,
  'sensor' || (i % 10), 'unit' || (i % 3),
  '10.0.' || ((i * 2654435761) % 5000 / 250) || '.' || ((i * 2654435761) % 250 + 1),
  '192.168.' || (i % 4) || '.' || (i % 200 + 1),
  CASE WHEN i % 20 = 0 THEN 2000000 + (i / 20) % 100 ELSE 0 END,
  CASE WHEN i % 20 = 0 THEN 1 + (i / 20) % 3 ELSE 0 END,
  CASE WHEN i % 20 = 0 THEN 'ET POLICY generated signature ' || (2000000 + (i / 20) % 100) END,
  printf('{"timestamp":"%s+0000","event_type":"%s","src_ip":"10.0.%d.%d","src_port":%d,"dest_ip":"192.168.%d.%d","dest_port":443,"proto":"TCP","flow_id":%d,"in_iface":"eth0"%s}',
    strftime('%Y-%m-%dT%H:%M:%f', ($t0 + i * $step) / 1000000.0, 'unixepoch'),
    CASE WHEN i % 20 = 0 THEN 'alert' WHEN i % 20 < 13 THEN 'flow' WHEN i % 20 < 16 THEN 'dns'
         WHEN i % 20 < 19 THEN 'http' ELSE 'tls' END,
    (i * 2654435761) % 5000 / 250, (i * 2654435761) % 250 + 1, 1024 + i % 60000, i % 4, i % 200 + 1, i,
    CASE WHEN i % 20 = 0 THEN printf(',"alert":{"action":"allowed","gid":1,"signature_id":%d,"rev":1,"signature":"ET POLICY generated signature %d","category":"Potentially Bad Traffic","severity":%d}',
      2000000 + (i / 20) % 100, 2000000 + (i / 20) % 100, 1 + (i / 20) % 3)
    ELSE ',"flow":{"pkts_toserver":10,"pkts_toclient":12,"bytes_toserver":1200,"bytes_toclient":9000,"state":"closed"}' END)
FROM c;
INSERT INTO event_rollup(unit, hour, kind, key, n)
  SELECT unit, ts / 3600000000, 'type', event_type, count(*) FROM events GROUP BY 1, 2, 4;
INSERT INTO event_rollup(unit, hour, kind, key, n)
  SELECT unit, ts / 3600000000, 'sig', coalesce(signature, ''), count(*) FROM events WHERE event_type = 'alert' GROUP BY 1, 2, 4;
INSERT INTO event_rollup(unit, hour, kind, key, n)
  SELECT unit, ts / 3600000000, 'src', coalesce(src_ip, ''), count(*) FROM events WHERE event_type = 'alert' GROUP BY 1, 2, 4;
INSERT INTO event_rollup(unit, hour, kind, key, n)
  SELECT unit, ts / 3600000000, 'dest', coalesce(dest_ip, ''), count(*) FROM events WHERE event_type = 'alert' GROUP BY 1, 2, 4;
INSERT INTO event_rollup(unit, hour, kind, key, n)
  SELECT unit, ts / 3600000000, 'sev', CAST(severity AS TEXT), count(*) FROM events WHERE event_type = 'alert' GROUP BY 1, 2, 4;
INSERT INTO event_rollup(unit, hour, kind, key, n)
  SELECT unit, hour / 24 * 24, kind || 'd', key, sum(n) FROM event_rollup WHERE kind IN ('sig', 'src', 'dest') GROUP BY 1, 2, 3, 4;
WITH RECURSIVE c(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM c WHERE i < 49999)
INSERT INTO incidents(unit, title, severity, status, src_ip, dest_ip, signature_id, detected, last_seen, created, updated, alerts)
SELECT 'unit' || (i % 3), 'generated incident ' || i, 1 + i % 3,
  CASE i % 5 WHEN 0 THEN 'new' WHEN 1 THEN 'investigating' WHEN 2 THEN 'contained' WHEN 3 THEN 'resolved' ELSE 'false_positive' END,
  '10.0.' || (i % 20) || '.' || (i % 250 + 1), '192.168.0.1', 2000000 + i % 100,
  $t0 + i * ($span / 50000), $t0 + i * ($span / 50000), $t0 + i * ($span / 50000),
  $t0 + i * ($span / 50000), 1 + i % 50 FROM c;
WITH RECURSIVE c(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM c WHERE i < 9)
INSERT OR IGNORE INTO hosts(name, unit, kind, first_seen, last_seen, events)
  SELECT 'sensor' || i, 'unit' || (i % 3), 'sensor', $t0, $t0 + $span, $n / 10 FROM c;
COMMIT;
$indexes
ANALYZE;
PRAGMA wal_checkpoint(TRUNCATE);
EOF
ls -la "$db"
