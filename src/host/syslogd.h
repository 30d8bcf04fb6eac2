/*
 * syslogd.h: a syslog listener (UDP and TCP) for vigil host.
 *
 * Binds 127.0.0.1 unless configured ("ADDR:PORT", IPv4 or [IPv6]:PORT).
 * UDP: one message per datagram.  TCP: RFC 6587 octet counting ("LEN SP
 * MSG") when a frame starts with a digit, otherwise newline (or NUL)
 * delimited; the two may alternate on one connection.  Messages are
 * handed over whole (RFC 3164 or 5424, with their <PRI>); pre-decoding
 * happens in the rules engine.
 *
 * Limits: messages longer than VG_HLOG_MAX are cut (counted); an octet
 * count larger than 1 MiB or not followed by a space is malformed: the
 * connection is closed (counted).  At most 256 TCP connections; more are
 * refused (counted).  Nothing here allocates per message.
 */
#ifndef VG_HOST_SYSLOGD_H
#define VG_HOST_SYSLOGD_H

#include <poll.h>

#include "core/vg.h"

typedef struct vg_syslogd vg_syslogd;

typedef void (*vg_syslogd_msg_fn)(void *ctx, const char *peer, const char *msg, size_t len);

typedef struct vg_syslogd_stats {
    uint64_t messages, bytes;
    uint64_t malformed;         /* bad octet counts: connection closed */
    uint64_t truncated;         /* cut at VG_HLOG_MAX */
    uint64_t connections, refused;
} vg_syslogd_stats;

/* udp/tcp: "ADDR:PORT" or NULL to disable that transport. */
int vg_syslogd_open(vg_syslogd **out, const char *udp, const char *tcp, char *errbuf) VG_WARN_UNUSED;
/* Fill up to max pollfds; returns how many. */
int vg_syslogd_pollfds(vg_syslogd *d, struct pollfd *fds, int max);
/* Handle the ready descriptors among fds[0..n) (from vg_syslogd_pollfds). */
int vg_syslogd_handle(vg_syslogd *d, const struct pollfd *fds, int n, vg_syslogd_msg_fn fn, void *ctx);
/* The bound ports (useful with port 0 in tests). */
int vg_syslogd_udp_port(const vg_syslogd *d);
int vg_syslogd_tcp_port(const vg_syslogd *d);
const vg_syslogd_stats *vg_syslogd_stats_get(const vg_syslogd *d);
void vg_syslogd_close(vg_syslogd *d);

#endif
