/* test_vars.c: pcre captures into flow and packet variables, the flowvar
 * and pktvar keywords, their caps and their EVE metadata. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "net/detect/detect_int.h"
#include "net/flow.h"
#include "tests/unit/vg_test.h"
#include "tests/unit/net/detect/det_fixture.h"

static int load_rc(const char *rule, char *err)
{
    vg_detect *de;
    if (vg_detect_new(&de, NULL) != VG_OK)
        abort();
    int rc = vg_detect_add_rule(de, rule, err);
    vg_detect_free(de);
    return rc;
}

static void mk_tcp(vg_packet *p, vg_flow *f, const char *payload, uint64_t cnt)
{
    static uint8_t hdr[60];
    memset(p, 0, sizeof(*p));
    p->ipver = 4;
    p->src.family = p->dst.family = 4;
    inet_pton(AF_INET, "10.0.0.1", p->src.a);
    inet_pton(AF_INET, "10.0.0.2", p->dst.a);
    p->proto = 6;
    p->ttl = 64;
    p->sp = 40000;
    p->dp = 80;
    p->tcp_flags = 0x18;
    p->l4 = hdr;
    p->l4_hlen = 20;
    p->ip = hdr;
    p->ip_hlen = 20;
    p->payload = (const uint8_t *)payload;
    p->payload_len = (uint32_t)strlen(payload);
    p->ts.tv_sec = 1000 + (time_t)cnt;
    p->pcap_cnt = cnt;
    p->flow = f;
    p->flags = VG_PKT_TOSERVER | VG_PKT_ESTABLISHED;
}


static void run(vg_det_thread *dt, vg_packet *p)
{
    vg_detect_packet(dt, p, NULL);
    for (int i = 0; i < p->nalerts; i++)
        free(p->alerts[i].stream_data);
}

/* The metadata written for an event about p (NULL: about the flow). */
static void eve(const vg_flow *f, const vg_packet *p, vg_jb *jb)
{
    vg_jb_reset(jb);
    vg_jb_open_obj(jb, NULL);
    vg_detect_vars_eve(f, p, jb);
    vg_jb_close_obj(jb);
}

static void test_parse(void)
{
    char err[VG_ERRBUF_SIZE];
    static const char *const good[] = {
        "alert tcp any any -> any any (pcre:\"/(a)(b)/, flow:x, pkt:y\"; sid:1;)",
        "alert tcp any any -> any any (pcre:\"/(?P<flow_ua>a+)(?P<pkt_v>b)/i\"; sid:1;)",
        "alert tcp any any -> any any (pcre:\"/(?P<other>a)/\"; sid:1;)", /* plain named group */
        "alert tcp any any -> any any (pcre:\"/(k)=(v)/, pkt:key,pkt:value\"; sid:1;)",
        "alert tcp any any -> any any (flowvar:ua, \"Moz|69|lla\"; sid:1;)",
        "alert tcp any any -> any any (pktvar:x,\"a\\;b\"; sid:1;)",
        NULL,
    };
    for (const char *const *r = good; *r; r++) {
        int rc = load_rc(*r, err);
        if (rc != VG_OK)
            fprintf(stderr, "%s: %s\n", *r, err);
        VG_CHECK_EQ(rc, VG_OK);
    }
    static const char *const bad[] = {
        "alert tcp any any -> any any (pcre:\"/(a)/, flow:\"; sid:1;)",
        "alert tcp any any -> any any (pcre:\"/(a)/, host:x\"; sid:1;)",
        "alert tcp any any -> any any (pcre:\"/(a)/, flow:a b\"; sid:1;)",
        "alert tcp any any -> any any (pcre:!\"/(a)/, flow:x\"; sid:1;)",
        "alert tcp any any -> any any (pcre:\"/(a)/, flow:a,flow:b,flow:c,flow:d,flow:e,"
        "flow:f,flow:g,flow:h,flow:i,flow:j,flow:k,flow:l,flow:m,flow:n,flow:o,flow:p,flow:q\"; "
        "sid:1;)",
        "alert tcp any any -> any any (flowvar:ua; sid:1;)",
        "alert tcp any any -> any any (flowvar:ua,Mozilla; sid:1;)",
        "alert tcp any any -> any any (flowvar:ua,\"|4\"; sid:1;)",
        "alert tcp any any -> any any (flowvar:,\"a\"; sid:1;)",
        "alert tcp any any -> any any (flowvar:ua,\"\"; sid:1;)",
        NULL,
    };
    for (const char *const *r = bad; *r; r++) {
        int rc = load_rc(*r, err);
        if (rc == VG_OK)
            fprintf(stderr, "loaded: %s\n", *r);
        VG_CHECK(rc != VG_OK);
    }
}

