/* follow.c: log files followed across rotations and restarts (see follow.h). */
#include "host/follow.h"
#include "host/osregex.h"
#include "host/ruleset.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define SIGLEN 64
#define READ_CHUNK 65536

typedef struct hfile {
    char *path;
    int fd;                     /* -1: not open (missing) */
    dev_t dev;
    ino_t ino;
    off_t off;                  /* next byte to read */
    unsigned char sig[SIGLEN];
    size_t siglen;
    char *part;                 /* incomplete last line */
    size_t partlen;
    bool dirty;                 /* position changed since the last save */
    vg_hpat *ml_start;          /* multi-line: start-of-record pattern */
    char *rec;                  /* multi-line: record being assembled */
    size_t reclen;
} hfile;

/* Deliver one physical line, assembling multi-line records. */
static void deliver(hfile *h, const char *line, size_t len, vg_follow_line_fn fn, void *ctx)
{
    if (!h->ml_start) {
        if (fn)
            fn(ctx, h->path, line, len);
        return;
    }
    bool start = vg_hpat_match(h->ml_start, line, len, NULL);
    if (start || !h->rec) {
        if (h->rec && h->reclen && fn)
            fn(ctx, h->path, h->rec, h->reclen);
        if (!h->rec && !(h->rec = malloc(VG_HLOG_MAX + 1))) {
            if (fn)
                fn(ctx, h->path, line, len);
            return;
        }
        h->reclen = 0;
    } else if (h->reclen < VG_HLOG_MAX) {
        h->rec[h->reclen++] = ' ';
    }
    size_t take = VG_MIN(len, (size_t)VG_HLOG_MAX - h->reclen);
    memcpy(h->rec + h->reclen, line, take);
    h->reclen += take;
}

static void flush_record(hfile *h, vg_follow_line_fn fn, void *ctx)
{
    if (h->rec && h->reclen) {
        if (fn)
            fn(ctx, h->path, h->rec, h->reclen);
        h->reclen = 0;
    }
}

struct vg_follow {
    hfile *files;
    int nfiles;
    int ino_fd;
    int *wds;                   /* one per file: watch on its directory */
    sqlite3 *db;
    vg_follow_stats st;
};

static int db_exec(sqlite3 *db, const char *sql, char *errbuf)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        vg_err(errbuf, VG_EIO, "positions db: %s", msg ? msg : "error");
        sqlite3_free(msg);
        return VG_EIO;
    }
    return VG_OK;
}

int vg_follow_open(vg_follow **out, const char *state_db, char *errbuf)
{
    *out = NULL;
    vg_follow *f = calloc(1, sizeof(*f));
    if (!f)
        return vg_err(errbuf, VG_ENOMEM, "out of memory");
    f->ino_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (state_db) {
        if (sqlite3_open(state_db, &f->db) != SQLITE_OK) {
            vg_err(errbuf, VG_EIO, "%s: %s", state_db, sqlite3_errmsg(f->db));
            sqlite3_close(f->db);
            if (f->ino_fd >= 0)
                close(f->ino_fd);
            free(f);
            return VG_EIO;
        }
        sqlite3_busy_timeout(f->db, 5000);
        if (db_exec(f->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
                           "CREATE TABLE IF NOT EXISTS log_positions(path TEXT PRIMARY KEY, "
                           "ino INTEGER, off INTEGER, sig BLOB)", errbuf) < 0) {
            vg_follow_close(f);
            return VG_EIO;
        }
    }
    *out = f;
    return VG_OK;
}

