/*
 * app_tls.h: what the TLS handshake parser extracts (one vg_tls_info per
 * flow) and its pure entry points, for the glue and the tests.
 *
 * vg_tls_handshake() parses one complete handshake message (type, body)
 * of a direction into t; it never reads outside d[0..n), keeps at most
 * 128 ciphers/extensions, VG_TLS_MAX_ALPN ALPN names, VG_TLS_MAX_SAN names
 * and 10 certificates (DER copies); the first certificate is decoded with
 * OpenSSL.  Strings are NUL-terminated and owned by t.
 *
 * For the keywords it also keeps both randoms (tls.random*), the handshake
 * messages seen (ssl_state: all in hs_flags; per side in cur_flags, those
 * parsed since detection last looked), each side's version (ssl_version)
 * and the TLS decoder events raised (app-layer-event:tls.*, VG_TLS_EV_*).
 * SANs are kept up to VG_TLS_MAX_SAN (bounded anyway by the 256 KiB
 * handshake message cap).
 */
#ifndef VG_NET_APP_APP_TLS_H
#define VG_NET_APP_APP_TLS_H

#include "core/conf.h"
#include "core/jbuf.h"

#define VG_TLS_MAX_ALPN 16
#define VG_TLS_MAX_SAN 4096           /* DNS names kept from the SAN extension */

/* ssl_state flags (Suricata's names: client_hello, server_hello,
 * client_keyx, server_keyx, unknown) */
enum {
    VG_TLS_ST_CLIENT_HELLO = 1 << 0,
    VG_TLS_ST_SERVER_HELLO = 1 << 1,
    VG_TLS_ST_CLIENT_KEYX = 1 << 2,
    VG_TLS_ST_SERVER_KEYX = 1 << 3,
    VG_TLS_ST_UNKNOWN = 1 << 4,
};

/* TLS decoder events (app-layer-event:tls.<name>; names in app_event.c) */
enum {
    VG_TLS_EV_INVALID_SSLV2_HEADER = 1u << 0,
    VG_TLS_EV_INVALID_TLS_HEADER = 1u << 1,
    VG_TLS_EV_INVALID_RECORD_VERSION = 1u << 2,
    VG_TLS_EV_INVALID_RECORD_TYPE = 1u << 3,
    VG_TLS_EV_INVALID_RECORD_LENGTH = 1u << 4,
    VG_TLS_EV_INVALID_HANDSHAKE_MESSAGE = 1u << 5,
    VG_TLS_EV_HEARTBEAT = 1u << 6,
    VG_TLS_EV_HANDSHAKE_INVALID_LENGTH = 1u << 7,
    VG_TLS_EV_MULTIPLE_SNI = 1u << 8,
    VG_TLS_EV_INVALID_SNI_TYPE = 1u << 9,
    VG_TLS_EV_INVALID_SNI_LENGTH = 1u << 10,
    VG_TLS_EV_CERT_INVALID_DER = 1u << 11,
    VG_TLS_EV_INVALID_CERTIFICATE = 1u << 12,
    VG_TLS_EV_CERT_INVALID_LENGTH = 1u << 13,
    VG_TLS_EV_INVALID_SSL_RECORD = 1u << 14,
    VG_TLS_EV_ERROR_MESSAGE = 1u << 15,
};

