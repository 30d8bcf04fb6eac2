/*
 * fuzz_pipeline.c: hostile frames through the whole vigil net pipeline
 * (decode, defrag, flows, TCP reassembly, app layer, detection, every EVE
 * output with payload/packet/verdict/anomaly on, fast.log), in IDS and IPS
 * mode.  Input: byte 0 picks the link type and the mode; then frames as
 * [u16 big-endian length][bytes], at most 64 frames of at most 2048 bytes,
 * 1 ms apart.  They are written as a pcap to a temporary file that
 * vg_engine_run reads; the outputs are truncated every run.
 */
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/conf.h"
#include "core/log.h"
#include "net/engine/engine.h"
#include "net/engine/net_conf.h"

static char dir[64], rules[128], pcap[128];

static const char *const rule_text =
    "alert tcp any any -> any any (msg:\"c\"; content:\"GET\"; sid:1;)\n"
    "alert tcp any any -> any any (msg:\"s\"; flow:established,to_server; content:\"abc\"; "
    "pcre:\"/a.c/\"; sid:2;)\n"
    "drop udp any any -> any any (msg:\"u\"; content:\"|00 01|\"; sid:3;)\n"
    "alert ip any any -> any any (msg:\"i\"; ttl:<5; sid:4;)\n"
    "alert tcp any any -> any any (msg:\"f\"; flags:S; flowbits:set,x; flowbits:noalert; "
    "sid:5;)\n"
    "alert tcp any any -> any any (msg:\"g\"; flowbits:isset,x; dsize:>0; sid:6;)\n"
    "reject tcp any any -> any 80 (msg:\"r\"; content:\"evil\"; sid:7;)\n"
    "alert ip 10.0.0.0/8 any -> any any (msg:\"ip-only\"; sid:8;)\n";

static void cleanup(void)
{
    const char *names[] = {"f.rules", "in.pcap", "eve.json", "fast.log"};
    char p[192];
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(p, sizeof p, "%s/%s", dir, names[i]);
        unlink(p);
    }
    rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    if (dir[0])
        return 0;
    vg_log_set_level(VG_LOG_ERROR - 1); /* quiet */
    snprintf(dir, sizeof dir, "/tmp/vg_fuzz_pipeline_XXXXXX");
    if (!mkdtemp(dir))
        abort();
    snprintf(rules, sizeof rules, "%s/f.rules", dir);
    snprintf(pcap, sizeof pcap, "%s/in.pcap", dir);
    FILE *fp = fopen(rules, "w");
    if (!fp)
        abort();
    fputs(rule_text, fp);
    fclose(fp);
    atexit(cleanup);
    return 0;
}

static const int links[] = {DLT_EN10MB, DLT_RAW, DLT_LINUX_SLL, DLT_NULL, DLT_IPV4, DLT_IPV6,
                            DLT_LINUX_SLL2, DLT_PPP};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    if (!dir[0])
        LLVMFuzzerInitialize(NULL, NULL);
    int dlt = links[data[0] & 7];
    bool ips = (data[0] & 8) != 0;
    pcap_t *pd = pcap_open_dead(dlt, 65535);
    pcap_dumper_t *d = pd ? pcap_dump_open(pd, pcap) : NULL;
    if (!d) {
        if (pd)
            pcap_close(pd);
        return 0;
    }
    size_t off = 1;
    for (int n = 0; n < 64 && off + 2 <= size; n++) {
        size_t len = (size_t)data[off] << 8 | data[off + 1];
        off += 2;
        if (len > 2048)
            len = 2048;
        if (len > size - off)
            len = size - off;
        struct pcap_pkthdr h;
        memset(&h, 0, sizeof h);
        h.ts.tv_sec = 1700000000;
        h.ts.tv_usec = n * 1000;
        h.caplen = h.len = (uint32_t)len;
        pcap_dump((u_char *)d, &h, data + off);
        off += len;
    }
    pcap_dump_close(d);
    pcap_close(pd);

    const char *sets[] = {
        "outputs.0.fast.append=no",
        "outputs.1.eve-log.append=no",
        "outputs.1.eve-log.types.0.alert.payload=yes",
        "outputs.1.eve-log.types.0.alert.payload-printable=yes",
        "outputs.1.eve-log.types.0.alert.packet=yes",
        "outputs.1.eve-log.types.0.alert.verdict=yes",
        "outputs.1.eve-log.types.0.alert.metadata.rule.raw=yes",
        "outputs.1.eve-log.types.2.anomaly.types.decode=yes",
        "outputs.1.eve-log.types.2.anomaly.types.stream=yes",
        "stream.midstream=true",
        NULL,
    };
    vg_conf *conf = NULL;
    char err[VG_ERRBUF_SIZE];
    if (vg_net_conf_load(&conf, NULL, sets, err) != VG_OK)
        abort();
    const char *files[] = {rules, NULL};
    vg_engine_opts o;
    memset(&o, 0, sizeof o);
    o.pcap_file = pcap;
    o.rule_files = files;
    o.log_dir = dir;
    o.simulate_ips = ips;
    vg_engine_result res;
    int rc = vg_engine_run(conf, &o, &res, err);
    if (getenv("VG_FUZZ_VERBOSE"))
        fprintf(stderr, "rc %d: %llu packets, %llu alerts, %llu flows, %u rules%s%s\n", rc,
                (unsigned long long)res.packets, (unsigned long long)res.alerts,
                (unsigned long long)res.flows, res.rules_loaded, rc ? ": " : "", rc ? err : "");
    vg_engine_result_free(&res);
    vg_conf_free(conf);
    return 0;
}
