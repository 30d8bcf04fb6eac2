/*
 * tls_cert.c: the parts of an X.509 certificate that TLS logging and the
 * tls.cert_* keywords use, without decoding its public key.
 *
 * OpenSSL 3's d2i_X509 decodes the SubjectPublicKeyInfo through the
 * provider decoder framework on every call, which made a third of a
 * TLS-heavy capture's run time.  Here a bounded DER walk finds the fields
 * of tbsCertificate (RFC 5280 4.1) and each field is decoded by OpenSSL's
 * own d2i for its type (names, integer, times, extensions), so the values
 * are exactly those d2i_X509 gives.  The outer structure must be whole
 * (certificate, signature algorithm, signature), as d2i_X509 requires.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/x509v3.h>

#include "net/app/tls_cert.h"

typedef struct {
    uint8_t tag;
    const uint8_t *start; /* the whole TLV */
    const uint8_t *val;
    uint32_t len, tlv_len;
} der;

/* One TLV at *p (of n left): low tag numbers only, definite lengths. */
static bool der_next(const uint8_t **p, uint32_t *n, der *out)
{
    const uint8_t *s = *p;
    uint32_t left = *n;
    if (left < 2 || (s[0] & 0x1f) == 0x1f)
        return false;
    uint32_t hl = 2, len = s[1];
    if (len & 0x80) {
        uint32_t k = len & 0x7f;
        if (k == 0 || k > 4 || left < 2 + k)
            return false;
        len = 0;
        for (uint32_t i = 0; i < k; i++)
            len = len << 8 | s[2 + i];
        hl += k;
    }
    if (len > left - hl)
        return false;
    out->tag = s[0];
    out->start = s;
    out->val = s + hl;
    out->len = len;
    out->tlv_len = hl + len;
    *p = s + out->tlv_len;
    *n = left - out->tlv_len;
    return true;
}

static ASN1_INTEGER *dec_int(const der *f)
{
    const unsigned char *q = f->start;
    return d2i_ASN1_INTEGER(NULL, &q, f->tlv_len);
}

static X509_NAME *dec_name(const der *f)
{
    const unsigned char *q = f->start;
    return d2i_X509_NAME(NULL, &q, f->tlv_len);
}

static ASN1_TIME *dec_time(const der *f)
{
    const unsigned char *q = f->start;
    return d2i_ASN1_TIME(NULL, &q, f->tlv_len);
}

bool vg_x509_parts_get(const uint8_t *d, uint32_t n, vg_x509_parts *x)
{
    memset(x, 0, sizeof *x);
    der cert, tbs, alg, sig, f;
    const uint8_t *p = d;
    uint32_t left = n;
    if (!der_next(&p, &left, &cert) || cert.tag != 0x30)
        return false;
    p = cert.val;
    left = cert.len;
    if (!der_next(&p, &left, &tbs) || tbs.tag != 0x30 || !der_next(&p, &left, &alg) ||
        alg.tag != 0x30 || !der_next(&p, &left, &sig) || sig.tag != 0x03)
        return false;
    p = tbs.val;
    left = tbs.len;
    if (!der_next(&p, &left, &f))
        return false;
    if (f.tag == 0xa0 && !der_next(&p, &left, &f)) /* [0] version */
        return false;
    if (f.tag != 0x02 || !(x->serial = dec_int(&f)))
        goto bad;
    if (!der_next(&p, &left, &f) || f.tag != 0x30) /* signature algorithm */
        goto bad;
    if (!der_next(&p, &left, &f) || f.tag != 0x30 || !(x->issuer = dec_name(&f)))
        goto bad;
    der val, t;
    if (!der_next(&p, &left, &val) || val.tag != 0x30)
        goto bad;
    const uint8_t *vp = val.val;
    uint32_t vl = val.len;
    if (!der_next(&vp, &vl, &t) || !(x->notbefore = dec_time(&t)) ||
        !der_next(&vp, &vl, &t) || !(x->notafter = dec_time(&t)))
        goto bad;
    if (!der_next(&p, &left, &f) || f.tag != 0x30 || !(x->subject = dec_name(&f)))
        goto bad;
    if (!der_next(&p, &left, &f) || f.tag != 0x30) /* subjectPublicKeyInfo: not decoded */
        goto bad;
    while (left && der_next(&p, &left, &f)) {
        if (f.tag != 0xa3) /* [1], [2] unique ids */
            continue;
        const unsigned char *q = f.val;
        STACK_OF(X509_EXTENSION) *exts = d2i_X509_EXTENSIONS(NULL, &q, f.len);
        if (exts) {
            x->san = X509V3_get_d2i(exts, NID_subject_alt_name, NULL, NULL);
            sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
        }
        break;
    }
    return true;
bad:
    vg_x509_parts_free(x);
    return false;
}

void vg_x509_parts_free(vg_x509_parts *x)
{
    ASN1_INTEGER_free(x->serial);
    X509_NAME_free(x->issuer);
    X509_NAME_free(x->subject);
    ASN1_TIME_free(x->notbefore);
    ASN1_TIME_free(x->notafter);
    GENERAL_NAMES_free(x->san);
    memset(x, 0, sizeof *x);
}
