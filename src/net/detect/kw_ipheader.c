/*
 * kw_ipheader.c: IP header keywords ttl, tos, ip_proto, id, fragbits,
 * fragoffset, ipopts, sameip, and dsize (payload size of the packet, which
 * makes a rule packet-only as in Suricata).
 */
#include <ctype.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "net/detect/detect_int.h"

static int uint_setup(vg_sig *s, const vg_keyword *kw, const char *arg, uint64_t max,
                      char *errbuf)
{
    vg_uint *u = vg_uint_new(arg, max, errbuf);
    if (!u)
        return VG_EINVAL;
    if (!vg_sig_append(s, VG_LIST_MATCH, kw, u)) {
        free(u);
        return vg_err(errbuf, VG_ENOMEM, "out of memory");
    }
    return VG_OK;
}

/* ttl */
extern const vg_keyword vg_kw_ttl;
static int ttl_setup(vg_rule_parser *rp, vg_sig *s, const char *arg, char *errbuf)
{
    (void)rp;
    return uint_setup(s, &vg_kw_ttl, arg, 255, errbuf);
}
static int ttl_match(const vg_match_ctx *mc, const vg_sm *sm)
{
    return mc->p->ipver != 0 && vg_uint_match(sm->ctx, mc->p->ttl);
}

/* id */
extern const vg_keyword vg_kw_id;
static int id_setup(vg_rule_parser *rp, vg_sig *s, const char *arg, char *errbuf)
{
    (void)rp;
    char tmp[64];
    if (vg_rule_unquote(arg, tmp, sizeof(tmp)) != VG_OK)
        return vg_err(errbuf, VG_EINVAL, "bad id");
    return uint_setup(s, &vg_kw_id, tmp, 65535, errbuf);
}
static int id_match(const vg_match_ctx *mc, const vg_sm *sm)
{
    return mc->p->ipver == 4 && vg_uint_match(sm->ctx, mc->p->ip_id);
}

/* dsize */
extern const vg_keyword vg_kw_dsize;
static int dsize_setup(vg_rule_parser *rp, vg_sig *s, const char *arg, char *errbuf)
{
    (void)rp;
    s->flags |= VG_SIGX_REQUIRE_PACKET;
    return uint_setup(s, &vg_kw_dsize, arg, 65535, errbuf);
}
static int dsize_match(const vg_match_ctx *mc, const vg_sm *sm)
{
    const vg_uint *u = sm->ctx;
    if (mc->p->flags & VG_PKT_PSEUDO)
        return 0;
    /* As Suricata: unless the value can only be met by an empty payload
     * ("<N", "<=N", "0"), a dsize rule needs a payload. */
    if (mc->p->payload_len == 0 &&
        !(u->mode == VG_U_LT || u->mode == VG_U_LE || (u->mode == VG_U_EQ && u->a == 0)))
        return 0;
    return vg_uint_match(u, mc->p->payload_len);
}

uint32_t vg_sig_dsize_upper(const vg_sig *s)
{
    uint64_t up = 65535;
    for (const vg_sm *sm = s->lists[VG_LIST_MATCH]; sm; sm = sm->next)
        if (sm->kw == &vg_kw_dsize) {
            uint64_t u = vg_uint_upper(sm->ctx, 65535);
            if (u < up)
                up = u;
        }
    return (uint32_t)up;
}

