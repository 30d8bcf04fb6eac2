/*
 * store_pg.c: the PostgreSQL backend of store.h (libpq).  Same tables and
 * columns as store_sqlite.c; batches in one transaction with a prepared
 * insert; `ON CONFLICT (event_id) DO NOTHING` makes retries idempotent.
 */
#include "server/store_int.h"

#include <inttypes.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Run a command; VG_OK when it returned `want`. */
static int pg_ok(PGresult *r, ExecStatusType want, PGconn *c, char *errbuf, const char *what)
{
    int rc = VG_OK;
    if (PQresultStatus(r) != want)
        rc = vg_err(errbuf, VG_EIO, "postgresql: %s: %s", what, PQerrorMessage(c));
    PQclear(r);
    return rc;
}

static int pg_open(vg_store *st, const char *uri, char *errbuf)
{
    PGconn *c = PQconnectdb(uri);
    if (PQstatus(c) != CONNECTION_OK) {
        /* The URI may hold a password: report the server's reason only. */
        int rc = vg_err(errbuf, VG_EIO, "postgresql: cannot connect: %s", PQerrorMessage(c));
        PQfinish(c);
        return rc;
    }
    PQclear(PQexec(c, "SET client_min_messages = warning"));
    char schema[4096];
    int rc = vg_store_ddl_expand(vg_store_core_ddl, vg_store_pg_ops.pk, schema, sizeof schema);
    if (rc == VG_OK)
        rc = pg_ok(PQexec(c, schema), PGRES_COMMAND_OK, c, errbuf, "schema");
    if (rc == VG_OK)
        rc = pg_ok(PQexec(c, "CREATE TEMP TABLE IF NOT EXISTS ev_in (seq INTEGER, event_id TEXT,"
                             " ts BIGINT, received BIGINT, event_type TEXT, sensor TEXT, unit TEXT,"
                             " src_ip TEXT, dest_ip TEXT, signature_id BIGINT, severity INTEGER,"
                             " signature TEXT, json TEXT) ON COMMIT DELETE ROWS"),
                   PGRES_COMMAND_OK, c, errbuf, "temporary table");
    if (rc != VG_OK) {
        PQfinish(c);
        return rc;
    }
    st->db = c;
    return VG_OK;
}

static void pg_close(vg_store *st) { PQfinish(st->db); }

/* COPY text format: backslash, tab, newline and carriage return escaped;
 * NULL is \N. */
typedef struct cbuf {
    char *p;
    size_t len, cap;
    bool oom;
} cbuf;

static void cb_put(cbuf *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 1 << 16;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *q = realloc(b->p, cap);
        if (!q) {
            b->oom = true;
            return;
        }
        b->p = q;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
}

