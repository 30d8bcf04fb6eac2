/* Pipeline tests: a small capture written here, rules, vg_engine_run in IDS
 * and IPS mode, and the EVE lines and fast.log checked with jansson. */
#include <jansson.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/conf.h"
#include "net/engine/engine.h"
#include "net/engine/net_conf.h"
#include "unit/vg_test.h"

static char dir[64];

static uint16_t csum(const uint8_t *b, size_t n)
{
    uint32_t s = 0;
    for (size_t i = 0; i + 1 < n; i += 2)
        s += (uint32_t)(b[i] << 8 | b[i + 1]);
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)~s;
}

/* A raw IPv4/UDP packet src:sport -> 10.0.0.2:9999 with payload. */
static size_t udp_pkt(uint8_t *b, const uint8_t src[4], uint16_t sport, const char *payload)
{
    size_t pl = strlen(payload), n = 20 + 8 + pl;
    memset(b, 0, n);
    b[0] = 0x45;
    b[2] = (uint8_t)(n >> 8);
    b[3] = (uint8_t)n;
    b[8] = 64;
    b[9] = 17;
    memcpy(b + 12, src, 4);
    memcpy(b + 16, (uint8_t[]){10, 0, 0, 2}, 4);
    uint16_t c = csum(b, 20);
    b[10] = (uint8_t)(c >> 8);
    b[11] = (uint8_t)c;
    b[20] = (uint8_t)(sport >> 8);
    b[21] = (uint8_t)sport;
    b[22] = 9999 >> 8;
    b[23] = 9999 & 0xff;
    b[24] = (uint8_t)((8 + pl) >> 8);
    b[25] = (uint8_t)(8 + pl);
    memcpy(b + 28, payload, pl);
    return n;
}

static void write_capture(const char *path)
{
    pcap_t *pd = pcap_open_dead(DLT_RAW, 65535);
    pcap_dumper_t *d = pcap_dump_open(pd, path);
    VG_CHECK(d != NULL);
    if (!d) {
        pcap_close(pd);
        return;
    }
    uint8_t b[256];
    const uint8_t a[4] = {10, 0, 0, 1}, x[4] = {10, 9, 9, 9};
    for (int i = 0; i < 6; i++) {
        struct pcap_pkthdr h = {0};
        h.ts.tv_sec = 1700000000 + i;
        /* three packets of flow A (10.0.0.1), three of flow B (10.9.9.9) */
        size_t n = i < 3 ? udp_pkt(b, a, 1111, "hello vigil") : udp_pkt(b, x, 2222, "hello vigil");
        h.caplen = h.len = (uint32_t)n;
        pcap_dump((u_char *)d, &h, b);
    }
    pcap_dump_close(d);
    pcap_close(pd);
}

static void write_text(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");
    VG_CHECK(fp != NULL);
    if (fp) {
        fputs(text, fp);
        fclose(fp);
    }
}

typedef struct counts {
    int lines, alerts, flows, stats, sid[4], blocked, bad_json, flows_alerted;
} counts;

static counts read_eve(const char *path)
{
    counts c;
    memset(&c, 0, sizeof c);
    FILE *fp = fopen(path, "r");
    VG_CHECK(fp != NULL);
    if (!fp)
        return c;
    char line[65536];
    while (fgets(line, sizeof line, fp)) {
        c.lines++;
        json_error_t err;
        json_t *j = json_loads(line, 0, &err);
        if (!j) {
            c.bad_json++;
            continue;
        }
        const char *t = json_string_value(json_object_get(j, "event_type"));
        if (t && strcmp(t, "alert") == 0) {
            c.alerts++;
            json_t *a = json_object_get(j, "alert");
            json_int_t sid = json_integer_value(json_object_get(a, "signature_id"));
            if (sid >= 1 && sid <= 3)
                c.sid[sid]++;
            const char *act = json_string_value(json_object_get(a, "action"));
            c.blocked += act && strcmp(act, "blocked") == 0;
            VG_CHECK(json_integer_value(json_object_get(j, "pcap_cnt")) >= 1);
        } else if (t && strcmp(t, "flow") == 0) {
            c.flows++;
            json_t *f = json_object_get(j, "flow");
            c.flows_alerted += json_is_true(json_object_get(f, "alerted"));
        } else if (t && strcmp(t, "stats") == 0) {
            c.stats++;
            json_t *d = json_object_get(json_object_get(j, "stats"), "detect");
            VG_CHECK(json_integer_value(json_object_get(d, "alert")) > 0);
        }
        json_decref(j);
    }
    fclose(fp);
    return c;
}

static int run(bool ips, const char *sub, vg_engine_result *res)
{
    char pcap[128], rules[128], out[128];
    snprintf(pcap, sizeof pcap, "%s/in.pcap", dir);
    snprintf(rules, sizeof rules, "%s/t.rules", dir);
    snprintf(out, sizeof out, "%s/%s", dir, sub);
    const char *files[] = {rules, NULL};
    const char *sets[] = {"outputs.0.fast.append=no", NULL};
    vg_conf *conf = NULL;
    char err[VG_ERRBUF_SIZE] = "";
    int rc = vg_net_conf_load(&conf, NULL, sets, err);
    VG_CHECK_EQ(rc, VG_OK);
    if (rc != VG_OK)
        return rc;
    vg_engine_opts o;
    memset(&o, 0, sizeof o);
    o.pcap_file = pcap;
    o.rule_files = files;
    o.log_dir = out;
    o.simulate_ips = ips;
    rc = vg_engine_run(conf, &o, res, err);
    if (rc != VG_OK)
        fprintf(stderr, "run: %s\n", err);
    vg_conf_free(conf);
    return rc;
}

