/*
 * decode_tunnel.c: GRE (v0 and PPTP's v1), ERSPAN type I/II, IP-in-IP
 * (spawned from decode_ipv4.c), and the UDP encapsulations VXLAN, Geneve
 * and Teredo.
 *
 * An inner packet becomes a pseudo packet (VG_PKT_SRC_TUNNEL, root = the
 * outermost packet, depth + 1) holding a copy of the inner bytes, decoded
 * at once and queued after its parent.  As in Suricata, an inner packet
 * whose first header does not decode is dropped (no tunnel), and the
 * parent of a tunnel is marked VG_PKT_TUNNEL and VG_PKT_NOPAYLOAD_INSPECT:
 * its headers are still inspected, its payload is inspected as the inner
 * packet instead.  Nesting is capped at VG_DEC_MAX_DEPTH.
 */
#include <stdlib.h>

#include "net/decode/decode_int.h"

vg_packet *vg_dec_tunnel(vg_decoder *d, vg_packet *parent, enum vg_tun kind, const char *src_name,
                         const uint8_t *data, uint32_t len)
{
    if (parent->depth + 1 > VG_DEC_MAX_DEPTH || d->qn >= VG_DEC_QMAX) {
        vg_dec_count(d, VG_C_TOO_MANY_LAYERS);
        return NULL;
    }
    vg_packet *tp = vg_dec_pseudo_new(d, parent, len ? len : 1);
    if (!tp)
        return NULL;
    memcpy(tp->owned, data, len);
    tp->raw = tp->owned;
    tp->raw_len = len;
    tp->pkt_src = VG_PKT_SRC_TUNNEL;
    tp->pkt_src_name = src_name;
    tp->depth = (uint8_t)(parent->depth + 1);
    /* As in Suricata: every tunnel packet says DLT_RAW, and its bytes are
     * what the tunnel header handed on (an ERSPAN header included), which
     * is what flow byte counts add up. */
    tp->datalink = VG_DLT_RAW;

    /* Reserve the queue slot first so that the order stays parent, inner,
     * inner's inner, whatever the nesting. */
    int slot = d->qn;
    d->q[d->qn++] = NULL;
    bool ok = false;
    switch (kind) {
    case VG_TUN_IPV4:
        vg_dec_ipv4(d, tp, tp->owned, len);
        ok = tp->ipver == 4;
        break;
    case VG_TUN_IPV6:
        vg_dec_ipv6(d, tp, tp->owned, len);
        ok = tp->ipver == 6;
        break;
    case VG_TUN_ETH:
        vg_dec_ethernet(d, tp, tp->owned, len);
        ok = tp->ethertype != 0;
        break;
    case VG_TUN_PPP:
        vg_dec_ppp(d, tp, tp->owned, len);
        ok = tp->ipver != 0;
        break;
    case VG_TUN_ERSPAN2: {
        vg_dec_count(d, VG_C_ERSPAN);
        if (len < 8) {
            vg_dec_event(d, parent, VG_EV_ERSPAN_HEADER_TOO_SMALL);
            break;
        }
        uint16_t w = vg_be16(tp->owned);
        if ((w >> 12) != 1) {
            vg_dec_event(d, parent, VG_EV_ERSPAN_UNSUPPORTED_VERSION);
            break;
        }
        uint16_t vlan = w & 0x0fff;
        if (vlan)
            tp->vlan_id[tp->vlan_n++] = vlan;
        vg_dec_ethernet(d, tp, tp->owned + 8, len - 8);
        ok = tp->ethertype != 0;
        break;
    }
    }
    if (!ok) {
        vg_packet_free(tp); /* the slot stays empty; pop skips it */
        return NULL;
    }
    vg_dec_finish(d, tp);
    d->q[slot] = tp;
    parent->flags |= VG_PKT_TUNNEL | VG_PKT_NOPAYLOAD_INSPECT;
    return tp;
}

/* ---- GRE --------------------------------------------------------------- */

enum {
    GRE_C = 0x8000, GRE_R = 0x4000, GRE_K = 0x2000, GRE_S = 0x1000, GRE_SSR = 0x0800,
    GRE_RECUR = 0x0700, GRE_A = 0x0080, GRE_FLAGS = 0x0078, GRE_VER = 0x0007,
};

/* Source route entries (RFC 1701): address family, offset, length, data;
 * a zero length (with family 0) ends the list. */
