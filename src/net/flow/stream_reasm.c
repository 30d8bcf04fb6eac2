/*
 * stream_reasm.c: TCP reassembly, one direction at a time.
 *
 * Job: place each data segment at its stream offset in a per-direction
 * buffer, resolving overlaps with the receiver's overlap policy (Suricata's
 * target-based rules; BSD by default: the first data wins unless the new
 * segment starts before the old one), and hand out the raw stream for
 * inspection in Suricata's IDS manner: data acknowledged by the receiver,
 * once at least a chunk of it is ready (or right away when the session is
 * closing, the depth is reached or the app-layer asks), and everything left
 * at flow end.  Missing data (a gap) is skipped and marked.
 *
 * Invariants: the buffer holds offsets [buf_off, buf_off + buf_cap); data
 * below raw_progress is released (its segments dropped, the buffer
 * compacted lazily on growth).  Segment records are sorted by offset and
 * may overlap; they remember sender boundaries for the overlap policy.
 *
 * Limits: stream.reassembly.depth (no data stored past it), the reassembly
 * memcap (buffers and segment records), at most MAX_SEGS records per
 * direction (in-order neighbours are merged once there are many).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/flow/flow_int.h"

#define MAX_SEGS 4096
#define MERGE_AFTER 16

static bool mem_charge(vg_flow_table *ft, vg_packet *p, fnode *n, uint64_t add)
{
    if (ft->reasm_memuse + add > ft->cfg.reasm_memcap) {
        ft->st.segment_memcap_drop++;
        vg_flow_apply_exception(ft, n, p, EXT_REASSEMBLY_MEMCAP, ft->cfg.reasm_memcap_policy);
        return false;
    }
    ft->reasm_memuse += add;
    return true;
}

/* ---- buffer recycling: no malloc per packet, few per flow ---- */

#define SEGS_INIT 16

static int bclass(uint32_t cap)
{
    int k = 0;
    while ((2048u << k) < cap && k < BPOOL_CLASSES)
        k++;
    return k < BPOOL_CLASSES && (2048u << k) == cap ? k : -1;
}

static uint8_t *buf_get(vg_flow_table *ft, uint32_t cap)
{
    int k = bclass(cap);
    if (k >= 0 && ft->bpool[k]) {
        void *b = ft->bpool[k];
        memcpy(&ft->bpool[k], b, sizeof(void *));
        ft->bpool_bytes -= cap;
        return b;
    }
    return malloc(cap);
}

static void buf_put(vg_flow_table *ft, uint8_t *b, uint32_t cap)
{
    int k = bclass(cap);
    if (b && k >= 0 && ft->bpool_bytes + cap <= BPOOL_MAX_BYTES) {
        memcpy(b, &ft->bpool[k], sizeof(void *));
        ft->bpool[k] = b;
        ft->bpool_bytes += cap;
        return;
    }
    free(b);
}

static seg_rec *segs_get(vg_flow_table *ft)
{
    if (ft->segpool) {
        seg_rec *r = ft->segpool;
        memcpy(&ft->segpool, r, sizeof(void *));
        ft->nsegpool--;
        return r;
    }
    return malloc(SEGS_INIT * sizeof(seg_rec));
}

static void segs_put(vg_flow_table *ft, seg_rec *r, uint32_t cap)
{
    if (r && cap == SEGS_INIT && ft->nsegpool < 65536) {
        memcpy(r, &ft->segpool, sizeof(void *));
        ft->segpool = r;
        ft->nsegpool++;
        return;
    }
    free(r);
}

void vg_reasm_pool_free(vg_flow_table *ft)
{
    for (int k = 0; k < BPOOL_CLASSES; k++) {
        while (ft->bpool[k]) {
            void *b = ft->bpool[k];
            memcpy(&ft->bpool[k], b, sizeof(void *));
            free(b);
        }
    }
    ft->bpool_bytes = 0;
    while (ft->segpool) {
        void *r = ft->segpool;
        memcpy(&ft->segpool, r, sizeof(void *));
        free(r);
    }
    ft->nsegpool = 0;
}

