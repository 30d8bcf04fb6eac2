/*
 * flow_int.h: internals shared by the flow table (flow_table.c), TCP session
 * tracking (tcp_session.c), reassembly (stream_reasm.c) and the EVE writers
 * (flow_eve.c).  Not for use outside src/net/flow.
 *
 * Invariants:
 *  - A flow node lives in exactly one place: the hash (and then in exactly
 *    one timeout list), or the pending list (ended, waiting for the end
 *    callback), or the spare pool.
 *  - Stream offsets are 64-bit and start at 0 with the first byte after the
 *    SYN; sequence numbers are mapped to offsets relative to base_seq.
 *  - A stream buffer holds bytes [buf_off, buf_off + buf_cap); everything
 *    below buf_off has been inspected and released.  Segment records say
 *    which parts of it hold data (the rest are gaps).
 */
#ifndef VG_NET_FLOW_INT_H
#define VG_NET_FLOW_INT_H

#include "net/flow/flow_table.h"

/* Stream event ids (STEV_*), in the order of stream_events.def. */
enum {
#define EV(id, name) id,
#include "net/flow/stream_events.def"
#undef EV
    STEV_COUNT
};

/* TCP states, in Suricata's order (comparisons like "> TIME_WAIT" rely on it). */
enum {
    TCPS_NONE = 0,
    TCPS_SYN_SENT,
    TCPS_SYN_RECV,
    TCPS_ESTABLISHED,
    TCPS_FIN_WAIT1,
    TCPS_FIN_WAIT2,
    TCPS_TIME_WAIT,
    TCPS_LAST_ACK,
    TCPS_CLOSE_WAIT,
    TCPS_CLOSING,
    TCPS_CLOSED,
};

/* Flow states (EVE flow.state). */
enum { FST_NEW = 0, FST_ESTABLISHED, FST_CLOSED, FST_BYPASSED, FST_COUNT };

/* Overlap policies (stream reassembly, host-os-policy). */
enum {
    POL_BSD = 0, POL_BSD_RIGHT, POL_OLD_LINUX, POL_LINUX, POL_OLD_SOLARIS, POL_SOLARIS,
    POL_HPUX10, POL_HPUX11, POL_IRIX, POL_MACOS, POL_WINDOWS, POL_VISTA, POL_WINDOWS2K3,
    POL_FIRST, POL_LAST,
};

/* Exception policies. */
enum {
    EXC_IGNORE = 0, EXC_DROP_PACKET, EXC_DROP_FLOW, EXC_REJECT, EXC_BYPASS, EXC_PASS_PACKET,
    EXC_PASS_FLOW, EXC_AUTO,
};

/* Exception policy targets recorded on a flow (EVE flow.exception_policy). */
enum { EXT_MIDSTREAM = 1 << 0, EXT_FLOW_MEMCAP = 1 << 1, EXT_STREAM_MEMCAP = 1 << 2,
       EXT_REASSEMBLY_MEMCAP = 1 << 3 };

/* One stored segment: which stream bytes hold data and where the sender's
 * segment boundaries were (the overlap policy needs them). */
typedef struct seg_rec {
    uint64_t off;
    uint32_t len;
} seg_rec;

/* One direction of a TCP session (data sent by one side). */
typedef struct tcp_stream {
    uint32_t isn;            /* initial sequence number */
    uint32_t base_seq;       /* sequence number of stream offset 0 (isn + 1) */
    uint32_t next_seq;       /* next expected sequence number from this sender */
    uint32_t last_ack;       /* highest valid ACK from the receiver */
    uint32_t next_win;       /* right edge of the receiver's window */
    uint32_t window;         /* receiver's window (scaled) */
    uint8_t wscale;          /* window scale announced by this sender */
    uint8_t tcp_flags;       /* OR of flags of packets from this sender */
    bool ack_seen;           /* last_ack valid */
    bool fin_sent;
    uint32_t fin_seq;        /* sequence number of the FIN */
    uint16_t flags;          /* STF_* */
    uint8_t policy;          /* overlap policy (POL_*) for data to this receiver */
    uint8_t max_regions;     /* most data regions seen at once (EVE ts/tc_max_regions) */

    /* Reassembly */
    uint8_t *buf;
    uint32_t buf_cap;
    uint64_t buf_off;        /* stream offset of buf[0] */
    uint64_t raw_progress;   /* stream offset up to which raw data was inspected */
    uint64_t right_edge;     /* highest stream offset + 1 holding data */
    seg_rec *segs;           /* sorted by off; may overlap */
    uint32_t nsegs, segs_cap;
} tcp_stream;

