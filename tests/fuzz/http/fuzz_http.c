/* fuzz_http.c: the HTTP glue over libhtp: the input is cut into chunks that
 * alternate direction (each chunk's first byte gives its length), then the
 * flow ends; every buffer of every transaction is read. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/app/app.h"
#include "net/app/app_keywords.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (1u << 20))
        return 0;
    vg_app_ctx *ctx;
    char err[VG_ERRBUF_SIZE];
    if (vg_app_ctx_new(&ctx, NULL, err) != VG_OK)
        return 0;
    vg_flow f;
    memset(&f, 0, sizeof f);
    f.proto = 6;
    bool ts = true;
    size_t o = 0;
    while (o < size) {
        size_t n = 1 + (size_t)data[o] * 4;
        o++;
        if (n > size - o)
            n = size - o;
        vg_app_on_stream(ctx, &f, NULL, ts, data + o, (uint32_t)n);
        o += n;
        ts = !ts;
    }
    uint64_t sum = 0;
    for (vg_app_tx *tx = vg_app_tx_first(&f); tx; tx = vg_app_tx_next(tx))
        for (uint16_t id = VG_BUF_APP_FIRST; id < VG_ABUF_END; id++) {
            const uint8_t *d;
            uint32_t n;
            for (uint32_t i = 0; i < 64 && vg_app_get_buffer(&f, tx, id, i, &d, &n) == VG_OK; i++)
                for (uint32_t k = 0; k < n; k++)
                    sum += d[k]; /* touch every byte (ASan checks the bounds) */
        }
    (void)sum;
    vg_app_flow_end(ctx, &f);
    vg_app_ctx_free(ctx);
    return 0;
}
