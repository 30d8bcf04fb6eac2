/*
 * decode.h: from captured bytes to a vg_packet.
 *
 * vg_decode() parses the link layer (Ethernet, 802.1Q/QinQ, raw IPv4/IPv6,
 * Linux SLL/SLL2, BSD null/loopback, PPP), IPv4 (options), IPv6 (extension
 * headers), TCP (options), UDP, ICMPv4/v6, SCTP, GRE, IP-in-IP, IPv6-in-IPv4,
 * VXLAN, Teredo, ERSPAN.  Every length is checked before it is read; a
 * malformed header adds a decoder event to p->events and a counter, never an
 * error.  Fragments go to the defragmenter (memcap, overlap policy); a
 * completed datagram and the inner packets of tunnels come out as pseudo
 * packets, which the caller pops after the outer packet and processes like
 * wire packets.
 *
 * One vg_decoder per packet thread (defrag state and counters): no locks.
 * Wire packets are decoded without allocation; pseudo packets are allocated.
 *
 * What a decoded packet holds (the contract with flows and detection):
 *   - p->ipver != 0: the IP header was valid (addresses, ttl, tos, proto...).
 *   - p->l4 != NULL: the L4 header was valid (ports, TCP fields, ICMP type).
 *   - p->wants_flow: give the packet to the flow table (Suricata's
 *     PKT_WANTS_FLOW): valid TCP, UDP, ICMPv4/v6, SCTP or ESP header, or the
 *     outer packet of IP-in-IP.  Never set on fragments, on a packet whose L4
 *     header was bad, or on GRE outer packets.
 *   - VG_PKT_INVALID (packet.h: the decoder gave up): no valid IP header, or
 *     the L4 header the IP header announces (TCP, UDP, ICMP, SCTP, ESP) did
 *     not decode.  Packets whose bad part did not stop decoding (a bad IPv4
 *     option before a good TCP header, an ICMP error quoting a short IP
 *     header, a VXLAN payload of unknown type) are not flagged: Suricata runs
 *     flow and detection on them.  decoder.invalid counts, as Suricata's
 *     does, every packet with one of the "invalid" events, flagged or not.
 *   - p->events: decoder events, deduplicated, at most VG_PKT_MAX_EVENTS.
 *   - VG_PKT_IPV4_CSUM_BAD: the IPv4 header checksum is wrong (not an event;
 *     Suricata checks checksums only where a keyword or the stream asks).
 *
 * Pseudo packets and flows (what Suricata does, which vigil follows):
 *   - Tunnel (GRE, ERSPAN, IP-in-IP, IPv6-in-IPv4, VXLAN, Geneve, Teredo):
 *     the inner packet is a pseudo packet, pkt_src VG_PKT_SRC_TUNNEL,
 *     pkt_src_name "gre tunnel" / "ipv4 tunnel" / "ipv6 tunnel" / "teredo
 *     tunnel" / "vxlan encapsulation" / "geneve encapsulation", root = the
 *     outermost packet, depth = parent depth + 1, datalink VG_DLT_RAW (as
 *     Suricata, even when the inner starts with Ethernet or an ERSPAN
 *     header), raw = its own copy of the bytes the tunnel header handed on
 *     (raw_len is what Suricata counts in flow bytes).
 *     The outer packet gets VG_PKT_TUNNEL | VG_PKT_NOPAYLOAD_INSPECT: run
 *     detection on it for header keywords but not payload keywords (its
 *     payload is inspected as the inner packet).  The outer keeps its own
 *     flow when wants_flow (VXLAN/Teredo outer UDP, IP-in-IP outer); the
 *     inner packet has its own flow.  Suricata keys flows with the tunnel
 *     depth as well (decoder.recursion-level.use-for-tracking, default on):
 *     use p->depth in the flow key.  EVE events of an inner packet carry a
 *     "tunnel" object from p->root (src/dest ip and ports, proto, depth,
 *     pcap_cnt, pkt_src of the root).
 *   - Fragments: the wire fragment has is_fragment set, no L4 (l4 NULL,
 *     payload NULL), no flow; detection still runs on it for IP-level
 *     keywords (fragbits, fragoffset, ttl, id, ip_proto, ipopts, sameip).
 *     When a fragment completes a datagram, the reassembled packet comes
 *     out as a pseudo packet, pkt_src VG_PKT_SRC_DEFRAG, pkt_src_name "defrag",
 *     root = that fragment (or its root), same datalink, raw = the first
 *     fragment's link header + the rebuilt IP datagram (EVE `packet`),
 *     decoded to L4: flow and full detection happen on it.
 *   - Pseudo packets have pcap_cnt 0 (use root->pcap_cnt for EVE).  They
 *     do NOT carry VG_PKT_PSEUDO, which stays the mark of the stream's
 *     flow-timeout packets (Suricata's PKT_PSEUDO_STREAM_END): reassembled
 *     and tunnelled packets are real traffic for every keyword; tell them
 *     apart by pkt_src.  Pop them all (vg_decoder_pop) before the next
 *     vg_decode(), which frees any left; each may point at its root, so
 *     keep the wire packet alive until its pseudo packets are done.
 *
 * EVE anomaly for a decoder event: {"type":"decode","event":
 * vg_decode_event_name(ev)} (Suricata writes "decoder.ipv4.trunc_pkt").
 */
