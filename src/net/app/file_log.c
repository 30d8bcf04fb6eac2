/*
 * file_log.c: `fileinfo` EVE records and the application layer's side of
 * file tracking (the files thread context in vg_app_ctx.files).
 *
 * A transaction's files are logged when the transaction is logged (after
 * the alerts of the packet that completed it, so a filestore rule that
 * matched on that packet is honoured): files still open are closed
 * TRUNCATED, files a rule or force-filestore asked for are written to the
 * store, then each file gets one record, addressed in the file's direction
 * (a download goes from the server), with the transaction's protocol
 * object ("http": {...}) and "app_proto".
 */
#include <stdlib.h>
#include <string.h>

#include "core/eve.h"
#include "net/app/app_int.h"
#include "net/app/file.h"
#include "net/engine/output.h"

vg_files_ctx *vg_app_files(vg_app_ctx *ctx)
{
    return ctx ? ctx->files : NULL;
}

void vg_app_files_set_log_dir(vg_app_ctx *ctx, const char *log_dir)
{
    if (ctx && ctx->files)
        vg_files_set_log_dir(ctx->files, log_dir);
}

/* p as seen in direction toclient (server as the source) or to server. */
static void view(vg_packet *v, const vg_packet *p, bool toclient)
{
    *v = *p;
    v->nalerts = 0;
    bool p_tc = (p->flags & VG_PKT_TOCLIENT) != 0;
    if (p_tc != toclient) {
        v->src = p->dst;
        v->dst = p->src;
        v->sp = p->dp;
        v->dp = p->sp;
    }
    v->flags = (p->flags & ~(uint32_t)(VG_PKT_TOSERVER | VG_PKT_TOCLIENT)) |
               (toclient ? VG_PKT_TOCLIENT : VG_PKT_TOSERVER);
}

void vg_files_log_tx(vg_app_ctx *ctx, const vg_flow *f, vg_app_tx *tx, const vg_packet *p)
{
    vg_files_ctx *fc = ctx ? ctx->files : NULL;
    vg_file_list *fl = tx ? tx->files : NULL;
    if (!fc || !fl || !fl->head)
        return;
    if (fl->mp)
        vg_mpart_end(fl->mp);
    vg_file_list_close_side(fl, false, VG_FILE_TRUNCATED);
    vg_file_list_close_side(fl, true, VG_FILE_TRUNCATED);
    /* the store's sha256 is the file's name there */
    for (vg_file *fi = fl->head; fi; fi = fi->next)
        vg_file_store(fi);
    if (!p || !fc->neves)
        return;
    vg_packet *v = malloc(sizeof(*v));
    if (!v)
        return;
    const char *ap = vg_app_proto_name(tx->alproto);
    for (vg_file *fi = fl->head; fi; fi = fi->next) {
        if (fi->logged)
            continue;
        fi->logged = true;
        view(v, p, fi->toclient);
        for (int i = 0; i < fc->neves; i++) {
            const vg_files_eve *e = &fc->eves[i];
            vg_jb *jb = &fc->jb;
            vg_eve_packet_header(jb, v, "fileinfo", NULL);
            vg_app_tx_eve(f, tx, jb);
            if (ap)
                vg_jb_str(jb, "app_proto", ap);
            /* hashes: as force-hash says, sha256 also when the store is on */
            vg_file_eve(fi, jb, e->md5, e->sha1, e->sha256 || fc->store_enabled, e->magic);
            vg_jb_close_obj(jb);
            (void)vg_eve_write(e->eve, jb);
        }
        fc->st.logged++;
    }
    free(v);
}