/* tos: [!]N, N decimal, 0x.. or x.. hex */
typedef struct { bool neg; uint8_t v; } tos_ctx;
extern const vg_keyword vg_kw_tos;
static int tos_setup(vg_rule_parser *rp, vg_sig *s, const char *arg, char *errbuf)
{
    (void)rp;
    const char *p = arg;
    tos_ctx *c = calloc(1, sizeof(*c));
    if (!c)
        return vg_err(errbuf, VG_ENOMEM, "out of memory");
    if (*p == '!') {
        c->neg = true;
        p++;
    }
    int base = 10;
    if ((p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))) {
        p += 2;
        base = 16;
    } else if (p[0] == 'x' || p[0] == 'X') {
        p++;
        base = 16;
    }
    char *end;
    if (!isxdigit((unsigned char)*p)) {
        free(c);
        return vg_err(errbuf, VG_EINVAL, "bad tos \"%.32s\"", arg);
    }
    unsigned long v = strtoul(p, &end, base);
    if (*end || v > 255) {
        free(c);
        return vg_err(errbuf, VG_EINVAL, "bad tos \"%.32s\"", arg);
    }
    c->v = (uint8_t)v;
    if (!vg_sig_append(s, VG_LIST_MATCH, &vg_kw_tos, c)) {
        free(c);
        return vg_err(errbuf, VG_ENOMEM, "out of memory");
    }
    return VG_OK;
}
static int tos_match(const vg_match_ctx *mc, const vg_sm *sm)
{
    const tos_ctx *c = sm->ctx;
    if (mc->p->ipver != 4)
        return 0;
    return (mc->p->tos == c->v) != c->neg;
}

/* ip_proto: [!<>]N or name */
extern const vg_keyword vg_kw_ip_proto;
static int ip_proto_setup(vg_rule_parser *rp, vg_sig *s, const char *arg, char *errbuf)
{
    (void)rp;
    char tmp[64];
    if (vg_rule_unquote(arg, tmp, sizeof(tmp)) != VG_OK)
        return vg_err(errbuf, VG_EINVAL, "bad ip_proto");
    char *p = tmp;
    char prefix[3] = {0};
    if (*p == '!' || *p == '<' || *p == '>') {
        prefix[0] = *p++;
        while (isspace((unsigned char)*p))
            p++;
    }
    if (!isdigit((unsigned char)*p)) {
        static const struct { const char *n; int v; } names[] = {
            {"ip", 0}, {"hopopt", 0}, {"icmp", 1}, {"igmp", 2}, {"ggp", 3}, {"ipencap", 4},
            {"tcp", 6}, {"egp", 8}, {"igp", 9}, {"pup", 12}, {"udp", 17}, {"idp", 22},
            {"ipv6", 41}, {"ipv6-route", 43}, {"ipv6-frag", 44}, {"rsvp", 46}, {"gre", 47},
            {"esp", 50}, {"ah", 51}, {"ipv6-icmp", 58}, {"icmpv6", 58}, {"ipv6-nonxt", 59},
            {"ipv6-opts", 60}, {"eigrp", 88}, {"ospf", 89}, {"ipip", 94}, {"pim", 103},
            {"vrrp", 112}, {"l2tp", 115}, {"sctp", 132}, {"udplite", 136},
        };
        int v = -1;
        for (size_t i = 0; i < VG_ARRAY_LEN(names); i++)
            if (strcasecmp(names[i].n, p) == 0)
                v = names[i].v;
        if (v < 0)
            return vg_err(errbuf, VG_EINVAL, "unknown protocol name \"%.32s\"", p);
        char num[32];
        snprintf(num, sizeof(num), "%s%d", prefix, v);
        return uint_setup(s, &vg_kw_ip_proto, num, 255, errbuf);
    }
    char num[64];
    snprintf(num, sizeof(num), "%s%s", prefix, p);
    return uint_setup(s, &vg_kw_ip_proto, num, 255, errbuf);
}
static int ip_proto_match(const vg_match_ctx *mc, const vg_sm *sm)
{
    return mc->p->ipver != 0 && vg_uint_match(sm->ctx, mc->p->proto);
}

int vg_sig_ip_proto_exact(const vg_sig *s)
{
    for (const vg_sm *sm = s->lists[VG_LIST_MATCH]; sm; sm = sm->next)
        if (sm->kw == &vg_kw_ip_proto) {
            const vg_uint *u = sm->ctx;
            if (u->mode == VG_U_EQ)
                return (int)u->a;
        }
    return -1;
}

