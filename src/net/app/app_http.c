/*
 * app_http.c: HTTP/1.x through libhtp.
 *
 * One htp_connp per flow is fed the in-order stream of each direction.
 * libhtp's hooks create a vg_app_tx per HTTP transaction (request start),
 * record progress (headers, complete) and hand over body data, which is
 * kept for inspection up to the configured body limits (request-body-limit
 * and response-body-limit of app-layer.protocols.http.libhtp.default-config,
 * 100 KiB each by default; the rest is counted, not kept).  Response bodies
 * are decompressed by libhtp (gzip/deflate), as Suricata does.  Header
 * buffers (normalised and raw) are built once the headers are complete and
 * capped at HDR_MAX bytes.  A transaction is logged when its response is
 * complete, or at flow end.
 *
 * Response data that arrives before its request (libhtp answers
 * HTP_STREAM_DATA_OTHER) is kept, capped, and fed again after the next
 * request data.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <htp/htp.h>
#include <zlib.h>

#include "net/app/app_int.h"
#include "net/app/file.h" /* files hook */
#include "net/app/http_hdr.h"
int vg_app_http_log_hook(htp_log_t *log); /* appfeat hook (net/app/app_feat_kw.c) */
#include "net/flow/flow_table.h"

#define HDR_MAX (64u << 10)      /* bytes of header buffers per side */
#define PENDING_MAX (256u << 10) /* response bytes waiting for their request */

typedef struct hbuf {
    uint8_t *d;
    uint32_t n, cap;
} hbuf;

typedef struct http_tx {
    htp_tx_t *htx;
    hbuf req_body, res_body;
    hbuf uri;                   /* normalised URI */
    hbuf host;                  /* normalised host: lower case, no port */
    hbuf req_line, res_line;
    hbuf req_hdr, req_hdr_raw, req_hdr_names, req_start;
    hbuf res_hdr, res_hdr_raw, res_hdr_names, res_start;
    hbuf req_hdr_list, res_hdr_list; /* "Name: value" entries separated by NUL-free offsets */
    uint32_t *req_hdr_off, *res_hdr_off; /* start offsets of entries, count in *_cnt */
    /* one allocation per side for its header buffers (hdr, hdr_names,
     * hdr_list, hdr_off, start) when they fit under HDR_MAX; the hbufs
     * then point into it and are not freed on their own */
    uint8_t *req_blk, *res_blk;
    uint32_t req_hdr_cnt, res_hdr_cnt;
    uint64_t req_body_seen, res_body_seen;
    bool req_done, res_done;
    bool req_body_full, res_body_full; /* body limit reached */
} http_tx;

typedef struct http_state {
    htp_connp_t *connp;
    vg_app_ctx *ctx;
    app_flow *af;
    uint8_t *pend;              /* response data waiting for a request */
    uint32_t pend_len;
    bool closed;
} http_state;

/* ---- small buffers ---- */

static bool hb_add(hbuf *b, const void *d, size_t n, uint32_t max)
{
    if (n == 0)
        return true;
    if (b->n + n > max) {
        n = max > b->n ? max - b->n : 0;
        if (n == 0)
            return false;
    }
    if (b->n + n > b->cap) {
        uint32_t nc = b->cap ? b->cap : 256;
        while (nc < b->n + n)
            nc *= 2;
        if (nc > max)
            nc = max;
        uint8_t *nd = realloc(b->d, nc);
        if (!nd)
            return false;
        b->d = nd;
        b->cap = nc;
    }
    memcpy(b->d + b->n, d, n);
    b->n += (uint32_t)n;
    return true;
}

/* Room for want more bytes (at most max in all) in one allocation, when
 * the size is known beforehand: spares hb_add's doublings (and copies). */
static void hb_reserve(hbuf *b, size_t want, uint32_t max)
{
    size_t nc = (size_t)b->n + want;
    if (nc > max)
        nc = max;
    if (nc <= b->cap)
        return;
    uint8_t *nd = realloc(b->d, nc);
    if (!nd)
        return;
    b->d = nd;
    b->cap = (uint32_t)nc;
}

static bool hb_bstr(hbuf *b, const bstr *s, uint32_t max)
{
    return s ? hb_add(b, bstr_ptr(s), bstr_len(s), max) : true;
}

static void hb_free(hbuf *b)
{
    free(b->d);
    b->d = NULL;
    b->n = b->cap = 0;
}

/* A side's header buffers: in their block, or each on its own. */
static void side_bufs_free(hbuf *norm, hbuf *names, hbuf *list, hbuf *start, uint32_t **off,
                           uint8_t **blk)
{
    hbuf *bufs[] = {norm, names, list, start};
    for (size_t i = 0; i < VG_ARRAY_LEN(bufs); i++) {
        if (*blk)
            memset(bufs[i], 0, sizeof *bufs[i]);
        else
            hb_free(bufs[i]);
    }
    if (!*blk)
        free(*off);
    *off = NULL;
    free(*blk);
    *blk = NULL;
}

