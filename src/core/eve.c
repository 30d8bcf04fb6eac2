#include "core/eve.h"

#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct vg_eve {
    FILE *fp;
    bool is_stdout;
    pthread_mutex_t lock;
    uint64_t written;
    uint64_t dropped;
    /* local store sink */
    sqlite3 *db;
    sqlite3_stmt *ins;
    unsigned pending;         /* inserts in the open transaction */
    uint64_t stored;
};

#define STORE_BATCH 256

static void store_commit(vg_eve *e)
{
    if (e->db && e->pending) {
        sqlite3_exec(e->db, "COMMIT", NULL, NULL, NULL);
        e->pending = 0;
    }
}

/* The event_type and timestamp values of a line we wrote ourselves. */
static void field(const char *json, const char *key, const char **v, int *n)
{
    const char *p = strstr(json, key);
    *v = NULL;
    *n = 0;
    if (!p)
        return;
    p += strlen(key);
    const char *q = strchr(p, '"');
    if (q) {
        *v = p;
        *n = (int)(q - p);
    }
}

static void store_line(vg_eve *e, const vg_jb *jb)
{
    if (!e->pending && sqlite3_exec(e->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
        return;
    const char *ts, *type;
    int tsn, typen;
    field(jb->buf, "\"timestamp\":\"", &ts, &tsn);
    field(jb->buf, "\"event_type\":\"", &type, &typen);
    sqlite3_reset(e->ins);
    sqlite3_bind_text(e->ins, 1, ts ? ts : "", ts ? tsn : 0, SQLITE_STATIC);
    sqlite3_bind_text(e->ins, 2, type ? type : "", type ? typen : 0, SQLITE_STATIC);
    sqlite3_bind_text(e->ins, 3, jb->buf, (int)jb->len, SQLITE_STATIC);
    if (sqlite3_step(e->ins) == SQLITE_DONE)
        e->stored++;
    else
        e->dropped++;
    if (++e->pending >= STORE_BATCH)
        store_commit(e);
}

int vg_eve_add_store(vg_eve *e, const char *db_path, char *errbuf)
{
    sqlite3 *db;
    if (sqlite3_open(db_path, &db) != SQLITE_OK) {
        int rc = vg_err(errbuf, VG_EIO, "%s: cannot open the local store: %s", db_path,
                        sqlite3_errmsg(db));
        sqlite3_close(db);
        return rc;
    }
    char *msg = NULL;
    sqlite3_stmt *ins = NULL;
    if (sqlite3_exec(db, "PRAGMA journal_mode=WAL;"
                         "CREATE TABLE IF NOT EXISTS events(id INTEGER PRIMARY KEY AUTOINCREMENT,"
                         " ts TEXT NOT NULL, event_type TEXT NOT NULL, json TEXT NOT NULL);"
                         "CREATE INDEX IF NOT EXISTS events_type ON events(event_type, id);",
                     NULL, NULL, &msg) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "INSERT INTO events(ts, event_type, json) VALUES(?,?,?)", -1, &ins,
                           NULL) != SQLITE_OK) {
        int rc = vg_err(errbuf, VG_EIO, "%s: local store: %s", db_path, msg ? msg : sqlite3_errmsg(db));
        sqlite3_free(msg);
        sqlite3_close(db);
        return rc;
    }
    pthread_mutex_lock(&e->lock);
    e->db = db;
    e->ins = ins;
    pthread_mutex_unlock(&e->lock);
    return VG_OK;
}

uint64_t vg_eve_stored(const vg_eve *e) { return e->stored; }

int vg_eve_open(vg_eve **out, const char *path, bool truncate, char *errbuf)
{
    vg_eve *e = calloc(1, sizeof(*e));
    if (!e)
        return vg_err(errbuf, VG_ENOMEM, "eve: out of memory");
    if (strcmp(path, "-") == 0) {
        e->fp = stdout;
        e->is_stdout = true;
    } else {
        e->fp = fopen(path, truncate ? "w" : "a");
        if (!e->fp) {
            int rc = vg_err(errbuf, VG_EIO, "%s: cannot open for writing: %s", path, strerror(errno));
            free(e);
            return rc;
        }
        setvbuf(e->fp, NULL, _IOFBF, 1 << 16);
    }
    pthread_mutex_init(&e->lock, NULL);
    *out = e;
    return VG_OK;
}

int vg_eve_write(vg_eve *e, const vg_jb *jb)
{
    pthread_mutex_lock(&e->lock);
    if (!vg_jb_ok(jb)) {
        e->dropped++;
        pthread_mutex_unlock(&e->lock);
        return VG_ELIMIT;
    }
    fwrite(jb->buf, 1, jb->len, e->fp);
    fputc('\n', e->fp);
    e->written++;
    if (e->db)
        store_line(e, jb);
    pthread_mutex_unlock(&e->lock);
    return VG_OK;
}

void vg_eve_flush(vg_eve *e)
{
    pthread_mutex_lock(&e->lock);
    fflush(e->fp);
    store_commit(e);
    pthread_mutex_unlock(&e->lock);
}

void vg_eve_close(vg_eve *e)
{
    if (!e)
        return;
    fflush(e->fp);
    if (!e->is_stdout)
        fclose(e->fp);
    if (e->db) {
        store_commit(e);
        sqlite3_finalize(e->ins);
        sqlite3_close(e->db);
    }
    pthread_mutex_destroy(&e->lock);
    free(e);
}

uint64_t vg_eve_written(const vg_eve *e) { return e->written; }
uint64_t vg_eve_dropped(const vg_eve *e) { return e->dropped; }

void vg_eve_timestamp(const struct timeval *tv, char out[40])
{
    struct tm tm;
    time_t t = tv->tv_sec;
    localtime_r(&t, &tm);
    long off = tm.tm_gmtoff;
    char sign = off < 0 ? '-' : '+';
    if (off < 0)
        off = -off;
    snprintf(out, 40, "%04d-%02d-%02dT%02d:%02d:%02d.%06ld%c%02ld%02ld",
             tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
             tm.tm_sec, (long)tv->tv_usec, sign, off / 3600, (off % 3600) / 60);
}

void vg_eve_begin(vg_jb *jb, const struct timeval *tv, const char *event_type)
{
    char ts[40];
    vg_eve_timestamp(tv, ts);
    vg_jb_reset(jb);
    vg_jb_open_obj(jb, NULL);
    vg_jb_str(jb, "timestamp", ts);
    vg_jb_str(jb, "event_type", event_type);
}
