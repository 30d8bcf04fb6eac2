/* fim.c: file integrity monitoring (see fim.h). */
#include "host/fim.h"

#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <ftw.h>
#include <limits.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "core/eve.h"

typedef struct bentry {         /* a baseline row, in a hash table */
    char *path;
    vg_fim_attrs a;
    bool seen;
} bentry;

typedef struct cand {           /* a file seen by this scan */
    char *path;
    vg_fim_attrs a;
    int base;                   /* index in the baseline, -1 new */
    bool need_hash;
} cand;

typedef struct wdir {
    int wd;
    char *path;
} wdir;

typedef struct writer {        /* recent writers seen by fanotify */
    char path[PATH_MAX];
    int pid;
    char comm[32];
} writer;

#define NWRITERS 64

struct vg_fim {
    char **paths;
    int npaths;
    char **ignore;
    int nignore;
    char **data;
    int ndata;
    uint64_t max_hash;
    int threads;
    bool realtime;
    int max_watches;
    sqlite3 *db;
    int ino_fd;
    int fan_fd;                 /* fanotify, -1 when unavailable */
    writer writers[NWRITERS];
    int nextw;
    wdir *wds;
    int nwds, capwds;
    /* scan state */
    bentry *base;
    int nbase, capbase;
    int *slots;
    int nslots;
    cand *cands;
    size_t ncands, capcands;
    vg_fim_scan_stats *st;
};

static uint32_t hash(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

static int base_find(const vg_fim *f, const char *path)
{
    if (!f->nslots)
        return -1;
    uint32_t h = hash(path) & (uint32_t)(f->nslots - 1);
    while (f->slots[h]) {
        if (strcmp(f->base[f->slots[h] - 1].path, path) == 0)
            return f->slots[h] - 1;
        h = (h + 1) & (uint32_t)(f->nslots - 1);
    }
    return -1;
}

static void base_clear(vg_fim *f)
{
    for (int i = 0; i < f->nbase; i++)
        free(f->base[i].path);
    free(f->base);
    free(f->slots);
    f->base = NULL;
    f->slots = NULL;
    f->nbase = f->capbase = f->nslots = 0;
}

static int db_exec(sqlite3 *db, const char *sql, char *errbuf)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        vg_err(errbuf, VG_EIO, "fim db: %s", msg ? msg : "error");
        sqlite3_free(msg);
        return VG_EIO;
    }
    return VG_OK;
}

static char **dupv(const char *const *v, int n)
{
    char **r = calloc((size_t)n + 1, sizeof(char *));
    for (int i = 0; r && i < n; i++)
        if (!(r[i] = strdup(v[i]))) {
            for (int k = 0; k < i; k++)
                free(r[k]);
            free(r);
            return NULL;
        }
    return r;
}

int vg_fim_open(vg_fim **out, const vg_fim_opts *o, char *errbuf)
{
    *out = NULL;
    vg_fim *f = calloc(1, sizeof(*f));
    if (!f)
        return vg_err(errbuf, VG_ENOMEM, "out of memory");
    f->ino_fd = -1;
    f->fan_fd = -1;
    f->paths = dupv(o->paths, o->npaths);
    f->npaths = o->npaths;
    f->ignore = dupv(o->ignore, o->nignore);
    f->nignore = o->nignore;
    f->data = dupv(o->data_paths, o->ndata_paths);
    f->ndata = o->ndata_paths;
    f->max_hash = o->max_hash_size ? o->max_hash_size : (1ull << 30);
    f->threads = o->threads > 0 ? VG_MIN(o->threads, 16) : 2;
    f->realtime = o->realtime;
    f->max_watches = o->max_watches > 0 ? o->max_watches : 65536;
    if (!f->paths || !f->ignore || !f->data) {
        vg_fim_close(f);
        return vg_err(errbuf, VG_ENOMEM, "out of memory");
    }
    if (sqlite3_open(o->db_path ? o->db_path : ":memory:", &f->db) != SQLITE_OK) {
        vg_err(errbuf, VG_EIO, "%s: %s", o->db_path, sqlite3_errmsg(f->db));
        vg_fim_close(f);
        return VG_EIO;
    }
    sqlite3_busy_timeout(f->db, 5000);
    if (db_exec(f->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
                       "CREATE TABLE IF NOT EXISTS fim_files(path TEXT PRIMARY KEY, link INTEGER, size INTEGER,"
                       " mode INTEGER, uid INTEGER, gid INTEGER, ino INTEGER, mtime INTEGER, ctime INTEGER,"
                       " sha256 TEXT)", errbuf) < 0) {
        vg_fim_close(f);
        return VG_EIO;
    }
    if (f->realtime) {
        f->ino_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
        f->fan_fd = fanotify_init(FAN_CLASS_NOTIF | FAN_CLOEXEC | FAN_NONBLOCK, O_RDONLY | O_LARGEFILE);
    }
    *out = f;
    return VG_OK;
}

