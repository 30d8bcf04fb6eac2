/*
 * app_dns.c: DNS over UDP and TCP: our own parser, a pure function over a
 * bounded slice (vg_dns_parse), and the app-layer glue.
 *
 * As in Suricata 8, every DNS message is its own transaction (a request or
 * a response), logged right away as an EVE `dns` record in version 3's
 * shape: header fields, `queries`, and for responses `answers` (detailed)
 * and `grouped` (answers by type), `authorities`, `additionals`; or, with
 * version: 2 (or SURICATA_EVE_DNS_VERSION=2 and no version configured),
 * Suricata 7's shape: one `query` record per question, one `answer`
 * record per response.  Each output's requests/responses/types/formats
 * settings apply.  Malformed input raises DNS decoder events
 * (VG_DNS_EV_*: app-layer-event:dns.*, applayer anomaly records).
 *
 * Limits: names are cut at 255 bytes (rrname_truncated) and followed
 * through at most DNS_MAX_JUMPS compression pointers, each pointing
 * strictly backwards (so loops end); at most DNS_MAX_RR records per section
 * are kept (the rest counted); a TCP message is at most 65535 bytes and
 * partial messages wait in a per-direction buffer of that size.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/log.h"
#include "net/app/app_dns.h"
#include "net/app/app_feat.h"
#include "net/app/app_int.h"

#define DNS_MAX_JUMPS 32

/* ---- the parser ---- */

typedef struct rd {
    const uint8_t *b;
    uint32_t n, o;
} rd;

static bool u16(rd *r, uint16_t *v)
{
    if (r->o + 2 > r->n)
        return false;
    *v = (uint16_t)((r->b[r->o] << 8) | r->b[r->o + 1]);
    r->o += 2;
    return true;
}

static bool u32(rd *r, uint32_t *v)
{
    if (r->o + 4 > r->n)
        return false;
    *v = ((uint32_t)r->b[r->o] << 24) | ((uint32_t)r->b[r->o + 1] << 16) |
         ((uint32_t)r->b[r->o + 2] << 8) | r->b[r->o + 3];
    r->o += 4;
    return true;
}

/* Read a (possibly compressed) name at r->o into out (dotted, no trailing
 * dot; "<root>" for the root); advances r past the name's in-place bytes. */
static bool read_name(rd *r, char out[VG_DNS_NAME_MAX + 1], bool *truncated, uint64_t *capped,
                      uint32_t *events)
{
    uint32_t o = r->o, end_in_place = 0;
    bool jumped = false;
    int jumps = 0;
    size_t len = 0;
    *truncated = false;
    for (;;) {
        if (o >= r->n)
            return false;
        uint8_t l = r->b[o];
        if (l == 0) {
            o++;
            break;
        }
        if ((l & 0xc0) == 0xc0) {
            if (o + 2 > r->n)
                return false;
            uint32_t ptr = ((uint32_t)(l & 0x3f) << 8) | r->b[o + 1];
            if (!jumped)
                end_in_place = o + 2;
            jumped = true;
            if (ptr >= o || ++jumps > DNS_MAX_JUMPS) {
                /* forward pointers and loops end the name here */
                if (jumps > DNS_MAX_JUMPS)
                    (*capped)++;
                *events |= VG_DNS_EV_INFINITE_LOOP;
                *truncated = true;
                break;
            }
            o = ptr;
            continue;
        }
        if (l & 0xc0)
            return false;
        if (o + 1 + l > r->n)
            return false;
        for (uint32_t i = 0; i < (uint32_t)l + 1; i++) {
            char c = i == 0 ? '.' : (char)r->b[o + i];
            if (i == 0 && len == 0)
                continue;
            if (len < VG_DNS_NAME_MAX)
                out[len++] = c;
            else if (!*truncated) {
                *truncated = true;
                (*capped)++;
                *events |= VG_DNS_EV_NAME_TOO_LONG;
            }
        }
        o += 1u + l;
    }
    out[len] = 0;
    if (len == 0 && !*truncated)
        snprintf(out, VG_DNS_NAME_MAX + 1, "<root>");
    r->o = jumped ? end_in_place : o;
    return true;
}

static uint32_t arena_dup(vg_dns_msg *m, const char *s, size_t n)
{
    if (m->arena_len + n + 1 > m->arena_cap) {
        size_t nc = m->arena_cap ? m->arena_cap : 128; /* a query and an answer or two */
        while (nc < m->arena_len + n + 1)
            nc *= 2;
        char *na = realloc(m->arena, nc);
        if (!na)
            return 0;
        m->arena = na;
        m->arena_cap = nc;
    }
    /* offsets stay valid across realloc: refs are offsets, not pointers */
    memcpy(m->arena + m->arena_len, s, n);
    m->arena[m->arena_len + n] = 0;
    uint32_t r = (uint32_t)m->arena_len + 1; /* 1-based, 0 = none */
    m->arena_len += n + 1;
    return r;
}

