/*
 * app.h: vigil net's application layer as the pipeline and detection see it.
 *
 * Job: recognise the protocol of a flow by its content (never by port),
 * parse HTTP/1.x (through libhtp), DNS (UDP and TCP) and TLS handshakes
 * into transactions, offer each transaction's fields to detection as
 * sticky buffers (http.uri, dns.query, tls.sni...) and log each finished
 * transaction as an EVE record (`http`, `dns`, `tls`) in Suricata 8's shape.
 *
 * Data path: the pipeline calls vg_app_on_packet() for every packet after
 * flow handling and before detection.  TCP payloads that the flow table
 * accepted into the stream (VG_PKT_STREAM_ADD) are put in order per
 * direction here (a small, capped out-of-order queue; retransmitted bytes
 * are skipped, a gap past the cap is skipped over) and handed to the
 * protocol parser once the receiver acknowledged them, as Suricata does in
 * IDS mode; a side's transactions are inspected on that side's packets.
 * UDP payloads are parsed per datagram.
 * After the packet's alerts were logged, vg_app_after_packet() logs the
 * transactions that finished and frees them; vg_app_flow_end() logs the
 * rest and frees the flow's state (f->app_state).
 *
 * Invariants: f->alproto is set once, from 0 to a protocol or to
 * VG_ALPROTO_FAILED; transaction ids count from 0 per flow; a transaction
 * lives until it is logged (both sides done, or the flow ends).
 *
 * Limits (each hit counted in vg_app_stats): per-direction out-of-order
 * queue (VG_APP_OOO_MAX bytes), protocol detection window
 * (VG_APP_DETECT_MAX bytes per direction), transactions alive per flow
 * (VG_APP_TX_MAX), HTTP header and body bytes kept for inspection, DNS
 * names (255 bytes, 32 compression jumps), records per DNS message, TLS
 * handshake message size and certificate chain length.
 *
 * The ids below equal the rule parser's app-layer protocol ids (the order
 * of its table in net/detect/rule_parse.c), so a rule header's `http` and
 * app-layer-protocol:http compare equal to f->alproto; a unit test pins it.
 */
#ifndef VG_NET_APP_APP_H
#define VG_NET_APP_APP_H

#include "core/conf.h"
#include "core/jbuf.h"
#include "net/flow.h"
#include "net/packet.h"
#include "net/sig.h"

enum {
    VG_ALPROTO_UNKNOWN = 0,
    VG_ALPROTO_HTTP = 1,
    VG_ALPROTO_FTP = 4,
    VG_ALPROTO_SMTP = 6,
    VG_ALPROTO_TLS = 7,
    VG_ALPROTO_SSH = 8,
    VG_ALPROTO_DNS = 13,
    VG_ALPROTO_MODBUS = 14,
    VG_ALPROTO_DNP3 = 16,
    VG_ALPROTO_FAILED = 42,
};

/* "http", "dns", ... or NULL for an unknown id. */
const char *vg_app_proto_name(uint16_t alproto);

#define VG_APP_OOO_MAX (256u << 10)   /* out-of-order bytes queued per direction */
#define VG_APP_DETECT_MAX 4096        /* bytes looked at to recognise a protocol */
#define VG_APP_TX_MAX 512             /* live transactions per flow */
#define VG_APP_UNACKED_MAX (256u << 10) /* unacknowledged bytes held per direction */

/* Counters (per thread context). */
typedef struct vg_app_stats {
    uint64_t flows[64];           /* flows recognised, by alproto (index < 64) */
    uint64_t tx_logged;
    uint64_t ooo_cap;             /* out-of-order queue full: data skipped */
    uint64_t gaps;                /* stream gaps skipped */
    uint64_t gap_stop;            /* directions whose parser could not take a gap */
    uint64_t depth_trunc;         /* directions cut at stream.reassembly.depth */
    uint64_t tx_cap;              /* transactions dropped at VG_APP_TX_MAX */
    uint64_t http_body_cap;       /* body bytes beyond the inspection limit */
    uint64_t http_header_cap;
    uint64_t dns_malformed;       /* DNS messages that failed to parse */
    uint64_t dns_name_cap;        /* names cut at 255 bytes or 32 jumps */
    uint64_t dns_rr_cap;          /* records beyond the per-message cap */
    uint64_t tls_malformed;
    uint64_t tls_cap;             /* handshake message or chain beyond the cap */
    uint64_t tx_proto[2][64];     /* transactions created, [udp][alproto] (app_layer.tx) */
    uint64_t dns_malformed_proto[2]; /* dns_malformed by transport, [udp] (app_layer.error) */
} vg_app_stats;

typedef struct vg_app_ctx vg_app_ctx;
typedef struct vg_eve vg_eve;

/* A thread's application layer.  conf (borrowed, must outlive ctx) gives
 * the app-layer settings (libhtp body limits, personality); eve writers
 * are attached with vg_app_add_eve(). */
int vg_app_ctx_new(vg_app_ctx **out, const vg_conf *conf, char *errbuf) VG_WARN_UNUSED;
void vg_app_ctx_free(vg_app_ctx *ctx);
/* Log event type `type` ("http", "dns", "tls") to eve (borrowed) with the
 * type's settings node from the eve-log types list (NULL: defaults). */
void vg_app_add_eve(vg_app_ctx *ctx, const char *type, vg_eve *eve, const vg_conf_node *settings);
const vg_app_stats *vg_app_get_stats(const vg_app_ctx *ctx);

/* Before detection: parse what p carries for its flow. */
void vg_app_on_packet(vg_app_ctx *ctx, vg_packet *p);
/* Lower-level entry: in-order stream data of f in one direction (used by
 * vg_app_on_packet and by tests). */
void vg_app_on_stream(vg_app_ctx *ctx, vg_flow *f, const vg_packet *p, bool toserver,
                      const uint8_t *data, uint32_t len);
/* After p's alerts were output: log and free finished transactions. */
void vg_app_after_packet(vg_app_ctx *ctx, vg_packet *p);
/* The flow is ending, before its last inspection: parsers finish what
 * the end of data completes (e.g. HTTP bodies delimited by the close), so
 * detection sees it. */
void vg_app_flow_closing(vg_app_ctx *ctx, vg_flow *f);
/* The flow ends: log what is left, free f->app_state. */
void vg_app_flow_end(vg_app_ctx *ctx, vg_flow *f);

/* ---- transactions, for detection --------------------------------------- */

typedef struct vg_app_tx vg_app_tx;

/* First live transaction of f (NULL when none), and the next one. */
vg_app_tx *vg_app_tx_first(const vg_flow *f);
vg_app_tx *vg_app_tx_next(const vg_app_tx *tx);
uint64_t vg_app_tx_id(const vg_app_tx *tx);

/* The bytes of sticky buffer buf_id (>= VG_BUF_APP_FIRST) of tx; idx
 * selects the entry of a multi-buffer (dns.queries.rrname, one per query;
 * single buffers have only idx 0).  VG_OK with data/len (borrowed from
 * the tx, valid until the next vg_app_* call on the flow), VG_DECLINED
 * when tx has no such buffer (or entry). */
int vg_app_get_buffer(const vg_flow *f, const vg_app_tx *tx, uint16_t buf_id, uint32_t idx,
                      const uint8_t **data, uint32_t *len);

/* Writes the app-layer fields of an alert on tx (e.g. "http": {...}) into
 * an open EVE object; nothing when the tx is unknown. */
void vg_app_tx_eve(const vg_flow *f, const vg_app_tx *tx, vg_jb *jb);

#endif