static void buf_drop(vg_flow_table *ft, tcp_stream *st)
{
    ft->reasm_memuse -= st->buf_cap;
    buf_put(ft, st->buf, st->buf_cap);
    st->buf = NULL;
    st->buf_cap = 0;
}

static void segs_drop(vg_flow_table *ft, tcp_stream *st)
{
    ft->reasm_memuse -= (uint64_t)st->segs_cap * sizeof(seg_rec);
    segs_put(ft, st->segs, st->segs_cap);
    st->segs = NULL;
    st->segs_cap = st->nsegs = 0;
}

void vg_reasm_trim(vg_flow_table *ft, tcp_stream *st)
{
    st->flags &= ~(uint16_t)STF_DROP_PENDING;
    if (!st->nsegs && st->raw_progress >= st->right_edge) {
        buf_drop(ft, st);
        segs_drop(ft, st);
    }
}

void vg_reasm_settle(vg_flow_table *ft, const struct vg_tcp_session *s, tcp_stream *st)
{
    if ((!st->buf && !st->segs) || st->nsegs || st->raw_progress < st->right_edge ||
        ft->cfg.inline_mode)
        return;
    if (!st->fin_sent && !(st->flags & STF_DEPTH_REACHED) && s->state < TCPS_CLOSED)
        return;
    vg_reasm_trim(ft, st);
}

void vg_reasm_dropq_run(vg_flow_table *ft)
{
    for (uint32_t i = 0; i < ft->ndropq; i++)
        if (ft->dropq[i]->flags & STF_DROP_PENDING)
            vg_reasm_trim(ft, ft->dropq[i]);
    ft->ndropq = 0;
}

void vg_reasm_free(vg_flow_table *ft, tcp_stream *st)
{
    buf_drop(ft, st);
    segs_drop(ft, st);
}

/* Stream offset of a sequence number (relative to base_seq; sequence space
 * wraps, so the offset is taken near the current right edge). */
static int64_t seq_to_off(const tcp_stream *st, uint32_t seq)
{
    uint64_t ref = st->right_edge;
    uint32_t ref_seq = st->base_seq + (uint32_t)ref;
    return (int64_t)ref + (int32_t)(seq - ref_seq);
}

uint64_t vg_reasm_acked_edge(const tcp_stream *st)
{
    if (!st->ack_seen)
        return 0;
    int64_t o = seq_to_off(st, st->last_ack);
    return o < 0 ? 0 : (uint64_t)o;
}

/* Does the new segment [ns, ne) win over the stored one [os, oe)? */
static bool new_wins(uint8_t pol, uint64_t ns, uint64_t ne, uint64_t os, uint64_t oe)
{
    if (pol == POL_LAST)
        return true;
    if (ns == os) {
        if (ne > oe && pol == POL_LINUX)
            return true;
        if (ne >= oe && (pol == POL_OLD_LINUX || pol == POL_SOLARIS || pol == POL_HPUX11))
            return true;
        return false;
    }
    if (ns < os) {
        if (ne >= oe && (pol == POL_SOLARIS || pol == POL_HPUX11))
            return true;
        switch (pol) {
        case POL_BSD: case POL_HPUX10: case POL_IRIX: case POL_WINDOWS: case POL_WINDOWS2K3:
        case POL_OLD_LINUX: case POL_LINUX: case POL_MACOS:
            return true;
        default:
            return false;
        }
    }
    return ne > oe && (pol == POL_SOLARIS || pol == POL_HPUX11);
}

/* Lowest offset still needed: the raw progress, or in inline mode a chunk
 * before it (inline chunks show data ahead of the packet). */
static uint64_t keep_floor(const vg_flow_table *ft, const tcp_stream *st)
{
    if (!ft->cfg.inline_mode)
        return st->raw_progress;
    uint64_t c = VG_MAX(ft->cfg.chunk_ts, ft->cfg.chunk_tc);
    return st->raw_progress > c ? st->raw_progress - c : 0;
}

