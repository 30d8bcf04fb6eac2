/* Unit tests for src/net/decode/defrag.c: IPv4 and IPv6 reassembly in and
 * out of order, overlap policies, limits and timeouts. */
#include <stdlib.h>

#include "core/conf.h"
#include "net/decode/decode.h"
#include "unit/net/decode/frames.h"
#include "unit/vg_test.h"

static const uint8_t S4[4] = {1, 1, 1, 1}, D4[4] = {2, 2, 2, 2};
static const uint8_t S6[16] = {[15] = 1}, D6[16] = {[15] = 1};

static vg_decoder *dec_conf(const char *k1, const char *v1, const char *k2, const char *v2)
{
    char err[VG_ERRBUF_SIZE];
    vg_conf *c = vg_conf_new();
    if (k1)
        vg_conf_set(c, k1, v1);
    if (k2)
        vg_conf_set(c, k2, v2);
    vg_decoder *d = NULL;
    if (vg_decoder_new(&d, c, err) != VG_OK) {
        fprintf(stderr, "%s\n", err);
        abort();
    }
    vg_conf_free(c);
    return d;
}

static bool has_event(const vg_packet *p, const char *name)
{
    int ev = vg_decode_event_lookup(name);
    for (int i = 0; i < p->nevents; i++)
        if (p->events[i] == ev)
            return true;
    return false;
}

/* An IPv4 fragment of `data` (payload of the datagram) at byte offset off. */
static void frag4(fb *f, uint16_t id, uint8_t proto, uint32_t off, const uint8_t *data,
                  uint32_t len, bool more)
{
    f->n = 0;
    uint32_t ip = fb_ip4(f, proto, S4, D4, id, (uint16_t)((more ? 0x2000 : 0) | off / 8), 64,
                         NULL, 0);
    fb_bytes(f, data, len);
    fb_ip4_done(f, ip);
}

static uint64_t stat_of(vg_decoder *d, const char *key)
{
    vg_jb jb;
    vg_jb_init(&jb);
    vg_jb_open_obj(&jb, NULL);
    vg_decoder_defrag_stats_eve(d, &jb);
    vg_jb_close_obj(&jb);
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\":", key);
    const char *s = strstr(jb.buf, pat);
    uint64_t v = s ? strtoull(s + strlen(pat), NULL, 10) : (uint64_t)-1;
    vg_jb_free(&jb);
    return v;
}

/* The capture of suricata-verify's defrag/bug-6887-defrag-ipv4-tcp-syn,
 * rebuilt: a TCP SYN with a window scale option cut in 8-byte fragments.
 * The reassembled packet must be byte for byte what Suricata logs. */
static const uint8_t syn_expected[44] = {
    0x45, 0x00, 0x00, 0x2c, 0x00, 0x01, 0x00, 0x00, 0x40, 0x06, 0x74, 0xc6, 1, 1, 1, 1,
    2, 2, 2, 2, 0x30, 0x39, 0x1f, 0x90, 0, 0, 0, 1, 0, 0, 0, 0, 0x60, 0x02, 0x20, 0x00,
    0x19, 0x0c, 0x00, 0x00, 0x03, 0x03, 0x0e, 0x00};

