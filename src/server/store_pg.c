/*
 * store_pg.c: the PostgreSQL backend of store.h (libpq).  Same tables and
 * columns as store_sqlite.c; batches in one transaction with a prepared
 * insert.
 *
 * Time partitions: `events` is range-partitioned on `ts` (declarative
 * partitioning): one partition per calendar month (UTC), or per day once a
 * month held more than DAILY_ROWS rows (or with VG_PG_PARTITION=day), plus
 * `events_default`, so that no event is ever refused for want of a
 * partition.  Partitions are made ahead (this month and the next, or the
 * next AHEAD_DAYS days) by vg_store_partitions_maintain(), and on demand
 * before a batch whose events fall in a month without one, back to
 * PAST_US before now; events outside that window (far past, far future)
 * stay in the default partition, where the retention's batched delete
 * reaches them.  Making a partition for a range the default partition
 * already holds rows of moves those rows in the same transaction.  All
 * partition DDL runs under one advisory lock, re-reading the catalogue
 * inside it, so several connections never race.
 *
 * Idempotency: PostgreSQL's unique indexes on a partitioned table must hold
 * the partition key, so the key is (event_id, ts): `ON CONFLICT (event_id,
 * ts) DO NOTHING`.  A retried delivery re-sends the same line, whose
 * timestamp gives the same ts, so a retry is still stored once; an id
 * re-used for a different event time (a sender's spool reset over a
 * re-used inode) is stored as the different event it is.
 *
 * A store made with the unpartitioned schema (events a plain table) is
 * migrated at open, in one transaction: its rows are copied into the
 * partitioned table, ids and the id sequence kept.
 */
#include "server/store_int.h"

#include "core/log.h"

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

/* ---- time partitions (see the top of this file) ------------------------ */

#define DAY_US ((int64_t)86400 * 1000000)
#define PAST_US ((int64_t)1830 * DAY_US)  /* on-demand partitions: 5 years back */
#define AHEAD_DAYS 7                      /* daily mode: days made ahead */
#define DAILY_ROWS 31000000.0             /* a month over this: daily partitions */
#define MAX_NEW_PER_BATCH 8               /* partitions one batch may create */
#define PART_LOCK "SELECT pg_advisory_xact_lock(7667696501)"

typedef struct pg_part {
    int64_t lo, hi;         /* [lo, hi) in microseconds */
    double rows;            /* the planner's estimate (reltuples) */
    char name[64];
} pg_part;

typedef struct pg_priv {
    pg_part *v;
    size_t n, cap;
    int mode;               /* 0 auto, 1 month, 2 day (VG_PG_PARTITION) */
    bool daily;             /* auto chose days */
} pg_priv;

static int64_t floor_div(int64_t a, int64_t b) { return a / b - (a % b != 0 && (a < 0) != (b < 0)); }

/* Start of the UTC month of ts plus add months. */
static int64_t month_start(int64_t ts, int add)
{
    time_t t = (time_t)floor_div(ts, 1000000);
    struct tm tm;
    if (!gmtime_r(&t, &tm))
        return ts;
    tm.tm_mday = 1;
    tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
    tm.tm_mon += add;
    return (int64_t)timegm(&tm) * 1000000;
}

static int64_t day_start(int64_t ts) { return floor_div(ts, DAY_US) * DAY_US; }

static int part_cmp(const void *a, const void *b)
{
    const pg_part *x = a, *y = b;
    return x->lo < y->lo ? -1 : x->lo > y->lo;
}

/* "FOR VALUES FROM ('1') TO ('2')" → 1, 2. */
static bool parse_bound(const char *b, int64_t *lo, int64_t *hi)
{
    const char *f = strstr(b, "FROM ("), *t = strstr(b, "TO (");
    if (!f || !t)
        return false;
    f += 6;
    t += 4;
    if (*f == '\'')
        f++;
    if (*t == '\'')
        t++;
    char *e1, *e2;
    *lo = strtoll(f, &e1, 10);
    *hi = strtoll(t, &e2, 10);
    return e1 != f && e2 != t && *lo < *hi;
}

