/* fuzz_applayer.c: synthetic TCP and UDP packets through the app layer's
 * in-order stream, acknowledgement timing, protocol recognition and
 * parsers.  Each record: kind (bit 0 direction, bit 1 UDP, bit 2 SYN,
 * bit 3 FIN), seq offset (2 bytes), ack offset (2 bytes), length (1 byte),
 * payload. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/app/app.h"
#include "net/app/app_keywords.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (1u << 18))
        return 0;
    vg_app_ctx *ctx;
    char err[VG_ERRBUF_SIZE];
    if (vg_app_ctx_new(&ctx, NULL, err) != VG_OK)
        return 0;
    vg_flow f;
    memset(&f, 0, sizeof f);
    bool udp = size > 0 && (data[0] & 2);
    f.proto = udp ? 17 : 6;
    vg_packet *p = calloc(1, sizeof(*p));
    if (!p) {
        vg_app_ctx_free(ctx);
        return 0;
    }
    size_t o = 0;
    while (o + 6 <= size) {
        uint8_t kind = data[o];
        uint16_t seq = (uint16_t)(data[o + 1] << 8 | data[o + 2]);
        uint16_t ack = (uint16_t)(data[o + 3] << 8 | data[o + 4]);
        uint32_t len = data[o + 5];
        o += 6;
        if (len > size - o)
            len = (uint32_t)(size - o);
        memset(p, 0, sizeof(*p));
        p->flow = &f;
        p->proto = f.proto;
        p->flags = (kind & 1) ? VG_PKT_TOCLIENT : VG_PKT_TOSERVER;
        p->tcp_seq = 1000u + seq;
        p->tcp_ack = 1000u + ack;
        p->tcp_flags = (uint8_t)(0x10 | ((kind & 4) ? 0x02 : 0) | ((kind & 8) ? 0x01 : 0));
        p->payload = data + o;
        p->payload_len = len;
        if (len)
            p->flags |= VG_PKT_STREAM_ADD;
        vg_app_on_packet(ctx, p);
        for (vg_app_tx *tx = vg_app_tx_first(&f); tx; tx = vg_app_tx_next(tx)) {
            const uint8_t *d;
            uint32_t n;
            for (uint16_t id = VG_BUF_APP_FIRST; id < VG_ABUF_END; id++)
                if (vg_app_get_buffer(&f, tx, id, 0, &d, &n) == VG_OK && n && d[n - 1] == 0x7f)
                    o += 0; /* touch the last byte: ASan checks it */
        }
        vg_app_after_packet(ctx, p);
        o += len;
    }
    vg_app_flow_closing(ctx, &f);
    vg_app_flow_end(ctx, &f);
    free(p);
    vg_app_ctx_free(ctx);
    return 0;
}
