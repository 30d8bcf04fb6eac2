/* syslogd.c: UDP and TCP syslog listener (see syslogd.h). */
#include "host/syslogd.h"
#include "host/ruleset.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_CONNS 256
#define MAX_OCTETS (1u << 20)
#define CONN_BUF (VG_HLOG_MAX + 32)

typedef struct conn {
    int fd;
    char peer[64];
    char *buf;                  /* CONN_BUF bytes */
    size_t len;
    size_t skip;                /* octets of an over-long frame still to discard */
} conn;

struct vg_syslogd {
    int ufd, tfd;
    int uport, tport;
    conn conns[MAX_CONNS];
    int nconns;
    char *dgram;
    vg_syslogd_stats st;
};

static int parse_addr(const char *s, struct sockaddr_storage *ss, socklen_t *len)
{
    char host[128];
    const char *colon = strrchr(s, ':');
    if (!colon)
        return VG_EINVAL;
    int port = atoi(colon + 1);
    if (port < 0 || port > 65535)
        return VG_EINVAL;
    size_t hl = (size_t)(colon - s);
    if (hl >= sizeof(host))
        return VG_EINVAL;
    memcpy(host, s, hl);
    host[hl] = '\0';
    memset(ss, 0, sizeof(*ss));
    if (host[0] == '[') {
        size_t n = strlen(host);
        if (n < 2 || host[n - 1] != ']')
            return VG_EINVAL;
        host[n - 1] = '\0';
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;
        a->sin6_family = AF_INET6;
        a->sin6_port = htons((uint16_t)port);
        if (inet_pton(AF_INET6, host + 1, &a->sin6_addr) != 1)
            return VG_EINVAL;
        *len = sizeof(*a);
        return VG_OK;
    }
    struct sockaddr_in *a = (struct sockaddr_in *)ss;
    a->sin_family = AF_INET;
    a->sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, host[0] ? host : "127.0.0.1", &a->sin_addr) != 1)
        return VG_EINVAL;
    *len = sizeof(*a);
    return VG_OK;
}

static int bound_port(int fd)
{
    struct sockaddr_storage ss;
    socklen_t l = sizeof(ss);
    if (getsockname(fd, (struct sockaddr *)&ss, &l) < 0)
        return -1;
    return ss.ss_family == AF_INET6 ? ntohs(((struct sockaddr_in6 *)&ss)->sin6_port)
                                    : ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

static int open_sock(const char *addr, int type, int *out, int *port, char *errbuf)
{
    struct sockaddr_storage ss;
    socklen_t len;
    if (parse_addr(addr, &ss, &len) < 0)
        return vg_err(errbuf, VG_EINVAL, "syslog listen address '%s': expected ADDR:PORT", addr);
    int fd = socket(ss.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return vg_err(errbuf, VG_EIO, "socket: %s", strerror(errno));
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(fd, (struct sockaddr *)&ss, len) < 0 || (type == SOCK_STREAM && listen(fd, 64) < 0)) {
        int e = errno;
        close(fd);
        return vg_err(errbuf, VG_EIO, "syslog %s %s: %s", type == SOCK_STREAM ? "tcp" : "udp", addr,
                      strerror(e));
    }
    if (type == SOCK_DGRAM) {
        int rcv = 4 << 20;
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
    }
    *out = fd;
    *port = bound_port(fd);
    return VG_OK;
}

int vg_syslogd_open(vg_syslogd **out, const char *udp, const char *tcp, char *errbuf)
{
    *out = NULL;
    vg_syslogd *d = calloc(1, sizeof(*d));
    if (!d)
        return vg_err(errbuf, VG_ENOMEM, "out of memory");
    d->ufd = d->tfd = -1;
    d->dgram = malloc(VG_HLOG_MAX + 1);
    int rc = d->dgram ? VG_OK : vg_err(errbuf, VG_ENOMEM, "out of memory");
    if (rc == VG_OK && udp)
        rc = open_sock(udp, SOCK_DGRAM, &d->ufd, &d->uport, errbuf);
    if (rc == VG_OK && tcp)
        rc = open_sock(tcp, SOCK_STREAM, &d->tfd, &d->tport, errbuf);
    if (rc < 0) {
        vg_syslogd_close(d);
        return rc;
    }
    *out = d;
    return VG_OK;
}

int vg_syslogd_udp_port(const vg_syslogd *d) { return d->uport; }
int vg_syslogd_tcp_port(const vg_syslogd *d) { return d->tport; }
const vg_syslogd_stats *vg_syslogd_stats_get(const vg_syslogd *d) { return &d->st; }

int vg_syslogd_pollfds(vg_syslogd *d, struct pollfd *fds, int max)
{
    int n = 0;
    if (d->ufd >= 0 && n < max)
        fds[n++] = (struct pollfd){d->ufd, POLLIN, 0};
    if (d->tfd >= 0 && n < max)
        fds[n++] = (struct pollfd){d->tfd, POLLIN, 0};
    for (int i = 0; i < d->nconns && n < max; i++)
        fds[n++] = (struct pollfd){d->conns[i].fd, POLLIN, 0};
    return n;
}

static void peer_name(const struct sockaddr_storage *ss, char *out, size_t n)
{
    char a[INET6_ADDRSTRLEN] = "?";
    if (ss->ss_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr, a, sizeof(a));
    else if (ss->ss_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ss)->sin6_addr, a, sizeof(a));
    snprintf(out, n, "%s", a);
}