const char *vg_dns_str(const vg_dns_msg *m, uint32_t ref)
{
    return ref ? m->arena + ref - 1 : NULL;
}

static bool put_str(vg_dns_msg *m, uint32_t *dst, const char *s, size_t n)
{
    uint32_t r = arena_dup(m, s, n);
    if (!r)
        return false;
    *dst = r;
    return true;
}

static bool read_rdata(rd *r, vg_dns_msg *m, vg_dns_rr *rr, uint16_t rdlen, uint64_t *capped)
{
    uint32_t end = r->o + rdlen;
    if (end > r->n)
        return false;
    char name[VG_DNS_NAME_MAX + 1];
    bool tr;
    rd sub = {r->b, end, r->o}; /* names may point anywhere before, but not past rdata */
    switch (rr->type) {
    case 1: /* A */
        if (rdlen == 4) {
            char buf[16];
            size_t l = 0;
            for (int i = 0; i < 4; i++) { /* "%u.%u.%u.%u" */
                unsigned v = r->b[r->o + i];
                if (i)
                    buf[l++] = '.';
                if (v >= 100)
                    buf[l++] = (char)('0' + v / 100);
                if (v >= 10)
                    buf[l++] = (char)('0' + v / 10 % 10);
                buf[l++] = (char)('0' + v % 10);
            }
            put_str(m, &rr->rdata, buf, l);
        }
        break;
    case 28: /* AAAA: Suricata's full form */
        if (rdlen == 16) {
            static const char hx[] = "0123456789abcdef";
            char buf[40];
            size_t l = 0;
            for (int i = 0; i < 16; i++) { /* "%02x%02x" groups joined by ':' */
                uint8_t v = r->b[r->o + i];
                if (i && !(i & 1))
                    buf[l++] = ':';
                buf[l++] = hx[v >> 4];
                buf[l++] = hx[v & 15];
            }
            put_str(m, &rr->rdata, buf, l);
        }
        break;
    case 2: case 5: case 12: case 39: /* NS CNAME PTR DNAME */
        if (read_name(&sub, name, &tr, capped, &m->events))
            put_str(m, &rr->rdata, name, strlen(name));
        break;
    case 15: { /* MX: preference, exchange */
        uint16_t pref;
        if (u16(&sub, &pref) && read_name(&sub, name, &tr, capped, &m->events))
            put_str(m, &rr->rdata, name, strlen(name));
        break;
    }
    case 16: case 99: { /* TXT, SPF: the character-strings, concatenated */
        char buf[1024];
        size_t l = 0;
        uint32_t o = r->o;
        while (o < end) {
            uint8_t sl = r->b[o++];
            for (uint32_t i = 0; i < sl && o < end; i++, o++)
                if (l < sizeof buf - 1)
                    buf[l++] = (char)r->b[o];
        }
        put_str(m, &rr->rdata, buf, l);
        break;
    }
    case 6: { /* SOA */
        char rname[VG_DNS_NAME_MAX + 1];
        if (read_name(&sub, name, &tr, capped, &m->events) &&
            read_name(&sub, rname, &tr, capped, &m->events) &&
            u32(&sub, &rr->soa.serial) && u32(&sub, &rr->soa.refresh) &&
            u32(&sub, &rr->soa.retry) && u32(&sub, &rr->soa.expire) &&
            u32(&sub, &rr->soa.minimum)) {
            put_str(m, &rr->soa.mname, name, strlen(name));
            put_str(m, &rr->soa.rname, rname, strlen(rname));
            rr->has_soa = true;
        }
        break;
    }
    case 33: /* SRV */
        if (u16(&sub, &rr->srv.priority) && u16(&sub, &rr->srv.weight) &&
            u16(&sub, &rr->srv.port) && read_name(&sub, name, &tr, capped, &m->events)) {
            put_str(m, &rr->srv.target, name, strlen(name));
            rr->has_srv = true;
        }
        break;
    default:
        break;
    }
    r->o = end;
    return true;
}

void vg_dns_msg_free(vg_dns_msg *m)
{
    if (!m)
        return;
    free(m->arena);
    free(m->q);
    free(m->rr);
    free(m);
}

