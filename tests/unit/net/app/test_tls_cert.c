/* test_tls_cert.c: the key-less certificate decoder agrees with d2i_X509
 * on the fields it returns, and refuses every truncation. */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include "net/app/tls_cert.h"
#include "../../vg_test.h"

static unsigned char *make_cert(int *len, bool with_san)
{
    EVP_PKEY *k = EVP_EC_gen("P-256");
    X509 *x = X509_new();
    X509_set_version(x, 2);
    ASN1_INTEGER_set_int64(X509_get_serialNumber(x), 0x1234567890abLL);
    X509_gmtime_adj(X509_getm_notBefore(x), 0);
    X509_gmtime_adj(X509_getm_notAfter(x), 86400L * 365);
    X509_NAME *nm = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(nm, "C", MBSTRING_ASC, (const unsigned char *)"VN", -1, -1, 0);
    X509_NAME_add_entry_by_txt(nm, "CN", MBSTRING_UTF8,
                               (const unsigned char *)"c\xe1\xbb\x95ng.example.vn", -1, -1, 0);
    X509_set_issuer_name(x, nm);
    X509_set_pubkey(x, k);
    if (with_san) {
        X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, NULL, NID_subject_alt_name,
                                                "DNS:a.example.vn,IP:10.0.0.1,DNS:b.example.vn");
        X509_add_ext(x, e, -1);
        X509_EXTENSION_free(e);
    }
    X509_sign(x, k, EVP_sha256());
    unsigned char *der = NULL;
    *len = i2d_X509(x, &der);
    X509_free(x);
    EVP_PKEY_free(k);
    return der;
}

static void agrees(bool with_san)
{
    int n = 0;
    unsigned char *der = make_cert(&n, with_san);
    VG_CHECK(der && n > 100);
    if (!der)
        return;
    const unsigned char *p = der;
    X509 *ref = d2i_X509(NULL, &p, n);
    vg_x509_parts x;
    VG_CHECK(ref != NULL);
    VG_CHECK(vg_x509_parts_get(der, (uint32_t)n, &x));
    if (ref && x.subject) {
        VG_CHECK_EQ(X509_NAME_cmp(x.subject, X509_get_subject_name(ref)), 0);
        VG_CHECK_EQ(X509_NAME_cmp(x.issuer, X509_get_issuer_name(ref)), 0);
        VG_CHECK_EQ(ASN1_INTEGER_cmp(x.serial, X509_get0_serialNumber(ref)), 0);
        VG_CHECK_EQ(ASN1_TIME_compare(x.notbefore, X509_get0_notBefore(ref)), 0);
        VG_CHECK_EQ(ASN1_TIME_compare(x.notafter, X509_get0_notAfter(ref)), 0);
        GENERAL_NAMES *g = X509_get_ext_d2i(ref, NID_subject_alt_name, NULL, NULL);
        VG_CHECK_EQ(x.san ? sk_GENERAL_NAME_num(x.san) : -1, g ? sk_GENERAL_NAME_num(g) : -1);
        VG_CHECK_EQ(x.san ? sk_GENERAL_NAME_num(x.san) : 0, with_san ? 3 : 0);
        GENERAL_NAMES_free(g);
        vg_x509_parts_free(&x);
    }
    X509_free(ref);
    /* every truncation is refused, without reading past the end */
    for (int cut = 0; cut < n; cut++) {
        unsigned char *c = malloc((size_t)(cut ? cut : 1));
        memcpy(c, der, (size_t)cut);
        VG_CHECK(!vg_x509_parts_get(c, (uint32_t)cut, &x));
        free(c);
    }
    /* a corrupted length inside tbsCertificate is refused */
    unsigned char *bad = malloc((size_t)n);
    memcpy(bad, der, (size_t)n);
    bad[8] ^= 0x7f;
    if (vg_x509_parts_get(bad, (uint32_t)n, &x))
        vg_x509_parts_free(&x);
    free(bad);
    OPENSSL_free(der);
}

static void agrees_with_san(void) { agrees(true); }
static void agrees_without_san(void) { agrees(false); }

static const vg_test tests[] = {
    {"agrees_with_san", agrees_with_san},
    {"agrees_without_san", agrees_without_san},
    {NULL, NULL},
};

VG_TEST_MAIN(tests)
