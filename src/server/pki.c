/*
 * pki.c: the server's certificate authority (see pki.h).
 */
#include "server/pki.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define CSR_MAX (16 * 1024)

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = malloc(65536 + 1);
    size_t n = buf ? fread(buf, 1, 65536, f) : 0;
    fclose(f);
    if (!buf)
        return NULL;
    buf[n] = '\0';
    return buf;
}

static int write_new(const char *path, const char *data, size_t n, char *errbuf)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return vg_err(errbuf, VG_EIO, "%s: %s", path, strerror(errno));
    size_t off = 0;
    while (off < n) {
        ssize_t w = write(fd, data + off, n - off);
        if (w <= 0) {
            close(fd);
            return vg_err(errbuf, VG_EIO, "%s: %s", path, strerror(errno));
        }
        off += (size_t)w;
    }
    if (fsync(fd) != 0 || close(fd) != 0)
        return vg_err(errbuf, VG_EIO, "%s: %s", path, strerror(errno));
    return VG_OK;
}

static char *bio_text(BIO *b)
{
    char *p;
    long n = BIO_get_mem_data(b, &p);
    char *out = malloc((size_t)n + 1);
    if (out) {
        memcpy(out, p, (size_t)n);
        out[n] = '\0';
    }
    return out;
}

static char *key_pem(EVP_PKEY *k)
{
    BIO *b = BIO_new(BIO_s_mem());
    char *out = b && PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL) ? bio_text(b) : NULL;
    BIO_free(b);
    return out;
}

static char *crt_pem(X509 *x)
{
    BIO *b = BIO_new(BIO_s_mem());
    char *out = b && PEM_write_bio_X509(b, x) ? bio_text(b) : NULL;
    BIO_free(b);
    return out;
}

static bool add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
    X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    if (!e)
        return false;
    bool ok = X509_add_ext(x, e, -1) == 1;
    X509_EXTENSION_free(e);
    return ok;
}

/* A certificate for pub named cn, signed by (issuer, ikey); issuer NULL:
 * self-signed CA. */
static X509 *make_cert(EVP_PKEY *pub, const char *cn, X509 *issuer, EVP_PKEY *ikey, long secs,
                       long backdate, const char *eku, const char *san)
{
    X509 *x = X509_new();
    if (!x)
        return NULL;
    uint8_t serial[16];
    RAND_bytes(serial, sizeof serial);
    serial[0] &= 0x7f;
    BIGNUM *bn = BN_bin2bn(serial, sizeof serial, NULL);
    bool ok = bn && X509_set_version(x, 2) && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) &&
              X509_gmtime_adj(X509_getm_notBefore(x), -backdate) &&
              X509_gmtime_adj(X509_getm_notAfter(x), secs) && X509_set_pubkey(x, pub);
    BN_free(bn);
    X509_NAME *nm = X509_get_subject_name(x);
    ok = ok && X509_NAME_add_entry_by_txt(nm, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1,
                                          -1, 0);
    ok = ok && X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : nm);
    X509 *iss = issuer ? issuer : x;
    if (!issuer) {
        ok = ok && add_ext(x, iss, NID_basic_constraints, "critical,CA:TRUE,pathlen:0") &&
             add_ext(x, iss, NID_key_usage, "critical,keyCertSign,cRLSign");
    } else {
        ok = ok && add_ext(x, iss, NID_basic_constraints, "critical,CA:FALSE") &&
             add_ext(x, iss, NID_key_usage, "critical,digitalSignature,keyAgreement") &&
             add_ext(x, iss, NID_ext_key_usage, eku);
        if (san)
            ok = ok && add_ext(x, iss, NID_subject_alt_name, san);
    }
    ok = ok && add_ext(x, iss, NID_subject_key_identifier, "hash");
    if (issuer)
        ok = ok && add_ext(x, iss, NID_authority_key_identifier, "keyid");
    ok = ok && X509_sign(x, ikey, EVP_sha256()) > 0;
    if (!ok) {
        X509_free(x);
        return NULL;
    }
    return x;
}

