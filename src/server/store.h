/*
 * store.h: the server's event and inventory store behind one interface, with
 * two backends: SQLite (WAL, the default, one file in the data directory)
 * and PostgreSQL (libpq).  The same schema and the same test suite run on
 * both.
 *
 * Events are kept as their JSON line plus the columns the screens filter on.
 * Each event has an `event_id` (TEXT, unique): inserting an id that is
 * already stored is a no-op, which makes retried deliveries idempotent.
 * vg_store_insert_events() commits before it returns: the ingest path
 * acknowledges a batch only after this call succeeded.
 *
 * Threading: a vg_store handle is used by one thread at a time; the server
 * serialises writes through one writer and opens one handle per reader.
 */
#ifndef VG_SERVER_STORE_H
#define VG_SERVER_STORE_H

#include "core/vg.h"

typedef struct vg_store vg_store;

/* One event to insert.  All strings borrowed for the call. */
typedef struct vg_store_event {
    const char *event_id;    /* unique id (required) */
    int64_t ts_us;           /* event time, microseconds since the epoch */
    const char *event_type;  /* "alert", "flow", "log", ... */
    const char *sensor;      /* sending sensor/agent name */
    const char *unit;        /* organisational unit the sender belongs to */
    const char *src_ip, *dest_ip;   /* may be NULL */
    int64_t signature_id;    /* alert sid / log rule id, 0 none */
    int severity;            /* alert severity 1-4 or log level 0-15 scaled, 0 none */
    const char *signature;   /* alert signature / rule description, may be NULL */
    const char *json;        /* the whole event line */
} vg_store_event;

/* Query filter for vg_store_query_events(); zero/NULL fields are unused. */
typedef struct vg_store_filter {
    const char *event_type;
    const char *src_ip;
    const char *dest_ip;
    const char *text;        /* substring over signature, src/dest ip, sensor */
    int64_t since_us, until_us;
    int64_t signature_id;
    const char *const *units;/* NULL-terminated list the caller may see; NULL = all */
    int64_t before_id;       /* keyset pagination: only rows with id < before_id */
    int64_t after_id;        /* only rows with id >= after_id (0 = unused) */
    int64_t text_window;     /* ids a text search scans; 0 = VG_STORE_TEXT_WINDOW */
    int limit;               /* default 100, max 1000 */
    int excepted;            /* 1: only events an exception matched, -1: only the
                              * others, 0: both (exceptions.h) */
} vg_store_filter;

/* Text search (`text`) is a substring scan, so a query scans at most
 * VG_STORE_TEXT_WINDOW ids below before_id (or the newest id): a page may
 * then hold fewer rows than the limit while *next_before continues below
 * the window; the caller pages on.  A text that is an IP address matches
 * src_ip or dest_ip exactly (through their indexes), without a window. */
#define VG_STORE_TEXT_WINDOW 50000

/* Open "sqlite:PATH", a plain path (SQLite), or "postgresql://..." /
 * "postgres://..." (libpq), creating the schema when missing. */
int vg_store_open(vg_store **out, const char *uri, char *errbuf) VG_WARN_UNUSED;
void vg_store_close(vg_store *st);
const char *vg_store_backend(const vg_store *st);

/* Insert n events in one transaction; *inserted gets the number that were
 * new (duplicates by event_id are skipped).  Durable on return. */
int vg_store_insert_events(vg_store *st, const vg_store_event *ev, size_t n, size_t *inserted,
                           char *errbuf) VG_WARN_UNUSED;
/* The same, and is_new[i] (n bytes) says whether ev[i] was new. */
int vg_store_insert_events_flags(vg_store *st, const vg_store_event *ev, size_t n,
                                 size_t *inserted, uint8_t *is_new, char *errbuf) VG_WARN_UNUSED;

/* Query events, newest first.  For each row cb(id, json, arg) is called;
 * *next_before gets the id to pass as before_id for the next page (0 when
 * this was the last page). */
