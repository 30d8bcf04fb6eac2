/*
 * Unit tests for src/net/payload: keyword parsing, the inspection engine
 * (relative matching, backtracking, negation, isdataat, pcre, byte_*,
 * base64, header buffers, the step budget), fast pattern selection and the
 * Hyperscan prefilter.  Expected outcomes come from Suricata's documented
 * examples (payload keywords, fast pattern) and from the suricata-verify
 * cases named in the test names.
 */
#include <stdlib.h>
#include <string.h>

#include "net/payload/payload_int.h"
#include "pl_parse.h"
#include "unit/vg_test.h"

#define PARSE_FAIL (-99)

/* Parse opts into a fresh sig and inspect the payload list over buf. */
static int match_n(const char *opts, const void *buf, uint32_t len)
{
    vg_sig s = { 0 };
    char err[VG_ERRBUF_SIZE] = "";
    if (pl_parse_options(&s, opts, false, err) != VG_OK) {
        fprintf(stderr, "parse failed: %s: %s\n", opts, err);
        pl_sig_clear(&s);
        return PARSE_FAIL;
    }
    vg_inspect_ctx ic = { 0 };
    int r = 0;
    for (unsigned i = 0; i < s.nbufs; i++)
        if (s.bufs[i].id == VG_BUF_PAYLOAD)
            r = vg_payload_inspect(&ic, &s, &s.bufs[i], buf, len);
    vg_inspect_ctx_release(&ic);
    pl_sig_clear(&s);
    return r;
}

static int match(const char *opts, const char *str)
{
    return match_n(opts, str, (uint32_t)strlen(str));
}

/* 1 when opts fail to parse (with the expected result code when rc != 0). */
static int parse_fails(const char *opts, int rc)
{
    vg_sig s = { 0 };
    char err[VG_ERRBUF_SIZE] = "";
    int r = pl_parse_options(&s, opts, false, err);
    pl_sig_clear(&s);
    if (r == VG_OK)
        return 0;
    if (!err[0])
        return 0; /* an error must say why */
    return rc == 0 || r == rc;
}

static void content_basic_hex_escapes(void)
{
    VG_CHECK_EQ(match("content:\"abc\";", "xxabcxx"), 1);
    VG_CHECK_EQ(match("content:\"abd\";", "xxabcxx"), 0);
    VG_CHECK_EQ(match("content:\"ABC\";", "xxabcxx"), 0);
    VG_CHECK_EQ(match("content:\"ABC\"; nocase;", "xxabcxx"), 1);
    VG_CHECK_EQ(match("content:\"a|0D|bc\";", "xa\rbcx"), 1);
    VG_CHECK_EQ(match("content:\"|61 0D 62 63|\";", "xa\rbcx"), 1);
    VG_CHECK_EQ(match("content:\"a|0D|b|63|\";", "xa\rbcx"), 1);
    VG_CHECK_EQ(match("content:\"http|3A|//\";", "see http://x"), 1);
    VG_CHECK_EQ(match("content:\"a\\;b\";", "a;b"), 1);
    VG_CHECK_EQ(match("content:\"q\\\"q\";", "q\"q"), 1);
    VG_CHECK_EQ(match_n("content:\"|00 ff|\";", "a\0\xff", 3), 1);
    VG_CHECK_EQ(match("content:!\"abc\";", "xxabx"), 1);
    VG_CHECK_EQ(match("content: !\"abc\";", "xxabcx"), 0);
    VG_CHECK(parse_fails("content:\"|0|\";", VG_EINVAL));
    VG_CHECK(parse_fails("content:\"|zz|\";", VG_EINVAL));
    VG_CHECK(parse_fails("content:\"|41\";", VG_EINVAL));
    VG_CHECK(parse_fails("content:\"\";", VG_EINVAL));
    VG_CHECK(parse_fails("content:\"abc;", VG_EINVAL));
    VG_CHECK(parse_fails("content:\"a\\qb\";", VG_EINVAL));
    VG_CHECK(parse_fails("nocase;", VG_EINVAL));
    /* a modifier reaches the rule's newest content in any buffer (Suricata) */
    VG_CHECK_EQ(match("content:\"abc\"; tcp.hdr; nocase;", "xxABCxx"), 1);
    VG_CHECK_EQ(match("content:\"abc\"; isdataat:1,relative; nocase;", "xxABCxx"), 1);
    VG_CHECK(parse_fails("content:\"a\"; nocase; nocase;", VG_EINVAL));
}

static void nocase_offsets_and_long_buffers(void)
{
    VG_CHECK_EQ(match("content:\"a\"; content:\"XyZ\"; nocase; distance:2; within:3;", "a--xYz"), 1);
    VG_CHECK_EQ(match("content:\"a\"; content:\"XyZ\"; nocase; distance:3; within:3;", "a--xYz"), 0);
    VG_CHECK_EQ(match("content:\"HOST\"; nocase; offset:2; depth:4;", "..host"), 1);
    VG_CHECK_EQ(match("content:\"HOST\"; nocase; offset:3;", "..host"), 0);
    /* a long run of near-matches stays linear: 1 MB of 'a' vs "a...ab" */
    uint32_t n = 1u << 20;
    char *big = malloc(n);
    memset(big, 'A', n);
    char rule[600] = "content:\"";
    memset(rule + 9, 'a', 255);
    strcpy(rule + 9 + 255, "b\"; nocase;");
    VG_CHECK_EQ(match_n(rule, big, n), 0);
    big[n - 1] = 'B';
    VG_CHECK_EQ(match_n(rule, big, n), 1);
    free(big);
}

static void depth_offset_startswith(void)
{
    /* docs: offset:3; depth:3 checks bytes 3..5 */
    VG_CHECK_EQ(match("content:\"def\"; offset:3; depth:3;", "abcdefgh"), 1);
    VG_CHECK_EQ(match("content:\"def\"; offset:3; depth:3;", "abcxdefg"), 0);
    VG_CHECK_EQ(match("content:\"abc\"; depth:3;", "abcdef"), 1);
    VG_CHECK_EQ(match("content:\"bcd\"; depth:3;", "abcdef"), 0);
    VG_CHECK_EQ(match("content:\"cd\"; offset:2;", "abcdef"), 1);
    VG_CHECK_EQ(match("content:\"cd\"; offset:3;", "abcdef"), 0);
    VG_CHECK_EQ(match("content:\"GET|20|\"; startswith;", "GET /index"), 1);
    VG_CHECK_EQ(match("content:\"GET|20|\"; startswith;", " GET /index"), 0);
    VG_CHECK(parse_fails("content:\"abcd\"; depth:3;", VG_EINVAL));
    VG_CHECK(parse_fails("content:\"a\"; depth:3; depth:4;", VG_EINVAL));
    VG_CHECK(parse_fails("content:\"a\"; depth:3; distance:1;", VG_EINVAL));
    VG_CHECK(parse_fails("content:\"a\"; within:3; offset:1;", VG_EINVAL));
    VG_CHECK(parse_fails("content:\"a\"; startswith; depth:5;", VG_EINVAL));
    VG_CHECK(parse_fails("content:\"a\"; offset:-1;", VG_EINVAL));
}

