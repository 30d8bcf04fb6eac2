/* debver.c: Debian version comparison (see debver.h). */
#include "inspect/debver.h"

#include <ctype.h>
#include <string.h>

struct ver {
    unsigned long epoch;
    const char *up;
    size_t uplen;
    const char *rev;     /* NULL when absent */
    size_t revlen;
};

static void split(const char *v, struct ver *out)
{
    while (*v == ' ')
        v++;
    out->epoch = 0;
    const char *colon = strchr(v, ':');
    if (colon) {
        unsigned long e = 0;
        const char *p = v;
        bool digits = p < colon;
        for (; p < colon; p++) {
            if (!isdigit((unsigned char)*p)) {
                digits = false;
                break;
            }
            if (e < 100000000UL)
                e = e * 10 + (unsigned long)(*p - '0');
        }
        if (digits) {
            out->epoch = e;
            v = colon + 1;
        }
    }
    size_t len = strlen(v);
    while (len && v[len - 1] == ' ')
        len--;
    const char *dash = NULL;
    for (size_t i = 0; i < len; i++)
        if (v[i] == '-')
            dash = v + i;
    out->up = v;
    if (dash) {
        out->uplen = (size_t)(dash - v);
        out->rev = dash + 1;
        out->revlen = len - out->uplen - 1;
    } else {
        out->uplen = len;
        out->rev = NULL;
        out->revlen = 0;
    }
}

/* Sort weight of a character in a non-digit part. */
static int order(int c)
{
    if (isdigit(c))
        return 0;
    if (isalpha(c))
        return c;
    if (c == '~')
        return -1;
    if (c)
        return c + 256;
    return 0;
}

static int part_cmp(const char *a, size_t al, const char *b, size_t bl)
{
    size_t i = 0, j = 0;
    while (i < al || j < bl) {
        int first_diff = 0;
        while ((i < al && !isdigit((unsigned char)a[i])) || (j < bl && !isdigit((unsigned char)b[j]))) {
            int ac = i < al ? order((unsigned char)a[i]) : 0;
            int bc = j < bl ? order((unsigned char)b[j]) : 0;
            /* a digit ends the non-digit part: weight 0 */
            if (i < al && isdigit((unsigned char)a[i]))
                ac = 0;
            if (j < bl && isdigit((unsigned char)b[j]))
                bc = 0;
            if (ac != bc)
                return ac - bc;
            if (i < al && !isdigit((unsigned char)a[i]))
                i++;
            if (j < bl && !isdigit((unsigned char)b[j]))
                j++;
        }
        while (i < al && a[i] == '0')
            i++;
        while (j < bl && b[j] == '0')
            j++;
        while (i < al && isdigit((unsigned char)a[i]) && j < bl && isdigit((unsigned char)b[j])) {
            if (!first_diff)
                first_diff = a[i] - b[j];
            i++;
            j++;
        }
        if (i < al && isdigit((unsigned char)a[i]))
            return 1;
        if (j < bl && isdigit((unsigned char)b[j]))
            return -1;
        if (first_diff)
            return first_diff;
    }
    return 0;
}

int vg_debver_cmp(const char *a, const char *b)
{
    struct ver va, vb;
    split(a, &va);
    split(b, &vb);
    if (va.epoch != vb.epoch)
        return va.epoch > vb.epoch ? 1 : -1;
    int r = part_cmp(va.up, va.uplen, vb.up, vb.uplen);
    if (r)
        return r > 0 ? 1 : -1;
    /* a missing revision compares as "0" (which equals "") */
    const char *ra = va.rev ? va.rev : "";
    const char *rb = vb.rev ? vb.rev : "";
    r = part_cmp(ra, va.rev ? va.revlen : 0, rb, vb.rev ? vb.revlen : 0);
    return r > 0 ? 1 : r < 0 ? -1 : 0;
}

int vg_debver_valid(const char *v, const char **why)
{
    struct ver x;
    if (!v || !*v) {
        *why = "empty version";
        return VG_EINVAL;
    }
    const char *colon = strchr(v, ':');
    if (colon) {
        if (colon == v) {
            *why = "empty epoch";
            return VG_EINVAL;
        }
        for (const char *p = v; p < colon; p++)
            if (!isdigit((unsigned char)*p)) {
                *why = "epoch is not a number";
                return VG_EINVAL;
            }
    }
    split(v, &x);
    if (x.uplen == 0) {
        *why = "empty upstream version";
        return VG_EINVAL;
    }
    if (!isdigit((unsigned char)x.up[0])) {
        *why = "version does not start with a digit";
        return VG_EINVAL;
    }
    for (size_t i = 0; i < x.uplen; i++)
        if (!isalnum((unsigned char)x.up[i]) && !strchr(".+-~:", x.up[i])) {
            *why = "invalid character in upstream version";
            return VG_EINVAL;
        }
    if (x.rev) {
        if (x.revlen == 0) {
            *why = "empty revision";
            return VG_EINVAL;
        }
        for (size_t i = 0; i < x.revlen; i++)
            if (!isalnum((unsigned char)x.rev[i]) && !strchr(".+~", x.rev[i])) {
                *why = "invalid character in revision";
                return VG_EINVAL;
            }
    }
    return VG_OK;
}
