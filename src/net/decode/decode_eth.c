/*
 * decode_eth.c: link layers and what sits between them and IP.
 *
 * Datalinks: Ethernet, raw IPv4/IPv6 (DLT_RAW, LINKTYPE_IPV4/IPV6), Linux
 * cooked v1/v2 (SLL, SLL2), BSD null/loopback, PPP (with or without the
 * HDLC address/control bytes, compressed protocol field), Cisco HDLC.
 * Ethertypes: IPv4, IPv6, 802.1Q / 802.1ad / QinQ (three tags at most),
 * 802.1ah, VN-Tag, MPLS, PPPoE session; ARP is checked for anomalies only.
 */
#include "net/decode/decode_int.h"

static bool ether_known(uint16_t type)
{
    switch (type) {
    case VG_ETH_IPV4: case VG_ETH_IPV6: case VG_ETH_VLAN: case VG_ETH_QINQ:
    case VG_ETH_QINQ_OLD: case VG_ETH_ARP: case VG_ETH_MPLS_UC: case VG_ETH_MPLS_MC:
    case VG_ETH_PPPOE_DISC: case VG_ETH_PPPOE_SESS: case VG_ETH_8021AH: case VG_ETH_VNTAG:
        return true;
    }
    return false;
}

static void dec_vlan(vg_decoder *d, vg_packet *p, const uint8_t *data, uint32_t len)
{
    if (p->vlan_n >= VG_ARRAY_LEN(p->vlan_id)) {
        vg_dec_event(d, p, VG_EV_VLAN_HEADER_TOO_MANY_LAYERS);
        return;
    }
    if (len < 4) {
        vg_dec_event(d, p, VG_EV_VLAN_HEADER_TOO_SMALL);
        return;
    }
    p->vlan_id[p->vlan_n++] = vg_be16(data) & 0x0fff;
    vg_dec_count(d, p->vlan_n == 1 ? VG_C_VLAN : p->vlan_n == 2 ? VG_C_VLAN_QINQ
                                                               : VG_C_VLAN_QINQINQ);
    uint16_t type = vg_be16(data + 2);
    if (!ether_known(type)) {
        vg_dec_event(d, p, VG_EV_VLAN_UNKNOWN_TYPE);
        p->ethertype = type;
        return;
    }
    vg_dec_ether_type(d, p, type, data + 4, len - 4);
}

/* ARP over Ethernet for IPv4 is the only kind expected; anything else is
 * an anomaly (Suricata 8's arp.* events).  Nothing is kept on the packet. */
static void dec_arp(vg_decoder *d, vg_packet *p, const uint8_t *data, uint32_t len)
{
    vg_dec_count(d, VG_C_ARP);
    if (len < 8) {
        vg_dec_event(d, p, VG_EV_ARP_PKT_TOO_SMALL);
        return;
    }
    uint16_t hw = vg_be16(data), proto = vg_be16(data + 2), op = vg_be16(data + 6);
    if (hw != 1)
        vg_dec_event(d, p, VG_EV_ARP_UNSUPPORTED_HARDWARE);
    else if (proto != VG_ETH_IPV4)
        vg_dec_event(d, p, VG_EV_ARP_UNSUPPORTED_PROTOCOL);
    else if (data[4] != 6)
        vg_dec_event(d, p, VG_EV_ARP_INVALID_HARDWARE_SIZE);
    else if (data[5] != 4)
        vg_dec_event(d, p, VG_EV_ARP_INVALID_PROTOCOL_SIZE);
    else if (op < 1 || op > 4) /* request, reply, RARP request, RARP reply */
        vg_dec_event(d, p, VG_EV_ARP_UNSUPPORTED_OPCODE);
    else if (len < 28)
        vg_dec_event(d, p, VG_EV_ARP_INVALID_PKT);
}