static void distance_within(void)
{
    /* alert-distance-within-1 */
    const char *r = "content:\"AllWorkAndNoPlayMakesWill\"; content:\"DullBoy\"; distance:1; "
                    "within:7;";
    VG_CHECK_EQ(match(r, "AllWorkAndNoPlayMakesWill DullBoy"), 1);
    VG_CHECK_EQ(match(r, "AllWorkAndNoPlayMakesWillDullBoy"), 0);
    VG_CHECK_EQ(match(r, "AllWorkAndNoPlayMakesWill  DullBoy"), 0);
    /* negative distance can look back over the previous match */
    VG_CHECK_EQ(match("content:\"bcd\"; content:\"ab\"; distance:-4; within:2;", "abcd"), 1);
    VG_CHECK_EQ(match("content:\"bcd\"; content:\"ab\"; distance:-3; within:2;", "abcd"), 0);
    /* relative on the first content is relative to the buffer start:
     * bug-docs-5030 (distance:9; within:29; endswith on 35 vs 39 bytes) */
    const char *d = "content:\"yYYYYYYYYYYYYYYYY\"; distance:9; within:29; endswith;";
    char p35[36], p39[40];
    memset(p35, 'x', 18);
    memcpy(p35 + 18, "yYYYYYYYYYYYYYYYY", 17);
    memset(p39, 'x', 22);
    memcpy(p39 + 22, "yYYYYYYYYYYYYYYYY", 17);
    VG_CHECK_EQ(match_n(d, p35, 35), 1);
    VG_CHECK_EQ(match_n(d, p39, 39), 0);
    VG_CHECK(parse_fails("content:\"abcd\"; content:\"abc\"; within:2;", VG_EINVAL));
    VG_CHECK(parse_fails("content:\"a\"; content:\"b\"; within:0;", VG_EINVAL));
    VG_CHECK(parse_fails("content:\"a\"; content:\"b\"; distance:2000000;", VG_EINVAL));
}

static void backtracking(void)
{
    /* the first "ab" has no X right after it; the second does */
    VG_CHECK_EQ(match("content:\"ab\"; content:\"X\"; distance:0; within:1;", "abYabX"), 1);
    VG_CHECK_EQ(match("content:\"ab\"; content:\"X\"; distance:0; within:1;", "abYabY"), 0);
    /* pcre/R after a content retries the content too */
    VG_CHECK_EQ(match("content:\"k=\"; pcre:\"/^[0-9]+;/R\";", "k=a; k=12;"), 1);
    VG_CHECK_EQ(match("content:\"k=\"; pcre:\"/^[0-9]+;/R\";", "k=a; k=b;"), 0);
    /* byte_test,relative retries the previous content */
    VG_CHECK_EQ(match_n("content:\"T\"; byte_test:1,=,7,0,relative;", "T\x01T\x07", 4), 1);
    /* three levels */
    VG_CHECK_EQ(match("content:\"a\"; content:\"b\"; within:1; content:\"c\"; within:1;",
                      "ab ab abc"), 1);
    /* a negated relative content that fails is retried at the anchor's next
     * occurrence (Suricata 8, UriTestSig21) */
    const char *neg = "content:\"fix\"; content:\"this\"; within:6; content:!\"and\"; distance:0;";
    VG_CHECK_EQ(match(neg, "/we_need_to_fix_this_and_yes_fix_this_now"), 1);
    VG_CHECK_EQ(match(neg, "/we_need_to_fix_this_and_yes_fix_this_and"), 0);
}

static void negation_docs_firefox(void)
{
    const char *r = "content:\"User-Agent|3A| Mozilla/5.0 |28|Windows|3B| \"; "
                    "content:\"Firefox/3.\"; distance:0; content:!\"Firefox/3.6.13\"; "
                    "distance:-10;";
    VG_CHECK_EQ(match(r, "User-Agent: Mozilla/5.0 (Windows; U) Firefox/3.6.12\r\n"), 1);
    VG_CHECK_EQ(match(r, "User-Agent: Mozilla/5.0 (Windows; U) Firefox/3.6.13\r\n"), 0);
    VG_CHECK_EQ(match(r, "User-Agent: Mozilla/5.0 (Windows; U) Chrome/3.6.13\r\n"), 0);
}

static void bug_7390_distance_var(void)
{
    const char *r1 = "content:\"Authorization:\"; content:\"5f71ycy\"; distance:0; "
                     "byte_extract:1,0,option_len,string,relative; content:!\"|38|\"; "
                     "distance:option_len; within:1; content:\"|37|\"; distance:-1; within:1; "
                     "content:\"|49|\"; distance:option_len; within:1;";
    const char *r2 = "content:\"Authorization:\"; content:\"5f71ycy\"; distance:0; "
                     "byte_extract:1,0,option_len,string,relative; content:!\"|38|\"; "
                     "distance:7; within:1; content:\"|37|\"; distance:-1; within:1; "
                     "content:\"|49|\"; distance:option_len; within:1;";
    VG_CHECK_EQ(match(r1, "Authorization: 5f71ycy7abcdefgIxyz"), 1);
    VG_CHECK_EQ(match(r2, "Authorization: 5f71ycy7abcdefgIxyz"), 1);
    VG_CHECK_EQ(match(r1, "Authorization: 5f71ycy7abcdefg8xyz"), 0);
    VG_CHECK(parse_fails("content:\"a\"; content:\"b\"; distance:nosuchvar;", VG_EINVAL));
}

static void isdataat_docs_table(void)
{
    const char *p = "abcdefgh";
    VG_CHECK_EQ(match("isdataat:7;", p), 1);
    VG_CHECK_EQ(match("isdataat:8;", p), 0);
    VG_CHECK_EQ(match("isdataat:7,relative;", p), 1);
    VG_CHECK_EQ(match("isdataat:8,relative;", p), 1);
    VG_CHECK_EQ(match("isdataat:9,relative;", p), 0);
    VG_CHECK_EQ(match("content:\"c\"; isdataat:4,relative;", p), 1);
    VG_CHECK_EQ(match("content:\"c\"; isdataat:5,relative;", p), 1);
    VG_CHECK_EQ(match("content:\"c\"; isdataat:6,relative;", p), 0);
    VG_CHECK_EQ(match("content:\"c\"; isdataat:!6,relative;", p), 1);
    VG_CHECK_EQ(match("isdataat:!8;", p), 1);
    VG_CHECK_EQ(match("isdataat:!7;", p), 0);
    VG_CHECK_EQ(match("content:\"h\"; isdataat:!1,relative;", p), 1);
    VG_CHECK_EQ(match("isdataat:2,relative,rawbytes;", p), 1);
    VG_CHECK(parse_fails("isdataat:1,sideways;", VG_EINVAL));
}

