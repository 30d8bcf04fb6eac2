/*
 * mpm.c: fast pattern selection and the Hyperscan prefilter.
 *
 * Selection follows Suricata's documented order: an explicit fast_pattern
 * wins; otherwise, among non-negated contents (negated ones only when there
 * is nothing else), the highest buffer priority (app-layer buffers before
 * the packet payload and header buffers), then the longest, then the
 * highest "pattern strength" (byte diversity), then the buffer registered
 * last, then the first in the rule.  Contents under base64_data are never
 * chosen (they are not in any buffer the prefilter sees).
 *
 * A database holds each distinct (bytes, nocase) fast pattern once, as a
 * Hyperscan literal (HS_FLAG_CASELESS for nocase; HS_FLAG_SINGLEMATCH is
 * left out because it makes compiling markedly slower: repeats are dropped
 * with a per-scratch epoch stamp instead); each pattern maps to the
 * signatures that chose it.  Every set is compiled, however small: a
 * Hyperscan scan for three literals runs at several times the speed of three
 * memmem passes, and compiled databases are cached on disk (mpm_cache.c).
 * Databases are immutable after build and shared by threads; the scratch
 * is per thread.
 */
#include <ctype.h>
#include <hs/hs.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "net/payload/payload_int.h"

struct vg_mpm {
    hs_database_t *db;          /* NULL when there is no pattern */
    uint32_t npat;
    uint32_t *first;            /* npat + 1 offsets into sigs (CSR) */
    const vg_sig **sigs;
};

struct vg_mpm_scratch {
    hs_scratch_t *hs;
    uint32_t *hits;             /* distinct pattern ids of this scan */
    uint32_t *seen;             /* per pattern id: epoch of the scan that saw it */
    uint32_t nhits, cap, epoch;
};

/* Byte diversity score from Suricata's fast pattern documentation. */
static uint32_t pattern_strength(const uint8_t *p, uint32_t n)
{
    uint8_t seen[256] = { 0 };
    uint32_t s = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (seen[p[i]]) {
            s++;
            continue;
        }
        seen[p[i]] = 1;
        if (isalpha(p[i]))
            s += 3;
        else if (isprint(p[i]) || p[i] == 0x00 || p[i] == 0x01 || p[i] == 0xff)
            s += 4;
        else
            s += 6;
    }
    return s;
}

static int buf_priority(uint16_t id)
{
    return id >= VG_BUF_APP_FIRST ? 2 : 3; /* lower is preferred */
}

void vg_payload_choose_fast_pattern(vg_sig *s)
{
    s->fast_pattern = NULL;
    s->fast_pattern_buf = 0;
    vg_sm *best = NULL;
    uint16_t best_buf = 0;
    int best_prio = 0;
    uint32_t best_len = 0, best_str = 0;
    bool have_pos = false;
    for (unsigned b = 0; b < s->nbufs && b < VG_SIG_MAX_BUFS; b++) {
        if (s->bufs[b].id == VG_BUF_BASE64_DATA)
            continue;
        for (vg_sm *sm = s->bufs[b].head; sm; sm = sm->next) {
            if (pl_kind_of(sm) != PL_CONTENT)
                continue;
            const pl_content *cd = sm->ctx;
            if (cd->flags & PLC_FP) {
                if (!(cd->flags & PLC_NEGATED)) {
                    s->fast_pattern = sm;
                    s->fast_pattern_buf = s->bufs[b].id;
                }
                return;
            }
            if (!(cd->flags & PLC_NEGATED))
                have_pos = true;
        }
    }
    if (!have_pos)
        return; /* nothing, or only negated contents: always a candidate */
    for (unsigned b = 0; b < s->nbufs && b < VG_SIG_MAX_BUFS; b++) {
        uint16_t id = s->bufs[b].id;
        if (id == VG_BUF_BASE64_DATA)
            continue;
        for (vg_sm *sm = s->bufs[b].head; sm; sm = sm->next) {
            if (pl_kind_of(sm) != PL_CONTENT)
                continue;
            const pl_content *cd = sm->ctx;
            if (cd->flags & PLC_NEGATED)
                continue;
            int prio = buf_priority(id);
            uint32_t str = pattern_strength(cd->pat, cd->len);
            bool better;
            if (!best)
                better = true;
            else if (prio != best_prio)
                better = prio < best_prio;
            else if (cd->len != best_len)
                better = cd->len > best_len;
            else if (str != best_str)
                better = str > best_str;
            else
                better = id > best_buf;
            if (better) {
                best = sm;
                best_buf = id;
                best_prio = prio;
                best_len = cd->len;
                best_str = str;
            }
        }
    }
    s->fast_pattern = best;
    s->fast_pattern_buf = best_buf;
}

