/*
 * sig.h: a loaded signature and the keyword plug-in interface.
 *
 * A rule is parsed (rule_parse.c) into a vg_sig: header (action, protocol,
 * addresses, ports, direction) plus option keywords.  Each keyword is one
 * const vg_keyword in the table of keyword.c; its setup() parses the option
 * argument and appends a vg_sm (signature match) to one of the sig's lists:
 *
 *   - VG_LIST_MATCH:     packet/flow conditions (ttl, flags, flow, flowbits isset...)
 *                        evaluated by kw->match() in list order;
 *   - VG_LIST_POSTMATCH: side effects run only when the whole sig matched
 *                        (flowbits set, flowint, xbits, tag...);
 *   - a buffer list:     payload keywords (content, pcre, byte_*, isdataat,
 *                        base64_*, bsize...) inspected over one buffer by the
 *                        payload inspection engine (payload.h).  `buf` on the
 *                        sig's list names which buffer; VG_BUF_PAYLOAD is the
 *                        packet payload or reassembled stream; header buffers
 *                        (ipv4.hdr...) and, later, app-layer sticky buffers
 *                        (http.uri...) get their own ids.
 *
 * Ownership: the rule set owns every vg_sig and its lists; kw->free(ctx)
 * frees a keyword's context when the rule set is freed.
 */
#ifndef VG_NET_SIG_H
#define VG_NET_SIG_H

#include "core/vg.h"
#include "net/packet.h"

typedef struct vg_sig vg_sig;
typedef struct vg_sm vg_sm;
typedef struct vg_keyword vg_keyword;
typedef struct vg_rule_parser vg_rule_parser;
typedef struct vg_det_thread vg_det_thread;

/* Buffer ids.  Payload-type keywords apply to the "current" buffer, set by
 * sticky buffer keywords; the default is VG_BUF_PAYLOAD. */
enum vg_buf_id {
    VG_BUF_PAYLOAD = 0,   /* packet payload; for stream sigs the reassembled stream */
    VG_BUF_IPV4_HDR,
    VG_BUF_IPV6_HDR,
    VG_BUF_TCP_HDR,
    VG_BUF_UDP_HDR,
    VG_BUF_ICMPV4_HDR,
    VG_BUF_ICMPV6_HDR,
    VG_BUF_BASE64_DATA,   /* output of base64_decode, inspected after the payload list */
    VG_BUF_APP_FIRST,     /* app-layer sticky buffers (http.uri, dns.query...) from here */
    VG_BUF_MAX = 96,      /* 64 + room for the ICS buffers (ICS hook) */
};

enum vg_list_id {
    VG_LIST_MATCH = 0,
    VG_LIST_POSTMATCH,
    VG_LIST_BUF,          /* payload-type lists live in vg_sig.bufs[] */
};

/* One keyword instance in a rule. */
struct vg_sm {
    const vg_keyword *kw;
    void *ctx;            /* keyword-specific, owned; freed by kw->free */
    vg_sm *next;
    vg_sm *prev;
};

/* A payload-type list: the keywords that apply to one buffer, in rule order. */
typedef struct vg_sig_buf {
    uint16_t id;          /* enum vg_buf_id or an app-layer buffer id */
    vg_sm *head, *tail;
} vg_sig_buf;

#define VG_SIG_MAX_BUFS 8

/* Address and port sets are opaque to keywords (addr.h / port.h). */
typedef struct vg_addrset vg_addrset;
typedef struct vg_portset vg_portset;

/* Signature flags. */
enum {
    VG_SIG_BIDIR = 1 << 0,        /* <> */
    VG_SIG_NOALERT = 1 << 1,      /* noalert (or flowbits:noalert) */
    VG_SIG_IPONLY = 1 << 2,       /* addresses only: no ports, no payload, no flow conditions */
    VG_SIG_TOSERVER = 1 << 3,     /* flow:to_server / from_client */
    VG_SIG_TOCLIENT = 1 << 4,
    VG_SIG_ESTABLISHED = 1 << 5,
    VG_SIG_STATELESS = 1 << 6,
    VG_SIG_PKT_ONLY = 1 << 7,     /* tcp-pkt, or flow:only_stream absent and no_stream */
    VG_SIG_STREAM_ONLY = 1 << 8,  /* tcp-stream / flow:only_stream */
    VG_SIG_SP_ANY = 1 << 9,
    VG_SIG_DP_ANY = 1 << 10,
    VG_SIG_SRC_ANY = 1 << 11,
    VG_SIG_DST_ANY = 1 << 12,
    VG_SIG_HAS_PAYLOAD = 1 << 13, /* has a VG_BUF_PAYLOAD list */
    VG_SIG_NEED_FLOW = 1 << 14,
    VG_SIG_APPLAYER = 1 << 15,    /* has app-layer buffers or app proto in header */
    VG_SIG_FIREWALL = 1 << 16,
};

struct vg_sig {
    /* Identity */
    uint32_t id;          /* internal index in the rule set */
    uint32_t gid, sid, rev;
    uint32_t flags;       /* VG_SIG_* */
    uint8_t action;       /* VG_ACTION_* */
    int prio;             /* priority: rule's, else classtype's, else 3 */
    char *msg;
    char *class_name;     /* classtype short name, or NULL */
    char *class_msg;      /* classtype description ("category" in EVE) */
    char **metadata;      /* "key value" strings as written, NULL-terminated */
    char **references;    /* "type, value" as written (resolved url for EVE), NULL-terminated */
    int target;           /* 0 none, 1 src_ip, 2 dest_ip */

    /* Header */
    uint8_t proto;        /* IP protocol number, 0 for ip/any */
    uint16_t hdr_proto;   /* VG_HDRPROTO_*: which header keyword was used */
    uint16_t alproto;     /* app-layer protocol in the header, 0 none */
    vg_addrset *src, *dst;
    vg_portset *sp, *dp;

