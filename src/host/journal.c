/* journal.c: the systemd journal as log lines (see journal.h). */
#include "host/journal.h"
#include "host/ruleset.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef VG_HAVE_SYSTEMD
#include <sqlite3.h>
#include <sys/stat.h>
#include <systemd/sd-journal.h>
#include <time.h>

struct vg_journal {
    sd_journal *j;
    sqlite3 *db;
    char *cursor;
    bool dirty;
    char *line;                 /* VG_HLOG_MAX + 1 */
    char *source;               /* key of the saved cursor */
};

static const char *field(sd_journal *j, const char *name, size_t *len)
{
    const void *d;
    size_t l;
    if (sd_journal_get_data(j, name, &d, &l) < 0)
        return NULL;
    size_t nl = strlen(name);
    if (l <= nl + 1)
        return NULL;
    *len = l - nl - 1;
    return (const char *)d + nl + 1;
}

int vg_journal_open(vg_journal **out, const char *path, const char *state_db, bool from_start, char *errbuf)
{
    *out = NULL;
    vg_journal *jr = calloc(1, sizeof(*jr));
    if (!jr || !(jr->line = malloc(VG_HLOG_MAX + 1))) {
        free(jr);
        return vg_err(errbuf, VG_ENOMEM, "out of memory");
    }
    int r;
    struct stat st;
    if (!path)
        r = sd_journal_open(&jr->j, SD_JOURNAL_LOCAL_ONLY);
    else if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        r = sd_journal_open_directory(&jr->j, path, 0);
    else {
        const char *files[] = {path, NULL};
        r = sd_journal_open_files(&jr->j, files, 0);
    }
    if (r < 0) {
        free(jr->line);
        free(jr);
        return vg_err(errbuf, VG_EIO, "journal %s: %s", path ? path : "(system)", strerror(-r));
    }
    if (state_db && sqlite3_open(state_db, &jr->db) == SQLITE_OK) {
        sqlite3_busy_timeout(jr->db, 5000);
        sqlite3_exec(jr->db, "CREATE TABLE IF NOT EXISTS journal_cursor(source TEXT PRIMARY KEY, cursor TEXT)",
                     NULL, NULL, NULL);
        sqlite3_stmt *q;
        if (sqlite3_prepare_v2(jr->db, "SELECT cursor FROM journal_cursor WHERE source=?", -1, &q, NULL) == SQLITE_OK) {
            sqlite3_bind_text(q, 1, path ? path : "", -1, SQLITE_STATIC);
            if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_text(q, 0))
                jr->cursor = strdup((const char *)sqlite3_column_text(q, 0));
            sqlite3_finalize(q);
        }
    }
    if (jr->cursor && sd_journal_seek_cursor(jr->j, jr->cursor) >= 0) {
        /* the saved entry was delivered: move past it */
        if (sd_journal_next(jr->j) > 0 && sd_journal_test_cursor(jr->j, jr->cursor) <= 0)
            sd_journal_previous(jr->j);
    } else if (from_start) {
        sd_journal_seek_head(jr->j);
    } else {
        sd_journal_seek_tail(jr->j);
        sd_journal_previous(jr->j);
    }
    jr->dirty = false;
    free(jr->cursor);
    jr->cursor = NULL;
    if (!(jr->source = strdup(path ? path : ""))) {
        vg_journal_close(jr);
        return vg_err(errbuf, VG_ENOMEM, "out of memory");
    }
    *out = jr;
    return VG_OK;
}

int vg_journal_fd(vg_journal *jr)
{
    int fd = sd_journal_get_fd(jr->j);
    return fd < 0 ? -1 : fd;
}

int vg_journal_poll(vg_journal *jr, vg_journal_line_fn fn, void *ctx)
{
    sd_journal_process(jr->j);
    int n = 0;
    while (sd_journal_next(jr->j) > 0 && n < 100000) {
        size_t ml = 0, hl = 0, il = 0, pl = 0;
        const char *msg = field(jr->j, "MESSAGE", &ml);
        if (!msg)
            continue;
        const char *host = field(jr->j, "_HOSTNAME", &hl);
        const char *ident = field(jr->j, "SYSLOG_IDENTIFIER", &il);
        if (!ident)
            ident = field(jr->j, "_COMM", &il);
        const char *pid = field(jr->j, "_PID", &pl);
        uint64_t usec = 0;
        sd_journal_get_realtime_usec(jr->j, &usec);
        time_t t = (time_t)(usec / 1000000);
        struct tm tm;
        localtime_r(&t, &tm);
        char ts[32];
        strftime(ts, sizeof(ts), "%b %e %H:%M:%S", &tm);
        int len = snprintf(jr->line, VG_HLOG_MAX + 1, "%s %.*s %.*s%s%.*s%s: %.*s", ts, (int)VG_MIN(hl, 255),
                           host ? host : "localhost", (int)VG_MIN(il, 128), ident ? ident : "journal",
                           pid ? "[" : "", (int)VG_MIN(pl, 16), pid ? pid : "", pid ? "]" : "",
                           (int)VG_MIN(ml, (size_t)VG_HLOG_MAX), msg);
        if (len < 0)
            continue;
        if (len > VG_HLOG_MAX)
            len = VG_HLOG_MAX;
        if (fn)
            fn(ctx, "journal", jr->line, (size_t)len);
        n++;
        char *c = NULL;
        if (sd_journal_get_cursor(jr->j, &c) >= 0) {
            free(jr->cursor);
            jr->cursor = c;
            jr->dirty = true;
        }
    }
    return n;
}

int vg_journal_save(vg_journal *jr, char *errbuf)
{
    if (!jr->db || !jr->dirty || !jr->cursor || !jr->source)
        return VG_OK;
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(jr->db, "INSERT OR REPLACE INTO journal_cursor(source, cursor) VALUES(?,?)", -1, &q,
                           NULL) != SQLITE_OK)
        return vg_err(errbuf, VG_EIO, "journal cursor: %s", sqlite3_errmsg(jr->db));
    sqlite3_bind_text(q, 1, jr->source, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, jr->cursor, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q) == SQLITE_DONE ? VG_OK : VG_EIO;
    sqlite3_finalize(q);
    if (rc < 0)
        return vg_err(errbuf, rc, "journal cursor: %s", sqlite3_errmsg(jr->db));
    jr->dirty = false;
    return VG_OK;
}

void vg_journal_close(vg_journal *jr)
{
    if (!jr)
        return;
    char eb[VG_ERRBUF_SIZE];
    if (vg_journal_save(jr, eb) < 0)
        fprintf(stderr, "vigil host: %s\n", eb);
    if (jr->j)
        sd_journal_close(jr->j);
    if (jr->db)
        sqlite3_close(jr->db);
    free(jr->cursor);
    free(jr->line);
    free(jr->source);
    free(jr);
}

#else

struct vg_journal {
    int unused;
};

int vg_journal_open(vg_journal **out, const char *path, const char *state_db, bool from_start, char *errbuf)
{
    (void)path;
    (void)state_db;
    (void)from_start;
    *out = NULL;
    return vg_err(errbuf, VG_ENOTSUP, "journal: built without libsystemd");
}

int vg_journal_fd(vg_journal *j) { (void)j; return -1; }
int vg_journal_poll(vg_journal *j, vg_journal_line_fn fn, void *ctx) { (void)j; (void)fn; (void)ctx; return 0; }
int vg_journal_save(vg_journal *j, char *errbuf) { (void)j; (void)errbuf; return VG_OK; }
void vg_journal_close(vg_journal *j) { (void)j; }

#endif
