/*
 * fuzz_rule.c: one rule text per input.  It must parse or fail cleanly;
 * a rule that loads is built into a rule set and run over a few packets
 * (TCP with payload and a stream chunk, UDP, ICMP) so keyword set-up and
 * matching are exercised too.  Nothing may crash, leak or overrun.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "net/detect/detect_int.h"
#include "net/flow.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 8192)
        return 0;
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = 0;
    for (size_t i = 0; i < size; i++)
        if (text[i] == '\n' || text[i] == '\r' || text[i] == 0)
            text[i] = ' ';
    vg_log_set_level(0);
    vg_detect *de;
    if (vg_detect_new(&de, NULL) != VG_OK) {
        free(text);
        return 0;
    }
    vg_class_load_builtin(de);
    char err[VG_ERRBUF_SIZE];
    int rc = vg_detect_add_rule(de, text, err);
    if (rc == VG_OK && vg_detect_build(de, err) == VG_OK) {
        vg_det_thread *dt;
        if (vg_detect_thread_new(de, &dt) == VG_OK) {
            static const char pl[] = "GET /index.html HTTP/1.0\r\nUser-Agent: x\r\n\r\nevil";
            uint8_t hdr[64] = {0x45, 0, 0, 40};
            vg_flow f;
            memset(&f, 0, sizeof(f));
            f.proto = 6;
            for (int k = 0; k < 3; k++) {
                vg_packet p;
                memset(&p, 0, sizeof(p));
                p.ipver = 4;
                p.src.family = p.dst.family = 4;
                p.src.a[0] = 192, p.src.a[1] = 168, p.src.a[3] = 1;
                p.dst.a[0] = 8, p.dst.a[3] = 8;
                p.proto = k == 0 ? 6 : k == 1 ? 17 : 1;
                p.ip = hdr;
                p.ip_hlen = 20;
                p.l4 = hdr + 20;
                p.l4_hlen = k == 0 ? 20 : 8;
                p.sp = k == 2 ? 0 : 40000;
                p.dp = k == 2 ? 0 : 80;
                p.tcp_flags = 0x18;
                p.ttl = 64;
                p.payload = (const uint8_t *)pl;
                p.payload_len = sizeof(pl) - 1;
                p.flow = k == 0 ? &f : NULL;
                p.flags = VG_PKT_TOSERVER | VG_PKT_ESTABLISHED;
                p.ts.tv_sec = 1000 + k;
                p.pcap_cnt = (uint64_t)k + 1;
                vg_stream_chunk c = {.data = (const uint8_t *)pl, .len = sizeof(pl) - 1,
                                     .toserver = true};
                vg_detect_packet(dt, &p, k == 0 ? &c : NULL);
                for (int a = 0; a < p.nalerts; a++)
                    free(p.alerts[a].stream_data);
            }
            vg_jb jb; /* the flow's variables as EVE writes them */
            vg_jb_init(&jb);
            vg_jb_open_obj(&jb, NULL);
            vg_detect_flow_eve(&f, &jb);
            vg_jb_close_obj(&jb);
            vg_jb_free(&jb);
            vg_detect_flow_free(f.detect_state);
            vg_detect_thread_free(dt);
        }
    }
    vg_detect_free(de);
    free(text);
    return 0;
}
