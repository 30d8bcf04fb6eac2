#include "core/log.h"

#include <stdarg.h>
#include <stdio.h>

static int threshold = VG_LOG_NOTICE;

void vg_log_set_level(int level) { threshold = level; }
int vg_log_level(void) { return threshold; }

void vg_log(int level, const char *fmt, ...)
{
    static const char *names[] = {"", "", "", "Error", "Warning", "Notice", "Info", "Debug"};
    if (level > threshold)
        return;
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "vigil: %s: ", names[level & 7]);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}
