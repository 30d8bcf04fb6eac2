/*
 * app_keywords.h: the app-layer sticky buffers and their rule keywords.
 *
 * Each buffer has an id >= VG_BUF_APP_FIRST (sig.h) and a side: request
 * (to server) or response (to client).  Keywords: the sticky buffer names
 * (http.uri, dns.query, tls.sni...) and the legacy content modifiers
 * (http_uri, http_header...), which move the previous content into the
 * buffer.  vg_app_keywords is NULL-terminated and searched by
 * vg_keyword_find() after the detect and payload tables.
 */
#ifndef VG_NET_APP_APP_KEYWORDS_H
#define VG_NET_APP_APP_KEYWORDS_H

#include "net/sig.h"

enum vg_app_buf {
    VG_ABUF_HTTP_URI = VG_BUF_APP_FIRST,
    VG_ABUF_HTTP_URI_RAW,
    VG_ABUF_HTTP_METHOD,
    VG_ABUF_HTTP_REQUEST_LINE,
    VG_ABUF_HTTP_HEADER,          /* request headers, normalised "Name: value\r\n" */
    VG_ABUF_HTTP_HEADER_RAW,
    VG_ABUF_HTTP_HEADER_NAMES,
    VG_ABUF_HTTP_HOST,
    VG_ABUF_HTTP_HOST_RAW,
    VG_ABUF_HTTP_USER_AGENT,
    VG_ABUF_HTTP_COOKIE,
    VG_ABUF_HTTP_REFERER,
    VG_ABUF_HTTP_CONTENT_TYPE,
    VG_ABUF_HTTP_CONTENT_LEN,
    VG_ABUF_HTTP_PROTOCOL,
    VG_ABUF_HTTP_START,
    VG_ABUF_HTTP_ACCEPT,
    VG_ABUF_HTTP_ACCEPT_ENC,
    VG_ABUF_HTTP_ACCEPT_LANG,
    VG_ABUF_HTTP_CONNECTION,
    VG_ABUF_HTTP_REQUEST_BODY,
    VG_ABUF_HTTP_REQUEST_HEADER,  /* multi: one "Name: value" per header */
    /* response side */
    VG_ABUF_HTTP_STAT_CODE,
    VG_ABUF_HTTP_STAT_MSG,
    VG_ABUF_HTTP_RESPONSE_LINE,
    VG_ABUF_HTTP_RESPONSE_BODY,
    VG_ABUF_HTTP_SERVER,
    VG_ABUF_HTTP_LOCATION,
    VG_ABUF_HTTP_RES_HEADER,      /* response headers (http.header in a to_client rule) */
    VG_ABUF_HTTP_RES_HEADER_RAW,
    VG_ABUF_HTTP_RES_HEADER_NAMES,
    VG_ABUF_HTTP_RES_CONTENT_TYPE,
    VG_ABUF_HTTP_RES_CONTENT_LEN,
    VG_ABUF_HTTP_RES_START,
    VG_ABUF_HTTP_RESPONSE_HEADER, /* multi */
    VG_ABUF_HTTP_RES_COOKIE,
    VG_ABUF_HTTP_RES_CONNECTION,
    /* DNS */
    VG_ABUF_DNS_QUERY,            /* multi: query names of requests */
    VG_ABUF_DNS_QUERIES_RRNAME,   /* multi: query names, both directions */
    VG_ABUF_DNS_ANSWERS_RRNAME,   /* multi */
    VG_ABUF_DNS_AUTH_RRNAME,      /* multi */
    VG_ABUF_DNS_ADD_RRNAME,       /* multi */
    VG_ABUF_DNS_RESP_QUERY,       /* multi: the query names in a response */
    /* TLS */
    VG_ABUF_TLS_SNI,
    VG_ABUF_TLS_CERT_SUBJECT,
    VG_ABUF_TLS_CERT_ISSUER,
    VG_ABUF_TLS_CERT_SERIAL,
    VG_ABUF_TLS_CERT_FINGERPRINT,
    VG_ABUF_TLS_CERTS,            /* multi: DER of each certificate */
    VG_ABUF_TLS_SAN,              /* multi */
    VG_ABUF_TLS_ALPN,             /* multi */
    VG_ABUF_JA3_HASH,
    VG_ABUF_JA3_STRING,
    VG_ABUF_JA3S_HASH,
    VG_ABUF_JA3S_STRING,
    VG_ABUF_JA4_HASH,
    VG_ABUF_DNP3_DATA,            /* ICS hook: dnp3_data (net/app/ics_keywords.c) */
    VG_ABUF_FILE_NAME,            /* files hook: multi, one per file (net/app/file_keywords.c) */
    VG_ABUF_FILE_MAGIC,           /* files hook: multi, libmagic of each file */
    VG_ABUF_SSH_PROTO,            /* files hook: ssh.proto, the client's (ssh_parser.c) */
    VG_ABUF_SSH_SOFTWARE,         /* files hook: ssh.software, the client's */
    VG_ABUF_SSH_PROTO_SRV,        /* files hook: ssh.proto in a to_client rule */
    VG_ABUF_SSH_SOFTWARE_SRV,     /* files hook: ssh.software in a to_client rule */
    VG_ABUF_TLS_RANDOM,           /* the client's random to the server, the server's to the client */
    VG_ABUF_TLS_RANDOM_TIME,      /* its first 4 bytes */
    VG_ABUF_TLS_RANDOM_BYTES,     /* its last 28 bytes */
    VG_ABUF_END,
};

_Static_assert((int)VG_ABUF_END <= (int)VG_BUF_MAX, "app buffers exceed VG_BUF_MAX");

/* Which side a buffer belongs to: true for the response (to client). */
bool vg_app_buf_toclient(uint16_t buf_id);
/* Does a rule naming this buffer look at both sides (http.header...)? */
bool vg_app_buf_both(uint16_t buf_id);
/* Buffer name for messages ("http.uri"). */
const char *vg_app_buf_name(uint16_t buf_id);

extern const vg_keyword *const vg_app_keywords[];

/* Register the pcre HTTP modifiers' buffers with the payload engine (once,
 * before rules load; idempotent). */
void vg_app_keywords_init(void);

#endif