static void http_tx_free(void *p)
{
    http_tx *t = p;
    if (t->htx) {
        /* libhtp keeps its transaction until the connection is destroyed
         * unless told: detach ours, and free a finished one now.  Once the
         * response side is cut (reassembly depth, a gap) no response will
         * ever come for a request that has none: libhtp would keep every
         * later request of a keep-alive flow (tens of MB on a long
         * download), so such a transaction is declared done and freed too
         * (not the one whose response was in progress: libhtp holds it). */
        htp_tx_t *h = t->htx;
        htp_tx_set_user_data(h, NULL);
        const http_state *hs = h->connp ? htp_connp_get_user_data(h->connp) : NULL;
        if (t->req_done && !t->res_done && hs && hs->af && hs->af->dir[1].trunc &&
            h->response_progress == HTP_RESPONSE_NOT_STARTED && h != htp_connp_get_out_tx(h->connp))
            h->response_progress = HTP_RESPONSE_COMPLETE;
        if (t->req_done && (t->res_done || h->response_progress == HTP_RESPONSE_COMPLETE))
            (void)htp_tx_destroy(h);
    }
    hbuf *all[] = {&t->req_body, &t->res_body, &t->uri, &t->host, &t->req_line, &t->res_line,
                   &t->req_hdr_raw, &t->res_hdr_raw};
    for (size_t i = 0; i < VG_ARRAY_LEN(all); i++)
        hb_free(all[i]);
    side_bufs_free(&t->req_hdr, &t->req_hdr_names, &t->req_hdr_list, &t->req_start,
                   &t->req_hdr_off, &t->req_blk);
    side_bufs_free(&t->res_hdr, &t->res_hdr_names, &t->res_hdr_list, &t->res_start,
                   &t->res_hdr_off, &t->res_blk);
    free(t);
}

/* ---- libhtp hooks ---- */

static http_state *state_of(htp_tx_t *tx)
{
    return htp_connp_get_user_data(tx->connp);
}

static vg_app_tx *atx_of(htp_tx_t *tx)
{
    return htp_tx_get_user_data(tx);
}

/* Our transaction for a libhtp one, at its request's start or, for a
 * response libhtp could not match to a request (one side captured), at the
 * response's start. */
static int on_req_start(htp_tx_t *tx)
{
    http_state *hs = state_of(tx);
    if (!hs || atx_of(tx))
        return HTP_OK;
    http_tx *t = calloc(1, sizeof(*t));
    if (!t)
        return HTP_OK;
    t->htx = tx;
    vg_app_tx *a = vg_app_tx_new(hs->ctx, hs->af, t);
    if (!a) {
        free(t);
        return HTP_OK;
    }
    htp_tx_set_user_data(tx, a);
    return HTP_OK;
}

static http_tx *ht(htp_tx_t *tx)
{
    vg_app_tx *a = atx_of(tx);
    return a ? a->data : NULL;
}

/* The side's header buffers, still empty, carved out of one block when
 * all of them fit (build_headers and the start line then write within
 * their capacities, so nothing grows out of the block); else left to
 * allocate on their own. */
static void side_block(htp_table_t *tab, const bstr *line, const hbuf *raw, hbuf *norm,
                       hbuf *names, hbuf *list, hbuf *start, uint32_t **off, uint32_t cnt,
                       uint8_t **blk)
{
    if (*blk) {
        /* headers built again (not seen from libhtp, but then they grow
         * as before): the buffers move out of the block to their own
         * allocations, the offsets of the cnt entries built so far too */
        hbuf *bufs[] = {norm, names, list, start};
        for (size_t i = 0; i < VG_ARRAY_LEN(bufs); i++) {
            hbuf c = {0};
            hb_add(&c, bufs[i]->d, bufs[i]->n, HDR_MAX);
            *bufs[i] = c;
        }
        size_t more = tab ? htp_table_size(tab) : 0; /* entries about to be appended */
        uint32_t *o = NULL;
        if (*off && (o = calloc((size_t)cnt + more + 1, sizeof(uint32_t))) != NULL)
            memcpy(o, *off, ((size_t)cnt + 1) * sizeof(uint32_t));
        *off = o;
        free(*blk);
        *blk = NULL;
        return;
    }
    if (norm->d || names->d || list->d || start->d || *off)
        return;
    size_t n = tab ? htp_table_size(tab) : 0;
    size_t nl = 0, vl = 0;
    for (size_t i = 0; i < n; i++) {
        htp_header_t *h = htp_table_get_index(tab, i, NULL);
        if (h) {
            nl += (h->name ? bstr_len(h->name) : 0) + 2;
            vl += (h->value ? bstr_len(h->value) : 0) + 2;
        }
    }
    size_t sl = (line ? bstr_len(line) : 0) + 2 + raw->n;
    size_t o = n ? (n + 1) * sizeof(uint32_t) : 0;
    if (nl + vl > HDR_MAX || nl + 4 > HDR_MAX || sl > HDR_MAX)
        return;
    uint8_t *b = malloc(o + 2 * (nl + vl) + nl + 4 + sl);
    if (!b)
        return;
    *blk = b;
    if (n) {
        *off = (uint32_t *)(void *)b;
        memset(b, 0, o);
    }
    uint8_t *q = b + o;
    norm->d = q;
    norm->cap = (uint32_t)(nl + vl);
    q += nl + vl;
    list->d = q;
    list->cap = (uint32_t)(nl + vl);
    q += nl + vl;
    names->d = q;
    names->cap = (uint32_t)(nl + 4);
    q += nl + 4;
    start->d = q;
    start->cap = (uint32_t)sl;
}