int vg_pki_fingerprint(const char *pem, size_t len, char out[65])
{
    BIO *b = BIO_new_mem_buf(pem, (int)len);
    X509 *x = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
    BIO_free(b);
    if (!x)
        return VG_EINVAL;
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    int ok = X509_digest(x, EVP_sha256(), md, &n);
    X509_free(x);
    if (!ok || n != 32)
        return VG_EINVAL;
    for (unsigned i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
    return VG_OK;
}

static int create(const char *dir, const char *listen_host, char *errbuf)
{
    char p_cakey[4096], p_cacrt[4096], p_key[4096], p_crt[4096];
    snprintf(p_cakey, sizeof p_cakey, "%s/ca.key", dir);
    snprintf(p_cacrt, sizeof p_cacrt, "%s/ca.crt", dir);
    snprintf(p_key, sizeof p_key, "%s/server.key", dir);
    snprintf(p_crt, sizeof p_crt, "%s/server.crt", dir);
    if (access(p_cacrt, F_OK) == 0)
        return VG_OK;
    EVP_PKEY *cakey = EVP_EC_gen("P-256"), *skey = EVP_EC_gen("P-256");
    X509 *ca = cakey ? make_cert(cakey, "vigil CA", NULL, cakey, 3650L * 86400, 3600, NULL, NULL) : NULL;
    char san[512];
    snprintf(san, sizeof san, "IP:127.0.0.1,DNS:localhost%s%s", listen_host ? ",IP:" : "",
             listen_host ? listen_host : "");
    if (listen_host && strcmp(listen_host, "127.0.0.1") == 0)
        snprintf(san, sizeof san, "IP:127.0.0.1,DNS:localhost");
    X509 *srv = ca && skey ? make_cert(skey, "vigil server", ca, cakey, 730L * 86400, 3600, "serverAuth", san)
                           : NULL;
    int rc = VG_OK;
    char *a = NULL, *b = NULL, *c = NULL, *d = NULL;
    if (!srv) {
        rc = vg_err(errbuf, VG_EIO, "cannot create the CA in %s", dir);
    } else {
        a = key_pem(cakey);
        b = crt_pem(ca);
        c = key_pem(skey);
        d = crt_pem(srv);
        if (!a || !b || !c || !d)
            rc = vg_err(errbuf, VG_ENOMEM, "out of memory");
        /* The certificate last: its presence means the set is complete. */
        if (rc == VG_OK)
            rc = write_new(p_cakey, a, strlen(a), errbuf);
        if (rc == VG_OK)
            rc = write_new(p_key, c, strlen(c), errbuf);
        if (rc == VG_OK)
            rc = write_new(p_crt, d, strlen(d), errbuf);
        if (rc == VG_OK)
            rc = write_new(p_cacrt, b, strlen(b), errbuf);
    }
    if (a)
        OPENSSL_cleanse(a, strlen(a));
    if (c)
        OPENSSL_cleanse(c, strlen(c));
    free(a);
    free(b);
    free(c);
    free(d);
    X509_free(srv);
    X509_free(ca);
    EVP_PKEY_free(cakey);
    EVP_PKEY_free(skey);
    return rc;
}

int vg_pki_load(vg_pki *p, const char *dir, const char *listen_host, char *errbuf)
{
    memset(p, 0, sizeof(*p));
    int rc = create(dir, listen_host, errbuf);
    if (rc != VG_OK)
        return rc;
    char path[4096];
    snprintf(path, sizeof path, "%s/ca.crt", dir);
    p->ca_pem = read_file(path);
    snprintf(path, sizeof path, "%s/server.crt", dir);
    p->cert_pem = read_file(path);
    snprintf(path, sizeof path, "%s/server.key", dir);
    p->key_pem = read_file(path);
    snprintf(path, sizeof path, "%s/ca.key", dir);
    char *cakey = read_file(path);
    if (!p->ca_pem || !p->cert_pem || !p->key_pem || !cakey) {
        free(cakey);
        vg_pki_free(p);
        return vg_err(errbuf, VG_EIO, "%s: CA or server certificate files missing (ca.key, "
                      "ca.crt, server.key, server.crt)", dir);
    }
    BIO *b = BIO_new_mem_buf(cakey, -1);
    p->ca_key = b ? PEM_read_bio_PrivateKey(b, NULL, NULL, NULL) : NULL;
    BIO_free(b);
    OPENSSL_cleanse(cakey, strlen(cakey));
    free(cakey);
    b = BIO_new_mem_buf(p->ca_pem, -1);
    p->ca_crt = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
    BIO_free(b);
    if (!p->ca_key || !p->ca_crt ||
        vg_pki_fingerprint(p->ca_pem, strlen(p->ca_pem), p->fingerprint) != VG_OK) {
        vg_pki_free(p);
        return vg_err(errbuf, VG_EINVAL, "%s: ca.key or ca.crt unreadable", dir);
    }
    return VG_OK;
}

void vg_pki_free(vg_pki *p)
{
    if (p->key_pem)
        OPENSSL_cleanse(p->key_pem, strlen(p->key_pem));
    free(p->ca_pem);
    free(p->cert_pem);
    free(p->key_pem);
    EVP_PKEY_free(p->ca_key);
    X509_free(p->ca_crt);
    memset(p, 0, sizeof(*p));
}

void vg_pki_serial_hex(const unsigned char *b, size_t n, char out[VG_PKI_SERIAL_MAX])
{
    while (n > 1 && b[0] == 0) {
        b++;
        n--;
    }
    if (n > (VG_PKI_SERIAL_MAX - 1) / 2)
        n = (VG_PKI_SERIAL_MAX - 1) / 2;
    for (size_t i = 0; i < n; i++)
        snprintf(out + 2 * i, 3, "%02x", b[i]);
    out[2 * n] = '\0';
}

static int64_t asn1_time_us(const ASN1_TIME *t)
{
    struct tm tm;
    if (!t || ASN1_TIME_to_tm(t, &tm) != 1)
        return 0;
    return (int64_t)timegm(&tm) * 1000000;
}

/* Serial and validity of a certificate. */
static void cert_facts(X509 *x, vg_pki_cert *out)
{
    memset(out, 0, sizeof(*out));
    BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
    unsigned char b[64];
    int n = bn && BN_num_bytes(bn) <= (int)sizeof b ? BN_bn2bin(bn, b) : 0;
    BN_free(bn);
    if (n > 0)
        vg_pki_serial_hex(b, (size_t)n, out->serial);
    out->not_before_us = asn1_time_us(X509_get0_notBefore(x));
    out->not_after_us = asn1_time_us(X509_get0_notAfter(x));
    X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, out->name,
                              (int)sizeof out->name);
}

