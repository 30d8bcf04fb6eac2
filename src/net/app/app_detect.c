/*
 * app_detect.c: per-transaction inspection, for the detection loop.
 *
 * A signature with app-layer buffers is evaluated once per live
 * transaction of the packet's flow, in the direction the signature looks
 * at (to client when it says flow:to_client or uses a response buffer,
 * else to server), once that side's headers are parsed; a transaction
 * that alerted for a signature never alerts for it again (Suricata's one
 * alert per rule per transaction).  Buffers that exist on both sides
 * (http.header, http.cookie, file.data...) resolve to the side the
 * signature looks at.  A multi-buffer (dns.query with several questions,
 * http.request_header) matches when any entry matches.
 */
#include <stdlib.h>
#include <string.h>

#include "net/app/app_detect.h"
#include "net/app/app_int.h"
#include "net/app/app_transform.h"
#include "net/app/app_tls.h"
#include "net/detect/detect_int.h"
#include "net/payload/payload_int.h" /* the fast pattern's content, for pf_view */

int vg_app_match_dir(const vg_keyword *kw); /* app_match.c */

bool vg_app_sig_has_tx(const vg_sig *s)
{
    for (int i = 0; i < s->nbufs; i++)
        if (s->bufs[i].id >= VG_BUF_APP_FIRST && s->bufs[i].id < VG_ABUF_END)
            return true;
    for (const vg_sm *sm = s->lists[VG_LIST_MATCH]; sm; sm = sm->next)
        if (vg_app_match_dir(sm->kw) >= 0)
            return true;
    return false;
}

/* Directions a signature inspects transactions in: 1 to server, 2 to
 * client, 3 both (only both-sided buffers and no flow direction). */
static int sig_dirs(const vg_sig *s)
{
    if (s->flags & VG_SIG_TOCLIENT)
        return 2;
    if (s->flags & VG_SIG_TOSERVER)
        return 1;
    bool tc = false, ts = false;
    for (int i = 0; i < s->nbufs; i++) {
        uint16_t id = s->bufs[i].id;
        if (id < VG_BUF_APP_FIRST || vg_app_buf_both(id))
            continue;
        if (vg_app_buf_toclient(id))
            tc = true;
        else
            ts = true;
    }
    for (const vg_sm *sm = s->lists[VG_LIST_MATCH]; sm; sm = sm->next) {
        int d = vg_app_match_dir(sm->kw);
        if (d == 0)
            ts = true;
        else if (d == 1)
            tc = true;
    }
    return tc ? 2 : ts ? 1 : 3;
}

/* The buffer a signature's list really reads, given its direction. */
static uint16_t resolve(uint16_t id, bool toclient)
{
    if (!toclient) {
        if (id == VG_ABUF_HTTP_RESPONSE_BODY)
            return (uint16_t)(VG_ABUF_HTTP_REQUEST_BODY | 0x4000); /* files hook: file.data in a to_server rule, per file (VG_FILE_DATA_BUF) */
        switch (id) {
        case VG_ABUF_TLS_CERT_SUBJECT: case VG_ABUF_TLS_CERT_ISSUER: case VG_ABUF_TLS_CERT_SERIAL:
        case VG_ABUF_TLS_CERT_FINGERPRINT: case VG_ABUF_TLS_CERTS: case VG_ABUF_TLS_SAN:
        case VG_ABUF_TLS_ALPN:
        case VG_ABUF_TLS_RANDOM: case VG_ABUF_TLS_RANDOM_TIME: /* appfeat hook: the client's random */
        case VG_ABUF_TLS_RANDOM_BYTES:
            return (uint16_t)(id | VG_TLS_CLIENT_BUF); /* the client's certificate, ALPN list */
        default:
            return id;
        }
    }
    switch (id) {
    case VG_ABUF_HTTP_HEADER: return VG_ABUF_HTTP_RES_HEADER;
    case VG_ABUF_HTTP_HEADER_RAW: return VG_ABUF_HTTP_RES_HEADER_RAW;
    case VG_ABUF_HTTP_HEADER_NAMES: return VG_ABUF_HTTP_RES_HEADER_NAMES;
    case VG_ABUF_HTTP_CONTENT_TYPE: return VG_ABUF_HTTP_RES_CONTENT_TYPE;
    case VG_ABUF_HTTP_CONTENT_LEN: return VG_ABUF_HTTP_RES_CONTENT_LEN;
    case VG_ABUF_HTTP_START: return VG_ABUF_HTTP_RES_START;
    case VG_ABUF_HTTP_COOKIE: return VG_ABUF_HTTP_RES_COOKIE;
    case VG_ABUF_HTTP_CONNECTION: return VG_ABUF_HTTP_RES_CONNECTION;
    case VG_ABUF_SSH_PROTO: return VG_ABUF_SSH_PROTO_SRV;       /* files hook: the server's banner */
    case VG_ABUF_SSH_SOFTWARE: return VG_ABUF_SSH_SOFTWARE_SRV; /* files hook */
    default: return id;
    }
}

