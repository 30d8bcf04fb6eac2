/*
 * eve.h: the event writer.  Every role emits events as one JSON object per
 * line, with Suricata's EVE field names where EVE has them.  One writer
 * serialises lines; sinks (an EVE file today; the local store and the uplink
 * later) take the same bytes.
 *
 * In file mode (pcap replay) the writer is driven by one thread and output
 * order is deterministic.  vg_eve_write() is thread-safe for live modes.
 */
#ifndef VG_EVE_H
#define VG_EVE_H

#include <stdio.h>
#include <sys/time.h>

#include "core/jbuf.h"

typedef struct vg_eve vg_eve;

/* Open path for appending (truncate when `truncate`); "-" is stdout. */
int vg_eve_open(vg_eve **out, const char *path, bool truncate, char *errbuf) VG_WARN_UNUSED;
/* Write one finished event (jb holds one JSON object); adds the newline.
 * Returns VG_ELIMIT if jb overflowed (the event is counted as dropped). */
int vg_eve_write(vg_eve *e, const vg_jb *jb);
void vg_eve_flush(vg_eve *e);
/* Also keep every event in a local SQLite store (table `events`: id, ts,
 * event_type, json), the second sink of the event model.  Lines are written
 * in batched transactions committed at least every 256 events and at
 * flush/close.  Returns VG_EIO with errbuf when the store cannot be opened. */
int vg_eve_add_store(vg_eve *e, const char *db_path, char *errbuf) VG_WARN_UNUSED;
uint64_t vg_eve_stored(const vg_eve *e);
void vg_eve_close(vg_eve *e);
uint64_t vg_eve_written(const vg_eve *e);
uint64_t vg_eve_dropped(const vg_eve *e);

/* Suricata's timestamp form: 2024-04-19T10:11:12.123456+0000 (local time,
 * numeric offset).  out needs 40 bytes. */
void vg_eve_timestamp(const struct timeval *tv, char out[40]);

/* Start an event object with timestamp (and flow_id when nonzero) and
 * event_type; the caller adds fields and closes the object. */
void vg_eve_begin(vg_jb *jb, const struct timeval *tv, const char *event_type);

#endif
