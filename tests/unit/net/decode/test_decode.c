/* Unit tests for src/net/decode: link layers, IPv4/IPv6, L4, tunnels,
 * events and counters, on hand-built frames. */
#include <pcap/pcap.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/conf.h"
#include "net/decode/decode.h"
#include "net/decode/source.h"
#include "unit/net/decode/frames.h"
#include "unit/vg_test.h"

static const uint8_t A1[4] = {10, 0, 0, 1}, A2[4] = {192, 168, 1, 2};
static const uint8_t B1[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
static const uint8_t B2[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 2};
static const struct timeval T0 = {1000, 0};

static vg_decoder *dec(void)
{
    char err[VG_ERRBUF_SIZE];
    vg_decoder *d = NULL;
    if (vg_decoder_new(&d, NULL, err) != VG_OK)
        abort();
    return d;
}

static bool has_event(const vg_packet *p, const char *name)
{
    int ev = vg_decode_event_lookup(name);
    if (ev < 0) {
        fprintf(stderr, "no such event %s\n", name);
        return false;
    }
    for (int i = 0; i < p->nevents; i++)
        if (p->events[i] == ev)
            return true;
    return false;
}

static void eth_ipv4_tcp_options(void)
{
    static const uint8_t topts[] = {2, 4, 0x05, 0xb4, 1, 3, 3, 7, 4, 2, 8, 10,
                                    0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 0};
    fb f = {.n = 0};
    fb_eth(&f, 0x0800);
    uint32_t ip = fb_ip4(&f, 6, A1, A2, 77, 0x4000, 64, NULL, 0);
    fb_tcp(&f, 1234, 80, 1000, 0x02, topts, sizeof topts);
    fb_bytes(&f, "hello", 5);
    fb_ip4_done(&f, ip);
    fb_u8(&f, 0); /* Ethernet padding past the IP datagram */

    vg_decoder *d = dec();
    vg_packet p;
    vg_decode(d, &p, VG_DLT_EN10MB, f.b, f.n, &T0, 1);
    VG_CHECK_EQ(p.ipver, 4);
    VG_CHECK_EQ(p.proto, 6);
    VG_CHECK_EQ(p.ttl, 64);
    VG_CHECK_EQ(p.ip_id, 77);
    VG_CHECK(p.frag_df && !p.frag_mf && !p.is_fragment);
    VG_CHECK(memcmp(p.src.a, A1, 4) == 0 && memcmp(p.dst.a, A2, 4) == 0);
    VG_CHECK_EQ(p.sp, 1234);
    VG_CHECK_EQ(p.dp, 80);
    VG_CHECK_EQ(p.tcp_seq, 1000);
    VG_CHECK_EQ(p.tcp_flags, 0x02);
    VG_CHECK(p.tcp_has_mss && p.tcp_mss == 1460);
    VG_CHECK(p.tcp_has_wscale && p.tcp_wscale == 7);
    VG_CHECK(p.tcp_sackok);
    VG_CHECK(p.tcp_has_ts && p.tcp_tsval == 1 && p.tcp_tsecr == 2);
    VG_CHECK_EQ(p.l4_hlen, 20 + sizeof topts);
    VG_CHECK_EQ(p.payload_len, 5);
    VG_CHECK(p.payload && memcmp(p.payload, "hello", 5) == 0);
    VG_CHECK(p.wants_flow);
    VG_CHECK_EQ(p.nevents, 0);
    VG_CHECK(!(p.flags & VG_PKT_INVALID));
    VG_CHECK_STR(vg_packet_src_name(&p), "wire/pcap");
    VG_CHECK(!(p.flags & VG_PKT_IPV4_CSUM_BAD));
    VG_CHECK(vg_decoder_pop(d) == NULL);
    VG_CHECK_EQ(vg_decoder_counter(d, "pkts"), 1);
    VG_CHECK_EQ(vg_decoder_counter(d, "ethernet"), 1);
    VG_CHECK_EQ(vg_decoder_counter(d, "ipv4"), 1);
    VG_CHECK_EQ(vg_decoder_counter(d, "tcp"), 1);
    VG_CHECK_EQ(vg_decoder_counter(d, "bytes"), f.n);
    f.b[14 + 10] ^= 0xff; /* break the IPv4 header checksum */
    vg_decode(d, &p, VG_DLT_EN10MB, f.b, f.n, &T0, 2);
    VG_CHECK(p.flags & VG_PKT_IPV4_CSUM_BAD);
    VG_CHECK_EQ(p.dp, 80);
    vg_decoder_free(d);
}

static void tcp_bad_options_and_hlen(void)
{
    /* duplicated MSS, then a window scale of the wrong length */
    static const uint8_t topts[] = {2, 4, 1, 0, 2, 4, 2, 0, 3, 4, 1, 1};
    fb f = {.n = 0};
    uint32_t ip = fb_ip4(&f, 6, A1, A2, 1, 0, 64, NULL, 0);
    fb_tcp(&f, 1, 2, 0, 0x10, topts, sizeof topts);
    fb_ip4_done(&f, ip);
    vg_decoder *d = dec();
    vg_packet p;
    vg_decode(d, &p, VG_DLT_RAW, f.b, f.n, &T0, 1);
    VG_CHECK(p.l4 != NULL);
    VG_CHECK(p.tcp_has_mss && p.tcp_mss == 256); /* the first one is kept */
    VG_CHECK(!p.tcp_has_wscale);
    VG_CHECK(has_event(&p, "tcp.opt_duplicate"));
    VG_CHECK(has_event(&p, "tcp.opt_invalid_len"));

    /* data offset 4 (16 bytes): header length too small, no L4 */
    f.n = 0;
    ip = fb_ip4(&f, 6, A1, A2, 1, 0, 64, NULL, 0);
    fb_tcp(&f, 1, 2, 0, 0x10, NULL, 0);
    f.b[ip + 20 + 12] = 0x40;
    fb_ip4_done(&f, ip);
    vg_decode(d, &p, VG_DLT_RAW, f.b, f.n, &T0, 2);
    VG_CHECK_EQ(p.ipver, 4);
    VG_CHECK(p.l4 == NULL);
    VG_CHECK(!p.wants_flow);
    VG_CHECK(has_event(&p, "tcp.hlen_too_small"));
    VG_CHECK(p.flags & VG_PKT_INVALID);
    VG_CHECK_EQ(vg_decoder_counter(d, "invalid"), 1);
    VG_CHECK_EQ(vg_decoder_counter(d, "event.tcp.hlen_too_small"), 1);
    VG_CHECK_EQ(vg_decoder_counter(d, "raw"), 2);
    vg_decoder_free(d);
}

static void ipv4_malformed_headers(void)
{
    vg_decoder *d = dec();
    vg_packet p;
    fb f = {.n = 0};
    uint32_t ip = fb_ip4(&f, 17, A1, A2, 1, 0, 64, NULL, 0);
    fb_udp(&f, 53, 53, 4);
    fb_u32(&f, 0);
    fb_ip4_done(&f, ip);

    /* truncated: total length says 4 more bytes than captured */
    fb_put16(&f, 2, (uint16_t)(f.n + 4));
    vg_decode(d, &p, VG_DLT_RAW, f.b, f.n, &T0, 1);
    VG_CHECK_EQ(p.ipver, 0);
    VG_CHECK(has_event(&p, "ipv4.trunc_pkt"));
    VG_CHECK(p.flags & VG_PKT_INVALID);
    /* IHL 4 */
    fb_put16(&f, 2, (uint16_t)f.n);
    f.b[0] = 0x44;
    vg_decode(d, &p, VG_DLT_RAW, f.b, f.n, &T0, 2);
    VG_CHECK(has_event(&p, "ipv4.hlen_too_small"));
    /* total length smaller than the header */
    f.b[0] = 0x45;
    fb_put16(&f, 2, 12);
    vg_decode(d, &p, VG_DLT_RAW, f.b, f.n, &T0, 3);
    VG_CHECK(has_event(&p, "ipv4.iplen_smaller_than_hlen"));
    /* too small */
    vg_decode(d, &p, VG_DLT_RAW, f.b, 19, &T0, 4);
    VG_CHECK(has_event(&p, "ipv4.pkt_too_small"));
    /* raw datalink with version 5 */
    f.b[0] = 0x55;
    vg_decode(d, &p, VG_DLT_RAW, f.b, f.n, &T0, 5);
    VG_CHECK(has_event(&p, "ipraw.invalid_ip_version"));
    /* an Ethernet frame with IPv4 ethertype but version 6 */
    fb g = {.n = 0};
    fb_eth(&g, 0x0800);
    fb_bytes(&g, f.b, f.n);
    g.b[14] = 0x65;
    vg_decode(d, &p, VG_DLT_EN10MB, g.b, g.n, &T0, 6);
    VG_CHECK(has_event(&p, "ipv4.wrong_ip_version"));
    /* Ethernet too small */
    vg_decode(d, &p, VG_DLT_EN10MB, g.b, 13, &T0, 7);
    VG_CHECK(has_event(&p, "ethernet.pkt_too_small"));
    VG_CHECK_EQ(vg_decoder_counter(d, "invalid"), 7);
    vg_decoder_free(d);
}

static void ipv4_options(void)
{
    vg_decoder *d = dec();
    vg_packet p;
    fb f = {.n = 0};
    /* record route (len 7, ptr 4), NOP, EOL */
    static const uint8_t rr[] = {7, 7, 4, 0, 0, 0, 0, 1, 0, 0, 0, 0};
    uint32_t ip = fb_ip4(&f, 6, A1, A2, 1, 0, 64, rr, sizeof rr);
    fb_tcp(&f, 20, 80, 0, 2, NULL, 0);
    fb_ip4_done(&f, ip);
    vg_decode(d, &p, VG_DLT_IPV4, f.b, f.n, &T0, 1);
    VG_CHECK(p.ipopts & VG_IPOPT_RR);
    VG_CHECK(p.ipopts & VG_IPOPT_NOP);
    VG_CHECK(p.ipopts & VG_IPOPT_EOL);
    VG_CHECK(p.ipopts & VG_IPOPT_ANY);
    VG_CHECK(!(p.ipopts & VG_IPOPT_TS));
    VG_CHECK(has_event(&p, "ipv4.opt_pad_required")); /* 12 bytes: not a multiple of 8 */
    VG_CHECK_EQ(p.ip_hlen, 32);
    VG_CHECK_EQ(p.dp, 80);

    /* an option whose length overruns: event, packet keeps its TCP */
    static const uint8_t bad[] = {0x82, 40, 0, 0, 0, 0, 0, 0};
    f.n = 0;
    ip = fb_ip4(&f, 6, A1, A2, 1, 0, 64, bad, sizeof bad);
    fb_tcp(&f, 20, 80, 0, 2, NULL, 0);
    fb_ip4_done(&f, ip);
    vg_decode(d, &p, VG_DLT_IPV4, f.b, f.n, &T0, 2);
    VG_CHECK(has_event(&p, "ipv4.opt_invalid_len"));
    VG_CHECK(p.l4 != NULL && p.wants_flow);
    /* counted invalid as Suricata does, but not flagged: decoding went on */
    VG_CHECK(!(p.flags & VG_PKT_INVALID));
    VG_CHECK_EQ(vg_decoder_counter(d, "invalid"), 1);
    VG_CHECK(!(p.ipopts & VG_IPOPT_SEC));

    /* timestamp option, ESEC, SATID, duplicate RR, unknown type */
    static const uint8_t mix[] = {0x44, 8, 9, 0, 0, 0, 0, 0, 0x85, 3, 0, 0x88, 4, 0, 1,
                                  7, 3, 4, 7, 3, 4, 0x1e, 2, 0};
    f.n = 0;
    ip = fb_ip4(&f, 17, A1, A2, 1, 0, 64, mix, sizeof mix);
    fb_udp(&f, 1, 2, 0);
    fb_ip4_done(&f, ip);
    vg_decode(d, &p, VG_DLT_IPV4, f.b, f.n, &T0, 3);
    VG_CHECK(p.ipopts & VG_IPOPT_TS);
    VG_CHECK(p.ipopts & VG_IPOPT_ESEC);
    VG_CHECK(p.ipopts & VG_IPOPT_SATID);
    VG_CHECK(p.ipopts & VG_IPOPT_RR);
    VG_CHECK(has_event(&p, "ipv4.opt_duplicate"));
    VG_CHECK(has_event(&p, "ipv4.opt_invalid"));
    VG_CHECK(!(p.flags & VG_PKT_INVALID));
    vg_decoder_free(d);
}

static void vlan_qinq_and_linktypes(void)
{
    vg_decoder *d = dec();
    vg_packet p;
    fb inner = {.n = 0};
    uint32_t ip = fb_ip4(&inner, 17, A1, A2, 1, 0, 64, NULL, 0);
    fb_udp(&inner, 5000, 53, 3);
    fb_bytes(&inner, "abc", 3);
    fb_ip4_done(&inner, ip);

    fb f = {.n = 0};
    fb_eth(&f, 0x88a8);
    fb_u16(&f, 100);
    fb_u16(&f, 0x8100);
    fb_u16(&f, 0x2000 | 200);
    fb_u16(&f, 0x0800);
    fb_bytes(&f, inner.b, inner.n);
    vg_decode(d, &p, VG_DLT_EN10MB, f.b, f.n, &T0, 1);
    VG_CHECK_EQ(p.vlan_n, 2);
    VG_CHECK_EQ(p.vlan_id[0], 100);
    VG_CHECK_EQ(p.vlan_id[1], 200);
    VG_CHECK_EQ(p.dp, 53);
    VG_CHECK_EQ(p.payload_len, 3);
    VG_CHECK_EQ(vg_decoder_counter(d, "vlan"), 1);
    VG_CHECK_EQ(vg_decoder_counter(d, "vlan_qinq"), 1);

    /* four tags: too many layers */
    f.n = 0;
    fb_eth(&f, 0x8100);
    for (int i = 0; i < 4; i++) {
        fb_u16(&f, (uint16_t)(i + 1));
        fb_u16(&f, i < 3 ? 0x8100 : 0x0800);
    }
    fb_bytes(&f, inner.b, inner.n);
    vg_decode(d, &p, VG_DLT_EN10MB, f.b, f.n, &T0, 2);
    VG_CHECK(has_event(&p, "vlan.too_many_layers"));
    VG_CHECK_EQ(p.ipver, 0);

    /* unknown ethertype */
    f.n = 0;
    fb_eth(&f, 0x88cc);
    fb_u32(&f, 0);
    vg_decode(d, &p, VG_DLT_EN10MB, f.b, f.n, &T0, 3);
    VG_CHECK(has_event(&p, "ethernet.unknown_ethertype"));
    VG_CHECK_EQ(vg_decoder_counter(d, "unknown_ethertype"), 1);

    /* ARP: a request is fine, a 5-byte hardware address is not */
    f.n = 0;
    fb_eth(&f, 0x0806);
    fb_bytes(&f, "\x00\x01\x08\x00\x06\x04\x00\x01", 8);
    for (int i = 0; i < 20; i++)
        fb_u8(&f, 0);
    vg_decode(d, &p, VG_DLT_EN10MB, f.b, f.n, &T0, 30);
    VG_CHECK_EQ(p.nevents, 0);
    f.b[14 + 4] = 5;
    vg_decode(d, &p, VG_DLT_EN10MB, f.b, f.n, &T0, 31);
    VG_CHECK(has_event(&p, "arp.invalid_hardware_size"));
    VG_CHECK_EQ(vg_decoder_counter(d, "arp"), 2);

    /* Linux cooked v1 and v2 */
    f.n = 0;
    for (int i = 0; i < 14; i++)
        fb_u8(&f, 0);
    fb_u16(&f, 0x0800);
    fb_bytes(&f, inner.b, inner.n);
    vg_decode(d, &p, VG_DLT_LINUX_SLL, f.b, f.n, &T0, 4);
    VG_CHECK_EQ(p.dp, 53);
    f.n = 0;
    fb_u16(&f, 0x0800);
    for (int i = 0; i < 18; i++)
        fb_u8(&f, 0);
    fb_bytes(&f, inner.b, inner.n);
    vg_decode(d, &p, VG_DLT_LINUX_SLL2, f.b, f.n, &T0, 5);
    VG_CHECK_EQ(p.dp, 53);
    vg_decode(d, &p, VG_DLT_LINUX_SLL2, f.b, 10, &T0, 6);
    VG_CHECK(has_event(&p, "sll2.pkt_too_small"));

    /* BSD loopback, little-endian AF_INET, and DLT_LOOP big-endian */
    f.n = 0;
    fb_bytes(&f, "\x02\0\0\0", 4);
    fb_bytes(&f, inner.b, inner.n);
    vg_decode(d, &p, VG_DLT_NULL, f.b, f.n, &T0, 7);
    VG_CHECK_EQ(p.dp, 53);
    memcpy(f.b, "\0\0\0\x02", 4);
    vg_decode(d, &p, VG_DLT_LOOP, f.b, f.n, &T0, 8);
    VG_CHECK_EQ(p.dp, 53);
    memcpy(f.b, "\0\0\0\x07", 4);
    vg_decode(d, &p, VG_DLT_LOOP, f.b, f.n, &T0, 9);
    VG_CHECK(has_event(&p, "ltnull.unsupported_type"));

    /* PPP: with address/control and a 2-byte protocol, and compressed */
    f.n = 0;
    fb_bytes(&f, "\xff\x03\x00\x21", 4);
    fb_bytes(&f, inner.b, inner.n);
    vg_decode(d, &p, VG_DLT_PPP, f.b, f.n, &T0, 10);
    VG_CHECK_EQ(p.dp, 53);
    f.n = 0;
    fb_u8(&f, 0x21);
    fb_bytes(&f, inner.b, inner.n);
    vg_decode(d, &p, VG_DLT_PPP, f.b, f.n, &T0, 11);
    VG_CHECK_EQ(p.dp, 53);
    f.b[0] = 0xc0;
    f.b[1] = 0x21; /* LCP */
    vg_decode(d, &p, VG_DLT_PPP, f.b, f.n, &T0, 12);
    VG_CHECK(has_event(&p, "ppp.unsup_proto"));
    VG_CHECK_EQ(vg_decoder_counter(d, "ppp"), 3);
    VG_CHECK_EQ(vg_decoder_counter(d, "sll"), 1);
    VG_CHECK_EQ(vg_decoder_counter(d, "sll2"), 2);
    VG_CHECK_EQ(vg_decoder_counter(d, "null"), 3);
    vg_decoder_free(d);
}

static void udp_lengths_and_icmp(void)
{
    vg_decoder *d = dec();
    vg_packet p;
    fb f = {.n = 0};
    uint32_t ip = fb_ip4(&f, 17, A1, A2, 1, 0, 64, NULL, 0);
    fb_udp(&f, 12594, 12594, 4);
    fb_bytes(&f, "data", 4);
    fb_bytes(&f, "trailing", 8); /* inside the IP datagram, past UDP's length */
    fb_ip4_done(&f, ip);
    vg_decode(d, &p, VG_DLT_RAW, f.b, f.n, &T0, 1);
    VG_CHECK_EQ(p.payload_len, 4);
    VG_CHECK_EQ(p.sp, 12594);
    VG_CHECK_EQ(p.nevents, 0);
    fb_put16(&f, 20 + 4, 200); /* UDP length past the datagram */
    vg_decode(d, &p, VG_DLT_RAW, f.b, f.n, &T0, 2);
    VG_CHECK(has_event(&p, "udp.pkt_too_small"));
    VG_CHECK(p.l4 == NULL);
    fb_put16(&f, 20 + 4, 4);
    vg_decode(d, &p, VG_DLT_RAW, f.b, f.n, &T0, 3);
    VG_CHECK(has_event(&p, "udp.len_invalid"));

    /* ICMP echo request */
    f.n = 0;
    ip = fb_ip4(&f, 1, A1, A2, 1, 0, 64, NULL, 0);
    fb_bytes(&f, "\x08\x00\x00\x00\x12\x34\x00\x07ping", 12);
    fb_ip4_done(&f, ip);
    vg_decode(d, &p, VG_DLT_RAW, f.b, f.n, &T0, 4);
    VG_CHECK_EQ(p.icmp_type, 8);
    VG_CHECK(p.icmp_has_idseq && p.icmp_id == 0x1234 && p.icmp_seq == 7);
    VG_CHECK_EQ(p.payload_len, 4);
    VG_CHECK(p.wants_flow);
    /* unknown type 42, then destination unreachable without the inner header */
    f.b[20] = 42;
    vg_decode(d, &p, VG_DLT_RAW, f.b, f.n, &T0, 5);
    VG_CHECK(has_event(&p, "icmpv4.unknown_type"));
    f.b[20] = 3;
    f.b[21] = 1;
    vg_decode(d, &p, VG_DLT_RAW, f.b, f.n, &T0, 6);
    VG_CHECK(has_event(&p, "icmpv4.ipv4_trunc_pkt"));
    VG_CHECK_EQ(p.icmp_code, 1);
    VG_CHECK_EQ(vg_decoder_counter(d, "icmpv4"), 3);
    vg_decoder_free(d);
}

static void ipv6_extension_headers(void)
{
    vg_decoder *d = dec();
    vg_packet p;
    fb f = {.n = 0};
    uint32_t ip = fb_ip6(&f, 0, B1, B2, 64);
    /* hop-by-hop: PadN of 4 only → only padding */
    fb_bytes(&f, "\x3c\x00\x01\x04\x00\x00\x00\x00", 8);
    /* destination options with an unknown option type 0x1e */
    fb_bytes(&f, "\x2b\x00\x1e\x04\x00\x00\x00\x00", 8);
    /* routing header type 0 */
    fb_bytes(&f, "\x11\x00\x00\x00\x00\x00\x00\x00", 8);
    fb_udp(&f, 1000, 2000, 2);
    fb_bytes(&f, "hi", 2);
    fb_ip6_done(&f, ip);
    vg_decode(d, &p, VG_DLT_RAW, f.b, f.n, &T0, 1);
    VG_CHECK_EQ(p.ipver, 6);
    VG_CHECK_EQ(p.proto, 17);
    VG_CHECK_EQ(p.ip_hlen, 64);
    VG_CHECK_EQ(p.ttl, 64);
    VG_CHECK_EQ(p.dp, 2000);
    VG_CHECK_EQ(p.payload_len, 2);
    VG_CHECK(memcmp(p.src.a, B1, 16) == 0);
    VG_CHECK(p.ip6_exthdrs == (VG_IP6EH_HOP | VG_IP6EH_DST | VG_IP6EH_RH));
    VG_CHECK(has_event(&p, "ipv6.hopopts_only_padding"));
    VG_CHECK(has_event(&p, "ipv6.dstopts_unknown_opt"));
    VG_CHECK(has_event(&p, "ipv6.rh_type_0"));
    VG_CHECK(p.wants_flow);

    /* truncated extension header, and two hop-by-hop headers */
    f.n = 0;
    ip = fb_ip6(&f, 0, B1, B2, 64);
    fb_bytes(&f, "\x00\x00\x01\x04\x00\x00\x00\x00", 8);
    fb_bytes(&f, "\x3c\x00\x01\x04\x00\x00\x00\x00", 8);
    fb_bytes(&f, "\x3b\x05\x01\x04\x00\x00\x00\x00", 8);
    fb_ip6_done(&f, ip);
    vg_decode(d, &p, VG_DLT_RAW, f.b, f.n, &T0, 2);
    VG_CHECK(has_event(&p, "ipv6.exthdr_dupl_hh"));
    VG_CHECK(has_event(&p, "ipv6.trunc_exthdr"));
    /* no next header followed by data */
    f.n = 0;
    ip = fb_ip6(&f, 59, B1, B2, 64);
    fb_u32(&f, 0xdeadbeef);
    fb_ip6_done(&f, ip);
    vg_decode(d, &p, VG_DLT_RAW, f.b, f.n, &T0, 3);
    VG_CHECK(has_event(&p, "ipv6.data_after_none_header"));
    /* payload length past the capture */
    fb_put16(&f, 4, 100);
    vg_decode(d, &p, VG_DLT_RAW, f.b, f.n, &T0, 4);
    VG_CHECK(has_event(&p, "ipv6.trunc_pkt"));
    VG_CHECK_EQ(p.ipver, 0);

    /* ICMPv6 echo request to a multicast group, and an MLD report with hop limit 64 */
    f.n = 0;
    ip = fb_ip6(&f, 58, B1, B2, 255);
    fb_bytes(&f, "\x80\x00\x00\x00\x00\x01\x00\x02", 8);
    fb_ip6_done(&f, ip);
    vg_decode(d, &p, VG_DLT_RAW, f.b, f.n, &T0, 5);
    VG_CHECK_EQ(p.icmp_type, 128);
    VG_CHECK(p.icmp_has_idseq && p.icmp_seq == 2);
    f.b[40] = 143;
    vg_decode(d, &p, VG_DLT_RAW, f.b, f.n, &T0, 6);
    VG_CHECK(has_event(&p, "icmpv6.mld_message_with_invalid_hl"));
    /* ICMPv4 inside IPv6 */
    f.b[6] = 1;
    vg_decode(d, &p, VG_DLT_RAW, f.b, f.n, &T0, 7);
    VG_CHECK(has_event(&p, "ipv6.icmpv4"));
    vg_decoder_free(d);
}

static void gre_tunnel(void)
{
    vg_decoder *d = dec();
    vg_packet p;
    fb f = {.n = 0};
    fb_eth(&f, 0x8100);
    fb_u16(&f, 6);
    fb_u16(&f, 0x0800);
    uint32_t outer = fb_ip4(&f, 47, A1, A2, 1, 0, 64, NULL, 0);
    fb_u16(&f, 0);
    fb_u16(&f, 0x0800);
    uint32_t inner = fb_ip4(&f, 17, (const uint8_t *)"\2\2\2\3", (const uint8_t *)"\2\2\2\2", 1,
                            0, 64, NULL, 0);
    fb_udp(&f, 12345, 514, 4);
    fb_bytes(&f, "EVIL", 4);
    fb_ip4_done(&f, inner);
    fb_ip4_done(&f, outer);
    vg_decode(d, &p, VG_DLT_EN10MB, f.b, f.n, &T0, 1);
    VG_CHECK_EQ(p.proto, 47);
    VG_CHECK(p.flags & VG_PKT_TUNNEL);
    VG_CHECK(p.flags & VG_PKT_NOPAYLOAD_INSPECT);
    VG_CHECK(!p.wants_flow);
    vg_packet *tp = vg_decoder_pop(d);
    VG_CHECK(tp != NULL);
    if (tp) {
        VG_CHECK_EQ(tp->pkt_src, VG_PKT_SRC_TUNNEL);
        VG_CHECK_STR(vg_packet_src_name(tp), "gre tunnel");
        VG_CHECK(tp->root == &p);
        VG_CHECK_EQ(tp->depth, 1);
        VG_CHECK(!(tp->flags & VG_PKT_PSEUDO)); /* that flag is the stream's */
        VG_CHECK_EQ(tp->proto, 17);
        VG_CHECK_EQ(tp->dp, 514);
        VG_CHECK(tp->payload_len == 4 && memcmp(tp->payload, "EVIL", 4) == 0);
        VG_CHECK_EQ(tp->src.a[3], 3);
        VG_CHECK(tp->wants_flow);
        VG_CHECK_EQ(tp->datalink, VG_DLT_RAW);
        VG_CHECK(tp->raw_len == 32 && tp->raw[0] == 0x45);
        vg_packet_free(tp);
    }
    VG_CHECK(vg_decoder_pop(d) == NULL);
    VG_CHECK_EQ(vg_decoder_counter(d, "gre"), 1);
    VG_CHECK_EQ(vg_decoder_counter(d, "ipv4"), 2);

    /* GRE version 1 without a key; GRE version 3 */
    f.n = 0;
    outer = fb_ip4(&f, 47, A1, A2, 1, 0, 64, NULL, 0);
    fb_u16(&f, 0x0001);
    fb_u16(&f, 0x880b);
    fb_u32(&f, 0);
    fb_ip4_done(&f, outer);
    vg_decode(d, &p, VG_DLT_RAW, f.b, f.n, &T0, 2);
    VG_CHECK(has_event(&p, "gre.version1_no_key"));
    f.b[21] = 3;
    vg_decode(d, &p, VG_DLT_RAW, f.b, f.n, &T0, 3);
    VG_CHECK(has_event(&p, "gre.wrong_version"));
    VG_CHECK(vg_decoder_pop(d) == NULL);
    vg_decoder_free(d);
}

static void udp_tunnels_and_ip_in_ip(void)
{
    vg_decoder *d = dec();
    vg_packet p;
    fb in = {.n = 0};
    uint32_t ii = fb_ip4(&in, 1, (const uint8_t *)"\1\1\1\1", (const uint8_t *)"\1\1\1\2", 9, 0,
                         64, NULL, 0);
    fb_bytes(&in, "\x08\x00\x00\x00\x00\x01\x00\x01", 8);
    fb_ip4_done(&in, ii);

    /* VXLAN on 4789 */
    fb f = {.n = 0};
    uint32_t outer = fb_ip4(&f, 17, A1, A2, 1, 0, 64, NULL, 0);
    fb_udp(&f, 45149, 4789, (uint16_t)(8 + 14 + in.n));
    fb_bytes(&f, "\x08\0\0\0\0\0\x64\0", 8);
    fb_eth(&f, 0x0800);
    fb_bytes(&f, in.b, in.n);
    fb_ip4_done(&f, outer);
    vg_decode(d, &p, VG_DLT_RAW, f.b, f.n, &T0, 1);
    VG_CHECK(p.wants_flow);
    VG_CHECK_EQ(p.dp, 4789);
    VG_CHECK(p.flags & VG_PKT_TUNNEL);
    vg_packet *tp = vg_decoder_pop(d);
    VG_CHECK(tp && tp->icmp_type == 8 && tp->proto == 1);
    if (tp) {
        VG_CHECK_STR(vg_packet_src_name(tp), "vxlan encapsulation");
        vg_packet_free(tp);
    }
    VG_CHECK_EQ(vg_decoder_counter(d, "vxlan"), 1);

    /* the same on another port is plain UDP */
    fb_put16(&f, 20 + 2, 4790);
    vg_decode(d, &p, VG_DLT_RAW, f.b, f.n, &T0, 2);
    VG_CHECK(!(p.flags & VG_PKT_TUNNEL));
    VG_CHECK(vg_decoder_pop(d) == NULL);

    /* Teredo: IPv6 in UDP 3544, length must match exactly */
    fb in6 = {.n = 0};
    uint32_t i6 = fb_ip6(&in6, 58, B1, B2, 64);
    fb_bytes(&in6, "\x80\x00\x00\x00\x00\x01\x00\x01", 8);
    fb_ip6_done(&in6, i6);
    f.n = 0;
    outer = fb_ip4(&f, 17, A1, A2, 1, 0, 64, NULL, 0);
    fb_udp(&f, 3544, 50000, (uint16_t)in6.n);
    fb_bytes(&f, in6.b, in6.n);
    fb_ip4_done(&f, outer);
    vg_decode(d, &p, VG_DLT_RAW, f.b, f.n, &T0, 3);
    tp = vg_decoder_pop(d);
    VG_CHECK(tp && tp->ipver == 6 && tp->icmp_type == 128);
    if (tp) {
        VG_CHECK_STR(vg_packet_src_name(tp), "teredo tunnel");
        vg_packet_free(tp);
    }
    VG_CHECK_EQ(vg_decoder_counter(d, "teredo"), 1);

    /* IPv6 in IPv4 (protocol 41), inside it IPv4 in IPv6 (protocol 4): two levels */
    fb mid = {.n = 0};
    uint32_t m6 = fb_ip6(&mid, 4, B1, B2, 64);
    fb_bytes(&mid, in.b, in.n);
    fb_ip6_done(&mid, m6);
    f.n = 0;
    outer = fb_ip4(&f, 41, A1, A2, 1, 0, 64, NULL, 0);
    fb_bytes(&f, mid.b, mid.n);
    fb_ip4_done(&f, outer);
    vg_decode(d, &p, VG_DLT_RAW, f.b, f.n, &T0, 4);
    VG_CHECK(p.wants_flow);
    vg_packet *t1 = vg_decoder_pop(d), *t2 = vg_decoder_pop(d);
    VG_CHECK(t1 && t1->ipver == 6 && t1->depth == 1 && t1->root == &p);
    VG_CHECK(t2 && t2->ipver == 4 && t2->depth == 2 && t2->root == &p && t2->icmp_type == 8);
    if (t1)
        VG_CHECK_STR(vg_packet_src_name(t1), "ipv4 tunnel");
    if (t2)
        VG_CHECK_STR(vg_packet_src_name(t2), "ipv6 tunnel");
    vg_packet_free(t1);
    vg_packet_free(t2);
    VG_CHECK_EQ(vg_decoder_counter(d, "ipv6_in_ipv4"), 1);
    VG_CHECK_EQ(vg_decoder_counter(d, "ipv4_in_ipv6"), 1);

    /* unpopped pseudo packets are freed by the next vg_decode (ASan checks) */
    vg_decode(d, &p, VG_DLT_RAW, f.b, f.n, &T0, 5);
    vg_decode(d, &p, VG_DLT_RAW, f.b, f.n, &T0, 6);
    vg_decoder_free(d);
}

static void tunnel_settings(void)
{
    char err[VG_ERRBUF_SIZE];
    fb f = {.n = 0};
    uint32_t outer = fb_ip4(&f, 17, A1, A2, 1, 0, 64, NULL, 0);
    fb in = {.n = 0};
    uint32_t ii = fb_ip4(&in, 1, A2, A1, 9, 0, 64, NULL, 0);
    fb_bytes(&in, "\x08\x00\x00\x00\x00\x01\x00\x01", 8);
    fb_ip4_done(&in, ii);
    fb_udp(&f, 1, 8472, (uint16_t)(8 + 14 + in.n));
    fb_bytes(&f, "\x08\0\0\0\0\0\x64\0", 8);
    fb_eth(&f, 0x0800);
    fb_bytes(&f, in.b, in.n);
    fb_ip4_done(&f, outer);

    /* ports through a variable, as suricata.yaml writes them */
    vg_conf *c = vg_conf_new();
    vg_conf_set(c, "vars.port-groups.VXLAN_PORTS", "[8472, 4789]");
    vg_conf_set(c, "decoder.vxlan.ports", "$VXLAN_PORTS");
    vg_decoder *d = NULL;
    VG_CHECK_EQ(vg_decoder_new(&d, c, err), VG_OK);
    vg_packet p;
    vg_decode(d, &p, VG_DLT_RAW, f.b, f.n, &T0, 1);
    vg_packet *tp = vg_decoder_pop(d);
    VG_CHECK(tp && tp->icmp_type == 8);
    vg_packet_free(tp);
    vg_decoder_free(d);
    /* disabled */
    vg_conf_set(c, "decoder.vxlan.enabled", "false");
    VG_CHECK_EQ(vg_decoder_new(&d, c, err), VG_OK);
    vg_decode(d, &p, VG_DLT_RAW, f.b, f.n, &T0, 1);
    VG_CHECK(vg_decoder_pop(d) == NULL);
    VG_CHECK_EQ(vg_decoder_counter(d, "vxlan"), 0);
    vg_decoder_free(d);
    vg_conf_free(c);
}

/* vg_source on a capture written here with libpcap: frames come back in
 * order with their lengths and times, a BPF filter applies, errors name
 * the file or interface. */
static void source_file_and_filter(void)
{
    char path[] = "/tmp/vg_test_src_XXXXXX";
    int fd = mkstemp(path);
    VG_CHECK(fd >= 0);
    if (fd < 0)
        return;
    close(fd);
    pcap_t *dead = pcap_open_dead(DLT_RAW, 65535);
    pcap_dumper_t *w = pcap_dump_open(dead, path);
    VG_CHECK(w != NULL);
    for (int i = 0; i < 4; i++) {
        fb f = {.n = 0};
        uint32_t ip = fb_ip4(&f, i % 2 ? 17 : 6, A1, A2, (uint16_t)i, 0, 64, NULL, 0);
        if (i % 2)
            fb_udp(&f, 1000, 53, 0);
        else
            fb_tcp(&f, 1000, 80, 0, 2, NULL, 0);
        fb_ip4_done(&f, ip);
        struct pcap_pkthdr h = {.ts = {100 + i, 5}, .caplen = f.n, .len = f.n};
        pcap_dump((u_char *)w, &h, f.b);
    }
    pcap_dump_close(w);
    pcap_close(dead);

    char err[VG_ERRBUF_SIZE];
    vg_source *s = NULL;
    VG_CHECK_EQ(vg_source_open_file(&s, path, NULL, err), VG_OK);
    if (s) {
        VG_CHECK_EQ(vg_source_datalink(s), VG_DLT_RAW);
        const uint8_t *data;
        uint32_t len;
        struct timeval ts;
        int n = 0;
        while (vg_source_next(s, &data, &len, &ts, err) == VG_OK) {
            VG_CHECK_EQ(ts.tv_sec, 100 + n);
            VG_CHECK_EQ(len, n % 2 ? 28 : 40);
            n++;
        }
        VG_CHECK_EQ(n, 4);
        uint64_t a, b, c;
        VG_CHECK_EQ(vg_source_stats(s, &a, &b, &c), VG_ENOTSUP);
        vg_source_close(s);
    }
    VG_CHECK_EQ(vg_source_open_file(&s, path, "udp", err), VG_OK);
    if (s) {
        const uint8_t *data;
        uint32_t len;
        struct timeval ts;
        int n = 0;
        while (vg_source_next(s, &data, &len, &ts, err) == VG_OK)
            n++;
        VG_CHECK_EQ(n, 2);
        vg_source_close(s);
    }
    VG_CHECK_EQ(vg_source_open_file(&s, path, "port and and", err), VG_EINVAL);
    VG_CHECK(strstr(err, path) != NULL && strstr(err, "BPF") != NULL);
    unlink(path);
    VG_CHECK_EQ(vg_source_open_file(&s, path, NULL, err), VG_EIO);
    VG_CHECK(strstr(err, path) != NULL);
    VG_CHECK(vg_source_open_live(&s, "vg-no-such-if0", NULL, err) != VG_OK);
    VG_CHECK(s == NULL);
    VG_CHECK(strstr(err, "vg-no-such-if0") != NULL);
}

static void event_names(void)
{
    int ev = vg_decode_event_lookup("ipv4.trunc_pkt");
    VG_CHECK(ev >= 0);
    VG_CHECK_EQ(vg_decode_event_lookup("decoder.ipv4.trunc_pkt"), ev);
    VG_CHECK_STR(vg_decode_event_name((uint16_t)ev), "decoder.ipv4.trunc_pkt");
    VG_CHECK_STR(vg_decode_event_short((uint16_t)ev), "ipv4.trunc_pkt");
    VG_CHECK_EQ(vg_decode_event_lookup("ipv4.no_such_event"), -1);
    VG_CHECK(vg_decode_event_lookup("ipv6.exthdr_dupl_fh") >= 0);
    VG_CHECK(vg_decode_event_lookup("tcp.hlen_too_small") >= 0);
    /* every name round-trips and has a layer */
    for (int i = 0; i < vg_decode_event_count(); i++) {
        const char *s = vg_decode_event_short((uint16_t)i);
        VG_CHECK(strchr(s, '.') != NULL);
        VG_CHECK_EQ(vg_decode_event_lookup(s), i);
    }
}

static void stats_json_shape(void)
{
    vg_decoder *d = dec();
    vg_packet p;
    uint8_t junk[3] = {1, 2, 3};
    vg_decode(d, &p, VG_DLT_EN10MB, junk, 3, &T0, 1);
    vg_jb jb;
    vg_jb_init(&jb);
    vg_jb_open_obj(&jb, NULL);
    vg_decoder_stats_eve(d, &jb);
    vg_decoder_defrag_stats_eve(d, &jb);
    vg_jb_close_obj(&jb);
    VG_CHECK(vg_jb_ok(&jb));
    VG_CHECK(strstr(jb.buf, "{\"decoder\":{\"pkts\":1,\"bytes\":3,\"invalid\":1,") == jb.buf);
    VG_CHECK(strstr(jb.buf, "\"event\":{\"ipv4\":{\"pkt_too_small\":0,") != NULL);
    VG_CHECK(strstr(jb.buf, "\"ethernet\":{\"pkt_too_small\":1,\"unknown_ethertype\":0}") != NULL);
    VG_CHECK(strstr(jb.buf, "\"defrag\":{\"ipv4\":{\"fragments\":0,\"reassembled\":0}") != NULL);
    /* each layer object appears once */
    VG_CHECK(strstr(strstr(jb.buf, "\"ipv6\":{\"pkt_too_small\""), "\"ipv6\":{\"pkt") ==
             strstr(jb.buf, "\"ipv6\":{\"pkt_too_small\""));
    const char *first = strstr(jb.buf, "\"ipv4\":{");
    VG_CHECK(first && strstr(first + 1, "\"ipv4\":{\"frag_") == NULL);
    if (getenv("VG_PRINT_STATS"))
        printf("%s\n", jb.buf);
    vg_jb_free(&jb);
    vg_decoder_free(d);
}

static const vg_test tests[] = {
    {"eth_ipv4_tcp_options", eth_ipv4_tcp_options},
    {"tcp_bad_options_and_hlen", tcp_bad_options_and_hlen},
    {"ipv4_malformed_headers", ipv4_malformed_headers},
    {"ipv4_options", ipv4_options},
    {"vlan_qinq_and_linktypes", vlan_qinq_and_linktypes},
    {"udp_lengths_and_icmp", udp_lengths_and_icmp},
    {"ipv6_extension_headers", ipv6_extension_headers},
    {"gre_tunnel", gre_tunnel},
    {"udp_tunnels_and_ip_in_ip", udp_tunnels_and_ip_in_ip},
    {"tunnel_settings", tunnel_settings},
    {"source_file_and_filter", source_file_and_filter},
    {"event_names", event_names},
    {"stats_json_shape", stats_json_shape},
    {NULL, NULL},
};

VG_TEST_MAIN(tests)
