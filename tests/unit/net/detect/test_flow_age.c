/* test_flow_age.c: the flow.age keyword (whole seconds since the flow's
 * first packet, Suricata's unsigned-integer syntax). */
#include <stdlib.h>
#include <string.h>

#include "net/detect/detect_int.h"
#include "net/flow.h"
#include "tests/unit/vg_test.h"
#include "tests/unit/net/detect/det_fixture.h"

static void pkt_at(vg_packet *p, vg_flow *f, long sec, long usec)
{
    static uint8_t hdr[40];
    memset(p, 0, sizeof(*p));
    p->ipver = 4;
    p->src.family = p->dst.family = 4;
    p->src.a[0] = 10, p->dst.a[0] = 10, p->dst.a[3] = 2;
    p->proto = 17;
    p->sp = 1000;
    p->dp = 53;
    p->ip = hdr;
    p->ip_hlen = 20;
    p->l4 = hdr + 20;
    p->l4_hlen = 8;
    p->ts.tv_sec = sec;
    p->ts.tv_usec = usec;
    p->flow = f;
    f->last = p->ts;
    p->flags = VG_PKT_TOSERVER;
}

static void test_flow_age(void)
{
    static const char *const rules[] = {
        "alert udp any any -> any any (flow.age:0; sid:1;)",
        "alert udp any any -> any any (flow.age:>=2; sid:2;)",
        "alert udp any any -> any any (flow.age:1-3; sid:3;)", /* ranges exclude their ends */
        NULL,
    };
    vg_detect *de = mk_rules(rules);
    vg_det_thread *dt;
    VG_CHECK_EQ(vg_detect_thread_new(de, &dt), VG_OK);
    vg_flow f;
    memset(&f, 0, sizeof(f));
    f.proto = 17;
    f.start.tv_sec = 100;
    f.start.tv_usec = 900000;
    vg_packet p;
    /* seconds are compared as whole numbers: 100.9 -> 101.1 is age 1 */
    static const struct { long sec, usec; bool s1, s2, s3; } steps[] = {
        {100, 950000, true, false, false},
        {101, 100000, false, false, false},
        {102, 0, false, true, true},
        {104, 0, false, true, false},
    };
    for (size_t i = 0; i < VG_ARRAY_LEN(steps); i++) {
        pkt_at(&p, &f, steps[i].sec, steps[i].usec);
        vg_detect_packet(dt, &p, NULL);
        VG_CHECK_EQ(alerted(&p, 1), steps[i].s1);
        VG_CHECK_EQ(alerted(&p, 2), steps[i].s2);
        VG_CHECK_EQ(alerted(&p, 3), steps[i].s3);
    }
    /* no flow: never */
    pkt_at(&p, &f, 104, 0);
    p.flow = NULL;
    vg_detect_packet(dt, &p, NULL);
    VG_CHECK_EQ(p.nalerts, 0);
    vg_detect_flow_free(f.detect_state);
    vg_detect_thread_free(dt);
    vg_detect_free(de);

    char err[VG_ERRBUF_SIZE];
    static const char *const bad[] = {
        "alert udp any any -> any any (flow.age; sid:1;)",
        "alert udp any any -> any any (flow.age:abc; sid:1;)",
        "alert udp any any -> any any (flow.age:99999999999; sid:1;)",
        NULL,
    };
    for (const char *const *r = bad; *r; r++) {
        vg_detect *d2;
        if (vg_detect_new(&d2, NULL) != VG_OK)
            abort();
        VG_CHECK(vg_detect_add_rule(d2, *r, err) != VG_OK);
        vg_detect_free(d2);
    }
}

static const vg_test tests[] = {
    {"flow_age", test_flow_age},
    {NULL, NULL},
};

VG_TEST_MAIN(tests)
