/*
 * kw_buffer.c: keywords about the buffer rather than its bytes: isdataat,
 * bsize, base64_decode, and the sticky buffers base64_data, ipv4.hdr,
 * ipv6.hdr, tcp.hdr, udp.hdr, icmpv4.hdr, icmpv6.hdr.
 *
 * isdataat:[!]<n|var>[,relative][,rawbytes]: absolute checks succeed when
 * n < buffer length, relative ones when cursor + n <= buffer length
 * (Suricata's documented one-byte difference).  bsize:[op]n | lo<>hi |
 * lo-hi (exclusive range) compares the whole buffer length and must follow
 * a sticky buffer.  base64_decode[:bytes n][,offset n][,relative] decodes
 * into the thread's buffer; base64_data then inspects it.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "net/payload/payload_int.h"


static void plain_free(void *ctx)
{
    free(ctx);
}

static int isdataat_setup(vg_rule_parser *rp, vg_sig *s, const char *arg, char *errbuf)
{
    char buf[128], *f[4];
    if (!arg || strlen(arg) >= sizeof buf)
        return vg_err(errbuf, VG_EINVAL, "invalid argument");
    strcpy(buf, arg);
    int nf = pl_split(buf, f, 4);
    if (nf < 1)
        return vg_err(errbuf, VG_EINVAL, "invalid argument");
    pl_isdataat *id = calloc(1, sizeof *id);
    if (!id)
        return vg_err(errbuf, VG_ENOMEM, "out of memory");
    id->h.kind = PL_ISDATAAT;
    char *v = f[0];
    if (*v == '!') {
        id->flags |= PLI_NEGATED;
        v = pl_trim(v + 1);
    }
    if (pl_parse_num(rp, v, 0, 65535, &id->at, "isdataat", errbuf) != 0) {
        free(id);
        return VG_EINVAL;
    }
    for (int i = 1; i < nf; i++) {
        if (strcmp(f[i], "relative") == 0) {
            id->flags |= PLI_RELATIVE;
        } else if (strcmp(f[i], "rawbytes") == 0) {
            id->flags |= PLI_RAWBYTES;
        } else {
            free(id);
            return vg_err(errbuf, VG_EINVAL, "unknown option '%s'", f[i]);
        }
    }
    vg_sm *sm = vg_sig_append_buf(rp, s, &vg_pl_kw_isdataat, id);
    if (!sm) {
        free(id);
        return vg_err(errbuf, VG_ENOMEM, "cannot append");
    }
    if (id->flags & PLI_RELATIVE)
        pl_mark_anchor(sm, PL_NEXT_DISTANCE | PL_NEXT_WITHIN);
    return VG_OK;
}

static int parse_u64(const char *s, uint64_t *out)
{
    int64_t v;
    if (pl_parse_int(s, 0, INT64_MAX, &v) != 0)
        return -1;
    *out = (uint64_t)v;
    return 0;
}

bool pl_bsize_match(const pl_bsize *bs, uint64_t n)
{
    switch (bs->op) {
    case PLS_EQ: return n == bs->a;
    case PLS_NE: return n != bs->a;
    case PLS_LT: return n < bs->a;
    case PLS_LE: return n <= bs->a;
    case PLS_GT: return n > bs->a;
    case PLS_GE: return n >= bs->a;
    case PLS_RANGE: return n > bs->a && n < bs->b;
    default: return false;
    }
}

static int bsize_setup(vg_rule_parser *rp, vg_sig *s, const char *arg, char *errbuf)
{
    char buf[96];
    if (!arg || strlen(arg) >= sizeof buf)
        return vg_err(errbuf, VG_EINVAL, "invalid argument");
    strcpy(buf, arg);
    char *t = pl_trim(buf);
    pl_bsize *bs = calloc(1, sizeof *bs);
    if (!bs)
        return vg_err(errbuf, VG_ENOMEM, "out of memory");
    bs->h.kind = PL_BSIZE;
    int bad = 0;
    char *r;
    if ((r = strstr(t, "<>")) != NULL || ((r = strchr(t + 1, '-')) != NULL && isdigit((unsigned char)*t))) {
        size_t skip = r[0] == '<' ? 2 : 1;
        *r = '\0';
        bs->op = PLS_RANGE;
        bad = parse_u64(t, &bs->a) || parse_u64(r + skip, &bs->b) || bs->a >= bs->b;
    } else {
        const char *v = t;
        if (strncmp(v, "<=", 2) == 0) { bs->op = PLS_LE; v += 2; }
        else if (strncmp(v, ">=", 2) == 0) { bs->op = PLS_GE; v += 2; }
        else if (strncmp(v, "!=", 2) == 0) { bs->op = PLS_NE; v += 2; }
        else if (*v == '<') { bs->op = PLS_LT; v++; }
        else if (*v == '>') { bs->op = PLS_GT; v++; }
        else if (*v == '!') { bs->op = PLS_NE; v++; }
        else if (*v == '=') { bs->op = PLS_EQ; v++; }
        else bs->op = PLS_EQ;
        bad = parse_u64(v, &bs->a);
    }
    if (bad) {
        free(bs);
        return vg_err(errbuf, VG_EINVAL, "invalid value '%s'", arg);
    }
    /* A content longer than the largest allowed size can never match. */
    uint64_t max = UINT64_MAX;
    switch (bs->op) {
    case PLS_EQ: case PLS_LE: max = bs->a; break;
    case PLS_LT: max = bs->a ? bs->a - 1 : 0; break;
    case PLS_RANGE: max = bs->b - 1; break;
    default: break;
    }
    vg_sm *prev = vg_rule_parser_last_payload(rp, s);
    vg_sm *sm = vg_sig_append_buf(rp, s, &vg_pl_kw_bsize, bs);
    if (!sm) {
        free(bs);
        return vg_err(errbuf, VG_ENOMEM, "cannot append");
    }
    if (pl_sm_buf_id(s, sm) == VG_BUF_PAYLOAD)
        return vg_err(errbuf, VG_EINVAL, "must follow a sticky buffer keyword");
    for (const vg_sm *p = prev; p; p = p->prev) {
        if (pl_kind_of(p) != PL_CONTENT)
            continue;
        const pl_content *cd = p->ctx;
        if (!(cd->flags & PLC_NEGATED) && cd->len > max)
            return vg_err(errbuf, VG_EINVAL, "content of %u bytes can never fit", cd->len);
    }
    return VG_OK;
}

