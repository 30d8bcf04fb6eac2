/*
 * payload_inspect.c: the payload inspection engine.
 *
 * Walks one buffer's keyword list in rule order with a cursor (the end of the
 * previous match).  Contents and pcres that a later keyword depends on with
 * `within` (or pcre/R, byte_*,relative, isdataat,relative) are retried at
 * their next occurrence when the rest of the list fails; a keyword whose
 * failure no retry can fix ends the whole inspection early ("discontinue"),
 * as in Suricata.  Each call has a step budget (VG_PAYLOAD_STEP_LIMIT) so a
 * hostile rule or payload cannot make inspection quadratic without bound;
 * running out counts as no match and is counted in ic->budget_hits.
 *
 * base64_decode ends the list it is in: the signature matches there when
 * the base64_data list matches the decoded bytes (Suricata's rule that both
 * keywords are needed).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "net/payload/payload_int.h"

typedef struct run {
    vg_inspect_ctx *ic;
    const vg_sig *s;
    const uint8_t *buf;
    uint32_t len;
    uint32_t off;           /* cursor: end of the last match */
    uint64_t stream_off;    /* absolute offset of buf[0] in a stream, 0 otherwise */
    const uint8_t *lower;   /* buf lower-cased (in ic->fold), made on first nocase search */
} run;

/* Lower-case the buffer once per inspection so nocase searches are a plain
 * linear-time memmem; NULL when the copy cannot be made (then the slower
 * byte-by-byte search is used). */
#define FOLD_MAX (16u << 20)
static const uint8_t *lowered(run *r)
{
    if (r->lower)
        return r->lower;
    if (r->len > FOLD_MAX)
        return NULL;
    vg_inspect_ctx *ic = r->ic;
    if (ic->fold_cap < r->len) {
        uint32_t cap = ic->fold_cap ? ic->fold_cap : 2048;
        while (cap < r->len)
            cap *= 2;
        uint8_t *nb = realloc(ic->fold, cap);
        if (!nb)
            return NULL;
        ic->fold = nb;
        ic->fold_cap = cap;
    }
    for (uint32_t i = 0; i < r->len; i++)
        ic->fold[i] = (uint8_t)tolower(r->buf[i]);
    r->lower = ic->fold;
    return r->lower;
}

enum { R_NOMATCH = 0, R_MATCH = 1, R_STOP = -1 };

static int inspect(run *r, const vg_sm *sm);

static int64_t nval(const run *r, pl_num n)
{
    if (n.var < 0)
        return n.v;
    uint64_t v = r->ic->vars[n.var];
    return v > (uint64_t)INT32_MAX ? INT32_MAX : (int64_t)v;
}

/* Case-insensitive search for a lower-cased needle. */
static const uint8_t *find_nocase(const uint8_t *h, uint32_t hl, const uint8_t *n, uint32_t nl)
{
    if (nl == 0 || nl > hl)
        return NULL;
    uint8_t c0 = n[0];
    uint8_t c1 = (uint8_t)toupper(c0);
    const uint8_t *end = h + hl - nl;
    for (const uint8_t *p = h; p <= end; p++) {
        if (*p != c0 && *p != c1)
            continue;
        uint32_t i = 1;
        while (i < nl && (uint8_t)tolower(p[i]) == n[i])
            i++;
        if (i == nl)
            return p;
    }
    return NULL;
}

static bool eq_at(const pl_content *cd, const uint8_t *p)
{
    if (!(cd->flags & PLC_NOCASE))
        return memcmp(p, cd->pat, cd->len) == 0;
    for (uint32_t i = 0; i < cd->len; i++)
        if ((uint8_t)tolower(p[i]) != cd->lpat[i])
            return false;
    return true;
}

static const uint8_t *find(run *r, const pl_content *cd, uint32_t off, uint32_t hl)
{
    if (cd->len > hl)
        return NULL;
    const uint8_t *h = r->buf + off;
    if (!(cd->flags & PLC_NOCASE))
        return memmem(h, hl, cd->pat, cd->len);
    const uint8_t *lo = lowered(r);
    if (!lo)
        return find_nocase(h, hl, cd->lpat, cd->len);
    const uint8_t *f = memmem(lo + off, hl, cd->lpat, cd->len);
    return f ? r->buf + (f - lo) : NULL;
}

static int next_or_match(run *r, const vg_sm *sm)
{
    return sm->next ? inspect(r, sm->next) : R_MATCH;
}

