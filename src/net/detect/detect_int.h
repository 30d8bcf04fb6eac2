/*
 * detect_int.h: internals shared by the files of src/net/detect/.
 *
 * The rule set (vg_detect) is built once by vg_detect_load() and is then
 * immutable: address/port sets, interned flowbit/flowint/xbit names,
 * classification and threshold tables and the signature groups.  Mutable
 * detection state lives in two places only: per flow (vg_det_flow, hung
 * on f->detect_state: flowbits, flowint, by_flow thresholds) and per packet
 * thread (vg_det_thread: xbits and host/rule thresholds in capped hash
 * tables with expiry).  Nothing here is locked: a thread owns its flows.
 */
#ifndef VG_NET_DETECT_INT_H
#define VG_NET_DETECT_INT_H

#include <stdio.h>

#include "core/conf.h"
#include "net/detect.h"
#include "net/flow.h"
#include "net/payload.h"
#include "net/sig.h"

/* ---- range sets (addrport.c) ------------------------------------------ */

typedef unsigned __int128 vg_u128;

typedef struct vg_range {
    vg_u128 lo, hi;                 /* inclusive */
} vg_range;

typedef struct vg_rset {
    vg_range *r;                    /* sorted, disjoint, non-adjacent */
    uint32_t n, cap;
} vg_rset;

struct vg_addrset {
    vg_rset v4, v6;
    bool any;                       /* covers everything (both families) */
};

struct vg_portset {
    vg_rset r;
    bool any;
};

#define VG_VAR_DEPTH_MAX 16         /* nesting of $VARs and [lists] */

/* Parse an address / port expression ("$HOME_NET", "[1.2.3.0/24,!1.2.3.4]",
 * "any", "[80:90,!85]") resolving vars from de's conf.  Results are cached
 * by text in de and shared: the caller must not free them. */
int vg_addr_parse(vg_detect *de, const char *text, vg_addrset **out, char *errbuf);
int vg_port_parse(vg_detect *de, const char *text, vg_portset **out, char *errbuf);
bool vg_addr_match(const vg_addrset *as, const vg_addr *a);
bool vg_port_match(const vg_portset *ps, uint16_t port);
/* Parse one address without lists/vars (used by threshold.config suppress). */
int vg_addr_parse_simple(const char *text, vg_addrset *out, char *errbuf);
void vg_addrset_clear(vg_addrset *as);
void vg_addr_cache_free(vg_detect *de);
/* Ports listed by a port set when small (<= max ports), for grouping:
 * returns the count or -1 when larger. */
int vg_port_list(const vg_portset *ps, uint16_t *out, int max);

/* ---- the numeric uint syntax shared by ttl, dsize, window... (kw_uint.c) */

enum { VG_U_EQ, VG_U_LT, VG_U_GT, VG_U_LE, VG_U_GE, VG_U_RANGE, VG_U_NE, VG_U_NRANGE };

typedef struct vg_uint {
    uint8_t mode;
    uint64_t a, b;
} vg_uint;

/* "N", "<N", ">N", "<=N", ">=N", "N-M", "N<>M", "!N", "!N-M" with values
 * up to max; hex "0x.." accepted. */
int vg_uint_parse(const char *arg, uint64_t max, vg_uint *out, char *errbuf);
bool vg_uint_match(const vg_uint *u, uint64_t v);
/* The largest value u can match (max when it has no upper bound). */
uint64_t vg_uint_upper(const vg_uint *u, uint64_t max);
/* The protocol an "ip_proto:N" of s requires, or -1. */
int vg_sig_ip_proto_exact(const vg_sig *s);
/* The largest payload s's dsize lets match (65535 without dsize). */
uint32_t vg_sig_dsize_upper(const vg_sig *s);
/* Allocate a vg_uint context (for sm->ctx). */
vg_uint *vg_uint_new(const char *arg, uint64_t max, char *errbuf);

/* ---- rule parser state ---------------------------------------------- */

#define VG_RULE_MAX_LEN 65536
#define VG_RULE_MAX_OPTS 512

