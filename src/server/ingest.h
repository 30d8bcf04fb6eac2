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

/* The fast path (ingest_scan.c): one pass over a line that validates it and
 * picks out the columns as spans of the line (no escapes in them).  False
 * means "not sure": parse with jansson.  When true, jansson accepts the line
 * with the same values and vg_ingest_redact would change nothing. */
typedef struct vg_ingest_span {
    const char *b;
    size_t n;
    bool set;           /* the key was there with a string value */
} vg_ingest_span;

typedef struct vg_ingest_fields {
    vg_ingest_span event_type, timestamp, event_id, host, src_ip, dest_ip;
    vg_ingest_span signature;          /* alert.signature */
    int64_t signature_id, severity;    /* alert.*, 0 unless integers */
} vg_ingest_fields;

bool vg_ingest_scan(const char *line, size_t n, vg_ingest_fields *f);

/* True when the raw text of an http object (n bytes) might hold something
 * vg_ingest_redact would change (conservative). */
bool vg_ingest_http_may_redact(const char *obj, size_t n);

#endif