static void ids_and_ips(void)
{
    char path[160];
    vg_engine_result res;
    VG_CHECK_EQ(run(false, "ids", &res), VG_OK);
    VG_CHECK_EQ(res.packets, 6);
    VG_CHECK_EQ(res.rules_loaded, 3);
    VG_CHECK_EQ(res.flows, 2);
    snprintf(path, sizeof path, "%s/ids/eve.json", dir);
    counts c = read_eve(path);
    VG_CHECK_EQ(c.bad_json, 0);
    /* IDS mode: drop rules alert ("allowed") and block nothing, but the
     * IP-only drop on flow B is a flow action, as in Suricata: the rest of
     * flow B is not inspected (its record says "drop") */
    VG_CHECK_EQ(c.sid[1], 4);   /* content rule: every inspected packet */
    VG_CHECK_EQ(c.sid[2], 4);   /* packet drop rule: alerts only */
    VG_CHECK_EQ(c.sid[3], 1);   /* IP-only rule: once per flow direction */
    VG_CHECK_EQ(c.blocked, 0);
    VG_CHECK_EQ(c.flows, 2);
    VG_CHECK_EQ(c.flows_alerted, 2);
    VG_CHECK_EQ(c.stats, 1);
    VG_CHECK_EQ(res.alerts, (uint64_t)c.alerts);
    VG_CHECK(res.nsigs == 3 && res.sigs[0].count == 4 && res.sigs[2].sid == 3);
    snprintf(path, sizeof path, "%s/ids/fast.log", dir);
    FILE *fp = fopen(path, "r");
    int fast = 0;
    char line[1024];
    while (fp && fgets(line, sizeof line, fp))
        fast += strstr(line, "[**] [1:") != NULL && strstr(line, "{UDP} 10.") != NULL;
    if (fp)
        fclose(fp);
    VG_CHECK_EQ(fast, c.alerts);
    vg_engine_result_free(&res);

    /* IPS: the packet-scope drop blocks packets; the IP-only drop on flow B
     * drops the rest of that flow, so its later packets are not inspected */
    VG_CHECK_EQ(run(true, "ips", &res), VG_OK);
    snprintf(path, sizeof path, "%s/ips/eve.json", dir);
    c = read_eve(path);
    VG_CHECK_EQ(c.sid[1], 4);
    VG_CHECK_EQ(c.sid[2], 4);
    VG_CHECK_EQ(c.sid[3], 1);
    VG_CHECK_EQ(c.blocked, 5);
    VG_CHECK_EQ(res.dropped, 6);
    vg_engine_result_free(&res);
}

static void bad_inputs_fail_cleanly(void)
{
    vg_conf *conf = NULL;
    char err[VG_ERRBUF_SIZE] = "";
    VG_CHECK_EQ(vg_net_conf_load(&conf, NULL, NULL, err), VG_OK);
    vg_engine_opts o;
    memset(&o, 0, sizeof o);
    vg_engine_result res;
    char out[128];
    snprintf(out, sizeof out, "%s/bad", dir);
    o.log_dir = out;
    o.pcap_file = "/nonexistent/capture.pcap";
    VG_CHECK(vg_engine_run(conf, &o, &res, err) < 0);
    VG_CHECK(strstr(err, "/nonexistent/capture.pcap") != NULL);
    vg_engine_result_free(&res);
    o.pcap_file = NULL; /* neither -r nor -i */
    VG_CHECK_EQ(vg_engine_run(conf, &o, &res, err), VG_EINVAL);
    vg_engine_result_free(&res);
    /* an exception policy Suricata refuses is an error naming the key */
    VG_CHECK_EQ(vg_conf_set(conf, "stream.midstream-policy", "drop-packet"), VG_OK);
    o.pcap_file = "/nonexistent/capture.pcap";
    VG_CHECK_EQ(vg_engine_run(conf, &o, &res, err), VG_EINVAL);
    VG_CHECK(strstr(err, "stream.midstream-policy") != NULL);
    vg_engine_result_free(&res);
    vg_conf_free(conf);
}

static void rm_tree(const char *d)
{
    const char *subs[] = {"ids", "ips", "bad"};
    const char *files[] = {"eve.json", "fast.log"};
    char p[256];
    for (size_t i = 0; i < 3; i++) {
        for (size_t j = 0; j < 2; j++) {
            snprintf(p, sizeof p, "%s/%s/%s", d, subs[i], files[j]);
            unlink(p);
        }
        snprintf(p, sizeof p, "%s/%s", d, subs[i]);
        rmdir(p);
    }
    snprintf(p, sizeof p, "%s/in.pcap", d);
    unlink(p);
    snprintf(p, sizeof p, "%s/t.rules", d);
    unlink(p);
    rmdir(d);
}

static void setup_and_run(void)
{
    snprintf(dir, sizeof dir, "/tmp/vg_pipe_XXXXXX");
    VG_CHECK(mkdtemp(dir) != NULL);
    char p[128];
    snprintf(p, sizeof p, "%s/in.pcap", dir);
    write_capture(p);
    snprintf(p, sizeof p, "%s/t.rules", dir);
    write_text(p, "alert udp any any -> any 9999 (msg:\"hello\"; content:\"hello\"; sid:1; rev:1;)\n"
                  "drop udp any any -> any 9999 (msg:\"pkt drop\"; content:\"vigil\"; sid:2;)\n"
                  "drop ip 10.9.9.9 any -> any any (msg:\"ip-only drop\"; sid:3;)\n");
    ids_and_ips();
    bad_inputs_fail_cleanly();
    rm_tree(dir);
}

static const vg_test tests[] = {
    {"pipeline", setup_and_run},
    {NULL, NULL},
};

VG_TEST_MAIN(tests)
