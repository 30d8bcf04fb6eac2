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
 * Every client certificate the CA signs has a random 127-bit serial; the
 * server records it (enroll.h: the certificate register) so that it can be
 * revoked and renewed.  Serials are compared as lowercase hex of their
 * big-endian bytes without leading zero bytes (vg_pki_serial_hex), which
 * is what both OpenSSL (issuing) and GnuTLS (the TLS peer) give.
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

#define VG_PKI_SERIAL_MAX 80
#define VG_PKI_CLIENT_LIFETIME_S (730L * 86400)  /* client certificates: 2 years */

/* What the register keeps of a certificate. */
typedef struct vg_pki_cert {
    char serial[VG_PKI_SERIAL_MAX];  /* lowercase hex, no leading zero bytes */
    char name[64];                   /* subject CN */
    int64_t not_before_us, not_after_us;
} vg_pki_cert;

/* Sign with a lifetime (seconds; <= 0: VG_PKI_CLIENT_LIFETIME_S) and give
 * the new certificate's serial and validity in *info (may be NULL). */
int vg_pki_sign_csr_ex(const vg_pki *p, const char *csr_pem, size_t len, const char *name,
                       long lifetime_s, char **cert_pem, vg_pki_cert *info,
                       char *errbuf) VG_WARN_UNUSED;

/* Serial, CN and validity of the first certificate in a PEM text. */
int vg_pki_cert_info(const char *pem, size_t len, vg_pki_cert *out);

/* The canonical text of a serial given as big-endian bytes. */
void vg_pki_serial_hex(const unsigned char *b, size_t n, char out[VG_PKI_SERIAL_MAX]);

/* SHA-256 fingerprint (hex) of the first certificate in a PEM text. */
int vg_pki_fingerprint(const char *pem, size_t len, char out[65]);

#endif
