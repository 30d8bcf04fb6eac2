/*
 * api_certs.c: client certificates at the HTTP front (--tls): the peer
 * certificate's serial checked against the register on every request (a
 * revoked one gets 403 and an audit line), renewal authenticated by the
 * current certificate, and the admin routes that list and revoke.  The
 * register itself is enroll.c's; the CA pki.c's.
 *
 * Refusals of a revoked certificate are logged and audited at most once a
 * minute per serial (REFUSAL_SLOTS serials remembered), so that a revoked
 * sender retrying cannot flood the audit trail.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "core/log.h"
#include "server/auth.h"
#include "server/enroll.h"
#include "server/server_int.h"

#define REFUSAL_SLOTS 64
#define REFUSAL_QUIET_US ((int64_t)60 * 1000000)

/* One table for the process, under its own lock. */
static pthread_mutex_t refusals_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
    char serial[VG_PKI_SERIAL_MAX];
    int64_t at;
} refusals[REFUSAL_SLOTS];

/* The verified client certificate of the connection: 1 with *out filled,
 * 0 when the client sent none, -1 when it sent one that does not verify or
 * is not for client authentication. */
int vg_api_tls_peer(struct MHD_Connection *c, vg_pki_cert *out)
{
    memset(out, 0, sizeof(*out));
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_GNUTLS_SESSION);
    if (!ci || !ci->tls_session)
        return 0;
    gnutls_session_t ss = (gnutls_session_t)ci->tls_session;
    unsigned n = 0;
    const gnutls_datum_t *certs = gnutls_certificate_get_peers(ss, &n);
    if (!certs || n == 0)
        return 0;
    unsigned status = 0;
    if (gnutls_certificate_verify_peers2(ss, &status) != GNUTLS_E_SUCCESS || status != 0)
        return -1;
    gnutls_x509_crt_t x;
    if (gnutls_x509_crt_init(&x) != GNUTLS_E_SUCCESS)
        return -1;
    int ret = -1;
    if (gnutls_x509_crt_import(x, &certs[0], GNUTLS_X509_FMT_DER) == GNUTLS_E_SUCCESS) {
        bool client = false;
        for (unsigned i = 0; i < 16; i++) {
            char oid[128];
            size_t sz = sizeof oid;
            if (gnutls_x509_crt_get_key_purpose_oid(x, i, oid, &sz, NULL) < 0)
                break;
            if (strcmp(oid, GNUTLS_KP_TLS_WWW_CLIENT) == 0)
                client = true;
        }
        unsigned char serial[64];
        size_t ssz = sizeof serial, csz = sizeof out->name;
        if (client && gnutls_x509_crt_get_serial(x, serial, &ssz) == GNUTLS_E_SUCCESS &&
            gnutls_x509_crt_get_dn_by_oid(x, GNUTLS_OID_X520_COMMON_NAME, 0, 0, out->name,
                                          &csz) == GNUTLS_E_SUCCESS && out->name[0]) {
            vg_pki_serial_hex(serial, ssz, out->serial);
            out->not_before_us = (int64_t)gnutls_x509_crt_get_activation_time(x) * 1000000;
            out->not_after_us = (int64_t)gnutls_x509_crt_get_expiration_time(x) * 1000000;
            ret = 1;
        }
    }
    gnutls_x509_crt_deinit(x);
    return ret;
}

/* Audit and log a refusal unless this serial was refused in the last minute. */
static void refusal(vg_server *s, const vg_pki_cert *p, const vg_cert_row *r, const char *url)
{
    int64_t now = vg_now_us();
    int slot = 0;
    pthread_mutex_lock(&refusals_lock);
    for (int i = 0; i < REFUSAL_SLOTS; i++) {
        if (strcmp(refusals[i].serial, p->serial) == 0) {
            slot = i;
            break;
        }
        if (refusals[i].at < refusals[slot].at)
            slot = i;
    }
    bool quiet = strcmp(refusals[slot].serial, p->serial) == 0 &&
                 now - refusals[slot].at < REFUSAL_QUIET_US;
    if (!quiet) {
        snprintf(refusals[slot].serial, sizeof refusals[slot].serial, "%s", p->serial);
        refusals[slot].at = now;
    }
    pthread_mutex_unlock(&refusals_lock);
    if (quiet)
        return;
    char d[768];
    snprintf(d, sizeof d, "revoked certificate %s refused on %.100s (revoked by %s: %s)", p->serial,
             url, r->revoked_by, r->reason);
    vg_warn("server: %s of %s", d, p->name);
    vg_store_audit(s->store, p->name, "cert.refused", d);
}

/* A refusal that also closes the connection: a client that renewed its
 * certificate meanwhile presents the new one on its next connection
 * (libcurl reuses a kept-alive connection, and with it the old one). */
