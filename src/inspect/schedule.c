/* schedule.c: inspection cadence and evidence register (see schedule.h). */
#include "inspect/schedule.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/jbuf.h"
#include "inspect/appraise.h"

#ifdef VG_HAVE_CURL
#include <curl/curl.h>
#endif

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

int vg_sched_export(vg_sched *s, int level, const char *system, const char *host, vg_jb *jb,
                    char *errbuf)
{
    vg_evidence *ev = NULL;
    size_t n = 0;
    int rc = vg_sched_evidence_list(s, level, &ev, &n, errbuf);
    if (rc != VG_OK)
        return rc;
    vg_jb_open_obj(jb, NULL);
    if (system && system[0])
        vg_jb_str(jb, "system", system);
    if (host && host[0])
        vg_jb_str(jb, "host", host);
    vg_jb_u64(jb, "level", (uint64_t)level);
    vg_jb_open_arr(jb, "items");
    for (size_t i = 0; i < n && i < 256; i++) {
        vg_jb_open_obj(jb, NULL);
        vg_jb_str(jb, "id", ev[i].id);
        vg_jb_str(jb, "title", ev[i].title);
        vg_jb_str(jb, "title_vi", ev[i].title_vi);
        vg_jb_str(jb, "reference", ev[i].reference);
        vg_jb_u64(jb, "min_level", (uint64_t)ev[i].min_level);
        vg_jb_str(jb, "status", ev[i].status);
        if (ev[i].ref[0])
            vg_jb_str(jb, "ref", ev[i].ref);
        vg_jb_i64(jb, "due", ev[i].due);
        if (ev[i].provided_at)
            vg_jb_i64(jb, "provided", ev[i].provided_at);
        vg_jb_close_obj(jb);
    }
    free(ev);
    vg_jb_close_arr(jb);
    vg_jb_open_arr(jb, "inspections");
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "SELECT at, level, host, passed, failed, na, errors FROM inspections"
                           " ORDER BY at DESC LIMIT 1000", -1, &st, NULL) != SQLITE_OK)
        return vg_err(errbuf, VG_EIO, "schedule: %s", sqlite3_errmsg(s->db));
    while (sqlite3_step(st) == SQLITE_ROW) {
        char h[128];
        col(st, 2, h, sizeof h);
        vg_jb_open_obj(jb, NULL);
        vg_jb_i64(jb, "at", sqlite3_column_int64(st, 0));
        vg_jb_i64(jb, "level", sqlite3_column_int64(st, 1));
        if (h[0])
            vg_jb_str(jb, "host", h);
        vg_jb_i64(jb, "passed", sqlite3_column_int64(st, 3));
        vg_jb_i64(jb, "failed", sqlite3_column_int64(st, 4));
        vg_jb_i64(jb, "na", sqlite3_column_int64(st, 5));
        vg_jb_i64(jb, "errors", sqlite3_column_int64(st, 6));
        vg_jb_close_obj(jb);
    }
    sqlite3_finalize(st);
    vg_jb_close_arr(jb);
    vg_jb_close_obj(jb);
    return vg_jb_ok(jb) ? VG_OK : vg_err(errbuf, VG_ELIMIT, "register too large to send");
}

#ifdef VG_HAVE_CURL
typedef struct reply_buf {
    char *b;
    size_t cap, len;
} reply_buf;

static size_t on_reply(char *p, size_t sz, size_t n, void *arg)
{
    reply_buf *r = arg;
    size_t k = sz * n;
    size_t room = r->cap > r->len + 1 ? r->cap - r->len - 1 : 0;
    size_t c = k < room ? k : room;
    memcpy(r->b + r->len, p, c);
    r->len += c;
    r->b[r->len] = '\0';
    return k;
}
#endif

int vg_sched_push(const vg_sched_push_opts *o, const char *body, size_t len, long *status,
                  char *reply, size_t cap, char *errbuf)
{
    *status = 0;
    if (cap)
        reply[0] = '\0';
#ifdef VG_HAVE_CURL
    char url[2048];
    size_t ul = strlen(o->url);
    while (ul && o->url[ul - 1] == '/')
        ul--;
    if (snprintf(url, sizeof url, "%.*s/api/v1/evidence/import", (int)ul, o->url) >= (int)sizeof url)
        return vg_err(errbuf, VG_EINVAL, "--server: URL too long");
    CURL *c = curl_easy_init();
    if (!c)
        return vg_err(errbuf, VG_ENOMEM, "libcurl: cannot start");
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
    char auth[160];
    if (o->token && o->token[0]) {
        snprintf(auth, sizeof auth, "Authorization: Bearer %.128s", o->token);
        h = curl_slist_append(h, auth);
    }
    char ca[4200], crt[4200], key[4200];
    if (o->tls_dir) {
        snprintf(ca, sizeof ca, "%.4096s/ca.crt", o->tls_dir);
        snprintf(crt, sizeof crt, "%.4096s/client.crt", o->tls_dir);
        snprintf(key, sizeof key, "%.4096s/client.key", o->tls_dir);
        curl_easy_setopt(c, CURLOPT_CAINFO, ca);
        curl_easy_setopt(c, CURLOPT_CAPATH, NULL);
        /* Our own CA signs one server certificate whose names senders
         * cannot know in advance (as for vigil forward). */
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
        if (access(crt, R_OK) == 0 && access(key, R_OK) == 0) {
            curl_easy_setopt(c, CURLOPT_SSLCERT, crt);
            curl_easy_setopt(c, CURLOPT_SSLKEY, key);
        }
    }
    reply_buf rb = {reply, cap, 0};
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)len);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_reply);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &rb);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, o->timeout_s > 0 ? o->timeout_s : 30L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    CURLcode cc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    if (cc != CURLE_OK)
        return vg_err(errbuf, VG_EIO, "%s: %s", url, curl_easy_strerror(cc));
    return VG_OK;
#else
    (void)o;
    (void)body;
    (void)len;
    return vg_err(errbuf, VG_ENOTSUP, "built without libcurl: cannot push");
#endif
}
