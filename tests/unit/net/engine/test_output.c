/* Unit tests for src/net/engine: EVE alert/anomaly shapes (checked with
 * jansson), fast.log, the built-in configuration, exception policies. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>

#include "core/conf.h"
#include "net/engine/exception_policy.h"
#include "net/engine/net_conf.h"
#include "net/engine/output.h"
#include "net/engine/out_mb.h"
#include "net/flow.h"
#include "net/sig.h"
#include "unit/vg_test.h"

/* A TCP packet 10.0.0.1:1234 -> 192.168.1.2:80 with payload "GET /x", in a flow. */
static uint8_t frame[64];
static vg_flow flow;
static vg_sig sig;
static char *md[] = {"created_at 2024_01_01", "tag one, tag two", "former_category X", NULL};

static void make_packet(vg_packet *p)
{
    memset(p, 0, sizeof *p);
    memset(frame, 0xab, sizeof frame);
    p->ts.tv_sec = 1700000000;
    p->ts.tv_usec = 123456;
    p->pcap_cnt = 7;
    p->datalink = 1;
    p->raw = frame;
    p->raw_len = sizeof frame;
    p->pkt_src = VG_PKT_SRC_WIRE;
    p->ipver = 4;
    p->src.family = p->dst.family = 4;
    memcpy(p->src.a, (uint8_t[]){10, 0, 0, 1}, 4);
    memcpy(p->dst.a, (uint8_t[]){192, 168, 1, 2}, 4);
    p->proto = 6;
    p->sp = 1234;
    p->dp = 80;
    p->l4 = frame + 34;
    p->payload = (const uint8_t *)"GET /x\r\n";
    p->payload_len = 8;
    memset(&flow, 0, sizeof flow);
    flow.flow_id = 1234567890123ull;
    flow.src = p->src;
    flow.dst = p->dst;
    flow.sp = 1234;
    flow.dp = 80;
    flow.proto = 6;
    flow.start = p->ts;
    flow.pkts_toserver = 3;
    flow.pkts_toclient = 2;
    flow.bytes_toserver = 300;
    flow.bytes_toclient = 200;
    p->flow = &flow;
    p->flags = VG_PKT_TOSERVER;
    memset(&sig, 0, sizeof sig);
    sig.gid = 1;
    sig.sid = 2001;
    sig.rev = 3;
    sig.action = VG_ACTION_ALERT;
    sig.prio = 2;
    sig.msg = "ET TEST \"quoted\" msg";
    sig.class_msg = "Attempted Information Leak";
    sig.metadata = md;
    p->alerts[0].sig = &sig;
    p->nalerts = 1;
}

static json_t *parse(const vg_jb *jb)
{
    VG_CHECK(vg_jb_ok(jb));
    json_error_t err;
    json_t *j = json_loadb(jb->buf, jb->len, 0, &err);
    if (!j)
        fprintf(stderr, "not JSON: %s: %.*s\n", err.text, (int)jb->len, jb->buf);
    VG_CHECK(j != NULL);
    return j;
}

static const char *jstr(json_t *j, const char *path)
{
    char buf[128];
    snprintf(buf, sizeof buf, "%s", path);
    json_t *cur = j;
    for (char *tok = strtok(buf, "."); tok && cur; tok = strtok(NULL, "."))
        cur = json_object_get(cur, tok);
    return cur && json_is_string(cur) ? json_string_value(cur) : NULL;
}

static long long jint(json_t *j, const char *path)
{
    char buf[128];
    snprintf(buf, sizeof buf, "%s", path);
    json_t *cur = j;
    for (char *tok = strtok(buf, "."); tok && cur; tok = strtok(NULL, "."))
        cur = json_object_get(cur, tok);
    return cur && json_is_integer(cur) ? json_integer_value(cur) : -1;
}

static bool jhas(json_t *j, const char *key) { return json_object_get(j, key) != NULL; }

static void alert_default_shape(void)
{
    vg_packet p;
    make_packet(&p);
    vg_alert_cfg cfg;
    vg_alert_cfg_load(&cfg, NULL);
    vg_jb jb;
    vg_jb_init(&jb);
    vg_eve_alert(&jb, &cfg, &p, &p.alerts[0]);
    json_t *j = parse(&jb);
    if (j) {
        VG_CHECK_STR(jstr(j, "event_type"), "alert");
        VG_CHECK_STR(jstr(j, "src_ip"), "10.0.0.1");
        VG_CHECK_EQ(jint(j, "src_port"), 1234);
        VG_CHECK_STR(jstr(j, "dest_ip"), "192.168.1.2");
        VG_CHECK_EQ(jint(j, "dest_port"), 80);
        VG_CHECK_STR(jstr(j, "proto"), "TCP");
        VG_CHECK_EQ(jint(j, "ip_v"), 4);
        VG_CHECK_EQ(jint(j, "pcap_cnt"), 7);
        VG_CHECK_EQ(jint(j, "flow_id"), 1234567890123ll);
        VG_CHECK_STR(jstr(j, "pkt_src"), "wire/pcap");
        VG_CHECK(!jhas(j, "in_iface"));
        VG_CHECK(!jhas(j, "tx_id"));
        VG_CHECK_STR(jstr(j, "alert.action"), "allowed");
        VG_CHECK_EQ(jint(j, "alert.gid"), 1);
        VG_CHECK_EQ(jint(j, "alert.signature_id"), 2001);
        VG_CHECK_EQ(jint(j, "alert.rev"), 3);
        VG_CHECK_STR(jstr(j, "alert.signature"), "ET TEST \"quoted\" msg");
        VG_CHECK_STR(jstr(j, "alert.category"), "Attempted Information Leak");
        VG_CHECK_EQ(jint(j, "alert.severity"), 2);
        /* metadata {key: [values]}, keys merged in order */
        json_t *m = json_object_get(json_object_get(j, "alert"), "metadata");
        VG_CHECK(m && json_is_object(m));
        json_t *tag = json_object_get(m, "tag");
        VG_CHECK(tag && json_array_size(tag) == 2);
        VG_CHECK_STR(json_string_value(json_array_get(tag, 0)), "one");
        VG_CHECK_STR(json_string_value(json_array_get(tag, 1)), "two");
        VG_CHECK_STR(json_string_value(json_array_get(json_object_get(m, "created_at"), 0)),
                     "2024_01_01");
        /* flow object and direction by default; no payload, no packet */
        VG_CHECK_STR(jstr(j, "direction"), "to_server");
        VG_CHECK_EQ(jint(j, "flow.pkts_toserver"), 3);
        VG_CHECK_EQ(jint(j, "flow.bytes_toclient"), 200);
        VG_CHECK_STR(jstr(j, "flow.src_ip"), "10.0.0.1");
        VG_CHECK_EQ(jint(j, "flow.dest_port"), 80);
        VG_CHECK(jstr(j, "flow.start") != NULL);
        VG_CHECK(!jhas(j, "payload") && !jhas(j, "packet") && !jhas(j, "stream") &&
                 !jhas(j, "verdict") && !jhas(j, "app_proto"));
        json_decref(j);
    }
    vg_jb_free(&jb);
}