static void ipv4_order(const int *order, int n_expected_before)
{
    vg_decoder *d = dec_conf(NULL, NULL, NULL, NULL);
    const uint8_t *tcp = syn_expected + 20;
    vg_packet p;
    fb f;
    struct timeval ts = {100, 0};
    vg_packet *rp = NULL;
    for (int i = 0; i < 3; i++) {
        int k = order[i];
        frag4(&f, 1, 6, (uint32_t)k * 8, tcp + k * 8, 8, k < 2);
        vg_decode(d, &p, VG_DLT_IPV4, f.b, f.n, &ts, (uint64_t)i + 1);
        VG_CHECK(p.is_fragment);
        VG_CHECK(p.l4 == NULL && !p.wants_flow && p.payload == NULL);
        VG_CHECK_EQ(p.ipver, 4);
        rp = vg_decoder_pop(d);
        if (i < n_expected_before)
            VG_CHECK(rp == NULL);
        if (rp)
            break;
    }
    VG_CHECK(rp != NULL);
    if (rp) {
        VG_CHECK_EQ(rp->raw_len, sizeof syn_expected);
        VG_CHECK(memcmp(rp->raw, syn_expected, sizeof syn_expected) == 0);
        VG_CHECK_EQ(rp->pkt_src, VG_PKT_SRC_DEFRAG);
        VG_CHECK_STR(vg_packet_src_name(rp), "defrag");
        VG_CHECK(rp->root == &p);
        VG_CHECK_EQ(rp->datalink, VG_DLT_IPV4);
        VG_CHECK(!rp->is_fragment);
        VG_CHECK_EQ(rp->tcp_flags, 0x02);
        VG_CHECK_EQ(rp->sp, 12345);
        VG_CHECK_EQ(rp->dp, 8080);
        VG_CHECK(rp->tcp_has_wscale && rp->tcp_wscale == 14);
        VG_CHECK(rp->wants_flow);
        VG_CHECK_EQ(rp->nevents, 0);
        vg_packet_free(rp);
    }
    VG_CHECK_EQ(stat_of(d, "fragments"), 3);
    VG_CHECK_EQ(stat_of(d, "reassembled"), 1);
    VG_CHECK_EQ(stat_of(d, "memuse"), 0); /* the tracker is gone */
    vg_decoder_free(d);
}

static void ipv4_in_order(void)
{
    static const int order[3] = {0, 1, 2};
    ipv4_order(order, 2);
}

static void ipv4_out_of_order(void)
{
    static const int order[3] = {2, 0, 1};
    ipv4_order(order, 2);
}

/* Send fragments (offset, fill byte, length, more) of protocol 253 and
 * return the reassembled payload (caller frees) or NULL. */
typedef struct { uint32_t off; char fill; uint32_t len; bool more; } fspec;

static char *run_frags(vg_decoder *d, const fspec *fs, int n, bool *overlap_seen)
{
    vg_packet p;
    fb f;
    struct timeval ts = {100, 0};
    char *out = NULL;
    *overlap_seen = false;
    for (int i = 0; i < n; i++) {
        uint8_t buf[256];
        memset(buf, fs[i].fill, fs[i].len);
        frag4(&f, 7, 253, fs[i].off, buf, fs[i].len, fs[i].more);
        vg_decode(d, &p, VG_DLT_RAW, f.b, f.n, &ts, (uint64_t)i + 1);
        if (has_event(&p, "ipv4.frag_overlap"))
            *overlap_seen = true;
        vg_packet *rp = vg_decoder_pop(d);
        if (rp) {
            out = calloc(1, rp->payload_len + 1);
            memcpy(out, rp->payload, rp->payload_len);
            vg_packet_free(rp);
        }
    }
    return out;
}

static void overlap_bsd(void)
{
    vg_decoder *d = dec_conf(NULL, NULL, NULL, NULL);
    bool ov;
    /* old at lower offset wins over a newer fragment that starts inside it */
    static const fspec a[] = {{0, 'A', 16, true}, {8, 'B', 16, false}};
    char *s = run_frags(d, a, 2, &ov);
    VG_CHECK_STR(s, "AAAAAAAAAAAAAAAABBBBBBBB");
    VG_CHECK(ov);
    free(s);
    /* a newer fragment starting before an old one wins over it */
    static const fspec b[] = {{8, 'C', 8, true}, {16, 'E', 8, false}, {0, 'D', 16, true}};
    s = run_frags(d, b, 3, &ov);
    VG_CHECK_STR(s, "DDDDDDDDDDDDDDDDEEEEEEEE");
    VG_CHECK(ov);
    free(s);
    /* equal offsets: the first to arrive wins */
    static const fspec c[] = {{0, 'E', 8, true}, {0, 'F', 8, true}, {8, 'G', 8, false}};
    s = run_frags(d, c, 3, &ov);
    VG_CHECK_STR(s, "EEEEEEEEGGGGGGGG");
    free(s);
    /* no overlap, out of order */
    static const fspec e[] = {{8, 'b', 8, false}, {0, 'a', 8, true}};
    s = run_frags(d, e, 2, &ov);
    VG_CHECK_STR(s, "aaaaaaaabbbbbbbb");
    VG_CHECK(!ov);
    free(s);
    /* a hole: never complete */
    static const fspec h[] = {{0, 'a', 8, true}, {16, 'c', 8, false}};
    s = run_frags(d, h, 2, &ov);
    VG_CHECK(s == NULL);
    vg_decoder_free(d);
}

