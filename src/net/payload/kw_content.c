/*
 * kw_content.c: the content keyword and its modifiers (nocase, depth,
 * offset, distance, within, rawbytes, fast_pattern, startswith, endswith).
 *
 * content's argument is [!]"text" where text mixes literal bytes, the
 * escapes \" \; \\ \: and |hex hex ...| blocks.  Modifiers act on the last
 * payload keyword of the current buffer, which must be a content; the rules
 * on mixing them follow Suricata 8.0 (no absolute with relative modifiers on
 * one content, no repeated modifier, within >= content length, depth >=
 * content length, |distance| and |within| <= 1 MB).
 */
#include <ctype.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "net/payload/payload_int.h"

static void content_free(void *ctx)
{
    pl_content *cd = ctx;
    if (!cd)
        return;
    free(cd->pat);
    free(cd->lpat);
    free(cd);
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = tolower(c);
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* Decode the text between the quotes into out (capacity >= strlen(in)). */
static int decode_content(const char *in, size_t n, uint8_t *out, uint32_t *outlen, char *errbuf)
{
    uint32_t o = 0;
    bool hex = false;
    int nib = -1;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)in[i];
        if (hex) {
            if (c == '|') {
                if (nib >= 0)
                    return vg_err(errbuf, VG_EINVAL, "odd number of hex digits");
                hex = false;
            } else if (c == ' ' || c == '\t') {
                if (nib >= 0)
                    return vg_err(errbuf, VG_EINVAL, "hex byte split by a space");
            } else {
                int v = hexval(c);
                if (v < 0)
                    return vg_err(errbuf, VG_EINVAL, "invalid hex character '%c'", c);
                if (nib < 0) {
                    nib = v;
                } else {
                    out[o++] = (uint8_t)(nib << 4 | v);
                    nib = -1;
                }
            }
            continue;
        }
        if (c == '|') {
            hex = true;
        } else if (c == '\\') {
            if (i + 1 >= n)
                return vg_err(errbuf, VG_EINVAL, "trailing backslash");
            char e = in[++i];
            if (e != '"' && e != ';' && e != '\\' && e != ':')
                return vg_err(errbuf, VG_EINVAL, "'\\%c' is not a valid escape", e);
            out[o++] = (uint8_t)e;
        } else if (c == '"') {
            return vg_err(errbuf, VG_EINVAL, "unescaped '\"' inside the content");
        } else {
            out[o++] = c;
        }
    }
    if (hex)
        return vg_err(errbuf, VG_EINVAL, "unterminated |hex| block");
    *outlen = o;
    return VG_OK;
}

static int content_setup(vg_rule_parser *rp, vg_sig *s, const char *arg, char *errbuf)
{
    if (!arg)
        return vg_err(errbuf, VG_EINVAL, "needs an argument");
    const char *p = arg;
    while (isspace((unsigned char)*p))
        p++;
    bool neg = false;
    if (*p == '!') {
        neg = true;
        p++;
        while (isspace((unsigned char)*p))
            p++;
    }
    size_t n = strlen(p);
    while (n > 0 && isspace((unsigned char)p[n - 1]))
        n--;
    if (n >= 1 && p[0] == '"') {
        if (n < 2 || p[n - 1] != '"')
            return vg_err(errbuf, VG_EINVAL, "unbalanced quotes");
        p++;
        n -= 2;
    }
    if (n == 0)
        return vg_err(errbuf, VG_EINVAL, "empty content");
    if (n > 4 * (size_t)PL_CONTENT_MAX)
        return vg_err(errbuf, VG_ELIMIT, "too long");
    uint8_t *buf = malloc(n);
    if (!buf)
        return vg_err(errbuf, VG_ENOMEM, "out of memory");
    uint32_t len = 0;
    int rc = decode_content(p, n, buf, &len, errbuf);
    if (rc == VG_OK && len == 0)
        rc = vg_err(errbuf, VG_EINVAL, "empty content");
    if (rc == VG_OK && len > PL_CONTENT_MAX)
        rc = vg_err(errbuf, VG_ELIMIT, "longer than %u bytes", PL_CONTENT_MAX);
    if (rc != VG_OK) {
        free(buf);
        return rc;
    }
    pl_content *cd = calloc(1, sizeof *cd);
    if (!cd) {
        free(buf);
        return vg_err(errbuf, VG_ENOMEM, "out of memory");
    }
    static atomic_uint next_seq; /* creation order only; safe across loader threads */
    cd->h.kind = PL_CONTENT;
    cd->seq = atomic_fetch_add(&next_seq, 1) + 1;
    cd->pat = buf;
    cd->len = len;
    cd->flags = neg ? PLC_NEGATED : 0;
    cd->offset.var = cd->depth.var = cd->distance.var = cd->within.var = -1;
    if (!vg_sig_append_buf(rp, s, &vg_pl_kw_content, cd)) {
        content_free(cd);
        return vg_err(errbuf, VG_ENOMEM, "cannot append");
    }
    return VG_OK;
}