/* Build the per-side header buffers from a header table. */
static void build_headers(http_state *hs, htp_table_t *tab, hbuf *norm, hbuf *names, hbuf *list,
                          uint32_t **off, uint32_t *cnt)
{
    size_t n = tab ? htp_table_size(tab) : 0;
    bool capped = false;
    if (n && !*off) { /* (in the side's block already when it has one) */
        *off = calloc(n + 1, sizeof(uint32_t));
        if (!*off)
            return;
    }
    size_t nl = 0, vl = 0; /* the three buffers' sizes, allocated once */
    for (size_t i = 0; i < n; i++) {
        htp_header_t *h = htp_table_get_index(tab, i, NULL);
        if (h) {
            nl += (h->name ? bstr_len(h->name) : 0) + 2;
            vl += (h->value ? bstr_len(h->value) : 0) + 2;
        }
    }
    hb_reserve(norm, nl + vl, HDR_MAX);
    hb_reserve(names, nl + 4, HDR_MAX);
    hb_reserve(list, nl + vl, HDR_MAX);
    if (norm->n + nl + vl <= norm->cap && names->n + nl + 4 <= names->cap &&
        list->n + nl + vl <= list->cap) {
        /* all of it fits (the common case): written straight, the same
         * bytes as the capped appends below */
        uint8_t *pn = norm->d + norm->n, *pm = names->d + names->n, *pl = list->d + list->n;
        *pm++ = '\r';
        *pm++ = '\n';
        for (size_t i = 0; i < n; i++) {
            htp_header_t *h = htp_table_get_index(tab, i, NULL);
            if (!h)
                continue;
            size_t kl = h->name ? bstr_len(h->name) : 0, vl2 = h->value ? bstr_len(h->value) : 0;
            const uint8_t *kp = kl ? bstr_ptr(h->name) : NULL, *vp = vl2 ? bstr_ptr(h->value) : NULL;
            if (kl) {
                memcpy(pn, kp, kl);
                memcpy(pm, kp, kl);
            }
            pn[kl] = ':';
            pn[kl + 1] = ' ';
            pn += kl + 2;
            if (vl2)
                memcpy(pn, vp, vl2);
            pn[vl2] = '\r';
            pn[vl2 + 1] = '\n';
            pn += vl2 + 2;
            pm[kl] = '\r';
            pm[kl + 1] = '\n';
            pm += kl + 2;
            (*off)[*cnt] = (uint32_t)(pl - list->d);
            if (kl)
                memcpy(pl, kp, kl);
            pl[kl] = ':';
            pl[kl + 1] = ' ';
            pl += kl + 2;
            if (vl2)
                memcpy(pl, vp, vl2);
            pl += vl2;
            (*cnt)++;
        }
        *pm++ = '\r';
        *pm++ = '\n';
        norm->n = (uint32_t)(pn - norm->d);
        names->n = (uint32_t)(pm - names->d);
        list->n = (uint32_t)(pl - list->d);
        if (*off)
            (*off)[*cnt] = list->n;
        return;
    }
    hb_add(names, "\r\n", 2, HDR_MAX);
    for (size_t i = 0; i < n; i++) {
        htp_header_t *h = htp_table_get_index(tab, i, NULL);
        if (!h)
            continue;
        capped |= !hb_bstr(norm, h->name, HDR_MAX);
        capped |= !hb_add(norm, ": ", 2, HDR_MAX);
        capped |= !hb_bstr(norm, h->value, HDR_MAX);
        capped |= !hb_add(norm, "\r\n", 2, HDR_MAX);
        capped |= !hb_bstr(names, h->name, HDR_MAX);
        capped |= !hb_add(names, "\r\n", 2, HDR_MAX);
        (*off)[*cnt] = list->n;
        capped |= !hb_bstr(list, h->name, HDR_MAX);
        capped |= !hb_add(list, ": ", 2, HDR_MAX);
        capped |= !hb_bstr(list, h->value, HDR_MAX);
        (*cnt)++;
    }
    (*off ? (*off)[*cnt] = list->n : 0);
    hb_add(names, "\r\n", 2, HDR_MAX);
    if (capped)
        hs->ctx->st.http_header_cap++;
}

static int on_req_line(htp_tx_t *tx)
{
    vg_app_tx *a = atx_of(tx);
    http_tx *t = ht(tx);
    if (!a || !t || (a->progress & TX_REQ_LINE))
        return HTP_OK;
    a->progress |= TX_REQ_LINE;
    hb_bstr(&t->req_line, tx->request_line, HDR_MAX);
    if (tx->parsed_uri) {
        /* as Suricata: the normalised URI has its query URL-decoded */
        if (tx->parsed_uri->query) {
            uint64_t fl = 0;
            (void)htp_urldecode_inplace(tx->cfg, HTP_DECODER_URLENCODED, tx->parsed_uri->query, &fl);
        }
        hb_bstr(&t->uri, tx->parsed_uri->path, HDR_MAX);
        if (tx->parsed_uri->query) {
            hb_add(&t->uri, "?", 1, HDR_MAX);
            hb_bstr(&t->uri, tx->parsed_uri->query, HDR_MAX);
        }
        if (tx->parsed_uri->fragment) {
            hb_add(&t->uri, "#", 1, HDR_MAX);
            hb_bstr(&t->uri, tx->parsed_uri->fragment, HDR_MAX);
        }
    }
    return HTP_OK;
}

static int on_req_headers(htp_tx_t *tx)
{
    http_state *hs = state_of(tx);
    vg_app_tx *a = atx_of(tx);
    http_tx *t = ht(tx);
    if (!hs || !a || !t)
        return HTP_OK;
    on_req_line(tx);
    a->progress |= TX_REQ_HDRS;
    /* a "host" with a slash is a path libhtp took for an authority (CONNECT /) */
    if (tx->request_hostname && bstr_index_of_c(tx->request_hostname, "/") < 0 &&
        hb_bstr(&t->host, tx->request_hostname, HDR_MAX))
        for (uint32_t i = 0; i < t->host.n; i++)
            if (t->host.d[i] >= 'A' && t->host.d[i] <= 'Z')
                t->host.d[i] = (uint8_t)(t->host.d[i] + 32);
    side_block(tx->request_headers, tx->request_line, &t->req_hdr_raw, &t->req_hdr,
               &t->req_hdr_names, &t->req_hdr_list, &t->req_start, &t->req_hdr_off, t->req_hdr_cnt,
               &t->req_blk);
    build_headers(hs, tx->request_headers, &t->req_hdr, &t->req_hdr_names, &t->req_hdr_list,
                  &t->req_hdr_off, &t->req_hdr_cnt);
    hb_reserve(&t->req_start, (tx->request_line ? bstr_len(tx->request_line) : 0) + 2 +
               t->req_hdr_raw.n, HDR_MAX);
    hb_bstr(&t->req_start, tx->request_line, HDR_MAX);
    hb_add(&t->req_start, "\r\n", 2, HDR_MAX);
    hb_add(&t->req_start, t->req_hdr_raw.d, t->req_hdr_raw.n, HDR_MAX);
    vg_file_http_req_headers(hs->ctx, a, tx); /* files hook: multipart uploads */
    return HTP_OK;
}

