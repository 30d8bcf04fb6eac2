/* test_host.c: unit tests for the vigil host engine: XML reader, OS_Regex /
 * OS_Match / PCRE2, syslog pre-decoding, decoders, rules and correlation. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "host/hxml.h"
#include "host/osregex.h"
#include "host/ruleset.h"
#include "host/syslog_hdr.h"
#include "vg_test.h"

/* ---- XML ---- */

static void test_xml_tolerant(void)
{
    const char *x = "<!-- c -->\n<var name=\"A\">x|y</var>\n<decoder name=\"d\">\n"
                    "  <prematch>\\<log>\\.+\\</log></prematch>\n  <regex> (\\S+) </regex>\n"
                    "</decoder>\n<group name=\"g\"><rule id=\"1\" level=\"2\"/></group>";
    char eb[VG_ERRBUF_SIZE];
    vg_hxml_node *n;
    VG_CHECK_EQ(vg_hxml_parse(x, strlen(x), "t.xml", &n, eb), VG_OK);
    VG_CHECK_STR(n->name, "var");
    VG_CHECK_STR(vg_hxml_attr_get(n, "name"), "A");
    VG_CHECK_STR(n->text, "x|y");
    const vg_hxml_node *d = n->next;
    VG_CHECK_STR(d->name, "decoder");
    VG_CHECK_EQ(d->line, 3);
    VG_CHECK_STR(d->child->text, "\\<log>\\.+\\</log>");
    VG_CHECK_STR(d->child->next->text, " (\\S+) "); /* spaces kept */
    VG_CHECK_STR(d->next->child->name, "rule");
    vg_hxml_free(n);
}

static void test_xml_errors(void)
{
    char eb[VG_ERRBUF_SIZE];
    vg_hxml_node *n;
    const char *x = "<a>\n<b>text</c>\n</a>";
    VG_CHECK(vg_hxml_parse(x, strlen(x), "bad.xml", &n, eb) < 0);
    VG_CHECK(strstr(eb, "bad.xml:2:") != NULL);
    const char *y = "<a>\n<b>never closed\n";
    VG_CHECK(vg_hxml_parse(y, strlen(y), "bad.xml", &n, eb) < 0);
    VG_CHECK(strstr(eb, "never closed") != NULL);
    const char *z = "<a x=unquoted></a>";
    VG_CHECK(vg_hxml_parse(z, strlen(z), "q.xml", &n, eb) < 0);
}

/* ---- patterns ---- */

static bool m(vg_hpat_type t, const char *pat, const char *s)
{
    char eb[VG_ERRBUF_SIZE];
    vg_hpat *p;
    if (vg_hpat_compile(&p, t, pat, false, eb) < 0) {
        fprintf(stderr, "compile %s: %s\n", pat, eb);
        return false;
    }
    bool r = vg_hpat_match(p, s, strlen(s), NULL);
    vg_hpat_free(p);
    return r;
}

static void test_osmatch(void)
{
    VG_CHECK(m(VG_HPAT_OSMATCH, "failed", "Login FAILED for x"));
    VG_CHECK(m(VG_HPAT_OSMATCH, "^Login", "login failed"));
    VG_CHECK(!m(VG_HPAT_OSMATCH, "^failed", "login failed"));
    VG_CHECK(m(VG_HPAT_OSMATCH, "failed$", "login failed"));
    VG_CHECK(m(VG_HPAT_OSMATCH, "^sshd$", "sshd"));
    VG_CHECK(!m(VG_HPAT_OSMATCH, "^sshd$", "sshd2"));
    VG_CHECK(m(VG_HPAT_OSMATCH, "abc|denied", "access denied"));
    VG_CHECK(!m(VG_HPAT_OSMATCH, "abc|", "xyz")); /* empty alternative matches nothing */
    VG_CHECK(!m(VG_HPAT_OSMATCH, "!denied", "access denied"));
    VG_CHECK(m(VG_HPAT_OSMATCH, "!denied", "access granted"));
}