static void dec_mpls(vg_decoder *d, vg_packet *p, const uint8_t *data, uint32_t len)
{
    vg_dec_count(d, VG_C_MPLS);
    uint32_t label;
    vg_rd r;
    vg_rd_init(&r, data, len);
    for (int n = 0;; n++) {
        uint32_t word;
        if (n > 16 || !vg_rd_u32be(&r, &word)) {
            vg_dec_event(d, p, VG_EV_MPLS_HEADER_TOO_SMALL);
            return;
        }
        label = word >> 12;
        if (word & 0x100) /* bottom of stack */
            break;
    }
    const uint8_t *rest = data + r.off;
    uint32_t left = vg_rd_left(&r);
    if (label == 0) { /* IPv4 explicit null */
        vg_dec_ipv4(d, p, rest, left);
        return;
    }
    if (label == 2) {
        vg_dec_ipv6(d, p, rest, left);
        return;
    }
    if (label == 1) {
        vg_dec_event(d, p, VG_EV_MPLS_BAD_LABEL_ROUTER_ALERT);
        return;
    }
    if (label == 3) {
        vg_dec_event(d, p, VG_EV_MPLS_BAD_LABEL_IMPLICIT_NULL);
        return;
    }
    if (label < 16) {
        vg_dec_event(d, p, VG_EV_MPLS_BAD_LABEL_RESERVED);
        return;
    }
    if (left < 1) {
        vg_dec_event(d, p, VG_EV_MPLS_PKT_TOO_SMALL);
        return;
    }
    switch (rest[0] >> 4) {
    case 4: vg_dec_ipv4(d, p, rest, left); return;
    case 6: vg_dec_ipv6(d, p, rest, left); return;
    case 0: /* pseudowire control word, then Ethernet */
        if (left < 4 + 14) {
            vg_dec_event(d, p, VG_EV_MPLS_PKT_TOO_SMALL);
            return;
        }
        vg_dec_ethernet(d, p, rest + 4, left - 4);
        return;
    }
    vg_dec_event(d, p, VG_EV_MPLS_UNKNOWN_PAYLOAD_TYPE);
}

static void dec_pppoe_session(vg_decoder *d, vg_packet *p, const uint8_t *data, uint32_t len)
{
    vg_dec_count(d, VG_C_PPPOE);
    if (len < 8) {
        vg_dec_event(d, p, VG_EV_PPPOE_PKT_TOO_SMALL);
        return;
    }
    if (data[1] != 0) { /* session data carries code 0 */
        vg_dec_event(d, p, VG_EV_PPPOE_WRONG_CODE);
        return;
    }
    uint32_t plen = vg_be16(data + 4);
    if (plen < 2 || plen > len - 6) {
        vg_dec_event(d, p, VG_EV_PPPOE_PKT_TOO_SMALL);
        return;
    }
    uint16_t proto = vg_be16(data + 6);
    const uint8_t *rest = data + 8;
    uint32_t left = plen - 2;
    switch (proto) {
    case 0x0021: vg_dec_ipv4(d, p, rest, left); return;
    case 0x0057: vg_dec_ipv6(d, p, rest, left); return;
    }
    /* LCP, IPCP, authentication: valid PPP, nothing to decode */
}

void vg_dec_ether_type(vg_decoder *d, vg_packet *p, uint16_t type, const uint8_t *data,
                       uint32_t len)
{
    p->ethertype = type;
    switch (type) {
    case VG_ETH_IPV4:
        vg_dec_ipv4(d, p, data, len);
        return;
    case VG_ETH_IPV6:
        vg_dec_ipv6(d, p, data, len);
        return;
    case VG_ETH_VLAN:
    case VG_ETH_QINQ:
    case VG_ETH_QINQ_OLD:
        dec_vlan(d, p, data, len);
        return;
    case VG_ETH_ARP:
        dec_arp(d, p, data, len);
        return;
    case VG_ETH_MPLS_UC:
    case VG_ETH_MPLS_MC:
        dec_mpls(d, p, data, len);
        return;
    case VG_ETH_PPPOE_DISC:
        vg_dec_count(d, VG_C_PPPOE);
        if (len < 6)
            vg_dec_event(d, p, VG_EV_PPPOE_PKT_TOO_SMALL);
        return;
    case VG_ETH_PPPOE_SESS:
        dec_pppoe_session(d, p, data, len);
        return;
    case VG_ETH_8021AH:
        vg_dec_count(d, VG_C_IEEE8021AH);
        /* I-TAG (4), customer destination and source (12), type (2) */
        if (len < 18) {
            vg_dec_event(d, p, VG_EV_IEEE8021AH_HEADER_TOO_SMALL);
            return;
        }
        vg_dec_ether_type(d, p, vg_be16(data + 16), data + 18, len - 18);
        return;
    case VG_ETH_VNTAG:
        vg_dec_count(d, VG_C_VNTAG);
        if (len < 6) {
            vg_dec_event(d, p, VG_EV_VNTAG_HEADER_TOO_SMALL);
            return;
        }
        if (!ether_known(vg_be16(data + 4))) {
            vg_dec_event(d, p, VG_EV_VNTAG_UNKNOWN_TYPE);
            return;
        }
        vg_dec_ether_type(d, p, vg_be16(data + 4), data + 6, len - 6);
        return;
    }
    vg_dec_count(d, VG_C_UNKNOWN_ETHERTYPE);
    vg_dec_event(d, p, VG_EV_ETHERNET_UNKNOWN_ETHERTYPE);
}

