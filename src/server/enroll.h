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
 */
#ifndef VG_SERVER_ENROLL_H
#define VG_SERVER_ENROLL_H

#include "server/store.h"

#define VG_ENROLL_TTL_S (24 * 3600)

int vg_enroll_issue(vg_store *st, const char *name, const char *unit, int64_t now_us,
                    char token[65], char *errbuf) VG_WARN_UNUSED;
/* VG_ENOENT for an unknown, used or expired token. */
int vg_enroll_redeem(vg_store *st, const char *token, int64_t now_us, char name[64],
                     char unit[64], char *errbuf) VG_WARN_UNUSED;

#endif