static void endswith_tcp_5379(void)
{
    VG_CHECK_EQ(match("content:\"AAA\"; endswith;", "xxAAAyyAAA"), 1);
    VG_CHECK_EQ(match("content:\"DDD\"; endswith;", "xxDDDyyAAA"), 0);
    VG_CHECK_EQ(match("content:\".php\"; endswith;", "/a.php"), 1);
    VG_CHECK_EQ(match("content:!\".php\"; endswith;", "/a.php"), 0);
    VG_CHECK_EQ(match("content:!\".php\"; endswith;", "/a.php?x"), 1);
}

static void pcre_modifiers(void)
{
    VG_CHECK_EQ(match("pcre:\"/NICK .*USA.*[0-9]{3,}/i\";", "nick bob_usa_123"), 1);
    VG_CHECK_EQ(match("pcre:\"/NICK .*USA.*[0-9]{3,}/\";", "nick bob_usa_123"), 0);
    VG_CHECK_EQ(match("content:\"abc\"; pcre:\"/^def/R\";", "abcdef"), 1);
    VG_CHECK_EQ(match("content:\"abc\"; pcre:\"/^def/R\";", "abcxdef"), 0);
    VG_CHECK_EQ(match("content:\"abc\"; pcre:\"/^def/\";", "abcdef"), 0);
    VG_CHECK_EQ(match("pcre:!\"/evil/\";", "all good"), 1);
    VG_CHECK_EQ(match("pcre:!\"/evil/\";", "so evil"), 0);
    VG_CHECK_EQ(match("pcre:\"/a.b/s\";", "a\nb"), 1);
    VG_CHECK_EQ(match("pcre:\"/a.b/\";", "a\nb"), 0);
    VG_CHECK_EQ(match("pcre:\"/^b/m\";", "a\nb"), 1);
    VG_CHECK_EQ(match("pcre:\"/b/A\";", "ab"), 0);
    VG_CHECK_EQ(match("pcre:\"/a b/x\";", "ab"), 1);
    VG_CHECK_EQ(match("pcre:\"/x$/E\";", "x\n"), 0);
    VG_CHECK_EQ(match("pcre:\"/x$/\";", "x\n"), 1);
    /* after pcre/R, the cursor is the end of the regex match */
    VG_CHECK_EQ(match("pcre:\"/id=[0-9]+/\"; content:\"&\"; distance:0; within:1;", "id=42&"), 1);
    VG_CHECK_EQ(match("pcre:\"/ab/BO\";", "xab"), 1);
    VG_CHECK(parse_fails("pcre:\"/a/U\";", VG_ENOTSUP));
    VG_CHECK(parse_fails("pcre:\"/a/q\";", VG_EINVAL));
    VG_CHECK(parse_fails("pcre:\"/(a/\";", VG_EINVAL));
    VG_CHECK(parse_fails("pcre:\"abc\";", VG_EINVAL));
    /* capture into variables: a list item needs its group */
    VG_CHECK(parse_fails("pcre:\"/a/i, flow:x\";", VG_EINVAL));
    VG_CHECK(parse_fails("pcre:\"/(a)/i, alert:x\";", VG_ENOTSUP));
}

/* A capturing pcre keeps the groups of its last match, in capture order
 * (named flow_/pkt_ groups by position, then the list after the flags). */
static void pcre_captures(void)
{
    vg_sig s = { 0 };
    char err[VG_ERRBUF_SIZE] = "";
    /* the content retries: the captures are those of the path that matched */
    const char *opts = "content:\"k=\"; pcre:\"/^(?P<flow_b>\\w)(?P<pkt_a>\\w)(\\w)?/R, "
                       "flow:x, flow:y, flow:z\"; content:\"!\"; distance:0; within:1;";
    VG_CHECK_EQ(pl_parse_options(&s, opts, false, err), VG_OK);
    vg_inspect_ctx ic = { 0 };
    const char *buf = "k=ab. k=cd!";
    VG_CHECK_EQ(vg_payload_inspect(&ic, &s, &s.bufs[0], (const uint8_t *)buf, 11), 1);
    const vg_sm *sm = s.bufs[0].head->next; /* the pcre */
    const uint8_t *v;
    uint32_t n;
    VG_CHECK_EQ(vg_pcre_caps_get(&ic, sm->ctx, 0, &v, &n), 1);
    VG_CHECK(n == 1 && v[0] == 'c');
    VG_CHECK_EQ(vg_pcre_caps_get(&ic, sm->ctx, 1, &v, &n), 1);
    VG_CHECK(n == 1 && v[0] == 'd');
    VG_CHECK_EQ(vg_pcre_caps_get(&ic, sm->ctx, 2, &v, &n), 1); /* list item 1: group 1 */
    VG_CHECK(n == 1 && v[0] == 'c');
    VG_CHECK_EQ(vg_pcre_caps_get(&ic, sm->ctx, 4, &v, &n), 0); /* group 3 did not take part */
    VG_CHECK_EQ(vg_pcre_caps_get(&ic, sm->ctx, 5, &v, &n), 0); /* no such capture */
    VG_CHECK_EQ(vg_pcre_caps_get(&ic, &s, 0, &v, &n), 0);      /* not a capturing pcre */
    vg_inspect_ctx_release(&ic);
    pl_sig_clear(&s);

    /* values over VG_PCRE_CAP_MAX are reported, not kept */
    vg_sig s2 = { 0 };
    VG_CHECK_EQ(pl_parse_options(&s2, "pcre:\"/(a+)/, flow:x\";", false, err), VG_OK);
    uint32_t big = VG_PCRE_CAP_MAX + 1;
    uint8_t *b = malloc(big);
    memset(b, 'a', big);
    vg_inspect_ctx ic2 = { 0 };
    VG_CHECK_EQ(vg_payload_inspect(&ic2, &s2, &s2.bufs[0], b, big), 1);
    VG_CHECK_EQ(vg_pcre_caps_get(&ic2, s2.bufs[0].head->ctx, 0, &v, &n), 2);
    VG_CHECK_EQ(vg_payload_inspect(&ic2, &s2, &s2.bufs[0], b, big - 1), 1);
    VG_CHECK_EQ(vg_pcre_caps_get(&ic2, s2.bufs[0].head->ctx, 0, &v, &n), 1);
    VG_CHECK_EQ(n, big - 1);
    free(b);
    vg_inspect_ctx_release(&ic2);
    pl_sig_clear(&s2);
    VG_CHECK(parse_fails("pcre:!\"/(a)/, flow:x\";", VG_EINVAL));
    VG_CHECK(parse_fails("pcre:\"/(a)/, flow:a b\";", VG_EINVAL));
    VG_CHECK(parse_fails("pcre:\"/(a)/, flow:\";", VG_EINVAL));
}

