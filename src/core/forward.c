#include "core/forward.h"

#include <curl/curl.h>
#include <errno.h>
#include <inttypes.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"

#define READ_CHUNK (1u << 20)
#define MAX_LINE (1u << 20)

typedef struct fwd {
    const vg_forward_opts *o;
    vg_forward_stats *st;
    sqlite3 *db;
    sqlite3_stmt *ins, *setstate;
    FILE *fp;
    uint64_t inode;
    uint64_t offset;          /* bytes of the file consumed into the spool */
    char sensor[128];
    uint64_t spool_bytes;
    CURL *curl;
    struct curl_slist *hdrs;
    char *body;
    size_t body_cap;
    double backoff;           /* seconds; 0 = none */
    struct timespec next_try;
    double next_renew;        /* monotonic seconds of the next renewal check */
    bool fresh;               /* the certificate changed: next post reconnects */
} fwd;

static int db_exec(sqlite3 *db, const char *sql, char *errbuf)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        int rc = vg_err(errbuf, VG_EIO, "spool: %s", msg ? msg : sqlite3_errmsg(db));
        sqlite3_free(msg);
        return rc;
    }
    return VG_OK;
}

static uint64_t state_get(fwd *f, const char *key)
{
    sqlite3_stmt *s;
    uint64_t v = 0;
    if (sqlite3_prepare_v2(f->db, "SELECT value FROM state WHERE key = ?", -1, &s, NULL) == SQLITE_OK) {
        sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
        if (sqlite3_step(s) == SQLITE_ROW)
            v = (uint64_t)sqlite3_column_int64(s, 0);
        sqlite3_finalize(s);
    }
    return v;
}