int vg_fim_fd(const vg_fim *f)
{
    return f->ino_fd;
}

static int load_baseline(vg_fim *f, char *errbuf)
{
    base_clear(f);
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(f->db, "SELECT path, link, size, mode, uid, gid, ino, mtime, ctime, sha256 FROM fim_files",
                           -1, &q, NULL) != SQLITE_OK)
        return vg_err(errbuf, VG_EIO, "fim db: %s", sqlite3_errmsg(f->db));
    while (sqlite3_step(q) == SQLITE_ROW) {
        if (f->nbase == f->capbase) {
            int nc = f->capbase ? f->capbase * 2 : 1024;
            bentry *nb = realloc(f->base, sizeof(bentry) * (size_t)nc);
            if (!nb) {
                sqlite3_finalize(q);
                return vg_err(errbuf, VG_ENOMEM, "out of memory");
            }
            f->base = nb;
            f->capbase = nc;
        }
        bentry *b = &f->base[f->nbase];
        memset(b, 0, sizeof(*b));
        b->path = strdup((const char *)sqlite3_column_text(q, 0));
        if (!b->path)
            break;
        b->a.present = true;
        b->a.is_link = sqlite3_column_int(q, 1) != 0;
        b->a.size = (uint64_t)sqlite3_column_int64(q, 2);
        b->a.mode = (uint32_t)sqlite3_column_int64(q, 3);
        b->a.uid = (uint32_t)sqlite3_column_int64(q, 4);
        b->a.gid = (uint32_t)sqlite3_column_int64(q, 5);
        b->a.inode = (uint64_t)sqlite3_column_int64(q, 6);
        b->a.mtime = sqlite3_column_int64(q, 7);
        b->a.ctime = sqlite3_column_int64(q, 8);
        const unsigned char *h = sqlite3_column_text(q, 9);
        snprintf(b->a.sha256, sizeof(b->a.sha256), "%s", h ? (const char *)h : "");
        f->nbase++;
    }
    sqlite3_finalize(q);
    int ns = 1024;
    while (ns < f->nbase * 2)
        ns *= 2;
    f->slots = calloc((size_t)ns, sizeof(int));
    if (!f->slots)
        return vg_err(errbuf, VG_ENOMEM, "out of memory");
    f->nslots = ns;
    for (int i = 0; i < f->nbase; i++) {
        uint32_t h = hash(f->base[i].path) & (uint32_t)(ns - 1);
        while (f->slots[h])
            h = (h + 1) & (uint32_t)(ns - 1);
        f->slots[h] = i + 1;
    }
    return VG_OK;
}

static bool ignored(const vg_fim *f, const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    for (int i = 0; i < f->nignore; i++)
        if (fnmatch(f->ignore[i], path, FNM_PATHNAME) == 0 || fnmatch(f->ignore[i], base, 0) == 0)
            return true;
    return false;
}

static void attrs_of(const struct stat *st, vg_fim_attrs *a)
{
    memset(a, 0, sizeof(*a));
    a->present = true;
    a->is_link = S_ISLNK(st->st_mode);
    a->size = (uint64_t)st->st_size;
    a->inode = (uint64_t)st->st_ino;
    a->mode = st->st_mode & 07777;
    a->uid = st->st_uid;
    a->gid = st->st_gid;
    a->mtime = st->st_mtime;
    a->ctime = st->st_ctime;
}

