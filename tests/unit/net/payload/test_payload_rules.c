/*
 * Payload keywords through the real rule parser and detection loop
 * (src/net/detect): rules as written in suricata-verify cases, loaded with
 * vg_detect_load(), run with vg_detect_packet() on hand-made packets; the
 * expected alerts are those the suricata-verify checks expect.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "net/detect.h"
#include "net/payload.h"
#include "net/sig.h"
#include "unit/vg_test.h"

static vg_detect *de;
static vg_det_thread *dt;
static char path[64];

static int load(const char *rules)
{
    snprintf(path, sizeof path, "/tmp/vg_pl_rules_XXXXXX");
    int fd = mkstemp(path);
    if (fd < 0)
        return -1;
    FILE *fp = fdopen(fd, "w");
    fputs(rules, fp);
    fclose(fp);
    const char *files[] = { path, NULL };
    char err[VG_ERRBUF_SIZE] = "";
    int rc = vg_detect_load(&de, NULL, files, false, err);
    unlink(path);
    if (rc != VG_OK) {
        fprintf(stderr, "load: %s\n", err);
        return -1;
    }
    if (vg_detect_thread_new(de, &dt) != VG_OK)
        return -1;
    return (int)vg_detect_get_stats(de)->rules_loaded;
}

static void unload(void)
{
    vg_detect_thread_free(dt);
    vg_detect_free(de);
    dt = NULL;
    de = NULL;
}

/* An IPv4 packet with a UDP or TCP header and the payload; returns a bit
 * set of the sids (< 32) that alerted. */
static uint32_t run(uint8_t proto, const void *pay, uint32_t plen, uint8_t tcp_flags)
{
    static uint8_t frame[2048];
    static uint64_t cnt;
    memset(frame, 0, sizeof frame);
    uint8_t *ip = frame;
    uint16_t l4len = proto == 6 ? 20 : 8;
    ip[0] = 0x45;
    ip[8] = 64;
    ip[9] = proto;
    ip[12] = 10; ip[15] = 1;
    ip[16] = 10; ip[19] = 2;
    uint8_t *l4 = frame + 20;
    l4[0] = 0x04; l4[1] = 0xd2; /* 1234 */
    l4[2] = 0x00; l4[3] = 0x50; /* 80 */
    if (proto == 6) {
        l4[12] = 0x50;
        l4[13] = tcp_flags;
        l4[14] = 0x20;
    } else {
        l4[4] = (uint8_t)((8 + plen) >> 8);
        l4[5] = (uint8_t)(8 + plen);
    }
    memcpy(frame + 20 + l4len, pay, plen);
    vg_packet p;
    memset(&p, 0, sizeof p);
    p.pcap_cnt = ++cnt;
    p.ts.tv_sec = (time_t)cnt;
    p.raw = frame;
    p.raw_len = 20 + l4len + plen;
    p.ipver = 4;
    p.src.family = p.dst.family = 4;
    p.src.a[0] = 10; p.src.a[3] = 1;
    p.dst.a[0] = 10; p.dst.a[3] = 2;
    p.ip = ip;
    p.ip_hlen = 20;
    p.ip_len = p.raw_len;
    p.proto = proto;
    p.ttl = 64;
    p.l4 = l4;
    p.l4_hlen = l4len;
    p.sp = 1234;
    p.dp = 80;
    p.tcp_flags = tcp_flags;
    p.payload = frame + 20 + l4len;
    p.payload_len = plen;
    vg_detect_packet(dt, &p, NULL);
    uint32_t bits = 0;
    for (int i = 0; i < p.nalerts; i++)
        if (p.alerts[i].sig && p.alerts[i].sig->sid < 32)
            bits |= 1u << p.alerts[i].sig->sid;
    for (int i = 0; i < p.nalerts; i++)
        free(p.alerts[i].stream_data);
    return bits;
}

#define B(x) (1u << (x))

static void distance_within_endswith(void)
{
    int n = load(
        "alert udp any any -> any any (msg:\"dw\"; content:\"AllWorkAndNoPlayMakesWill\"; "
        "content:\"DullBoy\"; distance:1; within:7; sid:2;)\n"
        "alert udp any any -> any any (msg:\"5030\"; content:\"yYYYYYYYYYYYYYYYY\"; distance:9; "
        "within:29; endswith; sid:3;)\n"
        "alert udp any any -> any any (msg:\"AAA\"; content:\"AAA\"; endswith; sid:4;)\n"
        "alert udp any any -> any any (msg:\"DDD\"; content:\"DDD\"; endswith; sid:5;)\n");
    VG_CHECK_EQ(n, 4);
    if (n != 4)
        return;
    VG_CHECK_EQ(run(17, "AllWorkAndNoPlayMakesWill DullBoy", 33, 0), B(2));
    VG_CHECK_EQ(run(17, "AllWorkAndNoPlayMakesWillDullBoy", 32, 0), 0);
    char p35[35], p39[39];
    memset(p35, 'x', 18);
    memcpy(p35 + 18, "yYYYYYYYYYYYYYYYY", 17);
    memset(p39, 'x', 22);
    memcpy(p39 + 22, "yYYYYYYYYYYYYYYYY", 17);
    VG_CHECK_EQ(run(17, p35, 35, 0), B(3));
    VG_CHECK_EQ(run(17, p39, 39, 0), 0);
    VG_CHECK_EQ(run(17, "xDDDxAAA", 8, 0), B(4));
    unload();
}