static void overlap_other_policies(void)
{
    static const fspec a[] = {{0, 'A', 16, true}, {8, 'B', 16, false}};
    static const fspec c[] = {{0, 'E', 8, true}, {0, 'F', 8, true}, {8, 'G', 8, false}};
    bool ov;
    vg_decoder *d = dec_conf("defrag.policy", "last", NULL, NULL);
    char *s = run_frags(d, a, 2, &ov);
    VG_CHECK_STR(s, "AAAAAAAABBBBBBBBBBBBBBBB");
    free(s);
    vg_decoder_free(d);
    d = dec_conf("defrag.policy", "first", NULL, NULL);
    s = run_frags(d, c, 3, &ov);
    VG_CHECK_STR(s, "EEEEEEEEGGGGGGGG");
    free(s);
    vg_decoder_free(d);
    d = dec_conf("defrag.policy", "linux", NULL, NULL);
    s = run_frags(d, c, 3, &ov);
    VG_CHECK_STR(s, "FFFFFFFFGGGGGGGG");
    free(s);
    vg_decoder_free(d);

    char err[VG_ERRBUF_SIZE];
    vg_conf *cf = vg_conf_new();
    vg_conf_set(cf, "defrag.policy", "windows95");
    vg_decoder *bad = NULL;
    VG_CHECK_EQ(vg_decoder_new(&bad, cf, err), VG_EINVAL);
    VG_CHECK(bad == NULL);
    VG_CHECK(strstr(err, "defrag.policy") != NULL);
    vg_conf_set(cf, "defrag.policy", "bsd");
    vg_conf_set(cf, "defrag.memcap", "lots");
    VG_CHECK_EQ(vg_decoder_new(&bad, cf, err), VG_EINVAL);
    VG_CHECK(strstr(err, "--set: defrag.memcap: \"lots\"") != NULL);
    vg_conf_set(cf, "defrag.memcap", "32 MiB");
    vg_conf_set(cf, "defrag.timeout", "0");
    VG_CHECK_EQ(vg_decoder_new(&bad, cf, err), VG_EINVAL);
    VG_CHECK(strstr(err, "defrag.timeout") != NULL);
    vg_conf_set(cf, "defrag.timeout", "60");
    VG_CHECK_EQ(vg_decoder_new(&bad, cf, err), VG_OK);
    vg_decoder_free(bad);
    vg_conf_free(cf);
}

