#include "core/vg.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char *vg_strerror(int rc)
{
    switch (rc) {
    case VG_OK: return "ok";
    case VG_DECLINED: return "declined";
    case VG_ENOMEM: return "out of memory";
    case VG_EINVAL: return "invalid";
    case VG_ELIMIT: return "limit reached";
    case VG_EIO: return "i/o error";
    case VG_ENOTSUP: return "not supported";
    case VG_ENOENT: return "not found";
    }
    return "unknown error";
}

int vg_err(char *errbuf, int rc, const char *fmt, ...)
{
    if (errbuf) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(errbuf, VG_ERRBUF_SIZE, fmt, ap);
        va_end(ap);
    }
    return rc;
}

static void oom(size_t n)
{
    fprintf(stderr, "vigil: out of memory allocating %zu bytes\n", n);
    abort();
}

void *vg_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) oom(n);
    return p;
}

void *vg_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p) oom(n * size);
    return p;
}

void *vg_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) oom(n);
    return q;
}

char *vg_xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = vg_xmalloc(n);
    memcpy(d, s, n);
    return d;
}

int64_t vg_now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return (int64_t)t.tv_sec * 1000000 + t.tv_nsec / 1000;
}
