/*
 * log.h: vigil's own diagnostics on stderr (not events).  Levels follow
 * syslog; the threshold is set once at start-up.  Never log secrets: callers
 * pass names and reasons, not credentials or payloads.
 */
#ifndef VG_LOG_H
#define VG_LOG_H

#include "core/vg.h"

enum { VG_LOG_ERROR = 3, VG_LOG_WARN = 4, VG_LOG_NOTICE = 5, VG_LOG_INFO = 6, VG_LOG_DEBUG = 7 };

void vg_log_set_level(int level);
int vg_log_level(void);
void vg_log(int level, const char *fmt, ...) VG_PRINTF(2, 3);

#define vg_error(...) vg_log(VG_LOG_ERROR, __VA_ARGS__)
#define vg_warn(...) vg_log(VG_LOG_WARN, __VA_ARGS__)
#define vg_notice(...) vg_log(VG_LOG_NOTICE, __VA_ARGS__)
#define vg_info(...) vg_log(VG_LOG_INFO, __VA_ARGS__)
#define vg_debug(...) vg_log(VG_LOG_DEBUG, __VA_ARGS__)

#endif
