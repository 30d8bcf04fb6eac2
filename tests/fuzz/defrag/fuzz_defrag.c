/*
 * fuzz_defrag.c: a sequence of IP packets (mostly fragments) through one
 * decoder with small defrag limits, so that overlaps, memcap evictions,
 * tracker reuse and timeouts all happen.  Input: records of
 *   [u8 flags][u8 len_hi][u8 len_lo][len bytes of a raw IPv4/IPv6 packet]
 * where flags bit 0..6 advance the clock by that many seconds.
 */
#include <stdint.h>
#include <stdlib.h>

#include "core/conf.h"
#include "net/decode/decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[VG_ERRBUF_SIZE];
    vg_conf *c = vg_conf_new();
    vg_conf_set(c, "defrag.memcap", "16kb");
    vg_conf_set(c, "defrag.trackers", "8");
    vg_conf_set(c, "defrag.max-frags", "64");
    vg_conf_set(c, "defrag.timeout", "30");
    vg_conf_set(c, "defrag.hash-size", "64");
    vg_decoder *d = NULL;
    if (vg_decoder_new(&d, c, err) != VG_OK)
        abort();
    vg_conf_free(c);
    struct timeval ts = {1000, 0};
    volatile uint32_t sink = 0;
    size_t off = 0;
    uint64_t n = 0;
    while (size - off >= 3) {
        uint8_t flags = data[off];
        size_t len = (size_t)data[off + 1] << 8 | data[off + 2];
        off += 3;
        if (len > size - off)
            len = size - off;
        ts.tv_sec += flags & 0x7f;
        vg_packet p;
        vg_decode(d, &p, VG_DLT_RAW, data + off, (uint32_t)len, &ts, ++n);
        for (vg_packet *pp; (pp = vg_decoder_pop(d));) {
            if (pp->raw_len)
                sink += pp->raw[pp->raw_len - 1];
            if (pp->payload_len)
                sink += pp->payload[pp->payload_len - 1];
            vg_packet_free(pp);
        }
        off += len;
    }
    (void)sink;
    vg_decoder_free(d);
    return 0;
}