static void ipv6_out_of_order(void)
{
    vg_decoder *d = dec_conf(NULL, NULL, NULL, NULL);
    /* UDP datagram of 8 + 24 bytes in three fragments, after a hop-by-hop
     * header that stays in the unfragmentable part */
    uint8_t udp[32];
    udp[0] = 0x30; udp[1] = 0x39; udp[2] = 0x00; udp[3] = 0x35; udp[4] = 0; udp[5] = 32;
    udp[6] = udp[7] = 0;
    memset(udp + 8, 'x', 24);
    static const int order[3] = {1, 2, 0};
    vg_packet p, *rp = NULL;
    struct timeval ts = {100, 0};
    for (int i = 0; i < 3; i++) {
        int k = order[i];
        fb f = {.n = 0};
        uint32_t ip = fb_ip6(&f, 0, S6, D6, 64);
        fb_bytes(&f, "\x2c\x00\x01\x04\x00\x00\x00\x00", 8);
        fb_u8(&f, 17);
        fb_u8(&f, 0);
        fb_u16(&f, (uint16_t)(k << 3 | (k < 2 ? 1 : 0))); /* offset k * 8 bytes, M */
        fb_u32(&f, 0xabcd0001);
        fb_bytes(&f, udp + k * 8, k < 2 ? 8 : 16);
        fb_ip6_done(&f, ip);
        vg_decode(d, &p, VG_DLT_RAW, f.b, f.n, &ts, (uint64_t)i + 1);
        VG_CHECK(p.is_fragment);
        VG_CHECK_EQ(p.ip6_frag_id, 0xabcd0001);
        rp = vg_decoder_pop(d);
        if (rp)
            break;
    }
    VG_CHECK(rp != NULL);
    if (rp) {
        VG_CHECK_EQ(rp->ipver, 6);
        VG_CHECK_EQ(rp->proto, 17);
        VG_CHECK_EQ(rp->ip_hlen, 48);
        VG_CHECK_EQ(rp->sp, 12345);
        VG_CHECK_EQ(rp->dp, 53);
        VG_CHECK_EQ(rp->payload_len, 24);
        VG_CHECK_EQ(rp->raw_len, 40 + 8 + 32);
        VG_CHECK_EQ(rp->raw[4] << 8 | rp->raw[5], 40); /* payload length rewritten */
        VG_CHECK_EQ(rp->raw[40], 17);                   /* HBH next header: no more FH */
        VG_CHECK(!(rp->ip6_exthdrs & VG_IP6EH_FH));
        vg_packet_free(rp);
    }
    vg_decoder_free(d);
}

/* A fragment inside a reassembled datagram: the datagram (id A) carries the
 * first fragment of id B, whose second fragment came earlier on the wire.
 * Completing A completes B while A's tracker is being reassembled, with the
 * tracker table full (ASan checks that nothing freed is touched). */
static void nested_fragments(void)
{
    vg_decoder *d = dec_conf("defrag.trackers", "2", NULL, NULL);
    static const uint8_t echo[16] = {0x80, 0, 0, 0, 0, 1, 0, 1, 'n', 'e', 's', 't', 'e', 'd', '!', '!'};
    struct timeval ts = {100, 0};
    vg_packet p;
    fb f;
    /* B, second half: offset 8, last */
    f.n = 0;
    uint32_t ip = fb_ip6(&f, 44, S6, D6, 64);
    fb_u8(&f, 58); fb_u8(&f, 0); fb_u16(&f, 1 << 3); fb_u32(&f, 0xbbbb);
    fb_bytes(&f, echo + 8, 8);
    fb_ip6_done(&f, ip);
    vg_decode(d, &p, VG_DLT_RAW, f.b, f.n, &ts, 1);
    VG_CHECK(vg_decoder_pop(d) == NULL);
    /* A's fragmentable part: FH(B, offset 0, M) + echo[0..8), in two halves */
    uint8_t inner[16];
    inner[0] = 58; inner[1] = 0; inner[2] = 0; inner[3] = 1;
    inner[4] = 0; inner[5] = 0; inner[6] = 0xbb; inner[7] = 0xbb;
    memcpy(inner + 8, echo, 8);
    for (int k = 1; k >= 0; k--) {
        f.n = 0;
        ip = fb_ip6(&f, 44, S6, D6, 64);
        fb_u8(&f, 44); fb_u8(&f, 0); fb_u16(&f, (uint16_t)(k << 3 | (k == 0))); fb_u32(&f, 0xaaaa);
        fb_bytes(&f, inner + k * 8, 8);
        fb_ip6_done(&f, ip);
        vg_decode(d, &p, VG_DLT_RAW, f.b, f.n, &ts, (uint64_t)(3 - k));
    }
    vg_packet *a = vg_decoder_pop(d), *b = vg_decoder_pop(d);
    VG_CHECK(a && a->is_fragment && a->pkt_src == VG_PKT_SRC_DEFRAG);
    VG_CHECK(b && b->pkt_src == VG_PKT_SRC_DEFRAG && b->proto == 58 && b->icmp_type == 128);
    VG_CHECK(b && b->payload_len == 8 && memcmp(b->payload, "nested!!", 8) == 0);
    VG_CHECK(vg_decoder_pop(d) == NULL);
    vg_packet_free(a);
    vg_packet_free(b);
    VG_CHECK_EQ(stat_of(d, "memuse"), 0);
    vg_decoder_free(d);
}