static bool gre_sre(const uint8_t *data, uint32_t len, uint32_t *hlen)
{
    for (int n = 0; n < 64; n++) {
        if (len - *hlen < 4)
            return false;
        const uint8_t *s = data + *hlen;
        uint16_t af = vg_be16(s);
        uint8_t slen = s[3];
        *hlen += 4;
        if (af == 0 && slen == 0)
            return true;
        if (len - *hlen < slen)
            return false;
        *hlen += slen;
    }
    return false;
}

void vg_dec_gre(vg_decoder *d, vg_packet *p, const uint8_t *data, uint32_t len)
{
    vg_dec_count(d, VG_C_GRE);
    if (len < 4) {
        vg_dec_event(d, p, VG_EV_GRE_PKT_TOO_SMALL);
        return;
    }
    uint16_t fl = vg_be16(data), proto = vg_be16(data + 2);
    uint32_t hlen = 4;
    switch (fl & GRE_VER) {
    case 0:
        if (fl & GRE_RECUR) {
            vg_dec_event(d, p, VG_EV_GRE_VERSION0_RECUR);
            return;
        }
        if (fl & (GRE_FLAGS | GRE_A)) {
            vg_dec_event(d, p, VG_EV_GRE_VERSION0_FLAGS);
            return;
        }
        if (fl & (GRE_C | GRE_R))
            hlen += 4;
        if (fl & GRE_K)
            hlen += 4;
        if (fl & GRE_S)
            hlen += 4;
        if (hlen > len) {
            vg_dec_event(d, p, VG_EV_GRE_VERSION0_HDR_TOO_BIG);
            return;
        }
        if ((fl & GRE_R) && !gre_sre(data, len, &hlen)) {
            vg_dec_event(d, p, VG_EV_GRE_VERSION0_MALFORMED_SRE_HDR);
            return;
        }
        break;
    case 1:
        if (fl & GRE_C) {
            vg_dec_event(d, p, VG_EV_GRE_VERSION1_CHKSUM);
            return;
        }
        if (fl & GRE_R) {
            vg_dec_event(d, p, VG_EV_GRE_VERSION1_ROUTE);
            return;
        }
        if (fl & GRE_SSR) {
            vg_dec_event(d, p, VG_EV_GRE_VERSION1_SSR);
            return;
        }
        if (fl & GRE_RECUR) {
            vg_dec_event(d, p, VG_EV_GRE_VERSION1_RECUR);
            return;
        }
        if (fl & GRE_FLAGS) {
            vg_dec_event(d, p, VG_EV_GRE_VERSION1_FLAGS);
            return;
        }
        if (!(fl & GRE_K)) {
            vg_dec_event(d, p, VG_EV_GRE_VERSION1_NO_KEY);
            return;
        }
        if (proto != 0x880b) {
            vg_dec_event(d, p, VG_EV_GRE_VERSION1_WRONG_PROTOCOL);
            return;
        }
        hlen = 8;
        if (fl & GRE_S)
            hlen += 4;
        if (fl & GRE_A)
            hlen += 4;
        if (hlen > len) {
            vg_dec_event(d, p, VG_EV_GRE_VERSION1_HDR_TOO_BIG);
            return;
        }
        break;
    default:
        vg_dec_event(d, p, VG_EV_GRE_WRONG_VERSION);
        return;
    }
    const uint8_t *in = data + hlen;
    uint32_t inlen = len - hlen;
    p->payload = in;
    p->payload_len = inlen;
    switch (proto) {
    case VG_ETH_IPV4:
        vg_dec_tunnel(d, p, VG_TUN_IPV4, "gre tunnel", in, inlen);
        break;
    case VG_ETH_IPV6:
        vg_dec_tunnel(d, p, VG_TUN_IPV6, "gre tunnel", in, inlen);
        break;
    case 0x880b: /* PPP (PPTP) */
        if (inlen > 0)
            vg_dec_tunnel(d, p, VG_TUN_PPP, "gre tunnel", in, inlen);
        break;
    case 0x6558: /* transparent Ethernet bridging */
        vg_dec_tunnel(d, p, VG_TUN_ETH, "gre tunnel", in, inlen);
        break;
    case 0x88be: /* ERSPAN: type II has the sequence number, type I not */
        if (fl & GRE_S) {
            vg_dec_tunnel(d, p, VG_TUN_ERSPAN2, "gre tunnel", in, inlen);
        } else {
            vg_dec_count(d, VG_C_ERSPAN);
            vg_dec_tunnel(d, p, VG_TUN_ETH, "gre tunnel", in, inlen);
        }
        break;
    }
}

/* ---- UDP encapsulations ------------------------------------------------ */

static bool port_in(const uint16_t *ports, int n, uint16_t port)
{
    for (int i = 0; i < n; i++)
        if (ports[i] == port)
            return true;
    return false;
}