static void alert_payload_packet_and_ips(void)
{
    vg_conf *c = vg_conf_new();
    char err[VG_ERRBUF_SIZE];
    VG_CHECK_EQ(vg_conf_load_string(c,
                                    "alert:\n  payload: yes\n  payload-printable: yes\n"
                                    "  packet: yes\n  verdict: yes\n  metadata: no\n",
                                    "t", err),
                VG_OK);
    vg_alert_cfg cfg;
    vg_alert_cfg_load(&cfg, vg_conf_node_get(c, "alert"));
    VG_CHECK(cfg.payload && cfg.payload_printable && cfg.packet && cfg.verdict);
    VG_CHECK(!cfg.flow && !cfg.rule_metadata);
    cfg.ips = true;
    vg_packet p;
    make_packet(&p);
    sig.action = VG_ACTION_DROP;
    p.action = VG_ACTION_DROP;
    p.flags |= VG_PKT_WANT_DROP;
    p.alerts[0].flags |= VG_ALERT_DROP;
    vg_jb jb;
    vg_jb_init(&jb);
    vg_eve_alert(&jb, &cfg, &p, &p.alerts[0]);
    json_t *j = parse(&jb);
    if (j) {
        VG_CHECK_STR(jstr(j, "alert.action"), "blocked");
        VG_CHECK_STR(jstr(j, "payload"), "R0VUIC94DQo=");
        VG_CHECK_STR(jstr(j, "payload_printable"), "GET /x\r\n");
        VG_CHECK_EQ(jint(j, "stream"), 0);
        VG_CHECK_EQ(jint(j, "packet_info.linktype"), 1);
        VG_CHECK_STR(jstr(j, "packet_info.linktype_name"), "EN10MB");
        VG_CHECK(jstr(j, "packet") != NULL);
        VG_CHECK_STR(jstr(j, "verdict.action"), "drop");
        VG_CHECK(!jhas(j, "flow"));
        VG_CHECK_STR(jstr(j, "direction"), "to_server"); /* with a flow, always */
        VG_CHECK(!json_object_get(json_object_get(j, "alert"), "metadata"));
        json_decref(j);
    }
    /* the same drop rule in IDS mode is only "allowed" */
    cfg.ips = false;
    p.alerts[0].flags = 0;
    vg_eve_alert(&jb, &cfg, &p, &p.alerts[0]);
    j = parse(&jb);
    if (j) {
        VG_CHECK_STR(jstr(j, "alert.action"), "allowed");
        VG_CHECK_STR(jstr(j, "verdict.action"), "alert");
        json_decref(j);
    }
    /* a reject answers whom the action word names */
    sig.action = VG_ACTION_REJECT | VG_ACTION_DROP | VG_ACTION_ALERT;
    sig.raw = "rejectboth tcp any any -> any any (sid:2001;)";
    p.action = VG_ACTION_REJECT | VG_ACTION_DROP;
    vg_eve_alert(&jb, &cfg, &p, &p.alerts[0]);
    j = parse(&jb);
    if (j) {
        VG_CHECK_STR(jstr(j, "alert.action"), "blocked");
        VG_CHECK_STR(jstr(j, "verdict.action"), "alert"); /* IDS */
        json_t *v = json_object_get(j, "verdict");
        VG_CHECK_STR(json_string_value(json_object_get(v, "reject-target")), "both");
        VG_CHECK_STR(json_string_value(json_array_get(json_object_get(v, "reject"), 0)),
                     "tcp-reset");
        json_decref(j);
    }
    sig.raw = NULL;
    p.action = VG_ACTION_DROP;
    /* a stream match logs the stream data, capped by payload-buffer-size */
    uint8_t big[6000];
    memset(big, 'A', sizeof big);
    p.alerts[0].flags = VG_ALERT_STREAM;
    p.alerts[0].stream_data = big;
    p.alerts[0].stream_len = sizeof big;
    vg_eve_alert(&jb, &cfg, &p, &p.alerts[0]);
    j = parse(&jb);
    if (j) {
        VG_CHECK_EQ(jint(j, "stream"), 1);
        VG_CHECK_EQ(strlen(jstr(j, "payload_printable")), 4096);
        json_decref(j);
    }
    vg_jb_free(&jb);
    vg_conf_free(c);
}

static void alert_ipv6_icmp_pseudo_live(void)
{
    vg_packet p;
    make_packet(&p);
    p.ipver = 6;
    p.src.family = p.dst.family = 6;
    memset(p.src.a, 0, 16);
    memset(p.dst.a, 0, 16);
    p.src.a[0] = 0x20;
    p.src.a[1] = 0x01;
    p.src.a[15] = 1;
    p.dst.a[15] = 2;
    p.proto = 58;
    p.icmp_type = 128;
    p.icmp_code = 0;
    p.flow = NULL;
    p.pcap_cnt = 0;
    p.pkt_src = VG_PKT_SRC_STREAM_FLOW_TIMEOUT;
    p.pkt_src_name = NULL;
    vg_alert_cfg cfg;
    vg_alert_cfg_default(&cfg);
    cfg.in_iface = "eth0";
    vg_jb jb;
    vg_jb_init(&jb);
    vg_eve_alert(&jb, &cfg, &p, &p.alerts[0]);
    json_t *j = parse(&jb);
    if (j) {
        VG_CHECK_STR(jstr(j, "src_ip"), "2001:0000:0000:0000:0000:0000:0000:0001");
        VG_CHECK_STR(jstr(j, "proto"), "IPv6-ICMP");
        VG_CHECK_EQ(jint(j, "ip_v"), 6);
        VG_CHECK_EQ(jint(j, "icmp_type"), 128);
        VG_CHECK(!jhas(j, "src_port") && !jhas(j, "pcap_cnt") && !jhas(j, "flow_id"));
        VG_CHECK_STR(jstr(j, "in_iface"), "eth0");
        VG_CHECK_STR(jstr(j, "pkt_src"), "stream (flow timeout)");
        VG_CHECK(!jhas(j, "flow") && !jhas(j, "direction"));
        json_decref(j);
    }
    vg_jb_free(&jb);
}

