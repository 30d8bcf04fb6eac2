/*
 * test_dnsrec.c: the NS/MX response parser on crafted messages (compression,
 * error codes, wrong ids, pointer loops, truncation) and the lookup and the
 * zone walk against a DNS server thread on 127.0.0.1.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "inspect/dnsrec.h"
#include "vg_test.h"

static size_t put_name(unsigned char *m, size_t o, const char *name)
{
    while (*name) {
        const char *dot = strchr(name, '.');
        size_t l = dot ? (size_t)(dot - name) : strlen(name);
        m[o++] = (unsigned char)l;
        memcpy(m + o, name, l);
        o += l;
        name += l + (dot ? 1 : 0);
    }
    m[o++] = 0;
    return o;
}

static size_t put16(unsigned char *m, size_t o, unsigned v)
{
    m[o] = (unsigned char)(v >> 8);
    m[o + 1] = (unsigned char)v;
    return o + 2;
}

/* A response: header, the question (qname at offset 12), answers. */
struct answer { int type; unsigned pref; const char *target; };

static size_t response(unsigned char *m, unsigned id, int rcode, const char *qname, int qtype,
                       const struct answer *a, int na)
{
    memset(m, 0, 12);
    put16(m, 0, id);
    m[2] = 0x81;
    m[3] = (unsigned char)(0x80 | rcode);
    put16(m, 4, 1);
    put16(m, 6, (unsigned)na);
    size_t o = put_name(m, 12, qname);
    o = put16(m, o, (unsigned)qtype);
    o = put16(m, o, 1);
    for (int i = 0; i < na; i++) {
        o = put16(m, o, 0xC00C); /* owner: the question's name */
        o = put16(m, o, (unsigned)a[i].type);
        o = put16(m, o, 1);
        o = put16(m, o, 0);
        o = put16(m, o, 300);
        size_t rdl = o;
        o += 2;
        if (a[i].type == VG_DNS_MX)
            o = put16(m, o, a[i].pref);
        o = put_name(m, o, a[i].target);
        put16(m, rdl, (unsigned)(o - rdl - 2));
    }
    return o;
}

static void t_parse(void)
{
    unsigned char m[1024];
    char out[256];
    struct answer ns[] = {{VG_DNS_NS, 0, "NS2.Example.VN"}, {VG_DNS_NS, 0, "ns1.example.vn"},
                          {5, 0, "alias.example.vn"}, {VG_DNS_NS, 0, "ns1.example.vn"}};
    size_t l = response(m, 0x1234, 0, "example.vn", VG_DNS_NS, ns, 4);
    VG_CHECK_EQ(vg_dnsrec_parse(m, l, 0x1234, VG_DNS_NS, out, sizeof out), 2);
    VG_CHECK_STR(out, "ns1.example.vn,ns2.example.vn");     /* sorted, lower case, no duplicate, no CNAME */
    VG_CHECK_EQ(vg_dnsrec_parse(m, l, 0x1235, VG_DNS_NS, out, sizeof out), VG_EINVAL); /* other id */
    VG_CHECK_EQ(vg_dnsrec_parse(m, l, 0x1234, VG_DNS_MX, out, sizeof out), VG_EINVAL); /* other question */
    for (size_t cut = 0; cut < l; cut++)                                             /* every truncation */
        VG_CHECK(vg_dnsrec_parse(m, cut, 0x1234, VG_DNS_NS, out, sizeof out) < 2);
    struct answer mx[] = {{VG_DNS_MX, 20, "mx2.example.vn"}, {VG_DNS_MX, 10, "mx,1.example.vn"}};
    l = response(m, 7, 0, "example.vn", VG_DNS_MX, mx, 2);
    VG_CHECK_EQ(vg_dnsrec_parse(m, l, 7, VG_DNS_MX, out, sizeof out), 2);
    VG_CHECK_STR(out, "10 mx?1.example.vn,20 mx2.example.vn"); /* a comma cannot split the list */
    l = response(m, 7, 3, "nope.example.vn", VG_DNS_NS, NULL, 0);
    VG_CHECK_EQ(vg_dnsrec_parse(m, l, 7, VG_DNS_NS, out, sizeof out), VG_ENOENT); /* NXDOMAIN */
    l = response(m, 7, 0, "example.vn", VG_DNS_NS, NULL, 0);
    VG_CHECK_EQ(vg_dnsrec_parse(m, l, 7, VG_DNS_NS, out, sizeof out), 0);
    VG_CHECK_STR(out, "");
    /* a compression pointer to itself, and one past the end */
    l = response(m, 9, 0, "example.vn", VG_DNS_NS, ns, 1);
    size_t rd = 12 + 12 + 4 + 12; /* question, then owner(2) type class ttl rdlen(10) */
    m[rd] = 0xC0;
    m[rd + 1] = (unsigned char)rd;
    VG_CHECK_EQ(vg_dnsrec_parse(m, l, 9, VG_DNS_NS, out, sizeof out), VG_EINVAL);
    m[rd + 1] = 0xFF;
    VG_CHECK_EQ(vg_dnsrec_parse(m, l, 9, VG_DNS_NS, out, sizeof out), VG_EINVAL);
    /* a query (QR clear) is not an answer */
    l = response(m, 9, 0, "example.vn", VG_DNS_NS, ns, 1);
    m[2] &= 0x7F;
    VG_CHECK_EQ(vg_dnsrec_parse(m, l, 9, VG_DNS_NS, out, sizeof out), VG_EINVAL);
}

