/* test_app.c: the application layer: protocol recognition, DNS and TLS
 * parsers, HTTP through libhtp, sticky buffers and EVE records. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "net/app/app.h"
#include "net/app/app_detect.h"
#include "net/app/app_dns.h"
#include "net/app/app_int.h"
#include "net/app/app_keywords.h"
#include "net/app/app_tls.h"
#include "../../vg_test.h"

int vg_alproto_lookup(const char *name); /* net/detect/rule_parse.c */

/* ---- protocol ids and recognition ---- */

static void ids_match_rule_parser(void)
{
    static const struct { const char *n; uint16_t id; } t[] = {
        {"http", VG_ALPROTO_HTTP}, {"ftp", VG_ALPROTO_FTP}, {"smtp", VG_ALPROTO_SMTP},
        {"tls", VG_ALPROTO_TLS},   {"ssh", VG_ALPROTO_SSH}, {"dns", VG_ALPROTO_DNS},
        {"modbus", VG_ALPROTO_MODBUS}, {"dnp3", VG_ALPROTO_DNP3}, {"failed", VG_ALPROTO_FAILED},
    };
    for (size_t i = 0; i < VG_ARRAY_LEN(t); i++) {
        VG_CHECK_EQ(vg_alproto_lookup(t[i].n), t[i].id);
        VG_CHECK_STR(vg_app_proto_name(t[i].id), t[i].n);
    }
}

#define R(s, ts, udp) vg_app_recognise((const uint8_t *)(s), sizeof(s) - 1, ts, udp)

static void recognise_by_content(void)
{
    VG_CHECK_EQ(R("GET /index.html HTTP/1.1\r\n", true, false), VG_ALPROTO_HTTP);
    VG_CHECK_EQ(R("HTTP/1.1 200 OK\r\n", false, false), VG_ALPROTO_HTTP);
    VG_CHECK_EQ(R("GE", true, false), VG_ALPROTO_UNKNOWN);      /* could still be */
    VG_CHECK_EQ(R("GET", true, false), VG_ALPROTO_UNKNOWN);
    VG_CHECK_EQ(R("SSH-2.0-OpenSSH_9.2\r\n", false, false), VG_ALPROTO_SSH);
    VG_CHECK_EQ(R("220 mail.example.org ESMTP Postfix\r\n", false, false), VG_ALPROTO_SMTP);
    VG_CHECK_EQ(R("220 ProFTPD FTP server ready\r\n", false, false), VG_ALPROTO_FTP);
    VG_CHECK_EQ(R("EHLO client.example.org\r\n", true, false), VG_ALPROTO_SMTP);
    VG_CHECK_EQ(R("USER anonymous\r\n", true, false), VG_ALPROTO_FTP);
    VG_CHECK_EQ(R("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", true, false), VG_ALPROTO_TLS);
    VG_CHECK_EQ(vg_app_detect_tls((const uint8_t *)"\x16\x03\x09\x02\x00\x01", 6, true, false),
                APP_DETECT_NO);
    VG_CHECK_EQ(R("\x00\x01\x02\x03garbage that is nothing", true, false), VG_ALPROTO_FAILED);
    /* a DNS query: id, flags rd, 1 question "a.b" A IN */
    static const uint8_t q[] = {0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,
                                1, 'a', 1, 'b', 0, 0, 1, 0, 1};
    VG_CHECK_EQ(vg_app_recognise(q, sizeof q, true, true), VG_ALPROTO_DNS);
    uint8_t tq[2 + sizeof q];
    tq[0] = 0;
    tq[1] = sizeof q;
    memcpy(tq + 2, q, sizeof q);
    VG_CHECK_EQ(vg_app_recognise(tq, sizeof tq, true, false), VG_ALPROTO_DNS);
    VG_CHECK_EQ(vg_app_recognise(tq, 8, true, false), VG_ALPROTO_UNKNOWN);
    /* a response sent to the server is not DNS */
    uint8_t r[sizeof q];
    memcpy(r, q, sizeof q);
    r[2] |= 0x80;
    VG_CHECK_EQ(vg_app_recognise(r, sizeof r, true, true), VG_ALPROTO_FAILED);
}