static void add_watch(vg_fim *f, const char *dir)
{
    if (f->ino_fd < 0 || f->nwds >= f->max_watches)
        return;
    if (f->fan_fd >= 0 &&
        fanotify_mark(f->fan_fd, FAN_MARK_ADD, FAN_CLOSE_WRITE | FAN_EVENT_ON_CHILD, AT_FDCWD, dir) < 0) {
        close(f->fan_fd); /* not allowed here: do without process names */
        f->fan_fd = -1;
    }
    int wd = inotify_add_watch(f->ino_fd, dir, IN_CLOSE_WRITE | IN_ATTRIB | IN_CREATE | IN_DELETE |
                                                   IN_MOVED_FROM | IN_MOVED_TO | IN_DONT_FOLLOW |
                                                   IN_EXCL_UNLINK);
    if (wd < 0)
        return;
    for (int i = 0; i < f->nwds; i++)
        if (f->wds[i].wd == wd)
            return;
    if (f->nwds == f->capwds) {
        int nc = f->capwds ? f->capwds * 2 : 256;
        wdir *nw = realloc(f->wds, sizeof(wdir) * (size_t)nc);
        if (!nw)
            return;
        f->wds = nw;
        f->capwds = nc;
    }
    char *p = strdup(dir);
    if (!p)
        return;
    f->wds[f->nwds].wd = wd;
    f->wds[f->nwds].path = p;
    f->nwds++;
}

static __thread vg_fim *walk_fim;

static int walk_cb(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)ftw;
    vg_fim *f = walk_fim;
    if (ignored(f, path)) {
        f->st->ignored++;
        return type == FTW_D ? FTW_SKIP_SUBTREE : FTW_CONTINUE;
    }
    if (type == FTW_D) {
        f->st->dirs++;
        add_watch(f, path);
        return FTW_CONTINUE;
    }
    if (type == FTW_DNR || type == FTW_NS) {
        f->st->errors++;
        return FTW_CONTINUE;
    }
    if (!(S_ISREG(st->st_mode) || S_ISLNK(st->st_mode)))
        return FTW_CONTINUE;
    f->st->files++;
    if (f->ncands == f->capcands) {
        size_t nc = f->capcands ? f->capcands * 2 : 4096;
        cand *n = realloc(f->cands, sizeof(cand) * nc);
        if (!n)
            return FTW_STOP;
        f->cands = n;
        f->capcands = nc;
    }
    cand *c = &f->cands[f->ncands];
    c->path = strdup(path);
    if (!c->path)
        return FTW_STOP;
    attrs_of(st, &c->a);
    c->base = base_find(f, path);
    c->need_hash = !c->a.is_link;
    if (c->base >= 0) {
        const vg_fim_attrs *b = &f->base[c->base].a;
        f->base[c->base].seen = true;
        if (b->size == c->a.size && b->mtime == c->a.mtime && b->inode == c->a.inode &&
            b->ctime == c->a.ctime && b->is_link == c->a.is_link) {
            /* unchanged by every cheap measure: keep the recorded hash */
            c->need_hash = false;
            memcpy(c->a.sha256, b->sha256, sizeof(c->a.sha256));
            f->st->skipped_unchanged++;
        }
    }
    f->ncands++;
    return FTW_CONTINUE;
}

/* SHA-256 of a file, never following a symlink; "" on error or over cap. */
static void sha256_file(const char *path, uint64_t cap, char out[65], uint64_t *bytes)
{
    out[0] = '\0';
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOATIME);
    if (fd < 0)
        fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return;
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size > cap) {
        close(fd);
        return;
    }
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (!ctx || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
        EVP_MD_CTX_free(ctx);
        close(fd);
        return;
    }
    static __thread unsigned char buf[1 << 18];
    ssize_t n;
    bool ok = true;
    while ((n = read(fd, buf, sizeof(buf))) > 0) {
        EVP_DigestUpdate(ctx, buf, (size_t)n);
        *bytes += (uint64_t)n;
    }
    if (n < 0)
        ok = false;
    unsigned char md[32];
    unsigned int mdl = 0;
    if (ok && EVP_DigestFinal_ex(ctx, md, &mdl) == 1 && mdl == 32)
        for (int i = 0; i < 32; i++)
            sprintf(out + 2 * i, "%02x", md[i]);
    EVP_MD_CTX_free(ctx);
    close(fd);
}