static bool alerted(const vg_app_tx *tx, uint32_t sid)
{
    for (uint32_t i = 0; i < tx->nalerted; i++)
        if (tx->alerted[i] == sid)
            return true;
    return false;
}

/* ---- prefilter: one Hyperscan database per app buffer over the fast
 * patterns of the signatures whose fast pattern is in that buffer (built
 * on first use, per detection thread); each transaction keeps, per side
 * and version, the set of signatures whose fast pattern occurs in it. */

/* The signature as the prefilter database sees it: for a dotprefix list
 * whose fast pattern starts with the dot, a copy whose pattern is chopped
 * past the dot (same id: hits count for the real signature). */
typedef struct pf_shadow {
    vg_sig sig;
    vg_sm sm;
    pl_content c;
} pf_shadow;

/* Prefilter results of short buffers, by their bytes: a method, a status
 * code, a server or user agent string recurs across transactions, and a
 * Hyperscan call costs more than finding the earlier answer (the same
 * bytes in the same database give the same hits).  Direct-mapped; an
 * entry is replaced by the next buffer that hashes to it. */
#define PF_MEMO_SLOTS 4096
#define PF_MEMO_LEN 128  /* longest buffer remembered */
#define PF_MEMO_HITS 16  /* most sigs in a remembered result */

typedef struct pf_memo {       /* its hash is in app_pf.memo_tag */
    const struct vg_mpm *m;
    uint16_t len;
    uint8_t nhits;
    uint8_t bytes[PF_MEMO_LEN];  /* first, so a short buffer's compare reads one line */
    uint32_t hits[PF_MEMO_HITS];
} pf_memo;

typedef struct app_pf {
    const vg_detect *de;
    uint32_t nsigs;
    struct vg_mpm *mpm[2][VG_ABUF_END]; /* per side inspected (0 to server), per buffer */
    uint8_t slot[2][VG_ABUF_END]; /* index of a buffer with a database in a tx's pfsig[] */
    uint32_t maxpat[2][VG_ABUF_END]; /* longest pattern in that database */
    uint8_t nslots[2];
    bool any[2][VG_ABUF_END];    /* some sig inspected on that side has its fast pattern there */
    struct vg_mpm_scratch *scratch;
    uint8_t *prefiltered;        /* per sig id: its fast pattern decides */
    uint32_t *fallback;          /* eligible sigs whose database failed: always candidates */
    uint32_t nfallback;
    uint64_t *seen;              /* scratch bitmap over sig ids, all zero between scans */
    uint32_t *hits;              /* scratch: ids found by one transaction's scan */
    uint32_t nhits;
    vg_sig **view[2];            /* per side, the sigs as its databases see them (pf_view) */
    uint32_t nview[2];
    pf_shadow **shadows;         /* owned copies in view[] */
    uint32_t nshadows;
    /* the HTTP start family per side (fam_role): one database over the
     * patterns of all its buffers, fam_set the (unresolved) buffers in it */
    struct vg_mpm *fam_mpm[2];
    uint64_t fam_set[2][2];
    pf_memo *memo;               /* PF_MEMO_SLOTS entries, or NULL */
    uint64_t *memo_tag;          /* their hashes (0: empty), apart: a miss reads no entry */
    uint32_t rec[PF_MEMO_HITS];  /* the hits of the scan being remembered */
    uint32_t nrec;
    bool rec_over;               /* more than PF_MEMO_HITS: not remembered */
} app_pf;