static void test_capture_and_eve(void)
{
    static const char *const rules[] = {
        /* captures only when the whole rule matches */
        "alert tcp any any -> any any (content:\"UA \"; pcre:\"/^UA (\\w+)\\/([0-9.]+)/, "
        "flow:key, flow:value\"; content:\"END\"; sid:1;)",
        "alert tcp any any -> any any (pcre:\"/user=(?P<pkt_user>\\w+)/\"; sid:2;)",
        "alert tcp any any -> any any (pcre:\"/(\\w+)=(\\w+)&/, pkt:key, pkt:value\"; sid:3;)",
        "alert tcp any any -> any any (flowvar:key, \"ozil\"; sid:4;)",
        "alert tcp any any -> any any (pktvar:user, \"bob\"; content:\"again\"; sid:5;)",
        NULL,
    };
    vg_detect *de = mk_rules(rules);
    vg_det_thread *dt;
    VG_CHECK_EQ(vg_detect_thread_new(de, &dt), VG_OK);
    vg_flow f;
    memset(&f, 0, sizeof(f));
    f.proto = 6;
    vg_jb jb;
    vg_jb_init(&jb);
    vg_packet p;

    mk_tcp(&p, &f, "UA Mozilla/5.0 but no end", 1);
    run(dt, &p);
    VG_CHECK(!alerted(&p, 1));
    eve(&f, &p, &jb);
    VG_CHECK_STR(jb.buf, "{}"); /* no match: nothing captured */

    mk_tcp(&p, &f, "UA Mozilla/5.0 END", 2);
    run(dt, &p);
    VG_CHECK(alerted(&p, 1));
    VG_CHECK(alerted(&p, 4)); /* sid 1's captures are stored before sid 4 runs */
    eve(&f, &p, &jb);
    VG_CHECK_STR(jb.buf, "{\"metadata\":{\"flowvars\":[{\"key\":\"Mozilla\"},"
                         "{\"value\":\"5.0\"}]}}");

    /* a second match replaces the value in place; packet variables belong
     * to their packet */
    mk_tcp(&p, &f, "UA Mozillo/6.1 END user=bob a=b&", 3);
    run(dt, &p);
    VG_CHECK(alerted(&p, 1) && alerted(&p, 2) && alerted(&p, 3) && alerted(&p, 4));
    eve(&f, &p, &jb);
    VG_CHECK_STR(jb.buf, "{\"metadata\":{\"flowvars\":[{\"key\":\"Mozillo\"},"
                         "{\"value\":\"6.1\"}],\"pktvars\":[{\"user\":\"bob\"},{\"a\":\"b\"}]}}");
    eve(&f, NULL, &jb); /* the flow record: no packet variables */
    VG_CHECK_STR(jb.buf, "{\"metadata\":{\"flowvars\":[{\"key\":\"Mozillo\"},"
                         "{\"value\":\"6.1\"}]}}");

    mk_tcp(&p, &f, "again", 4);
    run(dt, &p);
    VG_CHECK(!alerted(&p, 5)); /* user was packet 3's */
    VG_CHECK(alerted(&p, 4));
    mk_tcp(&p, &f, "user=bob again", 5);
    run(dt, &p);
    VG_CHECK(alerted(&p, 2) && alerted(&p, 5)); /* sid 2's capture, then sid 5's test */

    vg_jb_free(&jb);
    vg_detect_flow_free(f.detect_state);
    vg_detect_thread_free(dt);
    vg_detect_free(de);
}