enum {
    STF_DEPTH_REACHED = 1 << 0,  /* stream.reassembly.depth hit: no more data stored */
    STF_HAS_GAP = 1 << 1,        /* a gap was skipped (EVE ts_gap / tc_gap) */
    STF_TRIGGER_RAW = 1 << 2,    /* inspect now regardless of chunk size */
    STF_NOREASSEMBLY = 1 << 3,   /* stop storing data */
    STF_TFO = 1 << 4,            /* data on SYN */
    STF_DROP_PENDING = 1 << 5,   /* all inspected, no more data: free the buffer next packet */
};

struct vg_tcp_session {
    uint8_t state;
    uint8_t tcp_flags;        /* OR of all packets' flags */
    uint16_t flags;           /* SSF_* */
    tcp_stream client, server;
};

enum {
    SSF_MIDSTREAM = 1 << 0,
    SSF_MIDSTREAM_SYNACK = 1 << 1,
    SSF_4WHS = 1 << 2,
    SSF_CLOSED_BY_RST = 1 << 3,
    SSF_SERVER_FIN_FIRST = 1 << 4,
    SSF_TFO = 1 << 5,
};

/* The hash key: both directions normalised so the lower (addr, port) is
 * first.  Fixed size, zero padded, compared with memcmp. */
typedef struct flow_key {
    uint8_t a[16], b[16];
    uint16_t pa, pb;
    uint16_t vlan[3];
    uint8_t proto;
    uint8_t family;
    uint8_t depth;
    uint8_t pad[3];
} flow_key;

typedef struct fnode fnode;
struct fnode {
    vg_flow f;                /* public part; first so a vg_flow* is an fnode* */
    fnode *hnext;             /* hash chain */
    fnode *prev, *next;       /* timeout list (or pending / spare list) */
    flow_key key;
    uint32_t hash;
    int64_t qsec;             /* second of f.last when queued: lists are ordered by it */
    uint8_t tlist;            /* timeout list index */
    uint8_t state;            /* FST_* */
    uint8_t exc_targets;      /* EXT_* applied */
    uint8_t exc_policy[4];    /* policy applied per target bit index */
    bool emergency;           /* ended during emergency mode */
    bool in_hash;
    bool log_exc;             /* write flow.exception_policy (output option) */
    uint8_t icmp_type, icmp_code, resp_icmp_type, resp_icmp_code;
    bool has_icmp, has_resp_icmp;
    vg_flow_end end_reason;
    struct timeval end_ts;    /* when it ended (EVE timestamp of the flow record) */
    struct vg_tcp_session ssn_storage; /* f.tcp points here for TCP flows with a session */
};

/* Configuration, resolved once. */
typedef struct flow_cfg {
    uint64_t flow_memcap;
    uint32_t hash_size;
    uint32_t emergency_recovery;      /* percent */
    /* timeouts[proto class][state]: new, established, closed; and emergency */
    uint32_t tmo[4][4], etmo[4][4];  /* [class][new, established, closed, bypassed] */
    bool midstream;
    bool async_oneside;
    uint8_t midstream_policy;
    uint8_t flow_memcap_policy;
    uint8_t stream_memcap_policy;
    uint8_t reasm_memcap_policy;
    uint64_t stream_memcap;
    uint64_t reasm_memcap;
    uint64_t depth;                   /* 0 = unlimited */
    uint32_t chunk_ts, chunk_tc;
    uint8_t default_policy;           /* overlap policy */
    struct host_pol {                 /* host-os-policy entries (longest prefix wins) */
        uint8_t family, bits, policy;
        uint8_t a[16];
    } *hostpol;
    uint32_t nhostpol;
    bool vlan_tracking;
    bool log_exception_policy;        /* outputs.eve-log.types.flow.exception-policy */
    bool ips;
    bool raw;                         /* stream.reassembly.raw: raw stream inspection */
    uint8_t csum_mode;                /* 0 off, 1 on, 2 auto (off after a bad sample) */
    bool bypass_on_depth;             /* stream.bypass: bypass the flow at depth */
    uint8_t inline_conf;              /* stream.inline: 0 no, 1 yes, 2 auto (= ips) */
    bool inline_mode;                 /* resolved: raw inspection of each packet in context */
} flow_cfg;

typedef struct flow_stats {
    uint64_t total, tcp, udp, icmpv4, icmpv6;
    uint64_t memcap_drop, emerg_entered, emerg_over, tcp_reuse, get_used;
    uint64_t end_state[FST_COUNT];
    uint64_t end_tcp_state[TCPS_CLOSED + 1];
    uint64_t mgr_timeout, wrk_evicted;
    /* tcp */
    uint64_t sessions, ssn_memcap_drop, midstream_pickups, syn, synack, rst;
    uint64_t segment_memcap_drop, depth_reached, reasm_gap, overlap, overlap_diff;
    uint64_t insert_list_fail, pseudo;
    uint64_t invalid_checksum, csum_checked, ack_unseen_data;
} flow_stats;

