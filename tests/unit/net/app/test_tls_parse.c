/* test_tls_parse.c: TLS through the app layer (app_tls.c).  Records are
 * parsed where they lie unless split: a server flight cut into pieces of
 * any size gives what it gives whole, a malformed record too.  The app
 * context's memos give each handshake exactly what a fresh decoding gives.  Server certificates: on a repeat,
 * for a certificate that differs from a kept one only inside (same length
 * and signature), and after the kept ones were replaced by newer ones.
 * ClientHello fingerprints (JA3, JA4): on a repeat, and for hellos that
 * differ by one cipher, by SNI presence or by ALPN.  JA3S: ServerHellos
 * with one cipher or another. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include "net/app/app.h"
#include "net/app/app_int.h"
#include "net/app/app_tls.h"
#include "../../vg_test.h"

static unsigned char *make_cert(const char *cn, int *len)
{
    EVP_PKEY *k = EVP_EC_gen("P-256");
    X509 *x = X509_new();
    X509_set_version(x, 2);
    ASN1_INTEGER_set_int64(X509_get_serialNumber(x), 0x1234567890abLL);
    X509_gmtime_adj(X509_getm_notBefore(x), 0);
    X509_gmtime_adj(X509_getm_notAfter(x), 86400L * 365);
    X509_NAME *nm = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(nm, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
    X509_set_issuer_name(x, nm);
    X509_set_pubkey(x, k);
    X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, NULL, NID_subject_alt_name,
                                            "DNS:a.example.vn,DNS:b.example.vn");
    X509_add_ext(x, e, -1);
    X509_EXTENSION_free(e);
    X509_sign(x, k, EVP_sha256());
    unsigned char *der = NULL;
    *len = i2d_X509(x, &der);
    X509_free(x);
    EVP_PKEY_free(k);
    return der;
}

static size_t put(uint8_t *b, size_t o, const void *d, size_t n)
{
    memcpy(b + o, d, n);
    return o + n;
}

static void u24(uint8_t *p, size_t v)
{
    p[0] = (uint8_t)(v >> 16);
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)v;
}

/* One flow: a ClientHello, then the server's ServerHello, Certificate (der)
 * and ServerHelloDone in one record; the flow's TLS info is checked
 * against a decoding of der without the memo. */
static void one_flow(vg_app_ctx *ctx, const uint8_t *der, size_t n, uint8_t cipher)
{
    static const uint8_t ch[] = {
        0x16, 0x03, 0x01, 0x00, 0x2d, 0x01, 0x00, 0x00, 0x29, 0x03, 0x03, 1, 2, 3, 4, 5, 6, 7,
        8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29,
        30, 31, 32, 0x00, 0x00, 0x02, 0x00, 0x2f, 0x01, 0x00};
    uint8_t *sf = malloc(n + 128);
    VG_CHECK(sf != NULL);
    if (!sf)
        return;
    size_t o = 5;
    static const uint8_t sh[] = {0x02, 0x00, 0x00, 0x26, 0x03, 0x03};
    o = put(sf, o, sh, sizeof sh);
    memset(sf + o, 7, 32);
    o += 32;
    const uint8_t sh_rest[] = {0x00, 0x00, cipher, 0x00};
    o = put(sf, o, sh_rest, sizeof sh_rest);
    size_t cert_msg = o;
    sf[o] = 11;
    u24(sf + o + 1, n + 6);
    u24(sf + o + 4, n + 3);
    u24(sf + o + 7, n);
    o = put(sf, o + 10, der, n);
    static const uint8_t done[] = {0x0e, 0x00, 0x00, 0x00};
    o = put(sf, o, done, sizeof done);
    sf[0] = 0x16;
    sf[1] = 0x03;
    sf[2] = 0x03;
    sf[3] = (uint8_t)((o - 5) >> 8);
    sf[4] = (uint8_t)(o - 5);

    vg_flow f;
    memset(&f, 0, sizeof f);
    f.proto = 6;
    vg_app_on_stream(ctx, &f, NULL, true, ch, sizeof ch);
    vg_app_on_stream(ctx, &f, NULL, false, sf, (uint32_t)o);
    VG_CHECK_EQ(f.alproto, VG_ALPROTO_TLS);
    vg_app_tx *tx = vg_app_tx_first(&f);
    VG_CHECK(tx != NULL);
    vg_tls_info *ref = calloc(1, sizeof(*ref));
    uint64_t capped = 0;
    vg_tls_state_ctx cx = {&capped};
    vg_tls_handshake(&cx, ref, 2, sf + 9, 0x26, false);
    vg_tls_handshake(&cx, ref, 11, sf + cert_msg + 4, (uint32_t)(n + 6), false);
    VG_CHECK(ref->subject != NULL);
    if (tx && ref->subject) {
        const vg_tls_info *t = tx->data;
        VG_CHECK_STR(t->subject, ref->subject);
        VG_CHECK_STR(t->issuer, ref->issuer);
        VG_CHECK_STR(t->serial, ref->serial);
        VG_CHECK_STR(t->fingerprint, ref->fingerprint);
        VG_CHECK_STR(t->notbefore, ref->notbefore);
        VG_CHECK_STR(t->notafter, ref->notafter);
        VG_CHECK_EQ(t->events, ref->events);
        VG_CHECK_EQ(t->nsan, ref->nsan);
        for (uint32_t i = 0; i < t->nsan && i < ref->nsan; i++)
            VG_CHECK_STR(t->san[i], ref->san[i]);
        VG_CHECK_EQ(t->ncerts, 1);
        VG_CHECK_EQ(t->cipher, cipher);
        VG_CHECK_STR(t->ja3s, ref->ja3s);
        VG_CHECK_STR(t->ja3s_hash, ref->ja3s_hash);
    }
    vg_tls_info_free(ref);
    vg_app_flow_end(ctx, &f);
    free(sf);
}