static void cb_field(cbuf *b, const char *v, bool last)
{
    if (!v) {
        cb_put(b, "\\N", 2);
    } else {
        const char *run = v;
        for (const char *q = v; *q; q++) {
            const char *esc = *q == '\\' ? "\\\\" : *q == '\t' ? "\\t" : *q == '\n' ? "\\n"
                            : *q == '\r' ? "\\r" : NULL;
            if (esc) {
                cb_put(b, run, (size_t)(q - run));
                cb_put(b, esc, 2);
                run = q + 1;
            }
        }
        cb_put(b, run, strlen(run));
    }
    cb_put(b, last ? "\n" : "\t", 1);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The batch goes in with one COPY into a temporary table and one
 * INSERT ... SELECT ... ON CONFLICT DO NOTHING RETURNING event_id: two
 * round trips per batch instead of one per event. */
static int pg_insert(vg_store *st, const vg_store_event *ev, size_t n, size_t *inserted,
                     uint8_t *is_new, char *errbuf)
{
    PGconn *c = st->db;
    char rcv[24];
    snprintf(rcv, sizeof rcv, "%" PRId64, vg_now_us());
    cbuf b = {0};
    for (size_t i = 0; i < n; i++) {
        const vg_store_event *e = &ev[i];
        char ts[24], sid[24], sev[16], seq[24];
        snprintf(ts, sizeof ts, "%" PRId64, e->ts_us);
        snprintf(sid, sizeof sid, "%" PRId64, e->signature_id);
        snprintf(sev, sizeof sev, "%d", e->severity);
        snprintf(seq, sizeof seq, "%zu", i);
        const char *v[13] = {seq, e->event_id, ts, rcv, e->event_type ? e->event_type : "",
                             e->sensor ? e->sensor : "", e->unit ? e->unit : "", e->src_ip,
                             e->dest_ip, sid, sev, e->signature, e->json};
        for (int k = 0; k < 13; k++)
            cb_field(&b, v[k], k == 12);
    }
    if (b.oom) {
        free(b.p);
        return vg_err(errbuf, VG_ENOMEM, "postgresql: out of memory");
    }
    int rc = pg_ok(PQexec(c, "BEGIN"), PGRES_COMMAND_OK, c, errbuf, "begin");
    if (rc == VG_OK)
        rc = pg_ok(PQexec(c, "COPY ev_in FROM STDIN"), PGRES_COPY_IN, c, errbuf, "copy");
    if (rc == VG_OK) {
        if (PQputCopyData(c, b.p ? b.p : "", (int)b.len) != 1 || PQputCopyEnd(c, NULL) != 1)
            rc = vg_err(errbuf, VG_EIO, "postgresql: copy: %s", PQerrorMessage(c));
        PGresult *r;
        while ((r = PQgetResult(c)) != NULL) {
            if (rc == VG_OK && PQresultStatus(r) != PGRES_COMMAND_OK)
                rc = vg_err(errbuf, VG_EIO, "postgresql: copy: %s", PQerrorMessage(c));
            PQclear(r);
        }
    }
    free(b.p);
    size_t added = 0;
    if (rc == VG_OK) {
        PGresult *r = PQexec(c,
            "INSERT INTO events(event_id, ts, received, event_type, sensor, unit, src_ip, dest_ip,"
            " signature_id, severity, signature, json) SELECT event_id, ts, received, event_type,"
            " sensor, unit, src_ip, dest_ip, signature_id, severity, signature, json FROM ev_in"
            " ORDER BY seq ON CONFLICT (event_id) DO NOTHING RETURNING event_id");
        if (PQresultStatus(r) != PGRES_TUPLES_OK) {
            rc = vg_err(errbuf, VG_EIO, "postgresql: insert: %s", PQerrorMessage(c));
        } else {
            added = (size_t)PQntuples(r);
            if (is_new) {
                /* Which were new: each returned id once (a duplicate inside
                 * the batch was not inserted twice), to its first event. */
                memset(is_new, 0, n);
                const char **ids = malloc((added ? added : 1) * sizeof(*ids));
                uint8_t *used = calloc(added ? added : 1, 1);
                if (!ids || !used) {
                    rc = vg_err(errbuf, VG_ENOMEM, "postgresql: out of memory");
                } else {
                    for (size_t k = 0; k < added; k++)
                        ids[k] = PQgetvalue(r, (int)k, 0);
                    qsort(ids, added, sizeof(*ids), cmp_str);
                    for (size_t i = 0; i < n; i++) {
                        size_t lo = 0, hi = added;
                        while (lo < hi) {
                            size_t mid = lo + (hi - lo) / 2;
                            if (strcmp(ids[mid], ev[i].event_id) < 0)
                                lo = mid + 1;
                            else
                                hi = mid;
                        }
                        if (lo < added && !used[lo] && strcmp(ids[lo], ev[i].event_id) == 0) {
                            used[lo] = 1;
                            is_new[i] = 1;
                        }
                    }
                }
                free(ids);
                free(used);
            }
        }
        PQclear(r);
    }
    if (rc == VG_OK)
        rc = pg_ok(PQexec(c, "COMMIT"), PGRES_COMMAND_OK, c, errbuf, "commit");
    else
        PQclear(PQexec(c, "ROLLBACK"));
    if (rc == VG_OK && inserted)
        *inserted = added;
    return rc;
}

static PGresult *exec_filtered(vg_store *st, const char *head, const vg_store_filter *f,
                               const char *tail, char *errbuf, int *rc)
{
    char where[2048], sql[2600];
    char params[VG_STORE_MAX_PARAMS][64];
    const char *pv[VG_STORE_MAX_PARAMS];
    int np = 0;
    if (vg_store_where(f, true, where, sizeof where, params, &np) != VG_OK) {
        *rc = vg_err(errbuf, VG_ELIMIT, "query filter too large");
        return NULL;
    }
    for (int i = 0; i < np; i++)
        pv[i] = params[i];
    snprintf(sql, sizeof sql, "%s %s %s", head, where, tail);
    PGresult *r = PQexecParams(st->db, sql, np, NULL, pv, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        *rc = vg_err(errbuf, VG_EIO, "postgresql: query: %s", PQerrorMessage(st->db));
        PQclear(r);
        return NULL;
    }
    *rc = VG_OK;
    return r;
}

static int pg_query(vg_store *st, const vg_store_filter *f,
                    void (*cb)(int64_t, const char *, void *), void *arg, int64_t *next_before,
                    char *errbuf)
{
    int limit = f->limit > 0 ? VG_MIN(f->limit, 1000) : 100;
    char tail[64];
    snprintf(tail, sizeof tail, "ORDER BY id DESC LIMIT %d", limit + 1);
    int rc;
    PGresult *r = exec_filtered(st, "SELECT id, json FROM events", f, tail, errbuf, &rc);
    if (!r)
        return rc;
    int rows = PQntuples(r);
    *next_before = 0;
    int64_t last = 0;
    for (int i = 0; i < rows && i < limit; i++) {
        last = strtoll(PQgetvalue(r, i, 0), NULL, 10);
        cb(last, PQgetvalue(r, i, 1), arg);
    }
    if (rows > limit)
        *next_before = last;
    PQclear(r);
    return VG_OK;
}

static int pg_count(vg_store *st, const vg_store_filter *f, int64_t *count, char *errbuf)
{
    vg_store_filter g = *f;
    g.before_id = 0;
    int rc;
    PGresult *r = exec_filtered(st, "SELECT count(*) FROM events", &g, "", errbuf, &rc);
    if (!r)
        return rc;
    *count = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
    return VG_OK;
}

static int pg_prune(vg_store *st, const char *unit, int64_t cutoff_us, int64_t *deleted,
                    char *errbuf)
{
    char cut[24];
    snprintf(cut, sizeof cut, "%" PRId64, cutoff_us);
    const char *v[2] = {cut, unit};
    int64_t total = 0;
    for (;;) {
        PGresult *r = PQexecParams(st->db, unit
            ? "DELETE FROM events WHERE id IN (SELECT id FROM events WHERE ts < $1 AND unit = $2 LIMIT 5000)"
            : "DELETE FROM events WHERE id IN (SELECT id FROM events WHERE ts < $1 LIMIT 5000)",
            unit ? 2 : 1, NULL, v, NULL, NULL, 0);
        long n = PQresultStatus(r) == PGRES_COMMAND_OK ? strtol(PQcmdTuples(r), NULL, 10) : -1;
        int rc = pg_ok(r, PGRES_COMMAND_OK, st->db, errbuf, "prune");
        if (rc != VG_OK)
            return rc;
        total += n;
        if (n < 5000)
            break;
    }
    *deleted = total;
    return VG_OK;
}

static int pg_user_put(vg_store *st, const vg_store_user *u, char *errbuf)
{
    const char *v[4] = {u->name, u->role, u->unit, u->pwhash};
    return pg_ok(PQexecParams(st->db,
                              "INSERT INTO users(name, role, unit, pwhash) VALUES($1,$2,$3,$4) "
                              "ON CONFLICT(name) DO UPDATE SET role=excluded.role, "
                              "unit=excluded.unit, pwhash=excluded.pwhash",
                              4, NULL, v, NULL, NULL, 0),
                 PGRES_COMMAND_OK, st->db, errbuf, "user");
}

static int user_row(PGresult *r, vg_store_user *out)
{
    int rc = VG_ENOENT;
    if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1) {
        memset(out, 0, sizeof(*out));
        out->id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
        snprintf(out->name, sizeof out->name, "%s", PQgetvalue(r, 0, 1));
        snprintf(out->role, sizeof out->role, "%s", PQgetvalue(r, 0, 2));
        snprintf(out->unit, sizeof out->unit, "%s", PQgetvalue(r, 0, 3));
        snprintf(out->pwhash, sizeof out->pwhash, "%s", PQgetvalue(r, 0, 4));
        rc = VG_OK;
    }
    PQclear(r);
    return rc;
}

