/*
 * ics_dnp3.c: DNP3 over TCP (see ics.h): link frames (0x05 0x64, header
 * CRC, a CRC after every 16 bytes of user data), transport reassembly
 * (FIR starts a message, FIN ends it, per direction), the application
 * header (control, function code, internal indications) and the object
 * headers (group, variation, qualifier and range), stepping over point
 * data of the common groups; the EVE `dnp3` record and the flow parser
 * (one transaction per application message, as Suricata 8).
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/conf.h"
#include "net/app/app_int.h"
#include "net/app/ics.h"

void vg_ics_count_dnp3(size_t off); /* ics_modbus.c */
void vg_ics_anomaly(vg_app_ctx *ctx, const char *proto, const char *event, uint32_t *budget);
#define D3_COUNT(field) vg_ics_count_dnp3(offsetof(vg_ics_stats, field))

/* ---- names ---- */

static const char *const iin_names[16] = {
    "all_stations", "class_1_events", "class_2_events", "class_3_events",
    "need_time", "local_control", "device_trouble", "device_restart",
    "no_func_code_support", "object_unknown", "parameter_error", "event_buffer_overflow",
    "already_executing", "config_corrupt", "reserved_2", "reserved_1",
};

const char *vg_dnp3_iin_name(unsigned bit)
{
    return bit < 16 ? iin_names[bit] : NULL;
}

int vg_dnp3_iin_lookup(const char *name)
{
    for (int i = 0; i < 16; i++)
        if (strcasecmp(name, iin_names[i]) == 0)
            return i;
    return -1;
}

static const char *const func_names[] = {
    "confirm", "read", "write", "select", "operate", "direct_operate", "direct_operate_nr",
    "immed_freeze", "immed_freeze_nr", "freeze_clear", "freeze_clear_nr", "freeze_at_time",
    "freeze_at_time_nr", "cold_restart", "warm_restart", "initialize_data",
    "initialize_appl", "start_appl", "stop_appl", "save_config", "enable_unsolicited",
    "disable_unsolicited", "assign_class", "delay_measure", "record_current_time",
    "open_file", "close_file", "delete_file", "get_file_info", "authenticate_file",
    "abort_file", "activate_config", "authenticate_req", "authenticate_err",
};

const char *vg_dnp3_func_name(uint8_t fc)
{
    if (fc < VG_ARRAY_LEN(func_names))
        return func_names[fc];
    switch (fc) {
    case 129: return "response";
    case 130: return "unsolicited_response";
    case 131: return "authenticate_resp";
    default: return NULL;
    }
}

int vg_dnp3_func_lookup(const char *name)
{
    for (int i = 0; i < 256; i++) {
        const char *n = vg_dnp3_func_name((uint8_t)i);
        if (n && strcasecmp(n, name) == 0)
            return i;
    }
    return -1;
}

/* ---- link layer ---- */

uint16_t vg_dnp3_crc(const uint8_t *d, uint32_t n)
{
    uint16_t crc = 0;
    for (uint32_t i = 0; i < n; i++) {
        crc ^= d[i];
        for (int b = 0; b < 8; b++)
            crc = (crc & 1) ? (uint16_t)((crc >> 1) ^ 0xA6BC) : (uint16_t)(crc >> 1);
    }
    return (uint16_t)~crc;
}

static bool crc_ok(const uint8_t *d, uint32_t n)
{
    uint16_t c = vg_dnp3_crc(d, n);
    return d[n] == (c & 0xff) && d[n + 1] == (c >> 8);
}

