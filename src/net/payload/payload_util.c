/*
 * payload_util.c: small helpers shared by the payload keywords: argument
 * splitting and number parsing (with byte variable names), the numeric
 * extraction of the byte_* keywords, base64 decoding, and the anchor marking
 * that tells the inspection engine when to backtrack.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "net/payload/payload_int.h"

void pl_mark_anchor(const vg_sm *sm, uint8_t how)
{
    for (const vg_sm *p = sm ? sm->prev : NULL; p; p = p->prev) {
        switch (pl_kind_of(p)) {
        case PL_CONTENT:
        case PL_PCRE:
        case PL_BYTE_JUMP:
        case PL_BYTE_EXTRACT:
        case PL_BYTE_MATH:
            ((pl_hdr *)p->ctx)->next_rel |= how;
            return;
        default:
            break;
        }
    }
}

int pl_sm_buf_id(const vg_sig *s, const vg_sm *sm)
{
    for (unsigned b = 0; b < s->nbufs && b < VG_SIG_MAX_BUFS; b++)
        for (const vg_sm *x = s->bufs[b].tail; x; x = x->prev)
            if (x == sm)
                return s->bufs[b].id;
    return -1;
}

char *pl_trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    return s;
}

int pl_split(char *s, char **fields, int max)
{
    int n = 0;
    char *p = s;
    for (;;) {
        char *c = strchr(p, ',');
        if (c)
            *c = '\0';
        if (n == max)
            return -1;
        fields[n++] = pl_trim(p);
        if (!c)
            break;
        p = c + 1;
    }
    return n;
}

int pl_parse_int(const char *s, int64_t lo, int64_t hi, int64_t *out)
{
    while (isspace((unsigned char)*s))
        s++;
    bool neg = false;
    if (*s == '-' || *s == '+') {
        neg = *s == '-';
        s++;
    }
    int base = 10;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
    }
    if (!isxdigit((unsigned char)*s))
        return -1;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, base);
    if (errno || end == s)
        return -1;
    while (isspace((unsigned char)*end))
        end++;
    if (*end)
        return -1;
    if (v > (unsigned long long)INT64_MAX)
        return -1;
    int64_t r = neg ? -(int64_t)v : (int64_t)v;
    if (r < lo || r > hi)
        return -1;
    *out = r;
    return 0;
}

int pl_parse_num(vg_rule_parser *rp, const char *s, int64_t lo, int64_t hi, pl_num *n,
                 const char *what, char *errbuf)
{
    while (isspace((unsigned char)*s))
        s++;
    n->var = -1;
    n->v = 0;
    if (isalpha((unsigned char)*s)) {
        char name[64];
        size_t len = strlen(s);
        if (len >= sizeof name)
            return vg_err(errbuf, VG_EINVAL, "variable name too long (%s)", what);
        memcpy(name, s, len + 1);
        char *t = pl_trim(name);
        int idx = vg_rule_parser_var(rp, t, false);
        if (idx < 0)
            return vg_err(errbuf, VG_EINVAL, "unknown byte_extract/byte_math variable '%s' (%s)",
                          t, what);
        if (idx >= VG_MAX_BYTE_VARS)
            return vg_err(errbuf, VG_ELIMIT, "too many byte variables (%s)", what);
        n->var = (int16_t)idx;
        return 0;
    }
    if (pl_parse_int(s, lo, hi, &n->v) != 0)
        return vg_err(errbuf, VG_EINVAL, "invalid %s '%s' (expected %lld..%lld)", what, s,
                      (long long)lo, (long long)hi);
    return 0;
}

static int digit_of(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'Z')
        return c - 'A' + 10;
    return 99;
}

int pl_extract(const uint8_t *p, uint32_t avail, int nbytes, bool string, int base,
               bool little, uint64_t *val)
{
    if (nbytes < 0 || (uint32_t)nbytes > avail)
        return -1;
    if (!string) {
        if (nbytes > 8)
            return -1;
        uint64_t v = 0;
        for (int i = 0; i < nbytes; i++) {
            int k = little ? nbytes - 1 - i : i;
            v = v << 8 | p[k];
        }
        *val = v;
        return nbytes;
    }
    if (nbytes == 0 || nbytes > 23)
        return -1;
    int i = 0;
    while (i < nbytes && isspace(p[i]))
        i++;
    if (i < nbytes && p[i] == '+')
        i++;
    int b = base;
    if (b == 0) {
        if (i + 1 < nbytes && p[i] == '0' && (p[i + 1] == 'x' || p[i + 1] == 'X') &&
            i + 2 < nbytes && isxdigit(p[i + 2])) {
            b = 16;
            i += 2;
        } else if (i < nbytes && p[i] == '0') {
            b = 8;
        } else {
            b = 10;
        }
    } else if (b == 16 && i + 2 < nbytes && p[i] == '0' && (p[i + 1] == 'x' || p[i + 1] == 'X') &&
               isxdigit(p[i + 2])) {
        i += 2;
    }
    int start = i;
    uint64_t v = 0;
    while (i < nbytes) {
        int d = digit_of(p[i]);
        if (d >= b)
            break;
        if (v > (UINT64_MAX - (uint64_t)d) / (uint64_t)b)
            return -1; /* overflow */
        v = v * (uint64_t)b + (uint64_t)d;
        i++;
    }
    if (i == start)
        return -1;
    *val = v;
    return i;
}

static int b64val(uint8_t c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

uint32_t pl_b64_decode(const uint8_t *in, uint32_t inlen, uint8_t *out, uint32_t outcap)
{
    uint32_t o = 0, acc = 0;
    int n = 0;
    for (uint32_t i = 0; i < inlen; i++) {
        int v = b64val(in[i]);
        if (v < 0)
            break; /* padding or a byte outside the alphabet ends the data */
        acc = acc << 6 | (uint32_t)v;
        if (++n == 4) {
            if (o + 3 > outcap)
                return o;
            out[o++] = (uint8_t)(acc >> 16);
            out[o++] = (uint8_t)(acc >> 8);
            out[o++] = (uint8_t)acc;
            acc = 0;
            n = 0;
        }
    }
    /* trailing partial block: 2 chars give 1 byte, 3 chars give 2 */
    if (n == 2 && o < outcap) {
        out[o++] = (uint8_t)(acc >> 4);
    } else if (n == 3 && o + 2 <= outcap) {
        out[o++] = (uint8_t)(acc >> 10);
        out[o++] = (uint8_t)(acc >> 2);
    }
    return o;
}