static void alert_tunnel_object(void)
{
    vg_packet outer, inner;
    make_packet(&outer);
    outer.proto = 47;
    outer.pcap_cnt = 9;
    make_packet(&inner);
    inner.pcap_cnt = 0;
    inner.root = &outer;
    inner.depth = 1;
    inner.pkt_src = VG_PKT_SRC_TUNNEL;
    inner.pkt_src_name = "gre tunnel";
    vg_alert_cfg cfg;
    vg_alert_cfg_default(&cfg);
    vg_jb jb;
    vg_jb_init(&jb);
    vg_eve_alert(&jb, &cfg, &inner, &inner.alerts[0]);
    json_t *j = parse(&jb);
    if (j) {
        VG_CHECK_STR(jstr(j, "pkt_src"), "gre tunnel");
        VG_CHECK_EQ(jint(j, "pcap_cnt"), 9);
        VG_CHECK_STR(jstr(j, "tunnel.proto"), "GRE");
        VG_CHECK_EQ(jint(j, "tunnel.depth"), 1);
        VG_CHECK_EQ(jint(j, "tunnel.pcap_cnt"), 9);
        VG_CHECK_STR(jstr(j, "tunnel.pkt_src"), "wire/pcap");
        json_decref(j);
    }
    vg_jb_free(&jb);
}

static void anomaly_shapes_and_defaults(void)
{
    vg_anomaly_cfg cfg;
    vg_anomaly_cfg_load(&cfg, NULL);
    VG_CHECK(!cfg.decode && !cfg.stream && cfg.applayer); /* Suricata 8 defaults */
    vg_packet p;
    make_packet(&p);
    vg_jb jb;
    vg_jb_init(&jb);
    VG_CHECK(!vg_eve_anomaly(&jb, &cfg, &p, "decoder.ipv4.trunc_pkt", false, NULL));
    cfg.decode = cfg.stream = true;
    VG_CHECK(vg_eve_anomaly(&jb, &cfg, &p, "decoder.ipv4.trunc_pkt", false, NULL));
    json_t *j = parse(&jb);
    if (j) {
        VG_CHECK_STR(jstr(j, "event_type"), "anomaly");
        VG_CHECK_STR(jstr(j, "anomaly.type"), "decode");
        VG_CHECK_STR(jstr(j, "anomaly.event"), "decoder.ipv4.trunc_pkt");
        json_decref(j);
    }
    VG_CHECK(vg_eve_anomaly(&jb, &cfg, &p, "pkt_invalid_ack", true, NULL));
    j = parse(&jb);
    if (j) {
        VG_CHECK_STR(jstr(j, "anomaly.type"), "stream");
        VG_CHECK_STR(jstr(j, "anomaly.event"), "stream.pkt_invalid_ack");
        json_decref(j);
    }
    vg_jb_free(&jb);
}

static void fast_log_line(void)
{
    vg_packet p;
    make_packet(&p);
    char line[512];
    setenv("TZ", "UTC", 1);
    tzset();
    size_t n = vg_fast_line(line, sizeof line, &p, &p.alerts[0], false);
    VG_CHECK_EQ(n, strlen(line));
    VG_CHECK_STR(line, "11/14/2023-22:13:20.123456  [**] [1:2001:3] ET TEST \"quoted\" msg [**] "
                       "[Classification: Attempted Information Leak] [Priority: 2] {TCP} "
                       "10.0.0.1:1234 -> 192.168.1.2:80\n");
    sig.action = VG_ACTION_DROP;
    sig.class_msg = NULL;
    vg_fast_line(line, sizeof line, &p, &p.alerts[0], true);
    VG_CHECK(strstr(line, "  [Drop] [**]") && strstr(line, "[Classification: (null)]"));
    char small[40];
    n = vg_fast_line(small, sizeof small, &p, &p.alerts[0], true);
    VG_CHECK_EQ(n, sizeof small - 1);
    VG_CHECK(small[n - 1] == '\n');
}

/* The reference form of vg_eve_timestamp (what it printed before its cache):
 * the cached one must be byte-identical, across minutes, zones with DST,
 * half-hour DST (Lord Howe), +0545 offsets and tzset() between calls. */
static void ref_timestamp(const struct timeval *tv, char out[40])
{
    struct tm tm;
    time_t t = tv->tv_sec;
    localtime_r(&t, &tm);
    long off = tm.tm_gmtoff;
    char sign = off < 0 ? '-' : '+';
    if (off < 0)
        off = -off;
    if (snprintf(out, 40, "%04d-%02d-%02dT%02d:%02d:%02d.%06ld%c%02ld%02ld", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (long)tv->tv_usec,
             sign, off / 3600, (off % 3600) / 60) >= 40)
        out[39] = '\0'; /* cannot happen: the fields are bounded */
}