static enum MHD_Result refuse_close(struct MHD_Connection *c, unsigned code, const char *msg)
{
    char body[160];
    snprintf(body, sizeof body, "{\"error\":\"%s\"}", msg);
    struct MHD_Response *r =
        MHD_create_response_from_buffer(strlen(body), body, MHD_RESPMEM_MUST_COPY);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, "Content-Type", "application/json");
    MHD_add_response_header(r, "Cache-Control", "no-store");
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
    enum MHD_Result ret = MHD_queue_response(c, code, r);
    MHD_destroy_response(r);
    return ret;
}

bool vg_api_cert_gate(vg_server *s, vg_api_req *rq, enum MHD_Result *ret)
{
    if (!s->tls)
        return false;
    vg_pki_cert p;
    int peer = vg_api_tls_peer(rq->conn, &p);
    if (peer < 0) {
        /* Sent one that does not verify now (expired, most often): 401, as
         * authentication would, and the connection closed. */
        *ret = refuse_close(rq->conn, 401, "client certificate does not verify (expired?)");
        return true;
    }
    if (peer == 0)
        return false; /* none: bearer tokens and logins decide */
    vg_cert_row r;
    pthread_mutex_lock(&s->lock);
    int rc = vg_cert_get(s->store, p.serial, &r);
    if (rc == VG_ENOENT) {
        /* Issued before the register: recorded now, so it can be revoked. */
        vg_store_user u;
        const char *unit = vg_store_user_get(s->store, p.name, &u) == VG_OK ? u.unit : "";
        char err[VG_ERRBUF_SIZE];
        if (vg_cert_record(s->store, &p, unit, p.not_before_us, NULL, err) == VG_OK)
            vg_store_audit(s->store, p.name, "cert.adopt", p.serial);
        rc = VG_OK;
        memset(&r, 0, sizeof r);
    } else if (rc == VG_OK && r.revoked_at_us) {
        refusal(s, &p, &r, rq->url);
    }
    pthread_mutex_unlock(&s->lock);
    if (rc != VG_OK) {
        *ret = vg_api_error(rq->conn, 503, "certificate register unavailable");
        return true;
    }
    if (r.revoked_at_us) {
        *ret = refuse_close(rq->conn, 403, "certificate revoked");
        return true;
    }
    return false;
}

int vg_api_cert_issue(vg_server *s, const char *csr, const char *name, const char *unit,
                      const char *renews, char **cert, vg_pki_cert *info, char *errbuf)
{
    vg_pki_cert c;
    int rc = vg_pki_sign_csr_ex(&s->pki, csr, strlen(csr), name, s->cert_lifetime_s, cert, &c,
                                errbuf);
    if (rc != VG_OK)
        return rc;
    rc = vg_cert_record(s->store, &c, unit, vg_now_us(), renews, errbuf);
    if (rc != VG_OK) {
        free(*cert);
        *cert = NULL;
        return rc;
    }
    char d[300];
    snprintf(d, sizeof d, "client certificate %s, expires %" PRId64 "%s%s", c.serial,
             c.not_after_us / 1000000, renews ? ", renews " : "", renews ? renews : "");
    vg_store_audit(s->store, name, renews ? "cert.renew" : "cert.issue", d);
    if (info)
        *info = c;
    return VG_OK;
}

static json_t *body_json(vg_api_req *rq)
{
    json_error_t e;
    json_t *j = json_loadb(rq->body, rq->body_len, JSON_REJECT_DUPLICATES, &e);
    if (j && !json_is_object(j)) {
        json_decref(j);
        return NULL;
    }
    return j;
}

/* {csr} over a connection with the current certificate -> {name, cert, ca,
 * serial, expires_us}.  The gate already refused a revoked certificate. */
