/*
 * decode_sctp.c: header-only transports: SCTP (common header: ports,
 * verification tag, checksum) and ESP (SPI, sequence; the rest is
 * encrypted).  Chunks and ESP payloads are left as payload.
 */
#include "net/decode/decode_int.h"

void vg_dec_sctp(vg_decoder *d, vg_packet *p, const uint8_t *data, uint32_t len)
{
    vg_dec_count(d, VG_C_SCTP);
    if (len < 12) {
        vg_dec_event(d, p, VG_EV_SCTP_PKT_TOO_SMALL);
        return;
    }
    p->l4 = data;
    p->l4_hlen = 12;
    p->sp = vg_be16(data);
    p->dp = vg_be16(data + 2);
    p->payload = data + 12;
    p->payload_len = len - 12;
    p->wants_flow = true;
}

void vg_dec_esp(vg_decoder *d, vg_packet *p, const uint8_t *data, uint32_t len)
{
    vg_dec_count(d, VG_C_ESP);
    if (len < 8) {
        vg_dec_event(d, p, VG_EV_ESP_PKT_TOO_SMALL);
        return;
    }
    p->l4 = data;
    p->l4_hlen = 8;
    p->payload = data + 8;
    p->payload_len = len - 8;
    p->wants_flow = true;
}
