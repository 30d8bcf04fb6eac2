/* Decoder tests on real captures from ../shared (suricata-verify's pcaps
 * and the sample captures).  Each test reads a capture through vg_source,
 * decodes every frame and its pseudo packets, and checks what the
 * suricata-verify test expects of the decoder.  Without ../shared the
 * program exits 77 (meson: skipped). */
#include <dirent.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "net/decode/decode.h"
#include "net/decode/source.h"
#include "unit/vg_test.h"

static const char *shared;

typedef struct walk {
    int (*fn)(struct walk *w, const vg_packet *p); /* per packet, wire and pseudo */
    int count;
    int aux[8];
    const char *str;
    vg_decoder *d;
} walk;

/* Decode a capture, calling w->fn on each packet; returns frames read or -1. */
static int run(const char *rel, walk *w)
{
    char path[1024], err[VG_ERRBUF_SIZE];
    snprintf(path, sizeof path, "%s/%s", shared, rel);
    vg_source *s;
    if (vg_source_open_file(&s, path, NULL, err) != VG_OK) {
        fprintf(stderr, "%s\n", err);
        vg_test_failures++;
        return -1;
    }
    vg_decoder *d;
    if (vg_decoder_new(&d, NULL, err) != VG_OK)
        abort();
    w->d = d;
    int dl = vg_source_datalink(s), n = 0;
    const uint8_t *data;
    uint32_t len;
    struct timeval ts;
    vg_packet p;
    while (vg_source_next(s, &data, &len, &ts, err) == VG_OK) {
        vg_decode(d, &p, dl, data, len, &ts, (uint64_t)++n);
        w->fn(w, &p);
        for (vg_packet *pp; (pp = vg_decoder_pop(d));) {
            w->fn(w, pp);
            vg_packet_free(pp);
        }
    }
    vg_source_close(s);
    vg_decoder_free(d);
    w->d = NULL;
    return n;
}

static int b64val(char c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

static size_t b64dec(const char *s, uint8_t *out)
{
    size_t n = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (; *s; s++) {
        int v = b64val(*s);
        if (v < 0)
            continue;
        acc = acc << 6 | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[n++] = (uint8_t)(acc >> bits);
        }
    }
    return n;
}

/* ---- SCTP -------------------------------------------------------------- */

static int sctp_fn(walk *w, const vg_packet *p)
{
    if (p->proto == 132 && p->l4 && p->sp == 7 && p->dp == 7 && p->wants_flow)
        w->count++;
    return 0;
}

static void sctp(void)
{
    walk w = {.fn = sctp_fn};
    VG_CHECK(run("conformance/suricata-verify/tests/decode-sctp-01/input.pcap", &w) > 0);
    VG_CHECK(w.count >= 1);
}

/* ---- ERSPAN type II ---------------------------------------------------- */

static int erspan_fn(walk *w, const vg_packet *p)
{
    if (p->pkt_src == VG_PKT_SRC_WIRE) {
        w->aux[0] += (p->flags & VG_PKT_TUNNEL) != 0;
        return 0;
    }
    if (p->vlan_n == 1 && p->vlan_id[0] == 23 && p->proto == 1 && p->depth == 1) {
        VG_CHECK_EQ(p->raw_len, 122); /* Suricata's flow: 244 bytes for 2 packets */
        if (p->icmp_type == 8)
            w->aux[1]++;
        if (p->icmp_type == 0)
            w->aux[2]++;
    }
    return 0;
}

static void erspan(void)
{
    walk w = {.fn = erspan_fn};
    /* two CDP frames, then four ICMP */
    VG_CHECK_EQ(run("conformance/suricata-verify/tests/decode-erspan-typeII-01/input.pcap", &w),
                6);
    VG_CHECK_EQ(w.aux[0], 6);
    VG_CHECK_EQ(w.aux[1], 2); /* echo requests 23.0.0.2 -> 23.0.0.3 on VLAN 23 */
    VG_CHECK_EQ(w.aux[2], 2);
}

/* ---- VXLAN ------------------------------------------------------------- */

static int vxlan_fn(walk *w, const vg_packet *p)
{
    if (p->pkt_src == VG_PKT_SRC_WIRE && p->dp == 4789 && p->wants_flow)
        w->aux[0]++;
    if (p->pkt_src == VG_PKT_SRC_TUNNEL && p->proto == 1) {
        VG_CHECK_STR(p->pkt_src_name, "vxlan encapsulation");
        w->aux[p->icmp_type == 8 ? 1 : 2]++;
    }
    return 0;
}

