/*
 * follow.h: following log files, surviving rotation and restarts.
 *
 * Each followed path keeps (inode, offset, signature = its first 64 bytes).
 * Positions are saved in SQLite (table log_positions) so a restart resumes
 * where the last saved position was: no line read twice, none lost.
 *
 * Rotation:
 *  - rename (logrotate's default "create"): the path now names another
 *    inode; the old file is read to its end, then the new one from 0.
 *  - truncate / copytruncate: the file became shorter than the offset; the
 *    lines written between the last read and the copy are read from the
 *    rotated copy (PATH.1, found by signature), then the file from 0.
 *  - while stopped: the saved signature finds the rotated file among
 *    PATH.1, PATH.1.gz, PATH.0 (gzip read with zlib) and its rest is read
 *    before the current file.
 * Changes are noticed with inotify on the parent directories and by a
 * stat on every poll (so network file systems and missed events still
 * work).  Lines longer than VG_HLOG_MAX are cut and counted; a partial last
 * line waits for its newline (or for rotation, which flushes it).
 */
#ifndef VG_HOST_FOLLOW_H
#define VG_HOST_FOLLOW_H

#include "core/vg.h"

typedef struct vg_follow vg_follow;

typedef void (*vg_follow_line_fn)(void *ctx, const char *path, const char *line, size_t len);

typedef struct vg_follow_stats {
    uint64_t lines, bytes;
    uint64_t renames, truncations, catchups, gz_catchups;
    uint64_t long_lines;        /* cut at VG_HLOG_MAX */
} vg_follow_stats;

/* state_db may be NULL (no persistence). */
int vg_follow_open(vg_follow **out, const char *state_db, char *errbuf) VG_WARN_UNUSED;
/* Follow path.  With no saved position, start at its end unless
 * from_start. */
int vg_follow_add(vg_follow *f, const char *path, bool from_start, char *errbuf) VG_WARN_UNUSED;
/* Multi-line records for the last added path: a line matching start_pcre2
 * begins a record; other lines are appended to it (joined by a space), up
 * to VG_HLOG_MAX.  A record is delivered when the next one starts or when a
 * poll finds no new data in the file. */
int vg_follow_set_multiline(vg_follow *f, const char *start_pcre2, char *errbuf) VG_WARN_UNUSED;
/* inotify descriptor to poll for readability (-1 when unavailable). */
int vg_follow_fd(const vg_follow *f);
/* Drain inotify, look at every file, call fn for each new complete line.
 * Returns the number of lines delivered. */
int vg_follow_poll(vg_follow *f, vg_follow_line_fn fn, void *ctx);
/* Save positions (one transaction).  Call after the lines delivered so
 * far are safely written. */
int vg_follow_save(vg_follow *f, char *errbuf) VG_WARN_UNUSED;
const vg_follow_stats *vg_follow_stats_get(const vg_follow *f);
/* Saves and frees. */
void vg_follow_close(vg_follow *f);

#endif
