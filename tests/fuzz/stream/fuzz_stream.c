/*
 * fuzz_stream.c: a sequence of synthetic TCP segments (and a few UDP/ICMP
 * packets) built from the input bytes goes through the flow table, session
 * tracking and reassembly; every chunk handed out must lie inside its buffer
 * and the table must end every flow exactly once, leak-free.
 *
 * Input: byte 0 picks a configuration (midstream, overlap policy, depth,
 * memcaps); then records of 8 header bytes
 *   flags, ctl (bit0 toserver, bits1-2 flow, bit3 expire, bit4 udp),
 *   seq delta (2, signed), ack delta (2, signed), payload length, seconds
 * followed by that many payload bytes.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/conf.h"
#include "net/flow/flow_table.h"

void vg_detect_flow_free(void *detect_state) { free(detect_state); }

static const char *const confs[] = {
    NULL,
    "stream:\n  midstream: true\n",
    "stream:\n  midstream: true\n  reassembly:\n    depth: 300\n    toserver-chunk-size: 16\n"
    "    toclient-chunk-size: 16\n",
    "host-os-policy:\n  old-linux: [0.0.0.0/0]\nstream:\n  midstream: true\n",
    "host-os-policy:\n  solaris: [0.0.0.0/0]\nstream:\n  midstream: true\n",
    "host-os-policy:\n  last: [0.0.0.0/0]\n",
    "flow:\n  memcap: 4000\n  hash-size: 16\nstream:\n  midstream: true\n",
    "stream:\n  midstream: true\n  reassembly:\n    memcap: 3000\n",
    "stream:\n  midstream: true\n  inline: yes\n  reassembly:\n    toserver-chunk-size: 20\n",
    "host-os-policy:\n  linux: [10.0.0.0/8]\n  hpux11: [10.0.0.1]\nstream:\n  inline: auto\n",
};

static uint64_t sink;
static int ended;

static void touch(const vg_stream_chunk *c, int n)
{
    for (int i = 0; i < n; i++) {
        for (uint32_t k = 0; k < c[i].len; k++)
            sink += c[i].data[k];
        for (uint32_t k = 0; c[i].log_data && k < c[i].log_len; k++)
            sink += c[i].log_data[k];
    }
}

static void on_end(vg_flow *f, vg_flow_end why, const vg_stream_chunk *ch, int n, void *arg)
{
    (void)arg;
    touch(ch, n);
    vg_jb jb;
    vg_jb_init(&jb);
    vg_flow_eve(f, why, &jb);
    sink += jb.len;
    vg_jb_free(&jb);
    ended++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    char err[VG_ERRBUF_SIZE];
    vg_conf *c = NULL;
    const char *y = confs[data[0] % (sizeof confs / sizeof confs[0])];
    if (y) {
        c = vg_conf_new();
        if (vg_conf_load_string(c, y, "fuzz", err) != VG_OK)
            abort();
    }
    vg_flow_table *ft = NULL;
    if (vg_flow_table_new(&ft, c, err) != VG_OK)
        abort();
    vg_conf_free(c);
    if (data[0] & 0x80)
        vg_flow_table_set_ips(ft, true);
    size_t pos = 1;
    uint32_t seq[2] = {1000, 50000}, ack[2] = {50000, 1000};
    struct timeval now = {1000, 0};
    ended = 0;
    while (pos + 8 <= size) {
        const uint8_t *h = data + pos;
        pos += 8;
        uint32_t len = h[6];
        if (len > size - pos)
            len = (uint32_t)(size - pos);
        const uint8_t *pl = data + pos;
        pos += len;
        bool ts = h[1] & 1;
        int fl = (h[1] >> 1) & 3;
        now.tv_sec += h[7] & 0x3f;
        vg_packet p;
        memset(&p, 0, sizeof p);
        p.ts = now;
        p.ipver = 4;
        p.wants_flow = true;
        p.src.family = p.dst.family = 4;
        p.src.a[0] = p.dst.a[0] = 10;
        p.src.a[3] = ts ? 1 : 2;
        p.dst.a[3] = ts ? 2 : 1;
        p.sp = ts ? (uint16_t)(40000 + fl) : 80;
        p.dp = ts ? 80 : (uint16_t)(40000 + fl);
        p.proto = (h[1] & 0x10) ? 17 : 6;
        if (h[1] & 0x20) {
            p.proto = 1;
            p.icmp_type = h[0] & 0x0f;
            p.sp = p.dp = 0;
        }
        int d = ts ? 0 : 1;
        seq[d] += (uint32_t)(int16_t)(h[2] << 8 | h[3]);
        ack[d] += (uint32_t)(int16_t)(h[4] << 8 | h[5]);
        p.tcp_flags = h[0];
        p.tcp_seq = seq[d];
        p.tcp_ack = ack[d];
        p.tcp_win = (uint16_t)(h[4] << 8 | h[7]);
        p.tcp_has_wscale = h[7] & 0x40;
        p.tcp_wscale = h[3] & 0x1f;
        p.payload = len ? pl : NULL;
        p.payload_len = len;
        p.ip_len = 40 + len;
        vg_flow *f = vg_flow_table_handle(ft, &p);
        if (f) {
            vg_stream_chunk ch[VG_MAX_CHUNKS];
            int n = vg_flow_table_stream(ft, &p, ch, VG_MAX_CHUNKS);
            if (n < 0 || n > VG_MAX_CHUNKS)
                abort();
            touch(ch, n);
            for (int i = 0; i < p.nstream_events; i++)
                if (!vg_stream_event_name(p.stream_events[i]))
                    abort();
            if (h[0] == 0xff)
                vg_flow_trigger_raw(f, ts);
        }
        if (h[1] & 0x08)
            vg_flow_table_expire(ft, &now, on_end, NULL);
    }
    vg_flow_table_expire_all(ft, on_end, NULL);
    vg_jb jb;
    vg_jb_init(&jb);
    vg_jb_open_obj(&jb, NULL);
    vg_flow_table_stats_eve(ft, &jb);
    vg_jb_close_obj(&jb);
    vg_jb_free(&jb);
    vg_flow_table_free(ft);
    return 0;
}