static void vxlan(void)
{
    walk w = {.fn = vxlan_fn};
    VG_CHECK(run("conformance/suricata-verify/tests/vxlan-decoder-02/vxlan.pcap", &w) > 0);
    VG_CHECK(w.aux[0] > 0);
    VG_CHECK_EQ(w.aux[1], 4); /* the test expects 4 alerts on itype 8 */
    VG_CHECK_EQ(w.aux[2], 4);
}

/* ---- GRE --------------------------------------------------------------- */

static int gre_fn(walk *w, const vg_packet *p)
{
    if (p->pkt_src == VG_PKT_SRC_WIRE) {
        VG_CHECK(p->vlan_n == 1 && p->vlan_id[0] == 6 && p->proto == 47);
        VG_CHECK(p->flags & VG_PKT_NOPAYLOAD_INSPECT);
    } else if (p->proto == 17 && p->dp == 514 && p->payload_len == 4) {
        w->aux[memcmp(p->payload, "EVIL", 4) == 0 ? 0 : 1]++;
        VG_CHECK_STR(vg_packet_src_name(p), "gre tunnel");
    }
    return 0;
}

static void gre(void)
{
    walk w = {.fn = gre_fn};
    VG_CHECK_EQ(run("conformance/suricata-verify/tests/bug-5633-gre-01/gre-udp.pcap", &w), 3);
    VG_CHECK_EQ(w.aux[0], 2);
    VG_CHECK_EQ(w.aux[1], 1);
}

/* ---- defrag: the reassembled packet is what Suricata logs -------------- */

static int defrag_fn(walk *w, const vg_packet *p)
{
    if (p->pkt_src != VG_PKT_SRC_DEFRAG)
        return 0;
    uint8_t want[2048];
    size_t n = b64dec(w->str, want);
    w->count++;
    VG_CHECK_EQ(p->raw_len, n);
    VG_CHECK(p->raw_len == n && memcmp(p->raw, want, n) == 0);
    VG_CHECK_EQ(p->datalink, w->aux[0]);
    VG_CHECK(p->wants_flow && p->l4);
    return 0;
}

static void defrag_captures(void)
{
    static const struct { const char *pcap; int dl; const char *b64; } t[] = {
        {"defrag/bug-6887-defrag-ipv4-tcp-syn/frag-ip-tcp-syn.pcap", 228,
         "RQAALAABAABABnTGAQEBAQICAgIwOR+QAAAAAQAAAABgAiAAGQwAAAMDDgA="},
        {"defrag/bug-6887-defrag-ppp-ipv4-tcp-syn/frag-ppp-ip-tcp-syn.pcap", 9,
         "IUUAACwAAQAAQAZ0xgEBAQECAgICMDkfkAAAAAEAAAAAYAIgABkMAAADAw4A"},
    };
    for (size_t i = 0; i < VG_ARRAY_LEN(t); i++) {
        char rel[512];
        snprintf(rel, sizeof rel, "conformance/suricata-verify/tests/%s", t[i].pcap);
        walk w = {.fn = defrag_fn, .str = t[i].b64, .aux = {t[i].dl}};
        VG_CHECK(run(rel, &w) == 3);
        VG_CHECK_EQ(w.count, 1);
    }
}

/* IPv6: 1,020 bytes of TCP in fragments; Suricata's logged packet starts
 * 60 00 00 00 03 fc 06 40 (payload length 1,020, next header TCP). */
static int defrag6_fn(walk *w, const vg_packet *p)
{
    if (p->pkt_src != VG_PKT_SRC_DEFRAG)
        return 0;
    static const uint8_t head[8] = {0x60, 0, 0, 0, 0x03, 0xfc, 0x06, 0x40};
    uint32_t skip = p->datalink == 9 ? 1 : 0; /* PPP protocol byte */
    w->count++;
    VG_CHECK_EQ(p->raw_len, skip + 40 + 1020);
    VG_CHECK(p->raw_len > skip + 8 && memcmp(p->raw + skip, head, 8) == 0);
    VG_CHECK_EQ(p->payload_len, 1000); /* dsize:1000 matches in the test */
    return 0;
}