static void byte_test_docs(void)
{
    const char p[] = "\x00\x01\x00\x02\x00\x03";
    VG_CHECK_EQ(match_n("content:\"|00 01 00 02|\"; byte_test:2,=,0x01,0;", p, 6), 1);
    VG_CHECK_EQ(match_n("content:\"|00 01 00 02|\"; byte_test:2,=,0x03,0,relative;", p, 6), 1);
    VG_CHECK_EQ(match_n("content:\"|00 01 00 02|\"; byte_test:2,!=,0x06,0;", p, 6), 1);
    VG_CHECK_EQ(match_n("content:\"|00 01 00 02|\"; byte_test:2,>,1000,1,relative;", p, 6), 0);
    VG_CHECK_EQ(match_n("byte_test:2,<,2,0;", p, 6), 1);
    VG_CHECK_EQ(match_n("byte_test:2,<=,1,0;", p, 6), 1);
    VG_CHECK_EQ(match_n("byte_test:2,>=,2,0;", p, 6), 0);
    VG_CHECK_EQ(match_n("byte_test:2,&,0x01,2;", p, 6), 0);
    VG_CHECK_EQ(match_n("byte_test:2,&,0x02,2;", p, 6), 1);
    VG_CHECK_EQ(match_n("byte_test:2,=,0x0100,0,little;", p, 6), 1);
    VG_CHECK_EQ(match_n("byte_test:2,=,1,5;", p, 6), 0); /* past the end */
    VG_CHECK_EQ(match("content:\"foobar\"; byte_test:4,=,1337,1,relative,string,dec;",
                      "foobar 1337"), 1);
    VG_CHECK_EQ(match("byte_test:3,=,255,0,string,hex;", "0ff"), 1);
    VG_CHECK_EQ(match("byte_test:3,=,8,0,string,oct;", "010"), 1);
    VG_CHECK_EQ(match("byte_test:0,>,450,0,string,dec;", "1200"), 1);
    VG_CHECK_EQ(match("byte_test:0,>,450,0,string,dec;", "120"), 0);
    VG_CHECK_EQ(match("byte_test:0,>,450,0,string,dec;", ""), 0);
    /* detect-bytetest-01: 0x48 & 0xf8 = 0x48, shifted right 3 = 9 */
    VG_CHECK_EQ(match("byte_test:1,=,0x9,0, bitmask 0xf8;", "HTTP"), 1);
    VG_CHECK_EQ(match("byte_test:1,>,0x8,0, bitmask 0xf8;", "HTTP"), 1);
    VG_CHECK_EQ(match("byte_test:1,<,0xa,0, bitmask 0xf8;", "HTTP"), 1);
    VG_CHECK_EQ(match("byte_test:1,!=,0x48,0, bitmask 0xf8;", "HTTP"), 1);
    VG_CHECK_EQ(match("byte_test:2,=,0x90a,0, bitmask 0xf8f8;", "HTTP"), 1);
    VG_CHECK(parse_fails("byte_test:9,=,1,0;", VG_EINVAL));
    VG_CHECK(parse_fails("byte_test:2,~,1,0;", VG_EINVAL));
    VG_CHECK(parse_fails("byte_test:2,=,1,0,dce;", VG_ENOTSUP));
    VG_CHECK(parse_fails("byte_test:2,=,1,0,hex;", VG_EINVAL));
}

static void byte_jump_cases(void)
{
    VG_CHECK_EQ(match_n("byte_jump:2,0; content:\"Bob\"; distance:0; within:3;",
                        "\x00\x03" "abcBob", 8), 1);
    VG_CHECK_EQ(match_n("byte_jump:2,0; content:\"Bob\"; distance:0; within:3;",
                        "\x00\x04" "abcBob", 8), 0);
    /* 1 + 2*2 = 5 -> "Z" */
    VG_CHECK_EQ(match_n("byte_jump:1,0,multiplier 2; content:\"Z\"; distance:0; within:1;",
                        "\x02" "abcdZ", 6), 1);
    VG_CHECK_EQ(match_n("byte_jump:1,0,multiplier 2; content:\"Z\"; distance:0; within:1;",
                        "\x02" "abcZ", 5), 0);
    /* 1 + 2*2 = 5 -> "Z" */
    VG_CHECK_EQ(match_n("byte_jump:1,0,multiplier 2; content:\"Z\"; distance:-1; within:1;",
                        "\x02" "abcZ", 5), 1);
    VG_CHECK_EQ(match_n("byte_jump:1,0,align; content:\"Z\"; distance:0; within:1;",
                        "\x01" "abcZ", 5), 0);
    /* 1 + align(1)=4 -> offset 5 */
    VG_CHECK_EQ(match_n("byte_jump:1,0,align; content:\"Z\"; distance:0; within:1;",
                        "\x01" "abcdZ", 6), 1);
    VG_CHECK_EQ(match_n("byte_jump:1,0,from_beginning; content:\"Z\"; distance:0; within:1;",
                        "\x03" "abZ", 4), 1);
    /* docs: jump from the end -8 */
    VG_CHECK_EQ(match("byte_jump:0,0, from_end, post_offset -8; content:\"l33t\"; distance:0; "
                      "within:4;", "xxxxxxxxl33t1234"), 1);
    VG_CHECK_EQ(match("byte_jump:2,0,relative,string,dec,post_offset 1; content:\"Z\"; "
                      "distance:0; within:1;", "03abcZ"), 0);
    VG_CHECK_EQ(match("byte_jump:2,0,string,dec,post_offset 1; content:\"Z\"; distance:0; "
                      "within:1;", "03abcdZ"), 1);
    VG_CHECK_EQ(match("byte_jump:2,0,string,dec; content:\"Z\"; distance:0; within:1;",
                      "03abcZ"), 1);
    VG_CHECK_EQ(match_n("byte_jump:1,0;", "\x09" "ab", 3), 0); /* beyond the buffer */
    /* bug-4623: jump back 7 from a content, then an anchored relative pcre */
    const uint8_t pk[] = { 'x', 0x7c, 0xe0, 0x3a, 0x01, 0xe8, 0xed, 0x0f, 0x54, 'y' };
    VG_CHECK_EQ(match_n("content:\"|3a 01 e8 ed 0f|\"; byte_jump:0,0,relative,post_offset -7; "
                        "pcre:\"/^\\x7c\\xe0\\x3a\\x01\\xe8\\xed\\x0f\\x54/R\";", pk, 10), 1);
    VG_CHECK_EQ(match_n("content:\"|01 e8 ed 0f 54|\"; byte_jump:0,0,relative,post_offset -7; "
                        "pcre:\"/^\\xe0\\x3a\\x01\\xe8\\xed\\x0f\\x54/R\";", pk, 10), 1);
    /* detect-bytejump-01: a string jump of 0 bytes never matches */
    VG_CHECK_EQ(match("content:\"Q?\"; byte_jump:0,0,relative,string,from_end,post_offset -3; "
                      "content:\"a\"; distance:0;", "Q?12abc"), 0);
    VG_CHECK(parse_fails("byte_jump:2,0,from_end,from_beginning;", VG_EINVAL));
    VG_CHECK(parse_fails("byte_jump:2,0,multiplier 0;", VG_EINVAL));
}

