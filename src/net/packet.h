/*
 * packet.h: one decoded packet, as every stage of vigil net sees it.
 *
 * Ownership: `raw` is borrowed from the capture source and valid until the
 * next packet is read; pseudo packets (defragmented datagrams, tunnel inner
 * packets, stream pseudo packets) own their bytes in `owned`.  All header
 * pointers point into `raw` (or `owned`) and were bounds-checked by the
 * decoder: a field is only meaningful when its presence flag is set.
 *
 * The decoder (decode.h) fills the struct; the flow table sets `flow` and the
 * direction flags; detection reads it and appends alerts; outputs read it.
 * Fields are added here (append-only, each commented) when a stage needs one.
 */
#ifndef VG_NET_PACKET_H
#define VG_NET_PACKET_H

#include <sys/time.h>

#include "core/vg.h"

typedef struct vg_flow vg_flow;

/* An IPv4 or IPv6 address; IPv4 is stored in a[0..3], the rest zero. */
typedef struct vg_addr {
    uint8_t family; /* 4 or 6, 0 = none */
    uint8_t a[16];
} vg_addr;

/* Decoder events (anomalies) raised on one packet; names in decode_events.c
 * follow Suricata's ("decoder.ipv4.trunc_pkt", ...). */
#define VG_PKT_MAX_EVENTS 8

/* Alerts queued on a packet by detection, drained by the outputs. */
#define VG_PKT_MAX_ALERTS 15

struct vg_sig;

typedef struct vg_alert {
    const struct vg_sig *sig;  /* borrowed from the rule set */
    uint32_t flags;            /* VG_ALERT_* */
    uint64_t tx_id;            /* when VG_ALERT_TX */
    /* Stream-match payload: when the match was on reassembled stream data,
     * the alert payload is that data (copied, owned by the alert). */
    uint8_t *stream_data;
    uint32_t stream_len;
} vg_alert;

enum {
    VG_ALERT_STREAM = 1 << 0,       /* matched on reassembled stream */
    VG_ALERT_TX = 1 << 1,           /* tx_id valid */
    VG_ALERT_DROP = 1 << 2,         /* action drop applied (IPS) */
    VG_ALERT_NOALERT = 1 << 3,      /* matched but not to be logged */
    VG_ALERT_FLOW_TIMEOUT = 1 << 4, /* raised at flow end (pkt_src "stream (flow timeout)") */
};

/* Where a packet came from, for EVE's pkt_src. */
enum vg_pkt_src {
    VG_PKT_SRC_WIRE = 0,      /* "wire/pcap" */
    VG_PKT_SRC_DEFRAG,        /* "defrag" */
    VG_PKT_SRC_TUNNEL,        /* "tunnel" (decoded inner packet) */
    VG_PKT_SRC_STREAM_FLOW_TIMEOUT, /* "stream (flow timeout)" */
    VG_PKT_SRC_STREAM_EOF,    /* "stream (detect eof)"? kept for completeness */
};