void vg_app_prefilter_free(void *p)
{
    app_pf *pf = p;
    if (!pf)
        return;
    for (int d = 0; d < 2; d++) {
        for (int i = 0; i < VG_ABUF_END; i++)
            vg_mpm_free(pf->mpm[d][i]);
        vg_mpm_free(pf->fam_mpm[d]);
    }
    vg_mpm_scratch_free(pf->scratch);
    free(pf->prefiltered);
    free(pf->fallback);
    free(pf->seen);
    free(pf->hits);
    for (uint32_t i = 0; i < pf->nshadows; i++)
        free(pf->shadows[i]);
    free(pf->shadows);
    free(pf->view[0]);
    free(pf->view[1]);
    free(pf->memo);
    free(pf->memo_tag);
    free(pf);
}

extern const vg_keyword vg_app_kw_dotprefix; /* app_transform.c */

enum { FP_NO, FP_PLAIN, FP_DOTPREFIX };

/* May the fast pattern be looked for in the untransformed buffer?  Plain
 * lists, yes; a list whose only transform is dotprefix too: P occurs in
 * "." + B only if P, less a leading dot, occurs in B (the database then
 * holds that shorter pattern: a superset, confirmed by the full match). */
static int fp_list_kind(const vg_sig *s)
{
    for (int i = 0; i < s->nbufs; i++) {
        if (s->bufs[i].id != s->fast_pattern_buf)
            continue;
        const vg_sm *h = s->bufs[i].head;
        for (const vg_sm *sm = h; sm; sm = sm->next) {
            if (sm != s->fast_pattern)
                continue;
            if (!vg_app_is_transform(h))
                return FP_PLAIN;
            if (h->kw != &vg_app_kw_dotprefix || (h->next && vg_app_is_transform(h->next)))
                return FP_NO;
            const pl_content *c = s->fast_pattern->ctx;
            if (pl_kind_of(s->fast_pattern) != PL_CONTENT)
                return FP_NO;
            uint32_t off, len;
            pl_fp_window(c, &off, &len);
            if (off == 0 && len && c->pat[0] == '.' && len < 2)
                return FP_NO; /* "." occurs in every dot-prefixed buffer */
            return FP_DOTPREFIX;
        }
    }
    return FP_NO;
}

bool vg_app_sig_pf_eligible(const vg_sig *s)
{
    uint16_t b = s->fast_pattern_buf;
    return s->fast_pattern && b >= VG_BUF_APP_FIRST && b < VG_ABUF_END && fp_list_kind(s) != FP_NO;
}


static const vg_sig *pf_view(const vg_sig *s, pf_shadow **shadow)
{
    *shadow = NULL;
    if (!vg_app_sig_pf_eligible(s) || fp_list_kind(s) != FP_DOTPREFIX)
        return s;
    const pl_content *c = s->fast_pattern->ctx;
    uint32_t off, len;
    pl_fp_window(c, &off, &len);
    if (off != 0 || c->pat[0] != '.')
        return s; /* found at position >= 1 of "." + B: in B itself */
    pf_shadow *sh = malloc(sizeof *sh);
    if (!sh)
        return NULL;
    sh->sig = *s;
    sh->sm = *s->fast_pattern;
    sh->c = *c;
    sh->c.flags |= PLC_FP_CHOP;
    sh->c.fp_off = 1;
    sh->c.fp_len = (uint16_t)(len - 1);
    sh->sm.ctx = &sh->c;
    sh->sig.fast_pattern = &sh->sm;
    *shadow = sh;
    return &sh->sig;
}

/* Building the databases: one job per (side, buffer), on a few threads
 * (Hyperscan compilation is thread-safe), at the thread's start rather
 * than in the middle of the traffic. */
typedef struct pf_job {
    app_pf *pf;
    int d;
    uint16_t b;
    int rc;
} pf_job;

/* Build job jobs[i] (a vg_mpm_build_parallel step). */
static void pf_build_job(void *arg, uint32_t i)
{
    pf_job *j = &((pf_job *)arg)[i];
    char err[VG_ERRBUF_SIZE];
    if (j->b == VG_ABUF_END) /* the start family's merged database */
        j->rc = vg_mpm_build_set(&j->pf->fam_mpm[j->d], j->pf->view[j->d], j->pf->nview[j->d],
                                 j->pf->fam_set[j->d], err);
    else
        j->rc = vg_mpm_build(&j->pf->mpm[j->d][j->b], j->pf->view[j->d], j->pf->nview[j->d], j->b,
                             err);
}