int vg_dns_parse(const uint8_t *d, uint32_t n, vg_dns_msg **out, uint64_t *capped)
{
    *out = NULL;
    rd r = {d, n, 0};
    uint16_t cnt[4];
    vg_dns_msg *m = calloc(1, sizeof(*m));
    if (!m)
        return VG_ENOMEM;
    if (!u16(&r, &m->id) || !u16(&r, &m->flags) || !u16(&r, &cnt[0]) || !u16(&r, &cnt[1]) ||
        !u16(&r, &cnt[2]) || !u16(&r, &cnt[3])) {
        vg_dns_msg_free(m);
        return VG_EINVAL;
    }
    uint32_t nq = VG_MIN(cnt[0], VG_DNS_MAX_RR);
    if (cnt[0] > VG_DNS_MAX_RR)
        (*capped)++;
    m->q = calloc(nq ? nq : 1, sizeof(*m->q));
    uint32_t total = 0;
    for (int s = 1; s < 4; s++)
        total += cnt[s];
    uint32_t nrr = VG_MIN(total, 3u * VG_DNS_MAX_RR);
    m->rr = calloc(nrr ? nrr : 1, sizeof(*m->rr));
    if (!m->q || !m->rr) {
        vg_dns_msg_free(m);
        return VG_ENOMEM;
    }
    char name[VG_DNS_NAME_MAX + 1];
    int rc = VG_OK;
    for (uint32_t i = 0; i < cnt[0]; i++) {
        bool tr;
        uint16_t type, cls;
        if (!read_name(&r, name, &tr, capped, &m->events) || !u16(&r, &type) ||
            !u16(&r, &cls)) {
            rc = VG_EINVAL;
            break;
        }
        if (m->nq < nq) {
            vg_dns_q *q = &m->q[m->nq++];
            put_str(m, &q->name, name, strlen(name));
            q->truncated = tr;
            q->type = type;
            q->cls = cls;
        }
    }
    int fail_sec = 0;
    for (int s = 1; s < 4 && rc == VG_OK; s++) {
        uint32_t kept = 0;
        fail_sec = s;
        for (uint32_t i = 0; i < cnt[s]; i++) {
            bool tr;
            vg_dns_rr tmp;
            memset(&tmp, 0, sizeof tmp);
            uint16_t rdlen;
            if (!read_name(&r, name, &tr, capped, &m->events) || !u16(&r, &tmp.type) ||
                !u16(&r, &tmp.cls) || !u32(&r, &tmp.ttl) || !u16(&r, &rdlen)) {
                rc = VG_EINVAL;
                break;
            }
            bool keep = kept < VG_DNS_MAX_RR && m->nrr < nrr;
            vg_dns_rr *rr = keep ? &m->rr[m->nrr] : &tmp;
            if (keep)
                *rr = tmp;
            if (!read_rdata(&r, m, rr, rdlen, capped)) {
                rc = VG_EINVAL;
                break;
            }
            if (keep) {
                put_str(m, &rr->name, name, strlen(name));
                rr->truncated = tr;
                rr->section = (uint8_t)s;
                m->nrr++;
                kept++;
            } else {
                (*capped)++;
            }
        }
    }
    if (rc != VG_OK && m->nq == 0) {
        vg_dns_msg_free(m);
        return rc;
    }
    m->incomplete = rc != VG_OK;
    if (rc != VG_OK) /* the section the records ended in (Suricata's events) */
        m->events |= fail_sec == 3   ? VG_DNS_EV_INVALID_ADDITIONALS
                     : fail_sec == 2 ? VG_DNS_EV_INVALID_AUTHORITIES
                                     : VG_DNS_EV_MALFORMED_DATA;
    if (m->flags & 0x0040)
        m->events |= VG_DNS_EV_Z_FLAG_SET;
    *out = m;
    return VG_OK;
}

const char *vg_dns_rrtype_name(uint16_t t, char buf[8])
{
    static const struct { uint16_t t; const char *n; } tbl[] = {
        {1, "A"}, {2, "NS"}, {3, "MD"}, {4, "MF"}, {5, "CNAME"}, {6, "SOA"}, {7, "MB"},
        {8, "MG"}, {9, "MR"}, {10, "NULL"}, {11, "WKS"}, {12, "PTR"}, {13, "HINFO"},
        {14, "MINFO"}, {15, "MX"}, {16, "TXT"}, {17, "RP"}, {18, "AFSDB"}, {19, "X25"},
        {20, "ISDN"}, {21, "RT"}, {22, "NSAP"}, {23, "NSAPPTR"}, {24, "SIG"}, {25, "KEY"},
        {26, "PX"}, {27, "GPOS"}, {28, "AAAA"}, {29, "LOC"}, {30, "NXT"}, {33, "SRV"},
        {34, "ATMA"}, {35, "NAPTR"}, {36, "KX"}, {37, "CERT"}, {38, "A6"}, {39, "DNAME"},
        {41, "OPT"}, {42, "APL"}, {43, "DS"}, {44, "SSHFP"}, {45, "IPSECKEY"}, {46, "RRSIG"},
        {47, "NSEC"}, {48, "DNSKEY"}, {49, "DHCID"}, {50, "NSEC3"}, {51, "NSEC3PARAM"},
        {52, "TLSA"}, {55, "HIP"}, {59, "CDS"}, {60, "CDNSKEY"}, {64, "SVCB"}, {65, "HTTPS"},
        {99, "SPF"}, {249, "TKEY"}, {250, "TSIG"}, {251, "IXFR"}, {252, "AXFR"},
        {255, "ANY"}, {256, "URI"}, {257, "CAA"},
    };
    for (size_t i = 0; i < VG_ARRAY_LEN(tbl); i++)
        if (tbl[i].t == t)
            return tbl[i].n;
    snprintf(buf, 8, "%u", t);
    return buf;
}