static void test_osregex(void)
{
    VG_CHECK(m(VG_HPAT_OSREGEX, "^\\d\\d\\d", "333 x"));
    VG_CHECK(!m(VG_HPAT_OSREGEX, "^\\d\\d\\d", "f44"));
    VG_CHECK(m(VG_HPAT_OSREGEX, "user \\w+ from \\S+$", "Invalid USER bob-1@x_y from 1.2.3.4"));
    VG_CHECK(m(VG_HPAT_OSREGEX, "a\\p+b", "a()[]b"));
    VG_CHECK(!m(VG_HPAT_OSREGEX, "a\\p+b", "axb"));
    VG_CHECK(m(VG_HPAT_OSREGEX, "^x\\s*y", "xy"));
    VG_CHECK(m(VG_HPAT_OSREGEX, "\\(x\\)", "f(x)"));
    VG_CHECK(m(VG_HPAT_OSREGEX, "\\$1|nomatch", "cost $1"));
    VG_CHECK(m(VG_HPAT_OSREGEX, "\\<tag>", "<tag>"));
    VG_CHECK(m(VG_HPAT_OSREGEX, "a.b", "a.b"));    /* '.' is literal */
    VG_CHECK(!m(VG_HPAT_OSREGEX, "a.b", "axb"));
    VG_CHECK(m(VG_HPAT_OSREGEX, "a\\.b", "axb"));  /* '\.' is any */
    VG_CHECK(m(VG_HPAT_OSREGEX, "!denied", "granted"));
    /* captures: lazy in the middle, greedy at the end */
    char eb[VG_ERRBUF_SIZE];
    vg_hpat *p;
    VG_CHECK_EQ(vg_hpat_compile(&p, VG_HPAT_OSREGEX, "^User (\\S+) from (\\S+) port (\\.+)", false, eb), VG_OK);
    const char *s = "User bob from 10.0.0.1 port 22 ssh2";
    vg_hmatch mt;
    VG_CHECK(vg_hpat_match(p, s, strlen(s), &mt));
    VG_CHECK_EQ(mt.ncaps, 3);
    VG_CHECK(mt.caps[0].len == 3 && strncmp(s + mt.caps[0].off, "bob", 3) == 0);
    VG_CHECK(mt.caps[1].len == 8 && strncmp(s + mt.caps[1].off, "10.0.0.1", 8) == 0);
    VG_CHECK(mt.caps[2].len == 7 && strncmp(s + mt.caps[2].off, "22 ssh2", 7) == 0);
    vg_hpat_free(p);
    /* alternatives number their captures separately */
    VG_CHECK_EQ(vg_hpat_compile(&p, VG_HPAT_OSREGEX, "a=(\\d+)|b=(\\w+)", false, eb), VG_OK);
    VG_CHECK(vg_hpat_match(p, "b=xyz", 5, &mt));
    VG_CHECK(mt.ncaps == 1 && mt.caps[0].off == 2 && mt.caps[0].len == 3);
    vg_hpat_free(p);
    VG_CHECK(vg_hpat_compile(&p, VG_HPAT_OSREGEX, "(a(b))", false, eb) < 0);
    VG_CHECK(vg_hpat_compile(&p, VG_HPAT_OSREGEX, "(ab", false, eb) < 0);
}

static void test_pcre2(void)
{
    VG_CHECK(m(VG_HPAT_PCRE2, "^Failed (\\S+) for", "Failed password for root"));
    VG_CHECK(!m(VG_HPAT_PCRE2, "^failed", "Failed")); /* case-sensitive */
    char eb[VG_ERRBUF_SIZE];
    vg_hpat *p;
    VG_CHECK(vg_hpat_compile(&p, VG_HPAT_PCRE2, "(unclosed", false, eb) < 0);
    VG_CHECK(strstr(eb, "PCRE2") != NULL);
    VG_CHECK_EQ(vg_hpat_compile(&p, VG_HPAT_PCRE2, "x(y)?z", true, eb), VG_OK);
    VG_CHECK(!vg_hpat_match(p, "xz", 2, NULL));   /* negated */
    VG_CHECK(vg_hpat_match(p, "ab", 2, NULL));
    vg_hpat_free(p);
    vg_hpat_thread_cleanup();
}

/* ---- syslog header ---- */