static void defrag6_captures(void)
{
    walk w = {.fn = defrag6_fn};
    VG_CHECK(run("conformance/suricata-verify/tests/defrag/bug-6887-defrag-ipv6-tcp/"
                 "frag-ip-tcp.pcap", &w) > 0);
    VG_CHECK_EQ(w.count, 1);
    walk w2 = {.fn = defrag6_fn};
    VG_CHECK(run("conformance/suricata-verify/tests/defrag/bug-6887-defrag-ppp-ipv6-tcp/"
                 "frag-ppp-ipv6-tcp.pcap", &w2) > 0);
    VG_CHECK_EQ(w2.count, 1);
}

/* ---- IPv4 options ------------------------------------------------------ */

static int ipopts_fn(walk *w, const vg_packet *p)
{
    static const uint32_t want[8] = {VG_IPOPT_RR,   VG_IPOPT_LSRR, VG_IPOPT_EOL, VG_IPOPT_NOP,
                                     VG_IPOPT_TS,   VG_IPOPT_SEC,  VG_IPOPT_SSRR,
                                     VG_IPOPT_SATID};
    if (w->count < 8)
        VG_CHECK(p->ipopts & want[w->count]);
    if (p->ipopts & VG_IPOPT_EOL)
        w->aux[0]++;
    w->count++;
    return 0;
}

static int esec_fn(walk *w, const vg_packet *p)
{
    if ((p->ipopts & VG_IPOPT_ESEC) && p->l4)
        w->count++;
    return 0;
}

static void ipopts(void)
{
    walk w = {.fn = ipopts_fn};
    VG_CHECK_EQ(run("conformance/suricata-verify/tests/detect-ipopts/input.pcap", &w), 8);
    VG_CHECK_EQ(w.aux[0], 6); /* detect-ipopts-02 expects 6 alerts on ipopts:eol */
    walk e = {.fn = esec_fn};
    VG_CHECK(run("conformance/suricata-verify/tests/ipopts-esec/test.pcap", &e) > 0);
    VG_CHECK_EQ(e.count, 1);
}

/* ---- IPv6 evasion captures --------------------------------------------- */

static int ttl_fn(walk *w, const vg_packet *p)
{
    if (p->ipver) {
        w->aux[0] += p->ttl == 254;
        w->aux[1] += p->ttl == 64;
        w->aux[2] += p->ttl == 255;
    }
    return 0;
}

static int icmp6_fn(walk *w, const vg_packet *p)
{
    if (p->proto == 58 && p->l4 && p->icmp_type == w->aux[0] && p->icmp_code == w->aux[1])
        w->count++;
    if (p->proto == 58 && p->l4 && p->icmp_type == 128 && p->dst.a[0] == 0xff)
        w->aux[2]++;
    return 0;
}

static void ipv6_evasion(void)
{
    walk w = {.fn = ttl_fn};
    VG_CHECK(run("conformance/suricata-verify/tests/ipv6-evasion/ipv6-covert-dstopts/"
                 "covert_send6.pcap", &w) > 0);
    VG_CHECK_EQ(w.aux[0], 18);
    VG_CHECK_EQ(w.aux[1], 18);
    VG_CHECK_EQ(w.aux[2], 1);
    static const struct { const char *pcap; int type, code, count; } t[] = {
        {"ipv6-malformed-fragments-30/frag-30.pcap", 3, 1, 1},
        {"ipv6-malformed-fragments-35/frag-35.pcap", 4, 0, 1},
        {"ipv6-malformed-fragments-36/frag-36.pcap", 4, 0, 1},
        {"ipv6-dos-with-ext-headers-5/denial6-5.pcap", 4, 1, 15},
    };
    for (size_t i = 0; i < VG_ARRAY_LEN(t); i++) {
        char rel[512];
        snprintf(rel, sizeof rel, "conformance/suricata-verify/tests/ipv6-evasion/%s", t[i].pcap);
        walk x = {.fn = icmp6_fn, .aux = {t[i].type, t[i].code}};
        VG_CHECK(run(rel, &x) > 0);
        if (x.count != t[i].count)
            fprintf(stderr, "%s: %d packets of type %d code %d, want %d\n", t[i].pcap, x.count,
                    t[i].type, t[i].code, t[i].count);
        VG_CHECK_EQ(x.count, t[i].count);
    }
    walk r = {.fn = icmp6_fn, .aux = {-1, -1}};
    VG_CHECK(run("conformance/suricata-verify/tests/ipv6-evasion/ipv6-rsmurf/rsmurf6.pcap", &r) >
             0);
    VG_CHECK_EQ(r.aux[2], 1000);
}