static void byte_extract_and_math(void)
{
    VG_CHECK_EQ(match_n("byte_extract:1,0,n; content:\"B\"; distance:n; within:1;",
                        "\x02xxB", 4), 1);
    VG_CHECK_EQ(match_n("byte_extract:1,0,n; content:\"B\"; distance:n; within:1;",
                        "\x01xxB", 4), 0);
    /* docs: compare two fields */
    const char *cmp = "content:\"|00 FF|\"; byte_extract:2,0,cmp_ver,relative; "
                      "content:\"FooBar\"; distance:0; byte_test:2,=,cmp_ver,0;";
    VG_CHECK_EQ(match_n(cmp, "\x00\xff\x00\xff" "FooBar", 10), 1);
    VG_CHECK_EQ(match_n(cmp, "\x00\xff\x12\x34" "FooBar", 10), 0);
    /* depth and offset from variables */
    VG_CHECK_EQ(match_n("byte_extract:1,0,o; content:\"Q\"; offset:o; depth:1;", "\x03" "abQ", 4),
                1);
    VG_CHECK_EQ(match_n("byte_extract:1,0,o; content:\"Q\"; offset:o; depth:1;", "\x02" "abQ", 4),
                0);
    VG_CHECK_EQ(match_n("byte_extract:1,0,n,multiplier 2; isdataat:n;", "\x02" "abcd", 5), 1);
    /* string without a base: decimal for byte_extract, automatic for byte_test */
    VG_CHECK_EQ(match("byte_extract:3,0,v,string; byte_test:1,=,v,3;", "010\x0a"), 1);
    VG_CHECK_EQ(match("byte_test:3,=,8,0,string;", "010"), 1);
    VG_CHECK_EQ(match_n("byte_extract:1,0,n,align 4; byte_test:1,=,n,5;", "\x03" "abcd\x04", 6), 1);
    /* docs: byte_extract + byte_math + byte_test */
    VG_CHECK_EQ(match_n("byte_extract:1,0,ev,relative; byte_math:bytes 1, offset 1, oper +, "
                        "rvalue ev, result var; byte_test:1,=,var,2;", "\x03\x04\x07", 3), 1);
    VG_CHECK_EQ(match_n("byte_extract:1,0,ev,relative; byte_math:bytes 1, offset 1, oper +, "
                        "rvalue ev, result var; byte_test:1,=,var,2;", "\x03\x04\x08", 3), 0);
    VG_CHECK_EQ(match_n("byte_math:bytes 1, offset 0, oper *, rvalue 3, result r; "
                        "byte_test:1,=,r,1;", "\x02\x06", 2), 1);
    VG_CHECK_EQ(match_n("byte_math:bytes 1, offset 0, oper <<, rvalue 2, result r; "
                        "byte_test:1,=,r,1;", "\x02\x08", 2), 1);
    VG_CHECK_EQ(match_n("byte_math:bytes 1, offset 0, oper -, rvalue 1, result r; "
                        "byte_test:1,=,r,1;", "\x02\x01", 2), 1);
    /* detect-bytemath-div-01: division by zero never matches */
    VG_CHECK_EQ(match_n("byte_extract:1,1,z; byte_math:bytes 1, offset 0, oper /, rvalue z, "
                        "result r;", "\x08\x00", 2), 0);
    VG_CHECK_EQ(match_n("byte_extract:1,1,z; byte_math:bytes 1, offset 0, oper /, rvalue z, "
                        "result r; byte_test:1,=,r,1;", "\x08\x04", 2), 0);
    VG_CHECK_EQ(match_n("byte_extract:1,1,z; byte_math:bytes 1, offset 0, oper /, rvalue z, "
                        "result r; byte_test:1,=,r,2;", "\x08\x04\x02", 3), 1);
    VG_CHECK(parse_fails("byte_math:bytes 1, offset 0, oper %, rvalue 1, result r;", VG_EINVAL));
    VG_CHECK(parse_fails("byte_math:bytes 1, offset 0, oper +, rvalue 1;", VG_EINVAL));
    VG_CHECK(parse_fails("byte_math:bytes 8, offset 0, oper <<, rvalue 1, result r;", VG_EINVAL));
    VG_CHECK(parse_fails("byte_extract:1,0,1abc;", VG_EINVAL));
    VG_CHECK(parse_fails("byte_extract:9,0,v;", VG_EINVAL));
}

