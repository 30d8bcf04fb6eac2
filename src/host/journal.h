/*
 * journal.h: reading the systemd journal (libsystemd) as log lines.
 *
 * Entries become "Mmm dd hh:mm:ss HOST IDENT[PID]: MESSAGE" so the same
 * pre-decoding, decoders and rules apply as for syslog files.  The cursor
 * of the last delivered entry is saved in SQLite (table journal_cursor), so
 * a restart continues after it; the first start begins at the end of the
 * journal unless from_start.  path: a journal directory, a single .journal
 * file (tests use files made with systemd-journal-remote), or NULL for the
 * system journal.  Built only with libsystemd; otherwise open returns
 * VG_ENOTSUP.  Messages longer than VG_HLOG_MAX are cut.
 */
#ifndef VG_HOST_JOURNAL_H
#define VG_HOST_JOURNAL_H

#include "core/vg.h"

typedef struct vg_journal vg_journal;
typedef void (*vg_journal_line_fn)(void *ctx, const char *location, const char *line, size_t len);

int vg_journal_open(vg_journal **out, const char *path, const char *state_db, bool from_start,
                    char *errbuf) VG_WARN_UNUSED;
/* Descriptor to poll (-1 when the journal cannot signal changes). */
int vg_journal_fd(vg_journal *j);
/* Deliver new entries; returns their number. */
int vg_journal_poll(vg_journal *j, vg_journal_line_fn fn, void *ctx);
int vg_journal_save(vg_journal *j, char *errbuf) VG_WARN_UNUSED;
void vg_journal_close(vg_journal *j);

#endif