static void eve_timestamp_cached(void)
{
    static const char *const zones[] = {"UTC", "America/New_York", "Australia/Lord_Howe",
                                        "Asia/Kathmandu", "Asia/Ho_Chi_Minh"};
    uint64_t x = 88172645463325252ull;
    for (size_t z = 0; z < VG_ARRAY_LEN(zones); z++) {
        setenv("TZ", zones[z], 1);
        tzset();
        /* around the 2023 DST changes of New York and Lord Howe, then random */
        static const time_t around[] = {1678604400, 1699164000, 1680364800, 1696089600};
        for (int i = 0; i < 20000; i++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            struct timeval tv;
            if (i < 8000)
                tv.tv_sec = around[i % 4] - 4000 + (i / 4) * 4 + (time_t)(x % 3);
            else
                tv.tv_sec = (time_t)(x % 4000000000ull);
            tv.tv_usec = (suseconds_t)((x >> 20) % 1000000);
            char a[40], b[40];
            vg_eve_timestamp(&tv, a);
            ref_timestamp(&tv, b);
            if (strcmp(a, b) != 0) {
                VG_CHECK_STR(a, b);
                break;
            }
        }
    }
    setenv("TZ", "UTC", 1);
    tzset();
    struct timeval tv = {1700000000, 5};
    char a[40];
    vg_eve_timestamp(&tv, a);
    VG_CHECK_STR(a, "2023-11-14T22:13:20.000005+0000");
}

static void eve_addr_text(void)
{
    static const uint8_t v[] = {0, 1, 9, 10, 42, 99, 100, 109, 110, 199, 200, 255};
    for (size_t i = 0; i < sizeof v; i++)
        for (size_t j = 0; j < sizeof v; j++) {
            vg_addr a = {.family = 4, .a = {v[i], v[j], v[(i + j) % sizeof v], v[sizeof v - 1 - i]}};
            char got[48], want[48];
            vg_eve_addr_str(&a, got);
            snprintf(want, sizeof want, "%u.%u.%u.%u", a.a[0], a.a[1], a.a[2], a.a[3]);
            VG_CHECK_STR(got, want);
        }
    vg_addr six = {.family = 6, .a = {0x20, 0x01, 0x0d, 0xb8, [15] = 1}};
    char got[48];
    vg_eve_addr_str(&six, got);
    VG_CHECK_STR(got, "2001:0db8:0000:0000:0000:0000:0000:0001");
}

static void conf_file_code_defaults(void)
{
    /* without -c the shipped default applies (teredo on $TEREDO_PORTS);
     * a -c file without decoder.teredo.ports gets Suricata's code default
     * (any port); a file that sets it keeps its value */
    vg_conf *c = NULL;
    char err[VG_ERRBUF_SIZE] = "";
    VG_CHECK_EQ(vg_net_conf_load(&c, NULL, NULL, err), VG_OK);
    if (c)
        VG_CHECK_STR(vg_conf_get(c, "decoder.teredo.ports"), "$TEREDO_PORTS");
    vg_conf_free(c);
    char path[] = "/tmp/vg-test-conf-XXXXXX";
    int fd = mkstemp(path);
    VG_CHECK(fd >= 0);
    if (fd < 0)
        return;
    static const char a[] = "%YAML 1.1\n---\noutputs:\n  - fast:\n      enabled: no\n";
    VG_CHECK_EQ(write(fd, a, sizeof a - 1), (ssize_t)(sizeof a - 1));
    close(fd);
    c = NULL;
    VG_CHECK_EQ(vg_net_conf_load(&c, path, NULL, err), VG_OK);
    if (c)
        VG_CHECK_STR(vg_conf_get(c, "decoder.teredo.ports"), "any");
    vg_conf_free(c);
    FILE *fp = fopen(path, "w");
    if (fp) {
        fputs("%YAML 1.1\n---\ndecoder:\n  teredo:\n    ports: 3544\n", fp);
        fclose(fp);
    }
    c = NULL;
    VG_CHECK_EQ(vg_net_conf_load(&c, path, NULL, err), VG_OK);
    if (c)
        VG_CHECK_STR(vg_conf_get(c, "decoder.teredo.ports"), "3544");
    vg_conf_free(c);
    unlink(path);
}

static void tagged_packet_record(void)
{
    vg_conf *c = vg_conf_new();
    char err[VG_ERRBUF_SIZE];
    VG_CHECK_EQ(vg_conf_load_string(c, "alert:\n  tagged-packets: yes\n", "t", err), VG_OK);
    vg_alert_cfg cfg;
    vg_alert_cfg_load(&cfg, vg_conf_node_get(c, "alert"));
    VG_CHECK(cfg.tagged_packets && !cfg.packet);
    vg_alert_cfg_default(&cfg);
    VG_CHECK(!cfg.tagged_packets);
    vg_packet p;
    make_packet(&p);
    vg_jb jb;
    vg_jb_init(&jb);
    VG_CHECK(vg_eve_tagged_packet(&jb, &cfg, &p));
    json_t *j = parse(&jb);
    if (j) {
        VG_CHECK_STR(jstr(j, "event_type"), "packet");
        VG_CHECK_STR(jstr(j, "src_ip"), "10.0.0.1");
        VG_CHECK(jstr(j, "packet") != NULL && !jhas(j, "alert"));
        VG_CHECK_STR(jstr(j, "packet_info.linktype_name"), "EN10MB");
        json_decref(j);
    }
    p.raw = NULL;
    p.raw_len = 0;
    VG_CHECK(!vg_eve_tagged_packet(&jb, &cfg, &p)); /* pseudo packet: no frame */
    vg_jb_free(&jb);
    vg_conf_free(c);
}

