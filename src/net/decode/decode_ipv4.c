/*
 * decode_ipv4.c: IPv4 header and options, then the L4 dispatch shared with
 * IPv6.
 *
 * The header is rejected (event, no L3 on the packet) when it is shorter
 * than 20 bytes, not version 4, has IHL < 5, a total length below the header
 * length or above the captured bytes.  Bytes after the total length
 * (Ethernet padding) are ignored.  Options are walked once: each option seen
 * sets a VG_IPOPT_* bit for `ipopts`; a bad option raises Suricata's event
 * and stops the walk, the packet keeps its L4.  Fragments go to defrag.c.
 */
#include "net/decode/decode_int.h"

enum {
    OPT_EOL = 0x00, OPT_NOP = 0x01, OPT_RR = 0x07, OPT_QS = 0x19, OPT_TS = 0x44,
    OPT_SEC = 0x82, OPT_LSRR = 0x83, OPT_ESEC = 0x85, OPT_CIPSO = 0x86, OPT_SID = 0x88,
    OPT_SSRR = 0x89, OPT_RTRALT = 0x94,
};

/* Record route, loose and strict source route: pointer is 1-based, >= 4,
 * a multiple of 4 and at most one past the option. */
static int check_route(const uint8_t *o, uint8_t olen)
{
    if (olen < 3)
        return VG_EV_IPV4_OPT_INVALID_LEN;
    uint8_t ptr = o[2];
    if (ptr < 4 || ptr % 4 || ptr > olen + 1)
        return VG_EV_IPV4_OPT_MALFORMED;
    return -1;
}

/* Timestamp: pointer >= 5; records of 4 bytes (timestamps only) or 8
 * (address + timestamp, flags 1 and 3). */
static int check_ts(const uint8_t *o, uint8_t olen)
{
    if (olen < 5)
        return VG_EV_IPV4_OPT_INVALID_LEN;
    uint8_t ptr = o[2];
    if (ptr < 5)
        return VG_EV_IPV4_OPT_MALFORMED;
    uint8_t flag = o[3] & 0x0f;
    uint8_t rec = (flag == 1 || flag == 3) ? 8 : 4;
    if ((ptr - 5) % rec || ptr > olen + 1)
        return VG_EV_IPV4_OPT_MALFORMED;
    return -1;
}

/* CIPSO (FIPS 188): DOI (4), then tags of type, length (>= 4), data. */
static int check_cipso(const uint8_t *o, uint8_t olen)
{
    if (olen < 10)
        return VG_EV_IPV4_OPT_INVALID_LEN;
    uint32_t off = 6, end = olen;
    while (off < end) {
        if (end - off < 2)
            return VG_EV_IPV4_OPT_MALFORMED;
        uint8_t ttype = o[off], tlen = o[off + 1];
        if (tlen > end - off)
            return VG_EV_IPV4_OPT_MALFORMED;
        switch (ttype) {
        case 1: case 2: case 5: case 6: case 7:
            if (tlen < 4)
                return VG_EV_IPV4_OPT_MALFORMED;
            if (ttype != 7 && o[off + 2] != 0) /* alignment octet */
                return VG_EV_IPV4_OPT_MALFORMED;
            off += tlen;
            break;
        default:
            return VG_EV_IPV4_OPT_MALFORMED;
        }
    }
    return -1;
}