static int b64_decode_setup(vg_rule_parser *rp, vg_sig *s, const char *arg, char *errbuf)
{
    pl_b64 *bd = calloc(1, sizeof *bd);
    if (!bd)
        return vg_err(errbuf, VG_ENOMEM, "out of memory");
    bd->h.kind = PL_B64_DECODE;
    if (arg) {
        char buf[128], *f[4];
        if (strlen(arg) >= sizeof buf) {
            free(bd);
            return vg_err(errbuf, VG_EINVAL, "invalid argument");
        }
        strcpy(buf, arg);
        int nf = pl_split(buf, f, 4);
        if (nf == 1 && !*f[0])
            nf = 0;
        for (int i = 0; i < nf; i++) {
            int64_t v;
            if (strcmp(f[i], "relative") == 0) {
                bd->relative = true;
            } else if (strncmp(f[i], "bytes", 5) == 0 && isspace((unsigned char)f[i][5]) &&
                       pl_parse_int(f[i] + 6, 1, PL_B64_MAX, &v) == 0) {
                bd->bytes = (uint32_t)v;
            } else if (strncmp(f[i], "offset", 6) == 0 && isspace((unsigned char)f[i][6]) &&
                       pl_parse_int(f[i] + 7, 0, 65535, &v) == 0) {
                bd->offset = (uint32_t)v;
            } else {
                free(bd);
                return vg_err(errbuf, VG_EINVAL, "invalid option '%s'", f[i]);
            }
        }
    }
    vg_sm *sm = vg_sig_append_buf(rp, s, &vg_pl_kw_b64_decode, bd);
    if (!sm) {
        free(bd);
        return vg_err(errbuf, VG_ENOMEM, "cannot append");
    }
    if (pl_sm_buf_id(s, sm) == VG_BUF_BASE64_DATA)
        return vg_err(errbuf, VG_EINVAL, "can't be used on base64_data");
    if (bd->relative)
        pl_mark_anchor(sm, PL_NEXT_DISTANCE | PL_NEXT_WITHIN);
    return VG_OK;
}

static int b64_data_setup(vg_rule_parser *rp, vg_sig *s, const char *arg, char *errbuf)
{
    (void)arg;
    bool have = false;
    for (unsigned b = 0; b < s->nbufs && !have; b++)
        for (const vg_sm *sm = s->bufs[b].head; sm; sm = sm->next)
            if (pl_kind_of(sm) == PL_B64_DECODE)
                have = true;
    if (!have)
        return vg_err(errbuf, VG_EINVAL, "must follow base64_decode");
    return vg_rule_parser_set_buf(rp, s, VG_BUF_BASE64_DATA, errbuf);
}

#define STICKY(fn, id)                                                                  \
    static int fn(vg_rule_parser *rp, vg_sig *s, const char *arg, char *errbuf)         \
    {                                                                                   \
        (void)arg;                                                                      \
        return vg_rule_parser_set_buf(rp, s, id, errbuf);                               \
    }
STICKY(ipv4_hdr_setup, VG_BUF_IPV4_HDR)
STICKY(ipv6_hdr_setup, VG_BUF_IPV6_HDR)
STICKY(tcp_hdr_setup, VG_BUF_TCP_HDR)
STICKY(udp_hdr_setup, VG_BUF_UDP_HDR)
STICKY(icmpv4_hdr_setup, VG_BUF_ICMPV4_HDR)
STICKY(icmpv6_hdr_setup, VG_BUF_ICMPV6_HDR)

const vg_keyword vg_pl_kw_isdataat = {
    .name = "isdataat", .flags = VG_KW_PAYLOAD, .setup = isdataat_setup, .free = plain_free,
};
const vg_keyword vg_pl_kw_bsize = {
    .name = "bsize", .flags = VG_KW_PAYLOAD, .setup = bsize_setup, .free = plain_free,
};
const vg_keyword vg_pl_kw_b64_decode = {
    .name = "base64_decode", .flags = VG_KW_PAYLOAD, .setup = b64_decode_setup,
    .free = plain_free,
};
#define STICKY_KW(sym, nm, fn) \
    const vg_keyword sym = { .name = nm, .flags = VG_KW_STICKY | VG_KW_NOOPT, .setup = fn }
STICKY_KW(vg_pl_kw_b64_data, "base64_data", b64_data_setup);
STICKY_KW(vg_pl_kw_ipv4_hdr, "ipv4.hdr", ipv4_hdr_setup);
STICKY_KW(vg_pl_kw_ipv6_hdr, "ipv6.hdr", ipv6_hdr_setup);
STICKY_KW(vg_pl_kw_tcp_hdr, "tcp.hdr", tcp_hdr_setup);
STICKY_KW(vg_pl_kw_udp_hdr, "udp.hdr", udp_hdr_setup);
STICKY_KW(vg_pl_kw_icmpv4_hdr, "icmpv4.hdr", icmpv4_hdr_setup);
STICKY_KW(vg_pl_kw_icmpv6_hdr, "icmpv6.hdr", icmpv6_hdr_setup);

