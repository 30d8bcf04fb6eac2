/*
 * store_sqlite.c: the SQLite backend of store.h.  WAL journal, synchronous
 * NORMAL is not enough for "acknowledged means durable", so FULL; batches
 * go in one transaction with prepared statements.
 */
#include "server/store_int.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Prepared statements of vg_store_exec, reused by SQL text (least recently
 * used out): the modules above the store run the same few statements per
 * batch, and preparing them each time cost as much as the inserts. */
#define SQ_CACHE 48
typedef struct sq_cached {
    char *sql;
    sqlite3_stmt *stmt;
    uint64_t used;
} sq_cached;

typedef struct sq_priv {
    sqlite3_stmt *ins;
    sq_cached cache[SQ_CACHE];
    uint64_t clock;
} sq_priv;

static int sq_err(sqlite3 *db, char *errbuf, const char *what)
{
    return vg_err(errbuf, VG_EIO, "sqlite: %s: %s", what, sqlite3_errmsg(db));
}

static int sq_open(vg_store *st, const char *path, char *errbuf)
{
    sqlite3 *db;
    /* No global memory statistics: they take a global mutex on every
     * allocation (a few % of ingest).  Only possible before SQLite's first
     * use in the process; afterwards the call is refused, harmlessly. */
    static bool configured;
    if (!configured) {
        configured = true;
        (void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    }
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK) {
        int rc = vg_err(errbuf, VG_EIO, "sqlite: cannot open %s: %s", path, sqlite3_errmsg(db));
        sqlite3_close(db);
        return rc;
    }
    sqlite3_busy_timeout(db, 5000);
    char *msg = NULL;
    char schema[4096];
    if (sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA cache_size=-65536;"
                        " PRAGMA mmap_size=1073741824; PRAGMA temp_store=MEMORY;"
                        " PRAGMA wal_autocheckpoint=16384;", NULL, NULL, &msg) != SQLITE_OK ||
        vg_store_ddl_expand(vg_store_core_ddl, vg_store_sqlite_ops.pk, schema, sizeof schema) != VG_OK ||
        sqlite3_exec(db, schema, NULL, NULL, &msg) != SQLITE_OK) {
        int rc = vg_err(errbuf, VG_EIO, "sqlite: schema on %s: %s", path, msg ? msg : "?");
        sqlite3_free(msg);
        sqlite3_close(db);
        return rc;
    }
    sq_priv *pv = calloc(1, sizeof(*pv));
    if (!pv || sqlite3_prepare_v2(db,
            "INSERT INTO events(event_id, ts, received, event_type, sensor, unit, src_ip, dest_ip,"
            " signature_id, severity, signature, json) VALUES(?,?,?,?,?,?,?,?,?,?,?,?)"
            " ON CONFLICT(event_id) DO NOTHING", -1, &pv->ins, NULL) != SQLITE_OK) {
        int rc = sq_err(db, errbuf, "prepare insert");
        free(pv);
        sqlite3_close(db);
        return rc;
    }
    st->db = db;
    st->priv = pv;
    return VG_OK;
}

static void sq_close(vg_store *st)
{
    sq_priv *pv = st->priv;
    if (pv) {
        sqlite3_finalize(pv->ins);
        for (int i = 0; i < SQ_CACHE; i++) {
            sqlite3_finalize(pv->cache[i].stmt);
            free(pv->cache[i].sql);
        }
        free(pv);
    }
    sqlite3_close(st->db);
}

static void bind_text(sqlite3_stmt *s, int i, const char *v)
{
    if (v)
        sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(s, i);
}