static void byte_keywords(void)
{
    int n = load(
        "alert udp any any -> any any (msg:\"bt\"; content:\"|48 54 54 50|\"; "
        "byte_test:1,=,0x9,0, bitmask 0xf8; sid:1;)\n"
        "alert udp any any -> any any (msg:\"bt2\"; content:\"|48 54 54 50|\"; "
        "byte_test:2,=,0x90a,0, bitmask 0xf8f8; sid:2;)\n"
        "alert udp any any -> any any (msg:\"4623\"; content:\"|3a 01 e8 ed 0f|\"; "
        "byte_jump:0,0,relative,post_offset -7; pcre:\"/^\\x7c\\xe0\\x3a\\x01\\xe8\\xed\\x0f\\x54/R\"; "
        "sid:3;)\n"
        "alert udp any any -> any any (msg:\"7390\"; content:\"Authorization:\"; "
        "content:\"5f71ycy\"; distance:0; byte_extract:1,0,option_len,string,relative; "
        "content:!\"|38|\"; distance:option_len; within:1; content:\"|37|\"; distance:-1; "
        "within:1; content:\"|49|\"; distance:option_len; within:1; sid:4;)\n"
        "alert udp any any -> any any (msg:\"math\"; content:\"M\"; byte_extract:1,0,ev,relative; "
        "byte_math:bytes 1, offset 2, oper +, rvalue ev, result var; byte_test:1,=,var,3; sid:5;)\n");
    VG_CHECK_EQ(n, 5);
    if (n != 5)
        return;
    VG_CHECK_EQ(run(17, "HTTP/1.1", 8, 0), B(1) | B(2));
    const uint8_t pk[] = { 'x', 0x7c, 0xe0, 0x3a, 0x01, 0xe8, 0xed, 0x0f, 0x54, 'y' };
    VG_CHECK_EQ(run(17, pk, sizeof pk, 0), B(3));
    VG_CHECK_EQ(run(17, "Authorization: 5f71ycy7abcdefgIxyz", 34, 0), B(4));
    VG_CHECK_EQ(run(17, "Authorization: 5f71ycy7abcdefg8xyz", 34, 0), 0);
    VG_CHECK_EQ(run(17, "M\x02\x05\x07", 4, 0), B(5));
    VG_CHECK_EQ(run(17, "M\x02\x05\x08", 4, 0), 0);
    unload();
}

static void header_buffers_and_prefilter(void)
{
    int n = load(
        "alert udp any any -> any any (udp.hdr; content:\"|00 50|\"; offset:2; depth:2; sid:1;)\n"
        "alert tcp-pkt any any -> any 80 (msg:\"tcphdr\"; content:\"GET\"; tcp.hdr; "
        "content:\"|00 50|\"; offset:2; depth:2; tcp.hdr; content:\"|50 18|\"; distance:8; "
        "within:2; sid:2;)\n"
        "alert ip any any -> any any (ipv4.hdr; content:\"|40|\"; offset:8; depth:1; sid:3;)\n"
        "alert udp any any -> any any (content:\"needle\"; nocase; fast_pattern; "
        "content:\"hay\"; sid:4;)\n"
        "alert udp any any -> any any (content:!\"never\"; sid:5;)\n");
    VG_CHECK_EQ(n, 5);
    if (n != 5)
        return;
    /* ttl 64 = 0x40 at ipv4 offset 8 */
    VG_CHECK_EQ(run(17, "hay NEEDLE", 10, 0), B(1) | B(3) | B(4) | B(5));
    VG_CHECK_EQ(run(17, "hay never", 9, 0), B(1) | B(3));
    VG_CHECK_EQ(run(6, "GET / HTTP/1.0\r\n", 16, 0x18) & B(2), B(2));
    VG_CHECK_EQ(run(6, "GET / HTTP/1.0\r\n", 16, 0x10) & B(2), 0);
    unload();
}

static void bad_rules_are_reported(void)
{
    int n = load(
        "alert udp any any -> any any (content:\"abcd\"; depth:2; sid:1;)\n"
        "alert udp any any -> any any (pcre:\"/x/U\"; sid:2;)\n"
        "alert udp any any -> any any (byte_test:2,=,1,0,dce; sid:3;)\n"
        "alert udp any any -> any any (content:\"ok\"; sid:4;)\n");
    /* pcre's /U loads since the app-layer registers http.uri (src/net/app) */
    VG_CHECK_EQ(n, 2);
    if (n >= 0) {
        VG_CHECK_EQ(vg_detect_get_stats(de)->rules_failed, 2);
        unload();
    }
}

static const vg_test tests[] = {
    {"distance_within_endswith", distance_within_endswith},
    {"byte_keywords", byte_keywords},
    {"header_buffers_and_prefilter", header_buffers_and_prefilter},
    {"bad_rules_are_reported", bad_rules_are_reported},
    {NULL, NULL},
};

VG_TEST_MAIN(tests)