/* The response's header buffers from libhtp's table; again at completion
 * when the table grew since (headers cut by the connection's close reach
 * the table after the headers hook). */
static void res_header_buffers(http_state *hs, http_tx *t, htp_tx_t *tx)
{
    side_bufs_free(&t->res_hdr, &t->res_hdr_names, &t->res_hdr_list, &t->res_start,
                   &t->res_hdr_off, &t->res_blk);
    t->res_hdr_cnt = 0;
    side_block(tx->response_headers, tx->response_line, &t->res_hdr_raw, &t->res_hdr,
               &t->res_hdr_names, &t->res_hdr_list, &t->res_start, &t->res_hdr_off, t->res_hdr_cnt,
               &t->res_blk);
    build_headers(hs, tx->response_headers, &t->res_hdr, &t->res_hdr_names, &t->res_hdr_list,
                  &t->res_hdr_off, &t->res_hdr_cnt);
    hb_reserve(&t->res_start, (tx->response_line ? bstr_len(tx->response_line) : 0) + 2 +
               t->res_hdr_raw.n, HDR_MAX);
    hb_bstr(&t->res_start, tx->response_line, HDR_MAX);
    hb_add(&t->res_start, "\r\n", 2, HDR_MAX);
    hb_add(&t->res_start, t->res_hdr_raw.d, t->res_hdr_raw.n, HDR_MAX);
}

static int on_res_headers(htp_tx_t *tx)
{
    http_state *hs = state_of(tx);
    vg_app_tx *a = atx_of(tx);
    http_tx *t = ht(tx);
    if (!hs || !a || !t)
        return HTP_OK;
    a->progress |= TX_RES_HDRS;
    hb_bstr(&t->res_line, tx->response_line, HDR_MAX);
    res_header_buffers(hs, t, tx);
    return HTP_OK;
}

static int on_req_header_data(htp_tx_data_t *d)
{
    http_tx *t = ht(d->tx);
    if (t && d->data)
        hb_add(&t->req_hdr_raw, d->data, d->len, HDR_MAX);
    return HTP_OK;
}

static int on_res_header_data(htp_tx_data_t *d)
{
    http_tx *t = ht(d->tx);
    if (t && d->data)
        hb_add(&t->res_hdr_raw, d->data, d->len, HDR_MAX);
    return HTP_OK;
}

/* A body's buffer sized once from its Content-Length (within the body
 * limit, at most BODY_RESERVE_MAX without one): spares hb_add's doublings,
 * each a new allocation, a copy and first-touch page faults.  A body that
 * turns out longer (decompressed, or a lying length) still grows. */
#define BODY_RESERVE_MAX (1u << 20)
static void body_reserve(hbuf *b, int64_t clen, uint64_t lim)
{
    if (clen <= 0)
        return;
    uint64_t want = (uint64_t)clen;
    uint64_t max = lim && lim < BODY_RESERVE_MAX ? lim : BODY_RESERVE_MAX;
    hb_reserve(b, (size_t)(want < max ? want : max), (uint32_t)max);
}

static int on_req_body(htp_tx_data_t *d)
{
    http_state *hs = state_of(d->tx);
    http_tx *t = ht(d->tx);
    if (hs && t && !d->data && d->len) /* files hook: a gap inside the body */
        vg_file_http_gap(hs->ctx, atx_of(d->tx), d->tx, false, (uint32_t)d->len);
    if (!hs || !t || !d->data || !d->len)
        return HTP_OK;
    t->req_body_seen += d->len;
    vg_file_http_body(hs->ctx, atx_of(d->tx), d->tx, false, d->data, (uint32_t)d->len); /* files hook */
    uint64_t lim = hs->ctx->http_req_body_limit;
    if (lim && t->req_body.n + d->len >= lim) {
        if (!t->req_body_full)
            hs->ctx->st.http_body_cap++;
        t->req_body_full = true;
    }
    if (!t->req_body.cap)
        body_reserve(&t->req_body, d->tx->request_content_length, lim);
    hb_add(&t->req_body, d->data, d->len, (uint32_t)(lim ? lim : UINT32_MAX));
    return HTP_OK;
}

static int on_res_body(htp_tx_data_t *d)
{
    http_state *hs = state_of(d->tx);
    http_tx *t = ht(d->tx);
    if (hs && t && !d->data && d->len) /* files hook: a gap inside the body */
        vg_file_http_gap(hs->ctx, atx_of(d->tx), d->tx, true, (uint32_t)d->len);
    if (!hs || !t || !d->data || !d->len)
        return HTP_OK;
    t->res_body_seen += d->len;
    vg_file_http_body(hs->ctx, atx_of(d->tx), d->tx, true, d->data, (uint32_t)d->len); /* files hook */
    uint64_t lim = hs->ctx->http_res_body_limit;
    if (lim && t->res_body.n + d->len >= lim) {
        if (!t->res_body_full)
            hs->ctx->st.http_body_cap++;
        t->res_body_full = true;
    }
    if (!t->res_body.cap)
        body_reserve(&t->res_body, d->tx->response_content_length, lim);
    hb_add(&t->res_body, d->data, d->len, (uint32_t)(lim ? lim : UINT32_MAX));
    return HTP_OK;
}