static int sq_insert(vg_store *st, const vg_store_event *ev, size_t n, size_t *inserted,
                     uint8_t *is_new, char *errbuf)
{
    sqlite3 *db = st->db;
    sq_priv *pv = st->priv;
    size_t added = 0;
    int64_t rcv = vg_now_us();
    if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return sq_err(db, errbuf, "begin");
    for (size_t i = 0; i < n; i++) {
        const vg_store_event *e = &ev[i];
        sqlite3_stmt *s = pv->ins;
        sqlite3_reset(s);
        bind_text(s, 1, e->event_id);
        sqlite3_bind_int64(s, 2, e->ts_us);
        sqlite3_bind_int64(s, 3, rcv);
        bind_text(s, 4, e->event_type ? e->event_type : "");
        bind_text(s, 5, e->sensor ? e->sensor : "");
        bind_text(s, 6, e->unit ? e->unit : "");
        bind_text(s, 7, e->src_ip);
        bind_text(s, 8, e->dest_ip);
        sqlite3_bind_int64(s, 9, e->signature_id);
        sqlite3_bind_int(s, 10, e->severity);
        bind_text(s, 11, e->signature);
        bind_text(s, 12, e->json);
        if (sqlite3_step(s) != SQLITE_DONE) {
            int rc = sq_err(db, errbuf, "insert");
            sqlite3_reset(s);
            sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
            return rc;
        }
        int ch = sqlite3_changes(db);
        added += (size_t)ch;
        if (is_new)
            is_new[i] = ch > 0;
    }
    sqlite3_reset(pv->ins);
    if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        int rc = sq_err(db, errbuf, "commit");
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        return rc;
    }
    if (inserted)
        *inserted = added;
    return VG_OK;
}

static int prepare_filtered(vg_store *st, const char *head, const vg_store_filter *f,
                            const char *tail, sqlite3_stmt **out, char *errbuf)
{
    char where[2048], sql[2600];
    char params[VG_STORE_MAX_PARAMS][64];
    int np = 0;
    if (vg_store_where(f, false, where, sizeof where, params, &np) != VG_OK)
        return vg_err(errbuf, VG_ELIMIT, "query filter too large");
    snprintf(sql, sizeof sql, "%s %s %s", head, where, tail);
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
        return sq_err(st->db, errbuf, "prepare query");
    for (int i = 0; i < np; i++)
        sqlite3_bind_text(s, i + 1, params[i], -1, SQLITE_TRANSIENT);
    *out = s;
    return VG_OK;
}

static int sq_query(vg_store *st, const vg_store_filter *f,
                    void (*cb)(int64_t, const char *, void *), void *arg, int64_t *next_before,
                    char *errbuf)
{
    int limit = f->limit > 0 ? VG_MIN(f->limit, 1000) : 100;
    char tail[64];
    snprintf(tail, sizeof tail, "ORDER BY id DESC LIMIT %d", limit + 1);
    sqlite3_stmt *s;
    int rc = prepare_filtered(st, "SELECT id, json FROM events", f, tail, &s, errbuf);
    if (rc != VG_OK)
        return rc;
    int rows = 0;
    int64_t last = 0;
    *next_before = 0;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (rows == limit) {
            *next_before = last;
            break;
        }
        last = sqlite3_column_int64(s, 0);
        cb(last, (const char *)sqlite3_column_text(s, 1), arg);
        rows++;
    }
    int ret = rc == SQLITE_ROW || rc == SQLITE_DONE ? VG_OK : sq_err(st->db, errbuf, "query");
    sqlite3_finalize(s);
    return ret;
}

static int sq_count(vg_store *st, const vg_store_filter *f, int64_t *count, char *errbuf)
{
    sqlite3_stmt *s;
    vg_store_filter g = *f;
    g.before_id = 0;
    int rc = prepare_filtered(st, "SELECT count(*) FROM events", &g, "", &s, errbuf);
    if (rc != VG_OK)
        return rc;
    rc = sqlite3_step(s) == SQLITE_ROW ? VG_OK : sq_err(st->db, errbuf, "count");
    if (rc == VG_OK)
        *count = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return rc;
}