/* The content a modifier applies to. */
static pl_content *last_content(vg_rule_parser *rp, vg_sig *s, const char *kw, vg_sm **smp,
                                char *errbuf)
{
    /* the most recent content of the rule, even with other payload keywords
     * (bsize, isdataat, pcre...) after it, and even when an old-style buffer
     * modifier (content:"x"; http_header; fast_pattern;) moved it to another
     * buffer's list: Suricata looks across all lists */
    vg_sm *sm = vg_rule_parser_last_payload(rp, s);
    while (sm && pl_kind_of(sm) != PL_CONTENT)
        sm = sm->prev;
    uint32_t best = sm ? ((const pl_content *)sm->ctx)->seq : 0;
    for (unsigned b = 0; b < s->nbufs && b < VG_SIG_MAX_BUFS; b++)
        for (vg_sm *x = s->bufs[b].tail; x; x = x->prev)
            if (pl_kind_of(x) == PL_CONTENT) {
                if (((const pl_content *)x->ctx)->seq > best) {
                    best = ((const pl_content *)x->ctx)->seq;
                    sm = x;
                }
                break; /* the tail-most content is the newest of its list */
            }
    if (!sm) {
        (void)kw;
        vg_err(errbuf, VG_EINVAL, "needs a preceding content");
        return NULL;
    }
    if (smp)
        *smp = sm;
    return sm->ctx;
}

static int nocase_setup(vg_rule_parser *rp, vg_sig *s, const char *arg, char *errbuf)
{
    (void)arg;
    pl_content *cd = last_content(rp, s, "nocase", NULL, errbuf);
    if (!cd)
        return VG_EINVAL;
    if (cd->flags & PLC_NOCASE)
        return vg_err(errbuf, VG_EINVAL, "already set for this content");
    cd->lpat = malloc(cd->len);
    if (!cd->lpat)
        return vg_err(errbuf, VG_ENOMEM, "out of memory");
    for (uint32_t i = 0; i < cd->len; i++)
        cd->lpat[i] = (uint8_t)tolower(cd->pat[i]);
    cd->flags |= PLC_NOCASE;
    return VG_OK;
}

static int rawbytes_setup(vg_rule_parser *rp, vg_sig *s, const char *arg, char *errbuf)
{
    (void)arg;
    pl_content *cd = last_content(rp, s, "rawbytes", NULL, errbuf);
    if (!cd)
        return VG_EINVAL;
    cd->flags |= PLC_RAWBYTES; /* no effect: vigil has no normalised packet buffer */
    return VG_OK;
}

#define ABS_FLAGS (PLC_OFFSET | PLC_DEPTH)
#define REL_FLAGS (PLC_DISTANCE | PLC_WITHIN)

static int depth_setup(vg_rule_parser *rp, vg_sig *s, const char *arg, char *errbuf)
{
    pl_content *cd = last_content(rp, s, "depth", NULL, errbuf);
    if (!cd)
        return VG_EINVAL;
    if (cd->flags & PLC_DEPTH)
        return vg_err(errbuf, VG_EINVAL, "can't use multiple depths for the same content");
    if (cd->flags & (REL_FLAGS | PLC_STARTSWITH))
        return vg_err(errbuf, VG_EINVAL,
                      "can't be mixed with distance/within/startswith on one content");
    if (!arg)
        return vg_err(errbuf, VG_EINVAL, "needs a value");
    if (pl_parse_num(rp, arg, 0, PL_REL_MAX * 64LL, &cd->depth, "depth", errbuf) != 0)
        return VG_EINVAL;
    if (cd->depth.var < 0 && cd->depth.v < (int64_t)cd->len)
        return vg_err(errbuf, VG_EINVAL, "%lld is smaller than the content length %u",
                      (long long)cd->depth.v, cd->len);
    cd->flags |= PLC_DEPTH;
    return VG_OK;
}

