/*
 * store_int.h: the backend table behind store.h.  Each backend (SQLite,
 * PostgreSQL) fills one const vg_store_ops; store.c dispatches.
 */
#ifndef VG_SERVER_STORE_INT_H
#define VG_SERVER_STORE_INT_H

#include "server/store.h"

typedef struct vg_store_ops {
    const char *name;
    int (*open)(vg_store *st, const char *target, char *errbuf);
    void (*close)(vg_store *st);
    int (*insert_events)(vg_store *st, const vg_store_event *ev, size_t n, size_t *inserted,
                         uint8_t *is_new, char *errbuf);
    int (*query_events)(vg_store *st, const vg_store_filter *f,
                        void (*cb)(int64_t, const char *, void *), void *arg,
                        int64_t *next_before, char *errbuf);
    int (*count_events)(vg_store *st, const vg_store_filter *f, int64_t *count, char *errbuf);
    int (*prune)(vg_store *st, const char *unit, int64_t cutoff_us, int64_t *deleted,
                 char *errbuf);
    int (*user_put)(vg_store *st, const vg_store_user *u, char *errbuf);
    int (*user_get)(vg_store *st, const char *name, vg_store_user *out);
    int (*user_count)(vg_store *st, int64_t *count);
    int (*token_put)(vg_store *st, const char *hash, const char *user, char *errbuf);
    int (*token_user)(vg_store *st, const char *hash, vg_store_user *out);
    int (*audit)(vg_store *st, const char *user, const char *action, const char *detail);
    int (*exec)(vg_store *st, const char *sql, const char *const *params, int nparams,
                vg_store_row_cb row, void *arg, int64_t *changes, char *errbuf);
    int (*durable)(vg_store *st, bool durable);
    /* Time partitions (PostgreSQL; NULL: the backend has none). */
    int (*part_maintain)(vg_store *st, int64_t now_us, char *errbuf);
    int (*part_drop)(vg_store *st, int64_t cutoff_us, int64_t *parts, int64_t *rows,
                     char *errbuf);
    const char *pk;   /* the backend's auto-increment primary key column type */
    const char *without_rowid;  /* " WITHOUT ROWID" (SQLite) or "" */
} vg_store_ops;

struct vg_store {
    const vg_store_ops *ops;
    void *db;       /* sqlite3 * or PGconn * */
    void *priv;     /* backend's prepared statements */
};

extern const vg_store_ops vg_store_sqlite_ops;
extern const vg_store_ops vg_store_pg_ops;

/* Build the WHERE clause of an event query into sql (cap bytes) with
 * placeholders in the backend's style ("?" or "$N"); the values, in order,
 * go to params (strings) and their count to *nparams.  Shared by both
 * backends so that they filter identically. */
#define VG_STORE_MAX_PARAMS 48

/* The core tables (events, users, tokens, audit) as portable DDL, and its
 * expansion for a backend (pk = the backend's auto-increment key type);
 * each backend runs the result natively at open. */
extern const char vg_store_core_ddl[];
int vg_store_ddl_expand(const char *ddl, const char *pk, char *out, size_t cap);
int vg_store_where(const vg_store_filter *f, bool dollar, char *sql, size_t cap,
                   char params[][64], int *nparams);

#endif