static void dec_options(vg_decoder *d, vg_packet *p, const uint8_t *o, uint32_t len)
{
    uint32_t seen = 0; /* multi-byte option types already seen, by bit */
    if (len % 8)
        vg_dec_event(d, p, VG_EV_IPV4_OPT_PAD_REQUIRED);
    while (len > 0) {
        p->ipopts |= VG_IPOPT_ANY;
        if (o[0] == OPT_EOL) {
            p->ipopts |= VG_IPOPT_EOL;
            return;
        }
        if (o[0] == OPT_NOP) {
            p->ipopts |= VG_IPOPT_NOP;
            o++;
            len--;
            continue;
        }
        if (len < 2) {
            vg_dec_event(d, p, VG_EV_IPV4_OPT_EOL_REQUIRED);
            return;
        }
        uint8_t type = o[0], olen = o[1];
        if (olen < 2 || olen > len) {
            vg_dec_event(d, p, VG_EV_IPV4_OPT_INVALID_LEN);
            return;
        }
        int bad = -1;
        uint32_t bit = 0, optbit = 0;
        switch (type) {
        case OPT_RR: bit = 1; optbit = VG_IPOPT_RR; bad = check_route(o, olen); break;
        case OPT_LSRR: bit = 2; optbit = VG_IPOPT_LSRR; bad = check_route(o, olen); break;
        case OPT_SSRR: bit = 4; optbit = VG_IPOPT_SSRR; bad = check_route(o, olen); break;
        case OPT_TS: bit = 8; optbit = VG_IPOPT_TS; bad = check_ts(o, olen); break;
        case OPT_SEC:
            bit = 16; optbit = VG_IPOPT_SEC;
            bad = olen < 3 ? VG_EV_IPV4_OPT_INVALID_LEN : -1; /* RFC 1108 allows 3.. */
            break;
        case OPT_ESEC:
            bit = 32; optbit = VG_IPOPT_ESEC;
            bad = olen < 3 ? VG_EV_IPV4_OPT_INVALID_LEN : -1;
            break;
        case OPT_SID:
            bit = 64; optbit = VG_IPOPT_SATID;
            bad = olen != 4 ? VG_EV_IPV4_OPT_INVALID_LEN : -1;
            break;
        case OPT_RTRALT: bit = 128; bad = olen != 4 ? VG_EV_IPV4_OPT_INVALID_LEN : -1; break;
        case OPT_QS: bit = 256; bad = olen < 8 ? VG_EV_IPV4_OPT_INVALID_LEN : -1; break;
        case OPT_CIPSO: bit = 512; bad = check_cipso(o, olen); break;
        default:
            vg_dec_event(d, p, VG_EV_IPV4_OPT_INVALID);
            break;
        }
        if (bit) {
            if (seen & bit) {
                vg_dec_event(d, p, VG_EV_IPV4_OPT_DUPLICATE);
            } else if (bad >= 0) {
                vg_dec_event(d, p, bad);
                return;
            } else {
                seen |= bit;
                p->ipopts |= optbit;
            }
        }
        o += olen;
        len -= olen;
    }
}

void vg_dec_ipv4(vg_decoder *d, vg_packet *p, const uint8_t *data, uint32_t len)
{
    vg_dec_count(d, VG_C_IPV4);
    if (len < 20) {
        vg_dec_event(d, p, VG_EV_IPV4_PKT_TOO_SMALL);
        return;
    }
    if ((data[0] >> 4) != 4) {
        vg_dec_event(d, p, VG_EV_IPV4_WRONG_IP_VER);
        return;
    }
    uint32_t hlen = (uint32_t)(data[0] & 0x0f) * 4;
    if (hlen < 20) {
        vg_dec_event(d, p, VG_EV_IPV4_HLEN_TOO_SMALL);
        return;
    }
    uint32_t iplen = vg_be16(data + 2);
    if (iplen < hlen) {
        vg_dec_event(d, p, VG_EV_IPV4_IPLEN_SMALLER_THAN_HLEN);
        return;
    }
    if (len < iplen) {
        vg_dec_event(d, p, VG_EV_IPV4_TRUNC_PKT);
        return;
    }
    p->ipver = 4;
    p->ip = data;
    p->ip_hlen = (uint16_t)hlen;
    p->ip_len = iplen;
    p->tos = data[1];
    p->ip_id = vg_be16(data + 4);
    uint16_t fo = vg_be16(data + 6);
    p->frag_rb = (fo & 0x8000) != 0;
    p->frag_df = (fo & 0x4000) != 0;
    p->frag_mf = (fo & 0x2000) != 0;
    p->frag_off = fo & 0x1fff;
    p->ttl = data[8];
    p->proto = data[9];
    p->src.family = p->dst.family = 4;
    memcpy(p->src.a, data + 12, 4);
    memcpy(p->dst.a, data + 16, 4);
    if (hlen > 20)
        dec_options(d, p, data + 20, hlen - 20);
    /* Header checksum (for ipv4-csum and the stream's checksum policy):
     * the ones' complement sum over a valid header is 0xffff. */
    uint32_t sum = 0;
    for (uint32_t i = 0; i < hlen; i += 2)
        sum += vg_be16(data + i);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    if (sum != 0xffff)
        p->flags |= VG_PKT_IPV4_CSUM_BAD;

    if (p->frag_off > 0 || p->frag_mf) {
        p->is_fragment = true;
        vg_defrag_ipv4(d, p, data, iplen);
        return;
    }
    if (p->proto == 58) { /* ICMPv6 over IPv4 */
        vg_dec_event(d, p, VG_EV_IPV4_WITH_ICMPV6);
        return;
    }
    vg_dec_l4(d, p, p->proto, data + hlen, iplen - hlen);
}