static void drop_record(void)
{
    vg_conf *c = vg_conf_new();
    char err[VG_ERRBUF_SIZE];
    VG_CHECK_EQ(vg_conf_load_string(c, "drop:\n  alerts: yes\n  flows: all\n  verdict: yes\n",
                                    "t", err),
                VG_OK);
    vg_drop_cfg dc;
    vg_drop_cfg_load(&dc, vg_conf_node_get(c, "drop"));
    VG_CHECK(dc.alerts && dc.flows_all && dc.verdict);
    vg_drop_cfg_load(&dc, NULL);
    VG_CHECK(!dc.alerts && !dc.flows_all && !dc.verdict);
    dc.alerts = true;
    vg_alert_cfg ac;
    vg_alert_cfg_default(&ac);
    ac.ips = true;
    vg_packet p;
    make_packet(&p);
    /* an IPv4 + TCP header in the frame: total length 60, id 0x1234,
     * flags PSH|ACK, urgent pointer 7 */
    uint8_t *ip = frame + 14;
    memset(ip, 0, 40);
    ip[0] = 0x45;
    ip[3] = 60;
    ip[4] = 0x12;
    ip[5] = 0x34;
    p.ip = ip;
    p.ip_hlen = 20;
    p.ttl = 64;
    p.l4 = ip + 20;
    p.l4_hlen = 20;
    ((uint8_t *)p.l4)[19] = 7;
    p.tcp_seq = 1000;
    p.tcp_ack = 2000;
    p.tcp_win = 512;
    p.tcp_flags = 0x18;
    sig.action = VG_ACTION_DROP | VG_ACTION_ALERT;
    p.action = VG_ACTION_DROP;
    p.flags |= VG_PKT_WANT_DROP;
    vg_jb jb;
    vg_jb_init(&jb);
    vg_eve_drop(&jb, &dc, &ac, &p);
    json_t *j = parse(&jb);
    if (j) {
        VG_CHECK_STR(jstr(j, "event_type"), "drop");
        VG_CHECK_EQ(jint(j, "drop.len"), 60);
        VG_CHECK_EQ(jint(j, "drop.ipid"), 0x1234);
        VG_CHECK_EQ(jint(j, "drop.ttl"), 64);
        VG_CHECK_EQ(jint(j, "drop.tcpseq"), 1000);
        VG_CHECK_EQ(jint(j, "drop.tcpurgp"), 7);
        VG_CHECK(json_is_true(json_object_get(json_object_get(j, "drop"), "psh")));
        VG_CHECK(json_is_false(json_object_get(json_object_get(j, "drop"), "syn")));
        VG_CHECK_STR(jstr(j, "drop.reason"), "rules");
        VG_CHECK_EQ(jint(j, "alert.signature_id"), 2001);
        VG_CHECK_STR(jstr(j, "alert.action"), "blocked");
        json_decref(j);
    }
    vg_jb_free(&jb);
    vg_conf_free(c);
}

static void default_conf_values(void)
{
    vg_conf *c = NULL;
    char err[VG_ERRBUF_SIZE] = "";
    const char *sets[] = {"stream.midstream=true", "unknown.key.we.ignore=1", NULL};
    VG_CHECK_EQ(vg_net_conf_load(&c, NULL, sets, err), VG_OK);
    if (!c)
        return;
    VG_CHECK_STR(vg_conf_get(c, "vars.address-groups.HOME_NET"),
                 "[192.168.0.0/16,10.0.0.0/8,172.16.0.0/12]");
    VG_CHECK_STR(vg_conf_get(c, "vars.port-groups.HTTP_PORTS"), "80");
    VG_CHECK_EQ(vg_conf_get_size(c, "stream.reassembly.depth", 0), 1u << 20);
    VG_CHECK_EQ(vg_conf_get_size(c, "flow.memcap", 0), 128u << 20);
    VG_CHECK_EQ(vg_conf_get_int(c, "flow-timeouts.tcp.established", 0), 600);
    VG_CHECK_EQ(vg_conf_get_int(c, "defrag.timeout", 0), 60);
    VG_CHECK_STR(vg_conf_get(c, "exception-policy"), "auto");
    VG_CHECK(vg_conf_get_bool(c, "outputs.eve-log.enabled", false));
    VG_CHECK(vg_conf_get_bool(c, "outputs.fast.enabled", false));
    VG_CHECK(vg_conf_get_bool(c, "stream.midstream", false)); /* --set applied */
    const vg_conf_node *types = vg_conf_node_get(c, "outputs.eve-log.types");
    int alert = 0, flow = 0, anomaly = 0, stats = 0;
    for (const vg_conf_node *it = types ? types->child : NULL; it; it = it->next) {
        const char *n = it->value ? it->value : it->child ? it->child->name : "";
        alert += strcmp(n, "alert") == 0;
        flow += strcmp(n, "flow") == 0;
        anomaly += strcmp(n, "anomaly") == 0;
        stats += strcmp(n, "stats") == 0;
    }
    VG_CHECK(alert == 1 && flow == 1 && anomaly == 1 && stats == 1);
    vg_conf_free(c);
    /* a bad --set names itself */
    const char *bad[] = {"nokey", NULL};
    VG_CHECK_EQ(vg_net_conf_load(&c, NULL, bad, err), VG_EINVAL);
    VG_CHECK(strstr(err, "nokey") != NULL);
    VG_CHECK_EQ(vg_net_conf_load(&c, "/nonexistent.yaml", NULL, err), VG_ENOENT);
}