static int trailing_fn(walk *w, const vg_packet *p)
{
    if (p->proto == 17 && p->l4) {
        w->count++;
        VG_CHECK_EQ(p->payload_len, 64);
        VG_CHECK_EQ(p->sp, 12594);
        VG_CHECK_EQ(p->dp, 12594);
    }
    return 0;
}

static void udp_trailing(void)
{
    walk w = {.fn = trailing_fn};
    VG_CHECK(run("conformance/suricata-verify/tests/udp-5379/udp-trailing-data/input.pcap", &w) >
             0);
    VG_CHECK_EQ(w.count, 1);
}

/* ---- every sample capture decodes, with most packets reaching L4 ------- */

static int any_fn(walk *w, const vg_packet *p)
{
    w->aux[0]++;
    w->aux[1] += p->l4 != NULL;
    return 0;
}

static void sample_captures(void)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/pcaps", shared);
    DIR *top = opendir(dir);
    VG_CHECK(top != NULL);
    if (!top)
        return;
    int files = 0;
    for (struct dirent *e; (e = readdir(top));) {
        if (e->d_name[0] == '.')
            continue;
        char sub[1400];
        snprintf(sub, sizeof sub, "%s/%s", dir, e->d_name);
        DIR *dd = opendir(sub);
        if (!dd)
            continue;
        for (struct dirent *f; (f = readdir(dd));) {
            const char *n = f->d_name;
            size_t l = strlen(n);
            if (!(l > 5 && (strcmp(n + l - 5, ".pcap") == 0 || strcmp(n + l - 7, ".pcapng") == 0)))
                continue;
            char rel[1800];
            snprintf(rel, sizeof rel, "pcaps/%s/%s", e->d_name, n);
            walk w = {.fn = any_fn};
            int frames = run(rel, &w);
            VG_CHECK(frames > 0);
            if (w.aux[1] * 2 < w.aux[0])
                fprintf(stderr, "%s: only %d of %d packets reached L4\n", rel, w.aux[1],
                        w.aux[0]);
            VG_CHECK(w.aux[1] * 2 >= w.aux[0]);
            files++;
        }
        closedir(dd);
    }
    closedir(top);
    VG_CHECK(files >= 20);
}

static void bpf_filter(void)
{
    char path[1024], err[VG_ERRBUF_SIZE];
    snprintf(path, sizeof path, "%s/conformance/suricata-verify/tests/vxlan-decoder-02/vxlan.pcap",
             shared);
    vg_source *s;
    VG_CHECK_EQ(vg_source_open_file(&s, path, "udp and dst port 4789 and src host 192.168.203.1",
                                    err), VG_OK);
    const uint8_t *data;
    uint32_t len;
    struct timeval ts;
    int n = 0;
    while (vg_source_next(s, &data, &len, &ts, err) == VG_OK)
        n++;
    VG_CHECK(n > 0 && n < 8);
    vg_source_close(s);
    VG_CHECK_EQ(vg_source_open_file(&s, path, "no such filter (", err), VG_EINVAL);
    VG_CHECK(strstr(err, "BPF") != NULL);
    VG_CHECK_EQ(vg_source_open_file(&s, "/nonexistent.pcap", NULL, err), VG_EIO);
}

static const vg_test tests[] = {
    {"sctp", sctp},
    {"erspan", erspan},
    {"vxlan", vxlan},
    {"gre", gre},
    {"defrag_captures", defrag_captures},
    {"defrag6_captures", defrag6_captures},
    {"ipopts", ipopts},
    {"ipv6_evasion", ipv6_evasion},
    {"udp_trailing", udp_trailing},
    {"sample_captures", sample_captures},
    {"bpf_filter", bpf_filter},
    {NULL, NULL},
};

int vg_test_failures;

int main(int argc, char **argv)
{
    shared = getenv("VG_SHARED");
    if (!shared && argc > 1 && argv[1][0] == '/')
        shared = argv[1];
    struct stat st;
    if (!shared || stat(shared, &st) != 0) {
        printf("../shared not found: skipped\n");
        return 77;
    }
    int passed = 0, failed = 0;
    const char *only = argc > 2 ? argv[2] : NULL;
    for (const vg_test *t = tests; t->name; t++) {
        if (only && strcmp(only, t->name) != 0)
            continue;
        int before = vg_test_failures;
        t->fn();
        if (vg_test_failures == before)
            passed++;
        else {
            failed++;
            fprintf(stderr, "FAIL %s\n", t->name);
        }
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