void vg_dec_ethernet(vg_decoder *d, vg_packet *p, const uint8_t *data, uint32_t len)
{
    vg_dec_count(d, VG_C_ETHERNET);
    if (len < 14) {
        vg_dec_event(d, p, VG_EV_ETHERNET_PKT_TOO_SMALL);
        return;
    }
    vg_dec_ether_type(d, p, vg_be16(data + 12), data + 14, len - 14);
}

/* PPP: optional 0xff 0x03, then a 1-byte (odd) or 2-byte protocol. */
void vg_dec_ppp(vg_decoder *d, vg_packet *p, const uint8_t *data, uint32_t len)
{
    vg_dec_count(d, VG_C_PPP);
    uint32_t off = 0;
    if (len >= 2 && data[0] == 0xff && data[1] == 0x03)
        off = 2;
    if (len - off < 1) {
        vg_dec_event(d, p, VG_EV_PPP_PKT_TOO_SMALL);
        return;
    }
    uint16_t proto;
    if (data[off] & 1) {
        proto = data[off];
        off += 1;
    } else {
        if (len - off < 2) {
            vg_dec_event(d, p, VG_EV_PPP_PKT_TOO_SMALL);
            return;
        }
        proto = vg_be16(data + off);
        off += 2;
    }
    const uint8_t *rest = data + off;
    uint32_t left = len - off;
    switch (proto) {
    case 0x0021: /* IPv4 */
        if (left < 20) {
            vg_dec_event(d, p, VG_EV_PPPIPV4_PKT_TOO_SMALL);
            return;
        }
        vg_dec_ipv4(d, p, rest, left);
        return;
    case 0x0057: /* IPv6 */
        if (left < 40) {
            vg_dec_event(d, p, VG_EV_PPPIPV6_PKT_TOO_SMALL);
            return;
        }
        vg_dec_ipv6(d, p, rest, left);
        return;
    case 0x002f: /* Van Jacobson uncompressed: an IPv4 header with the protocol
                  * byte replaced by a slot id */
        if (left < 20) {
            vg_dec_event(d, p, VG_EV_PPPVJU_PKT_TOO_SMALL);
            return;
        }
        if ((rest[0] >> 4) == 4)
            vg_dec_ipv4(d, p, rest, left);
        return;
    /* Valid PPP protocols vigil does not decode. */
    case 0x002d: case 0x0023: case 0x0025: case 0x0027: case 0x0029: case 0x002b:
    case 0x0031: case 0x0033: case 0x0039: case 0x003b: case 0x003d: case 0x003f:
    case 0x0041: case 0x0049: case 0x004b: case 0x004d: case 0x004f: case 0x0051:
    case 0x0053: case 0x0055: case 0x0059: case 0x00fb: case 0x00fd: case 0x0201:
    case 0x0203: case 0x8021: case 0x8023: case 0x8025: case 0x8027: case 0x8029:
    case 0x802b: case 0x8031: case 0x8033: case 0x8039: case 0x803b: case 0x803d:
    case 0x803f: case 0x8041: case 0x8049: case 0x804b: case 0x804d: case 0x804f:
    case 0x8051: case 0x8053: case 0x8055: case 0x8057: case 0x8059: case 0x80fb:
    case 0x80fd: case 0xc021: case 0xc023: case 0xc025: case 0xc223:
        vg_dec_event(d, p, VG_EV_PPP_UNSUP_PROTO);
        return;
    }
    vg_dec_event(d, p, VG_EV_PPP_WRONG_TYPE);
}

