/*
 * app_transform.c: buffer transforms for app-layer sticky buffers
 * (to_lowercase, to_uppercase, compress_whitespace, strip_whitespace,
 * dotprefix, url_decode, xor, pcrexform, from_base64, header_lowercase,
 * strip_pseudo_headers, to_md5, to_sha1, to_sha256).
 *
 * A transform is a keyword placed right after its sticky buffer, before
 * any content of that buffer (as Suricata requires); it is kept at the
 * head of the buffer's list and applied, in rule order, to a copy of the
 * buffer before the rest of the list is inspected (vg_app_transform()).
 * Output is capped at the input size plus one byte (dotprefix) or the
 * digest size; nothing here grows with the input beyond that.
 */
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <openssl/evp.h>
#include <pcre2.h>

#include "net/app/app_int.h"
#include "net/app/app_transform.h"

enum {
    T_LOWER, T_UPPER, T_COMPRESS_WS, T_STRIP_WS, T_DOTPREFIX, T_URLDECODE, T_XOR, T_PCREXFORM,
    T_FROM_B64, T_HDR_LOWER, T_STRIP_PSEUDO, T_MD5, T_SHA1, T_SHA256, T_ABSENT,
};

typedef struct tctx {
    int kind;
    uint8_t key[256];             /* xor */
    uint32_t keylen;
    pcre2_code *re;               /* pcrexform */
    uint32_t b64_offset, b64_bytes;
    int b64_mode;                 /* 0 rfc4648, 1 rfc2045, 2 strict */
    bool or_else;                 /* absent: or_else */
} tctx;

static void tctx_free(void *p)
{
    tctx *c = p;
    if (c && c->re)
        pcre2_code_free(c->re);
    free(c);
}

static int setup(vg_rule_parser *rp, vg_sig *s, const vg_keyword *kw, tctx *c, char *errbuf)
{
    vg_sm *last = vg_rule_parser_last_payload(rp, s);
    if (last && !vg_app_is_transform(last)) {
        /* a transform after payload keywords starts a new instance of the
         * buffer (Suricata: what came before sees the buffer untransformed) */
        int bi = -1;
        for (int i = 0; i < s->nbufs; i++)
            if (s->bufs[i].tail == last)
                bi = i;
        if (bi < 0 || s->bufs[bi].id < VG_BUF_APP_FIRST) {
            tctx_free(c);
            return vg_err(errbuf, VG_ENOTSUP, "%s on a packet buffer is not supported", kw->name);
        }
        if (s->nbufs >= VG_SIG_MAX_BUFS) {
            tctx_free(c);
            return vg_err(errbuf, VG_ELIMIT, "too many buffers in one rule (max %d)",
                          VG_SIG_MAX_BUFS);
        }
        uint16_t id = s->bufs[bi].id;
        vg_sig_buf *nb = &s->bufs[s->nbufs++];
        nb->id = id;
        nb->head = nb->tail = NULL;
        int rc = vg_rule_parser_set_buf(rp, s, id, errbuf); /* the last list of id: the new one */
        if (rc != VG_OK) {
            tctx_free(c);
            return rc;
        }
    }
    vg_sm *sm = vg_sig_append_buf(rp, s, kw, c);
    if (!sm) {
        tctx_free(c);
        return vg_err(errbuf, VG_ENOMEM, "out of memory");
    }
    for (int i = 0; i < s->nbufs; i++)
        if (s->bufs[i].tail == sm && s->bufs[i].id < VG_BUF_APP_FIRST) {
            /* only app-layer buffers are transformed here: undo and refuse */
            vg_sig_buf *b = &s->bufs[i];
            b->tail = sm->prev;
            if (b->tail)
                b->tail->next = NULL;
            else
                b->head = NULL;
            if (!b->head) {
                memmove(&s->bufs[i], &s->bufs[i + 1], (size_t)(s->nbufs - i - 1) * sizeof(*b));
                s->nbufs--;
            }
            free(sm);
            tctx_free(c);
            return vg_err(errbuf, VG_ENOTSUP, "%s on a packet buffer is not supported", kw->name);
        }
    return VG_OK;
}

#define SIMPLE(var, kwname, knd)                                                              \
    extern const vg_keyword var;                                                               \
    static int var##_setup(vg_rule_parser *rp, vg_sig *s, const char *arg, char *errbuf)       \
    {                                                                                          \
        (void)arg;                                                                             \
        tctx *c = calloc(1, sizeof(*c));                                                       \
        if (!c)                                                                                \
            return vg_err(errbuf, VG_ENOMEM, "out of memory");                                 \
        c->kind = knd;                                                                         \
        return setup(rp, s, &var, c, errbuf);                                                  \
    }                                                                                          \
    const vg_keyword var = {kwname, NULL, VG_KW_NOOPT | VG_KW_PAYLOAD, var##_setup, NULL,      \
                            tctx_free};