static void deliver(vg_syslogd *d, const char *peer, const char *m, size_t len, vg_syslogd_msg_fn fn, void *ctx)
{
    while (len > 0 && (m[len - 1] == '\n' || m[len - 1] == '\r' || m[len - 1] == '\0'))
        len--;
    if (len == 0)
        return;
    if (len > VG_HLOG_MAX) {
        len = VG_HLOG_MAX;
        d->st.truncated++;
    }
    d->st.messages++;
    d->st.bytes += len;
    if (fn)
        fn(ctx, peer, m, len);
}

static void drop_conn(vg_syslogd *d, int i)
{
    close(d->conns[i].fd);
    free(d->conns[i].buf);
    d->conns[i] = d->conns[--d->nconns];
}

/* Parse the frames in c->buf; false if the connection must be closed. */
static bool frames(vg_syslogd *d, conn *c, vg_syslogd_msg_fn fn, void *ctx)
{
    size_t pos = 0;
    while (pos < c->len) {
        if (c->skip) {
            size_t take = VG_MIN(c->skip, c->len - pos);
            c->skip -= take;
            pos += take;
            continue;
        }
        char *p = c->buf + pos;
        size_t avail = c->len - pos;
        if (p[0] >= '1' && p[0] <= '9') {
            /* octet counting */
            size_t k = 0, n = 0;
            while (k < avail && k < 8 && p[k] >= '0' && p[k] <= '9')
                n = n * 10 + (size_t)(p[k++] - '0');
            if (k == avail)
                break; /* need more */
            if (p[k] != ' ' || n > MAX_OCTETS) {
                /* not octet counting after all: a newline-delimited line
                 * that starts with a digit, unless the count is absurd */
                if (p[k] == ' ' || k >= 8) {
                    d->st.malformed++;
                    return false;
                }
                goto lf;
            }
            if (avail - k - 1 < n) {
                if (n + k + 1 > CONN_BUF) {
                    /* longer than we keep: deliver what fits, skip the rest */
                    deliver(d, c->peer, p + k + 1, avail - k - 1, fn, ctx);
                    d->st.truncated++;
                    c->skip = n - (avail - k - 1);
                    pos = c->len;
                    continue;
                }
                break; /* need more */
            }
            deliver(d, c->peer, p + k + 1, n, fn, ctx);
            pos += k + 1 + n;
            continue;
        }
    lf:;
        char *nl = NULL;
        for (size_t k = 0; k < avail; k++)
            if (p[k] == '\n' || p[k] == '\0') {
                nl = p + k;
                break;
            }
        if (!nl) {
            if (pos == 0 && c->len >= CONN_BUF) {
                deliver(d, c->peer, p, avail, fn, ctx); /* over-long line: cut */
                d->st.truncated++;
                pos = c->len;
            }
            break;
        }
        deliver(d, c->peer, p, (size_t)(nl - p), fn, ctx);
        pos += (size_t)(nl - p) + 1;
    }
    if (pos > 0) {
        memmove(c->buf, c->buf + pos, c->len - pos);
        c->len -= pos;
    }
    return true;
}

int vg_syslogd_handle(vg_syslogd *d, const struct pollfd *fds, int n, vg_syslogd_msg_fn fn, void *ctx)
{
    int handled = 0;
    for (int i = 0; i < n; i++) {
        if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
            continue;
        handled++;
        if (fds[i].fd == d->ufd) {
            for (int k = 0; k < 256; k++) {
                struct sockaddr_storage ss;
                socklen_t sl = sizeof(ss);
                ssize_t r = recvfrom(d->ufd, d->dgram, VG_HLOG_MAX, MSG_TRUNC, (struct sockaddr *)&ss, &sl);
                if (r < 0)
                    break;
                char peer[64];
                peer_name(&ss, peer, sizeof(peer));
                if (r > VG_HLOG_MAX) {
                    d->st.truncated++;
                    r = VG_HLOG_MAX;
                }
                deliver(d, peer, d->dgram, (size_t)r, fn, ctx);
            }
        } else if (fds[i].fd == d->tfd) {
            for (;;) {
                struct sockaddr_storage ss;
                socklen_t sl = sizeof(ss);
                int cfd = accept4(d->tfd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
                if (cfd < 0)
                    break;
                char *buf = d->nconns < MAX_CONNS ? malloc(CONN_BUF) : NULL;
                if (!buf) {
                    d->st.refused++;
                    close(cfd);
                    continue;
                }
                conn *c = &d->conns[d->nconns++];
                memset(c, 0, sizeof(*c));
                c->fd = cfd;
                c->buf = buf;
                peer_name(&ss, c->peer, sizeof(c->peer));
                d->st.connections++;
            }
        } else {
            for (int k = 0; k < d->nconns; k++) {
                conn *c = &d->conns[k];
                if (c->fd != fds[i].fd)
                    continue;
                bool keep = true;
                for (;;) {
                    ssize_t r = read(c->fd, c->buf + c->len, CONN_BUF - c->len);
                    if (r == 0) {
                        /* peer closed: a last unterminated line still counts */
                        if (c->len && !c->skip)
                            deliver(d, c->peer, c->buf, c->len, fn, ctx);
                        keep = false;
                        break;
                    }
                    if (r < 0) {
                        keep = errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
                        break;
                    }
                    c->len += (size_t)r;
                    if (!frames(d, c, fn, ctx)) {
                        keep = false;
                        break;
                    }
                }
                if (!keep)
                    drop_conn(d, k);
                break;
            }
        }
    }
    return handled;
}

void vg_syslogd_close(vg_syslogd *d)
{
    if (!d)
        return;
    while (d->nconns)
        drop_conn(d, 0);
    if (d->ufd >= 0)
        close(d->ufd);
    if (d->tfd >= 0)
        close(d->tfd);
    free(d->dgram);
    free(d);
}
