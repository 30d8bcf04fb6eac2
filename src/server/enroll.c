/*
 * enroll.c: one-time enrolment tokens and the certificate register (see
 * enroll.h).
 */
#include "server/enroll.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/auth.h"

static const char ddl[] =
    "CREATE TABLE IF NOT EXISTS enroll_tokens (hash TEXT PRIMARY KEY, name TEXT NOT NULL,"
    " unit TEXT NOT NULL DEFAULT '', expires BIGINT NOT NULL, used BIGINT NOT NULL DEFAULT 0)";

int vg_enroll_issue(vg_store *st, const char *name, const char *unit, int64_t now_us,
                    char token[65], char *errbuf)
{
    if (!name || !name[0] || strlen(name) >= 64 || strpbrk(name, "/\\\"'\n\r\t ,="))
        return vg_err(errbuf, VG_EINVAL, "--name must be 1-63 characters without spaces, quotes, "
                      "slashes, commas or '='");
    int rc = vg_store_ddl(st, ddl, errbuf);
    if (rc != VG_OK)
        return rc;
    char hash[65], exp[32];
    if (vg_token_new(token, hash) != VG_OK)
        return vg_err(errbuf, VG_EIO, "no randomness for a token");
    snprintf(exp, sizeof exp, "%" PRId64, now_us + (int64_t)VG_ENROLL_TTL_S * 1000000);
    const char *p[] = {hash, name, unit ? unit : "", exp};
    return vg_store_exec(st, "INSERT INTO enroll_tokens(hash, name, unit, expires) VALUES(?,?,?,?)",
                         p, 4, NULL, NULL, NULL, errbuf);
}

typedef struct tok_row {
    char *name, *unit;
    bool found;
} tok_row;

static void row(void *arg, int n, const char *const *v)
{
    tok_row *r = arg;
    if (n == 2 && v[0] && v[1]) {
        snprintf(r->name, 64, "%s", v[0]);
        snprintf(r->unit, 64, "%s", v[1]);
        r->found = true;
    }
}

int vg_enroll_redeem(vg_store *st, const char *token, int64_t now_us, char name[64],
                     char unit[64], char *errbuf)
{
    if (!token || strlen(token) != 64)
        return vg_err(errbuf, VG_ENOENT, "unknown, used or expired enrolment token");
    int rc = vg_store_ddl(st, ddl, errbuf);
    if (rc != VG_OK)
        return rc;
    char hash[65], now[32];
    vg_token_hash(token, hash);
    snprintf(now, sizeof now, "%" PRId64, now_us);
    const char *p[] = {now, hash, now};
    int64_t changes = 0;
    rc = vg_store_exec(st, "UPDATE enroll_tokens SET used = ? WHERE hash = ? AND used = 0 AND "
                       "expires > ?", p, 3, NULL, NULL, &changes, errbuf);
    if (rc != VG_OK)
        return rc;
    if (changes != 1)
        return vg_err(errbuf, VG_ENOENT, "unknown, used or expired enrolment token");
    tok_row r = {name, unit, false};
    const char *q[] = {hash};
    rc = vg_store_exec(st, "SELECT name, unit FROM enroll_tokens WHERE hash = ?", q, 1, row, &r,
                       NULL, errbuf);
    if (rc == VG_OK && !r.found)
        rc = vg_err(errbuf, VG_ENOENT, "unknown, used or expired enrolment token");
    return rc;
}

/* ---- the certificate register ----------------------------------------- */

static const char certs_ddl[] =
    "CREATE TABLE IF NOT EXISTS certs (serial TEXT PRIMARY KEY, name TEXT NOT NULL,"
    " unit TEXT NOT NULL DEFAULT '', issued BIGINT NOT NULL, expires BIGINT NOT NULL,"
    " revoked_at BIGINT NOT NULL DEFAULT 0, revoked_by TEXT, reason TEXT, renewed_from TEXT);"
    "CREATE INDEX IF NOT EXISTS certs_name ON certs(name)";

int vg_enroll_schema(vg_store *st, char *errbuf)
{
    int rc = vg_store_ddl(st, ddl, errbuf);
    return rc == VG_OK ? vg_store_ddl(st, certs_ddl, errbuf) : rc;
}

int vg_cert_record(vg_store *st, const vg_pki_cert *c, const char *unit, int64_t issued_us,
                   const char *renewed_from, char *errbuf)
{
    char iss[24], exp[24];
    snprintf(iss, sizeof iss, "%" PRId64, issued_us);
    snprintf(exp, sizeof exp, "%" PRId64, c->not_after_us);
    const char *p[] = {c->serial, c->name, unit ? unit : "", iss, exp,
                       renewed_from && renewed_from[0] ? renewed_from : NULL};
    return vg_store_exec(st, "INSERT INTO certs(serial, name, unit, issued, expires, renewed_from)"
                         " VALUES(?,?,?,?,?,?)", p, 6, NULL, NULL, NULL, errbuf);
}

#define CERT_COLS "serial, name, unit, issued, expires, revoked_at, revoked_by, reason, renewed_from"

