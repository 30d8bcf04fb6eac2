/*
 * decode.c: the decoder object, the per-frame entry point, pseudo packets,
 * decoder events and the EVE `decoder` / `defrag` stats objects.
 *
 * Wire packets are decoded in place into the caller's vg_packet (no
 * allocation).  Pseudo packets (tunnel inner packets, reassembled datagrams)
 * are allocated, own a copy of their bytes, and wait in a small queue
 * (VG_DEC_QMAX) until the caller pops them; what is not popped before the
 * next vg_decode() is freed there.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/decode/decode_int.h"

/* ---- events ------------------------------------------------------------ */

static const struct {
    const char *eve;  /* "decoder.ipv4.trunc_pkt"; the short name is eve + 8 */
    bool invalid;
} ev_tab[VG_EV_MAX] = {
#define VG_EV_TAB(id, name, inv) [VG_EV_##id] = {"decoder." name, inv},
    VG_DECODE_EVENTS(VG_EV_TAB)
#undef VG_EV_TAB
};

#define EV_PREFIX_LEN 8 /* strlen("decoder.") */

const char *vg_decode_event_name(uint16_t ev)
{
    return ev < VG_EV_MAX ? ev_tab[ev].eve : "decoder.unknown";
}

const char *vg_decode_event_short(uint16_t ev)
{
    return ev < VG_EV_MAX ? ev_tab[ev].eve + EV_PREFIX_LEN : "unknown";
}

int vg_decode_event_lookup(const char *name)
{
    if (!name)
        return -1;
    if (strncmp(name, "decoder.", EV_PREFIX_LEN) == 0)
        name += EV_PREFIX_LEN;
    for (int i = 0; i < VG_EV_MAX; i++)
        if (strcmp(ev_tab[i].eve + EV_PREFIX_LEN, name) == 0)
            return i;
    return -1;
}

int vg_decode_event_count(void) { return VG_EV_MAX; }

void vg_dec_event(vg_decoder *d, vg_packet *p, int ev)
{
    for (int i = 0; i < p->nevents; i++)
        if (p->events[i] == ev)
            return;
    if (p->nevents >= VG_PKT_MAX_EVENTS)
        return;
    p->events[p->nevents++] = (uint16_t)ev;
    d->ev[ev]++;
}

/* ---- configuration ----------------------------------------------------- */

/* Port list as Suricata writes it: "4789", "[8472, 4789]", "$VXLAN_PORTS"
 * (resolved through vars.port-groups), or "any". */
static int parse_ports(const vg_conf *conf, const char *v, uint16_t *out, int max, bool *any)
{
    char var[128];
    for (int hop = 0; v && v[0] == '$' && hop < 4; hop++) {
        snprintf(var, sizeof var, "vars.port-groups.%s", v + 1);
        v = vg_conf_get(conf, var);
    }
    if (!v)
        return -1;
    if (strstr(v, "any")) {
        *any = true;
        return 0;
    }
    int n = 0;
    for (const char *s = v; *s;) {
        if (*s >= '0' && *s <= '9') {
            long port = strtol(s, (char **)&s, 10);
            if (port > 0 && port <= 65535 && n < max)
                out[n++] = (uint16_t)port;
        } else {
            s++;
        }
    }
    return n;
}

static void conf_tunnel(const vg_conf *conf, const char *name, bool *on, uint16_t *ports, int *n,
                        bool *any, uint16_t dflt)
{
    char key[64];
    ports[0] = dflt;
    *n = 1;
    *on = true;
    if (!conf)
        return;
    snprintf(key, sizeof key, "decoder.%s.enabled", name);
    *on = vg_conf_get_bool(conf, key, true);
    snprintf(key, sizeof key, "decoder.%s.ports", name);
    const char *v = vg_conf_get(conf, key);
    if (v) {
        bool a = false;
        int got = parse_ports(conf, v, ports, VG_DEC_MAX_PORTS, &a);
        if (a && any)
            *any = true;
        if (got > 0)
            *n = got;
        else if (got < 0)
            ports[0] = dflt;
    }
}