/* Inflate a gzip/zlib/deflate body (capped at max); false when it is not. */
static bool inflate_body(const hbuf *in, hbuf *out, uint32_t max)
{
    for (int attempt = 0; attempt < 2; attempt++) {
        z_stream zs;
        memset(&zs, 0, sizeof zs);
        if (inflateInit2(&zs, attempt == 0 ? 15 + 32 : -15) != Z_OK)
            return false;
        zs.next_in = in->d;
        zs.avail_in = in->n;
        uint8_t buf[16384];
        int rc = Z_OK;
        out->n = 0;
        while (rc == Z_OK && out->n < max) {
            zs.next_out = buf;
            zs.avail_out = sizeof buf;
            rc = inflate(&zs, Z_NO_FLUSH);
            uint32_t got = (uint32_t)(sizeof buf - zs.avail_out);
            if ((rc == Z_OK || rc == Z_STREAM_END || rc == Z_BUF_ERROR) && got)
                hb_add(out, buf, got, max);
            if (rc == Z_BUF_ERROR)
                break;
        }
        inflateEnd(&zs);
        if ((rc == Z_STREAM_END || (rc == Z_BUF_ERROR && zs.avail_in == 0)) && out->n)
            return true;
    }
    return false;
}

static int on_req_complete(htp_tx_t *tx)
{
    http_state *hs0 = state_of(tx);
    http_tx *t0 = ht(tx);
    const htp_header_t *ce = vg_http_hdr(tx->request_headers, "Content-Encoding");
    bool compressed = ce && ce->value &&
                      (bstr_index_of_c_nocase(ce->value, "gzip") >= 0 ||
                       bstr_index_of_c_nocase(ce->value, "deflate") >= 0);
    if (hs0 && t0 && t0->req_body.n && compressed) {
        hbuf dec = {0};
        uint64_t lim = hs0->ctx->http_req_body_limit ? hs0->ctx->http_req_body_limit : (1u << 20);
        if (inflate_body(&t0->req_body, &dec, (uint32_t)lim)) {
            hb_free(&t0->req_body);
            t0->req_body = dec;
        } else {
            hb_free(&dec);
        }
    }
    vg_app_tx *a = atx_of(tx);
    http_tx *t = ht(tx);
    if (t)
        t->req_done = true;
    vg_file_http_done(hs0 ? hs0->ctx : NULL, a, false); /* files hook */
    if (a)
        a->progress |= TX_REQ_HDRS | TX_REQ_DONE;
    /* request done: its raw stream data is inspected with the transaction
     * at the client's next packet, whatever the chunk size (Suricata's
     * HTPCallbackRequestComplete) */
    if (hs0 && hs0->af && hs0->af->flow)
        vg_flow_trigger_raw(hs0->af->flow, true);
    return HTP_OK;
}

static int on_res_complete(htp_tx_t *tx)
{
    vg_app_tx *a = atx_of(tx);
    http_tx *t = ht(tx);
    if (t)
        t->res_done = true;
    http_state *hs1 = state_of(tx); /* files hook */
    if (t && hs1 && tx->response_headers && htp_table_size(tx->response_headers) != t->res_hdr_cnt)
        res_header_buffers(hs1, t, tx);
    vg_file_http_done(hs1 ? hs1->ctx : NULL, a, true); /* files hook */
    if (a)
        a->progress |= TX_RES_HDRS | TX_RES_DONE | TX_LOG_NOW;
    if (hs1 && hs1->af && hs1->af->flow) /* the same for the response */
        vg_flow_trigger_raw(hs1->af->flow, false);
    return HTP_OK;
}

int vg_app_http_cfg_new(vg_app_ctx *ctx, char *errbuf);
void vg_app_http_cfg_free(void *cfg);

int vg_app_http_cfg_new(vg_app_ctx *ctx, char *errbuf)
{
    htp_cfg_t *cfg = htp_config_create();
    if (!cfg)
        return vg_err(errbuf, VG_ENOMEM, "app-layer: libhtp configuration: out of memory");
    htp_config_set_server_personality(cfg, HTP_SERVER_IDS);
    htp_config_set_response_decompression(cfg, 1);
    /* request bodies: decompressed here at completion, falling back to the
     * raw bytes when they were not compressed after all (Suricata 8) */
    htp_config_set_request_decompression(cfg, 0);
    htp_config_set_field_limits(cfg, 9000, 18000);
    htp_config_set_allow_space_uri(cfg, 1); /* Suricata 8: spaces stay in the URI */
    /* nothing reads tx->request_cookies (http.cookie is the Cookie header) */
    htp_config_set_parse_request_cookies(cfg, 0);
    /* as Suricata: the normalised path keeps its case */
    htp_config_set_convert_lowercase(cfg, HTP_DECODER_URL_PATH, 0);
    htp_config_register_log(cfg, vg_app_http_log_hook); /* appfeat hook: HTTP decoder events */
    htp_config_register_request_start(cfg, on_req_start);
    htp_config_register_response_start(cfg, on_req_start);
    htp_config_register_request_line(cfg, on_req_line);
    htp_config_register_request_headers(cfg, on_req_headers);
    htp_config_register_request_header_data(cfg, on_req_header_data);
    htp_config_register_request_body_data(cfg, on_req_body);
    htp_config_register_request_complete(cfg, on_req_complete);
    htp_config_register_response_headers(cfg, on_res_headers);
    htp_config_register_response_header_data(cfg, on_res_header_data);
    htp_config_register_response_body_data(cfg, on_res_body);
    htp_config_register_response_complete(cfg, on_res_complete);
    ctx->http_cfg = cfg;
    const char *base = "app-layer.protocols.http.libhtp.default-config.";
    char key[160];
    snprintf(key, sizeof key, "%srequest-body-limit", base);
    ctx->http_req_body_limit = ctx->conf ? vg_conf_get_size(ctx->conf, key, 100 * 1024) : 100 * 1024;
    snprintf(key, sizeof key, "%sresponse-body-limit", base);
    ctx->http_res_body_limit = ctx->conf ? vg_conf_get_size(ctx->conf, key, 100 * 1024) : 100 * 1024;
    if (ctx->http_req_body_limit > (256u << 20))
        ctx->http_req_body_limit = 256u << 20;
    if (ctx->http_res_body_limit > (256u << 20))
        ctx->http_res_body_limit = 256u << 20;
    return VG_OK;
}