static int offset_setup(vg_rule_parser *rp, vg_sig *s, const char *arg, char *errbuf)
{
    pl_content *cd = last_content(rp, s, "offset", NULL, errbuf);
    if (!cd)
        return VG_EINVAL;
    if (cd->flags & PLC_OFFSET)
        return vg_err(errbuf, VG_EINVAL, "can't use multiple offsets for the same content");
    if (cd->flags & (REL_FLAGS | PLC_STARTSWITH))
        return vg_err(errbuf, VG_EINVAL,
                      "can't be mixed with distance/within/startswith on one content");
    if (!arg)
        return vg_err(errbuf, VG_EINVAL, "needs a value");
    if (pl_parse_num(rp, arg, 0, PL_REL_MAX * 64LL, &cd->offset, "offset", errbuf) != 0)
        return VG_EINVAL;
    cd->flags |= PLC_OFFSET;
    return VG_OK;
}

static int distance_setup(vg_rule_parser *rp, vg_sig *s, const char *arg, char *errbuf)
{
    vg_sm *sm;
    pl_content *cd = last_content(rp, s, "distance", &sm, errbuf);
    if (!cd)
        return VG_EINVAL;
    if (cd->flags & PLC_DISTANCE)
        return vg_err(errbuf, VG_EINVAL,
                      "can't use multiple distances for the same content");
    if (cd->flags & (ABS_FLAGS | PLC_STARTSWITH))
        return vg_err(errbuf, VG_EINVAL,
                      "can't be mixed with offset/depth/startswith on one content");
    if (!arg)
        return vg_err(errbuf, VG_EINVAL, "needs a value");
    if (pl_parse_num(rp, arg, -PL_REL_MAX, PL_REL_MAX, &cd->distance, "distance", errbuf) != 0)
        return VG_EINVAL;
    cd->flags |= PLC_DISTANCE;
    /* a later occurrence of the anchor cannot help a positive content that
     * only has a distance, but it can help a negated one: its region
     * shrinks (as Suricata 8 retries: "fix"; "this"; within; !"and";
     * distance:0 matches at a later "fix this") */
    pl_mark_anchor(sm, (cd->flags & PLC_NEGATED) ? PL_NEXT_DISTANCE | PL_NEXT_WITHIN
                                                 : PL_NEXT_DISTANCE);
    return VG_OK;
}

static int within_setup(vg_rule_parser *rp, vg_sig *s, const char *arg, char *errbuf)
{
    vg_sm *sm;
    pl_content *cd = last_content(rp, s, "within", &sm, errbuf);
    if (!cd)
        return VG_EINVAL;
    if (cd->flags & PLC_WITHIN)
        return vg_err(errbuf, VG_EINVAL, "can't use multiple withins for the same content");
    if (cd->flags & (ABS_FLAGS | PLC_STARTSWITH))
        return vg_err(errbuf, VG_EINVAL,
                      "can't be mixed with offset/depth/startswith on one content");
    if (!arg)
        return vg_err(errbuf, VG_EINVAL, "needs a value");
    if (pl_parse_num(rp, arg, -PL_REL_MAX, PL_REL_MAX, &cd->within, "within", errbuf) != 0)
        return VG_EINVAL;
    if (cd->within.var < 0) {
        if (cd->within.v == 0)
            return vg_err(errbuf, VG_EINVAL, "can not be 0");
        if (cd->within.v < (int64_t)cd->len)
            return vg_err(errbuf, VG_EINVAL, "%lld is less than the content length %u",
                          (long long)cd->within.v, cd->len);
    }
    cd->flags |= PLC_WITHIN;
    pl_mark_anchor(sm, PL_NEXT_WITHIN);
    return VG_OK;
}

static int startswith_setup(vg_rule_parser *rp, vg_sig *s, const char *arg, char *errbuf)
{
    (void)arg;
    pl_content *cd = last_content(rp, s, "startswith", NULL, errbuf);
    if (!cd)
        return VG_EINVAL;
    if (cd->flags & (ABS_FLAGS | REL_FLAGS | PLC_STARTSWITH))
        return vg_err(errbuf, VG_EINVAL,
                      "can't be mixed with depth/offset/within/distance");
    cd->flags |= PLC_STARTSWITH | PLC_DEPTH | PLC_OFFSET;
    cd->depth.v = cd->len;
    cd->offset.v = 0;
    return VG_OK;
}

