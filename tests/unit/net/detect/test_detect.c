/* test_detect.c: rule parsing, keywords, grouping and the detection loop. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "net/detect/detect_int.h"
#include "net/decode/decode.h"
#include "net/flow.h"
#include "net/flow/flow_table.h"
#include "tests/unit/vg_test.h"
#include "tests/unit/net/detect/det_fixture.h"

/* ---- helpers -------------------------------------------------------------- */

static int parse_fails(const char *rule, char *err)
{
    vg_detect *de = mk_de();
    int rc = vg_detect_add_rule(de, rule, err);
    vg_detect_free(de);
    return rc;
}

static void set_ip4(vg_addr *a, const char *s)
{
    memset(a, 0, sizeof(*a));
    a->family = 4;
    inet_pton(AF_INET, s, a->a);
}

static void mk_tcp(vg_packet *p, const char *src, uint16_t sp, const char *dst, uint16_t dp,
                   uint8_t flags, const char *payload)
{
    static uint8_t hdr[60];
    memset(p, 0, sizeof(*p));
    p->ipver = 4;
    set_ip4(&p->src, src);
    set_ip4(&p->dst, dst);
    p->proto = 6;
    p->ttl = 64;
    p->sp = sp;
    p->dp = dp;
    p->tcp_flags = flags;
    p->tcp_win = 1024;
    p->l4 = hdr;
    p->l4_hlen = 20;
    p->ip = hdr;
    p->ip_hlen = 20;
    p->payload = (const uint8_t *)payload;
    p->payload_len = payload ? (uint32_t)strlen(payload) : 0;
    p->ts.tv_sec = 1000;
}

static void mk_icmp(vg_packet *p, uint8_t type, uint8_t code)
{
    static uint8_t hdr[8];
    memset(p, 0, sizeof(*p));
    p->ipver = 4;
    set_ip4(&p->src, "10.0.0.1");
    set_ip4(&p->dst, "8.8.8.8");
    p->proto = 1;
    p->l4 = hdr;
    p->l4_hlen = 8;
    p->icmp_type = type;
    p->icmp_code = code;
    p->ts.tv_sec = 1000;
}

static void free_alerts(vg_packet *p)
{
    for (int i = 0; i < p->nalerts; i++)
        free(p->alerts[i].stream_data);
    p->nalerts = 0;
}

/* Run detection on p; returns the number of alerts (and frees their copies). */
static int run(vg_det_thread *dt, vg_packet *p)
{
    vg_detect_packet(dt, p, NULL);
    int n = p->nalerts;
    return n;
}


/* ---- addresses and ports ---------------------------------------------- */

static void test_addr_sets(void)
{
    vg_detect *de = mk_de();
    char err[VG_ERRBUF_SIZE];
    vg_addrset *as;
    vg_addr a;
    VG_CHECK_EQ(vg_addr_parse(de, "$HOME_NET", &as, err), VG_OK);
    set_ip4(&a, "192.168.1.5");
    VG_CHECK(vg_addr_match(as, &a));
    set_ip4(&a, "8.8.8.8");
    VG_CHECK(!vg_addr_match(as, &a));
    VG_CHECK_EQ(vg_addr_parse(de, "$EXTERNAL_NET", &as, err), VG_OK);
    VG_CHECK(vg_addr_match(as, &a));
    set_ip4(&a, "10.1.2.3");
    VG_CHECK(!vg_addr_match(as, &a));
    /* nested lists with negation */
    VG_CHECK_EQ(vg_addr_parse(de, "[10.0.0.0/8, ![10.1.0.0/16, !10.1.2.3]]", &as, err), VG_OK);
    VG_CHECK(vg_addr_match(as, &a)); /* 10.1.2.3 re-included */
    set_ip4(&a, "10.1.9.9");
    VG_CHECK(!vg_addr_match(as, &a));
    set_ip4(&a, "10.2.0.1");
    VG_CHECK(vg_addr_match(as, &a));
    /* only negations: everything but */
    VG_CHECK_EQ(vg_addr_parse(de, "[!1.2.3.4,!5.6.7.0/24]", &as, err), VG_OK);
    set_ip4(&a, "5.6.7.200");
    VG_CHECK(!vg_addr_match(as, &a));
    set_ip4(&a, "5.6.8.1");
    VG_CHECK(vg_addr_match(as, &a));
    /* ranges, dotted masks, host bits */
    VG_CHECK_EQ(vg_addr_parse(de, "1.1.1.10-1.1.1.20", &as, err), VG_OK);
    set_ip4(&a, "1.1.1.20");
    VG_CHECK(vg_addr_match(as, &a));
    set_ip4(&a, "1.1.1.21");
    VG_CHECK(!vg_addr_match(as, &a));
    VG_CHECK_EQ(vg_addr_parse(de, "172.16.5.9/255.255.0.0", &as, err), VG_OK);
    set_ip4(&a, "172.16.200.1");
    VG_CHECK(vg_addr_match(as, &a));
    /* IPv6 */
    VG_CHECK_EQ(vg_addr_parse(de, "[2001:db8::/32, !2001:db8::1]", &as, err), VG_OK);
    vg_addr b6 = {.family = 6};
    inet_pton(AF_INET6, "2001:db8::2", b6.a);
    VG_CHECK(vg_addr_match(as, &b6));
    inet_pton(AF_INET6, "2001:db8::1", b6.a);
    VG_CHECK(!vg_addr_match(as, &b6));
    set_ip4(&a, "1.2.3.4");
    VG_CHECK(!vg_addr_match(as, &a));
    /* errors */
    VG_CHECK(vg_addr_parse(de, "!any", &as, err) != VG_OK);
    VG_CHECK(vg_addr_parse(de, "$NOPE", &as, err) != VG_OK);
    VG_CHECK(strstr(err, "NOPE") != NULL);
    VG_CHECK(vg_addr_parse(de, "[1.2.3.4", &as, err) != VG_OK);
    VG_CHECK(vg_addr_parse(de, "1.2.3.4/33", &as, err) != VG_OK);
    VG_CHECK(vg_addr_parse(de, "300.1.1.1", &as, err) != VG_OK);
    VG_CHECK(vg_addr_parse(de, "[1.2.3.4,!1.2.3.4]", &as, err) != VG_OK);
    VG_CHECK(vg_addr_parse(de, "[1.2.3.4,]", &as, err) != VG_OK);
    vg_detect_free(de);
}

static void test_port_sets(void)
{
    vg_detect *de = mk_de();
    char err[VG_ERRBUF_SIZE];
    vg_portset *ps;
    VG_CHECK_EQ(vg_port_parse(de, "[80:90,!85,$SSH_PORTS]", &ps, err), VG_OK);
    VG_CHECK(vg_port_match(ps, 80));
    VG_CHECK(vg_port_match(ps, 90));
    VG_CHECK(!vg_port_match(ps, 85));
    VG_CHECK(vg_port_match(ps, 22));
    VG_CHECK(!vg_port_match(ps, 91));
    VG_CHECK_EQ(vg_port_parse(de, "1024:", &ps, err), VG_OK);
    VG_CHECK(vg_port_match(ps, 65535) && !vg_port_match(ps, 1023));
    VG_CHECK_EQ(vg_port_parse(de, ":1023", &ps, err), VG_OK);
    VG_CHECK(vg_port_match(ps, 0) && !vg_port_match(ps, 1024));
    VG_CHECK_EQ(vg_port_parse(de, "$SHELLCODE_PORTS", &ps, err), VG_OK);
    VG_CHECK(!vg_port_match(ps, 80) && vg_port_match(ps, 81));
    uint16_t l[8];
    VG_CHECK_EQ(vg_port_parse(de, "[21,22]", &ps, err), VG_OK);
    VG_CHECK_EQ(vg_port_list(ps, l, 8), 2);
    VG_CHECK(vg_port_parse(de, "70000", &ps, err) != VG_OK);
    VG_CHECK(vg_port_parse(de, "90:80", &ps, err) != VG_OK);
    VG_CHECK(vg_port_parse(de, "!any", &ps, err) != VG_OK);
    VG_CHECK(vg_port_parse(de, "abc", &ps, err) != VG_OK);
    vg_detect_free(de);
}

