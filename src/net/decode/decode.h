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
 */
#ifndef VG_NET_DECODE_H
#define VG_NET_DECODE_H

#include "core/conf.h"
#include "core/jbuf.h"
#include "net/packet.h"

typedef struct vg_decoder vg_decoder;

/* conf may be NULL (defaults); it supplies defrag.* settings. */
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
 * ("ipv4.trunc_pkt", ...), and its layer ("decode"). */
const char *vg_decode_event_name(uint16_t ev);
/* Event id for a name as rules' decode-event keyword uses it, or -1. */
int vg_decode_event_lookup(const char *name);

/* Write the decoder counters as the `decoder` object of EVE stats
 * (pkts, bytes, ipv4, ipv6, ethernet, tcp, udp, icmpv4, ... , event.*). */
void vg_decoder_stats_eve(const vg_decoder *d, vg_jb *jb);
uint64_t vg_decoder_pkts(const vg_decoder *d);

#endif