/* Re-read the partitions of events from the catalogue. */
static int parts_load(PGconn *c, pg_priv *p, char *errbuf)
{
    PGresult *r = PQexec(c, "SELECT c.relname, pg_get_expr(c.relpartbound, c.oid), c.reltuples"
                            " FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
                            " WHERE i.inhparent = 'events'::regclass");
    if (PQresultStatus(r) != PGRES_TUPLES_OK)
        return pg_ok(r, PGRES_TUPLES_OK, c, errbuf, "partitions");
    p->n = 0;
    for (int i = 0; i < PQntuples(r); i++) {
        pg_part q = {0};
        if (!parse_bound(PQgetvalue(r, i, 1), &q.lo, &q.hi))
            continue; /* the default partition */
        q.rows = strtod(PQgetvalue(r, i, 2), NULL);
        snprintf(q.name, sizeof q.name, "%s", PQgetvalue(r, i, 0));
        if (p->n == p->cap) {
            size_t cap = p->cap ? p->cap * 2 : 32;
            pg_part *v = realloc(p->v, cap * sizeof(*v));
            if (!v) {
                PQclear(r);
                return vg_err(errbuf, VG_ENOMEM, "postgresql: out of memory");
            }
            p->v = v;
            p->cap = cap;
        }
        p->v[p->n++] = q;
    }
    PQclear(r);
    if (p->n)
        qsort(p->v, p->n, sizeof(*p->v), part_cmp);
    return VG_OK;
}

/* The partition holding ts, or NULL. */
static const pg_part *part_of(const pg_priv *p, int64_t ts)
{
    size_t lo = 0, hi = p->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (p->v[mid].hi <= ts)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < p->n && p->v[lo].lo <= ts ? &p->v[lo] : NULL;
}

static bool overlaps(const pg_priv *p, int64_t lo, int64_t hi)
{
    for (size_t i = 0; i < p->n; i++)
        if (p->v[i].lo < hi && lo < p->v[i].hi)
            return true;
    return false;
}

/* The range a new partition for ts should cover; false: ts belongs in the
 * default partition (outside the window, or already covered). */
static bool range_for(const pg_priv *p, int64_t ts, int64_t now, int64_t *lo, int64_t *hi)
{
    if (part_of(p, ts) || ts < now - PAST_US || ts >= month_start(now, 2))
        return false; /* the common case, covered, costs one binary search */
    bool daily = p->mode == 2 || (p->mode == 0 && p->daily);
    int64_t m0 = month_start(ts, 0), m1 = month_start(ts, 1);
    /* Past months go in one partition; days only from this month on. */
    if (!overlaps(p, m0, m1) && !(daily && m0 >= month_start(now, 0))) {
        *lo = m0;
        *hi = m1;
        return true;
    }
    *lo = day_start(ts);
    *hi = *lo + DAY_US;
    return !overlaps(p, *lo, *hi);
}

static int run(PGconn *c, const char *sql, char *errbuf, const char *what)
{
    PGresult *r = PQexec(c, sql);
    ExecStatusType t = PQresultStatus(r);
    return pg_ok(r, t == PGRES_TUPLES_OK ? PGRES_TUPLES_OK : PGRES_COMMAND_OK, c, errbuf, what);
}

/* Create the partition [lo, hi) unless another connection made one that
 * overlaps it meanwhile; rows of that range in the default partition move
 * into it. */