/* Release data below the keep floor: drop whole segments before it. */
static void release(const vg_flow_table *ft, tcp_stream *st)
{
    uint64_t floor = keep_floor(ft, st);
    uint32_t i = 0;
    while (i < st->nsegs && st->segs[i].off + st->segs[i].len <= floor)
        i++;
    if (i) {
        memmove(st->segs, st->segs + i, (st->nsegs - i) * sizeof(seg_rec));
        st->nsegs -= i;
    }
}

/* Make the buffer cover [off, end). */
static bool ensure_buf(vg_flow_table *ft, fnode *n, vg_packet *p, tcp_stream *st, uint64_t end)
{
    if (end <= st->buf_off + st->buf_cap)
        return true;
    /* slide out what was inspected */
    uint64_t keep_from = keep_floor(ft, st);
    if (st->nsegs && st->segs[0].off < keep_from)
        keep_from = st->segs[0].off;
    if (keep_from > st->buf_off && st->buf) {
        uint64_t shift = keep_from - st->buf_off;
        if (shift >= st->buf_cap) {
            st->buf_off = keep_from;
        } else {
            memmove(st->buf, st->buf + shift, st->buf_cap - shift);
            st->buf_off += shift;
        }
    }
    if (!st->buf)
        st->buf_off = keep_from;
    if (end <= st->buf_off + st->buf_cap)
        return true;
    uint64_t need = end - st->buf_off;
    uint64_t cap = st->buf_cap ? st->buf_cap : 2048;
    while (cap < need)
        cap *= 2;
    if (cap > (1u << 31))
        return false;
    if (!mem_charge(ft, p, n, cap - st->buf_cap))
        return false;
    uint8_t *nb = buf_get(ft, (uint32_t)cap);
    if (!nb) {
        ft->reasm_memuse -= cap - st->buf_cap;
        return false;
    }
    if (st->buf)
        memcpy(nb, st->buf, st->buf_cap);
    buf_put(ft, st->buf, st->buf_cap);
    st->buf = nb;
    st->buf_cap = (uint32_t)cap;
    return true;
}

static bool seg_insert_at(vg_flow_table *ft, fnode *n, vg_packet *p, tcp_stream *st,
                          uint32_t idx, uint64_t off, uint32_t len)
{
    if (st->nsegs >= MAX_SEGS) {
        ft->st.insert_list_fail++;
        return false;
    }
    if (st->nsegs == st->segs_cap) {
        uint32_t nc = st->segs_cap ? st->segs_cap * 2 : SEGS_INIT;
        if (!mem_charge(ft, p, n, (uint64_t)(nc - st->segs_cap) * sizeof(seg_rec)))
            return false;
        seg_rec *ns = nc == SEGS_INIT ? segs_get(ft) : malloc(nc * sizeof(seg_rec));
        if (ns && st->segs) {
            memcpy(ns, st->segs, st->nsegs * sizeof(seg_rec));
            segs_put(ft, st->segs, st->segs_cap);
        }
        if (!ns) {
            ft->reasm_memuse -= (uint64_t)(nc - st->segs_cap) * sizeof(seg_rec);
            return false;
        }
        st->segs = ns;
        st->segs_cap = nc;
    }
    memmove(st->segs + idx + 1, st->segs + idx, (st->nsegs - idx) * sizeof(seg_rec));
    st->segs[idx].off = off;
    st->segs[idx].len = len;
    st->nsegs++;
    return true;
}

