/*
 * file_http.c: files in HTTP/1 bodies (called from app_http.c's libhtp
 * hooks, marked "files hook" there).
 *
 * Request side: a multipart/form-data body gives one file per part with a
 * filename; a PUT body is one file named by the URI path.  Response side:
 * a body is one file, named by the Content-Disposition filename when
 * there is one, else by the normalised URI path (as Suricata names it).
 * Bodies arrive as libhtp hands them over (de-chunked, responses
 * decompressed); a file opens on the first body byte, so an empty body
 * makes no file.  The transaction's file list is vg_app_tx.files.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <htp/htp.h>

#include "net/app/app_int.h"
#include "net/app/file.h"

static vg_file_list *list_of(vg_app_tx *a)
{
    if (!a->files)
        a->files = calloc(1, sizeof(vg_file_list));
    return a->files;
}

void vg_file_http_req_headers(vg_app_ctx *ctx, vg_app_tx *a, htp_tx_t *tx)
{
    if (!ctx || !ctx->files || !a || !tx || !tx->request_headers)
        return;
    const htp_header_t *ct = htp_table_get_c(tx->request_headers, "Content-Type");
    if (!ct || !ct->value)
        return;
    vg_file_list *fl = list_of(a);
    if (!fl || fl->mp)
        return;
    fl->mp = vg_mpart_new(ctx->files, fl, a->id, bstr_ptr(ct->value),
                          (uint32_t)bstr_len(ct->value));
}

static void open_named(vg_app_ctx *ctx, vg_app_tx *a, vg_file_list *fl, htp_tx_t *tx, bool toclient)
{
    char name[VG_FILE_NAME_MAX + 1];
    int nl = -1;
    const htp_header_t *cd = toclient && tx->response_headers
                                 ? htp_table_get_c(tx->response_headers, "Content-Disposition")
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
        (void)vg_file_open(ctx->files, fl, toclient, a->id, bstr_ptr(path), (uint32_t)bstr_len(path));
    else
        (void)vg_file_open(ctx->files, fl, toclient, a->id, NULL, 0);
}

void vg_file_http_body(vg_app_ctx *ctx, vg_app_tx *a, htp_tx_t *tx, bool toclient,
                       const uint8_t *d, uint32_t n)
{
    if (!ctx || !ctx->files || !a || !tx || !d || !n)
        return;
    vg_file_list *fl = list_of(a);
    if (!fl)
        return;
    fl->htx = tx;
    int side = toclient ? 1 : 0;
    if (!toclient && fl->mp) {
        vg_mpart_feed(fl->mp, d, n);
        return;
    }
    if (!toclient && !(tx->request_method_number == HTP_M_PUT))
        return;
    if (!fl->opened[side]) {
        fl->opened[side] = true;
        open_named(ctx, a, fl, tx, toclient);
    }
    vg_file_append(fl->cur[side], d, n);
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