static int sq_prune(vg_store *st, const char *unit, int64_t cutoff_us, int64_t *deleted,
                    char *errbuf)
{
    /* Bounded batches keep each write transaction short. */
    const char *sql = unit
        ? "DELETE FROM events WHERE id IN (SELECT id FROM events WHERE ts < ? AND unit = ? LIMIT 5000)"
        : "DELETE FROM events WHERE id IN (SELECT id FROM events WHERE ts < ? LIMIT 5000)";
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
        return sq_err(st->db, errbuf, "prepare prune");
    int64_t total = 0;
    for (;;) {
        sqlite3_reset(s);
        sqlite3_bind_int64(s, 1, cutoff_us);
        if (unit)
            sqlite3_bind_text(s, 2, unit, -1, SQLITE_STATIC);
        if (sqlite3_step(s) != SQLITE_DONE) {
            int rc = sq_err(st->db, errbuf, "prune");
            sqlite3_finalize(s);
            return rc;
        }
        int n = sqlite3_changes(st->db);
        total += n;
        if (n < 5000)
            break;
    }
    sqlite3_finalize(s);
    *deleted = total;
    return VG_OK;
}

static int sq_user_put(vg_store *st, const vg_store_user *u, char *errbuf)
{
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(st->db,
            "INSERT INTO users(name, role, unit, pwhash) VALUES(?,?,?,?) ON CONFLICT(name) DO "
            "UPDATE SET role=excluded.role, unit=excluded.unit, pwhash=excluded.pwhash",
            -1, &s, NULL) != SQLITE_OK)
        return sq_err(st->db, errbuf, "prepare user");
    sqlite3_bind_text(s, 1, u->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, u->role, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, u->unit, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, u->pwhash, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s) == SQLITE_DONE ? VG_OK : sq_err(st->db, errbuf, "user");
    sqlite3_finalize(s);
    return rc;
}

static int user_row(sqlite3_stmt *s, vg_store_user *out)
{
    if (sqlite3_step(s) != SQLITE_ROW)
        return VG_ENOENT;
    memset(out, 0, sizeof(*out));
    out->id = sqlite3_column_int64(s, 0);
    snprintf(out->name, sizeof out->name, "%s", (const char *)sqlite3_column_text(s, 1));
    snprintf(out->role, sizeof out->role, "%s", (const char *)sqlite3_column_text(s, 2));
    snprintf(out->unit, sizeof out->unit, "%s", (const char *)sqlite3_column_text(s, 3));
    snprintf(out->pwhash, sizeof out->pwhash, "%s", (const char *)sqlite3_column_text(s, 4));
    return VG_OK;
}

static int sq_user_get(vg_store *st, const char *name, vg_store_user *out)
{
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(st->db, "SELECT id, name, role, unit, pwhash FROM users WHERE name = ?",
                           -1, &s, NULL) != SQLITE_OK)
        return VG_EIO;
    sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
    int rc = user_row(s, out);
    sqlite3_finalize(s);
    return rc;
}

static int sq_user_count(vg_store *st, int64_t *count)
{
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(st->db, "SELECT count(*) FROM users", -1, &s, NULL) != SQLITE_OK)
        return VG_EIO;
    int rc = sqlite3_step(s) == SQLITE_ROW ? VG_OK : VG_EIO;
    if (rc == VG_OK)
        *count = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return rc;
}

static int sq_token_put(vg_store *st, const char *hash, const char *user, char *errbuf)
{
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(st->db, "INSERT INTO tokens(hash, user_name, created) VALUES(?,?,?)",
                           -1, &s, NULL) != SQLITE_OK)
        return sq_err(st->db, errbuf, "prepare token");
    sqlite3_bind_text(s, 1, hash, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, user, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, vg_now_us());
    int rc = sqlite3_step(s) == SQLITE_DONE ? VG_OK : sq_err(st->db, errbuf, "token");
    sqlite3_finalize(s);
    return rc;
}

