/* schedule.c: inspection cadence and evidence register (see schedule.h). */
#include "inspect/schedule.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "inspect/appraise.h"

#define MAX_ITEMS 128

struct vg_sched {
    sqlite3 *db;
};

static const char schema[] =
    "PRAGMA journal_mode=WAL;"
    "CREATE TABLE IF NOT EXISTS inspections(at INTEGER NOT NULL, level INTEGER NOT NULL, host TEXT,"
    " passed INTEGER, failed INTEGER, na INTEGER, errors INTEGER);"
    "CREATE INDEX IF NOT EXISTS inspections_level ON inspections(level, at);"
    "CREATE TABLE IF NOT EXISTS evidence(id TEXT PRIMARY KEY, title TEXT, title_vi TEXT,"
    " reference TEXT, min_level INTEGER, due INTEGER, status TEXT, ref TEXT, provided_at INTEGER);";

int vg_sched_open(const char *path, vg_sched **out, char *errbuf)
{
    *out = NULL;
    vg_sched *s = calloc(1, sizeof(*s));
    if (!s)
        return vg_err(errbuf, VG_ENOMEM, "out of memory");
    char *msg = NULL;
    if (sqlite3_open(path, &s->db) != SQLITE_OK ||
        sqlite3_exec(s->db, schema, NULL, NULL, &msg) != SQLITE_OK) {
        int rc = vg_err(errbuf, VG_EIO, "%s: %s", path, msg ? msg : sqlite3_errmsg(s->db));
        sqlite3_free(msg);
        sqlite3_close(s->db);
        free(s);
        return rc;
    }
    *out = s;
    return VG_OK;
}

void vg_sched_close(vg_sched *s)
{
    if (!s)
        return;
    sqlite3_close(s->db);
    free(s);
}

int vg_sched_cadence(int level)
{
    return level == 5 ? 6 : 12;
}

int64_t vg_sched_add_months(int64_t t, int months)
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    int day = tm.tm_mday;
    tm.tm_mon += months;
    tm.tm_mday = 1;
    time_t first = timegm(&tm);
    gmtime_r(&first, &tm);
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y = tm.tm_year + 1900;
    int last = mdays[tm.tm_mon] + (tm.tm_mon == 1 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
    tm.tm_mday = day > last ? last : day;
    return (int64_t)timegm(&tm);
}

int vg_sched_record(vg_sched *s, int64_t now, int level, const char *host, size_t passed,
                    size_t failed, size_t na, size_t errors, char *errbuf)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "INSERT INTO inspections VALUES(?,?,?,?,?,?,?)", -1, &st, NULL) != SQLITE_OK)
        return vg_err(errbuf, VG_EIO, "schedule: %s", sqlite3_errmsg(s->db));
    sqlite3_bind_int64(st, 1, now);
    sqlite3_bind_int(st, 2, level);
    sqlite3_bind_text(st, 3, host ? host : "", -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)passed);
    sqlite3_bind_int64(st, 5, (sqlite3_int64)failed);
    sqlite3_bind_int64(st, 6, (sqlite3_int64)na);
    sqlite3_bind_int64(st, 7, (sqlite3_int64)errors);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? VG_OK : vg_err(errbuf, VG_EIO, "schedule: %s", sqlite3_errmsg(s->db));
}

int vg_sched_status_get(vg_sched *s, int level, int months, int64_t now, vg_sched_status *out,
                        char *errbuf)
{
    memset(out, 0, sizeof(*out));
    out->level = level;
    out->months = months > 0 ? months : vg_sched_cadence(level);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "SELECT MAX(at) FROM inspections WHERE level >= ?", -1, &st, NULL) != SQLITE_OK)
        return vg_err(errbuf, VG_EIO, "schedule: %s", sqlite3_errmsg(s->db));
    sqlite3_bind_int(st, 1, level);
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
        out->last = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    out->due = out->last ? vg_sched_add_months(out->last, out->months) : now;
    out->overdue = now > out->due;
    out->days_overdue = out->overdue ? (long)((now - out->due) / 86400) : 0;
    return VG_OK;
}