typedef struct hjob {
    vg_fim *f;
    atomic_size_t next;
    atomic_uint_fast64_t hashed, bytes;
} hjob;

static void *hash_worker(void *arg)
{
    hjob *j = arg;
    for (;;) {
        size_t i = atomic_fetch_add(&j->next, 1);
        if (i >= j->f->ncands)
            break;
        cand *c = &j->f->cands[i];
        if (!c->need_hash)
            continue;
        uint64_t b = 0;
        sha256_file(c->path, j->f->max_hash, c->a.sha256, &b);
        atomic_fetch_add(&j->hashed, 1);
        atomic_fetch_add(&j->bytes, b);
    }
    return NULL;
}

static bool is_data(const vg_fim *f, const char *path)
{
    for (int i = 0; i < f->ndata; i++) {
        size_t n = strlen(f->data[i]);
        if (strncmp(path, f->data[i], n) == 0 && (path[n] == '/' || path[n] == '\0'))
            return true;
    }
    return false;
}

/* Database files: deletion and truncation only. */
static const char *data_filter(const vg_fim *f, const char *path, const char *ch,
                               const vg_fim_attrs *b, const vg_fim_attrs *a)
{
    if (!ch || !f->ndata || !is_data(f, path))
        return ch;
    if (strcmp(ch, "deleted") == 0)
        return ch;
    if (strcmp(ch, "modified") == 0 && b->present && a->present && a->size < b->size)
        return "truncated";
    return NULL;
}

static const char *classify(const vg_fim_attrs *b, const vg_fim_attrs *a)
{
    if (!b->present)
        return "added";
    if (!a->present)
        return "deleted";
    if (b->size != a->size || strcmp(b->sha256, a->sha256) != 0 || b->is_link != a->is_link)
        return "modified";
    if (b->mode != a->mode || b->uid != a->uid || b->gid != a->gid || b->inode != a->inode)
        return "attributes";
    return NULL;
}

static int upsert(sqlite3_stmt *q, const char *path, const vg_fim_attrs *a)
{
    sqlite3_bind_text(q, 1, path, -1, SQLITE_STATIC);
    sqlite3_bind_int(q, 2, a->is_link);
    sqlite3_bind_int64(q, 3, (sqlite3_int64)a->size);
    sqlite3_bind_int64(q, 4, a->mode);
    sqlite3_bind_int64(q, 5, a->uid);
    sqlite3_bind_int64(q, 6, a->gid);
    sqlite3_bind_int64(q, 7, (sqlite3_int64)a->inode);
    sqlite3_bind_int64(q, 8, a->mtime);
    sqlite3_bind_int64(q, 9, a->ctime);
    sqlite3_bind_text(q, 10, a->sha256, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q) == SQLITE_DONE ? VG_OK : VG_EIO;
    sqlite3_reset(q);
    return rc;
}

static void count(vg_fim_scan_stats *st, const char *ch)
{
    if (!st || !ch)
        return;
    if (ch[0] == 'a' && ch[1] == 'd')
        st->added++;
    else if (ch[0] == 'm' || ch[0] == 't')
        st->modified++;
    else if (ch[0] == 'd')
        st->deleted++;
    else
        st->attributes++;
}