struct vg_rule_parser {
    vg_detect *de;                  /* rule set being built (names, vars, config) */
    const char *file;
    int line;
    uint16_t cur_buf;               /* current buffer id (sticky) */
    int cur_buf_idx;                /* index in s->bufs, -1 until used */
    bool cur_by_modifier;           /* cur_buf was chosen by a legacy content modifier
                                       (http_uri...): the next content or pcre goes
                                       back to the payload, as in Suricata */
    char *vars[VG_MAX_BYTE_VARS];
    int nvars;
    /* Per-rule bookkeeping used by detect.c when building groups. */
    int flowbits_type;              /* 0 none, 1 read, 2 set+read, 3 set */
    bool has_threshold;
    bool prio_set;                  /* priority keyword seen (beats classtype) */
};

/* ---- flowbits / flowint / xbits (kw_flowbits.c) -------------------- */

#define VG_MAX_NAMES 65536

/* Interned name id for a flowbit/flowint/xbit; -1 when the table is full. */
int vg_detect_name_id(vg_detect *de, int kind, const char *name);
enum { VG_NAME_FLOWBIT = 0, VG_NAME_FLOWINT, VG_NAME_XBIT, VG_NAME_FLOWVAR, VG_NAME_PKTVAR,
       VG_NAME_KINDS };

/* A tag (kw_tag.c): later packets of a flow or a host being tagged. */
enum { VG_TAG_PACKETS = 0, VG_TAG_BYTES, VG_TAG_SECONDS };
typedef struct vg_tag {
    bool active;
    bool skip_first;                /* the next packet seen is the one that matched */
    uint8_t metric;                 /* VG_TAG_* */
    uint32_t left;                  /* packets or bytes left; seconds: the duration */
    int64_t start;                  /* packet second the tag started */
} vg_tag;

#define VG_TAG_HOSTS 256            /* host tags per thread (oldest replaced beyond) */
typedef struct vg_host_tag {
    vg_addr addr;
    vg_tag tag;
} vg_host_tag;

/* Tag p (VG_PKT_TAGGED) when a session or host tag covers it; advances the
 * tags' counters.  Once per packet, after its detection. */
void vg_tag_packet(vg_det_thread *dt, vg_packet *p);

/* Per-flow detection state. */
typedef struct vg_thr_entry vg_thr_entry;
typedef struct vg_det_flow {
    uint32_t nbits;                 /* flowbits capacity (bits) */
    uint64_t *bits;
    uint32_t nints;
    int64_t *ints;
    uint64_t *ints_set;             /* bitmap of which flowints are set */
    vg_thr_entry *thr;              /* by_flow threshold entries (list) */
    uint32_t nthr;
    uint8_t iponly_done;            /* 1: toserver, 2: toclient inspected by ip-only sigs */
    uint8_t seq_seen;               /* stream_size: 1 toserver, 2 toclient tracked */
    uint32_t isn[2], next_seq[2];   /* stream_size: [0] client (toserver), [1] server */
    const vg_detect *de;            /* the rule set whose names the bits/ints index */
    vg_tag tag;                     /* session tag (tag:session) */
    struct vg_varstore *vars;       /* flow and packet variables (kw_vars.c); they live in
                                       the `ints` allocation, freed with it */
} vg_det_flow;

vg_det_flow *vg_det_flow_get(const vg_match_ctx *mc); /* NULL without a flow */

/* ---- flow and packet variables (kw_vars.c) ------------------------------ */

#define VG_VARS_MAX 16              /* variables per flow (flow and packet ones) */
#define VG_VARS_BYTES 16384         /* bytes of names and values per flow */

/* df's `ints` allocation holds the flowints followed by the variable store
 * (so that freeing the flow state frees both); make sure it exists with at
 * least the ints.  false on allocation failure. */
bool vg_det_ints_block(vg_det_flow *df);
/* metadata.flowvars / metadata.pktvars of df (pktvars only when they were
 * set on packet p) as keys of jb's open object. */
