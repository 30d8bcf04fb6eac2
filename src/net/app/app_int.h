/*
 * app_int.h: internals shared by the files of src/net/app/.
 *
 * A flow's app state (app_flow) holds the in-order stream state of each
 * direction, the bytes kept for protocol recognition, the protocol
 * parser's state and the list of live transactions.  Each protocol is one
 * const app_parser (callbacks) in the table of app.c.  A transaction is a
 * vg_app_tx header followed by the protocol's own data (tx->data), freed
 * by the parser's tx_free.
 */
#ifndef VG_NET_APP_APP_INT_H
#define VG_NET_APP_APP_INT_H

#include "core/eve.h"
#include "net/app/app.h"
#include "net/app/app_keywords.h"

/* Recognition results. */
enum { APP_DETECT_NO = 0, APP_DETECT_YES = 1, APP_DETECT_MORE = 2 };

/* Transaction progress bits. */
enum {
    TX_REQ_HDRS = 1 << 0,   /* request line/headers (or query, ClientHello) parsed */
    TX_REQ_DONE = 1 << 1,   /* request complete */
    TX_RES_HDRS = 1 << 2,   /* response line/headers parsed */
    TX_RES_DONE = 1 << 3,   /* response complete */
    TX_LOG_NOW = 1 << 4,    /* ready to be logged (and freed) */
    TX_REQ_LINE = 1 << 5,   /* request line parsed (HTTP: URI buffers available) */
};

struct vg_app_tx {
    uint64_t id;
    uint16_t alproto;
    uint16_t progress;         /* TX_* */
    uint16_t progress_before;  /* progress when the current parse() call began */
    bool logged;
    uint32_t *alerted;         /* sig ids that alerted on this tx (one alert per rule per tx) */
    uint32_t nalerted, capalerted;
    uint32_t ver[2];           /* bumped when data of a side (0 request, 1 response) was parsed */
    uint32_t vis[2];           /* ver[] visible to detection: taken when a packet of that
                                  side arrives (Suricata inspects a side on its packets) */
    uint32_t seen[2];          /* vis[] when detection last looked (after a packet of that side) */
    uint32_t *cand[2];         /* prefilter: ids of sigs whose fast pattern occurs, per
                                  side, ascending */
    uint32_t ncand[2];
    struct pf_bufsig *pfsig[2]; /* prefilter: what each buffer was when last scanned */
    uint32_t cand_ver[2];      /* ver[] the sets were computed at */
    void *data;                /* protocol data, owned (parser->tx_free) */
    struct vg_file_list *files; /* files hook: files carried by the tx, owned (net/app/file.h) */
    uint64_t events;           /* appfeat hook: decoder events raised by parser callbacks
                                  (HTTP: libhtp's log), bits of net/app/app_feat.h */
    struct vg_app_tx *next;
};

typedef struct app_dir {
    bool seq_init;
    uint32_t next_seq;         /* next in-order sequence number */
    bool closed;
    /* out-of-order segments, sorted by seq */
    struct ooo_seg *ooo;
    uint32_t ooo_bytes;
    /* in-order data not yet acknowledged by the receiver: parsed once it
     * is (Suricata's IDS timing), or at flow end, or past VG_APP_UNACKED_MAX */
    uint8_t *pend;
    uint32_t pend_len, pend_cap;
    uint32_t pend_head;        /* held bytes are pend[pend_head, pend_head + pend_len):
                                  a partial release moves the head, not the bytes */
    uint32_t pend_seq;         /* sequence number of pend[pend_head] */
    uint64_t off;              /* stream bytes taken so far (gaps included) */
    bool trunc;                /* stream.reassembly.depth reached, or a gap the parser
                                  cannot take: nothing more is parsed on this side */
    bool fin;                  /* the sender's FIN was seen at fin_seq */
    uint32_t fin_seq;
    bool sent_init;
    uint32_t sent_edge;        /* highest sequence number the sender was seen to send */
    bool eof;                  /* the parser was told this side ended */
} app_dir;

typedef struct app_flow {
    app_dir dir[2];            /* 0 toserver, 1 toclient */
    uint8_t *det[2];           /* bytes kept until the protocol is known */
    uint32_t det_len[2];
    bool det_no[2];            /* direction says: none of ours */
    void *pstate;              /* parser state, owned */
    const struct app_parser *parser;
    vg_app_tx *head, *tail;
    uint32_t ntx;
    uint64_t next_tx_id;
    vg_flow *flow;
    bool closed;               /* parser->flow_end ran */
} app_flow;

typedef struct app_eve {
    vg_eve *eve;
    const vg_conf_node *settings;
} app_eve;

#define APP_MAX_EVE 4
#define APP_PBUF_CLASSES 7                /* 4 KiB .. 256 KiB (VG_APP_UNACKED_MAX) */
#define APP_PBUF_MAX_BYTES (4u << 20)