static int do_content(run *r, const vg_sm *sm, const pl_content *cd)
{
    const uint32_t prev = r->off;
    const bool rel = cd->flags & (PLC_DISTANCE | PLC_WITHIN);
    int64_t retry = 0; /* start of the next search after a failed tail */
    for (;;) {
        int64_t depth = r->len, offset = 0;
        if (rel) {
            offset = prev;
            int64_t dist = 0;
            if (cd->flags & PLC_DISTANCE) {
                dist = nval(r, cd->distance);
                offset = (dist < 0 && -dist > offset) ? 0 : offset + dist;
            }
            if (cd->flags & PLC_WITHIN) {
                int64_t lim = (int64_t)prev + nval(r, cd->within) + dist;
                if (depth > lim)
                    depth = lim;
                if (r->stream_off && prev == 0) {
                    if (depth <= (int64_t)r->stream_off)
                        return R_NOMATCH;
                    if (depth < (int64_t)(r->stream_off + r->len))
                        depth -= (int64_t)r->stream_off;
                }
            }
        } else {
            if (cd->flags & PLC_OFFSET)
                offset = nval(r, cd->offset);
            if (cd->flags & PLC_DEPTH) {
                depth = offset + nval(r, cd->depth); /* depth counts from offset */
                if (r->stream_off) {
                    if (depth <= (int64_t)r->stream_off)
                        return R_NOMATCH;
                    if (depth < (int64_t)(r->stream_off + r->len))
                        depth -= (int64_t)r->stream_off;
                    else
                        depth = r->len;
                }
            }
        }
        if (retry)
            offset = retry;
        if (depth > (int64_t)r->len)
            depth = r->len;
        if (offset > depth || depth <= 0) {
            if (cd->flags & PLC_NEGATED)
                return next_or_match(r, sm);
            return R_NOMATCH;
        }
        uint32_t sl = (uint32_t)(depth - offset);
        const uint8_t *found = NULL;
        if (cd->flags & PLC_ENDSWITH) {
            /* only an occurrence ending at the end of the buffer counts */
            if (depth == (int64_t)r->len && cd->len <= sl && eq_at(cd, r->buf + r->len - cd->len))
                found = r->buf + r->len - cd->len;
        } else {
            found = find(r, cd, (uint32_t)offset, sl);
        }
        if (!found) {
            if (cd->flags & PLC_NEGATED)
                return next_or_match(r, sm);
            return rel ? R_NOMATCH : R_STOP;
        }
        if (cd->flags & PLC_NEGATED)
            return rel ? R_NOMATCH : R_STOP;
        uint32_t mend = (uint32_t)(found - r->buf) + cd->len;
        r->off = mend;
        if (!sm->next)
            return R_MATCH;
        int rr = inspect(r, sm->next);
        if (rr != R_NOMATCH)
            return rr;
        if (!(cd->h.next_rel & PL_NEXT_WITHIN))
            return R_STOP; /* a later occurrence cannot help the next keyword */
        if (cd->flags & PLC_ENDSWITH)
            return rel ? R_NOMATCH : R_STOP; /* no other occurrence ends the buffer */
        retry = (int64_t)mend - cd->len + 1;
    }
}

static int do_pcre(run *r, const vg_sm *sm, const pl_pcre *pe)
{
    const uint32_t prev = r->off;
    const uint32_t base = (pe->flags & PLP_RELATIVE) ? prev : 0;
    uint32_t start = 0;
    if (base > r->len)
        return R_NOMATCH;
    for (;;) {
        uint32_t ms, me;
        int m = pl_pcre_exec(r->ic, pe, r->buf + base, r->len - base, start, &ms, &me);
        if (m < 0)
            return R_NOMATCH;
        if (pe->flags & PLP_NEGATED) {
            if (m)
                return R_NOMATCH;
            return next_or_match(r, sm);
        }
        if (m == 0)
            return R_NOMATCH;
        r->off = base + me;
        if (!sm->next)
            return R_MATCH;
        int rr = inspect(r, sm->next);
        if (rr != R_NOMATCH)
            return rr;
        if (!pe->h.next_rel)
            return R_NOMATCH;
        start = ms + 1;
        if (start > r->len - base)
            return R_NOMATCH;
        r->off = prev;
    }
}

static int do_isdataat(run *r, const vg_sm *sm, const pl_isdataat *id)
{
    int64_t at = id->at.var >= 0 ? (int64_t)VG_MIN(r->ic->vars[id->at.var], 100000000ull)
                                 : id->at.v;
    bool neg = id->flags & PLI_NEGATED;
    bool ok;
    if (id->flags & PLI_RELATIVE)
        ok = (int64_t)r->off + at <= (int64_t)r->len;
    else
        ok = at < (int64_t)r->len;
    if (ok != neg)
        return next_or_match(r, sm);
    return id->at.var >= 0 ? R_NOMATCH : R_STOP;
}