    /* Options */
    vg_sm *lists[VG_LIST_BUF];        /* MATCH and POSTMATCH */
    vg_sig_buf bufs[VG_SIG_MAX_BUFS];
    uint8_t nbufs;
    /* Fast pattern chosen for the prefilter (a content sm in one of bufs[]),
     * NULL when the sig has none (it is then always a candidate in its group). */
    vg_sm *fast_pattern;
    uint16_t fast_pattern_buf;

    /* Source of the rule, for messages */
    char *file;
    int line;
    char *raw;            /* the rule text as written */
};

/* Header protocol keywords. */
enum {
    VG_HDRPROTO_IP = 0, VG_HDRPROTO_TCP, VG_HDRPROTO_UDP, VG_HDRPROTO_ICMP,
    VG_HDRPROTO_ICMPV6, VG_HDRPROTO_SCTP, VG_HDRPROTO_IPV4, VG_HDRPROTO_IPV6,
    VG_HDRPROTO_TCP_PKT, VG_HDRPROTO_TCP_STREAM, VG_HDRPROTO_APP,
};

/* Keyword flags. */
enum {
    VG_KW_NOOPT = 1 << 0,       /* takes no argument ("nocase;") */
    VG_KW_PAYLOAD = 1 << 1,     /* appends to the current buffer list */
    VG_KW_STICKY = 1 << 2,      /* sticky buffer: sets the current buffer */
    VG_KW_MODIFIER = 1 << 3,    /* modifies the previous payload keyword (nocase, depth...) */
    VG_KW_QUOTES_OK = 1 << 4,   /* argument may be quoted */
    VG_KW_INFO = 1 << 5,        /* informational only (msg, sid, metadata...) */
    VG_KW_OPTARG = 1 << 6,      /* argument optional: setup() gets NULL when absent
                                 * (added by detect; fast_pattern and base64_decode
                                 * are treated so even without the flag) */
};

/* What a packet-level match() sees. */
typedef struct vg_match_ctx {
    vg_det_thread *dt;
    vg_packet *p;
    const vg_sig *s;
} vg_match_ctx;

struct vg_keyword {
    const char *name;
    const char *alias;     /* second name, or NULL (e.g. "http_uri" for "http.uri") */
    uint32_t flags;        /* VG_KW_* */
    /* Parse arg (NULL for VG_KW_NOOPT keywords), update the sig or the
     * parser state.  arg is the option value with surrounding whitespace
     * trimmed and otherwise exactly as written (Suricata's convention):
     * quotes, a leading '!' and backslash escapes (\" \; \\) are kept, so
     * content can parse its own quoting and |hex|; vg_rule_unquote() strips
     * quotes and resolves escapes for keywords that want plain text.  On error fill errbuf with the reason (without file:line,
     * the parser adds it) and return a negative VG_E*. */
    int (*setup)(vg_rule_parser *rp, vg_sig *s, const char *arg, char *errbuf);
    /* Packet-level match for VG_LIST_MATCH / VG_LIST_POSTMATCH keywords:
     * 1 match, 0 no match. */
    int (*match)(const vg_match_ctx *mc, const vg_sm *sm);
    void (*free)(void *ctx);
};

/* Helpers for setup() functions (rule_parse.c). */
/* Append an sm with kw/ctx to list (VG_LIST_MATCH or VG_LIST_POSTMATCH). */
vg_sm *vg_sig_append(vg_sig *s, int list, const vg_keyword *kw, void *ctx);
/* Append to the parser's current buffer (VG_BUF_PAYLOAD unless a sticky
 * buffer keyword set another). */
vg_sm *vg_sig_append_buf(vg_rule_parser *rp, vg_sig *s, const vg_keyword *kw, void *ctx);
/* The last payload-type sm in the current buffer, for modifiers; NULL if none. */
vg_sm *vg_rule_parser_last_payload(vg_rule_parser *rp, vg_sig *s);
/* Set the current buffer (sticky buffer keywords). */
int vg_rule_parser_set_buf(vg_rule_parser *rp, vg_sig *s, uint16_t buf_id, char *errbuf);
/* Legacy content modifiers (http_uri...): whether the current buffer was
 * chosen by one (then the next content or pcre goes back to the payload, as
 * in Suricata), and setting it. */
bool vg_rule_parser_by_modifier(const vg_rule_parser *rp);
void vg_rule_parser_set_by_modifier(vg_rule_parser *rp, bool on);
/* The rule set's byte_extract/byte_math variable index for name, or -1. */
int vg_rule_parser_var(vg_rule_parser *rp, const char *name, bool create);
/* Capture targets of a capturing pcre (kw_vars.c): append to s a postmatch
 * step that, when the whole rule matched, stores capture slot i of `owner`
 * (see vg_pcre_caps_get) into the variable names[i] of kind kinds[i]
 * ('f' flow variable, 'p' packet variable, 'k' packet key-value pair:
 * slot i is the key and slot i+1 the value).  n <= VG_PCRE_MAX_CAPS. */
int vg_rule_parser_captures(vg_rule_parser *rp, vg_sig *s, const void *owner, int n,
                            const char *kinds, char *const *names, char *errbuf);

/* Copy in to out (outsz bytes) without surrounding double quotes (if any),
 * resolving the escapes \" \; \\ ; 0 or VG_EINVAL (unbalanced quote, too
 * long).  Added by detect for keyword setup() functions. */
int vg_rule_unquote(const char *in, char *out, size_t outsz);

/* Lookup by name in the keyword table (keyword.c). */
const vg_keyword *vg_keyword_find(const char *name);

#endif