static void base64_decode_data(void)
{
    /* suricata-verify base64: decode after "arg" + 1 */
    const char *uri = "/index.php?arg=dGhpc2lzYXRlc3Q=&x=1";
    VG_CHECK_EQ(match("content:\"arg\"; base64_decode:bytes 17, offset 1, relative; "
                      "base64_data; content:\"thisisatest\";", uri), 1);
    VG_CHECK_EQ(match("content:\"arg\"; base64_decode:bytes 10, offset 1, relative; "
                      "base64_data; content:\"test\";", uri), 0);
    VG_CHECK_EQ(match("content:\"arg\"; base64_decode:bytes 17, offset 1, relative; "
                      "base64_data; content:\"toast\";", uri), 0);
    VG_CHECK_EQ(match("content:\"API=\"; startswith; base64_decode:offset 0, relative; "
                      "base64_data; content:\"sisat\";", "API=dGhpc2lzYXRlc3Q"), 1);
    /* both keywords are needed for a match */
    VG_CHECK_EQ(match("content:\"arg\"; base64_decode:offset 1, relative;", uri), 0);
    VG_CHECK(parse_fails("base64_data; content:\"x\";", VG_EINVAL));
    VG_CHECK(parse_fails("base64_decode; base64_data; content:\"x\"; fast_pattern;", VG_EINVAL));
    VG_CHECK(parse_fails("base64_decode:bytes x;", VG_EINVAL));
    VG_CHECK(parse_fails("base64_decode; base64_data; base64_decode;", VG_EINVAL));
    /* a nocase search after a failed base64 branch still sees the right bytes */
    VG_CHECK_EQ(match("content:\"X=\"; nocase; base64_decode:relative; base64_data; "
                      "content:\"zzz\"; nocase;", "x=dGVzdA== X=enp6"), 1);
    VG_CHECK_EQ(match("content:\"Q\"; nocase; content:\"X=\"; nocase; distance:0; "
                      "base64_decode:relative; base64_data; content:\"ZZZ\"; nocase;",
                      "q x=dGVzdA== x=enp6"), 1);
    uint8_t out[16];
    VG_CHECK_EQ(pl_b64_decode((const uint8_t *)"dGVzdAo=", 8, out, sizeof out), 5);
    VG_CHECK(memcmp(out, "test\n", 5) == 0);
    VG_CHECK_EQ(pl_b64_decode((const uint8_t *)"dGV*zdA", 7, out, sizeof out), 2);
}

/* A hand-made IPv4/TCP packet for the header buffers. */
static void header_buffers(void)
{
    uint8_t frame[54] = { 0 };
    uint8_t *ip = frame;
    ip[0] = 0x45; ip[8] = 64; ip[9] = 6;
    uint8_t *tcp = frame + 20;
    tcp[0] = 0x04; tcp[1] = 0xd2; tcp[2] = 0x00; tcp[3] = 0x50; tcp[12] = 0x50; tcp[13] = 0x18;
    memcpy(frame + 40, "GET / HTTP/1.0", 14);
    vg_packet p = { 0 };
    p.ipver = 4; p.ip = ip; p.ip_hlen = 20; p.proto = 6; p.l4 = tcp; p.l4_hlen = 20;
    p.payload = frame + 40; p.payload_len = 14;
    const uint8_t *d;
    uint32_t n;
    VG_CHECK_EQ(vg_payload_buffer_for(&p, VG_BUF_TCP_HDR, &d, &n), VG_OK);
    VG_CHECK(d == tcp && n == 20);
    VG_CHECK_EQ(vg_payload_buffer_for(&p, VG_BUF_IPV4_HDR, &d, &n), VG_OK);
    VG_CHECK(d == ip && n == 20);
    VG_CHECK_EQ(vg_payload_buffer_for(&p, VG_BUF_UDP_HDR, &d, &n), VG_DECLINED);
    VG_CHECK_EQ(vg_payload_buffer_for(&p, VG_BUF_IPV6_HDR, &d, &n), VG_DECLINED);
    VG_CHECK_EQ(vg_payload_buffer_for(&p, VG_BUF_ICMPV4_HDR, &d, &n), VG_DECLINED);
    VG_CHECK_EQ(vg_payload_buffer_for(&p, VG_BUF_PAYLOAD, &d, &n), VG_OK);
    VG_CHECK(n == 14);

    /* issue-3267-tcphdr sid 3: a payload content plus two tcp.hdr contents */
    vg_sig s = { 0 };
    char err[VG_ERRBUF_SIZE];
    VG_CHECK_EQ(pl_parse_options(&s, "content:\"GET\"; tcp.hdr; content:\"|00 50|\"; offset:2; "
                                 "depth:2; tcp.hdr; content:\"|50 18|\"; distance:8; within:2; "
                                 "bsize:20;", false, err), VG_OK);
    VG_CHECK_EQ(s.nbufs, 2);
    vg_inspect_ctx ic = { 0 };
    int all = 1;
    for (unsigned i = 0; i < s.nbufs; i++) {
        VG_CHECK_EQ(vg_payload_buffer_for(&p, s.bufs[i].id, &d, &n), VG_OK);
        all &= vg_payload_inspect(&ic, &s, &s.bufs[i], d, n);
    }
    VG_CHECK_EQ(all, 1);
    tcp[13] = 0x02; /* SYN only: the flags byte no longer matches */
    for (unsigned i = 0; i < s.nbufs; i++)
        if (s.bufs[i].id == VG_BUF_TCP_HDR) {
            VG_CHECK_EQ(vg_payload_buffer_for(&p, s.bufs[i].id, &d, &n), VG_OK);
            VG_CHECK_EQ(vg_payload_inspect(&ic, &s, &s.bufs[i], d, n), 0);
        }
    pl_sig_clear(&s);
    vg_inspect_ctx_release(&ic);
    VG_CHECK(parse_fails("bsize:10;", VG_EINVAL));
    VG_CHECK(parse_fails("tcp.hdr; content:\"abcdef\"; bsize:<5;", VG_EINVAL));
    VG_CHECK(parse_fails("tcp.hdr; bsize:5<>3;", VG_EINVAL));
}

static void bsize_operators(void)
{
    pl_bsize b = { .op = PLS_RANGE, .a = 6, .b = 15 };
    VG_CHECK(!pl_bsize_match(&b, 6) && pl_bsize_match(&b, 7) && pl_bsize_match(&b, 14) &&
             !pl_bsize_match(&b, 15));
    const char *rules[] = { "tcp.hdr; bsize:20;", "tcp.hdr; bsize:<25;", "tcp.hdr; bsize:>=20;",
                            "tcp.hdr; bsize:8<>21;", "tcp.hdr; bsize:!19;", "tcp.hdr; bsize:19-21;" };
    const char *norules[] = { "tcp.hdr; bsize:21;", "tcp.hdr; bsize:<20;", "tcp.hdr; bsize:>20;",
                              "tcp.hdr; bsize:!20;", "tcp.hdr; bsize:20<>30;" };
    uint8_t hdr[20] = { 0 };
    for (size_t k = 0; k < 6 + 5; k++) {
        vg_sig s = { 0 };
        char err[VG_ERRBUF_SIZE];
        const char *r = k < 6 ? rules[k] : norules[k - 6];
        VG_CHECK_EQ(pl_parse_options(&s, r, false, err), VG_OK);
        vg_inspect_ctx ic = { 0 };
        VG_CHECK_EQ(vg_payload_inspect(&ic, &s, &s.bufs[0], hdr, 20), k < 6 ? 1 : 0);
        pl_sig_clear(&s);
    }
}