void vg_app_http_cfg_free(void *cfg)
{
    if (cfg)
        htp_config_destroy(cfg);
}

/* ---- parser callbacks ---- */

static void *http_state_new(vg_app_ctx *ctx, app_flow *af)
{
    http_state *hs = calloc(1, sizeof(*hs));
    if (!hs)
        return NULL;
    hs->connp = htp_connp_create(ctx->http_cfg);
    if (!hs->connp) {
        free(hs);
        return NULL;
    }
    hs->ctx = ctx;
    hs->af = af;
    htp_connp_set_user_data(hs->connp, hs);
    htp_connp_open(hs->connp, NULL, 0, NULL, 0, NULL);
    return hs;
}

static void http_state_free(void *p)
{
    http_state *hs = p;
    if (hs->connp)
        htp_connp_destroy_all(hs->connp);
    free(hs->pend);
    free(hs);
}

static void feed_res(http_state *hs, const uint8_t *d, uint32_t n, htp_time_t *tv)
{
    int r = htp_connp_res_data(hs->connp, tv, d, n);
    if (r == HTP_STREAM_DATA_OTHER) {
        size_t used = htp_connp_res_data_consumed(hs->connp);
        if (used > n)
            used = n;
        uint32_t rest = n - (uint32_t)used;
        if (hs->pend_len + rest > PENDING_MAX)
            return;
        uint8_t *np = realloc(hs->pend, hs->pend_len + rest);
        if (!np)
            return;
        memcpy(np + hs->pend_len, d + used, rest);
        hs->pend = np;
        hs->pend_len += rest;
    }
}

static void http_parse(vg_app_ctx *ctx, app_flow *af, bool toserver, const uint8_t *d, uint32_t n,
                       const struct timeval *ts)
{
    http_state *hs = af->pstate;
    hs->ctx = ctx;
    htp_time_t tv = *ts;
    if (toserver) {
        htp_connp_req_data(hs->connp, &tv, d, n);
        if (hs->pend_len) {
            uint8_t *pd = hs->pend;
            uint32_t pl = hs->pend_len;
            hs->pend = NULL;
            hs->pend_len = 0;
            feed_res(hs, pd, pl, &tv);
            free(pd);
        }
    } else if (hs->pend_len) {
        /* still waiting for a request: keep the order */
        if (hs->pend_len + n <= PENDING_MAX) {
            uint8_t *np = realloc(hs->pend, hs->pend_len + n);
            if (np) {
                memcpy(np + hs->pend_len, d, n);
                hs->pend = np;
                hs->pend_len += n;
            }
        }
    } else {
        feed_res(hs, d, n, &tv);
    }
}

/* libhtp takes a gap as NULL data of its length: skipped inside a body,
 * resynchronised on the next message elsewhere (as Suricata feeds it). */
static bool http_gap(vg_app_ctx *ctx, app_flow *af, bool toserver, uint32_t len,
                     const struct timeval *ts)
{
    http_state *hs = af->pstate;
    hs->ctx = ctx;
    htp_time_t tv = *ts;
    if (toserver) {
        htp_connp_req_data(hs->connp, &tv, NULL, len);
        return true;
    }
    if (hs->pend_len) /* responses waiting for their request: order is lost */
        return false;
    return htp_connp_res_data(hs->connp, &tv, NULL, len) != HTP_STREAM_DATA_OTHER;
}

static void flush_waiting(http_state *hs, const htp_time_t *tv);

/* A side closed: libhtp finishes what the close ends (a response whose
 * headers were cut by the FIN), as Suricata closes its parser on EOF. */
static void http_eof(vg_app_ctx *ctx, app_flow *af, bool toserver, const struct timeval *ts)
{
    http_state *hs = af->pstate;
    hs->ctx = ctx;
    if (hs->closed)
        return;
    htp_time_t tv = *ts;
    if (toserver) {
        htp_connp_req_close(hs->connp, &tv);
        return;
    }
    flush_waiting(hs, &tv);
    htp_connp_close(hs->connp, &tv);
    hs->closed = true;
}

/* Responses still waiting for a request that never came (a capture that saw
 * one side only): libhtp parses them without one. */
static void flush_waiting(http_state *hs, const htp_time_t *tv)
{
    if (!hs->pend_len)
        return;
    uint8_t *pd = hs->pend;
    uint32_t pl = hs->pend_len;
    hs->pend = NULL;
    hs->pend_len = 0;
    htp_time_t t = *tv;
    (void)htp_connp_res_data(hs->connp, &t, pd, pl);
    free(pd);
}

/* Both sides ended: closed (the response side's EOF closed libhtp) and no
 * response waits for its request, so http_flow_end has nothing to do. */
static bool http_idle(const app_flow *af)
{
    const http_state *hs = af->pstate;
    return hs && hs->closed && !hs->pend_len;
}

static void http_flow_end(vg_app_ctx *ctx, app_flow *af)
{
    http_state *hs = af->pstate;
    hs->ctx = ctx;
    if (!hs->closed) {
        htp_time_t end = af->flow->last;
        flush_waiting(hs, &end);
    }
    if (!hs->closed) {
        htp_time_t tv = af->flow->last;
        htp_connp_close(hs->connp, &tv);
        hs->closed = true;
    }
}