typedef struct vg_packet {
    /* Capture */
    struct timeval ts;
    uint64_t pcap_cnt;        /* 1-based index in the capture; 0 for pseudo packets */
    int datalink;             /* DLT_* of the outer frame */
    const uint8_t *raw;       /* whole frame as captured */
    uint32_t raw_len;
    uint8_t *owned;           /* bytes owned by a pseudo packet, freed with it */
    enum vg_pkt_src pkt_src;  /* renamed from `src`, which clashed with the address `src` below */
    struct vg_packet *root;   /* outermost packet for tunnel/defrag pseudo packets */

    /* Link layer */
    uint16_t vlan_id[3];      /* 802.1Q / QinQ, outermost first */
    uint8_t vlan_n;
    uint16_t ethertype;

    /* Network layer */
    uint8_t ipver;            /* 4, 6 or 0 */
    vg_addr src, dst;
    const uint8_t *ip;        /* start of the IP header */
    uint16_t ip_hlen;         /* IPv4 header incl. options; IPv6 40 + ext headers before L4 */
    uint32_t ip_len;          /* bytes from `ip` to the end of the datagram (trimmed to captured) */
    uint8_t proto;            /* L4 protocol number (after IPv6 extension headers) */
    uint8_t ttl;              /* IPv4 TTL or IPv6 hop limit */
    uint8_t tos;              /* IPv4 TOS or IPv6 traffic class */
    uint16_t ip_id;           /* IPv4 id; IPv6 fragment id low bits when fragmented */
    uint16_t frag_off;        /* fragment offset in 8-byte units */
    bool frag_mf;             /* more fragments */
    bool frag_df;             /* IPv4 don't fragment */
    bool frag_rb;             /* IPv4 reserved bit */
    bool is_fragment;         /* this packet is a fragment (not yet reassembled) */
    uint32_t ipopts;          /* IPv4 options seen, bitmask VG_IPOPT_* */
    uint32_t ip6_exthdrs;     /* IPv6 extension headers seen, bitmask by header type */

    /* Transport layer */
    const uint8_t *l4;        /* start of the L4 header */
    uint16_t l4_hlen;         /* TCP header incl. options, 8 for UDP, 8 for ICMP */
    uint16_t sp, dp;          /* ports (0 when the protocol has none) */
    /* TCP */
    uint32_t tcp_seq, tcp_ack;
    uint8_t tcp_flags;        /* FIN 0x01 SYN 0x02 RST 0x04 PSH 0x08 ACK 0x10 URG 0x20 ECE 0x40 CWR 0x80 */
    uint16_t tcp_win;
    uint16_t tcp_mss;         /* 0 when the option is absent */
    bool tcp_has_mss;
    uint8_t tcp_wscale;
    bool tcp_has_wscale;
    bool tcp_sackok;
    bool tcp_has_ts;
    uint32_t tcp_tsval, tcp_tsecr;
    /* ICMP (v4 and v6) */
    uint8_t icmp_type, icmp_code;
    uint16_t icmp_id, icmp_seq; /* echo / echo reply only */
    bool icmp_has_idseq;

    /* Payload (L4 payload, or L3 payload for protocols vigil does not decode) */
    const uint8_t *payload;
    uint32_t payload_len;

    /* State set by later stages */
    vg_flow *flow;            /* set by the flow table; borrowed */
    uint32_t flags;           /* VG_PKT_* */

    /* Decoder events */
    uint16_t events[VG_PKT_MAX_EVENTS];
    uint8_t nevents;

    /* Detection results */
    vg_alert alerts[VG_PKT_MAX_ALERTS];
    uint8_t nalerts;
    uint32_t alerts_dropped;  /* beyond VG_PKT_MAX_ALERTS (counted) */
    uint8_t action;           /* VG_ACTION_* taken on this packet (IPS) */

    /* Added by the decoder (see decode.h, "Pseudo packets and flows"). */
    bool wants_flow;          /* L4 header valid (or IP-in-IP outer): give it to the flow table
                                 (Suricata's PKT_WANTS_FLOW); false for fragments and bad L4 */
    uint8_t depth;            /* tunnel depth: 0 on the wire, +1 per tunnel (EVE tunnel.depth) */
    const char *pkt_src_name; /* EVE pkt_src: "wire/pcap", "gre tunnel", "defrag", ... (static) */
    uint32_t ip6_frag_id;     /* IPv6 fragment header identification (when is_fragment) */

    /* Added by the flow table: stream (TCP session) events raised on this
     * packet; names from vg_stream_event_name() (net/flow/flow_table.h). */
    uint8_t stream_events[4];
    uint8_t nstream_events;
} vg_packet;

/* Packet flags. */
enum {
    VG_PKT_TOSERVER = 1 << 0,     /* direction relative to the flow */
    VG_PKT_TOCLIENT = 1 << 1,
    VG_PKT_ESTABLISHED = 1 << 2,  /* flow established when this packet was seen */
    VG_PKT_INVALID = 1 << 3,      /* decoder gave up: no L3/L4 processing */
    VG_PKT_TUNNEL = 1 << 4,       /* carries a decoded tunnel (root of pseudo packets) */
    VG_PKT_NOPAYLOAD_INSPECT = 1 << 5,
    VG_PKT_STREAM_EST = 1 << 6,   /* TCP stream established (3WHS done) */
    VG_PKT_FIRST_IN_FLOW = 1 << 7,
    VG_PKT_IPV4_CSUM_BAD = 1 << 8,
    VG_PKT_WANT_DROP = 1 << 9,    /* an IPS verdict dropped it */
    VG_PKT_PSEUDO = 1 << 10,      /* not from the wire */
    VG_PKT_STREAM_ADD = 1 << 11,  /* added by the flow table: the TCP payload went into the
                                     reassembled stream (Suricata's PKT_STREAM_ADD: a rule that
                                     is not packet-only inspects it through the stream) */
    VG_PKT_TAGGED = 1 << 12,      /* added by detection: covered by a tag keyword's tag
                                     (logged as an EVE "packet" record) */
};

/* IPv4 option bits for `ipopts` (keyword names in brackets). */
enum {
    VG_IPOPT_RR = 1 << 0,    /* rr */
    VG_IPOPT_EOL = 1 << 1,   /* eol */
    VG_IPOPT_NOP = 1 << 2,   /* nop */
    VG_IPOPT_TS = 1 << 3,    /* ts */
    VG_IPOPT_SEC = 1 << 4,   /* sec */
    VG_IPOPT_ESEC = 1 << 5,  /* esec */
    VG_IPOPT_LSRR = 1 << 6,  /* lsrr */
    VG_IPOPT_SSRR = 1 << 7,  /* ssrr */
    VG_IPOPT_SATID = 1 << 8, /* satid */
    VG_IPOPT_ANY = 1 << 9,   /* any option at all */
};

/* Actions (rule actions and packet verdicts). */
enum {
    VG_ACTION_ALERT = 1 << 0,
    VG_ACTION_DROP = 1 << 1,
    VG_ACTION_REJECT = 1 << 2,
    VG_ACTION_PASS = 1 << 3,
};

#endif
