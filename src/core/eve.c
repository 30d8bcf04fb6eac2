#include "core/eve.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
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
        /* 0640: events carry log lines and URLs; other local users must not
         * read them (the umask may narrow it further). */
        int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | (truncate ? O_TRUNC : O_APPEND), 0640);
        e->fp = fd >= 0 ? fdopen(fd, truncate ? "w" : "a") : NULL;
        if (!e->fp && fd >= 0)
            close(fd);
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

/* vg_eve_timestamp() is on the hot path of every event: the local-time
 * conversion (localtime_r takes glibc's time zone lock) and the formatting
 * are done once per local minute and cached per thread; only the seconds and
 * microseconds are written for each call.  A minute is one clock reading:
 * time zone rules change the offset only at whole minutes.  The cache is
 * also keyed on the zone (tzname/timezone, which tzset() updates), so a
 * process that changes TZ and calls tzset() gets the new zone. */
typedef struct ts_cache {
    time_t minute;            /* UTC second at which the cached local minute starts */
    const char *zone;         /* tzname[0] when filled */
    long tz;                  /* timezone when filled */
    bool valid;
    char prefix[20];          /* "YYYY-MM-DDTHH:MM:" (17 chars) */
    uint8_t prefix_len;
    char off[6];              /* "+HHMM" */
} ts_cache;

static _Thread_local ts_cache ts_cache_slots[2];
static _Thread_local unsigned ts_cache_next;

static char *put2(char *o, unsigned v)
{
    o[0] = (char)('0' + v / 10 % 10);
    o[1] = (char)('0' + v % 10);
    return o + 2;
}

static void ts_cache_fill(ts_cache *c, time_t t)
{
    struct tm tm;
    localtime_r(&t, &tm);
    /* the prefix as "%04d-%02d-%02dT%02d:%02d:" would print it */
    int n = snprintf(c->prefix, sizeof c->prefix, "%04d-%02d-%02dT%02d:%02d:",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min);
    c->prefix_len = (uint8_t)(n > 0 && (size_t)n < sizeof c->prefix ? n : 0);
    long off = tm.tm_gmtoff;
    c->off[0] = off < 0 ? '-' : '+';
    if (off < 0)
        off = -off;
    /* hours beyond 99 cannot happen (|offset| < 26 h) */
    put2(c->off + 1, (unsigned)(off / 3600));
    put2(c->off + 3, (unsigned)((off % 3600) / 60));
    c->off[5] = '\0';
    c->minute = t - tm.tm_sec;
    c->zone = tzname[0];
    c->tz = timezone;
    c->valid = c->prefix_len != 0;
}

void vg_eve_timestamp(const struct timeval *tv, char out[40])
{
    time_t t = tv->tv_sec;
    ts_cache *c = NULL;
    for (int i = 0; i < 2; i++) {
        ts_cache *k = &ts_cache_slots[i];
        if (k->valid && t >= k->minute && t - k->minute < 60 && k->zone == tzname[0] &&
            k->tz == timezone) {
            c = k;
            break;
        }
    }
    if (!c) {
        c = &ts_cache_slots[ts_cache_next];
        ts_cache_next ^= 1;
        ts_cache_fill(c, t);
        if (!c->valid) { /* a year that does not fit: the plain way */
            struct tm tm;
            localtime_r(&t, &tm);
            long off = tm.tm_gmtoff;
            char sign = off < 0 ? '-' : '+';
            if (off < 0)
                off = -off;
            if (snprintf(out, 40, "%04d-%02d-%02dT%02d:%02d:%02d.%06ld%c%02ld%02ld",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                     tm.tm_sec, (long)tv->tv_usec, sign, off / 3600, (off % 3600) / 60) >= 40)
                out[39] = '\0'; /* cannot happen: the fields are bounded */
            return;
        }
    }
    char *o = out;
    memcpy(o, c->prefix, c->prefix_len);
    o += c->prefix_len;
    o = put2(o, (unsigned)(t - c->minute));
    *o++ = '.';
    long us = (long)tv->tv_usec;
    if (us < 0 || us > 999999) { /* not normalised: print it as %06ld would */
        snprintf(o, (size_t)(out + 40 - o), "%06ld%s", us, c->off);
        return;
    }
    for (int i = 5; i >= 0; i--) {
        o[i] = (char)('0' + us % 10);
        us /= 10;
    }
    o += 6;
    memcpy(o, c->off, 6);
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