void vg_vars_eve(const vg_det_flow *df, const vg_packet *p, bool flowvars, bool pktvars,
                 vg_jb *jb);
bool vg_vars_have(const vg_det_flow *df, const vg_packet *p, bool *flowvars, bool *pktvars);

/* ---- thresholds (kw_threshold.c, threshold_conf.c) ---------------------- */

enum { VG_THR_THRESHOLD = 1, VG_THR_LIMIT, VG_THR_BOTH, VG_THR_DETECTION_FILTER,
       VG_THR_RATE_FILTER, VG_THR_BACKOFF };
enum { VG_TRACK_NONE = 0, VG_TRACK_SRC, VG_TRACK_DST, VG_TRACK_RULE, VG_TRACK_BOTH,
       VG_TRACK_FLOW, VG_TRACK_EITHER };

typedef struct vg_threshold {
    uint8_t type;                   /* VG_THR_* */
    uint8_t track;                  /* VG_TRACK_* */
    uint32_t count;
    uint32_t seconds;
    uint8_t new_action;             /* rate_filter */
    uint32_t timeout;               /* rate_filter */
    uint32_t multiplier;            /* backoff */
} vg_threshold;

/* A suppress entry from threshold.config. */
typedef struct vg_suppress {
    uint32_t gid, sid;              /* sid 0: all */
    uint8_t track;                  /* NONE (all), SRC, DST, EITHER */
    vg_addrset addrs;
} vg_suppress;

/* A threshold from threshold.config applying to gid:sid (sid 0 = all). */
typedef struct vg_thr_conf {
    uint32_t gid, sid;
    vg_threshold t;
} vg_thr_conf;

int vg_threshold_conf_load(vg_detect *de, const char *path, char *errbuf);
/* 1: alert may be emitted; 0: suppressed by threshold/suppress.
 * new_action: a rate_filter's replacement action (VG_ACTION_*), else 0. */
int vg_threshold_check(vg_det_thread *dt, vg_packet *p, const vg_sig *s, uint8_t *new_action);
/* Thread tables. */
typedef struct vg_thr_table vg_thr_table;
vg_thr_table *vg_thr_table_new(uint32_t cap);
void vg_thr_table_free(vg_thr_table *t);

/* ---- xbits thread table ---------------------------------------------- */
typedef struct vg_xbit_table vg_xbit_table;
vg_xbit_table *vg_xbit_table_new(uint32_t cap);
void vg_xbit_table_free(vg_xbit_table *t);

/* ---- classification and reference config (classification.c) ---------- */

typedef struct vg_class {
    char *name, *desc;
    int prio;
} vg_class;

typedef struct vg_refconf {
    char *name, *url;
} vg_refconf;

int vg_class_load_file(vg_detect *de, const char *path, char *errbuf);
int vg_class_load_builtin(vg_detect *de);
int vg_refconf_load_file(vg_detect *de, const char *path, char *errbuf);
const vg_class *vg_class_find(const vg_detect *de, const char *name);
const vg_refconf *vg_refconf_find(const vg_detect *de, const char *name);
/* Parse classification text (for tests and the built-in copy). */
int vg_class_load_text(vg_detect *de, const char *text, const char *name, char *errbuf);

/* ---- signature groups (detect.c) ------------------------------------ */

/* Database slots of a group: one per packet-level buffer, and the payload
 * patterns of the sigs that need the packet itself. */
#define VG_MPM_PKT VG_BUF_APP_FIRST              /* + VG_PKT_ANY, _SMALL or _PREFIX */
#define VG_MPM_SLOTS (VG_BUF_APP_FIRST + 3)
enum { VG_PKT_ANY, VG_PKT_SMALL, VG_PKT_PREFIX, VG_PKT_KINDS };

