/*
 * app_tls.h: what the TLS handshake parser extracts (one vg_tls_info per
 * flow) and its pure entry points, for the glue and the tests.
 *
 * vg_tls_handshake() parses one complete handshake message (type, body)
 * of a direction into t; it never reads outside d[0..n), keeps at most
 * 128 ciphers/extensions, VG_TLS_MAX_ALPN ALPN names, VG_TLS_MAX_SAN names
 * and 10 certificates (DER copies); the first certificate is decoded with
 * OpenSSL.  Strings are NUL-terminated and owned by t.
 */
#ifndef VG_NET_APP_APP_TLS_H
#define VG_NET_APP_APP_TLS_H

#include "core/jbuf.h"

#define VG_TLS_MAX_ALPN 16
#define VG_TLS_MAX_SAN 64

typedef struct vg_tls_info {
    bool has_client_hello, has_server_hello, has_certs;
    uint16_t client_version, server_version, cipher;
    uint8_t client_random[32];
    bool has_client_random;
    char *sni;
    char *ja3, *ja3_hash, *ja3s, *ja3s_hash, *ja4;
    char *alpn[VG_TLS_MAX_ALPN];
    uint32_t nalpn;
    char *server_alpn;            /* the ALPN the server chose, or NULL */
    /* first certificate of the server's chain */
    char *subject, *issuer, *serial, *fingerprint;
    char notbefore[24], notafter[24];
    char *san[VG_TLS_MAX_SAN];
    uint32_t nsan;
    uint8_t *certs[10];
    uint32_t cert_len[10];
    uint32_t ncerts;
    struct vg_tls_info *client;   /* the client's certificate chain (mutual TLS), or NULL */
} vg_tls_info;

/* A client-side variant of a certificate buffer id (internal to the app
 * layer: never stored in a rule). */
#define VG_TLS_CLIENT_BUF 0x8000

typedef struct vg_tls_state_ctx {
    uint64_t *capped;             /* counter of caps hit */
} vg_tls_state_ctx;

void vg_tls_handshake(vg_tls_state_ctx *cx, vg_tls_info *t, uint8_t type, const uint8_t *d,
                      uint32_t n, bool toserver);
void vg_tls_info_free(vg_tls_info *t);
const char *vg_tls_version_name(uint16_t v);
/* The "tls" object of an EVE record. */
void vg_tls_info_eve(const vg_tls_info *t, vg_jb *jb);

#endif