static int part_create(PGconn *c, pg_priv *p, int64_t lo, int64_t hi, char *errbuf)
{
    if (PQtransactionStatus(c) != PQTRANS_IDLE)
        return VG_DECLINED; /* inside the caller's transaction: leave it to the default */
    int rc = run(c, "BEGIN", errbuf, "begin");
    if (rc == VG_OK)
        rc = run(c, PART_LOCK, errbuf, "partition lock");
    if (rc == VG_OK)
        rc = parts_load(c, p, errbuf);
    if (rc == VG_OK && overlaps(p, lo, hi)) {
        PQclear(PQexec(c, "COMMIT"));
        return VG_OK;
    }
    char name[64], sql[1024];
    time_t t = (time_t)floor_div(lo, 1000000);
    struct tm tm;
    gmtime_r(&t, &tm);
    if (hi - lo <= DAY_US)
        strftime(name, sizeof name, "events_d%Y%m%d", &tm);
    else
        strftime(name, sizeof name, "events_m%Y%m", &tm);
    bool moved = false;
    if (rc == VG_OK) {
        snprintf(sql, sizeof sql, "SELECT 1 FROM events_default WHERE ts >= %" PRId64
                 " AND ts < %" PRId64 " LIMIT 1", lo, hi);
        PGresult *r = PQexec(c, sql);
        if (PQresultStatus(r) != PGRES_TUPLES_OK)
            rc = vg_err(errbuf, VG_EIO, "postgresql: partition: %s", PQerrorMessage(c));
        moved = rc == VG_OK && PQntuples(r) > 0;
        PQclear(r);
    }
    if (rc == VG_OK && !moved) {
        snprintf(sql, sizeof sql, "CREATE TABLE \"%s\" PARTITION OF events FOR VALUES FROM (%"
                 PRId64 ") TO (%" PRId64 ")", name, lo, hi);
        rc = run(c, sql, errbuf, "create partition");
    } else if (rc == VG_OK) {
        /* The default partition may not keep rows of a range that gets its
         * own partition: move them in the same transaction. */
        snprintf(sql, sizeof sql,
                 "CREATE TABLE \"%s\" (LIKE events INCLUDING DEFAULTS);"
                 "WITH m AS (DELETE FROM events_default WHERE ts >= %" PRId64 " AND ts < %" PRId64
                 " RETURNING *) INSERT INTO \"%s\" SELECT * FROM m;"
                 "ALTER TABLE events ATTACH PARTITION \"%s\" FOR VALUES FROM (%" PRId64 ") TO (%"
                 PRId64 ")", name, lo, hi, name, name, lo, hi);
        rc = run(c, sql, errbuf, "create partition from the default");
    }
    if (rc == VG_OK)
        rc = run(c, "COMMIT", errbuf, "commit");
    else
        PQclear(PQexec(c, "ROLLBACK"));
    if (rc == VG_OK)
        rc = parts_load(c, p, errbuf);
    return rc;
}

/* Partitions for the events of a batch, before it is inserted.  A failure
 * only leaves events in the default partition: logged, never fatal. */
static void parts_for_batch(vg_store *st, const vg_store_event *ev, size_t n)
{
    pg_priv *p = st->priv;
    int64_t now = vg_now_us(), want[MAX_NEW_PER_BATCH][2];
    size_t nw = 0;
    for (size_t i = 0; i < n && nw < MAX_NEW_PER_BATCH; i++) {
        int64_t lo, hi;
        if (!range_for(p, ev[i].ts_us, now, &lo, &hi))
            continue;
        bool dup = false;
        for (size_t k = 0; k < nw; k++)
            dup |= want[k][0] == lo;
        if (!dup) {
            want[nw][0] = lo;
            want[nw++][1] = hi;
        }
    }
    for (size_t k = 0; k < nw; k++) {
        char err[VG_ERRBUF_SIZE];
        if (part_create(st->db, p, want[k][0], want[k][1], err) < 0)
            vg_warn("store: no partition for a batch's events (they go to the default): %s", err);
    }
}