static void exception_policies(void)
{
    vg_conf *c = vg_conf_new();
    char err[VG_ERRBUF_SIZE];
    vg_exception_policies ep;
    VG_CHECK_EQ(vg_conf_set(c, "exception-policy", "auto"), VG_OK);
    VG_CHECK_EQ(vg_exception_policies_load(&ep, c, false, err), VG_OK);
    VG_CHECK(ep.stream_memcap == VG_EP_IGNORE && ep.midstream == VG_EP_IGNORE &&
             ep.flow_memcap == VG_EP_IGNORE && ep.applayer_error == VG_EP_IGNORE);
    VG_CHECK_EQ(vg_exception_policies_load(&ep, c, true, err), VG_OK);
    VG_CHECK_EQ(ep.stream_memcap, VG_EP_DROP_FLOW);
    VG_CHECK_EQ(ep.midstream, VG_EP_DROP_FLOW);
    VG_CHECK_EQ(ep.flow_memcap, VG_EP_DROP_PACKET); /* packet only */
    VG_CHECK_EQ(ep.defrag_memcap, VG_EP_DROP_PACKET);
    VG_CHECK_EQ(ep.applayer_error, VG_EP_DROP_FLOW);
    /* midstream pickups allowed: auto gives ignore even in IPS mode */
    VG_CHECK_EQ(vg_conf_set(c, "stream.midstream", "true"), VG_OK);
    VG_CHECK_EQ(vg_exception_policies_load(&ep, c, true, err), VG_OK);
    VG_CHECK_EQ(ep.midstream, VG_EP_IGNORE);
    /* a specific setting wins over the master switch */
    VG_CHECK_EQ(vg_conf_set(c, "stream.memcap-policy", "bypass"), VG_OK);
    VG_CHECK_EQ(vg_exception_policies_load(&ep, c, false, err), VG_OK);
    VG_CHECK_EQ(ep.stream_memcap, VG_EP_BYPASS);
    /* values Suricata refuses */
    VG_CHECK_EQ(vg_conf_set(c, "stream.midstream-policy", "drop-packet"), VG_OK);
    VG_CHECK_EQ(vg_exception_policies_load(&ep, c, true, err), VG_EINVAL);
    VG_CHECK(strstr(err, "stream.midstream-policy") != NULL);
    VG_CHECK_EQ(vg_conf_set(c, "stream.midstream", "false"), VG_OK);
    VG_CHECK_EQ(vg_conf_set(c, "stream.midstream-policy", "drop-flow"), VG_OK);
    VG_CHECK_EQ(vg_exception_policies_load(&ep, c, false, err), VG_EINVAL); /* IDS */
    VG_CHECK_EQ(vg_exception_policies_load(&ep, c, true, err), VG_OK);
    VG_CHECK_EQ(vg_conf_set(c, "exception-policy", "sometimes"), VG_OK);
    VG_CHECK_EQ(vg_exception_policies_load(&ep, c, true, err), VG_EINVAL);
    VG_CHECK(strstr(err, "exception-policy") && strstr(err, "sometimes"));
    /* master ignore: nothing applies, IPS or not */
    VG_CHECK_EQ(vg_conf_set(c, "exception-policy", "ignore"), VG_OK);
    VG_CHECK_EQ(vg_conf_set(c, "stream.midstream-policy", ""), VG_OK);
    VG_CHECK_EQ(vg_conf_set(c, "stream.memcap-policy", ""), VG_OK);
    VG_CHECK_EQ(vg_exception_policies_load(&ep, c, true, err), VG_OK);
    VG_CHECK(ep.stream_memcap == VG_EP_IGNORE && ep.midstream == VG_EP_IGNORE);
    VG_CHECK_EQ(vg_exception_policies_store(&ep, c), VG_OK);
    VG_CHECK_STR(vg_conf_get(c, "stream.midstream-policy"), "ignore");
    vg_conf_free(c);
}

/* ---- per-signature pieces and member runs: the same bytes as field by field ---- */

static bool same_bytes(const vg_jb *a, const vg_jb *b)
{
    if (a->len == b->len && vg_jb_ok(a) == vg_jb_ok(b) && memcmp(a->buf, b->buf, a->len) == 0)
        return true;
    fprintf(stderr, "bytes differ:\n  %.*s\n  %.*s\n", (int)a->len, a->buf, (int)b->len, b->buf);
    return false;
}

static void alert_frags_same_bytes(void)
{
    static char *md_odd[] = {"  ,  , ", NULL};            /* no items: no metadata object */
    static char *md_esc[] = {"k \"v\\1\", k2 \x01\xff", "k more", NULL};
    static char *refs[] = {"url,example.com/x", "cve,2024-1", NULL};
    vg_sig sigs[5];
    memset(sigs, 0, sizeof sigs);
    for (int i = 0; i < 5; i++) {
        sigs[i].gid = 1;
        sigs[i].sid = 3000 + (uint32_t)i;
        sigs[i].rev = (uint32_t)i;
        sigs[i].action = VG_ACTION_ALERT;
        sigs[i].references = refs;
        sigs[i].raw = "alert tcp any any -> any any (msg:\"x\"; sid:1;)";
    }
    sigs[0].msg = "ET TEST \"quoted\" msg";
    sigs[0].class_msg = "Attempted Information Leak";
    sigs[0].prio = 1;
    sigs[0].metadata = md;
    sigs[0].target = 2;
    sigs[1].msg = "ctl \x01 and bad utf-8 \xff\xfe, good \xc3\xa9";
    sigs[1].metadata = md_esc; /* class_msg NULL, prio 0: "" and 3 */
    sigs[2].msg = "odd metadata";
    sigs[2].metadata = md_odd;
    sigs[3].action = VG_ACTION_DROP; /* msg NULL, no metadata */
    sigs[3].target = 1;
    sigs[4].msg = "plain";
    sigs[4].class_msg = "c";
    sigs[4].metadata = md;
    vg_conf *c = vg_conf_new();
    char err[VG_ERRBUF_SIZE];
    VG_CHECK_EQ(vg_conf_load_string(c, "a:\n  metadata: no\nb:\n  metadata:\n"
                                       "    rule.raw: yes\n    rule.reference: yes\n",
                                    "t", err),
                VG_OK);
    vg_alert_cfg cfgs[4];
    vg_alert_cfg_load(&cfgs[0], NULL);
    vg_alert_cfg_load(&cfgs[1], vg_conf_node_get(c, "a"));
    vg_alert_cfg_load(&cfgs[2], vg_conf_node_get(c, "b"));
    vg_alert_cfg_load(&cfgs[3], NULL);
    cfgs[3].ips = true;
    vg_alert_frags *fc = vg_alert_frags_new();
    VG_CHECK(fc != NULL);
    vg_jb want, got;
    vg_jb_init(&want);
    vg_jb_init(&got);
    vg_packet p;
    for (int round = 0; round < 2; round++) /* built, then found */
        for (int k = 0; k < 4; k++)
            for (int i = 0; i < 5; i++) {
                make_packet(&p);
                p.alerts[0].sig = &sigs[i];
                if (sigs[i].action == VG_ACTION_DROP)
                    p.alerts[0].flags |= VG_ALERT_DROP;
                vg_alert_cfg cf = cfgs[k];
                cf.frags = NULL;
                vg_eve_alert(&want, &cf, &p, &p.alerts[0]);
                cf.frags = fc;
                vg_eve_alert(&got, &cf, &p, &p.alerts[0]);
                VG_CHECK(same_bytes(&want, &got));
                json_t *j = parse(&got);
                json_decref(j);
                /* the alert object alone, as drop records write it */
                vg_jb_reset(&want);
                vg_jb_open_obj(&want, NULL);
                vg_jb_reset(&got);
                vg_jb_open_obj(&got, NULL);
                cf.frags = NULL;
                vg_eve_alert_object(&want, &cf, &p, &p.alerts[0]);
                cf.frags = fc;
                vg_eve_alert_object(&got, &cf, &p, &p.alerts[0]);
                VG_CHECK(same_bytes(&want, &got));
            }
    /* the escaped metadata kept its escapes; empty metadata writes no object */
    make_packet(&p);
    p.alerts[0].sig = &sigs[1];
    vg_alert_cfg cf = cfgs[0];
    cf.frags = fc;
    vg_eve_alert(&got, &cf, &p, &p.alerts[0]);
    json_t *j = parse(&got);
    if (j) {
        json_t *m = json_object_get(json_object_get(j, "alert"), "metadata");
        VG_CHECK_STR(json_string_value(json_array_get(json_object_get(m, "k"), 0)), "\"v\\1\"");
        VG_CHECK_STR(json_string_value(json_array_get(json_object_get(m, "k"), 1)), "more");
        VG_CHECK_STR(jstr(j, "alert.category"), "");
        VG_CHECK_EQ(jint(j, "alert.severity"), 3);
        json_decref(j);
    }
    p.alerts[0].sig = &sigs[2];
    vg_eve_alert(&got, &cf, &p, &p.alerts[0]);
    j = parse(&got);
    if (j) {
        VG_CHECK(!json_object_get(json_object_get(j, "alert"), "metadata"));
        VG_CHECK_STR(jstr(j, "alert.signature"), "odd metadata");
        json_decref(j);
    }
    vg_alert_frags_free(fc);
    vg_alert_frags_free(NULL);
    vg_jb_free(&want);
    vg_jb_free(&got);
    vg_conf_free(c);
}