/* Emit complete lines of buf (prefixed by the pending partial line). */
static int emit(vg_follow *f, hfile *h, const char *buf, size_t n, bool flush, vg_follow_line_fn fn,
                void *ctx)
{
    int lines = 0;
    size_t i = 0;
    while (i < n) {
        const char *nl = memchr(buf + i, '\n', n - i);
        size_t len = nl ? (size_t)(nl - (buf + i)) : n - i;
        if (!nl) {
            /* keep the incomplete tail, capped */
            size_t room = VG_HLOG_MAX - h->partlen;
            size_t take = VG_MIN(len, room);
            if (take) {
                char *np = realloc(h->part, h->partlen + take + 1);
                if (np) {
                    h->part = np;
                    memcpy(h->part + h->partlen, buf + i, take);
                    h->partlen += take;
                }
            }
            if (take < len)
                f->st.long_lines++;
            break;
        }
        if (h->partlen) {
            size_t room = VG_HLOG_MAX - h->partlen;
            size_t take = VG_MIN(len, room);
            char *np = realloc(h->part, h->partlen + take + 1);
            if (np) {
                h->part = np;
                memcpy(h->part + h->partlen, buf + i, take);
                h->partlen += take;
            }
            if (take < len)
                f->st.long_lines++;
            deliver(h, h->part, h->partlen, fn, ctx);
            h->partlen = 0;
        } else {
            if (len > VG_HLOG_MAX) {
                f->st.long_lines++;
                len = VG_HLOG_MAX;
            }
            deliver(h, buf + i, len, fn, ctx);
        }
        lines++;
        f->st.lines++;
        i = (size_t)(nl - buf) + 1;
    }
    if (flush && h->partlen) {
        deliver(h, h->part, h->partlen, fn, ctx);
        h->partlen = 0;
        lines++;
        f->st.lines++;
    }
    if (flush)
        flush_record(h, fn, ctx);
    f->st.bytes += n;
    return lines;
}

/* Read fd from h->off to its end. */
static int drain(vg_follow *f, hfile *h, vg_follow_line_fn fn, void *ctx)
{
    static __thread char buf[READ_CHUNK];
    int lines = 0;
    for (;;) {
        ssize_t n = pread(h->fd, buf, sizeof(buf), h->off);
        if (n <= 0)
            break;
        if (h->off < SIGLEN && h->siglen < SIGLEN && (size_t)h->off == h->siglen) {
            size_t take = VG_MIN((size_t)n, SIGLEN - h->siglen);
            memcpy(h->sig + h->siglen, buf, take);
            h->siglen += take;
        }
        lines += emit(f, h, buf, (size_t)n, false, fn, ctx);
        h->off += n;
        h->dirty = true;
    }
    return lines;
}

static bool sig_matches(const unsigned char *a, size_t alen, const unsigned char *b, size_t blen)
{
    size_t n = VG_MIN(alen, blen);
    return n > 0 && memcmp(a, b, n) == 0;
}

/* Read the rest (from off) of a rotated copy whose start matches sig.
 * Returns lines, or -1 if no candidate matched. */
static int catch_up(vg_follow *f, hfile *h, off_t off, const unsigned char *sig, size_t siglen,
                    vg_follow_line_fn fn, void *ctx)
{
    static const char *suffixes[] = {".1", ".0", "-1", ".1.gz", ".0.gz"};
    char path[PATH_MAX];
    static __thread char buf[READ_CHUNK];
    for (size_t k = 0; k < VG_ARRAY_LEN(suffixes); k++) {
        snprintf(path, sizeof(path), "%s%s", h->path, suffixes[k]);
        bool gz = strstr(suffixes[k], ".gz") != NULL;
        if (!gz) {
            int fd = open(path, O_RDONLY | O_CLOEXEC);
            if (fd < 0)
                continue;
            unsigned char head[SIGLEN];
            ssize_t hn = pread(fd, head, sizeof(head), 0);
            if (hn <= 0 || !sig_matches(head, (size_t)hn, sig, siglen)) {
                close(fd);
                continue;
            }
            int lines = 0;
            off_t o = off;
            ssize_t n;
            while ((n = pread(fd, buf, sizeof(buf), o)) > 0) {
                lines += emit(f, h, buf, (size_t)n, false, fn, ctx);
                o += n;
            }
            lines += emit(f, h, NULL, 0, true, fn, ctx);
            close(fd);
            f->st.catchups++;
            return lines;
        }
        gzFile g = gzopen(path, "rb");
        if (!g)
            continue;
        unsigned char head[SIGLEN];
        int hn = gzread(g, head, sizeof(head));
        if (hn <= 0 || !sig_matches(head, (size_t)hn, sig, siglen)) {
            gzclose(g);
            continue;
        }
        /* skip to off */
        off_t pos = hn;
        while (pos < off) {
            int want = (int)VG_MIN((off_t)sizeof(buf), off - pos);
            int n = gzread(g, buf, (unsigned)want);
            if (n <= 0)
                break;
            pos += n;
        }
        int lines = 0, n;
        if (pos < off) { /* shorter than our offset: nothing left to read */
            gzclose(g);
            return 0;
        }
        if (off < hn) /* the rest of the head we read for the signature */
            lines += emit(f, h, (const char *)head + off, (size_t)(hn - off), false, fn, ctx);
        while ((n = gzread(g, buf, sizeof(buf))) > 0)
            lines += emit(f, h, buf, (size_t)n, false, fn, ctx);
        lines += emit(f, h, NULL, 0, true, fn, ctx);
        gzclose(g);
        f->st.gz_catchups++;
        return lines;
    }
    return -1;
}