static int pg_part_maintain(vg_store *st, int64_t now, char *errbuf)
{
    pg_priv *p = st->priv;
    int rc = parts_load(st->db, p, errbuf);
    if (rc != VG_OK)
        return rc;
    /* Volume decides: a month (this or the last) over DAILY_ROWS rows
     * means days from now on. */
    const pg_part *cur = part_of(p, now), *prev = part_of(p, month_start(now, -1));
    p->daily = (cur && cur->hi - cur->lo > DAY_US && cur->rows > DAILY_ROWS) ||
               (prev && prev->hi - prev->lo > DAY_US && prev->rows > DAILY_ROWS) ||
               (cur && cur->hi - cur->lo <= DAY_US);
    int64_t at[AHEAD_DAYS + 3];
    size_t na = 0;
    if (p->mode == 2 || (p->mode == 0 && p->daily)) {
        for (int d = 0; d <= AHEAD_DAYS; d++)
            at[na++] = now + d * DAY_US;
    } else {
        at[na++] = now;
        at[na++] = month_start(now, 1);
    }
    for (size_t i = 0; i < na && rc == VG_OK; i++) {
        int64_t lo, hi;
        if (range_for(p, at[i], now, &lo, &hi))
            rc = part_create(st->db, p, lo, hi, errbuf);
    }
    return rc < 0 ? rc : VG_OK;
}

/* Drop every partition whose whole range lies before cutoff.  Rows are
 * counted exactly in partitions the planner puts under a million rows, and
 * taken from its estimate (reltuples, kept by autovacuum) above, so that a
 * drop never scans a large partition under the store lock. */
static int pg_part_drop(vg_store *st, int64_t cutoff, int64_t *parts, int64_t *rows, char *errbuf)
{
    pg_priv *p = st->priv;
    PGconn *c = st->db;
    *parts = *rows = 0;
    int rc = parts_load(c, p, errbuf);
    while (rc == VG_OK && p->n > 0 && p->v[0].hi <= cutoff) {
        char name[64], sql[256];
        snprintf(name, sizeof name, "%s", p->v[0].name);
        rc = run(c, "BEGIN", errbuf, "begin");
        if (rc == VG_OK)
            rc = run(c, PART_LOCK, errbuf, "partition lock");
        int64_t n = (int64_t)p->v[0].rows;
        if (rc == VG_OK && p->v[0].rows < 1e6) {
            snprintf(sql, sizeof sql, "SELECT count(*) FROM \"%s\"", name);
            PGresult *r = PQexec(c, sql);
            if (PQresultStatus(r) == PGRES_TUPLES_OK)
                n = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
            rc = pg_ok(r, PGRES_TUPLES_OK, c, errbuf, "count partition");
        }
        if (rc == VG_OK) {
            snprintf(sql, sizeof sql, "DROP TABLE IF EXISTS \"%s\"", name);
            rc = run(c, sql, errbuf, "drop partition");
        }
        if (rc == VG_OK)
            rc = run(c, "COMMIT", errbuf, "commit");
        else
            PQclear(PQexec(c, "ROLLBACK"));
        if (rc == VG_OK) {
            ++*parts;
            *rows += n;
            rc = parts_load(c, p, errbuf);
        }
    }
    return rc;
}

/* The partitioned events table; core DDL (store.c) then adds the indexes. */
static const char part_ddl[] =
    "CREATE TABLE IF NOT EXISTS events ("
    " id BIGSERIAL, event_id TEXT NOT NULL, ts BIGINT NOT NULL, received BIGINT NOT NULL,"
    " event_type TEXT NOT NULL, sensor TEXT NOT NULL DEFAULT '', unit TEXT NOT NULL DEFAULT '',"
    " src_ip TEXT, dest_ip TEXT, signature_id BIGINT NOT NULL DEFAULT 0,"
    " severity INTEGER NOT NULL DEFAULT 0, signature TEXT, json TEXT NOT NULL,"
    " CONSTRAINT events_part_pk PRIMARY KEY (id, ts),"
    " CONSTRAINT events_part_uniq UNIQUE (event_id, ts)) PARTITION BY RANGE (ts);"
    "CREATE TABLE IF NOT EXISTS events_default PARTITION OF events DEFAULT";

#define EV_COLS "id, event_id, ts, received, event_type, sensor, unit, src_ip, dest_ip," \
                " signature_id, severity, signature, json"

/* An unpartitioned events table (made before partitioning) becomes the
 * partitioned one, rows, ids and sequence kept, in one transaction. */