static void state_set(fwd *f, const char *key, uint64_t v)
{
    sqlite3_reset(f->setstate);
    sqlite3_bind_text(f->setstate, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_int64(f->setstate, 2, (int64_t)v);
    sqlite3_step(f->setstate);
}

static int open_spool(fwd *f, char *errbuf)
{
    char path[4096];
    if (mkdir(f->o->state_dir, 0700) != 0 && errno != EEXIST)
        return vg_err(errbuf, VG_EIO, "%s: cannot create: %s", f->o->state_dir, strerror(errno));
    snprintf(path, sizeof path, "%s/spool.db", f->o->state_dir);
    if (sqlite3_open(path, &f->db) != SQLITE_OK)
        return vg_err(errbuf, VG_EIO, "%s: %s", path, sqlite3_errmsg(f->db));
    int rc = db_exec(f->db,
                     "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                     "CREATE TABLE IF NOT EXISTS spool(seq INTEGER PRIMARY KEY AUTOINCREMENT,"
                     " event_id TEXT NOT NULL, line TEXT NOT NULL);"
                     "CREATE TABLE IF NOT EXISTS state(key TEXT PRIMARY KEY, value INTEGER);",
                     errbuf);
    if (rc != VG_OK)
        return rc;
    if (sqlite3_prepare_v2(f->db, "INSERT INTO spool(event_id, line) VALUES(?, ?)", -1, &f->ins,
                           NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(f->db, "INSERT OR REPLACE INTO state(key, value) VALUES(?, ?)", -1,
                           &f->setstate, NULL) != SQLITE_OK)
        return vg_err(errbuf, VG_EIO, "spool: %s", sqlite3_errmsg(f->db));
    f->inode = state_get(f, "inode");
    f->offset = state_get(f, "offset");
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(f->db, "SELECT count(*), coalesce(sum(length(line)), 0) FROM spool",
                           -1, &s, NULL) == SQLITE_OK) {
        if (sqlite3_step(s) == SQLITE_ROW) {
            f->st->spool_lines = (uint64_t)sqlite3_column_int64(s, 0);
            f->spool_bytes = (uint64_t)sqlite3_column_int64(s, 1);
        }
        sqlite3_finalize(s);
    }
    return VG_OK;
}

/* (Re)open the followed file; a new inode (rotation) starts at offset 0. */
static void follow(fwd *f)
{
    struct stat sb;
    if (stat(f->o->eve_path, &sb) != 0)
        return;
    if (f->fp && (uint64_t)sb.st_ino == f->inode && (uint64_t)sb.st_size >= f->offset)
        return;
    if (f->fp) {
        /* Rotated or truncated: what was read is spooled; start the new file. */
        fclose(f->fp);
        f->fp = NULL;
    }
    FILE *fp = fopen(f->o->eve_path, "rb");
    if (!fp)
        return;
    if ((uint64_t)sb.st_ino != f->inode || (uint64_t)sb.st_size < f->offset) {
        f->inode = (uint64_t)sb.st_ino;
        f->offset = 0;
    }
    fseeko(fp, (off_t)f->offset, SEEK_SET);
    f->fp = fp;
}

/* Move complete new lines from the file into the spool; one transaction
 * holds the lines and the new offset. */
static int spool_new_lines(fwd *f, bool *progress)
{
    uint64_t cap = f->o->spool_max_bytes ? f->o->spool_max_bytes : (1ull << 30);
    follow(f);
    if (!f->fp)
        return VG_OK;
    if (f->spool_bytes >= cap) {
        f->st->spool_full_waits++;
        return VG_OK;
    }
    static char buf[READ_CHUNK];
    clearerr(f->fp);
    fseeko(f->fp, (off_t)f->offset, SEEK_SET);
    size_t n = fread(buf, 1, sizeof buf, f->fp);
    if (n == 0)
        return VG_OK;
    size_t used = 0;
    sqlite3_exec(f->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    for (;;) {
        char *nl = memchr(buf + used, '\n', n - used);
        if (!nl)
            break;
        size_t len = (size_t)(nl - (buf + used));
        uint64_t line_off = f->offset + used;
        if (len > 1 && buf[used] == '{') {
            char id[200];
            snprintf(id, sizeof id, "%s:%" PRIu64 ":%" PRIu64, f->sensor, f->inode, line_off);
            sqlite3_reset(f->ins);
            sqlite3_bind_text(f->ins, 1, id, -1, SQLITE_TRANSIENT);
            sqlite3_bind_text(f->ins, 2, buf + used, (int)len, SQLITE_STATIC);
            if (sqlite3_step(f->ins) != SQLITE_DONE) {
                sqlite3_exec(f->db, "ROLLBACK", NULL, NULL, NULL);
                return VG_EIO;
            }
            f->st->lines_spooled++;
            f->st->spool_lines++;
            f->spool_bytes += len;
        }
        used += len + 1;
        if (f->spool_bytes >= cap)
            break;
    }
    if (used == 0 && n == sizeof buf) {
        /* A line longer than the read buffer: skip it, counted, never stall. */
        used = n;
        vg_warn("forward: %s: line at offset %" PRIu64 " longer than %u bytes skipped",
                f->o->eve_path, f->offset, READ_CHUNK);
    }
    state_set(f, "inode", f->inode);
    state_set(f, "offset", f->offset + used);
    if (sqlite3_exec(f->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        sqlite3_exec(f->db, "ROLLBACK", NULL, NULL, NULL);
        return VG_EIO;
    }
    f->offset += used;
    if (used)
        *progress = true;
    return VG_OK;
}

static size_t discard(char *p, size_t s, size_t n, void *u)
{
    (void)p;
    (void)u;
    return s * n;
}

static bool body_add(fwd *f, size_t *len, const char *s, size_t n)
{
    if (*len + n + 1 > f->body_cap) {
        size_t cap = f->body_cap ? f->body_cap : 1 << 16;
        while (cap < *len + n + 1)
            cap *= 2;
        char *b = realloc(f->body, cap);
        if (!b)
            return false;
        f->body = b;
        f->body_cap = cap;
    }
    memcpy(f->body + *len, s, n);
    *len += n;
    return true;
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec / 1e9;
}

/* Post the oldest spooled lines; delete them after a 200. */
static int send_batch(fwd *f, bool *progress)
{
    if (f->st->spool_lines == 0)
        return VG_OK;
    double now = now_s();
    double next = (double)f->next_try.tv_sec + f->next_try.tv_nsec / 1e9;
    if (f->backoff > 0 && now < next)
        return VG_OK;
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(f->db, "SELECT seq, event_id, line FROM spool ORDER BY seq LIMIT ?", -1,
                           &s, NULL) != SQLITE_OK)
        return VG_EIO;
    sqlite3_bind_int(s, 1, (int)(f->o->batch ? f->o->batch : 1000));
    size_t len = 0, lines = 0, bytes = 0;
    int64_t last = 0;
    bool ok = true;
    while (ok && sqlite3_step(s) == SQLITE_ROW) {
        last = sqlite3_column_int64(s, 0);
        const char *id = (const char *)sqlite3_column_text(s, 1);
        const char *line = (const char *)sqlite3_column_text(s, 2);
        size_t ll = (size_t)sqlite3_column_bytes(s, 2);
        /* {"event_id":"...", + the line after its opening brace */
        char head[256];
        int hl = snprintf(head, sizeof head, "{\"event_id\":\"%s\"%s", id, ll > 2 ? "," : "");
        ok = body_add(f, &len, head, (size_t)hl) && body_add(f, &len, line + 1, ll - 1) &&
             body_add(f, &len, "\n", 1);
        lines++;
        bytes += ll;
    }
    sqlite3_finalize(s);
    if (!ok)
        return VG_ENOMEM;
    curl_easy_setopt(f->curl, CURLOPT_POSTFIELDS, f->body);
    curl_easy_setopt(f->curl, CURLOPT_POSTFIELDSIZE, (long)len);
    CURLcode cc = curl_easy_perform(f->curl);
    if (f->fresh) {
        curl_easy_setopt(f->curl, CURLOPT_FRESH_CONNECT, 0L);
        f->fresh = false;
    }
    long code = 0;
    curl_easy_getinfo(f->curl, CURLINFO_RESPONSE_CODE, &code);
    if (cc != CURLE_OK || code != 200) {
        f->st->posts_failed++;
        f->backoff = f->backoff > 0 ? VG_MIN(f->backoff * 2, 60.0) : 1.0;
        double t = now_s() + f->backoff;
        f->next_try.tv_sec = (time_t)t;
        f->next_try.tv_nsec = (long)((t - (double)(time_t)t) * 1e9);
        if (code == 400 || code == 401 || code == 403)
            vg_warn("forward: server refused the batch (HTTP %ld); kept in the spool", code);
        return VG_OK;
    }
    f->backoff = 0;
    char sql[96];
    snprintf(sql, sizeof sql, "DELETE FROM spool WHERE seq <= %" PRId64, last);
    if (db_exec(f->db, sql, NULL) != VG_OK)
        return VG_EIO;
    f->st->lines_sent += lines;
    f->st->spool_lines -= lines;
    f->spool_bytes = f->spool_bytes > bytes ? f->spool_bytes - bytes : 0;
    *progress = true;
    return VG_OK;
}

int vg_forward_run(const vg_forward_opts *o, volatile int *stop, vg_forward_stats *st,
                   char *errbuf)
{
    fwd f = {.o = o, .st = st};
    memset(st, 0, sizeof(*st));
    if (o->sensor && o->sensor[0])
        snprintf(f.sensor, sizeof f.sensor, "%s", o->sensor);
    else if (gethostname(f.sensor, sizeof f.sensor - 1) != 0)
        snprintf(f.sensor, sizeof f.sensor, "sensor");
    int rc = open_spool(&f, errbuf);
    if (rc == VG_OK) {
        f.curl = curl_easy_init();
        if (!f.curl)
            rc = vg_err(errbuf, VG_ENOMEM, "forward: curl init failed");
    }
    if (rc == VG_OK) {
        char url[2048], auth[256];
        snprintf(url, sizeof url, "%s/api/v1/events", o->server_url);
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", o->token ? o->token : "");
        if (o->token && o->token[0])
            f.hdrs = curl_slist_append(f.hdrs, auth);
        if (o->tls_ca) {
            curl_easy_setopt(f.curl, CURLOPT_CAINFO, o->tls_ca);
            curl_easy_setopt(f.curl, CURLOPT_CAPATH, NULL);
            curl_easy_setopt(f.curl, CURLOPT_SSL_VERIFYPEER, 1L);
            /* The server's own CA is the only one trusted and signs one
             * serverAuth certificate (the server's), whose names may not
             * match the address senders use: no host name check. */
            curl_easy_setopt(f.curl, CURLOPT_SSL_VERIFYHOST, 0L);
        }
        if (o->tls_cert && o->tls_key) {
            curl_easy_setopt(f.curl, CURLOPT_SSLCERT, o->tls_cert);
            curl_easy_setopt(f.curl, CURLOPT_SSLKEY, o->tls_key);
        }
        f.hdrs = curl_slist_append(f.hdrs, "Content-Type: application/x-ndjson");
        curl_easy_setopt(f.curl, CURLOPT_URL, url);
        curl_easy_setopt(f.curl, CURLOPT_HTTPHEADER, f.hdrs);
        curl_easy_setopt(f.curl, CURLOPT_WRITEFUNCTION, discard);
        curl_easy_setopt(f.curl, CURLOPT_TIMEOUT, 60L);
        curl_easy_setopt(f.curl, CURLOPT_CONNECTTIMEOUT, 10L);
        curl_easy_setopt(f.curl, CURLOPT_NOSIGNAL, 1L);
        while (!*stop) {
            bool progress = false;
            if (o->renew && now_s() >= f.next_renew) {
                f.next_renew = now_s() + (o->renew_check_s > 0 ? o->renew_check_s : 600);
                if (o->renew(o->renew_arg) == 1) {
                    curl_easy_setopt(f.curl, CURLOPT_FRESH_CONNECT, 1L);
                    f.fresh = true;
                }
            }
            if ((rc = spool_new_lines(&f, &progress)) != VG_OK) {
                vg_err(errbuf, rc, "forward: spool write failed: %s", sqlite3_errmsg(f.db));
                break;
            }
            if ((rc = send_batch(&f, &progress)) != VG_OK) {
                vg_err(errbuf, rc, "forward: spool read failed");
                break;
            }
            if (o->once && !progress && st->spool_lines == 0)
                break;
            if (!progress)
                usleep(100 * 1000);
        }
    }
    if (f.fp)
        fclose(f.fp);
    curl_slist_free_all(f.hdrs);
    if (f.curl)
        curl_easy_cleanup(f.curl);
    free(f.body);
    sqlite3_finalize(f.ins);
    sqlite3_finalize(f.setstate);
    sqlite3_close(f.db);
    return rc;
}
