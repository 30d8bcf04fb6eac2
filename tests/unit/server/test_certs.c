/*
 * test_certs.c: the CA's serials and lifetimes (pki.h) and the certificate
 * register (enroll.h), part of the store suite (SQLite and PostgreSQL).
 */
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server/enroll.h"
#include "server/pki.h"
#include "store_suite.h"
#include "unit/vg_test.h"

static char *csr_pem(void)
{
    EVP_PKEY *k = EVP_EC_gen("P-256");
    X509_REQ *r = X509_REQ_new();
    BIO *b = BIO_new(BIO_s_mem());
    char *out = NULL;
    if (k && r && b && X509_REQ_set_pubkey(r, k) && X509_REQ_sign(r, k, EVP_sha256()) > 0 &&
        PEM_write_bio_X509_REQ(b, r)) {
        char *p;
        long n = BIO_get_mem_data(b, &p);
        out = strndup(p, (size_t)n);
    }
    BIO_free(b);
    X509_REQ_free(r);
    EVP_PKEY_free(k);
    return out;
}

/* Serial text, lifetimes and the back-dating of issued certificates. */
void certs_pki_serials(void)
{
    char s[VG_PKI_SERIAL_MAX];
    const unsigned char a[] = {0, 0, 0x0a, 0xff}, z[] = {0, 0};
    vg_pki_serial_hex(a, sizeof a, s);
    VG_CHECK_STR(s, "0aff");
    vg_pki_serial_hex(z, sizeof z, s);
    VG_CHECK_STR(s, "00");
    VG_CHECK_EQ(vg_cert_serial_parse("0A:FF", s), VG_OK);
    VG_CHECK_STR(s, "0aff");
    VG_CHECK_EQ(vg_cert_serial_parse("0x000aff", s), VG_OK);
    VG_CHECK_STR(s, "0aff");
    VG_CHECK_EQ(vg_cert_serial_parse("aff", s), VG_OK); /* odd: a leading zero nibble */
    VG_CHECK_STR(s, "0aff");
    VG_CHECK_EQ(vg_cert_serial_parse("zz", s), VG_EINVAL);
    VG_CHECK_EQ(vg_cert_serial_parse("", s), VG_EINVAL);

    char dir[] = "/tmp/vg_test_pki_XXXXXX";
    VG_CHECK(mkdtemp(dir) != NULL);
    vg_pki p;
    char err[VG_ERRBUF_SIZE];
    VG_CHECK_EQ(vg_pki_load(&p, dir, NULL, err), VG_OK);
    char *csr = csr_pem(), *c1 = NULL, *c2 = NULL;
    VG_CHECK(csr != NULL);
    vg_pki_cert i1, i2, back;
    int64_t now = vg_now_us();
    VG_CHECK_EQ(vg_pki_sign_csr_ex(&p, csr, strlen(csr), "agent-1", 600, &c1, &i1, err), VG_OK);
    VG_CHECK_EQ(vg_pki_sign_csr_ex(&p, csr, strlen(csr), "agent-1", 0, &c2, &i2, err), VG_OK);
    VG_CHECK(strcmp(i1.serial, i2.serial) != 0);
    VG_CHECK_STR(i1.name, "agent-1");
    /* 600 s, back-dated by a quarter (150 s); the default: 2 years, 1 h back */
    VG_CHECK(i1.not_after_us - now <= 601 * 1000000LL && i1.not_after_us - now >= 590 * 1000000LL);
    VG_CHECK(now - i1.not_before_us >= 149 * 1000000LL && now - i1.not_before_us <= 160 * 1000000LL);
    VG_CHECK(i2.not_after_us - now >= (VG_PKI_CLIENT_LIFETIME_S - 10) * 1000000LL);
    VG_CHECK(now - i2.not_before_us >= 3599 * 1000000LL);
    /* what the PEM says is what signing reported */
    if (c1) {
        VG_CHECK_EQ(vg_pki_cert_info(c1, strlen(c1), &back), VG_OK);
        VG_CHECK_STR(back.serial, i1.serial);
        VG_CHECK_EQ(back.not_after_us, i1.not_after_us);
    }
    VG_CHECK_EQ(vg_pki_cert_info("junk", 4, &back), VG_EINVAL);
    free(csr);
    free(c1);
    free(c2);
    vg_pki_free(&p);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    VG_CHECK_EQ(system(cmd), 0);
}

