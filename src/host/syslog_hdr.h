/*
 * syslog_hdr.h: pre-decoding of a log line's syslog header, as Wazuh/OSSEC
 * pre-decode: the time stamp, host name, program name and pid are taken off
 * the front and the rest is the message that decoders and rules see.
 *
 * Recognised headers:
 *   "Mmm dd hh:mm:ss[.frac] [yyyy ]host prog[pid]: msg"   (BSD syslog, RFC 3164)
 *   "Mmm dd yyyy hh:mm:ss host prog[pid]: msg"
 *   "yyyy-mm-ddThh:mm:ss[.frac][Z|+hh:mm|+hhmm] host prog[pid]: msg" (RFC 3339)
 *   "yyyy-mm-dd hh:mm:ss[.frac][+hhmm]  host prog[pid]: msg"
 *   "<PRI>" and RFC 5424 "<PRI>1 TIMESTAMP HOST APP PROCID MSGID SD MSG"
 * A header without a well-formed "prog[pid]:" keeps the host and time but no
 * program; a line with no time stamp has no header at all.  Pure function
 * over a bounded slice; outputs are offsets into the input.
 */
#ifndef VG_HOST_SYSLOG_HDR_H
#define VG_HOST_SYSLOG_HDR_H

#include "core/vg.h"

typedef struct vg_slice {
    size_t off, len;            /* len 0: absent */
} vg_slice;

typedef struct vg_syslog_hdr {
    bool has_header;
    int pri;                    /* -1 if none */
    vg_slice time, host, program, pid;
    size_t msg_off;             /* the message (what rules see) starts here */
} vg_syslog_hdr;

/* Parse line[0..len).  Always succeeds: with no header, msg_off is 0 (or
 * just past a leading <PRI>). */
void vg_syslog_predecode(const char *line, size_t len, vg_syslog_hdr *h);

/* Seconds since 1970 (UTC, no zone applied) of the header's time stamp, or
 * -1.  BSD stamps have no year: `year` is used. */
double vg_syslog_time(const char *line, const vg_syslog_hdr *h, int year);

#endif
