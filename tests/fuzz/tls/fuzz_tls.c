/* fuzz_tls.c: any bytes as TLS records in both directions (first byte picks
 * the split) and as single handshake messages: no out-of-bounds reads, no
 * leaks, valid EVE. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/app/app.h"
#include "net/app/app_feat.h"
#include "net/app/app_keywords.h"
#include "net/app/app_tls.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > (1u << 20))
        return 0;
    /* one handshake message of each type we parse */
    uint64_t capped = 0;
    vg_tls_state_ctx cx = {&capped};
    vg_tls_info *t = calloc(1, sizeof(*t));
    if (!t)
        return 0;
    vg_tls_handshake(&cx, t, 1, data + 1, (uint32_t)(size - 1), true);
    vg_tls_handshake(&cx, t, 2, data + 1, (uint32_t)(size - 1), false);
    vg_tls_handshake(&cx, t, 11, data + 1, (uint32_t)(size - 1), false);
    vg_jb jb;
    vg_jb_init(&jb);
    vg_jb_open_obj(&jb, NULL);
    vg_tls_info_eve(t, &jb);
    vg_jb_close_obj(&jb);
    if (vg_jb_ok(&jb) && jb.buf[jb.len - 1] != '}')
        abort();
    /* every field (certificates, chains, handshake objects) */
    vg_jb_reset(&jb);
    vg_jb_open_obj(&jb, NULL);
    vg_tls_info_eve_fields(t, ~0u, &jb);
    vg_jb_close_obj(&jb);
    if (vg_jb_ok(&jb) && jb.buf[jb.len - 1] != '}')
        abort();
    vg_jb_free(&jb);
    vg_tls_info_free(t);
    /* records through the app layer: a ClientHello-looking start makes it TLS */
    vg_app_ctx *ctx;
    char err[VG_ERRBUF_SIZE];
    if (vg_app_ctx_new(&ctx, NULL, err) != VG_OK)
        return 0;
    vg_flow f;
    memset(&f, 0, sizeof f);
    f.proto = 6;
    size_t split = 1 + data[0] % size;
    if (split > size)
        split = size;
    vg_app_on_stream(ctx, &f, NULL, true, data + 1, (uint32_t)(split - 1));
    vg_app_on_stream(ctx, &f, NULL, false, data + split, (uint32_t)(size - split));
    for (vg_app_tx *tx = vg_app_tx_first(&f); tx; tx = vg_app_tx_next(tx)) {
        const uint8_t *d;
        uint32_t n;
        for (uint16_t id = VG_ABUF_TLS_RANDOM; id <= VG_ABUF_TLS_RANDOM_BYTES; id++)
            for (int cl = 0; cl < 2; cl++)
                if (vg_app_get_buffer(&f, tx, (uint16_t)(id | (cl ? VG_TLS_CLIENT_BUF : 0)), 0,
                                      &d, &n) == VG_OK && n > 32)
                    abort();
        (void)vg_app_tx_events(tx);
    }
    vg_app_flow_end(ctx, &f);
    vg_app_ctx_free(ctx);
    return 0;
}
