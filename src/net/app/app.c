/*
 * app.c: the application layer's driver (see app.h): per-flow state, the
 * in-order stream per direction, protocol recognition, dispatch to the
 * parsers, transactions and EVE logging.
 */
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "net/app/app_int.h"
#include "net/flow/flow_table.h"
#include "net/app/file.h" /* files hook */
#include "net/app/app_dns.h" /* appfeat hook: eve settings checks */
#include "net/app/app_tls.h" /* appfeat hook */
#include "net/engine/output.h"
#include "net/detect.h"

typedef struct ooo_seg {
    uint32_t seq;
    uint32_t len;
    struct ooo_seg *next;
    uint8_t data[];
} ooo_seg;

static const app_parser *const parsers[] = {
    &vg_app_parser_http, &vg_app_parser_dns, &vg_app_parser_tls,
    &vg_ics_parser_modbus, &vg_ics_parser_dnp3, /* ICS hook */
    &vg_app_parser_ssh, /* files hook: SSH banners */
    NULL,
};

const char *vg_app_proto_name(uint16_t alproto)
{
    switch (alproto) {
    case VG_ALPROTO_HTTP: return "http";
    case VG_ALPROTO_FTP: return "ftp";
    case VG_ALPROTO_SMTP: return "smtp";
    case VG_ALPROTO_TLS: return "tls";
    case VG_ALPROTO_SSH: return "ssh";
    case VG_ALPROTO_DNS: return "dns";
    case VG_ALPROTO_MODBUS: return "modbus";
    case VG_ALPROTO_DNP3: return "dnp3";
    case VG_ALPROTO_FAILED: return "failed";
    default: return NULL;
    }
}

static const app_parser *parser_for(uint16_t alproto)
{
    for (int i = 0; parsers[i]; i++)
        if (parsers[i]->alproto == alproto)
            return parsers[i];
    return NULL;
}

/* ---- context ---------------------------------------------------------------- */

void vg_app_http_cfg_free(void *cfg);
int vg_app_http_cfg_new(vg_app_ctx *ctx, char *errbuf);

int vg_app_ctx_new(vg_app_ctx **out, const vg_conf *conf, char *errbuf)
{
    vg_app_ctx *ctx = calloc(1, sizeof(*ctx));
    if (!ctx)
        return vg_err(errbuf, VG_ENOMEM, "app-layer: out of memory");
    ctx->conf = conf;
    ctx->inline_mode = conf && vg_conf_get_bool(conf, "stream.inline", false);
    /* the app-layer sees what the reassembly keeps: up to the depth, as Suricata */
    ctx->depth = conf ? vg_conf_get_size(conf, "stream.reassembly.depth", 1u << 20) : 1u << 20;
    vg_jb_init(&ctx->jb);
    ctx->files = vg_files_ctx_new(conf, NULL); /* files hook: file tracking (NULL: none) */
    int rc = vg_app_http_cfg_new(ctx, errbuf);
    if (rc != VG_OK) {
        vg_app_ctx_free(ctx);
        return rc;
    }
    vg_app_keywords_init();
    *out = ctx;
    return VG_OK;
}

void vg_app_ctx_free(vg_app_ctx *ctx)
{
    if (!ctx)
        return;
    vg_app_http_cfg_free(ctx->http_cfg);
    vg_files_ctx_free(ctx->files); /* files hook */
    vg_app_tls_memo_free(ctx->tls_memo);
    for (int k = 0; k < APP_PBUF_CLASSES; k++) {
        while (ctx->pbuf[k]) {
            void *b = ctx->pbuf[k];
            memcpy(&ctx->pbuf[k], b, sizeof(void *));
            free(b);
        }
    }
    vg_jb_free(&ctx->jb);
    free(ctx);
}

void vg_app_add_eve(vg_app_ctx *ctx, const char *type, vg_eve *eve, const vg_conf_node *settings)
{
    if (strcmp(type, "files") == 0) { /* files hook: fileinfo records */
        vg_files_add_eve(ctx->files, eve, settings);
        return;
    }
    int k = strcmp(type, "http") == 0 ? 0 : strcmp(type, "dns") == 0 ? 1
            : strcmp(type, "tls") == 0 ? 2 : strcmp(type, "modbus") == 0 ? 3 /* ICS hook */
            : strcmp(type, "dnp3") == 0 ? 4 : strcmp(type, "anomaly") == 0 ? 5
            : strcmp(type, "ssh") == 0 ? 6 /* files hook: ssh */ : -1;
    if (k < 0 || ctx->neves[k] >= APP_MAX_EVE)
        return;
    if (k == 1 || k == 2) /* appfeat hook: warn about bad dns version / tls custom fields */
        (void)(k == 1 ? vg_dns_eve_check(settings) : vg_tls_eve_check(settings));
    ctx->eves[k][ctx->neves[k]].eve = eve;
    ctx->eves[k][ctx->neves[k]].settings = settings;
    ctx->neves[k]++;
}

