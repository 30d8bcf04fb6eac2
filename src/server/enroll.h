/*
 * enroll.h: enrolment of senders for mutual TLS.
 *
 * `vigil server enroll --name N` issues a one-time token: 64 hex digits,
 * only its SHA-256 stored (table enroll_tokens), valid VG_ENROLL_TTL_S.
 * Printed together with the CA's fingerprint as "TOKEN.FINGERPRINT"; the
 * sender fetches the CA (GET /api/v1/enroll/ca, public), checks it against
 * the fingerprint, then POSTs {token, csr} to /api/v1/enroll over HTTPS
 * verified by that CA and gets a client certificate with CN=N (pki.h).
 * Redeeming marks the token used in the same statement that checks it, so
 * a token works once; the account N (role sensor, the token's unit) is
 * created when absent.  Routes exist only when the server runs with --tls.
 *
 * The certificate register (table certs): every client certificate the
 * server issues is recorded (serial, account, unit, issued, expires) before
 * it is handed out.  A certificate is revoked by serial or, all of an
 * account's at once, by account name, with who and why; the server looks
 * the peer certificate's serial up on every request, so a revocation made
 * by another process (`vigil server revoke`) holds at once, without a
 * restart.  Renewal (POST /api/v1/enroll/renew, authenticated by the
 * current, unrevoked certificate) records the new certificate with the
 * serial it renews; the old one stays valid until it expires or is
 * revoked.  A verified certificate of the server's CA that the register
 * does not know (issued before the register existed) is recorded on first
 * use, so that it can be revoked too.
 */
#ifndef VG_SERVER_ENROLL_H
#define VG_SERVER_ENROLL_H

#include <jansson.h>

#include "server/pki.h"
#include "server/store.h"

#define VG_ENROLL_TTL_S (24 * 3600)

int vg_enroll_issue(vg_store *st, const char *name, const char *unit, int64_t now_us,
                    char token[65], char *errbuf) VG_WARN_UNUSED;
/* VG_ENOENT for an unknown, used or expired token. */
int vg_enroll_redeem(vg_store *st, const char *token, int64_t now_us, char name[64],
                     char unit[64], char *errbuf) VG_WARN_UNUSED;

/* Tables enroll_tokens and certs. */
int vg_enroll_schema(vg_store *st, char *errbuf) VG_WARN_UNUSED;

typedef struct vg_cert_row {
    char serial[VG_PKI_SERIAL_MAX];
    char name[64], unit[64];
    int64_t issued_us, expires_us;
    int64_t revoked_at_us;            /* 0: not revoked */
    char revoked_by[64], reason[256];
    char renewed_from[VG_PKI_SERIAL_MAX];
} vg_cert_row;

/* Record an issued certificate. */
int vg_cert_record(vg_store *st, const vg_pki_cert *c, const char *unit, int64_t issued_us,
                   const char *renewed_from, char *errbuf) VG_WARN_UNUSED;
/* The register's row for serial: VG_OK, or VG_ENOENT when not recorded. */
int vg_cert_get(vg_store *st, const char *serial, vg_cert_row *out);
/* Revoke one certificate (serial) or every unrevoked one of an account
 * (agent); exactly one of them non-NULL.  reason is required (1-255
 * bytes).  *count gets how many were revoked; VG_ENOENT when none
 * matched (unknown, or already revoked). */
int vg_cert_revoke(vg_store *st, const char *serial, const char *agent, const char *by,
                   const char *reason, int64_t now_us, int64_t *count, char *errbuf) VG_WARN_UNUSED;
/* The register as a JSON array, newest first (agent NULL: all). */
json_t *vg_cert_list(vg_store *st, const char *agent, char *errbuf);
/* Canonical serial text from what an operator typed ("0A:1b", "0x0a1b"):
 * lowercase hex without separators or leading zero bytes; VG_EINVAL when
 * it is not hex. */
int vg_cert_serial_parse(const char *in, char out[VG_PKI_SERIAL_MAX]);

#endif