static void limits_memcap_and_size(void)
{
    /* 8 KiB memcap: 100 pending datagrams of 1 KiB cannot all be kept */
    vg_decoder *d = dec_conf("defrag.memcap", "8kb", NULL, NULL);
    uint8_t data[1024];
    memset(data, 'm', sizeof data);
    vg_packet p;
    fb f;
    struct timeval ts = {100, 0};
    for (int i = 0; i < 100; i++) {
        frag4(&f, (uint16_t)(1000 + i), 17, 0, data, sizeof data, true);
        vg_decode(d, &p, VG_DLT_RAW, f.b, f.n, &ts, (uint64_t)i + 1);
        VG_CHECK(stat_of(d, "memuse") <= 8192);
    }
    VG_CHECK(stat_of(d, "tracker_hard_reuse") > 0);
    /* a datagram sent together still completes */
    frag4(&f, 5, 17, 0, data, 512, true);
    vg_decode(d, &p, VG_DLT_RAW, f.b, f.n, &ts, 200);
    frag4(&f, 5, 17, 512, data, 512, false);
    vg_decode(d, &p, VG_DLT_RAW, f.b, f.n, &ts, 201);
    vg_packet *rp = vg_decoder_pop(d);
    VG_CHECK(rp && rp->ip_len == 20 + 1024);
    vg_packet_free(rp);

    /* past 65,535 bytes */
    frag4(&f, 6, 17, 8184 * 8, data, 100, false);
    vg_decode(d, &p, VG_DLT_RAW, f.b, f.n, &ts, 300);
    VG_CHECK(has_event(&p, "ipv4.frag_pkt_too_large"));
    vg_decoder_free(d);

    /* tracker limit */
    d = dec_conf("defrag.trackers", "4", NULL, NULL);
    for (int i = 0; i < 10; i++) {
        frag4(&f, (uint16_t)i, 17, 0, data, 8, true);
        vg_decode(d, &p, VG_DLT_RAW, f.b, f.n, &ts, (uint64_t)i + 1);
    }
    VG_CHECK_EQ(stat_of(d, "tracker_hard_reuse"), 6);
    vg_decoder_free(d);
}

static void timeouts(void)
{
    vg_decoder *d = dec_conf("defrag.timeout", "10", NULL, NULL);
    uint8_t data[16] = {0};
    vg_packet p;
    fb f;
    struct timeval t1 = {100, 0}, t2 = {111, 0};
    frag4(&f, 9, 17, 0, data, 8, true);
    vg_decode(d, &p, VG_DLT_RAW, f.b, f.n, &t1, 1);
    frag4(&f, 9, 17, 8, data, 8, false);
    vg_decode(d, &p, VG_DLT_RAW, f.b, f.n, &t2, 2);
    VG_CHECK(vg_decoder_pop(d) == NULL); /* the first fragment expired */
    VG_CHECK_EQ(stat_of(d, "tracker_timeout"), 1);
    struct timeval t3 = {200, 0};
    vg_decoder_timeout(d, &t3);
    VG_CHECK_EQ(stat_of(d, "memuse"), 0);
    vg_decoder_free(d);
}

static const vg_test tests[] = {
    {"ipv4_in_order", ipv4_in_order},
    {"ipv4_out_of_order", ipv4_out_of_order},
    {"overlap_bsd", overlap_bsd},
    {"overlap_other_policies", overlap_other_policies},
    {"ipv6_out_of_order", ipv6_out_of_order},
    {"nested_fragments", nested_fragments},
    {"limits_memcap_and_size", limits_memcap_and_size},
    {"timeouts", timeouts},
    {NULL, NULL},
};

VG_TEST_MAIN(tests)