const char *vg_dns_rcode_name(uint16_t rc, char buf[8])
{
    static const char *const n[] = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP",
                                    "REFUSED", "YXDOMAIN", "YXRRSET", "NXRRSET", "NOTAUTH",
                                    "NOTZONE"};
    if (rc < VG_ARRAY_LEN(n))
        return n[rc];
    snprintf(buf, 8, "%u", rc);
    return buf;
}

/* ---- app-layer glue ---- */

typedef struct dns_state {
    uint8_t *buf[2];           /* TCP: partial message per direction */
    uint32_t len[2];
    uint32_t anomalies;        /* applayer anomaly records written for the flow */
} dns_state;

typedef struct dns_tx {
    vg_dns_msg *m;
    bool response;
} dns_tx;

static void *dns_state_new(vg_app_ctx *ctx, app_flow *af)
{
    (void)ctx;
    (void)af;
    return calloc(1, sizeof(dns_state));
}

static void dns_state_free(void *p)
{
    dns_state *s = p;
    free(s->buf[0]);
    free(s->buf[1]);
    free(s);
}

static void dns_tx_free(void *p)
{
    dns_tx *t = p;
    vg_dns_msg_free(t->m);
    free(t);
}

static void one_message(vg_app_ctx *ctx, app_flow *af, bool toserver, const uint8_t *d,
                        uint32_t n)
{
    vg_dns_msg *m;
    if (vg_dns_parse(d, n, &m, &ctx->st.dns_name_cap) != VG_OK) {
        ctx->st.dns_malformed++;
        ctx->st.dns_malformed_proto[af->flow && af->flow->proto == 17]++;
        dns_state *st = af->pstate;
        if (st) /* no transaction to carry it: only the anomaly record */
            vg_app_event_anomalies(ctx, VG_ALPROTO_DNS, VG_DNS_EV_MALFORMED_DATA, &st->anomalies);
        return;
    }
    dns_tx *t = calloc(1, sizeof(*t));
    if (!t) {
        vg_dns_msg_free(m);
        return;
    }
    t->m = m;
    t->response = (m->flags & 0x8000) != 0;
    if (t->response && toserver)
        m->events |= VG_DNS_EV_NOT_A_REQUEST;
    else if (!t->response && !toserver)
        m->events |= VG_DNS_EV_NOT_A_RESPONSE;
    dns_state *st = af->pstate;
    if (m->events && st) /* applayer anomaly records */
        vg_app_event_anomalies(ctx, VG_ALPROTO_DNS, m->events, &st->anomalies);
    vg_app_tx *a = vg_app_tx_new(ctx, af, t);
    if (!a) {
        dns_tx_free(t);
        return;
    }
    a->progress = (uint16_t)((t->response ? TX_RES_HDRS | TX_RES_DONE : TX_REQ_HDRS | TX_REQ_DONE) |
                             TX_LOG_NOW);
}

static void dns_parse(vg_app_ctx *ctx, app_flow *af, bool toserver, const uint8_t *d, uint32_t n,
                      const struct timeval *ts)
{
    (void)ts;
    if (af->flow->proto == 17) {
        one_message(ctx, af, toserver, d, n);
        return;
    }
    dns_state *s = af->pstate;
    int di = toserver ? 0 : 1;
    while (n) {
        if (!s->buf[di]) {
            s->buf[di] = malloc(65537);
            if (!s->buf[di])
                return;
        }
        uint32_t need;
        if (s->len[di] < 2) {
            uint32_t take = VG_MIN(n, 2 - s->len[di]);
            memcpy(s->buf[di] + s->len[di], d, take);
            s->len[di] += take;
            d += take;
            n -= take;
            continue;
        }
        need = ((uint32_t)s->buf[di][0] << 8) | s->buf[di][1];
        uint32_t have = s->len[di] - 2;
        uint32_t take = VG_MIN(n, need - have);
        memcpy(s->buf[di] + s->len[di], d, take);
        s->len[di] += take;
        d += take;
        n -= take;
        if (s->len[di] - 2 == need) {
            if (need)
                one_message(ctx, af, toserver, s->buf[di] + 2, need);
            s->len[di] = 0;
        }
    }
}

