/* osregex.c: OS_Match, OS_Regex and PCRE2 patterns (see osregex.h). */
#include "host/osregex.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OSRE_STEP_BUDGET 200000
#define OSRE_MAX_TOKENS 4096

enum { CL_W, CL_D, CL_S, CL_T, CL_P, CL_NW, CL_ND, CL_NS, CL_ANY, CL_COUNT };
enum { K_LIT, K_CLASS, K_GOPEN, K_GCLOSE };
enum { Q_ONE, Q_PLUS, Q_STAR };

static bool cls[CL_COUNT][256];
static unsigned char lower[256];
static bool tables_ready;

static void init_tables(void)
{
    if (tables_ready)
        return;
    for (int c = 0; c < 256; c++) {
        bool w = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '-' || c == '@' || c == '_';
        bool d = c >= '0' && c <= '9';
        bool s = c == ' ';
        cls[CL_W][c] = w;
        cls[CL_D][c] = d;
        cls[CL_S][c] = s;
        cls[CL_T][c] = c == '\t';
        cls[CL_P][c] = c != 0 && strchr("()*+,-.:;<=>?[]!\"'#$%&|{}", c) != NULL;
        cls[CL_NW][c] = !w;
        cls[CL_ND][c] = !d;
        cls[CL_NS][c] = !s;
        cls[CL_ANY][c] = true;
        lower[c] = (unsigned char)((c >= 'A' && c <= 'Z') ? c + 32 : c);
    }
    tables_ready = true;
}

typedef struct tok {
    uint8_t kind, quant, arg;   /* arg: literal byte or class index */
    bool greedy;                /* a modifier with nothing but ')' after it */
} tok;

typedef struct alt {
    tok *t;
    int n;
    bool bol, eol;
    int ngroups;
    char lit[32];               /* longest literal run (lower case): must occur */
    size_t litlen;
    char req[4];                /* other literal characters that must occur */
    int nreq;
    size_t minlen;              /* shortest subject that can match */
} alt;

typedef struct smatch {         /* one OS_Match alternative */
    char *s;
    size_t n;
    bool bol, eol;
} smatch;

struct vg_hpat {
    vg_hpat_type type;
    bool negate;
    char *src;
    /* osregex */
    alt *alts;
    int nalts;
    /* osmatch */
    smatch *sm;
    int nsm;
    /* pcre2 */
    pcre2_code *re;
};

int vg_hpat_type_parse(const char *s, vg_hpat_type *out)
{
    if (!s || !*s || strcasecmp(s, "osregex") == 0)
        *out = VG_HPAT_OSREGEX;
    else if (strcasecmp(s, "osmatch") == 0)
        *out = VG_HPAT_OSMATCH;
    else if (strcasecmp(s, "pcre2") == 0)
        *out = VG_HPAT_PCRE2;
    else
        return VG_EINVAL;
    return VG_OK;
}

/* Substring search tuned for short subjects (log lines): memchr on the
 * needle's rarer end, then compare; glibc memmem's set-up costs more than
 * the search itself at these sizes. */
static const char *find(const char *h, size_t hl, const char *n, size_t nl)
{
    if (nl == 0)
        return h;
    if (nl > hl)
        return NULL;
    const char *end = h + hl - nl + 1;
    for (const char *p = h; p < end;) {
        const char *q = memchr(p, n[0], (size_t)(end - p));
        if (!q)
            return NULL;
        if (q[nl - 1] == n[nl - 1] && memcmp(q + 1, n + 1, nl - 1) == 0)
            return q;
        p = q + 1;
    }
    return NULL;
}

/* ---- OS_Match ---- */

static int compile_osmatch(vg_hpat *p, const char *pat, char *errbuf)
{
    int n = 1;
    for (const char *q = pat; *q; q++)
        n += *q == '|';
    p->sm = calloc((size_t)n, sizeof(*p->sm));
    if (!p->sm)
        return VG_ENOMEM;
    const char *s = pat;
    for (;;) {
        const char *e = strchr(s, '|');
        size_t len = e ? (size_t)(e - s) : strlen(s);
        smatch *m = &p->sm[p->nsm];
        const char *b = s;
        if (len > 0 && *b == '^') {
            m->bol = true;
            b++;
            len--;
        }
        if (len > 0 && b[len - 1] == '$') {
            m->eol = true;
            len--;
        }
        m->s = malloc(len + 1);
        if (!m->s)
            return VG_ENOMEM;
        for (size_t i = 0; i < len; i++)
            m->s[i] = (char)lower[(unsigned char)b[i]];
        m->s[len] = '\0';
        m->n = len;
        /* An empty alternative (a trailing '|') matches nothing in Wazuh. */
        if (len > 0 || m->bol || m->eol)
            p->nsm++;
        else
            free(m->s);
        if (!e)
            break;
        s = e + 1;
    }
    (void)errbuf;
    return VG_OK;
}

