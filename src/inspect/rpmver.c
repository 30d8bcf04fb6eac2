/* rpmver.c: RPM version ordering (see rpmver.h). */
#include "inspect/rpmver.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static bool is_digit(char c) { return c >= '0' && c <= '9'; }
static bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static bool is_sep(char c) { return c && !is_digit(c) && !is_alpha(c) && c != '~' && c != '^'; }

int vg_rpmvercmp(const char *a, const char *b)
{
    if (strcmp(a, b) == 0)
        return 0;
    const char *p = a, *q = b;
    while (*p || *q) {
        while (is_sep(*p))
            p++;
        while (is_sep(*q))
            q++;
        if (*p == '~' || *q == '~') {
            if (*p != '~')
                return 1;
            if (*q != '~')
                return -1;
            p++, q++;
            continue;
        }
        if (*p == '^' || *q == '^') {
            if (!*p)
                return -1;
            if (!*q)
                return 1;
            if (*p != '^')
                return 1;
            if (*q != '^')
                return -1;
            p++, q++;
            continue;
        }
        if (!*p || !*q)
            break;
        bool num = is_digit(*p);
        const char *pe = p, *qe = q;
        if (num) {
            while (is_digit(*pe))
                pe++;
            while (is_digit(*qe))
                qe++;
        } else {
            while (is_alpha(*pe))
                pe++;
            while (is_alpha(*qe))
                qe++;
        }
        if (qe == q)            /* a number against letters: the number wins */
            return num ? 1 : -1;
        if (num) {
            while (*p == '0' && p < pe)
                p++;
            while (*q == '0' && q < qe)
                q++;
            size_t pl = (size_t)(pe - p), ql = (size_t)(qe - q);
            if (pl != ql)
                return pl > ql ? 1 : -1;
        }
        size_t pl = (size_t)(pe - p), ql = (size_t)(qe - q);
        int c = memcmp(p, q, pl < ql ? pl : ql);
        if (c)
            return c < 0 ? -1 : 1;
        if (pl != ql)
            return pl > ql ? 1 : -1;
        p = pe;
        q = qe;
    }
    if (!*p && !*q)
        return 0;
    return *p ? 1 : -1;
}

struct evr {
    char *buf;
    const char *e, *v, *r;
};

/* Split [E:]V[-R] as rpmverParse: the epoch is the digits before the first
 * ':', the release what follows the last '-'. */
static bool evr_split(const char *s, struct evr *x)
{
    x->buf = strdup(s);
    if (!x->buf)
        return false;
    char *v = x->buf;
    x->e = NULL;
    char *colon = v;
    while (is_digit(*colon))
        colon++;
    if (*colon == ':') {
        *colon = '\0';
        x->e = v;
        v = colon + 1;
    }
    char *dash = strrchr(v, '-');
    x->r = NULL;
    if (dash) {
        *dash = '\0';
        x->r = dash + 1;
    }
    x->v = v;
    return true;
}

int vg_rpmver_cmp(const char *a, const char *b)
{
    struct evr x, y;
    if (!evr_split(a, &x))
        return strcmp(a, b);
    if (!evr_split(b, &y)) {
        free(x.buf);
        return strcmp(a, b);
    }
    int rc = vg_rpmvercmp(x.e && *x.e ? x.e : "0", y.e && *y.e ? y.e : "0");
    if (!rc)
        rc = vg_rpmvercmp(x.v, y.v);
    if (!rc)
        rc = vg_rpmvercmp(x.r ? x.r : "", y.r ? y.r : "");
    free(x.buf);
    free(y.buf);
    return rc;
}
