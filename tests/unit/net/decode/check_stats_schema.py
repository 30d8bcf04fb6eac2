#!/usr/bin/env python3
"""Validate the decoder's EVE stats objects (`decoder`, `defrag`) against
Suricata 8.0.6's EVE schema: runs test_decode's stats_json_shape test with
VG_PRINT_STATS=1, wraps its object in a stats event and validates it.
Usage: check_stats_schema.py TEST_DECODE_BINARY SCHEMA.json
Exits 77 (skipped) when the schema or python3-jsonschema is missing."""
import json
import os
import subprocess
import sys

exe, schema_path = sys.argv[1], sys.argv[2]
if not os.path.exists(schema_path):
    print('schema not found: skipped')
    sys.exit(77)
try:
    import jsonschema
except ImportError:
    print('python3-jsonschema missing: skipped')
    sys.exit(77)
out = subprocess.run([exe, 'stats_json_shape'], env=dict(os.environ, VG_PRINT_STATS='1'),
                     capture_output=True, text=True, check=True).stdout
stats = json.loads(out.splitlines()[0])
event = {'timestamp': '2026-01-01T00:00:00.000000+0000', 'event_type': 'stats',
         'stats': dict(uptime=1, **stats)}
schema = json.load(open(schema_path))
jsonschema.validate(event, schema)
n = len(stats['decoder']) - 1 + sum(len(v) for v in stats['decoder']['event'].values())
print(f'decoder and defrag stats valid against the EVE schema ({n} decoder counters)')
