/*
 * file_http.c: files in HTTP/1 bodies (called from app_http.c's libhtp
 * hooks, marked "files hook" there).
 *
 * Request side: a multipart/form-data POST body gives one file per part
 * with a filename; any other POST or PUT body is one file named by the URI path
 * (as Suricata).  Response side: a body is one file, named by the
 * Content-Disposition filename when there is one, else by the normalised
 * URI path (as Suricata names it).  Bodies arrive as libhtp hands them over
 * (de-chunked, responses decompressed); a file opens on the first body
 * byte, so an empty body makes no file.  The transaction's file list is
 * vg_app_tx.files.
 *
 * Body limits (request-body-limit, response-body-limit; as Suricata): the
 * bytes of a side's body up to its limit go to files; past it the side's
 * open file is closed TRUNCATED and no other file opens.  Once a filestore
 * rule matched the side (depth_set), file-store stream-depth (else
 * stream.reassembly.depth) replaces the limit (0: none).  Request-side
 * files keep their content for `file.data` up to the request body limit.
 * A gap (NULL data from libhtp) goes to the side's open file (vg_file_gap)
 * and counts as body bytes.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <htp/htp.h>

#include "net/app/app_int.h"
#include "net/app/file.h"
#include "net/app/http_hdr.h"

static vg_file_list *list_of(vg_app_ctx *ctx, vg_app_tx *a)
{
    if (!a->files) {
        a->files = calloc(1, sizeof(vg_file_list));
        if (a->files) {
            uint64_t lim = ctx->http_req_body_limit;
            a->files->data_max[0] = !lim || lim > VG_FILE_DATA_UNLIMITED ? VG_FILE_DATA_UNLIMITED
                                                                         : (uint32_t)lim;
        }
    }
    return a->files;
}

/* The side's body went past its limit: its open file (a multipart part
 * too) ends TRUNCATED and no other file opens. */
static void over_limit(vg_app_ctx *ctx, vg_file_list *fl, int side)
{
    fl->body_over[side] = true;
    if (fl->cur[side])
        ctx->files->st.body_limit++;
    if (side == 0 && fl->mp)
        vg_mpart_end(fl->mp); /* closes a part still open TRUNCATED */
    vg_file_list_close_side(fl, side == 1, VG_FILE_TRUNCATED);
}

/* How many of n body bytes of a side still go to files: all, a cut at the
 * limit, or 0 past it (the side's file then closes TRUNCATED). */
static uint32_t within_limit(vg_app_ctx *ctx, vg_file_list *fl, int side, uint32_t n)
{
    if (fl->body_over[side])
        return 0;
    uint64_t lim = side ? ctx->http_res_body_limit : ctx->http_req_body_limit;
    if (fl->depth_set[side]) /* file-store stream-depth, else the stream's */
        lim = ctx->files->stream_depth_set ? ctx->files->stream_depth : ctx->depth;
    uint64_t seen = fl->body_seen[side];
    if (lim && seen >= lim) {
        over_limit(ctx, fl, side);
        return 0;
    }
    if (lim && seen + n > lim)
        n = (uint32_t)(lim - seen); /* the rest is past the limit: see cut_off */
    fl->body_seen[side] = seen + n;
    return n;
}

/* After the part of a chunk within the limit went to the file: when the
 * chunk went past the limit, the file is cut short (TRUNCATED now, where
 * Suricata would close it at the next chunk, or CLOSED with a partial
 * digest when none comes). */
static void cut_off(vg_app_ctx *ctx, vg_file_list *fl, int side, uint32_t n, uint32_t used)
{
    if (used != n)
        over_limit(ctx, fl, side);
}

void vg_file_http_req_headers(vg_app_ctx *ctx, vg_app_tx *a, htp_tx_t *tx)
{
    if (!ctx || !ctx->files || !a || !tx || !tx->request_headers)
        return;
    /* the list exists from the request on, so that a filestore match can
     * mark the transaction before its response's file opens */
    vg_file_list *fl = list_of(ctx, a);
    /* as Suricata: multipart parts are files in POST bodies only (a PUT
     * body is one file whatever its type) */
    if (!fl || fl->mp || tx->request_method_number != HTP_M_POST)
        return;
    const htp_header_t *ct = vg_http_hdr(tx->request_headers, "Content-Type");
    if (!ct || !ct->value)
        return;
    fl->mp = vg_mpart_new(ctx->files, fl, a->id, bstr_ptr(ct->value),
                          (uint32_t)bstr_len(ct->value));
}

static bool num(const uint8_t *v, uint32_t n, uint32_t *i, uint64_t *out)
{
    uint32_t s = *i;
    uint64_t x = 0;
    while (*i < n && v[*i] >= '0' && v[*i] <= '9') {
        if (x > (UINT64_MAX - 9) / 10)
            return false;
        x = x * 10 + (uint64_t)(v[*i] - '0');
        (*i)++;
    }
    *out = x;
    return *i > s;
}

int vg_file_content_range(const uint8_t *v, uint32_t n, uint64_t *start, uint64_t *end)
{
    uint32_t i = 0;
    while (i < n && (v[i] == ' ' || v[i] == '\t'))
        i++;
    if (n - i < 5 || strncasecmp((const char *)v + i, "bytes", 5) != 0)
        return VG_EINVAL;
    i += 5;
    while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == '='))
        i++;
    uint64_t s, e, size;
    if (!num(v, n, &i, &s) || i >= n || v[i++] != '-' || !num(v, n, &i, &e) || e < s)
        return VG_EINVAL;
    if (i >= n || v[i++] != '/')
        return VG_EINVAL;
    if (!(i < n && v[i] == '*') && !num(v, n, &i, &size))
        return VG_EINVAL;
    *start = s;
    *end = e;
    return VG_OK;
}