int vg_dnp3_link_read(const uint8_t *d, uint32_t n, vg_dnp3_link *lh, uint8_t user[256],
                      uint32_t *ulen, uint32_t *consumed)
{
    *ulen = 0;
    *consumed = 0;
    if ((n >= 1 && d[0] != 0x05) || (n >= 2 && d[1] != 0x64))
        return VG_DNP3_LINK_BAD_START;
    if (n < 10)
        return VG_DNP3_LINK_MORE;
    if (!crc_ok(d, 8))
        return VG_DNP3_LINK_BAD_HDR;
    lh->len = d[2];
    lh->ctl = d[3];
    lh->dst = (uint16_t)(d[4] | d[5] << 8);
    lh->src = (uint16_t)(d[6] | d[7] << 8);
    if (lh->len < 5) {
        *consumed = 10;
        return VG_DNP3_LINK_SHORT;
    }
    uint32_t ud = lh->len - 5u;
    uint32_t total = 10 + ud + 2 * ((ud + 15) / 16);
    if (n < total)
        return VG_DNP3_LINK_MORE;
    *consumed = total;
    const uint8_t *p = d + 10;
    for (uint32_t left = ud; left;) {
        uint32_t k = left < 16 ? left : 16;
        if (!crc_ok(p, k)) {
            *ulen = 0;
            return VG_DNP3_LINK_BAD_CRC;
        }
        memcpy(user + *ulen, p, k);
        *ulen += k;
        p += k + 2;
        left -= k;
    }
    return VG_DNP3_LINK_OK;
}

/* ---- application layer ---- */

enum { SZ_UNKNOWN = -1, SZ_PACKED = -2, SZ_DOUBLE = -3, SZ_OCTETS = -4 };

/* Bytes per point of group g variation v (without prefix). */
static int obj_size(uint8_t g, uint8_t v)
{
    static const struct { uint8_t g; int8_t sz[9]; } t[] = {
        /* variation:  1   2   3   4   5   6   7   8 (index 0 unused) */
        {1, {0, SZ_PACKED, 1}},
        {2, {0, 1, 7, 3}},
        {3, {0, SZ_DOUBLE, 1}},
        {4, {0, 1, 7, 3}},
        {10, {0, SZ_PACKED, 1}},
        {11, {0, 1, 7}},
        {12, {0, 11, 11, SZ_PACKED}},
        {13, {0, 1, 7}},
        {20, {0, 5, 3, 5, 3, 4, 2, 5, 3}},
        {21, {0, 5, 3, 5, 3, 11, 9, 11, 9}},
        {22, {0, 5, 3, 5, 3, 11, 9, 11, 9}},
        {23, {0, 5, 3, 5, 3, 11, 9, 11, 9}},
        {30, {0, 5, 3, 4, 2, 5, 9}},
        {31, {0, 5, 3, 11, 9, 4, 2, 5, 9}},
        {32, {0, 5, 3, 11, 9, 5, 9, 11, 15}},
        {33, {0, 5, 3, 11, 9, 5, 9, 11, 15}},
        {34, {0, 2, 4, 4}},
        {40, {0, 5, 3, 5, 9}},
        {41, {0, 5, 3, 5, 9}},
        {42, {0, 5, 3, 11, 9, 5, 9, 11, 15}},
        {43, {0, 5, 3, 11, 9, 5, 9, 11, 15}},
        {50, {0, 6, 10, 6, 11}},
        {51, {0, 6, 6}},
        {52, {0, 2, 2}},
        {80, {0, SZ_PACKED}},
    };
    if (g == 60)
        return 0;
    if (g == 110 || g == 111)
        return v ? SZ_OCTETS : SZ_UNKNOWN;
    for (size_t i = 0; i < VG_ARRAY_LEN(t); i++)
        if (t[i].g == g)
            return v >= 1 && v <= 8 && t[i].sz[v] ? t[i].sz[v] : SZ_UNKNOWN;
    return SZ_UNKNOWN;
}