static void test_uint(void)
{
    char err[VG_ERRBUF_SIZE];
    vg_uint u;
    VG_CHECK_EQ(vg_uint_parse("10", 255, &u, err), VG_OK);
    VG_CHECK(vg_uint_match(&u, 10) && !vg_uint_match(&u, 11));
    VG_CHECK_EQ(vg_uint_parse("<10", 255, &u, err), VG_OK);
    VG_CHECK(vg_uint_match(&u, 9) && !vg_uint_match(&u, 10));
    VG_CHECK_EQ(vg_uint_parse(">=10", 255, &u, err), VG_OK);
    VG_CHECK(vg_uint_match(&u, 10) && !vg_uint_match(&u, 9));
    VG_CHECK_EQ(vg_uint_parse("1-4", 255, &u, err), VG_OK); /* exclusive */
    VG_CHECK(!vg_uint_match(&u, 1) && vg_uint_match(&u, 2) && vg_uint_match(&u, 3) &&
             !vg_uint_match(&u, 4));
    VG_CHECK_EQ(vg_uint_parse("1<>4", 255, &u, err), VG_OK);
    VG_CHECK(vg_uint_match(&u, 3) && !vg_uint_match(&u, 4));
    VG_CHECK_EQ(vg_uint_parse("!1-4", 255, &u, err), VG_OK);
    VG_CHECK(vg_uint_match(&u, 1) && !vg_uint_match(&u, 2) && vg_uint_match(&u, 4));
    VG_CHECK_EQ(vg_uint_parse("!5", 255, &u, err), VG_OK);
    VG_CHECK(!vg_uint_match(&u, 5) && vg_uint_match(&u, 6));
    VG_CHECK_EQ(vg_uint_parse("0x10", 255, &u, err), VG_OK);
    VG_CHECK(vg_uint_match(&u, 16));
    VG_CHECK_EQ(vg_uint_parse("&0xc0=0x80", 255, &u, err), VG_OK);
    VG_CHECK(vg_uint_match(&u, 0x85) && !vg_uint_match(&u, 0xc5));
    VG_CHECK_EQ(vg_uint_parse("2kb", UINT32_MAX, &u, err), VG_OK);
    VG_CHECK(vg_uint_match(&u, 2048));
    VG_CHECK(vg_uint_parse("256", 255, &u, err) != VG_OK);
    VG_CHECK(vg_uint_parse("4-5", 255, &u, err) != VG_OK); /* empty range */
    VG_CHECK(vg_uint_parse("abc", 255, &u, err) != VG_OK);
    VG_CHECK(vg_uint_parse("5 6", 255, &u, err) != VG_OK);
}

/* ---- rule text ------------------------------------------------------------ */

static void test_rule_header(void)
{
    vg_detect *de = mk_de();
    char err[VG_ERRBUF_SIZE];
    vg_sig *s;
    int fbt;
    VG_CHECK_EQ(vg_rule_parse(de, "drop tcp [1.2.3.4, 5.6.7.8] any <> $HOME_NET [80, 443] "
                              "(msg:\"a \\\"quoted\\\" \\; msg\"; sid:7; rev:3; gid:2; "
                              "classtype:trojan-activity; metadata: a b, c d; "
                              "reference:cve,2020-1;)", "f.rules", 9, &s, &fbt, err), VG_OK);
    if (s) {
        VG_CHECK_EQ(s->action & VG_ACTION_DROP, VG_ACTION_DROP);
        VG_CHECK_EQ(s->proto, 6);
        VG_CHECK(s->flags & VG_SIG_BIDIR);
        VG_CHECK_STR(s->msg, "a \"quoted\" ; msg");
        VG_CHECK_EQ(s->sid, 7);
        VG_CHECK_EQ(s->rev, 3);
        VG_CHECK_EQ(s->gid, 2);
        VG_CHECK_EQ(s->prio, 1); /* from the classtype */
        VG_CHECK_STR(s->class_msg, "A Network Trojan was detected");
        VG_CHECK_STR(s->metadata[0], "a b");
        VG_CHECK_STR(s->metadata[1], "c d");
        VG_CHECK(s->metadata[2] == NULL);
        VG_CHECK_STR(s->references[0], "http://cve.mitre.org/cgi-bin/cvename.cgi?name=2020-1");
        vg_sig_free(s);
    }
    /* a quoted reference value (ET writes url,"host/path") */
    VG_CHECK_EQ(vg_rule_parse(de, "alert ip any any -> any any (reference:url,\"example.com/x\"; "
                              "sid:1;)", NULL, 1, &s, &fbt, err), VG_OK);
    if (s) {
        VG_CHECK_STR(s->references[0], "http://example.com/x");
        vg_sig_free(s);
    }
    /* priority beats classtype whatever the order */
    VG_CHECK_EQ(vg_rule_parse(de, "alert ip any any -> any any (priority:4; classtype:trojan-activity; "
                              "sid:1;)", NULL, 1, &s, &fbt, err), VG_OK);
    if (s) {
        VG_CHECK_EQ(s->prio, 4);
        vg_sig_free(s);
    }
    /* app-layer protocol in the header */
    VG_CHECK_EQ(vg_rule_parse(de, "alert http any any -> any any (sid:1;)", NULL, 1, &s, &fbt, err),
                VG_OK);
    if (s) {
        VG_CHECK_STR(vg_alproto_name(s->alproto), "http");
        VG_CHECK_EQ(s->proto, 6);
        vg_sig_free(s);
    }
    static const char *const bad[] = {
        "alert tcp any any -> any any (msg:\"x\";)",              /* no sid */
        "alert tcp any any => any any (sid:1;)",                  /* direction */
        "alrt tcp any any -> any any (sid:1;)",                   /* action */
        "alert foo any any -> any any (sid:1;)",                  /* protocol */
        "alert tcp any any -> any (sid:1;)",                      /* fields */
        "alert tcp any any -> any any (sid:1",                    /* no ) */
        "alert tcp any any -> any any (sid:1; msg:\"x\")",        /* unterminated option */
        "alert icmp any 80 -> any any (sid:1;)",                  /* ports on icmp */
        "alert tcp any any -> any any (sid:0;)",
        "alert tcp any any -> any any (sid:1; classtype:nope;)",
        "alert tcp any any -> any any (sid:1; ttl:300;)",
        "alert tcp any any -> any any (sid:1; flow:to_server,to_client;)",
        "alert tcp any any -> any any (sid:1; nocase:foo;)",
        "alert tcp any any -> any any (sid:1; ttl;)",
        NULL,
    };
    for (const char *const *r = bad; *r; r++) {
        int rc = vg_rule_parse(de, *r, NULL, 1, &s, &fbt, err);
        if (rc == VG_OK) {
            fprintf(stderr, "rule unexpectedly parsed: %s\n", *r);
            vg_sig_free(s);
        }
        VG_CHECK(rc != VG_OK);
    }
    /* an unknown keyword fails the rule: it is never loaded without it */
    VG_CHECK_EQ(vg_rule_parse(de, "alert tcp any any -> any any (sid:1; frobnicate:1;)", NULL, 1,
                              &s, &fbt, err), VG_ENOTSUP);
    VG_CHECK(strstr(err, "frobnicate") != NULL);
    vg_detect_free(de);
}