/* ---- DNS ---- */

/* response to "www.example.com" A: a CNAME to "web.example.com" (compressed)
 * and an A record for it */
static const uint8_t dns_resp[] = {
    0xab, 0xcd, 0x81, 0x80, 0, 1, 0, 2, 0, 0, 0, 0,
    3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0, 0, 1, 0, 1,
    0xc0, 12, 0, 5, 0, 1, 0, 0, 0x0e, 0x10, 0, 6, 3, 'w', 'e', 'b', 0xc0, 16,
    0xc0, 45, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 7,
};

static void dns_parse_response(void)
{
    vg_dns_msg *m;
    uint64_t capped = 0;
    VG_CHECK_EQ(vg_dns_parse(dns_resp, sizeof dns_resp, &m, &capped), VG_OK);
    if (!m)
        return;
    VG_CHECK_EQ(m->id, 0xabcd);
    VG_CHECK_EQ(m->nq, 1);
    VG_CHECK_STR(vg_dns_str(m, m->q[0].name), "www.example.com");
    VG_CHECK_EQ(m->nrr, 2);
    VG_CHECK_EQ(m->rr[0].type, 5);
    VG_CHECK_STR(vg_dns_str(m, m->rr[0].rdata), "web.example.com");
    VG_CHECK_EQ(m->rr[0].ttl, 3600);
    VG_CHECK_STR(vg_dns_str(m, m->rr[1].name), "web.example.com");
    VG_CHECK_STR(vg_dns_str(m, m->rr[1].rdata), "192.0.2.7");
    VG_CHECK(!m->incomplete);
    VG_CHECK_EQ(capped, 0);
    vg_jb jb;
    vg_jb_init(&jb);
    vg_jb_open_obj(&jb, NULL);
    vg_dns_msg_eve(m, 3, &jb);
    vg_jb_close_obj(&jb);
    VG_CHECK(vg_jb_ok(&jb));
    VG_CHECK(strstr(jb.buf, "\"type\":\"response\"") != NULL);
    VG_CHECK(strstr(jb.buf, "\"flags\":\"8180\"") != NULL);
    VG_CHECK(strstr(jb.buf, "\"rcode\":\"NOERROR\"") != NULL);
    VG_CHECK(strstr(jb.buf, "\"grouped\":{\"A\":[\"192.0.2.7\"],\"CNAME\":[\"web.example.com\"]}") != NULL);
    vg_jb_free(&jb);
    vg_dns_msg_free(m);
}

static void dns_compression_loop_ends(void)
{
    /* the question's name points at itself, then at the next byte: loops */
    uint8_t msg[] = {0, 1, 0x01, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1};
    vg_dns_msg *m = NULL;
    uint64_t capped = 0;
    int rc = vg_dns_parse(msg, sizeof msg, &m, &capped);
    VG_CHECK_EQ(rc, VG_OK);
    if (m) {
        VG_CHECK(m->q[0].truncated);
        vg_dns_msg_free(m);
    }
    /* a long chain of backward pointers is cut at 32 jumps: the chain sits
     * in a NULL record's rdata, a second record's name enters it at the end */
    uint8_t c[127];
    memset(c, 0, sizeof c);
    c[5] = 1;  /* qdcount */
    c[7] = 2;  /* ancount */
    c[12] = 1; c[13] = 'x'; c[14] = 0; c[16] = 1; c[18] = 1;       /* "x" A IN */
    c[19] = 0xc0; c[20] = 12; c[22] = 10; c[24] = 1; c[30] = 80;    /* NULL, rdlen 80 */
    for (int k = 0; k < 40; k++) {
        uint32_t at = 31 + 2u * (uint32_t)k, target = k ? at - 2 : 12;
        c[at] = 0xc0;
        c[at + 1] = (uint8_t)target;
    }
    c[111] = 0xc0; c[112] = 109; c[114] = 1; c[116] = 1; c[122] = 4;
    vg_dns_msg *m2 = NULL;
    capped = 0;
    VG_CHECK_EQ(vg_dns_parse(c, sizeof c, &m2, &capped), VG_OK);
    if (m2) {
        VG_CHECK_EQ(m2->nrr, 2);
        if (m2->nrr == 2)
            VG_CHECK(m2->rr[1].truncated);
        VG_CHECK(capped >= 1);
        vg_dns_msg_free(m2);
    }
}

