/*
 * decode_ipv6.c: IPv6 header and extension headers.
 *
 * The walk over extension headers is bounded by the datagram (payload
 * length, trimmed to the captured bytes must cover it) and by a count cap;
 * each header's length is checked before it is read.  Suricata's anomalies
 * are raised on the way: duplicated headers, routing type 0, options that
 * are only padding or unknown, a PadN of length 0, a fragment header with a
 * reserved field set or that is "useless" (offset 0, no more fragments: the
 * walk goes on past it), data after "no next header".  A fragment (offset
 * or M set) stops the walk and goes to the defragmenter.
 */
#include "net/decode/decode_int.h"

#define MAX_EXTHDRS 32

/* Hop-by-hop and destination options: TLVs inside the header. */
static void dec_options(vg_decoder *d, vg_packet *p, const uint8_t *o, uint32_t len, bool hop)
{
    bool other = false;
    uint32_t off = 0;
    while (off < len) {
        uint8_t type = o[off];
        if (type == 0) { /* Pad1 */
            off++;
            continue;
        }
        if (len - off < 2) {
            vg_dec_event(d, p, VG_EV_IPV6_EXTHDR_INVALID_OPTLEN);
            return;
        }
        uint8_t olen = o[off + 1];
        if (olen > len - off - 2) {
            vg_dec_event(d, p, VG_EV_IPV6_EXTHDR_INVALID_OPTLEN);
            return;
        }
        switch (type) {
        case 1: /* PadN */
            if (olen == 0)
                vg_dec_event(d, p, VG_EV_IPV6_ZERO_LEN_PADN);
            break;
        case 0x05: /* router alert */
            other = true;
            if (olen != 2)
                vg_dec_event(d, p, VG_EV_IPV6_EXTHDR_INVALID_OPTLEN);
            break;
        case 0xc2: /* jumbo payload */
            other = true;
            if (olen != 4)
                vg_dec_event(d, p, VG_EV_IPV6_EXTHDR_INVALID_OPTLEN);
            break;
        case 0xc9: /* home address */
            other = true;
            if (olen != 16)
                vg_dec_event(d, p, VG_EV_IPV6_EXTHDR_INVALID_OPTLEN);
            break;
        default:
            other = true;
            vg_dec_event(d, p, hop ? VG_EV_IPV6_HOPOPTS_UNKNOWN_OPT
                                   : VG_EV_IPV6_DSTOPTS_UNKNOWN_OPT);
            break;
        }
        off += 2u + olen;
    }
    if (!other)
        vg_dec_event(d, p, hop ? VG_EV_IPV6_HOPOPTS_ONLY_PADDING : VG_EV_IPV6_DSTOPTS_ONLY_PADDING);
}

static bool is_l4(uint8_t nh)
{
    switch (nh) {
    case 6: case 17: case 58: case 1: case 132: case 47: case 4: case 41: case 50:
    case 103: /* PIM */ case 89: /* OSPF */ case 2: /* IGMP */ case 112: /* VRRP */
    case 136: /* UDP-Lite */ case 115: /* L2TP */ case 33: /* DCCP */
        return true;
    }
    return false;
}