/* Flag keywords (fragbits, and flags in kw_tcp.c) share the modifier logic:
 * none = exactly these, '+' = these and maybe others, '*' = any of these,
 * '!' = not all of these. */
typedef struct { uint8_t mod; uint8_t bits; uint8_t ignore; } bits_ctx;

int vg_bits_match(const void *ctx, uint8_t value)
{
    const bits_ctx *c = ctx;
    uint8_t v = value & (uint8_t)~c->ignore;
    switch (c->mod) {
    case '+': return (v & c->bits) == c->bits;
    case '*': return (v & c->bits) != 0 || (c->bits == 0 && v == 0);
    case '!': return (v & c->bits) != c->bits;
    default: return v == c->bits;
    }
}

/* Parse "[mod]CHARS[,MASK]" with a char->bit map; 0 = "no flags". */
int vg_bits_parse(const char *arg, const char *chars, const uint8_t *bitv, void **out,
                  char *errbuf)
{
    bits_ctx *c = calloc(1, sizeof(*c));
    if (!c)
        return vg_err(errbuf, VG_ENOMEM, "out of memory");
    const char *p = arg;
    while (isspace((unsigned char)*p))
        p++;
    bool seen = false;
    for (; *p && *p != ','; p++) {
        if (isspace((unsigned char)*p))
            continue;
        if ((*p == '+' || *p == '*' || *p == '!') && !seen && !c->mod) {
            c->mod = (uint8_t)*p;
            continue;
        }
        if (*p == '0' && !seen) {
            seen = true;
            continue;
        }
        const char *q = strchr(chars, toupper((unsigned char)*p));
        if (!q || !*p) {
            free(c);
            return vg_err(errbuf, VG_EINVAL, "unknown flag '%c'", *p);
        }
        /* a modifier may also trail the flags ("SA+"), as Snort allowed */
        c->bits |= bitv[q - chars];
        seen = true;
        if ((p[1] == '+' || p[1] == '*' || p[1] == '!') && !c->mod) {
            c->mod = (uint8_t)p[1];
            p++;
        }
    }
    if (!seen) {
        free(c);
        return vg_err(errbuf, VG_EINVAL, "no flags given");
    }
    if (*p == ',') {
        for (p++; *p; p++) {
            if (isspace((unsigned char)*p))
                continue;
            const char *q = strchr(chars, toupper((unsigned char)*p));
            if (!q) {
                free(c);
                return vg_err(errbuf, VG_EINVAL, "unknown flag '%c' in mask", *p);
            }
            c->ignore |= bitv[q - chars];
        }
    }
    *out = c;
    return VG_OK;
}

extern const vg_keyword vg_kw_fragbits;
static int fragbits_setup(vg_rule_parser *rp, vg_sig *s, const char *arg, char *errbuf)
{
    (void)rp;
    static const uint8_t bitv[] = {1, 2, 4};
    void *c;
    int rc = vg_bits_parse(arg, "MDR", bitv, &c, errbuf);
    if (rc)
        return rc;
    if (!vg_sig_append(s, VG_LIST_MATCH, &vg_kw_fragbits, c)) {
        free(c);
        return vg_err(errbuf, VG_ENOMEM, "out of memory");
    }
    return VG_OK;
}
static int fragbits_match(const vg_match_ctx *mc, const vg_sm *sm)
{
    const vg_packet *p = mc->p;
    if (p->ipver != 4)
        return 0;
    uint8_t v = (p->frag_mf ? 1 : 0) | (p->frag_df ? 2 : 0) | (p->frag_rb ? 4 : 0);
    return vg_bits_match(sm->ctx, v);
}

/* fragoffset: [!|<|>]N (offset in 8-byte units, as on the wire) */
extern const vg_keyword vg_kw_fragoffset;
static int fragoffset_setup(vg_rule_parser *rp, vg_sig *s, const char *arg, char *errbuf)
{
    (void)rp;
    return uint_setup(s, &vg_kw_fragoffset, arg, 8191, errbuf);
}
static int fragoffset_match(const vg_match_ctx *mc, const vg_sm *sm)
{
    return mc->p->ipver != 0 && vg_uint_match(sm->ctx, mc->p->frag_off);
}

