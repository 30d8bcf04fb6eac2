/*
 * decode_int.h: what the decoder's files share and nobody else sees.
 *
 * The per-thread decoder state (counters, the pseudo packet queue, tunnel
 * settings, the defragmenter), the event and counter ids, the bounds-checked
 * big-endian readers, and one entry point per layer family.  Every layer
 * function takes the bytes that remain for it (`data`, `len`); it reads
 * nothing beyond `len`, raises events through vg_dec_event(), and returns
 * nothing: what was valid stays on the packet.
 */
#ifndef VG_NET_DECODE_INT_H
#define VG_NET_DECODE_INT_H

#include <string.h>

#include "net/decode/decode.h"

/* ---- bounds-checked readers ------------------------------------------- */

/* A cursor over borrowed bytes; reads fail (return false) past the end and
 * leave the cursor where it was. */
typedef struct vg_rd {
    const uint8_t *p;
    uint32_t len;
    uint32_t off;
} vg_rd;

static inline void vg_rd_init(vg_rd *r, const uint8_t *p, uint32_t len)
{
    r->p = p;
    r->len = len;
    r->off = 0;
}
static inline uint32_t vg_rd_left(const vg_rd *r) { return r->len - r->off; }
static inline bool vg_rd_u8(vg_rd *r, uint8_t *v)
{
    if (r->len - r->off < 1)
        return false;
    *v = r->p[r->off++];
    return true;
}
static inline bool vg_rd_u16be(vg_rd *r, uint16_t *v)
{
    if (r->len - r->off < 2)
        return false;
    *v = (uint16_t)(r->p[r->off] << 8 | r->p[r->off + 1]);
    r->off += 2;
    return true;
}
static inline bool vg_rd_u32be(vg_rd *r, uint32_t *v)
{
    if (r->len - r->off < 4)
        return false;
    const uint8_t *b = r->p + r->off;
    *v = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
    r->off += 4;
    return true;
}
static inline bool vg_rd_skip(vg_rd *r, uint32_t n)
{
    if (r->len - r->off < n)
        return false;
    r->off += n;
    return true;
}

/* Fixed-offset loads for headers whose length was checked once up front:
 * the caller guarantees off + width <= the checked length. */