static int name_out(const vg_dns_msg *m, uint32_t ref, const uint8_t **d, uint32_t *n)
{
    const char *s = vg_dns_str(m, ref);
    if (!s)
        return VG_DECLINED;
    if (strcmp(s, "<root>") == 0)
        s = "";
    *d = (const uint8_t *)s;
    *n = (uint32_t)strlen(s);
    return VG_OK;
}

static int dns_get_buffer(const app_flow *af, const vg_app_tx *a, uint16_t id, uint32_t idx,
                          const uint8_t **d, uint32_t *n)
{
    (void)af;
    const dns_tx *t = a->data;
    const vg_dns_msg *m = t->m;
    switch (id) {
    case VG_ABUF_DNS_QUERY:
    case VG_ABUF_DNS_QUERIES_RRNAME:
        if (id == VG_ABUF_DNS_QUERY && t->response)
            return VG_DECLINED;
        return idx < m->nq ? name_out(m, m->q[idx].name, d, n) : VG_DECLINED;
    case VG_ABUF_DNS_ANSWERS_RRNAME:
    case VG_ABUF_DNS_AUTH_RRNAME:
    case VG_ABUF_DNS_ADD_RRNAME: {
        uint8_t sec = id == VG_ABUF_DNS_ANSWERS_RRNAME ? 1 : id == VG_ABUF_DNS_AUTH_RRNAME ? 2 : 3;
        for (uint32_t i = 0; i < m->nrr; i++)
            if (m->rr[i].section == sec && idx-- == 0)
                return name_out(m, m->rr[i].name, d, n);
        return VG_DECLINED;
    }
    case VG_ABUF_DNS_RESP_QUERY: {
        /* responses: query names, then record names and the names in rdata */
        if (!t->response)
            return VG_DECLINED;
        if (idx < m->nq)
            return name_out(m, m->q[idx].name, d, n);
        idx -= m->nq;
        for (uint32_t i = 0; i < m->nrr; i++) {
            const vg_dns_rr *rr = &m->rr[i];
            if (idx-- == 0)
                return name_out(m, rr->name, d, n);
            uint32_t extra = 0;
            if (rr->type == 2 || rr->type == 5 || rr->type == 12 || rr->type == 15 ||
                rr->type == 39)
                extra = rr->rdata;
            else if (rr->has_soa)
                extra = rr->soa.mname;
            else if (rr->has_srv)
                extra = rr->srv.target;
            if (extra && idx-- == 0)
                return name_out(m, extra, d, n);
        }
        return VG_DECLINED;
    }
    default:
        return VG_DECLINED;
    }
}

/* The SOA or SRV object of a record (key NULL: inside an array). */
static void soa_srv_eve(const vg_dns_msg *m, const vg_dns_rr *rr, const char *key, vg_jb *jb)
{
    vg_jb_open_obj(jb, key);
    if (rr->has_soa) {
        vg_jb_str(jb, "mname", vg_dns_str(m, rr->soa.mname));
        vg_jb_str(jb, "rname", vg_dns_str(m, rr->soa.rname));
        vg_jb_u64(jb, "serial", rr->soa.serial);
        vg_jb_u64(jb, "refresh", rr->soa.refresh);
        vg_jb_u64(jb, "retry", rr->soa.retry);
        vg_jb_u64(jb, "expire", rr->soa.expire);
        vg_jb_u64(jb, "minimum", rr->soa.minimum);
    } else {
        vg_jb_u64(jb, "priority", rr->srv.priority);
        vg_jb_u64(jb, "weight", rr->srv.weight);
        vg_jb_u64(jb, "port", rr->srv.port);
        vg_jb_str(jb, "name", vg_dns_str(m, rr->srv.target));
    }
    vg_jb_close_obj(jb);
}

static void rr_eve(const vg_dns_msg *m, const vg_dns_rr *rr, vg_jb *jb)
{
    char tb[8];
    vg_jb_open_obj(jb, NULL);
    vg_jb_str(jb, "rrname", vg_dns_str(m, rr->name));
    vg_jb_str(jb, "rrtype", vg_dns_rrtype_name(rr->type, tb));
    vg_jb_u64(jb, "ttl", rr->ttl);
    if (rr->has_soa)
        soa_srv_eve(m, rr, "soa", jb);
    else if (rr->has_srv)
        soa_srv_eve(m, rr, "srv", jb);
    else if (rr->rdata) {
        vg_jb_str(jb, "rdata", vg_dns_str(m, rr->rdata));
    }
    vg_jb_close_obj(jb);
}

