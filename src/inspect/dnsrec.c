/* dnsrec.c: NS and MX records of a zone over UDP (see dnsrec.h). */
#include "inspect/dnsrec.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_MSG 4096
#define MAX_ANSWERS 64
#define MAX_QUESTIONS 4
#define MAX_POINTERS 32
#define MAX_ITEMS 32

static unsigned rd16(const unsigned char *p) { return (unsigned)p[0] << 8 | p[1]; }

/* Read the name at *off; out may be NULL (skip).  *off moves past the name
 * as it appears in place (a pointer counts two bytes). */
static int read_name(const unsigned char *m, size_t len, size_t *off, char *out, size_t n)
{
    size_t p = *off, o = 0, total = 0;
    bool jumped = false;
    int ptrs = 0;
    for (;;) {
        if (p >= len)
            return VG_EINVAL;
        unsigned c = m[p];
        if ((c & 0xC0) == 0xC0) {
            if (p + 1 >= len || ++ptrs > MAX_POINTERS)
                return VG_EINVAL;
            size_t to = (size_t)((c & 0x3F) << 8 | m[p + 1]);
            if (!jumped)
                *off = p + 2;
            jumped = true;
            if (to >= len)
                return VG_EINVAL;
            p = to;
            continue;
        }
        if (c & 0xC0)
            return VG_EINVAL; /* reserved label types */
        if (c == 0) {
            if (!jumped)
                *off = p + 1;
            break;
        }
        if (p + 1 + c > len || (total += c + 1) > 255)
            return VG_EINVAL;
        for (unsigned i = 0; i < c; i++) {
            char ch = (char)m[p + 1 + i];
            if (ch >= 'A' && ch <= 'Z')
                ch = (char)(ch - 'A' + 'a');
            if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' || ch == '_'))
                ch = '?';
            if (out && o + 2 < n)
                out[o++] = ch;
        }
        if (out && o + 2 < n)
            out[o++] = '.';
        p += 1 + c;
    }
    if (out) {
        if (o && out[o - 1] == '.')
            o--;
        if (!o && n > 1)
            out[o++] = '.'; /* the root name */
        out[o < n ? o : n - 1] = '\0';
    }
    return VG_OK;
}

static int cmp_item(const void *a, const void *b) { return strcmp((const char *)a, (const char *)b); }

int vg_dnsrec_parse(const unsigned char *m, size_t len, uint16_t id, int qtype, char *out, size_t n)
{
    if (n)
        out[0] = '\0';
    if (len < 12 || len > MAX_MSG || rd16(m) != id || !(m[2] & 0x80))
        return VG_EINVAL;
    unsigned rcode = m[3] & 0x0F, qd = rd16(m + 4), an = rd16(m + 6);
    if (qd > MAX_QUESTIONS)
        return VG_EINVAL;
    size_t off = 12;
    for (unsigned i = 0; i < qd; i++) {
        if (read_name(m, len, &off, NULL, 0) != VG_OK || off + 4 > len)
            return VG_EINVAL;
        if (i == 0 && (int)rd16(m + off) != qtype)
            return VG_EINVAL;
        off += 4;
    }
    if (rcode)
        return VG_ENOENT;
    char (*it)[272] = calloc(MAX_ITEMS, sizeof *it);
    if (!it)
        return VG_ENOMEM;
    int k = 0, rc = VG_OK;
    for (unsigned i = 0; i < an && i < MAX_ANSWERS; i++) {
        if (read_name(m, len, &off, NULL, 0) != VG_OK || off + 10 > len) {
            rc = VG_EINVAL;
            break;
        }
        int type = (int)rd16(m + off);
        size_t rdlen = rd16(m + off + 8);
        off += 10;
        if (off + rdlen > len) {
            rc = VG_EINVAL;
            break;
        }
        size_t r = off, rend = off + rdlen;
        off = rend;
        if (type != qtype || k >= MAX_ITEMS)
            continue;
        char name[260], item[272];
        if (qtype == VG_DNS_MX) {
            if (rdlen < 3) {
                rc = VG_EINVAL;
                break;
            }
            unsigned pref = rd16(m + r);
            r += 2;
            if (read_name(m, len, &r, name, sizeof name) != VG_OK || r > rend) {
                rc = VG_EINVAL;
                break;
            }
            snprintf(item, sizeof item, "%u %s", pref, name);
        } else {
            if (read_name(m, len, &r, name, sizeof name) != VG_OK || r > rend) {
                rc = VG_EINVAL;
                break;
            }
            snprintf(item, sizeof item, "%s", name);
        }
        bool dup = false;
        for (int j = 0; j < k && !dup; j++)
            dup = strcmp(it[j], item) == 0;
        if (!dup)
            memcpy(it[k++], item, sizeof item);
    }
    if (rc == VG_OK) {
        qsort(it, (size_t)k, sizeof *it, cmp_item);
        size_t o = 0;
        for (int j = 0; j < k && n; j++) {
            int w = snprintf(out + o, n - o, "%s%s", j ? "," : "", it[j]);
            if (w < 0 || (size_t)w >= n - o) {
                out[o] = '\0';
                break;
            }
            o += (size_t)w;
        }
        rc = k;
    } else if (n) {
        out[0] = '\0';
    }
    free(it);
    return rc;
}

