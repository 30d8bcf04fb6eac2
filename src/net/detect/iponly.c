/*
 * iponly.c: the index of IP-only signatures.
 *
 * IP-only sigs (addresses and protocol only) are evaluated on the first
 * packet of each flow direction and on every packet without a flow; rule
 * sets carry many of them (reputation lists), so checking each one per new
 * flow is too slow under a flood.  Each sig is indexed by its narrower
 * address side (source or destination) when that side covers fewer than
 * 2^31 IPv4 addresses in at most IPONLY_MAX_IVALS elementary intervals:
 * the boundaries of all indexed ranges cut the IPv4 space into intervals,
 * and each interval lists the sigs whose key side covers it.  A lookup is a
 * binary search per side; the other sigs (both sides broad, bidirectional,
 * or IPv6-only) are always candidates.  IPv6 packets get every IP-only sig.
 */
#include <stdlib.h>
#include <string.h>

#include "net/detect/detect_int.h"

#define IPONLY_MAX_IVALS 4096
#define IPONLY_NARROW ((vg_u128)1 << 31)

static vg_u128 coverage(const vg_addrset *as)
{
    vg_u128 n = 0;
    for (uint32_t i = 0; i < as->v4.n; i++)
        n += as->v4.r[i].hi - as->v4.r[i].lo + 1;
    return n;
}