static void dec_raw(vg_decoder *d, vg_packet *p, const uint8_t *data, uint32_t len)
{
    vg_dec_count(d, VG_C_RAW);
    if (len < 1) {
        vg_dec_event(d, p, VG_EV_IPRAW_INVALID_IPV);
        return;
    }
    switch (data[0] >> 4) {
    case 4: vg_dec_ipv4(d, p, data, len); return;
    case 6: vg_dec_ipv6(d, p, data, len); return;
    }
    vg_dec_event(d, p, VG_EV_IPRAW_INVALID_IPV);
}

/* BSD loopback: a 4-byte address family, in the writer's byte order for
 * DLT_NULL and in network order for DLT_LOOP; both orders are accepted. */
static void dec_null(vg_decoder *d, vg_packet *p, const uint8_t *data, uint32_t len)
{
    vg_dec_count(d, VG_C_NULL_);
    if (len < 4) {
        vg_dec_event(d, p, VG_EV_LTNULL_PKT_TOO_SMALL);
        return;
    }
    uint32_t fam = vg_be32(data);
    if (fam > 0xffff) /* little-endian writer */
        fam = (uint32_t)data[0] | (uint32_t)data[1] << 8;
    switch (fam) {
    case 2: /* AF_INET */
        vg_dec_ipv4(d, p, data + 4, len - 4);
        return;
    case 10: case 24: case 28: case 30: /* AF_INET6: Linux, NetBSD/OpenBSD, FreeBSD, macOS */
        vg_dec_ipv6(d, p, data + 4, len - 4);
        return;
    }
    vg_dec_event(d, p, VG_EV_LTNULL_UNSUPPORTED_TYPE);
}

void vg_dec_link(vg_decoder *d, vg_packet *p, int datalink, const uint8_t *data, uint32_t len)
{
    switch (datalink) {
    case VG_DLT_EN10MB:
        vg_dec_ethernet(d, p, data, len);
        return;
    case VG_DLT_RAW:
    case VG_DLT_RAW_OPENBSD:
    case VG_LINKTYPE_RAW:
    case VG_DLT_IPV4:
    case VG_DLT_IPV6:
        dec_raw(d, p, data, len);
        return;
    case VG_DLT_LINUX_SLL:
        vg_dec_count(d, VG_C_SLL);
        if (len < 16) {
            vg_dec_event(d, p, VG_EV_SLL_PKT_TOO_SMALL);
            return;
        }
        vg_dec_ether_type(d, p, vg_be16(data + 14), data + 16, len - 16);
        return;
    case VG_DLT_LINUX_SLL2:
        vg_dec_count(d, VG_C_SLL2);
        if (len < 20) {
            vg_dec_event(d, p, VG_EV_SLL2_PKT_TOO_SMALL);
            return;
        }
        vg_dec_ether_type(d, p, vg_be16(data), data + 20, len - 20);
        return;
    case VG_DLT_NULL:
    case VG_DLT_LOOP:
        dec_null(d, p, data, len);
        return;
    case VG_DLT_PPP:
    case VG_DLT_PPP_SERIAL:
        vg_dec_ppp(d, p, data, len);
        return;
    case VG_DLT_C_HDLC:
        vg_dec_count(d, VG_C_CHDLC);
        if (len < 4) {
            vg_dec_event(d, p, VG_EV_CHDLC_PKT_TOO_SMALL);
            return;
        }
        vg_dec_ether_type(d, p, vg_be16(data + 2), data + 4, len - 4);
        return;
    }
    /* A datalink vigil does not know: nothing decoded, counted invalid. */
    p->flags |= VG_PKT_INVALID;
}