static int endswith_setup(vg_rule_parser *rp, vg_sig *s, const char *arg, char *errbuf)
{
    (void)arg;
    pl_content *cd = last_content(rp, s, "endswith", NULL, errbuf);
    if (!cd)
        return VG_EINVAL;
    if (cd->flags & PLC_ENDSWITH)
        return vg_err(errbuf, VG_EINVAL, "already set for this content");
    cd->flags |= PLC_ENDSWITH;
    return VG_OK;
}

static bool sig_has_fast_pattern(const vg_sig *s)
{
    for (unsigned b = 0; b < s->nbufs; b++)
        for (const vg_sm *sm = s->bufs[b].head; sm; sm = sm->next)
            if (pl_kind_of(sm) == PL_CONTENT && (((const pl_content *)sm->ctx)->flags & PLC_FP))
                return true;
    return false;
}

static int fast_pattern_setup(vg_rule_parser *rp, vg_sig *s, const char *arg, char *errbuf)
{
    vg_sm *sm;
    pl_content *cd = last_content(rp, s, "fast_pattern", &sm, errbuf);
    if (!cd)
        return VG_EINVAL;
    if (pl_sm_buf_id(s, sm) == VG_BUF_BASE64_DATA)
        return vg_err(errbuf, VG_EINVAL, "can't be used with base64_data");
    if (sig_has_fast_pattern(s))
        return vg_err(errbuf, VG_EINVAL, "can be used on only one content in a rule");
    char tmp[64];
    const char *a = arg;
    while (a && isspace((unsigned char)*a))
        a++;
    if (a && *a) {
        if (strlen(a) >= sizeof tmp)
            return vg_err(errbuf, VG_EINVAL, "invalid argument");
        strcpy(tmp, a);
        char *t = pl_trim(tmp);
        if (strcmp(t, "only") == 0) {
            if (cd->flags & PLC_NEGATED)
                return vg_err(errbuf, VG_EINVAL,
                              "fast_pattern:only can't be used on a negated content");
            if (cd->flags & (ABS_FLAGS | REL_FLAGS))
                return vg_err(errbuf, VG_EINVAL, "fast_pattern:only can't be used with "
                              "depth/offset/distance/within");
            cd->flags |= PLC_FP_ONLY;
        } else {
            char *f[3];
            int64_t o, l;
            if (pl_split(t, f, 3) != 2 || pl_parse_int(f[0], 0, 65535, &o) != 0 ||
                pl_parse_int(f[1], 1, 65535, &l) != 0)
                return vg_err(errbuf, VG_EINVAL, "expected 'only' or offset,length");
            if (o + l > (int64_t)cd->len)
                return vg_err(errbuf, VG_EINVAL,
                              "chop %lld,%lld is beyond the content length %u",
                              (long long)o, (long long)l, cd->len);
            cd->fp_off = (uint16_t)o;
            cd->fp_len = (uint16_t)l;
            cd->flags |= PLC_FP_CHOP;
        }
    }
    if ((cd->flags & PLC_NEGATED) && (cd->flags & (ABS_FLAGS | REL_FLAGS)))
        return vg_err(errbuf, VG_EINVAL, "can't be used on a negated content "
                      "with depth/offset/distance/within");
    cd->flags |= PLC_FP;
    return VG_OK;
}

#define MODIFIER(sym, nm, fl, fn) \
    const vg_keyword sym = { .name = nm, .flags = VG_KW_MODIFIER | (fl), .setup = fn }

const vg_keyword vg_pl_kw_content = {
    .name = "content", .flags = VG_KW_PAYLOAD | VG_KW_QUOTES_OK,
    .setup = content_setup, .free = content_free,
};
MODIFIER(vg_pl_kw_nocase, "nocase", VG_KW_NOOPT, nocase_setup);
MODIFIER(vg_pl_kw_rawbytes, "rawbytes", VG_KW_NOOPT, rawbytes_setup);
MODIFIER(vg_pl_kw_depth, "depth", 0, depth_setup);
MODIFIER(vg_pl_kw_offset, "offset", 0, offset_setup);
MODIFIER(vg_pl_kw_distance, "distance", 0, distance_setup);
MODIFIER(vg_pl_kw_within, "within", 0, within_setup);
MODIFIER(vg_pl_kw_startswith, "startswith", VG_KW_NOOPT, startswith_setup);
MODIFIER(vg_pl_kw_endswith, "endswith", VG_KW_NOOPT, endswith_setup);
MODIFIER(vg_pl_kw_fast_pattern, "fast_pattern", 0, fast_pattern_setup);