static int u32cmp(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* Index of the interval holding v (start[i] <= v < start[i+1]), or -1. */
static int64_t ival_find(const struct vg_ipidx *ix, uint32_t v)
{
    if (ix->nstart == 0 || v < ix->start[0])
        return -1;
    uint32_t lo = 0, hi = ix->nstart;
    while (hi - lo > 1) {
        uint32_t mid = (lo + hi) / 2;
        if (ix->start[mid] <= v)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

/* Intervals covered by [a, b] (both are interval boundaries by construction). */
static void ival_span(const struct vg_ipidx *ix, uint32_t a, uint32_t b, int64_t *first,
                      int64_t *last)
{
    *first = ival_find(ix, a);
    *last = ival_find(ix, b);
}

static int build_side(vg_detect *de, int side, vg_sig **sigs, uint32_t n)
{
    struct vg_ipidx *ix = &de->ipidx[side];
    uint32_t cap = 0, np = 0;
    uint32_t *pts = NULL;
    for (uint32_t k = 0; k < n; k++) {
        const vg_addrset *as = side == 0 ? sigs[k]->src : sigs[k]->dst;
        for (uint32_t i = 0; i < as->v4.n; i++) {
            if (np + 2 > cap) {
                cap = cap ? cap * 2 : 1024;
                uint32_t *nq = realloc(pts, cap * sizeof(*pts));
                if (!nq) {
                    free(pts);
                    return VG_ENOMEM;
                }
                pts = nq;
            }
            pts[np++] = (uint32_t)as->v4.r[i].lo;
            if (as->v4.r[i].hi < 0xffffffffu)
                pts[np++] = (uint32_t)as->v4.r[i].hi + 1;
        }
    }
    if (np == 0) {
        free(pts);
        return VG_OK;
    }
    qsort(pts, np, sizeof(*pts), u32cmp);
    uint32_t u = 0;
    for (uint32_t i = 0; i < np; i++)
        if (u == 0 || pts[i] != pts[u - 1])
            pts[u++] = pts[i];
    ix->start = pts;
    ix->nstart = u;
    ix->off = calloc(u + 1, sizeof(uint32_t));
    if (!ix->off)
        return VG_ENOMEM;
    /* count, then fill (CSR) */
    for (int pass = 0; pass < 2; pass++) {
        uint32_t *fill = NULL;
        if (pass == 1) {
            for (uint32_t i = 0; i < u; i++)
                ix->off[i + 1] += ix->off[i];
            ix->ids = malloc((ix->off[u] ? ix->off[u] : 1) * sizeof(uint32_t));
            fill = calloc(u ? u : 1, sizeof(uint32_t));
            if (!ix->ids || !fill) {
                free(fill);
                return VG_ENOMEM;
            }
        }
        for (uint32_t k = 0; k < n; k++) {
            const vg_addrset *as = side == 0 ? sigs[k]->src : sigs[k]->dst;
            for (uint32_t i = 0; i < as->v4.n; i++) {
                int64_t a, b;
                ival_span(ix, (uint32_t)as->v4.r[i].lo, (uint32_t)as->v4.r[i].hi, &a, &b);
                for (int64_t j = a; j >= 0 && j <= b; j++) {
                    if (pass == 0)
                        ix->off[j + 1]++;
                    else
                        ix->ids[ix->off[j] + fill[j]++] = sigs[k]->id;
                }
            }
        }
        free(fill);
    }
    return VG_OK;
}

int vg_iponly_build(vg_detect *de)
{
    vg_sig **by[2];
    uint32_t nby[2] = {0, 0};
    by[0] = calloc(de->niponly ? de->niponly : 1, sizeof(vg_sig *));
    by[1] = calloc(de->niponly ? de->niponly : 1, sizeof(vg_sig *));
    de->iponly_rest = calloc(de->niponly ? de->niponly : 1, sizeof(vg_sig *));
    if (!by[0] || !by[1] || !de->iponly_rest) {
        free(by[0]);
        free(by[1]);
        return VG_ENOMEM;
    }
    for (uint32_t i = 0; i < de->niponly; i++) {
        vg_sig *s = de->iponly_sigs[i];
        /* a side without IPv4 addresses never meets an IPv4 packet: such a
         * sig is left to the IPv6 path (which checks every ip-only sig) */
        if ((!s->src->any && s->src->v4.n == 0) || (!s->dst->any && s->dst->v4.n == 0))
            continue;
        vg_u128 cs = s->src->any ? ~(vg_u128)0 : coverage(s->src);
        vg_u128 cd = s->dst->any ? ~(vg_u128)0 : coverage(s->dst);
        int side = cs <= cd ? 0 : 1;
        const vg_addrset *key = side == 0 ? s->src : s->dst;
        vg_u128 c = side == 0 ? cs : cd;
        /* an address set with IPv6 parts cannot be found by an IPv4 lookup
         * alone, but IPv6 packets check every ip-only sig anyway */
        if ((s->flags & VG_SIG_BIDIR) || c >= IPONLY_NARROW || key->v4.n == 0 ||
            key->v4.n > IPONLY_MAX_IVALS) {
            de->iponly_rest[de->niponly_rest++] = s;
            continue;
        }
        by[side][nby[side]++] = s;
    }
    int rc = build_side(de, 0, by[0], nby[0]);
    if (!rc)
        rc = build_side(de, 1, by[1], nby[1]);
    free(by[0]);
    free(by[1]);
    return rc;
}

void vg_iponly_free(vg_detect *de)
{
    for (int s = 0; s < 2; s++) {
        free(de->ipidx[s].start);
        free(de->ipidx[s].off);
        free(de->ipidx[s].ids);
        memset(&de->ipidx[s], 0, sizeof(de->ipidx[s]));
    }
    free(de->iponly_rest);
    de->iponly_rest = NULL;
}

static uint32_t v4(const vg_addr *a)
{
    return ((uint32_t)a->a[0] << 24) | ((uint32_t)a->a[1] << 16) | ((uint32_t)a->a[2] << 8) |
           a->a[3];
}

void vg_iponly_candidates(const vg_detect *de, const vg_packet *p,
                          void (*add)(void *arg, uint32_t sig_id), void *arg)
{
    if (p->src.family != 4 || p->dst.family != 4) {
        for (uint32_t i = 0; i < de->niponly; i++)
            add(arg, de->iponly_sigs[i]->id);
        return;
    }
    for (uint32_t i = 0; i < de->niponly_rest; i++)
        add(arg, de->iponly_rest[i]->id);
    for (int side = 0; side < 2; side++) {
        const struct vg_ipidx *ix = &de->ipidx[side];
        int64_t j = ival_find(ix, v4(side == 0 ? &p->src : &p->dst));
        if (j < 0)
            continue;
        for (uint32_t k = ix->off[j]; k < ix->off[j + 1]; k++)
            add(arg, ix->ids[k]);
    }
}