void vg_reasm_insert(vg_flow_table *ft, struct vg_tcp_session *s, tcp_stream *st, vg_packet *p,
                     uint32_t seq, const uint8_t *data, uint32_t len)
{
    (void)s;
    fnode *n = (fnode *)p->flow;
    if (st->flags & (STF_NOREASSEMBLY | STF_DEPTH_REACHED) || !len)
        return;
    int64_t soff = seq_to_off(st, seq);
    int64_t send = soff + (int64_t)len;
    uint64_t floor = VG_MAX(keep_floor(ft, st), st->buf_off);
    if (send <= (int64_t)floor) {
        vg_tcp_set_event(p, STEV_REASSEMBLY_SEGMENT_BEFORE_BASE_SEQ);
        return;
    }
    if (soff < (int64_t)floor) {
        data += (uint64_t)((int64_t)floor - soff);
        soff = (int64_t)floor;
    }
    uint64_t off = (uint64_t)soff, end = (uint64_t)send;
    if (ft->cfg.depth && end > ft->cfg.depth) {
        st->flags |= STF_DEPTH_REACHED;
        ft->st.depth_reached++;
        if (ft->cfg.bypass_on_depth) /* stream.bypass: nothing more to see here */
            vg_flow_apply_exception(ft, n, NULL, 0, EXC_BYPASS);
        if (off >= ft->cfg.depth)
            return;
        end = ft->cfg.depth;
    }
    len = (uint32_t)(end - off);
    if (!ensure_buf(ft, n, p, st, end))
        return;
    uint8_t *dst = st->buf + (off - st->buf_off);
    p->flags |= VG_PKT_STREAM_ADD;

    /* fast path: in order, after all data seen so far */
    if (off >= st->right_edge) {
        memcpy(dst, data, len);
        seg_rec *last = st->nsegs ? &st->segs[st->nsegs - 1] : NULL;
        if (last && last->off + last->len == off && st->nsegs >= MERGE_AFTER &&
            (uint64_t)last->len + len < (1u << 30)) {
            last->len += len;
        } else if (!seg_insert_at(ft, n, p, st, st->nsegs, off, len)) {
            return;
        }
        if (off > st->right_edge && st->nsegs > 1)
            st->max_regions = (uint8_t)VG_MIN(255, st->max_regions + 1);
        st->right_edge = end;
        return;
    }

    /* overlap or out of order: protect the bytes the old data keeps */
    uint32_t idx = 0;
    while (idx < st->nsegs && st->segs[idx].off <= off)
        idx++;
    bool any_overlap = false, diff = false;
    uint64_t pos = off, cov = off; /* cov: how far old data covers us without a hole */
    for (uint32_t i = 0; i < st->nsegs; i++) {
        const seg_rec *o = &st->segs[i];
        uint64_t os = o->off, oe = o->off + o->len;
        if (os >= end)
            break;
        if (oe <= off)
            continue;
        any_overlap = true;
        if (os <= cov && oe > cov)
            cov = oe;
        uint64_t is = VG_MAX(os, off), ie = VG_MIN(oe, end);
        is = VG_MAX(is, st->buf_off);
        if (ie <= is)
            continue;
        if (memcmp(st->buf + (is - st->buf_off), data + (is - off), ie - is) != 0)
            diff = true;
        if (new_wins(st->policy, off, end, os, oe))
            continue;
        /* old data stays on [is, ie): write the new bytes before it */
        if (is > pos)
            memcpy(st->buf + (pos - st->buf_off), data + (pos - off), is - pos);
        if (ie > pos)
            pos = ie;
    }
    /* protected ranges start in order (segments are sorted): the rest is new */
    if (pos < end)
        memcpy(st->buf + (pos - st->buf_off), data + (pos - off), end - pos);
    if (any_overlap) {
        ft->st.overlap++;
        if (diff) {
            ft->st.overlap_diff++;
            vg_tcp_set_event(p, STEV_REASSEMBLY_OVERLAP_DIFFERENT_DATA);
        }
    }
    /* a retransmission inside stored data adds no new boundary worth a
     * record (and must not let duplicates fill the segment table) */
    if (cov >= end)
        return;
    if (!seg_insert_at(ft, n, p, st, idx, off, len))
        return;
    if (end > st->right_edge)
        st->right_edge = end;
    /* count data regions (contiguous blocks) for EVE *_max_regions */
    uint32_t regions = 0;
    uint64_t cur = 0;
    for (uint32_t i = 0; i < st->nsegs; i++) {
        if (i == 0 || st->segs[i].off > cur)
            regions++;
        uint64_t e = st->segs[i].off + st->segs[i].len;
        if (i == 0 || e > cur)
            cur = e;
    }
    if (regions > st->max_regions)
        st->max_regions = (uint8_t)VG_MIN(255u, regions);
}