/* The HTTP start family: http.start is the start line, CRLF and the raw
 * headers (app_http.c), and the request line holds the raw URI, so one
 * scan of http.start with all their patterns finds what scans of each
 * would (a superset: a pattern may hit in another part), whenever the
 * transaction's buffers are indeed where http.start has them
 * (fam_contained).  Saves three or four Hyperscan calls per side of an
 * HTTP transaction, each costing about a microsecond on ET Open's
 * databases whatever the buffer's length. */
enum { FAM_NONE, FAM_START, FAM_LINE, FAM_HDR_RAW, FAM_URI_RAW };

static int fam_role(uint16_t resolved)
{
    switch (resolved) {
    case VG_ABUF_HTTP_START: case VG_ABUF_HTTP_RES_START: return FAM_START;
    case VG_ABUF_HTTP_REQUEST_LINE: case VG_ABUF_HTTP_RESPONSE_LINE: return FAM_LINE;
    case VG_ABUF_HTTP_HEADER_RAW: case VG_ABUF_HTTP_RES_HEADER_RAW: return FAM_HDR_RAW;
    case VG_ABUF_HTTP_URI_RAW: return FAM_URI_RAW;
    default: return FAM_NONE;
    }
}

static void fam_sets(app_pf *pf)
{
    for (int d = 0; d < 2; d++) {
        bool start = false;
        uint64_t set[2] = {0, 0};
        for (uint16_t b = VG_BUF_APP_FIRST; b < VG_ABUF_END; b++) {
            int role = pf->any[d][b] ? fam_role(resolve(b, d == 1)) : FAM_NONE;
            if (role != FAM_NONE && b < 128)
                set[b / 64] |= 1ull << (b % 64);
            start |= role == FAM_START;
        }
        if (start && __builtin_popcountll(set[0]) + __builtin_popcountll(set[1]) > 1)
            memcpy(pf->fam_set[d], set, sizeof(set));
    }
}

/* Are tx's start line, raw headers and raw URI on side d single buffers
 * lying in http.start where app_http.c puts them? */
static bool fam_contained(const vg_flow *f, vg_app_tx *tx, int d)
{
    uint16_t ids[4] = {d ? VG_ABUF_HTTP_RES_START : VG_ABUF_HTTP_START,
                       d ? VG_ABUF_HTTP_RESPONSE_LINE : VG_ABUF_HTTP_REQUEST_LINE,
                       d ? VG_ABUF_HTTP_RES_HEADER_RAW : VG_ABUF_HTTP_HEADER_RAW,
                       VG_ABUF_HTTP_URI_RAW};
    const uint8_t *p[4] = {NULL, NULL, NULL, NULL}, *q;
    uint32_t n[4] = {0, 0, 0, 0}, qn;
    for (int i = 0; i < (d ? 3 : 4); i++) {
        if (vg_app_get_buffer(f, tx, ids[i], 0, &p[i], &n[i]) != VG_OK)
            p[i] = NULL;
        else if (vg_app_get_buffer(f, tx, ids[i], 1, &q, &qn) == VG_OK)
            return false; /* several instances */
    }
    if (!p[0] || !p[1])
        return false;
    if (n[1] > n[0] || memcmp(p[0], p[1], n[1]) != 0)
        return false;
    if (p[2] && n[2] && (n[1] + 2 + (uint64_t)n[2] > n[0] || memcmp(p[0] + n[1] + 2, p[2], n[2]) != 0))
        return false;
    if (p[3] && n[3] && (n[3] > n[1] || !memmem(p[1], n[1], p[3], n[3])))
        return false;
    return true;
}