const vg_app_stats *vg_app_get_stats(const vg_app_ctx *ctx)
{
    return &ctx->st;
}

/* ---- transactions ------------------------------------------------------------ */

vg_app_tx *vg_app_tx_new(vg_app_ctx *ctx, app_flow *af, void *data)
{
    if (af->ntx >= VG_APP_TX_MAX) {
        ctx->st.tx_cap++;
        return NULL;
    }
    vg_app_tx *tx = calloc(1, sizeof(*tx));
    if (!tx)
        return NULL;
    tx->id = af->next_tx_id++;
    /* nothing to inspect yet on either side; parse() bumps the side it fed */
    tx->ver[0] = tx->ver[1] = tx->vis[0] = tx->vis[1] = tx->seen[0] = tx->seen[1] = 1;
    tx->alproto = af->parser ? af->parser->alproto : 0;
    tx->data = data;
    if (af->tail)
        af->tail->next = tx;
    else
        af->head = tx;
    af->tail = tx;
    af->ntx++;
    ctx->st.tx_proto[af->flow && af->flow->proto == 17][tx->alproto & 63]++; /* appfeat hook */
    return tx;
}

static void tx_free(app_flow *af, vg_app_tx *tx)
{
    if (af->parser && af->parser->tx_free && tx->data)
        af->parser->tx_free(tx->data);
    vg_file_list_free(tx->files); /* files hook */
    free(tx->alerted);
    free(tx->cand[0]);
    free(tx->cand[1]);
    free(tx->pfsig[0]);
    free(tx->pfsig[1]);
    free(tx);
}

vg_app_tx *vg_app_tx_first(const vg_flow *f)
{
    const app_flow *af = f ? f->app_state : NULL;
    return af ? af->head : NULL;
}

vg_app_tx *vg_app_tx_next(const vg_app_tx *tx)
{
    return tx->next;
}

uint64_t vg_app_tx_id(const vg_app_tx *tx)
{
    return tx->id;
}

int vg_app_get_buffer(const vg_flow *f, const vg_app_tx *tx, uint16_t buf_id, uint32_t idx,
                      const uint8_t **data, uint32_t *len)
{
    const app_flow *af = f ? f->app_state : NULL;
    if (!af || !tx || !af->parser || !af->parser->get_buffer)
        return VG_DECLINED;
    return af->parser->get_buffer(af, tx, buf_id, idx, data, len);
}

/* ---- flow state --------------------------------------------------------------- */

/* The state of a TCP flow whose app layer is finished before the flow
 * ends (see finish_early): read-only, shared, no transactions and no
 * parser, so detection and the accessors see what a live state with
 * nothing left would show. */
static const app_flow app_done = {.closed = true};
#define APP_DONE ((void *)(uintptr_t)&app_done)

static app_flow *flow_state(vg_flow *f)
{
    if (f->app_state == APP_DONE)
        return NULL;
    if (f->app_state)
        return f->app_state;
    app_flow *af = calloc(1, sizeof(*af));
    if (!af)
        return NULL;
    af->flow = f;
    f->app_state = af;
    return af;
}

static void set_proto(vg_app_ctx *ctx, vg_flow *f, app_flow *af, uint16_t alproto)
{
    f->alproto = alproto;
    if (alproto == VG_ALPROTO_FAILED)
        f->flags |= VG_FLOW_APP_DISABLED; /* Suricata: StreamTcpDisableAppLayer */
    if (alproto < 64)
        ctx->st.flows[alproto]++;
    af->parser = parser_for(alproto);
    if (af->parser && af->parser->state_new)
        af->pstate = af->parser->state_new(ctx, af);
    if (af->parser && !af->pstate)
        af->parser = NULL;
}