static bool ci_eq(const char *a, const char *lowpat, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (lower[(unsigned char)a[i]] != (unsigned char)lowpat[i])
            return false;
    return true;
}

static bool ci_find(const char *s, size_t len, const char *lowpat, size_t n, size_t *pos)
{
    if (n == 0) {
        *pos = 0;
        return true;
    }
    if (n > len)
        return false;
    unsigned char c0 = (unsigned char)lowpat[0];
    unsigned char c1 = (c0 >= 'a' && c0 <= 'z') ? (unsigned char)(c0 - 32) : c0;
    const char *end = s + len - n + 1;
    for (const char *q = s; q < end;) {
        const char *a = memchr(q, c0, (size_t)(end - q));
        if (c1 != c0) {
            const char *b = memchr(q, c1, (size_t)((a ? a : end) - q));
            if (b)
                a = b;
        }
        if (!a)
            return false;
        if (ci_eq(a + 1, lowpat + 1, n - 1)) {
            *pos = (size_t)(a - s);
            return true;
        }
        q = a + 1;
    }
    return false;
}

/* Lower-cased copy of the subject, per thread, when the caller has none. */
static __thread char *tl_low;
static __thread size_t tl_lowcap;

static const char *lower_copy(const char *s, size_t len)
{
    if (len + 1 > tl_lowcap) {
        size_t nc = len + 1 < 4096 ? 4096 : len + 1;
        char *nb = realloc(tl_low, nc);
        if (!nb)
            return NULL;
        tl_low = nb;
        tl_lowcap = nc;
    }
    for (size_t k = 0; k < len; k++)
        tl_low[k] = (char)lower[(unsigned char)s[k]];
    return tl_low;
}

static bool exec_osmatch(const vg_hpat *p, const char *s, size_t len, const char *lc, vg_hmatch *m)
{
    const char *low = lc;
    for (int i = 0; i < p->nsm; i++) {
        const smatch *a = &p->sm[i];
        size_t pos = 0;
        bool ok;
        if (a->bol && a->eol)
            ok = len == a->n && ci_eq(s, a->s, a->n);
        else if (a->bol)
            ok = len >= a->n && ci_eq(s, a->s, a->n);
        else if (a->eol) {
            ok = len >= a->n && ci_eq(s + len - a->n, a->s, a->n);
            pos = len - a->n;
        } else {
            if (a->n > len)
                continue;
            if (!low && !(low = lower_copy(s, len)))
                return ci_find(s, len, a->s, a->n, &pos) ? (m ? (m->ncaps = 0, m->end = pos + a->n) : 0, true) : false;
            const char *f = find(low, len, a->s, a->n);
            ok = f != NULL;
            if (ok)
                pos = (size_t)(f - low);
        }
        if (ok) {
            if (m) {
                m->ncaps = 0;
                m->end = pos + a->n;
            }
            return true;
        }
    }
    return false;
}

/* ---- OS_Regex ---- */

static int class_of(char c)
{
    switch (c) {
    case 'w': return CL_W;
    case 'd': return CL_D;
    case 's': return CL_S;
    case 't': return CL_T;
    case 'p': return CL_P;
    case 'W': return CL_NW;
    case 'D': return CL_ND;
    case 'S': return CL_NS;
    case '.': return CL_ANY;
    default: return -1;
    }
}