int vg_sched_evidence_sync(vg_sched *s, int level, int64_t now, int due_days, char *errbuf)
{
    vg_appr_req_info items[MAX_ITEMS];
    size_t n = vg_appr_evidence_items(level, items, MAX_ITEMS);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "INSERT OR IGNORE INTO evidence(id, title, title_vi, reference, min_level,"
                           " due, status) VALUES(?,?,?,?,?,?,'open')", -1, &st, NULL) != SQLITE_OK)
        return vg_err(errbuf, VG_EIO, "evidence register: %s", sqlite3_errmsg(s->db));
    int added = 0;
    sqlite3_exec(s->db, "BEGIN", NULL, NULL, NULL);
    for (size_t i = 0; i < n && i < MAX_ITEMS; i++) {
        sqlite3_bind_text(st, 1, items[i].id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, items[i].title, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, items[i].title_vi, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, items[i].reference, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 5, items[i].min_level);
        sqlite3_bind_int64(st, 6, now + (int64_t)due_days * 86400);
        if (sqlite3_step(st) == SQLITE_DONE)
            added += sqlite3_changes(s->db);
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    if (sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        return vg_err(errbuf, VG_EIO, "evidence register: %s", sqlite3_errmsg(s->db));
    return added;
}

static void col(sqlite3_stmt *st, int i, char *out, size_t n)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    snprintf(out, n, "%s", t ? (const char *)t : "");
}

int vg_sched_evidence_list(vg_sched *s, int level, vg_evidence **out, size_t *n, char *errbuf)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "SELECT id, title, title_vi, reference, min_level, due, status, ref,"
                           " provided_at FROM evidence WHERE min_level <= ? ORDER BY due, id", -1, &st, NULL) != SQLITE_OK)
        return vg_err(errbuf, VG_EIO, "evidence register: %s", sqlite3_errmsg(s->db));
    sqlite3_bind_int(st, 1, level);
    size_t cap = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 32;
            vg_evidence *nv = realloc(*out, cap * sizeof(vg_evidence));
            if (!nv) {
                sqlite3_finalize(st);
                return vg_err(errbuf, VG_ENOMEM, "out of memory");
            }
            *out = nv;
        }
        vg_evidence *e = &(*out)[(*n)++];
        memset(e, 0, sizeof(*e));
        col(st, 0, e->id, sizeof e->id);
        col(st, 1, e->title, sizeof e->title);
        col(st, 2, e->title_vi, sizeof e->title_vi);
        col(st, 3, e->reference, sizeof e->reference);
        e->min_level = sqlite3_column_int(st, 4);
        e->due = sqlite3_column_int64(st, 5);
        col(st, 6, e->status, sizeof e->status);
        col(st, 7, e->ref, sizeof e->ref);
        e->provided_at = sqlite3_column_int64(st, 8);
    }
    sqlite3_finalize(st);
    return VG_OK;
}

int vg_sched_evidence_provide(vg_sched *s, const char *id, const char *ref, int64_t now, char *errbuf)
{
    if (!ref || !*ref)
        return vg_err(errbuf, VG_EINVAL, "evidence %s: a reference (document, date) is required", id);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "UPDATE evidence SET status='provided', ref=?, provided_at=?, due=?"
                           " WHERE id=?", -1, &st, NULL) != SQLITE_OK)
        return vg_err(errbuf, VG_EIO, "evidence register: %s", sqlite3_errmsg(s->db));
    sqlite3_bind_text(st, 1, ref, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, now);
    sqlite3_bind_int64(st, 3, vg_sched_add_months(now, 12)); /* reviewed yearly */
    sqlite3_bind_text(st, 4, id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return vg_err(errbuf, VG_EIO, "evidence register: %s", sqlite3_errmsg(s->db));
    if (sqlite3_changes(s->db) == 0)
        return vg_err(errbuf, VG_ENOENT, "evidence %s: no such item in the register", id);
    return VG_OK;
}