static void parse(vg_app_ctx *ctx, app_flow *af, bool toserver, const uint8_t *d, uint32_t n,
                  const struct timeval *ts)
{
    if (!af->parser || !n)
        return;
    uint64_t next_id = af->next_tx_id;
    for (vg_app_tx *tx = af->head; tx; tx = tx->next)
        tx->progress_before = tx->progress;
    af->parser->parse(ctx, af, toserver, d, n, ts);
    /* transactions that may have changed are inspected again (one-message
     * transactions: only the new ones).  An HTTP transaction whose side
     * was already complete cannot change with more data of that side: not
     * bumping it lets finished keep-alive transactions be inspected once
     * and freed (otherwise each side's data re-dirtied every older
     * transaction, none was ever freed, and a long keep-alive flow hit the
     * per-flow transaction cap and stopped being parsed). */
    uint16_t side_done = toserver ? TX_REQ_DONE : TX_RES_DONE;
    for (vg_app_tx *tx = af->head; tx; tx = tx->next) {
        if (af->parser->one_sided_tx && tx->id < next_id)
            continue;
        if (tx->alproto == VG_ALPROTO_HTTP && tx->id < next_id && (tx->progress_before & side_done))
            continue;
        tx->ver[toserver ? 0 : 1]++;
    }
}

/* Data in order for one direction: recognise, then parse. */
static void on_data(vg_app_ctx *ctx, vg_flow *f, app_flow *af, bool toserver,
                    const uint8_t *d, uint32_t n, const struct timeval *ts)
{
    int di = toserver ? 0 : 1;
    if (f->alproto == VG_ALPROTO_FAILED)
        return;
    if (f->alproto != VG_ALPROTO_UNKNOWN) {
        parse(ctx, af, toserver, d, n, ts);
        return;
    }
    /* keep the first bytes of each direction until the protocol is known */
    uint32_t room = VG_APP_DETECT_MAX - af->det_len[di];
    uint32_t take = n < room ? n : room;
    if (take) {
        if (!af->det[di]) {
            af->det[di] = malloc(VG_APP_DETECT_MAX);
            if (!af->det[di])
                return;
        }
        memcpy(af->det[di] + af->det_len[di], d, take);
        af->det_len[di] += take;
    }
    uint16_t al = vg_app_recognise(af->det[di], af->det_len[di], toserver, false);
    if (al == VG_ALPROTO_UNKNOWN && af->det_len[di] >= VG_APP_DETECT_MAX)
        al = VG_ALPROTO_FAILED;
    if (al == VG_ALPROTO_FAILED) {
        af->det_no[di] = true;
        if (af->det_no[0] && af->det_no[1])
            set_proto(ctx, f, af, VG_ALPROTO_FAILED);
        return;
    }
    if (al == VG_ALPROTO_UNKNOWN)
        return;
    set_proto(ctx, f, af, al);
    /* replay what was kept: the other direction first when it came first
     * (a server banner), else this direction's bytes */
    int o = 1 - di;
    if (af->det_len[o] && !af->det_no[o])
        parse(ctx, af, o == 0, af->det[o], af->det_len[o], ts);
    parse(ctx, af, toserver, af->det[di], af->det_len[di], ts);
    if (take < n)
        parse(ctx, af, toserver, d + take, n - take, ts);
    for (int i = 0; i < 2; i++) {
        free(af->det[i]);
        af->det[i] = NULL;
        af->det_len[i] = 0;
    }
}

void vg_app_on_stream(vg_app_ctx *ctx, vg_flow *f, const vg_packet *p, bool toserver,
                      const uint8_t *data, uint32_t len)
{
    if (!len)
        return;
    app_flow *af = flow_state(f);
    if (!af)
        return;
    ctx->cur_p = p;
    on_data(ctx, f, af, toserver, data, len, p ? &p->ts : &f->last);
}

/* ---- in-order TCP data ----------------------------------------------------------- */

static void make_visible(app_flow *af, bool toserver);

static void ooo_clear(app_dir *d)
{
    ooo_seg *s = d->ooo;
    while (s) {
        ooo_seg *nx = s->next;
        free(s);
        s = nx;
    }
    d->ooo = NULL;
    d->ooo_bytes = 0;
}

/* ---- held-data buffers: recycled by size class ---- */

static int pbuf_class(uint32_t cap)
{
    int k = 0;
    while ((4096u << k) < cap && k < APP_PBUF_CLASSES)
        k++;
    return k < APP_PBUF_CLASSES && (4096u << k) == cap ? k : -1;
}

/* A buffer of at least *cap bytes: a spare of that class or, failing
 * that, of a larger one (it is touched memory already), else a new one. */
