/*
 * auth.h: passwords, API tokens and roles.
 *
 * Passwords are hashed with scrypt (OpenSSL EVP_PBE_scrypt, N=2^15, r=8,
 * p=1, 16-byte random salt) and stored as "scrypt$N$r$p$salt$hash" with
 * base64 parts; verification is constant time.  API tokens are 32 random
 * bytes shown once as hex; the store keeps only their SHA-256.
 * Roles: admin (everything), analyst (read, triage), viewer (read only),
 * sensor (ingest only).
 */
#ifndef VG_SERVER_AUTH_H
#define VG_SERVER_AUTH_H

#include "core/vg.h"

enum vg_role { VG_ROLE_NONE = 0, VG_ROLE_SENSOR, VG_ROLE_VIEWER, VG_ROLE_ANALYST, VG_ROLE_ADMIN };

int vg_role_parse(const char *s);     /* VG_ROLE_*, VG_ROLE_NONE when unknown */
const char *vg_role_name(int role);

/* out needs 160 bytes. */
int vg_password_hash(const char *password, char *out, size_t cap) VG_WARN_UNUSED;
bool vg_password_verify(const char *password, const char *stored);

/* New token: hex (65 bytes) to show once, and its hash (65 bytes) to store. */
int vg_token_new(char hex[65], char hash[65]) VG_WARN_UNUSED;
void vg_token_hash(const char *hex, char hash[65]);
/* Random printable password (for `vigil up`'s generated admin), n < cap. */
int vg_random_password(char *out, size_t n) VG_WARN_UNUSED;

#endif
