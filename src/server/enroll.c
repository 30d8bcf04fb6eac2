/*
 * enroll.c: one-time enrolment tokens (see enroll.h).
 */
#include "server/enroll.h"

#include <inttypes.h>
#include <stdio.h>
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
