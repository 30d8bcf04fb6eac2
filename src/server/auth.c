#include "server/auth.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SCRYPT_N 32768
#define SCRYPT_R 8
#define SCRYPT_P 1
#define SCRYPT_MAXMEM (64u << 20)

static const char *const role_names[] = {"none", "sensor", "viewer", "analyst", "admin"};

int vg_role_parse(const char *s)
{
    for (int i = 1; i < (int)VG_ARRAY_LEN(role_names); i++)
        if (s && strcmp(s, role_names[i]) == 0)
            return i;
    return VG_ROLE_NONE;
}

const char *vg_role_name(int role)
{
    return role > 0 && role < (int)VG_ARRAY_LEN(role_names) ? role_names[role] : "none";
}

static int derive(const char *pw, const uint8_t *salt, size_t saltlen, uint64_t n, uint64_t r,
                  uint64_t p, uint8_t out[32])
{
    return EVP_PBE_scrypt(pw, strlen(pw), salt, saltlen, n, r, p, SCRYPT_MAXMEM, out, 32) == 1
               ? VG_OK : VG_EINVAL;
}

int vg_password_hash(const char *password, char *out, size_t cap)
{
    uint8_t salt[16], key[32];
    if (RAND_bytes(salt, sizeof salt) != 1)
        return VG_EIO;
    if (derive(password, salt, sizeof salt, SCRYPT_N, SCRYPT_R, SCRYPT_P, key) != VG_OK)
        return VG_EINVAL;
    unsigned char s64[32], k64[48];
    EVP_EncodeBlock(s64, salt, sizeof salt);
    EVP_EncodeBlock(k64, key, sizeof key);
    int n = snprintf(out, cap, "scrypt$%d$%d$%d$%s$%s", SCRYPT_N, SCRYPT_R, SCRYPT_P, s64, k64);
    OPENSSL_cleanse(key, sizeof key);
    return n > 0 && (size_t)n < cap ? VG_OK : VG_ELIMIT;
}

bool vg_password_verify(const char *password, const char *stored)
{
    unsigned long n, r, p;
    char s64[64], k64[64];
    if (!stored || sscanf(stored, "scrypt$%lu$%lu$%lu$%63[^$]$%63s", &n, &r, &p, s64, k64) != 5)
        return false;
    if (n < 2 || n > (1u << 20) || r == 0 || r > 32 || p == 0 || p > 16)
        return false;
    uint8_t salt[48], want[48], got[32];
    int sl = EVP_DecodeBlock(salt, (const unsigned char *)s64, (int)strlen(s64));
    int kl = EVP_DecodeBlock(want, (const unsigned char *)k64, (int)strlen(k64));
    /* EVP_DecodeBlock counts padding bytes; salts are 16 bytes, keys 32. */
    if (sl < 16 || kl < 32)
        return false;
    if (derive(password, salt, 16, n, r, p, got) != VG_OK)
        return false;
    bool ok = CRYPTO_memcmp(got, want, 32) == 0;
    OPENSSL_cleanse(got, sizeof got);
    return ok;
}

static void hex(const uint8_t *b, size_t n, char *out)
{
    static const char d[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = d[b[i] >> 4];
        out[2 * i + 1] = d[b[i] & 15];
    }
    out[2 * n] = '\0';
}

void vg_token_hash(const char *token, char hash[65])
{
    uint8_t md[32];
    unsigned int len = 0;
    EVP_Digest(token, strlen(token), md, &len, EVP_sha256(), NULL);
    hex(md, 32, hash);
}

int vg_token_new(char out[65], char hash[65])
{
    uint8_t b[32];
    if (RAND_bytes(b, sizeof b) != 1)
        return VG_EIO;
    hex(b, sizeof b, out);
    vg_token_hash(out, hash);
    OPENSSL_cleanse(b, sizeof b);
    return VG_OK;
}

int vg_random_password(char *out, size_t n)
{
    static const char alphabet[] = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    uint8_t b[64];
    if (n == 0 || n > sizeof b || RAND_bytes(b, (int)n) != 1)
        return VG_EINVAL;
    for (size_t i = 0; i < n; i++)
        out[i] = alphabet[b[i] % (sizeof alphabet - 1)];
    out[n] = '\0';
    return VG_OK;
}
