/*
 * log_event.h: the `log` event of the shared event model, built from a
 * decoded and matched log line:
 *   {"timestamp":..., "event_type":"log", "host":..., "src_ip":...,
 *    "log":{"decoder":..., "rule":{"id","level","description","groups",
 *    "mitre"}, "fields":{...}, "location":..., "full_log":...}}
 * full_log is left out when the rule says no_full_log.  The caller passes
 * the sensor host name (may be NULL).
 */
#ifndef VG_HOST_LOG_EVENT_H
#define VG_HOST_LOG_EVENT_H

#include <sys/time.h>

#include "core/jbuf.h"
#include "host/ruleset.h"

void vg_host_log_event(vg_jb *jb, const vg_hevent *e, const struct timeval *tv, const char *sensor,
                       const char *location, const char *line, size_t len);

#endif