static void pf_build_all(app_pf *pf)
{
    pf_job *jobs = calloc(2 * VG_ABUF_END + 2, sizeof(pf_job));
    uint32_t njobs = 0;
    fam_sets(pf);
    if (jobs) {
        for (int d = 0; d < 2; d++) {
            for (uint16_t b = VG_BUF_APP_FIRST; b < VG_ABUF_END; b++)
                if (pf->any[d][b])
                    jobs[njobs++] = (pf_job){pf, d, b, VG_OK};
            if (pf->fam_set[d][0] | pf->fam_set[d][1])
                jobs[njobs++] = (pf_job){pf, d, VG_ABUF_END, VG_OK};
        }
        vg_mpm_build_parallel(njobs, pf_build_job, jobs);
        for (uint32_t i = 0; i < njobs; i++) {
            pf_job *j = &jobs[i];
            struct vg_mpm **m = j->b == VG_ABUF_END ? &pf->fam_mpm[j->d] : &pf->mpm[j->d][j->b];
            if (j->rc != VG_OK) {
                vg_mpm_free(*m);
                *m = NULL;
            }
        }
        free(jobs);
    }
    for (int d = 0; d < 2; d++) /* the family is optional: its buffers' own databases remain */
        if (pf->fam_mpm[d] && vg_mpm_scratch_alloc(pf->fam_mpm[d], &pf->scratch) != VG_OK) {
            vg_mpm_free(pf->fam_mpm[d]);
            pf->fam_mpm[d] = NULL;
        }
    for (int d = 0; d < 2; d++) {
        for (uint16_t b = VG_BUF_APP_FIRST; b < VG_ABUF_END; b++)
            if (pf->mpm[d][b])
                pf->slot[d][b] = pf->nslots[d]++;
        for (uint32_t i = 0; i < pf->nview[d]; i++) {
            const vg_sig *s = pf->view[d][i];
            const pl_content *c = s->fast_pattern->ctx;
            uint32_t off, n;
            pl_fp_window(c, &off, &n);
            if (n > pf->maxpat[d][s->fast_pattern_buf])
                pf->maxpat[d][s->fast_pattern_buf] = n;
        }
    }
    /* a side or buffer left without a database: its sigs are candidates
     * without a prefilter (evaluated on every due transaction) */
    for (int d = 0; d < 2; d++)
        for (uint16_t b = VG_BUF_APP_FIRST; b < VG_ABUF_END; b++) {
            if (!pf->any[d][b])
                continue;
            if (pf->mpm[d][b] && vg_mpm_scratch_alloc(pf->mpm[d][b], &pf->scratch) == VG_OK)
                continue;
            vg_mpm_free(pf->mpm[d][b]);
            pf->mpm[d][b] = NULL;
            pf->any[d][b] = false;
            for (uint32_t i = 0; i < pf->nview[d]; i++) {
                uint32_t id = pf->view[d][i]->id;
                if (pf->view[d][i]->fast_pattern_buf == b && pf->prefiltered[id]) {
                    pf->prefiltered[id] = 0;
                    pf->fallback[pf->nfallback++] = id;
                }
            }
        }
}

static app_pf *pf_get(vg_det_thread *dt)
{
    app_pf *pf = dt->app_pf;
    if (pf && pf->de == dt->de)
        return pf;
    vg_app_prefilter_free(pf);
    dt->app_pf = NULL;
    pf = calloc(1, sizeof(*pf));
    if (!pf)
        return NULL;
    pf->de = dt->de;
    pf->nsigs = dt->de->nsigs;
    uint32_t n1 = pf->nsigs ? pf->nsigs : 1;
    pf->prefiltered = calloc(n1, 1);
    pf->fallback = calloc(n1, sizeof(uint32_t));
    pf->seen = calloc((pf->nsigs + 63) / 64 + 1, sizeof(uint64_t));
    pf->hits = calloc(n1, sizeof(uint32_t));
    pf->view[0] = calloc(n1, sizeof(vg_sig *));
    pf->view[1] = calloc(n1, sizeof(vg_sig *));
    pf->shadows = calloc(n1, sizeof(pf_shadow *));
    pf->memo = calloc(PF_MEMO_SLOTS, sizeof(pf_memo)); /* optional: NULL scans every time */
    pf->memo_tag = calloc(PF_MEMO_SLOTS, sizeof(uint64_t));
    if (!pf->memo_tag) {
        free(pf->memo);
        pf->memo = NULL;
    }
    if (!pf->prefiltered || !pf->fallback || !pf->seen || !pf->hits || !pf->view[0] ||
        !pf->view[1] || !pf->shadows) {
        vg_app_prefilter_free(pf);
        return NULL;
    }
    for (uint32_t i = 0; i < pf->nsigs; i++) {
        const vg_sig *s = dt->de->sigs[i];
        if (!vg_app_sig_pf_eligible(s) || s->id >= pf->nsigs)
            continue;
        uint16_t b = s->fast_pattern_buf;
        pf_shadow *sh;
        const vg_sig *v = pf_view(s, &sh);
        if (!v) { /* no memory for its copy: always a candidate */
            pf->fallback[pf->nfallback++] = s->id;
            continue;
        }
        if (sh)
            pf->shadows[pf->nshadows++] = sh;
        pf->prefiltered[s->id] = 1;
        int dirs = sig_dirs(s);
        for (int d = 0; d < 2; d++)
            if (dirs & (1 << d)) {
                pf->view[d][pf->nview[d]++] = (vg_sig *)v;
                pf->any[d][b] = true;
            }
    }
    pf_build_all(pf);
    dt->app_pf = pf;
    return pf;
}

