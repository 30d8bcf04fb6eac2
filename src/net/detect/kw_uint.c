/*
 * kw_uint.c: Suricata's unsigned integer syntax, shared by every numeric
 * keyword (ttl, dsize, window, icmp_id, flow.pkts...).
 *
 * Modes: "N" / "=N" equality, "!N" / "!=N", "<N", "<=N", ">N", ">=N",
 * "N-M" and "N<>M" (exclusive range), "!N-M" (outside the exclusive range),
 * "&MASK=V" / "&MASK!=V" (bitmask).  Values are decimal or 0x-hex with an
 * optional kb/mb/gb (kib/mib/gib) multiplier, and must not exceed the
 * keyword's maximum.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "net/detect/detect_int.h"

enum { VG_U_MASK_EQ = 100, VG_U_MASK_NE };

static const char *skip_ws(const char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    return s;
}

static int parse_num(const char **sp, uint64_t max, uint64_t *out, char *errbuf)
{
    const char *s = skip_ws(*sp);
    if (!isdigit((unsigned char)*s))
        return vg_err(errbuf, VG_EINVAL, "expected a number at \"%.32s\"", s);
    char *end;
    errno = 0;
    unsigned long long v;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
        v = strtoull(s + 2, &end, 16);
    else
        v = strtoull(s, &end, 10);
    if (errno == ERANGE)
        return vg_err(errbuf, VG_EINVAL, "number out of range at \"%.32s\"", s);
    static const struct { const char *suf; uint64_t mul; } units[] = {
        {"kib", 1024}, {"mib", 1048576}, {"gib", 1073741824},
        {"kb", 1024}, {"mb", 1048576}, {"gb", 1073741824},
    };
    for (size_t i = 0; i < VG_ARRAY_LEN(units); i++) {
        size_t l = strlen(units[i].suf);
        if (strncasecmp(end, units[i].suf, l) == 0 && !isalnum((unsigned char)end[l])) {
            if (v > UINT64_MAX / units[i].mul)
                return vg_err(errbuf, VG_EINVAL, "number out of range at \"%.32s\"", s);
            v *= units[i].mul;
            end += l;
            break;
        }
    }
    if (v > max)
        return vg_err(errbuf, VG_EINVAL, "value %llu exceeds the maximum %llu", v,
                      (unsigned long long)max);
    *out = v;
    *sp = skip_ws(end);
    return VG_OK;
}

int vg_uint_parse(const char *arg, uint64_t max, vg_uint *out, char *errbuf)
{
    if (!arg)
        return vg_err(errbuf, VG_EINVAL, "missing value");
    const char *s = skip_ws(arg);
    memset(out, 0, sizeof(*out));
    int rc;
    if (*s == '&') {
        s++;
        if ((rc = parse_num(&s, max, &out->a, errbuf)))
            return rc;
        if (s[0] == '=') {
            out->mode = VG_U_MASK_EQ;
            s++;
        } else if (s[0] == '!' && s[1] == '=') {
            out->mode = VG_U_MASK_NE;
            s += 2;
        } else {
            return vg_err(errbuf, VG_EINVAL, "bitmask needs =V or !=V");
        }
        if ((rc = parse_num(&s, max, &out->b, errbuf)))
            return rc;
    } else if (s[0] == '<' && s[1] == '=') {
        s += 2;
        out->mode = VG_U_LE;
        rc = parse_num(&s, max, &out->a, errbuf);
    } else if (s[0] == '>' && s[1] == '=') {
        s += 2;
        out->mode = VG_U_GE;
        rc = parse_num(&s, max, &out->a, errbuf);
    } else if (s[0] == '<') {
        s++;
        out->mode = VG_U_LT;
        rc = parse_num(&s, max, &out->a, errbuf);
    } else if (s[0] == '>') {
        s++;
        out->mode = VG_U_GT;
        rc = parse_num(&s, max, &out->a, errbuf);
    } else {
        bool neg = false;
        if (s[0] == '!') {
            neg = true;
            s++;
            if (s[0] == '=')
                s++;
        } else if (s[0] == '=') {
            s++;
        }
        if ((rc = parse_num(&s, max, &out->a, errbuf)))
            return rc;
        if (s[0] == '-' || (s[0] == '<' && s[1] == '>')) {
            s += s[0] == '-' ? 1 : 2;
            if ((rc = parse_num(&s, max, &out->b, errbuf)))
                return rc;
            if (out->b <= out->a + 1)
                return vg_err(errbuf, VG_EINVAL, "range %llu-%llu is empty",
                              (unsigned long long)out->a, (unsigned long long)out->b);
            out->mode = neg ? VG_U_NRANGE : VG_U_RANGE;
        } else {
            out->mode = neg ? VG_U_NE : VG_U_EQ;
        }
    }
    if (rc)
        return rc;
    s = skip_ws(s);
    if (*s)
        return vg_err(errbuf, VG_EINVAL, "trailing characters \"%.32s\"", s);
    if (out->mode == VG_U_LT && out->a == 0)
        return vg_err(errbuf, VG_EINVAL, "\"<0\" can never match");
    if (out->mode == VG_U_GT && out->a == max)
        return vg_err(errbuf, VG_EINVAL, "\">%llu\" can never match", (unsigned long long)max);
    return VG_OK;
}

bool vg_uint_match(const vg_uint *u, uint64_t v)
{
    switch (u->mode) {
    case VG_U_EQ: return v == u->a;
    case VG_U_NE: return v != u->a;
    case VG_U_LT: return v < u->a;
    case VG_U_GT: return v > u->a;
    case VG_U_LE: return v <= u->a;
    case VG_U_GE: return v >= u->a;
    case VG_U_RANGE: return v > u->a && v < u->b;
    case VG_U_NRANGE: return v <= u->a || v >= u->b;
    case VG_U_MASK_EQ: return (v & u->a) == u->b;
    case VG_U_MASK_NE: return (v & u->a) != u->b;
    }
    return false;
}

uint64_t vg_uint_upper(const vg_uint *u, uint64_t max)
{
    switch (u->mode) {
    case VG_U_EQ: return u->a;
    case VG_U_LT: return u->a ? u->a - 1 : 0;
    case VG_U_LE: return u->a;
    case VG_U_RANGE: return u->b ? u->b - 1 : 0;
    }
    return max;
}

vg_uint *vg_uint_new(const char *arg, uint64_t max, char *errbuf)
{
    vg_uint u;
    if (vg_uint_parse(arg, max, &u, errbuf) != VG_OK)
        return NULL;
    vg_uint *p = malloc(sizeof(*p));
    if (!p) {
        vg_err(errbuf, VG_ENOMEM, "out of memory");
        return NULL;
    }
    *p = u;
    return p;
}