/* The packet header as vg_jb calls write it, field by field (the oracle). */
static void ref_header(vg_jb *jb, const vg_packet *p, const char *event_type, const char *in_iface)
{
    char ts[40], a[48], buf[8];
    vg_eve_timestamp(&p->ts, ts);
    vg_jb_reset(jb);
    vg_jb_open_obj(jb, NULL);
    vg_jb_str(jb, "timestamp", ts);
    if (p->flow && p->flow->flow_id)
        vg_jb_u64(jb, "flow_id", p->flow->flow_id);
    if (in_iface)
        vg_jb_str(jb, "in_iface", in_iface);
    uint64_t cnt = p->pcap_cnt ? p->pcap_cnt : (p->root ? vg_packet_root(p)->pcap_cnt : 0);
    if (cnt && !in_iface)
        vg_jb_u64(jb, "pcap_cnt", cnt);
    vg_jb_str(jb, "event_type", event_type);
    if (p->vlan_n) {
        vg_jb_open_arr(jb, "vlan");
        for (int i = 0; i < p->vlan_n && i < 3; i++)
            vg_jb_u64(jb, NULL, p->vlan_id[i]);
        vg_jb_close_arr(jb);
    }
    if (p->ipver == 4 || p->ipver == 6) {
        bool ports = p->proto == 6 || p->proto == 17 || p->proto == 132 || p->proto == 136;
        vg_eve_addr_str(&p->src, a);
        vg_jb_str(jb, "src_ip", a);
        if (ports)
            vg_jb_u64(jb, "src_port", p->sp);
        vg_eve_addr_str(&p->dst, a);
        vg_jb_str(jb, "dest_ip", a);
        if (ports)
            vg_jb_u64(jb, "dest_port", p->dp);
        vg_jb_u64(jb, "ip_v", p->ipver);
        vg_jb_str(jb, "proto", vg_eve_proto_name(p->proto, buf));
        if ((p->proto == 1 || p->proto == 58) && p->l4) {
            vg_jb_u64(jb, "icmp_type", p->icmp_type);
            vg_jb_u64(jb, "icmp_code", p->icmp_code);
        }
    }
    vg_jb_str(jb, "pkt_src", vg_eve_pkt_src(p));
}

static void eve_header_same_bytes(void)
{
    char long_iface[700];
    memset(long_iface, 'e', sizeof long_iface - 1);
    long_iface[sizeof long_iface - 1] = '\0';
    const char *ifaces[] = {NULL, "eth0", "we\"ird\\if", "\xc3\xa9th\x01", long_iface};
    const char *srcs[] = {NULL, "wire/pcap", "ctl\x02src", "\"q\""};
    vg_jb want, got;
    vg_jb_init(&want);
    vg_jb_init(&got);
    for (int shape = 0; shape < 5; shape++)
        for (size_t i = 0; i < VG_ARRAY_LEN(ifaces); i++)
            for (size_t k = 0; k < VG_ARRAY_LEN(srcs); k++) {
                vg_packet p, outer;
                make_packet(&p);
                p.pkt_src_name = srcs[k];
                if (shape == 1) { /* IPv6 ICMP, no flow, no number */
                    p.ipver = 6;
                    p.src.family = p.dst.family = 6;
                    memset(p.src.a, 0xfe, 16);
                    memset(p.dst.a, 0x01, 16);
                    p.proto = 58;
                    p.icmp_type = 128;
                    p.flow = NULL;
                    p.pcap_cnt = 0;
                } else if (shape == 2) { /* QinQ, UDP, big numbers */
                    p.vlan_n = 2;
                    p.vlan_id[0] = 4094;
                    p.vlan_id[1] = 7;
                    p.proto = 17;
                    p.pcap_cnt = INT64_MAX; /* (jansson's limit) */
                    flow.flow_id = 1000000000000000000ull;
                } else if (shape == 3) { /* pseudo packet numbered by its root */
                    make_packet(&outer);
                    outer.pcap_cnt = 42;
                    p.pcap_cnt = 0;
                    p.root = &outer;
                    p.pkt_src = VG_PKT_SRC_TUNNEL;
                } else if (shape == 4) { /* not IP */
                    p.ipver = 0;
                    p.flow = NULL;
                }
                ref_header(&want, &p, "alert", ifaces[i]);
                vg_eve_packet_header(&got, &p, "alert", ifaces[i]);
                VG_CHECK(same_bytes(&want, &got));
                vg_jb_close_obj(&got);
                json_decref(parse(&got));
            }
    vg_jb_free(&want);
    vg_jb_free(&got);
}