/* ---- buffers for detection ---- */

static int out(const hbuf *b, const uint8_t **d, uint32_t *n)
{
    *d = b->d ? b->d : (const uint8_t *)"";
    *n = b->n;
    return VG_OK;
}

static int out_bstr(const bstr *s, const uint8_t **d, uint32_t *n)
{
    if (!s)
        return VG_DECLINED;
    *d = bstr_ptr(s);
    *n = (uint32_t)bstr_len(s);
    return VG_OK;
}

static const htp_header_t *hdr(const htp_table_t *tab, const char *name)
{
    return vg_http_hdr(tab, name);
}

static int out_hdr(const htp_table_t *tab, const char *name, const uint8_t **d, uint32_t *n)
{
    const htp_header_t *h = hdr(tab, name);
    return h ? out_bstr(h->value, d, n) : VG_DECLINED;
}

static int http_get_buffer(const app_flow *af, const vg_app_tx *a, uint16_t id, uint32_t idx,
                           const uint8_t **d, uint32_t *n)
{
    (void)af;
    const http_tx *t = a->data;
    if (!t || !t->htx)
        return VG_DECLINED;
    const htp_tx_t *tx = t->htx;
    bool req = (a->progress & TX_REQ_HDRS) != 0, res = (a->progress & TX_RES_HDRS) != 0;
    bool line = (a->progress & (TX_REQ_LINE | TX_REQ_HDRS)) != 0;
    switch (id) {
    case VG_ABUF_HTTP_URI: case VG_ABUF_HTTP_URI_RAW: case VG_ABUF_HTTP_METHOD:
    case VG_ABUF_HTTP_REQUEST_LINE: case VG_ABUF_HTTP_PROTOCOL:
        req = req || line; /* available from the request line on */
        break;
    default:
        break;
    }
    if (id == VG_ABUF_HTTP_REQUEST_HEADER || id == VG_ABUF_HTTP_RESPONSE_HEADER) {
        bool rq = id == VG_ABUF_HTTP_REQUEST_HEADER;
        if (!(rq ? req : res))
            return VG_DECLINED;
        uint32_t cnt = rq ? t->req_hdr_cnt : t->res_hdr_cnt;
        const uint32_t *off = rq ? t->req_hdr_off : t->res_hdr_off;
        const hbuf *l = rq ? &t->req_hdr_list : &t->res_hdr_list;
        if (idx >= cnt || !off)
            return VG_DECLINED;
        *d = l->d + off[idx];
        *n = off[idx + 1] - off[idx];
        return VG_OK;
    }
    if (id == VG_ABUF_FILE_NAME || id == VG_ABUF_FILE_MAGIC || id == VG_FILE_DATA_BUF) /* files hook */
        return vg_file_get_buffer(a, id, idx, d, n);
    if (idx > 0)
        return VG_DECLINED;
    bool toclient = vg_app_buf_toclient(id);
    if (!toclient && id != VG_ABUF_HTTP_REQUEST_BODY && !req)
        return VG_DECLINED;
    if (toclient && id != VG_ABUF_HTTP_RESPONSE_BODY && !res)
        return VG_DECLINED;
    switch (id) {
    case VG_ABUF_HTTP_URI: return tx->parsed_uri ? out(&t->uri, d, n) : VG_DECLINED;
    case VG_ABUF_HTTP_URI_RAW: return out_bstr(tx->request_uri, d, n);
    case VG_ABUF_HTTP_METHOD: return out_bstr(tx->request_method, d, n);
    case VG_ABUF_HTTP_REQUEST_LINE: return out(&t->req_line, d, n);
    case VG_ABUF_HTTP_HEADER: return t->req_hdr.n ? out(&t->req_hdr, d, n) : VG_DECLINED;
    case VG_ABUF_HTTP_HEADER_RAW: return t->req_hdr_raw.n ? out(&t->req_hdr_raw, d, n) : VG_DECLINED;
    case VG_ABUF_HTTP_HEADER_NAMES: return out(&t->req_hdr_names, d, n);
    case VG_ABUF_HTTP_HOST: return t->host.n ? out(&t->host, d, n) : VG_DECLINED;
    case VG_ABUF_HTTP_HOST_RAW: return out_hdr(tx->request_headers, "Host", d, n);
    case VG_ABUF_HTTP_USER_AGENT: return out_hdr(tx->request_headers, "User-Agent", d, n);
    case VG_ABUF_HTTP_COOKIE: return out_hdr(tx->request_headers, "Cookie", d, n);
    case VG_ABUF_HTTP_REFERER: return out_hdr(tx->request_headers, "Referer", d, n);
    case VG_ABUF_HTTP_CONTENT_TYPE: return out_hdr(tx->request_headers, "Content-Type", d, n);
    case VG_ABUF_HTTP_CONTENT_LEN: return out_hdr(tx->request_headers, "Content-Length", d, n);
    case VG_ABUF_HTTP_PROTOCOL: return out_bstr(tx->request_protocol, d, n);
    case VG_ABUF_HTTP_START: return out(&t->req_start, d, n);
    case VG_ABUF_HTTP_ACCEPT: return out_hdr(tx->request_headers, "Accept", d, n);
    case VG_ABUF_HTTP_ACCEPT_ENC: return out_hdr(tx->request_headers, "Accept-Encoding", d, n);
    case VG_ABUF_HTTP_ACCEPT_LANG: return out_hdr(tx->request_headers, "Accept-Language", d, n);
    case VG_ABUF_HTTP_CONNECTION: return out_hdr(tx->request_headers, "Connection", d, n);
    case VG_ABUF_HTTP_REQUEST_BODY:
        /* bodies are inspected as they grow (the prefilter keeps it cheap) */
        if (!t->req_body.n)
            return VG_DECLINED;
        return out(&t->req_body, d, n);
    case VG_ABUF_HTTP_STAT_CODE: return out_bstr(tx->response_status, d, n);
    case VG_ABUF_HTTP_STAT_MSG: return out_bstr(tx->response_message, d, n);
    case VG_ABUF_HTTP_RESPONSE_LINE: return out(&t->res_line, d, n);
    case VG_ABUF_HTTP_RESPONSE_BODY:
        if (!t->res_body.n)
            return VG_DECLINED;
        return out(&t->res_body, d, n);
    case VG_ABUF_HTTP_SERVER: return out_hdr(tx->response_headers, "Server", d, n);
    case VG_ABUF_HTTP_LOCATION: return out_hdr(tx->response_headers, "Location", d, n);
    case VG_ABUF_HTTP_RES_HEADER: return t->res_hdr.n ? out(&t->res_hdr, d, n) : VG_DECLINED;
    case VG_ABUF_HTTP_RES_HEADER_RAW: return t->res_hdr_raw.n ? out(&t->res_hdr_raw, d, n) : VG_DECLINED;
    case VG_ABUF_HTTP_RES_HEADER_NAMES: return out(&t->res_hdr_names, d, n);
    case VG_ABUF_HTTP_RES_CONTENT_TYPE: return out_hdr(tx->response_headers, "Content-Type", d, n);
    case VG_ABUF_HTTP_RES_CONTENT_LEN: return out_hdr(tx->response_headers, "Content-Length", d, n);
    case VG_ABUF_HTTP_RES_START: return out(&t->res_start, d, n);
    case VG_ABUF_HTTP_RES_COOKIE: return out_hdr(tx->response_headers, "Set-Cookie", d, n);
    case VG_ABUF_HTTP_RES_CONNECTION: return out_hdr(tx->response_headers, "Connection", d, n);
    default: return VG_DECLINED;
    }
}

