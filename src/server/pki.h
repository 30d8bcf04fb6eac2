/*
 * pki.h: the server's own certificate authority (OpenSSL libcrypto) for
 * mutual TLS between senders and the server.
 *
 * On first use the data directory gets ca.key/ca.crt (EC P-256, 10 years)
 * and server.key/server.crt (signed by the CA, 2 years, for 127.0.0.1,
 * localhost and the listen address); keys and certificates are created
 * mode 0600 and never overwritten.  Enrolment (enroll.h) has the CA sign a
 * sender's CSR: the subject is replaced by CN=<account name>, the extended
 * key usage is clientAuth, validity 2 years; the CSR's own signature must
 * verify.  The CA is pinned by senders through the SHA-256 fingerprint of
 * its DER encoding (64 hex digits).
 *
 * Limits: a CSR of at most 16 KiB PEM; only the public key is taken from it.
 */
#ifndef VG_SERVER_PKI_H
#define VG_SERVER_PKI_H

#include "core/vg.h"

typedef struct vg_pki {
    char *ca_pem;        /* CA certificate, PEM */
    char *cert_pem;      /* server certificate, PEM */
    char *key_pem;       /* server key, PEM */
    char fingerprint[65];/* SHA-256 of the CA's DER, hex */
    void *ca_key;        /* EVP_PKEY * */
    void *ca_crt;        /* X509 * */
} vg_pki;

/* Load the CA and server certificate from dir, creating them when absent.
 * listen_host (may be NULL) is added to the server certificate's names. */
int vg_pki_load(vg_pki *p, const char *dir, const char *listen_host, char *errbuf) VG_WARN_UNUSED;
void vg_pki_free(vg_pki *p);

/* Sign a CSR (PEM) for account `name`; *cert_pem (malloc'd PEM) on success. */
int vg_pki_sign_csr(const vg_pki *p, const char *csr_pem, size_t len, const char *name,
                    char **cert_pem, char *errbuf) VG_WARN_UNUSED;

/* SHA-256 fingerprint (hex) of the first certificate in a PEM text. */
int vg_pki_fingerprint(const char *pem, size_t len, char out[65]);

#endif
