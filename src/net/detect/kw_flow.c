/*
 * kw_flow.c: flow state keywords: flow (direction, established,
 * stateless, only_stream/no_stream, only_frag/no_frag), flow.pkts and
 * flow.bytes (with the _toserver/_toclient forms), flow.age, app-layer-protocol,
 * and the event keywords decode-event and stream-event, which match the
 * events the decoder and the stream engine raised on the packet.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "net/decode/decode.h"
#include "net/detect/detect_int.h"
#include "net/flow/flow_table.h"

enum {
    FL_TOSERVER = 1 << 0, FL_TOCLIENT = 1 << 1, FL_EST = 1 << 2, FL_NOT_EST = 1 << 3,
    FL_STATELESS = 1 << 4, FL_ONLY_STREAM = 1 << 5, FL_NO_STREAM = 1 << 6,
    FL_ONLY_FRAG = 1 << 7, FL_NO_FRAG = 1 << 8,
};

extern const vg_keyword vg_kw_flow;

static int flow_setup(vg_rule_parser *rp, vg_sig *s, const char *arg, char *errbuf)
{
    (void)rp;
    char tmp[256];
    if (vg_rule_unquote(arg, tmp, sizeof(tmp)) != VG_OK)
        return vg_err(errbuf, VG_EINVAL, "bad flow options");
    for (vg_sm *sm = s->lists[VG_LIST_MATCH]; sm; sm = sm->next)
        if (sm->kw == &vg_kw_flow)
            return vg_err(errbuf, VG_EINVAL, "only one flow keyword per rule");
    static const struct { const char *n; uint32_t f; } opts[] = {
        {"to_server", FL_TOSERVER}, {"from_client", FL_TOSERVER},
        {"to_client", FL_TOCLIENT}, {"from_server", FL_TOCLIENT},
        {"established", FL_EST}, {"not_established", FL_NOT_EST},
        {"stateless", FL_STATELESS}, {"only_stream", FL_ONLY_STREAM},
        {"no_stream", FL_NO_STREAM}, {"only_frag", FL_ONLY_FRAG}, {"no_frag", FL_NO_FRAG},
    };
    uint32_t f = 0;
    char *save = NULL;
    for (char *t = strtok_r(tmp, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        while (isspace((unsigned char)*t))
            t++;
        char *e = t + strlen(t);
        while (e > t && isspace((unsigned char)e[-1]))
            *--e = 0;
        size_t i;
        for (i = 0; i < VG_ARRAY_LEN(opts); i++)
            if (strcmp(opts[i].n, t) == 0)
                break;
        if (i == VG_ARRAY_LEN(opts))
            return vg_err(errbuf, VG_EINVAL, "unknown flow option \"%.32s\"", t);
        if (f & opts[i].f)
            return vg_err(errbuf, VG_EINVAL, "flow option \"%s\" given twice", t);
        f |= opts[i].f;
    }
    if ((f & FL_TOSERVER) && (f & FL_TOCLIENT))
        return vg_err(errbuf, VG_EINVAL, "flow: to_server and to_client together");
    if ((f & FL_EST) && (f & FL_NOT_EST))
        return vg_err(errbuf, VG_EINVAL, "flow: established and not_established together");
    if ((f & FL_ONLY_STREAM) && (f & FL_NO_STREAM))
        return vg_err(errbuf, VG_EINVAL, "flow: only_stream and no_stream together");
    if ((f & FL_ONLY_FRAG) && (f & FL_NO_FRAG))
        return vg_err(errbuf, VG_EINVAL, "flow: only_frag and no_frag together");
    if (f == 0)
        return vg_err(errbuf, VG_EINVAL, "flow: no options");
    if (f & FL_TOSERVER)
        s->flags |= VG_SIG_TOSERVER;
    if (f & FL_TOCLIENT)
        s->flags |= VG_SIG_TOCLIENT;
    if (f & FL_EST)
        s->flags |= VG_SIG_ESTABLISHED;
    if (f & FL_STATELESS)
        s->flags |= VG_SIG_STATELESS;
    if (f & FL_ONLY_STREAM)
        s->flags |= VG_SIG_STREAM_ONLY;
    if (f & FL_NO_STREAM)
        s->flags |= VG_SIG_PKT_ONLY | VG_SIGX_REQUIRE_PACKET;
    if (f & (FL_TOSERVER | FL_TOCLIENT | FL_EST | FL_NOT_EST))
        s->flags |= VG_SIG_NEED_FLOW;
    uint32_t *c = malloc(sizeof(*c));
    if (!c)
        return vg_err(errbuf, VG_ENOMEM, "out of memory");
    *c = f;
    if (!vg_sig_append(s, VG_LIST_MATCH, &vg_kw_flow, c)) {
        free(c);
        return vg_err(errbuf, VG_ENOMEM, "out of memory");
    }
    return VG_OK;
}

static int flow_match(const vg_match_ctx *mc, const vg_sm *sm)
{
    uint32_t f = *(const uint32_t *)sm->ctx;
    const vg_packet *p = mc->p;
    if (f & FL_ONLY_FRAG && p->pkt_src != VG_PKT_SRC_DEFRAG)
        return 0;
    if (f & FL_NO_FRAG && p->pkt_src == VG_PKT_SRC_DEFRAG)
        return 0;
    if (f & (FL_TOSERVER | FL_TOCLIENT | FL_EST | FL_NOT_EST)) {
        if (!p->flow)
            return 0;
        if ((f & FL_TOSERVER) && !(p->flags & VG_PKT_TOSERVER))
            return 0;
        if ((f & FL_TOCLIENT) && !(p->flags & VG_PKT_TOCLIENT))
            return 0;
        if ((f & FL_EST) && !(p->flags & VG_PKT_ESTABLISHED))
            return 0;
        if ((f & FL_NOT_EST) && (p->flags & VG_PKT_ESTABLISHED))
            return 0;
    }
    return 1;
}

/* flow.pkts / flow.bytes: [toserver|toclient|either|both,]uint, and the
 * flow.pkts_toserver style names with a plain uint. */
