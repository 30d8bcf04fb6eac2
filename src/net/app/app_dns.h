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

#include "core/jbuf.h"

#define VG_DNS_NAME_MAX 255
#define VG_DNS_MAX_RR 64

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

#endif