static int compile_alt(alt *a, const char *s, size_t len, char *errbuf)
{
    a->t = calloc(len + 1, sizeof(tok));
    if (!a->t)
        return VG_ENOMEM;
    size_t i = 0;
    if (len > 0 && s[0] == '^') {
        a->bol = true;
        i = 1;
    }
    if (len > i && s[len - 1] == '$' && !(len >= 2 && s[len - 2] == '\\')) {
        a->eol = true;
        len--;
    }
    bool open = false;
    for (; i < len; i++) {
        char c = s[i];
        tok t = {K_LIT, Q_ONE, (uint8_t)c, false};
        if (c == '\\') {
            if (i + 1 >= len) {
                t.arg = '\\';
            } else {
                char e = s[++i];
                int k = class_of(e);
                if (k >= 0) {
                    t.kind = K_CLASS;
                    t.arg = (uint8_t)k;
                } else {
                    t.arg = (uint8_t)e;
                }
            }
        } else if (c == '(') {
            if (open)
                return vg_err(errbuf, VG_EINVAL, "nested '(' in OS_Regex");
            if (a->ngroups >= VG_OSRE_MAX_CAPS)
                return vg_err(errbuf, VG_EINVAL, "too many captures in OS_Regex");
            open = true;
            a->ngroups++;
            t.kind = K_GOPEN;
        } else if (c == ')') {
            if (!open)
                return vg_err(errbuf, VG_EINVAL, "unbalanced ')' in OS_Regex");
            open = false;
            t.kind = K_GCLOSE;
        } else if ((c == '+' || c == '*') && a->n > 0 &&
                   (a->t[a->n - 1].kind == K_LIT || a->t[a->n - 1].kind == K_CLASS) &&
                   a->t[a->n - 1].quant == Q_ONE) {
            a->t[a->n - 1].quant = c == '+' ? Q_PLUS : Q_STAR;
            continue;
        } else {
            t.arg = lower[(unsigned char)c];
        }
        if (t.kind == K_LIT)
            t.arg = lower[t.arg];
        a->t[a->n++] = t;
    }
    if (open)
        return vg_err(errbuf, VG_EINVAL, "unclosed '(' in OS_Regex");
    /* The longest run of plain literals (group marks consume nothing) is a
     * substring every match contains: a cheap memmem prefilter. */
    char run[32];
    size_t rl = 0;
    for (int k = 0; k <= a->n; k++) {
        const tok *t = k < a->n ? &a->t[k] : NULL;
        if (t && (t->kind == K_GOPEN || t->kind == K_GCLOSE))
            continue;
        if (t && t->kind == K_LIT && t->quant == Q_ONE && rl < sizeof(run)) {
            run[rl++] = (char)t->arg;
            continue;
        }
        if (rl > a->litlen) {
            memcpy(a->lit, run, rl);
            a->litlen = rl;
        }
        /* rarer single characters (not separators every line has) */
        for (size_t q = 0; q < rl && a->nreq < 4; q++) {
            char c = run[q];
            if (strchr(" :.-/[]=", c))
                continue;
            bool dup = false;
            for (int z = 0; z < a->nreq; z++)
                dup |= a->req[z] == c;
            if (!dup)
                a->req[a->nreq++] = c;
        }
        rl = 0;
        if (t && t->kind == K_LIT && t->quant == Q_ONE)
            run[rl++] = (char)t->arg;
    }
    for (int k = 0; k < a->n; k++)
        if ((a->t[k].kind == K_LIT || a->t[k].kind == K_CLASS) && a->t[k].quant != Q_STAR)
            a->minlen++;
    for (int k = 0; k < a->n; k++) {
        if (a->t[k].quant == Q_ONE)
            continue;
        int j = k + 1;
        while (j < a->n && a->t[j].kind == K_GCLOSE)
            j++;
        a->t[k].greedy = j == a->n;
    }
    return VG_OK;
}

static int compile_osregex(vg_hpat *p, const char *pat, char *errbuf)
{
    size_t len = strlen(pat);
    int n = 1;
    for (size_t i = 0; i < len; i++) {
        if (pat[i] == '\\')
            i++;
        else if (pat[i] == '|')
            n++;
    }
    p->alts = calloc((size_t)n, sizeof(alt));
    if (!p->alts)
        return VG_ENOMEM;
    size_t st = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && pat[i] == '\\') {
            i++;
            continue;
        }
        if (i == len || pat[i] == '|') {
            if (i > st || n == 1) {
                int rc = compile_alt(&p->alts[p->nalts], pat + st, i - st, errbuf);
                p->nalts++;
                if (rc < 0)
                    return rc;
            }
            st = i + 1;
        }
    }
    return VG_OK;
}

typedef struct rstate {
    const char *s;
    size_t len;
    const alt *a;
    long steps;
    size_t gs[VG_OSRE_MAX_CAPS], ge[VG_OSRE_MAX_CAPS];
    size_t end;
} rstate;