void vg_dec_ipv6(vg_decoder *d, vg_packet *p, const uint8_t *data, uint32_t len)
{
    vg_dec_count(d, VG_C_IPV6);
    if (len < 40) {
        vg_dec_event(d, p, VG_EV_IPV6_PKT_TOO_SMALL);
        return;
    }
    if ((data[0] >> 4) != 6) {
        vg_dec_event(d, p, VG_EV_IPV6_WRONG_IP_VER);
        return;
    }
    uint32_t plen = vg_be16(data + 4);
    if (len - 40 < plen) {
        vg_dec_event(d, p, VG_EV_IPV6_TRUNC_PKT);
        return;
    }
    uint32_t iplen = 40 + plen;
    p->ipver = 6;
    p->ip = data;
    p->ip_len = iplen;
    p->tos = (uint8_t)((data[0] & 0x0f) << 4 | data[1] >> 4);
    p->ttl = data[7];
    p->src.family = p->dst.family = 6;
    memcpy(p->src.a, data + 8, 16);
    memcpy(p->dst.a, data + 24, 16);

    uint8_t nh = data[6];
    uint32_t off = 40, nh_off = 6;
    int dh = 0;
    bool rh = false, dh_since_rh = false;
    for (int n = 0;; n++) {
        p->proto = nh;
        p->ip_hlen = (uint16_t)off;
        uint32_t left = iplen - off;
        const uint8_t *h = data + off;
        if (is_l4(nh)) {
            vg_dec_l4(d, p, nh, h, left);
            return;
        }
        if (nh == 59) { /* no next header */
            if (left > 0)
                vg_dec_event(d, p, VG_EV_IPV6_DATA_AFTER_NONE_HEADER);
            return;
        }
        if (n >= MAX_EXTHDRS)
            return;
        uint32_t hlen;
        switch (nh) {
        case 0: case 43: case 60: case 135: case 139: case 140:
            if (left < 2) {
                vg_dec_event(d, p, VG_EV_IPV6_TRUNC_EXTHDR);
                return;
            }
            hlen = ((uint32_t)h[1] + 1) * 8;
            break;
        case 44:
            hlen = 8;
            break;
        case 51:
            if (left < 2) {
                vg_dec_event(d, p, VG_EV_IPV6_TRUNC_EXTHDR);
                return;
            }
            hlen = ((uint32_t)h[1] + 2) * 4;
            break;
        default:
            vg_dec_event(d, p, VG_EV_IPV6_UNKNOWN_NEXT_HEADER);
            p->payload = h;
            p->payload_len = left;
            return;
        }
        if (hlen > left) {
            vg_dec_event(d, p, VG_EV_IPV6_TRUNC_EXTHDR);
            return;
        }
        switch (nh) {
        case 0:
            if (p->ip6_exthdrs & VG_IP6EH_HOP)
                vg_dec_event(d, p, VG_EV_IPV6_EXTHDR_DUPL_HH);
            p->ip6_exthdrs |= VG_IP6EH_HOP;
            dec_options(d, p, h + 2, hlen - 2, true);
            break;
        case 60:
            /* One before a routing header and one after it are allowed. */
            if (dh > 0 && (!rh || dh_since_rh))
                vg_dec_event(d, p, VG_EV_IPV6_EXTHDR_DUPL_DH);
            dh++;
            if (rh)
                dh_since_rh = true;
            p->ip6_exthdrs |= VG_IP6EH_DST;
            dec_options(d, p, h + 2, hlen - 2, false);
            break;
        case 43:
            if (p->ip6_exthdrs & VG_IP6EH_RH)
                vg_dec_event(d, p, VG_EV_IPV6_EXTHDR_DUPL_RH);
            if (hlen >= 3 && h[2] == 0)
                vg_dec_event(d, p, VG_EV_IPV6_RH_TYPE_0);
            p->ip6_exthdrs |= VG_IP6EH_RH;
            rh = true;
            break;
        case 51:
            if (p->ip6_exthdrs & VG_IP6EH_AH)
                vg_dec_event(d, p, VG_EV_IPV6_EXTHDR_DUPL_AH);
            if (hlen >= 4 && vg_be16(h + 2) != 0)
                vg_dec_event(d, p, VG_EV_IPV6_EXTHDR_AH_RES_NOT_NULL);
            p->ip6_exthdrs |= VG_IP6EH_AH;
            break;
        case 135: case 139: case 140:
            p->ip6_exthdrs |= VG_IP6EH_OTHER;
            break;
        case 44: {
            if (p->ip6_exthdrs & VG_IP6EH_FH) {
                /* A second one (after a useless first one): skipped, as
                 * Suricata does, and the walk goes on. */
                vg_dec_event(d, p, VG_EV_IPV6_EXTHDR_DUPL_FH);
                break;
            }
            p->ip6_exthdrs |= VG_IP6EH_FH;
            if (h[1] != 0)
                vg_dec_event(d, p, VG_EV_IPV6_FH_NON_ZERO_RES_FIELD);
            uint16_t fo = vg_be16(h + 2);
            uint16_t foff = fo >> 3;
            bool more = fo & 1;
            uint32_t id = vg_be32(h + 4);
            if (foff == 0 && !more) {
                vg_dec_event(d, p, VG_EV_IPV6_EXTHDR_USELESS_FH);
                break; /* an atomic fragment: decode what follows */
            }
            if (more && (left - 8) % 8 != 0) {
                vg_dec_event(d, p, VG_EV_IPV6_FRAG_INVALID_LENGTH);
                return;
            }
            p->frag_off = foff;
            p->frag_mf = more;
            p->ip6_frag_id = id;
            p->ip_id = (uint16_t)id;
            p->is_fragment = true;
            p->proto = h[0];
            vg_defrag_ipv6(d, p, data, iplen, off, nh_off);
            return;
        }
        }
        nh = h[0];
        nh_off = off;
        off += hlen;
    }
}