int vg_fim_scan(vg_fim *f, vg_fim_fn fn, void *ctx, vg_fim_scan_stats *st, char *errbuf)
{
    vg_fim_scan_stats local;
    if (!st)
        st = &local;
    memset(st, 0, sizeof(*st));
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int rc = load_baseline(f, errbuf);
    if (rc < 0)
        return rc;
    bool first = f->nbase == 0;
    f->st = st;
    f->ncands = 0;
    walk_fim = f;
    for (int i = 0; i < f->npaths; i++) {
        struct stat rst;
        if (lstat(f->paths[i], &rst) != 0)
            continue; /* a configured path that does not exist (yet) */
        if (nftw(f->paths[i], walk_cb, 64, FTW_PHYS | FTW_ACTIONRETVAL) < 0)
            st->errors++;
    }
    walk_fim = NULL;
    /* hash in parallel */
    hjob j;
    j.f = f;
    atomic_init(&j.next, 0);
    atomic_init(&j.hashed, 0);
    atomic_init(&j.bytes, 0);
    pthread_t th[16];
    int nth = 0;
    for (int i = 1; i < f->threads; i++)
        if (pthread_create(&th[nth], NULL, hash_worker, &j) == 0)
            nth++;
    hash_worker(&j);
    for (int i = 0; i < nth; i++)
        pthread_join(th[i], NULL);
    st->hashed = atomic_load(&j.hashed);
    st->bytes_hashed = atomic_load(&j.bytes);
    /* compare and record */
    rc = db_exec(f->db, "BEGIN", errbuf);
    sqlite3_stmt *up = NULL, *del = NULL;
    if (rc == VG_OK &&
        (sqlite3_prepare_v2(f->db, "INSERT OR REPLACE INTO fim_files VALUES(?,?,?,?,?,?,?,?,?,?)", -1, &up, NULL) != SQLITE_OK ||
         sqlite3_prepare_v2(f->db, "DELETE FROM fim_files WHERE path=?", -1, &del, NULL) != SQLITE_OK))
        rc = vg_err(errbuf, VG_EIO, "fim db: %s", sqlite3_errmsg(f->db));
    for (size_t i = 0; rc == VG_OK && i < f->ncands; i++) {
        cand *c = &f->cands[i];
        vg_fim_attrs none = {0};
        const vg_fim_attrs *b = c->base >= 0 ? &f->base[c->base].a : &none;
        const char *ch = data_filter(f, c->path, classify(b, &c->a), b, &c->a);
        bool changed_meta = c->base < 0 || b->mtime != c->a.mtime || b->ctime != c->a.ctime ||
                            classify(b, &c->a) != NULL;
        if (ch || changed_meta)
            rc = upsert(up, c->path, &c->a);
        if (ch && !first) {
            count(st, ch);
            if (fn) {
                vg_fim_change chg = {c->path, ch, *b, c->a, 0, ""};
                fn(ctx, &chg);
            }
        }
    }
    for (int i = 0; rc == VG_OK && i < f->nbase; i++) {
        if (f->base[i].seen)
            continue;
        /* only paths under the monitored trees are "deleted" */
        vg_fim_attrs none = {0};
        count(st, "deleted");
        if (fn) {
            vg_fim_change chg = {f->base[i].path, "deleted", f->base[i].a, none, 0, ""};
            fn(ctx, &chg);
        }
        sqlite3_bind_text(del, 1, f->base[i].path, -1, SQLITE_STATIC);
        if (sqlite3_step(del) != SQLITE_DONE)
            rc = VG_EIO;
        sqlite3_reset(del);
    }
    sqlite3_finalize(up);
    sqlite3_finalize(del);
    if (rc == VG_OK)
        rc = db_exec(f->db, "COMMIT", errbuf);
    else
        (void)db_exec(f->db, "ROLLBACK", errbuf);
    for (size_t i = 0; i < f->ncands; i++)
        free(f->cands[i].path);
    free(f->cands);
    f->cands = NULL;
    f->ncands = f->capcands = 0;
    base_clear(f);
    f->st = NULL;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    st->seconds = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
    return rc;
}

static bool under_tree(const vg_fim *f, const char *path)
{
    for (int i = 0; i < f->npaths; i++) {
        size_t n = strlen(f->paths[i]);
        if (strncmp(path, f->paths[i], n) == 0 && (path[n] == '/' || path[n] == '\0' || f->paths[i][n - 1] == '/'))
            return true;
    }
    return false;
}