struct vg_app_ctx {
    const vg_conf *conf;
    vg_app_stats st;
    app_eve eves[7][APP_MAX_EVE]; /* by kind: 0 http, 1 dns, 2 tls, 3 modbus, 4 dnp3,
                                     5 anomaly (ICS hook: applayer anomalies),
                                     6 ssh (files hook: ssh_parser.c) */
    int neves[7];
    vg_jb jb;
    void *http_cfg;            /* libhtp configuration (htp_cfg_t), owned */
    uint64_t http_req_body_limit, http_res_body_limit;
    const vg_packet *cur_p;    /* packet being processed (for logging) */
    bool inline_mode;          /* stream.inline: parse data as it arrives, not when acked */
    uint64_t depth;            /* stream.reassembly.depth: bytes parsed per direction (0 all) */
    struct vg_files_ctx *files; /* files hook: file tracking context, owned (net/app/file.h) */
    struct tls_memo *tls_memo; /* decoded server certificates, owned (app_tls.c), or NULL */
    /* spare held-data buffers (app_dir.pend) by size class (4 KiB << k),
     * at most APP_PBUF_MAX_BYTES in all: flows that go idle give theirs
     * back and the next burst reuses memory already touched */
    void *pbuf[APP_PBUF_CLASSES];
    uint64_t pbuf_bytes;
};

typedef struct app_parser {
    uint16_t alproto;
    int eve_kind;              /* index into ctx->eves, -1 none */
    bool log_packet_dir;       /* EVE addresses in the message's direction (DNS), else client first */
    bool one_sided_tx;         /* a transaction is one message (DNS): data touches new txs only */
    /* Recognise the protocol from the first bytes of one direction. */
    int (*detect)(const uint8_t *d, uint32_t n, bool toserver, bool udp);
    /* Create the flow's state. */
    void *(*state_new)(vg_app_ctx *ctx, app_flow *af);
    void (*state_free)(void *st);
    /* Parse in-order data (TCP) or one datagram (UDP). */
    void (*parse)(vg_app_ctx *ctx, app_flow *af, bool toserver, const uint8_t *d, uint32_t n,
                  const struct timeval *ts);
    /* The flow ends: finish what can be finished (mark txs TX_LOG_NOW). */
    void (*flow_end)(vg_app_ctx *ctx, app_flow *af);
    void (*tx_free)(void *data);
    /* EVE record body for tx (the common header is written by app.c). */
    void (*tx_eve)(vg_app_ctx *ctx, const app_flow *af, const vg_app_tx *tx, vg_jb *jb,
                   const vg_conf_node *settings);
    /* Sticky buffer of tx. */
    int (*get_buffer)(const app_flow *af, const vg_app_tx *tx, uint16_t buf_id, uint32_t idx,
                      const uint8_t **data, uint32_t *len);
    /* Optional: len bytes of one direction were never seen (capture loss).
     * Returns false when the parser cannot continue past a gap; without
     * this hook a gap ends parsing of that direction. */
    bool (*gap)(vg_app_ctx *ctx, app_flow *af, bool toserver, uint32_t len,
                const struct timeval *ts);
    /* Optional: the sender closed its side (FIN) and all its data was parsed. */
    void (*eof)(vg_app_ctx *ctx, app_flow *af, bool toserver, const struct timeval *ts);
    /* Optional (appfeat hook): does an eve-log with these settings log tx?
     * (DNS requests/responses/types, TLS sessions without certificate);
     * without it every finished transaction is logged. */
    bool (*tx_log_ok)(vg_app_ctx *ctx, const app_flow *af, const vg_app_tx *tx,
                      const vg_conf_node *settings);
    /* Optional: with both sides ended and no transaction left, would
     * flow_end still make one (data held back, a message the close
     * completes)?  false then; without this hook flow_end is taken to only
     * finish existing transactions, as documented above. */
    bool (*idle)(const app_flow *af);
} app_parser;

extern const app_parser vg_app_parser_http, vg_app_parser_dns, vg_app_parser_tls;
/* ICS hook: Modbus/TCP and DNP3 (net/app/ics_*.c) */
extern const app_parser vg_ics_parser_modbus, vg_ics_parser_dnp3;
extern const app_parser vg_app_parser_ssh; /* files hook: SSH banners (net/app/ssh_parser.c) */
int vg_ics_detect_modbus(const uint8_t *d, uint32_t n, bool toserver, bool udp);
int vg_ics_detect_dnp3(const uint8_t *d, uint32_t n, bool toserver, bool udp);

/* Recognisers without a parser (app_proto.c). */
int vg_app_detect_ssh(const uint8_t *d, uint32_t n, bool toserver, bool udp);
int vg_app_detect_smtp(const uint8_t *d, uint32_t n, bool toserver, bool udp);
int vg_app_detect_ftp(const uint8_t *d, uint32_t n, bool toserver, bool udp);
int vg_app_detect_http(const uint8_t *d, uint32_t n, bool toserver, bool udp);
int vg_app_detect_dns(const uint8_t *d, uint32_t n, bool toserver, bool udp);
int vg_app_detect_tls(const uint8_t *d, uint32_t n, bool toserver, bool udp);
/* Which protocol these bytes are: an alproto, VG_ALPROTO_UNKNOWN when more
 * data may tell, VG_ALPROTO_FAILED when none of ours. */
uint16_t vg_app_recognise(const uint8_t *d, uint32_t n, bool toserver, bool udp);

/* Free the TLS certificate memo of an app context (app_tls.c). */
void vg_app_tls_memo_free(struct tls_memo *m);

/* Append a new transaction (NULL at the cap, counted). */
vg_app_tx *vg_app_tx_new(vg_app_ctx *ctx, app_flow *af, void *data);

#endif