static int do_b64(run *r, const pl_b64 *bd)
{
    vg_inspect_ctx *ic = r->ic;
    if (r->buf == ic->b64)
        return R_NOMATCH; /* never decode over the buffer being inspected */
    int64_t start = bd->relative ? r->off : 0;
    if (bd->offset) {
        if ((int64_t)bd->offset >= (int64_t)r->len - start)
            return R_NOMATCH;
        start += bd->offset;
    }
    if (start > (int64_t)r->len)
        return R_NOMATCH;
    uint32_t avail = r->len - (uint32_t)start;
    uint32_t n = bd->bytes && bd->bytes < avail ? bd->bytes : avail;
    uint32_t need = n / 4 * 3 + 3;
    if (need > PL_B64_MAX)
        need = PL_B64_MAX;
    if (ic->b64_cap < need) {
        uint8_t *nb = realloc(ic->b64, need);
        if (!nb)
            return R_NOMATCH;
        ic->b64 = nb;
        ic->b64_cap = need;
    }
    ic->b64_len = pl_b64_decode(r->buf + start, n, ic->b64, ic->b64_cap);
    if (ic->b64_len == 0)
        return R_NOMATCH;
    const vg_sig_buf *list = NULL;
    for (unsigned b = 0; b < r->s->nbufs && b < VG_SIG_MAX_BUFS; b++)
        if (r->s->bufs[b].id == VG_BUF_BASE64_DATA)
            list = &r->s->bufs[b];
    if (!list || !list->head)
        return R_NOMATCH;
    run sub = { .ic = ic, .s = r->s, .buf = ic->b64, .len = ic->b64_len };
    int rr = inspect(&sub, list->head);
    r->lower = NULL; /* the sub-run may have reused ic->fold */
    if (rr == R_MATCH)
        return R_MATCH;
    /* out of budget: stop everything; otherwise let earlier contents retry */
    return ic->steps > VG_PAYLOAD_STEP_LIMIT ? R_STOP : R_NOMATCH;
}

static int inspect(run *r, const vg_sm *sm)
{
    if (r->ic->steps >= VG_PAYLOAD_STEP_LIMIT) {
        if (r->ic->steps == VG_PAYLOAD_STEP_LIMIT) { /* counted once per inspection */
            r->ic->steps++;
            r->ic->budget_hits++;
        }
        return R_STOP;
    }
    r->ic->steps++;
    switch (pl_kind_of(sm)) {
    case PL_CONTENT:
        return do_content(r, sm, sm->ctx);
    case PL_PCRE:
        return do_pcre(r, sm, sm->ctx);
    case PL_BYTE_TEST:
    case PL_BYTE_JUMP:
    case PL_BYTE_EXTRACT:
    case PL_BYTE_MATH: {
        uint32_t off = r->off;
        if (!pl_byte_exec(r->ic, sm->ctx, r->buf, r->len, &off))
            return R_NOMATCH;
        r->off = off;
        return next_or_match(r, sm);
    }
    case PL_ISDATAAT:
        return do_isdataat(r, sm, sm->ctx);
    case PL_BSIZE:
        if (!pl_bsize_match(sm->ctx, (uint64_t)r->len + r->stream_off))
            return R_STOP;
        return next_or_match(r, sm);
    case PL_B64_DECODE:
        return do_b64(r, sm->ctx);
    default:
        return R_STOP; /* not a keyword this engine knows: never a match */
    }
}

int vg_payload_inspect(vg_inspect_ctx *ic, const vg_sig *s, const vg_sig_buf *list,
                       const uint8_t *buf, uint32_t len)
{
    if (!ic || !s || !list || !list->head)
        return 0;
    static const uint8_t empty[1];
    run r = {
        .ic = ic, .s = s, .buf = buf ? buf : empty, .len = buf ? len : 0,
        .stream_off = ic->is_stream ? ic->stream_offset : 0,
    };
    ic->steps = 0;
    return inspect(&r, list->head) == R_MATCH;
}

int vg_payload_buffer_for(const vg_packet *p, uint16_t buf_id, const uint8_t **data,
                          uint32_t *len)
{
    *data = NULL;
    *len = 0;
    switch (buf_id) {
    case VG_BUF_PAYLOAD:
        *data = p->payload;
        *len = p->payload ? p->payload_len : 0;
        return VG_OK;
    case VG_BUF_IPV4_HDR:
        if (p->ipver != 4 || !p->ip || !p->ip_hlen)
            return VG_DECLINED;
        *data = p->ip;
        *len = p->ip_hlen;
        return VG_OK;
    case VG_BUF_IPV6_HDR:
        if (p->ipver != 6 || !p->ip || !p->ip_hlen)
            return VG_DECLINED;
        *data = p->ip;
        *len = p->ip_hlen;
        return VG_OK;
    case VG_BUF_TCP_HDR:
        if (p->proto != 6 || !p->l4 || !p->l4_hlen)
            return VG_DECLINED;
        break;
    case VG_BUF_UDP_HDR:
        if (p->proto != 17 || !p->l4 || !p->l4_hlen)
            return VG_DECLINED;
        break;
    case VG_BUF_ICMPV4_HDR:
        if (p->proto != 1 || p->ipver != 4 || !p->l4 || !p->l4_hlen)
            return VG_DECLINED;
        break;
    case VG_BUF_ICMPV6_HDR:
        if (p->proto != 58 || p->ipver != 6 || !p->l4 || !p->l4_hlen)
            return VG_DECLINED;
        break;
    default:
        return VG_DECLINED;
    }
    *data = p->l4;
    *len = p->l4_hlen;
    return VG_OK;
}