/* ---- EVE ---- */

static void jb_bstr(vg_jb *jb, const char *key, const bstr *s)
{
    if (s)
        vg_jb_strn(jb, key, bstr_ptr(s), bstr_len(s));
}

static void jb_hdr(vg_jb *jb, const char *key, const htp_table_t *tab, const char *name)
{
    const htp_header_t *h = hdr(tab, name);
    if (h)
        jb_bstr(jb, key, h->value);
}

static void http_tx_eve(vg_app_ctx *ctx, const app_flow *af, const vg_app_tx *a, vg_jb *jb,
                        const vg_conf_node *settings)
{
    (void)af;
    /* extended fields: always in alerts (ctx NULL), in http records when
     * the type's settings say extended: yes (Suricata's default yaml does) */
    bool extended = true;
    if (ctx) {
        const vg_conf_node *e = settings ? vg_conf_node_child(settings, "extended") : NULL;
        bool b = false;
        extended = e && e->value && vg_conf_parse_bool(e->value, &b) == VG_OK && b;
    }
    const http_tx *t = a->data;
    const htp_tx_t *tx = t ? t->htx : NULL;
    vg_jb_open_obj(jb, "http");
    if (tx) {
        if (t->host.n)
            jb_bstr(jb, "hostname", tx->request_hostname);
        if (tx->request_port_number > 0 && tx->request_hostname)
            vg_jb_u64(jb, "http_port", (uint64_t)tx->request_port_number);
        jb_bstr(jb, "url", tx->request_uri);
        jb_hdr(jb, "http_user_agent", tx->request_headers, "User-Agent");
        const htp_header_t *ct = hdr(tx->response_headers, "Content-Type");
        if (ct && ct->value) {
            const uint8_t *p = bstr_ptr(ct->value);
            size_t l = bstr_len(ct->value);
            const uint8_t *semi = memchr(p, ';', l);
            vg_jb_strn(jb, "http_content_type", p, semi ? (size_t)(semi - p) : l);
        }
        if (!extended) {
            vg_jb_close_obj(jb);
            return;
        }
        jb_hdr(jb, "http_refer", tx->request_headers, "Referer");
        jb_bstr(jb, "http_method", tx->request_method);
        jb_bstr(jb, "protocol", tx->request_protocol);
        if (tx->response_status_number > 0)
            vg_jb_u64(jb, "status", (uint64_t)tx->response_status_number);
        else if (tx->response_status)
            jb_bstr(jb, "status_string", tx->response_status);
        jb_hdr(jb, "redirect", tx->response_headers, "Location");
        vg_jb_u64(jb, "length", t->res_body_seen);
    }
    vg_jb_close_obj(jb);
}

const app_parser vg_app_parser_http = {
    .alproto = VG_ALPROTO_HTTP,
    .eve_kind = 0,
    .detect = vg_app_detect_http,
    .state_new = http_state_new,
    .state_free = http_state_free,
    .parse = http_parse,
    .flow_end = http_flow_end,
    .tx_free = http_tx_free,
    .tx_eve = http_tx_eve,
    .get_buffer = http_get_buffer,
    .gap = http_gap,
    .eof = http_eof,
    .idle = http_idle,
};

/* appfeat hook: the libhtp transaction of an HTTP tx, for the HTTP decoder
 * events (app-layer-event:http.*, net/app/app_feat_kw.c); NULL if none. */
struct htp_tx_t *vg_app_http_htx(const vg_app_tx *a);
struct htp_tx_t *vg_app_http_htx(const vg_app_tx *a)
{
    const http_tx *t = a && a->alproto == VG_ALPROTO_HTTP ? a->data : NULL;
    return t ? t->htx : NULL;
}