static inline uint16_t vg_be16(const uint8_t *b) { return (uint16_t)(b[0] << 8 | b[1]); }
static inline uint32_t vg_be32(const uint8_t *b)
{
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

/* ---- events ------------------------------------------------------------ */

/* X(id, "layer.name", invalid): `invalid` marks events after which Suricata
 * counts the packet as invalid (decoder.invalid).  The names and the set
 * follow Suricata 8's decoder events as EVE stats lists them. */
#define VG_DECODE_EVENTS(X) \
    X(IPV4_PKT_TOO_SMALL, "ipv4.pkt_too_small", 1) \
    X(IPV4_HLEN_TOO_SMALL, "ipv4.hlen_too_small", 1) \
    X(IPV4_IPLEN_SMALLER_THAN_HLEN, "ipv4.iplen_smaller_than_hlen", 1) \
    X(IPV4_TRUNC_PKT, "ipv4.trunc_pkt", 1) \
    X(IPV4_OPT_INVALID, "ipv4.opt_invalid", 0) \
    X(IPV4_OPT_INVALID_LEN, "ipv4.opt_invalid_len", 1) \
    X(IPV4_OPT_MALFORMED, "ipv4.opt_malformed", 1) \
    X(IPV4_OPT_PAD_REQUIRED, "ipv4.opt_pad_required", 0) \
    X(IPV4_OPT_EOL_REQUIRED, "ipv4.opt_eol_required", 0) \
    X(IPV4_OPT_DUPLICATE, "ipv4.opt_duplicate", 0) \
    X(IPV4_OPT_UNKNOWN, "ipv4.opt_unknown", 1) \
    X(IPV4_WRONG_IP_VER, "ipv4.wrong_ip_version", 1) \
    X(IPV4_WITH_ICMPV6, "ipv4.icmpv6", 1) \
    X(IPV4_FRAG_PKT_TOO_LARGE, "ipv4.frag_pkt_too_large", 1) \
    X(IPV4_FRAG_OVERLAP, "ipv4.frag_overlap", 0) \
    X(IPV4_FRAG_IGNORED, "ipv4.frag_ignored", 0) \
    X(ICMPV4_PKT_TOO_SMALL, "icmpv4.pkt_too_small", 1) \
    X(ICMPV4_UNKNOWN_TYPE, "icmpv4.unknown_type", 0) \
    X(ICMPV4_UNKNOWN_CODE, "icmpv4.unknown_code", 0) \
    X(ICMPV4_IPV4_TRUNC_PKT, "icmpv4.ipv4_trunc_pkt", 1) \
    X(ICMPV4_IPV4_UNKNOWN_VER, "icmpv4.ipv4_unknown_ver", 1) \
    X(ICMPV6_UNKNOWN_TYPE, "icmpv6.unknown_type", 0) \
    X(ICMPV6_UNKNOWN_CODE, "icmpv6.unknown_code", 0) \
    X(ICMPV6_PKT_TOO_SMALL, "icmpv6.pkt_too_small", 1) \
    X(ICMPV6_IPV6_UNKNOWN_VER, "icmpv6.ipv6_unknown_version", 1) \
    X(ICMPV6_IPV6_TRUNC_PKT, "icmpv6.ipv6_trunc_pkt", 1) \
    X(ICMPV6_MLD_INVALID_HL, "icmpv6.mld_message_with_invalid_hl", 0) \
    X(ICMPV6_UNASSIGNED_TYPE, "icmpv6.unassigned_type", 0) \
    X(ICMPV6_EXPERIMENTATION_TYPE, "icmpv6.experimentation_type", 0) \
    X(IPV6_PKT_TOO_SMALL, "ipv6.pkt_too_small", 1) \
    X(IPV6_TRUNC_PKT, "ipv6.trunc_pkt", 1) \
    X(IPV6_TRUNC_EXTHDR, "ipv6.trunc_exthdr", 1) \
    X(IPV6_EXTHDR_DUPL_FH, "ipv6.exthdr_dupl_fh", 0) \
    X(IPV6_EXTHDR_USELESS_FH, "ipv6.exthdr_useless_fh", 0) \
    X(IPV6_EXTHDR_DUPL_RH, "ipv6.exthdr_dupl_rh", 0) \
    X(IPV6_EXTHDR_DUPL_HH, "ipv6.exthdr_dupl_hh", 0) \
    X(IPV6_EXTHDR_DUPL_DH, "ipv6.exthdr_dupl_dh", 0) \
    X(IPV6_EXTHDR_DUPL_AH, "ipv6.exthdr_dupl_ah", 0) \
    X(IPV6_EXTHDR_DUPL_EH, "ipv6.exthdr_dupl_eh", 0) \
    X(IPV6_EXTHDR_INVALID_OPTLEN, "ipv6.exthdr_invalid_optlen", 0) \
    X(IPV6_WRONG_IP_VER, "ipv6.wrong_ip_version", 1) \
    X(IPV6_EXTHDR_AH_RES_NOT_NULL, "ipv6.exthdr_ah_res_not_null", 0) \
    X(IPV6_HOPOPTS_UNKNOWN_OPT, "ipv6.hopopts_unknown_opt", 0) \
    X(IPV6_HOPOPTS_ONLY_PADDING, "ipv6.hopopts_only_padding", 0) \
    X(IPV6_DSTOPTS_UNKNOWN_OPT, "ipv6.dstopts_unknown_opt", 0) \
    X(IPV6_DSTOPTS_ONLY_PADDING, "ipv6.dstopts_only_padding", 0) \
    X(IPV6_RH_TYPE_0, "ipv6.rh_type_0", 0) \
    X(IPV6_ZERO_LEN_PADN, "ipv6.zero_len_padn", 0) \
    X(IPV6_FH_NON_ZERO_RES_FIELD, "ipv6.fh_non_zero_reserved_field", 0) \
    X(IPV6_DATA_AFTER_NONE_HEADER, "ipv6.data_after_none_header", 0) \
    X(IPV6_UNKNOWN_NEXT_HEADER, "ipv6.unknown_next_header", 0) \
    X(IPV6_WITH_ICMPV4, "ipv6.icmpv4", 1) \
    X(IPV6_FRAG_PKT_TOO_LARGE, "ipv6.frag_pkt_too_large", 1) \
    X(IPV6_FRAG_OVERLAP, "ipv6.frag_overlap", 0) \
    X(IPV6_FRAG_INVALID_LENGTH, "ipv6.frag_invalid_length", 1) \
    X(IPV6_FRAG_IGNORED, "ipv6.frag_ignored", 0) \
    X(IPV4_IN_IPV6_PKT_TOO_SMALL, "ipv6.ipv4_in_ipv6_too_small", 1) \
    X(IPV4_IN_IPV6_WRONG_IP_VER, "ipv6.ipv4_in_ipv6_wrong_version", 1) \
    X(IPV6_IN_IPV6_PKT_TOO_SMALL, "ipv6.ipv6_in_ipv6_too_small", 1) \
    X(IPV6_IN_IPV6_WRONG_IP_VER, "ipv6.ipv6_in_ipv6_wrong_version", 1) \
    X(TCP_PKT_TOO_SMALL, "tcp.pkt_too_small", 1) \
    X(TCP_HLEN_TOO_SMALL, "tcp.hlen_too_small", 1) \
    X(TCP_INVALID_OPTLEN, "tcp.invalid_optlen", 1) \
    X(TCP_OPT_INVALID_LEN, "tcp.opt_invalid_len", 0) \
    X(TCP_OPT_DUPLICATE, "tcp.opt_duplicate", 0) \
    X(UDP_PKT_TOO_SMALL, "udp.pkt_too_small", 1) \
    X(UDP_HLEN_TOO_SMALL, "udp.hlen_too_small", 1) \
    X(UDP_HLEN_INVALID, "udp.hlen_invalid", 1) \
    X(UDP_LEN_INVALID, "udp.len_invalid", 1) \
    X(SLL_PKT_TOO_SMALL, "sll.pkt_too_small", 1) \
    X(SLL2_PKT_TOO_SMALL, "sll2.pkt_too_small", 1) \
    X(ETHERNET_PKT_TOO_SMALL, "ethernet.pkt_too_small", 1) \
    X(ETHERNET_UNKNOWN_ETHERTYPE, "ethernet.unknown_ethertype", 0) \
    X(PPP_PKT_TOO_SMALL, "ppp.pkt_too_small", 1) \
    X(PPPVJU_PKT_TOO_SMALL, "ppp.vju_pkt_too_small", 1) \
    X(PPPIPV4_PKT_TOO_SMALL, "ppp.ip4_pkt_too_small", 1) \
    X(PPPIPV6_PKT_TOO_SMALL, "ppp.ip6_pkt_too_small", 1) \
    X(PPP_WRONG_TYPE, "ppp.wrong_type", 1) \
    X(PPP_UNSUP_PROTO, "ppp.unsup_proto", 0) \
    X(PPPOE_PKT_TOO_SMALL, "pppoe.pkt_too_small", 1) \
    X(PPPOE_WRONG_CODE, "pppoe.wrong_code", 1) \
    X(PPPOE_MALFORMED_TAGS, "pppoe.malformed_tags", 1) \
    X(GRE_PKT_TOO_SMALL, "gre.pkt_too_small", 1) \
    X(GRE_WRONG_VERSION, "gre.wrong_version", 1) \
    X(GRE_VERSION0_RECUR, "gre.version0_recur", 1) \
    X(GRE_VERSION0_FLAGS, "gre.version0_flags", 1) \
    X(GRE_VERSION0_HDR_TOO_BIG, "gre.version0_hdr_too_big", 1) \
    X(GRE_VERSION0_MALFORMED_SRE_HDR, "gre.version0_malformed_sre_hdr", 1) \
    X(GRE_VERSION1_CHKSUM, "gre.version1_chksum", 1) \
    X(GRE_VERSION1_ROUTE, "gre.version1_route", 1) \
    X(GRE_VERSION1_SSR, "gre.version1_ssr", 1) \
    X(GRE_VERSION1_RECUR, "gre.version1_recur", 1) \
    X(GRE_VERSION1_FLAGS, "gre.version1_flags", 1) \
    X(GRE_VERSION1_NO_KEY, "gre.version1_no_key", 1) \
    X(GRE_VERSION1_WRONG_PROTOCOL, "gre.version1_wrong_protocol", 1) \
    X(GRE_VERSION1_MALFORMED_SRE_HDR, "gre.version1_malformed_sre_hdr", 1) \
    X(GRE_VERSION1_HDR_TOO_BIG, "gre.version1_hdr_too_big", 1) \
    X(VLAN_HEADER_TOO_SMALL, "vlan.header_too_small", 1) \
    X(VLAN_UNKNOWN_TYPE, "vlan.unknown_type", 0) \
    X(VLAN_HEADER_TOO_MANY_LAYERS, "vlan.too_many_layers", 1) \
    X(IEEE8021AH_HEADER_TOO_SMALL, "ieee8021ah.header_too_small", 1) \
    X(VNTAG_HEADER_TOO_SMALL, "vntag.header_too_small", 1) \
    X(VNTAG_UNKNOWN_TYPE, "vntag.unknown_type", 0) \
    X(IPRAW_INVALID_IPV, "ipraw.invalid_ip_version", 1) \
    X(LTNULL_PKT_TOO_SMALL, "ltnull.pkt_too_small", 1) \
    X(LTNULL_UNSUPPORTED_TYPE, "ltnull.unsupported_type", 1) \
    X(SCTP_PKT_TOO_SMALL, "sctp.pkt_too_small", 1) \
    X(ESP_PKT_TOO_SMALL, "esp.pkt_too_small", 1) \
    X(MPLS_HEADER_TOO_SMALL, "mpls.header_too_small", 1) \
    X(MPLS_PKT_TOO_SMALL, "mpls.pkt_too_small", 1) \
    X(MPLS_BAD_LABEL_ROUTER_ALERT, "mpls.bad_label_router_alert", 1) \
    X(MPLS_BAD_LABEL_IMPLICIT_NULL, "mpls.bad_label_implicit_null", 1) \
    X(MPLS_BAD_LABEL_RESERVED, "mpls.bad_label_reserved", 1) \
    X(MPLS_UNKNOWN_PAYLOAD_TYPE, "mpls.unknown_payload_type", 1) \
    X(VXLAN_UNKNOWN_PAYLOAD_TYPE, "vxlan.unknown_payload_type", 1) \
    X(GENEVE_UNKNOWN_PAYLOAD_TYPE, "geneve.unknown_payload_type", 1) \
    X(ERSPAN_HEADER_TOO_SMALL, "erspan.header_too_small", 1) \
    X(ERSPAN_UNSUPPORTED_VERSION, "erspan.unsupported_version", 1) \
    X(ERSPAN_TOO_MANY_VLAN_LAYERS, "erspan.too_many_vlan_layers", 1) \
    X(DCE_PKT_TOO_SMALL, "dce.pkt_too_small", 1) \
    X(CHDLC_PKT_TOO_SMALL, "chdlc.pkt_too_small", 1) \
    X(NSH_HEADER_TOO_SMALL, "nsh.header_too_small", 1) \
    X(NSH_UNSUPPORTED_VERSION, "nsh.unsupported_version", 1) \
    X(NSH_BAD_HEADER_LENGTH, "nsh.bad_header_length", 1) \
    X(NSH_RESERVED_TYPE, "nsh.reserved_type", 1) \
    X(NSH_UNSUPPORTED_TYPE, "nsh.unsupported_type", 1) \
    X(NSH_UNKNOWN_PAYLOAD, "nsh.unknown_payload", 1) \
    X(ARP_PKT_TOO_SMALL, "arp.pkt_too_small", 1) \
    X(ARP_UNSUPPORTED_HARDWARE, "arp.unsupported_hardware", 1) \
    X(ARP_UNSUPPORTED_PROTOCOL, "arp.unsupported_protocol", 1) \
    X(ARP_INVALID_PKT, "arp.invalid_pkt", 1) \
    X(ARP_INVALID_HARDWARE_SIZE, "arp.invalid_hardware_size", 1) \
    X(ARP_INVALID_PROTOCOL_SIZE, "arp.invalid_protocol_size", 1) \
    X(ARP_UNSUPPORTED_OPCODE, "arp.unsupported_opcode", 1) \
    X(AFPACKET_TRUNC_PKT, "afpacket.trunc_pkt", 1)

enum {
#define VG_EV_ENUM(id, name, inv) VG_EV_##id,
    VG_DECODE_EVENTS(VG_EV_ENUM)
#undef VG_EV_ENUM
    VG_EV_MAX
};

/* ---- counters ---------------------------------------------------------- */

/* X(id, "stats name"): the scalar counters of EVE stats.decoder, in the
 * order they are written. */
#define VG_DECODE_COUNTERS(X) \
    X(PKTS, "pkts") X(BYTES, "bytes") X(INVALID, "invalid") \
    X(IPV4, "ipv4") X(IPV6, "ipv6") X(ETHERNET, "ethernet") X(ARP, "arp") \
    X(UNKNOWN_ETHERTYPE, "unknown_ethertype") X(CHDLC, "chdlc") X(RAW, "raw") \
    X(NULL_, "null") X(SLL, "sll") X(SLL2, "sll2") X(TCP, "tcp") X(UDP, "udp") \
    X(SCTP, "sctp") X(ESP, "esp") X(ICMPV4, "icmpv4") X(ICMPV6, "icmpv6") \
    X(PPP, "ppp") X(PPPOE, "pppoe") X(GENEVE, "geneve") X(GRE, "gre") \
    X(VLAN, "vlan") X(VLAN_QINQ, "vlan_qinq") X(VLAN_QINQINQ, "vlan_qinqinq") \
    X(VXLAN, "vxlan") X(VNTAG, "vntag") X(IEEE8021AH, "ieee8021ah") \
    X(TEREDO, "teredo") X(IPV4_IN_IPV4, "ipv4_in_ipv4") X(IPV6_IN_IPV4, "ipv6_in_ipv4") \
    X(IPV4_IN_IPV6, "ipv4_in_ipv6") X(IPV6_IN_IPV6, "ipv6_in_ipv6") X(MPLS, "mpls") \
    X(ERSPAN, "erspan") X(NSH, "nsh") X(TOO_MANY_LAYERS, "too_many_layers")

enum {
#define VG_C_ENUM(id, name) VG_C_##id,
    VG_DECODE_COUNTERS(VG_C_ENUM)
#undef VG_C_ENUM
    VG_C_MAX
};

/* ---- decoder state ----------------------------------------------------- */

#define VG_DEC_QMAX 16      /* pseudo packets per wire packet */
#define VG_DEC_MAX_DEPTH 8  /* tunnel nesting (Suricata's max-layers is 16 layers) */
#define VG_DEC_MAX_PORTS 4

typedef struct vg_defrag vg_defrag;

struct vg_decoder {
    uint64_t cnt[VG_C_MAX];
    uint64_t ev[VG_EV_MAX];
    uint64_t max_pkt_size;

    /* Pseudo packets of the current wire packet, popped in order. */
    vg_packet *q[VG_DEC_QMAX];
    int qn, qpos;

    /* Tunnels on UDP ports (decoder.vxlan / .geneve / .teredo). */
    bool vxlan_on, geneve_on, teredo_on, teredo_any;
    uint16_t vxlan_ports[VG_DEC_MAX_PORTS], geneve_ports[VG_DEC_MAX_PORTS];
    uint16_t teredo_ports[VG_DEC_MAX_PORTS];
    int n_vxlan, n_geneve, n_teredo;

    vg_defrag *defrag;
};

/* Raise event ev on p: appended to p->events (first VG_PKT_MAX_EVENTS kept,
 * duplicates once) and counted in d->ev. */
void vg_dec_event(vg_decoder *d, vg_packet *p, int ev);
/* After a packet (wire or pseudo) is decoded: the `invalid` counter and
 * VG_PKT_INVALID. */
void vg_dec_finish(vg_decoder *d, vg_packet *p);
static inline void vg_dec_count(vg_decoder *d, int c) { d->cnt[c]++; }

/* ---- layers ------------------------------------------------------------ */

/* Link layers; each ends in vg_dec_ether_type() or an IP decoder. */
void vg_dec_link(vg_decoder *d, vg_packet *p, int datalink, const uint8_t *data, uint32_t len);
void vg_dec_ethernet(vg_decoder *d, vg_packet *p, const uint8_t *data, uint32_t len);
void vg_dec_ether_type(vg_decoder *d, vg_packet *p, uint16_t type, const uint8_t *data,
                       uint32_t len);
void vg_dec_ppp(vg_decoder *d, vg_packet *p, const uint8_t *data, uint32_t len);

void vg_dec_ipv4(vg_decoder *d, vg_packet *p, const uint8_t *data, uint32_t len);
void vg_dec_ipv6(vg_decoder *d, vg_packet *p, const uint8_t *data, uint32_t len);
/* L4 dispatch after IPv4/IPv6 (or a reassembled datagram). */
void vg_dec_l4(vg_decoder *d, vg_packet *p, uint8_t proto, const uint8_t *data, uint32_t len);
void vg_dec_tcp(vg_decoder *d, vg_packet *p, const uint8_t *data, uint32_t len);
void vg_dec_udp(vg_decoder *d, vg_packet *p, const uint8_t *data, uint32_t len);
void vg_dec_icmpv4(vg_decoder *d, vg_packet *p, const uint8_t *data, uint32_t len);
void vg_dec_icmpv6(vg_decoder *d, vg_packet *p, const uint8_t *data, uint32_t len);
void vg_dec_sctp(vg_decoder *d, vg_packet *p, const uint8_t *data, uint32_t len);
void vg_dec_esp(vg_decoder *d, vg_packet *p, const uint8_t *data, uint32_t len);
void vg_dec_gre(vg_decoder *d, vg_packet *p, const uint8_t *data, uint32_t len);

/* Tunnels (decode_tunnel.c). */
enum vg_tun {
    VG_TUN_IPV4 = 1, /* inner starts with an IPv4 header */
    VG_TUN_IPV6,     /* inner starts with an IPv6 header */
    VG_TUN_ETH,      /* inner starts with an Ethernet header */
    VG_TUN_ERSPAN2,  /* ERSPAN type II header, then Ethernet */
    VG_TUN_PPP,      /* inner starts with a PPP protocol field (PPTP's GRE) */
};
/* Spawn a tunnel pseudo packet for the inner bytes (copied) and decode it.
 * Returns the inner packet (already queued) or NULL when none was made.
 * `src_name` is Suricata's pkt_src string ("gre tunnel", ...). */
vg_packet *vg_dec_tunnel(vg_decoder *d, vg_packet *parent, enum vg_tun kind, const char *src_name,
                         const uint8_t *data, uint32_t len);
/* UDP payload on a tunnel port: VXLAN or Teredo; true when it was one. */
bool vg_dec_udp_tunnel(vg_decoder *d, vg_packet *p, const uint8_t *data, uint32_t len);

/* Pseudo packets (decode.c). */
vg_packet *vg_dec_pseudo_new(vg_decoder *d, vg_packet *parent, uint32_t owned_len);
bool vg_dec_enqueue(vg_decoder *d, vg_packet *pp);

/* Defragmentation (defrag.c).  The fragment p (decoded up to its IP header)
 * is stored; when it completes a datagram the reassembled pseudo packet is
 * built, decoded and queued. */
int vg_defrag_new(vg_defrag **out, const vg_conf *conf, char *errbuf);
void vg_defrag_free(vg_defrag *df);
void vg_defrag_ipv4(vg_decoder *d, vg_packet *p, const uint8_t *ip, uint32_t len);
/* frag: the fragment header; unfrag_len: bytes of ip before the fragment
 * header (IPv6 header + extension headers that go in every fragment);
 * prev_nh_off: offset in ip of the next-header byte that names the
 * fragment header. */
void vg_defrag_ipv6(vg_decoder *d, vg_packet *p, const uint8_t *ip, uint32_t len,
                    uint32_t frag_off_in_ip, uint32_t prev_nh_off);
void vg_defrag_expire(vg_defrag *df, const struct timeval *now);
void vg_defrag_stats_eve(const vg_defrag *df, vg_jb *jb);

#endif
