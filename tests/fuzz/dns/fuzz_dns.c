/* fuzz_dns.c: any bytes as a DNS message (UDP payload) and as a TCP DNS
 * stream: the parser stays in bounds, the EVE record is valid JSON. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/app/app.h"
#include "net/app/app_dns.h"
#include "net/app/app_keywords.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 65535)
        return 0;
    vg_dns_msg *m = NULL;
    uint64_t capped = 0;
    if (vg_dns_parse(data, (uint32_t)size, &m, &capped) == VG_OK && m) {
        vg_jb jb;
        vg_jb_init(&jb);
        vg_jb_open_obj(&jb, NULL);
        vg_dns_msg_eve(m, 0, &jb);
        vg_jb_close_obj(&jb);
        if (vg_jb_ok(&jb) && (jb.buf[0] != '{' || jb.buf[jb.len - 1] != '}'))
            abort();
        /* version 2: each question's query record, or the answer record */
        for (uint32_t q = 0; q < (m->nq ? m->nq : 1); q++) {
            vg_jb_reset(&jb);
            vg_jb_open_obj(&jb, NULL);
            vg_dns_msg_eve_v2(m, 0, q, &jb);
            vg_jb_close_obj(&jb);
            if (vg_jb_ok(&jb) && (jb.buf[0] != '{' || jb.buf[jb.len - 1] != '}'))
                abort();
        }
        vg_jb_free(&jb);
        for (uint32_t i = 0; i < m->nq; i++)
            if (strlen(vg_dns_str(m, m->q[i].name)) > VG_DNS_NAME_MAX)
                abort();
        vg_dns_msg_free(m);
    }
    /* the same bytes as a TCP stream, in two pieces, through the app layer */
    vg_app_ctx *ctx;
    char err[VG_ERRBUF_SIZE];
    if (vg_app_ctx_new(&ctx, NULL, err) != VG_OK)
        return 0;
    vg_flow f;
    memset(&f, 0, sizeof f);
    f.proto = 6;
    size_t half = size / 2;
    vg_app_on_stream(ctx, &f, NULL, true, data, (uint32_t)half);
    vg_app_on_stream(ctx, &f, NULL, false, data + half, (uint32_t)(size - half));
    for (vg_app_tx *tx = vg_app_tx_first(&f); tx; tx = vg_app_tx_next(tx)) {
        const uint8_t *d;
        uint32_t n;
        for (uint32_t i = 0; vg_app_get_buffer(&f, tx, VG_ABUF_DNS_RESP_QUERY, i, &d, &n) == VG_OK;
             i++)
            if (n > VG_DNS_NAME_MAX)
                abort();
    }
    vg_app_flow_end(ctx, &f);
    vg_app_ctx_free(ctx);
    return 0;
}
