/*
 * fuzz_decode.c: one frame through the whole decoder.  The first byte picks
 * the datalink (Ethernet, raw, SLL, SLL2, null, loopback, PPP, Cisco HDLC,
 * or one vigil does not know); the rest is the frame.  Every pseudo packet
 * is popped and its fields read, so ASan sees any pointer that escapes the
 * bytes it was given.
 */
#include <stdint.h>
#include <stdlib.h>

#include "net/decode/decode.h"

static const int links[] = {
    VG_DLT_EN10MB, VG_DLT_RAW, VG_DLT_IPV4, VG_DLT_IPV6, VG_DLT_LINUX_SLL,
    VG_DLT_LINUX_SLL2, VG_DLT_NULL, VG_DLT_LOOP, VG_DLT_PPP, VG_DLT_C_HDLC,
    VG_DLT_PPP_SERIAL, 147,
};

static uint32_t touch(const vg_packet *p)
{
    uint32_t h = p->ipver + p->proto + p->sp + p->dp + p->nevents;
    if (p->payload && p->payload_len)
        h += p->payload[0] + p->payload[p->payload_len - 1];
    if (p->l4 && p->l4_hlen)
        h += p->l4[p->l4_hlen - 1];
    if (p->ip && p->ip_len)
        h += p->ip[p->ip_len - 1];
    if (p->raw && p->raw_len)
        h += p->raw[p->raw_len - 1];
    for (int i = 0; i < p->nevents; i++)
        h += (uint32_t)vg_decode_event_name(p->events[i])[0];
    return h;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static vg_decoder *d;
    char err[VG_ERRBUF_SIZE];
    if (!d && vg_decoder_new(&d, NULL, err) != VG_OK)
        abort();
    if (size < 1)
        return 0;
    int dl = links[data[0] % (sizeof links / sizeof links[0])];
    struct timeval ts = {1, 0};
    vg_packet p;
    volatile uint32_t sink = 0;
    vg_decode(d, &p, dl, data + 1, (uint32_t)(size - 1), &ts, 1);
    sink += touch(&p);
    for (vg_packet *pp; (pp = vg_decoder_pop(d));) {
        if (pp->root != &p)
            abort();
        sink += touch(pp);
        vg_packet_free(pp);
    }
    /* Fragments left over: expire them so the replay run ends leak-free. */
    struct timeval late = {1000000, 0};
    vg_decoder_timeout(d, &late);
    (void)sink;
    return 0;
}