/* Where content sm must end at the latest (UINT32_MAX: anywhere). */
static uint32_t content_end(const vg_sm *sm)
{
    if (!sm || pl_kind_of(sm) != PL_CONTENT)
        return UINT32_MAX;
    const pl_content *cd = sm->ctx;
    if ((cd->flags & (PLC_NEGATED | PLC_DISTANCE | PLC_WITHIN)) || !(cd->flags & PLC_DEPTH) ||
        cd->depth.var >= 0 || ((cd->flags & PLC_OFFSET) && cd->offset.var >= 0))
        return UINT32_MAX;
    int64_t end = ((cd->flags & PLC_OFFSET) ? cd->offset.v : 0) + cd->depth.v;
    return end <= 0 ? 0 : end >= UINT32_MAX ? UINT32_MAX : (uint32_t)end;
}

uint32_t vg_payload_fp_end(const vg_sig *s)
{
    return content_end(s->fast_pattern);
}

vg_sm *vg_payload_anchor(const vg_sig *s, uint32_t *end)
{
    vg_sm *best = NULL;
    *end = UINT32_MAX;
    for (unsigned b = 0; b < s->nbufs && b < VG_SIG_MAX_BUFS; b++) {
        if (s->bufs[b].id != VG_BUF_PAYLOAD)
            continue;
        for (vg_sm *sm = s->bufs[b].head; sm; sm = sm->next) {
            uint32_t e = content_end(sm);
            if (e < *end && ((const pl_content *)sm->ctx)->len) {
                best = sm;
                *end = e;
            }
        }
    }
    return best;
}

/* The bytes a sig contributes to the prefilter. */
static void fp_bytes(const vg_sig *s, const uint8_t **p, uint32_t *n, bool *nocase)
{
    const pl_content *cd = s->fast_pattern->ctx;
    *nocase = cd->flags & PLC_NOCASE;
    uint32_t off;
    pl_fp_window(cd, &off, n);
    *p = cd->pat + off;
}

static uint64_t hash_pat(const uint8_t *p, uint32_t n, bool nocase)
{
    uint64_t h = 1469598103934665603ull ^ (nocase ? 0x9e37u : 0);
    for (uint32_t i = 0; i < n; i++) {
        uint8_t c = nocase ? (uint8_t)tolower(p[i]) : p[i];
        h = (h ^ c) * 1099511628211ull;
    }
    return h ^ n;
}

static bool same_pat(const uint8_t *a, uint32_t an, bool anc, const uint8_t *b, uint32_t bn,
                     bool bnc)
{
    if (an != bn || anc != bnc)
        return false;
    if (!anc)
        return memcmp(a, b, an) == 0;
    for (uint32_t i = 0; i < an; i++)
        if (tolower(a[i]) != tolower(b[i]))
            return false;
    return true;
}

void vg_mpm_free(vg_mpm *m)
{
    if (!m)
        return;
    hs_free_database(m->db);
    free(m->first);
    free(m->sigs);
    free(m);
}

/* Does s contribute a pattern to a database over the buffers of set? */
static bool sig_in_set(const vg_sig *s, const uint64_t set[2])
{
    uint16_t b = s->fast_pattern_buf;
    return s->fast_pattern && b < 128 && ((set[b / 64] >> (b % 64)) & 1) &&
           pl_kind_of(s->fast_pattern) == PL_CONTENT;
}

int vg_mpm_build(vg_mpm **out, vg_sig *const *sigs, uint32_t nsigs, uint16_t buf_id,
                 char *errbuf)
{
    uint64_t set[2] = {0, 0};
    if (buf_id < 128)
        set[buf_id / 64] = 1ull << (buf_id % 64);
    return vg_mpm_build_set(out, sigs, nsigs, set, errbuf);
}