static void reopen(hfile *h)
{
    if (h->fd >= 0)
        close(h->fd);
    h->fd = open(h->path, O_RDONLY | O_CLOEXEC);
    h->off = 0;
    h->siglen = 0;
    h->dirty = true;
    if (h->fd >= 0) {
        struct stat st;
        if (fstat(h->fd, &st) == 0) {
            h->dev = st.st_dev;
            h->ino = st.st_ino;
        }
    }
}

static void load_position(vg_follow *f, hfile *h, bool *have, ino_t *ino, off_t *off,
                          unsigned char *sig, size_t *siglen)
{
    *have = false;
    if (!f->db)
        return;
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(f->db, "SELECT ino, off, sig FROM log_positions WHERE path=?", -1, &q, NULL) != SQLITE_OK)
        return;
    sqlite3_bind_text(q, 1, h->path, -1, SQLITE_STATIC);
    if (sqlite3_step(q) == SQLITE_ROW) {
        *have = true;
        *ino = (ino_t)sqlite3_column_int64(q, 0);
        *off = (off_t)sqlite3_column_int64(q, 1);
        size_t n = (size_t)sqlite3_column_bytes(q, 2);
        *siglen = VG_MIN(n, (size_t)SIGLEN);
        if (*siglen)
            memcpy(sig, sqlite3_column_blob(q, 2), *siglen);
    }
    sqlite3_finalize(q);
}