typedef struct { uint8_t dir; bool bytes; vg_uint u; } fcnt_ctx;
enum { DIR_TOSERVER = 0, DIR_TOCLIENT, DIR_EITHER, DIR_BOTH };

static int fcnt_setup(vg_sig *s, const vg_keyword *kw, const char *arg, bool bytes, int dir,
                      char *errbuf)
{
    fcnt_ctx *c = calloc(1, sizeof(*c));
    if (!c)
        return vg_err(errbuf, VG_ENOMEM, "out of memory");
    c->bytes = bytes;
    const char *val = arg;
    if (dir < 0) {
        const char *comma = strchr(arg, ',');
        if (!comma) {
            free(c);
            return vg_err(errbuf, VG_EINVAL, "expected direction,value");
        }
        size_t l = (size_t)(comma - arg);
        while (l && isspace((unsigned char)arg[l - 1]))
            l--;
        if (l == 8 && strncmp(arg, "toserver", 8) == 0)
            dir = DIR_TOSERVER;
        else if (l == 8 && strncmp(arg, "toclient", 8) == 0)
            dir = DIR_TOCLIENT;
        else if (l == 6 && strncmp(arg, "either", 6) == 0)
            dir = DIR_EITHER;
        else if (l == 4 && strncmp(arg, "both", 4) == 0)
            dir = DIR_BOTH;
        else {
            free(c);
            return vg_err(errbuf, VG_EINVAL, "direction must be toserver, toclient, either or both");
        }
        val = comma + 1;
    }
    c->dir = (uint8_t)dir;
    if (vg_uint_parse(val, bytes ? UINT64_MAX : UINT32_MAX, &c->u, errbuf) != VG_OK) {
        free(c);
        return VG_EINVAL;
    }
    if (!vg_sig_append(s, VG_LIST_MATCH, kw, c)) {
        free(c);
        return vg_err(errbuf, VG_ENOMEM, "out of memory");
    }
    s->flags |= VG_SIG_NEED_FLOW;
    return VG_OK;
}

static int fcnt_match(const vg_match_ctx *mc, const vg_sm *sm)
{
    const fcnt_ctx *c = sm->ctx;
    const vg_flow *f = mc->p->flow;
    if (!f)
        return 0;
    uint64_t ts = c->bytes ? f->bytes_toserver : f->pkts_toserver;
    uint64_t tc = c->bytes ? f->bytes_toclient : f->pkts_toclient;
    switch (c->dir) {
    case DIR_TOSERVER: return vg_uint_match(&c->u, ts);
    case DIR_TOCLIENT: return vg_uint_match(&c->u, tc);
    case DIR_BOTH: return vg_uint_match(&c->u, ts) && vg_uint_match(&c->u, tc);
    default: return vg_uint_match(&c->u, ts) || vg_uint_match(&c->u, tc);
    }
}

extern const vg_keyword vg_kw_flow_pkts, vg_kw_flow_bytes, vg_kw_flow_pkts_ts,
    vg_kw_flow_pkts_tc, vg_kw_flow_bytes_ts, vg_kw_flow_bytes_tc;