static void dns_long_name_is_capped(void)
{
    uint8_t msg[12 + 6 * 64 + 1 + 4];
    memset(msg, 0, sizeof msg);
    msg[5] = 1;
    uint32_t o = 12;
    for (int l = 0; l < 6; l++) {
        msg[o++] = 63;
        memset(msg + o, 'a' + l, 63);
        o += 63;
    }
    msg[o++] = 0;
    msg[o + 1] = 1;
    msg[o + 3] = 1;
    vg_dns_msg *m = NULL;
    uint64_t capped = 0;
    VG_CHECK_EQ(vg_dns_parse(msg, sizeof msg, &m, &capped), VG_OK);
    if (m) {
        VG_CHECK(m->q[0].truncated);
        VG_CHECK_EQ(strlen(vg_dns_str(m, m->q[0].name)), VG_DNS_NAME_MAX);
        VG_CHECK_EQ(capped, 1);
        vg_dns_msg_free(m);
    }
    /* truncated input: header only */
    VG_CHECK_EQ(vg_dns_parse(msg, 11, &m, &capped), VG_EINVAL);
}

/* ---- TLS ---- */

static size_t client_hello(uint8_t *b, const char *sni)
{
    size_t o = 0, sl = strlen(sni);
    b[o++] = 0x03; b[o++] = 0x03;
    memset(b + o, 0x11, 32); o += 32;
    b[o++] = 0;                                   /* session id */
    b[o++] = 0; b[o++] = 6;                       /* ciphers: GREASE, 0x1301, 0xc02f */
    b[o++] = 0x0a; b[o++] = 0x0a; b[o++] = 0x13; b[o++] = 0x01; b[o++] = 0xc0; b[o++] = 0x2f;
    b[o++] = 1; b[o++] = 0;                       /* compression: null */
    size_t ext_len_at = o;
    o += 2;
    /* server_name */
    b[o++] = 0; b[o++] = 0; b[o++] = 0; b[o++] = (uint8_t)(sl + 5);
    b[o++] = 0; b[o++] = (uint8_t)(sl + 3); b[o++] = 0; b[o++] = 0; b[o++] = (uint8_t)sl;
    memcpy(b + o, sni, sl); o += sl;
    /* supported_groups: x25519 (29), secp256r1 (23) */
    b[o++] = 0; b[o++] = 10; b[o++] = 0; b[o++] = 6; b[o++] = 0; b[o++] = 4;
    b[o++] = 0; b[o++] = 29; b[o++] = 0; b[o++] = 23;
    /* ec_point_formats: uncompressed */
    b[o++] = 0; b[o++] = 11; b[o++] = 0; b[o++] = 2; b[o++] = 1; b[o++] = 0;
    /* ALPN: h2 */
    b[o++] = 0; b[o++] = 16; b[o++] = 0; b[o++] = 5; b[o++] = 0; b[o++] = 3;
    b[o++] = 2; b[o++] = 'h'; b[o++] = '2';
    size_t el = o - ext_len_at - 2;
    b[ext_len_at] = (uint8_t)(el >> 8);
    b[ext_len_at + 1] = (uint8_t)el;
    return o;
}

