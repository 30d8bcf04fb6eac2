#include "core/eve.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct vg_eve {
    FILE *fp;
    bool is_stdout;
    pthread_mutex_t lock;
    uint64_t written;
    uint64_t dropped;
};

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
    pthread_mutex_unlock(&e->lock);
    return VG_OK;
}

void vg_eve_flush(vg_eve *e)
{
    pthread_mutex_lock(&e->lock);
    fflush(e->fp);
    pthread_mutex_unlock(&e->lock);
}

void vg_eve_close(vg_eve *e)
{
    if (!e)
        return;
    fflush(e->fp);
    if (!e->is_stdout)
        fclose(e->fp);
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
