/*
 * app_feat.h: app-layer decoder events and the state keywords
 * (app_feat_kw.c: ssl_version, ssl_state, app-layer-event) and the
 * X-Forwarded-For lookup for alerts (app_feat_xff.c).
 *
 * Events are bits of a per-transaction mask, numbered as the names in
 * app_feat_kw.c (Suricata's names): VG_HTTP_EV_* for HTTP (derived on
 * demand from libhtp's transaction), VG_DNS_EV_* (app_dns.h) and
 * VG_TLS_EV_* (app_tls.h) stored by those parsers.
 */
#ifndef VG_NET_APP_APP_FEAT_H
#define VG_NET_APP_APP_FEAT_H

#include "net/app/app.h"
#include "net/app/app_tls.h"

/* HTTP events (bit numbers), Suricata's names in app_feat_kw.c. */
enum {
    VG_HTTP_EV_UNKNOWN_ERROR = 0,
    VG_HTTP_EV_GZIP_DECOMPRESSION_FAILED = 1,
    VG_HTTP_EV_REQUEST_FIELD_MISSING_COLON = 2,
    VG_HTTP_EV_RESPONSE_FIELD_MISSING_COLON = 3,
    VG_HTTP_EV_INVALID_REQUEST_CHUNK_LEN = 4,
    VG_HTTP_EV_INVALID_RESPONSE_CHUNK_LEN = 5,
    VG_HTTP_EV_INVALID_TE_IN_REQUEST = 6,
    VG_HTTP_EV_INVALID_TE_IN_RESPONSE = 7,
    VG_HTTP_EV_INVALID_CL_IN_REQUEST = 8,
    VG_HTTP_EV_INVALID_CL_IN_RESPONSE = 9,
    VG_HTTP_EV_100_CONTINUE_ALREADY_SEEN = 12,
    VG_HTTP_EV_UNABLE_TO_MATCH_RESPONSE = 13,
    VG_HTTP_EV_INVALID_SERVER_PORT = 14,
    VG_HTTP_EV_INVALID_AUTHORITY_PORT = 15,
    VG_HTTP_EV_REQUEST_HEADER_INVALID = 16,
    VG_HTTP_EV_RESPONSE_HEADER_INVALID = 17,
    VG_HTTP_EV_MISSING_HOST = 18,
    VG_HTTP_EV_HOST_AMBIGUOUS = 19,
    VG_HTTP_EV_INVALID_REQUEST_FOLDING = 20,
    VG_HTTP_EV_INVALID_RESPONSE_FOLDING = 21,
    VG_HTTP_EV_REQUEST_FIELD_TOO_LONG = 22,
    VG_HTTP_EV_RESPONSE_FIELD_TOO_LONG = 23,
    VG_HTTP_EV_REQUEST_LINE_INVALID = 25,
    VG_HTTP_EV_URI_HOST_INVALID = 28,
    VG_HTTP_EV_HEADER_HOST_INVALID = 29,
    VG_HTTP_EV_AUTH_UNRECOGNIZED = 30,
};

struct htp_tx_t;

/* The libhtp transaction of an HTTP tx, or NULL (app_http.c). */
struct htp_tx_t *vg_app_http_htx(const vg_app_tx *tx);
/* HTTP events of a libhtp transaction's flags (Suricata's request flag
 * checks); the events of libhtp's log messages are recorded on the
 * vg_app_tx by the log hook (registered by app_http.c), which attributes a
 * message to the transaction being parsed on its side. */
uint64_t vg_app_http_events(const struct htp_tx_t *htx);
/* The decoder events raised on tx (a mask of the protocol's bits). */
uint64_t vg_app_tx_events(const vg_app_tx *tx);
/* Suricata's name of event bit of protocol alproto, or NULL. */
const char *vg_app_event_name(uint16_t alproto, unsigned bit);
/* An EVE applayer anomaly record for each event bit newly raised on the
 * packet being processed (Suricata's anomaly output: tls and http event
 * names in capitals), at most 16 per flow (*budget). */
void vg_app_event_anomalies(vg_app_ctx *ctx, uint16_t alproto, uint64_t bits, uint32_t *budget);

/* The pure matchers of ssl_version / ssl_state (ctx from the keyword's
 * setup; to_client: the side being inspected): 1 match, 0 not. */
int vg_app_ssl_version_match(const void *ctx, const vg_tls_info *t, bool to_client);
int vg_app_ssl_state_match(const void *ctx, const vg_tls_info *t, bool to_client);

/* Hook for app_match.c's vg_app_match_dir: 2 (either side) for the
 * keywords of app_feat_kw.c, -1 for others. */
int vg_app_feat_match_dir(const vg_keyword *kw);

/* ---- X-Forwarded-For (app_feat_xff.c) ---- */

/* The address the configured header (name, case-insensitive) of the HTTP
 * transaction tx_id of f carries (tx_id UINT64_MAX: the last live
 * transaction that has the header): the first (forward) or the last
 * (reverse) of a comma-separated list, checked to be an IPv4 or IPv6
 * address; written NUL-terminated to out (at least 46 bytes).  false when
 * there is no such transaction, header or valid address. */
bool vg_app_xff(const vg_flow *f, uint64_t tx_id, const char *header, bool last, char *out,
                size_t outlen);

#endif