/* Answers grouped by type (the types the schema knows). */
static void grouped_eve(const vg_dns_msg *m, vg_jb *jb)
{
    char b[8];
    /* grouped answers: the types the schema knows */
    static const uint16_t gt[] = {1, 28, 5, 15, 2, 10, 12, 6, 33, 44, 16};
    bool gopen = false;
    for (size_t k = 0; k < VG_ARRAY_LEN(gt); k++) {
        bool aopen = false;
        for (uint32_t i = 0; i < m->nrr; i++) {
            const vg_dns_rr *rr = &m->rr[i];
            if (rr->section != 1 || rr->type != gt[k])
                continue;
            if (!rr->rdata && !rr->has_soa && !rr->has_srv)
                continue;
            if (!gopen) {
                vg_jb_open_obj(jb, "grouped");
                gopen = true;
            }
            if (!aopen) {
                vg_jb_open_arr(jb, vg_dns_rrtype_name(gt[k], b));
                aopen = true;
            }
            if (rr->has_soa || rr->has_srv) {
                soa_srv_eve(m, rr, NULL, jb);
            } else {
                vg_jb_str(jb, NULL, vg_dns_str(m, rr->rdata));
            }
        }
        if (aopen)
            vg_jb_close_arr(jb);
    }
    if (gopen)
        vg_jb_close_obj(jb);
}

enum { FMT_DETAILED = 1, FMT_GROUPED = 2 };

static void msg_eve_v3(const vg_dns_msg *m, uint64_t tx_id, unsigned fmt, vg_jb *jb);
static void msg_eve_v2(const vg_dns_msg *m, uint64_t tx_id, uint32_t q, unsigned fmt, vg_jb *jb);

void vg_dns_msg_eve(const vg_dns_msg *m, uint64_t tx_id, vg_jb *jb)
{
    msg_eve_v3(m, tx_id, FMT_DETAILED | FMT_GROUPED, jb);
}

void vg_dns_msg_eve_v2(const vg_dns_msg *m, uint64_t tx_id, uint32_t q, vg_jb *jb)
{
    msg_eve_v2(m, tx_id, q, FMT_DETAILED | FMT_GROUPED, jb);
}

/* formats: [detailed, grouped] (both when absent or empty) */
static unsigned formats_of(const vg_conf_node *settings)
{
    const vg_conf_node *f = settings ? vg_conf_node_child(settings, "formats") : NULL;
    unsigned fmt = 0;
    for (const vg_conf_node *c = f ? f->child : NULL; c; c = c->next) {
        if (c->value && strcasecmp(c->value, "detailed") == 0)
            fmt |= FMT_DETAILED;
        else if (c->value && strcasecmp(c->value, "grouped") == 0)
            fmt |= FMT_GROUPED;
    }
    return fmt ? fmt : FMT_DETAILED | FMT_GROUPED;
}

/* The header's flags as EVE writes them: "flags" in hex, then qr (when
 * qr), aa, tc, rd, ra and z when set, and the opcode. */
static void flags_eve(const vg_dns_msg *m, bool qr, vg_jb *jb)
{
    static const struct { uint16_t bit; const char *name; } bits[] = {
        {0x0400, "aa"}, {0x0200, "tc"}, {0x0100, "rd"}, {0x0080, "ra"}, {0x0040, "z"},
    };
    char fl[8];
    snprintf(fl, sizeof fl, "%x", m->flags);
    vg_jb_str(jb, "flags", fl);
    if (qr)
        vg_jb_bool(jb, "qr", true);
    for (size_t i = 0; i < VG_ARRAY_LEN(bits); i++)
        if (m->flags & bits[i].bit)
            vg_jb_bool(jb, bits[i].name, true);
    vg_jb_u64(jb, "opcode", (m->flags >> 11) & 0xf);
}