/* Member runs next to vg_jb calls, through flushes and overflow. */
static void member_runs(void)
{
    char big[1000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    char mid[430];
    memset(mid, 'y', sizeof mid - 1);
    mid[sizeof mid - 1] = '\0';
    /* caps cut the record at every stage (escaping reserves 6 bytes per
     * byte: "big" needs 6 KB); the last one is the default */
    static const size_t caps[] = {8, 40, 300, 500, 1000, 2000, 3000, 7000, VG_JB_MAX};
    int ok = 0;
    for (size_t ci = 0; ci < VG_ARRAY_LEN(caps); ci++) {
        vg_jb want, got;
        vg_jb_init(&want);
        vg_jb_init(&got);
        want.max = got.max = caps[ci];
        vg_jb_open_obj(&want, NULL);
        vg_jb_u64(&want, "a", 0);
        vg_jb_str(&want, "b", mid);
        vg_jb_str(&want, "c", mid); /* does not fit behind b: a flush */
        vg_jb_open_obj(&want, "o");
        vg_jb_u64(&want, "n", UINT64_MAX);
        vg_jb_str(&want, "big", big);
        vg_jb_raw(&want, "r", "[1,2]", 5);
        vg_jb_str(&want, "e", "");
        vg_jb_str(&want, "q", "a\"b");
        vg_jb_close_obj(&want);
        vg_jb_close_obj(&want);

        vg_jb_open_obj(&got, NULL);
        vg_mb m;
        mb_begin(&m, &got);
        MB_U64(&m, "a", 0);
        MB_STR(&m, "b", mid);
        MB_STR(&m, "c", mid);
        mb_end(&m);
        vg_jb_open_obj(&got, "o");
        MB_U64(&m, "n", UINT64_MAX);
        MB_STR(&m, "big", big);
        MB_RAW(&m, "r", "[1,2]", 5);
        MB_STR(&m, "e", "");
        MB_STR(&m, "q", "a\"b");
        mb_end(&m);
        mb_end(&m); /* nothing pending: nothing written */
        vg_jb_close_obj(&got);
        vg_jb_close_obj(&got);
        VG_CHECK_EQ(vg_jb_ok(&want), vg_jb_ok(&got));
        if (vg_jb_ok(&want)) {
            VG_CHECK(same_bytes(&want, &got));
            ok++;
        }
        vg_jb_free(&want);
        vg_jb_free(&got);
    }
    VG_CHECK_EQ(ok, 2); /* 7000 and the default hold it all */
}

static int count_lines(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    int n = 0, c;
    while ((c = fgetc(f)) != EOF)
        n += c == '\n';
    fclose(f);
    return n;
}

/* A packet with no alert still gets its anomaly and tagged-packet records
 * (vg_output_packet returns early only when nothing is to be written). */
static void output_packet_without_alerts(void)
{
    char dir[] = "/tmp/vg_outpkt_XXXXXX";
    VG_CHECK(mkdtemp(dir) != NULL);
    vg_conf *c = vg_conf_new();
    char err[VG_ERRBUF_SIZE];
    VG_CHECK_EQ(vg_conf_load_string(c,
                                    "outputs:\n"
                                    "  - eve-log:\n      enabled: yes\n      filename: a.json\n"
                                    "      types:\n        - alert:\n            tagged-packets: yes\n"
                                    "  - eve-log:\n      enabled: yes\n      filename: b.json\n"
                                    "      types:\n        - anomaly:\n            types:\n"
                                    "              decode: yes\n              stream: yes\n",
                                    "t", err),
                VG_OK);
    vg_output *o = NULL;
    VG_CHECK_EQ(vg_output_open(&o, c, dir, false, NULL, err), VG_OK);
    if (o) {
        vg_packet p;
        make_packet(&p);
        p.nalerts = 0;
        VG_CHECK_EQ(vg_output_packet(o, &p), 0);     /* nothing at all */
        p.nevents = 1;
        p.events[0] = 1;
        VG_CHECK_EQ(vg_output_packet(o, &p), 0);     /* a decoder event */
        p.nevents = 0;
        p.nstream_events = 1;
        p.stream_events[0] = 1;
        VG_CHECK_EQ(vg_output_packet(o, &p), 0);     /* a stream event */
        p.nstream_events = 0;
        p.flags |= VG_PKT_TAGGED;
        VG_CHECK_EQ(vg_output_packet(o, &p), 0);     /* a tagged packet */
        p.flags &= ~(uint32_t)VG_PKT_TAGGED;
        p.nalerts = 1;
        VG_CHECK_EQ(vg_output_packet(o, &p), 1);     /* an alert */
        vg_output_close(o);
    }
    char path[64];
    snprintf(path, sizeof path, "%s/a.json", dir);
    VG_CHECK_EQ(count_lines(path), 2); /* the tagged packet and the alert */
    unlink(path);
    snprintf(path, sizeof path, "%s/b.json", dir);
    VG_CHECK_EQ(count_lines(path), 2); /* the two anomalies */
    unlink(path);
    rmdir(dir);
    vg_conf_free(c);
}

static const vg_test tests[] = {
    {"alert_default_shape", alert_default_shape},
    {"alert_payload_packet_and_ips", alert_payload_packet_and_ips},
    {"alert_ipv6_icmp_pseudo_live", alert_ipv6_icmp_pseudo_live},
    {"alert_tunnel_object", alert_tunnel_object},
    {"anomaly_shapes_and_defaults", anomaly_shapes_and_defaults},
    {"fast_log_line", fast_log_line},
    {"eve_timestamp_cached", eve_timestamp_cached},
    {"eve_addr_text", eve_addr_text},
    {"default_conf_values", default_conf_values},
    {"drop_record", drop_record},
    {"tagged_packet_record", tagged_packet_record},
    {"conf_file_code_defaults", conf_file_code_defaults},
    {"exception_policies", exception_policies},
    {"alert_frags_same_bytes", alert_frags_same_bytes},
    {"eve_header_same_bytes", eve_header_same_bytes},
    {"member_runs", member_runs},
    {"output_packet_without_alerts", output_packet_without_alerts},
    {NULL, NULL},
};

VG_TEST_MAIN(tests)