static int flow_pkts_setup(vg_rule_parser *rp, vg_sig *s, const char *arg, char *errbuf)
{
    (void)rp;
    return fcnt_setup(s, &vg_kw_flow_pkts, arg, false, -1, errbuf);
}
static int flow_bytes_setup(vg_rule_parser *rp, vg_sig *s, const char *arg, char *errbuf)
{
    (void)rp;
    return fcnt_setup(s, &vg_kw_flow_bytes, arg, true, -1, errbuf);
}
static int flow_pkts_ts_setup(vg_rule_parser *rp, vg_sig *s, const char *arg, char *errbuf)
{
    (void)rp;
    return fcnt_setup(s, &vg_kw_flow_pkts_ts, arg, false, DIR_TOSERVER, errbuf);
}
static int flow_pkts_tc_setup(vg_rule_parser *rp, vg_sig *s, const char *arg, char *errbuf)
{
    (void)rp;
    return fcnt_setup(s, &vg_kw_flow_pkts_tc, arg, false, DIR_TOCLIENT, errbuf);
}
static int flow_bytes_ts_setup(vg_rule_parser *rp, vg_sig *s, const char *arg, char *errbuf)
{
    (void)rp;
    return fcnt_setup(s, &vg_kw_flow_bytes_ts, arg, true, DIR_TOSERVER, errbuf);
}
static int flow_bytes_tc_setup(vg_rule_parser *rp, vg_sig *s, const char *arg, char *errbuf)
{
    (void)rp;
    return fcnt_setup(s, &vg_kw_flow_bytes_tc, arg, true, DIR_TOCLIENT, errbuf);
}

/* app-layer-protocol:[!]name[,final|original|either|to_server|to_client] */
typedef struct { bool neg; uint16_t al; } alp_ctx;
extern const vg_keyword vg_kw_app_layer_protocol;
static int alp_setup(vg_rule_parser *rp, vg_sig *s, const char *arg, char *errbuf)
{
    (void)rp;
    char tmp[64];
    if (vg_rule_unquote(arg, tmp, sizeof(tmp)) != VG_OK)
        return vg_err(errbuf, VG_EINVAL, "bad app-layer-protocol");
    char *comma = strchr(tmp, ',');
    if (comma) {
        *comma = 0;
        char *m = comma + 1;
        while (isspace((unsigned char)*m))
            m++;
        if (strcmp(m, "final") && strcmp(m, "original") && strcmp(m, "either") &&
            strcmp(m, "to_server") && strcmp(m, "to_client") && strcmp(m, "direction"))
            return vg_err(errbuf, VG_EINVAL, "unknown app-layer-protocol mode \"%.16s\"", m);
    }
    alp_ctx *c = calloc(1, sizeof(*c));
    if (!c)
        return vg_err(errbuf, VG_ENOMEM, "out of memory");
    char *n = tmp;
    if (*n == '!') {
        c->neg = true;
        n++;
    }
    int al = strcmp(n, "unknown") == 0 ? 0 : vg_alproto_lookup(n);
    if (al < 0) {
        free(c);
        return vg_err(errbuf, VG_EINVAL, "unknown app-layer protocol \"%.32s\"", n);
    }
    c->al = (uint16_t)al;
    if (!vg_sig_append(s, VG_LIST_MATCH, &vg_kw_app_layer_protocol, c)) {
        free(c);
        return vg_err(errbuf, VG_ENOMEM, "out of memory");
    }
    s->flags |= VG_SIG_NEED_FLOW;
    return VG_OK;
}
static int alp_match(const vg_match_ctx *mc, const vg_sm *sm)
{
    const alp_ctx *c = sm->ctx;
    const vg_flow *f = mc->p->flow;
    if (!f)
        return 0;
    /* "unknown" (0) is what an undetected flow has; otherwise negation
     * needs a detected protocol */
    uint16_t al = f->alproto;
    if (c->neg)
        return c->al == 0 ? al != 0 : (al != 0 && al != c->al);
    return al == c->al;
}