enum MHD_Result vg_api_enroll_renew(vg_server *s, vg_api_req *rq)
{
    vg_pki_cert p;
    if (vg_api_tls_peer(rq->conn, &p) != 1)
        return vg_api_error(rq->conn, 401, "renewal needs the current client certificate");
    json_t *j = body_json(rq);
    const char *csr = j ? json_string_value(json_object_get(j, "csr")) : NULL;
    if (!csr) {
        json_decref(j);
        return vg_api_error(rq->conn, 400, "expected {\"csr\"}");
    }
    char err[VG_ERRBUF_SIZE] = "";
    unsigned code = 200;
    char *cert = NULL;
    vg_pki_cert n;
    vg_store_user u;
    vg_cert_row r;
    pthread_mutex_lock(&s->lock);
    int rc = vg_store_user_get(s->store, p.name, &u);
    if (rc != VG_OK || vg_role_parse(u.role) != VG_ROLE_SENSOR) {
        rc = vg_err(err, VG_EINVAL, "no sensor account '%s'", p.name);
        code = 403;
    } else if ((rc = vg_cert_get(s->store, p.serial, &r)) != VG_OK || r.revoked_at_us) {
        rc = vg_err(err, VG_EINVAL, "certificate %s revoked or unknown", p.serial);
        code = 403;
    } else if ((rc = vg_api_cert_issue(s, csr, p.name, u.unit, p.serial, &cert, &n, err)) != VG_OK) {
        code = rc == VG_EINVAL || rc == VG_ELIMIT ? 400 : 503;
    } else {
        /* A certificate has at most one live successor: renewing it again
         * (the sender lost the answer, or is misbehaving) supersedes the
         * previous renewal, so live certificates cannot pile up. */
        char now[24], why[200];
        snprintf(now, sizeof now, "%" PRId64, vg_now_us());
        snprintf(why, sizeof why, "superseded: %s renewed again as %s", p.serial, n.serial);
        const char *q[] = {now, why, p.serial, n.serial};
        int64_t gone = 0;
        if (vg_store_exec(s->store, "UPDATE certs SET revoked_at = ?, revoked_by = 'server', "
                          "reason = ? WHERE renewed_from = ? AND serial <> ? AND revoked_at = 0",
                          q, 4, NULL, NULL, &gone, NULL) == VG_OK && gone > 0)
            vg_store_audit(s->store, p.name, "cert.revoke", why);
    }
    pthread_mutex_unlock(&s->lock);
    json_decref(j);
    if (rc != VG_OK)
        return vg_api_error(rq->conn, code, err);
    enum MHD_Result ret = vg_api_json(rq->conn, 200, json_pack("{ss ss ss ss sI}", "name", p.name,
        "cert", cert, "ca", s->pki.ca_pem, "serial", n.serial, "expires_us",
        (json_int_t)n.not_after_us));
    free(cert);
    return ret;
}

/* GET /certs[?agent=N]; POST /certs/revoke {serial | agent, reason}: admin. */
enum MHD_Result vg_api_certs(vg_server *s, vg_api_req *rq, const char *rest)
{
    if (rq->user_role != VG_ROLE_ADMIN || rq->unit[0])
        return vg_api_error(rq->conn, 403, "admins of every unit only");
    char err[VG_ERRBUF_SIZE];
    if (strcmp(rest, "") == 0 && strcmp(rq->method, "GET") == 0) {
        pthread_mutex_lock(&s->lock);
        json_t *a = vg_cert_list(s->store, vg_api_arg(rq, "agent"), err);
        pthread_mutex_unlock(&s->lock);
        if (!a)
            return vg_api_error(rq->conn, 503, err);
        return vg_api_json(rq->conn, 200, json_pack("{so}", "certs", a));
    }
    if (strcmp(rest, "/revoke") != 0)
        return vg_api_error(rq->conn, 404, "no such route");
    if (strcmp(rq->method, "POST") != 0)
        return vg_api_error(rq->conn, 405, "method not allowed");
    json_t *j = body_json(rq);
    const char *serial = json_string_value(json_object_get(j, "serial"));
    const char *agent = json_string_value(json_object_get(j, "agent"));
    const char *reason = json_string_value(json_object_get(j, "reason"));
    int64_t n = 0;
    pthread_mutex_lock(&s->lock);
    int rc = vg_cert_revoke(s->store, serial, agent, rq->user, reason, vg_now_us(), &n, err);
    if (rc == VG_OK) {
        char d[400];
        snprintf(d, sizeof d, "%s %.80s: %lld certificate(s): %.255s", serial ? "serial" : "agent",
                 serial ? serial : agent, (long long)n, reason);
        vg_store_audit(s->store, rq->user, "cert.revoke", d);
    }
    pthread_mutex_unlock(&s->lock);
    json_decref(j);
    if (rc != VG_OK)
        return vg_api_error(rq->conn, rc == VG_ENOENT ? 404 : rc == VG_EINVAL ? 400 : 503, err);
    return vg_api_json(rq->conn, 200, json_pack("{sI}", "revoked", (json_int_t)n));
}

/* ---- the command line's side (vigil server revoke | certs) ------------- */

int vg_server_cert_revoke(vg_server *s, const char *serial, const char *agent, const char *reason,
                          int64_t *count, char *errbuf)
{
    pthread_mutex_lock(&s->lock);
    int rc = vg_cert_revoke(s->store, serial, agent, "cli", reason, vg_now_us(), count, errbuf);
    if (rc == VG_OK) {
        char d[400];
        snprintf(d, sizeof d, "%s %.80s: %lld certificate(s): %.255s", serial ? "serial" : "agent",
                 serial ? serial : agent, (long long)*count, reason);
        vg_store_audit(s->store, "cli", "cert.revoke", d);
    }
    pthread_mutex_unlock(&s->lock);
    return rc;
}

json_t *vg_server_certs(vg_server *s, const char *agent, char *errbuf)
{
    pthread_mutex_lock(&s->lock);
    json_t *a = vg_cert_list(s->store, agent, errbuf);
    pthread_mutex_unlock(&s->lock);
    return a;
}