int vg_reasm_raw_inline(vg_flow_table *ft, tcp_stream *st, const vg_packet *p, bool toserver,
                        vg_stream_chunk *chunks)
{
    if (!(p->flags & VG_PKT_STREAM_ADD) || !p->payload_len || !st->nsegs)
        return 0;
    uint32_t seq = p->tcp_seq + ((p->tcp_flags & TH_SYN) ? 1 : 0);
    int64_t ps = seq_to_off(st, seq);
    if (ps < 0)
        ps = 0;
    uint64_t pl = (uint64_t)ps, pr = pl + p->payload_len;
    if (pr > st->right_edge)
        pr = st->right_edge;
    if (pl < st->buf_off)
        pl = st->buf_off;
    if (pr <= pl)
        return 0;
    /* the contiguous block holding the packet's data */
    uint64_t bs = 0, be = 0;
    for (uint32_t i = 0; i < st->nsegs; i++) {
        uint64_t s0 = st->segs[i].off, e0 = s0 + st->segs[i].len;
        if (be && s0 <= be) {
            if (e0 > be)
                be = e0;
            continue;
        }
        if (be && bs <= pl && be >= pr)
            break;
        bs = s0;
        be = e0;
    }
    if (!(bs <= pl && be >= pr))
        return 0;
    if (bs < st->buf_off)
        bs = st->buf_off;
    /* cut to the chunk size around the packet, as Suricata does */
    uint32_t chunk = toserver ? ft->cfg.chunk_ts : ft->cfg.chunk_tc;
    uint32_t plen = (uint32_t)(pr - pl);
    if (chunk <= plen || (chunk / 3) * 2 < plen)
        chunk = plen + chunk / 3;
    if (be - bs > chunk) {
        uint64_t excess = (be - bs) - chunk;
        if (be == pr) {
            bs += excess;
        } else if (bs == pl) {
            be -= excess;
        } else {
            uint64_t before = pl - bs, after = be - pr, room = chunk - plen;
            if (after >= room / 2) {
                if (before >= room / 2)
                    before = after = room / 2;
                else
                    after = room - before;
            } else if (before >= room / 2) {
                before = room - after;
            }
            bs = pl - before;
            be = pr + after;
        }
    }
    chunks[0].data = st->buf + (bs - st->buf_off);
    chunks[0].len = (uint32_t)(be - bs);
    chunks[0].offset = bs;
    chunks[0].toserver = toserver;
    chunks[0].flow_end = false;
    chunks[0].log_data = NULL;
    chunks[0].log_len = 0;
    if (be > st->raw_progress)
        st->raw_progress = be;
    release(ft, st);
    return 1;
}

bool vg_reasm_raw_ready(const vg_flow_table *ft, const struct vg_tcp_session *s,
                        const tcp_stream *st, bool toserver)
{
    if (st->right_edge <= st->raw_progress || !st->nsegs)
        return false;
    if (st->flags & (STF_DEPTH_REACHED | STF_TRIGGER_RAW))
        return true;
    if (s->state > TCPS_TIME_WAIT)
        return true;
    uint64_t acked = vg_reasm_acked_edge(st);
    uint32_t chunk = toserver ? ft->cfg.chunk_ts : ft->cfg.chunk_tc;
    return acked > st->raw_progress && acked - st->raw_progress >= chunk;
}

static bool log_reserve(vg_flow_table *ft, int slot, uint64_t need)
{
    if (need <= ft->logcap[slot])
        return true;
    if (need > (64u << 20))
        return false;
    uint32_t cap = ft->logcap[slot] ? ft->logcap[slot] : 4096;
    while (cap < need)
        cap *= 2;
    uint8_t *nb = realloc(ft->logbuf[slot], cap);
    if (!nb)
        return false;
    ft->logbuf[slot] = nb;
    ft->logcap[slot] = cap;
    return true;
}

