/*
 * rollup.h: per-hour counters behind the dashboard's overview, so that it
 * answers in milliseconds on tens of millions of events.
 *
 * For every newly stored event (duplicates are not counted twice) the
 * ingest adds 1 to (unit, hour, "type", event_type); for alerts also to
 * ("sig", signature), ("src", src_ip), ("dest", dest_ip) and ("sev",
 * severity), and per day (hour = the day's first hour, UTC) to ("sigd",
 * "srcd", "destd"), which the top lists of windows of two days or more
 * read: they then cover the whole days the window touches.  A batch is aggregated in memory first, then upserted, in one
 * transaction.  The overview sums these rows over whole hours of its
 * window.  Counters older than the retention upper bound are pruned with
 * the events; counters of pruned events inside it remain (the overview
 * reports what arrived, the event search what is kept).
 */
#ifndef VG_SERVER_ROLLUP_H
#define VG_SERVER_ROLLUP_H

#include "server/store.h"

#define VG_HOUR_US ((int64_t)3600 * 1000000)

int vg_rollup_schema(vg_store *st, char *errbuf) VG_WARN_UNUSED;

/* Count the events ev[i] with is_new[i] (NULL: all). */
int vg_rollup_add(vg_store *st, const vg_store_event *ev, size_t n, const uint8_t *is_new,
                  char *errbuf) VG_WARN_UNUSED;

/* Drop counters of hours before cutoff_us. */
int vg_rollup_prune(vg_store *st, int64_t cutoff_us, int64_t *deleted, char *errbuf);

#endif