int vg_decoder_new(vg_decoder **out, const vg_conf *conf, char *errbuf)
{
    *out = NULL;
    vg_decoder *d = calloc(1, sizeof *d);
    if (!d)
        return vg_err(errbuf, VG_ENOMEM, "decoder: out of memory");
    conf_tunnel(conf, "vxlan", &d->vxlan_on, d->vxlan_ports, &d->n_vxlan, NULL, 4789);
    conf_tunnel(conf, "geneve", &d->geneve_on, d->geneve_ports, &d->n_geneve, NULL, 6081);
    conf_tunnel(conf, "teredo", &d->teredo_on, d->teredo_ports, &d->n_teredo, &d->teredo_any,
                3544);
    int rc = vg_defrag_new(&d->defrag, conf, errbuf);
    if (rc != VG_OK) {
        free(d);
        return rc;
    }
    *out = d;
    return VG_OK;
}

static void drain(vg_decoder *d)
{
    for (int i = d->qpos; i < d->qn; i++)
        if (d->q[i])
            vg_packet_free(d->q[i]);
    d->qn = d->qpos = 0;
}

void vg_decoder_free(vg_decoder *d)
{
    if (!d)
        return;
    drain(d);
    vg_defrag_free(d->defrag);
    free(d);
}

/* ---- packets ----------------------------------------------------------- */

void vg_decode(vg_decoder *d, vg_packet *p, int datalink, const uint8_t *data, uint32_t len,
               const struct timeval *ts, uint64_t pcap_cnt)
{
    drain(d);
    memset(p, 0, sizeof *p);
    if (ts)
        p->ts = *ts;
    p->pcap_cnt = pcap_cnt;
    p->datalink = datalink;
    p->raw = data;
    p->raw_len = len;
    p->pkt_src = VG_PKT_SRC_WIRE;
    p->pkt_src_name = "wire/pcap";
    d->cnt[VG_C_PKTS]++;
    d->cnt[VG_C_BYTES] += len;
    if (len > d->max_pkt_size)
        d->max_pkt_size = len;
    vg_dec_link(d, p, datalink, data, len);
    vg_dec_finish(d, p);
}

/* Suricata counts a packet invalid (decoder.invalid) when one of a set of
 * events was raised on it, even if later layers decoded.  VG_PKT_INVALID is
 * narrower (packet.h: the decoder gave up): no IP header, or the L4 header
 * the IP header announces did not decode. */
void vg_dec_finish(vg_decoder *d, vg_packet *p)
{
    bool inv = (p->flags & VG_PKT_INVALID) != 0; /* set by a layer directly */
    p->flags &= ~(uint32_t)VG_PKT_INVALID;
    for (int i = 0; i < p->nevents && !inv; i++)
        inv = ev_tab[p->events[i]].invalid;
    if (!inv)
        return;
    d->cnt[VG_C_INVALID]++;
    if (p->ipver == 0)
        p->flags |= VG_PKT_INVALID;
    else if (!p->is_fragment && !p->l4) {
        switch (p->proto) {
        case 6: case 17: case 1: case 58: case 132: case 50:
            p->flags |= VG_PKT_INVALID;
        }
    }
}

vg_packet *vg_decoder_pop(vg_decoder *d)
{
    while (d->qpos < d->qn) {
        vg_packet *pp = d->q[d->qpos];
        d->q[d->qpos++] = NULL;
        if (pp)
            return pp;
    }
    d->qn = d->qpos = 0;
    return NULL;
}

void vg_packet_free(vg_packet *p)
{
    if (!p)
        return;
    for (int i = 0; i < p->nalerts; i++)
        free(p->alerts[i].stream_data);
    free(p->owned);
    free(p);
}

vg_packet *vg_dec_pseudo_new(vg_decoder *d, vg_packet *parent, uint32_t owned_len)
{
    (void)d;
    vg_packet *pp = calloc(1, sizeof *pp);
    if (!pp)
        return NULL;
    if (owned_len) {
        pp->owned = malloc(owned_len);
        if (!pp->owned) {
            free(pp);
            return NULL;
        }
    }
    pp->ts = parent->ts;
    pp->datalink = parent->datalink;
    pp->root = parent->root ? parent->root : parent;
    pp->depth = parent->depth;
    /* Not VG_PKT_PSEUDO: that flag is for the stream's flow-timeout packets
     * (Suricata's PKT_PSEUDO_STREAM_END).  A reassembled datagram or a
     * tunnel's inner packet is real traffic; pkt_src tells where it came
     * from. */
    return pp;
}