/* A body's file, named as Suricata names it: Content-Disposition's
 * filename (responses), else the URI path. */
static void open_by_name(vg_app_ctx *ctx, vg_app_tx *a, vg_file_list *fl, htp_tx_t *tx,
                         bool toclient)
{
    char name[VG_FILE_NAME_MAX + 1];
    int nl = -1;
    const htp_header_t *cd = toclient && tx->response_headers
                                 ? vg_http_hdr(tx->response_headers, "Content-Disposition")
                                 : NULL;
    if (cd && cd->value) {
        nl = vg_mpart_param(bstr_ptr(cd->value), (uint32_t)bstr_len(cd->value), "filename",
                            name, sizeof name);
        if (nl < 0)
            nl = vg_mpart_param(bstr_ptr(cd->value), (uint32_t)bstr_len(cd->value),
                                "filename*", name, sizeof name);
    }
    if (nl >= 0) {
        (void)vg_file_open(ctx->files, fl, toclient, a->id, (const uint8_t *)name, (uint32_t)nl);
        return;
    }
    const bstr *path = tx->parsed_uri ? tx->parsed_uri->path : NULL;
    if (path)
        (void)vg_file_open(ctx->files, fl, toclient, a->id, bstr_ptr(path),
                           (uint32_t)bstr_len(path));
    else
        (void)vg_file_open(ctx->files, fl, toclient, a->id, NULL, 0);
}


static void open_named(vg_app_ctx *ctx, vg_app_tx *a, vg_file_list *fl, htp_tx_t *tx, bool toclient)
{
    open_by_name(ctx, a, fl, tx, toclient);
    /* a partial response: the file's place in the whole (fileinfo start/end) */
    const htp_header_t *cr = toclient && tx->response_headers
                                 ? vg_http_hdr(tx->response_headers, "Content-Range")
                                 : NULL;
    vg_file *f = fl->cur[toclient ? 1 : 0];
    if (f && cr && cr->value)
        (void)vg_file_content_range(bstr_ptr(cr->value), (uint32_t)bstr_len(cr->value),
                                    &f->range_start, &f->range_end);
}

/* Does this side's body make a file (request: multipart parts, or the
 * body of a POST or PUT)? */
static bool body_is_file(const vg_file_list *fl, const htp_tx_t *tx, bool toclient)
{
    return toclient || fl->mp || tx->request_method_number == HTP_M_POST ||
           tx->request_method_number == HTP_M_PUT;
}

/* The file list taking n more bytes of a's body on side toclient, and in
 * *k how many of them the limit lets in; NULL when none is to be taken. */
static vg_file_list *body_take(vg_app_ctx *ctx, vg_app_tx *a, htp_tx_t *tx, bool toclient,
                               uint32_t n, uint32_t *k)
{
    vg_file_list *fl = list_of(ctx, a);
    if (!fl)
        return NULL;
    fl->htx = tx;
    if (!body_is_file(fl, tx, toclient))
        return NULL;
    *k = within_limit(ctx, fl, toclient ? 1 : 0, n);
    return *k ? fl : NULL;
}

void vg_file_http_body(vg_app_ctx *ctx, vg_app_tx *a, htp_tx_t *tx, bool toclient,
                       const uint8_t *d, uint32_t n)
{
    if (!ctx || !ctx->files || !a || !tx || !d || !n)
        return;
    uint32_t k;
    vg_file_list *fl = body_take(ctx, a, tx, toclient, n, &k);
    if (!fl)
        return;
    int side = toclient ? 1 : 0;
    if (!toclient && fl->mp) {
        vg_mpart_feed(fl->mp, d, k);
    } else {
        if (!fl->opened[side]) {
            fl->opened[side] = true;
            open_named(ctx, a, fl, tx, toclient);
        }
        vg_file_append(fl->cur[side], d, k);
    }
    cut_off(ctx, fl, side, n, k);
}

void vg_file_http_gap(vg_app_ctx *ctx, vg_app_tx *a, htp_tx_t *tx, bool toclient, uint32_t n)
{
    if (!ctx || !ctx->files || !a || !tx || !n)
        return;
    uint32_t k;
    vg_file_list *fl = body_take(ctx, a, tx, toclient, n, &k);
    if (!fl)
        return;
    int side = toclient ? 1 : 0;
    if (!toclient && fl->mp) {
        /* the multipart parser cannot find delimiters in bytes never seen:
         * the part open now ends there, TRUNCATED, and no other part is
         * looked for */
        vg_file_gap(fl->cur[0], k);
        vg_mpart_end(fl->mp);
    } else {
        if (!fl->opened[side]) {
            /* a body starting with a gap is still a file (of unknown head) */
            fl->opened[side] = true;
            open_named(ctx, a, fl, tx, toclient);
        }
        vg_file_gap(fl->cur[side], k);
    }
    cut_off(ctx, fl, side, n, k);
}

void vg_file_http_done(vg_app_ctx *ctx, vg_app_tx *a, bool toclient)
{
    if (!ctx || !a || !a->files)
        return;
    vg_file_list *fl = a->files;
    if (!toclient && fl->mp)
        vg_mpart_end(fl->mp);
    /* a body shorter than its Content-Length (the connection closed) */
    int st = VG_FILE_CLOSED;
    const htp_tx_t *tx = fl->htx;
    if (tx) {
        int64_t want = toclient ? tx->response_content_length : tx->request_content_length;
        int64_t got = toclient ? tx->response_message_len : tx->request_message_len;
        if (want > 0 && got < want)
            st = VG_FILE_TRUNCATED;
    }
    vg_file_list_close_side(fl, toclient, st);
}
