/*
 * decode_icmp.c: ICMPv4 and ICMPv6.
 *
 * The 8-byte header must be present.  Echo-like messages give icmp_id and
 * icmp_seq; error messages must carry the start of the offending IP header
 * (checked for length and version, as Suricata does).  Types and codes
 * outside the assigned ranges raise unknown_type / unknown_code (and for
 * ICMPv6 unassigned_type / experimentation_type), which are not fatal.
 */
#include "net/decode/decode_int.h"

static void set_common(vg_packet *p, const uint8_t *data, uint32_t len)
{
    p->l4 = data;
    p->l4_hlen = 8;
    p->icmp_type = data[0];
    p->icmp_code = data[1];
    p->payload = data + 8;
    p->payload_len = len - 8;
    p->wants_flow = true;
}

static void set_idseq(vg_packet *p, const uint8_t *data)
{
    p->icmp_id = vg_be16(data + 4);
    p->icmp_seq = vg_be16(data + 6);
    p->icmp_has_idseq = true;
}

void vg_dec_icmpv4(vg_decoder *d, vg_packet *p, const uint8_t *data, uint32_t len)
{
    vg_dec_count(d, VG_C_ICMPV4);
    if (len < 8) {
        vg_dec_event(d, p, VG_EV_ICMPV4_PKT_TOO_SMALL);
        return;
    }
    set_common(p, data, len);
    uint8_t type = data[0], code = data[1];
    int maxcode = 0;
    bool err = false;
    switch (type) {
    case 0: case 8: case 13: case 14: case 15: case 16: case 17: case 18:
        set_idseq(p, data);
        break;
    case 3: maxcode = 15; err = true; break;
    case 4: err = true; break;
    case 5: maxcode = 3; err = true; break;
    case 9: maxcode = 16; break;
    case 10: break;
    case 11: maxcode = 1; err = true; break;
    case 12: maxcode = 2; err = true; break;
    default:
        vg_dec_event(d, p, VG_EV_ICMPV4_UNKNOWN_TYPE);
        return;
    }
    if (code > maxcode || (type == 9 && code != 0 && code != 16))
        vg_dec_event(d, p, VG_EV_ICMPV4_UNKNOWN_CODE);
    if (err) {
        if (len - 8 < 20) {
            vg_dec_event(d, p, VG_EV_ICMPV4_IPV4_TRUNC_PKT);
            return;
        }
        if ((data[8] >> 4) != 4)
            vg_dec_event(d, p, VG_EV_ICMPV4_IPV4_UNKNOWN_VER);
    }
}

void vg_dec_icmpv6(vg_decoder *d, vg_packet *p, const uint8_t *data, uint32_t len)
{
    vg_dec_count(d, VG_C_ICMPV6);
    if (len < 8) {
        vg_dec_event(d, p, VG_EV_ICMPV6_PKT_TOO_SMALL);
        return;
    }
    set_common(p, data, len);
    uint8_t type = data[0], code = data[1];
    int maxcode = 0;
    bool err = false;
    switch (type) {
    case 1: maxcode = 7; err = true; break;
    case 2: err = true; break;
    case 3: maxcode = 1; err = true; break;
    case 4: maxcode = 3; err = true; break;
    case 128: case 129:
        set_idseq(p, data);
        break;
    case 130: case 131: case 132: case 143: /* MLD: link-local only */
        if (p->ttl != 1)
            vg_dec_event(d, p, VG_EV_ICMPV6_MLD_INVALID_HL);
        break;
    case 133: case 134: case 135: case 136: case 137:
        break;
    case 138: maxcode = 255; break; /* router renumbering: 0, 1, 255 */
    case 139: case 140: maxcode = 2; break;
    case 141: case 142: case 144: case 145: case 146: case 147: case 148: case 149:
    case 150: case 151: case 152: case 153: case 154: case 155: case 156: case 157:
    case 158: case 159: case 160: case 161:
        maxcode = 255;
        break;
    case 100: case 101: case 200: case 201:
        vg_dec_event(d, p, VG_EV_ICMPV6_EXPERIMENTATION_TYPE);
        return;
    default:
        if ((type > 4 && type < 100) || (type > 101 && type < 127) ||
            (type > 161 && type < 200) || (type > 201 && type < 255))
            vg_dec_event(d, p, VG_EV_ICMPV6_UNASSIGNED_TYPE);
        else
            vg_dec_event(d, p, VG_EV_ICMPV6_UNKNOWN_TYPE);
        return;
    }
    if (code > maxcode)
        vg_dec_event(d, p, VG_EV_ICMPV6_UNKNOWN_CODE);
    if (err) {
        if (len - 8 < 40) {
            vg_dec_event(d, p, VG_EV_ICMPV6_IPV6_TRUNC_PKT);
            return;
        }
        if ((data[8] >> 4) != 6)
            vg_dec_event(d, p, VG_EV_ICMPV6_IPV6_UNKNOWN_VER);
    }
}