bool vg_dec_enqueue(vg_decoder *d, vg_packet *pp)
{
    if (d->qn >= VG_DEC_QMAX) {
        d->cnt[VG_C_TOO_MANY_LAYERS]++;
        vg_packet_free(pp);
        return false;
    }
    d->q[d->qn++] = pp;
    return true;
}

void vg_decoder_timeout(vg_decoder *d, const struct timeval *now)
{
    vg_defrag_expire(d->defrag, now);
}

uint64_t vg_decoder_pkts(const vg_decoder *d) { return d->cnt[VG_C_PKTS]; }

uint64_t vg_decoder_counter(const vg_decoder *d, const char *name)
{
    static const char *const names[VG_C_MAX] = {
#define VG_C_NAME(id, name) [VG_C_##id] = name,
        VG_DECODE_COUNTERS(VG_C_NAME)
#undef VG_C_NAME
    };
    if (strncmp(name, "event.", 6) == 0) {
        int ev = vg_decode_event_lookup(name + 6);
        return ev >= 0 ? d->ev[ev] : 0;
    }
    for (int i = 0; i < VG_C_MAX; i++)
        if (strcmp(names[i], name) == 0)
            return d->cnt[i];
    return 0;
}

/* ---- stats ------------------------------------------------------------- */

void vg_decoder_stats_eve(const vg_decoder *d, vg_jb *jb)
{
    static const char *const names[VG_C_MAX] = {
#define VG_C_NAME(id, name) [VG_C_##id] = name,
        VG_DECODE_COUNTERS(VG_C_NAME)
#undef VG_C_NAME
    };
    vg_jb_open_obj(jb, "decoder");
    for (int i = 0; i < VG_C_MAX; i++)
        vg_jb_u64(jb, names[i], d->cnt[i]);
    uint64_t pkts = d->cnt[VG_C_PKTS];
    vg_jb_u64(jb, "avg_pkt_size", pkts ? d->cnt[VG_C_BYTES] / pkts : 0);
    vg_jb_u64(jb, "max_pkt_size", d->max_pkt_size);

    /* event.<layer>.<name>: one object per layer, in table order of first
     * appearance (a layer's events are not contiguous in the table). */
    vg_jb_open_obj(jb, "event");
    bool done[VG_EV_MAX] = {false};
    for (int i = 0; i < VG_EV_MAX; i++) {
        if (done[i])
            continue;
        const char *s = ev_tab[i].eve + EV_PREFIX_LEN;
        size_t ll = (size_t)(strchr(s, '.') - s);
        char layer[32];
        memcpy(layer, s, ll < sizeof layer ? ll : sizeof layer - 1);
        layer[ll < sizeof layer ? ll : sizeof layer - 1] = '\0';
        vg_jb_open_obj(jb, layer);
        for (int j = i; j < VG_EV_MAX; j++) {
            const char *t = ev_tab[j].eve + EV_PREFIX_LEN;
            if (!done[j] && strncmp(t, s, ll + 1) == 0) {
                vg_jb_u64(jb, t + ll + 1, d->ev[j]);
                done[j] = true;
            }
        }
        vg_jb_close_obj(jb);
    }
    vg_jb_close_obj(jb);
    vg_jb_close_obj(jb);
}

void vg_decoder_defrag_stats_eve(const vg_decoder *d, vg_jb *jb)
{
    vg_defrag_stats_eve(d->defrag, jb);
}

const char *vg_packet_src_name(const vg_packet *p)
{
    if (p->pkt_src_name)
        return p->pkt_src_name;
    switch (p->pkt_src) {
    case VG_PKT_SRC_WIRE: return "wire/pcap";
    case VG_PKT_SRC_DEFRAG: return "defrag";
    case VG_PKT_SRC_TUNNEL: return "tunnel";
    case VG_PKT_SRC_STREAM_FLOW_TIMEOUT: return "stream (flow timeout)";
    case VG_PKT_SRC_STREAM_EOF: return "stream (detect/log)";
    }
    return "wire/pcap";
}