int vg_mpm_build_set(vg_mpm **out, vg_sig *const *sigs, uint32_t nsigs, const uint64_t set[2],
                     char *errbuf)
{
    *out = NULL;
    vg_mpm *m = calloc(1, sizeof *m);
    if (!m)
        return vg_err(errbuf, VG_ENOMEM, "mpm: out of memory");
    uint32_t n = 0;
    for (uint32_t i = 0; i < nsigs; i++)
        if (sig_in_set(sigs[i], set))
            n++;
    if (n == 0) {
        m->first = calloc(1, sizeof *m->first);
        if (!m->first) {
            vg_mpm_free(m);
            return vg_err(errbuf, VG_ENOMEM, "mpm: out of memory");
        }
        *out = m;
        return VG_OK;
    }
    /* Dedupe patterns with an open-addressing table of pattern ids. */
    uint32_t tcap = 16;
    while (tcap < n * 2)
        tcap <<= 1;
    uint32_t *table = malloc(tcap * sizeof *table);
    uint32_t *pat_of = malloc(n * sizeof *pat_of);   /* per selected sig: pattern id */
    const vg_sig **sel = malloc(n * sizeof *sel);
    uint32_t *rep = malloc(n * sizeof *rep);         /* pattern id -> a sig index in sel */
    uint32_t *count = calloc(n + 1, sizeof *count);
    int rc = VG_ENOMEM;
    const char **exprs = NULL;
    size_t *lens = NULL;
    unsigned *flags = NULL, *ids = NULL;
    if (!table || !pat_of || !sel || !rep || !count) {
        vg_err(errbuf, VG_ENOMEM, "mpm: out of memory");
        goto done;
    }
    memset(table, 0xff, tcap * sizeof *table);
    uint32_t k = 0, npat = 0;
    for (uint32_t i = 0; i < nsigs; i++) {
        const vg_sig *s = sigs[i];
        if (!sig_in_set(s, set))
            continue;
        const uint8_t *p;
        uint32_t pn;
        bool nc;
        fp_bytes(s, &p, &pn, &nc);
        uint32_t h = (uint32_t)hash_pat(p, pn, nc) & (tcap - 1);
        for (;;) {
            uint32_t id = table[h];
            if (id == UINT32_MAX) {
                table[h] = npat;
                rep[npat] = k;
                pat_of[k] = npat++;
                break;
            }
            const uint8_t *q;
            uint32_t qn;
            bool qnc;
            fp_bytes(sel[rep[id]], &q, &qn, &qnc);
            if (same_pat(p, pn, nc, q, qn, qnc)) {
                pat_of[k] = id;
                break;
            }
            h = (h + 1) & (tcap - 1);
        }
        sel[k++] = s;
    }
    m->npat = npat;
    m->first = calloc(npat + 1, sizeof *m->first);
    m->sigs = malloc(n * sizeof *m->sigs);
    exprs = malloc(npat * sizeof *exprs);
    lens = malloc(npat * sizeof *lens);
    flags = malloc(npat * sizeof *flags);
    ids = malloc(npat * sizeof *ids);
    if (!m->first || !m->sigs || !exprs || !lens || !flags || !ids) {
        vg_err(errbuf, VG_ENOMEM, "mpm: out of memory");
        goto done;
    }
    for (uint32_t i = 0; i < n; i++)
        count[pat_of[i] + 1]++;
    for (uint32_t i = 0; i < npat; i++)
        m->first[i + 1] = m->first[i] + count[i + 1];
    memset(count, 0, (n + 1) * sizeof *count);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t id = pat_of[i];
        m->sigs[m->first[id] + count[id]++] = sel[i]; /* keeps rule order within a pattern */
    }
    for (uint32_t i = 0; i < npat; i++) {
        const uint8_t *p;
        uint32_t pn;
        bool nc;
        fp_bytes(sel[rep[i]], &p, &pn, &nc);
        exprs[i] = (const char *)p;
        lens[i] = pn;
        flags[i] = nc ? HS_FLAG_CASELESS : 0;
        ids[i] = i;
    }
    rc = vg_mpm_cache_compile(exprs, flags, ids, lens, npat, &m->db, errbuf);
done:
    free(table);
    free(pat_of);
    free(sel);
    free(rep);
    free(count);
    free(exprs);
    free(lens);
    free(flags);
    free(ids);
    if (rc != VG_OK) {
        vg_mpm_free(m);
        return rc;
    }
    *out = m;
    return VG_OK;
}