static void read_fanotify(vg_fim *f)
{
    if (f->fan_fd < 0)
        return;
    char buf[8192] __attribute__((aligned(__alignof__(struct fanotify_event_metadata))));
    ssize_t r;
    while ((r = read(f->fan_fd, buf, sizeof(buf))) > 0) {
        struct fanotify_event_metadata *m = (struct fanotify_event_metadata *)buf;
        while (FAN_EVENT_OK(m, r)) {
            if (m->fd >= 0) {
                char link[64];
                writer *w = &f->writers[f->nextw];
                snprintf(link, sizeof(link), "/proc/self/fd/%d", m->fd);
                ssize_t n = readlink(link, w->path, sizeof(w->path) - 1);
                if (n > 0) {
                    w->path[n] = '\0';
                    w->pid = m->pid;
                    w->comm[0] = '\0';
                    char cp[64];
                    snprintf(cp, sizeof(cp), "/proc/%d/comm", (int)m->pid);
                    FILE *cf = fopen(cp, "r");
                    if (cf) {
                        if (fgets(w->comm, sizeof(w->comm), cf))
                            w->comm[strcspn(w->comm, "\n")] = '\0';
                        fclose(cf);
                    }
                    f->nextw = (f->nextw + 1) % NWRITERS;
                }
                close(m->fd);
            }
            m = FAN_EVENT_NEXT(m, r);
        }
    }
}

/* The last writer fanotify saw for path (absolute paths). */
static const writer *writer_of(const vg_fim *f, const char *path)
{
    char abs[PATH_MAX];
    if (!realpath(path, abs))
        snprintf(abs, sizeof(abs), "%s", path);
    for (int k = 1; k <= NWRITERS; k++) {
        const writer *w = &f->writers[(f->nextw - k + NWRITERS) % NWRITERS];
        if (w->pid && strcmp(w->path, abs) == 0)
            return w;
    }
    return NULL;
}

/* Re-check one path against its baseline row. */
static void check_path(vg_fim *f, const char *path, vg_fim_fn fn, void *ctx)
{
    if (!under_tree(f, path) || ignored(f, path))
        return;
    vg_fim_attrs before = {0}, after = {0};
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(f->db, "SELECT link, size, mode, uid, gid, ino, mtime, ctime, sha256 FROM fim_files WHERE path=?",
                           -1, &q, NULL) != SQLITE_OK)
        return;
    sqlite3_bind_text(q, 1, path, -1, SQLITE_STATIC);
    if (sqlite3_step(q) == SQLITE_ROW) {
        before.present = true;
        before.is_link = sqlite3_column_int(q, 0) != 0;
        before.size = (uint64_t)sqlite3_column_int64(q, 1);
        before.mode = (uint32_t)sqlite3_column_int64(q, 2);
        before.uid = (uint32_t)sqlite3_column_int64(q, 3);
        before.gid = (uint32_t)sqlite3_column_int64(q, 4);
        before.inode = (uint64_t)sqlite3_column_int64(q, 5);
        before.mtime = sqlite3_column_int64(q, 6);
        before.ctime = sqlite3_column_int64(q, 7);
        const unsigned char *h = sqlite3_column_text(q, 8);
        snprintf(before.sha256, sizeof(before.sha256), "%s", h ? (const char *)h : "");
    }
    sqlite3_finalize(q);
    struct stat st;
    if (lstat(path, &st) == 0) {
        if (S_ISDIR(st.st_mode)) {
            add_watch(f, path); /* a new directory: watch it too */
            return;
        }
        if (!(S_ISREG(st.st_mode) || S_ISLNK(st.st_mode)))
            return;
        attrs_of(&st, &after);
        if (!after.is_link) {
            uint64_t b = 0;
            sha256_file(path, f->max_hash, after.sha256, &b);
        }
    }
    const char *ch = data_filter(f, path, classify(&before, &after), &before, &after);
    if (!before.present && !after.present)
        return;
    if (after.present) {
        if (sqlite3_prepare_v2(f->db, "INSERT OR REPLACE INTO fim_files VALUES(?,?,?,?,?,?,?,?,?,?)", -1, &q, NULL) == SQLITE_OK) {
            (void)upsert(q, path, &after);
            sqlite3_finalize(q);
        }
    } else if (sqlite3_prepare_v2(f->db, "DELETE FROM fim_files WHERE path=?", -1, &q, NULL) == SQLITE_OK) {
        sqlite3_bind_text(q, 1, path, -1, SQLITE_STATIC);
        sqlite3_step(q);
        sqlite3_finalize(q);
    }
    if (ch && fn) {
        vg_fim_change c = {path, ch, before, after, 0, ""};
        const writer *w = after.present ? writer_of(f, path) : NULL;
        if (w) {
            c.pid = w->pid;
            snprintf(c.process, sizeof(c.process), "%s", w->comm);
        }
        fn(ctx, &c);
    }
}

