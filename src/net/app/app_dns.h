/*
 * app_dns.h: the DNS message parser (pure, bounded) and its EVE writer.
 *
 * vg_dns_parse() reads one DNS message (without the TCP length prefix)
 * from a slice; it never reads outside it, follows at most 32 compression
 * pointers per name (each strictly backwards), cuts names at 255 bytes and
 * keeps at most VG_DNS_MAX_RR records per section.  A message whose
 * records are cut short keeps what was read (incomplete) when at least the
 * questions parsed.  Strings live in the message's arena and are referred
 * to by 1-based offsets (0: none), read with vg_dns_str().
 */
#ifndef VG_NET_APP_APP_DNS_H
#define VG_NET_APP_APP_DNS_H

#include "core/conf.h"
#include "core/jbuf.h"

#define VG_DNS_NAME_MAX 255
#define VG_DNS_MAX_RR 64

/* DNS decoder events (app-layer-event:dns.<name>, names in app_feat_kw.c) */
enum {
    VG_DNS_EV_MALFORMED_DATA = 1u << 0,
    VG_DNS_EV_NOT_A_REQUEST = 1u << 1,    /* a response sent to the server */
    VG_DNS_EV_NOT_A_RESPONSE = 1u << 2,   /* a request sent to the client */
    VG_DNS_EV_Z_FLAG_SET = 1u << 3,
    VG_DNS_EV_FLOODED = 1u << 4,
    VG_DNS_EV_STATE_MEMCAP = 1u << 5,
    VG_DNS_EV_INVALID_ADDITIONALS = 1u << 6,
    VG_DNS_EV_INVALID_AUTHORITIES = 1u << 7,
    VG_DNS_EV_NAME_TOO_LONG = 1u << 8,
    VG_DNS_EV_INFINITE_LOOP = 1u << 9,
    VG_DNS_EV_TOO_MANY_LABELS = 1u << 10,
};

typedef struct vg_dns_q {
    uint32_t name;                /* arena ref */
    uint16_t type, cls;
    bool truncated;               /* name cut (length or pointer limits) */
} vg_dns_q;

typedef struct vg_dns_rr {
    uint32_t name;                /* arena ref */
    uint16_t type, cls;
    uint32_t ttl;
    uint8_t section;              /* 1 answer, 2 authority, 3 additional */
    bool truncated;
    uint32_t rdata;               /* arena ref: text form (A, AAAA, names, TXT), 0 if none */
    bool has_soa, has_srv;
    struct { uint32_t mname, rname, serial, refresh, retry, expire, minimum; } soa;
    struct { uint16_t priority, weight, port; uint32_t target; } srv;
} vg_dns_rr;

typedef struct vg_dns_msg {
    uint16_t id, flags;
    vg_dns_q *q;
    uint32_t nq;
    vg_dns_rr *rr;                /* all sections, in message order */
    uint32_t nrr;
    bool incomplete;              /* records ended early (malformed or cut) */
    uint32_t events;              /* VG_DNS_EV_* */
    char *arena;
    size_t arena_len, arena_cap;
} vg_dns_msg;

/* Parse d[0..n); *out is owned by the caller (vg_dns_msg_free).  capped
 * counts names and records cut by the limits.  VG_EINVAL when not even the
 * header and questions parse. */
int vg_dns_parse(const uint8_t *d, uint32_t n, vg_dns_msg **out, uint64_t *capped);
void vg_dns_msg_free(vg_dns_msg *m);
const char *vg_dns_str(const vg_dns_msg *m, uint32_t ref);
const char *vg_dns_rrtype_name(uint16_t t, char buf[8]);
const char *vg_dns_rcode_name(uint16_t rc, char buf[8]);
/* The "dns" object of an EVE record (version 3) for message m. */
void vg_dns_msg_eve(const vg_dns_msg *m, uint64_t tx_id, vg_jb *jb);
/* Version 2's "dns" object (Suricata 7's format, outputs...dns.version: 2):
 * for a request, the query record of question q ({version: 2, type:
 * query, id, rrname, rrtype, tx_id, opcode}); for a response, the answer
 * record ({version: 2, type: answer, id, flags, qr..., rrname, rrtype,
 * rcode, answers, grouped, authorities}); q is ignored for responses. */
void vg_dns_msg_eve_v2(const vg_dns_msg *m, uint64_t tx_id, uint32_t q, vg_jb *jb);
/* The EVE dns version the settings of the dns type ask for: version (2 or
 * 3), else the environment's SURICATA_EVE_DNS_VERSION (as Suricata), else
 * 3.  Anything else is 3, and vg_dns_eve_check() warns about it. */
int vg_dns_eve_version(const vg_conf_node *settings);
/* (The app layer's records also honour the dns settings' formats:
 * [detailed, grouped], both by default.) */
/* Does an eve-log with these dns settings log m: requests / responses
 * (query / answer in version 2's words) not switched off, and the first
 * question's type in `types` when that list is given. */
bool vg_dns_eve_wants(const vg_conf_node *settings, const vg_dns_msg *m);
/* Warn (file:line and reason) about a bad version; 1 when bad, else 0. */
int vg_dns_eve_check(const vg_conf_node *settings);

#endif
