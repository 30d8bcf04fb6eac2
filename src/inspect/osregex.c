/* osregex.c: OS_Regex-compatible matcher (see osregex.h). */
#include "inspect/osregex.h"

#include <stdlib.h>
#include <string.h>

enum atom_kind {
    A_LIT,    /* one literal byte (lower-cased) */
    A_CLASS,  /* a backslash expression */
    A_OPEN,   /* capture group opens */
    A_CLOSE,  /* capture group closes */
};

enum cls { C_D = 1, C_W, C_S, C_P, C_LPAR, C_RPAR, C_BSL, C_ND, C_NW, C_NS, C_ANY, C_TAB,
           C_DOLLAR, C_PIPE, C_LT };

struct atom {
    unsigned char kind;
    unsigned char c;      /* literal byte or class */
    unsigned char quant;  /* 0 once, '+', '*' */
    unsigned char group;  /* group index for OPEN/CLOSE */
};

struct alt {
    struct atom *atoms;
    size_t n;
    bool begin, end;
    int ngroups;
};

struct vg_osre {
    struct alt *alts;
    size_t nalts;
};

static unsigned char lower(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

static bool is_w(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '@' || c == '_';
}

static bool is_p(unsigned char c)
{
    return (c >= 33 && c <= 46) || (c >= 58 && c <= 63) || c == '[' || c == ']' ||
           c == '{' || c == '|' || c == '}';
}

static bool class_match(unsigned char cls, unsigned char c)
{
    switch (cls) {
    case C_D: return c >= '0' && c <= '9';
    case C_W: return is_w(c);
    case C_S: return c == ' ';
    case C_P: return is_p(c);
    case C_LPAR: return c == '(';
    case C_RPAR: return c == ')';
    case C_BSL: return c == '\\';
    case C_ND: return !(c >= '0' && c <= '9');
    case C_NW: return !is_w(c);
    case C_NS: return c != ' ';
    case C_ANY: return true;
    case C_TAB: return c == '\t';
    case C_DOLLAR: return c == '$';
    case C_PIPE: return c == '|';
    case C_LT: return c == '<';
    }
    return false;
}

static int esc_class(char e)
{
    switch (e) {
    case 'd': return C_D;
    case 'w': return C_W;
    case 's': return C_S;
    case 'p': return C_P;
    case '(': return C_LPAR;
    case ')': return C_RPAR;
    case '\\': return C_BSL;
    case 'D': return C_ND;
    case 'W': return C_NW;
    case 'S': return C_NS;
    case '.': return C_ANY;
    case 't': return C_TAB;
    case '$': return C_DOLLAR;
    case '|': return C_PIPE;
    case '<': return C_LT;
    }
    return 0;
}

void vg_osre_free(vg_osre *re)
{
    if (!re)
        return;
    for (size_t i = 0; i < re->nalts; i++)
        free(re->alts[i].atoms);
    free(re->alts);
    free(re);
}

/* Compile one sub-pattern [s, e). */
static int compile_alt(const char *s, const char *e, struct alt *a, char *errbuf)
{
    memset(a, 0, sizeof(*a));
    if (s < e && *s == '^') {
        a->begin = true;
        s++;
    }
    /* A trailing unescaped '$' anchors the end. Count backslashes before it. */
    if (e > s && e[-1] == '$') {
        size_t bs = 0;
        for (const char *p = e - 2; p >= s && *p == '\\'; p--)
            bs++;
        if (bs % 2 == 0) {
            a->end = true;
            e--;
        }
    }
    a->atoms = calloc((size_t)(e - s) + 1, sizeof(struct atom));
    if (!a->atoms)
        return vg_err(errbuf, VG_ENOMEM, "out of memory");
    bool open = false;
    for (const char *p = s; p < e; p++) {
        struct atom *at = &a->atoms[a->n];
        if (*p == '\\') {
            if (p + 1 >= e)
                return vg_err(errbuf, VG_EINVAL, "regex ends with a backslash");
            int c = esc_class(p[1]);
            if (!c)
                return vg_err(errbuf, VG_EINVAL, "unsupported escape '\\%c' in OS_Regex", p[1]);
            at->kind = A_CLASS;
            at->c = (unsigned char)c;
            p++;
            if (p + 1 < e && (p[1] == '+' || p[1] == '*')) {
                at->quant = (unsigned char)p[1];
                p++;
            }
            a->n++;
        } else if (*p == '(') {
            if (open)
                return vg_err(errbuf, VG_EINVAL, "nested parentheses in OS_Regex");
            if (a->ngroups >= VG_OSRE_MAX_GROUPS)
                return vg_err(errbuf, VG_ELIMIT, "too many groups");
            open = true;
            at->kind = A_OPEN;
            at->group = (unsigned char)a->ngroups;
            a->n++;
        } else if (*p == ')') {
            if (!open)
                return vg_err(errbuf, VG_EINVAL, "unbalanced ')' in OS_Regex");
            open = false;
            at->kind = A_CLOSE;
            at->group = (unsigned char)a->ngroups++;
            a->n++;
        } else {
            at->kind = A_LIT;
            at->c = lower((unsigned char)*p);
            a->n++;
        }
    }
    if (open)
        return vg_err(errbuf, VG_EINVAL, "unbalanced '(' in OS_Regex");
    return VG_OK;
}

int vg_osre_compile(const char *pattern, vg_osre **out, char *errbuf)
{
    *out = NULL;
    size_t len = strlen(pattern);
    if (len > VG_OSRE_MAX_PATTERN)
        return vg_err(errbuf, VG_ELIMIT, "regex longer than %d bytes", VG_OSRE_MAX_PATTERN);
    vg_osre *re = calloc(1, sizeof(*re));
    if (!re)
        return vg_err(errbuf, VG_ENOMEM, "out of memory");
    /* Split at unescaped '|', but a '|' inside parentheses is an error. */
    size_t nalts = 1;
    int depth = 0;
    for (size_t i = 0; i < len; i++) {
        if (pattern[i] == '\\') {
            i++;
            continue;
        }
        if (pattern[i] == '(')
            depth++;
        else if (pattern[i] == ')')
            depth--;
        else if (pattern[i] == '|') {
            if (depth != 0) {
                vg_osre_free(re);
                return vg_err(errbuf, VG_EINVAL, "'|' inside parentheses in OS_Regex");
            }
            nalts++;
        }
    }
    re->alts = calloc(nalts, sizeof(struct alt));
    if (!re->alts) {
        free(re);
        return vg_err(errbuf, VG_ENOMEM, "out of memory");
    }
    const char *s = pattern;
    for (size_t i = 0;; i++) {
        if (i == len || (pattern[i] == '|')) {
            int rc = compile_alt(s, pattern + i, &re->alts[re->nalts], errbuf);
            re->nalts++;
            if (rc != VG_OK) {
                vg_osre_free(re);
                return rc;
            }
            if (i == len)
                break;
            s = pattern + i + 1;
        } else if (pattern[i] == '\\' && i + 1 < len) {
            i++;
        }
    }
    *out = re;
    return VG_OK;
}

struct mstate {
    const struct alt *a;
    const unsigned char *str;
    size_t len;
    long steps;
    const unsigned char *gs[VG_OSRE_MAX_GROUPS], *ge[VG_OSRE_MAX_GROUPS];
};

static bool atom_eq(const struct atom *at, unsigned char c)
{
    return at->kind == A_LIT ? at->c == lower(c) : class_match(at->c, c);
}

/* 1 match, 0 none, -1 step limit */
static int m_at(struct mstate *m, size_t ai, size_t pos)
{
    if (++m->steps > VG_OSRE_MAX_STEPS)
        return -1;
    const struct alt *a = m->a;
    while (ai < a->n) {
        const struct atom *at = &a->atoms[ai];
        if (at->kind == A_OPEN) {
            m->gs[at->group] = m->str + pos;
            ai++;
            continue;
        }
        if (at->kind == A_CLOSE) {
            m->ge[at->group] = m->str + pos;
            ai++;
            continue;
        }
        if (at->quant == 0) {
            if (pos >= m->len || !atom_eq(at, m->str[pos]))
                return 0;
            pos++;
            ai++;
            continue;
        }
        /* greedy with backtracking */
        size_t minc = at->quant == '+' ? 1 : 0;
        size_t k = 0;
        while (pos + k < m->len && atom_eq(at, m->str[pos + k]))
            k++;
        if (k < minc)
            return 0;
        for (size_t j = k + 1; j-- > minc;) {
            int r = m_at(m, ai + 1, pos + j);
            if (r != 0)
                return r;
        }
        return 0;
    }
    return (!a->end || pos == m->len) ? 1 : 0;
}

int vg_osre_match(const vg_osre *re, const char *str, const char **cap, size_t *caplen)
{
    if (cap)
        *cap = NULL;
    if (caplen)
        *caplen = 0;
    size_t len = strlen(str);
    for (size_t i = 0; i < re->nalts; i++) {
        const struct alt *a = &re->alts[i];
        if (a->n == 0)
            continue; /* an empty sub-pattern never matches in OS_Regex */
        struct mstate m = {.a = a, .str = (const unsigned char *)str, .len = len};
        size_t last = a->begin ? 0 : len;
        for (size_t start = 0; start <= last; start++) {
            int r = m_at(&m, 0, start);
            if (r < 0)
                return VG_ELIMIT;
            if (r == 1) {
                if (cap && a->ngroups > 0 && m.gs[0] && m.ge[0] >= m.gs[0]) {
                    *cap = (const char *)m.gs[0];
                    *caplen = (size_t)(m.ge[0] - m.gs[0]);
                }
                return 1;
            }
        }
    }
    return 0;
}

static bool ci_prefix(const char *s, const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!s[i] || lower((unsigned char)s[i]) != lower((unsigned char)p[i]))
            return false;
    return true;
}

int vg_osmatch(const char *pattern, const char *str)
{
    size_t slen = strlen(str);
    const char *s = pattern;
    for (;;) {
        const char *e = strchr(s, '|');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        bool begin = false, end = false;
        const char *p = s;
        if (n && *p == '^') {
            begin = true;
            p++;
            n--;
        }
        if (n && p[n - 1] == '$') {
            end = true;
            n--;
        }
        if (begin && end) {
            if (slen == n && ci_prefix(str, p, n))
                return 1;
        } else if (begin) {
            if (ci_prefix(str, p, n))
                return 1;
        } else if (end) {
            if (slen >= n && ci_prefix(str + slen - n, p, n))
                return 1;
        } else {
            for (size_t i = 0; i + n <= slen; i++)
                if (ci_prefix(str + i, p, n))
                    return 1;
        }
        if (!e)
            return 0;
        s = e + 1;
    }
}