static int migrate(PGconn *c, pg_priv *p, char *errbuf)
{
    int rc = run(c, "BEGIN", errbuf, "begin");
    if (rc == VG_OK)
        rc = run(c, PART_LOCK, errbuf, "partition lock");
    if (rc == VG_OK)
        rc = run(c, "LOCK TABLE events IN ACCESS EXCLUSIVE MODE", errbuf, "lock");
    char seq[256] = "", sql[1024];
    int64_t mn = 0, mx = 0, rows = 0;
    if (rc == VG_OK) {
        PGresult *r = PQexec(c, "SELECT pg_get_serial_sequence('events', 'id'), min(ts), max(ts),"
                                " count(*) FROM events");
        if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1) {
            snprintf(seq, sizeof seq, "%s", PQgetvalue(r, 0, 0));
            mn = strtoll(PQgetvalue(r, 0, 1), NULL, 10);
            mx = strtoll(PQgetvalue(r, 0, 2), NULL, 10);
            rows = strtoll(PQgetvalue(r, 0, 3), NULL, 10);
        }
        rc = pg_ok(r, PGRES_TUPLES_OK, c, errbuf, "migrate");
    }
    if (rc == VG_OK)
        vg_info("store: migrating %lld events to the time-partitioned schema", (long long)rows);
    if (rc == VG_OK)
        rc = run(c, "ALTER TABLE events RENAME TO events_unpartitioned", errbuf, "migrate rename");
    if (rc == VG_OK && seq[0]) {
        snprintf(sql, sizeof sql, "ALTER SEQUENCE %s RENAME TO events_unpartitioned_id_seq", seq);
        rc = run(c, sql, errbuf, "migrate sequence");
    }
    if (rc == VG_OK)
        rc = run(c, part_ddl, errbuf, "migrate schema");
    /* One partition per month that holds rows, inside the window. */
    int64_t now = vg_now_us();
    if (rc == VG_OK && rows > 0) {
        p->n = 0;
        int64_t from = month_start(mn > now - PAST_US ? mn : now - PAST_US, 0);
        int64_t to = mx < month_start(now, 2) ? mx : month_start(now, 2) - 1;
        for (int64_t m = from; rc == VG_OK && m <= to; m = month_start(m, 1)) {
            snprintf(sql, sizeof sql, "SELECT 1 FROM events_unpartitioned WHERE ts >= %" PRId64
                     " AND ts < %" PRId64 " LIMIT 1", m, month_start(m, 1));
            PGresult *r = PQexec(c, sql);
            bool any = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0;
            rc = pg_ok(r, PGRES_TUPLES_OK, c, errbuf, "migrate");
            if (rc == VG_OK && any) {
                time_t t = (time_t)floor_div(m, 1000000);
                struct tm tm;
                char name[32];
                gmtime_r(&t, &tm);
                strftime(name, sizeof name, "events_m%Y%m", &tm);
                snprintf(sql, sizeof sql, "CREATE TABLE \"%s\" PARTITION OF events FOR VALUES FROM"
                         " (%" PRId64 ") TO (%" PRId64 ")", name, m, month_start(m, 1));
                rc = run(c, sql, errbuf, "migrate partition");
            }
        }
    }
    if (rc == VG_OK)
        rc = run(c, "INSERT INTO events(" EV_COLS ") SELECT " EV_COLS " FROM events_unpartitioned",
                 errbuf, "migrate copy");
    if (rc == VG_OK)
        rc = run(c, "SELECT setval(pg_get_serial_sequence('events', 'id'),"
                    " GREATEST((SELECT max(id) FROM events), 1))", errbuf, "migrate sequence");
    if (rc == VG_OK)
        rc = run(c, "DROP TABLE events_unpartitioned", errbuf, "migrate drop");
    if (rc == VG_OK)
        rc = run(c, "COMMIT", errbuf, "commit");
    else
        PQclear(PQexec(c, "ROLLBACK"));
    return rc;
}