void vg_app_prefilter_prepare(vg_det_thread *dt)
{
    (void)pf_get(dt);
}

static void pf_hit(const vg_sig *s, void *arg)
{
    app_pf *pf = arg;
    uint64_t bit = 1ull << (s->id % 64);
    if (s->id >= pf->nsigs || (pf->seen[s->id / 64] & bit))
        return;
    pf->seen[s->id / 64] |= bit;
    pf->hits[pf->nhits++] = s->id;
}

static void pf_hit_rec(const vg_sig *s, void *arg)
{
    app_pf *pf = arg;
    if (pf->nrec < PF_MEMO_HITS)
        pf->rec[pf->nrec++] = s->id;
    else
        pf->rec_over = true;
    pf_hit(s, pf);
}

static uint64_t memo_hash(const uint8_t *p, uint32_t n, uint64_t seed)
{
    uint64_t h = seed ^ (n * 0x9e3779b97f4a7c15ull), v;
    for (; n >= 8; p += 8, n -= 8) {
        memcpy(&v, p, 8);
        h = (h ^ v) * 0xff51afd7ed558ccdull;
        h ^= h >> 32;
    }
    v = 0;
    memcpy(&v, p, n);
    h = (h ^ v) * 0xc4ceb9fe1a85ec53ull;
    return (h ^ (h >> 29)) | 1;
}

/* Scan one buffer instance with m, through the memo when it is short. */
static void pf_scan(app_pf *pf, const struct vg_mpm *m, const uint8_t *p, uint32_t n)
{
    if (!pf->memo || n > PF_MEMO_LEN) {
        vg_mpm_scan(m, pf->scratch, p, n, pf_hit, pf);
        return;
    }
    uint64_t h = memo_hash(p, n, (uint64_t)(uintptr_t)m);
    uint32_t slot = (uint32_t)h & (PF_MEMO_SLOTS - 1);
    pf_memo *e = &pf->memo[slot];
    if (pf->memo_tag[slot] == h && e->m == m && e->len == n && memcmp(e->bytes, p, n) == 0) {
        for (uint32_t i = 0; i < e->nhits; i++)
            pf_hit(pf->de->sigs[e->hits[i]], pf);
        return;
    }
    pf->nrec = 0;
    pf->rec_over = false;
    vg_mpm_scan(m, pf->scratch, p, n, pf_hit_rec, pf);
    if (pf->rec_over)
        return;
    pf->memo_tag[slot] = h;
    e->m = m;
    e->len = (uint16_t)n;
    e->nhits = (uint8_t)pf->nrec;
    memcpy(e->hits, pf->rec, pf->nrec * sizeof(uint32_t));
    memcpy(e->bytes, p, n);
}