static void test_rule_file(void)
{
    char path[] = "/tmp/vg_detect_test_XXXXXX";
    int fd = mkstemp(path);
    VG_CHECK(fd >= 0);
    const char *text =
        "# a comment\n"
        "#alert tcp any any -> any any (sid:100;)\n"
        "\n"
        "alert tcp any any -> any any (msg:\"one\"; \\\n"
        "   sid:1;)\n"
        "alert tcp any any -> any any (msg:\"bad\"; sid:2; unknownkw;)\n"
        "alert udp any any -> any any (msg:\"two\"; sid:3;)\n"
        "alert udp any any -> any any (msg:\"dup\"; sid:3;)\n";
    VG_CHECK(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
    close(fd);
    vg_log_set_level(0);
    vg_detect *de;
    char err[VG_ERRBUF_SIZE];
    const char *files[] = {path, NULL};
    VG_CHECK_EQ(vg_detect_load(&de, NULL, files, false, err), VG_OK);
    if (de) {
        const vg_detect_stats *st = vg_detect_get_stats(de);
        VG_CHECK_EQ(st->rules_loaded, 2);
        VG_CHECK_EQ(st->rules_failed, 2);
        VG_CHECK_EQ(st->rules_skipped, 1);
        const vg_sig *s = vg_detect_sig_by_sid(de, 1);
        VG_CHECK(s && s->line == 4);
        vg_detect_free(de);
    }
    /* --init-errors-fatal: the first failure fails the load, with file:line */
    VG_CHECK(vg_detect_load(&de, NULL, files, true, err) != VG_OK);
    char want[128];
    snprintf(want, sizeof(want), "%s:6:", path);
    VG_CHECK(strstr(err, want) != NULL);
    VG_CHECK(strstr(err, "unknownkw") != NULL);
    /* a missing -S file is an error */
    const char *missing[] = {"/nonexistent/x.rules", NULL};
    VG_CHECK(vg_detect_load(&de, NULL, missing, false, err) != VG_OK);
    unlink(path);
}

static void test_classification_file(void)
{
    /* the shipped data file and the built-in table agree */
    const char *src = getenv("VG_SRCDIR");
    char path[1024];
    snprintf(path, sizeof(path), "%s/data/classification.config", src ? src : ".");
    vg_detect *a = mk_de(), *b;
    VG_CHECK_EQ(vg_detect_new(&b, NULL), VG_OK);
    char err[VG_ERRBUF_SIZE];
    VG_CHECK_EQ(vg_class_load_file(b, path, err), VG_OK);
    VG_CHECK(a->nclasses > 30);
    VG_CHECK_EQ(a->nclasses, b->nclasses);
    for (uint32_t i = 0; i < a->nclasses && i < b->nclasses; i++) {
        VG_CHECK_STR(a->classes[i].name, b->classes[i].name);
        VG_CHECK_STR(a->classes[i].desc, b->classes[i].desc);
        VG_CHECK_EQ(a->classes[i].prio, b->classes[i].prio);
    }
    snprintf(path, sizeof(path), "%s/data/reference.config", src ? src : ".");
    vg_detect_free(b);
    VG_CHECK_EQ(vg_detect_new(&b, NULL), VG_OK);
    VG_CHECK_EQ(vg_refconf_load_file(b, path, err), VG_OK);
    VG_CHECK_EQ(a->nrefs, b->nrefs);
    VG_CHECK(vg_refconf_find(b, "CVE") != NULL);
    /* text form and errors */
    VG_CHECK_EQ(vg_class_load_text(b, "config classification: x-y,Some Thing, 2\n", "t", err), VG_OK);
    const vg_class *c = vg_class_find(b, "X-Y");
    VG_CHECK(c && c->prio == 2 && strcmp(c->desc, "Some Thing") == 0);
    VG_CHECK(vg_class_load_text(b, "config classification: broken\n", "t", err) != VG_OK);
    VG_CHECK(strstr(err, "t:1:") != NULL);
    vg_detect_free(a);
    vg_detect_free(b);
}

/* ---- keyword matching ---------------------------------------------------- */

static void test_ip_keywords(void)
{
    static const char *const rules[] = {
        "alert ip any any -> any any (ttl:<10; sid:1;)",
        "alert tcp any any -> any any (dsize:>3; sid:2;)",
        "alert tcp any any -> any any (flags:S,CE; sid:3;)",
        "alert tcp any any -> any any (flags:+A; sid:4;)",
        "alert tcp any any -> any any (flags:!R; window:1024; sid:5;)",
        "alert tcp any any -> any 80 (tcp.flags:*FR; sid:6;)",
        "alert ip any any -> any any (sameip; sid:7;)",
        "alert ip any any -> any any (ip_proto:tcp; id:99; sid:8;)",
        "alert icmp any any -> any any (itype:8; icode:0; sid:9;)",
        "alert icmp any any -> any any (itype:>10; sid:10;)",
        "alert ip any any -> any any (tos:!0; sid:11;)",
        NULL,
    };
    vg_detect *de = mk_rules(rules);
    vg_det_thread *dt;
    VG_CHECK_EQ(vg_detect_thread_new(de, &dt), VG_OK);
    vg_packet p;
    /* SYN (with ECE set, masked) to port 80, TTL 5, id 99 */
    mk_tcp(&p, "1.1.1.1", 1234, "2.2.2.2", 80, 0x02 | 0x40, NULL);
    p.ttl = 5;
    p.ip_id = 99;
    run(dt, &p);
    VG_CHECK(alerted(&p, 1));
    VG_CHECK(!alerted(&p, 2));
    VG_CHECK(alerted(&p, 3));
    VG_CHECK(!alerted(&p, 4));
    VG_CHECK(alerted(&p, 5));
    VG_CHECK(!alerted(&p, 6));
    VG_CHECK(!alerted(&p, 7));
    VG_CHECK(alerted(&p, 8));
    VG_CHECK(!alerted(&p, 11));
    free_alerts(&p);
    /* ACK|FIN with payload, same address both sides */
    mk_tcp(&p, "3.3.3.3", 1234, "3.3.3.3", 80, 0x11, "abcdef");
    p.tos = 4;
    run(dt, &p);
    VG_CHECK(!alerted(&p, 1));
    VG_CHECK(alerted(&p, 2));
    VG_CHECK(!alerted(&p, 3));
    VG_CHECK(alerted(&p, 4));
    VG_CHECK(alerted(&p, 6));
    VG_CHECK(alerted(&p, 7));
    VG_CHECK(alerted(&p, 11));
    free_alerts(&p);
    mk_icmp(&p, 8, 0);
    run(dt, &p);
    VG_CHECK(alerted(&p, 9));
    VG_CHECK(!alerted(&p, 10));
    VG_CHECK(!alerted(&p, 3));
    free_alerts(&p);
    mk_icmp(&p, 13, 0);
    run(dt, &p);
    VG_CHECK(!alerted(&p, 9));
    VG_CHECK(alerted(&p, 10));
    free_alerts(&p);
    vg_detect_thread_free(dt);
    vg_detect_free(de);
}

static void test_ports_and_bidir(void)
{
    static const char *const rules[] = {
        "alert tcp $HOME_NET any -> $EXTERNAL_NET [80,8080] (sid:1;)",
        "alert tcp $EXTERNAL_NET 80 <> $HOME_NET any (sid:2;)",
        "alert udp any any -> any !53 (sid:3;)",
        NULL,
    };
    vg_detect *de = mk_rules(rules);
    vg_det_thread *dt;
    VG_CHECK_EQ(vg_detect_thread_new(de, &dt), VG_OK);
    vg_packet p;
    mk_tcp(&p, "192.168.0.2", 40000, "8.8.8.8", 8080, 0x02, NULL);
    run(dt, &p);
    VG_CHECK(alerted(&p, 1));
    VG_CHECK(!alerted(&p, 2));
    free_alerts(&p);
    mk_tcp(&p, "192.168.0.2", 40000, "8.8.8.8", 80, 0x02, NULL);
    run(dt, &p);
    VG_CHECK(alerted(&p, 1));
    VG_CHECK(alerted(&p, 2)); /* reverse direction of <> */
    free_alerts(&p);
    mk_tcp(&p, "8.8.8.8", 80, "192.168.0.2", 40000, 0x12, NULL);
    run(dt, &p);
    VG_CHECK(!alerted(&p, 1));
    VG_CHECK(alerted(&p, 2));
    free_alerts(&p);
    mk_tcp(&p, "192.168.0.2", 40000, "192.168.0.3", 80, 0x02, NULL);
    run(dt, &p);
    VG_CHECK(!alerted(&p, 1)); /* destination not external */
    free_alerts(&p);
    mk_tcp(&p, "1.1.1.1", 5, "2.2.2.2", 53, 0, NULL);
    p.proto = 17;
    run(dt, &p);
    VG_CHECK(!alerted(&p, 3));
    p.dp = 54;
    run(dt, &p);
    VG_CHECK(alerted(&p, 3));
    free_alerts(&p);
    vg_detect_thread_free(dt);
    vg_detect_free(de);
}

static void test_flow_and_flowbits(void)
{
    static const char *const rules[] = {
        "alert tcp any any -> any any (msg:\"check\"; flow:established,to_client; "
        "flowbits:isset,login; sid:2;)",
        "alert tcp any any -> any any (msg:\"set\"; flow:to_server; content:\"USER\"; "
        "flowbits:set,login; flowbits:noalert; sid:1;)",
        "alert tcp any any -> any any (flowbits:isset,a|login; flowbits:isnotset,never; sid:3;)",
        "alert tcp any any -> any any (flow:not_established; sid:4;)",
        "alert tcp any any -> any any (flowint:cnt,+,1; sid:5;)",
        "alert tcp any any -> any any (flowint:cnt,>,2; sid:6;)",
        NULL,
    };
    vg_detect *de = mk_rules(rules);
    vg_det_thread *dt;
    VG_CHECK_EQ(vg_detect_thread_new(de, &dt), VG_OK);
    vg_flow f;
    memset(&f, 0, sizeof(f));
    f.proto = 6;
    vg_packet p;
    mk_tcp(&p, "1.1.1.1", 1000, "2.2.2.2", 21, 0x18, "HELO");
    p.flow = &f;
    p.flags = VG_PKT_TOSERVER | VG_PKT_ESTABLISHED;
    run(dt, &p);
    VG_CHECK(!alerted(&p, 1) && !alerted(&p, 2) && !alerted(&p, 3) && !alerted(&p, 4));
    VG_CHECK(alerted(&p, 5));
    free_alerts(&p);
    /* the setter matches but logs nothing (noalert) */
    mk_tcp(&p, "1.1.1.1", 1000, "2.2.2.2", 21, 0x18, "USER bob");
    p.flow = &f;
    p.flags = VG_PKT_TOSERVER | VG_PKT_ESTABLISHED;
    p.ts.tv_sec++;
    run(dt, &p);
    VG_CHECK(!alerted(&p, 1));
    VG_CHECK(!alerted(&p, 2)); /* wrong direction */
    VG_CHECK(alerted(&p, 3));  /* set earlier in the same packet (setters run first) */
    free_alerts(&p);
    mk_tcp(&p, "2.2.2.2", 21, "1.1.1.1", 1000, 0x18, "331 ok");
    p.flow = &f;
    p.flags = VG_PKT_TOCLIENT | VG_PKT_ESTABLISHED;
    p.ts.tv_sec++;
    run(dt, &p);
    VG_CHECK(alerted(&p, 2));
    VG_CHECK(alerted(&p, 6)); /* flowint now 3 */
    free_alerts(&p);
    /* another flow has no bits */
    vg_flow g;
    memset(&g, 0, sizeof(g));
    mk_tcp(&p, "2.2.2.2", 21, "1.1.1.1", 1001, 0x18, "331 ok");
    p.flow = &g;
    p.flags = VG_PKT_TOCLIENT;
    run(dt, &p);
    VG_CHECK(!alerted(&p, 2) && !alerted(&p, 3));
    VG_CHECK(alerted(&p, 4));
    free_alerts(&p);
    vg_detect_flow_free(f.detect_state);
    vg_detect_flow_free(g.detect_state);
    vg_detect_thread_free(dt);
    vg_detect_free(de);
}

static void test_thresholds(void)
{
    static const char *const rules[] = {
        "alert tcp any any -> any any (threshold:type limit, track by_src, count 2, seconds 60; "
        "sid:1;)",
        "alert tcp any any -> any any (threshold:type threshold, track by_dst, count 3, seconds 60; "
        "sid:2;)",
        "alert tcp any any -> any any (threshold:type both, track by_rule, count 2, seconds 60; "
        "sid:3;)",
        "alert tcp any any -> any any (detection_filter:track by_src, count 2, seconds 60; sid:4;)",
        NULL,
    };
    vg_detect *de = mk_rules(rules);
    vg_det_thread *dt;
    VG_CHECK_EQ(vg_detect_thread_new(de, &dt), VG_OK);
    int counts[5] = {0};
    vg_packet p;
    for (int i = 0; i < 7; i++) {
        mk_tcp(&p, "1.1.1.1", 1000, "2.2.2.2", 80, 0x02, NULL);
        p.ts.tv_sec = 1000 + i;
        p.pcap_cnt = (uint64_t)i + 1;
        run(dt, &p);
        for (int s = 1; s <= 4; s++)
            counts[s] += alerted(&p, (uint32_t)s);
        free_alerts(&p);
    }
    VG_CHECK_EQ(counts[1], 2); /* limit: first 2 */
    VG_CHECK_EQ(counts[2], 2); /* threshold: 3rd and 6th */
    VG_CHECK_EQ(counts[3], 1); /* both: once, on the 2nd */
    VG_CHECK_EQ(counts[4], 5); /* detection_filter: 3rd..7th */
    /* a new window after `seconds` */
    mk_tcp(&p, "1.1.1.1", 1000, "2.2.2.2", 80, 0x02, NULL);
    p.ts.tv_sec = 2000;
    run(dt, &p);
    VG_CHECK(alerted(&p, 1));
    free_alerts(&p);
    /* by_src keeps sources apart */
    mk_tcp(&p, "9.9.9.9", 1000, "2.2.2.2", 80, 0x02, NULL);
    p.ts.tv_sec = 1001;
    run(dt, &p);
    VG_CHECK(alerted(&p, 1));
    free_alerts(&p);
    vg_detect_thread_free(dt);
    vg_detect_free(de);
}

static void test_threshold_config(void)
{
    char path[] = "/tmp/vg_thr_test_XXXXXX";
    int fd = mkstemp(path);
    const char *text =
        "# comment\n"
        "suppress gen_id 1, sig_id 1, track by_src, ip [10.0.0.0/8, 1.2.3.4]\n"
        "suppress gen_id 1, sig_id 2\n"
        "threshold gen_id 1, sig_id 3, type limit, track by_rule, count 1, seconds 60\n"
        "rate_filter gen_id 1, sig_id 4, track by_rule, count 10, seconds 1, new_action drop, "
        "timeout 10\n"
        "event_filter gen_id 1, sig_id 5, type limit, track by_dst, count 1, seconds 60\n";
    VG_CHECK(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
    close(fd);
    static const char *const rules[] = {
        "alert tcp any any -> any any (sid:1;)",
        "alert tcp any any -> any any (sid:2;)",
        "alert tcp any any -> any any (threshold:type limit, track by_src, count 5, seconds 60; "
        "sid:3;)",
        "alert tcp any any -> any any (flow:to_server; sid:4;)",
        NULL,
    };
    vg_detect *de = mk_de();
    char err[VG_ERRBUF_SIZE];
    VG_CHECK_EQ(vg_threshold_conf_load(de, path, err), VG_OK);
    VG_CHECK_EQ(de->nsuppress, 2);
    VG_CHECK_EQ(de->nthr_conf, 3);
    for (const char *const *r = rules; *r; r++)
        VG_CHECK_EQ(vg_detect_add_rule(de, *r, err), VG_OK);
    VG_CHECK_EQ(vg_detect_build(de, err), VG_OK);
    vg_det_thread *dt;
    VG_CHECK_EQ(vg_detect_thread_new(de, &dt), VG_OK);
    vg_packet p;
    int n3 = 0;
    for (int i = 0; i < 3; i++) {
        mk_tcp(&p, i ? "10.9.9.9" : "8.8.8.8", 1000, "2.2.2.2", 80, 0x02, NULL);
        p.ts.tv_sec = 1000 + i;
        run(dt, &p);
        VG_CHECK(alerted(&p, 1) == (i == 0));
        VG_CHECK(!alerted(&p, 2));
        n3 += alerted(&p, 3);
        free_alerts(&p);
    }
    VG_CHECK_EQ(n3, 1); /* the config's limit 1 replaced the rule's 5 */
    /* rate_filter: past 10 matches in a second, sid 4 drops (for 10 s) */
    vg_flow f;
    memset(&f, 0, sizeof(f));
    for (int i = 1; i <= 12; i++) {
        mk_tcp(&p, "1.1.1.1", 1000, "2.2.2.2", 80, 0x10, NULL);
        p.flow = &f;
        p.flags = VG_PKT_TOSERVER;
        p.ts.tv_sec = 5000;
        p.ts.tv_usec = i;
        p.pcap_cnt = 100 + (uint64_t)i;
        run(dt, &p);
        VG_CHECK(alerted(&p, 4));
        VG_CHECK_EQ((p.action & VG_ACTION_DROP) != 0, i > 10);
        free_alerts(&p);
    }
    vg_detect_flow_free(f.detect_state);
    /* errors name the line */
    FILE *fp = fopen(path, "w");
    fputs("threshold gen_id 1, sig_id 3, type bogus, track by_rule, count 1, seconds 6\n", fp);
    fclose(fp);
    de->errors_fatal = true;
    VG_CHECK(vg_threshold_conf_load(de, path, err) != VG_OK);
    VG_CHECK(strstr(err, ":1:") != NULL);
    unlink(path);
    vg_detect_thread_free(dt);
    vg_detect_free(de);
}

static void test_alert_order_and_pass(void)
{
    static const char *const rules[] = {
        "alert tcp any any -> any any (msg:\"low\"; priority:3; sid:10;)",
        "alert tcp any any -> any any (msg:\"high\"; priority:1; sid:11;)",
        "drop tcp any any -> any any (msg:\"drop\"; priority:3; sid:12;)",
        "pass tcp 5.5.5.5 any -> any any (msg:\"pass\"; sid:13;)",
        NULL,
    };
    vg_detect *de = mk_rules(rules);
    vg_det_thread *dt;
    VG_CHECK_EQ(vg_detect_thread_new(de, &dt), VG_OK);
    vg_packet p;
    mk_tcp(&p, "1.1.1.1", 1000, "2.2.2.2", 80, 0x02, NULL);
    VG_CHECK_EQ(run(dt, &p), 3);
    if (p.nalerts == 3) {
        VG_CHECK_EQ(p.alerts[0].sig->sid, 12); /* drop before alert */
        VG_CHECK_EQ(p.alerts[1].sig->sid, 11); /* then by priority */
        VG_CHECK_EQ(p.alerts[2].sig->sid, 10);
        VG_CHECK(p.alerts[0].flags & VG_ALERT_DROP);
    }
    VG_CHECK(p.action & VG_ACTION_DROP);
    free_alerts(&p);
    /* pass stops the packet and, with a flow, the flow */
    vg_flow f;
    memset(&f, 0, sizeof(f));
    mk_tcp(&p, "5.5.5.5", 1000, "2.2.2.2", 80, 0x02, NULL);
    p.flow = &f;
    p.flags = VG_PKT_TOSERVER;
    VG_CHECK_EQ(run(dt, &p), 0);
    VG_CHECK(p.action & VG_ACTION_PASS);
    VG_CHECK(f.flags & VG_FLOW_PASS);
    mk_tcp(&p, "2.2.2.2", 80, "5.5.5.5", 1000, 0x12, NULL);
    p.flow = &f;
    p.flags = VG_PKT_TOCLIENT;
    VG_CHECK_EQ(run(dt, &p), 0);
    vg_detect_flow_free(f.detect_state);
    vg_detect_thread_free(dt);
    vg_detect_free(de);
}

static void test_iponly_and_limits(void)
{
    static const char *const rules[] = {
        "alert ip 1.1.1.1 any -> any any (msg:\"ip-only\"; sid:1;)",
        "alert tcp any any -> any any (ttl:64; sid:2;)",
        NULL,
    };
    vg_detect *de = mk_rules(rules);
    VG_CHECK(vg_detect_sig_by_sid(de, 1)->flags & VG_SIG_IPONLY);
    VG_CHECK(!(vg_detect_sig_by_sid(de, 2)->flags & VG_SIG_IPONLY));
    vg_det_thread *dt;
    VG_CHECK_EQ(vg_detect_thread_new(de, &dt), VG_OK);
    vg_flow f;
    memset(&f, 0, sizeof(f));
    vg_packet p;
    int n1 = 0, n2 = 0;
    for (int i = 0; i < 3; i++) {
        mk_tcp(&p, "1.1.1.1", 1000, "2.2.2.2", 80, 0x10, NULL);
        p.flow = &f;
        p.flags = VG_PKT_TOSERVER;
        p.pcap_cnt = (uint64_t)i + 1;
        run(dt, &p);
        n1 += alerted(&p, 1);
        n2 += alerted(&p, 2);
        free_alerts(&p);
    }
    VG_CHECK_EQ(n1, 1); /* ip-only: once per flow direction */
    VG_CHECK_EQ(n2, 3);
    /* without a flow: every packet */
    mk_tcp(&p, "1.1.1.1", 1000, "2.2.2.2", 80, 0x10, NULL);
    run(dt, &p);
    VG_CHECK(alerted(&p, 1));
    free_alerts(&p);
    vg_detect_flow_free(f.detect_state);
    vg_detect_thread_free(dt);
    vg_detect_free(de);

    /* more matches than VG_PKT_MAX_ALERTS: the first ones in order are kept */
    char *many[40];
    for (int i = 0; i < 39; i++) {
        many[i] = malloc(96);
        snprintf(many[i], 96, "alert tcp any any -> any any (ttl:64; sid:%d;)", 100 + i);
    }
    many[39] = NULL;
    de = mk_rules((const char *const *)many);
    VG_CHECK_EQ(vg_detect_thread_new(de, &dt), VG_OK);
    mk_tcp(&p, "1.1.1.1", 1000, "2.2.2.2", 80, 0x10, NULL);
    VG_CHECK_EQ(run(dt, &p), VG_PKT_MAX_ALERTS);
    VG_CHECK_EQ(p.alerts_dropped, 39 - VG_PKT_MAX_ALERTS);
    VG_CHECK_EQ(p.alerts[0].sig->sid, 100);
    free_alerts(&p);
    vg_detect_thread_free(dt);
    vg_detect_free(de);
    for (int i = 0; i < 39; i++)
        free(many[i]);
}

static void test_payload_and_stream(void)
{
    static const char *const rules[] = {
        "alert tcp any any -> any any (content:\"evil\"; sid:1;)",
        "alert tcp-pkt any any -> any any (content:\"evil\"; sid:2;)",
        "alert tcp-stream any any -> any any (content:\"evil\"; sid:3;)",
        "alert tcp any any -> any any (content:\"evil\"; dsize:>0; sid:4;)",
        "alert udp any any -> any any (content:\"evil\"; nocase; sid:5;)",
        NULL,
    };
    vg_detect *de = mk_rules(rules);
    vg_det_thread *dt;
    VG_CHECK_EQ(vg_detect_thread_new(de, &dt), VG_OK);
    vg_packet p;
    /* no stream: packet payload for plain tcp sigs */
    mk_tcp(&p, "1.1.1.1", 1000, "2.2.2.2", 80, 0x18, "xx evil yy");
    run(dt, &p);
    VG_CHECK(alerted(&p, 1) && alerted(&p, 2) && !alerted(&p, 3) && alerted(&p, 4));
    free_alerts(&p);
    /* a stream chunk: plain and tcp-stream sigs match it, marked as stream */
    mk_tcp(&p, "1.1.1.1", 1000, "2.2.2.2", 80, 0x10, NULL);
    p.flags = VG_PKT_TOSERVER;
    vg_stream_chunk c = {.data = (const uint8_t *)"....evil....", .len = 12, .toserver = true};
    vg_detect_packet(dt, &p, &c);
    VG_CHECK(alerted(&p, 1) && !alerted(&p, 2) && alerted(&p, 3) && !alerted(&p, 4));
    for (int i = 0; i < p.nalerts; i++) {
        VG_CHECK(p.alerts[i].flags & VG_ALERT_STREAM);
        VG_CHECK(p.alerts[i].stream_len == 12 && p.alerts[i].stream_data &&
                 memcmp(p.alerts[i].stream_data, "....evil....", 12) == 0);
    }
    /* a further chunk for the same packet adds no duplicates */
    vg_detect_packet_chunk(dt, &p, &c);
    VG_CHECK_EQ(p.nalerts, 2);
    free_alerts(&p);
    /* udp, nocase */
    mk_tcp(&p, "1.1.1.1", 1000, "2.2.2.2", 53, 0, "EVIL");
    p.proto = 17;
    run(dt, &p);
    VG_CHECK(alerted(&p, 5) && !alerted(&p, 1));
    free_alerts(&p);
    vg_detect_thread_free(dt);
    vg_detect_free(de);
}

static void test_xbits(void)
{
    static const char *const rules[] = {
        "alert tcp any any -> any any (content:\"login\"; xbits:set,seen,track ip_src,expire 10; "
        "noalert; sid:1;)",
        "alert tcp any any -> any any (content:\"data\"; xbits:isset,seen,track ip_src; sid:2;)",
        NULL,
    };
    vg_detect *de = mk_rules(rules);
    vg_det_thread *dt;
    VG_CHECK_EQ(vg_detect_thread_new(de, &dt), VG_OK);
    vg_packet p;
    mk_tcp(&p, "1.1.1.1", 1000, "2.2.2.2", 80, 0x18, "data");
    run(dt, &p);
    VG_CHECK(!alerted(&p, 2));
    free_alerts(&p);
    mk_tcp(&p, "1.1.1.1", 1000, "2.2.2.2", 80, 0x18, "login");
    run(dt, &p);
    VG_CHECK_EQ(p.nalerts, 0);
    mk_tcp(&p, "1.1.1.1", 1001, "3.3.3.3", 80, 0x18, "data");
    p.ts.tv_sec = 1005;
    run(dt, &p);
    VG_CHECK(alerted(&p, 2)); /* another flow, same source */
    free_alerts(&p);
    mk_tcp(&p, "1.1.1.1", 1001, "3.3.3.3", 80, 0x18, "data");
    p.ts.tv_sec = 1020;
    run(dt, &p);
    VG_CHECK(!alerted(&p, 2)); /* expired */
    free_alerts(&p);
    vg_detect_thread_free(dt);
    vg_detect_free(de);
}


static void test_dsize_and_events(void)
{
    static const char *const rules[] = {
        "alert tcp any any -> any any (dsize:!9; sid:1;)",
        "alert tcp any any -> any any (dsize:<10; sid:2;)",
        "alert tcp any any -> any any (dsize:0; sid:3;)",
        "alert ip any any -> any any (decode-event:ipv4.trunc_pkt; sid:4;)",
        "alert tcp any any -> any any (stream-event:3whs_synack_in_wrong_direction; sid:5;)",
        "alert ip any any -> any any (msg:\"ip-only\"; sid:6;)",
        NULL,
    };
    vg_detect *de = mk_rules(rules);
    vg_det_thread *dt;
    VG_CHECK_EQ(vg_detect_thread_new(de, &dt), VG_OK);
    vg_packet p;
    mk_tcp(&p, "1.1.1.1", 1000, "2.2.2.2", 80, 0x02, NULL);
    run(dt, &p);
    VG_CHECK(!alerted(&p, 1)); /* dsize:!9 needs a payload, as in Suricata */
    VG_CHECK(alerted(&p, 2) && alerted(&p, 3));
    VG_CHECK(!alerted(&p, 4) && !alerted(&p, 5));
    free_alerts(&p);
    mk_tcp(&p, "1.1.1.1", 1000, "2.2.2.2", 80, 0x18, "0123456789");
    run(dt, &p);
    VG_CHECK(alerted(&p, 1) && !alerted(&p, 2) && !alerted(&p, 3));
    free_alerts(&p);
    /* decoder and stream events on the packet */
    int ev = vg_decode_event_lookup("decoder.ipv4.trunc_pkt");
    int sev = vg_stream_event_lookup("3whs_synack_in_wrong_direction");
    VG_CHECK(ev >= 0 && sev >= 0);
    mk_tcp(&p, "1.1.1.1", 1000, "2.2.2.2", 80, 0x12, NULL);
    p.events[p.nevents++] = (uint16_t)ev;
    p.stream_events[p.nstream_events++] = (uint8_t)sev;
    p.pcap_cnt = 7;
    run(dt, &p);
    VG_CHECK(alerted(&p, 4) && alerted(&p, 5));
    free_alerts(&p);
    /* a packet the decoder gave up on at L4 still meets address-only sigs;
     * a packet that is not IP meets decoder-event sigs only */
    mk_tcp(&p, "1.1.1.1", 1000, "2.2.2.2", 80, 0, NULL);
    p.l4 = NULL;
    p.flags |= VG_PKT_INVALID;
    p.pcap_cnt = 8;
    run(dt, &p);
    VG_CHECK(alerted(&p, 6));
    free_alerts(&p);
    memset(&p, 0, sizeof(p));
    p.events[p.nevents++] = (uint16_t)ev;
    p.pcap_cnt = 9;
    run(dt, &p);
    VG_CHECK(alerted(&p, 4) && !alerted(&p, 6));
    free_alerts(&p);
    vg_detect_thread_free(dt);
    vg_detect_free(de);
}

static void test_backoff_and_stream_size(void)
{
    static const char *const rules[] = {
        "alert tcp any any -> any any (ttl:64; threshold:type backoff, track by_flow, count 2, "
        "multiplier 3; sid:1;)",
        "alert tcp any any -> any any (flow:to_server; stream_size:client,>,10; sid:2;)",
        "alert tcp any any -> any any (flow:to_server; stream_size:server,=,1; sid:3;)",
        NULL,
    };
    vg_detect *de = mk_rules(rules);
    vg_det_thread *dt;
    VG_CHECK_EQ(vg_detect_thread_new(de, &dt), VG_OK);
    char err[VG_ERRBUF_SIZE];
    /* backoff needs by_flow and a multiplier */
    VG_CHECK(parse_fails("alert tcp any any -> any any (threshold:type backoff, track by_src, "
                         "count 1, multiplier 10; sid:1;)", err) != VG_OK);
    VG_CHECK(parse_fails("alert tcp any any -> any any (threshold:type backoff, track by_flow, "
                         "count 1, seconds 10; sid:1;)", err) != VG_OK);
    vg_flow f;
    memset(&f, 0, sizeof(f));
    f.proto = 6;
    vg_packet p;
    int hits[20] = {0};
    static const char data[] = "abcdefghij";
    for (int i = 1; i <= 19; i++) {
        /* client SYN, server SYN/ACK, then client data of 5 bytes each */
        if (i == 2)
            mk_tcp(&p, "2.2.2.2", 80, "1.1.1.1", 1000, 0x12, NULL);
        else
            mk_tcp(&p, "1.1.1.1", 1000, "2.2.2.2", 80, i == 1 ? 0x02 : 0x18,
                   i == 1 ? NULL : data + 5);
        p.flow = &f;
        p.flags = i == 2 ? VG_PKT_TOCLIENT : VG_PKT_TOSERVER;
        p.tcp_seq = i == 2 ? 5000 : i == 1 ? 100 : 101 + 5 * (uint32_t)(i - 3);
        p.pcap_cnt = (uint64_t)i;
        run(dt, &p);
        hits[i] = alerted(&p, 1);
        if (i == 3)
            VG_CHECK(!alerted(&p, 2)); /* SYN + 5 bytes: not yet > 10 */
        if (i == 4)
            VG_CHECK(alerted(&p, 2) && alerted(&p, 3)); /* 11; the server's SYN counts 1 */
        free_alerts(&p);
    }
    /* backoff count 2 multiplier 3: the 2nd and 6th and 18th matches */
    for (int i = 1; i <= 19; i++) {
        if (hits[i] != (i == 2 || i == 6 || i == 18))
            fprintf(stderr, "backoff: match %d alerted %d\n", i, hits[i]);
        VG_CHECK_EQ(hits[i], i == 2 || i == 6 || i == 18);
    }
    vg_detect_flow_free(f.detect_state);
    vg_detect_thread_free(dt);
    vg_detect_free(de);
}

static void test_action_order_conf(void)
{
    /* drop, alert, reject, pass: a pass ranked last keeps the alerts ranked
     * before it; a packet-level pass does not pass the flow */
    vg_detect *de;
    VG_CHECK_EQ(vg_detect_new(&de, NULL), VG_OK);
    vg_class_load_builtin(de);
    de->action_rank[1] = 0; /* drop */
    de->action_rank[0] = 1; /* alert */
    de->action_rank[2] = 2; /* reject */
    de->action_rank[3] = 3; /* pass */
    char err[VG_ERRBUF_SIZE];
    VG_CHECK_EQ(vg_detect_add_rule(de, "pass tcp any any -> any any (content:\"x\"; sid:1;)", err),
                VG_OK);
    VG_CHECK_EQ(vg_detect_add_rule(de, "drop tcp any any -> any any (content:\"x\"; sid:2;)", err),
                VG_OK);
    VG_CHECK_EQ(vg_detect_add_rule(de, "alert tcp any any -> any any (ttl:64; sid:3;)", err), VG_OK);
    VG_CHECK_EQ(vg_detect_build(de, err), VG_OK);
    vg_det_thread *dt;
    VG_CHECK_EQ(vg_detect_thread_new(de, &dt), VG_OK);
    vg_flow f;
    memset(&f, 0, sizeof(f));
    vg_packet p;
    mk_tcp(&p, "1.1.1.1", 1000, "2.2.2.2", 80, 0x18, "x");
    p.flow = &f;
    p.flags = VG_PKT_TOSERVER;
    VG_CHECK_EQ(run(dt, &p), 2);
    if (p.nalerts == 2)
        VG_CHECK(p.alerts[0].sig->sid == 2 && p.alerts[1].sig->sid == 3);
    VG_CHECK(p.action & VG_ACTION_PASS);
    VG_CHECK(!(f.flags & VG_FLOW_PASS));
    free_alerts(&p);
    vg_detect_flow_free(f.detect_state);
    vg_detect_thread_free(dt);
    vg_detect_free(de);
}

static void test_iponly_index(void)
{
    static const char *const rules[] = {
        "alert ip [1.2.3.4,5.6.7.0/24,9.9.9.9-9.9.10.1] any -> $HOME_NET any (sid:1;)",
        "alert ip $HOME_NET any -> [8.8.8.8,8.8.4.0/24] any (sid:2;)",
        "alert ip 7.7.7.7 any <> 10.0.0.1 any (sid:3;)",
        "alert ip any any -> any any (sid:4;)",
        "alert ip [2001:db8::1,1.2.3.4] any -> any any (sid:5;)",
        NULL,
    };
    vg_detect *de = mk_rules(rules);
    VG_CHECK_EQ(de->niponly, 5);
    VG_CHECK(de->niponly_rest >= 2); /* sid 3 (bidir) and sid 4 (both sides any) */
    vg_det_thread *dt;
    VG_CHECK_EQ(vg_detect_thread_new(de, &dt), VG_OK);
    static const struct { const char *src, *dst; int want[6]; } cases[] = {
        {"5.6.7.200", "10.1.1.1", {0, 1, 0, 0, 1, 0}},
        {"9.9.10.0", "192.168.1.1", {0, 1, 0, 0, 1, 0}},
        {"9.9.10.2", "192.168.1.1", {0, 0, 0, 0, 1, 0}},
        {"1.2.3.4", "8.8.8.8", {0, 0, 0, 0, 1, 1}},
        {"10.9.9.9", "8.8.4.77", {0, 0, 1, 0, 1, 0}},
        {"10.0.0.1", "7.7.7.7", {0, 0, 0, 1, 1, 0}},
        {"7.7.7.7", "10.0.0.1", {0, 0, 0, 1, 1, 0}},
        {"255.255.255.255", "0.0.0.0", {0, 0, 0, 0, 1, 0}},
    };
    for (size_t c = 0; c < VG_ARRAY_LEN(cases); c++) {
        vg_packet p;
        mk_tcp(&p, cases[c].src, 1, cases[c].dst, 2, 0x10, NULL);
        p.pcap_cnt = c + 1;
        run(dt, &p);
        for (uint32_t sid = 1; sid <= 5; sid++)
            if (alerted(&p, sid) != (cases[c].want[sid] != 0)) {
                fprintf(stderr, "case %zu sid %u: got %d\n", c, sid, alerted(&p, sid));
                VG_CHECK(0);
            }
        free_alerts(&p);
    }
    vg_detect_thread_free(dt);
    vg_detect_free(de);
}

static void test_flow_eve_metadata(void)
{
    /* set flowbits and flowints are logged on events about the flow
     * (metadata), traffic/id/ and traffic/label/ bits as "traffic" */
    static const char *const rules[] = {
        "alert tcp any any -> any any (content:\"evil\"; flowbits:set,traffic/id/evil; "
        "flowbits:set,traffic/label/bad; flowbits:set,seen; flowint:hits,+,1; sid:1;)",
        "alert tcp any any -> any any (content:\"none\"; flowbits:set,other; sid:2;)",
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
    vg_jb_open_obj(&jb, NULL);
    vg_detect_flow_eve(&f, &jb); /* no state: nothing */
    vg_jb_close_obj(&jb);
    VG_CHECK_EQ(jb.len, 2);
    vg_packet p;
    mk_tcp(&p, "1.1.1.1", 1000, "2.2.2.2", 80, 0x18, "an evil one");
    p.flow = &f;
    p.flags = VG_PKT_TOSERVER | VG_PKT_ESTABLISHED;
    for (int i = 0; i < 2; i++) {
        run(dt, &p);
        free_alerts(&p);
    }
    vg_jb_reset(&jb);
    vg_jb_open_obj(&jb, NULL);
    vg_detect_flow_eve(&f, &jb);
    vg_jb_close_obj(&jb);
    VG_CHECK_STR(jb.buf, "{\"metadata\":{\"flowbits\":[\"seen\"],\"flowints\":{\"hits\":2}},"
                         "\"traffic\":{\"id\":[\"evil\"],\"label\":[\"bad\"]}}");
    vg_jb_free(&jb);
    vg_detect_flow_free(f.detect_state);
    vg_detect_thread_free(dt);
    vg_detect_free(de);
}

static void test_icmp_both_versions(void)
{
    /* "icmp" in the header is ICMPv4 and ICMPv6, "icmpv4" only v4 (Suricata) */
    static const char *const rules[] = {
        "alert icmp any any -> any any (sid:1;)",
        "alert icmp any any -> any any (itype:8; sid:2;)",
        "alert icmpv4 any any -> any any (sid:3;)",
        "alert icmpv6 any any -> any any (sid:4;)",
        NULL,
    };
    vg_detect *de = mk_rules(rules);
    vg_det_thread *dt;
    VG_CHECK_EQ(vg_detect_thread_new(de, &dt), VG_OK);
    vg_packet p;
    mk_icmp(&p, 8, 0);
    run(dt, &p);
    VG_CHECK(alerted(&p, 1) && alerted(&p, 2) && alerted(&p, 3) && !alerted(&p, 4));
    free_alerts(&p);
    mk_icmp(&p, 8, 0);
    p.proto = 58;
    run(dt, &p);
    VG_CHECK(alerted(&p, 1) && alerted(&p, 2) && !alerted(&p, 3) && alerted(&p, 4));
    free_alerts(&p);
    mk_tcp(&p, "10.0.0.1", 1000, "8.8.8.8", 80, 0x02, NULL);
    run(dt, &p);
    VG_CHECK_EQ(p.nalerts, 0);
    free_alerts(&p);
    vg_detect_thread_free(dt);
    vg_detect_free(de);
}

static void test_tag_session_and_host(void)
{
    /* the packets after the match are tagged: 2 of the flow, then none;
     * a host tag follows the address in both directions */
    static const char *const rules[] = {
        "alert tcp any any -> any any (content:\"evil\"; tag:session,2,packets; sid:1;)",
        "alert tcp any any -> any any (content:\"host\"; tag:host,1,packets,src; sid:2;)",
        NULL,
    };
    vg_detect *de = mk_rules(rules);
    vg_det_thread *dt;
    VG_CHECK_EQ(vg_detect_thread_new(de, &dt), VG_OK);
    vg_flow f;
    memset(&f, 0, sizeof(f));
    f.proto = 6;
    static const char *const pl[] = {"x", "evil", "x", "x", "x"};
    static const bool want[] = {false, false, true, true, false};
    for (int i = 0; i < 5; i++) {
        vg_packet p;
        mk_tcp(&p, "1.1.1.1", 1000, "2.2.2.2", 80, 0x18, pl[i]);
        p.flow = &f;
        p.flags = VG_PKT_TOSERVER | VG_PKT_ESTABLISHED;
        run(dt, &p);
        VG_CHECK_EQ(!!(p.flags & VG_PKT_TAGGED), want[i]);
        free_alerts(&p);
    }
    vg_packet p;
    mk_tcp(&p, "3.3.3.3", 1000, "4.4.4.4", 80, 0x18, "host");
    run(dt, &p);
    VG_CHECK(alerted(&p, 2) && !(p.flags & VG_PKT_TAGGED));
    free_alerts(&p);
    mk_tcp(&p, "5.5.5.5", 80, "3.3.3.3", 1000, 0x18, "reply");
    run(dt, &p);
    VG_CHECK(p.flags & VG_PKT_TAGGED);
    mk_tcp(&p, "5.5.5.5", 80, "3.3.3.3", 1000, 0x18, "reply");
    run(dt, &p);
    VG_CHECK(!(p.flags & VG_PKT_TAGGED));
    vg_detect_flow_free(f.detect_state);
    vg_detect_thread_free(dt);
    vg_detect_free(de);
}

static void test_header_keyword_requires_packet(void)
{
    /* data on a SYN goes into the stream (VG_PKT_STREAM_ADD): a plain tcp
     * sig waits for the stream, one with a packet header keyword (flags,
     * ttl...) inspects the packet itself, as in Suricata */
    static const char *const rules[] = {
        "alert tcp any any -> any any (content:\"GET\"; sid:1;)",
        "alert tcp any any -> any any (flags:S; content:\"GET\"; sid:2;)",
        "alert tcp any any -> any any (ttl:64; content:\"GET\"; sid:3;)",
        NULL,
    };
    vg_detect *de = mk_rules(rules);
    vg_det_thread *dt;
    VG_CHECK_EQ(vg_detect_thread_new(de, &dt), VG_OK);
    vg_packet p;
    mk_tcp(&p, "1.1.1.1", 1000, "2.2.2.2", 80, 0x02, "GET / HTTP/1.1");
    p.flags = VG_PKT_TOSERVER | VG_PKT_STREAM_ADD;
    run(dt, &p);
    VG_CHECK(!alerted(&p, 1) && alerted(&p, 2) && alerted(&p, 3));
    free_alerts(&p);
    vg_detect_thread_free(dt);
    vg_detect_free(de);
}

static void test_stream_other_direction(void)
{
    /* in IDS mode the to-server stream chunk may come with a to-client
     * packet (the ACK): the chunk is evaluated in its own direction */
    static const char *const rules[] = {
        "alert tcp any any -> any 80 (flow:to_server; content:\"evil\"; sid:1;)",
        "alert tcp any 80 -> any any (flow:to_client; content:\"evil\"; sid:2;)",
        NULL,
    };
    vg_detect *de = mk_rules(rules);
    vg_det_thread *dt;
    VG_CHECK_EQ(vg_detect_thread_new(de, &dt), VG_OK);
    vg_flow f;
    memset(&f, 0, sizeof(f));
    f.proto = 6;
    vg_packet p;
    mk_tcp(&p, "2.2.2.2", 80, "1.1.1.1", 1000, 0x10, NULL);
    p.flow = &f;
    p.flags = VG_PKT_TOCLIENT | VG_PKT_ESTABLISHED;
    vg_stream_chunk c = {.data = (const uint8_t *)"GET /evil", .len = 9, .toserver = true};
    vg_detect_packet(dt, &p, &c);
    VG_CHECK(alerted(&p, 1) && !alerted(&p, 2));
    if (p.nalerts)
        VG_CHECK(p.alerts[0].flags & VG_ALERT_STREAM);
    free_alerts(&p);
    vg_detect_flow_free(f.detect_state);
    vg_detect_thread_free(dt);
    vg_detect_free(de);
}

static const vg_test tests[] = {
    {"addr_sets", test_addr_sets},
    {"port_sets", test_port_sets},
    {"uint", test_uint},
    {"rule_header", test_rule_header},
    {"rule_file", test_rule_file},
    {"classification_file", test_classification_file},
    {"ip_keywords", test_ip_keywords},
    {"ports_and_bidir", test_ports_and_bidir},
    {"flow_and_flowbits", test_flow_and_flowbits},
    {"thresholds", test_thresholds},
    {"threshold_config", test_threshold_config},
    {"alert_order_and_pass", test_alert_order_and_pass},
    {"iponly_and_limits", test_iponly_and_limits},
    {"payload_and_stream", test_payload_and_stream},
    {"xbits", test_xbits},
    {"stream_other_direction", test_stream_other_direction},
    {"header_keyword_requires_packet", test_header_keyword_requires_packet},
    {"tag_session_and_host", test_tag_session_and_host},
    {"icmp_both_versions", test_icmp_both_versions},
    {"flow_eve_metadata", test_flow_eve_metadata},
    {"iponly_index", test_iponly_index},
    {"dsize_and_events", test_dsize_and_events},
    {"backoff_and_stream_size", test_backoff_and_stream_size},
    {"action_order_conf", test_action_order_conf},
    {NULL, NULL},
};

VG_TEST_MAIN(tests)