static int pg_user_get(vg_store *st, const char *name, vg_store_user *out)
{
    const char *v[1] = {name};
    return user_row(PQexecParams(st->db, "SELECT id, name, role, unit, pwhash FROM users WHERE name = $1",
                                 1, NULL, v, NULL, NULL, 0), out);
}

static int pg_user_count(vg_store *st, int64_t *count)
{
    PGresult *r = PQexec(st->db, "SELECT count(*) FROM users");
    int rc = PQresultStatus(r) == PGRES_TUPLES_OK ? VG_OK : VG_EIO;
    if (rc == VG_OK)
        *count = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
    return rc;
}

static int pg_token_put(vg_store *st, const char *hash, const char *user, char *errbuf)
{
    char now[24];
    snprintf(now, sizeof now, "%" PRId64, vg_now_us());
    const char *v[3] = {hash, user, now};
    return pg_ok(PQexecParams(st->db, "INSERT INTO tokens(hash, user_name, created) VALUES($1,$2,$3)",
                              3, NULL, v, NULL, NULL, 0),
                 PGRES_COMMAND_OK, st->db, errbuf, "token");
}

static int pg_token_user(vg_store *st, const char *hash, vg_store_user *out)
{
    const char *v[1] = {hash};
    return user_row(PQexecParams(st->db,
                                 "SELECT u.id, u.name, u.role, u.unit, u.pwhash FROM tokens t JOIN "
                                 "users u ON u.name = t.user_name WHERE t.hash = $1",
                                 1, NULL, v, NULL, NULL, 0), out);
}