SIMPLE(vg_app_kw_to_lowercase, "to_lowercase", T_LOWER)
SIMPLE(vg_app_kw_to_uppercase, "to_uppercase", T_UPPER)
SIMPLE(vg_app_kw_compress_ws, "compress_whitespace", T_COMPRESS_WS)
SIMPLE(vg_app_kw_strip_ws, "strip_whitespace", T_STRIP_WS)
SIMPLE(vg_app_kw_dotprefix, "dotprefix", T_DOTPREFIX)
SIMPLE(vg_app_kw_url_decode, "url_decode", T_URLDECODE)
SIMPLE(vg_app_kw_header_lowercase, "header_lowercase", T_HDR_LOWER)
SIMPLE(vg_app_kw_strip_pseudo, "strip_pseudo_headers", T_STRIP_PSEUDO)
SIMPLE(vg_app_kw_to_md5, "to_md5", T_MD5)
SIMPLE(vg_app_kw_to_sha1, "to_sha1", T_SHA1)
SIMPLE(vg_app_kw_to_sha256, "to_sha256", T_SHA256)

extern const vg_keyword vg_app_kw_xor, vg_app_kw_pcrexform, vg_app_kw_from_base64;

static int hexval(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

static int xor_setup(vg_rule_parser *rp, vg_sig *s, const char *arg, char *errbuf)
{
    char buf[600];
    if (!arg || vg_rule_unquote(arg, buf, sizeof buf) != VG_OK)
        return vg_err(errbuf, VG_EINVAL, "xor needs a quoted hex key");
    size_t l = strlen(buf);
    if (l == 0 || l % 2 || l / 2 > 255)
        return vg_err(errbuf, VG_EINVAL, "xor: key must be 1 to 255 hex bytes");
    tctx *c = calloc(1, sizeof(*c));
    if (!c)
        return vg_err(errbuf, VG_ENOMEM, "out of memory");
    c->kind = T_XOR;
    for (size_t i = 0; i < l; i += 2) {
        int hi = hexval(buf[i]), lo = hexval(buf[i + 1]);
        if (hi < 0 || lo < 0) {
            free(c);
            return vg_err(errbuf, VG_EINVAL, "xor: bad hex key");
        }
        c->key[c->keylen++] = (uint8_t)(hi << 4 | lo);
    }
    return setup(rp, s, &vg_app_kw_xor, c, errbuf);
}

static int pcrexform_setup(vg_rule_parser *rp, vg_sig *s, const char *arg, char *errbuf)
{
    char buf[4096];
    if (!arg || vg_rule_unquote(arg, buf, sizeof buf) != VG_OK)
        return vg_err(errbuf, VG_EINVAL, "pcrexform needs a quoted expression");
    int err;
    PCRE2_SIZE eo;
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)buf, PCRE2_ZERO_TERMINATED, 0, &err, &eo, NULL);
    if (!re)
        return vg_err(errbuf, VG_EINVAL, "pcrexform: bad expression at %zu", (size_t)eo);
    uint32_t caps = 0;
    pcre2_pattern_info(re, PCRE2_INFO_CAPTURECOUNT, &caps);
    if (caps < 1) {
        pcre2_code_free(re);
        return vg_err(errbuf, VG_EINVAL, "pcrexform: the expression needs a capture group");
    }
    tctx *c = calloc(1, sizeof(*c));
    if (!c) {
        pcre2_code_free(re);
        return vg_err(errbuf, VG_ENOMEM, "out of memory");
    }
    c->kind = T_PCREXFORM;
    c->re = re;
    return setup(rp, s, &vg_app_kw_pcrexform, c, errbuf);
}