static uint8_t *pbuf_get(vg_app_ctx *ctx, uint32_t *cap)
{
    int k = pbuf_class(*cap);
    for (int c = k; c >= 0 && c < APP_PBUF_CLASSES; c++) {
        if (ctx->pbuf[c]) {
            void *b = ctx->pbuf[c];
            memcpy(&ctx->pbuf[c], b, sizeof(void *));
            *cap = 4096u << c;
            ctx->pbuf_bytes -= *cap;
            return b;
        }
    }
    return malloc(*cap);
}

static void pbuf_put(vg_app_ctx *ctx, uint8_t *b, uint32_t cap)
{
    int k = pbuf_class(cap);
    if (b && k >= 0 && ctx->pbuf_bytes + cap <= APP_PBUF_MAX_BYTES) {
        memcpy(b, &ctx->pbuf[k], sizeof(void *));
        ctx->pbuf[k] = b;
        ctx->pbuf_bytes += cap;
        return;
    }
    free(b);
}

/* Hand the first n held bytes of a direction to the parser. */
static void release(vg_app_ctx *ctx, vg_flow *f, app_dir *dir, bool toserver, uint32_t n,
                    const vg_packet *p)
{
    if (!n || !dir->pend_len)
        return;
    if (n > dir->pend_len)
        n = dir->pend_len;
    /* the parser may be fed again from here (a flow end, a replay): the
     * buffer is detached while it runs, then what is left goes back, ahead
     * of anything held meanwhile */
    uint8_t *d = dir->pend;
    uint32_t head = dir->pend_head, len = dir->pend_len, cap = dir->pend_cap;
    dir->pend = NULL;
    dir->pend_head = dir->pend_len = dir->pend_cap = 0;
    uint32_t seq = dir->pend_seq;
    vg_app_on_stream(ctx, f, p, toserver, d + head, n);
    uint32_t rest = len - n;
    if (!rest) {
        pbuf_put(ctx, d, cap); /* idle flows hold no buffer (there may be 100,000s of them) */
        return;
    }
    head += n;
    if (dir->pend_len) {
        uint32_t need = rest + dir->pend_len;
        if (need > cap) {
            uint32_t nc = cap;
            while (nc < need)
                nc *= 2;
            uint8_t *nb = pbuf_get(ctx, &nc);
            if (!nb) {
                pbuf_put(ctx, d, cap);
                return;
            }
            memcpy(nb, d + head, rest);
            pbuf_put(ctx, d, cap);
            d = nb;
            cap = nc;
            head = 0;
        } else if (head + need > cap) {
            memmove(d, d + head, rest);
            head = 0;
        }
        memcpy(d + head + rest, dir->pend + dir->pend_head, dir->pend_len);
    }
    pbuf_put(ctx, dir->pend, dir->pend_cap);
    dir->pend = d;
    dir->pend_head = head;
    dir->pend_cap = cap;
    dir->pend_len += rest;
    dir->pend_seq = seq + n;
}

/* Nothing more is parsed on this side: what was held is parsed now, and
 * the side's transactions count as complete (Suricata's truncated stream). */
static void truncate_dir(vg_app_ctx *ctx, vg_flow *f, app_dir *dir, bool toserver,
                         const vg_packet *p)
{
    if (dir->trunc)
        return;
    release(ctx, f, dir, toserver, dir->pend_len, p);
    dir->trunc = true;
    ooo_clear(dir);
}

/* len bytes from next_seq were never seen: the parser skips them or, when
 * it cannot, that side stops being parsed. */
static void gap(vg_app_ctx *ctx, vg_flow *f, app_flow *af, app_dir *dir, bool toserver,
                uint32_t len, const vg_packet *p)
{
    release(ctx, f, dir, toserver, dir->pend_len, p);
    ctx->st.gaps++;
    dir->next_seq += len;
    dir->off += len;
    bool go_on = f->alproto != VG_ALPROTO_UNKNOWN && f->alproto != VG_ALPROTO_FAILED &&
                 af->parser && af->parser->gap &&
                 af->parser->gap(ctx, af, toserver, len, p ? &p->ts : &f->last);
    if (!go_on) {
        ctx->st.gap_stop++;
        truncate_dir(ctx, f, dir, toserver, p);
    }
}