static void memo_gives_fresh_fields(void)
{
    vg_app_ctx *ctx;
    char err[VG_ERRBUF_SIZE];
    VG_CHECK_EQ(vg_app_ctx_new(&ctx, NULL, err), VG_OK);
    enum { N = 20 }; /* more than the memo keeps */
    unsigned char *der[N];
    int len[N];
    for (int i = 0; i < N; i++) {
        char cn[16];
        snprintf(cn, sizeof cn, "memo-%02d", i);
        der[i] = make_cert(cn, &len[i]);
        VG_CHECK(der[i] && len[i] > 100);
        if (!der[i])
            return;
    }
    /* der[0] with its names changed inside: same length, same signature */
    unsigned char *alt = malloc((size_t)len[0]);
    VG_CHECK(alt != NULL);
    if (!alt)
        return;
    memcpy(alt, der[0], (size_t)len[0]);
    int changed = 0;
    for (int i = 0; i + 7 <= len[0]; i++)
        if (memcmp(alt + i, "memo-00", 7) == 0) {
            memcpy(alt + i, "memo-ZZ", 7);
            changed++;
        }
    VG_CHECK_EQ(changed, 2); /* issuer and subject */

    one_flow(ctx, der[0], (size_t)len[0], 0x2f);
    one_flow(ctx, der[0], (size_t)len[0], 0x2f); /* from the memo */
    one_flow(ctx, alt, (size_t)len[0], 0x35);    /* same hash, other bytes */
    one_flow(ctx, der[0], (size_t)len[0], 0x35);
    for (int i = 1; i < N; i++) /* der[0] and alt replaced */
        one_flow(ctx, der[i], (size_t)len[i], (uint8_t)(0x40 + i));
    one_flow(ctx, alt, (size_t)len[0], 0x2f);
    one_flow(ctx, der[0], (size_t)len[0], 0x35);
    one_flow(ctx, der[N - 1], (size_t)len[N - 1], 0x2f);

    free(alt);
    for (int i = 0; i < N; i++)
        OPENSSL_free(der[i]);
    vg_app_ctx_free(ctx);
}

/* ---- ClientHello fingerprints ---- */

/* A ClientHello record: ciphers {0x1301, 0x1302, extra}, an SNI (0 none,
 * 1 a host name, 2 a name of another type: the extension is there but no
 * SNI is taken), an optional ALPN ("h2" or "http/1.1"), supported groups
 * and signature algorithms. */
static size_t make_hello(uint8_t *b, uint16_t extra, int sni, const char *alpn)
{
    size_t o = 9; /* record header (5) + handshake header (4) */
    b[o++] = 0x03;
    b[o++] = 0x03;
    for (int i = 0; i < 32; i++)
        b[o++] = (uint8_t)i;
    b[o++] = 0; /* session id */
    const uint16_t ciph[] = {0x1301, 0x1302, extra};
    b[o++] = 0;
    b[o++] = 6;
    for (int i = 0; i < 3; i++) {
        b[o++] = (uint8_t)(ciph[i] >> 8);
        b[o++] = (uint8_t)ciph[i];
    }
    b[o++] = 1;
    b[o++] = 0; /* compression */
    size_t ext_len_at = o;
    o += 2;
    if (sni) {
        static const char host[] = "memo.example.vn";
        size_t hl = sizeof host - 1;
        const uint8_t h[] = {0, 0, 0, (uint8_t)(hl + 5), 0, (uint8_t)(hl + 3),
                             (uint8_t)(sni == 2), 0, (uint8_t)hl};
        o = put(b, o, h, sizeof h);
        o = put(b, o, host, hl);
    }
    static const uint8_t groups[] = {0, 10, 0, 6, 0, 4, 0, 0x1d, 0, 0x17};
    o = put(b, o, groups, sizeof groups);
    if (alpn) {
        size_t al = strlen(alpn);
        const uint8_t h[] = {0, 16, 0, (uint8_t)(al + 3), 0, (uint8_t)(al + 1), (uint8_t)al};
        o = put(b, o, h, sizeof h);
        o = put(b, o, alpn, al);
    }
    static const uint8_t sigs[] = {0, 13, 0, 6, 0, 4, 0x04, 0x03, 0x08, 0x04};
    o = put(b, o, sigs, sizeof sigs);
    b[ext_len_at] = (uint8_t)((o - ext_len_at - 2) >> 8);
    b[ext_len_at + 1] = (uint8_t)(o - ext_len_at - 2);
    b[0] = 0x16;
    b[1] = 0x03;
    b[2] = 0x01;
    b[3] = (uint8_t)((o - 5) >> 8);
    b[4] = (uint8_t)(o - 5);
    b[5] = 1;
    u24(b + 6, o - 9);
    return o;
}

