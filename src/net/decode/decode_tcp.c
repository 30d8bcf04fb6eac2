/*
 * decode_tcp.c: TCP header and options.
 *
 * The header must fit (20 bytes, then the data offset); options are walked
 * within the header only.  MSS, window scale, SACK permitted and timestamps
 * go on the packet for tcp.mss, the stream engine and `tcp.hdr`; a
 * duplicated option keeps the first value (tcp.opt_duplicate), an option
 * whose length is wrong for its type is ignored (tcp.opt_invalid_len), and
 * a length that overruns the header stops the walk.
 */
#include "net/decode/decode_int.h"

enum {
    OPT_EOL = 0, OPT_NOP = 1, OPT_MSS = 2, OPT_WS = 3, OPT_SACKOK = 4, OPT_SACK = 5,
    OPT_TS = 8, OPT_TFO = 34,
};

static void dec_options(vg_decoder *d, vg_packet *p, const uint8_t *o, uint32_t len)
{
    bool seen_sack = false, seen_tfo = false;
    while (len > 0) {
        uint8_t type = o[0];
        if (type == OPT_EOL)
            return;
        if (type == OPT_NOP) {
            o++;
            len--;
            continue;
        }
        if (len < 2)
            return;
        uint8_t olen = o[1];
        if (olen < 2 || olen > len) {
            vg_dec_event(d, p, VG_EV_TCP_OPT_INVALID_LEN); /* counted invalid: see below */
            p->flags |= VG_PKT_INVALID; /* provisional, settled by vg_dec_finish */
            return;
        }
        bool bad = false, dup = false;
        switch (type) {
        case OPT_MSS:
            if (olen != 4)
                bad = true;
            else if (p->tcp_has_mss)
                dup = true;
            else {
                p->tcp_has_mss = true;
                p->tcp_mss = vg_be16(o + 2);
            }
            break;
        case OPT_WS:
            if (olen != 3)
                bad = true;
            else if (p->tcp_has_wscale)
                dup = true;
            else {
                p->tcp_has_wscale = true;
                p->tcp_wscale = o[2];
            }
            break;
        case OPT_SACKOK:
            if (olen != 2)
                bad = true;
            else if (p->tcp_sackok)
                dup = true;
            else
                p->tcp_sackok = true;
            break;
        case OPT_TS:
            if (olen != 10)
                bad = true;
            else if (p->tcp_has_ts)
                dup = true;
            else {
                p->tcp_has_ts = true;
                p->tcp_tsval = vg_be32(o + 2);
                p->tcp_tsecr = vg_be32(o + 6);
            }
            break;
        case OPT_SACK:
            if (olen < 10 || olen > 34 || (olen - 2) % 8)
                bad = true;
            else if (seen_sack)
                dup = true;
            seen_sack = true;
            break;
        case OPT_TFO:
            /* cookie request (2) or a cookie of 4..16 even bytes */
            if (!(olen == 2 || (olen >= 6 && olen <= 18 && olen % 2 == 0)))
                bad = true;
            else if (seen_tfo)
                dup = true;
            seen_tfo = true;
            break;
        }
        if (bad)
            vg_dec_event(d, p, VG_EV_TCP_OPT_INVALID_LEN);
        else if (dup)
            vg_dec_event(d, p, VG_EV_TCP_OPT_DUPLICATE);
        o += olen;
        len -= olen;
    }
}

void vg_dec_tcp(vg_decoder *d, vg_packet *p, const uint8_t *data, uint32_t len)
{
    vg_dec_count(d, VG_C_TCP);
    if (len < 20) {
        vg_dec_event(d, p, VG_EV_TCP_PKT_TOO_SMALL);
        return;
    }
    uint32_t hlen = (uint32_t)(data[12] >> 4) * 4;
    if (hlen < 20) {
        vg_dec_event(d, p, VG_EV_TCP_HLEN_TOO_SMALL);
        return;
    }
    if (len < hlen) {
        vg_dec_event(d, p, VG_EV_TCP_PKT_TOO_SMALL);
        return;
    }
    p->l4 = data;
    p->l4_hlen = (uint16_t)hlen;
    p->sp = vg_be16(data);
    p->dp = vg_be16(data + 2);
    p->tcp_seq = vg_be32(data + 4);
    p->tcp_ack = vg_be32(data + 8);
    p->tcp_flags = data[13];
    p->tcp_win = vg_be16(data + 14);
    if (hlen > 20)
        dec_options(d, p, data + 20, hlen - 20);
    p->payload = data + hlen;
    p->payload_len = len - hlen;
    p->wants_flow = true;
}