static int from_b64_setup(vg_rule_parser *rp, vg_sig *s, const char *arg, char *errbuf)
{
    tctx *c = calloc(1, sizeof(*c));
    if (!c)
        return vg_err(errbuf, VG_ENOMEM, "out of memory");
    c->kind = T_FROM_B64;
    char buf[256];
    snprintf(buf, sizeof buf, "%s", arg ? arg : "");
    for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
        while (*tok == ' ')
            tok++;
        char *end = tok + strlen(tok);
        while (end > tok && end[-1] == ' ')
            *--end = 0;
        if (!*tok)
            continue;
        unsigned long v;
        char word[16];
        if (sscanf(tok, "offset %lu", &v) == 1 && v <= 65535)
            c->b64_offset = (uint32_t)v;
        else if (sscanf(tok, "bytes %lu", &v) == 1 && v <= 65535)
            c->b64_bytes = (uint32_t)v;
        else if (sscanf(tok, "mode %15s", word) == 1 &&
                 (strcmp(word, "rfc4648") == 0 || strcmp(word, "rfc2045") == 0 ||
                  strcmp(word, "strict") == 0))
            c->b64_mode = word[0] == 's' ? 2 : strcmp(word, "rfc2045") == 0 ? 1 : 0;
        else {
            free(c);
            return vg_err(errbuf, VG_EINVAL, "from_base64: bad option \"%s\"", tok);
        }
    }
    return setup(rp, s, &vg_app_kw_from_base64, c, errbuf);
}

extern const vg_keyword vg_app_kw_absent;

static int absent_setup(vg_rule_parser *rp, vg_sig *s, const char *arg, char *errbuf)
{
    tctx *c = calloc(1, sizeof(*c));
    if (!c)
        return vg_err(errbuf, VG_ENOMEM, "out of memory");
    c->kind = T_ABSENT;
    if (arg) {
        while (*arg == ' ')
            arg++;
        if (strncmp(arg, "or_else", 7) == 0)
            c->or_else = true;
        else if (*arg) {
            free(c);
            return vg_err(errbuf, VG_EINVAL, "absent: unknown option \"%s\"", arg);
        }
    }
    return setup(rp, s, &vg_app_kw_absent, c, errbuf);
}

const vg_keyword vg_app_kw_absent = {"absent", NULL, VG_KW_PAYLOAD | VG_KW_OPTARG, absent_setup,
                                     NULL, tctx_free};

int vg_app_absent_mode(const vg_sm *sm)
{
    if (!sm || sm->kw != &vg_app_kw_absent)
        return 0;
    return ((const tctx *)sm->ctx)->or_else ? 2 : 1;
}

const vg_keyword vg_app_kw_xor = {"xor", NULL, VG_KW_PAYLOAD | VG_KW_QUOTES_OK, xor_setup, NULL,
                                  tctx_free};
const vg_keyword vg_app_kw_pcrexform = {"pcrexform", NULL, VG_KW_PAYLOAD | VG_KW_QUOTES_OK,
                                        pcrexform_setup, NULL, tctx_free};
const vg_keyword vg_app_kw_from_base64 = {"from_base64", NULL, VG_KW_PAYLOAD | VG_KW_OPTARG,
                                          from_b64_setup, NULL, tctx_free};

static const vg_keyword *const transforms[] = {
    &vg_app_kw_to_lowercase, &vg_app_kw_to_uppercase, &vg_app_kw_compress_ws,
    &vg_app_kw_strip_ws, &vg_app_kw_dotprefix, &vg_app_kw_url_decode,
    &vg_app_kw_header_lowercase, &vg_app_kw_strip_pseudo, &vg_app_kw_to_md5,
    &vg_app_kw_to_sha1, &vg_app_kw_to_sha256, &vg_app_kw_xor, &vg_app_kw_pcrexform,
    &vg_app_kw_from_base64, &vg_app_kw_absent, NULL,
};

const vg_keyword *const *vg_app_transform_keywords(void)
{
    return transforms;
}

bool vg_app_is_transform(const vg_sm *sm)
{
    for (int i = 0; transforms[i]; i++)
        if (sm->kw == transforms[i])
            return true;
    return false;
}

/* ---- applying ---- */