int vg_fim_realtime(vg_fim *f, vg_fim_fn fn, void *ctx)
{
    if (f->ino_fd < 0)
        return 0;
    char buf[16384] __attribute__((aligned(__alignof__(struct inotify_event))));
    int n = 0;
    ssize_t r;
    read_fanotify(f);
    while ((r = read(f->ino_fd, buf, sizeof(buf))) > 0) {
        for (char *p = buf; p < buf + r;) {
            struct inotify_event *ev = (struct inotify_event *)p;
            p += sizeof(*ev) + ev->len;
            if (!ev->len)
                continue;
            for (int i = 0; i < f->nwds; i++) {
                if (f->wds[i].wd != ev->wd)
                    continue;
                char path[PATH_MAX];
                snprintf(path, sizeof(path), "%s/%s", f->wds[i].path, ev->name);
                check_path(f, path, fn, ctx);
                n++;
                break;
            }
        }
    }
    return n;
}

void vg_fim_close(vg_fim *f)
{
    if (!f)
        return;
    base_clear(f);
    for (int i = 0; f->paths && i < f->npaths; i++)
        free(f->paths[i]);
    free(f->paths);
    for (int i = 0; f->ignore && i < f->nignore; i++)
        free(f->ignore[i]);
    free(f->ignore);
    for (int i = 0; f->data && i < f->ndata; i++)
        free(f->data[i]);
    free(f->data);
    for (int i = 0; i < f->nwds; i++)
        free(f->wds[i].path);
    free(f->wds);
    if (f->ino_fd >= 0)
        close(f->ino_fd);
    if (f->fan_fd >= 0)
        close(f->fan_fd);
    if (f->db)
        sqlite3_close(f->db);
    free(f);
}

static void attrs_json(vg_jb *jb, const char *key, const vg_fim_attrs *a)
{
    vg_jb_open_obj(jb, key);
    vg_jb_str(jb, "type", a->is_link ? "symlink" : "file");
    vg_jb_u64(jb, "size", a->size);
    char mode[8];
    snprintf(mode, sizeof(mode), "%04o", a->mode);
    vg_jb_str(jb, "mode", mode);
    vg_jb_u64(jb, "uid", a->uid);
    vg_jb_u64(jb, "gid", a->gid);
    vg_jb_u64(jb, "inode", a->inode);
    vg_jb_i64(jb, "mtime", a->mtime);
    if (a->sha256[0])
        vg_jb_str(jb, "sha256", a->sha256);
    vg_jb_close_obj(jb);
}

void vg_fim_event(vg_jb *jb, const vg_fim_change *c, const char *sensor)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    vg_eve_begin(jb, &tv, "fim");
    if (sensor)
        vg_jb_str(jb, "host", sensor);
    vg_jb_open_obj(jb, "fim");
    vg_jb_str(jb, "path", c->path);
    vg_jb_str(jb, "change", c->change);
    if (c->before.present)
        attrs_json(jb, "before", &c->before);
    if (c->after.present)
        attrs_json(jb, "after", &c->after);
    if (c->pid) {
        vg_jb_open_obj(jb, "process");
        vg_jb_i64(jb, "pid", c->pid);
        if (c->process[0])
            vg_jb_str(jb, "name", c->process);
        vg_jb_close_obj(jb);
    }
    vg_jb_close_obj(jb);
    vg_jb_close_obj(jb);
}