static void hello_flow(vg_app_ctx *ctx, uint16_t extra, int sni, const char *alpn)
{
    uint8_t b[512];
    size_t n = make_hello(b, extra, sni, alpn);
    vg_flow f;
    memset(&f, 0, sizeof f);
    f.proto = 6;
    vg_app_on_stream(ctx, &f, NULL, true, b, (uint32_t)n);
    VG_CHECK_EQ(f.alproto, VG_ALPROTO_TLS);
    vg_app_tx *tx = vg_app_tx_first(&f);
    VG_CHECK(tx != NULL);
    vg_tls_info *ref = calloc(1, sizeof(*ref));
    uint64_t capped = 0;
    vg_tls_state_ctx cx = {&capped};
    vg_tls_handshake(&cx, ref, 1, b + 9, (uint32_t)(n - 9), true);
    VG_CHECK(ref->ja3 && ref->ja4);
    if (tx && ref->ja3 && ref->ja4) {
        const vg_tls_info *t = tx->data;
        VG_CHECK_STR(t->ja3, ref->ja3);
        VG_CHECK_STR(t->ja3_hash, ref->ja3_hash);
        VG_CHECK_STR(t->ja4, ref->ja4);
        VG_CHECK_EQ(t->n_ch_ciphers, 3);
    }
    vg_tls_info_free(ref);
    vg_app_flow_end(ctx, &f);
}

static void memo_gives_fresh_fingerprints(void)
{
    vg_app_ctx *ctx;
    char err[VG_ERRBUF_SIZE];
    VG_CHECK_EQ(vg_app_ctx_new(&ctx, NULL, err), VG_OK);
    hello_flow(ctx, 0x002f, 1, "h2");
    hello_flow(ctx, 0x002f, 1, "h2");       /* from the memo */
    hello_flow(ctx, 0x0035, 1, "h2");       /* one cipher differs */
    hello_flow(ctx, 0x002f, 2, "h2");       /* same extensions, no SNI: JA4's d/i */
    hello_flow(ctx, 0x002f, 0, "h2");
    hello_flow(ctx, 0x002f, 1, "http/1.1"); /* JA4's ALPN characters */
    hello_flow(ctx, 0x002f, 1, NULL);
    for (uint16_t c = 0x0040; c < 0x0060; c++) /* the memo's slots replaced */
        hello_flow(ctx, c, 1, "h2");
    hello_flow(ctx, 0x002f, 1, "h2");
    hello_flow(ctx, 0x0035, 1, "h2");
    vg_app_ctx_free(ctx);
}

/* ---- records parsed in place or gathered ---- */

/* A server flight: ServerHello and the first part of a Certificate in one
 * record, the rest of the Certificate and ServerHelloDone in a second
 * (a message across records), then either ChangeCipherSpec and
 * application data or a record with a bad version followed by bytes. */