int vg_reasm_raw(vg_flow_table *ft, struct vg_tcp_session *s, tcp_stream *st, bool toserver,
                 bool eof, vg_stream_chunk *chunks, int max, int logslot)
{
    st->flags &= ~(uint16_t)STF_TRIGGER_RAW;
    if (!st->nsegs || max <= 0)
        return 0;
    uint64_t start = st->raw_progress;
    uint64_t re = eof ? UINT64_MAX : vg_reasm_acked_edge(st);
    if (re <= start)
        return 0;
    uint64_t progress = start;
    int nch = 0;
    uint32_t i = 0;
    while (i < st->nsegs && nch < max) {
        uint64_t bs = st->segs[i].off, be = bs + st->segs[i].len;
        i++;
        if (be <= progress)
            continue;
        while (i < st->nsegs && st->segs[i].off <= be) {
            uint64_t e = st->segs[i].off + st->segs[i].len;
            if (e > be)
                be = e;
            i++;
        }
        if (bs < progress)
            bs = progress;
        if (bs >= re)
            break;
        if (be > re)
            be = re;
        if (bs < st->buf_off) /* released: cannot happen, be safe */
            bs = st->buf_off;
        if (be <= bs)
            continue;
        if (bs > progress) {
            st->flags |= STF_HAS_GAP;
            ft->st.reasm_gap++;
        }
        vg_stream_chunk *c = &chunks[nch++];
        c->data = st->buf + (bs - st->buf_off);
        c->len = (uint32_t)(be - bs);
        c->offset = bs;
        c->toserver = toserver;
        c->flow_end = eof;
        c->log_data = NULL;
        c->log_len = 0;
        progress = be;
    }
    if (!nch) {
        /* acknowledged but never seen: a gap with nothing after it yet */
        if (!eof && re != UINT64_MAX && re > start && st->nsegs &&
            st->segs[st->nsegs - 1].off + st->segs[st->nsegs - 1].len <= start) {
            /* nothing stored in range: keep waiting for data beyond */
        }
        return 0;
    }
    /* gap markers for the logged payload, as Suricata writes them */
    if (nch > 1 || chunks[0].offset > start) {
        uint64_t need = 0;
        uint64_t pos = start;
        for (int k = 0; k < nch; k++) {
            if (chunks[k].offset > pos)
                need += 32;
            need += chunks[k].len;
            pos = chunks[k].offset + chunks[k].len;
        }
        if (log_reserve(ft, logslot, need)) {
            uint8_t *o = ft->logbuf[logslot];
            uint32_t ol = 0;
            pos = start;
            for (int k = 0; k < nch; k++) {
                if (chunks[k].offset > pos)
                    ol += (uint32_t)snprintf((char *)o + ol, 32, "[%llu bytes missing]",
                                             (unsigned long long)(chunks[k].offset - pos));
                memcpy(o + ol, chunks[k].data, chunks[k].len);
                ol += chunks[k].len;
                pos = chunks[k].offset + chunks[k].len;
            }
            for (int k = 0; k < nch; k++) {
                chunks[k].log_data = o;
                chunks[k].log_len = ol;
            }
        }
    }
    st->raw_progress = progress;
    release(ft, st);
    /* nothing more will come (FIN sent or depth reached) and all of it was
     * inspected: the buffer goes back to the pool at the flow's next packet
     * (the chunks point into it until then) rather than at flow end */
    if (!eof && !st->nsegs && st->raw_progress >= st->right_edge &&
        (st->fin_sent || (st->flags & STF_DEPTH_REACHED) || s->state >= TCPS_CLOSED) &&
        !(st->flags & STF_DROP_PENDING)) {
        st->flags |= STF_DROP_PENDING;
        if (ft->ndropq < VG_ARRAY_LEN(ft->dropq))
            ft->dropq[ft->ndropq++] = st;
    }
    return nch;
}