/* Teredo (RFC 4380): optional origin indication (8 bytes), then an IPv6
 * packet that must fill the UDP payload exactly. */
static bool dec_teredo(vg_decoder *d, vg_packet *p, const uint8_t *data, uint32_t len)
{
    uint32_t off = 0;
    if (len >= 2 && data[0] == 0) {
        if (data[1] != 0)
            return false; /* authentication indicator: not followed */
        off = 8;
    }
    if (len < off + 40)
        return false;
    const uint8_t *ip6 = data + off;
    if ((ip6[0] >> 4) != 6)
        return false;
    if (len - off != 40u + vg_be16(ip6 + 4))
        return false;
    if (!vg_dec_tunnel(d, p, VG_TUN_IPV6, "teredo tunnel", ip6, len - off))
        return false;
    vg_dec_count(d, VG_C_TEREDO);
    return true;
}

/* Inner Ethernet of VXLAN and Geneve: IP goes on as a raw IP tunnel packet
 * (the inner Ethernet header is not part of it, as in Suricata), VLAN as an
 * Ethernet tunnel packet, ARP ends here. */
static void dec_inner_eth(vg_decoder *d, vg_packet *p, const char *src, const uint8_t *eth,
                          uint32_t len, int unknown_ev)
{
    uint16_t type = vg_be16(eth + 12);
    switch (type) {
    case VG_ETH_IPV4:
        vg_dec_tunnel(d, p, VG_TUN_IPV4, src, eth + 14, len - 14);
        return;
    case VG_ETH_IPV6:
        vg_dec_tunnel(d, p, VG_TUN_IPV6, src, eth + 14, len - 14);
        return;
    case VG_ETH_VLAN:
    case VG_ETH_QINQ:
        vg_dec_tunnel(d, p, VG_TUN_ETH, src, eth, len);
        return;
    case VG_ETH_ARP:
        return;
    }
    vg_dec_event(d, p, unknown_ev);
}

static bool dec_vxlan(vg_decoder *d, vg_packet *p, const uint8_t *data, uint32_t len)
{
    if (len < 8 + 14)
        return false;
    if (!(data[0] & 0x08) || data[1] || data[2] || data[3] || data[7])
        return false;
    vg_dec_count(d, VG_C_VXLAN);
    dec_inner_eth(d, p, "vxlan encapsulation", data + 8, len - 8,
                  VG_EV_VXLAN_UNKNOWN_PAYLOAD_TYPE);
    return true;
}

static bool dec_geneve(vg_decoder *d, vg_packet *p, const uint8_t *data, uint32_t len)
{
    if (len < 8)
        return false;
    if ((data[0] >> 6) != 0) /* version 0 only */
        return false;
    uint32_t hlen = 8 + (uint32_t)(data[0] & 0x3f) * 4;
    if (hlen > len)
        return false;
    uint16_t proto = vg_be16(data + 2);
    const uint8_t *in = data + hlen;
    uint32_t inlen = len - hlen;
    vg_dec_count(d, VG_C_GENEVE);
    switch (proto) {
    case 0x6558:
        if (inlen < 14)
            return true;
        dec_inner_eth(d, p, "geneve encapsulation", in, inlen,
                      VG_EV_GENEVE_UNKNOWN_PAYLOAD_TYPE);
        return true;
    case VG_ETH_IPV4:
        vg_dec_tunnel(d, p, VG_TUN_IPV4, "geneve encapsulation", in, inlen);
        return true;
    case VG_ETH_IPV6:
        vg_dec_tunnel(d, p, VG_TUN_IPV6, "geneve encapsulation", in, inlen);
        return true;
    }
    vg_dec_event(d, p, VG_EV_GENEVE_UNKNOWN_PAYLOAD_TYPE);
    return true;
}

bool vg_dec_udp_tunnel(vg_decoder *d, vg_packet *p, const uint8_t *data, uint32_t len)
{
    if (d->teredo_on && (d->teredo_any || port_in(d->teredo_ports, d->n_teredo, p->sp) ||
                         port_in(d->teredo_ports, d->n_teredo, p->dp)) &&
        dec_teredo(d, p, data, len))
        return true;
    if (d->geneve_on && port_in(d->geneve_ports, d->n_geneve, p->dp) &&
        dec_geneve(d, p, data, len))
        return true;
    if (d->vxlan_on && port_in(d->vxlan_ports, d->n_vxlan, p->dp) && dec_vxlan(d, p, data, len))
        return true;
    return false;
}
