/*
 * decode_udp.c: UDP header; then VXLAN and Teredo on their ports.
 *
 * The UDP length must cover the header and fit in the IP payload; bytes
 * past it (trailing data) are not payload.  A packet on a tunnel port whose
 * payload parses as that tunnel spawns the inner packet; the outer UDP
 * packet keeps its flow, as Suricata's does.
 */
#include "net/decode/decode_int.h"

void vg_dec_udp(vg_decoder *d, vg_packet *p, const uint8_t *data, uint32_t len)
{
    vg_dec_count(d, VG_C_UDP);
    if (len < 8) {
        vg_dec_event(d, p, VG_EV_UDP_HLEN_TOO_SMALL);
        return;
    }
    uint32_t ulen = vg_be16(data + 4);
    if (len < ulen) {
        vg_dec_event(d, p, VG_EV_UDP_PKT_TOO_SMALL);
        return;
    }
    if (ulen < 8) {
        vg_dec_event(d, p, VG_EV_UDP_LEN_INVALID);
        return;
    }
    p->l4 = data;
    p->l4_hlen = 8;
    p->sp = vg_be16(data);
    p->dp = vg_be16(data + 2);
    p->payload = data + 8;
    p->payload_len = ulen - 8;
    p->wants_flow = true;
    vg_dec_udp_tunnel(d, p, p->payload, p->payload_len);
}