static void step_budget_caps_hostile_rules(void)
{
    /* Every "a" retries every later "a": exponential without a budget. */
    char rule[2048] = "content:\"a\";";
    for (int i = 0; i < 20; i++)
        strcat(rule, " content:\"a\"; distance:0; within:300;");
    strcat(rule, " content:\"b\"; distance:0; within:1;");
    char pay[301];
    memset(pay, 'a', 300);
    pay[300] = '\0';
    vg_sig s = { 0 };
    char err[VG_ERRBUF_SIZE];
    VG_CHECK_EQ(pl_parse_options(&s, rule, false, err), VG_OK);
    vg_inspect_ctx ic = { 0 };
    VG_CHECK_EQ(vg_payload_inspect(&ic, &s, &s.bufs[0], (const uint8_t *)pay, 300), 0);
    VG_CHECK_EQ(ic.budget_hits, 1);
    VG_CHECK(ic.steps <= VG_PAYLOAD_STEP_LIMIT + 1);
    /* a benign payload still matches afterwards with the same ctx */
    pay[299] = 'b';
    VG_CHECK_EQ(vg_payload_inspect(&ic, &s, &s.bufs[0], (const uint8_t *)pay + 278, 22), 1);
    pl_sig_clear(&s);
    vg_inspect_ctx_release(&ic);
    /* catastrophic regex: the match limit turns it into no match */
    vg_inspect_ctx ic2 = { 0 };
    vg_sig s2 = { 0 };
    VG_CHECK_EQ(pl_parse_options(&s2, "pcre:\"/(a+)+$/\";", false, err), VG_OK);
    memset(pay, 'a', 40);
    pay[40] = '!';
    VG_CHECK_EQ(vg_payload_inspect(&ic2, &s2, &s2.bufs[0], (const uint8_t *)pay, 41), 0);
    VG_CHECK_EQ(ic2.pcre_limit_hits, 1);
    pl_sig_clear(&s2);
    vg_inspect_ctx_release(&ic2);
}

static const uint8_t *fp_of(const char *opts, uint32_t *len, vg_sig *s)
{
    char err[VG_ERRBUF_SIZE];
    memset(s, 0, sizeof *s);
    if (pl_parse_options(s, opts, false, err) != VG_OK)
        return NULL;
    vg_payload_choose_fast_pattern(s);
    if (!s->fast_pattern)
        return NULL;
    const pl_content *cd = s->fast_pattern->ctx;
    *len = cd->len;
    return cd->pat;
}

static void fast_pattern_choice(void)
{
    vg_sig s;
    uint32_t n = 0;
    const uint8_t *p = fp_of("content:\"ab\"; content:\"abcdef\"; content:\"abc\";", &n, &s);
    VG_CHECK(p && n == 6 && memcmp(p, "abcdef", 6) == 0);
    pl_sig_clear(&s);
    /* docs: fast_pattern moves the choice to a shorter content */
    p = fp_of("content:\"User-Agent|3A|\"; content:\"Badness\"; distance:0; fast_pattern;", &n, &s);
    VG_CHECK(p && n == 7 && memcmp(p, "Badness", 7) == 0);
    pl_sig_clear(&s);
    /* negated contents are not chosen while a positive one exists */
    p = fp_of("content:!\"longer-negated\"; content:\"pos\";", &n, &s);
    VG_CHECK(p && n == 3);
    pl_sig_clear(&s);
    p = fp_of("content:!\"only-negated\";", &n, &s);
    VG_CHECK(p == NULL);
    pl_sig_clear(&s);
    /* equal length: the more diverse pattern wins */
    p = fp_of("content:\"aaaa\"; content:\"abcd\";", &n, &s);
    VG_CHECK(p && memcmp(p, "abcd", 4) == 0);
    pl_sig_clear(&s);
    p = fp_of("content:\"abcd\"; content:\"bcda\";", &n, &s);
    VG_CHECK(p && memcmp(p, "abcd", 4) == 0); /* full tie: first in the rule */
    pl_sig_clear(&s);
    p = fp_of("pcre:\"/x/\";", &n, &s);
    VG_CHECK(p == NULL);
    pl_sig_clear(&s);
    VG_CHECK(parse_fails("content:\"a\"; fast_pattern; content:\"b\"; fast_pattern;", VG_EINVAL));
    VG_CHECK(parse_fails("content:\"abc\"; fast_pattern:2,2;", VG_EINVAL));
    VG_CHECK(parse_fails("content:\"a\"; content:\"b\"; distance:0; fast_pattern:only;", VG_EINVAL));
    VG_CHECK(parse_fails("content:!\"a\"; offset:1; fast_pattern;", VG_EINVAL));
    VG_CHECK(parse_fails("content:\"a\"; fast_pattern:bogus;", VG_EINVAL));
}

typedef struct hits {
    uint32_t sid[16];
    int n;
} hits;

static void on_hit(const vg_sig *s, void *arg)
{
    hits *h = arg;
    if (h->n < 16)
        h->sid[h->n++] = s->sid;
}

static int hit(const hits *h, uint32_t sid)
{
    int c = 0;
    for (int i = 0; i < h->n; i++)
        c += h->sid[i] == sid;
    return c;
}