static void msg_eve_v3(const vg_dns_msg *m, uint64_t tx_id, unsigned fmt, vg_jb *jb)
{
    char b[8];
    bool resp = m->flags & 0x8000;
    vg_jb_open_obj(jb, "dns");
    vg_jb_u64(jb, "version", 3);
    vg_jb_str(jb, "type", resp ? "response" : "request");
    vg_jb_u64(jb, "tx_id", tx_id);
    vg_jb_u64(jb, "id", m->id);
    flags_eve(m, resp, jb);
    if (resp)
        vg_jb_str(jb, "rcode", vg_dns_rcode_name(m->flags & 0xf, b));
    if (m->nq) {
        vg_jb_open_arr(jb, "queries");
        for (uint32_t i = 0; i < m->nq; i++) {
            vg_jb_open_obj(jb, NULL);
            vg_jb_str(jb, "rrname", vg_dns_str(m, m->q[i].name));
            vg_jb_str(jb, "rrtype", vg_dns_rrtype_name(m->q[i].type, b));
            if (m->q[i].truncated)
                vg_jb_bool(jb, "rrname_truncated", true);
            vg_jb_close_obj(jb);
        }
        vg_jb_close_arr(jb);
    }
    if (resp) {
        static const char *const secs[] = {NULL, "answers", "authorities", "additionals"};
        for (uint8_t s = 1; s <= 3; s++) {
            bool open = false;
            for (uint32_t i = 0; i < m->nrr; i++) {
                if (m->rr[i].section != s || (s == 3 && m->rr[i].type == 41))
                    continue;
                if (s == 1 && !(fmt & FMT_DETAILED))
                    break;
                if (!open) {
                    vg_jb_open_arr(jb, secs[s]);
                    open = true;
                }
                rr_eve(m, &m->rr[i], jb);
            }
            if (open)
                vg_jb_close_arr(jb);
            if (s == 1 && (fmt & FMT_GROUPED))
                grouped_eve(m, jb);
        }
    }
    vg_jb_close_obj(jb);
}

static void msg_eve_v2(const vg_dns_msg *m, uint64_t tx_id, uint32_t q, unsigned fmt, vg_jb *jb)
{
    char b[8];
    bool resp = m->flags & 0x8000;
    vg_jb_open_obj(jb, "dns");
    vg_jb_u64(jb, "version", 2);
    if (!resp) {
        vg_jb_str(jb, "type", "query");
        vg_jb_u64(jb, "id", m->id);
        if (q < m->nq) {
            vg_jb_str(jb, "rrname", vg_dns_str(m, m->q[q].name));
            vg_jb_str(jb, "rrtype", vg_dns_rrtype_name(m->q[q].type, b));
        }
        vg_jb_u64(jb, "tx_id", tx_id);
        if (m->flags & 0x0040)
            vg_jb_bool(jb, "z", true);
        vg_jb_u64(jb, "opcode", (m->flags >> 11) & 0xf);
        vg_jb_close_obj(jb);
        return;
    }
    vg_jb_str(jb, "type", "answer");
    vg_jb_u64(jb, "id", m->id);
    flags_eve(m, true, jb);
    if (m->nq) {
        vg_jb_str(jb, "rrname", vg_dns_str(m, m->q[0].name));
        vg_jb_str(jb, "rrtype", vg_dns_rrtype_name(m->q[0].type, b));
    }
    vg_jb_str(jb, "rcode", vg_dns_rcode_name(m->flags & 0xf, b));
    bool any = false;
    for (uint32_t i = 0; i < m->nrr && !any; i++)
        any = m->rr[i].section == 1;
    if (any && (fmt & FMT_DETAILED)) {
        vg_jb_open_arr(jb, "answers");
        for (uint32_t i = 0; i < m->nrr; i++)
            if (m->rr[i].section == 1)
                rr_eve(m, &m->rr[i], jb);
        vg_jb_close_arr(jb);
    }
    if (any && (fmt & FMT_GROUPED))
        grouped_eve(m, jb);
    any = false;
    for (uint32_t i = 0; i < m->nrr && !any; i++)
        any = m->rr[i].section == 2;
    if (any) {
        vg_jb_open_arr(jb, "authorities");
        for (uint32_t i = 0; i < m->nrr; i++)
            if (m->rr[i].section == 2)
                rr_eve(m, &m->rr[i], jb);
        vg_jb_close_arr(jb);
    }
    vg_jb_close_obj(jb);
}

/* version as written, or 0 when absent; -1 when not a number */
static int version_value(const vg_conf_node *settings, const vg_conf_node **where)
{
    const vg_conf_node *v = settings ? vg_conf_node_child(settings, "version") : NULL;
    *where = v;
    const char *s = v && v->value ? v->value : NULL;
    if (!s)
        return 0;
    int64_t n;
    if (vg_conf_parse_int(s, &n) != VG_OK || n < 0 || n > 1000)
        return -1;
    return (int)n;
}

int vg_dns_eve_version(const vg_conf_node *settings)
{
    const vg_conf_node *w;
    int v = version_value(settings, &w);
    if (v == 0 && !w) {
        /* no version in the configuration: the environment, as Suricata */
        const char *e = getenv("SURICATA_EVE_DNS_VERSION");
        if (e && strcmp(e, "2") == 0)
            return 2;
        return 3;
    }
    return v == 2 ? 2 : 3;
}