#define NTLISTS 16 /* 4 protocol classes x 4 states (new, established, closed, bypassed) */
#define PENDING_MAX 4096
#define BPOOL_CLASSES 11
#define BPOOL_MAX_BYTES (32u << 20)

struct vg_flow_table {
    flow_cfg cfg;
    fnode **buckets;
    uint32_t mask;
    fnode *lhead[NTLISTS], *ltail[NTLISTS];
    fnode *pend_head, *pend_tail;     /* ended flows awaiting the callback */
    uint64_t npending;
    vg_flow_end_cb last_cb;           /* from the last expire() call, for emergencies */
    void *last_cb_arg;
    fnode *spare;                     /* recycled nodes */
    uint32_t nspare;
    uint64_t active;                  /* flows in the hash */
    uint64_t flow_memuse;
    uint64_t tcp_memuse;              /* sessions */
    uint64_t reasm_memuse;            /* stream buffers and segment arrays */
    bool emergency;
    uint64_t id_counter;
    struct timeval last_ts;           /* newest packet time seen */
    flow_stats st;
    /* recycled stream buffers (size classes 2 KiB << k) and segment arrays */
    void *bpool[BPOOL_CLASSES];
    uint64_t bpool_bytes;
    void *segpool;
    uint32_t nsegpool;
    /* streams fully inspected by the last stream() call, whose buffers go
     * back to the pool at the next entry into the table (the chunks handed
     * out point into them until then) */
    tcp_stream *dropq[8];
    uint32_t ndropq;
    /* scratch for the gap-marked log payload of chunks */
    uint8_t *logbuf[2];
    uint32_t logcap[2];
};

/* flow_table.c: overlap policy for data sent to `a` (host-os-policy). */
uint8_t vg_flow_host_policy(const vg_flow_table *ft, const vg_addr *a);

/* tcp_session.c */
void vg_tcp_track(vg_flow_table *ft, fnode *n, vg_packet *p, bool *swap);
void vg_tcp_session_release(vg_flow_table *ft, struct vg_tcp_session *s);
const char *vg_tcp_state_name(uint8_t st);
void vg_tcp_set_event(vg_packet *p, int ev);

/* stream_reasm.c */
void vg_reasm_insert(vg_flow_table *ft, struct vg_tcp_session *s, tcp_stream *st, vg_packet *p,
                     uint32_t seq, const uint8_t *data, uint32_t len);
/* Fill chunks for stream st: from raw_progress up to `re` (acked right edge)
 * or everything when eof; advances raw_progress. */
int vg_reasm_raw(vg_flow_table *ft, struct vg_tcp_session *s, tcp_stream *st, bool toserver,
                 bool eof, vg_stream_chunk *chunks, int max, int logslot);
/* Inline (IPS) raw inspection: the block around p's data, cut to the
 * chunk size as Suricata does. */
int vg_reasm_raw_inline(vg_flow_table *ft, tcp_stream *st, const vg_packet *p, bool toserver,
                        vg_stream_chunk *chunks);
bool vg_reasm_raw_ready(const vg_flow_table *ft, const struct vg_tcp_session *s,
                        const tcp_stream *st, bool toserver);
void vg_reasm_free(vg_flow_table *ft, tcp_stream *st);
void vg_reasm_pool_free(vg_flow_table *ft);
/* Give back the buffer of a fully inspected stream (STF_DROP_PENDING). */
void vg_reasm_trim(vg_flow_table *ft, tcp_stream *st);
/* A stream whose sender is done (FIN sent, depth reached, session closed)
 * and whose data were all inspected gives its buffer and segment array
 * back now instead of at flow end.  Called at entry into the table (the
 * last packet's chunks are dead); IDS only (inline chunks reach back
 * before the raw progress). */
void vg_reasm_settle(vg_flow_table *ft, const struct vg_tcp_session *s, tcp_stream *st);
/* Run the deferred buffer returns (at each entry into the table). */
void vg_reasm_dropq_run(vg_flow_table *ft);
uint64_t vg_reasm_acked_edge(const tcp_stream *st);

/* flow_table.c */
void vg_flow_swap_dir(fnode *n);
void vg_flow_set_state(vg_flow_table *ft, fnode *n, uint8_t state);
void vg_flow_apply_exception(vg_flow_table *ft, fnode *n, vg_packet *p, int target_bit,
                             uint8_t policy);

/* Sequence number comparisons (mod 2^32). */
#define SEQ_LT(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) < 0)
#define SEQ_LEQ(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) <= 0)
#define SEQ_GT(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) > 0)
#define SEQ_GEQ(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) >= 0)

#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_PSH 0x08
#define TH_ACK 0x10
#define TH_URG 0x20
#define TH_ECE 0x40
#define TH_CWR 0x80

#endif