static void test_caps(void)
{
    /* 20 names, 16 variables per flow; values over VG_PCRE_CAP_MAX are not
     * kept; both counted */
    char rules_buf[20][160];
    const char *rules[22];
    for (int i = 0; i < 20; i++) {
        snprintf(rules_buf[i], sizeof rules_buf[i],
                 "alert tcp any any -> any any (content:\"v%02d=\"; pcre:\"/v%02d=(\\w+)/, "
                 "flow:var%02d\"; sid:%d;)", i, i, i, i + 1);
        rules[i] = rules_buf[i];
    }
    rules[20] = "alert tcp any any -> any any (content:\"big=\"; pcre:\"/big=(.*)/s, "
                "flow:big\"; sid:100;)";
    rules[21] = NULL;
    vg_detect *de = mk_rules(rules);
    vg_det_thread *dt;
    VG_CHECK_EQ(vg_detect_thread_new(de, &dt), VG_OK);
    vg_flow f;
    memset(&f, 0, sizeof(f));
    f.proto = 6;
    vg_packet p;
    char pl[400];
    size_t o = 0;
    for (int i = 0; i < 20; i++)
        o += (size_t)snprintf(pl + o, sizeof pl - o, "v%02d=x%d ", i, i);
    mk_tcp(&p, &f, pl, 1);
    run(dt, &p);
    VG_CHECK_EQ(p.nalerts, 15); /* VG_PKT_MAX_ALERTS; the rest is counted */
    VG_CHECK_EQ(dt->vars_capped, 4);
    const vg_det_flow *df = f.detect_state;
    bool fv, pv;
    VG_CHECK(vg_vars_have(df, &p, &fv, &pv) && fv && !pv);

    size_t big = VG_PCRE_CAP_MAX + 10;
    char *bp = malloc(big + 5);
    memcpy(bp, "big=", 4);
    memset(bp + 4, 'A', big);
    bp[big + 4] = 0;
    mk_tcp(&p, &f, bp, 2);
    run(dt, &p);
    VG_CHECK(alerted(&p, 100));
    VG_CHECK_EQ(dt->vars_capped, 5);
    free(bp);

    vg_detect_flow_free(f.detect_state);
    vg_detect_thread_free(dt);
    vg_detect_free(de);
}

static void test_bytes_and_flowints(void)
{
    /* flowints and flowvars share one allocation; non-UTF-8 values are
     * written with \xNN, as Suricata does */
    static const char *const rules[] = {
        "alert tcp any any -> any any (pcre:\"/k=(.)/s, flow:raw\"; flowint:n,+,1; "
        "flowbits:set,seen; sid:1;)",
        NULL,
    };
    vg_detect *de = mk_rules(rules);
    vg_det_thread *dt;
    VG_CHECK_EQ(vg_detect_thread_new(de, &dt), VG_OK);
    vg_flow f;
    memset(&f, 0, sizeof(f));
    f.proto = 6;
    vg_packet p;
    mk_tcp(&p, &f, "k=\xff", 1);
    run(dt, &p);
    mk_tcp(&p, &f, "k=\xfe", 2);
    run(dt, &p);
    vg_jb jb;
    vg_jb_init(&jb);
    eve(&f, NULL, &jb);
    VG_CHECK_STR(jb.buf, "{\"metadata\":{\"flowbits\":[\"seen\"],\"flowints\":{\"n\":2},"
                         "\"flowvars\":[{\"raw\":\"\\\\xfe\"}]}}");
    vg_jb_free(&jb);
    vg_detect_flow_free(f.detect_state);
    vg_detect_thread_free(dt);
    vg_detect_free(de);
}

static const vg_test tests[] = {
    {"parse", test_parse},
    {"capture_and_eve", test_capture_and_eve},
    {"caps", test_caps},
    {"bytes_and_flowints", test_bytes_and_flowints},
    {NULL, NULL},
};

VG_TEST_MAIN(tests)