/* Create the partitioned events table, or migrate an unpartitioned one. */
static int part_schema(PGconn *c, pg_priv *p, char *errbuf)
{
    PGresult *r = PQexec(c, "SELECT relkind FROM pg_class WHERE oid = to_regclass('events')");
    if (PQresultStatus(r) != PGRES_TUPLES_OK)
        return pg_ok(r, PGRES_TUPLES_OK, c, errbuf, "schema");
    char kind = PQntuples(r) == 1 ? PQgetvalue(r, 0, 0)[0] : 0;
    PQclear(r);
    if (kind == 'r')
        return migrate(c, p, errbuf);
    if (kind && kind != 'p')
        return vg_err(errbuf, VG_EINVAL, "postgresql: 'events' exists and is not a table");
    return run(c, part_ddl, errbuf, "schema");
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
    pg_priv *p = calloc(1, sizeof(*p));
    if (!p) {
        PQfinish(c);
        return vg_err(errbuf, VG_ENOMEM, "postgresql: out of memory");
    }
    const char *mode = getenv("VG_PG_PARTITION");
    p->mode = mode && strcmp(mode, "month") == 0 ? 1 : mode && strcmp(mode, "day") == 0 ? 2 : 0;
    char schema[4096];
    int rc = part_schema(c, p, errbuf);
    if (rc == VG_OK)
        rc = vg_store_ddl_expand(vg_store_core_ddl, vg_store_pg_ops.pk, schema, sizeof schema);
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
        free(p);
        return rc;
    }
    st->db = c;
    st->priv = p;
    /* This month's (or these days') partitions and the next; a failure
     * leaves events to the default partition. */
    char err[VG_ERRBUF_SIZE];
    if (pg_part_maintain(st, vg_now_us(), err) != VG_OK)
        vg_warn("store: %s", err);
    return VG_OK;
}

static void pg_close(vg_store *st)
{
    pg_priv *p = st->priv;
    if (p)
        free(p->v);
    free(p);
    PQfinish(st->db);
}

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

/* A returned (event_id, ts) key. */
typedef struct ev_key {
    const char *id;
    int64_t ts;
} ev_key;

static int key_cmp(const char *id, int64_t ts, const ev_key *k)
{
    int c = strcmp(id, k->id);
    return c ? c : ts < k->ts ? -1 : ts > k->ts;
}

static int cmp_key(const void *a, const void *b)
{
    const ev_key *x = a;
    return key_cmp(x->id, x->ts, b);
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
    parts_for_batch(st, ev, n);
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
            " ORDER BY seq ON CONFLICT (event_id, ts) DO NOTHING RETURNING event_id, ts");
        if (PQresultStatus(r) != PGRES_TUPLES_OK) {
            rc = vg_err(errbuf, VG_EIO, "postgresql: insert: %s", PQerrorMessage(c));
        } else {
            added = (size_t)PQntuples(r);
            if (is_new) {
                /* Which were new: each returned key once (a duplicate
                 * inside the batch was not inserted twice), to its first
                 * event. */
                memset(is_new, 0, n);
                ev_key *ids = malloc((added ? added : 1) * sizeof(*ids));
                uint8_t *used = calloc(added ? added : 1, 1);
                if (!ids || !used) {
                    rc = vg_err(errbuf, VG_ENOMEM, "postgresql: out of memory");
                } else {
                    for (size_t k = 0; k < added; k++) {
                        ids[k].id = PQgetvalue(r, (int)k, 0);
                        ids[k].ts = strtoll(PQgetvalue(r, (int)k, 1), NULL, 10);
                    }
                    qsort(ids, added, sizeof(*ids), cmp_key);
                    for (size_t i = 0; i < n; i++) {
                        size_t lo = 0, hi = added;
                        while (lo < hi) {
                            size_t mid = lo + (hi - lo) / 2;
                            if (key_cmp(ev[i].event_id, ev[i].ts_us, &ids[mid]) > 0)
                                lo = mid + 1;
                            else
                                hi = mid;
                        }
                        if (lo < added && !used[lo] &&
                            key_cmp(ev[i].event_id, ev[i].ts_us, &ids[lo]) == 0) {
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
    .part_maintain = pg_part_maintain,
    .part_drop = pg_part_drop,
};