/* decode-event:ipv4.trunc_pkt; stream-event:3whs_... */
extern const vg_keyword vg_kw_decode_event, vg_kw_stream_event;
static int event_setup(vg_rule_parser *rp, vg_sig *s, const char *arg, char *errbuf, bool stream)
{
    (void)rp;
    char tmp[128];
    if (vg_rule_unquote(arg, tmp, sizeof(tmp)) != VG_OK || !tmp[0])
        return vg_err(errbuf, VG_EINVAL, "bad event name");
    int id;
    if (stream) {
        id = vg_stream_event_lookup(tmp);
    } else {
        id = vg_decode_event_lookup(tmp);
        if (id < 0) {
            char full[160];
            snprintf(full, sizeof(full), "decoder.%s", tmp);
            id = vg_decode_event_lookup(full);
        }
    }
    if (id < 0)
        return vg_err(errbuf, VG_EINVAL, "unknown %s event \"%.64s\"", stream ? "stream" : "decoder",
                      tmp);
    int *c = malloc(sizeof(*c));
    if (!c)
        return vg_err(errbuf, VG_ENOMEM, "out of memory");
    *c = id;
    if (!vg_sig_append(s, VG_LIST_MATCH, stream ? &vg_kw_stream_event : &vg_kw_decode_event, c)) {
        free(c);
        return vg_err(errbuf, VG_ENOMEM, "out of memory");
    }
    s->flags |= VG_SIGX_NEED_EVENTS;
    return VG_OK;
}
static int decode_event_setup(vg_rule_parser *rp, vg_sig *s, const char *arg, char *errbuf)
{
    return event_setup(rp, s, arg, errbuf, false);
}
static int stream_event_setup(vg_rule_parser *rp, vg_sig *s, const char *arg, char *errbuf)
{
    return event_setup(rp, s, arg, errbuf, true);
}
static int decode_event_match(const vg_match_ctx *mc, const vg_sm *sm)
{
    int id = *(const int *)sm->ctx;
    for (int i = 0; i < mc->p->nevents && i < VG_PKT_MAX_EVENTS; i++)
        if (mc->p->events[i] == id)
            return 1;
    return 0;
}
static int stream_event_match(const vg_match_ctx *mc, const vg_sm *sm)
{
    int id = *(const int *)sm->ctx;
    for (int i = 0; i < mc->p->nstream_events && i < (int)sizeof(mc->p->stream_events); i++)
        if (mc->p->stream_events[i] == id)
            return 1;
    return 0;
}

/* flow.age: whole seconds between the flow's first packet and this one (as
 * Suricata: the difference of the two timestamps' seconds), matched at
 * every packet of the flow. */
extern const vg_keyword vg_kw_flow_age;
static int flow_age_setup(vg_rule_parser *rp, vg_sig *s, const char *arg, char *errbuf)
{
    (void)rp;
    vg_uint *u = vg_uint_new(arg, UINT32_MAX, errbuf);
    if (!u)
        return VG_EINVAL;
    if (!vg_sig_append(s, VG_LIST_MATCH, &vg_kw_flow_age, u)) {
        free(u);
        return vg_err(errbuf, VG_ENOMEM, "out of memory");
    }
    s->flags |= VG_SIG_NEED_FLOW;
    return VG_OK;
}

static int flow_age_match(const vg_match_ctx *mc, const vg_sm *sm)
{
    const vg_flow *f = mc->p->flow;
    if (!f)
        return 0;
    int64_t now = (int64_t)mc->p->ts.tv_sec, start = (int64_t)f->start.tv_sec;
    if ((int64_t)f->last.tv_sec > now)
        now = (int64_t)f->last.tv_sec; /* a pseudo packet without its own time */
    return vg_uint_match(sm->ctx, now > start ? (uint64_t)(now - start) : 0);
}

const vg_keyword vg_kw_flow_age = {"flow.age", NULL, 0, flow_age_setup, flow_age_match, free};
const vg_keyword vg_kw_flow = {"flow", NULL, 0, flow_setup, flow_match, free};
const vg_keyword vg_kw_flow_pkts = {"flow.pkts", NULL, 0, flow_pkts_setup, fcnt_match, free};
const vg_keyword vg_kw_flow_bytes = {"flow.bytes", NULL, 0, flow_bytes_setup, fcnt_match, free};
const vg_keyword vg_kw_flow_pkts_ts = {"flow.pkts_toserver", NULL, 0, flow_pkts_ts_setup,
                                       fcnt_match, free};
const vg_keyword vg_kw_flow_pkts_tc = {"flow.pkts_toclient", NULL, 0, flow_pkts_tc_setup,
                                       fcnt_match, free};
const vg_keyword vg_kw_flow_bytes_ts = {"flow.bytes_toserver", NULL, 0, flow_bytes_ts_setup,
                                        fcnt_match, free};
const vg_keyword vg_kw_flow_bytes_tc = {"flow.bytes_toclient", NULL, 0, flow_bytes_tc_setup,
                                        fcnt_match, free};
const vg_keyword vg_kw_app_layer_protocol = {"app-layer-protocol", NULL, 0, alp_setup, alp_match,
                                             free};
const vg_keyword vg_kw_decode_event = {"decode-event", NULL, 0, decode_event_setup,
                                       decode_event_match, free};
const vg_keyword vg_kw_stream_event = {"stream-event", NULL, 0, stream_event_setup,
                                       stream_event_match, free};