/* Record, look up, revoke by serial and by agent, list. */
void certs_register(void)
{
    vg_store *st = fresh();
    if (!st) {
        VG_CHECK(st != NULL);
        return;
    }
    char err[VG_ERRBUF_SIZE];
    VG_CHECK_EQ(vg_enroll_schema(st, err), VG_OK);
    (void)!vg_store_exec(st, "DELETE FROM certs", NULL, 0, NULL, NULL, NULL, err);
    int64_t now = 1800000000LL * 1000000;
    vg_pki_cert a = {.serial = "0a01", .name = "agent-a", .not_after_us = now + 1000},
                b = {.serial = "0a02", .name = "agent-a", .not_after_us = now + 2000},
                c = {.serial = "0b01", .name = "agent-b", .not_after_us = now + 3000};
    VG_CHECK_EQ(vg_cert_record(st, &a, "u1", now, NULL, err), VG_OK);
    VG_CHECK_EQ(vg_cert_record(st, &b, "u1", now + 1, "0a01", err), VG_OK);
    VG_CHECK_EQ(vg_cert_record(st, &c, "u2", now + 2, NULL, err), VG_OK);
    VG_CHECK(vg_cert_record(st, &c, "u2", now + 3, NULL, err) != VG_OK); /* serials are unique */
    vg_cert_row r;
    VG_CHECK_EQ(vg_cert_get(st, "0a02", &r), VG_OK);
    VG_CHECK_STR(r.name, "agent-a");
    VG_CHECK_STR(r.unit, "u1");
    VG_CHECK_STR(r.renewed_from, "0a01");
    VG_CHECK_EQ(r.expires_us, now + 2000);
    VG_CHECK_EQ(r.revoked_at_us, 0);
    VG_CHECK_EQ(vg_cert_get(st, "ffff", &r), VG_ENOENT);
    int64_t n = 0;
    VG_CHECK_EQ(vg_cert_revoke(st, "0a02", NULL, "ops", "", now, &n, err), VG_EINVAL);
    VG_CHECK_EQ(vg_cert_revoke(st, "0a02", "agent-a", "ops", "x", now, &n, err), VG_EINVAL);
    VG_CHECK_EQ(vg_cert_revoke(st, "not hex", NULL, "ops", "x", now, &n, err), VG_EINVAL);
    VG_CHECK_EQ(vg_cert_revoke(st, "0A:02", NULL, "ops", "key leaked", now + 5, &n, err), VG_OK);
    VG_CHECK_EQ(n, 1);
    VG_CHECK_EQ(vg_cert_get(st, "0a02", &r), VG_OK);
    VG_CHECK_EQ(r.revoked_at_us, now + 5);
    VG_CHECK_STR(r.revoked_by, "ops");
    VG_CHECK_STR(r.reason, "key leaked");
    /* already revoked: nothing to do */
    VG_CHECK_EQ(vg_cert_revoke(st, "0a02", NULL, "ops", "again", now, &n, err), VG_ENOENT);
    /* by agent: the rest of agent-a's, not agent-b's */
    VG_CHECK_EQ(vg_cert_revoke(st, NULL, "agent-a", "admin", "retired", now + 6, &n, err), VG_OK);
    VG_CHECK_EQ(n, 1);
    VG_CHECK_EQ(vg_cert_get(st, "0a01", &r), VG_OK);
    VG_CHECK_STR(r.reason, "retired");
    VG_CHECK_EQ(vg_cert_get(st, "0a02", &r), VG_OK);
    VG_CHECK_STR(r.reason, "key leaked"); /* the first revocation stands */
    VG_CHECK_EQ(vg_cert_get(st, "0b01", &r), VG_OK);
    VG_CHECK_EQ(r.revoked_at_us, 0);
    json_t *all = vg_cert_list(st, NULL, err), *one = vg_cert_list(st, "agent-b", err);
    VG_CHECK_EQ(json_array_size(all), 3);
    VG_CHECK_EQ(json_array_size(one), 1);
    VG_CHECK_STR(json_string_value(json_object_get(json_array_get(all, 0), "serial")), "0b01");
    VG_CHECK(json_object_get(json_array_get(one, 0), "revoked_at_us") == NULL);
    json_decref(all);
    json_decref(one);
    done(st);
}