static int pg_audit(vg_store *st, const char *user, const char *action, const char *detail)
{
    char now[24];
    snprintf(now, sizeof now, "%" PRId64, vg_now_us());
    const char *v[4] = {now, user, action, detail};
    return pg_ok(PQexecParams(st->db,
                              "INSERT INTO audit(ts, user_name, action, detail) VALUES($1,$2,$3,$4)",
                              4, NULL, v, NULL, NULL, 0),
                 PGRES_COMMAND_OK, st->db, NULL, "audit");
}

/* Portable SQL uses `?`; PostgreSQL wants $1..$N (outside quotes). */
static char *dollarize(const char *sql)
{
    size_t n = strlen(sql);
    char *out = malloc(n * 4 + 1);
    if (!out)
        return NULL;
    size_t o = 0;
    int k = 0;
    bool quoted = false;
    for (size_t i = 0; i < n; i++) {
        if (sql[i] == '\'')
            quoted = !quoted;
        if (sql[i] == '?' && !quoted)
            o += (size_t)sprintf(out + o, "$%d", ++k);
        else
            out[o++] = sql[i];
    }
    out[o] = '\0';
    return out;
}

static int pg_exec(vg_store *st, const char *sql, const char *const *params, int nparams,
                   vg_store_row_cb row, void *arg, int64_t *changes, char *errbuf)
{
    char *q = dollarize(sql);
    if (!q)
        return vg_err(errbuf, VG_ENOMEM, "out of memory");
    PGresult *r = PQexecParams(st->db, q, nparams, NULL, params, NULL, NULL, 0);
    free(q);
    ExecStatusType t = PQresultStatus(r);
    if (t != PGRES_COMMAND_OK && t != PGRES_TUPLES_OK) {
        int rc = vg_err(errbuf, VG_EIO, "postgresql: %s", PQerrorMessage(st->db));
        PQclear(r);
        return rc;
    }
    int rows = PQntuples(r), cols = VG_MIN(PQnfields(r), 32);
    const char *vals[32];
    for (int i = 0; row && i < rows; i++) {
        for (int c = 0; c < cols; c++)
            vals[c] = PQgetisnull(r, i, c) ? NULL : PQgetvalue(r, i, c);
        row(arg, cols, vals);
    }
    if (changes)
        *changes = strtoll(PQcmdTuples(r), NULL, 10);
    PQclear(r);
    return VG_OK;
}

static int pg_durable(vg_store *st, bool durable)
{
    PGresult *r = PQexec(st->db, durable ? "SET synchronous_commit = on" : "SET synchronous_commit = off");
    int rc = PQresultStatus(r) == PGRES_COMMAND_OK ? VG_OK : VG_EIO;
    PQclear(r);
    return rc;
}

const vg_store_ops vg_store_pg_ops = {
    .pk = "BIGSERIAL PRIMARY KEY",
    .without_rowid = "",
    .durable = pg_durable,
    .exec = pg_exec,
    .name = "postgresql",
    .open = pg_open,
    .close = pg_close,
    .insert_events = pg_insert,
    .query_events = pg_query,
    .count_events = pg_count,
    .prune = pg_prune,
    .user_put = pg_user_put,
    .user_get = pg_user_get,
    .user_count = pg_user_count,
    .token_put = pg_token_put,
    .token_user = pg_token_user,
    .audit = pg_audit,
};