static int build_query(unsigned char *q, size_t cap, uint16_t id, const char *name, int qtype, size_t *qlen)
{
    if (cap < 12)
        return VG_EINVAL;
    memset(q, 0, 12);
    q[0] = (unsigned char)(id >> 8);
    q[1] = (unsigned char)id;
    q[2] = 0x01; /* RD */
    q[5] = 1;
    size_t o = 12;
    const char *s = name;
    while (*s) {
        const char *dot = strchr(s, '.');
        size_t l = dot ? (size_t)(dot - s) : strlen(s);
        if (l == 0 || l > 63 || o + 1 + l + 5 > cap || o + l > 12 + 253)
            return VG_EINVAL;
        q[o++] = (unsigned char)l;
        memcpy(q + o, s, l);
        o += l;
        s += l;
        if (*s == '.')
            s++;
    }
    q[o++] = 0;
    q[o++] = (unsigned char)(qtype >> 8);
    q[o++] = (unsigned char)qtype;
    q[o++] = 0;
    q[o++] = 1; /* IN */
    *qlen = o;
    return VG_OK;
}

static int server_addr(const char *server, struct sockaddr_storage *ss, socklen_t *sl)
{
    char host[128] = "";
    unsigned port = 53;
    if (!server) {
        FILE *fp = fopen("/etc/resolv.conf", "r");
        char line[256];
        while (fp && fgets(line, sizeof line, fp))
            if (sscanf(line, " nameserver %127s", host) == 1)
                break;
        if (fp)
            fclose(fp);
        if (!host[0])
            snprintf(host, sizeof host, "127.0.0.1");
    } else if (server[0] == '[') {
        const char *e = strchr(server, ']');
        if (!e || (size_t)(e - server - 1) >= sizeof host)
            return VG_EINVAL;
        memcpy(host, server + 1, (size_t)(e - server - 1));
        host[e - server - 1] = '\0';
        if (e[1] == ':')
            port = (unsigned)atoi(e + 2);
    } else {
        snprintf(host, sizeof host, "%s", server);
        char *c = strchr(host, ':');
        if (c && !strchr(c + 1, ':')) {
            *c = '\0';
            port = (unsigned)atoi(c + 1);
        }
    }
    if (port == 0 || port > 65535)
        return VG_EINVAL;
    memset(ss, 0, sizeof(*ss));
    struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
    if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
        a4->sin_family = AF_INET;
        a4->sin_port = htons((uint16_t)port);
        *sl = sizeof(*a4);
        return VG_OK;
    }
    char *pct = strchr(host, '%'); /* fe80::1%eth0: scope not supported */
    if (pct)
        *pct = '\0';
    if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons((uint16_t)port);
        *sl = sizeof(*a6);
        return VG_OK;
    }
    return VG_EINVAL;
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int vg_dnsrec_query(const char *server, const char *name, int qtype, int timeout_ms, char *out, size_t n)
{
    if (n)
        out[0] = '\0';
    struct sockaddr_storage ss;
    socklen_t sl;
    if (server_addr(server, &ss, &sl) != VG_OK)
        return VG_EINVAL;
    uint16_t id;
    if (getrandom(&id, sizeof id, 0) != (ssize_t)sizeof id)
        id = (uint16_t)(now_ms() ^ getpid());
    unsigned char q[512];
    size_t ql;
    if (build_query(q, sizeof q, id, name, qtype, &ql) != VG_OK)
        return VG_EINVAL;
    int fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return VG_EIO;
    int rc = VG_EIO;
    if (connect(fd, (struct sockaddr *)&ss, sl) != 0 || send(fd, q, ql, 0) != (ssize_t)ql) {
        close(fd);
        return VG_EIO;
    }
    long long deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : 3000);
    unsigned char *m = malloc(MAX_MSG);
    if (!m) {
        close(fd);
        return VG_ENOMEM;
    }
    for (;;) {
        long long left = deadline - now_ms();
        if (left <= 0)
            break;
        struct pollfd pf = {.fd = fd, .events = POLLIN};
        int pr = poll(&pf, 1, (int)left);
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr <= 0)
            break;
        ssize_t got = recv(fd, m, MAX_MSG, 0);
        if (got < 0) {
            if (errno == EINTR || errno == EAGAIN)
                continue;
            break; /* ICMP port unreachable: no server there */
        }
        int r = vg_dnsrec_parse(m, (size_t)got, id, qtype, out, n);
        if (r == VG_EINVAL)
            continue; /* not our answer: keep waiting */
        rc = r;
        break;
    }
    free(m);
    close(fd);
    return rc;
}

int vg_dnsrec_zone(const char *server, const char *host, int timeout_ms, char *zone, size_t zn, char *ns,
                size_t nsn, char *mx, size_t mxn)
{
    zone[0] = ns[0] = mx[0] = '\0';
    char name[256];
    snprintf(name, sizeof name, "%s", host);
    size_t l = strlen(name);
    while (l && name[l - 1] == '.')
        name[--l] = '\0';
    unsigned char buf[16];
    if (!l || inet_pton(AF_INET, name, buf) == 1 || inet_pton(AF_INET6, name, buf) == 1)
        return VG_DECLINED;
    long long deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : 4000);
    const char *cur = name;
    for (int i = 0; i < 8; i++) {
        long long left = deadline - now_ms();
        if (left <= 0)
            return VG_EIO;
        int rc = vg_dnsrec_query(server, cur, VG_DNS_NS, (int)left, ns, nsn);
        if (rc > 0) {
            snprintf(zone, zn, "%s", cur);
            break;
        }
        if (rc == VG_EIO)
            return VG_EIO;
        const char *dot = strchr(cur, '.');
        if (!dot || !strchr(dot + 1, '.'))
            return VG_DECLINED; /* never the top-level domain */
        cur = dot + 1;
    }
    if (!zone[0])
        return VG_DECLINED;
    long long left = deadline - now_ms();
    int rc = left > 0 ? vg_dnsrec_query(server, zone, VG_DNS_MX, (int)left, mx, mxn) : VG_EIO;
    if (rc == VG_EIO)
        return VG_EIO;
    return VG_OK; /* no MX (0 records, or an error code) leaves mx empty */
}