/* Deliver [seq, seq+n) given the next expected sequence number. */
static void deliver(vg_app_ctx *ctx, vg_flow *f, app_dir *dir, bool toserver,
                    uint32_t seq, const uint8_t *d, uint32_t n, const vg_packet *p)
{
    int32_t diff = (int32_t)(seq - dir->next_seq);
    if (diff < 0) {
        uint32_t skip = (uint32_t)(-(int64_t)diff);
        if (skip >= n)
            return; /* all retransmitted */
        d += skip;
        n -= skip;
        seq += skip;
    }
    if (seq != dir->next_seq || dir->trunc)
        return;
    dir->next_seq = seq + n;
    bool cut = false;
    if (ctx->depth && dir->off + n >= ctx->depth) {
        n = (uint32_t)(ctx->depth - dir->off);
        cut = true;
    }
    dir->off += n;
    if (cut) {
        ctx->st.depth_trunc++;
        release(ctx, f, dir, toserver, dir->pend_len, p);
        if (n)
            vg_app_on_stream(ctx, f, p, toserver, d, n);
        truncate_dir(ctx, f, dir, toserver, p);
        return;
    }
    if (ctx->inline_mode) {
        vg_app_on_stream(ctx, f, p, toserver, d, n);
        return;
    }
    /* hold it until the receiver acknowledges it */
    if (dir->pend_len + n > VG_APP_UNACKED_MAX) {
        release(ctx, f, dir, toserver, dir->pend_len, p);
        if (n > VG_APP_UNACKED_MAX) {
            vg_app_on_stream(ctx, f, p, toserver, d, n);
            return;
        }
    }
    uint32_t need = dir->pend_len + n;
    if (dir->pend_head + need > dir->pend_cap) {
        if (need <= dir->pend_cap) {
            /* room at the front, freed by partial releases */
            memmove(dir->pend, dir->pend + dir->pend_head, dir->pend_len);
        } else {
            uint32_t nc = dir->pend_cap ? dir->pend_cap : 4096;
            while (nc < need)
                nc *= 2;
            uint8_t *nb = pbuf_get(ctx, &nc);
            if (!nb) {
                vg_app_on_stream(ctx, f, p, toserver, d, n);
                return;
            }
            if (dir->pend_len)
                memcpy(nb, dir->pend + dir->pend_head, dir->pend_len);
            pbuf_put(ctx, dir->pend, dir->pend_cap);
            dir->pend = nb;
            dir->pend_cap = nc;
        }
        dir->pend_head = 0;
    }
    if (!dir->pend_len)
        dir->pend_seq = seq;
    memcpy(dir->pend + dir->pend_head + dir->pend_len, d, n);
    dir->pend_len += n;
}

/* Deliver the queued segments that now continue the stream (a segment
 * that truncates the side clears the queue). */
static void drain_ooo(vg_app_ctx *ctx, vg_flow *f, app_dir *dir, bool toserver,
                      const vg_packet *p)
{
    while (dir->ooo) {
        ooo_seg *s = dir->ooo;
        if ((int32_t)(s->seq - dir->next_seq) > 0)
            break;
        dir->ooo = s->next;
        dir->ooo_bytes -= s->len;
        deliver(ctx, f, dir, toserver, s->seq, s->data, s->len, p);
        free(s);
    }
}

/* p acknowledges data of dir: parse the held bytes it covers. */
static void release_acked(vg_app_ctx *ctx, vg_flow *f, app_dir *dir, bool toserver,
                          const vg_packet *p)
{
    if (!dir->pend_len)
        return;
    int32_t acked = (int32_t)(p->tcp_ack - dir->pend_seq);
    if (acked > 0)
        release(ctx, f, dir, toserver, (uint32_t)acked, p);
}

static void tcp_data(vg_app_ctx *ctx, vg_flow *f, app_flow *af, const vg_packet *p)
{
    bool toserver = (p->flags & VG_PKT_TOSERVER) != 0;
    app_dir *dir = &af->dir[toserver ? 0 : 1];
    uint32_t seq = p->tcp_seq;
    const uint8_t *d = p->payload;
    uint32_t n = p->payload_len;
    if (p->tcp_flags & 0x02) /* SYN data (TCP Fast Open) follows the ISN */
        seq++;
    if (!dir->seq_init) {
        dir->seq_init = true;
        dir->next_seq = seq;
    }
    if (dir->trunc)
        return; /* nothing more is parsed on this side */
    if (!dir->sent_init || (int32_t)(seq + n - dir->sent_edge) > 0) {
        dir->sent_init = true;
        dir->sent_edge = seq + n;
    }
    int32_t diff = (int32_t)(seq - dir->next_seq);
    if (diff > 0) {
        /* ahead: queue it, sorted, within the cap */
        if (dir->ooo_bytes + n > VG_APP_OOO_MAX) {
            ctx->st.ooo_cap++;
            return;
        }
        ooo_seg *s = malloc(sizeof(*s) + n);
        if (!s)
            return;
        s->seq = seq;
        s->len = n;
        memcpy(s->data, d, n);
        ooo_seg **pp = &dir->ooo;
        while (*pp && (int32_t)((*pp)->seq - seq) <= 0)
            pp = &(*pp)->next;
        s->next = *pp;
        *pp = s;
        dir->ooo_bytes += n;
        return;
    }
    deliver(ctx, f, dir, toserver, seq, d, n, p);
    drain_ooo(ctx, f, dir, toserver, p);
}

