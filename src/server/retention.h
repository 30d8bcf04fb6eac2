/*
 * retention.h: how long events are kept, per information system, and the
 * pruning that enforces it.
 *
 * An event belongs to the host (sending account) that sent it, the host to
 * at most one information system (inventory.h).  Its retention is the
 * system's retention_months when set, otherwise the minimum for the
 * system's level (1, 1, 3, 6, 12 months for levels 1-5); events of hosts in
 * no system keep default_months.  Every retention is capped by max_months
 * (the configured upper bound: nothing is kept longer), which is never
 * below 12.  A month counts as 31 days, so "at least N months" holds.
 *
 * On PostgreSQL, whose events table is partitioned by time (store_pg.c),
 * each pass first makes the partitions ahead and drops every partition
 * whose whole range is older than the longest retention of any host (and
 * the default), counting its rows as deleted; what remains past a shorter
 * retention goes in batches as on SQLite.
 *
 * Pruning deletes in batches of `batch` rows, each its own short
 * transaction, at most `max_batches` per call, so that ingest interleaves;
 * the server calls it on a timer with its lock held per batch only.
 * Deleted events stay referenced by incidents (which are kept).
 *
 * The estimate reports per system the stored events, their bytes, the
 * oldest event, the rate over the last 7 days and the disk use projected
 * at that rate over the retention, scaled by the store's overhead (the
 * database size over the stored JSON bytes).  It scans the events table:
 * an admin screen's query, not a dashboard one.
 */
#ifndef VG_SERVER_RETENTION_H
#define VG_SERVER_RETENTION_H

#include <jansson.h>
#include <pthread.h>

#include "server/store.h"

#define VG_MONTH_US ((int64_t)31 * 86400 * 1000000)

typedef struct vg_retention_cfg {
    int max_months;       /* upper bound, >= 12 */
    int default_months;   /* hosts in no system */
    int batch;            /* rows per delete, default 5000 */
    int max_batches;      /* per call, default 100 */
} vg_retention_cfg;

/* Retention in months of one host: its system's level and override (level
 * 0 = no system). */
int vg_retention_months(const vg_retention_cfg *c, int level, int override_months);

/* One bounded pruning pass.  lock (may be NULL) is taken around each batch.
 * *deleted gets the rows removed, *more whether the pass stopped at
 * max_batches with work left. */
int vg_retention_prune(vg_store *st, pthread_mutex_t *lock, const vg_retention_cfg *c,
                       int64_t now_us, int64_t *deleted, bool *more, char *errbuf);

/* Disk-use estimate, scoped to unit ("" = all). */
json_t *vg_retention_estimate(vg_store *st, const vg_retention_cfg *c, const char *unit,
                              int64_t now_us, char *errbuf);

#endif