#ifndef VG_NET_DECODE_H
#define VG_NET_DECODE_H

#include "core/conf.h"
#include "core/jbuf.h"
#include "net/packet.h"

/* Datalink types (libpcap's DLT_* values, as pcap_datalink() returns them). */
enum {
    VG_DLT_NULL = 0,
    VG_DLT_EN10MB = 1,
    VG_DLT_PPP = 9,
    VG_DLT_RAW = 12,
    VG_DLT_RAW_OPENBSD = 14,
    VG_DLT_PPP_SERIAL = 50,
    VG_LINKTYPE_RAW = 101,
    VG_DLT_C_HDLC = 104,
    VG_DLT_LOOP = 108,
    VG_DLT_LINUX_SLL = 113,
    VG_DLT_IPV4 = 228,
    VG_DLT_IPV6 = 229,
    VG_DLT_LINUX_SLL2 = 276,
};

/* Ethertypes the decoder knows. */
enum {
    VG_ETH_IPV4 = 0x0800,
    VG_ETH_ARP = 0x0806,
    VG_ETH_VLAN = 0x8100,
    VG_ETH_IPV6 = 0x86dd,
    VG_ETH_MPLS_UC = 0x8847,
    VG_ETH_MPLS_MC = 0x8848,
    VG_ETH_PPPOE_DISC = 0x8863,
    VG_ETH_PPPOE_SESS = 0x8864,
    VG_ETH_QINQ = 0x88a8,
    VG_ETH_8021AH = 0x88e7,
    VG_ETH_VNTAG = 0x8926,
    VG_ETH_QINQ_OLD = 0x9100,
};

/* Bits of p->ip6_exthdrs. */
enum {
    VG_IP6EH_HOP = 1 << 0,   /* hop-by-hop options */
    VG_IP6EH_RH = 1 << 1,    /* routing */
    VG_IP6EH_FH = 1 << 2,    /* fragment */
    VG_IP6EH_DST = 1 << 3,   /* destination options */
    VG_IP6EH_AH = 1 << 4,    /* authentication header */
    VG_IP6EH_OTHER = 1 << 5, /* mobility, HIP, shim6 */
};

typedef struct vg_decoder vg_decoder;

/* conf may be NULL (defaults); it supplies defrag.* settings (memcap,
 * trackers, max-frags, timeout, hash-size; vigil's defrag.policy:
 * bsd|first|last|linux, default bsd) and decoder.{vxlan,geneve,teredo}.
 * {enabled,ports} ("$VXLAN_PORTS" resolves through vars.port-groups). */
int vg_decoder_new(vg_decoder **out, const vg_conf *conf, char *errbuf) VG_WARN_UNUSED;
void vg_decoder_free(vg_decoder *d);

/* Decode one frame into p (zeroed by this call).  data is borrowed and must
 * stay valid until p and its pseudo packets are done. */
void vg_decode(vg_decoder *d, vg_packet *p, int datalink, const uint8_t *data, uint32_t len,
               const struct timeval *ts, uint64_t pcap_cnt);

/* Next pseudo packet produced by the last vg_decode() (tunnel inner packet,
 * reassembled datagram), or NULL.  The caller owns it: vg_packet_free(). */
vg_packet *vg_decoder_pop(vg_decoder *d);
void vg_packet_free(vg_packet *p);

/* Expire defrag trackers older than the timeout at time `now`. */
void vg_decoder_timeout(vg_decoder *d, const struct timeval *now);

/* Name of a decoder event as EVE `anomaly.event` shows it
 * ("decoder.ipv4.trunc_pkt"); its anomaly type is "decode". */
const char *vg_decode_event_name(uint16_t ev);
/* The same without "decoder." ("ipv4.trunc_pkt"): the decode-event keyword's
 * spelling and the key under stats decoder.event. */
const char *vg_decode_event_short(uint16_t ev);
/* Event id for a name as rules' decode-event keyword uses it, with or
 * without "decoder.", or -1. */
int vg_decode_event_lookup(const char *name);
/* Number of event ids (ids are 0 .. count-1). */
int vg_decode_event_count(void);

/* Write the decoder counters as the `decoder` object of EVE stats
 * (pkts, bytes, ipv4, ipv6, ethernet, tcp, udp, icmpv4, ... , event.*). */
void vg_decoder_stats_eve(const vg_decoder *d, vg_jb *jb);
/* The `defrag` object of EVE stats (ipv4/ipv6 fragments and reassembled,
 * tracker limits and timeouts, memuse). */
void vg_decoder_defrag_stats_eve(const vg_decoder *d, vg_jb *jb);
uint64_t vg_decoder_pkts(const vg_decoder *d);
/* One counter by its stats name ("tcp", "invalid", "event.ipv4.trunc_pkt"),
 * 0 when unknown: for tests and the engine's summaries. */
uint64_t vg_decoder_counter(const vg_decoder *d, const char *name);

/* EVE pkt_src of a packet ("wire/pcap", "defrag", "gre tunnel", ...). */
const char *vg_packet_src_name(const vg_packet *p);

#endif