static void cert_fill(vg_cert_row *r, const char *const *v)
{
    memset(r, 0, sizeof(*r));
    snprintf(r->serial, sizeof r->serial, "%s", v[0] ? v[0] : "");
    snprintf(r->name, sizeof r->name, "%s", v[1] ? v[1] : "");
    snprintf(r->unit, sizeof r->unit, "%s", v[2] ? v[2] : "");
    r->issued_us = v[3] ? strtoll(v[3], NULL, 10) : 0;
    r->expires_us = v[4] ? strtoll(v[4], NULL, 10) : 0;
    r->revoked_at_us = v[5] ? strtoll(v[5], NULL, 10) : 0;
    snprintf(r->revoked_by, sizeof r->revoked_by, "%s", v[6] ? v[6] : "");
    snprintf(r->reason, sizeof r->reason, "%s", v[7] ? v[7] : "");
    snprintf(r->renewed_from, sizeof r->renewed_from, "%s", v[8] ? v[8] : "");
}

typedef struct one_cert {
    vg_cert_row *r;
    bool found;
} one_cert;

static void cert_row(void *arg, int n, const char *const *v)
{
    one_cert *o = arg;
    if (n == 9) {
        cert_fill(o->r, v);
        o->found = true;
    }
}

int vg_cert_get(vg_store *st, const char *serial, vg_cert_row *out)
{
    one_cert o = {out, false};
    const char *p[] = {serial};
    int rc = vg_store_exec(st, "SELECT " CERT_COLS " FROM certs WHERE serial = ?", p, 1, cert_row,
                           &o, NULL, NULL);
    if (rc != VG_OK)
        return rc;
    return o.found ? VG_OK : VG_ENOENT;
}

int vg_cert_serial_parse(const char *in, char out[VG_PKI_SERIAL_MAX])
{
    unsigned char b[VG_PKI_SERIAL_MAX / 2];
    size_t n = 0;
    int half = -1;
    if (strncmp(in, "0x", 2) == 0 || strncmp(in, "0X", 2) == 0)
        in += 2;
    /* An odd number of digits has an implicit leading zero. */
    size_t digits = 0;
    for (const char *q = in; *q; q++)
        digits += isxdigit((unsigned char)*q) != 0;
    if (digits % 2)
        half = 0;
    for (const char *q = in; *q; q++) {
        if (*q == ':' || *q == ' ')
            continue;
        if (!isxdigit((unsigned char)*q))
            return VG_EINVAL;
        int v = isdigit((unsigned char)*q) ? *q - '0' : tolower((unsigned char)*q) - 'a' + 10;
        if (half < 0) {
            half = v;
        } else {
            if (n >= sizeof b)
                return VG_EINVAL;
            b[n++] = (unsigned char)(half << 4 | v);
            half = -1;
        }
    }
    if (n == 0)
        return VG_EINVAL;
    vg_pki_serial_hex(b, n, out);
    return VG_OK;
}

int vg_cert_revoke(vg_store *st, const char *serial, const char *agent, const char *by,
                   const char *reason, int64_t now_us, int64_t *count, char *errbuf)
{
    *count = 0;
    if ((serial == NULL) == (agent == NULL))
        return vg_err(errbuf, VG_EINVAL, "revoke: give a serial or an agent name, not both");
    if (!reason || !reason[0] || strlen(reason) > 255)
        return vg_err(errbuf, VG_EINVAL, "revoke: a reason (1-255 characters) is required");
    char canon[VG_PKI_SERIAL_MAX], now[24];
    if (serial && vg_cert_serial_parse(serial, canon) != VG_OK)
        return vg_err(errbuf, VG_EINVAL, "revoke: serial '%.80s' is not hexadecimal", serial);
    snprintf(now, sizeof now, "%" PRId64, now_us);
    const char *p[] = {now, by ? by : "", reason, serial ? canon : agent};
    int rc = vg_store_exec(st, serial
        ? "UPDATE certs SET revoked_at = ?, revoked_by = ?, reason = ? WHERE serial = ? AND revoked_at = 0"
        : "UPDATE certs SET revoked_at = ?, revoked_by = ?, reason = ? WHERE name = ? AND revoked_at = 0",
        p, 4, NULL, NULL, count, errbuf);
    if (rc == VG_OK && *count == 0)
        rc = vg_err(errbuf, VG_ENOENT, "revoke: no unrevoked certificate %s '%s'",
                    serial ? "with serial" : "of agent", serial ? canon : agent);
    return rc;
}

static void list_row(void *arg, int n, const char *const *v)
{
    if (n != 9)
        return;
    vg_cert_row r;
    cert_fill(&r, v);
    json_t *o = json_pack("{ss ss ss sI sI}", "serial", r.serial, "name", r.name, "unit", r.unit,
                          "issued_us", (json_int_t)r.issued_us, "expires_us",
                          (json_int_t)r.expires_us);
    if (!o)
        return;
    if (r.revoked_at_us) {
        json_object_set_new(o, "revoked_at_us", json_integer(r.revoked_at_us));
        json_object_set_new(o, "revoked_by", json_string(r.revoked_by));
        json_object_set_new(o, "reason", json_string(r.reason));
    }
    if (r.renewed_from[0])
        json_object_set_new(o, "renewed_from", json_string(r.renewed_from));
    json_array_append_new(arg, o);
}

json_t *vg_cert_list(vg_store *st, const char *agent, char *errbuf)
{
    json_t *a = json_array();
    const char *p[] = {agent};
    int rc = vg_store_exec(st, agent
        ? "SELECT " CERT_COLS " FROM certs WHERE name = ? ORDER BY issued DESC, serial LIMIT 10000"
        : "SELECT " CERT_COLS " FROM certs ORDER BY issued DESC, serial LIMIT 10000",
        p, agent ? 1 : 0, list_row, a, NULL, errbuf);
    if (rc != VG_OK) {
        json_decref(a);
        return NULL;
    }
    return a;
}