/* The server: example.vn has NS and MX; its hosts have none; the rest is NXDOMAIN. */
static int srv_fd;
static volatile int srv_mx_changed;

static void *server(void *arg)
{
    (void)arg;
    unsigned char q[512], m[1024];
    for (;;) {
        struct sockaddr_in from;
        socklen_t fl = sizeof from;
        ssize_t n = recvfrom(srv_fd, q, sizeof q, 0, (struct sockaddr *)&from, &fl);
        if (n < 17)
            return NULL; /* a short datagram ends the thread */
        char name[256];
        size_t o = 12, k = 0;
        while (o < (size_t)n && q[o] && k + 64 < sizeof name) {
            if (k)
                name[k++] = '.';
            memcpy(name + k, q + o + 1, q[o]);
            k += q[o];
            o += 1 + q[o];
        }
        name[k] = '\0';
        int qtype = q[o + 1] << 8 | q[o + 2];
        unsigned id = (unsigned)(q[0] << 8 | q[1]);
        size_t l;
        struct answer ns[] = {{VG_DNS_NS, 0, "ns1.example.vn"}, {VG_DNS_NS, 0, "ns2.example.vn"}};
        struct answer mx[] = {{VG_DNS_MX, 10, srv_mx_changed ? "mail.attacker.example" : "mx.example.vn"}};
        if (strcmp(name, "example.vn") == 0)
            l = response(m, id, 0, name, qtype, qtype == VG_DNS_NS ? ns : mx, 1 + (qtype == VG_DNS_NS));
        else if (strcmp(name, "www.example.vn") == 0 || strcmp(name, "vn") == 0)
            l = response(m, id, 0, name, qtype, NULL, 0);
        else
            l = response(m, id, 3, name, qtype, NULL, 0);
        /* a stray answer with another id first: must be ignored */
        unsigned char junk[1024];
        size_t jl = response(junk, id ^ 0xFFFF, 0, name, qtype, ns, 1);
        sendto(srv_fd, junk, jl, 0, (struct sockaddr *)&from, fl);
        sendto(srv_fd, m, l, 0, (struct sockaddr *)&from, fl);
    }
}

static void t_lookup(void)
{
    srv_fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    VG_CHECK_EQ(bind(srv_fd, (struct sockaddr *)&a, sizeof a), 0);
    socklen_t al = sizeof a;
    getsockname(srv_fd, (struct sockaddr *)&a, &al);
    char server_s[64];
    snprintf(server_s, sizeof server_s, "127.0.0.1:%u", ntohs(a.sin_port));
    pthread_t th;
    pthread_create(&th, NULL, server, NULL);
    char zone[256], ns[256], mx[256];
    VG_CHECK_EQ(vg_dnsrec_zone(server_s, "www.example.vn.", 3000, zone, sizeof zone, ns, sizeof ns, mx,
                               sizeof mx), VG_OK);
    VG_CHECK_STR(zone, "example.vn");
    VG_CHECK_STR(ns, "ns1.example.vn,ns2.example.vn");
    VG_CHECK_STR(mx, "10 mx.example.vn");
    srv_mx_changed = 1;
    VG_CHECK_EQ(vg_dnsrec_zone(server_s, "example.vn", 3000, zone, sizeof zone, ns, sizeof ns, mx,
                               sizeof mx), VG_OK);
    VG_CHECK_STR(mx, "10 mail.attacker.example");
    /* never the top-level domain; addresses are not names */
    VG_CHECK_EQ(vg_dnsrec_zone(server_s, "a.b.unknown", 3000, zone, sizeof zone, ns, sizeof ns, mx,
                               sizeof mx), VG_DECLINED);
    VG_CHECK_EQ(vg_dnsrec_zone(server_s, "192.0.2.1", 3000, zone, sizeof zone, ns, sizeof ns, mx,
                               sizeof mx), VG_DECLINED);
    VG_CHECK_EQ(vg_dnsrec_zone(server_s, "::1", 3000, zone, sizeof zone, ns, sizeof ns, mx, sizeof mx),
                VG_DECLINED);
    VG_CHECK_EQ(vg_dnsrec_query(server_s, "bad..name", VG_DNS_NS, 500, ns, sizeof ns), VG_EINVAL);
    VG_CHECK_EQ(vg_dnsrec_query("not-an-address", "example.vn", VG_DNS_NS, 500, ns, sizeof ns), VG_EINVAL);
    /* stop the server */
    int c = socket(AF_INET, SOCK_DGRAM, 0);
    sendto(c, "x", 1, 0, (struct sockaddr *)&a, sizeof a);
    close(c);
    pthread_join(th, NULL);
    close(srv_fd);
    /* nobody answers: an error within the deadline, never a hang */
    VG_CHECK_EQ(vg_dnsrec_zone(server_s, "example.vn", 300, zone, sizeof zone, ns, sizeof ns, mx, sizeof mx),
                VG_EIO);
}

static const vg_test tests[] = {{"parse", t_parse}, {"lookup", t_lookup}, {NULL, NULL}};
VG_TEST_MAIN(tests)
