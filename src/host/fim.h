/*
 * fim.h: file integrity monitoring.
 *
 * A baseline (SQLite table fim_files) holds, for every regular file and
 * symlink under the configured paths: size, mode, owner, group, inode,
 * mtime, ctime and SHA-256 (OpenSSL; symlinks and files over the size cap
 * get no hash).  A scan walks the trees without following symlinks (links
 * are recorded, never entered, so nothing outside the tree is read),
 * skips ignored names (fnmatch patterns on the full path or the base name),
 * re-hashes only files whose (size, mtime, inode, ctime) changed, with
 * `threads` hashing threads, then reports added / modified / deleted /
 * attributes events with the before and after values and updates the
 * baseline in one transaction.  The first scan of an empty baseline only
 * records.  Real-time: inotify watches on the scanned directories (capped)
 * re-check the paths they name as soon as they change; where fanotify is
 * available (root), the process that wrote the file is named too.
 *
 * Under data_paths (database files) only deletions and truncations (a file
 * that became smaller) are reported.  Memory: the baseline is loaded for the scan (about 150 bytes per file);
 * no file content is kept.
 */
#ifndef VG_HOST_FIM_H
#define VG_HOST_FIM_H

#include "core/jbuf.h"
#include "core/vg.h"

typedef struct vg_fim vg_fim;

typedef struct vg_fim_opts {
    const char *const *paths;
    int npaths;
    const char *const *ignore;  /* fnmatch patterns */
    int nignore;
    uint64_t max_hash_size;     /* 0: 1 GiB */
    int threads;                /* 0: 2 */
    bool realtime;              /* inotify watches */
    int max_watches;            /* 0: 65536 */
    const char *db_path;        /* NULL: in memory */
    const char *const *data_paths; /* database files/trees: only deletion and
                                    * truncation are reported there (their
                                    * content changes all the time) */
    int ndata_paths;
} vg_fim_opts;

typedef struct vg_fim_attrs {
    bool present;
    bool is_link;
    uint64_t size, inode;
    uint32_t mode, uid, gid;
    int64_t mtime, ctime;
    char sha256[65];            /* "" when not hashed */
} vg_fim_attrs;

typedef struct vg_fim_change {
    const char *path;
    const char *change;         /* "added", "modified", "deleted", "attributes" */
    vg_fim_attrs before, after;
    int pid;                    /* writer, from fanotify (real-time only), 0 unknown */
    char process[32];           /* its command name */
} vg_fim_change;

typedef void (*vg_fim_fn)(void *ctx, const vg_fim_change *c);

typedef struct vg_fim_scan_stats {
    uint64_t files, dirs, hashed, skipped_unchanged, ignored, bytes_hashed, errors;
    uint64_t added, modified, deleted, attributes;
    double seconds;
} vg_fim_scan_stats;

int vg_fim_open(vg_fim **out, const vg_fim_opts *o, char *errbuf) VG_WARN_UNUSED;
/* Full scan; fn gets each change (not on the very first baseline). */
int vg_fim_scan(vg_fim *f, vg_fim_fn fn, void *ctx, vg_fim_scan_stats *st, char *errbuf) VG_WARN_UNUSED;
/* inotify descriptor (-1 without real-time). */
int vg_fim_fd(const vg_fim *f);
/* Handle pending inotify events: check the named paths now. */
int vg_fim_realtime(vg_fim *f, vg_fim_fn fn, void *ctx);
void vg_fim_close(vg_fim *f);

/* The `fim` event of the shared event model. */
void vg_fim_event(vg_jb *jb, const vg_fim_change *c, const char *sensor);

#endif