typedef struct vg_sgroup {
    vg_sig **sigs;                  /* sorted by sig id (evaluation order) */
    uint32_t nsigs;
    vg_sig **always;                /* sigs without a fast pattern in a prefiltered buffer */
    uint32_t nalways;
    vg_sig **always_app;            /* the same, for sigs that need app-layer state,
                                       ordered by alproto (0 first) for range lookups */
    uint32_t nalways_app;
    /* app sigs whose fast pattern is in an app buffer: a bitmap by sig id;
     * they become candidates through the app prefilter's hits only */
    uint64_t *app_pf_bits;
    bool has_app_pf;
    /* (a packet-only group of vg_bucket.pk_*) sigs that need the packet (not
     * the stream) with their fast pattern in the payload: a stream-added TCP
     * packet is scanned with their own databases (slots VG_MPM_PKT + k)
     * only, as the others read it in a chunk.  [VG_PKT_SMALL]: their dsize bounds the payload to pkt_max[k]
     * bytes (longer packets are not scanned); [VG_PKT_PREFIX]: their fast
     * pattern ends within the first pkt_max[k] bytes (only those are) */
    vg_sig **pkt_sigs[VG_PKT_KINDS];
    uint32_t npkt_sigs[VG_PKT_KINDS];
    vg_sig **pkt_shadows;           /* owned copies in pkt_sigs[]: an anchored content
                                       as their prefilter pattern (pkt_sig_add) */
    uint32_t npkt_shadows;
    uint32_t pkt_max[VG_PKT_KINDS];
    struct vg_mpm *mpm[VG_MPM_SLOTS]; /* per packet-level buffer, NULL if none */
    uint32_t mpm_idx[VG_MPM_SLOTS];   /* index in vg_detect.mpms (thread scratch) */
    bool want_mpm[VG_MPM_SLOTS];      /* a database is to be compiled */
} vg_sgroup;

/* Sigs per port: sigs[off[port] .. off[port + 1]) (off NULL: none). */
typedef struct vg_port_sigs {
    uint32_t *off;
    vg_sig **sigs;
} vg_port_sigs;

/* A bucket: one IP protocol (or "other") and one direction. */
typedef struct vg_bucket {
    vg_sgroup *any;                 /* sigs with broad port conditions */
    uint16_t *port_group;           /* 65536 indexes into groups (0 = none), or NULL */
    vg_sgroup **groups;             /* port-specific groups, [0] unused */
    uint32_t ngroups;
    /* sigs without any prefilter, candidates only on their ports:
     * by_dp, those of ports too small for a group of their own (the sigs
     * with patterns join the any group); by_sp, those with any destination
     * port but a few source ports (a server's answers) */
    vg_port_sigs by_dp, by_sp;
    /* TCP: the sigs that need the packet, for stream-added packets, by
     * server-side port (the destination port to the server, the source
     * port to the client): pk_groups[pk_port[port]], else pk_any (which
     * each port's group includes); packet-only groups (VG_MPM_PKT slots) */
    vg_sgroup *pk_any;
    uint16_t *pk_port;
    vg_sgroup **pk_groups;
    uint32_t npk_groups;
} vg_bucket;

enum { VG_PB_TCP = 0, VG_PB_UDP, VG_PB_ICMP, VG_PB_ICMPV6, VG_PB_SCTP, VG_PB_OTHER, VG_PB_MAX };

/* name-intern table */
typedef struct vg_names {
    char **v;
    uint32_t n, cap;
    uint32_t *hash;                 /* open addressing: id+1, 0 empty */
    uint32_t hcap;
} vg_names;

typedef struct vg_cache_ent vg_cache_ent;