/* ipopts */
extern const vg_keyword vg_kw_ipopts;
static int ipopts_setup(vg_rule_parser *rp, vg_sig *s, const char *arg, char *errbuf)
{
    (void)rp;
    static const struct { const char *n; uint32_t bit; } opts[] = {
        {"rr", VG_IPOPT_RR}, {"eol", VG_IPOPT_EOL}, {"nop", VG_IPOPT_NOP},
        {"ts", VG_IPOPT_TS}, {"sec", VG_IPOPT_SEC}, {"esec", VG_IPOPT_ESEC},
        {"lsrr", VG_IPOPT_LSRR}, {"lsrre", VG_IPOPT_LSRR}, {"ssrr", VG_IPOPT_SSRR},
        {"satid", VG_IPOPT_SATID}, {"any", VG_IPOPT_ANY},
    };
    for (size_t i = 0; i < VG_ARRAY_LEN(opts); i++) {
        if (strcmp(opts[i].n, arg) == 0) {
            uint32_t *c = malloc(sizeof(*c));
            if (!c)
                return vg_err(errbuf, VG_ENOMEM, "out of memory");
            *c = opts[i].bit;
            if (!vg_sig_append(s, VG_LIST_MATCH, &vg_kw_ipopts, c)) {
                free(c);
                return vg_err(errbuf, VG_ENOMEM, "out of memory");
            }
            return VG_OK;
        }
    }
    return vg_err(errbuf, VG_EINVAL, "unknown IP option \"%.32s\"", arg);
}
static int ipopts_match(const vg_match_ctx *mc, const vg_sm *sm)
{
    uint32_t bit = *(const uint32_t *)sm->ctx;
    if (mc->p->ipver != 4)
        return 0;
    if (bit == VG_IPOPT_ANY)
        return mc->p->ipopts != 0;
    return (mc->p->ipopts & bit) != 0;
}

/* sameip */
extern const vg_keyword vg_kw_sameip;
static int sameip_setup(vg_rule_parser *rp, vg_sig *s, const char *arg, char *errbuf)
{
    (void)rp;
    (void)arg;
    if (!vg_sig_append(s, VG_LIST_MATCH, &vg_kw_sameip, NULL))
        return vg_err(errbuf, VG_ENOMEM, "out of memory");
    return VG_OK;
}
static int sameip_match(const vg_match_ctx *mc, const vg_sm *sm)
{
    (void)sm;
    const vg_packet *p = mc->p;
    return p->ipver != 0 && p->src.family == p->dst.family &&
           memcmp(p->src.a, p->dst.a, 16) == 0;
}

const vg_keyword vg_kw_ttl = {"ttl", NULL, 0, ttl_setup, ttl_match, free};
const vg_keyword vg_kw_id = {"id", NULL, 0, id_setup, id_match, free};
const vg_keyword vg_kw_dsize = {"dsize", NULL, 0, dsize_setup, dsize_match, free};
const vg_keyword vg_kw_tos = {"tos", NULL, 0, tos_setup, tos_match, free};
const vg_keyword vg_kw_ip_proto = {"ip_proto", NULL, 0, ip_proto_setup, ip_proto_match, free};
const vg_keyword vg_kw_fragbits = {"fragbits", NULL, 0, fragbits_setup, fragbits_match, free};
const vg_keyword vg_kw_fragoffset = {"fragoffset", NULL, 0, fragoffset_setup, fragoffset_match,
                                     free};
const vg_keyword vg_kw_ipopts = {"ipopts", NULL, 0, ipopts_setup, ipopts_match, free};
const vg_keyword vg_kw_sameip = {"sameip", NULL, VG_KW_NOOPT, sameip_setup, sameip_match, NULL};