static void tls_client_hello(void)
{
    uint8_t b[512];
    size_t n = client_hello(b, "www.example.org");
    vg_tls_info *t = calloc(1, sizeof(*t));
    uint64_t capped = 0;
    vg_tls_state_ctx cx = {&capped};
    vg_tls_handshake(&cx, t, 1, b, (uint32_t)n, true);
    VG_CHECK(t->has_client_hello);
    VG_CHECK_STR(t->sni, "www.example.org");
    /* GREASE left out; extension order as sent */
    VG_CHECK_STR(t->ja3, "771,4865-49199,0-10-11-16,29-23,0");
    char md5[33] = "";
    unsigned char h[16];
    unsigned int hl = 0;
    EVP_Digest(t->ja3, strlen(t->ja3), h, &hl, EVP_md5(), NULL);
    for (unsigned i = 0; i < hl; i++)
        snprintf(md5 + 2 * i, 3, "%02x", h[i]);
    VG_CHECK_STR(t->ja3_hash, md5);
    VG_CHECK(t->ja4 && strncmp(t->ja4, "t12d0204h2_", 11) == 0);
    VG_CHECK_EQ(t->nalpn, 1);
    VG_CHECK_STR(t->alpn[0], "h2");
    /* a truncated ClientHello is read as far as it goes, no crash */
    vg_tls_info *t2 = calloc(1, sizeof(*t2));
    for (size_t cut = 0; cut < n; cut += 7)
        vg_tls_handshake(&cx, t2, 1, b, (uint32_t)cut, true);
    vg_tls_info_free(t2);
    vg_tls_info_free(t);
}

/* ---- HTTP through libhtp, and the per-transaction buffers ---- */

static void feed(vg_app_ctx *ctx, vg_flow *f, bool ts, const char *s)
{
    vg_app_on_stream(ctx, f, NULL, ts, (const uint8_t *)s, (uint32_t)strlen(s));
}

static bool buf_is(vg_flow *f, vg_app_tx *tx, uint16_t id, const char *want)
{
    const uint8_t *d;
    uint32_t n;
    if (vg_app_get_buffer(f, tx, id, 0, &d, &n) != VG_OK)
        return want == NULL;
    if (getenv("VG_TEST_VERBOSE"))
        fprintf(stderr, "%s: [%.*s]\n", vg_app_buf_name(id), (int)n, d);
    return want && n == strlen(want) && memcmp(d, want, n) == 0;
}

