/*
 * tls_cert.h: the fields of an X.509 certificate used by TLS logging and
 * keywords, decoded without its public key (see tls_cert.c).
 */
#ifndef VG_NET_APP_TLS_CERT_H
#define VG_NET_APP_TLS_CERT_H

#include <stdbool.h>
#include <stdint.h>

#include <openssl/x509v3.h>

typedef struct vg_x509_parts {
    ASN1_INTEGER *serial;
    X509_NAME *issuer, *subject;
    ASN1_TIME *notbefore, *notafter;
    GENERAL_NAMES *san;           /* NULL when the certificate has none */
} vg_x509_parts;

/* Decode the DER certificate d[0..n): false (nothing to free) when it is
 * not a whole certificate; else free with vg_x509_parts_free(). */
bool vg_x509_parts_get(const uint8_t *d, uint32_t n, vg_x509_parts *x);
void vg_x509_parts_free(vg_x509_parts *x);

#endif