uint32_t vg_mpm_patterns(const vg_mpm *m)
{
    return m ? m->npat : 0;
}

int vg_mpm_scratch_alloc(const vg_mpm *m, vg_mpm_scratch **scratch)
{
    vg_mpm_scratch *sc = *scratch;
    bool fresh = false;
    if (!sc) {
        sc = calloc(1, sizeof *sc);
        if (!sc)
            return VG_ENOMEM;
        fresh = true;
    }
    if (m && m->db && hs_alloc_scratch(m->db, &sc->hs) != HS_SUCCESS)
        goto fail;
    if (m && m->npat > sc->cap) {
        uint32_t *h = realloc(sc->hits, m->npat * sizeof *h);
        if (!h)
            goto fail;
        sc->hits = h;
        uint32_t *e = realloc(sc->seen, m->npat * sizeof *e);
        if (!e)
            goto fail;
        memset(e + sc->cap, 0, (m->npat - sc->cap) * sizeof *e);
        sc->seen = e;
        sc->cap = m->npat;
    }
    *scratch = sc;
    return VG_OK;
fail:
    if (fresh)
        vg_mpm_scratch_free(sc);
    return VG_ENOMEM;
}

void vg_mpm_scratch_free(vg_mpm_scratch *sc)
{
    if (!sc)
        return;
    hs_free_scratch(sc->hs);
    free(sc->hits);
    free(sc->seen);
    free(sc);
}

static void add_hit(vg_mpm_scratch *sc, uint32_t id)
{
    if (sc->seen[id] == sc->epoch)
        return;
    sc->seen[id] = sc->epoch;
    sc->hits[sc->nhits++] = id;
}

static int on_match(unsigned id, unsigned long long from, unsigned long long to, unsigned fl,
                    void *ctx)
{
    (void)from;
    (void)to;
    (void)fl;
    add_hit(ctx, id);
    return 0;
}

int vg_mpm_scan(const vg_mpm *m, vg_mpm_scratch *sc, const uint8_t *buf, uint32_t len,
                void (*cb)(const vg_sig *s, void *arg), void *arg)
{
    if (!m || m->npat == 0 || !buf || len == 0)
        return VG_OK;
    if (!sc || sc->cap < m->npat || !m->db || !sc->hs)
        return VG_EINVAL;
    sc->nhits = 0;
    if (++sc->epoch == 0) { /* wrapped: forget every stamp */
        memset(sc->seen, 0, sc->cap * sizeof *sc->seen);
        sc->epoch = 1;
    }
    hs_error_t e = hs_scan(m->db, (const char *)buf, len, 0, sc->hs, on_match, sc);
    if (e != HS_SUCCESS)
        return e == HS_SCRATCH_IN_USE ? VG_EINVAL : VG_EIO;
    for (uint32_t i = 0; i < sc->nhits; i++) {
        uint32_t id = sc->hits[i];
        for (uint32_t j = m->first[id]; j < m->first[id + 1]; j++)
            cb(m->sigs[j], arg);
    }
    return VG_OK;
}

typedef struct build_pool {
    uint32_t n, next;
    void (*build)(void *arg, uint32_t i);
    void *arg;
    pthread_mutex_t mu;
} build_pool;

static void *build_worker(void *p)
{
    build_pool *pool = p;
    for (;;) {
        pthread_mutex_lock(&pool->mu);
        uint32_t i = pool->next++;
        pthread_mutex_unlock(&pool->mu);
        if (i >= pool->n)
            return NULL;
        pool->build(pool->arg, i);
    }
}

void vg_mpm_build_parallel(uint32_t n, void (*build)(void *arg, uint32_t i), void *arg)
{
    build_pool pool = {.n = n, .build = build, .arg = arg};
    pthread_mutex_init(&pool.mu, NULL);
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    int nthreads = ncpu < 1 ? 1 : ncpu > 4 ? 4 : (int)ncpu;
    if ((uint32_t)nthreads > n)
        nthreads = n ? (int)n : 1;
    pthread_t th[4];
    int started = 0;
    for (int t = 1; t < nthreads; t++)
        if (pthread_create(&th[started], NULL, build_worker, &pool) == 0)
            started++;
    build_worker(&pool);
    for (int t = 0; t < started; t++)
        pthread_join(th[t], NULL);
    pthread_mutex_destroy(&pool.mu);
}
