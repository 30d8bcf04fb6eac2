/*
 * kw_tcp.c: TCP header keywords flags (alias tcp.flags), window, seq, ack,
 * tcp.mss, and stream_size.
 *
 * stream_size compares, per side, the next expected sequence number minus
 * the initial one (client = the to-server side), from the sequence numbers
 * detection has seen on the flow's packets (retransmissions do not count
 * twice; a flow picked up midstream starts at its first packet).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "net/detect/detect_int.h"

int vg_bits_match(const void *ctx, uint8_t value);
int vg_bits_parse(const char *arg, const char *chars, const uint8_t *bitv, void **out,
                  char *errbuf);

static bool is_tcp(const vg_packet *p)
{
    return p->proto == 6 && p->l4 != NULL && !(p->flags & VG_PKT_PSEUDO);
}

extern const vg_keyword vg_kw_flags;
static int flags_setup(vg_rule_parser *rp, vg_sig *s, const char *arg, char *errbuf)
{
    (void)rp;
    static const uint8_t bitv[] = {0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x80, 0x40, 0x80, 0x40};
    void *c;
    int rc = vg_bits_parse(arg, "FSRPAUCE12", bitv, &c, errbuf);
    if (rc)
        return rc;
    if (!vg_sig_append(s, VG_LIST_MATCH, &vg_kw_flags, c)) {
        free(c);
        return vg_err(errbuf, VG_ENOMEM, "out of memory");
    }
    return VG_OK;
}
static int flags_match(const vg_match_ctx *mc, const vg_sm *sm)
{
    return is_tcp(mc->p) && vg_bits_match(sm->ctx, mc->p->tcp_flags);
}

static int tcp_uint_setup(vg_sig *s, const vg_keyword *kw, const char *arg, uint64_t max,
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

extern const vg_keyword vg_kw_window, vg_kw_seq, vg_kw_ack, vg_kw_tcp_mss;
static int window_setup(vg_rule_parser *rp, vg_sig *s, const char *arg, char *errbuf)
{
    (void)rp;
    return tcp_uint_setup(s, &vg_kw_window, arg, 65535, errbuf);
}
static int window_match(const vg_match_ctx *mc, const vg_sm *sm)
{
    return is_tcp(mc->p) && vg_uint_match(sm->ctx, mc->p->tcp_win);
}
static int seq_setup(vg_rule_parser *rp, vg_sig *s, const char *arg, char *errbuf)
{
    (void)rp;
    return tcp_uint_setup(s, &vg_kw_seq, arg, UINT32_MAX, errbuf);
}
static int seq_match(const vg_match_ctx *mc, const vg_sm *sm)
{
    return is_tcp(mc->p) && vg_uint_match(sm->ctx, mc->p->tcp_seq);
}
static int ack_setup(vg_rule_parser *rp, vg_sig *s, const char *arg, char *errbuf)
{
    (void)rp;
    return tcp_uint_setup(s, &vg_kw_ack, arg, UINT32_MAX, errbuf);
}
static int ack_match(const vg_match_ctx *mc, const vg_sm *sm)
{
    return is_tcp(mc->p) && vg_uint_match(sm->ctx, mc->p->tcp_ack);
}
static int mss_setup(vg_rule_parser *rp, vg_sig *s, const char *arg, char *errbuf)
{
    (void)rp;
    return tcp_uint_setup(s, &vg_kw_tcp_mss, arg, 65535, errbuf);
}
static int mss_match(const vg_match_ctx *mc, const vg_sm *sm)
{
    return is_tcp(mc->p) && mc->p->tcp_has_mss && vg_uint_match(sm->ctx, mc->p->tcp_mss);
}

/* stream_size:<server|client|both|either>,<op>,<N> */
typedef struct { uint8_t which; vg_uint u; } ss_ctx;
extern const vg_keyword vg_kw_stream_size;
static int stream_size_setup(vg_rule_parser *rp, vg_sig *s, const char *arg, char *errbuf)
{
    (void)rp;
    char tmp[128];
    if (vg_rule_unquote(arg, tmp, sizeof(tmp)) != VG_OK)
        return vg_err(errbuf, VG_EINVAL, "bad stream_size");
    char *f[3];
    int n = vg_rule_split(tmp, f, 3);
    if (n < 0)
        return vg_err(errbuf, VG_EINVAL, "stream_size takes 3 fields");
    if (n != 3)
        return vg_err(errbuf, VG_EINVAL, "stream_size takes 3 fields");
    ss_ctx *c = calloc(1, sizeof(*c));
    if (!c)
        return vg_err(errbuf, VG_ENOMEM, "out of memory");
    if (strcmp(f[0], "server") == 0)
        c->which = 0;
    else if (strcmp(f[0], "client") == 0)
        c->which = 1;
    else if (strcmp(f[0], "both") == 0)
        c->which = 2;
    else if (strcmp(f[0], "either") == 0)
        c->which = 3;
    else {
        free(c);
        return vg_err(errbuf, VG_EINVAL, "stream_size side must be server, client, both or either");
    }
    static const char *const ops[] = {">=", "<=", "!=", "=", ">", "<"};
    size_t k;
    for (k = 0; k < VG_ARRAY_LEN(ops); k++)
        if (strcmp(f[1], ops[k]) == 0)
            break;
    if (k == VG_ARRAY_LEN(ops)) {
        free(c);
        return vg_err(errbuf, VG_EINVAL, "bad stream_size operator \"%.8s\"", f[1]);
    }
    char expr[64];
    snprintf(expr, sizeof(expr), "%s%s", strcmp(f[1], "=") == 0 ? "" : f[1], f[2]);
    if (vg_uint_parse(expr, UINT32_MAX, &c->u, errbuf) != VG_OK) {
        free(c);
        return VG_EINVAL;
    }
    if (!vg_sig_append(s, VG_LIST_MATCH, &vg_kw_stream_size, c)) {
        free(c);
        return vg_err(errbuf, VG_ENOMEM, "out of memory");
    }
    s->flags |= VG_SIG_NEED_FLOW | VG_SIGX_STREAM_SIZE;
    return VG_OK;
}
static int stream_size_match(const vg_match_ctx *mc, const vg_sm *sm)
{
    const ss_ctx *c = sm->ctx;
    const vg_flow *f = mc->p->flow;
    if (!f || f->proto != 6 || !f->detect_state)
        return 0;
    const vg_det_flow *df = f->detect_state;
    /* next expected sequence number minus the initial one, per side, as
     * Suricata's stream_size compares (tracked in vg_detect_track_seq) */
    uint64_t cl = (df->seq_seen & 1) ? (uint32_t)(df->next_seq[0] - df->isn[0]) : 0;
    uint64_t sv = (df->seq_seen & 2) ? (uint32_t)(df->next_seq[1] - df->isn[1]) : 0;
    switch (c->which) {
    case 0: return vg_uint_match(&c->u, sv);
    case 1: return vg_uint_match(&c->u, cl);
    case 2: return vg_uint_match(&c->u, sv) && vg_uint_match(&c->u, cl);
    default: return vg_uint_match(&c->u, sv) || vg_uint_match(&c->u, cl);
    }
}

const vg_keyword vg_kw_flags = {"flags", "tcp.flags", 0, flags_setup, flags_match, free};
const vg_keyword vg_kw_window = {"window", "tcp.window", 0, window_setup, window_match, free};
const vg_keyword vg_kw_seq = {"seq", "tcp.seq", 0, seq_setup, seq_match, free};
const vg_keyword vg_kw_ack = {"ack", "tcp.ack", 0, ack_setup, ack_match, free};
const vg_keyword vg_kw_tcp_mss = {"tcp.mss", NULL, 0, mss_setup, mss_match, free};
const vg_keyword vg_kw_stream_size = {"stream_size", NULL, 0, stream_size_setup,
                                      stream_size_match, free};