int vg_dns_eve_check(const vg_conf_node *settings)
{
    const vg_conf_node *w;
    int v = version_value(settings, &w);
    if (!w || v == 2 || v == 3)
        return 0;
    char where[300];
    vg_warn("%s: eve-log dns version '%s' is not supported (2 or 3); using 3",
            vg_conf_node_where(w, where, sizeof where), w->value ? w->value : "");
    return 1;
}

static bool setting_off(const vg_conf_node *settings, const char *key)
{
    const vg_conf_node *n = settings ? vg_conf_node_child(settings, key) : NULL;
    bool b;
    return n && n->value && vg_conf_parse_bool(n->value, &b) == VG_OK && !b;
}

bool vg_dns_eve_wants(const vg_conf_node *settings, const vg_dns_msg *m)
{
    bool resp = m->flags & 0x8000;
    /* requests / responses (version 2's query / answer) */
    if (resp ? setting_off(settings, "responses") || setting_off(settings, "answer")
             : setting_off(settings, "requests") || setting_off(settings, "query"))
        return false;
    const vg_conf_node *types = settings ? vg_conf_node_child(settings, "types") : NULL;
    if (!types || !types->child || !m->nq)
        return true;
    /* types: [a, aaaa, ...]: by the type of the (first) question */
    char b[8];
    const char *qt = vg_dns_rrtype_name(m->q[0].type, b);
    for (const vg_conf_node *t = types->child; t; t = t->next)
        if (t->value && strcasecmp(t->value, qt) == 0)
            return true;
    return false;
}

static bool dns_tx_log_ok(vg_app_ctx *ctx, const app_flow *af, const vg_app_tx *a,
                          const vg_conf_node *settings)
{
    (void)ctx;
    (void)af;
    const dns_tx *t = a->data;
    return t && t->m && vg_dns_eve_wants(settings, t->m);
}

/* The eve writer whose dns settings are `settings`, when exactly one is. */
static vg_eve *eve_of(const vg_app_ctx *ctx, const vg_conf_node *settings)
{
    vg_eve *e = NULL;
    for (int i = 0; ctx && i < ctx->neves[1]; i++)
        if (ctx->eves[1][i].settings == settings) {
            if (e)
                return NULL;
            e = ctx->eves[1][i].eve;
        }
    return e;
}

static void dns_tx_eve(vg_app_ctx *ctx, const app_flow *af, const vg_app_tx *a, vg_jb *jb,
                       const vg_conf_node *settings)
{
    (void)af;
    const dns_tx *t = a->data;
    if (!ctx) {
        vg_dns_msg_eve(t->m, a->id, jb); /* alert metadata: always version 3 */
        return;
    }
    unsigned fmt = formats_of(settings);
    if (vg_dns_eve_version(settings) != 2) {
        msg_eve_v3(t->m, a->id, fmt, jb);
        return;
    }
    const vg_dns_msg *m = t->m;
    vg_eve *eve = !t->response && m->nq > 1 ? eve_of(ctx, settings) : NULL;
    if (eve && jb->depth == 1) {
        /* version 2 logs one record per question: the first ones are
         * written here from a copy of the record's header, the last one is
         * the record app.c writes */
        size_t len = jb->len;
        bool first = jb->first[1];
        for (uint32_t q = 0; q + 1 < m->nq; q++) {
            msg_eve_v2(m, a->id, q, fmt, jb);
            vg_jb_close_obj(jb);
            if (vg_jb_ok(jb))
                (void)vg_eve_write(eve, jb);
            jb->len = len;
            jb->buf[len] = '\0';
            jb->depth = 1;
            jb->first[1] = first;
            jb->overflow = false;
        }
        msg_eve_v2(m, a->id, m->nq - 1, fmt, jb);
        return;
    }
    msg_eve_v2(m, a->id, 0, fmt, jb);
}

bool vg_app_dns_is_response(const vg_app_tx *a)
{
    const dns_tx *t = a->data;
    return t && t->response;
}

const vg_dns_msg *vg_app_dns_msg(const vg_app_tx *a)
{
    const dns_tx *t = a->data;
    return t ? t->m : NULL;
}

const app_parser vg_app_parser_dns = {
    .alproto = VG_ALPROTO_DNS,
    .eve_kind = 1,
    .log_packet_dir = true,
    .one_sided_tx = true,
    .detect = vg_app_detect_dns,
    .state_new = dns_state_new,
    .state_free = dns_state_free,
    .parse = dns_parse,
    .tx_free = dns_tx_free,
    .tx_eve = dns_tx_eve,
    .get_buffer = dns_get_buffer,
    .tx_log_ok = dns_tx_log_ok,
};