static inline bool tok_match(const tok *t, unsigned char c)
{
    return t->kind == K_CLASS ? cls[t->arg][c] : lower[c] == t->arg;
}

/* Match tokens from ti at position pos, group counter g. */
static bool rmatch(rstate *st, int ti, size_t pos, int g)
{
    const alt *a = st->a;
    for (;;) {
        if (--st->steps < 0)
            return false;
        if (ti == a->n) {
            if (a->eol && pos != st->len)
                return false;
            st->end = pos;
            return true;
        }
        const tok *t = &a->t[ti];
        if (t->kind == K_GOPEN) {
            st->gs[g] = pos;
            ti++;
            continue;
        }
        if (t->kind == K_GCLOSE) {
            st->ge[g] = pos;
            g++;
            ti++;
            continue;
        }
        if (t->quant == Q_ONE) {
            if (pos >= st->len || !tok_match(t, (unsigned char)st->s[pos]))
                return false;
            pos++;
            ti++;
            continue;
        }
        size_t min = t->quant == Q_PLUS ? 1 : 0;
        size_t k = 0;
        while (k < min) {
            if (pos + k >= st->len || !tok_match(t, (unsigned char)st->s[pos + k]))
                return false;
            k++;
        }
        if (t->greedy) {
            while (pos + k < st->len && tok_match(t, (unsigned char)st->s[pos + k]))
                k++;
            pos += k;
            ti++;
            continue;
        }
        for (;;) {
            if (rmatch(st, ti + 1, pos + k, g))
                return true;
            if (st->steps < 0)
                return false;
            if (pos + k >= st->len || !tok_match(t, (unsigned char)st->s[pos + k]))
                return false;
            k++;
        }
    }
}

static const char *lower_copy(const char *s, size_t len);

static bool exec_osregex(const vg_hpat *p, const char *s, size_t len, const char *lc, vg_hmatch *m)
{
    rstate st;
    st.s = s;
    st.len = len;
    st.steps = OSRE_STEP_BUDGET;
    for (int i = 0; i < p->nalts; i++) {
        const alt *a = &p->alts[i];
        st.a = a;
        if (a->minlen > len)
            continue;
        if (a->nreq && !a->bol) {
            if (!lc && !(lc = lower_copy(s, len)))
                return false;
            bool all = true;
            for (int z = 0; z < a->nreq && all; z++)
                all = memchr(lc, a->req[z], len) != NULL;
            if (!all)
                continue;
        }
        if (a->litlen >= 2 && !a->bol) { /* anchored: position 0 decides at once */
            if (!lc && !(lc = lower_copy(s, len)))
                return false;
            if (!find(lc, len, a->lit, a->litlen))
                continue;
        }
        /* First literal token without modifier lets us skip start positions. */
        const tok *first = NULL;
        if (!a->bol && a->n > 0 && a->t[0].kind == K_LIT && a->t[0].quant == Q_ONE)
            first = &a->t[0];
        size_t last = a->bol ? 0 : len;
        for (size_t pos = 0; pos <= last; pos++) {
            if (first) {
                while (pos < len && lower[(unsigned char)s[pos]] != first->arg)
                    pos++;
                if (pos >= len)
                    break;
            }
            if (rmatch(&st, 0, pos, 0)) {
                if (m) {
                    m->ncaps = a->ngroups;
                    for (int g = 0; g < a->ngroups; g++) {
                        m->caps[g].off = st.gs[g];
                        m->caps[g].len = st.ge[g] - st.gs[g];
                    }
                    m->end = st.end;
                }
                return true;
            }
            if (st.steps < 0)
                return false;
        }
    }
    return false;
}

/* ---- PCRE2 ---- */

static int compile_pcre2(vg_hpat *p, const char *pat, char *errbuf)
{
    int err;
    PCRE2_SIZE off;
    p->re = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED, 0, &err, &off, NULL);
    if (!p->re) {
        PCRE2_UCHAR msg[160];
        pcre2_get_error_message(err, msg, sizeof(msg));
        return vg_err(errbuf, VG_EINVAL, "PCRE2 error at offset %zu: %s", (size_t)off, (char *)msg);
    }
    (void)pcre2_jit_compile(p->re, PCRE2_JIT_COMPLETE);
    return VG_OK;
}

/* One match block per thread, reused: no allocation per match. */
static __thread pcre2_match_data *tl_md;