/* The receiver acknowledged data of dir beyond what was seen in order: it
 * was lost to the capture (or refused, e.g. a bad checksum) and will not
 * come again.  Skip it as a gap up to the next data queued or the ack. */
static void acked_unseen(vg_app_ctx *ctx, vg_flow *f, app_flow *af, app_dir *dir, bool toserver,
                         const vg_packet *p)
{
    uint32_t edge = p->tcp_ack;
    if (dir->fin && edge == dir->fin_seq + 1)
        edge = dir->fin_seq;
    /* only up to data the sender was seen to send: an ACK for data nobody
     * sent must not make the inspection skip what comes next */
    if (!dir->sent_init)
        return;
    if ((int32_t)(edge - dir->sent_edge) > 0)
        edge = dir->sent_edge;
    int32_t beyond = (int32_t)(edge - dir->next_seq);
    if (beyond <= 0 || beyond > (1 << 30))
        return;
    uint32_t len = (uint32_t)beyond;
    if (dir->ooo && (int32_t)(dir->ooo->seq - dir->next_seq) < beyond)
        len = dir->ooo->seq - dir->next_seq;
    gap(ctx, f, af, dir, toserver, len, p);
    if (dir->trunc)
        return;
    drain_ooo(ctx, f, dir, toserver, p);
    release_acked(ctx, f, dir, toserver, p); /* what is now in order and acknowledged */
}

/* Both sides of a TCP flow ended (FIN, all data parsed), nothing is held
 * or queued, no transaction is left, the parser has nothing its flow_end
 * would finish, and the session is closed (the tracker adds no more data):
 * nothing can come from the app layer until the flow ends, maybe many
 * seconds later.  Its memory (libhtp's connection, our state) is given
 * back now, for the next flows to reuse while it is warm; the flow keeps
 * the shared finished state. */
static void finish_early(vg_app_ctx *ctx, vg_flow *f, app_flow *af)
{
    for (int i = 0; i < 2; i++) {
        const app_dir *d = &af->dir[i];
        if (!d->eof || d->pend_len || d->ooo)
            return;
    }
    if (af->head || !vg_flow_tcp_closed(f))
        return;
    if (af->parser && af->parser->idle && !af->parser->idle(af))
        return;
    vg_app_flow_end(ctx, f);
    f->app_state = APP_DONE;
}

void vg_app_on_packet(vg_app_ctx *ctx, vg_packet *p)
{
    vg_flow *f = p->flow;
    if (!ctx || !f || (f->flags & VG_FLOW_DROP) || f->app_state == APP_DONE)
        return;
    ctx->cur_p = p;
    bool toserver = (p->flags & VG_PKT_TOSERVER) != 0;
    if (p->proto == 17) {
        if (!p->payload_len || f->alproto == VG_ALPROTO_FAILED)
            return;
        app_flow *af = flow_state(f);
        if (!af)
            return;
        if (f->alproto == VG_ALPROTO_UNKNOWN) {
            uint16_t al = vg_app_recognise(p->payload, p->payload_len, toserver, true);
            if (al == VG_ALPROTO_DNS)
                set_proto(ctx, f, af, al);
            else
                return; /* a later datagram may still tell */
        }
        parse(ctx, af, toserver, p->payload, p->payload_len, &p->ts);
        make_visible(af, toserver);
        return;
    }
    if (p->proto != 6)
        return;
    app_flow *af = flow_state(f);
    if (!af)
        return;
    app_dir *dir = &af->dir[toserver ? 0 : 1];
    /* the ISN of a SYN the session took, not of one it refused (a bad
     * checksum): a later SYN on the flow starts the real session */
    uint32_t isn, nxt;
    if ((p->tcp_flags & 0x02) && !dir->seq_init && vg_flow_tcp_seq(f, toserver, &isn, &nxt) &&
        isn == p->tcp_seq) {
        dir->seq_init = true;
        dir->next_seq = p->tcp_seq + 1;
    }
    /* this packet acknowledges the other side's data: parse it now */
    app_dir *o = &af->dir[toserver ? 1 : 0];
    if (p->tcp_flags & 0x10)
        release_acked(ctx, f, o, !toserver, p);
    if ((p->tcp_flags & 0x10) && o->seq_init && !o->trunc)
        acked_unseen(ctx, f, af, o, !toserver, p);
    if (p->tcp_flags & 0x01) { /* FIN: takes one sequence number after the data */
        dir->fin = true;
        dir->fin_seq = p->tcp_seq + p->payload_len + ((p->tcp_flags & 0x02) ? 1u : 0u);
    }
    if (p->payload_len && (p->flags & VG_PKT_STREAM_ADD))
        tcp_data(ctx, f, af, p);
    /* a side that sent its FIN and whose data was all parsed has ended (as
     * Suricata's EOF flag: HTTP finishes a message cut by the close) */
    for (int i = 0; i < 2; i++) {
        app_dir *e = &af->dir[i];
        if (e->fin && !e->eof && !e->pend_len && e->seq_init && e->next_seq == e->fin_seq) {
            e->eof = true;
            if (af->parser && af->parser->eof && !e->trunc)
                af->parser->eof(ctx, af, i == 0, &p->ts);
        }
    }
    make_visible(af, toserver);
    finish_early(ctx, f, af);
}