static int id_cmp(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* The prefilter candidates of tx in direction d, ascending (computed when
 * tx changed since the last computation); false when they cannot be. */
/* A buffer's instances as last scanned: count, total length and a hash of
 * their ends.  An unchanged buffer is not scanned again (its hits stay). */
struct pf_bufsig {
    uint32_t count, len;
    uint64_t h, head;             /* hash of the instances' ends; of the first one's start */
};

static uint64_t ends_hash(uint64_t h, const uint8_t *d, uint32_t n)
{
    uint32_t k = n < 16 ? n : 16;
    return memo_hash(d + n - k, k, memo_hash(d, k, h)) ^ n;
}

/* The candidates only grow as a transaction does: hits of earlier scans
 * are kept (a superset is what a prefilter may give), and only buffers
 * that changed since the last computation are scanned again. */
static bool pf_cand(vg_det_thread *dt, app_pf *pf, const vg_flow *f, vg_app_tx *tx, int d)
{
    if (tx->cand[d] && tx->cand_ver[d] == tx->ver[d])
        return true;
    (void)dt;
    if (!tx->pfsig[d] && pf->nslots[d] &&
        !(tx->pfsig[d] = calloc(pf->nslots[d], sizeof(struct pf_bufsig))))
        return false;
    pf->nhits = 0;
    for (uint32_t i = 0; i < tx->ncand[d]; i++)
        pf_hit(pf->de->sigs[tx->cand[d][i]], pf);
    /* the start family in one scan (fam_role): its container takes the
     * merged database, the others are skipped */
    bool fam = pf->fam_mpm[d] && fam_contained(f, tx, d), fam_done = false;
    for (uint16_t b = VG_BUF_APP_FIRST; b < VG_ABUF_END; b++) {
        struct vg_mpm *m = pf->mpm[d][b];
        if (!m)
            continue;
        uint16_t id = resolve(b, d == 1);
        if (fam && (pf->fam_set[d][b / 64] >> (b % 64)) & 1) {
            if (fam_done || fam_role(id) != FAM_START)
                continue;
            fam_done = true;
            m = pf->fam_mpm[d];
        }
        struct pf_bufsig now = {0, 0, 1469598103934665603ull, 0};
        const uint8_t *data[8];
        uint32_t len[8];
        uint32_t idx;
        for (idx = 0; idx < 1024; idx++) {
            const uint8_t *p;
            uint32_t n;
            if (vg_app_get_buffer(f, tx, id, idx, &p, &n) != VG_OK)
                break;
            if (idx < 8) {
                data[idx] = p;
                len[idx] = n;
            }
            if (idx == 0)
                now.head = memo_hash(p, n < 16 ? n : 16, 1469598103934665603ull);
            now.len += n;
            now.h = ends_hash(now.h, p, n);
        }
        now.count = idx;
        struct pf_bufsig *was = &tx->pfsig[d][pf->slot[d][b]];
        if (!now.count || (was->count == now.count && was->len == now.len && was->h == now.h))
            continue;
        /* one instance that only grew (a body as it arrives): the part
         * scanned before gives the same hits; scan from where a pattern
         * could still end in the new bytes */
        if (now.count == 1 && was->count == 1 && now.len > was->len && now.head == was->head &&
            was->len >= 16 && m == pf->mpm[d][b]) {
            uint32_t from = was->len > pf->maxpat[d][b] ? was->len - pf->maxpat[d][b] : 0;
            *was = now;
            vg_mpm_scan(m, pf->scratch, data[0] + from, len[0] - from, pf_hit, pf);
            continue;
        }
        *was = now;
        for (idx = 0; idx < now.count; idx++) {
            const uint8_t *p = idx < 8 ? data[idx] : NULL;
            uint32_t n = idx < 8 ? len[idx] : 0;
            if (idx >= 8 && vg_app_get_buffer(f, tx, id, idx, &p, &n) != VG_OK)
                break;
            pf_scan(pf, m, p, n);
        }
    }
    for (uint32_t i = 0; i < pf->nhits; i++)
        pf->seen[pf->hits[i] / 64] = 0;
    if (pf->nhits > 1)
        qsort(pf->hits, pf->nhits, sizeof(uint32_t), id_cmp);
    uint32_t *c = realloc(tx->cand[d], (pf->nhits ? pf->nhits : 1) * sizeof(uint32_t));
    if (!c)
        return false;
    memcpy(c, pf->hits, pf->nhits * sizeof(uint32_t));
    tx->cand[d] = c;
    tx->ncand[d] = pf->nhits;
    tx->cand_ver[d] = tx->ver[d];
    return true;
}

/* Is s still a candidate on tx in direction d? */
static bool pf_pass(vg_det_thread *dt, const vg_flow *f, vg_app_tx *tx, const vg_sig *s, int d)
{
    if (!dt)
        return true;
    app_pf *pf = pf_get(dt);
    if (!pf || s->id >= pf->nsigs || !pf->prefiltered[s->id])
        return true;
    if (!pf_cand(dt, pf, f, tx, d))
        return true;
    return bsearch(&s->id, tx->cand[d], tx->ncand[d], sizeof(uint32_t), id_cmp) != NULL;
}

/* Transactions detection looks at in direction d (the sig-independent part
 * of vg_app_detect_next_tx's conditions). */
static bool tx_due(const vg_app_tx *tx, bool toserver)
{
    bool tc = !toserver;
    int d = toserver ? 0 : 1;
    uint16_t need = tc ? TX_RES_HDRS : TX_REQ_HDRS | TX_REQ_LINE;
    if (!(tx->progress & need) || tx->seen[d] == tx->vis[d])
        return false;
    if (tc && !(tx->progress & (TX_REQ_HDRS | TX_REQ_LINE)) && tx->alproto == VG_ALPROTO_HTTP)
        return false;
    return true;
}

static void union_add(uint64_t *bits, uint32_t *list, uint32_t *nlist, uint32_t id)
{
    uint64_t bit = 1ull << (id % 64);
    if (bits[id / 64] & bit)
        return;
    bits[id / 64] |= bit;
    list[(*nlist)++] = id;
}

bool vg_app_prefilter_union(vg_det_thread *dt, const vg_flow *f, bool toserver, uint64_t *bits,
                            uint32_t *list, uint32_t *nlist)
{
    app_pf *pf = pf_get(dt);
    if (!pf)
        return false;
    int d = toserver ? 0 : 1;
    bool any = false;
    for (vg_app_tx *tx = vg_app_tx_first(f); tx; tx = tx->next) {
        if (!tx_due(tx, toserver))
            continue;
        if (!pf_cand(dt, pf, f, tx, d))
            return false;
        for (uint32_t i = 0; i < tx->ncand[d]; i++)
            union_add(bits, list, nlist, tx->cand[d][i]);
        any = true;
    }
    if (any)
        for (uint32_t i = 0; i < pf->nfallback; i++)
            union_add(bits, list, nlist, pf->fallback[i]);
    return true;
}

vg_app_tx *vg_app_detect_next_tx(vg_det_thread *dt, const vg_flow *f, const vg_app_tx *prev,
                                 const vg_sig *s, bool toserver)
{
    if (!(sig_dirs(s) & (toserver ? 1 : 2)))
        return NULL;
    vg_app_tx *tx = prev ? prev->next : vg_app_tx_first(f);
    int d = toserver ? 0 : 1;
    for (; tx; tx = tx->next) {
        if (!tx_due(tx, toserver))
            continue; /* not far enough, or unchanged since detection last looked */
        if (alerted(tx, s->id))
            continue;
        if (!pf_pass(dt, f, tx, s, d))
            continue;
        return tx;
    }
    return NULL;
}

void vg_app_tx_set_alerted(vg_app_tx *tx, const vg_sig *s)
{
    if (alerted(tx, s->id))
        return;
    if (tx->nalerted == tx->capalerted) {
        uint32_t nc = tx->capalerted ? tx->capalerted * 2 : 4;
        if (nc > 65536)
            return;
        uint32_t *n = realloc(tx->alerted, nc * sizeof(*n));
        if (!n)
            return;
        tx->alerted = n;
        tx->capalerted = nc;
    }
    tx->alerted[tx->nalerted++] = s->id;
}

int vg_app_inspect_buf(vg_inspect_ctx *ic, const vg_sig *s, const vg_sig_buf *b,
                       const vg_flow *f, const vg_app_tx *tx)
{
    /* the inspection's direction is the packet's (or the direction view's) */
    uint16_t id = resolve(b->id, ic->p && (ic->p->flags & VG_PKT_TOCLIENT));
    int absent = vg_app_absent_mode(b->head);
    for (uint32_t idx = 0; idx < 1024; idx++) {
        const uint8_t *d;
        uint32_t n;
        if (vg_app_get_buffer(f, tx, id, idx, &d, &n) != VG_OK)
            return idx == 0 && absent ? 1 : 0;
        if (absent == 1)
            return 0;
        /* transforms at the head of the list work on a copy */
        uint8_t *owned = NULL;
        const vg_sm *rest = vg_app_transform(b, &d, &n, &owned);
        vg_sig_buf tail = *b;
        tail.head = (vg_sm *)rest;
        /* byte_extract variables may be set by an earlier list: keep them */
        ic->steps = 0;
        ic->b64_len = 0;
        int r = rest ? vg_payload_inspect(ic, s, &tail, d, n) : (owned || rest == b->head);
        free(owned);
        if (r == 1)
            return 1;
    }
    return 0;
}