void vg_hpat_thread_cleanup(void)
{
    pcre2_match_data_free(tl_md);
    tl_md = NULL;
    free(tl_low);
    tl_low = NULL;
    tl_lowcap = 0;
}

static bool exec_pcre2(const vg_hpat *p, const char *s, size_t len, vg_hmatch *m)
{
    if (!tl_md && !(tl_md = pcre2_match_data_create(VG_OSRE_MAX_CAPS + 1, NULL)))
        return false;
    pcre2_match_data *md = tl_md;
    int rc = pcre2_match(p->re, (PCRE2_SPTR)s, len, 0, 0, md, NULL);
    bool ok = rc > 0 || rc == 0;
    if (rc < 0)
        ok = false;
    if (ok && m) {
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
        uint32_t n = pcre2_get_ovector_count(md);
        m->ncaps = 0;
        for (uint32_t g = 1; g < n && m->ncaps < VG_OSRE_MAX_CAPS; g++) {
            if (ov[2 * g] == PCRE2_UNSET) {
                m->caps[m->ncaps].off = 0;
                m->caps[m->ncaps].len = (size_t)-1; /* unset */
            } else {
                m->caps[m->ncaps].off = ov[2 * g];
                m->caps[m->ncaps].len = ov[2 * g + 1] - ov[2 * g];
            }
            m->ncaps++;
        }
        m->end = ov[1];
    }
    return ok;
}

/* ---- common ---- */

int vg_hpat_compile(vg_hpat **out, vg_hpat_type type, const char *pattern, bool negate, char *errbuf)
{
    init_tables();
    *out = NULL;
    vg_hpat *p = calloc(1, sizeof(*p));
    if (!p)
        return VG_ENOMEM;
    p->type = type;
    p->negate = negate;
    p->src = strdup(pattern);
    if (!p->src) {
        free(p);
        return VG_ENOMEM;
    }
    /* Wazuh: a leading '!' negates an OS_Match or OS_Regex expression. */
    if (type != VG_HPAT_PCRE2 && pattern[0] == '!') {
        pattern++;
        p->negate = !p->negate;
    }
    size_t plen = strlen(pattern);
    int rc;
    if (plen > OSRE_MAX_TOKENS * 4)
        rc = vg_err(errbuf, VG_ELIMIT, "pattern longer than %d bytes", OSRE_MAX_TOKENS * 4);
    else if (type == VG_HPAT_OSMATCH)
        rc = compile_osmatch(p, pattern, errbuf);
    else if (type == VG_HPAT_OSREGEX)
        rc = compile_osregex(p, pattern, errbuf);
    else
        rc = compile_pcre2(p, pattern, errbuf);
    if (rc < 0) {
        vg_hpat_free(p);
        return rc;
    }
    *out = p;
    return VG_OK;
}

void vg_hpat_free(vg_hpat *p)
{
    if (!p)
        return;
    for (int i = 0; i < p->nalts; i++)
        free(p->alts[i].t);
    free(p->alts);
    for (int i = 0; i < p->nsm; i++)
        free(p->sm[i].s);
    free(p->sm);
    if (p->re)
        pcre2_code_free(p->re);
    free(p->src);
    free(p);
}

bool vg_hpat_match_lc(const vg_hpat *p, const char *s, size_t len, const char *lc, vg_hmatch *m)
{
    bool ok;
    vg_hmatch tmp;
    vg_hmatch *mm = m ? m : (p->type == VG_HPAT_OSMATCH ? NULL : &tmp);
    if (p->type == VG_HPAT_OSMATCH)
        ok = exec_osmatch(p, s, len, lc, mm);
    else if (p->type == VG_HPAT_OSREGEX)
        ok = exec_osregex(p, s, len, lc, mm);
    else
        ok = exec_pcre2(p, s, len, mm);
    if (p->negate) {
        ok = !ok;
        if (ok && m) {
            m->ncaps = 0;
            m->end = 0;
        }
    }
    return ok;
}

bool vg_hpat_match(const vg_hpat *p, const char *s, size_t len, vg_hmatch *m)
{
    return vg_hpat_match_lc(p, s, len, NULL, m);
}

vg_hpat_type vg_hpat_kind(const vg_hpat *p) { return p->type; }
bool vg_hpat_negated(const vg_hpat *p) { return p->negate; }
const char *vg_hpat_source(const vg_hpat *p) { return p->src; }