static bool ws(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

static int b64v(uint8_t c)
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

/* One transform from in[0..n) to out (capacity cap >= n + 1 and >= 64). */
static uint32_t apply(const tctx *c, const uint8_t *in, uint32_t n, uint8_t *out, uint32_t cap)
{
    uint32_t o = 0;
    switch (c->kind) {
    case T_LOWER:
    case T_UPPER:
        for (uint32_t i = 0; i < n; i++) {
            uint8_t ch = in[i];
            if (c->kind == T_LOWER && ch >= 'A' && ch <= 'Z')
                ch = (uint8_t)(ch + 32);
            else if (c->kind == T_UPPER && ch >= 'a' && ch <= 'z')
                ch = (uint8_t)(ch - 32);
            out[o++] = ch;
        }
        return o;
    case T_COMPRESS_WS:
        for (uint32_t i = 0; i < n; i++) {
            if (ws(in[i])) {
                if (o && out[o - 1] == ' ' && i && ws(in[i - 1]))
                    continue;
                out[o++] = ' ';
            } else {
                out[o++] = in[i];
            }
        }
        return o;
    case T_STRIP_WS:
        for (uint32_t i = 0; i < n; i++)
            if (!ws(in[i]))
                out[o++] = in[i];
        return o;
    case T_DOTPREFIX:
        out[o++] = '.';
        memcpy(out + o, in, n);
        return o + n;
    case T_URLDECODE:
        for (uint32_t i = 0; i < n; i++) {
            if (in[i] == '%' && i + 2 < n && hexval((char)in[i + 1]) >= 0 &&
                hexval((char)in[i + 2]) >= 0) {
                out[o++] = (uint8_t)(hexval((char)in[i + 1]) << 4 | hexval((char)in[i + 2]));
                i += 2;
            } else if (in[i] == '+') {
                out[o++] = ' ';
            } else {
                out[o++] = in[i];
            }
        }
        return o;
    case T_XOR:
        for (uint32_t i = 0; i < n; i++)
            out[o++] = in[i] ^ c->key[i % c->keylen];
        return o;
    case T_HDR_LOWER: {
        bool name = true;
        for (uint32_t i = 0; i < n; i++) {
            uint8_t ch = in[i];
            if (ch == '\n')
                name = true;
            else if (ch == ':')
                name = false;
            else if (name && ch >= 'A' && ch <= 'Z')
                ch = (uint8_t)(ch + 32);
            out[o++] = ch;
        }
        return o;
    }
    case T_STRIP_PSEUDO: {
        /* drop lines starting with ':' (HTTP/2 pseudo headers) */
        uint32_t i = 0;
        while (i < n) {
            uint32_t e = i;
            while (e < n && in[e] != '\n')
                e++;
            if (e < n)
                e++;
            if (in[i] != ':') {
                memcpy(out + o, in + i, e - i);
                o += e - i;
            }
            i = e;
        }
        return o;
    }
    case T_MD5:
    case T_SHA1:
    case T_SHA256: {
        const EVP_MD *md = c->kind == T_MD5 ? EVP_md5() : c->kind == T_SHA1 ? EVP_sha1()
                                                                           : EVP_sha256();
        unsigned int hl = 0;
        if (cap < 64 || !EVP_Digest(in, n, out, &hl, md, NULL))
            return 0;
        return hl;
    }
    case T_PCREXFORM: {
        pcre2_match_data *md = pcre2_match_data_create_from_pattern(c->re, NULL);
        if (!md)
            return 0;
        int rc = pcre2_match(c->re, in, n, 0, 0, md, NULL);
        if (rc >= 2) {
            PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
            if (ov[2] != PCRE2_UNSET && ov[3] >= ov[2] && ov[3] <= n) {
                o = (uint32_t)(ov[3] - ov[2]);
                memcpy(out, in + ov[2], o);
            }
        }
        pcre2_match_data_free(md);
        return o;
    }
    case T_FROM_B64: {
        uint32_t start = c->b64_offset < n ? c->b64_offset : n;
        uint32_t end = n;
        if (c->b64_bytes && start + c->b64_bytes < end)
            end = start + c->b64_bytes;
        uint32_t acc = 0, bits = 0;
        for (uint32_t i = start; i < end; i++) {
            int v = b64v(in[i]);
            if (v < 0) {
                if (in[i] == '=')
                    break;
                if (c->b64_mode == 1) /* rfc2045: skip what is not base64 */
                    continue;
                break;                /* rfc4648 and strict: stop */
            }
            acc = (acc << 6) | (uint32_t)v;
            bits += 6;
            if (bits >= 8) {
                bits -= 8;
                out[o++] = (uint8_t)(acc >> bits);
            }
        }
        return o;
    }
    default:
        memcpy(out, in, n);
        return n;
    }
}

const vg_sm *vg_app_transform(const vg_sig_buf *b, const uint8_t **data, uint32_t *len,
                              uint8_t **owned)
{
    const vg_sm *sm = b->head;
    *owned = NULL;
    if (!sm || !vg_app_is_transform(sm))
        return sm;
    for (; sm && vg_app_is_transform(sm); sm = sm->next) {
        uint32_t cap = *len + 64;
        uint8_t *out = malloc(cap);
        if (!out) {
            free(*owned);
            *owned = NULL;
            *len = 0;
            return NULL;
        }
        uint32_t n = apply(sm->ctx, *data, *len, out, cap);
        free(*owned);
        *owned = out;
        *data = out;
        *len = n;
    }
    return sm;
}