int vg_store_query_events(vg_store *st, const vg_store_filter *f,
                          void (*cb)(int64_t id, const char *json, void *arg), void *arg,
                          int64_t *next_before, char *errbuf) VG_WARN_UNUSED;

int vg_store_count_events(vg_store *st, const vg_store_filter *f, int64_t *count, char *errbuf);

/* Delete events older than cutoff for the given unit (NULL = all units);
 * *deleted gets the number removed.  Runs in bounded batches. */
int vg_store_prune(vg_store *st, const char *unit, int64_t cutoff_us, int64_t *deleted,
                   char *errbuf);

/* Time partitions (PostgreSQL: store_pg.c; SQLite has none and these do
 * nothing).  maintain makes the partitions for now and ahead; drop removes
 * every partition whose whole time range is before cutoff_us, *parts and
 * *rows getting what went.  Idempotency on PostgreSQL is per (event_id,
 * event time): see store_pg.c. */
int vg_store_partitions_maintain(vg_store *st, int64_t now_us, char *errbuf);
int vg_store_partitions_drop(vg_store *st, int64_t cutoff_us, int64_t *parts, int64_t *rows,
                             char *errbuf);

/* Users and tokens (auth.c hashes; the store keeps the hashes). */
typedef struct vg_store_user {
    int64_t id;
    char name[64];
    char role[16];           /* admin, analyst, viewer */
    char unit[64];           /* "" = all units */
    char pwhash[160];        /* scrypt$N$r$p$salt$hash (base64) */
} vg_store_user;

int vg_store_user_put(vg_store *st, const vg_store_user *u, char *errbuf);
int vg_store_user_get(vg_store *st, const char *name, vg_store_user *out); /* VG_ENOENT */
int vg_store_user_count(vg_store *st, int64_t *count);
int vg_store_token_put(vg_store *st, const char *token_hash, const char *user, char *errbuf);
int vg_store_token_user(vg_store *st, const char *token_hash, vg_store_user *out);

/* Generic statement for the modules above the store (incidents, inventory):
 * portable SQL with `?` placeholders (translated to $N for PostgreSQL) and
 * string parameters (NULL = SQL NULL).  row(arg, ncols, values) is called per
 * result row (values NULL for SQL NULL); *changes gets the number of rows a
 * write changed.  Any of row/changes may be NULL. */
typedef void (*vg_store_row_cb)(void *arg, int ncols, const char *const *vals);
int vg_store_exec(vg_store *st, const char *sql, const char *const *params, int nparams,
                  vg_store_row_cb row, void *arg, int64_t *changes, char *errbuf) VG_WARN_UNUSED;
/* Run DDL statements separated by ';' in which `%PK%` stands for the
 * backend's auto-increment primary key ("INTEGER PRIMARY KEY AUTOINCREMENT"
 * or "BIGSERIAL PRIMARY KEY") and `%WITHOUT_ROWID%` after a table's
 * definition clusters it by its primary key on SQLite (nothing on
 * PostgreSQL): one schema text for both backends. */
int vg_store_ddl(vg_store *st, const char *ddl, char *errbuf) VG_WARN_UNUSED;
/* Transactions around several vg_store_exec calls. */
int vg_store_begin(vg_store *st);
int vg_store_commit(vg_store *st);
void vg_store_rollback(vg_store *st);

/* Durability of the following commits: true (the default) means a commit
 * is on disk when it returns; false lets the backend delay the flush
 * (SQLite WAL synchronous=NORMAL, PostgreSQL synchronous_commit=off: a
 * crash may lose the last commits, never corrupts).  For derived data
 * written after the events it derives from were committed durably. */
int vg_store_set_durable(vg_store *st, bool durable);

/* Audit trail: who did what, when. */
int vg_store_audit(vg_store *st, const char *user, const char *action, const char *detail);

#endif