typedef struct vg_tls_info {
    bool has_client_hello, has_server_hello, has_certs;
    uint16_t client_version, server_version, cipher;
    uint16_t client_sv_version;   /* first valid version of the client's supported_versions */
    uint8_t client_random[32], server_random[32];
    bool has_client_random, has_server_random;
    uint8_t session_id[32];       /* the ClientHello's session id */
    uint8_t session_id_len;
    bool session_resumed;         /* the ServerHello took the client's session id */
    uint8_t hs_flags;             /* VG_TLS_ST_* seen so far */
    uint8_t cur_flags[2];         /* VG_TLS_ST_* parsed since detection last looked, per
                                     side (0 client) */
    uint32_t events;              /* VG_TLS_EV_* */
    /* ClientHello / ServerHello lists for the EVE handshake objects (owned) */
    uint16_t *ch_ciphers, *ch_exts, *ch_sigalgs, *sh_exts;
    uint32_t n_ch_ciphers, n_ch_exts, n_ch_sigalgs, n_sh_exts;
    char *sni;
    char *ja3, *ja3_hash, *ja3s, *ja3s_hash, *ja4;
    char *alpn[VG_TLS_MAX_ALPN];
    uint32_t nalpn;
    char *server_alpn;            /* the ALPN the server chose, or NULL */
    /* first certificate of the server's chain */
    char *subject, *issuer, *serial, *fingerprint;
    char notbefore[24], notafter[24];
    char **san;                   /* owned array of nsan names */
    uint32_t nsan, cap_san;
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
/* The "tls" object of an EVE record, with every field (Suricata's
 * extended logging). */
void vg_tls_info_eve(const vg_tls_info *t, vg_jb *jb);

/* Field selection of the EVE tls record (eve-log types tls: extended,
 * custom: [...], session-resumption), VG_TLS_F_* bits. */
enum {
    VG_TLS_F_SUBJECT = 1u << 0, VG_TLS_F_ISSUER = 1u << 1, VG_TLS_F_SESSION_RESUMED = 1u << 2,
    VG_TLS_F_SERIAL = 1u << 3, VG_TLS_F_FINGERPRINT = 1u << 4, VG_TLS_F_SNI = 1u << 5,
    VG_TLS_F_VERSION = 1u << 6, VG_TLS_F_NOTBEFORE = 1u << 7, VG_TLS_F_NOTAFTER = 1u << 8,
    VG_TLS_F_CERTIFICATE = 1u << 9, VG_TLS_F_CHAIN = 1u << 10, VG_TLS_F_JA3 = 1u << 11,
    VG_TLS_F_JA3S = 1u << 12, VG_TLS_F_JA4 = 1u << 13, VG_TLS_F_SAN = 1u << 14,
    VG_TLS_F_CLIENT = 1u << 15, VG_TLS_F_CLIENT_CERT = 1u << 16, VG_TLS_F_CLIENT_CHAIN = 1u << 17,
    VG_TLS_F_CLIENT_ALPNS = 1u << 18, VG_TLS_F_SERVER_ALPNS = 1u << 19,
    VG_TLS_F_CLIENT_HS = 1u << 20, VG_TLS_F_SERVER_HS = 1u << 21,
};
/* Suricata 8's sets: basic (a tls type without extended), extended. */
#define VG_TLS_F_BASIC (VG_TLS_F_SUBJECT | VG_TLS_F_ISSUER | VG_TLS_F_SAN)
#define VG_TLS_F_EXTENDED                                                                       \
    (VG_TLS_F_BASIC | VG_TLS_F_SERIAL | VG_TLS_F_FINGERPRINT | VG_TLS_F_SNI | VG_TLS_F_VERSION | \
     VG_TLS_F_NOTBEFORE | VG_TLS_F_NOTAFTER | VG_TLS_F_JA3 | VG_TLS_F_JA3S | VG_TLS_F_JA4 |      \
     VG_TLS_F_CLIENT | VG_TLS_F_CLIENT_ALPNS | VG_TLS_F_SERVER_ALPNS)

/* The fields the settings node of the tls type select (NULL: extended, as
 * alert metadata): the basic fields, extended: yes the extended ones,
 * custom: [...] exactly those named (case-insensitive; unknown names
 * skipped; client_certificate and client_chain bring client), plus
 * session_resumed unless session-resumption: no. */
uint32_t vg_tls_eve_fields(const vg_conf_node *settings);
/* Warn (file:line and reason) about each unknown custom field name, once
 * when the output is set up; returns their count. */
int vg_tls_eve_check(const vg_conf_node *settings);
/* Is the session logged (Suricata's rule): it showed the server's
 * certificate, or was resumed and fields has VG_TLS_F_SESSION_RESUMED, or
 * the server chose TLS 1.3 (certificates encrypted). */
bool vg_tls_eve_loggable(const vg_tls_info *t, uint32_t fields);
/* The "tls" object with the given VG_TLS_F_* fields. */
void vg_tls_info_eve_fields(const vg_tls_info *t, uint32_t fields, vg_jb *jb);

#endif