static void mpm_build_and_scan(void)
{
    const char *rules[] = {
        "content:\"evil\"; content:\"x\";",         /* 1: evil */
        "content:\"EVIL\"; nocase;",                /* 2: evil, caseless */
        "content:\"evil\";",                        /* 3: same as 1: deduped */
        "content:\"aaaaaaaaabc\"; fast_pattern:8,3;", /* 4: chop "abc" */
        "content:!\"nothing\";",                    /* 5: no fast pattern */
        "content:\"|00 01 02|\";",                  /* 6: binary */
    };
    vg_sig sigs[6];
    vg_sig *ptrs[6];
    char err[VG_ERRBUF_SIZE];
    for (int i = 0; i < 6; i++) {
        memset(&sigs[i], 0, sizeof sigs[i]);
        VG_CHECK_EQ(pl_parse_options(&sigs[i], rules[i], false, err), VG_OK);
        sigs[i].sid = (uint32_t)i + 1;
        vg_payload_choose_fast_pattern(&sigs[i]);
        ptrs[i] = &sigs[i];
    }
    VG_CHECK(sigs[4].fast_pattern == NULL);
    vg_mpm *m = NULL;
    VG_CHECK_EQ(vg_mpm_build(&m, ptrs, 6, VG_BUF_PAYLOAD, err), VG_OK);
    VG_CHECK_EQ(vg_mpm_patterns(m), 4); /* evil, EVIL/i, abc, 00 01 02 */
    vg_mpm_scratch *sc = NULL;
    VG_CHECK_EQ(vg_mpm_scratch_alloc(m, &sc), VG_OK);
    hits h = { .n = 0 };
    VG_CHECK_EQ(vg_mpm_scan(m, sc, (const uint8_t *)"an evil evil thing", 18, on_hit, &h), VG_OK);
    VG_CHECK(hit(&h, 1) == 1 && hit(&h, 2) == 1 && hit(&h, 3) == 1 && h.n == 3);
    h.n = 0;
    VG_CHECK_EQ(vg_mpm_scan(m, sc, (const uint8_t *)"EvIl xabc", 9, on_hit, &h), VG_OK);
    VG_CHECK(hit(&h, 2) == 1 && hit(&h, 4) == 1 && h.n == 2);
    h.n = 0;
    VG_CHECK_EQ(vg_mpm_scan(m, sc, (const uint8_t *)"\xff\x00\x01\x02", 4, on_hit, &h), VG_OK);
    VG_CHECK(hit(&h, 6) == 1 && h.n == 1);
    h.n = 0;
    VG_CHECK_EQ(vg_mpm_scan(m, sc, (const uint8_t *)"", 0, on_hit, &h), VG_OK);
    VG_CHECK_EQ(h.n, 0);
    /* a database for a buffer no sig uses is empty but valid */
    vg_mpm *e = NULL;
    VG_CHECK_EQ(vg_mpm_build(&e, ptrs, 6, VG_BUF_TCP_HDR, err), VG_OK);
    VG_CHECK_EQ(vg_mpm_patterns(e), 0);
    VG_CHECK_EQ(vg_mpm_scratch_alloc(e, &sc), VG_OK);
    VG_CHECK_EQ(vg_mpm_scan(e, sc, (const uint8_t *)"evil", 4, on_hit, &h), VG_OK);
    VG_CHECK_EQ(h.n, 0);
    vg_mpm_free(e);
    vg_mpm_scratch_free(sc);
    vg_mpm_free(m);
    for (int i = 0; i < 6; i++)
        pl_sig_clear(&sigs[i]);
}

static void extract_helper(void)
{
    uint64_t v;
    VG_CHECK_EQ(pl_extract((const uint8_t *)"\x01\x02", 2, 2, false, 0, false, &v), 2);
    VG_CHECK_EQ(v, 0x0102);
    VG_CHECK_EQ(pl_extract((const uint8_t *)"\x01\x02", 2, 2, false, 0, true, &v), 2);
    VG_CHECK_EQ(v, 0x0201);
    VG_CHECK_EQ(pl_extract((const uint8_t *)"\x01", 1, 2, false, 0, false, &v), -1);
    VG_CHECK_EQ(pl_extract((const uint8_t *)"12x", 3, 3, true, 10, false, &v), 2);
    VG_CHECK_EQ(v, 12);
    VG_CHECK_EQ(pl_extract((const uint8_t *)"0x1f", 4, 4, true, 0, false, &v), 4);
    VG_CHECK_EQ(v, 31);
    VG_CHECK_EQ(pl_extract((const uint8_t *)"zz", 2, 2, true, 10, false, &v), -1);
    VG_CHECK_EQ(pl_extract((const uint8_t *)"99999999999999999999999", 23, 23, true, 10, false,
                           &v), -1);
}

/* Runs last: registering a buffer for /U is process-wide. */
static void pcre_http_modifier_buffers(void)
{
    VG_CHECK_EQ(vg_payload_set_pcre_buffer('R', VG_BUF_APP_FIRST), VG_EINVAL);
    VG_CHECK_EQ(vg_payload_set_pcre_buffer('U', VG_BUF_PAYLOAD), VG_EINVAL);
    VG_CHECK_EQ(vg_payload_set_pcre_buffer('U', VG_BUF_APP_FIRST + 1), VG_OK);
    vg_sig s = { 0 };
    char err[VG_ERRBUF_SIZE];
    VG_CHECK_EQ(pl_parse_options(&s, "content:\"a\"; pcre:\"/^\\/x/U\"; content:\"b\"; "
                                 "distance:0;", false, err), VG_OK);
    VG_CHECK_EQ(s.nbufs, 2);
    const vg_sig_buf *pay = NULL, *uri = NULL;
    for (unsigned i = 0; i < s.nbufs; i++) {
        if (s.bufs[i].id == VG_BUF_PAYLOAD)
            pay = &s.bufs[i];
        if (s.bufs[i].id == VG_BUF_APP_FIRST + 1)
            uri = &s.bufs[i];
    }
    VG_CHECK(pay && uri);
    if (pay && uri) {
        VG_CHECK(pay->head && pay->head->next && !pay->head->next->next); /* a, b */
        VG_CHECK(uri->head && !uri->head->next && pl_kind_of(uri->head) == PL_PCRE);
        vg_inspect_ctx ic = { 0 };
        VG_CHECK_EQ(vg_payload_inspect(&ic, &s, uri, (const uint8_t *)"/x?y", 4), 1);
        VG_CHECK_EQ(vg_payload_inspect(&ic, &s, uri, (const uint8_t *)"/y", 2), 0);
        VG_CHECK_EQ(vg_payload_inspect(&ic, &s, pay, (const uint8_t *)"ab", 2), 1);
        vg_inspect_ctx_release(&ic);
    }
    pl_sig_clear(&s);
    VG_CHECK(parse_fails("pcre:\"/a/UV\";", VG_ENOTSUP)); /* V not registered */
}

static const vg_test tests[] = {
    {"content_basic_hex_escapes", content_basic_hex_escapes},
    {"nocase_offsets_and_long_buffers", nocase_offsets_and_long_buffers},
    {"depth_offset_startswith", depth_offset_startswith},
    {"distance_within", distance_within},
    {"pcre_captures", pcre_captures},
    {"backtracking", backtracking},
    {"negation_docs_firefox", negation_docs_firefox},
    {"bug_7390_distance_var", bug_7390_distance_var},
    {"isdataat_docs_table", isdataat_docs_table},
    {"endswith_tcp_5379", endswith_tcp_5379},
    {"pcre_modifiers", pcre_modifiers},
    {"byte_test_docs", byte_test_docs},
    {"byte_jump_cases", byte_jump_cases},
    {"byte_extract_and_math", byte_extract_and_math},
    {"base64_decode_data", base64_decode_data},
    {"header_buffers", header_buffers},
    {"bsize_operators", bsize_operators},
    {"step_budget_caps_hostile_rules", step_budget_caps_hostile_rules},
    {"fast_pattern_choice", fast_pattern_choice},
    {"mpm_build_and_scan", mpm_build_and_scan},
    {"extract_helper", extract_helper},
    {"pcre_http_modifier_buffers", pcre_http_modifier_buffers},
    {NULL, NULL},
};

VG_TEST_MAIN(tests)