int vg_pki_cert_info(const char *pem, size_t len, vg_pki_cert *out)
{
    BIO *b = BIO_new_mem_buf(pem, (int)len);
    X509 *x = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
    BIO_free(b);
    if (!x) {
        ERR_clear_error();
        return VG_EINVAL;
    }
    cert_facts(x, out);
    X509_free(x);
    return out->serial[0] && out->not_after_us ? VG_OK : VG_EINVAL;
}

int vg_pki_sign_csr_ex(const vg_pki *p, const char *csr_pem, size_t len, const char *name,
                       long lifetime_s, char **cert_pem, vg_pki_cert *info, char *errbuf)
{
    *cert_pem = NULL;
    if (len > CSR_MAX)
        return vg_err(errbuf, VG_ELIMIT, "CSR larger than %d bytes", CSR_MAX);
    if (lifetime_s <= 0)
        lifetime_s = VG_PKI_CLIENT_LIFETIME_S;
    BIO *b = BIO_new_mem_buf(csr_pem, (int)len);
    X509_REQ *req = b ? PEM_read_bio_X509_REQ(b, NULL, NULL, NULL) : NULL;
    BIO_free(b);
    if (!req)
        return vg_err(errbuf, VG_EINVAL, "CSR: not a PEM certificate request");
    EVP_PKEY *pub = X509_REQ_get_pubkey(req);
    int rc = VG_OK;
    if (!pub || X509_REQ_verify(req, pub) != 1) {
        rc = vg_err(errbuf, VG_EINVAL, "CSR: its signature does not verify");
    } else {
        /* Back-dated for senders' clock skew: an hour, less for short
         * lifetimes so that renewal at a third left stays meaningful. */
        long back = lifetime_s / 4 < 3600 ? lifetime_s / 4 : 3600;
        X509 *x = make_cert(pub, name, p->ca_crt, p->ca_key, lifetime_s, back, "clientAuth", NULL);
        *cert_pem = x ? crt_pem(x) : NULL;
        if (x && info)
            cert_facts(x, info);
        X509_free(x);
        if (!*cert_pem)
            rc = vg_err(errbuf, VG_EIO, "cannot sign the certificate");
    }
    EVP_PKEY_free(pub);
    X509_REQ_free(req);
    ERR_clear_error();
    return rc;
}

int vg_pki_sign_csr(const vg_pki *p, const char *csr_pem, size_t len, const char *name,
                    char **cert_pem, char *errbuf)
{
    return vg_pki_sign_csr_ex(p, csr_pem, len, name, 0, cert_pem, NULL, errbuf);
}