/* A packet of a side arrived: what was parsed for that side is now
 * inspected (on this packet). */
static void make_visible(app_flow *af, bool toserver)
{
    int d = toserver ? 0 : 1;
    for (vg_app_tx *tx = af->head; tx; tx = tx->next)
        tx->vis[d] = tx->ver[d];
}

/* ---- logging ------------------------------------------------------------------------ */

/* The packet as the flow sees it: client as source. */
static void flow_view(vg_packet *v, const vg_packet *p)
{
    *v = *p;
    v->nalerts = 0;
    if (p->flags & VG_PKT_TOCLIENT) {
        v->src = p->dst;
        v->dst = p->src;
        v->sp = p->dp;
        v->dp = p->sp;
    }
    v->flags = (p->flags & ~(uint32_t)(VG_PKT_TOSERVER | VG_PKT_TOCLIENT)) | VG_PKT_TOSERVER;
}

static void log_tx(vg_app_ctx *ctx, app_flow *af, vg_app_tx *tx, const vg_packet *p)
{
    const app_parser *ps = af->parser;
    if (tx->logged)
        return;
    tx->logged = true;
    vg_files_log_tx(ctx, af->flow, tx, p); /* files hook: fileinfo records, file store */
    if (!ps || ps->eve_kind < 0 || !ps->tx_eve)
        return;
    int k = ps->eve_kind;
    if (!ctx->neves[k])
        return;
    vg_packet *v = malloc(sizeof(*v));
    if (!v)
        return;
    flow_view(v, p);
    if (ps->log_packet_dir && (tx->progress & TX_RES_HDRS) && !(tx->progress & TX_REQ_HDRS)) {
        /* a one-message response: server to client, as the message went */
        vg_addr a = v->src;
        uint16_t port = v->sp;
        v->src = v->dst;
        v->sp = v->dp;
        v->dst = a;
        v->dp = port;
        v->flags = (v->flags & ~(uint32_t)VG_PKT_TOSERVER) | VG_PKT_TOCLIENT;
    }
    static const char *const names[] = {"http", "dns", "tls", "modbus", "dnp3",
                                        "anomaly", "ssh"}; /* ICS hook, files hook (ssh) */
    for (int i = 0; i < ctx->neves[k]; i++) {
        if (ps->tx_log_ok && !ps->tx_log_ok(ctx, af, tx, ctx->eves[k][i].settings))
            continue; /* appfeat hook: this output does not log such transactions */
        vg_jb *jb = &ctx->jb;
        vg_eve_packet_header(jb, v, names[k], NULL);
        vg_jb_u64(jb, "tx_id", tx->id);
        ps->tx_eve(ctx, af, tx, jb, ctx->eves[k][i].settings);
        vg_detect_flow_eve(af->flow, jb); /* metadata/traffic, as Suricata's common options */
        vg_jb_close_obj(jb);
        (void)vg_eve_write(ctx->eves[k][i].eve, jb);
    }
    ctx->st.tx_logged++;
    free(v);
}

/* Complete: the parser says so, or the side it waits for is truncated. */
static bool tx_complete(const app_flow *af, const vg_app_tx *tx)
{
    if (tx->progress & TX_LOG_NOW)
        return true;
    bool ts = af->dir[0].trunc || (tx->progress & TX_REQ_DONE);
    bool tc = af->dir[1].trunc || (tx->progress & TX_RES_DONE);
    return ts && tc && (af->dir[0].trunc || af->dir[1].trunc);
}