struct vg_detect {
    vg_detect_stats stats;
    const vg_conf *conf;            /* borrowed during load only */
    bool errors_fatal;
    vg_sig **sigs;                  /* evaluation order; sig->id is the index */
    uint32_t nsigs, capsigs;
    vg_names names[VG_NAME_KINDS];
    vg_class *classes;
    uint32_t nclasses;
    vg_refconf *refs;
    uint32_t nrefs;
    vg_thr_conf *thr_conf;
    uint32_t nthr_conf;
    vg_suppress *suppress;
    uint32_t nsuppress;
    uint8_t action_rank[8];         /* by action bit index: order from action-order */
    /* address/port set cache */
    vg_cache_ent **cache;
    uint32_t cache_cap, cache_n;
    /* groups */
    vg_bucket buckets[VG_PB_MAX][2];/* [proto][0 toserver, 1 toclient] */
    vg_sgroup *iponly;              /* ip-only sigs (any protocol) */
    vg_sgroup **all_groups;         /* every group, for freeing */
    uint32_t nall_groups, cap_all_groups;
    uint32_t max_candidates;
    bool track_seq;                 /* some sig uses stream_size */
    uint16_t al_http, al_http1, al_http2, al_failed; /* app-layer ids used per packet */
    const vg_threshold **sig_thr;   /* per sig id: threshold/detection_filter or NULL */
    /* gid:sid -> index in sigs (open addressing, key 0 = empty) */
    uint64_t *sidkey;
    uint32_t *sididx;
    uint32_t sidcap;
    vg_sig **iponly_sigs;           /* ip-only sigs, evaluation order */
    uint32_t niponly;
    /* IPv4 index of ip-only sigs by their narrower address side: sorted
     * interval starts and, per interval, the sig ids covering it (CSR);
     * [0] by source, [1] by destination.  Sigs with no narrow side are in
     * iponly_rest and are candidates for every packet. */
    struct vg_ipidx {
        uint32_t *start;
        uint32_t nstart;
        uint32_t *off;              /* nstart + 1 offsets into ids */
        uint32_t *ids;
    } ipidx[2];
    vg_sig **iponly_rest;
    uint32_t niponly_rest;
    vg_sig **event_sigs;            /* sigs with decode-event/stream-event (invalid packets) */
    uint32_t nevent;
    struct vg_mpm **mpms;           /* every prefilter database (thread scratch index) */
    uint32_t nmpms, capmpms;
    /* unsupported keyword counts, for the report */
    struct vg_fail_reason { char *reason; uint32_t count; } *fail_reasons;
    uint32_t nfail_reasons, cap_fail_reasons;
};

/* Per-sig extra data computed at load (not in sig.h): kept in a side array
 * indexed by sig id. */

#define VG_MATCHED_MAX 1024

/* A match waiting to become an alert (per packet, in the thread). */
#define VG_MAX_PENDING 256
typedef struct vg_pending {
    const vg_sig *s;
    uint32_t flags;                 /* VG_ALERT_* */
    const vg_stream_chunk *chunk;   /* set when matched on stream data */
    uint64_t tx_id;                 /* app-layer transaction (flags has VG_ALERT_TX) */
} vg_pending;

struct vg_det_thread {
    const vg_detect *de;
    struct vg_mpm_scratch **scratch;/* per vg_detect.mpms entry */
    uint64_t *cbits;                /* candidate sig ids as a bitmap (iterated in order) */
    uint32_t cwords;                /* words in cbits */
    uint64_t *csum;                 /* a bit per non-zero word of cbits */
    uint64_t *mbits;                /* sigs that matched the current packet (any pass) */
    uint32_t *mlist;                /* their ids, to clear mbits; VG_MATCHED_MAX */
    uint32_t mn;
    bool moverflow;                 /* mlist overflowed: clear mbits whole */
    vg_thr_table *thr;
    vg_xbit_table *xbits;
    vg_host_tag host_tags[VG_TAG_HOSTS]; /* tag:host entries, [0, nhost_tags) in use */
    uint32_t nhost_tags;
    uint64_t host_tags_replaced;    /* entries reused while still active (table full) */
    vg_inspect_ctx ic;
    vg_pending pend[VG_MAX_PENDING];
    uint32_t npend;
    uint32_t pend_dropped;
    uint64_t alerts_total;
    uint64_t vars_capped;           /* captures not stored: variable, size or memory cap */
    struct vg_app_tx *app_tx;       /* app-layer hook: transaction being inspected, or NULL */
    void *app_pf;                   /* app-layer hook: its prefilter state, freed with the thread */
    uint64_t *app_union;            /* app prefilter hits of this packet's transactions (cwords),
                                       zero again once the packet is done */
    uint32_t *app_ulist;            /* the same hits as a list of sig ids */
    uint32_t app_ulen;
    bool app_union_done, app_union_ok;
};

