/*
 * file_log.c: `fileinfo` EVE records and the application layer's side of
 * file tracking (the files thread context in vg_app_ctx.files).
 *
 * A file is logged once it is closed and detection has seen the last data
 * of its side (after the packet's alerts, so a filestore rule that matched
 * that data is honoured): vg_files_after_packet, after each packet.  When
 * its transaction is logged (complete, or at the flow's end) the files
 * still open are closed TRUNCATED and every file not logged yet is.  A
 * file a rule or force-filestore asked for is written to the store first;
 * its record is addressed in the file's direction (a download goes from
 * the server), with the transaction's protocol object ("http": {...}) as
 * it is then, and "app_proto".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/eve.h"
#include "net/app/app_int.h"
#include "net/app/file.h"
#include "net/engine/output.h"
#include "net/detect.h"

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

/* The fileinfo record of fi into fc->jb. */
static void record(vg_files_ctx *fc, const vg_flow *f, vg_app_tx *tx, vg_file *fi,
                   const vg_packet *v, bool magic)
{
    const char *ap = vg_app_proto_name(tx->alproto);
    vg_jb *jb = &fc->jb;
    vg_eve_packet_header(jb, v, "fileinfo", NULL);
    vg_app_tx_eve(f, tx, jb);
    if (ap)
        vg_jb_str(jb, "app_proto", ap);
    /* every digest computed (force-hash, the store, hash rules) is shown,
     * as Suricata's flags decide; magic when forced or computed for a rule */
    vg_file_eve(fi, jb, true, true, true, magic);
    vg_detect_flow_eve(f, jb); /* metadata/traffic, as Suricata's common options */
    vg_jb_close_obj(jb);
}

/* file-store write-fileinfo: the record beside the stored file, as
 * <sha256>.<seconds>.<file_id>.json (file-store v2's name). */
static void write_fileinfo(vg_files_ctx *fc, const vg_file *fi, const vg_packet *v)
{
    char path[VG_FILES_PATH_MAX + 96], js[VG_FILES_PATH_MAX + 160];
    if (!vg_file_store_path(fi, path, sizeof path))
        return;
    snprintf(js, sizeof js, "%s.%lld.%u.json", path, (long long)v->ts.tv_sec, fi->store_id);
    FILE *out = fopen(js, "w");
    if (!out) {
        fc->st.store_errors++;
        return;
    }
    bool ok = !fc->jb.overflow && fwrite(fc->jb.buf, 1, fc->jb.len, out) == fc->jb.len &&
              fputc('\n', out) != EOF;
    if (fclose(out) != 0 || !ok) {
        unlink(js);
        fc->st.store_errors++;
    }
}

/* Store f when asked, then write its record (once) on p's view. */
static void log_file(vg_files_ctx *fc, const vg_flow *f, vg_app_tx *tx, vg_file *fi,
                     const vg_packet *p, vg_packet *v)
{
    if (fi->logged)
        return;
    /* the store's sha256 is the file's name there */
    bool stored_now = vg_file_store(fi);
    fi->logged = true;
    if (!p || !v)
        return;
    view(v, p, fi->toclient);
    if (stored_now && fc->write_fileinfo) {
        record(fc, f, tx, fi, v, fc->force_magic);
        write_fileinfo(fc, fi, v);
    }
    for (int i = 0; i < fc->neves; i++) {
        const vg_files_eve *e = &fc->eves[i];
        record(fc, f, tx, fi, v, e->magic || fc->force_magic);
        (void)vg_eve_write(e->eve, &fc->jb);
    }
    fc->st.logged++;
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
    vg_packet *v = p && (fc->neves || fc->write_fileinfo) ? malloc(sizeof(*v)) : NULL;
    for (vg_file *fi = fl->head; fi; fi = fi->next)
        log_file(fc, f, tx, fi, p, v);
    free(v);
}

void vg_files_after_packet(vg_app_ctx *ctx, const vg_packet *p)
{
    vg_files_ctx *fc = ctx ? ctx->files : NULL;
    const vg_flow *f = p ? p->flow : NULL;
    const app_flow *af = f ? f->app_state : NULL;
    if (!fc || !af)
        return;
    vg_packet *v = NULL;
    for (vg_app_tx *tx = af->head; tx; tx = tx->next) {
        vg_file_list *fl = tx->files;
        if (!fl || tx->logged)
            continue;
        for (vg_file *fi = fl->head; fi; fi = fi->next) {
            int s = fi->toclient ? 1 : 0;
            /* closed, and detection saw the side as it is now */
            if (fi->logged || fi->state == VG_FILE_OPEN || tx->seen[s] != tx->ver[s])
                continue;
            if (!v && (fc->neves || fc->write_fileinfo) && !(v = malloc(sizeof(*v))))
                return;
            log_file(fc, f, tx, fi, p, v);
        }
    }
    free(v);
}
