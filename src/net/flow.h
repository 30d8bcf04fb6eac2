/*
 * flow.h: the bidirectional flow table (public part).
 *
 * A flow is keyed on (proto, addresses, ports, vlan ids), both directions in
 * one entry; `toserver` is the direction of the first packet seen (or of the
 * SYN).  The table has a memcap with emergency eviction and per-state
 * timeouts; a flow that ends is logged (EVE `flow`) and freed.  Owned by one
 * packet thread: no locks.
 */
#ifndef VG_NET_FLOW_H
#define VG_NET_FLOW_H

#include "net/packet.h"

struct vg_tcp_session;

struct vg_flow {
    uint64_t flow_id;          /* EVE flow_id (non-zero, stable for the flow) */
    vg_addr src, dst;          /* client (toserver source) and server */
    uint16_t sp, dp;
    uint8_t proto;
    uint16_t vlan_id[3];
    uint8_t vlan_n;
    struct timeval start, last;
    uint64_t pkts_toserver, pkts_toclient;
    uint64_t bytes_toserver, bytes_toclient;
    uint32_t flags;            /* VG_FLOW_* */
    uint16_t alproto;          /* app-layer protocol detected (0 unknown) */
    struct vg_tcp_session *tcp;/* TCP state, owned (stream.h) */
    void *detect_state;        /* owned by detection; freed by vg_detect_flow_free */
    void *app_state;           /* owned by the app-layer (later) */
};

enum {
    VG_FLOW_ALERTED = 1 << 0,
    VG_FLOW_ESTABLISHED = 1 << 1,  /* seen both directions (UDP) / 3WHS (TCP) */
    VG_FLOW_TOSERVER_SEEN = 1 << 2,
    VG_FLOW_TOCLIENT_SEEN = 1 << 3,
    VG_FLOW_MIDSTREAM = 1 << 4,
    VG_FLOW_NOPAYLOAD_INSPECT = 1 << 5, /* pass / bypass */
    VG_FLOW_NOPACKET_INSPECT = 1 << 6,
    VG_FLOW_DROP = 1 << 7,             /* IPS drop of the whole flow */
    VG_FLOW_PASS = 1 << 8,             /* pass rule matched: no more inspection */
    VG_FLOW_DROP_LOGGED_TS = 1 << 9,   /* added by the engine: an EVE drop record was written */
    VG_FLOW_DROP_LOGGED_TC = 1 << 10,  /* for this direction (drop flows: start) */
    VG_FLOW_APP_DISABLED = 1 << 11,    /* no app-layer parser took the flow: raw stream
                                          inspection of ACKed data is immediate */
};

#endif