static size_t make_flight(uint8_t *b, const uint8_t *der, size_t n, bool bad)
{
    uint8_t *hs = malloc(n + 64);
    if (!hs)
        return 0;
    size_t h = 0;
    static const uint8_t sh[] = {0x02, 0x00, 0x00, 0x26, 0x03, 0x03};
    h = put(hs, h, sh, sizeof sh);
    memset(hs + h, 9, 32);
    h += 32;
    static const uint8_t sh_rest[] = {0x00, 0xc0, 0x2f, 0x00};
    h = put(hs, h, sh_rest, sizeof sh_rest);
    hs[h] = 11;
    u24(hs + h + 1, n + 6);
    u24(hs + h + 4, n + 3);
    u24(hs + h + 7, n);
    h = put(hs, h + 10, der, n);
    static const uint8_t done[] = {0x0e, 0x00, 0x00, 0x00};
    h = put(hs, h, done, sizeof done);
    size_t cut = 42 + n / 2, o = 0;
    for (int r = 0; r < 2; r++) { /* two handshake records */
        size_t from = r ? cut : 0, len = r ? h - cut : cut;
        const uint8_t hdr[] = {0x16, 0x03, 0x03, (uint8_t)(len >> 8), (uint8_t)len};
        o = put(b, o, hdr, sizeof hdr);
        o = put(b, o, hs + from, len);
    }
    free(hs);
    static const uint8_t tail_ok[] = {0x14, 0x03, 0x03, 0x00, 0x01, 0x01,
                                      0x17, 0x03, 0x03, 0x00, 0x03, 0xaa, 0xbb, 0xcc};
    static const uint8_t tail_bad[] = {0x16, 0x02, 0x00, 0x00, 0x03, 0x01, 0x02, 0x03,
                                       0x14, 0x03, 0x03, 0x00, 0x01, 0x01};
    return bad ? put(b, o, tail_bad, sizeof tail_bad) : put(b, o, tail_ok, sizeof tail_ok);
}

typedef struct seen {
    char subject[64], ja3s[64];
    uint32_t events, ncerts;
    uint16_t cipher;
    uint8_t hs_flags;
    uint16_t progress;
} seen;

/* The ClientHello whole, then the flight in pieces of k bytes (0: whole). */
static seen flight_in_pieces(vg_app_ctx *ctx, const uint8_t *fl, size_t n, size_t k)
{
    uint8_t ch[512];
    size_t cn = make_hello(ch, 0x002f, 1, "h2");
    seen r;
    memset(&r, 0, sizeof r);
    vg_flow f;
    memset(&f, 0, sizeof f);
    f.proto = 6;
    vg_app_on_stream(ctx, &f, NULL, true, ch, (uint32_t)cn);
    for (size_t o = 0; o < n; o += k ? k : n) {
        size_t l = k && n - o > k ? k : n - o;
        vg_app_on_stream(ctx, &f, NULL, false, fl + o, (uint32_t)l);
    }
    vg_app_tx *tx = vg_app_tx_first(&f);
    if (tx) {
        const vg_tls_info *t = tx->data;
        snprintf(r.subject, sizeof r.subject, "%s", t->subject ? t->subject : "-");
        snprintf(r.ja3s, sizeof r.ja3s, "%s", t->ja3s ? t->ja3s : "-");
        r.events = t->events;
        r.ncerts = t->ncerts;
        r.cipher = t->cipher;
        r.hs_flags = t->hs_flags;
        r.progress = tx->progress;
    }
    vg_app_flow_end(ctx, &f);
    return r;
}

static void records_split_anywhere(void)
{
    vg_app_ctx *ctx;
    char err[VG_ERRBUF_SIZE];
    VG_CHECK_EQ(vg_app_ctx_new(&ctx, NULL, err), VG_OK);
    int dn = 0;
    unsigned char *der = make_cert("split.example.vn", &dn);
    uint8_t *fl = der ? malloc((size_t)dn + 256) : NULL;
    VG_CHECK(fl != NULL);
    for (int bad = 0; fl && bad < 2; bad++) {
        size_t n = make_flight(fl, der, (size_t)dn, bad);
        seen whole = flight_in_pieces(ctx, fl, n, 0);
        VG_CHECK_STR(whole.subject, "CN=split.example.vn");
        VG_CHECK_STR(whole.ja3s, "771,49199,");
        VG_CHECK_EQ(whole.ncerts, 1);
        VG_CHECK_EQ(whole.cipher, 0xc02f);
        VG_CHECK_EQ(whole.events, bad ? VG_TLS_EV_INVALID_RECORD_VERSION : 0);
        VG_CHECK(whole.progress & TX_LOG_NOW);
        for (size_t k = 1; k < n; k += k < 40 ? 1 : 37) {
            seen p = flight_in_pieces(ctx, fl, n, k);
            VG_CHECK_STR(p.subject, whole.subject);
            VG_CHECK_STR(p.ja3s, whole.ja3s);
            VG_CHECK_EQ(p.events, whole.events);
            VG_CHECK_EQ(p.ncerts, whole.ncerts);
            VG_CHECK_EQ(p.cipher, whole.cipher);
            VG_CHECK_EQ(p.hs_flags, whole.hs_flags);
            VG_CHECK_EQ(p.progress, whole.progress);
        }
    }
    free(fl);
    OPENSSL_free(der);
    vg_app_ctx_free(ctx);
}

static const vg_test tests[] = {
    {"records_split_anywhere", records_split_anywhere},
    {"memo_gives_fresh_fields", memo_gives_fresh_fields},
    {"memo_gives_fresh_fingerprints", memo_gives_fresh_fingerprints},
    {NULL, NULL},
};

VG_TEST_MAIN(tests)