static void hdr(const char *line, const char *host, const char *prog, const char *pid, const char *msg)
{
    vg_syslog_hdr h;
    vg_syslog_predecode(line, strlen(line), &h);
    char b[256];
    snprintf(b, sizeof(b), "%.*s", (int)h.host.len, line + h.host.off);
    VG_CHECK_STR(b, host);
    snprintf(b, sizeof(b), "%.*s", (int)h.program.len, line + h.program.off);
    VG_CHECK_STR(b, prog);
    snprintf(b, sizeof(b), "%.*s", (int)h.pid.len, line + h.pid.off);
    VG_CHECK_STR(b, pid);
    VG_CHECK_STR(line + h.msg_off, msg);
}

static void test_syslog_header(void)
{
    hdr("Feb  9 11:44:56 srv sshd[1234]: error: x", "srv", "sshd", "1234", "error: x");
    hdr("Feb 9 11:44:56 srv su: x to y", "srv", "su", "", "x to y");
    hdr("2013-10-30T14:51:21.901728+01:00 srv sshd[12664]: Postponed", "srv", "sshd", "12664", "Postponed");
    hdr("2020-03-23 06:47:42.801612-0700  localhost sshd[3186]: error", "localhost", "sshd", "3186", "error");
    hdr("<38>1 2019-07-08T17:40:16.954167-04:00 h.example.com sshd 57915 - - Failed x", "h.example.com",
        "sshd", "57915", "Failed x");
    hdr("<38>1 2019-07-08T17:40:17Z h sshd 5 - [a b=\"]\"][c] msg", "h", "sshd", "5", "msg");
    hdr("<13>Feb  9 11:44:56 srv cron[1]: job", "srv", "cron", "1", "job");
    hdr("Jan 04 22:51:57 server proftpd[26169] server.example.net: Fatal", "server", "proftpd", "26169",
        "server.example.net: Fatal");
    /* no header */
    hdr("2017-01-23 03:44:14 dovecot_login authenticator failed", "", "", "", "2017-01-23 03:44:14 dovecot_login authenticator failed");
    hdr("type=SYSCALL msg=audit(1:2): x", "", "", "", "type=SYSCALL msg=audit(1:2): x");
    hdr("Feb  9 11:44:56", "", "", "", "Feb  9 11:44:56");
    hdr("<999>junk", "", "", "", "<999>junk");
    vg_syslog_hdr h;
    const char *l = "Feb  9 11:44:56 srv sshd[1]: x";
    vg_syslog_predecode(l, strlen(l), &h);
    VG_CHECK(vg_syslog_time(l, &h, 2024) > 1.7e9);
}

/* ---- ruleset ---- */

static char tmpdir[64];