static int sq_token_user(vg_store *st, const char *hash, vg_store_user *out)
{
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(st->db,
            "SELECT u.id, u.name, u.role, u.unit, u.pwhash FROM tokens t JOIN users u "
            "ON u.name = t.user_name WHERE t.hash = ?", -1, &s, NULL) != SQLITE_OK)
        return VG_EIO;
    sqlite3_bind_text(s, 1, hash, -1, SQLITE_STATIC);
    int rc = user_row(s, out);
    sqlite3_finalize(s);
    return rc;
}

static int sq_audit(vg_store *st, const char *user, const char *action, const char *detail)
{
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(st->db, "INSERT INTO audit(ts, user_name, action, detail) VALUES(?,?,?,?)",
                           -1, &s, NULL) != SQLITE_OK)
        return VG_EIO;
    sqlite3_bind_int64(s, 1, vg_now_us());
    sqlite3_bind_text(s, 2, user, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, action, -1, SQLITE_STATIC);
    bind_text(s, 4, detail);
    int rc = sqlite3_step(s) == SQLITE_DONE ? VG_OK : VG_EIO;
    sqlite3_finalize(s);
    return rc;
}

static sqlite3_stmt *cached(vg_store *st, const char *sql, char *errbuf, int *rc)
{
    sq_priv *pv = st->priv;
    int victim = 0;
    for (int i = 0; i < SQ_CACHE; i++) {
        if (pv->cache[i].sql && strcmp(pv->cache[i].sql, sql) == 0) {
            pv->cache[i].used = ++pv->clock;
            *rc = VG_OK;
            return pv->cache[i].stmt;
        }
        if (pv->cache[i].used < pv->cache[victim].used)
            victim = i;
    }
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK) {
        *rc = sq_err(st->db, errbuf, "prepare");
        return NULL;
    }
    char *copy = strdup(sql);
    if (!copy) {
        sqlite3_finalize(s);
        *rc = vg_err(errbuf, VG_ENOMEM, "out of memory");
        return NULL;
    }
    sq_cached *c = &pv->cache[victim];
    sqlite3_finalize(c->stmt);
    free(c->sql);
    *c = (sq_cached){.sql = copy, .stmt = s, .used = ++pv->clock};
    *rc = VG_OK;
    return s;
}

static int sq_exec(vg_store *st, const char *sql, const char *const *params, int nparams,
                   vg_store_row_cb row, void *arg, int64_t *changes, char *errbuf)
{
    int rc;
    sqlite3_stmt *s = cached(st, sql, errbuf, &rc);
    if (!s)
        return rc;
    for (int i = 0; i < nparams; i++)
        bind_text(s, i + 1, params[i]);
    const char *vals[32];
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        int n = VG_MIN(sqlite3_column_count(s), 32);
        for (int i = 0; i < n; i++)
            vals[i] = (const char *)sqlite3_column_text(s, i);
        if (row)
            row(arg, n, vals);
    }
    int ret = rc == SQLITE_DONE ? VG_OK : sq_err(st->db, errbuf, "step");
    if (ret == VG_OK && changes)
        *changes = sqlite3_changes(st->db);
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    return ret;
}

static int sq_durable(vg_store *st, bool durable)
{
    return sqlite3_exec(st->db, durable ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL",
                        NULL, NULL, NULL) == SQLITE_OK ? VG_OK : VG_EIO;
}

const vg_store_ops vg_store_sqlite_ops = {
    .pk = "INTEGER PRIMARY KEY AUTOINCREMENT",
    .without_rowid = " WITHOUT ROWID",
    .exec = sq_exec,
    .durable = sq_durable,
    .name = "sqlite",
    .open = sq_open,
    .close = sq_close,
    .insert_events = sq_insert,
    .query_events = sq_query,
    .count_events = sq_count,
    .prune = sq_prune,
    .user_put = sq_user_put,
    .user_get = sq_user_get,
    .user_count = sq_user_count,
    .token_put = sq_token_put,
    .token_user = sq_token_user,
    .audit = sq_audit,
};