/* ---- rule parsing (rule_parse.c) ------------------------------------ */

/* Split s in place at commas into trimmed fields (f[0..]); returns their
 * count, or -1 when there are more than max (keyword arguments). */
int vg_rule_split(char *s, char **f, int max);

/* Parse one rule text (no trailing newline) into *out.  On error fill
 * errbuf with the reason (no file:line prefix) and return VG_EINVAL
 * (syntax), VG_ENOTSUP (unknown/unsupported keyword) or VG_ENOMEM. */
int vg_rule_parse(vg_detect *de, const char *text, const char *file, int line, vg_sig **out,
                  int *flowbits_type, char *errbuf);
void vg_sig_free(vg_sig *s);
/* Read a rules file and add its sigs to de; counts loaded/failed. */
int vg_rule_load_file(vg_detect *de, const char *path, char *errbuf);
/* Add a parsed sig (takes it; frees it on error, e.g. duplicate sid). */
int vg_detect_add_sig(vg_detect *de, vg_sig *s, int flowbits_type, char *errbuf);
/* Parse and add one rule (tests, fuzzing); VG_OK if loaded. */
int vg_detect_add_rule(vg_detect *de, const char *text, char *errbuf);
/* Create an empty rule set with conf (borrowed until vg_detect_build()). */
int vg_detect_new(vg_detect **out, const vg_conf *conf);
/* Order sigs, build groups and prefilter databases. */
int vg_detect_build(vg_detect *de, char *errbuf);
/* Find a loaded sig by sid (tests). */
const vg_sig *vg_detect_sig_by_sid(const vg_detect *de, uint32_t sid);

/* Rebuild the gid:sid index after the sigs were reordered (detect.c). */
void vg_detect_reindex(vg_detect *de);

/* Groups (sgroup.c). */
void vg_sgroup_free(vg_sgroup *g);
int vg_bucket_of_proto(uint8_t proto); /* VG_PB_* */

/* IP-only sig index (iponly.c). */
int vg_iponly_build(vg_detect *de);
void vg_iponly_free(vg_detect *de);
/* Calls add(arg, id) for every ip-only sig that may match p (a superset). */
void vg_iponly_candidates(const vg_detect *de, const vg_packet *p,
                          void (*add)(void *arg, uint32_t sig_id), void *arg);

/* App-layer protocol names in rule headers and app-layer-protocol. */
int vg_alproto_lookup(const char *name);
const char *vg_alproto_name(int id);

/* Per-sig flags detect uses (stored in vg_sig.flags above the public bits). */
enum {
    VG_SIGX_MATCH_TX = 1u << 22,       /* a packet-level match keyword reads the transaction */
    VG_SIGX_APP_TX = 1u << 23,         /* evaluated per transaction (vg_app_sig_has_tx) */
    VG_SIGX_REQUIRE_PACKET = 1u << 24, /* dsize, tcp-pkt, flow:no_stream */
    VG_SIGX_SET_FB = 1u << 25,
    VG_SIGX_HAS_THRESHOLD = 1u << 26,
    VG_SIGX_NEED_EVENTS = 1u << 27,
    VG_SIGX_IPV4 = 1u << 28,          /* header ipv4 */
    VG_SIGX_IPV6 = 1u << 29,          /* header ipv6 */
    VG_SIGX_CONFIG = 1u << 30,        /* action "config" */
    VG_SIGX_STREAM_SIZE = 1u << 31,   /* uses stream_size: the flow's sequence space is tracked */
};

/* The threshold attached to a sig by threshold/detection_filter keywords. */
typedef struct vg_sig_thr {
    vg_threshold t;
} vg_sig_thr;

/* Keyword declared in keyword files. */
extern const vg_keyword *const vg_detect_keywords[];

/* Record a failure reason (for the load report). */
void vg_detect_note_failure(vg_detect *de, const char *reason);

#endif