static void writef(const char *rel, const char *text)
{
    char p[256];
    snprintf(p, sizeof(p), "%s/%s", tmpdir, rel);
    FILE *f = fopen(p, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

static const char *DEC =
    "<decoder name=\"sshd\">\n  <program_name>^sshd</program_name>\n</decoder>\n"
    "<decoder name=\"sshd-fail\">\n  <parent>sshd</parent>\n  <prematch>^Failed </prematch>\n"
    "  <regex offset=\"after_prematch\">^\\S+ for (\\S+) from (\\S+) port</regex>\n"
    "  <order>user, srcip</order>\n</decoder>\n"
    "<decoder name=\"sshd-ok\">\n  <parent>sshd</parent>\n  <prematch>^Accepted </prematch>\n"
    "  <regex type=\"pcre2\">for (\\S+) from (\\S+)</regex>\n  <order>user, srcip</order>\n</decoder>\n"
    "<decoder name=\"json\">\n  <prematch>^{</prematch>\n  <plugin_decoder>JSON_Decoder</plugin_decoder>\n</decoder>\n";

static const char *RULES =
    "<var name=\"BAD\">evil|worse</var>\n"
    "<group name=\"syslog,sshd,\">\n"
    "  <rule id=\"100\" level=\"0\"><decoded_as>sshd</decoded_as><description>sshd</description></rule>\n"
    "  <rule id=\"101\" level=\"5\"><if_sid>100</if_sid><match>Failed</match>\n"
    "    <description>fail $(user) from $(srcip)</description><group>authentication_failed,</group>\n"
    "    <mitre><id>T1110</id></mitre></rule>\n"
    "  <rule id=\"102\" level=\"10\" frequency=\"4\" timeframe=\"60\">\n"
    "    <if_matched_sid>101</if_matched_sid><same_source_ip />\n"
    "    <description>brute force from $(srcip)</description></rule>\n"
    "  <rule id=\"103\" level=\"3\"><if_sid>100</if_sid><match>Accepted</match><description>ok</description></rule>\n"
    "  <rule id=\"104\" level=\"12\"><if_sid>103</if_sid>\n"
    "    <list field=\"srcip\" lookup=\"address_match_key\">etc/lists/bad-ips</list>\n"
    "    <description>login from a listed address</description></rule>\n"
    "  <rule id=\"105\" level=\"4\"><if_sid>100</if_sid><match>$BAD</match><description>bad words</description></rule>\n"
    "  <rule id=\"106\" level=\"7\"><if_sid>101</if_sid><user>^root$</user>"
    "    <srcip>!10.0.0.0/8</srcip><description>root from outside</description></rule>\n"
    "</group>\n"
    "<group name=\"ossec,\">\n"
    "  <rule id=\"7\" level=\"0\"><category>ossec</category><description>template</description></rule>\n"
    "  <rule id=\"300\" level=\"0\"><category>ossec</category><decoded_as>windows_eventchannel</decoded_as>\n"
    "    <field name=\"win.system.providerName\">\\.+</field><description>win</description></rule>\n"
    "  <rule id=\"301\" level=\"8\"><if_sid>300</if_sid><field name=\"win.system.eventID\">^4625$</field>\n"
    "    <description>logon failure</description></rule>\n"
    "</group>\n"
    "<group name=\"json,\">\n"
    "  <rule id=\"200\" level=\"0\"><decoded_as>json</decoded_as><description>json</description></rule>\n"
    "  <rule id=\"201\" level=\"6\"><if_sid>200</if_sid><field name=\"a.b\">^x\\d+$</field>\n"
    "    <field name=\"n\" type=\"pcre2\">^4\\d$</field><description>json $(a.b)</description></rule>\n"
    "</group>\n";

static vg_hruleset *load(void)
{
    vg_hruleset *rs = NULL;
    char eb[VG_ERRBUF_SIZE];
    if (vg_hruleset_new(&rs) < 0)
        return NULL;
    vg_hruleset_set_warn(rs, NULL, NULL);
    if (vg_hruleset_load_dir(rs, tmpdir, eb) < 0 || vg_hruleset_finish(rs, eb) < 0) {
        fprintf(stderr, "load: %s\n", eb);
        vg_hruleset_free(rs);
        return NULL;
    }
    return rs;
}

static const vg_hevent *feed(vg_hsession *s, const char *line, double t)
{
    return vg_hsession_process(s, line, strlen(line), "test", t);
}

static void test_rules_basic(void)
{
    vg_hruleset *rs = load();
    VG_CHECK(rs != NULL);
    if (!rs)
        return;
    VG_CHECK_EQ(vg_hruleset_errors(rs), 0);
    vg_hsession *s;
    VG_CHECK_EQ(vg_hsession_new(&s, rs), VG_OK);
    const vg_hevent *e = feed(s, "Feb  9 11:44:56 srv sshd[1]: Failed password for bob from 1.2.3.4 port 22 ssh2", 1000);
    VG_CHECK_STR(vg_hevent_decoder(e), "sshd");
    VG_CHECK_STR(vg_hevent_get(e, "srcip"), "1.2.3.4");
    VG_CHECK_STR(vg_hevent_get(e, "dstuser"), "bob");
    VG_CHECK_EQ(vg_hevent_rule_id(e), 101);
    VG_CHECK_STR(vg_hevent_rule_description(e), "fail bob from 1.2.3.4");
    VG_CHECK(vg_hevent_alerts(e));
    VG_CHECK_EQ(vg_hevent_rule_nmitre(e), 1);
    e = feed(s, "Feb  9 11:44:57 srv sshd[1]: Failed password for root from 8.8.8.8 port 22 ssh2", 1001);
    VG_CHECK_EQ(vg_hevent_rule_id(e), 106);
    e = feed(s, "Feb  9 11:44:57 srv sshd[1]: Failed password for root from 10.1.1.1 port 22 ssh2", 1002);
    VG_CHECK_EQ(vg_hevent_rule_id(e), 101); /* 10/8 excluded by 106 */
    e = feed(s, "Feb  9 11:44:58 srv sshd[1]: something evil happened", 1003);
    VG_CHECK_EQ(vg_hevent_rule_id(e), 105);
    e = feed(s, "Feb  9 11:44:59 srv sshd[1]: nothing", 1004);
    VG_CHECK_EQ(vg_hevent_rule_id(e), 100);
    VG_CHECK(!vg_hevent_alerts(e));
    e = feed(s, "Feb  9 11:44:59 srv cron[1]: nothing", 1005);
    VG_CHECK(vg_hevent_decoder(e) == NULL);
    VG_CHECK(!vg_hevent_has_rule(e));
    e = feed(s, "{\"a\":{\"b\":\"x12\"},\"n\":42,\"t\":true,\"z\":null}", 1006);
    VG_CHECK_STR(vg_hevent_decoder(e), "json");
    VG_CHECK_EQ(vg_hevent_rule_id(e), 201);
    VG_CHECK_STR(vg_hevent_get(e, "t"), "true");
    VG_CHECK(vg_hevent_get(e, "z") == NULL);
    VG_CHECK_STR(vg_hevent_rule_description(e), "json x12");
    vg_jb jb;
    vg_jb_init(&jb);
    vg_jb_open_obj(&jb, NULL);
    vg_hevent_to_json(e, &jb);
    vg_jb_close_obj(&jb);
    VG_CHECK(vg_jb_ok(&jb) && strstr(jb.buf, "\"rule\":{\"id\":201") != NULL);
    vg_jb_free(&jb);
    /* Windows EventChannel records (JSON with win.system.*) answer to
     * decoded_as windows_eventchannel and category ossec, as in Wazuh */
    e = feed(s, "{\"win\":{\"system\":{\"providerName\":\"Microsoft-Windows-Security-Auditing\",\"eventID\":\"4625\"}}}", 1007);
    VG_CHECK_STR(vg_hevent_decoder(e), "json");
    VG_CHECK_EQ(vg_hevent_rule_id(e), 301);

    vg_hsession_free(s);
    vg_hruleset_free(rs);
}

static void test_rules_frequency_and_lists(void)
{
    vg_hruleset *rs = load();
    if (!rs)
        return;
    vg_hsession *s;
    VG_CHECK_EQ(vg_hsession_new(&s, rs), VG_OK);
    const vg_hevent *e = NULL;
    /* 4 failures from one address within 60 s: the 4th is brute force */
    for (int i = 0; i < 4; i++) {
        e = feed(s, "Feb  9 11:44:56 srv sshd[1]: Failed password for bob from 1.2.3.4 port 22 ssh2", 100 + i);
        if (i < 3)
            VG_CHECK_EQ(vg_hevent_rule_id(e), 101);
    }
    VG_CHECK_EQ(vg_hevent_rule_id(e), 102);
    VG_CHECK_EQ(vg_hevent_rule_level(e), 10);
    /* the used events are spent: the next one starts counting again */
    e = feed(s, "Feb  9 11:44:56 srv sshd[1]: Failed password for bob from 1.2.3.4 port 22 ssh2", 105);
    VG_CHECK_EQ(vg_hevent_rule_id(e), 101);
    /* other addresses do not add up */
    for (int i = 0; i < 3; i++) {
        char l[160];
        snprintf(l, sizeof(l), "Feb  9 11:44:56 srv sshd[1]: Failed password for bob from 5.5.5.%d port 22 ssh2", i);
        e = feed(s, l, 110 + i);
        VG_CHECK_EQ(vg_hevent_rule_id(e), 101);
    }
    /* outside the timeframe nothing correlates */
    for (int i = 0; i < 4; i++)
        e = feed(s, "Feb  9 11:44:56 srv sshd[1]: Failed password for bob from 7.7.7.7 port 22 ssh2", 1000 + 100.0 * i);
    VG_CHECK_EQ(vg_hevent_rule_id(e), 101);
    /* address list with network prefixes */
    e = feed(s, "Feb  9 11:44:56 srv sshd[1]: Accepted password for bob from 203.0.113.9 port 22 ssh2", 2000);
    VG_CHECK_EQ(vg_hevent_rule_id(e), 104);
    e = feed(s, "Feb  9 11:44:56 srv sshd[1]: Accepted password for bob from 198.51.100.9 port 22 ssh2", 2001);
    VG_CHECK_EQ(vg_hevent_rule_id(e), 103);
    vg_hsession_free(s);
    vg_hruleset_free(rs);
}

static int nwarn;
static char lastwarn[512];
static void count_warn(void *ctx, const char *msg)
{
    (void)ctx;
    nwarn++;
    snprintf(lastwarn, sizeof(lastwarn), "%s", msg);
}

static void test_rule_errors(void)
{
    char p[256];
    snprintf(p, sizeof(p), "%s/bad_rules.xml", tmpdir);
    FILE *f = fopen(p, "w");
    if (!f)
        return;
    fputs("<group name=\"x\">\n<rule id=\"900\" level=\"3\">\n  <regex>(unclosed</regex>\n</rule>\n"
          "<rule id=\"901\" level=\"3\">\n  <bogus>1</bogus>\n</rule>\n</group>\n", f);
    fclose(f);
    vg_hruleset *rs;
    char eb[VG_ERRBUF_SIZE];
    VG_CHECK_EQ(vg_hruleset_new(&rs), VG_OK);
    nwarn = 0;
    vg_hruleset_set_warn(rs, count_warn, NULL);
    VG_CHECK_EQ(vg_hruleset_load_rules(rs, p, eb), VG_OK);
    VG_CHECK_EQ(vg_hruleset_errors(rs), 2);
    VG_CHECK(strstr(lastwarn, "bad_rules.xml:6:") != NULL && strstr(lastwarn, "bogus") != NULL);
    vg_hruleset_free(rs);
    unlink(p);
}

static void test_overwrite(void)
{
    char p[256];
    snprintf(p, sizeof(p), "%s/zz_local_rules.xml", tmpdir);
    FILE *f = fopen(p, "w");
    if (!f)
        return;
    fputs("<group name=\"local\">\n<rule id=\"101\" level=\"9\" overwrite=\"yes\">\n"
          "  <if_sid>100</if_sid><match>Failed</match><description>local</description>\n</rule>\n</group>\n", f);
    fclose(f);
    vg_hruleset *rs = load();
    if (rs) {
        vg_hsession *s;
        VG_CHECK_EQ(vg_hsession_new(&s, rs), VG_OK);
        const vg_hevent *e = feed(s, "Feb  9 11:44:56 srv sshd[1]: Failed password for bob from 1.2.3.4 port 22 ssh2", 1);
        VG_CHECK_EQ(vg_hevent_rule_id(e), 101);
        VG_CHECK_EQ(vg_hevent_rule_level(e), 9);
        vg_hsession_free(s);
        vg_hruleset_free(rs);
    }
    unlink(p);
}

static const vg_test tests[] = {
    {"xml_tolerant", test_xml_tolerant},
    {"xml_errors", test_xml_errors},
    {"osmatch", test_osmatch},
    {"osregex", test_osregex},
    {"pcre2", test_pcre2},
    {"syslog_header", test_syslog_header},
    {"rules_basic", test_rules_basic},
    {"rules_frequency_and_lists", test_rules_frequency_and_lists},
    {"rule_errors", test_rule_errors},
    {"overwrite", test_overwrite},
    {NULL, NULL},
};

int run(int argc, char **argv);

int main(int argc, char **argv)
{
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/vg_host_test.XXXXXX");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    char p[256];
    snprintf(p, sizeof(p), "%s/lists", tmpdir);
    mkdir(p, 0700);
    writef("decoders.xml", DEC);
    writef("rules.xml", RULES);
    writef("lists/bad-ips", "203.0.113:\n192.0.2.1:scanner\n");
    int rc = run(argc, argv);
    writef("decoders.xml", "");
    const char *files[] = {"decoders.xml", "rules.xml", "lists/bad-ips"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(p, sizeof(p), "%s/%s", tmpdir, files[i]);
        unlink(p);
    }
    snprintf(p, sizeof(p), "%s/lists", tmpdir);
    rmdir(p);
    rmdir(tmpdir);
    return rc;
}

#define main run
VG_TEST_MAIN(tests)