static uint32_t le(const uint8_t *p, int k)
{
    uint32_t v = 0;
    for (int i = k - 1; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

/* Do objects of a request with this function code carry point data? */
static bool request_has_data(uint8_t fc)
{
    return (fc >= 2 && fc <= 6) || fc == 11 || fc == 12 || (fc >= 25 && fc <= 33);
}

void vg_dnp3_msg_clear(vg_dnp3_msg *m)
{
    free(m->objs);
    free(m->data);
    memset(m, 0, sizeof(*m));
}

int vg_dnp3_app_parse(const uint8_t *d, uint32_t n, bool request, vg_dnp3_msg *m)
{
    memset(m, 0, sizeof(*m));
    m->request = request;
    if (n < 2)
        return VG_EINVAL;
    m->app_ctl = d[0];
    m->fc = d[1];
    uint32_t o = 2;
    if (m->fc >= 129) {
        if (n < 4)
            return VG_EINVAL;
        m->has_iin = true;
        m->iin = (uint16_t)(d[2] | d[3] << 8);
        o = 4;
    }
    m->data = malloc(n);
    if (!m->data)
        return VG_ENOMEM;
    memcpy(m->data, d, n);
    m->data_len = n;
    bool data = m->fc >= 129 || request_has_data(m->fc);
    uint32_t cap = 0;
    m->complete = true;
    while (o < n) {
        if (n - o < 3) {
            m->events |= VG_DNP3_EV_MALFORMED;
            m->complete = false;
            break;
        }
        vg_dnp3_obj ob = {.group = d[o], .variation = d[o + 1], .qualifier = d[o + 2]};
        ob.prefix_code = (ob.qualifier >> 4) & 7;
        ob.range_code = ob.qualifier & 0xf;
        o += 3;
        static const int8_t rlen[16] = {1, 2, 4, 1, 2, 4, 0, 1, 2, 4, -1, 1, -1, -1, -1, -1};
        int rl = rlen[ob.range_code];
        if (rl < 0 || n - o < (uint32_t)(ob.range_code <= 5 ? 2 * rl : rl)) {
            m->events |= VG_DNP3_EV_MALFORMED;
            m->complete = false;
            break;
        }
        if (ob.range_code <= 5) {
            ob.start = le(d + o, rl);
            ob.stop = le(d + o + rl, rl);
            o += 2u * (uint32_t)rl;
            ob.count = ob.stop >= ob.start ? ob.stop - ob.start + 1 : 0;
            if (ob.stop < ob.start)
                m->events |= VG_DNP3_EV_MALFORMED;
        } else if (ob.range_code != 6) {
            ob.count = le(d + o, rl);
            o += (uint32_t)rl;
        }
        if (m->nobjs >= VG_DNP3_MAX_OBJS) {
            m->events |= VG_DNP3_EV_TOO_MANY_OBJECTS;
            m->complete = false;
            break;
        }
        if (m->nobjs == cap) {
            uint32_t nc = cap ? cap * 2 : 8;
            vg_dnp3_obj *no = realloc(m->objs, nc * sizeof(*no));
            if (!no) {
                m->complete = false;
                break;
            }
            m->objs = no;
            cap = nc;
        }
        m->objs[m->nobjs++] = ob;
        if (!data || ob.count == 0 || ob.range_code == 6)
            continue;
        int sz = obj_size(ob.group, ob.variation);
        if (sz == 0)
            continue;
        static const uint8_t plen[8] = {0, 1, 2, 4, 1, 2, 4, 0};
        uint32_t pre = plen[ob.prefix_code];
        uint64_t skip;
        if (ob.prefix_code == 7 || sz == SZ_UNKNOWN) {
            m->events |= VG_DNP3_EV_UNKNOWN_OBJECT;
            m->complete = false;
            break;
        }
        if (ob.prefix_code >= 4) {
            /* each point: its size, then that many bytes */
            uint64_t i;
            for (i = 0; i < ob.count && o + pre <= n; i++) {
                uint32_t psz = le(d + o, (int)pre);
                o += pre;
                if (psz > n - o)
                    break;
                o += psz;
            }
            if (i < ob.count) {
                m->events |= VG_DNP3_EV_MALFORMED;
                m->complete = false;
                break;
            }
            continue;
        }
        if (sz == SZ_PACKED || sz == SZ_DOUBLE) {
            if (pre) {
                m->events |= VG_DNP3_EV_UNKNOWN_OBJECT;
                m->complete = false;
                break;
            }
            skip = sz == SZ_PACKED ? ((uint64_t)ob.count + 7) / 8 : ((uint64_t)ob.count + 3) / 4;
        } else {
            uint32_t each = (sz == SZ_OCTETS ? ob.variation : (uint32_t)sz) + pre;
            skip = (uint64_t)ob.count * each;
        }
        if (skip > n - o) {
            m->events |= VG_DNP3_EV_MALFORMED;
            m->complete = false;
            break;
        }
        o += (uint32_t)skip;
    }
    return VG_OK;
}

void vg_dnp3_msg_eve(const vg_dnp3_msg *m, vg_jb *jb)
{
    vg_jb_str(jb, "type", m->request ? "request" : "response");
    vg_jb_open_obj(jb, "control");
    vg_jb_bool(jb, "dir", m->link.ctl & 0x80);
    vg_jb_bool(jb, "pri", m->link.ctl & 0x40);
    vg_jb_bool(jb, "fcb", m->link.ctl & 0x20);
    vg_jb_bool(jb, "fcv", m->link.ctl & 0x10);
    vg_jb_u64(jb, "function_code", m->link.ctl & 0x0f);
    vg_jb_close_obj(jb);
    vg_jb_u64(jb, "src", m->link.src);
    vg_jb_u64(jb, "dst", m->link.dst);
    vg_jb_open_obj(jb, "application");
    vg_jb_open_obj(jb, "control");
    vg_jb_bool(jb, "fir", m->app_ctl & 0x80);
    vg_jb_bool(jb, "fin", m->app_ctl & 0x40);
    vg_jb_bool(jb, "con", m->app_ctl & 0x20);
    vg_jb_bool(jb, "uns", m->app_ctl & 0x10);
    vg_jb_u64(jb, "sequence", m->app_ctl & 0x0f);
    vg_jb_close_obj(jb);
    vg_jb_u64(jb, "function_code", m->fc);
    if (m->nobjs) {
        vg_jb_open_arr(jb, "objects");
        for (uint32_t i = 0; i < m->nobjs; i++) {
            const vg_dnp3_obj *ob = &m->objs[i];
            vg_jb_open_obj(jb, NULL);
            vg_jb_u64(jb, "group", ob->group);
            vg_jb_u64(jb, "variation", ob->variation);
            vg_jb_u64(jb, "qualifier", ob->qualifier);
            vg_jb_u64(jb, "prefix_code", ob->prefix_code);
            vg_jb_u64(jb, "range_code", ob->range_code);
            vg_jb_u64(jb, "start", ob->start);
            vg_jb_u64(jb, "stop", ob->stop);
            vg_jb_u64(jb, "count", ob->count);
            vg_jb_close_obj(jb);
        }
        vg_jb_close_arr(jb);
    }
    vg_jb_bool(jb, "complete", m->complete);
    vg_jb_close_obj(jb);
    if (m->has_iin && m->iin) {
        vg_jb_open_obj(jb, "iin");
        vg_jb_open_arr(jb, "indicators");
        for (unsigned b = 0; b < 16; b++)
            if (m->iin & (1u << b))
                vg_jb_str(jb, NULL, iin_names[b]);
        vg_jb_close_arr(jb);
        vg_jb_close_obj(jb);
    }
}

/* ---- recognition ---- */

int vg_ics_detect_dnp3(const uint8_t *d, uint32_t n, bool toserver, bool udp);
int vg_ics_detect_dnp3(const uint8_t *d, uint32_t n, bool toserver, bool udp)
{
    (void)toserver;
    if (udp || n == 0)
        return APP_DETECT_NO;
    if (d[0] != 0x05 || (n >= 2 && d[1] != 0x64))
        return APP_DETECT_NO;
    if (n < 10)
        return APP_DETECT_MORE;
    return crc_ok(d, 8) && d[2] >= 5 ? APP_DETECT_YES : APP_DETECT_NO;
}

/* ---- flow parser ---- */

typedef struct d3_dir {
    uint8_t buf[VG_DNP3_LINK_MAX];
    uint32_t len;
    bool in_msg;                /* FIR seen, waiting for FIN */
    bool too_large;             /* the message passed the cap: dropped until FIN */
    uint8_t tseq;
    vg_dnp3_link first;
    uint8_t *app;
    uint32_t app_len, app_cap;
} d3_dir;

typedef struct d3_state {
    d3_dir d[2];
    uint32_t anomalies;         /* anomaly records written for the flow */
} d3_state;

#define D3_ANOMALY(ctx, af, ev) \
    vg_ics_anomaly(ctx, "dnp3", ev, &((d3_state *)(af)->pstate)->anomalies)

const vg_dnp3_msg *vg_ics_dnp3_msg(const vg_app_tx *tx)
{
    if (!tx || tx->alproto != VG_ALPROTO_DNP3)
        return NULL;
    return tx->data;
}

static void *d3_state_new(vg_app_ctx *ctx, app_flow *af)
{
    if (ctx && ctx->conf && !vg_conf_get_bool(ctx->conf, "app-layer.protocols.dnp3.enabled",
                                              false)) {
        af->flow->alproto = VG_ALPROTO_FAILED; /* disabled: as if unrecognised */
        return NULL;
    }
    return calloc(1, sizeof(d3_state));
}

static void d3_state_free(void *p)
{
    d3_state *s = p;
    if (!s)
        return;
    free(s->d[0].app);
    free(s->d[1].app);
    free(s);
}

static void d3_tx_free(void *p)
{
    vg_dnp3_msg *m = p;
    vg_dnp3_msg_clear(m);
    free(m);
}

static void message(vg_app_ctx *ctx, app_flow *af, d3_dir *dd, bool toserver)
{
    vg_dnp3_msg *m = calloc(1, sizeof(*m));
    if (!m)
        return;
    if (vg_dnp3_app_parse(dd->app, dd->app_len, toserver, m) != VG_OK) {
        D3_COUNT(dnp3_len_too_small);
        D3_ANOMALY(ctx, af, "LEN_TOO_SMALL");
        vg_dnp3_msg_clear(m);
        free(m);
        return;
    }
    m->link = dd->first;
    D3_COUNT(dnp3_msgs);
    if (m->events & VG_DNP3_EV_UNKNOWN_OBJECT) {
        D3_COUNT(dnp3_unknown_object);
        D3_ANOMALY(ctx, af, "UNKNOWN_OBJECT");
    } else if (m->events & VG_DNP3_EV_MALFORMED) {
        D3_ANOMALY(ctx, af, "MALFORMED");
    }
    if (m->events & VG_DNP3_EV_TOO_MANY_OBJECTS) {
        D3_COUNT(dnp3_objs_cap);
        D3_ANOMALY(ctx, af, "TOO_MANY_POINTS");
    }
    vg_app_tx *a = vg_app_tx_new(ctx, af, m);
    if (!a) {
        d3_tx_free(m);
        return;
    }
    a->progress = (uint16_t)((toserver ? TX_REQ_HDRS | TX_REQ_DONE | TX_REQ_LINE
                                       : TX_RES_HDRS | TX_RES_DONE) | TX_LOG_NOW);
}

/* One link frame's user data: the transport header, then a segment. */
static void segment(vg_app_ctx *ctx, app_flow *af, d3_dir *dd, bool toserver,
                    const vg_dnp3_link *lh, const uint8_t *u, uint32_t n)
{
    if (n < 1)
        return;
    uint8_t th = u[0];
    bool fir = th & 0x40, fin = th & 0x80;
    if (fir) {
        dd->in_msg = true;
        dd->too_large = false;
        dd->app_len = 0;
        dd->first = *lh;
    } else if (!dd->in_msg || ((dd->tseq + 1) & 0x3f) != (th & 0x3f)) {
        /* no message begun, or a segment missing: drop until the next FIR */
        dd->in_msg = false;
        return;
    }
    dd->tseq = th & 0x3f;
    uint32_t k = n - 1;
    if (!dd->too_large && dd->app_len + k > VG_DNP3_APP_MAX) {
        dd->too_large = true;
        D3_COUNT(dnp3_too_large);
        D3_ANOMALY(ctx, af, "MALFORMED");
    }
    if (!dd->too_large && k) {
        if (dd->app_len + k > dd->app_cap) {
            uint32_t nc = dd->app_cap ? dd->app_cap : 1024;
            while (nc < dd->app_len + k)
                nc *= 2;
            uint8_t *nb = realloc(dd->app, nc);
            if (!nb) {
                dd->in_msg = false;
                return;
            }
            dd->app = nb;
            dd->app_cap = nc;
        }
        memcpy(dd->app + dd->app_len, u + 1, k);
        dd->app_len += k;
    }
    if (fin) {
        dd->in_msg = false;
        if (!dd->too_large)
            message(ctx, af, dd, toserver);
        dd->app_len = 0;
        if (dd->app_cap > 4096) {
            free(dd->app);
            dd->app = NULL;
            dd->app_cap = 0;
        }
    }
}

static void d3_parse(vg_app_ctx *ctx, app_flow *af, bool toserver, const uint8_t *d, uint32_t n,
                     const struct timeval *ts)
{
    (void)ts;
    d3_state *s = af->pstate;
    d3_dir *dd = &s->d[toserver ? 0 : 1];
    uint8_t user[256];
    while (n) {
        uint32_t take = (uint32_t)sizeof dd->buf - dd->len;
        if (take > n)
            take = n;
        memcpy(dd->buf + dd->len, d, take);
        dd->len += take;
        d += take;
        n -= take;
        uint32_t off = 0;
        for (;;) {
            vg_dnp3_link lh;
            uint32_t ulen, used;
            int r = vg_dnp3_link_read(dd->buf + off, dd->len - off, &lh, user, &ulen, &used);
            if (r == VG_DNP3_LINK_MORE)
                break;
            if (r == VG_DNP3_LINK_BAD_START || r == VG_DNP3_LINK_BAD_HDR) {
                if (r == VG_DNP3_LINK_BAD_START) {
                    D3_COUNT(dnp3_bad_start);
                } else {
                    D3_COUNT(dnp3_bad_link_crc);
                    D3_ANOMALY(ctx, af, "BAD_LINK_CRC");
                }
                /* resynchronise on the next 05 64 */
                uint32_t i = off + 1;
                while (i < dd->len && dd->buf[i] != 0x05)
                    i++;
                off = i;
                continue;
            }
            off += used;
            D3_COUNT(dnp3_frames);
            if (r == VG_DNP3_LINK_SHORT) {
                D3_COUNT(dnp3_len_too_small);
                D3_ANOMALY(ctx, af, "LEN_TOO_SMALL");
                continue;
            }
            if (r == VG_DNP3_LINK_BAD_CRC) {
                D3_COUNT(dnp3_bad_transport_crc);
                D3_ANOMALY(ctx, af, "BAD_TRANSPORT_CRC");
                dd->in_msg = false;
                continue;
            }
            /* user data of primary frames (confirmed or unconfirmed) */
            uint8_t lfc = lh.ctl & 0x0f;
            if ((lh.ctl & 0x40) && (lfc == 3 || lfc == 4))
                segment(ctx, af, dd, toserver, &lh, user, ulen);
        }
        memmove(dd->buf, dd->buf + off, dd->len - off);
        dd->len -= off;
    }
}

static void d3_tx_eve(vg_app_ctx *ctx, const app_flow *af, const vg_app_tx *a, vg_jb *jb,
                      const vg_conf_node *settings)
{
    (void)af;
    (void)settings;
    const vg_dnp3_msg *m = a->data;
    vg_jb_open_obj(jb, "dnp3");
    /* the dnp3 record is the message itself; an alert's metadata (written
     * without a thread context) puts it under "request" or "response",
     * as Suricata's alert output does */
    if (!ctx)
        vg_jb_open_obj(jb, m->request ? "request" : "response");
    vg_dnp3_msg_eve(m, jb);
    if (!ctx)
        vg_jb_close_obj(jb);
    vg_jb_close_obj(jb);
}

int vg_ics_dnp3_get_buffer(const vg_app_tx *tx, uint32_t idx, const uint8_t **data,
                           uint32_t *len);
int vg_ics_dnp3_get_buffer(const vg_app_tx *tx, uint32_t idx, const uint8_t **data,
                           uint32_t *len)
{
    const vg_dnp3_msg *m = vg_ics_dnp3_msg(tx);
    if (!m || idx != 0)
        return VG_DECLINED;
    *data = m->data;
    *len = m->data_len;
    return VG_OK;
}

int vg_ics_buf_dnp3_data(void); /* ics_keywords.c */

static int d3_get_buffer(const app_flow *af, const vg_app_tx *tx, uint16_t buf_id, uint32_t idx,
                         const uint8_t **data, uint32_t *len)
{
    (void)af;
    if ((int)buf_id != vg_ics_buf_dnp3_data())
        return VG_DECLINED;
    return vg_ics_dnp3_get_buffer(tx, idx, data, len);
}

const app_parser vg_ics_parser_dnp3 = {
    .alproto = VG_ALPROTO_DNP3,
    .eve_kind = 4,
    .log_packet_dir = false,
    .one_sided_tx = true,
    .detect = vg_ics_detect_dnp3,
    .state_new = d3_state_new,
    .state_free = d3_state_free,
    .parse = d3_parse,
    .tx_free = d3_tx_free,
    .tx_eve = d3_tx_eve,
    .get_buffer = d3_get_buffer,
};
