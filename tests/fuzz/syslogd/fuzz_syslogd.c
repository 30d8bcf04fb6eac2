/*
 * fuzz_syslogd.c: the syslog listener's framing (RFC 6587 octet counting and
 * newline/NUL delimited frames, mixed on one connection) over real loopback
 * sockets: each input is written to a TCP connection in pieces (sizes from
 * the input's first byte), the connection is closed, and the listener runs
 * until it has dropped it; the first 64 KiB also go as one UDP datagram.
 * Every message handed over must fit VG_HLOG_MAX and lie inside the
 * listener's buffer (ASan checks each byte).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "host/ruleset.h"
#include "host/syslogd.h"

static vg_syslogd *sd;
static uint64_t sink;

static void on_msg(void *ctx, const char *peer, const char *msg, size_t len)
{
    (void)ctx;
    if (len == 0 || len > VG_HLOG_MAX || !peer[0])
        abort();
    for (size_t i = 0; i < len; i++)
        sink += (unsigned char)msg[i];
}

static void pump(int ms)
{
    struct pollfd fds[300];
    int n = vg_syslogd_pollfds(sd, fds, 300);
    if (poll(fds, (nfds_t)n, ms) > 0)
        vg_syslogd_handle(sd, fds, n, on_msg, NULL);
}

static int sock_to(int type, int port)
{
    int fd = socket(AF_INET, type, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[VG_ERRBUF_SIZE];
    if (!sd && vg_syslogd_open(&sd, "127.0.0.1:0", "127.0.0.1:0", err) != VG_OK)
        abort();
    if (size < 1 || size > (128u << 10))
        return 0;
    /* at most 16 KiB a write (never blocks), at most ~64 writes an input */
    size_t piece = VG_MAX(1 + (size_t)data[0] * 64, VG_MIN(size / 64 + 1, (size_t)16384));
    const vg_syslogd_stats *st = vg_syslogd_stats_get(sd);
    int u = sock_to(SOCK_DGRAM, vg_syslogd_udp_port(sd));
    if (u >= 0) {
        (void)!send(u, data + 1, VG_MIN(size - 1, (size_t)65000), 0);
        close(u);
    }
    int t = sock_to(SOCK_STREAM, vg_syslogd_tcp_port(sd));
    if (t < 0)
        return 0;
    uint64_t conns = st->connections;
    for (int i = 0; i < 100 && st->connections == conns; i++)
        pump(10); /* accept (and the datagram) */
    for (size_t o = 1; o < size; o += piece) {
        size_t n = VG_MIN(piece, size - o);
        if (send(t, data + o, n, MSG_NOSIGNAL) != (ssize_t)n) /* closed by the listener */
            break;
        pump(0);
    }
    close(t);
    /* until the listener has dropped the connection (pollfds: 2 listeners) */
    struct pollfd fds[300];
    for (int i = 0; i < 200 && vg_syslogd_pollfds(sd, fds, 300) > 2; i++)
        pump(10);
    if (vg_syslogd_pollfds(sd, fds, 300) > 2)
        abort(); /* a closed connection must be released */
    return 0;
}
