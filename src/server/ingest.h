/*
 * ingest.h: turning a batch of event lines (NDJSON, as senders post them)
 * into rows for the store.
 *
 * Each line must be one JSON object.  Its `event_id` is kept when present;
 * otherwise it is derived as SHA-256(sensor, line) so that a retried line
 * maps to the same id.  Columns are taken from EVE fields (timestamp,
 * event_type, src_ip, dest_ip, alert.signature_id/severity/signature,
 * log.rule.id/level/description).  Secrets are redacted before storage:
 * Cookie, Set-Cookie, Authorization and Proxy-Authorization header values,
 * and password/token-like parameters in URLs and form bodies.
 *
 * Limits: a batch holds at most VG_INGEST_MAX_EVENTS lines and each line at
 * most VG_INGEST_MAX_LINE bytes; a bad line rejects the whole batch with its
 * line number (the sender keeps it in its spool and reports it).
 */
#ifndef VG_SERVER_INGEST_H
#define VG_SERVER_INGEST_H

#include "server/store.h"

#define VG_INGEST_MAX_EVENTS 20000
#define VG_INGEST_MAX_LINE (1u << 20)

typedef struct vg_ingest_batch {
    vg_store_event *ev;
    size_t n;
    char **owned;      /* strings owned by the batch */
    size_t nowned, capowned;
} vg_ingest_batch;

/* Parse body (len bytes) from `sensor` in `unit`.  On error errbuf says
 * "line N: reason". */
int vg_ingest_parse(const char *body, size_t len, const char *sensor, const char *unit,
                    vg_ingest_batch *out, char *errbuf) VG_WARN_UNUSED;
void vg_ingest_free(vg_ingest_batch *b);

/* Parse an EVE timestamp ("2024-05-01T08:00:00.913500+0000") to
 * microseconds since the epoch; VG_EINVAL when malformed. */
int vg_ingest_parse_ts(const char *s, int64_t *us);

/* Redact secrets inside a decoded event in place; true when something was
 * redacted (the event is then stored re-encoded, otherwise as sent). */
struct json_t;
bool vg_ingest_redact(struct json_t *ev);

#endif