void vg_dec_l4(vg_decoder *d, vg_packet *p, uint8_t proto, const uint8_t *data, uint32_t len)
{
    switch (proto) {
    case 6:
        vg_dec_tcp(d, p, data, len);
        return;
    case 17:
        vg_dec_udp(d, p, data, len);
        return;
    case 1:
        if (p->ipver == 6) {
            vg_dec_event(d, p, VG_EV_IPV6_WITH_ICMPV4);
            return;
        }
        vg_dec_icmpv4(d, p, data, len);
        return;
    case 58:
        if (p->ipver == 4) {
            vg_dec_event(d, p, VG_EV_IPV4_WITH_ICMPV6);
            return;
        }
        vg_dec_icmpv6(d, p, data, len);
        return;
    case 132:
        vg_dec_sctp(d, p, data, len);
        return;
    case 50:
        vg_dec_esp(d, p, data, len);
        return;
    case 47:
        vg_dec_gre(d, p, data, len);
        return;
    case 4: /* IPv4 in IP */
        vg_dec_count(d, p->ipver == 4 ? VG_C_IPV4_IN_IPV4 : VG_C_IPV4_IN_IPV6);
        if (p->ipver == 6 && len < 20) {
            vg_dec_event(d, p, VG_EV_IPV4_IN_IPV6_PKT_TOO_SMALL);
            return;
        }
        if (p->ipver == 6 && (data[0] >> 4) != 4) {
            vg_dec_event(d, p, VG_EV_IPV4_IN_IPV6_WRONG_IP_VER);
            return;
        }
        p->payload = data;
        p->payload_len = len;
        p->wants_flow = true;
        vg_dec_tunnel(d, p, VG_TUN_IPV4, p->ipver == 4 ? "ipv4 tunnel" : "ipv6 tunnel", data,
                      len);
        return;
    case 41: /* IPv6 in IP */
        vg_dec_count(d, p->ipver == 4 ? VG_C_IPV6_IN_IPV4 : VG_C_IPV6_IN_IPV6);
        if (p->ipver == 6 && len < 40) {
            vg_dec_event(d, p, VG_EV_IPV6_IN_IPV6_PKT_TOO_SMALL);
            return;
        }
        if (p->ipver == 6 && (data[0] >> 4) != 6) {
            vg_dec_event(d, p, VG_EV_IPV6_IN_IPV6_WRONG_IP_VER);
            return;
        }
        p->payload = data;
        p->payload_len = len;
        p->wants_flow = true;
        vg_dec_tunnel(d, p, VG_TUN_IPV6, p->ipver == 4 ? "ipv4 tunnel" : "ipv6 tunnel", data,
                      len);
        return;
    }
    /* Protocols vigil does not decode: the L3 payload is the payload. */
    p->payload = data;
    p->payload_len = len;
}