static int watch_dir(vg_follow *f, const char *path)
{
    if (f->ino_fd < 0)
        return -1;
    char dir[PATH_MAX];
    snprintf(dir, sizeof(dir), "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash == dir)
        dir[1] = '\0';
    else if (slash)
        *slash = '\0';
    else
        snprintf(dir, sizeof(dir), ".");
    return inotify_add_watch(f->ino_fd, dir, IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM |
                                             IN_DELETE | IN_CLOSE_WRITE | IN_ATTRIB);
}

/* Pending lines read at add time (catch-up) are delivered on the first poll. */
typedef struct pending {
    char *data;
    size_t len, cap;
} pending;

int vg_follow_add(vg_follow *f, const char *path, bool from_start, char *errbuf)
{
    hfile *nf = realloc(f->files, sizeof(hfile) * (size_t)(f->nfiles + 1));
    int *nw = realloc(f->wds, sizeof(int) * (size_t)(f->nfiles + 1));
    if (nf)
        f->files = nf;
    if (nw)
        f->wds = nw;
    if (!nf || !nw)
        return vg_err(errbuf, VG_ENOMEM, "out of memory");
    hfile *h = &f->files[f->nfiles];
    memset(h, 0, sizeof(*h));
    h->fd = -1;
    h->path = strdup(path);
    if (!h->path)
        return vg_err(errbuf, VG_ENOMEM, "out of memory");
    f->wds[f->nfiles] = watch_dir(f, path);
    f->nfiles++;
    bool have;
    ino_t sino = 0;
    off_t soff = 0;
    unsigned char ssig[SIGLEN];
    size_t ssiglen = 0;
    load_position(f, h, &have, &sino, &soff, ssig, &ssiglen);
    h->fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (h->fd >= 0 && fstat(h->fd, &st) == 0) {
        h->dev = st.st_dev;
        h->ino = st.st_ino;
        unsigned char head[SIGLEN];
        ssize_t hn = pread(h->fd, head, sizeof(head), 0);
        size_t headlen = hn > 0 ? (size_t)hn : 0;
        memcpy(h->sig, head, headlen);
        h->siglen = headlen;
        if (!have) {
            h->off = from_start ? 0 : st.st_size;
        } else if (st.st_ino == sino && st.st_size >= soff && sig_matches(head, headlen, ssig, ssiglen)) {
            h->off = soff; /* same file: resume */
        } else {
            /* rotated or truncated while we were stopped: the rest of the old
             * file is in a rotated copy, marked for reading on first poll */
            h->off = 0;
            h->dirty = true;
            h->part = NULL;
            /* remember the catch-up to do in the first poll */
            char *mark = malloc(sizeof(off_t) + 1 + SIGLEN);
            if (mark) {
                memcpy(mark, &soff, sizeof(off_t));
                mark[sizeof(off_t)] = (char)ssiglen;
                memcpy(mark + sizeof(off_t) + 1, ssig, ssiglen);
                h->part = mark; /* partlen 0 + part != NULL + off 0 => catch-up pending */
                h->partlen = (size_t)-1;
            }
        }
    } else {
        if (h->fd >= 0)
            close(h->fd);
        h->fd = -1;
        h->off = 0;
    }
    (void)errbuf;
    return VG_OK;
}

int vg_follow_set_multiline(vg_follow *f, const char *start_pcre2, char *errbuf)
{
    if (f->nfiles == 0)
        return vg_err(errbuf, VG_EINVAL, "multiline: no file added");
    hfile *h = &f->files[f->nfiles - 1];
    char eb[VG_ERRBUF_SIZE];
    vg_hpat_free(h->ml_start);
    h->ml_start = NULL;
    if (vg_hpat_compile(&h->ml_start, VG_HPAT_PCRE2, start_pcre2, false, eb) < 0)
        return vg_err(errbuf, VG_EINVAL, "%s: multiline pattern: %s", h->path, eb);
    return VG_OK;
}

int vg_follow_fd(const vg_follow *f)
{
    return f->ino_fd;
}

static int check_file(vg_follow *f, hfile *h, vg_follow_line_fn fn, void *ctx)
{
    int lines = 0;
    if (h->partlen == (size_t)-1) {
        /* catch-up decided at start */
        off_t soff;
        memcpy(&soff, h->part, sizeof(off_t));
        size_t siglen = (unsigned char)h->part[sizeof(off_t)];
        unsigned char sig[SIGLEN];
        memcpy(sig, h->part + sizeof(off_t) + 1, siglen);
        free(h->part);
        h->part = NULL;
        h->partlen = 0;
        int r = catch_up(f, h, soff, sig, siglen, fn, ctx);
        if (r > 0)
            lines += r;
    }
    struct stat pst;
    bool path_ok = stat(h->path, &pst) == 0;
    if (h->fd < 0) {
        if (!path_ok)
            return lines;
        reopen(h); /* created (again) */
    }
    struct stat fst;
    if (fstat(h->fd, &fst) < 0)
        return lines;
    if (fst.st_size < h->off) {
        /* truncated (copytruncate): lines written after our last read are in
         * the copy */
        f->st.truncations++;
        int r = catch_up(f, h, h->off, h->sig, h->siglen, fn, ctx);
        if (r > 0)
            lines += r;
        h->partlen = 0;
        h->off = 0;
        h->siglen = 0;
        h->dirty = true;
    }
    int got = drain(f, h, fn, ctx);
    lines += got;
    if (got == 0)
        flush_record(h, fn, ctx); /* quiet file: the record is complete */
    if (!path_ok || pst.st_ino != h->ino || pst.st_dev != h->dev) {
        /* renamed away (or deleted): the old file is read to its end above */
        lines += emit(f, h, NULL, 0, true, fn, ctx);
        f->st.renames++;
        if (path_ok) {
            reopen(h);
            lines += drain(f, h, fn, ctx);
        } else {
            close(h->fd);
            h->fd = -1;
            h->off = 0;
            h->siglen = 0;
        }
    }
    return lines;
}

int vg_follow_poll(vg_follow *f, vg_follow_line_fn fn, void *ctx)
{
    if (f->ino_fd >= 0) {
        char buf[8192];
        while (read(f->ino_fd, buf, sizeof(buf)) > 0)
            ; /* any event: look at every file below */
    }
    int lines = 0;
    for (int i = 0; i < f->nfiles; i++)
        lines += check_file(f, &f->files[i], fn, ctx);
    return lines;
}

int vg_follow_save(vg_follow *f, char *errbuf)
{
    if (!f->db)
        return VG_OK;
    bool any = false;
    for (int i = 0; i < f->nfiles; i++)
        any |= f->files[i].dirty;
    if (!any)
        return VG_OK;
    if (db_exec(f->db, "BEGIN", errbuf) < 0)
        return VG_EIO;
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(f->db, "INSERT OR REPLACE INTO log_positions(path, ino, off, sig) VALUES(?,?,?,?)",
                           -1, &q, NULL) != SQLITE_OK) {
        (void)db_exec(f->db, "ROLLBACK", errbuf);
        return vg_err(errbuf, VG_EIO, "positions db: %s", sqlite3_errmsg(f->db));
    }
    for (int i = 0; i < f->nfiles; i++) {
        hfile *h = &f->files[i];
        if (!h->dirty)
            continue;
        /* the position of the last complete line: a pending partial line is
         * read again after a restart */
        off_t off = h->off - (off_t)(h->partlen == (size_t)-1 ? 0 : h->partlen);
        sqlite3_bind_text(q, 1, h->path, -1, SQLITE_STATIC);
        sqlite3_bind_int64(q, 2, (sqlite3_int64)h->ino);
        sqlite3_bind_int64(q, 3, (sqlite3_int64)(off < 0 ? 0 : off));
        sqlite3_bind_blob(q, 4, h->sig, (int)h->siglen, SQLITE_STATIC);
        if (sqlite3_step(q) != SQLITE_DONE) {
            sqlite3_finalize(q);
            (void)db_exec(f->db, "ROLLBACK", errbuf);
            return vg_err(errbuf, VG_EIO, "positions db: %s", sqlite3_errmsg(f->db));
        }
        sqlite3_reset(q);
        h->dirty = false;
    }
    sqlite3_finalize(q);
    return db_exec(f->db, "COMMIT", errbuf);
}

const vg_follow_stats *vg_follow_stats_get(const vg_follow *f)
{
    return &f->st;
}

void vg_follow_close(vg_follow *f)
{
    if (!f)
        return;
    char eb[VG_ERRBUF_SIZE];
    if (vg_follow_save(f, eb) < 0)
        fprintf(stderr, "vigil host: %s\n", eb);
    for (int i = 0; i < f->nfiles; i++) {
        if (f->files[i].fd >= 0)
            close(f->files[i].fd);
        free(f->files[i].path);
        free(f->files[i].part);
        free(f->files[i].rec);
        vg_hpat_free(f->files[i].ml_start);
    }
    free(f->files);
    free(f->wds);
    if (f->ino_fd >= 0)
        close(f->ino_fd);
    if (f->db)
        sqlite3_close(f->db);
    free(f);
}