static void flush_txs(vg_app_ctx *ctx, app_flow *af, const vg_packet *p, bool all)
{
    vg_app_tx **pp = &af->head, *prev = NULL;
    while (*pp) {
        vg_app_tx *tx = *pp;
        /* logged once complete; freed once also inspected on both sides */
        if (!tx->logged && (all || tx_complete(af, tx)))
            log_tx(ctx, af, tx, p);
        bool done = tx->logged && tx->seen[0] == tx->ver[0] && tx->seen[1] == tx->ver[1];
        if (!all && !done) {
            prev = tx;
            pp = &tx->next;
            continue;
        }
        *pp = tx->next;
        if (af->tail == tx)
            af->tail = prev;
        af->ntx--;
        tx_free(af, tx);
    }
}

void vg_app_after_packet(vg_app_ctx *ctx, vg_packet *p)
{
    if (!ctx || !p->flow || !p->flow->app_state || p->flow->app_state == APP_DONE)
        return;
    app_flow *af = p->flow->app_state;
    /* detection has seen this side's transactions as they are now */
    int d = (p->flags & VG_PKT_TOCLIENT) ? 1 : 0;
    for (vg_app_tx *tx = af->head; tx; tx = tx->next)
        tx->seen[d] = tx->vis[d];
    if (af->head)
        flush_txs(ctx, af, p, false);
}

void vg_app_flow_closing(vg_app_ctx *ctx, vg_flow *f)
{
    app_flow *af = f ? f->app_state : NULL;
    if (!ctx || !af || af == APP_DONE || af->closed)
        return;
    af->closed = true;
    /* what was never acknowledged is parsed now */
    release(ctx, f, &af->dir[0], true, af->dir[0].pend_len, NULL);
    release(ctx, f, &af->dir[1], false, af->dir[1].pend_len, NULL);
    if (af->parser && af->parser->flow_end)
        af->parser->flow_end(ctx, af);
    for (vg_app_tx *tx = af->head; tx; tx = tx->next) {
        tx->ver[0]++;
        tx->ver[1]++;
        tx->vis[0] = tx->ver[0];
        tx->vis[1] = tx->ver[1];
    }
}

void vg_app_flow_end(vg_app_ctx *ctx, vg_flow *f)
{
    app_flow *af = f ? f->app_state : NULL;
    if (af == APP_DONE)
        f->app_state = NULL;
    if (!af || af == APP_DONE)
        return;
    vg_app_flow_closing(ctx, f);
    if (af->head) {
        vg_packet *pp = calloc(1, sizeof(*pp));
        if (pp) {
            pp->ts = f->last;
            pp->datalink = -1;
            pp->pkt_src = VG_PKT_SRC_STREAM_FLOW_TIMEOUT;
            pp->pkt_src_name = "stream (flow timeout)";
            pp->ipver = f->src.family;
            pp->proto = f->proto;
            pp->src = f->src;
            pp->dst = f->dst;
            pp->sp = f->sp;
            pp->dp = f->dp;
            memcpy(pp->vlan_id, f->vlan_id, sizeof pp->vlan_id);
            pp->vlan_n = f->vlan_n;
            pp->flow = f;
            pp->flags = VG_PKT_PSEUDO | VG_PKT_TOSERVER;
            flush_txs(ctx, af, pp, true);
            free(pp);
        }
    }
    /* anything still there (no packet could be made) */
    while (af->head) {
        vg_app_tx *tx = af->head;
        af->head = tx->next;
        tx_free(af, tx);
    }
    if (af->parser && af->parser->state_free && af->pstate)
        af->parser->state_free(af->pstate);
    for (int i = 0; i < 2; i++) {
        ooo_clear(&af->dir[i]);
        free(af->det[i]);
        if (ctx)
            pbuf_put(ctx, af->dir[i].pend, af->dir[i].pend_cap);
        else
            free(af->dir[i].pend);
    }
    free(af);
    f->app_state = NULL;
}

void vg_app_tx_eve(const vg_flow *f, const vg_app_tx *tx, vg_jb *jb)
{
    const app_flow *af = f ? f->app_state : NULL;
    if (!af || !tx || !af->parser || !af->parser->tx_eve)
        return;
    /* the record body's writers need no thread context (ctx is NULL) */
    af->parser->tx_eve(NULL, af, tx, jb, NULL);
}