static void http_transactions(void)
{
    vg_app_ctx *ctx;
    char err[VG_ERRBUF_SIZE];
    VG_CHECK_EQ(vg_app_ctx_new(&ctx, NULL, err), VG_OK);
    vg_flow f;
    memset(&f, 0, sizeof f);
    f.proto = 6;
    feed(ctx, &f, true, "GET /a/../b%41?q=1 HTTP/1.1\r\nHost: Example.ORG:8080\r\n"
                        "User-Agent: test/1.0\r\nCookie: k=v\r\n\r\n");
    VG_CHECK_EQ(f.alproto, VG_ALPROTO_HTTP);
    vg_app_tx *tx = vg_app_tx_first(&f);
    VG_CHECK(tx != NULL);
    if (!tx) {
        vg_app_flow_end(ctx, &f);
        vg_app_ctx_free(ctx);
        return;
    }
    VG_CHECK_EQ(vg_app_tx_id(tx), 0);
    VG_CHECK(buf_is(&f, tx, VG_ABUF_HTTP_URI, "/bA?q=1"));
    VG_CHECK(buf_is(&f, tx, VG_ABUF_HTTP_URI_RAW, "/a/../b%41?q=1"));
    VG_CHECK(buf_is(&f, tx, VG_ABUF_HTTP_METHOD, "GET"));
    VG_CHECK(buf_is(&f, tx, VG_ABUF_HTTP_HOST, "example.org"));
    VG_CHECK(buf_is(&f, tx, VG_ABUF_HTTP_HOST_RAW, "Example.ORG:8080"));
    VG_CHECK(buf_is(&f, tx, VG_ABUF_HTTP_USER_AGENT, "test/1.0"));
    VG_CHECK(buf_is(&f, tx, VG_ABUF_HTTP_COOKIE, "k=v"));
    VG_CHECK(buf_is(&f, tx, VG_ABUF_HTTP_STAT_CODE, NULL)); /* no response yet */
    /* chunked, gzip-free response; then a pipelined second request */
    feed(ctx, &f, false, "HTTP/1.1 404 Not Found\r\nServer: srv\r\nTransfer-Encoding: chunked\r\n\r\n"
                         "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
    VG_CHECK(buf_is(&f, tx, VG_ABUF_HTTP_STAT_CODE, "404"));
    VG_CHECK(buf_is(&f, tx, VG_ABUF_HTTP_STAT_MSG, "Not Found"));
    VG_CHECK(buf_is(&f, tx, VG_ABUF_HTTP_SERVER, "srv"));
    VG_CHECK(buf_is(&f, tx, VG_ABUF_HTTP_RESPONSE_BODY, "hello world"));
    feed(ctx, &f, true, "POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nabcd");
    vg_app_tx *tx2 = vg_app_tx_next(tx);
    VG_CHECK(tx2 != NULL);
    if (tx2) {
        VG_CHECK_EQ(vg_app_tx_id(tx2), 1);
        VG_CHECK(buf_is(&f, tx2, VG_ABUF_HTTP_REQUEST_BODY, "abcd"));
        VG_CHECK(buf_is(&f, tx2, VG_ABUF_HTTP_CONTENT_LEN, "4"));
    }
    /* the alert metadata of a transaction */
    vg_jb jb;
    vg_jb_init(&jb);
    vg_jb_open_obj(&jb, NULL);
    vg_app_tx_eve(&f, tx, &jb);
    vg_jb_close_obj(&jb);
    VG_CHECK(strstr(jb.buf, "\"url\":\"/a/../b%41?q=1\"") != NULL);
    VG_CHECK(strstr(jb.buf, "\"status\":404") != NULL);
    VG_CHECK(strstr(jb.buf, "\"length\":11") != NULL);
    vg_jb_free(&jb);
    vg_app_flow_end(ctx, &f);
    VG_CHECK(f.app_state == NULL);
    vg_app_ctx_free(ctx);
}

static void dns_over_tcp_split(void)
{
    vg_app_ctx *ctx;
    char err[VG_ERRBUF_SIZE];
    VG_CHECK_EQ(vg_app_ctx_new(&ctx, NULL, err), VG_OK);
    vg_flow f;
    memset(&f, 0, sizeof f);
    f.proto = 6;
    uint8_t tq[2 + sizeof dns_resp];
    tq[0] = 0;
    tq[1] = sizeof dns_resp;
    memcpy(tq + 2, dns_resp, sizeof dns_resp);
    tq[4] &= 0x7f; /* as a query (qr clear), answers kept: recognised by header */
    tq[2 + 7] = 0; /* ancount 0 for a plausible query */
    uint32_t qlen = 2 + 12 + 21;
    tq[1] = (uint8_t)(qlen - 2);
    for (uint32_t i = 0; i < qlen; i++) /* one byte at a time */
        vg_app_on_stream(ctx, &f, NULL, true, tq + i, 1);
    VG_CHECK_EQ(f.alproto, VG_ALPROTO_DNS);
    vg_app_tx *tx = vg_app_tx_first(&f);
    VG_CHECK(tx != NULL);
    if (tx) {
        const uint8_t *d;
        uint32_t n;
        VG_CHECK_EQ(vg_app_get_buffer(&f, tx, VG_ABUF_DNS_QUERY, 0, &d, &n), VG_OK);
        VG_CHECK(n == 15 && memcmp(d, "www.example.com", 15) == 0);
        VG_CHECK_EQ(vg_app_get_buffer(&f, tx, VG_ABUF_DNS_QUERY, 1, &d, &n), VG_DECLINED);
    }
    vg_app_flow_end(ctx, &f);
    vg_app_ctx_free(ctx);
}

/* TCP data reaches the parser once the receiver acknowledged it (IDS), or
 * as it arrives with stream.inline; the flow's end parses what is left. */
static void tcp_data_on_ack(void)
{
    vg_app_ctx *ctx;
    char err[VG_ERRBUF_SIZE];
    VG_CHECK_EQ(vg_app_ctx_new(&ctx, NULL, err), VG_OK);
    vg_flow f;
    memset(&f, 0, sizeof f);
    f.proto = 6;
    static const char req[] = "GET /x HTTP/1.1\r\nHost: h\r\n\r\n";
    vg_packet syn, data, ack;
    memset(&syn, 0, sizeof syn);
    syn.proto = 6;
    syn.flow = &f;
    syn.flags = VG_PKT_TOSERVER;
    syn.tcp_flags = 0x02;
    syn.tcp_seq = 1000;
    vg_app_on_packet(ctx, &syn);
    data = syn;
    data.tcp_flags = 0x18;
    data.tcp_seq = 1001;
    data.payload = (const uint8_t *)req;
    data.payload_len = sizeof req - 1;
    data.flags |= VG_PKT_STREAM_ADD;
    vg_app_on_packet(ctx, &data);
    VG_CHECK(vg_app_tx_first(&f) == NULL); /* not acknowledged yet */
    /* a retransmission changes nothing */
    vg_app_on_packet(ctx, &data);
    memset(&ack, 0, sizeof ack);
    ack.proto = 6;
    ack.flow = &f;
    ack.flags = VG_PKT_TOCLIENT;
    ack.tcp_flags = 0x10;
    ack.tcp_ack = 1001 + 10; /* part of it */
    vg_app_on_packet(ctx, &ack);
    VG_CHECK_EQ(f.alproto, VG_ALPROTO_HTTP);
    ack.tcp_ack = 1001 + (uint32_t)(sizeof req - 1);
    vg_app_on_packet(ctx, &ack);
    vg_app_tx *tx = vg_app_tx_first(&f);
    VG_CHECK(tx != NULL);
    if (tx)
        VG_CHECK(buf_is(&f, tx, VG_ABUF_HTTP_URI, "/x"));
    /* a second request never acknowledged: parsed when the flow closes */
    data.tcp_seq = 1001 + (uint32_t)(sizeof req - 1);
    vg_app_on_packet(ctx, &data);
    VG_CHECK(tx && vg_app_tx_next(tx) == NULL);
    vg_app_flow_closing(ctx, &f);
    VG_CHECK(tx && vg_app_tx_next(tx) != NULL);
    vg_app_flow_end(ctx, &f);
    vg_app_ctx_free(ctx);
}

static void buffers_have_sides(void)
{
    VG_CHECK(!vg_app_buf_toclient(VG_ABUF_HTTP_URI));
    VG_CHECK(vg_app_buf_toclient(VG_ABUF_HTTP_STAT_CODE));
    VG_CHECK(vg_app_buf_both(VG_ABUF_HTTP_HEADER));
    VG_CHECK(vg_app_buf_toclient(VG_ABUF_TLS_CERT_SUBJECT));
    VG_CHECK_STR(vg_app_buf_name(VG_ABUF_TLS_SNI), "tls.sni");
    int n = 0;
    for (const vg_keyword *const *k = vg_app_keywords; *k; k++)
        n++;
    VG_CHECK(n > 60);
}

static const vg_test tests[] = {
    {"ids_match_rule_parser", ids_match_rule_parser},
    {"recognise_by_content", recognise_by_content},
    {"dns_parse_response", dns_parse_response},
    {"dns_compression_loop_ends", dns_compression_loop_ends},
    {"dns_long_name_is_capped", dns_long_name_is_capped},
    {"tls_client_hello", tls_client_hello},
    {"http_transactions", http_transactions},
    {"dns_over_tcp_split", dns_over_tcp_split},
    {"tcp_data_on_ack", tcp_data_on_ack},
    {"buffers_have_sides", buffers_have_sides},
    {NULL, NULL},
};

VG_TEST_MAIN(tests)
